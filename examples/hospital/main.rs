//! A whole hospital's interfaces in one command: a simulated day in which EMR, LIS, RIS,
//! PACS, billing and a payer are kept in sync by an integration engine, over real MLLP
//! sockets on 127.0.0.1 (TLS with a throwaway certificate by default), each system with
//! its own durable file-backed message store.
//!
//! Flows, as hospitals run them:
//! - **registration**: the EMR checks eligibility with the payer (X12 270 → 271), then
//!   sends ADT^A04/A01, A08 updates, later A02 transfers and A03 discharges; the engine
//!   fans ADT out to LIS, RIS and billing;
//! - **lab**: ORM^O01 orders from the EMR reach the LIS reshaped as OML^O21; the LIS
//!   answers each with an ORU^R01 (several OBX, abnormal flags, an NTE with escapes);
//! - **imaging**: ORM^O01 with an accession number to the RIS; the modality writes DICOM
//!   headers (carewire-dicom-lite) that PACS indexes; the RIS reports back with an
//!   ORU^R01; each study is linked to its order by accession number and to its patient;
//! - **billing**: charges (DFT^P03) and discharges become 837P/837I claims; the payer
//!   answers with a 999 and an 835 remittance that billing posts and balances;
//! - **analytics**: the engine turns every clinical message into a FHIR R4 Bundle
//!   (carewire-mapping) appended to an NDJSON file, PACS adds an ImagingStudy per study.
//!
//! Every endpoint commits a message to its store before it acknowledges it. The engine
//! routes by type, trigger, sender and OBR-24, reshapes for each destination, retries
//! with backoff and dead-letters what a destination refuses. `--chaos` makes the LIS's
//! link drop connections mid-frame, the RIS answer AE (some messages always), billing
//! stall past the ACK timeout, and the EMR restart; the run must still end with every
//! message delivered exactly once to each destination — checked from the stores — or
//! listed as a dead letter. At the end it prints a monitoring table and exits non-zero
//! if an invariant fails (a message lost or processed twice, an unbalanced 835, an
//! unlinked study).
//!
//! Crates: all of them — `carewire::{hl7, x12, dicom, mllp, mapping}`.
//!
//! Run: `cargo run --release --example hospital -- [--patients N] [--seed S]
//! [--out DIR] [--plaintext] [--chaos] [--quiet] [--break lost|twice|unbalanced]`
//! (defaults: 1000 patients, seed 1, `target/hospital`; `--break` breaks one invariant on
//! purpose to show that the checks catch it).

mod billing;
mod clinical;
mod engine;
mod imaging;
mod net;
pub mod world;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use carewire::hl7::{AckCode, Message};
use carewire::mllp::blocking::{Client, Handler, Peer, Reply, RetryPolicy};
use carewire::mllp::hl7::message_key;
use carewire::mllp::store::FileStore;
use carewire::mllp::Frame;

use engine::{Chaos, Destination, Endpoint, Engine};
use net::{lock, Res, Stats, Tls};
use world::{Day, Encounter};

/// Command-line options.
struct Opts {
    patients: usize,
    seed: u64,
    out: PathBuf,
    tls: bool,
    chaos: bool,
    progress: bool,
    /// Self-test of the checks: break one invariant on purpose.
    sabotage: Option<Sabotage>,
}

/// What `--break` breaks, to show that the end-of-day checks catch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sabotage {
    /// The engine forgets one delivery to the LIS (no send, no dead letter).
    Lost,
    /// The LIS reports its first result twice under two control ids.
    Twice,
    /// The payer's first 835 pays one cent more in BPR02 than its claims add up to.
    Unbalanced,
}

