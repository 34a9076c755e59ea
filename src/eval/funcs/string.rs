//! Terraform's string functions: `join`, `split`, `replace`, `regex`, `regexall`, `format`,
//! `formatlist`, the trim family, case conversion, `indent`, `substr`, `strrev`, and the newer
//! `startswith`, `endswith` and `strcontains`.
//!
//! Terraform 1.0.3 implements these in go-cty on top of Go's standard library, and the Go
//! behaviour shows through, so it is copied here: RE2 patterns with Go's syntax, error texts and
//! `$` expansion (translated to the `regex` crate's syntax); `fmt` verbs applied to cty's numbers,
//! which are 512-bit binary floats (so `format("%f", 1e300)` prints the binary value's digits);
//! Go's one-rune-to-one-rune case mappings; lengths in grapheme clusters; and every result string
//! normalised to NFC, as `cty.StringVal` does.

use super::{FuncContext, FuncError, FuncImpl, FuncResult, FuncTable, Function, Param};
use crate::value::{convert, go_quote, Number, Type, Value};
use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Zero};
use regex::{Captures, Regex, RegexBuilder};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;

pub fn register(t: &mut FuncTable) {
    let string = |name| Param::new(name, Type::String);
    let str_to_str: [(&'static str, FuncImpl); 6] = [
        ("lower", lower),
        ("upper", upper),
        ("title", title),
        ("trimspace", trimspace),
        ("chomp", chomp),
        ("strrev", strrev),
    ];
    for (name, imp) in str_to_str {
        t.add(Function::new(name, vec![string("str")], Type::String, imp));
    }
    t.add(
        Function::new("join", vec![string("separator")], Type::String, join)
            .variadic(Param::new("lists", Type::list(Type::String))),
    );
    t.add(Function::new(
        "split",
        vec![string("separator"), string("str")],
        Type::list(Type::String),
        split,
    ));
    t.add(Function::new(
        "replace",
        vec![string("str"), string("substr"), string("replace")],
        Type::String,
        replace,
    ));
    // The result type of `regex` depends on the pattern, which Terraform checks even while the
    // string is still unknown; hence `string` reaches the implementation when unknown.
    t.add(Function::new(
        "regex",
        vec![string("pattern"), string("string").allow_unknown()],
        Type::Dynamic,
        regex,
    ));
    t.add(Function::new(
        "regexall",
        vec![string("pattern"), string("string").allow_unknown()],
        Type::list(Type::Dynamic),
        regexall,
    ));
    t.add(
        Function::new("format", vec![string("format")], Type::String, format)
            .variadic(Param::new("args", Type::Dynamic).allow_null()),
    );
    t.add(
        Function::new(
            "formatlist",
            vec![string("format")],
            Type::list(Type::String),
            formatlist,
        )
        .variadic(
            Param::new("args", Type::Dynamic)
                .allow_null()
                .allow_unknown(),
        ),
    );
    t.add(Function::new(
        "trim",
        vec![string("str"), string("cutset")],
        Type::String,
        trim,
    ));
    t.add(Function::new(
        "trimprefix",
        vec![string("str"), string("prefix")],
        Type::String,
        trimprefix,
    ));
    t.add(Function::new(
        "trimsuffix",
        vec![string("str"), string("suffix")],
        Type::String,
        trimsuffix,
    ));
    t.add(Function::new(
        "indent",
        vec![Param::new("spaces", Type::Number), string("str")],
        Type::String,
        indent,
    ));
    t.add(Function::new(
        "substr",
        vec![
            string("str"),
            Param::new("offset", Type::Number),
            Param::new("length", Type::Number),
        ],
        Type::String,
        substr,
    ));
    // Current Terraform knows that any string, even an unknown one, starts with "".
    t.add(Function::new(
        "startswith",
        vec![string("str").allow_unknown(), string("prefix")],
        Type::Bool,
        startswith,
    ));
    t.add(Function::new(
        "endswith",
        vec![string("str"), string("suffix")],
        Type::Bool,
        endswith,
    ));
    t.add(Function::new(
        "strcontains",
        vec![string("str"), string("substr")],
        Type::Bool,
        strcontains,
    ));
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// Results longer than this are refused rather than allowed to exhaust memory (`indent`,
/// `replace`, `join` and `format` can multiply their input).
const MAX_RESULT_BYTES: usize = 128 << 20;

/// Lists longer than this are refused (`split("", huge)`, `regexall` with an empty match).
const MAX_RESULT_ELEMENTS: usize = 1 << 22;

/// Refuses a result of `len` bytes when too long, with the message for any error kind.
fn length_limit(len: usize) -> Result<(), String> {
    if len > MAX_RESULT_BYTES {
        return Err(format!(
            "the result would be longer than {MAX_RESULT_BYTES} bytes"
        ));
    }
    Ok(())
}

fn check_len(len: usize) -> Result<(), FuncError> {
    length_limit(len).map_err(FuncError::call)
}

fn check_elements(count: usize) -> Result<(), FuncError> {
    if count > MAX_RESULT_ELEMENTS {
        return Err(FuncError::call(format!(
            "the result would have more than {MAX_RESULT_ELEMENTS} elements"
        )));
    }
    Ok(())
}

/// A string result, normalised to NFC as `cty.StringVal` normalises every string.
fn string_value(s: String) -> Value {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        Value::string(s)
    } else {
        Value::string(s.nfc().collect::<String>())
    }
}

/// The string argument at `index` (the dispatcher has already converted it).
fn arg_str(args: &[Value], index: usize) -> &str {
    args.get(index).and_then(Value::as_str).unwrap_or("")
}

/// A whole-number argument the way gocty reads a Go `int`.
fn arg_int(args: &[Value], index: usize) -> Result<i64, FuncError> {
    args.get(index)
        .and_then(Value::as_number)
        .and_then(Number::to_i64)
        .ok_or_else(|| {
            FuncError::call(
                "value must be a whole number, between -9223372036854775808 and 9223372036854775807",
            )
        })
}

/// cty unmarks arguments deeply before calling a function and marks the result with whatever
/// it removed; the dispatcher only handles top-level marks.
fn unmark_all(values: &[Value]) -> (Vec<Value>, bool) {
    let mut marked = false;
    let values = values
        .iter()
        .map(|v| {
            let (inner, m) = v.unmark_deep();
            marked |= m;
            inner
        })
        .collect();
    (values, marked)
}

fn bool_value(b: bool) -> FuncResult {
    Ok(Value::Bool(b))
}

/// Go's `strconv.QuoteRune`, for the characters cty's format errors print with `%q`.
fn go_quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let quoted = go_quote(c.encode_utf8(&mut [0; 4]));
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Simple string functions
// ---------------------------------------------------------------------------------------------

/// Go's `unicode.ToUpper`: the simple mapping, one rune to one rune (`ß` stays `ß`).
fn go_to_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        // Only these runes with a multi-rune full mapping have a different simple uppercase:
        // Greek letters with ypogegrammeni map to their titlecase forms.
        _ => match c as u32 {
            0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
                char::from_u32(c as u32 + 8).unwrap_or(c)
            }
            0x1FB3 => '\u{1FBC}',
            0x1FC3 => '\u{1FCC}',
            0x1FF3 => '\u{1FFC}',
            _ => c,
        },
    }
}

/// Go's `unicode.ToLower`: the simple mapping (`İ` becomes `i`, `Σ` is always `σ`).
fn go_to_lower(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

/// Go's `unicode.ToTitle`: like the simple uppercase except for the digraphs, which have their
/// own titlecase letters, and Georgian, whose titlecase is itself.
fn go_to_title(c: char) -> char {
    match c as u32 {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        0x10D0..=0x10FA | 0x10FD..=0x10FF => c,
        _ => go_to_upper(c),
    }
}

fn lower(_: &FuncContext, args: &[Value]) -> FuncResult {
    Ok(string_value(
        arg_str(args, 0).chars().map(go_to_lower).collect(),
    ))
}

fn upper(_: &FuncContext, args: &[Value]) -> FuncResult {
    Ok(string_value(
        arg_str(args, 0).chars().map(go_to_upper).collect(),
    ))
}

/// Go's `strings.Title`: uppercases each rune that follows a separator, where separators are
/// ASCII characters other than letters, digits and `_`, and non-ASCII white space.
fn title(_: &FuncContext, args: &[Value]) -> FuncResult {
    let is_separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            c.is_whitespace()
        }
    };
    let mut prev = ' ';
    let out: String = arg_str(args, 0)
        .chars()
        .map(|c| {
            let mapped = if is_separator(prev) {
                go_to_title(c)
            } else {
                c
            };
            prev = c;
            mapped
        })
        .collect();
    Ok(string_value(out))
}

/// `strings.TrimSpace`: Unicode white space, as Rust's `trim`.
fn trimspace(_: &FuncContext, args: &[Value]) -> FuncResult {
    Ok(string_value(arg_str(args, 0).trim().to_string()))
}

/// cty removes every trailing `\r\n`, `\r` and `\n`, which is any run of `\r` and `\n`.
fn chomp(_: &FuncContext, args: &[Value]) -> FuncResult {
    let s = arg_str(args, 0).trim_end_matches(['\r', '\n']);
    Ok(string_value(s.to_string()))
}

fn strrev(_: &FuncContext, args: &[Value]) -> FuncResult {
    let out: String = arg_str(args, 0).graphemes(true).rev().collect();
    Ok(string_value(out))
}

fn trim(_: &FuncContext, args: &[Value]) -> FuncResult {
    let cutset = arg_str(args, 1);
    let s = arg_str(args, 0).trim_matches(|c| cutset.contains(c));
    Ok(string_value(s.to_string()))
}

fn trimprefix(_: &FuncContext, args: &[Value]) -> FuncResult {
    let s = arg_str(args, 0);
    let s = s.strip_prefix(arg_str(args, 1)).unwrap_or(s);
    Ok(string_value(s.to_string()))
}

fn trimsuffix(_: &FuncContext, args: &[Value]) -> FuncResult {
    let s = arg_str(args, 0);
    let s = s.strip_suffix(arg_str(args, 1)).unwrap_or(s);
    Ok(string_value(s.to_string()))
}

fn startswith(_: &FuncContext, args: &[Value]) -> FuncResult {
    let prefix = arg_str(args, 1);
    if !args.first().is_some_and(Value::is_known) {
        return Ok(if prefix.is_empty() {
            Value::Bool(true)
        } else {
            Value::Unknown(Type::Bool)
        });
    }
    bool_value(arg_str(args, 0).starts_with(prefix))
}

fn endswith(_: &FuncContext, args: &[Value]) -> FuncResult {
    bool_value(arg_str(args, 0).ends_with(arg_str(args, 1)))
}

fn strcontains(_: &FuncContext, args: &[Value]) -> FuncResult {
    bool_value(arg_str(args, 0).contains(arg_str(args, 1)))
}

/// Adds `spaces` spaces after every `\n` (not before the first line).
fn indent(_: &FuncContext, args: &[Value]) -> FuncResult {
    let spaces = arg_int(args, 0)?;
    let s = arg_str(args, 1);
    // Terraform's `strings.Repeat` panics on a negative count; the message is its panic's.
    let spaces = usize::try_from(spaces).map_err(|_| {
        FuncError::call("panic in function implementation: strings: negative Repeat count")
    })?;
    let lines = s.matches('\n').count();
    check_len(lines.saturating_mul(spaces).saturating_add(s.len()))?;
    let pad = format!("\n{}", " ".repeat(spaces));
    Ok(string_value(s.replace('\n', &pad)))
}

/// cty's `substr`, quirks included: offsets and lengths count grapheme clusters; a negative
/// offset counts from the end (and from the start again if still negative); a negative length
/// takes the rest; a zero length with a negative offset also takes the rest.
fn substr(_: &FuncContext, args: &[Value]) -> FuncResult {
    let s = arg_str(args, 0);
    let mut offset = arg_int(args, 1)?;
    let length = arg_int(args, 2)?;
    if offset < 0 {
        let total = i64::try_from(s.graphemes(true).count()).unwrap_or(i64::MAX);
        offset = offset.saturating_add(total);
    } else if length == 0 {
        return Ok(Value::string(""));
    }
    let mut rest = s;
    if offset > 0 {
        let mut bounds = s.grapheme_indices(true).map(|(i, g)| i + g.len());
        match usize::try_from(offset - 1).ok().and_then(|n| bounds.nth(n)) {
            Some(end) => rest = &s[end..],
            None if !s.is_empty() => return Ok(Value::string("")),
            None => {}
        }
    }
    if length <= 0 {
        return Ok(string_value(rest.to_string()));
    }
    let end = usize::try_from(length - 1)
        .ok()
        .and_then(|n| rest.grapheme_indices(true).nth(n))
        .map_or(rest.len(), |(i, g)| i + g.len());
    Ok(string_value(rest[..end].to_string()))
}

fn split(_: &FuncContext, args: &[Value]) -> FuncResult {
    let separator = arg_str(args, 0);
    let s = arg_str(args, 1);
    // Go's `strings.Split` with an empty separator splits into runes (none for "").
    let parts: Vec<&str> = if separator.is_empty() {
        s.char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect()
    } else {
        s.split(separator).collect()
    };
    check_elements(parts.len())?;
    let values = parts
        .into_iter()
        .map(|p| string_value(p.to_string()))
        .collect();
    Ok(Value::list(Type::String, values))
}

