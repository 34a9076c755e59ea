//! End-to-end tests of the pg backend with the real binary against a real PostgreSQL server
//! of each test's own (`support/postgres.rs`): init, apply/plan/state through pg, workspaces,
//! `terraform.workspace`, two operators at once, a server that is down, and a state written by
//! Terraform.

#[path = "support/postgres.rs"]
mod postgres_server;

use postgres_server::PgServer;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BACKEND: &str = r#"
terraform {
  backend "pg" {}
}
"#;

const MODULE: &str = r#"
resource "terraform_data" "node" {
  for_each = toset(["a", "b"])
  input    = "${terraform.workspace}-${each.key}"
}

output "workspace" {
  value = terraform.workspace
}

output "inputs" {
  value = [for n in terraform_data.node : n.output]
}
"#;

/// A resource whose creation takes three seconds, so a run holds the lock that long.
const SLOW: &str = r#"
resource "terraform_data" "slow" {
  input = "x"
  provisioner "local-exec" {
    command = "sleep 3"
  }
}
"#;

fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .env_remove("TF_WORKSPACE")
        .env_remove("PG_CONN_STR")
        .env_remove("PG_SCHEMA_NAME")
        .env_remove("BCMHCL_STATE_PASSPHRASE")
        .env_remove("BCMHCL_STATE_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
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

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", text(out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn init(dir: &Path, server: &PgServer) -> String {
    ok(&run(
        dir,
        &[
            "init",
            "-no-color",
            &format!("-backend-config=conn_str={}", server.url()),
        ],
    ))
}

fn row_count(server: &PgServer) -> String {
    server.psql("SELECT count(*) FROM terraform_remote_state.states")
}

#[test]
fn init_creates_the_table_and_records_the_backend() {
    let server = PgServer::start();
    let dir = module(&[("backend.tf", BACKEND), ("main.tf", MODULE)]);
    // Before init, commands that need the state say init is needed.
    let err = failed(&run(dir.path(), &["plan", "-no-color"]));
    assert!(
        err.contains("Backend initialization required, please run \"bcmhcl init\""),
        "{err}"
    );
    assert!(
        err.contains("Initial configuration of the requested backend \"pg\""),
        "{err}"
    );

    // Settings from a -backend-config file.
    let settings = dir.path().join("pg.hcl");
    std::fs::write(
        &settings,
        format!("conn_str = \"{}\"\nschema_name = \"team\"\n", server.url()),
    )
    .unwrap();
    let out = ok(&run(
        dir.path(),
        &[
            "init",
            "-no-color",
            &format!("-backend-config={}", settings.display()),
        ],
    ));
    assert!(out.contains("Initializing the backend..."), "{out}");
    assert!(
        out.contains("Successfully configured the backend \"pg\"!"),
        "{out}"
    );
    assert_eq!(
        server.psql("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'team'"),
        "bcmhcl_journal,states"
    );
    assert_eq!(
        server.psql("SELECT count(*) FROM pg_indexes WHERE schemaname = 'team' AND indexname = 'states_by_name'"),
        "1"
    );
    let recorded: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".terraform/terraform.tfstate")).unwrap(),
    )
    .unwrap();
    assert_eq!(recorded["backend"]["type"], "pg");
    assert_eq!(recorded["backend"]["config"]["schema_name"], "team");

    // A changed block needs init again, with -reconfigure.
    std::fs::write(
        dir.path().join("backend.tf"),
        BACKEND.replace("{}", "{\n    skip_index_creation = true\n  }"),
    )
    .unwrap();
    let err = failed(&run(dir.path(), &["plan", "-no-color"]));
    assert!(
        err.contains("Backend configuration block has changed"),
        "{err}"
    );
    let err = failed(&run(
        dir.path(),
        &[
            "init",
            "-no-color",
            &format!("-backend-config={}", settings.display()),
        ],
    ));
    assert!(err.contains("Backend configuration changed"), "{err}");
    ok(&run(
        dir.path(),
        &[
            "init",
            "-reconfigure",
            "-no-color",
            &format!("-backend-config={}", settings.display()),
        ],
    ));
    ok(&run(dir.path(), &["plan", "-no-color"]));

    // Without a backend block, init says the local backend is used.
    let local = module(&[("main.tf", MODULE)]);
    let out = ok(&run(local.path(), &["init", "-no-color"]));
    assert!(out.contains("The local backend is used"), "{out}");
}

