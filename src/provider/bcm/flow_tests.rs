//! The provider driven through plan, apply, refresh, import and actions over real HTTP, against
//! a small stateful headnode served on 127.0.0.1 (the full simulator lives in `sim`).

use super::client::tests::{fast_settings, serve};
use super::data::config_with;
use super::{device, power, BcmProvider, Provider};
use crate::provider::{ActionRequest, ApplyRequest, PlanRequest};
use crate::schema::raw_equals;
use crate::value::Value;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CATEGORY_UUID: &str = "6f2c1f4e-0c55-4c1a-9d8e-1d2f3a4b5c6d";
const NETWORK_UUID: &str = "0b7e2a11-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

/// The headnode's data: devices by UUID and the statuses each will report, poll by poll.
#[derive(Default)]
struct Head {
    devices: BTreeMap<String, Json>,
    statuses: BTreeMap<String, Vec<&'static str>>,
    calls: Vec<String>,
    power_ops: Vec<Json>,
}

fn headnode_answer(head: &Mutex<Head>, body: &Json) -> (u16, Vec<(String, String)>, String) {
    let mut h = head.lock().unwrap();
    if body["service"] == "login" {
        return (
            200,
            vec![("set-cookie".into(), "cm-login-token=t; Path=/".into())],
            "true".into(),
        );
    }
    let method = format!(
        "{}.{}",
        body["service"].as_str().unwrap_or("").to_ascii_lowercase(),
        body["call"].as_str().unwrap_or("")
    );
    h.calls.push(method.clone());
    let args = body["args"].as_array().cloned().unwrap_or_default();
    let arg0 = args.first().cloned().unwrap_or(Json::Null);
    let find = |h: &Head, key: &Json| -> Json {
        h.devices
            .values()
            .find(|d| d["uuid"] == *key || d["hostname"] == *key)
            .cloned()
            .unwrap_or(Json::Null)
    };
    let answer = match method.as_str() {
        "cmdevice.getCategories" => json!([{"uuid": CATEGORY_UUID, "name": "default",
            "softwareImageProxy": {"parentSoftwareImage": "img-1", "uuid": "p1"}}]),
        "cmdevice.getCategory" if arg0 == "default" => {
            json!({"uuid": CATEGORY_UUID, "name": "default", "baseType": "Category",
            "softwareImageProxy": {"parentSoftwareImage": "img-1", "uuid": "p1"}})
        }
        "cmdevice.getCategory" => Json::Null,
        "cmpart.getPartitions" => json!([{"uuid": "part-base", "name": "base"}]),
        "cmdevice.getNodes" => {
            let mut nodes: Vec<Json> = h.devices.values().cloned().collect();
            nodes.push(json!({"uuid": "head-1", "hostname": "bcm-head", "childType": "HeadNode",
                "roles": [{"baseType": "Role", "childType": "BootRole", "uuid": "r-boot", "name": "boot"}]}));
            Json::Array(nodes)
        }
        "cmdevice.getDevice" => find(&h, &arg0),
        "cmdevice.getNode" if arg0 == "bcm-head" || arg0 == "head-1" => {
            json!({"uuid": "head-1", "hostname": "bcm-head", "childType": "HeadNode"})
        }
        "cmdevice.getNode" => find(&h, &arg0),
        "cmdevice.validateDevice" => {
            let mut findings = vec![];
            for d in h.devices.values() {
                if d["uuid"] != arg0["uuid"] && d["mac"] == arg0["mac"] && arg0["mac"] != "" {
                    findings.push(json!({"field": "mac", "message": format!("MAC {} is already used by {}", d["mac"].as_str().unwrap_or(""), d["hostname"].as_str().unwrap_or("")),
                        "error_code": "DUPLICATE_FIELD", "severity": "ERROR"}));
                }
            }
            if arg0["uuid"].as_str().unwrap_or("").is_empty() {
                findings.push(json!({"field": "uuid", "message": "Zero UUID", "error_code": "NOT_NULL", "severity": "ERROR"}));
            }
            Json::Array(findings)
        }
        "cmdevice.addDevice" | "cmdevice.updateDevice" => {
            let mut d = arg0.clone();
            let uuid = d["uuid"].as_str().unwrap_or("").to_string();
            d["creationTime"] = json!(1700000000);
            if d.get("bootLoader").is_none() {
                d["bootLoader"] = json!("CATEGORY");
            }
            if d.get("managementNetwork").is_none() {
                d["managementNetwork"] = json!(super::wire::ZERO_UUID);
            }
            h.devices.insert(uuid, d);
            json!({"success": true, "validation": []})
        }
        "cmdevice.removeDevice" => {
            let key = arg0.as_str().unwrap_or("").to_string();
            h.devices.remove(&key);
            json!({"success": true})
        }
        "cmdevice.powerOperation" => {
            h.power_ops.push(arg0.clone());
            let uuids: Vec<String> = arg0["devices"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|u| u.as_str().map(str::to_string))
                .collect();
            let known: Vec<String> = uuids
                .into_iter()
                .filter(|u| h.devices.contains_key(u))
                .collect();
            for u in &known {
                h.statuses.insert(
                    u.clone(),
                    vec![
                        "DOWN",
                        "BOOTING",
                        "INSTALLING",
                        "INSTALLER_CALLINGINIT",
                        "UP",
                    ],
                );
            }
            json!({"count": known.len(), "statuses": []})
        }
        "cmstatus.getStatusForDevices" => {
            let uuids: Vec<String> = arg0
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|u| u.as_str().map(str::to_string))
                .collect();
            let mut out = vec![];
            for u in uuids {
                if let Some(script) = h.statuses.get_mut(&u) {
                    let s = if script.len() > 1 {
                        script.remove(0)
                    } else {
                        script[0]
                    };
                    out.push(json!({"ref_device_uuid": u, "status": s}));
                }
            }
            Json::Array(out)
        }
        _ => json!({"errormessage": format!("Unknown {method} call specified")}),
    };
    (200, vec![], answer.to_string())
}

