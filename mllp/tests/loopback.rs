//! Loopback (127.0.0.1) tests of the blocking client and server. Every loop is bounded in
//! count, every wait in time.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use carewire_mllp::blocking::{
    Client, ClientConfig, Peer, Reply, RetryPolicy, Server, ServerConfig, Undelivered,
};
use carewire_mllp::metrics::{Event, Metrics, Timing};
use carewire_mllp::store::{FileStore, MessageKey, MessageStore, StoreHandler};
use carewire_mllp::{ErrorKind, Frame, FrameConfig, Phase};

/// Replies `ACK:` + the message.
fn echo(frame: Frame, _peer: Peer) -> Reply {
    let mut out = b"ACK:".to_vec();
    out.extend_from_slice(frame.raw());
    Reply::data(out)
}

fn client_config() -> ClientConfig {
    let mut c = ClientConfig::default();
    c.connect_timeout = Duration::from_secs(5);
    c.send_timeout = Duration::from_secs(5);
    c.response_timeout = Duration::from_secs(5);
    c
}

fn ack_of(frame: &Frame) -> &[u8] {
    frame.raw().strip_prefix(b"ACK:").unwrap_or(b"")
}

/// Waits (bounded) until `cond` holds.
fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
    }
    cond()
}

#[test]
fn many_messages_on_one_connection() {
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), echo).unwrap();
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    for i in 0..2000 {
        let msg = format!("MSH|^~\\&|A|B|C|D|2024||ADT^A01|{i}|P|2.5\r");
        let reply = client.request(msg.as_bytes()).unwrap();
        assert_eq!(ack_of(&reply), msg.as_bytes());
    }
    assert_eq!(client.connects(), 1);
    assert_eq!(server.stats().frames, 2000);
    server.shutdown();
}

#[test]
fn concurrent_connections() {
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), echo).unwrap();
    let addr = server.local_addr();
    let workers: Vec<_> = (0..8)
        .map(|t| {
            thread::spawn(move || {
                let mut client = Client::connect(addr, client_config()).unwrap();
                for i in 0..200 {
                    let msg = format!("T{t}-M{i}");
                    let reply = client.request(msg.as_bytes()).unwrap();
                    assert_eq!(ack_of(&reply), msg.as_bytes());
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let stats = server.stats();
    assert_eq!(stats.frames, 1600);
    assert_eq!(stats.connections, 8);
    server.shutdown();
}

#[test]
fn peer_stalling_mid_frame_does_not_block_others_and_is_closed_when_idle() {
    let mut config = ServerConfig::default();
    config.idle_timeout = Duration::from_millis(300);
    let server = Server::bind("127.0.0.1:0", config, echo).unwrap();
    let mut stalled = TcpStream::connect(server.local_addr()).unwrap();
    stalled.write_all(b"\x0bMSH|^~\\&|half a mess").unwrap();
    // Another peer is served meanwhile.
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    assert_eq!(ack_of(&client.request(b"other").unwrap()), b"other");
    // The stalled connection is closed by the server after the idle timeout.
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let n = stalled.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "no reply to an unfinished frame");
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(wait_until(Duration::from_secs(2), || server
        .stats()
        .idle_closed
        >= 1));
    server.shutdown();
}

#[test]
fn oversized_frame_is_refused_and_the_connection_goes_on() {
    let mut config = ServerConfig::default();
    config.frame.max_frame = 1024;
    let server = Server::bind("127.0.0.1:0", config, echo).unwrap();
    let mut raw = TcpStream::connect(server.local_addr()).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut wire = vec![0x0b];
    wire.extend(std::iter::repeat(b'x').take(64 * 1024));
    wire.extend_from_slice(b"\x1c\r\x0bsmall\x1c\r");
    raw.write_all(&wire).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    for _ in 0..100 {
        if got.ends_with(b"\x1c\r") {
            break;
        }
        let n = raw.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"\x0bACK:small\x1c\r");
    assert_eq!(server.stats().framing_errors, 1);
    server.shutdown();

    // A client refuses an oversized response and closes the connection.
    let big = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        |_f: Frame, _p: Peer| Reply::data(vec![b'y'; 4096]),
    )
    .unwrap();
    let mut config = client_config();
    config.frame.max_frame = 1024;
    let mut client = Client::connect(big.local_addr(), config).unwrap();
    let err = client.request(b"hello").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FrameTooLarge { max: 1024 });
    assert!(!client.is_connected());
    big.shutdown();
}

#[test]
fn late_reply_is_never_matched_to_the_next_message() {
    let handler = |frame: Frame, peer: Peer| {
        if frame.raw() == b"slow" {
            thread::sleep(Duration::from_millis(1500));
        }
        echo(frame, peer)
    };
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut config = client_config();
    config.response_timeout = Duration::from_millis(500);
    let mut client = Client::connect(server.local_addr(), config).unwrap();
    let err = client.request(b"slow").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout(Phase::Response));
    assert!(!client.is_connected(), "a timeout closes the connection");
    // Wait until the late reply has certainly been written (to the old connection).
    thread::sleep(Duration::from_millis(1100));
    let reply = client.request(b"fast").unwrap();
    assert_eq!(ack_of(&reply), b"fast");
    assert_eq!(client.connects(), 2);
    server.shutdown();
}