fn join(_: &FuncContext, args: &[Value]) -> FuncResult {
    let separator = arg_str(args, 0);
    let (lists, marked) = unmark_all(args.get(1..).unwrap_or(&[]));
    if lists.is_empty() {
        return Err(FuncError::call("at least one list is required"));
    }
    if lists.iter().any(|l| !l.is_wholly_known()) {
        return Ok(Value::Unknown(Type::String).mark_if(marked));
    }
    let mut out = String::new();
    let mut first = true;
    for (list_index, list) in lists.iter().enumerate() {
        for (elem_index, elem) in list.as_seq().unwrap_or(&[]).iter().enumerate() {
            let Some(s) = elem.as_str() else {
                let message = if lists.len() > 1 {
                    format!(
                        "element {elem_index} of list {} is null; cannot concatenate null values",
                        list_index + 1
                    )
                } else {
                    format!("element {elem_index} is null; cannot concatenate null values")
                };
                return Err(FuncError::arg(list_index + 1, message));
            };
            if !first {
                out.push_str(separator);
            }
            first = false;
            out.push_str(s);
            check_len(out.len())?;
        }
    }
    Ok(string_value(out).mark_if(marked))
}

// ---------------------------------------------------------------------------------------------
// Regular expressions: Go's RE2 syntax, translated to the `regex` crate's
// ---------------------------------------------------------------------------------------------
//
// The two dialects differ in ways that matter: Go's `\d`, `\w`, `\s` and `\b` are ASCII-only,
// `[` inside a class is a literal in Go but nests in Rust, Go has `\Q…\E` and octal escapes,
// Go 1.16 rejects `(?<name>…)` and allows repeated group names. The translator parses the Go
// syntax (reporting Go's errors with Go's wording) and emits an equivalent pattern in which
// every ASCII punctuation literal is a `\x{..}` escape and every group is unnamed; the group
// names are kept aside, as Go's `SubexpNames`.

/// A Go `regexp/syntax` error: the code (Go's message) and the offending part of the pattern.
#[derive(Clone, Debug, PartialEq)]
struct RegexSyntaxError {
    code: &'static str,
    expr: String,
}

impl RegexSyntaxError {
    fn new(code: &'static str, expr: &str) -> RegexSyntaxError {
        RegexSyntaxError {
            code,
            expr: expr.to_string(),
        }
    }
    /// As `regexp.Compile` words it (`replace`).
    fn compile_message(&self) -> String {
        format!("error parsing regexp: {}: `{}`", self.code, self.expr)
    }
    /// As cty's `regex` and `regexall` word it.
    fn pattern_message(&self) -> String {
        format!("invalid regexp pattern: {} in {}", self.code, self.expr)
    }
}

const ERR_INVALID_CHAR_RANGE: &str = "invalid character class range";
const ERR_INVALID_ESCAPE: &str = "invalid escape sequence";
const ERR_INVALID_NAMED_CAPTURE: &str = "invalid named capture";
const ERR_INVALID_PERL_OP: &str = "invalid or unsupported Perl syntax";
const ERR_INVALID_REPEAT_OP: &str = "invalid nested repetition operator";
const ERR_INVALID_REPEAT_SIZE: &str = "invalid repeat count";
const ERR_MISSING_BRACKET: &str = "missing closing ]";
const ERR_MISSING_PAREN: &str = "missing closing )";
const ERR_MISSING_REPEAT_ARGUMENT: &str = "missing argument to repetition operator";
const ERR_TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
const ERR_UNEXPECTED_PAREN: &str = "unexpected )";
const ERR_LARGE: &str = "expression too large";
const ERR_NESTING_DEPTH: &str = "expression nests too deeply";
const ERR_INTERNAL: &str = "regexp/syntax: internal error";

/// Classes that match nothing or everything (a surrogate escape, `\p{Cs}`, `\P{Any}`).
const CLASS_NOTHING: &str = r"[^\x{0}-\x{10FFFF}]";
const CLASS_ANYTHING: &str = r"[\x{0}-\x{10FFFF}]";

/// Go 1.16's `unicode.Categories` keys.
#[rustfmt::skip]
const GO_CATEGORIES: [&str; 36] = [
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs",
];

/// Go 1.16's `unicode.Scripts` keys (Unicode 13.0); names are case-sensitive in Go.
#[rustfmt::skip]
const GO_SCRIPTS: [&str; 156] = [
    "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese",
    "Bamum", "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille",
    "Buginese", "Buhid", "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma",
    "Cham", "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform", "Cypriot", "Cyrillic",
    "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan", "Egyptian_Hieroglyphs",
    "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek",
    "Gujarati", "Gunjala_Gondi", "Gurmukhi", "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo",
    "Hatran", "Hebrew", "Hiragana", "Imperial_Aramaic", "Inherited", "Inscriptional_Pahlavi",
    "Inscriptional_Parthian", "Javanese", "Kaithi", "Kannada", "Katakana", "Kayah_Li",
    "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki", "Khudawadi", "Lao", "Latin",
    "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani",
    "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin",
    "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi",
    "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean", "Nandinagari", "New_Tai_Lue", "Newa",
    "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki", "Old_Hungarian",
    "Old_Italic", "Old_North_Arabian", "Old_Permic", "Old_Persian", "Old_Sogdian",
    "Old_South_Arabian", "Old_Turkic", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene",
    "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan",
    "Saurashtra", "Sharada", "Shavian", "Siddham", "SignWriting", "Sinhala", "Sogdian",
    "Sora_Sompeng", "Soyombo", "Sundanese", "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa",
    "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil", "Tangut", "Telugu", "Thaana", "Thai",
    "Tibetan", "Tifinagh", "Tirhuta", "Ugaritic", "Vai", "Wancho", "Warang_Citi", "Yezidi",
    "Yi", "Zanabazar_Square",
];

/// POSIX class names Go accepts inside brackets (`[[:alpha:]]`); the regex crate has the same.
#[rustfmt::skip]
const POSIX_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Go's Perl classes are ASCII-only (`\s` without `\v`).
fn perl_class(s: &str) -> Option<&'static str> {
    Some(match s.as_bytes().get(..2)? {
        b"\\d" => "[0-9]",
        b"\\D" => "[^0-9]",
        b"\\s" => "[\t\n\x0C\r ]",
        b"\\S" => "[^\t\n\x0C\r ]",
        b"\\w" => "[0-9A-Za-z_]",
        b"\\W" => "[^0-9A-Za-z_]",
        _ => return None,
    })
}

/// A literal code point in regex-crate syntax, safe both inside and outside classes.
fn push_literal(out: &mut String, code: u32) {
    match char::from_u32(code) {
        Some(c) if c.is_ascii_alphanumeric() || !c.is_ascii() => out.push(c),
        Some(_) => {
            let _ = write!(out, "\\x{{{code:X}}}");
        }
        // A surrogate (from `\x{D800}`): Go accepts it, but it can never match valid UTF-8.
        None => out.push_str(CLASS_NOTHING),
    }
}

/// Go's `parseUnicodeClass` for `s` starting with `\p` or `\P`: a bracketed regex-crate class
/// and the length of pattern consumed.
fn unicode_class(s: &str) -> Result<(String, usize), RegexSyntaxError> {
    let mut negate = s.as_bytes().get(1) == Some(&b'P');
    let (seq_len, name) = match s[2..].chars().next() {
        Some('{') => match s.find('}') {
            Some(end) => (end + 1, &s[3..end]),
            None => return Err(RegexSyntaxError::new(ERR_INVALID_CHAR_RANGE, s)),
        },
        Some(c) => (2 + c.len_utf8(), &s[2..2 + c.len_utf8()]),
        None => (2, ""),
    };
    let name = match name.strip_prefix('^') {
        Some(n) => {
            negate = !negate;
            n
        }
        None => name,
    };
    let body = match name {
        "Any" => Some(r"\x{0}-\x{10FFFF}".to_string()),
        // Go's `C` is Cc|Cf|Co|Cs (no unassigned code points); surrogates never match.
        "C" => Some(r"\p{gc=Cc}\p{gc=Cf}\p{gc=Co}".to_string()),
        "Cs" => None,
        n if GO_CATEGORIES.contains(&n) => Some(format!(r"\p{{gc={n}}}")),
        n if GO_SCRIPTS.contains(&n) => Some(format!(r"\p{{sc={n}}}")),
        _ => return Err(RegexSyntaxError::new(ERR_INVALID_CHAR_RANGE, &s[..seq_len])),
    };
    let class = match (body, negate) {
        (Some(b), false) => format!("[{b}]"),
        (Some(b), true) => format!("[^{b}]"),
        (None, false) => CLASS_NOTHING.to_string(),
        (None, true) => CLASS_ANYTHING.to_string(),
    };
    Ok((class, seq_len))
}

/// Go's `parseEscape` for `s` starting with a backslash: the code point and the length consumed.
fn go_escape(s: &str) -> Result<(u32, usize), RegexSyntaxError> {
    let invalid = |end: usize| Err(RegexSyntaxError::new(ERR_INVALID_ESCAPE, &s[..end]));
    let next = |at: usize| s.get(at..).and_then(|r| r.chars().next());
    let Some(c) = next(1) else {
        return Err(RegexSyntaxError::new(ERR_TRAILING_BACKSLASH, ""));
    };
    let mut end = 1 + c.len_utf8();
    let is_octal = |d: Option<char>| matches!(d, Some('0'..='7'));
    match c {
        // A single non-zero digit would be a backreference, which RE2 does not have.
        '1'..='7' if !is_octal(next(end)) => invalid(end),
        '0'..='7' => {
            let mut code = c as u32 - '0' as u32;
            for _ in 1..3 {
                match next(end) {
                    Some(d @ '0'..='7') => {
                        code = code * 8 + (d as u32 - '0' as u32);
                        end += 1;
                    }
                    _ => break,
                }
            }
            Ok((code, end))
        }
        'x' => match next(end) {
            None => invalid(end),
            Some('{') => {
                end += 1;
                let mut code = 0u32;
                let mut digits = 0;
                loop {
                    let Some(d) = next(end) else {
                        return invalid(end);
                    };
                    end += d.len_utf8();
                    if d == '}' {
                        break;
                    }
                    let Some(v) = d.to_digit(16) else {
                        return invalid(end);
                    };
                    code = code * 16 + v;
                    if code > 0x10FFFF {
                        return invalid(end);
                    }
                    digits += 1;
                }
                if digits == 0 {
                    return invalid(end);
                }
                Ok((code, end))
            }
            Some(high) => {
                end += high.len_utf8();
                let low = next(end);
                if let Some(l) = low {
                    end += l.len_utf8();
                }
                match (high.to_digit(16), low.and_then(|l| l.to_digit(16))) {
                    (Some(h), Some(l)) => Ok((h * 16 + l, end)),
                    _ => invalid(end),
                }
            }
        },
        'a' => Ok((7, end)),
        'f' => Ok((12, end)),
        'n' => Ok((10, end)),
        'r' => Ok((13, end)),
        't' => Ok((9, end)),
        'v' => Ok((11, end)),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c as u32, end)),
        _ => invalid(end),
    }
}

/// Go's `parseInt` for repeat counts: no leading zeros; values past 10⁸ become -1.
fn go_repeat_int(s: &str) -> Option<(i64, usize)> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || (len >= 2 && s.starts_with('0')) {
        return None;
    }
    let mut n = 0i64;
    for d in s[..len].bytes() {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some((n, len))
}

/// Go's `parseRepeat` for `s` starting with `{`: `(min, max, length)`, max -1 meaning
/// unbounded; `None` when the brace is a literal.
fn go_repeat(s: &str) -> Option<(i64, i64, usize)> {
    let (mut min, len) = go_repeat_int(&s[1..])?;
    let mut i = 1 + len;
    let max;
    if s.as_bytes().get(i)? != &b',' {
        max = min;
    } else {
        i += 1;
        if s.as_bytes().get(i)? == &b'}' {
            max = -1;
        } else {
            let (m, len) = go_repeat_int(&s[i..])?;
            i += len;
            max = m;
            if m < 0 {
                min = -1;
            }
        }
    }
    (s.as_bytes().get(i)? == &b'}').then_some((min, max, i + 1))
}

/// Translates a Go pattern, one token at a time, as Go's parser reads it.
struct Translator<'a> {
    pattern: &'a str,
    pos: usize,
    out: String,
    /// Go's `SubexpNames`: index 0 is the whole match.
    names: Vec<Option<String>>,
    /// Output offsets where the open groups begin, with the `U` flag outside them.
    open_groups: Vec<(usize, bool)>,
    /// Whether the `U` (ungreedy) flag is on at the current position.
    ungreedy: bool,
    /// Output span of the last thing a repetition may apply to, and the `U` flag at its end;
    /// `None` at the start of the pattern, of a group or of an alternative, where Go reports a
    /// missing argument.
    atom: Option<(usize, usize, bool)>,
    atom_repeated: bool,
    /// Pattern offset of the previous token, when that was a repetition (Go rejects `a**`).
    last_repeat: Option<usize>,
}

