//! The `hashicorp/external` provider's `external` data source: runs `program` with the query as
//! a JSON object on stdin and reads a JSON object of strings from its stdout, with the errors
//! terraform-provider-external 2.3 gives.

use super::process::{exit_status_text, go_error, look_path, start_error, LookPathError};
use super::{attrs_of, data_source_schema, get, schema_of, EXTERNAL};
use crate::diag::Diagnostic;
use crate::provider::{ApplyRequest, BoxFuture, PlanRequest, PlanResponse, Provider};
use crate::schema::ProviderSchema;
use crate::value::{Attrs, Type, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How long an external program may run before bcmhcl stops it. The real provider waits
/// indefinitely; a hung program should not hang a cluster-wide plan.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// Shells the real provider falls back to (with `-i -c --`) when the program is not found on
/// `$PATH` and `$SHELL` is one of them.
const FALLBACK_SHELLS: &[&str] = &["bash", "fish", "zsh", "ksh", "ash", "sh", "dash"];

pub struct ExternalProvider {
    schema: &'static ProviderSchema,
    timeout: Duration,
}

impl ExternalProvider {
    pub fn new() -> ExternalProvider {
        ExternalProvider {
            schema: schema_of(EXTERNAL),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> ExternalProvider {
        self.timeout = timeout;
        self
    }
}

impl Default for ExternalProvider {
    fn default() -> Self {
        ExternalProvider::new()
    }
}

impl Provider for ExternalProvider {
    fn source(&self) -> &str {
        EXTERNAL
    }

    fn schema(&self) -> &ProviderSchema {
        self.schema
    }

    /// `program` must have at least one element (the provider's `SizeAtLeast(1)`).
    fn validate(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        if type_name != "external" {
            return Vec::new();
        }
        match get(config, "program").length() {
            Some(0) => vec![Diagnostic::error("Invalid Attribute Value")
                .detail("Attribute program list must contain at least 1 elements, got: 0")],
            _ => Vec::new(),
        }
    }

    fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, Diagnostic> {
        Err(no_resources(req.type_name))
    }

    fn apply<'a>(&'a self, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move { Err(no_resources(req.type_name)) })
    }

    fn read_data<'a>(
        &'a self,
        type_name: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            data_source_schema(self.schema, EXTERNAL, type_name)?;
            let (config, _) = config.unmark_deep();
            if !config.is_wholly_known() {
                return Err(Diagnostic::error("Invalid data source configuration").detail(
                    "The external data source cannot be read while its configuration has values that are known only after apply.",
                ));
            }
            let result = run(&config, self.timeout).await?;
            let mut out = attrs_of(&config);
            out.insert("result".into(), Value::map(Type::String, result));
            out.insert("id".into(), Value::from("-"));
            Ok(Value::object(out))
        })
    }
}

fn no_resources(type_name: &str) -> Diagnostic {
    Diagnostic::error("Invalid resource type").detail(format!(
        "The provider {EXTERNAL} does not support resource type {type_name:?}."
    ))
}

