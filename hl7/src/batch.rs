//! HL7 batches and files (HL7 v2.x ch. 2.10.3): reading and writing many messages in one
//! stream.
//!
//! The standard's batch protocol wraps messages in optional header and trailer segments:
//!
//! ```text
//! [FHS]                 file header (FHS-1 is the field separator, as in MSH)
//! { [BHS]               batch header
//!   { MSH ... }         messages
//!   [BTS] }             batch trailer: BTS-1 = number of messages in the batch
//! [FTS]                 file trailer: FTS-1 = number of batches in the file
//! ```
//!
//! Real feeds also send bare concatenations of messages (no header or trailer at all), with
//! CR, LF or CR LF segment terminators and sometimes blank lines between messages. Both
//! forms are read by the same code:
//!
//! - [`BatchReader`] streams over any [`BufRead`] with bounded memory: it reads one segment
//!   line at a time into a reused buffer, and never more than one message
//!   ([`BatchConfig::max_message_len`]) plus one line ([`BatchConfig::max_line_len`]) is held.
//!   It yields [`BatchItem`]s: headers, owned [`MessageBuf`]s, trailers with their declared and
//!   counted numbers, and [`BatchDiagnostic`]s for every irregularity it tolerated.
//! - [`read_messages`] splits a byte slice that is already in memory into zero-copy
//!   [`Message`] views.
//! - [`BatchWriter`] writes headers, messages and trailers, computing BTS-1 and FTS-1.
//!
//! # Where a message ends
//!
//! A message starts at a line beginning with `MSH` and ends right before the next line
//! beginning with `MSH`, `BHS`, `BTS`, `FHS` or `FTS` (followed by a non-alphanumeric byte: the
//! field separator or the end of the line), or at the end of the input. Everything in
//! between, blank lines and odd lines included, belongs to the message and is kept
//! byte-for-byte (the message parser reports what it had to tolerate). Lines outside any
//! message other than headers and trailers are skipped and reported as
//! [`BatchDiagnosticKind::StrayBytes`].
//!
//! # Examples
//! ```
//! use carewire_hl7::batch::{BatchItem, BatchReader};
//! let input: &[u8] = b"FHS|^~\\&|LAB\rBHS|^~\\&|LAB\r\
//!     MSH|^~\\&|LAB||||||ORU^R01|1|P|2.5\rPID|1||42\r\
//!     MSH|^~\\&|LAB||||||ORU^R01|2|P|2.5\rPID|1||43\r\
//!     BTS|2\rFTS|1\r";
//! let mut messages = 0;
//! for item in BatchReader::new(input) {
//!     match item? {
//!         BatchItem::Message(m) => {
//!             messages += 1;
//!             assert_eq!(m.view().segment_count(), 2);
//!         }
//!         BatchItem::BatchTrailer(t) => {
//!             assert_eq!(t.declared_count(), Some(2));
//!             assert_eq!(t.actual_count(), 2);
//!         }
//!         _ => {}
//!     }
//! }
//! assert_eq!(messages, 2);
//! # Ok::<(), carewire_hl7::Error>(())
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, Write};

use bytes::Bytes;

use crate::config::ParseConfig;
use crate::delim::Delimiters;
use crate::error::{Diagnostic, Error, ErrorKind, Result};
use crate::message::{Ctx, Field, Message, MessageBuf, Value};
use crate::parse::{field_slot, read_delimiters, Slot};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Lines up to this size keep their buffer between reads; a longer line's buffer is
/// released afterwards so one huge line does not pin memory for the rest of the stream.
const KEEP_LINE_CAPACITY: usize = 64 << 10;

// ---------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------

/// What a line (without its terminator) is, for splitting a stream into messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    Msh,
    Fhs,
    Bhs,
    Bts,
    Fts,
    /// Only whitespace (or nothing).
    Blank,
    Other,
}

impl LineKind {
    fn is_boundary(self) -> bool {
        !matches!(self, LineKind::Blank | LineKind::Other)
    }
}

/// Classifies a line by its first bytes: a three-letter segment identifier followed by a
/// non-alphanumeric byte (the field separator) or by the end of the line.
fn classify(content: &[u8]) -> LineKind {
    if content.len() >= 3 && content.get(3).map_or(true, |b| !b.is_ascii_alphanumeric()) {
        match &content[..3] {
            b"MSH" => return LineKind::Msh,
            b"FHS" => return LineKind::Fhs,
            b"BHS" => return LineKind::Bhs,
            b"BTS" => return LineKind::Bts,
            b"FTS" => return LineKind::Fts,
            _ => {}
        }
    }
    if content
        .iter()
        .all(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0 | 0x1A))
    {
        LineKind::Blank
    } else {
        LineKind::Other
    }
}

/// Length of the terminator (CR, LF or CR LF) at the end of `line`.
fn terminator_len(line: &[u8]) -> usize {
    if line.ends_with(b"\r\n") {
        2
    } else if line.ends_with(b"\r") || line.ends_with(b"\n") {
        1
    } else {
        0
    }
}

/// The line starting at `pos`: (end of content, start of the next line).
fn line_at(input: &[u8], pos: usize) -> (usize, usize) {
    let rest = input.get(pos..).unwrap_or(&[]);
    match memchr::memchr2(b'\r', b'\n', rest) {
        Some(i) => {
            let end = pos + i;
            if input[end] == b'\r' && input.get(end + 1) == Some(&b'\n') {
                (end, end + 2)
            } else {
                (end, end + 1)
            }
        }
        None => (input.len(), input.len()),
    }
}

/// How much of a line [`read_line`] consumed.
struct LineRead {
    /// Bytes consumed from the reader (0 at end of input).
    consumed: u64,
    /// The content (without terminator) was longer than the limit; only a prefix was kept.
    too_long: bool,
}

/// Reads one line, terminator included (CR, LF or CR LF), into `line`, keeping at most
/// `max + 2` bytes of it.
fn read_line<R: BufRead>(r: &mut R, line: &mut Vec<u8>, max: usize) -> io::Result<LineRead> {
    line.clear();
    let keep_limit = max.saturating_add(2);
    let mut consumed: u64 = 0;
    let mut term: u64 = 0;
    let mut after_cr = false;
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        if after_cr {
            // A CR was the last byte of the previous buffer: CR LF is one terminator.
            if buf[0] == b'\n' {
                if line.len() < keep_limit {
                    line.push(b'\n');
                }
                r.consume(1);
                consumed += 1;
                term = 2;
            }
            break;
        }
        let (n, found) = match memchr::memchr2(b'\r', b'\n', buf) {
            Some(i) => (i + 1, Some(buf[i])),
            None => (buf.len(), None),
        };
        let crlf_here = found == Some(b'\r') && buf.get(n) == Some(&b'\n');
        let n = if crlf_here { n + 1 } else { n };
        let room = keep_limit.saturating_sub(line.len());
        line.extend_from_slice(&buf[..n.min(room)]);
        r.consume(n);
        consumed += n as u64;
        match found {
            None => {}
            Some(b'\n') => {
                term = 1;
                break;
            }
            Some(_) if crlf_here => {
                term = 2;
                break;
            }
            Some(_) => {
                term = 1;
                after_cr = true;
            }
        }
    }
    Ok(LineRead {
        consumed,
        too_long: consumed - term > max as u64,
    })
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// Moves an error from a message's own offsets to the stream's.
fn rebase(e: Error, base: u64) -> Error {
    let moved = Error::new(e.kind(), to_usize(base).saturating_add(e.offset()));
    match e.location() {
        Some(loc) => moved.at(loc),
        None => moved,
    }
}

