//! The BCM provider (`hashi-demo-lab/bcm`), built in: the headnode client, the resources
//! `bcm_cmdevice_device`, `bcm_cmdevice_category`, `bcm_cmdevice_power`, the data sources, and
//! the `bcm_cmdevice_power` action.

mod category;
pub mod client;
mod data;
mod device;
pub mod error;
mod fields;
#[cfg(test)]
mod flow_tests;
pub mod offline;
mod power;
mod secret;
pub mod settings;
mod status;
pub mod wire;

pub use client::{Headnode, HttpHeadnode};
pub use error::BcmError;
pub use offline::OfflineInventory;
pub use power::{parse_timeout, DEFAULT_WAIT_TIMEOUT};
pub use secret::Secret;
pub use settings::BcmSettings;

use crate::diag::Diagnostic;
use crate::provider::{
    ActionRequest, ApplyRequest, BoxFuture, PlanRequest, PlanResponse, Provider,
};
use crate::schema::{builtin_schema, ProviderSchema};
use crate::value::{Attrs, Value};
use fields::{opt, Field, B, N, S};
use serde_json::Value as Json;
use status::StatusWatcher;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wire::Request;

/// The provider's registry address, as modules name it (`hashi-demo-lab/bcm`).
pub const SOURCE: &str = "registry.terraform.io/hashi-demo-lab/bcm";

/// The `provider "bcm"` block: the real provider's five arguments and bcmhcl's client-
/// certificate extension.
pub(crate) const PROVIDER: &[Field] = &[
    opt("endpoint", S, "BCM API endpoint: base URL with scheme and port, e.g. https://10.141.255.254:8081. Can also be set with BCM_ENDPOINT."),
    opt("username", S, "Username for session login. Can also be set with BCM_USERNAME."),
    opt("password", S, "Password for session login. Can also be set with BCM_PASSWORD.").sensitive(),
    opt("insecure_skip_verify", B, "Skip TLS certificate verification (the headnode's certificate is self-signed). Default: false."),
    opt("timeout", N, "Request timeout in seconds. Default: 30."),
    opt("client_certificate", S, "bcmhcl extension: PEM client certificate for mutual TLS instead of a login (BCM's ~/.cm/admin.pem). Can also be set with BCM_CLIENT_CERT."),
    opt("client_key", S, "bcmhcl extension: PEM private key of client_certificate (BCM's ~/.cm/admin.key). Can also be set with BCM_CLIENT_KEY."),
    opt("ca_certificate", S, "bcmhcl extension: PEM CA bundle that signed the headnode's certificate. Can also be set with BCM_CA_CERT."),
];

/// Resource types: name, table, description.
pub(crate) const RESOURCES: &[(&str, &[Field], &str)] = &[
    (device::TYPE, device::DEVICE, "Manages a BCM device (compute node) in the cluster."),
    (category::TYPE, category::CATEGORY, "Manages a BCM device category."),
    (power::TYPE, power::POWER_RESOURCE, "Sends a power operation to a node through the headnode (BMC/IPMI), once per change of power_action or triggers, and optionally waits until the node is UP or DOWN."),
];

/// Action types: name, table, description.
pub(crate) const ACTIONS: &[(&str, &[Field], &str)] = &[(
    power::TYPE,
    power::POWER_ACTION,
    "Power on, off or reset a node through the headnode; refuses the head node.",
)];

/// The headnode the provider talks to, and its shared status poller.
struct Backend {
    headnode: Arc<dyn Headnode>,
    watcher: StatusWatcher,
}

pub struct BcmProvider {
    schema: &'static ProviderSchema,
    backend: Option<Backend>,
}

fn embedded_schema() -> &'static ProviderSchema {
    static EMPTY: OnceLock<ProviderSchema> = OnceLock::new();
    builtin_schema(SOURCE).unwrap_or_else(|| EMPTY.get_or_init(ProviderSchema::default))
}

impl BcmProvider {
    /// A provider for a live headnode. Nothing is read or contacted until the first call.
    pub fn new(settings: BcmSettings) -> BcmProvider {
        let interval = settings.status_poll_interval;
        BcmProvider::with_headnode(Arc::new(HttpHeadnode::new(settings)), interval)
    }

    /// A provider that answers reads from an inventory and refuses every change.
    pub fn offline(inventory: wire::Inventory) -> BcmProvider {
        BcmProvider::with_headnode(
            Arc::new(OfflineInventory::new(inventory)),
            settings::DEFAULT_STATUS_POLL_INTERVAL,
        )
    }

