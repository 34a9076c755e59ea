//! `bcmhcl apply [DIR | PLANFILE]`: plan, confirm, then apply in dependency order, writing the
//! state after every finished operation. With a saved plan (`bcmhcl plan -out=FILE`) it applies
//! that plan without asking, after checking that the state and configuration are still the
//! ones it was made from; `-json` writes Terraform's machine-readable UI.

use super::inputs::VarFlag;
use super::plan::{load_root, report, VERSION};
use super::root::{Root, RunFlags};
use super::terminal::stdout_line;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use bcmhcl::exec::apply::{ApplyExecutor, Reporter, StdoutReporter};
use bcmhcl::plan::actions::ActionInstance;
use bcmhcl::plan::build::Executor;
use bcmhcl::plan::build::{build_plan, walk_module};
use bcmhcl::plan::saved::{configuration_hash, SavedPlan};
use bcmhcl::plan::{ActionInvocation, Plan};
use bcmhcl::render::ui_json::{self, ApplyProgress, JsonUi, SystemClock};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunFlags,
    /// Apply without asking for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Destroy every object in the state.
    #[arg(long)]
    pub destroy: bool,
    /// Replace this instance even if unchanged (repeatable).
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Print Terraform's machine-readable UI: one JSON object per line (needs -auto-approve
    /// or a saved plan).
    #[arg(long)]
    pub json: bool,
    /// Invoke this action (`action.TYPE.NAME` or one instance of it) instead of applying
    /// changes (Terraform 1.14's -invoke; repeatable).
    #[arg(long = "invoke", value_name = "ACTION")]
    pub invoke: Vec<String>,
}

/// `-invoke`: the action instances the patterns name, each an error if it names none.
fn invoked_actions(
    actions: &[ActionInstance],
    patterns: &[String],
) -> Result<Vec<ActionInstance>, Diagnostic> {
    let mut out: Vec<ActionInstance> = Vec::new();
    for pattern in patterns {
        let found: Vec<&ActionInstance> =
            actions.iter().filter(|a| a.addr.matches(pattern)).collect();
        if found.is_empty() {
            let known: Vec<String> = actions.iter().map(|a| a.addr.to_string()).collect();
            return Err(Diagnostic::error("No such action").detail(format!(
                "-invoke={pattern} names no action of the configuration.{}",
                if known.is_empty() {
                    " The configuration declares no actions.".to_string()
                } else {
                    format!(" Declared: {}.", known.join(", "))
                }
            )));
        }
        for a in found {
            if !a.config.is_wholly_known() {
                return Err(Diagnostic::error("Action configuration not known yet")
                    .detail(format!(
                        "{} depends on values that are known only after apply: run bcmhcl apply first, then invoke it.",
                        a.addr
                    ))
                    .at(a.span));
            }
            if !out.iter().any(|o| o.addr == a.addr) {
                out.push(a.clone());
            }
        }
    }
    Ok(out)
}

/// Schemas for the plan renderer, from the run's providers.
pub(super) struct Schemas<'a>(pub &'a bcmhcl::provider::ProviderRegistry);

impl bcmhcl::render::plan::SchemaLookup for Schemas<'_> {
    fn resource_schema(
        &self,
        _provider: &str,
        mode: bcmhcl::config::ResourceMode,
        type_name: &str,
    ) -> Option<&bcmhcl::schema::ResourceSchema> {
        let p = self
            .0
            .for_type(type_name, bcmhcl::diag::Span::default())
            .ok()?;
        match mode {
            bcmhcl::config::ResourceMode::Managed => p.schema().resource_schemas.get(type_name),
            bcmhcl::config::ResourceMode::Data => p.schema().data_source_schemas.get(type_name),
        }
    }
}

/// The human plan for `root`, after what `moved` and `removed` blocks did.
pub fn render_plan(root: &Root, plan: &Plan) -> String {
    let mut notes = String::new();
    for n in &root.refactor_notes {
        notes.push_str(&format!("\n  # {n}"));
    }
    notes + &render_plan_only(root, plan)
}

