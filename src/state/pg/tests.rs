//! The pg store against a real PostgreSQL server of the test's own (`tests/support/postgres.rs`).

use super::*;
use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr};
use crate::state::{InstanceState, KdfParams, Passphrase};

#[path = "../../../tests/support/postgres.rs"]
mod server;

fn settings(server: &server::PgServer) -> PgSettings {
    PgSettings::new(ConnString::new(server.url()))
}

fn addr(key: &str) -> ResourceInstanceAddr {
    ResourceAddr {
        module: ModuleInstance::root(),
        mode: crate::config::ResourceMode::Managed,
        type_name: "terraform_data".into(),
        name: "node".into(),
    }
    .instance(InstanceKey::Str(key.into()))
}

fn set(state: &mut State, key: &str, attributes: serde_json::Value) -> ResourceInstanceAddr {
    let a = addr(key);
    state.set_instance(
        &a,
        "provider[\"terraform.io/builtin/terraform\"]",
        InstanceState::new(a.key.clone(), attributes),
    );
    a
}

#[test]
fn connecting_prepares_terraforms_schema_table_and_index_once() {
    let server = server::PgServer::start();
    let backend = PgBackend::connect(&settings(&server)).unwrap();
    assert_eq!(backend.workspaces().unwrap(), ["default"]);
    let columns = server.psql(
        "SELECT column_name || ':' || data_type FROM information_schema.columns \
         WHERE table_schema = 'terraform_remote_state' AND table_name = 'states' ORDER BY ordinal_position",
    );
    assert_eq!(columns, "id:bigint\nname:text\ndata:text");
    assert_eq!(
        server.psql("SELECT indexname FROM pg_indexes WHERE schemaname = 'terraform_remote_state' AND indexname = 'states_by_name'"),
        "states_by_name"
    );
    assert_eq!(
        server.psql("SELECT column_default FROM information_schema.columns WHERE table_schema = 'terraform_remote_state' AND column_name = 'id'"),
        "nextval('global_states_id_seq'::regclass)"
    );
    // Configuring again changes nothing and fails on nothing.
    drop(backend);
    PgBackend::connect(&settings(&server)).unwrap();

    // With the skip flags, nothing is created: a schema that is not there stays missing, and
    // the first query says so.
    let mut skip = settings(&server);
    skip.schema_name = "managed by the DBA".into();
    skip.skip_schema_creation = true;
    skip.skip_table_creation = true;
    skip.skip_index_creation = true;
    let backend = PgBackend::connect(&skip).unwrap();
    let err = backend.workspaces().unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert_eq!(
        server.psql("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'managed by the DBA'"),
        "0"
    );
}

#[test]
fn states_round_trip_and_the_serial_moves_only_on_change() {
    let server = server::PgServer::start();
    let backend = PgBackend::connect(&settings(&server)).unwrap();
    let store = backend.store("default", None).unwrap();
    assert!(store.load().unwrap().is_none());
    let mut state = State::new();
    let a = set(
        &mut state,
        "a",
        serde_json::json!({"id": "1", "input": null, "output": null, "triggers_replace": null}),
    );
    store.record(&mut state, &a).unwrap();
    assert_eq!(state.serial, 1);
    store.save(&mut state).unwrap();
    assert_eq!(state.serial, 1, "an unchanged state keeps its serial");
    // The row holds the state file's text, exactly as the local file would.
    let data = server.psql("SELECT data FROM terraform_remote_state.states WHERE name = 'default'");
    assert_eq!(data, state.to_json().trim_end());

    let other = PgBackend::connect(&settings(&server)).unwrap();
    let loaded = other
        .store("default", None)
        .unwrap()
        .load()
        .unwrap()
        .unwrap();
    assert!(loaded.same_content(&state));
    assert_eq!((loaded.serial, &loaded.lineage), (1, &state.lineage));
}