fn parse_args(args: &[String]) -> Res<Opts> {
    let mut o = Opts {
        patients: 1000,
        seed: 1,
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/hospital"),
        tls: true,
        chaos: false,
        progress: true,
        sabotage: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--patients" => o.patients = value()?.parse()?,
            "--seed" => o.seed = value()?.parse()?,
            "--out" => o.out = PathBuf::from(value()?),
            "--plaintext" => o.tls = false,
            "--chaos" => o.chaos = true,
            "--quiet" => o.progress = false,
            "--break" => {
                o.sabotage = Some(match value()?.as_str() {
                    "lost" => Sabotage::Lost,
                    "twice" => Sabotage::Twice,
                    "unbalanced" => Sabotage::Unbalanced,
                    _ => return Err("--break takes lost, twice or unbalanced".into()),
                })
            }
            "-h" | "--help" => {
                return Err("usage: hospital [--patients N] [--seed S] [--out DIR] \
                            [--plaintext] [--chaos] [--quiet] [--break lost|twice|unbalanced]"
                    .into())
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if o.patients == 0 {
        return Err("--patients must be at least 1".into());
    }
    Ok(o)
}

/// The interfaces, each one sender → one receiving endpoint, in table order.
const INTERFACES: [&str; 11] = [
    "EMR -> engine",
    "engine -> LIS",
    "engine -> RIS",
    "engine -> PACS",
    "engine -> billing",
    "LIS -> engine",
    "RIS -> engine",
    "engine -> EMR",
    "EMR -> payer 270/271",
    "billing -> payer 837/999",
    "payer -> billing 835",
];
const EMR_ENGINE: usize = 0;
const ENGINE_LIS: usize = 1;
const ENGINE_RIS: usize = 2;
const ENGINE_PACS: usize = 3;
const ENGINE_BILLING: usize = 4;
const LIS_ENGINE: usize = 5;
const RIS_ENGINE: usize = 6;
const ENGINE_EMR: usize = 7;
const EMR_PAYER: usize = 8;
const BILLING_PAYER: usize = 9;
const PAYER_BILLING: usize = 10;

fn message_type(m: &Message<'_>) -> String {
    m.get_str("MSH-9.1")
        .ok()
        .flatten()
        .unwrap_or_default()
        .into_owned()
}

fn field(m: &Message<'_>, path: &str) -> String {
    m.get_str(path)
        .ok()
        .flatten()
        .unwrap_or_default()
        .into_owned()
}

/// A sender's retry policy: quick backoff (loopback), AE retried, AR not.
fn policy() -> RetryPolicy {
    let mut p = RetryPolicy::default();
    p.max_attempts = 6;
    p.initial_backoff = Duration::from_millis(20);
    p.max_backoff = Duration::from_millis(400);
    p.retry_on_error = true;
    p
}

/// An X12 endpoint's answer, computed from the request alone (so a resend gets the
/// same answer from the store).
fn x12_answer(f: impl Fn(&[u8]) -> net::Res<Vec<u8>> + Send + Sync + 'static) -> engine::Answer {
    Arc::new(move |frame: Frame, _: Peer| match frame {
        Frame::Data(d) => match f(&d) {
            Ok(answer) => Reply::data(answer),
            Err(_) => Reply::Close,
        },
        _ => Reply::Nothing,
    }) as Arc<dyn Handler>
}

/// A worker loop: takes committed messages from `rx` until `stop` is set and the
/// channel is empty.
fn drain_loop(rx: &Receiver<Bytes>, stop: &AtomicBool, mut each: impl FnMut(Bytes)) {
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(m) => each(m),
            Err(RecvTimeoutError::Timeout) if !stop.load(Ordering::SeqCst) => {}
            Err(_) => return,
        }
    }
}

/// Per control id: how many times the store holds it, and how many of those it
/// acknowledged AA.
fn store_counts(store: &FileStore) -> Res<HashMap<String, (u32, u32)>> {
    let mut counts: HashMap<String, (u32, u32)> = HashMap::new();
    for m in store.messages()? {
        let Some(key) = m.key else { continue };
        let id = String::from_utf8_lossy(key.control_id()).into_owned();
        let aa = m.response.iter().any(|f| match f {
            Frame::Data(d) => Message::parse(d)
                .ok()
                .is_some_and(|a| field(&a, "MSA-1") == "AA"),
            Frame::CommitAck => true,
            Frame::CommitNak => false,
        });
        let e = counts.entry(id).or_default();
        e.0 += 1;
        e.1 += u32::from(aa);
    }
    Ok(counts)
}

/// Everything the run shares between threads.
struct Hospital {
    day: Arc<Day>,
    opts: Opts,
    stats: Vec<Arc<Stats>>,
    /// EMR: results received per placer order number.
    results: Mutex<HashMap<String, u32>>,
    /// EMR: eligibility answers per visit (true = active).
    coverage: Mutex<HashMap<String, bool>>,
    /// Control ids each source sent and had acknowledged AA (EMR, LIS, RIS).
    sent_ok: [Mutex<Vec<String>>; 3],
    /// Patients registered so far (progress).
    registered: AtomicUsize,
    /// RIS: the DICOM files of each study, by accession number.
    studies: Mutex<BTreeMap<String, Vec<PathBuf>>>,
    /// Billing: the ledger and what posting found.
    ledger: Mutex<billing::Ledger>,
    postings: AtomicUsize,
    posting_errors: Mutex<Vec<String>>,
    stop: AtomicBool,
}

impl Hospital {
    /// How long a sender waits for an ACK: short under `--chaos`, so that a stall past
    /// it (700 ms) forces a retry.
    fn ack_timeout(&self) -> Duration {
        if self.opts.chaos {
            Duration::from_millis(500)
        } else {
            Duration::from_secs(10)
        }
    }

    fn client(&self, tls: Option<&Tls>, iface: usize, to: std::net::SocketAddr) -> Res<Client> {
        let config = net::client_config(tls, &self.stats[iface], self.ack_timeout(), None)?;
        Ok(Client::connect(to, config)?)
    }

    /// Sends an HL7 message on interface `iface` under the retry policy; when it is
    /// answered AA, records its control id as sent by `source` (0 EMR, 1 LIS, 2 RIS).
    fn send(&self, client: &mut Client, iface: usize, source: usize, msg: &[u8]) {
        self.stats[iface].sent();
        let ack = client.send_message_with_retry(msg, &policy());
        if ack.is_ok_and(|a| a.code() == AckCode::Aa) {
            if let Some(id) = carewire::mllp::hl7::control_id(msg) {
                lock(&self.sent_ok[source]).push(id);
            }
        }
    }
}