impl<'a> Translator<'a> {
    fn translate(pattern: &'a str) -> Result<(String, Vec<Option<String>>), RegexSyntaxError> {
        let mut t = Translator {
            pattern,
            pos: 0,
            out: String::with_capacity(pattern.len() * 2),
            names: vec![None],
            open_groups: Vec::new(),
            ungreedy: false,
            atom: None,
            atom_repeated: false,
            last_repeat: None,
        };
        while let Some(c) = pattern[t.pos..].chars().next() {
            let mut repeat = None;
            match c {
                '(' if pattern[t.pos..].starts_with("(?") => t.perl_flags()?,
                '(' => {
                    t.names.push(None);
                    t.open_group("(");
                    t.pos += 1;
                }
                '|' => {
                    t.out.push('|');
                    t.atom = None;
                    t.pos += 1;
                }
                ')' => {
                    let Some((start, ungreedy)) = t.open_groups.pop() else {
                        return Err(RegexSyntaxError::new(ERR_UNEXPECTED_PAREN, pattern));
                    };
                    t.out.push(')');
                    t.ungreedy = ungreedy;
                    t.set_atom(start);
                    t.pos += 1;
                }
                '^' | '$' | '.' => {
                    let start = t.out.len();
                    t.out.push(c);
                    t.set_atom(start);
                    t.pos += 1;
                }
                '[' => t.class()?,
                '*' | '+' | '?' => {
                    repeat = Some(t.pos);
                    t.repetition(t.pos + 1)?;
                }
                '{' => match go_repeat(&pattern[t.pos..]) {
                    Some((min, max, len)) => {
                        if !(0..=1000).contains(&min) || max > 1000 || (max >= 0 && min > max) {
                            let text = &pattern[t.pos..t.pos + len];
                            return Err(RegexSyntaxError::new(ERR_INVALID_REPEAT_SIZE, text));
                        }
                        repeat = Some(t.pos);
                        t.repetition(t.pos + len)?;
                    }
                    None => {
                        t.literal('{' as u32);
                        t.pos += 1;
                    }
                },
                '\\' => t.escape()?,
                c => {
                    t.literal(c as u32);
                    t.pos += c.len_utf8();
                }
            }
            t.last_repeat = repeat;
        }
        if !t.open_groups.is_empty() {
            return Err(RegexSyntaxError::new(ERR_MISSING_PAREN, pattern));
        }
        Ok((t.out, t.names))
    }

    fn set_atom(&mut self, start: usize) {
        self.atom = Some((start, self.out.len(), self.ungreedy));
        self.atom_repeated = false;
    }

    fn open_group(&mut self, text: &str) {
        self.open_groups.push((self.out.len(), self.ungreedy));
        self.out.push_str(text);
        self.atom = None;
    }

    fn literal(&mut self, code: u32) {
        let start = self.out.len();
        push_literal(&mut self.out, code);
        self.set_atom(start);
    }

    fn atom_text(&mut self, text: &str) {
        let start = self.out.len();
        self.out.push_str(text);
        self.set_atom(start);
    }

    /// A repetition operator spanning `self.pos..op_end`, plus a `?` making it lazy.
    fn repetition(&mut self, op_end: usize) -> Result<(), RegexSyntaxError> {
        let pattern = self.pattern;
        let mut end = op_end;
        let question = pattern[end..].starts_with('?');
        if question {
            end += 1;
        }
        if let Some(last) = self.last_repeat {
            return Err(RegexSyntaxError::new(
                ERR_INVALID_REPEAT_OP,
                &pattern[last..end],
            ));
        }
        let Some((start, atom_end, ungreedy_at_atom)) = self.atom else {
            return Err(RegexSyntaxError::new(
                ERR_MISSING_REPEAT_ARGUMENT,
                &pattern[self.pos..end],
            ));
        };
        // The operator goes right after its atom, before any flag group Go skipped over
        // (`a(?U)*`), so its laziness is spelled out for the `U` flag in force there; a second
        // repetition (`a*(?i)*`, valid in Go) needs the first one grouped.
        let lazy = self.ungreedy != question;
        let mut op = pattern[self.pos..op_end].to_string();
        if lazy != ungreedy_at_atom {
            op.push('?');
        }
        if self.atom_repeated {
            self.out.insert_str(atom_end, &format!("){op}"));
            self.out.insert_str(start, "(?:");
            self.atom = Some((start, atom_end + 4 + op.len(), ungreedy_at_atom));
        } else {
            self.out.insert_str(atom_end, &op);
            self.atom = Some((start, atom_end + op.len(), ungreedy_at_atom));
        }
        self.atom_repeated = true;
        self.pos = end;
        Ok(())
    }

    /// `(?…`: a named group, or flags with or without a group (Go's `parsePerlFlags`).
    fn perl_flags(&mut self) -> Result<(), RegexSyntaxError> {
        let s = &self.pattern[self.pos..];
        // Go 1.16 knows only the `(?P<name>` spelling.
        if s.len() > 4 && s.as_bytes()[2] == b'P' && s.as_bytes()[3] == b'<' {
            let Some(end) = s.find('>') else {
                return Err(RegexSyntaxError::new(ERR_INVALID_NAMED_CAPTURE, s));
            };
            let name = &s[4..end];
            if name.is_empty() || !name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()) {
                return Err(RegexSyntaxError::new(ERR_INVALID_NAMED_CAPTURE, &s[..=end]));
            }
            self.names.push(Some(name.to_string()));
            self.open_group("(");
            self.pos += end + 1;
            return Ok(());
        }
        // Go lets later flags override earlier ones (`(?i-i)`); the regex crate rejects
        // repeats, so the net effect is emitted.
        const FLAGS: [char; 4] = ['i', 'm', 's', 'U'];
        let mut state: [Option<bool>; 4] = [None; 4];
        let mut negative = false;
        let mut saw_flag = false;
        for (offset, c) in s[2..].char_indices() {
            let consumed = 2 + offset + c.len_utf8();
            match c {
                'i' | 'm' | 's' | 'U' => {
                    if let Some(i) = FLAGS.iter().position(|&f| f == c) {
                        state[i] = Some(!negative);
                    }
                    saw_flag = true;
                }
                '-' if !negative => {
                    negative = true;
                    saw_flag = false;
                }
                ':' | ')' if !negative || saw_flag => {
                    let mut flags: String = FLAGS
                        .iter()
                        .zip(state)
                        .filter(|(_, s)| *s == Some(true))
                        .map(|(f, _)| *f)
                        .collect();
                    let cleared: String = FLAGS
                        .iter()
                        .zip(state)
                        .filter(|(_, s)| *s == Some(false))
                        .map(|(f, _)| *f)
                        .collect();
                    if !cleared.is_empty() {
                        flags.push('-');
                        flags.push_str(&cleared);
                    }
                    if c == ':' {
                        self.open_group(&format!("(?{flags}:"));
                    } else if !flags.is_empty() {
                        self.out.push_str(&format!("(?{flags})"));
                    }
                    if let Some(ungreedy) = state[3] {
                        self.ungreedy = ungreedy;
                    }
                    self.pos += consumed;
                    return Ok(());
                }
                _ => return Err(RegexSyntaxError::new(ERR_INVALID_PERL_OP, &s[..consumed])),
            }
        }
        Err(RegexSyntaxError::new(ERR_INVALID_PERL_OP, s))
    }

    fn escape(&mut self) -> Result<(), RegexSyntaxError> {
        let s = &self.pattern[self.pos..];
        let assertion = match s.as_bytes().get(1) {
            Some(b'A') => Some(r"\A"),
            Some(b'z') => Some(r"\z"),
            Some(b'b') => Some(r"(?-u:\b)"),
            Some(b'B') => Some(r"(?-u:\B)"),
            Some(b'C') => return Err(RegexSyntaxError::new(ERR_INVALID_ESCAPE, r"\C")),
            Some(b'Q') => {
                let body = &s[2..];
                let (literal, consumed) = match body.find(r"\E") {
                    Some(i) => (&body[..i], 2 + i + 2),
                    None => (body, s.len()),
                };
                for c in literal.chars() {
                    self.literal(c as u32);
                }
                self.pos += consumed;
                return Ok(());
            }
            Some(b'p' | b'P') => {
                let (class, len) = unicode_class(s)?;
                self.atom_text(&class);
                self.pos += len;
                return Ok(());
            }
            _ => None,
        };
        if let Some(text) = assertion.or_else(|| perl_class(s)) {
            self.atom_text(text);
            self.pos += 2;
            return Ok(());
        }
        let (code, len) = go_escape(s)?;
        self.literal(code);
        self.pos += len;
        Ok(())
    }

    /// A bracketed class (Go's `parseClass`): `[` is a literal inside, ranges need lo <= hi.
    fn class(&mut self) -> Result<(), RegexSyntaxError> {
        let whole = &self.pattern[self.pos..];
        let mut out = String::from("[");
        let mut i = 1;
        if whole[i..].starts_with('^') {
            out.push('^');
            i += 1;
        }
        let class_char = |at: usize| -> Result<(u32, usize), RegexSyntaxError> {
            match whole[at..].chars().next() {
                None => Err(RegexSyntaxError::new(ERR_MISSING_BRACKET, whole)),
                Some('\\') => go_escape(&whole[at..]),
                Some(c) => Ok((c as u32, c.len_utf8())),
            }
        };
        let mut first = true;
        loop {
            let rest = &whole[i..];
            if !first && rest.starts_with(']') {
                break;
            }
            first = false;
            if rest.len() > 2 && rest.starts_with("[:") {
                if let Some(end) = rest[2..].find(":]") {
                    let name = &rest[..end + 4];
                    let inner = &name[2..name.len() - 2];
                    if !POSIX_CLASSES.contains(&inner.strip_prefix('^').unwrap_or(inner)) {
                        return Err(RegexSyntaxError::new(ERR_INVALID_CHAR_RANGE, name));
                    }
                    out.push_str(name);
                    i += name.len();
                    continue;
                }
            }
            if rest.starts_with(r"\p") || rest.starts_with(r"\P") {
                let (class, len) = unicode_class(rest)?;
                out.push_str(&class);
                i += len;
                continue;
            }
            if let Some(class) = perl_class(rest) {
                out.push_str(class);
                i += 2;
                continue;
            }
            let range_start = i;
            let (lo, len) = class_char(i)?;
            i += len;
            let mut hi = lo;
            let rest = &whole[i..];
            if rest.len() >= 2 && rest.starts_with('-') && !rest[1..].starts_with(']') {
                let (h, len) = class_char(i + 1)?;
                i += 1 + len;
                hi = h;
                if hi < lo {
                    return Err(RegexSyntaxError::new(
                        ERR_INVALID_CHAR_RANGE,
                        &whole[range_start..i],
                    ));
                }
            }
            // Surrogate ends (only from `\x{D800}`-style escapes) are clipped: they never match.
            let lo = if (0xD800..=0xDFFF).contains(&lo) {
                0xE000
            } else {
                lo
            };
            let hi = if (0xD800..=0xDFFF).contains(&hi) {
                0xD7FF
            } else {
                hi
            };
            if lo > hi {
                out.push_str(CLASS_NOTHING);
            } else {
                push_literal(&mut out, lo);
                if hi != lo {
                    out.push('-');
                    push_literal(&mut out, hi);
                }
            }
        }
        out.push(']');
        self.atom_text(&out);
        self.pos += i + 1;
        Ok(())
    }
}

/// A compiled Go regular expression.
struct GoRegex {
    regex: Regex,
    /// Go's `SubexpNames`: one entry per group, index 0 being the whole match.
    names: Vec<Option<String>>,
}

fn compile_go_regex(pattern: &str) -> Result<GoRegex, RegexSyntaxError> {
    let (translated, names) = Translator::translate(pattern)?;
    let regex = RegexBuilder::new(&translated)
        .size_limit(64 << 20)
        .nest_limit(1000)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => RegexSyntaxError::new(ERR_LARGE, pattern),
            e if e.to_string().contains("nest limit") => {
                RegexSyntaxError::new(ERR_NESTING_DEPTH, pattern)
            }
            _ => RegexSyntaxError::new(ERR_INTERNAL, pattern),
        })?;
    Ok(GoRegex { regex, names })
}

/// Compiles `pattern`, remembering recent patterns: modules often apply one pattern to many
/// values in a `for` expression.
fn go_regex(pattern: &str) -> Result<Arc<GoRegex>, RegexSyntaxError> {
    type Cache = Mutex<HashMap<String, Result<Arc<GoRegex>, RegexSyntaxError>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return hit;
    }
    let compiled = compile_go_regex(pattern).map(Arc::new);
    if pattern.len() <= 4096 {
        if let Ok(mut c) = cache.lock() {
            if c.len() >= 256 {
                c.clear();
            }
            c.insert(pattern.to_string(), compiled.clone());
        }
    }
    compiled
}

impl GoRegex {
    /// cty's result type: the match as a string without groups, a tuple for positional
    /// groups, an object for named ones.
    fn result_type(&self) -> Result<Type, String> {
        let groups = &self.names[1..];
        let named = groups.iter().flatten().count();
        let unnamed = groups.len() - named;
        match (unnamed, named) {
            (0, 0) => Ok(Type::String),
            (0, _) => Ok(Type::object(
                groups
                    .iter()
                    .flatten()
                    .map(|n| (Arc::from(n.as_str()), Type::String))
                    .collect(),
            )),
            (_, 0) => Ok(Type::tuple(vec![Type::String; unnamed])),
            _ => Err(
                "invalid regexp pattern: cannot mix both named and unnamed capture groups"
                    .to_string(),
            ),
        }
    }

    /// One match as a value of `result_type`; groups that did not take part are null.
    fn match_value(&self, caps: &Captures, ty: &Type) -> Value {
        let group = |i: usize| {
            caps.get(i).map_or(Value::Null(Type::String), |m| {
                string_value(m.as_str().to_string())
            })
        };
        match ty {
            Type::String => group(0),
            Type::Tuple(_) => Value::tuple((1..self.names.len()).map(group).collect()),
            // With a repeated name, the last group wins, as in cty's map of names.
            _ => Value::object(
                self.names
                    .iter()
                    .enumerate()
                    .filter_map(|(i, n)| Some((Arc::from(n.as_deref()?), group(i))))
                    .collect(),
            ),
        }
    }

