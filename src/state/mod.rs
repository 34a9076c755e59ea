//! Terraform state (format version 4) and where it is stored.
//!
//! `State` is the model; `read` and `write` turn it into and out of Terraform's
//! `terraform.tfstate` text byte for byte; `local` keeps it in a local file, `pg` in a
//! PostgreSQL table as Terraform's pg backend does; `StateStore` is what commands use of either.
//!
//! Resources are kept by address and each resource's objects by instance key and deposed
//! key, in ordered maps: the order is Terraform's (no key, ints, strings; the current object
//! before deposed ones) and lookups and inserts stay cheap with tens of thousands of
//! instances. The maps are private so that the key stored in each object always matches.

mod address;
pub mod encryption;
mod error;
mod journal;
mod local;
pub mod lock;
pub mod pg;
mod read;
mod store;
mod write;

pub use address::parse_module_instance;
pub use encryption::{Content, CryptError, Encryption, KdfParams, Passphrase};
pub use error::{Problem, Recovery, StateError, STATE_FORMAT_VERSION};
pub use local::{open_state_bytes, AtRest, LocalStore};
pub use store::{HeldLock, StateStore};

use crate::addr::{InstanceKey, ResourceAddr, ResourceInstanceAddr};
use crate::plan::AttrPath;
use crate::value::Value;
use std::collections::BTreeMap;
use std::ops::Bound;

/// Where an object sits in its resource: instance key, then deposed key (`None` first).
type ObjectKey = (InstanceKey, Option<String>);

/// The Terraform version written into `terraform_version`. Terraform records its own version
/// on every write; bcmhcl claims the 1.9 layout it writes (`check_results: null` present),
/// which every Terraform 1.x reads (unknown fields are ignored, newer versions not refused).
/// The layout follows this string: with "1.0.3" the output is byte for byte what Terraform
/// 1.0.3 writes, without `check_results`.
pub const TERRAFORM_VERSION: &str = "1.9.0";

/// A whole state snapshot.
#[derive(Clone, Debug)]
pub struct State {
    /// The Terraform version that wrote the snapshot; `LocalStore::save` sets
    /// `TERRAFORM_VERSION`. It also decides the layout: `check_results` is written only by
    /// 1.5 and later, so a state read from an older Terraform is written back unchanged.
    pub terraform_version: String,
    /// Incremented by the store each time the content changes.
    pub serial: u64,
    /// Fixed when the state is first created; identifies its history.
    pub lineage: String,
    /// Root module outputs, in name order (as Terraform writes them).
    pub outputs: BTreeMap<String, OutputState>,
    /// `check_results` as read (an array); `None` writes `null`.
    pub check_results: Option<serde_json::Value>,
    resources: BTreeMap<ResourceAddr, ResourceState>,
}

/// One root module output: `{"value": .., "type": <cty type JSON>, "sensitive": true}`.
#[derive(Clone, Debug)]
pub struct OutputState {
    /// A known value; its type is written as the output's `type`.
    pub value: Value,
    pub sensitive: bool,
}

/// How a resource is repeated, as older state files recorded it (`"each"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EachMode {
    /// `count`: integer keys.
    List,
    /// `for_each`: string keys.
    Map,
}

/// All recorded objects of one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceState {
    pub addr: ResourceAddr,
    /// The provider configuration, e.g. `provider["registry.terraform.io/hashicorp/null"]`.
    pub provider: String,
    instances: BTreeMap<ObjectKey, InstanceState>,
}

impl ResourceState {
    fn new(addr: &ResourceAddr) -> ResourceState {
        ResourceState {
            addr: addr.clone(),
            provider: String::new(),
            instances: BTreeMap::new(),
        }
    }

    /// All objects, current and deposed, in Terraform's order.
    pub fn instances(&self) -> impl Iterator<Item = &InstanceState> {
        self.instances.values()
    }

    /// The current object and the deposed ones of one instance key.
    fn objects_of<'a>(&'a self, key: &'a InstanceKey) -> impl Iterator<Item = &'a InstanceState> {
        self.instances
            .range((Bound::Included((key.clone(), None)), Bound::Unbounded))
            .take_while(move |((k, _), _)| k == key)
            .map(|(_, inst)| inst)
    }

    /// Whether the instances are keyed by `count` or `for_each`. Terraform 1.x no longer
    /// writes `"each"` and derives this from the keys, as this does.
    pub fn each(&self) -> Option<EachMode> {
        match self.instances.keys().next_back().map(|(k, _)| k) {
            Some(InstanceKey::Int(_)) => Some(EachMode::List),
            Some(InstanceKey::Str(_)) => Some(EachMode::Map),
            _ => None,
        }
    }
}

