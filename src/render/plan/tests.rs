//! The human plan and plan JSON for each kind of change, on a BCM-like schema: snapshots for the
//! text (reviewed against Terraform's layout rules) and exact JSON for the machine format.

use super::*;
use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use crate::plan::{Action, ActionReason, OutputChange, PathStep, Plan, ResourceChange};
use crate::schema::{Attribute, Block, NestedBlock, Nesting, ProviderSchema, ResourceSchema};
use crate::value::{Attrs, Type, Value};
use serde_json::json;

const BCM: &str = "registry.terraform.io/nvidia/bcm";

fn attribute(ty: Type, computed: bool, sensitive: bool) -> Attribute {
    Attribute {
        ty,
        description: None,
        required: false,
        optional: !computed,
        computed,
        sensitive,
        requires_replace: false,
    }
}

/// `bcm_device`: a computed `id`, a schema-sensitive `password`, maps, a number, a bool, a
/// multi-line `notes` and a list of `interface` blocks. `bcm_partition` is a data source.
fn schemas() -> BTreeMap<String, ProviderSchema> {
    let mut device = Block::default();
    for (name, a) in [
        ("id", attribute(Type::String, true, false)),
        ("hostname", attribute(Type::String, false, false)),
        ("mac", attribute(Type::String, false, false)),
        ("password", attribute(Type::String, false, true)),
        ("labels", attribute(Type::map(Type::String), false, false)),
        ("tags", attribute(Type::map(Type::String), false, false)),
        ("cores", attribute(Type::Number, false, false)),
        ("enabled", attribute(Type::Bool, false, false)),
        ("notes", attribute(Type::String, false, false)),
        ("category", attribute(Type::String, false, false)),
    ] {
        device.attributes.insert(name.into(), a);
    }
    let mut interface = Block::default();
    interface
        .attributes
        .insert("name".into(), attribute(Type::String, false, false));
    interface
        .attributes
        .insert("ip".into(), attribute(Type::String, false, false));
    device.block_types.insert(
        "interface".into(),
        NestedBlock {
            nesting: Nesting::List,
            block: interface,
            min_items: 0,
            max_items: 0,
        },
    );
    let mut partition = Block::default();
    partition
        .attributes
        .insert("name".into(), attribute(Type::String, false, false));
    partition
        .attributes
        .insert("id".into(), attribute(Type::String, true, false));
    let mut p = ProviderSchema::default();
    p.resource_schemas.insert(
        "bcm_device".into(),
        ResourceSchema {
            version: 1,
            block: device,
        },
    );
    p.data_source_schemas.insert(
        "bcm_partition".into(),
        ResourceSchema {
            version: 0,
            block: partition,
        },
    );
    [(BCM.to_string(), p)].into_iter().collect()
}

fn addr(
    module: &[&str],
    mode: ResourceMode,
    ty: &str,
    name: &str,
    key: InstanceKey,
) -> ResourceInstanceAddr {
    let mut m = ModuleInstance::root();
    for step in module {
        m = m.child(step, InstanceKey::None);
    }
    ResourceAddr {
        module: m,
        mode,
        type_name: ty.into(),
        name: name.into(),
    }
    .instance(key)
}

fn device_addr(name: &str, key: InstanceKey) -> ResourceInstanceAddr {
    addr(&[], ResourceMode::Managed, "bcm_device", name, key)
}

fn strings(pairs: &[(&str, &str)]) -> Value {
    Value::map(
        Type::String,
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), Value::from(*v)))
            .collect(),
    )
}

fn interface(name: &str, ip: &str) -> Value {
    object(vec![("ip", Value::from(ip)), ("name", Value::from(name))])
}

fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v))
            .collect::<Attrs>(),
    )
}

fn interface_type() -> Type {
    Type::object(
        [("ip".into(), Type::String), ("name".into(), Type::String)]
            .into_iter()
            .collect(),
    )
}