    /// A provider without configuration: schema and validation work, every call fails with
    /// "provider bcm is not configured".
    pub fn unconfigured() -> BcmProvider {
        BcmProvider {
            schema: embedded_schema(),
            backend: None,
        }
    }

    /// A provider over any transport (a simulator, a recording, a test double).
    pub fn with_headnode(
        headnode: Arc<dyn Headnode>,
        status_poll_interval: Duration,
    ) -> BcmProvider {
        BcmProvider {
            schema: embedded_schema(),
            backend: Some(Backend {
                watcher: StatusWatcher::new(headnode.clone(), status_poll_interval),
                headnode,
            }),
        }
    }

    pub fn is_configured(&self) -> bool {
        self.backend.is_some()
    }

    fn backend(&self) -> Result<&Backend, Diagnostic> {
        self.backend
            .as_ref()
            .ok_or_else(|| BcmError::NotConfigured.to_diagnostic("using the BCM provider"))
    }

    /// Reads everything the data sources and the simulator's inventory hold: images, networks,
    /// categories, partitions, nodes and Kubernetes clusters (headnodes without cmkube give
    /// none).
    pub async fn export_inventory(&self) -> Result<wire::Inventory, Diagnostic> {
        let b = self.backend()?;
        let head = b.headnode.as_ref();
        async fn list<T: serde::de::DeserializeOwned>(
            head: &dyn Headnode,
            service: &str,
            call_name: &str,
        ) -> Result<Vec<T>, Diagnostic> {
            let v = call(
                head,
                Request::new(service, call_name, vec![]),
                &format!("exporting {service}.{call_name}"),
            )
            .await?;
            serde_json::from_value(v).map_err(|e| {
                Diagnostic::error("Unable to parse BCM API response")
                    .detail(format!("{service}.{call_name}: {e}"))
            })
        }
        let kube_clusters = match head
            .call(Request::new("cmkube", "getKubeClusters", vec![]))
            .await
        {
            Ok(Json::Array(items)) => items,
            Ok(_) | Err(BcmError::Cmd(_) | BcmError::Http { .. }) => Vec::new(),
            Err(e) => return Err(e.to_diagnostic("exporting cmkube.getKubeClusters")),
        };
        Ok(wire::Inventory {
            software_images: list(head, "CMPart", "getSoftwareImages").await?,
            networks: list(head, "cmnet", "getNetworks").await?,
            categories: list(head, "cmdevice", "getCategories").await?,
            partitions: list(head, "CMPart", "getPartitions").await?,
            nodes: list(head, "cmdevice", "getNodes").await?,
            kube_clusters,
        })
    }

    fn unsupported(&self, kind: &str, type_name: &str) -> Diagnostic {
        Diagnostic::error(format!("Invalid {kind}")).detail(format!(
            "The provider {SOURCE} does not support {kind} {type_name:?}."
        ))
    }

    fn null_of(&self, type_name: &str) -> Value {
        self.schema
            .resource_schemas
            .get(type_name)
            .map(|s| Value::Null(s.block.implied_type()))
            .unwrap_or(Value::NULL)
    }
}

impl Provider for BcmProvider {
    fn source(&self) -> &str {
        SOURCE
    }