// ---------------------------------------------------------------------------------------
// Header and trailer segments
// ---------------------------------------------------------------------------------------

/// An owned header or trailer segment (`FHS`, `BHS`, `BTS`, `FTS`) as read from a batch.
///
/// Field numbering follows the MSH rule for `FHS` and `BHS`: FHS-1 *is* the field separator
/// and FHS-2 the encoding characters (both returned unsplit). `FHS`/`BHS` declare their own
/// delimiters; `BTS`/`FTS` use those of the enclosing `BHS`/`FHS` (or of the last message
/// when there is none).
///
/// `Debug` shows the identifier, offset, length and field count, never the content.
///
/// # Examples
/// ```
/// use carewire_hl7::batch::{BatchItem, BatchReader};
/// let input: &[u8] = b"FHS|^~\\&|LAB|ACME^HOSP\rMSH|^~\\&|A\rFTS|0\r";
/// let mut reader = BatchReader::new(input);
/// if let Some(BatchItem::FileHeader(fhs)) = reader.next().transpose()? {
///     assert_eq!(fhs.id(), b"FHS");
///     assert_eq!(fhs.field(1).map(|f| f.raw()), Some(&b"|"[..]));
///     assert_eq!(fhs.field(2).map(|f| f.raw()), Some(&b"^~\\&"[..]));
///     let facility = fhs.field(4).and_then(|f| f.component(2)).map(|c| c.to_string_decoded());
///     assert_eq!(facility.as_deref(), Some("HOSP"));
///     assert_eq!(fhs.as_bytes(), b"FHS|^~\\&|LAB|ACME^HOSP\r");
/// }
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
#[derive(Clone)]
pub struct SegmentBuf {
    /// The segment as on the wire, terminator included.
    bytes: Bytes,
    /// Length without the terminator.
    content_len: usize,
    /// Start of each stored entry (entry 0 is the identifier).
    fields: Vec<u32>,
    /// FHS/BHS: field 1 is the separator.
    header: bool,
    ctx: Ctx,
    offset: u64,
    diagnostics: Vec<Diagnostic>,
}

impl SegmentBuf {
    /// Builds a segment from its bytes (terminator included). Header segments (FHS, BHS)
    /// read their delimiters from fields 1 and 2; others use `inherited`.
    fn parse(
        bytes: Bytes,
        inherited: Delimiters,
        config: &ParseConfig,
        offset: u64,
    ) -> Result<SegmentBuf> {
        let content_len = bytes.len() - terminator_len(&bytes);
        let content = &bytes[..content_len];
        let header = matches!(content.get(..3), Some(b"FHS" | b"BHS"));
        let mut diagnostics = Vec::new();
        let delims = if header {
            read_delimiters(content, 0, |kind, offset| {
                diagnostics.push(Diagnostic { kind, offset })
            })
            .map_err(|e| rebase(e, offset))?
        } else {
            inherited
        };
        if content_len > u32::MAX as usize {
            return Err(Error::new(
                ErrorKind::MessageTooLong {
                    max: u32::MAX as usize,
                },
                to_usize(offset),
            ));
        }
        let mut fields = vec![0u32];
        fields.extend(memchr::memchr_iter(delims.field, content).map(|i| (i + 1) as u32));
        Ok(SegmentBuf {
            content_len,
            fields,
            header,
            ctx: Ctx {
                delims,
                charset: config.charset_override.unwrap_or(config.default_charset),
            },
            offset,
            diagnostics,
            bytes,
        })
    }

    /// The segment identifier: `b"FHS"`, `b"BHS"`, `b"BTS"` or `b"FTS"`.
    pub fn id(&self) -> &[u8] {
        &self.bytes[..self.content_len.min(3)]
    }

    /// The segment bytes without the terminator.
    pub fn raw(&self) -> &[u8] {
        &self.bytes[..self.content_len]
    }

    /// The terminator as read (CR, LF, CR LF, or empty at the end of the input).
    pub fn terminator(&self) -> &[u8] {
        &self.bytes[self.content_len..]
    }

    /// The segment exactly as on the wire, terminator included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The segment bytes (terminator included) as shared [`Bytes`].
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Byte offset of the segment in the stream.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The delimiters in force: declared by this segment (FHS, BHS) or inherited (BTS, FTS).
    pub fn delimiters(&self) -> Delimiters {
        self.ctx.delims
    }

    /// Repairs made reading FHS-2/BHS-2 (offsets are within the segment).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Highest field number present (HL7 numbering; FHS/BHS count FHS-1).
    pub fn field_count(&self) -> usize {
        let stored = self.fields.len() - 1;
        if self.header {
            stored + 1
        } else {
            stored
        }
    }

    fn span(&self, k: usize) -> Option<(usize, usize)> {
        let start = *self.fields.get(k)? as usize;
        let end = match self.fields.get(k + 1) {
            Some(&next) => next as usize - 1,
            None => self.content_len,
        };
        Some((start, end))
    }

    /// Field `n` (1-based, HL7 numbering; for FHS and BHS field 1 is the field separator and
    /// field 2 the encoding characters, both unsplit). `None` when absent. Value offsets are
    /// relative to the start of the segment.
    pub fn field(&self, n: usize) -> Option<Field<'_>> {
        let content = &self.bytes[..self.content_len];
        let opaque = Ctx {
            delims: Delimiters::opaque(self.ctx.delims.field),
            charset: self.ctx.charset,
        };
        let (start, end, ctx) = match field_slot(self.header, n)? {
            Slot::Separator => (3, 4, opaque),
            Slot::Opaque(k) => {
                let (s, e) = self.span(k)?;
                (s, e, opaque)
            }
            Slot::Stored(k) => {
                let (s, e) = self.span(k)?;
                (s, e, self.ctx)
            }
        };
        let raw = content.get(start..end)?;
        Some(Field(Value::from_raw(raw, ctx, start)))
    }

    /// Fields 1.. in order.
    pub fn fields(&self) -> impl Iterator<Item = Field<'_>> + '_ {
        (1..=self.field_count()).filter_map(move |n| self.field(n))
    }
}

impl fmt::Debug for SegmentBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SegmentBuf")
            .field("id", &String::from_utf8_lossy(self.id()))
            .field("offset", &self.offset)
            .field("len", &self.content_len)
            .field("fields", &self.field_count())
            .finish()
    }
}

