//! Transport for the hospital: throwaway TLS certificates, MLLP client and server
//! settings, per-interface counters (an `mllp::metrics::Metrics`), and the chaos proxy
//! that cuts connections in the middle of a frame.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use carewire::mllp::blocking::{ClientConfig, DeadLetter, ServerConfig};
use carewire::mllp::metrics::{AckKind, Event, Metrics, Timing};
use carewire::mllp::tls::{TlsClientConfig, TlsServerConfig};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

use super::world::Rng;

/// The error type of the runtime (sendable across threads).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Results of the runtime.
pub type Res<T> = Result<T, BoxError>;

/// A throwaway certificate authority and one server certificate for `localhost`, made
/// fresh for each run: every endpoint presents it, every client trusts only this CA.
pub struct Tls {
    ca_pem: Vec<u8>,
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
}

impl Tls {
    /// Generates the CA and the `localhost` certificate.
    pub fn generate() -> Res<Tls> {
        let ca_key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "carewire hospital demo CA");
        let ca = params.self_signed(&ca_key)?;
        let key = KeyPair::generate()?;
        let cert =
            CertificateParams::new(vec!["localhost".to_string()])?.signed_by(&key, &ca, &ca_key)?;
        Ok(Tls {
            ca_pem: ca.pem().into_bytes(),
            cert_pem: cert.pem().into_bytes(),
            key_pem: key.serialize_pem().into_bytes(),
        })
    }

    fn server(&self) -> Res<TlsServerConfig> {
        Ok(TlsServerConfig::from_pem(&self.cert_pem, &self.key_pem)?)
    }

    fn client(&self) -> Res<TlsClientConfig> {
        Ok(TlsClientConfig::from_pem(&self.ca_pem, "localhost")?)
    }
}

/// Server settings: TLS when given, receive→ACK timings into `stats`.
pub fn server_config(tls: Option<&Tls>, stats: &Arc<Stats>) -> Res<ServerConfig> {
    let mut c = ServerConfig::default();
    c.idle_timeout = Duration::from_secs(60);
    c.write_timeout = Duration::from_secs(5);
    c.tls = tls.map(Tls::server).transpose()?;
    c.metrics = Some(Arc::clone(stats) as Arc<dyn Metrics>);
    Ok(c)
}

/// Client settings: TLS when given, ACK timeout `ack_timeout`, events into `stats`,
/// undeliverable messages to `dead_letter`.
pub fn client_config(
    tls: Option<&Tls>,
    stats: &Arc<Stats>,
    ack_timeout: Duration,
    dead_letter: Option<Arc<dyn DeadLetter>>,
) -> Res<ClientConfig> {
    let mut c = ClientConfig::default();
    c.connect_timeout = Duration::from_secs(2);
    c.send_timeout = Duration::from_secs(5);
    c.response_timeout = ack_timeout;
    c.tls = tls.map(Tls::client).transpose()?;
    c.metrics = Some(Arc::clone(stats) as Arc<dyn Metrics>);
    c.dead_letter = dead_letter;
    Ok(c)
}

/// Counters of one interface (one sender → one receiving endpoint). The client side
/// reports acknowledgments, retries and give-ups; the server side reports how long each
/// message took from receipt to ACK (store commit included).
#[derive(Debug, Default)]
pub struct Stats {
    /// Messages handed to the interface (counted by the sender's code).
    pub sent: AtomicU64,
    /// Accepted (HL7 AA, or an X12 999/271 that accepted).
    pub aa: AtomicU64,
    /// Application errors (AE) received.
    pub ae: AtomicU64,
    /// Rejections (AR) received.
    pub ar: AtomicU64,
    /// Attempts repeated under the retry policy.
    pub retried: AtomicU64,
    /// Messages given up on (dead-lettered).
    pub dead: AtomicU64,
    /// Receive→ACK timings at the receiving endpoint.
    timings: Mutex<Timings>,
}

/// Receive→ACK durations (microseconds) and when the first and last were taken.
#[derive(Debug, Default)]
struct Timings {
    micros: Vec<u32>,
    window: Option<(Instant, Instant)>,
}