    /// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`; unknown or unmatched
    /// groups expand to nothing and a malformed `$` stays literal.
    fn expand(&self, template: &str, caps: &Captures, out: &mut String) {
        let mut rest = template;
        while let Some(dollar) = rest.find('$') {
            out.push_str(&rest[..dollar]);
            rest = &rest[dollar + 1..];
            if let Some(after) = rest.strip_prefix('$') {
                out.push('$');
                rest = after;
                continue;
            }
            let Some((name, after)) = template_name(rest) else {
                out.push('$');
                continue;
            };
            rest = after;
            let text = match group_number(name) {
                Some(n) => caps.get(n),
                // Go takes the first group of that name that took part in the match.
                None => self
                    .names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.as_deref() == Some(name))
                    .find_map(|(i, _)| caps.get(i)),
            };
            if let Some(m) = text {
                out.push_str(m.as_str());
            }
        }
        out.push_str(rest);
    }
}

/// The name after a `$` in a replacement: letters, digits and `_`, optionally in braces.
fn template_name(s: &str) -> Option<(&str, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len: usize = body
        .chars()
        .take_while(|&c| c == '_' || is_go_letter_or_digit(c))
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let (name, after) = body.split_at(len);
    if braced {
        after.strip_prefix('}').map(|after| (name, after))
    } else {
        Some((name, after))
    }
}

/// Go's `unicode.IsLetter || unicode.IsDigit` (categories L and Nd).
fn is_go_letter_or_digit(c: char) -> bool {
    static LETTER_OR_DIGIT: OnceLock<Option<Regex>> = OnceLock::new();
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    LETTER_OR_DIGIT
        .get_or_init(|| Regex::new(r"^[\p{L}\p{Nd}]$").ok())
        .as_ref()
        .is_some_and(|r| r.is_match(c.encode_utf8(&mut [0; 4])))
}

/// A group number in a replacement: ASCII digits without a leading zero, below 10⁹.
fn group_number(name: &str) -> Option<usize> {
    if name.len() > 1 && name.starts_with('0') {
        return None;
    }
    let mut n = 0usize;
    for b in name.bytes() {
        if !b.is_ascii_digit() || n >= 100_000_000 {
            return None;
        }
        n = n * 10 + usize::from(b - b'0');
    }
    Some(n)
}

/// The pattern argument compiled, with the result type it implies; both failures are
/// errors about the `pattern` argument.
fn regex_with_type(args: &[Value]) -> Result<(Arc<GoRegex>, Type), FuncError> {
    let re = go_regex(arg_str(args, 0)).map_err(|e| FuncError::arg(0, e.pattern_message()))?;
    let ty = re.result_type().map_err(|m| FuncError::arg(0, m))?;
    Ok((re, ty))
}

fn regex(_: &FuncContext, args: &[Value]) -> FuncResult {
    let (re, ty) = regex_with_type(args)?;
    if !args.get(1).is_some_and(Value::is_known) {
        return Ok(Value::Unknown(ty));
    }
    let caps = re
        .regex
        .captures(arg_str(args, 1))
        .ok_or_else(|| FuncError::call("pattern did not match any part of the given string"))?;
    Ok(re.match_value(&caps, &ty))
}

fn regexall(_: &FuncContext, args: &[Value]) -> FuncResult {
    let (re, ty) = regex_with_type(args)?;
    if !args.get(1).is_some_and(Value::is_known) {
        return Ok(Value::Unknown(Type::list(ty)));
    }
    let mut matches = Vec::new();
    // The regex crate skips an empty match right after a match, as Go's `FindAll` does.
    for caps in re.regex.captures_iter(arg_str(args, 1)) {
        matches.push(re.match_value(&caps, &ty));
        check_elements(matches.len())?;
    }
    Ok(Value::list(ty, matches))
}

/// `replace(str, substr, replace)`: `substr` in slashes is a Go regular expression.
fn replace(_: &FuncContext, args: &[Value]) -> FuncResult {
    let s = arg_str(args, 0);
    let substr = arg_str(args, 1);
    let replacement = arg_str(args, 2);
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        let re = go_regex(&substr[1..substr.len() - 1])
            .map_err(|e| FuncError::call(e.compile_message()))?;
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for caps in re.regex.captures_iter(s) {
            let Some(m) = caps.get(0) else { continue };
            out.push_str(&s[last..m.start()]);
            re.expand(replacement, &caps, &mut out);
            last = m.end();
            check_len(out.len())?;
        }
        out.push_str(&s[last..]);
        return Ok(string_value(out));
    }
    // An empty `substr` matches at every character boundary, as in Go.
    let count = if substr.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(substr).count()
    };
    check_len(
        s.len()
            .saturating_add(count.saturating_mul(replacement.len())),
    )?;
    Ok(string_value(s.replace(substr, replacement)))
}

// ---------------------------------------------------------------------------------------------
// Numbers printed as Go prints cty's `*big.Float`
// ---------------------------------------------------------------------------------------------
//
// cty parses every number into a 512-bit binary float, and `format` hands that to Go's `fmt`,
// so `%f` of 1e300 prints the binary value's exact digits and `%.2f` of 2.675 gives 2.67. Our
// numbers are exact decimals; they are rounded to 512 bits here and printed with the algorithm
// of Go's `big.Float.Text`/`Format` and `big.Int.Format`.

/// Bits of mantissa cty gives every number it parses.
const MANTISSA_BITS: u64 = 512;

/// A finite number's magnitude as `mantissa × 2^exponent`, the mantissa exactly
/// `MANTISSA_BITS` long (zero for zero), rounded to nearest even.
struct BinaryFloat {
    mantissa: BigUint,
    exponent: i64,
}

/// Decimal digits `0.d₁d₂… × 10^exp` without trailing zeros: Go's `big.decimal`.
#[derive(Clone, Debug, PartialEq)]
struct Decimal {
    digits: Vec<u8>,
    exp: i64,
}

/// The magnitude of a finite number as an integer and a decimal scale (`int × 10^-scale`).
fn decimal_parts(n: &Number) -> Option<(BigUint, i64)> {
    match n {
        Number::Int(i) => Some((BigUint::from(i.unsigned_abs()), 0)),
        Number::Big(b) => {
            let (int, scale) = b.as_bigint_and_exponent();
            // Beyond any number Terraform's parser accepts: approximate rather than allocate.
            if scale.unsigned_abs() > 1_000_000 {
                return decimal_parts(&Number::from_f64(n.to_f64()));
            }
            Some((int.magnitude().clone(), scale))
        }
        Number::PosInf | Number::NegInf => None,
    }
}

fn pow_u32(base: u32, exp: i64) -> BigUint {
    BigUint::from(base).pow(u32::try_from(exp).unwrap_or(u32::MAX))
}

fn to_binary(int: &BigUint, scale: i64) -> BinaryFloat {
    let (num, den) = if scale <= 0 {
        (int * pow_u32(10, -scale), BigUint::one())
    } else {
        (int.clone(), pow_u32(10, scale))
    };
    if num.is_zero() {
        return BinaryFloat {
            mantissa: num,
            exponent: 0,
        };
    }
    // Find the shift putting the quotient at exactly MANTISSA_BITS bits, then round it.
    let mut shift = MANTISSA_BITS as i64 - (num.bits() as i64 - den.bits() as i64);
    loop {
        let (n, d) = if shift >= 0 {
            (&num << shift as u64, den.clone())
        } else {
            (num.clone(), &den << (-shift) as u64)
        };
        let quotient = &n / &d;
        match quotient.bits().cmp(&MANTISSA_BITS) {
            std::cmp::Ordering::Greater => shift -= 1,
            std::cmp::Ordering::Less => shift += 1,
            std::cmp::Ordering::Equal => {
                let twice_remainder = (&n - &quotient * &d) << 1u32;
                let round_up = match twice_remainder.cmp(&d) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Equal => quotient.bit(0),
                    std::cmp::Ordering::Less => false,
                };
                let mut mantissa = quotient;
                if round_up {
                    mantissa += 1u32;
                    if mantissa.bits() > MANTISSA_BITS {
                        mantissa >>= 1u32;
                        shift -= 1;
                    }
                }
                return BinaryFloat {
                    mantissa,
                    exponent: -shift,
                };
            }
        }
    }
}

impl Decimal {
    /// The decimal `int × 10^-scale` given the digits of `int`.
    fn from_digits(int_digits: &str, scale: i64) -> Decimal {
        let significant = int_digits.trim_start_matches('0');
        if significant.is_empty() {
            return Decimal {
                digits: Vec::new(),
                exp: 0,
            };
        }
        Decimal {
            exp: significant.len() as i64 - scale,
            digits: significant.trim_end_matches('0').bytes().collect(),
        }
    }

    /// Exactly `mantissa × 2^exponent`.
    fn from_binary(mantissa: &BigUint, exponent: i64) -> Decimal {
        if exponent >= 0 {
            Decimal::from_digits(&(mantissa << exponent as u64).to_string(), 0)
        } else {
            Decimal::from_digits(&(mantissa * pow_u32(5, -exponent)).to_string(), -exponent)
        }
    }

    fn len(&self) -> i64 {
        self.digits.len() as i64
    }

    fn at(&self, i: i64) -> u8 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.digits.get(i).copied())
            .unwrap_or(b'0')
    }

    fn trim(&mut self) {
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.exp = 0;
        }
    }

    /// Rounds to `n` digits, half to even (Go's `decimal.round`).
    fn round(&mut self, n: i64) {
        if n < 0 || n >= self.len() {
            return;
        }
        let at = n as usize;
        let up = if self.digits[at] == b'5' && at + 1 == self.digits.len() {
            at > 0 && (self.digits[at - 1] - b'0') % 2 == 1
        } else {
            self.digits[at] >= b'5'
        };
        if up {
            self.round_up(n);
        } else {
            self.round_down(n);
        }
    }

    fn round_up(&mut self, n: i64) {
        if n < 0 || n >= self.len() {
            return;
        }
        let mut n = n as usize;
        while n > 0 && self.digits[n - 1] >= b'9' {
            n -= 1;
        }
        if n == 0 {
            self.digits.clear();
            self.digits.push(b'1');
            self.exp += 1;
            return;
        }
        self.digits[n - 1] += 1;
        self.digits.truncate(n);
    }

    fn round_down(&mut self, n: i64) {
        if n < 0 || n >= self.len() {
            return;
        }
        self.digits.truncate(n as usize);
        self.trim();
    }

    /// Go's `roundShortest`: the fewest digits that still round to the same binary value.
    fn round_shortest(&mut self, binary: &BinaryFloat) {
        if self.digits.is_empty() {
            return;
        }
        let doubled = &binary.mantissa << 1u32;
        let lower = Decimal::from_binary(&(&doubled - 1u32), binary.exponent - 1);
        let upper = Decimal::from_binary(&(&doubled + 1u32), binary.exponent - 1);
        let inclusive = !binary.mantissa.bit(0);
        for i in 0..self.len() {
            let (l, m, u) = (lower.at(i), self.at(i), upper.at(i));
            let ok_down = l != m || (inclusive && i + 1 == lower.len());
            let ok_up = m != u && (inclusive || m + 1 < u || i + 1 < upper.len());
            match (ok_down, ok_up) {
                (true, true) => return self.round(i + 1),
                (true, false) => return self.round_down(i + 1),
                (false, true) => return self.round_up(i + 1),
                (false, false) => {}
            }
        }
    }
}

/// The exact decimal value of the number's 512-bit binary form.
fn exact_decimal(int: &BigUint, scale: i64) -> Decimal {
    if scale <= 0 && int.bits() + 4 * (-scale) as u64 <= MANTISSA_BITS {
        return Decimal::from_digits(&int.to_string(), scale);
    }
    let binary = to_binary(int, scale);
    Decimal::from_binary(&binary.mantissa, binary.exponent)
}

/// The shortest decimal that reads back as the same 512-bit binary value. A decimal of up to
/// 150 significant digits is its own shortest form (512 bits tell apart any two decimals of
/// 153 digits); longer ones, such as quotients, need Go's search.
fn shortest_decimal(int: &BigUint, scale: i64) -> Decimal {
    let decimal = Decimal::from_digits(&int.to_string(), scale);
    if decimal.digits.len() <= 150 {
        return decimal;
    }
    let binary = to_binary(int, scale);
    let mut exact = Decimal::from_binary(&binary.mantissa, binary.exponent);
    exact.round_shortest(&binary);
    exact
}

