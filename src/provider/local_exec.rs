//! The `local-exec` provisioner: runs a command on the machine running bcmhcl and streams its
//! output, with the layout, sensitive-value handling and errors of Terraform's built-in one.

use super::builtin::process::{exit_status_text, go_error, look_path, start_error};
use crate::diag::Diagnostic;
use crate::schema::{Attribute, Block};
use crate::value::{go_quote, Type, Value};
use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use tokio::io::AsyncBufReadExt;

/// How much of the command's output the error message keeps (its end), as Terraform does.
const MAX_ERROR_OUTPUT: usize = 8 * 1024;

/// What Terraform prints instead of each output line when the configuration holds a
/// sensitive value.
const SUPPRESSED: &str = "(output suppressed due to sensitive value in config)";

/// One `provisioner "local-exec"` block, evaluated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalExec {
    pub command: String,
    /// The program and arguments that run the command; `/bin/sh -c` when not set.
    pub interpreter: Option<Vec<String>>,
    /// Set on top of bcmhcl's own environment.
    pub environment: BTreeMap<String, String>,
    /// Where the command runs; bcmhcl's working directory when not set.
    pub working_dir: Option<PathBuf>,
    /// Do not print the command (its output is still shown).
    pub quiet: bool,
}

/// The arguments of a `local-exec` block, to decode it with `schema::decode_body`.
pub fn local_exec_schema() -> &'static Block {
    static SCHEMA: OnceLock<Block> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let attr = |ty: Type, required: bool| Attribute {
            ty,
            description: None,
            required,
            optional: !required,
            computed: false,
            sensitive: false,
            requires_replace: false,
        };
        let mut b = Block::default();
        b.attributes
            .insert("command".into(), attr(Type::String, true));
        b.attributes
            .insert("interpreter".into(), attr(Type::list(Type::String), false));
        b.attributes
            .insert("working_dir".into(), attr(Type::String, false));
        b.attributes
            .insert("environment".into(), attr(Type::map(Type::String), false));
        b.attributes.insert("quiet".into(), attr(Type::Bool, false));
        b
    })
}

