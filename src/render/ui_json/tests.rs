//! The JSON UI: line layout, each message type's fields and text, and apply progress read back
//! from the executor's lines.

use super::*;
use crate::diag::{FileId, Span};
use crate::value::{Type, Value};
use std::sync::Mutex;

struct FixedClock {
    now: Mutex<Duration>,
}

impl Clock for FixedClock {
    fn timestamp(&self) -> String {
        "2024-05-01T12:00:00.000000Z".into()
    }
    fn monotonic(&self) -> Duration {
        *self.now.lock().unwrap()
    }
}

fn addr(type_name: &str, name: &str, key: InstanceKey) -> ResourceInstanceAddr {
    ResourceAddr {
        module: ModuleInstance::root(),
        mode: ResourceMode::Managed,
        type_name: type_name.into(),
        name: name.into(),
    }
    .instance(key)
}

fn line(m: &Message) -> Json {
    serde_json::from_str(&m.to_line("2024-05-01T12:00:00.000000Z")).unwrap()
}

#[test]
fn lines_have_the_envelope_with_keys_in_lexical_order() {
    let clock = FixedClock {
        now: Mutex::new(Duration::ZERO),
    };
    let mut buf = Vec::new();
    {
        let mut ui = JsonUi::new(&mut buf, &clock);
        ui.emit(&version("0.1.0"));
        ui.emit(&log("a <b> & c"));
    }
    let text = String::from_utf8(buf).unwrap();
    insta::assert_snapshot!(text);
    for l in text.lines() {
        let j: Json = serde_json::from_str(l).unwrap();
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(j["@module"], "terraform.ui");
    }
}

fn change(a: ResourceInstanceAddr, action: Action, reason: Option<ActionReason>) -> ResourceChange {
    ResourceChange {
        addr: a,
        provider: "terraform.io/builtin/terraform".into(),
        action,
        reason,
        before: None,
        after: None,
        replace_paths: Vec::new(),
    }
}

#[test]
fn a_planned_change_describes_the_instance_as_terraform_does() {
    let mut a = addr("null_resource", "power", InstanceKey::Str("dgx-01".into()));
    a.resource.module = ModuleInstance::root().child("gpu", InstanceKey::Int(0));
    let m = planned_change(&change(
        a,
        Action::DeleteThenCreate,
        Some(ActionReason::ReplaceBecauseTainted),
    ));
    assert_eq!(
        line(&m),
        json!({
            "@level": "info",
            "@message": "module.gpu[0].null_resource.power[\"dgx-01\"]: Plan to replace",
            "@module": "terraform.ui",
            "@timestamp": "2024-05-01T12:00:00.000000Z",
            "type": "planned_change",
            "change": {
                "resource": {
                    "addr": "module.gpu[0].null_resource.power[\"dgx-01\"]",
                    "module": "module.gpu[0]",
                    "resource": "null_resource.power[\"dgx-01\"]",
                    "implied_provider": "null",
                    "resource_type": "null_resource",
                    "resource_name": "power",
                    "resource_key": "dgx-01",
                },
                "action": "replace",
                "reason": "tainted",
            },
        })
    );
    let created = planned_change(&change(
        addr("terraform_data", "x", InstanceKey::Int(2)),
        Action::Create,
        None,
    ));
    let j = line(&created);
    assert_eq!(j["change"]["resource"]["resource_key"], json!(2));
    assert_eq!(
        j["change"]["resource"]["implied_provider"],
        json!("terraform")
    );
    assert_eq!(j["change"]["resource"]["module"], json!(""));
    assert!(j["change"].get("reason").is_none());
    let removed = planned_change(&change(
        addr("terraform_data", "x", InstanceKey::None),
        Action::Delete,
        Some(ActionReason::DeleteBecauseNoResourceConfig),
    ));
    assert_eq!(
        line(&removed)["change"]["reason"],
        json!("delete_because_no_resource_config")
    );
    assert_eq!(
        line(&removed)["change"]["resource"]["resource_key"],
        Json::Null
    );
}

#[test]
fn change_summaries_use_terraforms_sentences() {
    let n = ChangeCounts {
        add: 2,
        change: 1,
        import: 0,
        remove: 3,
    };
    let plan = line(&change_summary(n, Operation::Plan));
    assert_eq!(
        plan["@message"],
        "Plan: 2 to add, 1 to change, 3 to destroy."
    );
    assert_eq!(
        plan["changes"],
        json!({"add": 2, "change": 1, "import": 0, "remove": 3, "operation": "plan"})
    );
    // Field order is Terraform's struct order, not lexical.
    let keys: Vec<String> = plan["changes"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["add", "change", "import", "remove", "operation"]);
    assert_eq!(
        change_summary(n, Operation::Apply).text,
        "Apply complete! Resources: 2 added, 1 changed, 3 destroyed."
    );
    assert_eq!(
        change_summary(n, Operation::Destroy).text,
        "Destroy complete! Resources: 3 destroyed."
    );
    let imported = ChangeCounts { import: 1, ..n };
    assert_eq!(
        change_summary(imported, Operation::Plan).text,
        "Plan: 1 to import, 2 to add, 1 to change, 3 to destroy."
    );
}

