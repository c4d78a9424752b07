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
use carewire_mllp::blocking::{
    Client, ClientConfig, NegativeAck, Peer, RetryPolicy, Server, ServerConfig, Undelivered,
};
use carewire_mllp::hl7::{message_key, AckHandler, AckMode};
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

/// An ADT asking for enhanced-mode acknowledgments: MSH-15 `accept`, MSH-16 `app`.
fn adt_enhanced(id: &str, accept: &str, app: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|{id}|P|2.5.1|||{accept}|{app}\r\
         PID|1||12345^^^HOSP^MR||Doe^Jane||19800101|F\r"
    )
    .into_bytes()
}

fn msa(frame: &[u8]) -> (String, String) {
    let m = Message::parse(frame).unwrap();
    let get = |p: &str| m.get_str(p).unwrap().unwrap_or_default().into_owned();
    (get("MSA-1"), get("MSA-2"))
}

/// AA for `PID-8` F, AE otherwise.
fn by_sex(msg: &MessageBuf, _p: Peer) -> AckCode {
    match msg.view().get_str("PID-8").ok().flatten().as_deref() {
        Some("F") => AckCode::Aa,
        _ => AckCode::Ae,
    }
}

#[test]
fn enhanced_mode_sends_commit_then_application_ack() {
    let server = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        AckHandler::new(by_sex).mode(AckMode::Enhanced),
    )
    .unwrap();

    // On the wire: CA first, then the application ACK, both for this message.
    let mut raw = std::net::TcpStream::connect(server.local_addr()).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut wire = vec![0x0b];
    wire.extend_from_slice(&adt_enhanced("W1", "AL", "AL"));
    wire.extend_from_slice(b"\x1c\r");
    raw.write_all(&wire).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    for _ in 0..100 {
        if got.windows(2).filter(|w| w == b"\x1c\r").count() == 2 {
            break;
        }
        let n = raw.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let frames: Vec<&[u8]> = got
        .split(|&b| b == 0x1c)
        .filter_map(|f| f.strip_prefix(b"\r").unwrap_or(f).strip_prefix(b"\x0b"))
        .collect();
    assert_eq!(frames.len(), 2, "{}", String::from_utf8_lossy(&got));
    assert_eq!(msa(frames[0]), ("CA".into(), "W1".into()));
    assert_eq!(msa(frames[1]), ("AA".into(), "W1".into()));
    drop(raw);

    // The client reads both on one connection and reports both.
    let mut client = Client::connect(server.local_addr(), config(Duration::from_secs(5))).unwrap();
    let ack = client
        .send_message(&adt_enhanced("E1", "AL", "AL"))
        .unwrap();
    assert_eq!(ack.code(), AckCode::Aa);
    assert_eq!(ack.commit().map(|c| c.code()), Some(AckCode::Ca));
    assert_eq!(msa2(ack.commit().unwrap().message().unwrap()), "E1");
    assert_eq!(msa2(ack.message().unwrap()), "E1");
    // Commit only (MSH-16 NE), and an application error after CA.
    let ack = client
        .send_message(&adt_enhanced("E2", "AL", "NE"))
        .unwrap();
    assert_eq!((ack.code(), ack.commit().is_none()), (AckCode::Ca, true));
    let male = String::from_utf8(adt_enhanced("E3", "AL", "AL"))
        .unwrap()
        .replace("|F\r", "|M\r");
    let ack = client.send_message(male.as_bytes()).unwrap();
    assert_eq!(ack.code(), AckCode::Ae);
    assert_eq!(ack.commit().map(|c| c.code()), Some(AckCode::Ca));
    // No commit ACK asked for (MSH-15 NE): the application ACK alone.
    let ack = client
        .send_message(&adt_enhanced("E4", "NE", "AL"))
        .unwrap();
    assert_eq!((ack.code(), ack.commit().is_none()), (AckCode::Aa, true));
    // Original mode still answered in original mode by the same handler.
    assert_eq!(client.send_message(&adt("O1")).unwrap().code(), AckCode::Aa);
    assert_eq!(
        client.connects(),
        1,
        "no ACK was left over on the connection"
    );

    // MSH-16 ER: the client does not wait for a conditional application ACK; when one
    // comes (AE) it is never taken for the next message's ACK.
    let male = String::from_utf8(adt_enhanced("E5", "AL", "ER"))
        .unwrap()
        .replace("|F\r", "|M\r");
    assert_eq!(
        client.send_message(male.as_bytes()).unwrap().code(),
        AckCode::Ca
    );
    thread::sleep(Duration::from_millis(100));
    let ack = client
        .send_message(&adt_enhanced("E6", "AL", "AL"))
        .unwrap();
    assert_eq!(msa2(ack.message().unwrap()), "E6");
    assert_eq!(msa2(ack.commit().unwrap().message().unwrap()), "E6");
    assert_eq!(client.connects(), 2);
    server.shutdown();
}

