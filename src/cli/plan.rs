//! `bcmhcl plan [DIR]`: what apply would do, printed as Terraform prints it.

use super::inputs::VarFlag;
use super::root::{Root, RunFlags};
use super::terminal::stdout_line;
use bcmhcl::plan::build::{build_plan, PlanContext};
use clap::Args;
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
}

pub fn run(args: PlanArgs, ordered: &[VarFlag]) -> ExitCode {
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
    let text = super::apply::render_plan(&root, &result.plan);
    stdout_line(text.trim_end());
    if args.detailed_exitcode && !result.plan.is_empty() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
