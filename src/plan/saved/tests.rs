//! Saved plans: the file round-trips every part of a plan (types, unknowns, sensitive marks,
//! reasons, replace paths), unreadable files are refused with the reason, and a plan that no
//! longer fits the state or the configuration is refused.

use super::*;
use crate::config::load_module;
use crate::value::Attrs;

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object(
        pairs
            .iter()
            .map(|(k, v)| (Arc::from(*k), v.clone()))
            .collect::<Attrs>(),
    )
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

fn change(
    a: ResourceInstanceAddr,
    action: Action,
    before: Option<Value>,
    after: Option<Value>,
) -> ResourceChange {
    ResourceChange {
        addr: a,
        provider: "terraform.io/builtin/terraform".into(),
        action,
        reason: None,
        before,
        after,
        replace_paths: Vec::new(),
    }
}

/// A plan with one of everything the format must carry.
fn sample() -> SavedPlan {
    let before = obj(&[
        ("id", Value::string("abc")),
        ("input", Value::string("old")),
        (
            "triggers",
            Value::map(
                Type::String,
                [(Arc::from("k"), Value::string("v").mark_sensitive())]
                    .into_iter()
                    .collect(),
            ),
        ),
    ]);
    let after = obj(&[
        ("id", Value::Unknown(Type::String)),
        ("input", Value::string("new")),
        (
            "triggers",
            Value::map(
                Type::String,
                [(Arc::from("k"), Value::string("v").mark_sensitive())]
                    .into_iter()
                    .collect(),
            ),
        ),
        (
            "nodes",
            Value::list(
                Type::Number,
                vec![Value::int(1), Value::Unknown(Type::Number)],
            ),
        ),
        (
            "tags",
            Value::set(Type::String, vec![Value::string("b"), Value::string("a")]),
        ),
        (
            "pair",
            Value::tuple(vec![Value::Bool(true), Value::Null(Type::String)]),
        ),
        ("output", Value::unknown()),
    ]);
    let mut replaced = change(
        addr("terraform_data", "cfg", InstanceKey::Str("a\"b".into())),
        Action::DeleteThenCreate,
        Some(before),
        Some(after),
    );
    replaced.reason = Some(ActionReason::ReplaceBecauseCannotUpdate);
    replaced.replace_paths = vec![
        vec![PathStep::Attr("input".into())],
        vec![PathStep::Attr("triggers".into()), PathStep::Key("k".into())],
        vec![PathStep::Attr("nodes".into()), PathStep::Index(1)],
    ];
    let mut deleted = change(
        addr("null_resource", "old", InstanceKey::Int(3)),
        Action::Delete,
        Some(obj(&[("id", Value::string("9"))])),
        None,
    );
    deleted.provider = "registry.terraform.io/hashicorp/null".into();
    deleted.reason = Some(ActionReason::DeleteBecauseCountIndex);
    let read = ResourceChange {
        addr: ResourceAddr {
            module: ModuleInstance::root().child("gpu", InstanceKey::Str("x".into())),
            mode: ResourceMode::Data,
            type_name: "external".into(),
            name: "facts".into(),
        }
        .instance(InstanceKey::None),
        provider: "registry.terraform.io/hashicorp/external".into(),
        action: Action::Read,
        reason: Some(ActionReason::ReadBecauseConfigUnknown),
        before: None,
        after: Some(Value::Unknown(Type::object(
            [(Arc::from("result"), Type::map(Type::String))]
                .into_iter()
                .collect(),
        ))),
        replace_paths: Vec::new(),
    };
    SavedPlan {
        plan: Plan {
            resource_changes: vec![read, deleted, replaced],
            output_changes: vec![
                OutputChange {
                    name: "ids".into(),
                    action: Action::Update,
                    before: Some(Value::string("x")),
                    after: Some(Value::unknown()),
                    sensitive: false,
                },
                OutputChange {
                    name: "token".into(),
                    action: Action::Create,
                    before: None,
                    after: Some(Value::string("s3cret").mark_sensitive()),
                    sensitive: true,
                },
            ],
            destroy: false,
            action_invocations: Vec::new(),
        },
        variables: [
            ("count".to_string(), Value::int(2)),
            (
                "password".to_string(),
                Value::string("hunter2").mark_sensitive(),
            ),
            (
                "big".to_string(),
                Value::Number(Number::parse("123456789012345678901234567890.5").unwrap()),
            ),
        ]
        .into_iter()
        .collect(),
        prior: PriorState {
            lineage: "3f0c1c57-4f0e-4b1a-9a0e-0d5b8a2f1e11".into(),
            serial: 7,
        },
        configuration_hash: "sha256:00".into(),
        options: PlanOptions {
            destroy: false,
            replace: vec!["terraform_data.cfg[\"a\\\"b\"]".into()],
            ..PlanOptions::default()
        },
        bcmhcl_version: "0.1.0".into(),
        timestamp: Some("2024-05-01T12:00:00Z".into()),
    }
}

