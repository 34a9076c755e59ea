//! The BCM headnode simulator end to end: reqwest over real sockets on 127.0.0.1 against a
//! simulator started in-process, and the `bcmhcl sim` binary itself.

use bcmhcl::provider::bcm::wire::{
    ChangeResult, DeviceStatus, NodeStatus, PowerOperationResult, LOGIN_COOKIE,
};
use bcmhcl::sim::{self, Faults, SimConfig, SimHandle, SimStats};
use reqwest::StatusCode;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

async fn start(config: SimConfig) -> SimHandle {
    sim::start(config).await.expect("simulator starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn post(client: &reqwest::Client, endpoint: &str, body: Json) -> (StatusCode, Json) {
    let response = client
        .post(format!("{endpoint}/json"))
        .json(&body)
        .send()
        .await
        .expect("request is answered");
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Json::String(text));
    (status, body)
}

async fn call(
    client: &reqwest::Client,
    endpoint: &str,
    service: &str,
    call: &str,
    args: Json,
) -> (StatusCode, Json) {
    post(
        client,
        endpoint,
        json!({"service": service, "call": call, "args": args}),
    )
    .await
}

async fn logged_in(handle: &SimHandle) -> reqwest::Client {
    let client = client();
    let (status, body) = post(
        &client,
        &handle.endpoint(),
        json!({"service": "login", "username": handle.username(), "password": handle.password().expose()}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!(true)));
    client
}

