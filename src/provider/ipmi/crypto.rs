//! The cryptography of cipher suite 3: RAKP-HMAC-SHA1 key exchange codes, the session keys
//! (SIK, K1, K2), HMAC-SHA1-96 integrity and AES-CBC-128 confidentiality (IPMI v2.0 13.28–13.29).

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use zeroize::{Zeroize, Zeroizing};

type HmacSha1 = Hmac<Sha1>;
type AesCbcEncryptor = cbc::Encryptor<aes::Aes128>;
type AesCbcDecryptor = cbc::Decryptor<aes::Aes128>;

/// IPMI v2.0 passwords are at most 20 bytes, zero-padded to 20 as the key Kuid.
pub const PASSWORD_MAX_LEN: usize = 20;

/// Kuid: the user's password, zero-padded to 20 bytes. `None` when it is too long.
pub fn user_key(password: &str) -> Option<Zeroizing<[u8; PASSWORD_MAX_LEN]>> {
    let bytes = password.as_bytes();
    if bytes.len() > PASSWORD_MAX_LEN {
        return None;
    }
    let mut key = Zeroizing::new([0u8; PASSWORD_MAX_LEN]);
    key[..bytes.len()].copy_from_slice(bytes);
    Some(key)
}

/// HMAC-SHA1 over the concatenation of `parts`.
pub fn hmac_sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha1 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Compares an HMAC-SHA1 over `parts` with `expected` (which may be truncated, as
/// HMAC-SHA1-96 is) in constant time. An empty `expected` never matches.
pub fn hmac_sha1_matches(key: &[u8], parts: &[&[u8]], expected: &[u8]) -> bool {
    if expected.is_empty() || expected.len() > 20 {
        return false;
    }
    let mut mac = <HmacSha1 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac.verify_truncated_left(expected).is_ok()
}

/// The keys of an established session, wiped when dropped.
pub struct SessionKeys {
    /// K1: the integrity key of HMAC-SHA1-96.
    integrity: [u8; 20],
    /// The first 16 bytes of K2: the AES-128 key.
    confidentiality: [u8; 16],
}

impl SessionKeys {
    /// K1 = HMAC_SIK(0x01 × 20), K2 = HMAC_SIK(0x02 × 20).
    pub fn derive(sik: &[u8; 20]) -> SessionKeys {
        let integrity = hmac_sha1(sik, &[&[0x01; 20]]);
        let mut k2 = hmac_sha1(sik, &[&[0x02; 20]]);
        let mut confidentiality = [0u8; 16];
        confidentiality.copy_from_slice(&k2[..16]);
        k2.zeroize();
        SessionKeys {
            integrity,
            confidentiality,
        }
    }

    /// The HMAC-SHA1-96 authentication code of `covered`.
    pub fn auth_code(&self, covered: &[u8]) -> [u8; 12] {
        let mut code = [0u8; 12];
        code.copy_from_slice(&hmac_sha1(&self.integrity, &[covered])[..12]);
        code
    }

    pub fn auth_code_matches(&self, covered: &[u8], code: &[u8]) -> bool {
        code.len() == 12 && hmac_sha1_matches(&self.integrity, &[covered], code)
    }

    /// IV followed by the AES-CBC-128 ciphertext of `plaintext` plus the confidentiality
    /// trailer (pad bytes 1, 2, 3... and the pad length), a whole number of blocks.
    pub fn encrypt(&self, iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
        let pad = (16 - (plaintext.len() + 1) % 16) % 16;
        let mut block = Vec::with_capacity(16 + plaintext.len() + pad + 1);
        block.extend_from_slice(plaintext);
        block.extend(1..=pad as u8);
        block.push(pad as u8);
        let length = block.len();
        let encryptor = AesCbcEncryptor::new(&self.confidentiality.into(), iv.into());
        // The length is a whole number of blocks, so unpadded encryption cannot fail.
        let ciphertext = encryptor
            .encrypt_padded_mut::<NoPadding>(&mut block, length)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let mut payload = iv.to_vec();
        payload.extend(ciphertext);
        payload
    }

    /// The plaintext of an IV-prefixed AES-CBC-128 payload, trailer removed.
    pub fn decrypt(&self, payload: &[u8]) -> Result<Vec<u8>, String> {
        if payload.len() < 32 || !payload.len().is_multiple_of(16) {
            return Err(format!(
                "encrypted payload of {} bytes is not an IV and whole AES blocks",
                payload.len()
            ));
        }
        let (iv, ciphertext) = payload.split_at(16);
        let mut block = ciphertext.to_vec();
        let decryptor = AesCbcDecryptor::new(&self.confidentiality.into(), iv.into());
        let plain_len = decryptor
            .decrypt_padded_mut::<NoPadding>(&mut block)
            .map_err(|_| "AES-CBC decryption failed".to_string())?
            .len();
        let pad = block[plain_len - 1] as usize;
        if pad + 1 > plain_len || pad > 15 {
            return Err("confidentiality trailer has an invalid pad length".into());
        }
        block.truncate(plain_len - 1 - pad);
        Ok(block)
    }
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        self.integrity.zeroize();
        self.confidentiality.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        // RFC 2202 test case 2.
        let mac = hmac_sha1(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            mac,
            [
                0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84,
                0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79
            ]
        );
        assert!(hmac_sha1_matches(
            b"Jefe",
            &[b"what do ya want for nothing?"],
            &mac[..12]
        ));
        assert!(!hmac_sha1_matches(
            b"Jefe",
            &[b"what do ya want for nothing!"],
            &mac[..12]
        ));
        assert!(!hmac_sha1_matches(b"Jefe", &[b"x"], &[]));
    }

    #[test]
    fn encryption_round_trips_every_length_in_whole_blocks() {
        let keys = SessionKeys::derive(&[7; 20]);
        for len in 0..40 {
            let plaintext: Vec<u8> = (0..len as u8).collect();
            let payload = keys.encrypt(&[9; 16], &plaintext);
            assert_eq!(payload.len() % 16, 0);
            assert_eq!(&payload[..16], &[9; 16]);
            assert_eq!(keys.decrypt(&payload).unwrap(), plaintext);
        }
        assert!(keys.decrypt(&[0; 17]).is_err());
        let other = SessionKeys::derive(&[8; 20]);
        // Another key gives garbage; the pad check rejects most of it, and never panics.
        for len in 0..40 {
            let payload = keys.encrypt(&[3; 16], &vec![0u8; len]);
            let _ = other.decrypt(&payload);
        }
    }

    #[test]
    fn user_keys_are_zero_padded_and_bounded() {
        let key = user_key("password").unwrap();
        assert_eq!(&key[..8], b"password");
        assert_eq!(&key[8..], &[0; 12]);
        assert!(user_key(&"x".repeat(20)).is_some());
        assert!(user_key(&"x".repeat(21)).is_none());
    }
}
