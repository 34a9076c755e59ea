//! References an expression makes to named objects (`var.x`, `local.y`, `data.t.n`,
//! `aws_x.y`, `module.m`, ...) and the functions it calls. Iteration variables of `for`
//! expressions and `%{for}` directives are not references. Used for static checks (undeclared
//! names, unknown functions) and, later, for the dependency graph.

use crate::diag::{FileId, Span};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};

/// A reference: the root name and the attribute names directly after it (at most three).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub root: String,
    pub attrs: Vec<String>,
    /// The first index key when it is a literal (`aws_x.y["k"]`, `aws_x.y[0]`).
    pub key: Option<InstanceKeyLit>,
    /// The first index expression after the attributes, literal or not (`aws_x.y[each.key]`):
    /// the graph evaluates it per instance to find which instance is meant.
    pub key_expr: Option<Expression>,
    pub span: Span,
}

/// A literal instance key in a reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstanceKeyLit {
    Int(i64),
    String(String),
}

/// What one expression refers to and calls.
#[derive(Default, Debug)]
pub struct Found {
    pub references: Vec<Reference>,
    pub calls: Vec<(String, Span)>,
}

pub fn find(expr: &Expression, file: FileId) -> Found {
    let mut w = Walker {
        file,
        bound: Vec::new(),
        found: Found::default(),
    };
    w.expr(expr);
    w.found
}

struct Walker {
    file: FileId,
    bound: Vec<String>,
    found: Found,
}

impl Walker {
    fn span(&self, n: &impl hcl_edit::Span) -> Span {
        Span::new(self.file, n.span().unwrap_or(0..0))
    }

    fn root(&mut self, name: &str, ops: &[hcl_edit::Decorated<TraversalOperator>], span: Span) {
        if self.bound.iter().any(|b| b == name) {
            return;
        }
        let mut attrs = Vec::new();
        let mut end = span;
        let mut key = None;
        let mut key_expr = None;
        for op in ops {
            match op.value() {
                TraversalOperator::GetAttr(a) if attrs.len() < 3 && key.is_none() => {
                    attrs.push(a.value().to_string());
                    end = self.span(op);
                }
                TraversalOperator::Index(Expression::String(s)) if key.is_none() => {
                    key = Some(InstanceKeyLit::String(s.value().to_string()));
                    key_expr = Some(Expression::String(s.clone()));
                    break;
                }
                TraversalOperator::Index(Expression::Number(n)) if key.is_none() => {
                    key = n.value().as_i64().map(InstanceKeyLit::Int);
                    key_expr = Some(Expression::Number(n.clone()));
                    break;
                }
                TraversalOperator::Index(e) => {
                    key_expr = Some(e.clone());
                    break;
                }
                TraversalOperator::LegacyIndex(i) if key.is_none() => {
                    key = Some(InstanceKeyLit::Int(*i.value() as i64));
                    break;
                }
                _ => break,
            }
        }
        self.found.references.push(Reference {
            root: name.to_string(),
            attrs,
            key,
            key_expr,
            span: span.to(end),
        });
    }

    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|i| self.expr(i)),
            Expression::Object(obj) => {
                for (k, v) in obj.iter() {
                    if let hcl_edit::expr::ObjectKey::Expression(k) = k {
                        if !matches!(k, Expression::Variable(_)) {
                            self.expr(k);
                        }
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => {
                let span = self.span(e);
                self.root(v.value().as_str(), &[], span);
            }
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(call) => {
                let mut name = call
                    .name
                    .namespace
                    .iter()
                    .map(|n| format!("{}::", n.value().as_str()))
                    .collect::<String>();
                name.push_str(call.name.name.value().as_str());
                let span = self.span(&call.name.name);
                self.found.calls.push((name, span));
                call.args.iter().for_each(|a| self.expr(a));
            }
            Expression::Traversal(t) => {
                match &t.expr {
                    Expression::Variable(v) => {
                        let span = self.span(&t.expr);
                        self.root(v.value().as_str(), &t.operators, span);
                    }
                    other => self.expr(other),
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(k) = op.value() {
                        self.expr(k);
                    }
                }
            }
            Expression::UnaryOp(op) => self.expr(&op.expr),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr);
                self.expr(&op.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let before = self.bound.len();
                self.bound.push(f.intro.value_var.value().to_string());
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.value().to_string());
                }
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(before);
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for el in t.iter() {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match &**d {
                    Directive::If(d) => {
                        self.expr(&d.if_expr.cond_expr);
                        self.template(&d.if_expr.template);
                        if let Some(e) = &d.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(d) => {
                        let fe = &d.for_expr;
                        self.expr(&fe.collection_expr);
                        let before = self.bound.len();
                        self.bound.push(fe.value_var.value().to_string());
                        if let Some(k) = &fe.key_var {
                            self.bound.push(k.value().to_string());
                        }
                        self.template(&fe.template);
                        self.bound.truncate(before);
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        find(&e, FileId(0))
            .references
            .into_iter()
            .map(|r| format!("{}.{}", r.root, r.attrs.join(".")))
            .collect()
    }

    #[test]
    fn for_iterators_are_not_references() {
        assert_eq!(
            refs("[for n in data.bcm_cmdevice_nodes.all.nodes : n.hostname if n.x == var.h]"),
            vec!["data.bcm_cmdevice_nodes.all.nodes", "var.h"]
        );
    }

    #[test]
    fn template_for_variables_are_not_references() {
        assert_eq!(
            refs("\"%{for k, v in local.m}${k}${var.s}%{endfor}\""),
            vec!["local.m", "var.s"]
        );
    }
}
