//! Terraform's own plan goldens (`testing/equivalence-tests/outputs/*`, see
//! `testdata/README.md`): each case's plan JSON is turned back into a [`Plan`], rendered, and
//! compared with Terraform's human text and plan JSON byte for byte (JSON structurally).
//!
//! Only cases whose schemas bcmhcl's schema model can express are included: tfcoremock's
//! nested attribute types render slightly differently from plain object types, so cases that
//! depend on that difference (`simple_object_null`, `replace_within_list`, ...) are left out.

use super::{render_plan_human_with, render_plan_json, HumanOptions};
use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use crate::config::ResourceMode;
use crate::plan::{Action, ActionReason, OutputChange, PathStep, Plan, ResourceChange};
use crate::schema::{Attribute, Block, NestedBlock, Nesting, ProviderSchema, ResourceSchema};
use crate::value::{value_from_json, value_from_json_typed, Attrs, Type, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const GOLDENS: &str = include_str!("testdata/terraform_equivalence.json");

fn goldens() -> &'static Json {
    static G: OnceLock<Json> = OnceLock::new();
    G.get_or_init(|| serde_json::from_str(GOLDENS).expect("golden file is JSON"))
}

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

fn block(attrs: &[(&str, Type)]) -> Block {
    let mut b = Block::default();
    for (name, ty) in attrs {
        b.attributes
            .insert(name.to_string(), attr(ty.clone(), false));
    }
    b
}

fn object(attrs: &[(&str, Type)]) -> Type {
    Type::object(
        attrs
            .iter()
            .map(|(k, t)| ((*k).into(), t.clone()))
            .collect(),
    )
}

const TFCOREMOCK: &str = "registry.terraform.io/hashicorp/tfcoremock";

