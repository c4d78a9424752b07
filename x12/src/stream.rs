//! Streaming: segments one at a time from any [`BufRead`], in memory bounded by the
//! largest segment (`max_segment_len`), not by the file.

use std::fmt;
use std::io::BufRead;

use crate::config::ParseConfig;
use crate::delim::{read_isa, Delimiters, ISA_WINDOW};
use crate::error::{Error, ErrorKind, Result};
use crate::scan::{is_isa_at, looks_utf16, redacted_id, valid_segment_id};
use crate::view::Element;

/// One segment read from a stream: its bytes (content, then terminator and whatever line
/// breaks or indentation followed it) and its element starts.
///
/// `Debug` shows the identifier and sizes, never element values.
#[derive(Clone, PartialEq, Eq)]
pub struct SegmentBuf {
    bytes: Vec<u8>,
    content_len: usize,
    offset: u64,
    delims: Delimiters,
    /// Start of each element (1-based element n at `elems[n - 1]`), relative to `bytes`.
    elems: Vec<u32>,
    header: bool,
}

impl SegmentBuf {
    /// The segment identifier, e.g. `b"CLM"`.
    pub fn id(&self) -> &[u8] {
        let end = self
            .elems
            .first()
            .map_or(self.content_len, |&s| (s as usize).saturating_sub(1));
        self.bytes.get(..end).unwrap_or(&[])
    }

    /// The identifier as text: `"?"` when it is not 2–3 upper-case letters or digits.
    pub fn id_str(&self) -> &str {
        redacted_id(self.id())
    }

    /// Byte offset of the segment in the stream.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The delimiters of the interchange the segment belongs to.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// The content as on the wire: identifier and elements, no terminator.
    pub fn raw(&self) -> &[u8] {
        self.bytes.get(..self.content_len).unwrap_or(&[])
    }

    /// The terminator and any line breaks or indentation after it.
    pub fn trailer(&self) -> &[u8] {
        self.bytes.get(self.content_len..).unwrap_or(&[])
    }

    /// Content and trailer: concatenating these for every segment (after
    /// [`SegmentReader::prefix`]) gives back the stream.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Number of elements (the identifier not counted).
    pub fn element_count(&self) -> usize {
        self.elems.len()
    }

    /// Element `n` (1-based).
    pub fn element(&self, n: usize) -> Option<Element<'_>> {
        let start = *self.elems.get(n.checked_sub(1)?)? as usize;
        let end = match self.elems.get(n) {
            Some(&next) => next as usize - 1,
            None => self.content_len,
        };
        let raw = self.bytes.get(start..end)?;
        Some(Element::new(raw, self.delims, self.header))
    }

    /// The elements in order (element 1 first).
    pub fn elements(&self) -> impl Iterator<Item = Element<'_>> + '_ {
        (1..=self.element_count()).filter_map(move |n| self.element(n))
    }

    /// The raw bytes of element `n`, or empty when absent.
    pub fn raw_element(&self, n: usize) -> &[u8] {
        self.element(n).map_or(&[][..], |e| e.raw())
    }

    /// Is this the ISA that opens an interchange?
    pub fn is_interchange_header(&self) -> bool {
        self.header
    }
}

