//! Type unification: the one type a set of values can all be converted to (cty's `Unify`),
//! used for list literals converted to collections, conditionals and `tomap`/`tolist`.

use super::Type;
use std::collections::{BTreeMap, BTreeSet};

/// The common type of `types`, or `None` when they have none. `any` (the type of an untyped
/// null) fits everything and is ignored.
pub fn unify(types: &[Type]) -> Option<Type> {
    let known: Vec<&Type> = types.iter().filter(|t| **t != Type::Dynamic).collect();
    let Some(first) = known.first() else {
        return Some(Type::Dynamic);
    };
    if known.iter().all(|t| *t == *first) {
        return Some((*first).clone());
    }
    if known.iter().all(|t| t.is_primitive()) {
        // number and bool both convert to string, never to each other.
        return Some(Type::String);
    }
    let all = |f: fn(&Type) -> bool| known.iter().all(|t| f(t));
    if all(|t| matches!(t, Type::Object(_))) {
        let names: Vec<BTreeSet<&str>> = known
            .iter()
            .map(|t| match t {
                Type::Object(o) => o.attrs.keys().map(|k| &**k).collect(),
                _ => BTreeSet::new(),
            })
            .collect();
        if names.iter().all(|n| *n == names[0]) {
            let mut attrs = BTreeMap::new();
            if let Type::Object(o) = first {
                for name in o.attrs.keys() {
                    let ts: Vec<Type> = known
                        .iter()
                        .filter_map(|t| match t {
                            Type::Object(o) => o.attrs.get(name).cloned(),
                            _ => None,
                        })
                        .collect();
                    attrs.insert(name.clone(), unify(&ts)?);
                }
            }
            return Some(Type::object(attrs));
        }
    }
    if all(|t| matches!(t, Type::Object(_) | Type::Map(_))) {
        let mut elems = Vec::new();
        for t in &known {
            match t {
                Type::Object(o) => elems.extend(o.attrs.values().cloned()),
                Type::Map(e) => elems.push((**e).clone()),
                _ => {}
            }
        }
        return Some(Type::map(unify(&elems)?));
    }
    if all(|t| matches!(t, Type::Tuple(_))) {
        let lens: BTreeSet<usize> = known
            .iter()
            .map(|t| match t {
                Type::Tuple(ts) => ts.len(),
                _ => 0,
            })
            .collect();
        if lens.len() == 1 {
            let n = *lens.iter().next().unwrap_or(&0);
            let mut elems = Vec::with_capacity(n);
            for i in 0..n {
                let ts: Vec<Type> = known
                    .iter()
                    .filter_map(|t| match t {
                        Type::Tuple(ts) => ts.get(i).cloned(),
                        _ => None,
                    })
                    .collect();
                elems.push(unify(&ts)?);
            }
            return Some(Type::tuple(elems));
        }
    }
    if all(|t| matches!(t, Type::Tuple(_) | Type::List(_))) {
        return Some(Type::list(unify(&sequence_elements(&known))?));
    }
    if all(|t| matches!(t, Type::Tuple(_) | Type::Set(_))) {
        return Some(Type::set(unify(&sequence_elements(&known))?));
    }
    None
}

fn sequence_elements(types: &[&Type]) -> Vec<Type> {
    let mut elems = Vec::new();
    for t in types {
        match t {
            Type::Tuple(ts) => elems.extend(ts.iter().cloned()),
            Type::List(e) | Type::Set(e) => elems.push((**e).clone()),
            _ => {}
        }
    }
    elems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_primitives_unify_to_string() {
        assert_eq!(unify(&[Type::Number, Type::String]), Some(Type::String));
        assert_eq!(unify(&[Type::Dynamic, Type::Bool]), Some(Type::Bool));
    }

    #[test]
    fn objects_with_different_attributes_unify_to_a_map() {
        let a = Type::object([("a".into(), Type::Number)].into_iter().collect());
        let b = Type::object([("b".into(), Type::String)].into_iter().collect());
        assert_eq!(unify(&[a, b]), Some(Type::map(Type::String)));
    }
}
