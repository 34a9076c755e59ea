//! The JSON-RPC calls of bcm-api.md §3, answered from the headnode state: argument decoding,
//! dispatch by `service.call` (service case-insensitive) and the answer's HTTP status.
//!
//! An unknown service or call, or arguments of the wrong shape, get HTTP 400 with
//! `{"errormessage": "..."}`: newer cmd answers 400, and the message tells a person what went
//! wrong. Gets that find nothing answer `null`.

use super::headnode::Headnode;
use crate::provider::bcm::wire::{
    Category, Device, ErrorMessage, PowerOp, PowerOperation, Request, ZERO_UUID,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value as Json};
use tokio::time::Instant;

/// The version the simulator claims (OSAC's client requires at least 10.25.3).
pub const CM_VERSION: &str = "10.25.3";

/// An HTTP status and a JSON body.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Json,
}

impl Answer {
    pub fn ok(body: impl Serialize) -> Answer {
        Answer {
            status: 200,
            body: serde_json::to_value(body).unwrap_or(Json::Null),
        }
    }

    pub fn error(status: u16, message: impl Into<String>) -> Answer {
        Answer {
            status,
            body: json!(ErrorMessage {
                errormessage: message.into()
            }),
        }
    }

    fn bad_arguments(request: &Request, why: impl std::fmt::Display) -> Answer {
        Answer::error(
            400,
            format!(
                "Bad arguments for {}.{}: {why}",
                request.service, request.call
            ),
        )
    }
}

/// Decodes argument `index` as `T`.
fn argument<T: DeserializeOwned>(request: &Request, index: usize) -> Result<T, Answer> {
    let args = request.arguments();
    let value = args.get(index).ok_or_else(|| {
        Answer::bad_arguments(request, format!("argument {} is missing", index + 1))
    })?;
    serde_json::from_value(value.clone())
        .map_err(|e| Answer::bad_arguments(request, format!("argument {}: {e}", index + 1)))
}

/// A list of UUIDs sent either as one array argument (`[[u1, u2]]`) or as the arguments.
fn uuid_list(request: &Request) -> Result<Vec<String>, Answer> {
    let args = request.arguments();
    match args.first() {
        Some(Json::Array(_)) => argument(request, 0),
        _ => {
            serde_json::from_value(Json::Array(args)).map_err(|e| Answer::bad_arguments(request, e))
        }
    }
}

fn is_head_node(device: &Device) -> bool {
    device.child_type == "HeadNode"
}

fn is_lite_node(device: &Device) -> bool {
    device.child_type == "LiteNode"
}

/// Answers one call. Login is not handled here: it needs the HTTP layer's cookies.
pub fn call(headnode: &mut Headnode, request: &Request, now: Instant) -> Answer {
    headnode.advance(now);
    let service = request.service.to_ascii_lowercase();
    let answer = match service.as_str() {
        "cmdevice" => cmdevice(headnode, request, now),
        "cmpart" => cmpart(headnode, request),
        "cmnet" => cmnet(headnode, request),
        "cmkube" => cmkube(headnode, request),
        "cmstatus" => cmstatus(headnode, request),
        "cmmain" => cmmain(headnode, request),
        "cmjob" => cmjob(request),
        _ => Err(Answer::error(
            400,
            format!("Unknown service {} specified", request.service),
        )),
    };
    answer.unwrap_or_else(|error| error)
}

fn unknown_call(request: &Request) -> Result<Answer, Answer> {
    Err(Answer::error(
        400,
        format!(
            "Unknown {} call specified: {}",
            request.service.to_ascii_lowercase(),
            request.call
        ),
    ))
}

