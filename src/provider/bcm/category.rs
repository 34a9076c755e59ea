//! `bcm_cmdevice_category`: a node category (`bcm-api.md` §6.2). Plain arguments map one to one
//! onto camelCase entity fields through the table's wire keys; the nested objects (image proxy,
//! BMC settings, modules, mounts, roles) are mapped by hand.

use super::client::Headnode;
use super::fields::{
    comp, opt, optc, req, to_value, wire_bool, wire_int, wire_string, wire_strings, Conf, Field,
    Kind, Mode, B, N, S,
};
use super::{attr, call, known_str, set_attr};
use crate::diag::Diagnostic;
use crate::provider::PlanResponse;
use crate::schema::{proposed_new, raw_equals};
use crate::value::{Type, Value};
use serde_json::{json, Map, Value as Json};

use Kind::{Dynamic as D, ListString as LS, NestedList as NL, NestedSingle as NS};

pub(crate) const TYPE: &str = "bcm_cmdevice_category";

const SOFTWARE_IMAGE_PROXY: &[Field] = &[
    req(
        "parent_software_image",
        S,
        "Parent software image UUID reference",
    )
    .wire("parentSoftwareImage"),
    comp("uuid", S, "Unique identifier").wire("uuid"),
    comp("revision_id", N, "Revision identifier").wire("revisionID"),
];

const BMC_SETTINGS: &[Field] = &[
    opt("user_name", S, "BMC user name").wire("userName"),
    opt("password", S, "BMC password").sensitive(),
    opt("privilege", S, "BMC privilege level (e.g. ADMINISTRATOR)").wire("privilege"),
    opt("user_id", N, "BMC user ID").wire("userId"),
    opt("firmware_manage_mode", S, "Firmware management mode").wire("firmwareManageMode"),
    opt("leak_policy", S, "Leak detection policy").wire("leakPolicy"),
    opt("leak_reaction_delay", N, "Leak reaction delay (seconds)").wire("leakReactionDelay"),
    opt("power_reset_delay", N, "Power reset delay (seconds)").wire("powerResetDelay"),
    comp("uuid", S, "Unique identifier").wire("uuid"),
];

const MODULE: &[Field] = &[
    req("name", S, "Module name").wire("name"),
    opt("parameters", S, "Module parameters").wire("parameters"),
];

const FSMOUNT: &[Field] = &[
    comp("uuid", S, "Unique identifier").wire("uuid"),
    req("device", S, "Device or remote path to mount").wire("device"),
    req("mountpoint", S, "Mount point").wire("path"),
    req("filesystem", S, "Filesystem type (nfs, ext4, ...)").wire("type"),
    opt("mountoptions", S, "Mount options").wire("options"),
    opt("fsck", S, "fsck pass").wire("fsck"),
    opt("dump", B, "dump flag").wire("dump"),
    opt("rdma", B, "Mount over RDMA").wire("rdma"),
];

const CATEGORY_ROLE: &[Field] = &[
    opt("name", S, "Role name").wire("name"),
    req(
        "child_type",
        S,
        "Role type (e.g. BootRole, ProvisioningRole)",
    )
    .wire("childType"),
    opt("add_services", B, "Whether the role adds its services").wire("addServices"),
    comp("uuid", S, "Unique identifier").wire("uuid"),
];

/// Objects BCM has on categories that the provider declares without members.
const EMPTY: &[Field] = &[];

