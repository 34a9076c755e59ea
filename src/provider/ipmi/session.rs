//! One RMCP+ session with one BMC over a connected UDP socket: the exchange loop (retries with
//! a timeout per attempt), the handshake (Get Channel Authentication Capabilities, Open
//! Session, RAKP 1–4, Set Session Privilege Level), authenticated and encrypted requests, and
//! Close Session.

use super::crypto::{self, hmac_sha1, hmac_sha1_matches, SessionKeys};
use super::error::{Command, IpmiError};
use super::wire::{self, Packet, PayloadType};
use super::{IpmiOptions, IpmiTarget};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::Instant;

/// The RAKP 1 role bit that asks the BMC to look the user up by name only.
const NAME_ONLY_LOOKUP: u8 = 0x10;
/// IPMI v2.0 user names are at most 16 bytes.
const USERNAME_MAX_LEN: usize = 16;
/// After an ICMP "port unreachable" the next attempt waits this long (at most until the
/// attempt's deadline): a BMC restarting its IPMI service comes back within seconds.
const PAUSE_AFTER_REFUSAL: Duration = Duration::from_millis(200);
/// RAKP 3 status telling the BMC we reject its RAKP 2 (invalid integrity check value).
const STATUS_INVALID_INTEGRITY_CHECK: u8 = 0x0F;

/// What a received datagram means to the exchange waiting for an answer.
enum Verdict<T> {
    /// The answer we waited for.
    Accept(T),
    /// A definite answer that ends the exchange with an error (a failure status or code).
    Fail(IpmiError),
    /// An answer that looked like ours but could not be used (bad HMAC, garbage); keep
    /// waiting, and report it if nothing better arrives.
    Doubt(String),
    /// Not for this exchange (a late answer to an earlier attempt); keep waiting.
    Ignore,
}

/// The socket and the retry policy.
struct Link {
    socket: UdpSocket,
    address: String,
    attempts: u32,
    attempt_timeout: Duration,
}

impl Link {
    async fn connect(target: &IpmiTarget, opts: &IpmiOptions) -> Result<Link, IpmiError> {
        let address = target.address();
        let remote: SocketAddr = tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|e| {
                IpmiError::InvalidTarget(format!("cannot resolve host {:?}: {e}", target.host))
            })?
            .next()
            .ok_or_else(|| {
                IpmiError::InvalidTarget(format!("host {:?} has no address", target.host))
            })?;
        let local: SocketAddr = if remote.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            ([0u16; 8], 0).into()
        };
        let io_error = |source| IpmiError::Io {
            address: address.clone(),
            source,
        };
        let socket = UdpSocket::bind(local).await.map_err(io_error)?;
        socket.connect(remote).await.map_err(io_error)?;
        Ok(Link {
            socket,
            address,
            attempts: opts.attempts.max(1),
            attempt_timeout: opts.attempt_timeout,
        })
    }

    /// Sends `build()` and waits for an answer `check` accepts, up to `attempts` times (a new
    /// packet each time, so that session sequence numbers advance).
    async fn exchange<T>(
        &self,
        attempts: u32,
        mut build: impl FnMut() -> Vec<u8>,
        mut check: impl FnMut(&[u8]) -> Verdict<T>,
    ) -> Result<T, IpmiError> {
        let started = Instant::now();
        let mut refused = false;
        let mut doubt: Option<String> = None;
        let mut buffer = [0u8; 1024];
        for attempt in 1..=attempts {
            let deadline = Instant::now() + self.attempt_timeout;
            let packet = build();
            if let Err(e) = self.socket.send(&packet).await {
                if e.kind() != ErrorKind::ConnectionRefused {
                    return Err(self.io_error(e));
                }
                refused = true;
                tokio::time::sleep_until(deadline.min(Instant::now() + PAUSE_AFTER_REFUSAL)).await;
                continue;
            }
            loop {
                match tokio::time::timeout_at(deadline, self.socket.recv(&mut buffer)).await {
                    Err(_elapsed) => {
                        tracing::debug!(bmc = %self.address, attempt, "no answer in time");
                        break;
                    }
                    Ok(Err(e)) if e.kind() == ErrorKind::ConnectionRefused => {
                        refused = true;
                        tokio::time::sleep_until(
                            deadline.min(Instant::now() + PAUSE_AFTER_REFUSAL),
                        )
                        .await;
                        break;
                    }
                    Ok(Err(e)) => return Err(self.io_error(e)),
                    Ok(Ok(length)) => match check(&buffer[..length]) {
                        Verdict::Accept(answer) => return Ok(answer),
                        Verdict::Fail(error) => return Err(error),
                        Verdict::Doubt(why) => {
                            tracing::debug!(bmc = %self.address, attempt, reason = %why, "unusable answer");
                            doubt = Some(why);
                        }
                        Verdict::Ignore => {}
                    },
                }
            }
        }
        if let Some(why) = doubt {
            return Err(IpmiError::Protocol(why));
        }
        Err(IpmiError::Unreachable {
            address: self.address.clone(),
            attempts,
            waited: started.elapsed(),
            refused,
        })
    }

    fn io_error(&self, source: std::io::Error) -> IpmiError {
        IpmiError::Io {
            address: self.address.clone(),
            source,
        }
    }
}