async fn provider() -> (BcmProvider, Arc<Mutex<Head>>) {
    let head = Arc::new(Mutex::new(Head::default()));
    let h = head.clone();
    let (url, _seen) = serve(move |_, body| headnode_answer(&h, body)).await;
    let mut settings = fast_settings(&url);
    settings.status_poll_interval = Duration::from_millis(20);
    (BcmProvider::new(settings), head)
}

fn iface(name: &str, kind: &str, extra: Json) -> Json {
    let mut m: serde_json::Map<String, Json> = [
        "name",
        "type",
        "network",
        "mac",
        "ip",
        "ipv6_ip",
        "dhcp",
        "bootable",
        "start_if",
        "members",
        "bond_mode",
        "uuid",
        "base_type",
        "child_type",
        "cardtype",
    ]
    .iter()
    .map(|k| (k.to_string(), Json::Null))
    .collect();
    m.insert("name".into(), json!(name));
    m.insert("type".into(), json!(kind));
    if let Json::Object(e) = extra {
        m.extend(e);
    }
    Json::Object(m)
}

fn node_config(hostname: &str, mac: &str, ip: &str) -> Value {
    config_with(
        device::DEVICE,
        &[
            ("hostname", json!(hostname)),
            ("category", json!(CATEGORY_UUID)),
            ("power_control", json!("ipmi0")),
            (
                "interfaces",
                json!([
                    iface(
                        "BOOTIF",
                        "physical",
                        json!({"mac": mac, "ip": ip, "dhcp": false, "bootable": true, "network": NETWORK_UUID})
                    ),
                    iface("ipmi0", "bmc", json!({"ip": "10.148.0.10"})),
                ]),
            ),
        ],
    )
}

async fn apply(
    p: &BcmProvider,
    type_name: &str,
    prior: Option<&Value>,
    config: &Value,
) -> Result<Value, crate::diag::Diagnostic> {
    let planned = p
        .plan(PlanRequest {
            type_name,
            prior,
            config,
        })?
        .planned;
    p.apply(ApplyRequest {
        type_name,
        prior,
        planned: Some(&planned),
        config,
    })
    .await
}

