//! Terraform's machine-readable UI (`plan -json`, `apply -json`): one JSON object per line,
//! as `internal/command/views/json_view.go` writes them through hclog.
//!
//! Every line has `@level` (`info`, `warn`, `error`), `@message` (the human text),
//! `@module` (`terraform.ui`), `@timestamp` (RFC 3339 with microseconds) and `type`; the rest
//! depends on the type: `version` (`terraform`, `ui`), `planned_change` and `resource_drift`
//! (`change`), `change_summary` (`changes`), `outputs` (`outputs`), `diagnostic`
//! (`diagnostic`, the same object as a `validate -json` entry), the apply hooks `apply_start`,
//! `apply_progress`, `apply_complete`, `apply_errored`, `provision_start`,
//! `provision_progress`, `provision_complete`, `provision_errored` (`hook`), and `log`.
//! As hclog writes a map, the top-level keys are in lexical order; nested objects keep the
//! field order of Terraform's Go structs. Strings are escaped as Go's encoder escapes them.
//!
//! The `version` line names bcmhcl's version (`"terraform": "0.1.0"`, message
//! `bcmhcl 0.1.0`) and UI schema 1.1, whose shapes these are (`import` in change summaries,
//! no action invocations). Sensitive output values are left out of `outputs`, as current
//! Terraform does (1.0 still wrote them).
//!
//! Apply progress arrives as the executor's human lines (`ADDR: Creating...`); `ApplyProgress`
//! reads them back into hook messages, matching each line to the plan's known addresses.

use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use crate::config::ResourceMode;
use crate::diag::{Diagnostic, Diagnostics, Severity, SourceMap};
use crate::plan::{Action, ActionReason, Plan, ResourceChange};
use crate::state::OutputState;
use crate::value::value_to_json;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

/// The UI schema version in the `version` message.
pub const UI_VERSION: &str = "1.1";

/// hclog's level names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One UI message before it is stamped with the time.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub level: Level,
    /// `@message`: what the human UI would print.
    pub text: String,
    /// `type`.
    pub kind: &'static str,
    /// The type's own fields (`change`, `hook`, ...).
    pub fields: Vec<(&'static str, Json)>,
}

impl Message {
    fn info(kind: &'static str, text: String, fields: Vec<(&'static str, Json)>) -> Message {
        Message {
            level: Level::Info,
            text,
            kind,
            fields,
        }
    }

    /// The message as one line of JSON (without the newline).
    pub fn to_line(&self, timestamp: &str) -> String {
        let mut m: BTreeMap<&str, Json> = BTreeMap::new();
        m.insert("@level", Json::from(self.level.name()));
        m.insert("@message", Json::String(self.text.clone()));
        m.insert("@module", Json::from("terraform.ui"));
        m.insert("@timestamp", Json::String(timestamp.to_string()));
        m.insert("type", Json::from(self.kind));
        for (k, v) in &self.fields {
            m.insert(k, v.clone());
        }
        go_escape(&serde_json::to_string(&m).unwrap_or_default())
    }
}

/// JSON text with the escapes of Go's encoder: `<`, `>`, `&`, U+2028 and U+2029. In serialised
/// JSON those can only occur inside strings, so replacing them keeps the text valid.
pub fn go_escape(s: &str) -> String {
    if !s.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return s.to_string();
    }
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Where the UI gets its times from (a fixed clock in tests).
pub trait Clock: Sync {
    /// The wall time as `@timestamp` writes it.
    fn timestamp(&self) -> String;
    /// Monotonic time since any fixed origin, for elapsed times.
    fn monotonic(&self) -> Duration;
}

/// The real clock: local time, as hclog stamps its lines.
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn timestamp(&self) -> String {
        chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }
    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// Writes stamped messages, one per line, flushing each so that a reader sees it at once.
pub struct JsonUi<'a> {
    out: Box<dyn Write + Send + 'a>,
    clock: &'a dyn Clock,
}