/// Runs the program of a (known, unmarked) `external` configuration and returns its result.
async fn run(config: &Value, timeout: Duration) -> Result<Attrs, Diagnostic> {
    // Null and empty elements are dropped, as the provider does.
    let program: Vec<String> = get(config, "program")
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
        .collect();
    let Some(first) = program.first() else {
        return Err(Diagnostic::error("External Program Missing").detail(
            "The data source was configured without a program to execute. Verify the configuration contains at least one non-empty value.",
        ));
    };
    // The query as a JSON object of strings; null values are left out (provider issue #208).
    let query = get(config, "query");
    let query: BTreeMap<&str, &str> = query
        .as_attrs()
        .map(|q| {
            q.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (&**k, s)))
                .collect()
        })
        .unwrap_or_default();
    let query_json = serde_json::to_vec(&query).unwrap_or_else(|_| b"{}".to_vec());

    let argv = resolve(first, &program)?;
    let path = argv[0].clone();
    let working_dir = get(config, "working_dir");
    let working_dir = working_dir
        .as_str()
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);

    let execution_failed =
        |message: String| Diagnostic::error("External Program Execution Failed").detail(message);
    let mut cmd = tokio::process::Command::new(&path);
    cmd.args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = &working_dir {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().map_err(|e| {
        execution_failed(format!(
            "The data source received an unexpected error while attempting to execute the program.\n\nThe program was executed, however it returned no additional error messaging.\n\nProgram: {path}\nState: {}",
            start_error(&path, working_dir.as_deref(), &e)
        ))
    })?;
    drop(cmd);
    let stdin = child.stdin.take();
    let write = async move {
        if let Some(mut stdin) = stdin {
            // A program that exits without reading its input is not an error.
            let _ = stdin.write_all(&query_json).await;
        }
    };
    let finished = async {
        let (_, output) = tokio::join!(write, child.wait_with_output());
        output
    };
    let output = match tokio::time::timeout(timeout, finished).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => {
            return Err(execution_failed(format!(
                "The data source received an unexpected error while attempting to execute the program.\n\nThe program was executed, however it returned no additional error messaging.\n\nProgram: {path}\nState: {}",
                go_error(&e)
            )))
        }
        Err(_) => {
            // Dropping the child kills it.
            return Err(execution_failed(format!(
                "The data source received an unexpected error while attempting to execute the program.\n\nThe program did not finish within {} seconds and was stopped.\n\nProgram: {path}",
                timeout.as_secs()
            )));
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let state = exit_status_text(&output.status);
        return Err(execution_failed(if stderr.is_empty() {
            format!(
                "The data source received an unexpected error while attempting to execute the program.\n\nThe program was executed, however it returned no additional error messaging.\n\nProgram: {path}\nState: {state}"
            )
        } else {
            format!(
                "The data source received an unexpected error while attempting to execute the program.\n\nProgram: {path}\nError Message: {stderr}\nState: {state}"
            )
        }));
    }
    parse_result(&output.stdout).map_err(|e| {
        Diagnostic::error("Unexpected External Program Results").detail(format!(
            "The data source received unexpected results after executing the program.\n\nProgram output must be a JSON encoded map of string keys and string values.\n\nIf the error is unclear, the output can be viewed by enabling Terraform's logging at TRACE level. Terraform documentation on logging: https://www.terraform.io/internals/debugging\n\nProgram: {path}\nResult Error: {e}"
        ))
    })
}

/// The program and arguments to run: the program as found on `$PATH`, or the user's shell
/// running the whole command line when it is not found there (the provider's fallback).
fn resolve(first: &str, program: &[String]) -> Result<Vec<String>, Diagnostic> {
    let found = match look_path(first) {
        Ok(p) => Ok(p.to_string_lossy().into_owned()),
        Err(LookPathError::NotFound(e)) => {
            let shell = std::env::var("SHELL").unwrap_or_default();
            let known_shell = FALLBACK_SHELLS
                .iter()
                .any(|s| shell.ends_with(&format!("/{s}")));
            if known_shell {
                return Ok(vec![
                    shell,
                    "-i".into(),
                    "-c".into(),
                    "--".into(),
                    program.join(" "),
                ]);
            }
            Err(e)
        }
        Err(LookPathError::Other(e)) => Err(e),
    };
    match found {
        Ok(path) => {
            let mut argv = vec![path];
            argv.extend(program[1..].iter().cloned());
            Ok(argv)
        }
        Err(e) => Err(Diagnostic::error("External Program Lookup Failed").detail(format!(
            "The data source received an unexpected error while attempting to parse the query. The data source received an unexpected error while attempting to find the program.\n\nThe program must be accessible according to the platform where Terraform is running.\n\nIf the expected program should be automatically found on the platform where Terraform is running, ensure that the program is in an expected directory. On Unix-based platforms, these directories are typically searched based on the '$PATH' environment variable. On Windows-based platforms, these directories are typically searched based on the '%PATH%' environment variable.\n\nIf the expected program is relative to the Terraform configuration, it is recommended that the program name includes the interpolated value of 'path.module' before the program name to ensure that it is compatible with varying module usage. For example: \"${{path.module}}/my-program\"\n\nThe program must also be executable according to the platform where Terraform is running. On Unix-based platforms, the file on the filesystem must have the executable bit set. On Windows-based platforms, no action is typically necessary.\n\nPlatform: linux\nProgram: {first}\nError: {e}"
        ))),
    }
}