#[test]
fn connection_closed_by_the_server_is_noticed_before_sending() {
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), echo).unwrap();
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    assert_eq!(ack_of(&client.request(b"one").unwrap()), b"one");
    assert_eq!(client.connects(), 1);
    server.shutdown();
    // The server closed the connection: the next request notices and reconnects (and
    // fails, since nothing listens any more) instead of writing into a dead socket.
    let err = client.request(b"two").unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Io(_) | ErrorKind::Timeout(Phase::Connect)
    ));
    assert_eq!(client.connects(), 1);
}

#[test]
fn unasked_reply_forces_a_reconnect() {
    // A peer that answers its first connection's frame twice; the extra answer arrives
    // unasked and must not be taken as the answer to the next message.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = thread::spawn(move || {
        for conn in 0..2 {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 256];
            for _ in 0..100 {
                if got.ends_with(b"\x1c\r") {
                    break;
                }
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0);
                got.extend_from_slice(&buf[..n]);
            }
            let body = &got[1..got.len() - 2];
            let mut reply = b"\x0bACK:".to_vec();
            reply.extend_from_slice(body);
            reply.extend_from_slice(b"\x1c\r");
            if conn == 0 {
                // The answer and an unasked one in the same write.
                reply.extend_from_slice(b"\x0bACK:stale\x1c\r");
            }
            s.write_all(&reply).unwrap();
            if conn == 0 {
                // Keep the connection open until the client has moved on.
                let _ = s.read(&mut buf);
            }
        }
    });
    let mut client = Client::connect(addr, client_config()).unwrap();
    assert_eq!(ack_of(&client.request(b"first").unwrap()), b"first");
    thread::sleep(Duration::from_millis(200)); // let the stale answer arrive
    assert_eq!(ack_of(&client.request(b"second").unwrap()), b"second");
    assert_eq!(client.connects(), 2);
    client.close();
    peer.join().unwrap();
}

#[test]
fn mismatched_response_closes_the_connection() {
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), echo).unwrap();
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    let err = client
        .request_with(b"m1", |f| ack_of(f) == b"something else")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AckMismatch);
    assert!(!client.is_connected());
    assert_eq!(ack_of(&client.request(b"m2").unwrap()), b"m2");
    server.shutdown();
}

#[test]
fn max_connections_refuses_extra_peers() {
    let mut config = ServerConfig::default();
    config.max_connections = 1;
    let server = Server::bind("127.0.0.1:0", config, echo).unwrap();
    let mut first = Client::connect(server.local_addr(), client_config()).unwrap();
    assert_eq!(ack_of(&first.request(b"a").unwrap()), b"a");
    let mut second = Client::connect(server.local_addr(), client_config()).unwrap();
    assert!(second.request(b"b").is_err());
    assert!(wait_until(Duration::from_secs(2), || server
        .stats()
        .refused
        >= 1));
    // The first connection is still served.
    assert_eq!(ack_of(&first.request(b"c").unwrap()), b"c");
    server.shutdown();
}