#[test]
fn apply_plan_and_state_commands_round_trip_through_pg() {
    let server = PgServer::start();
    let dir = module(&[("backend.tf", BACKEND), ("main.tf", MODULE)]);
    init(dir.path(), &server);
    let out = ok(&run(dir.path(), &["apply", "-auto-approve", "-no-color"]));
    assert!(
        out.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    assert!(
        !dir.path().join("terraform.tfstate").exists(),
        "no local state is written"
    );
    let data = server.psql("SELECT data FROM terraform_remote_state.states WHERE name = 'default'");
    let state: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(state["version"], 4);
    assert_eq!(state["outputs"]["workspace"]["value"], "default");
    assert_eq!(
        state["resources"][0]["instances"].as_array().unwrap().len(),
        2
    );

    let out = ok(&run(dir.path(), &["plan", "-no-color"]));
    assert!(out.contains("No changes."), "{out}");
    assert_eq!(
        ok(&run(dir.path(), &["state", "list"])),
        "terraform_data.node[\"a\"]\nterraform_data.node[\"b\"]\n"
    );
    assert_eq!(
        ok(&run(dir.path(), &["output", "-raw", "workspace"])),
        "default"
    );
    let pulled = ok(&run(dir.path(), &["state", "pull"]));
    assert_eq!(pulled.trim_end(), data.trim_end());

    // state rm writes the row back (no local backup file), and plan sees it.
    ok(&run(
        dir.path(),
        &["state", "rm", "terraform_data.node[\"b\"]"],
    ));
    assert_eq!(
        ok(&run(dir.path(), &["state", "list"])),
        "terraform_data.node[\"a\"]\n"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !names.iter().any(|n| n.to_string_lossy().contains("backup")),
        "{names:?}"
    );
    let out = ok(&run(dir.path(), &["plan", "-no-color"]));
    assert!(
        out.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{out}"
    );

    // With a state key the row holds the sealed state, and reads back.
    let keyed = |args: &[&str]| {
        command(dir.path(), args)
            .env("BCMHCL_STATE_PASSPHRASE", "team secret")
            .output()
            .unwrap()
    };
    ok(&keyed(&["state", "encrypt"]));
    let data = server.psql("SELECT data FROM terraform_remote_state.states WHERE name = 'default'");
    assert!(
        data.starts_with("{\"format\":\"bcmhcl-encrypted\"") && !data.contains("terraform_data"),
        "{data}"
    );
    assert_eq!(
        ok(&keyed(&["state", "list"])),
        "terraform_data.node[\"a\"]\n"
    );
    let err = failed(&run(dir.path(), &["state", "list"]));
    assert!(err.contains("no state key is set"), "{err}");
}

#[test]
fn workspaces_are_isolated_and_terraform_workspace_follows_the_selection() {
    let server = PgServer::start();
    let dir = module(&[("backend.tf", BACKEND), ("main.tf", MODULE)]);
    init(dir.path(), &server);
    ok(&run(dir.path(), &["apply", "-auto-approve", "-no-color"]));
    let out = ok(&run(
        dir.path(),
        &["workspace", "new", "staging", "-no-color"],
    ));
    assert!(
        out.contains("Created and switched to workspace \"staging\"!"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".terraform/environment")).unwrap(),
        "staging"
    );
    assert_eq!(ok(&run(dir.path(), &["workspace", "show"])), "staging\n");
    // The new workspace is a row with an empty state.
    assert_eq!(row_count(&server), "2");
    assert_eq!(ok(&run(dir.path(), &["state", "list"])), "");
    let out = ok(&run(dir.path(), &["apply", "-auto-approve", "-no-color"]));
    assert!(out.contains("2 added"), "{out}");
    assert_eq!(
        ok(&run(dir.path(), &["output", "-raw", "workspace"])),
        "staging"
    );
    let inputs = ok(&run(dir.path(), &["output", "-json", "inputs"]));
    assert!(
        inputs.contains("staging-a") && inputs.contains("staging-b"),
        "{inputs}"
    );
    assert_eq!(
        ok(&run(dir.path(), &["workspace", "list"])),
        "  default\n* staging\n\n"
    );
    // TF_WORKSPACE picks the workspace for one command, as in Terraform.
    let out = command(dir.path(), &["output", "-raw", "workspace"])
        .env("TF_WORKSPACE", "default")
        .output()
        .unwrap();
    assert_eq!(ok(&out), "default");

    let out = ok(&run(dir.path(), &["workspace", "select", "default"]));
    assert!(out.contains("Switched to workspace \"default\"."), "{out}");
    assert_eq!(
        ok(&run(dir.path(), &["output", "-raw", "workspace"])),
        "default"
    );
    let err = failed(&run(
        dir.path(),
        &["workspace", "select", "nope", "-no-color"],
    ));
    assert!(err.contains("Workspace \"nope\" doesn't exist."), "{err}");
    let err = failed(&run(
        dir.path(),
        &["workspace", "delete", "staging", "-no-color"],
    ));
    assert!(err.contains("Workspace is not empty"), "{err}");
    assert!(err.contains("terraform_data.node[\"a\"]"), "{err}");
    ok(&run(
        dir.path(),
        &["workspace", "delete", "-force", "staging"],
    ));
    assert_eq!(row_count(&server), "1");
    assert_eq!(
        ok(&run(dir.path(), &["workspace", "list"])),
        "* default\n\n"
    );
}

