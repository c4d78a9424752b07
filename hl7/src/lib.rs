//! # carewire-hl7
//!
//! A zero-copy HL7 v2.x (ER7, "pipe and hat") reader and writer: parse from bytes, read
//! values by path, decode escapes and character sets on access, edit and write back
//! byte-for-byte, acknowledge, read and write batches, validate message structures.
//!
//! ## Quick start
//!
//! ```
//! use carewire_hl7::{AckCode, Message, MessageBuilder, Path};
//!
//! let input = b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|MSG0001|P|2.5.1\r\
//! PID|1||123456^^^HOSP^MR~987^^^SSA^SS||Doe^Jane^Q||19800101|F\r\
//! PV1|1|I|ICU^101^A\r";
//!
//! let msg = Message::parse(input)?;
//! assert_eq!(msg.header().message_type().as_deref(), Some("ADT"));
//! assert_eq!(msg.get_str("PID-5.1")?.as_deref(), Some("Doe"));
//! assert_eq!(msg.get_str("PID-3[2].1")?.as_deref(), Some("987"));
//!
//! // Compile a path once, use it for every message.
//! let room: Path = "PV1-3.2".parse()?;
//! assert_eq!(msg.get(&room).map(|v| v.decoded()).as_deref(), Some("101"));
//!
//! // Edit and write: untouched segments are copied byte for byte.
//! let mut edit = MessageBuilder::from_message(&msg);
//! edit.set("PV1-3.2", "102")?;
//! let out = edit.to_bytes();
//! assert!(out.ends_with(b"PV1|1|I|ICU^102^A\r"));
//!
//! // Acknowledge.
//! let ack = msg.ack(AckCode::Aa).control_id("ACK0001").build()?;
//! assert_eq!(ack.view().get_str("MSA-2")?.as_deref(), Some("MSG0001"));
//! # Ok::<(), carewire_hl7::Error>(())
//! ```
//!
//! ## Ownership
//!
//! Three tiers, one index:
//! 1. the scanner builds a flat [`Index`] of segment and field spans (u32 offsets) in one
//!    pass over `&[u8]`; [`Parser::parse_into`] reuses an index so a hot loop allocates
//!    nothing per message;
//! 2. [`Message`] is the borrowed view: [`Segment`] → [`Field`] → [`Repetition`] →
//!    [`Component`] → [`SubComponent`], each split lazily from its parent's span, each
//!    giving `raw()` bytes or `decoded()` text (`Cow`: borrowed unless an escape or the
//!    character set required a copy);
//! 3. [`MessageBuf`] owns its bytes as [`bytes::Bytes`], so a network frame becomes a
//!    message without a copy.
//!
//! Absent, empty and null are distinct: an absent value is `None`; a present one is
//! [`ValueState::Empty`] (`||`), [`ValueState::Null`] (`|""|`) or [`ValueState::Valued`].
//!
//! Numbering is 1-based everywhere and follows the standard: `MSH-1` is the field
//! separator and `MSH-2` the encoding characters (both unsplit), so `MSH-9.2` is the
//! trigger event.
//!
//! ## Leniency and limits
//!
//! The parser is lenient by default, because real feeds are: LF or CR LF segment ends,
//! a missing final CR, a UTF-8 BOM, blank lines, malformed segment identifiers. Each
//! repair is reported as a [`Diagnostic`] (kind and byte offset). [`ParseConfig::strict`]
//! turns them into errors. In a message whose segments end in CR, a bare LF is data
//! (multi-line text), never a segment break. Limits: `max_message_len` (64 MiB) and
//! `max_segments` (1,000,000) by default.
//!
//! ## Errors and privacy
//!
//! One [`Error`] type: an [`ErrorKind`], a byte offset and, where known, a [`Location`]
//! such as `PID-5.1`. Neither `Display` nor `Debug` of any type in this crate prints
//! message content; values are only reachable through explicit accessors.
//!
//! ## Cargo features
//!
//! - `serde`: a JSON view of a message (`Message::to_json`).
//!
//! ## Specifications
//!
//! HL7 Version 2.x, chapter 2 (Control): 2.5 message construction rules, 2.7 escape
//! sequences, 2.9 acknowledgments, 2.10 batches, 2.14 MSH/MSA/ERR/BHS/FHS segments;
//! chapter 2A (data types: TS/DTM, XPN, CX, XAD, XTN, CWE, HD, EI, PL); table 0211
//! (character sets), 0008 (acknowledgment codes), 0357 (error codes).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod ack;
pub mod batch;
mod charset;
mod config;
pub mod datatypes;
mod delim;
mod error;
mod escape;
#[cfg(feature = "serde")]
mod json;
mod mb;
mod message;
mod parse;
mod path;
pub mod validate;
mod write;

pub use ack::{AckBuilder, AckCode, AckError, ErrorCode, Severity};
pub use charset::Charset;
pub use config::ParseConfig;
pub use delim::Delimiters;
pub use error::{Diagnostic, DiagnosticKind, Error, ErrorKind, Location, Result};
pub use escape::{escape, escape_into, unescape, DecodeOptions, Formatting, Highlight};
pub use message::{
    Component, Field, Header, Message, MessageBuf, Repetition, Segment, Segments, SubComponent,
    Value, ValueState,
};
pub use parse::{Index, Parser};
pub use path::Path;
pub use write::MessageBuilder;
