//! `bcmhcl validate [DIR]`: everything knowable without a headnode.

use super::inputs::{gather, VarFlag, VarFlags};
use super::terminal::{print_diagnostics, stdout_line};
use bcmhcl::config::load_module;
use bcmhcl::diag::SourceMap;
use bcmhcl::eval::module::{evaluate_module, EvalOptions};
use bcmhcl::render::validate_json;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The module directory (default: the current directory).
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarFlags,
    /// Print Terraform's `validate -json` document on stdout.
    #[arg(long)]
    pub json: bool,
    /// Plain text diagnostics without colour (Terraform's layout).
    #[arg(long = "no-color")]
    pub no_color: bool,
}

pub fn run(args: ValidateArgs, flags: &[VarFlag]) -> ExitCode {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut sources = SourceMap::new();
    let (module, mut diags) = load_module(&dir, &mut sources);
    let inputs = gather(&dir, flags, &mut sources, &mut diags);
    if !diags.has_errors() {
        let opts = EvalOptions {
            path_root: dir.clone(),
            path_cwd: dir.canonicalize().unwrap_or_else(|_| dir.clone()),
            ..EvalOptions::default()
        };
        let (_, more) = evaluate_module(&module, &sources, &inputs, &opts);
        diags.extend(more);
    }
    if args.json {
        let doc = validate_json(&diags, &sources);
        stdout_line(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print_diagnostics(&diags, &sources, args.no_color);
        if !diags.has_errors() {
            if diags.is_empty() {
                stdout_line("Success! The configuration is valid.");
            } else {
                stdout_line("Success! The configuration is valid, but there were some validation warnings as shown above.");
            }
        }
    }
    if diags.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
