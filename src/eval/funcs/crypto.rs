//! Hashing and cryptographic functions: `md5`, `sha1`, `sha256`, `sha512`, `base64sha256`,
//! `base64sha512`, `uuid`, `uuidv5`, `bcrypt`, `rsadecrypt`; and the digests the `file*`
//! hash functions share.

use super::{FuncContext, FuncError, FuncResult, FuncTable, Function, Param};
use crate::value::{Type, Value};
use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{BigUint, Pkcs1v15Encrypt, RsaPrivateKey};

/// A digest and how its bytes are printed, as Terraform pairs them.
#[derive(Clone, Copy)]
pub(super) enum Digest {
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Base64Sha256,
    Base64Sha512,
}

impl Digest {
    pub(super) fn encode(self, data: &[u8]) -> String {
        use sha2::Digest as _;
        let raw = match self {
            Digest::Md5 => md5::Md5::digest(data).to_vec(),
            Digest::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Digest::Sha256 | Digest::Base64Sha256 => sha2::Sha256::digest(data).to_vec(),
            Digest::Sha512 | Digest::Base64Sha512 => sha2::Sha512::digest(data).to_vec(),
        };
        self.finish(&raw)
    }

    /// Prints a computed digest: hex, or base64 for the `base64*` variants.
    pub(super) fn finish(self, raw: &[u8]) -> String {
        match self {
            Digest::Base64Sha256 | Digest::Base64Sha512 => base64_std(raw),
            _ => hex(raw),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

pub(super) fn base64_std(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, CR and LF skipped, and non-zero
/// trailing bits tolerated.
pub(super) fn base64_decode_go(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    const GO_STD: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    );
    if s.contains(['\r', '\n']) {
        let cleaned: String = s.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        GO_STD.decode(cleaned)
    } else {
        GO_STD.decode(s)
    }
}

pub fn register(t: &mut FuncTable) {
    let hash = |name: &'static str, imp: super::FuncImpl| {
        Function::new(
            name,
            vec![Param::new("str", Type::String)],
            Type::String,
            imp,
        )
    };
    t.add(hash("md5", |_, a| hash_string(a, Digest::Md5)));
    t.add(hash("sha1", |_, a| hash_string(a, Digest::Sha1)));
    t.add(hash("sha256", |_, a| hash_string(a, Digest::Sha256)));
    t.add(hash("sha512", |_, a| hash_string(a, Digest::Sha512)));
    t.add(hash("base64sha256", |_, a| {
        hash_string(a, Digest::Base64Sha256)
    }));
    t.add(hash("base64sha512", |_, a| {
        hash_string(a, Digest::Base64Sha512)
    }));
    t.add(
        Function::new("uuid", vec![], Type::String, |_, _| {
            Ok(Value::string(uuid::Uuid::new_v4().to_string()))
        })
        .impure(),
    );
    t.add(Function::new(
        "uuidv5",
        vec![
            Param::new("namespace", Type::String),
            Param::new("name", Type::String),
        ],
        Type::String,
        uuidv5,
    ));
    t.add(
        Function::new(
            "bcrypt",
            vec![Param::new("str", Type::String)],
            Type::String,
            bcrypt,
        )
        .variadic(Param::new("cost", Type::Number))
        .impure(),
    );
    t.add(Function::new(
        "rsadecrypt",
        vec![
            Param::new("ciphertext", Type::String),
            Param::new("privatekey", Type::String),
        ],
        Type::String,
        rsadecrypt,
    ));
}

fn str_arg(args: &[Value], index: usize) -> Result<&str, FuncError> {
    args.get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| FuncError::arg(index, "a string is required"))
}

fn hash_string(args: &[Value], digest: Digest) -> FuncResult {
    Ok(Value::string(digest.encode(str_arg(args, 0)?.as_bytes())))
}

fn uuidv5(_: &FuncContext, args: &[Value]) -> FuncResult {
    let namespace = str_arg(args, 0)?;
    let ns = match namespace {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => parse_uuid_like_go(other).map_err(|why| {
            FuncError::call(format!(
                "uuidv5() doesn't support namespace {other} ({why})"
            ))
        })?,
    };
    let name = str_arg(args, 1)?;
    Ok(Value::string(
        uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string(),
    ))
}

/// google/uuid's `Parse`, whose forms and error texts Terraform passes through: 36 characters
/// with dashes, 38 with any one-character wrapping, 45 with a `urn:uuid:` prefix, or 32 hex
/// digits.
fn parse_uuid_like_go(s: &str) -> Result<uuid::Uuid, String> {
    let bytes = s.as_bytes();
    let body = match bytes.len() {
        36 => bytes,
        38 => &bytes[1..37],
        45 => {
            let prefix = &bytes[..9];
            if !prefix.eq_ignore_ascii_case(b"urn:uuid:") {
                return Err(format!(
                    "invalid urn prefix: {:?}",
                    String::from_utf8_lossy(prefix)
                ));
            }
            &bytes[9..]
        }
        32 => {
            let mut out = [0u8; 16];
            for (i, slot) in out.iter_mut().enumerate() {
                *slot = hex_pair(&bytes[i * 2..i * 2 + 2]).ok_or("invalid UUID format")?;
            }
            return Ok(uuid::Uuid::from_bytes(out));
        }
        n => return Err(format!("invalid UUID length: {n}")),
    };
    if [8, 13, 18, 23].iter().any(|&i| body[i] != b'-') {
        return Err("invalid UUID format".into());
    }
    let mut out = [0u8; 16];
    let starts = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    for (slot, start) in out.iter_mut().zip(starts) {
        *slot = hex_pair(&body[start..start + 2]).ok_or("invalid UUID format")?;
    }
    Ok(uuid::Uuid::from_bytes(out))
}

fn hex_pair(pair: &[u8]) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    Some((digit(*pair.first()?)? * 16 + digit(*pair.get(1)?)?) as u8)
}