/// A batch or file trailer (`BTS` or `FTS`) with the count it declares and the count the
/// reader saw.
///
/// BTS-1 is the number of messages since the batch header; FTS-1 the number of batches
/// (`BHS` segments) since the file header. Messages that failed to parse still count: they
/// were in the batch.
///
/// # Examples
/// A real-world file whose BTS-1 says 1 although the batch holds 2 messages:
/// ```
/// use carewire_hl7::batch::{BatchDiagnosticKind, BatchItem, BatchReader};
/// let input: &[u8] = b"BHS|^~\\&\nMSH|^~\\&|A\nMSH|^~\\&|B\nBTS|1\n";
/// let trailer = BatchReader::new(input)
///     .filter_map(|item| match item {
///         Ok(BatchItem::BatchTrailer(t)) => Some(t),
///         _ => None,
///     })
///     .next();
/// let trailer = trailer.ok_or("no trailer")?;
/// assert_eq!((trailer.declared_count(), trailer.actual_count()), (Some(1), 2));
/// assert!(!trailer.count_matches());
/// assert_eq!(trailer.diagnostic().map(|d| d.kind), Some(BatchDiagnosticKind::CountMismatch));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Trailer {
    segment: SegmentBuf,
    actual: usize,
}

impl Trailer {
    /// The trailer segment as read.
    pub fn segment(&self) -> &SegmentBuf {
        &self.segment
    }

    fn declared_raw(&self) -> &[u8] {
        let raw = self.segment.field(1).map_or(&[][..], |f| f.raw());
        let start = raw.iter().position(|&b| b != b' ').unwrap_or(raw.len());
        let end = raw
            .iter()
            .rposition(|&b| b != b' ')
            .map_or(start, |e| e + 1);
        &raw[start..end]
    }

    /// The count declared in BTS-1 / FTS-1; `None` when empty, absent or not a number.
    pub fn declared_count(&self) -> Option<u64> {
        let raw = self.declared_raw();
        if raw.is_empty() || raw.len() > 19 || !raw.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(raw).ok()?.parse().ok()
    }

    /// The number the reader counted: messages in the batch (BTS) or batches in the file (FTS).
    pub fn actual_count(&self) -> usize {
        self.actual
    }

    /// False when field 1 holds a count that differs from [`Trailer::actual_count`] or is not a
    /// number. An empty field 1 declares nothing and always matches.
    pub fn count_matches(&self) -> bool {
        self.declared_raw().is_empty() || self.declared_count() == Some(self.actual as u64)
    }

    /// A [`BatchDiagnosticKind::CountMismatch`] when the counts disagree.
    pub fn diagnostic(&self) -> Option<BatchDiagnostic> {
        (!self.count_matches()).then_some(BatchDiagnostic {
            kind: BatchDiagnosticKind::CountMismatch,
            offset: self.segment.offset,
            len: self.segment.content_len as u64,
        })
    }
}

impl fmt::Debug for Trailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trailer")
            .field("segment", &self.segment)
            .field("declared", &self.declared_count())
            .field("actual", &self.actual)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------
// Diagnostics, configuration, items
// ---------------------------------------------------------------------------------------

/// What irregularity in the batch structure the reader tolerated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BatchDiagnosticKind {
    /// A byte-order mark before a header segment or stray bytes was skipped. (A BOM right
    /// before the first `MSH` stays with that message and is reported by the message parser.)
    LeadingBom,
    /// Lines outside any message that are not batch headers or trailers were skipped
    /// (comments, blank lines); `len` says how many bytes.
    StrayBytes,
    /// BTS-1 or FTS-1 disagrees with the number counted (see [`Trailer`]).
    CountMismatch,
    /// A `BHS` was not closed by a `BTS` before the next `BHS`, `FHS`, `FTS` or the end.
    MissingBatchTrailer,
    /// An `FHS` was not closed by an `FTS` before the next `FHS` or the end.
    MissingFileTrailer,
    /// A `BTS` without an open `BHS`, or an `FTS` without an open `FHS`.
    UnexpectedTrailer,
}

impl fmt::Display for BatchDiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BatchDiagnosticKind::LeadingBom => "byte-order mark before a batch segment",
            BatchDiagnosticKind::StrayBytes => "bytes outside any message",
            BatchDiagnosticKind::CountMismatch => "trailer count does not match",
            BatchDiagnosticKind::MissingBatchTrailer => "batch header without BTS",
            BatchDiagnosticKind::MissingFileTrailer => "file header without FTS",
            BatchDiagnosticKind::UnexpectedTrailer => "trailer without a matching header",
        })
    }
}

/// A tolerated irregularity in the batch structure: what, where (byte offset in the stream)
/// and how many bytes it covers; never content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BatchDiagnostic {
    /// What was tolerated.
    pub kind: BatchDiagnosticKind,
    /// Byte offset in the stream.
    pub offset: u64,
    /// Bytes concerned (the skipped bytes, or the trailer segment), 0 when not applicable.
    pub len: u64,
}

impl BatchDiagnostic {
    fn to_error(self) -> Error {
        let kind = match self.kind {
            BatchDiagnosticKind::LeadingBom | BatchDiagnosticKind::StrayBytes => {
                ErrorKind::StrayBytes
            }
            _ => ErrorKind::InvalidBatch,
        };
        Error::new(kind, to_usize(self.offset))
    }
}

impl fmt::Display for BatchDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)?;
        if self.len > 0 {
            write!(f, " ({} bytes)", self.len)?;
        }
        Ok(())
    }
}

/// Limits and leniency of a [`BatchReader`].
///
/// The default is lenient: every irregularity is reported as a
/// [`BatchItem::Diagnostic`] (or, for counts, on the [`Trailer`]) and reading goes on.
/// [`BatchConfig::strict`] turns each into an error ([`ErrorKind::InvalidBatch`], or
/// [`ErrorKind::StrayBytes`] for skipped bytes) and parses messages strictly.
///
/// # Examples
/// ```
/// use carewire_hl7::batch::{BatchConfig, BatchReader};
/// use carewire_hl7::ErrorKind;
/// let input: &[u8] = b"BHS|^~\\&\rMSH|^~\\&|A\rMSH|^~\\&|B\rBTS|1\r";
/// let config = BatchConfig::strict();
/// let errors: Vec<_> = BatchReader::with_config(input, config)
///     .filter_map(|item| item.err())
///     .map(|e| e.kind())
///     .collect();
/// assert_eq!(errors, [ErrorKind::InvalidBatch]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchConfig {
    /// Largest message in bytes (default 64 MiB). A longer message is an
    /// [`ErrorKind::MessageTooLong`] error; the reader skips to the next message.
    pub max_message_len: usize,
    /// Longest line (one segment, without its terminator) in bytes (default 64 MiB, so one
    /// segment may hold a large embedded document). A longer line is an
    /// [`ErrorKind::MessageTooLong`] error whose `max` is this limit; its message is dropped
    /// and the reader resumes at the next `MSH` or batch segment.
    pub max_line_len: usize,
    /// Accept BTS-1/FTS-1 counts that disagree with what was read (default true).
    pub allow_count_mismatch: bool,
    /// Accept (skip and report) bytes outside any message (default true).
    pub allow_stray_bytes: bool,
    /// Accept headers without trailers and trailers without headers (default true; the
    /// standard makes each optional, but a strict receiver wants them in pairs).
    pub allow_unpaired: bool,
    /// How each message is parsed.
    pub parse: ParseConfig,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_message_len: 64 << 20,
            max_line_len: 64 << 20,
            allow_count_mismatch: true,
            allow_stray_bytes: true,
            allow_unpaired: true,
            parse: ParseConfig::default(),
        }
    }
}

