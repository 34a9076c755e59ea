//! Encryption at rest for state files, their backups, journal records and saved plans: a
//! passphrase, a memory-hard key derivation, an authenticated cipher and a self-describing
//! envelope.
//!
//! # The envelope
//!
//! An encrypted file (or one journal line) is a single line of JSON, fields in this order:
//!
//! ```text
//! {"format":"bcmhcl-encrypted",      (the magic: every sealed file starts with these bytes)
//!  "format_version":1,
//!  "content":"state",                ("state", "journal" or "plan": what the plaintext is)
//!  "cipher":"xchacha20-poly1305",
//!  "kdf":{"algorithm":"argon2id","version":19,
//!         "memory_kib":65536,"iterations":3,"parallelism":4,
//!         "salt":"<base64, 16 bytes>"},
//!  "key_check":"<base64, 16 bytes>",
//!  "nonce":"<base64, 24 bytes>",
//!  "ciphertext":"<base64: ciphertext and 16-byte Poly1305 tag>"}
//! ```
//!
//! Base64 is the standard alphabet with padding. The key is Argon2id (RFC 9106, version 0x13)
//! of the passphrase with the salt and the parameters of the header, 64 bytes of output: the
//! first 32 bytes are the XChaCha20-Poly1305 key, the next 16 are `key_check`, which tells a
//! wrong key ("the key does not open it") apart from a damaged or altered file (the tag does
//! not verify). Everything in the header is authenticated as associated data, in the form
//! `bcmhcl-encrypted/1/<content>/xchacha20-poly1305/argon2id/19/<memory_kib>/<iterations>/<parallelism>/<salt>/<key_check>`
//! (the base64 texts as written), so a header changed after writing fails like the ciphertext.
//!
//! # Keys, nonces and cost
//!
//! The nonce is 24 random bytes, fresh for every seal. With XChaCha20's 192-bit nonces random
//! nonces never collide in practice, so one derived key may seal any number of writes: an
//! `Encryption` derives a key once per (parameters, salt) and keeps it for the process. Sealing
//! reuses the key of a file it opened when that file's parameters are the configured ones (the
//! usual case: apply opens the state and writes it back), else it draws a new random salt once.
//! The Argon2 cost is thus paid once per process, never per write. Parameters read from a file
//! are bounded (`KdfParams::MAX_*`) so that a crafted header cannot demand unbounded memory.
//!
//! Nothing here reads the environment: the CLI turns `BCMHCL_STATE_PASSPHRASE` or
//! `BCMHCL_STATE_KEY_FILE` into a `Passphrase`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// The bytes every sealed file starts with.
pub const MAGIC: &str = "{\"format\":\"bcmhcl-encrypted\"";
/// The envelope layout this build writes and reads.
pub const ENVELOPE_VERSION: u64 = 1;
const CIPHER: &str = "xchacha20-poly1305";
const KDF_ALGORITHM: &str = "argon2id";
const ARGON2_VERSION: u32 = 0x13;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
const CHECK_LEN: usize = 16;
const TAG_LEN: usize = 16;

/// A passphrase or the content of a key file. It never prints (`****`) and is wiped from
/// memory when dropped.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<Vec<u8>>);

impl Passphrase {
    /// A passphrase; an empty one is refused (it would protect nothing).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Passphrase, CryptError> {
        let bytes = Zeroizing::new(bytes.into());
        if bytes.is_empty() {
            return Err(CryptError::EmptyPassphrase);
        }
        Ok(Passphrase(bytes))
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(****)")
    }
}

impl fmt::Display for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// Argon2id cost parameters, as recorded in every envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// RFC 9106's second recommended setting: 64 MiB, 3 passes, 4 lanes.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };
    /// The most a file may ask for: 1 GiB.
    pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    pub const MAX_ITERATIONS: u32 = 64;
    pub const MAX_PARALLELISM: u32 = 64;

    fn argon2(&self) -> Result<argon2::Argon2<'static>, CryptError> {
        if self.memory_kib > KdfParams::MAX_MEMORY_KIB
            || self.iterations > KdfParams::MAX_ITERATIONS
            || self.parallelism > KdfParams::MAX_PARALLELISM
        {
            return Err(CryptError::Unsupported(format!(
                "key derivation parameters beyond the limits (memory {} KiB, {} iterations, {} lanes; at most {} KiB, {}, {})",
                self.memory_kib,
                self.iterations,
                self.parallelism,
                KdfParams::MAX_MEMORY_KIB,
                KdfParams::MAX_ITERATIONS,
                KdfParams::MAX_PARALLELISM
            )));
        }
        let params = argon2::Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(KEY_LEN + CHECK_LEN),
        )
        .map_err(|e| CryptError::Unsupported(format!("key derivation parameters: {e}")))?;
        Ok(argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        ))
    }
}

