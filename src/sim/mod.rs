//! The BCM headnode simulator: cmd's JSON API (bcm-api.md) over real HTTP or HTTPS, with the
//! entity store, the provisioning timeline with its slots, and fault injection, for tests,
//! benchmarks and demos (`bcmhcl sim`). It reuses `provider::bcm::wire` so the client and
//! the simulator cannot drift apart.

pub mod api;
pub mod auth;
pub mod call_log;
pub mod demo;
pub mod faults;
pub mod headnode;
pub mod http;
pub mod store;
pub mod timeline;
pub mod tls;

pub use auth::Secret;
pub use faults::Faults;
pub use headnode::SimStats;

use crate::provider::bcm::wire::{Device, Inventory, NodeStatus};
use headnode::Headnode;
use http::Shared;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store::Store;
use timeline::Timing;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The account the simulator accepts unless told otherwise.
pub const DEMO_USERNAME: &str = "root";
/// The demo password; printed by `bcmhcl sim` at start.
pub const DEMO_PASSWORD: &str = "bcm-sim-demo";

/// How to run a simulator. `Default` is the demo cluster on `127.0.0.1:0` (a free port),
/// 10 slots, real durations, plain HTTP, `root`/[`DEMO_PASSWORD`], no faults.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub listen: SocketAddr,
    /// `None`: the built-in demo cluster ([`demo::inventory`]).
    pub inventory: Option<Inventory>,
    /// Nodes provisioning at once; the rest wait in PENDING.
    pub slots: usize,
    /// Real phase durations are divided by this (100 makes one provisioning 3.6 s).
    pub time_scale: f64,
    /// One node's whole provisioning time in seconds, split in the real proportions;
    /// overrides `time_scale` for the provisioning phases and the shutdown.
    pub provision_seconds: Option<f64>,
    /// HTTPS with certificates made at start; a client certificate also authenticates.
    pub tls: bool,
    /// Where `ca.pem`, `admin.pem` and `admin.key` go; `None`: a temporary directory that is
    /// removed when the simulator stops.
    pub cert_dir: Option<PathBuf>,
    pub username: String,
    pub password: Secret,
    /// Append one JSON line per `/json` call here.
    pub call_log: Option<PathBuf>,
    pub faults: Faults,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            inventory: None,
            slots: 10,
            time_scale: 1.0,
            provision_seconds: None,
            tls: false,
            cert_dir: None,
            username: DEMO_USERNAME.to_string(),
            password: Secret::new(DEMO_PASSWORD),
            call_log: None,
            faults: Faults::default(),
        }
    }
}

impl SimConfig {
    /// The phase durations these settings give.
    pub fn timing(&self) -> Timing {
        match self.provision_seconds {
            Some(total) => Timing::with_provision_total(Duration::from_secs_f64(total)),
            None => Timing::scaled(self.time_scale),
        }
    }

    fn check(&self) -> Result<(), SimError> {
        let invalid = |message: String| Err(SimError::Config(message));
        if self.slots == 0 {
            return invalid("slots must be at least 1".to_string());
        }
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return invalid(format!(
                "time scale must be above 0, not {}",
                self.time_scale
            ));
        }
        if let Some(total) = self.provision_seconds {
            // Below a microsecond the phases would round to nothing.
            if !(total.is_finite() && (1e-6..=1e9).contains(&total)) {
                return invalid(format!(
                    "provision seconds must be between 0.000001 and 1e9, not {total}"
                ));
            }
        }
        if self.username.is_empty() {
            return invalid("the username must not be empty".to_string());
        }
        self.faults.check().map_err(SimError::Config)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulator setting: {0}")]
    Config(String),
    #[error("cannot read inventory {path}: {source}")]
    InventoryRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("inventory {path} is not valid JSON of the inventory format: {source}")]
    InventoryParse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the inventory is not consistent: {}", .0.join("; "))]
    Inventory(Vec<String>),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot use certificate directory {path}: {source}")]
    CertDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot open call log {path}: {source}")]
    CallLog {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads an `--inventory` file (the JSON of [`Inventory`]).
pub fn load_inventory(path: &Path) -> Result<Inventory, SimError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimError::InventoryRead {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| SimError::InventoryParse {
        path: path.to_path_buf(),
        source,
    })
}

/// A certificate directory the simulator made itself, removed when it stops.
#[derive(Debug)]
struct TemporaryDir(PathBuf);

