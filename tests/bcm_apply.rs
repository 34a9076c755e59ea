//! `bcmhcl apply` of BCM modules against the headnode simulator over real HTTP(S) on
//! 127.0.0.1: the register-and-power example end to end, idempotent power, one operation per
//! node on a change, the headnode's validation messages, authentication and connection
//! failures that leave the state untouched, a failed install among good ones, TLS with and
//! without the CA file, and debug logs free of secrets.

use bcmhcl::provider::bcm::wire::NodeStatus;
use bcmhcl::sim::{Faults, SimConfig};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A simulator running on its own runtime for the length of a test.
#[path = "support/headnode.rs"]
mod support;
use support::Headnode;

/// A simulator whose nodes provision in 0.6 s.
fn fast() -> Headnode {
    Headnode::start(SimConfig {
        provision_seconds: Some(0.6),
        ..SimConfig::default()
    })
}

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// A copy of `src` in a fresh directory (the state is written beside the module).
fn module_copy(src: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "tf") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn module_from(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    dir
}

fn bcmhcl(sim: &Headnode, dir: &Path, args: &[&str]) -> Output {
    bcmhcl_with(sim, dir, args, &[])
}

fn bcmhcl_with(sim: &Headnode, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    cmd.args(args)
        .current_dir(dir)
        .env("BCM_ENDPOINT", sim.handle().endpoint())
        .env("BCM_USERNAME", sim.handle().username())
        .env("BCM_PASSWORD", sim.handle().password().expose())
        .env("BCMHCL_STATUS_POLL_SECONDS", "0.1")
        .env_remove("BCMHCL_LOG")
        .env_remove("TF_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn outputs(sim: &Headnode, dir: &Path) -> serde_json::Value {
    let o = bcmhcl(sim, dir, &["output", "-json"]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_example_registers_twenty_nodes_powers_them_on_and_waits_until_every_one_is_up() {
    let sim = fast();
    let dir = module_copy(&example("register-and-power"));
    let o = bcmhcl(&sim, dir.path(), &["apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Apply complete! Resources: 40 added, 0 changed, 0 destroyed."),
        "{}",
        text(&o)
    );
    let out = outputs(&sim, dir.path());
    let status = out["node_status"]["value"].as_object().unwrap();
    assert_eq!(status.len(), 20);
    assert!(status.values().all(|s| s == "UP"), "{status:?}");
    assert_eq!(out["nodes_up"]["value"], 20);
    // The simulator agrees: twenty registered nodes, every one UP, one power-on each.
    let statuses = sim.handle().statuses();
    let nodes: Vec<_> = statuses
        .iter()
        .filter(|(h, _)| h.starts_with("node"))
        .collect();
    assert_eq!(nodes.len(), 20);
    assert!(nodes.iter().all(|(_, s)| **s == NodeStatus::Up));
    assert_eq!(sim.power_operations(), 20);

    // A second apply changes nothing and sends no power operation.
    let o = bcmhcl(&sim, dir.path(), &["plan"]);
    assert!(text(&o).contains("No changes."), "{}", text(&o));
    let o = bcmhcl(&sim, dir.path(), &["apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 added, 0 changed, 0 destroyed"));
    assert_eq!(sim.power_operations(), 20);

    // Changing power_action sends exactly one operation per node.
    let o = bcmhcl(
        &sim,
        dir.path(),
        &["apply", "-auto-approve", "-var", "power_action=power_cycle"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("0 added, 20 changed, 0 destroyed"),
        "{}",
        text(&o)
    );
    let per_node = sim.handle().power_operations();
    let nodes: Vec<_> = per_node
        .iter()
        .filter(|(h, _)| h.starts_with("node"))
        .collect();
    assert_eq!(nodes.len(), 20);
    assert!(nodes.iter().all(|(_, n)| **n == 2), "{per_node:?}");
}

const TWO_NODES: &str = r#"
terraform {
  required_providers {
    bcm = { source = "hashi-demo-lab/bcm", version = "~> 0.1.3" }
  }
}
provider "bcm" {}

data "bcm_cmdevice_categories" "default" { name = "default" }

variable "second_mac" { default = "52:54:00:aa:00:02" }

locals {
  nodes = { a = "52:54:00:aa:00:01", b = var.second_mac }
}

resource "bcm_cmdevice_device" "n" {
  for_each = local.nodes
  hostname = "dup-${each.key}"
  category = data.bcm_cmdevice_categories.default.categories[0].uuid
  mac      = each.value
  interfaces {
    name     = "BOOTIF"
    type     = "physical"
    mac      = each.value
    bootable = true
  }
}
"#;

#[test]
fn a_duplicate_mac_surfaces_the_headnodes_validation_message_naming_the_field() {
    let sim = fast();
    let dir = module_from(TWO_NODES);
    let o = bcmhcl(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "second_mac=52:54:00:aa:00:01",
        ],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("DUPLICATE_FIELD"), "{t}");
    assert!(t.contains("mac"), "{t}");
    // One of the two was registered and is in the state; the other was refused.
    let o = bcmhcl(&sim, dir.path(), &["state", "list"]);
    let listed: BTreeSet<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let devices: Vec<&String> = listed
        .iter()
        .filter(|l| l.starts_with("bcm_cmdevice_device"))
        .collect();
    assert_eq!(devices.len(), 1, "{listed:?}");
}

#[test]
fn a_wrong_password_is_an_authentication_error() {
    let sim = fast();
    let dir = module_from(TWO_NODES);
    let o = bcmhcl_with(
        &sim,
        dir.path(),
        &["plan"],
        &[("BCM_PASSWORD", "not-the-password")],
    );
    assert!(!o.status.success());
    let t = text(&o).to_lowercase();
    assert!(t.contains("authentication"), "{t}");
    assert!(!t.contains("not-the-password"), "{t}");
}

#[test]
fn an_unreachable_endpoint_fails_after_bounded_retries_and_leaves_the_state_untouched() {
    let sim = fast();
    let dir = module_from(TWO_NODES);
    let o = bcmhcl(&sim, dir.path(), &["apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let state = std::fs::read(dir.path().join("terraform.tfstate")).unwrap();
    // Nothing listens on the port of a listener that was just closed.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let started = std::time::Instant::now();
    let o = bcmhcl_with(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "second_mac=52:54:00:aa:00:09",
        ],
        &[("BCM_ENDPOINT", &format!("http://{closed}"))],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("unreachable") || t.contains("Unreachable"),
        "{t}"
    );
    assert!(t.contains(&closed.to_string()), "{t}");
    // The provider's policy: 4 attempts with 1, 2 and 4 s (+20 %) between them.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(
        std::fs::read(dir.path().join("terraform.tfstate")).unwrap(),
        state
    );
}

#[test]
fn a_node_whose_install_fails_is_reported_while_the_others_finish() {
    let sim = Headnode::start(SimConfig {
        provision_seconds: Some(0.6),
        faults: Faults {
            fail_install: ["node003".to_string()].into_iter().collect(),
            ..Faults::default()
        },
        ..SimConfig::default()
    });
    let dir = module_copy(&example("register-and-power"));
    let o = bcmhcl(
        &sim,
        dir.path(),
        &["apply", "-auto-approve", "-var", "node_count=6"],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("node003"), "{t}");
    assert!(t.contains("INSTALLER_FAILED"), "{t}");
    let statuses = sim.handle().statuses();
    for n in ["node001", "node002", "node004", "node005", "node006"] {
        assert_eq!(statuses.get(n), Some(&NodeStatus::Up), "{n}: {statuses:?}");
    }
    assert_eq!(statuses.get("node003"), Some(&NodeStatus::InstallerFailed));
    // The five good power operations are recorded; the failed one is not, so that the next
    // apply tries it again.
    let o = bcmhcl(&sim, dir.path(), &["state", "list"]);
    let powered = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("bcm_cmdevice_power"))
        .count();
    assert_eq!(powered, 5);
}

#[test]
fn tls_works_with_the_simulators_ca_file_and_is_refused_without_it() {
    let sim = Headnode::start(SimConfig {
        provision_seconds: Some(0.6),
        tls: true,
        ..SimConfig::default()
    });
    let ca = sim.handle().ca_file().unwrap().to_path_buf();
    let dir = module_from(TWO_NODES);
    let o = bcmhcl_with(&sim, dir.path(), &["plan"], &[]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.to_lowercase().contains("certificate"), "{t}");
    let o = bcmhcl_with(
        &sim,
        dir.path(),
        &["apply", "-auto-approve"],
        &[("BCM_CA_CERT", ca.to_str().unwrap())],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 added"));
}

#[test]
fn debug_logs_of_a_full_apply_hold_no_password_or_session_cookie() {
    let sim = fast();
    let dir = module_copy(&example("register-and-power"));
    let log = dir.path().join("debug.log");
    let o = bcmhcl_with(
        &sim,
        dir.path(),
        &["apply", "-auto-approve", "-var", "node_count=3"],
        &[
            ("BCMHCL_LOG", "trace"),
            ("BCMHCL_LOG_PATH", log.to_str().unwrap()),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let logged = std::fs::read_to_string(&log).unwrap();
    // The log is real: it records the calls made.
    assert!(logged.contains("powerOperation"), "{logged}");
    assert!(logged.contains("getStatusForDevices"));
    let password = sim.handle().password().expose().to_string();
    assert!(!logged.contains(&password));
    assert!(!text(&o).contains(&password));
    assert!(
        !logged.contains("cm-login-token="),
        "the session cookie was logged"
    );
}

#[test]
fn an_exported_inventory_lets_validate_and_plan_check_a_module_with_no_headnode() {
    let sim = fast();
    let work = tempfile::tempdir().unwrap();
    let inventory = work.path().join("inventory.json");
    let o = bcmhcl(
        &sim,
        work.path(),
        &["inventory", "export", "-o", inventory.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("3 categories") || text(&o).contains("categories"));
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&inventory).unwrap()).unwrap();
    let names: Vec<&str> = exported["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"default"), "{names:?}");
    drop(sim);

    // No headnode and no credentials from here on.
    let offline = |dir: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
            .args(args)
            .arg(format!("-inventory={}", inventory.display()))
            .current_dir(dir)
            .env_remove("BCM_ENDPOINT")
            .env_remove("BCM_USERNAME")
            .env_remove("BCM_PASSWORD")
            .output()
            .unwrap()
    };
    let dir = module_copy(&example("register-and-power"));
    let o = offline(dir.path(), &["validate"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = offline(dir.path(), &["validate", "-var", "category=nonexistent"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("Category nonexistent does not exist. Available: default, gpu"),
        "{}",
        text(&o)
    );
    let o = offline(dir.path(), &["validate", "-var", "network=nonexistent"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("Network nonexistent does not exist."),
        "{}",
        text(&o)
    );
    let o = offline(dir.path(), &["plan", "-var", "node_count=3"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Plan: 6 to add, 0 to change, 0 to destroy."),
        "{}",
        text(&o)
    );
    // Changes cannot be made from an inventory.
    let o = offline(
        dir.path(),
        &["apply", "-auto-approve", "-var", "node_count=1"],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("offline inventory"), "{}", text(&o));
    // Without an inventory or credentials, validate still checks everything else.
    let o = Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .arg("validate")
        .current_dir(dir.path())
        .env_remove("BCM_ENDPOINT")
        .env_remove("BCM_PASSWORD")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

const ACTIONS: &str = r#"
terraform {
  required_providers {
    bcm = { source = "hashi-demo-lab/bcm", version = "~> 0.1" }
  }
}

data "bcm_cmdevice_categories" "default" { name = "default" }

locals {
  nodes = { a = "52:54:00:bb:00:01", b = "52:54:00:bb:00:02" }
}

resource "bcm_cmdevice_device" "n" {
  for_each = local.nodes
  hostname = "act-${each.key}"
  category = data.bcm_cmdevice_categories.default.categories[0].uuid
  mac      = each.value
  interfaces {
    name     = "BOOTIF"
    type     = "physical"
    mac      = each.value
    bootable = true
  }
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.bcm_cmdevice_power.on[each.key]]
    }
  }
}

action "bcm_cmdevice_power" "on" {
  for_each = local.nodes
  config {
    device_id           = bcm_cmdevice_device.n[each.key].id
    power_action        = "power_on"
    wait_for_completion = true
  }
}
"#;

#[test]
fn actions_run_after_create_and_on_invoke_with_terraform_1_14_syntax() {
    let sim = fast();
    let dir = module_from(ACTIONS);
    let o = bcmhcl(&sim, dir.path(), &["plan"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("# then invokes action.bcm_cmdevice_power.on[\"a\"]"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("Actions: 2 to invoke."), "{}", text(&o));
    let o = bcmhcl(&sim, dir.path(), &["apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("Action started: action.bcm_cmdevice_power.on[\"a\"] (triggered by bcm_cmdevice_device.n[\"a\"])"), "{t}");
    assert!(t.contains("Actions: 2 invoked."), "{t}");
    assert_eq!(sim.handle().status("act-a"), Some(NodeStatus::Up));
    assert_eq!(sim.handle().status("act-b"), Some(NodeStatus::Up));
    assert_eq!(sim.power_operations(), 2);

    // Nothing changes, so nothing is triggered.
    let o = bcmhcl(&sim, dir.path(), &["apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(sim.power_operations(), 2);

    // -invoke runs one action instance and nothing else.
    let o = bcmhcl(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-invoke=action.bcm_cmdevice_power.on[\"b\"]",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Actions: 1 invoked."), "{}", text(&o));
    let ops = sim.handle().power_operations();
    assert_eq!(ops.get("act-a"), Some(&1));
    assert_eq!(ops.get("act-b"), Some(&2));
    let o = bcmhcl(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-invoke=action.bcm_cmdevice_power.off",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("No such action"), "{}", text(&o));
}
