//! Typed addresses as Terraform writes them: `module.gpu["a"].bcm_cmdevice_device.nodes["dgx-01"]`.

use crate::config::ResourceMode;
use crate::value::Value;
use std::cmp::Ordering;
use std::fmt;

/// The key of one instance of a repeated block: none, `count.index` or a `for_each` key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InstanceKey {
    None,
    Int(i64),
    Str(String),
}

impl InstanceKey {
    /// The key as a value (`count.index` / `each.key`), or null when there is none.
    pub fn to_value(&self) -> Value {
        match self {
            InstanceKey::None => Value::NULL,
            InstanceKey::Int(i) => Value::int(*i),
            InstanceKey::Str(s) => Value::from(s.as_str()),
        }
    }
}

/// Terraform's instance order: no key, then integer keys ascending, then string keys ascending.
impl Ord for InstanceKey {
    fn cmp(&self, other: &Self) -> Ordering {
        fn rank(k: &InstanceKey) -> u8 {
            match k {
                InstanceKey::None => 0,
                InstanceKey::Int(_) => 1,
                InstanceKey::Str(_) => 2,
            }
        }
        match (self, other) {
            (InstanceKey::Int(a), InstanceKey::Int(b)) => a.cmp(b),
            (InstanceKey::Str(a), InstanceKey::Str(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

impl PartialOrd for InstanceKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", crate::value::go_quote(s)),
        }
    }
}

/// A module instance path; empty for the root module.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleInstance(pub Vec<(String, InstanceKey)>);

impl ModuleInstance {
    pub fn root() -> ModuleInstance {
        ModuleInstance(Vec::new())
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    pub fn child(&self, name: &str, key: InstanceKey) -> ModuleInstance {
        let mut v = self.0.clone();
        v.push((name.to_string(), key));
        ModuleInstance(v)
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, key)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{name}{key}")?;
        }
        Ok(())
    }
}

/// A resource (all its instances) within a module instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub module: ModuleInstance,
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn instance(&self, key: InstanceKey) -> ResourceInstanceAddr {
        ResourceInstanceAddr {
            resource: self.clone(),
            key,
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        if self.mode == ResourceMode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// One instance of a resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceInstanceAddr {
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl fmt::Display for ResourceInstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_print_as_terraform_writes_them() {
        let r = ResourceAddr {
            module: ModuleInstance::root().child("gpu_nodes", InstanceKey::Str("a".into())),
            mode: ResourceMode::Managed,
            type_name: "bcm_cmdevice_device".into(),
            name: "nodes".into(),
        };
        assert_eq!(
            r.instance(InstanceKey::Str("dgx-01".into())).to_string(),
            "module.gpu_nodes[\"a\"].bcm_cmdevice_device.nodes[\"dgx-01\"]"
        );
        let d = ResourceAddr {
            module: ModuleInstance::root(),
            mode: ResourceMode::Data,
            type_name: "x".into(),
            name: "y".into(),
        };
        assert_eq!(d.instance(InstanceKey::Int(2)).to_string(), "data.x.y[2]");
    }

    #[test]
    fn instance_keys_sort_as_terraform_sorts_them() {
        let mut keys = [
            InstanceKey::Str("b".into()),
            InstanceKey::Int(10),
            InstanceKey::None,
            InstanceKey::Int(2),
            InstanceKey::Str("a".into()),
        ];
        keys.sort();
        let shown: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        assert_eq!(shown, ["", "[2]", "[10]", "[\"a\"]", "[\"b\"]"]);
    }
}

/// What an address written in configuration or on the command line names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Resource(ResourceAddr),
    Instance(ResourceInstanceAddr),
}

/// Parses `module.a["x"].terraform_data.b`, `terraform_data.b[0]` or `data.t.n`. Returns a
/// message on malformed input.
pub fn parse_target(text: &str) -> Result<Target, String> {
    use hcl_edit::expr::{Expression, TraversalOperator};
    let bad = || format!("{text:?} is not a valid resource or instance address");
    let expr = hcl_edit::parser::parse_expr(text.trim()).map_err(|_| bad())?;
    let (root, ops): (String, Vec<TraversalOperator>) = match expr {
        Expression::Traversal(t) => match &t.expr {
            Expression::Variable(v) => (
                v.value().to_string(),
                t.operators.iter().map(|o| o.value().clone()).collect(),
            ),
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    let mut names: Vec<String> = vec![root];
    let mut keys: Vec<Option<InstanceKey>> = vec![None];
    for op in ops {
        match op {
            TraversalOperator::GetAttr(a) => {
                names.push(a.value().to_string());
                keys.push(None);
            }
            TraversalOperator::Index(Expression::String(s)) => {
                *keys.last_mut().ok_or_else(bad)? = Some(InstanceKey::Str(s.value().to_string()))
            }
            TraversalOperator::Index(Expression::Number(n)) => {
                *keys.last_mut().ok_or_else(bad)? =
                    Some(InstanceKey::Int(n.value().as_i64().ok_or_else(bad)?))
            }
            TraversalOperator::LegacyIndex(i) => {
                *keys.last_mut().ok_or_else(bad)? = Some(InstanceKey::Int(*i.value() as i64))
            }
            _ => return Err(bad()),
        }
    }
    let mut module = ModuleInstance::root();
    let mut i = 0;
    while names.get(i).map(String::as_str) == Some("module") {
        let name = names.get(i + 1).ok_or_else(bad)?;
        module = module.child(name, keys[i + 1].clone().unwrap_or(InstanceKey::None));
        i += 2;
    }
    let (mode, rest) = if names.get(i).map(String::as_str) == Some("data") {
        (ResourceMode::Data, i + 1)
    } else {
        (ResourceMode::Managed, i)
    };
    if names.len() != rest + 2 {
        return Err(bad());
    }
    let resource = ResourceAddr {
        module,
        mode,
        type_name: names[rest].clone(),
        name: names[rest + 1].clone(),
    };
    Ok(match keys[rest + 1].clone() {
        Some(k) => Target::Instance(resource.instance(k)),
        None => Target::Resource(resource),
    })
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn addresses_parse_back_from_their_display() {
        for text in [
            "terraform_data.a",
            "terraform_data.a[\"x\"]",
            "null_resource.n[3]",
            "data.external.e",
            "module.rack[\"a\"].terraform_data.node[1]",
            "module.a.module.b.null_resource.n",
        ] {
            let shown = match parse_target(text).unwrap() {
                Target::Resource(r) => r.to_string(),
                Target::Instance(i) => i.to_string(),
            };
            assert_eq!(shown, text);
        }
        assert!(parse_target("terraform_data").is_err());
        assert!(parse_target("1 + 2").is_err());
    }
}
