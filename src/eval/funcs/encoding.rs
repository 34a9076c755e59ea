//! Encoding functions: `jsonencode`, `jsondecode`, `yamlencode`, `yamldecode`, `csvdecode`,
//! `base64encode`, `base64decode`, `base64gzip`, `base64gunzip`, `urlencode`, `urldecode`,
//! `textencodebase64` and `textdecodebase64`, each reproducing the Go library Terraform uses
//! (encoding/json, go-cty-yaml's libyaml emitter, encoding/csv, x/text's IANA index).

use super::crypto::{base64_decode_go, base64_std};
use super::{FuncContext, FuncError, FuncResult, FuncTable, Function, Param};
/// Kept under its old name for the JSON functions of this family.
pub(super) use crate::value::go_json_quote as json_quote;
use crate::value::{Attrs, Number, Type, Value};
use std::io::Read;

/// Decompressed or decoded results larger than this are refused (gzip bombs, alias bombs).
const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;
/// Nesting deeper than this is refused rather than risking the stack.
const MAX_NESTING: usize = 256;

pub fn register(t: &mut FuncTable) {
    let string_fn = |name: &'static str, param: &'static str, imp: super::FuncImpl| {
        Function::new(
            name,
            vec![Param::new(param, Type::String)],
            Type::String,
            imp,
        )
    };
    t.add(Function::new(
        "jsonencode",
        vec![Param::new("val", Type::Dynamic).allow_null()],
        Type::String,
        |_, a| encode_with(&a[0], json_encode),
    ));
    t.add(Function::new(
        "jsondecode",
        vec![Param::new("str", Type::String)],
        Type::Dynamic,
        |_, a| json_decode(str_arg(a, 0)?).map_err(FuncError::call),
    ));
    t.add(Function::new(
        "yamlencode",
        vec![Param::new("value", Type::Dynamic).allow_null()],
        Type::String,
        |_, a| encode_with(&a[0], yaml_encode),
    ));
    t.add(Function::new(
        "yamldecode",
        vec![Param::new("src", Type::String)],
        Type::Dynamic,
        |_, a| yaml_decode(str_arg(a, 0)?).map_err(FuncError::call),
    ));
    t.add(Function::new(
        "csvdecode",
        vec![Param::new("str", Type::String)],
        Type::Dynamic,
        |_, a| csv_decode(str_arg(a, 0)?).map_err(FuncError::call),
    ));
    t.add(string_fn("base64encode", "str", |_, a| {
        Ok(Value::string(base64_std(str_arg(a, 0)?.as_bytes())))
    }));
    t.add(string_fn("base64decode", "str", base64decode));
    t.add(string_fn("base64gzip", "str", base64gzip));
    t.add(string_fn("base64gunzip", "str", base64gunzip));
    t.add(string_fn("urlencode", "str", |_, a| {
        Ok(Value::string(query_escape(str_arg(a, 0)?)))
    }));
    t.add(string_fn("urldecode", "str", urldecode));
    t.add(Function::new(
        "textencodebase64",
        vec![
            Param::new("string", Type::String),
            Param::new("encoding", Type::String),
        ],
        Type::String,
        textencodebase64,
    ));
    t.add(Function::new(
        "textdecodebase64",
        vec![
            Param::new("source", Type::String),
            Param::new("encoding", Type::String),
        ],
        Type::String,
        textdecodebase64,
    ));
}

fn str_arg(args: &[Value], index: usize) -> Result<&str, FuncError> {
    args.get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| FuncError::arg(index, "a string is required"))
}

/// `jsonencode`/`yamlencode`: cty unmarks the argument deeply and marks the result, and any
/// unknown inside the value makes the result unknown.
fn encode_with(value: &Value, encode: fn(&Value) -> Result<String, String>) -> FuncResult {
    let (plain, sensitive) = value.unmark_deep();
    if !plain.is_wholly_known() {
        return Ok(Value::Unknown(Type::String).mark_if(sensitive));
    }
    let text = encode(&plain).map_err(FuncError::call)?;
    Ok(Value::string(text).mark_if(sensitive))
}

// ---------------------------------------------------------------------------------------------
// JSON

fn json_encode(value: &Value) -> Result<String, String> {
    let mut out = String::new();
    json_write(value, &mut out)?;
    Ok(out)
}

