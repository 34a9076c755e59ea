//! `IpmiError`: why talking to a BMC failed, sorted into the cases an operator acts on
//! differently (credentials, reachability, a busy BMC, a refused command, a broken peer), with
//! the IPMI meanings of completion codes and RMCP+ status codes.

use std::time::Duration;

/// A failed exchange with a BMC. Never carries a password: the variants hold codes, user names,
/// addresses and text written here.
#[derive(Debug, thiserror::Error)]
pub enum IpmiError {
    /// The BMC rejected the user name, the password or the requested role while the session
    /// was being established (RAKP).
    #[error("wrong credentials: {reason}")]
    Credentials {
        reason: String,
        /// The RMCP+ status code the BMC sent, when it sent one (a password mismatch found by
        /// checking the BMC's RAKP 2 HMAC has none).
        status: Option<u8>,
    },
    /// No answer within the bounded retries.
    #[error(
        "BMC {address} unreachable: {} after {attempts} attempt(s) in {}",
        if *refused { "connection refused (nothing listening on that port)" } else { "no answer" },
        seconds(*waited)
    )]
    Unreachable {
        address: String,
        attempts: u32,
        waited: Duration,
        /// The host answered with ICMP port unreachable rather than staying silent.
        refused: bool,
    },
    /// The BMC is alive but cannot serve us now: node busy, out of space, or out of sessions.
    #[error("BMC busy: {reason}")]
    Busy { reason: String },
    /// The BMC answered a command with a failure completion code.
    #[error(
        "{command} failed: completion code 0x{code:02X} ({})",
        completion_code_meaning(*command, *code)
    )]
    Completion { command: Command, code: u8 },
    /// The BMC's answer broke the protocol (bad checksum, bad HMAC, unexpected algorithms...).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The target cannot be used as given (unresolvable host, user name or password too long).
    #[error("invalid target: {0}")]
    InvalidTarget(String),
    /// The local network stack failed (not a timeout or refusal).
    #[error("network error talking to {address}: {source}")]
    Io {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

impl IpmiError {
    /// The error for a completion code: busy codes become [`IpmiError::Busy`].
    pub(crate) fn from_completion(command: Command, code: u8) -> IpmiError {
        match code {
            0xC0 | 0xC4 | 0xD2 => IpmiError::Busy {
                reason: format!(
                    "{command}: {} (completion code 0x{code:02X})",
                    completion_code_meaning(command, code)
                ),
            },
            _ => IpmiError::Completion { command, code },
        }
    }

    /// The error for a failure status in an Open Session or RAKP answer.
    pub(crate) fn from_rmcp_plus_status(stage: &str, status: u8, username: &str) -> IpmiError {
        let meaning = rmcp_plus_status_meaning(status);
        match status {
            0x01 | 0x0B => IpmiError::Busy {
                reason: format!(
                    "{stage}: {meaning} (RMCP+ status 0x{status:02X}; too many open sessions)"
                ),
            },
            0x0D => IpmiError::Credentials {
                reason: format!(
                    "the BMC does not know the user name {username:?} ({stage} status 0x{status:02X}: {meaning})"
                ),
                status: Some(status),
            },
            0x0F => IpmiError::Credentials {
                reason: format!(
                    "the BMC rejected our key exchange code: wrong password ({stage} status 0x{status:02X}: {meaning})"
                ),
                status: Some(status),
            },
            0x09 | 0x0A | 0x0C | 0x0E => IpmiError::Credentials {
                reason: format!(
                    "user {username:?} may not open this session ({stage} status 0x{status:02X}: {meaning})"
                ),
                status: Some(status),
            },
            _ => IpmiError::Protocol(format!(
                "the BMC refused the session at {stage}: {meaning} (RMCP+ status 0x{status:02X})"
            )),
        }
    }
}

/// The IPMI commands this client sends, named as the specification names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    GetChannelAuthenticationCapabilities,
    SetSessionPrivilegeLevel,
    CloseSession,
    GetChassisStatus,
    ChassisControl,
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::GetChannelAuthenticationCapabilities => {
                "Get Channel Authentication Capabilities"
            }
            Command::SetSessionPrivilegeLevel => "Set Session Privilege Level",
            Command::CloseSession => "Close Session",
            Command::GetChassisStatus => "Get Chassis Status",
            Command::ChassisControl => "Chassis Control",
        })
    }
}

/// "2.0 s", "0.35 s": the time waited, for messages.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