#[test]
fn immediate_mode_answers_aa_whatever_the_callback_says() {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = {
        let calls = Arc::clone(&calls);
        AckHandler::new(move |_m: &MessageBuf, _p: Peer| {
            calls.fetch_add(1, Ordering::SeqCst);
            AckCode::Ar
        })
        .mode(AckMode::Immediate)
    };
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut client = Client::connect(server.local_addr(), config(Duration::from_secs(5))).unwrap();
    for (i, msg) in [adt("I1"), adt_enhanced("I2", "AL", "AL")]
        .iter()
        .enumerate()
    {
        let ack = client.send_message(msg).unwrap();
        assert_eq!(ack.code(), AckCode::Aa);
        assert!(ack.commit().is_none());
        assert_eq!(msa2(ack.message().unwrap()), format!("I{}", i + 1));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the callback still runs");
    assert_eq!(client.connects(), 1);
    server.shutdown();
}

#[test]
fn enhanced_acks_of_a_duplicate_are_replayed_from_the_store_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let start = || {
        let calls = Arc::clone(&calls);
        let inner = AckHandler::new(move |_m: &MessageBuf, _p: Peer| {
            calls.fetch_add(1, Ordering::SeqCst);
            AckCode::Aa
        })
        .mode(AckMode::Enhanced);
        let store = FileStore::open(dir.path()).unwrap();
        Server::bind(
            "127.0.0.1:0",
            ServerConfig::default(),
            StoreHandler::new(store, message_key, inner),
        )
        .unwrap()
    };
    let server = start();
    let mut client = Client::connect(server.local_addr(), config(Duration::from_secs(5))).unwrap();
    let msg = adt_enhanced("D1", "AL", "AL");
    let first = client.send_message(&msg).unwrap();
    let again = client.send_message(&msg).unwrap();
    server.shutdown();
    let server = start();
    let mut client = Client::connect(server.local_addr(), config(Duration::from_secs(5))).unwrap();
    let after_restart = client.send_message(&msg).unwrap();
    server.shutdown();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    for ack in [&again, &after_restart] {
        assert_eq!(ack.code(), AckCode::Aa);
        assert_eq!(
            ack.message().unwrap().bytes(),
            first.message().unwrap().bytes()
        );
        assert_eq!(
            ack.commit().unwrap().message().unwrap().bytes(),
            first.commit().unwrap().message().unwrap().bytes()
        );
    }
}

