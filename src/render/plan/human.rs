//! The human plan: what `terraform plan` prints after its refresh lines. Prose is word-wrapped
//! to the terminal width as Terraform wraps it (78 columns when not on a terminal).

use super::differ::{block_diff, output_diff};
use super::json::{index_json, output_change_json, resource_change_json, ChangeJson};
use super::renderers::{action_symbol, attribute_name, Opts, Palette};
use super::structured::{Change, Matcher};
use super::values::implied_block;
use super::{sorted_changes, HumanOptions, SchemaLookup};
use crate::config::ResourceMode;
use crate::plan::{Action, ActionInvocation, ActionReason, Plan, ResourceChange};
use std::collections::BTreeMap;
use std::fmt::Write;

pub(super) fn render(plan: &Plan, schemas: &dyn SchemaLookup, opts: &HumanOptions) -> String {
    let p = Palette {
        enabled: opts.color,
    };
    let product = opts.product.as_str();
    let wrap = |s: &str| word_wrap(&s.replace("Terraform", product), opts.width);

    // No-op changes say nothing, and deleting a data resource only tidies up state.
    let changes: Vec<&ResourceChange> = sorted_changes(plan)
        .into_iter()
        .filter(|c| c.action != Action::NoOp)
        .filter(|c| !(c.action == Action::Delete && c.addr.resource.mode == ResourceMode::Data))
        .collect();
    let mut counts: BTreeMap<Action, usize> = BTreeMap::new();
    for c in &changes {
        *counts.entry(c.action).or_default() += 1;
    }
    let outputs = render_outputs(plan, p);

    let invoked: Vec<&ActionInvocation> = plan
        .action_invocations
        .iter()
        .filter(|i| i.triggered_by.is_none())
        .collect();
    let mut out = String::new();
    if changes.is_empty() && outputs.is_empty() && invoked.is_empty() {
        if opts.errored {
            out.push_str(&p.paint(
                "\n[reset][bold][red]Planning failed.[reset][bold] {} encountered an error while generating this plan.[reset]\n\n",
                &[product],
            ));
        } else if plan.destroy {
            out.push_str(&p.paint(
                "\n[reset][bold][green]No changes.[reset][bold] No objects need to be destroyed.[reset]\n\n",
                &[],
            ));
            out.push_str(&wrap("Either you have not created any objects yet or the existing objects were already deleted outside of Terraform."));
            out.push('\n');
        } else {
            out.push_str(&p.paint(
                "\n[reset][bold][green]No changes.[reset][bold] Your infrastructure matches the configuration.[reset]\n\n",
                &[],
            ));
            out.push_str(&wrap("Terraform has compared your real infrastructure against your configuration and found no differences, so no changes are needed."));
            out.push('\n');
        }
    }

    if !changes.is_empty() {
        out.push_str(&wrap("\nTerraform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:"));
        out.push('\n');
        for (action, legend) in [
            (Action::Create, "  [green]+[reset] create"),
            (Action::Update, "  [yellow]~[reset] update in-place"),
            (Action::Delete, "  [red]-[reset] destroy"),
            (
                Action::DeleteThenCreate,
                "[red]-[reset]/[green]+[reset] destroy and then create replacement",
            ),
            (
                Action::CreateThenDelete,
                "[green]+[reset]/[red]-[reset] create replacement and then destroy",
            ),
            (Action::Read, " [cyan]<=[reset] read (data resources)"),
        ] {
            if counts.contains_key(&action) {
                out.push_str(&p.paint(legend, &[]));
                out.push('\n');
            }
        }

        if opts.errored {
            let _ = writeln!(
                out,
                "\n{product} planned the following actions, but then encountered a problem:"
            );
        } else {
            let _ = writeln!(out, "\n{product} will perform the following actions:");
        }
        for c in &changes {
            out.push('\n');
            out.push_str(&render_resource_change(c, schemas, p));
            out.push('\n');
            let triggered: Vec<String> = plan
                .action_invocations
                .iter()
                .filter(|i| i.triggered_by.as_ref() == Some(&c.addr))
                .map(|i| format!("      # then invokes {}\n", i.addr))
                .collect();
            if !triggered.is_empty() {
                out.push_str("\n    # Actions to be invoked after this change, in order:\n");
                out.push_str(&triggered.concat());
            }
        }
        let n = |a: Action| counts.get(&a).copied().unwrap_or(0);
        let replaced = n(Action::DeleteThenCreate) + n(Action::CreateThenDelete);
        out.push_str(&p.paint("\n[bold]Plan:[reset] ", &[]));
        let _ = writeln!(
            out,
            "{} to add, {} to change, {} to destroy.{}",
            n(Action::Create) + replaced,
            n(Action::Update),
            n(Action::Delete) + replaced,
            actions_suffix(plan)
        );
    } else if !invoked.is_empty() {
        let _ = writeln!(out, "\n{product} will invoke the following action(s):");
        for i in &invoked {
            let _ = writeln!(out, "\n  # {} will be invoked", i.addr);
        }
        out.push_str(&p.paint("\n[bold]Plan:[reset] ", &[]));
        let _ = writeln!(
            out,
            "0 to add, 0 to change, 0 to destroy.{}",
            actions_suffix(plan)
        );
    }

    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        out.push_str(&outputs);
        out.push('\n');
        if counts.is_empty() {
            // Nothing else explains what applying an outputs-only plan would do.
            out.push_str(&wrap("\nYou can apply this plan to save these new output values to the Terraform state, without changing any real infrastructure."));
            out.push('\n');
        }
    }
    out
}