impl BatchConfig {
    /// The lenient default configuration.
    pub fn new() -> BatchConfig {
        BatchConfig::default()
    }

    /// Rejects every irregularity the lenient reader would report, and parses messages with
    /// [`ParseConfig::strict`].
    pub fn strict() -> BatchConfig {
        BatchConfig {
            allow_count_mismatch: false,
            allow_stray_bytes: false,
            allow_unpaired: false,
            parse: ParseConfig::strict(),
            ..BatchConfig::default()
        }
    }

    /// Sets `max_message_len`.
    pub fn max_message_len(mut self, max: usize) -> BatchConfig {
        self.max_message_len = max;
        self
    }

    /// Sets `max_line_len`.
    pub fn max_line_len(mut self, max: usize) -> BatchConfig {
        self.max_line_len = max;
        self
    }

    /// Sets the configuration messages are parsed with.
    pub fn parse_config(mut self, parse: ParseConfig) -> BatchConfig {
        self.parse = parse;
        self
    }

    fn allows(&self, kind: BatchDiagnosticKind) -> bool {
        match kind {
            BatchDiagnosticKind::LeadingBom | BatchDiagnosticKind::StrayBytes => {
                self.allow_stray_bytes
            }
            BatchDiagnosticKind::CountMismatch => self.allow_count_mismatch,
            BatchDiagnosticKind::MissingBatchTrailer
            | BatchDiagnosticKind::MissingFileTrailer
            | BatchDiagnosticKind::UnexpectedTrailer => self.allow_unpaired,
        }
    }
}

/// One thing read from a batch stream, in stream order.
///
/// `Debug` never shows content (messages and segments redact themselves).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum BatchItem {
    /// An `FHS` segment.
    FileHeader(SegmentBuf),
    /// A `BHS` segment.
    BatchHeader(SegmentBuf),
    /// A message, byte-for-byte as in the stream (terminators and blank lines included).
    Message(MessageBuf),
    /// A `BTS` segment with BTS-1 and the number of messages counted.
    BatchTrailer(Trailer),
    /// An `FTS` segment with FTS-1 and the number of batches counted.
    FileTrailer(Trailer),
    /// An irregularity the reader tolerated (lenient mode only; in strict mode it is an error).
    Diagnostic(BatchDiagnostic),
}

impl BatchItem {
    /// The message, if this item is one.
    pub fn as_message(&self) -> Option<&MessageBuf> {
        match self {
            BatchItem::Message(m) => Some(m),
            _ => None,
        }
    }