fn json_write(value: &Value, out: &mut String) -> Result<(), String> {
    match value {
        Value::Null(_) => out.push_str("null"),
        Value::Unknown(_) => return Err("value is not known".into()),
        Value::Sensitive(inner) => json_write(inner, out)?,
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_infinite() => {
            return Err("cannot serialize infinity as JSON".into())
        }
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => json_quote(s, out),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_write(item, out)?;
            }
            out.push(']');
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            out.push('{');
            for (i, (k, v)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_quote(k, out);
                out.push(':');
                json_write(v, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// `jsondecode`: objects become objects, arrays tuples, as cty's implied typing does. The
/// reader follows Go's `json.Decoder.Token` so that errors read as Terraform's.
fn json_decode(src: &str) -> Result<Value, String> {
    let mut reader = JsonReader {
        bytes: src.as_bytes(),
        pos: 0,
        state: TokenState::TopValue,
        stack: Vec::new(),
    };
    let first = reader.token()?;
    let value = reader.value_from(first, 0)?;
    // cty checks `Decoder.More`, which looks only at the next non-space byte.
    if reader.peek().is_some_and(|c| c != b']' && c != b'}') {
        return Err("extraneous data after JSON object".into());
    }
    Ok(value)
}

#[derive(Clone, Copy, PartialEq)]
enum TokenState {
    TopValue,
    ArrayStart,
    ArrayValue,
    ArrayComma,
    ObjectStart,
    ObjectKey,
    ObjectColon,
    ObjectValue,
    ObjectComma,
}

enum JsonToken {
    ArrayOpen,
    ArrayClose,
    ObjectOpen,
    ObjectClose,
    Key(String),
    Scalar(Value),
}

struct JsonReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    state: TokenState,
    stack: Vec<TokenState>,
}

impl JsonReader<'_> {
    fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.bytes.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                return Some(c);
            }
        }
        None
    }

    fn value_allowed(&self) -> bool {
        matches!(
            self.state,
            TokenState::TopValue
                | TokenState::ArrayStart
                | TokenState::ArrayValue
                | TokenState::ObjectValue
        )
    }

    fn value_end(&mut self) {
        self.state = match self.state {
            TokenState::ArrayStart | TokenState::ArrayValue => TokenState::ArrayComma,
            TokenState::ObjectValue => TokenState::ObjectComma,
            other => other,
        };
    }

    fn token_error(&self, c: u8) -> String {
        let context = match self.state {
            TokenState::TopValue
            | TokenState::ArrayStart
            | TokenState::ArrayValue
            | TokenState::ObjectValue => " looking for beginning of value",
            TokenState::ArrayComma => " after array element",
            TokenState::ObjectKey => " looking for beginning of object key string",
            TokenState::ObjectColon => " after object key",
            TokenState::ObjectComma => " after object key:value pair",
            TokenState::ObjectStart => "",
        };
        format!("invalid character {}{context}", quote_byte(c))
    }

    fn token(&mut self) -> Result<JsonToken, String> {
        loop {
            let c = self.peek().ok_or("EOF")?;
            match c {
                b'[' | b'{' => {
                    if !self.value_allowed() {
                        return Err(self.token_error(c));
                    }
                    if self.stack.len() >= MAX_NESTING {
                        return Err("exceeded max depth".into());
                    }
                    self.pos += 1;
                    self.stack.push(self.state);
                    return Ok(if c == b'[' {
                        self.state = TokenState::ArrayStart;
                        JsonToken::ArrayOpen
                    } else {
                        self.state = TokenState::ObjectStart;
                        JsonToken::ObjectOpen
                    });
                }
                b']' | b'}' => {
                    let ok = if c == b']' {
                        matches!(self.state, TokenState::ArrayStart | TokenState::ArrayComma)
                    } else {
                        matches!(
                            self.state,
                            TokenState::ObjectStart | TokenState::ObjectComma
                        )
                    };
                    if !ok {
                        return Err(self.token_error(c));
                    }
                    self.pos += 1;
                    self.state = self.stack.pop().unwrap_or(TokenState::TopValue);
                    self.value_end();
                    return Ok(if c == b']' {
                        JsonToken::ArrayClose
                    } else {
                        JsonToken::ObjectClose
                    });
                }
                b':' => {
                    if self.state != TokenState::ObjectColon {
                        return Err(self.token_error(c));
                    }
                    self.pos += 1;
                    self.state = TokenState::ObjectValue;
                }
                b',' => {
                    self.state = match self.state {
                        TokenState::ArrayComma => TokenState::ArrayValue,
                        TokenState::ObjectComma => TokenState::ObjectKey,
                        _ => return Err(self.token_error(c)),
                    };
                    self.pos += 1;
                }
                b'"' if matches!(self.state, TokenState::ObjectStart | TokenState::ObjectKey) => {
                    let key = self.string()?;
                    self.state = TokenState::ObjectColon;
                    return Ok(JsonToken::Key(key));
                }
                _ => {
                    if !self.value_allowed() {
                        return Err(self.token_error(c));
                    }
                    let v = self.scalar()?;
                    self.value_end();
                    return Ok(JsonToken::Scalar(v));
                }
            }
        }
    }

    fn value_from(&mut self, token: JsonToken, depth: usize) -> Result<Value, String> {
        if depth > MAX_NESTING {
            return Err("exceeded max depth".into());
        }
        match token {
            JsonToken::Scalar(v) => Ok(v),
            JsonToken::ArrayOpen => {
                let mut items = Vec::new();
                loop {
                    match self.token()? {
                        JsonToken::ArrayClose => return Ok(Value::tuple(items)),
                        t => items.push(self.value_from(t, depth + 1)?),
                    }
                }
            }
            JsonToken::ObjectOpen => {
                let mut attrs = Attrs::new();
                loop {
                    match self.token()? {
                        JsonToken::ObjectClose => return Ok(Value::object(attrs)),
                        JsonToken::Key(k) => {
                            let t = self.token()?;
                            attrs.insert(k.into(), self.value_from(t, depth + 1)?);
                        }
                        _ => return Err("expected string but found value".into()),
                    }
                }
            }
            JsonToken::Key(_) | JsonToken::ArrayClose | JsonToken::ObjectClose => {
                Err("unexpected delimiter".into())
            }
        }
    }

    fn next_byte(&mut self) -> Result<u8, String> {
        let c = *self.bytes.get(self.pos).ok_or("unexpected EOF")?;
        self.pos += 1;
        Ok(c)
    }

    /// A string, number or literal, scanned as Go's scanner does.
    fn scalar(&mut self) -> Result<Value, String> {
        let c = self.peek().ok_or("EOF")?;
        match c {
            b'"' => self.string().map(Value::string),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::NULL),
            _ => Err(format!(
                "invalid character {} looking for beginning of value",
                quote_byte(c)
            )),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, String> {
        for (i, expected) in word.bytes().enumerate() {
            let c = self.next_byte()?;
            if c != expected {
                return Err(format!(
                    "invalid character {} in literal {word} (expecting {})",
                    quote_byte(c),
                    quote_byte(expected)
                ));
            }
            debug_assert!(i < word.len());
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        let digits = |r: &mut Self| {
            while r.bytes.get(r.pos).is_some_and(u8::is_ascii_digit) {
                r.pos += 1;
            }
        };
        let expect_digit = |r: &mut Self, context: &str| -> Result<(), String> {
            match r.bytes.get(r.pos) {
                Some(c) if c.is_ascii_digit() => Ok(()),
                Some(&c) => Err(format!("invalid character {} {context}", quote_byte(c))),
                None => Err("unexpected EOF".into()),
            }
        };
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
            expect_digit(self, "in numeric literal")?;
        }
        if self.bytes.get(self.pos) == Some(&b'0') {
            self.pos += 1;
        } else {
            digits(self);
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            expect_digit(self, "after decimal point in numeric literal")?;
            digits(self);
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            expect_digit(self, "in exponent of numeric literal")?;
            digits(self);
        }
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or("");
        Number::parse(text)
            .map(Value::Number)
            .ok_or_else(|| format!("number {text} is out of range"))
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let rest = &self.bytes[self.pos..];
            let run = rest
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .ok_or("unexpected EOF")?;
            out.push_str(std::str::from_utf8(&rest[..run]).map_err(|e| e.to_string())?);
            self.pos += run;
            match self.next_byte()? {
                b'"' => return Ok(out),
                b'\\' => {
                    let c = self.next_byte()?;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            out.push(self.utf16_char(unit)?);
                        }
                        other => {
                            return Err(format!(
                                "invalid character {} in string escape code",
                                quote_byte(other)
                            ))
                        }
                    }
                }
                control => {
                    return Err(format!(
                        "invalid character {} in string literal",
                        quote_byte(control)
                    ))
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.next_byte()?;
            let d = (c as char).to_digit(16).ok_or_else(|| {
                format!(
                    "invalid character {} in \\u hexadecimal character escape",
                    quote_byte(c)
                )
            })?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// Go pairs surrogates when a low one follows and otherwise yields U+FFFD.
    fn utf16_char(&mut self, unit: u32) -> Result<char, String> {
        if !(0xD800..0xDC00).contains(&unit) {
            return Ok(char::from_u32(unit).unwrap_or('\u{FFFD}'));
        }
        let rest = &self.bytes[self.pos..];
        if rest.len() >= 6 && rest.starts_with(b"\\u") {
            let low = std::str::from_utf8(&rest[2..6])
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok());
            if let Some(low @ 0xDC00..=0xDFFF) = low {
                self.pos += 6;
                let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
        }
        Ok('\u{FFFD}')
    }
}

/// A byte as Go's JSON errors quote it: `'x'`, `'\''`, `'"'`, `'\t'`.
fn quote_byte(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        _ => {
            let quoted = format!("{:?}", (c as char).to_string());
            let inner = quoted.trim_matches('"');
            let inner = if inner.starts_with("\\u{") {
                format!("\\x{c:02x}")
            } else {
                inner.to_string()
            };
            format!("'{inner}'")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// YAML encoding: go-cty-yaml drives the libyaml emitter with double-quoted strings (literal
// blocks for multi-line ones), plain numbers, bools and nulls, block collections and flow `[]`
// and `{}` for empty ones. This is that emitter, reduced to those events.

const YAML_INDENT: i64 = 2;
const YAML_WIDTH: usize = 80;

#[derive(Clone, Copy, PartialEq)]
enum ScalarStyle {
    Plain,
    DoubleQuoted,
    Literal,
}

struct ScalarAnalysis {
    multiline: bool,
    block_plain_allowed: bool,
    block_allowed: bool,
}

#[derive(Default)]
struct YamlEmitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    indent: i64,
    indents: Vec<i64>,
}

fn yaml_encode(value: &Value) -> Result<String, String> {
    let mut e = YamlEmitter {
        indent: -1,
        whitespace: true,
        indention: true,
        ..YamlEmitter::default()
    };
    e.node(value, true, false, false, 0)?;
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    Ok(e.out)
}

fn yaml_is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn yaml_is_printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

fn yaml_analyze(value: &str) -> ScalarAnalysis {
    if value.is_empty() {
        return ScalarAnalysis {
            multiline: false,
            block_plain_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|n| matches!(n, ' ' | '\t'));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !yaml_is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if yaml_is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = matches!(c, ' ' | '\t' | '\0') || yaml_is_break(c);
    }
    let plain_blocked = leading_space
        || leading_break
        || trailing_space
        || trailing_break
        || break_space
        || space_break
        || special
        || line_breaks
        || block_indicators;
    ScalarAnalysis {
        multiline: line_breaks,
        block_plain_allowed: !plain_blocked,
        block_allowed: !(trailing_space || space_break || special),
    }
}

impl YamlEmitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, s: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        s.chars().for_each(|c| self.put(c));
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { YAML_INDENT } else { 0 };
        } else if !indentless {
            self.indent += YAML_INDENT;
        }
    }

    fn decrease_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(
        &mut self,
        value: &Value,
        root: bool,
        mapping: bool,
        simple_key: bool,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_NESTING {
            return Err("value is nested too deeply to serialize as YAML".into());
        }
        match value {
            Value::Null(_) => self.scalar("null", ScalarStyle::Plain, root, simple_key),
            Value::Unknown(_) => return Err("cannot serialize unknown value as YAML".into()),
            Value::Sensitive(inner) => return self.node(inner, root, mapping, simple_key, depth),
            Value::Bool(b) => self.scalar(
                if *b { "true" } else { "false" },
                ScalarStyle::Plain,
                root,
                simple_key,
            ),
            Value::Number(n) => self.scalar(&n.to_string(), ScalarStyle::Plain, root, simple_key),
            Value::String(s) => {
                let style = if s.contains('\n') {
                    ScalarStyle::Literal
                } else {
                    ScalarStyle::DoubleQuoted
                };
                self.scalar(s, style, root, simple_key)
            }
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                if items.is_empty() {
                    self.empty_flow("[", "]");
                    return Ok(());
                }
                self.increase_indent(false, mapping && !self.indention);
                for item in items.iter() {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, false, false, false, depth + 1)?;
                }
                self.decrease_indent();
            }
            Value::Map(_, attrs) | Value::Object(attrs) => {
                if attrs.is_empty() {
                    self.empty_flow("{", "}");
                    return Ok(());
                }
                self.increase_indent(false, false);
                for (k, v) in attrs.iter() {
                    self.write_indent();
                    let simple = !yaml_analyze(k).multiline && k.len() <= 128;
                    if simple {
                        self.scalar(k, ScalarStyle::DoubleQuoted, false, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        let style = if k.contains('\n') {
                            ScalarStyle::Literal
                        } else {
                            ScalarStyle::DoubleQuoted
                        };
                        self.scalar(k, style, false, false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, false, true, false, depth + 1)?;
                }
                self.decrease_indent();
            }
        }
        Ok(())
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.decrease_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, value: &str, requested: ScalarStyle, root: bool, simple_key: bool) {
        let analysis = yaml_analyze(value);
        let mut style = requested;
        if simple_key && analysis.multiline {
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Plain
            && (!analysis.block_plain_allowed || (value.is_empty() && simple_key))
        {
            // libyaml would pick single quotes, which the values written plain here (numbers,
            // bools, null) never need.
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Literal && (!analysis.block_allowed || simple_key) {
            style = ScalarStyle::DoubleQuoted;
        }
        self.increase_indent(true, false);
        match style {
            ScalarStyle::Plain => {
                if !self.whitespace {
                    self.put(' ');
                }
                value.chars().for_each(|c| self.put(c));
                self.whitespace = false;
                self.indention = false;
                if root {
                    self.open_ended = true;
                }
            }
            ScalarStyle::DoubleQuoted => self.double_quoted(value, !simple_key),
            ScalarStyle::Literal => self.literal(value),
        }
        self.decrease_indent();
    }

    fn double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // libyaml's BOM check looks at the start of the whole value, so a leading BOM escapes
        // every character after it too.
        let starts_with_bom = value.starts_with('\u{FEFF}');
        let mut spaces = false;
        let mut chars = value.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if !yaml_is_printable(c) || starts_with_bom || yaml_is_break(c) || c == '"' || c == '\\'
            {
                self.put('\\');
                let short = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match short {
                    Some(s) => self.put(s),
                    None => {
                        let code = c as u32;
                        let (marker, width) = match code {
                            0..=0xFF => ('x', 2),
                            0x100..=0xFFFF => ('u', 4),
                            _ => ('U', 8),
                        };
                        self.put(marker);
                        for digit in format!("{code:0width$X}").chars() {
                            self.put(digit);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                let next_is_space = chars.peek().is_some_and(|(_, n)| *n == ' ');
                if allow_breaks
                    && !spaces
                    && self.column > YAML_WIDTH
                    && i > 0
                    && i < value.len() - 1
                {
                    self.write_indent();
                    if next_is_space {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || yaml_is_break(c)) {
            self.write_indicator("2", false, false, false);
        }
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !yaml_is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if yaml_is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in chars {
            if yaml_is_break(c) {
                if c == '\n' {
                    self.put_break();
                } else {
                    self.out.push(c);
                    self.column = 0;
                }
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// YAML decoding: libyaml's parser (the C library go-cty-yaml's parser was translated from),
// with go-cty-yaml's rules for resolving plain scalars and its error positions.

mod libyaml_events {
    //! A safe wrapper over the parts of `unsafe-libyaml`'s parser that `yamldecode` needs.
    use std::ffi::CStr;
    use std::mem::MaybeUninit;

    pub enum Kind {
        StreamStart,
        StreamEnd,
        DocumentStart,
        DocumentEnd,
        Alias,
        Scalar,
        SequenceStart,
        SequenceEnd,
        MappingStart,
        MappingEnd,
    }

    pub struct Event {
        pub kind: Kind,
        pub anchor: String,
        pub tag: String,
        pub value: String,
        /// True for plain (unquoted, non-block) scalars.
        pub plain: bool,
        pub quoted: bool,
        pub implicit: bool,
        /// Zero-based line and column where the event starts.
        pub line: u64,
        pub column: u64,
    }

    pub struct Parser<'a> {
        raw: Box<MaybeUninit<unsafe_libyaml::yaml_parser_t>>,
        _input: &'a [u8],
    }

    impl<'a> Parser<'a> {
        pub fn new(input: &'a [u8]) -> Option<Parser<'a>> {
            let mut raw = Box::new(MaybeUninit::<unsafe_libyaml::yaml_parser_t>::uninit());
            // SAFETY: `raw` is valid storage for a parser; `input` outlives the parser (it is
            // borrowed for 'a), and the parser is deleted exactly once, in Drop.
            unsafe {
                if unsafe_libyaml::yaml_parser_initialize(raw.as_mut_ptr()).fail {
                    return None;
                }
                unsafe_libyaml::yaml_parser_set_encoding(
                    raw.as_mut_ptr(),
                    unsafe_libyaml::YAML_UTF8_ENCODING,
                );
                unsafe_libyaml::yaml_parser_set_input_string(
                    raw.as_mut_ptr(),
                    input.as_ptr(),
                    input.len() as u64,
                );
            }
            Some(Parser { raw, _input: input })
        }

        /// The next event, or the parser's error: (problem, scanner error?, problem line,
        /// problem column, context line, context column).
        pub fn next(&mut self) -> Result<Event, ParseError> {
            let mut event = MaybeUninit::<unsafe_libyaml::yaml_event_t>::uninit();
            // SAFETY: the parser was initialised in `new`; on success the event is initialised
            // and deleted below after its data has been copied out.
            unsafe {
                let parser = self.raw.as_mut_ptr();
                if unsafe_libyaml::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                    let p = &*parser;
                    let problem = if p.problem.is_null() {
                        String::new()
                    } else {
                        CStr::from_ptr(p.problem).to_string_lossy().into_owned()
                    };
                    return Err(ParseError {
                        problem,
                        scanner: p.error == unsafe_libyaml::YAML_SCANNER_ERROR,
                        problem_line: p.problem_mark.line,
                        problem_column: p.problem_mark.column,
                        context_line: p.context_mark.line,
                        context_column: p.context_mark.column,
                    });
                }
                let e = event.as_mut_ptr();
                let out = convert(&*e);
                unsafe_libyaml::yaml_event_delete(e);
                Ok(out)
            }
        }
    }

    impl Drop for Parser<'_> {
        fn drop(&mut self) {
            // SAFETY: initialised in `new` and not yet deleted.
            unsafe { unsafe_libyaml::yaml_parser_delete(self.raw.as_mut_ptr()) }
        }
    }

    pub struct ParseError {
        pub problem: String,
        pub scanner: bool,
        pub problem_line: u64,
        pub problem_column: u64,
        pub context_line: u64,
        pub context_column: u64,
    }

    unsafe fn text(ptr: *const u8) -> String {
        if ptr.is_null() {
            String::new()
        } else {
            CStr::from_ptr(ptr.cast()).to_string_lossy().into_owned()
        }
    }

    /// Copies the event's data out of libyaml's union.
    unsafe fn convert(e: &unsafe_libyaml::yaml_event_t) -> Event {
        let mut out = Event {
            kind: Kind::StreamEnd,
            anchor: String::new(),
            tag: String::new(),
            value: String::new(),
            plain: false,
            quoted: false,
            implicit: false,
            line: e.start_mark.line,
            column: e.start_mark.column,
        };
        out.kind = match e.type_ {
            unsafe_libyaml::YAML_STREAM_START_EVENT => Kind::StreamStart,
            unsafe_libyaml::YAML_DOCUMENT_START_EVENT => Kind::DocumentStart,
            unsafe_libyaml::YAML_DOCUMENT_END_EVENT => Kind::DocumentEnd,
            unsafe_libyaml::YAML_ALIAS_EVENT => {
                out.anchor = text(e.data.alias.anchor);
                Kind::Alias
            }
            unsafe_libyaml::YAML_SCALAR_EVENT => {
                let s = e.data.scalar;
                out.anchor = text(s.anchor);
                out.tag = text(s.tag);
                let bytes = if s.value.is_null() {
                    &[][..]
                } else {
                    std::slice::from_raw_parts(s.value, s.length as usize)
                };
                out.value = String::from_utf8_lossy(bytes).into_owned();
                out.plain = s.style == unsafe_libyaml::YAML_PLAIN_SCALAR_STYLE;
                out.quoted = matches!(
                    s.style,
                    unsafe_libyaml::YAML_SINGLE_QUOTED_SCALAR_STYLE
                        | unsafe_libyaml::YAML_DOUBLE_QUOTED_SCALAR_STYLE
                );
                out.implicit = s.plain_implicit;
                Kind::Scalar
            }
            unsafe_libyaml::YAML_SEQUENCE_START_EVENT => {
                out.anchor = text(e.data.sequence_start.anchor);
                out.tag = text(e.data.sequence_start.tag);
                Kind::SequenceStart
            }
            unsafe_libyaml::YAML_SEQUENCE_END_EVENT => Kind::SequenceEnd,
            unsafe_libyaml::YAML_MAPPING_START_EVENT => {
                out.anchor = text(e.data.mapping_start.anchor);
                out.tag = text(e.data.mapping_start.tag);
                Kind::MappingStart
            }
            unsafe_libyaml::YAML_MAPPING_END_EVENT => Kind::MappingEnd,
            _ => Kind::StreamEnd,
        };
        out
    }
}

use libyaml_events::{Event as YamlEvent, Kind as YamlKind};

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

fn yaml_decode(src: &str) -> Result<Value, String> {
    let input: &[u8] = if src.is_empty() {
        b"\n"
    } else {
        src.as_bytes()
    };
    let parser = libyaml_events::Parser::new(input).ok_or("failed to initialize YAML parser")?;
    let mut d = YamlDecoder {
        parser,
        anchors: std::collections::HashMap::new(),
        pending: std::collections::HashMap::new(),
        budget: MAX_OUTPUT_BYTES,
    };
    let e = d.next()?;
    if !matches!(e.kind, YamlKind::StreamStart) {
        return Err(event_error(&e, "missing stream start token"));
    }
    let e = d.next()?;
    if !matches!(e.kind, YamlKind::DocumentStart) {
        return Err(event_error(&e, "missing start of document"));
    }
    let first = d.next()?;
    let value = d.value(first, 0)?;
    let e = d.next()?;
    match e.kind {
        YamlKind::DocumentEnd => {}
        YamlKind::DocumentStart => {
            return Err(event_error(&e, "only a single document is allowed"))
        }
        _ => {
            let name = kind_name(&e.kind);
            return Err(event_error(
                &e,
                &format!("unexpected extra content ({name}) after value"),
            ));
        }
    }
    let e = d.next()?;
    if !matches!(e.kind, YamlKind::StreamEnd) {
        return Err(event_error(&e, "unexpected extra content after value"));
    }
    Ok(value)
}

fn kind_name(kind: &YamlKind) -> &'static str {
    match kind {
        YamlKind::StreamStart => "yaml_STREAM_START_EVENT",
        YamlKind::StreamEnd => "yaml_STREAM_END_EVENT",
        YamlKind::DocumentStart => "yaml_DOCUMENT_START_EVENT",
        YamlKind::DocumentEnd => "yaml_DOCUMENT_END_EVENT",
        YamlKind::Alias => "yaml_ALIAS_EVENT",
        YamlKind::Scalar => "yaml_SCALAR_EVENT",
        YamlKind::SequenceStart => "yaml_SEQUENCE_START_EVENT",
        YamlKind::SequenceEnd => "yaml_SEQUENCE_END_EVENT",
        YamlKind::MappingStart => "yaml_MAPPING_START_EVENT",
        YamlKind::MappingEnd => "yaml_MAPPING_END_EVENT",
    }
}

/// go-cty-yaml positions errors at the event, except on the first line (its mark is zero).
fn event_error(e: &YamlEvent, message: &str) -> String {
    if e.line == 0 {
        message.to_string()
    } else {
        format!("on line {}, column {}: {message}", e.line, e.column + 1)
    }
}

struct YamlDecoder<'a> {
    parser: libyaml_events::Parser<'a>,
    anchors: std::collections::HashMap<String, Value>,
    pending: std::collections::HashMap<String, usize>,
    /// Rough bytes still allowed in the result, so aliases cannot multiply it without bound.
    budget: usize,
}

impl YamlDecoder<'_> {
    fn next(&mut self) -> Result<YamlEvent, String> {
        self.parser.next().map_err(|p| {
            let problem = if p.problem.is_empty() {
                "invalid YAML syntax".to_string()
            } else {
                p.problem
            };
            if p.problem_line != 0 {
                let (line, column) = if p.scanner {
                    (p.problem_line + 1, 0)
                } else {
                    (p.problem_line, p.problem_column)
                };
                format!("on line {line}, column {}: {problem}", column + 1)
            } else if p.context_line != 0 {
                format!(
                    "on line {}, column {}: {problem}",
                    p.context_line,
                    p.context_column + 1
                )
            } else {
                problem
            }
        })
    }

    fn spend(&mut self, amount: usize) -> Result<(), String> {
        self.budget = self
            .budget
            .checked_sub(amount)
            .ok_or("YAML document expands to too large a value")?;
        Ok(())
    }

    fn begin_anchor(&mut self, anchor: &str) {
        if !anchor.is_empty() {
            *self.pending.entry(anchor.to_string()).or_default() += 1;
        }
    }

    fn complete_anchor(&mut self, anchor: &str, value: &Value) {
        if anchor.is_empty() {
            return;
        }
        if let Some(count) = self.pending.get_mut(anchor) {
            *count -= 1;
            if *count == 0 {
                self.pending.remove(anchor);
            }
        }
        self.anchors.insert(anchor.to_string(), value.clone());
    }

    fn value(&mut self, e: YamlEvent, depth: usize) -> Result<Value, String> {
        if depth > MAX_NESTING {
            return Err(event_error(&e, "document is nested too deeply"));
        }
        match e.kind {
            YamlKind::Scalar => {
                self.begin_anchor(&e.anchor);
                self.spend(e.value.len() + 16)?;
                let v = match resolve_scalar(&e.tag, &e.value, e.quoted) {
                    Ok(Resolved::Value(v)) => v,
                    Ok(Resolved::Merge) => Value::from("<<"),
                    Err(m) => return Err(event_error(&e, &m)),
                };
                self.complete_anchor(&e.anchor, &v);
                Ok(v)
            }
            YamlKind::Alias => {
                if self.pending.contains_key(&e.anchor) {
                    return Err(event_error(
                        &e,
                        &format!(
                            "cannot refer to anchor {:?} from inside its own definition",
                            e.anchor
                        ),
                    ));
                }
                let v = self.anchors.get(&e.anchor).cloned().ok_or_else(|| {
                    event_error(&e, &format!("reference to undefined anchor {:?}", e.anchor))
                })?;
                self.spend(approximate_size(&v))?;
                Ok(v)
            }
            YamlKind::SequenceStart => {
                if !e.tag.is_empty() && e.tag != format!("{TAG_PREFIX}seq") {
                    return Err(event_error(
                        &e,
                        &format!("can't interpret sequence as {}", e.tag),
                    ));
                }
                self.begin_anchor(&e.anchor);
                let mut items = Vec::new();
                loop {
                    let next = self.next()?;
                    if matches!(next.kind, YamlKind::SequenceEnd) {
                        break;
                    }
                    items.push(self.value(next, depth + 1)?);
                }
                let v = Value::tuple(items);
                self.complete_anchor(&e.anchor, &v);
                Ok(v)
            }
            YamlKind::MappingStart => {
                if !e.tag.is_empty() && e.tag != format!("{TAG_PREFIX}map") {
                    return Err(event_error(
                        &e,
                        &format!("can't interpret mapping as {}", e.tag),
                    ));
                }
                self.begin_anchor(&e.anchor);
                let mut attrs = Attrs::new();
                loop {
                    let key = self.next()?;
                    if matches!(key.kind, YamlKind::MappingEnd) {
                        break;
                    }
                    if !matches!(key.kind, YamlKind::Scalar) {
                        return Err(event_error(
                            &key,
                            "only strings are allowed as mapping keys",
                        ));
                    }
                    let resolved = resolve_scalar(&key.tag, &key.value, key.quoted)?;
                    let name = match resolved {
                        Resolved::Merge => {
                            let next = self.next()?;
                            let merged = self.value(next, depth + 1)?;
                            let Some(merged_attrs) = merged.as_attrs() else {
                                return Err(event_error(
                                    &key,
                                    &format!(
                                        "cannot merge {} into mapping",
                                        merged.ty().friendly_name()
                                    ),
                                ));
                            };
                            for (k, v) in merged_attrs.iter() {
                                attrs.insert(k.clone(), v.clone());
                            }
                            continue;
                        }
                        Resolved::Value(v) => match v {
                            Value::Null(_) => {
                                return Err(event_error(&key, "mapping key cannot be null"))
                            }
                            Value::String(s) => s,
                            Value::Bool(b) => b.to_string().into(),
                            Value::Number(n) if !n.is_infinite() => n.to_string().into(),
                            _ => {
                                return Err(event_error(
                                    &key,
                                    "only strings are allowed as mapping keys",
                                ))
                            }
                        },
                    };
                    let next = self.next()?;
                    let v = self.value(next, depth + 1)?;
                    attrs.insert(name, v);
                }
                let v = Value::object(attrs);
                self.complete_anchor(&e.anchor, &v);
                Ok(v)
            }
            YamlKind::DocumentStart => Err(event_error(&e, "only a single document is allowed")),
            YamlKind::StreamEnd => Err(event_error(&e, "expecting value but found end of stream")),
            ref other => Err(event_error(
                &e,
                &format!("unexpected parser event {}", kind_name(other)),
            )),
        }
    }
}

fn approximate_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 16,
        Value::Tuple(items) => 16 + items.iter().map(approximate_size).sum::<usize>(),
        Value::Object(attrs) => {
            16 + attrs
                .iter()
                .map(|(k, v)| k.len() + approximate_size(v))
                .sum::<usize>()
        }
        _ => 16,
    }
}

enum Resolved {
    Value(Value),
    /// The `<<` merge key.
    Merge,
}

/// go-cty-yaml's `resolveScalar`: YAML 1.1 booleans and nulls, YAML 1.2 numbers, timestamps
/// as RFC 3339 strings, and explicit `!!` tags.
fn resolve_scalar(tag: &str, src: &str, quoted: bool) -> Result<Resolved, String> {
    let short = tag.strip_prefix(TAG_PREFIX);
    let known = match short {
        None if tag.is_empty() => Some(""),
        Some(t @ ("str" | "bool" | "int" | "float" | "null" | "timestamp" | "binary")) => Some(t),
        _ => None,
    };
    let Some(mut kind) = known else {
        return Err(format!("unsupported tag {tag:?}"));
    };
    let hint = src.bytes().next().map_or(b'N', |b| match b {
        b'+' | b'-' => b'S',
        b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
        b'.' => b'.',
        _ => 0,
    });
    if hint != 0 && kind != "str" && kind != "binary" {
        if quoted {
            return Ok(Resolved::Value(Value::from(src)));
        }
        if let Some(v) = yaml_special(src) {
            return Ok(Resolved::Value(v));
        }
        if kind.is_empty() && matches!(src, ".nan" | ".NaN" | ".NAN") {
            return Err("floating point NaN is not supported".into());
        }
        match hint {
            b'.' => {
                if let Some(n) = Number::parse(src) {
                    return Ok(Resolved::Value(Value::Number(n)));
                }
            }
            b'D' | b'S' => {
                if kind.is_empty() || kind == "timestamp" {
                    if let Some(t) = yaml_timestamp(src) {
                        return Ok(Resolved::Value(Value::string(t)));
                    }
                }
                if is_yaml_int(src) {
                    kind = "int";
                } else if is_yaml_float(src) {
                    kind = "float";
                }
            }
            _ => {}
        }
    }
    if kind.is_empty() && src == "<<" {
        return Ok(Resolved::Merge);
    }
    let cannot = |k: &str| format!("cannot parse {src:?} as {TAG_PREFIX}{k}");
    match kind {
        "" | "str" => Ok(Resolved::Value(Value::from(src))),
        "binary" => base64_decode_go(src)
            .map(|_| Resolved::Value(Value::from(src)))
            .map_err(|_| format!("cannot parse {src:?} as {TAG_PREFIX}binary: not valid base64")),
        "bool" => match yaml_special(src) {
            Some(b @ Value::Bool(_)) => Ok(Resolved::Value(b)),
            _ => Err(cannot("bool")),
        },
        "int" | "float" => {
            let plain = src.replace('_', "");
            if let Some(n) = Number::parse(&plain) {
                return Ok(Resolved::Value(Value::Number(n)));
            }
            go_parse_int(&plain)
                .map(|n| Resolved::Value(Value::Number(n)))
                .ok_or_else(|| cannot(kind))
        }
        "timestamp" => yaml_timestamp(src)
            .map(|t| Resolved::Value(Value::string(t)))
            .ok_or_else(|| cannot("timestamp")),
        _ => Ok(Resolved::Value(Value::NULL)),
    }
}

fn yaml_special(src: &str) -> Option<Value> {
    Some(match src {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Value::NULL,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Number(Number::PosInf),
        "-.inf" | "-.Inf" | "-.INF" => Value::Number(Number::NegInf),
        _ => return None,
    })
}

/// YAML 1.2 integers as go-cty-yaml matches them: optional sign, then `0o` octal, decimal or
/// `0x` hex digits, with `_` separators.
fn is_yaml_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() {
        return true;
    }
    let all = |digits: &str, ok: fn(char) -> bool| !digits.is_empty() && digits.chars().all(ok);
    if let Some(oct) = body.strip_prefix("0o") {
        return all(oct, |c| matches!(c, '0'..='7' | '_'));
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return all(hex, |c| c.is_ascii_hexdigit() || c == '_');
    }
    all(body, |c| c.is_ascii_digit() || c == '_')
}

fn is_yaml_float(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// Go's `strconv.ParseInt(s, 0, 64)` (then `ParseUint`): `0x`, `0o`, `0b` and leading-zero
/// octal prefixes.
fn go_parse_int(s: &str) -> Option<Number> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, h)
    } else if let Some(o) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, o)
    } else if let Some(b) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, b)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        let v = 0i64.checked_sub_unsigned(magnitude)?;
        Some(Number::Int(v))
    } else {
        Some(match i64::try_from(magnitude) {
            Ok(v) => Number::Int(v),
            Err(_) => Number::from_big(magnitude.into()),
        })
    }
}