impl<'a> JsonUi<'a> {
    pub fn new(out: impl Write + Send + 'a, clock: &'a dyn Clock) -> JsonUi<'a> {
        JsonUi {
            out: Box::new(out),
            clock,
        }
    }

    pub fn clock(&self) -> &'a dyn Clock {
        self.clock
    }

    /// Writes one message; a closed pipe is not worth failing the operation for.
    pub fn emit(&mut self, m: &Message) {
        let line = m.to_line(&self.clock.timestamp());
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    pub fn emit_all(&mut self, ms: impl IntoIterator<Item = Message>) {
        for m in ms {
            self.emit(&m);
        }
    }
}

// ----- Messages -----

/// The first line of every JSON UI run.
pub fn version(version: &str) -> Message {
    Message::info(
        "version",
        format!("bcmhcl {version}"),
        vec![
            ("terraform", Json::from(version)),
            ("ui", Json::from(UI_VERSION)),
        ],
    )
}

/// A free-form line (`type: log`), for output that has no message type of its own.
pub fn log(text: &str) -> Message {
    Message::info("log", text.to_string(), Vec::new())
}

/// Terraform's `ResourceAddr` object of JSON UI messages.
pub fn resource_addr(addr: &ResourceInstanceAddr) -> Json {
    let r = &addr.resource;
    let in_module = ResourceAddr {
        module: ModuleInstance::root(),
        ..r.clone()
    }
    .instance(addr.key.clone());
    let key = match &addr.key {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(i) => Json::from(*i),
        InstanceKey::Str(s) => Json::String(s.clone()),
    };
    json!({
        "addr": addr.to_string(),
        "module": r.module.to_string(),
        "resource": in_module.to_string(),
        // Terraform's implied provider: the type name up to its first underscore.
        "implied_provider": r.type_name.split('_').next().unwrap_or(&r.type_name),
        "resource_type": r.type_name,
        "resource_name": r.name,
        "resource_key": key,
    })
}

/// The `action` of JSON UI messages: replacements are one action, `replace`.
fn change_action(action: Action) -> &'static str {
    match action {
        Action::NoOp => "noop",
        Action::Create => "create",
        Action::Read => "read",
        Action::Update => "update",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Delete => "delete",
    }
}

/// The `reason` of a planned change, in the JSON UI's own words (not plan JSON's).
fn change_reason(reason: ActionReason) -> &'static str {
    match reason {
        ActionReason::ReplaceBecauseTainted => "tainted",
        ActionReason::ReplaceByRequest => "requested",
        ActionReason::ReplaceBecauseCannotUpdate => "cannot_update",
        ActionReason::ReplaceByTriggers => "replace_triggered_by",
        other => other.json_name(),
    }
}

/// One `planned_change` line.
pub fn planned_change(c: &ResourceChange) -> Message {
    let action = change_action(c.action);
    let mut change = Map::new();
    change.insert("resource".into(), resource_addr(&c.addr));
    change.insert("action".into(), Json::from(action));
    if let Some(r) = c.reason {
        change.insert("reason".into(), Json::from(change_reason(r)));
    }
    Message::info(
        "planned_change",
        format!("{}: Plan to {action}", c.addr),
        vec![("change", Json::Object(change))],
    )
}

/// Which operation a change summary is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Plan,
    Apply,
    Destroy,
}

/// The counts of a change summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub add: usize,
    pub change: usize,
    pub import: usize,
    pub remove: usize,
}

impl ChangeCounts {
    /// What a plan would do, counted as Terraform counts it: replacements add and remove,
    /// reads and the deletion of data resources are not counted.
    pub fn of_plan(plan: &Plan) -> ChangeCounts {
        let mut n = ChangeCounts::default();
        for c in &plan.resource_changes {
            match c.action {
                Action::Create => n.add += 1,
                Action::Update => n.change += 1,
                Action::Delete if c.addr.resource.mode == ResourceMode::Managed => n.remove += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    n.add += 1;
                    n.remove += 1;
                }
                _ => {}
            }
        }
        n
    }
}