fn cmdevice(headnode: &mut Headnode, request: &Request, now: Instant) -> Result<Answer, Answer> {
    let listed = |keep: fn(&Device) -> bool| {
        let devices: Vec<&Device> = headnode.store().devices().filter(|d| keep(d)).collect();
        Answer::ok(devices)
    };
    Ok(match request.call.as_str() {
        "getDevices" => listed(|_| true),
        "getNodes" => listed(|d| !is_lite_node(d)),
        "getComputeNodes" => listed(|d| !is_head_node(d) && !is_lite_node(d)),
        "getHeadNodes" => listed(is_head_node),
        "getNode" => {
            let key: String = argument(request, 0)?;
            let device = headnode.store().device(&key).filter(|d| !is_lite_node(d));
            Answer::ok(device)
        }
        "getDevice" => {
            let key: String = argument(request, 0)?;
            Answer::ok(headnode.store().device(&key))
        }
        "validateDevice" => {
            let device: Device = argument(request, 0)?;
            Answer::ok(headnode.store().validate_device(&device))
        }
        "addDevice" => {
            let device: Device = argument(request, 0)?;
            Answer::ok(headnode.add_device(device, now))
        }
        "updateDevice" => {
            let device: Device = argument(request, 0)?;
            Answer::ok(headnode.update_device(device))
        }
        "removeDevice" => {
            let uuid = removal_target(request)?;
            match headnode.remove_device(&uuid, now) {
                Some(_) => Answer::ok(json!({"success": true, "validation": []})),
                None => Answer::ok(json!({"success": false, "validation": [
                    {"field": "uuid", "message": format!("No device with UUID {uuid}"),
                     "error_code": "BAD_VALUE", "severity": "ERROR"}]})),
            }
        }
        "getCategories" => Answer::ok(headnode.store().categories().collect::<Vec<_>>()),
        "getCategory" => {
            let key: String = argument(request, 0)?;
            Answer::ok(headnode.store().category(&key))
        }
        "addCategory" => {
            let category: Category = argument(request, 0)?;
            Answer::ok(headnode.store_mut().add_category(category))
        }
        "updateCategory" => {
            let category: Category = argument(request, 0)?;
            Answer::ok(headnode.store_mut().update_category(category))
        }
        "removeCategory" => {
            let uuid = removal_target(request)?;
            Answer::ok(headnode.store_mut().remove_category(&uuid))
        }
        "powerOperation" => {
            let operation: PowerOperation = argument(request, 0)?;
            Answer::ok(headnode.power(&operation, now))
        }
        "powerOn" | "powerOff" | "powerCycle" | "reboot" => {
            let operation = match request.call.as_str() {
                "powerOn" => PowerOp::On,
                "powerOff" => PowerOp::Off,
                _ => PowerOp::Reset,
            };
            older_power_call(headnode, request, operation, now)?
        }
        "getStatusForDeviceArray" => cmstatus_for(headnode, request)?,
        _ => return unknown_call(request),
    })
}

/// `removeDevice`/`removeCategory` take a UUID, or a one-element list of one.
fn removal_target(request: &Request) -> Result<String, Answer> {
    match request.arguments().first() {
        Some(Json::Array(_)) => {
            let uuids: Vec<String> = argument(request, 0)?;
            uuids
                .into_iter()
                .next()
                .ok_or_else(|| Answer::bad_arguments(request, "no UUID given"))
        }
        _ => argument(request, 0),
    }
}

/// The pre-`powerOperation` calls: one device (UUID or hostname) in `arg`; the answer is
/// `{"operations": [PowerStatus...], "success": bool}`.
fn older_power_call(
    headnode: &mut Headnode,
    request: &Request,
    operation: PowerOp,
    now: Instant,
) -> Result<Answer, Answer> {
    let key: String = argument(request, 0)?;
    let uuid = headnode
        .store()
        .device(&key)
        .map_or(key, |device| device.uuid.clone());
    let result = headnode.power(&PowerOperation::new(vec![uuid], operation, false), now);
    Ok(Answer::ok(json!({
        "operations": result.statuses,
        "success": result.count > 0,
    })))
}

fn cmpart(headnode: &Headnode, request: &Request) -> Result<Answer, Answer> {
    let store = headnode.store();
    Ok(match request.call.as_str() {
        "getSoftwareImages" => Answer::ok(store.software_images()),
        "getSoftwareImage" => {
            let key: String = argument(request, 0)?;
            Answer::ok(store.software_image(&key))
        }
        "getPartitions" => Answer::ok(store.partitions()),
        "getPartition" => {
            let key: String = argument(request, 0)?;
            let partition = store
                .partitions()
                .iter()
                .find(|p| p.uuid == key || p.name == key);
            Answer::ok(partition)
        }
        _ => return unknown_call(request),
    })
}

