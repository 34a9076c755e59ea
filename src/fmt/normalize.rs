//! The rewrites `terraform fmt` makes beyond layout, on the token stream: block labels in
//! quoted form, `"${expr}"` unwrapped to `expr`, and legacy type spellings in `variable`
//! blocks (`"string"`, bare `list`) replaced by their modern forms.

use super::lexer::{Kind, Token};
use unicode_normalization::UnicodeNormalization;

/// Rewrites the body of a whole file. The tokens must come from a file that parsed.
pub fn rewrite(tokens: Vec<Token<'_>>) -> Vec<Token<'_>> {
    let mut walker = Walker {
        tokens: &tokens,
        out: Vec::with_capacity(tokens.len()),
    };
    let end = tokens.len();
    walker.body(0, end, &mut Vec::new());
    walker.out
}

struct Walker<'t, 'a> {
    tokens: &'t [Token<'a>],
    out: Vec<Token<'a>>,
}

impl<'a> Walker<'_, 'a> {
    fn copy(&mut self, range: std::ops::Range<usize>) {
        self.out.extend_from_slice(&self.tokens[range]);
    }

    fn next_significant(&self, mut i: usize, end: usize) -> usize {
        while i < end && self.tokens[i].kind == Kind::Comment {
            i += 1;
        }
        i
    }

    /// The index just past the bracket that closes the one at `open` (or `end`).
    fn matching_close(&self, open: usize, end: usize) -> usize {
        let mut depth = 0;
        for i in open..end {
            depth += self.tokens[i].bracket_change();
            if depth == 0 {
                return i + 1;
            }
        }
        end
    }

    fn body(&mut self, mut i: usize, end: usize, blocks: &mut Vec<String>) {
        while i < end {
            if self.tokens[i].kind != Kind::Ident {
                self.copy(i..i + 1);
                i += 1;
                continue;
            }
            let after_name = self.next_significant(i + 1, end);
            i = if after_name < end && self.tokens[after_name].kind == Kind::Equal {
                self.attribute(i, after_name, end, blocks)
            } else {
                self.block(i, end, blocks)
            };
        }
    }

    fn attribute(&mut self, name: usize, equals: usize, end: usize, blocks: &[String]) -> usize {
        // The value runs to the end of its line at bracket depth zero, or to the brace that
        // closes a one-line block.
        let mut depth = 0;
        let mut stop = equals + 1;
        while stop < end {
            let t = &self.tokens[stop];
            if depth == 0 && (t.ends_line() || t.kind == Kind::Eof) {
                break;
            }
            depth += t.bracket_change();
            if depth < 0 {
                break;
            }
            stop += 1;
        }
        let mut first = equals + 1;
        while first < stop && self.tokens[first].kind == Kind::Comment {
            first += 1;
        }
        let mut last = stop;
        while last > first && self.tokens[last - 1].kind == Kind::Comment {
            last -= 1;
        }
        self.copy(name..first);
        let value = &self.tokens[first..last];
        let is_variable_type =
            blocks.len() == 1 && blocks[0] == "variable" && self.tokens[name].text == "type";
        let rewritten = if is_variable_type {
            type_expression(value)
        } else {
            unwrap_interpolation(value)
        };
        match rewritten {
            Some(tokens) => self.out.extend(tokens),
            None => self.copy(first..last),
        }
        self.copy(last..stop);
        stop
    }

    fn block(&mut self, type_name: usize, end: usize, blocks: &mut Vec<String>) -> usize {
        let mut labels = Vec::new();
        let mut labels_end = type_name + 1;
        let mut i = self.next_significant(type_name + 1, end);
        while i < end {
            match self.tokens[i].kind {
                Kind::Ident => {
                    labels.push(Some(self.tokens[i].text.to_string()));
                    i += 1;
                }
                Kind::OQuote => {
                    let close = (i + 1..end)
                        .find(|&j| self.tokens[j].kind == Kind::CQuote)
                        .unwrap_or(end);
                    labels.push(quoted_label(&self.tokens[i + 1..close]));
                    i = (close + 1).min(end);
                }
                _ => break,
            }
            labels_end = i;
            i = self.next_significant(i, end);
        }
        self.copy(type_name..type_name + 1);
        // hclwrite rebuilds the labels from their values: comments between the type and the
        // labels are lost, and a label it cannot read back (one with `$` or `%` in it) is
        // dropped, as Terraform 1.0.3 does.
        for label in labels.into_iter().flatten() {
            self.out.push(Token::synthetic(Kind::OQuote, "\""));
            let escaped = escape_quoted(&label.nfc().collect::<String>());
            if !escaped.is_empty() {
                self.out.push(Token::synthetic(Kind::QuotedLit, escaped));
            }
            self.out.push(Token::synthetic(Kind::CQuote, "\""));
        }
        let open = (labels_end..end)
            .find(|&j| self.tokens[j].kind == Kind::OBrace)
            .unwrap_or(end);
        if open == end {
            self.copy(labels_end..end);
            return end;
        }
        self.copy(labels_end..open + 1);
        let close = self.matching_close(open, end);
        let body_end = close.saturating_sub(1).max(open + 1);
        blocks.push(self.tokens[type_name].text.to_string());
        self.body(open + 1, body_end, blocks);
        blocks.pop();
        self.copy(body_end..close);
        close
    }
}

