//! End-to-end tests of plan, apply and output with the built-in providers: the acceptance of
//! the plan engine (outputs as Terraform writes them, local-exec runs exactly once, chained
//! instances run in order, cycles are reported).

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn bcmhcl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn outputs_match_what_terraform_writes() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/outputs-only");
    let dir = module(&[(
        "main.tf",
        &std::fs::read_to_string(fixture.join("main.tf")).unwrap(),
    )]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let ours: serde_json::Value =
        serde_json::from_str(&ok(&bcmhcl(dir.path(), &["output", "-json"]))).unwrap();
    let terraform: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture.join("terraform-1.0.3-output.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ours, terraform);
    // One output by name, as `terraform output NAME` prints it.
    assert_eq!(
        ok(&bcmhcl(dir.path(), &["output", "first"])),
        "\"dgx-01\"\n"
    );
    assert_eq!(
        ok(&bcmhcl(dir.path(), &["output", "-raw", "first"])),
        "dgx-01"
    );
}

const POWER: &str = r#"
variable "actions" {
  type    = map(string)
  default = { a = "on", b = "on" }
}

resource "null_resource" "power" {
  for_each = var.actions
  triggers = {
    action = each.value
  }
  provisioner "local-exec" {
    command = "echo ${each.key}-${each.value} >> ran.txt"
  }
}

resource "terraform_data" "after" {
  input = null_resource.power["a"].id
  provisioner "local-exec" {
    command = "echo after >> ran.txt"
  }
}
"#;

#[test]
fn provisioners_run_once_and_again_only_on_replacement() {
    let dir = module(&[("main.tf", POWER)]);
    let ran = dir.path().join("ran.txt");
    let first = ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    assert!(
        first.contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed."),
        "{first}"
    );
    let mut got = lines(&ran);
    got.sort();
    assert_eq!(got, ["a-on", "after", "b-on"]);

    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color"]));
    assert!(plan.contains("No changes."), "{plan}");
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    assert_eq!(lines(&ran).len(), 3, "a second apply must run nothing");

    let changed = ["-var", "actions={a = \"on\", b = \"cycle\"}"];
    let plan = ok(&bcmhcl(
        dir.path(),
        &[&["plan", "-no-color"][..], &changed[..]].concat(),
    ));
    assert!(
        plan.contains("null_resource.power[\"b\"] must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "{plan}"
    );
    ok(&bcmhcl(
        dir.path(),
        &[&["apply", "-auto-approve", "-no-color"][..], &changed[..]].concat(),
    ));
    assert_eq!(lines(&ran).last().map(String::as_str), Some("b-cycle"));
    assert_eq!(lines(&ran).len(), 4);
}

#[test]
fn chained_instances_run_one_after_the_other() {
    // n3 first, then n2 (which waits for n3), then n1: against the lexical order of the keys.
    let dir = module(&[(
        "main.tf",
        r#"
locals {
  previous = { n3 = null, n2 = "n3", n1 = "n2" }
}

resource "terraform_data" "node" {
  for_each = local.previous
  input    = each.value == null ? "first" : terraform_data.node[each.value].output
  provisioner "local-exec" {
    command = "echo ${each.key} >> order.txt"
  }
}

output "last" {
  value = terraform_data.node["n1"].output
}
"#,
    )]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    assert_eq!(lines(&dir.path().join("order.txt")), ["n3", "n2", "n1"]);
    assert_eq!(
        ok(&bcmhcl(dir.path(), &["output", "-raw", "last"])),
        "first"
    );
}

#[test]
fn an_instance_cycle_is_reported_with_its_path() {
    let dir = module(&[(
        "main.tf",
        r#"
resource "terraform_data" "node" {
  for_each = { a = "b", b = "a" }
  input    = terraform_data.node[each.value].id
}
"#,
    )]);
    let out = bcmhcl(dir.path(), &["plan", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Cycle: terraform_data.node[\"a\"], terraform_data.node[\"b\"]"),
        "{err}"
    );
}

#[test]
fn the_human_plan_of_a_new_module() {
    let dir = module(&[(
        "main.tf",
        r#"
variable "secret" {
  default   = "s3cret"
  sensitive = true
}

resource "terraform_data" "a" {
  input = { name = "x", tags = ["p", "q"] }
}

resource "null_resource" "b" {
  triggers = {
    token = var.secret
    plain = "v"
  }
}

output "a_id" {
  value = terraform_data.a.id
}
"#,
    )]);
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color"]));
    assert!(!plan.contains("s3cret"), "{plan}");
    insta::assert_snapshot!(plan);
}

#[test]
fn apply_without_approval_refuses_when_not_interactive() {
    let dir = module(&[("main.tf", "resource \"terraform_data\" \"a\" {}\n")]);
    let out = bcmhcl(dir.path(), &["apply", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-auto-approve"));
    assert!(!dir.path().join("terraform.tfstate").exists());
}

#[test]
fn destroy_removes_everything_and_runs_destroy_provisioners() {
    let dir = module(&[(
        "main.tf",
        r#"
resource "terraform_data" "a" {
  input = "x"
  provisioner "local-exec" {
    when    = destroy
    command = "echo gone-${self.input} >> destroyed.txt"
  }
}
"#,
    )]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let out = ok(&bcmhcl(
        dir.path(),
        &["apply", "-destroy", "-auto-approve", "-no-color"],
    ));
    assert!(out.contains("0 added, 0 changed, 1 destroyed"), "{out}");
    assert_eq!(lines(&dir.path().join("destroyed.txt")), ["gone-x"]);
    let state = std::fs::read_to_string(dir.path().join("terraform.tfstate")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["resources"], serde_json::json!([]));
}

#[test]
fn removing_an_instance_does_not_evaluate_its_create_time_provisioners() {
    // each.value of a key that has left for_each is null: only `when = destroy` provisioners
    // are evaluated when the instance is destroyed, as in Terraform.
    let dir = module(&[(
        "main.tf",
        r#"
variable "hosts" {
  type    = map(object({ ip = string }))
  default = { a = { ip = "10.0.0.1" }, b = { ip = "10.0.0.2" } }
}
resource "terraform_data" "power" {
  for_each = var.hosts
  input    = each.key
  provisioner "local-exec" {
    command     = "echo on-$HOST >> created.txt"
    environment = { HOST = each.value.ip }
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo off-${self.input} >> destroyed.txt"
  }
}
"#,
    )]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let out = ok(&bcmhcl(
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-no-color",
            "-var",
            r#"hosts={ a = { ip = "10.0.0.1" } }"#,
        ],
    ));
    assert!(out.contains("0 added, 0 changed, 1 destroyed"), "{out}");
    let mut created = lines(&dir.path().join("created.txt"));
    created.sort();
    assert_eq!(created, ["on-10.0.0.1", "on-10.0.0.2"]);
    assert_eq!(lines(&dir.path().join("destroyed.txt")), ["off-b"]);
}

#[test]
fn module_calls_with_for_each_plan_apply_and_address_their_instances() {
    let dir = module(&[
        (
            "main.tf",
            r#"
module "rack" {
  source   = "./modules/rack"
  for_each = { a = 2, b = 1 }
  name     = each.key
  size     = each.value
}

module "single" {
  source = "./modules/rack"
  name   = "s"
  size   = 1
}

output "hosts" {
  value = { for k, m in module.rack : k => m.hosts }
}

output "single_module_path" {
  value = module.single.where
}
"#,
        ),
        (
            "modules/rack/main.tf",
            r#"
variable "name" {
  type = string
}

variable "size" {
  type = number
  validation {
    condition     = var.size > 0
    error_message = "A rack has at least one node."
  }
}

resource "terraform_data" "node" {
  count = var.size
  input = "${var.name}-${count.index}"
}

output "hosts" {
  value = terraform_data.node[*].output
}

output "where" {
  value = path.module
}
"#,
        ),
    ]);
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color"]));
    assert!(
        plan.contains("# module.rack[\"a\"].terraform_data.node[1] will be created"),
        "{plan}"
    );
    assert!(
        plan.contains("# module.single.terraform_data.node[0] will be created"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 4 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let hosts: serde_json::Value =
        serde_json::from_str(&ok(&bcmhcl(dir.path(), &["output", "-json", "hosts"]))).unwrap();
    assert_eq!(
        hosts,
        serde_json::json!({"a": ["a-0", "a-1"], "b": ["b-0"]})
    );
    assert_eq!(
        ok(&bcmhcl(
            dir.path(),
            &["output", "-raw", "single_module_path"]
        )),
        "modules/rack"
    );
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color"]));
    assert!(plan.contains("No changes."), "{plan}");
}

#[test]
fn remote_module_sources_and_bad_inputs_are_errors() {
    let dir = module(&[(
        "main.tf",
        "module \"consul\" {\n  source = \"hashicorp/consul/aws\"\n}\n",
    )]);
    let out = bcmhcl(dir.path(), &["plan", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bcmhcl runs local modules only"));

    let dir = module(&[
        ("main.tf", "module \"m\" {\n  source = \"./m\"\n  nope   = 1\n  size   = 0\n}\n"),
        ("m/main.tf", "variable \"size\" {\n  validation {\n    condition     = var.size > 0\n    error_message = \"Too small.\"\n  }\n}\n"),
    ]);
    let out = bcmhcl(dir.path(), &["plan", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("An argument named \"nope\" is not expected here."),
        "{err}"
    );
    assert!(err.contains("Too small."), "{err}");
}

#[test]
fn lifecycle_create_before_destroy_and_replace_triggered_by() {
    let main = |image: &str| {
        format!(
            r#"
variable "image" {{
  default = "{image}"
}}

resource "terraform_data" "image" {{
  triggers_replace = var.image
}}

resource "terraform_data" "node" {{
  input = "node"
  lifecycle {{
    create_before_destroy = true
    replace_triggered_by  = [terraform_data.image]
  }}
}}

resource "terraform_data" "other" {{
  input = "unrelated"
}}
"#
        )
    };
    let dir = module(&[("main.tf", &main("v1"))]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    std::fs::write(dir.path().join("main.tf"), main("v2")).unwrap();
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color"]));
    assert!(
        plan.contains(
            "terraform_data.node will be replaced due to changes in replace_triggered_by"
        ),
        "{plan}"
    );
    assert!(
        plan.contains("+/- resource \"terraform_data\" \"node\""),
        "{plan}"
    );
    assert!(!plan.contains("terraform_data.other"), "{plan}");
    let out = ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let create = out.find("terraform_data.node: Creating...").unwrap();
    let destroy = out
        .find("terraform_data.node (deposed object): Destroying...")
        .unwrap();
    assert!(create < destroy, "create before destroy:\n{out}");
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("terraform.tfstate")).unwrap(),
    )
    .unwrap();
    let nodes: Vec<_> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == "node")
        .collect();
    assert_eq!(
        nodes[0]["instances"].as_array().unwrap().len(),
        1,
        "no deposed object left"
    );
}

#[test]
fn failing_pre_and_postconditions_stop_with_their_messages() {
    let dir = module(&[(
        "main.tf",
        r#"
variable "nodes" {
  default = { a = "ok", b = "bad" }
}

resource "terraform_data" "n" {
  for_each = var.nodes
  input    = each.value
  lifecycle {
    precondition {
      condition     = each.value != "bad"
      error_message = "Node ${each.key} is marked bad."
    }
  }
}

resource "terraform_data" "p" {
  input = "x"
  lifecycle {
    postcondition {
      condition     = self.output == "y"
      error_message = "Output of p is ${self.output}, not y."
    }
  }
}
"#,
    )]);
    let out = bcmhcl(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Resource precondition failed"), "{err}");
    assert!(err.contains("Node b is marked bad."), "{err}");
    assert!(!err.contains("Node a is marked bad."), "{err}");
}

#[test]
fn a_postcondition_is_checked_once_the_object_is_known() {
    let dir = module(&[(
        "main.tf",
        r#"
resource "terraform_data" "p" {
  input = "x"
  lifecycle {
    postcondition {
      condition     = self.output == "y"
      error_message = "Output of p is ${self.output}, not y."
    }
  }
}

resource "terraform_data" "after" {
  input = terraform_data.p.output
}
"#,
    )]);
    // At plan time `self.output` is unknown, so the condition waits for apply.
    ok(&bcmhcl(dir.path(), &["plan", "-no-color"]));
    let out = bcmhcl(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Resource postcondition failed"), "{err}");
    assert!(err.contains("Output of p is x, not y."), "{err}");
    // The dependent was skipped, reported once, and never created.
    assert!(err.contains("terraform_data.after"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("terraform_data.after: Creating"));
}

#[test]
fn target_and_exclude_select_part_of_the_configuration() {
    let dir = module(&[(
        "main.tf",
        r#"
resource "terraform_data" "base" {
  input = "b"
}

resource "terraform_data" "app" {
  input = terraform_data.base.output
}

resource "terraform_data" "other" {
  input = "o"
}
"#,
    )]);
    let out = bcmhcl(
        dir.path(),
        &["plan", "-no-color", "-target=terraform_data.app"],
    );
    let plan = ok(&out);
    assert!(
        plan.contains("terraform_data.app will be created"),
        "{plan}"
    );
    assert!(
        plan.contains("terraform_data.base will be created"),
        "{plan}"
    );
    assert!(!plan.contains("terraform_data.other"), "{plan}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Resource targeting is in effect"));
    let plan = ok(&bcmhcl(
        dir.path(),
        &["plan", "-no-color", "-exclude", "terraform_data.base"],
    ));
    assert!(
        plan.contains("terraform_data.other will be created"),
        "{plan}"
    );
    assert!(!plan.contains("terraform_data.app"), "{plan}");
    assert!(!plan.contains("terraform_data.base"), "{plan}");
    ok(&bcmhcl(
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-no-color",
            "-target=terraform_data.other",
        ],
    ));
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color"]));
    assert!(
        plan.contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
}

#[test]
fn refresh_updates_outputs_and_changes_no_resource() {
    let dir = module(&[(
        "main.tf",
        "variable \"v\" {\n  default = \"one\"\n}\nresource \"terraform_data\" \"a\" {\n  input = var.v\n}\noutput \"v\" {\n  value = var.v\n}\n",
    )]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let out = ok(&bcmhcl(
        dir.path(),
        &["refresh", "-no-color", "-var", "v=two"],
    ));
    assert!(out.contains("0 added, 0 changed, 0 destroyed"), "{out}");
    assert_eq!(ok(&bcmhcl(dir.path(), &["output", "-raw", "v"])), "two");
    // The resource still has its old input: only a real apply changes it.
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color", "-var", "v=two"]));
    assert!(
        plan.contains("terraform_data.a will be updated in-place"),
        "{plan}"
    );
}

#[test]
fn destroy_plans_with_outputs_and_clears_them() {
    let dir = module(&[(
        "main.tf",
        "variable \"s\" {\n  default   = \"hidden\"\n  sensitive = true\n}\nresource \"terraform_data\" \"a\" {\n  input = \"x\"\n  provisioner \"local-exec\" {\n    command = \"echo plain-output\"\n  }\n}\noutput \"o\" {\n  value = terraform_data.a.output\n}\n",
    )]);
    let out = ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    // A sensitive variable elsewhere does not hide the output of a command that does not use it,
    // and the provisioning line is printed once.
    assert!(
        out.contains("terraform_data.a (local-exec): plain-output"),
        "{out}"
    );
    assert_eq!(
        out.matches("Provisioning with 'local-exec'").count(),
        1,
        "{out}"
    );
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-destroy", "-no-color"]));
    assert!(
        plan.contains("terraform_data.a will be destroyed"),
        "{plan}"
    );
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-destroy", "-auto-approve", "-no-color"],
    ));
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("terraform.tfstate")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["outputs"], serde_json::json!({}));
}

#[test]
fn long_operations_report_that_they_are_still_running() {
    let dir = module(&[(
        "main.tf",
        "resource \"terraform_data\" \"slow\" {\n  provisioner \"local-exec\" {\n    command = \"sleep 1.3\"\n  }\n}\n",
    )]);
    let out = Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .args(["apply", "-auto-approve", "-no-color"])
        .current_dir(dir.path())
        .env("BCMHCL_PROGRESS_SECONDS", "0.5")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = ok(&out);
    assert!(
        stdout.contains("terraform_data.slow: Still creating... [0s elapsed]")
            || stdout.contains("terraform_data.slow: Still creating... [1s elapsed]"),
        "{stdout}"
    );
}

#[test]
fn moved_blocks_keep_objects_and_removed_blocks_forget_them() {
    let dir = module(&[(
        "main.tf",
        "resource \"terraform_data\" \"old\" {\n  for_each = toset([\"a\", \"b\"])\n  input    = each.key\n}\nresource \"terraform_data\" \"gone\" {\n  input = \"g\"\n  provisioner \"local-exec\" {\n    when    = destroy\n    command = \"echo destroyed >> destroyed.txt\"\n  }\n}\n",
    )]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"terraform_data\" \"new\" {\n  for_each = toset([\"a\", \"b\"])\n  input    = each.key\n}\nmoved {\n  from = terraform_data.old\n  to   = terraform_data.new\n}\nremoved {\n  from = terraform_data.gone\n  lifecycle {\n    destroy = false\n  }\n}\n",
    )
    .unwrap();
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color"]));
    assert!(
        plan.contains("terraform_data.old[\"a\"] has moved to terraform_data.new[\"a\"]"),
        "{plan}"
    );
    assert!(
        plan.contains("terraform_data.gone will no longer be managed"),
        "{plan}"
    );
    assert!(plan.contains("No changes."), "{plan}");
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    assert!(
        !dir.path().join("destroyed.txt").exists(),
        "a removed object is not destroyed"
    );
    let list = ok(&bcmhcl(dir.path(), &["state", "list"]));
    assert_eq!(
        list,
        "terraform_data.new[\"a\"]\nterraform_data.new[\"b\"]\n"
    );
}

const FOUR_NODES: &str = r#"
resource "terraform_data" "node" {
  for_each = toset(["a", "b", "c", "d"])
  provisioner "local-exec" {
    command = "echo start >> log.txt; sleep 0.4; echo end >> log.txt"
  }
}
"#;

#[test]
fn independent_instances_apply_together_within_parallelism() {
    let dir = module(&[("main.tf", FOUR_NODES)]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color", "-parallelism=4"],
    ));
    let log = lines(&dir.path().join("log.txt"));
    // All four started before the first one finished.
    assert_eq!(&log[..4], ["start", "start", "start", "start"], "{log:?}");

    let dir = module(&[("main.tf", FOUR_NODES)]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color", "-parallelism", "1"],
    ));
    let log = lines(&dir.path().join("log.txt"));
    assert_eq!(
        log,
        ["start", "end", "start", "end", "start", "end", "start", "end"]
    );
}

#[test]
fn a_failing_instance_does_not_stop_the_others_of_its_layer() {
    let dir = module(&[(
        "main.tf",
        r#"
resource "terraform_data" "node" {
  for_each = toset(["a", "b", "c"])
  provisioner "local-exec" {
    command = "test ${each.key} != b && echo ${each.key} >> ok.txt"
  }
}

resource "terraform_data" "after" {
  input = terraform_data.node["b"].id
}
"#,
    )]);
    let out = bcmhcl(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    let mut done = lines(&dir.path().join("ok.txt"));
    done.sort();
    assert_eq!(done, ["a", "c"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("local-exec provisioner error"), "{err}");
    assert!(
        err.contains("terraform_data.after"),
        "the dependent is reported as skipped: {err}"
    );
    let list = ok(&bcmhcl(dir.path(), &["state", "list"]));
    // b's object exists but is tainted (its creation-time provisioner failed).
    assert!(list.contains("terraform_data.node[\"b\"]"), "{list}");
    assert!(!list.contains("terraform_data.after"), "{list}");
}

#[test]
fn importing_a_type_that_cannot_be_imported_is_an_error() {
    let dir = module(&[(
        "main.tf",
        "resource \"null_resource\" \"n\" {}\nimport {\n  to = null_resource.n\n  id = \"123\"\n}\n",
    )]);
    let out = bcmhcl(dir.path(), &["plan", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not support importing objects of type \"null_resource\""),
        "{err}"
    );
}

#[test]
fn count_instances_chain_and_aggregate() {
    let dir = module(&[(
        "main.tf",
        r#"
resource "terraform_data" "c" {
  count = 3
  input = count.index == 0 ? "0" : "${terraform_data.c[count.index - 1].output}+${count.index}"
}

output "all" {
  value = terraform_data.c[*].output
}
"#,
    )]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let all: serde_json::Value =
        serde_json::from_str(&ok(&bcmhcl(dir.path(), &["output", "-json", "all"]))).unwrap();
    assert_eq!(all, serde_json::json!(["0", "0+1", "0+1+2"]));
}
