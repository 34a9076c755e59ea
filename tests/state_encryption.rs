//! End-to-end tests of state encryption at rest on the real binary: `BCMHCL_STATE_PASSPHRASE`
//! and `BCMHCL_STATE_KEY_FILE`, encrypted state, backup, journal and saved plans, the commands
//! that read them, migration from plaintext, and `state encrypt|decrypt`.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const MAIN: &str = r#"
variable "bmc_password" {
  type      = string
  sensitive = true
  default   = "s3cr3t-bmc-pass"
}

resource "terraform_data" "node" {
  for_each = toset(["node001", "node002"])
  input    = { host = each.key, password = var.bmc_password }
}

output "names" {
  value = [for k, v in terraform_data.node : k]
}

output "password" {
  value     = var.bmc_password
  sensitive = true
}
"#;

/// What must never appear in an encrypted file of this module.
const PLAINTEXT: &[&str] = &[
    "s3cr3t-bmc-pass",
    "node001",
    "terraform_data",
    "bmc_password",
    "lineage",
];

fn module(main: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), main).unwrap();
    dir
}

/// Runs bcmhcl in `dir` with exactly the given state key variables.
fn run(dir: &Path, key: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("BCMHCL_STATE_PASSPHRASE")
        .env_remove("BCMHCL_STATE_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in key {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

const KEY: &[(&str, &str)] = &[("BCMHCL_STATE_PASSPHRASE", "correct horse battery")];
const WRONG: &[(&str, &str)] = &[("BCMHCL_STATE_PASSPHRASE", "wrong horse")];
const NONE: &[(&str, &str)] = &[];

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Asserts exit code 1 and returns stderr.
fn failed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stderr)
}

fn assert_sealed(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"{\"format\":\"bcmhcl-encrypted\""),
        "{} is not sealed",
        path.display()
    );
    let content = text(&bytes);
    for plain in PLAINTEXT {
        assert!(
            !content.contains(plain),
            "{plain} is readable in {}",
            path.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
}

fn applied_with(key: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = module(MAIN);
    ok(&run(
        dir.path(),
        key,
        &["apply", "-auto-approve", "-no-color"],
    ));
    dir
}

#[test]
fn an_applied_state_hides_secrets_and_names_and_every_reader_opens_it() {
    let dir = applied_with(KEY);
    let state = dir.path().join("terraform.tfstate");
    assert_sealed(&state);

    let list = ok(&run(dir.path(), KEY, &["state", "list"]));
    assert_eq!(
        list,
        "terraform_data.node[\"node001\"]\nterraform_data.node[\"node002\"]\n"
    );
    let plan = ok(&run(dir.path(), KEY, &["plan", "-no-color"]));
    assert!(plan.contains("No changes."), "{plan}");
    let shown = ok(&run(dir.path(), KEY, &["show", "-no-color"]));
    assert!(shown.contains("host     = \"node001\""), "{shown}");
    let password = ok(&run(dir.path(), KEY, &["output", "-raw", "password"]));
    assert_eq!(password, "s3cr3t-bmc-pass");
    let names = ok(&run(dir.path(), KEY, &["output", "-json", "names"]));
    assert_eq!(names.trim(), "[\"node001\",\"node002\"]");
    let show = ok(&run(
        dir.path(),
        KEY,
        &["state", "show", "terraform_data.node[\"node002\"]"],
    ));
    assert!(show.contains("node002"), "{show}");
    // `state pull` prints the plaintext state, as Terraform does.
    let pulled: serde_json::Value =
        serde_json::from_str(&ok(&run(dir.path(), KEY, &["state", "pull"]))).unwrap();
    assert_eq!(pulled["version"], 4);
    assert_eq!(pulled["outputs"]["password"]["value"], "s3cr3t-bmc-pass");
    // A change is written encrypted, and so is the backup of the state before it.
    ok(&run(
        dir.path(),
        KEY,
        &[
            "apply",
            "-auto-approve",
            "-no-color",
            "-var",
            "bmc_password=changed-pass",
        ],
    ));
    assert_sealed(&state);
    assert_sealed(&dir.path().join("terraform.tfstate.backup"));
    assert!(!dir.path().join("terraform.tfstate.journal").exists());
}

#[test]
fn without_the_key_or_with_another_one_nothing_is_read_or_written() {
    let dir = applied_with(KEY);
    let state = dir.path().join("terraform.tfstate");
    let before = std::fs::read(&state).unwrap();
    let commands: &[&[&str]] = &[
        &["apply", "-auto-approve", "-no-color"],
        &["plan", "-no-color"],
        &["state", "list", "-no-color"],
        &[
            "state",
            "rm",
            "-no-color",
            "terraform_data.node[\"node001\"]",
        ],
        &["output", "-no-color"],
    ];
    for args in commands {
        let err = failed(&run(dir.path(), NONE, args));
        assert!(
            err.contains("terraform.tfstate is encrypted, and no state key is set")
                && err.contains("BCMHCL_STATE_PASSPHRASE"),
            "{args:?}: {err}"
        );
        let err = failed(&run(dir.path(), WRONG, args));
        assert!(
            err.contains("The state is encrypted and the key does not open it"),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::read(&state).unwrap(), before, "{args:?}");
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".terraform.tfstate.lock"))
        .collect();
    names.sort();
    assert_eq!(names, ["main.tf", "terraform.tfstate"]);
}

