//! `bcm_cmdevice_device`: a node registered on the headnode (`bcm-api.md` §6.1) — its
//! validation, plan, the entity sent to `addDevice`/`updateDevice`, and the state read back.

use super::client::Headnode;
use super::fields::{block, comp, opt, optc, req, to_value, Conf, Field, Kind, B, N, S};
use super::wire::{self, Request, Validation};
use super::{attr, call, known_str, set_attr};
use crate::diag::Diagnostic;
use crate::provider::PlanResponse;
use crate::schema::{proposed_new, raw_equals};
use crate::value::{Type, Value};
use regex::Regex;
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use Kind::{BlockList as BL, ListString as LS};

pub(crate) const TYPE: &str = "bcm_cmdevice_device";

const INTERFACE: &[Field] = &[
    req("name", S, "Interface name (e.g., 'eth0', 'bond0', 'ipmi'). Must be unique within the device."),
    req("type", S, "Interface type: 'physical', 'bond', or 'bmc'."),
    opt("network", S, "Network UUID reference for interface assignment."),
    opt("mac", S, "MAC address (format: 00:11:22:33:44:55). Required for physical interfaces on create."),
    opt("ip", S, "Static IPv4 address."),
    opt("ipv6_ip", S, "Static IPv6 address."),
    optc("dhcp", B, "Enable DHCP for IP assignment. Default: true."),
    optc("bootable", B, "Enable PXE boot capability. Default: false. First bootable interface becomes provisioning interface."),
    optc("start_if", S, "Interface startup condition: 'ALWAYS', 'NEVER', 'HOTPLUG'. Default: 'ALWAYS'."),
    opt("members", LS, "Member interface names for bond type. Required when type is 'bond'."),
    opt("bond_mode", S, "Bond mode (e.g., '802.3ad', 'active-backup', 'balance-rr'). Only applicable when type is 'bond'."),
    comp("uuid", S, "BCM-assigned interface UUID."),
    comp("base_type", S, "Entity base type (always 'NetworkInterface')."),
    comp("child_type", S, "Interface type (NetworkPhysicalInterface, NetworkBondInterface, NetworkBMCInterface)."),
    comp("cardtype", S, "Hardware card type (Ethernet, InfiniBand, BMC)."),
];

const KUBELET_ROLE: &[Field] = &[
    comp("uuid", S, "BCM-assigned role UUID."),
    req("kube_cluster", S, "UUID of the KubeCluster this device belongs to."),
    optc("control_plane", B, "Whether this node runs control plane components (API server, controller manager, scheduler). Default: true."),
    optc("worker", B, "Whether this node can schedule workload pods. Default: true."),
    optc("container_runtime_service", S, "Container runtime service name (e.g., 'docker.service', 'containerd.service'). Default: 'docker.service'."),
    optc("max_pods", N, "Maximum number of pods that can run on this node. Default: 110."),
    opt("options", S, "Additional kubelet options as JSON string."),
    opt("custom_yaml", S, "Custom kubelet configuration YAML."),
];

const ETCD_HOST_ROLE: &[Field] = &[
    comp("uuid", S, "BCM-assigned role UUID."),
    req(
        "etcd_cluster",
        S,
        "UUID of the EtcdCluster this device belongs to.",
    ),
    optc(
        "member_name",
        S,
        "Etcd member name. Default: '$hostname' (uses device hostname).",
    ),
    optc(
        "spool",
        S,
        "Etcd data directory path. Default: '/var/lib/etcd'.",
    ),
    optc(
        "snapshot_count",
        N,
        "Number of committed transactions to trigger a snapshot. Default: 100000.",
    ),
    optc(
        "max_snapshots",
        N,
        "Maximum number of snapshot files to retain. Default: 5.",
    ),
    opt(
        "listen_client_urls",
        LS,
        "URLs etcd listens on for client traffic.",
    ),
    opt(
        "listen_peer_urls",
        LS,
        "URLs etcd listens on for peer traffic.",
    ),
    opt(
        "advertise_client_urls",
        LS,
        "URLs to advertise to clients for connecting to this member.",
    ),
    opt(
        "advertise_peer_urls",
        LS,
        "URLs to advertise to peers for connecting to this member.",
    ),
];

pub(crate) const DEVICE: &[Field] = &[
    comp("id", S, "Device identifier (same as UUID)"),
    comp("uuid", S, "Device UUID assigned by BCM"),
    req("hostname", S, "Device hostname (RFC 1123 DNS label: lowercase alphanumeric and hyphens, 1-63 chars)"),
    optc("mac", S, "Primary MAC address (format: 00:11:22:33:44:55); defaults to the first interface's MAC"),
    req("category", S, "Category UUID reference"),
    optc("management_network", S, "Management network UUID reference"),
    optc("partition", S, "Partition UUID reference (resolved from the category when not set)"),
    opt("notes", S, "Device notes/description"),
    opt("kernel_parameters", S, "Kernel boot parameters"),
    optc("boot_loader", S, "Boot loader type (SYSLINUX, GRUB, GRUB2, PXELINUX) - defaults to category value"),
    optc("boot_loader_protocol", S, "Boot loader protocol (HTTP, TFTP, NFS) - defaults to category value"),
    opt("force", B, "Force operation (override BCM validation warnings)"),
    opt("power_control", S, "Power control method: the BMC interface name such as 'ipmi0', or 'none', 'ipmi', 'ipdu', 'redfish'"),
    opt("default_gateway", S, "Default gateway IP address for the device"),
    optc("default_gateway_metric", N, "Default gateway metric/priority (lower is preferred)"),
    optc("serial_number", S, "Hardware serial number"),
    optc("part_number", S, "Hardware part number"),
    optc("roles", Kind::SetString, "Set of role names assigned to this device (resolved to the role objects found on the cluster's nodes)."),
    comp("creation_time", N, "Device creation timestamp (Unix epoch)"),
    comp("base_type", S, "Entity base type (always 'Device')"),
    comp("child_type", S, "Device type (HeadNode, ComputeNode, PhysicalNode, etc.)"),
    block("interfaces", BL(INTERFACE), "Network interface configurations for the device. At least one interface is required."),
    block("kubelet_role", BL(KUBELET_ROLE), "Kubernetes kubelet role configuration: the device as a member of a KubeCluster."),
    block("etcd_host_role", BL(ETCD_HOST_ROLE), "Etcd host role configuration: the device as a member of an EtcdCluster."),
];

static HOSTNAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$").expect("valid regex"));
static MAC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$").expect("valid regex"));
pub(crate) static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        .expect("valid regex")
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$",
    )
    .expect("valid regex")
});
static INTERFACE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9_-]*$").expect("valid regex"));

const BOND_MODES: &[&str] = &[
    "802.3ad",
    "active-backup",
    "balance-rr",
    "balance-xor",
    "broadcast",
    "balance-tlb",
    "balance-alb",
];

fn invalid(attr_path: &str, message: String) -> Diagnostic {
    Diagnostic::error("Invalid Attribute Value").detail(format!("Attribute {attr_path} {message}"))
}

fn check_regex(
    v: &Value,
    name: &str,
    path: &str,
    re: &Regex,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(s) = known_str(v, name) {
        if !re.is_match(&s) {
            out.push(invalid(
                &format!("{path}{name}"),
                format!("{what}, got: {s:?}"),
            ));
        }
    }
}

