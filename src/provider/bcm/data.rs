//! The data sources: each calls one list method and filters client-side, as the provider does
//! (`bcm-api.md` §7), with the provider's null rules (empty strings read as null).

use super::client::Headnode;
use super::fields::{
    block, comp, map_entity, opt, to_value, wire_string, wire_strings, Conf, Field, Kind, B, N, S,
};
use super::wire::Request;
use crate::diag::Diagnostic;
use crate::value::Value;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

use Kind::{ListString as LS, NestedList as NL};

// ---- bcm_cmdevice_nodes ----

const NODE_INTERFACE: &[Field] = &[
    comp("name", S, "Interface name (e.g., ens33).").wire("name"),
    comp("mac", S, "Interface MAC address.").wire("mac"),
    comp("ip", S, "IPv4 address.").wire("ip"),
    comp("ipv6_ip", S, "IPv6 address.").wire("ipv6Ip"),
    comp("dhcp", B, "DHCP enabled flag.").wire("dhcp"),
    comp("network", S, "Network UUID reference.").wire("network"),
    comp(
        "base_type",
        S,
        "Entity base type (always 'NetworkInterface').",
    )
    .wire("baseType"),
    comp(
        "child_type",
        S,
        "Interface type (NetworkPhysicalInterface, NetworkBondInterface, etc.).",
    )
    .wire("childType"),
    comp(
        "cardtype",
        S,
        "Network card type (Ethernet, InfiniBand, etc.).",
    )
    .wire("cardtype"),
    comp("bootable", B, "PXE boot capable flag.").wire("bootable"),
    comp("start_if", S, "Startup condition (ALWAYS, NEVER, HOTPLUG).").wire("startIf"),
];

const NODE_ROLE: &[Field] = &[
    comp("uuid", S, "Role UUID.").wire("uuid"),
    comp("name", S, "Role name.").wire("name"),
    comp("base_type", S, "Entity base type (always 'Role').").wire("baseType"),
    comp(
        "child_type",
        S,
        "Role type (HeadNodeRole, ComputeRole, etc.).",
    )
    .wire("childType"),
    comp("add_services", B, "Auto-add related services flag.").wire("addServices"),
];

const NODE: &[Field] = &[
    comp("id", S, "Node UUID (same as uuid).").wire("uuid"),
    comp("uuid", S, "Unique node identifier (RFC 4122 UUID format).").wire("uuid"),
    comp("hostname", S, "Node hostname.").wire("hostname"),
    comp("base_type", S, "Entity base type (always 'Device').").wire("baseType"),
    comp(
        "child_type",
        S,
        "Specific node type (PhysicalNode, HeadNode, ComputeNode, CloudNode, StorageNode).",
    )
    .wire("childType"),
    comp("mac", S, "Primary MAC address.").wire("mac"),
    comp(
        "creation_time",
        N,
        "Node creation time (Unix timestamp in seconds).",
    )
    .wire("creationTime"),
    comp("category", S, "Category UUID.").wire("category"),
    comp("partition", S, "Partition UUID.").wire("partition"),
    comp(
        "power_control",
        S,
        "Power control method (none, ipmi, redfish, pdu).",
    )
    .wire("powerControl"),
    comp("authentication_service", S, "Authentication service type.").wire("authenticationService"),
    comp(
        "provisioning_transport",
        S,
        "Provisioning transport method.",
    )
    .wire("provisioningTransport"),
    comp("modified", B, "Indicates if node has unsaved changes.").wire("modified"),
    comp(
        "to_be_removed",
        B,
        "Indicates if node is scheduled for deletion.",
    )
    .wire("to_be_removed"),
    comp(
        "interfaces",
        NL(NODE_INTERFACE),
        "Network interfaces configured on the node.",
    )
    .wire("interfaces"),
    comp(
        "roles",
        NL(NODE_ROLE),
        "Service roles assigned to the node.",
    )
    .wire("roles"),
];

const NODES_FILTER: &[Field] = &[
    opt("child_type", S, "Filter by node childType (exact match, case-sensitive). Example: 'PhysicalNode'."),
    opt("category_uuid", S, "Filter by category UUID (exact match)."),
    opt("hostname_pattern", S, "Filter by hostname substring (case-insensitive). Example: 'compute' matches 'compute-node-01'."),
];

pub(crate) const NODES: &[Field] = &[
    comp("id", S, "Placeholder identifier for the data source."),
    comp(
        "nodes",
        NL(NODE),
        "List of cluster nodes matching the filter criteria.",
    ),
    block(
        "filter",
        Kind::BlockSingle(NODES_FILTER),
        "Optional filter criteria to limit returned nodes. Multiple filters are AND-ed together.",
    ),
];

// ---- bcm_cmdevice_categories ----

