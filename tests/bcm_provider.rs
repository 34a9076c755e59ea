//! The BCM provider against the headnode simulator over real HTTP(S) on 127.0.0.1: devices
//! created, read back, updated and deleted, validation errors, data sources, power with a wait
//! for UP through the shared status watcher, mutual TLS, and the offline inventory export.

use bcmhcl::provider::bcm::wire::NodeStatus;
use bcmhcl::provider::bcm::{BcmProvider, BcmSettings, Secret};
use bcmhcl::provider::{ActionRequest, ApplyRequest, PlanRequest, Provider};
use bcmhcl::schema::{raw_equals, Block, Nesting};
use bcmhcl::sim::{start, SimConfig, SimHandle};
use bcmhcl::value::{value_from_json_typed, value_to_json, Value};
use serde_json::{json, Map, Value as Json};
use std::sync::Mutex;
use std::time::Duration;

const CATEGORY: &str = "3a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c01";
const INTERNALNET: &str = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e01";
const IPMINET: &str = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e02";
const BASE_PARTITION: &str = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c01";

async fn sim(config: SimConfig) -> SimHandle {
    start(config).await.expect("simulator starts")
}

fn settings(handle: &SimHandle) -> BcmSettings {
    let mut s = BcmSettings::new(
        &handle.endpoint(),
        handle.username(),
        Secret::new(handle.password().expose()),
    );
    s.retry_backoff = Duration::from_millis(10);
    s.status_poll_interval = Duration::from_millis(50);
    s
}

/// A configuration object as the decoder makes it: every attribute of the schema block, null
/// unless given, repeated blocks empty.
fn object(block: &Block, pairs: &[(&str, Json)]) -> Value {
    let mut m: Map<String, Json> = block
        .attributes
        .keys()
        .map(|k| (k.clone(), Json::Null))
        .collect();
    for (name, nested) in &block.block_types {
        let absent = match nested.nesting {
            Nesting::Single => Json::Null,
            _ => json!([]),
        };
        m.insert(name.clone(), absent);
    }
    for (k, v) in pairs {
        m.insert(k.to_string(), v.clone());
    }
    value_from_json_typed(&Json::Object(m), &block.implied_type()).expect("fits the schema")
}

fn resource_config(p: &BcmProvider, type_name: &str, pairs: &[(&str, Json)]) -> Value {
    object(&p.schema().resource_schemas[type_name].block, pairs)
}

fn interface(p: &BcmProvider, fields: Json) -> Json {
    let block = &p.schema().resource_schemas["bcm_cmdevice_device"]
        .block
        .block_types["interfaces"]
        .block;
    let mut m: Map<String, Json> = block
        .attributes
        .keys()
        .map(|k| (k.clone(), Json::Null))
        .collect();
    if let Json::Object(f) = fields {
        m.extend(f);
    }
    Json::Object(m)
}

