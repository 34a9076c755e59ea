//! Plan JSON (`terraform show -json PLANFILE`, format 1.2): resource and output changes with
//! their unknown and sensitive mirrors, and the planned values. Keys are inserted in
//! Terraform's order (struct fields as declared, map keys sorted), which `serde_json`'s
//! `preserve_order` keeps.

use super::values::{known_json, mark_schema_sensitive, sensitive_as_bool, unknown_as_bool};
use super::{sorted_changes, JsonOptions, SchemaLookup};
use crate::addr::{InstanceKey, ModuleInstance};
use crate::config::ResourceMode;
use crate::plan::{Action, OutputChange, PathStep, Plan, ResourceChange};
use crate::schema::Block;
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

/// The `change` object of one resource instance, which the human renderer reads as well.
#[derive(Clone, Debug)]
pub(super) struct ChangeJson {
    pub actions: &'static [&'static str],
    pub before: Json,
    /// `None` when the whole new value is unknown (Terraform then leaves `after` out).
    pub after: Option<Json>,
    pub after_unknown: Json,
    pub before_sensitive: Json,
    pub after_sensitive: Json,
    pub replace_paths: Option<Json>,
}

impl ChangeJson {
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("actions".into(), json!(self.actions));
        m.insert("before".into(), self.before.clone());
        if let Some(after) = &self.after {
            m.insert("after".into(), after.clone());
        }
        m.insert("after_unknown".into(), self.after_unknown.clone());
        m.insert("before_sensitive".into(), self.before_sensitive.clone());
        m.insert("after_sensitive".into(), self.after_sensitive.clone());
        if let Some(p) = &self.replace_paths {
            m.insert("replace_paths".into(), p.clone());
        }
        Json::Object(m)
    }
}

fn path_json(path: &[PathStep]) -> Json {
    Json::Array(
        path.iter()
            .map(|s| match s {
                PathStep::Attr(a) | PathStep::Key(a) => Json::String(a.clone()),
                PathStep::Index(i) => Json::from(*i),
            })
            .collect(),
    )
}

/// The JSON change of a resource instance; `block` adds the schema's sensitive attributes.
pub(super) fn resource_change_json(c: &ResourceChange, block: Option<&Block>) -> ChangeJson {
    let mark = |v: &crate::value::Value| match block {
        Some(b) => mark_schema_sensitive(v, b),
        None => v.clone(),
    };
    let (before, before_sensitive) = match &c.before {
        Some(v) => (
            known_json(v).unwrap_or(Json::Null),
            sensitive_as_bool(&mark(v)),
        ),
        None => (Json::Null, Json::Bool(false)),
    };
    let (after, after_unknown, after_sensitive) = match &c.after {
        Some(v) => {
            let unknown = if v.is_wholly_known() {
                Json::Object(Map::new())
            } else {
                unknown_as_bool(v)
            };
            (known_json(v), unknown, sensitive_as_bool(&mark(v)))
        }
        None => (
            Some(Json::Null),
            Json::Object(Map::new()),
            Json::Bool(false),
        ),
    };
    let replace_paths = (!c.replace_paths.is_empty()).then(|| {
        // Terraform lists the paths of a path set in a stable order of its own; sorting gives
        // one that does not depend on how the engine found them.
        let set: BTreeSet<&Vec<PathStep>> = c.replace_paths.iter().collect();
        Json::Array(set.into_iter().map(|p| path_json(p)).collect())
    });
    ChangeJson {
        actions: c.action.json_actions(),
        before,
        after,
        after_unknown,
        before_sensitive,
        after_sensitive,
        replace_paths,
    }
}

/// The JSON change of a root module output: sensitivity is one flag for the whole value.
pub(super) fn output_change_json(o: &OutputChange) -> ChangeJson {
    let before = o.before.as_ref().and_then(known_json).unwrap_or(Json::Null);
    let (after, after_unknown) = match &o.after {
        Some(v) if v.is_wholly_known() => (known_json(v), Json::Bool(false)),
        Some(v) => (known_json(v), unknown_as_bool(v)),
        None => (Some(Json::Null), Json::Bool(false)),
    };
    ChangeJson {
        actions: o.action.json_actions(),
        before,
        after,
        after_unknown,
        before_sensitive: Json::Bool(o.sensitive),
        after_sensitive: Json::Bool(o.sensitive),
        replace_paths: None,
    }
}

