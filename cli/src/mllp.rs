//! `carewire mllp`: an MLLP listener that stores before it acknowledges, and a sender.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use carewire_hl7::{AckCode, Message, MessageBuf};
use carewire_mllp::blocking::{Client, ClientConfig, Handler, Peer, Reply, Server, ServerConfig};
use carewire_mllp::hl7::{message_key, AckHandler, AckMode};
use carewire_mllp::store::{Commit, FileStore, MessageKey, MessageStore, StoreHandler};
use carewire_mllp::{ErrorKind, Frame};
use clap::{Args, Subcommand};

use crate::{read_input, CliError};

/// MLLP (HL7 over TCP) listener and sender.
#[derive(Debug, Subcommand)]
pub enum MllpCommand {
    /// Receive messages, store each one durably, then acknowledge it.
    ///
    /// Prints `listening on ADDR` first, then one line per message: time, peer, MSH-9,
    /// MSH-10 and the ACK code (no patient data). A message asking for enhanced-mode
    /// acknowledgments (MSH-15/MSH-16) gets the commit ACK, then the application ACK, as
    /// it asks (logged as `CA+AA`). Runs until killed.
    Listen(ListenArgs),
    /// Send each message and wait for its acknowledgment; prints MSA-1 per message.
    ///
    /// Exits 1 if any message was not acknowledged with AA or CA.
    Send(SendArgs),
}

/// Arguments of `carewire mllp listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Address to listen on, e.g. 0.0.0.0:2575 (port 0 picks a free port).
    addr: String,
    /// Directory for received messages: one file per message, written and synced before
    /// the ACK. Messages already in it (same MSH-3/MSH-4 and MSH-10) are acknowledged
    /// again without being stored twice.
    #[arg(long)]
    store: Option<PathBuf>,
    /// Also write the bound address to this file (for scripts using port 0).
    #[arg(long)]
    port_file: Option<PathBuf>,
    /// Server certificate chain (PEM); enables TLS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Server private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates issued by this CA (PEM): mutual TLS.
    #[arg(long, requires = "tls_cert")]
    client_ca: Option<PathBuf>,
}

/// Arguments of `carewire mllp send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Address of the listener, e.g. 127.0.0.1:2575.
    addr: String,
    /// Message files (one HL7 message each; `-` is standard input).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// CA certificate (PEM) to verify the listener with; enables TLS.
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Client certificate chain (PEM) to present for mutual TLS (with --tls-key).
    #[arg(long, requires_all = ["tls_key", "tls_ca"])]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM) of the client certificate.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

pub fn run(cmd: MllpCommand, out: &mut dyn Write) -> Result<(), CliError> {
    match cmd {
        MllpCommand::Listen(args) => listen(args),
        MllpCommand::Send(args) => send(args, out),
    }
}

fn mllp_error(e: carewire_mllp::Error) -> CliError {
    CliError::Mllp(e)
}

