//! Property-based fuzzing of the parser and evaluator: whatever the input, bcmhcl answers with
//! a value or a diagnostic that carries a span, and never panics, overflows its stack or runs
//! away with memory. The number of cases is bounded by PROPTEST_CASES (scripts/test.sh sets it).

use bcmhcl::config::{decode_file, parse_body, Module};
use bcmhcl::diag::{Diagnostics, FileId, SourceMap};
use bcmhcl::eval::{eval_str, funcs::builtins, funcs::FuncContext, NoNames};
use proptest::prelude::*;
use std::sync::Arc;

/// Fragments that make up plausible (and implausible) HCL.
const TOKENS: &[&str] = &[
    "1",
    "0",
    "-1",
    "1.5",
    "1e400",
    "18446744073709551616",
    "\"s\"",
    "\"\"",
    "true",
    "false",
    "null",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    ",",
    ":",
    "=",
    "=>",
    "...",
    ".",
    "[*]",
    ".*",
    "?",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "&&",
    "||",
    "!",
    "for",
    "in",
    "if",
    "x",
    "k",
    "v",
    "a",
    "\"${",
    "}\"",
    "%{",
    "~",
    "<<EOT\n",
    "\nEOT",
    "\n",
    " ",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "\"${x}\"",
    "\"%{if true}y%{endif}\"",
    "try(",
    "can(",
    "length(",
    "range(",
    "upper(",
    "join(",
    "tolist(",
    "tomap(",
    "sensitive(",
    "jsondecode(",
    "format(",
    "\"%d\"",
    "element(",
    "keys(",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|t| t.concat())
}

/// Well-formed expressions built from a small grammar, with real function names.
fn expression() -> impl Strategy<Value = String> {
    let names = builtins().names();
    let leaf = prop_oneof![
        any::<i32>().prop_map(|i| i.to_string()),
        "[a-z]{0,4}".prop_map(|s| format!("{s:?}")),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("1.25".to_string()),
    ];
    leaf.prop_recursive(5, 64, 4, move |inner| {
        let names = names.clone();
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "/", "%", "==", "<", "&&", "||"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(("[a-c]", inner.clone()), 0..3).prop_map(|v| format!(
                "{{{}}}",
                v.into_iter()
                    .map(|(k, e)| format!("{k} = {e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            (
                prop::sample::select(names),
                prop::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            (inner.clone(), inner.clone()).prop_map(|(c, e)| format!("[for x in {c} : {e}]")),
            (inner.clone(), inner.clone())
                .prop_map(|(c, e)| format!("{{for k, v in {c} : tostring(k) => {e}...}}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, i)| format!("{a}[{i}]")),
            inner.clone().prop_map(|a| format!("{a}[*]")),
            inner.clone().prop_map(|a| format!("\"pre${{{a}}}post\"")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("try({a}, {b})")),
        ]
    })
}

fn check(src: &str) {
    let fctx = FuncContext::default();
    if let Err(d) = eval_str(src, &NoNames, &fctx, FileId(0)) {
        assert!(
            d.span.is_some(),
            "diagnostic without a span for {src:?}: {d}"
        );
        assert!(!d.summary.is_empty());
    }
}

proptest! {
    #[test]
    fn token_soup_never_panics(src in token_soup()) {
        check(&src);
        let mut sources = SourceMap::new();
        let id = sources.add("fuzz.tf", "fuzz.tf".into(), Arc::from(src.as_str()));
        if let Ok(body) = parse_body(&src, id) {
            let mut module = Module::default();
            let mut diags = Diagnostics::new();
            decode_file(&mut module, body, id, &sources, &mut diags);
        }
    }

    #[test]
    fn generated_expressions_evaluate_or_fail_cleanly(src in expression()) {
        check(&src);
    }
}

#[test]
fn huge_ranges_and_repeats_are_refused() {
    let fctx = FuncContext::default();
    for src in [
        "range(1e12)",
        "range(0, 1e15, 1)",
        "length(range(100000000))",
    ] {
        assert!(
            eval_str(src, &NoNames, &fctx, FileId(0)).is_err(),
            "{src} should be refused"
        );
    }
}
