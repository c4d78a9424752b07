//! # carewire-dicom-lite
//!
//! A zero-copy DICOM data set reader and writer for the header part of DICOM files:
//! patient, study, series and instance identifiers, UIDs, dates, modality — without
//! pixel decoding and without networking. One pass over `&[u8]` builds a flat element
//! table; values are decoded when asked for; an unmodified file writes back
//! byte-for-byte.
//!
//! ## Quick start
//!
//! ```
//! use carewire_dicom_lite::{DataSet, Encoder, ParseConfig, Tag, TransferSyntax, Vr};
//!
//! // A synthetic Part 10 file: preamble, DICM, file meta, then the data set.
//! let mut enc = Encoder::part10(
//!     [0; 128],
//!     TransferSyntax::ExplicitVrLittleEndian,
//!     "1.2.840.10008.5.1.4.1.1.2",
//!     "1.2.3.4.5",
//! )?;
//! enc.element(Tag::new(0x0008, 0x0005), Vr::Cs, b"ISO_IR 100")?;
//! enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240131")?;
//! enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC001")?;
//! enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"M\xFCller^Anna")?;
//! enc.begin_sequence(Tag::new(0x0040, 0x0275), false)?;
//! enc.begin_item(false)?;
//! enc.element(Tag::new(0x0040, 0x0009), Vr::Sh, b"SPS-7")?;
//! enc.end_item()?;
//! enc.end_sequence()?;
//! enc.element(Tag::PIXEL_DATA, Vr::Ow, &[0; 8])?;
//! let file = enc.finish()?;
//!
//! // Read only the header: stop before pixel data.
//! let config = ParseConfig::default().stop_before_pixel_data(true);
//! let ds = DataSet::parse_with(&file, &config)?;
//! assert_eq!(ds.transfer_syntax(), TransferSyntax::ExplicitVrLittleEndian);
//! assert_eq!(ds.get_str(Tag::from_keyword("AccessionNumber").ok_or("kw")?).as_deref(), Some("ACC001"));
//! let name = ds.get(Tag::new(0x0010, 0x0010)).ok_or("no name")?;
//! assert_eq!(name.to_str(), "Müller^Anna"); // ISO_IR 100 decoded
//! assert_eq!(name.with_person_name(|pn| pn.alphabetic.given.to_owned()).as_deref(), Some("Anna"));
//! assert_eq!(ds.get(Tag::new(0x0008, 0x0020)).and_then(|e| e.date()).map(|d| d.year), Some(2024));
//!
//! // Nested access.
//! let sps = ds.get(Tag::new(0x0040, 0x0275)).ok_or("no sequence")?;
//! let item = sps.items().next().ok_or("no item")?;
//! assert_eq!(item.get(Tag::new(0x0040, 0x0009)).map(|e| e.to_str()).as_deref(), Some("SPS-7"));
//!
//! // Byte-exact write back (the unread pixel data is copied as it was).
//! assert_eq!(ds.to_vec(), file);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Ownership
//!
//! 1. The scanner builds a flat [`Index`] — one entry per element, sequence, item,
//!    fragment and delimiter, with tag, VR, header form, declared length, value span
//!    (u32 offsets), depth and parent — in one pass with no allocation per element;
//!    [`Parser::parse_into`] reuses an index across files.
//! 2. [`DataSet`] is the borrowed view: [`Element`]s give `raw()` bytes as stored or
//!    decoded values (`to_str()` as `Cow<str>`, borrowed unless transcoding was needed;
//!    dates, times, person names, numbers, tags).
//! 3. [`DataSetBuf`] is the owned, editable data set (insert, replace, remove, nested
//!    items), written in any uncompressed transfer syntax with group lengths recomputed;
//!    [`Encoder`] writes new data sets element by element.
//!
//! ## Input
//!
//! Part 10 files (128-byte preamble kept as is, `DICM`, file meta group 0002 in Explicit
//! VR Little Endian) and bare data sets (no preamble, no meta: the transfer syntax is
//! detected from the first elements, or given with [`ParseConfig::transfer_syntax`]).
//! Transfer syntaxes: Implicit VR LE, Explicit VR LE, Explicit VR BE, Deflated Explicit
//! VR LE (inflated into the index, bounded by `max_inflated_len`), and every encapsulated
//! syntax for the header part — pixel data fragments and the Basic Offset Table are
//! exposed as spans ([`DataSet::pixel_data`]).
//!
//! Sequences and items of defined and undefined length nest to any depth within
//! `max_depth`; UN of undefined length is read as a sequence in Implicit VR LE (CP-246).
//! Implicit-VR data uses the built-in [`dict`]ionary (all of PS3.6, retired elements and
//! repeating groups included, and the PS3.7 command elements).
//!
//! ## Stop conditions
//!
//! [`ParseConfig::stop_before_pixel_data`], [`ParseConfig::stop_after`] (and
//! [`ParseConfig::stop_after_all`] for a set of wanted tags) and
//! [`ParseConfig::max_header_len`] (a prefix read: an element cut by the end of the prefix
//! stops the read instead of failing) stop at the top level; [`DataSet::stopped`] says
//! where. The unread rest is still written back unchanged.
//!
//! ## Leniency and limits
//!
//! Lenient by default: odd lengths, missing or stray delimiters, elements outside items,
//! items outside sequences, explicit-VR elements inside implicit-VR data sets, a file
//! meta group without preamble or with a wrong group length, a data set not in its
//! declared transfer syntax, trailing bytes — each reported as a [`Diagnostic`] with a
//! byte offset and tag;
//! [`ParseConfig::strict`] turns them into errors. A declared length is always checked
//! against the bytes present before it is used; nothing is allocated from one. Limits:
//! `max_input_len` (4 GiB − 1), `max_depth` (64), `max_elements` (16 M),
//! `max_inflated_len` (256 MiB).
//!
//! ## Errors and privacy
//!
//! One [`Error`] type: an [`ErrorKind`], a byte offset and, where known, the [`Tag`].
//! No `Debug` output of any type here prints a value, and neither does the `Display` of
//! errors and diagnostics: patient names stay out of logs. Values are only reachable
//! through explicit accessors (and the `Display` of decoded [`Date`], [`Time`]).
//!
//! ## Character sets
//!
//! Specific Character Set (0008,0005), per data set and per item: the single-byte
//! ISO 8859 sets, UTF-8 (ISO_IR 192), GB18030 and GBK via `encoding_rs`, and ISO 2022
//! code extensions (Japanese IR 13/87/159, Korean IR 149, Chinese IR 58, ISO 8859 parts
//! in G1) by following the escape sequences inside each value.
//!
//! ## Cargo features
//!
//! - `chrono`: convert [`Date`], [`Time`] and [`DateTime`] to `chrono` types.
//! - `json`: the DICOM JSON model (PS3.18 Annex F), output and input ([`json`]).
//!
//! ## Specifications
//!
//! DICOM PS3.5 (data structures and encoding: §6.2 VRs, §7 data set encoding, §7.5
//! nesting, Annex A transfer syntaxes), PS3.6 (data dictionary), PS3.10 (file format:
//! §7.1 preamble and meta information), CP-246 (UN of undefined length).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod charset;
mod config;
mod dataset;
pub mod deid;
pub mod dict;
mod dict_data;
mod error;
#[doc(hidden)]
pub mod gen;
#[cfg(feature = "json")]
pub mod json;
mod owned;
mod parse;
mod tag;
mod ts;
mod value;
mod write;

pub use charset::CharacterSet;
pub use config::ParseConfig;
pub use dataset::{DataSet, Element, Fragments, PixelData, Siblings};
pub use error::{Diagnostic, DiagnosticKind, Error, ErrorKind, Result};
pub use owned::{DataSetBuf, ElementBuf, ItemBuf, ValueBuf};
pub use parse::{ElementKind, Index, Parser, Stop, StopReason, UNDEFINED_LENGTH};
pub use tag::{Tag, Vr};
pub use ts::{TransferSyntax, KNOWN_ENCAPSULATED};
pub use value::{parse_ds, parse_is, trim_value, Date, DateTime, NameComponents, PersonName, Time};
pub use write::{Encoder, IMPLEMENTATION_CLASS_UID};