/// A full `bcm_device` object: every attribute present, null where not given.
fn device(pairs: Vec<(&str, Value)>) -> Value {
    let mut attrs: Attrs = [
        ("id", Value::Null(Type::String)),
        ("hostname", Value::Null(Type::String)),
        ("mac", Value::Null(Type::String)),
        ("password", Value::Null(Type::String)),
        ("labels", Value::Null(Type::map(Type::String))),
        ("tags", Value::Null(Type::map(Type::String))),
        ("cores", Value::Null(Type::Number)),
        ("enabled", Value::Null(Type::Bool)),
        ("notes", Value::Null(Type::String)),
        ("category", Value::Null(Type::String)),
        ("interface", Value::list(interface_type(), vec![])),
    ]
    .into_iter()
    .map(|(k, v)| (k.into(), v))
    .collect();
    for (k, v) in pairs {
        attrs.insert(k.into(), v);
    }
    Value::object(attrs)
}

fn node01() -> Value {
    device(vec![
        ("id", Value::from("dev-17")),
        ("hostname", Value::from("node01")),
        ("mac", Value::from("fa:16:3e:00:00:01")),
        ("password", Value::from("hunter2")),
        ("labels", strings(&[("rack", "r1"), ("role", "compute")])),
        ("cores", Value::int(64)),
        ("enabled", Value::Bool(true)),
        ("category", Value::from("default")),
        (
            "interface",
            Value::list(interface_type(), vec![interface("bmc", "10.0.0.1")]),
        ),
    ])
}

fn change(
    addr: ResourceInstanceAddr,
    action: Action,
    reason: Option<ActionReason>,
    before: Option<Value>,
    after: Option<Value>,
    replace: &[&str],
) -> ResourceChange {
    ResourceChange {
        addr,
        provider: BCM.into(),
        action,
        reason,
        before,
        after,
        replace_paths: replace
            .iter()
            .map(|a| vec![PathStep::Attr((*a).into())])
            .collect(),
    }
}

fn plan(changes: Vec<ResourceChange>) -> Plan {
    Plan {
        resource_changes: changes,
        ..Plan::default()
    }
}

fn human(plan: &Plan) -> String {
    render_plan_human(plan, &schemas(), false)
}

fn resource_change_json(plan: &Plan) -> serde_json::Value {
    render_plan_json(plan, &schemas())["resource_changes"][0]["change"].clone()
}

fn created_node() -> ResourceChange {
    let after = device(vec![
        ("id", Value::Unknown(Type::String)),
        ("hostname", Value::from("node01")),
        ("mac", Value::Unknown(Type::String)),
        ("password", Value::from("hunter2")),
        // Sensitive because the configuration says so, not the schema.
        ("category", Value::from("gpu").mark_sensitive()),
        (
            "labels",
            strings(&[
                ("rack", "r1"),
                ("role", "compute"),
                ("site name", "Santa Clara"),
            ]),
        ),
        ("cores", Value::int(64)),
        ("enabled", Value::Bool(true)),
        ("notes", Value::from("first line\nsecond line\n")),
        (
            "interface",
            Value::list(
                interface_type(),
                vec![interface("bmc", "10.0.0.1"), interface("ib0", "10.1.0.1")],
            ),
        ),
    ]);
    change(
        device_addr("nodes", InstanceKey::Str("node01".into())),
        Action::Create,
        None,
        None,
        Some(after),
        &[],
    )
}

#[test]
fn create_shows_known_unknown_and_sensitive_values_and_nested_maps() {
    insta::assert_snapshot!(human(&plan(vec![created_node()])));
}

#[test]
fn create_json_marks_unknown_and_sensitive_attributes() {
    let j = resource_change_json(&plan(vec![created_node()]));
    assert_eq!(j["actions"], json!(["create"]));
    assert_eq!(j["before"], json!(null));
    assert_eq!(j["before_sensitive"], json!(false));
    assert_eq!(
        j["after_unknown"],
        json!({"id": true, "interface": [{}, {}], "labels": {}, "mac": true})
    );
    assert_eq!(
        j["after_sensitive"],
        json!({"category": true, "interface": [{}, {}], "labels": {}, "password": true})
    );
    // Unknown attributes are absent from `after`; sensitive ones are present in the clear.
    assert_eq!(j["after"].get("id"), None);
    assert_eq!(j["after"]["password"], json!("hunter2"));
    assert_eq!(j.get("replace_paths"), None);
}

