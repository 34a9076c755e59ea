//! What can go wrong reading, writing and storing state, in words meant for the user.

use super::encryption::CryptError;
use crate::diag::Diagnostic;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// The state format version this build reads and writes.
pub const STATE_FORMAT_VERSION: u64 = 4;

/// Terraform's summary for input that is not a usable state file at all.
const UNSUPPORTED_FORMAT: &str = "Unsupported state file format";

/// One problem found in a state file that parsed as JSON; several are gathered before
/// reporting, as Terraform does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Terraform's diagnostic summary, e.g. "Invalid resource instance metadata in state".
    pub summary: &'static str,
    pub detail: String,
}

impl Problem {
    pub(crate) fn new(summary: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            summary,
            detail: detail.into(),
        }
    }
}

/// How the state was kept after it could not be written where it belongs.
#[derive(Debug)]
pub enum Recovery {
    /// Written to this file instead (`errored.tfstate`).
    Errored(PathBuf),
    /// That failed too. The caller must print `state_json` to stdout, as Terraform does: the
    /// message tells the user to copy it from there.
    Unsaved {
        error: io::Error,
        state_json: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "The state file could not be parsed as JSON: {message} at line {line}, column {column}."
    )]
    Syntax {
        message: String,
        line: usize,
        column: usize,
    },

    #[error("The state file does not conform to the expected JSON data structure: it must be a JSON object.")]
    NotAnObject,

    #[error("The state file does not have a \"version\" attribute, which is required to identify the format version.")]
    MissingVersion,

    #[error("The version in the state file is {0}. A positive whole number is required.")]
    InvalidVersion(String),

    #[error("{}", unsupported_version_text(*.version, .created_by.as_deref()))]
    UnsupportedVersion {
        version: u64,
        /// The `terraform_version` of the file, when it names a valid version.
        created_by: Option<String>,
    },

    /// A format version 4 file whose content is not valid state.
    #[error("{}", problems_text(.0))]
    Invalid(Vec<Problem>),

    /// An error from reading the file at `path`.
    #[error("Failed to load state from {}: {source}", .path.display())]
    Load {
        path: PathBuf,
        source: Box<StateError>,
    },

    #[error("Failed to read state file {}: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },

    /// The file at `path` is encrypted and no key was given.
    #[error(
        "{} is encrypted, and no state key is set. Set BCMHCL_STATE_PASSPHRASE to the passphrase \
         it was encrypted with, or BCMHCL_STATE_KEY_FILE to the file holding it.",
        .path.display()
    )]
    NoKey { path: PathBuf },

    /// The encrypted file at `path` could not be opened with the key given.
    #[error("{}", crypt_text(.path, .source))]
    Crypt { path: PathBuf, source: CryptError },

    /// Encrypting the state was asked for without a key.
    #[error(
        "No state key is set: set BCMHCL_STATE_PASSPHRASE to a passphrase, or \
         BCMHCL_STATE_KEY_FILE to a file holding one."
    )]
    KeyRequired,

    /// `path` could not be replaced; it is unchanged.
    #[error("Failed to write {}: {source}. The file is unchanged.", .path.display())]
    Write { path: PathBuf, source: io::Error },

    /// The state could not be saved at `location` (a path, or a PostgreSQL row).
    #[error("{}", persist_text(.location, .source, .recovery))]
    Persist {
        location: String,
        source: io::Error,
        recovery: Recovery,
    },

    /// The state database could not be used; `action` says for what ("read", "write").
    #[error("Failed to {action} the state at {location}: {message}")]
    Database {
        action: &'static str,
        location: String,
        message: String,
    },
}

impl StateError {
    /// The error as a diagnostic with Terraform's summary.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            StateError::Syntax { .. }
            | StateError::NotAnObject
            | StateError::MissingVersion
            | StateError::InvalidVersion(_)
            | StateError::UnsupportedVersion { .. } => {
                Diagnostic::error(UNSUPPORTED_FORMAT).detail(self.to_string())
            }
            StateError::Invalid(problems) => match problems.as_slice() {
                [one] => Diagnostic::error(one.summary).detail(one.detail.clone()),
                [first, ..] => Diagnostic::error(first.summary).detail(problems_text(problems)),
                [] => Diagnostic::error("Invalid state file format"),
            },
            StateError::Load { path, source } => {
                let inner = source.to_diagnostic();
                let detail = format!("{}: {}", path.display(), inner.detail);
                Diagnostic::error(inner.summary.clone()).detail(detail)
            }
            StateError::Read { path, source } => Diagnostic::error("Failed to load state")
                .detail(format!("Error reading {}: {source}", path.display())),
            StateError::NoKey { .. } => {
                Diagnostic::error("Encrypted state without a key").detail(self.to_string())
            }
            StateError::Crypt { .. } => {
                Diagnostic::error("Failed to decrypt state").detail(self.to_string())
            }
            StateError::KeyRequired => Diagnostic::error("No state key").detail(self.to_string()),
            StateError::Write { .. } => {
                Diagnostic::error("Failed to write state").detail(self.to_string())
            }
            StateError::Persist { .. } => {
                Diagnostic::error("Failed to persist state to backend").detail(self.to_string())
            }
            StateError::Database { action: "read", .. } => {
                Diagnostic::error("Failed to load state").detail(self.to_string())
            }
            StateError::Database { .. } => {
                Diagnostic::error("Failed to save state").detail(self.to_string())
            }
        }
    }

    /// Every problem as its own diagnostic (a file with several problems reports each).
    pub fn to_diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            StateError::Invalid(problems) if problems.len() > 1 => problems
                .iter()
                .map(|p| Diagnostic::error(p.summary).detail(p.detail.clone()))
                .collect(),
            _ => vec![self.to_diagnostic()],
        }
    }
}

