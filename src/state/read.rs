//! Reading `terraform.tfstate` (format version 4), with Terraform's checks and messages.
//!
//! Like Terraform, the version is sniffed first, then every problem in the file is gathered
//! before failing. Unknown fields are ignored (Go's decoder does the same), so states from
//! newer Terraform releases that add fields still load.

use super::address::{config_resource_string, parse_config_resource, parse_module_instance};
use super::error::{Problem, StateError, STATE_FORMAT_VERSION};
use super::{InstanceState, OutputState, State};
use crate::addr::{InstanceKey, ResourceAddr};
use crate::config::ResourceMode;
use crate::plan::{AttrPath, PathStep};
use crate::value::{value_from_json_typed, Type};
use base64::Engine;
use serde_json::{Map, Value as Json};

const INVALID_FORMAT: &str = "Invalid state file format";
const INVALID_METADATA: &str = "Invalid resource instance metadata in state";

pub(super) fn state_from_json(text: &str) -> Result<State, StateError> {
    let root: Json = serde_json::from_str(text).map_err(syntax_error)?;
    let Json::Object(root) = root else {
        return Err(StateError::NotAnObject);
    };
    let version = match root.get("version") {
        None | Some(Json::Null) => return Err(StateError::MissingVersion),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| StateError::InvalidVersion(describe(v)))?,
    };
    if version != STATE_FORMAT_VERSION {
        let created_by = root
            .get("terraform_version")
            .and_then(Json::as_str)
            .filter(|v| is_version_string(v))
            .map(str::to_string);
        return Err(StateError::UnsupportedVersion {
            version,
            created_by,
        });
    }
    let mut r = Reader::default();
    let state = r.state(&root);
    if r.problems.is_empty() {
        Ok(state)
    } else {
        Err(StateError::Invalid(r.problems))
    }
}

fn syntax_error(e: serde_json::Error) -> StateError {
    // serde_json appends " at line L column C"; the position is reported separately.
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    StateError::Syntax {
        message,
        line: e.line(),
        column: e.column(),
    }
}

/// A short description of a JSON value for messages: the value itself when short.
fn describe(v: &Json) -> String {
    let text = v.to_string();
    if text.chars().count() <= 40 {
        return text;
    }
    match v {
        Json::Array(_) => "an array".into(),
        Json::Object(_) => "an object".into(),
        Json::String(_) => "a long string".into(),
        _ => "a long number".into(),
    }
}

/// A version as go-version accepts it: `1.2.3`, `v1.2`, `1.5.0-beta1`, `1.0.0+meta`.
pub(super) fn is_version_string(v: &str) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    let (core, _) = v.split_once('+').unwrap_or((v, ""));
    let (core, pre) = core.split_once('-').unwrap_or((core, ""));
    let parts_ok = !core.is_empty()
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    parts_ok
        && pre
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[derive(Default)]
struct Reader {
    problems: Vec<Problem>,
}

impl Reader {
    fn problem(&mut self, summary: &'static str, detail: String) {
        self.problems.push(Problem::new(summary, detail));
    }

    fn wrong_type(&mut self, path: &str, got: &Json, want: &str) {
        self.problem(
            INVALID_FORMAT,
            format!(
                "The state file field \"{path}\" has invalid value {}: {want} is required.",
                describe(got)
            ),
        );
    }

    fn missing(&mut self, path: &str) {
        self.problem(
            INVALID_FORMAT,
            format!("The state file has no \"{path}\" field, which is required."),
        );
    }

