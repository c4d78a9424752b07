//! # carewire-x12
//!
//! A zero-copy X12 (HIPAA 5010) tokenizer, envelope checker, loop builder and writer:
//! parse from bytes or a stream, check ISA/GS/ST envelopes (each finding with its TA1 or
//! 999 code), rebuild implementation-guide loops, answer with a TA1, and write back
//! byte for byte or with new delimiters.
//!
//! ## Quick start
//!
//! ```
//! use carewire_x12::Document;
//!
//! let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
//! *240101*1200*^*00501*000000001*0*T*:~\n\
//! GS*HC*SENDER*RECEIVER*20240101*1200*1*X*005010X222A1~\n\
//! ST*837*0001*005010X222A1~\n\
//! BHT*0019*00*REF1*20240101*1200*CH~\n\
//! HI*ABK:J209^ABF:R05~\n\
//! SE*4*0001~\n\
//! GE*1*1~\n\
//! IEA*1*000000001~\n";
//!
//! let doc = Document::parse(input)?;
//! let ich = doc.interchanges().next().ok_or("no interchange")?;
//! assert_eq!(ich.delimiters().segment(), b'~');
//! let set = ich.groups().flat_map(|g| g.transaction_sets()).next().ok_or("no set")?;
//! assert_eq!(set.id(), b"837");
//!
//! // Elements, repetitions and components are split lazily from the input.
//! let hi = set.segments().find(|s| s.id() == b"HI").ok_or("no HI")?;
//! let dx = hi.element(1).ok_or("no HI01")?;
//! assert_eq!(dx.repetition_count(), 2);
//! assert_eq!(dx.component(2).map(|c| c.decoded()).as_deref(), Some("J209"));
//!
//! // Envelope checks never abort the parse: they are findings with their TA1/999 code.
//! assert!(doc.findings().is_empty());
//!
//! // Unmodified input writes back byte for byte.
//! assert_eq!(doc.as_bytes(), &input[..]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Ownership
//!
//! Three tiers, one index:
//! 1. the tokenizer builds a flat [`Index`] of segment spans and element starts (u32
//!    offsets) in one pass over `&[u8]`, re-reading the delimiters at every `ISA`;
//!    [`Parser::parse_into`] reuses an index so a hot loop allocates nothing per input;
//! 2. [`Document`] is the borrowed view: [`Interchange`] → [`FunctionalGroup`] →
//!    [`TransactionSet`] → [`Segment`] → [`Element`] → [`Repetition`] → [`Component`],
//!    each split lazily from its parent's span, each giving `raw()` bytes or `decoded()`
//!    text (`Cow`: borrowed unless the bytes were not UTF-8);
//! 3. `DocumentBuf` (cargo feature `bytes`, on by default) owns its input as
//!    `bytes::Bytes`, so a buffer from a file or socket becomes a document without a
//!    copy.
//!
//! For input too large to hold or arriving in pieces: [`Scanner`] is the sans-IO,
//! resumable scanner (`Status::Complete(span)` or `Status::Partial` — "need more bytes"
//! is not an error), and [`SegmentReader`] drives it over any `BufRead`, yielding
//! [`SegmentBuf`]s in memory bounded by the largest segment. Both find exactly the
//! segments [`Document::parse`] finds.
//!
//! Numbering follows the implementation guides: elements, repetitions and components
//! are 1-based (`NM103` is `element(3)`, `CLM05-2` is `element(5)?.component(2)`).
//! ISA elements are never split: ISA11 and ISA16 *are* delimiters.
//!
//! ## Leniency and limits
//!
//! Lenient by default, because real files are: a UTF-8 BOM or whitespace before `ISA`,
//! CR/LF/CR LF after terminators, LF or CR *as* the terminator, indented segments, a
//! space between ISA16 and the terminator, an ISA whose elements lost their fixed
//! widths (delimiters are then found by counting separators), empty segments, a
//! missing final terminator. Each repair is a [`Diagnostic`] (kind and byte offset);
//! [`ParseConfig::strict`] turns them into errors. "ISA" inside element data is data:
//! only a segment that starts `ISA` plus a separator repeated after ISA01 opens an
//! interchange. UTF-16 input is rejected ([`ErrorKind::Utf16`]). Limits:
//! `max_interchange_len` (256 MiB), `max_segments` per interchange (4,000,000) and, for
//! streaming, `max_segment_len` (1 MiB).
//!
//! ## Envelopes and findings
//!
//! ISA/IEA, GS/GE and ST/SE are matched into a tree and checked (ISA13 = IEA02,
//! GS06 = GE02, ST02 = SE02, IEA01/GE01/SE01 counts, ISA widths, date, time and codes,
//! duplicate control numbers, GS01/ST01 and GS08/ST03 agreement). A failed check never
//! aborts the parse: it is a [`Finding`] with its byte offset, [`Location`] and the
//! acknowledgment code that reports it ([`AckCode`]: TA1 note code, 999 IK5 or AK9
//! code). Unexpected segments are kept where they are and reported.
//!
//! ## Loops
//!
//! [`TransactionSet::loops`] rebuilds the implementation-guide loops of 837P
//! (005010X222A1), 837I (005010X223A2), 837D (005010X224A2), 835 (005010X221A1), 270/271
//! (005010X279A1) and 999 (005010X231A1) from static tables ([`LoopTree`]): qualifiers pick the loop (`NM1*85` is 2010AA, `NM1*87`
//! 2010AB), HL02 picks the HL parent (so a 2300 claim sits under 2000B or 2000C), and a
//! segment that fits nowhere or comes out of sequence stays in the nearest open loop and
//! is reported as a [`LoopFinding`] with its IK304 code. Other transaction sets read as
//! flat segment lists.
//!
//! ## Typed models and streaming units
//!
//! [`HealthCareClaim`] (837P/I/D), [`Remittance`] (835) and [`Eligibility`] (270/271)
//! are typed models borrowed from the input (every text a [`model::Text`] view, every
//! amount an exact [`Decimal`], never `f64`), built in one pass per transaction set;
//! `Serialize` with the `serde` feature. [`UnitReader`] reads any `BufRead` one 837
//! claim, 835 claim payment or 270/271 subscriber/dependent at a time, each [`Unit`]
//! with its ancestor context (envelope headers, billing provider, subscriber, payer…)
//! and its own model, in memory that does not grow with the file (a 1 GB 837P streams
//! in about 2 MB of RSS).
//!
//! ## Writing
//!
//! [`write_verbatim`] writes parsed input back byte for byte; [`write_with`] re-serialises
//! it with other delimiters and line endings; [`Writer`] builds interchanges, padding the
//! ISA, numbering envelopes from a [`ControlNumbers`] allocator and computing SE01,
//! GE01 and IEA01. [`Ta1`] turns an interchange's findings into the TA1 that answers it.
//! The [`build`] module writes 837P, 837I and 270 transaction sets from typed input (HL
//! numbering, CLM02 from the line charges) and, for payers, 835 remittances
//! ([`build::Remittance835`]: BPR02 computed, claims checked to balance, LX groups) and
//! 271 eligibility responses ([`build::Eligibility271`], started from a parsed 270).
//!
//! ## Validation and acknowledgments
//!
//! [`validate`] (or a configured [`Validator`]) checks every interchange, group and
//! transaction set without stopping: SNIP 1 (envelopes, syntax, data types and lengths,
//! X12 syntax notes), SNIP 2 (the guide's loops, required and situational segments and
//! elements, repeats, X12-internal code values; tables generated from the pyx12 maps for
//! 837P/837I/835/999, written from the guides for 270/271 and from TigerShark's
//! definitions for 837D), SNIP 3 balancing
//! (835 BPR02, CLP and SVC adjustments; 837 CLM02) and SNIP 4 situational rules
//! ([`SituationalRule`]: in every 837 the payer claim control number, REF*F8, of
//! replacement and void claims; in the 837I admission date, discharge hour and admitting
//! diagnosis on inpatient claims, attending and operating providers). External code sets (CARC, RARC,
//! place of service, ...) come from a [`CodeListProvider`] you supply; none ships. Each
//! [`Issue`] has its byte offset, position in the transaction set, element / component /
//! repetition, loop id and the 999 IK3/IK4/IK5/AK9 or TA1 code. [`write_999`] and
//! [`write_ta1`] answer a document; [`Ack999`] builds, writes and reads a 999.
//!
//! ## Errors and privacy
//!
//! One [`Error`] type: an [`ErrorKind`], a byte offset and, where known, a [`Location`]
//! such as `SE01 (segment 36)`. Neither `Display` nor `Debug` of any type in this crate
//! prints element values; a malformed segment identifier (possibly payload) shows as
//! `?`. Values are only reachable through explicit accessors.
//!
//! ## Cargo features
//!
//! - `bytes` (default): `DocumentBuf`, a document owning its input as `bytes::Bytes`.
//! - `serde`: `Serialize` for the typed models and [`Decimal`] (amounts as exact strings).
//!
//! ## Specifications
//!
//! ASC X12.5 / X12.6 (interchange control structure: ISA/IEA, GS/GE, ST/SE, TA1);
//! HIPAA 5010 implementation guides 005010X222A1 (837P), X223A2 (837I), X224A2 (837D),
//! X221A1 (835), X279A1 (270/271) and X231A1 (999: IK5 element 718, AK9 element 716);
//! TA1 interchange note codes (element I18).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod ack;
mod ack999;
pub mod build;
mod config;
mod decimal;
mod delim;
mod envelope;
mod error;
mod finding;
#[doc(hidden)]
pub mod gen;
mod loops;
pub mod model;
mod scan;
mod stream;
mod swar;
mod units;
mod validate;
mod view;
mod write;