/// An established, authenticated session at the requested privilege level.
pub(crate) struct Session {
    link: Link,
    console_session_id: u32,
    bmc_session_id: u32,
    /// The session sequence number of our next packet (starts at 1, never 0).
    outbound_sequence: u32,
    /// The 6-bit IPMI request sequence number of our next request.
    request_sequence: u8,
    keys: SessionKeys,
}

impl Session {
    /// Opens a session and raises it to the target's privilege level.
    pub(crate) async fn open(
        target: &IpmiTarget,
        opts: &IpmiOptions,
    ) -> Result<Session, IpmiError> {
        let username = target.username.as_bytes();
        if username.len() > USERNAME_MAX_LEN {
            return Err(IpmiError::InvalidTarget(format!(
                "user name {:?} is longer than IPMI's {USERNAME_MAX_LEN} bytes",
                target.username
            )));
        }
        let user_key = crypto::user_key(target.password.expose()).ok_or_else(|| {
            IpmiError::InvalidTarget(format!(
                "the password is longer than IPMI v2.0's {} bytes",
                crypto::PASSWORD_MAX_LEN
            ))
        })?;
        let link = Link::connect(target, opts).await?;
        let privilege = target.privilege.code();
        check_channel_supports_rmcp_plus(&link, privilege).await?;

        let console_session_id = loop {
            let id: u32 = rand::random();
            if id != 0 {
                break id;
            }
        };
        let tag: u8 = rand::random();
        let open =
            open_session(&link, tag, privilege, console_session_id, &target.username).await?;
        let bmc_session_id = open.bmc_session_id;

        // RAKP 1 and 2: the BMC proves it knows the password.
        let console_random: [u8; 16] = rand::random();
        let role = privilege | NAME_ONLY_LOOKUP;
        let username_length = [username.len() as u8];
        let rakp2 = link
            .exchange(
                link.attempts,
                || {
                    let payload = wire::rakp1(tag, bmc_session_id, &console_random, role, username);
                    wire::v20_packet(PayloadType::Rakp1, false, false, 0, 0, &payload)
                },
                |bytes| {
                    let payload = match unauthenticated_payload(bytes, PayloadType::Rakp2) {
                        Some(p) => p,
                        None => return Verdict::Ignore,
                    };
                    match wire::parse_rakp2(payload) {
                        Err(why) => Verdict::Doubt(why),
                        Ok(r) if r.tag != tag => Verdict::Ignore,
                        Ok(r) if r.status != 0 => Verdict::Fail(IpmiError::from_rmcp_plus_status(
                            "RAKP 2",
                            r.status,
                            &target.username,
                        )),
                        Ok(r) if r.console_session_id != console_session_id => Verdict::Ignore,
                        Ok(r) => Verdict::Accept(r),
                    }
                },
            )
            .await?;
        let console_id_bytes = console_session_id.to_le_bytes();
        let bmc_id_bytes = bmc_session_id.to_le_bytes();
        if !hmac_sha1_matches(
            &user_key[..],
            &[
                &console_id_bytes,
                &bmc_id_bytes,
                &console_random,
                &rakp2.bmc_random,
                &rakp2.bmc_guid,
                &[role],
                &username_length,
                username,
            ],
            &rakp2.auth_code,
        ) {
            // Tell the BMC to drop the half-open session rather than let it time out; no
            // answer is expected.
            let payload = wire::rakp3(tag, STATUS_INVALID_INTEGRITY_CHECK, bmc_session_id, &[]);
            let _ = link
                .socket
                .send(&wire::v20_packet(
                    PayloadType::Rakp3,
                    false,
                    false,
                    0,
                    0,
                    &payload,
                ))
                .await;
            return Err(IpmiError::Credentials {
                reason: format!(
                    "the BMC's RAKP 2 key exchange code does not match the password given for user {:?}: wrong password",
                    target.username
                ),
                status: None,
            });
        }

        // The session integrity key; Kg (the BMC key) is unset, so Kuid stands in for it.
        let sik = zeroize::Zeroizing::new(hmac_sha1(
            &user_key[..],
            &[
                &console_random,
                &rakp2.bmc_random,
                &[role],
                &username_length,
                username,
            ],
        ));
        let keys = SessionKeys::derive(&sik);

        // RAKP 3 and 4: we prove we know the password; the BMC confirms the session key.
        let rakp3_code = hmac_sha1(
            &user_key[..],
            &[
                &rakp2.bmc_random,
                &console_id_bytes,
                &[role],
                &username_length,
                username,
            ],
        );
        let rakp4 = link
            .exchange(
                link.attempts,
                || {
                    let payload = wire::rakp3(tag, 0, bmc_session_id, &rakp3_code);
                    wire::v20_packet(PayloadType::Rakp3, false, false, 0, 0, &payload)
                },
                |bytes| {
                    let payload = match unauthenticated_payload(bytes, PayloadType::Rakp4) {
                        Some(p) => p,
                        None => return Verdict::Ignore,
                    };
                    match wire::parse_rakp4(payload) {
                        Err(why) => Verdict::Doubt(why),
                        Ok(r) if r.tag != tag => Verdict::Ignore,
                        Ok(r) if r.status != 0 => Verdict::Fail(IpmiError::from_rmcp_plus_status(
                            "RAKP 4",
                            r.status,
                            &target.username,
                        )),
                        Ok(r) if r.console_session_id != console_session_id => Verdict::Ignore,
                        Ok(r) => Verdict::Accept(r),
                    }
                },
            )
            .await?;
        if rakp4.integrity_check.len() != wire::AUTH_CODE_LEN
            || !hmac_sha1_matches(
                &sik[..],
                &[&console_random, &bmc_id_bytes, &rakp2.bmc_guid],
                &rakp4.integrity_check,
            )
        {
            return Err(IpmiError::Protocol(
                "the BMC's RAKP 4 integrity check value does not match the session key".into(),
            ));
        }

        let mut session = Session {
            link,
            console_session_id,
            bmc_session_id,
            outbound_sequence: 1,
            request_sequence: 1,
            keys,
        };
        tracing::debug!(bmc = %session.link.address, bmc_session_id, "RMCP+ session established");
        // Sessions start at USER privilege; chassis control needs OPERATOR or more.
        match session
            .request(
                Command::SetSessionPrivilegeLevel,
                wire::NETFN_APP,
                0x3B,
                &[privilege],
            )
            .await
        {
            Ok(granted) if granted.first().map(|p| p & 0x0F) == Some(privilege) => Ok(session),
            Ok(granted) => {
                session.close().await;
                Err(IpmiError::Protocol(format!(
                    "Set Session Privilege Level to {} answered with level {:?}",
                    target.privilege,
                    granted.first()
                )))
            }
            Err(e) => {
                session.close().await;
                Err(e)
            }
        }
    }