fn fmt_e(out: &mut String, e: char, prec: i64, d: &Decimal) {
    out.push(d.digits.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        let m = d.len().min(prec + 1);
        let mut i = 1;
        if i < m {
            out.extend(d.digits[1..m as usize].iter().map(|&c| c as char));
            i = m;
        }
        while i <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push(e);
    let exp = if d.digits.is_empty() { 0 } else { d.exp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    if exp.abs() < 10 {
        out.push('0');
    }
    let _ = write!(out, "{}", exp.abs());
}

fn fmt_f(out: &mut String, prec: i64, d: &Decimal) {
    if d.exp > 0 {
        let m = d.len().min(d.exp);
        out.extend(d.digits[..m as usize].iter().map(|&c| c as char));
        for _ in m..d.exp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(d.at(d.exp + i) as char);
        }
    }
}

/// Go's `(*big.Float).Text(format, prec)` of a cty number: format is one of `eEfgG`, a
/// negative `prec` asks for the shortest exact form.
fn go_float_text(n: &Number, format: char, prec: i64) -> String {
    let Some((int, scale)) = decimal_parts(n) else {
        return if n.signum() < 0 { "-Inf" } else { "+Inf" }.to_string();
    };
    let mut out = String::new();
    if n.signum() < 0 {
        out.push('-');
    }
    let shortest = prec < 0;
    let mut prec = prec;
    let mut d;
    if shortest {
        d = shortest_decimal(&int, scale);
        prec = match format {
            'e' | 'E' => d.len() - 1,
            'f' => (d.len() - d.exp).max(0),
            _ => d.len(),
        };
    } else {
        d = exact_decimal(&int, scale);
        match format {
            'e' | 'E' => d.round(1 + prec),
            'f' => d.round(d.exp + prec),
            _ => {
                if prec == 0 {
                    prec = 1;
                }
                d.round(prec);
            }
        }
    }
    match format {
        'e' | 'E' => fmt_e(&mut out, format, prec, &d),
        'f' => fmt_f(&mut out, prec, &d),
        _ => {
            let mut eprec = prec;
            if eprec > d.len() && d.len() >= d.exp {
                eprec = d.len();
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.exp - 1;
            let e = if format == 'G' { 'E' } else { 'e' };
            if exp < -4 || exp >= eprec {
                fmt_e(&mut out, e, prec.min(d.len()) - 1, &d);
            } else {
                if prec > d.exp {
                    prec = d.len();
                }
                fmt_f(&mut out, (prec - d.exp).max(0), &d);
            }
        }
    }
    out
}

/// The number as an integer, if its 512-bit binary form is one (`%d` of 1e300 prints the
/// binary value).
fn exact_integer(n: &Number) -> Option<BigInt> {
    let sign = if n.signum() < 0 {
        Sign::Minus
    } else {
        Sign::Plus
    };
    if let Number::Int(i) = n {
        return Some(BigInt::from(*i));
    }
    let (int, scale) = decimal_parts(n)?;
    if scale <= 0 && int.bits() + 4 * (-scale) as u64 <= MANTISSA_BITS {
        return Some(BigInt::from_biguint(sign, int * pow_u32(10, -scale)));
    }
    let binary = to_binary(&int, scale);
    let magnitude = if binary.exponent >= 0 {
        binary.mantissa << binary.exponent as u64
    } else {
        let shift = (-binary.exponent) as u64;
        if binary.mantissa.trailing_zeros().unwrap_or(0) < shift {
            return None;
        }
        binary.mantissa >> shift
    };
    Some(BigInt::from_biguint(sign, magnitude))
}

// ---------------------------------------------------------------------------------------------
// format and formatlist
// ---------------------------------------------------------------------------------------------

/// Widths and precisions beyond this are refused (Go's `fmt` gives up past 10⁶ as well).
const MAX_FORMAT_WIDTH: usize = 1_000_000;

/// One `%` verb as cty's scanner reads it: `%` flags width `.`precision `[`index`]` letter.
#[derive(Default)]
struct Verb<'a> {
    raw: &'a str,
    offset: usize,
    /// One-based argument index.
    arg: usize,
    mode: char,
    sharp: bool,
    zero: bool,
    minus: bool,
    plus: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Why formatting failed: too many arguments is an argument error in cty, the rest are not.
enum FormatError {
    Call(String),
    ExtraArgs { index: usize, message: String },
}

impl FormatError {
    fn message(&self) -> &str {
        match self {
            FormatError::Call(m) | FormatError::ExtraArgs { message: m, .. } => m,
        }
    }
    fn into_func_error(self) -> FuncError {
        match self {
            FormatError::Call(m) => FuncError::call(m),
            FormatError::ExtraArgs { index, message } => FuncError::arg(index, message),
        }
    }
}

impl Verb<'_> {
    fn unsupported(&self, why: &str) -> FormatError {
        FormatError::Call(format!(
            "unsupported value for {} at {}: {why}",
            go_quote(self.raw),
            self.offset
        ))
    }

    /// cty's own padding (strings, `%v`): counts grapheme clusters, and pads with zeros on
    /// either side when the `0` flag is given.
    fn pad(&self, s: &str, out: &mut String) {
        let count = self
            .width
            .map_or(0, |w| w.saturating_sub(s.graphemes(true).count()));
        let pad = if self.zero { "0" } else { " " }.repeat(count);
        if self.minus {
            out.push_str(s);
            out.push_str(&pad);
        } else {
            out.push_str(&pad);
            out.push_str(s);
        }
    }

    /// Go's `big.Float.Format` for `%e %E %f %g %G`.
    fn float(&self, n: &Number, out: &mut String) {
        let prec = match (self.mode, self.precision) {
            (_, Some(p)) => p as i64,
            ('g' | 'G', None) => -1,
            (_, None) => 6,
        };
        let text = go_float_text(n, self.mode, prec);
        let (sign, body) = if let Some(body) = text.strip_prefix('-') {
            ("-", body)
        } else if let Some(body) = text.strip_prefix('+') {
            (if self.space { " " } else { "+" }, body)
        } else if self.plus {
            ("+", text.as_str())
        } else if self.space {
            (" ", text.as_str())
        } else {
            ("", text.as_str())
        };
        let padding = self
            .width
            .map_or(0, |w| w.saturating_sub(sign.len() + body.len()));
        if self.zero && !self.minus && !n.is_infinite() {
            out.push_str(sign);
            out.push_str(&"0".repeat(padding));
            out.push_str(body);
        } else if self.minus {
            out.push_str(sign);
            out.push_str(body);
            out.push_str(&" ".repeat(padding));
        } else {
            out.push_str(&" ".repeat(padding));
            out.push_str(sign);
            out.push_str(body);
        }
    }

    /// Go's `big.Int.Format` for `%b %d %o %x %X`.
    fn integer(&self, i: &BigInt, out: &mut String) {
        let (radix, prefix) = match self.mode {
            'b' => (2, "0b"),
            'o' => (8, "0"),
            'x' => (16, "0x"),
            'X' => (16, "0X"),
            _ => (10, ""),
        };
        let prefix = if self.sharp { prefix } else { "" };
        let sign = if i.sign() == Sign::Minus {
            "-"
        } else if self.plus {
            "+"
        } else if self.space {
            " "
        } else {
            ""
        };
        let mut digits = i.magnitude().to_str_radix(radix);
        if self.mode == 'X' {
            digits.make_ascii_uppercase();
        }
        let mut zeros = 0;
        if let Some(p) = self.precision {
            if digits.len() < p {
                zeros = p - digits.len();
            } else if digits == "0" && p == 0 {
                // Go prints nothing at all, not even padding, for zero at precision zero.
                return;
            }
        }
        let length = sign.len() + prefix.len() + zeros + digits.len();
        let (mut left, mut right) = (0, 0);
        if let Some(width) = self.width.filter(|&w| w > length) {
            let extra = width - length;
            if self.minus {
                right = extra;
            } else if self.zero && self.precision.is_none() {
                zeros += extra;
            } else {
                left = extra;
            }
        }
        out.push_str(&" ".repeat(left));
        out.push_str(sign);
        out.push_str(prefix);
        out.push_str(&"0".repeat(zeros));
        out.push_str(&digits);
        out.push_str(&" ".repeat(right));
    }
}

/// cty's JSON encoding of a value, which `%v` uses for anything but strings and numbers.
fn go_json(out: &mut String, v: &Value) -> Result<(), String> {
    match v {
        Value::Null(_) => out.push_str("null"),
        Value::Unknown(_) => return Err("value is not known".to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_infinite() => {
            return Err("cannot serialize infinity as JSON".to_string())
        }
        Value::Number(n) => out.push_str(&go_float_text(n, 'f', -1)),
        Value::String(s) => super::encoding::json_quote(s, out),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(out, item)?;
            }
            out.push(']');
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            out.push('{');
            for (i, (key, item)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                super::encoding::json_quote(key, out);
                out.push(':');
                go_json(out, item)?;
            }
            out.push('}');
        }
        Value::Sensitive(inner) => go_json(out, inner)?,
    }
    length_limit(out.len())
}

/// A number as cty converts it to a string (`Text('f', -1)`).
fn number_string(n: &Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        n => go_float_text(n, 'f', -1),
    }
}

/// Formats one verb's argument (cty's `formatAppend`).
fn format_verb(verb: &Verb, args: &[Value], out: &mut String) -> Result<(), FormatError> {
    let Some(arg) = verb.arg.checked_sub(1).and_then(|i| args.get(i)) else {
        return Err(FormatError::Call(format!(
            "not enough arguments for {} at {}: need index {} but have {} total",
            go_quote(verb.raw),
            verb.offset,
            verb.arg,
            args.len()
        )));
    };
    if verb.mode != 'v' && arg.is_null() {
        return Err(verb.unsupported("null value cannot be formatted"));
    }
    if verb.width.max(verb.precision).unwrap_or(0) > MAX_FORMAT_WIDTH {
        return Err(verb.unsupported("width or precision is too large"));
    }
    let converted = |ty: &Type| convert(arg, ty).map_err(|e| verb.unsupported(&e.to_string()));
    match verb.mode {
        'v' => match arg {
            Value::String(s) if !verb.sharp => verb.pad(s, out),
            Value::Number(n) if !verb.sharp => verb.pad(&go_float_text(n, 'g', -1), out),
            _ => {
                let mut json = String::new();
                go_json(&mut json, arg).map_err(|e| verb.unsupported(&e))?;
                verb.pad(&json, out);
            }
        },
        't' => {
            let b = converted(&Type::Bool)?.as_bool().unwrap_or(false);
            out.push_str(if b { "true" } else { "false" });
        }
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let value = converted(&Type::Number)?;
            let n = value.as_number().cloned().unwrap_or(Number::Int(0));
            if matches!(verb.mode, 'e' | 'E' | 'f' | 'g' | 'G') {
                verb.float(&n, out);
            } else {
                let i =
                    exact_integer(&n).ok_or_else(|| verb.unsupported("an integer is required"))?;
                verb.integer(&i, out);
            }
        }
        's' | 'q' => {
            let text = match arg {
                Value::Number(n) => number_string(n),
                _ => converted(&Type::String)?.as_str().unwrap_or("").to_string(),
            };
            // Precision counts grapheme clusters; cty ignores a zero precision.
            let text = match verb.precision.filter(|&p| p > 0) {
                Some(p) => text
                    .grapheme_indices(true)
                    .nth(p)
                    .map_or(text.as_str(), |(i, _)| &text[..i]),
                None => text.as_str(),
            };
            if verb.mode == 's' {
                verb.pad(text, out);
            } else {
                let mut quoted = String::new();
                super::encoding::json_quote(text, &mut quoted);
                verb.pad(&quoted, out);
            }
        }
        mode => {
            return Err(FormatError::Call(format!(
                "unsupported format verb {} in {} at offset {}",
                go_quote_rune(mode),
                go_quote(verb.raw),
                verb.offset
            )))
        }
    }
    length_limit(out.len()).map_err(FormatError::Call)
}

/// Digits from `at`, saturating; returns the value and the position after them.
fn scan_number(bytes: &[u8], mut at: usize) -> (usize, usize) {
    let mut n = 0usize;
    while let Some(d) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
        at += 1;
    }
    (n, at)
}

/// cty's `formatFSM`: literal text, `%%`, and verbs; arguments must all be used.
fn format_go(format: &str, args: &[Value]) -> Result<String, FormatError> {
    let bytes = format.as_bytes();
    let bad_char = |at: usize| {
        FormatError::Call(match format.get(at..).and_then(|r| r.chars().next()) {
            Some(c) => format!(
                "unrecognized format character {} at offset {at}",
                go_quote_rune(c)
            ),
            None => format!("invalid format string starting at offset {at}"),
        })
    };
    let mut out = String::with_capacity(format.len());
    let mut next_arg = 1;
    let mut highest_arg = 0;
    let mut literal_start = 0;
    let mut p = 0;
    while p < bytes.len() {
        if bytes[p] != b'%' {
            p += 1;
            continue;
        }
        out.push_str(&format[literal_start..p]);
        let start = p;
        p += 1;
        if bytes.get(p) == Some(&b'%') {
            out.push('%');
            p += 1;
            literal_start = p;
            continue;
        }
        let mut verb = Verb {
            offset: start,
            arg: next_arg,
            ..Verb::default()
        };
        while let Some(flag) = bytes.get(p) {
            match flag {
                b'0' => verb.zero = true,
                b'#' => verb.sharp = true,
                b'-' => verb.minus = true,
                b'+' => verb.plus = true,
                b' ' => verb.space = true,
                _ => break,
            }
            p += 1;
        }
        if bytes.get(p).is_some_and(|b| (b'1'..=b'9').contains(b)) {
            let (width, after) = scan_number(bytes, p);
            verb.width = Some(width);
            p = after;
        }
        if bytes.get(p) == Some(&b'.') {
            let (precision, after) = scan_number(bytes, p + 1);
            verb.precision = Some(precision);
            p = after;
        }
        if bytes.get(p) == Some(&b'[') {
            p += 1;
            if !bytes.get(p).is_some_and(|b| (b'1'..=b'9').contains(b)) {
                return Err(bad_char(p));
            }
            let (index, after) = scan_number(bytes, p);
            verb.arg = index;
            p = after;
            if bytes.get(p) != Some(&b']') {
                return Err(bad_char(p));
            }
            p += 1;
        }
        match bytes.get(p) {
            Some(c) if c.is_ascii_alphabetic() => {
                verb.mode = char::from(*c);
                verb.raw = &format[start..=p];
                p += 1;
                highest_arg = highest_arg.max(verb.arg);
                format_verb(&verb, args, &mut out)?;
                next_arg = verb.arg.saturating_add(1);
            }
            _ => return Err(bad_char(p)),
        }
        literal_start = p;
    }
    out.push_str(&format[literal_start..]);
    if highest_arg < args.len() {
        let message = if highest_arg == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {highest_arg} used by format string")
        };
        return Err(FormatError::ExtraArgs {
            index: highest_arg + 1,
            message,
        });
    }
    Ok(out)
}

