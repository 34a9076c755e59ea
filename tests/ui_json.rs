//! End-to-end tests of the machine-readable UI and saved plans, driving the real binary:
//! `plan -json` and `apply -json` lines, `plan -out` then `apply FILE`, the refusals of a
//! stale plan, of a plan for another configuration and of a plan that no longer plans the
//! same, and `show` of states and plans.

use serde_json::Value as Json;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
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

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(out: &Output) -> String {
    let (stdout, stderr) = text(out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

fn fails(out: &Output) -> (String, String) {
    let (stdout, stderr) = text(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

/// Every line of a JSON UI run: each must parse and carry the envelope.
fn json_lines(stdout: &str) -> Vec<Json> {
    let lines: Vec<Json> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty(), "no output");
    for l in &lines {
        for key in ["@level", "@message", "@timestamp", "type"] {
            assert!(l[key].is_string(), "{key} missing in {l}");
        }
        assert_eq!(l["@module"], "terraform.ui", "{l}");
        assert!(
            ["info", "warn", "error"].contains(&l["@level"].as_str().unwrap()),
            "{l}"
        );
        let ts = l["@timestamp"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(ts).is_ok(),
            "bad timestamp {ts}"
        );
    }
    assert_eq!(lines[0]["type"], "version");
    assert_eq!(lines[0]["terraform"], env!("CARGO_PKG_VERSION"));
    lines
}

fn of_type<'a>(lines: &'a [Json], kind: &str) -> Vec<&'a Json> {
    lines.iter().filter(|l| l["type"] == kind).collect()
}

fn state(dir: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(dir.join("terraform.tfstate")).unwrap()).unwrap()
}

const NODES: &str = r#"
variable "nodes" {
  type    = map(string)
  default = { "dgx-01" = "on", "dgx-02" = "on" }
}

variable "token" {
  type      = string
  default   = "s3cret"
  sensitive = true
}

resource "terraform_data" "power" {
  for_each = var.nodes
  input    = each.value
}

resource "terraform_data" "report" {
  input = length(terraform_data.power)
  provisioner "local-exec" {
    command = "echo reported"
  }
}

output "states" {
  value = { for k, v in terraform_data.power : k => v.output }
}

output "token" {
  value     = var.token
  sensitive = true
}
"#;

#[test]
fn plan_json_lines_describe_each_change_and_the_summary() {
    let dir = module(&[("main.tf", NODES)]);
    let lines = json_lines(&ok(&bcmhcl(dir.path(), &["plan", "-json"])));
    let changes = of_type(&lines, "planned_change");
    let addrs: Vec<&str> = changes
        .iter()
        .map(|c| c["change"]["resource"]["addr"].as_str().unwrap())
        .collect();
    assert_eq!(
        addrs,
        [
            "terraform_data.power[\"dgx-01\"]",
            "terraform_data.power[\"dgx-02\"]",
            "terraform_data.report",
        ]
    );
    let first = &changes[0]["change"];
    assert_eq!(first["action"], "create");
    assert_eq!(
        first["resource"],
        serde_json::json!({
            "addr": "terraform_data.power[\"dgx-01\"]",
            "module": "",
            "resource": "terraform_data.power[\"dgx-01\"]",
            "implied_provider": "terraform",
            "resource_type": "terraform_data",
            "resource_name": "power",
            "resource_key": "dgx-01",
        })
    );
    assert_eq!(
        changes[0]["@message"],
        "terraform_data.power[\"dgx-01\"]: Plan to create"
    );
    let summary = of_type(&lines, "change_summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(
        summary[0]["changes"],
        serde_json::json!({"add": 3, "change": 0, "import": 0, "remove": 0, "operation": "plan"})
    );
    assert_eq!(
        summary[0]["@message"],
        "Plan: 3 to add, 0 to change, 0 to destroy."
    );
    let outputs = of_type(&lines, "outputs");
    assert_eq!(
        outputs[0]["outputs"],
        serde_json::json!({
            "states": {"sensitive": false, "action": "create"},
            "token": {"sensitive": true, "action": "create"},
        })
    );
    // Nothing but JSON lines, and nothing was applied.
    assert!(!dir.path().join("terraform.tfstate").exists());
}