#[test]
fn a_key_file_opens_what_the_same_passphrase_sealed() {
    let dir = applied_with(KEY);
    let key_file = dir.path().join("state.key");
    std::fs::write(&key_file, "correct horse battery\n").unwrap();
    let key_file = key_file.to_string_lossy().into_owned();
    let by_file: &[(&str, &str)] = &[("BCMHCL_STATE_KEY_FILE", &key_file)];
    let list = ok(&run(dir.path(), by_file, &["state", "list"]));
    assert_eq!(list.lines().count(), 2);
    let both: Vec<(&str, &str)> = [KEY, by_file].concat();
    let err = failed(&run(dir.path(), &both, &["state", "list"]));
    assert!(err.contains("Set only one of them"), "{err}");
}

#[test]
fn a_saved_plan_is_sealed_and_applies_with_the_key() {
    let dir = module(MAIN);
    let out = ok(&run(dir.path(), KEY, &["plan", "-no-color", "-out=tfplan"]));
    assert!(out.contains("Saved the plan to: tfplan"), "{out}");
    let plan = dir.path().join("tfplan");
    assert_sealed(&plan);
    let shown = ok(&run(dir.path(), KEY, &["show", "-no-color", "tfplan"]));
    assert!(
        shown.contains("terraform_data.node[\"node001\"] will be created"),
        "{shown}"
    );
    let err = failed(&run(dir.path(), NONE, &["show", "-no-color", "tfplan"]));
    assert!(err.contains("Encrypted plan without a key"), "{err}");
    let err = failed(&run(dir.path(), WRONG, &["apply", "-no-color", "tfplan"]));
    assert!(err.contains("the key does not open it"), "{err}");
    assert!(!dir.path().join("terraform.tfstate").exists());
    let applied = ok(&run(dir.path(), KEY, &["apply", "-no-color", "tfplan"]));
    assert!(
        applied.contains("Apply complete! Resources: 2 added"),
        "{applied}"
    );
    assert_sealed(&dir.path().join("terraform.tfstate"));
    // `show` tells an encrypted state from an encrypted plan by its header.
    let shown = ok(&run(
        dir.path(),
        KEY,
        &["show", "-no-color", "terraform.tfstate"],
    ));
    assert!(
        shown.contains("# terraform_data.node[\"node001\"]:"),
        "{shown}"
    );
}

#[test]
fn a_plaintext_state_is_read_with_a_warning_and_encrypted_by_the_next_apply() {
    let dir = applied_with(NONE);
    let state = dir.path().join("terraform.tfstate");
    let plaintext = std::fs::read(&state).unwrap();
    assert!(text(&plaintext).contains("node001"));
    let plan = run(dir.path(), KEY, &["plan", "-no-color"]);
    ok(&plan);
    let warning = text(&plan.stderr);
    assert!(
        warning.contains("Warning: The state is not encrypted yet")
            && warning.contains("next write encrypts it"),
        "{warning}"
    );
    // A plan writes nothing.
    assert_eq!(std::fs::read(&state).unwrap(), plaintext);
    ok(&run(
        dir.path(),
        KEY,
        &[
            "apply",
            "-auto-approve",
            "-no-color",
            "-var",
            "bmc_password=new",
        ],
    ));
    assert_sealed(&state);
    assert_sealed(&dir.path().join("terraform.tfstate.backup"));
    let plan = run(
        dir.path(),
        KEY,
        &["plan", "-no-color", "-var", "bmc_password=new"],
    );
    assert!(ok(&plan).contains("No changes."));
    assert!(
        !text(&plan.stderr).contains("Warning"),
        "{}",
        text(&plan.stderr)
    );
}

