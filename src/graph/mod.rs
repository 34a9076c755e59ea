//! The dependency graph of a module: locals, outputs and resources (managed and data) joined by
//! the references in their expressions and by `depends_on`. Built with petgraph.
//!
//! References of a resource to its own instances (`aws_x.y[local.prev[each.key]]`) are not edges
//! here: they order the instances of that resource, which the engine resolves per instance
//! (`instance_order`), so that instances can be chained one after another as long as no
//! instance-level cycle results (Terraform rejects any self-reference).

use crate::config::{Expr, Module, ResourceMode};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use crate::eval::refs::{self, Reference};
use hcl_edit::structure::{Body, Structure};
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;
use std::fmt::Write;

/// A node of the module graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Local(String),
    Output(String),
    /// Index into `Module::resources`.
    Resource(usize),
    /// A `module "NAME"` call.
    ModuleCall(String),
}

impl Node {
    pub fn label(&self, module: &Module) -> String {
        match self {
            Node::Local(n) => format!("local.{n}"),
            Node::Output(n) => format!("output.{n}"),
            Node::Resource(i) => module.resources[*i].address(),
            Node::ModuleCall(n) => format!("module.{n}"),
        }
    }
}

/// A reference that makes one node depend on another.
#[derive(Clone, Debug)]
pub struct Edge {
    pub span: Span,
}

pub struct ModuleGraph {
    /// Edges point from a dependency to its dependent.
    pub graph: DiGraph<Node, Edge>,
    pub index: HashMap<Node, NodeIndex>,
    /// Nodes in an order where every node comes after its dependencies.
    pub order: Vec<NodeIndex>,
    /// Per resource, the references it makes to its own instances.
    pub self_references: HashMap<usize, Vec<Reference>>,
    /// Per node, every reference its expressions make (for instance-level dependencies).
    pub references: HashMap<Node, Vec<Reference>>,
}

/// Every expression that belongs to a node, with nested blocks walked.
pub fn node_expressions(module: &Module, node: &Node) -> Vec<Expr> {
    let mut out = Vec::new();
    match node {
        Node::Local(n) => out.push(module.locals[n].expr.clone()),
        Node::Output(n) => {
            let o = &module.outputs[n];
            out.extend(o.value.clone());
            out.extend(o.depends_on.iter().cloned());
            for c in &o.preconditions {
                out.push(c.condition.clone());
                out.extend(c.error_message.clone());
            }
        }
        Node::ModuleCall(n) => {
            let c = &module.module_calls[n];
            out.extend(c.count.clone());
            out.extend(c.for_each.clone());
            out.extend(c.depends_on.iter().cloned());
            out.extend(c.inputs.values().cloned());
        }
        Node::Resource(i) => {
            let r = &module.resources[*i];
            out.extend(r.count.clone());
            out.extend(r.for_each.clone());
            out.extend(r.depends_on.iter().cloned());
            body_expressions(&r.body, r.file, &mut out);
            let l = &r.lifecycle;
            for c in l.preconditions.iter().chain(&l.postconditions) {
                out.push(c.condition.clone());
                out.extend(c.error_message.clone());
            }
            out.extend(l.replace_triggered_by.clone());
            for p in &r.provisioners {
                body_expressions(&p.body, p.file, &mut out);
            }
        }
    }
    out
}

fn body_expressions(body: &Body, file: crate::diag::FileId, out: &mut Vec<Expr>) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => out.push(Expr::new(file, a.value.clone())),
            Structure::Block(b) => body_expressions(&b.body, file, out),
        }
    }
}

/// The node a reference points at, if it is one of the module's locals or resources.
pub fn target(module: &Module, r: &Reference) -> Option<Node> {
    let attr = |i: usize| r.attrs.get(i).map(String::as_str);
    match r.root.as_str() {
        "local" => attr(0)
            .filter(|n| module.locals.contains_key(*n))
            .map(|n| Node::Local(n.to_string())),
        "data" => {
            let (t, n) = (attr(0)?, attr(1)?);
            find_resource(module, ResourceMode::Data, t, n)
        }
        "module" => attr(0)
            .filter(|n| module.module_calls.contains_key(*n))
            .map(|n| Node::ModuleCall(n.to_string())),
        "var" | "path" | "terraform" | "each" | "count" | "self" => None,
        t => find_resource(module, ResourceMode::Managed, t, attr(0)?),
    }
}

