//! One value's change seen as Terraform's renderer sees it: the JSON `before`, `after`,
//! `after_unknown`, `before_sensitive` and `after_sensitive` of plan JSON walked in step, with
//! the `replace_paths` that lead into it.
//!
//! Terraform renders plans from plan JSON rather than from typed values, and several visible
//! rules depend on that (a key present with `null` is "explicit", an unknown value is absent from
//! `after`), so this module keeps the JSON shape on purpose.

use crate::plan::PathStep;
use crate::schema::Block;
use serde_json::{Map, Value as Json};
use std::collections::BTreeSet;

pub(super) static JSON_TRUE: Json = Json::Bool(true);

/// `after_unknown` at one position. `AttrsOf` stands for an object in which every attribute of
/// the block is unknown: Terraform substitutes it when a whole block becomes unknown, so that
/// the old attributes show as `old -> (known after apply)` rather than as deletions.
#[derive(Clone, Copy, Debug)]
pub(super) enum Unknown<'a> {
    Json(Option<&'a Json>),
    AttrsOf(&'a Block),
}

impl<'a> Unknown<'a> {
    pub fn is_true(self) -> bool {
        matches!(self, Unknown::Json(Some(Json::Bool(true))))
    }

    fn child_key(self, key: &str) -> Unknown<'a> {
        match self {
            Unknown::Json(Some(Json::Object(m))) => Unknown::Json(m.get(key)),
            Unknown::AttrsOf(b) => {
                Unknown::Json(b.attributes.contains_key(key).then_some(&JSON_TRUE))
            }
            Unknown::Json(_) => Unknown::Json(None),
        }
    }

    fn child_index(self, ix: usize) -> Unknown<'a> {
        match self {
            Unknown::Json(Some(Json::Array(a))) => Unknown::Json(a.get(ix)),
            _ => Unknown::Json(None),
        }
    }

    fn keys(self, out: &mut BTreeSet<&'a str>) {
        match self {
            Unknown::Json(Some(Json::Object(m))) => out.extend(m.keys().map(String::as_str)),
            Unknown::AttrsOf(b) => out.extend(b.attributes.keys().map(String::as_str)),
            Unknown::Json(_) => {}
        }
    }
}

/// The `replace_paths` that pass through one position (Terraform's non-propagating
/// `attribute_path.Matcher`).
#[derive(Clone, Debug, Default)]
pub(super) struct Matcher<'a> {
    paths: Vec<&'a [PathStep]>,
}

impl<'a> Matcher<'a> {
    pub fn new(paths: impl IntoIterator<Item = &'a [PathStep]>) -> Matcher<'a> {
        Matcher {
            paths: paths.into_iter().collect(),
        }
    }

    /// True when a path ends exactly here: this value forces replacement.
    pub fn matches(&self) -> bool {
        self.paths.iter().any(|p| p.is_empty())
    }

    fn child_key(&self, key: &str) -> Matcher<'a> {
        Matcher {
            paths: self
                .paths
                .iter()
                .filter_map(|p| match p.split_first() {
                    Some((PathStep::Attr(k) | PathStep::Key(k), rest)) if k == key => Some(rest),
                    _ => None,
                })
                .collect(),
        }
    }

    /// Terraform accepts `list["0"]` for `list[0]`, so string keys that read as numbers match.
    fn child_index(&self, ix: usize) -> Matcher<'a> {
        Matcher {
            paths: self
                .paths
                .iter()
                .filter_map(|p| match p.split_first() {
                    Some((PathStep::Index(i), rest)) if usize::try_from(*i) == Ok(ix) => Some(rest),
                    Some((PathStep::Key(k), rest))
                        if k.parse::<f64>().is_ok_and(|f| f.trunc() == ix as f64) =>
                    {
                        Some(rest)
                    }
                    _ => None,
                })
                .collect(),
        }
    }
}

/// One value's change. `None` in `before`/`after` is Go's nil: a JSON `null` or a missing value;
/// the `*_explicit` flags tell the two apart where Terraform cares.
#[derive(Clone, Debug)]
pub(super) struct Change<'a> {
    pub before: Option<&'a Json>,
    pub after: Option<&'a Json>,
    pub before_explicit: bool,
    pub after_explicit: bool,
    pub unknown: Unknown<'a>,
    pub before_sensitive: Option<&'a Json>,
    pub after_sensitive: Option<&'a Json>,
    pub replace: Matcher<'a>,
    /// Set once the schema shows features the legacy SDK could not have, which turns off
    /// Terraform's "empty string is null" display rule.
    pub non_legacy: bool,
}

