//! A state for people and machines, as `terraform show` prints it: the human layout of
//! `jsonformat/state.go` (`# ADDR:`, each object as a resource block, `Outputs:`), drawn with
//! the plan renderer's diff machinery as an unchanged object with the action symbols hidden,
//! and the state JSON of `jsonstate` (format 1.0).

use super::differ::type_diff;
use super::renderers::{Opts, Palette};
use super::structured::{Change, Matcher};
use super::values::{implied_block, known_json, mark_schema_sensitive, sensitive_as_bool};
use super::SchemaLookup;
use crate::addr::{InstanceKey, ModuleInstance};
use crate::config::ResourceMode;
use crate::schema::{decode_attributes, Block};
use crate::state::{InstanceState, ResourceState, State};
use crate::value::{value_from_json, Value};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The state JSON format version (`jsonstate.FormatVersion`).
pub const STATE_FORMAT_VERSION: &str = "1.0";

/// One object of the state as `jsonstate` describes it.
struct StateObject {
    address: String,
    mode: ResourceMode,
    type_name: String,
    name: String,
    key: InstanceKey,
    provider_name: String,
    schema_version: u64,
    /// The object with schema and recorded sensitivity marked.
    value: Value,
    block: Block,
    depends_on: Vec<String>,
    tainted: bool,
    deposed: Option<String>,
}

/// `registry.terraform.io/hashicorp/null` from `provider["registry.terraform.io/hashicorp/null"]`
/// (also with a module prefix or an alias suffix).
fn provider_name(config: &str) -> String {
    config
        .split_once("provider[\"")
        .and_then(|(_, rest)| rest.split_once("\"]"))
        .map(|(name, _)| name.to_string())
        .unwrap_or_else(|| config.to_string())
}

fn state_object(
    r: &ResourceState,
    inst: &InstanceState,
    schemas: &dyn SchemaLookup,
) -> StateObject {
    let provider = provider_name(&r.provider);
    let schema = schemas.resource_schema(&provider, r.addr.mode, &r.addr.type_name);
    let (value, block) = match schema {
        Some(s) => (
            mark_schema_sensitive(&decode_attributes(&inst.attributes, &s.block), &s.block),
            s.block.clone(),
        ),
        None => {
            let v = value_from_json(&inst.attributes);
            let block = implied_block(Some(&v), Some(&v));
            (v, block)
        }
    };
    let value = inst
        .sensitive_attributes
        .iter()
        .fold(value, |v, path| crate::state::mark_path(&v, path));
    StateObject {
        address: r.addr.instance(inst.key.clone()).to_string(),
        mode: r.addr.mode,
        type_name: r.addr.type_name.clone(),
        name: r.addr.name.clone(),
        key: inst.key.clone(),
        provider_name: provider,
        schema_version: inst.schema_version,
        value,
        block,
        depends_on: inst.dependencies.clone(),
        tainted: inst.tainted,
        deposed: inst.deposed.clone(),
    }
}

/// Every object by module, each module's objects sorted by address as Terraform sorts them
/// (as strings; the current object before the deposed ones of the same instance).
fn objects_by_module(
    state: &State,
    schemas: &dyn SchemaLookup,
) -> BTreeMap<ModuleInstance, Vec<StateObject>> {
    let mut out: BTreeMap<ModuleInstance, Vec<StateObject>> = BTreeMap::new();
    for r in state.resources() {
        for inst in r.instances() {
            out.entry(r.addr.module.clone())
                .or_default()
                .push(state_object(r, inst, schemas));
        }
    }
    for objects in out.values_mut() {
        objects.sort_by(|a, b| {
            a.address
                .cmp(&b.address)
                .then_with(|| a.deposed.cmp(&b.deposed))
        });
    }
    out
}

