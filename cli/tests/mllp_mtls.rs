//! `carewire mllp listen --client-ca` (mutual TLS) with `carewire mllp send --tls-cert
//! --tls-key`, on 127.0.0.1 with certificates generated here (rcgen): a client with a
//! certificate from the client CA is served; one without a certificate, or with one from
//! another CA, is refused before anything is stored, and the listener goes on serving.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};

const BIN: &str = env!("CARGO_BIN_EXE_carewire");

/// A CA that issues certificates, written as PEM files.
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

    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(format!("{name}.pem"));
        std::fs::write(&path, self.cert.pem()).unwrap();
        path
    }

    /// A certificate for `names`, signed by this CA: (cert.pem, key.pem).
    fn issue(&self, dir: &Path, file: &str, names: &[&str]) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &self.cert, &self.key)
            .unwrap();
        let (c, k) = (
            dir.join(format!("{file}.cert.pem")),
            dir.join(format!("{file}.key.pem")),
        );
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c, k)
    }
}

/// A running `carewire mllp listen`, killed on drop.
struct Listener {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
}

impl Listener {
    fn start(args: &[&std::ffi::OsStr]) -> Listener {
        let mut child = Command::new(BIN)
            .args(["mllp", "listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(Duration::from_secs(10)).unwrap();
        let addr = first.strip_prefix("listening on ").unwrap().to_owned();
        Listener { child, addr, lines }
    }

    /// The next log line, if one comes within a second.
    fn line(&self) -> Option<String> {
        self.lines.recv_timeout(Duration::from_secs(1)).ok()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn send(addr: &str, msg: &Path, tls: &[&Path]) -> Output {
    let flags = ["--tls-ca", "--tls-cert", "--tls-key"];
    let mut cmd = Command::new(BIN);
    cmd.args(["mllp", "send", addr]).arg(msg);
    for (flag, path) in flags.iter().zip(tls) {
        cmd.arg(flag).arg(path);
    }
    cmd.output().unwrap()
}

fn stored(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".hl7"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn mutual_tls_admits_only_clients_with_a_certificate_from_the_client_ca() {
    let dir = std::env::temp_dir().join(format!("carewire-cli-mtls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let server_ca = Ca::new("server ca");
    let client_ca = Ca::new("client ca");
    let other_ca = Ca::new("another ca");
    let ca_pem = server_ca.write(&dir, "server-ca");
    let client_ca_pem = client_ca.write(&dir, "client-ca");
    let (server_cert, server_key) = server_ca.issue(&dir, "server", &["127.0.0.1"]);
    let (good_cert, good_key) = client_ca.issue(&dir, "lab", &["lab-analyser"]);
    let (bad_cert, bad_key) = other_ca.issue(&dir, "stranger", &["lab-analyser"]);
    let store = dir.join("store");
    let msg = |id: &str| {
        let path = dir.join(format!("{id}.hl7"));
        std::fs::write(
            &path,
            format!(
                "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|{id}|P|2.5.1\r\
                 PID|1||000001^^^HOSP^MR||Testpatient^Synthetic||19700101|U\r"
            ),
        )
        .unwrap();
        path
    };

    let listener = Listener::start(&[
        "--store".as_ref(),
        store.as_os_str(),
        "--tls-cert".as_ref(),
        server_cert.as_os_str(),
        "--tls-key".as_ref(),
        server_key.as_os_str(),
        "--client-ca".as_ref(),
        client_ca_pem.as_os_str(),
    ]);

    // No client certificate: refused, nothing stored.
    let out = send(&listener.addr, &msg("NOCERT"), &[&ca_pem]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(" AA"),
        "{out:?}"
    );
    // A certificate from another CA: refused, nothing stored.
    let out = send(
        &listener.addr,
        &msg("OTHERCA"),
        &[&ca_pem, &bad_cert, &bad_key],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(" AA"),
        "{out:?}"
    );
    assert_eq!(stored(&store), 0);
    assert_eq!(listener.line(), None, "a refused client logs no message");

    // A certificate from the client CA: served, stored, acknowledged.
    let out = send(
        &listener.addr,
        &msg("GOOD1"),
        &[&ca_pem, &good_cert, &good_key],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8(out.stdout).unwrap().ends_with(" AA\n"));
    let line = listener.line().unwrap();
    assert!(line.ends_with(" GOOD1 AA"), "{line}");
    assert_eq!(stored(&store), 1);
    // A message asking for enhanced-mode ACKs gets the commit ACK, then the application
    // ACK; `send` reports the application ACK.
    let enhanced = dir.join("enhanced.hl7");
    let text = std::fs::read_to_string(msg("ENH1")).unwrap();
    std::fs::write(&enhanced, text.replace("|P|2.5.1\r", "|P|2.5.1|||AL|AL\r")).unwrap();
    let out = send(&listener.addr, &enhanced, &[&ca_pem, &good_cert, &good_key]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8(out.stdout).unwrap().ends_with(" AA\n"));
    let line = listener.line().unwrap();
    assert!(line.ends_with(" ENH1 CA+AA"), "{line}");
    assert_eq!(stored(&store), 2);

    // `send --tls-cert` needs its key (and a CA to verify the listener with).
    let out = Command::new(BIN)
        .args(["mllp", "send", &listener.addr])
        .arg(msg("X"))
        .arg("--tls-ca")
        .arg(&ca_pem)
        .arg("--tls-cert")
        .arg(&good_cert)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    drop(listener);
    let _ = std::fs::remove_dir_all(&dir);
}
