//! `bcmhcl plan [DIR]`: what apply would do, printed as Terraform prints it, or as Terraform's
//! JSON UI with `-json`; `-out=FILE` saves it for `bcmhcl apply FILE`.

use super::inputs::VarFlag;
use super::root::{Root, RunFlags};
use super::terminal::{print_diagnostics, stdout_line};
use bcmhcl::diag::{Diagnostics, SourceMap};
use bcmhcl::plan::build::{build_plan, PlanOptions, PlanResult};
use bcmhcl::plan::saved::{configuration_hash, PriorState, SavedPlan};
use bcmhcl::render::ui_json::{self, JsonUi, SystemClock};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub run: RunFlags,
    /// Plan to destroy every object in the state.
    #[arg(long)]
    pub destroy: bool,
    /// Replace this instance even if unchanged (repeatable): -replace='terraform_data.x["a"]'.
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on errors.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Save the plan to FILE, to apply exactly it later with `bcmhcl apply FILE`.
    #[arg(long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print Terraform's machine-readable UI: one JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// The bcmhcl version the JSON UI and saved plans name.
pub(super) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Diagnostics on the JSON UI when there is one, else on stderr.
pub(super) fn report(
    ui: Option<&mut JsonUi>,
    diags: &Diagnostics,
    sources: &SourceMap,
    no_color: bool,
) {
    match ui {
        Some(ui) => ui.emit_all(ui_json::diagnostics(diags, sources)),
        None => print_diagnostics(diags, sources, no_color),
    }
}

/// Loads the root module, its inputs and state, reporting problems on the JSON UI if any.
pub(super) fn load_root(
    flags: &RunFlags,
    ordered: &[VarFlag],
    ui: Option<&mut JsonUi>,
) -> Result<Root, ExitCode> {
    match ui {
        Some(ui) => Root::load_reporting(flags, ordered, &mut |diags, sources| {
            ui.emit_all(ui_json::diagnostics(diags, sources))
        }),
        None => Root::load(flags, ordered),
    }
}

/// Saves `result` to `path` as a plan for `bcmhcl apply FILE`.
fn save(
    root: &Root,
    result: &PlanResult,
    opts: &PlanOptions,
    path: &Path,
) -> Result<(), bcmhcl::diag::Diagnostic> {
    let saved = SavedPlan {
        plan: result.plan.clone(),
        variables: result.values.variables.clone(),
        prior: PriorState::of(&root.state),
        configuration_hash: configuration_hash(&root.tree.module, &root.sources),
        options: opts.clone(),
        bcmhcl_version: VERSION.to_string(),
        timestamp: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    };
    // Sealed with the state's key: the plan holds the same secrets as the state.
    saved
        .write_with(path, root.store.encryption())
        .map_err(|e| e.to_diagnostic())
}

pub fn run(mut args: PlanArgs, ordered: &[VarFlag]) -> ExitCode {
    args.run.operation = super::root::Operation::Plan;
    let clock = SystemClock::new();
    let mut ui = args.json.then(|| JsonUi::new(std::io::stdout(), &clock));
    if let Some(ui) = ui.as_mut() {
        ui.emit(&ui_json::version(VERSION));
    }
    let root = match load_root(&args.run, ordered, ui.as_mut()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let ctx = root.plan_context();
    let opts = match super::root::plan_options(&root, &ctx, &args.run, args.destroy, &args.replace)
    {
        Some(o) => o,
        None => return ExitCode::from(1),
    };
    let (result, mut diags) = build_plan(&ctx, &opts);
    let Some(result) = result else {
        report(ui.as_mut(), &diags, &root.sources, root.no_color);
        return ExitCode::from(1);
    };
    match ui.as_mut() {
        Some(ui) => ui.emit_all(ui_json::plan_messages(&result.plan)),
        None => {
            root.report(&diags);
            diags = Diagnostics::new();
            let text = super::apply::render_plan(&root, &result.plan);
            stdout_line(text.trim_end());
        }
    }
    if let Some(path) = &args.out {
        if let Err(d) = save(&root, &result, &opts, path) {
            diags.push(d);
            report(ui.as_mut(), &diags, &root.sources, root.no_color);
            return ExitCode::from(1);
        }
        if ui.is_none() {
            let shown = path.display().to_string();
            stdout_line(&format!(
                "\nSaved the plan to: {shown}\n\nTo perform exactly these actions, run the following command to apply:\n    bcmhcl apply {}",
                bcmhcl::value::go_quote(&shown)
            ));
        }
    }
    report(ui.as_mut(), &diags, &root.sources, root.no_color);
    if args.detailed_exitcode && !result.plan.is_empty() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
