//! The proposed new object of a planned change (Terraform's `objchange.ProposedNew`) and
//! exact value equality (cty's `RawEquals`), which providers plan with.

use super::{Block, Nesting};
use crate::value::{Attrs, Value};
use std::sync::Arc;

/// What the object would be if the configuration were applied over `prior` and the provider
/// changed nothing on its own: configured values, and for computed attributes left unset the
/// prior value (null when creating). Nested blocks are matched with their prior blocks by
/// index (lists), key (maps) or equal configured attributes (sets).
pub fn proposed_new(schema: &Block, prior: Option<&Value>, config: &Value) -> Value {
    let prior = prior.filter(|p| !p.is_null() && p.is_known());
    let Some(config_attrs) = config.as_attrs() else {
        // Null or unknown configuration: nothing to merge.
        return config.clone();
    };
    let prior_attrs = prior.and_then(Value::as_attrs);
    let prior_of = |name: &str| prior_attrs.and_then(|a| a.get(name));
    let mut out = Attrs::new();
    for (name, attr) in &schema.attributes {
        let configured = config_attrs
            .get(name.as_str())
            .cloned()
            .unwrap_or_else(|| Value::Null(attr.ty.clone()));
        let v = if attr.computed && configured.is_null() {
            prior_of(name)
                .cloned()
                .unwrap_or_else(|| Value::Null(attr.ty.clone()))
        } else {
            configured
        };
        out.insert(Arc::from(name.as_str()), v);
    }
    for (name, nested) in &schema.block_types {
        let configured = config_attrs
            .get(name.as_str())
            .cloned()
            .unwrap_or_else(|| Value::Null(nested.implied_type()));
        let before = prior_of(name);
        let v = match nested.nesting {
            Nesting::Single => proposed_new(&nested.block, before, &configured),
            Nesting::List => match configured.unmark().0 {
                Value::List(t, items) => {
                    Value::list(t.clone(), paired_by_index(&nested.block, before, items))
                }
                Value::Tuple(items) => Value::tuple(paired_by_index(&nested.block, before, items)),
                _ => configured.clone(),
            },
            Nesting::Map => match configured.unmark().0 {
                Value::Map(t, items) => {
                    Value::map(t.clone(), paired_by_key(&nested.block, before, items))
                }
                Value::Object(items) => Value::object(paired_by_key(&nested.block, before, items)),
                _ => configured.clone(),
            },
            Nesting::Set => match configured.unmark().0 {
                Value::Set(t, items) => {
                    let prior_items = before.and_then(Value::as_seq).unwrap_or(&[]);
                    let merged = items
                        .iter()
                        .map(|c| {
                            let matching = prior_items
                                .iter()
                                .find(|p| same_configured_values(&nested.block, p, c));
                            proposed_new(&nested.block, matching, c)
                        })
                        .collect();
                    Value::set(t.clone(), merged)
                }
                _ => configured.clone(),
            },
        };
        out.insert(Arc::from(name.as_str()), v);
    }
    Value::object(out)
}

fn paired_by_index(block: &Block, prior: Option<&Value>, items: &[Value]) -> Vec<Value> {
    let prior_items = prior.and_then(Value::as_seq).unwrap_or(&[]);
    items
        .iter()
        .enumerate()
        .map(|(i, c)| proposed_new(block, prior_items.get(i), c))
        .collect()
}

fn paired_by_key(block: &Block, prior: Option<&Value>, items: &Attrs) -> Attrs {
    let prior_items = prior.and_then(Value::as_attrs);
    items
        .iter()
        .map(|(k, c)| {
            let before = prior_items.and_then(|p| p.get(k));
            (k.clone(), proposed_new(block, before, c))
        })
        .collect()
}

/// True when every attribute that is not computed has the same value in both set elements:
/// the prior element the configured one stands for.
fn same_configured_values(block: &Block, prior: &Value, config: &Value) -> bool {
    let (Some(p), Some(c)) = (prior.as_attrs(), config.as_attrs()) else {
        return false;
    };
    block
        .attributes
        .iter()
        .filter(|(_, a)| !a.computed)
        .all(
            |(name, _)| match (p.get(name.as_str()), c.get(name.as_str())) {
                (Some(x), Some(y)) => raw_equals(x, y),
                (None, None) => true,
                _ => false,
            },
        )
}

