//! Values to and from JSON, as `terraform output -json`, `jsondecode` and `*.tfvars.json` use it.

use super::{Attrs, Number, Type, Value};
use serde_json::Value as Json;
use std::str::FromStr;

/// The JSON form of a known value; marks are dropped (the caller decides about sensitivity).
/// Returns `None` for unknown values, which have no JSON form.
pub fn value_to_json(v: &Value) -> Option<Json> {
    Some(match v {
        Value::Null(_) => Json::Null,
        Value::Unknown(_) => return None,
        Value::Sensitive(inner) => return value_to_json(inner),
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => match n {
            Number::Int(i) => Json::from(*i),
            other => serde_json::Number::from_str(&other.to_string())
                .map(Json::Number)
                .unwrap_or_else(|_| Json::String(other.to_string())),
        },
        Value::String(s) => Json::String(s.to_string()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => Json::Array(
            items
                .iter()
                .map(value_to_json)
                .collect::<Option<Vec<_>>>()?,
        ),
        Value::Map(_, attrs) | Value::Object(attrs) => {
            let mut m = serde_json::Map::new();
            for (k, v) in attrs.iter() {
                m.insert(k.to_string(), value_to_json(v)?);
            }
            Json::Object(m)
        }
    })
}

/// A value from untyped JSON: objects become objects, arrays tuples (as `jsondecode` does).
pub fn value_from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::NULL,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Number::parse(&n.to_string())
            .map(Value::Number)
            .unwrap_or(Value::NULL),
        Json::String(s) => Value::string(s.as_str()),
        Json::Array(a) => Value::tuple(a.iter().map(value_from_json).collect()),
        Json::Object(o) => Value::object(
            o.iter()
                .map(|(k, v)| (k.as_str().into(), value_from_json(v)))
                .collect::<Attrs>(),
        ),
    }
}

/// A value of a known type from JSON (state files and saved plans).
pub fn value_from_json_typed(j: &Json, ty: &Type) -> Option<Value> {
    if j.is_null() {
        return Some(Value::Null(ty.clone()));
    }
    super::convert(&value_from_json(j), ty).ok()
}

/// A string as Go's encoding/json writes it: HTML-safe (`<`, `>`, `&` escaped) and with the
/// JavaScript line separators U+2028/U+2029 escaped.
pub fn go_json_quote(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_numbers_keep_their_digits() {
        let j: Json = serde_json::from_str("[123456789012345678901234567890, 0.1]").unwrap();
        let v = value_from_json(&j);
        assert_eq!(
            value_to_json(&v).unwrap().to_string(),
            "[123456789012345678901234567890,0.1]"
        );
    }
}