#[test]
fn decrypt_then_encrypt_gives_back_the_same_state() {
    let dir = applied_with(KEY);
    ok(&run(
        dir.path(),
        KEY,
        &[
            "apply",
            "-auto-approve",
            "-no-color",
            "-var",
            "bmc_password=second",
        ],
    ));
    let state = dir.path().join("terraform.tfstate");
    let backup = dir.path().join("terraform.tfstate.backup");
    let pulled = ok(&run(dir.path(), KEY, &["state", "pull"]));

    let out = ok(&run(dir.path(), KEY, &["state", "decrypt"]));
    assert!(out.contains("Successfully decrypted 2 files."), "{out}");
    // The plaintext is the state file byte for byte (pull adds one newline).
    let plain = std::fs::read_to_string(&state).unwrap();
    assert_eq!(format!("{plain}\n"), pulled);
    let old: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&backup).unwrap()).unwrap();
    assert_eq!(old["serial"], 1);
    // Plaintext now reads without a key.
    assert_eq!(
        ok(&run(dir.path(), NONE, &["state", "list"]))
            .lines()
            .count(),
        2
    );
    let again = ok(&run(dir.path(), KEY, &["state", "decrypt"]));
    assert!(again.contains("nothing was changed"), "{again}");

    let out = ok(&run(dir.path(), KEY, &["state", "encrypt"]));
    assert!(out.contains("Successfully encrypted 2 files."), "{out}");
    assert_sealed(&state);
    assert_sealed(&backup);
    assert_eq!(ok(&run(dir.path(), KEY, &["state", "pull"])), pulled);
    let err = failed(&run(dir.path(), NONE, &["state", "encrypt", "-no-color"]));
    assert!(err.contains("needs a key"), "{err}");
}

#[test]
fn push_opens_an_encrypted_file_and_writes_the_state_encrypted() {
    let dir = applied_with(KEY);
    let pulled = ok(&run(dir.path(), KEY, &["state", "pull"]));
    // An encrypted state file from elsewhere (errored.tfstate of a failed run, say).
    let other = applied_with(KEY);
    std::fs::copy(
        other.path().join("terraform.tfstate"),
        dir.path().join("errored.tfstate"),
    )
    .unwrap();
    let out = ok(&run(
        dir.path(),
        KEY,
        &["state", "push", "-force", "errored.tfstate"],
    ));
    assert_eq!(out, "");
    assert_sealed(&dir.path().join("terraform.tfstate"));
    assert_ne!(ok(&run(dir.path(), KEY, &["state", "pull"])), pulled);
    let err = failed(&run(
        dir.path(),
        NONE,
        &["state", "push", "-force", "errored.tfstate"],
    ));
    assert!(err.contains("no state key is set"), "{err}");
}

#[test]
fn a_run_killed_mid_apply_leaves_a_sealed_journal_that_the_next_run_replays() {
    let dir = module(
        r#"
resource "terraform_data" "first" {
  input = "node001-secret-journal"
}

resource "terraform_data" "second" {
  input      = "b"
  depends_on = [terraform_data.first]
  provisioner "local-exec" {
    command = "kill -9 $PPID"
  }
}
"#,
    );
    let out = run(dir.path(), KEY, &["apply", "-auto-approve", "-no-color"]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let journal = dir.path().join("terraform.tfstate.journal");
    assert_sealed(&journal);
    assert!(!text(&std::fs::read(&journal).unwrap()).contains("node001-secret-journal"));
    let list = ok(&run(dir.path(), KEY, &["state", "list"]));
    assert!(list.contains("terraform_data.first"), "{list}");
    let err = failed(&run(dir.path(), WRONG, &["state", "list", "-no-color"]));
    assert!(err.contains("the key does not open it"), "{err}");
}
