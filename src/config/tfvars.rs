//! Variable definition files: `terraform.tfvars`, `*.auto.tfvars` and their `.json` forms.

use super::{parse_body, Expr};
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};
use crate::value::{value_from_json, Value};
use hcl_edit::structure::Structure;
use hcl_edit::Span as _;
use std::path::Path;
use std::sync::Arc;

/// One assignment found in a definitions file.
#[derive(Clone, Debug)]
pub enum Assigned {
    /// An HCL expression (to be evaluated without any references).
    Expr(Expr),
    /// A value decoded from JSON.
    Value(Value, Span),
}

impl Assigned {
    pub fn span(&self) -> Span {
        match self {
            Assigned::Expr(e) => e.span(),
            Assigned::Value(_, s) => *s,
        }
    }
}

/// Reads one definitions file; assignments come back in file order, with the span of the name.
pub fn load_tfvars(
    path: &Path,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Vec<(String, Span, Assigned)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error("Failed to read variables file").detail(format!(
                    "Given variables file {} does not exist or cannot be read: {e}.",
                    path.display()
                )),
            );
            return Vec::new();
        }
    };
    let name = super::display_name(path);
    let id = sources.add(&name, path.to_path_buf(), Arc::from(text.as_str()));
    if name.ends_with(".json") {
        return load_json(&text, id, diags);
    }
    let body = match parse_body(&text, id) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for s in body.into_iter() {
        match s {
            Structure::Attribute(a) => {
                let span = Span::new(id, a.key.span().unwrap_or(0..0));
                out.push((a.key.value().to_string(), span, Assigned::Expr(Expr::new(id, a.value))));
            }
            Structure::Block(b) => diags.push(
                Diagnostic::error("Unexpected block")
                    .detail("Blocks are not allowed in variable definitions files; assign values with name = value.")
                    .at(Span::new(id, b.ident.span().unwrap_or(0..0))),
            ),
        }
    }
    out
}

fn load_json(text: &str, id: FileId, diags: &mut Diagnostics) -> Vec<(String, Span, Assigned)> {
    let whole = Span::new(id, 0..text.len().min(1));
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let span = text
                    .find(&format!("\"{k}\""))
                    .map_or(whole, |at| Span::new(id, at..at + k.len() + 2));
                (k.clone(), span, Assigned::Value(value_from_json(v), span))
            })
            .collect(),
        Ok(_) => {
            diags.push(
                Diagnostic::error("Invalid variables file")
                    .detail("The root of a JSON variables file must be an object.")
                    .at(whole),
            );
            Vec::new()
        }
        Err(e) => {
            diags.push(
                Diagnostic::error("Invalid variables file")
                    .detail(format!("The file is not valid JSON: {e}."))
                    .at(whole),
            );
            Vec::new()
        }
    }
}