#[test]
fn a_row_written_the_way_terraform_writes_it_is_read() {
    let server = server::PgServer::start();
    // What Terraform's pg backend leaves: its own DDL, and the state file text as `data`.
    server.psql(
        "CREATE SCHEMA terraform_remote_state; \
         CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint; \
         CREATE TABLE terraform_remote_state.states (id bigint NOT NULL DEFAULT nextval('public.global_states_id_seq') PRIMARY KEY, name text UNIQUE, data text); \
         CREATE UNIQUE INDEX states_by_name ON terraform_remote_state.states (name);",
    );
    let terraform_text = include_str!("../testdata/full-1.9.tfstate");
    let quoted = terraform_text.replace('\'', "''");
    server.psql(&format!(
        "INSERT INTO terraform_remote_state.states (name, data) VALUES ('default', '{quoted}'), ('staging', '{quoted}')"
    ));
    let backend = PgBackend::connect(&settings(&server)).unwrap();
    assert_eq!(backend.workspaces().unwrap(), ["default", "staging"]);
    let store = backend.store("default", None).unwrap();
    let state = store.load().unwrap().unwrap();
    let from_file = State::from_json(terraform_text).unwrap();
    assert!(state.same_content(&from_file));
    assert_eq!(state.serial, from_file.serial);
    assert!(state.instances().count() > 0);
}

#[test]
fn workspaces_are_rows_created_with_an_empty_state_and_deleted() {
    let server = server::PgServer::start();
    let backend = PgBackend::connect(&settings(&server)).unwrap();
    let dev = backend.store("dev", None).unwrap();
    assert_eq!(backend.workspaces().unwrap(), ["default", "dev"]);
    let empty = dev.load().unwrap().unwrap();
    assert!(empty.is_empty());
    let mut state = dev.load().unwrap().unwrap();
    let a = set(&mut state, "only-in-dev", serde_json::json!({"id": "d"}));
    dev.record(&mut state, &a).unwrap();
    // Another workspace sees none of it.
    let default = backend.store("default", None).unwrap();
    assert!(default.load().unwrap().is_none());
    assert!(matches!(
        backend.delete_workspace("default"),
        Err(PgError::DeleteDefault)
    ));
    backend.delete_workspace("dev").unwrap();
    assert_eq!(backend.workspaces().unwrap(), ["default"]);
}

#[test]
fn a_second_session_cannot_lock_and_learns_who_holds_the_lock() {
    let server = server::PgServer::start();
    let first = PgBackend::connect(&settings(&server)).unwrap();
    let second = PgBackend::connect(&settings(&server)).unwrap();
    let store_a = first.store("default", None).unwrap();
    let store_b = second.store("default", None).unwrap();

    // No row yet: the creation lock (-1) is what both contend for.
    let held = store_a.lock("OperationTypeApply", Duration::ZERO).unwrap();
    let err = store_b
        .lock("OperationTypePlan", Duration::ZERO)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Already locked for workspace creation: default"
    );
    let mut state = State::new();
    store_a.save(&mut state).unwrap();
    drop(held);

    // With a row: the row's id.
    let held = store_a.lock("OperationTypeApply", Duration::ZERO).unwrap();
    let started = Instant::now();
    let err = store_b
        .lock("OperationTypePlan", Duration::from_millis(400))
        .unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(err.to_string(), "Workspace is already locked: default");
    let d = err.to_diagnostic();
    assert_eq!(d.summary, "Error acquiring the state lock");
    assert!(
        d.detail.contains("Holder:    PostgreSQL session pid "),
        "{}",
        d.detail
    );
    assert!(
        d.detail.contains("Client:    bcmhcl OperationTypeApply"),
        "{}",
        d.detail
    );
    assert!(d.detail.contains("pg_terminate_backend("), "{}", d.detail);
    let id = server.psql("SELECT id FROM terraform_remote_state.states WHERE name = 'default'");
    assert_eq!(
        server.psql(&format!(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = {id}"
        )),
        "1"
    );
    // A waiter gets the lock once it is released.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
    });
    let got = store_b
        .lock("OperationTypePlan", Duration::from_secs(20))
        .unwrap();
    releaser.join().unwrap();
    drop(got);
    // Another workspace has its own lock.
    let _default = store_a.lock("OperationTypeApply", Duration::ZERO).unwrap();
    let staging = second.store("staging", None).unwrap();
    staging.lock("OperationTypeApply", Duration::ZERO).unwrap();
}