/// The schemas the equivalence tests' providers declare, for one case (`tfcoremock_object`
/// has a different shape in `replace_within_object`).
fn schemas(case: &str) -> BTreeMap<String, ProviderSchema> {
    let s = Type::String;
    let mut mock = ProviderSchema::default();
    let simple = block(&[
        ("bool", Type::Bool),
        ("float", Type::Number),
        ("id", s.clone()),
        ("integer", Type::Number),
        ("number", Type::Number),
        ("string", s.clone()),
    ]);
    let object_attr = if case == "replace_within_object" {
        object(&[("id", s.clone())])
    } else {
        object(&[
            ("boolean", Type::Bool),
            ("number", Type::Number),
            ("string", s.clone()),
        ])
    };
    let nested_object = object(&[("attribute_one", s.clone()), ("attribute_two", s.clone())]);
    let mut multiple = block(&[("id", s.clone())]);
    for name in ["first_block", "second_block"] {
        multiple.block_types.insert(
            name.to_string(),
            NestedBlock {
                nesting: Nesting::List,
                block: block(&[("id", s.clone())]),
                min_items: 0,
                max_items: 0,
            },
        );
    }
    for (name, b) in [
        ("tfcoremock_simple_resource", simple.clone()),
        (
            "tfcoremock_object",
            block(&[("id", s.clone()), ("object", object_attr)]),
        ),
        (
            "tfcoremock_map",
            block(&[("id", s.clone()), ("map", Type::map(s.clone()))]),
        ),
        (
            "tfcoremock_list",
            block(&[("id", s.clone()), ("list", Type::list(s.clone()))]),
        ),
        (
            "tfcoremock_set",
            block(&[("id", s.clone()), ("set", Type::set(s.clone()))]),
        ),
        (
            "tfcoremock_nested_list",
            block(&[
                ("id", s.clone()),
                ("lists", Type::list(Type::list(s.clone()))),
            ]),
        ),
        (
            "tfcoremock_nested_map",
            block(&[("id", s.clone()), ("maps", Type::map(Type::map(s.clone())))]),
        ),
        (
            "tfcoremock_nested_set",
            block(&[("id", s.clone()), ("sets", Type::set(Type::set(s.clone())))]),
        ),
        (
            "tfcoremock_nested_object",
            block(&[
                ("id", s.clone()),
                (
                    "parent_object",
                    object(&[
                        ("first_nested_object", nested_object.clone()),
                        ("second_nested_object", nested_object),
                    ]),
                ),
            ]),
        ),
        ("tfcoremock_multiple_blocks", multiple),
    ] {
        mock.resource_schemas.insert(
            name.to_string(),
            ResourceSchema {
                version: 0,
                block: b,
            },
        );
    }
    mock.data_source_schemas.insert(
        "tfcoremock_simple_resource".into(),
        ResourceSchema {
            version: 0,
            block: simple,
        },
    );

    let mut null = ProviderSchema::default();
    null.resource_schemas.insert(
        "null_resource".into(),
        ResourceSchema {
            version: 0,
            block: block(&[("id", s.clone()), ("triggers", Type::map(s.clone()))]),
        },
    );

    let mut local_file = block(&[
        ("content", s.clone()),
        ("content_base64", s.clone()),
        ("directory_permission", s.clone()),
        ("file_permission", s.clone()),
        ("filename", s.clone()),
        ("id", s.clone()),
        ("source", s.clone()),
    ]);
    local_file
        .attributes
        .insert("sensitive_content".into(), attr(s.clone(), true));
    let mut local = ProviderSchema::default();
    local.resource_schemas.insert(
        "local_file".into(),
        ResourceSchema {
            version: 0,
            block: local_file,
        },
    );

    let mut random = ProviderSchema::default();
    random.resource_schemas.insert(
        "random_integer".into(),
        ResourceSchema {
            version: 0,
            block: block(&[
                ("id", s.clone()),
                ("keepers", Type::map(s.clone())),
                ("max", Type::Number),
                ("min", Type::Number),
                ("result", Type::Number),
                ("seed", s),
            ]),
        },
    );

    [
        (TFCOREMOCK, mock),
        ("registry.terraform.io/hashicorp/null", null),
        ("registry.terraform.io/hashicorp/local", local),
        ("registry.terraform.io/hashicorp/random", random),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The object type a block's values have.
fn block_type(b: &Block) -> Type {
    let mut attrs: BTreeMap<std::sync::Arc<str>, Type> = b
        .attributes
        .iter()
        .map(|(k, a)| (k.as_str().into(), a.ty.clone()))
        .collect();
    for (k, nb) in &b.block_types {
        let inner = block_type(&nb.block);
        let ty = match nb.nesting {
            Nesting::Single => inner,
            Nesting::List => Type::list(inner),
            Nesting::Set => Type::set(inner),
            Nesting::Map => Type::map(inner),
        };
        attrs.insert(k.as_str().into(), ty);
    }
    Type::object(attrs)
}

/// A value of type `ty` from plan JSON, with unknowns where `unknown` says so.
fn typed(j: &Json, unknown: &Json, ty: &Type) -> Value {
    if unknown == &Json::Bool(true) {
        return Value::Unknown(ty.clone());
    }
    if j.is_null() {
        return Value::Null(ty.clone());
    }
    let null = Json::Null;
    match ty {
        Type::Object(o) => Value::object(
            o.attrs
                .iter()
                .map(|(k, t)| {
                    let e = j.get(&**k).unwrap_or(&null);
                    let u = unknown.get(&**k).unwrap_or(&null);
                    (k.clone(), typed(e, u, t))
                })
                .collect(),
        ),
        Type::List(e) | Type::Set(e) => {
            let items: Vec<Value> = j
                .as_array()
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| typed(x, unknown.get(i).unwrap_or(&null), e))
                        .collect()
                })
                .unwrap_or_default();
            if matches!(ty, Type::Set(_)) {
                // Kept in the golden's order: cty orders sets of collections by hash, which
                // `Value::set` does not reproduce (a matter for the value module).
                Value::Set((**e).clone(), items.into())
            } else {
                Value::list((**e).clone(), items)
            }
        }
        Type::Map(e) => {
            let attrs: Attrs = j
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, x)| {
                            (
                                k.as_str().into(),
                                typed(x, unknown.get(k).unwrap_or(&null), e),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            Value::map((**e).clone(), attrs)
        }
        Type::Dynamic | Type::Tuple(_) => value_from_json(j),
        primitive => value_from_json_typed(j, primitive).unwrap_or(Value::Null(ty.clone())),
    }
}