/// The program's stdout as Go's `json.Unmarshal` into `map[string]string` reads it: a JSON
/// object of strings (a JSON null value reads as `""`, a null document as no entries). The
/// error is Go's wording where bcmhcl can tell.
fn parse_result(stdout: &[u8]) -> Result<Attrs, String> {
    use serde_json::Value as J;
    let doc: J = serde_json::from_slice(stdout).map_err(|e| json_syntax_error(stdout, &e))?;
    let kind = |j: &J| match j {
        J::Null => "null",
        J::Bool(_) => "bool",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    };
    match doc {
        J::Null => Ok(Attrs::new()),
        J::Object(m) => {
            let mut out = Attrs::new();
            for (k, v) in m {
                let s = match v {
                    J::String(s) => s,
                    J::Null => String::new(),
                    other => {
                        return Err(format!(
                            "json: cannot unmarshal {} into Go value of type string",
                            kind(&other)
                        ))
                    }
                };
                out.insert(Arc::from(k.as_str()), Value::string(s));
            }
            Ok(out)
        }
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type map[string]string",
            kind(&other)
        )),
    }
}

/// Go's messages for the common syntax errors; serde's otherwise.
fn json_syntax_error(input: &[u8], e: &serde_json::Error) -> String {
    let first = input.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => "unexpected end of JSON input".to_string(),
        Some(b)
            if !matches!(
                b,
                b'{' | b'[' | b'"' | b'-' | b't' | b'f' | b'n' | b'0'..=b'9'
            ) =>
        {
            format!(
                "invalid character {} looking for beginning of value",
                go_char(*b)
            )
        }
        Some(_) if e.is_eof() => "unexpected end of JSON input".to_string(),
        Some(_) => e.to_string(),
    }
}

