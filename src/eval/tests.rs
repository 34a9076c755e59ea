//! Evaluator behaviour that the Terraform-recorded golden files cannot show: unknown values,
//! sensitive marks, spans of errors, limits, and the for-expression optimisations.

use super::funcs::FuncContext;
use super::{eval_str, Resolver};
use crate::diag::{Diagnostic, FileId, Span};
use crate::value::{Type, Value};

/// `var.*` names for tests: `u` is unknown, `s` is sensitive, `inv` is a 50-node inventory.
struct TestVars;

impl Resolver for TestVars {
    fn resolve(
        &self,
        root: &str,
        attrs: &[&str],
        span: Span,
    ) -> Result<(Value, usize), Diagnostic> {
        if root != "var" {
            return Err(Diagnostic::error("Unknown root").at(span));
        }
        let v = match attrs.first().copied() {
            Some("u") => Value::unknown(),
            Some("ustr") => Value::Unknown(Type::String),
            Some("s") => Value::from("secret").mark_sensitive(),
            Some("inv") => Value::tuple(
                (0..50)
                    .map(|i| {
                        let host = if i == 7 {
                            Value::unknown()
                        } else {
                            Value::from(format!("n{i}"))
                        };
                        Value::object(
                            [
                                ("hostname".into(), host),
                                (
                                    "state".into(),
                                    Value::from(if i % 2 == 0 { "up" } else { "down" }),
                                ),
                            ]
                            .into_iter()
                            .collect(),
                        )
                    })
                    .collect(),
            ),
            Some("known_inv") => Value::tuple(
                (0..50)
                    .map(|i| {
                        Value::object(
                            [
                                ("hostname".into(), Value::from(format!("n{}", i % 25))),
                                ("i".into(), Value::int(i)),
                            ]
                            .into_iter()
                            .collect(),
                        )
                    })
                    .collect(),
            ),
            _ => return Err(Diagnostic::error("Reference to undeclared input variable").at(span)),
        };
        Ok((v, 1))
    }
}

fn eval(src: &str) -> Result<Value, Diagnostic> {
    eval_str(src, &TestVars, &FuncContext::default(), FileId(1))
}

fn show(src: &str) -> String {
    match eval(src) {
        Ok(v) => v.to_string(),
        Err(d) => format!("Error: {}", d.summary),
    }
}

#[test]
fn unknown_values_propagate_through_every_operation() {
    for src in [
        "var.u + 1",
        "var.u == 1",
        "!var.u",
        "var.u ? 1 : 2",
        "\"x${var.u}\"",
        "[for x in var.u : x]",
        "var.u[0]",
        "var.u.attr",
        "var.u[*].id",
    ] {
        assert_eq!(show(src), "(known after apply)", "{src}");
    }
    // Unknown inside a collection leaves the collection (and its length) known.
    assert_eq!(
        show("length([var.u, 1]) == 2 ? \"known\" : \"no\""),
        "\"known\""
    );
    assert_eq!(show("[var.u, 1][1]"), "1");
    // A deciding operand makes the unknown one irrelevant.
    assert_eq!(show("false && var.u"), "false");
    assert_eq!(show("true || var.u"), "true");
    assert_eq!(show("try(var.u, 1)"), "(known after apply)");
    assert_eq!(show("can(var.u)"), "(known after apply)");
}

#[test]
fn sensitive_marks_propagate() {
    for src in [
        "var.s",
        "\"x-${var.s}\"",
        "var.s == \"secret\"",
        "[for c in [var.s] : c][0]",
        "var.s != \"\" ? 1 : 2",
    ] {
        assert_eq!(show(src), "(sensitive)", "{src}");
    }
    let v = eval("{ a = var.s }").unwrap();
    assert!(v.contains_sensitive() && !v.is_sensitive());
}

#[test]
fn errors_carry_the_span_of_the_failing_part() {
    let d = eval("1 + {}.missing").unwrap_err();
    assert_eq!(d.summary, "Unsupported attribute");
    let span = d.span.unwrap();
    assert_eq!((span.start, span.end), (6, 14));
    let d = eval("upper(1, 2)").unwrap_err();
    assert_eq!(d.span.unwrap().file, FileId(1));
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    assert!(eval(&deep).is_err());
    let parens = format!("{}1{}", "(".repeat(3000), ")".repeat(3000));
    assert!(eval(&parens).is_err());
}

#[test]
fn equality_filters_match_the_plain_loop() {
    // 50 elements with duplicated hostnames: the index must keep every match, in order.
    assert_eq!(
        show("[for n in var.known_inv : n.i if n.hostname == \"n3\"]"),
        show("[for n in var.known_inv : n.i if n.hostname == \"n3\" && true]")
    );
    assert_eq!(
        show("[for n in var.known_inv : n.i if \"n3\" == n.hostname]"),
        "[\n  3,\n  28,\n]"
    );
    // A probe that matches nothing, and one of another type.
    assert_eq!(
        show("[for n in var.known_inv : n.i if n.hostname == \"zz\"]"),
        "[]"
    );
    assert_eq!(show("[for n in var.known_inv : n.i if n.i == \"3\"]"), "[]");
    assert_eq!(
        show("[for n in var.known_inv : n.i if n.i == 3]"),
        "[\n  3,\n]"
    );
}

#[test]
fn equality_filters_fall_back_when_a_key_is_unknown() {
    // Element 7's hostname is unknown, so the result cannot be known (as in Terraform).
    assert_eq!(
        show("[for n in var.inv : n.state if n.hostname == \"n4\"]"),
        "(known after apply)"
    );
}

#[test]
fn loop_invariant_for_expressions_give_the_same_results() {
    let src =
        "{for h in [\"n1\", \"n30\"] : h => contains([for n in var.known_inv : n.hostname], h)}";
    assert_eq!(show(src), "{\n  \"n1\" = true\n  \"n30\" = false\n}");
    // An inner for that uses the outer variable is not shared between iterations.
    let src = "[for h in [\"n1\", \"n2\"] : [for n in var.known_inv : n.i if n.hostname == h]]";
    assert_eq!(
        show(src),
        "[\n  [\n    1,\n    26,\n  ],\n  [\n    2,\n    27,\n  ],\n]"
    );
}
