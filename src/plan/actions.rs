//! Terraform 1.14 actions: `action "TYPE" "NAME" { config { ... } }` blocks, their instances
//! (`count`/`for_each`), and the `lifecycle { action_trigger { events, actions } }` blocks of
//! resources that invoke them after a create or update.
//!
//! Actions are evaluated when the module's walk has finished, so their configuration sees the
//! final values of the resources it names (the device a power action acts on). Triggered
//! actions therefore run after every resource of their module is applied, not interleaved
//! with them as Terraform does; the order among the triggered actions follows the triggering
//! instances' order.

use super::build::Walk;
use super::expand::{expand_count, expand_for_each, Expansion};
use super::Action as ChangeAction;
use crate::addr::{InstanceKey, ModuleInstance};
use crate::config::{Action, Expr, Resource};
use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::provider::ProviderRegistry;
use crate::schema::decode::{decode_body, BodyOrigin};
use crate::value::Value;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Body, Structure};
use std::fmt;

/// `action.TYPE.NAME[KEY]` in module `module`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionAddr {
    pub module: ModuleInstance,
    pub type_name: String,
    pub name: String,
    pub key: InstanceKey,
}

impl fmt::Display for ActionAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let module = self.module.to_string();
        if !module.is_empty() {
            write!(f, "{module}.")?;
        }
        write!(f, "action.{}.{}{}", self.type_name, self.name, self.key)
    }
}

impl ActionAddr {
    /// Whether `pattern` (`action.T.N` or `action.T.N[KEY]`, as `-invoke` takes it) names this
    /// action instance.
    pub fn matches(&self, pattern: &str) -> bool {
        let whole = ActionAddr {
            key: InstanceKey::None,
            ..self.clone()
        };
        pattern == self.to_string() || pattern == whole.to_string()
    }
}

/// One action instance, ready to invoke.
#[derive(Clone, Debug)]
pub struct ActionInstance {
    pub addr: ActionAddr,
    pub provider: String,
    /// The `config { }` block as an object of the action schema's attributes.
    pub config: Value,
    pub span: Span,
}

/// The events of an `action_trigger` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerEvent {
    BeforeCreate,
    AfterCreate,
    BeforeUpdate,
    AfterUpdate,
}

impl TriggerEvent {
    fn parse(name: &str) -> Option<TriggerEvent> {
        match name {
            "before_create" => Some(TriggerEvent::BeforeCreate),
            "after_create" => Some(TriggerEvent::AfterCreate),
            "before_update" => Some(TriggerEvent::BeforeUpdate),
            "after_update" => Some(TriggerEvent::AfterUpdate),
            _ => None,
        }
    }

    /// Whether a change with this action fires the event (replacements create).
    fn fired_by(self, action: ChangeAction) -> bool {
        match self {
            TriggerEvent::BeforeCreate | TriggerEvent::AfterCreate => {
                matches!(action, ChangeAction::Create) || action.is_replace()
            }
            TriggerEvent::BeforeUpdate | TriggerEvent::AfterUpdate => {
                action == ChangeAction::Update
            }
        }
    }
}

/// An `action_trigger` block: when `events` happen to an instance (and `condition` holds),
/// the `actions` run.
#[derive(Clone, Debug)]
pub struct ActionTrigger {
    pub events: Vec<TriggerEvent>,
    pub condition: Option<Expr>,
    /// `action.T.N`, with the index expression of `action.T.N[each.key]` when there is one.
    pub actions: Vec<(String, String, Option<Expr>, Span)>,
    pub span: Span,
}

/// Reads a resource's `action_trigger` blocks; events and action references are keywords and
/// traversals, not values, so they are read from the syntax.
pub fn triggers_of(r: &Resource) -> Result<Vec<ActionTrigger>, Diagnostic> {
    r.lifecycle
        .action_triggers
        .iter()
        .map(|body| read_trigger(body, r.file, r.span))
        .collect()
}

