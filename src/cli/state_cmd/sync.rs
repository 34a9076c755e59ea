//! `bcmhcl state pull` and `bcmhcl state push PATH|-`: the state file out to stdout and a state
//! file back in, like `terraform state pull|push`.
//!
//! Push protects the history as Terraform's `statemgr.CheckValidImport` does: over a non-empty
//! state it refuses a file of another lineage, a lower serial, or the same serial with different
//! content, unless `-force`. The pushed file keeps its lineage and serial; as with Terraform's
//! local backend, the serial is incremented once more when the content differs from the file it
//! replaces (so pushing `errored.tfstate` back leaves a serial above the one that failed).
//!
//! With a state key, pull prints the plaintext JSON (what Terraform prints), push opens a sealed
//! file (an encrypted `errored.tfstate`) and writes the state encrypted.

use super::{load, lock, report, save, Failed, StateFlags, WriteFlags};
use bcmhcl::diag::Diagnostic;
use bcmhcl::state::{open_state_bytes, State};
use clap::Args;
use std::io::{Read, Write};

#[derive(Args, Debug)]
pub struct PullArgs {
    #[command(flatten)]
    flags: StateFlags,
}

#[derive(Args, Debug)]
pub struct PushArgs {
    /// The state file to push, or `-` to read it from stdin.
    #[arg(value_name = "PATH")]
    path: String,
    /// Write the state even if the lineages differ or the current serial is higher.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    flags: StateFlags,
    #[command(flatten)]
    write: WriteFlags,
}

pub fn pull(args: PullArgs) -> Result<(), Failed> {
    let store = args.flags.open()?;
    // No state prints nothing, as in Terraform.
    if let Some(state) = load(&*store, args.flags.no_color)? {
        // Terraform prints the file's text and then a newline of its own.
        let _ = writeln!(std::io::stdout().lock(), "{}", state.to_json());
    }
    Ok(())
}

pub fn push(args: PushArgs) -> Result<(), Failed> {
    let no_color = args.flags.no_color;
    let fail_with = |summary: &str, detail: String| {
        report(Diagnostic::error(summary).detail(detail), no_color);
        Err(Failed)
    };
    let bytes = if args.path == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b).map(|_| b)
    } else {
        std::fs::read(&args.path)
    };
    let reading = format!("Error reading source state {:?}", args.path);
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return fail_with(&reading, e.to_string()),
    };
    let store = args.flags.open()?;
    let text = match open_state_bytes(std::path::Path::new(&args.path), bytes, store.encryption()) {
        Ok((t, _)) => t,
        Err(e) => return fail_with(&reading, e.to_diagnostic().detail.clone()),
    };
    if text.trim().is_empty() {
        return fail_with(&reading, "The file holds no state.".into());
    }
    let mut pushed = match State::from_json(&text) {
        Ok(s) => s,
        Err(e) => return fail_with(&reading, e.to_diagnostic().detail.clone()),
    };

    let _lock = lock(&args.write, &*store, "state-push", no_color)?;
    let current = load(&*store, no_color)?;
    if !args.force {
        if let Some(current) = &current {
            if let Err(why) = check_valid_import(&pushed, current) {
                return fail_with(
                    "Failed to write state",
                    format!("{why}\n\nUse -force to replace the state anyway."),
                );
            }
        }
    }
    save(&*store, &mut pushed, no_color)
}

/// Terraform's `CheckValidImport`: whether `new` may replace `existing` without `-force`.
fn check_valid_import(new: &State, existing: &State) -> Result<(), String> {
    if existing.is_empty() || new.lineage.is_empty() || existing.lineage.is_empty() {
        // An empty state may be overwritten, and a state without lineage (legacy) cannot be
        // compared.
        return Ok(());
    }
    if new.lineage != existing.lineage {
        return Err(format!(
            "cannot import state with lineage {:?} over unrelated state with lineage {:?}",
            new.lineage, existing.lineage
        ));
    }
    if new.serial < existing.serial {
        return Err(format!(
            "cannot import state with serial {} over newer state with serial {}",
            new.serial, existing.serial
        ));
    }
    if new.serial == existing.serial && !new.same_content(existing) {
        return Err(format!(
            "cannot overwrite existing state with serial {} with a different state that has the same serial",
            new.serial
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bcmhcl::state::OutputState;
    use bcmhcl::value::Value;

    fn with_output(lineage: &str, serial: u64, v: &str) -> State {
        let mut s = State::new();
        s.lineage = lineage.into();
        s.serial = serial;
        s.outputs.insert(
            "o".into(),
            OutputState {
                value: Value::from(v),
                sensitive: false,
            },
        );
        s
    }

    #[test]
    fn only_successors_of_the_current_state_are_pushed_without_force() {
        let current = with_output("l1", 5, "a");
        assert!(check_valid_import(&with_output("l1", 6, "b"), &current).is_ok());
        assert!(check_valid_import(&with_output("l1", 5, "a"), &current).is_ok());
        assert_eq!(
            check_valid_import(&with_output("l1", 4, "a"), &current).unwrap_err(),
            "cannot import state with serial 4 over newer state with serial 5"
        );
        assert_eq!(
            check_valid_import(&with_output("l1", 5, "b"), &current).unwrap_err(),
            "cannot overwrite existing state with serial 5 with a different state that has the same serial"
        );
        assert_eq!(
            check_valid_import(&with_output("l2", 9, "a"), &current).unwrap_err(),
            "cannot import state with lineage \"l2\" over unrelated state with lineage \"l1\""
        );
        // Anything may replace an empty state.
        let mut empty = State::new();
        empty.serial = 40;
        assert!(check_valid_import(&with_output("l2", 1, "a"), &empty).is_ok());
    }
}
