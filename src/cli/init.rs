//! `bcmhcl init [DIR]`: configures the state backend, like `terraform init` does for its
//! backend: checks the connection, creates what the backend needs (for pg: schema, table and
//! index, unless skipped), and records the configuration (with `-backend-config`) in
//! `.terraform/terraform.tfstate` for the commands that follow. Providers are built in, so
//! there is nothing to install.

use super::backend::{self, Backend, BackendBlock};
use super::terminal::{print_diagnostics, stdout_line};
use bcmhcl::config::load_module_tree;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The module directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Backend settings: KEY=VALUE, or a file of attributes (repeatable; later ones win).
    #[arg(long = "backend-config", value_name = "KEY=VALUE|FILE")]
    pub backend_config: Vec<String>,
    /// Configure the backend (default true); -backend=false leaves it as it is.
    #[arg(long = "backend", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub backend: Option<bool>,
    /// Use the current backend configuration, ignoring the one recorded before.
    #[arg(long)]
    pub reconfigure: bool,
    /// Refused: bcmhcl does not copy state between backends (see the error for how to).
    #[arg(long = "migrate-state")]
    pub migrate_state: bool,
    /// Accepted for Terraform compatibility (there is nothing to ask).
    #[arg(long = "input", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub input: Option<bool>,
    /// Accepted for Terraform compatibility (providers are built in).
    #[arg(long)]
    pub upgrade: bool,
    /// Plain text without colour.
    #[arg(long = "no-color")]
    pub no_color: bool,
}

pub fn run(args: InitArgs) -> ExitCode {
    let fail = |d: Diagnostic, sources: &SourceMap| {
        print_diagnostics(&Diagnostics::from(d), sources, args.no_color);
        ExitCode::from(1)
    };
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut sources = SourceMap::new();
    let (tree, diags) = load_module_tree(&dir, &mut sources);
    if diags.has_errors() {
        print_diagnostics(&diags, &sources, args.no_color);
        return ExitCode::from(1);
    }
    let block = match backend::decode_block(tree.module.terraform.backend.as_ref()) {
        Ok(b) => b,
        Err(d) => return fail(d, &sources),
    };
    if args.backend != Some(false) {
        stdout_line("\nInitializing the backend...");
        if let Err(d) = init_backend(&args, &dir, block.as_ref()) {
            return fail(d, &sources);
        }
    }
    stdout_line(
        "\nbcmhcl has been successfully initialized!\n\n\
         You may now begin working with bcmhcl. Try running \"bcmhcl plan\" to see\n\
         any changes that are required for your infrastructure. All bcmhcl commands\n\
         should now work.\n\n\
         If you ever set or change the backend configuration for bcmhcl,\n\
         rerun this command to reinitialize your working directory.",
    );
    ExitCode::SUCCESS
}

fn init_backend(
    args: &InitArgs,
    dir: &Path,
    block: Option<&BackendBlock>,
) -> Result<(), Diagnostic> {
    let recorded = backend::read_record(dir)?;
    let Some(block) = block else {
        if !args.backend_config.is_empty() {
            return Err(Diagnostic::error("Missing backend configuration").detail(
                "-backend-config was used without a \"backend\" block in the configuration.\n\n\
                 Add a terraform { backend \"pg\" { } } block (its settings may stay empty and \
                 come from -backend-config).",
            ));
        }
        if let Some(r) = recorded {
            // Terraform would offer to copy the state back; bcmhcl leaves it where it is.
            backend::remove_record(dir);
            stdout_line(&format!(
                "\nbcmhcl has unset the previously configured {:?} backend. The state kept \
                 there was not copied: to bring it here, run \"bcmhcl state pull\" before this \
                 and \"bcmhcl state push FILE\" after.",
                r.backend.kind
            ));
        }
        stdout_line(&format!(
            "\nThe local backend is used: the state of the default workspace is kept in {}.",
            dir.join("terraform.tfstate").display()
        ));
        return Ok(());
    };
    let overrides = backend::backend_config_overrides(&block.kind, &args.backend_config)?;
    let mut config = block.attributes.clone();
    config.extend(overrides.clone());
    if let Some(r) = &recorded {
        let mut was = r.backend.config.clone();
        was.retain(|_, v| !v.is_null());
        let mut now = config.clone();
        now.retain(|_, v| !v.is_null());
        let changed = r.backend.kind != block.kind || was != now;
        if changed && args.migrate_state {
            return Err(
                Diagnostic::error("State migration is not supported").detail(
                    "bcmhcl does not copy state between backends. Run \"bcmhcl state pull > \
                 state.json\" with the old configuration, then \"bcmhcl init -reconfigure\" and \
                 \"bcmhcl state push state.json\".",
                ),
            );
        }
        if changed && !args.reconfigure {
            return Err(Diagnostic::error("Backend configuration changed").detail(
                "A change in the backend configuration has been detected, which may require \
                 migrating existing state.\n\nIf you wish to store the current configuration \
                 with no changes to the state, use \"bcmhcl init -reconfigure\". bcmhcl does not \
                 migrate state itself (\"bcmhcl state pull\" and \"bcmhcl state push\" do).",
            ));
        }
    }
    // Connecting creates what the backend needs and proves the settings work before they
    // are recorded.
    let backend = Backend::open(dir, backend::settings(&block.kind, &config)?)?;
    backend.workspaces()?;
    backend::write_record(dir, block, &overrides)?;
    if let Backend::Pg(_) = backend {
        let local = dir.join("terraform.tfstate");
        if recorded.is_none() && local.exists() {
            stdout_line(&format!(
                "\nA local state exists in {}; it was not copied to the \"pg\" backend. To use \
                 it there, run \"bcmhcl state push {}\".",
                local.display(),
                local.display()
            ));
        }
    }
    stdout_line(&format!(
        "\nSuccessfully configured the backend {:?}! bcmhcl will automatically\n\
         use this backend unless the backend configuration changes.",
        backend.kind()
    ));
    Ok(())
}