/// The `change_summary` line, with Terraform's exact summary sentence.
pub fn change_summary(n: ChangeCounts, op: Operation) -> Message {
    let imported = |word: &str| {
        if n.import > 0 {
            format!("{} {word}, ", n.import)
        } else {
            String::new()
        }
    };
    let (text, name) = match op {
        Operation::Plan => (
            format!(
                "Plan: {}{} to add, {} to change, {} to destroy.",
                imported("to import"),
                n.add,
                n.change,
                n.remove
            ),
            "plan",
        ),
        Operation::Apply => (
            format!(
                "Apply complete! Resources: {}{} added, {} changed, {} destroyed.",
                imported("imported"),
                n.add,
                n.change,
                n.remove
            ),
            "apply",
        ),
        Operation::Destroy => (
            format!("Destroy complete! Resources: {} destroyed.", n.remove),
            "destroy",
        ),
    };
    Message::info(
        "change_summary",
        text,
        vec![(
            "changes",
            json!({
                "add": n.add,
                "change": n.change,
                "import": n.import,
                "remove": n.remove,
                "operation": name,
            }),
        )],
    )
}

/// The messages `plan -json` writes for a plan: a `planned_change` per instance that changes,
/// the `change_summary`, and the output changes when there are outputs.
pub fn plan_messages(plan: &Plan) -> Vec<Message> {
    let mut changes: Vec<&ResourceChange> = plan.resource_changes.iter().collect();
    changes.sort_by(|a, b| super::plan::terraform_instance_order(&a.addr, &b.addr));
    let mut out: Vec<Message> = changes
        .into_iter()
        // Deleting a data resource only tidies up state: Terraform does not mention it.
        .filter(|c| !(c.action == Action::Delete && c.addr.resource.mode == ResourceMode::Data))
        .filter(|c| c.action != Action::NoOp)
        .map(planned_change)
        .collect();
    out.push(change_summary(ChangeCounts::of_plan(plan), Operation::Plan));
    if !plan.output_changes.is_empty() {
        let mut outputs: Vec<_> = plan.output_changes.iter().collect();
        outputs.sort_by(|a, b| a.name.cmp(&b.name));
        let m: Map<String, Json> = outputs
            .iter()
            .map(|o| {
                (
                    o.name.clone(),
                    json!({"sensitive": o.sensitive, "action": change_action(o.action)}),
                )
            })
            .collect();
        out.push(Message::info(
            "outputs",
            format!("Outputs: {}", m.len()),
            vec![("outputs", Json::Object(m))],
        ));
    }
    out
}

/// The `outputs` line after an apply: each root output's type and, unless it is sensitive,
/// its value.
pub fn outputs(outputs: &BTreeMap<String, OutputState>) -> Message {
    let m: Map<String, Json> = outputs
        .iter()
        .map(|(name, o)| {
            let mut entry = Map::new();
            entry.insert("sensitive".into(), Json::Bool(o.sensitive));
            entry.insert("type".into(), o.value.ty().to_json());
            if !o.sensitive {
                entry.insert(
                    "value".into(),
                    value_to_json(&o.value).unwrap_or(Json::Null),
                );
            }
            (name.clone(), Json::Object(entry))
        })
        .collect();
    Message::info(
        "outputs",
        format!("Outputs: {}", m.len()),
        vec![("outputs", Json::Object(m))],
    )
}

/// One `diagnostic` line: `Error: SUMMARY` or `Warning: SUMMARY` with the diagnostic object
/// of `validate -json`.
pub fn diagnostic(d: &Diagnostic, sources: &SourceMap) -> Message {
    let doc = super::validate_json(&Diagnostics(vec![d.clone()]), sources);
    let object = doc["diagnostics"][0].clone();
    let (level, prefix) = match d.severity {
        Severity::Error => (Level::Error, "Error"),
        Severity::Warning => (Level::Warn, "Warning"),
    };
    Message {
        level,
        text: format!("{prefix}: {}", d.summary),
        kind: "diagnostic",
        fields: vec![("diagnostic", object)],
    }
}

