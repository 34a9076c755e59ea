//! Terraform values: null, primitives, collections and structural values, unknowns and marks.
//!
//! Collections are `Arc`-shared so that a reference such as `var.nodes` costs a pointer copy,
//! never a deep copy (the O(N²) trap of hcl-rs and early Terraform). Maps and objects are
//! `BTreeMap`s, so iteration is in Terraform's lexical key order; sets are kept sorted and
//! deduplicated so their order is deterministic.

mod convert;
mod display;
mod json;
mod number;
mod types;
mod unify;

pub use convert::{convert, ConvertError};
pub use display::go_quote;
pub use json::{go_json_quote, value_from_json, value_from_json_typed, value_to_json};
pub use number::{Number, NumberError};
pub use types::{ObjectType, OrdValue, Type};
pub use unify::unify;

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Attribute or key storage for maps and objects, in lexical key order.
pub type Attrs = BTreeMap<Arc<str>, Value>;

#[derive(Clone, Debug)]
pub enum Value {
    /// A null of some type (`tostring(null)` is a null string).
    Null(Type),
    /// A value that will only be known after apply.
    Unknown(Type),
    Bool(bool),
    Number(Number),
    String(Arc<str>),
    List(Type, Arc<[Value]>),
    /// Elements sorted by `Value::set_order` and deduplicated.
    Set(Type, Arc<[Value]>),
    Map(Type, Arc<Attrs>),
    Tuple(Arc<[Value]>),
    Object(Arc<Attrs>),
    /// A value marked sensitive: the mark travels with everything derived from it.
    Sensitive(Arc<Value>),
}