    /// The message, if this item is one.
    pub fn into_message(self) -> Option<MessageBuf> {
        match self {
            BatchItem::Message(m) => Some(m),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The streaming reader
// ---------------------------------------------------------------------------------------

/// Reads a batch file or a concatenation of messages from any [`BufRead`], one segment line
/// at a time, with memory bounded by one message plus one line.
///
/// The reader is an iterator of `Result<BatchItem>`. After an error in one message (it does
/// not parse, or it is too long) reading goes on with the next; after an I/O error the
/// iterator ends (a message cut off by it is not returned). Error offsets are byte offsets
/// in the stream.
///
/// A message is returned once the line after it (the next `MSH` or batch segment) or the
/// end of the input has been read, so the reader suits files and pipes; a live connection
/// that sends one message and waits for an answer needs framing (MLLP) instead.
///
/// # Examples
/// Count the messages of a file without holding it in memory:
/// ```no_run
/// use std::io::BufReader;
/// use carewire_hl7::batch::BatchReader;
/// let file = std::fs::File::open("feed.hl7")?;
/// let mut n = 0;
/// for message in BatchReader::new(BufReader::new(file)).into_messages() {
///     let message = message?;
///     n += message.view().segment_count();
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Bare concatenations with LF terminators and blank lines are read the same way, and each
/// message keeps its bytes exactly:
/// ```
/// use carewire_hl7::batch::BatchReader;
/// let input: &[u8] = b"MSH|^~\\&|A\nPID|1\n\nMSH|^~\\&|B\nPID|2\n";
/// let messages: Vec<_> = BatchReader::new(input).into_messages().collect::<Result<_, _>>()?;
/// assert_eq!(messages.len(), 2);
/// assert_eq!(&messages[0].bytes()[..], b"MSH|^~\\&|A\nPID|1\n\n");
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
pub struct BatchReader<R> {
    inner: R,
    config: BatchConfig,
    /// The current line (reused).
    line: Vec<u8>,
    /// The current message's bytes.
    msg: Vec<u8>,
    msg_start: u64,
    in_msg: bool,
    /// A message was dropped (too long); skip lines until the next boundary.
    discarding: bool,
    /// Stream offset of the next unread byte.
    pos: u64,
    at_start: bool,
    done: bool,
    queue: VecDeque<(u64, Result<BatchItem>)>,
    /// A run of stray lines not yet reported: (offset, length).
    stray: Option<(u64, u64)>,
    file_open: bool,
    batch_open: bool,
    file_delims: Option<Delimiters>,
    batch_delims: Option<Delimiters>,
    last_delims: Delimiters,
    messages_in_batch: usize,
    batches_in_file: usize,
    item_offset: u64,
}

impl<R: BufRead> BatchReader<R> {
    /// A reader with the default (lenient) configuration.
    pub fn new(inner: R) -> BatchReader<R> {
        BatchReader::with_config(inner, BatchConfig::default())
    }

    /// A reader with the given configuration.
    pub fn with_config(inner: R, config: BatchConfig) -> BatchReader<R> {
        BatchReader {
            inner,
            config,
            line: Vec::new(),
            msg: Vec::new(),
            msg_start: 0,
            in_msg: false,
            discarding: false,
            pos: 0,
            at_start: true,
            done: false,
            queue: VecDeque::new(),
            stray: None,
            file_open: false,
            batch_open: false,
            file_delims: None,
            batch_delims: None,
            last_delims: Delimiters::default(),
            messages_in_batch: 0,
            batches_in_file: 0,
            item_offset: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &BatchConfig {
        &self.config
    }

    /// Bytes consumed from the underlying reader so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Stream offset where the item (or error) most recently returned begins.
    pub fn item_offset(&self) -> u64 {
        self.item_offset
    }

    /// Capacity of the reader's own buffers (line and message) in bytes, for checking that
    /// memory stays bounded; it never exceeds what one line and one message need.
    pub fn buffer_capacity(&self) -> usize {
        self.line.capacity() + self.msg.capacity()
    }

    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Consumes the batch reader, returning the underlying reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Only the messages (and errors): headers, trailers and diagnostics are skipped.
    /// Count mismatches are still errors in strict mode.
    pub fn into_messages(self) -> impl Iterator<Item = Result<MessageBuf>> {
        self.filter_map(|item| match item {
            Ok(BatchItem::Message(m)) => Some(Ok(m)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
    }

    fn push(&mut self, offset: u64, item: Result<BatchItem>) {
        self.queue.push_back((offset, item));
    }

    fn diag(&mut self, kind: BatchDiagnosticKind, offset: u64, len: u64) {
        let d = BatchDiagnostic { kind, offset, len };
        let item = if self.config.allows(kind) {
            Ok(BatchItem::Diagnostic(d))
        } else {
            Err(d.to_error())
        };
        self.push(offset, item);
    }

    fn flush_stray(&mut self) {
        if let Some((offset, len)) = self.stray.take() {
            self.diag(BatchDiagnosticKind::StrayBytes, offset, len);
        }
    }

    fn add_stray(&mut self, offset: u64, len: u64) {
        match &mut self.stray {
            Some((_, l)) => *l += len,
            None => self.stray = Some((offset, len)),
        }
    }

    /// Drops the message being read (after a limit was exceeded).
    fn drop_message(&mut self) {
        self.in_msg = false;
        self.msg = Vec::new();
        self.discarding = true;
    }

    fn end_message(&mut self) {
        if !self.in_msg {
            return;
        }
        self.in_msg = false;
        let bytes = Bytes::from(std::mem::take(&mut self.msg));
        let start = self.msg_start;
        let item = match MessageBuf::parse_with(bytes, &self.config.parse) {
            Ok(m) => {
                self.last_delims = m.view().delimiters();
                Ok(BatchItem::Message(m))
            }
            Err(e) => Err(rebase(e, start)),
        };
        self.push(start, item);
    }

    fn too_long(&mut self, start: u64) -> Error {
        Error::new(
            ErrorKind::MessageTooLong {
                max: self.config.max_line_len,
            },
            to_usize(start),
        )
    }

    /// Reads and handles one line; returns false at the end of the input.
    fn step(&mut self) -> bool {
        let mut start = self.pos;
        let read = match read_line(&mut self.inner, &mut self.line, self.config.max_line_len) {
            Ok(r) => r,
            Err(e) => {
                // The message being read is complete only if the line cut off by the error
                // had already begun the next one; otherwise it may be truncated: drop it.
                if self.line.len() > 3 && classify(&self.line).is_boundary() {
                    self.end_message();
                } else {
                    self.in_msg = false;
                    self.msg = Vec::new();
                }
                self.push(
                    start,
                    Err(Error::new(ErrorKind::Io(e.kind()), to_usize(start))),
                );
                return false;
            }
        };
        self.pos += read.consumed;
        if read.consumed == 0 {
            self.end_of_input();
            return false;
        }
        let mut kind = classify(&self.line[..self.line.len() - terminator_len(&self.line)]);
        if self.at_start {
            self.at_start = false;
            if self.line.starts_with(BOM) {
                let rest = &self.line[BOM.len()..];
                let after = classify(&rest[..rest.len() - terminator_len(rest)]);
                if after != LineKind::Msh {
                    // A BOM before FHS/BHS (or junk): drop it and say so. Before MSH it stays
                    // with the message, whose parser reports it.
                    self.diag(BatchDiagnosticKind::LeadingBom, 0, BOM.len() as u64);
                    self.line.drain(..BOM.len());
                    start += BOM.len() as u64;
                }
                kind = after;
            }
        }
        let line_len = self.line.len();
        if read.too_long {
            self.on_long_line(start, kind);
        } else {
            self.on_line(start, kind);
        }
        if line_len > KEEP_LINE_CAPACITY {
            self.line = Vec::new();
        }
        true
    }

    fn on_long_line(&mut self, start: u64, kind: LineKind) {
        if kind.is_boundary() {
            self.end_message();
            self.flush_stray();
            if kind == LineKind::Msh {
                self.messages_in_batch += 1;
            }
        } else if self.in_msg {
            // The message this line belongs to cannot be read whole.
            self.in_msg = false;
        }
        self.msg = Vec::new();
        self.discarding = true;
        let e = self.too_long(start);
        self.push(start, Err(e));
    }

    fn on_line(&mut self, start: u64, kind: LineKind) {
        match kind {
            LineKind::Blank | LineKind::Other => {
                if self.in_msg {
                    if self.msg.len() + self.line.len() > self.config.max_message_len {
                        let e = Error::new(
                            ErrorKind::MessageTooLong {
                                max: self.config.max_message_len,
                            },
                            to_usize(self.msg_start),
                        );
                        let at = self.msg_start;
                        self.drop_message();
                        self.push(at, Err(e));
                    } else {
                        self.msg.extend_from_slice(&self.line);
                    }
                } else if !self.discarding {
                    self.add_stray(start, self.line.len() as u64);
                }
            }
            LineKind::Msh => {
                self.end_message();
                self.flush_stray();
                self.discarding = false;
                self.messages_in_batch += 1;
                self.msg_start = start;
                if self.line.len() > self.config.max_message_len {
                    let e = Error::new(
                        ErrorKind::MessageTooLong {
                            max: self.config.max_message_len,
                        },
                        to_usize(start),
                    );
                    self.drop_message();
                    self.push(start, Err(e));
                } else {
                    self.in_msg = true;
                    self.msg.clear();
                    self.msg.extend_from_slice(&self.line);
                }
            }
            LineKind::Fhs | LineKind::Bhs | LineKind::Bts | LineKind::Fts => {
                self.end_message();
                self.flush_stray();
                self.discarding = false;
                self.on_batch_segment(start, kind);
            }
        }
    }

    fn segment(&self, start: u64, inherited: Delimiters) -> Result<SegmentBuf> {
        SegmentBuf::parse(
            Bytes::copy_from_slice(&self.line),
            inherited,
            &self.config.parse,
            start,
        )
    }

    fn on_batch_segment(&mut self, start: u64, kind: LineKind) {
        match kind {
            LineKind::Fhs => {
                if self.batch_open {
                    self.diag(BatchDiagnosticKind::MissingBatchTrailer, start, 0);
                    self.batch_open = false;
                }
                if self.file_open {
                    self.diag(BatchDiagnosticKind::MissingFileTrailer, start, 0);
                }
                self.file_open = true;
                self.batches_in_file = 0;
                self.messages_in_batch = 0;
                self.batch_delims = None;
                let item = self.segment(start, self.last_delims).map(|s| {
                    self.file_delims = Some(s.delimiters());
                    BatchItem::FileHeader(s)
                });
                if item.is_err() {
                    self.file_delims = None;
                }
                self.push(start, item);
            }
            LineKind::Bhs => {
                if self.batch_open {
                    self.diag(BatchDiagnosticKind::MissingBatchTrailer, start, 0);
                }
                self.batch_open = true;
                self.batches_in_file += 1;
                self.messages_in_batch = 0;
                let item = self.segment(start, self.last_delims).map(|s| {
                    self.batch_delims = Some(s.delimiters());
                    BatchItem::BatchHeader(s)
                });
                if item.is_err() {
                    self.batch_delims = None;
                }
                self.push(start, item);
            }
            LineKind::Bts => {
                if !self.batch_open {
                    self.diag(BatchDiagnosticKind::UnexpectedTrailer, start, 0);
                }
                let actual = std::mem::take(&mut self.messages_in_batch);
                self.batch_open = false;
                let delims = self
                    .batch_delims
                    .take()
                    .or(self.file_delims)
                    .unwrap_or(self.last_delims);
                let item = self.segment(start, delims);
                self.push_trailer(start, item, actual, BatchItem::BatchTrailer);
            }
            _ => {
                if self.batch_open {
                    self.diag(BatchDiagnosticKind::MissingBatchTrailer, start, 0);
                    self.batch_open = false;
                }
                if !self.file_open {
                    self.diag(BatchDiagnosticKind::UnexpectedTrailer, start, 0);
                }
                let actual = std::mem::take(&mut self.batches_in_file);
                self.file_open = false;
                self.messages_in_batch = 0;
                self.batch_delims = None;
                let delims = self.file_delims.take().unwrap_or(self.last_delims);
                let item = self.segment(start, delims);
                self.push_trailer(start, item, actual, BatchItem::FileTrailer);
            }
        }
    }

    fn push_trailer(
        &mut self,
        start: u64,
        segment: Result<SegmentBuf>,
        actual: usize,
        wrap: fn(Trailer) -> BatchItem,
    ) {
        let item = segment.and_then(|segment| {
            let t = Trailer { segment, actual };
            match t.diagnostic() {
                Some(d) if !self.config.allows(d.kind) => Err(d.to_error()),
                _ => Ok(wrap(t)),
            }
        });
        self.push(start, item);
    }

    fn end_of_input(&mut self) {
        self.end_message();
        self.flush_stray();
        let at = self.pos;
        if self.batch_open {
            self.batch_open = false;
            self.diag(BatchDiagnosticKind::MissingBatchTrailer, at, 0);
        }
        if self.file_open {
            self.file_open = false;
            self.diag(BatchDiagnosticKind::MissingFileTrailer, at, 0);
        }
    }
}

impl<R: BufRead> Iterator for BatchReader<R> {
    type Item = Result<BatchItem>;

    fn next(&mut self) -> Option<Result<BatchItem>> {
        loop {
            if let Some((offset, item)) = self.queue.pop_front() {
                self.item_offset = offset;
                return Some(item);
            }
            if self.done {
                return None;
            }
            if !self.step() {
                self.done = true;
            }
        }
    }
}

impl<R> fmt::Debug for BatchReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchReader")
            .field("position", &self.pos)
            .field("in_message", &self.in_msg)
            .field("file_open", &self.file_open)
            .field("batch_open", &self.batch_open)
            .field("messages_in_batch", &self.messages_in_batch)
            .field("config", &self.config)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------
// Zero-copy splitting of a slice
// ---------------------------------------------------------------------------------------

/// Splits a batch or a concatenation of messages held in memory into zero-copy [`Message`]
/// views (each with its own index), skipping `FHS`/`BHS`/`BTS`/`FTS` segments.
///
/// Message boundaries are those of [`BatchReader`]. Lines outside any message are skipped
/// and reported by [`Messages::diagnostics`]; a message that fails to parse is an `Err` item
/// (offsets in `input`) and the iterator goes on. Messages are parsed with the default
/// [`ParseConfig`]; see [`read_messages_with`].
///
/// # Examples
/// ```
/// use carewire_hl7::batch::read_messages;
/// let input = b"FHS|^~\\&\rMSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\rPID|2\rFTS|0\r";
/// let ids: Vec<String> = read_messages(input)
///     .map(|m| Ok(m?.get_str("MSH-3")?.unwrap_or_default().into_owned()))
///     .collect::<Result<_, carewire_hl7::Error>>()?;
/// assert_eq!(ids, ["A", "B"]);
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
pub fn read_messages(input: &[u8]) -> Messages<'_> {
    read_messages_with(input, &ParseConfig::default())
}

/// As [`read_messages`], parsing each message with `config`.
///
/// # Examples
/// ```
/// use carewire_hl7::{batch::read_messages_with, ParseConfig};
/// let input = b"MSH|^~\\&|A\nPID|1\n";
/// let first = read_messages_with(input, &ParseConfig::strict()).next();
/// assert!(matches!(first, Some(Err(_)))); // LF terminators are not allowed in strict mode
/// ```
pub fn read_messages_with<'a>(input: &'a [u8], config: &ParseConfig) -> Messages<'a> {
    Messages {
        input,
        pos: 0,
        config: config.clone(),
        diagnostics: Vec::new(),
    }
}

/// Iterator over the messages of a slice; see [`read_messages`].
#[derive(Clone)]
pub struct Messages<'a> {
    input: &'a [u8],
    pos: usize,
    config: ParseConfig,
    diagnostics: Vec<BatchDiagnostic>,
}

impl<'a> Messages<'a> {
    /// What was skipped so far: stray lines outside messages, and a BOM before a batch
    /// segment.
    pub fn diagnostics(&self) -> &[BatchDiagnostic] {
        &self.diagnostics
    }

    fn stray(&mut self, kind: BatchDiagnosticKind, offset: usize, len: usize) {
        if kind == BatchDiagnosticKind::StrayBytes {
            if let Some(last) = self.diagnostics.last_mut() {
                if last.kind == kind && last.offset + last.len == offset as u64 {
                    last.len += len as u64;
                    return;
                }
            }
        }
        self.diagnostics.push(BatchDiagnostic {
            kind,
            offset: offset as u64,
            len: len as u64,
        });
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>>;

    fn next(&mut self) -> Option<Result<Message<'a>>> {
        let input = self.input;
        while self.pos < input.len() {
            let start = self.pos;
            let (end, next) = line_at(input, start);
            let mut body = start;
            if start == 0 && input.starts_with(BOM) {
                body = BOM.len();
            }
            let kind = classify(input.get(body..end).unwrap_or(&[]));
            if body > start && kind != LineKind::Msh {
                self.stray(BatchDiagnosticKind::LeadingBom, 0, BOM.len());
            }
            self.pos = next;
            match kind {
                LineKind::Msh => {
                    let mut p = next;
                    while p < input.len() {
                        let (e, n) = line_at(input, p);
                        if classify(&input[p..e]).is_boundary() {
                            break;
                        }
                        p = n;
                    }
                    self.pos = p;
                    let bytes = &input[start..p];
                    return Some(
                        Message::parse_with(bytes, &self.config)
                            .map_err(|e| rebase(e, start as u64)),
                    );
                }
                LineKind::Blank | LineKind::Other => {
                    self.stray(BatchDiagnosticKind::StrayBytes, body, next - body);
                }
                _ => {}
            }
        }
        None
    }
}

impl fmt::Debug for Messages<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Messages")
            .field("len", &self.input.len())
            .field("position", &self.pos)
            .field("diagnostics", &self.diagnostics.len())
            .finish()
    }
}

// ---------------------------------------------------------------------------------------
// The writer
// ---------------------------------------------------------------------------------------

/// The segment terminator a [`BatchWriter`] puts after the header and trailer segments it
/// writes (messages keep their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Terminator {
    /// CR, the standard's segment terminator.
    #[default]
    Cr,
    /// LF.
    Lf,
    /// CR LF.
    CrLf,
}

impl Terminator {
    /// The terminator bytes.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Terminator::Cr => b"\r",
            Terminator::Lf => b"\n",
            Terminator::CrLf => b"\r\n",
        }
    }
}

