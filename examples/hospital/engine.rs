//! The moving parts every system shares — an MLLP endpoint that commits each message to
//! its own file-backed store before it answers, and hands each message it accepted to
//! the system's work exactly once — and the integration engine: routing rules, per
//! destination transforms, delivery with retries and backoff, dead letters, and the
//! FHIR analytics feed.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use bytes::Bytes;
use carewire::hl7::{AckCode, Message, MessageBuf, MessageBuilder};
use carewire::mapping::fhir::{MapConfig, TzPolicy};
use carewire::mapping::route::{Matcher, RouteMode, Router, Test};
use carewire::mllp::blocking::{
    Client, ClientConfig, Handler, Peer, Reply, RetryPolicy, Server, ServerConfig, ServerHandle,
    Undelivered,
};
use carewire::mllp::store::{FileStore, MessageKey, StoreHandler};
use carewire::mllp::Frame;

use super::net::{lock, Proxy, Res, Stats};

/// A stable 64-bit hash (FNV-1a) for seeded decisions that must not depend on the
/// process (std's `DefaultHasher` is randomly keyed).
pub fn fnv(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The duplicate-detection key of an X12 interchange: ISA06 sender, ISA13 control
/// number (the element separator is the byte after `ISA`) and a hash of the content, so
/// that a sender reusing a control number is not mistaken for a resend.
pub fn x12_key(msg: &[u8]) -> Option<MessageKey> {
    let sep = *msg.get(3)?;
    let head = msg.get(..msg.len().min(120))?;
    let elements: Vec<&[u8]> = head.split(|b| *b == sep).collect();
    let text = |i: usize| -> Option<String> {
        Some(String::from_utf8_lossy(elements.get(i)?).trim().to_owned())
    };
    let sender = text(6)?;
    let control = format!("{}-{:016x}", text(13)?, fnv(0, msg));
    Some(MessageKey::new(sender, control))
}

/// Faults an endpoint injects with `--chaos` (decided per control id from the seed, so
/// a run is repeatable; the first attempt of a message is the one that suffers).
#[derive(Debug)]
pub struct Chaos {
    seed: u64,
    /// Percent of messages answered AE on their first attempt ("database busy").
    pub transient_ae: u64,
    /// Per mille of messages answered AE on every attempt (they end dead-lettered).
    pub poison: u64,
    /// Percent of messages whose first attempt stalls past the sender's ACK timeout.
    pub stall: u64,
    /// How long a stall lasts.
    pub stall_for: Duration,
    first: Mutex<HashSet<String>>,
    /// Faults injected so far: AE answers, stalls.
    pub injected: (AtomicU64, AtomicU64),
}

impl Chaos {
    /// A fault plan for one endpoint.
    pub fn new(
        seed: u64,
        transient_ae: u64,
        poison: u64,
        stall: u64,
        stall_for: Duration,
    ) -> Chaos {
        Chaos {
            seed,
            transient_ae,
            poison,
            stall,
            stall_for,
            first: Mutex::new(HashSet::new()),
            injected: (AtomicU64::new(0), AtomicU64::new(0)),
        }
    }

    /// `Some(AE)` to answer without storing, `None` to go on (after a stall, maybe).
    fn before(&self, msg: &[u8]) -> Option<Reply> {
        let parsed = Message::parse(msg).ok()?;
        let id = msh10(&parsed)?;
        let h = fnv(self.seed, id.as_bytes());
        let first = lock(&self.first).insert(id);
        let ae = h % 1000 < self.poison || (first && (h >> 10) % 100 < self.transient_ae);
        if ae {
            self.injected.0.fetch_add(1, Ordering::Relaxed);
            let ack = parsed
                .ack(AckCode::Ae)
                .text("temporarily unable to process")
                .build()
                .ok()?;
            return Some(Reply::data(ack.bytes().to_vec()));
        }
        if first && (h >> 20) % 100 < self.stall {
            self.injected.1.fetch_add(1, Ordering::Relaxed);
            thread::sleep(self.stall_for);
        }
        None
    }
}

/// MSH-10, the control id, of a parsed message.
fn msh10(msg: &Message<'_>) -> Option<String> {
    msg.get_str("MSH-10")
        .ok()
        .flatten()
        .map(std::borrow::Cow::into_owned)
}

/// Decides the response to a message (no side effects: it runs before the commit).
pub type Answer = Arc<dyn Handler>;
/// Work to do once per accepted message, after the commit.
pub type OnCommit = Arc<dyn Fn(Bytes) + Send + Sync>;

struct DynHandler(Answer);

impl Handler for DynHandler {
    fn handle(&self, frame: Frame, peer: Peer) -> Reply {
        self.0.handle(frame, peer)
    }
}

/// True when `reply` accepts: an HL7 ACK with MSA-1 AA/CA, an MLLP commit ACK, or any
/// other (X12) answer.
fn accepted(reply: &Reply) -> bool {
    let data = match reply.frames().last() {
        Some(Frame::Data(data)) => data,
        Some(Frame::CommitAck) => return true,
        _ => return false,
    };
    if !data.starts_with(b"MSH") {
        return true;
    }
    Message::parse(data)
        .ok()
        .and_then(|m| m.get_str("MSA-1").ok().flatten().map(|c| c.into_owned()))
        .is_some_and(|c| c == "AA" || c == "CA")
}

struct Front {
    chaos: Option<Arc<Chaos>>,
    store: StoreHandler<Arc<FileStore>, DynHandler>,
    key: fn(&[u8]) -> Option<MessageKey>,
    seen: Arc<Mutex<HashSet<MessageKey>>>,
    on_commit: OnCommit,
}

impl Handler for Front {
    fn handle(&self, frame: Frame, peer: Peer) -> Reply {
        let Frame::Data(msg) = &frame else {
            return self.store.handle(frame, peer);
        };
        let msg = msg.clone();
        if let Some(reply) = self.chaos.as_ref().and_then(|c| c.before(&msg)) {
            return reply;
        }
        let reply = self.store.handle(frame, peer);
        if accepted(&reply) {
            if let Some(k) = (self.key)(&msg) {
                if lock(&self.seen).insert(k) {
                    (self.on_commit)(msg);
                }
            }
        }
        reply
    }
}

/// One system's MLLP endpoint on 127.0.0.1 with its durable store: each message is
/// committed before the answer is sent, a resent message is answered from the store,
/// and `on_commit` runs once per accepted message. It can be restarted (the store is
/// reopened from disk, as after a crash) and put behind a chaos proxy.
pub struct Endpoint {
    dir: PathBuf,
    addr: SocketAddr,
    config: ServerConfig,
    key: fn(&[u8]) -> Option<MessageKey>,
    answer: Answer,
    on_commit: OnCommit,
    chaos: Option<Arc<Chaos>>,
    seen: Arc<Mutex<HashSet<MessageKey>>>,
    store: Arc<FileStore>,
    server: Option<ServerHandle>,
    proxy: Option<Proxy>,
    /// Times restarted.
    pub restarts: u32,
}

impl Endpoint {
    /// Opens the store in `dir` and listens.
    pub fn start(
        dir: &Path,
        config: ServerConfig,
        key: fn(&[u8]) -> Option<MessageKey>,
        answer: Answer,
        on_commit: OnCommit,
        chaos: Option<Arc<Chaos>>,
    ) -> Res<Endpoint> {
        let store = Arc::new(FileStore::open(dir)?);
        let mut e = Endpoint {
            dir: dir.to_path_buf(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            config,
            key,
            answer,
            on_commit,
            chaos,
            seen: Arc::default(),
            store,
            server: None,
            proxy: None,
            restarts: 0,
        };
        e.listen()?;
        Ok(e)
    }

    fn listen(&mut self) -> Res<()> {
        let front = Front {
            chaos: self.chaos.clone(),
            store: StoreHandler::new(
                Arc::clone(&self.store),
                self.key,
                DynHandler(Arc::clone(&self.answer)),
            ),
            key: self.key,
            seen: Arc::clone(&self.seen),
            on_commit: Arc::clone(&self.on_commit),
        };
        let server = Server::bind(self.addr, self.config.clone(), front)?;
        self.addr = server.local_addr();
        self.server = Some(server);
        Ok(())
    }

    /// Puts a chaos proxy in front: senders connect to it from now on.
    pub fn with_proxy(&mut self, seed: u64, cut_percent: u32) -> Res<()> {
        self.proxy = Some(Proxy::start(self.addr, seed, cut_percent)?);
        Ok(())
    }

    /// Where senders connect (the proxy, if any).
    pub fn addr(&self) -> SocketAddr {
        self.proxy.as_ref().map_or(self.addr, Proxy::addr)
    }

    /// Connections the proxy cut mid-frame.
    pub fn cuts(&self) -> u64 {
        self.proxy
            .as_ref()
            .map_or(0, |p| p.cuts.load(Ordering::Relaxed))
    }

    /// Stops the server (waiting for its connections to end), reopens the store from
    /// disk and listens again on the same port; `down` is how long it stays away.
    pub fn restart(&mut self, down: Duration) -> Res<()> {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
        thread::sleep(down);
        self.store = Arc::new(FileStore::open(&self.dir)?);
        // What was committed before the restart was handed to the system's work then:
        // rebuild the "done" set from the log, as a restarted system would.
        let mut seen = lock(&self.seen);
        seen.clear();
        for m in self.store.messages()? {
            if let Some(k) = m.key {
                seen.insert(k);
            }
        }
        drop(seen);
        // Listen on the same port again; it may linger for a moment; bind anew if it must.
        if self.listen().is_err() {
            self.addr = SocketAddr::from(([127, 0, 0, 1], 0));
            self.listen()?;
            if let Some(p) = &self.proxy {
                p.retarget(self.addr);
            }
        }
        self.restarts += 1;
        Ok(())
    }

    /// The store (to verify from at the end).
    pub fn store(&self) -> &FileStore {
        &self.store
    }

    /// Stops listening.
    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
        self.proxy = None;
    }
}

/// An HL7 endpoint's answer: AA when `accept` says so, else AR (no side effects).
pub fn hl7_answer(accept: impl Fn(&Message<'_>) -> bool + Send + Sync + 'static) -> Answer {
    Arc::new(carewire::mllp::hl7::AckHandler::new(
        move |m: &MessageBuf, _: Peer| {
            if accept(&m.view()) {
                AckCode::Aa
            } else {
                AckCode::Ar
            }
        },
    ))
}

/// One message the engine must deliver to one destination.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Delivery {
    /// Destination system.
    pub destination: &'static str,
    /// MSH-10.
    pub control_id: String,
}

/// A message the engine gave up on.
#[derive(Clone, Debug)]
pub struct DeadLetter {
    /// Which delivery.
    pub delivery: Delivery,
    /// Why (kind only, no content).
    pub reason: String,
    /// Attempts made.
    pub attempts: u32,
}

/// Where the engine sends, and how it reshapes messages for that destination.
pub struct Destination {
    /// System name (also MSH-5 of what it receives).
    pub name: &'static str,
    /// Its endpoint (proxy included).
    pub addr: SocketAddr,
    /// Client settings (TLS, metrics, ACK timeout).
    pub config: ClientConfig,
    /// Rewrites ORM^O01 to OML^O21 (this LIS takes the v2.5 order structure).
    pub wants_oml: bool,
    /// The interface's counters (the client settings report into them too).
    pub stats: Arc<Stats>,
}

/// What the analytics feed produced.
#[derive(Debug, Default)]
pub struct Analytics {
    /// Bundles appended to the NDJSON file.
    pub bundles: u64,
    /// FHIR resources in them.
    pub resources: u64,
    /// Unmapped-data report entries.
    pub unmapped: u64,
    /// Messages that did not convert at all.
    pub failed: u64,
}

struct Job {
    delivery: Delivery,
    message: Bytes,
}

/// The integration engine.
pub struct Engine {
    router: Router,
    queues: Mutex<HashMap<&'static str, Vec<Sender<Job>>>>,
    analytics: Mutex<Option<Sender<Bytes>>>,
    pending: Arc<AtomicI64>,
    /// Every delivery routed.
    pub routed: Mutex<Vec<Delivery>>,
    /// Deliveries given up on.
    pub dead: Arc<Mutex<Vec<DeadLetter>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    feed: Mutex<Option<JoinHandle<Analytics>>>,
    /// `--break lost`: the next delivery to this destination is silently dropped.
    lose: Mutex<Option<&'static str>>,
}

/// The engine's routing table (fan-out).
pub fn routes() -> Res<Router> {
    let mut r = Router::new(RouteMode::FanOut);
    for d in ["LIS", "RIS", "PACS", "BILLING", "EMR"] {
        r.destination(d)?;
    }
    let from = |app: &str| Matcher::sending_application(Test::equals(app));
    let emr_adt = Matcher::all(vec![
        from("EMR"),
        Matcher::message_type(Test::equals("ADT")),
    ]);
    r.rule(emr_adt, &["LIS", "RIS", "BILLING"])?;
    let radiology = Matcher::path("OBR-24", Test::equals("RAD"))?;
    let orm = Matcher::all(vec![
        from("EMR"),
        Matcher::message_type(Test::equals("ORM")),
    ]);
    r.rule(
        Matcher::all(vec![orm.clone(), Matcher::not(radiology.clone())]),
        &["LIS"],
    )?;
    r.rule(Matcher::all(vec![orm, radiology]), &["RIS", "PACS"])?;
    // PACS keeps its demographics current from updates only (by trigger).
    let update = Matcher::all(vec![
        from("EMR"),
        Matcher::message_type(Test::equals("ADT")),
        Matcher::trigger(Test::equals("A08")),
    ]);
    r.rule(update, &["PACS"])?;
    r.rule(
        Matcher::all(vec![
            from("EMR"),
            Matcher::message_type(Test::equals("DFT")),
        ]),
        &["BILLING"],
    )?;
    let results = Matcher::all(vec![
        Matcher::any(vec![from("LIS"), from("RIS")]),
        Matcher::message_type(Test::equals("ORU")),
    ]);
    r.rule(results, &["EMR"])?;
    Ok(r)
}

impl Engine {
    /// Starts `partitions` delivery workers per destination (a patient's messages always
    /// take the same worker, so they arrive in order) and the analytics feed writing
    /// FHIR Bundles to `ndjson`.
    pub fn start(
        destinations: Vec<Destination>,
        partitions: usize,
        policy: RetryPolicy,
        ndjson: &Path,
        dead_dir: &Path,
    ) -> Res<Arc<Engine>> {
        fs::create_dir_all(dead_dir)?;
        let (tx, rx) = mpsc::channel::<Bytes>();
        let file = File::create(ndjson)?;
        let feed = thread::Builder::new()
            .name("fhir-feed".into())
            .spawn(move || analytics(rx, file))?;
        let engine = Engine {
            router: routes()?,
            queues: Mutex::default(),
            analytics: Mutex::new(Some(tx)),
            pending: Arc::default(),
            routed: Mutex::default(),
            dead: Arc::default(),
            workers: Mutex::default(),
            feed: Mutex::new(Some(feed)),
            lose: Mutex::new(None),
        };
        let mut workers = Vec::new();
        for d in destinations {
            let mut senders = Vec::new();
            for p in 0..partitions.max(1) {
                let (tx, rx) = mpsc::channel::<Job>();
                senders.push(tx);
                let worker = Worker {
                    name: d.name,
                    wants_oml: d.wants_oml,
                    addr: d.addr,
                    config: d.config.clone(),
                    policy: policy.clone(),
                    stats: Arc::clone(&d.stats),
                    pending: Arc::clone(&engine.pending),
                    dead: Arc::clone(&engine.dead),
                    dead_dir: dead_dir.to_path_buf(),
                };
                workers.push(
                    thread::Builder::new()
                        .name(format!("deliver-{}-{p}", d.name))
                        .spawn(move || worker.run(rx))?,
                );
            }
            lock(&engine.queues).insert(d.name, senders);
        }
        *lock(&engine.workers) = workers;
        Ok(Arc::new(engine))
    }

    /// The engine's answer on its inbound endpoints: AA for a message some rule routes,
    /// AR for one nobody takes.
    pub fn answer(self: &Arc<Engine>) -> Answer {
        let me = Arc::clone(self);
        hl7_answer(move |m| !me.router.route(m).is_unrouted())
    }

    /// The engine's work after an inbound commit: queue one delivery per destination
    /// and feed analytics.
    pub fn on_commit(self: &Arc<Engine>) -> OnCommit {
        let me = Arc::clone(self);
        Arc::new(move |msg: Bytes| me.dispatch(msg))
    }

    fn dispatch(&self, msg: Bytes) {
        let Ok(parsed) = Message::parse(&msg) else {
            return;
        };
        let id = msh10(&parsed).unwrap_or_default();
        let mrn = parsed
            .get_str("PID-3.1")
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_owned();
        let queues = lock(&self.queues);
        for dest in self.router.route(&parsed).destinations() {
            let Some((&name, senders)) = queues.iter().find(|(k, _)| **k == *dest) else {
                continue;
            };
            let delivery = Delivery {
                destination: name,
                control_id: id.clone(),
            };
            lock(&self.routed).push(delivery.clone());
            let mut lose = lock(&self.lose);
            if *lose == Some(name) {
                *lose = None;
                continue;
            }
            drop(lose);
            self.pending.fetch_add(1, Ordering::SeqCst);
            let partition = (fnv(0, mrn.as_bytes()) % senders.len() as u64) as usize;
            let job = Job {
                delivery,
                message: msg.clone(),
            };
            if senders[partition].send(job).is_err() {
                self.pending.fetch_sub(1, Ordering::SeqCst);
            }
        }
        if let Some(tx) = lock(&self.analytics).as_ref() {
            let _ = tx.send(msg);
        }
    }

    /// Self-test of the end-of-day checks: silently drop the next delivery to `dest`
    /// (counted as routed, never sent, never dead-lettered).
    pub fn lose_one(&self, dest: &'static str) {
        *lock(&self.lose) = Some(dest);
    }

    /// Deliveries routed but not yet finished (delivered or dead-lettered).
    pub fn pending(&self) -> i64 {
        self.pending.load(Ordering::SeqCst)
    }

    /// Waits until nothing is pending, at most `limit`; true when drained.
    pub fn drain(&self, limit: Duration) -> bool {
        let start = std::time::Instant::now();
        while self.pending() > 0 {
            if start.elapsed() > limit {
                return false;
            }
            thread::sleep(Duration::from_millis(5));
        }
        true
    }

    /// Stops the workers and the feed; returns what analytics wrote.
    pub fn finish(&self) -> Analytics {
        lock(&self.analytics).take();
        // Dropping the queues ends the workers once they are empty.
        lock(&self.queues).clear();
        for w in std::mem::take(&mut *lock(&self.workers)) {
            let _ = w.join();
        }
        let feed = lock(&self.feed).take();
        feed.and_then(|f| f.join().ok()).unwrap_or_default()
    }
}

struct Worker {
    name: &'static str,
    wants_oml: bool,
    addr: SocketAddr,
    config: ClientConfig,
    policy: RetryPolicy,
    stats: Arc<Stats>,
    pending: Arc<AtomicI64>,
    dead: Arc<Mutex<Vec<DeadLetter>>>,
    dead_dir: PathBuf,
}

impl Worker {
    fn run(self, rx: Receiver<Job>) {
        let mut config = self.config.clone();
        // The client calls this hook for a message it gives up on; the job is known here.
        let last: Arc<Mutex<Option<(Undelivered, u32)>>> = Arc::default();
        let hook = Arc::clone(&last);
        config.dead_letter = Some(Arc::new(move |_m: &[u8], why: &Undelivered, n: u32| {
            *lock(&hook) = Some((why.clone(), n));
        }));
        let mut client: Option<Client> = None;
        while let Ok(job) = rx.recv() {
            let message = self
                .reshape(&job.message)
                .unwrap_or_else(|| job.message.to_vec());
            self.stats.sent();
            if client.is_none() {
                match self.connect(&config) {
                    Ok(c) => client = Some(c),
                    Err((e, attempts)) => *lock(&last) = Some((Undelivered::Failed(e), attempts)),
                }
            }
            let outcome = match client.as_mut() {
                Some(c) => c.send_message_with_retry(&message, &self.policy).ok(),
                None => None,
            };
            // Delivered (AA) needs no record here: the destination's store is the record.
            if !outcome.is_some_and(|ack| ack.code() == AckCode::Aa) {
                let (reason, attempts) = lock(&last)
                    .take()
                    .map(|(why, n)| (why.to_string(), n))
                    .unwrap_or_else(|| ("refused".into(), 1));
                let path = self
                    .dead_dir
                    .join(format!("{}-{}.hl7", self.name, job.delivery.control_id));
                let _ = fs::write(path, &message);
                lock(&self.dead).push(DeadLetter {
                    delivery: job.delivery,
                    reason,
                    attempts,
                });
            }
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Connects, trying again under the retry policy while the destination is down
    /// (a restart); the last error and the attempts made when it stays down.
    fn connect(&self, config: &ClientConfig) -> Result<Client, (carewire::mllp::Error, u32)> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Client::connect(self.addr, config.clone()) {
                Ok(c) => return Ok(c),
                Err(e) if attempt < self.policy.max_attempts && self.policy.is_retryable(&e) => {
                    thread::sleep(self.policy.backoff(attempt - 1));
                }
                Err(e) => return Err((e, attempt)),
            }
        }
    }

    /// The destination's shape: MSH-5 names it; the LIS takes OML^O21 orders.
    fn reshape(&self, msg: &[u8]) -> Option<Vec<u8>> {
        let parsed = Message::parse(msg).ok()?;
        let mut b = MessageBuilder::from_message(&parsed);
        b.set("MSH-5", self.name).ok()?;
        if self.wants_oml && parsed.get_str("MSH-9.1").ok()??.as_ref() == "ORM" {
            b.set("MSH-9.1", "OML").ok()?;
            b.set("MSH-9.2", "O21").ok()?;
            b.set("MSH-9.3", "OML_O21").ok()?;
        }
        Some(b.to_bytes())
    }
}

/// The analytics feed: every clinical message the engine committed, as a FHIR R4
/// Bundle, one JSON line each.
fn analytics(rx: Receiver<Bytes>, file: File) -> Analytics {
    let mut out = std::io::BufWriter::new(file);
    let mut a = Analytics::default();
    let config = MapConfig::with_tz(TzPolicy::Error);
    while let Ok(msg) = rx.recv() {
        match carewire::mapping::v2::to_fhir(&msg, &config) {
            Ok(c) => {
                a.bundles += 1;
                a.resources += c.json.matches("\"resourceType\"").count().saturating_sub(1) as u64;
                a.unmapped += c.report.len() as u64;
                let _ = out.write_all(c.json.as_bytes());
                let _ = out.write_all(b"\n");
            }
            Err(_) => a.failed += 1,
        }
    }
    let _ = out.flush();
    a
}