/// The timestamp forms go-cty-yaml accepts, returned in RFC 3339 as Go formats it.
fn yaml_timestamp(s: &str) -> Option<String> {
    let year_digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if year_digits != 4 || s.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let utc = |dt: NaiveDateTime| dt.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    // RFC 3339 with optional fraction and lower-case `t`; single-digit fields are allowed.
    let upper = s.replacen('t', "T", 1);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.fZ"] {
        if fmt.ends_with('Z') {
            if let Ok(dt) = NaiveDateTime::parse_from_str(&upper, fmt) {
                return Some(utc(dt));
            }
        } else if let Ok(dt) = DateTime::parse_from_str(&upper, fmt) {
            return Some(dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
        }
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(utc(dt));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(utc)
}

// ---------------------------------------------------------------------------------------------
// CSV, read as Go's encoding/csv does (RFC 4180, blank lines skipped, CRLF normalised).

fn csv_decode(src: &str) -> Result<Value, String> {
    let mut reader = CsvReader {
        lines: src.split_inclusive('\n'),
        line_number: 0,
    };
    let headers = match reader.record()? {
        Some((_, fields)) => fields,
        None => return Err("missing header line".into()),
    };
    let mut seen = std::collections::BTreeSet::new();
    for name in &headers {
        if !seen.insert(name.as_str()) {
            return Err(format!("duplicate column name {name:?}"));
        }
    }
    let object_type = Type::object(
        headers
            .iter()
            .map(|h| (h.as_str().into(), Type::String))
            .collect(),
    );
    let mut rows = Vec::new();
    let mut total = 0usize;
    while let Some((line, fields)) = reader.record()? {
        if fields.len() != headers.len() {
            return Err(format!(
                "CSV parse error on line {line}: wrong number of fields"
            ));
        }
        total += fields.iter().map(|f| f.len() + 16).sum::<usize>();
        if total > MAX_OUTPUT_BYTES {
            return Err("CSV data is too large".into());
        }
        let attrs: Attrs = headers
            .iter()
            .zip(fields)
            .map(|(h, f)| (h.as_str().into(), Value::string(f)))
            .collect();
        rows.push(Value::object(attrs));
    }
    Ok(Value::list(object_type, rows))
}

struct CsvReader<'a> {
    lines: std::str::SplitInclusive<'a, char>,
    line_number: usize,
}