fn action_of(actions: &Json) -> Action {
    let names: Vec<&str> = actions
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    match names.as_slice() {
        ["create"] => Action::Create,
        ["read"] => Action::Read,
        ["update"] => Action::Update,
        ["delete"] => Action::Delete,
        ["delete", "create"] => Action::DeleteThenCreate,
        ["create", "delete"] => Action::CreateThenDelete,
        _ => Action::NoOp,
    }
}

fn reason_of(name: Option<&str>) -> Option<ActionReason> {
    use ActionReason::*;
    [
        ReplaceBecauseTainted,
        ReplaceBecauseCannotUpdate,
        ReplaceByRequest,
        ReplaceByTriggers,
        DeleteBecauseNoResourceConfig,
        DeleteBecauseCountIndex,
        DeleteBecauseEachKey,
        DeleteBecauseNoModule,
        ReadBecauseConfigUnknown,
        ReadBecauseDependencyPending,
    ]
    .into_iter()
    .find(|r| Some(r.json_name()) == name)
}

fn module_of(addr: Option<&str>) -> ModuleInstance {
    let mut m = ModuleInstance::root();
    if let Some(addr) = addr {
        for step in addr.split('.').collect::<Vec<_>>().chunks(2) {
            if let [_, name] = step {
                m = m.child(name, InstanceKey::None);
            }
        }
    }
    m
}

/// The plan a golden's plan JSON describes.
fn plan_from_golden(case: &Json, schemas: &BTreeMap<String, ProviderSchema>) -> Plan {
    let mut plan = Plan::default();
    for rc in case["resource_changes"].as_array().into_iter().flatten() {
        let s = |k: &str| rc[k].as_str().unwrap_or_default().to_string();
        let mode = if s("mode") == "data" {
            ResourceMode::Data
        } else {
            ResourceMode::Managed
        };
        let key = match &rc["index"] {
            Json::Number(n) => InstanceKey::Int(n.as_i64().unwrap_or(0)),
            Json::String(k) => InstanceKey::Str(k.clone()),
            _ => InstanceKey::None,
        };
        let provider = s("provider_name");
        let schema = schemas
            .get(&provider)
            .and_then(|p| match mode {
                ResourceMode::Managed => p.resource_schemas.get(&s("type")),
                ResourceMode::Data => p.data_source_schemas.get(&s("type")),
            })
            .expect("golden resource type has a schema");
        let ty = block_type(&schema.block);
        let change = &rc["change"];
        let before =
            (!change["before"].is_null()).then(|| typed(&change["before"], &Json::Null, &ty));
        let after = (!change["after"].is_null() || change["after_unknown"] == Json::Bool(true))
            .then(|| typed(&change["after"], &change["after_unknown"], &ty));
        let replace_paths = change["replace_paths"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                p.as_array()
                    .into_iter()
                    .flatten()
                    .map(|step| match step {
                        Json::Number(n) => PathStep::Index(n.as_i64().unwrap_or(0)),
                        other => PathStep::Attr(other.as_str().unwrap_or_default().into()),
                    })
                    .collect()
            })
            .collect();
        plan.resource_changes.push(ResourceChange {
            addr: ResourceInstanceAddr {
                resource: ResourceAddr {
                    module: module_of(rc["module_address"].as_str()),
                    mode,
                    type_name: s("type"),
                    name: s("name"),
                },
                key,
            },
            provider,
            action: action_of(&change["actions"]),
            reason: reason_of(rc["action_reason"].as_str()),
            before,
            after,
            replace_paths,
        });
    }
    // Terraform lists changes in its own order; the renderer must not rely on the input order.
    plan.resource_changes.reverse();
    for (name, oc) in case["output_changes"].as_object().into_iter().flatten() {
        // The output's type, where the golden records it.
        let ty = Type::from_json(&case["planned_values"]["outputs"][name]["type"]);
        let value = |j: &Json, unknown: &Json| match (j, unknown) {
            (_, Json::Bool(true)) => Some(Value::unknown()),
            (Json::Null, _) => None,
            (j, _) => Some(match &ty {
                Some(ty) => typed(j, &Json::Null, ty),
                None => value_from_json(j),
            }),
        };
        plan.output_changes.push(OutputChange {
            name: name.clone(),
            action: action_of(&oc["actions"]),
            before: value(&oc["before"], &Json::Null),
            after: value(&oc["after"], &oc["after_unknown"]),
            sensitive: oc["after_sensitive"] == Json::Bool(true),
        });
    }
    plan
}