/// Module instances in the order Terraform walks them: the root, then each module's children
/// sorted by address, depth first.
fn module_order(modules: impl Iterator<Item = ModuleInstance>) -> Vec<ModuleInstance> {
    let mut all: std::collections::BTreeSet<ModuleInstance> = std::collections::BTreeSet::new();
    for m in modules {
        for depth in 0..=m.0.len() {
            all.insert(ModuleInstance(m.0[..depth].to_vec()));
        }
    }
    let mut ordered: Vec<(Vec<String>, ModuleInstance)> = all
        .into_iter()
        .map(|m| {
            let path = (1..=m.0.len())
                .map(|d| ModuleInstance(m.0[..d].to_vec()).to_string())
                .collect();
            (path, m)
        })
        .collect();
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    ordered.into_iter().map(|(_, m)| m).collect()
}

/// `terraform show` of a state; `None` when there is no state at all.
pub fn render_state_human(
    state: Option<&State>,
    schemas: &dyn SchemaLookup,
    color: bool,
) -> String {
    let Some(state) = state else {
        return "No state.\n".to_string();
    };
    if state.is_empty() {
        return "The state file is empty. No resources are represented.\n".to_string();
    }
    let palette = Palette { enabled: color };
    let mut opts = Opts::new(palette);
    opts.show_unchanged_children = true;
    opts.hide_symbols = true;

    let mut out = String::new();
    let by_module = objects_by_module(state, schemas);
    let mut first = true;
    for module in module_order(by_module.keys().cloned()) {
        let Some(objects) = by_module.get(&module) else {
            continue;
        };
        // Terraform separates a child module's objects by one more blank line.
        if !objects.is_empty() && !first {
            out.push('\n');
        }
        for o in objects {
            if !first {
                out.push('\n');
            }
            first = false;
            match (&o.deposed, o.tainted) {
                (Some(d), _) => {
                    let _ = write!(out, "# {}: (deposed object {d})", o.address);
                }
                (None, true) => {
                    let _ = write!(out, "# {}: (tainted)", o.address);
                }
                (None, false) => {
                    let _ = write!(out, "# {}:", o.address);
                }
            }
            out.push('\n');
            // The object is already marked sensitive where the schema and state say so.
            let _ = writeln!(
                out,
                "{}",
                super::render_state_object(
                    o.mode,
                    &o.type_name,
                    &o.name,
                    &o.value,
                    Some(&o.block),
                    color
                )
            );
        }
    }
    if !state.outputs.is_empty() {
        out.push_str("\n\nOutputs:\n\n");
        for (name, o) in &state.outputs {
            let value = known_json(&o.value).unwrap_or(Json::Null);
            let sensitive = Json::Bool(o.sensitive);
            let unknown = Json::Bool(false);
            let change = Change::new(
                Some(&value),
                Some(&value),
                Some(&unknown),
                Some(&sensitive),
                Some(&sensitive),
                Matcher::default(),
            );
            let ty = o.value.ty();
            let _ = writeln!(out, "{name} = {}", type_diff(change, &ty).render(0, opts));
        }
    }
    out
}

fn resource_json(o: &StateObject) -> Json {
    let mut m = Map::new();
    m.insert("address".into(), Json::String(o.address.clone()));
    m.insert(
        "mode".into(),
        Json::from(match o.mode {
            ResourceMode::Managed => "managed",
            ResourceMode::Data => "data",
        }),
    );
    m.insert("type".into(), Json::String(o.type_name.clone()));
    m.insert("name".into(), Json::String(o.name.clone()));
    if let Some(i) = super::json::index_json(&o.key) {
        m.insert("index".into(), i);
    }
    m.insert(
        "provider_name".into(),
        Json::String(o.provider_name.clone()),
    );
    m.insert("schema_version".into(), Json::from(o.schema_version));
    // Every attribute, null ones too (`marshalAttributeValues`); none at all is left out.
    if let Some(attrs) = o.value.as_attrs().filter(|a| !a.is_empty()) {
        let values: Map<String, Json> = attrs
            .iter()
            .map(|(k, v)| (k.to_string(), known_json(v).unwrap_or(Json::Null)))
            .collect();
        m.insert("values".into(), Json::Object(values));
    }
    m.insert("sensitive_values".into(), sensitive_as_bool(&o.value));
    if !o.depends_on.is_empty() {
        m.insert("depends_on".into(), Json::from(o.depends_on.clone()));
    }
    if o.tainted {
        m.insert("tainted".into(), Json::Bool(true));
    }
    if let Some(d) = &o.deposed {
        m.insert("deposed_key".into(), Json::String(d.clone()));
    }
    Json::Object(m)
}

