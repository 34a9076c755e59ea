//! Test helper: real OpenIPMI `ipmi_sim` BMCs on loopback, one process per BMC, each in its own
//! temporary directory with a chassis hook that keeps the power state in a file (what
//! `../shared/tools/ipmi-sim.sh` does, for tests). Shared by the library's unit tests and the
//! end-to-end tests; std and tempfile only.
#![allow(dead_code)]

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "admin";
pub const PASSWORD: &str = "password";

/// The chassis_control hook: `chassis.sh STATEFILE get power` prints `power:0|1`,
/// `set power 0|1` writes it, `set reset 1` appends to STATEFILE.log, `set shutdown 1` (a soft
/// shutdown) powers off at once, as a host whose OS honours ACPI; `STATEFILE.fail` makes every
/// call fail (the BMC then answers 0xFF).
const CHASSIS_HOOK: &str = r#"#!/bin/sh
f=$1; op=$2; shift 2
[ -e "$f.fail" ] && { echo "injected failure"; exit 1; }
case $op in
get) for p in "$@"; do
       case $p in
       power) echo "power:$(cat "$f" 2>/dev/null || echo 0)" ;;
       boot)  echo "boot:default" ;;
       *) echo "Invalid parameter: $p"; exit 1 ;;
       esac
     done ;;
set) while [ $# -gt 1 ]; do
       case $1 in
       power) echo "$2" >"$f" ;;
       reset) echo "reset $(date +%s.%N)" >>"$f.log" ;;
       shutdown) echo 0 >"$f" ;;
       boot|identify) ;;
       *) echo "Invalid parameter: $1"; exit 1 ;;
       esac
       shift 2
     done ;;
check) exit 1 ;;
*) echo "Unknown operation: $op"; exit 1 ;;
esac
"#;

/// Panics with the way to get the tool when it is missing: these tests must not pass
/// silently on a machine without the simulator.
pub fn require_tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "{name} is not installed: run scripts/test.sh, which installs openipmi, ipmitool and freeipmi-tools"
        )
    })
}

/// One running `ipmi_sim` BMC; stopped (killed and reaped) when dropped.
pub struct SimBmc {
    child: Child,
    dir: tempfile::TempDir,
    pub host: String,
    pub port: u16,
}

impl SimBmc {
    /// A BMC on 127.0.0.1 and a free port, user admin/password, power off.
    pub fn start() -> SimBmc {
        SimBmc::start_on("127.0.0.1")
    }

