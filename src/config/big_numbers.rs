//! Number literals beyond the range of an `f64` (`1e+500`): Terraform's numbers are arbitrary
//! precision, but hcl-edit refuses such literals. When a parse fails, each such literal is
//! masked with a same-length literal that parses (`1e+000`); the evaluator reads a number's
//! exact digits from the original text through its span, so nothing else changes. The masked
//! parse is only accepted if every masked range is exactly a number literal of the tree.

use hcl_edit::visit::{self, Visit};
use hcl_edit::Span as _;
use std::ops::Range;

/// Ranges of number literals in `text` whose value overflows an `f64`.
fn overflowing_literals(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts_token =
            i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.');
        if b[i].is_ascii_digit() && starts_token {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                    j += 1;
                }
                let digits = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j > digits {
                    i = j;
                }
            }
            let literal = &text[start..i];
            if literal.parse::<f64>().is_ok_and(f64::is_infinite) {
                out.push(start..i);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// `text` with every digit of the given ranges replaced by `0` (same length, parses).
fn masked(text: &str, ranges: &[Range<usize>]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for r in ranges {
        for byte in &mut bytes[r.clone()] {
            if byte.is_ascii_digit() {
                *byte = b'0';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

struct NumberSpans(Vec<Range<usize>>);

impl Visit for NumberSpans {
    fn visit_expr(&mut self, node: &hcl_edit::expr::Expression) {
        if let hcl_edit::expr::Expression::Number(_) = node {
            if let Some(r) = node.span() {
                self.0.push(r);
            }
        }
        visit::visit_expr(self, node);
    }
}

/// Parses with `parse`; on failure retries with overflowing number literals masked, accepting
/// the result only when each masked range is a number literal of the tree.
pub fn parse_allowing_big_numbers<T, E>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, E>,
    numbers: impl Fn(&T, &mut dyn Visit),
) -> Result<T, E> {
    let first = parse(text);
    if first.is_ok() {
        return first;
    }
    let ranges = overflowing_literals(text);
    if ranges.is_empty() {
        return first;
    }
    let Ok(tree) = parse(&masked(text, &ranges)) else {
        return first;
    };
    let mut spans = NumberSpans(Vec::new());
    numbers(&tree, &mut spans);
    if ranges.iter().all(|r| spans.0.contains(r)) {
        Ok(tree)
    } else {
        first
    }
}

pub fn parse_expr(text: &str) -> Result<hcl_edit::expr::Expression, hcl_edit::parser::Error> {
    parse_allowing_big_numbers(text, hcl_edit::parser::parse_expr, |e, v| v.visit_expr(e))
}

pub fn parse_body(text: &str) -> Result<hcl_edit::structure::Body, hcl_edit::parser::Error> {
    parse_allowing_big_numbers(text, hcl_edit::parser::parse_body, |b, v| v.visit_body(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_overflowing_literals_are_found() {
        assert_eq!(
            overflowing_literals("[1e+500, 1e3, x1e999, 2.5E400]"),
            vec![1..7, 22..29]
        );
    }

    #[test]
    fn a_big_literal_inside_a_string_is_left_alone() {
        // The string is not a number literal, so the masked parse is rejected and the
        // original error stands.
        assert!(parse_expr("\"1e+500\" +").is_err());
        assert!(parse_expr("[1e+500, 2]").is_ok());
    }
}
