//! The bytes on the wire: the RMCP header, IPMI v1.5 and v2.0 (RMCP+) session framing, IPMI LAN
//! messages, and the Open Session and RAKP payloads (IPMI v2.0 sections 13.6–13.28). Pure
//! functions over byte slices: no sockets, no keys.

pub const RMCP_HEADER: [u8; 4] = [0x06, 0x00, 0xFF, 0x07];
/// The BMC's slave address (responder) and ours as a remote console software ID (requester).
pub const BMC_ADDRESS: u8 = 0x20;
pub const CONSOLE_SOFTWARE_ID: u8 = 0x81;

pub const NETFN_CHASSIS: u8 = 0x00;
pub const NETFN_APP: u8 = 0x06;

/// Cipher suite 3: RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128.
pub const AUTH_RAKP_HMAC_SHA1: u8 = 0x01;
pub const INTEGRITY_HMAC_SHA1_96: u8 = 0x01;
pub const CONFIDENTIALITY_AES_CBC_128: u8 = 0x01;
/// HMAC-SHA1-96 keeps the first 12 bytes of the HMAC.
pub const AUTH_CODE_LEN: usize = 12;

/// The session header's format byte for IPMI v2.0/RMCP+.
const FORMAT_RMCP_PLUS: u8 = 0x06;
/// "Next header" after the integrity pad: always RMCP's IPMI class.
const NEXT_HEADER: u8 = 0x07;
/// Bytes of the v2.0 session header: format, payload type, session ID, sequence, length.
const V20_HEADER_LEN: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadType {
    Ipmi = 0x00,
    OpenSessionRequest = 0x10,
    OpenSessionResponse = 0x11,
    Rakp1 = 0x12,
    Rakp2 = 0x13,
    Rakp3 = 0x14,
    Rakp4 = 0x15,
}

/// The two's-complement checksum of IPMI messages: the bytes plus it sum to zero.
pub fn checksum(bytes: &[u8]) -> u8 {
    0u8.wrapping_sub(bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b)))
}

/// An IPMI LAN request message to the BMC, LUN 0.
pub fn ipmi_request(netfn: u8, command: u8, request_sequence: u8, data: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(7 + data.len());
    message.extend([BMC_ADDRESS, netfn << 2]);
    message.push(checksum(&message));
    message.extend([CONSOLE_SOFTWARE_ID, (request_sequence & 0x3F) << 2, command]);
    message.extend_from_slice(data);
    message.push(checksum(&message[3..]));
    message
}

/// An IPMI LAN response message.
#[derive(Debug, PartialEq, Eq)]
pub struct IpmiResponse {
    pub netfn: u8,
    pub command: u8,
    pub request_sequence: u8,
    pub completion_code: u8,
    pub data: Vec<u8>,
}

pub fn parse_ipmi_response(message: &[u8]) -> Result<IpmiResponse, String> {
    // requester address, netfn/LUN, checksum, responder address, sequence/LUN, command,
    // completion code, checksum.
    if message.len() < 8 {
        return Err(format!(
            "IPMI response of {} bytes is too short",
            message.len()
        ));
    }
    if checksum(&message[..3]) != 0 || checksum(&message[3..]) != 0 {
        return Err("IPMI response checksum mismatch".into());
    }
    Ok(IpmiResponse {
        netfn: message[1] >> 2,
        command: message[5],
        request_sequence: message[4] >> 2,
        completion_code: message[6],
        data: message[7..message.len() - 1].to_vec(),
    })
}

/// An IPMI v1.5 packet outside any session (authentication type none), the framing of Get
/// Channel Authentication Capabilities.
pub fn v15_packet(message: &[u8]) -> Vec<u8> {
    let mut packet = Vec::with_capacity(14 + message.len());
    packet.extend(RMCP_HEADER);
    packet.push(0x00); // authentication type: none
    packet.extend([0; 4]); // session sequence number
    packet.extend([0; 4]); // session ID
    packet.push(message.len() as u8);
    packet.extend_from_slice(message);
    packet
}

