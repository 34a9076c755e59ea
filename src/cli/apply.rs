//! `bcmhcl apply [DIR]`: plan, confirm, then apply in dependency order, writing the state after
//! every finished operation.

use super::inputs::VarFlag;
use super::root::{Root, RunFlags};
use super::terminal::stdout_line;
use bcmhcl::exec::apply::{ApplyExecutor, StdoutReporter};
use bcmhcl::plan::build::{build_plan, walk_module, PlanContext};
use bcmhcl::plan::Plan;
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
}

/// Schemas for the plan renderer, from the run's providers.
struct Schemas<'a>(&'a bcmhcl::provider::ProviderRegistry);

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

/// The human plan for `root`.
pub fn render_plan(root: &Root, plan: &Plan) -> String {
    let color =
        !root.no_color && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    bcmhcl::render::plan::render_plan_human(plan, &Schemas(&root.providers), color)
}

pub fn run(args: ApplyArgs, ordered: &[VarFlag]) -> ExitCode {
    let root = match Root::load(&args.run, ordered) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let ctx = PlanContext {
        tree: &root.tree,
        sources: &root.sources,
        inputs: &root.inputs,
        eval: &root.eval,
        prior: &root.state,
        providers: &root.providers,
        read_data: &|p, t, c| root.runtime.block_on(p.read_data(t, c)),
    };
    let opts = match super::root::plan_options(&root, &ctx, &args.run, args.destroy, &args.replace)
    {
        Some(o) => o,
        None => return ExitCode::from(1),
    };
    let (result, diags) = build_plan(&ctx, &opts);
    root.report(&diags);
    let Some(result) = result else {
        return ExitCode::from(1);
    };
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
    let secrets = sensitive_strings(&result.values);
    let mut reporter = StdoutReporter;
    let mut exec = ApplyExecutor::new(
        &root.providers,
        root.runtime.handle(),
        root.state.clone(),
        &root.store,
        &mut reporter,
        secrets,
    );
    let (applied, diags) = walk_module(&ctx, &opts, Some(&mut exec));
    let mut diags = diags;
    if let Some(applied) = &applied {
        exec.state.outputs = applied
            .values
            .outputs
            .iter()
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
        if let Err(e) = root.store.save(&mut exec.state) {
            diags.push(e.to_diagnostic());
        }
    }
    root.report(&diags);
    let counts = exec.applied;
    if diags.has_errors() {
        return ExitCode::from(1);
    }
    stdout_line(&format!(
        "\nApply complete! Resources: {} added, {} changed, {} destroyed.",
        counts.added, counts.changed, counts.destroyed
    ));
    if let Some(applied) = applied {
        if !applied.values.outputs.is_empty() {
            stdout_line("\nOutputs:\n");
            for (name, v) in &applied.values.outputs {
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
