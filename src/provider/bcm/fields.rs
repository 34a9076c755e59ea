//! The one table each BCM type's attributes are declared in (`Field`), and what is derived from
//! it: the schema block (compared with `schema/bcm.json` by a test, and rendered into it), the
//! mapping of API entities to attribute values, checked reads of configuration and checked
//! construction of state values, so that the code cannot use an attribute the schema lacks.

use crate::diag::Diagnostic;
use crate::schema::{Attribute, Block, NestedBlock, Nesting};
use crate::value::{value_from_json_typed, value_to_json, ObjectType, Type, Value};
use serde_json::{json, Map, Value as Json};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Required,
    Optional,
    Computed,
    OptionalComputed,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    String,
    Number,
    Bool,
    ListString,
    SetString,
    MapString,
    Dynamic,
    /// A protocol-6 nested attribute holding one object.
    NestedSingle(&'static [Field]),
    /// A protocol-6 nested attribute holding a list of objects.
    NestedList(&'static [Field]),
    /// A nested block that appears at most once.
    BlockSingle(&'static [Field]),
    /// A repeated nested block.
    BlockList(&'static [Field]),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub mode: Mode,
    pub sensitive: bool,
    pub requires_replace: bool,
    pub description: &'static str,
    /// The camelCase key of the API entity this attribute is read from ("" when computed by
    /// code, not copied).
    pub wire: &'static str,
}

impl Field {
    pub const fn new(
        name: &'static str,
        kind: Kind,
        mode: Mode,
        description: &'static str,
    ) -> Field {
        Field {
            name,
            kind,
            mode,
            sensitive: false,
            requires_replace: false,
            description,
            wire: "",
        }
    }
    pub const fn sensitive(mut self) -> Field {
        self.sensitive = true;
        self
    }
    pub const fn replace(mut self) -> Field {
        self.requires_replace = true;
        self
    }
    pub const fn wire(mut self, key: &'static str) -> Field {
        self.wire = key;
        self
    }
}

pub(crate) const fn req(name: &'static str, kind: Kind, d: &'static str) -> Field {
    Field::new(name, kind, Mode::Required, d)
}
pub(crate) const fn opt(name: &'static str, kind: Kind, d: &'static str) -> Field {
    Field::new(name, kind, Mode::Optional, d)
}
pub(crate) const fn comp(name: &'static str, kind: Kind, d: &'static str) -> Field {
    Field::new(name, kind, Mode::Computed, d)
}
pub(crate) const fn optc(name: &'static str, kind: Kind, d: &'static str) -> Field {
    Field::new(name, kind, Mode::OptionalComputed, d)
}
pub(crate) const fn block(name: &'static str, kind: Kind, d: &'static str) -> Field {
    Field::new(name, kind, Mode::Optional, d)
}

pub(crate) use Kind::{Bool as B, Number as N, String as S};

// ---- Schema derived from the table ----

/// The type of an attribute (blocks: the type of their value in the object).
fn type_of(kind: Kind) -> Type {
    match kind {
        Kind::String => Type::String,
        Kind::Number => Type::Number,
        Kind::Bool => Type::Bool,
        Kind::ListString => Type::list(Type::String),
        Kind::SetString => Type::set(Type::String),
        Kind::MapString => Type::map(Type::String),
        Kind::Dynamic => Type::Dynamic,
        Kind::NestedSingle(f) => nested_object(f),
        Kind::NestedList(f) => Type::list(nested_object(f)),
        Kind::BlockSingle(f) => block_of(f).implied_type(),
        Kind::BlockList(f) => Type::list(block_of(f).implied_type()),
    }
}

/// A nested attribute's object type: its optional and computed members may be left out.
fn nested_object(fields: &[Field]) -> Type {
    let mut object = ObjectType::default();
    for f in fields {
        let name: Arc<str> = Arc::from(f.name);
        if f.mode != Mode::Required {
            object.optional.insert(name.clone(), None);
        }
        object.attrs.insert(name, type_of(f.kind));
    }
    Type::Object(Arc::new(object))
}

/// The schema block the table declares.
pub(crate) fn block_of(fields: &[Field]) -> Block {
    let mut out = Block::default();
    for f in fields {
        match f.kind {
            Kind::BlockSingle(inner) | Kind::BlockList(inner) => {
                out.block_types.insert(
                    f.name.to_string(),
                    NestedBlock {
                        nesting: if matches!(f.kind, Kind::BlockSingle(_)) {
                            Nesting::Single
                        } else {
                            Nesting::List
                        },
                        block: block_of(inner),
                        min_items: 0,
                        max_items: 0,
                    },
                );
            }
            _ => {
                out.attributes.insert(
                    f.name.to_string(),
                    Attribute {
                        ty: type_of(f.kind),
                        description: Some(f.description.to_string()),
                        required: f.mode == Mode::Required,
                        optional: matches!(f.mode, Mode::Optional | Mode::OptionalComputed),
                        computed: matches!(f.mode, Mode::Computed | Mode::OptionalComputed),
                        sensitive: f.sensitive,
                        requires_replace: f.requires_replace,
                    },
                );
            }
        }
    }
    out
}

fn attribute_json(f: &Field) -> Json {
    let mut a = Map::new();
    match f.kind {
        Kind::NestedSingle(inner) | Kind::NestedList(inner) => {
            let attrs: Map<String, Json> = sorted(inner)
                .into_iter()
                .map(|f| (f.name.to_string(), attribute_json(f)))
                .collect();
            let mode = if matches!(f.kind, Kind::NestedSingle(_)) {
                "single"
            } else {
                "list"
            };
            a.insert(
                "nested_type".into(),
                json!({"attributes": attrs, "nesting_mode": mode}),
            );
        }
        k => {
            a.insert("type".into(), type_of(k).to_json());
        }
    }
    a.insert("description".into(), json!(f.description));
    a.insert("description_kind".into(), json!("plain"));
    match f.mode {
        Mode::Required => {
            a.insert("required".into(), json!(true));
        }
        Mode::Optional => {
            a.insert("optional".into(), json!(true));
        }
        Mode::Computed => {
            a.insert("computed".into(), json!(true));
        }
        Mode::OptionalComputed => {
            a.insert("optional".into(), json!(true));
            a.insert("computed".into(), json!(true));
        }
    }
    if f.sensitive {
        a.insert("sensitive".into(), json!(true));
    }
    if f.requires_replace {
        a.insert("requires_replace".into(), json!(true));
    }
    Json::Object(a)
}

fn sorted(fields: &[Field]) -> Vec<&Field> {
    let mut v: Vec<&Field> = fields.iter().collect();
    v.sort_by_key(|f| f.name);
    v
}

/// The block in `terraform providers schema -json` form.
pub(crate) fn block_json(fields: &[Field], description: &str) -> Json {
    let mut attributes = Map::new();
    let mut block_types = Map::new();
    for f in sorted(fields) {
        match f.kind {
            Kind::BlockSingle(inner) | Kind::BlockList(inner) => {
                let mode = if matches!(f.kind, Kind::BlockSingle(_)) {
                    "single"
                } else {
                    "list"
                };
                block_types.insert(
                    f.name.to_string(),
                    json!({"nesting_mode": mode, "block": block_json(inner, f.description)}),
                );
            }
            _ => {
                attributes.insert(f.name.to_string(), attribute_json(f));
            }
        }
    }
    let mut b = Map::new();
    if !attributes.is_empty() {
        b.insert("attributes".into(), Json::Object(attributes));
    }
    if !block_types.is_empty() {
        b.insert("block_types".into(), Json::Object(block_types));
    }
    b.insert("description".into(), json!(description));
    b.insert("description_kind".into(), json!("plain"));
    Json::Object(b)
}

// ---- Values ----

/// The state value of `json` for a block: every attribute of the block must be present (null
/// allowed) and no other, at every level, or it is a defect of this provider, reported as such.
pub(crate) fn to_value(json: &Json, fields: &[Field]) -> Result<Value, Diagnostic> {
    check_keys(json, fields, "")?;
    let ty = block_of(fields).implied_type();
    let v = value_from_json_typed(json, &ty).ok_or_else(|| {
        internal(format!(
            "the object does not convert to the schema type {ty}"
        ))
    })?;
    Ok(mark_sensitive(v, fields))
}

/// Marks the values of sensitive attributes, nested ones included, so that they print as
/// `(sensitive value)` wherever the state is shown.
fn mark_sensitive(v: Value, fields: &[Field]) -> Value {
    let Value::Object(attrs) = &v else {
        return v;
    };
    let mut out = (**attrs).clone();
    for f in fields {
        let Some(current) = out.get(f.name).cloned() else {
            continue;
        };
        let updated = if f.sensitive && !current.is_null() {
            current.mark_sensitive()
        } else {
            match (f.kind, current) {
                (Kind::NestedSingle(inner) | Kind::BlockSingle(inner), c) => {
                    mark_sensitive(c, inner)
                }
                (Kind::NestedList(inner) | Kind::BlockList(inner), Value::List(t, items)) => {
                    Value::List(
                        t,
                        items
                            .iter()
                            .map(|i| mark_sensitive(i.clone(), inner))
                            .collect(),
                    )
                }
                (_, c) => c,
            }
        };
        out.insert(Arc::from(f.name), updated);
    }
    Value::object(out)
}

fn check_keys(json: &Json, fields: &[Field], path: &str) -> Result<(), Diagnostic> {
    let Some(obj) = json.as_object() else {
        return if json.is_null() {
            Ok(())
        } else {
            Err(internal(format!("{path} is not an object")))
        };
    };
    for key in obj.keys() {
        if !fields.iter().any(|f| f.name == key) {
            return Err(internal(format!(
                "attribute {path}{key} is not in the schema"
            )));
        }
    }
    for f in fields {
        let here = format!("{path}{}", f.name);
        let v = obj.get(f.name);
        if v.is_none() {
            return Err(internal(format!("attribute {here} is missing")));
        }
        match (f.kind, v) {
            (Kind::NestedSingle(inner) | Kind::BlockSingle(inner), Some(v)) => {
                check_keys(v, inner, &format!("{here}."))?
            }
            (Kind::NestedList(inner) | Kind::BlockList(inner), Some(Json::Array(items))) => {
                for (i, item) in items.iter().enumerate() {
                    check_keys(item, inner, &format!("{here}[{i}]."))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

pub(crate) fn internal(what: String) -> Diagnostic {
    Diagnostic::error("Provider produced an invalid object").detail(format!(
        "This is a defect of bcmhcl's BCM provider: {what}."
    ))
}

/// A known value as JSON (marks dropped); `None` when something in it is unknown.
#[cfg(test)]
pub(crate) fn value_json(v: &Value) -> Option<Json> {
    value_to_json(&v.unmark_deep().0)
}

/// A value as JSON with unknown parts as null.
pub(crate) fn value_json_lossy(v: &Value) -> Json {
    match v {
        Value::Unknown(_) | Value::Null(_) => Json::Null,
        Value::Sensitive(inner) => value_json_lossy(inner),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(value_json_lossy).collect())
        }
        Value::Map(_, attrs) | Value::Object(attrs) => Json::Object(
            attrs
                .iter()
                .map(|(k, v)| (k.to_string(), value_json_lossy(v)))
                .collect(),
        ),
        other => value_to_json(other).unwrap_or(Json::Null),
    }
}

/// Checked reads of a configuration or planned object: every name read must be in the table.
#[derive(Clone, Debug)]
pub(crate) struct Conf {
    obj: Map<String, Json>,
    fields: &'static [Field],
}

impl Conf {
    /// An object value; unknown parts read as null (a plan's values that only apply can tell).
    pub fn of(v: &Value, fields: &'static [Field]) -> Conf {
        Conf::from_json(&value_json_lossy(v), fields)
    }

    pub fn from_json(json: &Json, fields: &'static [Field]) -> Conf {
        Conf {
            obj: json.as_object().cloned().unwrap_or_default(),
            fields,
        }
    }

    fn field(&self, name: &str) -> Option<&'static Field> {
        let f = self.fields.iter().find(|f| f.name == name);
        debug_assert!(f.is_some(), "attribute {name:?} is not in the table");
        f
    }

    pub fn json(&self, name: &str) -> Option<&Json> {
        self.field(name)?;
        self.obj.get(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.json(name).and_then(Json::as_str)
    }

    /// A string attribute, with a number converted as HCL converts it (`600` -> `"600"`).
    pub fn string(&self, name: &str) -> Option<String> {
        match self.json(name)? {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.json(name).and_then(Json::as_bool)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        let v = self.json(name)?;
        v.as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    }

    pub fn strings(&self, name: &str) -> Option<Vec<String>> {
        Some(
            self.json(name)?
                .as_array()?
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
        )
    }

    /// The objects of a nested list or block list (none when null).
    pub fn list(&self, name: &str) -> Vec<Conf> {
        let inner = match self.field(name).map(|f| f.kind) {
            Some(
                Kind::NestedList(f)
                | Kind::BlockList(f)
                | Kind::NestedSingle(f)
                | Kind::BlockSingle(f),
            ) => f,
            _ => return Vec::new(),
        };
        match self.json(name) {
            Some(Json::Array(items)) => items.iter().map(|i| Conf::from_json(i, inner)).collect(),
            Some(obj @ Json::Object(_)) => vec![Conf::from_json(obj, inner)],
            _ => Vec::new(),
        }
    }

    pub fn is_null(&self, name: &str) -> bool {
        self.json(name).is_none()
    }

    pub fn raw(&self) -> &Map<String, Json> {
        &self.obj
    }
}

// ---- API entities to attribute values ----

/// The provider's `getStringValue`: a non-empty string, else null.
pub(crate) fn wire_string(entity: &Json, key: &str) -> Json {
    match entity.get(key) {
        Some(Json::String(s)) if !s.is_empty() => Json::String(s.clone()),
        _ => Json::Null,
    }
}

/// `getBoolValue`: a boolean, else null.
pub(crate) fn wire_bool(entity: &Json, key: &str) -> Json {
    match entity.get(key) {
        Some(Json::Bool(b)) => Json::Bool(*b),
        _ => Json::Null,
    }
}

/// `getInt64Value`: a number truncated to an integer, else null.
pub(crate) fn wire_int(entity: &Json, key: &str) -> Json {
    match entity.get(key) {
        Some(Json::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Json::from)
            .unwrap_or(Json::Null),
        _ => Json::Null,
    }
}

/// A list of the string elements, null when absent.
pub(crate) fn wire_strings(entity: &Json, key: &str) -> Json {
    match entity.get(key) {
        Some(Json::Array(items)) => {
            Json::Array(items.iter().filter(|i| i.is_string()).cloned().collect())
        }
        _ => Json::Null,
    }
}

/// Every field of the table with a wire key, read from `entity`; nested lists are mapped
/// element by element (an empty list when absent). Fields without a wire key are left out for
/// the caller to set.
pub(crate) fn map_entity(entity: &Json, fields: &[Field]) -> Map<String, Json> {
    let mut out = Map::new();
    for f in fields.iter().filter(|f| !f.wire.is_empty()) {
        let v = match f.kind {
            Kind::String => wire_string(entity, f.wire),
            Kind::Bool => wire_bool(entity, f.wire),
            Kind::Number => wire_int(entity, f.wire),
            Kind::ListString | Kind::SetString => wire_strings(entity, f.wire),
            Kind::NestedList(inner) | Kind::BlockList(inner) => Json::Array(
                entity
                    .get(f.wire)
                    .and_then(Json::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .filter(|i| i.is_object())
                            .map(|i| Json::Object(map_entity(i, inner)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            Kind::NestedSingle(inner) | Kind::BlockSingle(inner) => match entity.get(f.wire) {
                Some(o @ Json::Object(_)) => Json::Object(map_entity(o, inner)),
                _ => Json::Null,
            },
            Kind::MapString | Kind::Dynamic => entity.get(f.wire).cloned().unwrap_or(Json::Null),
        };
        out.insert(f.name.to_string(), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const INNER: &[Field] = &[req("name", S, "n"), comp("uuid", S, "u").wire("uuid")];
    const OUTER: &[Field] = &[
        comp("id", S, "i"),
        opt("tags", Kind::ListString, "t"),
        optc("items", Kind::NestedList(INNER), "x"),
        block("part", Kind::BlockList(INNER), "p"),
    ];

    #[test]
    fn values_must_name_exactly_the_schema_attributes() {
        let ok =
            json!({"id": "a", "tags": null, "items": [{"name": "x", "uuid": null}], "part": []});
        let v = to_value(&ok, OUTER).unwrap();
        assert_eq!(v.as_attrs().unwrap().len(), 4);
        let extra = json!({"id": "a", "tags": null, "items": null, "part": [], "state": "UP"});
        let e = to_value(&extra, OUTER).unwrap_err();
        assert!(
            e.detail.contains("attribute state is not in the schema"),
            "{e}"
        );
        let missing = json!({"id": "a", "items": null, "part": []});
        assert!(to_value(&missing, OUTER)
            .unwrap_err()
            .detail
            .contains("tags is missing"));
        let nested_extra = json!({"id": "a", "tags": null, "items": [{"name": "x", "uuid": "u", "ip": "1"}], "part": []});
        assert!(to_value(&nested_extra, OUTER)
            .unwrap_err()
            .detail
            .contains("items[0].ip"));
    }

    #[test]
    fn the_block_and_its_json_agree() {
        let b = block_of(OUTER);
        assert_eq!(
            b.attributes["items"].ty.to_string(),
            "list(object({name=string, uuid=optional(string)}))"
        );
        assert_eq!(b.block_types["part"].nesting, Nesting::List);
        let doc = json!({"format_version": "1.0", "provider_schemas": {"x/y/z": {
            "resource_schemas": {"z_thing": {"version": 0, "block": block_json(OUTER, "d")}}}}});
        let parsed = crate::schema::parse_schemas(&doc.to_string()).unwrap();
        let p = &parsed["x/y/z"].resource_schemas["z_thing"].block;
        assert_eq!(p.attributes["items"].ty, b.attributes["items"].ty);
        assert_eq!(
            p.block_types["part"].block.implied_type(),
            b.block_types["part"].block.implied_type()
        );
    }

    #[test]
    fn entities_map_with_the_providers_null_rules() {
        let e = json!({"uuid": "", "list": [{"uuid": "1"}]});
        assert_eq!(wire_string(&e, "uuid"), Json::Null);
        const T: &[Field] = &[comp("l", Kind::NestedList(INNER), "l").wire("list")];
        let m = map_entity(&e, T);
        assert_eq!(m["l"], json!([{"uuid": "1"}]));
    }
}