impl LocalExec {
    /// Reads a configuration decoded against `local_exec_schema()`. Also returns the string
    /// form of every sensitive value in it: pass them to `run`, which then suppresses the
    /// output as Terraform does. The list is non-empty whenever anything is sensitive.
    pub fn from_config(config: &Value) -> Result<(LocalExec, Vec<String>), Diagnostic> {
        let mut secrets = Vec::new();
        collect_secrets(config, false, &mut secrets);
        let (config, _) = config.unmark_deep();
        if !config.is_wholly_known() {
            return Err(
                Diagnostic::error("Invalid local-exec provisioner configuration").detail(
                    "The provisioner's arguments have values that are known only after apply.",
                ),
            );
        }
        let field = |name: &str| {
            config
                .as_attrs()
                .and_then(|a| a.get(name))
                .cloned()
                .unwrap_or(Value::NULL)
        };
        let strings = |v: &Value| -> Vec<String> {
            v.as_seq()
                .unwrap_or(&[])
                .iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        };
        let interpreter = Some(strings(&field("interpreter"))).filter(|i| !i.is_empty());
        let environment = field("environment")
            .as_attrs()
            .map(|env| {
                env.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let exec = LocalExec {
            command: field("command").as_str().unwrap_or_default().to_string(),
            interpreter,
            environment,
            working_dir: field("working_dir")
                .as_str()
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            quiet: field("quiet").as_bool().unwrap_or(false),
        };
        Ok((exec, secrets))
    }

    /// Runs the command, calling `out` with each line to print, in Terraform's layout:
    ///
    /// ```text
    /// null_resource.a: Provisioning with 'local-exec'...
    /// null_resource.a (local-exec): Executing: ["/bin/sh" "-c" "echo hi"]
    /// null_resource.a (local-exec): hi
    /// ```
    ///
    /// stdout and stderr share one pipe, so their lines keep the order they were written in.
    /// A blank output line is passed as an empty string. With `secrets`, each output line is
    /// replaced by `(output suppressed due to sensitive value in config)`, and the secrets are
    /// masked in the error (where Terraform would show them).
    ///
    /// Dropping the future kills the command.
    pub async fn run(
        &self,
        prefix: &str,
        secrets: &[String],
        out: &mut (dyn FnMut(String) + Send),
    ) -> Result<(), Diagnostic> {
        out(format!("{prefix}: Provisioning with 'local-exec'..."));
        let suppressed = !secrets.is_empty();
        if self.command.is_empty() {
            return Err(Diagnostic::error("Invalid local-exec provisioner command")
                .detail("The command must be a non-empty string."));
        }
        let mut argv: Vec<String> = match &self.interpreter {
            Some(i) if !i.is_empty() => i.clone(),
            _ => vec!["/bin/sh".into(), "-c".into()],
        };
        argv.push(self.command.clone());
        if self.quiet {
            emit(
                out,
                prefix,
                suppressed,
                "local-exec: Executing: Suppressed by quiet=true",
            );
        } else {
            let quoted: Vec<String> = argv.iter().map(|a| go_quote(a)).collect();
            emit(
                out,
                prefix,
                suppressed,
                &format!("Executing: [{}]", quoted.join(" ")),
            );
        }
        let fail = |reason: String, output: &[u8]| {
            let detail = format!(
                "Error running command '{}': {reason}. Output: {}",
                self.command,
                String::from_utf8_lossy(output)
            );
            Diagnostic::error("local-exec provisioner error").detail(mask(&detail, secrets))
        };

        // Go resolves a bare program name on $PATH before starting it.
        let program = if argv[0].contains('/') {
            argv[0].clone()
        } else {
            match look_path(&argv[0]) {
                Ok(p) => p.to_string_lossy().into_owned(),
                Err(e) => return Err(fail(e.to_string(), b"")),
            }
        };
        let (reader, writer) = std::io::pipe().map_err(|e| {
            Diagnostic::error("local-exec provisioner error").detail(format!(
                "Failed to initialize pipe for output: {}",
                go_error(&e)
            ))
        })?;
        let spawned = {
            // The command owns the write ends; dropping it when this block ends leaves the
            // child the only writer, so the read below ends when the child is done.
            let mut cmd = tokio::process::Command::new(&program);
            cmd.args(&argv[1..])
                .envs(&self.environment)
                .stdin(Stdio::null())
                .kill_on_drop(true);
            match writer.try_clone() {
                Ok(w) => {
                    cmd.stdout(w).stderr(writer);
                }
                Err(e) => return Err(fail(go_error(&e), b"")),
            }
            if let Some(dir) = &self.working_dir {
                cmd.current_dir(dir);
            }
            cmd.spawn()
        };
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                return Err(fail(
                    start_error(&program, self.working_dir.as_deref(), &e),
                    b"",
                ))
            }
        };

        let mut tail: Vec<u8> = Vec::new();
        match tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(reader)) {
            Ok(rx) => {
                let mut rx = tokio::io::BufReader::new(rx);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match rx.read_until(b'\n', &mut line).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    tail.extend_from_slice(&line);
                    if tail.len() > MAX_ERROR_OUTPUT {
                        tail.drain(..tail.len() - MAX_ERROR_OUTPUT);
                    }
                    let text = line.strip_suffix(b"\n").unwrap_or(&line);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    emit(out, prefix, suppressed, &String::from_utf8_lossy(text));
                }
            }
            Err(e) => return Err(fail(go_error(&e), b"")),
        }
        let status = child.wait().await.map_err(|e| fail(go_error(&e), &tail))?;
        if !status.success() {
            return Err(fail(exit_status_text(&status), &tail));
        }
        Ok(())
    }
}

/// Passes one message of the command to `out` as Terraform's UI prints provisioner output:
/// split at `\n` and `\r`, trailing blanks trimmed, empty pieces dropped, and a blank line when
/// nothing is left.
fn emit(out: &mut (dyn FnMut(String) + Send), prefix: &str, suppressed: bool, msg: &str) {
    let msg = if suppressed { SUPPRESSED } else { msg };
    let mut printed = false;
    for piece in msg.split(['\n', '\r']) {
        let piece = piece.trim_end();
        if !piece.is_empty() {
            out(format!("{prefix} (local-exec): {piece}"));
            printed = true;
        }
    }
    if !printed {
        out(String::new());
    }
}

/// `text` with every (non-empty) secret replaced by `(sensitive value)`.
fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    // Longest first, so a secret containing another is masked whole.
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in sorted {
        out = out.replace(s.as_str(), "(sensitive value)");
    }
    out
}