const CATEGORY: &[Field] = &[
    comp("id", S, "Category identifier (same as UUID)").wire("uuid"),
    comp("uuid", S, "Unique identifier for the category").wire("uuid"),
    comp("name", S, "Category name").wire("name"),
    comp("base_type", S, "Base entity type (always 'Category')").wire("baseType"),
    comp("child_type", S, "Specific category subtype").wire("childType"),
    comp(
        "software_image_id",
        S,
        "UUID of the associated software image",
    ),
    comp("management_network_id", S, "UUID of the management network").wire("managementNetwork"),
    comp(
        "disksetup",
        S,
        "Disk partitioning configuration (XML format)",
    )
    .wire("disksetup"),
    comp("boot_loader", S, "Boot loader type (SYSLINUX, GRUB, etc.)").wire("bootLoader"),
    comp(
        "boot_loader_protocol",
        S,
        "Boot loader protocol (HTTP, TFTP, etc.)",
    )
    .wire("bootLoaderProtocol"),
    comp("install_mode", S, "Installation mode (AUTO, FULL, etc.)").wire("installMode"),
    comp("kernel_version", S, "Kernel version").wire("kernelVersion"),
    comp("kernel_parameters", S, "Kernel boot parameters").wire("kernelParameters"),
    comp("kernel_output_console", S, "Kernel console output device").wire("kernelOutputConsole"),
    comp("default_gateway", S, "Default gateway IP address").wire("defaultGateway"),
    comp("default_gateway_metric", N, "Default gateway metric").wire("defaultGatewayMetric"),
    comp("name_servers", LS, "List of DNS servers"),
    comp("search_domains", LS, "List of DNS search domains"),
    comp("time_servers", LS, "List of NTP time servers"),
    comp("authentication_service", S, "Authentication service type").wire("authenticationService"),
    comp("io_scheduler", S, "I/O scheduler").wire("ioScheduler"),
    comp("fips", S, "FIPS mode setting").wire("fips"),
    comp("interactive_user", S, "Interactive user mode").wire("interactiveUser"),
    comp("allow_networking_restart", B, "Allow network restart").wire("allowNetworkingRestart"),
    comp("install_boot_record", B, "Install boot record").wire("installBootRecord"),
    comp("data_node", B, "Is data node").wire("dataNode"),
    comp("version_config_files", B, "Version configuration files").wire("versionConfigFiles"),
    comp("modified", B, "Has unsaved changes").wire("modified"),
    comp("to_be_removed", B, "Scheduled for removal").wire("to_be_removed"),
    comp("notes", S, "Administrative notes").wire("notes"),
    comp(
        "parent_uuid",
        S,
        "Parent category UUID (for cloned categories)",
    )
    .wire("parent_uuid"),
    comp("modules", LS, "Kernel modules"),
    comp("fsmounts", LS, "Filesystem mounts"),
    comp("roles", LS, "Assigned roles"),
    comp("services", LS, "Assigned services"),
];

pub(crate) const CATEGORIES: &[Field] = &[
    comp("id", S, "Data source identifier"),
    opt(
        "name",
        S,
        "Optional filter to return only categories matching this name exactly",
    ),
    comp(
        "categories",
        NL(CATEGORY),
        "List of categories matching the filter criteria",
    ),
];

// ---- bcm_cmnet_networks ----

const NETWORK: &[Field] = &[
    comp("id", S, "Network UUID (same as uuid).").wire("uuid"),
    comp("uuid", S, "Unique network identifier.").wire("uuid"),
    comp("name", S, "Network name.").wire("name"),
    comp("base_address", S, "Network base IP address.").wire("baseAddress"),
    comp("netmask_bits", N, "CIDR netmask bits.").wire("netmaskBits"),
    comp("gateway", S, "Default gateway IP address.").wire("gateway"),
    comp("network_type", S, "Network type (INTERNAL, GLOBAL, etc.).").wire("type"),
    comp("mtu", N, "Maximum transmission unit.").wire("mtu"),
    comp("domain_name", S, "DNS domain name.").wire("domainName"),
    comp("generate_dns_zone", S, "DNS zone generation policy.").wire("generateDNSZone"),
    comp("search_domain_index", N, "Search domain priority index.").wire("searchDomainIndex"),
    comp(
        "dhcp_enabled",
        B,
        "DHCP enabled flag (computed from dynamic range).",
    ),
    comp("dynamic_range_start", S, "DHCP range start IP address.").wire("dynamicRangeStart"),
    comp("dynamic_range_end", S, "DHCP range end IP address.").wire("dynamicRangeEnd"),
    comp("management", B, "Is management network flag.").wire("management"),
    comp("bootable", B, "Network supports PXE boot.").wire("bootable"),
    comp("layer3", B, "Layer 3 networking enabled.").wire("layer3"),
    comp("ipv6_enabled", B, "IPv6 protocol enabled flag.").wire("IPv6"),
    comp("ipv6_base_address", S, "IPv6 network base address.").wire("ipv6BaseAddress"),
    comp("ipv6_gateway", S, "IPv6 gateway address.").wire("ipv6Gateway"),
    comp("ipv6_netmask_bits", N, "IPv6 CIDR netmask bits.").wire("ipv6NetmaskBits"),
    comp("base_type", S, "Entity base type.").wire("baseType"),
    comp("child_type", S, "Network subtype.").wire("childType"),
    comp("revision", S, "Revision identifier.").wire("revision"),
    comp("modified", B, "Has unsaved changes pending.").wire("modified"),
    comp("to_be_removed", B, "Scheduled for deletion flag.").wire("to_be_removed"),
    comp("layer3_route", S, "Layer 3 routing mode.").wire("layer3route"),
    comp("gateway_metric", N, "Gateway routing metric.").wire("gatewayMetric"),
    comp("allow_autosign", S, "Autosign policy.").wire("allowAutosign"),
    comp("cloud_subnet_id", S, "Cloud provider subnet identifier.").wire("cloudSubnetID"),
    comp("ec2_availability_zone", S, "AWS EC2 availability zone.").wire("EC2AvailabilityZone"),
    comp("notes", S, "User-provided notes.").wire("notes"),
];

const NETWORKS_FILTER: &[Field] = &[
    opt(
        "name_pattern",
        S,
        "Case-insensitive substring match for network name.",
    ),
    opt("dhcp_enabled", B, "Filter by DHCP enabled status."),
];