impl fmt::Debug for SegmentBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SegmentBuf")
            .field("id", &self.id_str())
            .field("offset", &self.offset)
            .field("elements", &self.elems.len())
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Reads segments one at a time from a [`BufRead`], re-reading the delimiters at every
/// `ISA`. Memory stays bounded by `max_segment_len` whatever the size of the stream.
///
/// # Examples
/// ```
/// use carewire_x12::SegmentReader;
/// let input: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~\nGS*HC*S*R*20240101*1200*1*X*005010X222A1~\n\
/// GE*0*1~\nIEA*1*000000001~\n";
/// let mut ids = Vec::new();
/// for seg in SegmentReader::new(input) {
///     ids.push(seg?.id_str().to_string());
/// }
/// assert_eq!(ids, ["ISA", "GS", "GE", "IEA"]);
/// # Ok::<(), carewire_x12::Error>(())
/// ```
pub struct SegmentReader<R> {
    reader: R,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf` (compacted only when more bytes are needed, so
    /// short segments do not each shift the buffer).
    pos: usize,
    /// Stream offset of `buf[pos]`.
    base: u64,
    delims: Option<Delimiters>,
    prefix: Vec<u8>,
    scanner: Scanner,
    eof: bool,
    failed: bool,
}

impl<R: BufRead> SegmentReader<R> {
    /// A reader with the default configuration.
    pub fn new(reader: R) -> SegmentReader<R> {
        SegmentReader::with_config(reader, ParseConfig::default())
    }

    /// A reader with the given configuration (`max_segment_len` bounds memory).
    pub fn with_config(reader: R, config: ParseConfig) -> SegmentReader<R> {
        SegmentReader {
            reader,
            buf: Vec::new(),
            pos: 0,
            base: 0,
            delims: None,
            prefix: Vec::new(),
            scanner: Scanner::new(config),
            eof: false,
            failed: false,
        }
    }

    /// The bytes before the first `ISA` (a BOM or whitespace), once the first segment has
    /// been read.
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    /// The delimiters of the current interchange, once its ISA has been read.
    pub fn delimiters(&self) -> Option<Delimiters> {
        self.delims
    }

    /// Capacity of the internal buffer (for checking that memory stays bounded).
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Makes `buf` hold at least `n` bytes unless the stream ends first.
    fn fill(&mut self, n: usize) -> Result<()> {
        while self.buf.len() < n && !self.eof {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::new(
                        ErrorKind::Io(e.kind()),
                        self.base as usize + self.buf.len(),
                    ))
                }
            };
            if chunk.is_empty() {
                self.eof = true;
                break;
            }
            let take = chunk.len().min(n - self.buf.len()).max(1);
            let take = take.min(chunk.len());
            self.buf.extend_from_slice(&chunk[..take]);
            self.reader.consume(take);
        }
        Ok(())
    }

    fn read_segment(&mut self) -> Result<Option<SegmentBuf>> {
        loop {
            let unread = self.buf.get(self.pos..).unwrap_or(&[]);
            let status = self
                .scanner
                .next(unread, self.eof)
                .map_err(|e| Error::new(e.kind(), self.base as usize + e.offset()))?;
            match status {
                Status::Partial => {
                    self.buf.drain(..self.pos.min(self.buf.len()));
                    self.pos = 0;
                    let want = self.buf.len() + 4096;
                    self.fill(want)?;
                }
                Status::End => return Ok(None),
                Status::Complete(span) => {
                    let from = self.pos + span.prefix;
                    if span.prefix > 0 {
                        self.prefix = self.buf.get(self.pos..from).unwrap_or(&[]).to_vec();
                        self.base += span.prefix as u64;
                    }
                    let to = (self.pos + span.len).min(self.buf.len());
                    let bytes = self.buf.get(from..to).unwrap_or(&[]).to_vec();
                    self.pos = to;
                    let content = bytes.get(..span.content_len).unwrap_or(&[]);
                    // Sized for a typical segment up front: growing from empty would
                    // reallocate three times for a ten-element segment.
                    let mut elems = Vec::with_capacity((content.len() / 2 + 1).min(32));
                    crate::swar::push_after_each(content, span.delimiters.element(), &mut elems);
                    self.delims = Some(span.delimiters);
                    let seg = SegmentBuf {
                        bytes,
                        content_len: span.content_len,
                        offset: self.base,
                        delims: span.delimiters,
                        elems,
                        header: span.header,
                    };
                    self.base += seg.bytes.len() as u64;
                    return Ok(Some(seg));
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for SegmentReader<R> {
    type Item = Result<SegmentBuf>;

    /// The next segment; after an error the reader is finished (`None`).
    fn next(&mut self) -> Option<Result<SegmentBuf>> {
        if self.failed {
            return None;
        }
        match self.read_segment() {
            Ok(Some(s)) => Some(Ok(s)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl<R> fmt::Debug for SegmentReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SegmentReader")
            .field("offset", &self.base)
            .field("delimiters", &self.delims)
            .field("buffered", &self.buf.len())
            .finish()
    }
}

/// What [`Scanner::next`] found at the start of the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// A complete segment (with its trailer, and before the first segment the prefix).
    Complete(Span),
    /// More bytes are needed to decide; not an error. Call again with more bytes, or
    /// with `eof` set when there are none.
    Partial,
    /// The buffer is empty and the input has ended.
    End,
}

/// The extent of one segment at the start of the buffer given to [`Scanner::next`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Span {
    /// Bytes before the segment: the BOM and whitespace before the first `ISA` (only in
    /// the first span; 0 afterwards).
    pub prefix: usize,
    /// Bytes of content (identifier and elements) after the prefix.
    pub content_len: usize,
    /// Bytes to consume: prefix, content, terminator, line breaks and indentation.
    pub len: usize,
    /// Is the segment an ISA that opens an interchange?
    pub header: bool,
    /// The delimiters the segment is written with.
    pub delimiters: Delimiters,
}

/// A sans-IO, resumable segment scanner: give it the bytes you have, it answers with the
/// next segment's extent or asks for more. It allocates nothing and keeps only the
/// current delimiters, so it suits bytes arriving from a socket or a file in pieces.
/// It finds exactly the segments [`Document::parse`](crate::Document::parse) finds.
///
/// # Examples
/// ```
/// use carewire_x12::{ParseConfig, Scanner, Status};
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~\nIEA*0*000000001~\n";
/// let mut scanner = Scanner::new(ParseConfig::default());
/// // Only 50 bytes so far: not enough to read the ISA.
/// assert_eq!(scanner.next(&input[..50], false)?, Status::Partial);
/// let mut rest = &input[..];
/// let mut ids = Vec::new();
/// loop {
///     match scanner.next(rest, true)? {
///         Status::Complete(span) => {
///             ids.push(&rest[span.prefix..span.prefix + 3]);
///             rest = &rest[span.len..];
///         }
///         Status::Partial => unreachable!("eof is set"),
///         _ => break,
///     }
/// }
/// assert_eq!(ids, [&b"ISA"[..], b"IEA"]);
/// # Ok::<(), carewire_x12::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Scanner {
    config: ParseConfig,
    delims: Option<Delimiters>,
    started: bool,
    /// How far the terminator search got in the current segment (resumption point).
    searched: usize,
}