/// The string forms of the sensitive parts of `v`; an empty string for a sensitive value that
/// has none (a null), so that any sensitive value makes the list non-empty.
fn collect_secrets(v: &Value, inside: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(inner) => {
            let before = out.len();
            collect_secrets(inner, true, out);
            if out.len() == before {
                out.push(String::new());
            }
        }
        Value::String(s) if inside => out.push(s.to_string()),
        Value::Number(n) if inside => out.push(n.to_string()),
        Value::Bool(b) if inside => out.push(b.to_string()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            for i in items.iter() {
                collect_secrets(i, inside, out);
            }
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            for (k, i) in attrs.iter() {
                if inside {
                    out.push(k.to_string());
                }
                collect_secrets(i, inside, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn exec(command: &str) -> LocalExec {
        LocalExec {
            command: command.to_string(),
            ..LocalExec::default()
        }
    }

    /// Runs `e` and returns the printed lines and the result.
    async fn run(e: &LocalExec, secrets: &[&str]) -> (Vec<String>, Result<(), Diagnostic>) {
        let secrets: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
        // The future must be Send: the apply walker runs provisioners on tokio's worker threads.
        fn sendable<F: std::future::Future + Send>(f: F) -> F {
            f
        }
        let mut lines = Vec::new();
        let result = sendable(e.run("null_resource.a", &secrets, &mut |l| lines.push(l))).await;
        (lines, result)
    }

    #[tokio::test]
    async fn output_is_streamed_with_terraforms_prefixes_in_order() {
        let (lines, r) = run(&exec("echo hi; echo err >&2; echo done"), &[]).await;
        r.unwrap();
        assert_eq!(
            lines,
            [
                "null_resource.a: Provisioning with 'local-exec'...",
                "null_resource.a (local-exec): Executing: [\"/bin/sh\" \"-c\" \"echo hi; echo err >&2; echo done\"]",
                "null_resource.a (local-exec): hi",
                "null_resource.a (local-exec): err",
                "null_resource.a (local-exec): done",
            ]
        );
    }

    #[tokio::test]
    async fn lines_are_split_and_trimmed_as_terraform_prints_them() {
        // Checked against Terraform 1.11: a blank line stays blank (without a prefix), `\r`
        // ends a line too, trailing blanks go, leading ones stay.
        let (lines, r) = run(
            &exec("echo a; echo; printf 'b  \\r\\nc\\rd'; echo '  e  '"),
            &[],
        )
        .await;
        r.unwrap();
        insta::assert_snapshot!(lines.join("\n"));
    }

    #[tokio::test]
    async fn a_failing_command_is_an_error_with_its_exit_status_and_output() {
        let (_, r) = run(&exec("echo out; echo more >&2; exit 3"), &[]).await;
        let e = r.unwrap_err();
        assert_eq!(e.summary, "local-exec provisioner error");
        assert_eq!(
            e.detail,
            "Error running command 'echo out; echo more >&2; exit 3': exit status 3. Output: out\nmore\n"
        );
        let (_, r) = run(&exec("false"), &[]).await;
        assert_eq!(
            r.unwrap_err().detail,
            "Error running command 'false': exit status 1. Output: "
        );
    }

    #[tokio::test]
    async fn the_error_keeps_only_the_end_of_long_output() {
        let (lines, r) = run(&exec("seq 1 5000; exit 1"), &[]).await;
        assert_eq!(lines.len(), 2 + 5000);
        let detail = r.unwrap_err().detail.clone();
        let output = detail.split(". Output: ").nth(1).unwrap();
        assert_eq!(output.len(), MAX_ERROR_OUTPUT);
        assert!(output.ends_with("4999\n5000\n"));
    }

    #[tokio::test]
    async fn environment_working_dir_and_interpreter_are_used() {
        let e = LocalExec {
            command: "echo \"$FOO-$HOME_IS_SET\"; pwd".into(),
            interpreter: Some(vec!["bash".into(), "-c".into()]),
            environment: [
                ("FOO".to_string(), "foo".to_string()),
                ("HOME_IS_SET".to_string(), "yes".to_string()),
            ]
            .into_iter()
            .collect(),
            working_dir: Some("/tmp".into()),
            quiet: false,
        };
        let (lines, r) = run(&e, &[]).await;
        r.unwrap();
        assert_eq!(
            lines[1],
            "null_resource.a (local-exec): Executing: [\"bash\" \"-c\" \"echo \\\"$FOO-$HOME_IS_SET\\\"; pwd\"]"
        );
        assert_eq!(
            lines[2..],
            [
                "null_resource.a (local-exec): foo-yes",
                "null_resource.a (local-exec): /tmp"
            ]
        );
    }

    #[tokio::test]
    async fn quiet_hides_the_command_but_not_its_output() {
        let e = LocalExec {
            quiet: true,
            ..exec("echo q")
        };
        let (lines, r) = run(&e, &[]).await;
        r.unwrap();
        assert_eq!(
            lines[1..],
            [
                "null_resource.a (local-exec): local-exec: Executing: Suppressed by quiet=true",
                "null_resource.a (local-exec): q",
            ]
        );
    }

    #[tokio::test]
    async fn sensitive_configuration_suppresses_output_and_is_masked_in_errors() {
        let (lines, r) = run(&exec("echo hunter2; exit 1"), &["hunter2"]).await;
        assert_eq!(
            lines[1..],
            [
                "null_resource.a (local-exec): (output suppressed due to sensitive value in config)",
                "null_resource.a (local-exec): (output suppressed due to sensitive value in config)",
            ]
        );
        assert_eq!(
            r.unwrap_err().detail,
            "Error running command 'echo (sensitive value); exit 1': exit status 1. Output: (sensitive value)\n"
        );
    }

    #[tokio::test]
    async fn commands_that_cannot_start_are_reported_in_gos_words() {
        let e = LocalExec {
            interpreter: Some(vec!["/nonexistent/sh".into(), "-c".into()]),
            ..exec("true")
        };
        let (_, r) = run(&e, &[]).await;
        assert_eq!(
            r.unwrap_err().detail,
            "Error running command 'true': fork/exec /nonexistent/sh: no such file or directory. Output: "
        );
        let e = LocalExec {
            interpreter: Some(vec!["no-such-shell-xyz".into()]),
            ..exec("true")
        };
        let (_, r) = run(&e, &[]).await;
        assert_eq!(
            r.unwrap_err().detail,
            "Error running command 'true': exec: \"no-such-shell-xyz\": executable file not found in $PATH. Output: "
        );
        let e = LocalExec {
            working_dir: Some("/no/such/dir".into()),
            ..exec("true")
        };
        let (_, r) = run(&e, &[]).await;
        assert_eq!(
            r.unwrap_err().detail,
            "Error running command 'true': chdir /no/such/dir: no such file or directory. Output: "
        );
        let (lines, r) = run(&exec(""), &[]).await;
        assert_eq!(
            r.unwrap_err().summary,
            "Invalid local-exec provisioner command"
        );
        assert_eq!(lines.len(), 1, "only the Provisioning line");
    }

    #[test]
    fn configuration_is_read_with_nulls_dropped_and_secrets_collected() {
        let obj = |pairs: Vec<(&str, Value)>| {
            Value::object(pairs.into_iter().map(|(k, v)| (Arc::from(k), v)).collect())
        };
        let config = obj(vec![
            ("command", Value::from("echo $TOKEN")),
            (
                "interpreter",
                Value::list(
                    Type::String,
                    vec!["/bin/bash".into(), Value::Null(Type::String), "-c".into()],
                ),
            ),
            ("working_dir", Value::from("")),
            (
                "environment",
                Value::map(
                    Type::String,
                    [
                        (Arc::from("TOKEN"), Value::from("s3cret").mark_sensitive()),
                        (Arc::from("UNSET"), Value::Null(Type::String)),
                    ]
                    .into_iter()
                    .collect(),
                ),
            ),
            ("quiet", Value::Null(Type::Bool)),
        ]);
        let (e, secrets) = LocalExec::from_config(&config).unwrap();
        assert_eq!(
            e,
            LocalExec {
                command: "echo $TOKEN".into(),
                interpreter: Some(vec!["/bin/bash".into(), "-c".into()]),
                environment: [("TOKEN".to_string(), "s3cret".to_string())]
                    .into_iter()
                    .collect(),
                working_dir: None,
                quiet: false,
            }
        );
        assert_eq!(secrets, ["s3cret"]);
        let sensitive_null = obj(vec![
            ("command", Value::from("true")),
            ("working_dir", Value::Null(Type::String).mark_sensitive()),
        ]);
        assert_eq!(LocalExec::from_config(&sensitive_null).unwrap().1, [""]);
        assert!(local_exec_schema().attributes["command"].required);
    }

    #[tokio::test]
    async fn a_provisioner_block_decodes_against_the_schema_and_runs() {
        use crate::eval::funcs::{builtins, FuncContext};
        use crate::eval::{Evaluator, NoNames, Scope};
        use crate::schema::{decode_body, BodyOrigin};
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            r#"resource "terraform_data" "a" {
  provisioner "local-exec" {
    command     = "echo $GREETING from $(basename $PWD)"
    environment = { GREETING = upper("hello") }
    working_dir = "/tmp"
  }
}
"#,
        )
        .unwrap();
        let mut sources = crate::diag::SourceMap::new();
        let (module, diags) = crate::config::load_module(dir.path(), &mut sources);
        assert!(diags.is_empty());
        let p = &module.resources[0].provisioners[0];
        let text = sources.file(p.file).text.clone();
        let fctx = FuncContext::default();
        let eval = |e: &crate::config::Expr| {
            Evaluator::new(builtins(), &fctx, e.file, &text).eval(&e.expr, &Scope::new(&NoNames))
        };
        let origin = BodyOrigin {
            file: p.file,
            header: p.span,
            context: "resource \"terraform_data\" \"a\"",
            sources: &sources,
        };
        let (config, diags) = decode_body(&p.body, &origin, local_exec_schema(), &eval);
        assert!(diags.is_empty(), "{diags:?}");
        let (e, secrets) = LocalExec::from_config(&config).unwrap();
        assert!(secrets.is_empty());
        let (lines, r) = run(&e, &[]).await;
        r.unwrap();
        assert_eq!(lines[2], "null_resource.a (local-exec): HELLO from tmp");
    }
}