    /// A BMC on `host` (a loopback address) and a free port.
    pub fn start_on(host: &str) -> SimBmc {
        let binary = require_tool("ipmi_sim");
        let mut last_log = String::new();
        // A free port can be taken between our probe and ipmi_sim's bind: try a few.
        for _ in 0..10 {
            let port = free_udp_port(host);
            let dir = tempfile::tempdir().expect("temporary directory");
            write_config(dir.path(), host, port);
            let child = Command::new(&binary)
                .args(["-c", "lan.conf", "-f", "sim.emu", "-s", "state", "-n"])
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::from(
                    std::fs::File::create(dir.path().join("sim.log")).expect("sim.log"),
                ))
                .stderr(Stdio::from(
                    std::fs::File::create(dir.path().join("sim.err")).expect("sim.err"),
                ))
                .spawn()
                .expect("start ipmi_sim");
            let mut bmc = SimBmc {
                child,
                dir,
                host: host.to_string(),
                port,
            };
            if bmc.wait_until_answering(Duration::from_secs(10)) {
                return bmc;
            }
            last_log = bmc.log();
        }
        panic!("ipmi_sim did not start on {host}; last log:\n{last_log}");
    }

    /// `host:port`.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn power_file(&self) -> PathBuf {
        self.dir.path().join("power")
    }

    /// The simulated chassis power, as the hook last wrote it.
    pub fn power_is_on(&self) -> bool {
        std::fs::read_to_string(self.power_file())
            .map(|s| s.trim() == "1")
            .unwrap_or(false)
    }

    pub fn set_power(&self, on: bool) {
        std::fs::write(self.power_file(), if on { "1\n" } else { "0\n" }).expect("power file");
    }

    /// How many hard resets the BMC performed.
    pub fn reset_count(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("power.log"))
            .map(|s| s.lines().filter(|l| l.starts_with("reset")).count())
            .unwrap_or(0)
    }

    /// From now on every chassis command fails with completion code 0xFF.
    pub fn fail_chassis_commands(&self) {
        std::fs::write(self.dir.path().join("power.fail"), "").expect("power.fail");
    }

    pub fn log(&self) -> String {
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("{}{}", read("sim.log"), read("sim.err"))
    }

    /// Runs `ipmitool -I lanplus -C 3` against this BMC with the password in the environment
    /// (`-E`), returning its stdout.
    pub fn ipmitool(&self, args: &[&str]) -> String {
        let binary = require_tool("ipmitool");
        let port = self.port.to_string();
        let out = Command::new(binary)
            .args(["-I", "lanplus", "-C", "3", "-H", &self.host, "-p", &port])
            .args(["-U", USER, "-E", "-N", "1", "-R", "2"])
            .args(args)
            .env("IPMI_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .output()
            .expect("run ipmitool");
        assert!(
            out.status.success(),
            "ipmitool {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends Get Channel Authentication Capabilities until the BMC answers or the process
    /// exits (a port taken by someone else makes ipmi_sim exit).
    fn wait_until_answering(&mut self, limit: Duration) -> bool {
        let started = Instant::now();
        let probe = UdpSocket::bind((self.host.as_str(), 0)).expect("probe socket");
        probe
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("probe timeout");
        let _ = probe.connect((self.host.as_str(), self.port));
        let packet = channel_auth_caps_packet();
        let mut buffer = [0u8; 512];
        while started.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            let _ = probe.send(&packet);
            if matches!(probe.recv(&mut buffer), Ok(n) if n > 20) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for SimBmc {
    fn drop(&mut self) {
        // Our own child, by its handle (its PID): never a broad kill.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A UDP port free on `host` right now.
pub fn free_udp_port(host: &str) -> u16 {
    let socket = UdpSocket::bind((host, 0)).expect("bind a free port");
    socket.local_addr().expect("local address").port()
}

/// A Get Channel Authentication Capabilities request in IPMI v1.5 framing.
fn channel_auth_caps_packet() -> Vec<u8> {
    let sum = |bytes: &[u8]| 0u8.wrapping_sub(bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b)));
    let mut message = vec![0x20, 0x06 << 2];
    message.push(sum(&message));
    message.extend([0x81, 0x00, 0x38, 0x8E, 0x04]);
    message.push(sum(&message[3..]));
    let mut packet = vec![0x06, 0x00, 0xFF, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
    packet.push(message.len() as u8);
    packet.extend(message);
    packet
}

fn write_config(dir: &Path, host: &str, port: u16) {
    let hook = dir.join("chassis.sh");
    std::fs::write(&hook, CHASSIS_HOOK).expect("chassis.sh");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::fs::create_dir_all(dir.join("state")).expect("state dir");
    std::fs::write(dir.join("power"), "0\n").expect("power file");
    let lan_conf = format!(
        r#"name "bmc"
set_working_mc 0x20
  startlan 1
    addr {host} {port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "{hook} {power}"
  user 2 true "{USER}" "{PASSWORD}" admin 10 none md2 md5 straight
  user 3 true "operator" "{PASSWORD}" operator 10 none md2 md5 straight
"#,
        hook = hook.display(),
        power = dir.join("power").display(),
    );
    std::fs::write(dir.join("lan.conf"), lan_conf).expect("lan.conf");
    std::fs::write(
        dir.join("sim.emu"),
        "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nmc_enable 0x20\n",
    )
    .expect("sim.emu");
}