fn cmnet(headnode: &Headnode, request: &Request) -> Result<Answer, Answer> {
    let store = headnode.store();
    Ok(match request.call.as_str() {
        "getNetworks" => Answer::ok(store.networks()),
        "getNetwork" => {
            let key: String = argument(request, 0)?;
            Answer::ok(store.network(&key))
        }
        _ => return unknown_call(request),
    })
}

fn cmkube(headnode: &mut Headnode, request: &Request) -> Result<Answer, Answer> {
    Ok(match request.call.as_str() {
        "getKubeClusters" => Answer::ok(headnode.store().kube_clusters()),
        "getKubeCluster" => {
            let key: String = argument(request, 0)?;
            Answer::ok(headnode.store().kube_cluster(&key))
        }
        "addKubeCluster" => {
            let cluster: Json = argument(request, 0)?;
            Answer::ok(headnode.store_mut().add_kube_cluster(cluster))
        }
        _ => return unknown_call(request),
    })
}

fn cmstatus(headnode: &Headnode, request: &Request) -> Result<Answer, Answer> {
    match request.call.as_str() {
        "getStatusForDevices" => cmstatus_for(headnode, request),
        _ => unknown_call(request),
    }
}

/// `getStatusForDevices([[uuid, ...]])`: one DeviceStatus per known UUID, in the order asked.
fn cmstatus_for(headnode: &Headnode, request: &Request) -> Result<Answer, Answer> {
    let uuids = uuid_list(request)?;
    let statuses: Vec<_> = uuids
        .iter()
        .filter_map(|uuid| headnode.device_status(uuid))
        .collect();
    Ok(Answer::ok(statuses))
}

fn cmmain(headnode: &Headnode, request: &Request) -> Result<Answer, Answer> {
    Ok(match request.call.as_str() {
        "getVersion" => Answer::ok(json!({
            "cmVersion": CM_VERSION,
            "cmdVersion": CM_VERSION,
            "simulator": "bcmhcl",
        })),
        "ping" | "need_uuid" => Answer::ok(true),
        "getActivePassiveUuids" => {
            let active = headnode
                .store()
                .devices()
                .find(|d| is_head_node(d))
                .map_or(ZERO_UUID, |d| d.uuid.as_str());
            Answer::ok(json!([active, ZERO_UUID, ZERO_UUID]))
        }
        _ => return unknown_call(request),
    })
}