pub(crate) const NETWORKS: &[Field] = &[
    comp("id", S, "Placeholder identifier for the data source."),
    comp(
        "networks",
        NL(NETWORK),
        "List of network objects matching the filter criteria, sorted by name, type and UUID.",
    ),
    block(
        "filter",
        Kind::BlockSingle(NETWORKS_FILTER),
        "Optional filters to narrow down the list of networks.",
    ),
];

// ---- bcm_cmpart_softwareimages ----

const KERNEL_MODULE: &[Field] = &[
    comp("uuid", S, "Module UUID").wire("uuid"),
    comp("name", S, "Module name (e.g., nvidia-drm)").wire("name"),
    comp("parameters", S, "Module load parameters").wire("parameters"),
    comp("base_type", S, "Module category").wire("baseType"),
    comp("child_type", S, "Module subcategory").wire("childType"),
    comp("revision", S, "Module version").wire("revision"),
    comp("modified", B, "Module configuration has been modified").wire("modified"),
    comp("to_be_removed", B, "Module scheduled for removal").wire("to_be_removed"),
];

const SOFTWARE_IMAGE: &[Field] = &[
    comp("id", S, "Software image identifier (same as uuid)").wire("uuid"),
    comp("uuid", S, "Software image UUID").wire("uuid"),
    comp("name", S, "Software image name").wire("name"),
    comp("path", S, "Filesystem path of the image on the headnode").wire("path"),
    comp("kernel_version", S, "Kernel version").wire("kernelVersion"),
    comp("kernel_parameters", S, "Kernel boot parameters").wire("kernelParameters"),
    comp("kernel_output_console", S, "Kernel output console").wire("kernelOutputConsole"),
    comp("bootfs_part", S, "Boot filesystem partition UUID").wire("bootfspart"),
    comp("fs_part", S, "Filesystem partition UUID").wire("fspart"),
    comp("enable_sol", B, "Serial over LAN enabled").wire("enableSOL"),
    comp("sol_port", S, "Serial over LAN port").wire("SOLPort"),
    comp("sol_speed", S, "Serial over LAN speed").wire("SOLSpeed"),
    comp("sol_flow_control", B, "Serial over LAN flow control").wire("SOLFlowControl"),
    comp("base_type", S, "Entity base type").wire("baseType"),
    comp("child_type", S, "Image category").wire("childType"),
    comp("creation_time", N, "Creation time").wire("creationTime"),
    comp("revision", S, "Revision").wire("revision"),
    comp("revision_id", N, "Revision number").wire("revisionID"),
    comp("original_image", S, "Image this one was cloned from").wire("originalImage"),
    comp("parent_software_image", S, "Parent software image UUID").wire("parentSoftwareImage"),
    comp("parent_uuid", S, "Parent UUID").wire("parent_uuid"),
    comp(
        "file_operation_in_progress",
        B,
        "A file operation (clone, update) is running",
    )
    .wire("fileOperationInProgress"),
    comp("modified", B, "Has unsaved changes").wire("modified"),
    comp("to_be_removed", B, "Scheduled for removal").wire("to_be_removed"),
    comp("notes", S, "Notes").wire("notes"),
    comp("modules", NL(KERNEL_MODULE), "Kernel modules of the image").wire("modules"),
];

const SOFTWARE_IMAGES_FILTER: &[Field] = &[
    opt(
        "name_pattern",
        S,
        "Case-insensitive substring match for image name.",
    ),
    opt(
        "category",
        S,
        "Exact match for image category (child_type).",
    ),
];

pub(crate) const SOFTWARE_IMAGES: &[Field] = &[
    comp("id", S, "Placeholder identifier for the data source."),
    comp(
        "images",
        NL(SOFTWARE_IMAGE),
        "Software images matching the filter criteria.",
    ),
    block(
        "filter",
        Kind::BlockSingle(SOFTWARE_IMAGES_FILTER),
        "Optional filters to narrow down the list of software images.",
    ),
];

// ---- bcm_cmdevice_roles ----

const ROLE: &[Field] = &[
    comp("id", S, "Role identifier (same as UUID)").wire("uuid"),
    comp("uuid", S, "Unique role identifier").wire("uuid"),
    comp(
        "name",
        S,
        "Role name (e.g., 'headnode', 'compute', 'storage')",
    )
    .wire("name"),
    comp(
        "child_type",
        S,
        "Role type (e.g., 'HeadNodeRole', 'ComputeRole')",
    )
    .wire("childType"),
    comp("base_type", S, "Base entity type (always 'Role')").wire("baseType"),
    comp("add_services", B, "Whether role adds services to node").wire("addServices"),
];

pub(crate) const ROLES: &[Field] = &[
    comp("id", S, "Data source identifier"),
    opt("name_pattern", S, "Glob pattern to filter roles by name (e.g., 'kube-*', 'head*'). Supports wildcards: * (any chars), ? (single char), [abc] (char class)."),
    opt("child_type", S, "Exact match filter for role type (e.g., 'HeadNodeRole', 'ComputeRole', 'StorageRole')."),
    comp("roles", NL(ROLE), "List of roles matching filter criteria, sorted by name"),
];

// ---- bcm_cmpart_partitions ----

