//! Writing `terraform.tfstate` as Terraform does: Go's `json.MarshalIndent(state, "", "  ")`
//! of its v4 structs plus a newline. Field order, `omitempty` rules, HTML-safe string escapes
//! and the sorting of resources and instances all follow `statefile/version4.go`.
//!
//! The text is streamed into one `String`; attributes are written from the stored JSON without
//! copying, since a store writes the whole state after every finished operation.

use super::{InstanceState, ResourceState, State};
use crate::config::ResourceMode;
use crate::plan::PathStep;
use crate::value::{go_json_quote, value_to_json};
use serde_json::Value as Json;
use std::fmt::Write;

/// The whole file text.
pub(super) fn state_to_json(state: &State) -> String {
    let with_checks =
        writes_check_results(&state.terraform_version) || state.check_results.is_some();
    let body = content(state, with_checks);
    assemble(state, &body)
}

/// What Terraform compares to decide whether a state changed: everything but the version,
/// serial and lineage.
pub(super) fn content_json(state: &State) -> String {
    content(state, true)
}

/// The file text from the header fields of `state` and a `content` rendered for it.
pub(super) fn assemble(state: &State, content: &str) -> String {
    let mut out = String::with_capacity(content.len() + 160);
    out.push_str("{\n  \"version\": 4,\n  \"terraform_version\": ");
    go_json_quote(&state.terraform_version, &mut out);
    let _ = write!(out, ",\n  \"serial\": {},\n  \"lineage\": ", state.serial);
    go_json_quote(&state.lineage, &mut out);
    out.push_str(content);
    out
}

/// `check_results` exists in the format since Terraform 1.5; older releases never wrote it.
fn writes_check_results(terraform_version: &str) -> bool {
    let v = terraform_version
        .strip_prefix('v')
        .unwrap_or(terraform_version);
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next().and_then(|p| p.parse::<u64>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u64>().ok());
    match (major, minor) {
        (Some(major), Some(minor)) => (major, minor) >= (1, 5),
        (Some(major), None) => major >= 2,
        _ => true,
    }
}

/// The fields after `lineage`, starting with the comma, ending with the closing brace and
/// newline.
fn content(state: &State, with_checks: bool) -> String {
    let mut out = String::new();
    out.push_str(",\n  \"outputs\": ");
    let mut outputs = Obj::open(&mut out, 1);
    for (name, o) in &state.outputs {
        // Outputs hold known values once applied; an unknown has no JSON form and Terraform
        // refuses to write it, so it is left out rather than written wrongly.
        let Some(value) = value_to_json(&o.value) else {
            tracing::warn!(output = %name, "output value is not known; not written to state");
            continue;
        };
        let out = outputs.field(name);
        let mut fields = Obj::open(out, 2);
        json(fields.field("value"), &value, 3);
        json(fields.field("type"), &o.value.ty().to_json(), 3);
        if o.sensitive {
            fields.field("sensitive").push_str("true");
        }
        fields.close();
    }
    outputs.close();

    out.push_str(",\n  \"resources\": ");
    let mut sorted: Vec<(String, &ResourceState)> = state
        .resources
        .values()
        .map(|r| (r.addr.module.to_string(), r))
        .collect();
    // Terraform compares the module path as text, then mode as text ("data" < "managed").
    sorted.sort_by(|(ma, a), (mb, b)| {
        (ma, mode_name(a.addr.mode), &a.addr.type_name, &a.addr.name).cmp(&(
            mb,
            mode_name(b.addr.mode),
            &b.addr.type_name,
            &b.addr.name,
        ))
    });
    let mut resources = Arr::open(&mut out, 1);
    for (module, r) in &sorted {
        resource(resources.item(), module, r);
    }
    resources.close();

    if with_checks {
        out.push_str(",\n  \"check_results\": ");
        match &state.check_results {
            Some(c) => json(&mut out, c, 1),
            None => out.push_str("null"),
        }
    }
    out.push_str("\n}\n");
    out
}

fn mode_name(mode: ResourceMode) -> &'static str {
    match mode {
        ResourceMode::Managed => "managed",
        ResourceMode::Data => "data",
    }
}

fn resource(out: &mut String, module: &str, r: &ResourceState) {
    let mut f = Obj::open(out, 2);
    if !module.is_empty() {
        go_json_quote(module, f.field("module"));
    }
    go_json_quote(mode_name(r.addr.mode), f.field("mode"));
    go_json_quote(&r.addr.type_name, f.field("type"));
    go_json_quote(&r.addr.name, f.field("name"));
    go_json_quote(&r.provider, f.field("provider"));
    let mut instances = Arr::open(f.field("instances"), 3);
    for inst in r.instances.values() {
        instance(instances.item(), inst);
    }
    instances.close();
    f.close();
}