fn cmjob(request: &Request) -> Result<Answer, Answer> {
    match request.call.as_str() {
        "isPowerSavingAllowed" => Ok(Answer::ok(true)),
        _ => unknown_call(request),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::bcm::wire::{
        ChangeResult, DeviceStatus, NodeStatus, PowerOperationResult,
    };
    use crate::sim::faults::Faults;
    use crate::sim::store::Store;
    use crate::sim::timeline::Timing;
    use std::time::Duration;

    fn headnode(start: Instant) -> Headnode {
        let store =
            Store::from_inventory(crate::sim::demo::inventory().unwrap(), 1_700_000_000).unwrap();
        let timing = Timing::with_provision_total(Duration::from_secs(36));
        Headnode::new(
            store,
            timing,
            10,
            Faults::default(),
            start,
            1_700_000_000_000,
        )
    }

    fn send(
        headnode: &mut Headnode,
        service: &str,
        call: &str,
        args: Json,
        now: Instant,
    ) -> Answer {
        let request = Request::new(service, call, serde_json::from_value(args).unwrap());
        super::call(headnode, &request, now)
    }

    fn new_node(headnode: &Headnode, hostname: &str, mac: &str) -> Json {
        let category = headnode.store().category("default").unwrap().uuid.clone();
        json!({"baseType": "Device", "childType": "PhysicalNode",
            "uuid": uuid::Uuid::new_v4().to_string(), "hostname": hostname, "mac": mac,
            "category": category,
            "interfaces": [{"name": "eth0", "mac": mac, "bootable": true}]})
    }

    #[test]
    fn gets_answer_null_for_what_does_not_exist() {
        let now = Instant::now();
        let mut headnode = headnode(now);
        for (service, call) in [
            ("cmdevice", "getNode"),
            ("cmdevice", "getDevice"),
            ("cmdevice", "getCategory"),
            ("CMPart", "getSoftwareImage"),
            ("cmkube", "getKubeCluster"),
        ] {
            let answer = send(&mut headnode, service, call, json!(["nothing-here"]), now);
            assert_eq!(answer, Answer::ok(Json::Null), "{service}.{call}");
        }
        let head = send(
            &mut headnode,
            "CMDEVICE",
            "getNode",
            json!(["bcm-head"]),
            now,
        );
        assert_eq!(head.body["childType"], json!("HeadNode"));
        let by_uuid = send(
            &mut headnode,
            "cmdevice",
            "getDevice",
            json!([head.body["uuid"].clone()]),
            now,
        );
        assert_eq!(by_uuid.body["hostname"], json!("bcm-head"));
    }

    #[test]
    fn unknown_calls_and_bad_arguments_are_http_400() {
        let now = Instant::now();
        let mut headnode = headnode(now);
        let answer = send(&mut headnode, "cmdevice", "getSlaveNodes", json!([]), now);
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.body,
            json!({"errormessage": "Unknown cmdevice call specified: getSlaveNodes"})
        );
        assert_eq!(
            send(&mut headnode, "cmnope", "x", json!([]), now).status,
            400
        );
        let missing = send(&mut headnode, "cmdevice", "getNode", json!([]), now);
        assert_eq!(missing.status, 400);
        let wrong = send(
            &mut headnode,
            "cmdevice",
            "addDevice",
            json!([42, false]),
            now,
        );
        assert_eq!(wrong.status, 400);
        let op = send(
            &mut headnode,
            "cmdevice",
            "powerOperation",
            json!([{"devices": [], "operation": "CYCLE"}]),
            now,
        );
        assert_eq!(op.status, 400);
    }

    #[test]
    fn list_calls_split_head_and_compute_nodes() {
        let now = Instant::now();
        let mut headnode = headnode(now);
        let node = new_node(&headnode, "node001", "aa:00:00:00:00:01");
        assert_eq!(
            send(
                &mut headnode,
                "cmdevice",
                "addDevice",
                json!([node, false]),
                now
            )
            .body,
            json!({"success": true, "validation": []})
        );
        let names = |answer: Answer| -> Vec<String> {
            let devices: Vec<Device> = serde_json::from_value(answer.body).unwrap();
            devices.into_iter().map(|d| d.hostname).collect()
        };
        let mut call = |name: &str| names(send(&mut headnode, "cmdevice", name, json!([]), now));
        assert_eq!(call("getNodes"), ["bcm-head", "node001"]);
        assert_eq!(call("getDevices"), ["bcm-head", "node001"]);
        assert_eq!(call("getComputeNodes"), ["node001"]);
        assert_eq!(call("getHeadNodes"), ["bcm-head"]);
    }

    #[test]
    fn add_validate_update_remove_round_trip() {
        let now = Instant::now();
        let mut headnode = headnode(now);
        let node = new_node(&headnode, "node001", "aa:00:00:00:00:01");
        let mut unsaved = node.clone();
        unsaved["uuid"] = json!(ZERO_UUID);
        let findings = send(
            &mut headnode,
            "CMDevice",
            "validateDevice",
            json!([unsaved, false]),
            now,
        );
        assert_eq!(findings.body[0]["error_code"], json!("NOT_NULL"));
        assert_eq!(findings.body[0]["field"], json!("uuid"));
        send(
            &mut headnode,
            "cmdevice",
            "addDevice",
            json!([node.clone(), false]),
            now,
        );
        let twin = new_node(&headnode, "node002", "aa:00:00:00:00:01");
        let answer = send(
            &mut headnode,
            "cmdevice",
            "addDevice",
            json!([twin, false]),
            now,
        );
        let result: ChangeResult = serde_json::from_value(answer.body).unwrap();
        assert!(!result.success);
        assert_eq!(result.validation[0].field, "mac");
        assert_eq!(result.validation[0].error_code, "DUPLICATE_FIELD");
        let uuid = node["uuid"].as_str().unwrap();
        let removed = send(
            &mut headnode,
            "cmdevice",
            "removeDevice",
            json!([uuid, false]),
            now,
        );
        assert_eq!(removed.body["success"], json!(true));
        let gone = send(&mut headnode, "cmdevice", "getDevice", json!([uuid]), now);
        assert_eq!(gone.body, Json::Null);
        let again = send(
            &mut headnode,
            "cmdevice",
            "removeDevice",
            json!([uuid, false]),
            now,
        );
        assert_eq!(again.body["success"], json!(false));
    }

    #[test]
    fn power_and_status_calls_follow_the_timeline() {
        let start = Instant::now();
        let mut headnode = headnode(start);
        let node = new_node(&headnode, "node001", "aa:00:00:00:00:01");
        let uuid = node["uuid"].as_str().unwrap().to_string();
        send(
            &mut headnode,
            "cmdevice",
            "addDevice",
            json!([node, false]),
            start,
        );
        let op = json!([{"baseType": "PowerOperation", "devices": [uuid], "operation": "ON"}]);
        let answer = send(&mut headnode, "cmdevice", "powerOperation", op, start);
        let result: PowerOperationResult = serde_json::from_value(answer.body).unwrap();
        assert_eq!(result.count, 1);
        let status_at = |headnode: &mut Headnode, seconds: u64| {
            let answer = send(
                headnode,
                "cmstatus",
                "getStatusForDevices",
                json!([[uuid.clone()]]),
                start + Duration::from_secs(seconds),
            );
            let statuses: Vec<DeviceStatus> = serde_json::from_value(answer.body).unwrap();
            statuses[0].status
        };
        assert_eq!(status_at(&mut headnode, 1), NodeStatus::Booting);
        assert_eq!(status_at(&mut headnode, 10), NodeStatus::Installing);
        assert_eq!(
            status_at(&mut headnode, 34),
            NodeStatus::InstallerCallingInit
        );
        assert_eq!(status_at(&mut headnode, 36), NodeStatus::Up);
        // The older call spelling with a hostname in `arg`.
        let request = Request {
            arg: Some(json!("node001")),
            ..Request::new("cmdevice", "powerOff", Vec::new())
        };
        let answer = super::call(&mut headnode, &request, start + Duration::from_secs(40));
        assert_eq!(answer.body["success"], json!(true));
        assert_eq!(answer.body["operations"][0]["state"], json!("OFF"));
        assert_eq!(status_at(&mut headnode, 40), NodeStatus::GoingDown);
        assert_eq!(status_at(&mut headnode, 60), NodeStatus::Down);
    }

    #[test]
    fn the_main_service_answers_version_ping_and_uuids() {
        let now = Instant::now();
        let mut headnode = headnode(now);
        let version = send(&mut headnode, "cmmain", "getVersion", json!([]), now);
        assert_eq!(version.body["cmVersion"], json!(CM_VERSION));
        assert_eq!(
            send(&mut headnode, "cmmain", "ping", json!([]), now).body,
            json!(true)
        );
        assert_eq!(
            send(&mut headnode, "cmmain", "need_uuid", json!([]), now).body,
            json!(true)
        );
        let images = send(&mut headnode, "cmpart", "getSoftwareImages", json!([]), now);
        assert_eq!(images.body.as_array().unwrap().len(), 2);
        let networks = send(&mut headnode, "cmnet", "getNetworks", json!([]), now);
        assert_eq!(networks.body[0]["name"], json!("internalnet"));
        let partitions = send(&mut headnode, "CMPart", "getPartitions", json!([]), now);
        assert_eq!(partitions.body[0]["name"], json!("base"));
        assert_eq!(
            send(&mut headnode, "cmkube", "getKubeClusters", json!([]), now).body,
            json!([])
        );
    }
}