#[test]
fn refused_and_failed_messages_go_to_the_dead_letter_hook() {
    // AE for PID-8 M, AR for "REJECT" ids, AA otherwise.
    let handler = AckHandler::new(|msg: &MessageBuf, _p: Peer| {
        let view = msg.view();
        if view.header().control_id().as_deref() == Some("REJECT") {
            return AckCode::Ar;
        }
        by_sex(msg, _p)
    });
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let parked: Parked = Arc::default();
    let mut cc = config(Duration::from_secs(5));
    let sink = Arc::clone(&parked);
    cc.dead_letter = Some(Arc::new(move |m: &[u8], why: &Undelivered, n: u32| {
        sink.lock().unwrap().push((m.to_vec(), why.clone(), n));
    }));
    let mut client = Client::connect(server.local_addr(), cc).unwrap();
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = Duration::from_millis(5);
    policy.max_attempts = 3;
    policy.retry_on_error = true;
    let male = String::from_utf8(adt("AE1"))
        .unwrap()
        .replace("|F\r", "|M\r");
    // Accepted: not a dead letter.
    assert_eq!(
        client
            .send_message_with_retry(&adt("OK1"), &policy)
            .unwrap()
            .code(),
        AckCode::Aa
    );
    // AE on every attempt (retried), AR (not retried), no control id (never sent).
    let ack = client
        .send_message_with_retry(male.as_bytes(), &policy)
        .unwrap();
    assert_eq!(ack.code(), AckCode::Ae);
    let ack = client
        .send_message_with_retry(&adt("REJECT"), &policy)
        .unwrap();
    assert_eq!(ack.code(), AckCode::Ar);
    let err = client
        .send_message_with_retry(b"MSH|^~\\&|A|B\r", &policy)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingControlId);
    let parked = parked.lock().unwrap();
    assert_eq!(parked.len(), 3);
    assert_eq!(
        (&parked[0].0[..], &parked[0].1, parked[0].2),
        (
            male.as_bytes(),
            &Undelivered::Refused(NegativeAck::ApplicationError),
            3
        )
    );
    assert_eq!(
        (&parked[1].0, &parked[1].1, parked[1].2),
        (
            &adt("REJECT"),
            &Undelivered::Refused(NegativeAck::ApplicationReject),
            1
        )
    );
    assert_eq!(
        parked[2].1,
        Undelivered::Failed(ErrorKind::MissingControlId.into())
    );
    server.shutdown();
}

/// What a dead-letter hook was handed: message, reason, attempts.
type Parked =
    std::sync::Arc<std::sync::Mutex<Vec<(Vec<u8>, carewire_mllp::blocking::Undelivered, u32)>>>;

#[test]
fn ack_codes_are_counted_on_both_sides() {
    use carewire_mllp::metrics::{AckKind, Event, Metrics};
    #[derive(Default)]
    struct Acks(Mutex<HashMap<Event, u64>>);
    impl Metrics for Acks {
        fn record(&self, event: Event) {
            if matches!(event, Event::AckSent(_) | Event::AckReceived(_)) {
                *self.0.lock().unwrap().entry(event).or_default() += 1;
            }
        }
    }
    let (sent, received) = (Arc::new(Acks::default()), Arc::new(Acks::default()));
    let handler = AckHandler::new(by_sex)
        .mode(AckMode::Enhanced)
        .metrics(sent.clone());
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut cc = config(Duration::from_secs(5));
    cc.metrics = Some(received.clone());
    let mut client = Client::connect(server.local_addr(), cc).unwrap();
    client.send_message(&adt("C1")).unwrap();
    client
        .send_message(&adt_enhanced("C2", "AL", "AL"))
        .unwrap();
    let male = String::from_utf8(adt("C3"))
        .unwrap()
        .replace("|F\r", "|M\r");
    client.send_message(male.as_bytes()).unwrap();
    server.shutdown();
    let want: HashMap<Event, u64> = [(AckKind::Aa, 2), (AckKind::Ca, 1), (AckKind::Ae, 1)]
        .into_iter()
        .collect::<HashMap<_, _>>()
        .into_iter()
        .map(|(k, n)| (Event::AckSent(k), n))
        .collect();
    assert_eq!(*sent.0.lock().unwrap(), want);
    let got: HashMap<Event, u64> = received
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(e, n)| match e {
            Event::AckReceived(k) => (Event::AckSent(*k), *n),
            other => (*other, *n),
        })
        .collect();
    assert_eq!(got, want);
}