/// An IPMI v2.0 packet up to, but not including, the authentication code: the caller computes
/// the HMAC over `packet[4..]` (format byte through next header) and appends it when
/// `authenticated`.
pub fn v20_packet(
    payload_type: PayloadType,
    encrypted: bool,
    authenticated: bool,
    session_id: u32,
    sequence: u32,
    payload: &[u8],
) -> Vec<u8> {
    let mut packet = Vec::with_capacity(4 + V20_HEADER_LEN + payload.len() + 8 + AUTH_CODE_LEN);
    packet.extend(RMCP_HEADER);
    packet.push(FORMAT_RMCP_PLUS);
    packet.push(
        payload_type as u8
            | if encrypted { 0x80 } else { 0 }
            | if authenticated { 0x40 } else { 0 },
    );
    packet.extend(session_id.to_le_bytes());
    packet.extend(sequence.to_le_bytes());
    packet.extend((payload.len() as u16).to_le_bytes());
    packet.extend_from_slice(payload);
    if authenticated {
        // The range the HMAC covers (format byte through next header) must be a whole number
        // of 4-byte words.
        let pad = (4 - (V20_HEADER_LEN + payload.len() + 2) % 4) % 4;
        packet.extend(std::iter::repeat_n(0xFF, pad));
        packet.push(pad as u8);
        packet.push(NEXT_HEADER);
    }
    packet
}

/// A received packet, borrowed from the receive buffer.
#[derive(Debug)]
pub enum Packet<'a> {
    V15 {
        session_id: u32,
        message: &'a [u8],
    },
    V20 {
        payload_type: u8,
        encrypted: bool,
        session_id: u32,
        payload: &'a [u8],
        /// For authenticated packets: the bytes the HMAC covers and the HMAC received.
        integrity: Option<(&'a [u8], &'a [u8])>,
    },
}

pub fn parse_packet(bytes: &[u8]) -> Result<Packet<'_>, String> {
    if bytes.len() < 5 || bytes[0] != 0x06 || bytes[3] & 0x1F != 0x07 {
        return Err("not an RMCP packet of class IPMI".into());
    }
    let session = &bytes[4..];
    if session[0] == FORMAT_RMCP_PLUS {
        return parse_v20(session);
    }
    // IPMI v1.5: authentication type, sequence, session ID, [16-byte auth code], length.
    let auth_code_len = if session[0] == 0 { 0 } else { 16 };
    let header_len = 1 + 4 + 4 + auth_code_len + 1;
    if session.len() < header_len {
        return Err("IPMI v1.5 session header is truncated".into());
    }
    let session_id = u32::from_le_bytes([session[5], session[6], session[7], session[8]]);
    let length = session[header_len - 1] as usize;
    let message = session
        .get(header_len..header_len + length)
        .ok_or("IPMI v1.5 message is shorter than its length field")?;
    Ok(Packet::V15 {
        session_id,
        message,
    })
}

fn parse_v20(session: &[u8]) -> Result<Packet<'_>, String> {
    if session.len() < V20_HEADER_LEN {
        return Err("RMCP+ session header is truncated".into());
    }
    let kind = session[1];
    let session_id = u32::from_le_bytes([session[2], session[3], session[4], session[5]]);
    let length = u16::from_le_bytes([session[10], session[11]]) as usize;
    let payload_end = V20_HEADER_LEN + length;
    let payload = session
        .get(V20_HEADER_LEN..payload_end)
        .ok_or("RMCP+ payload is shorter than its length field")?;
    let integrity = if kind & 0x40 != 0 {
        if session.len() < payload_end + 2 + AUTH_CODE_LEN {
            return Err("RMCP+ integrity trailer is truncated".into());
        }
        let covered_end = session.len() - AUTH_CODE_LEN;
        let pad_len = session[covered_end - 2] as usize;
        if session[covered_end - 1] != NEXT_HEADER || payload_end + pad_len + 2 != covered_end {
            return Err("RMCP+ integrity trailer is malformed".into());
        }
        Some((&session[..covered_end], &session[covered_end..]))
    } else {
        None
    };
    Ok(Packet::V20 {
        payload_type: kind & 0x3F,
        encrypted: kind & 0x80 != 0,
        session_id,
        payload,
        integrity,
    })
}

