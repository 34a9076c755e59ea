//! Values printed the way `terraform console` prints them.

use super::Value;
use std::fmt::{self, Write};

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_value(&mut out, self, 0, true)?;
        f.write_str(&out)
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

fn write_value(out: &mut String, v: &Value, indent: usize, top: bool) -> fmt::Result {
    match v {
        Value::Null(_) => out.push_str("null"),
        Value::Unknown(_) => out.push_str("(known after apply)"),
        Value::Sensitive(_) => out.push_str("(sensitive)"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write!(out, "{n}")?,
        Value::String(s) => {
            if s.contains('\n') {
                if top {
                    write!(out, "<<EOT\n{s}\nEOT")?;
                } else {
                    out.push_str("<<-EOT\n");
                    for line in s.split('\n') {
                        pad(out, indent);
                        out.push_str(line);
                        out.push('\n');
                    }
                    pad(out, indent);
                    out.push_str("EOT");
                }
            } else {
                quote_into(out, s);
            }
        }
        Value::List(_, items) => write_seq(out, "tolist(", ")", items, indent)?,
        Value::Set(_, items) => write_seq(out, "toset(", ")", items, indent)?,
        Value::Tuple(items) => write_seq(out, "", "", items, indent)?,
        Value::Map(_, attrs) => write_attrs(out, "tomap(", ")", attrs, indent)?,
        Value::Object(attrs) => write_attrs(out, "", "", attrs, indent)?,
    }
    Ok(())
}

fn write_seq(
    out: &mut String,
    open: &str,
    close: &str,
    items: &[Value],
    indent: usize,
) -> fmt::Result {
    out.push_str(open);
    if items.is_empty() {
        out.push_str("[]");
    } else {
        out.push_str("[\n");
        for item in items {
            pad(out, indent + 2);
            write_value(out, item, indent + 2, false)?;
            out.push_str(",\n");
        }
        pad(out, indent);
        out.push(']');
    }
    out.push_str(close);
    Ok(())
}

fn write_attrs(
    out: &mut String,
    open: &str,
    close: &str,
    attrs: &super::Attrs,
    indent: usize,
) -> fmt::Result {
    out.push_str(open);
    if attrs.is_empty() {
        out.push_str("{}");
    } else {
        out.push_str("{\n");
        for (k, v) in attrs.iter() {
            pad(out, indent + 2);
            quote_into(out, k);
            out.push_str(" = ");
            write_value(out, v, indent + 2, false)?;
            out.push('\n');
        }
        pad(out, indent);
        out.push('}');
    }
    out.push_str(close);
    Ok(())
}

/// `s` quoted as Go's `%q` quotes it.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

/// Quotes a string as Go's `%q` does (Terraform's console uses it).
pub fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\u{0b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use crate::value::{Attrs, Type, Value};

    #[test]
    fn console_format_matches_terraform() {
        let obj: Attrs = [
            ("a".into(), Value::int(1)),
            ("c".into(), Value::tuple(vec![Value::int(1)])),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            Value::object(obj).to_string(),
            "{\n  \"a\" = 1\n  \"c\" = [\n    1,\n  ]\n}"
        );
        assert_eq!(Value::list(Type::String, vec![]).to_string(), "tolist([])");
        assert_eq!(Value::from("a\"b").to_string(), "\"a\\\"b\"");
        assert_eq!(Value::from("a\nb\n").to_string(), "<<EOT\na\nb\n\nEOT");
        assert_eq!(Value::int(1).mark_sensitive().to_string(), "(sensitive)");
    }
}