    /// Sends one IPMI request inside the session and returns the response data after the
    /// completion code. A failure completion code is an error.
    pub(crate) async fn request(
        &mut self,
        command: Command,
        netfn: u8,
        command_code: u8,
        data: &[u8],
    ) -> Result<Vec<u8>, IpmiError> {
        let attempts = self.link.attempts;
        self.request_with_attempts(command, netfn, command_code, data, attempts)
            .await
    }

    async fn request_with_attempts(
        &mut self,
        command: Command,
        netfn: u8,
        command_code: u8,
        data: &[u8],
        attempts: u32,
    ) -> Result<Vec<u8>, IpmiError> {
        let request_sequence = self.request_sequence;
        self.request_sequence = (self.request_sequence + 1) & 0x3F;
        let message = wire::ipmi_request(netfn, command_code, request_sequence, data);
        let Session {
            link,
            console_session_id,
            bmc_session_id,
            outbound_sequence,
            keys,
            ..
        } = self;
        link.exchange(
            attempts,
            || {
                let sequence = *outbound_sequence;
                // Sequence numbers wrap past zero, which RMCP+ reserves for no session.
                *outbound_sequence = outbound_sequence.wrapping_add(1).max(1);
                let iv: [u8; 16] = rand::random();
                let payload = keys.encrypt(&iv, &message);
                let mut packet = wire::v20_packet(
                    PayloadType::Ipmi,
                    true,
                    true,
                    *bmc_session_id,
                    sequence,
                    &payload,
                );
                let code = keys.auth_code(&packet[4..]);
                packet.extend(code);
                packet
            },
            |bytes| {
                let (encrypted, payload, integrity) = match wire::parse_packet(bytes) {
                    Ok(Packet::V20 {
                        payload_type,
                        encrypted,
                        session_id,
                        payload,
                        integrity,
                    }) if payload_type == PayloadType::Ipmi as u8
                        && session_id == *console_session_id =>
                    {
                        (encrypted, payload, integrity)
                    }
                    Ok(_) => return Verdict::Ignore,
                    Err(why) => return Verdict::Doubt(why),
                };
                let Some((covered, code)) = integrity else {
                    return Verdict::Doubt(
                        "the BMC answered inside the session without an integrity code".into(),
                    );
                };
                if !keys.auth_code_matches(covered, code) {
                    return Verdict::Doubt(
                        "the BMC's answer failed the HMAC-SHA1-96 integrity check".into(),
                    );
                }
                if !encrypted {
                    return Verdict::Doubt(
                        "the BMC answered inside the session without encryption".into(),
                    );
                }
                let response = match keys
                    .decrypt(payload)
                    .and_then(|plain| wire::parse_ipmi_response(&plain))
                {
                    Ok(r) => r,
                    Err(why) => return Verdict::Doubt(why),
                };
                if response.netfn != netfn + 1
                    || response.command != command_code
                    || response.request_sequence != request_sequence
                {
                    return Verdict::Ignore;
                }
                if response.completion_code != 0 {
                    return Verdict::Fail(IpmiError::from_completion(
                        command,
                        response.completion_code,
                    ));
                }
                Verdict::Accept(response.data)
            },
        )
        .await
    }

