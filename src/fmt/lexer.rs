//! The token stream of HCL native syntax as hclsyntax's scanner cuts it: the formatter works
//! on tokens, so token kinds and boundaries must be the ones Terraform's formatter sees.
//!
//! What matters for layout is the kind of each token and where newlines fall; literal text
//! inside templates and heredocs is carried through untouched.

use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    OHeredoc,
    CHeredoc,
    Star,
    Slash,
    Plus,
    Minus,
    Percent,
    Equal,
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,
    And,
    Or,
    Bang,
    Dot,
    Comma,
    Ellipsis,
    FatArrow,
    Question,
    Colon,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    /// Literal text of a quoted template.
    QuotedLit,
    /// Literal text of a heredoc template (one line, or up to an interpolation).
    StringLit,
    NumberLit,
    Ident,
    /// `#` and `//` comments include their newline; `/* */` comments do not.
    Comment,
    Newline,
    /// A newline inside a quoted string: always a syntax error.
    QuotedNewline,
    /// Characters the scanner knows but the grammar rejects (`&`, `|`, `;`, ...), and
    /// anything else it cannot place.
    Invalid,
    Eof,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: Cow<'a, str>,
    /// Spaces written before the token. Only the end-of-file token keeps the count taken from
    /// the source (bytes of blanks, so a tab counts one); the formatter sets every other one.
    pub spaces_before: usize,
    /// Byte offset in the source; `None` for tokens the formatter made up.
    pub start: Option<usize>,
}

impl<'a> Token<'a> {
    pub fn synthetic(kind: Kind, text: impl Into<Cow<'a, str>>) -> Token<'a> {
        Token {
            kind,
            text: text.into(),
            spaces_before: 0,
            start: None,
        }
    }

    /// A line comment carries the line's end with it.
    pub fn ends_line(&self) -> bool {
        self.kind == Kind::Newline || (self.kind == Kind::Comment && self.text.ends_with('\n'))
    }

    /// +1 for openers (`{`, `[`, `(`, `${`, `%{`), -1 for closers, as hclwrite counts them.
    pub fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::OBrace | Kind::OBrack | Kind::OParen | Kind::TemplateInterp => 1,
            Kind::TemplateControl => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }

    pub fn is_ident(&self, name: &str) -> bool {
        self.kind == Kind::Ident && self.text == name
    }
}

/// A heredoc being read: its closing marker and whether the scanner is at a line start.
struct Heredoc<'a> {
    marker: &'a str,
    start_of_line: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Main,
    Quoted,
    Heredoc,
}

struct Scanner<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token<'a>>,
    modes: Vec<Mode>,
    heredocs: Vec<Heredoc<'a>>,
    braces: i64,
    /// Brace depths at which a `}` closes a template interpolation instead of an object.
    template_braces: Vec<i64>,
    last_end: usize,
}

/// Scans `src` (without a byte-order mark) into tokens, ending with `Kind::Eof`. Never fails:
/// what the scanner cannot place becomes `Kind::Invalid`, as in hclsyntax.
pub fn lex(src: &str) -> Vec<Token<'_>> {
    let mut s = Scanner {
        src,
        pos: 0,
        tokens: Vec::new(),
        modes: vec![Mode::Main],
        heredocs: Vec::new(),
        braces: 0,
        template_braces: Vec::new(),
        last_end: 0,
    };
    while s.pos < src.len() {
        match s.modes.last().copied().unwrap_or(Mode::Main) {
            Mode::Main => s.main(),
            Mode::Quoted => s.quoted(),
            Mode::Heredoc => s.heredoc(),
        }
    }
    let spaces = src.len() - s.last_end;
    s.tokens.push(Token {
        kind: Kind::Eof,
        text: Cow::Borrowed(""),
        spaces_before: spaces,
        start: Some(src.len()),
    });
    s.tokens
}

fn is_id_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}

fn is_id_continue(c: char) -> bool {
    c == '-' || unicode_ident::is_xid_continue(c)
}

