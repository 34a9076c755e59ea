//! The headnode's entities (devices, categories, networks, software images, partitions, kube
//! clusters), their read-back defaults and the validation cmd applies on add and update.

use crate::provider::bcm::wire::{
    Category, ChangeResult, Device, Inventory, Network, NetworkInterface, Partition, SoftwareImage,
    Validation, ZERO_MAC, ZERO_UUID,
};
use indexmap::IndexMap;
use serde_json::Value as Json;

pub const NOT_NULL: &str = "NOT_NULL";
pub const DUPLICATE_FIELD: &str = "DUPLICATE_FIELD";
pub const BAD_VALUE: &str = "BAD_VALUE";

/// Category fields cmd accepts on add/update but never returns (bcm-api.md §4).
const CATEGORY_FIELDS_NOT_RETURNED: &[&str] = &[
    "staticRoutes",
    "fsexports",
    "roles",
    "gpuSettings",
    "services",
];

/// Device fields that read back as `CATEGORY` when the device inherits them.
const INHERITED_BOOT_FIELDS: &[&str] = &["bootLoader", "bootLoaderProtocol"];

/// Entities in the order they were created, keyed by UUID, so list calls answer in a stable
/// order.
#[derive(Clone, Debug, Default)]
pub struct Store {
    devices: IndexMap<String, Device>,
    categories: IndexMap<String, Category>,
    networks: Vec<Network>,
    software_images: Vec<SoftwareImage>,
    partitions: Vec<Partition>,
    kube_clusters: Vec<Json>,
}

fn unset_uuid(uuid: &str) -> bool {
    uuid.is_empty() || uuid == ZERO_UUID
}

fn unset_mac(mac: &str) -> bool {
    mac.is_empty() || mac.eq_ignore_ascii_case(ZERO_MAC)
}

fn or_default(value: &mut String, default: &str) {
    if value.is_empty() {
        *value = default.to_string();
    }
}

fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Store {
    /// Loads an inventory, filling read-back defaults. Problems (missing or repeated UUIDs,
    /// repeated hostnames) are all reported together.
    pub fn from_inventory(inventory: Inventory, now_epoch: u64) -> Result<Store, Vec<String>> {
        let mut problems = Vec::new();
        let mut store = Store {
            networks: inventory.networks,
            software_images: inventory.software_images,
            partitions: inventory.partitions,
            kube_clusters: inventory.kube_clusters,
            ..Store::default()
        };
        let mut seen = std::collections::BTreeSet::new();
        let uuids = store
            .networks
            .iter()
            .map(|n| ("network", n.name.as_str(), n.uuid.as_str()))
            .chain(
                store
                    .software_images
                    .iter()
                    .map(|i| ("software image", i.name.as_str(), i.uuid.as_str())),
            )
            .chain(
                store
                    .partitions
                    .iter()
                    .map(|p| ("partition", p.name.as_str(), p.uuid.as_str())),
            )
            .chain(
                inventory
                    .categories
                    .iter()
                    .map(|c| ("category", c.name.as_str(), c.uuid.as_str())),
            )
            .chain(
                inventory
                    .nodes
                    .iter()
                    .map(|d| ("node", d.hostname.as_str(), d.uuid.as_str())),
            );
        for (kind, name, uuid) in uuids {
            if unset_uuid(uuid) {
                problems.push(format!("{kind} {name:?} has no uuid"));
            } else if !seen.insert(uuid.to_string()) {
                problems.push(format!("{kind} {name:?}: uuid {uuid} is used twice"));
            }
        }
        for category in inventory.categories {
            let category = store.normalize_category(category);
            store.categories.insert(category.uuid.clone(), category);
        }
        for node in inventory.nodes {
            if node.hostname.is_empty() {
                problems.push(format!("node {} has no hostname", node.uuid));
            } else if store.device(&node.hostname).is_some() {
                problems.push(format!("hostname {:?} is used twice", node.hostname));
            }
            let node = store.normalize_device(node, now_epoch);
            store.devices.insert(node.uuid.clone(), node);
        }
        if problems.is_empty() {
            Ok(store)
        } else {
            Err(problems)
        }
    }

    pub fn devices(&self) -> impl Iterator<Item = &Device> {
        self.devices.values()
    }

    /// A device by UUID or (case-insensitive) hostname.
    pub fn device(&self, key: &str) -> Option<&Device> {
        self.devices.get(key).or_else(|| {
            self.devices
                .values()
                .find(|d| d.hostname.eq_ignore_ascii_case(key))
        })
    }

    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.values()
    }

    /// A category by UUID or name.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories
            .get(key)
            .or_else(|| self.categories.values().find(|c| c.name == key))
    }

    pub fn networks(&self) -> &[Network] {
        &self.networks
    }

    pub fn network(&self, key: &str) -> Option<&Network> {
        self.networks
            .iter()
            .find(|n| n.uuid == key || n.name == key)
    }

    pub fn software_images(&self) -> &[SoftwareImage] {
        &self.software_images
    }

    pub fn software_image(&self, key: &str) -> Option<&SoftwareImage> {
        self.software_images
            .iter()
            .find(|i| i.uuid == key || i.name == key)
    }

    pub fn partitions(&self) -> &[Partition] {
        &self.partitions
    }

    pub fn kube_clusters(&self) -> &[Json] {
        &self.kube_clusters
    }

    pub fn kube_cluster(&self, key: &str) -> Option<&Json> {
        self.kube_clusters.iter().find(|k| {
            let field = |name: &str| k.get(name).and_then(Json::as_str) == Some(key);
            field("uuid") || field("name")
        })
    }

    /// What `validateDevice` answers: every finding, errors and warnings.
    pub fn validate_device(&self, device: &Device) -> Vec<Validation> {
        let mut findings = Vec::new();
        if unset_uuid(&device.uuid) {
            findings.push(Validation::error("uuid", NOT_NULL, "Zero UUID"));
        }
        if device.hostname.is_empty() {
            findings.push(Validation::error(
                "hostname",
                NOT_NULL,
                "Hostname is not set",
            ));
        } else if let Some(other) = self
            .devices
            .values()
            .find(|d| d.uuid != device.uuid && d.hostname.eq_ignore_ascii_case(&device.hostname))
        {
            findings.push(duplicate(
                "hostname",
                format!("Hostname {} is already used", device.hostname),
                other,
            ));
        }
        if !unset_mac(&device.mac) {
            if let Some(other) = self.device_using_mac(&device.mac, &device.uuid) {
                findings.push(duplicate(
                    "mac",
                    format!("MAC {} is already used by {}", device.mac, other.hostname),
                    other,
                ));
            }
        }
        for interface in &device.interfaces {
            let field = format!("interfaces[{}].mac", interface.name);
            if !unset_mac(&interface.mac) {
                if let Some(other) = self.device_using_mac(&interface.mac, &device.uuid) {
                    findings.push(duplicate(
                        &field,
                        format!(
                            "MAC {} of interface {} is already used by {}",
                            interface.mac, interface.name, other.hostname
                        ),
                        other,
                    ));
                }
            }
            if !unset_uuid(&interface.network) && self.network(&interface.network).is_none() {
                findings.push(Validation::error(
                    &format!("interfaces[{}].network", interface.name),
                    BAD_VALUE,
                    format!("No network with UUID {}", interface.network),
                ));
            }
        }
        let head_node = device.child_type == "HeadNode";
        if unset_uuid(&device.category) {
            if !head_node {
                findings.push(Validation::error(
                    "category",
                    NOT_NULL,
                    "Category is not set",
                ));
            }
        } else if !self.categories.contains_key(&device.category) {
            findings.push(Validation::error(
                "category",
                BAD_VALUE,
                format!("No category with UUID {}", device.category),
            ));
        }
        if !unset_uuid(&device.management_network)
            && self.network(&device.management_network).is_none()
        {
            findings.push(Validation::error(
                "managementNetwork",
                BAD_VALUE,
                format!("No network with UUID {}", device.management_network),
            ));
        }
        if !unset_uuid(&device.partition)
            && !self.partitions.iter().any(|p| p.uuid == device.partition)
        {
            findings.push(Validation::error(
                "partition",
                BAD_VALUE,
                format!("No partition with UUID {}", device.partition),
            ));
        }
        findings
    }

    fn device_using_mac(&self, mac: &str, except_uuid: &str) -> Option<&Device> {
        self.devices.values().find(|d| {
            d.uuid != except_uuid
                && (d.mac.eq_ignore_ascii_case(mac)
                    || d.interfaces.iter().any(|i| i.mac.eq_ignore_ascii_case(mac)))
        })
    }

    /// `addDevice`: stores the device with its read-back defaults unless validation finds an
    /// error. Returns the stored UUID on success.
    pub fn add_device(&mut self, device: Device, now_epoch: u64) -> (ChangeResult, Option<String>) {
        let mut findings = self.validate_device(&device);
        if self.devices.contains_key(&device.uuid) {
            findings.push(Validation::error(
                "uuid",
                DUPLICATE_FIELD,
                format!("A device with UUID {} exists", device.uuid),
            ));
        }
        if findings.iter().any(Validation::is_error) {
            return (rejected(findings), None);
        }
        let device = self.normalize_device(device, now_epoch);
        let uuid = device.uuid.clone();
        self.devices.insert(uuid.clone(), device);
        (accepted(findings), Some(uuid))
    }

    /// `updateDevice`: a full replace; fields the entity leaves out go back to their defaults.
    /// Only the creation time survives, because cmd owns it.
    pub fn update_device(&mut self, device: Device) -> ChangeResult {
        let Some(creation_time) = self.devices.get(&device.uuid).map(|d| d.creation_time) else {
            return rejected(vec![no_such("uuid", "device", &device.uuid)]);
        };
        let findings = self.validate_device(&device);
        if findings.iter().any(Validation::is_error) {
            return rejected(findings);
        }
        let mut updated = self.normalize_device(device, creation_time);
        updated.creation_time = creation_time;
        self.devices.insert(updated.uuid.clone(), updated);
        accepted(findings)
    }

    pub fn remove_device(&mut self, uuid: &str) -> Option<Device> {
        self.devices.shift_remove(uuid)
    }

    /// Fills what cmd fills in: zero references, `0.0.0.0`/`::0`/zero MAC, interface UUIDs,
    /// the provisioning interface and the creation time.
    pub fn normalize_device(&self, mut device: Device, now_epoch: u64) -> Device {
        or_default(&mut device.base_type, "Device");
        or_default(&mut device.child_type, "PhysicalNode");
        or_default(&mut device.mac, ZERO_MAC);
        or_default(&mut device.management_network, ZERO_UUID);
        or_default(&mut device.category, ZERO_UUID);
        if device.partition.is_empty() {
            device.partition = self
                .partitions
                .iter()
                .find(|p| p.name == "base")
                .map_or_else(|| ZERO_UUID.to_string(), |p| p.uuid.clone());
        }
        for interface in &mut device.interfaces {
            normalize_interface(interface);
        }
        for role in &mut device.roles {
            or_default(&mut role.base_type, "Role");
            if unset_uuid(&role.uuid) {
                role.uuid = new_uuid();
            }
        }
        let names_an_interface = device
            .interfaces
            .iter()
            .any(|i| i.uuid == device.provisioning_interface);
        if !names_an_interface {
            device.provisioning_interface = device
                .interfaces
                .iter()
                .find(|i| i.bootable)
                .or_else(|| device.interfaces.first())
                .map_or_else(|| ZERO_UUID.to_string(), |i| i.uuid.clone());
        }
        for field in INHERITED_BOOT_FIELDS {
            let inherited = match device.extra.get(*field) {
                None | Some(Json::Null) => true,
                Some(Json::String(s)) => s.is_empty(),
                Some(_) => false,
            };
            if inherited {
                device
                    .extra
                    .insert(field.to_string(), Json::String("CATEGORY".to_string()));
            }
        }
        if device.creation_time == 0 {
            device.creation_time = now_epoch;
        }
        device
    }

    pub fn validate_category(&self, category: &Category) -> Vec<Validation> {
        let mut findings = Vec::new();
        if unset_uuid(&category.uuid) {
            findings.push(Validation::error("uuid", NOT_NULL, "Zero UUID"));
        }
        if category.name.is_empty() {
            findings.push(Validation::error("name", NOT_NULL, "Name is not set"));
        } else if let Some(other) = self
            .categories
            .values()
            .find(|c| c.uuid != category.uuid && c.name == category.name)
        {
            findings.push(Validation {
                ref_entity_uuid: Some(other.uuid.clone()),
                ..Validation::error(
                    "name",
                    DUPLICATE_FIELD,
                    format!("Category name {} is already used", category.name),
                )
            });
        }
        if !unset_uuid(&category.management_network)
            && self.network(&category.management_network).is_none()
        {
            findings.push(Validation::error(
                "managementNetwork",
                BAD_VALUE,
                format!("No network with UUID {}", category.management_network),
            ));
        }
        if let Some(proxy) = &category.software_image_proxy {
            if !unset_uuid(&proxy.parent_software_image)
                && self.software_image(&proxy.parent_software_image).is_none()
            {
                findings.push(Validation::error(
                    "softwareImageProxy.parentSoftwareImage",
                    BAD_VALUE,
                    format!(
                        "No software image with UUID {}",
                        proxy.parent_software_image
                    ),
                ));
            }
        }
        findings
    }

    pub fn add_category(&mut self, category: Category) -> ChangeResult {
        let mut findings = self.validate_category(&category);
        if self.categories.contains_key(&category.uuid) {
            findings.push(Validation::error(
                "uuid",
                DUPLICATE_FIELD,
                format!("A category with UUID {} exists", category.uuid),
            ));
        }
        if findings.iter().any(Validation::is_error) {
            return rejected(findings);
        }
        let category = self.normalize_category(category);
        self.categories.insert(category.uuid.clone(), category);
        accepted(findings)
    }

    pub fn update_category(&mut self, category: Category) -> ChangeResult {
        if !self.categories.contains_key(&category.uuid) {
            return rejected(vec![no_such("uuid", "category", &category.uuid)]);
        }
        let findings = self.validate_category(&category);
        if findings.iter().any(Validation::is_error) {
            return rejected(findings);
        }
        let category = self.normalize_category(category);
        self.categories.insert(category.uuid.clone(), category);
        accepted(findings)
    }

    /// Removes a category no device uses.
    pub fn remove_category(&mut self, uuid: &str) -> ChangeResult {
        if !self.categories.contains_key(uuid) {
            return rejected(vec![no_such("uuid", "category", uuid)]);
        }
        let users = self.devices.values().filter(|d| d.category == uuid).count();
        if users > 0 {
            return rejected(vec![Validation::error(
                "uuid",
                BAD_VALUE,
                format!("Category is used by {users} device(s)"),
            )]);
        }
        self.categories.shift_remove(uuid);
        accepted(Vec::new())
    }

    fn normalize_category(&self, mut category: Category) -> Category {
        or_default(&mut category.base_type, "Category");
        or_default(&mut category.management_network, ZERO_UUID);
        for field in CATEGORY_FIELDS_NOT_RETURNED {
            category.extra.shift_remove(*field);
        }
        let previous_proxy_uuid = self
            .categories
            .get(&category.uuid)
            .and_then(|c| c.software_image_proxy.as_ref())
            .map(|p| p.uuid.clone());
        if let Some(proxy) = &mut category.software_image_proxy {
            or_default(&mut proxy.base_type, "SoftwareImageProxy");
            if unset_uuid(&proxy.uuid) {
                proxy.uuid = previous_proxy_uuid.unwrap_or_else(new_uuid);
            }
        }
        category
    }

    /// `addKubeCluster`: kube clusters are kept as the JSON objects they were sent as.
    pub fn add_kube_cluster(&mut self, cluster: Json) -> ChangeResult {
        let text = |name: &str| {
            cluster
                .get(name)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (uuid, name) = (text("uuid"), text("name"));
        let mut findings = Vec::new();
        if !cluster.is_object() {
            findings.push(Validation::error("", BAD_VALUE, "Not a KubeCluster entity"));
        }
        if unset_uuid(&uuid) {
            findings.push(Validation::error("uuid", NOT_NULL, "Zero UUID"));
        }
        if name.is_empty() {
            findings.push(Validation::error("name", NOT_NULL, "Name is not set"));
        } else if self.kube_cluster(&name).is_some() || self.kube_cluster(&uuid).is_some() {
            findings.push(Validation::error(
                "name",
                DUPLICATE_FIELD,
                format!("Kube cluster {name} exists"),
            ));
        }
        if !findings.is_empty() {
            return rejected(findings);
        }
        self.kube_clusters.push(cluster);
        accepted(Vec::new())
    }
}

