//! The built-in `bcmhcl/ipmi` provider: the `ipmi_power` resource, a power switch that is
//! pressed only when asked (on create, and when `action` or `triggers` change), through the
//! native RMCP+ client of `provider::ipmi`.

use super::{attrs_of, get, resource_schema, schema_of, IPMI};
use crate::diag::Diagnostic;
use crate::plan::PathStep;
use crate::provider::ipmi::{
    power, wait_for_power_state, IpmiOptions, IpmiTarget, PowerAction, PowerState, Privilege,
    Secret, DEFAULT_PORT,
};
use crate::provider::{ApplyRequest, BoxFuture, PlanRequest, PlanResponse, Provider};
use crate::schema::{proposed_new, raw_equals, ProviderSchema};
use crate::value::{Type, Value};
use std::time::Duration;

/// The whole operation's bound when `timeout` is not set.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How often `wait_for_state` asks for the chassis status.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

pub struct IpmiProvider {
    schema: &'static ProviderSchema,
    options: IpmiOptions,
    poll_interval: Duration,
}

impl IpmiProvider {
    pub fn new() -> IpmiProvider {
        IpmiProvider {
            schema: schema_of(IPMI),
            options: IpmiOptions::default(),
            poll_interval: POLL_INTERVAL,
        }
    }
}

impl Default for IpmiProvider {
    fn default() -> Self {
        IpmiProvider::new()
    }
}

impl Provider for IpmiProvider {
    fn source(&self) -> &str {
        IPMI
    }

    /// BMC power operations are provisioning operations: scheduled within the slots, and
    /// one at a time with `-provisioning-mode=sequential`.
    fn provisioning_mode(
        &self,
        type_name: &str,
        _config: &Value,
    ) -> Option<crate::plan::schedule::ProvisioningMode> {
        (type_name == "ipmi_power").then_some(crate::plan::schedule::ProvisioningMode::Parallel)
    }

    fn schema(&self) -> &ProviderSchema {
        self.schema
    }

    fn validate(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        if type_name != "ipmi_power" {
            return Vec::new();
        }
        let mut problems = Vec::new();
        let invalid = |attribute: &str, detail: String| {
            Diagnostic::error("Invalid Attribute Value").detail(format!("{attribute}: {detail}"))
        };
        let action = get(config, "action");
        let action = action.as_str().map(str::parse::<PowerAction>);
        if let Some(Err(why)) = &action {
            problems.push(invalid("action", why.clone()));
        }
        let wait = get(config, "wait_for_state");
        let wait = wait.as_str().map(str::parse::<PowerState>);
        if let Some(Err(why)) = &wait {
            problems.push(invalid("wait_for_state", why.clone()));
        }
        if let (Some(Ok(action)), Some(Ok(state))) = (&action, &wait) {
            if end_state(*action) != *state {
                problems.push(invalid(
                    "wait_for_state",
                    format!(
                        "action {action:?} never leaves the power {state}",
                        action = action.to_string()
                    ),
                ));
            }
        }
        if let Some(Err(why)) = get(config, "privilege")
            .as_str()
            .map(str::parse::<Privilege>)
        {
            problems.push(invalid("privilege", why));
        }
        if let Some(n) = get(config, "port").as_number() {
            if !matches!(n.to_i64(), Some(1..=65535)) {
                problems.push(invalid(
                    "port",
                    format!("{n} is not a port number (1 to 65535)"),
                ));
            }
        }
        if let Some(n) = get(config, "timeout").as_number() {
            if !(n.to_f64() > 0.0 && n.to_f64() < 86_400.0) {
                problems.push(invalid(
                    "timeout",
                    format!("{n} is not a positive number of seconds below a day"),
                ));
            }
        }
        problems
    }