fn node(p: &BcmProvider, hostname: &str, n: u8) -> Value {
    resource_config(
        p,
        "bcm_cmdevice_device",
        &[
            ("hostname", json!(hostname)),
            ("category", json!(CATEGORY)),
            ("management_network", json!(INTERNALNET)),
            ("power_control", json!("ipmi0")),
            (
                "interfaces",
                json!([
                    interface(
                        p,
                        json!({"name": "BOOTIF", "type": "physical", "mac": format!("52:54:00:b0:00:{n:02x}"),
                        "ip": format!("10.141.0.{n}"), "dhcp": false, "bootable": true, "network": INTERNALNET})
                    ),
                    interface(
                        p,
                        json!({"name": "ipmi0", "type": "bmc", "mac": format!("52:54:00:b1:00:{n:02x}"),
                        "ip": format!("10.148.0.{n}"), "network": IPMINET})
                    ),
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
) -> Result<Value, bcmhcl::diag::Diagnostic> {
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

fn get(v: &Value, name: &str) -> Json {
    let a = v
        .as_attrs()
        .and_then(|a| a.get(name))
        .cloned()
        .unwrap_or(Value::NULL);
    value_to_json(&a.unmark_deep().0).unwrap_or(Json::Null)
}

#[tokio::test]
async fn devices_round_trip_through_the_simulator() {
    let handle = sim(SimConfig::default()).await;
    let p = BcmProvider::new(settings(&handle));
    let cfg = node(&p, "node001", 1);
    let created = apply(&p, "bcm_cmdevice_device", None, &cfg).await.unwrap();
    let uuid = get(&created, "uuid");
    assert_eq!(get(&created, "id"), uuid);
    assert_eq!(
        get(&created, "partition"),
        json!(BASE_PARTITION),
        "from the category's image proxy"
    );
    assert_eq!(get(&created, "mac"), json!("52:54:00:b0:00:01"));
    assert_eq!(get(&created, "child_type"), json!("PhysicalNode"));
    assert_eq!(get(&created, "interfaces")[1]["cardtype"], json!("BMC"));
    assert_eq!(handle.status("node001"), Some(NodeStatus::Down));

    // Read back: the same object; the same configuration plans no change.
    let read = p
        .read_resource("bcm_cmdevice_device", &created)
        .await
        .unwrap()
        .unwrap();
    assert!(
        raw_equals(&read, &created),
        "{:?}\n{:?}",
        value_to_json(&read),
        value_to_json(&created)
    );
    let again = p
        .plan(PlanRequest {
            type_name: "bcm_cmdevice_device",
            prior: Some(&read),
            config: &cfg,
        })
        .unwrap();
    assert!(raw_equals(&again.planned, &read));

    // Update in place: new IP and notes; interface UUIDs stay.
    let mut changed = value_to_json(&cfg).unwrap();
    changed["interfaces"][0]["ip"] = json!("10.141.0.101");
    changed["notes"] = json!("rack 4");
    let changed = object(
        &p.schema().resource_schemas["bcm_cmdevice_device"].block,
        &changed
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect::<Vec<_>>(),
    );
    let updated = apply(&p, "bcm_cmdevice_device", Some(&read), &changed)
        .await
        .unwrap();
    assert_eq!(get(&updated, "uuid"), uuid);
    assert_eq!(get(&updated, "notes"), json!("rack 4"));
    assert_eq!(get(&updated, "interfaces")[0]["ip"], json!("10.141.0.101"));
    assert_eq!(
        get(&updated, "interfaces")[0]["uuid"],
        get(&created, "interfaces")[0]["uuid"]
    );
    assert_eq!(
        get(&updated, "interfaces")[1]["uuid"],
        get(&created, "interfaces")[1]["uuid"]
    );

    // The nodes data source sees it, without a state attribute.
    let nodes_cfg = object(
        &p.schema().data_source_schemas["bcm_cmdevice_nodes"].block,
        &[],
    );
    let nodes = p.read_data("bcm_cmdevice_nodes", &nodes_cfg).await.unwrap();
    let listed = get(&nodes, "nodes");
    let ours = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["hostname"] == "node001")
        .unwrap();
    assert_eq!(ours["interfaces"][0]["ip"], json!("10.141.0.101"));
    assert!(ours.get("state").is_none());

    // Import by hostname, then delete; refresh afterwards finds nothing.
    let imported = p.import("bcm_cmdevice_device", "node001").await.unwrap();
    assert_eq!(get(&imported, "uuid"), uuid);
    let gone = p
        .apply(ApplyRequest {
            type_name: "bcm_cmdevice_device",
            prior: Some(&updated),
            planned: None,
            config: &changed,
        })
        .await
        .unwrap();
    assert!(gone.is_null());
    assert!(p
        .read_resource("bcm_cmdevice_device", &updated)
        .await
        .unwrap()
        .is_none());
    handle.shutdown().await;
}

#[tokio::test]
async fn a_duplicate_mac_is_refused_by_validation_naming_the_field() {
    let handle = sim(SimConfig::default()).await;
    let p = BcmProvider::new(settings(&handle));
    apply(&p, "bcm_cmdevice_device", None, &node(&p, "node001", 1))
        .await
        .unwrap();
    let err = apply(&p, "bcm_cmdevice_device", None, &node(&p, "node002", 1))
        .await
        .unwrap_err();
    assert!(err.summary.starts_with("BCM validation error"), "{err}");
    assert!(err.detail.contains("mac"), "{}", err.detail);
    assert!(err.detail.contains("52:54:00:b0:00:01"), "{}", err.detail);
    assert!(err.detail.contains("DUPLICATE_FIELD"), "{}", err.detail);
    assert!(
        !handle.statuses().contains_key("node002"),
        "nothing was added"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn power_on_with_wait_reaches_up_and_many_waiters_share_the_polls() {
    let handle = sim(SimConfig {
        provision_seconds: Some(0.6),
        ..SimConfig::default()
    })
    .await;
    let p = BcmProvider::new(settings(&handle));
    let mut uuids = Vec::new();
    for n in 1..=12u8 {
        let created = apply(
            &p,
            "bcm_cmdevice_device",
            None,
            &node(&p, &format!("node{n:03}"), n),
        )
        .await
        .unwrap();
        uuids.push(get(&created, "uuid").as_str().unwrap().to_string());
    }
    let calls_before = handle.stats().calls;
    let power = |uuid: &str| {
        resource_config(
            &p,
            "bcm_cmdevice_power",
            &[
                ("device_id", json!(uuid)),
                ("power_action", json!("power_on")),
                ("wait_for_completion", json!(true)),
                ("timeout", json!("60")),
            ],
        )
    };
    let configs: Vec<Value> = uuids.iter().map(|u| power(u)).collect();
    let results = futures_join(
        configs
            .iter()
            .map(|c| apply(&p, "bcm_cmdevice_power", None, c)),
    )
    .await;
    for r in &results {
        let state = r.as_ref().unwrap();
        assert_eq!(get(state, "status"), json!("UP"));
        assert_eq!(get(state, "operation"), json!("ON"));
    }
    for n in 1..=12 {
        assert_eq!(handle.status(&format!("node{n:03}")), Some(NodeStatus::Up));
        assert_eq!(handle.power_operations()[&format!("node{n:03}")], 1);
    }
    // 12 getNode + 12 powerOperation, then status polls shared by all twelve waiters: far
    // fewer than one poll per node per tick.
    let calls = handle.stats().calls - calls_before;
    assert!(calls < 24 + 40, "{calls} calls");

    // Unchanged configuration: no change planned, nothing sent.
    let state = results[0].as_ref().unwrap();
    let again = p
        .plan(PlanRequest {
            type_name: "bcm_cmdevice_power",
            prior: Some(state),
            config: &configs[0],
        })
        .unwrap();
    assert!(raw_equals(&again.planned, state));
    handle.shutdown().await;
}

/// A run killed after sending a power operation and before recording it sends it again on
/// the next apply. power_on of a node already provisioning or UP changes nothing on the
/// headnode, and the wait simply ends when the node is UP: on the first operation's timeline,
/// not a second provisioning later.
#[tokio::test]
async fn power_on_sent_again_by_the_next_run_waits_for_up_without_reprovisioning() {
    const PROVISION: f64 = 1.0;
    let handle = sim(SimConfig {
        provision_seconds: Some(PROVISION),
        ..SimConfig::default()
    })
    .await;
    let p = BcmProvider::new(settings(&handle));
    let created = apply(&p, "bcm_cmdevice_device", None, &node(&p, "node001", 1))
        .await
        .unwrap();
    let uuid = get(&created, "uuid").as_str().unwrap().to_string();
    let power = |wait: bool| {
        resource_config(
            &p,
            "bcm_cmdevice_power",
            &[
                ("device_id", json!(uuid)),
                ("power_action", json!("power_on")),
                ("wait_for_completion", json!(wait)),
                ("timeout", json!("60")),
            ],
        )
    };
    // The interrupted run: the operation went out, the state never recorded it.
    let first_sent = handle.stats().elapsed_seconds;
    apply(&p, "bcm_cmdevice_power", None, &power(false))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let provisioning = handle.status("node001").unwrap();
    assert!(
        !matches!(provisioning, NodeStatus::Up | NodeStatus::Down),
        "{provisioning:?}"
    );

    // The next run: the same power_on again, with a wait, while the node provisions.
    let resent = handle.stats().elapsed_seconds;
    let state = apply(&p, "bcm_cmdevice_power", None, &power(true))
        .await
        .unwrap();
    assert_eq!(get(&state, "status"), json!("UP"));
    assert_eq!(handle.power_operations()["node001"], 2);
    let up_at = handle.stats().up_after_seconds["node001"];
    assert!(
        up_at >= first_sent + PROVISION * 0.9 && up_at < resent + PROVISION * 0.9,
        "first sent at {first_sent:.2} s, again at {resent:.2} s, UP at {up_at:.2} s: the second power_on restarted provisioning"
    );

    // Once more, now that the node is UP: the wait ends at the first poll, the node stays UP.
    let started = std::time::Instant::now();
    let state = apply(&p, "bcm_cmdevice_power", None, &power(true))
        .await
        .unwrap();
    assert_eq!(get(&state, "status"), json!("UP"));
    assert!(started.elapsed() < Duration::from_secs_f64(PROVISION));
    assert_eq!(handle.power_operations()["node001"], 3);
    assert_eq!(handle.stats().up_after_seconds["node001"], up_at);
    assert_eq!(handle.status("node001"), Some(NodeStatus::Up));
    handle.shutdown().await;
}

/// Runs the futures concurrently on the current task.
async fn futures_join<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

#[tokio::test]
async fn the_action_powers_by_hostname_and_refuses_the_head_node() {
    let handle = sim(SimConfig {
        provision_seconds: Some(0.3),
        ..SimConfig::default()
    })
    .await;
    let p = BcmProvider::new(settings(&handle));
    apply(&p, "bcm_cmdevice_device", None, &node(&p, "node001", 1))
        .await
        .unwrap();
    let action = |id: &str| {
        object(
            &p.schema().action_schemas["bcm_cmdevice_power"].block,
            &[
                ("device_id", json!(id)),
                ("power_action", json!("power_on")),
                ("wait_for_completion", json!(true)),
                ("timeout", json!("30s")),
            ],
        )
    };
    let lines = Mutex::new(Vec::<String>::new());
    let progress = |l: &str| lines.lock().unwrap().push(l.to_string());
    p.invoke_action(ActionRequest {
        type_name: "bcm_cmdevice_power",
        config: &action("node001"),
        progress: &progress,
    })
    .await
    .unwrap();
    let lines = lines.into_inner().unwrap();
    assert!(
        lines.first().unwrap().starts_with("Powering on node001"),
        "{lines:?}"
    );
    assert!(
        lines.last().unwrap().starts_with("node001 is UP after"),
        "{lines:?}"
    );
    assert_eq!(handle.status("node001"), Some(NodeStatus::Up));

    let err = p
        .invoke_action(ActionRequest {
            type_name: "bcm_cmdevice_power",
            config: &action("bcm-head"),
            progress: &|_| {},
        })
        .await
        .unwrap_err();
    assert_eq!(err.summary, "Refusing to power the head node");
    assert!(!handle.power_operations().contains_key("bcm-head"));
    handle.shutdown().await;
}

#[tokio::test]
async fn data_sources_read_the_simulated_cluster() {
    let handle = sim(SimConfig::default()).await;
    let p = BcmProvider::new(settings(&handle));
    let ds =
        |t: &str, pairs: &[(&str, Json)]| object(&p.schema().data_source_schemas[t].block, pairs);
    let nets = p
        .read_data("bcm_cmnet_networks", &ds("bcm_cmnet_networks", &[]))
        .await
        .unwrap();
    let names: Vec<Json> = get(&nets, "networks")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].clone())
        .collect();
    assert_eq!(names, [json!("internalnet"), json!("ipminet")]);
    let cats = p
        .read_data(
            "bcm_cmdevice_categories",
            &ds("bcm_cmdevice_categories", &[("name", json!("default"))]),
        )
        .await
        .unwrap();
    assert_eq!(get(&cats, "categories")[0]["uuid"], json!(CATEGORY));
    let images = p
        .read_data(
            "bcm_cmpart_softwareimages",
            &ds("bcm_cmpart_softwareimages", &[]),
        )
        .await
        .unwrap();
    assert!(!get(&images, "images").as_array().unwrap().is_empty());
    let parts = p
        .read_data("bcm_cmpart_partitions", &ds("bcm_cmpart_partitions", &[]))
        .await
        .unwrap();
    assert_eq!(get(&parts, "partitions")[0]["uuid"], json!(BASE_PARTITION));
    let roles = p
        .read_data("bcm_cmdevice_roles", &ds("bcm_cmdevice_roles", &[]))
        .await
        .unwrap();
    assert!(get(&roles, "roles").is_array());
    let kube = p
        .read_data("bcm_cmkube_clusters", &ds("bcm_cmkube_clusters", &[]))
        .await
        .unwrap();
    assert!(get(&kube, "clusters").is_array());

    // The exported inventory answers the same reads offline.
    let inventory = p.export_inventory().await.unwrap();
    let offline = BcmProvider::offline(inventory);
    let offline_nets = offline
        .read_data("bcm_cmnet_networks", &ds("bcm_cmnet_networks", &[]))
        .await
        .unwrap();
    assert!(raw_equals(&offline_nets, &nets));
    handle.shutdown().await;
}

#[tokio::test]
async fn mutual_tls_with_the_simulators_client_certificate() {
    let handle = sim(SimConfig {
        tls: true,
        ..SimConfig::default()
    })
    .await;
    let mut s = BcmSettings::new(&handle.endpoint(), "", Secret::default());
    s.ca_file = handle.ca_file().map(Into::into);
    s.client_cert = handle.client_cert_file().map(Into::into);
    s.client_key = handle.client_key_file().map(Into::into);
    let p = BcmProvider::new(s);
    let created = apply(&p, "bcm_cmdevice_device", None, &node(&p, "node001", 1))
        .await
        .unwrap();
    assert_eq!(get(&created, "hostname"), json!("node001"));

    // Without the CA file the self-signed certificate is refused, with advice.
    let mut no_ca = settings(&handle);
    no_ca.ca_file = None;
    let err = BcmProvider::new(no_ca)
        .read_data(
            "bcm_cmnet_networks",
            &object(
                &p.schema().data_source_schemas["bcm_cmnet_networks"].block,
                &[],
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(err.summary, "BCM headnode certificate rejected");
    handle.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_error_without_the_password() {
    let handle = sim(SimConfig::default()).await;
    let mut s = settings(&handle);
    s.password = Secret::new("wrong-pw-123");
    let p = BcmProvider::new(s);
    let err = p
        .read_data(
            "bcm_cmnet_networks",
            &object(
                &p.schema().data_source_schemas["bcm_cmnet_networks"].block,
                &[],
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(err.summary, "BCM authentication failed");
    assert!(!format!("{err:?}").contains("wrong-pw-123"));
    handle.shutdown().await;
}
