//! Crash safety of `bcmhcl apply` (issue 6 §6-7), with the real binary against the in-process
//! headnode simulator over HTTP on 127.0.0.1. One apply of the register-and-power example with
//! 50 nodes is SIGKILLed at 24 seeded moments spread over its whole course, each kill carrying
//! the same state into the next run; after every kill the state must parse, nothing it recorded
//! may be lost, every device the headnode holds must be in the state or adopted by the next run
//! (never created twice), and no power operation the state records may be sent again. A last,
//! uninterrupted apply must converge. A second test runs two applies at once on one state.

use bcmhcl::provider::bcm::wire::{NodeStatus, ZERO_MAC};
use bcmhcl::sim::SimConfig;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NODES: usize = 50;
const KILLS: usize = 24;
const SEED: u64 = 0x6b69_6c6c_2d39;

#[path = "support/headnode.rs"]
mod support;
use support::Headnode;

/// The example's nodes the headnode holds: hostname → (UUID, MAC).
fn nodes(sim: &Headnode) -> BTreeMap<String, (String, String)> {
    sim.handle()
        .devices()
        .into_iter()
        .filter(|d| d.hostname.starts_with("node"))
        .map(|d| (d.hostname, (d.uuid, d.mac)))
        .collect()
}

/// What the apply has done as the headnode sees it: nodes registered plus power operations
/// sent to nodes (a repeated one counts again). It only grows.
fn events(sim: &Headnode) -> usize {
    let operations: u64 = sim
        .handle()
        .power_operations()
        .iter()
        .filter(|(h, _)| h.starts_with("node"))
        .map(|(_, n)| n)
        .sum();
    nodes(sim).len() + operations as usize
}

/// SplitMix64: a seeded generator, so the kill moments are the same on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

/// When a run is killed.
#[derive(Clone, Copy, Debug)]
enum Moment {
    /// This long after the process started (start-up, lock, refresh, planning, first calls).
    AfterStart(Duration),
    /// Once the headnode has seen `events` more registrations or power operations than when
    /// the run started, and `then` later: right after an `addDevice` or a
    /// `powerOperation` (before the state records it), or during the waits for UP. Every such
    /// kill lets the run make some progress, so the kills walk across the whole apply.
    AfterProgress { events: usize, then: Duration },
}

/// The moment to kill run `i`. In each four: one right after a call (before the state can
/// record it), one at start-up, one well into the waits for UP (some of which finish and are
/// recorded), one either way. Once the apply has converged there are no events left, and the
/// kills fall on the refresh, plan and final state write of a run that changes nothing.
fn kill_moment(dice: &mut Dice, i: usize, converged: bool) -> Moment {
    if i % 4 == 1 || converged {
        return Moment::AfterStart(Duration::from_millis(dice.range(0, 250)));
    }
    let events = dice.range(1, 7) as usize;
    let short = match i % 4 {
        0 => true,
        2 => false,
        _ => dice.range(0, 2) == 0,
    };
    let then = if short {
        Duration::from_millis(dice.range(0, 20))
    } else {
        Duration::from_millis(dice.range(50, 900))
    };
    Moment::AfterProgress { events, then }
}

fn example_copy() -> tempfile::TempDir {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/register-and-power");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "tf") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
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
        .env("BCMHCL_STATUS_POLL_SECONDS", "0.1")
        .env("NO_COLOR", "1")
        .env_remove("BCMHCL_LOG")
        .env_remove("TF_LOG")
        .stdin(Stdio::null());
    cmd
}