const CSV_QUOTE_ERROR: &str = "extraneous or missing \" in quoted-field";

impl CsvReader<'_> {
    /// The next line with `\r\n` normalised to `\n` and a lone trailing `\r` dropped at EOF.
    fn line(&mut self) -> Option<String> {
        let raw = self.lines.next()?;
        self.line_number += 1;
        let mut line = raw.to_string();
        if line.ends_with("\r\n") {
            line.truncate(line.len() - 2);
            line.push('\n');
        } else if !line.ends_with('\n') && line.ends_with('\r') {
            line.pop();
        }
        Some(line)
    }

    /// The next record and the line it started on; `None` at the end of input.
    fn record(&mut self) -> Result<Option<(usize, Vec<String>)>, String> {
        let mut line = loop {
            match self.line() {
                None => return Ok(None),
                Some(l) if l == "\n" => continue,
                Some(l) => break l,
            }
        };
        let start_line = self.line_number;
        let mut fields = Vec::new();
        let error = |line_number: usize, what: &str| {
            format!("CSV parse error on line {line_number}: {what}")
        };
        let mut rest: &str = &line;
        loop {
            if !rest.starts_with('"') {
                let (field, more) = match rest.find(',') {
                    Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                    None => (rest.strip_suffix('\n').unwrap_or(rest), None),
                };
                if field.contains('"') {
                    return Err(error(self.line_number, "bare \" in non-quoted-field"));
                }
                fields.push(field.to_string());
                match more {
                    Some(m) => rest = m,
                    None => return Ok(Some((start_line, fields))),
                }
                continue;
            }
            // Quoted field, possibly spanning lines.
            let mut field = String::new();
            let mut current = rest[1..].to_string();
            loop {
                if let Some(i) = current.find('"') {
                    field.push_str(&current[..i]);
                    let after = &current[i + 1..];
                    if let Some(tail) = after.strip_prefix('"') {
                        field.push('"');
                        current = tail.to_string();
                    } else if let Some(tail) = after.strip_prefix(',') {
                        fields.push(field);
                        line = tail.to_string();
                        rest = &line;
                        break;
                    } else if after.is_empty() || after == "\n" {
                        fields.push(field);
                        return Ok(Some((start_line, fields)));
                    } else {
                        return Err(error(self.line_number, CSV_QUOTE_ERROR));
                    }
                } else if !current.is_empty() {
                    field.push_str(&current);
                    match self.line() {
                        Some(next) => current = next,
                        // Go counts the read that hit the end of input as a line.
                        None => return Err(error(self.line_number + 1, CSV_QUOTE_ERROR)),
                    }
                } else {
                    return Err(error(self.line_number, CSV_QUOTE_ERROR));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Base64, gzip and URLs

fn base64decode(_: &FuncContext, args: &[Value]) -> FuncResult {
    let s = str_arg(args, 0)?;
    let bytes = base64_decode_go(s)
        .map_err(|_| FuncError::call(format!("failed to decode base64 data '{s}'")))?;
    String::from_utf8(bytes).map(Value::string).map_err(|_| {
        FuncError::call("the result of decoding the provided string is not valid UTF-8")
    })
}

fn base64gzip(_: &FuncContext, args: &[Value]) -> FuncResult {
    use std::io::Write;
    let s = str_arg(args, 0)?;
    let failed = |what: &str| FuncError::call(format!("failed to {what}: '{s}'"));
    // Go's gzip stream: a header without name or mtime and OS byte "unknown"; Terraform
    // flushes before closing (a sync-flush marker), and Go closes with an empty stored final
    // block.
    let mut deflate =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflate
        .write_all(s.as_bytes())
        .map_err(|_| failed("write gzip raw data"))?;
    deflate.flush().map_err(|_| failed("flush gzip writer"))?;
    let mut crc = flate2::Crc::new();
    crc.update(s.as_bytes());
    let mut bytes = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    bytes.extend_from_slice(deflate.get_ref());
    bytes.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    bytes.extend_from_slice(&crc.sum().to_le_bytes());
    bytes.extend_from_slice(&(s.len() as u32).to_le_bytes());
    Ok(Value::string(base64_std(&bytes)))
}

fn base64gunzip(_: &FuncContext, args: &[Value]) -> FuncResult {
    let s = str_arg(args, 0)?;
    let compressed = base64_decode_go(s)
        .map_err(|_| FuncError::call(format!("failed to decode base64 data '{s}'")))?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .take(MAX_OUTPUT_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| FuncError::call(format!("failed to read gunzip raw data: {e}")))?;
    if out.len() > MAX_OUTPUT_BYTES {
        return Err(FuncError::call(
            "the decompressed data is larger than 64 MiB",
        ));
    }
    String::from_utf8(out).map(Value::string).map_err(|_| {
        FuncError::call("the result of decompressing the provided string is not valid UTF-8")
    })
}

/// Go's `url.QueryEscape`: unreserved characters kept, space as `+`, the rest `%XX`.
fn query_escape(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Go's `url.QueryUnescape`, as Terraform's newer `urldecode` uses it.
fn urldecode(_: &FuncContext, args: &[Value]) -> FuncResult {
    let s = str_arg(args, 0)?;
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                });
                let Some(decoded) = hex else {
                    let end = (i + 3).min(bytes.len());
                    let bad = String::from_utf8_lossy(&bytes[i..end]);
                    return Err(FuncError::call(format!(
                        "failed to decode URL '{s}': invalid URL escape {bad:?}"
                    )));
                };
                out.push(decoded);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    Ok(Value::string(String::from_utf8_lossy(&out).into_owned()))
}

// ---------------------------------------------------------------------------------------------
// Character encodings, named as golang.org/x/text's IANA index names them.

#[derive(Clone, Copy)]
enum Charset {
    Ascii,
    Utf8,
    /// UTF-16 with a byte order mark (big-endian without one).
    Utf16Bom,
    Utf16Be,
    Utf16Le,
    Latin1,
    /// The upper half of an ASCII-compatible single-byte code page.
    HighHalf(&'static str),
    /// A whole EBCDIC code page.
    Full(&'static str),
    Multibyte(&'static encoding_rs::Encoding),
}

/// (IANA name, lower-case aliases, charset) for every encoding the x/text IANA index supports.
const CHARSETS: &[(&str, &[&str], Charset)] = &[
    (
        "US-ASCII",
        &[
            "ansi_x3.4-1968",
            "ansi_x3.4-1986",
            "ibm367",
            "iso646-us",
            "iso_646.irv:1991",
            "us-ascii",
            "cp367",
            "csascii",
            "iso-ir-6",
            "us",
        ],
        Charset::Ascii,
    ),
    (
        "ISO_8859-1:1987",
        &[
            "cp819",
            "ibm819",
            "iso-8859-1",
            "iso_8859-1",
            "iso_8859-1:1987",
            "csisolatin1",
            "iso-ir-100",
            "l1",
            "latin1",
        ],
        Charset::Latin1,
    ),
    (
        "ISO_8859-2:1987",
        &[
            "iso-8859-2",
            "iso_8859-2",
            "iso_8859-2:1987",
            "csisolatin2",
            "iso-ir-101",
            "l2",
            "latin2",
        ],
        Charset::HighHalf(ISO_8859_2),
    ),
    (
        "ISO_8859-3:1988",
        &[
            "iso-8859-3",
            "iso_8859-3",
            "iso_8859-3:1988",
            "csisolatin3",
            "iso-ir-109",
            "l3",
            "latin3",
        ],
        Charset::HighHalf(ISO_8859_3),
    ),
    (
        "ISO_8859-4:1988",
        &[
            "iso-8859-4",
            "iso_8859-4",
            "iso_8859-4:1988",
            "csisolatin4",
            "iso-ir-110",
            "l4",
            "latin4",
        ],
        Charset::HighHalf(ISO_8859_4),
    ),
    (
        "ISO_8859-5:1988",
        &[
            "iso-8859-5",
            "iso_8859-5",
            "iso_8859-5:1988",
            "csisolatincyrillic",
            "cyrillic",
            "iso-ir-144",
        ],
        Charset::HighHalf(ISO_8859_5),
    ),
    (
        "ISO_8859-6:1987",
        &[
            "asmo-708",
            "ecma-114",
            "iso-8859-6",
            "iso_8859-6",
            "iso_8859-6:1987",
            "arabic",
            "csisolatinarabic",
            "iso-ir-127",
        ],
        Charset::HighHalf(ISO_8859_6),
    ),
    (
        "ISO_8859-7:1987",
        &[
            "ecma-118",
            "elot_928",
            "iso-8859-7",
            "iso_8859-7",
            "iso_8859-7:1987",
            "csisolatingreek",
            "greek",
            "greek8",
            "iso-ir-126",
        ],
        Charset::HighHalf(ISO_8859_7),
    ),
    (
        "ISO_8859-8:1988",
        &[
            "iso-8859-8",
            "iso_8859-8",
            "iso_8859-8:1988",
            "csisolatinhebrew",
            "hebrew",
            "iso-ir-138",
        ],
        Charset::HighHalf(ISO_8859_8),
    ),
    (
        "ISO_8859-9:1989",
        &[
            "iso-8859-9",
            "iso_8859-9",
            "iso_8859-9:1989",
            "csisolatin5",
            "iso-ir-148",
            "l5",
            "latin5",
        ],
        Charset::HighHalf(ISO_8859_9),
    ),
    (
        "ISO-8859-10",
        &[
            "iso-8859-10",
            "iso_8859-10:1992",
            "csisolatin6",
            "iso-ir-157",
            "l6",
            "latin6",
        ],
        Charset::HighHalf(ISO_8859_10),
    ),
    (
        "Shift_JIS",
        &["ms_kanji", "shift_jis", "csshiftjis"],
        Charset::Multibyte(encoding_rs::SHIFT_JIS),
    ),
    (
        "Extended_UNIX_Code_Packed_Format_for_Japanese",
        &[
            "euc-jp",
            "extended_unix_code_packed_format_for_japanese",
            "cseucpkdfmtjapanese",
        ],
        Charset::Multibyte(encoding_rs::EUC_JP),
    ),
    (
        "EUC-KR",
        &["euc-kr", "cseuckr"],
        Charset::Multibyte(encoding_rs::EUC_KR),
    ),
    (
        "ISO-2022-JP",
        &["iso-2022-jp", "csiso2022jp"],
        Charset::Multibyte(encoding_rs::ISO_2022_JP),
    ),
    (
        "ISO_8859-6-E",
        &["iso-8859-6-e", "iso_8859-6-e", "csiso88596e"],
        Charset::HighHalf(ISO_8859_6),
    ),
    (
        "ISO_8859-6-I",
        &["iso-8859-6-i", "iso_8859-6-i", "csiso88596i"],
        Charset::HighHalf(ISO_8859_6),
    ),
    (
        "ISO_8859-8-E",
        &["iso-8859-8-e", "iso_8859-8-e", "csiso88598e"],
        Charset::HighHalf(ISO_8859_8),
    ),
    (
        "ISO_8859-8-I",
        &["iso-8859-8-i", "iso_8859-8-i", "csiso88598i"],
        Charset::HighHalf(ISO_8859_8),
    ),
    ("UTF-8", &["utf-8", "csutf8"], Charset::Utf8),
    (
        "ISO-8859-13",
        &["iso-8859-13", "csiso885913"],
        Charset::HighHalf(ISO_8859_13),
    ),
    (
        "ISO-8859-14",
        &[
            "iso-8859-14",
            "iso_8859-14",
            "iso_8859-14:1998",
            "csiso885914",
            "iso-celtic",
            "iso-ir-199",
            "l8",
            "latin8",
        ],
        Charset::HighHalf(ISO_8859_14),
    ),
    (
        "ISO-8859-15",
        &["iso-8859-15", "iso_8859-15", "latin-9", "csiso885915"],
        Charset::HighHalf(ISO_8859_15),
    ),
    (
        "ISO-8859-16",
        &[
            "iso-8859-16",
            "iso_8859-16",
            "iso_8859-16:2001",
            "csiso885916",
            "iso-ir-226",
            "l10",
            "latin10",
        ],
        Charset::HighHalf(ISO_8859_16),
    ),
    (
        "GBK",
        &["cp936", "gbk", "ms936", "csgbk", "windows-936"],
        Charset::Multibyte(encoding_rs::GBK),
    ),
    (
        "GB18030",
        &["gb18030", "csgb18030"],
        Charset::Multibyte(encoding_rs::GB18030),
    ),
    ("UTF-16BE", &["utf-16be", "csutf16be"], Charset::Utf16Be),
    ("UTF-16LE", &["utf-16le", "csutf16le"], Charset::Utf16Le),
    ("UTF-16", &["utf-16", "csutf16"], Charset::Utf16Bom),
    (
        "IBM850",
        &["850", "ibm850", "cp850", "cspc850multilingual"],
        Charset::HighHalf(CP850),
    ),
    (
        "IBM852",
        &["852", "ibm852", "cp852", "cspcp852"],
        Charset::HighHalf(CP852),
    ),
    (
        "IBM437",
        &["437", "ibm437", "cp437", "cspc8codepage437"],
        Charset::HighHalf(CP437),
    ),
    (
        "IBM862",
        &["862", "ibm862", "cp862", "cspc862latinhebrew"],
        Charset::HighHalf(CP862),
    ),
    (
        "Big5",
        &["big5", "csbig5"],
        Charset::Multibyte(encoding_rs::BIG5),
    ),
    (
        "macintosh",
        &["csmacintosh", "mac", "macintosh"],
        Charset::HighHalf(MACINTOSH),
    ),
    (
        "IBM037",
        &[
            "ibm037",
            "cp037",
            "csibm037",
            "ebcdic-cp-ca",
            "ebcdic-cp-nl",
            "ebcdic-cp-us",
            "ebcdic-cp-wt",
        ],
        Charset::Full(CP037),
    ),
    (
        "IBM855",
        &["855", "ibm855", "cp855", "csibm855"],
        Charset::HighHalf(CP855),
    ),
    (
        "IBM860",
        &["860", "ibm860", "cp860", "csibm860"],
        Charset::HighHalf(CP860),
    ),
    (
        "IBM863",
        &["863", "ibm863", "cp863", "csibm863"],
        Charset::HighHalf(CP863),
    ),
    (
        "IBM865",
        &["865", "ibm865", "cp865", "csibm865"],
        Charset::HighHalf(CP865),
    ),
    ("KOI8-R", &["koi8-r", "cskoi8r"], Charset::HighHalf(KOI_8R)),
    (
        "IBM866",
        &["866", "ibm866", "cp866", "csibm866"],
        Charset::HighHalf(CP866),
    ),
    ("KOI8-U", &["koi8-u", "cskoi8u"], Charset::HighHalf(KOI_8U)),
    (
        "IBM00858",
        &[
            "ccsid00858",
            "cp00858",
            "ibm00858",
            "pc-multilingual-850+euro",
            "csibm00858",
        ],
        Charset::HighHalf(CP858),
    ),
    (
        "IBM01140",
        &[
            "ccsid01140",
            "cp01140",
            "ibm01140",
            "csibm01140",
            "ebcdic-us-37+euro",
        ],
        Charset::Full(CP1140),
    ),
    (
        "IBM1047",
        &["ibm-1047", "ibm1047", "csibm1047"],
        Charset::Full(CP1047),
    ),
    (
        "windows-874",
        &["cswindows874", "windows-874"],
        Charset::HighHalf(WINDOWS_874),
    ),
    (
        "windows-1250",
        &["cswindows1250", "windows-1250"],
        Charset::HighHalf(WINDOWS_1250),
    ),
    (
        "windows-1251",
        &["cswindows1251", "windows-1251"],
        Charset::HighHalf(WINDOWS_1251),
    ),
    (
        "windows-1252",
        &["cswindows1252", "windows-1252"],
        Charset::HighHalf(WINDOWS_1252),
    ),
    (
        "windows-1253",
        &["cswindows1253", "windows-1253"],
        Charset::HighHalf(WINDOWS_1253),
    ),
    (
        "windows-1254",
        &["cswindows1254", "windows-1254"],
        Charset::HighHalf(WINDOWS_1254),
    ),
    (
        "windows-1255",
        &["cswindows1255", "windows-1255"],
        Charset::HighHalf(WINDOWS_1255),
    ),
    (
        "windows-1256",
        &["cswindows1256", "windows-1256"],
        Charset::HighHalf(WINDOWS_1256),
    ),
    (
        "windows-1257",
        &["cswindows1257", "windows-1257"],
        Charset::HighHalf(WINDOWS_1257),
    ),
    (
        "windows-1258",
        &["cswindows1258", "windows-1258"],
        Charset::HighHalf(WINDOWS_1258),
    ),
];

/// x/text's `ianaindex.IANA.Encoding`: aliases match after trimming, case-insensitively.
fn lookup_charset(name: &str) -> Option<(&'static str, Charset)> {
    let wanted = name.trim().to_lowercase();
    CHARSETS
        .iter()
        .find(|(_, aliases, _)| aliases.contains(&wanted.as_str()))
        .map(|(iana, _, charset)| (*iana, *charset))
}

fn charset_arg(args: &[Value]) -> Result<(&'static str, Charset), FuncError> {
    let name = str_arg(args, 1)?;
    lookup_charset(name).ok_or_else(|| {
        FuncError::arg(
            1,
            format!(
                "{name:?} is not a supported IANA encoding name or alias in this Terraform version"
            ),
        )
    })
}

/// Encodes `s`; `None` when a character has no representation in the charset.
fn charset_encode(charset: Charset, s: &str) -> Option<Vec<u8>> {
    let single_byte = |table: &str, offset: usize| {
        s.chars()
            .map(|c| {
                if offset > 0 && c.is_ascii() {
                    return Some(c as u8);
                }
                let i = table.chars().position(|t| t == c && t != '\u{FFFD}')?;
                u8::try_from(i + offset).ok()
            })
            .collect::<Option<Vec<u8>>>()
    };
    match charset {
        Charset::Utf8 => Some(s.as_bytes().to_vec()),
        Charset::Ascii => s.is_ascii().then(|| s.as_bytes().to_vec()),
        Charset::Latin1 => s.chars().map(|c| u8::try_from(c as u32).ok()).collect(),
        Charset::Utf16Be | Charset::Utf16Bom => {
            let mut out = if matches!(charset, Charset::Utf16Bom) {
                vec![0xFE, 0xFF]
            } else {
                Vec::new()
            };
            out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
            Some(out)
        }
        Charset::Utf16Le => Some(s.encode_utf16().flat_map(u16::to_le_bytes).collect()),
        Charset::HighHalf(table) => single_byte(table, 0x80),
        Charset::Full(table) => single_byte(table, 0),
        Charset::Multibyte(enc) => {
            let mut encoder = enc.new_encoder();
            let capacity = encoder.max_buffer_length_from_utf8_without_replacement(s.len())?;
            let mut out = Vec::with_capacity(capacity);
            let (result, _) =
                encoder.encode_from_utf8_to_vec_without_replacement(s, &mut out, true);
            matches!(result, encoding_rs::EncoderResult::InputEmpty).then_some(out)
        }
    }
}

/// Decodes `bytes`; undefined bytes become U+FFFD, which the caller rejects as Terraform does.
fn charset_decode(charset: Charset, bytes: &[u8]) -> String {
    let single_byte = |table: &str, offset: usize| {
        let chars: Vec<char> = table.chars().collect();
        bytes
            .iter()
            .map(|&b| match usize::from(b).checked_sub(offset) {
                None => b as char,
                Some(i) => chars.get(i).copied().unwrap_or('\u{FFFD}'),
            })
            .collect::<String>()
    };
    match charset {
        Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Charset::Ascii => bytes
            .iter()
            .map(|&b| if b.is_ascii() { b as char } else { '\u{FFFD}' })
            .collect(),
        Charset::Latin1 => bytes.iter().map(|&b| b as char).collect(),
        Charset::Utf16Bom => match bytes {
            [0xFF, 0xFE, rest @ ..] => utf16_decode(rest, u16::from_le_bytes),
            [0xFE, 0xFF, rest @ ..] => utf16_decode(rest, u16::from_be_bytes),
            _ => utf16_decode(bytes, u16::from_be_bytes),
        },
        Charset::Utf16Be => utf16_decode(bytes, u16::from_be_bytes),
        Charset::Utf16Le => utf16_decode(bytes, u16::from_le_bytes),
        Charset::HighHalf(table) => single_byte(table, 0x80),
        Charset::Full(table) => single_byte(table, 0),
        Charset::Multibyte(enc) => enc.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

fn utf16_decode(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let chunks = bytes.chunks_exact(2);
    let odd = !chunks.remainder().is_empty();
    let mut out: String = char::decode_utf16(chunks.map(|c| unit([c[0], c[1]])))
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect();
    if odd {
        out.push('\u{FFFD}');
    }
    out
}

fn textencodebase64(_: &FuncContext, args: &[Value]) -> FuncResult {
    let (iana, charset) = charset_arg(args)?;
    let encoded = charset_encode(charset, str_arg(args, 0)?).ok_or_else(|| {
        FuncError::arg(
            0,
            format!("the given string contains characters that cannot be represented in {iana}"),
        )
    })?;
    Ok(Value::string(base64_std(&encoded)))
}

fn textdecodebase64(_: &FuncContext, args: &[Value]) -> FuncResult {
    let (iana, charset) = charset_arg(args)?;
    let source = str_arg(args, 0)?;
    let bytes = base64_decode_go(source).map_err(|e| {
        let offset = match e {
            base64::DecodeError::InvalidByte(at, _)
            | base64::DecodeError::InvalidLastSymbol(at, _) => at,
            // Go reports an incomplete final quantum at its start.
            base64::DecodeError::InvalidLength(len) => len - len % 4,
            base64::DecodeError::InvalidPadding => source.len() - source.len() % 4,
        };
        FuncError::arg(
            0,
            format!("the given value is has an invalid base64 symbol at offset {offset}"),
        )
    })?;
    let decoded = charset_decode(charset, &bytes);
    if decoded.contains('\u{FFFD}') {
        return Err(FuncError::arg(
            0,
            format!("the given string contains symbols that are not defined for {iana}"),
        ));
    }
    Ok(Value::string(decoded))
}

// Upper halves (bytes 0x80..=0xFF) of x/text's single-byte code pages, and the full EBCDIC
// pages; U+FFFD marks an undefined byte.
const CP037: &str = "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{a0}âäàáãåçñ¢.<(+|&éêëèíîïìß!$*);¬\
    -/ÂÄÀÁÃÅÇÑ¦,%_>?øÉÊËÈÍÎÏÌ`:#@'=\u{22}\
    Øabcdefghi«»ðýþ±°jklmnopqrªºæ¸Æ¤\
    µ~stuvwxyz¡¿ÐÝÞ®^£¥·©§¶¼½¾[]¯¨´×\
    {ABCDEFGHI\u{ad}ôöòóõ}JKLMNOPQR¹ûüùúÿ\
    \u{5c}÷STUVWXYZ²ÔÖÒÓÕ0123456789³ÛÜÙÚ\u{9f}\
";
const CP437: &str = "\
    ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒ\
    áíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
";
const CP850: &str = "\
    ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒ\
    áíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐\
    └┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀\
    ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}\
";
const CP852: &str = "\
    ÇüéâäůćçłëŐőîŹÄĆÉĹĺôöĽľŚśÖÜŤťŁ×č\
    áíóúĄąŽžĘę¬źČş«»░▒▓│┤ÁÂĚŞ╣║╗╝Żż┐\
    └┴┬├─┼Ăă╚╔╩╦╠═╬¤đĐĎËďŇÍÎě┘┌█▄ŢŮ▀\
    ÓßÔŃńňŠšŔÚŕŰýÝţ´\u{ad}˝˛ˇ˘§÷¸°¨˙űŘř■\u{a0}\
";
const CP855: &str = "\
    ђЂѓЃёЁєЄѕЅіІїЇјЈљЉњЊћЋќЌўЎџЏюЮъЪ\
    аАбБцЦдДеЕфФгГ«»░▒▓│┤хХиИ╣║╗╝йЙ┐\
    └┴┬├─┼кК╚╔╩╦╠═╬¤лЛмМнНоОп┘┌█▄Пя▀\
    ЯрРсСтТуУжЖвВьЬ№\u{ad}ыЫзЗшШэЭщЩчЧ§■\u{a0}\
";
const CP858: &str = "\
    ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒ\
    áíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐\
    └┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀\
    ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}\
";
const CP860: &str = "\
    ÇüéâãàÁçêÊèÍÔìÃÂÉÀÈôõòÚùÌÕÜ¢£Ù₧Ó\
    áíóúñÑªº¿Ò¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
";
const CP862: &str = "\
    אבגדהוזחטיךכלםמןנסעףפץצקרשת¢£¥₧ƒ\
    áíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
";
const CP863: &str = "\
    ÇüéâÂà¶çêëèïî‗À§ÉÈÊôËÏûù¤ÔÜ¢£ÙÛƒ\
    ¦´óú¨¸³¯Î⌐¬½¼¾«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
";
const CP865: &str = "\
    ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø₧ƒ\
    áíóúñÑªº¿⌐¬½¼¡«¤░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
";
const CP866: &str = "\
    АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ\
    абвгдежзийклмноп░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    рстуфхцчшщъыьэюяЁёЄєЇїЎў°∙·√№¤■\u{a0}\
";
const CP1047: &str = "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{a0}âäàáãåçñ¢.<(+|&éêëèíîïìß!$*);^\
    -/ÂÄÀÁÃÅÇÑ¦,%_>?øÉÊËÈÍÎÏÌ`:#@'=\u{22}\
    Øabcdefghi«»ðýþ±°jklmnopqrªºæ¸Æ¤\
    µ~stuvwxyz¡¿Ð[Þ®¬£¥·©§¶¼½¾Ý¨¯]´×\
    {ABCDEFGHI\u{ad}ôöòóõ}JKLMNOPQR¹ûüùúÿ\
    \u{5c}÷STUVWXYZ²ÔÖÒÓÕ0123456789³ÛÜÙÚ\u{9f}\
";
const CP1140: &str = "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{a0}âäàáãåçñ¢.<(+|&éêëèíîïìß!$*);¬\
    -/ÂÄÀÁÃÅÇÑ¦,%_>?øÉÊËÈÍÎÏÌ`:#@'=\u{22}\
    Øabcdefghi«»ðýþ±°jklmnopqrªºæ¸Æ€\
    µ~stuvwxyz¡¿ÐÝÞ®^£¥·©§¶¼½¾[]¯¨´×\
    {ABCDEFGHI\u{ad}ôöòóõ}JKLMNOPQR¹ûüùúÿ\
    \u{5c}÷STUVWXYZ²ÔÖÒÓÕ0123456789³ÛÜÙÚ\u{9f}\
";
const ISO_8859_2: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}Ą˘Ł¤ĽŚ§¨ŠŞŤŹ\u{ad}ŽŻ°ą˛ł´ľśˇ¸šşťź˝žż\
    ŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢß\
    ŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙\
";
const ISO_8859_3: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}Ħ˘£¤\u{fffd}Ĥ§¨İŞĞĴ\u{ad}\u{fffd}Ż°ħ²³´µĥ·¸ışğĵ½\u{fffd}ż\
    ÀÁÂ\u{fffd}ÄĊĈÇÈÉÊËÌÍÎÏ\u{fffd}ÑÒÓÔĠÖ×ĜÙÚÛÜŬŜß\
    àáâ\u{fffd}äċĉçèéêëìíîï\u{fffd}ñòóôġö÷ĝùúûüŭŝ˙\
";
const ISO_8859_4: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}ĄĸŖ¤ĨĻ§¨ŠĒĢŦ\u{ad}Ž¯°ą˛ŗ´ĩļˇ¸šēģŧŊžŋ\
    ĀÁÂÃÄÅÆĮČÉĘËĖÍÎĪĐŅŌĶÔÕÖ×ØŲÚÛÜŨŪß\
    āáâãäåæįčéęëėíîīđņōķôõö÷øųúûüũū˙\
";
const ISO_8859_5: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}ЁЂЃЄЅІЇЈЉЊЋЌ\u{ad}ЎЏАБВГДЕЖЗИЙКЛМНОП\
    РСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмноп\
    рстуфхцчшщъыьэюя№ёђѓєѕіїјљњћќ§ўџ\
";
const ISO_8859_6: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}\u{fffd}\u{fffd}\u{fffd}¤\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}،\u{ad}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}؛\u{fffd}\u{fffd}\u{fffd}؟\
    \u{fffd}ءآأؤإئابةتثجحخدذرزسشصضطظعغ\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    ـفقكلمنهوىيًٌٍَُِّْ\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
";
const ISO_8859_7: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}‘’£€₯¦§¨©ͺ«¬\u{ad}\u{fffd}―°±²³΄΅Ά·ΈΉΊ»Ό½ΎΏ\
    ΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡ\u{fffd}ΣΤΥΦΧΨΩΪΫάέήί\
    ΰαβγδεζηθικλμνξοπρςστυφχψωϊϋόύώ\u{fffd}\