/// Runs the day with `args`; the monitoring table's lines, or an error naming the
/// invariants that failed (with the table).
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let opts = parse_args(args)?;
    let started = Instant::now();
    let out = opts.out.clone();
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    fs::create_dir_all(&out)?;
    let day = Arc::new(world::generate(opts.seed, opts.patients));
    let tls = if opts.tls {
        Some(Tls::generate()?)
    } else {
        None
    };
    let tls = tls.as_ref();
    let chaos = opts.chaos;
    let seed = opts.seed;
    let h = Arc::new(Hospital {
        day: Arc::clone(&day),
        stats: INTERFACES.iter().map(|_| Arc::default()).collect(),
        results: Mutex::default(),
        coverage: Mutex::default(),
        sent_ok: Default::default(),
        registered: AtomicUsize::new(0),
        studies: Mutex::default(),
        ledger: Mutex::new(billing::Ledger::default()),
        postings: AtomicUsize::new(0),
        posting_errors: Mutex::default(),
        stop: AtomicBool::new(false),
        opts,
    });
    // However `run` ends (an error half-way included), the workers below stop.
    let _stop = StopOnDrop(Arc::clone(&h));
    let server = |iface: usize| net::server_config(tls, &h.stats[iface]);
    let noop: engine::OnCommit = Arc::new(|_| {});
    let pacs_dir = out.join("pacs/inbox");
    fs::create_dir_all(&pacs_dir)?;

    // Destinations of the engine. LIS and RIS queue committed orders for their work.
    let (lis_tx, lis_rx) = mpsc::channel::<Bytes>();
    let mut lis = Endpoint::start(
        &out.join("lis/store"),
        server(ENGINE_LIS)?,
        message_key,
        engine::hl7_answer(|m| matches!(message_type(m).as_str(), "ADT" | "OML" | "ORM")),
        Arc::new(move |msg: Bytes| {
            let is_order = Message::parse(&msg).is_ok_and(|m| message_type(&m) != "ADT");
            if is_order {
                let _ = lis_tx.send(msg);
            }
        }),
        None,
    )?;
    if chaos {
        lis.with_proxy(seed, 60)?;
    }
    let (ris_tx, ris_rx) = mpsc::channel::<Bytes>();
    let ris_chaos = chaos.then(|| Arc::new(Chaos::new(seed, 5, 5, 0, Duration::ZERO)));
    let mut ris = Endpoint::start(
        &out.join("ris/store"),
        server(ENGINE_RIS)?,
        message_key,
        engine::hl7_answer(|m| matches!(message_type(m).as_str(), "ADT" | "ORM")),
        Arc::new(move |msg: Bytes| {
            let is_order = Message::parse(&msg).is_ok_and(|m| message_type(&m) == "ORM");
            if is_order {
                let _ = ris_tx.send(msg);
            }
        }),
        ris_chaos.clone(),
    )?;
    // PACS takes imaging orders (to check incoming studies against) and A08 updates.
    let mut pacs = Endpoint::start(
        &out.join("pacs/store"),
        server(ENGINE_PACS)?,
        message_key,
        engine::hl7_answer(|m| matches!(message_type(m).as_str(), "ADT" | "ORM")),
        Arc::clone(&noop),
        None,
    )?;
    let billing_chaos =
        chaos.then(|| Arc::new(Chaos::new(seed ^ 7, 0, 0, 1, Duration::from_millis(700))));
    let mut bill = Endpoint::start(
        &out.join("billing/store"),
        server(ENGINE_BILLING)?,
        message_key,
        engine::hl7_answer(|m| matches!(message_type(m).as_str(), "ADT" | "DFT")),
        Arc::clone(&noop),
        billing_chaos.clone(),
    )?;
    let placers: HashSet<String> = day
        .encounters
        .iter()
        .flat_map(|e| {
            e.labs
                .iter()
                .map(|l| l.placer.clone())
                .chain(e.imaging.iter().map(|i| i.placer.clone()))
        })
        .collect();
    let emr_results = Arc::clone(&h);
    let mut emr = Endpoint::start(
        &out.join("emr/store"),
        server(ENGINE_EMR)?,
        message_key,
        engine::hl7_answer(move |m| {
            message_type(m) == "ORU" && clinical::placer(m).is_some_and(|p| placers.contains(&p))
        }),
        Arc::new(move |msg: Bytes| {
            if let Some(p) = Message::parse(&msg).ok().and_then(|m| clinical::placer(&m)) {
                *lock(&emr_results.results).entry(p).or_default() += 1;
            }
        }),
        None,
    )?;

    // The engine, its delivery workers and its three inbound channels.
    let timeout = h.ack_timeout();
    let dest =
        |name: &'static str, e: &Endpoint, iface: usize, wants_oml: bool| -> Res<Destination> {
            Ok(Destination {
                name,
                addr: e.addr(),
                config: net::client_config(tls, &h.stats[iface], timeout, None)?,
                wants_oml,
                stats: Arc::clone(&h.stats[iface]),
            })
        };
    fs::create_dir_all(out.join("analytics"))?;
    let engine = Engine::start(
        vec![
            dest("LIS", &lis, ENGINE_LIS, true)?,
            dest("RIS", &ris, ENGINE_RIS, false)?,
            dest("PACS", &pacs, ENGINE_PACS, false)?,
            dest("BILLING", &bill, ENGINE_BILLING, false)?,
            dest("EMR", &emr, ENGINE_EMR, false)?,
        ],
        4,
        policy(),
        &out.join("analytics/fhir.ndjson"),
        &out.join("engine/dead-letters"),
    )?;
    if h.opts.sabotage == Some(Sabotage::Lost) {
        engine.lose_one("LIS");
    }
    let inbound = |dir: &str, iface: usize| {
        Endpoint::start(
            &out.join("engine").join(dir),
            server(iface)?,
            message_key,
            engine.answer(),
            engine.on_commit(),
            None,
        )
    };
    let mut from_emr = inbound("from-emr", EMR_ENGINE)?;
    let mut from_lis = inbound("from-lis", LIS_ENGINE)?;
    let mut from_ris = inbound("from-ris", RIS_ENGINE)?;

    // The payer: eligibility and claims channels; billing's remittance channel.
    let payer = Arc::new(billing::Payer::new(&day));
    let p = Arc::clone(&payer);
    let mut payer_elig = Endpoint::start(
        &out.join("payer/eligibility"),
        server(EMR_PAYER)?,
        engine::x12_key,
        x12_answer(move |req| p.answer_270(req)),
        Arc::clone(&noop),
        None,
    )?;
    let (adj_tx, adj_rx) = mpsc::channel::<Bytes>();
    let p = Arc::clone(&payer);
    let mut payer_claims = Endpoint::start(
        &out.join("payer/claims"),
        server(BILLING_PAYER)?,
        engine::x12_key,
        x12_answer(move |claims| p.acknowledge(claims)),
        Arc::new(move |claims: Bytes| {
            let _ = adj_tx.send(claims);
        }),
        None,
    )?;
    let poster = Arc::clone(&h);
    let mut remits = Endpoint::start(
        &out.join("billing/remittances"),
        server(PAYER_BILLING)?,
        engine::x12_key,
        Arc::new(|frame: Frame, _: Peer| match frame {
            Frame::Data(_) => Reply::Frame(Frame::CommitAck),
            _ => Reply::Nothing,
        }) as Arc<dyn Handler>,
        Arc::new(move |remit: Bytes| {
            let posted = lock(&poster.ledger).post(&remit);
            match posted {
                Ok(_) => {
                    poster.postings.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => lock(&poster.posting_errors).push(e.to_string()),
            }
        }),
        None,
    )?;

    // Work behind the endpoints: the LIS analyzer, the RIS with its modality, the
    // payer's adjudication.
    let mut workers = Vec::new();
    let (hh, to) = (Arc::clone(&h), from_lis.addr());
    let lis_client = h.client(tls, LIS_ENGINE, to)?;
    workers.push(thread::spawn(move || {
        let mut client = lis_client;
        let labs: HashMap<&str, &world::LabOrder> = hh
            .day
            .encounters
            .iter()
            .flat_map(|e| e.labs.iter().map(|l| (l.placer.as_str(), l)))
            .collect();
        let mut twice_done = false;
        drain_loop(&lis_rx, &hh.stop, |msg| {
            let Ok(order) = Message::parse(&msg) else {
                return;
            };
            let Some(lab) = clinical::placer(&order).and_then(|p| labs.get(p.as_str()).copied())
            else {
                return;
            };
            let Ok(oru) = clinical::lab_result(&order, lab) else {
                return;
            };
            let mut results = vec![oru];
            if hh.opts.sabotage == Some(Sabotage::Twice) && !twice_done {
                twice_done = true;
                let copy = String::from_utf8_lossy(&results[0]).replacen("|ORU-", "|ORU2-", 1);
                results.push(copy.into_bytes());
            }
            for oru in results {
                hh.send(&mut client, LIS_ENGINE, 1, &oru);
            }
        });
    }));
    let (hh, to, inbox) = (Arc::clone(&h), from_ris.addr(), pacs_dir.clone());
    let ris_client = h.client(tls, RIS_ENGINE, to)?;
    workers.push(thread::spawn(move || {
        let mut client = ris_client;
        let exams: HashMap<&str, &world::ImagingOrder> = hh
            .day
            .encounters
            .iter()
            .filter_map(|e| e.imaging.as_ref().map(|i| (i.placer.as_str(), i)))
            .collect();
        drain_loop(&ris_rx, &hh.stop, |msg| {
            let Ok(order) = Message::parse(&msg) else {
                return;
            };
            let Some(im) = clinical::placer(&order).and_then(|p| exams.get(p.as_str()).copied())
            else {
                return;
            };
            // The modality acquires the study; PACS picks the files up from its inbox.
            if let Ok(files) = imaging::acquire(&order, im, &inbox) {
                lock(&hh.studies).insert(im.accession.clone(), files);
            }
            if let Ok(oru) = clinical::imaging_report(&order, im) {
                hh.send(&mut client, RIS_ENGINE, 2, &oru);
            }
        });
    }));
    let (hh, to, p) = (Arc::clone(&h), remits.addr(), Arc::clone(&payer));
    let payer_client = h.client(tls, PAYER_BILLING, to)?;
    workers.push(thread::spawn(move || {
        let mut client = payer_client;
        let mut unbalanced_done = false;
        drain_loop(&adj_rx, &hh.stop, |claims| {
            let Ok(mut remit) = p.adjudicate(&claims) else {
                return;
            };
            if hh.opts.sabotage == Some(Sabotage::Unbalanced) && !unbalanced_done {
                unbalanced_done = true;
                remit = overpay(&remit);
            }
            hh.stats[PAYER_BILLING].sent();
            if client.request_with_retry(&remit, &policy()).is_ok() {
                hh.stats[PAYER_BILLING].accepted();
            }
        });
    }));

    let progress = (h.opts.progress && h.opts.patients >= 1000).then(|| {
        let hh = Arc::clone(&h);
        thread::spawn(move || {
            let total = hh.opts.patients;
            while !hh.stop.load(Ordering::SeqCst) {
                let n = hh.registered.load(Ordering::Relaxed).min(total);
                let bar = "#".repeat(n * 30 / total) + &".".repeat(30 - n * 30 / total);
                eprint!("\r[{bar}] {n}/{total} patients registered");
                if n == total {
                    eprintln!();
                    break;
                }
                thread::sleep(Duration::from_millis(250));
            }
        })
    });

    // Morning to evening: registration, orders, results.
    let clinical_start = Instant::now();
    let (emr_addr, payer_addr) = (from_emr.addr(), payer_elig.addr());
    let senders = 4.min(day.encounters.len());
    let run_emr = |phase: u8| -> Res<()> {
        let mut threads = Vec::new();
        for k in 0..senders {
            let hh = Arc::clone(&h);
            let mut to_engine = h.client(tls, EMR_ENGINE, emr_addr)?;
            let mut to_payer = h.client(tls, EMR_PAYER, payer_addr)?;
            threads.push(thread::spawn(move || -> Res<()> {
                for e in hh.day.encounters.iter().skip(k).step_by(senders) {
                    emr_encounter(&hh, e, phase, &mut to_engine, &mut to_payer)?;
                }
                Ok(())
            }));
        }
        for t in threads {
            t.join().map_err(|_| "an EMR thread panicked")??;
        }
        Ok(())
    };
    thread::scope(|s| -> Res<()> {
        let morning = s.spawn(|| run_emr(1));
        if chaos {
            // The EMR's interface engine connection restarts mid-morning.
            while h.registered.load(Ordering::Relaxed) < h.opts.patients / 2
                && !morning.is_finished()
            {
                thread::sleep(Duration::from_millis(5));
            }
            emr.restart(Duration::from_millis(300))?;
        }
        morning.join().map_err(|_| "the EMR panicked")?
    })?;
    let wait_limit = Duration::from_secs(60) + Duration::from_millis(20 * h.opts.patients as u64);
    wait_for_results(&h, &engine, wait_limit);
    run_emr(2)?;
    engine.drain(wait_limit);
    let clinical_secs = clinical_start.elapsed().as_secs_f64();

    // Night: billing builds claims from what it received, the payer answers.
    let claims_sent = bill_day(&h, tls, bill.store(), payer_claims.addr())?;
    let limit = Instant::now() + wait_limit;
    while h.postings.load(Ordering::SeqCst) < claims_sent && Instant::now() < limit {
        thread::sleep(Duration::from_millis(5));
    }

    // PACS indexes the inbox and links each study; the FHIR feed gets the studies.
    let studies = imaging::index(&pacs_dir)?;
    let analytics = engine.finish();
    h.stop.store(true, Ordering::SeqCst);
    for w in workers {
        let _ = w.join();
    }
    if let Some(p) = progress {
        let _ = p.join();
    }
    let mut check = Checks::default();
    let acquired = lock(&h.studies).len();
    let links = link_studies(&studies, pacs.store(), acquired)?;
    let mut study_resources = 0u64;
    {
        use std::io::Write;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(out.join("analytics/fhir.ndjson"))?;
        for files in lock(&h.studies).values() {
            if let Ok(json) = imaging::imaging_study(files) {
                study_resources += json.matches("\"resourceType\"").count() as u64;
                writeln!(f, "{json}")?;
            }
        }
    }

    // Verify from the stores.
    let dead = lock(&engine.dead).clone();
    let dead_set: HashSet<engine::Delivery> = dead.iter().map(|d| d.delivery.clone()).collect();
    let mut by_dest: HashMap<&str, HashMap<String, (u32, u32)>> = HashMap::new();
    for (name, ep) in [
        ("LIS", &lis),
        ("RIS", &ris),
        ("BILLING", &bill),
        ("EMR", &emr),
        ("PACS", &pacs),
    ] {
        by_dest.insert(name, store_counts(ep.store())?);
    }
    let routed = lock(&engine.routed).clone();
    let (mut lost, mut twice, mut both) = (0, 0, 0);
    for d in &routed {
        let (_, aa) = by_dest
            .get(d.destination)
            .and_then(|c| c.get(&d.control_id))
            .copied()
            .unwrap_or_default();
        match (aa, dead_set.contains(d)) {
            (1, false) | (0, true) => {}
            (0, false) => lost += 1,
            (1, true) => both += 1,
            _ => twice += 1,
        }
    }
    check.expect(
        lost == 0 && twice == 0 && both == 0,
        format!(
            "engine deliveries: {} routed, each stored once by its destination or dead-lettered \
             ({lost} lost, {twice} twice, {both} both stored and dead-lettered)",
            routed.len()
        ),
    );
    let routed_set: HashSet<(&str, &str)> = routed
        .iter()
        .map(|d| (d.destination, d.control_id.as_str()))
        .collect();
    let extra: usize = by_dest
        .iter()
        .map(|(dest, c)| {
            c.iter()
                .filter(|(id, n)| n.1 > 0 && !routed_set.contains(&(*dest, id.as_str())))
                .count()
        })
        .sum();
    check.expect(
        extra == 0,
        format!("destination stores hold nothing the engine did not route ({extra} extra)"),
    );
    let mut inbound_total = 0;
    for (k, ep) in [&from_emr, &from_lis, &from_ris].iter().enumerate() {
        let counts = store_counts(ep.store())?;
        inbound_total += counts.len();
        let sent = lock(&h.sent_ok[k]).clone();
        let missing = sent
            .iter()
            .filter(|id| counts.get(*id).map_or(0, |c| c.1) != 1)
            .count();
        check.expect(
            missing == 0,
            format!(
                "{}: {} messages acknowledged AA, each stored once by the engine ({missing} not)",
                ["EMR -> engine", "LIS -> engine", "RIS -> engine"][k],
                sent.len()
            ),
        );
    }
    let results = lock(&h.results).clone();
    let dup_results = results.values().filter(|n| **n > 1).count();
    let orders = day.orders();
    let dead_orders = orders_lost(&dead);
    check.expect(
        dup_results == 0 && results.len() + dead_orders == orders,
        format!(
            "results: {} of {orders} orders answered once ({dead_orders} dead-lettered on the way, \
             {dup_results} twice)",
            results.len()
        ),
    );
    let summary = lock(&h.ledger).summary();
    check.expect(
        summary.balance_checks_failed == 0
            && summary.open_claims == 0
            && lock(&h.posting_errors).is_empty(),
        format!(
            "835 posting: {} balance checks passed, {} failed, {} claims open, {} posting errors",
            summary.balance_checks_passed,
            summary.balance_checks_failed,
            summary.open_claims,
            lock(&h.posting_errors).len()
        ),
    );
    check.expect(
        links.unlinked == 0 && links.linked == links.expected,
        format!(
            "studies: {} of {} linked to their order and patient ({} unlinked)",
            links.linked, links.expected, links.unlinked
        ),
    );
    check.expect(
        analytics.failed == 0 && analytics.bundles as usize == inbound_total,
        format!(
            "FHIR: {} of {inbound_total} engine messages converted ({} failed)",
            analytics.bundles, analytics.failed
        ),
    );

    let cuts = lis.cuts();
    for ep in [
        &mut lis,
        &mut ris,
        &mut pacs,
        &mut bill,
        &mut emr,
        &mut from_emr,
        &mut from_lis,
        &mut from_ris,
        &mut payer_elig,
        &mut payer_claims,
        &mut remits,
    ] {
        ep.stop();
    }

    // The monitoring table.
    let secs = started.elapsed().as_secs_f64();
    let mut lines = vec![format!(
        "{:<26}{:>7}{:>7}{:>5}{:>5}{:>8}{:>6}{:>9}{:>9}{:>8}",
        "interface", "sent", "AA", "AE", "AR", "retried", "dead", "p50 ms", "p99 ms", "msg/s"
    )];
    for (name, s) in INTERFACES.iter().zip(&h.stats) {
        let (p50, p99) = s.percentiles().unwrap_or((0.0, 0.0));
        lines.push(format!(
            "{name:<26}{:>7}{:>7}{:>5}{:>5}{:>8}{:>6}{p50:>9.2}{p99:>9.2}{:>8.0}",
            Stats::get(&s.sent),
            Stats::get(&s.aa),
            Stats::get(&s.ae),
            Stats::get(&s.ar),
            Stats::get(&s.retried),
            Stats::get(&s.dead),
            s.rate()
        ));
    }
    let usd = |c: i64| format!("${}.{:02}", c / 100, c % 100);
    lines.push(format!(
        "claims: {} billed ({}), {} paid ({}), adjusted {}, patient responsibility {}, {} denied; {} self-pay",
        summary.claims_billed,
        usd(summary.billed_cents),
        summary.paid_claims,
        usd(summary.paid_cents),
        usd(summary.adjusted_cents),
        usd(summary.patient_resp_cents),
        summary.denied,
        summary.self_pay,
    ));
    lines.push(format!(
        "studies: {} indexed, {} linked to order and patient; FHIR: {} bundles, {} resources ({} from studies), {} unmapped-data report entries",
        studies.len(),
        links.linked,
        analytics.bundles + lock(&h.studies).len() as u64,
        analytics.resources + study_resources,
        study_resources,
        analytics.unmapped
    ));
    if chaos {
        let (ae, stalls) = ris_chaos
            .as_ref()
            .map(|c| c.injected.0.load(Ordering::Relaxed))
            .zip(
                billing_chaos
                    .as_ref()
                    .map(|c| c.injected.1.load(Ordering::Relaxed)),
            )
            .unwrap_or_default();
        lines.push(format!(
            "chaos: {} connections cut mid-frame (LIS), {ae} AE answers (RIS), {stalls} stalls past the ACK timeout (billing), {} restart (EMR)",
            cuts,
            emr.restarts
        ));
    }
    // The dead-letter list: destination, control id, why, attempts (no content; the
    // messages themselves are parked in engine/dead-letters/ for a replay).
    let list: Vec<String> = dead
        .iter()
        .map(|d| {
            format!(
                "  {} {}: {} after {} attempt(s)",
                d.delivery.destination, d.delivery.control_id, d.reason, d.attempts
            )
        })
        .collect();
    fs::write(out.join("engine/dead-letters.txt"), list.join("\n"))?;
    lines.push(format!(
        "dead letters: {} (messages in {})",
        dead.len(),
        out.join("engine/dead-letters").display()
    ));
    lines.extend(list);
    lines.push(format!(
        "throughput: {inbound_total} messages through the engine ({} deliveries) in {clinical_secs:.1} s = {:.0} msg/s, {}; run {secs:.1} s; stores and FHIR NDJSON under {}",
        routed.len(),
        inbound_total as f64 / clinical_secs,
        if tls.is_some() { "TLS" } else { "plaintext" },
        out.display()
    ));
    lines.extend(check.lines.iter().cloned());
    if check.failed > 0 {
        return Err(format!("{}\n{} invariant(s) failed", lines.join("\n"), check.failed).into());
    }
    lines.push(format!("invariants: all {} passed", check.lines.len()));
    Ok(lines)
}