    /// A field that may be absent or null.
    fn optional<'a>(&self, obj: &'a Map<String, Json>, key: &str) -> Option<&'a Json> {
        obj.get(key).filter(|v| !v.is_null())
    }

    fn string(&mut self, obj: &Map<String, Json>, key: &str, path: &str) -> Option<String> {
        match self.optional(obj, key) {
            None => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(other) => {
                self.wrong_type(path, other, "a string");
                None
            }
        }
    }

    fn required_string(&mut self, obj: &Map<String, Json>, key: &str, path: &str) -> String {
        if self.optional(obj, key).is_none() {
            self.missing(path);
            return String::new();
        }
        let s = self.string(obj, key, path).unwrap_or_default();
        if s.is_empty() && obj.get(key).is_some_and(Json::is_string) {
            self.problem(
                INVALID_FORMAT,
                format!("The state file field \"{path}\" is empty, which is not allowed."),
            );
        }
        s
    }

    fn u64(&mut self, obj: &Map<String, Json>, key: &str, path: &str) -> Option<u64> {
        let v = self.optional(obj, key)?;
        let n = v.as_u64();
        if n.is_none() {
            self.wrong_type(path, v, "a whole number");
        }
        n
    }

    fn bool(&mut self, obj: &Map<String, Json>, key: &str, path: &str) -> bool {
        match self.optional(obj, key) {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(other) => {
                self.wrong_type(path, other, "true or false");
                false
            }
        }
    }

    fn array<'a>(&mut self, obj: &'a Map<String, Json>, key: &str, path: &str) -> &'a [Json] {
        match self.optional(obj, key) {
            None => &[],
            Some(Json::Array(a)) => a,
            Some(other) => {
                self.wrong_type(path, other, "an array");
                &[]
            }
        }
    }

    fn object<'a>(&mut self, v: &'a Json, path: &str) -> Option<&'a Map<String, Json>> {
        match v {
            Json::Object(o) => Some(o),
            other => {
                self.wrong_type(path, other, "an object");
                None
            }
        }
    }

    fn state(&mut self, root: &Map<String, Json>) -> State {
        let terraform_version = self
            .string(root, "terraform_version", "terraform_version")
            .unwrap_or_default();
        if !terraform_version.is_empty() && !is_version_string(&terraform_version) {
            self.problem(
                "Invalid Terraform version string",
                format!(
                    "State file claims to have been written by Terraform version {:?}, which is \
                     not a valid version string.",
                    terraform_version
                ),
            );
        }
        if self.optional(root, "serial").is_none() {
            self.missing("serial");
        }
        let serial = self.u64(root, "serial", "serial").unwrap_or_default();
        let lineage = self.required_string(root, "lineage", "lineage");
        let mut state = State {
            terraform_version,
            serial,
            lineage,
            outputs: Default::default(),
            check_results: None,
            resources: Default::default(),
        };

        match self.optional(root, "outputs") {
            None => {}
            Some(Json::Object(outputs)) => {
                for (name, o) in outputs {
                    if let Some(o) = self.output(name, o) {
                        state.outputs.insert(name.clone(), o);
                    }
                }
            }
            Some(other) => self.wrong_type("outputs", other, "an object"),
        }

        for (i, r) in self
            .array(root, "resources", "resources")
            .iter()
            .enumerate()
        {
            self.resource(&mut state, r, &format!("resources[{i}]"));
        }

        // Terraform writes `null` for no results, so an empty list reads as none.
        match self.optional(root, "check_results") {
            None => {}
            Some(Json::Array(a)) if a.is_empty() => {}
            Some(v @ Json::Array(_)) => state.check_results = Some(v.clone()),
            Some(other) => self.wrong_type("check_results", other, "an array"),
        }
        state
    }

    fn output(&mut self, name: &str, o: &Json) -> Option<OutputState> {
        let path = format!("outputs.{name}");
        let o = self.object(o, &path)?;
        let sensitive = self.bool(o, "sensitive", &format!("{path}.sensitive"));
        let Some(type_json) = self.optional(o, "type") else {
            self.problem(
                "Invalid output value type in state",
                format!("The state file has no type specification for output {name:?}."),
            );
            return None;
        };
        let Some(ty) = Type::from_json(type_json) else {
            self.problem(
                "Invalid output value type in state",
                format!(
                    "The state file has an invalid type specification for output {name:?}: {}.",
                    describe(type_json)
                ),
            );
            return None;
        };
        let Some(value_json) = o.get("value") else {
            self.problem(
                "Invalid output value saved in state",
                format!("The state file has no value for output {name:?}."),
            );
            return None;
        };
        match value_from_json_typed(value_json, &ty) {
            Some(value) => Some(OutputState { value, sensitive }),
            None => {
                self.problem(
                    "Invalid output value saved in state",
                    format!(
                        "The state file has an invalid value for output {name:?}: {} is not a \
                         value of type {ty}.",
                        describe(value_json)
                    ),
                );
                None
            }
        }
    }

    fn resource(&mut self, state: &mut State, r: &Json, path: &str) {
        let Some(r) = self.object(r, path) else {
            return;
        };
        let type_name = self.required_string(r, "type", &format!("{path}.type"));
        let name = self.required_string(r, "name", &format!("{path}.name"));
        let mode_text = self.required_string(r, "mode", &format!("{path}.mode"));
        let provider = self.required_string(r, "provider", &format!("{path}.provider"));
        let module_text = self
            .string(r, "module", &format!("{path}.module"))
            .unwrap_or_default();
        // Terraform 1.x reads and ignores "each" (it derives it from the keys); only its type
        // is checked, as Go's decoder would.
        self.string(r, "each", &format!("{path}.each"));
        let instances = self.array(r, "instances", &format!("{path}.instances"));

        let mode = match mode_text.as_str() {
            "managed" => ResourceMode::Managed,
            "data" => ResourceMode::Data,
            "" => return,
            other => {
                self.problem(
                    "Invalid resource mode in state",
                    format!(
                        "State contains a resource with mode {other:?} ({type_name:?} {name:?}) \
                         which is not supported."
                    ),
                );
                return;
            }
        };
        let module = match parse_module_instance(&module_text) {
            Ok(m) => m,
            Err(e) => {
                self.problem(
                    "Invalid module instance address in state",
                    format!(
                        "Resource {type_name}.{name} is recorded in module {module_text:?}, which \
                         is not a valid module instance address: {e}."
                    ),
                );
                return;
            }
        };
        if type_name.is_empty() || name.is_empty() || provider.is_empty() {
            return;
        }
        let addr = ResourceAddr {
            module,
            mode,
            type_name,
            name,
        };
        state.ensure_resource(&addr, &provider);
        for (i, inst) in instances.iter().enumerate() {
            let ipath = format!("{path}.instances[{i}]");
            if let Some(inst) = self.instance(&addr, inst, &ipath) {
                self.insert(state, &addr, inst);
            }
        }
    }

    fn insert(&mut self, state: &mut State, addr: &ResourceAddr, inst: InstanceState) {
        let Some(r) = state.resources.get_mut(addr) else {
            return;
        };
        let key = (inst.key.clone(), inst.deposed.clone());
        match r.instances.entry(key) {
            std::collections::btree_map::Entry::Occupied(_) => {
                let iaddr = addr.instance(inst.key.clone());
                let detail = match &inst.deposed {
                    None => format!("Instance {iaddr} appears multiple times in the state file."),
                    Some(dk) => format!(
                        "Instance {iaddr} deposed object {dk:?} appears multiple times in the \
                         state file."
                    ),
                };
                self.problem("Duplicate resource instance in state", detail);
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(inst);
            }
        }
    }

    fn instance(&mut self, addr: &ResourceAddr, inst: &Json, path: &str) -> Option<InstanceState> {
        let inst = self.object(inst, path)?;
        let key = match self.optional(inst, "index_key") {
            None => InstanceKey::None,
            Some(Json::String(s)) => InstanceKey::Str(s.clone()),
            Some(v @ Json::Number(n)) => match n.as_i64() {
                Some(i) => InstanceKey::Int(i),
                None => {
                    self.invalid_key(addr, v);
                    return None;
                }
            },
            Some(other) => {
                self.invalid_key(addr, other);
                return None;
            }
        };
        let iaddr = addr.instance(key.clone());
        let tainted = match self.string(inst, "status", &format!("{path}.status")) {
            None => false,
            Some(s) if s.is_empty() => false,
            Some(s) if s == "tainted" => true,
            Some(s) => {
                self.problem(
                    INVALID_METADATA,
                    format!("Instance {iaddr} has invalid status {s:?}."),
                );
                return None;
            }
        };
        let deposed = self
            .string(inst, "deposed", &format!("{path}.deposed"))
            .filter(|d| !d.is_empty());
        if let Some(d) = &deposed {
            if d.len() != 8 {
                self.problem(
                    INVALID_METADATA,
                    format!(
                        "Instance {iaddr} has an object with deposed key {d:?}, which is not \
                         correctly formatted."
                    ),
                );
                return None;
            }
        }
        let schema_version = self
            .u64(inst, "schema_version", &format!("{path}.schema_version"))
            .unwrap_or_default();
        let attributes = match self.optional(inst, "attributes") {
            Some(a) => a.clone(),
            None if self.optional(inst, "attributes_flat").is_some() => {
                self.problem(
                    "Unsupported state file format",
                    format!(
                        "Instance {iaddr} still has attributes in the flat format of Terraform \
                         0.11 (\"attributes_flat\"), which bcmhcl does not read. Run \"terraform \
                         apply\" or \"terraform refresh\" once with Terraform 0.12 or later to \
                         rewrite them."
                    ),
                );
                return None;
            }
            // Terraform treats a missing attributes object as empty.
            None => Json::Object(Map::new()),
        };
        let mut sensitive_attributes = Vec::new();
        let spath = format!("{path}.sensitive_attributes");
        for (j, p) in self
            .array(inst, "sensitive_attributes", &spath)
            .iter()
            .enumerate()
        {
            sensitive_attributes.push(self.attr_path(p, &format!("{spath}[{j}]"))?);
        }
        let private = self
            .string(inst, "private", &format!("{path}.private"))
            .filter(|p| !p.is_empty());
        if let Some(p) = &private {
            if let Err(e) = go_base64().decode(p) {
                self.problem(
                    INVALID_FORMAT,
                    format!("The state file field \"{path}.private\" is not valid base64: {e}."),
                );
                return None;
            }
        }
        let mut dependencies = Vec::new();
        let dpath = format!("{path}.dependencies");
        for (j, d) in self.array(inst, "dependencies", &dpath).iter().enumerate() {
            let Some(text) = d.as_str() else {
                self.wrong_type(&format!("{dpath}[{j}]"), d, "a string");
                continue;
            };
            match parse_config_resource(text) {
                Ok(dep) => dependencies.push(config_resource_string(&dep)),
                Err(e) => self.problem(
                    "Invalid resource address in state",
                    format!(
                        "Instance {iaddr} depends on {text:?}, which is not a valid resource \
                         address: {e}."
                    ),
                ),
            }
        }
        let create_before_destroy = self.bool(
            inst,
            "create_before_destroy",
            &format!("{path}.create_before_destroy"),
        );
        Some(InstanceState {
            key,
            tainted,
            deposed,
            schema_version,
            attributes,
            sensitive_attributes,
            private,
            dependencies,
            create_before_destroy,
        })
    }

    fn invalid_key(&mut self, addr: &ResourceAddr, key: &Json) {
        self.problem(
            INVALID_METADATA,
            format!(
                "Resource {addr} has an instance with the invalid instance key {}.",
                describe(key)
            ),
        );
    }

    /// One path of `sensitive_attributes`: `[{"type":"get_attr","value":"a"},
    /// {"type":"index","value":{"value":"k","type":"string"}}]`. Index keys are cty values of
    /// dynamic type (value and type); only string and whole number keys exist in Terraform.
    fn attr_path(&mut self, p: &Json, path: &str) -> Option<AttrPath> {
        let Json::Array(steps) = p else {
            self.wrong_type(path, p, "an array of path steps");
            return None;
        };
        let mut out = Vec::with_capacity(steps.len());
        for (k, step) in steps.iter().enumerate() {
            let spath = format!("{path}[{k}]");
            let step = self.object(step, &spath)?;
            let kind = step.get("type").and_then(Json::as_str).unwrap_or_default();
            let value = step.get("value").unwrap_or(&Json::Null);
            let parsed = match kind {
                "get_attr" => value.as_str().map(|s| PathStep::Attr(s.to_string())),
                "index" => index_step(value),
                _ => {
                    self.problem(
                        "Unsupported path step",
                        format!("Unsupported path step type {kind:?} in {spath}."),
                    );
                    return None;
                }
            };
            match parsed {
                Some(s) => out.push(s),
                None => {
                    self.problem(
                        "Error unmarshaling path step",
                        format!(
                            "The {kind} step {spath} has the invalid value {}.",
                            describe(value)
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }
}

fn index_step(v: &Json) -> Option<PathStep> {
    let v = v.as_object()?;
    match (v.get("type")?.as_str()?, v.get("value")?) {
        ("string", Json::String(s)) => Some(PathStep::Key(s.clone())),
        ("number", Json::Number(n)) => n.as_i64().map(PathStep::Index),
        _ => None,
    }
}

/// Go's `base64.StdEncoding`: padded, but tolerant of non-zero trailing bits.
fn go_base64() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    )
}
