//! From a structured change and its schema to a diff tree, deciding each value's action the way
//! Terraform's `jsonformat/differ` does: sensitive values hide their contents, unknown values
//! become `(known after apply)`, lists are matched by longest common subsequence, sets by equal
//! elements, and attributes that are null before and after vanish.

use super::renderers::{BlockGroup, BlockList, Diff, Prim, Renderer};
use super::structured::{Change, Unknown};
use crate::plan::Action;
use crate::schema::{Block, Nesting};
use crate::value::Type;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Terraform's `CompareActions`: children that all agree keep the parent's action, anything
/// else is an update.
fn compare_actions(current: Action, next: Action) -> Action {
    if next == Action::NoOp {
        current
    } else if current != next {
        Action::Update
    } else {
        current
    }
}

/// Wraps the diff of a sensitive value, or returns `None` when the value is not sensitive.
fn check_sensitive<'a>(
    change: &Change<'a>,
    inner: impl FnOnce(Change<'a>) -> Diff,
    block: bool,
    replace: bool,
) -> Option<Diff> {
    let before = change.is_before_sensitive();
    let after = change.is_after_sensitive();
    if !before && !after {
        return None;
    }
    let inner = inner(change.without_sensitivity());
    let mut action = inner.action;
    // A value that is null and absent on both sides stays unchanged even if its sensitivity
    // changes; otherwise a change of sensitivity alone is an update.
    let null_noop = change.before.is_none()
        && !change.before_explicit
        && change.after.is_none()
        && !change.after_explicit;
    if action == Action::NoOp && before != after && !null_noop {
        action = Action::Update;
    }
    let inner = Box::new(inner);
    let renderer = if block {
        Renderer::SensitiveBlock {
            inner,
            before,
            after,
        }
    } else {
        Renderer::Sensitive {
            inner,
            before,
            after,
        }
    };
    Some(Diff::new(renderer, action, replace))
}

/// How the unknown diff of a value takes its action and replacement flag: from the change
/// (schema-typed values) or fixed (JSON values).
#[derive(Clone, Copy)]
enum UnknownStyle {
    Typed,
    Json,
}

/// Wraps the diff of an unknown value, or returns `None` when the value is known. When there
/// was an old value, it is rendered as if deleted and followed by `-> (known after apply)`.
fn check_unknown<'a>(
    change: &Change<'a>,
    child_unknown: Unknown<'a>,
    style: UnknownStyle,
    before_diff: impl FnOnce(Change<'a>) -> Diff,
) -> Option<Diff> {
    if !change.is_unknown() {
        return None;
    }
    let mut current = change.clone();
    // The after value is absent from the JSON, which must not read as a deletion.
    current.after_explicit = true;
    let before = if current.before.is_some() {
        let mut before = current.as_delete();
        before.unknown = child_unknown;
        Some(Box::new(before_diff(before)))
    } else {
        None
    };
    let (action, replace) = match style {
        UnknownStyle::Typed => (current.calculate_action(), current.replace.matches()),
        UnknownStyle::Json if before.is_some() => (Action::Update, false),
        UnknownStyle::Json => (Action::Create, false),
    };
    Some(Diff::new(Renderer::Unknown(before), action, replace))
}

/// Terraform assumes a schema comes from the legacy SDK, which cannot tell `""` from null, unless
/// it uses something that SDK could not express.
fn contains_non_legacy_features(block: &Block) -> bool {
    if block
        .block_types
        .values()
        .any(|b| b.nesting == Nesting::Map)
    {
        return true;
    }
    block.attributes.values().any(|a| {
        let ty = &a.ty;
        ty.has_dynamic()
            || matches!(ty, Type::Tuple(_) | Type::Object(_))
            || match ty.element() {
                Some(elem) if ty.is_collection() => {
                    elem.is_collection() && elem.element().is_some_and(|e| !e.is_primitive())
                }
                _ => false,
            }
    })
}