fn check(case: &str) {
    let golden = &goldens()[case];
    let schemas = schemas(case);
    let plan = plan_from_golden(golden, &schemas);
    let human = render_plan_human_with(
        &plan,
        &schemas,
        &HumanOptions {
            product: "Terraform".into(),
            ..HumanOptions::default()
        },
    );
    assert_eq!(
        human,
        golden["human"].as_str().unwrap_or_default(),
        "human plan of {case}"
    );
    let json = render_plan_json(&plan, &schemas);
    for key in ["resource_changes", "output_changes", "planned_values"] {
        // Terraform forgets the schema's sensitive marks in `planned_values` when a resource is
        // replaced (its `resource_changes` entry keeps them); bcmhcl always applies them.
        if (case, key) == ("local_provider_update", "planned_values") {
            let sensitive = &json[key]["root_module"]["resources"][0]["sensitive_values"];
            assert_eq!(sensitive, &serde_json::json!({"sensitive_content": true}));
            continue;
        }
        assert_eq!(json.get(key), golden.get(key), "{key} of {case}");
    }
}

macro_rules! goldens {
    ($($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                check(stringify!($case));
            }
        )*
    };
}

goldens!(
    simple_object,
    simple_object_update,
    simple_object_replace,
    replace_within_object,
    basic_map,
    basic_map_update,
    basic_map_null,
    basic_map_empty,
    basic_list,
    basic_list_update,
    basic_list_null,
    basic_list_empty,
    basic_set,
    basic_set_update,
    basic_set_null,
    basic_set_empty,
    basic_multiline_string_update,
    basic_json_string_update,
    nested_list,
    nested_list_update,
    nested_map,
    nested_map_update,
    nested_set,
    nested_set_update,
    nested_objects,
    nested_objects_update,
    multiple_block_types,
    multiple_block_types_update,
    null_provider_delete,
    null_provider_update,
    local_provider_basic,
    local_provider_delete,
    local_provider_update,
    data_read,
    variables_and_outputs,
    drift_simple,
);

/// One case of Terraform's renderer tests (`internal/command/jsonformat/plan_test.go`,
/// expected outputs only): a single change of `test_instance.example`.
struct RendererCase {
    schema: Block,
    mode: ResourceMode,
    action: Action,
    reason: Option<ActionReason>,
    before: Json,
    after: Json,
    after_unknown: Json,
    /// Marks put on the new value (what configuration-derived sensitivity looks like).
    after_sensitive: Json,
    replace: Vec<Vec<PathStep>>,
    expected: String,
}

