//! The simulator's TLS material, made fresh at every start: a CA, a server certificate it
//! signs, and an `admin` client certificate for mutual TLS (how BCM's own tools log in,
//! `~/.cm/admin.pem`/`admin.key`). The CA and the client pair are written to a directory for
//! clients; the server key never leaves memory.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot generate the simulator's certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot set up TLS: {0}")]
    Rustls(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where the client-side files went, and the server's TLS configuration.
pub struct TlsMaterial {
    pub ca_file: PathBuf,
    pub client_cert_file: PathBuf,
    pub client_key_file: PathBuf,
    pub server_config: Arc<ServerConfig>,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("ca_file", &self.ca_file)
            .field("client_cert_file", &self.client_cert_file)
            .field("client_key_file", &self.client_key_file)
            .finish_non_exhaustive()
    }
}

fn named(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "bcmhcl simulator");
    name.push(DnType::CommonName, common_name);
    name
}

fn write(path: &Path, contents: &str, private: bool) -> Result<(), TlsError> {
    let failed = |source| TlsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(failed)?;
    std::io::Write::write_all(&mut file, contents.as_bytes()).map_err(failed)
}

/// Makes the certificates, writes `ca.pem`, `admin.pem` and `admin.key` into `dir`, and
/// builds a server configuration that accepts, but does not require, a client certificate
/// signed by the CA. `listen_ip` joins `localhost`, 127.0.0.1 and ::1 in the server
/// certificate's names.
pub fn generate(dir: &Path, listen_ip: IpAddr) -> Result<TlsMaterial, TlsError> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.distinguished_name = named("bcmhcl simulator CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let mut names = vec![
        "localhost".to_string(),
        "bcm-head".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if !listen_ip.is_unspecified() && !names.contains(&listen_ip.to_string()) {
        names.push(listen_ip.to_string());
    }
    let mut server_params = CertificateParams::new(names)?;
    server_params.distinguished_name = named("bcm-head");
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate()?;
    let server_cert = server_params.signed_by(&server_key, &ca)?;

    let mut client_params = CertificateParams::new(Vec::<String>::new())?;
    client_params.distinguished_name = named("admin");
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate()?;
    let client_cert = client_params.signed_by(&client_key, &ca)?;

    let ca_file = dir.join("ca.pem");
    let client_cert_file = dir.join("admin.pem");
    let client_key_file = dir.join("admin.key");
    write(&ca_file, &ca.pem(), false)?;
    write(&client_cert_file, &client_cert.pem(), false)?;
    write(&client_key_file, &client_key.serialize_pem(), true)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots
        .add(ca.der().clone())
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    let chain: Vec<CertificateDer<'static>> = vec![server_cert.der().clone(), ca.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut server_config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_file,
        client_cert_file,
        client_key_file,
        server_config: Arc::new(server_config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_written_and_the_key_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let material = generate(dir.path(), "127.0.0.1".parse().unwrap()).unwrap();
        let ca = std::fs::read_to_string(&material.ca_file).unwrap();
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
        let key = std::fs::read_to_string(&material.client_key_file).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&material.client_key_file)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0);
        }
        assert!(!format!("{material:?}").contains("PRIVATE"));
    }
}
