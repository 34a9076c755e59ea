//! `for` expressions: `[for k, v in coll : expr if cond]` and `{for ... : key => value...}`.
//!
//! Two optimisations keep the seed's node-status pattern (for every node, a `for` over the
//! whole inventory) linear instead of quadratic, without changing any result:
//! - a `for` whose free names are not bound by an enclosing `for` is loop-invariant: its result
//!   is computed once per evaluation and shared;
//! - a filter `if <key of the element> == <probe>` is answered from a hash index of the
//!   element keys, built once per collection, when every key is a known primitive. Anything
//!   else (unknown or sensitive keys, errors while building) falls back to the plain loop,
//!   which then reports exactly what Terraform would.

use super::expr::{collection_items, EvalResult, Evaluator};
use super::refs;
use super::scope::Scope;
use crate::diag::Diagnostic;
use crate::value::{convert, Attrs, Type, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ForExpr};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A primitive key that can be hashed with the same equality as Terraform's `==`.
#[derive(Clone, PartialEq, Eq, Hash)]
enum HashKey {
    Str(Arc<str>),
    Num(String),
    Bool(bool),
}

impl HashKey {
    fn of(v: &Value) -> Option<HashKey> {
        match v {
            Value::String(s) => Some(HashKey::Str(s.clone())),
            Value::Number(n) => Some(HashKey::Num(n.to_string())),
            Value::Bool(b) => Some(HashKey::Bool(*b)),
            _ => None,
        }
    }
}

/// The elements (key, value) of one collection grouped by their filter key, in order.
struct FilterIndex {
    /// Keeps the collection alive so that its address identifies it.
    _collection: Value,
    hits: HashMap<HashKey, Vec<(Value, Value)>>,
}

/// How a for-expression's `if` clause can use an index: which side of `==` reads the element.
#[derive(Clone, Copy)]
enum FilterShape {
    None,
    KeyLeft,
    KeyRight,
}

#[derive(Clone)]
struct Analysis {
    /// Names the expression uses that it does not bind itself.
    free_roots: Vec<String>,
    filter: FilterShape,
}

/// A for-expression (by node address) over one collection (by allocation address).
type IndexId = (usize, usize);

#[derive(Default)]
pub struct ForCache {
    analysis: RefCell<HashMap<usize, Analysis>>,
    invariant: RefCell<HashMap<usize, Value>>,
    indexes: RefCell<HashMap<IndexId, Option<Arc<FilterIndex>>>>,
}

fn analyse(f: &ForExpr, file: crate::diag::FileId) -> Analysis {
    let whole = Expression::ForExpr(Box::new(f.clone()));
    let free_roots = refs::find(&whole, file)
        .references
        .into_iter()
        .map(|r| r.root)
        .collect();
    let mut bound = vec![f.intro.value_var.value().to_string()];
    if let Some(k) = &f.intro.key_var {
        bound.push(k.value().to_string());
    }
    let only_iteration_vars = |e: &Expression| {
        let found = refs::find(e, file);
        !found.references.is_empty()
            && found.references.iter().all(|r| bound.contains(&r.root))
            && found.calls.is_empty()
    };
    let no_iteration_vars = |e: &Expression| {
        refs::find(e, file)
            .references
            .iter()
            .all(|r| !bound.contains(&r.root))
    };
    let filter = match f.cond.as_ref().map(|c| &c.expr) {
        Some(Expression::BinaryOp(op)) if matches!(op.operator.value(), BinaryOperator::Eq) => {
            if only_iteration_vars(&op.lhs_expr) && no_iteration_vars(&op.rhs_expr) {
                FilterShape::KeyLeft
            } else if only_iteration_vars(&op.rhs_expr) && no_iteration_vars(&op.lhs_expr) {
                FilterShape::KeyRight
            } else {
                FilterShape::None
            }
        }
        _ => FilterShape::None,
    };
    Analysis { free_roots, filter }
}

pub fn eval_for(ev: &Evaluator, f: &ForExpr, scope: &Scope) -> EvalResult {
    let id = f as *const ForExpr as usize;
    let analysis = {
        let mut cache = ev.for_cache.analysis.borrow_mut();
        cache
            .entry(id)
            .or_insert_with(|| analyse(f, ev.file))
            .clone()
    };
    let invariant = analysis.free_roots.iter().all(|r| !scope.binds(r));
    if invariant {
        if let Some(v) = ev.for_cache.invariant.borrow().get(&id) {
            return Ok(v.clone());
        }
    }
    let result = eval_for_uncached(ev, f, scope, &analysis)?;
    if invariant {
        ev.for_cache
            .invariant
            .borrow_mut()
            .insert(id, result.clone());
    }
    Ok(result)
}