fn updated_node() -> ResourceChange {
    let mut after = node01().as_attrs().cloned().unwrap_or_default();
    after.insert("cores".into(), Value::int(128));
    after.insert(
        "labels".into(),
        strings(&[("rack", "r2"), ("role", "compute")]),
    );
    after.insert("password".into(), Value::from("correct horse"));
    after.insert(
        "interface".into(),
        Value::list(
            interface_type(),
            vec![interface("bmc", "10.0.0.1"), interface("ib0", "10.1.0.1")],
        ),
    );
    change(
        device_addr("node01", InstanceKey::None),
        Action::Update,
        None,
        Some(node01()),
        Some(Value::object(after)),
        &[],
    )
}

#[test]
fn update_in_place_shows_changes_and_hides_unchanged_attributes() {
    insta::assert_snapshot!(human(&plan(vec![updated_node()])));
}

#[test]
fn update_json_has_no_unknowns() {
    let j = resource_change_json(&plan(vec![updated_node()]));
    assert_eq!(j["actions"], json!(["update"]));
    assert_eq!(j["after_unknown"], json!({}));
    assert_eq!(j["before"]["cores"], json!(64));
    assert_eq!(j["after"]["cores"], json!(128));
    assert_eq!(
        j["before_sensitive"],
        json!({"interface": [{}], "labels": {}, "password": true})
    );
}

fn replaced_node(action: Action, reason: Option<ActionReason>, replace: &[&str]) -> ResourceChange {
    let mut after = node01().as_attrs().cloned().unwrap_or_default();
    after.insert("id".into(), Value::Unknown(Type::String));
    if !replace.is_empty() {
        after.insert("hostname".into(), Value::from("node01-new"));
    }
    change(
        device_addr("node01", InstanceKey::None),
        action,
        reason,
        Some(node01()),
        Some(Value::object(after)),
        replace,
    )
}

#[test]
fn replace_destroying_first_marks_the_attribute_that_forces_it() {
    let c = replaced_node(
        Action::DeleteThenCreate,
        Some(ActionReason::ReplaceBecauseCannotUpdate),
        &["hostname"],
    );
    insta::assert_snapshot!(human(&plan(vec![c])));
}

#[test]
fn replace_creating_first_uses_the_create_before_destroy_symbol() {
    let c = replaced_node(
        Action::CreateThenDelete,
        Some(ActionReason::ReplaceBecauseCannotUpdate),
        &["hostname"],
    );
    insta::assert_snapshot!(human(&plan(vec![c])));
}

#[test]
fn replace_json_lists_actions_paths_and_reason() {
    let p = plan(vec![replaced_node(
        Action::DeleteThenCreate,
        Some(ActionReason::ReplaceBecauseCannotUpdate),
        &["hostname"],
    )]);
    let doc = render_plan_json(&p, &schemas());
    let rc = &doc["resource_changes"][0];
    assert_eq!(rc["change"]["actions"], json!(["delete", "create"]));
    assert_eq!(rc["change"]["replace_paths"], json!([["hostname"]]));
    assert_eq!(
        rc["change"]["after_unknown"],
        json!({"id": true, "interface": [{}], "labels": {}})
    );
    assert_eq!(rc["action_reason"], json!("replace_because_cannot_update"));
    let p = plan(vec![replaced_node(
        Action::CreateThenDelete,
        None,
        &["hostname"],
    )]);
    let rc = &render_plan_json(&p, &schemas())["resource_changes"][0];
    assert_eq!(rc["change"]["actions"], json!(["create", "delete"]));
    assert_eq!(rc.get("action_reason"), None);
}

#[test]
fn tainted_replace_says_so() {
    let c = replaced_node(
        Action::DeleteThenCreate,
        Some(ActionReason::ReplaceBecauseTainted),
        &[],
    );
    insta::assert_snapshot!(human(&plan(vec![c])));
}

