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
