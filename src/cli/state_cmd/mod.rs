//! `bcmhcl state list|show|rm|mv|pull|push|encrypt|decrypt`: inspecting and editing the local
//! state file, like `terraform state`, and moving it in and out of encryption at rest.
//!
//! Every subcommand reads the state of the selected workspace in the configured backend
//! (`terraform.tfstate` in the working directory, after `-chdir`, for the local backend), or
//! the file named by `-state`. Commands that change the state build the whole new state in memory
//! and save it once at the end, so an error anywhere leaves the file as it was; `rm` and `mv`
//! keep the previous file as `<state>.<unix time>.backup` (or `-backup=PATH`), as Terraform's
//! state commands do.

mod at_rest;
mod list;
mod mv;
mod rm;
mod show;
mod sync;
mod target;

use super::terminal::{print_diagnostics, stdout_line};
use crate::cli::backend::Store;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use bcmhcl::state::{HeldLock, LocalStore, Recovery, State, StateError, StateStore};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct StateArgs {
    #[command(subcommand)]
    command: StateCommand,
}

#[derive(Subcommand, Debug)]
enum StateCommand {
    /// List resource instances in the state, like `terraform state list`.
    List(list::ListArgs),
    /// Show one resource instance in the state, like `terraform state show`.
    Show(show::ShowArgs),
    /// Forget instances without destroying them, like `terraform state rm`.
    Rm(rm::RmArgs),
    /// Move an item to another address, like `terraform state mv`.
    Mv(mv::MvArgs),
    /// Print the state file to stdout, like `terraform state pull`.
    Pull(sync::PullArgs),
    /// Replace the state with a state file (or `-` for stdin), like `terraform state push`.
    Push(sync::PushArgs),
    /// Encrypt the state, its backup and its journal in place with the state key
    /// (BCMHCL_STATE_PASSPHRASE or BCMHCL_STATE_KEY_FILE).
    Encrypt(at_rest::AtRestArgs),
    /// Decrypt the state, its backup and its journal in place back to plaintext.
    Decrypt(at_rest::AtRestArgs),
}

/// Flags every state subcommand takes.
#[derive(Args, Debug, Clone)]
struct StateFlags {
    /// The state file (default: terraform.tfstate in the current directory).
    #[arg(long = "state", value_name = "FILE")]
    state: Option<PathBuf>,
    /// Plain text without colour.
    #[arg(long = "no-color")]
    no_color: bool,
}

impl StateFlags {
    /// The store of the command: `-state`, else the selected workspace of the backend.
    fn open(&self) -> Result<Store, Failed> {
        crate::cli::backend::open_store_of_module(Path::new("."), self.state.as_deref())
            .or_else(|d| fail(d, self.no_color))
    }
}

/// Whether `store` is a local file that does not exist (no state, nothing to lock).
fn missing_file(store: &Store) -> bool {
    matches!(store, Store::Local(l) if !l.path().exists())
}

/// Flags of the commands that write the state: they lock it as plan and apply do
/// (`-ignore-remote-version` is accepted only: there is no remote backend whose version could
/// differ).
#[derive(Args, Debug, Clone)]
struct WriteFlags {
    /// Lock the state while the command runs (default true).
    #[arg(long = "lock", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    lock: Option<bool>,
    /// How long to retry taking the state lock (Go duration; default 0s).
    #[arg(long = "lock-timeout", value_name = "DURATION", value_parser = crate::cli::root::parse_lock_timeout)]
    lock_timeout: Option<std::time::Duration>,
    /// Accepted for Terraform compatibility.
    #[arg(long = "ignore-remote-version")]
    ignore_remote_version: bool,
}

pub fn run(args: StateArgs) -> ExitCode {
    let result = match args.command {
        StateCommand::List(a) => list::run(a),
        StateCommand::Show(a) => show::run(a),
        StateCommand::Rm(a) => rm::run(a),
        StateCommand::Mv(a) => mv::run(a),
        StateCommand::Pull(a) => sync::pull(a),
        StateCommand::Push(a) => sync::push(a),
        StateCommand::Encrypt(a) => at_rest::encrypt(a),
        StateCommand::Decrypt(a) => at_rest::decrypt(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed) => ExitCode::from(1),
    }
}