    /// The head node's provisioning role: `provisioningSlots` (or `maxProvisioningNodes`).
    fn provisioning_slots(&self) -> BoxFuture<'_, Option<usize>> {
        Box::pin(async move {
            let b = self.backend().ok()?;
            let heads = b
                .headnode
                .call(Request::new("cmdevice", "getHeadNodes", vec![]))
                .await
                .ok()?;
            heads
                .as_array()?
                .iter()
                .flat_map(|h| {
                    h.get("roles")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                })
                .filter(|r| r.get("childType").and_then(Json::as_str) == Some("ProvisioningRole"))
                .filter_map(|r| {
                    r.get("provisioningSlots")
                        .or_else(|| r.get("maxProvisioningNodes"))
                        .and_then(Json::as_u64)
                })
                .filter(|n| *n > 0)
                .min()
                .and_then(|n| usize::try_from(n).ok())
        })
    }

    /// Power resources provision nodes: scheduled in the slots, in the mode they ask for.
    fn provisioning_mode(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Option<crate::plan::schedule::ProvisioningMode> {
        if type_name != power::TYPE {
            return None;
        }
        let asked = config
            .as_attrs()
            .and_then(|a| a.get("provisioning_mode"))
            .and_then(|v| v.as_str().map(str::to_string));
        Some(
            asked
                .and_then(|m| crate::plan::schedule::ProvisioningMode::parse(&m))
                .unwrap_or_default(),
        )
    }

    fn schema(&self) -> &ProviderSchema {
        self.schema
    }

    fn validate(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        match type_name {
            device::TYPE => device::validate(config),
            category::TYPE => category::validate(config),
            power::TYPE => power::validate(config),
            _ => Vec::new(),
        }
    }

    fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, Diagnostic> {
        let problems = self.validate(req.type_name, req.config);
        if let Some(first) = problems.into_iter().find(Diagnostic::is_error) {
            return Err(first);
        }
        match req.type_name {
            device::TYPE => Ok(device::plan(req.prior, req.config)),
            category::TYPE => Ok(category::plan(req.prior, req.config)),
            power::TYPE => Ok(power::plan(req.prior, req.config)),
            other => Err(self.unsupported("resource type", other)),
        }
    }

    fn apply<'a>(&'a self, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            if !RESOURCES.iter().any(|(n, _, _)| *n == req.type_name) {
                return Err(self.unsupported("resource type", req.type_name));
            }
            let planned = req.planned.filter(|p| !p.is_null());
            let prior = req.prior.filter(|p| !p.is_null());
            // Forgetting a power resource sends nothing.
            if req.type_name == power::TYPE && planned.is_none() {
                return Ok(self.null_of(req.type_name));
            }
            let b = self.backend()?;
            let head = b.headnode.as_ref();
            match (req.type_name, planned, prior) {
                (_, None, None) => Ok(self.null_of(req.type_name)),
                (device::TYPE, None, Some(p)) => device::delete(head, p)
                    .await
                    .map(|_| self.null_of(device::TYPE)),
                (device::TYPE, Some(planned), prior) => device::apply(head, prior, planned).await,
                (category::TYPE, None, Some(p)) => category::delete(head, p)
                    .await
                    .map(|_| self.null_of(category::TYPE)),
                (category::TYPE, Some(planned), prior) => {
                    category::apply(head, prior, planned).await
                }
                (_, Some(planned), prior) => power::apply(head, &b.watcher, prior, planned).await,
                (_, None, Some(_)) => Ok(self.null_of(req.type_name)),
            }
        })
    }

    fn read_resource<'a>(
        &'a self,
        type_name: &'a str,
        prior: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, Diagnostic>> {
        Box::pin(async move {
            match type_name {
                device::TYPE => device::read(self.backend()?.headnode.as_ref(), prior).await,
                category::TYPE => category::read(self.backend()?.headnode.as_ref(), prior).await,
                // A power operation is an event: its state is what was sent, never re-polled.
                power::TYPE => Ok(Some(prior.clone())),
                other => Err(self.unsupported("resource type", other)),
            }
        })
    }

    fn import<'a>(
        &'a self,
        type_name: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            match type_name {
                device::TYPE => device::import(self.backend()?.headnode.as_ref(), id).await,
                category::TYPE => category::import(self.backend()?.headnode.as_ref(), id).await,
                _ => Err(Diagnostic::error("Resource type does not support import").detail(format!(
                    "The provider {SOURCE} does not support importing objects of type {type_name:?}."
                ))),
            }
        })
    }

    fn read_data<'a>(
        &'a self,
        type_name: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            if !data::DATA_SOURCES.iter().any(|(n, _, _)| *n == type_name) {
                return Err(self.unsupported("data source", type_name));
            }
            data::read(self.backend()?.headnode.as_ref(), type_name, config).await
        })
    }

    fn invoke_action<'a>(
        &'a self,
        req: ActionRequest<'a>,
    ) -> BoxFuture<'a, Result<(), Diagnostic>> {
        Box::pin(async move {
            if req.type_name != power::TYPE {
                return Err(self.unsupported("action type", req.type_name));
            }
            let b = self.backend()?;
            power::invoke(b.headnode.as_ref(), &b.watcher, req.config, req.progress).await
        })
    }
}