    /// Closes the session with one attempt; a lost answer only means the BMC times the
    /// session out itself.
    pub(crate) async fn close(mut self) {
        let id = self.bmc_session_id.to_le_bytes();
        if let Err(e) = self
            .request_with_attempts(Command::CloseSession, wire::NETFN_APP, 0x3C, &id, 1)
            .await
        {
            tracing::debug!(bmc = %self.link.address, error = %e, "Close Session");
        }
    }

    pub(crate) fn address(&self) -> &str {
        &self.link.address
    }
}

/// Get Channel Authentication Capabilities (outside any session): the BMC must offer IPMI
/// v2.0 connections.
async fn check_channel_supports_rmcp_plus(link: &Link, privilege: u8) -> Result<(), IpmiError> {
    const COMMAND: u8 = 0x38;
    // Channel 0x0E is "this channel"; bit 7 asks for the IPMI v2.0 extended data.
    let message = wire::ipmi_request(wire::NETFN_APP, COMMAND, 0, &[0x8E, privilege]);
    let capabilities = link
        .exchange(
            link.attempts,
            || wire::v15_packet(&message),
            |bytes| {
                let message = match wire::parse_packet(bytes) {
                    Ok(Packet::V15 {
                        session_id: 0,
                        message,
                    }) => message,
                    Ok(Packet::V20 {
                        payload_type: 0,
                        encrypted: false,
                        payload,
                        ..
                    }) => payload,
                    Ok(_) => return Verdict::Ignore,
                    Err(why) => return Verdict::Doubt(why),
                };
                match wire::parse_ipmi_response(message) {
                    Err(why) => Verdict::Doubt(why),
                    Ok(r) if r.netfn != wire::NETFN_APP + 1 || r.command != COMMAND => {
                        Verdict::Ignore
                    }
                    Ok(r) if r.completion_code != 0 => Verdict::Fail(IpmiError::from_completion(
                        Command::GetChannelAuthenticationCapabilities,
                        r.completion_code,
                    )),
                    Ok(r) => Verdict::Accept(r.data),
                }
            },
        )
        .await?;
    if capabilities.len() < 4 {
        return Err(IpmiError::Protocol(format!(
            "Get Channel Authentication Capabilities answered {} bytes, expected 8",
            capabilities.len()
        )));
    }
    if capabilities[1] & 0x80 == 0 || capabilities[3] & 0x02 == 0 {
        return Err(IpmiError::Protocol(
            "the BMC does not offer IPMI v2.0 (RMCP+) sessions on this channel".into(),
        ));
    }
    Ok(())
}