/// The length of a `\n` or `\r\n` at the start of `s`, or 0.
fn newline_len(s: &str) -> usize {
    if s.starts_with('\n') {
        1
    } else if s.starts_with("\r\n") {
        2
    } else {
        0
    }
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn emit(&mut self, kind: Kind, len: usize) {
        let start = self.pos;
        let end = start + len;
        self.tokens.push(Token {
            kind,
            text: Cow::Borrowed(&self.src[start..end]),
            spaces_before: start - self.last_end,
            start: Some(start),
        });
        self.pos = end;
        self.last_end = end;
    }

    fn next_char_len(&self) -> usize {
        self.rest().chars().next().map_or(1, char::len_utf8)
    }

    fn open_template_sequence(&mut self, kind: Kind, len: usize) {
        self.emit(kind, len);
        self.braces += 1;
        self.template_braces.push(self.braces);
        if let Some(h) = self.heredocs.last_mut() {
            h.start_of_line = false;
        }
        self.modes.push(Mode::Main);
    }

    fn close_template_sequence(&mut self) {
        self.template_braces.pop();
        self.modes.pop();
    }

    /// `${`, `${~`, `%{`, `%{~` at the current position.
    fn template_opener(&self) -> Option<(Kind, usize)> {
        let r = self.rest();
        let kind = if r.starts_with("${") {
            Kind::TemplateInterp
        } else if r.starts_with("%{") {
            Kind::TemplateControl
        } else {
            return None;
        };
        let len = if r[2..].starts_with('~') { 3 } else { 2 };
        Some((kind, len))
    }

    /// A `$` or `%` that does not open a sequence: `$${` (an escape, kept whole) or the lone
    /// symbol.
    fn template_escape_len(&self) -> usize {
        let r = self.rest().as_bytes();
        if r.len() >= 3 && r[1] == r[0] && r[2] == b'{' {
            if r.len() >= 4 && r[3] == b'~' {
                4
            } else {
                3
            }
        } else {
            1
        }
    }

    fn main(&mut self) {
        let r = self.rest();
        let bytes = r.as_bytes();
        let c = r.chars().next().unwrap_or('\0');
        match c {
            ' ' | '\t' => {
                let n = bytes
                    .iter()
                    .take_while(|b| **b == b' ' || **b == b'\t')
                    .count();
                self.pos += n;
            }
            '0'..='9' => {
                let n = number_len(bytes);
                self.emit(Kind::NumberLit, n);
            }
            '#' => self.line_comment(),
            '/' if r.starts_with("//") => self.line_comment(),
            '/' if r.starts_with("/*") => match r[2..].find("*/") {
                Some(i) => self.emit(Kind::Comment, i + 4),
                None => self.emit(Kind::Slash, 1),
            },
            '\n' => self.emit(Kind::Newline, 1),
            '\r' if r.starts_with("\r\n") => self.emit(Kind::Newline, 2),
            '{' => {
                self.emit(Kind::OBrace, 1);
                self.braces += 1;
            }
            '}' => {
                if self.template_braces.last() == Some(&self.braces) {
                    self.emit(Kind::TemplateSeqEnd, 1);
                    self.braces -= 1;
                    self.close_template_sequence();
                } else {
                    self.emit(Kind::CBrace, 1);
                    self.braces -= 1;
                }
            }
            '~' if r.starts_with("~}") => {
                // hclsyntax makes `~}` a sequence end even where a plain brace was meant, so
                // that the parser reports it.
                let closes = self.template_braces.last() == Some(&self.braces);
                self.emit(Kind::TemplateSeqEnd, 2);
                self.braces -= 1;
                if closes {
                    self.close_template_sequence();
                }
            }
            '"' => {
                self.emit(Kind::OQuote, 1);
                self.modes.push(Mode::Quoted);
            }
            '<' if r.starts_with("<<") => match heredoc_intro(r) {
                Some((len, marker)) => {
                    let start = self.pos;
                    self.emit(Kind::OHeredoc, len);
                    let marker = &self.src[start + marker.start..start + marker.end];
                    self.heredocs.push(Heredoc {
                        marker,
                        start_of_line: true,
                    });
                    self.modes.push(Mode::Heredoc);
                }
                None => self.emit(Kind::LessThan, 1),
            },
            _ if is_id_start(c) => {
                let n: usize = r
                    .char_indices()
                    .skip(1)
                    .find(|(_, ch)| !is_id_continue(*ch))
                    .map_or(r.len(), |(i, _)| i);
                self.emit(Kind::Ident, n);
            }
            _ => {
                let (kind, len) = operator(r);
                let len = if kind == Kind::Invalid {
                    self.next_char_len()
                } else {
                    len
                };
                self.emit(kind, len);
            }
        }
    }

    fn line_comment(&mut self) {
        let r = self.rest();
        let n = r.find('\n').map_or(r.len(), |i| i + 1);
        self.emit(Kind::Comment, n);
    }

    fn quoted(&mut self) {
        if let Some((kind, len)) = self.template_opener() {
            self.open_template_sequence(kind, len);
            return;
        }
        let r = self.rest();
        let c = r.chars().next().unwrap_or('\0');
        match c {
            '"' => {
                self.emit(Kind::CQuote, 1);
                self.modes.pop();
            }
            '$' | '%' => {
                let n = self.template_escape_len();
                self.emit(Kind::QuotedLit, n);
            }
            '\r' | '\n' => {
                let n = r.bytes().take_while(|b| *b == b'\r' || *b == b'\n').count();
                self.emit(Kind::QuotedNewline, n);
            }
            _ => {
                let n = quoted_literal_len(r);
                if n == 0 {
                    let len = self.next_char_len();
                    self.emit(Kind::Invalid, len);
                } else {
                    self.emit(Kind::QuotedLit, n);
                }
            }
        }
    }

    fn heredoc(&mut self) {
        if let Some((kind, len)) = self.template_opener() {
            self.open_template_sequence(kind, len);
            return;
        }
        let r = self.rest();
        let literal = match r.as_bytes()[0] {
            b'$' | b'%' => self.template_escape_len(),
            _ => r.find(['$', '%', '\r', '\n']).map_or(r.len(), |i| i),
        };
        let eol = newline_len(&r[literal..]);
        if eol == 0 {
            if literal == 0 {
                // A lone carriage return: nothing in hclsyntax's heredoc grammar takes it.
                self.emit(Kind::Invalid, 1);
                return;
            }
            if let Some(h) = self.heredocs.last_mut() {
                h.start_of_line = false;
            }
            self.emit(Kind::StringLit, literal);
            return;
        }
        let (start_of_line, marker) = match self.heredocs.last() {
            Some(h) => (h.start_of_line, h.marker),
            None => (false, ""),
        };
        if start_of_line && r[..literal].trim() == marker {
            self.emit(Kind::CHeredoc, literal);
            self.emit(Kind::Newline, eol);
            self.heredocs.pop();
            self.modes.pop();
            return;
        }
        if let Some(h) = self.heredocs.last_mut() {
            h.start_of_line = true;
        }
        self.emit(Kind::StringLit, literal + eol);
    }
}

