//! Diagnostics: what went wrong, where (file and byte range), and what to do about it.
//!
//! Spans are cheap (a file id and a byte range); the source text lives in the `SourceMap` and is
//! attached only when a diagnostic is rendered.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One loaded source file with its line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative to the working directory when possible).
    pub name: String,
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

/// A 1-based line and column (in characters) plus the 0-based byte offset, as Terraform reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

impl SourceFile {
    pub fn pos(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line = match self.line_starts.binary_search(&byte) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..byte)
            .map_or(byte - start, |s| s.chars().count())
            + 1;
        Pos {
            line: line + 1,
            column,
            byte,
        }
    }

    /// The text of 1-based line `n`, without its newline.
    pub fn line(&self, n: usize) -> &str {
        let Some(&start) = self.line_starts.get(n.wrapping_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(n).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn line_start(&self, n: usize) -> usize {
        self.line_starts
            .get(n.wrapping_sub(1))
            .copied()
            .unwrap_or(0)
    }
}

/// All source files seen in one run; file 0 is a placeholder for text with no file
/// (command-line values, console input).
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        let mut m = SourceMap { files: Vec::new() };
        m.add("<unknown>", PathBuf::new(), Arc::from(""));
        m
    }

    pub fn add(&mut self, name: &str, path: PathBuf, text: Arc<str>) -> FileId {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        self.files.push(SourceFile {
            name: name.to_string(),
            path,
            text,
            line_starts,
        });
        FileId((self.files.len() - 1) as u32)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        self.files.get(id.0 as usize).unwrap_or(&self.files[0])
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    /// `main.tf:3,5-12`, as Terraform writes declaration ranges in messages.
    pub fn describe(&self, span: Span) -> String {
        let f = self.file(span.file);
        let a = f.pos(span.start as usize);
        let b = f.pos(span.end as usize);
        if a.line == b.line {
            format!("{}:{},{}-{}", f.name, a.line, a.column, b.column)
        } else {
            format!("{}:{},{}-{},{}", f.name, a.line, a.column, b.line, b.column)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A user-facing problem, built fluently:
/// `Diagnostic::error("Invalid for_each argument").at(span).detail("...")`.
///
/// Boxed so that `Result<Value, Diagnostic>` stays small on the evaluator's hot path; fields are
/// reached through `Deref`.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic(Box<DiagnosticData>);

#[derive(Clone, Debug, PartialEq)]
pub struct DiagnosticData {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub span: Option<Span>,
    /// The enclosing block header, e.g. `variable "nodes"` (Terraform's snippet context).
    pub context: Option<String>,
    /// Extra labelled ranges shown with the snippet.
    pub labels: Vec<(Span, String)>,
    pub help: Option<String>,
    /// The resource or variable address the diagnostic belongs to, when there is one.
    pub address: Option<String>,
}

impl std::ops::Deref for Diagnostic {
    type Target = DiagnosticData;
    fn deref(&self) -> &DiagnosticData {
        &self.0
    }
}

impl std::ops::DerefMut for Diagnostic {
    fn deref_mut(&mut self) -> &mut DiagnosticData {
        &mut self.0
    }
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Diagnostic {
        Diagnostic(Box::new(DiagnosticData {
            severity: Severity::Error,
            summary: summary.into(),
            detail: String::new(),
            span: None,
            context: None,
            labels: Vec::new(),
            help: None,
            address: None,
        }))
    }

    pub fn warning(summary: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::error(summary);
        d.severity = Severity::Warning;
        d
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Diagnostic {
        self.detail = detail.into();
        self
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    /// Sets the span only when none is set yet (the innermost span wins).
    pub fn or_at(mut self, span: Span) -> Diagnostic {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }

    pub fn context(mut self, context: impl Into<String>) -> Diagnostic {
        self.context = Some(context.into());
        self
    }

    pub fn label(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.labels.push((span, text.into()));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn address(mut self, address: impl Into<String>) -> Diagnostic {
        self.address = Some(address.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Every diagnostic of a phase, gathered before stopping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }
    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_with_byte_offsets() {
        let mut sm = SourceMap::new();
        let id = sm.add("main.tf", "main.tf".into(), Arc::from("a = 1\nbé = 2\n"));
        let f = sm.file(id);
        assert_eq!(
            f.pos(0),
            Pos {
                line: 1,
                column: 1,
                byte: 0
            }
        );
        assert_eq!(
            f.pos(11),
            Pos {
                line: 2,
                column: 5,
                byte: 11
            }
        );
        assert_eq!(f.line(2), "bé = 2");
        assert_eq!(sm.describe(Span::new(id, 6..9)), "main.tf:2,1-3");
    }
}