/// What a sealed file holds; written in its header and bound to its ciphertext, so that a
/// sealed plan cannot be passed off as a state or the other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    State,
    JournalRecord,
    Plan,
}

impl Content {
    pub fn name(self) -> &'static str {
        match self {
            Content::State => "state",
            Content::JournalRecord => "journal",
            Content::Plan => "plan",
        }
    }

    fn parse(s: &str) -> Option<Content> {
        match s {
            "state" => Some(Content::State),
            "journal" => Some(Content::JournalRecord),
            "plan" => Some(Content::Plan),
            _ => None,
        }
    }
}

/// Why a sealed file could not be opened or a file could not be sealed. The texts complete
/// "the file ... " sentences of the callers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptError {
    /// The key check in the header does not match the key derived from this passphrase.
    #[error("the key does not open it: it was encrypted with another passphrase or key file")]
    WrongKey,
    /// The key is right, but the ciphertext or header fails authentication.
    #[error("it fails authentication: it was damaged or changed after it was written")]
    Tampered,
    /// Not a complete envelope: truncated, or a field is missing or not decodable.
    #[error("it is damaged: {0}")]
    Malformed(String),
    /// A newer envelope, another cipher or KDF, or parameters beyond the limits.
    #[error("it uses {0}, which this bcmhcl does not read")]
    Unsupported(String),
    #[error("it holds an encrypted {found}, not an encrypted {expected}")]
    WrongContent {
        expected: &'static str,
        found: String,
    },
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("the key derivation failed: {0}")]
    Kdf(String),
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// A key derived from the passphrase for one salt and parameter set.
struct DerivedKey {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    key: Zeroizing<[u8; KEY_LEN]>,
    check: [u8; CHECK_LEN],
}

struct Inner {
    passphrase: Passphrase,
    /// The parameters new salts are derived with.
    params: KdfParams,
    keys: Mutex<Keys>,
    kdf_runs: AtomicUsize,
}

#[derive(Default)]
struct Keys {
    derived: Vec<DerivedKey>,
    /// Index into `derived` of the key that seals.
    sealing: Option<usize>,
}

/// Seals and opens envelopes with one passphrase. Clones share the derived keys, so the
/// passphrase is stretched once per process however many stores and files use it.
#[derive(Clone)]
pub struct Encryption {
    inner: Arc<Inner>,
}

impl fmt::Debug for Encryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encryption")
            .field("passphrase", &self.inner.passphrase)
            .field("params", &self.inner.params)
            .finish_non_exhaustive()
    }
}

/// The header fields of an envelope as read, before anything is decoded.
#[derive(serde::Deserialize)]
struct EnvelopeJson {
    format: String,
    format_version: u64,
    content: String,
    cipher: String,
    kdf: KdfJson,
    key_check: String,
    nonce: String,
    ciphertext: String,
}

