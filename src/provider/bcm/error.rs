//! `BcmError`: why a call to the headnode failed, classified as the provider needs it (retry or
//! not, what the operator should change), and its user-facing `Diagnostic`.

use super::wire::Validation;
use crate::diag::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum BcmError {
    /// Connection refused or reset, timeouts, HTTP 5xx: still failing after every retry.
    #[error("cannot reach the BCM headnode at {endpoint} after {attempts} attempts: {cause}")]
    Unreachable {
        endpoint: String,
        attempts: u32,
        cause: String,
    },
    /// HTTP 401/403, a refused login, or a client certificate without rights.
    #[error("the BCM headnode refused the credentials: {0}")]
    Authentication(String),
    /// The headnode's certificate did not verify (usually its self-signed certificate).
    #[error("the TLS certificate of the BCM headnode at {endpoint} was rejected: {cause}")]
    CertificateRejected { endpoint: String, cause: String },
    /// cmd's own error answer (`{"errormessage": ...}`).
    #[error("{0}")]
    Cmd(String),
    /// An add or update rejected by cmd's validation.
    #[error("{}", describe_validations(.0))]
    Validation(Vec<Validation>),
    /// Any other HTTP status that is not retried (4xx).
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// A reply that is not the JSON the call should answer.
    #[error("unexpected reply: {0}")]
    Decode(String),
    /// The client could not be set up (unreadable certificate or key file, bad endpoint).
    #[error("{0}")]
    Setup(String),
    /// A change asked of a headnode that cannot change (offline inventory).
    #[error("{0}")]
    Refused(String),
    /// No `provider "bcm"` configuration was given.
    #[error("provider bcm is not configured: set endpoint, username and password in the provider \"bcm\" block, or BCM_ENDPOINT, BCM_USERNAME and BCM_PASSWORD")]
    NotConfigured,
}

/// One line per finding: `hostname: Duplicate hostname (DUPLICATE_FIELD)`.
pub fn describe_validations(v: &[Validation]) -> String {
    v.iter()
        .map(|v| {
            let code = if v.error_code.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.error_code)
            };
            format!("{}: {}{code}", field_name(v), v.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn field_name(v: &Validation) -> &str {
    if v.field.is_empty() {
        "(entity)"
    } else {
        &v.field
    }
}

impl BcmError {
    /// True for failures a retry may cure (the provider's retry policy).
    pub fn is_retryable(&self) -> bool {
        matches!(self, BcmError::Unreachable { .. })
    }

    /// The diagnostic for this failure while doing `what` (e.g. `creating device "node001"`).
    pub fn to_diagnostic(&self, what: &str) -> Diagnostic {
        match self {
            BcmError::Validation(findings) => {
                let errors: Vec<&Validation> = findings.iter().filter(|v| v.is_error()).collect();
                let shown: Vec<&Validation> = if errors.is_empty() {
                    findings.iter().collect()
                } else {
                    errors
                };
                let summary = match shown.as_slice() {
                    [one] => format!("BCM validation error: {}", field_name(one)),
                    _ => "BCM validation errors".to_string(),
                };
                let lines: Vec<String> = shown
                    .iter()
                    .map(|v| {
                        let code = if v.error_code.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", v.error_code)
                        };
                        format!("  {}: {}{code}", field_name(v), v.message)
                    })
                    .collect();
                Diagnostic::error(summary).detail(format!(
                    "The BCM headnode rejected {what}:\n{}",
                    lines.join("\n")
                ))
            }
            BcmError::CertificateRejected { .. } => {
                Diagnostic::error("BCM headnode certificate rejected")
                    .detail(format!("Error while {what}: {self}."))
                    .help(
                        "pass the headnode's CA file as ca_certificate (BCM_CA_CERT), or set insecure_skip_verify = true",
                    )
            }
            BcmError::Authentication(_) => Diagnostic::error("BCM authentication failed")
                .detail(format!("Error while {what}: {self}."))
                .help("check username and password (or the client certificate and key); the certificate must be allowed to use the API"),
            BcmError::Unreachable { .. } => Diagnostic::error("BCM headnode unreachable")
                .detail(format!("Error while {what}: {self}."))
                .help("check the endpoint (scheme, host and port, normally https://<headnode>:8081) and that cmd is running"),
            BcmError::NotConfigured => Diagnostic::error("Provider bcm is not configured")
                .detail(format!("Error while {what}: {self}.")),
            BcmError::Refused(_) => {
                Diagnostic::error("Change refused").detail(format!("Error while {what}: {self}."))
            }
            _ => Diagnostic::error("BCM API error").detail(format!("Error while {what}: {self}.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_diagnostics_name_each_field_and_message() {
        let e = BcmError::Validation(vec![
            Validation::error(
                "mac",
                "DUPLICATE_FIELD",
                "MAC 00:11:22:33:44:55 already used by node002",
            ),
            Validation {
                severity: "WARNING".into(),
                ..Validation::error("notes", "BAD_VALUE", "ignored")
            },
        ]);
        let d = e.to_diagnostic("creating device \"node001\"");
        assert_eq!(d.summary, "BCM validation error: mac");
        assert!(d.detail.contains("creating device \"node001\""));
        assert!(d
            .detail
            .contains("mac: MAC 00:11:22:33:44:55 already used by node002 (DUPLICATE_FIELD)"));
        assert!(!d.detail.contains("notes"), "warnings are not errors");
    }

    #[test]
    fn certificate_errors_say_how_to_fix_them() {
        let e = BcmError::CertificateRejected {
            endpoint: "https://10.0.0.1:8081".into(),
            cause: "invalid peer certificate: UnknownIssuer".into(),
        };
        let d = e.to_diagnostic("reading nodes");
        assert!(d.help.as_deref().unwrap_or("").contains("ca_certificate"));
        assert!(d
            .help
            .as_deref()
            .unwrap_or("")
            .contains("insecure_skip_verify"));
        assert!(!e.is_retryable());
    }
}