fn format(_: &FuncContext, args: &[Value]) -> FuncResult {
    let (values, marked) = unmark_all(args.get(1..).unwrap_or(&[]));
    // Collections print as JSON, which needs them wholly known.
    if values.iter().any(|v| !v.is_wholly_known()) {
        return Ok(Value::Unknown(Type::String).mark_if(marked));
    }
    let s = format_go(arg_str(args, 0), &values).map_err(FormatError::into_func_error)?;
    Ok(string_value(s).mark_if(marked))
}

/// `formatlist`: lists, sets and tuples are iterated in step (they must have one length);
/// other arguments repeat. An iteration with an unknown argument gives an unknown element.
fn formatlist(_: &FuncContext, args: &[Value]) -> FuncResult {
    let format = arg_str(args, 0);
    let (values, marked) = unmark_all(args.get(1..).unwrap_or(&[]));
    let done = |v: Value| Ok(v.mark_if(marked));
    if values.is_empty() {
        let s = format_go(format, &[]).map_err(FormatError::into_func_error)?;
        return done(Value::list(Type::String, vec![string_value(s)]));
    }
    enum Source<'v> {
        Each(&'v [Value]),
        Same(&'v Value),
    }
    let mut length: Option<(usize, usize)> = None;
    let mut unknown = false;
    let mut sources = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let ty = v.ty();
        if !matches!(ty, Type::List(_) | Type::Set(_) | Type::Tuple(_)) || v.is_null() {
            sources.push(Source::Same(v));
            continue;
        }
        // An unknown tuple still has a known length to check; an unknown list does not.
        let this_len = match (v, &ty) {
            (Value::Unknown(_), Type::Tuple(elems)) => elems.len(),
            (Value::Unknown(_), _) => {
                unknown = true;
                continue;
            }
            _ => v.as_seq().map_or(0, <[Value]>::len),
        };
        match length {
            None => length = Some((this_len, i)),
            Some((len, chooser)) if len != this_len => {
                return Err(FuncError::arg(
                    i + 1,
                    format!(
                        "argument {} has length {this_len}, which is inconsistent with argument {} of length {len}",
                        i + 1,
                        chooser + 1
                    ),
                ))
            }
            Some(_) => {}
        }
        match v.as_seq() {
            Some(items) if v.is_known() => sources.push(Source::Each(items)),
            _ => unknown = true,
        }
    }
    if unknown {
        return done(Value::Unknown(Type::list(Type::String)));
    }
    let count = length.map_or(1, |(len, _)| len);
    let mut results = Vec::with_capacity(count);
    let mut total = 0usize;
    let mut call_args: Vec<Value> = Vec::with_capacity(sources.len());
    'results: for iteration in 0..count {
        call_args.clear();
        for source in &sources {
            let v = match source {
                Source::Each(items) => items.get(iteration).unwrap_or(&Value::NULL),
                Source::Same(v) => v,
            };
            if !v.is_wholly_known() {
                results.push(Value::Unknown(Type::String));
                continue 'results;
            }
            call_args.push(v.clone());
        }
        let s = format_go(format, &call_args).map_err(|e| {
            FuncError::call(format!(
                "error on format iteration {iteration}: {}",
                e.message()
            ))
        })?;
        total = total.saturating_add(s.len());
        check_len(total)?;
        results.push(string_value(s));
    }
    done(Value::list(Type::String, results))
}

#[cfg(test)]
mod tests {
    use super::super::call_builtin;
    use crate::value::{Number, Type, Value};
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn s(x: &str) -> Value {
        Value::from(x)
    }

    fn n(x: &str) -> Value {
        Value::Number(Number::parse(x).expect("test number"))
    }

    fn strings(items: &[&str]) -> Value {
        Value::list(Type::String, items.iter().map(|i| s(i)).collect())
    }

    fn ok(name: &str, args: &[Value]) -> Value {
        call_builtin(name, args).unwrap_or_else(|e| panic!("{name}: {}", e.detail))
    }

    fn text(name: &str, args: &[Value]) -> String {
        let v = ok(name, args);
        v.as_str()
            .unwrap_or_else(|| panic!("{name} gave {v}"))
            .to_string()
    }

    fn detail(name: &str, args: &[Value]) -> String {
        match call_builtin(name, args) {
            Ok(v) => panic!("{name} should fail, gave {v}"),
            Err(e) => e.detail,
        }
    }

    fn fmt(format: &str, args: &[Value]) -> String {
        let mut all = vec![s(format)];
        all.extend_from_slice(args);
        text("format", &all)
    }

    fn fmt_err(format: &str, args: &[Value]) -> String {
        let mut all = vec![s(format)];
        all.extend_from_slice(args);
        detail("format", &all)
    }

    // --- The conformance expressions (Terraform 1.0.3's answers) -----------------------------

    #[test]
    fn conformance_expressions_give_terraforms_results() {
        assert_eq!(
            text("chomp", &[s("goodbye\ncruel\nworld\n")]),
            "goodbye\ncruel\nworld"
        );
        assert_eq!(fmt("Hello, %s!", &[s("Ander")]), "Hello, Ander!");
        let list = ok(
            "formatlist",
            &[
                s("Hello, %s!"),
                strings(&["Valentina", "Ander", "Olivia", "Sam"]),
            ],
        );
        assert_eq!(list.ty(), Type::list(Type::String));
        assert_eq!(
            list.to_string(),
            strings(&[
                "Hello, Valentina!",
                "Hello, Ander!",
                "Hello, Olivia!",
                "Hello, Sam!"
            ])
            .to_string()
        );
        assert_eq!(
            text(
                "indent",
                &[n("4"), s("Fleas:\nAdam\nHad'em\n\nE.E. Cummings")]
            ),
            "Fleas:\n    Adam\n    Had'em\n    \n    E.E. Cummings"
        );
        assert_eq!(
            text("join", &[s(" "), strings(&["Hello", "World"])]),
            "Hello World"
        );
        assert_eq!(text("lower", &[s("HELLO")]), "hello");
        let m = ok("regex", &[s(r"(\d+)([a-z]+)"), s("aaa111bbb222")]);
        assert_eq!(m.ty(), Type::tuple(vec![Type::String, Type::String]));
        assert_eq!(
            m.to_string(),
            Value::tuple(vec![s("111"), s("bbb")]).to_string()
        );
        let all = ok("regexall", &[s(r"(\d+)([a-z]+)"), s("...111aaa222bbb...")]);
        assert_eq!(
            all.ty(),
            Type::list(Type::tuple(vec![Type::String, Type::String]))
        );
        assert_eq!(all.as_seq().map(<[Value]>::len), Some(2));
        assert_eq!(
            detail("replace", &[s("hello"), s("/(l/"), s("$1$1")]),
            "Call to function \"replace\" failed: error parsing regexp: missing closing ): `(l`."
        );
        assert_eq!(text("replace", &[s("hello"), s("/l/"), s("L")]), "heLLo");
        assert_eq!(text("replace", &[s("hello"), s("hel"), s("bel")]), "bello");
        assert_eq!(text("replace", &[s("hello"), s("nope"), s("bel")]), "hello");
        assert_eq!(
            text("replace", &[s("helo"), s("/(l)/"), s("$1$1")]),
            "hello"
        );
        let parts = ok("split", &[s(" "), s("Hello World")]);
        assert_eq!(parts.to_string(), strings(&["Hello", "World"]).to_string());
        assert_eq!(text("strrev", &[s("hello world")]), "dlrow olleh");
        assert_eq!(text("substr", &[s("hello world"), n("1"), n("4")]), "ello");
        assert_eq!(text("title", &[s("hello")]), "Hello");
        assert_eq!(text("trimspace", &[s(" hello ")]), "hello");
        assert_eq!(text("upper", &[s("hello")]), "HELLO");
    }

    #[test]
    fn newer_predicates_follow_the_current_documentation() {
        let b = |name: &str, a: &str, b: &str| ok(name, &[s(a), s(b)]).as_bool();
        assert_eq!(b("startswith", "hello world", "hello"), Some(true));
        assert_eq!(b("startswith", "hello world", "world"), Some(false));
        assert_eq!(b("startswith", "hello world", ""), Some(true));
        assert_eq!(b("startswith", "", "hello"), Some(false));
        assert_eq!(b("startswith", " ", ""), Some(true));
        assert_eq!(b("endswith", "hello world", "world"), Some(true));
        assert_eq!(b("endswith", "hello world", "hello"), Some(false));
        assert_eq!(b("endswith", "", ""), Some(true));
        assert_eq!(b("endswith", "", " "), Some(false));
        assert_eq!(b("strcontains", "hello", "llo"), Some(true));
        assert_eq!(b("strcontains", "hello", "a"), Some(false));
        let unknown = Value::Unknown(Type::String);
        assert_eq!(
            ok("startswith", &[unknown.clone(), s("")]).as_bool(),
            Some(true)
        );
        assert!(!ok("startswith", &[unknown.clone(), s("a")]).is_known());
        assert!(!ok("endswith", &[unknown, s("")]).is_known());
        assert_eq!(
            detail("startswith", &[Value::Null(Type::String), s("a")]),
            "Invalid value for \"str\" parameter: argument must not be null."
        );
    }

    // --- format ------------------------------------------------------------------------------

    #[test]
    fn format_verbs_flags_and_widths_match_go() {
        assert_eq!(
            fmt(
                "%05d|%-5d|%+d|% d|%x|%X|%o|%b|%#x|%#o|%#b",
                &[42, 42, 42, 42, 255, 255, 8, 5, 255, 8, 5].map(Value::int)
            ),
            "00042|42   |+42| 42|ff|FF|10|101|0xff|010|0b101"
        );
        assert_eq!(
            fmt("%.3d|%8.3d|%08.3d|%.0d|", &[7, 7, 7, 0].map(Value::int)),
            "007|     007|     007||"
        );
        assert_eq!(
            fmt(
                "%5.2f|%-8.3e|%g|%G|%E",
                &[
                    n("3.14159"),
                    n("1234.5678"),
                    n("0.00001234"),
                    n("1e21"),
                    n("5")
                ]
            ),
            " 3.14|1.235e+03|1.234e-05|1E+21|5.000000E+00"
        );
        assert_eq!(
            fmt(
                "%08.2f|%-8.2f|%+08.2f",
                &[n("-3.14159"), n("3.14159"), n("3.14159")]
            ),
            "-0003.14|3.14    |+0003.14"
        );
        assert_eq!(
            fmt(
                "%.3s|%.0s|%5s|%-5s|%05s|%-05s",
                &["abcdef", "abc", "ab", "ab", "ab", "ab"].map(s)
            ),
            "abc|abc|   ab|ab   |000ab|ab000"
        );
        assert_eq!(fmt("%5.1s|", &[s("héllo")]), "    h|");
        assert_eq!(
            fmt("%10q|%.1q", &[s("hi"), s("hello")]),
            "      \"hi\"|\"h\""
        );
        assert_eq!(
            fmt(
                "%t %5t %s",
                &[s("true"), Value::Bool(true), Value::Bool(false)]
            ),
            "true true false"
        );
        assert_eq!(
            fmt("%d|%s|%q", &[s("12"), n("1.5"), Value::int(12)]),
            "12|1.5|\"12\""
        );
        assert_eq!(fmt("%%d %s", &[s("a")]), "%d a");
        assert_eq!(
            fmt("%x|%+x|% o|%+b", &[n("-255"), n("255"), n("8"), n("-5")]),
            "-ff|+ff| 10|-101"
        );
        assert_eq!(
            fmt("%#.3x|%.0x|", &[Value::int(1), Value::int(0)]),
            "0x001||"
        );
    }

    #[test]
    fn format_argument_indexes_continue_from_the_last_index() {
        assert_eq!(fmt("%[2]s%[1]s", &[s("a"), s("b")]), "ba");
        assert_eq!(fmt("%s %[1]s %s", &[s("a"), s("b")]), "a a b");
        assert_eq!(fmt("%5[1]s|%.3[1]d", &[Value::int(1)]), "    1|001");
        assert_eq!(
            fmt_err("%[2]s %s", &[s("a"), s("b")]),
            "Call to function \"format\" failed: not enough arguments for \"%s\" at 6: need index 3 but have 2 total."
        );
    }

