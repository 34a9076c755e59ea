//! `bcmhcl show [-json] [PLANFILE | STATEFILE]`: the state or a saved plan, like
//! `terraform show`: the human layouts, or state JSON (format 1.0) and plan JSON (format 1.2).

use super::apply::Schemas;
use super::plan::VERSION;
use super::terminal::{print_diagnostics, stdout_line};
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use bcmhcl::plan::saved::{open_plan_bytes, PlanFileProblem, SavedPlan, SavedPlanError};
use bcmhcl::render::plan::{
    render_plan_human, render_plan_json_with, render_state_human, render_state_json, JsonOptions,
};
use bcmhcl::render::ui_json::go_escape;
use bcmhcl::state::{encryption, open_state_bytes, Content, State};
use bcmhcl::value::value_to_json;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// A plan saved with `bcmhcl plan -out=FILE`, or a state file; the current state when
    /// omitted.
    pub path: Option<PathBuf>,
    /// Print plan JSON or state JSON, as `terraform show -json` does.
    #[arg(long)]
    pub json: bool,
    /// Plain text without colour.
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// The state file to show when no path is given (default: terraform.tfstate).
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// What a path given to `show` holds.
enum Shown {
    Plan(Box<SavedPlan>),
    State(Option<State>),
}

fn fail(args: &ShowArgs, d: Diagnostic) -> ExitCode {
    print_diagnostics(&Diagnostics(vec![d]), &SourceMap::new(), args.no_color);
    ExitCode::from(1)
}

/// A saved plan, or else a state file, as Terraform's `show` accepts either; an encrypted one
/// is opened with the state key (its header says which of the two it is).
fn read_path(path: &Path) -> Result<Shown, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|source| {
        SavedPlanError::Read {
            path: path.to_path_buf(),
            source,
        }
        .to_diagnostic()
    })?;
    let key = super::state_key::from_env()?;
    if encryption::is_sealed(&bytes) && encryption::sealed_content(&bytes) == Ok(Content::State) {
        let (text, _) =
            open_state_bytes(path, bytes, key.as_ref()).map_err(|e| e.to_diagnostic())?;
        return State::from_json(&text)
            .map(|s| Shown::State(Some(s)))
            .map_err(|e| e.to_diagnostic());
    }
    let text = open_plan_bytes(path, bytes, key.as_ref()).map_err(|e| e.to_diagnostic())?;
    match SavedPlan::from_json(&text) {
        Ok(p) => Ok(Shown::Plan(Box::new(p))),
        Err(PlanFileProblem::NotAPlan(reason)) => match State::from_json(&text) {
            Ok(s) => Ok(Shown::State(Some(s))),
            Err(_) => Err(SavedPlanError::Problem {
                path: path.to_path_buf(),
                problem: PlanFileProblem::NotAPlan(format!("{reason}; nor is it a state file")),
            }
            .to_diagnostic()),
        },
        Err(problem) => Err(SavedPlanError::Problem {
            path: path.to_path_buf(),
            problem,
        }
        .to_diagnostic()),
    }
}

/// JSON as Terraform prints it: one line, Go's escapes.
fn print_json(doc: &serde_json::Value) {
    stdout_line(&go_escape(&serde_json::to_string(doc).unwrap_or_default()));
}

pub fn run(args: ShowArgs) -> ExitCode {
    let shown = match &args.path {
        Some(path) => match read_path(path) {
            Ok(s) => s,
            Err(d) => return fail(&args, d),
        },
        None => {
            let store =
                match super::backend::open_store_of_module(Path::new("."), args.state.as_deref()) {
                    Ok(s) => s,
                    Err(d) => return fail(&args, d),
                };
            match store.load() {
                Ok(s) => Shown::State(s),
                Err(e) => return fail(&args, e.to_diagnostic()),
            }
        }
    };
    let providers = bcmhcl::provider::builtin::registry();
    let schemas = Schemas(&providers);
    let color =
        !args.no_color && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match (shown, args.json) {
        (Shown::State(state), false) => {
            let text = render_state_human(state.as_ref(), &schemas, color);
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
        (Shown::State(state), true) => print_json(&render_state_json(state.as_ref(), &schemas)),
        (Shown::Plan(saved), false) => {
            let text = render_plan_human(&saved.plan, &schemas, color);
            stdout_line(text.trim_end());
        }
        (Shown::Plan(saved), true) => {
            let variables: serde_json::Map<String, serde_json::Value> = saved
                .variables
                .iter()
                .map(|(name, v)| {
                    let value = value_to_json(&v.unmark_deep().0).unwrap_or_default();
                    (name.clone(), serde_json::json!({ "value": value }))
                })
                .collect();
            let opts = JsonOptions {
                terraform_version: VERSION.to_string(),
                variables: Some(serde_json::Value::Object(variables)),
                timestamp: saved.timestamp.clone(),
                ..JsonOptions::default()
            };
            print_json(&render_plan_json_with(&saved.plan, &schemas, &opts));
        }
    }
    ExitCode::SUCCESS
}
