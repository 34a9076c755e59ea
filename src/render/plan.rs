//! The human plan (`terraform plan` layout) and plan JSON (format 1.2).
//!
//! Both are built the way Terraform 1.x builds them: each change is first written as plan JSON
//! (`before`, `after`, `after_unknown`, `before_sensitive`, `after_sensitive`,
//! `replace_paths`), and the human text is rendered from that JSON with the resource type's
//! schema, following `internal/command/jsonformat` (computed diffs, renderers) and the
//! `testing/equivalence-tests` goldens. Quirks that show in the output are kept on purpose:
//! empty strings of legacy-style schemas print as null, `id`, `name` and `tags` always show,
//! lists show the unchanged neighbours of a change, strings holding JSON print as
//! `jsonencode(...)` with a structural diff.
//!
//! Product name: sentences in which Terraform names itself ("Terraform will perform the
//! following actions:", "Terraform has compared ...") name [`HumanOptions::product`] instead,
//! `bcmhcl` by default; the layout, symbols and all other wording are Terraform's. Tests that
//! compare with Terraform's own goldens set the product to `Terraform`.

mod differ;
mod human;
mod json;
mod renderers;
mod state;
mod structured;
mod values;

#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod tests;

pub use state::{render_state_human, render_state_json, STATE_FORMAT_VERSION};

use crate::addr::{InstanceKey, ModuleInstance, ResourceInstanceAddr};
use crate::config::ResourceMode;
use crate::plan::{Plan, ResourceChange};
use crate::schema::{ProviderSchema, ResourceSchema};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Where the renderers find a resource type's schema (attribute order, types, sensitivity,
/// nested blocks). Without one a resource is rendered from its values alone.
pub trait SchemaLookup {
    /// The schema of resource type `type_name` of `provider` (the provider source address as in
    /// [`ResourceChange::provider`], e.g. `registry.terraform.io/hashicorp/null`).
    fn resource_schema(
        &self,
        provider: &str,
        mode: ResourceMode,
        type_name: &str,
    ) -> Option<&ResourceSchema>;
}

/// No schemas at all: every resource is rendered from its values.
pub struct NoSchemas;

impl SchemaLookup for NoSchemas {
    fn resource_schema(&self, _: &str, _: ResourceMode, _: &str) -> Option<&ResourceSchema> {
        None
    }
}

/// Provider schemas keyed by provider source address.
impl SchemaLookup for BTreeMap<String, ProviderSchema> {
    fn resource_schema(
        &self,
        provider: &str,
        mode: ResourceMode,
        type_name: &str,
    ) -> Option<&ResourceSchema> {
        let p = self.get(provider)?;
        match mode {
            ResourceMode::Managed => p.resource_schemas.get(type_name),
            ResourceMode::Data => p.data_source_schemas.get(type_name),
        }
    }
}

/// How the human plan is printed.
#[derive(Clone, Debug)]
pub struct HumanOptions {
    /// Terraform's colours (green `+`, yellow `~`, red `-`, bold headers) as ANSI codes.
    pub color: bool,
    /// Terminal width for wrapping prose; Terraform uses 78 when output is not a terminal.
    pub width: usize,
    /// The name used where Terraform names itself in prose.
    pub product: String,
    /// The plan was cut short by errors ("Planning failed." / "... planned the following
    /// actions, but then encountered a problem:").
    pub errored: bool,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            width: 78,
            product: "bcmhcl".to_string(),
            errored: false,
        }
    }
}

/// Parts of plan JSON that come from outside the plan itself.
#[derive(Clone, Debug)]
pub struct JsonOptions {
    pub terraform_version: String,
    /// `variables`, as the caller encodes them (`{"name": {"value": ...}}`).
    pub variables: Option<serde_json::Value>,
    pub prior_state: Option<serde_json::Value>,
    pub configuration: Option<serde_json::Value>,
    /// RFC 3339 time the plan was made.
    pub timestamp: Option<String>,
    pub errored: bool,
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions {
            terraform_version: env!("CARGO_PKG_VERSION").to_string(),
            variables: None,
            prior_state: None,
            configuration: None,
            timestamp: None,
            errored: false,
        }
    }
}

/// The human plan, as `terraform plan` prints it after the refresh lines (with the default
/// width of 78 columns and `bcmhcl` as product name).
pub fn render_plan_human(plan: &Plan, schemas: &dyn SchemaLookup, color: bool) -> String {
    render_plan_human_with(
        plan,
        schemas,
        &HumanOptions {
            color,
            ..HumanOptions::default()
        },
    )
}