    /// - `host` or `port` changed: another BMC, so the object is replaced (which sends once);
    /// - created, or `action` or `triggers` changed: `power_state` becomes unknown, which is
    ///   what tells apply to send the action;
    /// - anything else (credentials, `timeout`, `wait_for_state`): stored, nothing is sent.
    fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, Diagnostic> {
        let block = &resource_schema(self.schema, IPMI, req.type_name)?.block;
        let mut prior = req.prior.filter(|p| !p.is_null());
        let mut requires_replace = Vec::new();
        if let Some(p) = prior {
            let mut port = get(req.config, "port");
            if port.is_null() {
                port = Value::int(DEFAULT_PORT.into());
            }
            for (name, configured) in [("host", get(req.config, "host")), ("port", port)] {
                if !raw_equals(&get(p, name), &configured) {
                    requires_replace.push(vec![PathStep::Attr(name.into())]);
                }
            }
            if !requires_replace.is_empty() {
                prior = None;
            }
        }
        let mut planned = attrs_of(&proposed_new(block, prior, req.config));
        if get(req.config, "port").is_null() {
            planned.insert("port".into(), Value::int(DEFAULT_PORT.into()));
        }
        let sends = match prior {
            None => true,
            Some(p) => ["action", "triggers"]
                .iter()
                .any(|name| !raw_equals(&get(p, name), &get(req.config, name))),
        };
        if sends {
            planned.insert("power_state".into(), Value::Unknown(Type::String));
        }
        if prior.is_none() {
            planned.insert("id".into(), Value::Unknown(Type::String));
        }
        Ok(PlanResponse {
            planned: Value::object(planned),
            requires_replace,
        })
    }

    /// Sends the action when the plan left `power_state` unknown; destroying sends nothing.
    fn apply<'a>(&'a self, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            let block = &resource_schema(self.schema, IPMI, req.type_name)?.block;
            let Some(planned) = req.planned.filter(|p| !p.is_null()) else {
                return Ok(Value::Null(block.implied_type()));
            };
            let mut out = attrs_of(planned);
            let address = format!(
                "{}:{}",
                get(planned, "host").as_str().unwrap_or("?"),
                get(planned, "port")
                    .as_number()
                    .and_then(|n| n.to_i64())
                    .unwrap_or(DEFAULT_PORT.into())
            );
            if !get(planned, "id").is_known() {
                out.insert("id".into(), Value::string(address.clone()));
            }
            if get(planned, "power_state").is_known() {
                return Ok(Value::object(out));
            }
            let order = PowerOrder::from_planned(planned)?;
            let state = self.send(&order).await.map_err(|detail| {
                Diagnostic::error("IPMI power action failed").detail(format!(
                    "Sending power {} to the BMC {}: {detail}",
                    order.action,
                    order.target.address()
                ))
            })?;
            out.insert("power_state".into(), Value::string(state.to_string()));
            Ok(Value::object(out))
        })
    }

    fn read_data<'a>(
        &'a self,
        type_name: &'a str,
        _config: &'a Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(std::future::ready(Err(Diagnostic::error(
            "Invalid data source",
        )
        .detail(format!(
            "The provider {IPMI} has no data source {type_name:?}."
        )))))
    }
}

/// The state an action leaves the chassis in, once it has taken effect.
fn end_state(action: PowerAction) -> PowerState {
    match action {
        PowerAction::On | PowerAction::Cycle | PowerAction::Reset => PowerState::On,
        PowerAction::Off | PowerAction::Soft => PowerState::Off,
    }
}

/// The configured attributes apply reads.
const INPUTS: [&str; 9] = [
    "host",
    "port",
    "username",
    "password",
    "privilege",
    "action",
    "wait_for_state",
    "timeout",
    "triggers",
];

/// What apply sends, read from the planned object.
struct PowerOrder {
    target: IpmiTarget,
    action: PowerAction,
    wait_for_state: Option<PowerState>,
    timeout: Duration,
}

