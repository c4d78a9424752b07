//! TLS and mutual TLS on loopback with certificates generated for the test (rcgen).
#![cfg(feature = "tls")]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use carewire_mllp::blocking::{Client, ClientConfig, Peer, Reply, Server, ServerConfig};
use carewire_mllp::tls::{TlsClientConfig, TlsServerConfig};
use carewire_mllp::{ErrorKind, Frame};
use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};

struct Ca {
    cert: Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    fn pem(&self) -> Vec<u8> {
        self.cert.pem().into_bytes()
    }

    /// A leaf certificate and key (PEM) for `names`.
    fn issue(&self, names: &[&str]) -> (Vec<u8>, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, "leaf");
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem().into_bytes(), key.serialize_pem().into_bytes())
    }
}

fn echo(frame: Frame, _p: Peer) -> Reply {
    let mut out = b"ACK:".to_vec();
    out.extend_from_slice(frame.raw());
    Reply::data(out)
}

fn client_config(tls: Option<TlsClientConfig>) -> ClientConfig {
    let mut c = ClientConfig::default();
    c.connect_timeout = Duration::from_secs(5);
    c.send_timeout = Duration::from_secs(5);
    c.response_timeout = Duration::from_secs(5);
    c.tls = tls;
    c
}

fn tls_server(tls: TlsServerConfig) -> carewire_mllp::blocking::ServerHandle {
    let mut config = ServerConfig::default();
    config.tls = Some(tls);
    Server::bind("127.0.0.1:0", config, echo).unwrap()
}

#[test]
fn tls_round_trip_keeps_one_connection() {
    let ca = Ca::new("test ca");
    let (cert, key) = ca.issue(&["localhost"]);
    let server = tls_server(TlsServerConfig::from_pem(&cert, &key).unwrap());
    let tls = TlsClientConfig::from_pem(&ca.pem(), "localhost").unwrap();
    let mut client = Client::connect(server.local_addr(), client_config(Some(tls))).unwrap();
    for i in 0..200 {
        let msg = format!("MSH|^~\\&|A|B|||||ADT^A01|{i}|P|2.5\r");
        let reply = client.request(msg.as_bytes()).unwrap();
        assert_eq!(&reply.raw()[4..], msg.as_bytes());
    }
    // TLS housekeeping (session tickets) is not mistaken for an unasked reply.
    assert_eq!(client.connects(), 1);
    server.shutdown();
}

#[test]
fn mutual_tls_requires_a_client_certificate_from_the_client_ca() {
    let server_ca = Ca::new("server ca");
    let client_ca = Ca::new("client ca");
    let stranger_ca = Ca::new("stranger ca");
    let (cert, key) = server_ca.issue(&["localhost"]);
    let server =
        tls_server(TlsServerConfig::with_client_ca(&cert, &key, &client_ca.pem()).unwrap());
    let addr = server.local_addr();

    let (ccert, ckey) = client_ca.issue(&["ward-7-monitor"]);
    let tls =
        TlsClientConfig::with_client_cert(&server_ca.pem(), &ccert, &ckey, "localhost").unwrap();
    let mut client = Client::connect(addr, client_config(Some(tls))).unwrap();
    assert_eq!(&client.request(b"hello").unwrap().raw()[4..], b"hello");

    // No client certificate.
    let tls = TlsClientConfig::from_pem(&server_ca.pem(), "localhost").unwrap();
    let mut client = Client::connect(addr, client_config(Some(tls))).unwrap();
    assert!(client.request(b"hello").is_err());

    // A certificate from a CA the server does not trust.
    let (scert, skey) = stranger_ca.issue(&["intruder"]);
    let tls =
        TlsClientConfig::with_client_cert(&server_ca.pem(), &scert, &skey, "localhost").unwrap();
    let mut client = Client::connect(addr, client_config(Some(tls))).unwrap();
    assert!(client.request(b"hello").is_err());
    server.shutdown();
}

#[test]
fn client_allow_list_admits_only_named_certificates() {
    let ca = Ca::new("ca");
    let client_ca = Ca::new("client ca");
    let (cert, key) = ca.issue(&["localhost"]);
    let tls = TlsServerConfig::with_client_ca(&cert, &key, &client_ca.pem())
        .unwrap()
        .allow_clients(&["ward-7-monitor", "10.1.2.3"])
        .unwrap();
    let server = tls_server(tls);
    let addr = server.local_addr();
    for (names, admitted) in [
        (&["ward-7-monitor"][..], true),
        (&["10.1.2.3"][..], true),
        (&["ward-8-monitor"][..], false),
    ] {
        let (ccert, ckey) = client_ca.issue(names);
        let tls = TlsClientConfig::with_client_cert(&ca.pem(), &ccert, &ckey, "localhost").unwrap();
        let mut client = Client::connect(addr, client_config(Some(tls))).unwrap();
        assert_eq!(client.request(b"hi").is_ok(), admitted, "{names:?}");
    }
    assert!(TlsServerConfig::from_pem(&cert, &key)
        .unwrap()
        .allow_clients(&["not a name!"])
        .is_err());
    server.shutdown();
}