/// The diff of a whole block (a resource's body or a nested block).
pub(super) fn block_diff<'a>(change: Change<'a>, block: &'a Block) -> Diff {
    let replace = change.replace.matches();
    if let Some(d) = check_sensitive(&change, |c| block_diff(c, block), true, replace) {
        return d;
    }
    if let Some(d) = check_unknown(&change, Unknown::AttrsOf(block), UnknownStyle::Typed, |c| {
        block_diff(c, block)
    }) {
        return d;
    }
    let mut change = change;
    change.non_legacy = change.non_legacy || contains_non_legacy_features(block);
    let mut current = change.default_action_for_iteration();

    let mut attributes = BTreeMap::new();
    for (key, attr) in &block.attributes {
        let mut child = change.child_key(key);
        child.before_explicit = false;
        child.after_explicit = false;
        let none_both = child.before.is_none() && child.after.is_none();
        let d = type_diff(child, &attr.ty);
        if d.action == Action::NoOp && none_both {
            continue;
        }
        current = compare_actions(current, d.action);
        attributes.insert(key.clone(), d);
    }

    let mut blocks = BTreeMap::new();
    for (key, nested) in &block.block_types {
        let child = change.child_key(key);
        let none_both = child.before.is_none() && child.after.is_none();
        let unknown = child.is_unknown();
        let replace = child.replace.matches();
        let before_sensitive = child.is_before_sensitive();
        let after_sensitive = child.is_after_sensitive();
        let (list, action) = match nested.nesting {
            Nesting::Single => {
                let d = block_diff(child, &nested.block);
                let action = d.action;
                (BlockList::Single(Box::new(d)), action)
            }
            Nesting::List => {
                let (diffs, action) = block_list_diffs(child, &nested.block);
                (BlockList::List(diffs), action)
            }
            Nesting::Set => {
                let (diffs, action) = set_diffs(child, |c| block_diff(c, &nested.block));
                (BlockList::Set(diffs), action)
            }
            Nesting::Map => {
                let (diffs, action) = block_map_diffs(child, &nested.block);
                (BlockList::Map(diffs), action)
            }
        };
        if action == Action::NoOp && none_both && !unknown {
            continue;
        }
        current = compare_actions(current, action);
        blocks.insert(
            key.clone(),
            BlockGroup {
                blocks: list,
                replace,
                before_sensitive,
                after_sensitive,
                unknown,
            },
        );
    }
    Diff::new(
        Renderer::Block { attributes, blocks },
        current,
        change.replace.matches(),
    )
}

fn block_list_diffs<'a>(change: Change<'a>, block: &'a Block) -> (Vec<Diff>, Action) {
    let mut current = change.default_action_for_iteration();
    let n = change
        .before_seq()
        .map_or(0, <[Json]>::len)
        .max(change.after_seq().map_or(0, <[Json]>::len));
    let mut diffs = Vec::with_capacity(n);
    for ix in 0..n {
        let d = block_diff(change.child_index(ix, ix), block);
        current = compare_actions(current, d.action);
        diffs.push(d);
    }
    (diffs, current)
}

fn block_map_diffs<'a>(change: Change<'a>, block: &'a Block) -> (BTreeMap<String, Diff>, Action) {
    let keys = change.explicit_keys();
    transform_map(&change, keys, |c| block_diff(c, block))
}

/// Terraform's `TransformMap`: the map's starting action from null-ness, then its elements.
fn transform_map<'a>(
    change: &Change<'a>,
    keys: std::collections::BTreeSet<&'a str>,
    mut process: impl FnMut(Change<'a>) -> Diff,
) -> (BTreeMap<String, Diff>, Action) {
    let mut current = match (change.before_map().is_some(), change.after_map().is_some()) {
        (true, false) => Action::Delete,
        (false, true) => Action::Create,
        _ => Action::NoOp,
    };
    let mut elems = BTreeMap::new();
    for key in keys {
        let d = process(change.child_key(key));
        current = compare_actions(current, d.action);
        elems.insert(key.to_string(), d);
    }
    (elems, current)
}

