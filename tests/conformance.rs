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

/// Documented results of functions newer than the oracle: `== expr` then the console output.
fn newer_functions() -> std::collections::HashMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/newer-functions.txt");
    let text = std::fs::read_to_string(path).unwrap();
    text.split("\n== ")
        .filter_map(|chunk| {
            let chunk = chunk.strip_prefix("== ").unwrap_or(chunk);
            let (expr, result) = chunk.split_once('\n')?;
            (!expr.starts_with('#')).then(|| (expr.to_string(), result.trim_end().to_string()))
        })
        .collect()
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
    let newer = newer_functions();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut skipped = 0;
    let mut oracle_bugs: Vec<String> = Vec::new();
    for case in &cases {
        let expr = case["expr"].as_str().unwrap();
        let function = case["function"].as_str().unwrap();
        if filter.as_deref().is_some_and(|f| f != function) {
            continue;
        }
        let got = eval_str(expr, &NoNames, &fctx, FileId(0));
        if case["unsupported_in_oracle"] == Json::Bool(true) {
            // Newer than the oracle: checked against the documented results instead.
            skipped += 1;
            let shown = match &got {
                Ok(v) => v.to_string(),
                Err(d) => format!("Error: {}", d.summary),
            };
            match newer.get(expr) {
                Some(want) if *want == shown => {}
                Some(want) => failures.push(format!(
                    "{expr}\n    documented {want}\n    got        {shown}"
                )),
                None => failures.push(format!(
                    "{expr}\n    missing from tests/golden/newer-functions.txt"
                )),
            }
            continue;
        }
        if let Some(err) = case.get("error").and_then(Json::as_str) {
            let want = err.trim_start_matches("Error: ");
            // Terraform 1.0.3's own bugs (a Go panic, -Inf that cannot be stored in state):
            // the conformance README says not to take these as required behaviour.
            let detail = case["error_detail"].as_str().unwrap_or("");
            if want.starts_with("Failed to") || detail.contains("panic in function") {
                let ours = match &got {
                    Ok(v) => v.to_string(),
                    Err(d) => format!("error: {}", d.summary),
                };
                oracle_bugs.push(format!("{expr} -> {ours}"));
                continue;
            }
            checked += 1;
            match got {
                Ok(v) => failures.push(format!("{expr}\n    expected {err}\n    got value {v}")),
                Err(d) => {
                    if d.summary != want {
                        failures.push(format!(
                            "{expr}\n    expected error {want:?}\n    got error {:?}: {}",
                            d.summary, d.detail
                        ));
                    }
                }
            }
            continue;
        }
        checked += 1;
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
        // `terraform output` calls a value sensitive when any part of it is.
        if v.contains_sensitive() != want_sensitive {
            failures.push(format!(
                "{expr}\n    expected sensitive={want_sensitive}, got {}",
                v.contains_sensitive()
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
    for b in &oracle_bugs {
        eprintln!("ORACLE BUG (not compared) {b}");
    }
    eprintln!(
        "conformance: {} checked, {} matched, {} unsupported by the oracle, {} oracle bugs",
        checked,
        checked - failures.len(),
        skipped,
        oracle_bugs.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} expressions differ from Terraform 1.0.3",
        failures.len()
    );
}
