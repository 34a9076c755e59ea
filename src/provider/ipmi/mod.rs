//! Direct IPMI v2.0 power control of BMCs: a native RMCP+ client (cipher suite 3) on tokio
//! UDP, and the chassis power commands built on it.
//!
//! Every call opens its own session, sends its commands and closes the session, so calls for
//! different BMCs run concurrently without shared state. The password travels only inside
//! [`Secret`] and the key derivation; it never reaches an error, a log line or a process.

mod crypto;
mod error;
mod secret;
mod session;
mod wire;

pub use error::{completion_code_meaning, rmcp_plus_status_meaning, Command, IpmiError};
pub use secret::Secret;

use session::Session;
use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The RMCP port BMCs listen on.
pub const DEFAULT_PORT: u16 = 623;

/// The session privilege level to ask for. Chassis control needs at least OPERATOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Privilege {
    Operator,
    #[default]
    Administrator,
}

impl Privilege {
    fn code(self) -> u8 {
        match self {
            Privilege::Operator => 0x03,
            Privilege::Administrator => 0x04,
        }
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Privilege::Operator => "OPERATOR",
            Privilege::Administrator => "ADMINISTRATOR",
        })
    }
}

impl FromStr for Privilege {
    type Err = String;
    /// `ADMINISTRATOR`/`ADMIN` or `OPERATOR`, any case (ipmitool's `-L` spellings).
    fn from_str(text: &str) -> Result<Privilege, String> {
        match text.to_ascii_uppercase().as_str() {
            "ADMINISTRATOR" | "ADMIN" => Ok(Privilege::Administrator),
            "OPERATOR" => Ok(Privilege::Operator),
            _ => Err(format!(
                "invalid privilege level {text:?}: expected ADMINISTRATOR or OPERATOR"
            )),
        }
    }
}

/// One BMC and the credentials to use on it.
#[derive(Debug, Clone)]
pub struct IpmiTarget {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Secret,
    pub privilege: Privilege,
}

impl IpmiTarget {
    /// A target on the default port at ADMINISTRATOR privilege.
    pub fn new(host: impl Into<String>, username: impl Into<String>, password: Secret) -> Self {
        IpmiTarget {
            host: host.into(),
            port: DEFAULT_PORT,
            username: username.into(),
            password,
            privilege: Privilege::Administrator,
        }
    }

    /// `host:port`, with brackets around an IPv6 address (`[fd00::5]:623`).
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Splits `HOST[:PORT]` (`10.0.0.5`, `bmc1:6230`, `[fd00::5]:623`, `fd00::5`); the port
/// defaults to 623.
pub fn parse_host_port(text: &str) -> Result<(String, u16), String> {
    let invalid = |why: &str| format!("invalid BMC address {text:?}: {why}");
    let port_of = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| invalid("the port must be a number from 1 to 65535"))
    };
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| invalid("missing ']'"))?;
        match after {
            "" => (host, DEFAULT_PORT),
            _ => match after.strip_prefix(':') {
                Some(p) => (host, port_of(p)?),
                None => return Err(invalid("expected ':PORT' after ']'")),
            },
        }
    } else if text.matches(':').count() == 1 {
        let (host, port) = text.split_once(':').unwrap_or((text, ""));
        (host, port_of(port)?)
    } else {
        // No colon, or a bare IPv6 address.
        (text, DEFAULT_PORT)
    };
    if host.is_empty() {
        return Err(invalid("the host is empty"));
    }
    Ok((host.to_string(), port))
}

/// A chassis control action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    On,
    Off,
    Cycle,
    /// Hard reset.
    Reset,
    /// Soft shutdown through ACPI.
    Soft,
}

impl PowerAction {
    pub const ALL: [PowerAction; 5] = [
        PowerAction::On,
        PowerAction::Off,
        PowerAction::Cycle,
        PowerAction::Reset,
        PowerAction::Soft,
    ];

    /// The Chassis Control request byte (IPMI v2.0 table 28-4).
    fn control_code(self) -> u8 {
        match self {
            PowerAction::Off => 0x00,
            PowerAction::On => 0x01,
            PowerAction::Cycle => 0x02,
            PowerAction::Reset => 0x03,
            PowerAction::Soft => 0x05,
        }
    }
}

impl fmt::Display for PowerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PowerAction::On => "on",
            PowerAction::Off => "off",
            PowerAction::Cycle => "cycle",
            PowerAction::Reset => "reset",
            PowerAction::Soft => "soft",
        })
    }
}

impl FromStr for PowerAction {
    type Err = String;
    fn from_str(text: &str) -> Result<PowerAction, String> {
        PowerAction::ALL
            .into_iter()
            .find(|a| a.to_string() == text)
            .ok_or_else(|| {
                format!("invalid power action {text:?}: expected on, off, cycle, reset or soft")
            })
    }
}

/// The chassis power state Get Chassis Status reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerState {
    On,
    Off,
}

impl fmt::Display for PowerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PowerState::On => "on",
            PowerState::Off => "off",
        })
    }
}

impl FromStr for PowerState {
    type Err = String;
    fn from_str(text: &str) -> Result<PowerState, String> {
        match text {
            "on" => Ok(PowerState::On),
            "off" => Ok(PowerState::Off),
            _ => Err(format!("invalid power state {text:?}: expected on or off")),
        }
    }
}