const PARTITION: &[Field] = &[
    comp("id", S, "Partition identifier (same as uuid)").wire("uuid"),
    comp("uuid", S, "Partition UUID (primary identifier)").wire("uuid"),
    comp("name", S, "Human-readable partition name").wire("name"),
    comp("base_type", S, "BCM entity base type (typically Partition)").wire("baseType"),
    comp("child_type", S, "BCM polymorphic type discriminator").wire("childType"),
    comp("cluster_name", S, "Display name for the cluster").wire("clusterName"),
    comp(
        "slave_name",
        S,
        "Node naming prefix (e.g., node for node001, node002)",
    )
    .wire("slaveName"),
    comp(
        "slave_digits",
        N,
        "Number of digits in node numbering (e.g., 3 for node001)",
    )
    .wire("slaveDigits"),
    comp(
        "relay_host",
        S,
        "SMTP relay hostname for email notifications",
    )
    .wire("relayHost"),
    comp("no_zero_conf", B, "Disable Zeroconf networking").wire("noZeroConf"),
    comp("admin_email", LS, "Administrator email addresses").wire("adminEmail"),
    comp("time_servers", LS, "NTP time server addresses").wire("timeServers"),
    comp("search_domains", LS, "DNS search domains").wire("searchDomains"),
    comp("name_servers", LS, "DNS name server addresses").wire("nameServers"),
    comp("creation_time", N, "Unix timestamp of partition creation").wire("creationTime"),
    comp("revision", S, "BCM revision tracking field").wire("revision"),
    comp(
        "modified",
        B,
        "Whether partition has uncommitted modifications",
    )
    .wire("modified"),
    comp(
        "to_be_removed",
        B,
        "Whether partition is marked for deletion",
    )
    .wire("to_be_removed"),
    comp("notes", S, "User notes or description").wire("notes"),
];

const PARTITIONS_FILTER: &[Field] = &[opt(
    "name_pattern",
    S,
    "Case-insensitive substring match for partition name (e.g., base matches base-partition)",
)];

pub(crate) const PARTITIONS: &[Field] = &[
    comp("id", S, "Placeholder identifier for this data source"),
    comp(
        "partitions",
        NL(PARTITION),
        "List of partitions retrieved from BCM cluster",
    ),
    block(
        "filter",
        Kind::BlockSingle(PARTITIONS_FILTER),
        "Client-side filtering criteria for partitions",
    ),
];

// ---- bcm_cmkube_clusters ----

const KUBE_CLUSTER: &[Field] = &[
    comp("id", S, "Cluster identifier (same as uuid).").wire("uuid"),
    comp("uuid", S, "BCM-assigned cluster UUID.").wire("uuid"),
    comp("name", S, "Cluster name.").wire("name"),
    comp("master_nodes", LS, "List of master node UUIDs."),
    comp("worker_nodes", LS, "List of worker node UUIDs."),
    comp(
        "management_network",
        S,
        "Management network UUID for cluster management traffic.",
    )
    .wire("managementNetwork"),
    comp(
        "overlay_network",
        S,
        "Pod network overlay configuration (CIDR).",
    )
    .wire("overlayNetwork"),
    comp("dns_servers", LS, "List of DNS server IP addresses."),
    comp("version", S, "Kubernetes version (semver format).").wire("version"),
    comp(
        "cni_plugin",
        S,
        "Container Network Interface (CNI) plugin name.",
    )
    .wire("cniPlugin"),
    comp(
        "storage_classes",
        S,
        "Storage class definitions (JSON-encoded).",
    )
    .wire("storageClasses"),
    comp("load_balancer_mode", S, "Load balancer mode/strategy.").wire("loadBalancerMode"),
    comp("addons", S, "Cluster addons configuration (JSON-encoded).").wire("addons"),
    comp(
        "ingress_controller",
        S,
        "Ingress controller configuration (JSON-encoded).",
    )
    .wire("ingressController"),
    comp(
        "creation_time",
        N,
        "Cluster creation timestamp (Unix epoch).",
    )
    .wire("creationTime"),
    comp("revision_id", N, "BCM revision number for change tracking.").wire("revisionID"),
];

const KUBE_CLUSTERS_FILTER: &[Field] = &[
    opt("name_pattern", S, "Case-insensitive substring match for cluster name (e.g., 'prod' matches 'Prod-Cluster-01')."),
    opt("version", S, "Exact match for Kubernetes version (semver format, e.g., '1.28.0')."),
    opt("master_node_id", S, "Find clusters containing this master node UUID in their master_nodes list."),
];

pub(crate) const KUBE_CLUSTERS: &[Field] = &[
    comp("id", S, "Data source identifier (always 'cmkube-clusters')."),
    comp("clusters", NL(KUBE_CLUSTER), "List of Kubernetes clusters matching the filter criteria."),
    block("filter", Kind::BlockSingle(KUBE_CLUSTERS_FILTER), "Optional filter criteria to limit returned clusters. Multiple filters use AND logic (all filters must match)."),
];

/// Every data source: type name, table, description.
pub(crate) const DATA_SOURCES: &[(&str, &[Field], &str)] = &[
    ("bcm_cmdevice_nodes", NODES, "Fetches cluster nodes from BCM CMDevice service with comprehensive metadata including network interfaces and roles."),
    ("bcm_cmdevice_categories", CATEGORIES, "Fetches a list of node categories from BCM CMDevice API."),
    ("bcm_cmnet_networks", NETWORKS, "Retrieves network configurations from the BCM CMNet service."),
    ("bcm_cmpart_softwareimages", SOFTWARE_IMAGES, "Fetches software images from the BCM CMPart service."),
    ("bcm_cmdevice_roles", ROLES, "Fetches available role types from BCM for device role assignment. Roles are extracted from nodes via cmdevice.getNodes and deduplicated by UUID."),
    ("bcm_cmpart_partitions", PARTITIONS, "Fetches partition information from BCM CMPart service."),
    ("bcm_cmkube_clusters", KUBE_CLUSTERS, "Data source to discover and filter BCM Kubernetes clusters."),
];

