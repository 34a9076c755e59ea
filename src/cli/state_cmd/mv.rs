//! `bcmhcl state mv [-dry-run] SOURCE DESTINATION`: gives recorded objects a new address, like
//! `terraform state mv`: a module instance (with its child modules), a whole resource, or one
//! instance (a resource without `count`/`for_each` counts as its one instance), optionally into
//! another state file (`-state-out`).
//!
//! The moves are checked and made in memory first and saved once at the end, so any error
//! leaves the state files as they were; the `Move "a" to "b"` lines are printed only once all
//! moves succeeded (Terraform prints each before checking the next one).

use super::target::{has_instance, parse_target, Target};
use super::{
    editing, editing_store, fail, load, load_existing, lock, missing_file, no_state, report, save,
    Failed, StateFlags, WriteFlags,
};
use crate::cli::backend::Store;
use crate::cli::terminal::stdout_line;
use bcmhcl::addr::{InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use bcmhcl::config::ResourceMode;
use bcmhcl::diag::{Diagnostic, Diagnostics};
use bcmhcl::state::{InstanceState, State};
use bcmhcl::value::go_quote;
use clap::Args;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct MvArgs {
    /// What to move: a module, resource or resource instance address.
    #[arg(value_name = "SOURCE")]
    source: String,
    /// Its new address.
    #[arg(value_name = "DESTINATION")]
    destination: String,
    /// Print what would be moved without changing the state.
    #[arg(long = "dry-run")]
    dry_run: bool,
    /// Where to keep the previous source state (default: <state>.<unix time>.backup).
    #[arg(long = "backup", value_name = "PATH")]
    backup: Option<PathBuf>,
    /// Where to keep the previous destination state with -state-out.
    #[arg(long = "backup-out", value_name = "PATH")]
    backup_out: Option<PathBuf>,
    /// Move into this state file instead (created when missing).
    #[arg(long = "state-out", value_name = "PATH")]
    state_out: Option<PathBuf>,
    #[command(flatten)]
    flags: StateFlags,
    #[command(flatten)]
    write: WriteFlags,
}

pub fn run(args: MvArgs) -> Result<(), Failed> {
    let no_color = args.flags.no_color;
    let store = editing(args.flags.open()?, args.backup.as_deref());
    // No state, nothing to lock: say so without leaving a lock file behind.
    if missing_file(&store) {
        return fail(no_state(), no_color);
    }
    let _lock = lock(&args.write, &*store, "state-mv", no_color)?;
    let same_file = |out: &std::path::Path| matches!(&store, Store::Local(l) if l.path() == out);
    let out_store = args
        .state_out
        .as_ref()
        .filter(|out| !same_file(out))
        .map(|p| editing_store(p, args.backup_out.as_deref(), no_color))
        .transpose()?;
    // A separate -state-out is locked too (Terraform locks both states).
    let _lock_out = match &out_store {
        Some(out) => lock(&args.write, out, "state-mv", no_color)?,
        None => None,
    };
    let from = load_existing(&*store, no_color)?;
    let to = match &out_store {
        Some(s) => Some(load(s, no_color)?.unwrap_or_default()),
        None => None,
    };

    let mut diags = Diagnostics::new();
    let source = parse_target(&args.source).map_err(|d| diags.push(d));
    let dest = parse_target(&args.destination).map_err(|d| diags.push(d));
    let (Ok(source), Ok(dest)) = (source, dest) else {
        report(diags, no_color);
        return Err(Failed);
    };

    let mut states = States { from, to };
    let lines = match states.apply(&source, &dest, &args.destination, args.dry_run) {
        Ok(lines) => lines,
        Err(diags) => {
            report(diags, no_color);
            return Err(Failed);
        }
    };
    for line in &lines {
        stdout_line(line);
    }
    if args.dry_run {
        return Ok(());
    }
    if let (Some(out_store), Some(to)) = (&out_store, &mut states.to) {
        save(out_store, to, no_color)?;
    }
    save(&*store, &mut states.from, no_color)?;
    stdout_line(&format!("Successfully moved {} object(s).", lines.len()));
    Ok(())
}

/// The source state and, with `-state-out`, a separate destination state.
struct States {
    from: State,
    to: Option<State>,
}

/// Terraform's wording when `mv` is asked for something it cannot do.
fn invalid(summary: &str, detail: String) -> Diagnostics {
    Diagnostics(vec![Diagnostic::error(summary).detail(detail)])
}

const INVALID_SOURCE: &str = "Invalid source address";
const INVALID_TARGET: &str = "Invalid target address";

impl States {
    fn to(&self) -> &State {
        self.to.as_ref().unwrap_or(&self.from)
    }

    fn to_mut(&mut self) -> &mut State {
        match &mut self.to {
            Some(t) => t,
            None => &mut self.from,
        }
    }

    /// Checks and (unless `dry_run`) makes the moves; returns the lines to print.
    fn apply(
        &mut self,
        source: &Target,
        dest: &Target,
        dest_text: &str,
        dry_run: bool,
    ) -> Result<Vec<String>, Diagnostics> {
        let prefix = if dry_run { "Would move" } else { "Move" };
        let objects = source_objects(&self.from, source);
        if objects.is_empty() {
            return Err(invalid(
                INVALID_SOURCE,
                format!("Cannot move {source}: does not match anything in the current state."),
            ));
        }
        let mut lines = Vec::new();
        for object in &objects {
            match object {
                Target::Module(from_m) => {
                    let Target::Module(to_m) = dest else {
                        return Err(invalid(
                            INVALID_TARGET,
                            format!(
                                "Cannot move {from_m} to {dest}: the target must also be a module."
                            ),
                        ));
                    };
                    // A child module moves along under the new path.
                    let search_len = match source {
                        Target::Module(m) => m.0.len(),
                        _ => from_m.0.len(),
                    };
                    let mut steps = to_m.0.clone();
                    steps.extend(from_m.0.iter().skip(search_len).cloned());
                    let to_m = ModuleInstance(steps);
                    if self.to().resources().any(|r| r.addr.module == to_m) {
                        return Err(Diagnostics(vec![Diagnostic::error("Error moving state")
                            .detail("destination module already exists\n\nPlease ensure your addresses and state paths are valid. No state was persisted. Your existing states are untouched.")]));
                    }
                    lines.push(format!(
                        "{prefix} {} to {}",
                        go_quote(&from_m.to_string()),
                        go_quote(&to_m.to_string())
                    ));
                    if !dry_run {
                        let resources: Vec<ResourceAddr> = self
                            .from
                            .resources()
                            .filter(|r| r.addr.module == *from_m)
                            .map(|r| r.addr.clone())
                            .collect();
                        for r in resources {
                            let new = ResourceAddr {
                                module: to_m.clone(),
                                ..r.clone()
                            };
                            self.move_objects(&r, None, &new, None);
                        }
                    }
                }
                Target::Resource(from_r) => {
                    let Target::Resource(to_r) = dest else {
                        return Err(invalid(
                            INVALID_TARGET,
                            format!("Cannot move {from_r} to {dest}: the source is a whole resource (not a resource instance) so the target must also be a whole resource."),
                        ));
                    };
                    let mut diags = validate_move(from_r, to_r);
                    if self.to().resource(to_r).is_some() {
                        diags.push(Diagnostic::error(INVALID_TARGET).detail(format!(
                            "Cannot move to {to_r}: there is already a resource at that address in the current state."
                        )));
                    }
                    if diags.has_errors() {
                        return Err(diags);
                    }
                    lines.push(format!(
                        "{prefix} {} to {}",
                        go_quote(&from_r.to_string()),
                        go_quote(&to_r.to_string())
                    ));
                    if !dry_run {
                        self.move_objects(from_r, None, to_r, None);
                    }
                }
                Target::Instance(from_i) => {
                    let to_i = match dest {
                        Target::Instance(i) => i.clone(),
                        Target::Resource(r) => r.instance(InstanceKey::None),
                        Target::Module(_) => {
                            return Err(invalid(
                                INVALID_TARGET,
                                format!("Cannot move {from_i} to {dest}: the target must also be a resource instance."),
                            ))
                        }
                    };
                    let mut diags = validate_move(&from_i.resource, &to_i.resource);
                    if has_instance(self.to(), &to_i) {
                        diags.push(Diagnostic::error(INVALID_TARGET).detail(format!(
                            "Cannot move to {to_i}: there is already a resource instance at that address in the current state."
                        )));
                    }
                    if !has_instance(&self.from, from_i) {
                        diags.push(
                            Diagnostic::error(INVALID_SOURCE)
                                .detail(format!("The current state does not contain {from_i}.")),
                        );
                    }
                    if diags.has_errors() {
                        return Err(diags);
                    }
                    // Terraform echoes the destination as it was typed.
                    lines.push(format!(
                        "{prefix} {} to {}",
                        go_quote(&from_i.to_string()),
                        go_quote(dest_text)
                    ));
                    if !dry_run {
                        self.move_objects(
                            &from_i.resource,
                            Some(&from_i.key),
                            &to_i.resource,
                            Some(&to_i.key),
                        );
                    }
                }
            }
            if !dry_run {
                forget_dependencies_on(self.to_mut(), object);
            }
        }
        Ok(lines)
    }

    /// Moves the objects (current and deposed) of resource `from` — all of them, or those of
    /// instance key `from_key` — to resource `to`, keeping their keys or giving them `to_key`.
    /// The objects keep their provider unless the destination resource already records one.
    fn move_objects(
        &mut self,
        from: &ResourceAddr,
        from_key: Option<&InstanceKey>,
        to: &ResourceAddr,
        to_key: Option<&InstanceKey>,
    ) {
        let Some(r) = self.from.resource(from) else {
            return;
        };
        let source_provider = r.provider.clone();
        let objects: Vec<InstanceState> = r
            .instances()
            .filter(|i| from_key.is_none_or(|k| *k == i.key))
            .cloned()
            .collect();
        for o in &objects {
            let addr = from.instance(o.key.clone());
            match &o.deposed {
                Some(d) => self.from.remove_deposed(&addr, d),
                None => self.from.remove_instance(&addr),
            }
        }
        let provider = self
            .to()
            .resource(to)
            .map(|r| r.provider.clone())
            .unwrap_or(source_provider);
        let dest = self.to_mut();
        for o in objects {
            let key = to_key.cloned().unwrap_or_else(|| o.key.clone());
            dest.set_instance(&to.instance(key), &provider, o);
        }
    }
}

/// What a source address stands for in the state (Terraform's `sourceObjectAddrs`): a module
/// address brings the module instances under it; a resource recorded without instance keys
/// is moved as its one instance, so that `mv a.b a.c[1]` works.
fn source_objects(state: &State, source: &Target) -> Vec<Target> {
    match source {
        Target::Module(m) => {
            let modules: BTreeSet<&ModuleInstance> = state
                .resources()
                .map(|r| &r.addr.module)
                .filter(|mi| mi.0.len() >= m.0.len() && mi.0[..m.0.len()] == m.0[..])
                .collect();
            let mut modules: Vec<&ModuleInstance> = modules.into_iter().collect();
            modules.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.cmp(b)));
            modules.into_iter().cloned().map(Target::Module).collect()
        }
        Target::Resource(r) => match state.resource(r) {
            Some(rs) if rs.instances().any(|i| i.key == InstanceKey::None) => {
                vec![Target::Instance(r.instance(InstanceKey::None))]
            }
            Some(_) => vec![Target::Resource(r.clone())],
            None => Vec::new(),
        },
        Target::Instance(_) => vec![source.clone()],
    }
}

