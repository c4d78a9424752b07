//! Ordered processing per partition key, parallel across keys, with bounded queues.

use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};

use crate::blocking::{Handler, Peer, Reply};
use crate::codec::Frame;
use crate::error::{Error, ErrorKind, Result};
use crate::metrics::{Gauge, Metrics};

struct Job {
    frame: Frame,
    peer: Peer,
    reply: SyncSender<Reply>,
}

type KeyFn = dyn Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync;

/// A [`Handler`] that runs the inner handler on a fixed set of worker threads, choosing
/// the worker by a partition key taken from each message (for HL7, e.g. the patient
/// identifier PID-3.1).
///
/// - **Order per key**: messages with the same key always go to the same worker, which
///   handles them one at a time in arrival order, even when they come over different
///   connections.
/// - **Parallel across keys**: different keys spread over `workers` threads.
/// - **Backpressure**: each worker's queue holds at most `queue` messages; when it is
///   full the connection waits (and stops reading), so a slow consumer slows its
///   senders instead of growing memory. At most `workers` handler calls run at once.
///
/// Messages without a key go to worker 0. The connection still waits for the reply, as
/// MLLP's stop-and-wait requires. Compose it inside a
/// [`StoreHandler`](crate::store::StoreHandler) to commit before replying.
///
/// # Examples
/// ```
/// use carewire_mllp::blocking::{Peer, Reply};
/// use carewire_mllp::partition::PartitionedHandler;
/// use carewire_mllp::Frame;
///
/// // Key: the text before the first '|' (a stand-in for a patient id).
/// let key = |m: &[u8]| m.split(|&b| b == b'|').next().map(|k| k.to_vec());
/// let handler = PartitionedHandler::new(4, 16, key, |_f: Frame, _p: Peer| {
///     Reply::Frame(Frame::CommitAck)
/// })?;
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
pub struct PartitionedHandler {
    senders: Vec<SyncSender<Job>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    key_fn: Box<KeyFn>,
    depth: Arc<Depth>,
}

/// Messages queued and not yet started, shared with the workers.
#[derive(Default)]
struct Depth {
    queued: AtomicU64,
    metrics: OnceLock<Arc<dyn Metrics>>,
}

impl Depth {
    fn add(&self, delta: i64) {
        let now = if delta >= 0 {
            self.queued.fetch_add(delta as u64, Ordering::SeqCst) + delta as u64
        } else {
            self.queued
                .fetch_sub(delta.unsigned_abs(), Ordering::SeqCst)
                .saturating_sub(delta.unsigned_abs())
        };
        if let Some(m) = self.metrics.get() {
            m.gauge(Gauge::QueueDepth, now);
        }
    }
}

impl fmt::Debug for PartitionedHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartitionedHandler")
            .field("workers", &self.senders.len())
            .finish_non_exhaustive()
    }
}

fn worker(jobs: Receiver<Job>, inner: Arc<dyn Handler>, depth: Arc<Depth>) {
    while let Ok(job) = jobs.recv() {
        depth.add(-1);
        // A panicking handler fails its message (no reply, the connection closes) but
        // must not take the whole partition down with it.
        let (frame, peer) = (job.frame, job.peer);
        let reply =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.handle(frame, peer)))
                .unwrap_or(Reply::Close);
        let _ = job.reply.send(reply);
    }
}

impl PartitionedHandler {
    /// Starts `workers` threads, each with a queue of `queue` messages, running `inner`
    /// on messages partitioned by `key_fn`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] when `workers` or `queue` is 0; an I/O error when a
    /// thread cannot be started.
    pub fn new(
        workers: usize,
        queue: usize,
        key_fn: impl Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync + 'static,
        inner: impl Handler,
    ) -> Result<PartitionedHandler> {
        if workers == 0 || queue == 0 {
            return Err(Error::new(ErrorKind::InvalidConfig));
        }
        let inner: Arc<dyn Handler> = Arc::new(inner);
        let depth = Arc::new(Depth::default());
        let mut senders = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (tx, rx) = mpsc::sync_channel(queue);
            let (inner, depth) = (Arc::clone(&inner), Arc::clone(&depth));
            let handle = thread::Builder::new()
                .name("mllp-partition".into())
                .spawn(move || worker(rx, inner, depth))?;
            senders.push(tx);
            handles.push(handle);
        }
        Ok(PartitionedHandler {
            senders,
            workers: Mutex::new(handles),
            key_fn: Box::new(key_fn),
            depth,
        })
    }

    /// Reports the queue depth ([`Gauge::QueueDepth`]) to `metrics` whenever it changes.
    pub fn metrics(self, metrics: Arc<dyn Metrics>) -> PartitionedHandler {
        let _ = self.depth.metrics.set(metrics);
        self
    }

    /// Messages queued now and not yet started (all partitions together).
    pub fn queue_depth(&self) -> u64 {
        self.depth.queued.load(Ordering::SeqCst)
    }

    /// The worker a message with `key` goes to.
    fn worker_for(&self, key: Option<&[u8]>) -> usize {
        let Some(key) = key else {
            return 0;
        };
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        (h.finish() % self.senders.len() as u64) as usize
    }
}

impl Handler for PartitionedHandler {
    fn handle(&self, frame: Frame, peer: Peer) -> Reply {
        let key = frame.data().and_then(|m| (self.key_fn)(m));
        let index = self.worker_for(key.as_deref());
        let (tx, rx) = mpsc::sync_channel(1);
        let job = Job {
            frame,
            peer,
            reply: tx,
        };
        let Some(sender) = self.senders.get(index) else {
            return Reply::Close;
        };
        // Counted before the send, which may wait for room: a full queue shows as its
        // capacity plus the senders waiting for it.
        self.depth.add(1);
        match sender.send(job) {
            Ok(()) => rx.recv().unwrap_or(Reply::Close),
            Err(_) => {
                self.depth.add(-1);
                Reply::Close
            }
        }
    }
}

impl Drop for PartitionedHandler {
    fn drop(&mut self) {
        self.senders.clear(); // ends each worker's loop once its queue is drained
        let handles = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|p| p.into_inner()));
        for h in handles {
            let _ = h.join();
        }
    }
}
