//! # carewire-mllp
//!
//! MLLP (Minimal Lower Layer Protocol), the framing every HL7 v2 feed runs over TCP:
//! a sans-IO decoder and encoder; blocking (`std::net`) and async (tokio) clients and
//! servers on it, with TLS; retries with backoff; metrics without patient data; and
//! store-before-ACK delivery with duplicate detection that survives restarts.
//!
//! ## Quick start
//!
//! ```
//! use bytes::BytesMut;
//! use carewire_mllp::blocking::{Client, ClientConfig, Reply, Server, ServerConfig};
//! use carewire_mllp::{Frame, FrameDecoder, FrameEncoder};
//!
//! // The sans-IO core: bytes in, frames out, however the bytes were cut into reads.
//! let mut wire = BytesMut::new();
//! FrameEncoder::new().encode(b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101||ADT^A01|MSG1|P|2.5\r", &mut wire)?;
//! let mut decoder = FrameDecoder::new();
//! let frame = decoder.decode(&mut wire)?;
//! assert!(matches!(frame, Some(Frame::Data(ref m)) if m.starts_with(b"MSH|")));
//!
//! // A server that answers every frame, and a client (127.0.0.1 only).
//! let server = Server::bind("127.0.0.1:0", ServerConfig::default(), |frame: Frame, _peer| {
//!     Reply::Frame(Frame::CommitAck) // MLLP release 2 commit acknowledgment
//! })?;
//! let mut client = Client::connect(server.local_addr(), ClientConfig::default())?;
//! assert_eq!(client.request(b"MSH|^~\\&|EMR|HOSP\r")?, Frame::CommitAck);
//! server.shutdown();
//! # Ok::<(), carewire_mllp::Error>(())
//! ```
//!
//! With the `hl7` feature, `hl7::AckHandler` answers with real HL7 ACKs built by
//! `carewire-hl7`, `Client::send_message` accepts only the ACK whose MSA-2 equals the
//! MSH-10 sent, and [`store::StoreHandler`] with [`store::FileStore`] and
//! `hl7::message_key` commits each message to disk before it is acknowledged.
//!
//! ## Ownership
//!
//! The decoder works on a caller-owned [`bytes::BytesMut`]; each frame is split off it as
//! [`bytes::Bytes`] without a copy (with `hl7`, a frame becomes a `MessageBuf` without a
//! copy either). The decoder keeps how far it scanned, so a 16 MiB frame arriving in
//! 16 KiB reads is scanned once: linear in the stream length.
//!
//! ## Leniency and limits
//!
//! Lenient by default ([`FrameConfig::default`]): noise between frames is skipped, a
//! missing CR after the end byte and an LF after it are accepted; all of it is counted in
//! [`DecoderStats`]. [`FrameConfig::strict`] requires the CR. Start, end and trailer
//! bytes are configurable. `max_frame` (default 16 MiB) bounds what one frame may
//! buffer: a longer frame is refused as soon as it passes the limit, before its end
//! arrives, and the decoder resynchronises on the next start byte. Servers bound
//! connections (`max_connections`, default 64) and idle time (default 5 min); clients
//! bound connect, send, response and idle time, and retry under a [`blocking::RetryPolicy`]
//! (exponential backoff with jitter; resend on timeout, NAK and optionally AE/AR).
//!
//! ## Delivery guarantees
//!
//! A client closes its connection on any timeout or error, and checks a reused
//! connection for unasked bytes before sending, so a late acknowledgment can never be
//! taken for the acknowledgment of the next message. A [`store::StoreHandler`] commits
//! (fsync, for [`store::FileStore`]) before the reply is sent, and answers a duplicate
//! (same sender and control id, also after a restart) with the stored reply instead of
//! processing it again. The handler behind it should only decide the reply: a crash
//! between the handler and the commit makes the sender resend, so work that must happen
//! exactly once reads committed messages from the store. A
//! [`partition::PartitionedHandler`] keeps messages about one partition key (a patient)
//! in order while different keys run in parallel, with bounded queues for backpressure.
//! A message a client could not deliver under its retry policy (or that was refused with
//! AE, AR, CE or CR) goes to the [`blocking::DeadLetter`] hook set in its configuration.
//! With `hl7`, `AckMode::Enhanced` answers a message that asks for enhanced mode
//! (MSH-15/MSH-16) with the commit acknowledgment, then the application acknowledgment;
//! the clients read both, and a duplicate replays both from the store.
//!
//! ## Errors and privacy
//!
//! One [`Error`] type: an [`ErrorKind`] and, for framing, the stream offset of the frame
//! concerned. No error, `Debug` output or counter carries message content: a [`Frame`]
//! prints as `Data(<812 bytes>)`. [`metrics::Metrics`] receives counts, ACK codes,
//! timings and the partition queue depth only; `tracing` spans carry the peer and MSH-10.
//!
//! ## Cargo features
//!
//! - `hl7`: HL7 ACKs, ACK correlation and duplicate keys through `carewire-hl7`.
//! - `tokio`: `MllpCodec`, a `tokio_util::codec` `Decoder`/`Encoder`, and an async
//!   client and server (`tokio::Client`, `tokio::Server`).
//! - `tls`: TLS 1.2/1.3 and mutual TLS for the clients and servers, through rustls
//!   (`tls::TlsClientConfig`, `tls::TlsServerConfig`; tokio-rustls for the async ones).
//! - `tracing`: `tracing` spans per connection (`mllp.connection`: side, peer address,
//!   connection number) and per message (`mllp.message`: MSH-10 only), with DEBUG events
//!   that carry lengths, counts, ACK codes and error kinds. Message content is never
//!   emitted unless `trace_payloads` is set in a client or server configuration (off by
//!   default; then as TRACE events).
//!
//! ## Specifications
//!
//! HL7 Version 2 Implementation Guide, Appendix C: Minimal Lower Layer Protocol,
//! release 1 (block format `<SB> data <EB><CR>`, SB = 0x0B, EB = 0x1C, CR = 0x0D) and
//! release 2 (commit acknowledgment blocks `<SB><ACK><EB><CR>` and `<SB><NAK><EB><CR>`).
//! HL7 v2.x chapter 2.9 for acknowledgments (MSA-1, MSA-2).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod blocking;
mod codec;
mod error;
#[cfg(feature = "hl7")]
pub mod hl7;
pub mod metrics;
pub mod partition;
pub mod store;
#[cfg(feature = "tls")]
pub mod tls;
#[cfg(feature = "tokio")]
pub mod tokio;
#[cfg(feature = "tokio")]
mod tokio_codec;
mod trace;

pub use codec::{
    DecoderStats, Frame, FrameConfig, FrameDecoder, FrameEncoder, CARRIAGE_RETURN, COMMIT_ACK,
    COMMIT_NAK, DEFAULT_MAX_FRAME, END_BLOCK, LINE_FEED, START_BLOCK,
};
pub use error::{Error, ErrorKind, Phase, Result};
#[cfg(feature = "tokio")]
pub use tokio_codec::MllpCodec;