/// Writes a batch: an optional file header, optional batch headers, messages, and the
/// trailers, whose counts (BTS-1 messages per batch, FTS-1 batches per file) are computed.
///
/// Messages are written byte-for-byte (a missing final terminator is added, in the
/// message's own style; bytes before `MSH` such as a BOM are left out). Call
/// [`BatchWriter::finish`] to write the trailers: they are not written on drop.
///
/// # Examples
/// ```
/// use carewire_hl7::batch::{BatchItem, BatchReader, BatchWriter};
/// let mut w = BatchWriter::new(Vec::new());
/// w.file_header(&["LAB", "ACME"])?;
/// w.batch_header(&["LAB", "ACME"])?;
/// w.write_message_bytes(b"MSH|^~\\&|LAB||||||ORU^R01|1|P|2.5\rPID|1||42\r")?;
/// w.write_message_bytes(b"MSH|^~\\&|LAB||||||ORU^R01|2|P|2.5\rPID|1||43\r")?;
/// let out = w.finish()?;
/// assert!(out.starts_with(b"FHS|^~\\&|LAB|ACME\rBHS|^~\\&|LAB|ACME\rMSH|"));
/// assert!(out.ends_with(b"BTS|2\rFTS|1\r"));
/// let messages = BatchReader::new(&out[..]).into_messages().count();
/// assert_eq!(messages, 2);
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
pub struct BatchWriter<W: Write> {
    inner: W,
    delims: Delimiters,
    terminator: Terminator,
    started: bool,
    file_open: bool,
    batch_open: bool,
    file_sep: u8,
    batch_sep: u8,
    messages_in_batch: usize,
    batches_in_file: usize,
    messages_written: u64,
    bytes_written: u64,
}

