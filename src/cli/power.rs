//! `bcmhcl power status|on|off|cycle|reset|soft HOST[:PORT]... -U USER`: ad-hoc chassis power
//! control over IPMI v2.0, every BMC at once (bounded), one line per BMC in argument order:
//! `HOST:PORT: on|off` for status, `HOST:PORT: ok` once a BMC accepted an action, or
//! `HOST:PORT: error: ...`.
//! The password comes from `IPMI_PASSWORD`, as `ipmitool -E` takes it, never from argv.

use bcmhcl::provider::ipmi::{
    for_each_target, parse_host_port, power_status, send_power_action, IpmiOptions, IpmiTarget,
    PowerAction, Privilege, Secret,
};
use clap::Args;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// The environment variable holding the BMC password (ipmitool's `-E`).
const PASSWORD_VARIABLE: &str = "IPMI_PASSWORD";

#[derive(Args, Debug)]
pub struct PowerArgs {
    /// status (prints on/off), or an action to send (prints ok): on, off, cycle, reset (hard),
    /// soft (ACPI shutdown).
    #[arg(value_name = "ACTION", value_parser = parse_command)]
    command: PowerCommand,
    /// BMC addresses: HOST, HOST:PORT or [IPV6]:PORT (the port defaults to 623).
    #[arg(value_name = "HOST[:PORT]", required = true)]
    hosts: Vec<String>,
    /// The BMC user name. The password is read from the IPMI_PASSWORD environment variable.
    #[arg(short = 'U', value_name = "USER")]
    user: String,
    /// Session privilege level: ADMINISTRATOR or OPERATOR.
    #[arg(short = 'L', long = "privilege", value_name = "LEVEL", default_value = "ADMINISTRATOR", value_parser = str::parse::<Privilege>)]
    privilege: Privilege,
    /// Seconds to wait for each answer before sending again.
    #[arg(long = "timeout", value_name = "SECONDS", default_value_t = 1.0)]
    timeout: f64,
    /// Tries per message before a BMC counts as unreachable.
    #[arg(long = "attempts", value_name = "N", default_value_t = 3)]
    attempts: u32,
    /// How many BMCs to talk to at once.
    #[arg(long = "concurrency", value_name = "N", default_value_t = 64)]
    concurrency: usize,
}

/// What to do with each BMC.
#[derive(Debug, Clone, Copy)]
enum PowerCommand {
    /// Print the chassis power state.
    Status,
    /// Send the action and print `ok` once the BMC accepted it (as ipmipower does).
    Action(PowerAction),
}

fn parse_command(text: &str) -> Result<PowerCommand, String> {
    match text {
        "status" => Ok(PowerCommand::Status),
        _ => text
            .parse::<PowerAction>()
            .map(PowerCommand::Action)
            .map_err(|_| {
                format!("invalid action {text:?}: expected status, on, off, cycle, reset or soft")
            }),
    }
}

pub fn run(args: PowerArgs) -> ExitCode {
    let Some(password) = std::env::var_os(PASSWORD_VARIABLE) else {
        eprintln!(
            "Error: {PASSWORD_VARIABLE} is not set: bcmhcl power reads the BMC password from it, as ipmitool -E does"
        );
        return ExitCode::from(1);
    };
    let Some(password) = password.into_string().ok().map(Secret::new) else {
        eprintln!("Error: {PASSWORD_VARIABLE} is not valid UTF-8");
        return ExitCode::from(1);
    };
    let attempt_timeout = match Duration::try_from_secs_f64(args.timeout) {
        Ok(d) if !d.is_zero() => d,
        _ => {
            eprintln!("Error: -timeout must be a positive number of seconds");
            return ExitCode::from(1);
        }
    };
    let opts = IpmiOptions {
        attempt_timeout,
        attempts: args.attempts.max(1),
    };

    // Addresses that do not parse get their error line without contacting anything.
    let mut labels = Vec::with_capacity(args.hosts.len());
    let mut targets = Vec::new();
    let mut slots: Vec<Result<usize, String>> = Vec::with_capacity(args.hosts.len());
    for text in &args.hosts {
        match parse_host_port(text) {
            Ok((host, port)) => {
                let target = IpmiTarget {
                    host,
                    port,
                    username: args.user.clone(),
                    password: password.clone(),
                    privilege: args.privilege,
                };
                labels.push(target.address());
                slots.push(Ok(targets.len()));
                targets.push(target);
            }
            Err(why) => {
                labels.push(text.clone());
                slots.push(Err(why));
            }
        }
    }

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let answers = runtime.block_on(async {
        match args.command {
            PowerCommand::Status => {
                for_each_target(&targets, args.concurrency, |target| async move {
                    power_status(&target, &opts).await.map(|s| s.to_string())
                })
                .await
            }
            PowerCommand::Action(action) => {
                for_each_target(&targets, args.concurrency, |target| async move {
                    send_power_action(&target, action, &opts)
                        .await
                        .map(|()| "ok".to_string())
                })
                .await
            }
        }
    });
    let mut results: Vec<Option<_>> = answers.into_iter().map(Some).collect();

    let mut failed = false;
    let mut out = std::io::stdout().lock();
    for (label, slot) in labels.iter().zip(slots) {
        let line = match slot {
            Ok(index) => match results.get_mut(index).and_then(Option::take) {
                Some(Ok(answer)) => format!("{label}: {answer}"),
                Some(Err(e)) => {
                    failed = true;
                    format!("{label}: error: {e}")
                }
                None => {
                    failed = true;
                    format!("{label}: error: no result")
                }
            },
            Err(why) => {
                failed = true;
                format!("{label}: error: {why}")
            }
        };
        let _ = writeln!(out, "{line}");
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
