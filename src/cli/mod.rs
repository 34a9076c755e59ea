//! The command line: Terraform's flag spellings (`-var k=v`, `-chdir=DIR`), one file per
//! subcommand, diagnostics on stderr, data on stdout, exit codes. Nothing imports this module.

mod apply;
mod backend;
mod console;
mod fmt;
mod force_unlock;
mod graph;
mod init;
mod inputs;
mod inventory;
mod live;
mod output;
mod plan;
mod power;
mod providers;
mod root;
mod show;
mod sim;
mod state_cmd;
mod state_key;
mod terminal;
mod validate;
mod version;
mod workspace;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "bcmhcl",
    version,
    about = "Validate, plan and apply Terraform modules for NVIDIA Base Command Manager clusters",
    long_about = None
)]
struct Cli {
    /// Switch to this working directory before running the command (Terraform's -chdir).
    #[arg(long, global = true, value_name = "DIR")]
    chdir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Configure the state backend (local, or PostgreSQL with `backend "pg"`), like
    /// `terraform init`.
    Init(init::InitArgs),
    /// Check a module: syntax, references, variables and their validations, locals,
    /// preconditions (no credentials needed).
    Validate(validate::ValidateArgs),
    /// Evaluate expressions interactively in a module's scope, like `terraform console`.
    Console(console::ConsoleArgs),
    /// Rewrite `.tf` and `.tfvars` files in Terraform's canonical layout, like `terraform fmt`.
    Fmt(fmt::FmtArgs),
    /// Print the dependency graph as Graphviz DOT, like `terraform graph`.
    Graph(graph::GraphArgs),
    /// Show what apply would change, like `terraform plan`.
    Plan(plan::PlanArgs),
    /// Make the changes of the plan, like `terraform apply`.
    Apply(apply::ApplyArgs),
    /// Print root module outputs from the state, like `terraform output`.
    Output(output::OutputArgs),
    /// Save what the BCM data sources read from a headnode, for offline validate and plan.
    Inventory(inventory::InventoryArgs),
    /// Update the state's outputs without changing resources, like `terraform refresh`
    /// (`apply -refresh-only -auto-approve`).
    Refresh(root::RunFlags),
    /// Show the state or a saved plan, like `terraform show`.
    Show(show::ShowArgs),
    /// Inspect and edit the state, like `terraform state`.
    State(state_cmd::StateArgs),
    /// List, create, select and delete workspaces, like `terraform workspace`.
    Workspace(workspace::WorkspaceArgs),
    /// Remove a state lock left by a run that did not release it, like
    /// `terraform force-unlock`.
    ForceUnlock(force_unlock::ForceUnlockArgs),
    /// Run a simulated BCM headnode (JSON API, provisioning timeline, faults) for tests
    /// and demos.
    Sim(sim::SimArgs),
    /// Chassis power of BMCs over IPMI v2.0: status, on, off, cycle, reset, soft
    /// (password from IPMI_PASSWORD).
    Power(power::PowerArgs),
    /// Print the version, like `terraform version`.
    Version(version::VersionArgs),
}

/// Flags whose value may come as the next argument (`-var k=v`, `-target ADDR`).
const VALUE_FLAGS: &[&str] = &[
    "var",
    "var-file",
    "chdir",
    "state",
    "replace",
    "out",
    "target",
    "exclude",
    "invoke",
    "provisioning-mode",
    "provisioning-slots",
    "wave-size",
    "canary",
    "max-failures",
    "id",
    "backup",
    "backup-out",
    "state-out",
    "lock-timeout",
    "parallelism",
    "backend-config",
];

/// Terraform spells long flags with one dash (`-var`, `-no-color`); clap wants two. Rewrite
/// `-name...` to `--name...` for multi-letter names, leaving values and `--` alone.
pub fn normalize_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = false;
    let mut expect_value = false;
    for a in args {
        if rest || expect_value {
            expect_value = false;
            out.push(a);
            continue;
        }
        if a == "--" {
            rest = true;
            out.push(a);
            continue;
        }
        let name = a.trim_start_matches('-');
        let flag_name = name.split('=').next().unwrap_or("");
        if a.starts_with('-')
            && !a.starts_with("--")
            && flag_name.len() > 1
            && flag_name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
        {
            let long = format!("-{a}");
            // `-var` and `-var-file` take their value as the next argument.
            expect_value = !a.contains('=') && VALUE_FLAGS.contains(&flag_name);
            out.push(long);
        } else {
            expect_value =
                !a.contains('=') && VALUE_FLAGS.contains(&flag_name) && a.starts_with("--");
            out.push(a);
        }
    }
    out
}

/// Log targets never shown: they would print session cookies, or (the PostgreSQL client's
/// statement parameters) whole states with their sensitive values.
const SILENCED: &str = "cookie_store=off,tokio_postgres=off,postgres=off";

/// Logs (`tracing`) on stderr, or appended to `BCMHCL_LOG_PATH`, when `BCMHCL_LOG` (or
/// Terraform's `TF_LOG`) names a level or filter: `debug`, `bcmhcl=trace`, ...
fn init_logging() {
    let Some(filter) = std::env::var("BCMHCL_LOG")
        .ok()
        .or_else(|| std::env::var("TF_LOG").ok().map(|l| l.to_ascii_lowercase()))
        .filter(|f| !f.is_empty())
    else {
        return;
    };
    // Whatever the user asks for, the HTTP client's cookie jar stays silent: at debug level it
    // logs every Set-Cookie it stores, which is the headnode's session token.
    let filter = tracing_subscriber::EnvFilter::try_new(format!("{filter},{SILENCED}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("info,{SILENCED}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    match std::env::var_os("BCMHCL_LOG_PATH").and_then(|p| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .ok()
    }) {
        Some(file) => builder.with_writer(std::sync::Mutex::new(file)).init(),
        None => builder.with_writer(std::io::stderr).init(),
    }
}

pub fn main() -> ExitCode {
    init_logging();
    let args = normalize_args(std::env::args());
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            eprintln!(
                "Error: Invalid -chdir option: cannot change to {}: {e}",
                dir.display()
            );
            return ExitCode::from(1);
        }
    }
    let ordered = inputs::ordered_var_flags(&args);
    match cli.command {
        Command::Init(a) => init::run(a),
        Command::Validate(a) => validate::run(a, &ordered),
        Command::Console(a) => console::run(a, &ordered),
        Command::Fmt(a) => fmt::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Plan(a) => plan::run(a, &ordered),
        Command::Apply(a) => apply::run(a, &ordered),
        Command::Output(a) => output::run(a),
        Command::Inventory(a) => inventory::run(a, &ordered),
        Command::Refresh(mut flags) => {
            flags.refresh_only = true;
            flags.operation = root::Operation::Refresh;
            apply::run(
                apply::ApplyArgs {
                    run: flags,
                    auto_approve: true,
                    destroy: false,
                    replace: Vec::new(),
                    json: false,
                    invoke: Vec::new(),
                },
                &ordered,
            )
        }
        Command::Show(a) => show::run(a),
        Command::State(a) => state_cmd::run(a),
        Command::Workspace(a) => workspace::run(a),
        Command::ForceUnlock(a) => force_unlock::run(a),
        Command::Sim(a) => sim::run(a),
        Command::Power(a) => power::run(a),
        Command::Version(a) => version::run(a),
    }
}