/// One object of a resource instance: the current one, or a deposed one waiting for
/// deletion (`create_before_destroy`).
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceState {
    pub key: InstanceKey,
    /// `"status": "tainted"`.
    pub tainted: bool,
    /// The deposed key (8 hex digits) of a deposed object; `None` for the current one.
    pub deposed: Option<String>,
    pub schema_version: u64,
    /// The object as JSON, exactly as read; providers decode it with their schema.
    pub attributes: serde_json::Value,
    pub sensitive_attributes: Vec<AttrPath>,
    /// Provider-private data, base64 as in the file.
    pub private: Option<String>,
    /// Configuration addresses of resources this one depends on (`module.a.null_resource.b`),
    /// sorted when recorded through `State::set_instance`.
    pub dependencies: Vec<String>,
    pub create_before_destroy: bool,
}

impl InstanceState {
    /// A current, untainted object with these attributes and nothing else recorded.
    pub fn new(key: InstanceKey, attributes: serde_json::Value) -> InstanceState {
        InstanceState {
            key,
            tainted: false,
            deposed: None,
            schema_version: 0,
            attributes,
            sensitive_attributes: Vec::new(),
            private: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
        }
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

impl State {
    /// An empty state with a fresh lineage, serial 0 (the first save writes serial 1).
    pub fn new() -> State {
        State {
            terraform_version: TERRAFORM_VERSION.to_string(),
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            outputs: BTreeMap::new(),
            check_results: None,
            resources: BTreeMap::new(),
        }
    }

    /// Reads a state file's text (format version 4).
    pub fn from_json(text: &str) -> Result<State, StateError> {
        read::state_from_json(text)
    }

    /// The state file's text exactly as Terraform writes it: two-space indented JSON, fields in
    /// Terraform's order, resources sorted by module, mode, type and name, and a final newline.
    pub fn to_json(&self) -> String {
        write::state_to_json(self)
    }

    /// True when no resource and no output is recorded.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.outputs.is_empty()
    }

    /// True when both record the same outputs, resources and check results, whatever their
    /// serial, lineage and version (Terraform's `StatesMarshalEqual`).
    pub fn same_content(&self, other: &State) -> bool {
        write::content_json(self) == write::content_json(other)
    }

    /// All resources, in address order.
    pub fn resources(&self) -> impl Iterator<Item = &ResourceState> {
        self.resources.values()
    }

    pub fn resource(&self, addr: &ResourceAddr) -> Option<&ResourceState> {
        self.resources.get(addr)
    }

    /// The current object of an instance.
    pub fn instance(&self, addr: &ResourceInstanceAddr) -> Option<&InstanceState> {
        let r = self.resources.get(&addr.resource)?;
        r.instances.get(&(addr.key.clone(), None))
    }

    /// The deposed objects of an instance, by deposed key.
    pub fn deposed<'a>(
        &'a self,
        addr: &'a ResourceInstanceAddr,
    ) -> impl Iterator<Item = &'a InstanceState> {
        self.resources
            .get(&addr.resource)
            .into_iter()
            .flat_map(|r| r.objects_of(&addr.key))
            .filter(|i| i.deposed.is_some())
    }

    /// Records an object: the current one when `inst.deposed` is `None`, else that deposed
    /// one. Replaces an object with the same key and deposed key, keeps Terraform's order, and
    /// sets the resource's provider (the last writer wins, as in Terraform). The key of
    /// `addr` is the one recorded; dependencies are sorted and deduplicated, as Terraform
    /// (1.3 and later) sorts them when it records an object.
    pub fn set_instance(
        &mut self,
        addr: &ResourceInstanceAddr,
        provider: &str,
        mut inst: InstanceState,
    ) {
        inst.key = addr.key.clone();
        inst.deposed = inst.deposed.filter(|d| !d.is_empty());
        inst.dependencies.sort();
        inst.dependencies.dedup();
        let r = self
            .resources
            .entry(addr.resource.clone())
            .or_insert_with(|| ResourceState::new(&addr.resource));
        if r.provider != provider {
            r.provider = provider.to_string();
        }
        r.instances
            .insert((inst.key.clone(), inst.deposed.clone()), inst);
    }

    /// Forgets the current object of an instance; a resource left without objects is removed.
    pub fn remove_instance(&mut self, addr: &ResourceInstanceAddr) {
        self.remove_object(addr, None);
    }

    /// Forgets one deposed object of an instance.
    pub fn remove_deposed(&mut self, addr: &ResourceInstanceAddr, deposed_key: &str) {
        self.remove_object(addr, Some(deposed_key));
    }

    fn remove_object(&mut self, addr: &ResourceInstanceAddr, deposed: Option<&str>) {
        let Some(r) = self.resources.get_mut(&addr.resource) else {
            return;
        };
        r.instances
            .remove(&(addr.key.clone(), deposed.map(str::to_string)));
        if r.instances.is_empty() {
            self.resources.remove(&addr.resource);
        }
    }

    /// Every object, current and deposed, with its instance address, in address order.
    pub fn instances(&self) -> impl Iterator<Item = (ResourceInstanceAddr, &InstanceState)> {
        self.resources.values().flat_map(|r| {
            r.instances
                .values()
                .map(move |i| (r.addr.instance(i.key.clone()), i))
        })
    }

    /// A deposed key not yet used by this instance: 8 random hex digits, as Terraform makes
    /// them.
    pub fn new_deposed_key(&self, addr: &ResourceInstanceAddr) -> String {
        loop {
            let key = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
            if self
                .deposed(addr)
                .all(|i| i.deposed.as_deref() != Some(&key))
            {
                return key;
            }
        }
    }

    /// Adds a resource with no objects (only reading a file does this: Terraform keeps such
    /// resources until the next apply prunes them).
    fn ensure_resource(&mut self, addr: &ResourceAddr, provider: &str) -> &mut ResourceState {
        let r = self
            .resources
            .entry(addr.clone())
            .or_insert_with(|| ResourceState::new(addr));
        r.provider = provider.to_string();
        r
    }
}