/// The comment lines, header and body of one resource instance's change.
pub(super) fn render_resource_change(
    c: &ResourceChange,
    schemas: &dyn SchemaLookup,
    p: Palette,
) -> String {
    let r = &c.addr.resource;
    let implied;
    let block = match schemas.resource_schema(&c.provider, r.mode, &r.type_name) {
        Some(s) => &s.block,
        None => {
            implied = implied_block(c.before.as_ref(), c.after.as_ref());
            &implied
        }
    };
    let json = resource_change_json(c, Some(block));
    let diff = block_diff(structured_change(&json, c), block);
    let mode = match r.mode {
        ResourceMode::Managed => "resource",
        ResourceMode::Data => "data",
    };
    format!(
        "{}{} {mode} \"{}\" \"{}\" {}",
        comment(c, p),
        action_symbol(c.action, p),
        r.type_name,
        r.name,
        diff.render(0, Opts::new(p))
    )
}

fn structured_change<'a>(json: &'a ChangeJson, c: &'a ResourceChange) -> Change<'a> {
    Change::new(
        Some(&json.before),
        json.after.as_ref(),
        Some(&json.after_unknown),
        Some(&json.before_sensitive),
        Some(&json.after_sensitive),
        Matcher::new(c.replace_paths.iter().map(Vec::as_slice)),
    )
}

/// `  # ADDR will be created` and the notes that explain why.
fn comment(c: &ResourceChange, p: Palette) -> String {
    let addr = c.addr.to_string();
    let a = addr.as_str();
    let mut out = match c.action {
        Action::Create => p.paint("[bold]  # {}[reset] will be created", &[a]),
        Action::Read => {
            let mut s = p.paint("[bold]  # {}[reset] will be read during apply", &[a]);
            match c.reason {
                Some(ActionReason::ReadBecauseConfigUnknown) => {
                    s.push_str("\n  # (config refers to values not yet known)")
                }
                Some(ActionReason::ReadBecauseDependencyPending) => {
                    s.push_str("\n  # (depends on a resource or a module with changes pending)")
                }
                _ => {}
            }
            s
        }
        Action::Update => p.paint("[bold]  # {}[reset] will be updated in-place", &[a]),
        Action::DeleteThenCreate | Action::CreateThenDelete => match c.reason {
            Some(ActionReason::ReplaceBecauseTainted) => p.paint(
                "[bold]  # {}[reset] is tainted, so must be [bold][red]replaced[reset]",
                &[a],
            ),
            Some(ActionReason::ReplaceByRequest) => p.paint(
                "[bold]  # {}[reset] will be [bold][red]replaced[reset], as requested",
                &[a],
            ),
            Some(ActionReason::ReplaceByTriggers) => p.paint(
                "[bold]  # {}[reset] will be [bold][red]replaced[reset] due to changes in replace_triggered_by",
                &[a],
            ),
            _ => p.paint("[bold]  # {}[reset] must be [bold][red]replaced[reset]", &[a]),
        },
        Action::Delete => {
            let mut s = p.paint("[bold]  # {}[reset] will be [bold][red]destroyed[reset]", &[a]);
            let r = &c.addr.resource;
            let index = index_json(&c.addr.key).map(|j| go_json(&j)).unwrap_or_default();
            match c.reason {
                Some(ActionReason::DeleteBecauseNoResourceConfig) => {
                    let _ = write!(
                        s,
                        "\n  # (because {}.{} is not in configuration)",
                        r.type_name, r.name
                    );
                }
                Some(ActionReason::DeleteBecauseNoModule) => {
                    let _ = write!(s, "\n  # (because {} is not in configuration)", r.module);
                }
                Some(ActionReason::DeleteBecauseCountIndex) => {
                    let _ = write!(
                        s,
                        "\n  # (because index [{index}] is out of range for count)"
                    );
                }
                Some(ActionReason::DeleteBecauseEachKey) => {
                    let _ = write!(s, "\n  # (because key [{index}] is not in for_each map)");
                }
                _ => {}
            }
            s
        }
        Action::NoOp => format!(
            "{a} has an action the plan renderer doesn't support (this is a bug)"
        ),
    };
    out.push('\n');
    out
}