/// An instance key as JSON: a number or a string.
pub(super) fn index_json(key: &InstanceKey) -> Option<Json> {
    match key {
        InstanceKey::None => None,
        InstanceKey::Int(i) => Some(Json::from(*i)),
        InstanceKey::Str(s) => Some(Json::String(s.clone())),
    }
}

fn mode_name(mode: ResourceMode) -> &'static str {
    match mode {
        ResourceMode::Managed => "managed",
        ResourceMode::Data => "data",
    }
}

fn resource_change_entry(c: &ResourceChange, schemas: &dyn SchemaLookup) -> Json {
    let r = &c.addr.resource;
    let block = schemas
        .resource_schema(&c.provider, r.mode, &r.type_name)
        .map(|s| &s.block);
    let mut m = Map::new();
    m.insert("address".into(), Json::String(c.addr.to_string()));
    if !r.module.is_root() {
        m.insert("module_address".into(), Json::String(r.module.to_string()));
    }
    m.insert("mode".into(), Json::from(mode_name(r.mode)));
    m.insert("type".into(), Json::String(r.type_name.clone()));
    m.insert("name".into(), Json::String(r.name.clone()));
    if let Some(i) = index_json(&c.addr.key) {
        m.insert("index".into(), i);
    }
    m.insert("provider_name".into(), Json::String(c.provider.clone()));
    m.insert("change".into(), resource_change_json(c, block).to_json());
    if let Some(reason) = c.reason {
        m.insert("action_reason".into(), Json::from(reason.json_name()));
    }
    Json::Object(m)
}

/// One resource of `planned_values`: its planned attribute values, known parts only.
fn planned_resource(c: &ResourceChange, schemas: &dyn SchemaLookup) -> Json {
    let r = &c.addr.resource;
    let schema = schemas.resource_schema(&c.provider, r.mode, &r.type_name);
    let mut m = Map::new();
    m.insert("address".into(), Json::String(c.addr.to_string()));
    m.insert("mode".into(), Json::from(mode_name(r.mode)));
    m.insert("type".into(), Json::String(r.type_name.clone()));
    m.insert("name".into(), Json::String(r.name.clone()));
    if let Some(i) = index_json(&c.addr.key) {
        m.insert("index".into(), i);
    }
    m.insert("provider_name".into(), Json::String(c.provider.clone()));
    m.insert(
        "schema_version".into(),
        Json::from(schema.map_or(0, |s| s.version)),
    );
    if let Some(after) = &c.after {
        if let Some(Json::Object(values)) = known_json(after) {
            if !values.is_empty() {
                m.insert("values".into(), Json::Object(values));
            }
        }
        let marked = match schema {
            Some(s) => mark_schema_sensitive(after, &s.block),
            None => after.clone(),
        };
        m.insert("sensitive_values".into(), sensitive_as_bool(&marked));
    } else {
        m.insert("sensitive_values".into(), Json::Bool(false));
    }
    Json::Object(m)
}

