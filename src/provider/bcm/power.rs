//! Power: the `bcm_cmdevice_power` resource and action. Both resolve the device, refuse the
//! head node, send one `cmdevice.powerOperation`, and optionally wait (through the provider's
//! shared `StatusWatcher`) until the node is UP or DOWN.

use super::client::Headnode;
use super::fields::{comp, opt, optc, req, to_value, Conf, Field, Kind, B, S};
use super::status::{StatusWatcher, Target, WaitError};
use super::wire::{NodeStatus, PowerOp, PowerOperation, Request};
use super::{attr, call, known_str, set_attr};
use crate::diag::Diagnostic;
use crate::plan::PathStep;
use crate::provider::PlanResponse;
use crate::schema::{proposed_new, raw_equals};
use crate::value::{Type, Value};
use serde_json::{json, Value as Json};
use std::time::Duration;

pub(crate) const TYPE: &str = "bcm_cmdevice_power";

/// How long a wait lasts when `timeout` is not set (the action's documented default).
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) const POWER_RESOURCE: &[Field] = &[
    comp("id", S, "The UUID of the device the operation was sent to."),
    req("device_id", S, "UUID (preferred) or hostname of the device.").replace(),
    req("power_action", S, "power_on, power_off, power_cycle, power_reset (or reset). Changing it sends the operation again."),
    optc("force", B, "Also power closed devices (PowerOperation.force). Default: true."),
    optc("wait_for_completion", B, "Wait until the node is UP (on, cycle, reset) or DOWN (off). Default: false."),
    opt("timeout", S, "How long to wait: seconds (600) or a Go duration (\"10m\"). Default: 5m."),
    opt("triggers", Kind::MapString, "Arbitrary values; a change sends the operation again."),
    opt("provisioning_mode", S, "bcmhcl extension: sequential (one node at a time, in key order, the next when the previous is UP or failed) or parallel (within the headnode's provisioning slots). Default: parallel; -provisioning-mode overrides it. Changing it sends nothing."),
    comp("status", S, "The node's status when the wait ended (null without wait_for_completion)."),
    comp("operation", S, "The PowerOperation operation sent: ON, OFF or RESET."),
    comp("completed_at", S, "When the operation was sent (and, with a wait, completed), RFC 3339."),
];

pub(crate) const POWER_ACTION: &[Field] = &[
    req(
        "device_id",
        S,
        "UUID (preferred) or hostname of the device.",
    ),
    req(
        "power_action",
        S,
        "power_on, power_off, power_cycle, power_reset or reset.",
    ),
    opt("force", B, "Also power closed devices. Default: true."),
    opt(
        "wait_for_completion",
        B,
        "Wait until the node is UP (on, cycle, reset) or DOWN (off). Default: false.",
    ),
    opt(
        "timeout",
        S,
        "How long to wait: a Go duration (\"5m\", 10s-30m documented) or seconds. Default: 5m.",
    ),
];

const ACTIONS: &[&str] = &[
    "power_on",
    "power_off",
    "power_cycle",
    "power_reset",
    "reset",
];

/// The operation and what to wait for. cmd has no CYCLE: a power cycle is a RESET.
fn operation(action: &str) -> Option<(PowerOp, Target, &'static str)> {
    match action {
        "power_on" => Some((PowerOp::On, Target::Up, "Powering on")),
        "power_off" => Some((PowerOp::Off, Target::Down, "Powering off")),
        "power_cycle" | "power_reset" | "reset" => {
            Some((PowerOp::Reset, Target::UpAgain, "Resetting"))
        }
        _ => None,
    }
}

fn op_name(op: PowerOp) -> &'static str {
    match op {
        PowerOp::On => "ON",
        PowerOp::Off => "OFF",
        PowerOp::Reset => "RESET",
        PowerOp::Status => "STATUS",
        PowerOp::Auxcycle => "AUXCYCLE",
    }
}