fn read_trigger(body: &Body, file: FileId, header: Span) -> Result<ActionTrigger, Diagnostic> {
    use hcl_edit::Span as _;
    let span_of = |e: &Expression| Span::new(file, e.span().unwrap_or(0..0));
    let mut trigger = ActionTrigger {
        events: Vec::new(),
        condition: None,
        actions: Vec::new(),
        span: header,
    };
    for s in body.iter() {
        let Structure::Attribute(a) = s else {
            continue;
        };
        match a.key.value().as_str() {
            "events" => {
                for e in array_items(&a.value) {
                    let event = match e {
                        Expression::Variable(v) => TriggerEvent::parse(v.value().as_str()),
                        _ => None,
                    };
                    trigger.events.push(event.ok_or_else(|| {
                        Diagnostic::error("Invalid event value")
                            .detail("The events of an action_trigger are before_create, after_create, before_update and after_update.")
                            .at(span_of(e))
                    })?);
                }
            }
            "condition" => trigger.condition = Some(Expr::new(file, a.value.clone())),
            "actions" => {
                for e in array_items(&a.value) {
                    trigger.actions.push(action_reference(e, file).ok_or_else(|| {
                        Diagnostic::error("Invalid action reference")
                            .detail("An action_trigger names actions as action.TYPE.NAME, optionally with an index such as action.TYPE.NAME[each.key].")
                            .at(span_of(e))
                    })?);
                }
            }
            other => {
                return Err(Diagnostic::error("Unsupported argument")
                    .detail(format!(
                        "An argument named {other:?} is not expected in an action_trigger block."
                    ))
                    .at(Span::new(file, a.key.span().unwrap_or(0..0))))
            }
        }
    }
    if trigger.events.is_empty() || trigger.actions.is_empty() {
        return Err(Diagnostic::error("Incomplete action_trigger")
            .detail("An action_trigger block needs both events and actions.")
            .at(header));
    }
    Ok(trigger)
}