#[derive(serde::Deserialize)]
struct KdfJson {
    algorithm: String,
    version: u32,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

/// Whether `bytes` is a sealed file (or the start of one: a file cut short inside the magic
/// is reported as a damaged envelope rather than as broken JSON state).
pub fn is_sealed(bytes: &[u8]) -> bool {
    let magic = MAGIC.as_bytes();
    bytes.starts_with(magic) || (bytes.len() >= 3 && magic.starts_with(bytes))
}

/// What a sealed file says it holds, read from its header without a key.
pub fn sealed_content(bytes: &[u8]) -> Result<Content, CryptError> {
    let envelope = parse(bytes)?;
    Content::parse(&envelope.content)
        .ok_or_else(|| CryptError::Unsupported(format!("content {:?}", envelope.content)))
}

fn parse(bytes: &[u8]) -> Result<EnvelopeJson, CryptError> {
    let envelope: EnvelopeJson = serde_json::from_slice(bytes).map_err(|e| {
        CryptError::Malformed(if e.is_eof() {
            "the file ends before the encrypted envelope does (it was cut short)".into()
        } else {
            format!("the encrypted envelope is not valid: {e}")
        })
    })?;
    if envelope.format != "bcmhcl-encrypted" {
        return Err(CryptError::Malformed(format!(
            "unknown format {:?}",
            envelope.format
        )));
    }
    if envelope.format_version != ENVELOPE_VERSION {
        return Err(CryptError::Unsupported(format!(
            "encrypted envelope version {} (this build reads version {ENVELOPE_VERSION})",
            envelope.format_version
        )));
    }
    if envelope.cipher != CIPHER {
        return Err(CryptError::Unsupported(format!(
            "the cipher {:?}",
            envelope.cipher
        )));
    }
    if envelope.kdf.algorithm != KDF_ALGORITHM || envelope.kdf.version != ARGON2_VERSION {
        return Err(CryptError::Unsupported(format!(
            "the key derivation {:?} version {}",
            envelope.kdf.algorithm, envelope.kdf.version
        )));
    }
    Ok(envelope)
}

fn decode<const N: usize>(field: &str, text: &str) -> Result<[u8; N], CryptError> {
    let bytes = BASE64
        .decode(text)
        .map_err(|e| CryptError::Malformed(format!("the {field} is not base64: {e}")))?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| {
        CryptError::Malformed(format!(
            "the {field} has {} bytes instead of {N}",
            bytes.len()
        ))
    })
}

fn associated_data(content: &str, params: &KdfParams, salt_b64: &str, check_b64: &str) -> Vec<u8> {
    format!(
        "bcmhcl-encrypted/{ENVELOPE_VERSION}/{content}/{CIPHER}/{KDF_ALGORITHM}/{ARGON2_VERSION}/{}/{}/{}/{salt_b64}/{check_b64}",
        params.memory_kib, params.iterations, params.parallelism
    )
    .into_bytes()
}

fn random<const N: usize>() -> Result<[u8; N], CryptError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| CryptError::Random(e.to_string()))?;
    Ok(bytes)
}

impl Encryption {
    /// Seals with `KdfParams::DEFAULT`.
    pub fn new(passphrase: Passphrase) -> Encryption {
        Encryption::with_kdf_params(passphrase, KdfParams::DEFAULT)
    }

    /// Seals new salts with `params` (files already sealed are opened with their own).
    pub fn with_kdf_params(passphrase: Passphrase, params: KdfParams) -> Encryption {
        Encryption {
            inner: Arc::new(Inner {
                passphrase,
                params,
                keys: Mutex::new(Keys::default()),
                kdf_runs: AtomicUsize::new(0),
            }),
        }
    }

    /// How many times this passphrase was stretched (shared by clones): one per salt used.
    pub fn kdf_runs(&self) -> usize {
        self.inner.kdf_runs.load(Ordering::Relaxed)
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, Keys> {
        // The key list is only ever appended to; a panic elsewhere leaves it consistent.
        self.inner.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The index of the key for `params` and `salt`, deriving it when it is new.
    fn key_index(
        &self,
        keys: &mut Keys,
        params: KdfParams,
        salt: [u8; SALT_LEN],
    ) -> Result<usize, CryptError> {
        if let Some(i) = keys
            .derived
            .iter()
            .position(|k| k.params == params && k.salt == salt)
        {
            return Ok(i);
        }
        let argon2 = params.argon2()?;
        let mut out = Zeroizing::new([0u8; KEY_LEN + CHECK_LEN]);
        argon2
            .hash_password_into(&self.inner.passphrase.0, &salt, out.as_mut_slice())
            .map_err(|e| CryptError::Kdf(e.to_string()))?;
        self.inner.kdf_runs.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            memory_kib = params.memory_kib,
            iterations = params.iterations,
            "derived a state encryption key"
        );
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&out[..KEY_LEN]);
        let mut check = [0u8; CHECK_LEN];
        check.copy_from_slice(&out[KEY_LEN..]);
        keys.derived.push(DerivedKey {
            params,
            salt,
            key,
            check,
        });
        Ok(keys.derived.len() - 1)
    }

