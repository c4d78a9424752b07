//! # carewire-mllp
//!
//! MLLP framing without I/O, and blocking clients and servers on top of it.
//!
//! ## Quick start
//!
//! ```
//! use bytes::BytesMut;
//! use carewire_mllp::{Frame, FrameDecoder, FrameEncoder};
//!
//! let encoder = FrameEncoder::new();
//! let mut wire = BytesMut::new();
//! encoder.encode(b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101||ADT^A01|MSG1|P|2.5\r", &mut wire)?;
//!
//! let mut decoder = FrameDecoder::new();
//! let frame = decoder.decode(&mut wire)?;
//! assert!(matches!(frame, Some(Frame::Data(ref m)) if m.starts_with(b"MSH|")));
//! # Ok::<(), carewire_mllp::Error>(())
//! ```
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
pub mod store;

pub use codec::{
    DecoderStats, Frame, FrameConfig, FrameDecoder, FrameEncoder, CARRIAGE_RETURN, COMMIT_ACK,
    COMMIT_NAK, DEFAULT_MAX_FRAME, END_BLOCK, LINE_FEED, START_BLOCK,
};
pub use error::{Error, ErrorKind, Phase, Result};
