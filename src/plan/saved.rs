//! Saved plans: what `plan -out=FILE` writes, `apply FILE` applies and `show FILE` prints.
//!
//! Terraform's plan file is a zip of protobuf, a configuration snapshot and the prior state;
//! bcmhcl writes one JSON document of its own instead. It records everything needed to apply
//! exactly the reviewed plan or to refuse to:
//!
//! ```text
//! {
//!   "format": "bcmhcl-plan",
//!   "format_version": 1,
//!   "bcmhcl_version": "0.1.0",
//!   "timestamp": "2024-05-01T12:00:00Z",            (when the plan was made; optional)
//!   "configuration_hash": "sha256:<64 hex digits>",  (see `configuration_hash`)
//!   "prior_state": {"lineage": "<uuid>", "serial": 3},
//!   "options": {"destroy": false, "replace": ["terraform_data.x"]},
//!   "variables": {"NAME": VALUE, ...},               (every root module variable, as evaluated)
//!   "resource_changes": [{
//!     "module": "",                                  (module instance path; "" for the root)
//!     "mode": "managed",                             ("managed" or "data")
//!     "type": "terraform_data", "name": "x",
//!     "index": null,                                 (null, a count index, or a for_each key)
//!     "provider": "terraform.io/builtin/terraform",
//!     "actions": ["delete", "create"],               (plan JSON's `actions`)
//!     "reason": "replace_because_cannot_update",     (plan JSON's `action_reason`, or null)
//!     "before": VALUE | null, "after": VALUE | null,
//!     "replace_paths": [PATH, ...]
//!   }, ...],
//!   "output_changes": [{"name": "o", "actions": ["create"], "before": VALUE | null,
//!                       "after": VALUE | null, "sensitive": false}, ...]
//! }
//!
//! VALUE = {"type": <type JSON as state files write it>,
//!          "value": <the value as JSON; null wherever it is unknown>,
//!          "unknown": [PATH, ...],                   (only when something is unknown)
//!          "sensitive": [PATH, ...]}                 (only when something is sensitive)
//! PATH  = [STEP, ...]   (the empty path is the value itself)
//! STEP  = {"attr": "name"} | {"key": "map key"} | {"index": 0}
//! ```
//!
//! `prior_state` is the lineage and serial of the state the plan was made from; both are empty
//! (`""`, 0) when there was no state yet. Applying refuses a plan whose state has moved on, with
//! Terraform's "Saved plan is stale", and a plan whose configuration files changed.
//!
//! The file holds the values of sensitive variables and attributes in clear text, as
//! Terraform's plan files do, so it is written with mode 0600, atomically (a temporary file in
//! the same directory, synced, then renamed over the target). With a state key
//! (`write_with`), the document above is sealed whole in an envelope of content `plan`
//! (`crate::state::encryption`); `read_with` opens it, and still reads plaintext plans.

use super::build::PlanOptions;
use super::{Action, ActionReason, AttrPath, OutputChange, PathStep, Plan, ResourceChange};
use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use crate::config::tfvars::Assigned;
use crate::config::{Module, ResourceMode};
use crate::diag::{Diagnostic, SourceMap, Span};
use crate::eval::module::{InputValue, RawInput};
use crate::state::encryption::{self, Content, CryptError, Encryption};
use crate::state::State;
use crate::value::{value_from_json, value_to_json, Number, Type, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The `format` field of every saved plan.
pub const FORMAT: &str = "bcmhcl-plan";
/// The layout this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// The lineage and serial of the state a plan was made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorState {
    /// Empty when there was no state.
    pub lineage: String,
    /// 0 when there was no state.
    pub serial: u64,
}

impl PriorState {
    /// The metadata of `state`. A state that was never saved (serial 0) has a fresh random
    /// lineage that means nothing, so it is recorded as no state at all.
    pub fn of(state: &State) -> PriorState {
        if state.serial == 0 {
            PriorState {
                lineage: String::new(),
                serial: 0,
            }
        } else {
            PriorState {
                lineage: state.lineage.clone(),
                serial: state.serial,
            }
        }
    }
}

