//! Plans: the changes that bring recorded state to the configuration, with Terraform's actions
//! and reasons. Built by the engine, rendered by `render::plan`, applied by `exec`.

pub mod actions;
pub mod build;
pub mod expand;
pub mod import;
pub mod provisioner;
pub mod refactor;
pub mod saved;
pub mod schedule;
pub mod targeting;

use crate::addr::ResourceInstanceAddr;
use crate::value::Value;

/// What will happen to one resource instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    /// Replace by destroying first (Terraform's default), `-/+`.
    DeleteThenCreate,
    /// Replace with `create_before_destroy`, `+/-`.
    CreateThenDelete,
    Delete,
}

impl Action {
    /// The `actions` list of plan JSON.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// Why an action was chosen, when Terraform says so (`action_reason` in plan JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionReason {
    ReplaceBecauseTainted,
    ReplaceBecauseCannotUpdate,
    ReplaceByRequest,
    ReplaceByTriggers,
    DeleteBecauseNoResourceConfig,
    DeleteBecauseCountIndex,
    DeleteBecauseEachKey,
    DeleteBecauseNoModule,
    ReadBecauseConfigUnknown,
    ReadBecauseDependencyPending,
}

impl ActionReason {
    pub fn json_name(self) -> &'static str {
        match self {
            ActionReason::ReplaceBecauseTainted => "replace_because_tainted",
            ActionReason::ReplaceBecauseCannotUpdate => "replace_because_cannot_update",
            ActionReason::ReplaceByRequest => "replace_by_request",
            ActionReason::ReplaceByTriggers => "replace_by_triggers",
            ActionReason::DeleteBecauseNoResourceConfig => "delete_because_no_resource_config",
            ActionReason::DeleteBecauseCountIndex => "delete_because_count_index",
            ActionReason::DeleteBecauseEachKey => "delete_because_each_key",
            ActionReason::DeleteBecauseNoModule => "delete_because_no_module",
            ActionReason::ReadBecauseConfigUnknown => "read_because_config_unknown",
            ActionReason::ReadBecauseDependencyPending => "read_because_dependency_pending",
        }
    }
}

/// One step of a path into a value: `triggers["k"]`, `interfaces[0].mac`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    Attr(String),
    Key(String),
    Index(i64),
}

pub type AttrPath = Vec<PathStep>;

/// The planned change of one resource instance. `before`/`after` are objects of the resource
/// type's schema; `after` holds unknown values for what is known only after apply, and sensitive
/// marks where the schema or the configuration says so.
#[derive(Clone, Debug)]
pub struct ResourceChange {
    pub addr: ResourceInstanceAddr,
    /// `registry.terraform.io/hashicorp/null`, `terraform.io/builtin/terraform`, ...
    pub provider: String,
    pub action: Action,
    pub reason: Option<ActionReason>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// Attributes whose change forces replacement (`# forces replacement`).
    pub replace_paths: Vec<AttrPath>,
}

/// The planned change of a root module output.
#[derive(Clone, Debug)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

/// A whole plan.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// In Terraform's order: by address.
    pub resource_changes: Vec<ResourceChange>,
    pub output_changes: Vec<OutputChange>,
    /// A destroy plan (`-destroy`).
    pub destroy: bool,
    /// Actions that resource changes trigger (`action_trigger`), in the order they run.
    pub action_invocations: Vec<ActionInvocation>,
}

/// An action a plan invokes: by an `action_trigger` of a changed instance, or by `-invoke`.
#[derive(Clone, Debug)]
pub struct ActionInvocation {
    pub addr: actions::ActionAddr,
    /// The instance whose change triggers it; `None` for `-invoke`.
    pub triggered_by: Option<ResourceInstanceAddr>,
}

impl Plan {
    /// `(add, change, destroy)` as the summary line counts them (replacements count twice).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut add = 0;
        let mut change = 0;
        let mut destroy = 0;
        for c in &self.resource_changes {
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Delete => destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    add += 1;
                    destroy += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        (add, change, destroy)
    }

    /// True when applying would change nothing in resources or outputs.
    pub fn is_empty(&self) -> bool {
        self.resource_changes
            .iter()
            .all(|c| matches!(c.action, Action::NoOp))
            && self
                .output_changes
                .iter()
                .all(|o| matches!(o.action, Action::NoOp))
    }
}