";
const ISO_8859_8: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}\u{fffd}¢£¤¥¦§¨©×«¬\u{ad}®¯°±²³´µ¶·¸¹÷»¼½¾\u{fffd}\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}‗\
    אבגדהוזחטיךכלםמןנסעףפץצקרשת\u{fffd}\u{fffd}\u{200e}\u{200f}\u{fffd}\
";
const ISO_8859_9: &str = "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯°±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏĞÑÒÓÔÕÖ×ØÙÚÛÜİŞß\
    àáâãäåæçèéêëìíîïğñòóôõö÷øùúûüışÿ\
";
const ISO_8859_10: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}ĄĒĢĪĨĶ§ĻĐŠŦŽ\u{ad}ŪŊ°ąēģīĩķ·ļđšŧž―ūŋ\
    ĀÁÂÃÄÅÆĮČÉĘËĖÍÎÏÐŅŌÓÔÕÖŨØŲÚÛÜÝÞß\
    āáâãäåæįčéęëėíîïðņōóôõöũøųúûüýþĸ\
";
const ISO_8859_13: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}”¢£¤„¦§Ø©Ŗ«¬\u{ad}®Æ°±²³“µ¶·ø¹ŗ»¼½¾æ\
    ĄĮĀĆÄÅĘĒČÉŹĖĢĶĪĻŠŃŅÓŌÕÖ×ŲŁŚŪÜŻŽß\
    ąįāćäåęēčéźėģķīļšńņóōõö÷ųłśūüżž’\