/// The diff of a value of a known type.
pub(super) fn type_diff<'a>(change: Change<'a>, ty: &'a Type) -> Diff {
    let mut change = change;
    if !change.non_legacy {
        // The legacy SDK cannot tell "" from null, so Terraform shows "" as null.
        let empty = |j: Option<&Json>| matches!(j, Some(Json::String(s)) if s.is_empty());
        if empty(change.before) {
            change.before = None;
        }
        if empty(change.after) {
            change.after = None;
        }
    }
    let replace = change.replace.matches();
    if let Some(d) = check_sensitive(&change, |c| type_diff(c, ty), false, replace) {
        return d;
    }
    if let Some(d) = check_unknown(&change, Unknown::Json(None), UnknownStyle::Typed, |c| {
        type_diff(c, ty)
    }) {
        return d;
    }
    match ty {
        Type::Dynamic => output_diff(change),
        Type::String => primitive(&change, Prim::String),
        Type::Number => primitive(&change, Prim::Number),
        Type::Bool => primitive(&change, Prim::Bool),
        Type::Object(obj) => {
            let mut current = change.default_action_for_iteration();
            let mut attrs = BTreeMap::new();
            for (key, attr_ty) in &obj.attrs {
                let mut child = change.child_key(key);
                child.before_explicit = false;
                child.after_explicit = false;
                let none_both = child.before.is_none() && child.after.is_none();
                let d = type_diff(child, attr_ty);
                if d.action == Action::NoOp && none_both {
                    continue;
                }
                current = compare_actions(current, d.action);
                attrs.insert(key.to_string(), d);
            }
            Diff::new(Renderer::Object(attrs), current, replace)
        }
        Type::Map(elem) => {
            let keys = change.all_keys();
            let (elems, action) = transform_map(&change, keys, |c| type_diff(c, elem));
            Diff::new(Renderer::Map(elems), action, replace)
        }
        Type::List(elem) => {
            let is_obj = matches!(**elem, Type::Object(_));
            let (elems, action) = transform_slice(&change, |_| is_obj, |c| type_diff(c, elem));
            Diff::new(Renderer::List(elems), action, replace)
        }
        Type::Tuple(elems) => {
            let mut current = change.default_action_for_iteration();
            let mut diffs = Vec::with_capacity(elems.len());
            for (ix, elem_ty) in elems.iter().enumerate() {
                let d = type_diff(change.child_index(ix, ix), elem_ty);
                current = compare_actions(current, d.action);
                diffs.push(d);
            }
            Diff::new(Renderer::List(diffs), current, replace)
        }
        Type::Set(elem) => {
            let (diffs, action) = set_diffs(change, |c| type_diff(c, elem));
            Diff::new(Renderer::Set(diffs), action, replace)
        }
    }
}

fn primitive(change: &Change<'_>, kind: Prim) -> Diff {
    Diff::new(
        Renderer::Primitive {
            before: change.before.cloned(),
            after: change.after.cloned(),
            kind,
        },
        change.calculate_action(),
        change.replace.matches(),
    )
}

/// Terraform's `TransformSlice`: the list's starting action from null-ness, then its elements
/// paired by [`process_slice`].
fn transform_slice<'a>(
    change: &Change<'a>,
    is_obj: impl Fn(&Json) -> bool,
    mut process: impl FnMut(Change<'a>) -> Diff,
) -> (Vec<Diff>, Action) {
    let before = change.before_seq();
    let after = change.after_seq();
    let mut current = match (before.is_some(), after.is_some()) {
        (true, false) => Action::Delete,
        (false, true) => Action::Create,
        _ => Action::NoOp,
    };
    let mut elems = Vec::new();
    process_slice(
        before.unwrap_or(&[]),
        after.unwrap_or(&[]),
        is_obj,
        |bi, ai| {
            let d = process(change.child_index(bi, ai));
            current = compare_actions(current, d.action);
            elems.push(d);
        },
    );
    (elems, current)
}

/// Terraform's `ProcessSlice`: pairs old and new elements by index when the lengths agree and
/// nothing was merely reordered, otherwise along their longest common subsequence (removed
/// elements first, then added ones, then the common one). An index equal to a slice's length
/// stands for "absent". Adjacent removed and added objects are paired as an update.
pub(super) fn process_slice<T: SliceItem>(
    before: &[T],
    after: &[T],
    is_obj: impl Fn(&T) -> bool,
    mut process: impl FnMut(usize, usize),
) {
    if before.len() == after.len() && !is_reorder(before, after) {
        for ix in 0..before.len() {
            process(ix, ix);
        }
        return;
    }
    let lcs = bounded_lcs(before, after);
    let (mut bi, mut ai, mut li) = (0, 0, 0);
    while bi < before.len() || ai < after.len() || li < lcs.len() {
        while bi < before.len() && (li >= lcs.len() || before[bi] != *lcs[li]) {
            let object_pair = is_obj(&before[bi])
                && ai < after.len()
                && is_obj(&after[ai])
                && (li >= lcs.len() || after[ai] != *lcs[li]);
            if object_pair {
                process(bi, ai);
                bi += 1;
                ai += 1;
                continue;
            }
            process(bi, after.len());
            bi += 1;
        }
        while ai < after.len() && (li >= lcs.len() || after[ai] != *lcs[li]) {
            process(before.len(), ai);
            ai += 1;
        }
        if li < lcs.len() {
            process(bi, ai);
            bi += 1;
            ai += 1;
            li += 1;
        }
    }
}