#[test]
fn the_file_layout_is_the_documented_one() {
    insta::assert_snapshot!(sample().to_json());
}

#[test]
fn a_saved_plan_reads_back_to_the_same_plan() {
    let saved = sample();
    let text = saved.to_json();
    let back = SavedPlan::from_json(&text).unwrap();
    assert_eq!(back.to_json(), text);
    assert_eq!(back.prior, saved.prior);
    assert_eq!(back.options.replace, saved.options.replace);
    assert_eq!(back.timestamp.as_deref(), Some("2024-05-01T12:00:00Z"));

    let replaced = &back.plan.resource_changes[2];
    assert_eq!(replaced.addr.to_string(), "terraform_data.cfg[\"a\\\"b\"]");
    assert_eq!(replaced.action, Action::DeleteThenCreate);
    assert_eq!(
        replaced.reason,
        Some(ActionReason::ReplaceBecauseCannotUpdate)
    );
    assert_eq!(
        replaced.replace_paths,
        saved.plan.resource_changes[2].replace_paths
    );
    let after = replaced.after.as_ref().unwrap().as_attrs().unwrap();
    // Unknowns keep their type, known parts their value and marks.
    assert!(matches!(&after["id"], Value::Unknown(Type::String)));
    assert!(matches!(&after["output"], Value::Unknown(Type::Dynamic)));
    let nodes = after["nodes"].as_seq().unwrap();
    assert_eq!(nodes[0].as_number().and_then(Number::to_i64), Some(1));
    assert!(matches!(&nodes[1], Value::Unknown(Type::Number)));
    let triggers = after["triggers"].as_attrs().unwrap();
    assert!(triggers["k"].is_sensitive());
    assert_eq!(triggers["k"].as_str(), Some("v"));
    assert!(matches!(&after["tags"], Value::Set(Type::String, _)));
    assert_eq!(after["tags"].as_seq().unwrap()[0].as_str(), Some("a"));
    assert!(matches!(
        &after["pair"].as_seq().unwrap()[1],
        Value::Null(Type::String)
    ));

    let read = &back.plan.resource_changes[0];
    assert_eq!(
        read.addr.to_string(),
        "module.gpu[\"x\"].data.external.facts"
    );
    assert!(matches!(&read.after, Some(Value::Unknown(Type::Object(_)))));
    let deleted = &back.plan.resource_changes[1];
    assert_eq!(deleted.addr.key, InstanceKey::Int(3));
    assert!(deleted.after.is_none());

    assert!(back.plan.output_changes[1]
        .after
        .as_ref()
        .unwrap()
        .is_sensitive());
    assert!(back.variables["password"].is_sensitive());
    assert_eq!(
        back.variables["big"].to_string(),
        "123456789012345678901234567890.5"
    );
}

#[test]
fn inputs_give_back_the_variable_values_without_marks() {
    let inputs = sample().inputs();
    let password = inputs.iter().find(|i| i.name == "password").unwrap();
    match &password.value {
        InputValue::Assigned(Assigned::Value(v, _)) => {
            assert!(!v.contains_sensitive());
            assert_eq!(v.as_str(), Some("hunter2"));
        }
        other => panic!("unexpected input {other:?}"),
    }
}

