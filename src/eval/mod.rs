//! Expression evaluation with Terraform's semantics: operators, conversions, for-expressions,
//! splats, templates, lazy `try`/`can`, unknown values and sensitive marks.

mod expr;
mod for_expr;
pub mod funcs;
mod locals_order;
pub mod module;
mod ops;
pub mod provider_config;
pub mod refs;
pub mod scope;
mod special;
mod template;
#[cfg(test)]
mod tests;
pub mod type_constraint;

pub use expr::{EvalResult, Evaluator};
pub use scope::{NoNames, Resolver, Scope};

use crate::diag::{Diagnostic, FileId, Span};
use crate::value::Value;

/// Parses and evaluates a standalone expression (console input, tests, `-var` values).
pub fn eval_str(
    text: &str,
    resolver: &dyn Resolver,
    fctx: &funcs::FuncContext,
    file: FileId,
) -> Result<Value, Diagnostic> {
    let expr = parse_expr(text, file)?;
    let ev = Evaluator::new(funcs::builtins(), fctx, file, text);
    ev.eval(&expr, &Scope::new(resolver))
}

/// Parses one expression; syntax errors become diagnostics with a span.
pub fn parse_expr(text: &str, file: FileId) -> Result<hcl_edit::expr::Expression, Diagnostic> {
    crate::config::parse_expr_text(text).map_err(|e| {
        let offset = byte_offset(text, e.location().line(), e.location().column());
        Diagnostic::error("Invalid expression")
            .detail(e.message().to_string())
            .at(Span::new(file, offset..offset))
    })
}

/// Byte offset of a 1-based line and column.
pub fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

/// The closest name to `given` among `candidates`, for "Did you mean" hints.
pub fn suggest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (levenshtein(given, c), c))
        .filter(|(d, _)| *d < 3)
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