#[test]
fn local_workspaces_live_under_terraform_tfstate_d() {
    let dir = module(&[("main.tf", MODULE)]);
    let err = failed(&run(dir.path(), &["workspace", "new", "a/b", "-no-color"]));
    assert!(err.contains("Invalid workspace name \"a/b\""), "{err}");
    ok(&run(dir.path(), &["workspace", "new", "lab"]));
    ok(&run(dir.path(), &["apply", "-auto-approve", "-no-color"]));
    let state = dir.path().join("terraform.tfstate.d/lab/terraform.tfstate");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(json["outputs"]["workspace"]["value"], "lab");
    assert!(!dir.path().join("terraform.tfstate").exists());
    assert_eq!(
        ok(&run(dir.path(), &["workspace", "list"])),
        "  default\n* lab\n\n"
    );
    ok(&run(dir.path(), &["workspace", "select", "default"]));
    assert_eq!(
        ok(&run(
            dir.path(),
            &[
                "state",
                "list",
                "-state",
                "terraform.tfstate.d/lab/terraform.tfstate"
            ]
        ))
        .lines()
        .count(),
        2
    );
    ok(&run(dir.path(), &["workspace", "delete", "-force", "lab"]));
    assert!(!dir.path().join("terraform.tfstate.d/lab").exists());
}