    #[test]
    fn format_numbers_are_cty_512_bit_binary_floats() {
        // Ties in the decimal literal are decided by the binary value, as in Terraform.
        assert_eq!(
            fmt(
                "%.2f %.2f %.1f %.0f %.0f %.2e %.0e %.0e",
                &[
                    n("2.675"),
                    n("0.125"),
                    n("0.05"),
                    n("0.5"),
                    n("1.5"),
                    n("2.675"),
                    n("15"),
                    n("25")
                ]
            ),
            "2.67 0.12 0.1 0 2 2.67e+00 2e+01 2e+01"
        );
        let binary_1e300 = "1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000025898829358537132559113654728130537025789270281671495643239429409754152965542491918965000880113770635722426349560837461381711563440772702038654976";
        assert_eq!(fmt("%f", &[n("1e300")]), format!("{binary_1e300}.000000"));
        assert_eq!(fmt("%d", &[n("1e300")]), binary_1e300);
        assert_eq!(
            fmt("%.3e|%v", &[n("1e300"), n("1e300")]),
            "1.000e+300|1e+300"
        );
        assert_eq!(fmt("%x", &[n("1e20")]), "56bc75e2d63100000");
        assert_eq!(
            fmt("%.100g|%.30f", &[n("0.1"), n("0.1")]),
            "0.1|0.100000000000000000000000000000"
        );
        // %v is %g with the shortest digits and %e beyond six integer digits.
        assert_eq!(
            fmt(
                "%v|%v|%v|%v|%v|%v",
                &[
                    n("100000"),
                    n("1234567"),
                    n("0.00001"),
                    n("-0.0001"),
                    n("123456789012345678901234567890"),
                    n("1e-7")
                ]
            ),
            "100000|1.234567e+06|1e-05|-0.0001|1.2345678901234567890123456789e+29|1e-07"
        );
        // A quotient's digits beyond 512 bits are dropped, as Go's shortest form does.
        let third = format!("0.{}", "3".repeat(160));
        let want = format!("0.{}5", "3".repeat(154));
        assert_eq!(fmt("%v", &[n(&third)]), want);
        assert_eq!(
            fmt("%e|%g", &[Value::int(0), Value::int(0)]),
            "0.000000e+00|0"
        );
    }

    #[test]
    fn format_infinity_is_signed_and_never_zero_padded() {
        let inf = Value::Number(Number::PosInf);
        let ninf = Value::Number(Number::NegInf);
        assert_eq!(
            fmt(
                "%08f|% f|%+f|%-8f|%v",
                &[inf.clone(), inf.clone(), ninf.clone(), inf.clone(), ninf]
            ),
            "    +Inf| Inf|-Inf|+Inf    |-Inf"
        );
        assert_eq!(
            fmt_err("%#v", &[Value::list(Type::Number, vec![inf])]),
            "Call to function \"format\" failed: unsupported value for \"%#v\" at 0: cannot serialize infinity as JSON."
        );
    }

    #[test]
    fn format_v_prints_json_with_go_html_escaping() {
        let mut attrs = BTreeMap::new();
        attrs.insert(Arc::from("c"), s("x<&>\u{2028}"));
        attrs.insert(Arc::from("a"), Value::tuple(vec![Value::int(1), n("2.5")]));
        attrs.insert(Arc::from("b"), Value::NULL);
        assert_eq!(
            fmt("%v", &[Value::object(attrs)]),
            r#"{"a":[1,2.5],"b":null,"c":"x\u003c\u0026\u003e\u2028"}"#
        );
        assert_eq!(
            fmt(
                "%v|%#v|%v|%q",
                &[Value::NULL, s("a"), Value::Bool(true), s("\u{1}\n")]
            ),
            "null|\"a\"|true|\"\\u0001\\n\""
        );
        assert_eq!(
            fmt(
                "%10.4v|%-6v|%06v|%-06v",
                &[n("3.14159"), s("ab"), Value::int(12), Value::int(12)]
            ),
            "   3.14159|ab    |000012|120000"
        );
    }

    #[test]
    fn format_errors_use_ctys_wording() {
        let call = |m: &str| format!("Call to function \"format\" failed: {m}.");
        assert_eq!(
            fmt_err("abc%", &[]),
            call("invalid format string starting at offset 4")
        );
        assert_eq!(
            fmt_err("%!", &[]),
            call("unrecognized format character '!' at offset 1")
        );
        assert_eq!(
            fmt_err("%ü", &[Value::int(1)]),
            call("unrecognized format character 'ü' at offset 1")
        );
        assert_eq!(
            fmt_err("%[0]s", &[s("a")]),
            call("unrecognized format character '0' at offset 2")
        );
        assert_eq!(
            fmt_err("%[1]5s", &[s("a")]),
            call("unrecognized format character '5' at offset 4")
        );
        assert_eq!(
            fmt_err("%[1", &[s("a")]),
            call("invalid format string starting at offset 3")
        );
        assert_eq!(
            fmt_err("%z", &[Value::int(1)]),
            call("unsupported format verb 'z' in \"%z\" at offset 0")
        );
        assert_eq!(
            fmt_err("%s", &[]),
            call("not enough arguments for \"%s\" at 0: need index 1 but have 0 total")
        );
        assert_eq!(
            fmt_err("%s", &[Value::NULL]),
            call("unsupported value for \"%s\" at 0: null value cannot be formatted")
        );
        assert_eq!(
            fmt_err("%d", &[n("1.5")]),
            call("unsupported value for \"%d\" at 0: an integer is required")
        );
        assert_eq!(
            fmt_err("%d", &[s("abc")]),
            call("unsupported value for \"%d\" at 0: a number is required")
        );
        assert_eq!(
            fmt_err("%d", &[Value::Bool(true)]),
            call("unsupported value for \"%d\" at 0: number required")
        );
        assert_eq!(
            fmt_err("%s", &[strings(&["a"])]),
            call("unsupported value for \"%s\" at 0: string required")
        );
        assert_eq!(
            fmt_err("%t", &[Value::int(1)]),
            call("unsupported value for \"%t\" at 0: bool required")
        );
        assert_eq!(
            fmt_err("%s", &[s("a"), s("b")]),
            "Invalid value for \"args\" parameter: too many arguments; only 1 used by format string."
        );
        assert_eq!(
            fmt_err("a", &[s("b")]),
            "Invalid value for \"args\" parameter: too many arguments; no verbs in format string."
        );
        assert_eq!(
            fmt_err("%d %[1]d", &[Value::int(1), Value::int(2)]),
            "Invalid value for \"args\" parameter: too many arguments; only 1 used by format string."
        );
    }

    #[test]
    fn format_is_unknown_when_any_nested_value_is() {
        let partly = Value::tuple(vec![s("a"), Value::Unknown(Type::String)]);
        let v = ok("format", &[s("%v"), partly]);
        assert!(!v.is_known());
        assert_eq!(v.ty(), Type::String);
        let v = ok("format", &[s("%s"), Value::Unknown(Type::String)]);
        assert!(!v.is_known());
    }