fn check_one_of(v: &Value, name: &str, path: &str, allowed: &[&str], out: &mut Vec<Diagnostic>) {
    if let Some(s) = known_str(v, name) {
        if !allowed.contains(&s.as_str()) {
            out.push(invalid(
                &format!("{path}{name}"),
                format!(
                    "value must be one of: [{}], got: {s:?}",
                    allowed
                        .iter()
                        .map(|a| format!("{a:?}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ));
        }
    }
}

/// The provider's validators (`power_control` is not restricted: BCM wants the BMC interface
/// name, e.g. `ipmi0`, which the newest provider's enum would reject).
pub(crate) fn validate(config: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let uuid_msg = "must be valid UUID (RFC 4122)";
    check_regex(
        config,
        "hostname",
        "",
        &HOSTNAME,
        "hostname must be RFC 1123 DNS label (lowercase alphanumeric and hyphens, 1-63 chars)",
        &mut out,
    );
    check_regex(config, "mac", "", &MAC, "mac must be six groups of two hexadecimal digits separated by colons (e.g., 00:11:22:33:44:55)", &mut out);
    for name in ["category", "management_network", "partition"] {
        check_regex(config, name, "", &UUID, uuid_msg, &mut out);
    }
    check_regex(
        config,
        "default_gateway",
        "",
        &IPV4,
        "must be a valid IPv4 address",
        &mut out,
    );
    check_one_of(
        config,
        "boot_loader",
        "",
        &["SYSLINUX", "GRUB", "GRUB2", "PXELINUX"],
        &mut out,
    );
    check_one_of(
        config,
        "boot_loader_protocol",
        "",
        &["HTTP", "TFTP", "NFS"],
        &mut out,
    );
    let interfaces = attr(config, "interfaces");
    if interfaces.is_known() {
        let items = interfaces.as_seq().unwrap_or(&[]);
        if items.is_empty() {
            out.push(
                Diagnostic::error("At least one interface is required").detail(
                    "The interfaces block must contain at least one network interface configuration. Each device needs at least one interface for network connectivity.",
                ),
            );
        }
        let mut names = BTreeSet::new();
        for (i, iface) in items.iter().enumerate() {
            let path = format!("interfaces[{i}].");
            if let Some(name) = known_str(iface, "name") {
                if name.is_empty() || name.chars().count() > 63 {
                    out.push(invalid(
                        &format!("{path}name"),
                        format!(
                            "string length must be between 1 and 63, got: {}",
                            name.chars().count()
                        ),
                    ));
                } else if !INTERFACE_NAME.is_match(&name) {
                    out.push(invalid(&format!("{path}name"), format!("must start with letter, contain only alphanumeric, underscore, or hyphen, got: {name:?}")));
                }
                if !names.insert(name.clone()) {
                    out.push(invalid(
                        &format!("{path}name"),
                        format!("must be unique within the device; {name:?} is used twice"),
                    ));
                }
            }
            check_one_of(iface, "type", &path, &["physical", "bond", "bmc"], &mut out);
            check_regex(iface, "network", &path, &UUID, uuid_msg, &mut out);
            check_regex(
                iface,
                "mac",
                &path,
                &MAC,
                "must be six groups of two hexadecimal digits separated by colons",
                &mut out,
            );
            check_regex(
                iface,
                "ip",
                &path,
                &IPV4,
                "must be a valid IPv4 address",
                &mut out,
            );
            check_one_of(
                iface,
                "start_if",
                &path,
                &["ALWAYS", "NEVER", "HOTPLUG"],
                &mut out,
            );
            check_one_of(iface, "bond_mode", &path, BOND_MODES, &mut out);
        }
    }
    for (blk, key) in [
        ("kubelet_role", "kube_cluster"),
        ("etcd_host_role", "etcd_cluster"),
    ] {
        for (i, role) in attr(config, blk).as_seq().unwrap_or(&[]).iter().enumerate() {
            check_regex(
                role,
                key,
                &format!("{blk}[{i}]."),
                &UUID,
                uuid_msg,
                &mut out,
            );
        }
    }
    out
}

fn interface_child_type(kind: &str) -> &'static str {
    match kind {
        "bond" => "NetworkBondInterface",
        "bmc" => "NetworkBMCInterface",
        _ => "NetworkPhysicalInterface",
    }
}

fn interface_kind(child_type: &str) -> &'static str {
    match child_type {
        "NetworkBondInterface" => "bond",
        "NetworkBMCInterface" => "bmc",
        _ => "physical",
    }
}

fn cardtype(kind: &str) -> &'static str {
    if kind == "bmc" {
        "BMC"
    } else {
        "Ethernet"
    }
}

/// Rewrites each object of a list value (keeping the list's element type).
fn map_objects(list: &Value, f: impl Fn(usize, &Value) -> Value) -> Value {
    match list.unmark().0 {
        Value::List(t, items) => Value::list(
            t.clone(),
            items.iter().enumerate().map(|(i, v)| f(i, v)).collect(),
        ),
        Value::Tuple(items) => {
            Value::tuple(items.iter().enumerate().map(|(i, v)| f(i, v)).collect())
        }
        _ => list.clone(),
    }
}

fn default_if_null(v: &Value, name: &str, default: Value) -> Value {
    if attr(v, name).is_null() {
        set_attr(v, name, default)
    } else {
        v.clone()
    }
}

/// The prior nested object whose `key` attribute equals the planned one's.
fn prior_by(prior: Option<&Value>, block_name: &str, key: &str, wanted: &Value) -> Option<Value> {
    let want = wanted.as_str()?;
    prior?
        .as_attrs()?
        .get(block_name)?
        .as_seq()?
        .iter()
        .find(|p| known_str(p, key).as_deref() == Some(want))
        .cloned()
}

/// Plans a device: configured values; the provider's defaults for interface and role fields;
/// unknown IDs on create; unchanged objects plan exactly their prior value.
pub(crate) fn plan(prior: Option<&Value>, config: &Value) -> PlanResponse {
    let block = super::fields::block_of(DEVICE);
    let prior = prior.filter(|p| !p.is_null());
    let mut planned = proposed_new(&block, prior, config);
    // Values the provider keeps null unless configured (it copies the plan's null into state).
    for name in [
        "management_network",
        "boot_loader",
        "boot_loader_protocol",
        "default_gateway_metric",
        "serial_number",
        "part_number",
        "roles",
    ] {
        if attr(config, name).is_null() {
            let ty = block.attributes[name].ty.clone();
            planned = set_attr(&planned, name, Value::Null(ty));
        }
    }
    // Absent repeated blocks are empty lists, as the decoder and the state have them.
    for name in ["interfaces", "kubelet_role", "etcd_host_role"] {
        if attr(&planned, name).is_null() {
            if let Some(nb) = block.block_types.get(name) {
                let elem = nb.block.implied_type();
                planned = set_attr(&planned, name, Value::list(elem, Vec::new()));
            }
        }
    }
    let interfaces = attr(&planned, "interfaces");
    let interfaces = map_objects(&interfaces, |_, iface| {
        let kind = known_str(iface, "type");
        let mut v = iface.clone();
        v = set_attr(&v, "base_type", Value::from("NetworkInterface"));
        let (child, card) = match &kind {
            Some(k) => (
                Value::from(interface_child_type(k)),
                Value::from(cardtype(k)),
            ),
            None => (Value::Unknown(Type::String), Value::Unknown(Type::String)),
        };
        v = set_attr(&v, "child_type", child);
        v = set_attr(&v, "cardtype", card);
        v = default_if_null(&v, "dhcp", Value::Bool(true));
        v = default_if_null(&v, "bootable", Value::Bool(false));
        v = default_if_null(&v, "start_if", Value::from("ALWAYS"));
        let uuid = prior_by(prior, "interfaces", "name", &attr(iface, "name"))
            .map(|p| attr(&p, "uuid"))
            .filter(|u| !u.is_null())
            .unwrap_or(Value::Unknown(Type::String));
        set_attr(&v, "uuid", uuid)
    });
    planned = set_attr(&planned, "interfaces", interfaces.clone());
    let kubelet = map_objects(&attr(&planned, "kubelet_role"), |_, r| {
        let mut v = default_if_null(r, "control_plane", Value::Bool(true));
        v = default_if_null(&v, "worker", Value::Bool(true));
        v = default_if_null(
            &v,
            "container_runtime_service",
            Value::from("docker.service"),
        );
        v = default_if_null(&v, "max_pods", Value::int(110));
        let uuid = prior_by(
            prior,
            "kubelet_role",
            "kube_cluster",
            &attr(r, "kube_cluster"),
        )
        .map(|p| attr(&p, "uuid"))
        .filter(|u| !u.is_null())
        .unwrap_or(Value::Unknown(Type::String));
        set_attr(&v, "uuid", uuid)
    });
    planned = set_attr(&planned, "kubelet_role", kubelet);
    let etcd = map_objects(&attr(&planned, "etcd_host_role"), |_, r| {
        let mut v = default_if_null(r, "member_name", Value::from("$hostname"));
        v = default_if_null(&v, "spool", Value::from("/var/lib/etcd"));
        v = default_if_null(&v, "snapshot_count", Value::int(100000));
        v = default_if_null(&v, "max_snapshots", Value::int(5));
        let uuid = prior_by(
            prior,
            "etcd_host_role",
            "etcd_cluster",
            &attr(r, "etcd_cluster"),
        )
        .map(|p| attr(&p, "uuid"))
        .filter(|u| !u.is_null())
        .unwrap_or(Value::Unknown(Type::String));
        set_attr(&v, "uuid", uuid)
    });
    planned = set_attr(&planned, "etcd_host_role", etcd);
    // The device MAC defaults to the first interface's.
    if attr(config, "mac").is_null() {
        let first_mac = interfaces
            .as_seq()
            .and_then(|s| s.first())
            .map(|i| attr(i, "mac"))
            .unwrap_or(Value::Null(Type::String));
        let mac = match (&first_mac, prior) {
            (m, _) if m.is_known() && !m.is_null() => m.clone(),
            (m, _) if !m.is_known() => Value::Unknown(Type::String),
            (_, Some(p)) => attr(p, "mac"),
            _ => Value::Unknown(Type::String),
        };
        planned = set_attr(&planned, "mac", mac);
    }
    match prior {
        None => {
            for (name, ty) in [
                ("id", Type::String),
                ("uuid", Type::String),
                ("creation_time", Type::Number),
                ("child_type", Type::String),
            ] {
                planned = set_attr(&planned, name, Value::Unknown(ty));
            }
            planned = set_attr(&planned, "base_type", Value::from("Device"));
            if attr(config, "partition").is_null() {
                planned = set_attr(&planned, "partition", Value::Unknown(Type::String));
            }
        }
        Some(p) => {
            if attr(config, "partition").is_null()
                && !raw_equals(&attr(p, "category"), &attr(config, "category"))
            {
                planned = set_attr(&planned, "partition", Value::Unknown(Type::String));
            }
            if raw_equals(&planned, p) {
                planned = p.clone();
            }
        }
    }
    PlanResponse {
        planned,
        requires_replace: Vec::new(),
    }
}

// ---- The entity sent to the headnode ----

fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Sets `key` to the string attribute `name` when configured, removes it when not (an update
/// replaces the whole entity, so a removed argument must not linger).
fn put_or_remove(entity: &mut Map<String, Json>, key: &str, value: Option<Json>) {
    match value {
        Some(v) => {
            entity.insert(key.to_string(), v);
        }
        None => {
            entity.remove(key);
        }
    }
}

/// The interfaces of the entity: configured ones in order, each keeping the UUID (and every
/// field bcmhcl does not manage) of the existing interface with the same name.
pub(crate) fn build_interfaces(
    configured: &[Conf],
    existing: &[Json],
    planned_uuids: &BTreeMap<String, String>,
) -> Vec<Json> {
    configured
        .iter()
        .map(|iface| {
            let name = iface.str("name").unwrap_or("");
            let kind = iface.str("type").unwrap_or("physical");
            let current = existing
                .iter()
                .find(|e| e.get("name").and_then(Json::as_str) == Some(name))
                .and_then(Json::as_object)
                .cloned();
            let uuid = current
                .as_ref()
                .and_then(|c| c.get("uuid").and_then(Json::as_str).map(str::to_string))
                .or_else(|| planned_uuids.get(name).cloned())
                .unwrap_or_else(new_uuid);
            let mut e = current.unwrap_or_default();
            e.insert("baseType".into(), json!("NetworkInterface"));
            e.insert("childType".into(), json!(interface_child_type(kind)));
            e.insert("uuid".into(), json!(uuid));
            e.insert("modified".into(), json!(true));
            e.insert("to_be_removed".into(), json!(false));
            e.entry("revision").or_insert(json!(""));
            e.insert("name".into(), json!(name));
            put_or_remove(&mut e, "network", iface.json("network").cloned());
            put_or_remove(&mut e, "mac", iface.json("mac").cloned());
            put_or_remove(&mut e, "ip", iface.json("ip").cloned());
            e.insert(
                "ipv6Ip".into(),
                json!(iface.str("ipv6_ip").unwrap_or("::0")),
            );
            e.insert("dhcp".into(), json!(iface.bool("dhcp").unwrap_or(true)));
            e.insert(
                "bootable".into(),
                json!(iface.bool("bootable").unwrap_or(false)),
            );
            e.insert(
                "startIf".into(),
                json!(iface.str("start_if").unwrap_or("ALWAYS")),
            );
            e.insert("ipv6Dhcp".into(), json!(false));
            e.insert("bringupduringinstall".into(), json!("NO"));
            e.insert("cardtype".into(), json!(cardtype(kind)));
            if kind == "bond" {
                put_or_remove(&mut e, "members", iface.json("members").cloned());
                put_or_remove(&mut e, "bondMode", iface.json("bond_mode").cloned());
            } else {
                e.remove("members");
                e.remove("bondMode");
            }
            Json::Object(e)
        })
        .collect()
}

/// The device entity: `current` (the device as read, for an update) with the configuration laid
/// over it; `uuid` and `partition` as resolved.
pub(crate) fn build_entity(
    config: &Conf,
    current: Option<&Json>,
    uuid: &str,
    partition: &str,
    planned_interface_uuids: &BTreeMap<String, String>,
) -> Map<String, Json> {
    let mut e = current
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let existing_ifaces: Vec<Json> = current
        .and_then(|c| c.get("interfaces"))
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let interfaces = build_interfaces(
        &config.list("interfaces"),
        &existing_ifaces,
        planned_interface_uuids,
    );
    let provisioning = interfaces
        .iter()
        .find(|i| i.get("bootable") == Some(&Json::Bool(true)))
        .or(interfaces.first())
        .and_then(|i| i.get("uuid").cloned())
        .unwrap_or(json!(""));
    let first_mac = config
        .list("interfaces")
        .first()
        .and_then(|i| i.str("mac").map(str::to_string))
        .unwrap_or_default();
    let mac = config.str("mac").map(str::to_string).unwrap_or(first_mac);
    e.insert("baseType".into(), json!("Device"));
    if current.is_none() {
        e.insert("childType".into(), json!("PhysicalNode"));
    }
    e.insert("uuid".into(), json!(uuid));
    e.insert(
        "hostname".into(),
        json!(config.str("hostname").unwrap_or("")),
    );
    e.insert("mac".into(), json!(mac));
    e.insert(
        "category".into(),
        json!(config.str("category").unwrap_or("")),
    );
    e.insert("modified".into(), json!(true));
    e.insert("to_be_removed".into(), json!(false));
    e.entry("revision").or_insert(json!(""));
    e.insert("provisioningInterface".into(), provisioning);
    e.insert("interfaces".into(), Json::Array(interfaces));
    e.insert("partition".into(), json!(partition));
    // Plain optional arguments: absent means BCM's default.
    for (key, name) in [
        ("managementNetwork", "management_network"),
        ("notes", "notes"),
        ("kernelParameters", "kernel_parameters"),
        ("powerControl", "power_control"),
        ("defaultGateway", "default_gateway"),
    ] {
        put_or_remove(&mut e, key, config.json(name).cloned());
    }
    // Optional and computed: left as they are unless configured.
    for (key, name) in [
        ("bootLoader", "boot_loader"),
        ("bootLoaderProtocol", "boot_loader_protocol"),
        ("defaultGatewayMetric", "default_gateway_metric"),
        ("serialNumber", "serial_number"),
        ("partNumber", "part_number"),
    ] {
        if let Some(v) = config.json(name) {
            e.insert(key.into(), v.clone());
        }
    }
    e
}

fn kubelet_entity(role: &Conf, uuid: String) -> Json {
    let mut e = json!({
        "baseType": "Role", "childType": "KubeletRole", "name": "kubelet",
        "modified": true, "to_be_removed": false, "revision": "", "uuid": uuid,
        "kubeCluster": role.str("kube_cluster").unwrap_or(""),
        "controlPlane": role.bool("control_plane").unwrap_or(true),
        "worker": role.bool("worker").unwrap_or(true),
        "containerRuntimeService": role.str("container_runtime_service").unwrap_or("docker.service"),
        "maxPods": role.int("max_pods").unwrap_or(110),
    });
    if let Some(o) = e.as_object_mut() {
        if let Some(v) = role.str("options") {
            o.insert("options".into(), json!(v));
        }
        if let Some(v) = role.str("custom_yaml") {
            o.insert("customYaml".into(), json!(v));
        }
    }
    e
}

fn etcd_entity(role: &Conf, uuid: String) -> Json {
    let mut e = json!({
        "baseType": "Role", "childType": "EtcdHostRole", "name": "etcdhost",
        "modified": true, "to_be_removed": false, "revision": "", "uuid": uuid,
        "etcdCluster": role.str("etcd_cluster").unwrap_or(""),
        "memberName": role.str("member_name").unwrap_or("$hostname"),
        "spool": role.str("spool").unwrap_or("/var/lib/etcd"),
        "snapshotCount": role.int("snapshot_count").unwrap_or(100000),
        "maxSnapshots": role.int("max_snapshots").unwrap_or(5),
    });
    if let Some(o) = e.as_object_mut() {
        for (key, name) in [
            ("listenClientUrls", "listen_client_urls"),
            ("listenPeerUrls", "listen_peer_urls"),
            ("advertiseClientUrls", "advertise_client_urls"),
            ("advertisePeerUrls", "advertise_peer_urls"),
        ] {
            if let Some(v) = role.json(name) {
                o.insert(key.into(), v.clone());
            }
        }
    }
    e
}

fn child_type(role: &Json) -> &str {
    role.get("childType").and_then(Json::as_str).unwrap_or("")
}

/// The role list of the entity: named roles (resolved by the caller, or the current non-
/// Kubernetes roles when `roles` is not configured), then kubelet and etcd roles — configured
/// ones replace the current ones of the same cluster, roles of other clusters stay.
pub(crate) fn merge_roles(
    named: Option<Vec<Json>>,
    current: &[Json],
    kubelet: &[Conf],
    etcd: &[Conf],
) -> Vec<Json> {
    let mut out: Vec<Json> = match named {
        Some(n) => n,
        None => current
            .iter()
            .filter(|r| !matches!(child_type(r), "KubeletRole" | "EtcdHostRole"))
            .cloned()
            .collect(),
    };
    for (kind, cluster_key, wire_key, configured) in [
        ("KubeletRole", "kube_cluster", "kubeCluster", kubelet),
        ("EtcdHostRole", "etcd_cluster", "etcdCluster", etcd),
    ] {
        let clusters: BTreeSet<&str> = configured
            .iter()
            .filter_map(|r| r.str(cluster_key))
            .collect();
        for r in current.iter().filter(|r| child_type(r) == kind) {
            let cluster = r.get(wire_key).and_then(Json::as_str).unwrap_or("");
            if configured.is_empty() || !clusters.contains(cluster) {
                out.push(r.clone());
            }
        }
        for role in configured {
            let cluster = role.str(cluster_key).unwrap_or("");
            let uuid = role
                .str("uuid")
                .map(str::to_string)
                .or_else(|| {
                    current
                        .iter()
                        .find(|r| {
                            child_type(r) == kind
                                && r.get(wire_key).and_then(Json::as_str) == Some(cluster)
                        })
                        .and_then(|r| r.get("uuid").and_then(Json::as_str).map(str::to_string))
                })
                .unwrap_or_else(new_uuid);
            out.push(if kind == "KubeletRole" {
                kubelet_entity(role, uuid)
            } else {
                etcd_entity(role, uuid)
            });
        }
    }
    out
}

/// Role objects by name, copied from the roles the cluster's nodes carry (BCM wants whole
/// role objects); sorted by name as the provider sends them.
async fn resolve_role_names(
    headnode: &dyn Headnode,
    names: &[String],
) -> Result<Vec<Json>, Diagnostic> {
    if names.iter().any(String::is_empty) {
        return Err(Diagnostic::error("Error Looking Up Roles")
            .detail("invalid role identifiers found: (empty string) - role identifiers must be non-empty strings"));
    }
    let nodes = call(
        headnode,
        Request::new("cmdevice", "getNodes", vec![]),
        "looking up roles",
    )
    .await?;
    let mut by_name: BTreeMap<String, Json> = BTreeMap::new();
    for node in nodes.as_array().into_iter().flatten() {
        for role in node
            .get("roles")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = role
                .get("name")
                .and_then(Json::as_str)
                .filter(|n| !n.is_empty())
            {
                by_name.insert(name.to_string(), role.clone());
            }
        }
    }
    let wanted: BTreeSet<&String> = names.iter().collect();
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|n| !by_name.contains_key(n.as_str()))
        .map(|n| n.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Diagnostic::error("Error Looking Up Roles").detail(format!(
            "roles not found in cluster: {}\navailable roles: {}\nuse the `bcm_cmdevice_roles` data source to discover available roles",
            missing.join(", "),
            by_name.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(wanted
        .iter()
        .filter_map(|n| by_name.get(n.as_str()).cloned())
        .collect())
}

/// The partition for a device: the configured one, else the category's own `partition`, else
/// (a category with a software image proxy) the cluster's `base` partition.
async fn resolve_partition(headnode: &dyn Headnode, config: &Conf) -> Result<String, Diagnostic> {
    if let Some(p) = config.str("partition") {
        return Ok(p.to_string());
    }
    let category = config.str("category").unwrap_or("");
    let hostname = config.str("hostname").unwrap_or("");
    let fail = |why: String| {
        Diagnostic::error("Error Resolving Partition").detail(format!(
            "Could not resolve partition for device '{hostname}': {why}\n\nPlease specify partition explicitly or ensure the category has a valid partition or software image proxy configuration."
        ))
    };
    let categories = call(
        headnode,
        Request::new("cmdevice", "getCategories", vec![]),
        "reading categories",
    )
    .await?;
    let name = categories
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c.get("uuid").and_then(Json::as_str) == Some(category))
        .and_then(|c| c.get("name").and_then(Json::as_str))
        .unwrap_or(category)
        .to_string();
    let found = call(
        headnode,
        Request::new("cmdevice", "getCategory", vec![json!(name)]),
        &format!("reading category {name:?}"),
    )
    .await?;
    if found.is_null() {
        return Err(fail(format!("category {category:?} does not exist")));
    }
    if let Some(p) = found
        .get("partition")
        .and_then(Json::as_str)
        .filter(|p| !p.is_empty())
    {
        return Ok(p.to_string());
    }
    let parent = found
        .get("softwareImageProxy")
        .and_then(|p| p.get("parentSoftwareImage"))
        .and_then(Json::as_str)
        .filter(|p| !p.is_empty());
    if parent.is_none() {
        return Err(fail(
            "category does not have a default partition or software image proxy".into(),
        ));
    }
    let partitions = call(
        headnode,
        Request::new("CMPart", "getPartitions", vec![]),
        "reading partitions",
    )
    .await?;
    partitions
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(Json::as_str) == Some("base"))
        .and_then(|p| p.get("uuid").and_then(Json::as_str))
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            fail("category uses softwareImageProxy but no 'base' partition found in cluster".into())
        })
}

