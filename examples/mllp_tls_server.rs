//! An MLLP listener behind mutual TLS that answers every HL7 message with an ACK.
//!
//! Shows: throwaway certificates made at start (rcgen: one CA for the server, one for
//! the clients — never use these outside a demo); `mllp::blocking::Server` on 127.0.0.1
//! with `TlsServerConfig::with_client_ca` and an allow-list of client names; an
//! `mllp::hl7::AckHandler` answering AA (AR for a message type it does not take); a
//! TLS client that checks each ACK against its message (MSA-2 = MSH-10); and three
//! peers that are refused: no client certificate, a certificate not on the allow-list,
//! and plaintext. All sockets are loopback, all waits bounded by timeouts.
//!
//! Crates: `carewire::mllp` (features `hl7`, `tls`), `carewire::hl7`, rcgen.
//!
//! Run: `cargo run --release --example mllp_tls_server -- [--messages N]` (default 50).
//! Exits non-zero if a message is not acknowledged or a refused peer gets through.

#[path = "common/mod.rs"]
mod common;

use carewire::hl7::{AckCode, MessageBuf};
use carewire::mllp::blocking::{Client, Peer, Server, ServerConfig};
use carewire::mllp::hl7::AckHandler;
use carewire::mllp::tls::{TlsClientConfig, TlsServerConfig};
use common::{client_config, Res};
use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};

/// A throwaway certificate authority.
struct Ca(Certificate, KeyPair);

impl Ca {
    fn new(name: &str) -> Result<Ca, rcgen::Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        Ok(Ca(params.self_signed(&key)?, key))
    }
    /// A leaf certificate and key, PEM, valid for `name`.
    fn issue(&self, name: &str) -> Result<(Vec<u8>, Vec<u8>), rcgen::Error> {
        let key = KeyPair::generate()?;
        let cert =
            CertificateParams::new(vec![name.to_string()])?.signed_by(&key, &self.0, &self.1)?;
        Ok((cert.pem().into_bytes(), key.serialize_pem().into_bytes()))
    }
    fn pem(&self) -> Vec<u8> {
        self.0.pem().into_bytes()
    }
}

fn adt(n: usize, kind: &str) -> Vec<u8> {
    format!("MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||{kind}|MSG{n:06}|P|2.5.1\rPID|1||{n:06}^^^HOSP^MR||Testpatient^Number{n}\r").into_bytes()
}

/// Serves `--messages` messages over mutual TLS and tries the refused peers.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let n = common::count(args, "--messages", 50)?;
    let (server_ca, client_ca) = (Ca::new("demo server CA")?, Ca::new("demo client CA")?);
    let (cert, key) = server_ca.issue("localhost")?;
    let mut config = ServerConfig::default();
    config.tls = Some(
        TlsServerConfig::with_client_ca(&cert, &key, &client_ca.pem())?
            .allow_clients(&["emr.hosp.example"])?,
    );
    let handler = AckHandler::new(|msg: &MessageBuf, _peer: Peer| {
        match msg.view().header().message_type().as_deref() {
            Some("ADT") => AckCode::Aa,
            _ => AckCode::Ar, // not a feed this listener takes
        }
    });
    let server = Server::bind("127.0.0.1:0", config, handler)?;
    let addr = server.local_addr();
    let mut lines = vec![format!(
        "listening on 127.0.0.1 with mutual TLS, clients allowed: emr.hosp.example"
    )];

    let (ccert, ckey) = client_ca.issue("emr.hosp.example")?;
    let tls = TlsClientConfig::with_client_cert(&server_ca.pem(), &ccert, &ckey, "localhost")?;
    let mut client = Client::connect(addr, client_config(Some(tls)))?;
    let (mut aa, mut ar) = (0, 0);
    for i in 0..n {
        let ack = client.send_message(&adt(i, "ADT^A04^ADT_A01"))?; // checks MSA-2 = MSH-10
        aa += usize::from(ack.code() == AckCode::Aa);
    }
    let ack = client.send_message(&adt(n, "ORM^O01^ORM_O01"))?;
    ar += usize::from(ack.code() == AckCode::Ar);
    lines.push(format!(
        "emr.hosp.example sent {} messages: {aa} AA, {ar} AR, {} connection(s)",
        n + 1,
        client.connects()
    ));

    // Peers that must be refused. The error kind depends on TLS timing; the refusal does not.
    let no_cert = TlsClientConfig::from_pem(&server_ca.pem(), "localhost")?;
    let (ocert, okey) = client_ca.issue("intruder.example")?;
    let not_listed =
        TlsClientConfig::with_client_cert(&server_ca.pem(), &ocert, &okey, "localhost")?;
    for (who, tls) in [
        ("no client certificate", Some(no_cert)),
        ("not on allow-list", Some(not_listed)),
        ("plaintext", None),
    ] {
        let refused = Client::connect(addr, client_config(tls))
            .and_then(|mut c| c.send_message(&adt(0, "ADT^A04")))
            .is_err();
        lines.push(format!("{who}: refused {refused}"));
        if !refused {
            return Err(format!("peer with {who} was served").into());
        }
    }
    let frames = server.stats().frames;
    server.shutdown();
    lines.push(format!("server answered {frames} frames"));
    if aa != n || ar != 1 {
        return Err("not every message was acknowledged as expected".into());
    }
    Ok(lines)
}

fn main() -> std::process::ExitCode {
    common::main("mllp_tls_server", run)
}