/// Replaces everything but `[A-Za-z0-9._-]` with `_` (at most 64 characters).
fn sanitise(id: &[u8]) -> String {
    let s: String = id
        .iter()
        .take(64)
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                b as char
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    // Directories cannot be opened for syncing on every platform; best effort there.
    match File::open(dir) {
        Ok(d) => match d.sync_all() {
            Ok(()) => Ok(()),
            Err(e) if cfg!(windows) => {
                let _ = e;
                Ok(())
            }
            Err(e) => Err(e),
        },
        Err(e) if cfg!(windows) => {
            let _ = e;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The message files in `dir`, numbered by arrival order, with the duplicate index
/// (a [`FileStore`]) in `dir/.index`. A message file is written and synced before the
/// index commit, so a crash in between leaves at worst a second copy, never a loss.
struct DirStore {
    dir: PathBuf,
    index: FileStore,
    next: AtomicU64,
    files: Mutex<()>,
}

impl DirStore {
    fn open(dir: &Path) -> Result<DirStore, CliError> {
        std::fs::create_dir_all(dir).map_err(|error| CliError::Read {
            file: dir.to_path_buf(),
            error,
        })?;
        let index = FileStore::open(dir.join(".index")).map_err(mllp_error)?;
        // Continue numbering after the highest file already there.
        let mut next = 0u64;
        let entries = std::fs::read_dir(dir).map_err(|error| CliError::Read {
            file: dir.to_path_buf(),
            error,
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name.split('-').next().and_then(|n| n.parse::<u64>().ok()) {
                next = next.max(n + 1);
            }
        }
        Ok(DirStore {
            dir: dir.to_path_buf(),
            index,
            next: AtomicU64::new(next),
            files: Mutex::new(()),
        })
    }

    fn write_file(&self, message: &[u8]) -> io::Result<PathBuf> {
        let _guard = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let id = Message::parse(message)
            .ok()
            .and_then(|m| m.msh().field(10).map(|f| sanitise(f.raw())))
            .unwrap_or_else(|| "unparsed".to_owned());
        loop {
            let n = self.next.fetch_add(1, Ordering::SeqCst);
            let path = self.dir.join(format!("{n:08}-{id}.hl7"));
            let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            };
            file.write_all(message)?;
            file.sync_all()?;
            sync_dir(&self.dir)?;
            return Ok(path);
        }
    }
}

impl MessageStore for DirStore {
    fn response_for(&self, key: &MessageKey) -> carewire_mllp::Result<Option<Vec<Frame>>> {
        self.index.response_for(key)
    }

    fn commit(
        &self,
        key: Option<&MessageKey>,
        message: &[u8],
        response: &[Frame],
    ) -> carewire_mllp::Result<Commit> {
        let path = self.write_file(message)?;
        let commit = self.index.commit(key, message, response);
        if !matches!(commit, Ok(Commit::Stored)) {
            // Not stored (an error, or a duplicate after all): no file either.
            let _ = std::fs::remove_file(&path);
            let _ = sync_dir(&self.dir);
        }
        commit
    }
}

/// UTC time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs();
    let (year, month, day) = carewire_hl7::datatypes::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// MSH-9 and MSH-10 for the log (`-` when absent), from one parse of `message`.
fn kind_and_id(message: &[u8]) -> (String, String) {
    let msg = Message::parse(message).ok();
    let text = |n: usize| {
        msg.as_ref()
            .and_then(|m| m.msh().field(n).map(|f| printable(f.raw())))
            .unwrap_or_else(|| "-".to_owned())
    };
    (text(9), text(10))
}

/// A header field for the log: graphic ASCII only (others become `_`), at most 64.
fn printable(raw: &[u8]) -> String {
    let s: String = raw
        .iter()
        .take(64)
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '_' })
        .collect();
    if s.is_empty() {
        "-".to_owned()
    } else {
        s
    }
}

/// MSA-1 of a response frame.
fn ack_code(frame: &Frame) -> String {
    match frame {
        Frame::CommitAck => "CA(commit)".to_owned(),
        Frame::CommitNak => "NAK".to_owned(),
        Frame::Data(b) => MessageBuf::parse(b.clone())
            .ok()
            .and_then(|m| {
                m.view()
                    .get(&"MSA-1".parse().ok()?)
                    .map(|v| sanitise(v.raw()))
            })
            .unwrap_or_else(|| "?".to_owned()),
    }
}

/// Logs one line per message around the real handler.
struct Logged<H>(H);

impl<H: Handler> Handler for Logged<H> {
    fn handle(&self, frame: Frame, peer: Peer) -> Reply {
        let Frame::Data(message) = &frame else {
            return self.0.handle(frame, peer);
        };
        let (kind, id) = kind_and_id(message);
        let reply = self.0.handle(frame.clone(), peer);
        let code = match &reply {
            Reply::Close => "closed(not stored)".to_owned(),
            Reply::Nothing => "none".to_owned(),
            // Enhanced mode: the commit ACK, then the application ACK (`CA+AA`).
            other => other
                .frames()
                .iter()
                .map(ack_code)
                .collect::<Vec<_>>()
                .join("+"),
        };
        println!("{} {} {kind} {id} {code}", now(), peer.addr);
        reply
    }
}

fn read_pem(path: &Path) -> Result<Vec<u8>, CliError> {
    read_input(&path.to_path_buf())
}

fn listen(args: ListenArgs) -> Result<(), CliError> {
    #[allow(unused_mut)]
    let mut config = ServerConfig::default();
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let (cert, key) = (read_pem(cert)?, read_pem(key)?);
        let tls = match &args.client_ca {
            Some(ca) => {
                carewire_mllp::tls::TlsServerConfig::with_client_ca(&cert, &key, &read_pem(ca)?)
            }
            None => carewire_mllp::tls::TlsServerConfig::from_pem(&cert, &key),
        }
        .map_err(mllp_error)?;
        config.tls = Some(tls);
    }
    // Original-mode messages get one ACK; a message asking for enhanced mode (MSH-15/16)
    // gets the commit ACK, then the application ACK, as it asks.
    let ack = AckHandler::new(|_msg: &MessageBuf, _peer: Peer| AckCode::Aa).mode(AckMode::Enhanced);
    let server = match &args.store {
        Some(dir) => {
            let store = DirStore::open(dir)?;
            let handler = Logged(StoreHandler::new(Arc::new(store), message_key, ack));
            Server::bind(args.addr.as_str(), config, handler)
        }
        None => Server::bind(args.addr.as_str(), config, Logged(ack)),
    }
    .map_err(mllp_error)?;
    let addr: SocketAddr = server.local_addr();
    if let Some(file) = &args.port_file {
        std::fs::write(file, format!("{addr}\n"))?;
    }
    println!("listening on {addr}");
    loop {
        std::thread::park();
    }
}