pub use ack::{Ta1, Ta1Status};
pub use ack999::{
    write_999, write_ta1, Ack999, AckOptions, AckStatus, Context, ElementNote, SegmentNote,
    SetResponse,
};
pub use config::ParseConfig;
pub use decimal::{Decimal, DecimalError};
pub use delim::Delimiters;
pub use error::{Diagnostic, DiagnosticKind, Error, ErrorKind, Location, Result};
pub use finding::{AckCode, Finding, FindingKind, Severity};
pub use loops::{Guide, LoopFinding, LoopFindingKind, LoopNode, LoopTree};
pub use model::{Eligibility, HealthCareClaim, Remittance};
pub use scan::{Index, Parser};
pub use stream::{Scanner, SegmentBuf, SegmentReader, Span, Status};
pub use units::{Unit, UnitKind, UnitReader};
pub use validate::{
    validate, BalanceError, CodeListProvider, ElementError, Issue, IssueKind, Report, SegmentError,
    SituationalRule, Validator,
};
#[cfg(feature = "bytes")]
pub use view::DocumentBuf;
pub use view::{
    Component, Document, Element, FunctionalGroup, Interchange, Repetition, Segment, Segments,
    TransactionSet,
};
pub use write::{
    write_verbatim, write_with, ControlNumbers, Field, GroupHeader, InterchangeHeader, LineEnding,
    SequentialControlNumbers, Writer,
};