fn render_plan_only(root: &Root, plan: &Plan) -> String {
    let color =
        !root.no_color && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    bcmhcl::render::plan::render_plan_human(plan, &Schemas(&root.providers), color)
}

/// Progress on the JSON UI: the executor's lines read back into hook messages.
struct JsonReporter<'a> {
    ui: JsonUi<'a>,
    progress: ApplyProgress,
}

impl Reporter for JsonReporter<'_> {
    fn line(&mut self, text: &str) {
        let now = self.ui.clock().monotonic();
        let messages = self.progress.line(text, now);
        self.ui.emit_all(messages);
    }
}

impl JsonReporter<'_> {
    /// Hooks for what never finished (the failures).
    fn finish(&mut self) {
        let now = self.ui.clock().monotonic();
        let messages = self.progress.finish(now);
        self.ui.emit_all(messages);
    }
}

/// `apply FILE`: the saved plan, after refusing the flags that would change it.
fn saved_plan(args: &ApplyArgs, ordered: &[VarFlag]) -> Result<Option<SavedPlan>, Diagnostic> {
    // Anything but a directory is a plan file, so that a missing one says so.
    let Some(path) = args.run.dir.as_ref().filter(|p| !p.is_dir()) else {
        return Ok(None);
    };
    let key = super::state_key::from_env()?;
    let saved = SavedPlan::read_with(path, key.as_ref()).map_err(|e| e.to_diagnostic())?;
    if !ordered.is_empty() {
        return Err(Diagnostic::error("Can't set variables when applying a saved plan").detail(
            "The -var and -var-file options cannot be used when applying a saved plan file, because a saved plan includes the variable values that were set when it was created.",
        ));
    }
    if args.destroy || !args.replace.is_empty() {
        return Err(Diagnostic::error("Invalid arguments for a saved plan").detail(
            "The -destroy and -replace options cannot be used when applying a saved plan file: give them to bcmhcl plan instead.",
        ));
    }
    Ok(Some(saved))
}

