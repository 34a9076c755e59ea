//! The state encryption key from the environment: `BCMHCL_STATE_PASSPHRASE`, or
//! `BCMHCL_STATE_KEY_FILE` naming a file that holds it. Read once per process and shared, so
//! the passphrase is stretched once however many files the command reads and writes.

use bcmhcl::diag::Diagnostic;
use bcmhcl::state::{Encryption, LocalStore, Passphrase};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

pub const PASSPHRASE_VAR: &str = "BCMHCL_STATE_PASSPHRASE";
pub const KEY_FILE_VAR: &str = "BCMHCL_STATE_KEY_FILE";

/// The key this process encrypts with; `None` when neither variable is set (or both are
/// empty): state and plans are then plaintext, as Terraform writes them.
pub fn from_env() -> Result<Option<Encryption>, Diagnostic> {
    static KEY: OnceLock<Result<Option<Encryption>, Diagnostic>> = OnceLock::new();
    KEY.get_or_init(|| {
        key_from(
            std::env::var_os(PASSPHRASE_VAR),
            std::env::var_os(KEY_FILE_VAR),
        )
    })
    .clone()
}

/// A local store at `path` with this process's key.
pub fn store(path: impl Into<PathBuf>) -> Result<LocalStore, Diagnostic> {
    Ok(LocalStore::new(path).with_encryption(from_env()?))
}

fn bytes(value: OsString) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        value.into_vec()
    }
    #[cfg(not(unix))]
    {
        value.to_string_lossy().into_owned().into_bytes()
    }
}

fn key_from(
    passphrase: Option<OsString>,
    key_file: Option<OsString>,
) -> Result<Option<Encryption>, Diagnostic> {
    let passphrase = passphrase.filter(|v| !v.is_empty());
    let key_file = key_file.filter(|v| !v.is_empty());
    let secret = match (passphrase, key_file) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(Diagnostic::error("Two state keys").detail(format!(
                "Both {PASSPHRASE_VAR} and {KEY_FILE_VAR} are set. Set only one of them."
            )))
        }
        (Some(passphrase), None) => bytes(passphrase),
        (None, Some(file)) => {
            let path = PathBuf::from(file);
            let mut content = std::fs::read(&path).map_err(|e| {
                Diagnostic::error("Failed to read the state key file").detail(format!(
                    "{KEY_FILE_VAR} names {}, which could not be read: {e}.",
                    path.display()
                ))
            })?;
            // `echo secret > key` leaves a newline that is not part of the key.
            if content.ends_with(b"\n") {
                content.pop();
                if content.ends_with(b"\r") {
                    content.pop();
                }
            }
            if content.is_empty() {
                return Err(Diagnostic::error("Empty state key file").detail(format!(
                    "{KEY_FILE_VAR} names {}, which is empty.",
                    path.display()
                )));
            }
            content
        }
    };
    let passphrase = Passphrase::new(secret)
        .map_err(|e| Diagnostic::error("Invalid state key").detail(e.to_string()))?;
    Ok(Some(Encryption::new(passphrase)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_variable_means_plaintext_and_two_are_refused() {
        assert!(key_from(None, None).unwrap().is_none());
        assert!(key_from(Some("".into()), Some("".into()))
            .unwrap()
            .is_none());
        let both = key_from(Some("a".into()), Some("/k".into())).unwrap_err();
        assert_eq!(both.summary, "Two state keys");
        assert!(key_from(Some("secret".into()), None).unwrap().is_some());
    }

    #[test]
    fn a_key_file_is_the_passphrase_without_its_final_newline() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, "s3cret\n").unwrap();
        let from_file = key_from(None, Some(file.clone().into())).unwrap().unwrap();
        let sealed = from_file.seal(bcmhcl::state::Content::State, b"x").unwrap();
        let from_var = key_from(Some("s3cret".into()), None).unwrap().unwrap();
        assert_eq!(
            from_var
                .open(bcmhcl::state::Content::State, &sealed)
                .unwrap(),
            b"x"
        );
        std::fs::write(&file, "\n").unwrap();
        assert_eq!(
            key_from(None, Some(file.clone().into()))
                .unwrap_err()
                .summary,
            "Empty state key file"
        );
        let missing = key_from(None, Some(dir.path().join("nope").into())).unwrap_err();
        assert!(missing.detail.contains("nope"), "{}", missing.detail);
    }
}