/// Builds (once per collection) the index of element keys for an equality filter.
fn filter_index(
    ev: &Evaluator,
    f: &ForExpr,
    key_expr: &Expression,
    coll: &Value,
    scope: &Scope,
) -> Option<Arc<FilterIndex>> {
    let coll_id = match coll {
        Value::List(_, a) | Value::Set(_, a) | Value::Tuple(a) => a.as_ptr() as usize,
        Value::Map(_, m) | Value::Object(m) => Arc::as_ptr(m) as usize,
        _ => return None,
    };
    let key = (f as *const ForExpr as usize, coll_id);
    if let Some(found) = ev.for_cache.indexes.borrow().get(&key) {
        return found.clone();
    }
    let value_var = f.intro.value_var.value().as_str();
    let key_var = f.intro.key_var.as_ref().map(|k| k.value().as_str());
    let mut hits: HashMap<HashKey, Vec<(Value, Value)>> = HashMap::new();
    let mut ok = true;
    for (k, v) in collection_items(coll).unwrap_or_default() {
        let value_scope = scope.bind(value_var, v.clone());
        let key_scope;
        let inner: &Scope = match key_var {
            Some(name) => {
                key_scope = value_scope.bind(name, k.clone());
                &key_scope
            }
            None => &value_scope,
        };
        let h = ev.eval(key_expr, inner).ok().as_ref().and_then(HashKey::of);
        match h {
            Some(h) => hits.entry(h).or_default().push((k, v)),
            None => {
                ok = false;
                break;
            }
        }
    }
    let index = ok.then(|| {
        Arc::new(FilterIndex {
            _collection: coll.clone(),
            hits,
        })
    });
    ev.for_cache.indexes.borrow_mut().insert(key, index.clone());
    index
}

fn eval_for_uncached(
    ev: &Evaluator,
    f: &ForExpr,
    scope: &Scope,
    analysis: &Analysis,
) -> EvalResult {
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
    if !matches!(
        coll,
        Value::List(..) | Value::Set(..) | Value::Tuple(_) | Value::Map(..) | Value::Object(_)
    ) {
        return Err(Diagnostic::error("Iteration over non-iterable value")
            .detail(format!(
                "A value of type {} cannot be used as the collection in a 'for' expression.",
                coll.ty()
            ))
            .at(cspan));
    };
    let value_var = f.intro.value_var.value().as_str();
    let key_var = f.intro.key_var.as_ref().map(|k| k.value().as_str());

    // An equality filter answered from the index: only the matching elements are visited.
    let mut items = None;
    let mut filter_done = false;
    if let (Some(Expression::BinaryOp(op)), FilterShape::KeyLeft | FilterShape::KeyRight) =
        (f.cond.as_ref().map(|c| &c.expr), analysis.filter)
    {
        let (key_side, probe_side) = match analysis.filter {
            FilterShape::KeyLeft => (&op.lhs_expr, &op.rhs_expr),
            _ => (&op.rhs_expr, &op.lhs_expr),
        };
        if coll.length().unwrap_or(0) > 8 {
            if let Ok(probe) = ev.eval(probe_side, scope) {
                if let Some(probe) = HashKey::of(&probe) {
                    if let Some(index) = filter_index(ev, f, key_side, coll, scope) {
                        items = Some(index.hits.get(&probe).cloned().unwrap_or_default());
                        filter_done = true;
                    }
                }
            }
        }
    }
    let items = match items {
        Some(i) => i,
        None => collection_items(coll).unwrap_or_default(),
    };

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
        if let Some(cond) = f.cond.as_ref().filter(|_| !filter_done) {
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
                } else {
                    match obj_out.entry(key) {
                        std::collections::btree_map::Entry::Occupied(e) => {
                            return Err(Diagnostic::error("Duplicate object key")
                                .detail(format!(
                                    "Two different items produced the key {:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.",
                                    &**e.key()
                                ))
                                .at(kspan));
                        }
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(value);
                        }
                    }
                }
            }
        }
    }
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