/// The Open Session Request payload proposing cipher suite 3.
pub fn open_session_request(tag: u8, max_privilege: u8, console_session_id: u32) -> Vec<u8> {
    let mut payload = vec![tag, max_privilege, 0, 0];
    payload.extend(console_session_id.to_le_bytes());
    for (kind, algorithm) in [
        (0x00, AUTH_RAKP_HMAC_SHA1),
        (0x01, INTEGRITY_HMAC_SHA1_96),
        (0x02, CONFIDENTIALITY_AES_CBC_128),
    ] {
        payload.extend([kind, 0, 0, 0x08, algorithm, 0, 0, 0]);
    }
    payload
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct OpenSessionResponse {
    pub tag: u8,
    pub status: u8,
    pub console_session_id: u32,
    pub bmc_session_id: u32,
    pub authentication: u8,
    pub integrity: u8,
    pub confidentiality: u8,
}

/// A failure answer may stop after the console session ID; a success has all 36 bytes.
pub fn parse_open_session_response(payload: &[u8]) -> Result<OpenSessionResponse, String> {
    let short = || {
        format!(
            "Open Session Response of {} bytes is too short",
            payload.len()
        )
    };
    if payload.len() < 2 {
        return Err(short());
    }
    let mut response = OpenSessionResponse {
        tag: payload[0],
        status: payload[1],
        ..OpenSessionResponse::default()
    };
    if let Some(id) = payload.get(4..8) {
        response.console_session_id = le32(id);
    }
    if response.status != 0 {
        return Ok(response);
    }
    if payload.len() < 36 {
        return Err(short());
    }
    response.bmc_session_id = le32(&payload[8..12]);
    response.authentication = payload[16] & 0x3F;
    response.integrity = payload[24] & 0x3F;
    response.confidentiality = payload[32] & 0x3F;
    Ok(response)
}

/// RAKP Message 1: our random number, the requested role byte and the user name.
pub fn rakp1(
    tag: u8,
    bmc_session_id: u32,
    console_random: &[u8; 16],
    role: u8,
    username: &[u8],
) -> Vec<u8> {
    let mut payload = vec![tag, 0, 0, 0];
    payload.extend(bmc_session_id.to_le_bytes());
    payload.extend(console_random);
    payload.extend([role, 0, 0, username.len() as u8]);
    payload.extend_from_slice(username);
    payload
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rakp2 {
    pub tag: u8,
    pub status: u8,
    pub console_session_id: u32,
    pub bmc_random: [u8; 16],
    pub bmc_guid: [u8; 16],
    pub auth_code: Vec<u8>,
}

pub fn parse_rakp2(payload: &[u8]) -> Result<Rakp2, String> {
    if payload.len() < 2 {
        return Err("RAKP Message 2 is too short".into());
    }
    let mut rakp2 = Rakp2 {
        tag: payload[0],
        status: payload[1],
        ..Rakp2::default()
    };
    if let Some(id) = payload.get(4..8) {
        rakp2.console_session_id = le32(id);
    }
    if rakp2.status != 0 {
        return Ok(rakp2);
    }
    if payload.len() < 40 {
        return Err(format!(
            "RAKP Message 2 of {} bytes is too short",
            payload.len()
        ));
    }
    rakp2.bmc_random.copy_from_slice(&payload[8..24]);
    rakp2.bmc_guid.copy_from_slice(&payload[24..40]);
    rakp2.auth_code = payload[40..].to_vec();
    Ok(rakp2)
}

/// RAKP Message 3: our key exchange authentication code, or a failure status telling the BMC
/// to drop the half-open session.
pub fn rakp3(tag: u8, status: u8, bmc_session_id: u32, auth_code: &[u8]) -> Vec<u8> {
    let mut payload = vec![tag, status, 0, 0];
    payload.extend(bmc_session_id.to_le_bytes());
    payload.extend_from_slice(auth_code);
    payload
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rakp4 {
    pub tag: u8,
    pub status: u8,
    pub console_session_id: u32,
    pub integrity_check: Vec<u8>,
}

pub fn parse_rakp4(payload: &[u8]) -> Result<Rakp4, String> {
    if payload.len() < 2 {
        return Err("RAKP Message 4 is too short".into());
    }
    let mut rakp4 = Rakp4 {
        tag: payload[0],
        status: payload[1],
        ..Rakp4::default()
    };
    if let Some(id) = payload.get(4..8) {
        rakp4.console_session_id = le32(id);
    }
    if rakp4.status == 0 {
        if payload.len() < 8 + AUTH_CODE_LEN {
            return Err(format!(
                "RAKP Message 4 of {} bytes is too short",
                payload.len()
            ));
        }
        rakp4.integrity_check = payload[8..].to_vec();
    }
    Ok(rakp4)
}

fn le32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_both_checksums() {
        // Get Channel Authentication Capabilities, as every IPMI client sends it.
        let message = ipmi_request(NETFN_APP, 0x38, 0, &[0x8E, 0x04]);
        assert_eq!(
            message,
            [0x20, 0x18, 0xC8, 0x81, 0x00, 0x38, 0x8E, 0x04, 0xB5]
        );
        assert_eq!(checksum(&message[..3]), 0);
        assert_eq!(checksum(&message[3..]), 0);
    }

    #[test]
    fn responses_are_checked_and_split() {
        let mut response = vec![CONSOLE_SOFTWARE_ID, (NETFN_CHASSIS + 1) << 2];
        response.push(checksum(&response));
        response.extend([BMC_ADDRESS, 5 << 2, 0x01, 0x00, 0x21, 0x10, 0x40]);
        response.push(checksum(&response[3..]));
        let parsed = parse_ipmi_response(&response).unwrap();
        assert_eq!(
            parsed,
            IpmiResponse {
                netfn: NETFN_CHASSIS + 1,
                command: 0x01,
                request_sequence: 5,
                completion_code: 0,
                data: vec![0x21, 0x10, 0x40],
            }
        );
        let last = response.len() - 1;
        response[last] ^= 1;
        assert!(parse_ipmi_response(&response).is_err());
        assert!(parse_ipmi_response(&response[..5]).is_err());
    }

    #[test]
    fn authenticated_packets_pad_the_covered_range_to_words() {
        for payload_len in 0..9 {
            let payload = vec![0xAB; payload_len];
            let mut packet = v20_packet(PayloadType::Ipmi, true, true, 0x01020304, 9, &payload);
            assert_eq!((packet.len() - 4) % 4, 0, "payload of {payload_len}");
            packet.extend([0x55; AUTH_CODE_LEN]);
            match parse_packet(&packet).unwrap() {
                Packet::V20 {
                    payload_type,
                    encrypted,
                    session_id,
                    payload: parsed,
                    integrity: Some((covered, code)),
                } => {
                    assert_eq!(payload_type, 0);
                    assert!(encrypted);
                    assert_eq!(session_id, 0x01020304);
                    assert_eq!(parsed, &payload[..]);
                    assert_eq!(covered, &packet[4..packet.len() - AUTH_CODE_LEN]);
                    assert_eq!(code, [0x55; AUTH_CODE_LEN]);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn truncated_or_foreign_packets_are_errors_not_panics() {
        let packet = v20_packet(PayloadType::Rakp2, false, false, 0, 0, &[1, 2, 3, 4]);
        for end in 0..packet.len() {
            let _ = parse_packet(&packet[..end]);
        }
        assert!(parse_packet(&packet[..packet.len() - 1]).is_err());
        assert!(parse_packet(b"GET / HTTP/1.1").is_err());
        let mut authenticated = v20_packet(PayloadType::Ipmi, false, true, 7, 1, &[1, 2, 3]);
        authenticated.extend([0; AUTH_CODE_LEN]);
        for end in 0..authenticated.len() {
            let _ = parse_packet(&authenticated[..end]);
        }
        for garbage in [
            vec![0x06, 0, 0xFF, 0x07, 0x06],
            vec![0x06, 0, 0xFF, 0x07, 0x02],
        ] {
            assert!(parse_packet(&garbage).is_err());
        }
    }

    #[test]
    fn v15_packets_round_trip() {
        let message = ipmi_request(NETFN_APP, 0x38, 0, &[0x8E, 0x04]);
        let packet = v15_packet(&message);
        match parse_packet(&packet).unwrap() {
            Packet::V15 {
                session_id,
                message: parsed,
            } => {
                assert_eq!(session_id, 0);
                assert_eq!(parsed, &message[..]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn open_session_answers_parse_success_and_short_failures() {
        let request = open_session_request(7, 4, 0xA0B0C0D0);
        assert_eq!(request.len(), 32);
        let mut answer = vec![7, 0, 4, 0];
        answer.extend(0xA0B0C0D0u32.to_le_bytes());
        answer.extend(0x11223344u32.to_le_bytes());
        answer.extend_from_slice(&request[8..]);
        let parsed = parse_open_session_response(&answer).unwrap();
        assert_eq!(parsed.bmc_session_id, 0x11223344);
        assert_eq!(parsed.console_session_id, 0xA0B0C0D0);
        assert_eq!(
            (
                parsed.authentication,
                parsed.integrity,
                parsed.confidentiality
            ),
            (1, 1, 1)
        );
        let failure = parse_open_session_response(&[7, 0x01, 0, 0]).unwrap();
        assert_eq!(failure.status, 1);
        assert!(parse_open_session_response(&answer[..20]).is_err());
    }
}