fn non_null(j: Option<&Json>) -> Option<&Json> {
    j.filter(|j| !j.is_null())
}

fn as_object(j: Option<&Json>) -> Option<&Map<String, Json>> {
    match j {
        Some(Json::Object(m)) => Some(m),
        _ => None,
    }
}

fn as_array(j: Option<&Json>) -> Option<&[Json]> {
    match j {
        Some(Json::Array(a)) => Some(a),
        _ => None,
    }
}

fn is_true(j: Option<&Json>) -> bool {
    matches!(j, Some(Json::Bool(true)))
}

impl<'a> Change<'a> {
    /// A change as a plan JSON document states it at its top level.
    pub fn new(
        before: Option<&'a Json>,
        after: Option<&'a Json>,
        unknown: Option<&'a Json>,
        before_sensitive: Option<&'a Json>,
        after_sensitive: Option<&'a Json>,
        replace: Matcher<'a>,
    ) -> Change<'a> {
        Change {
            before: non_null(before),
            after: non_null(after),
            before_explicit: false,
            after_explicit: false,
            unknown: Unknown::Json(unknown),
            before_sensitive,
            after_sensitive,
            replace,
            non_legacy: false,
        }
    }

    pub fn is_before_sensitive(&self) -> bool {
        is_true(self.before_sensitive)
    }

    pub fn is_after_sensitive(&self) -> bool {
        is_true(self.after_sensitive)
    }

    pub fn is_unknown(&self) -> bool {
        self.unknown.is_true()
    }

    /// Terraform's best guess at a simple value's action.
    pub fn calculate_action(&self) -> crate::plan::Action {
        use crate::plan::Action;
        if self.before.is_none()
            && !self.before_explicit
            && (self.after.is_some() || self.after_explicit)
        {
            return Action::Create;
        }
        if self.after.is_none()
            && !self.after_explicit
            && (self.before.is_some() || self.before_explicit)
        {
            return Action::Delete;
        }
        if self.before == self.after
            && self.after_explicit == self.before_explicit
            && self.is_after_sensitive() == self.is_before_sensitive()
        {
            return Action::NoOp;
        }
        Action::Update
    }

    /// The starting action of a collection, object or block before its children are seen.
    pub fn default_action_for_iteration(&self) -> crate::plan::Action {
        use crate::plan::Action;
        match (self.before, self.after) {
            (None, None) => Action::NoOp,
            (None, Some(_)) => Action::Create,
            (Some(_), None) => Action::Delete,
            (Some(_), Some(_)) => Action::NoOp,
        }
    }

    /// The same change with its sensitivity taken off, as the renderer computes the hidden
    /// inner diff of a sensitive value.
    pub fn without_sensitivity(&self) -> Change<'a> {
        Change {
            before_sensitive: None,
            after_sensitive: None,
            non_legacy: false,
            ..self.clone()
        }
    }

    /// The change as if the value were deleted.
    pub fn as_delete(&self) -> Change<'a> {
        Change {
            before: self.before,
            after: None,
            before_explicit: self.before_explicit,
            after_explicit: false,
            unknown: Unknown::Json(None),
            before_sensitive: self.before_sensitive,
            after_sensitive: None,
            replace: self.replace.clone(),
            non_legacy: false,
        }
    }

    /// The change as if the value were created.
    pub fn as_create(&self) -> Change<'a> {
        Change {
            before: None,
            after: self.after,
            before_explicit: false,
            after_explicit: self.after_explicit,
            unknown: self.unknown,
            before_sensitive: None,
            after_sensitive: self.after_sensitive,
            replace: self.replace.clone(),
            non_legacy: false,
        }
    }

    pub fn before_map(&self) -> Option<&'a Map<String, Json>> {
        as_object(self.before)
    }

    pub fn after_map(&self) -> Option<&'a Map<String, Json>> {
        as_object(self.after)
    }

    pub fn before_seq(&self) -> Option<&'a [Json]> {
        as_array(self.before)
    }

    pub fn after_seq(&self) -> Option<&'a [Json]> {
        as_array(self.after)
    }

    /// The change of one attribute or map element. Children of maps and objects inherit the
    /// legacy-schema flag.
    pub fn child_key(&self, key: &str) -> Change<'a> {
        let before = self.before_map().and_then(|m| m.get(key));
        let after = self.after_map().and_then(|m| m.get(key));
        Change {
            before: non_null(before),
            after: non_null(after),
            before_explicit: before.is_some(),
            after_explicit: after.is_some(),
            unknown: self.unknown.child_key(key),
            before_sensitive: as_object(self.before_sensitive).and_then(|m| m.get(key)),
            after_sensitive: as_object(self.after_sensitive).and_then(|m| m.get(key)),
            replace: self.replace.child_key(key),
            non_legacy: self.non_legacy,
        }
    }

    /// The change between element `before_ix` of the old sequence and `after_ix` of the new
    /// one (an index out of range stands for "absent"). Terraform does not carry the
    /// legacy-schema flag into sequence elements, and neither do we.
    pub fn child_index(&self, before_ix: usize, after_ix: usize) -> Change<'a> {
        let before_seq = self.before_seq();
        let before = before_seq.and_then(|s| s.get(before_ix));
        let after = self.after_seq().and_then(|s| s.get(after_ix));
        let most_relevant = if before_ix < before_seq.map_or(0, <[Json]>::len) {
            before_ix
        } else {
            after_ix
        };
        Change {
            before: non_null(before),
            after: non_null(after),
            before_explicit: before.is_some(),
            after_explicit: after.is_some(),
            unknown: self.unknown.child_index(after_ix),
            before_sensitive: as_array(self.before_sensitive).and_then(|s| s.get(before_ix)),
            after_sensitive: as_array(self.after_sensitive).and_then(|s| s.get(after_ix)),
            replace: self.replace.child_index(most_relevant),
            non_legacy: false,
        }
    }

    /// Keys of the old and new maps.
    pub fn explicit_keys(&self) -> BTreeSet<&'a str> {
        let mut keys = BTreeSet::new();
        for m in [self.before_map(), self.after_map()].into_iter().flatten() {
            keys.extend(m.keys().map(String::as_str));
        }
        keys
    }

    /// Keys of the old and new maps and of the unknown and sensitive views (an unknown map
    /// element is absent from `after` but present in `after_unknown`).
    pub fn all_keys(&self) -> BTreeSet<&'a str> {
        let mut keys = self.explicit_keys();
        self.unknown.keys(&mut keys);
        for m in [
            as_object(self.after_sensitive),
            as_object(self.before_sensitive),
        ]
        .into_iter()
        .flatten()
        {
            keys.extend(m.keys().map(String::as_str));
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;
    use serde_json::json;

    #[test]
    fn a_key_present_with_null_is_explicit() {
        let before = json!({"a": null});
        let after = json!({});
        let c = Change::new(
            Some(&before),
            Some(&after),
            None,
            None,
            None,
            Matcher::default(),
        );
        let child = c.child_key("a");
        assert!(child.before.is_none());
        assert!(child.before_explicit);
        assert!(!child.after_explicit);
        assert_eq!(child.calculate_action(), Action::Delete);
    }

    #[test]
    fn replace_paths_follow_attributes_keys_and_indexes() {
        let path = vec![
            PathStep::Attr("list".into()),
            PathStep::Index(1),
            PathStep::Attr("id".into()),
        ];
        let m = Matcher::new([path.as_slice()]);
        assert!(!m.matches());
        let list = m.child_key("list");
        assert!(!list.child_index(0).child_key("id").matches());
        assert!(list.child_index(1).child_key("id").matches());
        let quoted = vec![PathStep::Key("1".into())];
        assert!(Matcher::new([quoted.as_slice()]).child_index(1).matches());
    }

    #[test]
    fn unknown_blocks_mark_only_their_attributes_unknown() {
        let mut block = Block::default();
        block.attributes.insert(
            "id".into(),
            crate::schema::Attribute {
                ty: crate::value::Type::String,
                description: None,
                required: false,
                optional: false,
                computed: true,
                sensitive: false,
                requires_replace: false,
            },
        );
        let u = Unknown::AttrsOf(&block);
        assert!(u.child_key("id").is_true());
        assert!(!u.child_key("nested").is_true());
    }
}