/// A plan as saved to a file, with what is needed to check it still applies.
#[derive(Clone, Debug)]
pub struct SavedPlan {
    pub plan: Plan,
    /// Every root module variable as evaluated for the plan, sensitive ones marked.
    pub variables: BTreeMap<String, Value>,
    pub prior: PriorState,
    /// `configuration_hash` of the module the plan was made from.
    pub configuration_hash: String,
    /// `-destroy` and `-replace` as given to `plan`.
    pub options: PlanOptions,
    /// The bcmhcl version that made the plan.
    pub bcmhcl_version: String,
    /// RFC 3339 time the plan was made, supplied by the caller (planning reads no clock).
    pub timestamp: Option<String>,
}

/// Why a text is not a saved plan this build can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanFileProblem {
    #[error("it is not a bcmhcl plan file ({0})")]
    NotAPlan(String),
    #[error("it has plan format version {0}, and this bcmhcl reads version {FORMAT_VERSION} only")]
    Version(u64),
    #[error("it is damaged: {0}")]
    Invalid(String),
}

/// What can go wrong reading or writing a plan file.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} cannot be used: {problem}", path.display())]
    Problem {
        path: PathBuf,
        problem: PlanFileProblem,
    },
    #[error("{} is encrypted, and no state key is set", path.display())]
    NoKey { path: PathBuf },
    #[error("{} cannot be decrypted: {source}", path.display())]
    Crypt { path: PathBuf, source: CryptError },
}

impl SavedPlanError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            SavedPlanError::Read { path, source } => Diagnostic::error("Failed to read plan file")
                .detail(format!(
                    "The plan file {} could not be read: {source}.",
                    path.display()
                )),
            SavedPlanError::Write { path, source } => {
                Diagnostic::error("Failed to write plan file").detail(format!(
                    "The plan could not be saved to {}: {source}.",
                    path.display()
                ))
            }
            SavedPlanError::Problem { path, problem } => Diagnostic::error(format!(
                "Failed to load {:?} as a plan file",
                path.display().to_string()
            ))
            .detail(format!(
                "The file {} cannot be applied or shown: {problem}.",
                path.display()
            )),
            SavedPlanError::NoKey { path } => Diagnostic::error("Encrypted plan without a key")
                .detail(format!(
                    "The plan file {} is encrypted, and no state key is set. Set \
                     BCMHCL_STATE_PASSPHRASE to the passphrase it was encrypted with, or \
                     BCMHCL_STATE_KEY_FILE to the file holding it.",
                    path.display()
                )),
            SavedPlanError::Crypt { path, source } => {
                Diagnostic::error("Failed to decrypt plan file").detail(match source {
                    CryptError::WrongKey => format!(
                        "The plan file is encrypted and the key does not open it: {} was \
                         encrypted with another passphrase or key file.",
                        path.display()
                    ),
                    other => format!(
                        "The encrypted plan file {} cannot be used: {other}.",
                        path.display()
                    ),
                })
            }
        }
    }
}

// ----- The file layout (field order is the order written) -----

#[derive(Serialize, Deserialize)]
struct FileV1 {
    format: String,
    format_version: u64,
    bcmhcl_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    configuration_hash: String,
    prior_state: PriorStateJson,
    options: OptionsJson,
    variables: BTreeMap<String, ValueJson>,
    resource_changes: Vec<ResourceChangeJson>,
    output_changes: Vec<OutputChangeJson>,
}

#[derive(Serialize, Deserialize)]
struct PriorStateJson {
    lineage: String,
    serial: u64,
}

#[derive(Serialize, Deserialize)]
struct OptionsJson {
    destroy: bool,
    replace: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct ResourceChangeJson {
    module: String,
    mode: String,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    index: Json,
    provider: String,
    actions: Vec<String>,
    reason: Option<String>,
    before: Option<ValueJson>,
    after: Option<ValueJson>,
    #[serde(default)]
    replace_paths: Vec<Vec<StepJson>>,
}

#[derive(Serialize, Deserialize)]
struct OutputChangeJson {
    name: String,
    actions: Vec<String>,
    before: Option<ValueJson>,
    after: Option<ValueJson>,
    sensitive: bool,
}

#[derive(Serialize, Deserialize)]
struct ValueJson {
    #[serde(rename = "type")]
    ty: Json,
    value: Json,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unknown: Vec<Vec<StepJson>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sensitive: Vec<Vec<StepJson>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "lowercase")]
enum StepJson {
    Attr(String),
    Key(String),
    Index(i64),
}