/// `CMDevice.validateDevice`: errors stop the change (the zero-UUID `NOT_NULL` finding on
/// `uuid` is expected and dropped), warnings are logged.
async fn pre_validate(
    headnode: &dyn Headnode,
    entity: &Json,
    what: &str,
) -> Result<(), Diagnostic> {
    let found = call(
        headnode,
        Request::new(
            "CMDevice",
            "validateDevice",
            vec![entity.clone(), json!(false)],
        ),
        what,
    )
    .await?;
    let findings: Vec<Validation> = serde_json::from_value(found).unwrap_or_default();
    let (errors, warnings): (Vec<Validation>, Vec<Validation>) = findings
        .into_iter()
        .filter(|v| !(v.field == "uuid" && v.error_code == "NOT_NULL"))
        .partition(Validation::is_error);
    for w in &warnings {
        tracing::warn!(field = %w.field, message = %w.message, "BCM validation warning");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(super::BcmError::Validation(errors).to_diagnostic(what))
    }
}

/// `getDevice(uuid)`, retried briefly while the headnode has not committed the device yet.
async fn read_back(headnode: &dyn Headnode, uuid: &str, what: &str) -> Result<Json, Diagnostic> {
    for attempt in 0..5u32 {
        let d = call(
            headnode,
            Request::new("cmdevice", "getDevice", vec![json!(uuid)]),
            what,
        )
        .await?;
        if !d.is_null() {
            return Ok(d);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
    }
    Err(
        Diagnostic::error("Error Reading Created Device").detail(format!(
            "The headnode accepted device {uuid} but getDevice does not find it."
        )),
    )
}

/// A MAC as compared for adoption: lower case, BCM's zero MAC read as none.
fn comparable_mac(mac: &str) -> String {
    let mac = mac.trim().to_ascii_lowercase();
    if mac == wire::ZERO_MAC {
        String::new()
    } else {
        mac
    }
}

/// The device's primary MAC, falling back to its first interface's (as the state reads it).
fn device_mac(device: &Json) -> String {
    let own = comparable_mac(device.get("mac").and_then(Json::as_str).unwrap_or(""));
    if !own.is_empty() {
        return own;
    }
    device
        .get("interfaces")
        .and_then(Json::as_array)
        .and_then(|i| i.first())
        .and_then(|i| i.get("mac").and_then(Json::as_str))
        .map(comparable_mac)
        .unwrap_or_default()
}

/// Before a create: the device a previous run registered under this hostname and then did not
/// record, because it was killed between `addDevice` and writing the state. Adding it again
/// would only be refused (DUPLICATE_FIELD on hostname and MAC), so a device whose MAC is the
/// configured one is the same machine and is adopted: updated to the configuration like any
/// update. A device with another MAC, or the head node, is someone else's and is an error.
async fn left_behind(
    headnode: &dyn Headnode,
    plan: &Conf,
    hostname: &str,
) -> Result<Option<Json>, Diagnostic> {
    let found = call(
        headnode,
        Request::new("cmdevice", "getDevice", vec![json!(hostname)]),
        &format!("looking up device {hostname:?} before creating it"),
    )
    .await?;
    let same_name = found
        .get("hostname")
        .and_then(Json::as_str)
        .is_some_and(|h| h.eq_ignore_ascii_case(hostname));
    let uuid = found.get("uuid").and_then(Json::as_str).unwrap_or("");
    // Anything else (no such device, a UUID that happens to equal the hostname, a device
    // without a UUID to update) is left to addDevice and the headnode's own checks.
    if !same_name || uuid.is_empty() {
        return Ok(None);
    }
    let exists = || Diagnostic::error("Device already exists on the headnode");
    if found.get("childType").and_then(Json::as_str) == Some("HeadNode") {
        return Err(exists().detail(format!(
            "{hostname} is the cluster's head node ({uuid}); bcmhcl does not register or adopt the head node. Choose another hostname."
        )));
    }
    let interfaces = plan.list("interfaces");
    let configured = comparable_mac(
        plan.str("mac")
            .or_else(|| interfaces.first().and_then(|i| i.str("mac")))
            .unwrap_or(""),
    );
    let existing = device_mac(&found);
    if configured != existing {
        let shown = |m: &str| {
            if m.is_empty() {
                "no MAC".to_string()
            } else {
                format!("MAC {m}")
            }
        };
        return Err(exists().detail(format!(
            "The headnode already has a device {hostname} ({uuid}) with {}, but the configuration gives {}. \
             bcmhcl adopts a device it finds under the hostname it is creating (one left by an interrupted run) \
             only when the MAC matches too, so it leaves this one alone. If it is the same machine, correct the MAC \
             in the configuration or import the device (ID {uuid}); otherwise choose another hostname or remove \
             the device from the headnode.",
            shown(&existing),
            shown(&configured)
        )));
    }
    tracing::warn!(
        hostname,
        uuid,
        "adopting a device the headnode already has with this hostname and MAC (registered by an interrupted run): updating it instead of adding it"
    );
    // Also on the operator's screen: the apply shows it under the instance's address.
    crate::provider::progress::report(&format!(
        "adopting {hostname} ({uuid}), which the headnode already has with this MAC (an interrupted run registered it)"
    ));
    Ok(Some(found))
}

fn planned_interface_uuids(planned: &Conf) -> BTreeMap<String, String> {
    planned
        .list("interfaces")
        .iter()
        .filter_map(|i| Some((i.str("name")?.to_string(), i.str("uuid")?.to_string())))
        .collect()
}

/// Creates (no prior) or updates the device; the new state is what the headnode reads back.
pub(crate) async fn apply(
    headnode: &dyn Headnode,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<Value, Diagnostic> {
    let plan = Conf::of(planned, DEVICE);
    let hostname = plan.str("hostname").unwrap_or("").to_string();
    let force = plan.bool("force").unwrap_or(false);
    let partition = resolve_partition(headnode, &plan).await?;
    let prior = prior.map(|p| Conf::of(p, DEVICE));
    let (uuid, current) = match &prior {
        None => match left_behind(headnode, &plan, &hostname).await? {
            Some(existing) => (
                existing
                    .get("uuid")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
                Some(existing),
            ),
            None => (new_uuid(), None),
        },
        Some(p) => {
            let uuid = p.str("uuid").or(p.str("id")).unwrap_or("").to_string();
            let current = call(
                headnode,
                Request::new("cmdevice", "getDevice", vec![json!(uuid)]),
                &format!("reading device {hostname:?}"),
            )
            .await?;
            if current.is_null() {
                return Err(Diagnostic::error("Error Updating Device").detail(format!(
                    "Device '{hostname}' ({uuid}) no longer exists on the headnode; refresh to plan its creation."
                )));
            }
            (uuid, Some(current))
        }
    };
    let mut entity = build_entity(
        &plan,
        current.as_ref(),
        &uuid,
        &partition,
        &planned_interface_uuids(&plan),
    );
    let named = match plan.strings("roles") {
        Some(names) => Some(resolve_role_names(headnode, &names).await?),
        None => None,
    };
    let current_roles: Vec<Json> = current
        .as_ref()
        .and_then(|c| c.get("roles"))
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let roles = merge_roles(
        named,
        &current_roles,
        &plan.list("kubelet_role"),
        &plan.list("etcd_host_role"),
    );
    if current.is_some() || !roles.is_empty() || plan.strings("roles").is_some() {
        entity.insert("roles".into(), Json::Array(roles));
    }
    let entity = Json::Object(entity);
    let (verb, method) = match (&prior, &current) {
        (_, None) => ("creating", "addDevice"),
        (None, Some(_)) => ("adopting", "updateDevice"),
        (Some(_), Some(_)) => ("updating", "updateDevice"),
    };
    let what = format!("{verb} device {hostname:?}");
    pre_validate(headnode, &entity, &what).await?;
    let answer = call(
        headnode,
        Request::new("cmdevice", method, vec![entity, json!(force)]),
        &what,
    )
    .await?;
    if let Ok(result) = serde_json::from_value::<wire::ChangeResult>(answer.clone()) {
        if !result.success {
            return Err(super::BcmError::Validation(result.validation).to_diagnostic(&what));
        }
    }
    let device = read_back(
        headnode,
        &uuid,
        &format!("reading back device {hostname:?}"),
    )
    .await?;
    let reference = Conf::of(planned, DEVICE);
    let mut state = state_of(&device, Some(&reference));
    if let Some(o) = state.as_object_mut() {
        if o.get("partition").is_none_or(Json::is_null) {
            o.insert("partition".into(), json!(partition));
        }
    }
    to_value(&state, DEVICE)
}

pub(crate) async fn delete(headnode: &dyn Headnode, prior: &Value) -> Result<(), Diagnostic> {
    let prior = Conf::of(prior, DEVICE);
    let uuid = prior.str("uuid").or(prior.str("id")).unwrap_or("");
    let hostname = prior.str("hostname").unwrap_or("");
    let force = prior.bool("force").unwrap_or(false);
    call(
        headnode,
        Request::new("cmdevice", "removeDevice", vec![json!(uuid), json!(force)]),
        &format!("deleting device '{hostname}' (UUID: {uuid})"),
    )
    .await?;
    Ok(())
}

/// Refresh: the device as the headnode has it now, normalised against the prior state, or
/// `None` when `getDevice` finds nothing. A failed call is an error, not a deletion.
pub(crate) async fn read(
    headnode: &dyn Headnode,
    prior: &Value,
) -> Result<Option<Value>, Diagnostic> {
    let prior = Conf::of(prior, DEVICE);
    let uuid = prior
        .str("uuid")
        .or(prior.str("id"))
        .unwrap_or("")
        .to_string();
    let device = call(
        headnode,
        Request::new("cmdevice", "getDevice", vec![json!(uuid)]),
        &format!("reading device {uuid}"),
    )
    .await?;
    if device.is_null() {
        return Ok(None);
    }
    to_value(&state_of(&device, Some(&prior)), DEVICE).map(Some)
}

/// Import by UUID, or by hostname when no device has that UUID.
pub(crate) async fn import(headnode: &dyn Headnode, id: &str) -> Result<Value, Diagnostic> {
    let what = format!("importing device {id:?}");
    let mut device = call(
        headnode,
        Request::new("cmdevice", "getDevice", vec![json!(id)]),
        &what,
    )
    .await?;
    if device.is_null() || device.get("hostname").and_then(Json::as_str) == Some("") {
        let nodes = call(
            headnode,
            Request::new("cmdevice", "getNodes", vec![]),
            &what,
        )
        .await?;
        device = nodes
            .as_array()
            .into_iter()
            .flatten()
            .find(|n| {
                n.get("hostname").and_then(Json::as_str) == Some(id)
                    || n.get("uuid").and_then(Json::as_str) == Some(id)
            })
            .cloned()
            .unwrap_or(Json::Null);
    }
    if device.is_null() {
        return Err(
            Diagnostic::error("Cannot import non-existent remote object").detail(format!(
                "No device with UUID or hostname {id:?} exists on the headnode."
            )),
        );
    }
    to_value(&state_of(&device, None), DEVICE)
}

fn non_empty(v: &Json, key: &str) -> Json {
    super::fields::wire_string(v, key)
}

/// An interface as state: BCM's defaults (`0.0.0.0`, `::0`, zero MAC, zero UUID) read as null.
fn interface_state(e: &Json) -> Map<String, Json> {
    let mut m = Map::new();
    let child = non_empty(e, "childType");
    let without = |key: &str, zero: &str| match non_empty(e, key) {
        Json::String(s) if s == zero => Json::Null,
        other => other,
    };
    m.insert("name".into(), non_empty(e, "name"));
    m.insert(
        "type".into(),
        json!(interface_kind(child.as_str().unwrap_or(""))),
    );
    m.insert("network".into(), without("network", wire::ZERO_UUID));
    m.insert("mac".into(), without("mac", wire::ZERO_MAC));
    m.insert("ip".into(), without("ip", "0.0.0.0"));
    m.insert("ipv6_ip".into(), without("ipv6Ip", "::0"));
    m.insert("dhcp".into(), super::fields::wire_bool(e, "dhcp"));
    m.insert("bootable".into(), super::fields::wire_bool(e, "bootable"));
    m.insert("start_if".into(), non_empty(e, "startIf"));
    m.insert(
        "members".into(),
        match e.get("members") {
            Some(Json::Array(a)) if !a.is_empty() => Json::Array(a.clone()),
            _ => Json::Null,
        },
    );
    m.insert("bond_mode".into(), non_empty(e, "bondMode"));
    m.insert("uuid".into(), non_empty(e, "uuid"));
    m.insert("base_type".into(), non_empty(e, "baseType"));
    m.insert("child_type".into(), child);
    m.insert("cardtype".into(), non_empty(e, "cardtype"));
    m
}

fn kubelet_state(r: &Json) -> Map<String, Json> {
    use super::fields::{wire_bool, wire_int};
    let mut m = Map::new();
    m.insert("uuid".into(), non_empty(r, "uuid"));
    m.insert("kube_cluster".into(), non_empty(r, "kubeCluster"));
    m.insert("control_plane".into(), wire_bool(r, "controlPlane"));
    m.insert("worker".into(), wire_bool(r, "worker"));
    m.insert(
        "container_runtime_service".into(),
        non_empty(r, "containerRuntimeService"),
    );
    m.insert("max_pods".into(), wire_int(r, "maxPods"));
    m.insert("options".into(), non_empty(r, "options"));
    m.insert("custom_yaml".into(), non_empty(r, "customYaml"));
    m
}

fn etcd_state(r: &Json) -> Map<String, Json> {
    use super::fields::wire_int;
    let mut m = Map::new();
    m.insert("uuid".into(), non_empty(r, "uuid"));
    m.insert("etcd_cluster".into(), non_empty(r, "etcdCluster"));
    m.insert("member_name".into(), non_empty(r, "memberName"));
    m.insert("spool".into(), non_empty(r, "spool"));
    m.insert("snapshot_count".into(), wire_int(r, "snapshotCount"));
    m.insert("max_snapshots".into(), wire_int(r, "maxSnapshots"));
    for (name, key) in [
        ("listen_client_urls", "listenClientUrls"),
        ("listen_peer_urls", "listenPeerUrls"),
        ("advertise_client_urls", "advertiseClientUrls"),
        ("advertise_peer_urls", "advertisePeerUrls"),
    ] {
        let list: Vec<Json> = r
            .get(key)
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter(|s| s.as_str().is_some_and(|s| !s.is_empty()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        m.insert(
            name.into(),
            if list.is_empty() {
                Json::Null
            } else {
                Json::Array(list)
            },
        );
    }
    m
}

/// Configured (or prior) role blocks merged with what BCM returns for the same cluster: the
/// UUID and the defaults BCM filled in, the configured values kept.
fn merge_role_states(
    api: Vec<Map<String, Json>>,
    reference: &[Conf],
    key: &str,
    defaults: &[&str],
) -> Vec<Json> {
    reference
        .iter()
        .map(|r| {
            let mut merged: Map<String, Json> = r.raw().clone();
            let cluster = r.str(key);
            if let Some(a) = api
                .iter()
                .find(|a| a.get(key).and_then(Json::as_str) == cluster)
            {
                merged.insert("uuid".into(), a.get("uuid").cloned().unwrap_or(Json::Null));
                for d in defaults {
                    if merged.get(*d).is_none_or(Json::is_null) {
                        merged.insert(d.to_string(), a.get(*d).cloned().unwrap_or(Json::Null));
                    }
                }
            }
            Json::Object(merged)
        })
        .collect()
}

/// The device as state. With a `reference` (the plan after apply, the prior state on refresh)
/// arguments the configuration left null stay null where BCM reports a default or inherited
/// value, interfaces keep the configured order, and only configured Kubernetes roles are kept;
/// without one (import) everything is taken as BCM reports it.
pub(crate) fn state_of(device: &Json, reference: Option<&Conf>) -> Json {
    use super::fields::wire_int;
    let mut s = Map::new();
    let uuid = non_empty(device, "uuid");
    s.insert("id".into(), uuid.clone());
    s.insert("uuid".into(), uuid);
    s.insert("hostname".into(), non_empty(device, "hostname"));
    s.insert("category".into(), non_empty(device, "category"));
    let zero_is_null = |key: &str| match non_empty(device, key) {
        Json::String(v) if v == wire::ZERO_UUID => Json::Null,
        other => other,
    };
    s.insert(
        "management_network".into(),
        zero_is_null("managementNetwork"),
    );
    s.insert("partition".into(), non_empty(device, "partition"));
    for (name, key) in [
        ("notes", "notes"),
        ("kernel_parameters", "kernelParameters"),
        ("boot_loader", "bootLoader"),
        ("boot_loader_protocol", "bootLoaderProtocol"),
        ("power_control", "powerControl"),
        ("default_gateway", "defaultGateway"),
        ("serial_number", "serialNumber"),
        ("part_number", "partNumber"),
        ("base_type", "baseType"),
        ("child_type", "childType"),
    ] {
        s.insert(name.into(), non_empty(device, key));
    }
    s.insert(
        "default_gateway_metric".into(),
        wire_int(device, "defaultGatewayMetric"),
    );
    s.insert("creation_time".into(), wire_int(device, "creationTime"));
    s.insert("force".into(), Json::Null);

    let api_roles: Vec<Json> = device
        .get("roles")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let names: BTreeSet<String> = api_roles
        .iter()
        .filter(|r| !matches!(child_type(r), "KubeletRole" | "EtcdHostRole"))
        .filter_map(|r| {
            r.get("name")
                .and_then(Json::as_str)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
        })
        .collect();
    s.insert("roles".into(), json!(names));

    let mut interfaces: Vec<Map<String, Json>> = device
        .get("interfaces")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter(|i| i.is_object())
        .map(interface_state)
        .collect();
    let kubelet: Vec<Map<String, Json>> = api_roles
        .iter()
        .filter(|r| child_type(r) == "KubeletRole")
        .map(kubelet_state)
        .collect();
    let etcd: Vec<Map<String, Json>> = api_roles
        .iter()
        .filter(|r| child_type(r) == "EtcdHostRole")
        .map(etcd_state)
        .collect();

    match reference {
        None => {
            s.insert("kubelet_role".into(), json!(kubelet));
            s.insert("etcd_host_role".into(), json!(etcd));
        }
        Some(r) => {
            s.insert(
                "force".into(),
                r.json("force").cloned().unwrap_or(Json::Null),
            );
            for name in [
                "management_network",
                "boot_loader",
                "boot_loader_protocol",
                "power_control",
                "default_gateway",
                "default_gateway_metric",
                "serial_number",
                "part_number",
            ] {
                if r.is_null(name) {
                    s.insert(name.into(), Json::Null);
                }
            }
            for name in ["notes", "kernel_parameters"] {
                if r.is_null(name) && s[name].as_str().is_some_and(|v| v == "CATEGORY") {
                    s.insert(name.into(), Json::Null);
                }
            }
            if r.is_null("partition") {
                s.insert("partition".into(), Json::Null);
            }
            match r.strings("roles") {
                None => {
                    s.insert("roles".into(), Json::Null);
                }
                Some(v) if v.is_empty() => {
                    s.insert("roles".into(), json!([]));
                }
                Some(_) => {}
            }
            // Configured order; bond fields BCM does not return come from the reference.
            let reference_ifaces = r.list("interfaces");
            let mut ordered = Vec::new();
            for ri in &reference_ifaces {
                let name = ri.str("name");
                if let Some(pos) = interfaces
                    .iter()
                    .position(|i| i.get("name").and_then(Json::as_str) == name)
                {
                    let mut i = interfaces.remove(pos);
                    if i.get("type").and_then(Json::as_str) == Some("bond") {
                        for k in ["members", "bond_mode"] {
                            if i.get(k).is_none_or(Json::is_null) {
                                i.insert(k.into(), ri.json(k).cloned().unwrap_or(Json::Null));
                            }
                        }
                    }
                    ordered.push(i);
                }
            }
            ordered.append(&mut interfaces);
            interfaces = ordered;
            s.insert(
                "kubelet_role".into(),
                json!(merge_role_states(
                    kubelet,
                    &r.list("kubelet_role"),
                    "kube_cluster",
                    &[
                        "control_plane",
                        "worker",
                        "container_runtime_service",
                        "max_pods"
                    ]
                )),
            );
            s.insert(
                "etcd_host_role".into(),
                json!(merge_role_states(
                    etcd,
                    &r.list("etcd_host_role"),
                    "etcd_cluster",
                    &[
                        "member_name",
                        "spool",
                        "snapshot_count",
                        "max_snapshots",
                        "listen_client_urls",
                        "listen_peer_urls",
                        "advertise_client_urls",
                        "advertise_peer_urls"
                    ]
                )),
            );
        }
    }
    // The device MAC falls back to the first interface's.
    let mac = match non_empty(device, "mac") {
        Json::Null => interfaces
            .first()
            .and_then(|i| i.get("mac").cloned())
            .unwrap_or(Json::Null),
        m => m,
    };
    s.insert("mac".into(), mac);
    s.insert("interfaces".into(), json!(interfaces));
    Json::Object(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::bcm::fields::value_json;

    pub(crate) fn device_config(pairs: &[(&str, Json)]) -> Value {
        crate::provider::bcm::data::config_with(DEVICE, pairs)
    }

    fn iface(name: &str, kind: &str, extra: Json) -> Json {
        let mut m: Map<String, Json> = INTERFACE
            .iter()
            .map(|f| (f.name.to_string(), Json::Null))
            .collect();
        m.insert("name".into(), json!(name));
        m.insert("type".into(), json!(kind));
        if let Json::Object(e) = extra {
            m.extend(e);
        }
        Json::Object(m)
    }

    fn sample_config() -> Value {
        device_config(&[
            ("hostname", json!("node001")),
            ("category", json!("6f2c1f4e-0c55-4c1a-9d8e-1d2f3a4b5c6d")),
            ("power_control", json!("ipmi0")),
            (
                "interfaces",
                json!([
                    iface(
                        "ipmi0",
                        "bmc",
                        json!({"mac": "aa:bb:cc:00:00:01", "ip": "10.148.0.1"})
                    ),
                    iface(
                        "eth0",
                        "physical",
                        json!({"mac": "aa:bb:cc:00:00:02", "bootable": true, "dhcp": false, "ip": "10.141.0.1"})
                    ),
                    iface("eth1", "physical", json!({"mac": "aa:bb:cc:00:00:03"})),
                    iface(
                        "bond0",
                        "bond",
                        json!({"members": ["eth1"], "bond_mode": "802.3ad"})
                    ),
                ]),
            ),
        ])
    }

    #[test]
    fn validation_follows_the_providers_validators() {
        let bad = device_config(&[
            ("hostname", json!("Node_01")),
            ("category", json!("not-a-uuid")),
            ("power_control", json!("ipmi0")),
            (
                "interfaces",
                json!([
                    iface(
                        "0eth",
                        "wifi",
                        json!({"mac": "zz", "ip": "300.1.1.1", "bond_mode": "fast"})
                    ),
                    iface("0eth", "bmc", json!({}))
                ]),
            ),
        ]);
        let summaries: Vec<String> = validate(&bad).iter().map(|d| d.detail.clone()).collect();
        let joined = summaries.join("\n");
        for needle in [
            "Attribute hostname",
            "Attribute category",
            "interfaces[0].name",
            "interfaces[0].type",
            "interfaces[0].mac",
            "interfaces[0].ip",
            "interfaces[0].bond_mode",
            "used twice",
        ] {
            assert!(joined.contains(needle), "missing {needle}:\n{joined}");
        }
        assert!(
            !joined.contains("power_control"),
            "ipmi0 is what BCM expects"
        );
        assert!(validate(&sample_config()).is_empty());
        let none = device_config(&[
            ("hostname", json!("n1")),
            ("category", json!("6f2c1f4e-0c55-4c1a-9d8e-1d2f3a4b5c6d")),
            ("interfaces", json!([])),
        ]);
        assert_eq!(
            validate(&none)[0].summary,
            "At least one interface is required"
        );
    }

    #[test]
    fn entities_carry_interfaces_bond_and_bmc_with_the_providers_defaults() {
        let conf = Conf::of(&sample_config(), DEVICE);
        let e = build_entity(&conf, None, "dev-uuid", "part-1", &BTreeMap::new());
        assert_eq!(e["childType"], "PhysicalNode");
        assert_eq!(e["mac"], "aa:bb:cc:00:00:01", "the first interface's MAC");
        assert_eq!(e["partition"], "part-1");
        assert_eq!(e["powerControl"], "ipmi0");
        assert!(e.get("managementNetwork").is_none());
        let ifaces = e["interfaces"].as_array().unwrap();
        assert_eq!(ifaces[0]["childType"], "NetworkBMCInterface");
        assert_eq!(ifaces[0]["cardtype"], "BMC");
        assert_eq!(ifaces[0]["dhcp"], true, "the provider's default");
        assert_eq!(ifaces[1]["dhcp"], false);
        assert_eq!(ifaces[1]["ipv6Ip"], "::0");
        assert_eq!(ifaces[1]["bringupduringinstall"], "NO");
        assert_eq!(ifaces[3]["childType"], "NetworkBondInterface");
        assert_eq!(ifaces[3]["members"], json!(["eth1"]));
        assert_eq!(ifaces[3]["bondMode"], "802.3ad");
        assert!(ifaces[2].get("members").is_none());
        assert_eq!(
            e["provisioningInterface"], ifaces[1]["uuid"],
            "the bootable interface"
        );
        let uuids: BTreeSet<&str> = ifaces.iter().map(|i| i["uuid"].as_str().unwrap()).collect();
        assert_eq!(uuids.len(), 4);
        for u in uuids {
            assert_eq!(uuid::Uuid::parse_str(u).unwrap().get_version_num(), 4);
        }
    }

    #[test]
    fn updates_keep_interface_uuids_by_name_and_fields_bcmhcl_does_not_manage() {
        let conf = Conf::of(&sample_config(), DEVICE);
        let current = json!({
            "baseType": "Device", "childType": "PhysicalNode", "uuid": "dev-uuid", "hostname": "node001",
            "notes": "old notes", "installMode": "AUTO", "bootLoader": "CATEGORY",
            "interfaces": [
                {"uuid": "uuid-eth0", "name": "eth0", "childType": "NetworkPhysicalInterface", "speed": "25G", "ip": "10.141.0.9"},
                {"uuid": "uuid-gone", "name": "eth9", "childType": "NetworkPhysicalInterface"}
            ]
        });
        let e = build_entity(
            &conf,
            Some(&current),
            "dev-uuid",
            "part-1",
            &BTreeMap::new(),
        );
        let ifaces = e["interfaces"].as_array().unwrap();
        assert_eq!(ifaces.len(), 4, "eth9 is no longer configured");
        assert_eq!(ifaces[1]["uuid"], "uuid-eth0");
        assert_eq!(ifaces[1]["speed"], "25G");
        assert_eq!(ifaces[1]["ip"], "10.141.0.1");
        assert_eq!(
            e["installMode"], "AUTO",
            "unmanaged fields survive the full replace"
        );
        assert!(e.get("notes").is_none(), "a removed argument is removed");
        assert_eq!(e["bootLoader"], "CATEGORY");
        assert_eq!(e["childType"], "PhysicalNode");
        // Without a current interface, the planned UUID is used.
        let planned: BTreeMap<String, String> =
            [("eth1".to_string(), "planned-eth1".to_string())].into();
        let e = build_entity(&conf, Some(&current), "dev-uuid", "part-1", &planned);
        assert_eq!(e["interfaces"][2]["uuid"], "planned-eth1");
    }

    #[test]
    fn roles_merge_named_and_kubernetes_roles() {
        let current = vec![
            json!({"childType": "BootRole", "name": "boot", "uuid": "r1"}),
            json!({"childType": "KubeletRole", "name": "kubelet", "uuid": "k-a", "kubeCluster": "A"}),
            json!({"childType": "KubeletRole", "name": "kubelet", "uuid": "k-b", "kubeCluster": "B"}),
        ];
        let kubelet_fields: &'static [Field] = KUBELET_ROLE;
        let k = Conf::from_json(
            &json!({"kube_cluster": "A", "max_pods": 50}),
            kubelet_fields,
        );
        let roles = merge_roles(None, &current, &[k], &[]);
        let kinds: Vec<(&str, &str)> = roles
            .iter()
            .map(|r| {
                (
                    r["childType"].as_str().unwrap(),
                    r["uuid"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("BootRole", "r1"),
                ("KubeletRole", "k-b"),
                ("KubeletRole", "k-a")
            ]
        );
        assert_eq!(roles[2]["maxPods"], 50);
        assert_eq!(roles[2]["controlPlane"], true);
        let named =
            vec![json!({"childType": "ProvisioningRole", "name": "provisioning", "uuid": "r2"})];
        let roles = merge_roles(Some(named), &current, &[], &[]);
        assert_eq!(
            roles.len(),
            3,
            "named roles replace boot; kubelet roles stay"
        );
        assert_eq!(roles[0]["name"], "provisioning");
    }

    #[test]
    fn planning_fills_defaults_and_keeps_unchanged_objects() {
        let cfg = sample_config();
        let p = plan(None, &cfg);
        let planned = &p.planned;
        assert!(!attr(planned, "id").is_known());
        assert!(!attr(planned, "partition").is_known());
        assert_eq!(
            known_str(planned, "mac").as_deref(),
            Some("aa:bb:cc:00:00:01")
        );
        assert_eq!(known_str(planned, "base_type").as_deref(), Some("Device"));
        let ifaces = attr(planned, "interfaces");
        let first = &ifaces.as_seq().unwrap()[0];
        assert_eq!(
            known_str(first, "child_type").as_deref(),
            Some("NetworkBMCInterface")
        );
        assert_eq!(attr(first, "dhcp").as_bool(), Some(true));
        assert_eq!(known_str(first, "start_if").as_deref(), Some("ALWAYS"));
        assert!(!attr(first, "uuid").is_known());

        // A device as apply leaves it: the same configuration plans no change.
        let device = json!({
            "baseType": "Device", "childType": "PhysicalNode", "uuid": "dev-uuid", "hostname": "node001",
            "mac": "aa:bb:cc:00:00:01", "category": "6f2c1f4e-0c55-4c1a-9d8e-1d2f3a4b5c6d", "partition": "part-1",
            "managementNetwork": wire::ZERO_UUID, "powerControl": "ipmi0", "bootLoader": "CATEGORY", "creationTime": 1700000000,
            "interfaces": [
                {"uuid": "i-ipmi", "name": "ipmi0", "childType": "NetworkBMCInterface", "baseType": "NetworkInterface", "mac": "aa:bb:cc:00:00:01", "ip": "10.148.0.1", "ipv6Ip": "::0", "dhcp": true, "bootable": false, "startIf": "ALWAYS", "cardtype": "BMC", "network": wire::ZERO_UUID},
                {"uuid": "i-eth0", "name": "eth0", "childType": "NetworkPhysicalInterface", "baseType": "NetworkInterface", "mac": "aa:bb:cc:00:00:02", "ip": "10.141.0.1", "ipv6Ip": "::0", "dhcp": false, "bootable": true, "startIf": "ALWAYS", "cardtype": "Ethernet"},
                {"uuid": "i-bond", "name": "bond0", "childType": "NetworkBondInterface", "baseType": "NetworkInterface", "mac": wire::ZERO_MAC, "ip": "0.0.0.0", "ipv6Ip": "::0", "dhcp": true, "bootable": false, "startIf": "ALWAYS", "cardtype": "Ethernet"},
                {"uuid": "i-eth1", "name": "eth1", "childType": "NetworkPhysicalInterface", "baseType": "NetworkInterface", "mac": "aa:bb:cc:00:00:03", "ip": "0.0.0.0", "ipv6Ip": "::0", "dhcp": true, "bootable": false, "startIf": "ALWAYS", "cardtype": "Ethernet"}
            ],
            "roles": []
        });
        let reference = Conf::of(&cfg, DEVICE);
        let state = state_of(&device, Some(&reference));
        assert_eq!(state["interfaces"][3]["name"], "bond0", "configured order");
        assert_eq!(
            state["interfaces"][3]["members"],
            json!(["eth1"]),
            "kept from the configuration"
        );
        assert_eq!(state["interfaces"][2]["ip"], Json::Null);
        assert_eq!(
            state["boot_loader"],
            Json::Null,
            "inherited from the category"
        );
        let state = to_value(&state, DEVICE).unwrap();
        let again = plan(Some(&state), &cfg);
        assert!(
            raw_equals(&again.planned, &state),
            "{}",
            value_json(&again.planned).unwrap()
        );

        // A renamed interface gets a new UUID; the others keep theirs.
        let mut changed = value_json(&cfg).unwrap();
        changed["interfaces"][2]["name"] = json!("eth2");
        let changed = device_config(
            &changed
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect::<Vec<_>>(),
        );
        let p = plan(Some(&state), &changed);
        let ifaces = attr(&p.planned, "interfaces");
        let items = ifaces.as_seq().unwrap();
        assert_eq!(known_str(&items[1], "uuid").as_deref(), Some("i-eth0"));
        assert!(!attr(&items[2], "uuid").is_known());
    }

    #[test]
    fn import_takes_everything_bcm_reports() {
        let device = json!({
            "baseType": "Device", "childType": "HeadNode", "uuid": "h1", "hostname": "head", "mac": "",
            "bootLoader": "CATEGORY", "managementNetwork": "net-1",
            "interfaces": [{"name": "eth0", "mac": "00:11:22:33:44:55", "childType": "NetworkPhysicalInterface"}],
            "roles": [
                {"childType": "BootRole", "name": "boot", "uuid": "r1"},
                {"childType": "KubeletRole", "name": "kubelet", "uuid": "k1", "kubeCluster": "c1", "maxPods": 110}
            ]
        });
        let state = state_of(&device, None);
        assert_eq!(state["boot_loader"], "CATEGORY");
        assert_eq!(state["mac"], "00:11:22:33:44:55");
        assert_eq!(state["roles"], json!(["boot"]));
        assert_eq!(state["kubelet_role"][0]["kube_cluster"], "c1");
        to_value(&state, DEVICE).unwrap();
    }
}