#[test]
fn a_session_that_ends_releases_its_lock() {
    let server = server::PgServer::start();
    let first = PgBackend::connect(&settings(&server)).unwrap();
    let store_a = first.store("default", None).unwrap();
    store_a.save(&mut State::new()).unwrap();
    let _held = store_a.lock("OperationTypeApply", Duration::ZERO).unwrap();
    let second = PgBackend::connect(&settings(&server)).unwrap();
    let store_b = second.store("default", None).unwrap();
    let err = store_b
        .lock("OperationTypeApply", Duration::ZERO)
        .unwrap_err();
    // What the error tells an administrator to do when the holder is gone but its session
    // is not: end the session, and the lock goes with it.
    let detail = err.to_diagnostic().detail.clone();
    let start = detail.find("SELECT pg_terminate_backend(").unwrap();
    let statement = &detail[start..detail[start..].find(';').unwrap() + start + 1];
    assert_eq!(server.psql(statement), "t");
    store_b
        .lock("OperationTypeApply", Duration::from_secs(10))
        .unwrap();
}

#[test]
fn with_a_key_the_row_holds_the_sealed_state() {
    let server = server::PgServer::start();
    let key = || {
        Encryption::with_kdf_params(
            Passphrase::new("pw").unwrap(),
            KdfParams {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
        )
    };
    let backend = PgBackend::connect(&settings(&server)).unwrap();
    let store = backend.store("default", Some(key())).unwrap();
    let mut state = State::new();
    let a = set(&mut state, "a", serde_json::json!({"id": "secret-id-42"}));
    store.record(&mut state, &a).unwrap();
    let data = server.psql("SELECT data FROM terraform_remote_state.states WHERE name = 'default'");
    assert!(is_sealed(&data) && !data.contains("secret-id-42"), "{data}");
    // The next operation is a journal row, sealed on its own.
    let b = set(&mut state, "b", serde_json::json!({"id": "secret-id-43"}));
    store.record(&mut state, &b).unwrap();
    let journal = server.psql("SELECT record FROM terraform_remote_state.bcmhcl_journal");
    assert!(
        is_sealed(&journal) && !journal.contains("secret-id-43"),
        "{journal}"
    );
    let loaded = backend
        .store("default", Some(key()))
        .unwrap()
        .load()
        .unwrap()
        .unwrap();
    assert!(loaded.same_content(&state));
    assert_eq!(loaded.instances().count(), 2);
    let err = backend.store("default", None).unwrap().load().unwrap_err();
    assert!(matches!(err, StateError::NoKey { .. }), "{err:?}");
    // Decrypting in place folds the journal row in and leaves Terraform's plaintext row.
    assert!(store
        .rewrite_at_rest(crate::state::AtRest::Plaintext)
        .unwrap());
    let data = server.psql("SELECT data FROM terraform_remote_state.states WHERE name = 'default'");
    assert!(
        State::from_json(&data).unwrap().same_content(&state),
        "{data}"
    );
    assert_eq!(
        server.psql("SELECT count(*) FROM terraform_remote_state.bcmhcl_journal"),
        "0"
    );
}

#[test]
fn a_server_that_is_down_is_a_clear_error() {
    let mut server = server::PgServer::start();
    let port = server.port;
    server.stop();
    let url = format!("postgres://postgres:hunter2@127.0.0.1:{port}/postgres?sslmode=disable");
    let err = PgBackend::connect(&PgSettings::new(ConnString::new(url))).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "cannot connect to PostgreSQL at postgres@127.0.0.1:{port}/postgres"
        )),
        "{text}"
    );
    assert!(text.contains("refused"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// Writes the whole state after each of N operations and reports the cost, to show how it
/// grows with N (run with `--nocapture` to see the numbers).
#[test]
fn recording_a_thousand_operations_stays_cheap() {
    let server = server::PgServer::start();
    let backend = PgBackend::connect(&settings(&server)).unwrap();
    let store = backend.store("default", None).unwrap();
    let mut state = State::new();
    let mut per_thousand = Vec::new();
    let started = Instant::now();
    let mut last = started;
    for i in 0..1000 {
        let a = set(
            &mut state,
            &format!("node{i:04}"),
            serde_json::json!({
                "id": format!("{i:08}-0000-0000-0000-000000000000"),
                "input": {"value": {"hostname": format!("node{i:04}"), "mac": "aa:bb:cc:dd:ee:ff", "category": "gpu", "rack": i / 40}, "type": ["object", {"hostname": "string", "mac": "string", "category": "string", "rack": "number"}]},
                "output": null,
                "triggers_replace": null,
            }),
        );
        store.record(&mut state, &a).unwrap();
        if (i + 1) % 250 == 0 {
            per_thousand.push(last.elapsed());
            last = Instant::now();
        }
    }
    let total = started.elapsed();
    let bytes = state.to_json().len();
    let full_writes: u64 = state.serial;
    eprintln!(
        "pg record: 1000 operations in {total:?} ({full_writes} full writes), final state {bytes} bytes; per 250: {per_thousand:?}"
    );
    // The run ended early (no final save): the journal rows bring back every operation.
    let loaded = backend
        .store("default", None)
        .unwrap()
        .load()
        .unwrap()
        .unwrap();
    assert_eq!(loaded.instances().count(), 1000);
    // Full writes happen when the journal is as large as the last one: few, not 1000.
    assert!(full_writes < 20, "{full_writes}");
    // The last quarter costs about what the first does (whole-state writes made it 5x).
    let (first, last) = (per_thousand[0], per_thousand[3]);
    assert!(
        last < first * 3 + Duration::from_millis(500),
        "{per_thousand:?}"
    );
    // The run's final save leaves Terraform's row complete and the journal empty.
    let mut state = loaded;
    store.save(&mut state).unwrap();
    let row = server.psql("SELECT data FROM terraform_remote_state.states WHERE name = 'default'");
    assert_eq!(State::from_json(&row).unwrap().instances().count(), 1000);
    assert_eq!(
        server.psql("SELECT count(*) FROM terraform_remote_state.bcmhcl_journal"),
        "0"
    );
}

/// A CA and a server certificate it signs for 127.0.0.1, as PEM: (ca, cert, key).
fn tls_material() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// Whether the backend's session is encrypted, as the server sees it.
fn session_uses_tls(backend: &PgBackend) -> bool {
    client(&backend.client)
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn sslmode_is_carried_out_against_a_tls_server() {
    let (ca, cert, key) = tls_material();
    let server = server::PgServer::start_tls(&cert, &key);
    let ca_file = server.dir().join("ca.pem");
    std::fs::write(&ca_file, &ca).unwrap();
    let (other_ca, _, _) = tls_material();
    let other_ca_file = server.dir().join("other-ca.pem");
    std::fs::write(&other_ca_file, &other_ca).unwrap();
    let connect = |query: String| {
        PgBackend::connect(&PgSettings::new(ConnString::new(format!(
            "postgres://postgres@127.0.0.1:{}/postgres?{query}",
            server.port
        ))))
    };
    for (query, encrypted) in [
        ("sslmode=disable".to_string(), false),
        ("sslmode=prefer".to_string(), true),
        ("sslmode=require".to_string(), true),
        (
            format!("sslmode=verify-ca&sslrootcert={}", ca_file.display()),
            true,
        ),
        (
            format!("sslmode=verify-full&sslrootcert={}", ca_file.display()),
            true,
        ),
    ] {
        let backend = connect(query.clone()).unwrap_or_else(|e| panic!("{query}: {e}"));
        assert_eq!(session_uses_tls(&backend), encrypted, "{query}");
    }
    // A server whose certificate another CA signed is refused when verifying.
    let err = connect(format!(
        "sslmode=verify-full&sslrootcert={}",
        other_ca_file.display()
    ))
    .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    // The key/value form and PGSSLMODE-style defaults reach TLS too.
    let mut settings = PgSettings::new(ConnString::new(format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres",
        server.port
    )));
    settings.defaults.sslmode = Some("verify-full".into());
    settings.defaults.sslrootcert = Some(ca_file.clone());
    assert!(session_uses_tls(&PgBackend::connect(&settings).unwrap()));
}