/// A quoted label's value as hclwrite reads it back: only a label scanned as a single
/// literal (or none: `""`) has one.
fn quoted_label(inner: &[Token<'_>]) -> Option<String> {
    match inner {
        [] => Some(String::new()),
        [lit] if lit.kind == Kind::QuotedLit => unescape(&lit.text),
        _ => None,
    }
}

/// Resolves a quoted literal's escapes; `None` when one is invalid.
fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                selector @ ('u' | 'U') => {
                    let digits = if selector == 'u' { 4 } else { 8 };
                    let hex: String = (0..digits).map_while(|_| chars.next()).collect();
                    let code = u32::from_str_radix(&hex, 16).ok()?;
                    out.push(char::from_u32(code)?);
                }
                _ => return None,
            },
            '$' | '%' if text == format!("{c}{c}{{") => {
                out.push(c);
                out.push('{');
                return Some(out);
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

/// hclwrite's quoting of a string value for a label.
fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            _ if !is_printable(c) => {
                let code = c as u32;
                if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Go's `unicode.IsPrint`, close enough for labels: no controls, no spaces but U+0020, no
/// format characters.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    let format = matches!(c as u32, 0xad | 0x600..=0x605 | 0x200b..=0x200f | 0x202a..=0x202e
        | 0x2060..=0x2064 | 0xfeff | 0xe000..=0xf8ff);
    !(c.is_control() || c.is_whitespace() || format)
}

/// `"${expr}"` becomes `expr` (in parentheses when it spans lines), as Terraform 1.0.3
/// does for every attribute value that is nothing but one interpolation.
fn unwrap_interpolation<'a>(tokens: &[Token<'a>]) -> Option<Vec<Token<'a>>> {
    let n = tokens.len();
    if n < 5
        || tokens[0].kind != Kind::OQuote
        || tokens[1].kind != Kind::TemplateInterp
        || tokens[n - 2].kind != Kind::TemplateSeqEnd
        || tokens[n - 1].kind != Kind::CQuote
    {
        return None;
    }
    let inside = &tokens[2..n - 2];
    let mut quotes = 0;
    for t in inside {
        match t.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes -= 1,
            // Sequences inside a nested string belong to a nested expression.
            _ if quotes > 0 => {}
            Kind::TemplateInterp | Kind::TemplateSeqEnd | Kind::QuotedLit => return None,
            _ => {}
        }
    }
    let first = inside
        .iter()
        .position(|t| t.kind != Kind::Newline)
        .unwrap_or(inside.len());
    let last = inside
        .iter()
        .rposition(|t| t.kind != Kind::Newline)
        .map_or(first, |i| i + 1);
    let trimmed = &inside[first..last.max(first)];
    let multi_line = trimmed.iter().any(|t| t.kind == Kind::Newline);
    let parenthesised = trimmed.first().is_some_and(|t| t.kind == Kind::OParen)
        && trimmed.len() > 1
        && trimmed.last().is_some_and(|t| t.kind == Kind::CParen);
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    if multi_line && !parenthesised {
        out.push(Token::synthetic(Kind::OParen, "("));
        out.extend_from_slice(trimmed);
        out.push(Token::synthetic(Kind::CParen, ")"));
    } else {
        out.extend_from_slice(trimmed);
    }
    Some(out)
}

/// A `variable` block's `type`: bare `list`/`map`/`set` take `(any)`; the quoted types of
/// Terraform 0.11 become `string`, `list(string)`, `map(string)`.
fn type_expression<'a>(tokens: &[Token<'a>]) -> Option<Vec<Token<'a>>> {
    let call = |name: &'static str, element: &'static str| {
        vec![
            Token::synthetic(Kind::Ident, name),
            Token::synthetic(Kind::OParen, "("),
            Token::synthetic(Kind::Ident, element),
            Token::synthetic(Kind::CParen, ")"),
        ]
    };
    match tokens {
        [keyword] if keyword.kind == Kind::Ident => match &*keyword.text {
            "list" | "map" | "set" => Some(vec![
                keyword.clone(),
                Token::synthetic(Kind::OParen, "("),
                Token::synthetic(Kind::Ident, "any"),
                Token::synthetic(Kind::CParen, ")"),
            ]),
            _ => None,
        },
        [open, literal, close]
            if open.kind == Kind::OQuote
                && literal.kind == Kind::QuotedLit
                && close.kind == Kind::CQuote =>
        {
            match &*literal.text {
                "string" => Some(vec![Token::synthetic(Kind::Ident, "string")]),
                "list" => Some(call("list", "string")),
                "map" => Some(call("map", "string")),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_through_their_values() {
        assert_eq!(unescape(r#"a\u0041\"b"#).as_deref(), Some("aA\"b"));
        assert_eq!(unescape("$${"), Some("${".to_string()));
        assert_eq!(unescape(r"\q"), None);
        assert_eq!(escape_quoted("a\"${b}\t\u{7}"), "a\\\"$${b}\\t\\u0007");
    }

    #[test]
    fn parenthesised_single_token_is_not_mistaken_for_a_wrapped_expression() {
        let tokens = super::super::lexer::lex("\"${(\n1\n)}\"");
        let out = unwrap_interpolation(&tokens[..tokens.len() - 1]).unwrap_or_default();
        let text: String = out.iter().map(|t| t.text.to_string()).collect();
        assert_eq!(text, "(\n1\n)");
    }
}
