//! `bcmhcl sim`: runs the BCM headnode simulator in the foreground, prints where it listens and
//! how to log in (the first line is `endpoint: URL`), and stops cleanly on SIGINT or SIGTERM.

use super::terminal::print_diagnostics;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use bcmhcl::sim::{self, Faults, Secret, SimConfig, SimHandle};
use clap::Args;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct SimArgs {
    /// Address and port to listen on; port 0 picks a free one (printed at start).
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// Cluster to serve (JSON: softwareImages, networks, categories, partitions, nodes);
    /// default: a built-in demo cluster (examples/sim-inventory.json).
    #[arg(long, value_name = "FILE")]
    inventory: Option<PathBuf>,
    /// Nodes that provision at once; the rest wait in PENDING.
    #[arg(long, value_name = "N", default_value_t = 10)]
    slots: usize,
    /// Divide the real phase durations (30 s boot, 300 s install, 30 s init) by X.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    time_scale: f64,
    /// One node's whole provisioning time in seconds (overrides --time-scale).
    #[arg(long, value_name = "T")]
    provision_seconds: Option<f64>,
    /// Serve HTTPS with certificates made at start; admin.pem/admin.key authenticate too.
    #[arg(long)]
    tls: bool,
    /// Where --tls writes ca.pem, admin.pem and admin.key (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    cert_dir: Option<PathBuf>,
    /// Login username.
    #[arg(long, value_name = "NAME", default_value = sim::DEMO_USERNAME)]
    username: String,
    /// Login password (default: the demo password, printed at start).
    #[arg(long, value_name = "PASSWORD", value_parser = parse_secret)]
    password: Option<Secret>,
    /// Append one JSON line per API call to FILE (passwords replaced by ****).
    #[arg(long, value_name = "FILE")]
    call_log: Option<PathBuf>,
    /// This node's install fails (INSTALLER_FAILED after INSTALLING). Repeatable.
    #[arg(long = "fail-install", value_name = "HOSTNAME")]
    fail_install: Vec<String>,
    /// This node's BMC does not answer: power operations on it fail. Repeatable.
    #[arg(long = "bmc-unreachable", value_name = "HOSTNAME")]
    bmc_unreachable: Vec<String>,
    /// Delay every API answer by N milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// Answer this fraction (0..1) of API calls with HTTP 503.
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    error_rate: f64,
    /// Seed for --error-rate, so a run's failures can be repeated.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
}

fn parse_secret(value: &str) -> Result<Secret, String> {
    Ok(Secret::new(value))
}

fn fail(summary: &str, detail: String) -> ExitCode {
    let diagnostic = Diagnostic::error(summary).detail(detail);
    print_diagnostics(&Diagnostics::from(diagnostic), &SourceMap::new(), false);
    ExitCode::from(1)
}

pub fn run(args: SimArgs) -> ExitCode {
    let inventory = match &args.inventory {
        Some(path) => match sim::load_inventory(path) {
            Ok(inventory) => Some(inventory),
            Err(e) => return fail("Cannot load the inventory", e.to_string()),
        },
        None => None,
    };
    let default_password = args.password.is_none();
    let config = SimConfig {
        listen: args.listen,
        inventory,
        slots: args.slots,
        time_scale: args.time_scale,
        provision_seconds: args.provision_seconds,
        tls: args.tls,
        cert_dir: args.cert_dir,
        username: args.username,
        password: args
            .password
            .unwrap_or_else(|| Secret::new(sim::DEMO_PASSWORD)),
        call_log: args.call_log,
        faults: Faults {
            fail_install: args.fail_install.into_iter().collect(),
            bmc_unreachable: args.bmc_unreachable.into_iter().collect(),
            latency: Duration::from_millis(args.latency_ms),
            error_rate: args.error_rate,
            seed: args.seed,
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail("Cannot start the async runtime", e.to_string()),
    };
    runtime.block_on(async move {
        let provision_seconds = config.timing().provision_total().as_secs_f64();
        let slots = config.slots;
        let handle = match sim::start(config).await {
            Ok(handle) => handle,
            Err(e) => return fail("Cannot start the simulator", e.to_string()),
        };
        print_banner(&handle, default_password, slots, provision_seconds);
        wait_for_stop_signal().await;
        handle.shutdown().await;
        eprintln!("bcmhcl sim: stopped");
        ExitCode::SUCCESS
    })
}

fn print_banner(handle: &SimHandle, default_password: bool, slots: usize, provision_seconds: f64) {
    let mut out = std::io::stdout().lock();
    let password = if default_password {
        handle.password().expose().to_string()
    } else {
        "(as given with --password)".to_string()
    };
    let _ = writeln!(out, "endpoint: {}", handle.endpoint());
    let _ = writeln!(out, "username: {}", handle.username());
    let _ = writeln!(out, "password: {password}");
    if let (Some(ca), Some(cert), Some(key)) = (
        handle.ca_file(),
        handle.client_cert_file(),
        handle.client_key_file(),
    ) {
        let _ = writeln!(out, "ca-file: {}", ca.display());
        let _ = writeln!(out, "client-cert: {}", cert.display());
        let _ = writeln!(out, "client-key: {}", key.display());
    }
    let _ = writeln!(
        out,
        "slots: {slots}, provisioning: {provision_seconds:.1} s per node, stats: {}/sim/stats",
        handle.endpoint()
    );
    let _ = out.flush();
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