/// Terraform's `validateResourceMove`: the mode and the type must stay the same.
fn validate_move(from: &ResourceAddr, to: &ResourceAddr) -> Diagnostics {
    const SUMMARY: &str = "Invalid state move request";
    let mut diags = Diagnostics::new();
    if from.mode != to.mode {
        let detail = match from.mode {
            ResourceMode::Managed => format!("Cannot move {from} to {to}: a managed resource can be moved only to another managed resource address."),
            ResourceMode::Data => format!("Cannot move {from} to {to}: a data resource can be moved only to another data resource address."),
        };
        diags.push(Diagnostic::error(SUMMARY).detail(detail));
    }
    if from.type_name != to.type_name {
        diags.push(Diagnostic::error(SUMMARY).detail(format!(
            "Cannot move {from} to {to}: resource types don't match."
        )));
    }
    diags
}

/// A resource's configuration address, as `dependencies` records it (module keys dropped).
fn config_address(r: &ResourceAddr) -> String {
    let mut out = String::new();
    for (name, _) in &r.module.0 {
        out.push_str("module.");
        out.push_str(name);
        out.push('.');
    }
    if r.mode == ResourceMode::Data {
        out.push_str("data.");
    }
    out.push_str(&r.type_name);
    out.push('.');
    out.push_str(&r.name);
    out
}