/// JSON text as Go's encoder writes it, which escapes `<`, `>` and `&` in strings.
fn go_json(j: &serde_json::Value) -> String {
    j.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// `  + name = value` lines for the outputs whose value changes, sorted by name and aligned.
fn render_outputs(plan: &Plan, p: Palette) -> String {
    let mut outputs: Vec<_> = plan.output_changes.iter().collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let rendered: Vec<(String, super::renderers::Diff)> = outputs
        .iter()
        .map(|o| {
            let json = output_change_json(o);
            let change = Change::new(
                Some(&json.before),
                json.after.as_ref(),
                Some(&json.after_unknown),
                Some(&json.before_sensitive),
                Some(&json.after_sensitive),
                Matcher::default(),
            );
            (attribute_name(&o.name), output_diff(change))
        })
        .collect();
    // Every output counts for the alignment, also the unchanged ones that are not printed.
    let width = rendered.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let lines: Vec<String> = rendered
        .iter()
        .filter(|(_, d)| d.action != Action::NoOp)
        .map(|(name, d)| {
            let pad = width.saturating_sub(name.chars().count());
            format!(
                "{} {name}{} = {}",
                action_symbol(d.action, p),
                " ".repeat(pad),
                d.render(0, Opts::new(p))
            )
        })
        .collect();
    lines.join("\n")
}

/// Terraform's `format.WordWrap`: each line that does not start with a space is wrapped at
/// word boundaries to `width - 1` characters.
pub(super) fn word_wrap(s: &str, width: usize) -> String {
    if width <= 1 {
        return s.to_string();
    }
    let limit = width - 1;
    s.split('\n')
        .map(|line| {
            if line.starts_with(' ') {
                return line.to_string();
            }
            let mut out = String::with_capacity(line.len() + 8);
            let mut current = 0;
            for word in line.split(' ') {
                let len = word.chars().count();
                if current == 0 && out.is_empty() {
                    out.push_str(word);
                    current = len;
                } else if current + 1 + len > limit && current > 0 {
                    out.push('\n');
                    out.push_str(word);
                    current = len;
                } else {
                    out.push(' ');
                    out.push_str(word);
                    current += 1 + len;
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// " Actions: N to invoke." after the plan's counts, when it invokes actions (Terraform 1.14).
fn actions_suffix(plan: &Plan) -> String {
    match plan.action_invocations.len() {
        0 => String::new(),
        n => format!(" Actions: {n} to invoke."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_like_terraform_at_78_columns() {
        let s = word_wrap("\nTerraform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:", 78);
        assert_eq!(
            s,
            "\nTerraform used the selected providers to generate the following execution\nplan. Resource actions are indicated with the following symbols:"
        );
        assert_eq!(word_wrap("  keep   this", 5), "  keep   this");
    }

    #[test]
    fn go_json_escapes_html_characters() {
        assert_eq!(
            go_json(&serde_json::json!("a<b&c")),
            "\"a\\u003cb\\u0026c\""
        );
    }
}
