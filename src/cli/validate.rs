//! `bcmhcl validate [DIR]`: everything knowable without a headnode.

use super::inputs::{gather, VarFlag, VarFlags};
use super::terminal::{print_diagnostics, stdout_line};
use bcmhcl::config::{load_module_tree, ModuleTree};
use bcmhcl::diag::Diagnostics;
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
    let (tree, mut diags) = load_module_tree(&dir, &mut sources);
    let inputs = gather(&dir, flags, &mut sources, &mut diags);
    if !diags.has_errors() {
        let opts = EvalOptions {
            path_root: dir.clone(),
            path_cwd: dir.canonicalize().unwrap_or_else(|_| dir.clone()),
            ..EvalOptions::default()
        };
        let (_, more) = evaluate_module(&tree.module, &sources, &inputs, &opts);
        diags.extend(more);
        validate_children(&tree, &sources, &opts, &mut diags);
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

/// Called modules are validated too, as `terraform validate` does: with every input unknown
/// (their values depend on the caller), arguments checked against the child's variables.
fn validate_children(
    tree: &ModuleTree,
    sources: &SourceMap,
    opts: &EvalOptions,
    diags: &mut Diagnostics,
) {
    use bcmhcl::config::tfvars::Assigned;
    use bcmhcl::diag::Diagnostic;
    use bcmhcl::eval::module::{InputValue, RawInput};
    for (name, child) in &tree.children {
        let Some(call) = tree.module.module_calls.get(name) else {
            continue;
        };
        let context = format!("module {name:?}");
        for (input, e) in &call.inputs {
            if !child.module.variables.contains_key(input) {
                diags.push(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!("An argument named {input:?} is not expected here."))
                        .at(e.span())
                        .context(context.clone()),
                );
            }
        }
        for (var, decl) in &child.module.variables {
            if decl.default.is_none() && !call.inputs.contains_key(var) {
                diags.push(
                    Diagnostic::error("Missing required argument")
                        .detail(format!(
                            "The argument {var:?} is required, but no definition was found."
                        ))
                        .at(call.span)
                        .context(context.clone()),
                );
            }
        }
        let inputs: Vec<RawInput> = call
            .inputs
            .iter()
            .filter(|(input, _)| child.module.variables.contains_key(*input))
            .map(|(input, e)| RawInput {
                name: input.clone(),
                value: InputValue::Assigned(Assigned::Value(
                    bcmhcl::value::Value::unknown(),
                    e.span(),
                )),
            })
            .collect();
        let child_opts = EvalOptions {
            path_module: child.path_module.clone(),
            ..opts.clone()
        };
        let (_, more) = evaluate_module(&child.module, sources, &inputs, &child_opts);
        // A missing argument is reported once, at the call, not again as a missing variable.
        diags.extend(Diagnostics(
            more.0
                .into_iter()
                .filter(|d| d.summary != "No value for required variable")
                .collect(),
        ));
        validate_children(child, sources, &child_opts, diags);
    }
}