impl PowerOrder {
    fn from_planned(planned: &Value) -> Result<PowerOrder, Diagnostic> {
        let (plain, _) = planned.unmark_deep();
        let unknown: Vec<&str> = INPUTS
            .into_iter()
            .filter(|name| !get(&plain, name).is_wholly_known())
            .collect();
        if !unknown.is_empty() {
            return Err(Diagnostic::error("Provider produced invalid object").detail(format!(
                "ipmi_power still has unknown values during apply ({}), so the BMC cannot be contacted.",
                unknown.join(", ")
            )));
        }
        let text = |name: &str| get(&plain, name).as_str().map(str::to_string);
        let invalid =
            |what: String| Diagnostic::error("Invalid ipmi_power configuration").detail(what);
        let host = text("host").ok_or_else(|| invalid("host is not set".into()))?;
        let port = get(&plain, "port")
            .as_number()
            .and_then(|n| n.to_i64())
            .and_then(|n| u16::try_from(n).ok())
            .unwrap_or(DEFAULT_PORT);
        let action = text("action")
            .ok_or_else(|| invalid("action is not set".into()))?
            .parse::<PowerAction>()
            .map_err(invalid)?;
        let wait_for_state = text("wait_for_state")
            .map(|s| s.parse::<PowerState>())
            .transpose()
            .map_err(invalid)?;
        let privilege = text("privilege")
            .map(|s| s.parse::<Privilege>())
            .transpose()
            .map_err(invalid)?
            .unwrap_or_default();
        let timeout = get(&plain, "timeout")
            .as_number()
            .and_then(|n| Duration::try_from_secs_f64(n.to_f64()).ok())
            .filter(|d| !d.is_zero())
            .unwrap_or(DEFAULT_TIMEOUT);
        Ok(PowerOrder {
            target: IpmiTarget {
                host,
                port,
                username: text("username").unwrap_or_default(),
                password: Secret::new(text("password").unwrap_or_default()),
                privilege,
            },
            action,
            wait_for_state,
            timeout,
        })
    }
}

