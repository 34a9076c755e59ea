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
    /// Answer the BCM data sources from this file (`bcmhcl inventory export`), so that the
    /// images, networks and categories a module names are checked with no headnode.
    #[arg(long = "inventory", value_name = "FILE")]
    pub inventory: Option<PathBuf>,
}

/// Data sources during validation: read from the offline inventory when one is given (only
/// providers that answer offline do), unknown otherwise, as `terraform validate` leaves them.
struct ValidateReader {
    runtime: Option<tokio::runtime::Runtime>,
}

impl bcmhcl::plan::build::DataReader for ValidateReader {
    fn read(
        &self,
        provider: &dyn bcmhcl::provider::Provider,
        type_name: &str,
        config: &bcmhcl::value::Value,
    ) -> Result<bcmhcl::value::Value, bcmhcl::diag::Diagnostic> {
        let unknown = || {
            provider
                .schema()
                .data_source_schemas
                .get(type_name)
                .map(|s| bcmhcl::plan::build::planned_unknown(&s.block))
                .unwrap_or_else(bcmhcl::value::Value::unknown)
        };
        match &self.runtime {
            Some(rt) if provider.source() == super::providers::OFFLINE_SOURCE => {
                rt.block_on(provider.read_data(type_name, config))
            }
            _ => Ok(unknown()),
        }
    }

    fn import(
        &self,
        _provider: &dyn bcmhcl::provider::Provider,
        _type_name: &str,
        _id: &str,
    ) -> Result<bcmhcl::value::Value, bcmhcl::diag::Diagnostic> {
        Ok(bcmhcl::value::Value::unknown())
    }
}

/// Plans the module against an empty state without touching anything: checks every resource
/// and data source body against its provider's schema and runs the conditions that the
/// (offline) data can decide.
fn validate_walk(
    tree: &ModuleTree,
    sources: &SourceMap,
    inputs: &[bcmhcl::eval::module::RawInput],
    opts: &EvalOptions,
    inventory: Option<&std::path::Path>,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let providers = super::providers::provider_registry(
        tree,
        sources,
        inputs,
        opts,
        inventory,
        super::providers::Purpose::Validate,
        &mut diags,
    );
    let runtime = match inventory {
        Some(_) => match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => Some(rt),
            Err(e) => {
                diags.push(bcmhcl::diag::Diagnostic::error(format!(
                    "cannot start the async runtime: {e}"
                )));
                return diags;
            }
        },
        None => None,
    };
    let reader = ValidateReader { runtime };
    let empty = bcmhcl::state::State::new();
    let ctx = bcmhcl::plan::build::PlanContext {
        tree,
        sources,
        inputs,
        eval: opts,
        prior: &empty,
        providers: &providers,
        read_data: &reader,
    };
    let (_, more) = bcmhcl::plan::build::build_plan(
        &ctx,
        &bcmhcl::plan::build::PlanOptions {
            parallelism: 1,
            ..Default::default()
        },
    );
    diags.extend(more);
    diags
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
        if !diags.has_errors() {
            // What the language checks cannot see: schemas, and the conditions on data.
            let walked = validate_walk(&tree, &sources, &inputs, &opts, args.inventory.as_deref());
            for d in walked.0 {
                if !diags.0.contains(&d) {
                    diags.push(d);
                }
            }
        }
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