#[test]
fn apply_json_reports_each_operation_and_the_outputs() {
    let dir = module(&[("main.tf", NODES)]);
    let lines = json_lines(&ok(&bcmhcl(
        dir.path(),
        &["apply", "-json", "-auto-approve"],
    )));
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    for kind in [
        "planned_change",
        "apply_start",
        "apply_complete",
        "provision_start",
        "provision_progress",
        "provision_complete",
        "change_summary",
        "outputs",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    let starts = of_type(&lines, "apply_start");
    let completes = of_type(&lines, "apply_complete");
    assert_eq!(starts.len(), 3);
    assert_eq!(completes.len(), 3);
    for c in &completes {
        assert_eq!(c["hook"]["action"], "create");
        assert_eq!(c["hook"]["id_key"], "id");
        assert!(c["hook"]["id_value"].is_string(), "{c}");
        assert!(c["hook"]["elapsed_seconds"].is_u64(), "{c}");
    }
    let progress = of_type(&lines, "provision_progress");
    assert!(
        progress
            .iter()
            .all(|p| p["hook"]["resource"]["addr"] == "terraform_data.report"
                && p["hook"]["provisioner"] == "local-exec"),
        "{progress:?}"
    );
    // One start per provisioner, however the executor prints it.
    assert_eq!(of_type(&lines, "provision_start").len(), 1);
    let summaries = of_type(&lines, "change_summary");
    assert_eq!(summaries.len(), 2);
    assert_eq!(summaries[1]["changes"]["operation"], "apply");
    assert_eq!(
        summaries[1]["@message"],
        "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."
    );
    let outputs = of_type(&lines, "outputs");
    let applied = outputs.last().unwrap();
    assert_eq!(
        applied["outputs"]["states"]["value"],
        serde_json::json!({"dgx-01": "on", "dgx-02": "on"})
    );
    assert_eq!(
        applied["outputs"]["token"],
        serde_json::json!({"sensitive": true, "type": "string"})
    );
    assert!(!lines.iter().any(|l| l.to_string().contains("s3cret")));
    // The order of events is the order of work: each start before its completion.
    let pos = |kind: &str, addr: &str| {
        lines
            .iter()
            .position(|l| l["type"] == kind && l["hook"]["resource"]["addr"] == addr)
            .unwrap()
    };
    assert!(
        pos("apply_start", "terraform_data.report")
            < pos("provision_start", "terraform_data.report")
    );
    assert!(
        pos("provision_complete", "terraform_data.report")
            < pos("apply_complete", "terraform_data.report")
    );
    assert_eq!(state(dir.path())["resources"].as_array().unwrap().len(), 2);
}

#[test]
fn apply_json_without_approval_is_refused_as_json() {
    let dir = module(&[("main.tf", NODES)]);
    let (stdout, _) = fails(&bcmhcl(dir.path(), &["apply", "-json"]));
    let lines = json_lines(&stdout);
    let diags = of_type(&lines, "diagnostic");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0]["@level"], "error");
    assert_eq!(
        diags[0]["diagnostic"]["summary"],
        "Plan file or auto-approve required"
    );
    assert!(!dir.path().join("terraform.tfstate").exists());
}

#[test]
fn configuration_errors_are_diagnostic_lines() {
    let dir = module(&[(
        "main.tf",
        "resource \"terraform_data\" \"x\" {\n  input = var.missing\n}\n",
    )]);
    let (stdout, stderr) = fails(&bcmhcl(dir.path(), &["plan", "-json"]));
    assert!(stderr.is_empty(), "{stderr}");
    let lines = json_lines(&stdout);
    let diags = of_type(&lines, "diagnostic");
    assert!(!diags.is_empty());
    let d = &diags[0];
    assert_eq!(d["@level"], "error");
    assert_eq!(
        d["@message"],
        format!("Error: {}", d["diagnostic"]["summary"].as_str().unwrap())
    );
    assert_eq!(d["diagnostic"]["severity"], "error");
    assert_eq!(d["diagnostic"]["range"]["filename"], "main.tf");
    assert!(of_type(&lines, "change_summary").is_empty());

    // A syntax error is found while loading, before planning: still a JSON line.
    let broken = module(&[("main.tf", "resource \"terraform_data\" {\n")]);
    let (stdout, stderr) = fails(&bcmhcl(broken.path(), &["plan", "-json"]));
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(of_type(&json_lines(&stdout), "diagnostic").len(), 1);
}

