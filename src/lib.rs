//! # carewire
//!
//! Healthcare wire formats in one dependency: the umbrella over the carewire crates,
//! re-exported as modules so one `use carewire::...` line reaches all of them.
//!
//! | module | crate | what it does |
//! |---|---|---|
//! | [`hl7`] | `carewire-hl7` | HL7 v2.x (ER7) parse, paths, edit, write, ACKs, batches |
//! | [`x12`] | `carewire-x12` | X12 5010: 837, 835, 270/271, 999, TA1 — parse, validate, write |
//! | [`dicom`] | `carewire-dicom-lite` | DICOM data set and header read and write (no pixels) |
//! | [`mllp`] | `carewire-mllp` | MLLP framing, blocking and tokio clients and servers, TLS |
//! | [`mapping`] | `carewire-mapping` | HL7 v2, X12, DICOM ↔ FHIR R4; de-identification; routing |
//!
//! ## Quick start
//!
//! ```
//! use carewire::hl7::{AckCode, Message};
//!
//! let msg = Message::parse(b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01|MSG1|P|2.5.1\rPID|1||123^^^HOSP^MR||Doe^Jane\r")?;
//! assert_eq!(msg.get_str("PID-5.2")?.as_deref(), Some("Jane"));
//! let ack = msg.ack(AckCode::Aa).control_id("ACK1").build()?;
//! assert_eq!(ack.view().get_str("MSA-1")?.as_deref(), Some("AA"));
//! # Ok::<(), carewire::hl7::Error>(())
//! ```
//!
//! The runnable examples in `examples/` (indexed in `examples/README.md`) show each
//! crate at work, from a whole simulated hospital (`cargo run --release --example
//! hospital`) to one concept each (`cargo run --release --example hl7_parse_and_ack`).
//! They need no `--features` flag: the package's dev-dependencies turn on what they use.
//!
//! ## Cargo features
//!
//! Each passes through to the member crate that owns it:
//! - `hl7`: HL7 ACKs and duplicate keys in MLLP servers and clients (`mllp::hl7`);
//! - `tokio`: the async MLLP client, server and codec;
//! - `tls`: TLS and mutual TLS for MLLP through rustls;
//! - `tracing`: `tracing` spans for MLLP connections and messages (no patient data);
//! - `serde`: the HL7 JSON view and `Serialize` for the X12 typed models;
//! - `json`: the DICOM JSON model (PS3.18 Annex F).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[doc(inline)]
pub use carewire_dicom_lite as dicom;
#[doc(inline)]
pub use carewire_hl7 as hl7;
#[doc(inline)]
pub use carewire_mapping as mapping;
#[doc(inline)]
pub use carewire_mllp as mllp;
#[doc(inline)]
pub use carewire_x12 as x12;