/// The list a call answers; anything but an array is a decode error.
async fn list(headnode: &dyn Headnode, service: &str, call: &str) -> Result<Vec<Json>, Diagnostic> {
    let what = format!("calling {service}.{call}");
    match headnode.call(Request::new(service, call, vec![])).await {
        Ok(Json::Array(items)) => Ok(items),
        Ok(other) => Err(
            Diagnostic::error("Unable to parse BCM API response").detail(format!(
                "{service}.{call} answered {} instead of a list.",
                short(&other)
            )),
        ),
        Err(e) => Err(e.to_diagnostic(&what)),
    }
}

fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.len() > 120 {
        format!(
            "{}...",
            &s[..s.char_indices().nth(117).map(|(i, _)| i).unwrap_or(117)]
        )
    } else {
        s
    }
}

fn contains_ci(haystack: &Json, needle: &str) -> bool {
    haystack
        .as_str()
        .unwrap_or("")
        .to_lowercase()
        .contains(&needle.to_lowercase())
}

/// The configured `filter` block (null when absent), echoed into the result.
fn filter_of(config: &Conf) -> (Json, Option<Conf>) {
    let echo = config.json("filter").cloned().unwrap_or(Json::Null);
    (echo, config.list("filter").into_iter().next())
}

/// Reads a data source.
pub(crate) async fn read(
    headnode: &dyn Headnode,
    type_name: &str,
    config: &Value,
) -> Result<Value, Diagnostic> {
    let Some((_, fields, _)) = DATA_SOURCES.iter().find(|(n, _, _)| *n == type_name) else {
        return Err(Diagnostic::error("Invalid data source").detail(format!(
            "The provider {} does not support data source {type_name:?}.",
            super::SOURCE
        )));
    };
    let config = Conf::of(config, fields);
    let out = match type_name {
        "bcm_cmdevice_nodes" => nodes(headnode, &config).await?,
        "bcm_cmdevice_categories" => categories(headnode, &config).await?,
        "bcm_cmnet_networks" => networks(headnode, &config).await?,
        "bcm_cmpart_softwareimages" => software_images(headnode, &config).await?,
        "bcm_cmdevice_roles" => roles(headnode, &config).await?,
        "bcm_cmpart_partitions" => partitions(headnode, &config).await?,
        _ => kube_clusters(headnode, &config).await?,
    };
    to_value(&out, fields)
}

async fn nodes(headnode: &dyn Headnode, config: &Conf) -> Result<Json, Diagnostic> {
    let (echo, filter) = filter_of(config);
    let items = list(headnode, "cmdevice", "getNodes").await?;
    let mut nodes = Vec::new();
    for node in items.iter().filter(|n| n.is_object()) {
        let m = map_entity(node, NODE);
        if let Some(f) = &filter {
            if let Some(t) = f.str("child_type") {
                if m["child_type"].as_str() != Some(t) {
                    continue;
                }
            }
            if let Some(c) = f.str("category_uuid") {
                if m["category"].as_str() != Some(c) {
                    continue;
                }
            }
            if let Some(p) = f.str("hostname_pattern") {
                if !contains_ci(&m["hostname"], p) {
                    continue;
                }
            }
        }
        nodes.push(Json::Object(m));
    }
    Ok(json!({"id": "placeholder", "filter": echo, "nodes": nodes}))
}

async fn categories(headnode: &dyn Headnode, config: &Conf) -> Result<Json, Diagnostic> {
    let items = list(headnode, "cmdevice", "getCategories").await?;
    let wanted = config.str("name");
    let mut out = Vec::new();
    for cat in items.iter().filter(|c| c.is_object()) {
        if let Some(name) = wanted {
            if cat.get("name").and_then(Json::as_str) != Some(name) {
                continue;
            }
        }
        let mut m = map_entity(cat, CATEGORY);
        m.insert(
            "software_image_id".into(),
            cat.get("softwareImageProxy")
                .map(|p| wire_string(p, "parentSoftwareImage"))
                .unwrap_or(Json::Null),
        );
        // The provider fills the list attributes with empty lists (it never mapped them).
        for name in [
            "name_servers",
            "search_domains",
            "time_servers",
            "modules",
            "fsmounts",
            "roles",
            "services",
        ] {
            m.insert(name.into(), json!([]));
        }
        out.push(Json::Object(m));
    }
    Ok(
        json!({"id": "categories", "name": config.json("name").cloned().unwrap_or(Json::Null), "categories": out}),
    )
}

async fn networks(headnode: &dyn Headnode, config: &Conf) -> Result<Json, Diagnostic> {
    let (echo, filter) = filter_of(config);
    let items = list(headnode, "cmnet", "getNetworks").await?;
    let mut out: Vec<Map<String, Json>> = Vec::new();
    for net in items.iter().filter(|n| n.is_object()) {
        let mut m = map_entity(net, NETWORK);
        let set = |v: &Json| v.as_str().is_some_and(|s| s != "0.0.0.0");
        let dhcp = set(&m["dynamic_range_start"]) && set(&m["dynamic_range_end"]);
        m.insert("dhcp_enabled".into(), Json::Bool(dhcp));
        if let Some(f) = &filter {
            if let Some(p) = f.str("name_pattern") {
                if !contains_ci(&m["name"], p) {
                    continue;
                }
            }
            if let Some(d) = f.bool("dhcp_enabled") {
                if d != dhcp {
                    continue;
                }
            }
        }
        out.push(m);
    }
    let key = |m: &Map<String, Json>, k: &str| m[k].as_str().unwrap_or("").to_string();
    out.sort_by(|a, b| {
        (key(a, "name"), key(a, "network_type"), key(a, "uuid")).cmp(&(
            key(b, "name"),
            key(b, "network_type"),
            key(b, "uuid"),
        ))
    });
    Ok(json!({"id": "cmnet-networks", "filter": echo, "networks": out}))
}