#[cfg(test)]
mod tests;

/// Marks the value at `path` sensitive, looking through marks on the way; a path that does
/// not fit the value changes nothing.
pub fn mark_path(v: &Value, path: &[crate::plan::PathStep]) -> Value {
    use crate::plan::PathStep;
    let Some((step, rest)) = path.split_first() else {
        return v.clone().mark_sensitive();
    };
    match (v, step) {
        (Value::Sensitive(inner), _) => mark_path(inner, path).mark_sensitive(),
        (Value::Object(attrs), PathStep::Attr(k) | PathStep::Key(k))
        | (Value::Map(_, attrs), PathStep::Attr(k) | PathStep::Key(k)) => {
            let Some(e) = attrs.get(k.as_str()) else {
                return v.clone();
            };
            let mut attrs = (**attrs).clone();
            attrs.insert(k.as_str().into(), mark_path(e, rest));
            match v {
                Value::Map(t, _) => Value::Map(t.clone(), std::sync::Arc::new(attrs)),
                _ => Value::object(attrs),
            }
        }
        (
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items),
            PathStep::Index(i),
        ) => {
            let Some(e) = usize::try_from(*i).ok().and_then(|i| items.get(i)) else {
                return v.clone();
            };
            let mut items = items.to_vec();
            let i = *i as usize;
            items[i] = mark_path(e, rest);
            match v {
                Value::List(t, _) => Value::List(t.clone(), items.into()),
                Value::Set(t, _) => Value::Set(t.clone(), items.into()),
                _ => Value::tuple(items),
            }
        }
        _ => v.clone(),
    }
}

/// The paths of the values marked sensitive inside `v`, in walk order (object attributes by
/// name, list elements by index): what `sensitive_attributes` records, so that [`mark_path`]
/// restores the marks when the state is read. A mark on a set's element is recorded on the set,
/// since set elements have no path.
pub fn sensitive_paths(v: &Value) -> Vec<crate::plan::AttrPath> {
    fn walk(v: &Value, path: &mut crate::plan::AttrPath, out: &mut Vec<crate::plan::AttrPath>) {
        use crate::plan::PathStep;
        match v {
            Value::Sensitive(_) => out.push(path.clone()),
            Value::Object(attrs) => {
                for (k, e) in attrs.iter() {
                    path.push(PathStep::Attr(k.to_string()));
                    walk(e, path, out);
                    path.pop();
                }
            }
            Value::Map(_, entries) => {
                for (k, e) in entries.iter() {
                    path.push(PathStep::Key(k.to_string()));
                    walk(e, path, out);
                    path.pop();
                }
            }
            Value::List(_, items) | Value::Tuple(items) => {
                for (i, e) in items.iter().enumerate() {
                    path.push(PathStep::Index(i as i64));
                    walk(e, path, out);
                    path.pop();
                }
            }
            Value::Set(_, items) => {
                let mut inside = Vec::new();
                for e in items.iter() {
                    walk(e, &mut Vec::new(), &mut inside);
                }
                if !inside.is_empty() {
                    out.push(path.clone());
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}