fn s(v: &Value, name: &str) -> String {
    super::known_str(v, name).unwrap_or_default()
}

#[tokio::test]
async fn devices_are_created_read_updated_imported_and_deleted() {
    let (p, head) = provider().await;
    let cfg = node_config("node001", "aa:bb:cc:00:00:01", "10.141.0.1");
    let created = apply(&p, device::TYPE, None, &cfg).await.unwrap();
    let uuid = s(&created, "uuid");
    assert_eq!(uuid::Uuid::parse_str(&uuid).unwrap().get_version_num(), 4);
    assert_eq!(s(&created, "id"), uuid);
    assert_eq!(
        s(&created, "partition"),
        "part-base",
        "the base partition of a proxy category"
    );
    assert_eq!(s(&created, "mac"), "aa:bb:cc:00:00:01");
    assert!(
        super::attr(&created, "boot_loader").is_null(),
        "CATEGORY reads as null"
    );
    let calls = head.lock().unwrap().calls.clone();
    let order: Vec<&str> = calls
        .iter()
        .map(String::as_str)
        .filter(|c| !c.ends_with("getCategories"))
        .collect();
    assert_eq!(
        order,
        [
            "cmdevice.getCategory",
            "cmpart.getPartitions",
            // By hostname: a device an interrupted run registered would be adopted.
            "cmdevice.getDevice",
            "cmdevice.validateDevice",
            "cmdevice.addDevice",
            "cmdevice.getDevice"
        ]
    );
    let stored = head.lock().unwrap().devices[&uuid].clone();
    assert_eq!(stored["interfaces"][0]["dhcp"], false);
    assert_eq!(
        stored["interfaces"][1]["dhcp"], true,
        "the provider's default"
    );
    assert_eq!(stored["interfaces"][1]["cardtype"], "BMC");
    assert_eq!(
        stored["provisioningInterface"],
        stored["interfaces"][0]["uuid"]
    );

    // Refresh finds it unchanged, and the same configuration plans no change.
    let refreshed = p
        .read_resource(device::TYPE, &created)
        .await
        .unwrap()
        .unwrap();
    assert!(raw_equals(&refreshed, &created));
    let again = p
        .plan(PlanRequest {
            type_name: device::TYPE,
            prior: Some(&created),
            config: &cfg,
        })
        .unwrap();
    assert!(raw_equals(&again.planned, &created));

    // An update keeps the device and interface UUIDs and the roles named.
    let mut changed = super::fields::value_json_lossy(&cfg);
    changed["interfaces"][0]["ip"] = json!("10.141.0.11");
    changed["roles"] = json!(["boot"]);
    let pairs: Vec<(&str, Json)> = changed
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let changed = config_with(device::DEVICE, &pairs);
    let before_ifaces = head.lock().unwrap().devices[&uuid]["interfaces"].clone();
    let updated = apply(&p, device::TYPE, Some(&created), &changed)
        .await
        .unwrap();
    assert_eq!(s(&updated, "uuid"), uuid);
    let stored = head.lock().unwrap().devices[&uuid].clone();
    assert_eq!(stored["interfaces"][0]["ip"], "10.141.0.11");
    assert_eq!(stored["interfaces"][0]["uuid"], before_ifaces[0]["uuid"]);
    assert_eq!(stored["interfaces"][1]["uuid"], before_ifaces[1]["uuid"]);
    assert_eq!(
        stored["roles"][0]["uuid"], "r-boot",
        "the whole role object from getNodes"
    );
    assert_eq!(
        super::fields::value_json_lossy(&super::attr(&updated, "roles")),
        json!(["boot"])
    );

    // Import by hostname gives the same device.
    let imported = p.import(device::TYPE, "node001").await.unwrap();
    assert_eq!(s(&imported, "uuid"), uuid);
    assert_eq!(
        s(&imported, "boot_loader"),
        "CATEGORY",
        "import takes what BCM reports"
    );

    // Delete, then refresh finds nothing.
    let gone = p
        .apply(ApplyRequest {
            type_name: device::TYPE,
            prior: Some(&updated),
            planned: None,
            config: &changed,
        })
        .await
        .unwrap();
    assert!(gone.is_null());
    assert!(head.lock().unwrap().devices.is_empty());
    assert!(p
        .read_resource(device::TYPE, &updated)
        .await
        .unwrap()
        .is_none());
}

