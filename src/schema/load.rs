//! Reading `schema/*.json` (the shape of `terraform providers schema -json`) into
//! `ProviderSchema`s, and the schemas of the built-in providers embedded in the binary.

use super::{Attribute, Block, NestedBlock, Nesting, ProviderSchema, ResourceSchema};
use crate::value::{ObjectType, Type};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Why a schema document could not be read. The path names the offending part, e.g.
/// `registry.terraform.io/hashicorp/null: resource null_resource: attribute "triggers"`.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("invalid provider schema JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unsupported provider schema format_version {0:?}; expected 1.x")]
    FormatVersion(String),
    #[error("{path}: invalid type {ty}")]
    Type { path: String, ty: String },
    #[error("{path}: unknown nesting mode {mode:?}")]
    Nesting { path: String, mode: String },
    #[error("{path}: {reason}")]
    Attribute { path: String, reason: &'static str },
}

/// The embedded schema files of the built-in providers, as `(file name, text)`.
pub const BUILTIN_SCHEMA_FILES: &[(&str, &str)] = &[
    (
        "terraform.json",
        include_str!("../../schema/terraform.json"),
    ),
    ("null.json", include_str!("../../schema/null.json")),
    ("external.json", include_str!("../../schema/external.json")),
    ("ipmi.json", include_str!("../../schema/ipmi.json")),
    ("bcm.json", include_str!("../../schema/bcm.json")),
];

/// The schema of a built-in provider by its full source address
/// (`terraform.io/builtin/terraform`, `registry.terraform.io/hashicorp/null`, ...). The embedded
/// files are parsed once, on first use.
pub fn builtin_schema(source: &str) -> Option<&'static ProviderSchema> {
    static SCHEMAS: OnceLock<BTreeMap<String, ProviderSchema>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let mut all = BTreeMap::new();
            for (name, text) in BUILTIN_SCHEMA_FILES {
                match parse_schemas(text) {
                    Ok(schemas) => all.extend(schemas),
                    // A unit test parses every embedded file, so this is a build defect.
                    Err(e) => tracing::error!(file = name, error = %e, "embedded schema"),
                }
            }
            all
        })
        .get(source)
}

/// Parses a `terraform providers schema -json` document: provider source address → schema.
pub fn parse_schemas(text: &str) -> Result<BTreeMap<String, ProviderSchema>, SchemaError> {
    let doc: SchemasJson = serde_json::from_str(text)?;
    if doc.format_version.split('.').next() != Some("1") {
        return Err(SchemaError::FormatVersion(doc.format_version));
    }
    let mut out = BTreeMap::new();
    for (source, p) in doc.provider_schemas {
        let mut schema = ProviderSchema::default();
        if let Some(provider) = p.provider {
            schema.provider = block(&provider.block, &format!("{source}: provider"))?;
        }
        for (kind, from, to) in [
            (
                "resource",
                &p.resource_schemas,
                &mut schema.resource_schemas,
            ),
            (
                "data source",
                &p.data_source_schemas,
                &mut schema.data_source_schemas,
            ),
            ("action", &p.action_schemas, &mut schema.action_schemas),
        ] {
            for (name, s) in from {
                let path = format!("{source}: {kind} {name}");
                to.insert(
                    name.clone(),
                    ResourceSchema {
                        version: s.version,
                        block: block(&s.block, &path)?,
                    },
                );
            }
        }
        out.insert(source, schema);
    }
    Ok(out)
}

#[derive(Deserialize)]
struct SchemasJson {
    format_version: String,
    #[serde(default)]
    provider_schemas: BTreeMap<String, ProviderJson>,
}

#[derive(Deserialize)]
struct ProviderJson {
    #[serde(default)]
    provider: Option<SchemaJson>,
    #[serde(default)]
    resource_schemas: BTreeMap<String, SchemaJson>,
    #[serde(default)]
    data_source_schemas: BTreeMap<String, SchemaJson>,
    #[serde(default)]
    action_schemas: BTreeMap<String, SchemaJson>,
}

#[derive(Deserialize)]
struct SchemaJson {
    #[serde(default)]
    version: u64,
    #[serde(default)]
    block: BlockJson,
}

