//! PostgreSQL connection strings as Terraform's pg backend takes them (a `postgres://` URL or
//! libpq `key=value` pairs, with the `PG*` environment as defaults) turned into a connection,
//! with TLS as `sslmode` asks.
//!
//! The client library knows `sslmode` disable/prefer/require only and refuses options it does
//! not know, so the TLS options (`sslmode`, `sslrootcert`) are taken out of the string here and
//! carried out with rustls: `allow`/`prefer`/`require` encrypt without checking the server's
//! certificate (libpq's meaning), `verify-ca` checks it against `sslrootcert`, `verify-full`
//! checks the host name too. Nothing here prints the string: it may hold a password.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A connection string; it may hold a password, so it never prints itself.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnString(String);

impl ConnString {
    pub fn new(text: impl Into<String>) -> ConnString {
        ConnString(text.into())
    }

    /// The string itself, for the one place that connects with it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ConnString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl fmt::Display for ConnString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// What the libpq environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
/// `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`) say, for what the string leaves out; the CLI
/// reads them (the library never reads the environment).
#[derive(Clone, Default)]
pub struct ConnDefaults {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<ConnString>,
    pub dbname: Option<String>,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<PathBuf>,
}

impl fmt::Debug for ConnDefaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnDefaults")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .field("sslrootcert", &self.sslrootcert)
            .finish()
    }
}

/// libpq's `sslmode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// A connection string that cannot be used; the text never quotes the string's values.
#[derive(Debug, thiserror::Error)]
pub enum ConnStrError {
    #[error("invalid connection string: {0}")]
    Invalid(String),
    #[error("sslmode {0:?} is not one of disable, allow, prefer, require, verify-ca, verify-full")]
    SslMode(String),
    #[error("the connection string option {0:?} is not supported by bcmhcl")]
    Unsupported(String),
    #[error(
        "sslmode={mode} needs the certificate of the server's certificate authority: set \
         sslrootcert in the connection string, or PGSSLROOTCERT"
    )]
    NoRootCert { mode: &'static str },
    #[error("cannot read the root certificate {}: {message}", .path.display())]
    RootCert { path: PathBuf, message: String },
    #[error("no user name: set user in the connection string, or PGUSER")]
    NoUser,
}

/// A parsed connection: the client's configuration and the TLS it needs.
pub struct Connection {
    pub config: postgres::Config,
    pub ssl_mode: SslMode,
    pub root_cert: Option<PathBuf>,
}

/// Options handled here rather than by the client library.
const TLS_OPTIONS: &[&str] = &["sslmode", "sslrootcert"];
/// Options libpq knows that bcmhcl does not carry out (client certificates).
const UNSUPPORTED_OPTIONS: &[&str] = &["sslcert", "sslkey", "sslpassword", "sslcrl"];
/// libpq options that only tune libpq itself and change nothing for a state backend.
const IGNORED_OPTIONS: &[&str] = &["fallback_application_name", "sslcompression", "sslsni"];

/// lib/pq's default when a connection string names no timeout is to wait forever; a state
/// backend that does not answer should fail instead.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Parses `conn_str` (URL or key/value form) and fills what it leaves out from `defaults`,
/// then lib/pq's own defaults (host localhost, port 5432).
pub fn parse(conn_str: &ConnString, defaults: &ConnDefaults) -> Result<Connection, ConnStrError> {
    let text = conn_str.expose().trim();
    let (rest, taken) = if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        split_url(text)?
    } else {
        split_key_values(text)?
    };
    let mut config =
        postgres::Config::from_str(&rest).map_err(|e| ConnStrError::Invalid(e.to_string()))?;
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        match defaults.host.as_deref() {
            Some(h) if h.starts_with('/') => config.host_path(h),
            Some(h) => config.host(h),
            None => config.host("localhost"),
        };
    }
    if config.get_ports().is_empty() {
        if let Some(port) = defaults.port {
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        match &defaults.user {
            Some(u) => config.user(u),
            None => return Err(ConnStrError::NoUser),
        };
    }
    if config.get_password().is_none() {
        if let Some(p) = &defaults.password {
            config.password(p.expose());
        }
    }
    if config.get_dbname().is_none() {
        if let Some(d) = &defaults.dbname {
            config.dbname(d);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
    }
    let mut ssl_mode = None;
    let mut root_cert = None;
    for (key, value) in taken {
        match key.as_str() {
            "sslmode" => {
                ssl_mode = Some(SslMode::parse(&value).ok_or(ConnStrError::SslMode(value))?)
            }
            "sslrootcert" => root_cert = Some(PathBuf::from(value)),
            _ => {}
        }
    }
    let ssl_mode = match (ssl_mode, defaults.sslmode.as_deref()) {
        (Some(m), _) => m,
        (None, Some(text)) => {
            SslMode::parse(text).ok_or_else(|| ConnStrError::SslMode(text.to_string()))?
        }
        // libpq's default: TLS when the server offers it.
        (None, None) => SslMode::Prefer,
    };
    config.ssl_mode(match ssl_mode {
        SslMode::Disable => postgres::config::SslMode::Disable,
        SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            postgres::config::SslMode::Require
        }
    });
    Ok(Connection {
        config,
        ssl_mode,
        root_cert: root_cert.or_else(|| defaults.sslrootcert.clone()),
    })
}

