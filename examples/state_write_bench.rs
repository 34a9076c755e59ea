//! Benchmark of what writing the state costs, with and without encryption at rest: a full
//! atomic write (`LocalStore::save`) and one journal record (`LocalStore::record`, what apply
//! pays after every operation) for states of N instances shaped like `bench/gen_plan_module.py`'s.
//! Run by `bench/encryption.sh`; usage: `state_write_bench N [N ...]`.

use bcmhcl::addr::{InstanceKey, ModuleInstance, ResourceAddr};
use bcmhcl::config::ResourceMode;
use bcmhcl::state::{Encryption, InstanceState, LocalStore, Passphrase, State};
use std::time::{Duration, Instant};

const FULL_WRITES: usize = 5;
const RECORDS: usize = 1000;

fn state_of(instances: usize) -> State {
    let mut state = State::new();
    let resource = ResourceAddr {
        module: ModuleInstance::root(),
        mode: ResourceMode::Managed,
        type_name: "terraform_data".into(),
        name: "device".into(),
    };
    for i in 0..instances {
        let host = format!("node{i:05}");
        let input = serde_json::json!({ "hostname": host, "mac": format!("fa:16:3e:00:{:02x}:{:02x}", i / 256 % 256, i % 256) });
        let attributes = serde_json::json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "input": { "value": input, "type": ["object", { "hostname": "string", "mac": "string" }] },
            "output": { "value": input, "type": ["object", { "hostname": "string", "mac": "string" }] },
            "triggers_replace": null,
        });
        state.set_instance(
            &resource.instance(InstanceKey::Str(host)),
            "provider[\"terraform.io/builtin/terraform\"]",
            InstanceState::new(InstanceKey::None, attributes),
        );
    }
    state
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// (median full write, mean journal record, file bytes) for `state` written by a store with
/// `encryption`.
fn measure(state: &State, encryption: Option<Encryption>) -> (Duration, Duration, u64) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("terraform.tfstate");
    let store = LocalStore::new(&path).with_encryption(encryption);
    let mut state = state.clone();
    // The first write derives the key (once per process) and is not counted.
    store.save(&mut state).expect("first write");
    let (addr, _) = state.instances().next().expect("an instance");
    let mut full = Vec::new();
    for i in 0..FULL_WRITES {
        // A changed output makes every write a real one (serial, backup).
        state.outputs.insert(
            "round".into(),
            bcmhcl::state::OutputState {
                value: bcmhcl::value::Value::from(i.to_string().as_str()),
                sensitive: false,
            },
        );
        let start = Instant::now();
        store.save(&mut state).expect("full write");
        full.push(start.elapsed());
    }
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let start = Instant::now();
    for _ in 0..RECORDS {
        store.record(&mut state, &addr).expect("journal record");
    }
    let per_record = start.elapsed() / RECORDS as u32;
    (median(full), per_record, bytes)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 10000]
    } else {
        sizes
    };
    let encryption = Encryption::new(Passphrase::new("benchmark passphrase").expect("passphrase"));
    let kdf_start = Instant::now();
    let _ = encryption.seal(bcmhcl::state::Content::State, b"warm-up");
    let kdf = kdf_start.elapsed();
    println!("key derivation (Argon2id 64 MiB, t=3, p=4), once per process: {kdf:.2?}");
    println!(
        "{:>10} {:>11} {:>14} {:>11} {:>14} {:>11} {:>14}",
        "instances", "plain MB", "plain write", "plain rec", "enc MB", "enc write", "enc rec"
    );
    for n in sizes {
        let state = state_of(n);
        let (plain_full, plain_record, plain_bytes) = measure(&state, None);
        let (enc_full, enc_record, enc_bytes) = measure(&state, Some(encryption.clone()));
        println!(
            "{:>10} {:>11.1} {:>14.2?} {:>11.2?} {:>14.1} {:>11.2?} {:>14.2?}",
            n,
            plain_bytes as f64 / 1e6,
            plain_full,
            plain_record,
            enc_bytes as f64 / 1e6,
            enc_full,
            enc_record
        );
    }
    assert_eq!(
        encryption.kdf_runs(),
        1,
        "the key is derived once per process"
    );
}