/// A wait timeout: plain seconds (`600`, as `timeout = 600` converts) or a Go duration
/// (`5m`, `1h30m`, `90s`, `1.5h`).
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return if secs.is_finite() && secs > 0.0 {
            Ok(Duration::from_secs_f64(secs))
        } else {
            Err(format!("timeout must be greater than zero, got {text:?}"))
        };
    }
    let mut total = 0f64;
    let mut rest = t;
    if rest.is_empty() {
        return Err("timeout is empty".into());
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("invalid duration {text:?}: expected a number before the unit"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            other => {
                return Err(format!(
                "invalid duration {text:?}: unknown unit {other:?} (use s, m or h, e.g. \"10m\")"
            ))
            }
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    if total > 0.0 && total.is_finite() {
        Ok(Duration::from_secs_f64(total))
    } else {
        Err(format!("timeout must be greater than zero, got {text:?}"))
    }
}

fn timeout_text(config: &Value) -> Option<String> {
    let v = attr(config, "timeout");
    let (v, _) = v.unmark();
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks what can be checked without the headnode.
pub(crate) fn validate(config: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(a) = known_str(config, "power_action") {
        if operation(&a).is_none() {
            out.push(Diagnostic::error("Invalid Attribute Value").detail(format!(
                "Attribute power_action value must be one of: [{}], got: {a:?}",
                ACTIONS.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(" ")
            )));
        }
    }
    if let Some(d) = known_str(config, "device_id") {
        if d.trim().is_empty() {
            out.push(
                Diagnostic::error("Invalid Attribute Value")
                    .detail("Attribute device_id must not be empty"),
            );
        }
    }
    if let Some(m) = known_str(config, "provisioning_mode") {
        if crate::plan::schedule::ProvisioningMode::parse(&m).is_none() {
            out.push(Diagnostic::error("Invalid Attribute Value").detail(format!(
                "Attribute provisioning_mode value must be one of: [\"sequential\" \"parallel\"], got: {m:?}"
            )));
        }
    }
    if let Some(t) = timeout_text(config) {
        if let Err(e) = parse_timeout(&t) {
            out.push(
                Diagnostic::error("Invalid Attribute Value")
                    .detail(format!("Attribute timeout: {e}")),
            );
        }
    }
    out
}

/// A power request as the resource and the action both make it.
pub(crate) struct PowerRequest {
    pub device_id: String,
    pub action: String,
    pub force: bool,
    pub wait: bool,
    pub timeout: Duration,
}

impl PowerRequest {
    fn from_conf(c: &Conf) -> Result<PowerRequest, Diagnostic> {
        let timeout = match c.string("timeout") {
            Some(t) => parse_timeout(&t).map_err(|e| {
                Diagnostic::error("Invalid Attribute Value")
                    .detail(format!("Attribute timeout: {e}"))
            })?,
            None => DEFAULT_WAIT_TIMEOUT,
        };
        Ok(PowerRequest {
            device_id: c.str("device_id").unwrap_or("").to_string(),
            action: c.str("power_action").unwrap_or("").to_string(),
            force: c.bool("force").unwrap_or(true),
            wait: c.bool("wait_for_completion").unwrap_or(false),
            timeout,
        })
    }
}

pub(crate) struct PowerOutcome {
    pub uuid: String,
    pub operation: &'static str,
    pub status: Option<NodeStatus>,
}

fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Resolves the device, refuses the head node, sends the operation and waits if asked.
pub(crate) async fn run(
    headnode: &dyn Headnode,
    watcher: &StatusWatcher,
    req: &PowerRequest,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<PowerOutcome, Diagnostic> {
    let Some((op, target, verb)) = operation(&req.action) else {
        return Err(Diagnostic::error("Invalid power_action").detail(format!(
            "power_action must be one of {}, got {:?}.",
            ACTIONS.join(", "),
            req.action
        )));
    };
    let id = req.device_id.as_str();
    let device = call(
        headnode,
        Request::new("cmdevice", "getNode", vec![json!(id)]),
        &format!("looking up device {id:?}"),
    )
    .await?;
    if !device.is_object() {
        return Err(Diagnostic::error("Device not found").detail(format!(
            "No device with UUID or hostname {id:?} exists on the headnode (cmdevice.getNode answered {device})."
        )));
    }
    let hostname = device
        .get("hostname")
        .and_then(Json::as_str)
        .unwrap_or(id)
        .to_string();
    if device.get("childType").and_then(Json::as_str) == Some("HeadNode") {
        return Err(Diagnostic::error("Refusing to power the head node").detail(format!(
            "{hostname} is the cluster's head node: a power operation on it would stop the headnode that carries out the operation. Power it from its BMC directly if you must."
        )));
    }
    let uuid = device
        .get("uuid")
        .and_then(Json::as_str)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            Diagnostic::error("Device has no UUID").detail(format!(
                "cmdevice.getNode({id:?}) returned a device without a uuid."
            ))
        })?
        .to_string();
    progress(&format!("{verb} {hostname} ({uuid})..."));
    let operation = PowerOperation::new(vec![uuid.clone()], op, req.force);
    let what = format!("powering {} {hostname}", op_name(op));
    let args = vec![serde_json::to_value(&operation).unwrap_or(Json::Null)];
    let answer = call(
        headnode,
        Request::new("cmdevice", "powerOperation", args),
        &what,
    )
    .await?;
    let count = answer.get("count").and_then(Json::as_u64).unwrap_or(0);
    if count == 0 {
        let messages: Vec<String> = answer
            .get("statuses")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| {
                let msg = s.get("msg").and_then(Json::as_str).unwrap_or("");
                let state = s.get("state").and_then(Json::as_str).unwrap_or("");
                (!msg.is_empty() || !state.is_empty())
                    .then(|| format!("{state} {msg}").trim().to_string())
            })
            .collect();
        let why = if messages.is_empty() {
            String::new()
        } else {
            format!(" BCM said: {}.", messages.join("; "))
        };
        return Err(Diagnostic::error("Power operation failed").detail(format!(
            "BCM did not power {} {hostname} ({uuid}): the operation acted on no device.{why}",
            op_name(op)
        )));
    }
    progress(&format!("{hostname}: power {} sent", op_name(op)));
    if !req.wait {
        return Ok(PowerOutcome {
            uuid,
            operation: op_name(op),
            status: None,
        });
    }
    progress(&format!(
        "Waiting for {hostname} to be {} (timeout {})",
        target.status(),
        human(req.timeout)
    ));
    let started = std::time::Instant::now();
    let name = hostname.clone();
    let on_change = move |s: NodeStatus| progress(&format!("{name} is {s}"));
    match watcher.wait(&uuid, target, req.timeout, &on_change).await {
        Ok(status) => {
            progress(&format!(
                "{hostname} is {status} after {}",
                human(started.elapsed())
            ));
            Ok(PowerOutcome {
                uuid,
                operation: op_name(op),
                status: Some(status),
            })
        }
        Err(WaitError::TimedOut { last, elapsed }) => {
            Err(
                Diagnostic::error("Timed out waiting for node").detail(format!(
            "{hostname} ({uuid}) did not reach {} within {}: its last status was {} after {}.",
            target.status(),
            human(req.timeout),
            last.map(|s| s.to_string()).unwrap_or_else(|| "not reported".into()),
            human(elapsed)
        )),
            )
        }
        Err(WaitError::FailureState {
            status,
            info,
            elapsed,
        }) => {
            let info = if info.is_empty() {
                String::new()
            } else {
                format!(" ({info})")
            };
            Err(
                Diagnostic::error("Node provisioning failed").detail(format!(
                    "{hostname} ({uuid}) went to {status}{info} after {} while waiting for {}.",
                    human(elapsed),
                    target.status()
                )),
            )
        }
        Err(WaitError::Poll(why)) => {
            Err(Diagnostic::error("Cannot read node status").detail(format!(
                "While waiting for {hostname} ({uuid}) to be {}: {why}",
                target.status()
            )))
        }
    }
}