fn bcrypt(_: &FuncContext, args: &[Value]) -> FuncResult {
    let input = str_arg(args, 0)?;
    let mut cost: i64 = 10;
    if let Some(given) = args.get(1) {
        cost = given
            .as_number()
            .and_then(|n| n.to_i64())
            .ok_or_else(|| {
                FuncError::call(
                    "value must be a whole number, between -9223372036854775808 and 9223372036854775807",
                )
            })?;
    }
    if args.len() > 2 {
        return Err(FuncError::call("bcrypt() takes no more than two arguments"));
    }
    // Go's bcrypt quietly uses its default cost for anything below the minimum.
    if cost < 4 {
        cost = 10;
    }
    if cost > 31 {
        return Err(FuncError::call(format!(
            "error occured generating password crypto/bcrypt: cost {cost} is outside allowed range (4,31)"
        )));
    }
    let parts = bcrypt::hash_with_result(input, cost as u32)
        .map_err(|e| FuncError::call(format!("error occured generating password {e}")))?;
    Ok(Value::string(
        parts.format_for_version(bcrypt::Version::TwoA),
    ))
}

fn rsadecrypt(_: &FuncContext, args: &[Value]) -> FuncResult {
    let ciphertext = str_arg(args, 0)?;
    let key_text = str_arg(args, 1)?;
    let encrypted = base64_decode_go(ciphertext).map_err(|_| {
        FuncError::arg(
            0,
            format!("failed to decode input {ciphertext:?}: cipher text must be base64-encoded"),
        )
    })?;
    let key = parse_private_key(key_text).map_err(|e| FuncError::arg(1, e))?;
    let plain = key
        .decrypt(Pkcs1v15Encrypt, &encrypted)
        .map_err(|_| FuncError::call("failed to decrypt: crypto/rsa: decryption error"))?;
    Ok(Value::string(String::from_utf8_lossy(&plain).into_owned()))
}

/// Reads a PEM private key the way Go's `ssh.ParseRawPrivateKey` does (PKCS#1, PKCS#8 and
/// OpenSSH formats), with Terraform's wording of the errors.
fn parse_private_key(text: &str) -> Result<RsaPrivateKey, String> {
    let (label, headers_encrypted, der) =
        pem_decode(text).ok_or_else(|| "invalid private key: ssh: no key found".to_string())?;
    if headers_encrypted {
        return Err("invalid private key: ssh: this private key is passphrase protected".into());
    }
    let not_rsa = |kind: &str| format!("invalid private key type {kind}");
    let key = match label.as_str() {
        "RSA PRIVATE KEY" => {
            use rsa::pkcs1::der::Decode;
            // Checking the ASN.1 structure first gives Go's asn1 error rather than one wrapped
            // by the PKCS#8 conversion.
            rsa::pkcs1::RsaPrivateKey::from_der(&der).map_err(|e| asn1_error(&e))?;
            RsaPrivateKey::from_pkcs1_der(&der)
                .map_err(|e| format!("invalid private key: x509: {e}"))?
        }
        "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_der(&der)
            .map_err(|e| format!("invalid private key: x509: failed to parse private key: {e}"))?,
        "EC PRIVATE KEY" => return Err(not_rsa("*ecdsa.PrivateKey")),
        "DSA PRIVATE KEY" => return Err(not_rsa("*dsa.PrivateKey")),
        "OPENSSH PRIVATE KEY" => parse_openssh_key(&der).map_err(|e| match e {
            OpenSshError::Encrypted => {
                "invalid private key: ssh: this private key is passphrase protected".to_string()
            }
            OpenSshError::NotRsa(kind) => not_rsa(&kind),
            OpenSshError::Malformed(m) => format!("invalid private key: ssh: {m}"),
        })?,
        other => {
            return Err(format!(
                "invalid private key: ssh: unsupported key type {other:?}"
            ))
        }
    };
    key.validate()
        .map_err(|e| format!("invalid private key: crypto/rsa: {e}"))?;
    Ok(key)
}

