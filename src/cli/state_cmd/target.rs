//! Addresses typed on the command line (`module.a["x"].null_resource.b[0]`, `data.t.n`,
//! `module.a`), parsed as Terraform's `addrs.ParseTarget` parses them, and the instances of a
//! state they select (`StateMeta.lookupResourceInstanceAddr`).
//!
//! Terraform reads these as HCL traversals: a name, then `.name` and `[key]` steps, where a key
//! is a literal number or a quoted string. Quoted keys are decoded by the state module's parser
//! (`parse_module_instance`), which also accepts Go's `%q` escapes, so an address copied from
//! `state list` output always parses back to the same instance.

use bcmhcl::addr::{InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use bcmhcl::config::ResourceMode;
use bcmhcl::diag::Diagnostic;
use bcmhcl::render::plan::terraform_instance_order;
use bcmhcl::state::{parse_module_instance, State};
use std::fmt;

/// What an address names: a module instance (and everything under it), a whole resource, or
/// one instance of a resource. As in Terraform, an address without an instance key names the
/// whole resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Module(ModuleInstance),
    Resource(ResourceAddr),
    Instance(ResourceInstanceAddr),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Module(m) => write!(f, "{m}"),
            Target::Resource(r) => write!(f, "{r}"),
            Target::Instance(i) => write!(f, "{i}"),
        }
    }
}

/// One step of a traversal: a name (the root or `.name`) or an index (`[...]`).
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Name(String),
    Index(InstanceKey),
}

/// The "Invalid address" error Terraform gives for a malformed address.
fn invalid(detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error("Invalid address").detail(detail.into())
}

/// Splits an address into traversal steps.
fn traversal(s: &str) -> Result<Vec<Step>, Diagnostic> {
    let mut steps = Vec::new();
    let mut rest = s;
    if rest.is_empty() {
        return Err(invalid("An address is required."));
    }
    let (root, after) = ident(rest).ok_or_else(|| {
        invalid(format!(
            "An address must start with a name, not {:?}.",
            first_char(rest)
        ))
    })?;
    steps.push(Step::Name(root.to_string()));
    rest = after;
    while let Some(c) = rest.chars().next() {
        match c {
            '.' => {
                let (name, after) = ident(&rest[1..])
                    .ok_or_else(|| invalid("Dot must be followed by attribute name."))?;
                steps.push(Step::Name(name.to_string()));
                rest = after;
            }
            '[' => {
                let (key, after) = index(&rest[1..])?;
                steps.push(Step::Index(key));
                rest = after;
            }
            _ => {
                return Err(invalid(format!(
                    "Unexpected {:?} in the address: steps are \".name\" or \"[key]\".",
                    first_char(rest)
                )))
            }
        }
    }
    Ok(steps)
}

fn first_char(s: &str) -> String {
    s.chars().next().map(String::from).unwrap_or_default()
}

/// An HCL identifier at the start of `s`: a letter or `_`, then letters, digits, `_` and `-`.
fn ident(s: &str) -> Option<(&str, &str)> {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_alphabetic() || c == '_' => {}
        _ => return None,
    }
    let end = chars
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
        .map_or(s.len(), |(i, _)| i);
    Some((&s[..end], &s[end..]))
}

/// The key of an index step after its `[`, and what follows the `]`.
fn index(s: &str) -> Result<(InstanceKey, &str), Diagnostic> {
    let not_literal =
        || invalid("Index brackets must contain either a literal number or a literal string.");
    let (key, rest) = match s.chars().next() {
        Some('"') => {
            // Find the closing quote, stepping over escaped characters.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in s.char_indices().skip(1) {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or_else(|| invalid("The quoted instance key is not terminated."))?;
            let quoted = &s[..=end];
            let key = parse_module_instance(&format!("module.m[{quoted}]"))
                .ok()
                .and_then(|m| m.0.into_iter().next())
                .map(|(_, k)| k)
                .ok_or_else(|| invalid(format!("Invalid instance key {quoted}: bad escape.")))?;
            (key, &s[end + 1..])
        }
        Some(c) if c.is_ascii_digit() => {
            let end = s
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-')))
                .unwrap_or(s.len());
            let literal = &s[..end];
            let key = whole_number(literal).ok_or_else(|| {
                invalid(format!(
                    "Invalid resource instance key: {literal} is not a whole number."
                ))
            })?;
            (InstanceKey::Int(key), &s[end..])
        }
        _ => return Err(not_literal()),
    };
    match rest.strip_prefix(']') {
        Some(after) => Ok((key, after)),
        None => Err(invalid("Missing close bracket on index.")),
    }
}

