//! Planned values in the JSON shapes of plan JSON: known parts only, `after_unknown` and
//! `*_sensitive` mirrors, schema sensitivity applied as marks, and a stand-in schema for
//! resources whose schema is not at hand.

use crate::schema::{Attribute, Block, Nesting};
use crate::value::{value_to_json, Attrs, Type, Value};
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// The known parts of a value as JSON, marks dropped: unknown attributes and map elements are
/// left out, unknown sequence elements become `null` (their position is how `after_unknown`
/// lines up), and a wholly unknown value has no JSON at all.
pub(super) fn known_json(v: &Value) -> Option<Json> {
    Some(match v {
        Value::Sensitive(inner) => return known_json(inner),
        Value::Unknown(_) => return None,
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => Json::Array(
            items
                .iter()
                .map(|e| known_json(e).unwrap_or(Json::Null))
                .collect(),
        ),
        Value::Map(_, attrs) | Value::Object(attrs) => {
            let mut m = Map::new();
            for (k, e) in attrs.iter() {
                if let Some(j) = known_json(e) {
                    m.insert(k.to_string(), j);
                }
            }
            Json::Object(m)
        }
        primitive => value_to_json(primitive).unwrap_or(Json::Null),
    })
}

/// Terraform's `unknownAsBool`: `true` at unknown values, known leaves omitted from objects and
/// `false` in sequences, empty collections as `[]`/`{}`.
pub(super) fn unknown_as_bool(v: &Value) -> Json {
    match v.unmark().0 {
        Value::Null(_) => Json::Bool(false),
        Value::Unknown(_) => Json::Bool(true),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(unknown_as_bool).collect())
        }
        Value::Map(_, attrs) | Value::Object(attrs) => Json::Object(
            attrs
                .iter()
                .filter_map(|(k, e)| {
                    let j = unknown_as_bool(e);
                    (j != Json::Bool(false)).then(|| (k.to_string(), j))
                })
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}