#[test]
fn commit_blocks_round_trip() {
    let handler = |frame: Frame, _p: Peer| match frame.raw() {
        b"bad" => Reply::Frame(Frame::CommitNak),
        _ => Reply::Frame(Frame::CommitAck),
    };
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    assert_eq!(client.request(b"good").unwrap(), Frame::CommitAck);
    assert_eq!(client.request(b"bad").unwrap(), Frame::CommitNak);
    server.shutdown();
}

#[test]
fn strict_framing_on_both_sides() {
    let mut sc = ServerConfig::default();
    sc.frame = FrameConfig::strict();
    let server = Server::bind("127.0.0.1:0", sc, echo).unwrap();
    let mut cc = client_config();
    cc.frame = FrameConfig::strict();
    let mut client = Client::connect(server.local_addr(), cc).unwrap();
    assert_eq!(ack_of(&client.request(b"s").unwrap()), b"s");
    server.shutdown();
}

/// Key for the toy protocol of the restart test: the message is `sender|id|body`.
fn toy_key(m: &[u8]) -> Option<MessageKey> {
    let mut parts = m.splitn(3, |&b| b == b'|');
    let sender = parts.next()?;
    let id = parts.next()?;
    Some(MessageKey::new(
        Bytes::copy_from_slice(sender),
        Bytes::copy_from_slice(id),
    ))
}

#[test]
fn server_restart_with_file_store_loses_nothing_and_processes_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let processed: Arc<Mutex<HashMap<Vec<u8>, u32>>> = Arc::default();
    let start = |processed: Arc<Mutex<HashMap<Vec<u8>, u32>>>| {
        let store = FileStore::open(dir.path()).unwrap();
        let inner = move |frame: Frame, peer: Peer| {
            *processed
                .lock()
                .unwrap()
                .entry(frame.raw().to_vec())
                .or_insert(0) += 1;
            echo(frame, peer)
        };
        let handler = StoreHandler::new(store, toy_key, inner);
        Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap()
    };
    let msg = |i: u32| format!("EMR|{i}|body of {i}").into_bytes();

    let server = start(Arc::clone(&processed));
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    let mut acked = Vec::new();
    for i in 0..20 {
        let reply = client.request(&msg(i)).unwrap();
        assert_eq!(ack_of(&reply), &msg(i)[..]);
        acked.push(i);
    }
    server.shutdown();

    // Restart on the same store; the sender, unsure what arrived, resends everything.
    let server = start(Arc::clone(&processed));
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    for i in 0..30 {
        let reply = client.request(&msg(i)).unwrap();
        assert_eq!(ack_of(&reply), &msg(i)[..], "same response for message {i}");
    }
    server.shutdown();

    let processed = processed.lock().unwrap();
    assert_eq!(processed.len(), 30);
    assert!(processed.values().all(|&n| n == 1), "each processed once");
    let store = FileStore::open(dir.path()).unwrap();
    assert_eq!(store.len(), 30);
    for i in acked {
        let key = toy_key(&msg(i)).unwrap();
        assert!(
            store.response_for(&key).unwrap().is_some(),
            "acked {i} is stored"
        );
    }
}

#[test]
fn panicking_handler_frees_its_connection_slot() {
    let mut config = ServerConfig::default();
    config.max_connections = 1;
    let handler = |frame: Frame, peer: Peer| {
        if frame.raw() == b"boom" {
            panic!("handler bug (expected by this test)");
        }
        echo(frame, peer)
    };
    let server = Server::bind("127.0.0.1:0", config, handler).unwrap();
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    assert!(client.request(b"boom").is_err());
    assert!(wait_until(Duration::from_secs(2), || server.stats().active == 0));
    // The only slot is free again.
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    assert_eq!(ack_of(&client.request(b"fine").unwrap()), b"fine");
    server.shutdown();
}

fn quick_retries(max_attempts: u32) -> RetryPolicy {
    let mut p = RetryPolicy::default();
    p.max_attempts = max_attempts;
    p.initial_backoff = Duration::from_millis(10);
    p.max_backoff = Duration::from_millis(50);
    p
}

