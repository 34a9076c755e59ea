//! `bcmhcl state encrypt` and `bcmhcl state decrypt`: the local state, its backup and its
//! journal (or the pg workspace's row) rewritten sealed with the state key, or back to
//! plaintext, in place, under the state lock. The content is kept byte for byte (serial and lineage unchanged); a file that does not
//! open or is not a usable state stops the command before anything is written.

use super::{fail, lock, missing_file, no_state, report, Failed, StateFlags, WriteFlags};
use crate::cli::backend::Store;
use crate::cli::state_key::{KEY_FILE_VAR, PASSPHRASE_VAR};
use crate::cli::terminal::stdout_line;
use bcmhcl::diag::{Diagnostic, Diagnostics};
use bcmhcl::state::AtRest;
use clap::Args;

#[derive(Args, Debug)]
pub struct AtRestArgs {
    #[command(flatten)]
    flags: StateFlags,
    #[command(flatten)]
    write: WriteFlags,
}

pub fn encrypt(args: AtRestArgs) -> Result<(), Failed> {
    run(args, AtRest::Encrypted)
}

pub fn decrypt(args: AtRestArgs) -> Result<(), Failed> {
    run(args, AtRest::Plaintext)
}

fn run(args: AtRestArgs, target: AtRest) -> Result<(), Failed> {
    let no_color = args.flags.no_color;
    let store = args.flags.open()?;
    let (verb, done_word, operation) = match target {
        AtRest::Encrypted => ("encrypt", "encrypted", "state-encrypt"),
        AtRest::Plaintext => ("decrypt", "plaintext", "state-decrypt"),
    };
    if store.encryption().is_none() {
        let which = match target {
            AtRest::Encrypted => "the passphrase to encrypt it with",
            AtRest::Plaintext => "the passphrase it was encrypted with",
        };
        return fail(
            Diagnostic::error("No state key").detail(format!(
                "bcmhcl state {verb} needs a key: set {PASSPHRASE_VAR} to {which}, or \
                 {KEY_FILE_VAR} to a file holding it."
            )),
            no_color,
        );
    }
    if missing_file(&store) {
        return fail(no_state(), no_color);
    }
    let _lock = lock(&args.write, &*store, operation, no_color)?;
    let rewritten = match &store {
        Store::Local(local) => local.rewrite_at_rest(target),
        Store::Pg(pg) => pg.rewrite_at_rest(target).map(|done| {
            if done {
                vec![store.location().into()]
            } else {
                Vec::new()
            }
        }),
    };
    match rewritten {
        Ok(done) if done.is_empty() => {
            stdout_line(&format!(
                "The state is {done_word} already; nothing was changed."
            ));
            Ok(())
        }
        Ok(done) => {
            for p in &done {
                stdout_line(&format!("Rewrote {} ({done_word}).", p.display()));
            }
            stdout_line(&format!(
                "\nSuccessfully {}ed {} file{}.",
                verb,
                done.len(),
                if done.len() == 1 { "" } else { "s" }
            ));
            Ok(())
        }
        Err(e) => {
            report(Diagnostics(e.to_diagnostics()), no_color);
            Err(Failed)
        }
    }
}