#[test]
fn replace_comments_name_the_reason() {
    let text = |reason| {
        human(&plan(vec![replaced_node(
            Action::DeleteThenCreate,
            Some(reason),
            &[],
        )]))
    };
    assert!(text(ActionReason::ReplaceByRequest)
        .contains("  # bcm_device.node01 will be replaced, as requested\n"));
    assert!(text(ActionReason::ReplaceByTriggers).contains(
        "  # bcm_device.node01 will be replaced due to changes in replace_triggered_by\n"
    ));
}

fn deleted_node(key: InstanceKey, reason: ActionReason) -> ResourceChange {
    change(
        device_addr("nodes", key),
        Action::Delete,
        Some(reason),
        Some(node01()),
        None,
        &[],
    )
}

#[test]
fn delete_of_a_resource_not_in_configuration_says_why() {
    let c = deleted_node(
        InstanceKey::None,
        ActionReason::DeleteBecauseNoResourceConfig,
    );
    insta::assert_snapshot!(human(&plan(vec![c])));
}

#[test]
fn delete_comments_name_the_missing_index_key_or_module() {
    let p = plan(vec![
        deleted_node(InstanceKey::Int(3), ActionReason::DeleteBecauseCountIndex),
        deleted_node(
            InstanceKey::Str("a<b".into()),
            ActionReason::DeleteBecauseEachKey,
        ),
        change(
            addr(
                &["gpu"],
                ResourceMode::Managed,
                "bcm_device",
                "n",
                InstanceKey::None,
            ),
            Action::Delete,
            Some(ActionReason::DeleteBecauseNoModule),
            Some(node01()),
            None,
            &[],
        ),
    ]);
    let text = human(&p);
    assert!(text.contains(
        "  # bcm_device.nodes[3] will be destroyed\n  # (because index [3] is out of range for count)\n"
    ));
    assert!(text.contains(
        "  # bcm_device.nodes[\"a<b\"] will be destroyed\n  # (because key [\"a\\u003cb\"] is not in for_each map)\n"
    ));
    assert!(text.contains(
        "  # module.gpu.bcm_device.n will be destroyed\n  # (because module.gpu is not in configuration)\n"
    ));
    assert!(text.contains("Plan: 0 to add, 0 to change, 3 to destroy.\n"));
}

#[test]
fn delete_json_has_null_after_and_no_unknowns() {
    let p = plan(vec![deleted_node(
        InstanceKey::Str("node01".into()),
        ActionReason::DeleteBecauseEachKey,
    )]);
    let doc = render_plan_json(&p, &schemas());
    let rc = &doc["resource_changes"][0];
    assert_eq!(rc["index"], json!("node01"));
    assert_eq!(rc["action_reason"], json!("delete_because_each_key"));
    assert_eq!(rc["change"]["actions"], json!(["delete"]));
    assert_eq!(rc["change"]["after"], json!(null));
    assert_eq!(rc["change"]["after_unknown"], json!({}));
    assert_eq!(rc["change"]["after_sensitive"], json!(false));
    assert_eq!(rc["change"]["before"]["hostname"], json!("node01"));
    // A deleted resource has no planned value.
    assert_eq!(doc["planned_values"], json!({"root_module": {}}));
}

fn partition_read(reason: ActionReason) -> ResourceChange {
    ResourceChange {
        addr: addr(
            &[],
            ResourceMode::Data,
            "bcm_partition",
            "base",
            InstanceKey::None,
        ),
        provider: BCM.into(),
        action: Action::Read,
        reason: Some(reason),
        before: None,
        after: Some(object(vec![
            ("id", Value::Unknown(Type::String)),
            ("name", Value::from("base")),
        ])),
        replace_paths: vec![],
    }
}

#[test]
fn read_during_apply_explains_why_it_waits() {
    let p = plan(vec![
        created_node(),
        partition_read(ActionReason::ReadBecauseConfigUnknown),
    ]);
    insta::assert_snapshot!(human(&p));
    let pending = human(&plan(vec![partition_read(
        ActionReason::ReadBecauseDependencyPending,
    )]));
    assert!(pending.contains(
        "  # data.bcm_partition.base will be read during apply\n  # (depends on a resource or a module with changes pending)\n"
    ));
}

