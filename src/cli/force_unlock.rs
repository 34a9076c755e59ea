//! `bcmhcl force-unlock [-force] LOCK_ID`: removes the lock information a run left beside the
//! state when it ended without releasing its lock, like `terraform force-unlock`.
//!
//! Unlike a remote backend's force-unlock, this never takes a lock away from a running
//! process: the OS lock cannot be broken, so a lock held by a live process is refused.

use super::terminal::print_diagnostics;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use bcmhcl::state::lock::{self, LockError};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ForceUnlockArgs {
    /// The lock's ID, as the lock error printed it.
    #[arg(value_name = "LOCK_ID")]
    id: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    force: bool,
    /// The state file whose lock to remove (default: terraform.tfstate).
    #[arg(long = "state", value_name = "FILE")]
    state: Option<PathBuf>,
    /// Plain text without colour.
    #[arg(long = "no-color")]
    no_color: bool,
}

pub fn run(args: ForceUnlockArgs) -> ExitCode {
    let fail = |d: Diagnostic| {
        print_diagnostics(&Diagnostics::from(d), &SourceMap::new(), args.no_color);
        ExitCode::from(1)
    };
    let path = match &args.state {
        Some(p) => p.clone(),
        None => match super::backend::open_store_of_module(std::path::Path::new("."), None) {
            Ok(super::backend::Store::Local(local)) => local.path().to_path_buf(),
            Ok(super::backend::Store::Pg(_)) => {
                return fail(Diagnostic::error("Failed to unlock state").detail(
                    "The pg backend locks with PostgreSQL advisory locks, which belong to the \
                     database session that took them and end with it: there is no lock to \
                     remove from here. If the run holding it is gone but its session is not, an \
                     administrator can end the session with SELECT pg_terminate_backend(PID), \
                     the PID being the one the lock error names.",
                ))
            }
            Err(d) => return fail(d),
        },
    };
    if !args.force {
        if !std::io::stdin().is_terminal() {
            return fail(Diagnostic::error("Failed to unlock state").detail(
                "bcmhcl cannot ask for confirmation because stdin is not a terminal. Use -force to unlock without asking.",
            ));
        }
        let mut out = std::io::stdout().lock();
        let _ = write!(
            out,
            "Do you really want to force-unlock?\n  bcmhcl will remove the lock on the state.\n  This will allow local bcmhcl commands to modify this state, even though it\n  may still be in use. Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
        );
        let _ = out.flush();
        drop(out);
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if answer.trim() != "yes" {
            println!("\nforce-unlock cancelled.");
            return ExitCode::from(1);
        }
    }
    match lock::force_unlock(&path, &args.id) {
        Ok(_) => {
            println!("bcmhcl state has been successfully unlocked!\n\nThe state has been unlocked, and bcmhcl commands should now be able to\nobtain a new lock on the state.");
            ExitCode::SUCCESS
        }
        Err(LockError::Held { info }) => {
            let holder = info
                .map(|i| format!("\n{}", i.describe()))
                .unwrap_or_default();
            fail(Diagnostic::error("Failed to unlock state").detail(format!(
                "The lock is held by a running process; it is released when that process ends.{holder}"
            )))
        }
        Err(e @ LockError::Io { .. }) => {
            fail(Diagnostic::error("Failed to unlock state").detail(e.to_string()))
        }
        Err(e) => fail(e.to_diagnostic()),
    }
}