fn array_items(e: &Expression) -> Vec<&Expression> {
    match e {
        Expression::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn action_reference(e: &Expression, file: FileId) -> Option<(String, String, Option<Expr>, Span)> {
    use hcl_edit::Span as _;
    let Expression::Traversal(t) = e else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    if root.value().as_str() != "action" {
        return None;
    }
    let mut names = Vec::new();
    let mut index = None;
    for op in &t.operators {
        match op.value() {
            TraversalOperator::GetAttr(a) if names.len() < 2 => {
                names.push(a.value().as_str().to_string())
            }
            TraversalOperator::Index(i) if names.len() == 2 && index.is_none() => {
                index = Some(Expr::new(file, i.clone()))
            }
            TraversalOperator::LegacyIndex(i) if names.len() == 2 && index.is_none() => {
                index = Some(Expr::new(
                    file,
                    Expression::Number(hcl_edit::Formatted::new((**i).into())),
                ))
            }
            _ => return None,
        }
    }
    let [type_name, name] = <[String; 2]>::try_from(names).ok()?;
    Some((
        type_name,
        name,
        index,
        Span::new(file, e.span().unwrap_or(0..0)),
    ))
}

/// Evaluates every instance of `action` with the walk's current values.
pub fn evaluate_action(
    walk: &Walk,
    action: &Action,
    module: &ModuleInstance,
    providers: &ProviderRegistry,
    sources: &SourceMap,
) -> Result<Vec<ActionInstance>, Vec<Diagnostic>> {
    let provider = providers
        .for_type(&action.type_name, action.span)
        .map_err(|d| vec![d])?;
    let Some(schema) = provider.schema().action_schemas.get(&action.type_name) else {
        return Err(vec![Diagnostic::error("Unsupported action type")
            .detail(format!(
                "The provider {} has no action {:?}.",
                provider.source(),
                action.type_name
            ))
            .at(action.span)]);
    };
    let expansion = if let Some(c) = &action.count {
        expand_count(&walk.eval(c, &[]).map_err(|d| vec![d])?, c.span()).map_err(|d| vec![d])?
    } else if let Some(f) = &action.for_each {
        expand_for_each(&walk.eval(f, &[]).map_err(|d| vec![d])?, f.span()).map_err(|d| vec![d])?
    } else {
        Expansion::Single
    };
    let context = format!("action {:?} {:?}", action.type_name, action.name);
    let empty = Body::default();
    let body = action.config.as_deref().unwrap_or(&empty);
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for key in expansion.keys() {
        let bindings = expansion.bindings(&key);
        let eval = |e: &Expr| walk.eval(e, &bindings);
        let origin = BodyOrigin {
            file: action.file,
            header: action.span,
            context: &context,
            sources,
        };
        let (config, ds) = decode_body(body, &origin, &schema.block, &eval);
        let bad = ds.iter().any(|d| d.is_error());
        diags.extend(ds);
        if bad {
            continue;
        }
        out.push(ActionInstance {
            addr: ActionAddr {
                module: module.clone(),
                type_name: action.type_name.clone(),
                name: action.name.clone(),
                key,
            },
            provider: provider.source().to_string(),
            config,
            span: action.span,
        });
    }
    if diags.iter().any(|d| d.is_error()) {
        return Err(diags);
    }
    Ok(out)
}

/// The action instances a trigger names for one triggering instance (its `each`/`count`
/// bindings evaluate an index such as `action.T.N[each.key]`).
pub fn triggered_addresses(
    walk: &Walk,
    trigger: &ActionTrigger,
    module: &ModuleInstance,
    bindings: &[(&'static str, Value)],
    action: ChangeAction,
) -> Result<Vec<ActionAddr>, Diagnostic> {
    if !trigger.events.iter().any(|e| e.fired_by(action)) {
        return Ok(Vec::new());
    }
    if let Some(c) = &trigger.condition {
        match walk.eval(c, bindings)? {
            Value::Bool(true) => {}
            Value::Bool(false) => return Ok(Vec::new()),
            _ => {
                return Err(Diagnostic::error("Invalid condition value")
                    .detail("The condition of an action_trigger must be true or false.")
                    .at(c.span()))
            }
        }
    }
    let mut out = Vec::new();
    for (type_name, name, index, span) in &trigger.actions {
        let key = match index {
            None => InstanceKey::None,
            Some(e) => match walk.eval(e, bindings)? {
                Value::String(s) => InstanceKey::Str(s.to_string()),
                Value::Number(n) => match n.to_i64() {
                    Some(i) => InstanceKey::Int(i),
                    None => {
                        return Err(Diagnostic::error("Invalid action index")
                            .detail("An action instance index must be a whole number or a string.")
                            .at(*span))
                    }
                },
                _ => {
                    return Err(Diagnostic::error("Invalid action index")
                        .detail("An action instance index must be a whole number or a string.")
                        .at(*span))
                }
            },
        };
        out.push(ActionAddr {
            module: module.clone(),
            type_name: type_name.clone(),
            name: name.clone(),
            key,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_trigger(src: &str) -> Result<ActionTrigger, Diagnostic> {
        let body: Body = src.parse().unwrap();
        read_trigger(&body, FileId::default(), Span::default())
    }

    #[test]
    fn events_and_indexed_action_references_are_read_from_the_syntax() {
        let t = parse_trigger(
            "events = [after_create, after_update]\nactions = [action.bcm_cmdevice_power.on[each.key], action.x.y]\n",
        )
        .unwrap();
        assert_eq!(
            t.events,
            vec![TriggerEvent::AfterCreate, TriggerEvent::AfterUpdate]
        );
        assert_eq!(t.actions.len(), 2);
        assert_eq!(t.actions[0].0, "bcm_cmdevice_power");
        assert_eq!(t.actions[0].1, "on");
        assert!(t.actions[0].2.is_some());
        assert!(t.actions[1].2.is_none());
    }

    #[test]
    fn unknown_events_and_non_action_references_are_errors() {
        let e = parse_trigger("events = [after_destroy]\nactions = [action.x.y]\n").unwrap_err();
        assert_eq!(e.summary, "Invalid event value");
        let e =
            parse_trigger("events = [after_create]\nactions = [null_resource.x]\n").unwrap_err();
        assert_eq!(e.summary, "Invalid action reference");
        let e = parse_trigger("events = [after_create]\n").unwrap_err();
        assert_eq!(e.summary, "Incomplete action_trigger");
    }

    #[test]
    fn replacements_fire_create_events_and_updates_fire_update_events() {
        assert!(TriggerEvent::AfterCreate.fired_by(ChangeAction::Create));
        assert!(TriggerEvent::AfterCreate.fired_by(ChangeAction::DeleteThenCreate));
        assert!(!TriggerEvent::AfterCreate.fired_by(ChangeAction::Update));
        assert!(TriggerEvent::AfterUpdate.fired_by(ChangeAction::Update));
        assert!(!TriggerEvent::AfterUpdate.fired_by(ChangeAction::NoOp));
    }

    #[test]
    fn invoke_patterns_name_an_action_or_one_instance() {
        let a = ActionAddr {
            module: ModuleInstance::root(),
            type_name: "bcm_cmdevice_power".into(),
            name: "on".into(),
            key: InstanceKey::Str("n1".into()),
        };
        assert_eq!(a.to_string(), "action.bcm_cmdevice_power.on[\"n1\"]");
        assert!(a.matches("action.bcm_cmdevice_power.on"));
        assert!(a.matches("action.bcm_cmdevice_power.on[\"n1\"]"));
        assert!(!a.matches("action.bcm_cmdevice_power.on[\"n2\"]"));
        assert!(!a.matches("action.bcm_cmdevice_power.off"));
    }
}