/// The human plan with every option spelled out.
pub fn render_plan_human_with(
    plan: &Plan,
    schemas: &dyn SchemaLookup,
    opts: &HumanOptions,
) -> String {
    human::render(plan, schemas, opts)
}

/// Plan JSON (format 1.2) with default options.
pub fn render_plan_json(plan: &Plan, schemas: &dyn SchemaLookup) -> serde_json::Value {
    render_plan_json_with(plan, schemas, &JsonOptions::default())
}

/// Plan JSON (format 1.2): `planned_values`, `resource_changes`, `output_changes`,
/// `applyable`, `complete`, `errored`, and whatever `opts` supplies.
pub fn render_plan_json_with(
    plan: &Plan,
    schemas: &dyn SchemaLookup,
    opts: &JsonOptions,
) -> serde_json::Value {
    json::plan_json(plan, schemas, opts)
}

/// Terraform's order of resource instances (`AbsResourceInstance.Less`): shorter module paths
/// first, then module steps by name and key, then data resources before managed ones, then
/// type, name and instance key.
pub fn terraform_instance_order(a: &ResourceInstanceAddr, b: &ResourceInstanceAddr) -> Ordering {
    fn modules(a: &ModuleInstance, b: &ModuleInstance) -> Ordering {
        a.0.len().cmp(&b.0.len()).then_with(|| {
            a.0.iter()
                .zip(&b.0)
                .map(|((an, ak), (bn, bk))| an.cmp(bn).then_with(|| ak.cmp(bk)))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
    }
    fn mode_rank(m: ResourceMode) -> u8 {
        match m {
            ResourceMode::Data => 0,
            ResourceMode::Managed => 1,
        }
    }
    let (ra, rb) = (&a.resource, &b.resource);
    modules(&ra.module, &rb.module)
        .then_with(|| mode_rank(ra.mode).cmp(&mode_rank(rb.mode)))
        .then_with(|| ra.type_name.cmp(&rb.type_name))
        .then_with(|| ra.name.cmp(&rb.name))
        .then_with(|| InstanceKey::cmp(&a.key, &b.key))
}

/// One object of the state as `terraform state show` and `terraform show` print it, from
/// `resource "T" "N" {` to the closing brace: every non-null attribute and block, aligned, with
/// no action symbols, sensitive values as `(sensitive value)` (Terraform renders the object as
/// an unchanged diff with `ShowUnchangedChildren` and `HideDiffActionSymbols`). `value` is the
/// decoded object with its sensitive marks; the schema's sensitive attributes are marked here.
/// Without a schema the block is read off the value.
pub fn render_state_object(
    mode: ResourceMode,
    type_name: &str,
    name: &str,
    value: &crate::value::Value,
    block: Option<&crate::schema::Block>,
    color: bool,
) -> String {
    let implied;
    let block = match block {
        Some(b) => b,
        None => {
            implied = values::implied_block(Some(value), Some(value));
            &implied
        }
    };
    let marked = values::mark_schema_sensitive(value, block);
    let json = values::known_json(&marked).unwrap_or(serde_json::Value::Null);
    let sensitive = values::sensitive_as_bool(&marked);
    let unknown = serde_json::Value::Bool(false);
    let change = structured::Change::new(
        Some(&json),
        Some(&json),
        Some(&unknown),
        Some(&sensitive),
        Some(&sensitive),
        structured::Matcher::default(),
    );
    let diff = differ::block_diff(change, block);
    let mut opts = renderers::Opts::new(renderers::Palette { enabled: color });
    opts.show_unchanged_children = true;
    opts.hide_symbols = true;
    let keyword = match mode {
        ResourceMode::Managed => "resource",
        ResourceMode::Data => "data",
    };
    format!(
        "{keyword} {} {} {}",
        crate::value::go_quote(type_name),
        crate::value::go_quote(name),
        diff.render(0, opts)
    )
}

/// The plan's resource changes in Terraform's order.
fn sorted_changes(plan: &Plan) -> Vec<&ResourceChange> {
    let mut v: Vec<&ResourceChange> = plan.resource_changes.iter().collect();
    v.sort_by(|a, b| terraform_instance_order(&a.addr, &b.addr));
    v
}
