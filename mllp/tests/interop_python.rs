//! Interoperation with an independent implementation: python-hl7's `MLLPClient` (PyPI
//! package `hl7`, 0.4.5) sends to our server and parses our ACKs with its own parser.
//! The package is installed into a private folder by this test; when python3 or pip
//! cannot run (no network, no interpreter), the test is skipped with a notice.
#![cfg(feature = "hl7")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use carewire_hl7::{AckCode, MessageBuf};
use carewire_mllp::blocking::{Peer, Server, ServerConfig};
use carewire_mllp::hl7::AckHandler;

const PY_HL7: &str = "hl7==0.4.5";

const SCRIPT: &str = r#"
import sys
import hl7
from hl7.client import MLLPClient

port = int(sys.argv[1])
client = MLLPClient("127.0.0.1", port)
client.socket.settimeout(10)
for i in range(3):
    msg = "MSH|^~\\&|PYAPP|PYFAC|CW|HOSP|20240101120000||ORU^R01|PY%d|P|2.5\rPID|1||%d\r" % (i, i)
    raw = client.send_message(msg)
    text = raw.decode("utf-8").strip("\x0b\x1c\r\n")
    ack = hl7.parse(text)
    print(str(ack.segment("MSA")[1]), str(ack.segment("MSA")[2]))
client.close()
"#;

/// Where python-hl7 is installed for this test (kept between runs).
fn site_dir() -> PathBuf {
    std::env::temp_dir().join("carewire-mllp-interop-hl7-0.4.5")
}

fn python_ok(site: &Path) -> bool {
    Command::new("python3")
        .args(["-c", "import hl7.client"])
        .env("PYTHONPATH", site)
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Installs python-hl7 into `site_dir()` unless it is there; `None` (with a notice) when
/// that cannot be done here.
fn setup() -> Option<PathBuf> {
    let site = site_dir();
    if python_ok(&site) {
        return Some(site);
    }
    let installed = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg("--target")
        .arg(&site)
        .arg(PY_HL7)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if installed && python_ok(&site) {
        Some(site)
    } else {
        eprintln!("notice: skipping python-hl7 interop test (python3 or pip unavailable)");
        None
    }
}

#[test]
fn python_hl7_client_gets_acks_it_can_parse() {
    let Some(site) = setup() else {
        return;
    };
    let server = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        AckHandler::new(|_m: &MessageBuf, _p: Peer| AckCode::Aa),
    )
    .unwrap();
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(server.local_addr().port().to_string())
        .env("PYTHONPATH", &site)
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded wait: kill the interpreter if it has not finished in 30 s.
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python-hl7 client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["AA PY0", "AA PY1", "AA PY2"]
    );
    assert_eq!(server.stats().frames, 3);
    server.shutdown();
}