#[test]
fn nak_is_retried_up_to_the_limit() {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = {
        let calls = Arc::clone(&calls);
        move |frame: Frame, _p: Peer| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            match (frame.raw(), n) {
                (b"flaky", 0 | 1) => Reply::Frame(Frame::CommitNak),
                (b"flaky", _) => Reply::Frame(Frame::CommitAck),
                _ => Reply::Frame(Frame::CommitNak),
            }
        }
    };
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut client = Client::connect(server.local_addr(), client_config()).unwrap();
    let reply = client
        .request_with_retry(b"flaky", &quick_retries(5))
        .unwrap();
    assert_eq!(reply, Frame::CommitAck);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    calls.store(100, Ordering::SeqCst);
    let err = client
        .request_with_retry(b"always refused", &quick_retries(3))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Nak);
    assert_eq!(calls.load(Ordering::SeqCst), 103);
    server.shutdown();
}

#[test]
fn timeout_is_retried_on_a_new_connection() {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = {
        let calls = Arc::clone(&calls);
        move |frame: Frame, peer: Peer| {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                thread::sleep(Duration::from_millis(1500));
            }
            echo(frame, peer)
        }
    };
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut config = client_config();
    config.response_timeout = Duration::from_millis(500);
    let mut client = Client::connect(server.local_addr(), config).unwrap();
    let reply = client.request_with_retry(b"m", &quick_retries(3)).unwrap();
    assert_eq!(ack_of(&reply), b"m");
    assert_eq!(client.connects(), 2);
    // Not retryable: nothing is sent at all.
    let err = client
        .request_with_retry(b"bad\x1cpayload", &quick_retries(3))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPayload);
    server.shutdown();
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let mut p = RetryPolicy::default();
    p.jitter = false;
    assert_eq!(p.backoff(0), Duration::from_millis(200));
    assert_eq!(p.backoff(1), Duration::from_millis(400));
    assert_eq!(p.backoff(200), p.max_backoff);
}

#[test]
fn client_replaces_a_connection_idle_too_long() {
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), echo).unwrap();
    let mut config = client_config();
    config.idle_timeout = Duration::from_millis(1000);
    let mut client = Client::connect(server.local_addr(), config).unwrap();
    assert_eq!(ack_of(&client.request(b"a").unwrap()), b"a");
    assert_eq!(ack_of(&client.request(b"b").unwrap()), b"b");
    assert_eq!(client.connects(), 1);
    thread::sleep(Duration::from_millis(1200));
    assert_eq!(ack_of(&client.request(b"c").unwrap()), b"c");
    assert_eq!(client.connects(), 2);
    server.shutdown();
}

#[derive(Default)]
struct Counting {
    events: Mutex<HashMap<Event, u64>>,
    timings: Mutex<HashMap<Timing, u64>>,
}

impl Metrics for Counting {
    fn record(&self, event: Event) {
        *self.events.lock().unwrap().entry(event).or_default() += 1;
    }
    fn observe(&self, timing: Timing, _elapsed: Duration) {
        *self.timings.lock().unwrap().entry(timing).or_default() += 1;
    }
}

impl Counting {
    fn event(&self, e: Event) -> u64 {
        self.events.lock().unwrap().get(&e).copied().unwrap_or(0)
    }
    fn timing(&self, t: Timing) -> u64 {
        self.timings.lock().unwrap().get(&t).copied().unwrap_or(0)
    }
}