/// cty's `RawEquals`: the same value of the same kind, with unknowns equal to unknowns of the
/// same type. Marks are ignored (providers see unmarked values), and so is the type of a null:
/// a null read back from state may have lost the type it was written with, and treating that
/// as a change would plan a diff nobody made.
pub fn raw_equals(a: &Value, b: &Value) -> bool {
    let (a, _) = a.unmark();
    let (b, _) = b.unmark();
    match (a, b) {
        (Value::Null(_), Value::Null(_)) => true,
        (Value::Unknown(x), Value::Unknown(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(tx, x), Value::List(ty, y)) | (Value::Set(tx, x), Value::Set(ty, y)) => {
            tx == ty && all_raw_equal(x, y)
        }
        (Value::Tuple(x), Value::Tuple(y)) => all_raw_equal(x, y),
        (Value::Map(tx, x), Value::Map(ty, y)) => tx == ty && attrs_raw_equal(x, y),
        (Value::Object(x), Value::Object(y)) => attrs_raw_equal(x, y),
        _ => false,
    }
}

fn all_raw_equal(x: &[Value], y: &[Value]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(p, q)| raw_equals(p, q))
}

fn attrs_raw_equal(x: &Attrs, y: &Attrs) -> bool {
    x.len() == y.len()
        && x.iter()
            .zip(y)
            .all(|((kx, vx), (ky, vy))| kx == ky && raw_equals(vx, vy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};
    use crate::value::Type;

    fn attr(ty: Type, optional: bool, computed: bool) -> Attribute {
        Attribute {
            ty,
            description: None,
            required: false,
            optional,
            computed,
            sensitive: false,
            requires_replace: false,
        }
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (Arc::from(*k), v.clone()))
                .collect(),
        )
    }

    fn schema() -> Block {
        let mut disk = Block::default();
        disk.attributes
            .insert("size".into(), attr(Type::Number, true, false));
        disk.attributes
            .insert("uuid".into(), attr(Type::String, false, true));
        let mut b = Block::default();
        b.attributes
            .insert("id".into(), attr(Type::String, false, true));
        b.attributes
            .insert("name".into(), attr(Type::String, true, false));
        b.attributes
            .insert("mode".into(), attr(Type::String, true, true));
        b.block_types.insert(
            "disk".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: disk,
                min_items: 0,
                max_items: 0,
            },
        );
        b
    }

    fn disks(items: Vec<Value>) -> Value {
        let t = schema().block_types["disk"].block.implied_type();
        Value::list(t, items)
    }

    #[test]
    fn computed_attributes_keep_their_prior_value_when_not_configured() {
        let s = schema();
        let prior = obj(&[
            ("id", "abc".into()),
            ("name", "old".into()),
            ("mode", "auto".into()),
            (
                "disk",
                disks(vec![obj(&[("size", Value::int(1)), ("uuid", "u1".into())])]),
            ),
        ]);
        let config = obj(&[
            ("id", Value::Null(Type::String)),
            ("name", "new".into()),
            ("mode", Value::Null(Type::String)),
            (
                "disk",
                disks(vec![
                    obj(&[("size", Value::int(2)), ("uuid", Value::Null(Type::String))]),
                    obj(&[("size", Value::int(3)), ("uuid", Value::Null(Type::String))]),
                ]),
            ),
        ]);
        let p = proposed_new(&s, Some(&prior), &config);
        assert_eq!(
            p.to_string(),
            obj(&[
                (
                    "disk",
                    disks(vec![
                        obj(&[("size", Value::int(2)), ("uuid", "u1".into())]),
                        obj(&[("size", Value::int(3)), ("uuid", Value::Null(Type::String))]),
                    ])
                ),
                ("id", "abc".into()),
                ("mode", "auto".into()),
                ("name", "new".into()),
            ])
            .to_string()
        );
    }

    #[test]
    fn creating_leaves_computed_attributes_null_for_the_provider_to_fill() {
        let s = schema();
        let config = obj(&[("name", "n".into()), ("mode", "manual".into())]);
        let p = proposed_new(&s, None, &config);
        let a = p.as_attrs().unwrap();
        assert!(a["id"].is_null());
        assert_eq!(a["mode"].as_str(), Some("manual"));
        assert_eq!(
            a["disk"].length(),
            None,
            "no disk blocks: null of the block type"
        );
    }

    #[test]
    fn raw_equality_compares_kinds_and_types_but_not_marks() {
        let s = Value::from("x");
        assert!(raw_equals(&s, &s.clone().mark_sensitive()));
        assert!(!raw_equals(
            &Value::tuple(vec!["a".into()]),
            &Value::list(Type::String, vec!["a".into()])
        ));
        assert!(raw_equals(
            &Value::Unknown(Type::String),
            &Value::Unknown(Type::String)
        ));
        assert!(!raw_equals(&Value::Unknown(Type::String), &s));
        assert!(raw_equals(&Value::NULL, &Value::Null(Type::String)));
        assert!(!raw_equals(&Value::int(1), &"1".into()));
        assert!(!raw_equals(
            &Value::map(Type::String, Attrs::new()),
            &Value::empty_object()
        ));
    }
}
