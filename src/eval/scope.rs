//! Name resolution for expressions: for-expression and template iteration variables bound on
//! the stack, and a `Resolver` for the module-level namespaces (`var`, `local`, `path`, `data`...).

use crate::diag::{Diagnostic, Span};
use crate::value::Value;

/// Resolves references that start at a root name the evaluator does not bind itself.
pub trait Resolver: Sync {
    /// Resolves `root` followed by the attribute names `attrs` (the leading `.name` steps of the
    /// traversal). Returns the value and how many of `attrs` it consumed: `var.x` consumes one,
    /// `data.t.n` two.
    fn resolve(&self, root: &str, attrs: &[&str], span: Span)
        -> Result<(Value, usize), Diagnostic>;
}

/// A resolver that knows no names: for expressions that may use only functions and literals.
pub struct NoNames;

impl Resolver for NoNames {
    fn resolve(&self, root: &str, _: &[&str], span: Span) -> Result<(Value, usize), Diagnostic> {
        Err(Diagnostic::error("Variables not allowed")
            .detail(format!(
                "Variables may not be used here (found a reference to {root:?})."
            ))
            .at(span))
    }
}

/// A chain of variable bindings: iteration variables of `for` expressions and `%{for}`
/// directives, and template variables. Lives on the stack; lookups walk towards the root.
pub enum Scope<'a> {
    Root(&'a dyn Resolver),
    Bind {
        name: &'a str,
        value: Value,
        parent: &'a Scope<'a>,
    },
}

impl<'a> Scope<'a> {
    pub fn new(resolver: &'a dyn Resolver) -> Scope<'a> {
        Scope::Root(resolver)
    }

    pub fn bind(&'a self, name: &'a str, value: Value) -> Scope<'a> {
        Scope::Bind {
            name,
            value,
            parent: self,
        }
    }

    /// The value bound to `name` by an enclosing `for`, if any.
    pub fn local(&self, name: &str) -> Option<&Value> {
        let mut s = self;
        loop {
            match s {
                Scope::Root(_) => return None,
                Scope::Bind {
                    name: n,
                    value,
                    parent,
                } => {
                    if *n == name {
                        return Some(value);
                    }
                    s = parent;
                }
            }
        }
    }

    pub fn resolver(&self) -> &'a dyn Resolver {
        let mut s = self;
        loop {
            match s {
                Scope::Root(r) => return *r,
                Scope::Bind { parent, .. } => s = parent,
            }
        }
    }

    /// True when `name` is bound by a `for` somewhere up the chain.
    pub fn binds(&self, name: &str) -> bool {
        self.local(name).is_some()
    }
}