impl<W: Write> BatchWriter<W> {
    /// A writer using the delimiters `|^~\&` and CR for the segments it writes itself.
    pub fn new(inner: W) -> BatchWriter<W> {
        BatchWriter {
            inner,
            delims: Delimiters::default(),
            terminator: Terminator::Cr,
            started: false,
            file_open: false,
            batch_open: false,
            file_sep: b'|',
            batch_sep: b'|',
            messages_in_batch: 0,
            batches_in_file: 0,
            messages_written: 0,
            bytes_written: 0,
        }
    }

    /// Uses `delims` for the header segments written from now on.
    pub fn with_delimiters(mut self, delims: Delimiters) -> BatchWriter<W> {
        self.delims = delims;
        self
    }

    /// Uses `terminator` after the header and trailer segments written from now on.
    pub fn with_terminator(mut self, terminator: Terminator) -> BatchWriter<W> {
        self.terminator = terminator;
        self
    }

    /// Messages written so far.
    pub fn messages_written(&self) -> u64 {
        self.messages_written
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner
            .write_all(bytes)
            .map_err(|e| Error::new(ErrorKind::Io(e.kind()), to_usize(self.bytes_written)))?;
        self.bytes_written += bytes.len() as u64;
        self.started = true;
        Ok(())
    }

    fn header_bytes(&self, id: &[u8], fields: &[&str]) -> Result<Vec<u8>> {
        let d = self.delims;
        let mut out = Vec::with_capacity(16 + fields.iter().map(|f| f.len() + 1).sum::<usize>());
        out.extend_from_slice(id);
        out.push(d.field);
        out.extend_from_slice(&d.encoding_characters());
        for (i, f) in fields.iter().enumerate() {
            if f.bytes().any(|b| b == d.field || b == b'\r' || b == b'\n') {
                return Err(Error::new(ErrorKind::InvalidEdit, i));
            }
            out.push(d.field);
            out.extend_from_slice(f.as_bytes());
        }
        out.extend_from_slice(self.terminator.as_bytes());
        Ok(out)
    }

    fn open_file(&mut self, sep: u8) -> Result<()> {
        if self.started {
            // FHS must be the first segment, and there is one per writer.
            return Err(Error::new(
                ErrorKind::InvalidBatch,
                to_usize(self.bytes_written),
            ));
        }
        self.file_open = true;
        self.file_sep = sep;
        Ok(())
    }

    fn open_batch(&mut self, sep: u8) -> Result<()> {
        self.end_batch()?;
        self.batch_open = true;
        self.batch_sep = sep;
        self.batches_in_file += 1;
        self.messages_in_batch = 0;
        Ok(())
    }

    /// Writes the file header `FHS|^~\&|<fields...>`; `fields[0]` is FHS-3 (sending
    /// application). Values are written as given (they may hold component separators); they
    /// must not contain the field separator, CR or LF.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidBatch`] when anything was written before (FHS comes first, once);
    /// [`ErrorKind::InvalidEdit`] (offset = index in `fields`) for a value holding a field
    /// separator, CR or LF; [`ErrorKind::Io`].
    pub fn file_header(&mut self, fields: &[&str]) -> Result<&mut BatchWriter<W>> {
        let bytes = self.header_bytes(b"FHS", fields)?;
        self.open_file(self.delims.field)?;
        self.put(&bytes)?;
        Ok(self)
    }

    /// Writes a batch header `BHS|^~\&|<fields...>` (`fields[0]` is BHS-3), closing the
    /// previous batch with its `BTS` first.
    ///
    /// # Errors
    /// As [`BatchWriter::file_header`], except that batches may follow each other.
    pub fn batch_header(&mut self, fields: &[&str]) -> Result<&mut BatchWriter<W>> {
        let bytes = self.header_bytes(b"BHS", fields)?;
        self.open_batch(self.delims.field)?;
        self.put(&bytes)?;
        Ok(self)
    }