/// An element of a sequence being diffed, with a text key for comparing long sequences
/// through a hash set instead of pairwise.
pub(super) trait SliceItem: PartialEq {
    fn key(&self) -> String;
}

impl SliceItem for Json {
    /// The JSON text with object keys sorted, so that equal values have equal keys.
    fn key(&self) -> String {
        fn write(j: &Json, out: &mut String) {
            match j {
                Json::Object(m) => {
                    let mut entries: Vec<_> = m.iter().collect();
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                    out.push('{');
                    for (i, (k, v)) in entries.into_iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(&Json::String(k.clone()).to_string());
                        out.push(':');
                        write(v, out);
                    }
                    out.push('}');
                }
                Json::Array(a) => {
                    out.push('[');
                    for (i, v) in a.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        write(v, out);
                    }
                    out.push(']');
                }
                other => out.push_str(&other.to_string()),
            }
        }
        let mut out = String::new();
        write(self, &mut out);
        out
    }
}

impl SliceItem for &str {
    fn key(&self) -> String {
        (*self).to_string()
    }
}

/// Sequences longer than this are compared through keys rather than element by element.
const PAIRWISE_LIMIT: usize = 256;

/// Cells of Terraform's LCS matrix we allow before trimming the common ends first.
const LCS_CELL_LIMIT: usize = 1 << 20;

/// True when every old element is found among the new ones (same length): a reordering.
fn is_reorder<T: SliceItem>(before: &[T], after: &[T]) -> bool {
    if before.len() != after.len() {
        return false;
    }
    if after.len() <= PAIRWISE_LIMIT {
        return before.iter().all(|b| after.contains(b));
    }
    let keys: std::collections::HashSet<String> = after.iter().map(SliceItem::key).collect();
    before.iter().all(|b| keys.contains(&b.key()))
}

/// Terraform's LCS, except that for sequences whose matrix would be huge (a list of thousands
/// of node names) the common prefix and suffix are matched first and only the middle goes
/// through the matrix; when even the middle is too large it is treated as replaced wholesale.
/// Small sequences, which is all Terraform's goldens have, take the exact path.
fn bounded_lcs<'t, T: SliceItem>(before: &'t [T], after: &'t [T]) -> Vec<&'t T> {
    if before.len().saturating_mul(after.len()) <= LCS_CELL_LIMIT {
        return longest_common_subsequence(before, after);
    }
    let prefix = before.iter().zip(after).take_while(|(b, a)| b == a).count();
    let (b_rest, a_rest) = (&before[prefix..], &after[prefix..]);
    let suffix = b_rest
        .iter()
        .rev()
        .zip(a_rest.iter().rev())
        .take_while(|(b, a)| b == a)
        .count();
    let b_mid = &b_rest[..b_rest.len() - suffix];
    let a_mid = &a_rest[..a_rest.len() - suffix];
    let mut lcs: Vec<&T> = before[..prefix].iter().collect();
    if b_mid.len().saturating_mul(a_mid.len()) <= LCS_CELL_LIMIT {
        lcs.extend(longest_common_subsequence(b_mid, a_mid));
    }
    lcs.extend(b_rest[b_rest.len() - suffix..].iter());
    lcs
}

/// Terraform's longest common subsequence, with its tie-breaking (the matrix walk prefers
/// moving up over moving left), so that ambiguous diffs come out as Terraform prints them.
fn longest_common_subsequence<'t, T: SliceItem>(xs: &'t [T], ys: &'t [T]) -> Vec<&'t T> {
    if xs.is_empty() || ys.is_empty() {
        return Vec::new();
    }
    let w = xs.len();
    let mut c = vec![0usize; xs.len() * ys.len()];
    let mut eqs = vec![false; xs.len() * ys.len()];
    for y in 0..ys.len() {
        for x in 0..xs.len() {
            let i = w * y + x;
            if xs[x] == ys[y] {
                eqs[i] = true;
                c[i] = if x == 0 || y == 0 {
                    1
                } else {
                    c[w * (y - 1) + (x - 1)] + 1
                };
            } else {
                let l = if x > 0 { c[i - 1] } else { 0 };
                let u = if y > 0 { c[w * (y - 1) + x] } else { 0 };
                c[i] = l.max(u);
            }
        }
    }
    let len = c[c.len() - 1];
    let mut seq: Vec<&T> = Vec::with_capacity(len);
    let (mut x, mut y) = (xs.len() as isize - 1, ys.len() as isize - 1);
    while x >= 0 && y >= 0 && seq.len() < len {
        let (xu, yu) = (x as usize, y as usize);
        if eqs[w * yu + xu] {
            seq.push(&xs[xu]);
            x -= 1;
            y -= 1;
        } else {
            let l = if xu > 0 { c[w * yu + xu - 1] } else { 0 };
            let u = if yu > 0 { c[w * (yu - 1) + xu] } else { 0 };
            if l > u {
                x -= 1;
            } else {
                y -= 1;
            }
        }
    }
    seq.reverse();
    seq
}