async fn stats(endpoint: &str) -> SimStats {
    reqwest::get(format!("{endpoint}/sim/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A new compute node in the demo's `default` category; returns its UUID.
async fn add_node(client: &reqwest::Client, endpoint: &str, hostname: &str, mac: &str) -> String {
    let entity = node_entity(client, endpoint, hostname, mac).await;
    let uuid = entity["uuid"].as_str().unwrap().to_string();
    let (status, body) = call(
        client,
        endpoint,
        "cmdevice",
        "addDevice",
        json!([entity, false]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let result: ChangeResult = serde_json::from_value(body).unwrap();
    assert!(result.success, "{result:?}");
    uuid
}

async fn node_entity(client: &reqwest::Client, endpoint: &str, hostname: &str, mac: &str) -> Json {
    let (_, category) = call(
        client,
        endpoint,
        "cmdevice",
        "getCategory",
        json!(["default"]),
    )
    .await;
    json!({
        "baseType": "Device", "childType": "PhysicalNode", "uuid": uuid::Uuid::new_v4().to_string(),
        "hostname": hostname, "mac": mac, "category": category["uuid"],
        "modified": true, "to_be_removed": false, "revision": "",
        "interfaces": [
            {"baseType": "NetworkInterface", "childType": "NetworkPhysicalInterface",
             "uuid": uuid::Uuid::new_v4().to_string(), "name": "eth0", "mac": mac,
             "dhcp": false, "bootable": true, "ip": "10.141.0.10"},
        ],
    })
}

async fn statuses(client: &reqwest::Client, endpoint: &str, uuids: &[String]) -> Vec<DeviceStatus> {
    let (status, body) = call(
        client,
        endpoint,
        "cmstatus",
        "getStatusForDevices",
        json!([uuids]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    serde_json::from_value(body).unwrap()
}

async fn power(
    client: &reqwest::Client,
    endpoint: &str,
    uuids: &[String],
    operation: &str,
) -> PowerOperationResult {
    let op = json!([{"baseType": "PowerOperation", "devices": uuids, "operation": operation, "force": true}]);
    let (status, body) = call(client, endpoint, "cmdevice", "powerOperation", op).await;
    assert_eq!(status, StatusCode::OK);
    serde_json::from_value(body).unwrap()
}

/// Polls until every node is UP or failed, or `limit` passes.
async fn wait_until_settled(
    client: &reqwest::Client,
    endpoint: &str,
    uuids: &[String],
    limit: Duration,
) -> Vec<DeviceStatus> {
    let deadline = Instant::now() + limit;
    loop {
        let now = statuses(client, endpoint, uuids).await;
        let settled = now
            .iter()
            .all(|s| s.status == NodeStatus::Up || s.status.is_failure());
        if settled || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_sets_an_http_only_cookie_and_calls_without_it_are_401() {
    let handle = start(SimConfig::default()).await;
    let endpoint = handle.endpoint();
    let anonymous = client();
    let (status, body) = call(&anonymous, &endpoint, "cmdevice", "getNodes", json!([])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["errormessage"].as_str().unwrap().contains("login"));

    let (status, body) = post(
        &anonymous,
        &endpoint,
        json!({"service": "login", "username": "root", "password": "wrong"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["errormessage"].is_string());

    let response = anonymous
        .post(format!("{endpoint}/json"))
        .json(&json!({"service": "login", "username": "root", "password": sim::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with(&format!("{LOGIN_COOKIE}=")), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP cookies are not Secure"
    );
    assert_eq!(response.text().await.unwrap(), "true");

    // The cookie jar now carries the session.
    let (status, nodes) = call(&anonymous, &endpoint, "CMDevice", "getNodes", json!([])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nodes[0]["hostname"], json!("bcm-head"));

    let forged = reqwest::Client::new()
        .post(format!("{endpoint}/json"))
        .header("Cookie", format!("{LOGIN_COOKIE}=0123456789abcdef"))
        .json(&json!({"service": "cmdevice", "call": "getNodes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    // Version and readiness need no session.
    let version: Json = reqwest::get(format!("{endpoint}/rest/v1/version"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(version["cm_version"], json!("10.25.3"));
    let ready = reqwest::get(format!("{endpoint}/ready")).await.unwrap();
    assert_eq!(ready.text().await.unwrap(), "ready");
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gets_of_unknown_entities_answer_null_and_unknown_calls_400() {
    let handle = start(SimConfig::default()).await;
    let endpoint = handle.endpoint();
    let client = logged_in(&handle).await;
    for (service, method) in [
        ("cmdevice", "getDevice"),
        ("cmdevice", "getNode"),
        ("cmdevice", "getCategory"),
        ("cmkube", "getKubeCluster"),
    ] {
        let (status, body) = call(
            &client,
            &endpoint,
            service,
            method,
            json!(["no-such-thing"]),
        )
        .await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, Json::Null),
            "{service}.{method}"
        );
    }
    let (status, body) = call(&client, &endpoint, "cmdevice", "getSlaveNodes", json!([])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errormessage"],
        json!("Unknown cmdevice call specified: getSlaveNodes")
    );
    // The scalar `arg` spelling works as one argument.
    let (status, head) = post(
        &client,
        &endpoint,
        json!({"service": "cmdevice", "call": "getNode", "arg": "bcm-head"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(head["childType"], json!("HeadNode"));
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_mac_is_refused_with_duplicate_field_naming_mac() {
    let handle = start(SimConfig::default()).await;
    let endpoint = handle.endpoint();
    let client = logged_in(&handle).await;
    let first = add_node(&client, &endpoint, "node001", "aa:bb:cc:dd:00:01").await;
    let twin = node_entity(&client, &endpoint, "node002", "aa:bb:cc:dd:00:01").await;

    let (_, findings) = call(
        &client,
        &endpoint,
        "CMDevice",
        "validateDevice",
        json!([twin.clone(), false]),
    )
    .await;
    assert_eq!(findings[0]["field"], json!("mac"));

    let (status, body) = call(
        &client,
        &endpoint,
        "cmdevice",
        "addDevice",
        json!([twin, false]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let result: ChangeResult = serde_json::from_value(body).unwrap();
    assert!(!result.success);
    let mac = result
        .validation
        .iter()
        .find(|v| v.field == "mac")
        .expect("a finding on field mac");
    assert_eq!(mac.error_code, "DUPLICATE_FIELD");
    assert!(mac.is_error());
    assert_eq!(mac.ref_entity_uuid.as_deref(), Some(first.as_str()));
    let (_, missing) = call(
        &client,
        &endpoint,
        "cmdevice",
        "getNode",
        json!(["node002"]),
    )
    .await;
    assert_eq!(missing, Json::Null);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_device_replaces_the_whole_entity_and_remove_works_by_uuid() {
    let handle = start(SimConfig::default()).await;
    let endpoint = handle.endpoint();
    let client = logged_in(&handle).await;
    let mut entity = node_entity(&client, &endpoint, "node001", "aa:bb:cc:dd:00:01").await;
    entity["notes"] = json!("rack 4");
    entity["powerControl"] = json!("ipmi0");
    let uuid = entity["uuid"].as_str().unwrap().to_string();
    call(
        &client,
        &endpoint,
        "cmdevice",
        "addDevice",
        json!([entity.clone(), false]),
    )
    .await;
    let (_, stored) = call(&client, &endpoint, "cmdevice", "getDevice", json!([uuid])).await;
    assert_eq!(stored["notes"], json!("rack 4"));
    assert_eq!(
        stored["managementNetwork"],
        json!("00000000-0000-0000-0000-000000000000")
    );
    assert_eq!(stored["interfaces"][0]["ipv6Ip"], json!("::0"));
    assert_eq!(
        stored["provisioningInterface"],
        entity["interfaces"][0]["uuid"]
    );
    assert!(stored["creationTime"].as_u64().unwrap() > 1_700_000_000);

    let mut replacement = entity.clone();
    replacement.as_object_mut().unwrap().remove("notes");
    replacement.as_object_mut().unwrap().remove("powerControl");
    let (_, result) = call(
        &client,
        &endpoint,
        "cmdevice",
        "updateDevice",
        json!([replacement, false]),
    )
    .await;
    assert_eq!(result["success"], json!(true));
    let (_, updated) = call(&client, &endpoint, "cmdevice", "getDevice", json!([uuid])).await;
    assert!(updated.get("notes").is_none(), "{updated}");
    assert_eq!(updated["powerControl"], json!(""));
    assert_eq!(updated["creationTime"], stored["creationTime"]);

    let (_, removed) = call(
        &client,
        &endpoint,
        "cmdevice",
        "removeDevice",
        json!([uuid, false]),
    )
    .await;
    assert_eq!(removed["success"], json!(true));
    let (_, gone) = call(&client, &endpoint, "cmdevice", "getDevice", json!([uuid])).await;
    assert_eq!(gone, Json::Null);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_on_walks_the_timeline_to_up_at_a_high_time_scale() {
    let handle = start(SimConfig {
        time_scale: 1000.0,
        ..SimConfig::default()
    })
    .await;
    let endpoint = handle.endpoint();
    let client = logged_in(&handle).await;
    let uuid = add_node(&client, &endpoint, "node001", "aa:bb:cc:dd:00:01").await;
    let uuids = vec![uuid.clone()];
    assert_eq!(
        statuses(&client, &endpoint, &uuids).await[0].status,
        NodeStatus::Down
    );
    let started = Instant::now();
    let result = power(&client, &endpoint, &uuids, "ON").await;
    assert_eq!(result.count, 1);
    let mut seen = Vec::new();
    loop {
        let status = statuses(&client, &endpoint, &uuids).await[0].status;
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        if status == NodeStatus::Up || started.elapsed() > Duration::from_secs(10) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(seen.first(), Some(&NodeStatus::Booting));
    assert_eq!(seen.last(), Some(&NodeStatus::Up));
    assert!(seen.contains(&NodeStatus::Installing), "{seen:?}");
    let order = [
        NodeStatus::Booting,
        NodeStatus::Installing,
        NodeStatus::InstallerCallingInit,
        NodeStatus::Up,
    ];
    let positions: Vec<usize> = seen
        .iter()
        .map(|s| order.iter().position(|o| o == s).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert!(started.elapsed() >= Duration::from_millis(360));
    assert_eq!(handle.status("node001"), Some(NodeStatus::Up));
    assert_eq!(handle.power_operations()["node001"], 1);

    // ON for a node that is UP changes nothing; OFF takes it down.
    power(&client, &endpoint, &uuids, "ON").await;
    assert_eq!(
        statuses(&client, &endpoint, &uuids).await[0].status,
        NodeStatus::Up
    );
    power(&client, &endpoint, &uuids, "OFF").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        statuses(&client, &endpoint, &uuids).await[0].status,
        NodeStatus::Down
    );
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_nodes_on_ten_slots_never_exceed_the_slots_and_finish_in_three_rounds() {
    const T: f64 = 1.0;
    let handle = start(SimConfig {
        slots: 10,
        provision_seconds: Some(T),
        ..SimConfig::default()
    })
    .await;
    let endpoint = handle.endpoint();
    let client = logged_in(&handle).await;
    let mut uuids = Vec::new();
    for i in 1..=30 {
        let mac = format!("aa:bb:cc:dd:01:{i:02x}");
        uuids.push(add_node(&client, &endpoint, &format!("node{i:03}"), &mac).await);
    }
    let before = stats(&endpoint).await;
    // One power call per node, all in flight at once, as a parallel apply sends them.
    let mut calls = tokio::task::JoinSet::new();
    for uuid in &uuids {
        let (client, endpoint, uuid) = (client.clone(), endpoint.clone(), uuid.clone());
        calls.spawn(async move { power(&client, &endpoint, &[uuid], "ON").await });
    }
    let results = calls.join_all().await;
    assert!(results.iter().all(|r| r.count == 1));
    let during = stats(&endpoint).await;
    assert_eq!(during.provisioning, 10);
    assert_eq!(during.pending, 20);

    let done = wait_until_settled(&client, &endpoint, &uuids, Duration::from_secs(15)).await;
    assert!(done.iter().all(|s| s.status == NodeStatus::Up));
    let after = stats(&endpoint).await;
    assert_eq!(after.peak_provisioning, 10);
    assert_eq!(handle.peak_provisioning(), 10);
    let ups: Vec<f64> = after.up_after_seconds.values().copied().collect();
    assert_eq!(ups.len(), 30);
    let last = ups.iter().copied().fold(f64::MIN, f64::max);
    let first = ups.iter().copied().fold(f64::MAX, f64::min);
    // ceil(30 / 10) rounds of T after the power calls went out.
    let since_power = last - before.elapsed_seconds;
    assert!(
        (3.0 * T..3.0 * T + 0.5).contains(&since_power),
        "last node UP {since_power:.3} s after the power calls"
    );
    assert!((first - before.elapsed_seconds) >= T);
    assert!((last - first - 2.0 * T).abs() < 0.5, "{first} {last}");
    assert!(after.power_operations.values().all(|&n| n == 1));
    assert_eq!(after.power_operations.len(), 30);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_fail_the_install_and_the_bmc() {
    let handle = start(SimConfig {
        provision_seconds: Some(0.3),
        faults: Faults {
            fail_install: BTreeSet::from(["node002".to_string()]),
            bmc_unreachable: BTreeSet::from(["node003".to_string()]),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let endpoint = handle.endpoint();
    let client = logged_in(&handle).await;
    let mut uuids = Vec::new();
    for i in 1..=3 {
        let mac = format!("aa:bb:cc:dd:02:{i:02x}");
        uuids.push(add_node(&client, &endpoint, &format!("node{i:03}"), &mac).await);
    }
    let result = power(&client, &endpoint, &uuids, "ON").await;
    assert_eq!(result.count, 2);
    assert_eq!(result.statuses[2].state, "FAILED");
    assert_eq!(result.statuses[2].device, uuids[2]);
    let done = wait_until_settled(&client, &endpoint, &uuids[..2], Duration::from_secs(10)).await;
    assert_eq!(done[0].status, NodeStatus::Up);
    assert!(!done[0].provisioning_failed);
    assert_eq!(done[1].status, NodeStatus::InstallerFailed);
    assert!(done[1].provisioning_failed);
    let unreachable = statuses(&client, &endpoint, &uuids[2..]).await;
    assert_eq!(unreachable[0].status, NodeStatus::Down);
    assert_eq!(handle.status("node002"), Some(NodeStatus::InstallerFailed));
    assert_eq!(handle.power_operations()["node003"], 1);
    // Faults can change while running: the BMC answers again.
    handle.set_faults(Faults::default()).unwrap();
    let result = power(&client, &endpoint, &uuids[2..], "ON").await;
    assert_eq!(result.count, 1);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_error_rate_answers_503_at_that_rate_and_the_seed_repeats_it() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let handle = start(SimConfig {
            faults: Faults {
                error_rate: 0.3,
                seed,
                ..Faults::default()
            },
            ..SimConfig::default()
        })
        .await;
        let client = client();
        // Log in through the 503s, as the provider's retries would.
        let mut logged_in = false;
        for _ in 0..20 {
            let (status, _) = post(
                &client,
                &handle.endpoint(),
                json!({"service": "login", "username": "root", "password": sim::DEMO_PASSWORD}),
            )
            .await;
            if status == StatusCode::OK {
                logged_in = true;
                break;
            }
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        }
        assert!(logged_in);
        let mut unavailable = Vec::new();
        for _ in 0..200 {
            let (status, _) = call(&client, &handle.endpoint(), "cmmain", "ping", json!([])).await;
            assert!(status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE);
            unavailable.push(status == StatusCode::SERVICE_UNAVAILABLE);
        }
        handle.shutdown().await;
        unavailable
    }
    let first = pattern(11).await;
    let failures = first.iter().filter(|&&u| u).count();
    assert!(
        (35..=85).contains(&failures),
        "{failures} of 200 answered 503"
    );
    assert_eq!(pattern(11).await, first);
    assert_ne!(pattern(12).await, first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_log_has_every_call_and_no_password_or_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("calls.jsonl");
    let handle = start(SimConfig {
        call_log: Some(log_path.clone()),
        password: "letmein-4711".into(),
        ..SimConfig::default()
    })
    .await;
    let endpoint = handle.endpoint();
    let client = client();
    let login = client
        .post(format!("{endpoint}/json"))
        .json(&json!({"service": "login", "username": "root", "password": "letmein-4711"}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    let category = json!({"uuid": uuid::Uuid::new_v4().to_string(), "name": "secure",
        "bmcSettings": {"userName": "admin", "password": "bmc-secret-99"}});
    let (_, result) = call(
        &client,
        &endpoint,
        "cmdevice",
        "addCategory",
        json!([category, false]),
    )
    .await;
    assert_eq!(result["success"], json!(true));
    call(
        &client,
        &endpoint,
        "cmdevice",
        "getCategory",
        json!(["secure"]),
    )
    .await;
    handle.shutdown().await;

    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(!text.contains("letmein-4711"));
    assert!(!text.contains("bmc-secret-99"));
    assert!(!text.contains(&token));
    let lines: Vec<Json> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["service"], json!("login"));
    assert_eq!(lines[0]["password"], json!("****"));
    assert_eq!(lines[1]["call"], json!("addCategory"));
    assert_eq!(
        lines[1]["args"][0]["bmcSettings"]["password"],
        json!("****")
    );
    assert_eq!(lines[2]["args"], json!(["secure"]));
    assert!(lines
        .iter()
        .all(|l| l["time"].is_string() && l["status"] == json!(200)));
}

fn tls_client(handle: &SimHandle, with_client_cert: bool) -> reqwest::Client {
    let ca = std::fs::read(handle.ca_file().unwrap()).unwrap();
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .cookie_store(true)
        .timeout(Duration::from_secs(10))
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap());
    if with_client_cert {
        let mut identity = std::fs::read(handle.client_cert_file().unwrap()).unwrap();
        identity.extend(std::fs::read(handle.client_key_file().unwrap()).unwrap());
        builder = builder.identity(reqwest::Identity::from_pem(&identity).unwrap());
    }
    builder.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_works_with_the_ca_file_and_is_refused_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(SimConfig {
        tls: true,
        cert_dir: Some(dir.path().to_path_buf()),
        ..SimConfig::default()
    })
    .await;
    let endpoint = handle.endpoint();
    assert!(endpoint.starts_with("https://127.0.0.1:"), "{endpoint}");
    assert_eq!(handle.ca_file(), Some(dir.path().join("ca.pem").as_path()));

    let untrusting = reqwest::Client::builder().use_rustls_tls().build().unwrap();
    let refused = untrusting.get(format!("{endpoint}/ready")).send().await;
    assert!(
        refused.is_err(),
        "a client without the CA must refuse the certificate"
    );

    let client = tls_client(&handle, false);
    let response = client
        .post(format!("{endpoint}/json"))
        .json(&json!({"service": "login", "username": "root", "password": sim::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure"),
        "{cookie}"
    );
    let (status, nodes) = call(&client, &endpoint, "cmdevice", "getHeadNodes", json!([])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nodes[0]["hostname"], json!("bcm-head"));

    // Without a client certificate and without login, calls are refused.
    let (status, _) = call(
        &tls_client(&handle, false),
        &endpoint,
        "cmdevice",
        "getNodes",
        json!([]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_authenticates_without_login() {
    let handle = start(SimConfig {
        tls: true,
        ..SimConfig::default()
    })
    .await;
    let cert_dir = handle.ca_file().unwrap().parent().unwrap().to_path_buf();
    let endpoint = handle.endpoint();
    let client = tls_client(&handle, true);
    let (status, nodes) = call(&client, &endpoint, "cmdevice", "getNodes", json!([])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nodes[0]["hostname"], json!("bcm-head"));
    let (status, version) = call(&client, &endpoint, "cmmain", "getVersion", json!([])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(version["cmVersion"], json!("10.25.3"));

    // A certificate from another CA does not get through the handshake.
    let stranger_dir = tempfile::tempdir().unwrap();
    let stranger =
        bcmhcl::sim::tls::generate(stranger_dir.path(), "127.0.0.1".parse().unwrap()).unwrap();
    let ca = std::fs::read(handle.ca_file().unwrap()).unwrap();
    let mut identity = std::fs::read(&stranger.client_cert_file).unwrap();
    identity.extend(std::fs::read(&stranger.client_key_file).unwrap());
    let impostor = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .identity(reqwest::Identity::from_pem(&identity).unwrap())
        .build()
        .unwrap();
    let refused = impostor
        .post(format!("{endpoint}/json"))
        .json(&json!({"service": "cmdevice", "call": "getNodes"}))
        .send()
        .await;
    assert!(refused.is_err() || refused.unwrap().status() == StatusCode::UNAUTHORIZED);

    handle.shutdown().await;
    assert!(
        !cert_dir.exists(),
        "the temporary certificate directory is removed at shutdown"
    );
}

/// Reads the banner `bcmhcl sim` prints: `name: value` lines up to the `slots:` line.
async fn read_banner(
    stdout: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) -> Vec<(String, String)> {
    let mut banner = Vec::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(20), stdout.next_line())
            .await
            .expect("the banner comes promptly")
            .unwrap()
            .expect("the banner ends with a slots line");
        let (name, value) = line
            .split_once(": ")
            .expect("banner lines are `name: value`");
        banner.push((name.to_string(), value.to_string()));
        if name == "slots" {
            return banner;
        }
    }
}

fn banner_value<'a>(banner: &'a [(String, String)], name: &str) -> &'a str {
    banner
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {banner:?}"))
}

async fn stop_with_sigterm(mut child: tokio::process::Child) -> String {
    use tokio::io::AsyncReadExt;
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the simulator stops after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    stderr
}

fn spawn_sim(args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .arg("sim")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_its_endpoint_serves_and_stops_on_sigterm() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    // An inventory file: the demo cluster plus two compute nodes.
    let mut inventory: Json = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/sim-inventory.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let category = inventory["categories"][0]["uuid"].clone();
    for (i, hostname) in ["node001", "node002"].iter().enumerate() {
        let mac = format!("aa:bb:cc:dd:03:{:02x}", i + 1);
        inventory["nodes"].as_array_mut().unwrap().push(json!({
            "childType": "PhysicalNode", "uuid": uuid::Uuid::new_v4().to_string(),
            "hostname": hostname, "mac": mac, "category": category,
            "interfaces": [{"name": "eth0", "mac": mac, "bootable": true}],
        }));
    }
    let inventory_path = dir.path().join("inventory.json");
    std::fs::write(&inventory_path, inventory.to_string()).unwrap();
    let log_path = dir.path().join("calls.jsonl");

    let mut child = spawn_sim(&[
        "--listen",
        "127.0.0.1:0",
        "--time-scale",
        "1000",
        "--slots",
        "2",
        "--inventory",
        inventory_path.to_str().unwrap(),
        "--fail-install",
        "node002",
        "--call-log",
        log_path.to_str().unwrap(),
    ]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = read_banner(&mut stdout).await;
    assert_eq!(banner[0].0, "endpoint", "the first line names the endpoint");
    let endpoint = banner[0].1.clone();
    assert!(endpoint.starts_with("http://127.0.0.1:"));
    assert!(!endpoint.ends_with(":0"));
    assert_eq!(banner_value(&banner, "username"), "root");
    assert_eq!(banner_value(&banner, "password"), sim::DEMO_PASSWORD);

    let client = client();
    let (status, body) = post(
        &client,
        &endpoint,
        json!({"service": "login", "username": "root", "password": sim::DEMO_PASSWORD}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!(true)));
    let (_, nodes) = call(&client, &endpoint, "cmdevice", "getComputeNodes", json!([])).await;
    let uuids: Vec<String> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["uuid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(uuids.len(), 2);
    power(&client, &endpoint, &uuids, "ON").await;
    wait_until_settled(&client, &endpoint, &uuids, Duration::from_secs(10)).await;
    let counted = stats(&endpoint).await;
    assert_eq!(counted.slots, 2);
    assert_eq!(counted.status["node001"], NodeStatus::Up);
    assert_eq!(counted.status["node002"], NodeStatus::InstallerFailed);
    assert_eq!(counted.power_operations["node001"], 1);
    assert_eq!(counted.peak_provisioning, 2);

    let stderr = stop_with_sigterm(child).await;
    assert!(stderr.contains("stopped"), "{stderr}");
    assert!(reqwest::get(format!("{endpoint}/ready")).await.is_err());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.lines().count() >= 4);
    assert!(!log.contains(sim::DEMO_PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_with_tls_prints_its_certificate_files() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_sim(&[
        "--listen",
        "127.0.0.1:0",
        "--tls",
        "--cert-dir",
        dir.path().to_str().unwrap(),
        "--username",
        "admin",
        "--password",
        "not-printed-9",
    ]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = read_banner(&mut stdout).await;
    let endpoint = banner[0].1.clone();
    assert!(endpoint.starts_with("https://127.0.0.1:"), "{endpoint}");
    assert_eq!(banner_value(&banner, "username"), "admin");
    assert!(!format!("{banner:?}").contains("not-printed-9"));
    let ca_file = banner_value(&banner, "ca-file");
    assert_eq!(std::path::Path::new(ca_file), dir.path().join("ca.pem"));

    let ca = std::fs::read(ca_file).unwrap();
    let mut identity = std::fs::read(banner_value(&banner, "client-cert")).unwrap();
    identity.extend(std::fs::read(banner_value(&banner, "client-key")).unwrap());
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .identity(reqwest::Identity::from_pem(&identity).unwrap())
        .build()
        .unwrap();
    let (status, nodes) = call(&client, &endpoint, "cmdevice", "getNodes", json!([])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nodes[0]["hostname"], json!("bcm-head"));
    let (status, _) = post(
        &client,
        &endpoint,
        json!({"service": "login", "username": "admin", "password": "not-printed-9"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    stop_with_sigterm(child).await;
    // A directory the user chose is left in place.
    assert!(dir.path().join("admin.key").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_calls_are_all_answered() {
    let handle = start(SimConfig::default()).await;
    let endpoint = handle.endpoint();
    let client = logged_in(&handle).await;
    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let (client, endpoint) = (client.clone(), endpoint.clone());
        calls.spawn(async move {
            let mut answered = 0;
            for i in 0..50 {
                let (service, method) = if (worker + i) % 2 == 0 {
                    ("cmdevice", "getNodes")
                } else {
                    ("cmstatus", "getStatusForDevices")
                };
                let args = if method == "getNodes" {
                    json!([])
                } else {
                    json!([["2b4d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d01"]])
                };
                let (status, body) = call(&client, &endpoint, service, method, args).await;
                assert_eq!(status, StatusCode::OK);
                assert!(body.as_array().is_some_and(|a| a.len() == 1));
                answered += 1;
            }
            answered
        });
    }
    let answered: u32 = calls.join_all().await.into_iter().sum();
    let elapsed = started.elapsed();
    assert_eq!(answered, 400);
    assert_eq!(handle.stats().calls, 401);
    // Generous for a loaded two-core machine; a healthy run takes well under a second.
    assert!(
        elapsed < Duration::from_secs(20),
        "{elapsed:?} for 400 calls"
    );
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_delays_every_answer_and_bad_settings_are_refused() {
    let handle = start(SimConfig {
        faults: Faults {
            latency: Duration::from_millis(150),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = logged_in(&handle).await;
    let started = Instant::now();
    let (status, _) = call(&client, &handle.endpoint(), "cmmain", "ping", json!([])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
    handle.shutdown().await;

    for config in [
        SimConfig {
            slots: 0,
            ..SimConfig::default()
        },
        SimConfig {
            time_scale: 0.0,
            ..SimConfig::default()
        },
        SimConfig {
            provision_seconds: Some(-1.0),
            ..SimConfig::default()
        },
        SimConfig {
            faults: Faults {
                error_rate: 2.0,
                ..Faults::default()
            },
            ..SimConfig::default()
        },
    ] {
        assert!(matches!(
            sim::start(config).await,
            Err(sim::SimError::Config(_))
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.json");
    std::fs::write(&path, "{\"nodes\": 3}").unwrap();
    assert!(matches!(
        sim::load_inventory(&path),
        Err(sim::SimError::InventoryParse { .. })
    ));
}