/// True when the operation must be sent again: a new object, a new `power_action`, or new
/// `triggers`. Other changes (force, wait, timeout) only update the state.
fn must_send(prior: Option<&Value>, planned: &Value) -> bool {
    match prior.filter(|p| !p.is_null()) {
        None => true,
        Some(p) => {
            !raw_equals(&attr(p, "power_action"), &attr(planned, "power_action"))
                || !raw_equals(&attr(p, "triggers"), &attr(planned, "triggers"))
        }
    }
}

pub(crate) fn plan(prior: Option<&Value>, config: &Value) -> PlanResponse {
    let block = super::fields::block_of(POWER_RESOURCE);
    let prior = prior.filter(|p| !p.is_null());
    let mut planned = proposed_new(&block, prior, config);
    if attr(config, "force").is_null() {
        planned = set_attr(&planned, "force", Value::Bool(true));
    }
    if attr(config, "wait_for_completion").is_null() {
        planned = set_attr(&planned, "wait_for_completion", Value::Bool(false));
    }
    let requires_replace = vec![vec![PathStep::Attr("device_id".into())]];
    if let Some(p) = prior {
        if raw_equals(&planned, p) {
            return PlanResponse {
                planned: p.clone(),
                requires_replace,
            };
        }
    }
    if must_send(prior, &planned) {
        let op = known_str(&planned, "power_action")
            .and_then(|a| operation(&a))
            .map(|(op, _, _)| Value::from(op_name(op)))
            .unwrap_or(Value::Unknown(Type::String));
        planned = set_attr(&planned, "operation", op);
        planned = set_attr(&planned, "status", Value::Unknown(Type::String));
        planned = set_attr(&planned, "completed_at", Value::Unknown(Type::String));
        if prior.is_none() {
            planned = set_attr(&planned, "id", Value::Unknown(Type::String));
        }
    }
    PlanResponse {
        planned,
        requires_replace,
    }
}