/// The command failed; what went wrong has been printed.
#[derive(Debug)]
struct Failed;

/// Prints diagnostics on stderr (Terraform's plain layout with `-no-color`).
fn report(diags: impl Into<Diagnostics>, no_color: bool) {
    print_diagnostics(&diags.into(), &SourceMap::new(), no_color);
}

/// Prints one error and fails.
fn fail<T>(d: Diagnostic, no_color: bool) -> Result<T, Failed> {
    report(d, no_color);
    Err(Failed)
}

/// Terraform's message when a state command finds no state at all.
fn no_state() -> Diagnostic {
    Diagnostic::error("No state file was found!").detail(
        "State management commands require a state file. Run this command in a directory where bcmhcl has been run or use the -state flag to point the command to a specific state location.",
    )
}

/// Locks the state of `store` for `operation` (`state-rm`, ...) unless `-lock=false`; the
/// lock is released when the returned guard drops.
fn lock(
    write: &WriteFlags,
    store: &dyn StateStore,
    operation: &str,
    no_color: bool,
) -> Result<Option<Box<dyn HeldLock>>, Failed> {
    crate::cli::root::lock_state(write.lock, write.lock_timeout, store, operation)
        .or_else(|d| fail(d, no_color))
}

/// The store at `path`, with the state key of the environment.
fn store(path: &Path, no_color: bool) -> Result<LocalStore, Failed> {
    crate::cli::state_key::store(path).or_else(|d| fail(d, no_color))
}

/// Reads the state a command works on; a missing or empty file is `None`.
fn load(store: &dyn StateStore, no_color: bool) -> Result<Option<State>, Failed> {
    match store.load() {
        Ok(s) => {
            if let Some(warning) = store.plaintext_warning() {
                report(warning, no_color);
            }
            Ok(s)
        }
        Err(e) => {
            report(Diagnostics(e.to_diagnostics()), no_color);
            Err(Failed)
        }
    }
}

/// Reads the state a command needs: no state is an error.
fn load_existing(store: &dyn StateStore, no_color: bool) -> Result<State, Failed> {
    match load(store, no_color)? {
        Some(s) => Ok(s),
        None => fail(no_state(), no_color),
    }
}

/// A local store of a state command that edits the state: the backup goes to `backup` when
/// given (and not Terraform's `-` placeholder), else to `<path>.<unix time>.backup`. A pg
/// state keeps no backup file, as Terraform's remote states do not.
fn editing(store: Store, backup: Option<&Path>) -> Store {
    match store {
        Store::Local(local) => {
            let path = local.path().to_path_buf();
            Store::Local(local.with_backup_path(backup_path(&path, backup)))
        }
        pg => pg,
    }
}

fn backup_path(path: &Path, backup: Option<&Path>) -> PathBuf {
    match backup.filter(|b| b.as_os_str() != "-") {
        Some(b) => b.to_path_buf(),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{secs}.backup"));
            PathBuf::from(name)
        }
    }
}

/// A local file store for `-state-out`, with its backup as `editing` places it.
fn editing_store(path: &Path, backup: Option<&Path>, no_color: bool) -> Result<LocalStore, Failed> {
    let backup = match backup.filter(|b| b.as_os_str() != "-") {
        Some(b) => b.to_path_buf(),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{secs}.backup"));
            PathBuf::from(name)
        }
    };
    Ok(store(path, no_color)?.with_backup_path(backup))
}

/// Saves the state. When even `errored.tfstate` cannot be written, the state goes to stdout as
/// the error message says.
fn save(store: &dyn StateStore, state: &mut State, no_color: bool) -> Result<(), Failed> {
    match store.save(state) {
        Ok(()) => Ok(()),
        Err(e) => {
            if let StateError::Persist {
                recovery: Recovery::Unsaved { state_json, .. },
                ..
            } = &e
            {
                stdout_line(state_json.trim_end());
            }
            report(Diagnostics(e.to_diagnostics()), no_color);
            Err(Failed)
        }
    }
}