/// This provider's schema in the shape of `terraform providers schema -json`, as the code
/// declares it (`schema/bcm.json` is this document; a test keeps the two equal).
pub fn schema_json() -> Json {
    let group = |types: &[(&str, &[Field], &str)]| -> Json {
        Json::Object(
            types
                .iter()
                .map(|(name, fields, d)| {
                    (
                        name.to_string(),
                        serde_json::json!({"version": 0, "block": fields::block_json(fields, d)}),
                    )
                })
                .collect(),
        )
    };
    serde_json::json!({
        "format_version": "1.0",
        "provider_schemas": {
            SOURCE: {
                "provider": {"version": 0, "block": fields::block_json(PROVIDER, "The BCM (NVIDIA Base Command Manager) headnode's JSON API.")},
                "resource_schemas": group(RESOURCES),
                "data_source_schemas": group(data::DATA_SOURCES),
                "action_schemas": group(ACTIONS),
            }
        }
    })
}

// ---- Helpers shared by the resource modules ----

/// The attribute `name` of an object value, or null.
pub(crate) fn attr(v: &Value, name: &str) -> Value {
    v.as_attrs()
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::NULL)
}

/// A known, non-null string attribute.
pub(crate) fn known_str(v: &Value, name: &str) -> Option<String> {
    attr(v, name).as_str().map(str::to_string)
}

/// The object with attribute `name` replaced (marks of the object kept).
pub(crate) fn set_attr(v: &Value, name: &str, new: Value) -> Value {
    match v {
        Value::Sensitive(inner) => set_attr(inner, name, new).mark_sensitive(),
        Value::Object(a) => {
            let mut out: Attrs = (**a).clone();
            out.insert(name.into(), new);
            Value::object(out)
        }
        other => other.clone(),
    }
}