/// `<<EOT\n` or `<<-EOT\r\n`: the introducer's length and the marker's range within it.
fn heredoc_intro(r: &str) -> Option<(usize, std::ops::Range<usize>)> {
    let mut i = 2;
    if r[i..].starts_with('-') {
        i += 1;
    }
    let first = r[i..].chars().next()?;
    if !is_id_start(first) {
        return None;
    }
    let name_start = i;
    let name_len = r[i..]
        .char_indices()
        .skip(1)
        .find(|(_, ch)| !is_id_continue(*ch))
        .map_or(r.len() - i, |(j, _)| j);
    i += name_len;
    let eol = newline_len(&r[i..]);
    if eol == 0 {
        return None;
    }
    Some((i + eol, name_start..i))
}

/// hclsyntax's number literal: a digit, then digits, dots and exponents, never ending in a
/// dot (`1.` is the number `1` and a dot).
fn number_len(b: &[u8]) -> usize {
    let mut i = 1;
    let mut end = 1;
    loop {
        match b.get(i) {
            Some(c) if c.is_ascii_digit() => {
                i += 1;
                end = i;
            }
            Some(b'.') => i += 1,
            Some(b'e' | b'E') => {
                let mut j = i + 1;
                if matches!(b.get(j), Some(b'+' | b'-')) {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    i = j + 1;
                    end = i;
                } else {
                    return end;
                }
            }
            _ => return end,
        }
    }
}

/// Characters of a quoted string up to the next `$`, `%`, quote or newline; a backslash takes
/// the next character with it.
fn quoted_literal_len(r: &str) -> usize {
    let mut chars = r.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '$' | '%' | '"' | '\r' | '\n' => return i,
            '\\' => match chars.peek() {
                Some((_, '\r' | '\n')) | None => return i,
                Some(_) => {
                    chars.next();
                }
            },
            _ => {}
        }
    }
    r.len()
}

