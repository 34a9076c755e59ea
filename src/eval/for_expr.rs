//! `for` expressions: `[for k, v in coll : expr if cond]` and `{for ... : key => value...}`.

use super::expr::{collection_items, EvalResult, Evaluator};
use super::scope::Scope;
use crate::diag::{Diagnostic, Span};
use crate::value::{convert, Attrs, Type, Value};
use hcl_edit::expr::ForExpr;
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn eval_for(ev: &Evaluator, f: &ForExpr, scope: &Scope, span: Span) -> EvalResult {
    let coll_expr = &f.intro.collection_expr;
    let coll = ev.eval(coll_expr, scope)?;
    let cspan = ev.span_of(coll_expr);
    let (coll, coll_marked) = coll.unmark();
    if coll.is_null() {
        return Err(Diagnostic::error("Iteration over null value")
            .detail("A null value cannot be used as the collection in a 'for' expression.")
            .at(cspan));
    }
    if !coll.is_known() {
        return Ok(Value::unknown().mark_if(coll_marked));
    }
    let Some(items) = collection_items(coll) else {
        return Err(Diagnostic::error("Iteration over non-iterable value")
            .detail(format!(
                "A value of type {} cannot be used as the collection in a 'for' expression.",
                coll.ty()
            ))
            .at(cspan));
    };
    let value_var = f.intro.value_var.value().as_str();
    let key_var = f.intro.key_var.as_ref().map(|k| k.value().as_str());

    let mut list_out = Vec::new();
    let mut obj_out: BTreeMap<Arc<str>, Value> = BTreeMap::new();
    let mut groups: BTreeMap<Arc<str>, Vec<Value>> = BTreeMap::new();
    let mut unknown = false;
    let mut marked = coll_marked;

    for (k, v) in items {
        let value_scope = scope.bind(value_var, v);
        let key_scope;
        let inner: &Scope = match key_var {
            Some(name) => {
                key_scope = value_scope.bind(name, k);
                &key_scope
            }
            None => &value_scope,
        };
        if let Some(cond) = &f.cond {
            let c = ev.eval(&cond.expr, inner)?;
            let cond_span = ev.span_of(&cond.expr);
            let (c, cm) = c.unmark();
            marked |= cm;
            if c.is_null() {
                return Err(Diagnostic::error("Invalid 'for' condition")
                    .detail("The value of the 'if' clause must not be null.")
                    .at(cond_span));
            }
            if !c.is_known() {
                unknown = true;
                continue;
            }
            match convert(c, &Type::Bool) {
                Ok(b) if b.as_bool() == Some(false) => continue,
                Ok(_) => {}
                Err(e) => {
                    return Err(Diagnostic::error("Invalid 'for' condition")
                        .detail(format!("The 'if' clause value is invalid: {e}."))
                        .at(cond_span))
                }
            }
        }
        match &f.key_expr {
            None => list_out.push(ev.eval(&f.value_expr, inner)?),
            Some(key_expr) => {
                let key = ev.eval(key_expr, inner)?;
                let kspan = ev.span_of(key_expr);
                let (key, km) = key.unmark();
                marked |= km;
                if key.is_null() {
                    return Err(Diagnostic::error("Invalid object key")
                        .detail("Key expression in 'for' expression must not produce a null value.")
                        .at(kspan));
                }
                if !key.is_known() {
                    unknown = true;
                    continue;
                }
                let key: Arc<str> = match convert(key, &Type::String) {
                    Ok(s) => Arc::from(s.as_str().unwrap_or_default()),
                    Err(e) => {
                        return Err(Diagnostic::error("Invalid object key")
                            .detail(format!(
                                "The key expression produced an invalid result: {e}."
                            ))
                            .at(kspan))
                    }
                };
                let value = ev.eval(&f.value_expr, inner)?;
                if f.grouping {
                    groups.entry(key).or_default().push(value);
                } else if obj_out.contains_key(&key) {
                    return Err(Diagnostic::error("Duplicate object key")
                        .detail(format!(
                            "Two different items produced the key {:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.",
                            &*key
                        ))
                        .at(kspan));
                } else {
                    obj_out.insert(key, value);
                }
            }
        }
    }
    let _ = span;
    if unknown {
        return Ok(Value::unknown().mark_if(marked));
    }
    let out = if f.key_expr.is_none() {
        Value::tuple(list_out)
    } else if f.grouping {
        Value::object(
            groups
                .into_iter()
                .map(|(k, v)| (k, Value::tuple(v)))
                .collect::<Attrs>(),
        )
    } else {
        Value::object(obj_out)
    };
    Ok(out.mark_if(marked))
}
