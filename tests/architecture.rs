//! The one-way import order of `../shared/docs/design.md`: the language core (`value`,
//! `config`, `eval`) knows nothing of the CLI, HTTP, IPMI, processes or async runtimes.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn check(module: &str, forbidden: &[&str]) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let dir = root.join(module);
    if dir.is_dir() {
        rust_files(&dir, &mut files);
    }
    let single = root.join(format!("{module}.rs"));
    if single.is_file() {
        files.push(single);
    }
    assert!(!files.is_empty(), "module {module} not found");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in text.lines().filter(|l| l.trim_start().starts_with("use ")) {
            for bad in forbidden {
                assert!(!line.contains(bad), "{} imports {bad}: {line}", f.display());
            }
        }
    }
}

#[test]
fn the_language_core_imports_nothing_from_outer_layers() {
    let outer = [
        "crate::cli",
        "crate::render",
        "crate::provider",
        "crate::exec",
        "crate::sim",
        "crate::state",
        "crate::plan",
        "tokio",
        "reqwest",
        "std::process",
        "std::net",
    ];
    check("value", &outer);
    check("diag", &outer);
    check("config", &[&outer[..], &["crate::eval"]].concat());
    check("eval", &outer);
    // The formatter works on text alone: it parses, it never evaluates.
    check(
        "fmt",
        &[&outer[..], &["crate::eval", "crate::graph"]].concat(),
    );
    // Planning is synchronous: no async runtime, network or processes.
    check("graph", &outer);
    check(
        "plan",
        &[
            "crate::cli",
            "crate::exec",
            "crate::sim",
            "tokio",
            "reqwest",
            "std::process",
            "std::net",
        ],
    );
}

#[test]
fn the_simulator_takes_only_the_wire_types_from_the_provider() {
    check(
        "sim",
        &[
            "crate::cli",
            "crate::exec",
            "crate::plan",
            "crate::eval",
            "crate::graph",
            "crate::state",
            "crate::render",
            "crate::config",
        ],
    );
    let mut files = Vec::new();
    rust_files(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/sim"),
        &mut files,
    );
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (at, _) in text.match_indices("crate::provider") {
            assert!(
                text[at..].starts_with("crate::provider::bcm::wire"),
                "{} reaches into the provider beyond its wire types",
                f.display()
            );
        }
    }
}
