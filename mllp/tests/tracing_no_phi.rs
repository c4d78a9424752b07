//! `tracing` output carries the peer and MSH-10, never message content: a subscriber that
//! records every span field, recorded value and event field sees the whole exchange of
//! the blocking and async clients and servers (HL7 ACKs, a framing error, a retry) and
//! finds no trace of the patient data in the messages; with `trace_payloads` on, it does
//! (so the check would catch a leak).
#![cfg(all(feature = "tracing", feature = "hl7", feature = "tokio"))]
#![allow(clippy::unwrap_used)]

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use carewire_hl7::{AckCode, MessageBuf};
use carewire_mllp::blocking::{Client, ClientConfig, Peer, Server, ServerConfig};
use carewire_mllp::hl7::{AckHandler, AckMode};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Everything the subscriber was given, as `name: field=value` lines.
fn log() -> &'static Mutex<Vec<String>> {
    static LOG: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    LOG.get_or_init(Mutex::default)
}

struct Capture {
    next: AtomicU64,
}

struct Fields<'a>(&'a str, Vec<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.1
            .push(format!("{}: {}={:?}", self.0, field.name(), value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.1
            .push(format!("{}: {}={}", self.0, field.name(), value));
    }
}

impl Capture {
    fn keep(&self, fields: Fields<'_>) {
        log().lock().unwrap().extend(fields.1);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut f = Fields(
            span.metadata().name(),
            vec![format!("span {}", span.metadata().name())],
        );
        span.record(&mut f);
        self.keep(f);
        Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _span: &Id, values: &Record<'_>) {
        let mut f = Fields("record", Vec::new());
        values.record(&mut f);
        self.keep(f);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut f = Fields("event", Vec::new());
        event.record(&mut f);
        self.keep(f);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Synthetic patient data that must never reach the subscriber.
const SECRETS: [&str; 4] = ["Zyxwvut", "Qpqpqp", "PID|", "7345261"];

fn adt(id: &str, msh15_16: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|{id}|P|2.5.1|||{msh15_16}\r\
         PID|1||7345261^^^HOSP^MR||Zyxwvut^Qpqpqp||19800101|F\r"
    )
    .into_bytes()
}

fn client_config() -> ClientConfig {
    let mut c = ClientConfig::default();
    c.connect_timeout = Duration::from_secs(5);
    c.response_timeout = Duration::from_secs(5);
    c
}

fn leaked(lines: &[String]) -> Vec<&String> {
    lines
        .iter()
        .filter(|l| SECRETS.iter().any(|s| l.contains(s)))
        .collect()
}

#[test]
fn spans_and_events_carry_peer_and_control_id_only() {
    tracing::subscriber::set_global_default(Capture {
        next: AtomicU64::new(0),
    })
    .unwrap();
    let handler = || {
        AckHandler::new(|m: &MessageBuf, _p: Peer| {
            if m.view().header().control_id().as_deref() == Some("BLK-3") {
                std::thread::sleep(Duration::from_millis(30));
            }
            AckCode::Aa
        })
        .mode(AckMode::Enhanced)
    };

    // Blocking: original and enhanced mode, a framing error, a retried timeout.
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler()).unwrap();
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    assert_eq!(
        client.send_message(&adt("BLK-1", "")).unwrap().code(),
        AckCode::Aa
    );
    assert_eq!(
        client.send_message(&adt("BLK-2", "AL|AL")).unwrap().code(),
        AckCode::Aa
    );
    let mut raw = std::net::TcpStream::connect(server.local_addr()).unwrap();
    raw.write_all(b"\x0bPID|Zyxwvut unterminated\x0b").unwrap();
    drop(raw);
    let mut slow = client_config();
    slow.response_timeout = Duration::from_millis(5);
    let mut quick = Client::connect(server.local_addr(), slow).unwrap();
    let mut policy = carewire_mllp::blocking::RetryPolicy::default();
    policy.max_attempts = 2;
    policy.initial_backoff = Duration::from_millis(1);
    let _ = quick.send_message_with_retry(&adt("BLK-3", ""), &policy);
    std::thread::sleep(Duration::from_millis(100));
    server.shutdown();

    // Async.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server =
            carewire_mllp::tokio::Server::bind("127.0.0.1:0", ServerConfig::default(), handler())
                .await
                .unwrap();
        let mut client =
            carewire_mllp::tokio::Client::connect(server.local_addr(), client_config())
                .await
                .unwrap();
        let ack = client.send_message(&adt("ASY-1", "AL|AL")).await.unwrap();
        assert_eq!(ack.code(), AckCode::Aa);
        server.shutdown().await;
    });

    let lines = log().lock().unwrap().clone();
    let text = lines.join("\n");
    assert!(leaked(&lines).is_empty(), "leaked: {:?}", leaked(&lines));
    // What is there: connection spans with the peer, message spans with MSH-10, events.
    for want in [
        "span mllp.connection",
        "mllp.connection: side=server",
        "mllp.connection: side=client",
        "mllp.connection: peer=127.0.0.1:",
        "span mllp.message",
        "record: control_id=BLK-1",
        "record: control_id=BLK-2",
        "record: control_id=BLK-3",
        "record: control_id=ASY-1",
        "event: message=frame received",
        "event: message=reply sent",
        "event: message=frame discarded",
        "event: message=retry",
        "event: message=undelivered",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }

    // With payload tracing switched on, content does reach the subscriber: the check
    // above would have seen it.
    let mut config = ServerConfig::default();
    config.trace_payloads = true;
    let server = Server::bind("127.0.0.1:0", config, handler()).unwrap();
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    client.send_message(&adt("ON-1", "")).unwrap();
    server.shutdown();
    let lines = log().lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("event: payload=") && l.contains("Zyxwvut")),
        "payload tracing on shows the message"
    );
}