/// Result of a look-ahead that may need more bytes.
enum Ahead<T> {
    Ready(T),
    More,
}

impl Scanner {
    /// A scanner with the given configuration (`max_segment_len` bounds how much it asks
    /// for before giving up with [`ErrorKind::SegmentTooLong`]).
    pub fn new(config: ParseConfig) -> Scanner {
        Scanner {
            config,
            delims: None,
            started: false,
            searched: 0,
        }
    }

    /// The delimiters of the current interchange, once its ISA has been scanned.
    pub fn delimiters(&self) -> Option<Delimiters> {
        self.delims
    }

    fn limit(&self) -> usize {
        self.config.max_segment_len.max(ISA_WINDOW)
    }

    fn too_long(&self, at: usize) -> Error {
        Error::new(
            ErrorKind::SegmentTooLong {
                max: self.config.max_segment_len,
            },
            at,
        )
    }

    /// Scans the segment at the start of `buf`. `eof` says no bytes will follow `buf`.
    /// After [`Status::Complete`], drop `span.len` bytes from the front before calling
    /// again. Error offsets are relative to `buf`.
    ///
    /// A segment is complete once the byte after its trailer is seen (CR LF and
    /// indentation belong to the trailer); an `ISA` is read once 424 bytes (four ISA
    /// lengths) or the end of input are available, the window the slice parser uses.
    ///
    /// # Errors
    /// As [`Document::parse`](crate::Document::parse) for the first segment
    /// ([`ErrorKind::Utf16`], [`ErrorKind::MissingIsa`], ...),
    /// [`ErrorKind::SegmentTooLong`], and each repair the configuration does not allow.
    pub fn next(&mut self, buf: &[u8], eof: bool) -> Result<Status> {
        let mut prefix = 0;
        if !self.started {
            match self.prefix_len(buf, eof)? {
                Ahead::More => return Ok(Status::Partial),
                Ahead::Ready(p) => prefix = p,
            }
        }
        let seg = buf.get(prefix..).unwrap_or(&[]);
        if seg.is_empty() {
            return Ok(if eof { Status::End } else { Status::Partial });
        }
        // Seven bytes, as the slice parser sees them: `ISA*00*` decides a header.
        if seg.len() < 7 && !eof {
            return Ok(Status::Partial);
        }
        let mut header = None;
        if is_isa_at(seg, 0) {
            if seg.len() < ISA_WINDOW && !eof {
                return Ok(Status::Partial);
            }
            match read_isa(seg, 0) {
                Ok(isa) => header = Some(isa),
                Err(e) if self.delims.is_none() => {
                    return Err(Error::new(e.kind(), prefix + e.offset()))
                }
                // As in the slice parser: a later ISA that does not read is a segment.
                Err(_) => {}
            }
        }
        let (delims, content_len, term_pos) = match header {
            Some(isa) => {
                if isa.nonstandard && !self.config.allow_nonstandard_isa {
                    return Err(Error::new(ErrorKind::NonStandardIsa, prefix));
                }
                (isa.delims, isa.end, Some(isa.terminator))
            }
            None => {
                let delims = self.delims.unwrap_or_default();
                let from = self.searched.min(seg.len());
                match crate::swar::find_byte(&seg[from..], delims.segment()) {
                    Some(i) => (delims, from + i, Some(from + i)),
                    None if eof => (delims, seg.len(), None),
                    None => {
                        if seg.len() > self.limit() {
                            return Err(self.too_long(prefix));
                        }
                        self.searched = seg.len();
                        return Ok(Status::Partial);
                    }
                }
            }
        };
        if content_len > self.config.max_segment_len {
            return Err(self.too_long(prefix));
        }
        // The trailer: terminator, then line breaks, indentation and empty segments, and
        // a NUL/SUB-padded end of input: the same rules as the slice parser.
        let mut end = content_len;
        if let Some(t) = term_pos {
            end = t + 1;
            loop {
                let Some(&b) = seg.get(end) else {
                    if !eof {
                        return Ok(Status::Partial);
                    }
                    break;
                };
                let gap = b == delims.segment() || matches!(b, b'\r' | b'\n' | b' ' | b'\t');
                let padding = if matches!(b, 0 | 0x1A) {
                    match self.padding_to_end(seg, end, eof) {
                        Ahead::Ready(p) => p,
                        Ahead::More => return Ok(Status::Partial),
                    }
                } else {
                    false
                };
                if !gap && !padding {
                    break;
                }
                if !self.config.allow_stray_bytes {
                    return Err(Error::new(ErrorKind::StrayBytes, prefix + end));
                }
                if padding {
                    end = seg.len();
                    break;
                }
                end += 1;
                if end > content_len + self.limit() {
                    return Err(self.too_long(prefix));
                }
            }
        }
        // The identifier is at most three bytes: no separator in the first four means an
        // invalid identifier either way, so the search need not look further.
        let id_end = seg[..content_len.min(4)]
            .iter()
            .position(|&b| b == delims.element())
            .unwrap_or(content_len);
        if !self.config.allow_invalid_segment_ids
            && !valid_segment_id(seg.get(..id_end).unwrap_or(&[]))
        {
            return Err(Error::new(ErrorKind::InvalidSegmentId, prefix));
        }
        self.started = true;
        self.searched = 0;
        if header.is_some() {
            self.delims = Some(delims);
        }
        Ok(Status::Complete(Span {
            prefix,
            content_len,
            len: prefix + end,
            header: header.is_some(),
            delimiters: delims,
        }))
    }

