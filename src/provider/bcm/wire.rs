//! The BCM headnode's JSON API on the wire (`../shared/docs/bcm-api.md` §2–§4): the request
//! envelope, validation results, power operations, device status and the entities, in the
//! camelCase shapes cmd sends. The client (`provider::bcm`) and the simulator (`sim`) both use
//! these types, so the two cannot drift apart.
//!
//! Entities keep every field they do not name in `extra`, because real headnodes return many
//! more fields than the provider uses and `updateDevice` replaces the whole entity: what was
//! read must be sent back unchanged.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// `POST {endpoint}/json`.
pub const JSON_PATH: &str = "/json";
/// The session cookie set by a successful login.
pub const LOGIN_COOKIE: &str = "cm-login-token";
/// cmd's "no reference" UUID, as read back for unset references.
pub const ZERO_UUID: &str = "00000000-0000-0000-0000-000000000000";
/// A MAC that is not set.
pub const ZERO_MAC: &str = "00:00:00:00:00:00";

/// One call: `{"service": S, "call": M, "args": [...]}`. Older clients send one scalar
/// `"arg"` instead of `"args"`; login sends `{"service":"login","username":U,"password":P}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Request {
    pub service: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub call: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl Request {
    pub fn new(service: &str, call: &str, args: Vec<Json>) -> Request {
        Request {
            service: service.to_string(),
            call: call.to_string(),
            args,
            ..Request::default()
        }
    }

    pub fn login(username: &str, password: &str) -> Request {
        Request {
            service: "login".to_string(),
            username: Some(username.to_string()),
            password: Some(password.to_string()),
            ..Request::default()
        }
    }

    /// The arguments whichever way they were sent (`args`, or the single `arg`).
    pub fn arguments(&self) -> Vec<Json> {
        match (&self.arg, self.args.is_empty()) {
            (Some(a), true) => vec![a.clone()],
            _ => self.args.clone(),
        }
    }

    /// `service.call` with the service lower-cased, as cmd matches it (`CMDevice` = `cmdevice`).
    pub fn method(&self) -> String {
        format!("{}.{}", self.service.to_ascii_lowercase(), self.call)
    }
}

/// One finding of `validate*` or of a rejected add/update.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Validation {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub message: String,
    /// `BAD_VALUE`, `DUPLICATE_FIELD`, `NOT_NULL`, ...
    #[serde(default)]
    pub error_code: String,
    /// `ERROR` or `WARNING`.
    #[serde(default)]
    pub severity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_entity_uuid: Option<String>,
}

impl Validation {
    pub fn error(field: &str, code: &str, message: impl Into<String>) -> Validation {
        Validation {
            field: field.to_string(),
            message: message.into(),
            error_code: code.to_string(),
            severity: "ERROR".to_string(),
            ref_entity_uuid: None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity.eq_ignore_ascii_case("ERROR")
    }
}

/// The answer to `add*` / `update*`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChangeResult {
    pub success: bool,
    #[serde(default)]
    pub validation: Vec<Validation>,
}

/// cmd's own error answer: HTTP 200 with `{"errormessage": "..."}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ErrorMessage {
    pub errormessage: String,
}

/// `PowerOperation.operation`. cmd has no `CYCLE`; a power cycle is `RESET`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum PowerOp {
    On,
    Off,
    Reset,
    Status,
    Auxcycle,
}

/// The argument of `cmdevice.powerOperation`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PowerOperation {
    #[serde(default = "power_operation_base_type")]
    pub base_type: String,
    pub devices: Vec<String>,
    pub operation: PowerOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

fn power_operation_base_type() -> String {
    "PowerOperation".to_string()
}

impl PowerOperation {
    pub fn new(devices: Vec<String>, operation: PowerOp, force: bool) -> PowerOperation {
        PowerOperation {
            base_type: power_operation_base_type(),
            devices,
            operation,
            force: Some(force),
            extra: Map::new(),
        }
    }
}

/// One device's power state after a power operation (pythoncm `PowerStatus`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PowerStatus {
    pub device: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub msg: String,
}

