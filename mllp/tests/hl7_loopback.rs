//! Loopback tests of the HL7 glue: strict ACK correlation, store-before-ACK with
//! duplicate detection across restarts. 127.0.0.1 only; bounded loops and waits.
#![cfg(feature = "hl7")]
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use carewire_hl7::{AckCode, Message, MessageBuf};
use carewire_mllp::blocking::{Client, ClientConfig, Peer, RetryPolicy, Server, ServerConfig};
use carewire_mllp::hl7::{message_key, AckHandler};
use carewire_mllp::store::{FileStore, StoreHandler};
use carewire_mllp::{ErrorKind, Phase};

fn adt(id: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|{id}|P|2.5.1\r\
         PID|1||12345^^^HOSP^MR||Doe^Jane||19800101|F\r"
    )
    .into_bytes()
}

fn config(response_timeout: Duration) -> ClientConfig {
    let mut c = ClientConfig::default();
    c.connect_timeout = Duration::from_secs(5);
    c.send_timeout = Duration::from_secs(5);
    c.response_timeout = response_timeout;
    c
}

fn msa2(ack: &MessageBuf) -> String {
    ack.view()
        .get_str("MSA-2")
        .unwrap()
        .unwrap_or_default()
        .into_owned()
}

#[test]
fn messages_are_acknowledged_and_correlated() {
    let server = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        AckHandler::new(|msg: &MessageBuf, _p: Peer| {
            match msg.view().get_str("PID-8").ok().flatten().as_deref() {
                Some("F") => AckCode::Aa,
                _ => AckCode::Ae,
            }
        }),
    )
    .unwrap();
    let mut client = Client::connect(server.local_addr(), config(Duration::from_secs(5))).unwrap();
    for i in 0..300 {
        let id = format!("MSG{i}");
        let ack = client.send_message(&adt(&id)).unwrap();
        assert_eq!(ack.code(), AckCode::Aa);
        assert_eq!(msa2(ack.message().unwrap()), id);
    }
    // Without a control id nothing is sent: its ACK could not be matched.
    let err = client.send_message(b"garbage").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingControlId);
    // Sent anyway, it is answered with AR.
    let reply = client.request(b"garbage").unwrap();
    let reject = Message::parse(reply.raw()).unwrap();
    assert_eq!(reject.get_str("MSA-1").unwrap().as_deref(), Some("AR"));
    assert_eq!(client.connects(), 1);
    server.shutdown();
}

#[test]
fn late_ack_is_never_matched_to_the_next_message() {
    let handler = AckHandler::new(|msg: &MessageBuf, _p: Peer| {
        if msg.view().header().control_id().as_deref() == Some("SLOW") {
            thread::sleep(Duration::from_millis(1500));
        }
        AckCode::Aa
    });
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut client =
        Client::connect(server.local_addr(), config(Duration::from_millis(500))).unwrap();
    let err = client.send_message(&adt("SLOW")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout(Phase::Response));
    thread::sleep(Duration::from_millis(1100)); // the late ACK is written meanwhile
    let ack = client.send_message(&adt("NEXT")).unwrap();
    assert_eq!(msa2(ack.message().unwrap()), "NEXT");
    server.shutdown();
}

#[test]
fn ack_for_another_message_is_refused() {
    // A broken peer that acknowledges every message with MSA-2 = "OTHER".
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 512];
        for _ in 0..100 {
            if got.ends_with(b"\x1c\r") {
                break;
            }
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        s.write_all(
            b"\x0bMSH|^~\\&|LIS|LAB|EMR|HOSP|2024||ACK^A01^ACK|A1|P|2.5.1\rMSA|AA|OTHER\r\x1c\r",
        )
        .unwrap();
        let _ = s.read(&mut buf); // until the client closes
    });
    let mut client = Client::connect(addr, config(Duration::from_secs(5))).unwrap();
    let err = client.send_message(&adt("MINE")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AckMismatch);
    assert!(!client.is_connected());
    peer.join().unwrap();
}