#[test]
fn a_failed_operation_is_reported_errored() {
    let dir = module(&[(
        "main.tf",
        r#"
resource "terraform_data" "broken" {
  input = "x"
  provisioner "local-exec" {
    command = "echo trying; exit 3"
  }
}
"#,
    )]);
    let (stdout, _) = fails(&bcmhcl(dir.path(), &["apply", "-json", "-auto-approve"]));
    let lines = json_lines(&stdout);
    assert_eq!(of_type(&lines, "provision_errored").len(), 1);
    let errored = of_type(&lines, "apply_errored");
    assert_eq!(errored.len(), 1);
    assert_eq!(
        errored[0]["hook"]["resource"]["addr"],
        "terraform_data.broken"
    );
    assert_eq!(errored[0]["hook"]["action"], "create");
    assert!(of_type(&lines, "apply_complete").is_empty());
    let diags = of_type(&lines, "diagnostic");
    assert!(diags.iter().any(|d| d["@level"] == "error"), "{diags:?}");
    // No success summary after a failure.
    assert_eq!(of_type(&lines, "change_summary").len(), 1);
}

const SIMPLE: &str = r#"
variable "action" {
  type    = string
  default = "on"
}

resource "terraform_data" "power" {
  input = var.action
}

output "action" {
  value = terraform_data.power.output
}
"#;