#[test]
fn files_that_are_not_saved_plans_are_refused_with_the_reason() {
    assert!(matches!(
        SavedPlan::from_json("PK\u{3}\u{4}zip"),
        Err(PlanFileProblem::NotAPlan(_))
    ));
    assert!(matches!(
        SavedPlan::from_json(r#"{"version": 4, "serial": 1}"#),
        Err(PlanFileProblem::NotAPlan(_))
    ));
    assert_eq!(
        SavedPlan::from_json(r#"{"format": "bcmhcl-plan", "format_version": 9}"#).unwrap_err(),
        PlanFileProblem::Version(9)
    );
    let damaged = sample()
        .to_json()
        .replace("\"delete\",\n", "\"explode\",\n");
    match SavedPlan::from_json(&damaged) {
        Err(PlanFileProblem::Invalid(reason)) => {
            assert!(reason.contains("not a plan action"), "{reason}")
        }
        other => panic!("expected a damaged file, got {other:?}"),
    }
    let wrong_type = sample()
        .to_json()
        .replace("\"value\": \"hunter2\"", "\"value\": 5");
    assert!(matches!(
        SavedPlan::from_json(&wrong_type),
        Err(PlanFileProblem::Invalid(r)) if r.contains("password")
    ));
}

fn state(lineage: &str, serial: u64) -> State {
    let mut s = State::new();
    s.lineage = lineage.into();
    s.serial = serial;
    s
}

#[test]
fn a_plan_applies_only_to_the_state_and_configuration_it_was_made_from() {
    let saved = sample();
    let lineage = saved.prior.lineage.clone();
    assert!(saved
        .check_applicable(&state(&lineage, 7), "sha256:00")
        .is_ok());

    let stale = saved
        .check_applicable(&state(&lineage, 8), "sha256:00")
        .unwrap_err();
    assert_eq!(stale.summary, "Saved plan is stale");
    assert!(stale.detail.contains("changed by another operation"));

    let other = saved
        .check_applicable(&state("another-lineage", 7), "sha256:00")
        .unwrap_err();
    assert_eq!(other.summary, "Saved plan does not match the given state");

    let config = saved
        .check_applicable(&state(&lineage, 7), "sha256:01")
        .unwrap_err();
    assert_eq!(
        config.summary,
        "Saved plan does not match the configuration"
    );
}

#[test]
fn a_first_plan_is_stale_once_a_state_was_written() {
    let mut saved = sample();
    saved.prior = PriorState::of(&State::new());
    assert_eq!(
        saved.prior,
        PriorState {
            lineage: String::new(),
            serial: 0
        }
    );
    assert!(saved.check_applicable(&State::new(), "sha256:00").is_ok());
    let written = saved
        .check_applicable(&state("fresh", 1), "sha256:00")
        .unwrap_err();
    assert_eq!(written.summary, "Saved plan is stale");
}

#[test]
fn different_actions_on_replanning_are_listed_and_refused() {
    let saved = sample();
    assert!(saved.check_same_actions(&saved.plan).is_ok());

    let mut fresh = saved.plan.clone();
    fresh.resource_changes[2].action = Action::Update;
    fresh.resource_changes.remove(1);
    fresh.resource_changes.push(change(
        addr("terraform_data", "new", InstanceKey::None),
        Action::Create,
        None,
        Some(obj(&[])),
    ));
    // A no-op is the same as no change at all.
    fresh.resource_changes.push(change(
        addr("terraform_data", "same", InstanceKey::None),
        Action::NoOp,
        None,
        None,
    ));
    let d = saved.check_same_actions(&fresh).unwrap_err();
    assert_eq!(d.summary, "Saved plan no longer matches");
    insta::assert_snapshot!(d.detail);
}

#[test]
fn plan_files_are_written_atomically_for_the_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tfplan");
    std::fs::write(&path, "old contents").unwrap();
    sample().write(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), sample().to_json());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("tfplan")]);
    let read = SavedPlan::read(&path).unwrap();
    assert_eq!(read.to_json(), sample().to_json());

    let missing = SavedPlan::read(&dir.path().join("nope")).unwrap_err();
    assert_eq!(missing.to_diagnostic().summary, "Failed to read plan file");
    let unwritable = sample().write(&dir.path().join("no/such/dir/tfplan"));
    assert_eq!(
        unwritable.unwrap_err().to_diagnostic().summary,
        "Failed to write plan file"
    );
}

