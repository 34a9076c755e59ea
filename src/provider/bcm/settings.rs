//! `BcmSettings`: the evaluated `provider "bcm"` block with the real provider's environment
//! fallbacks (`BCM_ENDPOINT`, `BCM_USERNAME`, `BCM_PASSWORD`) and bcmhcl's client-certificate
//! extension (`client_certificate`, `client_key`, `ca_certificate`; `BCM_CLIENT_CERT`,
//! `BCM_CLIENT_KEY`, `BCM_CA_CERT`).

use super::Secret;
use crate::diag::Diagnostic;
use crate::value::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The request timeout when `timeout` is not set (the provider's default, in seconds).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How often waiting power operations poll `cmstatus.getStatusForDevices` (COD polls every 10 s).
pub const DEFAULT_STATUS_POLL_INTERVAL: Duration = Duration::from_secs(10);
/// The first retry's backoff; later ones double (`bcm_client.go`).
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_secs(1);
/// Retries after the first attempt (`bcm_client.go`: 4 attempts in all).
pub const DEFAULT_MAX_RETRIES: u32 = 3;

#[derive(Clone, Debug)]
pub struct BcmSettings {
    /// Base URL with scheme and port, no trailing slash, e.g. `https://10.141.255.254:8081`.
    pub endpoint: String,
    pub username: String,
    pub password: Secret,
    pub insecure_skip_verify: bool,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// PEM client certificate and key for mutual TLS (BCM's `~/.cm/admin.pem` / `admin.key`);
    /// when both are set no login is made.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// PEM CA bundle that signed the headnode's certificate.
    pub ca_file: Option<PathBuf>,
    pub status_poll_interval: Duration,
    /// Backoff before the first retry (1 s in the real provider; tests use milliseconds).
    pub retry_backoff: Duration,
    pub max_retries: u32,
    /// At most this many API calls in flight at once (`-parallelism`; Terraform's default 10).
    pub max_concurrent_calls: usize,
}

impl BcmSettings {
    /// Session-login settings with every other value at its default.
    pub fn new(endpoint: &str, username: &str, password: Secret) -> BcmSettings {
        BcmSettings {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            username: username.to_string(),
            password,
            insecure_skip_verify: false,
            timeout: DEFAULT_TIMEOUT,
            client_cert: None,
            client_key: None,
            ca_file: None,
            status_poll_interval: DEFAULT_STATUS_POLL_INTERVAL,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            max_retries: DEFAULT_MAX_RETRIES,
            max_concurrent_calls: 10,
        }
    }

    /// True when the client authenticates with a certificate instead of a login.
    pub fn uses_client_certificate(&self) -> bool {
        self.client_cert.is_some() && self.client_key.is_some()
    }

    /// Reads the evaluated provider block (an object of the provider schema's attributes, or
    /// null when there is no block). `env` looks up environment variables; an empty value
    /// counts as unset, in the configuration as in the environment.
    pub fn from_config(
        config: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BcmSettings, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut string = |name: &str, var: Option<&str>| -> Option<String> {
            match config_string(config, name) {
                Ok(Some(s)) if !s.is_empty() => Some(s),
                Ok(_) => var.and_then(env).filter(|s| !s.is_empty()),
                Err(d) => {
                    diags.push(d);
                    None
                }
            }
        };
        let endpoint = string("endpoint", Some("BCM_ENDPOINT"));
        let username = string("username", Some("BCM_USERNAME"));
        let password = string("password", Some("BCM_PASSWORD"));
        let client_cert = string("client_certificate", Some("BCM_CLIENT_CERT"));
        let client_key = string("client_key", Some("BCM_CLIENT_KEY"));
        let ca_file = string("ca_certificate", Some("BCM_CA_CERT"));

        let insecure_skip_verify = match attribute(config, "insecure_skip_verify") {
            Ok(v) if v.is_null() => false,
            Ok(v) => v.as_bool().unwrap_or(false),
            Err(d) => {
                diags.push(d);
                false
            }
        };
        let timeout = match attribute(config, "timeout") {
            Ok(v) if v.is_null() => DEFAULT_TIMEOUT,
            Ok(v) => match v.as_number().and_then(|n| n.to_i64()) {
                Some(secs) if secs > 0 => Duration::from_secs(secs as u64),
                _ => {
                    diags.push(Diagnostic::error("Invalid BCM API timeout").detail(format!(
                        "The timeout must be a whole number of seconds greater than 0, got {v}."
                    )));
                    DEFAULT_TIMEOUT
                }
            },
            Err(d) => {
                diags.push(d);
                DEFAULT_TIMEOUT
            }
        };

        if client_cert.is_some() != client_key.is_some() {
            diags.push(
                Diagnostic::error("Incomplete BCM client certificate").detail(
                    "Mutual TLS needs both client_certificate (BCM_CLIENT_CERT) and client_key (BCM_CLIENT_KEY), e.g. ~/.cm/admin.pem and ~/.cm/admin.key.",
                ),
            );
        }
        let certificate_auth = client_cert.is_some() && client_key.is_some();
        if endpoint.is_none() {
            diags.push(missing("endpoint", "BCM API Endpoint", "BCM_ENDPOINT"));
        }
        if !certificate_auth {
            if username.is_none() {
                diags.push(missing("username", "BCM API Username", "BCM_USERNAME"));
            }
            if password.is_none() {
                diags.push(missing("password", "BCM API Password", "BCM_PASSWORD"));
            }
        }
        let endpoint = endpoint.unwrap_or_default();
        if !endpoint.is_empty() {
            match reqwest::Url::parse(&endpoint) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                _ => diags.push(Diagnostic::error("Invalid BCM API endpoint").detail(format!(
                    "The endpoint must be a URL with scheme and host, e.g. https://10.141.255.254:8081; got {endpoint:?}."
                ))),
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let home = env("HOME");
        let path = |p: Option<String>| p.map(|p| expand_home(&p, home.as_deref()));
        Ok(BcmSettings {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            username: username.unwrap_or_default(),
            password: Secret::new(password.unwrap_or_default()),
            insecure_skip_verify,
            timeout,
            client_cert: path(client_cert),
            client_key: path(client_key),
            ca_file: path(ca_file),
            status_poll_interval: DEFAULT_STATUS_POLL_INTERVAL,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            max_retries: DEFAULT_MAX_RETRIES,
            max_concurrent_calls: 10,
        })
    }
}

fn missing(attr: &str, what: &str, var: &str) -> Diagnostic {
    Diagnostic::error(format!("Missing {what}")).detail(format!(
        "The provider cannot create the BCM API client as there is a missing or empty value for the {what}. Set the {attr} value in the configuration or use the {var} environment variable. If either is already set, ensure the value is not empty."
    ))
}

/// The attribute's value, unmarked; an unknown value is an error (a provider configuration
/// must be known before anything is read).
fn attribute(config: &Value, name: &str) -> Result<Value, Diagnostic> {
    let v = config
        .as_attrs()
        .and_then(|a| a.get(name))
        .map(|v| v.unmark_deep().0)
        .unwrap_or(Value::NULL);
    if !v.is_known() {
        return Err(
            Diagnostic::error("Unknown provider configuration value").detail(format!(
                "The value of {name:?} in the provider \"bcm\" block depends on something not known until apply; the provider configuration must be known when planning."
            )),
        );
    }
    Ok(v)
}

fn config_string(config: &Value, name: &str) -> Result<Option<String>, Diagnostic> {
    let v = attribute(config, name)?;
    Ok(v.as_str().map(str::to_string))
}

/// `~/x` under the home directory, as BCM's own tools read `~/.cm/admin.pem`.
fn expand_home(path: &str, home: Option<&str>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) if !home.is_empty() => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Attrs;
    use std::collections::BTreeMap;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut a = Attrs::new();
        for name in [
            "endpoint",
            "username",
            "password",
            "insecure_skip_verify",
            "timeout",
            "client_certificate",
            "client_key",
            "ca_certificate",
        ] {
            a.insert(name.into(), Value::NULL);
        }
        for (k, v) in pairs {
            a.insert((*k).into(), v.clone());
        }
        Value::object(a)
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| m.get(k).cloned()
    }

    #[test]
    fn configuration_wins_and_environment_fills_the_gaps() {
        let s = BcmSettings::from_config(
            &config(&[
                ("endpoint", "https://head:8081/".into()),
                ("username", "".into()),
            ]),
            &env_of(&[
                ("BCM_ENDPOINT", "https://other:8081"),
                ("BCM_USERNAME", "root"),
                ("BCM_PASSWORD", "pw"),
            ]),
        )
        .unwrap();
        assert_eq!(s.endpoint, "https://head:8081");
        assert_eq!(s.username, "root", "an empty string counts as unset");
        assert_eq!(s.password.expose(), "pw");
        assert_eq!(s.timeout, Duration::from_secs(30));
        assert!(!s.insecure_skip_verify);
        assert_eq!(s.status_poll_interval, Duration::from_secs(10));
        assert!(!format!("{s:?}").contains("pw\""), "{s:?}");
    }

    #[test]
    fn missing_values_are_each_reported() {
        let errs = BcmSettings::from_config(
            &Value::NULL,
            &env_of(&[("BCM_PASSWORD", ""), ("BCM_USERNAME", "root")]),
        )
        .unwrap_err();
        let summaries: Vec<&str> = errs.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            ["Missing BCM API Endpoint", "Missing BCM API Password"]
        );
        assert!(errs[0].detail.contains("BCM_ENDPOINT"));
    }

    #[test]
    fn timeout_must_be_positive() {
        let env = env_of(&[]);
        let base = [
            ("endpoint", Value::from("https://h:8081")),
            ("username", "u".into()),
            ("password", "p".into()),
        ];
        for bad in [Value::int(0), Value::int(-5)] {
            let mut pairs = base.to_vec();
            pairs.push(("timeout", bad));
            let errs = BcmSettings::from_config(&config(&pairs), &env).unwrap_err();
            assert_eq!(errs[0].summary, "Invalid BCM API timeout");
        }
        let mut pairs = base.to_vec();
        pairs.push(("timeout", Value::int(90)));
        pairs.push(("insecure_skip_verify", true.into()));
        let s = BcmSettings::from_config(&config(&pairs), &env).unwrap();
        assert_eq!(s.timeout, Duration::from_secs(90));
        assert!(s.insecure_skip_verify);
    }

    #[test]
    fn a_client_certificate_replaces_username_and_password() {
        let s = BcmSettings::from_config(
            &config(&[("endpoint", "https://h:8081".into())]),
            &env_of(&[
                ("BCM_CLIENT_CERT", "~/.cm/admin.pem"),
                ("BCM_CLIENT_KEY", "/etc/cm/admin.key"),
                ("BCM_CA_CERT", "/etc/cm/ca.pem"),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert!(s.uses_client_certificate());
        assert_eq!(s.client_cert, Some(PathBuf::from("/root/.cm/admin.pem")));
        assert_eq!(s.client_key, Some(PathBuf::from("/etc/cm/admin.key")));
        assert_eq!(s.ca_file, Some(PathBuf::from("/etc/cm/ca.pem")));

        let errs = BcmSettings::from_config(
            &config(&[
                ("endpoint", "https://h:8081".into()),
                ("client_certificate", "/a.pem".into()),
            ]),
            &env_of(&[]),
        )
        .unwrap_err();
        assert_eq!(errs[0].summary, "Incomplete BCM client certificate");
    }

    #[test]
    fn unknown_and_malformed_values_are_errors() {
        let errs = BcmSettings::from_config(
            &config(&[
                ("endpoint", Value::Unknown(crate::value::Type::String)),
                ("username", "u".into()),
                ("password", "p".into()),
            ]),
            &env_of(&[]),
        )
        .unwrap_err();
        assert_eq!(errs[0].summary, "Unknown provider configuration value");
        let errs = BcmSettings::from_config(
            &config(&[
                ("endpoint", "headnode:8081".into()),
                ("username", "u".into()),
                ("password", Value::from("p").mark_sensitive()),
            ]),
            &env_of(&[]),
        )
        .unwrap_err();
        assert_eq!(errs[0].summary, "Invalid BCM API endpoint");
    }
}
