//! End-to-end tests of `bcmhcl power` against real `ipmi_sim` BMCs on loopback: one line per
//! BMC in argument order, exit codes, the password only from the environment.

#[path = "support/ipmi_sim.rs"]
mod ipmi_sim;

use ipmi_sim::{free_udp_port, SimBmc, PASSWORD, USER};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bcmhcl_power(args: &[&str], password: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    command
        .arg("power")
        .args(args)
        .env_remove("IPMI_PASSWORD")
        .stdin(Stdio::null());
    if let Some(p) = password {
        command.env("IPMI_PASSWORD", p);
    }
    command.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn actions_and_status_report_each_bmc_in_argument_order() {
    let bmcs: Vec<SimBmc> = (0..3).map(|_| SimBmc::start()).collect();
    let addresses: Vec<String> = bmcs.iter().map(SimBmc::address).collect();
    let mut args = vec!["on"];
    args.extend(addresses.iter().map(String::as_str));
    args.extend(["-U", USER]);
    let out = bcmhcl_power(&args, Some(PASSWORD));
    assert!(out.status.success(), "{out:?}");
    let expected: String = addresses.iter().map(|a| format!("{a}: ok\n")).collect();
    assert_eq!(stdout(&out), expected);
    assert!(bmcs.iter().all(SimBmc::power_is_on));
    // ipmitool agrees.
    assert_eq!(
        bmcs[1].ipmitool(&["chassis", "power", "status"]).trim(),
        "Chassis Power is on"
    );

    bmcs[1].set_power(false);
    args[0] = "status";
    let out = bcmhcl_power(&args, Some(PASSWORD));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        format!(
            "{}: on\n{}: off\n{}: on\n",
            addresses[0], addresses[1], addresses[2]
        )
    );

    args[0] = "off";
    let out = bcmhcl_power(&args, Some(PASSWORD));
    assert!(out.status.success(), "{out:?}");
    assert!(bmcs.iter().all(|b| !b.power_is_on()));
}

#[test]
fn any_failing_bmc_gives_its_own_error_line_and_exit_1() {
    let good = SimBmc::start();
    let failing = SimBmc::start();
    failing.fail_chassis_commands();
    let closed = format!("127.0.0.1:{}", free_udp_port("127.0.0.1"));
    let started = Instant::now();
    let out = bcmhcl_power(
        &[
            "status",
            &closed,
            &good.address(),
            &failing.address(),
            "bmc:notaport",
            "-U",
            USER,
            "-timeout",
            "0.5",
            "-attempts",
            "2",
        ],
        Some(PASSWORD),
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with(&format!(
            "{closed}: error: BMC {closed} unreachable: connection refused"
        )),
        "{text}"
    );
    assert_eq!(lines[1], format!("{}: off", good.address()));
    assert_eq!(
        lines[2],
        format!(
            "{}: error: Get Chassis Status failed: completion code 0xFF (unspecified error)",
            failing.address()
        )
    );
    assert!(
        lines[3].starts_with("bmc:notaport: error: invalid BMC address"),
        "{text}"
    );
}

#[test]
fn a_wrong_password_fails_without_printing_it() {
    let bmc = SimBmc::start();
    let out = bcmhcl_power(
        &["on", &bmc.address(), "-U", USER],
        Some("Wr0ng-Secret-Value"),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("wrong credentials"), "{text}");
    assert!(!text.contains("Wr0ng-Secret-Value"), "{text}");
    assert!(!bmc.power_is_on());
}

#[test]
fn the_password_comes_only_from_the_environment() {
    let out = bcmhcl_power(&["status", "127.0.0.1", "-U", USER], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("IPMI_PASSWORD is not set"),
        "{out:?}"
    );
    assert!(out.stdout.is_empty());
}

/// Runs `bcmhcl ARGS` in `dir` with the BMC password as a variable from the environment.
fn bcmhcl_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TF_VAR_bmc_password", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_ipmi_power_resource_sends_on_create_and_on_trigger_changes_only() {
    let bmcs = [SimBmc::start(), SimBmc::start()];
    let dir = tempfile::tempdir().unwrap();
    let ports = bmcs
        .iter()
        .map(|b| format!("\"{}\"", b.port))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            r#"
variable "bmc_password" {{
  type      = string
  sensitive = true
}}
variable "rev" {{
  type    = string
  default = "1"
}}
resource "ipmi_power" "node" {{
  for_each       = toset([{ports}])
  host           = "127.0.0.1"
  port           = tonumber(each.key)
  username       = "{USER}"
  password       = var.bmc_password
  action         = "on"
  wait_for_state = "on"
  triggers       = {{ rev = var.rev }}
}}
output "states" {{
  value = [for k, r in ipmi_power.node : r.power_state]
}}
"#
        ),
    )
    .unwrap();

    let out = bcmhcl_in(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Resources: 2 added"), "{text}");
    assert!(text.contains("\"on\",\n  \"on\","), "{text}");
    assert!(bmcs.iter().all(SimBmc::power_is_on));
    assert!(
        text.contains("password       = (sensitive value)"),
        "{text}"
    );
    assert!(!text.contains(&format!("\"{PASSWORD}\"")), "{text}");

    // Switched off by hand: an unchanged configuration plans nothing and sends nothing.
    bmcs[0].set_power(false);
    let out = bcmhcl_in(dir.path(), &["apply", "-auto-approve", "-no-color"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("No changes."), "{}", stdout(&out));
    assert!(!bmcs[0].power_is_on());

    // A new trigger sends the action again, in place.
    let out = bcmhcl_in(
        dir.path(),
        &["apply", "-auto-approve", "-no-color", "-var", "rev=2"],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("0 added, 2 changed, 0 destroyed"), "{text}");
    assert!(bmcs.iter().all(SimBmc::power_is_on));

    // Destroying forgets the resources and leaves the machines as they are.
    let out = bcmhcl_in(
        dir.path(),
        &[
            "apply",
            "-destroy",
            "-auto-approve",
            "-no-color",
            "-var",
            "rev=2",
        ],
    );
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("2 destroyed"));
    assert!(bmcs.iter().all(SimBmc::power_is_on));
}