#[test]
fn untrusted_server_and_plaintext_peers_fail() {
    let ca = Ca::new("real ca");
    let other = Ca::new("other ca");
    let (cert, key) = ca.issue(&["localhost"]);
    let server = tls_server(TlsServerConfig::from_pem(&cert, &key).unwrap());
    let addr = server.local_addr();
    // The client trusts another CA.
    let tls = TlsClientConfig::from_pem(&other.pem(), "localhost").unwrap();
    let mut client = Client::connect(addr, client_config(Some(tls))).unwrap();
    assert!(client.request(b"x").is_err());
    // The certificate is for another name.
    let tls = TlsClientConfig::from_pem(&ca.pem(), "elsewhere.example").unwrap();
    let mut client = Client::connect(addr, client_config(Some(tls))).unwrap();
    assert!(client.request(b"x").is_err());
    // A plaintext client gets no MLLP reply from a TLS server.
    let mut cfg = client_config(None);
    cfg.response_timeout = Duration::from_secs(2);
    let mut client = Client::connect(addr, cfg).unwrap();
    assert!(client.request(b"x").is_err());
    server.shutdown();
}

#[test]
fn unusable_pem_is_a_tls_error() {
    let err = TlsServerConfig::from_pem(b"not pem", b"not pem").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    let err = TlsClientConfig::from_pem(b"", "localhost").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
}

#[test]
fn silent_tls_peer_times_out_instead_of_hanging() {
    // Accepts TCP but never answers the TLS handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let ca = Ca::new("ca");
    let tls = TlsClientConfig::from_pem(&ca.pem(), "localhost").unwrap();
    let mut config = client_config(Some(tls));
    config.send_timeout = Duration::from_millis(300);
    config.response_timeout = Duration::from_millis(300);
    let mut client = Client::connect(addr, config).unwrap();
    let _held = listener.accept().unwrap();
    let started = std::time::Instant::now();
    let err = client.request(b"x").unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[cfg(feature = "tokio")]
mod async_tls {
    use super::*;
    use carewire_mllp::tokio as mllp_tokio;

    async fn server(tls: TlsServerConfig) -> mllp_tokio::ServerHandle {
        let mut config = ServerConfig::default();
        config.tls = Some(tls);
        mllp_tokio::Server::bind("127.0.0.1:0", config, echo)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn async_tls_round_trip_and_mutual_tls() {
        let run = async {
            let ca = Ca::new("ca");
            let client_ca = Ca::new("client ca");
            let (cert, key) = ca.issue(&["localhost"]);
            // Server authentication only; the connection is kept across requests
            // (session tickets are not taken for an unasked reply).
            let plain = server(TlsServerConfig::from_pem(&cert, &key).unwrap()).await;
            let tls = TlsClientConfig::from_pem(&ca.pem(), "localhost").unwrap();
            let mut client =
                mllp_tokio::Client::connect(plain.local_addr(), client_config(Some(tls)))
                    .await
                    .unwrap();
            for i in 0..50 {
                let msg = format!("M{i}");
                let reply = client.request(msg.as_bytes()).await.unwrap();
                assert_eq!(&reply.raw()[4..], msg.as_bytes());
            }
            assert_eq!(client.connects(), 1);
            plain.shutdown().await;

            // Mutual TLS.
            let mutual =
                server(TlsServerConfig::with_client_ca(&cert, &key, &client_ca.pem()).unwrap())
                    .await;
            let (ccert, ckey) = client_ca.issue(&["lab-analyser"]);
            let tls =
                TlsClientConfig::with_client_cert(&ca.pem(), &ccert, &ckey, "localhost").unwrap();
            let mut client =
                mllp_tokio::Client::connect(mutual.local_addr(), client_config(Some(tls)))
                    .await
                    .unwrap();
            assert_eq!(&client.request(b"ok").await.unwrap().raw()[4..], b"ok");
            let tls = TlsClientConfig::from_pem(&ca.pem(), "localhost").unwrap();
            let refused = async {
                let mut c =
                    mllp_tokio::Client::connect(mutual.local_addr(), client_config(Some(tls)))
                        .await?;
                c.request(b"no").await
            };
            assert!(refused.await.is_err());
            mutual.shutdown().await;

            // An allow-list on top of mutual TLS.
            let listed = server(
                TlsServerConfig::with_client_ca(&cert, &key, &client_ca.pem())
                    .unwrap()
                    .allow_clients(&["lab-analyser"])
                    .unwrap(),
            )
            .await;
            for (name, admitted) in [("lab-analyser", true), ("someone-else", false)] {
                let (ccert, ckey) = client_ca.issue(&[name]);
                let tls = TlsClientConfig::with_client_cert(&ca.pem(), &ccert, &ckey, "localhost")
                    .unwrap();
                let outcome = async {
                    let mut c =
                        mllp_tokio::Client::connect(listed.local_addr(), client_config(Some(tls)))
                            .await?;
                    c.request(b"hi").await
                };
                assert_eq!(outcome.await.is_ok(), admitted, "{name}");
            }
            listed.shutdown().await;
        };
        tokio::time::timeout(Duration::from_secs(20), run)
            .await
            .unwrap();
    }
}