pub(crate) const CATEGORY: &[Field] = &[
    comp("id", S, "Resource identifier (same as UUID)"),
    comp("uuid", S, "Unique identifier assigned by BCM").wire("uuid"),
    req("name", S, "Category name (must be unique, 1-255 characters)").wire("name"),
    opt("notes", S, "User notes or description for the category").wire("notes"),
    req("management_network", S, "Management network UUID reference (must be valid RFC 4122 UUID)").wire("managementNetwork"),
    opt("software_image_proxy", NS(SOFTWARE_IMAGE_PROXY), "Software image proxy configuration"),
    optc("boot_loader", S, "Boot loader type (SYSLINUX, GRUB, GRUB2, PXELINUX). If not specified, BCM assigns a default.").wire("bootLoader"),
    optc("boot_loader_file", S, "Boot loader file path. If not specified, BCM uses defaults based on boot_loader.").wire("bootLoaderFile"),
    optc("boot_loader_protocol", S, "Boot loader protocol (HTTP, TFTP, NFS). If not specified, BCM assigns a default.").wire("bootLoaderProtocol"),
    opt("kernel_version", S, "Kernel version string").wire("kernelVersion"),
    opt("kernel_parameters", S, "Kernel command-line parameters").wire("kernelParameters"),
    opt("kernel_output_console", S, "Kernel output console device").wire("kernelOutputConsole"),
    opt("modules", NL(MODULE), "Kernel modules to load"),
    opt("disksetup", S, "Disk setup XML configuration (max 10KB)").wire("disksetup"),
    opt("raidconf", S, "RAID configuration").wire("raidconf"),
    optc("install_mode", S, "Installation mode (AUTO, FULL, MINIMAL, CUSTOM). If not specified, BCM assigns a default.").wire("installMode"),
    optc("new_node_install_mode", S, "New node installation mode (FULL, MINIMAL, SKIP). If not specified, BCM assigns a default.").wire("newNodeInstallMode"),
    optc("install_boot_record", B, "Install boot record flag. If not specified, BCM assigns a default.").wire("installBootRecord"),
    opt("io_scheduler", S, "I/O scheduler").wire("ioScheduler"),
    opt("node_installer_disk", B, "Node installer disk flag").wire("nodeInstallerDisk"),
    opt("version_config_files", B, "Version config files flag").wire("versionConfigFiles"),
    opt("authentication_service", S, "Authentication service (AUTO, LDAP, SSSD, LOCAL)").wire("authenticationService"),
    optc("default_gateway", S, "Default gateway IP address. If not specified, BCM may assign a default.").wire("defaultGateway"),
    optc("default_gateway_metric", N, "Default gateway metric. If not specified, BCM may assign a default.").wire("defaultGatewayMetric"),
    opt("name_servers", LS, "DNS name servers").wire("nameServers"),
    opt("search_domains", LS, "DNS search domains").wire("searchDomains"),
    opt("time_servers", LS, "NTP time servers").wire("timeServers"),
    opt("static_routes", D, "Static network routes (BCM accepts them but does not return them)").wire("staticRoutes"),
    opt("allow_networking_restart", B, "Allow networking restart flag").wire("allowNetworkingRestart"),
    opt("fsmounts", NL(FSMOUNT), "Filesystem mounts"),
    opt("fsexports", D, "Filesystem exports (BCM accepts them but does not return them)").wire("fsexports"),
    opt("roles", NL(CATEGORY_ROLE), "Roles assigned to the category (BCM accepts them but does not return them)"),
    opt("services", D, "Services (BCM accepts them but does not return them)").wire("services"),
    opt("gpu_settings", D, "GPU settings (BCM accepts them but does not return them)").wire("gpuSettings"),
    opt("bmc_settings", NS(BMC_SETTINGS), "BMC settings of the category's nodes"),
    opt("access_settings", NS(EMPTY), "Access settings (placeholder)"),
    opt("bios_setup", NS(EMPTY), "BIOS setup (placeholder)"),
    opt("dpu_settings", NS(EMPTY), "DPU settings (placeholder)"),
    opt("proxy_settings", NS(EMPTY), "Proxy settings (placeholder)"),
    opt("selinux_settings", NS(EMPTY), "SELinux settings (placeholder)"),
    opt("timezone_settings", NS(EMPTY), "Time zone settings (placeholder)"),
    opt("ztp_settings", NS(EMPTY), "ZTP settings (placeholder)"),
    opt("fips", S, "FIPS mode: YES or NO").wire("fips"),
    opt("interactive_user", S, "Interactive user").wire("interactiveUser"),
    opt("data_node", B, "Data node flag").wire("dataNode"),
    opt("use_exclusively_for", S, "Use exclusively for").wire("useExclusivelyFor"),
    opt("initialize", S, "Initialize script").wire("initialize"),
    opt("finalize", S, "Finalize script").wire("finalize"),
    opt("exclude_list_full", S, "Exclude list for full installs").wire("excludeListFull"),
    opt("exclude_list_grab", S, "Exclude list for grabimage").wire("excludeListGrab"),
    opt("exclude_list_grabnew", S, "Exclude list for grabimage -n").wire("excludeListGrabnew"),
    opt("exclude_list_sync", S, "Exclude list for sync installs").wire("excludeListSync"),
    opt("exclude_list_update", S, "Exclude list for imageupdate").wire("excludeListUpdate"),
    opt("exclude_list_manipulate_script", S, "Exclude list manipulate script").wire("excludeListManipulateScript"),
    opt("force", B, "Force the operation (override BCM validation warnings)"),
    comp("parent_uuid", S, "Parent category UUID").wire("parent_uuid"),
    comp("revision", S, "Revision").wire("revision"),
    comp("modified", B, "Has unsaved changes").wire("modified"),
    comp("to_be_removed", B, "Scheduled for removal").wire("to_be_removed"),
    comp("base_type", S, "Entity base type (always 'Category')").wire("baseType"),
    comp("child_type", S, "Entity child type").wire("childType"),
];

