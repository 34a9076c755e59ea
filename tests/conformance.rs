//! Runs every expression of `../shared/conformance/functions.json` (results recorded from a
//! real Terraform 1.0.3) through bcmhcl and compares value, type, sensitivity and errors.
//!
//! Filter with an argument: `cargo test --test conformance -- --nocapture` prints every
//! mismatch; `CONFORMANCE_FILTER=join` limits the run to expressions calling `join`.

use bcmhcl::diag::FileId;
use bcmhcl::eval::{eval_str, funcs::FuncContext, NoNames};
use bcmhcl::value::value_to_json;
use serde_json::Value as Json;
use std::path::PathBuf;

fn conformance_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/functions.json")
}

/// The directory layout the oracle ran in (see the conformance README).
fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["", "subdirectory"] {
        let d = dir.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("hello.txt"), "Hello World").unwrap();
        std::fs::write(d.join("hello.tmpl"), "Hello, ${name}!").unwrap();
    }
    dir
}

/// Numbers compare by value, not by JSON spelling.
fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            let px = bcmhcl::value::Number::parse(&x.to_string());
            let py = bcmhcl::value::Number::parse(&y.to_string());
            px.is_some() && px == py
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn every_function_expression_matches_terraform() {
    let text = std::fs::read_to_string(conformance_file())
        .expect("../shared/conformance/functions.json must be present beside the checkout");
    let cases: Vec<Json> = serde_json::from_str(&text).unwrap();
    assert_eq!(
        cases.len(),
        409,
        "the conformance file holds 409 expressions"
    );
    let dir = fixture_dir();
    let fctx = FuncContext {
        base_dir: dir.path().to_path_buf(),
        impure_known: true,
    };
    let filter = std::env::var("CONFORMANCE_FILTER").ok();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut skipped = 0;
    for case in &cases {
        let expr = case["expr"].as_str().unwrap();
        let function = case["function"].as_str().unwrap();
        if filter.as_deref().is_some_and(|f| f != function) {
            continue;
        }
        let got = eval_str(expr, &NoNames, &fctx, FileId(0));
        if case["unsupported_in_oracle"] == Json::Bool(true) {
            // Newer than the oracle: no recorded value; it must at least evaluate or fail
            // cleanly (the unit tests of each function check these against the docs).
            skipped += 1;
            continue;
        }
        checked += 1;
        if let Some(err) = case.get("error").and_then(Json::as_str) {
            match got {
                Ok(v) => failures.push(format!("{expr}\n    expected {err}\n    got value {v}")),
                Err(d) => {
                    let want = err.trim_start_matches("Error: ");
                    let oracle_bug = want.starts_with("Failed to")
                        || case["error_detail"]
                            .as_str()
                            .is_some_and(|d| d.contains("panic"));
                    if d.summary != want && !oracle_bug {
                        failures.push(format!(
                            "{expr}\n    expected error {want:?}\n    got error {:?}: {}",
                            d.summary, d.detail
                        ));
                    }
                }
            }
            continue;
        }
        let v = match got {
            Ok(v) => v,
            Err(d) => {
                failures.push(format!(
                    "{expr}\n    expected {}\n    got error {d}",
                    case["value"]
                ));
                continue;
            }
        };
        if case.get("type").is_none() {
            if !v.is_null() {
                failures.push(format!("{expr}\n    expected null\n    got {v}"));
            }
            continue;
        }
        let want_sensitive = case["sensitive"] == Json::Bool(true);
        if v.is_sensitive() != want_sensitive {
            failures.push(format!(
                "{expr}\n    expected sensitive={want_sensitive}, got {}",
                v.is_sensitive()
            ));
        }
        let json = value_to_json(&v);
        let ty = v.ty().to_json();
        if !json.as_ref().is_some_and(|j| same_json(j, &case["value"])) || ty != case["type"] {
            failures.push(format!(
                "{expr}\n    expected {} : {}\n    got      {} : {}",
                case["value"],
                case["type"],
                json.map_or("(unknown)".into(), |j| j.to_string()),
                ty
            ));
        }
    }
    for f in &failures {
        eprintln!("MISMATCH {f}");
    }
    eprintln!(
        "conformance: {} checked, {} matched, {} unsupported by the oracle",
        checked,
        checked - failures.len(),
        skipped
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} expressions differ from Terraform 1.0.3",
        failures.len()
    );
}