#[test]
fn file_store_restart_replays_acks_and_processes_each_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let processed: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let start = |processed: Arc<Mutex<HashMap<String, usize>>>| {
        let store = FileStore::open(dir.path()).unwrap();
        let inner = AckHandler::new(move |msg: &MessageBuf, _p: Peer| {
            let id = msg
                .view()
                .header()
                .control_id()
                .unwrap_or_default()
                .into_owned();
            *processed.lock().unwrap().entry(id).or_default() += 1;
            AckCode::Aa
        });
        Server::bind(
            "127.0.0.1:0",
            ServerConfig::default(),
            StoreHandler::new(store, message_key, inner),
        )
        .unwrap()
    };
    let server = start(Arc::clone(&processed));
    let mut client = Client::connect(server.local_addr(), config(Duration::from_secs(5))).unwrap();
    let mut first_acks = HashMap::new();
    for i in 0..15 {
        let id = format!("R{i}");
        let ack = client.send_message(&adt(&id)).unwrap();
        first_acks.insert(id, ack.message().unwrap().bytes().clone());
    }
    server.shutdown();

    let server = start(Arc::clone(&processed));
    let mut client = Client::connect(server.local_addr(), config(Duration::from_secs(5))).unwrap();
    for i in 0..25 {
        let id = format!("R{i}");
        let ack = client.send_message(&adt(&id)).unwrap();
        assert_eq!(ack.code(), AckCode::Aa);
        if let Some(first) = first_acks.get(&id) {
            assert_eq!(
                ack.message().unwrap().bytes(),
                first,
                "stored ACK replayed for {id}"
            );
        }
    }
    server.shutdown();

    let processed = processed.lock().unwrap();
    assert_eq!(processed.len(), 25);
    assert!(processed.values().all(|&n| n == 1));
    let store = FileStore::open(dir.path()).unwrap();
    let stored = store.messages().unwrap();
    assert_eq!(stored.len(), 25);
    for s in &stored {
        assert!(Message::parse(&s.message).is_ok());
    }
}

#[test]
fn concurrent_duplicates_are_processed_once() {
    let dir = tempfile::tempdir().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let inner = {
        let calls = Arc::clone(&calls);
        AckHandler::new(move |_m: &MessageBuf, _p: Peer| {
            calls.fetch_add(1, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(50));
            AckCode::Aa
        })
    };
    let store = FileStore::open(dir.path()).unwrap();
    let server = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        StoreHandler::new(store, message_key, inner),
    )
    .unwrap();
    let addr = server.local_addr();
    let senders: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                let mut c = Client::connect(addr, config(Duration::from_secs(5))).unwrap();
                let ack = c.send_message(&adt("SAME")).unwrap();
                ack.message().unwrap().bytes().clone()
            })
        })
        .collect();
    let acks: Vec<_> = senders.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(
        acks.iter().all(|a| a == &acks[0]),
        "every sender gets the same ACK"
    );
    server.shutdown();
}

#[test]
fn application_errors_are_retried_when_the_policy_says_so() {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = {
        let calls = Arc::clone(&calls);
        AckHandler::new(move |_m: &MessageBuf, _p: Peer| {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                AckCode::Ae
            } else {
                AckCode::Aa
            }
        })
    };
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut client = Client::connect(server.local_addr(), config(Duration::from_secs(5))).unwrap();
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = Duration::from_millis(5);
    // By default an AE is an answer, not a failure: no retry.
    let ack = client.send_message_with_retry(&adt("E1"), &policy).unwrap();
    assert_eq!(ack.code(), AckCode::Ae);
    calls.store(0, Ordering::SeqCst);
    policy.retry_on_error = true;
    let ack = client.send_message_with_retry(&adt("E2"), &policy).unwrap();
    assert_eq!(ack.code(), AckCode::Aa);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    server.shutdown();
}
