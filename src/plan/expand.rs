//! `count` and `for_each`: which instances a resource has, with Terraform's errors for values
//! that are unknown, null, sensitive or of the wrong type.

use crate::addr::InstanceKey;
use crate::diag::{Diagnostic, Span};
use crate::value::{Type, Value};

/// How a resource repeats, once its `count` or `for_each` is known.
#[derive(Clone, Debug)]
pub enum Expansion {
    Single,
    Count(i64),
    /// Keys in Terraform's (lexical) order with their `each.value`.
    ForEach(Vec<(String, Value)>),
}

impl Expansion {
    pub fn keys(&self) -> Vec<InstanceKey> {
        match self {
            Expansion::Single => vec![InstanceKey::None],
            Expansion::Count(n) => (0..*n).map(InstanceKey::Int).collect(),
            Expansion::ForEach(items) => items
                .iter()
                .map(|(k, _)| InstanceKey::Str(k.clone()))
                .collect(),
        }
    }

    /// The `count` / `each` bindings of one instance.
    pub fn bindings(&self, key: &InstanceKey) -> Vec<(&'static str, Value)> {
        match (self, key) {
            (Expansion::Count(_), InstanceKey::Int(i)) => vec![(
                "count",
                Value::object([("index".into(), Value::int(*i))].into_iter().collect()),
            )],
            (Expansion::ForEach(items), InstanceKey::Str(k)) => {
                // Keys are in lexical order (maps and sets of strings iterate so).
                let v = items
                    .binary_search_by(|(key, _)| key.as_str().cmp(k))
                    .map(|i| items[i].1.clone())
                    .unwrap_or(Value::NULL);
                vec![(
                    "each",
                    Value::object(
                        [("key".into(), Value::from(k.as_str())), ("value".into(), v)]
                            .into_iter()
                            .collect(),
                    ),
                )]
            }
            _ => Vec::new(),
        }
    }
}

/// Maximum instances of one resource: far beyond any cluster, small enough to stay in memory.
const MAX_INSTANCES: i64 = 1_000_000;

fn invalid(what: &str, detail: impl Into<String>, span: Span) -> Diagnostic {
    Diagnostic::error(format!("Invalid {what} argument"))
        .detail(detail)
        .at(span)
}

pub fn expand_count(v: &Value, span: Span) -> Result<Expansion, Diagnostic> {
    let (inner, marked) = v.unmark();
    if marked {
        return Err(invalid("count", "Sensitive values, or values derived from sensitive values, cannot be used as count arguments. If used, the sensitive value could be exposed as a resource instance key.", span));
    }
    if !inner.is_known() {
        return Err(invalid("count", "The \"count\" value depends on resource attributes that cannot be determined until apply, so bcmhcl cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the count depends on.", span));
    }
    if inner.is_null() {
        return Err(invalid(
            "count",
            "The given \"count\" argument value is null. An integer is required.",
            span,
        ));
    }
    let n = crate::value::convert(inner, &Type::Number)
        .ok()
        .and_then(|n| n.as_number().cloned())
        .ok_or_else(|| {
            invalid(
                "count",
                "The given \"count\" argument value is unsuitable: number required.",
                span,
            )
        })?;
    let Some(n) = n.to_i64().filter(|_| n.is_integer()) else {
        return Err(invalid(
            "count",
            "The given \"count\" argument value is unsuitable: value must be a whole number.",
            span,
        ));
    };
    if n < 0 {
        return Err(invalid("count", "The given \"count\" argument value is unsuitable: must be greater than or equal to zero.", span));
    }
    if n > MAX_INSTANCES {
        return Err(invalid("count", format!("The given \"count\" argument value is unsuitable: bcmhcl supports at most {MAX_INSTANCES} instances of one resource."), span));
    }
    Ok(Expansion::Count(n))
}

