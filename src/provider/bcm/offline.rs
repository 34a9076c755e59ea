//! `OfflineInventory`: a `Headnode` that answers the provider's list and get calls from an
//! inventory file (`bcmhcl inventory export`), so that data sources and refresh work without a
//! headnode; every change is refused.

use super::client::Headnode;
use super::error::BcmError;
use super::wire::{Inventory, Request};
use crate::diag::Diagnostic;
use crate::provider::BoxFuture;
use serde_json::Value as Json;
use std::path::Path;

pub const OFFLINE_REFUSAL: &str =
    "offline inventory: bcmhcl cannot change the headnode; run without -inventory";

/// The inventory as the API would answer it (entities serialised once).
pub struct OfflineInventory {
    nodes: Vec<Json>,
    categories: Vec<Json>,
    software_images: Vec<Json>,
    partitions: Vec<Json>,
    networks: Vec<Json>,
    kube_clusters: Vec<Json>,
}

fn to_json<T: serde::Serialize>(items: &[T]) -> Vec<Json> {
    items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

impl OfflineInventory {
    pub fn new(inventory: Inventory) -> OfflineInventory {
        OfflineInventory {
            nodes: to_json(&inventory.nodes),
            categories: to_json(&inventory.categories),
            software_images: to_json(&inventory.software_images),
            partitions: to_json(&inventory.partitions),
            networks: to_json(&inventory.networks),
            kube_clusters: inventory.kube_clusters,
        }
    }

    /// Reads an inventory file (the JSON of `wire::Inventory`).
    pub fn load(path: &Path) -> Result<Inventory, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error("Cannot read the inventory file")
                .detail(format!("{}: {e}", path.display()))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Diagnostic::error("Invalid inventory file").detail(format!(
                "{}: {e}; an inventory is what `bcmhcl inventory export` writes.",
                path.display()
            ))
        })
    }

    fn answer(&self, req: &Request) -> Result<Json, BcmError> {
        let args = req.arguments();
        let key = args.first().and_then(Json::as_str).unwrap_or("");
        let list = |items: &[Json]| Ok(Json::Array(items.to_vec()));
        let find = |items: &[Json], fields: &[&str]| {
            Ok(items
                .iter()
                .find(|e| {
                    fields
                        .iter()
                        .any(|f| e.get(*f).and_then(Json::as_str) == Some(key))
                })
                .cloned()
                .unwrap_or(Json::Null))
        };
        match req.method().as_str() {
            "cmdevice.getNodes" | "cmdevice.getDevices" => list(&self.nodes),
            "cmdevice.getDevice" | "cmdevice.getNode" => find(&self.nodes, &["uuid", "hostname"]),
            "cmdevice.getCategories" => list(&self.categories),
            "cmdevice.getCategory" => find(&self.categories, &["name", "uuid"]),
            "cmpart.getSoftwareImages" => list(&self.software_images),
            "cmpart.getSoftwareImage" => find(&self.software_images, &["name", "uuid"]),
            "cmpart.getPartitions" => list(&self.partitions),
            "cmnet.getNetworks" => list(&self.networks),
            "cmkube.getKubeClusters" => list(&self.kube_clusters),
            "cmstatus.getStatusForDevices" => Err(BcmError::Cmd(
                "offline inventory: no live device status; run without -inventory".to_string(),
            )),
            m if req.call.starts_with("get") => Err(BcmError::Cmd(format!(
                "offline inventory cannot answer {m}"
            ))),
            _ => Err(BcmError::Refused(OFFLINE_REFUSAL.to_string())),
        }
    }
}

impl Headnode for OfflineInventory {
    fn call(&self, req: Request) -> BoxFuture<'_, Result<Json, BcmError>> {
        let answer = self.answer(&req);
        Box::pin(std::future::ready(answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::bcm::wire::{Device, Network};
    use serde_json::json;

    fn inventory() -> OfflineInventory {
        OfflineInventory::new(Inventory {
            nodes: vec![Device {
                uuid: "u1".into(),
                hostname: "node001".into(),
                child_type: "PhysicalNode".into(),
                ..Device::default()
            }],
            networks: vec![Network {
                uuid: "n1".into(),
                name: "internalnet".into(),
                ..Network::default()
            }],
            ..Inventory::default()
        })
    }

    #[tokio::test]
    async fn reads_come_from_the_inventory() {
        let inv = inventory();
        let nodes = inv
            .call(Request::new("cmdevice", "getNodes", vec![]))
            .await
            .unwrap();
        assert_eq!(nodes[0]["hostname"], "node001");
        let by_name = inv
            .call(Request::new(
                "cmdevice",
                "getDevice",
                vec![json!("node001")],
            ))
            .await
            .unwrap();
        assert_eq!(by_name["uuid"], "u1");
        let missing = inv
            .call(Request::new("cmdevice", "getDevice", vec![json!("nope")]))
            .await
            .unwrap();
        assert_eq!(missing, Json::Null);
        let nets = inv
            .call(Request::new("cmnet", "getNetworks", vec![]))
            .await
            .unwrap();
        assert_eq!(nets[0]["name"], "internalnet");
    }

    #[tokio::test]
    async fn changes_are_refused_with_the_reason() {
        let inv = inventory();
        for (service, call) in [
            ("cmdevice", "addDevice"),
            ("cmdevice", "removeDevice"),
            ("cmdevice", "powerOperation"),
            ("CMDevice", "validateDevice"),
        ] {
            let err = inv
                .call(Request::new(service, call, vec![json!({})]))
                .await
                .unwrap_err();
            assert_eq!(err.to_string(), OFFLINE_REFUSAL, "{call}");
        }
    }
}
