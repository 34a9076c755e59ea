//! Every expression in `tests/golden/expressions.txt` must print exactly what a real Terraform
//! 1.0.3 `terraform console` printed (recorded by `scripts/record-golden.sh`), or fail with the
//! same error summary.

use bcmhcl::diag::FileId;
use bcmhcl::eval::{eval_str, funcs::FuncContext, NoNames};
use std::path::PathBuf;

fn golden() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/expressions.terraform-1.0.3.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for chunk in text.split("\n\n== ").map(|c| c.trim_start_matches("== ")) {
        if let Some((expr, result)) = chunk.split_once('\n') {
            out.push((expr.to_string(), result.trim_end().to_string()));
        }
    }
    out
}

#[test]
fn expressions_print_what_terraform_console_printed() {
    let cases = golden();
    assert!(cases.len() >= 80, "golden file has {} cases", cases.len());
    let fctx = FuncContext {
        impure_known: true,
        ..FuncContext::default()
    };
    let mut failures = Vec::new();
    for (expr, want) in &cases {
        let got = match eval_str(expr, &NoNames, &fctx, FileId(0)) {
            Ok(v) => v.to_string(),
            Err(d) => format!("Error: {}", d.summary),
        };
        if &got != want {
            failures.push(format!("{expr}\n  terraform: {want}\n  bcmhcl:    {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
