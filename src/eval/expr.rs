//! The expression evaluator over hcl-edit's syntax tree.

use super::funcs::{self, FuncContext, FuncTable};
use super::ops;
use super::scope::Scope;
use crate::diag::{Diagnostic, FileId, Span};
use crate::value::{convert, unify, Attrs, Number, Type, Value};
use hcl_edit::expr::{
    BinaryOperator, Expression, FuncCall, Traversal, TraversalOperator, UnaryOperator,
};
use hcl_edit::Span as _;
use std::cell::Cell;
use std::sync::Arc;

/// How deeply expressions may nest during evaluation before we refuse (no stack overflow).
const MAX_DEPTH: u32 = 200;

pub type EvalResult = Result<Value, Diagnostic>;

/// Evaluates expressions of one source file.
pub struct Evaluator<'a> {
    pub funcs: &'a FuncTable,
    pub fctx: &'a FuncContext,
    pub file: FileId,
    /// The text the expressions' spans point into (for number literals' exact digits).
    pub source: &'a str,
    depth: Cell<u32>,
    /// Set inside `templatefile` to refuse recursive calls.
    in_templatefile: bool,
    /// Memoised for-expression work (loop-invariant results, equality-filter indexes).
    pub(crate) for_cache: super::for_expr::ForCache,
}

