//! `terraform fmt`: rewrites native-syntax files (`.tf`, `.tfvars`) into the layout Terraform
//! 1.0.3 produces, byte for byte, and the unified diffs its `-diff` prints.
//!
//! A file must parse first (hcl-edit, as every other command parses it); the formatting then
//! works on hclsyntax's token stream as hclwrite does, so only the blanks between tokens
//! change, besides Terraform's own rewrites of labels, `"${x}"` and legacy type names.

mod diff;
mod layout;
mod lexer;
mod normalize;
#[cfg(test)]
mod properties;

pub use diff::unified_diff;

use crate::diag::{Diagnostic, FileId, Span};

const BYTE_ORDER_MARK: char = '\u{feff}';

/// Formats one file's text as `terraform fmt` would write it back. A syntax error is a
/// diagnostic at its position in `file`, and nothing is formatted.
pub fn format_source(text: &str, file: FileId) -> Result<String, Diagnostic> {
    // hclsyntax skips a leading byte-order mark and hclwrite does not write it back.
    let (bom, source) = match text.strip_prefix(BYTE_ORDER_MARK) {
        Some(rest) => (BYTE_ORDER_MARK.len_utf8(), rest),
        None => (0, text),
    };
    let shifted = |mut d: Diagnostic| {
        if let Some(span) = d.span.as_mut() {
            span.start += bom as u32;
            span.end += bom as u32;
        }
        d
    };
    crate::config::parse_body(source, file).map_err(shifted)?;
    let tokens = lexer::lex(source);
    if let Some(bad) = tokens
        .iter()
        .find(|t| matches!(t.kind, lexer::Kind::Invalid | lexer::Kind::QuotedNewline))
    {
        let start = bad.start.unwrap_or(0);
        return Err(shifted(
            Diagnostic::error("Invalid character")
                .detail("This character is not used within the language.")
                .at(Span::new(file, start..start + bad.text.len().max(1))),
        ));
    }
    let count = |kind: lexer::Kind| tokens.iter().filter(|t| t.kind == kind).count();
    if count(lexer::Kind::OHeredoc) != count(lexer::Kind::CHeredoc) {
        // hcl-edit takes a closing marker at the very end of the file; hclsyntax wants the
        // marker's line to end with a newline.
        let last = tokens
            .iter()
            .rev()
            .find_map(|t| t.start.filter(|_| t.kind != lexer::Kind::Eof));
        let start = last.unwrap_or(0);
        return Err(shifted(
            Diagnostic::error("Unterminated template string")
                .detail("No closing marker was found for the string.")
                .at(Span::new(file, start..start + 1)),
        ));
    }
    let mut tokens = normalize::rewrite(tokens);
    if bom > 0 && tokens.len() == 1 {
        // hclwrite counts the skipped mark as blanks before the first token.
        tokens[0].spaces_before += bom;
    }
    layout::layout(&mut tokens);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for token in &tokens {
        out.extend(std::iter::repeat_n(' ', token.spaces_before));
        out.push_str(&token.text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format_source(text, FileId(0)) {
            Ok(s) => s,
            Err(d) => format!("error: {}", d.summary),
        }
    }

    #[test]
    fn equals_signs_align_within_a_group_and_blank_lines_break_it() {
        assert_eq!(
            fmt("a=1\nbbb = 2\n\ncc=3\n"),
            "a   = 1\nbbb = 2\n\ncc = 3\n"
        );
    }

    #[test]
    fn nested_blocks_indent_two_spaces_per_level() {
        assert_eq!(
            fmt("resource \"a\" \"b\" {\nx {\ny = 1\n}\n}\n"),
            "resource \"a\" \"b\" {\n  x {\n    y = 1\n  }\n}\n"
        );
    }

    #[test]
    fn trailing_comments_align_and_block_comments_stay_put() {
        assert_eq!(
            fmt("a = 1 # one\nbb = 22 # two\n/* c */\n"),
            "a  = 1  # one\nbb = 22 # two\n/* c */\n"
        );
    }

    #[test]
    fn heredoc_bodies_are_untouched_but_their_interpolations_are_spaced() {
        assert_eq!(
            fmt("x = <<-EOT\n   keep   ${ a }\n  EOT\n"),
            "x = <<-EOT\n   keep   ${a}\n  EOT\n"
        );
    }

    #[test]
    fn terraform_rewrites_labels_interpolations_and_legacy_types() {
        assert_eq!(
            fmt("variable v {\ntype = \"list\"\ndefault = \"${x}\"\n}\n"),
            "variable \"v\" {\n  type    = list(string)\n  default = x\n}\n"
        );
    }

    #[test]
    fn crlf_newlines_and_trailing_blanks_at_the_end_are_kept() {
        assert_eq!(fmt("a=1\r\n  "), "a = 1\r\n  ");
        assert_eq!(fmt("\u{feff}a=1\n"), "a = 1\n");
    }

    #[test]
    fn a_syntax_error_is_a_diagnostic_with_a_position() {
        let err = format_source("a = 1\nb = \n", FileId(0)).err();
        let span = err.and_then(|d| d.span);
        assert!(span.is_some_and(|s| s.start >= 6), "{span:?}");
    }
}