impl Default for RendererCase {
    fn default() -> Self {
        RendererCase {
            schema: Block::default(),
            mode: ResourceMode::Managed,
            action: Action::Update,
            reason: None,
            before: Json::Null,
            after: Json::Null,
            after_unknown: Json::Null,
            after_sensitive: Json::Null,
            replace: Vec::new(),
            expected: String::new(),
        }
    }
}

fn mark(v: Value, sensitive: &Json) -> Value {
    match sensitive {
        Json::Bool(true) => v.mark_sensitive(),
        Json::Object(m) => match v {
            Value::Object(attrs) => Value::object(
                attrs
                    .iter()
                    .map(|(k, e)| {
                        let s = m.get(&**k).unwrap_or(&Json::Null);
                        (k.clone(), mark(e.clone(), s))
                    })
                    .collect(),
            ),
            other => other,
        },
        _ => v,
    }
}

impl RendererCase {
    fn check(self) {
        let ty = block_type(&self.schema);
        let before = (!self.before.is_null()).then(|| typed(&self.before, &Json::Null, &ty));
        let after = (!self.after.is_null()).then(|| {
            mark(
                typed(&self.after, &self.after_unknown, &ty),
                &self.after_sensitive,
            )
        });
        let provider = "registry.terraform.io/hashicorp/test";
        let mut p = ProviderSchema::default();
        let schema = ResourceSchema {
            version: 0,
            block: self.schema,
        };
        match self.mode {
            ResourceMode::Managed => p.resource_schemas.insert("test_instance".into(), schema),
            ResourceMode::Data => p.data_source_schemas.insert("test_instance".into(), schema),
        };
        let schemas: BTreeMap<String, ProviderSchema> = [(provider.to_string(), p)].into();
        let change = ResourceChange {
            addr: ResourceAddr {
                module: ModuleInstance::root(),
                mode: self.mode,
                type_name: "test_instance".into(),
                name: "example".into(),
            }
            .instance(InstanceKey::None),
            provider: provider.into(),
            action: self.action,
            reason: self.reason,
            before,
            after,
            replace_paths: self.replace,
        };
        let text = super::human::render_resource_change(
            &change,
            &schemas,
            super::renderers::Palette { enabled: false },
        );
        assert_eq!(text, self.expected);
    }
}

fn test_block(attrs: &[(&str, Type)], blocks: &[(&str, Block)]) -> Block {
    let mut b = block(attrs);
    for (name, inner) in blocks {
        b.block_types.insert(
            name.to_string(),
            NestedBlock {
                nesting: Nesting::List,
                block: inner.clone(),
                min_items: 0,
                max_items: 0,
            },
        );
    }
    b
}

/// Terraform's `testSchemaPlus(NestingList)`, with `disks` as a list of objects.
fn disks_schema(plus: bool) -> Block {
    let disk = object(&[("mount_point", Type::String), ("size", Type::String)]);
    let mut device = vec![("volume_type", Type::String)];
    if plus {
        device.push(("new_field", Type::String));
    }
    test_block(
        &[
            ("id", Type::String),
            ("ami", Type::String),
            ("disks", Type::list(disk)),
        ],
        &[("root_block_device", block(&device))],
    )
}

fn attr_path(steps: &[&str]) -> Vec<PathStep> {
    steps
        .iter()
        .map(|s| match s.parse::<i64>() {
            Ok(i) => PathStep::Index(i),
            Err(_) => PathStep::Attr((*s).into()),
        })
        .collect()
}

#[test]
fn renderer_update_with_equal_sensitive_field() {
    let mut schema = block(&[("id", Type::String), ("str", Type::String)]);
    schema
        .attributes
        .insert("password".into(), attr(Type::String, true));
    RendererCase {
        schema,
        before: serde_json::json!({"id": "blah", "str": "before", "password": "top-secret"}),
        after: serde_json::json!({"str": "after", "password": "top-secret"}),
        after_unknown: serde_json::json!({"id": true}),
        expected: r#"  # test_instance.example will be updated in-place
  ~ resource "test_instance" "example" {
      ~ id       = "blah" -> (known after apply)
      ~ str      = "before" -> "after"
        # (1 unchanged attribute hidden)
    }"#
        .into(),
        ..Default::default()
    }
    .check();
}

