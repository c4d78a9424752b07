//! TLS for the blocking client and server (feature `tls`), through rustls with the `ring`
//! provider: TLS 1.2 and 1.3 only, server authentication against the CAs you name, and
//! optional mutual TLS (client certificates verified against a client CA).

use std::fmt;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::RootCertStore;

use crate::error::{Error, ErrorKind, Result};

fn tls_error<E>(_: E) -> Error {
    Error::new(ErrorKind::Tls)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

const VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

fn certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(tls_error)?;
    if certs.is_empty() {
        return Err(Error::new(ErrorKind::Tls));
    }
    Ok(certs)
}

fn key(pem: &[u8]) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem).map_err(tls_error)
}

fn roots(pem: &[u8]) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in certs(pem)? {
        roots.add(cert).map_err(tls_error)?;
    }
    Ok(roots)
}

/// TLS settings of a [`Client`](crate::blocking::Client): the rustls configuration and
/// the name the server's certificate must carry.
///
/// # Examples
/// ```no_run
/// use carewire_mllp::blocking::ClientConfig;
/// use carewire_mllp::tls::TlsClientConfig;
/// let ca = std::fs::read("ca.pem")?;
/// let mut config = ClientConfig::default();
/// config.tls = Some(TlsClientConfig::from_pem(&ca, "mllp.hospital.example")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TlsClientConfig {
    pub(crate) config: Arc<rustls::ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
}

impl fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClientConfig")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl TlsClientConfig {
    /// From a rustls configuration of your own.
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] when `server_name` is neither a DNS name nor an IP address.
    pub fn new(config: Arc<rustls::ClientConfig>, server_name: &str) -> Result<TlsClientConfig> {
        let server_name = ServerName::try_from(server_name.to_owned()).map_err(tls_error)?;
        Ok(TlsClientConfig {
            config,
            server_name,
        })
    }

    /// Trusts the CA certificates in `ca_pem` (PEM) and expects `server_name` (DNS name
    /// or IP address) in the server's certificate.
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] for unreadable certificates or a bad server name.
    pub fn from_pem(ca_pem: &[u8], server_name: &str) -> Result<TlsClientConfig> {
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(VERSIONS)
            .map_err(tls_error)?
            .with_root_certificates(roots(ca_pem)?)
            .with_no_client_auth();
        TlsClientConfig::new(Arc::new(config), server_name)
    }

    /// As [`TlsClientConfig::from_pem`], presenting the client certificate chain
    /// `cert_pem` with its private key `key_pem` (mutual TLS).
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] for unreadable certificates or keys, a key that does not fit,
    /// or a bad server name.
    pub fn with_client_cert(
        ca_pem: &[u8],
        cert_pem: &[u8],
        key_pem: &[u8],
        server_name: &str,
    ) -> Result<TlsClientConfig> {
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(VERSIONS)
            .map_err(tls_error)?
            .with_root_certificates(roots(ca_pem)?)
            .with_client_auth_cert(certs(cert_pem)?, key(key_pem)?)
            .map_err(tls_error)?;
        TlsClientConfig::new(Arc::new(config), server_name)
    }
}

/// TLS settings of a [`Server`](crate::blocking::Server).
///
/// # Examples
/// ```no_run
/// use carewire_mllp::blocking::ServerConfig;
/// use carewire_mllp::tls::TlsServerConfig;
/// let (cert, key, client_ca) = (std::fs::read("cert.pem")?, std::fs::read("key.pem")?, std::fs::read("ca.pem")?);
/// let mut config = ServerConfig::default();
/// config.tls = Some(TlsServerConfig::with_client_ca(&cert, &key, &client_ca)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TlsServerConfig {
    pub(crate) config: Arc<rustls::ServerConfig>,
    allowed: Option<Arc<Vec<ServerName<'static>>>>,
}

impl fmt::Debug for TlsServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServerConfig").finish_non_exhaustive()
    }
}

impl TlsServerConfig {
    /// From a rustls configuration of your own.
    pub fn new(config: Arc<rustls::ServerConfig>) -> TlsServerConfig {
        TlsServerConfig {
            config,
            allowed: None,
        }
    }

    /// Admits only clients whose certificate names one of `names` (DNS names or IP
    /// addresses, matched against the certificate's subject alternative names); others
    /// are disconnected right after the handshake, before any frame is read. Use with
    /// [`TlsServerConfig::with_client_ca`], which makes clients present a certificate.
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] when a name is neither a DNS name nor an IP address.
    ///
    /// # Examples
    /// ```no_run
    /// use carewire_mllp::tls::TlsServerConfig;
    /// let (cert, key, ca) = (std::fs::read("cert.pem")?, std::fs::read("key.pem")?, std::fs::read("ca.pem")?);
    /// let tls = TlsServerConfig::with_client_ca(&cert, &key, &ca)?
    ///     .allow_clients(&["lab-analyser.hospital.example", "10.1.2.3"])?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allow_clients(mut self, names: &[&str]) -> Result<TlsServerConfig> {
        let names = names
            .iter()
            .map(|n| ServerName::try_from(n.to_string()).map_err(tls_error))
            .collect::<Result<Vec<_>>>()?;
        self.allowed = Some(Arc::new(names));
        Ok(self)
    }

    /// True when the client that presented `certs` may stay (always, without an
    /// allow-list).
    pub(crate) fn admits(&self, certs: Option<&[CertificateDer<'_>]>) -> bool {
        let Some(allowed) = &self.allowed else {
            return true;
        };
        let Some(cert) = certs.and_then(|c| c.first()) else {
            return false;
        };
        let Ok(cert) = webpki::EndEntityCert::try_from(cert) else {
            return false;
        };
        allowed
            .iter()
            .any(|name| cert.verify_is_valid_for_subject_name(name).is_ok())
    }

    /// Serves the certificate chain `cert_pem` with its private key `key_pem` (PEM);
    /// clients are not asked for certificates.
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] for unreadable certificates or keys, or a key that does not fit.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<TlsServerConfig> {
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(VERSIONS)
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(certs(cert_pem)?, key(key_pem)?)
            .map_err(tls_error)?;
        Ok(TlsServerConfig::new(Arc::new(config)))
    }

    /// As [`TlsServerConfig::from_pem`], and requires every client to present a
    /// certificate issued by a CA in `client_ca_pem` (mutual TLS).
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] for unreadable certificates or keys, or a key that does not fit.
    pub fn with_client_ca(
        cert_pem: &[u8],
        key_pem: &[u8],
        client_ca_pem: &[u8],
    ) -> Result<TlsServerConfig> {
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots(client_ca_pem)?),
            provider(),
        )
        .build()
        .map_err(tls_error)?;
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(VERSIONS)
            .map_err(tls_error)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs(cert_pem)?, key(key_pem)?)
            .map_err(tls_error)?;
        Ok(TlsServerConfig::new(Arc::new(config)))
    }
}
