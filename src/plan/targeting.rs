//! `-target` and `-exclude`: planning only part of the configuration. A target brings along
//! everything it depends on; an exclusion takes along everything that depends on it.

use super::build::Dependencies;
use crate::addr::ResourceInstanceAddr;
use std::collections::{BTreeMap, BTreeSet};

/// Whether the user's address `pattern` (`terraform_data.a`, `terraform_data.a["k"]`,
/// `module.rack`, `module.rack["a"].null_resource.n`) covers `inst`.
pub fn matches(pattern: &str, inst: &ResourceInstanceAddr) -> bool {
    let full = inst.to_string();
    let resource = inst.resource.to_string();
    let module = inst.resource.module.to_string();
    pattern == full
        || pattern == resource
        || (!module.is_empty() && (pattern == module || module.starts_with(&format!("{pattern}."))))
        || (!module.is_empty() && module.starts_with(&format!("{pattern}[")))
        || full.starts_with(&format!("{pattern}."))
}

/// The instances to plan, given every instance's dependencies from a full plan.
pub fn selection(
    dependencies: &BTreeMap<ResourceInstanceAddr, Dependencies>,
    targets: &[String],
    excludes: &[String],
) -> BTreeSet<ResourceInstanceAddr> {
    let all: BTreeSet<ResourceInstanceAddr> = dependencies.keys().cloned().collect();
    let mut selected: BTreeSet<ResourceInstanceAddr> = if targets.is_empty() {
        all.clone()
    } else {
        // Targets and, transitively, what they depend on.
        let mut stack: Vec<ResourceInstanceAddr> = all
            .iter()
            .filter(|i| targets.iter().any(|t| matches(t, i)))
            .cloned()
            .collect();
        let mut out = BTreeSet::new();
        while let Some(i) = stack.pop() {
            if !out.insert(i.clone()) {
                continue;
            }
            if let Some(d) = dependencies.get(&i) {
                stack.extend(all.iter().filter(|o| d.includes(o)).cloned());
            }
        }
        out
    };
    if !excludes.is_empty() {
        // Exclusions and, transitively, what depends on them.
        let mut excluded: BTreeSet<ResourceInstanceAddr> = all
            .iter()
            .filter(|i| excludes.iter().any(|x| matches(x, i)))
            .cloned()
            .collect();
        loop {
            let more: Vec<ResourceInstanceAddr> = all
                .iter()
                .filter(|i| !excluded.contains(*i))
                .filter(|i| {
                    dependencies
                        .get(*i)
                        .is_some_and(|d| excluded.iter().any(|x| d.includes(x)))
                })
                .cloned()
                .collect();
            if more.is_empty() {
                break;
            }
            excluded.extend(more);
        }
        selected.retain(|i| !excluded.contains(i));
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr};
    use crate::config::ResourceMode;

    fn inst(module: Option<&str>, t: &str, key: InstanceKey) -> ResourceInstanceAddr {
        let m = match module {
            Some(m) => ModuleInstance::root().child(m, InstanceKey::Str("a".into())),
            None => ModuleInstance::root(),
        };
        ResourceAddr {
            module: m,
            mode: ResourceMode::Managed,
            type_name: "terraform_data".into(),
            name: t.into(),
        }
        .instance(key)
    }

    #[test]
    fn addresses_match_resources_instances_and_modules() {
        let i = inst(None, "n", InstanceKey::Str("k".into()));
        assert!(matches("terraform_data.n", &i));
        assert!(matches("terraform_data.n[\"k\"]", &i));
        assert!(!matches("terraform_data.n[\"j\"]", &i));
        assert!(!matches("terraform_data.nn", &i));
        let m = inst(Some("rack"), "n", InstanceKey::None);
        assert!(matches("module.rack", &m));
        assert!(matches("module.rack[\"a\"]", &m));
        assert!(matches("module.rack[\"a\"].terraform_data.n", &m));
        assert!(!matches("module.rac", &m));
    }

    #[test]
    fn targets_bring_dependencies_and_exclusions_take_dependents() {
        let a = inst(None, "a", InstanceKey::None);
        let b = inst(None, "b", InstanceKey::None);
        let c = inst(None, "c", InstanceKey::None);
        let mut deps = BTreeMap::new();
        deps.insert(a.clone(), Dependencies::default());
        deps.insert(
            b.clone(),
            Dependencies {
                instances: [a.clone()].into(),
                resources: Default::default(),
            },
        );
        deps.insert(c.clone(), Dependencies::default());
        assert_eq!(
            selection(&deps, &["terraform_data.b".into()], &[]),
            [a.clone(), b.clone()].into()
        );
        assert_eq!(
            selection(&deps, &[], &["terraform_data.a".into()]),
            [c.clone()].into()
        );
    }
}