";
const ISO_8859_14: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}Ḃḃ£ĊċḊ§Ẁ©ẂḋỲ\u{ad}®ŸḞḟĠġṀṁ¶ṖẁṗẃṠỳẄẅṡ\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏŴÑÒÓÔÕÖṪØÙÚÛÜÝŶß\
    àáâãäåæçèéêëìíîïŵñòóôõöṫøùúûüýŷÿ\
";
const ISO_8859_15: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}¡¢£€¥Š§š©ª«¬\u{ad}®¯°±²³Žµ¶·ž¹º»ŒœŸ¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß\
    àáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ\
";
const ISO_8859_16: &str = "\
    \u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}ĄąŁ€„Š§š©Ș«Ź\u{ad}źŻ°±ČłŽ”¶·žčș»ŒœŸż\
    ÀÁÂĂÄĆÆÇÈÉÊËÌÍÎÏĐŃÒÓÔŐÖŚŰÙÚÛÜĘȚß\
    àáâăäćæçèéêëìíîïđńòóôőöśűùúûüęțÿ\
";
const KOI_8R: &str = "\
    ─│┌┐└┘├┤┬┴┼▀▄█▌▐░▒▓⌠■∙√≈≤≥\u{a0}⌡°²·÷\
    ═║╒ё╓╔╕╖╗╘╙╚╛╜╝╞╟╠╡Ё╢╣╤╥╦╧╨╩╪╫╬©\
    юабцдефгхийклмнопярстужвьызшэщчъ\
    ЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ\
";
const KOI_8U: &str = "\
    ─│┌┐└┘├┤┬┴┼▀▄█▌▐░▒▓⌠■∙√≈≤≥\u{a0}⌡°²·÷\
    ═║╒ёє╔ії╗╘╙╚╛ґў╞╟╠╡ЁЄ╣ІЇ╦╧╨╩╪ҐЎ©\
    юабцдефгхийклмнопярстужвьызшэщчъ\
    ЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ\
";
const MACINTOSH: &str = "\
    ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü\
    †°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø\
    ¿¡¬√ƒ≈∆«»…\u{a0}ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ\
    ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ\
";
const WINDOWS_874: &str = "\
    €\u{fffd}\u{fffd}\u{fffd}\u{fffd}…\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}‘’“”•–—\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟ\
    ภมยรฤลฦวศษสหฬอฮฯะัาำิีึืฺุู\u{fffd}\u{fffd}\u{fffd}\u{fffd}฿\
    เแโใไๅๆ็่้๊๋์ํ๎๏๐๑๒๓๔๕๖๗๘๙๚๛\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
";
const WINDOWS_1250: &str = "\
    €\u{fffd}‚\u{fffd}„…†‡\u{fffd}‰Š‹ŚŤŽŹ\u{fffd}‘’“”•–—\u{fffd}™š›śťžź\
    \u{a0}ˇ˘Ł¤Ą¦§¨©Ş«¬\u{ad}®Ż°±˛ł´µ¶·¸ąş»Ľ˝ľż\
    ŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢß\
    ŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙\
";
const WINDOWS_1251: &str = "\
    ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\u{fffd}™љ›њќћџ\
    \u{a0}ЎўЈ¤Ґ¦§Ё©Є«¬\u{ad}®Ї°±Ііґµ¶·ё№є»јЅѕї\
    АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ\
    абвгдежзийклмнопрстуфхцчшщъыьэюя\
";
const WINDOWS_1252: &str = "\
    €\u{fffd}‚ƒ„…†‡ˆ‰Š‹Œ\u{fffd}Ž\u{fffd}\u{fffd}‘’“”•–—˜™š›œ\u{fffd}žŸ\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯°±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß\
    àáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ\
";
const WINDOWS_1253: &str = "\
    €\u{fffd}‚ƒ„…†‡\u{fffd}‰\u{fffd}‹\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}‘’“”•–—\u{fffd}™\u{fffd}›\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}΅Ά£¤¥¦§¨©\u{fffd}«¬\u{ad}®―°±²³΄µ¶·ΈΉΊ»Ό½ΎΏ\
    ΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡ\u{fffd}ΣΤΥΦΧΨΩΪΫάέήί\
    ΰαβγδεζηθικλμνξοπρςστυφχψωϊϋόύώ\u{fffd}\
";
const WINDOWS_1254: &str = "\
    €\u{fffd}‚ƒ„…†‡ˆ‰Š‹Œ\u{fffd}\u{fffd}\u{fffd}\u{fffd}‘’“”•–—˜™š›œ\u{fffd}\u{fffd}Ÿ\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯°±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏĞÑÒÓÔÕÖ×ØÙÚÛÜİŞß\
    àáâãäåæçèéêëìíîïğñòóôõö÷øùúûüışÿ\
";
const WINDOWS_1255: &str = "\
    €\u{fffd}‚ƒ„…†‡ˆ‰\u{fffd}‹\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}‘’“”•–—˜™\u{fffd}›\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    \u{a0}¡¢£₪¥¦§¨©×«¬\u{ad}®¯°±²³´µ¶·¸¹÷»¼½¾¿\
    ְֱֲֳִֵֶַָֹֺֻּֽ־ֿ׀ׁׂ׃װױײ׳״\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\
    אבגדהוזחטיךכלםמןנסעףפץצקרשת\u{fffd}\u{fffd}\u{200e}\u{200f}\u{fffd}\
";
const WINDOWS_1256: &str = "\
    €پ‚ƒ„…†‡ˆ‰ٹ‹Œچژڈگ‘’“”•–—ک™ڑ›œ\u{200c}\u{200d}ں\
    \u{a0}،¢£¤¥¦§¨©ھ«¬\u{ad}®¯°±²³´µ¶·¸¹؛»¼½¾؟\
    ہءآأؤإئابةتثجحخدذرزسشصض×طظعغـفقك\
    àلâمنهوçèéêëىيîïًٌٍَôُِ÷ّùْûü\u{200e}\u{200f}ے\
";
const WINDOWS_1257: &str = "\
    €\u{fffd}‚\u{fffd}„…†‡\u{fffd}‰\u{fffd}‹\u{fffd}¨ˇ¸\u{fffd}‘’“”•–—\u{fffd}™\u{fffd}›\u{fffd}¯˛\u{fffd}\
    \u{a0}\u{fffd}¢£¤\u{fffd}¦§Ø©Ŗ«¬\u{ad}®Æ°±²³´µ¶·ø¹ŗ»¼½¾æ\
    ĄĮĀĆÄÅĘĒČÉŹĖĢĶĪĻŠŃŅÓŌÕÖ×ŲŁŚŪÜŻŽß\
    ąįāćäåęēčéźėģķīļšńņóōõö÷ųłśūüżž˙\
";
const WINDOWS_1258: &str = "\
    €\u{fffd}‚ƒ„…†‡ˆ‰\u{fffd}‹Œ\u{fffd}\u{fffd}\u{fffd}\u{fffd}‘’“”•–—˜™\u{fffd}›œ\u{fffd}\u{fffd}Ÿ\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯°±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂĂÄÅÆÇÈÉÊË̀ÍÎÏĐÑ̉ÓÔƠÖ×ØÙÚÛÜỮß\
    àáâăäåæçèéêë́íîïđṇ̃óôơö÷øùúûüư₫ÿ\
";