/// The meaning of a completion code (IPMI v2.0 table 5-2, and the command-specific codes of
/// the commands above).
pub fn completion_code_meaning(command: Command, code: u8) -> &'static str {
    match (command, code) {
        (Command::SetSessionPrivilegeLevel, 0x80) => {
            "requested privilege level is not available for this user"
        }
        (Command::SetSessionPrivilegeLevel, 0x81) => {
            "requested privilege level exceeds the user's or channel's limit"
        }
        (Command::SetSessionPrivilegeLevel, 0x82) => "cannot disable user level authentication",
        (Command::CloseSession, 0x87) => "invalid session ID",
        (Command::CloseSession, 0x88) => "invalid session handle",
        (_, 0x00) => "command completed normally",
        (_, 0xC0) => "node busy",
        (_, 0xC1) => "invalid command",
        (_, 0xC2) => "command invalid for given LUN",
        (_, 0xC3) => "timeout while processing command",
        (_, 0xC4) => "out of space",
        (_, 0xC5) => "reservation canceled or invalid reservation ID",
        (_, 0xC6) => "request data truncated",
        (_, 0xC7) => "request data length invalid",
        (_, 0xC8) => "request data field length limit exceeded",
        (_, 0xC9) => "parameter out of range",
        (_, 0xCA) => "cannot return number of requested data bytes",
        (_, 0xCB) => "requested sensor, data, or record not present",
        (_, 0xCC) => "invalid data field in request",
        (_, 0xCD) => "command illegal for specified sensor or record type",
        (_, 0xCE) => "command response could not be provided",
        (_, 0xCF) => "cannot execute duplicated request",
        (_, 0xD0) => "SDR repository in update mode",
        (_, 0xD1) => "device in firmware update mode",
        (_, 0xD2) => "BMC initialization or initialization agent in progress",
        (_, 0xD3) => "destination unavailable",
        (_, 0xD4) => "insufficient privilege level",
        (_, 0xD5) => "command not supported in present state",
        (_, 0xD6) => "command sub-function has been disabled or is unavailable",
        (_, 0xFF) => "unspecified error",
        (_, 0x01..=0x7E) => "device-specific (OEM) completion code",
        (_, 0x80..=0xBE) => "command-specific completion code",
        _ => "reserved completion code",
    }
}

/// The meaning of an RMCP+ status code (IPMI v2.0 table 13-15).
pub fn rmcp_plus_status_meaning(status: u8) -> &'static str {
    match status {
        0x00 => "no errors",
        0x01 => "insufficient resources to create a session",
        0x02 => "invalid session ID",
        0x03 => "invalid payload type",
        0x04 => "invalid authentication algorithm",
        0x05 => "invalid integrity algorithm",
        0x06 => "no matching authentication payload",
        0x07 => "no matching integrity payload",
        0x08 => "inactive session ID",
        0x09 => "invalid role",
        0x0A => "unauthorized role or privilege level requested",
        0x0B => "insufficient resources to create a session at the requested role",
        0x0C => "invalid name length",
        0x0D => "unauthorized name",
        0x0E => "unauthorized GUID",
        0x0F => "invalid integrity check value",
        0x10 => "invalid confidentiality algorithm",
        0x11 => "no cipher suite match with proposed security algorithms",
        0x12 => "illegal or unrecognized parameter",
        _ => "reserved status code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_completion_codes_become_busy() {
        for code in [0xC0, 0xC4, 0xD2] {
            assert!(matches!(
                IpmiError::from_completion(Command::ChassisControl, code),
                IpmiError::Busy { .. }
            ));
        }
        let e = IpmiError::from_completion(Command::GetChassisStatus, 0xFF);
        assert_eq!(
            e.to_string(),
            "Get Chassis Status failed: completion code 0xFF (unspecified error)"
        );
    }

    #[test]
    fn rakp_statuses_sort_into_credentials_busy_and_protocol() {
        assert!(matches!(
            IpmiError::from_rmcp_plus_status("RAKP 2", 0x0D, "admin"),
            IpmiError::Credentials {
                status: Some(0x0D),
                ..
            }
        ));
        assert!(matches!(
            IpmiError::from_rmcp_plus_status("RAKP 4", 0x0F, "admin"),
            IpmiError::Credentials { .. }
        ));
        assert!(matches!(
            IpmiError::from_rmcp_plus_status("Open Session", 0x01, "admin"),
            IpmiError::Busy { .. }
        ));
        assert!(matches!(
            IpmiError::from_rmcp_plus_status("Open Session", 0x11, "admin"),
            IpmiError::Protocol(_)
        ));
    }

    #[test]
    fn unreachable_names_the_address_and_the_time_waited() {
        let e = IpmiError::Unreachable {
            address: "10.0.0.5:623".into(),
            attempts: 3,
            waited: Duration::from_millis(3012),
            refused: false,
        };
        assert_eq!(
            e.to_string(),
            "BMC 10.0.0.5:623 unreachable: no answer after 3 attempt(s) in 3.0 s"
        );
    }

    #[test]
    fn command_specific_codes_have_their_own_meaning() {
        assert_eq!(
            completion_code_meaning(Command::SetSessionPrivilegeLevel, 0x81),
            "requested privilege level exceeds the user's or channel's limit"
        );
        assert_eq!(
            completion_code_meaning(Command::ChassisControl, 0x81),
            "command-specific completion code"
        );
    }
}