pub(crate) async fn apply(
    headnode: &dyn Headnode,
    watcher: &StatusWatcher,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<Value, Diagnostic> {
    let conf = Conf::of(planned, POWER_RESOURCE);
    let mut state = serde_json::Map::new();
    for f in POWER_RESOURCE {
        state.insert(
            f.name.to_string(),
            conf.json(f.name).cloned().unwrap_or(Json::Null),
        );
    }
    if must_send(prior, planned) {
        let req = PowerRequest::from_conf(&conf)?;
        let log = |line: &str| {
            tracing::info!(resource = TYPE, "{line}");
            crate::provider::progress::report(line);
        };
        let outcome = run(headnode, watcher, &req, &log).await?;
        state.insert("id".into(), json!(outcome.uuid));
        state.insert("operation".into(), json!(outcome.operation));
        state.insert(
            "status".into(),
            outcome
                .status
                .map(|s| json!(s.as_str()))
                .unwrap_or(Json::Null),
        );
        state.insert(
            "completed_at".into(),
            json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        );
    } else if let Some(p) = prior {
        let prior = Conf::of(p, POWER_RESOURCE);
        for name in ["id", "operation", "status", "completed_at"] {
            state.insert(name.into(), prior.json(name).cloned().unwrap_or(Json::Null));
        }
    }
    to_value(&Json::Object(state), POWER_RESOURCE)
}

/// The action: the `config { }` block's values, progress lines to the operator.
pub(crate) async fn invoke(
    headnode: &dyn Headnode,
    watcher: &StatusWatcher,
    config: &Value,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<(), Diagnostic> {
    if let Some(d) = validate(config).into_iter().next() {
        return Err(d);
    }
    let conf = Conf::of(config, POWER_ACTION);
    let req = PowerRequest::from_conf(&conf)?;
    run(headnode, watcher, &req, progress).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_accept_seconds_and_go_durations() {
        assert_eq!(parse_timeout("600"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_timeout("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_timeout("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_timeout("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_timeout("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("ten minutes").is_err());
        assert!(parse_timeout("10d").unwrap_err().contains("unknown unit"));
        assert!(parse_timeout("").is_err());
    }

    #[test]
    fn actions_map_to_cmds_operations() {
        assert_eq!(operation("power_on").map(|o| o.0), Some(PowerOp::On));
        assert_eq!(operation("power_off").map(|o| o.1), Some(Target::Down));
        for a in ["power_cycle", "power_reset", "reset"] {
            assert_eq!(operation(a).map(|o| o.0), Some(PowerOp::Reset), "{a}");
        }
        assert!(operation("reboot").is_none());
    }
}
