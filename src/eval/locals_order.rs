//! The order in which local values must be evaluated, from their references to each other.

use super::refs;
use crate::config::Module;
use crate::diag::Diagnostic;
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use std::collections::HashMap;

/// Locals sorted so that each comes after the locals it refers to; a cycle is an error that
/// lists every reference in the loop.
pub fn order(module: &Module) -> Result<Vec<String>, Diagnostic> {
    let mut g: DiGraph<&str, crate::diag::Span> = DiGraph::new();
    let mut index = HashMap::new();
    for name in module.locals.keys() {
        index.insert(name.as_str(), g.add_node(name.as_str()));
    }
    for (name, local) in &module.locals {
        for r in refs::find(&local.expr.expr, local.expr.file).references {
            if r.root == "local" {
                if let Some(target) = r.attrs.first().and_then(|a| index.get(a.as_str())) {
                    // Edge from dependency to dependent: a topological order evaluates
                    // dependencies first.
                    g.add_edge(*target, index[name.as_str()], r.span);
                }
            }
        }
    }
    // tarjan_scc yields components in reverse topological order.
    let mut out = Vec::with_capacity(module.locals.len());
    for scc in tarjan_scc(&g).into_iter().rev() {
        let self_loop = scc.len() == 1 && g.find_edge(scc[0], scc[0]).is_some();
        if scc.len() > 1 || self_loop {
            let mut names: Vec<&str> = scc.iter().map(|n| g[*n]).collect();
            names.sort_unstable();
            let mut d =
                Diagnostic::error("Cycle in local values").detail(format!(
                "The local values {} refer to each other, so none of them can be evaluated: {}.",
                names.iter().map(|n| format!("local.{n}")).collect::<Vec<_>>().join(", "),
                "remove one of the references in the loop"
            ));
            for e in g.edge_indices() {
                let (a, b) = g.edge_endpoints(e).unwrap_or((scc[0], scc[0]));
                if scc.contains(&a) && scc.contains(&b) {
                    let span = g[e];
                    d = d.label(span, format!("local.{} refers to local.{}", g[b], g[a]));
                    if d.span.is_none() {
                        d = d.at(span);
                    }
                }
            }
            return Err(d);
        }
        out.push(g[scc[0]].to_string());
    }
    Ok(out)
}