pub fn expand_for_each(v: &Value, span: Span) -> Result<Expansion, Diagnostic> {
    let (inner, marked) = v.unmark();
    let unsuitable = |msg: String| {
        invalid(
            "for_each",
            format!("The given \"for_each\" argument value is unsuitable: {msg}"),
            span,
        )
    };
    if marked {
        return Err(invalid("for_each", "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.", span));
    }
    if inner.is_null() {
        return Err(unsuitable(
            "the given \"for_each\" argument value is null. A map, or set of strings is allowed."
                .into(),
        ));
    }
    if !inner.is_known() {
        return Err(invalid("for_each", "The \"for_each\" value depends on resource attributes that cannot be determined until apply, so bcmhcl cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the for_each depends on.", span));
    }
    let items: Vec<(String, Value)> = match inner {
        Value::Map(_, attrs) | Value::Object(attrs) => {
            attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
        }
        Value::Set(elem, items) => {
            if !matches!(elem, Type::String | Type::Dynamic) {
                return Err(unsuitable(format!("the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", inner.ty().friendly_name())));
            }
            let mut out = Vec::with_capacity(items.len());
            for e in items.iter() {
                if e.is_null() {
                    return Err(unsuitable("the given \"for_each\" argument value is a set containing a null value. A set of strings may not contain null elements.".into()));
                }
                if !e.is_wholly_known() {
                    return Err(invalid("for_each", "The \"for_each\" set includes values derived from resource attributes that cannot be determined until apply, so bcmhcl cannot determine the full set of keys that will identify the instances of this resource.", span));
                }
                let s = e.as_str().unwrap_or_default().to_string();
                out.push((s.clone(), Value::from(s)));
            }
            out
        }
        other => {
            return Err(unsuitable(format!(
                "the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.",
                other.ty().friendly_name()
            )))
        }
    };
    if items.len() as i64 > MAX_INSTANCES {
        return Err(unsuitable(format!(
            "bcmhcl supports at most {MAX_INSTANCES} instances of one resource."
        )));
    }
    Ok(Expansion::ForEach(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> Value {
        crate::eval::eval_str(
            src,
            &crate::eval::NoNames,
            &Default::default(),
            Default::default(),
        )
        .unwrap()
    }

    #[test]
    fn for_each_takes_maps_and_sets_of_strings() {
        let e = expand_for_each(&eval("{b = 1, a = 2}"), Span::default()).unwrap();
        assert_eq!(
            e.keys(),
            [InstanceKey::Str("a".into()), InstanceKey::Str("b".into())]
        );
        let e = expand_for_each(&eval("toset([\"x\"])"), Span::default()).unwrap();
        assert_eq!(
            e.bindings(&InstanceKey::Str("x".into()))[0].1.to_string(),
            "{\n  \"key\" = \"x\"\n  \"value\" = \"x\"\n}"
        );
    }

    #[test]
    fn for_each_refuses_lists_unknowns_and_secrets() {
        let detail = |v: Value| {
            expand_for_each(&v, Span::default())
                .unwrap_err()
                .detail
                .clone()
        };
        assert!(detail(eval("[\"a\"]")).contains("you have provided a value of type tuple"));
        assert!(
            detail(eval("toset([1])")).contains("you have provided a value of type set of number")
        );
        assert!(detail(Value::unknown()).contains("cannot be determined until apply"));
        assert!(detail(eval("{a = 1}").mark_sensitive()).starts_with("Sensitive values"));
        assert!(detail(Value::NULL).contains("is null"));
    }

    #[test]
    fn count_must_be_a_known_whole_number() {
        assert_eq!(
            expand_count(&eval("3"), Span::default())
                .unwrap()
                .keys()
                .len(),
            3
        );
        assert_eq!(
            expand_count(&eval("\"2\""), Span::default())
                .unwrap()
                .keys()
                .len(),
            2
        );
        assert!(expand_count(&eval("-1"), Span::default()).is_err());
        assert!(expand_count(&eval("1.5"), Span::default()).is_err());
        assert!(expand_count(&Value::unknown(), Span::default()).is_err());
        assert!(expand_count(&eval("1e9"), Span::default()).is_err());
    }
}