async fn software_images(headnode: &dyn Headnode, config: &Conf) -> Result<Json, Diagnostic> {
    let (echo, filter) = filter_of(config);
    let items = list(headnode, "CMPart", "getSoftwareImages").await?;
    let mut out = Vec::new();
    for img in items.iter().filter(|i| i.is_object()) {
        let m = map_entity(img, SOFTWARE_IMAGE);
        if let Some(f) = &filter {
            if let Some(p) = f.str("name_pattern") {
                if !contains_ci(&m["name"], p) {
                    continue;
                }
            }
            if let Some(c) = f.str("category") {
                if m["child_type"].as_str().unwrap_or("") != c {
                    continue;
                }
            }
        }
        out.push(Json::Object(m));
    }
    Ok(json!({"id": "placeholder", "filter": echo, "images": out}))
}

async fn roles(headnode: &dyn Headnode, config: &Conf) -> Result<Json, Diagnostic> {
    let pattern = match config.str("name_pattern") {
        Some(p) => Some(glob::Pattern::new(p).map_err(|e| {
            Diagnostic::error("Invalid name_pattern")
                .detail(format!("Glob pattern syntax error: {e}"))
        })?),
        None => None,
    };
    let items = list(headnode, "cmdevice", "getNodes").await?;
    // Deduplicated by UUID; the last copy wins, as in the provider's map.
    let mut by_uuid: BTreeMap<String, Map<String, Json>> = BTreeMap::new();
    for node in &items {
        for role in node
            .get("roles")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(uuid) = wire_string(role, "uuid").as_str() {
                by_uuid.insert(uuid.to_string(), map_entity(role, ROLE));
            }
        }
    }
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let mut out: Vec<Map<String, Json>> = by_uuid
        .into_values()
        .filter(|r| {
            let name = r["name"].as_str().unwrap_or("");
            pattern
                .as_ref()
                .is_none_or(|p| p.matches_with(name, options))
                && config
                    .str("child_type")
                    .is_none_or(|t| r["child_type"].as_str() == Some(t))
        })
        .collect();
    // The provider returns a Go map's random order; bcmhcl sorts by name, then UUID.
    let key = |m: &Map<String, Json>| {
        (
            m["name"].as_str().unwrap_or("").to_string(),
            m["uuid"].as_str().unwrap_or("").to_string(),
        )
    };
    out.sort_by_key(key);
    Ok(json!({
        "id": "roles",
        "name_pattern": config.json("name_pattern").cloned().unwrap_or(Json::Null),
        "child_type": config.json("child_type").cloned().unwrap_or(Json::Null),
        "roles": out,
    }))
}

async fn partitions(headnode: &dyn Headnode, config: &Conf) -> Result<Json, Diagnostic> {
    let (echo, filter) = filter_of(config);
    let items = list(headnode, "cmpart", "getPartitions").await?;
    let pattern = filter.as_ref().and_then(|f| f.str("name_pattern"));
    let out: Vec<Json> = items
        .iter()
        .filter(|p| p.is_object())
        .map(|p| map_entity(p, PARTITION))
        .filter(|m| pattern.is_none_or(|p| contains_ci(&m["name"], p)))
        .map(Json::Object)
        .collect();
    Ok(json!({"id": "placeholder", "filter": echo, "partitions": out}))
}

async fn kube_clusters(headnode: &dyn Headnode, config: &Conf) -> Result<Json, Diagnostic> {
    let (echo, filter) = filter_of(config);
    let items = list(headnode, "cmkube", "getKubeClusters").await?;
    let mut out = Vec::new();
    for cluster in items.iter().filter(|c| c.is_object()) {
        let mut m = map_entity(cluster, KUBE_CLUSTER);
        // The provider's `getListValue`: non-empty strings; an empty list reads as null.
        for (name, key) in [
            ("master_nodes", "masterNodes"),
            ("worker_nodes", "workerNodes"),
            ("dns_servers", "dnsServers"),
        ] {
            let items: Vec<Json> = wire_strings(cluster, key)
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|s| s.as_str() != Some(""))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            m.insert(
                name.into(),
                if items.is_empty() {
                    Json::Null
                } else {
                    Json::Array(items)
                },
            );
        }
        if let Some(f) = &filter {
            if let Some(p) = f.str("name_pattern") {
                if !contains_ci(&m["name"], p) {
                    continue;
                }
            }
            if let Some(v) = f.str("version") {
                if m["version"].as_str().unwrap_or("") != v {
                    continue;
                }
            }
            if let Some(node) = f.str("master_node_id") {
                let masters = cluster.get("masterNodes").and_then(Json::as_array);
                if !masters.is_some_and(|m| m.iter().any(|n| n.as_str() == Some(node))) {
                    continue;
                }
            }
        }
        out.push(Json::Object(m));
    }
    Ok(json!({"id": "cmkube-clusters", "filter": echo, "clusters": out}))
}