fn send(args: SendArgs, out: &mut dyn Write) -> Result<(), CliError> {
    #[allow(unused_mut)]
    let mut config = ClientConfig::default();
    if let Some(ca) = &args.tls_ca {
        let host = args
            .addr
            .rsplit_once(':')
            .map(|(h, _)| h.trim_start_matches('[').trim_end_matches(']'))
            .unwrap_or(args.addr.as_str());
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => carewire_mllp::tls::TlsClientConfig::with_client_cert(
                &read_pem(ca)?,
                &read_pem(cert)?,
                &read_pem(key)?,
                host,
            ),
            _ => carewire_mllp::tls::TlsClientConfig::from_pem(&read_pem(ca)?, host),
        }
        .map_err(mllp_error)?;
        config.tls = Some(tls);
    }
    let mut client = Client::connect(args.addr.as_str(), config).map_err(mllp_error)?;
    let mut failed = 0usize;
    for file in &args.files {
        let raw = read_input(file)?;
        let message = normalise(&raw);
        let code = match client.send_message(&message) {
            Ok(ack) => ack.code().to_string(),
            // No MSH-10 to correlate with (e.g. not parsable): take whatever comes back.
            Err(e) if e.kind() == ErrorKind::MissingControlId => {
                ack_code(&client.request(&message).map_err(mllp_error)?)
            }
            Err(e) => format!("error({e})"),
        };
        if code != "AA" && code != "CA" {
            failed += 1;
        }
        writeln!(out, "{} {code}", file.display())?;
    }
    if failed > 0 {
        return Err(CliError::NotAccepted { failed });
    }
    Ok(())
}

/// Segment terminators as on the wire (CR), whatever the file used; no trailing blank.
fn normalise(raw: &[u8]) -> Vec<u8> {
    let text = raw.strip_suffix(b"\n").unwrap_or(raw);
    let mut v = Vec::with_capacity(text.len() + 1);
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {
                v.push(b'\r');
                i += 1;
            }
            b'\n' => v.push(b'\r'),
            b => v.push(b),
        }
        i += 1;
    }
    if !v.ends_with(b"\r") {
        v.push(b'\r');
    }
    v
}
