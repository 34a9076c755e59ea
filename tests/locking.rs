//! End-to-end tests of local state locking with the real binary: concurrent applies on one
//! directory, `-lock-timeout`, `-lock=false`, and clearing a lock a dead run left behind with
//! `force-unlock`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A resource whose creation takes two seconds, so a run holds the lock that long.
const SLOW: &str = r#"
resource "terraform_data" "slow" {
  input = "x"
  provisioner "local-exec" {
    command = "sleep 2"
  }
}
"#;

fn module(main_tf: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
    dir
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    command(dir, args).spawn().unwrap()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn info_path(dir: &Path) -> PathBuf {
    dir.join(".terraform.tfstate.lock.info")
}

/// Waits until a run has written its lock info, and returns it.
fn wait_for_lock(dir: &Path) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(info) = std::fs::read_to_string(info_path(dir))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        {
            return info;
        }
        assert!(Instant::now() < deadline, "no run took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn of_two_concurrent_applies_one_succeeds_and_the_other_names_the_holder() {
    let dir = module(SLOW);
    let args = ["apply", "-auto-approve", "-no-color"];
    let a = spawn(dir.path(), &args);
    let b = spawn(dir.path(), &args);
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let codes: Vec<_> = outs.iter().map(|o| o.status.code()).collect();
    let (winner, loser) = match codes.as_slice() {
        [Some(0), Some(1)] => (&outs[0], &outs[1]),
        [Some(1), Some(0)] => (&outs[1], &outs[0]),
        _ => panic!("{}\n{}", text(&outs[0]), text(&outs[1])),
    };
    assert!(
        String::from_utf8_lossy(&winner.stdout).contains("Apply complete! Resources: 1 added"),
        "{}",
        text(winner)
    );
    let err = String::from_utf8_lossy(&loser.stderr);
    assert!(err.contains("Error acquiring the state lock"), "{err}");
    assert!(err.contains("Operation: OperationTypeApply"), "{err}");
    assert!(err.contains("Who:"), "{err}");
    assert!(err.contains("terraform.tfstate"), "{err}");
    // The loser changed nothing and the winner released its lock.
    assert!(!info_path(dir.path()).exists());
    assert!(dir.path().join(".terraform.tfstate.lock").exists());
}

#[test]
fn the_loser_reports_the_holders_lock_id() {
    let dir = module(SLOW);
    let holder = spawn(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    let info = wait_for_lock(dir.path());
    let plan = run(dir.path(), &["plan", "-no-color"]);
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));
    let err = String::from_utf8_lossy(&plan.stderr);
    let id = info["ID"].as_str().unwrap();
    assert!(err.contains(&format!("ID:        {id}")), "{err}");
    assert_eq!(info["Operation"], "OperationTypeApply");
    assert!(info["Pid"].as_u64().is_some_and(|p| p > 0));
    let done = holder.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(0), "{}", text(&done));
}

#[test]
fn with_a_lock_timeout_the_second_apply_waits_and_succeeds() {
    let dir = module(SLOW);
    let holder = spawn(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    wait_for_lock(dir.path());
    let started = Instant::now();
    let second = run(
        dir.path(),
        &["apply", "-auto-approve", "-no-color", "-lock-timeout=10s"],
    );
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    // It waited for the holder's sleep instead of failing at once.
    assert!(started.elapsed() >= Duration::from_millis(500));
    let first = holder.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    // The second run saw the first one's object: nothing left to add.
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("0 added"),
        "{}",
        text(&second)
    );
    assert!(!info_path(dir.path()).exists());
}

#[test]
fn lock_false_does_not_lock() {
    let dir = module(SLOW);
    let holder = spawn(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    let info = wait_for_lock(dir.path());
    let plan = run(dir.path(), &["plan", "-no-color", "-lock=false"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    // The holder's lock is untouched.
    let still: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(info_path(dir.path())).unwrap()).unwrap();
    assert_eq!(still["ID"], info["ID"]);
    let done = holder.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(0), "{}", text(&done));
}

#[test]
fn a_lock_left_by_a_dead_run_is_reported_and_force_unlock_clears_it() {
    let dir = module("output \"o\" {\n  value = 1\n}\n");
    let left = serde_json::json!({
        "ID": "0b5c5a6e-0000-4000-8000-000000000001",
        "Operation": "OperationTypeApply",
        "Info": "",
        "Who": "someone@elsewhere",
        "Version": "1.9.0",
        "Created": "2026-01-01T00:00:00Z",
        "Path": "terraform.tfstate",
        "Pid": 99_999_999u32,
    });
    std::fs::write(info_path(dir.path()), left.to_string()).unwrap();
    let apply = run(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.status.code(), Some(1), "{}", text(&apply));
    let err = String::from_utf8_lossy(&apply.stderr);
    assert!(err.contains("Error acquiring the state lock"), "{err}");
    assert!(
        err.contains("bcmhcl force-unlock 0b5c5a6e-0000-4000-8000-000000000001"),
        "{err}"
    );

    // Without -force and without a terminal to ask on, nothing is removed.
    let refused = run(
        dir.path(),
        &["force-unlock", "0b5c5a6e-0000-4000-8000-000000000001"],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(info_path(dir.path()).exists());
    // A wrong ID is refused.
    let wrong = run(dir.path(), &["force-unlock", "-force", "nope"]);
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("does not match"));

    let unlocked = run(
        dir.path(),
        &[
            "force-unlock",
            "-force",
            "0b5c5a6e-0000-4000-8000-000000000001",
        ],
    );
    assert_eq!(unlocked.status.code(), Some(0), "{}", text(&unlocked));
    assert!(String::from_utf8_lossy(&unlocked.stdout).contains("successfully unlocked"));
    assert!(!info_path(dir.path()).exists());
    let apply = run(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
}

#[test]
fn state_commands_lock_too() {
    let dir = module(SLOW);
    let first = run(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    // Replacing the object runs the slow provisioner again while holding the lock.
    let holder = spawn(
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-no-color",
            "-replace=terraform_data.slow",
        ],
    );
    wait_for_lock(dir.path());
    let rm = run(dir.path(), &["state", "rm", "terraform_data.slow"]);
    assert_eq!(rm.status.code(), Some(1), "{}", text(&rm));
    assert!(String::from_utf8_lossy(&rm.stderr).contains("Error acquiring the state lock"));
    let done = holder.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(0), "{}", text(&done));
    let rm = run(dir.path(), &["state", "rm", "terraform_data.slow"]);
    assert_eq!(rm.status.code(), Some(0), "{}", text(&rm));
}