/// Open Session Request and Response: the BMC must accept cipher suite 3.
async fn open_session(
    link: &Link,
    tag: u8,
    privilege: u8,
    console_session_id: u32,
    username: &str,
) -> Result<wire::OpenSessionResponse, IpmiError> {
    let open = link
        .exchange(
            link.attempts,
            || {
                let payload = wire::open_session_request(tag, privilege, console_session_id);
                wire::v20_packet(
                    PayloadType::OpenSessionRequest,
                    false,
                    false,
                    0,
                    0,
                    &payload,
                )
            },
            |bytes| {
                let payload = match unauthenticated_payload(bytes, PayloadType::OpenSessionResponse)
                {
                    Some(p) => p,
                    None => return Verdict::Ignore,
                };
                match wire::parse_open_session_response(payload) {
                    Err(why) => Verdict::Doubt(why),
                    Ok(r) if r.tag != tag => Verdict::Ignore,
                    Ok(r) if r.status != 0 => Verdict::Fail(IpmiError::from_rmcp_plus_status(
                        "Open Session",
                        r.status,
                        username,
                    )),
                    Ok(r) if r.console_session_id != console_session_id => Verdict::Ignore,
                    Ok(r) => Verdict::Accept(r),
                }
            },
        )
        .await?;
    if (open.authentication, open.integrity, open.confidentiality)
        != (
            wire::AUTH_RAKP_HMAC_SHA1,
            wire::INTEGRITY_HMAC_SHA1_96,
            wire::CONFIDENTIALITY_AES_CBC_128,
        )
    {
        return Err(IpmiError::Protocol(format!(
            "the BMC chose algorithms {}/{}/{} instead of cipher suite 3 (1/1/1)",
            open.authentication, open.integrity, open.confidentiality
        )));
    }
    if open.bmc_session_id == 0 {
        return Err(IpmiError::Protocol(
            "the BMC opened a session with the reserved ID 0".into(),
        ));
    }
    Ok(open)
}

/// The payload of an unauthenticated RMCP+ packet of the given type, or `None` for anything
/// else.
fn unauthenticated_payload(bytes: &[u8], want: PayloadType) -> Option<&[u8]> {
    match wire::parse_packet(bytes) {
        Ok(Packet::V20 {
            payload_type,
            payload,
            ..
        }) if payload_type == want as u8 => Some(payload),
        _ => None,
    }
}