impl Value {
    pub const NULL: Value = Value::Null(Type::Dynamic);

    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }
    pub fn number(n: Number) -> Value {
        Value::Number(n)
    }
    pub fn unknown() -> Value {
        Value::Unknown(Type::Dynamic)
    }
    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(v.into())
    }
    pub fn object(a: Attrs) -> Value {
        Value::Object(Arc::new(a))
    }
    pub fn empty_object() -> Value {
        Value::Object(Arc::new(Attrs::new()))
    }

    /// A list of `elem_ty`; the elements must already have that type.
    pub fn list(elem_ty: Type, v: Vec<Value>) -> Value {
        Value::List(elem_ty, v.into())
    }

    /// A map of `elem_ty`; the elements must already have that type.
    pub fn map(elem_ty: Type, a: Attrs) -> Value {
        Value::Map(elem_ty, Arc::new(a))
    }

    /// A set of `elem_ty`: sorts and removes duplicates. An unknown element makes the whole set
    /// unknown, since its length and order cannot be known.
    pub fn set(elem_ty: Type, mut v: Vec<Value>) -> Value {
        if v.iter().any(|e| !e.is_wholly_known()) {
            return Value::Unknown(Type::set(elem_ty));
        }
        v.sort_by(Value::set_order);
        v.dedup_by(|a, b| Value::set_order(a, b) == Ordering::Equal);
        Value::Set(elem_ty, v.into())
    }

    /// The value's type (marks are transparent).
    pub fn ty(&self) -> Type {
        match self {
            Value::Null(t) | Value::Unknown(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(t, _) => Type::list(t.clone()),
            Value::Set(t, _) => Type::set(t.clone()),
            Value::Map(t, _) => Type::map(t.clone()),
            Value::Tuple(v) => Type::tuple(v.iter().map(Value::ty).collect()),
            Value::Object(a) => Type::object(a.iter().map(|(k, v)| (k.clone(), v.ty())).collect()),
            Value::Sensitive(v) => v.ty(),
        }
    }

    pub fn is_null(&self) -> bool {
        match self {
            Value::Null(_) => true,
            Value::Sensitive(v) => v.is_null(),
            _ => false,
        }
    }

    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Sensitive(v) => v.is_known(),
            _ => true,
        }
    }

    /// True when neither the value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Sensitive(v) => v.is_wholly_known(),
            Value::List(_, v) | Value::Set(_, v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(_, a) | Value::Object(a) => a.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// True when the value itself (not something inside it) carries the sensitive mark.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// True when the value or anything inside it is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(_, v) | Value::Set(_, v) | Value::Tuple(v) => {
                v.iter().any(Value::contains_sensitive)
            }
            Value::Map(_, a) | Value::Object(a) => a.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// The value without its top-level mark, and whether it had one.
    pub fn unmark(&self) -> (&Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark().0, true),
            v => (v, false),
        }
    }

    /// The value without any mark anywhere inside it, and whether there was one.
    pub fn unmark_deep(&self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark_deep().0, true),
            Value::List(t, v) | Value::Set(t, v) if v.iter().any(Value::contains_sensitive) => {
                let inner: Vec<Value> = v.iter().map(|e| e.unmark_deep().0).collect();
                let out = if matches!(self, Value::Set(..)) {
                    Value::set(t.clone(), inner)
                } else {
                    Value::list(t.clone(), inner)
                };
                (out, true)
            }
            Value::Tuple(v) if v.iter().any(Value::contains_sensitive) => (
                Value::tuple(v.iter().map(|e| e.unmark_deep().0).collect()),
                true,
            ),
            Value::Map(t, a) if a.values().any(Value::contains_sensitive) => (
                Value::map(
                    t.clone(),
                    a.iter()
                        .map(|(k, v)| (k.clone(), v.unmark_deep().0))
                        .collect(),
                ),
                true,
            ),
            Value::Object(a) if a.values().any(Value::contains_sensitive) => (
                Value::object(
                    a.iter()
                        .map(|(k, v)| (k.clone(), v.unmark_deep().0))
                        .collect(),
                ),
                true,
            ),
            v => (v.clone(), false),
        }
    }

    /// Marks the value sensitive when `sensitive` is true.
    pub fn mark_if(self, sensitive: bool) -> Value {
        if sensitive && !self.is_sensitive() {
            Value::Sensitive(Arc::new(self))
        } else {
            self
        }
    }

    pub fn mark_sensitive(self) -> Value {
        self.mark_if(true)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmark().0 {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmark().0 {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unmark().0 {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self.unmark().0 {
            Value::List(_, v) | Value::Set(_, v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// Entries of a map or object.
    pub fn as_attrs(&self) -> Option<&Attrs> {
        match self.unmark().0 {
            Value::Map(_, a) | Value::Object(a) => Some(a),
            _ => None,
        }
    }

    /// Number of elements of a collection or structural value.
    pub fn length(&self) -> Option<usize> {
        self.as_seq()
            .map(<[Value]>::len)
            .or_else(|| self.as_attrs().map(BTreeMap::len))
    }

    /// Terraform's `==`: types must match (after marks), numbers compare by value, nulls are
    /// equal to each other. Returns `None` when the answer depends on an unknown value.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        let (a, _) = self.unmark();
        let (b, _) = other.unmark();
        match (a, b) {
            (Value::Unknown(_), _) | (_, Value::Unknown(_)) => None,
            (Value::Null(_), Value::Null(_)) => Some(true),
            (Value::Null(_), _) | (_, Value::Null(_)) => Some(false),
            (Value::Bool(x), Value::Bool(y)) => Some(x == y),
            (Value::Number(x), Value::Number(y)) => Some(x == y),
            (Value::String(x), Value::String(y)) => Some(x == y),
            (Value::List(tx, x), Value::List(ty, y)) | (Value::Set(tx, x), Value::Set(ty, y)) => {
                if x.len() != y.len() {
                    return Some(false);
                }
                if tx != ty && !x.is_empty() && x[0].ty() != y[0].ty() {
                    return Some(false);
                }
                Self::all_equal(x.iter().zip(y.iter()))
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                if x.len() != y.len() {
                    return Some(false);
                }
                Self::all_equal(x.iter().zip(y.iter()))
            }
            (Value::Map(_, x), Value::Map(_, y)) | (Value::Object(x), Value::Object(y)) => {
                if x.len() != y.len() || !x.keys().eq(y.keys()) {
                    return Some(false);
                }
                Self::all_equal(x.values().zip(y.values()))
            }
            _ => Some(false),
        }
    }

    fn all_equal<'a>(pairs: impl Iterator<Item = (&'a Value, &'a Value)>) -> Option<bool> {
        let mut unknown = false;
        for (x, y) in pairs {
            match x.equals(y) {
                Some(false) => return Some(false),
                None => unknown = true,
                Some(true) => {}
            }
        }
        if unknown {
            None
        } else {
            Some(true)
        }
    }

    /// A total order used to keep sets sorted: by kind, then strings and numbers naturally,
    /// then structurally.
    pub fn set_order(a: &Value, b: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Null(_) => 0,
                Value::Unknown(_) => 1,
                Value::Bool(_) => 2,
                Value::Number(_) => 3,
                Value::String(_) => 4,
                Value::List(..) => 5,
                Value::Set(..) => 6,
                Value::Tuple(_) => 7,
                Value::Map(..) => 8,
                Value::Object(_) => 9,
                Value::Sensitive(_) => 10,
            }
        }
        let (a, _) = a.unmark();
        let (b, _) = b.unmark();
        match (a, b) {
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            (Value::Number(x), Value::Number(y)) => x.cmp(y),
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::List(_, x), Value::List(_, y))
            | (Value::Set(_, x), Value::Set(_, y))
            | (Value::Tuple(x), Value::Tuple(y)) => {
                for (p, q) in x.iter().zip(y.iter()) {
                    let o = Value::set_order(p, q);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                x.len().cmp(&y.len())
            }
            (Value::Map(_, x), Value::Map(_, y)) | (Value::Object(x), Value::Object(y)) => {
                for ((kp, p), (kq, q)) in x.iter().zip(y.iter()) {
                    let o = kp.cmp(kq).then_with(|| Value::set_order(p, q));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                x.len().cmp(&y.len())
            }
            _ => rank(a).cmp(&rank(b)),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s.into())
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloning_a_big_list_shares_its_elements() {
        let big = Value::list(Type::Number, (0..10_000).map(Value::int).collect());
        let copy = big.clone();
        match (&big, &copy) {
            (Value::List(_, a), Value::List(_, b)) => assert!(Arc::ptr_eq(a, b)),
            _ => unreachable!(),
        }
    }

    #[test]
    fn sets_are_sorted_and_deduplicated() {
        let s = Value::set(Type::String, vec!["b".into(), "a".into(), "b".into()]);
        assert_eq!(s.to_string(), "toset([\n  \"a\",\n  \"b\",\n])");
    }

    #[test]
    fn equality_follows_terraform() {
        assert_eq!(Value::int(1).equals(&Value::from("1")), Some(false));
        assert_eq!(Value::NULL.equals(&Value::Null(Type::String)), Some(true));
        assert_eq!(Value::unknown().equals(&Value::int(1)), None);
        let sens = Value::int(1).mark_sensitive();
        assert_eq!(sens.equals(&Value::int(1)), Some(true));
    }
}