/// A byte as Go's `quoteChar` writes it in JSON errors: `'x'`, `'\''`, `'\n'`.
fn go_char(b: u8) -> String {
    match b {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        b if b.is_ascii_graphic() || b == b' ' => format!("'{}'", b as char),
        b => {
            let q = crate::value::go_quote(&(b as char).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(program: &[&str], query: &[(&str, Value)], working_dir: Option<&str>) -> Value {
        let program = Value::list(
            Type::String,
            program.iter().map(|s| Value::from(*s)).collect(),
        );
        let query = if query.is_empty() {
            Value::Null(Type::map(Type::String))
        } else {
            Value::map(
                Type::String,
                query
                    .iter()
                    .map(|(k, v)| (Arc::from(*k), v.clone()))
                    .collect(),
            )
        };
        Value::object(
            [
                ("program".into(), program),
                ("query".into(), query),
                (
                    "working_dir".into(),
                    working_dir.map_or(Value::Null(Type::String), Value::from),
                ),
                ("result".into(), Value::Null(Type::map(Type::String))),
                ("id".into(), Value::Null(Type::String)),
            ]
            .into_iter()
            .collect(),
        )
    }

    async fn read(config: &Value) -> Result<Value, Diagnostic> {
        ExternalProvider::new().read_data("external", config).await
    }

    #[tokio::test]
    async fn the_program_reads_the_query_and_returns_a_json_object_of_strings() {
        let script = r#"q=$(cat); printf '{"query":"%s","dir":"%s","n":null}' "$(printf %s "$q" | sed 's/"/\\"/g')" "$(pwd)""#;
        let cfg = config(
            &["/bin/sh", "-c", script],
            &[
                ("b", "2".into()),
                ("a", "1".into()),
                ("gone", Value::Null(Type::String)),
            ],
            Some("/tmp"),
        );
        let v = read(&cfg).await.unwrap();
        let result = get(&v, "result");
        let r = result.as_attrs().unwrap();
        assert_eq!(r["query"].as_str(), Some(r#"{"a":"1","b":"2"}"#));
        assert_eq!(r["dir"].as_str(), Some("/tmp"));
        assert_eq!(
            r["n"].as_str(),
            Some(""),
            "a JSON null reads as an empty string"
        );
        assert_eq!(get(&v, "id").as_str(), Some("-"));
        assert_eq!(
            get(&v, "program").to_string(),
            get(&cfg, "program").to_string()
        );
    }

    #[tokio::test]
    async fn programs_are_found_on_the_path_and_empty_arguments_dropped() {
        let cfg = config(&["", "echo", "", "{\"a\":\"b\"}"], &[], None);
        let v = read(&cfg).await.unwrap();
        assert_eq!(get(&get(&v, "result"), "a").as_str(), Some("b"));
    }

    #[tokio::test]
    async fn a_failing_program_reports_its_stderr_and_exit_status() {
        let cfg = config(&["/bin/sh", "-c", "echo oops >&2; exit 3"], &[], None);
        let e = read(&cfg).await.unwrap_err();
        assert_eq!(e.summary, "External Program Execution Failed");
        assert_eq!(
            e.detail,
            "The data source received an unexpected error while attempting to execute the program.\n\nProgram: /bin/sh\nError Message: oops\n\nState: exit status 3"
        );
        let cfg = config(&["/bin/sh", "-c", "exit 1"], &[], None);
        let e = read(&cfg).await.unwrap_err();
        assert!(e.detail.contains(
            "The program was executed, however it returned no additional error messaging.\n\nProgram: /bin/sh\nState: exit status 1"
        ), "{}", e.detail);
    }

    #[tokio::test]
    async fn output_that_is_not_an_object_of_strings_is_refused_in_gos_words() {
        for (out, error) in [
            (
                "hello",
                "invalid character 'h' looking for beginning of value",
            ),
            ("", "unexpected end of JSON input"),
            (
                "{\"a\": 1}",
                "json: cannot unmarshal number into Go value of type string",
            ),
            (
                "{\"a\": [\"x\"]}",
                "json: cannot unmarshal array into Go value of type string",
            ),
            (
                "[1]",
                "json: cannot unmarshal array into Go value of type map[string]string",
            ),
            ("{\"a\": ", "unexpected end of JSON input"),
        ] {
            let cfg = config(&["printf", "%s", out], &[], None);
            let e = read(&cfg).await.unwrap_err();
            assert_eq!(e.summary, "Unexpected External Program Results");
            assert!(
                e.detail.ends_with(&format!("Result Error: {error}")),
                "{out}: {}",
                e.detail
            );
            assert!(e.detail.contains("\nProgram: /"), "the program's full path");
        }
        let v = read(&config(&["printf", "null"], &[], None)).await.unwrap();
        assert_eq!(get(&v, "result").length(), Some(0));
    }

    #[tokio::test]
    async fn missing_programs_and_directories_are_reported() {
        let e = read(&config(&["", ""], &[], None)).await.unwrap_err();
        assert_eq!(e.summary, "External Program Missing");
        let e = read(&config(&["./no/such/program"], &[], None))
            .await
            .unwrap_err();
        assert_eq!(e.summary, "External Program Lookup Failed");
        assert!(e.detail.ends_with(
            "Program: ./no/such/program\nError: exec: \"./no/such/program\": stat ./no/such/program: no such file or directory"
        ), "{}", e.detail);
        let e = read(&config(&["/bin/true"], &[], Some("/no/such/dir")))
            .await
            .unwrap_err();
        assert_eq!(e.summary, "External Program Execution Failed");
        assert!(
            e.detail
                .ends_with("State: chdir /no/such/dir: no such file or directory"),
            "{}",
            e.detail
        );
    }

    #[tokio::test]
    async fn a_program_that_runs_too_long_is_stopped() {
        let cfg = config(&["/bin/sh", "-c", "sleep 30"], &[], None);
        let started = std::time::Instant::now();
        let e = ExternalProvider::new()
            .with_timeout(Duration::from_millis(200))
            .read_data("external", &cfg)
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(e.detail.contains("did not finish within"), "{}", e.detail);
    }

    #[tokio::test]
    async fn unknown_configuration_and_resources_are_refused() {
        let mut cfg = attrs_of(&config(&["x"], &[], None));
        cfg.insert("program".into(), Value::Unknown(Type::list(Type::String)));
        let e = read(&Value::object(cfg)).await.unwrap_err();
        assert_eq!(e.summary, "Invalid data source configuration");
        let p = ExternalProvider::new();
        let empty = config(&[], &[], None);
        assert_eq!(p.validate("external", &empty).len(), 1);
        assert!(p
            .validate("external", &config(&["x"], &[], None))
            .is_empty());
        assert!(p
            .plan(PlanRequest {
                type_name: "external",
                prior: None,
                config: &empty
            })
            .is_err());
    }
}