    #[test]
    fn format_marks_the_result_of_nested_sensitive_values() {
        let list = Value::list(Type::String, vec![s("a"), s("b").mark_sensitive()]);
        let v = ok("format", &[s("%v"), list]);
        assert!(v.is_sensitive());
        assert_eq!(v.as_str(), Some(r#"["a","b"]"#));
        assert!(ok("format", &[s("%s"), s("x").mark_sensitive()]).is_sensitive());
        assert!(!ok("format", &[s("%s"), s("x")]).is_sensitive());
    }

    #[test]
    fn format_refuses_enormous_widths_and_results() {
        assert!(fmt_err("%2000000s", &[s("a")]).contains("too large"));
        let many = "%999999s".repeat(200);
        let args = vec![s("a"); 200];
        assert!(fmt_err(&many, &args).contains("longer than"));
    }

    // --- formatlist --------------------------------------------------------------------------

    #[test]
    fn formatlist_iterates_sequences_and_repeats_the_rest() {
        let v = ok(
            "formatlist",
            &[s("%s=%d"), strings(&["a", "b"]), Value::int(7)],
        );
        assert_eq!(v.to_string(), strings(&["a=7", "b=7"]).to_string());
        let v = ok(
            "formatlist",
            &[s("%s"), Value::set(Type::String, vec![s("b"), s("a")])],
        );
        assert_eq!(v.to_string(), strings(&["a", "b"]).to_string());
        let v = ok("formatlist", &[s("%s %s"), strings(&[]), strings(&[])]);
        assert_eq!(v.as_seq().map(<[Value]>::len), Some(0));
        assert_eq!(v.ty(), Type::list(Type::String));
        let v = ok("formatlist", &[s("x")]);
        assert_eq!(v.to_string(), strings(&["x"]).to_string());
        let v = ok("formatlist", &[s("%v"), Value::NULL]);
        assert_eq!(v.to_string(), strings(&["null"]).to_string());
    }

    #[test]
    fn formatlist_errors_name_the_argument_or_the_iteration() {
        assert_eq!(
            detail("formatlist", &[s("%s-%s"), strings(&["a", "b"]), strings(&["c"])]),
            "Invalid value for \"args\" parameter: argument 2 has length 1, which is inconsistent with argument 1 of length 2."
        );
        assert_eq!(
            detail("formatlist", &[s("%s"), s("a"), s("b")]),
            "Call to function \"formatlist\" failed: error on format iteration 0: too many arguments; only 1 used by format string."
        );
        assert_eq!(
            detail("formatlist", &[s("%d"), strings(&["1", "x"])]),
            "Call to function \"formatlist\" failed: error on format iteration 1: unsupported value for \"%d\" at 0: a number is required."
        );
        assert_eq!(
            detail("formatlist", &[s("%s")]),
            "Call to function \"formatlist\" failed: not enough arguments for \"%s\" at 0: need index 1 but have 0 total."
        );
    }

    #[test]
    fn formatlist_unknowns_make_elements_or_the_whole_list_unknown() {
        let partly = Value::list(Type::String, vec![s("a"), Value::Unknown(Type::String)]);
        let v = ok("formatlist", &[s("<%s>"), partly]);
        let items = v.as_seq().expect("a known list");
        assert_eq!(items[0].as_str(), Some("<a>"));
        assert!(!items[1].is_known());
        let v = ok(
            "formatlist",
            &[s("%s"), Value::Unknown(Type::list(Type::String))],
        );
        assert!(!v.is_known());
        assert_eq!(v.ty(), Type::list(Type::String));
        // An unknown tuple still has a length, which is checked.
        let tuple = Value::Unknown(Type::tuple(vec![Type::String]));
        assert!(
            detail("formatlist", &[s("%s%s"), tuple, strings(&["a", "b"])])
                .contains("inconsistent")
        );
        let v = ok(
            "formatlist",
            &[s("%s"), Value::Unknown(Type::String), strings(&["a", "b"])],
        );
        assert_eq!(v.as_seq().map(<[Value]>::len), Some(2));
    }

    #[test]
    fn formatlist_marks_the_list_of_nested_sensitive_values() {
        let list = Value::list(Type::String, vec![s("a"), s("b").mark_sensitive()]);
        assert!(ok("formatlist", &[s("%s"), list]).is_sensitive());
    }

    // --- regex, regexall, replace -------------------------------------------------------------

    #[test]
    fn regex_result_types_follow_the_capture_groups() {
        let v = ok("regex", &[s("[a-z]+"), s("53453453.345345aaabbbccc23454")]);
        assert_eq!(v.as_str(), Some("aaabbbccc"));
        let v = ok("regex", &[s(r"(?P<a>x)(?P<b>y)?"), s("x")]);
        assert_eq!(
            v.ty(),
            Type::object(
                [("a", Type::String), ("b", Type::String)]
                    .into_iter()
                    .map(|(k, t)| (Arc::from(k), t))
                    .collect()
            )
        );
        assert!(v
            .as_attrs()
            .and_then(|a| a.get("b"))
            .is_some_and(Value::is_null));
        let v = ok("regex", &[s("(a)|b"), s("b")]);
        assert!(v.as_seq().is_some_and(|items| items[0].is_null()));
        // Go 1.16 allows a repeated name; the last group wins in the object.
        let v = ok("regex", &[s("(?P<a>x)(?P<a>y)"), s("xy")]);
        assert_eq!(
            v.as_attrs()
                .and_then(|a| a.get("a"))
                .and_then(Value::as_str),
            Some("y")
        );
        let v = ok("regexall", &[s("a*"), s("baaac")]);
        assert_eq!(v.to_string(), strings(&["", "aaa", ""]).to_string());
        let v = ok("regexall", &[s("z"), s("abc")]);
        assert_eq!(v.ty(), Type::list(Type::String));
        assert_eq!(v.as_seq().map(<[Value]>::len), Some(0));
    }

    #[test]
    fn regex_errors_use_ctys_wording() {
        let pattern = |m: &str| {
            format!("Invalid value for \"pattern\" parameter: invalid regexp pattern: {m}.")
        };
        assert_eq!(
            detail("regex", &[s("z"), s("abc")]),
            "Call to function \"regex\" failed: pattern did not match any part of the given string."
        );
        assert_eq!(
            detail("regex", &[s("(?P<a>x)(y)"), s("xy")]),
            pattern("cannot mix both named and unnamed capture groups")
        );
        let cases = [
            ("(l", "missing closing ) in (l"),
            ("[a", "missing closing ] in [a"),
            ("a)", "unexpected ) in a)"),
            ("*a", "missing argument to repetition operator in *"),
            ("a|*", "missing argument to repetition operator in *"),
            ("(*)", "missing argument to repetition operator in *"),
            ("a**", "invalid nested repetition operator in **"),
            ("a{2}*", "invalid nested repetition operator in {2}*"),
            (r"\q", r"invalid escape sequence in \q"),
            (r"\C", r"invalid escape sequence in \C"),
            (r"\1", r"invalid escape sequence in \1"),
            (r"\xZ1", r"invalid escape sequence in \xZ1"),
            (r"\x{110000}", r"invalid escape sequence in \x{110000"),
            (r"[a-\d]", r"invalid escape sequence in \d"),
            ("a\\", "trailing backslash at end of expression in "),
            ("[z-a]", "invalid character class range in z-a"),
            ("[[:foo:]]", "invalid character class range in [:foo:]"),
            (
                r"\p{Letter}",
                r"invalid character class range in \p{Letter}",
            ),
            (r"\p{greek}", r"invalid character class range in \p{greek}"),
            (r"\pX", r"invalid character class range in \pX"),
            ("(?P<>a)", "invalid named capture in (?P<>"),
            ("(?P<n", "invalid named capture in (?P<n"),
            ("(?P<é>a)", "invalid named capture in (?P<é>"),
            ("(?<n>a)", "invalid or unsupported Perl syntax in (?<"),
            ("(?=a)", "invalid or unsupported Perl syntax in (?="),
            ("(?x) a", "invalid or unsupported Perl syntax in (?x"),
            ("(?-)a", "invalid or unsupported Perl syntax in (?-)"),
            ("(?i-)a", "invalid or unsupported Perl syntax in (?i-)"),
            ("a{1001}", "invalid repeat count in {1001}"),
            ("x{2,1}", "invalid repeat count in {2,1}"),
        ];
        for (p, want) in cases {
            assert_eq!(
                detail("regex", &[s(p), s("a")]),
                pattern(want),
                "pattern {p}"
            );
        }
    }

    #[test]
    fn regex_uses_go_syntax_and_ascii_classes() {
        let first = |p: &str, t: &str| text("regex", &[s(p), s(t)]);
        assert_eq!(first(r"\d+", "a١٢٣b12"), "12");
        assert_eq!(first(r"\w+", "éa_b"), "a_b");
        assert_eq!(first(r"\babc\b", "éabc"), "abc");
        assert_eq!(first(r"\Qa.b\E", "xa.b"), "a.b");
        assert_eq!(first(r"\Qab", "ab"), "ab");
        assert_eq!(first("[[]", "["), "[");
        assert_eq!(first("[]a]", "]"), "]");
        assert_eq!(first(r"\x41\101", "AA"), "AA");
        assert_eq!(first(r"\<", "a<"), "<");
        assert_eq!(first("a{,3}", "a{,3}"), "a{,3}");
        assert_eq!(first("a{01}", "a{01}"), "a{01}");
        assert_eq!(first("a{", "a{"), "a{");
        assert_eq!(first("(?)a", "a"), "a");
        assert_eq!(first("^*", ""), "");
        assert_eq!(first(r"[[:^alpha:]]+", "ab12"), "12");
        assert_eq!(first(r"[\d\-]+", "a1-2"), "1-2");
        assert_eq!(first(r"\p{^Greek}", "a"), "a");
        // The Kelvin sign folds to k, and NFC turns the match into a plain K.
        assert_eq!(first("(?i)k", "\u{212a}"), "K");
        assert_eq!(first("[a&&b]+", "a&&b"), "a&&b");
        assert!(detail("regex", &[s("(?i)straße"), s("STRASSE")]).contains("did not match"));
        // A flag group between an atom and its operator: `(?U)` then `??` is greedy again.
        let v = ok("regexall", &[s(r"\d(?U)??"), s("aXb12")]);
        assert_eq!(v.to_string(), strings(&["", "", "", "1", "2"]).to_string());
        assert_eq!(first("a*(?i)*", "aaa"), "aaa");
    }

    #[test]
    fn regex_of_an_unknown_string_is_typed_by_the_pattern() {
        let v = ok("regex", &[s("(a)(b)"), Value::Unknown(Type::String)]);
        assert!(!v.is_known());
        assert_eq!(v.ty(), Type::tuple(vec![Type::String, Type::String]));
        let v = ok("regexall", &[s("a"), Value::Unknown(Type::String)]);
        assert_eq!(v.ty(), Type::list(Type::String));
        assert!(
            detail("regex", &[s("(a"), Value::Unknown(Type::String)]).contains("missing closing )")
        );
        let v = ok("regex", &[Value::Unknown(Type::String), s("a")]);
        assert!(!v.is_known());
    }

    #[test]
    fn replace_expands_groups_as_go_does() {
        let r =
            |str: &str, pattern: &str, with: &str| text("replace", &[s(str), s(pattern), s(with)]);
        assert_eq!(r("baaac", "/a*/", "-"), "-b-c-");
        assert_eq!(r("abc", "", "-"), "-a-b-c-");
        assert_eq!(r("x", "//", "-"), "-x-");
        assert_eq!(r("a/b", "/", "-"), "a-b");
        assert_eq!(r("ab", "/(a)(b)/", "$2$1$3$"), "ba$");
        assert_eq!(r("ab", "/a/", "$"), "$b");
        assert_eq!(r("ab", "/(a)/", "$01"), "b");
        assert_eq!(r("ab", "/(a)/", "${1}x$1a"), "axb");
        assert_eq!(r("ab", "/b/", "$0$$"), "ab$");
        assert_eq!(r("hello", "/(?P<x>l+)/", "[$x]"), "he[ll]o");
        assert_eq!(r("b", "/(?P<x>a)?b/", "[$x]"), "[]");
        assert_eq!(r("b", "/(?P<x>a)?(?P<x>b)/", "[$x]"), "[b]");
        assert_eq!(r("abc", "/(?i)B/", "$0$0"), "abbc");
        assert_eq!(
            detail("replace", &[s("a"), s("/[a/"), s("")]),
            "Call to function \"replace\" failed: error parsing regexp: missing closing ]: `[a`."
        );
    }

    #[test]
    fn translated_patterns_never_panic_on_odd_input() {
        let odd = [
            "",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "\\",
            "\\p",
            "\\p{",
            "\\x",
            "\\x{",
            "\\x{}",
            "[\\",
            "[^",
            "(?",
            "(?P",
            "(?P<",
            "(?P<a",
            "a{99999999999}",
            "[\\x{D800}-\\x{DFFF}]",
            "\\x{D800}",
            "[\\p{Cs}]",
            "\\P{Any}",
            "[^\\P{Any}]",
            "(?i)(?-i)(?s:.)",
            "\\Q\\E*",
            "a(?i)*",
            "[[:alpha:]-z]",
            "((((((((((a))))))))))*",
            "é{2}",
            "\\pN+",
            "[\\pC]",
            "(?U)a+?",
            "\\8",
            "\\08",
        ];
        for p in odd {
            for f in ["regex", "regexall"] {
                let _ = call_builtin(f, &[s(p), s("aé\u{d7ff}1")]);
            }
            let _ = call_builtin("replace", &[s("aé1"), s(&format!("/{p}/")), s("$1${")]);
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_formats_and_patterns_never_panic(
            format in r"[%a-zA-Z0-9.#+\- \[\]é]{0,12}",
            pattern in r"[()\[\]{}^$.|*+?\\a-zA-Z0-9:<>=!,\-é]{0,12}",
        ) {
            let args = [s(&format), Value::int(-3), s("xé"), n("2.5"), Value::NULL];
            for count in 1..=args.len() {
                let _ = call_builtin("format", &args[..count]);
            }
            let _ = call_builtin("formatlist", &[s(&format), strings(&["a", "b"])]);
            let _ = call_builtin("regexall", &[s(&pattern), s("ab(c)é1")]);
            let _ = call_builtin("replace", &[s("ab(c)é1"), s(&format!("/{pattern}/")), s(&format)]);
        }
    }

    // --- join, split ------------------------------------------------------------------------

    #[test]
    fn join_reports_nulls_and_needs_a_list() {
        let with_null = Value::list(Type::String, vec![s("a"), Value::Null(Type::String)]);
        assert_eq!(
            detail("join", &[s(","), with_null.clone()]),
            "Invalid value for \"lists\" parameter: element 1 is null; cannot concatenate null values."
        );
        assert_eq!(
            detail("join", &[s(","), strings(&["a"]), with_null]),
            "Invalid value for \"lists\" parameter: element 1 of list 2 is null; cannot concatenate null values."
        );
        assert_eq!(
            detail("join", &[s(",")]),
            "Call to function \"join\" failed: at least one list is required."
        );
        let set = Value::set(Type::String, vec![s("c"), s("b")]);
        assert_eq!(text("join", &[s("-"), strings(&["a"]), set]), "a-b-c");
        assert_eq!(text("join", &[s(","), strings(&[]), strings(&[])]), "");
        let mixed = Value::tuple(vec![Value::int(1), Value::Bool(true)]);
        assert_eq!(text("join", &[s(","), mixed]), "1,true");
    }

    #[test]
    fn join_is_unknown_or_sensitive_as_its_elements() {
        let partly = Value::list(Type::String, vec![s("a"), Value::Unknown(Type::String)]);
        let v = ok("join", &[s(","), partly]);
        assert!(!v.is_known());
        assert_eq!(v.ty(), Type::String);
        let secret = Value::list(Type::String, vec![s("a"), s("b").mark_sensitive()]);
        let v = ok("join", &[s(","), secret]);
        assert!(v.is_sensitive());
        assert_eq!(v.as_str(), Some("a,b"));
    }

    #[test]
    fn split_follows_go() {
        let parts = |sep: &str, str: &str| ok("split", &[s(sep), s(str)]).to_string();
        assert_eq!(parts(",", ""), strings(&[""]).to_string());
        assert_eq!(parts("", "abc"), strings(&["a", "b", "c"]).to_string());
        assert_eq!(parts("", ""), strings(&[]).to_string());
        assert_eq!(parts(",", "a,,b"), strings(&["a", "", "b"]).to_string());
        assert_eq!(
            parts("ab", "xabyabz"),
            strings(&["x", "y", "z"]).to_string()
        );
    }

    // --- the small functions ----------------------------------------------------------------

    #[test]
    fn substr_copies_ctys_quirks() {
        let sub =
            |str: &str, o: i64, l: i64| text("substr", &[s(str), Value::int(o), Value::int(l)]);
        assert_eq!(sub("hello", -3, 0), "llo");
        assert_eq!(sub("hello", -3, 2), "ll");
        assert_eq!(sub("abc", -5, 1), "a");
        assert_eq!(sub("abc", 1, -2), "bc");
        assert_eq!(sub("abc", 5, 1), "");
        assert_eq!(sub("abc", 3, 1), "");
        assert_eq!(sub("", 0, 1), "");
        assert_eq!(sub("hello", 1, 0), "");
        assert_eq!(sub("e\u{301}x", 0, 1), "\u{e9}");
        assert_eq!(sub("🇩🇪🇫🇷x", 1, 1), "🇫🇷");
        assert_eq!(sub("abc", i64::MIN, i64::MAX), "abc");
        assert_eq!(
            detail("substr", &[s("abc"), n("1.5"), Value::int(1)]),
            "Call to function \"substr\" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
    }

    #[test]
    fn strrev_keeps_grapheme_clusters_whole() {
        assert_eq!(text("strrev", &[s("e\u{301}x")]), "x\u{e9}");
        assert_eq!(text("strrev", &[s("🇩🇪🇫🇷")]), "🇫🇷🇩🇪");
        assert_eq!(text("strrev", &[s("")]), "");
    }

    #[test]
    fn case_mappings_are_gos_simple_mappings() {
        assert_eq!(text("upper", &[s("straße ǆ ᾳ ﬁ ı")]), "STRAßE Ǆ ᾼ ﬁ I");
        assert_eq!(text("lower", &[s("İSTANBUL ΣΑΣ ǅ")]), "istanbul σασ ǆ");
        assert_eq!(
            text("title", &[s("hello wORLD ǆemal o'neil 3d x_y é-b")]),
            "Hello WORLD ǅemal O'Neil 3d X_y É-B"
        );
        assert_eq!(
            text("title", &[s("a\u{a0}b\u{2003}c ა")]),
            "A\u{a0}B\u{2003}C ა"
        );
    }

    #[test]
    fn trims_and_chomp_follow_go() {
        assert_eq!(text("trim", &[s("?!hello?!"), s("!?")]), "hello");
        assert_eq!(text("trim", &[s("abc"), s("")]), "abc");
        assert_eq!(text("trimprefix", &[s("helloworld"), s("hello")]), "world");
        assert_eq!(
            text("trimprefix", &[s("helloworld"), s("world")]),
            "helloworld"
        );
        assert_eq!(text("trimsuffix", &[s("helloworld"), s("world")]), "hello");
        assert_eq!(text("trimspace", &[s("\u{a0} x \u{3000}\n")]), "x");
        assert_eq!(text("trimspace", &[s("\u{85}x\u{200b}")]), "x\u{200b}");
        assert_eq!(text("chomp", &[s("a\n\r\n\r")]), "a");
        assert_eq!(text("chomp", &[s("a\n b\r")]), "a\n b");
    }

    #[test]
    fn indent_refuses_negative_and_enormous_counts() {
        assert_eq!(
            text("indent", &[Value::int(2), s("a\r\nb\n")]),
            "a\r\n  b\n  "
        );
        assert_eq!(text("indent", &[Value::int(0), s("a\nb")]), "a\nb");
        assert_eq!(
            detail("indent", &[Value::int(-1), s("a\nb")]),
            "Call to function \"indent\" failed: panic in function implementation: strings: negative Repeat count."
        );
        assert!(detail("indent", &[Value::int(1 << 40), s("a\nb")]).contains("longer than"));
        assert!(detail("indent", &[n("1.5"), s("a")]).contains("whole number"));
    }

    #[test]
    fn amplifying_functions_refuse_enormous_results() {
        let big = "x".repeat(1 << 20);
        let wide = "y".repeat(1 << 10);
        assert!(detail("replace", &[s(&big), s(""), s(&wide)]).contains("longer than"));
        assert!(detail("replace", &[s(&big), s("/x/"), s(&wide)]).contains("longer than"));
        let many = Value::list(Type::String, vec![s(""); 1 << 10]);
        assert!(detail("join", &[s(&"z".repeat(1 << 18)), many]).contains("longer than"));
    }

    #[test]
    fn results_are_nfc_normalised_like_cty_strings() {
        assert_eq!(text("replace", &[s("e!"), s("!"), s("\u{301}")]), "\u{e9}");
        assert_eq!(text("join", &[s(""), strings(&["e", "\u{301}"])]), "\u{e9}");
    }
}
