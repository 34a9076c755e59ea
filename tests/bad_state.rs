//! End-to-end tests of state files that cannot be used: cut short, not JSON, a newer format,
//! encrypted with another key, an encrypted file cut short. Every command that reads the state
//! reports a clear diagnostic, exits 1 and leaves the bytes on disk exactly as they were, with
//! no backup or `errored.tfstate` written beside them.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const MAIN: &str = r#"
resource "terraform_data" "node" {
  for_each = toset(["node001", "node002"])
  input    = each.key
}

output "o" {
  value = "v"
}
"#;

const KEY: &str = "the right passphrase";

fn run(dir: &Path, passphrase: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("BCMHCL_STATE_PASSPHRASE")
        .env_remove("BCMHCL_STATE_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = passphrase {
        cmd.env("BCMHCL_STATE_PASSPHRASE", p);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A real state file written by `bcmhcl apply`, encrypted with `passphrase` when given.
fn applied_state(passphrase: Option<&str>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
    let out = run(
        dir.path(),
        passphrase,
        &["apply", "-auto-approve", "-no-color"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::read(dir.path().join("terraform.tfstate")).unwrap()
}

/// The files in `dir` other than the lock file every locking command leaves.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".terraform.tfstate.lock")
        .collect();
    names.sort();
    names
}

/// Every command that reads the state.
const COMMANDS: &[&[&str]] = &[
    &["apply", "-auto-approve", "-no-color"],
    &["plan", "-no-color"],
    &["refresh", "-no-color"],
    &["output", "-no-color"],
    &["show", "-no-color"],
    &["state", "list", "-no-color"],
    &[
        "state",
        "show",
        "-no-color",
        "terraform_data.node[\"node001\"]",
    ],
    &[
        "state",
        "rm",
        "-no-color",
        "terraform_data.node[\"node001\"]",
    ],
    &[
        "state",
        "mv",
        "-no-color",
        "terraform_data.node[\"node001\"]",
        "terraform_data.node[\"node009\"]",
    ],
    &["state", "pull", "-no-color"],
    &["state", "push", "-no-color", "-force", "good.tfstate"],
    &["state", "encrypt", "-no-color"],
    &["state", "decrypt", "-no-color"],
];

/// Runs every command over `bad` and checks the message and that nothing changed. Plaintext
/// input is tried with and without a key (`state encrypt|decrypt` need one).
fn refused_everywhere(bad: &[u8], passphrase: Option<&str>, expected: &[&str]) {
    if passphrase.is_none() {
        refused_by(bad, None, expected);
    }
    refused_by(bad, Some(passphrase.unwrap_or(KEY)), expected);
}

fn refused_by(bad: &[u8], passphrase: Option<&str>, expected: &[&str]) {
    let good = applied_state(None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
    std::fs::write(dir.path().join("good.tfstate"), &good).unwrap();
    let state = dir.path().join("terraform.tfstate");
    std::fs::write(&state, bad).unwrap();
    let before = files(dir.path());
    for args in COMMANDS {
        if passphrase.is_none() && matches!(args[..2], ["state", "encrypt" | "decrypt"]) {
            continue;
        }
        let out = run(dir.path(), passphrase, args);
        let stderr = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}\nstdout:\n{}\nstderr:\n{stderr}",
            text(&out.stdout)
        );
        for e in expected {
            assert!(stderr.contains(e), "{args:?}: {e:?} not in\n{stderr}");
        }
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read(&state).unwrap(),
            bad,
            "{args:?} changed the state"
        );
        assert_eq!(files(dir.path()), before, "{args:?} left files");
    }
}

#[test]
fn a_state_file_cut_short_is_refused() {
    let good = applied_state(None);
    refused_everywhere(
        &good[..good.len() / 2],
        None,
        &["could not be parsed as JSON"],
    );
}

#[test]
fn a_state_file_that_is_not_json_is_refused() {
    refused_everywhere(
        b"this is not a state file\n",
        None,
        &["could not be parsed as JSON"],
    );
}

#[test]
fn a_newer_state_format_is_refused_naming_its_version() {
    refused_everywhere(
        br#"{"version": 5, "terraform_version": "2.3.0", "serial": 9, "lineage": "x"}"#,
        None,
        &["format version 5", "created by Terraform 2.3.0"],
    );
}

#[test]
fn a_state_encrypted_with_another_key_is_refused() {
    let sealed = applied_state(Some("another passphrase"));
    refused_everywhere(
        &sealed,
        Some(KEY),
        &["The state is encrypted and the key does not open it"],
    );
}

#[test]
fn an_encrypted_state_without_a_key_is_refused_everywhere_but_decrypt_says_so_first() {
    let sealed = applied_state(Some(KEY));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
    let state = dir.path().join("terraform.tfstate");
    std::fs::write(&state, &sealed).unwrap();
    for args in COMMANDS.iter().filter(|a| !a.contains(&"push")) {
        let out = run(dir.path(), None, args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("BCMHCL_STATE_PASSPHRASE"),
            "{args:?}: {stderr}"
        );
        assert_eq!(std::fs::read(&state).unwrap(), sealed, "{args:?}");
    }
}

#[test]
fn an_encrypted_state_cut_short_is_refused() {
    let sealed = applied_state(Some(KEY));
    refused_everywhere(
        &sealed[..sealed.len() * 2 / 3],
        Some(KEY),
        &["Failed to decrypt state", "cut short"],
    );
}

#[test]
fn a_state_from_a_newer_terraform_1x_is_read_as_terraform_reads_it() {
    // Terraform 1.x reads format 4 whatever `terraform_version` says; so does bcmhcl, and it
    // writes its own version back, as Terraform does.
    let good = text(&applied_state(None));
    let newer = good.replace(
        "\"terraform_version\": \"1.9.0\"",
        "\"terraform_version\": \"1.14.2\"",
    );
    assert_ne!(newer, good);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN).unwrap();
    std::fs::write(dir.path().join("terraform.tfstate"), &newer).unwrap();
    let out = run(dir.path(), None, &["state", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 2);
}