    /// Writes an `FHS` or `BHS` segment read by a [`BatchReader`], byte-for-byte (its own
    /// terminator, or the writer's when it had none), with the same effect as
    /// [`BatchWriter::file_header`] or [`BatchWriter::batch_header`].
    ///
    /// # Errors
    /// [`ErrorKind::InvalidEdit`] for any other segment; otherwise as `file_header` or
    /// `batch_header`.
    ///
    /// # Examples
    /// Copy a batch, keeping only ORU messages; the trailers get the new counts:
    /// ```
    /// use carewire_hl7::batch::{BatchItem, BatchReader, BatchWriter};
    /// let input: &[u8] = b"BHS|^~\\&|LAB\rMSH|^~\\&|A||||||ORU^R01\rMSH|^~\\&|A||||||ADT^A01\rBTS|2\r";
    /// let mut w = BatchWriter::new(Vec::new());
    /// for item in BatchReader::new(input) {
    ///     match item? {
    ///         BatchItem::FileHeader(s) | BatchItem::BatchHeader(s) => {
    ///             w.write_header(&s)?;
    ///         }
    ///         BatchItem::Message(m) => {
    ///             if m.view().header().message_type().as_deref() == Some("ORU") {
    ///                 w.write_message(&m.view())?;
    ///             }
    ///         }
    ///         _ => {}
    ///     }
    /// }
    /// assert_eq!(w.finish()?, b"BHS|^~\\&|LAB\rMSH|^~\\&|A||||||ORU^R01\rBTS|1\r");
    /// # Ok::<(), carewire_hl7::Error>(())
    /// ```
    pub fn write_header(&mut self, segment: &SegmentBuf) -> Result<&mut BatchWriter<W>> {
        let sep = segment.delimiters().field;
        match segment.id() {
            b"FHS" => self.open_file(sep)?,
            b"BHS" => self.open_batch(sep)?,
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidEdit,
                    to_usize(self.bytes_written),
                ))
            }
        }
        self.put(segment.raw())?;
        let term = if segment.terminator().is_empty() {
            self.terminator.as_bytes()
        } else {
            segment.terminator()
        };
        self.put(term)?;
        Ok(self)
    }

    /// Writes a message byte-for-byte (from `MSH` on; a missing final terminator is added in
    /// the message's own style).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidBatch`] when a line inside the message starts with `MSH`, `FHS`,
    /// `BHS`, `BTS` or `FTS` (a reader would split the message there); [`ErrorKind::Io`].
    pub fn write_message(&mut self, message: &Message<'_>) -> Result<&mut BatchWriter<W>> {
        let bytes = message.as_bytes();
        let body = bytes.get(message.prefix().len()..).unwrap_or(&[]);
        let (_, mut p) = line_at(body, 0);
        while p < body.len() {
            let (e, n) = line_at(body, p);
            if classify(&body[p..e]).is_boundary() {
                return Err(Error::new(ErrorKind::InvalidBatch, p));
            }
            p = n;
        }
        self.put(body)?;
        if terminator_len(body) == 0 {
            let term: &[u8] = match memchr::memchr2(b'\r', b'\n', body) {
                Some(i) if body[i] == b'\n' => b"\n",
                Some(i) if body.get(i + 1) == Some(&b'\n') => b"\r\n",
                Some(_) => b"\r",
                None => self.terminator.as_bytes(),
            };
            self.put(term)?;
        }
        self.messages_in_batch += 1;
        self.messages_written += 1;
        Ok(self)
    }

    /// Parses `bytes` (default configuration) and writes the message.
    ///
    /// # Errors
    /// A parse error, or as [`BatchWriter::write_message`].
    pub fn write_message_bytes(&mut self, bytes: &[u8]) -> Result<&mut BatchWriter<W>> {
        let message = Message::parse(bytes)?;
        self.write_message(&message)
    }

    /// Closes the open batch, if any, with `BTS|<messages in the batch>`.
    ///
    /// # Errors
    /// [`ErrorKind::Io`].
    pub fn end_batch(&mut self) -> Result<&mut BatchWriter<W>> {
        if self.batch_open {
            self.batch_open = false;
            let trailer = self.trailer(b"BTS", self.batch_sep, self.messages_in_batch);
            self.put(&trailer)?;
            self.messages_in_batch = 0;
        }
        Ok(self)
    }

    fn trailer(&self, id: &[u8], sep: u8, count: usize) -> Vec<u8> {
        let mut out = id.to_vec();
        out.push(sep);
        out.extend_from_slice(count.to_string().as_bytes());
        out.extend_from_slice(self.terminator.as_bytes());
        out
    }

    /// Writes the open batch's `BTS` and the file's `FTS|<batches>`, flushes, and returns the
    /// underlying writer.
    ///
    /// # Errors
    /// [`ErrorKind::Io`].
    pub fn finish(mut self) -> Result<W> {
        self.end_batch()?;
        if self.file_open {
            self.file_open = false;
            let trailer = self.trailer(b"FTS", self.file_sep, self.batches_in_file);
            self.put(&trailer)?;
        }
        self.inner
            .flush()
            .map_err(|e| Error::new(ErrorKind::Io(e.kind()), to_usize(self.bytes_written)))?;
        Ok(self.inner)
    }
}

impl<W: Write> fmt::Debug for BatchWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchWriter")
            .field("file_open", &self.file_open)
            .field("batch_open", &self.batch_open)
            .field("messages_in_batch", &self.messages_in_batch)
            .field("batches_in_file", &self.batches_in_file)
            .field("messages_written", &self.messages_written)
            .field("bytes_written", &self.bytes_written)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_lines() {
        assert_eq!(classify(b"MSH|^~\\&"), LineKind::Msh);
        assert_eq!(classify(b"MSH"), LineKind::Msh);
        assert_eq!(classify(b"MSHX|"), LineKind::Other);
        assert_eq!(classify(b"BTS"), LineKind::Bts);
        assert_eq!(classify(b"FTS|1"), LineKind::Fts);
        assert_eq!(classify(b" \t"), LineKind::Blank);
        assert_eq!(classify(b""), LineKind::Blank);
        assert_eq!(classify(b"PID|1"), LineKind::Other);
    }

    #[test]
    fn read_line_splits_on_cr_lf_and_crlf_across_buffers() -> io::Result<()> {
        // A 1-byte buffer forces CR and LF of a CR LF into separate fill_buf calls.
        let input: &[u8] = b"A\r\nB\rC\nD";
        let mut r = io::BufReader::with_capacity(1, input);
        let mut line = Vec::new();
        let mut lines = Vec::new();
        loop {
            let read = read_line(&mut r, &mut line, 100)?;
            if read.consumed == 0 {
                break;
            }
            lines.push(line.clone());
        }
        assert_eq!(lines, [&b"A\r\n"[..], b"B\r", b"C\n", b"D"]);
        Ok(())
    }

    #[test]
    fn read_line_limit_excludes_terminator() -> io::Result<()> {
        let mut line = Vec::new();
        let read = read_line(&mut &b"abcd\r\n"[..], &mut line, 4)?;
        assert!(!read.too_long);
        assert_eq!(line, b"abcd\r\n");
        let read = read_line(&mut &b"abcde\r\n"[..], &mut line, 4)?;
        assert!(read.too_long);
        assert_eq!(read.consumed, 7);
        assert!(line.len() <= 6);
        Ok(())
    }
}
