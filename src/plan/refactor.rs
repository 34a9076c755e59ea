//! `moved` and `removed` blocks: refactoring recorded in configuration, applied to the prior
//! state before planning so that renamed resources keep their objects and forgotten ones leave
//! the state without being destroyed.

use crate::addr::{parse_target, Target};
use crate::config::{ModuleTree, StructuralBlock};
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::state::State;
use hcl_edit::structure::Structure;

/// The text of an attribute's expression (`from = terraform_data.a["x"]`).
fn address_text(block: &StructuralBlock, name: &str, sources: &SourceMap) -> Option<String> {
    let e = block.attrs.get(name)?;
    let span = e.span();
    let text = &sources.file(span.file).text;
    text.get(span.start as usize..span.end as usize)
        .map(|s| s.trim().to_string())
}

fn parse(block: &StructuralBlock, name: &str, sources: &SourceMap) -> Result<Target, Diagnostic> {
    let at = block.attrs.get(name).map_or(block.span, |e| e.span());
    let text = address_text(block, name, sources).unwrap_or_default();
    parse_target(&text).map_err(|m| {
        Diagnostic::error(format!("Invalid \"{name}\" address"))
            .detail(format!("{m}: give a resource address such as terraform_data.a or an instance address such as terraform_data.a[\"k\"]."))
            .at(at)
    })
}

/// Applies the root module's `moved` and `removed` blocks to `state`; returns a note per change
/// (`terraform_data.a has moved to terraform_data.b`).
pub fn apply(
    tree: &ModuleTree,
    sources: &SourceMap,
    state: &mut State,
) -> (Vec<String>, Diagnostics) {
    let mut notes = Vec::new();
    let mut diags = Diagnostics::new();
    for block in &tree.module.moved {
        let (from, to) = match (parse(block, "from", sources), parse(block, "to", sources)) {
            (Ok(f), Ok(t)) => (f, t),
            (f, t) => {
                diags.extend(Diagnostics(f.err().into_iter().chain(t.err()).collect()));
                continue;
            }
        };
        let moves: Vec<_> = match (&from, &to) {
            (Target::Resource(f), Target::Resource(t)) => state
                .instances()
                .filter(|(a, _)| a.resource == *f)
                .map(|(a, _)| (a.clone(), t.instance(a.key.clone())))
                .collect(),
            (Target::Instance(f), Target::Instance(t)) => state
                .instance(f)
                .map(|_| vec![(f.clone(), t.clone())])
                .unwrap_or_default(),
            _ => {
                diags.push(
                    Diagnostic::error("Invalid moved block")
                        .detail("A moved block moves a resource to a resource or an instance to an instance: \"from\" and \"to\" must be of the same kind.")
                        .at(block.span),
                );
                continue;
            }
        };
        for (old, new) in moves {
            if state.instance(&new).is_some() {
                diags.push(
                    Diagnostic::warning("Moved object still exists")
                        .detail(format!("This statement declares a move from {old} to {new}, but {new} already exists in the state, so the move is ignored."))
                        .at(block.span),
                );
                continue;
            }
            let provider = state
                .resource(&old.resource)
                .map(|r| r.provider.clone())
                .unwrap_or_default();
            if let Some(inst) = state.instance(&old).cloned() {
                state.remove_instance(&old);
                state.set_instance(&new, &provider, inst);
                notes.push(format!("{old} has moved to {new}"));
            }
        }
    }
    for block in &tree.module.removed {
        let destroy = block.body.iter().any(|s| match s {
            Structure::Block(b) if b.ident.value().as_str() == "lifecycle" => {
                b.body.get_attribute("destroy").is_some_and(
                    |a| matches!(&a.value, hcl_edit::expr::Expression::Bool(v) if *v.value()),
                )
            }
            _ => false,
        });
        let explicit_keep = block.body.iter().any(|s| match s {
            Structure::Block(b) if b.ident.value().as_str() == "lifecycle" => {
                b.body.get_attribute("destroy").is_some()
            }
            _ => false,
        });
        if destroy || !explicit_keep {
            // Destroying is what happens anyway to an object with no configuration.
            continue;
        }
        let Ok(from) = parse(block, "from", sources) else {
            continue;
        };
        let forget: Vec<_> = state
            .instances()
            .filter(|(a, _)| match &from {
                Target::Resource(r) => a.resource == *r,
                Target::Instance(i) => a == i,
            })
            .map(|(a, _)| a.clone())
            .collect();
        for addr in forget {
            state.remove_instance(&addr);
            notes.push(format!(
                "{addr} will no longer be managed by bcmhcl (it is not destroyed)"
            ));
        }
    }
    (notes, diags)
}