/// Terraform's `SensitiveAsBool`: `true` at sensitive values, other leaves omitted from objects
/// and `false` in sequences; an unknown collection says nothing about its contents.
pub(super) fn sensitive_as_bool(v: &Value) -> Json {
    match v {
        Value::Sensitive(_) => Json::Bool(true),
        Value::Unknown(Type::List(_) | Type::Set(_) | Type::Tuple(_)) => Json::Array(Vec::new()),
        Value::Unknown(Type::Map(_) | Type::Object(_)) => Json::Object(Map::new()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(sensitive_as_bool).collect())
        }
        Value::Map(_, attrs) | Value::Object(attrs) => Json::Object(
            attrs
                .iter()
                .filter_map(|(k, e)| {
                    let j = sensitive_as_bool(e);
                    (j != Json::Bool(false)).then(|| (k.to_string(), j))
                })
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}

/// True when the block or a block nested in it has a sensitive attribute.
fn contains_sensitive(block: &Block) -> bool {
    block.attributes.values().any(|a| a.sensitive)
        || block
            .block_types
            .values()
            .any(|b| contains_sensitive(&b.block))
}

/// Marks the attributes the schema declares sensitive, as Terraform does before writing plan
/// JSON: a sensitive attribute counts as sensitive even while it is null.
pub(super) fn mark_schema_sensitive(v: &Value, block: &Block) -> Value {
    if !contains_sensitive(block) {
        return v.clone();
    }
    let (inner, marked) = v.unmark();
    let Value::Object(attrs) = inner else {
        return v.clone();
    };
    let mut out: Attrs = (**attrs).clone();
    for (name, attr) in &block.attributes {
        if attr.sensitive {
            if let Some(e) = out.get_mut(name.as_str()) {
                *e = e.clone().mark_sensitive();
            }
        }
    }
    for (name, nested) in &block.block_types {
        if !contains_sensitive(&nested.block) {
            continue;
        }
        let Some(e) = out.get_mut(name.as_str()) else {
            continue;
        };
        let (bv, bmarked) = e.unmark();
        let rebuilt = match (nested.nesting, bv) {
            (_, Value::Null(_) | Value::Unknown(_)) => continue,
            (Nesting::Single, _) => mark_schema_sensitive(bv, &nested.block),
            (_, Value::List(t, items)) => Value::List(
                t.clone(),
                items
                    .iter()
                    .map(|i| mark_schema_sensitive(i, &nested.block))
                    .collect(),
            ),
            (_, Value::Set(t, items)) => Value::Set(
                t.clone(),
                items
                    .iter()
                    .map(|i| mark_schema_sensitive(i, &nested.block))
                    .collect(),
            ),
            (_, Value::Tuple(items)) => Value::Tuple(
                items
                    .iter()
                    .map(|i| mark_schema_sensitive(i, &nested.block))
                    .collect(),
            ),
            (_, Value::Map(t, m)) => Value::Map(
                t.clone(),
                Arc::new(
                    m.iter()
                        .map(|(k, i)| (k.clone(), mark_schema_sensitive(i, &nested.block)))
                        .collect(),
                ),
            ),
            (_, Value::Object(m)) => Value::object(
                m.iter()
                    .map(|(k, i)| (k.clone(), mark_schema_sensitive(i, &nested.block)))
                    .collect(),
            ),
            _ => continue,
        };
        *e = rebuilt.mark_if(bmarked);
    }
    Value::object(out).mark_if(marked)
}

/// A schema read off the values themselves, for a resource type whose schema is not at hand:
/// every attribute of either object, typed by its value (dynamic where the two disagree).
pub(super) fn implied_block(before: Option<&Value>, after: Option<&Value>) -> Block {
    let attrs_of = |v: Option<&Value>| v.and_then(|v| v.as_attrs().cloned());
    let before = attrs_of(before);
    let after = attrs_of(after);
    let mut block = Block::default();
    let names = before
        .iter()
        .chain(after.iter())
        .flat_map(|a| a.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>();
    for name in names {
        let tb = before.as_ref().and_then(|a| a.get(&name)).map(Value::ty);
        let ta = after.as_ref().and_then(|a| a.get(&name)).map(Value::ty);
        let ty = match (tb, ta) {
            (Some(b), Some(a)) if a == b => a,
            (Some(b), Some(Type::Dynamic)) => b,
            (Some(Type::Dynamic), Some(a)) => a,
            (Some(_), Some(_)) => Type::Dynamic,
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => Type::Dynamic,
        };
        block.attributes.insert(
            name.to_string(),
            Attribute {
                ty,
                description: None,
                required: false,
                optional: true,
                computed: false,
                sensitive: false,
                requires_replace: false,
            },
        );
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    #[test]
    fn unknowns_are_left_out_of_objects_and_nulled_in_lists() {
        let v = obj(vec![
            ("id", Value::Unknown(Type::String)),
            ("n", Value::int(1)),
            (
                "l",
                Value::tuple(vec![Value::from("a"), Value::Unknown(Type::String)]),
            ),
        ]);
        assert_eq!(known_json(&v), Some(json!({"l": ["a", null], "n": 1})));
        assert_eq!(unknown_as_bool(&v), json!({"id": true, "l": [false, true]}));
        assert_eq!(known_json(&Value::unknown()), None);
    }

    #[test]
    fn sensitive_mirror_keeps_empty_collections() {
        let v = obj(vec![
            ("secret", Value::from("pw").mark_sensitive()),
            (
                "tags",
                Value::map(Type::String, [("k".into(), Value::from("v"))].into()),
            ),
            ("none", Value::Null(Type::String)),
            ("later", Value::Unknown(Type::list(Type::String))),
        ]);
        assert_eq!(
            sensitive_as_bool(&v),
            json!({"later": [], "secret": true, "tags": {}})
        );
    }

    #[test]
    fn schema_sensitive_attributes_are_marked_even_when_null() {
        let mut block = Block::default();
        block.attributes.insert(
            "password".into(),
            Attribute {
                ty: Type::String,
                description: None,
                required: false,
                optional: true,
                computed: false,
                sensitive: true,
                requires_replace: false,
            },
        );
        let v = obj(vec![("password", Value::Null(Type::String))]);
        assert_eq!(
            sensitive_as_bool(&mark_schema_sensitive(&v, &block)),
            json!({"password": true})
        );
    }
}