fn normalize_interface(interface: &mut NetworkInterface) {
    or_default(&mut interface.base_type, "NetworkInterface");
    or_default(&mut interface.child_type, "NetworkPhysicalInterface");
    if unset_uuid(&interface.uuid) {
        interface.uuid = new_uuid();
    }
    or_default(&mut interface.network, ZERO_UUID);
    or_default(&mut interface.mac, ZERO_MAC);
    or_default(&mut interface.ip, "0.0.0.0");
    or_default(&mut interface.ipv6_ip, "::0");
    or_default(&mut interface.start_if, "ALWAYS");
}

fn duplicate(field: &str, message: String, other: &Device) -> Validation {
    Validation {
        ref_entity_uuid: Some(other.uuid.clone()),
        ..Validation::error(field, DUPLICATE_FIELD, message)
    }
}

fn no_such(field: &str, kind: &str, uuid: &str) -> Validation {
    Validation::error(field, BAD_VALUE, format!("No {kind} with UUID {uuid}"))
}

fn rejected(validation: Vec<Validation>) -> ChangeResult {
    ChangeResult {
        success: false,
        validation,
    }
}

fn accepted(validation: Vec<Validation>) -> ChangeResult {
    ChangeResult {
        success: true,
        validation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn demo() -> Store {
        Store::from_inventory(crate::sim::demo::inventory().unwrap(), 1_700_000_000).unwrap()
    }

    fn node(store: &Store, hostname: &str, mac: &str) -> Device {
        let category = store.category("default").unwrap().uuid.clone();
        serde_json::from_value(json!({
            "baseType": "Device", "childType": "PhysicalNode",
            "uuid": new_uuid(), "hostname": hostname, "mac": mac, "category": category,
            "interfaces": [
                {"name": "ipmi0", "childType": "NetworkBMCInterface"},
                {"name": "eth0", "mac": mac, "bootable": true, "dhcp": true},
            ],
        }))
        .unwrap()
    }

    #[test]
    fn added_devices_read_back_with_cmds_defaults() {
        let mut store = demo();
        let device = node(&store, "node001", "aa:bb:cc:00:00:01");
        let (result, uuid) = store.add_device(device, 1_700_000_123);
        assert!(result.success, "{result:?}");
        let stored = store.device(&uuid.unwrap()).unwrap().clone();
        assert_eq!(stored.management_network, ZERO_UUID);
        assert_eq!(stored.creation_time, 1_700_000_123);
        let base = store
            .partitions()
            .iter()
            .find(|p| p.name == "base")
            .unwrap();
        assert_eq!(stored.partition, base.uuid);
        let eth0 = &stored.interfaces[1];
        assert_eq!(
            (eth0.ip.as_str(), eth0.ipv6_ip.as_str()),
            ("0.0.0.0", "::0")
        );
        assert_eq!(stored.interfaces[0].mac, ZERO_MAC);
        assert_eq!(stored.interfaces[0].network, ZERO_UUID);
        assert!(!eth0.uuid.is_empty());
        assert_eq!(stored.provisioning_interface, eth0.uuid);
        assert_eq!(stored.extra["bootLoader"], json!("CATEGORY"));
        assert_eq!(store.device("NODE001").unwrap().uuid, stored.uuid);
    }

    #[test]
    fn duplicate_hostname_and_macs_are_named_by_field() {
        let mut store = demo();
        let first = node(&store, "node001", "aa:bb:cc:00:00:01");
        assert!(store.add_device(first.clone(), 1).0.success);
        let again = node(&store, "node001", "AA:BB:CC:00:00:01");
        let (result, uuid) = store.add_device(again, 1);
        assert!(!result.success);
        assert!(uuid.is_none());
        let fields: Vec<(&str, &str)> = result
            .validation
            .iter()
            .map(|v| (v.field.as_str(), v.error_code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("hostname", DUPLICATE_FIELD),
                ("mac", DUPLICATE_FIELD),
                ("interfaces[eth0].mac", DUPLICATE_FIELD)
            ]
        );
        assert_eq!(
            result.validation[1].ref_entity_uuid.as_deref(),
            Some(first.uuid.as_str())
        );
        // The device's own MAC never collides with itself on update.
        assert!(store.update_device(first).success);
    }

    #[test]
    fn zero_uuid_and_unknown_category_are_reported() {
        let store = demo();
        let mut device = node(&store, "node009", "aa:bb:cc:00:00:09");
        device.uuid = ZERO_UUID.to_string();
        device.category = new_uuid();
        let findings = store.validate_device(&device);
        let codes: Vec<(&str, &str)> = findings
            .iter()
            .map(|v| (v.field.as_str(), v.error_code.as_str()))
            .collect();
        assert_eq!(codes, [("uuid", NOT_NULL), ("category", BAD_VALUE)]);
        assert!(findings.iter().all(Validation::is_error));
    }

    #[test]
    fn update_replaces_the_whole_device_but_keeps_its_creation_time() {
        let mut store = demo();
        let mut device = node(&store, "node001", "aa:bb:cc:00:00:01");
        device
            .extra
            .insert("notes".to_string(), json!("first rack"));
        device.power_control = "ipmi0".to_string();
        let (_, uuid) = store.add_device(device.clone(), 100);
        let uuid = uuid.unwrap();
        let mut replacement = node(&store, "node001-renamed", "aa:bb:cc:00:00:01");
        replacement.uuid = uuid.clone();
        replacement.interfaces.truncate(1);
        assert!(store.update_device(replacement).success);
        let stored = store.device(&uuid).unwrap();
        assert_eq!(stored.hostname, "node001-renamed");
        assert_eq!(stored.power_control, "");
        assert!(!stored.extra.contains_key("notes"));
        assert_eq!(stored.interfaces.len(), 1);
        assert_eq!(stored.creation_time, 100);
        assert!(store.device("node001").is_none());
        // Updating a device that does not exist is refused.
        let stranger = node(&store, "node404", "aa:bb:cc:00:04:04");
        let result = store.update_device(stranger);
        assert!(!result.success);
        assert_eq!(result.validation[0].error_code, BAD_VALUE);
    }

    #[test]
    fn categories_validate_names_and_drop_fields_cmd_does_not_return() {
        let mut store = demo();
        let image = store.software_image("gpu-image").unwrap().uuid.clone();
        let category: Category = serde_json::from_value(json!({
            "uuid": new_uuid(), "name": "gpu-large",
            "softwareImageProxy": {"parentSoftwareImage": image},
            "roles": [{"name": "x"}], "staticRoutes": [], "notes": "n"
        }))
        .unwrap();
        assert!(store.add_category(category.clone()).success);
        let stored = store.category("gpu-large").unwrap();
        assert!(!stored.extra.contains_key("roles"));
        assert!(!stored.extra.contains_key("staticRoutes"));
        assert_eq!(stored.extra["notes"], json!("n"));
        assert_eq!(stored.management_network, ZERO_UUID);
        let proxy_uuid = stored.software_image_proxy.as_ref().unwrap().uuid.clone();
        assert!(!unset_uuid(&proxy_uuid));
        // The proxy keeps its UUID through an update that does not send it.
        assert!(store.update_category(category.clone()).success);
        let stored = store.category(&category.uuid).unwrap();
        assert_eq!(
            stored.software_image_proxy.as_ref().unwrap().uuid,
            proxy_uuid
        );
        let mut twin = category.clone();
        twin.uuid = new_uuid();
        let result = store.add_category(twin);
        assert_eq!(result.validation[0].error_code, DUPLICATE_FIELD);
        assert_eq!(result.validation[0].field, "name");
    }

    #[test]
    fn a_category_in_use_cannot_be_removed() {
        let mut store = demo();
        let device = node(&store, "node001", "aa:bb:cc:00:00:01");
        let category = device.category.clone();
        let (_, uuid) = store.add_device(device, 1);
        assert!(!store.remove_category(&category).success);
        store.remove_device(&uuid.unwrap());
        assert!(store.remove_category(&category).success);
        assert!(store.category(&category).is_none());
    }

    #[test]
    fn inventory_problems_are_reported_together() {
        let mut inventory = crate::sim::demo::inventory().unwrap();
        let mut twin = inventory.nodes[0].clone();
        twin.hostname = twin.hostname.to_uppercase();
        inventory.nodes.push(twin);
        inventory.networks[1].uuid = String::new();
        let problems = Store::from_inventory(inventory, 1).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