pub fn diagnostics(diags: &Diagnostics, sources: &SourceMap) -> Vec<Message> {
    diags.iter().map(|d| diagnostic(d, sources)).collect()
}

// ----- Apply hooks -----

/// Go's `time.Duration` text for whole seconds: `0s`, `45s`, `2m0s`, `1h0m5s`.
fn go_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

/// Whole seconds between two monotonic times, each rounded to the second first, as
/// Terraform's JSON hook measures them.
fn elapsed_secs(start: Duration, now: Duration) -> u64 {
    let round = |d: Duration| (d.as_millis() + 500) / 1000;
    round(now).saturating_sub(round(start)) as u64
}

fn hook(kind: &'static str, text: String, fields: Map<String, Json>) -> Message {
    Message::info(kind, text, vec![("hook", Json::Object(fields))])
}

fn start_verb(action: Action) -> &'static str {
    match action {
        Action::Create => "Creating",
        Action::Update => "Modifying",
        Action::Delete => "Destroying",
        Action::Read => "Refreshing",
        _ => "Applying",
    }
}

fn progress_verb(action: Action) -> &'static str {
    match action {
        Action::Create => "creating",
        Action::Update => "modifying",
        Action::Delete => "destroying",
        Action::Read => "refreshing",
        _ => "applying",
    }
}

fn action_noun(action: Action) -> &'static str {
    match action {
        Action::Create => "Creation",
        Action::Update => "Modifications",
        Action::Delete => "Destruction",
        Action::Read => "Refresh",
        _ => "Apply",
    }
}

fn id_suffix(id: Option<&(String, String)>) -> String {
    id.map(|(k, v)| format!(" [{k}={v}]")).unwrap_or_default()
}

fn with_id(mut fields: Map<String, Json>, id: Option<&(String, String)>) -> Map<String, Json> {
    if let Some((k, v)) = id {
        fields.insert("id_key".into(), Json::String(k.clone()));
        fields.insert("id_value".into(), Json::String(v.clone()));
    }
    fields
}

fn resource_fields(addr: &ResourceInstanceAddr, action: Action) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("resource".into(), resource_addr(addr));
    m.insert("action".into(), Json::from(change_action(action)));
    m
}

/// `apply_start`: `ADDR: Creating...`, `ADDR: Destroying... [id=x]`.
pub fn apply_start(
    addr: &ResourceInstanceAddr,
    action: Action,
    id: Option<&(String, String)>,
) -> Message {
    hook(
        "apply_start",
        format!("{addr}: {}...{}", start_verb(action), id_suffix(id)),
        with_id(resource_fields(addr, action), id),
    )
}

/// `apply_progress`: `ADDR: Still creating... [10s elapsed]`.
pub fn apply_progress(addr: &ResourceInstanceAddr, action: Action, elapsed: u64) -> Message {
    let mut fields = resource_fields(addr, action);
    fields.insert("elapsed_seconds".into(), Json::from(elapsed));
    hook(
        "apply_progress",
        format!(
            "{addr}: Still {}... [{} elapsed]",
            progress_verb(action),
            go_duration(elapsed)
        ),
        fields,
    )
}

/// `apply_complete`: `ADDR: Creation complete after 1s [id=x]`.
pub fn apply_complete(
    addr: &ResourceInstanceAddr,
    action: Action,
    id: Option<&(String, String)>,
    elapsed: u64,
) -> Message {
    let mut fields = with_id(resource_fields(addr, action), id);
    fields.insert("elapsed_seconds".into(), Json::from(elapsed));
    hook(
        "apply_complete",
        format!(
            "{addr}: {} complete after {}{}",
            action_noun(action),
            go_duration(elapsed),
            id_suffix(id)
        ),
        fields,
    )
}

/// `apply_errored`: `ADDR: Creation errored after 0s`; the diagnostics follow at the end.
pub fn apply_errored(addr: &ResourceInstanceAddr, action: Action, elapsed: u64) -> Message {
    let mut fields = resource_fields(addr, action);
    fields.insert("elapsed_seconds".into(), Json::from(elapsed));
    hook(
        "apply_errored",
        format!(
            "{addr}: {} errored after {}",
            action_noun(action),
            go_duration(elapsed)
        ),
        fields,
    )
}