impl From<&PathStep> for StepJson {
    fn from(s: &PathStep) -> StepJson {
        match s {
            PathStep::Attr(a) => StepJson::Attr(a.clone()),
            PathStep::Key(k) => StepJson::Key(k.clone()),
            PathStep::Index(i) => StepJson::Index(*i),
        }
    }
}

impl From<&StepJson> for PathStep {
    fn from(s: &StepJson) -> PathStep {
        match s {
            StepJson::Attr(a) => PathStep::Attr(a.clone()),
            StepJson::Key(k) => PathStep::Key(k.clone()),
            StepJson::Index(i) => PathStep::Index(*i),
        }
    }
}

// ----- Values -----

/// The value as JSON with marks dropped and `null` wherever it is unknown.
fn plain_json(v: &Value) -> Json {
    match v {
        Value::Sensitive(inner) => plain_json(inner),
        Value::Unknown(_) | Value::Null(_) => Json::Null,
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(plain_json).collect())
        }
        Value::Map(_, attrs) | Value::Object(attrs) => Json::Object(
            attrs
                .iter()
                .map(|(k, e)| (k.to_string(), plain_json(e)))
                .collect(),
        ),
        primitive => value_to_json(primitive).unwrap_or(Json::Null),
    }
}

/// The paths of unknown values and of sensitive marks, depth first.
fn collect_paths(
    v: &Value,
    path: &mut Vec<StepJson>,
    unknown: &mut Vec<Vec<StepJson>>,
    sensitive: &mut Vec<Vec<StepJson>>,
) {
    match v {
        Value::Sensitive(inner) => {
            sensitive.push(path.clone());
            collect_paths(inner, path, unknown, sensitive);
        }
        Value::Unknown(_) => unknown.push(path.clone()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            for (i, e) in items.iter().enumerate() {
                path.push(StepJson::Index(i as i64));
                collect_paths(e, path, unknown, sensitive);
                path.pop();
            }
        }
        Value::Map(_, attrs) => {
            for (k, e) in attrs.iter() {
                path.push(StepJson::Key(k.to_string()));
                collect_paths(e, path, unknown, sensitive);
                path.pop();
            }
        }
        Value::Object(attrs) => {
            for (k, e) in attrs.iter() {
                path.push(StepJson::Attr(k.to_string()));
                collect_paths(e, path, unknown, sensitive);
                path.pop();
            }
        }
        _ => {}
    }
}

fn encode_value(v: &Value) -> ValueJson {
    let mut unknown = Vec::new();
    let mut sensitive = Vec::new();
    collect_paths(v, &mut Vec::new(), &mut unknown, &mut sensitive);
    ValueJson {
        ty: v.ty().to_json(),
        value: plain_json(v),
        unknown,
        sensitive,
    }
}

