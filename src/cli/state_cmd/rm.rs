//! `bcmhcl state rm [-dry-run] ADDRESS...`: forgets resource instances (current and deposed
//! objects) without destroying them, like `terraform state rm`. A module address removes
//! everything in that module and its children; a resource address removes all its instances.
//!
//! Unlike Terraform, which silently skips an address that matches nothing when another one
//! matches, every address must match: a typo fails the whole command and nothing is removed.

use super::target::{lookup, parse_target};
use super::{
    editing, fail, load_existing, lock, missing_file, no_state, report, save, Failed, StateFlags,
    WriteFlags,
};
use crate::cli::terminal::stdout_line;
use bcmhcl::addr::ResourceInstanceAddr;
use bcmhcl::diag::{Diagnostic, Diagnostics};
use bcmhcl::state::State;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RmArgs {
    /// The instances, resources or modules to forget.
    #[arg(value_name = "ADDRESS", required = true)]
    addresses: Vec<String>,
    /// Print what would be removed without changing the state.
    #[arg(long = "dry-run")]
    dry_run: bool,
    /// Where to keep the previous state (default: <state>.<unix time>.backup).
    #[arg(long = "backup", value_name = "PATH")]
    backup: Option<PathBuf>,
    #[command(flatten)]
    flags: StateFlags,
    #[command(flatten)]
    write: WriteFlags,
}

pub fn run(args: RmArgs) -> Result<(), Failed> {
    let no_color = args.flags.no_color;
    let store = editing(args.flags.open()?, args.backup.as_deref());
    // No state, nothing to lock: say so without leaving a lock file behind.
    if missing_file(&store) {
        return fail(no_state(), no_color);
    }
    let _lock = lock(&args.write, &*store, "state-rm", no_color)?;
    let mut state = load_existing(&*store, no_color)?;

    let mut diags = Diagnostics::new();
    let mut addrs = Vec::new();
    for a in &args.addresses {
        match parse_target(a).and_then(|t| lookup(&state, &t)) {
            Ok(found) => addrs.extend(found),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        report(diags, no_color);
        return Err(Failed);
    }

    let prefix = if args.dry_run {
        "Would remove "
    } else {
        "Removed "
    };
    for addr in &addrs {
        stdout_line(&format!("{prefix}{addr}"));
        if !args.dry_run {
            forget(&mut state, addr);
        }
    }
    if args.dry_run {
        if addrs.is_empty() {
            stdout_line("Would have removed nothing.");
        }
        return Ok(());
    }
    if addrs.is_empty() {
        // Only a resource recorded without any instance gets here.
        return fail(
            Diagnostic::error("Invalid target address").detail(
                "No matching objects found. To view the available instances, use \"bcmhcl state list\". Please modify the address to reference a specific instance.",
            ),
            no_color,
        );
    }
    save(&*store, &mut state, no_color)?;
    stdout_line(&format!(
        "Successfully removed {} resource instance(s).",
        addrs.len()
    ));
    Ok(())
}

/// Forgets every object of an instance, current and deposed; a resource left empty goes too.
pub fn forget(state: &mut State, addr: &ResourceInstanceAddr) {
    let deposed: Vec<String> = state
        .deposed(addr)
        .filter_map(|i| i.deposed.clone())
        .collect();
    for key in deposed {
        state.remove_deposed(addr, &key);
    }
    state.remove_instance(addr);
}