/// Waits until some session holds an advisory lock.
fn wait_for_advisory_lock(server: &PgServer) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n =
            server.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted");
        if n != "0" {
            return;
        }
        assert!(Instant::now() < deadline, "no run took the lock");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn of_two_operators_applying_at_once_the_second_waits_then_names_the_holder() {
    let server = PgServer::start();
    // Two working copies of the same configuration, as two operators have; the connection
    // string comes from PG_CONN_STR here.
    let first = module(&[("backend.tf", BACKEND), ("main.tf", SLOW)]);
    let second = module(&[("backend.tf", BACKEND), ("main.tf", SLOW)]);
    for dir in [&first, &second] {
        let out = command(dir.path(), &["init", "-no-color"])
            .env("PG_CONN_STR", server.url())
            .output()
            .unwrap();
        ok(&out);
    }
    let apply = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["apply", "-auto-approve", "-no-color"];
        args.extend_from_slice(extra);
        let mut c = command(dir, &args);
        c.env("PG_CONN_STR", server.url());
        c
    };
    let holder: Child = apply(first.path(), &[]).spawn().unwrap();
    wait_for_advisory_lock(&server);
    let started = Instant::now();
    let out = apply(second.path(), &["-lock-timeout=1s"])
        .output()
        .unwrap();
    let waited = started.elapsed();
    let err = failed(&out);
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert!(err.contains("Error acquiring the state lock"), "{err}");
    // The first run of a fresh workspace holds Terraform's creation lock (the message
    // depends on whether its first write has made the row yet, as in Terraform).
    assert!(
        err.contains("Already locked for workspace creation: default")
            || err
                .contains("Cannot lock workspace; already locked for workspace creation: default"),
        "{err}"
    );
    assert!(err.contains("Holder:    PostgreSQL session pid "), "{err}");
    assert!(err.contains(&format!("pid {}", holder.id())), "{err}");
    assert!(err.contains("OperationTypeApply"), "{err}");
    let out = holder.wait_with_output().unwrap();
    assert!(ok(&out).contains("1 added"), "{}", text(&out));

    // Once the workspace has its row, the row's lock is what a second operator meets; with a
    // long enough timeout it waits and then goes on.
    let holder = apply(first.path(), &["-replace=terraform_data.slow"])
        .spawn()
        .unwrap();
    wait_for_advisory_lock(&server);
    let err = failed(
        &apply(second.path(), &["-lock-timeout=500ms"])
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("Workspace is already locked: default"),
        "{err}"
    );
    let out = apply(second.path(), &["-lock-timeout=60s"])
        .output()
        .unwrap();
    assert!(ok(&out).contains("No changes."), "{}", text(&out));
    ok(&holder.wait_with_output().unwrap());
}

#[test]
fn a_backend_that_is_down_is_a_clear_error_and_nothing_is_written() {
    let mut server = PgServer::start();
    let dir = module(&[("backend.tf", BACKEND), ("main.tf", MODULE)]);
    init(dir.path(), &server);
    let port = server.port;
    server.stop();
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let err = failed(&run(dir.path(), &["apply", "-auto-approve", "-no-color"]));
    assert!(
        err.contains("Error configuring the backend \"pg\""),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "cannot connect to PostgreSQL at postgres@127.0.0.1:{port}/postgres"
        )),
        "{err}"
    );
    let after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "nothing written");
    let err = failed(&run(dir.path(), &["state", "list"]));
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
}