/// Terraform's `processSet`: old elements matched to equal new ones, then unmatched old
/// elements as removals, then unmatched new elements as additions.
fn set_diffs<'a>(
    change: Change<'a>,
    mut process: impl FnMut(Change<'a>) -> Diff,
) -> (Vec<Diff>, Action) {
    let mut current = change.default_action_for_iteration();
    let before_len = change.before_seq().map_or(0, <[Json]>::len);
    let after_len = change.after_seq().map_or(0, <[Json]>::len);
    let mut found_in_before: Vec<Option<usize>> = vec![None; before_len];
    let mut found_in_after: Vec<bool> = vec![false; after_len];
    // Only equal elements can match, so candidates are looked up by a canonical key instead
    // of trying every pair (sets of thousands of node names are common here).
    let mut by_key: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for (jx, e) in change.after_seq().unwrap_or(&[]).iter().enumerate() {
        by_key.entry(e.key()).or_default().push(jx);
    }
    let before_seq = change.before_seq().unwrap_or(&[]);
    for (ix, found) in found_in_before.iter_mut().enumerate() {
        let candidates = before_seq
            .get(ix)
            .and_then(|e| by_key.get(&e.key()))
            .map_or(&[][..], Vec::as_slice);
        for &jx in candidates {
            if found_in_after[jx] {
                continue;
            }
            let child = change.child_index(ix, jx);
            if child.before == child.after
                && child.is_before_sensitive() == child.is_after_sensitive()
                && !child.is_unknown()
            {
                *found = Some(jx);
                found_in_after[jx] = true;
            }
        }
    }
    let mut diffs = Vec::with_capacity(before_len.max(after_len));
    let mut push = |c: Change<'a>, diffs: &mut Vec<Diff>| {
        let d = process(c);
        current = compare_actions(current, d.action);
        diffs.push(d);
    };
    for (ix, found) in found_in_before.iter().enumerate() {
        let jx = found.unwrap_or(after_len);
        push(change.child_index(ix, jx), &mut diffs);
    }
    for (jx, taken) in found_in_after.iter().enumerate() {
        if !taken {
            push(change.child_index(before_len, jx), &mut diffs);
        }
    }
    (diffs, current)
}

/// The diff of a value without a schema type (an output, a dynamic attribute): sensitivity and
/// unknowns first, then the structure of the JSON itself.
pub(super) fn output_diff(change: Change<'_>) -> Diff {
    let replace = change.replace.matches();
    if let Some(d) = check_sensitive(&change, |c| type_diff_dynamic(c), false, replace) {
        return d;
    }
    if let Some(d) = check_unknown(&change, Unknown::Json(None), UnknownStyle::Typed, |c| {
        type_diff_dynamic(c)
    }) {
        return d;
    }
    json_transform(change)
}

