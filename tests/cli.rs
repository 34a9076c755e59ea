//! End-to-end tests of the `bcmhcl` binary: exit codes, diagnostics (snapshots), JSON output,
//! console, variable precedence.

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

fn bcmhcl(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("TF_VAR_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        // The command may exit before reading (a load error): that is not a test failure.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const VALIDATED: &str = r#"variable "x" {
  type = string
  validation {
    condition     = length(var.x) > 3
    error_message = "The x must be longer than 3 characters."
  }
}
"#;

#[test]
fn failing_validation_exits_1_and_names_the_variable_and_rule() {
    let dir = module(&[("main.tf", VALIDATED)]);
    let out = bcmhcl(dir.path(), &["validate", "-no-color", "-var", "x=ab"], None);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(text(&out.stderr));
}

#[test]
fn passing_validation_exits_0() {
    let dir = module(&[("main.tf", VALIDATED)]);
    let out = bcmhcl(dir.path(), &["validate", "--var=x=abcd"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Success! The configuration is valid.\n");
}

#[test]
fn validate_json_has_terraforms_fields() {
    let dir = module(&[("main.tf", VALIDATED)]);
    let out = bcmhcl(dir.path(), &["validate", "-json", "-var", "x=ab"], None);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format_version"], "1.0");
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["error_count"], 1);
    assert_eq!(doc["warning_count"], 0);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["summary"], "Invalid value for variable");
    assert!(d["detail"]
        .as_str()
        .unwrap()
        .starts_with("The x must be longer than 3 characters."));
    assert_eq!(d["range"]["filename"], "main.tf");
    assert_eq!(
        d["range"]["start"],
        serde_json::json!({"line": 1, "column": 1, "byte": 0})
    );
    assert_eq!(
        d["range"]["end"],
        serde_json::json!({"line": 1, "column": 13, "byte": 12})
    );
    assert_eq!(d["snippet"]["code"], "variable \"x\" {");
    assert_eq!(d["snippet"]["start_line"], 1);
    assert_eq!(d["snippet"]["highlight_end_offset"], 12);
}

#[test]
fn console_prints_values_and_goes_on_after_an_error() {
    let dir = module(&[("main.tf", "locals {\n  n = { b = 2, a = 1 }\n}\n")]);
    let out = bcmhcl(
        dir.path(),
        &["console", "-no-color"],
        Some("upper(\"x\")\nlocal.nope\nlocal.n\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "\"X\"\n{\n  \"a\" = 1\n  \"b\" = 2\n}\n");
    assert!(text(&out.stderr).contains("Reference to undeclared local value"));
}

#[test]
fn structural_errors_are_all_reported_as_terraform_does() {
    let dir = module(&[(
        "main.tf",
        r#"variable "x" {}
variable "x" {}
locals {
  a = 1
}
locals {
  a = 2
}
output "o" {
  value = 1
  foo   = 1
}
resource "null_resource" "r" {}
resource "null_resource" "r" {}
bogus "x" {}
variable "count" {}
variable {}
"#,
    )]);
    let out = bcmhcl(dir.path(), &["validate", "-no-color"], None);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(text(&out.stderr));
}

#[test]
fn malformed_hcl_points_at_line_and_column() {
    let dir = module(&[("main.tf", "locals {\n  a = [for x in [1] : x\n}\n")]);
    let out = bcmhcl(dir.path(), &["validate", "-json"], None);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &doc["diagnostics"][0];
    assert_eq!(d["range"]["filename"], "main.tf");
    assert!(d["range"]["start"]["line"].as_u64().unwrap() >= 2);
}

#[test]
fn bad_references_and_functions_are_diagnostics_not_panics() {
    let dir = module(&[
        (
            "main.tf",
            r#"variable "n" {
  type = number
}
locals {
  a = local.missing
  b = nosuch(1)
  c = upper(1, 2)
  d = var.undeclared
}
"#,
        ),
        ("terraform.tfvars", "n = \"abc\"\n"),
    ]);
    let out = bcmhcl(
        dir.path(),
        &["validate", "-no-color", "-var", "other=1"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(text(&out.stderr));
}

#[test]
fn variable_sources_follow_terraforms_precedence() {
    let dir = module(&[
        (
            "main.tf",
            "variable \"v\" {\n  default = \"default\"\n}\noutput \"v\" {\n  value = var.v\n}\n",
        ),
        ("terraform.tfvars", "v = \"tfvars\"\n"),
        ("b.auto.tfvars", "v = \"b.auto\"\n"),
        ("a.auto.tfvars", "v = \"a.auto\"\n"),
        ("x.tfvars", "v = \"var-file\"\n"),
    ]);
    let console = |args: &[&str]| {
        let mut all = vec!["console"];
        all.extend_from_slice(args);
        text(&bcmhcl(dir.path(), &all, Some("var.v\n")).stdout)
    };
    assert_eq!(console(&[]), "\"b.auto\"\n");
    assert_eq!(console(&["-var-file=x.tfvars"]), "\"var-file\"\n");
    assert_eq!(
        console(&["-var-file=x.tfvars", "-var", "v=cli"]),
        "\"cli\"\n"
    );
    assert_eq!(
        console(&["-var", "v=cli", "-var-file", "x.tfvars"]),
        "\"var-file\"\n"
    );
    let with_env = Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .args(["console"])
        .current_dir(dir.path())
        .env("TF_VAR_v", "env")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(with_env.status.code(), Some(0));
}

#[test]
fn environment_variables_are_overridden_by_files() {
    let dir = module(&[
        ("main.tf", "variable \"v\" {}\nvariable \"w\" {}\n"),
        ("terraform.tfvars", "w = \"file\"\n"),
    ]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .args(["console"])
        .current_dir(dir.path())
        .env("TF_VAR_v", "env")
        .env("TF_VAR_w", "env")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"var.v\nvar.w\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out.stdout), "\"env\"\n\"file\"\n");
}

#[test]
fn missing_required_variable_is_an_error_without_prompting() {
    let dir = module(&[("main.tf", "variable \"needed\" {\n  type = string\n}\n")]);
    let out = bcmhcl(dir.path(), &["validate", "-no-color", "-input=false"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("No value for required variable"), "{err}");
    assert!(err.contains("on main.tf line 1"), "{err}");
}

#[test]
fn local_cycles_name_every_local_in_the_loop() {
    let dir = module(&[(
        "main.tf",
        "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n  d = 1\n}\n",
    )]);
    let out = bcmhcl(dir.path(), &["validate", "-no-color"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("local.a, local.b, local.c"), "{err}");
}

#[test]
fn non_sensitive_output_of_a_sensitive_value_is_an_error() {
    let dir = module(&[(
        "main.tf",
        "variable \"p\" {\n  default   = \"secret\"\n  sensitive = true\n}\noutput \"o\" {\n  value = \"x-${var.p}\"\n}\noutput \"ok\" {\n  value     = var.p\n  sensitive = true\n}\n",
    )]);
    let out = bcmhcl(dir.path(), &["validate", "-no-color"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Output refers to sensitive values"), "{err}");
    assert!(err.contains("in output \"o\""), "{err}");
    assert!(
        !err.contains("secret"),
        "the secret must not be printed: {err}"
    );
}

#[test]
fn optional_attributes_get_their_defaults() {
    let dir = module(&[(
        "main.tf",
        "variable \"nodes\" {\n  type = map(object({\n    mac   = string\n    roles = optional(list(string), [\"compute\"])\n    cat   = optional(string)\n  }))\n  default = { a = { mac = \"m\" } }\n}\n",
    )]);
    let out = bcmhcl(
        dir.path(),
        &["console"],
        Some("var.nodes.a.roles\nvar.nodes.a.cat\n"),
    );
    assert_eq!(
        text(&out.stdout),
        "tolist([\n  \"compute\",\n])\nnull\n",
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn preconditions_and_checks_are_evaluated_when_known() {
    let dir = module(&[(
        "main.tf",
        r#"variable "nodes" {
  default = { a = 1, b = 2 }
}
resource "terraform_data" "guard" {
  for_each = var.nodes
  lifecycle {
    precondition {
      condition     = each.value < 2
      error_message = "Node ${each.key} is too big."
    }
  }
}
check "sizes" {
  assert {
    condition     = length(var.nodes) > 5
    error_message = "Fewer than five nodes."
  }
}
"#,
    )]);
    let out = bcmhcl(dir.path(), &["validate", "-no-color"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Resource precondition failed"), "{err}");
    assert!(err.contains("Node b is too big."), "{err}");
    assert!(!err.contains("Node a is too big."), "{err}");
    assert!(
        err.contains("Warning: Check block assertion failed"),
        "{err}"
    );
}

#[test]
fn json_configuration_files_are_loaded() {
    let dir = module(&[(
        "main.tf.json",
        r#"{"variable": {"x": {"type": "number", "default": 3}}, "output": {"y": {"value": "${var.x * 2}"}}}"#,
    )]);
    let out = bcmhcl(dir.path(), &["console"], Some("var.x * 2\n"));
    assert_eq!(text(&out.stdout), "6\n", "{}", text(&out.stderr));
}

#[test]
fn chdir_switches_directory_first() {
    let dir = module(&[("sub/main.tf", VALIDATED)]);
    let out = bcmhcl(
        dir.path(),
        &["-chdir=sub", "validate", "-var", "x=abcd"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn undeclared_command_line_variable_is_an_error() {
    let dir = module(&[("main.tf", "variable \"a\" {\n  default = 1\n}\n")]);
    let out = bcmhcl(dir.path(), &["validate", "-no-color", "-var", "b=2"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Value for undeclared variable"));
}

#[test]
fn file_paths_resolve_against_the_module_directory() {
    let dir = module(&[
        ("mod/main.tf", "locals {\n  a = file(\"${path.module}/data.txt\")\n  b = file(\"data.txt\")\n  c = fileexists(\"nope.txt\")\n  d = templatefile(\"t.tmpl\", { name = \"x\" })\n}\n"),
        ("mod/data.txt", "payload"),
        ("mod/t.tmpl", "hi ${name}"),
    ]);
    let out = bcmhcl(
        dir.path(),
        &["console", "mod"],
        Some("local.a\nlocal.b\nlocal.c\nlocal.d\npath.module\n"),
    );
    assert_eq!(
        text(&out.stdout),
        "\"payload\"\n\"payload\"\nfalse\n\"hi x\"\n\".\"\n",
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn validate_checks_called_modules_too() {
    let dir = module(&[
        (
            "main.tf",
            "module \"m\" {\n  source = \"./m\"\n  extra  = 1\n}\n",
        ),
        (
            "m/main.tf",
            "variable \"needed\" {}\nlocals {\n  x = local.missing\n}\n",
        ),
    ]);
    let out = bcmhcl(dir.path(), &["validate", "-no-color"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("An argument named \"extra\" is not expected here."),
        "{err}"
    );
    assert!(err.contains("The argument \"needed\" is required"), "{err}");
    assert!(err.contains("on m/main.tf line 3"), "{err}");
    assert!(err.contains("Reference to undeclared local value"), "{err}");
}
