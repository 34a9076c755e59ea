//! Providers behind one trait: schema, validation, planning a change, applying it, reading
//! data sources. Built-ins need no plugin: `terraform` (terraform_data), `null`
//! (null_resource), `external` (the external data source).

use crate::diag::Diagnostic;
use crate::plan::AttrPath;
use crate::schema::ProviderSchema;
use crate::value::Value;
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Asks a provider what applying `config` over `prior` would produce.
pub struct PlanRequest<'a> {
    pub type_name: &'a str,
    /// The current object, or `None` when the instance does not exist yet.
    pub prior: Option<&'a Value>,
    /// The configuration as an object of the schema's attributes (null where not set,
    /// unknown where not yet known).
    pub config: &'a Value,
}

pub struct PlanResponse {
    /// The object after apply, with unknown values for what only apply can tell.
    pub planned: Value,
    /// Attributes whose change cannot be made in place.
    pub requires_replace: Vec<AttrPath>,
}

/// Makes a planned change real.
pub struct ApplyRequest<'a> {
    pub type_name: &'a str,
    pub prior: Option<&'a Value>,
    /// `None` deletes the object.
    pub planned: Option<&'a Value>,
    pub config: &'a Value,
}

/// Runs an action (Terraform 1.14 `action` blocks): `config` is the evaluated `config { }`
/// block as an object of the action schema's attributes.
pub struct ActionRequest<'a> {
    pub type_name: &'a str,
    pub config: &'a Value,
    /// Progress lines for the operator ("Powering on node001...", "node001 is UP").
    pub progress: &'a (dyn Fn(&str) + Send + Sync),
}

pub trait Provider: Send + Sync {
    /// The provider's full address, e.g. `registry.terraform.io/hashicorp/null`.
    fn source(&self) -> &str;

    fn schema(&self) -> &ProviderSchema;

    /// Checks a configuration beyond what the schema says (value ranges, combinations).
    fn validate(&self, _type_name: &str, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, Diagnostic>;

    /// Returns the new object (null after a delete).
    fn apply<'a>(&'a self, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<Value, Diagnostic>>;

    /// Reads the current state of an object (refresh): the object as it is now, or `None`
    /// when it no longer exists. Providers whose objects live only in the state (the built-ins)
    /// return it unchanged.
    fn read_resource<'a>(
        &'a self,
        _type_name: &'a str,
        prior: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, Diagnostic>> {
        Box::pin(std::future::ready(Ok(Some(prior.clone()))))
    }

    /// Reads an existing object by its import ID (`import` blocks). Types that cannot be
    /// imported say so.
    fn import<'a>(
        &'a self,
        type_name: &'a str,
        _id: &'a str,
    ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(std::future::ready(Err(Diagnostic::error(
            "Resource type does not support import",
        )
        .detail(format!(
            "The provider {} does not support importing objects of type {type_name:?}.",
            self.source()
        )))))
    }

    /// Reads a data source.
    fn read_data<'a>(
        &'a self,
        type_name: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostic>>;

    /// Whether instances of `type_name` provision machines (power on, then wait until they are
    /// up), and the mode their configuration asks for. The executor schedules such instances
    /// within the headnode's provisioning slots instead of by `-parallelism`.
    fn provisioning_mode(
        &self,
        _type_name: &str,
        _config: &Value,
    ) -> Option<crate::plan::schedule::ProvisioningMode> {
        None
    }

    /// How many nodes the cluster manager can provision at once, when it says (a BCM head
    /// node's provisioning role). Best effort: `None` when unknown or unreachable.
    fn provisioning_slots(&self) -> BoxFuture<'_, Option<usize>> {
        Box::pin(std::future::ready(None))
    }

    /// Invokes an action. Providers without actions say so.
    fn invoke_action<'a>(
        &'a self,
        req: ActionRequest<'a>,
    ) -> BoxFuture<'a, Result<(), Diagnostic>> {
        Box::pin(std::future::ready(Err(Diagnostic::error(
            "Unsupported action type",
        )
        .detail(format!(
            "The provider {} has no action {:?}.",
            self.source(),
            req.type_name
        )))))
    }
}
pub mod bcm;
pub mod builtin;
pub mod ipmi;
pub mod local_exec;
pub mod progress;

use std::collections::BTreeMap;
use std::sync::Arc;

/// The providers a run can use, by source address, and how resource types map to them.
#[derive(Default, Clone)]
pub struct ProviderRegistry {
    by_source: BTreeMap<String, Arc<dyn Provider>>,
}

impl ProviderRegistry {
    pub fn new() -> ProviderRegistry {
        ProviderRegistry::default()
    }

    /// Every provider of the run.
    pub fn providers(&self) -> impl Iterator<Item = &Arc<dyn Provider>> {
        self.by_source.values()
    }

    pub fn add(&mut self, provider: Arc<dyn Provider>) {
        self.by_source
            .insert(provider.source().to_string(), provider);
    }

    /// The provider of a resource or data source type, by Terraform's implied-provider rule
    /// (the type name's prefix before the first `_`), or an error naming the type.
    pub fn for_type(
        &self,
        type_name: &str,
        span: crate::diag::Span,
    ) -> Result<&Arc<dyn Provider>, Diagnostic> {
        let local = type_name.split('_').next().unwrap_or(type_name);
        self.by_source
            .values()
            .find(|p| {
                let s = p.schema();
                let short = p.source().rsplit('/').next().unwrap_or("");
                short == local
                    && (s.resource_schemas.contains_key(type_name)
                        || s.data_source_schemas.contains_key(type_name)
                        || s.action_schemas.contains_key(type_name))
            })
            .ok_or_else(|| {
                Diagnostic::error("Unsupported resource type")
                    .detail(format!(
                        "bcmhcl has no provider for the resource type {type_name:?}. Built-in providers: {}.",
                        self.by_source.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                    .at(span)
            })
    }
}