    /// The BOM and whitespace before the first ISA, or the error for an input without one.
    fn prefix_len(&self, buf: &[u8], eof: bool) -> Result<Ahead<usize>> {
        if buf.len() < 4 && !eof {
            return Ok(Ahead::More);
        }
        if looks_utf16(buf) {
            return Err(Error::new(ErrorKind::Utf16, 0));
        }
        let mut pos = if buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        while matches!(buf.get(pos), Some(b'\r' | b'\n' | b' ' | b'\t')) {
            pos += 1;
            if pos > self.limit() {
                return Err(self.too_long(0));
            }
        }
        if buf.len() < pos + 7 && !eof {
            return Ok(Ahead::More);
        }
        if pos >= buf.len() {
            return Err(Error::new(ErrorKind::Empty, pos));
        }
        if pos > 0 && !self.config.allow_stray_bytes {
            return Err(Error::new(ErrorKind::StrayBytes, 0));
        }
        if !is_isa_at(buf, pos) {
            return Err(Error::new(ErrorKind::MissingIsa, pos));
        }
        Ok(Ahead::Ready(pos))
    }

    /// Is everything from `from` to the end of the input NUL, SUB or whitespace? Looks at
    /// most `limit()` bytes ahead (beyond that: no).
    fn padding_to_end(&self, seg: &[u8], from: usize, eof: bool) -> Ahead<bool> {
        let window = seg.get(from..).unwrap_or(&[]);
        let window = window
            .get(..window.len().min(self.limit() + 1))
            .unwrap_or(window);
        if window
            .iter()
            .any(|b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0 | 0x1A))
        {
            return Ahead::Ready(false);
        }
        if window.len() > self.limit() {
            return Ahead::Ready(false);
        }
        if eof {
            Ahead::Ready(true)
        } else {
            Ahead::More
        }
    }
}
