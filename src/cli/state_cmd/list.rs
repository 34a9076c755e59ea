//! `bcmhcl state list [-id=ID] [ADDRESS...]`: one instance address per line, in Terraform's
//! order (root module first, then modules by path; data before managed resources; then type,
//! name and key). Each address filters by module or resource; one that matches nothing is an
//! error, as in Terraform.

use super::target::{all_instances, lookup, parse_target};
use super::{load_existing, report, Failed, StateFlags};
use bcmhcl::diag::Diagnostics;
use bcmhcl::state::InstanceState;
use clap::Args;
use std::io::Write;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only instances within these modules or resources.
    #[arg(value_name = "ADDRESS")]
    addresses: Vec<String>,
    /// Only instances whose "id" attribute equals this.
    #[arg(long = "id", value_name = "ID")]
    id: Option<String>,
    #[command(flatten)]
    flags: StateFlags,
}

pub fn run(args: ListArgs) -> Result<(), Failed> {
    let no_color = args.flags.no_color;
    let store = args.flags.open()?;
    let state = load_existing(&*store, no_color)?;
    let addrs = if args.addresses.is_empty() {
        all_instances(&state)
    } else {
        // Every address is checked before anything is printed, and every problem reported.
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
        addrs
    };
    let mut out = String::new();
    for addr in addrs {
        let current = state.instance(&addr);
        if let Some(id) = &args.id {
            if legacy_id(current) != *id {
                continue;
            }
        }
        out.push_str(&addr.to_string());
        out.push('\n');
    }
    // A closed pipe (`bcmhcl state list | head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(())
}

/// Terraform's `LegacyInstanceObjectID`: the string `id` attribute of the current object,
/// `<none>` when there is none, `<not created>` when only deposed objects remain.
fn legacy_id(current: Option<&InstanceState>) -> String {
    match current {
        None => "<not created>".to_string(),
        Some(i) => match i.attributes.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => "<none>".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bcmhcl::addr::InstanceKey;

    #[test]
    fn ids_are_read_as_terraform_reads_them() {
        let with = |j| InstanceState::new(InstanceKey::None, j);
        assert_eq!(
            legacy_id(Some(&with(serde_json::json!({"id": "abc"})))),
            "abc"
        );
        assert_eq!(
            legacy_id(Some(&with(serde_json::json!({"id": 3})))),
            "<none>"
        );
        assert_eq!(legacy_id(Some(&with(serde_json::json!({})))), "<none>");
        assert_eq!(legacy_id(None), "<not created>");
    }
}