/// A known value of type `ty` from JSON, strictly: the JSON must have the type's shape.
/// Under `dynamic` the JSON's own shape is taken (objects and tuples).
fn decode_typed(j: &Json, ty: &Type) -> Result<Value, String> {
    if j.is_null() {
        return Ok(Value::Null(ty.clone()));
    }
    let mismatch = || format!("{j} is not a value of type {ty}");
    Ok(match ty {
        Type::Dynamic => value_from_json(j),
        Type::Bool => Value::Bool(j.as_bool().ok_or_else(mismatch)?),
        Type::Number => match j {
            Json::Number(n) => Value::Number(Number::parse(&n.to_string()).ok_or_else(mismatch)?),
            _ => return Err(mismatch()),
        },
        Type::String => Value::string(j.as_str().ok_or_else(mismatch)?),
        Type::List(t) | Type::Set(t) => {
            let items = j
                .as_array()
                .ok_or_else(mismatch)?
                .iter()
                .map(|e| decode_typed(e, t))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, Type::List(_)) {
                Value::list((**t).clone(), items)
            } else {
                // Kept in the saved order (already the set's order), so that paths into the
                // set still point at the same elements.
                Value::Set((**t).clone(), items.into())
            }
        }
        Type::Map(t) => Value::map(
            (**t).clone(),
            j.as_object()
                .ok_or_else(mismatch)?
                .iter()
                .map(|(k, e)| Ok((Arc::from(k.as_str()), decode_typed(e, t)?)))
                .collect::<Result<_, String>>()?,
        ),
        Type::Tuple(ts) => {
            let items = j.as_array().ok_or_else(mismatch)?;
            if items.len() != ts.len() {
                return Err(mismatch());
            }
            Value::tuple(
                items
                    .iter()
                    .zip(ts.iter())
                    .map(|(e, t)| decode_typed(e, t))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Object(o) => {
            let m = j.as_object().ok_or_else(mismatch)?;
            if let Some(extra) = m.keys().find(|k| !o.attrs.contains_key(k.as_str())) {
                return Err(format!("attribute {extra:?} is not part of type {ty}"));
            }
            Value::object(
                o.attrs
                    .iter()
                    .map(|(k, t)| {
                        let e = m.get(&**k).unwrap_or(&Json::Null);
                        Ok((k.clone(), decode_typed(e, t)?))
                    })
                    .collect::<Result<_, String>>()?,
            )
        }
    })
}

/// Replaces the value at `path` with `f` of it, looking through sensitive marks on the way.
fn update_at(v: Value, path: &[StepJson], f: &dyn Fn(Value) -> Value) -> Result<Value, String> {
    let Some((step, rest)) = path.split_first() else {
        return Ok(f(v));
    };
    let missing = || format!("the path step {step:?} does not fit the value");
    Ok(match (v, step) {
        (Value::Sensitive(inner), _) => update_at((*inner).clone(), path, f)?.mark_sensitive(),
        (Value::Object(attrs), StepJson::Attr(k) | StepJson::Key(k)) => {
            let mut attrs = (*attrs).clone();
            let e = attrs.remove(k.as_str()).ok_or_else(missing)?;
            attrs.insert(k.as_str().into(), update_at(e, rest, f)?);
            Value::object(attrs)
        }
        (Value::Map(t, attrs), StepJson::Attr(k) | StepJson::Key(k)) => {
            let mut attrs = (*attrs).clone();
            let e = attrs.remove(k.as_str()).ok_or_else(missing)?;
            attrs.insert(k.as_str().into(), update_at(e, rest, f)?);
            Value::Map(t, Arc::new(attrs))
        }
        (seq @ (Value::List(..) | Value::Set(..) | Value::Tuple(_)), StepJson::Index(i)) => {
            let i = usize::try_from(*i).map_err(|_| missing())?;
            let mut items: Vec<Value> = seq.as_seq().map(<[Value]>::to_vec).unwrap_or_default();
            let e = items.get(i).cloned().ok_or_else(missing)?;
            items[i] = update_at(e, rest, f)?;
            match seq {
                Value::List(t, _) => Value::List(t, items.into()),
                Value::Set(t, _) => Value::Set(t, items.into()),
                _ => Value::tuple(items),
            }
        }
        _ => return Err(missing()),
    })
}

fn decode_value(j: &ValueJson) -> Result<Value, String> {
    let ty = Type::from_json(&j.ty).ok_or_else(|| format!("{} is not a type", j.ty))?;
    let mut v = decode_typed(&j.value, &ty)?;
    for p in &j.unknown {
        v = update_at(v, p, &|old| Value::Unknown(old.ty()))?;
    }
    for p in &j.sensitive {
        v = update_at(v, p, &|old| old.mark_sensitive())?;
    }
    Ok(v)
}

// ----- Actions, reasons, addresses -----

fn action_from_json(actions: &[String]) -> Result<Action, String> {
    let names: Vec<&str> = actions.iter().map(String::as_str).collect();
    [
        Action::NoOp,
        Action::Create,
        Action::Read,
        Action::Update,
        Action::DeleteThenCreate,
        Action::CreateThenDelete,
        Action::Delete,
    ]
    .into_iter()
    .find(|a| a.json_actions() == names.as_slice())
    .ok_or_else(|| format!("{names:?} is not a plan action"))
}

fn reason_from_json(name: &str) -> Result<ActionReason, String> {
    [
        ActionReason::ReplaceBecauseTainted,
        ActionReason::ReplaceBecauseCannotUpdate,
        ActionReason::ReplaceByRequest,
        ActionReason::ReplaceByTriggers,
        ActionReason::DeleteBecauseNoResourceConfig,
        ActionReason::DeleteBecauseCountIndex,
        ActionReason::DeleteBecauseEachKey,
        ActionReason::DeleteBecauseNoModule,
        ActionReason::ReadBecauseConfigUnknown,
        ActionReason::ReadBecauseDependencyPending,
    ]
    .into_iter()
    .find(|r| r.json_name() == name)
    .ok_or_else(|| format!("{name:?} is not an action reason"))
}

fn index_json(key: &InstanceKey) -> Json {
    match key {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(i) => Json::from(*i),
        InstanceKey::Str(s) => Json::String(s.clone()),
    }
}

fn index_from_json(j: &Json) -> Result<InstanceKey, String> {
    match j {
        Json::Null => Ok(InstanceKey::None),
        Json::String(s) => Ok(InstanceKey::Str(s.clone())),
        Json::Number(n) => n
            .as_i64()
            .map(InstanceKey::Int)
            .ok_or_else(|| format!("{n} is not an instance index")),
        other => Err(format!("{other} is not an instance key")),
    }
}

fn optional_value(v: &Option<Value>) -> Option<ValueJson> {
    v.as_ref().map(encode_value)
}

fn decode_optional(v: &Option<ValueJson>) -> Result<Option<Value>, String> {
    v.as_ref().map(decode_value).transpose()
}

impl SavedPlan {
    /// The plan file's text.
    pub fn to_json(&self) -> String {
        let file = FileV1 {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            bcmhcl_version: self.bcmhcl_version.clone(),
            timestamp: self.timestamp.clone(),
            configuration_hash: self.configuration_hash.clone(),
            prior_state: PriorStateJson {
                lineage: self.prior.lineage.clone(),
                serial: self.prior.serial,
            },
            options: OptionsJson {
                destroy: self.options.destroy,
                replace: self.options.replace.clone(),
            },
            variables: self
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), encode_value(v)))
                .collect(),
            resource_changes: self
                .plan
                .resource_changes
                .iter()
                .map(|c| {
                    let r = &c.addr.resource;
                    ResourceChangeJson {
                        module: r.module.to_string(),
                        mode: match r.mode {
                            ResourceMode::Managed => "managed".into(),
                            ResourceMode::Data => "data".into(),
                        },
                        type_name: r.type_name.clone(),
                        name: r.name.clone(),
                        index: index_json(&c.addr.key),
                        provider: c.provider.clone(),
                        actions: c
                            .action
                            .json_actions()
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                        reason: c.reason.map(|r| r.json_name().to_string()),
                        before: optional_value(&c.before),
                        after: optional_value(&c.after),
                        replace_paths: c
                            .replace_paths
                            .iter()
                            .map(|p| p.iter().map(StepJson::from).collect())
                            .collect(),
                    }
                })
                .collect(),
            output_changes: self
                .plan
                .output_changes
                .iter()
                .map(|o| OutputChangeJson {
                    name: o.name.clone(),
                    actions: o
                        .action
                        .json_actions()
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    before: optional_value(&o.before),
                    after: optional_value(&o.after),
                    sensitive: o.sensitive,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a plan file's text.
    pub fn from_json(text: &str) -> Result<SavedPlan, PlanFileProblem> {
        let doc: Json = serde_json::from_str(text)
            .map_err(|e| PlanFileProblem::NotAPlan(format!("not JSON: {e}")))?;
        match doc.get("format").and_then(Json::as_str) {
            Some(FORMAT) => {}
            _ => {
                return Err(PlanFileProblem::NotAPlan(format!(
                    "no \"format\": {FORMAT:?} field"
                )))
            }
        }
        match doc.get("format_version").and_then(Json::as_u64) {
            Some(FORMAT_VERSION) => {}
            Some(v) => return Err(PlanFileProblem::Version(v)),
            None => {
                return Err(PlanFileProblem::Invalid(
                    "the format_version field is missing".into(),
                ))
            }
        }
        let file: FileV1 =
            serde_json::from_value(doc).map_err(|e| PlanFileProblem::Invalid(e.to_string()))?;
        let invalid = PlanFileProblem::Invalid;
        let mut resource_changes = Vec::with_capacity(file.resource_changes.len());
        for c in &file.resource_changes {
            let context =
                |e: String| invalid(format!("resource change {}.{}: {e}", c.type_name, c.name));
            let module = if c.module.is_empty() {
                ModuleInstance::root()
            } else {
                crate::state::parse_module_instance(&c.module).map_err(context)?
            };
            let mode = match c.mode.as_str() {
                "managed" => ResourceMode::Managed,
                "data" => ResourceMode::Data,
                other => return Err(context(format!("{other:?} is not a resource mode"))),
            };
            let addr = ResourceInstanceAddr {
                resource: ResourceAddr {
                    module,
                    mode,
                    type_name: c.type_name.clone(),
                    name: c.name.clone(),
                },
                key: index_from_json(&c.index).map_err(context)?,
            };
            resource_changes.push(ResourceChange {
                addr,
                provider: c.provider.clone(),
                action: action_from_json(&c.actions).map_err(context)?,
                reason: c
                    .reason
                    .as_deref()
                    .map(reason_from_json)
                    .transpose()
                    .map_err(context)?,
                before: decode_optional(&c.before).map_err(context)?,
                after: decode_optional(&c.after).map_err(context)?,
                replace_paths: c
                    .replace_paths
                    .iter()
                    .map(|p| p.iter().map(PathStep::from).collect::<AttrPath>())
                    .collect(),
            });
        }
        let mut output_changes = Vec::with_capacity(file.output_changes.len());
        for o in &file.output_changes {
            let context = |e: String| invalid(format!("output change {:?}: {e}", o.name));
            output_changes.push(OutputChange {
                name: o.name.clone(),
                action: action_from_json(&o.actions).map_err(context)?,
                before: decode_optional(&o.before).map_err(context)?,
                after: decode_optional(&o.after).map_err(context)?,
                sensitive: o.sensitive,
            });
        }
        let mut variables = BTreeMap::new();
        for (name, v) in &file.variables {
            let value = decode_value(v).map_err(|e| invalid(format!("variable {name:?}: {e}")))?;
            variables.insert(name.clone(), value);
        }
        Ok(SavedPlan {
            plan: Plan {
                resource_changes,
                output_changes,
                destroy: file.options.destroy,
                action_invocations: Vec::new(),
            },
            variables,
            prior: PriorState {
                lineage: file.prior_state.lineage,
                serial: file.prior_state.serial,
            },
            configuration_hash: file.configuration_hash,
            // -target/-exclude/-refresh-only are not saved: such a plan, applied, plans everything
            // again and is refused by `check_same_actions` instead of applying more than shown.
            options: PlanOptions {
                destroy: file.options.destroy,
                replace: file.options.replace,
                ..PlanOptions::default()
            },
            bcmhcl_version: file.bcmhcl_version,
            timestamp: file.timestamp,
        })
    }

    /// Reads a plaintext plan file.
    pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
        SavedPlan::read_with(path, None)
    }

    /// Reads a plan file, opening it with `encryption` when it is sealed.
    pub fn read_with(
        path: &Path,
        encryption: Option<&Encryption>,
    ) -> Result<SavedPlan, SavedPlanError> {
        let bytes = std::fs::read(path).map_err(|source| SavedPlanError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text = open_plan_bytes(path, bytes, encryption)?;
        SavedPlan::from_json(&text).map_err(|problem| SavedPlanError::Problem {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// Writes the plan file in plaintext.
    pub fn write(&self, path: &Path) -> Result<(), SavedPlanError> {
        self.write_with(path, None)
    }

    /// Writes the plan file atomically and readable by its owner only, sealed with
    /// `encryption` when given.
    pub fn write_with(
        &self,
        path: &Path,
        encryption: Option<&Encryption>,
    ) -> Result<(), SavedPlanError> {
        let fail = |source| SavedPlanError::Write {
            path: path.to_path_buf(),
            source,
        };
        let text = self.to_json();
        let bytes = match encryption {
            None => text.into_bytes(),
            Some(e) => {
                let mut sealed = e
                    .seal(Content::Plan, text.as_bytes())
                    .map_err(|e| fail(std::io::Error::other(e)))?;
                sealed.push(b'\n');
                sealed
            }
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let base = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "plan".into());
        let tmp = dir.join(format!(".{base}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let written = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut f = options.open(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e));
        }
        Ok(())
    }

    /// The variables as inputs for evaluating the module again, exactly as planned.
    pub fn inputs(&self) -> Vec<RawInput> {
        self.variables
            .iter()
            .map(|(name, v)| RawInput {
                name: name.clone(),
                // The variable's own `sensitive` puts the mark back when it is evaluated.
                value: InputValue::Assigned(Assigned::Value(v.unmark_deep().0, Span::default())),
            })
            .collect()
    }

    /// Refuses the plan when the state moved on since it was made (Terraform's checks and
    /// words), or when the configuration is not the one it was made from.
    pub fn check_applicable(
        &self,
        state: &State,
        configuration_hash: &str,
    ) -> Result<(), Diagnostic> {
        let current = PriorState::of(state);
        // The first plan against no state has no lineage to compare: only the serial tells.
        let first_plan = self.prior.lineage.is_empty() && self.prior.serial == 0;
        if !first_plan && self.prior.lineage != current.lineage {
            return Err(Diagnostic::error("Saved plan does not match the given state").detail(
                "The given plan file can not be applied because it was created from a different state lineage.",
            ));
        }
        if self.prior.serial != current.serial {
            return Err(Diagnostic::error("Saved plan is stale").detail(
                "The given plan file can no longer be applied because the state was changed by another operation after the plan was created.",
            ));
        }
        if self.configuration_hash != configuration_hash {
            return Err(Diagnostic::error("Saved plan does not match the configuration").detail(
                "The given plan file can not be applied because the configuration files changed after the plan was created. Create a new plan from the current configuration and apply that one.",
            ));
        }
        Ok(())
    }

    /// Refuses to go on when planning again with the saved variables gives other actions than
    /// the saved plan: applying would then do something that was not reviewed.
    pub fn check_same_actions(&self, fresh: &Plan) -> Result<(), Diagnostic> {
        fn actions(plan: &Plan) -> BTreeMap<ResourceInstanceAddr, Action> {
            plan.resource_changes
                .iter()
                .filter(|c| c.action != Action::NoOp)
                .map(|c| (c.addr.clone(), c.action))
                .collect()
        }
        let saved = actions(&self.plan);
        let now = actions(fresh);
        let name = |a: Option<&Action>| match a {
            None => "no change".to_string(),
            Some(a) => a.json_actions().join(", then "),
        };
        let mut differences: Vec<String> = saved
            .keys()
            .chain(now.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|a| saved.get(*a) != now.get(*a))
            .map(|a| {
                format!(
                    "  - {a}: planned {}, now {}",
                    name(saved.get(a)),
                    name(now.get(a))
                )
            })
            .collect();
        if differences.is_empty() {
            return Ok(());
        }
        const SHOWN: usize = 10;
        if differences.len() > SHOWN {
            let more = differences.len() - SHOWN;
            differences.truncate(SHOWN);
            differences.push(format!("  ... and {more} more"));
        }
        Err(Diagnostic::error("Saved plan no longer matches").detail(format!(
            "Planning again with the saved variables gives different actions than the saved plan, so it was not applied and nothing was changed:\n{}\n\nCreate a new plan and review it before applying.",
            differences.join("\n")
        )))
    }
}

/// The text of a plan file's `bytes`: opened with `encryption` when sealed. Bytes that are not
/// UTF-8 are passed on lossily, so that the plan reader reports them as not a plan.
pub fn open_plan_bytes(
    path: &Path,
    bytes: Vec<u8>,
    encryption: Option<&Encryption>,
) -> Result<String, SavedPlanError> {
    if !encryption::is_sealed(&bytes) {
        return Ok(String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()));
    }
    let Some(e) = encryption else {
        return Err(SavedPlanError::NoKey {
            path: path.to_path_buf(),
        });
    };
    let plain = e
        .open(Content::Plan, &bytes)
        .map_err(|source| SavedPlanError::Crypt {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(String::from_utf8_lossy(&plain).into_owned())
}

/// A hash of the module's configuration files: each file's name and text, in name order,
/// with their lengths so that no two different sets of files hash alike. Only the files'
/// names count, not where the directory is, so a plan applies from another working directory.
pub fn configuration_hash(module: &Module, sources: &SourceMap) -> String {
    use sha2::{Digest, Sha256};
    let mut files: Vec<(String, &str)> = module
        .files
        .iter()
        .map(|id| {
            let f = sources.file(*id);
            let name = f
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| f.name.clone());
            (name, &*f.text)
        })
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for (name, text) in files {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests;
