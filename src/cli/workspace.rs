//! `bcmhcl workspace list|show|new|select|delete`: named states of one configuration, like
//! `terraform workspace`. The selected one is kept in `.terraform/environment`; the local
//! backend keeps non-default workspaces in `terraform.tfstate.d/NAME/`, pg as rows.

use super::backend::{self, Backend, DEFAULT_WORKSPACE};
use super::terminal::{print_diagnostics, stdout_line};
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use clap::{Args, Subcommand};
use std::path::Path;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct WorkspaceArgs {
    #[command(subcommand)]
    command: WorkspaceCommand,
}

#[derive(Subcommand, Debug)]
enum WorkspaceCommand {
    /// List the workspaces; the selected one is marked with `*`.
    List(Common),
    /// Print the selected workspace.
    Show(Common),
    /// Create a workspace and select it.
    New(NewArgs),
    /// Select a workspace.
    Select(SelectArgs),
    /// Delete a workspace (its state must be empty unless -force).
    Delete(DeleteArgs),
}

#[derive(Args, Debug)]
struct Common {
    /// Plain text without colour.
    #[arg(long = "no-color")]
    no_color: bool,
}

#[derive(Args, Debug)]
struct LockFlags {
    /// Lock the state while the command runs (default true).
    #[arg(long = "lock", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    lock: Option<bool>,
    /// How long to retry taking the state lock (Go duration; default 0s).
    #[arg(long = "lock-timeout", value_name = "DURATION", value_parser = crate::cli::root::parse_lock_timeout)]
    lock_timeout: Option<std::time::Duration>,
}

#[derive(Args, Debug)]
struct NewArgs {
    name: String,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    lock: LockFlags,
}

#[derive(Args, Debug)]
struct SelectArgs {
    name: String,
    /// Create the workspace when it does not exist.
    #[arg(long = "or-create", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    or_create: Option<bool>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct DeleteArgs {
    name: String,
    /// Delete even when the workspace's state still tracks objects.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    lock: LockFlags,
}

pub fn run(args: WorkspaceArgs) -> ExitCode {
    let no_color = match &args.command {
        WorkspaceCommand::List(c) | WorkspaceCommand::Show(c) => c.no_color,
        WorkspaceCommand::New(a) => a.common.no_color,
        WorkspaceCommand::Select(a) => a.common.no_color,
        WorkspaceCommand::Delete(a) => a.common.no_color,
    };
    let dir = Path::new(".");
    let result = match args.command {
        WorkspaceCommand::Show(_) => {
            stdout_line(&backend::current_workspace(dir));
            Ok(())
        }
        WorkspaceCommand::List(_) => open(dir).and_then(|b| list(dir, &b)),
        WorkspaceCommand::New(a) => open(dir).and_then(|b| new(dir, &b, &a)),
        WorkspaceCommand::Select(a) => open(dir).and_then(|b| select(dir, &b, &a)),
        WorkspaceCommand::Delete(a) => open(dir).and_then(|b| delete(dir, &b, &a)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(d) => {
            print_diagnostics(&Diagnostics::from(d), &SourceMap::new(), no_color);
            ExitCode::from(1)
        }
    }
}

fn open(dir: &Path) -> Result<Backend, Diagnostic> {
    let block = backend::backend_block(dir)?;
    Backend::open(dir, backend::resolve(dir, block.as_ref())?)
}

fn list(dir: &Path, backend: &Backend) -> Result<(), Diagnostic> {
    let current = backend::current_workspace(dir);
    let mut out = String::new();
    for name in backend.workspaces()? {
        let mark = if name == current { "* " } else { "  " };
        out.push_str(&format!("{mark}{name}\n"));
    }
    stdout_line(&out);
    Ok(())
}

/// Terraform's rule: a name that Go's `url.PathEscape` would change is refused.
fn check_name(name: &str) -> Result<(), Diagnostic> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~$&+:=@".contains(c));
    if valid {
        return Ok(());
    }
    Err(
        Diagnostic::error(format!("Invalid workspace name {name:?}")).detail(
            "The workspace name must be usable in a URL path and a file name: letters, digits and \
         - . _ ~ $ & + : = @ only, no slashes or spaces.",
        ),
    )
}

