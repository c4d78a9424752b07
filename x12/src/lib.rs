//! # carewire-x12
//!
//! A zero-copy X12 (HIPAA 5010) tokenizer, envelope checker and writer.
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod config;
mod delim;
mod envelope;
mod error;
mod finding;
mod scan;
mod stream;
mod view;
mod write;

pub use config::ParseConfig;
pub use delim::Delimiters;
pub use error::{Diagnostic, DiagnosticKind, Error, ErrorKind, Location, Result};
pub use finding::{AckCode, Finding, FindingKind, Severity};
pub use scan::{Index, Parser};
pub use stream::{SegmentBuf, SegmentReader};
pub use view::{
    Component, Document, Element, FunctionalGroup, Interchange, Repetition, Segment, Segments,
    TransactionSet,
};
pub use write::{
    write_verbatim, write_with, ControlNumbers, Field, GroupHeader, InterchangeHeader, LineEnding,
    SequentialControlNumbers, Writer,
};