fn option_kind(key: &str) -> Result<Option<bool>, ConnStrError> {
    if UNSUPPORTED_OPTIONS.contains(&key) {
        return Err(ConnStrError::Unsupported(key.to_string()));
    }
    // Some(true): handled here; Some(false): dropped; None: for the client library.
    Ok(if TLS_OPTIONS.contains(&key) {
        Some(true)
    } else if IGNORED_OPTIONS.contains(&key) {
        Some(false)
    } else {
        None
    })
}

type Taken = Vec<(String, String)>;

/// A URL without its TLS query parameters, and those parameters (decoded).
fn split_url(url: &str) -> Result<(String, Taken), ConnStrError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), Vec::new()));
    };
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(raw_key)?;
        match option_kind(&key)? {
            Some(true) => taken.push((key, percent_decode(raw_value)?)),
            Some(false) => {}
            None => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, taken))
}

fn percent_decode(text: &str) -> Result<String, ConnStrError> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ConnStrError::Invalid("a URL part is not UTF-8 once decoded".into()))
}

/// `key=value` pairs (libpq's form: values may be single-quoted, `\` escapes) without the TLS
/// options, written back quoted, and those options.
fn split_key_values(text: &str) -> Result<(String, Taken), ConnStrError> {
    let mut chars = text.chars().peekable();
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(ConnStrError::Invalid(format!(
                "missing \"=\" after {key:?}"
            )));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err(ConnStrError::Invalid(format!(
                            "unterminated quoted value of {key:?}"
                        )))
                    }
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        match option_kind(&key)? {
            Some(true) => taken.push((key, value)),
            Some(false) => {}
            None => kept.push(format!(
                "{key}='{}'",
                value.replace('\\', "\\\\").replace('\'', "\\'")
            )),
        }
    }
    Ok((kept.join(" "), taken))
}

