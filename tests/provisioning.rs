//! How `bcmhcl apply` schedules power operations against the headnode simulator: parallel
//! within the provisioning slots, sequential chains, a canary, failure isolation with the
//! per-node summary, and Ctrl-C leaving a state that the next apply completes without
//! repeating finished power operations.

use bcmhcl::provider::bcm::wire::NodeStatus;
use bcmhcl::sim::{Faults, SimConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "support/headnode.rs"]
mod support;
use support::Headnode;

/// A simulator whose nodes provision in `provision_seconds`, with room for all of them at once
/// (bcmhcl's own slots are what is tested), and installs that fail on `fail_install`.
fn headnode(provision_seconds: f64, fail_install: &[&str]) -> Headnode {
    Headnode::start(SimConfig {
        provision_seconds: Some(provision_seconds),
        slots: 100,
        faults: Faults {
            fail_install: fail_install.iter().map(|h| h.to_string()).collect(),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
}

fn module() -> tempfile::TempDir {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/register-and-power");
    let dir = tempfile::tempdir().unwrap();
    for f in ["main.tf", "variables.tf", "outputs.tf"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

fn command(sim: &Headnode, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    cmd.args(args)
        .current_dir(dir)
        .env("BCM_ENDPOINT", sim.handle().endpoint())
        .env("BCM_USERNAME", sim.handle().username())
        .env("BCM_PASSWORD", sim.handle().password().expose())
        .env("BCMHCL_STATUS_POLL_SECONDS", "0.05");
    cmd
}

fn run(sim: &Headnode, dir: &Path, args: &[&str]) -> Output {
    command(sim, dir, args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn up_count(sim: &Headnode) -> usize {
    sim.handle()
        .statuses()
        .iter()
        .filter(|(h, s)| h.starts_with("node") && **s == NodeStatus::Up)
        .count()
}

#[test]
fn parallel_mode_keeps_ten_slots_busy_and_never_more() {
    let t = 0.8;
    let sim = headnode(t, &[]);
    let dir = module();
    // Devices first, so that the timing below is the power operations' alone.
    let o = run(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "node_count=30",
            "-target=bcm_cmdevice_device.node",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let started = Instant::now();
    let o = run(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "node_count=30",
            "-provisioning-slots=10",
        ],
    );
    let took = started.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(up_count(&sim), 30);
    assert_eq!(sim.handle().peak_provisioning(), 10);
    // Ideal: ceil(30/10) × T. Generous bounds: the point is that slots stay full, not waves
    // of 30 or one at a time (which would take 24 s).
    assert!(took > 3.0 * t, "{took}");
    assert!(took < 3.0 * t + 6.0, "{took}");
    assert!(text(&o).contains("Provisioning summary: 30 node(s), 30 succeeded, 0 failed"));
}

#[test]
fn sequential_mode_never_overlaps_two_nodes_and_goes_in_order() {
    let sim = headnode(0.3, &[]);
    let dir = module();
    let o = run(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "node_count=5",
            "-provisioning-mode=sequential",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(up_count(&sim), 5);
    assert_eq!(sim.handle().peak_provisioning(), 1);
    let stats = sim.handle().stats();
    let json = serde_json::to_value(&stats).unwrap();
    let up = json["upAfterSeconds"].as_object().unwrap();
    let times: Vec<f64> = (1..=5)
        .map(|i| up[&format!("node{i:03}")].as_f64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
}

#[test]
fn a_failed_canary_stops_the_rest() {
    let sim = headnode(0.3, &["node001"]);
    let dir = module();
    let o = run(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "node_count=6",
            "-canary=1",
        ],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("not started because the canary failed"), "{t}");
    assert_eq!(sim.power_operations(), 1);
    assert_eq!(up_count(&sim), 0);
}

#[test]
fn a_failed_node_leaves_the_others_up_and_is_in_the_summary() {
    let sim = headnode(0.3, &["node004"]);
    let dir = module();
    let o = run(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "node_count=8",
            "-no-color",
        ],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert_eq!(up_count(&sim), 7);
    assert!(
        t.contains("Provisioning summary: 8 node(s), 7 succeeded, 1 failed"),
        "{t}"
    );
    let row = t
        .lines()
        .find(|l| l.contains("bcm_cmdevice_power.node[\"node004\"]") && l.contains("failed"))
        .unwrap_or_else(|| panic!("no summary row for node004: {t}"));
    assert!(row.contains("INSTALLER_FAILED"), "{row}");
    // The next apply retries only the failed node.
    let before = sim.handle().power_operations();
    let o = run(
        &sim,
        dir.path(),
        &["apply", "-auto-approve", "-var", "node_count=8"],
    );
    assert!(!o.status.success()); // it fails again: the fault stays
    let after = sim.handle().power_operations();
    for (host, n) in &after {
        let was = before.get(host).copied().unwrap_or(0);
        if host == "node004" {
            assert_eq!(*n, was + 1);
        } else {
            assert_eq!(*n, was, "{host} was powered again");
        }
    }
}

#[test]
fn ctrl_c_stops_new_starts_and_the_next_apply_finishes_without_repeating_any() {
    let sim = headnode(0.4, &[]);
    let dir = module();
    let child = command(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "node_count=12",
            "-provisioning-mode=sequential",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Wait until some nodes are done, then interrupt.
    let deadline = Instant::now() + Duration::from_secs(30);
    while up_count(&sim) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let done = sim.power_operations();
    assert!((3..12).contains(&done), "{done}");
    // The state is valid and records what finished.
    let o = run(&sim, dir.path(), &["state", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    let recorded = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("bcm_cmdevice_power"))
        .count() as u64;
    assert_eq!(recorded, done);
    // The next apply powers only the rest: twelve operations in all, one per node.
    let o = run(
        &sim,
        dir.path(),
        &["apply", "-auto-approve", "-var", "node_count=12"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(sim.power_operations(), 12);
    assert!(sim.handle().power_operations().values().all(|n| *n == 1));
    assert_eq!(up_count(&sim), 12);
}

#[test]
fn the_json_ui_has_one_event_per_node_status_change() {
    let sim = headnode(0.3, &[]);
    let dir = module();
    let o = run(
        &sim,
        dir.path(),
        &["apply", "-auto-approve", "-json", "-var", "node_count=2"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|m: &serde_json::Value| m["type"] == "node_status")
        .collect();
    for node in ["node001", "node002"] {
        let seen: Vec<&str> = events
            .iter()
            .filter(|e| e["hook"]["node"] == node)
            .filter_map(|e| e["hook"]["status"].as_str())
            .collect();
        assert!(seen.contains(&"INSTALLING"), "{node}: {seen:?}");
        assert_eq!(seen.last(), Some(&"UP"), "{node}: {seen:?}");
        assert!(events.iter().any(|e| e["hook"]["node"] == node
            && e["hook"]["resource"]["addr"] == format!("bcm_cmdevice_power.node[\"{node}\"]")));
    }
}

#[test]
fn the_slots_the_headnode_reports_are_used_so_that_nothing_queues_on_it() {
    // A headnode with 3 provisioning slots: bcmhcl reads them from its provisioning role and
    // never has more than 3 nodes powering at once, so no node waits in PENDING there.
    let sim = Headnode::start(SimConfig {
        provision_seconds: Some(0.4),
        slots: 3,
        ..SimConfig::default()
    });
    let dir = module();
    let child = command(
        &sim,
        dir.path(),
        &["apply", "-auto-approve", "-var", "node_count=9"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut pending_seen = 0;
    let mut polls = 0;
    while up_count(&sim) < 9 && polls < 2000 {
        let statuses = sim.handle().statuses();
        pending_seen += statuses
            .values()
            .filter(|s| **s == NodeStatus::Pending)
            .count();
        polls += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(up_count(&sim), 9);
    assert_eq!(pending_seen, 0, "nodes queued on the headnode");
    assert_eq!(sim.handle().peak_provisioning(), 3);
}