#[test]
fn read_json_is_a_data_change() {
    let p = plan(vec![partition_read(ActionReason::ReadBecauseConfigUnknown)]);
    let rc = &render_plan_json(&p, &schemas())["resource_changes"][0];
    assert_eq!(rc["mode"], json!("data"));
    assert_eq!(rc["address"], json!("data.bcm_partition.base"));
    assert_eq!(rc["action_reason"], json!("read_because_config_unknown"));
    assert_eq!(rc["change"]["actions"], json!(["read"]));
    assert_eq!(rc["change"]["after_unknown"], json!({"id": true}));
    assert_eq!(rc["change"]["after_sensitive"], json!({}));
}

#[test]
fn no_changes_says_the_infrastructure_matches() {
    let noop = change(
        device_addr("node01", InstanceKey::None),
        Action::NoOp,
        None,
        Some(node01()),
        Some(node01()),
        &[],
    );
    let text = human(&plan(vec![noop]));
    assert_eq!(
        text,
        "\nNo changes. Your infrastructure matches the configuration.\n\nbcmhcl has compared your real infrastructure against your configuration and\nfound no differences, so no changes are needed.\n"
    );
    let destroy = Plan {
        destroy: true,
        ..Plan::default()
    };
    insta::assert_snapshot!(human(&destroy));
}

#[test]
fn no_change_json_is_not_applyable() {
    let doc = render_plan_json(&Plan::default(), &schemas());
    assert_eq!(doc["format_version"], json!("1.2"));
    assert_eq!(doc["applyable"], json!(false));
    assert_eq!(doc["complete"], json!(true));
    assert_eq!(doc["errored"], json!(false));
    assert_eq!(doc.get("resource_changes"), None);
    let doc = render_plan_json(&plan(vec![created_node()]), &schemas());
    assert_eq!(doc["applyable"], json!(true));
}

fn outputs() -> Vec<OutputChange> {
    vec![
        OutputChange {
            name: "node_ids".into(),
            action: Action::Create,
            before: None,
            after: Some(Value::Unknown(Type::list(Type::String))),
            sensitive: false,
        },
        OutputChange {
            name: "cluster".into(),
            action: Action::Update,
            before: Some(Value::from("a")),
            after: Some(Value::from("b")),
            sensitive: false,
        },
        OutputChange {
            name: "old".into(),
            action: Action::Delete,
            before: Some(Value::int(1)),
            after: None,
            sensitive: false,
        },
        OutputChange {
            name: "admin_password".into(),
            action: Action::Create,
            before: None,
            after: Some(Value::from("pw").mark_sensitive()),
            sensitive: true,
        },
        OutputChange {
            name: "racks".into(),
            action: Action::Create,
            before: None,
            after: Some(object(vec![
                ("r1", Value::tuple(vec![Value::from("node01")])),
                ("a b", Value::Bool(true)),
            ])),
            sensitive: false,
        },
        OutputChange {
            name: "same".into(),
            action: Action::NoOp,
            before: Some(Value::from("x")),
            after: Some(Value::from("x")),
            sensitive: false,
        },
    ]
}

#[test]
fn output_changes_follow_the_resource_changes() {
    let mut p = plan(vec![created_node()]);
    p.output_changes = outputs();
    insta::assert_snapshot!(human(&p));
}

#[test]
fn outputs_alone_explain_what_applying_does() {
    let p = Plan {
        output_changes: outputs(),
        ..Plan::default()
    };
    let text = human(&p);
    assert!(text.starts_with("\nChanges to Outputs:\n"));
    assert!(text.ends_with(
        "\n\nYou can apply this plan to save these new output values to the bcmhcl state,\nwithout changing any real infrastructure.\n"
    ));
}