#[test]
fn plan_messages_skip_no_ops_and_data_deletions_and_list_output_actions() {
    let mut data = change(
        addr("external", "facts", InstanceKey::None),
        Action::Delete,
        None,
    );
    data.addr.resource.mode = ResourceMode::Data;
    let plan = Plan {
        resource_changes: vec![
            change(
                addr("terraform_data", "b", InstanceKey::None),
                Action::Create,
                None,
            ),
            change(
                addr("terraform_data", "a", InstanceKey::None),
                Action::NoOp,
                None,
            ),
            change(
                addr("null_resource", "n", InstanceKey::Int(0)),
                Action::CreateThenDelete,
                None,
            ),
            data,
        ],
        output_changes: vec![
            crate::plan::OutputChange {
                name: "z".into(),
                action: Action::NoOp,
                before: None,
                after: None,
                sensitive: true,
            },
            crate::plan::OutputChange {
                name: "a".into(),
                action: Action::Create,
                before: None,
                after: None,
                sensitive: false,
            },
        ],
        destroy: false,
        action_invocations: Vec::new(),
    };
    let ms = plan_messages(&plan);
    let texts: Vec<&str> = ms.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "null_resource.n[0]: Plan to replace",
            "terraform_data.b: Plan to create",
            "Plan: 2 to add, 0 to change, 1 to destroy.",
            "Outputs: 2",
        ]
    );
    assert_eq!(
        line(&ms[3])["outputs"],
        json!({"a": {"sensitive": false, "action": "create"}, "z": {"sensitive": true, "action": "noop"}})
    );
}

#[test]
fn applied_outputs_leave_sensitive_values_out() {
    let outputs: BTreeMap<String, OutputState> = [
        (
            "name".to_string(),
            OutputState {
                value: Value::string("dgx-01"),
                sensitive: false,
            },
        ),
        (
            "token".to_string(),
            OutputState {
                value: Value::string("hunter2"),
                sensitive: true,
            },
        ),
    ]
    .into_iter()
    .collect();
    let j = line(&super::outputs(&outputs));
    assert_eq!(j["@message"], "Outputs: 2");
    assert_eq!(
        j["outputs"],
        json!({
            "name": {"sensitive": false, "type": "string", "value": "dgx-01"},
            "token": {"sensitive": true, "type": "string"},
        })
    );
    assert!(!j.to_string().contains("hunter2"));
    let empty = line(&super::outputs(&BTreeMap::new()));
    assert_eq!(empty["outputs"], json!({}));
}

#[test]
fn diagnostics_carry_the_validate_json_object_and_their_level() {
    let mut sources = SourceMap::new();
    let file = sources.add(
        "main.tf",
        "main.tf".into(),
        "variable \"x\" {\n  type = string\n}\n".into(),
    );
    let error = Diagnostic::error("Invalid value for variable")
        .detail("Not good.")
        .at(Span::new(file, 0..12));
    let j = line(&diagnostic(&error, &sources));
    assert_eq!(j["@level"], "error");
    assert_eq!(j["@message"], "Error: Invalid value for variable");
    assert_eq!(j["type"], "diagnostic");
    assert_eq!(j["diagnostic"]["severity"], "error");
    assert_eq!(j["diagnostic"]["detail"], "Not good.");
    assert_eq!(j["diagnostic"]["range"]["filename"], "main.tf");
    assert_eq!(j["diagnostic"]["snippet"]["code"], "variable \"x\" {");
    let warning = Diagnostic::warning("Skipped because a dependency failed");
    let j = line(&diagnostic(&warning, &sources));
    assert_eq!(j["@level"], "warn");
    assert_eq!(
        j["@message"],
        "Warning: Skipped because a dependency failed"
    );
    assert!(j["diagnostic"].get("range").is_none());
    let _ = FileId(0);
}

#[test]
fn durations_print_as_go_prints_them() {
    assert_eq!(go_duration(0), "0s");
    assert_eq!(go_duration(45), "45s");
    assert_eq!(go_duration(120), "2m0s");
    assert_eq!(go_duration(3605), "1h0m5s");
    assert_eq!(
        elapsed_secs(Duration::from_millis(400), Duration::from_millis(1600)),
        2
    );
    assert_eq!(
        elapsed_secs(Duration::from_millis(1600), Duration::from_millis(400)),
        0
    );
}