#[test]
fn a_state_terraform_wrote_is_found_and_used() {
    let server = PgServer::start();
    // Terraform's pg backend's own tables, and the state it wrote for this configuration.
    server.psql(
        "CREATE SCHEMA terraform_remote_state; \
         CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint; \
         CREATE TABLE terraform_remote_state.states (id bigint NOT NULL DEFAULT nextval('public.global_states_id_seq') PRIMARY KEY, name text UNIQUE, data text); \
         CREATE UNIQUE INDEX states_by_name ON terraform_remote_state.states (name);",
    );
    // What `terraform apply` (1.9) of MODULE leaves in its default workspace.
    let terraform_state = r#"{
  "version": 4,
  "terraform_version": "1.9.8",
  "serial": 3,
  "lineage": "0c9a3f4e-7d5e-4c1e-9b9a-6a0f5f0d1e2a",
  "outputs": {
    "inputs": {
      "value": [
        "default-a",
        "default-b"
      ],
      "type": [
        "tuple",
        [
          "string",
          "string"
        ]
      ]
    },
    "workspace": {
      "value": "default",
      "type": "string"
    }
  },
  "resources": [
    {
      "mode": "managed",
      "type": "terraform_data",
      "name": "node",
      "provider": "provider[\"terraform.io/builtin/terraform\"]",
      "instances": [
        {
          "index_key": "a",
          "schema_version": 0,
          "attributes": {
            "id": "5d4b1b8c-6f2e-2f1d-0a3b-1c2d3e4f5a6b",
            "input": {
              "value": "default-a",
              "type": "string"
            },
            "output": {
              "value": "default-a",
              "type": "string"
            },
            "triggers_replace": null
          },
          "sensitive_attributes": []
        },
        {
          "index_key": "b",
          "schema_version": 0,
          "attributes": {
            "id": "7e6d5c4b-3a2f-1e0d-9c8b-7a6f5e4d3c2b",
            "input": {
              "value": "default-b",
              "type": "string"
            },
            "output": {
              "value": "default-b",
              "type": "string"
            },
            "triggers_replace": null
          },
          "sensitive_attributes": []
        }
      ]
    }
  ],
  "check_results": null
}
"#;
    server.psql(&format!(
        "INSERT INTO terraform_remote_state.states (name, data) VALUES ('default', '{}')",
        terraform_state.replace('\'', "''")
    ));
    let dir = module(&[("backend.tf", BACKEND), ("main.tf", MODULE)]);
    init(dir.path(), &server);
    assert_eq!(
        ok(&run(dir.path(), &["state", "list"])),
        "terraform_data.node[\"a\"]\nterraform_data.node[\"b\"]\n"
    );
    assert_eq!(
        ok(&run(dir.path(), &["output", "-raw", "workspace"])),
        "default"
    );
    let out = ok(&run(dir.path(), &["plan", "-no-color"]));
    assert!(out.contains("No changes."), "{out}");
    // bcmhcl's write keeps the lineage and moves the serial on, as Terraform would.
    ok(&run(
        dir.path(),
        &[
            "apply",
            "-auto-approve",
            "-replace=terraform_data.node[\"a\"]",
            "-no-color",
        ],
    ));
    let data = server.psql("SELECT data FROM terraform_remote_state.states WHERE name = 'default'");
    let state: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(state["lineage"], "0c9a3f4e-7d5e-4c1e-9b9a-6a0f5f0d1e2a");
    assert!(state["serial"].as_u64().unwrap() > 3, "{data}");
}

#[test]
fn debug_logs_carry_neither_the_connection_password_nor_the_state() {
    let server = PgServer::start();
    let secret_module = r#"
variable "token" {
  type      = string
  sensitive = true
  default   = "tok-7f3a9c"
}
resource "terraform_data" "secret" {
  input = var.token
}
"#;
    let dir = module(&[("backend.tf", BACKEND), ("main.tf", secret_module)]);
    // Trust authentication ignores the password; it is in the string all the same.
    let url = server.url().replace("postgres@", "postgres:hunter2@");
    ok(&run(
        dir.path(),
        &[
            "init",
            "-no-color",
            &format!("-backend-config=conn_str={url}"),
        ],
    ));
    let log = dir.path().join("debug.log");
    let out = command(dir.path(), &["apply", "-auto-approve", "-no-color"])
        .env("BCMHCL_LOG", "trace")
        .env("BCMHCL_LOG_PATH", &log)
        .output()
        .unwrap();
    ok(&out);
    let data = server.psql("SELECT data FROM terraform_remote_state.states WHERE name = 'default'");
    assert!(
        data.contains("tok-7f3a9c"),
        "the state holds the value: {data}"
    );
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(logged.contains("connected to PostgreSQL"), "{logged}");
    assert!(
        logged.contains("wrote the whole state to PostgreSQL"),
        "{logged}"
    );
    for secret in ["hunter2", "tok-7f3a9c"] {
        assert!(!logged.contains(secret), "{secret} logged:\n{logged}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(secret));
        assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
    }
}
