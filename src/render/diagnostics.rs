//! Diagnostics as text: miette's graphical report (default), Terraform's plain layout
//! (`-no-color`, stable for tests), and Terraform's `validate -json` document.

use crate::diag::{Diagnostic, Diagnostics, Severity, SourceMap, Span};
use serde_json::json;
use std::fmt::Write;

/// Terraform's plain layout:
///
/// ```text
/// Error: Invalid value for variable
///
///   on main.tf line 1:
///    1: variable "x" {
///
/// The x must be longer than 3 characters.
/// ```
pub fn render_plain(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = String::new();
    let level = match d.severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    };
    let _ = writeln!(out, "{level}: {}", d.summary);
    if let Some(span) = d.span.filter(|s| s.file.0 != 0) {
        let f = sources.file(span.file);
        let start = f.pos(span.start as usize);
        let end = f.pos(span.end.max(span.start + 1) as usize - 1);
        out.push('\n');
        match &d.context {
            Some(c) => {
                let _ = writeln!(out, "  on {} line {}, in {c}:", f.name, start.line);
            }
            None => {
                let _ = writeln!(out, "  on {} line {}:", f.name, start.line);
            }
        }
        let last = end.line.max(start.line).min(start.line + 2);
        for line in start.line..=last {
            let _ = writeln!(out, "{line:>4}: {}", f.line(line));
        }
    }
    if !d.detail.is_empty() {
        let _ = writeln!(out, "\n{}", d.detail);
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "\n{help}");
    }
    out
}

/// miette's graphical report with the source snippet and labels.
pub fn render_graphical(d: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    use miette::{
        GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
    };
    let mut md = MietteDiagnostic::new(d.summary.clone()).with_severity(match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    });
    let mut help = d.detail.clone();
    if let Some(h) = &d.help {
        help.push_str("\n\n");
        help.push_str(h);
    }
    if !help.is_empty() {
        md = md.with_help(help);
    }
    let mut source = None;
    if let Some(span) = d.span.filter(|s| s.file.0 != 0) {
        let f = sources.file(span.file);
        let label = d.context.as_ref().map(|c| format!("in {c}"));
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            label,
            (span.start as usize, (span.end - span.start) as usize),
        )];
        for (s, text) in d
            .labels
            .iter()
            .filter(|(s, _)| s.file == span.file && *s != span)
        {
            labels.push(LabeledSpan::new_with_span(
                Some(text.clone()),
                (s.start as usize, (s.end - s.start) as usize),
            ));
        }
        md = md.with_labels(labels);
        source = Some(NamedSource::new(f.name.clone(), f.text.to_string()));
    }
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let report = match source {
        Some(s) => miette::Report::new(md).with_source_code(s),
        None => miette::Report::new(md),
    };
    let mut out = String::new();
    let _ = handler.render_report(&mut out, report.as_ref());
    out
}

fn range_json(span: Span, sources: &SourceMap) -> serde_json::Value {
    let f = sources.file(span.file);
    let a = f.pos(span.start as usize);
    let b = f.pos(span.end as usize);
    json!({
        "filename": f.name,
        "start": {"line": a.line, "column": a.column, "byte": a.byte},
        "end": {"line": b.line, "column": b.column, "byte": b.byte},
    })
}

fn snippet_json(d: &Diagnostic, span: Span, sources: &SourceMap) -> serde_json::Value {
    let f = sources.file(span.file);
    let a = f.pos(span.start as usize);
    let b = f.pos(span.end as usize);
    let last = b.line.max(a.line);
    let code: Vec<&str> = (a.line..=last).map(|l| f.line(l)).collect();
    let code_start = f.line_start(a.line);
    let code_len = code
        .iter()
        .map(|l| l.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    json!({
        "context": d.context,
        "code": code.join("\n"),
        "start_line": a.line,
        "highlight_start_offset": span.start as usize - code_start,
        "highlight_end_offset": (span.end as usize - code_start).min(code_len),
        "values": [],
    })
}

/// Terraform's `validate -json` document (format_version 1.0).
pub fn validate_json(diags: &Diagnostics, sources: &SourceMap) -> serde_json::Value {
    let list: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut o = json!({
                "severity": d.severity.to_string(),
                "summary": d.summary,
                "detail": d.detail,
            });
            if let Some(a) = &d.address {
                o["address"] = json!(a);
            }
            if let Some(span) = d.span.filter(|s| s.file.0 != 0) {
                o["range"] = range_json(span, sources);
                o["snippet"] = snippet_json(d, span, sources);
            }
            o
        })
        .collect();
    json!({
        "format_version": "1.0",
        "valid": !diags.has_errors(),
        "error_count": diags.error_count(),
        "warning_count": diags.warning_count(),
        "diagnostics": list,
    })
}