fn run(sim: &Headnode, dir: &Path, args: &[&str]) -> Output {
    command(sim, dir, args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn apply_args(nodes: usize) -> Vec<String> {
    vec![
        "apply".into(),
        "-auto-approve".into(),
        "-var".into(),
        format!("node_count={nodes}"),
    ]
}

/// What the state records, read as the next run would read it (journal replayed).
#[derive(Clone, Debug, Default)]
struct Recorded {
    /// Device instance key (the hostname) → UUID.
    devices: BTreeMap<String, String>,
    /// Hostnames whose power resource is recorded.
    powered: BTreeSet<String>,
}

/// Checks (a): the state file, when there is one, is valid v4 JSON; `state list` and
/// `state pull` work and agree. Returns what the state records.
fn read_state(sim: &Headnode, dir: &Path) -> Result<Recorded, String> {
    let file = dir.join("terraform.tfstate");
    if let Ok(bytes) = std::fs::read(&file) {
        if !bytes.is_empty() {
            let json: Json = serde_json::from_slice(&bytes)
                .map_err(|e| format!("terraform.tfstate is not JSON: {e}"))?;
            check_v4(&json).map_err(|e| format!("terraform.tfstate: {e}"))?;
        }
    }
    let listed = run(sim, dir, &["state", "list"]);
    let journal =
        std::fs::read_to_string(dir.join("terraform.tfstate.journal")).unwrap_or_default();
    let nothing_recorded = !file.exists() && journal.trim().is_empty();
    if nothing_recorded && text(&listed).contains("No state file was found!") {
        // Killed before the first operation finished: there is no state yet, as there
        // would be none for Terraform.
        return Ok(Recorded::default());
    }
    if !listed.status.success() {
        return Err(format!("state list failed: {}", text(&listed)));
    }
    let listed: BTreeSet<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let pulled = run(sim, dir, &["state", "pull"]);
    if !pulled.status.success() {
        return Err(format!("state pull failed: {}", text(&pulled)));
    }
    let mut recorded = Recorded::default();
    let mut addresses = BTreeSet::new();
    if !String::from_utf8_lossy(&pulled.stdout).trim().is_empty() {
        let state: Json = serde_json::from_slice(&pulled.stdout)
            .map_err(|e| format!("state pull is not JSON: {e}"))?;
        check_v4(&state).map_err(|e| format!("state pull: {e}"))?;
        for resource in state["resources"].as_array().into_iter().flatten() {
            let kind = resource["type"].as_str().unwrap_or("");
            for instance in resource["instances"].as_array().into_iter().flatten() {
                let key = instance["index_key"].as_str().unwrap_or("").to_string();
                addresses.insert(format!(
                    "{kind}.{}[\"{key}\"]",
                    resource["name"].as_str().unwrap_or("")
                ));
                match kind {
                    "bcm_cmdevice_device" => {
                        let uuid = instance["attributes"]["uuid"].as_str().unwrap_or("");
                        recorded.devices.insert(key, uuid.to_string());
                    }
                    "bcm_cmdevice_power" => {
                        recorded.powered.insert(key);
                    }
                    _ => {}
                }
            }
        }
    }
    if addresses != listed {
        return Err(format!(
            "state list and state pull disagree: {listed:?} vs {addresses:?}"
        ));
    }
    Ok(recorded)
}

fn check_v4(state: &Json) -> Result<(), String> {
    if state["version"] != 4 {
        return Err(format!("version is {}, not 4", state["version"]));
    }
    if !state["serial"].is_u64() || !state["lineage"].is_string() {
        return Err("serial or lineage missing".into());
    }
    if !state["resources"].is_array() {
        return Err("resources is not a list".into());
    }
    Ok(())
}

/// What the kill loop counts; every "must be 0" field is checked at the end.
#[derive(Debug, Default)]
struct Tally {
    kills: usize,
    /// Kills of runs that had nothing left to change (see `kill_moment`).
    kills_after_convergence: usize,
    finished_before_kill: usize,
    stale_locks_cleared: usize,
    /// Resources the state had recorded and later did not have (or a device whose UUID
    /// changed), or a state that did not parse.
    states_lost: usize,
    /// Two devices with one hostname or MAC on the headnode, a second `addDevice` for a
    /// hostname, or a DUPLICATE_FIELD error in any run's output.
    duplicates: usize,
    /// Power operations sent to a node after its power resource was recorded.
    repeated_completed_power_operations: u64,
    /// Devices found on the headnode but not in the state after a kill (created, then killed
    /// before the state recorded them), and how many of them a later run adopted.
    orphans: usize,
    orphans_adopted: usize,
    problems: Vec<String>,
}

/// The checks after one kill (or after the final run): (a) state parses, (b) duplicates and
/// orphans, (c) no completed power operation repeated, and that nothing recorded was lost.
struct Checker {
    previous: Recorded,
    /// Devices seen on the headnode and not in the state: hostname → UUID.
    orphans: BTreeMap<String, String>,
    /// A node's power operation count when its power resource was first seen recorded.
    frozen: BTreeMap<String, u64>,
}

impl Checker {
    fn check(&mut self, sim: &Headnode, dir: &Path, when: &str, tally: &mut Tally) {
        let recorded = match read_state(sim, dir) {
            Ok(r) => r,
            Err(e) => {
                tally.states_lost += 1;
                tally.problems.push(format!("{when}: {e}"));
                return;
            }
        };
        for (host, uuid) in &self.previous.devices {
            if recorded.devices.get(host) != Some(uuid) {
                tally.states_lost += 1;
                tally.problems.push(format!(
                    "{when}: device {host} ({uuid}) was recorded and now is {:?}",
                    recorded.devices.get(host)
                ));
            }
        }
        for host in self.previous.powered.difference(&recorded.powered) {
            tally.states_lost += 1;
            tally
                .problems
                .push(format!("{when}: power of {host} was recorded and is lost"));
        }
        // (b) The headnode never holds two devices with one hostname or MAC.
        let mut hostnames = BTreeSet::new();
        let mut macs = BTreeSet::new();
        for device in sim.handle().devices() {
            if !hostnames.insert(device.hostname.to_ascii_lowercase()) {
                tally.duplicates += 1;
                tally
                    .problems
                    .push(format!("{when}: two devices named {}", device.hostname));
            }
            let mac = device.mac.to_ascii_lowercase();
            if !mac.is_empty() && mac != ZERO_MAC && !macs.insert(mac) {
                tally.duplicates += 1;
                tally
                    .problems
                    .push(format!("{when}: two devices with MAC {}", device.mac));
            }
        }
        // Devices created but not recorded must be adopted as they are, never replaced.
        let on_headnode = nodes(sim);
        for (host, (uuid, _)) in &on_headnode {
            match recorded.devices.get(host) {
                None => {
                    if self.orphans.insert(host.clone(), uuid.clone()).is_none() {
                        tally.orphans += 1;
                    }
                }
                Some(in_state) if in_state != uuid => {
                    tally.states_lost += 1;
                    tally.problems.push(format!(
                        "{when}: state has {host} as {in_state}, the headnode as {uuid}"
                    ));
                }
                Some(_) => {}
            }
        }
        let adopted: Vec<String> = self
            .orphans
            .iter()
            .filter(|(host, uuid)| recorded.devices.get(*host) == Some(*uuid))
            .map(|(host, _)| host.clone())
            .collect();
        for host in adopted {
            self.orphans.remove(&host);
            tally.orphans_adopted += 1;
        }
        for (host, uuid) in &self.orphans {
            if !on_headnode.contains_key(host) {
                tally.problems.push(format!(
                    "{when}: unrecorded device {host} ({uuid}) vanished from the headnode"
                ));
                tally.states_lost += 1;
            }
        }
        // (c) A node whose power resource is recorded gets no further operation.
        let counts = sim.handle().power_operations();
        for host in &recorded.powered {
            let now = counts.get(host).copied().unwrap_or(0);
            let at_record = *self.frozen.entry(host.clone()).or_insert(now);
            if now > at_record {
                tally.repeated_completed_power_operations += now - at_record;
                tally.problems.push(format!(
                    "{when}: {host} got {} power operation(s) after its power was recorded",
                    now - at_record
                ));
                self.frozen.insert(host.clone(), now);
            }
        }
        self.previous = recorded;
    }
}

/// Kills `child` at `moment`; returns whether it was still running (and so was killed).
fn kill_at(sim: &Headnode, child: &mut Child, moment: Moment) -> bool {
    let started = Instant::now();
    let target = events(sim)
        + match moment {
            Moment::AfterProgress { events, .. } => events,
            Moment::AfterStart(_) => 0,
        };
    // A bound for a moment that never comes (the run converged first, or hangs).
    let limit = Duration::from_secs(20);
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let due = match moment {
            Moment::AfterStart(after) => started.elapsed() >= after,
            Moment::AfterProgress { then, .. } => {
                if events(sim) >= target {
                    std::thread::sleep(then);
                    true
                } else {
                    false
                }
            }
        };
        if due || started.elapsed() >= limit {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if child.try_wait().unwrap().is_some() {
        return false;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    true
}

/// A run killed with SIGKILL leaves its lock info behind (the OS lock dies with it); the
/// operator clears it with `force-unlock`, as the lock error says. The info must name the
/// killed process.
fn clear_stale_lock(sim: &Headnode, dir: &Path, killed_pid: u32, tally: &mut Tally) {
    let info_path = dir.join(".terraform.tfstate.lock.info");
    let Ok(raw) = std::fs::read_to_string(&info_path) else {
        return;
    };
    let info: Json = serde_json::from_str(&raw).expect("lock info is JSON");
    assert_eq!(info["Pid"], killed_pid, "{raw}");
    assert_eq!(info["Operation"], "OperationTypeApply", "{raw}");
    let refused = run(sim, dir, &["plan"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains(&format!("pid {killed_pid}) is no longer running")),
        "{}",
        text(&refused)
    );
    let id = info["ID"].as_str().unwrap();
    let unlocked = run(sim, dir, &["force-unlock", "-force", id]);
    assert!(unlocked.status.success(), "{}", text(&unlocked));
    tally.stale_locks_cleared += 1;
}

/// `addDevice` calls per hostname in the simulator's call log.
fn add_device_calls(call_log: &Path) -> BTreeMap<String, usize> {
    let mut per_host = BTreeMap::new();
    for line in std::fs::read_to_string(call_log)
        .unwrap_or_default()
        .lines()
    {
        let Ok(call) = serde_json::from_str::<Json>(line) else {
            continue;
        };
        if call["call"] == "addDevice" {
            let host = call["args"][0]["hostname"]
                .as_str()
                .unwrap_or("")
                .to_string();
            *per_host.entry(host).or_default() += 1;
        }
    }
    per_host
}

#[test]
fn an_apply_of_fifty_nodes_killed_at_twenty_four_moments_loses_nothing_and_converges() {
    let logs = tempfile::tempdir().unwrap();
    let call_log = logs.path().join("calls.jsonl");
    let sim = Headnode::start(SimConfig {
        provision_seconds: Some(2.0),
        call_log: Some(call_log.clone()),
        ..SimConfig::default()
    });
    let dir = example_copy();
    let args = apply_args(NODES);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut dice = Dice(SEED);
    let mut tally = Tally::default();
    let mut checker = Checker {
        previous: Recorded::default(),
        orphans: BTreeMap::new(),
        frozen: BTreeMap::new(),
    };
    let started = Instant::now();
    let mut converged = false;
    let mut i = 0;
    while tally.kills < KILLS {
        assert!(i < 3 * KILLS, "{i} runs and only {} kills", tally.kills);
        let moment = kill_moment(&mut dice, i, converged);
        let out_path = logs.path().join(format!("run-{i}.log"));
        let out = std::fs::File::create(&out_path).unwrap();
        let mut child = command(&sim, dir.path(), &args)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let pid = child.id();
        let killed = kill_at(&sim, &mut child, moment);
        let output = std::fs::read_to_string(&out_path).unwrap_or_default();
        if output.contains("DUPLICATE_FIELD") {
            tally.duplicates += 1;
            tally
                .problems
                .push(format!("run {i}: DUPLICATE_FIELD\n{output}"));
        }
        if killed {
            tally.kills += 1;
            if converged {
                tally.kills_after_convergence += 1;
            }
            clear_stale_lock(&sim, dir.path(), pid, &mut tally);
        } else {
            tally.finished_before_kill += 1;
            converged = true;
            if !output.contains("Apply complete!") {
                tally
                    .problems
                    .push(format!("run {i} ended on its own and failed:\n{output}"));
            }
        }
        checker.check(&sim, dir.path(), &format!("after run {i}"), &mut tally);
        eprintln!(
            "run {i:2}: {moment:?} -> {}; headnode: {} nodes, {} node power operations; state records {} devices, {} powers",
            if killed { "killed" } else { "finished" },
            nodes(&sim).len(),
            events(&sim) - nodes(&sim).len(),
            checker.previous.devices.len(),
            checker.previous.powered.len()
        );
        i += 1;
    }

    // (d) An uninterrupted apply converges, and a plan after it has nothing to do.
    let last = run(&sim, dir.path(), &args);
    assert!(last.status.success(), "{}", text(&last));
    assert!(!text(&last).contains("DUPLICATE_FIELD"), "{}", text(&last));
    checker.check(&sim, dir.path(), "after the final run", &mut tally);
    let plan = run(&sim, dir.path(), &["plan", "-var", "node_count=50"]);
    assert!(plan.status.success(), "{}", text(&plan));
    assert!(text(&plan).contains("No changes."), "{}", text(&plan));
    let recorded = read_state(&sim, dir.path()).unwrap();
    let nodes = nodes(&sim);
    assert_eq!(nodes.len(), NODES);
    assert_eq!(recorded.devices.len(), NODES);
    assert_eq!(recorded.powered.len(), NODES);
    for (host, (uuid, _)) in &nodes {
        assert_eq!(recorded.devices.get(host), Some(uuid), "{host}");
    }
    let statuses = sim.handle().statuses();
    for host in nodes.keys() {
        assert_eq!(statuses.get(host), Some(&NodeStatus::Up), "{host}");
    }
    // Each node was registered by exactly one addDevice over all the runs.
    let adds = add_device_calls(&call_log);
    assert_eq!(adds.len(), NODES, "{adds:?}");
    for (host, n) in &adds {
        if *n != 1 {
            tally.duplicates += n - 1;
            tally
                .problems
                .push(format!("{host}: addDevice sent {n} times"));
        }
    }
    let power_operations: u64 = sim.handle().power_operations().values().sum();
    eprintln!(
        "crash-safety: kills={} (after convergence: {}) finished_before_kill={} stale_locks_cleared={} \
         states_lost={} duplicates={} repeated_completed_power_operations={} orphans={} \
         orphans_adopted={} power_operations={} (for {NODES} nodes) seconds={:.1}",
        tally.kills,
        tally.kills_after_convergence,
        tally.finished_before_kill,
        tally.stale_locks_cleared,
        tally.states_lost,
        tally.duplicates,
        tally.repeated_completed_power_operations,
        tally.orphans,
        tally.orphans_adopted,
        power_operations,
        started.elapsed().as_secs_f64()
    );
    assert!(tally.problems.is_empty(), "{:#?}", tally.problems);
    assert!(tally.kills >= 20, "{tally:?}");
    assert_eq!(tally.states_lost, 0);
    assert_eq!(tally.duplicates, 0);
    assert_eq!(tally.repeated_completed_power_operations, 0);
    assert_eq!(tally.orphans, tally.orphans_adopted, "{tally:?}");
}

#[test]
fn of_two_concurrent_applies_on_one_state_one_runs_and_the_other_names_it() {
    let sim = Headnode::start(SimConfig {
        provision_seconds: Some(0.6),
        ..SimConfig::default()
    });
    let dir = example_copy();
    let args = apply_args(10);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let spawn = || {
        command(&sim, dir.path(), &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let pids = [a.id(), b.id()];
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let codes: Vec<Option<i32>> = outs.iter().map(|o| o.status.code()).collect();
    let (winner, loser, winner_pid) = match codes.as_slice() {
        [Some(0), Some(1)] => (&outs[0], &outs[1], pids[0]),
        [Some(1), Some(0)] => (&outs[1], &outs[0], pids[1]),
        _ => panic!("{}\n{}", text(&outs[0]), text(&outs[1])),
    };
    assert!(
        text(winner).contains("Apply complete! Resources: 20 added, 0 changed, 0 destroyed."),
        "{}",
        text(winner)
    );
    let err = String::from_utf8_lossy(&loser.stderr);
    assert!(err.contains("Error acquiring the state lock"), "{err}");
    assert!(err.contains("Operation: OperationTypeApply"), "{err}");
    assert!(err.contains(&format!("Pid:       {winner_pid}")), "{err}");
    assert!(!text(loser).contains("Apply complete!"), "{err}");
    // The state is the winner's, consistent with the headnode, and unlocked.
    assert!(!dir.path().join(".terraform.tfstate.lock.info").exists());
    let recorded = read_state(&sim, dir.path()).unwrap();
    let nodes = nodes(&sim);
    assert_eq!(nodes.len(), 10);
    assert_eq!(recorded.powered.len(), 10);
    for (host, (uuid, _)) in &nodes {
        assert_eq!(recorded.devices.get(host), Some(uuid), "{host}");
    }
    let ops = sim.handle().power_operations();
    assert!(
        nodes.keys().all(|h| ops.get(h) == Some(&1)),
        "one power operation per node: {ops:?}"
    );
    let plan = run(&sim, dir.path(), &["plan", "-var", "node_count=10"]);
    assert!(text(&plan).contains("No changes."), "{}", text(&plan));
}

/// Forgets node001 (device and power) as a run killed between `addDevice` and the state
/// record would have: the headnode has the device, the state does not.
fn forget_node001(sim: &Headnode, dir: &Path) {
    let o = run(
        sim,
        dir,
        &[
            "state",
            "rm",
            "bcm_cmdevice_device.node[\"node001\"]",
            "bcm_cmdevice_power.node[\"node001\"]",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_device_the_state_does_not_know_is_adopted_by_the_next_apply_and_the_log_says_so() {
    let sim = Headnode::start(SimConfig {
        provision_seconds: Some(0.3),
        ..SimConfig::default()
    });
    let dir = example_copy();
    let args = apply_args(2);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&sim, dir.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let before = nodes(&sim);
    forget_node001(&sim, dir.path());

    let log = dir.path().join("bcmhcl.log");
    let o = command(&sim, dir.path(), &args)
        .env("BCMHCL_LOG", "warn")
        .env("BCMHCL_LOG_PATH", &log)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."),
        "{}",
        text(&o)
    );
    let (uuid, _) = &before["node001"];
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("adopting") && logged.contains("node001") && logged.contains(uuid),
        "{logged}"
    );
    // The same two devices, node001 now in the state under its UUID; its power_on was sent
    // again (a no-op on an UP node), node002's was not.
    assert_eq!(nodes(&sim), before);
    let recorded = read_state(&sim, dir.path()).unwrap();
    assert_eq!(recorded.devices.get("node001"), Some(uuid));
    let ops = sim.handle().power_operations();
    assert_eq!((ops["node001"], ops["node002"]), (2, 1));
    assert_eq!(sim.handle().status("node001"), Some(NodeStatus::Up));
    let plan = run(&sim, dir.path(), &["plan", "-var", "node_count=2"]);
    assert!(text(&plan).contains("No changes."), "{}", text(&plan));
}

#[test]
fn a_device_with_the_hostname_but_another_mac_is_not_adopted_and_the_error_names_both() {
    let sim = Headnode::start(SimConfig {
        provision_seconds: Some(0.3),
        ..SimConfig::default()
    });
    let dir = example_copy();
    let o = run(
        &sim,
        dir.path(),
        &["apply", "-auto-approve", "-var", "node_count=1"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let before = nodes(&sim);
    forget_node001(&sim, dir.path());
    // Rack 2 gives node001 another MAC: a different machine under the same name.
    let o = run(
        &sim,
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-var",
            "node_count=1",
            "-var",
            "rack=2",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    // The diagnostic is wrapped at 100 columns, a long UUID at its hyphens.
    let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(t.contains("Device already exists on the headnode"), "{t}");
    assert!(flat.contains("with MAC 52:54:00:01:00:01"), "{t}");
    assert!(flat.contains("gives MAC 52:54:00:02:00:01"), "{t}");
    assert!(
        flat.replace("- ", "-").contains(&before["node001"].0),
        "{t}"
    );
    assert!(
        !t.contains("DUPLICATE_FIELD"),
        "refused before addDevice: {t}"
    );
    assert_eq!(nodes(&sim), before, "the headnode's device is untouched");
}
