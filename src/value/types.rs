//! Terraform's type system (cty types) and how types print and serialise.

use super::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A cty type. `Dynamic` is Terraform's `any`: the type of a value not yet known.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Type {
    Dynamic,
    Bool,
    Number,
    String,
    List(Arc<Type>),
    Set(Arc<Type>),
    Map(Arc<Type>),
    Object(Arc<ObjectType>),
    Tuple(Arc<[Type]>),
}

/// An object type; in a type constraint some attributes may be `optional(T, default)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectType {
    pub attrs: BTreeMap<Arc<str>, Type>,
    /// Optional attributes (constraints only), with their default when one was given.
    pub optional: BTreeMap<Arc<str>, Option<OrdValue>>,
}

/// A default value inside a type: compared by its Terraform display form.
#[derive(Clone, Debug)]
pub struct OrdValue(pub Value);
impl PartialEq for OrdValue {
    fn eq(&self, o: &Self) -> bool {
        self.0.to_string() == o.0.to_string()
    }
}
impl Eq for OrdValue {}
impl PartialOrd for OrdValue {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for OrdValue {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.to_string().cmp(&o.0.to_string())
    }
}
impl std::hash::Hash for OrdValue {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.to_string().hash(h)
    }
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Arc::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Arc::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Arc::new(t))
    }
    pub fn object(attrs: BTreeMap<Arc<str>, Type>) -> Type {
        Type::Object(Arc::new(ObjectType {
            attrs,
            optional: BTreeMap::new(),
        }))
    }
    pub fn tuple(elems: Vec<Type>) -> Type {
        Type::Tuple(elems.into())
    }
    pub fn empty_object() -> Type {
        Type::object(BTreeMap::new())
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// Element type of a list, set or map.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// True when the type still contains `any` somewhere.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Object(o) => o.attrs.values().any(Type::has_dynamic),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
            _ => false,
        }
    }

    /// Terraform's short name of the type's kind, used in error messages ("list of string").
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Dynamic => "any type".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Object(_) => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }

    /// The type as `terraform output -json` and state files write it.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Type::Dynamic => json!("dynamic"),
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(o) => {
                let m: serde_json::Map<String, serde_json::Value> = o
                    .attrs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect();
                if o.optional.is_empty() {
                    json!(["object", m])
                } else {
                    let opt: Vec<&str> = o.optional.keys().map(|k| &**k).collect();
                    json!(["object", m, opt])
                }
            }
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
        }
    }

    /// Reads the JSON form written by `to_json`.
    pub fn from_json(j: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        match j {
            J::String(s) => match s.as_str() {
                "dynamic" => Some(Type::Dynamic),
                "bool" => Some(Type::Bool),
                "number" => Some(Type::Number),
                "string" => Some(Type::String),
                _ => None,
            },
            J::Array(a) => {
                let kind = a.first()?.as_str()?;
                match kind {
                    "list" => Some(Type::list(Type::from_json(a.get(1)?)?)),
                    "set" => Some(Type::set(Type::from_json(a.get(1)?)?)),
                    "map" => Some(Type::map(Type::from_json(a.get(1)?)?)),
                    "tuple" => Some(Type::tuple(
                        a.get(1)?
                            .as_array()?
                            .iter()
                            .map(Type::from_json)
                            .collect::<Option<Vec<_>>>()?,
                    )),
                    "object" => {
                        let attrs = a
                            .get(1)?
                            .as_object()?
                            .iter()
                            .map(|(k, v)| Some((Arc::from(k.as_str()), Type::from_json(v)?)))
                            .collect::<Option<BTreeMap<_, _>>>()?;
                        Some(Type::object(attrs))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Prints the type the way it is written in a `type =` constraint.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dynamic => f.write_str("any"),
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Object(o) => {
                f.write_str("object({")?;
                for (i, (k, v)) in o.attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if o.optional.contains_key(k) {
                        write!(f, "{k}=optional({v})")?;
                    } else {
                        write!(f, "{k}={v}")?;
                    }
                }
                f.write_str("})")
            }
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
        }
    }
}