fn find_resource(module: &Module, mode: ResourceMode, t: &str, n: &str) -> Option<Node> {
    module
        .resources
        .iter()
        .position(|r| r.mode == mode && r.type_name == t && r.name == n)
        .map(Node::Resource)
}

/// Builds the graph; a cycle is an error naming every reference in the loop.
pub fn build(module: &Module, sources: &SourceMap) -> Result<ModuleGraph, Diagnostics> {
    let mut graph: DiGraph<Node, Edge> = DiGraph::new();
    let mut index = HashMap::new();
    let nodes: Vec<Node> = module
        .locals
        .keys()
        .map(|n| Node::Local(n.clone()))
        .chain((0..module.resources.len()).map(Node::Resource))
        .chain(
            module
                .module_calls
                .keys()
                .map(|n| Node::ModuleCall(n.clone())),
        )
        .chain(module.outputs.keys().map(|n| Node::Output(n.clone())))
        .collect();
    for n in &nodes {
        index.insert(n.clone(), graph.add_node(n.clone()));
    }
    let mut self_references: HashMap<usize, Vec<Reference>> = HashMap::new();
    let mut references = HashMap::new();
    for n in &nodes {
        let mut all = Vec::new();
        for e in node_expressions(module, n) {
            all.extend(refs::find(&e.expr, e.file).references);
        }
        for r in &all {
            let Some(t) = target(module, r) else { continue };
            if &t == n {
                if let Node::Resource(i) = n {
                    self_references.entry(*i).or_default().push(r.clone());
                    continue;
                }
            }
            graph.add_edge(index[&t], index[n], Edge { span: r.span });
        }
        references.insert(n.clone(), all);
    }
    match toposort(&graph, None) {
        Ok(order) => Ok(ModuleGraph {
            graph,
            index,
            order,
            self_references,
            references,
        }),
        Err(_) => Err(cycle_diagnostics(&graph, module, sources)),
    }
}

fn cycle_diagnostics(
    graph: &DiGraph<Node, Edge>,
    module: &Module,
    sources: &SourceMap,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for scc in tarjan_scc(graph) {
        let looped = scc.len() > 1 || graph.find_edge(scc[0], scc[0]).is_some();
        if !looped {
            continue;
        }
        let mut names: Vec<String> = scc.iter().map(|n| graph[*n].label(module)).collect();
        names.sort();
        let mut detail = String::from(
            "These objects refer to each other, so none of them can be evaluated first:",
        );
        let mut d = Diagnostic::error(format!("Cycle: {}", names.join(", ")));
        for e in graph.edge_indices() {
            let Some((a, b)) = graph.edge_endpoints(e) else {
                continue;
            };
            if scc.contains(&a) && scc.contains(&b) {
                let span = graph[e].span;
                let _ = write!(
                    detail,
                    "\n  {} refers to {} at {}",
                    graph[b].label(module),
                    graph[a].label(module),
                    sources.describe(span)
                );
                d = d.label(
                    span,
                    format!(
                        "{} refers to {}",
                        graph[b].label(module),
                        graph[a].label(module)
                    ),
                );
                if d.span.is_none() {
                    d = d.at(span);
                }
            }
        }
        diags.push(d.detail(detail));
    }
    diags
}

/// Orders the instances of one resource given which instances each one refers to; a cycle is
/// an error listing the instances in the loop.
pub fn instance_order<K: Clone + Ord + std::fmt::Display>(
    keys: &[K],
    depends_on: &dyn Fn(&K) -> Vec<K>,
    resource: &str,
    span: Span,
) -> Result<Vec<K>, Diagnostic> {
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..keys.len()).map(|i| g.add_node(i)).collect();
    let position: std::collections::BTreeMap<&K, usize> =
        keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    for (i, k) in keys.iter().enumerate() {
        for dep in depends_on(k) {
            if let Some(&j) = position.get(&dep) {
                g.add_edge(nodes[j], nodes[i], ());
            }
        }
    }
    match toposort(&g, None) {
        Ok(order) => Ok(order.into_iter().map(|n| keys[g[n]].clone()).collect()),
        Err(_) => {
            let mut looped: Vec<String> = tarjan_scc(&g)
                .into_iter()
                .filter(|scc| scc.len() > 1 || g.find_edge(scc[0], scc[0]).is_some())
                .flatten()
                .map(|n| format!("{resource}{}", keys[g[n]]))
                .collect();
            looped.sort();
            Err(Diagnostic::error(format!("Cycle: {}", looped.join(", ")))
                .detail("These instances refer to each other in a loop, so none of them can be created first.")
                .at(span))
        }
    }
}

