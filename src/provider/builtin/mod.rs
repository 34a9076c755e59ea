//! Built-in providers: `terraform` (terraform_data), `null` (null_resource), `external`,
//! `ipmi` (ipmi_power).
//! Each answers with its embedded schema from `schema/*.json` and behaves as the real provider.

mod external;
mod ipmi;
mod null;
pub(crate) mod process;
mod terraform;

pub use external::ExternalProvider;
pub use ipmi::IpmiProvider;
pub use null::NullProvider;
pub use terraform::TerraformProvider;

use super::Provider;
use crate::diag::Diagnostic;
use crate::schema::{builtin_schema, ProviderSchema, ResourceSchema};
use crate::value::{Attrs, Value};
use std::sync::{Arc, OnceLock};

pub const TERRAFORM: &str = "terraform.io/builtin/terraform";
pub const NULL: &str = "registry.terraform.io/hashicorp/null";
pub const EXTERNAL: &str = "registry.terraform.io/hashicorp/external";
pub const IPMI: &str = "registry.terraform.io/bcmhcl/ipmi";

/// The built-in provider with this full source address.
pub fn builtin_provider(source: &str) -> Option<Arc<dyn Provider>> {
    match source {
        TERRAFORM => Some(Arc::new(TerraformProvider::new())),
        NULL => Some(Arc::new(NullProvider::new())),
        EXTERNAL => Some(Arc::new(ExternalProvider::new())),
        IPMI => Some(Arc::new(IpmiProvider::new())),
        _ => None,
    }
}

/// The built-in provider a resource or data source type belongs to when the configuration does
/// not say: as Terraform, by the type name's prefix up to the first underscore
/// (`terraform_data` → `terraform`, `null_resource` → `null`, `external` → `external`).
pub fn provider_for_resource_type(type_name: &str) -> Option<&'static str> {
    match type_name.split('_').next() {
        Some("terraform") => Some(TERRAFORM),
        Some("null") => Some(NULL),
        Some("external") => Some(EXTERNAL),
        Some("ipmi") => Some(IPMI),
        _ => None,
    }
}

/// The embedded schema of `source`; an empty one if the embedded file did not parse (a unit
/// test makes sure it does).
fn schema_of(source: &str) -> &'static ProviderSchema {
    static EMPTY: OnceLock<ProviderSchema> = OnceLock::new();
    builtin_schema(source).unwrap_or_else(|| EMPTY.get_or_init(ProviderSchema::default))
}

fn resource_schema<'a>(
    schema: &'a ProviderSchema,
    source: &str,
    type_name: &str,
) -> Result<&'a ResourceSchema, Diagnostic> {
    schema.resource_schemas.get(type_name).ok_or_else(|| {
        Diagnostic::error("Invalid resource type").detail(format!(
            "The provider {source} does not support resource type {type_name:?}."
        ))
    })
}

fn data_source_schema<'a>(
    schema: &'a ProviderSchema,
    source: &str,
    type_name: &str,
) -> Result<&'a ResourceSchema, Diagnostic> {
    schema.data_source_schemas.get(type_name).ok_or_else(|| {
        Diagnostic::error("Invalid data source").detail(format!(
            "The provider {source} does not support data source {type_name:?}."
        ))
    })
}

/// The attribute `name` of an object value, or null.
fn get(v: &Value, name: &str) -> Value {
    v.as_attrs()
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::NULL)
}

/// The object's attributes, to change some and build a new object.
fn attrs_of(v: &Value) -> Attrs {
    v.as_attrs().cloned().unwrap_or_default()
}

/// A non-negative random 63-bit integer, as Go's `rand.Int()` gives.
fn random_int63() -> i64 {
    // The operating system's randomness through uuid (already a dependency): the XOR of both
    // halves hides the fixed version and variant bits of a v4 UUID.
    let (hi, lo) = uuid::Uuid::new_v4().as_u64_pair();
    ((hi ^ lo.rotate_left(16)) >> 1) as i64
}

/// A registry with every built-in provider.
pub fn registry() -> crate::provider::ProviderRegistry {
    let mut r = crate::provider::ProviderRegistry::new();
    for source in [TERRAFORM, NULL, EXTERNAL, IPMI] {
        if let Some(p) = builtin_provider(source) {
            r.add(p);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_builtin_provider_answers_with_its_embedded_schema() {
        for source in [TERRAFORM, NULL, EXTERNAL, IPMI] {
            let p = builtin_provider(source).unwrap();
            assert_eq!(p.source(), source);
            let embedded = builtin_schema(source).unwrap();
            assert!(
                std::ptr::eq(p.schema(), embedded),
                "{source} must use the schema of schema/*.json"
            );
        }
        assert!(builtin_provider("registry.terraform.io/hashicorp/aws").is_none());
    }

    #[test]
    fn resource_types_map_to_their_provider_by_prefix() {
        assert_eq!(
            provider_for_resource_type("terraform_data"),
            Some(TERRAFORM)
        );
        assert_eq!(provider_for_resource_type("null_resource"), Some(NULL));
        assert_eq!(provider_for_resource_type("null_data_source"), Some(NULL));
        assert_eq!(provider_for_resource_type("external"), Some(EXTERNAL));
        assert_eq!(provider_for_resource_type("ipmi_power"), Some(IPMI));
        assert_eq!(provider_for_resource_type("bcm_node"), None);
    }

    #[test]
    fn random_integers_are_non_negative_and_vary() {
        let a: Vec<i64> = (0..32).map(|_| random_int63()).collect();
        assert!(a.iter().all(|n| *n >= 0));
        let mut b = a.clone();
        b.sort();
        b.dedup();
        assert!(b.len() > 30);
    }
}