/// The executor's lines for one apply, with the time each is printed at.
const APPLY: &[(u64, &str)] = &[
    (0, "terraform_data.a: Creating..."),
    (0, "terraform_data.a: Provisioning with 'local-exec'..."),
    (0, "terraform_data.a: Provisioning with 'local-exec'..."),
    (
        0,
        "terraform_data.a (local-exec): Executing: [\"/bin/sh\" \"-c\" \"echo hello\"]",
    ),
    (1, "terraform_data.a (local-exec): hello"),
    (1, ""),
    (2, "terraform_data.a: Creation complete after 2s [id=6c2a]"),
    (2, "null_resource.p[\"x: y\"]: Destroying... [id=77]"),
    (
        3,
        "null_resource.p[\"x: y\"]: Destruction complete after 1s",
    ),
    (3, "null_resource.p[\"x: y\"]: Creating..."),
    (
        13,
        "null_resource.p[\"x: y\"]: Still creating... [10s elapsed]",
    ),
    (
        14,
        "null_resource.p[\"x: y\"]: Creation complete after 11s [id=78]",
    ),
    (14, "terraform_data.b: Modifying... [id=9]"),
    (
        14,
        "terraform_data.b: Modifications complete after 0s [id=9]",
    ),
    (15, "terraform_data.c: Creating..."),
    (15, "terraform_data.c: Provisioning with 'local-exec'..."),
    (
        15,
        "terraform_data.c (local-exec): Executing: [\"/bin/sh\" \"-c\" \"false\"]",
    ),
    (15, "something the executor never printed before"),
];

#[test]
fn apply_lines_become_hook_messages() {
    let mut progress = ApplyProgress::new([
        addr("terraform_data", "a", InstanceKey::None),
        addr("terraform_data", "b", InstanceKey::None),
        addr("terraform_data", "c", InstanceKey::None),
        addr("null_resource", "p", InstanceKey::Str("x: y".into())),
    ]);
    let mut messages = Vec::new();
    for (t, text) in APPLY {
        messages.extend(progress.line(text, Duration::from_secs(*t)));
    }
    messages.extend(progress.finish(Duration::from_secs(16)));
    let rendered: Vec<String> = messages
        .iter()
        .map(|m| m.to_line("2024-05-01T12:00:00.000000Z"))
        .collect();
    insta::assert_snapshot!(rendered.join("\n"));

    let kinds: Vec<&str> = messages.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            "apply_start",
            "provision_start",
            "provision_progress",
            "provision_progress",
            "provision_complete",
            "apply_complete",
            "apply_start",
            "apply_complete",
            "apply_start",
            "apply_progress",
            "apply_complete",
            "apply_start",
            "apply_complete",
            "apply_start",
            "provision_start",
            "provision_progress",
            "log",
            "provision_errored",
            "apply_errored",
        ]
    );
    let complete = line(&messages[5]);
    assert_eq!(complete["hook"]["elapsed_seconds"], json!(2));
    assert_eq!(complete["hook"]["id_key"], "id");
    assert_eq!(complete["hook"]["id_value"], "6c2a");
    assert_eq!(complete["hook"]["action"], "create");
    let destroy = line(&messages[6]);
    assert_eq!(destroy["hook"]["action"], "delete");
    assert_eq!(destroy["hook"]["resource"]["resource_key"], "x: y");
    assert_eq!(destroy["hook"]["id_value"], "77");
    let destroyed = line(&messages[7]);
    assert!(destroyed["hook"].get("id_key").is_none());
    let errored = line(&messages[18]);
    assert_eq!(
        errored["@message"],
        "terraform_data.c: Creation errored after 1s"
    );
    assert_eq!(errored["hook"]["elapsed_seconds"], json!(1));
}

#[test]
fn a_provisioner_that_may_fail_is_reported_errored_and_the_apply_goes_on() {
    let a = addr("terraform_data", "a", InstanceKey::None);
    let mut progress = ApplyProgress::new([a]);
    let t = Duration::ZERO;
    let mut kinds = Vec::new();
    for text in [
        "terraform_data.a: Creating...",
        "terraform_data.a: Provisioning with 'local-exec'...",
        "terraform_data.a (local-exec): Executing: [\"/bin/sh\" \"-c\" \"exit 3\"]",
        "terraform_data.a: provisioner failed, continuing (on_failure = continue): local-exec provisioner error",
        "terraform_data.a: Provisioning with 'local-exec'...",
        "terraform_data.a (local-exec): (output suppressed due to sensitive value in config)",
        "terraform_data.a: Creation complete after 0s [id=1]",
    ] {
        kinds.extend(progress.line(text, t).into_iter().map(|m| m.kind));
    }
    kinds.extend(progress.finish(t).into_iter().map(|m| m.kind));
    assert_eq!(
        kinds,
        [
            "apply_start",
            "provision_start",
            "provision_progress",
            "provision_errored",
            "log",
            "provision_start",
            "provision_progress",
            "provision_complete",
            "apply_complete",
        ]
    );
}

#[test]
fn unknown_values_have_types_in_outputs() {
    // An output of a list type reports its type as state files write it.
    let outputs: BTreeMap<String, OutputState> = [(
        "ids".to_string(),
        OutputState {
            value: Value::list(Type::String, vec![Value::string("a")]),
            sensitive: false,
        },
    )]
    .into_iter()
    .collect();
    assert_eq!(
        line(&super::outputs(&outputs))["outputs"]["ids"]["type"],
        json!(["list", "string"])
    );
}