/// The graph as Graphviz DOT, as `terraform graph` prints it.
pub fn to_dot(g: &ModuleGraph, module: &Module) -> String {
    let mut out = String::from(
        "digraph {\n\tcompound = \"true\"\n\tnewrank = \"true\"\n\tsubgraph \"root\" {\n",
    );
    let mut nodes: Vec<String> = g
        .graph
        .node_indices()
        .map(|n| g.graph[n].label(module))
        .collect();
    nodes.sort();
    for n in &nodes {
        let _ = writeln!(out, "\t\t\"[root] {n}\" [label = \"{n}\", shape = \"box\"]");
    }
    let mut edges: Vec<(String, String)> = g
        .graph
        .edge_indices()
        .filter_map(|e| g.graph.edge_endpoints(e))
        .map(|(a, b)| (g.graph[b].label(module), g.graph[a].label(module)))
        .collect();
    edges.sort();
    edges.dedup();
    for (from, to) in edges {
        let _ = writeln!(out, "\t\t\"[root] {from}\" -> \"[root] {to}\"");
    }
    out.push_str("\t}\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_module;

    fn module(text: &str) -> (Module, SourceMap, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), text).unwrap();
        let mut sources = SourceMap::new();
        let (m, diags) = load_module(dir.path(), &mut sources);
        assert!(!diags.has_errors(), "{diags:?}");
        (m, sources, dir)
    }

    #[test]
    fn dependencies_come_first() {
        let (m, s, _d) = module(
            "output \"o\" {\n  value = local.b\n}\nlocals {\n  b = terraform_data.a.output\n}\nresource \"terraform_data\" \"a\" {\n  input = var.x\n}\nvariable \"x\" {}\n",
        );
        let g = build(&m, &s).unwrap();
        let order: Vec<String> = g.order.iter().map(|n| g.graph[*n].label(&m)).collect();
        assert_eq!(order, ["terraform_data.a", "local.b", "output.o"]);
    }

    #[test]
    fn a_cycle_names_every_reference() {
        let (m, s, _d) = module(
            "locals {\n  a = terraform_data.r.output\n}\nresource \"terraform_data\" \"r\" {\n  input = local.a\n}\n",
        );
        let err = build(&m, &s).err().unwrap();
        let d = &err.0[0];
        assert_eq!(d.summary, "Cycle: local.a, terraform_data.r");
        assert!(
            d.detail.contains("local.a refers to terraform_data.r at "),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("main.tf:2,7-30"), "{}", d.detail);
        assert!(
            d.detail.contains("terraform_data.r refers to local.a at "),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("main.tf:5,11-18"), "{}", d.detail);
    }

    #[test]
    fn self_references_order_instances_not_resources() {
        let (m, s, _d) = module(
            "resource \"terraform_data\" \"n\" {\n  for_each = toset([\"a\", \"b\"])\n  input = each.key == \"a\" ? null : terraform_data.n[\"a\"].id\n}\n",
        );
        let g = build(&m, &s).unwrap();
        assert_eq!(g.self_references[&0].len(), 1);
        use crate::addr::InstanceKey;
        let k = |s: &str| InstanceKey::Str(s.into());
        let keys = vec![k("c"), k("b"), k("a")];
        let chain = |key: &InstanceKey| match key.to_string().as_str() {
            "[\"c\"]" => vec![k("b")],
            "[\"b\"]" => vec![k("a")],
            _ => vec![],
        };
        let order = instance_order(&keys, &chain, "terraform_data.n", Span::default()).unwrap();
        assert_eq!(order, [k("a"), k("b"), k("c")]);
        let looped = |key: &InstanceKey| match key.to_string().as_str() {
            "[\"a\"]" => vec![k("c")],
            "[\"c\"]" => vec![k("b")],
            "[\"b\"]" => vec![k("a")],
            _ => vec![],
        };
        let err = instance_order(&keys, &looped, "terraform_data.n", Span::default()).unwrap_err();
        assert_eq!(
            err.summary,
            "Cycle: terraform_data.n[\"a\"], terraform_data.n[\"b\"], terraform_data.n[\"c\"]"
        );
    }
}