impl Drop for TemporaryDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
struct TlsFiles {
    ca: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

/// A running simulator. Dropping it stops the server too; [`SimHandle::shutdown`] also waits
/// for the requests in flight.
#[derive(Debug)]
pub struct SimHandle {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    tls_files: Option<TlsFiles>,
    username: String,
    password: Secret,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    // Declared last so the directory goes after the server has stopped.
    _temporary_cert_dir: Option<TemporaryDir>,
}

/// The head nodes' provisioning roles report the simulator's slots, as a real headnode's
/// provisioning role reports its `provisioningSlots` (cmsh: `maxprovisioningnodes`).
fn report_slots(inventory: &mut Inventory, slots: usize) {
    for node in inventory
        .nodes
        .iter_mut()
        .filter(|n| n.child_type == "HeadNode")
    {
        for role in node
            .roles
            .iter_mut()
            .filter(|r| r.child_type == "ProvisioningRole")
        {
            role.extra
                .insert("provisioningSlots".into(), serde_json::json!(slots));
        }
    }
}

/// Starts a simulator on a tokio runtime; it serves until [`SimHandle::shutdown`].
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    config.check()?;
    let mut inventory = match config.inventory.clone() {
        Some(inventory) => inventory,
        None => demo::inventory()
            .map_err(|e| SimError::Inventory(vec![format!("built-in demo inventory: {e}")]))?,
    };
    report_slots(&mut inventory, config.slots);
    let started = tokio::time::Instant::now();
    let started_epoch_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let store =
        Store::from_inventory(inventory, started_epoch_ms / 1000).map_err(SimError::Inventory)?;
    let headnode = Headnode::new(
        store,
        config.timing(),
        config.slots,
        config.faults.clone(),
        started,
        started_epoch_ms,
    );
    let call_log = match &config.call_log {
        Some(path) => Some(
            call_log::CallLog::open(path).map_err(|source| SimError::CallLog {
                path: path.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| SimError::Bind {
            address: config.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| SimError::Bind {
        address: config.listen,
        source,
    })?;

    let mut temporary_cert_dir = None;
    let mut tls_files = None;
    let mut acceptor = None;
    if config.tls {
        let dir = match &config.cert_dir {
            Some(dir) => dir.clone(),
            None => {
                let dir = std::env::temp_dir().join(format!(
                    "bcmhcl-sim-{}-{}",
                    std::process::id(),
                    uuid::Uuid::new_v4().simple()
                ));
                temporary_cert_dir = Some(TemporaryDir(dir.clone()));
                dir
            }
        };
        std::fs::create_dir_all(&dir).map_err(|source| SimError::CertDir {
            path: dir.clone(),
            source,
        })?;
        let material = tls::generate(&dir, local_addr.ip())?;
        acceptor = Some(tokio_rustls::TlsAcceptor::from(
            material.server_config.clone(),
        ));
        tls_files = Some(TlsFiles {
            ca: material.ca_file,
            client_cert: material.client_cert_file,
            client_key: material.client_key_file,
        });
    }

    let shared = Arc::new(Shared {
        headnode: std::sync::Mutex::new(headnode),
        sessions: auth::Sessions::new(config.username.clone(), config.password.clone()),
        call_log,
        tls: config.tls,
    });
    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(http::serve(
        listener,
        acceptor,
        http::router(shared.clone()),
        stopped,
    ));
    Ok(SimHandle {
        shared,
        local_addr,
        tls_files,
        username: config.username,
        password: config.password,
        stop,
        server: Some(server),
        _temporary_cert_dir: temporary_cert_dir,
    })
}

impl SimHandle {
    /// The base URL clients use: `http://127.0.0.1:PORT` or `https://...`.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls_files.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.local_addr)
    }

    /// The address actually bound (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The CA certificate (PEM) that signed the server and client certificates (TLS only).
    pub fn ca_file(&self) -> Option<&Path> {
        self.tls_files.as_ref().map(|f| f.ca.as_path())
    }

    /// `admin.pem`: a client certificate that authenticates without login (TLS only).
    pub fn client_cert_file(&self) -> Option<&Path> {
        self.tls_files.as_ref().map(|f| f.client_cert.as_path())
    }

    /// `admin.key`: the client certificate's private key (TLS only).
    pub fn client_key_file(&self) -> Option<&Path> {
        self.tls_files.as_ref().map(|f| f.client_key.as_path())
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn password(&self) -> &Secret {
        &self.password
    }

    /// Everything counted so far, with statuses as of now.
    pub fn stats(&self) -> SimStats {
        self.shared.stats()
    }

    /// The most nodes that were provisioning (holding a slot) at the same time.
    pub fn peak_provisioning(&self) -> usize {
        self.stats().peak_provisioning
    }

    /// Power operations received per hostname (STATUS queries not counted).
    pub fn power_operations(&self) -> BTreeMap<String, u64> {
        self.stats().power_operations
    }

    /// Current status per hostname.
    pub fn statuses(&self) -> BTreeMap<String, NodeStatus> {
        self.stats().status
    }

    /// Every device the headnode holds, head node included, in the store's order.
    pub fn devices(&self) -> Vec<Device> {
        self.shared
            .with_headnode(|headnode| headnode.store().devices().cloned().collect())
    }

    pub fn status(&self, hostname: &str) -> Option<NodeStatus> {
        self.statuses().get(hostname).copied()
    }

    /// Changes the faults while running.
    pub fn set_faults(&self, faults: Faults) -> Result<(), SimError> {
        faults.check().map_err(SimError::Config)?;
        self.shared
            .with_headnode(|headnode| headnode.set_faults(faults));
        Ok(())
    }

    /// Stops accepting connections and waits (up to 5 s) for requests in flight.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