#[cfg(test)]
mod tests {
    use super::super::{call_builtin, CallError};
    use crate::value::{Attrs, Number, Type, Value};

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    fn num(v: &str) -> Value {
        Value::Number(Number::parse(v).unwrap())
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v))
                .collect::<Attrs>(),
        )
    }

    fn call(name: &str, args: &[Value]) -> Result<Value, CallError> {
        call_builtin(name, args)
    }

    fn text(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => v
                .as_str()
                .unwrap_or_else(|| panic!("{name}: {v}"))
                .to_string(),
            Err(e) => panic!("{name}: {}", e.detail),
        }
    }

    fn err(name: &str, args: &[Value]) -> String {
        call(name, args).unwrap_err().detail
    }

    fn list(items: Vec<Value>) -> Value {
        Value::tuple(items)
    }

    #[test]
    fn jsonencode_sorts_keys_and_escapes_like_go() {
        assert_eq!(
            text("jsonencode", &[obj(vec![("hello", s("world"))])]),
            "{\"hello\":\"world\"}"
        );
        assert_eq!(
            text("jsonencode", &[obj(vec![("hello", s("<cats & kittens>"))])]),
            "{\"hello\":\"\\u003ccats \\u0026 kittens\\u003e\"}"
        );
        assert_eq!(
            text("jsonencode", &[s("\u{1}\u{7f}\u{2028}\u{2029}\n\t\"\\é😀")]),
            "\"\\u0001\u{7f}\\u2028\\u2029\\n\\t\\\"\\\\é😀\""
        );
        let v = obj(vec![
            ("b", Value::int(1)),
            ("a", list(vec![Value::Bool(true), Value::empty_object()])),
            ("é", list(vec![])),
            ("A", Value::int(2)),
        ]);
        assert_eq!(
            text("jsonencode", &[v]),
            "{\"A\":2,\"a\":[true,{}],\"b\":1,\"é\":[]}"
        );
        let set = Value::set(Type::String, vec![s("b"), s("a")]);
        assert_eq!(text("jsonencode", &[set]), "[\"a\",\"b\"]");
        assert_eq!(text("jsonencode", &[Value::NULL]), "null");
        assert_eq!(
            text(
                "jsonencode",
                &[list(vec![Value::NULL, Value::Null(Type::String)])]
            ),
            "[null,null]"
        );
    }

    #[test]
    fn jsonencode_keeps_number_precision_and_refuses_infinity() {
        assert_eq!(text("jsonencode", &[num("0.1")]), "0.1");
        assert_eq!(
            text("jsonencode", &[num("1e30")]),
            "1000000000000000000000000000000"
        );
        assert_eq!(text("jsonencode", &[num("-0.000001")]), "-0.000001");
        assert_eq!(
            text(
                "jsonencode",
                &[num("123456789012345678901234567890.123456789")]
            ),
            "123456789012345678901234567890.123456789"
        );
        assert_eq!(
            err("jsonencode", &[Value::Number(Number::PosInf)]),
            "Call to function \"jsonencode\" failed: cannot serialize infinity as JSON."
        );
    }

    #[test]
    fn jsonencode_is_unknown_for_nested_unknowns_and_sensitive_for_nested_secrets() {
        let v = call("jsonencode", &[list(vec![Value::int(1), Value::unknown()])]).unwrap();
        assert!(!v.is_known());
        let v = call("jsonencode", &[list(vec![Value::int(1).mark_sensitive()])]).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(v.unmark().0.as_str(), Some("[1]"));
    }

    #[test]
    fn jsondecode_builds_objects_and_tuples() {
        let v = call("jsondecode", &[s("{\"hello\": \"world\"}")]).unwrap();
        assert_eq!(
            v.ty(),
            Type::object([("hello".into(), Type::String)].into_iter().collect())
        );
        let v = call(
            "jsondecode",
            &[s(
                "[1, 2.5, 1e400, \"x\", null, true, {}, \"\\ud83d\\ude00\", \"\\ud83d\"]",
            )],
        )
        .unwrap();
        let items = v.as_seq().unwrap();
        assert!(matches!(v, Value::Tuple(_)));
        assert_eq!(items[1].to_string(), "2.5");
        assert!(items[2].to_string().starts_with("1000000000"));
        assert!(items[4].is_null());
        assert_eq!(items[7].as_str(), Some("😀"));
        assert_eq!(items[8].as_str(), Some("\u{FFFD}"));
        let v = call("jsondecode", &[s("{\"a\":1,\"a\":2}")]).unwrap();
        assert_eq!(v.to_string(), "{\n  \"a\" = 2\n}");
        assert!(call("jsondecode", &[s("null")]).unwrap().is_null());
        assert_eq!(call("jsondecode", &[s("1 ]")]).unwrap().to_string(), "1");
    }

    #[test]
    fn jsondecode_errors_read_like_go() {
        let cases = [
            ("", "EOF"),
            ("   ", "EOF"),
            ("{", "EOF"),
            ("[1", "EOF"),
            (
                "[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            ("x", "invalid character 'x' looking for beginning of value"),
            ("1 2", "extraneous data after JSON object"),
            ("{} x", "extraneous data after JSON object"),
            ("01", "extraneous data after JSON object"),
            ("\"\t\"", "invalid character '\\t' in string literal"),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            ("{1}", "invalid character '1'"),
            ("[1x]", "invalid character 'x' after array element"),
            ("\"\\x\"", "invalid character 'x' in string escape code"),
            (
                "\"\\u12x4\"",
                "invalid character 'x' in \\u hexadecimal character escape",
            ),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                "1ex",
                "invalid character 'x' in exponent of numeric literal",
            ),
            ("-", "unexpected EOF"),
            ("tru", "unexpected EOF"),
            ("\"abc", "unexpected EOF"),
            (
                "nulx",
                "invalid character 'x' in literal null (expecting 'l')",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                err("jsondecode", &[s(input)]),
                format!("Call to function \"jsondecode\" failed: {want}."),
                "{input:?}"
            );
        }
    }

    #[test]
    fn jsondecode_refuses_absurd_nesting_without_overflowing() {
        let deep = "[".repeat(100_000);
        assert!(err("jsondecode", &[s(&deep)]).contains("exceeded max depth"));
    }

    fn yaml(v: Value) -> String {
        text("yamlencode", &[v])
    }

    #[test]
    fn yamlencode_matches_terraform_byte_for_byte() {
        assert_eq!(
            yaml(list(vec![s("foo"), s("bar"), Value::Bool(true)])),
            "- \"foo\"\n- \"bar\"\n- true\n"
        );
        assert_eq!(yaml(Value::Bool(true)), "true\n...\n");
        assert_eq!(
            yaml(obj(vec![("a", s("b")), ("c", s("d"))])),
            "\"a\": \"b\"\n\"c\": \"d\"\n"
        );
        let cases: Vec<(Value, &str)> = vec![
            (s("a"), "\"a\"\n"),
            (s(""), "\"\"\n"),
            (Value::int(1), "1\n...\n"),
            (num("-1.5e-7"), "-0.00000015\n...\n"),
            (Value::NULL, "null\n...\n"),
            (list(vec![]), "[]\n"),
            (Value::empty_object(), "{}\n"),
            (s("a\nb"), "|-\n  a\n  b\n"),
            (s("a\nb\n"), "|\n  a\n  b\n"),
            (s("a\nb\n\n"), "|+\n  a\n  b\n\n"),
            (s(" a\nb"), "|2-\n   a\n  b\n"),
            (s("a \nb"), "\"a \\nb\"\n"),
            (s("\n"), "|2+\n\n"),
            (list(vec![s("\r\n")]), "- \"\\r\\n\"\n"),
            (Value::list(Type::Dynamic, vec![Value::NULL]), "- null\n"),
            (
                list(vec![list(vec![s("a\n  b"), s("c")])]),
                "- - |-\n    a\n      b\n  - \"c\"\n",
            ),
            (
                obj(vec![("a", obj(vec![("b", s("x\ny"))]))]),
                "\"a\":\n  \"b\": |-\n    x\n    y\n",
            ),
            (
                list(vec![
                    obj(vec![("a", Value::int(1)), ("b", Value::int(2))]),
                    list(vec![Value::int(3), Value::int(4)]),
                    s("x\ny"),
                    Value::empty_object(),
                ]),
                "- \"a\": 1\n  \"b\": 2\n- - 3\n  - 4\n- |-\n  x\n  y\n- {}\n",
            ),
        ];
        for (value, want) in cases {
            assert_eq!(yaml(value.clone()), want, "{value}");
        }
    }

    #[test]
    fn yamlencode_nests_and_uses_complex_keys_like_libyaml() {
        let v = obj(vec![
            ("a", list(vec![Value::int(1), Value::int(2)])),
            ("b", obj(vec![("c", s("x\ny")), ("d", list(vec![]))])),
            (
                "e",
                list(vec![
                    list(vec![Value::int(1), list(vec![Value::int(2)])]),
                    obj(vec![("f", Value::int(1))]),
                ]),
            ),
            ("g\nh", Value::int(1)),
        ]);
        assert_eq!(
            yaml(v),
            "\"a\":\n- 1\n- 2\n\"b\":\n  \"c\": |-\n    x\n    y\n  \"d\": []\n\"e\":\n- - 1\n  - - 2\n- \"f\": 1\n? |-\n  g\n  h\n: 1\n"
        );
        let long_key = "k".repeat(129);
        assert_eq!(
            yaml(obj(vec![(&long_key, Value::int(1))])),
            format!("? \"{long_key}\"\n: 1\n")
        );
    }

    #[test]
    fn yamlencode_escapes_and_folds_double_quoted_strings() {
        assert_eq!(
            yaml(s(
                "tab\there \u{1} \u{a0} \u{85} \u{2028} é 😀 \"q\" \\ \u{feff}"
            )),
            "\"tab\\there \\x01 \u{a0} \\N \\L é \\U0001F600 \\\"q\\\" \\\\ \\uFEFF\"\n"
        );
        assert_eq!(yaml(s("\u{feff}abc")), "\"\\uFEFF\\x61\\x62\\x63\"\n");
        let long = format!(
            "{} {} {}  {} eeee",
            "a".repeat(78),
            "b".repeat(19),
            "c".repeat(10),
            "d".repeat(83)
        );
        assert_eq!(
            yaml(s(&long)),
            format!(
                "\"{} {}\n  {}  {}\n  eeee\"\n",
                "a".repeat(78),
                "b".repeat(19),
                "c".repeat(10),
                "d".repeat(83)
            )
        );
        let key = format!("{} {}", "k".repeat(83), "k".repeat(43));
        let value = format!(
            "{} {} {} {}",
            "v".repeat(25),
            "v".repeat(26),
            "v".repeat(31),
            "v".repeat(19)
        );
        assert_eq!(
            yaml(obj(vec![(&key, s(&value))])),
            format!(
                "\"{key}\": \"{}\n  {} {} {}\"\n",
                "v".repeat(25),
                "v".repeat(26),
                "v".repeat(31),
                "v".repeat(19)
            )
        );
    }

    #[test]
    fn yamlencode_of_unknown_or_sensitive_parts() {
        let v = call("yamlencode", &[obj(vec![("a", Value::unknown())])]).unwrap();
        assert!(!v.is_known());
        let v = call("yamlencode", &[list(vec![s("x").mark_sensitive()])]).unwrap();
        assert!(v.is_sensitive());
    }

    fn ydec(src: &str) -> Result<Value, String> {
        call("yamldecode", &[s(src)]).map_err(|e| e.detail)
    }

    #[test]
    fn yamldecode_resolves_scalars_as_go_cty_yaml() {
        assert_eq!(
            ydec("key: 0ba").unwrap().to_string(),
            "{\n  \"key\" = \"0ba\"\n}"
        );
        assert_eq!(ydec("true").unwrap().as_bool(), Some(true));
        assert!(ydec("~").unwrap().is_null());
        let v = ydec(
            "a: 1\nb: [x, 'y', \"z\"]\nc: {d: null, e: ~}\nf: yes\ng: off\nh: 0x1F\ni: 1_000\nj: 0o17\nk: .5\nl: -.inf\nm: 2001-12-14\ntz: 2001-12-14t21:59:43.10-05:00\no: !!str 123\np: 017\nq: 1e3\nr: +12\ns: 2001-12-14 21:59:43.10\n",
        )
        .unwrap();
        let a = v.as_attrs().unwrap();
        let get = |k: &str| a.get(k).unwrap().clone();
        assert_eq!(get("a").to_string(), "1");
        assert_eq!(get("b").to_string(), "[\n  \"x\",\n  \"y\",\n  \"z\",\n]");
        assert!(get("c").as_attrs().unwrap().values().all(Value::is_null));
        assert_eq!(get("f").as_bool(), Some(true));
        assert_eq!(get("g").as_bool(), Some(false));
        assert_eq!(get("h").to_string(), "31");
        assert_eq!(get("i").to_string(), "1000");
        assert_eq!(get("j").to_string(), "15");
        assert_eq!(get("k").to_string(), "0.5");
        assert_eq!(get("l").as_number(), Some(&Number::NegInf));
        assert_eq!(get("m").as_str(), Some("2001-12-14T00:00:00Z"));
        assert_eq!(get("tz").as_str(), Some("2001-12-14T21:59:43-05:00"));
        assert_eq!(get("o").as_str(), Some("123"));
        assert_eq!(get("p").to_string(), "17");
        assert_eq!(get("q").to_string(), "1000");
        assert_eq!(get("r").to_string(), "12");
        assert_eq!(get("s").as_str(), Some("2001-12-14T21:59:43Z"));
    }

    #[test]
    fn yamldecode_follows_anchors_merges_and_tags() {
        let v = ydec("- &a {x: 1}\n- *a\n- <<: *a\n  y: 2\n").unwrap();
        assert_eq!(
            v.to_string(),
            "[\n  {\n    \"x\" = 1\n  },\n  {\n    \"x\" = 1\n  },\n  {\n    \"true\" = 2\n    \"x\" = 1\n  },\n]"
        );
        assert_eq!(
            ydec("1: 2\ntrue: 3\n").unwrap().to_string(),
            "{\n  \"1\" = 2\n  \"true\" = 3\n}"
        );
        assert_eq!(
            ydec("x: |\n  a\n  b\n").unwrap().as_attrs().unwrap()["x"].as_str(),
            Some("a\nb\n")
        );
        assert_eq!(ydec("\"\\t\"").unwrap().as_str(), Some("\t"));
        assert_eq!(
            ydec("!!binary aGVsbG8=").unwrap().as_str(),
            Some("aGVsbG8=")
        );
        assert_eq!(ydec("!!float 1").unwrap().to_string(), "1");
        assert_eq!(ydec("!!bool yes").unwrap().as_bool(), Some(true));
        assert_eq!(
            ydec("!!timestamp 2001-12-14").unwrap().as_str(),
            Some("2001-12-14T00:00:00Z")
        );
    }

    #[test]
    fn yamldecode_errors_read_like_terraform() {
        let cases = [
            (
                "a: [1\n",
                "on line 1, column 1: did not find expected ',' or ']'",
            ),
            ("a: b: c", "mapping values are not allowed in this context"),
            (
                "- a\nb: c",
                "on line 1, column 1: did not find expected '-' indicator",
            ),
            (
                "---\na\n---\nb",
                "on line 2, column 1: unexpected extra content after value",
            ),
            ("", "on line 1, column 1: missing start of document"),
            ("*x", "reference to undefined anchor \"x\""),
            (
                "&a [*a]",
                "cannot refer to anchor \"a\" from inside its own definition",
            ),
            ("!!int abc", "cannot parse \"abc\" as tag:yaml.org,2002:int"),
            ("!foo x", "unsupported tag \"!foo\""),
            ("? [a]\n: b", "only strings are allowed as mapping keys"),
            (".nan", "floating point NaN is not supported"),
            (
                "a:\n\tb",
                "on line 2, column 1: found character that cannot start any token",
            ),
            (
                "!!binary aGVsbG8",
                "cannot parse \"aGVsbG8\" as tag:yaml.org,2002:binary: not valid base64",
            ),
            ("!!bool x", "cannot parse \"x\" as tag:yaml.org,2002:bool"),
        ];
        for (input, want) in cases {
            assert_eq!(
                ydec(input).unwrap_err(),
                format!("Call to function \"yamldecode\" failed: {want}."),
                "{input:?}"
            );
        }
    }

    #[test]
    fn yamldecode_refuses_alias_bombs() {
        let mut doc = String::from(
            "a0: &a0 [\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]\n",
        );
        for i in 1..40 {
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        assert!(ydec(&doc).unwrap_err().contains("too large"));
        let deep = "[".repeat(10_000);
        assert!(ydec(&deep).is_err());
    }

    #[test]
    fn csvdecode_reads_rows_as_objects_of_strings() {
        let v = call("csvdecode", &[s("a,b,c\n1,2,3\n4,5,6")]).unwrap();
        let abc = Type::object(
            ["a", "b", "c"]
                .iter()
                .map(|k| ((*k).into(), Type::String))
                .collect(),
        );
        assert_eq!(v.ty(), Type::list(abc));
        assert_eq!(
            v.as_seq().unwrap()[1].as_attrs().unwrap()["c"].as_str(),
            Some("6")
        );
        let v = call(
            "csvdecode",
            &[s("a,b\n\n1,\"x\"\"y\"\r\n\"multi\nline\",z\n")],
        )
        .unwrap();
        let rows = v.as_seq().unwrap();
        assert_eq!(rows[0].as_attrs().unwrap()["b"].as_str(), Some("x\"y"));
        assert_eq!(
            rows[1].as_attrs().unwrap()["a"].as_str(),
            Some("multi\nline")
        );
        let v = call("csvdecode", &[s("a")]).unwrap();
        assert_eq!(v.as_seq().map(<[Value]>::len), Some(0));
        assert!(matches!(v, Value::List(..)));
        let v = call("csvdecode", &[s("a,b\n 1 , 2 ")]).unwrap();
        assert_eq!(
            v.as_seq().unwrap()[0].as_attrs().unwrap()["a"].as_str(),
            Some(" 1 ")
        );
        let v = call("csvdecode", &[s("\"a\nb\",c\n1,2\n")]).unwrap();
        assert_eq!(
            v.as_seq().unwrap()[0].as_attrs().unwrap()["a\nb"].as_str(),
            Some("1")
        );
    }

    #[test]
    fn csvdecode_errors_read_like_go() {
        let cases = [
            ("", "missing header line"),
            (
                "a,b\n1,2,3",
                "CSV parse error on line 2: wrong number of fields",
            ),
            ("a,a\n1,2", "duplicate column name \"a\""),
            (
                "a,b\n1,x\"y",
                "CSV parse error on line 2: bare \" in non-quoted-field",
            ),
            (
                "a,b\n1,\"x\"y",
                "CSV parse error on line 2: extraneous or missing \" in quoted-field",
            ),
            (
                "a,b\n1,\"xy",
                "CSV parse error on line 3: extraneous or missing \" in quoted-field",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                err("csvdecode", &[s(input)]),
                format!("Call to function \"csvdecode\" failed: {want}."),
                "{input:?}"
            );
        }
    }

    #[test]
    fn base64_functions_match_terraform() {
        assert_eq!(
            text("base64encode", &[s("abc123!?$*&()'-=@~")]),
            "YWJjMTIzIT8kKiYoKSctPUB+"
        );
        assert_eq!(
            text("base64decode", &[s("YWJjMTIzIT8kKiYoKSctPUB+")]),
            "abc123!?$*&()'-=@~"
        );
        assert_eq!(text("base64decode", &[s("YR==")]), "a");
        for bad in ["dfg", "this-is-an-invalid-base64-data", "YQ==\nYQ=="] {
            assert_eq!(
                err("base64decode", &[s(bad)]),
                format!("Call to function \"base64decode\" failed: failed to decode base64 data '{bad}'.")
            );
        }
        assert_eq!(
            err("base64decode", &[s("whee")]),
            "Call to function \"base64decode\" failed: the result of decoding the provided string is not valid UTF-8."
        );
        let v = call(
            "base64decode",
            &[s("YWJjMTIzIT8kKiYoKSctPUB+").mark_sensitive()],
        )
        .unwrap();
        assert!(v.is_sensitive());
        let e = err("base64decode", &[s("dfg").mark_sensitive()]);
        assert!(e.contains("'dfg'"), "{e}");
    }

    #[test]
    fn base64gzip_matches_go_and_round_trips() {
        assert_eq!(
            text("base64gzip", &[s("test")]),
            "H4sIAAAAAAAA/ypJLS4BAAAA//8BAAD//wx+f9gEAAAA"
        );
        let long = "hello hello hello hello hello hello hello hello world, this is some longer text to compress with repeats repeats repeats";
        let zipped = text("base64gzip", &[s(long)]);
        assert_eq!(text("base64gunzip", &[s(&zipped)]), long);
        assert_eq!(
            text(
                "base64gunzip",
                &[s("H4sIAAAAAAAA/wAEAPv/dGVzdAAAAP//AwAMfn/YBAAAAA==")]
            ),
            "test"
        );
        assert!(err("base64gunzip", &[s("dGVzdA==")]).contains("failed to read gunzip raw data"));
    }

    #[test]
    fn base64gunzip_refuses_bombs() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..65 {
            gz.write_all(&zeros).unwrap();
        }
        let bomb = super::base64_std(&gz.finish().unwrap());
        assert!(err("base64gunzip", &[s(&bomb)]).contains("larger than 64 MiB"));
    }

    #[test]
    fn url_functions_follow_go_query_escaping() {
        assert_eq!(text("urlencode", &[s("abc123-_")]), "abc123-_");
        assert_eq!(text("urlencode", &[s("foo/bar")]), "foo%2Fbar");
        assert_eq!(
            text("urlencode", &[s("foo:bar@localhost?foo=bar&bar=baz")]),
            "foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz"
        );
        assert_eq!(
            text("urlencode", &[s("mailto:email?subject=this+is+my+subject")]),
            "mailto%3Aemail%3Fsubject%3Dthis%2Bis%2Bmy%2Bsubject"
        );
        assert_eq!(text("urlencode", &[s("a b/é~*")]), "a+b%2F%C3%A9~%2A");
        assert_eq!(
            text(
                "urldecode",
                &[s("foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz")]
            ),
            "foo:bar@localhost?foo=bar&bar=baz"
        );
        assert_eq!(text("urldecode", &[s("a+b%2F%C3%A9")]), "a b/é");
        assert!(err("urldecode", &[s("100%zz")]).contains("invalid URL escape \"%zz\""));
        assert!(err("urldecode", &[s("%4")]).contains("invalid URL escape \"%4\""));
    }

    #[test]
    fn textencodebase64_uses_iana_names() {
        let enc = |v: &str, e: &str| text("textencodebase64", &[s(v), s(e)]);
        assert_eq!(
            enc("abc123!?$*&()'-=@~", "UTF-8"),
            "YWJjMTIzIT8kKiYoKSctPUB+"
        );
        assert_eq!(
            enc("abc123!?$*&()'-=@~", "CP936"),
            "YWJjMTIzIT8kKiYoKSctPUB+"
        );
        assert_eq!(
            enc("abc123!?$*&()'-=@~", "UTF-16LE"),
            "YQBiAGMAMQAyADMAIQA/ACQAKgAmACgAKQAnAC0APQBAAH4A"
        );
        assert_eq!(enc("test", "UTF-16LE"), "dABlAHMAdAA=");
        assert_eq!(enc("abc", "UTF-16"), "/v8AYQBiAGM=");
        assert_eq!(enc("€", "windows-1252"), "gA==");
        assert_eq!(enc("é", "ISO-8859-1"), "6Q==");
        assert_eq!(enc("x", " utf-8 "), "eA==");
        assert_eq!(enc("日本", "Shift_JIS"), "k/qWew==");
        assert_eq!(enc("日本", "EUC-JP"), "xvzL3A==");
        assert_eq!(enc("AB", "IBM037"), "wcI=");
        assert_eq!(
            err("textencodebase64", &[s("abc"), s("NOT-EXISTS")]),
            "Invalid value for \"encoding\" parameter: \"NOT-EXISTS\" is not a supported IANA encoding name or alias in this Terraform version."
        );
        assert_eq!(
            err("textencodebase64", &[s("🤔"), s("cp437")]),
            "Invalid value for \"string\" parameter: the given string contains characters that cannot be represented in IBM437."
        );
        assert_eq!(
            err("textencodebase64", &[s("€"), s("latin1")]),
            "Invalid value for \"string\" parameter: the given string contains characters that cannot be represented in ISO_8859-1:1987."
        );
    }

    #[test]
    fn textdecodebase64_rejects_undefined_symbols_and_bad_base64() {
        let dec = |v: &str, e: &str| text("textdecodebase64", &[s(v), s(e)]);
        assert_eq!(
            dec(
                "YQBiAGMAMQAyADMAIQA/ACQAKgAmACgAKQAnAC0APQBAAH4A",
                "UTF-16LE"
            ),
            "abc123!?$*&()'-=@~"
        );
        assert_eq!(
            dec("YWJjMTIzIT8kKiYoKSctPUB+", "CP936"),
            "abc123!?$*&()'-=@~"
        );
        assert_eq!(
            dec("YWJjMTIzIT8kKiYoKSctPUB+", "UTF-8"),
            "abc123!?$*&()'-=@~"
        );
        assert_eq!(dec("dABlAHMAdAA=", "UTF-16LE"), "test");
        assert_eq!(dec("/v8AYQ==", "UTF-16"), "a");
        assert_eq!(dec("//5hAA==", "UTF-16"), "a");
        assert_eq!(dec("Y\nQ==", "UTF-8"), "a");
        let e = |v: &str, enc: &str| err("textdecodebase64", &[s(v), s(enc)]);
        assert_eq!(
            e("<invalid base64>", "cp437"),
            "Invalid value for \"source\" parameter: the given value is has an invalid base64 symbol at offset 0."
        );
        assert!(e("YQ", "UTF-8").ends_with("invalid base64 symbol at offset 0."));
        assert!(e("YQ=x", "UTF-8").ends_with("invalid base64 symbol at offset 2."));
        assert_eq!(
            e("doesn't matter", "NOT-EXISTS"),
            "Invalid value for \"encoding\" parameter: \"NOT-EXISTS\" is not a supported IANA encoding name or alias in this Terraform version."
        );
        assert_eq!(
            e("gQ==", "windows-1250"),
            "Invalid value for \"source\" parameter: the given string contains symbols that are not defined for windows-1250."
        );
        assert!(e("gA==", "us-ascii").ends_with("not defined for US-ASCII."));
    }

    #[test]
    fn every_charset_table_has_the_right_length() {
        for (name, _, charset) in super::CHARSETS {
            match charset {
                super::Charset::HighHalf(t) => assert_eq!(t.chars().count(), 128, "{name}"),
                super::Charset::Full(t) => assert_eq!(t.chars().count(), 256, "{name}"),
                _ => {}
            }
        }
    }
}