#[test]
fn output_change_json_has_one_sensitivity_flag() {
    let p = Plan {
        output_changes: outputs(),
        ..Plan::default()
    };
    let doc = render_plan_json(&p, &schemas());
    let oc = &doc["output_changes"];
    assert_eq!(
        oc["admin_password"],
        json!({"actions": ["create"], "before": null, "after": "pw", "after_unknown": false,
               "before_sensitive": true, "after_sensitive": true})
    );
    assert_eq!(oc["node_ids"]["after_unknown"], json!(true));
    assert_eq!(oc["node_ids"].get("after"), None);
    assert_eq!(oc["old"]["actions"], json!(["delete"]));
    assert_eq!(oc["old"]["after"], json!(null));
    let names: Vec<&String> = oc
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        [
            "admin_password",
            "cluster",
            "node_ids",
            "old",
            "racks",
            "same"
        ]
    );
    // Planned output values: known ones with their type; removed ones are gone.
    let planned = &doc["planned_values"]["outputs"];
    assert_eq!(
        planned["cluster"],
        json!({"sensitive": false, "type": "string", "value": "b"})
    );
    assert_eq!(planned["node_ids"], json!({"sensitive": false}));
    assert_eq!(planned.get("old"), None);
}

#[test]
fn changes_are_listed_in_terraform_order() {
    let mut module_node = created_node();
    module_node.addr = addr(
        &["gpu"],
        ResourceMode::Managed,
        "bcm_device",
        "a",
        InstanceKey::None,
    );
    let mut second = created_node();
    second.addr = device_addr("nodes", InstanceKey::Int(10));
    let mut first = created_node();
    first.addr = device_addr("nodes", InstanceKey::Int(2));
    let p = plan(vec![
        module_node,
        second,
        partition_read(ActionReason::ReadBecauseConfigUnknown),
        first,
    ]);
    let doc = render_plan_json(&p, &schemas());
    let addresses: Vec<&str> = doc["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["address"].as_str())
        .collect();
    assert_eq!(
        addresses,
        [
            "data.bcm_partition.base",
            "bcm_device.nodes[2]",
            "bcm_device.nodes[10]",
            "module.gpu.bcm_device.a"
        ]
    );
    let text = human(&p);
    let order: Vec<usize> = addresses
        .iter()
        .filter_map(|a| text.find(&format!("  # {a} ")))
        .collect();
    assert_eq!(order.len(), 4);
    assert!(order.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn planned_values_nest_modules_and_leave_out_unknowns() {
    let mut module_node = created_node();
    module_node.addr = addr(
        &["rack", "gpu"],
        ResourceMode::Managed,
        "bcm_device",
        "a",
        InstanceKey::None,
    );
    let p = plan(vec![module_node, updated_node()]);
    let doc = render_plan_json(&p, &schemas());
    let root = &doc["planned_values"]["root_module"];
    assert_eq!(root["resources"][0]["address"], json!("bcm_device.node01"));
    assert_eq!(root["resources"][0]["schema_version"], json!(1));
    assert_eq!(
        root["resources"][0]["sensitive_values"],
        json!({"interface": [{}, {}], "labels": {}, "password": true})
    );
    let rack = &root["child_modules"][0];
    assert_eq!(rack["address"], json!("module.rack"));
    assert_eq!(rack.get("resources"), None);
    let gpu = &rack["child_modules"][0];
    assert_eq!(gpu["address"], json!("module.rack.module.gpu"));
    let values = &gpu["resources"][0]["values"];
    assert_eq!(values.get("id"), None);
    assert_eq!(values["hostname"], json!("node01"));
    assert_eq!(
        doc["resource_changes"][1]["module_address"],
        json!("module.rack.module.gpu")
    );
}

#[test]
fn data_resource_deletions_are_not_shown() {
    let mut gone = partition_read(ActionReason::ReadBecauseConfigUnknown);
    gone.action = Action::Delete;
    gone.reason = None;
    gone.before = gone.after.take();
    let p = plan(vec![gone]);
    assert!(human(&p).starts_with("\nNo changes."));
    assert_eq!(
        render_plan_json(&p, &schemas()).get("resource_changes"),
        None
    );
}

#[test]
fn resources_without_a_schema_render_from_their_values() {
    let c = ResourceChange {
        provider: "registry.terraform.io/example/unknown".into(),
        ..updated_node()
    };
    let text = render_plan_human(&plan(vec![c]), &NoSchemas, false);
    insta::assert_snapshot!(text);
}

#[test]
fn sensitivity_changes_are_warned_about() {
    let mut before = node01().as_attrs().cloned().unwrap_or_default();
    before.insert("category".into(), Value::from("default"));
    let mut after = before.clone();
    after.insert("category".into(), Value::from("default").mark_sensitive());
    let c = change(
        device_addr("node01", InstanceKey::None),
        Action::Update,
        None,
        Some(Value::object(before)),
        Some(Value::object(after)),
        &[],
    );
    insta::assert_snapshot!(human(&plan(vec![c])));
}

#[test]
fn colour_follows_terraform() {
    let text = render_plan_human(&plan(vec![updated_node()]), &schemas(), true);
    assert!(text.contains("  \x1b[33m~\x1b[0m update in-place"));
    assert!(text.contains("\x1b[1m  # bcm_device.node01\x1b[0m will be updated in-place"));
    assert!(text.contains("\x1b[33m->\x1b[0m"));
    assert!(text.contains("\x1b[1mPlan:\x1b[0m "));
    let plain = render_plan_human(&plan(vec![updated_node()]), &schemas(), false);
    assert!(!plain.contains('\x1b'));
}

#[test]
fn prose_names_the_configured_product() {
    let opts = HumanOptions {
        product: "Terraform".into(),
        width: 200,
        ..HumanOptions::default()
    };
    let text = render_plan_human_with(&plan(vec![created_node()]), &schemas(), &opts);
    assert!(text.starts_with(
        "\nTerraform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:\n"
    ));
    assert!(text.contains("\nTerraform will perform the following actions:\n"));
    let errored = HumanOptions {
        errored: true,
        ..HumanOptions::default()
    };
    let text = render_plan_human_with(&plan(vec![created_node()]), &schemas(), &errored);
    assert!(
        text.contains("\nbcmhcl planned the following actions, but then encountered a problem:\n")
    );
}

/// Outputs of a real `terraform plan` (Terraform 1.0.3, whose output JSON and simple output
/// lines are the same as today's): a module applied with one set of outputs, then planned with
/// another.
#[test]
fn output_changes_match_terraform_1_0_3() {
    let m = |k: i64, third: i64| {
        object(vec![
            ("k", Value::int(k)),
            ("s", Value::from("x")),
            (
                "z",
                Value::tuple([1, 2, third, 4, 5].map(Value::int).to_vec()),
            ),
        ])
    };
    let update = |name: &str, before: Value, after: Value| OutputChange {
        name: name.into(),
        action: Action::Update,
        before: Some(before),
        after: Some(after),
        sensitive: false,
    };
    let p = Plan {
        output_changes: vec![
            update("a", Value::from("hello"), Value::from("hello2")),
            OutputChange {
                name: "gone".into(),
                action: Action::Delete,
                before: Some(Value::int(5)),
                after: None,
                sensitive: false,
            },
            update("m", m(1, 3), m(2, 9)),
            update("multi", Value::from("a\nb\nc\n"), Value::from("a\nB\nc\n")),
            OutputChange {
                sensitive: true,
                ..update("secret", Value::from("pw"), Value::from("pw2"))
            },
            OutputChange {
                name: "t".into(),
                action: Action::Create,
                before: None,
                after: Some(Value::Unknown(Type::String)),
                sensitive: false,
            },
            OutputChange {
                action: Action::NoOp,
                ..update("e", Value::from(""), Value::from(""))
            },
        ],
        ..Plan::default()
    };
    let doc = render_plan_json(&p, &schemas());
    let expected = json!({
        "a": {"actions": ["update"], "before": "hello", "after": "hello2", "after_unknown": false, "before_sensitive": false, "after_sensitive": false},
        "e": {"actions": ["no-op"], "before": "", "after": "", "after_unknown": false, "before_sensitive": false, "after_sensitive": false},
        "gone": {"actions": ["delete"], "before": 5, "after": null, "after_unknown": false, "before_sensitive": false, "after_sensitive": false},
        "m": {"actions": ["update"], "before": {"k": 1, "s": "x", "z": [1, 2, 3, 4, 5]}, "after": {"k": 2, "s": "x", "z": [1, 2, 9, 4, 5]}, "after_unknown": false, "before_sensitive": false, "after_sensitive": false},
        "multi": {"actions": ["update"], "before": "a\nb\nc\n", "after": "a\nB\nc\n", "after_unknown": false, "before_sensitive": false, "after_sensitive": false},
        "secret": {"actions": ["update"], "before": "pw", "after": "pw2", "after_unknown": false, "before_sensitive": true, "after_sensitive": true},
        "t": {"actions": ["create"], "before": null, "after_unknown": true, "before_sensitive": false, "after_sensitive": false}
    });
    assert_eq!(doc["output_changes"], expected);
    let text = render_plan_human_with(
        &p,
        &schemas(),
        &HumanOptions {
            product: "Terraform".into(),
            ..HumanOptions::default()
        },
    );
    for line in [
        "\nChanges to Outputs:\n  ~ a      = \"hello\" -> \"hello2\"\n  - gone   = 5 -> null\n",
        "  ~ multi  = <<-EOT\n        a\n      - b\n      + B\n        c\n    EOT\n  ~ secret = (sensitive value)\n  + t      = (known after apply)\n",
        "\nYou can apply this plan to save these new output values to the Terraform\nstate, without changing any real infrastructure.\n",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    // Today's renderer (the equivalence goldens) differs from 1.0.3 inside collections: list
    // elements are paired by position and JSON objects count "attributes".
    insta::assert_snapshot!(text);
}

#[test]
fn large_sets_and_lists_diff_element_by_element() {
    let names = |n: usize, extra: &str| {
        let mut v: Vec<Value> = (0..n).map(|i| Value::from(format!("node{i:05}"))).collect();
        v.push(Value::from(extra));
        v
    };
    let before = device(vec![
        ("id", Value::from("dev-17")),
        ("labels", strings(&[])),
        (
            "notes",
            Value::from(
                names(10_000, "a")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ),
    ]);
    let after = device(vec![
        ("id", Value::from("dev-17")),
        ("labels", strings(&[])),
        (
            "notes",
            Value::from(
                names(10_000, "b")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ),
    ]);
    let c = change(
        device_addr("big", InstanceKey::None),
        Action::Update,
        None,
        Some(before),
        Some(after),
        &[],
    );
    let text = human(&plan(vec![c]));
    assert!(text.contains("\n          - a\n          + b\n        EOT\n"));

    // Outputs are diffed as JSON, where a set is a list: paired by position.
    let set = |extra: &str| Value::set(Type::String, names(10_000, extra));
    let p = Plan {
        output_changes: vec![OutputChange {
            name: "all".into(),
            action: Action::Update,
            before: Some(set("a")),
            after: Some(set("b")),
            sensitive: false,
        }],
        ..Plan::default()
    };
    assert!(human(&p).contains(
        "  ~ all = [\n      ~ \"a\" -> \"b\",\n        \"node00000\",\n        # (9999 unchanged elements hidden)\n    ]\n"
    ));
    // A set attribute is matched by equal elements.
    let resource = |extra: &str| object(vec![("id", Value::from("x")), ("members", set(extra))]);
    let c = ResourceChange {
        provider: "registry.terraform.io/example/unknown".into(),
        ..change(
            device_addr("big", InstanceKey::None),
            Action::Update,
            None,
            Some(resource("a")),
            Some(resource("b")),
            &[],
        )
    };
    let text = render_plan_human(&plan(vec![c]), &NoSchemas, false);
    assert!(text.contains(
        "      ~ members = [\n          - \"a\",\n          + \"b\",\n            # (10000 unchanged elements hidden)\n        ]\n"
    ));
}