fn provisioner_fields(addr: &ResourceInstanceAddr, provisioner: &str) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("resource".into(), resource_addr(addr));
    m.insert("provisioner".into(), Json::from(provisioner));
    m
}

pub fn provision_start(addr: &ResourceInstanceAddr, provisioner: &str) -> Message {
    hook(
        "provision_start",
        format!("{addr}: Provisioning with '{provisioner}'..."),
        provisioner_fields(addr, provisioner),
    )
}

pub fn provision_progress(addr: &ResourceInstanceAddr, provisioner: &str, output: &str) -> Message {
    let mut fields = provisioner_fields(addr, provisioner);
    fields.insert("output".into(), Json::from(output));
    hook(
        "provision_progress",
        format!("{addr}: ({provisioner}): {output}"),
        fields,
    )
}

pub fn provision_complete(addr: &ResourceInstanceAddr, provisioner: &str) -> Message {
    hook(
        "provision_complete",
        format!("{addr}: ({provisioner}) Provisioning complete"),
        provisioner_fields(addr, provisioner),
    )
}

pub fn provision_errored(addr: &ResourceInstanceAddr, provisioner: &str) -> Message {
    hook(
        "provision_errored",
        format!("{addr}: ({provisioner}) Provisioning errored"),
        provisioner_fields(addr, provisioner),
    )
}

/// An operation under way on one instance.
struct Running {
    action: Action,
    start: Duration,
}

/// A provisioner under way on one instance.
struct Provisioning {
    name: String,
    /// Output lines seen since it started.
    lines: usize,
}

/// Turns the apply executor's progress lines (Terraform's human apply lines) back into JSON
/// UI hook messages. Lines are matched to the addresses given, longest first, so that keys
/// holding `: ` or ` (` cannot confuse it; a line that matches no address becomes a `log`
/// message. Operations and provisioners still running when the apply ends (`finish`) are the
/// ones that failed: the executor prints nothing for a failure, the diagnostics say it.
pub struct ApplyProgress {
    /// Address text and address, longest text first.
    addrs: Vec<(String, ResourceInstanceAddr)>,
    running: BTreeMap<ResourceInstanceAddr, Running>,
    provisioning: BTreeMap<ResourceInstanceAddr, Provisioning>,
}

/// `" [key=value]"` at the start of `s`, as the executor appends an object's id.
fn parse_id(s: &str) -> Option<(String, String)> {
    let inner = s.strip_prefix(" [")?.strip_suffix(']')?;
    let (k, v) = inner.split_once('=')?;
    Some((k.to_string(), v.to_string()))
}

impl ApplyProgress {
    pub fn new(addrs: impl IntoIterator<Item = ResourceInstanceAddr>) -> ApplyProgress {
        let mut addrs: Vec<(String, ResourceInstanceAddr)> =
            addrs.into_iter().map(|a| (a.to_string(), a)).collect();
        addrs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        addrs.dedup_by(|a, b| a.0 == b.0);
        ApplyProgress {
            addrs,
            running: BTreeMap::new(),
            provisioning: BTreeMap::new(),
        }
    }