    /// Encrypts `plaintext` into an envelope (one line of JSON, no newline).
    pub fn seal(&self, content: Content, plaintext: &[u8]) -> Result<Vec<u8>, CryptError> {
        let mut keys = self.keys();
        let index = match keys.sealing {
            Some(i) => i,
            None => {
                let reusable = keys
                    .derived
                    .iter()
                    .position(|k| k.params == self.inner.params);
                let i = match reusable {
                    Some(i) => i,
                    None => self.key_index(&mut keys, self.inner.params, random()?)?,
                };
                keys.sealing = Some(i);
                i
            }
        };
        let derived = &keys.derived[index];
        let salt_b64 = BASE64.encode(derived.salt);
        let check_b64 = BASE64.encode(derived.check);
        let aad = associated_data(content.name(), &derived.params, &salt_b64, &check_b64);
        let nonce = random::<NONCE_LEN>()?;
        let cipher = XChaCha20Poly1305::new_from_slice(derived.key.as_slice())
            .map_err(|e| CryptError::Kdf(e.to_string()))?;
        let ciphertext = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptError::Malformed("the plaintext is too long to encrypt".into()))?;
        let params = derived.params;
        drop(keys);
        // Every field is ASCII without quotes or escapes, so the line is written directly.
        let mut out = Vec::with_capacity(ciphertext.len() * 4 / 3 + 400);
        out.extend_from_slice(MAGIC.as_bytes());
        out.extend_from_slice(
            format!(
                ",\"format_version\":{ENVELOPE_VERSION},\"content\":\"{}\",\"cipher\":\"{CIPHER}\",\"kdf\":{{\"algorithm\":\"{KDF_ALGORITHM}\",\"version\":{ARGON2_VERSION},\"memory_kib\":{},\"iterations\":{},\"parallelism\":{},\"salt\":\"{salt_b64}\"}},\"key_check\":\"{check_b64}\",\"nonce\":\"{}\",\"ciphertext\":\"",
                content.name(),
                params.memory_kib,
                params.iterations,
                params.parallelism,
                BASE64.encode(nonce),
            )
            .as_bytes(),
        );
        let start = out.len();
        out.resize(
            start + base64::encoded_len(ciphertext.len(), true).unwrap_or(0),
            0,
        );
        let written = BASE64
            .encode_slice(&ciphertext, &mut out[start..])
            .map_err(|e| CryptError::Malformed(e.to_string()))?;
        out.truncate(start + written);
        out.extend_from_slice(b"\"}");
        Ok(out)
    }

    /// Decrypts an envelope that should hold `content`.
    pub fn open(&self, content: Content, sealed: &[u8]) -> Result<Vec<u8>, CryptError> {
        let envelope = parse(sealed)?;
        if envelope.content != content.name() {
            return Err(CryptError::WrongContent {
                expected: content.name(),
                found: envelope.content,
            });
        }
        let params = KdfParams {
            memory_kib: envelope.kdf.memory_kib,
            iterations: envelope.kdf.iterations,
            parallelism: envelope.kdf.parallelism,
        };
        let salt = decode::<SALT_LEN>("salt", &envelope.kdf.salt)?;
        let check = decode::<CHECK_LEN>("key check", &envelope.key_check)?;
        let nonce = decode::<NONCE_LEN>("nonce", &envelope.nonce)?;
        let ciphertext = BASE64
            .decode(&envelope.ciphertext)
            .map_err(|e| CryptError::Malformed(format!("the ciphertext is not base64: {e}")))?;
        if ciphertext.len() < TAG_LEN {
            return Err(CryptError::Malformed(
                "the ciphertext is shorter than its authentication tag".into(),
            ));
        }
        let mut keys = self.keys();
        let index = self.key_index(&mut keys, params, salt)?;
        let derived = &keys.derived[index];
        if derived.check != check {
            return Err(CryptError::WrongKey);
        }
        let aad = associated_data(
            &envelope.content,
            &params,
            &envelope.kdf.salt,
            &envelope.key_check,
        );
        let cipher = XChaCha20Poly1305::new_from_slice(derived.key.as_slice())
            .map_err(|e| CryptError::Kdf(e.to_string()))?;
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters: the tests exercise the format, not the cost.
    const FAST: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    fn encryption(passphrase: &str) -> Encryption {
        Encryption::with_kdf_params(Passphrase::new(passphrase).unwrap(), FAST)
    }

    fn field<'a>(sealed: &'a str, name: &str) -> &'a str {
        let start = sealed.find(&format!("\"{name}\":\"")).unwrap() + name.len() + 4;
        let len = sealed[start..].find('"').unwrap();
        &sealed[start..start + len]
    }

    #[test]
    fn sealed_text_opens_back_and_hides_the_plaintext() {
        let e = encryption("correct horse");
        let plaintext = br#"{"secret":"hunter2","name":"node001"}"#;
        let sealed = e.seal(Content::State, plaintext).unwrap();
        assert!(is_sealed(&sealed));
        assert!(sealed.starts_with(MAGIC.as_bytes()));
        let text = String::from_utf8(sealed.clone()).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("node001"),
            "{text}"
        );
        assert!(!text.contains('\n'), "one line: {text}");
        assert_eq!(e.open(Content::State, &sealed).unwrap(), plaintext);
        // Another process with the same passphrase opens it too.
        assert_eq!(
            encryption("correct horse")
                .open(Content::State, &sealed)
                .unwrap(),
            plaintext
        );
        // The header is plain JSON with every documented field.
        let doc: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        assert_eq!(doc["format"], "bcmhcl-encrypted");
        assert_eq!(doc["format_version"], 1);
        assert_eq!(doc["content"], "state");
        assert_eq!(doc["cipher"], "xchacha20-poly1305");
        assert_eq!(doc["kdf"]["algorithm"], "argon2id");
        assert_eq!(doc["kdf"]["memory_kib"], 64);
        assert_eq!(BASE64.decode(field(&text, "nonce")).unwrap().len(), 24);
        assert_eq!(BASE64.decode(field(&text, "salt")).unwrap().len(), 16);
    }

    #[test]
    fn an_empty_plaintext_round_trips() {
        let e = encryption("p");
        let sealed = e.seal(Content::Plan, b"").unwrap();
        assert_eq!(e.open(Content::Plan, &sealed).unwrap(), b"");
    }

    #[test]
    fn every_seal_has_a_fresh_nonce_and_the_key_is_derived_once() {
        let e = encryption("p");
        let mut nonces = std::collections::BTreeSet::new();
        let mut ciphertexts = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let sealed = String::from_utf8(e.seal(Content::State, b"same").unwrap()).unwrap();
            assert!(nonces.insert(field(&sealed, "nonce").to_string()));
            assert!(ciphertexts.insert(field(&sealed, "ciphertext").to_string()));
        }
        assert_eq!(e.kdf_runs(), 1);
        // Clones share the key.
        let clone = e.clone();
        clone.seal(Content::State, b"x").unwrap();
        assert_eq!(e.kdf_runs(), 1);
    }

    #[test]
    fn sealing_after_opening_reuses_the_files_key() {
        let writer = encryption("p");
        let sealed = writer.seal(Content::State, b"a").unwrap();
        let reader = encryption("p");
        reader.open(Content::State, &sealed).unwrap();
        let again = String::from_utf8(reader.seal(Content::State, b"b").unwrap()).unwrap();
        assert_eq!(reader.kdf_runs(), 1);
        let first = String::from_utf8(sealed).unwrap();
        assert_eq!(field(&again, "salt"), field(&first, "salt"));
        // A file sealed with other parameters is opened, but new files use the configured ones.
        let weak = Encryption::with_kdf_params(
            Passphrase::new("p").unwrap(),
            KdfParams {
                memory_kib: 32,
                ..FAST
            },
        )
        .seal(Content::State, b"c")
        .unwrap();
        let fresh = encryption("p");
        fresh.open(Content::State, &weak).unwrap();
        let resealed = String::from_utf8(fresh.seal(Content::State, b"d").unwrap()).unwrap();
        assert!(resealed.contains("\"memory_kib\":64"), "{resealed}");
        assert_eq!(fresh.kdf_runs(), 2);
    }

    #[test]
    fn a_wrong_passphrase_is_told_apart_from_damage() {
        let sealed = encryption("right").seal(Content::State, b"data").unwrap();
        let err = encryption("wrong")
            .open(Content::State, &sealed)
            .unwrap_err();
        assert_eq!(err, CryptError::WrongKey);
        assert!(
            err.to_string().contains("the key does not open it"),
            "{err}"
        );
    }

    #[test]
    fn any_changed_byte_fails_authentication() {
        let e = encryption("p");
        let sealed =
            String::from_utf8(e.seal(Content::State, b"some state text").unwrap()).unwrap();
        // Flip one character of the ciphertext, the nonce and the salt in turn.
        for name in ["ciphertext", "nonce"] {
            let value = field(&sealed, name);
            let mut chars: Vec<char> = value.chars().collect();
            chars[2] = if chars[2] == 'A' { 'B' } else { 'A' };
            let altered = sealed.replace(value, &chars.into_iter().collect::<String>());
            assert_eq!(
                e.open(Content::State, altered.as_bytes()).unwrap_err(),
                CryptError::Tampered,
                "{name}"
            );
        }
        // A changed parameter derives another key, whose check does not match.
        let altered = sealed.replace("\"iterations\":1", "\"iterations\":2");
        assert_eq!(
            e.open(Content::State, altered.as_bytes()).unwrap_err(),
            CryptError::WrongKey
        );
        // The content label is authenticated as well as checked.
        let relabelled = sealed.replace("\"content\":\"state\"", "\"content\":\"plan\"");
        assert_eq!(
            e.open(Content::Plan, relabelled.as_bytes()).unwrap_err(),
            CryptError::Tampered
        );
        assert!(matches!(
            e.open(Content::Plan, sealed.as_bytes()).unwrap_err(),
            CryptError::WrongContent { .. }
        ));
    }

    #[test]
    fn a_cut_short_envelope_is_reported_as_damaged() {
        let e = encryption("p");
        let sealed = e.seal(Content::State, &[b'x'; 300]).unwrap();
        for len in [3, 10, MAGIC.len(), sealed.len() / 2, sealed.len() - 1] {
            let cut = &sealed[..len];
            assert!(is_sealed(cut), "{len}");
            match e.open(Content::State, cut).unwrap_err() {
                CryptError::Malformed(why) => assert!(why.contains("cut short"), "{len}: {why}"),
                other => panic!("{len}: {other:?}"),
            }
        }
        // Cut inside the ciphertext but with the closing bytes restored: the tag fails.
        let text = String::from_utf8(sealed).unwrap();
        let value = field(&text, "ciphertext");
        let shorter = text.replace(value, &value[..value.len() - 8]);
        assert_eq!(
            e.open(Content::State, shorter.as_bytes()).unwrap_err(),
            CryptError::Tampered
        );
    }

    #[test]
    fn unknown_versions_and_costly_parameters_are_refused_before_deriving() {
        let e = encryption("p");
        let sealed = String::from_utf8(e.seal(Content::State, b"x").unwrap()).unwrap();
        let newer = sealed.replace("\"format_version\":1", "\"format_version\":2");
        assert!(matches!(
            e.open(Content::State, newer.as_bytes()).unwrap_err(),
            CryptError::Unsupported(why) if why.contains("version 2")
        ));
        let fresh = encryption("p");
        let costly = sealed.replace("\"memory_kib\":64", "\"memory_kib\":4000000000");
        assert!(matches!(
            fresh.open(Content::State, costly.as_bytes()).unwrap_err(),
            CryptError::Unsupported(why) if why.contains("limits")
        ));
        assert_eq!(fresh.kdf_runs(), 0);
        assert_eq!(sealed_content(sealed.as_bytes()).unwrap(), Content::State);
    }

    #[test]
    fn plaintext_is_not_mistaken_for_an_envelope() {
        assert!(!is_sealed(b"{\n  \"version\": 4"));
        assert!(!is_sealed(b"{\"version\":4}"));
        assert!(!is_sealed(b""));
        assert!(!is_sealed(b"{\""));
    }

    #[test]
    fn secrets_never_print() {
        let p = Passphrase::new("hunter2").unwrap();
        assert_eq!(format!("{p:?} {p}"), "Passphrase(****) ****");
        let e = Encryption::new(p);
        let debug = format!("{e:?}");
        assert!(
            !debug.contains("hunter2") && debug.contains("****"),
            "{debug}"
        );
        assert_eq!(
            Passphrase::new("").unwrap_err(),
            CryptError::EmptyPassphrase
        );
    }
}