#[test]
fn renderer_creation_with_sensitive_field() {
    let mut schema = block(&[
        ("id", Type::String),
        (
            "conn_info",
            object(&[("password", Type::String), ("user", Type::String)]),
        ),
    ]);
    schema
        .attributes
        .insert("password".into(), attr(Type::String, true));
    RendererCase {
        schema,
        action: Action::Create,
        after: serde_json::json!({"password": "top-secret",
            "conn_info": {"user": "not-secret", "password": "top-secret"}}),
        after_unknown: serde_json::json!({"id": true}),
        after_sensitive: serde_json::json!({"conn_info": {"password": true}}),
        expected: r#"  # test_instance.example will be created
  + resource "test_instance" "example" {
      + conn_info = {
          + password = (sensitive value)
          + user     = "not-secret"
        }
      + id        = (known after apply)
      + password  = (sensitive value)
    }"#
        .into(),
        ..Default::default()
    }
    .check();
}

#[test]
fn renderer_replace_tainted_resource() {
    RendererCase {
        schema: block(&[("id", Type::String), ("ami", Type::String)]),
        action: Action::DeleteThenCreate,
        reason: Some(ActionReason::ReplaceBecauseTainted),
        before: serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-BEFORE"}),
        after: serde_json::json!({"ami": "ami-AFTER"}),
        after_unknown: serde_json::json!({"id": true}),
        replace: vec![attr_path(&["ami"])],
        expected: r#"  # test_instance.example is tainted, so must be replaced
-/+ resource "test_instance" "example" {
      ~ ami = "ami-BEFORE" -> "ami-AFTER" # forces replacement
      ~ id  = "i-02ae66f368e8518a9" -> (known after apply)
    }"#
        .into(),
        ..Default::default()
    }
    .check();
}

#[test]
fn renderer_force_replacement_with_empty_before_value() {
    for before in [Json::Null, Json::from("")] {
        RendererCase {
            schema: block(&[("name", Type::String), ("forced", Type::String)]),
            action: Action::DeleteThenCreate,
            reason: Some(ActionReason::ReplaceBecauseCannotUpdate),
            before: serde_json::json!({"name": "name", "forced": before}),
            after: serde_json::json!({"name": "name", "forced": "example"}),
            replace: vec![attr_path(&["forced"])],
            expected: r#"  # test_instance.example must be replaced
-/+ resource "test_instance" "example" {
      + forced = "example" # forces replacement
        name   = "name"
    }"#
            .into(),
            ..Default::default()
        }
        .check();
    }
}

#[test]
fn renderer_read_during_apply_for_unspecified_reason() {
    RendererCase {
        schema: block(&[("name", Type::String)]),
        mode: ResourceMode::Data,
        action: Action::Read,
        before: serde_json::json!({"name": "name"}),
        after: serde_json::json!({"name": "name"}),
        expected: r#"  # data.test_instance.example will be read during apply
 <= data "test_instance" "example" {
        name = "name"
    }"#
        .into(),
        ..Default::default()
    }
    .check();
}