/// The TLS connector for `connection`'s `sslmode`.
pub fn tls(
    connection: &Connection,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, ConnStrError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verify =
        |mode: &'static str| -> Result<Arc<rustls::client::WebPkiServerVerifier>, ConnStrError> {
            let path = connection
                .root_cert
                .as_deref()
                .ok_or(ConnStrError::NoRootCert { mode })?;
            let roots = root_store(path)?;
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider.clone(),
            )
            .build()
            .map_err(|e| ConnStrError::RootCert {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
        };
    let verifier: Arc<dyn ServerCertVerifier> = match connection.ssl_mode {
        SslMode::VerifyFull => verify("verify-full")?,
        SslMode::VerifyCa => Arc::new(IgnoreHostName(verify("verify-ca")?)),
        // libpq: with a root certificate given, `require` checks the chain as verify-ca does.
        SslMode::Require if connection.root_cert.is_some() => {
            Arc::new(IgnoreHostName(verify("require")?))
        }
        _ => Arc::new(AcceptAnyCertificate(provider.clone())),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnStrError::Invalid(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

fn root_store(path: &Path) -> Result<rustls::RootCertStore, ConnStrError> {
    use rustls::pki_types::pem::PemObject;
    let err = |message: String| ConnStrError::RootCert {
        path: path.to_path_buf(),
        message,
    };
    let pem = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| err(e.to_string()))?;
        roots.add(cert).map_err(|e| err(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(err("it holds no PEM certificate".into()));
    }
    Ok(roots)
}

/// libpq's `prefer` and `require` without a root certificate: encrypted, server unchecked.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to the root certificate; the name is not checked.
#[derive(Debug)]
struct IgnoreHostName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> ConnDefaults {
        ConnDefaults {
            user: Some("os-user".into()),
            ..ConnDefaults::default()
        }
    }

    #[test]
    fn a_url_keeps_its_parts_and_gives_up_its_tls_options() {
        let c = parse(
            &ConnString::new(
                "postgres://alice:s3cret@db.example:6543/states?sslmode=verify-full&sslrootcert=%2Fca.pem&connect_timeout=5",
            ),
            &defaults(),
        )
        .unwrap();
        assert_eq!(c.config.get_user(), Some("alice"));
        assert_eq!(c.config.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(c.config.get_dbname(), Some("states"));
        assert_eq!(c.config.get_ports(), [6543]);
        assert_eq!(c.ssl_mode, SslMode::VerifyFull);
        assert_eq!(c.root_cert.as_deref(), Some(Path::new("/ca.pem")));
        assert_eq!(
            c.config.get_connect_timeout(),
            Some(&Duration::from_secs(5))
        );
        assert!(!format!("{:?}", c.config).contains("s3cret"));
    }

    #[test]
    fn key_value_pairs_with_quotes_and_escapes_parse() {
        let c = parse(
            &ConnString::new(
                "host=127.0.0.1 port = 5433 user='bob' password='it\\'s secret' dbname=x sslmode=disable",
            ),
            &defaults(),
        )
        .unwrap();
        assert_eq!(c.config.get_user(), Some("bob"));
        assert_eq!(c.config.get_password(), Some(&b"it's secret"[..]));
        assert_eq!(c.config.get_ports(), [5433]);
        assert_eq!(c.ssl_mode, SslMode::Disable);
    }

    #[test]
    fn what_the_string_leaves_out_comes_from_the_environment_then_lib_pq() {
        let env = ConnDefaults {
            user: Some("env-user".into()),
            password: Some(ConnString::new("pw")),
            dbname: Some("envdb".into()),
            port: Some(6000),
            sslmode: Some("require".into()),
            ..ConnDefaults::default()
        };
        let c = parse(&ConnString::new(""), &env).unwrap();
        assert_eq!(c.config.get_user(), Some("env-user"));
        assert_eq!(c.config.get_dbname(), Some("envdb"));
        assert_eq!(c.config.get_ports(), [6000]);
        assert_eq!(c.config.get_password(), Some(&b"pw"[..]));
        assert_eq!(c.ssl_mode, SslMode::Require);
        assert_eq!(
            c.config.get_hosts(),
            [postgres::config::Host::Tcp("localhost".into())]
        );
        // The string wins over the environment.
        let c = parse(&ConnString::new("user=u dbname=d sslmode=prefer"), &env).unwrap();
        assert_eq!(c.config.get_user(), Some("u"));
        assert_eq!(c.ssl_mode, SslMode::Prefer);
        assert!(matches!(
            parse(&ConnString::new(""), &ConnDefaults::default()),
            Err(ConnStrError::NoUser)
        ));
    }

    #[test]
    fn bad_strings_are_refused_without_quoting_their_values() {
        let e = parse(
            &ConnString::new("postgres://u:hunter2@h/db?sslmode=sometimes"),
            &defaults(),
        )
        .err()
        .unwrap();
        assert!(matches!(e, ConnStrError::SslMode(_)), "{e}");
        let e = parse(
            &ConnString::new("user=u password=hunter2 port=notaport"),
            &defaults(),
        )
        .err()
        .unwrap();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = parse(&ConnString::new("user=u sslcert=/c.pem"), &defaults())
            .err()
            .unwrap();
        assert!(e.to_string().contains("sslcert"), "{e}");
        let e = parse(
            &ConnString::new("user=u password='unterminated"),
            &defaults(),
        )
        .err()
        .unwrap();
        assert!(!e.to_string().contains("unterminated\""), "{e}");
        assert_eq!(format!("{:?}", ConnString::new("secret")), "****");
    }

    #[test]
    fn verifying_modes_need_a_root_certificate() {
        let c = parse(&ConnString::new("user=u sslmode=verify-full"), &defaults()).unwrap();
        assert!(matches!(
            tls(&c).err().unwrap(),
            ConnStrError::NoRootCert {
                mode: "verify-full"
            }
        ));
        let c = parse(&ConnString::new("user=u sslmode=require"), &defaults()).unwrap();
        assert!(tls(&c).is_ok());
    }
}