/// An HCL number literal that is a whole number (`3`, `3.0`, `3e2`).
fn whole_number(literal: &str) -> Option<i64> {
    if literal.bytes().all(|b| b.is_ascii_digit()) {
        return literal.parse().ok();
    }
    let f: f64 = literal.parse().ok()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// Parses a target address: a module instance path, optionally followed by a resource
/// (`data.` for data resources; Terraform also accepts a leading `resource.`) and its key.
pub fn parse_target(s: &str) -> Result<Target, Diagnostic> {
    let steps = traversal(s)?;
    let mut module = Vec::new();
    let mut i = 0;
    while let Some(Step::Name(kw)) = steps.get(i) {
        if kw != "module" {
            break;
        }
        let Some(Step::Name(name)) = steps.get(i + 1) else {
            return Err(invalid(
                "Prefix \"module.\" must be followed by a module name.",
            ));
        };
        i += 2;
        let key = match steps.get(i) {
            Some(Step::Index(k)) => {
                i += 1;
                k.clone()
            }
            _ => InstanceKey::None,
        };
        module.push((name.clone(), key));
    }
    let module = ModuleInstance(module);
    let mut remain = &steps[i..];
    if remain.is_empty() {
        return Ok(Target::Module(module));
    }
    let mut mode = ResourceMode::Managed;
    match &remain[0] {
        Step::Name(n) if n == "data" => {
            mode = ResourceMode::Data;
            remain = &remain[1..];
        }
        Step::Name(n) if n == "resource" => remain = &remain[1..],
        Step::Name(_) => {}
        Step::Index(_) => {
            return Err(invalid(
                "Module address prefix must be followed by dot and then a name.",
            ))
        }
    }
    if remain.len() < 2 {
        return Err(invalid(
            "Resource specification must include a resource type and name.",
        ));
    }
    let Step::Name(type_name) = &remain[0] else {
        return Err(invalid(match mode {
            ResourceMode::Managed => "A resource type name is required.",
            ResourceMode::Data => "A data source name is required.",
        }));
    };
    let Step::Name(name) = &remain[1] else {
        return Err(invalid("A resource name is required."));
    };
    let resource = ResourceAddr {
        module,
        mode,
        type_name: type_name.clone(),
        name: name.clone(),
    };
    match &remain[2..] {
        [] => Ok(Target::Resource(resource)),
        [Step::Index(key)] => Ok(Target::Instance(resource.instance(key.clone()))),
        [Step::Name(_)] => Err(invalid(
            "Resource instance key must be given in square brackets.",
        )),
        _ => Err(invalid("Unexpected extra operators after address.")),
    }
}

/// Parses the address of one resource instance (`terraform state show`): a resource address
/// without a key is its no-key instance.
pub fn parse_instance(s: &str) -> Result<ResourceInstanceAddr, Diagnostic> {
    match parse_target(s)? {
        Target::Instance(i) => Ok(i),
        Target::Resource(r) => Ok(r.instance(InstanceKey::None)),
        Target::Module(_) => Err(invalid(
            "A resource instance address is required, not a module address.",
        )),
    }
}

/// Terraform's `ModuleInstance.IsAncestor`: `m` is a proper prefix of `other`, where a step
/// of `m` without a key matches any key.
fn is_ancestor(m: &ModuleInstance, other: &ModuleInstance) -> bool {
    m.0.len() < other.0.len()
        && m.0
            .iter()
            .zip(&other.0)
            .all(|((mn, mk), (on, ok))| mn == on && (*mk == InstanceKey::None || mk == ok))
}

/// Terraform's `ModuleInstance.TargetContains` for a module instance: steps match, except
/// that a last step without a key contains every instance of that module call.
fn target_contains(m: &ModuleInstance, other: &ModuleInstance) -> bool {
    if other.0.len() < m.0.len() {
        return false;
    }
    let last = m.0.len().saturating_sub(1);
    for (i, ((mn, mk), (on, ok))) in m.0.iter().zip(&other.0).enumerate() {
        if mn != on {
            return false;
        }
        if i == last && *mk == InstanceKey::None {
            return true;
        }
        if mk != ok {
            return false;
        }
    }
    true
}

/// Whether `target` (a module address) selects the resources of module instance `m`.
pub fn module_selects(target: &ModuleInstance, m: &ModuleInstance) -> bool {
    target == m || is_ancestor(target, m) || target_contains(target, m)
}

/// Every instance address that has an object (current or deposed) in `state`, once each.
fn instances_of<'a>(
    state: &'a State,
    keep: impl Fn(&ResourceAddr) -> bool + 'a,
) -> impl Iterator<Item = ResourceInstanceAddr> + 'a {
    state
        .resources()
        .filter(move |r| keep(&r.addr))
        .flat_map(|r| {
            let mut keys: Vec<&InstanceKey> = r.instances().map(|i| &i.key).collect();
            keys.dedup();
            keys.into_iter()
                .map(|k| r.addr.instance(k.clone()))
                .collect::<Vec<_>>()
        })
}