#[derive(Deserialize, Default)]
struct BlockJson {
    #[serde(default)]
    attributes: BTreeMap<String, AttributeJson>,
    #[serde(default)]
    block_types: BTreeMap<String, NestedBlockJson>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct AttributeJson {
    #[serde(rename = "type", default)]
    ty: Option<serde_json::Value>,
    #[serde(default)]
    nested_type: Option<NestedTypeJson>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    computed: bool,
    #[serde(default)]
    sensitive: bool,
    /// bcmhcl's extension, see `schema/README.md`.
    #[serde(default)]
    requires_replace: bool,
}

/// Protocol 6 nested attributes (`"nested_type"`).
#[derive(Deserialize)]
struct NestedTypeJson {
    #[serde(default)]
    attributes: BTreeMap<String, AttributeJson>,
    nesting_mode: String,
}

#[derive(Deserialize)]
struct NestedBlockJson {
    nesting_mode: String,
    #[serde(default)]
    block: BlockJson,
    #[serde(default)]
    min_items: u64,
    #[serde(default)]
    max_items: u64,
}

fn block(j: &BlockJson, path: &str) -> Result<Block, SchemaError> {
    let mut out = Block {
        description: j.description.clone(),
        ..Block::default()
    };
    for (name, a) in &j.attributes {
        let path = format!("{path}: attribute {name:?}");
        out.attributes.insert(name.clone(), attribute(a, &path)?);
    }
    for (name, b) in &j.block_types {
        let path = format!("{path}: block {name:?}");
        let nesting = match b.nesting_mode.as_str() {
            "single" => Nesting::Single,
            // A group is a single block that is never null; bcmhcl decodes it as single.
            "group" => Nesting::Single,
            "list" => Nesting::List,
            "set" => Nesting::Set,
            "map" => Nesting::Map,
            other => {
                return Err(SchemaError::Nesting {
                    path,
                    mode: other.to_string(),
                })
            }
        };
        out.block_types.insert(
            name.clone(),
            NestedBlock {
                nesting,
                block: block(&b.block, &path)?,
                min_items: b.min_items,
                max_items: b.max_items,
            },
        );
    }
    Ok(out)
}

fn attribute(a: &AttributeJson, path: &str) -> Result<Attribute, SchemaError> {
    if a.required && (a.optional || a.computed) {
        return Err(SchemaError::Attribute {
            path: path.to_string(),
            reason: "an attribute cannot be both required and optional or computed",
        });
    }
    if !(a.required || a.optional || a.computed) {
        return Err(SchemaError::Attribute {
            path: path.to_string(),
            reason: "an attribute must be required, optional or computed",
        });
    }
    let ty = match (&a.ty, &a.nested_type) {
        (Some(t), None) => Type::from_json(t).ok_or_else(|| SchemaError::Type {
            path: path.to_string(),
            ty: t.to_string(),
        })?,
        (None, Some(n)) => nested_type(n, path)?,
        _ => {
            return Err(SchemaError::Attribute {
                path: path.to_string(),
                reason: "an attribute needs exactly one of \"type\" and \"nested_type\"",
            })
        }
    };
    Ok(Attribute {
        ty,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        requires_replace: a.requires_replace,
    })
}

/// The type Terraform decodes a nested attribute with: an object whose optional and computed
/// attributes may be left out, repeated as the nesting mode says.
fn nested_type(n: &NestedTypeJson, path: &str) -> Result<Type, SchemaError> {
    let mut object = ObjectType::default();
    for (name, a) in &n.attributes {
        let inner = attribute(a, &format!("{path}: attribute {name:?}"))?;
        let name: Arc<str> = Arc::from(name.as_str());
        if !inner.required {
            object.optional.insert(name.clone(), None);
        }
        object.attrs.insert(name, inner.ty);
    }
    let object = Type::Object(Arc::new(object));
    Ok(match n.nesting_mode.as_str() {
        "single" | "group" => object,
        "list" => Type::list(object),
        "set" => Type::set(object),
        "map" => Type::map(object),
        other => {
            return Err(SchemaError::Nesting {
                path: path.to_string(),
                mode: other.to_string(),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_schema_file_parses() {
        for (name, text) in BUILTIN_SCHEMA_FILES {
            let schemas = parse_schemas(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(schemas.len(), 1, "{name} describes one provider");
        }
    }

    #[test]
    fn builtin_schemas_have_the_real_providers_attributes() {
        let tf = builtin_schema("terraform.io/builtin/terraform").unwrap();
        let data = &tf.resource_schemas["terraform_data"].block;
        assert_eq!(
            data.attributes.keys().collect::<Vec<_>>(),
            ["id", "input", "output", "triggers_replace"]
        );
        assert_eq!(data.attributes["input"].ty, Type::Dynamic);
        assert!(data.attributes["output"].computed && !data.attributes["output"].optional);
        assert!(data.attributes["triggers_replace"].requires_replace);

        let null = builtin_schema("registry.terraform.io/hashicorp/null").unwrap();
        let res = &null.resource_schemas["null_resource"].block;
        assert_eq!(res.attributes["triggers"].ty, Type::map(Type::String));
        assert!(res.attributes["triggers"].requires_replace);
        assert!(res.attributes["id"].computed);
        assert!(null.data_source_schemas.contains_key("null_data_source"));

        let ext = builtin_schema("registry.terraform.io/hashicorp/external").unwrap();
        let e = &ext.data_source_schemas["external"].block;
        assert_eq!(e.attributes["program"].ty, Type::list(Type::String));
        assert!(e.attributes["program"].required);
        assert_eq!(e.attributes["result"].ty, Type::map(Type::String));
        assert!(ext.resource_schemas.is_empty());

        assert!(builtin_schema("registry.terraform.io/hashicorp/aws").is_none());
    }

    #[test]
    fn nested_blocks_keep_nesting_and_item_limits() {
        let text = r#"{"format_version":"1.0","provider_schemas":{"example.com/x/y":{
            "resource_schemas":{"y_thing":{"version":2,"block":{
              "attributes":{"name":{"type":"string","required":true}},
              "block_types":{
                "disk":{"nesting_mode":"list","block":{"attributes":{
                  "size":{"type":"number","optional":true}}},"min_items":1,"max_items":3},
                "tag":{"nesting_mode":"map","block":{}},
                "opts":{"nesting_mode":"group","block":{}}}}}}}}}"#;
        let schemas = parse_schemas(text).unwrap();
        let thing = &schemas["example.com/x/y"].resource_schemas["y_thing"];
        assert_eq!(thing.version, 2);
        let disk = &thing.block.block_types["disk"];
        assert_eq!(disk.nesting, Nesting::List);
        assert_eq!((disk.min_items, disk.max_items), (1, 3));
        assert_eq!(thing.block.block_types["tag"].nesting, Nesting::Map);
        assert_eq!(thing.block.block_types["opts"].nesting, Nesting::Single);
    }

    #[test]
    fn nested_attributes_read_as_object_types_with_optional_members() {
        let text = r#"{"format_version":"1.0","provider_schemas":{"example.com/x/y":{
            "resource_schemas":{"y_thing":{"block":{"attributes":{"nics":{"optional":true,
              "nested_type":{"nesting_mode":"list","attributes":{
                "mac":{"type":"string","required":true},
                "ip":{"type":"string","optional":true,"computed":true}}}}}}}}}}}"#;
        let schemas = parse_schemas(text).unwrap();
        let nics = &schemas["example.com/x/y"].resource_schemas["y_thing"]
            .block
            .attributes["nics"];
        assert_eq!(
            nics.ty.to_string(),
            "list(object({ip=optional(string), mac=string}))"
        );
    }

    #[test]
    fn bad_schemas_are_reported_with_the_offending_path() {
        let bad_type = r#"{"format_version":"1.0","provider_schemas":{"p":{
            "resource_schemas":{"r":{"block":{"attributes":{"a":{"type":"strnig","optional":true}}}}}}}}"#;
        assert_eq!(
            parse_schemas(bad_type).unwrap_err().to_string(),
            "p: resource r: attribute \"a\": invalid type \"strnig\""
        );
        let bad_flags = r#"{"format_version":"1.0","provider_schemas":{"p":{
            "data_source_schemas":{"d":{"block":{"attributes":{"a":{"type":"string"}}}}}}}}"#;
        assert_eq!(
            parse_schemas(bad_flags).unwrap_err().to_string(),
            "p: data source d: attribute \"a\": an attribute must be required, optional or computed"
        );
        let bad_version = r#"{"format_version":"2.0","provider_schemas":{}}"#;
        assert!(matches!(
            parse_schemas(bad_version),
            Err(SchemaError::FormatVersion(_))
        ));
        assert!(matches!(parse_schemas("{"), Err(SchemaError::Json(_))));
    }
}