/// The calls made since `from`, without the partition lookups every apply makes.
fn calls_since(head: &Mutex<Head>, from: usize) -> Vec<String> {
    head.lock().unwrap().calls[from..]
        .iter()
        .filter(|c| {
            !matches!(
                c.as_str(),
                "cmdevice.getCategories" | "cmdevice.getCategory" | "cmpart.getPartitions"
            )
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_device_registered_by_an_interrupted_run_is_adopted_and_updated_not_added_again() {
    let (p, head) = provider().await;
    // A run registered node001 and was killed before its state recorded it.
    let left = apply(
        &p,
        device::TYPE,
        None,
        &node_config("node001", "aa:bb:cc:00:00:01", "10.141.0.1"),
    )
    .await
    .unwrap();
    let uuid = s(&left, "uuid");
    let interface_uuids = head.lock().unwrap().devices[&uuid]["interfaces"].clone();
    // The next run plans a create again (with an IP changed since, to see the update).
    let from = head.lock().unwrap().calls.len();
    let adopted = apply(
        &p,
        device::TYPE,
        None,
        &node_config("node001", "AA:BB:CC:00:00:01", "10.141.0.9"),
    )
    .await
    .unwrap();
    assert_eq!(s(&adopted, "uuid"), uuid, "the same device");
    assert_eq!(s(&adopted, "id"), uuid);
    assert_eq!(
        calls_since(&head, from),
        [
            "cmdevice.getDevice",
            "cmdevice.validateDevice",
            "cmdevice.updateDevice",
            "cmdevice.getDevice"
        ],
        "looked up, then updated: no addDevice"
    );
    let h = head.lock().unwrap();
    assert_eq!(h.devices.len(), 1);
    let stored = &h.devices[&uuid];
    assert_eq!(
        stored["interfaces"][0]["ip"], "10.141.0.9",
        "updated to the configuration"
    );
    assert_eq!(stored["interfaces"][0]["uuid"], interface_uuids[0]["uuid"]);
    assert_eq!(stored["interfaces"][1]["uuid"], interface_uuids[1]["uuid"]);
}

#[tokio::test]
async fn a_device_with_the_hostname_and_another_mac_is_refused_naming_both_macs() {
    let (p, head) = provider().await;
    let other = apply(
        &p,
        device::TYPE,
        None,
        &node_config("node001", "aa:bb:cc:00:00:01", "10.141.0.1"),
    )
    .await
    .unwrap();
    let before = head.lock().unwrap().devices.clone();
    let from = head.lock().unwrap().calls.len();
    let err = apply(
        &p,
        device::TYPE,
        None,
        &node_config("node001", "aa:bb:cc:00:00:99", "10.141.0.1"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.summary, "Device already exists on the headnode");
    for needle in [
        "node001",
        &s(&other, "uuid"),
        "MAC aa:bb:cc:00:00:01",
        "MAC aa:bb:cc:00:00:99",
    ] {
        assert!(err.detail.contains(needle), "{needle}: {}", err.detail);
    }
    assert_eq!(calls_since(&head, from), ["cmdevice.getDevice"]);
    assert_eq!(head.lock().unwrap().devices, before, "nothing changed");
}

#[tokio::test]
async fn the_head_node_is_never_adopted() {
    let (p, head) = provider().await;
    head.lock().unwrap().devices.insert(
        "head-2".into(),
        json!({"uuid": "head-2", "hostname": "head2", "childType": "HeadNode",
            "mac": "aa:bb:cc:00:00:01"}),
    );
    let err = apply(
        &p,
        device::TYPE,
        None,
        &node_config("head2", "aa:bb:cc:00:00:01", "10.141.0.1"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.summary, "Device already exists on the headnode");
    assert!(err.detail.contains("head node"), "{}", err.detail);
    let calls = head.lock().unwrap().calls.clone();
    assert!(
        !calls
            .iter()
            .any(|c| c.ends_with("addDevice") || c.ends_with("updateDevice")),
        "{calls:?}"
    );
}

#[tokio::test]
async fn a_duplicate_mac_is_a_validation_error_naming_the_field() {
    let (p, head) = provider().await;
    apply(
        &p,
        device::TYPE,
        None,
        &node_config("node001", "aa:bb:cc:00:00:01", "10.141.0.1"),
    )
    .await
    .unwrap();
    let err = apply(
        &p,
        device::TYPE,
        None,
        &node_config("node002", "aa:bb:cc:00:00:01", "10.141.0.2"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.summary, "BCM validation error: mac");
    assert!(
        err.detail
            .contains("MAC aa:bb:cc:00:00:01 is already used by node001 (DUPLICATE_FIELD)"),
        "{}",
        err.detail
    );
    assert!(err.detail.contains("node002"), "{}", err.detail);
    assert_eq!(head.lock().unwrap().devices.len(), 1, "nothing was added");
}

#[tokio::test]
async fn unknown_role_names_are_listed_with_the_available_ones() {
    let (p, _head) = provider().await;
    let mut cfg =
        super::fields::value_json_lossy(&node_config("node001", "aa:bb:cc:00:00:01", "10.141.0.1"));
    cfg["roles"] = json!(["compute"]);
    let pairs: Vec<(&str, Json)> = cfg
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let err = apply(&p, device::TYPE, None, &config_with(device::DEVICE, &pairs))
        .await
        .unwrap_err();
    assert!(
        err.detail.contains("roles not found in cluster: compute"),
        "{}",
        err.detail
    );
    assert!(
        err.detail.contains("available roles: boot"),
        "{}",
        err.detail
    );
}

fn power_config(device_id: &str, action: &str, wait: bool, timeout: Option<&str>) -> Value {
    config_with(
        power::POWER_RESOURCE,
        &[
            ("device_id", json!(device_id)),
            ("power_action", json!(action)),
            ("wait_for_completion", json!(wait)),
            ("timeout", timeout.map(|t| json!(t)).unwrap_or(Json::Null)),
        ],
    )
}

#[tokio::test]
async fn the_power_resource_waits_to_up_and_is_idempotent() {
    let (p, head) = provider().await;
    let node = apply(
        &p,
        device::TYPE,
        None,
        &node_config("node001", "aa:bb:cc:00:00:01", "10.141.0.1"),
    )
    .await
    .unwrap();
    let uuid = s(&node, "uuid");
    let cfg = power_config(&uuid, "power_on", true, Some("600"));
    let state = apply(&p, power::TYPE, None, &cfg).await.unwrap();
    assert_eq!(s(&state, "status"), "UP");
    assert_eq!(s(&state, "operation"), "ON");
    assert_eq!(s(&state, "id"), uuid);
    assert!(!s(&state, "completed_at").is_empty());
    assert_eq!(super::attr(&state, "force").as_bool(), Some(true));
    let ops = head.lock().unwrap().power_ops.clone();
    assert_eq!(
        ops,
        [
            json!({"baseType": "PowerOperation", "devices": [uuid], "operation": "ON", "force": true})
        ]
    );

    // Unchanged: refresh returns the prior object and the plan is empty; nothing is sent.
    let refreshed = p.read_resource(power::TYPE, &state).await.unwrap().unwrap();
    assert!(raw_equals(&refreshed, &state));
    let again = p
        .plan(PlanRequest {
            type_name: power::TYPE,
            prior: Some(&state),
            config: &cfg,
        })
        .unwrap();
    assert!(raw_equals(&again.planned, &state));
    // A new power_action is an in-place update that sends once; power_cycle is a RESET.
    let cycle = power_config(&uuid, "power_cycle", false, None);
    let planned = p
        .plan(PlanRequest {
            type_name: power::TYPE,
            prior: Some(&state),
            config: &cycle,
        })
        .unwrap();
    assert!(!super::attr(&planned.planned, "completed_at").is_known());
    let cycled = apply(&p, power::TYPE, Some(&state), &cycle).await.unwrap();
    assert_eq!(s(&cycled, "operation"), "RESET");
    assert!(
        super::attr(&cycled, "status").is_null(),
        "no wait, no status"
    );
    assert_eq!(head.lock().unwrap().power_ops.len(), 2);
    // Forgetting it sends nothing.
    let gone = p
        .apply(ApplyRequest {
            type_name: power::TYPE,
            prior: Some(&cycled),
            planned: None,
            config: &cycle,
        })
        .await
        .unwrap();
    assert!(gone.is_null());
    assert_eq!(head.lock().unwrap().power_ops.len(), 2);
}

#[tokio::test]
async fn the_action_reports_progress_and_refuses_the_head_node() {
    let (p, head) = provider().await;
    apply(
        &p,
        device::TYPE,
        None,
        &node_config("node001", "aa:bb:cc:00:00:01", "10.141.0.1"),
    )
    .await
    .unwrap();
    let action = |id: &str, wait: bool, timeout: &str| {
        config_with(
            power::POWER_ACTION,
            &[
                ("device_id", json!(id)),
                ("power_action", json!("power_on")),
                ("wait_for_completion", json!(wait)),
                ("timeout", json!(timeout)),
            ],
        )
    };
    let lines = Mutex::new(Vec::<String>::new());
    let progress = |l: &str| lines.lock().unwrap().push(l.to_string());
    p.invoke_action(ActionRequest {
        type_name: power::TYPE,
        config: &action("node001", true, "5m"),
        progress: &progress,
    })
    .await
    .unwrap();
    let lines = lines.into_inner().unwrap();
    assert!(lines[0].starts_with("Powering on node001 ("), "{lines:?}");
    assert!(
        lines.contains(&"node001 is BOOTING".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.last().unwrap().starts_with("node001 is UP after"),
        "{lines:?}"
    );

    let err = p
        .invoke_action(ActionRequest {
            type_name: power::TYPE,
            config: &action("bcm-head", false, "5m"),
            progress: &|_| {},
        })
        .await
        .unwrap_err();
    assert_eq!(err.summary, "Refusing to power the head node");
    let err = p
        .invoke_action(ActionRequest {
            type_name: power::TYPE,
            config: &action("node999", false, "5m"),
            progress: &|_| {},
        })
        .await
        .unwrap_err();
    assert_eq!(err.summary, "Device not found");
    assert_eq!(head.lock().unwrap().power_ops.len(), 1);
}

#[tokio::test]
async fn a_wait_that_outlasts_its_timeout_names_the_node_and_last_status() {
    let (p, head) = provider().await;
    let node = apply(
        &p,
        device::TYPE,
        None,
        &node_config("node001", "aa:bb:cc:00:00:01", "10.141.0.1"),
    )
    .await
    .unwrap();
    let err = apply(
        &p,
        power::TYPE,
        None,
        &power_config(&s(&node, "uuid"), "power_on", true, Some("50ms")),
    )
    .await
    .unwrap_err();
    assert_eq!(err.summary, "Timed out waiting for node");
    assert!(err.detail.starts_with("node001 ("), "{}", err.detail);
    assert!(err.detail.contains("did not reach UP"), "{}", err.detail);
    assert!(err.detail.contains("last status was"), "{}", err.detail);
    drop(head);
}

#[tokio::test]
async fn a_power_operation_that_acts_on_nothing_is_an_error() {
    let (p, head) = provider().await;
    // getNode finds "ghost", but the headnode's power operation knows no device with its UUID
    // (stored under another key), so it acts on none.
    head.lock().unwrap().devices.insert(
        "elsewhere".into(),
        json!({"uuid": "stale-uuid", "hostname": "ghost"}),
    );
    let err = apply(
        &p,
        power::TYPE,
        None,
        &power_config("ghost", "power_off", false, None),
    )
    .await
    .unwrap_err();
    assert_eq!(err.summary, "Power operation failed");
    assert!(err.detail.contains("ghost (stale-uuid)"), "{}", err.detail);
    assert!(err.detail.contains("acted on no device"), "{}", err.detail);
}