/// `planned_values.root_module`: resources that will exist after apply, by module, with child
/// modules nested under their parents (each list sorted by address, as Terraform sorts it).
fn planned_module_tree(plan: &Plan, schemas: &dyn SchemaLookup) -> Json {
    let mut by_module: BTreeMap<ModuleInstance, Vec<&ResourceChange>> = BTreeMap::new();
    let mut modules: BTreeSet<ModuleInstance> = BTreeSet::new();
    for c in &plan.resource_changes {
        if c.action == Action::Delete {
            continue;
        }
        let module = &c.addr.resource.module;
        by_module.entry(module.clone()).or_default().push(c);
        for depth in 1..=module.0.len() {
            modules.insert(ModuleInstance(module.0[..depth].to_vec()));
        }
    }
    fn build(
        module: &ModuleInstance,
        by_module: &BTreeMap<ModuleInstance, Vec<&ResourceChange>>,
        modules: &BTreeSet<ModuleInstance>,
        schemas: &dyn SchemaLookup,
    ) -> Json {
        let mut m = Map::new();
        if let Some(list) = by_module.get(module) {
            let mut resources: Vec<(String, Json)> = list
                .iter()
                .map(|c| (c.addr.to_string(), planned_resource(c, schemas)))
                .collect();
            resources.sort_by(|a, b| a.0.cmp(&b.0));
            m.insert(
                "resources".into(),
                Json::Array(resources.into_iter().map(|(_, r)| r).collect()),
            );
        }
        if !module.is_root() {
            m.insert("address".into(), Json::String(module.to_string()));
        }
        let mut children: Vec<(String, &ModuleInstance)> = modules
            .iter()
            .filter(|c| c.0.len() == module.0.len() + 1 && c.0.starts_with(&module.0))
            .map(|c| (c.to_string(), c))
            .collect();
        children.sort_by(|a, b| a.0.cmp(&b.0));
        if !children.is_empty() {
            m.insert(
                "child_modules".into(),
                Json::Array(
                    children
                        .into_iter()
                        .map(|(_, c)| build(c, by_module, modules, schemas))
                        .collect(),
                ),
            );
        }
        Json::Object(m)
    }
    build(&ModuleInstance::root(), &by_module, &modules, schemas)
}

/// `planned_values.outputs`: every output that is not removed, with its value and type when
/// they are fully known.
fn planned_outputs(plan: &Plan) -> Map<String, Json> {
    let mut outputs: Vec<&OutputChange> = plan
        .output_changes
        .iter()
        .filter(|o| o.action != Action::Delete)
        .collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut m = Map::new();
    for o in outputs {
        let mut entry = Map::new();
        entry.insert("sensitive".into(), Json::Bool(o.sensitive));
        if let Some(v) = o.after.as_ref().filter(|v| v.is_wholly_known()) {
            entry.insert("type".into(), v.ty().to_json());
            entry.insert("value".into(), known_json(v).unwrap_or(Json::Null));
        }
        m.insert(o.name.clone(), Json::Object(entry));
    }
    m
}

pub(super) fn plan_json(plan: &Plan, schemas: &dyn SchemaLookup, opts: &JsonOptions) -> Json {
    let mut doc = Map::new();
    doc.insert("format_version".into(), Json::from("1.2"));
    doc.insert(
        "terraform_version".into(),
        Json::String(opts.terraform_version.clone()),
    );
    if let Some(v) = &opts.variables {
        doc.insert("variables".into(), v.clone());
    }

    let mut planned = Map::new();
    let outputs = planned_outputs(plan);
    if !outputs.is_empty() {
        planned.insert("outputs".into(), Json::Object(outputs));
    }
    planned.insert("root_module".into(), planned_module_tree(plan, schemas));
    doc.insert("planned_values".into(), Json::Object(planned));

    // Terraform never shows the deletion of a data resource: it only tidies up state.
    let changes: Vec<Json> = sorted_changes(plan)
        .into_iter()
        .filter(|c| !(c.addr.resource.mode == ResourceMode::Data && c.action == Action::Delete))
        .map(|c| resource_change_entry(c, schemas))
        .collect();
    if !changes.is_empty() {
        doc.insert("resource_changes".into(), Json::Array(changes));
    }

    let mut outputs: Vec<&OutputChange> = plan.output_changes.iter().collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    if !outputs.is_empty() {
        let m: Map<String, Json> = outputs
            .into_iter()
            .map(|o| (o.name.clone(), output_change_json(o).to_json()))
            .collect();
        doc.insert("output_changes".into(), Json::Object(m));
    }
    if let Some(v) = &opts.prior_state {
        doc.insert("prior_state".into(), v.clone());
    }
    if let Some(v) = &opts.configuration {
        doc.insert("configuration".into(), v.clone());
    }
    if let Some(t) = &opts.timestamp {
        doc.insert("timestamp".into(), Json::String(t.clone()));
    }
    doc.insert(
        "applyable".into(),
        Json::Bool(!plan.is_empty() && !opts.errored),
    );
    doc.insert("complete".into(), Json::Bool(true));
    doc.insert("errored".into(), Json::Bool(opts.errored));
    Json::Object(doc)
}