/// Attributes BCM accepts but does not return: the state keeps the configured value.
const NOT_RETURNED: &[&str] = &[
    "static_routes",
    "fsexports",
    "services",
    "gpu_settings",
    "roles",
];
const PLACEHOLDERS: &[&str] = &[
    "access_settings",
    "bios_setup",
    "dpu_settings",
    "proxy_settings",
    "selinux_settings",
    "timezone_settings",
    "ztp_settings",
];

pub(crate) fn validate(config: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(name) = known_str(config, "name") {
        let n = name.chars().count();
        if !(1..=255).contains(&n) {
            out.push(Diagnostic::error("Invalid Attribute Value").detail(format!(
                "Attribute name string length must be between 1 and 255, got: {n}"
            )));
        }
    }
    if let Some(net) = known_str(config, "management_network") {
        if !super::device::UUID.is_match(&net) {
            out.push(Diagnostic::error("Invalid Attribute Value").detail(format!(
                "Attribute management_network must be a valid RFC 4122 UUID format, got: {net:?}"
            )));
        }
    }
    for (name, allowed) in [
        (
            "boot_loader",
            &["SYSLINUX", "GRUB", "GRUB2", "PXELINUX"][..],
        ),
        ("install_mode", &["AUTO", "FULL", "MINIMAL", "CUSTOM"][..]),
        ("new_node_install_mode", &["FULL", "MINIMAL", "SKIP"][..]),
        ("fips", &["YES", "NO"][..]),
    ] {
        if let Some(v) = known_str(config, name) {
            if !allowed.contains(&v.as_str()) {
                out.push(Diagnostic::error("Invalid Attribute Value").detail(format!(
                    "Attribute {name} value must be one of: [{}], got: {v:?}",
                    allowed.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(" ")
                )));
            }
        }
    }
    if let Some(x) = known_str(config, "disksetup") {
        if x.len() > 10 * 1024 {
            out.push(Diagnostic::error("Invalid Attribute Value").detail(format!(
                "Attribute disksetup must be at most 10240 bytes, got {}",
                x.len()
            )));
        }
    }
    out
}

fn is_simple(f: &Field) -> bool {
    !f.wire.is_empty()
        && matches!(
            f.kind,
            Kind::String | Kind::Number | Kind::Bool | Kind::ListString | Kind::Dynamic
        )
}

fn with_uuid(planned: &Value, prior_uuid: Option<Value>) -> Value {
    let uuid = prior_uuid
        .filter(|u| u.is_known() && !u.is_null())
        .unwrap_or(Value::Unknown(Type::String));
    set_attr(planned, "uuid", uuid)
}

fn map_list(v: &Value, f: impl Fn(&Value) -> Value) -> Value {
    match v.unmark().0 {
        Value::List(t, items) => Value::list(t.clone(), items.iter().map(&f).collect()),
        Value::Tuple(items) => Value::tuple(items.iter().map(&f).collect()),
        _ => v.clone(),
    }
}

fn prior_item(
    prior: Option<&Value>,
    list: &str,
    matches: impl Fn(&Value) -> bool,
) -> Option<Value> {
    prior?
        .as_attrs()?
        .get(list)?
        .as_seq()?
        .iter()
        .find(|p| matches(p))
        .cloned()
}