impl<'a> Evaluator<'a> {
    pub fn new(
        funcs: &'a FuncTable,
        fctx: &'a FuncContext,
        file: FileId,
        source: &'a str,
    ) -> Evaluator<'a> {
        Evaluator {
            funcs,
            fctx,
            file,
            source,
            depth: Cell::new(0),
            in_templatefile: false,
            for_cache: Default::default(),
        }
    }

    pub(crate) fn for_template_file(&self, file: FileId, source: &'a str) -> Evaluator<'a> {
        Evaluator {
            funcs: self.funcs,
            fctx: self.fctx,
            file,
            source,
            depth: Cell::new(self.depth.get()),
            in_templatefile: true,
            for_cache: Default::default(),
        }
    }

    pub(crate) fn in_templatefile(&self) -> bool {
        self.in_templatefile
    }

    pub fn span_of(&self, node: &impl hcl_edit::Span) -> Span {
        node.span()
            .map(|r| Span::new(self.file, r))
            .unwrap_or(Span::new(self.file, 0..0))
    }

    /// Evaluates `expr` in `scope`.
    pub fn eval(&self, expr: &Expression, scope: &Scope) -> EvalResult {
        let depth = self.depth.get();
        if depth >= MAX_DEPTH {
            return Err(Diagnostic::error("Expression too deeply nested")
                .detail(format!(
                    "This expression nests more than {MAX_DEPTH} levels deep; simplify it."
                ))
                .at(self.span_of(expr)));
        }
        self.depth.set(depth + 1);
        let r = self.eval_inner(expr, scope);
        self.depth.set(depth);
        r
    }

    fn eval_inner(&self, expr: &Expression, scope: &Scope) -> EvalResult {
        match expr {
            Expression::Null(_) => Ok(Value::NULL),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(self.number_literal(expr, n.value())),
            Expression::String(s) => Ok(Value::string(s.value().as_str())),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.eval(item, scope)?);
                }
                Ok(Value::tuple(out))
            }
            Expression::Object(obj) => self.eval_object(obj, scope),
            Expression::StringTemplate(t) => super::template::eval_template(self, t, scope),
            Expression::HeredocTemplate(h) => {
                super::template::eval_template(self, &h.template, scope)
            }
            Expression::Parenthesis(p) => self.eval(p.inner(), scope),
            Expression::Variable(v) => {
                let span = self.span_of(expr);
                self.resolve_root(v.value().as_str(), &[], scope, span)
                    .map(|(v, _)| v)
            }
            Expression::Conditional(c) => self.eval_conditional(c, scope, self.span_of(expr)),
            Expression::FuncCall(call) => self.eval_call(call, scope, self.span_of(expr)),
            Expression::Traversal(t) => self.eval_traversal(t, scope),
            Expression::UnaryOp(op) => {
                let v = self.eval(&op.expr, scope)?;
                let span = self.span_of(expr);
                match op.operator.value() {
                    UnaryOperator::Neg => ops::negate(&v),
                    UnaryOperator::Not => ops::not(&v),
                }
                .map_err(|d| d.or_at(span))
            }
            Expression::BinaryOp(op) => self.eval_binary(
                op.operator.value(),
                &op.lhs_expr,
                &op.rhs_expr,
                scope,
                self.span_of(expr),
            ),
            Expression::ForExpr(f) => super::for_expr::eval_for(self, f, scope),
        }
    }

    /// Number literals keep their exact digits: read them from the source text.
    fn number_literal(&self, expr: &Expression, n: &hcl_edit::Number) -> Value {
        if let Some(r) = expr.span() {
            if let Some(text) = self.source.get(r) {
                if let Some(num) = Number::parse(text.trim()) {
                    return Value::Number(num);
                }
            }
        }
        if let Some(i) = n.as_i64() {
            return Value::int(i);
        }
        Value::Number(Number::from_f64(n.as_f64().unwrap_or(0.0)))
    }

    fn eval_object(&self, obj: &hcl_edit::expr::Object, scope: &Scope) -> EvalResult {
        let mut out = Attrs::new();
        let mut unknown = false;
        let mut sensitive = false;
        for (key, value) in obj.iter() {
            let key_str: Arc<str> = match key {
                hcl_edit::expr::ObjectKey::Ident(id) => Arc::from(id.value().as_str()),
                hcl_edit::expr::ObjectKey::Expression(k) => {
                    let kspan = self.span_of(k);
                    // A bare name as key is the literal name, as in HCL.
                    if let Expression::Variable(v) = k {
                        Arc::from(v.value().as_str())
                    } else {
                        let kv = self.eval(k, scope)?;
                        let (kv, marked) = kv.unmark();
                        sensitive |= marked;
                        if kv.is_null() {
                            return Err(Diagnostic::error("Invalid object key")
                                .detail("Key expression in object constructor must not be null.")
                                .at(kspan));
                        }
                        if !kv.is_known() {
                            unknown = true;
                            continue;
                        }
                        match convert(kv, &Type::String) {
                            Ok(s) => Arc::from(s.as_str().unwrap_or_default()),
                            Err(e) => {
                                return Err(Diagnostic::error("Incorrect key type")
                                    .detail(format!("Can't use this value as a key: {e}."))
                                    .at(kspan))
                            }
                        }
                    }
                }
            };
            let v = self.eval(value.expr(), scope)?;
            out.insert(key_str, v);
        }
        if unknown {
            return Ok(Value::unknown().mark_if(sensitive));
        }
        Ok(Value::object(out).mark_if(sensitive))
    }

    fn eval_conditional(
        &self,
        c: &hcl_edit::expr::Conditional,
        scope: &Scope,
        span: Span,
    ) -> EvalResult {
        // As HCL does: both results are computed so that the result type is the unification of
        // both; errors only count from the branch that is chosen.
        let cond = self.eval(&c.cond_expr, scope)?;
        let cond_span = self.span_of(&c.cond_expr);
        let (cond, cond_marked) = cond.unmark();
        if cond.is_null() {
            return Err(Diagnostic::error("Null condition")
                .detail("The condition value is null. Conditions must either be true or false.")
                .at(cond_span));
        }
        let cond_bool = if cond.is_known() {
            match convert(cond, &Type::Bool) {
                Ok(b) => b.as_bool(),
                Err(_) => {
                    return Err(Diagnostic::error("Incorrect condition type")
                        .detail("The condition expression must be of type bool.")
                        .at(cond_span))
                }
            }
        } else {
            None
        };
        let t = self.eval(&c.true_expr, scope);
        let f = self.eval(&c.false_expr, scope);
        let ty_of = |r: &EvalResult| match r {
            Ok(v) if !v.is_null() => v.ty(),
            _ => Type::Dynamic,
        };
        let (tt, ft) = (ty_of(&t), ty_of(&f));
        let Some(result_ty) = unify(&[tt.clone(), ft.clone()]) else {
            return Err(Diagnostic::error("Inconsistent conditional result types")
                .detail(format!(
                    "The true and false result expressions must have consistent types. The given expressions are {} and {}, respectively.",
                    tt.friendly_name(),
                    ft.friendly_name()
                ))
                .at(span));
        };
        let chosen = match cond_bool {
            Some(true) => t?,
            Some(false) => f?,
            None => return Ok(Value::Unknown(result_ty).mark_if(cond_marked)),
        };
        let v = if result_ty.has_dynamic() {
            chosen
        } else {
            convert(&chosen, &result_ty).unwrap_or(chosen)
        };
        Ok(v.mark_if(cond_marked))
    }

    fn eval_binary(
        &self,
        op: &BinaryOperator,
        lhs: &Expression,
        rhs: &Expression,
        scope: &Scope,
        span: Span,
    ) -> EvalResult {
        use BinaryOperator as B;
        match op {
            B::And | B::Or => {
                let is_and = matches!(op, B::And);
                let l = self.eval(lhs, scope)?;
                let lspan = self.span_of(lhs);
                let (lb, lm) = ops::logical_operand(&l, "left").map_err(|d| d.or_at(lspan))?;
                // Short-circuit as HCL 2.24 / Terraform 1.12 do: a deciding left side means the
                // right side is never evaluated, so its errors cannot matter.
                if lb == Some(!is_and) {
                    return Ok(Value::Bool(!is_and).mark_if(lm));
                }
                let r = self.eval(rhs, scope)?;
                let rspan = self.span_of(rhs);
                let (rb, rm) = ops::logical_operand(&r, "right").map_err(|d| d.or_at(rspan))?;
                let marked = lm || rm;
                let out = match (lb, rb) {
                    (Some(_), Some(r)) => Value::Bool(r),
                    (None, Some(r)) if r != is_and => Value::Bool(r),
                    _ => Value::Unknown(Type::Bool),
                };
                Ok(out.mark_if(marked))
            }
            _ => {
                let l = self.eval(lhs, scope)?;
                let r = self.eval(rhs, scope)?;
                ops::binary(op, &l, &r, self.span_of(lhs), self.span_of(rhs))
                    .map_err(|d| d.or_at(span))
            }
        }
    }

    /// Resolves a root name: a `for` variable, or a module-level namespace via the resolver.
    fn resolve_root(
        &self,
        name: &str,
        attrs: &[&str],
        scope: &Scope,
        span: Span,
    ) -> Result<(Value, usize), Diagnostic> {
        if let Some(v) = scope.local(name) {
            return Ok((v.clone(), 0));
        }
        scope.resolver().resolve(name, attrs, span)
    }

    fn eval_traversal(&self, t: &Traversal, scope: &Scope) -> EvalResult {
        let ops_list: &[hcl_edit::Decorated<TraversalOperator>] = &t.operators;
        let (mut value, consumed) = match &t.expr {
            Expression::Variable(v) => {
                let name = v.value().as_str();
                let attrs: Vec<&str> = ops_list
                    .iter()
                    .map_while(|op| match op.value() {
                        TraversalOperator::GetAttr(a) => Some(a.value().as_str()),
                        _ => None,
                    })
                    .collect();
                let root_span = self.span_of(&t.expr);
                let last = attrs.len().min(3);
                let span = if last > 0 {
                    root_span.to(self.span_of(&ops_list[last - 1]))
                } else {
                    root_span
                };
                self.resolve_root(name, &attrs, scope, span)?
            }
            other => (self.eval(other, scope)?, 0),
        };
        let mut i = consumed;
        while i < ops_list.len() {
            let op = &ops_list[i];
            let op_span = self.span_of(op);
            match op.value() {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let full = matches!(op.value(), TraversalOperator::FullSplat(_));
                    let rest_len = ops_list[i + 1..]
                        .iter()
                        .take_while(|o| {
                            full || matches!(
                                o.value(),
                                TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_)
                            )
                        })
                        .count();
                    let rest = &ops_list[i + 1..i + 1 + rest_len];
                    value = self.splat(value, rest, scope)?;
                    i += 1 + rest_len;
                    continue;
                }
                _ => {
                    value = self.apply_op(value, op.value(), scope, op_span)?;
                }
            }
            i += 1;
        }
        Ok(value)
    }

    fn splat(
        &self,
        value: Value,
        rest: &[hcl_edit::Decorated<TraversalOperator>],
        scope: &Scope,
    ) -> EvalResult {
        let (inner, marked) = value.unmark();
        if !inner.is_known() {
            return Ok(Value::unknown().mark_if(marked));
        }
        let apply_all = |mut v: Value| -> EvalResult {
            for op in rest {
                v = self.apply_op(v, op.value(), scope, self.span_of(op))?;
            }
            Ok(v)
        };
        let out = match inner {
            Value::Null(_) => Value::tuple(vec![]),
            Value::List(..) | Value::Set(..) => {
                let items = inner.as_seq().unwrap_or(&[]);
                let mapped = items
                    .iter()
                    .map(|e| apply_all(e.clone()))
                    .collect::<Result<Vec<_>, _>>()?;
                let tys: Vec<Type> = mapped.iter().map(Value::ty).collect();
                match unify(&tys) {
                    Some(t) if !mapped.is_empty() => {
                        let conv = mapped
                            .iter()
                            .map(|v| convert(v, &t).unwrap_or_else(|_| v.clone()))
                            .collect();
                        Value::list(t, conv)
                    }
                    _ if mapped.is_empty() => Value::list(Type::Dynamic, vec![]),
                    _ => Value::tuple(mapped),
                }
            }
            Value::Tuple(items) => Value::tuple(
                items
                    .iter()
                    .map(|e| apply_all(e.clone()))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            other => Value::tuple(vec![apply_all(other.clone())?]),
        };
        Ok(out.mark_if(marked))
    }

    fn apply_op(
        &self,
        value: Value,
        op: &TraversalOperator,
        scope: &Scope,
        span: Span,
    ) -> EvalResult {
        match op {
            TraversalOperator::GetAttr(name) => {
                ops::get_attr(&value, name.value().as_str()).map_err(|d| d.or_at(span))
            }
            TraversalOperator::Index(key_expr) => {
                let key = self.eval(key_expr, scope)?;
                ops::index(&value, &key).map_err(|d| d.or_at(span))
            }
            TraversalOperator::LegacyIndex(n) => {
                ops::index(&value, &Value::int(*n.value() as i64)).map_err(|d| d.or_at(span))
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                self.splat(value, &[], scope)
            }
        }
    }

    fn eval_call(&self, call: &FuncCall, scope: &Scope, span: Span) -> EvalResult {
        let name = call.name.name.value().as_str();
        let namespace: Vec<&str> = call
            .name
            .namespace
            .iter()
            .map(|n| n.value().as_str())
            .collect();
        let name = match namespace.as_slice() {
            [] => name,
            ["core"] => name,
            _ => {
                return Err(Diagnostic::error("Call to unknown function")
                    .detail(format!(
                        "There is no function named \"{}::{name}\". Provider-defined functions are not supported yet.",
                        namespace.join("::")
                    ))
                    .at(span))
            }
        };
        match name {
            "try" => return super::special::eval_try(self, call, scope, span),
            "can" => return super::special::eval_can(self, call, scope, span),
            "templatefile" => return super::special::eval_templatefile(self, call, scope, span),
            "templatestring" => {
                return super::special::eval_templatestring(self, call, scope, span)
            }
            "type" => return super::special::eval_type(self, call, scope, span),
            "convert" => return super::special::eval_convert(self, call, scope, span),
            _ => {}
        }
        let Some(f) = self.funcs.get(name) else {
            return Err(unknown_function(self.funcs, name, span));
        };
        let mut args = Vec::with_capacity(call.args.len());
        let mut arg_spans = Vec::with_capacity(call.args.len());
        let n = call.args.len();
        for (i, a) in call.args.iter().enumerate() {
            let v = self.eval(a, scope)?;
            let aspan = self.span_of(a);
            if i + 1 == n && call.args.expand_final() {
                let (inner, marked) = v.unmark();
                if !inner.is_known() {
                    return Ok(Value::unknown().mark_if(marked));
                }
                match inner.as_seq() {
                    Some(items) => {
                        for item in items {
                            args.push(item.clone().mark_if(marked));
                            arg_spans.push(aspan);
                        }
                    }
                    None => {
                        return Err(Diagnostic::error("Invalid expanding argument value")
                            .detail("The expanding argument (indicated by ...) must be of a tuple, list, or set type.")
                            .at(aspan))
                    }
                }
            } else {
                args.push(v);
                arg_spans.push(aspan);
            }
        }
        funcs::call(f, self.fctx, &args).map_err(|e| {
            let at = e
                .arg_index
                .and_then(|i| arg_spans.get(i).copied())
                .unwrap_or(span);
            Diagnostic::error(e.summary).detail(e.detail).at(at)
        })
    }
}

pub(crate) fn unknown_function(funcs: &FuncTable, name: &str, span: Span) -> Diagnostic {
    let mut detail = format!("There is no function named {name:?}.");
    if let Some(s) = super::suggest(name, funcs.names().into_iter()) {
        detail.push_str(&format!(" Did you mean {s:?}?"));
    }
    Diagnostic::error("Call to unknown function")
        .detail(detail)
        .at(span)
}

/// Evaluates a for-expression body helper: exported for `for_expr`.
pub(crate) fn collection_items(v: &Value) -> Option<Vec<(Value, Value)>> {
    match v {
        Value::List(_, items) | Value::Tuple(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, e)| (Value::int(i as i64), e.clone()))
                .collect(),
        ),
        Value::Set(_, items) => Some(items.iter().map(|e| (e.clone(), e.clone())).collect()),
        Value::Map(_, attrs) | Value::Object(attrs) => Some(
            attrs
                .iter()
                .map(|(k, e)| (Value::String(k.clone()), e.clone()))
                .collect(),
        ),
        _ => None,
    }
}