#[test]
fn renderer_json_whitespace_changes() {
    for (action, replace, note) in [
        (Action::Update, vec![], "whitespace changes"),
        (
            Action::DeleteThenCreate,
            vec![attr_path(&["json_field"])],
            "whitespace changes force replacement",
        ),
    ] {
        let header = if action == Action::Update {
            "  # test_instance.example will be updated in-place\n  ~ resource"
        } else {
            "  # test_instance.example must be replaced\n-/+ resource"
        };
        let expected = format!(
            "{header} \"test_instance\" \"example\" {{\n      ~ id         = \"i-02ae66f368e8518a9\" -> (known after apply)\n      ~ json_field = jsonencode( # {note}\n            {{\n                aaa = \"value\"\n                bbb = \"another\"\n            }}\n        )\n    }}"
        );
        RendererCase {
            schema: block(&[("id", Type::String), ("json_field", Type::String)]),
            action,
            before: serde_json::json!({"id": "i-02ae66f368e8518a9",
                "json_field": "{\"aaa\": \"value\", \"bbb\": \"another\"}"}),
            after: serde_json::json!({"json_field": "{\"aaa\":\"value\",\n\t\t\t\t\t\"bbb\":\"another\"}"}),
            after_unknown: serde_json::json!({"id": true}),
            replace,
            expected,
            ..Default::default()
        }
        .check();
    }
}

#[test]
fn renderer_list_update_to_unknown_elements() {
    let schema = || {
        block(&[
            ("id", Type::String),
            ("ami", Type::String),
            ("list_field", Type::list(Type::String)),
        ])
    };
    RendererCase {
        schema: schema(),
        before: serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-STATIC",
            "list_field": ["aaaa", "bbbb", "cccc"]}),
        after: serde_json::json!({"ami": "ami-STATIC", "list_field": ["aaaa", null, "cccc"]}),
        after_unknown: serde_json::json!({"id": true, "list_field": [false, true, false]}),
        expected: r#"  # test_instance.example will be updated in-place
  ~ resource "test_instance" "example" {
      ~ id         = "i-02ae66f368e8518a9" -> (known after apply)
      ~ list_field = [
            "aaaa",
          ~ "bbbb" -> (known after apply),
            "cccc",
        ]
        # (1 unchanged attribute hidden)
    }"#
        .into(),
        ..Default::default()
    }
    .check();
    RendererCase {
        schema: schema(),
        before: serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-STATIC",
            "list_field": ["aaaa", "bbbb", "cccc", "dddd", "eeee"]}),
        after: serde_json::json!({"ami": "ami-STATIC",
            "list_field": ["aaaa", null, null, "cccc", "dddd", "eeee"]}),
        after_unknown: serde_json::json!({"id": true,
            "list_field": [false, true, true, false, false, false]}),
        expected: r#"  # test_instance.example will be updated in-place
  ~ resource "test_instance" "example" {
      ~ id         = "i-02ae66f368e8518a9" -> (known after apply)
      ~ list_field = [
            "aaaa",
          - "bbbb",
          + (known after apply),
          + (known after apply),
            "cccc",
            # (2 unchanged elements hidden)
        ]
        # (1 unchanged attribute hidden)
    }"#
        .into(),
        ..Default::default()
    }
    .check();
}

#[test]
fn renderer_set_update_to_unknown() {
    let schema = || {
        block(&[
            ("id", Type::String),
            ("ami", Type::String),
            ("set_field", Type::set(Type::String)),
        ])
    };
    RendererCase {
        schema: schema(),
        before: serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-STATIC",
            "set_field": ["aaaa", "bbbb"]}),
        after: serde_json::json!({"ami": "ami-STATIC"}),
        after_unknown: serde_json::json!({"id": true, "set_field": true}),
        expected: r#"  # test_instance.example will be updated in-place
  ~ resource "test_instance" "example" {
      ~ id        = "i-02ae66f368e8518a9" -> (known after apply)
      ~ set_field = [
          - "aaaa",
          - "bbbb",
        ] -> (known after apply)
        # (1 unchanged attribute hidden)
    }"#
        .into(),
        ..Default::default()
    }
    .check();
}

