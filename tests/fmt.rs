//! `bcmhcl fmt` against what Terraform 1.0.3's `terraform fmt` did with the same input
//! (recorded by `tests/fixtures/fmt/regenerate.sh`): the formatted bytes of every fixture,
//! the position of syntax errors, and the command line's output, exit codes and writes.

use bcmhcl::diag::{FileId, SourceMap};
use bcmhcl::fmt::format_source;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `NAME.tf` / `NAME.tfvars` beside its `NAME.*.golden`.
fn golden_pairs() -> Vec<(PathBuf, PathBuf)> {
    let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            p.is_file() && (name.ends_with(".tf") || name.ends_with(".tfvars"))
        })
        .map(|p| {
            let golden = PathBuf::from(format!("{}.golden", p.display()));
            (p, golden)
        })
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn every_fixture_formats_byte_for_byte_as_terraform_and_formatting_is_idempotent() {
    let pairs = golden_pairs();
    assert!(pairs.len() >= 45, "only {} fixtures", pairs.len());
    assert!(
        pairs
            .iter()
            .filter(|(p, _)| p.to_string_lossy().contains("seed_"))
            .count()
            >= 15,
        "the seed module's blocks are missing"
    );
    let mut mismatches = Vec::new();
    for (input, golden) in &pairs {
        let expected = read(golden);
        let once = match format_source(&read(input), FileId(0)) {
            Ok(text) => text,
            Err(d) => {
                mismatches.push(format!("{}: {}", input.display(), d.summary));
                continue;
            }
        };
        if once != expected {
            mismatches.push(format!(
                "{}:\n--- terraform\n{expected}\n--- bcmhcl\n{once}",
                input.display()
            ));
            continue;
        }
        match format_source(&once, FileId(0)) {
            Ok(twice) if twice == once => {}
            other => mismatches.push(format!("{}: not idempotent: {other:?}", input.display())),
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}

#[test]
fn inputs_terraform_rejects_are_errors_on_the_line_terraform_names() {
    let dir = fixtures().join("errors");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "tf") {
            continue;
        }
        let recorded = read(&PathBuf::from(format!("{}.error", path.display())));
        let terraform_line: usize = recorded
            .lines()
            .find_map(|l| l.trim().strip_prefix("on "))
            .and_then(|l| l.split(" line ").nth(1))
            .and_then(|n| n.trim_end_matches(':').split(',').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no line in {recorded}"));
        let text = read(&path);
        let mut sources = SourceMap::new();
        let id = sources.add("x.tf", path.clone(), Arc::from(text.as_str()));
        let diag = format_source(&text, id).expect_err(&path.display().to_string());
        let span = diag.span.expect("the error has a position");
        let line = sources.file(id).pos(span.start as usize).line;
        assert_eq!(line, terraform_line, "{}: {diag:?}", path.display());
        seen += 1;
    }
    assert!(seen >= 4);
}

/// One recorded command line and what Terraform did.
#[derive(Debug)]
struct Case {
    args: Vec<String>,
    stdin: Option<String>,
    exit: i32,
    stdout: String,
    errors: Vec<String>,
    changed: BTreeMap<String, String>,
}

fn take_bytes<'t>(rest: &mut &'t str, header: &str) -> (String, &'t str) {
    let line_end = rest.find('\n').unwrap();
    let line = &rest[..line_end];
    let (name, len) = line
        .strip_prefix(header)
        .and_then(|l| l.rsplit_once(' '))
        .unwrap_or_else(|| panic!("expected {header} in {line}"));
    let len: usize = len.parse().unwrap();
    let body = &rest[line_end + 1..line_end + 1 + len];
    *rest = &rest[line_end + 1 + len..];
    (name.to_string(), body)
}

fn recorded_cases() -> Vec<Case> {
    let text = read(&fixtures().join("cli/cases.terraform-1.0.3.txt"));
    let mut rest = text.as_str();
    let mut cases = Vec::new();
    while let Some(after) = rest.strip_prefix("== ") {
        let (command, tail) = after.split_once('\n').unwrap();
        let (exit, tail) = tail.split_once('\n').unwrap();
        rest = tail;
        let (_, stdout) = take_bytes(&mut rest, "-- stdout");
        rest = rest.strip_prefix("-- stderr\n").unwrap();
        let mut errors = Vec::new();
        while !rest.is_empty() && !rest.starts_with("== ") && !rest.starts_with("-- changed ") {
            let (line, tail) = rest.split_once('\n').unwrap();
            errors.push(line.to_string());
            rest = tail;
        }
        let mut changed = BTreeMap::new();
        while rest.starts_with("-- changed ") {
            let (name, body) = take_bytes(&mut rest, "-- changed ");
            changed.insert(name, body.to_string());
        }
        let mut words = command.split_whitespace().skip(1);
        let mut args = Vec::new();
        let mut stdin = None;
        while let Some(w) = words.next() {
            if w == "<" {
                stdin = words.next().map(str::to_string);
            } else {
                args.push(w.to_string());
            }
        }
        cases.push(Case {
            args,
            stdin,
            exit: exit.trim_start_matches("exit: ").parse().unwrap(),
            stdout: stdout.to_string(),
            errors,
            changed,
        });
    }
    cases
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn files(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(root, &path, out);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.insert(rel, std::fs::read(&path).unwrap());
        }
    }
}

#[test]
fn the_command_line_prints_writes_and_exits_as_terraform_does() {
    let cases = recorded_cases();
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let tree = fixtures().join("cli/tree");
    let mut original = BTreeMap::new();
    files(&tree, &tree, &mut original);
    let mut failures = Vec::new();
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&tree, dir.path());
        let mut child = Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
            .arg("fmt")
            .arg("-no-color")
            .args(&case.args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let input = case
            .stdin
            .as_ref()
            .map(|f| std::fs::read(tree.join(f)).unwrap())
            .unwrap_or_default();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(&input);
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let errors: Vec<String> = stderr
            .lines()
            .filter(|l| l.starts_with("Error: ") || l.starts_with("  on "))
            .map(str::to_string)
            .collect();
        let mut after = BTreeMap::new();
        files(dir.path(), dir.path(), &mut after);
        let changed: BTreeMap<String, String> = after
            .iter()
            .filter(|(name, bytes)| original.get(*name) != Some(*bytes))
            .map(|(name, bytes)| (name.clone(), String::from_utf8_lossy(bytes).into_owned()))
            .collect();
        let code = out.status.code().unwrap_or(-1);
        if code != case.exit
            || stdout != case.stdout
            || errors != case.errors
            || changed != case.changed
        {
            failures.push(format!(
                "fmt {:?} (stdin {:?})\n  exit {} (terraform {})\n  stdout:\n{stdout}\n  terraform stdout:\n{}\n  errors {errors:?} (terraform {:?})\n  changed {:?} (terraform {:?})\n  stderr: {stderr}",
                case.args,
                case.stdin,
                code,
                case.exit,
                case.stdout,
                case.errors,
                changed.keys().collect::<Vec<_>>(),
                case.changed.keys().collect::<Vec<_>>(),
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