#[test]
fn a_saved_plan_is_applied_exactly_with_its_variables() {
    let dir = module(&[("main.tf", SIMPLE)]);
    let plan = ok(&bcmhcl(
        dir.path(),
        &["plan", "-no-color", "-var", "action=cycle", "-out=tfplan"],
    ));
    assert!(plan.contains("Saved the plan to: tfplan"), "{plan}");
    assert!(plan.contains("bcmhcl apply \"tfplan\""), "{plan}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("tfplan"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Applying needs no approval and no -var: the plan holds the variables.
    let applied = ok(&bcmhcl(dir.path(), &["apply", "-no-color", "tfplan"]));
    assert!(
        applied.contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed."),
        "{applied}"
    );
    assert!(
        !applied.contains("Plan:"),
        "a saved plan is not shown again: {applied}"
    );
    let s = state(dir.path());
    assert_eq!(s["outputs"]["action"]["value"], "cycle");
    assert_eq!(
        s["resources"][0]["instances"][0]["attributes"]["input"]["value"],
        "cycle"
    );

    // The same plan cannot be applied twice.
    let before = std::fs::read(dir.path().join("terraform.tfstate")).unwrap();
    let (_, stderr) = fails(&bcmhcl(dir.path(), &["apply", "-no-color", "tfplan"]));
    assert!(stderr.contains("Saved plan is stale"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("terraform.tfstate")).unwrap(),
        before
    );
}

#[test]
fn a_saved_plan_applies_with_the_json_ui() {
    let dir = module(&[("main.tf", SIMPLE)]);
    ok(&bcmhcl(dir.path(), &["plan", "-json", "-out=tfplan"]));
    // No -auto-approve needed: the saved plan is the approval.
    let lines = json_lines(&ok(&bcmhcl(dir.path(), &["apply", "-json", "tfplan"])));
    assert!(of_type(&lines, "planned_change").is_empty());
    assert_eq!(of_type(&lines, "apply_complete").len(), 1);
    let summary = of_type(&lines, "change_summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["changes"]["add"], 1);
}

#[test]
fn a_stale_plan_is_refused_and_leaves_the_state_untouched() {
    let dir = module(&[("main.tf", SIMPLE)]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    ok(&bcmhcl(
        dir.path(),
        &["plan", "-no-color", "-var", "action=off", "-out=tfplan"],
    ));
    // Someone else applies in between.
    ok(&bcmhcl(
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-no-color",
            "-var",
            "action=cycle",
        ],
    ));
    let before = std::fs::read(dir.path().join("terraform.tfstate")).unwrap();
    let (stdout, stderr) = fails(&bcmhcl(dir.path(), &["apply", "-no-color", "tfplan"]));
    assert!(stderr.contains("Error: Saved plan is stale"), "{stderr}");
    assert!(!stdout.contains("Modifying"), "{stdout}");
    assert_eq!(
        std::fs::read(dir.path().join("terraform.tfstate")).unwrap(),
        before
    );
    // As JSON too.
    let (stdout, _) = fails(&bcmhcl(dir.path(), &["apply", "-json", "tfplan"]));
    let diags = of_type(&json_lines(&stdout), "diagnostic")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(diags[0]["diagnostic"]["summary"], "Saved plan is stale");
    assert_eq!(
        std::fs::read(dir.path().join("terraform.tfstate")).unwrap(),
        before
    );
}

#[test]
fn a_plan_for_another_configuration_is_refused() {
    let planned = module(&[("main.tf", SIMPLE)]);
    ok(&bcmhcl(
        planned.path(),
        &["plan", "-no-color", "-out=tfplan"],
    ));
    let plan_file = planned.path().join("tfplan");

    // Another directory with other configuration files.
    let other = module(&[(
        "main.tf",
        &SIMPLE
            .replace("\"power\"", "\"lights\"")
            .replace(".power.", ".lights."),
    )]);
    let (_, stderr) = fails(&bcmhcl(
        other.path(),
        &["apply", "-no-color", plan_file.to_str().unwrap()],
    ));
    assert!(
        stderr.contains("Saved plan does not match the configuration"),
        "{stderr}"
    );
    assert!(!other.path().join("terraform.tfstate").exists());

    // The same directory after an edit.
    std::fs::write(
        planned.path().join("main.tf"),
        SIMPLE.replace("default = \"on\"", "default = \"off\""),
    )
    .unwrap();
    let (_, stderr) = fails(&bcmhcl(planned.path(), &["apply", "-no-color", "tfplan"]));
    assert!(
        stderr.contains("Saved plan does not match the configuration"),
        "{stderr}"
    );
    assert!(!planned.path().join("terraform.tfstate").exists());

    // A file that is no plan at all.
    std::fs::write(planned.path().join("notes.txt"), "hello").unwrap();
    let (_, stderr) = fails(&bcmhcl(
        planned.path(),
        &["apply", "-no-color", "notes.txt"],
    ));
    assert!(stderr.contains("as a plan file"), "{stderr}");
}

#[test]
fn a_plan_that_no_longer_plans_the_same_is_refused_before_any_change() {
    // The data source reads a file: what it says decides whether the instance changes.
    let dir = module(&[
        (
            "main.tf",
            r#"
data "external" "facts" {
  program = ["cat", "${path.module}/facts.json"]
}

resource "terraform_data" "power" {
  input = data.external.facts.result.action
}
"#,
        ),
        ("facts.json", r#"{"action": "on"}"#),
    ]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    std::fs::write(dir.path().join("facts.json"), r#"{"action": "off"}"#).unwrap();
    let plan = ok(&bcmhcl(dir.path(), &["plan", "-no-color", "-out=tfplan"]));
    assert!(plan.contains("will be updated in-place"), "{plan}");
    std::fs::write(dir.path().join("facts.json"), r#"{"action": "on"}"#).unwrap();
    let before = std::fs::read(dir.path().join("terraform.tfstate")).unwrap();
    let (stdout, stderr) = fails(&bcmhcl(dir.path(), &["apply", "-no-color", "tfplan"]));
    assert!(stderr.contains("Saved plan no longer matches"), "{stderr}");
    assert!(
        stderr.contains("terraform_data.power: planned update, now no change"),
        "{stderr}"
    );
    assert!(!stdout.contains("Modifying"), "{stdout}");
    assert_eq!(
        std::fs::read(dir.path().join("terraform.tfstate")).unwrap(),
        before
    );
}

#[test]
fn variables_cannot_be_given_to_a_saved_plan() {
    let dir = module(&[("main.tf", SIMPLE)]);
    ok(&bcmhcl(dir.path(), &["plan", "-no-color", "-out=tfplan"]));
    let (_, stderr) = fails(&bcmhcl(
        dir.path(),
        &["apply", "-no-color", "-var", "action=off", "tfplan"],
    ));
    assert!(
        stderr.contains("Can't set variables when applying a saved plan"),
        "{stderr}"
    );
    assert!(!dir.path().join("terraform.tfstate").exists());
}

#[test]
fn show_json_of_the_state_has_terraforms_shape() {
    let dir = module(&[("main.tf", NODES)]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let doc: Json = serde_json::from_str(&ok(&bcmhcl(dir.path(), &["show", "-json"]))).unwrap();
    assert_eq!(doc["format_version"], "1.0");
    assert!(doc["terraform_version"].is_string());
    let outputs = &doc["values"]["outputs"];
    assert_eq!(
        outputs["states"]["value"],
        serde_json::json!({"dgx-01": "on", "dgx-02": "on"})
    );
    assert_eq!(outputs["states"]["sensitive"], false);
    assert_eq!(
        outputs["states"]["type"],
        serde_json::json!(["object", {"dgx-01": "string", "dgx-02": "string"}])
    );
    assert_eq!(outputs["token"]["sensitive"], true);
    let resources = doc["values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    let addrs: Vec<&str> = resources
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addrs,
        [
            "terraform_data.power[\"dgx-01\"]",
            "terraform_data.power[\"dgx-02\"]",
            "terraform_data.report",
        ]
    );
    let power = &resources[0];
    assert_eq!(power["mode"], "managed");
    assert_eq!(power["type"], "terraform_data");
    assert_eq!(power["name"], "power");
    assert_eq!(power["index"], "dgx-01");
    assert_eq!(power["provider_name"], "terraform.io/builtin/terraform");
    assert_eq!(power["schema_version"], 0);
    assert_eq!(power["values"]["input"], "on");
    assert_eq!(power["values"]["output"], "on");
    assert!(power["values"]["id"].is_string());
    assert!(power["sensitive_values"].is_object());
    assert!(resources[2].get("index").is_none());
    assert_eq!(
        resources[2]["depends_on"],
        serde_json::json!(["terraform_data.power"])
    );

    let human = ok(&bcmhcl(dir.path(), &["show", "-no-color"]));
    assert!(
        human.starts_with(
            "# terraform_data.power[\"dgx-01\"]:\nresource \"terraform_data\" \"power\" {\n"
        ),
        "{human}"
    );
    assert!(human.contains("\n\nOutputs:\n\n"), "{human}");
    assert!(human.contains("token = (sensitive value)"), "{human}");
}

#[test]
fn show_of_a_saved_plan_prints_the_plan_or_plan_json() {
    let dir = module(&[("main.tf", SIMPLE)]);
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let plan = ok(&bcmhcl(
        dir.path(),
        &["plan", "-no-color", "-var", "action=off", "-out=tfplan"],
    ));
    let shown = ok(&bcmhcl(dir.path(), &["show", "-no-color", "tfplan"]));
    assert!(
        shown.contains("# terraform_data.power will be updated in-place"),
        "{shown}"
    );
    assert!(shown.contains("~ input  = \"on\" -> \"off\""), "{shown}");
    assert!(
        plan.starts_with(shown.trim_end()),
        "plan:\n{plan}\nshown:\n{shown}"
    );

    let doc: Json =
        serde_json::from_str(&ok(&bcmhcl(dir.path(), &["show", "-json", "tfplan"]))).unwrap();
    assert_eq!(doc["format_version"], "1.2");
    assert_eq!(
        doc["variables"],
        serde_json::json!({"action": {"value": "off"}})
    );
    assert_eq!(doc["applyable"], true);
    assert_eq!(doc["errored"], false);
    assert!(doc["timestamp"].is_string());
    let changes = doc["resource_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["address"], "terraform_data.power");
    assert_eq!(
        changes[0]["change"]["actions"],
        serde_json::json!(["update"])
    );
    assert_eq!(changes[0]["change"]["before"]["input"], "on");
    assert_eq!(changes[0]["change"]["after"]["input"], "off");
    assert_eq!(changes[0]["change"]["after_unknown"]["output"], true);
    assert_eq!(
        doc["planned_values"]["root_module"]["resources"][0]["address"],
        "terraform_data.power"
    );
    assert_eq!(
        doc["output_changes"]["action"]["actions"],
        serde_json::json!(["update"])
    );
}

#[test]
fn show_without_a_state_says_so() {
    let dir = module(&[("main.tf", SIMPLE)]);
    assert_eq!(
        ok(&bcmhcl(dir.path(), &["show", "-no-color"])),
        "No state.\n"
    );
    assert_eq!(
        ok(&bcmhcl(dir.path(), &["show", "-json"])),
        "{\"format_version\":\"1.0\"}\n"
    );
    // A state file given by path is shown like the current state.
    ok(&bcmhcl(
        dir.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    std::fs::rename(
        dir.path().join("terraform.tfstate"),
        dir.path().join("old.tfstate"),
    )
    .unwrap();
    let doc: Json =
        serde_json::from_str(&ok(&bcmhcl(dir.path(), &["show", "-json", "old.tfstate"]))).unwrap();
    assert_eq!(doc["values"]["outputs"]["action"]["value"], "on");
}
