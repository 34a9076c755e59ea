//! Provider schemas in the shape of `terraform providers schema -json` (files in `schema/`):
//! which arguments a resource type takes, their types, which are computed, sensitive or force
//! replacement.

pub mod decode;
pub mod load;
pub mod objchange;

pub use decode::{decode_body, BodyOrigin};
pub use load::{builtin_schema, parse_schemas, SchemaError};
pub use objchange::{proposed_new, raw_equals};

use crate::value::Type;
use std::collections::BTreeMap;

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub ty: Type,
    pub description: Option<String>,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// bcmhcl's extension of the JSON shape: a change to this attribute forces replacement
    /// (`"requires_replace": true`), which Terraform learns from the provider at plan time.
    pub requires_replace: bool,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: u64,
    pub max_items: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub attributes: BTreeMap<String, Attribute>,
    pub block_types: BTreeMap<String, NestedBlock>,
    pub description: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ResourceSchema {
    pub version: u64,
    pub block: Block,
}

/// One provider's schema.
#[derive(Clone, Debug, Default)]
pub struct ProviderSchema {
    pub provider: Block,
    pub resource_schemas: BTreeMap<String, ResourceSchema>,
    pub data_source_schemas: BTreeMap<String, ResourceSchema>,
    pub action_schemas: BTreeMap<String, ResourceSchema>,
}

/// Attribute values as state files store them: attributes of dynamic type (`any`) are wrapped as
/// `{"value": ..., "type": ...}` so that their type survives; everything else is plain JSON.
pub fn encode_attributes(value: &crate::value::Value, block: &Block) -> serde_json::Value {
    use crate::value::value_to_json;
    let mut out = serde_json::Map::new();
    let attrs = value.as_attrs();
    for (name, attr) in &block.attributes {
        let v = attrs
            .and_then(|a| a.get(name.as_str()))
            .cloned()
            .unwrap_or(crate::value::Value::NULL);
        let (plain, _) = v.unmark_deep();
        let json = value_to_json(&plain).unwrap_or(serde_json::Value::Null);
        let json = if attr.ty == Type::Dynamic && !plain.is_null() {
            serde_json::json!({"value": json, "type": plain.ty().to_json()})
        } else {
            json
        };
        out.insert(name.clone(), json);
    }
    for (name, nested) in &block.block_types {
        let v = attrs.and_then(|a| a.get(name.as_str())).cloned();
        let json = v
            .map(|v| value_to_json(&v.unmark_deep().0).unwrap_or(serde_json::Value::Null))
            .unwrap_or(match nested.nesting {
                Nesting::Single => serde_json::Value::Null,
                Nesting::Map => serde_json::json!({}),
                _ => serde_json::json!([]),
            });
        out.insert(name.clone(), json);
    }
    serde_json::Value::Object(out)
}

/// Reads attributes written by `encode_attributes` back into a value of the block's type.
pub fn decode_attributes(json: &serde_json::Value, block: &Block) -> crate::value::Value {
    use crate::value::{value_from_json_typed, Value};
    let obj = json.as_object();
    let mut out = crate::value::Attrs::new();
    for (name, attr) in &block.attributes {
        let raw = obj
            .and_then(|o| o.get(name))
            .unwrap_or(&serde_json::Value::Null);
        let v = if attr.ty == Type::Dynamic {
            match (raw.get("value"), raw.get("type").and_then(Type::from_json)) {
                (Some(v), Some(t)) => value_from_json_typed(v, &t).unwrap_or(Value::NULL),
                _ => crate::value::value_from_json(raw),
            }
        } else {
            value_from_json_typed(raw, &attr.ty).unwrap_or(Value::Null(attr.ty.clone()))
        };
        out.insert(name.as_str().into(), v.mark_if(attr.sensitive));
    }
    for (name, nested) in &block.block_types {
        let ty = nested.implied_type();
        let raw = obj
            .and_then(|o| o.get(name))
            .unwrap_or(&serde_json::Value::Null);
        out.insert(
            name.as_str().into(),
            value_from_json_typed(raw, &ty).unwrap_or(Value::Null(ty)),
        );
    }
    Value::object(out)
}