fn unsupported_version_text(version: u64, created_by: Option<&str>) -> String {
    let this = concat!("bcmhcl ", env!("CARGO_PKG_VERSION"));
    match version {
        0 => "The state file uses JSON syntax but has a version number of zero. There was never a \
              JSON-based state format zero, so this state file is invalid and cannot be processed."
            .into(),
        1..=3 => format!(
            "The state file uses format version {version}, written by Terraform 0.11 or earlier. \
             {this} reads only format version {STATE_FORMAT_VERSION}. To upgrade the file, run \
             \"terraform refresh\" once with Terraform 0.12 or later, which rewrites it in format \
             version {STATE_FORMAT_VERSION}."
        ),
        _ => {
            let origin = match created_by {
                Some(v) => format!("This state file was created by Terraform {v}."),
                None => {
                    "This state file may have been created by a newer version of Terraform.".into()
                }
            };
            format!(
                "The state file uses format version {version}, which is not supported by {this}, \
                 which reads and writes format version {STATE_FORMAT_VERSION}. {origin}"
            )
        }
    }
}

fn crypt_text(path: &std::path::Path, source: &CryptError) -> String {
    match source {
        CryptError::WrongKey => format!(
            "The state is encrypted and the key does not open it: {} was encrypted with another \
             passphrase or key file. Set BCMHCL_STATE_PASSPHRASE (or BCMHCL_STATE_KEY_FILE) to \
             the one it was encrypted with.",
            path.display()
        ),
        other => format!(
            "The encrypted file {} cannot be used: {other}.",
            path.display()
        ),
    }
}

fn problems_text(problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(p.summary);
        out.push_str(": ");
        out.push_str(&p.detail);
    }
    out
}

fn persist_text(location: &str, source: &io::Error, recovery: &Recovery) -> String {
    let mut out = String::new();
    let _ = fmt::Write::write_fmt(
        &mut out,
        format_args!("Failed to save state to {location}: {source}\n\n"),
    );
    match recovery {
        Recovery::Errored(errored) => {
            let name = errored.display();
            let _ = fmt::Write::write_fmt(
                &mut out,
                format_args!(
                    "The error shown above has prevented bcmhcl from writing the updated state to \
                     {location}. To allow for recovery, the state has been written to the file \"{name}\" \
                     instead.\n\n\
                     Running \"bcmhcl apply\" again at this point will create a forked state, \
                     making it harder to recover.\n\n\
                     To retry writing this state, use the following command:\n    \
                     bcmhcl state push {name}"
                ),
            );
        }
        Recovery::Unsaved { error, .. } => {
            let _ = fmt::Write::write_fmt(
                &mut out,
                format_args!(
                    "Writing the state to \"errored.tfstate\" for recovery failed as well: {error}\n\n\
                     As a fallback, the raw state data is printed as a JSON object. To retry writing this state, copy \
                     the state data (from the first {{ to the last }} inclusive) and save it into \
                     a local file called errored.tfstate, then run the following command:\n    \
                     bcmhcl state push errored.tfstate"
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_format_versions_name_what_this_build_reads() {
        let e = StateError::UnsupportedVersion {
            version: 5,
            created_by: Some("2.0.0".into()),
        };
        let text = e.to_string();
        assert!(text.contains("format version 5"), "{text}");
        assert!(text.contains("reads and writes format version 4"), "{text}");
        assert!(text.contains("created by Terraform 2.0.0"), "{text}");
        let d = e.to_diagnostic();
        assert_eq!(d.summary, "Unsupported state file format");
    }

    #[test]
    fn several_problems_become_several_diagnostics() {
        let e = StateError::Invalid(vec![
            Problem::new("Invalid state file format", "a"),
            Problem::new("Duplicate resource instance in state", "b"),
        ]);
        let ds = e.to_diagnostics();
        assert_eq!(ds.len(), 2);
        assert_eq!(ds[1].summary, "Duplicate resource instance in state");
        assert_eq!(
            e.to_string(),
            "Invalid state file format: a\nDuplicate resource instance in state: b"
        );
    }
}