/// Retry policy. A message gets `attempts` tries of `attempt_timeout` each, so an unreachable
/// BMC is reported after `attempts × attempt_timeout`; a whole call sends at most eight
/// messages.
#[derive(Debug, Clone, Copy)]
pub struct IpmiOptions {
    pub attempt_timeout: Duration,
    pub attempts: u32,
}

impl Default for IpmiOptions {
    fn default() -> Self {
        IpmiOptions {
            attempt_timeout: Duration::from_secs(1),
            attempts: 3,
        }
    }
}

/// Sends a chassis power action and returns the power state the BMC reports right after it
/// (read in the same session). After `cycle`, `reset` or `soft` a real BMC may still report
/// the old state; use [`wait_for_power_state`] to confirm a state.
pub async fn power(
    target: &IpmiTarget,
    action: PowerAction,
    opts: &IpmiOptions,
) -> Result<PowerState, IpmiError> {
    let mut session = Session::open(target, opts).await?;
    let result = match chassis_control(&mut session, action).await {
        Ok(()) => chassis_power_state(&mut session).await,
        Err(e) => Err(e),
    };
    session.close().await;
    result
}

/// Sends a chassis power action and returns once the BMC has accepted it, without reading
/// the state back (one message fewer than [`power`], as `ipmipower` does).
pub async fn send_power_action(
    target: &IpmiTarget,
    action: PowerAction,
    opts: &IpmiOptions,
) -> Result<(), IpmiError> {
    let mut session = Session::open(target, opts).await?;
    let result = chassis_control(&mut session, action).await;
    session.close().await;
    result
}

/// Reads the chassis power state (Get Chassis Status).
pub async fn power_status(
    target: &IpmiTarget,
    opts: &IpmiOptions,
) -> Result<PowerState, IpmiError> {
    let mut session = Session::open(target, opts).await?;
    let result = chassis_power_state(&mut session).await;
    session.close().await;
    result
}

async fn chassis_control(session: &mut Session, action: PowerAction) -> Result<(), IpmiError> {
    tracing::debug!(bmc = %session.address(), %action, "chassis control");
    session
        .request(
            Command::ChassisControl,
            wire::NETFN_CHASSIS,
            0x02,
            &[action.control_code()],
        )
        .await
        .map(drop)
}

async fn chassis_power_state(session: &mut Session) -> Result<PowerState, IpmiError> {
    let status = session
        .request(Command::GetChassisStatus, wire::NETFN_CHASSIS, 0x01, &[])
        .await?;
    match status.first() {
        Some(byte) if byte & 0x01 != 0 => Ok(PowerState::On),
        Some(_) => Ok(PowerState::Off),
        None => Err(IpmiError::Protocol(
            "Get Chassis Status answered without data".into(),
        )),
    }
}

/// Runs `run` for every target, at most `max_concurrent` at once, each on its own task; the
/// results are in the order of `targets`.
pub async fn for_each_target<T, F, Fut>(
    targets: &[IpmiTarget],
    max_concurrent: usize,
    run: F,
) -> Vec<Result<T, IpmiError>>
where
    F: Fn(IpmiTarget) -> Fut,
    Fut: Future<Output = Result<T, IpmiError>> + Send + 'static,
    T: Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(max_concurrent.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, target) in targets.iter().cloned().enumerate() {
        let permits = permits.clone();
        let work = run(target);
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = permits.acquire_owned().await;
            (index, work.await)
        });
    }
    let mut results: Vec<Option<Result<T, IpmiError>>> = targets.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, result)) => results[index] = Some(result),
            Err(e) => tracing::error!(error = %e, "IPMI task failed"),
        }
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| Err(IpmiError::Protocol("the IPMI task did not finish".into())))
        })
        .collect()
}

/// Why [`wait_for_power_state`] gave up.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("power state did not become {wanted} within {} s (last reported: {})", waited.as_secs(), last.map_or("none".to_string(), |s| s.to_string()))]
    Timeout {
        wanted: PowerState,
        last: Option<PowerState>,
        waited: Duration,
        /// The error of the last poll, when it failed.
        #[source]
        last_error: Option<IpmiError>,
    },
    /// An error that waiting longer cannot cure (wrong credentials, a refused command).
    #[error(transparent)]
    Ipmi(#[from] IpmiError),
}

/// Polls Get Chassis Status every `interval` until it reports `wanted` or `timeout` has
/// passed. Unreachable and busy answers are retried until the deadline (a BMC may pause while
/// the host power changes); other errors end the wait at once.
pub async fn wait_for_power_state(
    target: &IpmiTarget,
    wanted: PowerState,
    timeout: Duration,
    interval: Duration,
    opts: &IpmiOptions,
) -> Result<PowerState, WaitError> {
    let started = Instant::now();
    let deadline = started + timeout;
    let mut last = None;
    let mut last_error = None;
    loop {
        match tokio::time::timeout_at(deadline, power_status(target, opts)).await {
            Ok(Ok(state)) if state == wanted => return Ok(state),
            Ok(Ok(state)) => {
                last = Some(state);
                last_error = None;
            }
            Ok(Err(e @ (IpmiError::Unreachable { .. } | IpmiError::Busy { .. }))) => {
                last_error = Some(e)
            }
            Ok(Err(e)) => return Err(WaitError::Ipmi(e)),
            Err(_elapsed) => {}
        }
        if Instant::now() + interval >= deadline {
            return Err(WaitError::Timeout {
                wanted,
                last,
                waited: started.elapsed(),
                last_error,
            });
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
#[path = "../../../tests/support/ipmi_sim.rs"]
pub(crate) mod test_sim;

#[cfg(test)]
mod tests;
