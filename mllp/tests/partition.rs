//! Partitioned processing: one key never runs twice at once, keys run in parallel up to
//! the worker count, and a panicking handler does not stop its partition.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use carewire_mllp::blocking::{Client, ClientConfig, Peer, Reply, Server, ServerConfig};
use carewire_mllp::partition::PartitionedHandler;
use carewire_mllp::{ErrorKind, Frame};

fn key(m: &[u8]) -> Option<Vec<u8>> {
    m.split(|&b| b == b'|').next().map(|k| k.to_vec())
}

#[derive(Default)]
struct Watch {
    running_keys: Mutex<HashSet<Vec<u8>>>,
    running: AtomicUsize,
    max_running: AtomicUsize,
    overlaps: AtomicUsize,
    done: AtomicUsize,
}

#[test]
fn one_key_at_a_time_keys_in_parallel_bounded_by_workers() {
    let watch = Arc::new(Watch::default());
    let inner = {
        let w = Arc::clone(&watch);
        move |frame: Frame, _p: Peer| {
            let k = key(frame.raw()).unwrap();
            if !w.running_keys.lock().unwrap().insert(k.clone()) {
                w.overlaps.fetch_add(1, Ordering::SeqCst);
            }
            let now = w.running.fetch_add(1, Ordering::SeqCst) + 1;
            w.max_running.fetch_max(now, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(15));
            w.running.fetch_sub(1, Ordering::SeqCst);
            w.running_keys.lock().unwrap().remove(&k);
            w.done.fetch_add(1, Ordering::SeqCst);
            Reply::Frame(Frame::CommitAck)
        }
    };
    let handler = PartitionedHandler::new(2, 4, key, inner).unwrap();
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let addr = server.local_addr();
    let senders: Vec<_> = (0..6)
        .map(|t| {
            thread::spawn(move || {
                let mut c = Client::connect(addr, ClientConfig::default()).unwrap();
                for i in 0..10 {
                    let msg = format!("K{}|{t}-{i}", (t + i) % 8);
                    assert_eq!(c.request(msg.as_bytes()).unwrap(), Frame::CommitAck);
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    server.shutdown();
    assert_eq!(watch.done.load(Ordering::SeqCst), 60);
    assert_eq!(
        watch.overlaps.load(Ordering::SeqCst),
        0,
        "a key ran twice at once"
    );
    assert_eq!(
        watch.max_running.load(Ordering::SeqCst),
        2,
        "two workers, both used"
    );
}

#[test]
fn a_panicking_handler_fails_its_message_only() {
    let handler = PartitionedHandler::new(1, 1, key, |frame: Frame, _p: Peer| {
        if frame.raw().starts_with(b"boom") {
            panic!("handler bug (expected by this test)");
        }
        Reply::Frame(Frame::CommitAck)
    })
    .unwrap();
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler).unwrap();
    let mut c = Client::connect(server.local_addr(), ClientConfig::default()).unwrap();
    assert!(c.request(b"boom|1").is_err());
    assert_eq!(c.request(b"fine|2").unwrap(), Frame::CommitAck);
    server.shutdown();
}

#[test]
fn zero_workers_or_queue_is_refused() {
    let h = |_f: Frame, _p: Peer| Reply::Nothing;
    assert_eq!(
        PartitionedHandler::new(0, 1, key, h).unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
    assert_eq!(
        PartitionedHandler::new(1, 0, key, h).unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
}

/// Keeps the highest queue depth reported.
#[derive(Default)]
struct MaxDepth(std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64);

impl carewire_mllp::metrics::Metrics for MaxDepth {
    fn record(&self, _event: carewire_mllp::metrics::Event) {}
    fn gauge(&self, gauge: carewire_mllp::metrics::Gauge, value: u64) {
        assert_eq!(gauge, carewire_mllp::metrics::Gauge::QueueDepth);
        self.0.fetch_max(value, Ordering::SeqCst);
        self.1.store(value, Ordering::SeqCst);
    }
}

#[test]
fn queue_depth_is_reported_and_drains() {
    let gate = Arc::new(Mutex::new(()));
    let held = gate.lock().unwrap();
    let inner = {
        let gate = Arc::clone(&gate);
        move |_f: Frame, _p: Peer| {
            let _open = gate.lock().unwrap();
            Reply::Frame(Frame::CommitAck)
        }
    };
    let depth = Arc::new(MaxDepth::default());
    let handler = Arc::new(
        PartitionedHandler::new(1, 8, key, inner)
            .unwrap()
            .metrics(depth.clone()),
    );
    // Four messages for the one worker: the first runs (and waits at the gate), three wait.
    let callers: Vec<_> = (0..4)
        .map(|i| {
            let h = Arc::clone(&handler);
            thread::spawn(move || {
                let peer = Peer {
                    addr: std::net::SocketAddr::from(([127, 0, 0, 1], 1)),
                    connection: i,
                };
                carewire_mllp::blocking::Handler::handle(&*h, Frame::Data("K|m".into()), peer)
            })
        })
        .collect();
    let start = std::time::Instant::now();
    while handler.queue_depth() < 3 && start.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(handler.queue_depth(), 3);
    drop(held);
    for c in callers {
        assert_eq!(c.join().unwrap(), Reply::Frame(Frame::CommitAck));
    }
    assert_eq!(handler.queue_depth(), 0);
    assert!(depth.0.load(Ordering::SeqCst) >= 3);
    assert_eq!(depth.1.load(Ordering::SeqCst), 0, "last report: drained");
}
