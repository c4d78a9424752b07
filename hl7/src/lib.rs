//! # carewire-hl7
//!
//! HL7 v2.x (ER7, "pipe and hat") zero-copy parser and writer.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

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