/// `--break unbalanced`: BPR02 (the total paid) one cent higher than the claims' sum.
fn overpay(remit: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(remit);
    let Some(start) = text.find("BPR*") else {
        return remit.to_vec();
    };
    let end = text[start..].find('~').map_or(text.len(), |e| start + e);
    let mut elements: Vec<String> = text[start..end].split('*').map(String::from).collect();
    if let Some(amount) = elements.get_mut(2) {
        let (whole, cents) = amount.split_once('.').unwrap_or((amount.as_str(), "00"));
        let total = whole.parse::<i64>().unwrap_or(0) * 100 + cents.parse::<i64>().unwrap_or(0) + 1;
        *amount = format!("{}.{:02}", total / 100, total % 100);
    }
    format!("{}{}{}", &text[..start], elements.join("*"), &text[end..]).into_bytes()
}

/// Tells the workers to finish when dropped.
struct StopOnDrop(Arc<Hospital>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }
}

/// Invariant results.
#[derive(Default)]
struct Checks {
    lines: Vec<String>,
    failed: usize,
}

impl Checks {
    fn expect(&mut self, ok: bool, what: String) {
        self.failed += usize::from(!ok);
        self.lines
            .push(format!("[{}] {what}", if ok { "ok" } else { "FAIL" }));
    }
}