impl IpmiProvider {
    /// Sends the action once (no retry of the action itself beyond the protocol's
    /// retransmissions), then waits for the wanted state, all within the order's timeout.
    async fn send(&self, order: &PowerOrder) -> Result<PowerState, String> {
        let started = tokio::time::Instant::now();
        let sent = tokio::time::timeout(
            order.timeout,
            power(&order.target, order.action, &self.options),
        )
        .await
        .map_err(|_| {
            format!(
                "no result within the timeout of {} s",
                order.timeout.as_secs_f64()
            )
        })?
        .map_err(|e| e.to_string())?;
        let Some(wanted) = order.wait_for_state else {
            return Ok(sent);
        };
        if sent == wanted && matches!(order.action, PowerAction::On | PowerAction::Off) {
            return Ok(sent);
        }
        let left = order.timeout.saturating_sub(started.elapsed());
        wait_for_power_state(
            &order.target,
            wanted,
            left,
            self.poll_interval,
            &self.options,
        )
        .await
        .map_err(|e| match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ipmi::test_sim::{SimBmc, PASSWORD, USER};
    use crate::value::Attrs;
    use std::sync::Arc;

    fn provider() -> IpmiProvider {
        IpmiProvider {
            poll_interval: Duration::from_millis(200),
            ..IpmiProvider::new()
        }
    }

    /// A configuration object of every schema attribute: `set` ones given, the rest null.
    fn config(bmc: &SimBmc, set: &[(&str, Value)]) -> Value {
        let block = &provider().schema.resource_schemas["ipmi_power"].block;
        let mut attrs: Attrs = block
            .attributes
            .iter()
            .map(|(name, a)| (Arc::from(name.as_str()), Value::Null(a.ty.clone())))
            .collect();
        attrs.insert("host".into(), Value::string(bmc.host.clone()));
        attrs.insert("port".into(), Value::int(bmc.port.into()));
        attrs.insert("username".into(), Value::string(USER));
        attrs.insert("password".into(), Value::string(PASSWORD).mark_sensitive());
        for (name, value) in set {
            attrs.insert(Arc::from(*name), value.clone());
        }
        Value::object(attrs)
    }

    fn triggers(value: &str) -> Value {
        Value::map(
            Type::String,
            [(Arc::from("rev"), Value::string(value))]
                .into_iter()
                .collect(),
        )
    }

    fn plan(prior: Option<&Value>, config: &Value) -> PlanResponse {
        provider()
            .plan(PlanRequest {
                type_name: "ipmi_power",
                prior,
                config,
            })
            .unwrap()
    }

    async fn apply(
        prior: Option<&Value>,
        planned: Option<&Value>,
        config: &Value,
    ) -> Result<Value, Diagnostic> {
        provider()
            .apply(ApplyRequest {
                type_name: "ipmi_power",
                prior,
                planned,
                config,
            })
            .await
    }

    /// Plans and applies `config` over `prior`, returning the new object.
    async fn converge(prior: Option<&Value>, config: &Value) -> Value {
        let planned = plan(prior, config).planned;
        apply(prior, Some(&planned), config).await.unwrap()
    }

    fn power_state(v: &Value) -> Option<String> {
        get(v, "power_state").as_str().map(str::to_string)
    }

    #[tokio::test]
    async fn creating_sends_the_action_and_records_the_state() {
        let bmc = SimBmc::start();
        let cfg = config(&bmc, &[("action", "on".into())]);
        let planned = plan(None, &cfg).planned;
        assert!(!get(&planned, "power_state").is_known());
        assert!(!get(&planned, "id").is_known());
        let after = apply(None, Some(&planned), &cfg).await.unwrap();
        assert!(bmc.power_is_on());
        assert_eq!(power_state(&after).as_deref(), Some("on"));
        assert_eq!(get(&after, "id").as_str(), Some(bmc.address().as_str()));
        assert!(get(&after, "password").is_sensitive());
    }

    #[tokio::test]
    async fn the_port_defaults_to_623() {
        let bmc = SimBmc::start();
        let mut cfg = attrs_of(&config(&bmc, &[("action", "on".into())]));
        cfg.insert("port".into(), Value::Null(Type::Number));
        let planned = plan(None, &Value::object(cfg)).planned;
        assert_eq!(
            get(&planned, "port").as_number().and_then(|n| n.to_i64()),
            Some(623)
        );
    }

    #[tokio::test]
    async fn an_unchanged_configuration_plans_no_change_and_sends_nothing() {
        let bmc = SimBmc::start();
        let cfg = config(&bmc, &[("action", "on".into())]);
        let prior = converge(None, &cfg).await;
        let again = plan(Some(&prior), &cfg);
        assert!(again.requires_replace.is_empty());
        assert!(
            raw_equals(&again.planned, &prior),
            "{} vs {prior}",
            again.planned
        );
        // Someone switched the machine off by hand: an unchanged resource leaves it alone.
        bmc.set_power(false);
        let after = apply(Some(&prior), Some(&again.planned), &cfg)
            .await
            .unwrap();
        assert!(!bmc.power_is_on());
        assert_eq!(power_state(&after).as_deref(), Some("on"));
    }

    #[tokio::test]
    async fn changing_the_action_or_the_triggers_sends_once() {
        let bmc = SimBmc::start();
        let on = config(
            &bmc,
            &[("action", "on".into()), ("triggers", triggers("1"))],
        );
        let prior = converge(None, &on).await;
        assert!(bmc.power_is_on());

        let off = config(
            &bmc,
            &[("action", "off".into()), ("triggers", triggers("1"))],
        );
        let change = plan(Some(&prior), &off);
        assert!(change.requires_replace.is_empty(), "an in-place update");
        let prior = apply(Some(&prior), Some(&change.planned), &off)
            .await
            .unwrap();
        assert!(!bmc.power_is_on());
        assert_eq!(power_state(&prior).as_deref(), Some("off"));

        bmc.set_power(true);
        let off_again = config(
            &bmc,
            &[("action", "off".into()), ("triggers", triggers("2"))],
        );
        let prior = converge(Some(&prior), &off_again).await;
        assert!(!bmc.power_is_on());

        bmc.set_power(true);
        let planned = plan(Some(&prior), &off_again).planned;
        apply(Some(&prior), Some(&planned), &off_again)
            .await
            .unwrap();
        assert!(
            bmc.power_is_on(),
            "an unchanged trigger must not send again"
        );
    }

    #[tokio::test]
    async fn changing_credentials_or_timeouts_sends_nothing() {
        let bmc = SimBmc::start();
        let cfg = config(&bmc, &[("action", "on".into())]);
        let prior = converge(None, &cfg).await;
        bmc.set_power(false);
        let changed = config(
            &bmc,
            &[
                ("action", "on".into()),
                ("timeout", Value::int(30)),
                ("privilege", "OPERATOR".into()),
                ("wait_for_state", "on".into()),
            ],
        );
        let planned = plan(Some(&prior), &changed).planned;
        assert!(get(&planned, "power_state").is_known());
        apply(Some(&prior), Some(&planned), &changed).await.unwrap();
        assert!(!bmc.power_is_on());
    }

    #[tokio::test]
    async fn another_host_or_port_replaces_the_object() {
        let bmc = SimBmc::start();
        let cfg = config(&bmc, &[("action", "on".into())]);
        let prior = converge(None, &cfg).await;
        let mut moved = attrs_of(&cfg);
        moved.insert("port".into(), Value::int(i64::from(bmc.port) + 1));
        let change = plan(Some(&prior), &Value::object(moved));
        assert_eq!(
            change.requires_replace,
            vec![vec![PathStep::Attr("port".into())]]
        );
        assert!(!get(&change.planned, "power_state").is_known());
    }

    #[tokio::test]
    async fn destroying_sends_nothing() {
        let bmc = SimBmc::start();
        let cfg = config(&bmc, &[("action", "on".into())]);
        let prior = converge(None, &cfg).await;
        bmc.set_power(false);
        let after = apply(Some(&prior), None, &cfg).await.unwrap();
        assert!(after.is_null());
        assert!(!bmc.power_is_on());
    }

    #[tokio::test]
    async fn wait_for_state_polls_until_a_cycle_has_powered_on_again() {
        let bmc = SimBmc::start();
        bmc.set_power(true);
        let cfg = config(
            &bmc,
            &[
                ("action", "cycle".into()),
                ("wait_for_state", "on".into()),
                ("timeout", Value::int(10)),
            ],
        );
        let started = std::time::Instant::now();
        let after = converge(None, &cfg).await;
        // ipmi_sim reports off at once and on about a second later.
        assert!(
            started.elapsed() >= Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(power_state(&after).as_deref(), Some("on"));
        assert!(bmc.power_is_on());
    }

    #[tokio::test]
    async fn wait_for_state_gives_up_at_the_timeout() {
        let bmc = SimBmc::start();
        let cfg = config(
            &bmc,
            &[
                ("action", "on".into()),
                ("wait_for_state", "on".into()),
                ("timeout", Value::int(2)),
            ],
        );
        // The BMC accepts the command, but a broken hook keeps the chassis off.
        std::fs::write(
            bmc.dir().join("chassis.sh"),
            "#!/bin/sh\n[ \"$2\" = get ] && echo power:0\nexit 0\n",
        )
        .unwrap();
        let started = std::time::Instant::now();
        let planned = plan(None, &cfg).planned;
        let error = apply(None, Some(&planned), &cfg).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        let text = format!("{error:?}");
        assert!(text.contains("did not become on within"), "{text}");
    }

    #[tokio::test]
    async fn a_wrong_password_fails_the_apply_without_showing_it() {
        let bmc = SimBmc::start();
        let cfg = config(
            &bmc,
            &[
                ("action", "on".into()),
                ("password", Value::string("Sup3r-Wrong").mark_sensitive()),
            ],
        );
        let planned = plan(None, &cfg).planned;
        let error = apply(None, Some(&planned), &cfg).await.unwrap_err();
        let text = format!("{error:?}");
        assert!(text.contains("wrong credentials"), "{text}");
        assert!(text.contains(&bmc.address()), "{text}");
        assert!(!text.contains("Sup3r-Wrong"), "{text}");
        assert!(!bmc.power_is_on());
    }

    #[test]
    fn validation_rejects_unknown_names_and_contradictions() {
        let bmc_less = |set: &[(&str, Value)]| {
            let mut attrs: Attrs = set
                .iter()
                .map(|(k, v)| (Arc::from(*k), v.clone()))
                .collect();
            attrs.entry("action".into()).or_insert("on".into());
            provider().validate("ipmi_power", &Value::object(attrs))
        };
        assert!(bmc_less(&[]).is_empty());
        assert!(
            bmc_less(&[("action", "soft".into()), ("wait_for_state", "off".into())]).is_empty()
        );
        for bad in [
            vec![("action", Value::from("status"))],
            vec![("action", "off".into()), ("wait_for_state", "on".into())],
            vec![("wait_for_state", "up".into())],
            vec![("privilege", "USER".into())],
            vec![("port", Value::int(0))],
            vec![("timeout", Value::int(-1))],
        ] {
            let problems = bmc_less(&bad);
            assert_eq!(problems.len(), 1, "{bad:?}: {problems:?}");
        }
        assert!(provider()
            .validate("ipmi_power", &Value::object(Attrs::new()))
            .is_empty());
    }
}