/// Whether the state holds any object (current or deposed) of this instance.
pub fn has_instance(state: &State, addr: &ResourceInstanceAddr) -> bool {
    state.instance(addr).is_some() || state.deposed(addr).next().is_some()
}

/// Every instance of the state, in Terraform's order.
pub fn all_instances(state: &State) -> Vec<ResourceInstanceAddr> {
    let mut out: Vec<ResourceInstanceAddr> = instances_of(state, |_| true).collect();
    out.sort_by(terraform_instance_order);
    out
}

/// The instances `target` selects, in Terraform's order; an address that matches nothing is
/// an error with Terraform's wording.
pub fn lookup(state: &State, target: &Target) -> Result<Vec<ResourceInstanceAddr>, Diagnostic> {
    let mut out: Vec<ResourceInstanceAddr> = match target {
        Target::Module(m) => {
            let found = state.resources().any(|r| module_selects(m, &r.addr.module));
            if !found {
                return Err(Diagnostic::error("Unknown module").detail(format!(
                    "The current state contains no module at {m}. If you've just added this module to the configuration, you must run \"bcmhcl apply\" first to create the module's entry in the state."
                )));
            }
            instances_of(state, |r| module_selects(m, &r.module)).collect()
        }
        Target::Resource(r) => {
            if state.resource(r).is_none() {
                return Err(Diagnostic::error("Unknown resource").detail(format!(
                    "The current state contains no resource {r}. If you've just added this resource to the configuration, you must run \"bcmhcl apply\" first to create the resource's entry in the state."
                )));
            }
            instances_of(state, |a| a == r).collect()
        }
        Target::Instance(i) => {
            if !has_instance(state, i) {
                return Err(Diagnostic::error("Unknown resource instance").detail(format!(
                    "The current state contains no resource instance {i}. If you've just added its resource to the configuration or have changed the count or for_each arguments, you must run \"bcmhcl apply\" first to update the resource's entry in the state."
                )));
            }
            vec![i.clone()]
        }
    };
    out.sort_by(terraform_instance_order);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bcmhcl::state::InstanceState;

    fn res(module: &[(&str, InstanceKey)], mode: ResourceMode, t: &str, n: &str) -> ResourceAddr {
        ResourceAddr {
            module: ModuleInstance(
                module
                    .iter()
                    .map(|(n, k)| (n.to_string(), k.clone()))
                    .collect(),
            ),
            mode,
            type_name: t.into(),
            name: n.into(),
        }
    }

    fn s(k: &str) -> InstanceKey {
        InstanceKey::Str(k.into())
    }

    #[test]
    fn addresses_parse_into_modules_resources_and_instances() {
        assert_eq!(
            parse_target("module.a[\"x\"].null_resource.b[0]").unwrap(),
            Target::Instance(
                res(
                    &[("a", s("x"))],
                    ResourceMode::Managed,
                    "null_resource",
                    "b"
                )
                .instance(InstanceKey::Int(0))
            )
        );
        assert_eq!(
            parse_target("data.t.n").unwrap(),
            Target::Resource(res(&[], ResourceMode::Data, "t", "n"))
        );
        assert_eq!(
            parse_target("resource.t.n[\"k\"]").unwrap(),
            Target::Instance(res(&[], ResourceMode::Managed, "t", "n").instance(s("k")))
        );
        assert_eq!(
            parse_target("module.a.module.b[2]").unwrap(),
            Target::Module(ModuleInstance(vec![
                ("a".into(), InstanceKey::None),
                ("b".into(), InstanceKey::Int(2))
            ]))
        );
        assert_eq!(parse_target("t.n[1e1]").unwrap().to_string(), "t.n[10]");
    }

    #[test]
    fn what_state_list_prints_parses_back_to_the_same_address() {
        let addr = res(
            &[("a", s("x\"y\\z ${q}"))],
            ResourceMode::Managed,
            "null_resource",
            "b",
        )
        .instance(s("dgx-01.\"]"));
        let printed = addr.to_string();
        assert_eq!(parse_target(&printed).unwrap(), Target::Instance(addr));
    }

    #[test]
    fn malformed_addresses_say_what_is_wrong() {
        for (input, detail) in [
            ("", "An address is required."),
            (
                "foo",
                "Resource specification must include a resource type and name.",
            ),
            (
                "data.foo",
                "Resource specification must include a resource type and name.",
            ),
            ("a..b", "Dot must be followed by attribute name."),
            (
                "a.b.c",
                "Resource instance key must be given in square brackets.",
            ),
            ("a.b[0][1]", "Unexpected extra operators after address."),
            (
                "a.b[x]",
                "Index brackets must contain either a literal number or a literal string.",
            ),
            ("a.b[0", "Missing close bracket on index."),
            ("a.b[\"x]", "The quoted instance key is not terminated."),
            (
                "a.b[1.5]",
                "Invalid resource instance key: 1.5 is not a whole number.",
            ),
            (
                "module",
                "Prefix \"module.\" must be followed by a module name.",
            ),
            (
                "module.a[0][1]",
                "Module address prefix must be followed by dot and then a name.",
            ),
            (
                "a b",
                "Unexpected \" \" in the address: steps are \".name\" or \"[key]\".",
            ),
            ("[0]", "An address must start with a name, not \"[\"."),
        ] {
            let d = parse_target(input).unwrap_err();
            assert_eq!(d.summary, "Invalid address", "{input}");
            assert_eq!(d.detail, detail, "{input}");
        }
        assert!(parse_instance("module.a").is_err());
        assert_eq!(
            parse_instance("t.n").unwrap().to_string(),
            "t.n",
            "a resource address is its no-key instance"
        );
    }

    fn state_with(addrs: &[ResourceInstanceAddr]) -> State {
        let mut st = State::new();
        for a in addrs {
            st.set_instance(
                a,
                "provider[\"registry.terraform.io/hashicorp/null\"]",
                InstanceState::new(a.key.clone(), serde_json::json!({"id": "1"})),
            );
        }
        st
    }

    #[test]
    fn module_addresses_select_their_instances_and_descendants() {
        let top =
            res(&[], ResourceMode::Managed, "null_resource", "top").instance(InstanceKey::None);
        let ax = res(
            &[("a", s("x"))],
            ResourceMode::Managed,
            "null_resource",
            "n",
        )
        .instance(InstanceKey::None);
        let ay_child = res(
            &[("a", s("y")), ("c", InstanceKey::None)],
            ResourceMode::Data,
            "t",
            "d",
        )
        .instance(InstanceKey::Int(0));
        let b = res(&[("b", InstanceKey::None)], ResourceMode::Managed, "t", "z")
            .instance(InstanceKey::None);
        let st = state_with(&[ay_child.clone(), b.clone(), ax.clone(), top.clone()]);

        let names = |t: &str| -> Vec<String> {
            lookup(&st, &parse_target(t).unwrap())
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        // Shorter module paths first, then by module name and key.
        assert_eq!(
            all_instances(&st)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "null_resource.top",
                "module.a[\"x\"].null_resource.n",
                "module.b.t.z",
                "module.a[\"y\"].module.c.data.t.d[0]"
            ]
        );
        assert_eq!(
            names("module.a"),
            [
                "module.a[\"x\"].null_resource.n",
                "module.a[\"y\"].module.c.data.t.d[0]"
            ]
        );
        assert_eq!(
            names("module.a[\"y\"]"),
            ["module.a[\"y\"].module.c.data.t.d[0]"]
        );
        // Only the last step may leave out the key (Terraform answers "Unknown module" too).
        let err = lookup(&st, &parse_target("module.a.module.c").unwrap()).unwrap_err();
        assert_eq!(err.summary, "Unknown module");
        assert_eq!(names("null_resource.top"), ["null_resource.top"]);

        let err = lookup(&st, &parse_target("module.q").unwrap()).unwrap_err();
        assert_eq!(err.summary, "Unknown module");
        let err = lookup(&st, &parse_target("null_resource.nope").unwrap()).unwrap_err();
        assert_eq!(err.summary, "Unknown resource");
        let err = lookup(&st, &parse_target("null_resource.top[0]").unwrap()).unwrap_err();
        assert_eq!(err.summary, "Unknown resource instance");
    }
}