/// The configuration value of a data source (all attributes null) with some set: for tests.
#[cfg(test)]
pub(crate) fn config_with(fields: &[Field], pairs: &[(&str, Json)]) -> Value {
    // As the decoder gives it: null attributes, empty lists for absent repeated blocks.
    let mut m: Map<String, Json> = fields
        .iter()
        .map(|f| {
            let empty = match f.kind {
                Kind::BlockList(_) => json!([]),
                _ => Json::Null,
            };
            (f.name.to_string(), empty)
        })
        .collect();
    for (k, v) in pairs {
        m.insert(k.to_string(), v.clone());
    }
    let ty = super::fields::block_of(fields).implied_type();
    crate::value::value_from_json_typed(&Json::Object(m), &ty).unwrap_or(Value::NULL)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::provider::bcm::fields::value_json;
    use crate::provider::bcm::offline::OfflineInventory;
    use crate::provider::bcm::wire::Inventory;

    pub(crate) fn sample_inventory() -> Inventory {
        serde_json::from_value(json!({
            "softwareImages": [
                {"uuid": "img-1", "name": "default-image", "path": "/cm/images/default-image",
                 "kernelVersion": "5.15.0", "childType": "", "creationTime": 1700000000000u64,
                 "modules": [{"uuid": "m1", "name": "nvidia-drm", "parameters": "", "baseType": "KernelModule"}]},
                {"uuid": "img-2", "name": "gpu-image", "path": "/cm/images/gpu-image", "kernelVersion": "6.1"}
            ],
            "networks": [
                {"uuid": "net-2", "name": "ipminet", "type": "INTERNAL", "baseAddress": "10.148.0.0", "netmaskBits": 16,
                 "dynamicRangeStart": "0.0.0.0", "dynamicRangeEnd": "0.0.0.0"},
                {"uuid": "net-1", "name": "internalnet", "type": "INTERNAL", "baseAddress": "10.141.0.0", "netmaskBits": 16,
                 "dynamicRangeStart": "10.141.160.0", "dynamicRangeEnd": "10.141.167.255", "IPv6": false, "mtu": 1500},
                {"uuid": "net-0", "name": "externalnet", "type": "GLOBAL", "baseAddress": "192.168.0.0", "netmaskBits": 24}
            ],
            "categories": [
                {"uuid": "cat-1", "name": "default", "managementNetwork": "net-1",
                 "softwareImageProxy": {"baseType": "SoftwareImageProxy", "uuid": "p1", "parentSoftwareImage": "img-1", "revisionID": 0},
                 "installMode": "AUTO", "bootLoader": "SYSLINUX", "nameServers": ["8.8.8.8"]},
                {"uuid": "cat-2", "name": "gpu", "managementNetwork": "net-1", "partition": "part-1"}
            ],
            "partitions": [{"uuid": "part-1", "name": "base", "clusterName": "cluster", "adminEmail": [], "slaveDigits": 3}],
            "nodes": [
                {"uuid": "head-1", "hostname": "bcm-head", "childType": "HeadNode", "mac": "00:11:22:33:44:00",
                 "category": "", "roles": [
                    {"baseType": "Role", "childType": "BootRole", "uuid": "r-boot", "name": "boot", "addServices": true},
                    {"baseType": "Role", "childType": "ProvisioningRole", "uuid": "r-prov", "name": "provisioning"}
                 ]},
                {"uuid": "n-1", "hostname": "node001", "childType": "PhysicalNode", "mac": "00:11:22:33:44:01",
                 "category": "cat-1", "partition": "part-1", "powerControl": "ipmi0", "creationTime": 1700000001,
                 "interfaces": [{"baseType": "NetworkInterface", "childType": "NetworkPhysicalInterface", "uuid": "i-1",
                    "name": "BOOTIF", "network": "net-1", "mac": "00:11:22:33:44:01", "ip": "10.141.0.1", "ipv6Ip": "::0",
                    "dhcp": false, "bootable": true, "startIf": "ALWAYS", "cardtype": "Ethernet"}],
                 "roles": [{"baseType": "Role", "childType": "ProvisioningRole", "uuid": "r-prov", "name": "provisioning"}]},
                {"uuid": "n-2", "hostname": "GPU-node002", "childType": "PhysicalNode", "category": "cat-2"}
            ],
            "kubeClusters": [
                {"uuid": "k-1", "name": "Prod-K8s", "version": "1.28.0", "masterNodes": ["n-1"], "workerNodes": []}
            ]
        }))
        .unwrap()
    }

    async fn read_json(type_name: &str, pairs: &[(&str, Json)]) -> Json {
        let inv = OfflineInventory::new(sample_inventory());
        let fields = DATA_SOURCES
            .iter()
            .find(|(n, _, _)| *n == type_name)
            .unwrap()
            .1;
        let v = read(&inv, type_name, &config_with(fields, pairs))
            .await
            .unwrap();
        value_json(&v).unwrap()
    }

    #[tokio::test]
    async fn nodes_map_every_attribute_and_have_no_state() {
        let out = read_json("bcm_cmdevice_nodes", &[]).await;
        assert_eq!(out["id"], "placeholder");
        let nodes = out["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 3);
        let n = &nodes[1];
        assert_eq!(n["id"], "n-1");
        assert_eq!(n["power_control"], "ipmi0");
        assert_eq!(n["creation_time"], 1700000001);
        assert_eq!(n["interfaces"][0]["ipv6_ip"], "::0");
        assert_eq!(n["interfaces"][0]["dhcp"], false);
        assert_eq!(n["roles"][0]["name"], "provisioning");
        assert!(n.get("state").is_none());
        assert_eq!(
            nodes[0]["category"],
            Json::Null,
            "empty strings read as null"
        );
        assert_eq!(nodes[2]["interfaces"], json!([]));
    }

    #[tokio::test]
    async fn node_filters_combine() {
        async fn filter(f: Json) -> Json {
            read_json("bcm_cmdevice_nodes", &[("filter", f)]).await
        }
        let hosts = |v: Json| -> Vec<String> {
            v["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["hostname"].as_str().unwrap().to_string())
                .collect()
        };
        let out = filter(
            json!({"child_type": "PhysicalNode", "category_uuid": null, "hostname_pattern": "gpu"}),
        )
        .await;
        assert_eq!(hosts(out.clone()), ["GPU-node002"]);
        assert_eq!(out["filter"]["hostname_pattern"], "gpu");
        let out =
            filter(json!({"child_type": null, "category_uuid": "cat-1", "hostname_pattern": null}))
                .await;
        assert_eq!(hosts(out), ["node001"]);
        let out = filter(
            json!({"child_type": "HeadNode", "category_uuid": null, "hostname_pattern": "NODE"}),
        )
        .await;
        assert!(hosts(out).is_empty());
    }

    #[tokio::test]
    async fn networks_are_sorted_and_dhcp_is_derived_from_the_range() {
        let out = read_json("bcm_cmnet_networks", &[]).await;
        let names: Vec<&str> = out["networks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["externalnet", "internalnet", "ipminet"]);
        assert_eq!(out["networks"][1]["dhcp_enabled"], true);
        assert_eq!(out["networks"][2]["dhcp_enabled"], false);
        assert_eq!(out["networks"][0]["dhcp_enabled"], false, "no range at all");
        assert_eq!(out["networks"][1]["id"], "net-1");
        assert_eq!(out["networks"][1]["mtu"], 1500);
        assert_eq!(out["networks"][1]["ipv6_enabled"], false);
        let out = read_json(
            "bcm_cmnet_networks",
            &[(
                "filter",
                json!({"name_pattern": "NET", "dhcp_enabled": true}),
            )],
        )
        .await;
        assert_eq!(out["networks"].as_array().unwrap().len(), 1);
        assert_eq!(out["networks"][0]["name"], "internalnet");
    }

    #[tokio::test]
    async fn categories_filter_by_exact_name_and_read_the_image_from_the_proxy() {
        let out = read_json("bcm_cmdevice_categories", &[("name", json!("default"))]).await;
        let cats = out["categories"].as_array().unwrap();
        assert_eq!(cats.len(), 1);
        assert_eq!(cats[0]["software_image_id"], "img-1");
        assert_eq!(cats[0]["management_network_id"], "net-1");
        assert_eq!(
            cats[0]["name_servers"],
            json!([]),
            "the provider never maps lists"
        );
        let out = read_json("bcm_cmdevice_categories", &[("name", json!("Default"))]).await;
        assert!(out["categories"].as_array().unwrap().is_empty());
        let out = read_json("bcm_cmdevice_categories", &[]).await;
        assert_eq!(out["categories"][1]["software_image_id"], Json::Null);
    }

    #[tokio::test]
    async fn software_images_partitions_and_clusters() {
        let out = read_json(
            "bcm_cmpart_softwareimages",
            &[("filter", json!({"name_pattern": "GPU", "category": null}))],
        )
        .await;
        assert_eq!(out["images"].as_array().unwrap().len(), 1);
        assert_eq!(out["images"][0]["uuid"], "img-2");
        assert_eq!(out["images"][0]["modules"], json!([]));
        let out = read_json("bcm_cmpart_softwareimages", &[]).await;
        assert_eq!(out["images"][0]["modules"][0]["name"], "nvidia-drm");
        assert_eq!(out["images"][0]["modules"][0]["parameters"], Json::Null);

        let out = read_json("bcm_cmpart_partitions", &[]).await;
        assert_eq!(out["partitions"][0]["name"], "base");
        assert_eq!(out["partitions"][0]["admin_email"], json!([]));
        assert_eq!(out["partitions"][0]["name_servers"], Json::Null);
        assert_eq!(out["partitions"][0]["slave_digits"], 3);

        let out = read_json(
            "bcm_cmkube_clusters",
            &[(
                "filter",
                json!({"name_pattern": "prod", "version": null, "master_node_id": "n-1"}),
            )],
        )
        .await;
        assert_eq!(out["clusters"][0]["master_nodes"], json!(["n-1"]));
        assert_eq!(out["clusters"][0]["worker_nodes"], Json::Null);
        let out = read_json(
            "bcm_cmkube_clusters",
            &[(
                "filter",
                json!({"name_pattern": null, "version": "1.29.0", "master_node_id": null}),
            )],
        )
        .await;
        assert!(out["clusters"].as_array().unwrap().is_empty());
    }

    #[tokio::test]
    async fn roles_are_deduplicated_sorted_and_glob_filtered() {
        let out = read_json("bcm_cmdevice_roles", &[]).await;
        let names: Vec<&str> = out["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["boot", "provisioning"]);
        let out = read_json("bcm_cmdevice_roles", &[("name_pattern", json!("prov*"))]).await;
        assert_eq!(out["roles"].as_array().unwrap().len(), 1);
        let out = read_json("bcm_cmdevice_roles", &[("child_type", json!("BootRole"))]).await;
        assert_eq!(out["roles"][0]["add_services"], true);
        let inv = OfflineInventory::new(sample_inventory());
        let err = read(
            &inv,
            "bcm_cmdevice_roles",
            &config_with(ROLES, &[("name_pattern", json!("[a"))]),
        )
        .await
        .unwrap_err();
        assert_eq!(err.summary, "Invalid name_pattern");
    }
}