    /// The address a line is about and the rest of the line after it.
    fn split<'t>(&self, text: &'t str) -> Option<(ResourceInstanceAddr, &'t str)> {
        self.addrs.iter().find_map(|(s, a)| {
            text.strip_prefix(s.as_str())
                .filter(|rest| rest.starts_with(": ") || rest.starts_with(" ("))
                .map(|rest| (a.clone(), rest))
        })
    }

    fn close_provisioner(&mut self, addr: &ResourceInstanceAddr, out: &mut Vec<Message>) {
        if let Some(p) = self.provisioning.remove(addr) {
            out.push(provision_complete(addr, &p.name));
        }
    }

    /// The messages for one progress line printed at monotonic time `now`.
    pub fn line(&mut self, text: &str, now: Duration) -> Vec<Message> {
        let mut out = Vec::new();
        if text.trim().is_empty() {
            return out;
        }
        let Some((addr, rest)) = self.split(text) else {
            out.push(log(text));
            return out;
        };
        // `ADDR (local-exec): output`
        if let Some(after) = rest.strip_prefix(" (") {
            if let Some((name, output)) = after.split_once("): ") {
                if let Some(p) = self.provisioning.get_mut(&addr) {
                    p.lines += 1;
                }
                out.push(provision_progress(&addr, name, output));
                return out;
            }
            out.push(log(text));
            return out;
        }
        let rest = &rest[2..];
        if let Some(name) = rest
            .strip_prefix("Provisioning with '")
            .and_then(|r| r.strip_suffix("'..."))
        {
            // A provisioner always prints at least its "Executing" line; a second start with
            // nothing in between is the same start printed twice.
            if self
                .provisioning
                .get(&addr)
                .is_some_and(|p| p.lines == 0 && p.name == name)
            {
                return out;
            }
            self.close_provisioner(&addr, &mut out);
            self.provisioning.insert(
                addr.clone(),
                Provisioning {
                    name: name.to_string(),
                    lines: 0,
                },
            );
            out.push(provision_start(&addr, name));
            return out;
        }
        if rest.starts_with("provisioner failed, continuing") {
            if let Some(p) = self.provisioning.remove(&addr) {
                out.push(provision_errored(&addr, &p.name));
            }
            out.push(log(text));
            return out;
        }
        for (verb, action) in [
            ("Creating...", Action::Create),
            ("Modifying...", Action::Update),
            ("Destroying...", Action::Delete),
        ] {
            if let Some(tail) = rest.strip_prefix(verb) {
                let id = parse_id(tail);
                self.close_provisioner(&addr, &mut out);
                self.running
                    .insert(addr.clone(), Running { action, start: now });
                out.push(apply_start(&addr, action, id.as_ref()));
                return out;
            }
        }
        // `ADDR: node001 is INSTALLING`: a node's provisioning status changed (bcmhcl's own
        // message type; Terraform has none for it).
        if let Some((host, status)) = rest.split_once(" is ") {
            let status = status.split_whitespace().next().unwrap_or("");
            if !host.contains(' ')
                && !status.is_empty()
                && status.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            {
                let action = self.running.get(&addr).map_or(Action::Create, |r| r.action);
                let mut fields = resource_fields(&addr, action);
                fields.insert("node".into(), Json::from(host));
                fields.insert("status".into(), Json::from(status));
                out.push(hook("node_status", text.to_string(), fields));
                return out;
            }
        }
        if rest.starts_with("Still ") {
            if let Some(r) = self.running.get(&addr) {
                out.push(apply_progress(&addr, r.action, elapsed_secs(r.start, now)));
                return out;
            }
        }
        for (noun, action) in [
            ("Creation complete after ", Action::Create),
            ("Modifications complete after ", Action::Update),
            ("Destruction complete after ", Action::Delete),
        ] {
            if let Some(tail) = rest.strip_prefix(noun) {
                let id = tail.find(' ').and_then(|i| parse_id(&tail[i..]));
                self.close_provisioner(&addr, &mut out);
                let (action, start) = match self.running.remove(&addr) {
                    Some(r) => (r.action, r.start),
                    None => (action, now),
                };
                out.push(apply_complete(
                    &addr,
                    action,
                    id.as_ref(),
                    elapsed_secs(start, now),
                ));
                return out;
            }
        }
        out.push(log(text));
        out
    }

    /// The messages for what never finished: errored provisioners and operations.
    pub fn finish(&mut self, now: Duration) -> Vec<Message> {
        let mut out = Vec::new();
        for (addr, p) in std::mem::take(&mut self.provisioning) {
            out.push(provision_errored(&addr, &p.name));
        }
        for (addr, r) in std::mem::take(&mut self.running) {
            out.push(apply_errored(&addr, r.action, elapsed_secs(r.start, now)));
        }
        out
    }
}

#[cfg(test)]
mod tests;