fn asn1_error(e: &rsa::pkcs1::der::Error) -> String {
    use rsa::pkcs1::der::ErrorKind;
    // The DER reader trips over a corrupted length at a different byte than Go's (often as a
    // bad tag), so the framing errors all read as Go's most common one.
    match e.kind() {
        ErrorKind::Incomplete { .. }
        | ErrorKind::Length { .. }
        | ErrorKind::TagNumberInvalid
        | ErrorKind::TrailingData { .. } => {
            "invalid ASN1 data in the given private key: data truncated".into()
        }
        _ => format!("invalid ASN1 data in the given private key: {e}"),
    }
}

/// The first PEM block in `text`: its label, whether its headers mark it encrypted, and its
/// decoded body. Like Go's `pem.Decode`, text around the block is ignored.
fn pem_decode(text: &str) -> Option<(String, bool, Vec<u8>)> {
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after.find("-----")?;
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        if label.contains('\n') || !body_start.starts_with(['\n', '\r']) {
            rest = body_start;
            continue;
        }
        let Some(end) = body_start.find(&end_marker) else {
            rest = body_start;
            continue;
        };
        let body = &body_start[..end];
        let mut encrypted = false;
        let mut b64 = String::new();
        for line in body.lines() {
            if let Some((key, value)) = line.split_once(':') {
                if key.trim() == "Proc-Type" && value.contains("ENCRYPTED") {
                    encrypted = true;
                }
                continue;
            }
            b64.extend(line.chars().filter(|c| !c.is_whitespace()));
        }
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&b64) {
            return Some((label.to_string(), encrypted, der));
        }
        rest = &body_start[end..];
    }
    None
}

enum OpenSshError {
    Encrypted,
    NotRsa(String),
    Malformed(&'static str),
}

/// Reads the `openssh-key-v1` container (unencrypted keys only, as Terraform without a
/// passphrase can).
fn parse_openssh_key(data: &[u8]) -> Result<RsaPrivateKey, OpenSshError> {
    const MAGIC: &[u8] = b"openssh-key-v1\0";
    let invalid = OpenSshError::Malformed("invalid openssh private key format");
    let mut r = SshReader(data.strip_prefix(MAGIC).ok_or(invalid)?);
    let bad = || OpenSshError::Malformed("invalid openssh private key format");
    let cipher = r.string().ok_or_else(bad)?;
    let _kdf = r.string().ok_or_else(bad)?;
    let _kdf_options = r.string().ok_or_else(bad)?;
    if cipher != b"none" {
        return Err(OpenSshError::Encrypted);
    }
    let count = r.u32().ok_or_else(bad)?;
    if count != 1 {
        return Err(OpenSshError::Malformed("multi-key files are not supported"));
    }
    let _public = r.string().ok_or_else(bad)?;
    let mut private = SshReader(r.string().ok_or_else(bad)?);
    let check1 = private.u32().ok_or_else(bad)?;
    let check2 = private.u32().ok_or_else(bad)?;
    if check1 != check2 {
        return Err(OpenSshError::Malformed("private key checksum mismatch"));
    }
    let kind = private.string().ok_or_else(bad)?;
    if kind != b"ssh-rsa" {
        return Err(OpenSshError::NotRsa(
            String::from_utf8_lossy(kind).into_owned(),
        ));
    }
    let mut int = || private.string().map(BigUint::from_bytes_be).ok_or_else(bad);
    let n = int()?;
    let e = int()?;
    let d = int()?;
    let _iqmp = int()?;
    let p = int()?;
    let q = int()?;
    RsaPrivateKey::from_components(n, e, d, vec![p, q])
        .map_err(|_| OpenSshError::Malformed("invalid RSA key"))
}

/// SSH wire-format reader: big-endian u32 and length-prefixed strings.
struct SshReader<'a>(&'a [u8]);