#[test]
fn renderer_force_new_update_inside_blocks_and_whole_blocks() {
    let before = serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-BEFORE",
        "disks": [{"mount_point": "/var/diska", "size": "50GB"}],
        "root_block_device": [{"volume_type": "gp2"}]});
    let after = serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-AFTER",
        "disks": [{"mount_point": "/var/diskb", "size": "50GB"}],
        "root_block_device": [{"volume_type": "different"}]});
    RendererCase {
        schema: disks_schema(false),
        action: Action::DeleteThenCreate,
        reason: Some(ActionReason::ReplaceBecauseCannotUpdate),
        before: before.clone(),
        after: after.clone(),
        replace: vec![
            attr_path(&["root_block_device", "0", "volume_type"]),
            attr_path(&["disks", "0", "mount_point"]),
        ],
        expected: r#"  # test_instance.example must be replaced
-/+ resource "test_instance" "example" {
      ~ ami   = "ami-BEFORE" -> "ami-AFTER"
      ~ disks = [
          ~ {
              ~ mount_point = "/var/diska" -> "/var/diskb" # forces replacement
                # (1 unchanged attribute hidden)
            },
        ]
        id    = "i-02ae66f368e8518a9"

      ~ root_block_device {
          ~ volume_type = "gp2" -> "different" # forces replacement
        }
    }"#
        .into(),
        ..Default::default()
    }
    .check();
    RendererCase {
        schema: disks_schema(false),
        action: Action::DeleteThenCreate,
        reason: Some(ActionReason::ReplaceBecauseCannotUpdate),
        before,
        after,
        replace: vec![attr_path(&["root_block_device"]), attr_path(&["disks"])],
        expected: r#"  # test_instance.example must be replaced
-/+ resource "test_instance" "example" {
      ~ ami   = "ami-BEFORE" -> "ami-AFTER"
      ~ disks = [ # forces replacement
          ~ {
              ~ mount_point = "/var/diska" -> "/var/diskb"
                # (1 unchanged attribute hidden)
            },
        ]
        id    = "i-02ae66f368e8518a9"

      ~ root_block_device { # forces replacement
          ~ volume_type = "gp2" -> "different"
        }
    }"#
        .into(),
        ..Default::default()
    }
    .check();
}

#[test]
fn renderer_unknown_blocks() {
    RendererCase {
        schema: disks_schema(true),
        action: Action::Create,
        after: serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-AFTER",
            "disks": [{"mount_point": "/var/diska", "size": "50GB"}]}),
        after_unknown: serde_json::json!({"root_block_device": true}),
        expected: r#"  # test_instance.example will be created
  + resource "test_instance" "example" {
      + ami   = "ami-AFTER"
      + disks = [
          + {
              + mount_point = "/var/diska"
              + size        = "50GB"
            },
        ]
      + id    = "i-02ae66f368e8518a9"

      + root_block_device (known after apply)
    }"#
        .into(),
        ..Default::default()
    }
    .check();
    RendererCase {
        schema: disks_schema(true),
        before: serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-BEFORE",
            "disks": [{"mount_point": "/var/diska", "size": "50GB"}],
            "root_block_device": [{"volume_type": "gp1", "new_field": "new_value"},
                                  {"volume_type": "gp2", "new_field": "new_value"}]}),
        after: serde_json::json!({"id": "i-02ae66f368e8518a9", "ami": "ami-AFTER",
            "disks": [{"mount_point": "/var/diska", "size": "50GB"}]}),
        after_unknown: serde_json::json!({"root_block_device": true}),
        expected: r#"  # test_instance.example will be updated in-place
  ~ resource "test_instance" "example" {
      ~ ami   = "ami-BEFORE" -> "ami-AFTER"
        id    = "i-02ae66f368e8518a9"
        # (1 unchanged attribute hidden)

      ~ root_block_device (known after apply)
      - root_block_device {
          - new_field   = "new_value" -> null
          - volume_type = "gp1" -> null
        }
      - root_block_device {
          - new_field   = "new_value" -> null
          - volume_type = "gp2" -> null
        }
    }"#
        .into(),
        ..Default::default()
    }
    .check();
}