/// The EMR's part of one encounter: `phase` 1 is registration and orders, 2 is
/// transfer, charges and discharge.
fn emr_encounter(
    h: &Hospital,
    e: &Encounter,
    phase: u8,
    to_engine: &mut Client,
    to_payer: &mut Client,
) -> Res<()> {
    let day = &h.day;
    let mut msgs = Vec::new();
    if phase == 1 {
        // Eligibility before admission: 270 → 271.
        let p = day.patient(e);
        let ctrl = 1 + e.patient as u32;
        let req = billing::eligibility_270(p, &e.visit, ctrl)?;
        h.stats[EMR_PAYER].sent();
        if let Ok(Frame::Data(resp)) = to_payer.request_with_retry(&req, &policy()) {
            if let Ok(active) = billing::read_271(&resp, &e.visit) {
                h.stats[EMR_PAYER].accepted();
                lock(&h.coverage).insert(e.visit.clone(), active);
            }
        }
        let first = if e.class == world::Class::Inpatient {
            clinical::Adt::A01
        } else {
            clinical::Adt::A04
        };
        msgs.push(clinical::adt(day, e, first)?);
        if day.patient(e).new_phone.is_some() {
            msgs.push(clinical::adt(day, e, clinical::Adt::A08)?);
        }
        for lab in &e.labs {
            msgs.push(clinical::lab_order(day, e, lab)?);
        }
        if let Some(im) = &e.imaging {
            msgs.push(clinical::imaging_order(day, e, im)?);
        }
    } else {
        if e.transfer_to.is_some() {
            msgs.push(clinical::adt(day, e, clinical::Adt::A02)?);
        }
        msgs.push(clinical::dft(day, e)?);
        msgs.push(clinical::adt(day, e, clinical::Adt::A03)?);
    }
    for m in msgs {
        h.send(to_engine, EMR_ENGINE, 0, &m);
    }
    if phase == 1 {
        h.registered.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Waits until every order has its result at the EMR (or was dead-lettered on the way).
fn wait_for_results(h: &Hospital, engine: &Engine, limit: Duration) {
    let orders = h.day.orders();
    let start = Instant::now();
    while start.elapsed() < limit {
        let dead = orders_lost(&lock(&engine.dead));
        if lock(&h.results).len() + dead >= orders && engine.pending() == 0 {
            return;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Orders that cannot get a result: the order dead-lettered on its way to the LIS or
/// RIS, or the result on its way to the EMR.
fn orders_lost(dead: &[engine::DeadLetter]) -> usize {
    dead.iter()
        .filter(|d| match d.delivery.destination {
            "LIS" | "RIS" => d.delivery.control_id.starts_with("ORM-"),
            "EMR" => d.delivery.control_id.starts_with("ORU-"),
            _ => false,
        })
        .count()
}

/// Billing at night: claims from the A03 and DFT it stored, 837s to the payer.
/// Returns the number of interchanges the payer accepted (each gets an 835).
fn bill_day(
    h: &Hospital,
    tls: Option<&Tls>,
    store: &FileStore,
    payer: std::net::SocketAddr,
) -> Res<usize> {
    let mut by_visit: HashMap<String, (Option<Bytes>, Option<Bytes>)> = HashMap::new();
    for m in store.messages()? {
        let Ok(msg) = Message::parse(&m.message) else {
            continue;
        };
        let visit = field(&msg, "PV1-19");
        let slot = by_visit.entry(visit).or_default();
        match (message_type(&msg).as_str(), field(&msg, "MSH-9.2").as_str()) {
            ("ADT", "A03") => slot.0 = Some(m.message.clone()),
            ("DFT", _) => slot.1 = Some(m.message.clone()),
            _ => {}
        }
    }
    let coverage = lock(&h.coverage).clone();
    let mut claims = Vec::new();
    let mut ledger = lock(&h.ledger);
    for e in &h.day.encounters {
        let Some((Some(a03), Some(dft))) = by_visit.get(&e.visit) else {
            continue;
        };
        let claim = billing::claim_input(a03, dft)?;
        if coverage.get(&e.visit).copied().unwrap_or(false) {
            claims.push(claim);
        } else {
            ledger.self_pay(&claim);
        }
    }
    ledger.bill(&claims);
    drop(ledger);
    let mut client = h.client(tls, BILLING_PAYER, payer)?;
    let mut accepted = 0;
    for interchange in billing::claims_837(&claims, 1)? {
        h.stats[BILLING_PAYER].sent();
        if let Ok(Frame::Data(ack)) = client.request_with_retry(&interchange, &policy()) {
            if billing::read_999(&ack)? {
                h.stats[BILLING_PAYER].accepted();
                accepted += 1;
            }
        }
    }
    Ok(accepted)
}

/// What linking the PACS index to the orders PACS received found.
struct Links {
    /// Studies the modality acquired.
    expected: usize,
    linked: usize,
    unlinked: usize,
}

/// Each study PACS indexed must match an order PACS received by accession number, with
/// the same patient ID; every study the modality acquired must be indexed and linked.
fn link_studies(
    studies: &[imaging::IndexedStudy],
    pacs: &FileStore,
    acquired: usize,
) -> Res<Links> {
    let mut orders: HashMap<String, String> = HashMap::new();
    for m in pacs.messages()? {
        let Ok(msg) = Message::parse(&m.message) else {
            continue;
        };
        if message_type(&msg) == "ORM" {
            if let Some(acc) = clinical::accession(&msg) {
                orders.insert(acc, field(&msg, "PID-3.1"));
            }
        }
    }
    let mut links = Links {
        expected: acquired,
        linked: 0,
        unlinked: 0,
    };
    for s in studies {
        match orders.get(&s.accession) {
            Some(pid) if *pid == s.patient_id => links.linked += 1,
            _ => links.unlinked += 1,
        }
    }
    Ok(links)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(lines) => {
            lines.iter().for_each(|l| println!("{l}"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hospital: {e}");
            ExitCode::FAILURE
        }
    }
}