/// Operators and punctuation, longest first.
fn operator(r: &str) -> (Kind, usize) {
    const TWO: [(&str, Kind); 7] = [
        ("==", Kind::EqualOp),
        ("!=", Kind::NotEqual),
        (">=", Kind::GreaterThanEq),
        ("<=", Kind::LessThanEq),
        ("&&", Kind::And),
        ("||", Kind::Or),
        ("=>", Kind::FatArrow),
    ];
    if r.starts_with("...") {
        return (Kind::Ellipsis, 3);
    }
    for (text, kind) in TWO {
        if r.starts_with(text) {
            return (kind, 2);
        }
    }
    let kind = match r.as_bytes()[0] {
        b'[' => Kind::OBrack,
        b']' => Kind::CBrack,
        b'(' => Kind::OParen,
        b')' => Kind::CParen,
        b'.' => Kind::Dot,
        b',' => Kind::Comma,
        b'*' => Kind::Star,
        b'/' => Kind::Slash,
        b'%' => Kind::Percent,
        b'+' => Kind::Plus,
        b'-' => Kind::Minus,
        b'=' => Kind::Equal,
        b'<' => Kind::LessThan,
        b'>' => Kind::GreaterThan,
        b'!' => Kind::Bang,
        b'?' => Kind::Question,
        b':' => Kind::Colon,
        _ => Kind::Invalid,
    };
    (kind, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind> {
        lex(src).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn a_template_interpolation_closes_on_its_own_brace() {
        use Kind::*;
        assert_eq!(
            kinds(r#"a = "x${ {b = 1}.b }y""#),
            vec![
                Ident,
                Equal,
                OQuote,
                QuotedLit,
                TemplateInterp,
                OBrace,
                Ident,
                Equal,
                NumberLit,
                CBrace,
                Dot,
                Ident,
                TemplateSeqEnd,
                QuotedLit,
                CQuote,
                Eof
            ]
        );
    }

    #[test]
    fn a_heredoc_keeps_its_lines_and_ends_at_the_indented_marker() {
        let tokens = lex("a = <<-EOT\n  x ${y}\n  EOT\nb = 1\n");
        let texts: Vec<(Kind, &str)> = tokens.iter().map(|t| (t.kind, &*t.text)).collect();
        assert_eq!(
            texts,
            vec![
                (Kind::Ident, "a"),
                (Kind::Equal, "="),
                (Kind::OHeredoc, "<<-EOT\n"),
                (Kind::StringLit, "  x "),
                (Kind::TemplateInterp, "${"),
                (Kind::Ident, "y"),
                (Kind::TemplateSeqEnd, "}"),
                (Kind::StringLit, "\n"),
                (Kind::CHeredoc, "  EOT"),
                (Kind::Newline, "\n"),
                (Kind::Ident, "b"),
                (Kind::Equal, "="),
                (Kind::NumberLit, "1"),
                (Kind::Newline, "\n"),
                (Kind::Eof, ""),
            ]
        );
    }

    #[test]
    fn a_marker_after_an_interpolation_on_the_same_line_does_not_close_the_heredoc() {
        let k = kinds("a = <<EOT\n${x}EOT\nEOT\n");
        assert_eq!(k.iter().filter(|k| **k == Kind::CHeredoc).count(), 1);
        assert_eq!(k[k.len() - 3], Kind::CHeredoc);
    }

    #[test]
    fn numbers_never_end_in_a_dot_and_take_exponents() {
        assert_eq!(number_len(b"1.5e+3x"), 6);
        assert_eq!(number_len(b"1.."), 1);
        assert_eq!(number_len(b"1.2.3"), 5);
        assert_eq!(number_len(b"2e"), 1);
    }

    #[test]
    fn dollar_signs_split_quoted_literals_as_hclsyntax_does() {
        let tokens = lex(r#""a$b$${c}""#);
        let lits: Vec<&str> = tokens
            .iter()
            .filter(|t| t.kind == Kind::QuotedLit)
            .map(|t| &*t.text)
            .collect();
        assert_eq!(lits, vec!["a", "$", "b", "$${", "c}"]);
    }

    #[test]
    fn comments_of_all_kinds_and_crlf_newlines() {
        use Kind::*;
        assert_eq!(
            kinds("# a\r\n// b\n/* c\n d */\r\n"),
            vec![Comment, Comment, Comment, Newline, Eof]
        );
        assert_eq!(lex("x  \t").last().map(|t| t.spaces_before), Some(3));
    }
}