/// `ComputeDiffForType` with the dynamic type, which lands in [`output_diff`].
fn type_diff_dynamic(change: Change<'_>) -> Diff {
    static DYNAMIC: Type = Type::Dynamic;
    type_diff(change, &DYNAMIC)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonKind {
    Null,
    Bool,
    Number,
    String,
    Object,
    Array,
}

fn json_kind(j: Option<&Json>) -> JsonKind {
    match j {
        None | Some(Json::Null) => JsonKind::Null,
        Some(Json::Bool(_)) => JsonKind::Bool,
        Some(Json::Number(_)) => JsonKind::Number,
        Some(Json::String(_)) => JsonKind::String,
        Some(Json::Object(_)) => JsonKind::Object,
        Some(Json::Array(_)) => JsonKind::Array,
    }
}

/// Terraform's `jsondiff` transform, used for dynamic values and for strings holding JSON:
/// objects render as objects, arrays as lists, and a change of JSON type as `old -> new`.
pub(super) fn json_transform(change: Change<'_>) -> Diff {
    if let Some(d) = check_sensitive(&change, json_transform, false, false) {
        return d;
    }
    if let Some(d) = check_unknown(&change, Unknown::Json(None), UnknownStyle::Json, |c| {
        json_transform(c)
    }) {
        return d;
    }
    let before_kind = json_kind(change.before);
    let after_kind = json_kind(change.after);
    let deleted = after_kind == JsonKind::Null && !change.after_explicit;
    let created = before_kind == JsonKind::Null && !change.before_explicit;
    if before_kind == after_kind || created || deleted {
        let kind = if before_kind == JsonKind::Null {
            after_kind
        } else {
            before_kind
        };
        return json_update(change, kind);
    }
    let before = json_update(change.as_delete(), before_kind);
    let after = json_update(change.as_create(), after_kind);
    Diff::new(
        Renderer::TypeChange {
            before: Box::new(before),
            after: Box::new(after),
        },
        Action::Update,
        false,
    )
}

fn json_update(change: Change<'_>, kind: JsonKind) -> Diff {
    let prim = |kind: Prim| {
        let before_missing = change.before.is_none() && !change.before_explicit;
        let after_missing = change.after.is_none() && !change.after_explicit;
        let action = match (before_missing, after_missing) {
            (true, false) => Action::Create,
            (false, true) => Action::Delete,
            _ if change.before == change.after => Action::NoOp,
            _ => Action::Update,
        };
        Diff::new(
            Renderer::Primitive {
                before: change.before.cloned(),
                after: change.after.cloned(),
                kind,
            },
            action,
            false,
        )
    };
    match kind {
        JsonKind::Null => prim(Prim::Null),
        JsonKind::Bool => prim(Prim::Bool),
        JsonKind::Number => prim(Prim::Number),
        JsonKind::String => prim(Prim::String),
        JsonKind::Object => {
            let keys = change.all_keys();
            let (elems, action) = transform_map(&change, keys, json_transform);
            Diff::new(Renderer::Object(elems), action, false)
        }
        JsonKind::Array => {
            let (elems, action) = transform_slice(
                &change,
                |j| json_kind(Some(j)) == JsonKind::Object,
                json_transform,
            );
            Diff::new(Renderer::List(elems), action, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(before: &[&str], after: &[&str]) -> Vec<(Option<String>, Option<String>)> {
        let mut out = Vec::new();
        process_slice(
            before,
            after,
            |_| false,
            |b, a| {
                out.push((
                    before.get(b).map(|s| s.to_string()),
                    after.get(a).map(|s| s.to_string()),
                ))
            },
        );
        out
    }

    #[test]
    fn equal_length_lists_pair_by_index() {
        assert_eq!(
            pairs(&["a", "b"], &["a", "c"]),
            vec![
                (Some("a".into()), Some("a".into())),
                (Some("b".into()), Some("c".into()))
            ]
        );
    }

    #[test]
    fn longer_lists_pair_along_the_common_subsequence() {
        // Terraform's multi-line string golden: one two three four five -> one three two four six seven
        let before = ["one", "two", "three", "four", "five"];
        let after = ["one", "three", "two", "four", "six", "seven"];
        let got: Vec<String> = pairs(&before, &after)
            .into_iter()
            .map(|p| match p {
                (Some(b), Some(a)) if a == b => format!("  {b}"),
                (Some(b), None) => format!("- {b}"),
                (None, Some(a)) => format!("+ {a}"),
                (b, a) => format!("? {b:?} {a:?}"),
            })
            .collect();
        assert_eq!(
            got,
            ["  one", "- two", "  three", "+ two", "  four", "- five", "+ six", "+ seven"]
        );
    }

    #[test]
    fn long_lists_with_one_insertion_pair_without_a_huge_matrix() {
        let before: Vec<Json> = (0..5000)
            .map(|i| Json::from(format!("node{i:05}")))
            .collect();
        let mut after = before.clone();
        after.insert(2500, Json::from("new"));
        let mut created = Vec::new();
        let mut unchanged = 0;
        process_slice(
            &before,
            &after,
            |_| false,
            |b, a| match (before.get(b), after.get(a)) {
                (None, Some(x)) => created.push(x.clone()),
                (Some(x), Some(y)) if x == y => unchanged += 1,
                _ => {}
            },
        );
        assert_eq!(created, [Json::from("new")]);
        assert_eq!(unchanged, 5000);
    }

    #[test]
    fn reordered_lists_use_the_subsequence() {
        let got = pairs(&["a", "b"], &["b", "a"]);
        assert_eq!(got.len(), 3);
    }
}