/// The answer to `cmdevice.powerOperation`: success is judged by `count != 0`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PowerOperationResult {
    pub count: u64,
    #[serde(default)]
    pub statuses: Vec<PowerStatus>,
}

/// A device's provisioning status (`DeviceStatus.status`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NodeStatus {
    Up,
    Down,
    Pending,
    Booting,
    Installing,
    InstallerFailed,
    InstallerRebooting,
    #[serde(rename = "INSTALLER_CALLINGINIT", alias = "INSTALLER_CALLING_INIT")]
    InstallerCallingInit,
    InstallerUnreachable,
    GoingDown,
    #[serde(other)]
    Undefined,
}

impl NodeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::Up => "UP",
            NodeStatus::Down => "DOWN",
            NodeStatus::Pending => "PENDING",
            NodeStatus::Booting => "BOOTING",
            NodeStatus::Installing => "INSTALLING",
            NodeStatus::InstallerFailed => "INSTALLER_FAILED",
            NodeStatus::InstallerRebooting => "INSTALLER_REBOOTING",
            NodeStatus::InstallerCallingInit => "INSTALLER_CALLINGINIT",
            NodeStatus::InstallerUnreachable => "INSTALLER_UNREACHABLE",
            NodeStatus::GoingDown => "GOING_DOWN",
            NodeStatus::Undefined => "UNDEFINED",
        }
    }

    /// A state a wait for UP or DOWN ends in without reaching it.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            NodeStatus::InstallerFailed | NodeStatus::InstallerUnreachable
        )
    }
}