pub(crate) fn plan(prior: Option<&Value>, config: &Value) -> PlanResponse {
    let block = super::fields::block_of(CATEGORY);
    let prior = prior.filter(|p| !p.is_null());
    let mut planned = proposed_new(&block, prior, config);
    // Computed members of the nested objects: the prior one's when it is the same object.
    let proxy = attr(&planned, "software_image_proxy");
    if !proxy.is_null() && proxy.is_known() {
        let before = prior.map(|p| attr(p, "software_image_proxy")).filter(|b| {
            !b.is_null()
                && raw_equals(
                    &attr(b, "parent_software_image"),
                    &attr(&proxy, "parent_software_image"),
                )
        });
        let mut p = with_uuid(&proxy, before.as_ref().map(|b| attr(b, "uuid")));
        p = set_attr(
            &p,
            "revision_id",
            before
                .map(|b| attr(&b, "revision_id"))
                .filter(|r| !r.is_null())
                .unwrap_or(Value::Unknown(Type::Number)),
        );
        planned = set_attr(&planned, "software_image_proxy", p);
    }
    let bmc = attr(&planned, "bmc_settings");
    if !bmc.is_null() && bmc.is_known() {
        let before = prior.map(|p| attr(&attr(p, "bmc_settings"), "uuid"));
        planned = set_attr(&planned, "bmc_settings", with_uuid(&bmc, before));
    }
    let fsmounts = map_list(&attr(&planned, "fsmounts"), |m| {
        let before = prior_item(prior, "fsmounts", |p| {
            raw_equals(&attr(p, "mountpoint"), &attr(m, "mountpoint"))
        });
        with_uuid(m, before.map(|b| attr(&b, "uuid")))
    });
    planned = set_attr(&planned, "fsmounts", fsmounts);
    let roles = map_list(&attr(&planned, "roles"), |r| {
        let before = prior_item(prior, "roles", |p| {
            raw_equals(&attr(p, "name"), &attr(r, "name"))
                && raw_equals(&attr(p, "child_type"), &attr(r, "child_type"))
        });
        with_uuid(r, before.map(|b| attr(&b, "uuid")))
    });
    planned = set_attr(&planned, "roles", roles);
    match prior {
        None => {
            for f in CATEGORY {
                let unknown = match f.mode {
                    Mode::Computed => true,
                    Mode::OptionalComputed => attr(config, f.name).is_null(),
                    _ => false,
                };
                if unknown {
                    planned = set_attr(
                        &planned,
                        f.name,
                        Value::Unknown(block.attributes[f.name].ty.clone()),
                    );
                }
            }
        }
        Some(p) => {
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

fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The category entity: `current` (for an update) with the configuration laid over it.
/// Returns the entity and the UUIDs given to the roles (BCM does not return them).
pub(crate) fn build_entity(config: &Conf, current: Option<&Json>, uuid: &str) -> Map<String, Json> {
    let mut e = current
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    e.insert("baseType".into(), json!("Category"));
    e.entry("childType").or_insert(json!(""));
    e.insert("uuid".into(), json!(uuid));
    e.insert("modified".into(), json!(true));
    e.insert("to_be_removed".into(), json!(false));
    e.entry("revision").or_insert(json!(""));
    for f in CATEGORY
        .iter()
        .filter(|f| is_simple(f) && !matches!(f.mode, Mode::Computed))
    {
        match config.json(f.name) {
            Some(v) => {
                e.insert(f.wire.into(), v.clone());
            }
            None if f.mode == Mode::Optional => {
                e.remove(f.wire);
            }
            None => {}
        }
    }
    let current_of = |key: &str| current.and_then(|c| c.get(key)).cloned();
    match config.list("software_image_proxy").first() {
        Some(p) => {
            let uuid = p
                .str("uuid")
                .map(str::to_string)
                .or_else(|| {
                    current_of("softwareImageProxy")
                        .and_then(|c| c.get("uuid").and_then(Json::as_str).map(str::to_string))
                })
                .unwrap_or_else(new_uuid);
            e.insert(
                "softwareImageProxy".into(),
                json!({"baseType": "SoftwareImageProxy", "uuid": uuid,
                       "parentSoftwareImage": p.str("parent_software_image").unwrap_or(""), "revisionID": p.int("revision_id").unwrap_or(0)}),
            );
        }
        None => {
            e.remove("softwareImageProxy");
        }
    }
    match config.list("bmc_settings").first() {
        Some(b) => {
            let mut m = current_of("bmcSettings")
                .and_then(|c| c.as_object().cloned())
                .unwrap_or_default();
            m.insert("baseType".into(), json!("BMCSettings"));
            let uuid = b
                .str("uuid")
                .map(str::to_string)
                .or_else(|| m.get("uuid").and_then(Json::as_str).map(str::to_string))
                .unwrap_or_else(new_uuid);
            m.insert("uuid".into(), json!(uuid));
            for f in BMC_SETTINGS.iter().filter(|f| f.mode != Mode::Computed) {
                let key = if f.name == "password" {
                    "password"
                } else {
                    f.wire
                };
                match b.json(f.name) {
                    Some(v) => {
                        m.insert(key.into(), v.clone());
                    }
                    None => {
                        m.remove(key);
                    }
                }
            }
            e.insert("bmcSettings".into(), Json::Object(m));
        }
        None => {
            e.remove("bmcSettings");
        }
    }
    let modules: Vec<Json> = config
        .list("modules")
        .iter()
        .map(|m| json!({"baseType": "KernelModule", "name": m.str("name").unwrap_or(""), "parameters": m.str("parameters").unwrap_or("")}))
        .collect();
    if config.is_null("modules") {
        e.remove("modules");
    } else {
        e.insert("modules".into(), Json::Array(modules));
    }
    let mounts: Vec<Json> = config
        .list("fsmounts")
        .iter()
        .map(|m| {
            let mut o = Map::new();
            o.insert("baseType".into(), json!("FSMount"));
            o.insert(
                "uuid".into(),
                json!(m.str("uuid").map(str::to_string).unwrap_or_else(new_uuid)),
            );
            for f in FSMOUNT.iter().filter(|f| f.mode != Mode::Computed) {
                if let Some(v) = m.json(f.name) {
                    o.insert(f.wire.into(), v.clone());
                }
            }
            Json::Object(o)
        })
        .collect();
    if config.is_null("fsmounts") {
        e.remove("fsmounts");
    } else {
        e.insert("fsmounts".into(), Json::Array(mounts));
    }
    let roles: Vec<Json> = config
        .list("roles")
        .iter()
        .map(|r| {
            json!({"baseType": "Role", "childType": r.str("child_type").unwrap_or(""), "name": r.str("name").unwrap_or(""),
                   "addServices": r.bool("add_services").unwrap_or(false),
                   "uuid": r.str("uuid").map(str::to_string).unwrap_or_else(new_uuid)})
        })
        .collect();
    if config.is_null("roles") {
        e.remove("roles");
    } else {
        e.insert("roles".into(), Json::Array(roles));
    }
    e
}

/// The category as state. With a `reference` (plan or prior state), optional arguments the
/// configuration left null stay null, values BCM does not return are kept from it, and the
/// BMC password is kept (BCM does not return it); without one (import) all is taken from BCM.
pub(crate) fn state_of(category: &Json, reference: Option<&Conf>, sent: Option<&Json>) -> Json {
    let mut s = Map::new();
    for f in CATEGORY.iter().filter(|f| is_simple(f)) {
        let v = match f.kind {
            Kind::String => wire_string(category, f.wire),
            Kind::Bool => wire_bool(category, f.wire),
            Kind::Number => wire_int(category, f.wire),
            Kind::ListString => wire_strings(category, f.wire),
            _ => category.get(f.wire).cloned().unwrap_or(Json::Null),
        };
        s.insert(f.name.into(), v);
    }
    s.insert("id".into(), s.get("uuid").cloned().unwrap_or(Json::Null));
    s.insert("force".into(), Json::Null);
    s.insert(
        "software_image_proxy".into(),
        match category.get("softwareImageProxy") {
            Some(p) if p.is_object() && !wire_string(p, "parentSoftwareImage").is_null() => json!({
                "parent_software_image": wire_string(p, "parentSoftwareImage"),
                "uuid": wire_string(p, "uuid"),
                "revision_id": wire_int(p, "revisionID"),
            }),
            _ => Json::Null,
        },
    );
    s.insert(
        "bmc_settings".into(),
        match category.get("bmcSettings") {
            Some(b) if b.is_object() => {
                let mut m = Map::new();
                for f in BMC_SETTINGS {
                    let v = match f.kind {
                        Kind::Number => wire_int(b, f.wire),
                        _ if f.wire.is_empty() => Json::Null,
                        _ => wire_string(b, f.wire),
                    };
                    m.insert(f.name.into(), v);
                }
                Json::Object(m)
            }
            _ => Json::Null,
        },
    );
    let list_of = |key: &str, fields: &[Field]| -> Json {
        match category.get(key).and_then(Json::as_array) {
            Some(items) => Json::Array(
                items
                    .iter()
                    .map(|i| {
                        let m: Map<String, Json> = fields
                            .iter()
                            .map(|f| {
                                let v = match f.kind {
                                    Kind::Bool => wire_bool(i, f.wire),
                                    _ => wire_string(i, f.wire),
                                };
                                (f.name.to_string(), v)
                            })
                            .collect();
                        Json::Object(m)
                    })
                    .collect(),
            ),
            None => Json::Null,
        }
    };
    s.insert("modules".into(), list_of("modules", MODULE));
    s.insert("fsmounts".into(), list_of("fsmounts", FSMOUNT));
    s.insert("roles".into(), list_of("roles", CATEGORY_ROLE));
    for name in PLACEHOLDERS {
        s.insert((*name).into(), Json::Null);
    }
    if let Some(r) = reference {
        s.insert(
            "force".into(),
            r.json("force").cloned().unwrap_or(Json::Null),
        );
        for f in CATEGORY.iter().filter(|f| f.mode == Mode::Optional) {
            let configured = r.json(f.name);
            let keep_reference = configured.is_none()
                || NOT_RETURNED.contains(&f.name)
                || PLACEHOLDERS.contains(&f.name)
                || s.get(f.name).is_none_or(Json::is_null);
            if keep_reference {
                s.insert(f.name.into(), configured.cloned().unwrap_or(Json::Null));
            }
        }
        // The roles BCM does not return keep the UUIDs they were sent with.
        if let (Some(Json::Array(roles)), Some(sent_roles)) = (
            s.get_mut("roles"),
            sent.and_then(|e| e.get("roles")).and_then(Json::as_array),
        ) {
            for (role, sent) in roles.iter_mut().zip(sent_roles) {
                if let Some(o) = role.as_object_mut() {
                    if o.get("uuid").is_none_or(Json::is_null) {
                        o.insert(
                            "uuid".into(),
                            sent.get("uuid").cloned().unwrap_or(Json::Null),
                        );
                    }
                }
            }
        }
        // BCM does not return the BMC password; the configured one stays.
        if let (Some(Json::Object(b)), Some(p)) = (
            s.get_mut("bmc_settings"),
            r.list("bmc_settings")
                .first()
                .and_then(|b| b.json("password").cloned()),
        ) {
            b.insert("password".into(), p);
        }
    }
    Json::Object(s)
}

async fn find(
    headnode: &dyn Headnode,
    uuid: Option<&str>,
    name: Option<&str>,
) -> Result<Option<Json>, Diagnostic> {
    if let Some(name) = name {
        let found = call(
            headnode,
            super::Request::new("cmdevice", "getCategory", vec![json!(name)]),
            &format!("reading category {name:?}"),
        )
        .await?;
        if found.is_object() && (uuid.is_none() || found.get("uuid").and_then(Json::as_str) == uuid)
        {
            return Ok(Some(found));
        }
    }
    let all = call(
        headnode,
        super::Request::new("cmdevice", "getCategories", vec![]),
        "reading categories",
    )
    .await?;
    Ok(all
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| {
            let by_uuid = uuid.is_some() && c.get("uuid").and_then(Json::as_str) == uuid;
            let by_name =
                uuid.is_none() && name.is_some() && c.get("name").and_then(Json::as_str) == name;
            by_uuid || by_name
        })
        .cloned())
}

/// `getCategory` right after a change may not see it yet: a few short retries.
async fn read_back(headnode: &dyn Headnode, uuid: &str, name: &str) -> Result<Json, Diagnostic> {
    for attempt in 0..5u32 {
        if let Some(c) = find(headnode, Some(uuid), Some(name)).await? {
            if c.get("baseType")
                .and_then(Json::as_str)
                .is_none_or(|b| b == "Category")
            {
                return Ok(c);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
    }
    Err(Diagnostic::error("Error Reading Category").detail(format!(
        "The headnode accepted category {name:?} ({uuid}) but does not return it."
    )))
}

pub(crate) async fn apply(
    headnode: &dyn Headnode,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<Value, Diagnostic> {
    let plan = Conf::of(planned, CATEGORY);
    let name = plan.str("name").unwrap_or("").to_string();
    let force = plan.bool("force").unwrap_or(false);
    let (uuid, current, method, verb) = match prior {
        None => (new_uuid(), None, "addCategory", "creating"),
        Some(p) => {
            let p = Conf::of(p, CATEGORY);
            let uuid = p.str("uuid").or(p.str("id")).unwrap_or("").to_string();
            let current = find(headnode, Some(&uuid), p.str("name")).await?;
            if current.is_none() {
                return Err(Diagnostic::error("Error Updating Category").detail(format!(
                    "Category {name:?} ({uuid}) no longer exists on the headnode; refresh to plan its creation."
                )));
            }
            (uuid, current, "updateCategory", "updating")
        }
    };
    let entity = Json::Object(build_entity(&plan, current.as_ref(), &uuid));
    let what = format!("{verb} category {name:?}");
    call(
        headnode,
        super::Request::new("cmdevice", method, vec![entity.clone(), json!(force)]),
        &what,
    )
    .await?;
    let category = read_back(headnode, &uuid, &name).await?;
    to_value(&state_of(&category, Some(&plan), Some(&entity)), CATEGORY)
}

pub(crate) async fn delete(headnode: &dyn Headnode, prior: &Value) -> Result<(), Diagnostic> {
    let p = Conf::of(prior, CATEGORY);
    let uuid = p.str("uuid").or(p.str("id")).unwrap_or("");
    let force = p.bool("force").unwrap_or(false);
    call(
        headnode,
        super::Request::new(
            "cmdevice",
            "removeCategory",
            vec![json!(uuid), json!(force)],
        ),
        &format!(
            "deleting category {:?} ({uuid})",
            p.str("name").unwrap_or("")
        ),
    )
    .await?;
    Ok(())
}

pub(crate) async fn read(
    headnode: &dyn Headnode,
    prior: &Value,
) -> Result<Option<Value>, Diagnostic> {
    let p = Conf::of(prior, CATEGORY);
    let uuid = p.str("uuid").or(p.str("id"));
    match find(headnode, uuid, p.str("name")).await? {
        Some(c) => to_value(&state_of(&c, Some(&p), None), CATEGORY).map(Some),
        None => Ok(None),
    }
}

/// Import by UUID, then by name.
pub(crate) async fn import(headnode: &dyn Headnode, id: &str) -> Result<Value, Diagnostic> {
    let found = match find(headnode, Some(id), None).await? {
        Some(c) => Some(c),
        None => find(headnode, None, Some(id)).await?,
    };
    match found {
        Some(c) => to_value(&state_of(&c, None, None), CATEGORY),
        None => Err(
            Diagnostic::error("Cannot import non-existent remote object").detail(format!(
                "No category with UUID or name {id:?} exists on the headnode."
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::bcm::data::config_with;
    use crate::provider::bcm::fields::value_json;

    fn config() -> Value {
        config_with(
            CATEGORY,
            &[
                ("name", json!("gpu-workers")),
                (
                    "management_network",
                    json!("6f2c1f4e-0c55-4c1a-9d8e-1d2f3a4b5c6d"),
                ),
                (
                    "software_image_proxy",
                    json!({"parent_software_image": "img-1", "uuid": null, "revision_id": null}),
                ),
                ("name_servers", json!(["10.0.0.1"])),
                (
                    "bmc_settings",
                    json!({"user_name": "admin", "password": "bmc-pw", "privilege": "ADMINISTRATOR", "user_id": 2,
                    "firmware_manage_mode": null, "leak_policy": null, "leak_reaction_delay": null, "power_reset_delay": null, "uuid": null}),
                ),
                (
                    "fsmounts",
                    json!([{"uuid": null, "device": "head:/home", "mountpoint": "/home", "filesystem": "nfs",
                    "mountoptions": "defaults", "fsck": null, "dump": null, "rdma": null}]),
                ),
                (
                    "roles",
                    json!([{"name": "boot", "child_type": "BootRole", "add_services": null, "uuid": null}]),
                ),
                ("static_routes", json!([{"gateway": "10.0.0.254"}])),
            ],
        )
    }

    #[test]
    fn entities_map_nested_objects_to_cmds_names() {
        let c = Conf::of(&config(), CATEGORY);
        let e = build_entity(&c, None, "cat-uuid");
        assert_eq!(
            e["managementNetwork"],
            "6f2c1f4e-0c55-4c1a-9d8e-1d2f3a4b5c6d"
        );
        assert_eq!(e["softwareImageProxy"]["parentSoftwareImage"], "img-1");
        assert_eq!(e["bmcSettings"]["userName"], "admin");
        assert_eq!(e["bmcSettings"]["password"], "bmc-pw");
        assert_eq!(e["bmcSettings"]["userId"], 2);
        assert_eq!(e["fsmounts"][0]["path"], "/home");
        assert_eq!(e["fsmounts"][0]["type"], "nfs");
        assert_eq!(e["fsmounts"][0]["options"], "defaults");
        assert_eq!(e["roles"][0]["childType"], "BootRole");
        assert_eq!(e["staticRoutes"][0]["gateway"], "10.0.0.254");
        assert_eq!(e["nameServers"], json!(["10.0.0.1"]));
        assert!(e.get("notes").is_none());
    }

    #[test]
    fn state_keeps_what_bcm_does_not_return_and_plans_no_change_after_apply() {
        let cfg = config();
        let p = plan(None, &cfg);
        assert!(!attr(&p.planned, "uuid").is_known());
        assert!(
            !attr(&p.planned, "install_mode").is_known(),
            "BCM assigns a default"
        );
        let c = Conf::of(&cfg, CATEGORY);
        let sent = Json::Object(build_entity(&c, None, "cat-uuid"));
        // What a headnode returns: no roles, static routes or BMC password; defaults filled in.
        let mut back = sent.clone();
        let o = back.as_object_mut().unwrap();
        o.remove("roles");
        o.remove("staticRoutes");
        o["bmcSettings"].as_object_mut().unwrap().remove("password");
        o.insert("installMode".into(), json!("AUTO"));
        o.insert("bootLoader".into(), json!("SYSLINUX"));
        o.insert("notes".into(), json!(""));
        let state = state_of(&back, Some(&Conf::of(&p.planned, CATEGORY)), Some(&sent));
        assert_eq!(state["roles"][0]["uuid"], sent["roles"][0]["uuid"]);
        assert_eq!(state["static_routes"], json!([{"gateway": "10.0.0.254"}]));
        assert_eq!(state["bmc_settings"]["password"], "bmc-pw");
        assert_eq!(state["install_mode"], "AUTO");
        let state = to_value(&state, CATEGORY).unwrap();
        assert!(attr(&attr(&state, "bmc_settings"), "password").is_sensitive());
        assert!(!attr(&attr(&state, "bmc_settings"), "user_name").is_sensitive());
        let again = plan(Some(&state), &cfg);
        assert!(
            raw_equals(&again.planned, &state),
            "{}",
            value_json(&again.planned).unwrap()
        );
    }

    #[test]
    fn validation_checks_enums_and_the_network_uuid() {
        let bad = config_with(
            CATEGORY,
            &[
                ("name", json!("")),
                ("management_network", json!("internalnet")),
                ("install_mode", json!("FAST")),
            ],
        );
        let d: Vec<String> = validate(&bad).iter().map(|d| d.detail.clone()).collect();
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(validate(&config()).is_empty());
    }
}