fn instance(out: &mut String, inst: &InstanceState) {
    const LEVEL: usize = 4;
    let mut f = Obj::open(out, LEVEL);
    match &inst.key {
        crate::addr::InstanceKey::None => {}
        crate::addr::InstanceKey::Int(i) => {
            let _ = write!(f.field("index_key"), "{i}");
        }
        crate::addr::InstanceKey::Str(s) => go_json_quote(s, f.field("index_key")),
    }
    if inst.tainted {
        go_json_quote("tainted", f.field("status"));
    }
    if let Some(d) = inst.deposed.as_deref().filter(|d| !d.is_empty()) {
        go_json_quote(d, f.field("deposed"));
    }
    let _ = write!(f.field("schema_version"), "{}", inst.schema_version);
    json(f.field("attributes"), &inst.attributes, LEVEL + 1);

    // Always present: Terraform marshals the (possibly empty) list of paths.
    let mut paths = Arr::open(f.field("sensitive_attributes"), LEVEL + 1);
    for p in &inst.sensitive_attributes {
        let mut steps = Arr::open(paths.item(), LEVEL + 2);
        for step in p {
            let mut s = Obj::open(steps.item(), LEVEL + 3);
            match step {
                PathStep::Attr(name) => {
                    go_json_quote("get_attr", s.field("type"));
                    go_json_quote(name, s.field("value"));
                }
                // An index key is a cty value of dynamic type: its value, then its type.
                PathStep::Key(k) => {
                    go_json_quote("index", s.field("type"));
                    let mut v = Obj::open(s.field("value"), LEVEL + 4);
                    go_json_quote(k, v.field("value"));
                    go_json_quote("string", v.field("type"));
                    v.close();
                }
                PathStep::Index(i) => {
                    go_json_quote("index", s.field("type"));
                    let mut v = Obj::open(s.field("value"), LEVEL + 4);
                    let _ = write!(v.field("value"), "{i}");
                    go_json_quote("number", v.field("type"));
                    v.close();
                }
            }
            s.close();
        }
        steps.close();
    }
    paths.close();

    if let Some(p) = inst.private.as_deref().filter(|p| !p.is_empty()) {
        go_json_quote(p, f.field("private"));
    }
    if !inst.dependencies.is_empty() {
        // In stored order: `State::set_instance` sorts them, as Terraform sorts when it
        // encodes an object, and a file read is written back as it was.
        let mut a = Arr::open(f.field("dependencies"), LEVEL + 1);
        for d in &inst.dependencies {
            go_json_quote(d, a.item());
        }
        a.close();
    }
    if inst.create_before_destroy {
        f.field("create_before_destroy").push_str("true");
    }
    f.close();
}

fn newline(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// Any JSON value as `MarshalIndent` lays it out at nesting `level`: numbers keep their text,
/// objects keep their key order (Terraform copies raw attribute JSON as it is).
fn json(out: &mut String, v: &Json, level: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Json::String(s) => go_json_quote(s, out),
        Json::Array(items) => {
            let mut a = Arr::open(out, level);
            for item in items {
                json(a.item(), item, level + 1);
            }
            a.close();
        }
        Json::Object(map) => {
            let mut o = Obj::open(out, level);
            for (k, item) in map {
                json(o.field(k), item, level + 1);
            }
            o.close();
        }
    }
}

/// An object being written at nesting `level`; empty objects come out as `{}`.
struct Obj<'a> {
    out: &'a mut String,
    level: usize,
    empty: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut String, level: usize) -> Obj<'a> {
        out.push('{');
        Obj {
            out,
            level,
            empty: true,
        }
    }

    /// Starts a field; the caller writes its value into the returned buffer.
    fn field(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        newline(self.out, self.level + 1);
        go_json_quote(key, self.out);
        self.out.push_str(": ");
        self.out
    }

    fn close(self) {
        if !self.empty {
            newline(self.out, self.level);
        }
        self.out.push('}');
    }
}

/// An array being written at nesting `level`; empty arrays come out as `[]`.
struct Arr<'a> {
    out: &'a mut String,
    level: usize,
    empty: bool,
}

impl<'a> Arr<'a> {
    fn open(out: &'a mut String, level: usize) -> Arr<'a> {
        out.push('[');
        Arr {
            out,
            level,
            empty: true,
        }
    }

    fn item(&mut self) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        newline(self.out, self.level + 1);
        self.out
    }

    fn close(self) {
        if !self.empty {
            newline(self.out, self.level);
        }
        self.out.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::address::parse_module_instance;

    #[test]
    fn check_results_appear_from_terraform_1_5() {
        assert!(!writes_check_results("1.0.3"));
        assert!(!writes_check_results("0.12.31"));
        assert!(!writes_check_results("1.4.7"));
        assert!(writes_check_results("1.5.0-beta1"));
        assert!(writes_check_results("1.9.0"));
        assert!(writes_check_results("v1.10.2"));
        assert!(writes_check_results("2"));
        assert!(writes_check_results(""));
    }

    #[test]
    fn any_json_is_indented_as_go_indents_it() {
        let v: Json =
            serde_json::from_str(r#"{"b":[],"a":{"x":[1,{"y":null}],"e":{}},"s":"<&>"}"#).unwrap();
        let mut out = String::new();
        json(&mut out, &v, 0);
        assert_eq!(
            out,
            "{\n  \"b\": [],\n  \"a\": {\n    \"x\": [\n      1,\n      {\n        \"y\": null\n      }\n    ],\n    \"e\": {}\n  },\n  \"s\": \"\\u003c\\u0026\\u003e\"\n}"
        );
    }

    #[test]
    fn module_paths_written_are_parsed_back() {
        // The writer prints `ModuleInstance` as the reader expects it.
        let m = crate::addr::ModuleInstance::root()
            .child("a", crate::addr::InstanceKey::Str("\u{1}\"".into()));
        assert_eq!(parse_module_instance(&m.to_string()), Ok(m));
    }
}