/// `terraform show -json` of a state: `{format_version, terraform_version, values{outputs,
/// root_module{resources, child_modules}}}`; only the format version when there is no state
/// or it is empty.
pub fn render_state_json(state: Option<&State>, schemas: &dyn SchemaLookup) -> Json {
    let mut doc = Map::new();
    doc.insert("format_version".into(), Json::from(STATE_FORMAT_VERSION));
    let Some(state) = state.filter(|s| !s.is_empty()) else {
        return Json::Object(doc);
    };
    doc.insert(
        "terraform_version".into(),
        Json::String(state.terraform_version.clone()),
    );
    let mut values = Map::new();
    if !state.outputs.is_empty() {
        let outputs: Map<String, Json> = state
            .outputs
            .iter()
            .map(|(name, o)| {
                let mut e = Map::new();
                e.insert("sensitive".into(), Json::Bool(o.sensitive));
                e.insert("value".into(), known_json(&o.value).unwrap_or(Json::Null));
                e.insert("type".into(), o.value.ty().to_json());
                (name.clone(), Json::Object(e))
            })
            .collect();
        values.insert("outputs".into(), Json::Object(outputs));
    }
    let by_module = objects_by_module(state, schemas);
    fn module_json(
        module: &ModuleInstance,
        by_module: &BTreeMap<ModuleInstance, Vec<StateObject>>,
        all: &[ModuleInstance],
    ) -> Json {
        let mut m = Map::new();
        if let Some(objects) = by_module.get(module).filter(|o| !o.is_empty()) {
            m.insert(
                "resources".into(),
                Json::Array(objects.iter().map(resource_json).collect()),
            );
        }
        if !module.is_root() {
            m.insert("address".into(), Json::String(module.to_string()));
        }
        let children: Vec<Json> = all
            .iter()
            .filter(|c| c.0.len() == module.0.len() + 1 && c.0.starts_with(&module.0))
            .map(|c| module_json(c, by_module, all))
            .collect();
        if !children.is_empty() {
            m.insert("child_modules".into(), Json::Array(children));
        }
        Json::Object(m)
    }
    let all = module_order(by_module.keys().cloned());
    values.insert(
        "root_module".into(),
        module_json(&ModuleInstance::root(), &by_module, &all),
    );
    doc.insert("values".into(), Json::Object(values));
    Json::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::ResourceAddr;
    use crate::plan::PathStep;
    use crate::schema::{Attribute, NestedBlock, Nesting, ProviderSchema, ResourceSchema};
    use crate::value::Type;
    use serde_json::json;

    fn attr(ty: Type, sensitive: bool) -> Attribute {
        Attribute {
            ty,
            description: None,
            required: false,
            optional: true,
            computed: false,
            sensitive,
            requires_replace: false,
        }
    }

    /// The schema of Terraform's `jsonformat/state_test.go`.
    fn schemas() -> BTreeMap<String, ProviderSchema> {
        let mut resource = Block::default();
        for (name, sensitive) in [
            ("id", false),
            ("foo", false),
            ("woozles", false),
            ("password", true),
        ] {
            resource
                .attributes
                .insert(name.into(), attr(Type::String, sensitive));
        }
        let mut nested = Block::default();
        nested
            .attributes
            .insert("compute".into(), attr(Type::String, false));
        nested
            .attributes
            .insert("value".into(), attr(Type::String, false));
        resource.block_types.insert(
            "nested".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: nested,
                min_items: 0,
                max_items: 0,
            },
        );
        let mut data = Block::default();
        data.attributes
            .insert("compute".into(), attr(Type::String, false));
        data.attributes
            .insert("value".into(), attr(Type::String, false));
        let mut p = ProviderSchema::default();
        p.resource_schemas.insert(
            "test_resource".into(),
            ResourceSchema {
                version: 0,
                block: resource,
            },
        );
        p.data_source_schemas.insert(
            "test_data_source".into(),
            ResourceSchema {
                version: 0,
                block: data,
            },
        );
        [("registry.terraform.io/hashicorp/test".to_string(), p)]
            .into_iter()
            .collect()
    }

    const TEST_PROVIDER: &str = "provider[\"registry.terraform.io/hashicorp/test\"]";

    fn resource(mode: ResourceMode, ty: &str, name: &str) -> ResourceAddr {
        ResourceAddr {
            module: ModuleInstance::root(),
            mode,
            type_name: ty.into(),
            name: name.into(),
        }
    }

    fn basic_state() -> State {
        let mut s = State::new();
        s.outputs.insert(
            "bar".into(),
            crate::state::OutputState {
                value: Value::string("bar value"),
                sensitive: false,
            },
        );
        s.set_instance(
            &resource(ResourceMode::Managed, "test_resource", "baz").instance(InstanceKey::Int(0)),
            TEST_PROVIDER,
            InstanceState::new(InstanceKey::Int(0), json!({"woozles": "confuzles"})),
        );
        s.set_instance(
            &resource(ResourceMode::Data, "test_data_source", "data").instance(InstanceKey::None),
            TEST_PROVIDER,
            InstanceState::new(InstanceKey::None, json!({"compute": "sure"})),
        );
        s
    }

    #[test]
    fn a_state_prints_as_terraform_show_prints_it() {
        // Terraform's `basicStateOutput`.
        assert_eq!(
            render_state_human(Some(&basic_state()), &schemas(), false),
            "# data.test_data_source.data:\ndata \"test_data_source\" \"data\" {\n    compute = \"sure\"\n}\n\n# test_resource.baz[0]:\nresource \"test_resource\" \"baz\" {\n    woozles = \"confuzles\"\n}\n\n\nOutputs:\n\nbar = \"bar value\"\n"
        );
    }

    #[test]
    fn nested_blocks_and_deposed_objects_print_as_terraform_prints_them() {
        let mut s = State::new();
        let a =
            resource(ResourceMode::Managed, "test_resource", "baz").instance(InstanceKey::Int(0));
        // Terraform's fixture leaves `compute` out; state files as written hold every attribute.
        let attrs = json!({"woozles": "confuzles", "nested": [{"compute": null, "value": "42"}]});
        s.set_instance(
            &a,
            TEST_PROVIDER,
            InstanceState::new(InstanceKey::Int(0), attrs.clone()),
        );
        let mut deposed = InstanceState::new(InstanceKey::Int(0), attrs);
        deposed.deposed = Some("1234".into());
        s.set_instance(&a, TEST_PROVIDER, deposed);
        // Terraform's `deposedNestedStateOutput`.
        assert_eq!(
            render_state_human(Some(&s), &schemas(), false),
            "# test_resource.baz[0]:\nresource \"test_resource\" \"baz\" {\n    woozles = \"confuzles\"\n\n    nested {\n        value = \"42\"\n    }\n}\n\n# test_resource.baz[0]: (deposed object 1234)\nresource \"test_resource\" \"baz\" {\n    woozles = \"confuzles\"\n\n    nested {\n        value = \"42\"\n    }\n}\n"
        );
    }

    #[test]
    fn outputs_of_every_kind_print_as_terraform_prints_them() {
        let mut s = State::new();
        let mut out = |name: &str, value: Value, sensitive: bool| {
            s.outputs
                .insert(name.into(), crate::state::OutputState { value, sensitive });
        };
        out("string_var", Value::string("string value"), false);
        out("int_var", Value::int(42), false);
        out("bool_var", Value::Bool(true), false);
        out("sensitive_var", Value::string("secret!!!"), true);
        out(
            "map_var",
            Value::map(
                Type::String,
                [
                    ("first".into(), Value::string("foo")),
                    ("second".into(), Value::string("bar")),
                ]
                .into_iter()
                .collect(),
            ),
            false,
        );
        // Terraform's `stateWithMoreOutputsOutput`, without its resource.
        assert_eq!(
            render_state_human(Some(&s), &schemas(), false),
            "\n\nOutputs:\n\nbool_var = true\nint_var = 42\nmap_var = {\n    \"first\"  = \"foo\"\n    \"second\" = \"bar\"\n}\nsensitive_var = (sensitive value)\nstring_var = \"string value\"\n"
        );
    }

    #[test]
    fn empty_and_missing_states_say_so() {
        assert_eq!(render_state_human(None, &schemas(), false), "No state.\n");
        assert_eq!(
            render_state_human(Some(&State::new()), &schemas(), false),
            "The state file is empty. No resources are represented.\n"
        );
        assert_eq!(
            render_state_json(None, &schemas()),
            json!({"format_version": "1.0"})
        );
        assert_eq!(
            render_state_json(Some(&State::new()), &schemas()),
            json!({"format_version": "1.0"})
        );
    }

    #[test]
    fn the_state_json_has_terraforms_shape() {
        let mut s = basic_state();
        s.terraform_version = "1.9.0".into();
        let a =
            resource(ResourceMode::Managed, "test_resource", "baz").instance(InstanceKey::Int(1));
        let mut inst = InstanceState::new(
            InstanceKey::Int(1),
            json!({"id": "i-1", "password": "pw", "woozles": "w"}),
        );
        inst.tainted = true;
        inst.dependencies = vec!["data.test_data_source.data".into()];
        inst.sensitive_attributes = vec![vec![PathStep::Attr("woozles".into())]];
        s.set_instance(&a, TEST_PROVIDER, inst);
        let mut child = resource(ResourceMode::Managed, "test_resource", "c");
        child.module = ModuleInstance::root().child("gpu", InstanceKey::Str("a".into()));
        s.set_instance(
            &child.instance(InstanceKey::None),
            TEST_PROVIDER,
            InstanceState::new(InstanceKey::None, json!({"id": "x"})),
        );
        let doc = render_state_json(Some(&s), &schemas());
        insta::assert_snapshot!(serde_json::to_string_pretty(&doc).unwrap());
        let keys: Vec<&String> = doc["values"]["root_module"]["resources"][1]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            keys,
            [
                "address",
                "mode",
                "type",
                "name",
                "index",
                "provider_name",
                "schema_version",
                "values",
                "sensitive_values",
            ]
        );
        let tainted = &doc["values"]["root_module"]["resources"][2];
        assert_eq!(tainted["tainted"], json!(true));
        assert_eq!(
            tainted["sensitive_values"],
            json!({"password": true, "woozles": true})
        );
        assert_eq!(tainted["depends_on"], json!(["data.test_data_source.data"]));
        assert_eq!(
            doc["values"]["root_module"]["child_modules"][0]["address"],
            json!("module.gpu[\"a\"]")
        );
        // The human form hides the sensitive values.
        let human = render_state_human(Some(&s), &schemas(), false);
        assert!(
            human.contains("# test_resource.baz[1]: (tainted)"),
            "{human}"
        );
        assert!(!human.contains("\"pw\""), "{human}");
        insta::assert_snapshot!(human);
    }
}