#[test]
fn metrics_count_events_and_time_them() {
    let server_metrics = Arc::new(Counting::default());
    let mut sc = ServerConfig::default();
    sc.metrics = Some(server_metrics.clone());
    let handler = |frame: Frame, peer: Peer| {
        if frame.raw() == b"slow" {
            thread::sleep(Duration::from_millis(1500));
        }
        echo(frame, peer)
    };
    let server = Server::bind("127.0.0.1:0", sc, handler).unwrap();
    let client_metrics = Arc::new(Counting::default());
    let mut cc = client_config();
    cc.metrics = Some(client_metrics.clone());
    let mut client = Client::connect(server.local_addr(), cc.clone()).unwrap();
    for i in 0..10 {
        client.request(format!("m{i}").as_bytes()).unwrap();
    }
    // A second client, impatient, times out once and reconnects.
    cc.response_timeout = Duration::from_millis(500);
    let mut impatient = Client::connect(server.local_addr(), cc).unwrap();
    assert!(impatient.request(b"slow").is_err());
    impatient.request(b"after").unwrap();
    server.shutdown();

    assert_eq!(client_metrics.event(Event::FrameReceived), 11);
    assert_eq!(client_metrics.timing(Timing::RoundTrip), 11);
    assert_eq!(client_metrics.event(Event::ConnectionOpened), 3);
    assert_eq!(client_metrics.event(Event::Reconnect), 1);
    assert_eq!(client_metrics.event(Event::Timeout(Phase::Response)), 1);
    assert_eq!(server_metrics.event(Event::FrameReceived), 12);
    assert_eq!(server_metrics.event(Event::ConnectionOpened), 3);
    assert!(server_metrics.event(Event::ReplySent) >= 11);
    assert!(server_metrics.timing(Timing::Handling) >= 11);
}

type Parked = Arc<Mutex<Vec<(Vec<u8>, Undelivered, u32)>>>;

/// A dead-letter hook that keeps what it is given.
fn parking(config: &mut ClientConfig) -> Parked {
    let parked: Parked = Arc::default();
    let sink = Arc::clone(&parked);
    config.dead_letter = Some(Arc::new(
        move |msg: &[u8], why: &Undelivered, attempts: u32| {
            sink.lock()
                .unwrap()
                .push((msg.to_vec(), why.clone(), attempts));
        },
    ));
    parked
}

#[test]
fn undeliverable_messages_go_to_the_dead_letter_hook() {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = {
        let calls = Arc::clone(&calls);
        move |frame: Frame, peer: Peer| {
            calls.fetch_add(1, Ordering::SeqCst);
            match frame.raw() {
                b"nak" => Reply::Frame(Frame::CommitNak),
                b"slow" => {
                    thread::sleep(Duration::from_millis(400));
                    echo(frame, peer)
                }
                _ => echo(frame, peer),
            }
        }
    };
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut config = client_config();
    config.response_timeout = Duration::from_millis(150);
    let counts = Arc::new(Counting::default());
    config.metrics = Some(counts.clone());
    let parked = parking(&mut config);
    let mut client = Client::connect(server.local_addr(), config).unwrap();

    // Delivered: the hook is not called.
    assert_eq!(
        ack_of(&client.request_with_retry(b"ok", &quick_retries(3)).unwrap()),
        b"ok"
    );
    assert!(parked.lock().unwrap().is_empty());
    // Commit NAK on every attempt: retries exhausted.
    let err = client
        .request_with_retry(b"nak", &quick_retries(3))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Nak);
    // Timeout on every attempt.
    let err = client
        .request_with_retry(b"slow", &quick_retries(2))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout(Phase::Response));
    // Not retryable, never sent.
    let err = client
        .request_with_retry(b"bad\x1c", &quick_retries(3))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPayload);

    let parked = parked.lock().unwrap();
    let got: Vec<_> = parked
        .iter()
        .map(|(m, why, n)| (m.as_slice(), why.clone(), *n))
        .collect();
    assert_eq!(
        got,
        vec![
            (&b"nak"[..], Undelivered::Failed(ErrorKind::Nak.into()), 3),
            (
                &b"slow"[..],
                Undelivered::Failed(ErrorKind::Timeout(Phase::Response).into()),
                2
            ),
            (
                &b"bad\x1c"[..],
                Undelivered::Failed(carewire_mllp::Error::at(ErrorKind::InvalidPayload, 3)),
                1
            ),
        ]
    );
    assert_eq!(counts.event(Event::Undelivered), 3);
    assert_eq!(counts.event(Event::Retry), 2 + 1);
    drop(parked);
    server.shutdown();
}