impl std::fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One element of `cmstatus.getStatusForDevices([[uuid, ...]])`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeviceStatus {
    #[serde(rename = "ref_device_uuid")]
    pub ref_device_uuid: String,
    pub status: NodeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_status: Option<NodeStatus>,
    #[serde(default)]
    pub reported_status_timestamp: u64,
    #[serde(default)]
    pub closed: bool,
    #[serde(default)]
    pub provisioning_failed: bool,
    #[serde(default)]
    pub info_message: String,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// A role object as devices carry it (`ProvisioningRole`, `KubeletRole`, ...).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    #[serde(default = "role_base_type")]
    pub base_type: String,
    #[serde(default)]
    pub child_type: String,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub name: String,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

fn role_base_type() -> String {
    "Role".to_string()
}

/// A device's network interface.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInterface {
    #[serde(default = "interface_base_type")]
    pub base_type: String,
    /// `NetworkPhysicalInterface`, `NetworkBondInterface`, `NetworkBMCInterface`, ...
    #[serde(default)]
    pub child_type: String,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub name: String,
    /// UUID of the network, or the zero UUID.
    #[serde(default)]
    pub network: String,
    #[serde(default)]
    pub mac: String,
    #[serde(default)]
    pub ip: String,
    #[serde(default)]
    pub ipv6_ip: String,
    #[serde(default)]
    pub dhcp: bool,
    #[serde(default)]
    pub bootable: bool,
    #[serde(default)]
    pub start_if: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cardtype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bond_mode: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

fn interface_base_type() -> String {
    "NetworkInterface".to_string()
}

/// A device (`baseType: "Device"`): head node, physical node, ...
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    #[serde(default = "device_base_type")]
    pub base_type: String,
    /// `PhysicalNode` on create; `HeadNode`, `ComputeNode`, `LiteNode`, ... on real clusters.
    #[serde(default)]
    pub child_type: String,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub mac: String,
    /// Category UUID.
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub partition: String,
    #[serde(default)]
    pub management_network: String,
    #[serde(default)]
    pub provisioning_interface: String,
    #[serde(default)]
    pub interfaces: Vec<NetworkInterface>,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub power_control: String,
    #[serde(default)]
    pub creation_time: u64,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

fn device_base_type() -> String {
    "Device".to_string()
}

/// A category (`baseType: "Category"`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    #[serde(default = "category_base_type")]
    pub base_type: String,
    #[serde(default)]
    pub child_type: String,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub management_network: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_image_proxy: Option<SoftwareImageProxy>,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

fn category_base_type() -> String {
    "Category".to_string()
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SoftwareImageProxy {
    #[serde(default)]
    pub base_type: String,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub parent_software_image: String,
    #[serde(default, rename = "revisionID")]
    pub revision_id: u64,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// A network (`cmnet.getNetworks`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub base_address: String,
    #[serde(default)]
    pub netmask_bits: u32,
    #[serde(default)]
    pub gateway: String,
    #[serde(default, rename = "type")]
    pub network_type: String,
    #[serde(default)]
    pub dynamic_range_start: String,
    #[serde(default)]
    pub dynamic_range_end: String,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// A software image (`CMPart.getSoftwareImages`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SoftwareImage {
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub kernel_version: String,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// A partition (`CMPart.getPartitions`; the cluster's own is named `base`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Partition {
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub name: String,
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// The simulator's inventory file and `bcmhcl inventory export`: the wire entities as the API
/// returns them.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    #[serde(default)]
    pub software_images: Vec<SoftwareImage>,
    #[serde(default)]
    pub networks: Vec<Network>,
    #[serde(default)]
    pub categories: Vec<Category>,
    #[serde(default)]
    pub partitions: Vec<Partition>,
    #[serde(default)]
    pub nodes: Vec<Device>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kube_clusters: Vec<Json>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_single_arg_is_read_as_the_only_argument() {
        let r: Request =
            serde_json::from_value(json!({"service":"cmdevice","call":"getNode","arg":"node001"}))
                .unwrap();
        assert_eq!(r.arguments(), vec![json!("node001")]);
        assert_eq!(r.method(), "cmdevice.getNode");
        let r: Request = serde_json::from_value(
            json!({"service":"CMDevice","call":"validateDevice","args":[{}, false]}),
        )
        .unwrap();
        assert_eq!(r.arguments().len(), 2);
        assert_eq!(r.method(), "cmdevice.validateDevice");
    }

    #[test]
    fn login_carries_credentials_outside_args() {
        let v = serde_json::to_value(Request::login("root", "pw")).unwrap();
        assert_eq!(
            v,
            json!({"service":"login","username":"root","password":"pw"})
        );
    }

    #[test]
    fn unknown_entity_fields_survive_a_round_trip() {
        let wire = json!({
            "baseType": "Device", "childType": "PhysicalNode", "uuid": "u1", "hostname": "node001",
            "mac": "aa:bb:cc:dd:ee:ff", "category": "c1", "partition": "p1",
            "managementNetwork": ZERO_UUID, "provisioningInterface": "i1",
            "interfaces": [{"baseType":"NetworkInterface","childType":"NetworkPhysicalInterface",
                "uuid":"i1","name":"eth0","network":"n1","mac":"aa:bb:cc:dd:ee:ff","ip":"10.0.0.1",
                "ipv6Ip":"::0","dhcp":false,"bootable":true,"startIf":"ALWAYS","cardtype":"Ethernet",
                "bringupduringinstall":"NO"}],
            "roles": [], "powerControl": "ipmi0", "creationTime": 1700000000,
            "kernelParameters": "CATEGORY", "extra_values": {"k": "v"}
        });
        let d: Device = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(d.interfaces[0].extra["bringupduringinstall"], json!("NO"));
        assert_eq!(serde_json::to_value(&d).unwrap(), wire);
    }

    #[test]
    fn statuses_use_cmds_spellings() {
        let s: NodeStatus = serde_json::from_value(json!("INSTALLER_CALLING_INIT")).unwrap();
        assert_eq!(s, NodeStatus::InstallerCallingInit);
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            json!("INSTALLER_CALLINGINIT")
        );
        let s: NodeStatus = serde_json::from_value(json!("no data")).unwrap();
        assert_eq!(s, NodeStatus::Undefined);
        let op = PowerOperation::new(vec!["u".into()], PowerOp::On, true);
        assert_eq!(
            serde_json::to_value(op).unwrap(),
            json!({"baseType":"PowerOperation","devices":["u"],"operation":"ON","force":true})
        );
    }
}