impl<'a> SshReader<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }
    fn string(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{builtins, call, call_builtin, FuncContext};
    use crate::value::Value;

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    fn ok(name: &str, args: &[Value]) -> String {
        let v = call_builtin(name, args).unwrap();
        v.as_str().unwrap().to_string()
    }

    fn err(name: &str, args: &[Value]) -> String {
        call_builtin(name, args).unwrap_err().detail
    }

    #[test]
    fn string_digests_match_terraform() {
        assert_eq!(ok("md5", &[s("tada")]), "ce47d07243bb6eaf5e1322c81baf9bbf");
        assert_eq!(
            ok("md5", &[s(" tada ")]),
            "aadf191a583e53062de2d02c008141c4"
        );
        assert_eq!(ok("md5", &[s("")]), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            ok("sha1", &[s("test")]),
            "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
        );
        assert_eq!(
            ok("sha256", &[s("test")]),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        assert_eq!(ok("sha512", &[s("test")]), "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff");
        assert_eq!(
            ok("base64sha256", &[s("test")]),
            "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
        );
        assert_eq!(ok("base64sha512", &[s("test")]), "7iaw3Ur350mqGo7jwQrpkj9hiYB3Lkc/iBml1JQODbJ6wYX4oOHV+E+IvIh/1nsUNzLDBMxfqa2Ob1f1ACio/w==");
    }

    #[test]
    fn digests_of_numbers_and_bools_hash_their_string_form() {
        assert_eq!(
            ok("md5", &[Value::int(1)]),
            "c4ca4238a0b923820dcc509a6f75849b"
        );
        assert_eq!(
            ok("sha1", &[Value::Bool(true)]),
            "5ffe533b830f08a0326348a9160afafc8ada44db"
        );
    }

    #[test]
    fn digest_of_sensitive_input_is_sensitive_and_null_is_refused() {
        let v = call_builtin("md5", &[s("a").mark_sensitive()]).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(
            err("md5", &[Value::NULL]),
            "Invalid value for \"str\" parameter: argument must not be null."
        );
    }

    #[test]
    fn uuidv5_accepts_named_and_literal_namespaces() {
        let cases = [
            ("dns", "faa898db-9b9d-5b75-86a9-149e7bb8e3b8"),
            ("url", "2c1ff6b4-211f-577e-94de-d978b0caa16e"),
            ("oid", "61eeea26-5176-5288-87fc-232d6ed30d2f"),
            ("x500", "7e12415e-f7c9-57c3-9e43-52dc9950d264"),
            (
                "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                "faa898db-9b9d-5b75-86a9-149e7bb8e3b8",
            ),
            (
                "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
                "faa898db-9b9d-5b75-86a9-149e7bb8e3b8",
            ),
            (
                "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                "faa898db-9b9d-5b75-86a9-149e7bb8e3b8",
            ),
            (
                "6BA7B8109DAD11D180B400C04FD430C8",
                "faa898db-9b9d-5b75-86a9-149e7bb8e3b8",
            ),
        ];
        for (ns, want) in cases {
            assert_eq!(ok("uuidv5", &[s(ns), s("tada")]), want, "{ns}");
        }
    }

    #[test]
    fn uuidv5_rejects_bad_namespaces_with_go_uuid_reasons() {
        let cases = [
            ("tada", "invalid UUID length: 4"),
            ("DNS", "invalid UUID length: 3"),
            (
                "6ba7b810x9dad-11d1-80b4-00c04fd430c8",
                "invalid UUID format",
            ),
            (
                "6ba7b810-9dad-11d1-80b4-00c04fd430cg",
                "invalid UUID format",
            ),
            (
                "urn:uuix:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                "invalid urn prefix: \"urn:uuix:\"",
            ),
            ("é6ba7b810-9dad-11d1-80b4-00c04fd430", "invalid UUID format"),
        ];
        for (ns, why) in cases {
            assert_eq!(
                err("uuidv5", &[s(ns), s("tada")]),
                format!(
                    "Call to function \"uuidv5\" failed: uuidv5() doesn't support namespace {ns} ({why})."
                )
            );
        }
    }

    #[test]
    fn uuid_is_unknown_until_apply_and_random_after() {
        let f = builtins().get("uuid").unwrap();
        let planned = call(f, &FuncContext::default(), &[]).unwrap();
        assert!(!planned.is_known());
        let ctx = FuncContext {
            impure_known: true,
            ..FuncContext::default()
        };
        let a = call(f, &ctx, &[]).unwrap();
        let b = call(f, &ctx, &[]).unwrap();
        assert_eq!(a.as_str().unwrap().len(), 36);
        assert_ne!(a.as_str(), b.as_str());
    }

    fn applying() -> FuncContext {
        FuncContext {
            impure_known: true,
            ..FuncContext::default()
        }
    }

    fn bcrypt(args: &[Value]) -> Result<Value, super::super::CallError> {
        call(builtins().get("bcrypt").unwrap(), &applying(), args)
    }

    #[test]
    fn bcrypt_hashes_verify_and_use_go_cost_rules() {
        let h = bcrypt(&[s("secret")]).unwrap();
        let h = h.as_str().unwrap();
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert!(::bcrypt::verify("secret", h).unwrap());
        let low = bcrypt(&[s("x"), Value::int(3)]).unwrap();
        assert!(low.as_str().unwrap().starts_with("$2a$10$"));
        let four = bcrypt(&[s("x"), Value::int(4)]).unwrap();
        assert!(four.as_str().unwrap().starts_with("$2a$04$"));
        let long = "x".repeat(100);
        assert_eq!(
            bcrypt(&[s(&long), Value::int(4)])
                .unwrap()
                .as_str()
                .unwrap()
                .len(),
            60
        );
    }

    #[test]
    fn bcrypt_rejects_bad_costs() {
        let e = bcrypt(&[s("x"), Value::int(32)]).unwrap_err().detail;
        assert_eq!(e, "Call to function \"bcrypt\" failed: error occured generating password crypto/bcrypt: cost 32 is outside allowed range (4,31).");
        let half = Value::number(crate::value::Number::parse("1.5").unwrap());
        let e = bcrypt(&[s("x"), half]).unwrap_err().detail;
        assert!(e.contains("value must be a whole number"), "{e}");
        let e = bcrypt(&[s("x"), Value::int(4), Value::int(4)])
            .unwrap_err()
            .detail;
        assert!(e.contains("takes no more than two arguments"), "{e}");
        assert!(!call_builtin("bcrypt", &[s("x")]).unwrap().is_known());
    }

    const CIPHERTEXT: &str = "eczGaDhXDbOFRZGhjx2etVzWbRqWDlmq0bvNt284JHVbwCgObiuyX9uV0LSAMY707IEgMkExJqXmsB4OWKxvB7epRB9G/3+F+pcrQpODlDuL9oDUAsa65zEpYF0Wbn7Oh7nrMQncyUPpyr9WUlALl0gRWytOA23S+y5joa4M34KFpawFgoqTu/2EEH4Xl1zo+0fy73fEto+nfkUY+meuyGZ1nUx/+DljP7ZqxHBFSlLODmtuTMdswUbHbXbWneW51D7Jm7xB8nSdiA2JQNK5+Sg5x8aNfgvFTt/m2w2+qpsyFa5Wjeu6fZmXSl840CA07aXbk9vN4I81WmJyblD/ZA==";

    const PKCS1_KEY: &str = "
-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAgUElV5mwqkloIrM8ZNZ72gSCcnSJt7+/Usa5G+D15YQUAdf9
c1zEekTfHgDP+04nw/uFNFaE5v1RbHaPxhZYVg5ZErNCa/hzn+x10xzcepeS3KPV
Xcxae4MR0BEegvqZqJzN9loXsNL/c3H/B+2Gle3hTxjlWFb3F5qLgR+4Mf4ruhER
1v6eHQa/nchi03MBpT4UeJ7MrL92hTJYLdpSyCqmr8yjxkKJDVC2uRrr+sTSxfh7
r6v24u/vp/QTmBIAlNPgadVAZw17iNNb7vjV7Gwl/5gHXonCUKURaV++dBNLrHIZ
pqcAM8wHRph8mD1EfL9hsz77pHewxolBATV+7QIDAQABAoIBAC1rK+kFW3vrAYm3
+8/fQnQQw5nec4o6+crng6JVQXLeH32qXShNf8kLLG/Jj0vaYcTPPDZw9JCKkTMQ
0mKj9XR/5DLbBMsV6eNXXuvJJ3x4iKW5eD9WkLD4FKlNarBRyO7j8sfPTqXW7uat
NxWdFH7YsSRvNh/9pyQHLWA5OituidMrYbc3EUx8B1GPNyJ9W8Q8znNYLfwYOjU4
Wv1SLE6qGQQH9Q0WzA2WUf8jklCYyMYTIywAjGb8kbAJlKhmj2t2Igjmqtwt1PYc
pGlqbtQBDUiWXt5S4YX/1maIQ/49yeNUajjpbJiH3DbhJbHwFTzP3pZ9P9GHOzlG
kYR+wSECgYEAw/Xida8kSv8n86V3qSY/I+fYQ5V+jDtXIE+JhRnS8xzbOzz3v0WS
Oo5H+o4nJx5eL3Ghb3Gcm0Jn46dHrxinHbm+3RjXv/X6tlbxIYjRSQfHOTSMCTvd
qcliF5vC6RCLXuc7R+IWR1Ky6eDEZGtrvt3DyeYABsp9fRUFR/6NluUCgYEAqNsw
1aSl7WJa27F0DoJdlU9LWerpXcazlJcIdOz/S9QDmSK3RDQTdqfTxRmrxiYI9LEs
mkOkvzlnnOBMpnZ3ZOU5qIRfprecRIi37KDAOHWGnlC0EWGgl46YLb7/jXiWf0AG
Y+DfJJNd9i6TbIDWu8254/erAS6bKMhW/3q7f2kCgYAZ7Id/BiKJAWRpqTRBXlvw
BhXoKvjI2HjYP21z/EyZ+PFPzur/lNaZhIUlMnUfibbwE9pFggQzzf8scM7c7Sf+
mLoVSdoQ/Rujz7CqvQzi2nKSsM7t0curUIb3lJWee5/UeEaxZcmIufoNUrzohAWH
BJOIPDM4ssUTLRq7wYM9uQKBgHCBau5OP8gE6mjKuXsZXWUoahpFLKwwwmJUp2vQ
pOFPJ/6WZOlqkTVT6QPAcPUbTohKrF80hsZqZyDdSfT3peFx4ZLocBrS56m6NmHR
UYHMvJ8rQm76T1fryHVidz85g3zRmfBeWg8yqT5oFg4LYgfLsPm1gRjOhs8LfPvI
OLlRAoGBAIZ5Uv4Z3s8O7WKXXUe/lq6j7vfiVkR1NW/Z/WLKXZpnmvJ7FgxN4e56
RXT7GwNQHIY8eDjDnsHxzrxd+raOxOZeKcMHj3XyjCX3NHfTscnsBPAGYpY/Wxzh
T8UYnFu6RzkixElTf2rseEav7rkdKkI3LAeIZy7B0HulKKsmqVQ7
-----END RSA PRIVATE KEY-----
";

    const OPENSSH_KEY: &str = "
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABFwAAAAdzc2gtcn
NhAAAAAwEAAQAAAQEAgUElV5mwqkloIrM8ZNZ72gSCcnSJt7+/Usa5G+D15YQUAdf9c1zE
ekTfHgDP+04nw/uFNFaE5v1RbHaPxhZYVg5ZErNCa/hzn+x10xzcepeS3KPVXcxae4MR0B
EegvqZqJzN9loXsNL/c3H/B+2Gle3hTxjlWFb3F5qLgR+4Mf4ruhER1v6eHQa/nchi03MB
pT4UeJ7MrL92hTJYLdpSyCqmr8yjxkKJDVC2uRrr+sTSxfh7r6v24u/vp/QTmBIAlNPgad
VAZw17iNNb7vjV7Gwl/5gHXonCUKURaV++dBNLrHIZpqcAM8wHRph8mD1EfL9hsz77pHew
xolBATV+7QAAA7jbhEFk24RBZAAAAAdzc2gtcnNhAAABAQCBQSVXmbCqSWgiszxk1nvaBI
JydIm3v79Sxrkb4PXlhBQB1/1zXMR6RN8eAM/7TifD+4U0VoTm/VFsdo/GFlhWDlkSs0Jr
+HOf7HXTHNx6l5Lco9VdzFp7gxHQER6C+pmonM32Whew0v9zcf8H7YaV7eFPGOVYVvcXmo
uBH7gx/iu6ERHW/p4dBr+dyGLTcwGlPhR4nsysv3aFMlgt2lLIKqavzKPGQokNULa5Guv6
xNLF+Huvq/bi7++n9BOYEgCU0+Bp1UBnDXuI01vu+NXsbCX/mAdeicJQpRFpX750E0usch
mmpwAzzAdGmHyYPUR8v2GzPvukd7DGiUEBNX7tAAAAAwEAAQAAAQAtayvpBVt76wGJt/vP
30J0EMOZ3nOKOvnK54OiVUFy3h99ql0oTX/JCyxvyY9L2mHEzzw2cPSQipEzENJio/V0f+
Qy2wTLFenjV17rySd8eIiluXg/VpCw+BSpTWqwUcju4/LHz06l1u7mrTcVnRR+2LEkbzYf
/ackBy1gOTorbonTK2G3NxFMfAdRjzcifVvEPM5zWC38GDo1OFr9UixOqhkEB/UNFswNll
H/I5JQmMjGEyMsAIxm/JGwCZSoZo9rdiII5qrcLdT2HKRpam7UAQ1Ill7eUuGF/9ZmiEP+
PcnjVGo46WyYh9w24SWx8BU8z96WfT/Rhzs5RpGEfsEhAAAAgQCGeVL+Gd7PDu1il11Hv5
auo+734lZEdTVv2f1iyl2aZ5ryexYMTeHuekV0+xsDUByGPHg4w57B8c68Xfq2jsTmXinD
B4918owl9zR307HJ7ATwBmKWP1sc4U/FGJxbukc5IsRJU39q7HhGr+65HSpCNywHiGcuwd
B7pSirJqlUOwAAAIEAw/Xida8kSv8n86V3qSY/I+fYQ5V+jDtXIE+JhRnS8xzbOzz3v0WS
Oo5H+o4nJx5eL3Ghb3Gcm0Jn46dHrxinHbm+3RjXv/X6tlbxIYjRSQfHOTSMCTvdqcliF5
vC6RCLXuc7R+IWR1Ky6eDEZGtrvt3DyeYABsp9fRUFR/6NluUAAACBAKjbMNWkpe1iWtux
dA6CXZVPS1nq6V3Gs5SXCHTs/0vUA5kit0Q0E3an08UZq8YmCPSxLJpDpL85Z5zgTKZ2d2
TlOaiEX6a3nESIt+ygwDh1hp5QtBFhoJeOmC2+/414ln9ABmPg3ySTXfYuk2yA1rvNueP3
qwEumyjIVv96u39pAAAAAAEC
-----END OPENSSH PRIVATE KEY-----
";

    #[test]
    fn rsadecrypt_reads_pkcs1_and_openssh_keys() {
        assert_eq!(ok("rsadecrypt", &[s(CIPHERTEXT), s(PKCS1_KEY)]), "message");
        assert_eq!(
            ok("rsadecrypt", &[s(CIPHERTEXT), s(OPENSSH_KEY)]),
            "message"
        );
    }

    #[test]
    fn rsadecrypt_reports_bad_input_as_terraform_does() {
        assert_eq!(
            err("rsadecrypt", &[s("bad"), s(PKCS1_KEY)]),
            "Invalid value for \"ciphertext\" parameter: failed to decode input \"bad\": cipher text must be base64-encoded."
        );
        assert_eq!(
            err("rsadecrypt", &[s(CIPHERTEXT), s("")]),
            "Invalid value for \"privatekey\" parameter: invalid private key: ssh: no key found."
        );
        assert_eq!(
            err("rsadecrypt", &[s(""), s(PKCS1_KEY)]),
            "Call to function \"rsadecrypt\" failed: failed to decrypt: crypto/rsa: decryption error."
        );
        let corrupted = PKCS1_KEY.replace(
            "Y+DfJJNd9i6TbIDWu8254/erAS6bKMhW/3q7f2kCgYAZ7Id/BiKJAWRpqTRBXlvw",
            "BhXoKvjI2HjYP21z/EyZ+PFPzur/lNaZhIUlMnUfibbwE9pFggQzzf8scM7c7Sf+",
        );
        assert_eq!(
            err("rsadecrypt", &[s(CIPHERTEXT), s(&corrupted)]),
            "Invalid value for \"privatekey\" parameter: invalid ASN1 data in the given private key: data truncated."
        );
    }

    #[test]
    fn rsadecrypt_with_another_key_fails_to_decrypt() {
        let other = "
-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAlrCgnEVgmNKCq7KPc+zUU5IrxPu1ClMNJS7RTsTPEkbwe5SB
p+6V6WtCbD/X/lDRRGbOENChh1Phulb7lViqgrdpHydgsrKoS5ah3DfSIxLFLE00
9Yo4TCYwgw6+s59j16ZAFVinaQ9l6Kmrb2ll136hMrz8QKh+qw+onOLd38WFgm+W
ZtUqSXf2LANzfzzy4OWFNyFqKaCAolSkPdTS9Nz+svtScvp002DQp8OdP1AgPO+l
o5N3M38Fftapwg0pCtJ5Zq0NRWIXEonXiTEMA6zy3gEZVOmDxoIFUWnmrqlMJLFy
5S6LDrHSdqJhCxDK6WRZj43X9j8spktk3eGhMwIDAQABAoIBAAem8ID/BOi9x+Tw
LFi2rhGQWqimH4tmrEQ3HGnjlKBY+d1MrUjZ1MMFr1nP5CgF8pqGnfA8p/c3Sz8r
K5tp5T6+EZiDZ2WrrOApxg5ox0MAsQKO6SGO40z6o3wEQ6rbbTaGOrraxaWQIpyu
AQanU4Sd6ZGqByVBaS1GnklZO+shCHqw73b7g1cpLEmFzcYnKHYHlUUIsstMe8E1
BaCY0CH7JbWBjcbiTnBVwIRZuu+EjGiQuhTilYL2OWqoMVg1WU0L2IFpR8lkf/2W
SBx5J6xhwbBGASOpM+qidiN580GdPzGhWYSqKGroHEzBm6xPSmV1tadNA26WFG4p
pthLiAECgYEA5BsPRpNYJAQLu5B0N7mj9eEp0HABVEgL/MpwiImjaKdAwp78HM64
IuPvJxs7r+xESiIz4JyjR8zrQjYOCKJsARYkmNlEuAz0SkHabCw1BdEBwUhjUGVB
efoERK6GxfAoNqmSDwsOvHFOtsmDIlbHmg7G2rUxNVpeou415BSB0B8CgYEAqR4J
YHKk2Ibr9rU+rBU33TcdTGw0aAkFNAVeqM9j0haWuFXmV3RArgoy09lH+2Ha6z/g
fTX2xSDAWV7QUlLOlBRIhurPAo2jO2yCrGHPZcWiugstrR2hTTInigaSnCmK3i7F
6sYmL3S7K01IcVNxSlWvGijtClT92Cl2WUCTfG0CgYAiEjyk4QtQTd5mxLvnOu5X
oqs5PBGmwiAwQRiv/EcRMbJFn7Oupd3xMDSflbzDmTnWDOfMy/jDl8MoH6TW+1PA
kcsjnYhbKWwvz0hN0giVdtOZSDO1ZXpzOrn6fEsbM7T9/TQY1SD9WrtUKCNTNL0Z
sM1ZC6lu+7GZCpW4HKwLJwKBgQCRT0yxQXBg1/UxwuO5ynV4rx2Oh76z0WRWIXMH
S0MyxdP1SWGkrS/SGtM3cg/GcHtA/V6vV0nUcWK0p6IJyjrTw2XZ/zGluPuTWJYi
9dvVT26Vunshrz7kbH7KuwEICy3V4IyQQHeY+QzFlR70uMS0IVFWAepCoWqHbIDT
CYhwNQKBgGPcLXmjpGtkZvggl0aZr9LsvCTckllSCFSI861kivL/rijdNoCHGxZv
dfDkLTLcz9Gk41rD9Gxn/3sqodnTAc3Z2PxFnzg1Q/u3+x6YAgBwI/g/jE2xutGW
H7CurtMwALQ/n/6LUKFmjRZjqbKX9SO2QSaC3grd6sY9Tu+bZjLe
-----END RSA PRIVATE KEY-----
";
        assert_eq!(
            err("rsadecrypt", &[s(CIPHERTEXT), s(other)]),
            "Call to function \"rsadecrypt\" failed: failed to decrypt: crypto/rsa: decryption error."
        );
    }

    #[test]
    fn rsadecrypt_never_panics_on_garbage_keys() {
        for key in [
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n",
            "-----BEGIN RSA PRIVATE KEY-----",
        ] {
            assert!(call_builtin("rsadecrypt", &[s(CIPHERTEXT), s(key)]).is_err());
        }
    }
}