pub fn run(args: ApplyArgs, ordered: &[VarFlag]) -> ExitCode {
    let clock = SystemClock::new();
    let mut ui = args.json.then(|| JsonUi::new(std::io::stdout(), &clock));
    if let Some(ui) = ui.as_mut() {
        ui.emit(&ui_json::version(VERSION));
    }
    let sourceless = |ui: Option<&mut JsonUi>, d: Diagnostic| {
        report(
            ui,
            &Diagnostics(vec![d]),
            &SourceMap::new(),
            args.run.no_color,
        );
        ExitCode::from(1)
    };
    let saved = match saved_plan(&args, ordered) {
        Ok(s) => s,
        Err(d) => return sourceless(ui.as_mut(), d),
    };
    if args.json && !args.auto_approve && saved.is_none() {
        return sourceless(
            ui.as_mut(),
            Diagnostic::error("Plan file or auto-approve required").detail(
                "bcmhcl cannot ask for interactive approval when -json is set. You can either apply a saved plan file, or enable the -auto-approve option.",
            ),
        );
    }
    let mut flags = args.run.clone();
    if saved.is_some() {
        // The configuration is the working directory's, as for Terraform's `apply PLANFILE`.
        flags.dir = None;
    }
    let mut root = match load_root(&flags, ordered, ui.as_mut()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Some(s) = &saved {
        root.inputs = s.inputs();
        let hash = configuration_hash(&root.tree.module, &root.sources);
        if let Err(d) = s.check_applicable(&root.state, &hash) {
            return sourceless(ui.as_mut(), d);
        }
    }
    let ctx = root.plan_context();
    let opts = match &saved {
        Some(s) => bcmhcl::plan::build::PlanOptions {
            parallelism: args.run.parallelism,
            ..s.options.clone()
        },
        None => {
            match super::root::plan_options(&root, &ctx, &args.run, args.destroy, &args.replace) {
                Some(o) => o,
                None => return ExitCode::from(1),
            }
        }
    };
    let (result, mut plan_diags) = build_plan(&ctx, &opts);
    let Some(mut result) = result else {
        report(ui.as_mut(), &plan_diags, &root.sources, root.no_color);
        return ExitCode::from(1);
    };
    if let Some(s) = &saved {
        // Nothing is changed unless the plan is still the reviewed one.
        if let Err(d) = s.check_same_actions(&result.plan) {
            plan_diags.push(d);
            report(ui.as_mut(), &plan_diags, &root.sources, root.no_color);
            return ExitCode::from(1);
        }
    }
    let invoking = if args.invoke.is_empty() {
        None
    } else {
        match invoked_actions(&result.actions, &args.invoke) {
            Ok(actions) => {
                // Only the actions run: no resource or output changes.
                result.plan.resource_changes.clear();
                result.plan.output_changes.clear();
                result.plan.action_invocations = actions
                    .iter()
                    .map(|a| ActionInvocation {
                        addr: a.addr.clone(),
                        triggered_by: None,
                    })
                    .collect();
                Some(actions)
            }
            Err(d) => {
                plan_diags.push(d);
                report(ui.as_mut(), &plan_diags, &root.sources, root.no_color);
                return ExitCode::from(1);
            }
        }
    };
    report(ui.as_mut(), &plan_diags, &root.sources, root.no_color);
    match (ui.as_mut(), &saved) {
        // A saved plan was shown and reviewed when it was made.
        (_, Some(_)) => {}
        (Some(ui), None) => ui.emit_all(ui_json::plan_messages(&result.plan)),
        (None, None) => {
            stdout_line(render_plan(&root, &result.plan).trim_end());
            if !args.auto_approve && !result.plan.is_empty() {
                if !std::io::stdin().is_terminal() {
                    eprintln!("Error: bcmhcl apply needs confirmation: run it in a terminal and answer \"yes\", or pass -auto-approve.");
                    return ExitCode::from(1);
                }
                print!("\nDo you want to perform these actions?\n  bcmhcl will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
                let _ = std::io::stdout().flush();
                let mut answer = String::new();
                let _ = std::io::stdin().lock().read_line(&mut answer);
                if answer.trim() != "yes" {
                    eprintln!("\nError: Apply cancelled.");
                    return ExitCode::from(1);
                }
            }
            stdout_line("");
        }
    }
    let secrets = sensitive_strings(&result.values);
    let mut stdout_reporter = StdoutReporter;
    let mut json_reporter = ui.is_some().then(|| JsonReporter {
        ui: JsonUi::new(std::io::stdout(), &clock),
        progress: ApplyProgress::new(result.plan.resource_changes.iter().map(|c| c.addr.clone())),
    });
    // On a terminal, a live view of what is in flight; elsewhere Terraform's plain lines.
    let mut live = (json_reporter.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("BCMHCL_NO_LIVE").is_none())
    .then(super::live::LiveReporter::new);
    let reporter: &mut (dyn Reporter + Send) = match (json_reporter.as_mut(), live.as_mut()) {
        (Some(r), _) => r,
        (None, Some(l)) => l,
        (None, None) => &mut stdout_reporter,
    };
    let mut exec = ApplyExecutor::new(
        &root.providers,
        root.runtime.handle(),
        root.state.clone(),
        &*root.store,
        reporter,
        secrets,
    );
    // BCMHCL_PROGRESS_SECONDS: how often "Still creating..." is printed (Terraform: 10).
    if let Some(secs) = std::env::var("BCMHCL_PROGRESS_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        if secs > 0.0 {
            exec.progress_every = std::time::Duration::from_secs_f64(secs);
        }
    }
    // The first Ctrl-C starts nothing new and lets operations in flight finish; the second
    // abandons their waits. Either way the state records everything that finished.
    let (abandon_tx, abandon_rx) = tokio::sync::watch::channel(false);
    exec.abandon_on(abandon_rx);
    let stop = root.stop.clone();
    let interrupts = root.runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        eprintln!("\nInterrupt received.\nPlease wait for bcmhcl to exit: operations in flight finish and are recorded in the state.\nGracefully shutting down...");
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nTwo interrupts received. Abandoning the waits in flight; the state keeps every finished operation.");
            let _ = abandon_tx.send(true);
        }
    });
    let (applied, diags) = match &invoking {
        Some(actions) => {
            let mut diags = Diagnostics::new();
            for a in actions {
                if let Err(d) = exec.invoke_action(a, None) {
                    diags.push(d.address(a.addr.to_string()));
                }
            }
            (None, diags)
        }
        None => walk_module(&ctx, &opts, Some(&exec)),
    };
    interrupts.abort();
    let interrupted = root.stop.load(std::sync::atomic::Ordering::SeqCst);
    let counts = exec.applied();
    let provisioned = exec.provisioned();
    let mut state = exec.into_state();
    if let Some(l) = live.as_mut() {
        l.finish();
    }
    // The walk plans again: what the plan already reported is not reported twice.
    let mut diags = Diagnostics(
        diags
            .0
            .into_iter()
            .filter(|d| !plan_diags.0.contains(d))
            .collect(),
    );
    if let Some(applied) = &applied {
        // Unknown or null outputs are not stored (as in Terraform); a destroy removes them all.
        state.outputs = applied
            .values
            .outputs
            .iter()
            .filter(|(_, v)| !opts.destroy && v.is_wholly_known() && !v.is_null())
            .map(|(k, v)| {
                (
                    k.clone(),
                    bcmhcl::state::OutputState {
                        value: v.unmark_deep().0,
                        sensitive: v.contains_sensitive(),
                    },
                )
            })
            .collect();
        if let Err(e) = root.store.save(&mut state) {
            diags.push(e.to_diagnostic());
        }
    }
    let final_outputs = std::mem::take(&mut state.outputs);
    if let Some(r) = json_reporter.as_mut() {
        r.finish();
    }
    if !provisioned.is_empty() && ui.is_none() {
        stdout_line(&format!(
            "\n{}",
            bcmhcl::exec::apply::provisioning_summary(&provisioned).trim_end()
        ));
    }
    report(ui.as_mut(), &diags, &root.sources, root.no_color);
    if interrupted {
        eprintln!("Apply interrupted: the state records every operation that finished; run apply again to go on.");
        return ExitCode::from(130);
    }
    if diags.has_errors() {
        return ExitCode::from(1);
    }
    if let Some(ui) = ui.as_mut() {
        let n = ui_json::ChangeCounts {
            add: counts.added,
            change: counts.changed,
            import: 0,
            remove: counts.destroyed,
        };
        if opts.destroy {
            ui.emit(&ui_json::change_summary(n, ui_json::Operation::Destroy));
        } else {
            ui.emit(&ui_json::change_summary(n, ui_json::Operation::Apply));
            ui.emit(&ui_json::outputs(&final_outputs));
        }
        return ExitCode::SUCCESS;
    }
    stdout_line(&format!(
        "\nApply complete! Resources: {} added, {} changed, {} destroyed.{}",
        counts.added,
        counts.changed,
        counts.destroyed,
        match counts.actions {
            0 => String::new(),
            n => format!(" Actions: {n} invoked."),
        }
    ));
    if let Some(applied) = applied.filter(|_| !opts.destroy) {
        if !applied.values.outputs.is_empty() {
            stdout_line("\nOutputs:\n");
            let mut outputs: Vec<_> = applied.values.outputs.iter().collect();
            outputs.sort_by(|a, b| a.0.cmp(b.0));
            for (name, v) in outputs {
                let shown = if v.contains_sensitive() {
                    "<sensitive>".to_string()
                } else {
                    v.to_string()
                };
                stdout_line(&format!("{name} = {shown}"));
            }
        }
    }
    ExitCode::SUCCESS
}

/// The string values of sensitive variables, masked wherever provisioner output is printed.
fn sensitive_strings(values: &bcmhcl::eval::module::ModuleValues) -> Vec<String> {
    values
        .variables
        .values()
        .filter(|v| v.is_sensitive())
        .filter_map(|v| v.unmark().0.as_str().map(str::to_string))
        .filter(|s| !s.is_empty())
        .collect()
}