/// The module call names of a `dependencies` entry (`module.a.module.b.t.n` → `a`, `b`).
fn dependency_modules(dep: &str) -> Vec<&str> {
    let parts: Vec<&str> = dep.split('.').collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        names.push(parts[i + 1]);
        i += 2;
    }
    names
}

/// Whether a recorded dependency refers to the moved object or lies within it (Terraform checks
/// `TargetContains` both ways).
fn dependency_touches(dep: &str, moved: &Target) -> bool {
    match moved {
        Target::Resource(r) => dep == config_address(r),
        Target::Instance(i) => dep == config_address(&i.resource),
        Target::Module(m) => {
            let names = dependency_modules(dep);
            names.len() >= m.0.len()
                && m.0
                    .iter()
                    .zip(&names)
                    .all(|((n, k), dn)| *k == InstanceKey::None && n == dn)
        }
    }
}

/// Clears the dependencies of every current object that depends on the moved object, so that
/// the next apply records them afresh (Terraform does the same after each move).
fn forget_dependencies_on(state: &mut State, moved: &Target) {
    let touched: Vec<(ResourceInstanceAddr, String, InstanceState)> = state
        .instances()
        .filter(|(_, i)| i.deposed.is_none())
        .filter(|(_, i)| i.dependencies.iter().any(|d| dependency_touches(d, moved)))
        .map(|(a, i)| {
            let provider = state
                .resource(&a.resource)
                .map(|r| r.provider.clone())
                .unwrap_or_default();
            (a, provider, i.clone())
        })
        .collect();
    for (addr, provider, mut inst) in touched {
        inst.dependencies.clear();
        state.set_instance(&addr, &provider, inst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NULL: &str = "provider[\"registry.terraform.io/hashicorp/null\"]";

    fn target(s: &str) -> Target {
        parse_target(s).unwrap()
    }

    fn addr(s: &str) -> ResourceInstanceAddr {
        match target(s) {
            Target::Instance(i) => i,
            Target::Resource(r) => r.instance(InstanceKey::None),
            Target::Module(_) => panic!("{s} is a module"),
        }
    }

    fn state(addrs: &[(&str, &[&str])]) -> State {
        let mut st = State::new();
        for (a, deps) in addrs {
            let a = addr(a);
            let mut inst =
                InstanceState::new(a.key.clone(), serde_json::json!({ "id": a.to_string() }));
            inst.dependencies = deps.iter().map(|d| d.to_string()).collect();
            st.set_instance(&a, NULL, inst);
        }
        st
    }

    fn listing(st: &State) -> Vec<String> {
        super::super::target::all_instances(st)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn mv(st: State, from: &str, to: &str) -> Result<(State, Vec<String>), Vec<String>> {
        let mut states = States { from: st, to: None };
        match states.apply(&target(from), &target(to), to, false) {
            Ok(lines) => Ok((states.from, lines)),
            Err(d) => Err(d.iter().map(|d| d.detail.clone()).collect()),
        }
    }

    #[test]
    fn a_resource_without_keys_moves_as_its_one_instance() {
        let (st, lines) = mv(
            state(&[("null_resource.a", &[])]),
            "null_resource.a",
            "null_resource.b[1]",
        )
        .unwrap();
        assert_eq!(
            lines,
            ["Move \"null_resource.a\" to \"null_resource.b[1]\""]
        );
        assert_eq!(listing(&st), ["null_resource.b[1]"]);
        // The object is the same one.
        let moved = st.instance(&addr("null_resource.b[1]")).unwrap();
        assert_eq!(moved.attributes["id"], "null_resource.a");
    }

    #[test]
    fn counted_resources_move_whole_and_need_a_whole_resource_target() {
        let st = state(&[("null_resource.c[0]", &[]), ("null_resource.c[1]", &[])]);
        let (moved, lines) = mv(st.clone(), "null_resource.c", "null_resource.d").unwrap();
        assert_eq!(lines, ["Move \"null_resource.c\" to \"null_resource.d\""]);
        assert_eq!(
            listing(&moved),
            ["null_resource.d[0]", "null_resource.d[1]"]
        );
        let err = mv(st, "null_resource.c", "null_resource.d[0]").unwrap_err();
        assert_eq!(err, ["Cannot move null_resource.c to null_resource.d[0]: the source is a whole resource (not a resource instance) so the target must also be a whole resource."]);
    }

    #[test]
    fn modules_move_with_their_children() {
        let st = state(&[
            ("module.a.null_resource.x", &[]),
            ("module.a.module.b[\"k\"].null_resource.y", &[]),
            ("module.ab.null_resource.z", &[]),
        ]);
        let (moved, lines) = mv(st, "module.a", "module.c[0]").unwrap();
        assert_eq!(
            lines,
            [
                "Move \"module.a\" to \"module.c[0]\"",
                "Move \"module.a.module.b[\\\"k\\\"]\" to \"module.c[0].module.b[\\\"k\\\"]\""
            ]
        );
        assert_eq!(
            listing(&moved),
            [
                "module.ab.null_resource.z",
                "module.c[0].null_resource.x",
                "module.c[0].module.b[\"k\"].null_resource.y"
            ]
        );
    }

    #[test]
    fn moves_into_occupied_addresses_are_refused() {
        let st = state(&[
            ("null_resource.a", &[]),
            ("null_resource.b", &[]),
            ("module.m.null_resource.a", &[]),
            ("module.n.null_resource.a", &[]),
        ]);
        assert_eq!(
            mv(st.clone(), "null_resource.a", "null_resource.b").unwrap_err(),
            ["Cannot move to null_resource.b: there is already a resource instance at that address in the current state."]
        );
        let err = mv(st.clone(), "module.m", "module.n").unwrap_err();
        assert!(
            err[0].starts_with("destination module already exists"),
            "{err:?}"
        );
        assert_eq!(
            mv(st.clone(), "null_resource.a", "terraform_data.a").unwrap_err(),
            ["Cannot move null_resource.a to terraform_data.a: resource types don't match."]
        );
        assert_eq!(
            mv(st.clone(), "null_resource.a", "data.terraform_data.a").unwrap_err(),
            [
                "Cannot move null_resource.a to data.terraform_data.a: a managed resource can be moved only to another managed resource address.",
                "Cannot move null_resource.a to data.terraform_data.a: resource types don't match."
            ]
        );
        assert_eq!(
            mv(st.clone(), "null_resource.nope", "null_resource.x").unwrap_err(),
            ["Cannot move null_resource.nope: does not match anything in the current state."]
        );
        assert_eq!(
            mv(st.clone(), "null_resource.a[3]", "null_resource.x").unwrap_err(),
            ["The current state does not contain null_resource.a[3]."]
        );
        assert_eq!(
            mv(st, "null_resource.a", "module.q").unwrap_err(),
            ["Cannot move null_resource.a to module.q: the target must also be a resource instance."]
        );
    }

    #[test]
    fn dependencies_on_moved_objects_are_forgotten() {
        let st = state(&[
            ("null_resource.a", &[]),
            ("null_resource.uses_a", &["null_resource.a"]),
            ("null_resource.uses_other", &["null_resource.zzz"]),
            ("module.m.null_resource.x", &[]),
            ("null_resource.uses_m", &["module.m.null_resource.x"]),
        ]);
        let (moved, _) = mv(st, "null_resource.a", "null_resource.b").unwrap();
        let deps = |st: &State, a: &str| st.instance(&addr(a)).unwrap().dependencies.clone();
        assert!(deps(&moved, "null_resource.uses_a").is_empty());
        assert_eq!(
            deps(&moved, "null_resource.uses_other"),
            ["null_resource.zzz"]
        );
        assert_eq!(
            deps(&moved, "null_resource.uses_m"),
            ["module.m.null_resource.x"]
        );
        let (moved, _) = mv(moved, "module.m", "module.n").unwrap();
        assert!(deps(&moved, "null_resource.uses_m").is_empty());
    }

    #[test]
    fn dry_runs_change_nothing() {
        let st = state(&[("null_resource.a", &[])]);
        let mut states = States { from: st, to: None };
        let lines = states
            .apply(
                &target("null_resource.a"),
                &target("null_resource.b"),
                "null_resource.b",
                true,
            )
            .unwrap();
        assert_eq!(
            lines,
            ["Would move \"null_resource.a\" to \"null_resource.b\""]
        );
        assert_eq!(listing(&states.from), ["null_resource.a"]);
    }

    #[test]
    fn moving_to_another_state_keeps_the_provider_and_removes_the_source() {
        let st = state(&[("null_resource.a", &[]), ("null_resource.keep", &[])]);
        let mut states = States {
            from: st,
            to: Some(State::new()),
        };
        states
            .apply(
                &target("null_resource.a"),
                &target("module.x.null_resource.a"),
                "module.x.null_resource.a",
                false,
            )
            .unwrap();
        assert_eq!(listing(&states.from), ["null_resource.keep"]);
        let to = states.to.unwrap();
        assert_eq!(listing(&to), ["module.x.null_resource.a"]);
        assert_eq!(to.resources().next().unwrap().provider, NULL);
    }
}