/// One call, its failure as a diagnostic about `what`.
pub(crate) async fn call(
    headnode: &dyn Headnode,
    req: Request,
    what: &str,
) -> Result<Json, Diagnostic> {
    headnode.call(req).await.map_err(|e| e.to_diagnostic(what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Block, Nesting};

    fn compare(path: &str, file: &Block, code: &Block) {
        let names = |b: &Block| -> Vec<String> { b.attributes.keys().cloned().collect() };
        assert_eq!(names(file), names(code), "{path}: attribute names");
        for (name, a) in &file.attributes {
            let c = &code.attributes[name];
            assert_eq!(a.ty, c.ty, "{path}.{name}: type");
            assert_eq!(
                (
                    a.required,
                    a.optional,
                    a.computed,
                    a.sensitive,
                    a.requires_replace
                ),
                (
                    c.required,
                    c.optional,
                    c.computed,
                    c.sensitive,
                    c.requires_replace
                ),
                "{path}.{name}: flags"
            );
        }
        let blocks = |b: &Block| -> Vec<String> { b.block_types.keys().cloned().collect() };
        assert_eq!(blocks(file), blocks(code), "{path}: block types");
        for (name, nb) in &file.block_types {
            let c = &code.block_types[name];
            assert_eq!(nb.nesting, c.nesting, "{path}.{name}: nesting");
            compare(&format!("{path}.{name}"), &nb.block, &c.block);
        }
    }

    #[test]
    fn the_schema_file_agrees_with_the_code() {
        let document = serde_json::to_string_pretty(&schema_json()).unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/bcm.json");
        if std::env::var_os("BCMHCL_WRITE_SCHEMA").is_some() {
            std::fs::write(path, &document).unwrap();
        }
        let schema = builtin_schema(SOURCE).expect("schema/bcm.json is embedded and parses");
        compare("provider", &schema.provider, &fields::block_of(PROVIDER));
        for (kind, from_file, from_code) in [
            ("resource", &schema.resource_schemas, RESOURCES),
            (
                "data source",
                &schema.data_source_schemas,
                data::DATA_SOURCES,
            ),
            ("action", &schema.action_schemas, ACTIONS),
        ] {
            let file_names: Vec<&String> = from_file.keys().collect();
            let mut code_names: Vec<&str> = from_code.iter().map(|(n, _, _)| *n).collect();
            code_names.sort();
            assert_eq!(file_names, code_names, "{kind} types");
            for (name, fields, _) in from_code {
                compare(
                    &format!("{kind} {name}"),
                    &from_file[*name].block,
                    &fields::block_of(fields),
                );
            }
        }
        let on_disk = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            on_disk, document,
            "schema/bcm.json is stale: run BCMHCL_WRITE_SCHEMA=1 cargo test the_schema_file_agrees"
        );
    }

    #[test]
    fn the_provider_answers_with_its_embedded_schema_and_the_seeds_types() {
        let p = BcmProvider::unconfigured();
        assert!(std::ptr::eq(p.schema(), builtin_schema(SOURCE).unwrap()));
        let s = p.schema();
        assert!(s.provider.attributes["password"].sensitive);
        assert_eq!(
            s.resource_schemas["bcm_cmdevice_device"].block.block_types["interfaces"].nesting,
            Nesting::List
        );
        assert!(!s.data_source_schemas["bcm_cmdevice_nodes"]
            .block
            .attributes
            .contains_key("state"));
        assert!(!s.data_source_schemas["bcm_cmpart_softwareimages"]
            .block
            .attributes
            .contains_key("name"));
        assert!(
            s.resource_schemas["bcm_cmdevice_power"].block.attributes["device_id"].requires_replace
        );
        assert!(s.action_schemas.contains_key("bcm_cmdevice_power"));
        let mut registry = crate::provider::ProviderRegistry::new();
        registry.add(Arc::new(BcmProvider::unconfigured()));
        for t in [
            "bcm_cmdevice_device",
            "bcm_cmnet_networks",
            "bcm_cmdevice_power",
        ] {
            assert_eq!(
                registry.for_type(t, Default::default()).unwrap().source(),
                SOURCE
            );
        }
    }

    #[tokio::test]
    async fn an_unconfigured_provider_validates_but_calls_fail_with_the_reason() {
        let p = BcmProvider::unconfigured();
        let cfg = data::config_with(data::NODES, &[]);
        assert!(p.validate("bcm_cmdevice_nodes", &cfg).is_empty());
        let err = p.read_data("bcm_cmdevice_nodes", &cfg).await.unwrap_err();
        assert!(
            err.to_string().contains("provider bcm is not configured"),
            "{err}"
        );
        assert!(err.to_string().contains("BCM_ENDPOINT"), "{err}");
        let err = p
            .import("bcm_cmdevice_device", "node001")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not configured"), "{err}");
    }

    #[tokio::test]
    async fn an_offline_provider_reads_exports_and_refuses_changes() {
        let inventory = data::tests::sample_inventory();
        let p = BcmProvider::offline(inventory.clone());
        assert_eq!(p.export_inventory().await.unwrap(), inventory);
        let nodes = p
            .read_data("bcm_cmdevice_nodes", &data::config_with(data::NODES, &[]))
            .await
            .unwrap();
        assert_eq!(attr(&nodes, "nodes").length(), Some(3));
        let imported = p.import("bcm_cmdevice_device", "node001").await.unwrap();
        assert_eq!(known_str(&imported, "uuid").as_deref(), Some("n-1"));
        let cfg = data::config_with(
            device::DEVICE,
            &[
                ("hostname", serde_json::json!("node009")),
                (
                    "category",
                    serde_json::json!("6f2c1f4e-0c55-4c1a-9d8e-1d2f3a4b5c6d"),
                ),
                (
                    "partition",
                    serde_json::json!("0b7e2a11-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
                ),
                (
                    "interfaces",
                    serde_json::json!([{"name": "eth0", "type": "physical", "network": null, "mac": "aa:bb:cc:dd:ee:09",
                        "ip": null, "ipv6_ip": null, "dhcp": null, "bootable": null, "start_if": null, "members": null,
                        "bond_mode": null, "uuid": null, "base_type": null, "child_type": null, "cardtype": null}]),
                ),
            ],
        );
        let planned = p
            .plan(PlanRequest {
                type_name: device::TYPE,
                prior: None,
                config: &cfg,
            })
            .unwrap()
            .planned;
        let err = p
            .apply(ApplyRequest {
                type_name: device::TYPE,
                prior: None,
                planned: Some(&planned),
                config: &cfg,
            })
            .await
            .unwrap_err();
        assert!(err.detail.contains(offline::OFFLINE_REFUSAL), "{err}");
        let progress = |_: &str| {};
        let action = data::config_with(
            power::POWER_ACTION,
            &[
                ("device_id", serde_json::json!("node001")),
                ("power_action", serde_json::json!("power_on")),
            ],
        );
        let err = p
            .invoke_action(ActionRequest {
                type_name: power::TYPE,
                config: &action,
                progress: &progress,
            })
            .await
            .unwrap_err();
        assert!(err.detail.contains(offline::OFFLINE_REFUSAL), "{err}");
    }
}