/// Locks `m`, ignoring poisoning: counters and logs stay usable after a panic elsewhere.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics for Stats {
    fn record(&self, event: Event) {
        let counter = match event {
            Event::AckReceived(AckKind::Aa) => &self.aa,
            Event::AckReceived(AckKind::Ae) => &self.ae,
            Event::AckReceived(AckKind::Ar) => &self.ar,
            Event::Retry => &self.retried,
            Event::Undelivered => &self.dead,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn observe(&self, timing: Timing, elapsed: Duration) {
        if timing == Timing::Handling {
            let micros = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
            let now = Instant::now();
            let mut t = lock(&self.timings);
            t.micros.push(micros);
            t.window = Some(t.window.map_or((now, now), |(first, _)| (first, now)));
        }
    }
}

impl Stats {
    /// Counts one message handed to the interface.
    pub fn sent(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one accepted message that was not an HL7 ACK (an X12 answer).
    pub fn accepted(&self) {
        self.aa.fetch_add(1, Ordering::Relaxed);
    }

    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// The 50th and 99th percentile receive→ACK latency in milliseconds (None when
    /// nothing was received).
    pub fn percentiles(&self) -> Option<(f64, f64)> {
        let mut v = lock(&self.timings).micros.clone();
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
        Some((at(0.50), at(0.99)))
    }

    /// Messages answered per second between the first and the last answer.
    pub fn rate(&self) -> f64 {
        let t = lock(&self.timings);
        let n = t.micros.len();
        match t.window {
            Some((first, last)) if n > 1 => {
                (n - 1) as f64 / last.duration_since(first).as_secs_f64().max(1e-6)
            }
            _ => 0.0,
        }
    }
}

/// A TCP proxy in front of an endpoint that, by a seeded plan, cuts some connections
/// after a few kilobytes in the client→server direction — in the middle of a TLS record
/// and of an MLLP frame — and can be pointed at a new address when the endpoint restarts.
pub struct Proxy {
    addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    stop: Arc<AtomicBool>,
    /// Connections cut mid-stream so far.
    pub cuts: Arc<AtomicU64>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on 127.0.0.1 and forwards to `target`; `cut_percent` of the connections
    /// are cut after 2–40 KB (a few dozen messages: the cut lands inside a frame).
    pub fn start(target: SocketAddr, seed: u64, cut_percent: u32) -> Res<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let target = Arc::new(Mutex::new(target));
        let stop = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicU64::new(0));
        let (t, s, c) = (Arc::clone(&target), Arc::clone(&stop), Arc::clone(&cuts));
        let accept = thread::Builder::new()
            .name("chaos-proxy".into())
            .spawn(move || {
                let mut rng = Rng::new(seed);
                for incoming in listener.incoming() {
                    if s.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = incoming else { continue };
                    let cut = rng
                        .chance(cut_percent)
                        .then(|| 2_000 + rng.below(38_000) as u64);
                    let to = *lock(&t);
                    let c = Arc::clone(&c);
                    let _ = thread::Builder::new()
                        .name("chaos-pipe".into())
                        .spawn(move || pipe(client, to, cut, &c));
                }
            })?;
        Ok(Proxy {
            addr,
            target,
            stop,
            cuts,
            accept: Some(accept),
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Points new connections at `target` (after the endpoint restarted).
    pub fn retarget(&self, target: SocketAddr) {
        *lock(&self.target) = target;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(a) = self.accept.take() {
            let _ = a.join();
        }
    }
}

/// Copies both directions until either side closes; with `cut`, closes both after that
/// many client→server bytes.
fn pipe(client: TcpStream, to: SocketAddr, cut: Option<u64>, cuts: &AtomicU64) {
    let Ok(server) = TcpStream::connect_timeout(&to, Duration::from_secs(2)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (Ok(mut c_read), Ok(mut s_write)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let (mut s_read, mut c_write) = (server, client);
    let _ = c_read.set_read_timeout(Some(Duration::from_secs(120)));
    let _ = s_read.set_read_timeout(Some(Duration::from_secs(120)));
    let back = thread::spawn(move || {
        let _ = std::io::copy(&mut s_read, &mut c_write);
        let _ = c_write.shutdown(Shutdown::Both);
        let _ = s_read.shutdown(Shutdown::Both);
    });
    let mut buf = [0u8; 4096];
    let mut forwarded = 0u64;
    loop {
        let n = match c_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut n = n as u64;
        let limit = cut.map(|c| c.saturating_sub(forwarded));
        if let Some(rest) = limit.filter(|&rest| rest < n) {
            n = rest;
        }
        if s_write.write_all(&buf[..n as usize]).is_err() {
            break;
        }
        forwarded += n;
        if cut.is_some_and(|c| forwarded >= c) {
            cuts.fetch_add(1, Ordering::Relaxed);
            break;
        }
    }
    let _ = s_write.shutdown(Shutdown::Both);
    let _ = c_read.shutdown(Shutdown::Both);
    let _ = back.join();
}