fn new(dir: &Path, backend: &Backend, args: &NewArgs) -> Result<(), Diagnostic> {
    check_name(&args.name)?;
    if std::env::var("TF_WORKSPACE").is_ok_and(|w| !w.is_empty()) {
        return Err(workspace_overridden());
    }
    if backend.workspaces()?.contains(&args.name) {
        return Err(Diagnostic::error(format!(
            "Workspace {:?} already exists",
            args.name
        )));
    }
    backend.create_workspace(&args.name)?;
    // The new, empty state is taken through the lock, as Terraform does.
    let store = backend.store(&args.name)?;
    drop(crate::cli::root::lock_state(
        args.lock.lock,
        args.lock.lock_timeout,
        &*store,
        "workspace-new",
    )?);
    backend::select_workspace(dir, &args.name)?;
    stdout_line(&format!(
        "Created and switched to workspace {:?}!\n\n\
         You're now on a new, empty workspace. Workspaces isolate their state,\n\
         so if you run \"bcmhcl plan\" bcmhcl will not see any existing state\n\
         for this configuration.",
        args.name
    ));
    Ok(())
}

fn workspace_overridden() -> Diagnostic {
    Diagnostic::error("Workspace selected by TF_WORKSPACE").detail(
        "The selected workspace is currently overridden using the TF_WORKSPACE environment \
         variable.\n\nTo select a new workspace, either update this environment variable or \
         unset it and then run this command again.",
    )
}

fn select(dir: &Path, backend: &Backend, args: &SelectArgs) -> Result<(), Diagnostic> {
    check_name(&args.name)?;
    if std::env::var("TF_WORKSPACE").is_ok_and(|w| !w.is_empty()) {
        return Err(workspace_overridden());
    }
    if backend::current_workspace(dir) == args.name {
        stdout_line(&format!("You're already on workspace {:?}.", args.name));
        return Ok(());
    }
    if !backend.workspaces()?.contains(&args.name) {
        if args.or_create != Some(true) {
            return Err(
                Diagnostic::error(format!("Workspace {:?} doesn't exist.", args.name)).detail(
                    "You can create this workspace with the \"new\" subcommand \n\
                     or include the \"-or-create\" flag with the \"select\" subcommand.",
                ),
            );
        }
        backend.create_workspace(&args.name)?;
    }
    backend::select_workspace(dir, &args.name)?;
    stdout_line(&format!("Switched to workspace {:?}.", args.name));
    Ok(())
}

fn delete(dir: &Path, backend: &Backend, args: &DeleteArgs) -> Result<(), Diagnostic> {
    check_name(&args.name)?;
    if !backend.workspaces()?.contains(&args.name) {
        return Err(Diagnostic::error(format!(
            "Workspace {:?} doesn't exist.",
            args.name
        )));
    }
    if args.name == backend::current_workspace(dir) {
        return Err(Diagnostic::error(format!(
            "Workspace {:?} is your active workspace.",
            args.name
        ))
        .detail(
            "You cannot delete the currently active workspace. Please switch\n\
             to another workspace and try again.",
        ));
    }
    if args.name == DEFAULT_WORKSPACE {
        return Err(Diagnostic::error("Cannot delete the default workspace")
            .detail("The default workspace always exists."));
    }
    let store = backend.store(&args.name)?;
    let lock = crate::cli::root::lock_state(
        args.lock.lock,
        args.lock.lock_timeout,
        &*store,
        "workspace-delete",
    )?;
    let state = store.load().map_err(|e| e.to_diagnostic())?;
    if let Some(state) = state.filter(|s| !s.is_empty()) {
        if !args.force {
            let tracked: Vec<String> = state.instances().map(|(a, _)| format!("  - {a}")).collect();
            return Err(Diagnostic::error("Workspace is not empty").detail(format!(
                "Workspace {:?} is currently tracking the following resource instances:\n{}\n\n\
                 Deleting this workspace would cause bcmhcl to lose track of any associated \
                 remote objects, which would then require you to delete them manually outside \
                 of bcmhcl. You should destroy these objects with bcmhcl before deleting the \
                 workspace.\n\nIf you want to delete this workspace anyway, and have bcmhcl \
                 forget about these managed objects, use the -force option to disable this \
                 safety check.",
                args.name,
                tracked.join("\n")
            )));
        }
    }
    // The lock goes first: a pg row's lock is held on the row being deleted.
    drop(lock);
    drop(store);
    backend.delete_workspace(&args.name)?;
    stdout_line(&format!("Deleted workspace {:?}!", args.name));
    Ok(())
}