fn hash_of(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let mut sources = SourceMap::new();
    let (module, diags) = load_module(dir.path(), &mut sources);
    assert!(!diags.has_errors());
    configuration_hash(&module, &sources)
}

#[test]
fn the_configuration_hash_follows_file_names_and_contents_only() {
    let a = hash_of(&[("main.tf", "locals {\n  a = 1\n}\n"), ("b.tf", "")]);
    assert!(a.starts_with("sha256:") && a.len() == 7 + 64, "{a}");
    // Another directory with the same files hashes alike.
    assert_eq!(
        a,
        hash_of(&[("b.tf", ""), ("main.tf", "locals {\n  a = 1\n}\n")])
    );
    assert_ne!(
        a,
        hash_of(&[("main.tf", "locals {\n  a = 2\n}\n"), ("b.tf", "")])
    );
    assert_ne!(
        a,
        hash_of(&[("other.tf", "locals {\n  a = 1\n}\n"), ("b.tf", "")])
    );
    assert_ne!(a, hash_of(&[("main.tf", "locals {\n  a = 1\n}\n")]));
    // Variable files are not configuration: their values are saved in the plan.
    assert_eq!(
        a,
        hash_of(&[
            ("main.tf", "locals {\n  a = 1\n}\n"),
            ("b.tf", ""),
            ("terraform.tfvars", "x = 1\n")
        ])
    );
}

mod encrypted {
    use super::*;
    use crate::state::{CryptError, Encryption, KdfParams, Passphrase};

    fn key(passphrase: &str) -> Encryption {
        Encryption::with_kdf_params(
            Passphrase::new(passphrase).unwrap(),
            KdfParams {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
        )
    }

    #[test]
    fn a_plan_written_with_a_key_is_sealed_and_reads_back_only_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tfplan");
        let plan = sample();
        plan.write_with(&path, Some(&key("pw"))).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(crate::state::encryption::is_sealed(&bytes));
        let text = String::from_utf8(bytes).unwrap();
        for plaintext in [
            "bcmhcl-plan",
            "terraform_data",
            "hunter2",
            "password",
            "\"new\"",
        ] {
            assert!(!text.contains(plaintext), "{plaintext} in {text}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let read = SavedPlan::read_with(&path, Some(&key("pw"))).unwrap();
        assert_eq!(read.to_json(), plan.to_json());

        let no_key = SavedPlan::read(&path).unwrap_err();
        assert!(matches!(no_key, SavedPlanError::NoKey { .. }));
        assert!(no_key
            .to_diagnostic()
            .detail
            .contains("BCMHCL_STATE_PASSPHRASE"));
        let wrong = SavedPlan::read_with(&path, Some(&key("other"))).unwrap_err();
        assert!(matches!(
            wrong,
            SavedPlanError::Crypt {
                source: CryptError::WrongKey,
                ..
            }
        ));
        assert!(wrong
            .to_diagnostic()
            .detail
            .contains("the key does not open it"));
    }

    #[test]
    fn plaintext_plans_still_read_with_a_key_and_sealed_states_are_not_plans() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tfplan");
        sample().write(&path).unwrap();
        let read = SavedPlan::read_with(&path, Some(&key("pw"))).unwrap();
        assert_eq!(read.to_json(), sample().to_json());

        let state = key("pw").seal(crate::state::Content::State, b"{}").unwrap();
        std::fs::write(&path, state).unwrap();
        let err = SavedPlan::read_with(&path, Some(&key("pw"))).unwrap_err();
        assert!(
            matches!(
                &err,
                SavedPlanError::Crypt {
                    source: CryptError::WrongContent { .. },
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
