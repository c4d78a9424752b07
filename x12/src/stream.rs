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
    config: ParseConfig,
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: u64,
    delims: Option<Delimiters>,
    prefix: Vec<u8>,
    started: bool,
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
            config,
            buf: Vec::new(),
            base: 0,
            delims: None,
            prefix: Vec::new(),
            started: false,
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

    fn limit(&self) -> usize {
        self.config.max_segment_len.max(ISA_WINDOW)
    }

    fn too_long(&self) -> Error {
        Error::new(
            ErrorKind::SegmentTooLong {
                max: self.config.max_segment_len,
            },
            self.base as usize,
        )
    }

    /// Reads up to and including the first `term` in `buf`, growing it in steps; returns
    /// the position of the terminator or `None` at end of stream.
    fn find_terminator(&mut self, from: usize, term: u8) -> Result<Option<usize>> {
        let mut searched = from;
        loop {
            if let Some(i) = self
                .buf
                .get(searched..)
                .and_then(|hay| memchr::memchr(term, hay))
            {
                return Ok(Some(searched + i));
            }
            searched = self.buf.len();
            if self.eof {
                return Ok(None);
            }
            if searched > self.limit() {
                return Err(self.too_long());
            }
            self.fill(searched + 4096)?;
        }
    }

    fn read_prefix(&mut self) -> Result<()> {
        self.fill(4)?;
        if looks_utf16(&self.buf) {
            return Err(Error::new(ErrorKind::Utf16, 0));
        }
        let mut pos = 0;
        loop {
            // Seven bytes: `is_isa_at` looks at the separator after ISA01 too.
            self.fill(pos + 7)?;
            match self.buf.get(pos) {
                None => return Err(Error::new(ErrorKind::Empty, pos)),
                Some(b'\r' | b'\n' | b' ' | b'\t') => pos += 1,
                Some(0xEF) if pos == 0 && self.buf.starts_with(b"\xEF\xBB\xBF") => pos = 3,
                Some(_) => break,
            }
            if pos > self.limit() {
                return Err(self.too_long());
            }
        }
        if pos > 0 && !self.config.allow_stray_bytes {
            return Err(Error::new(ErrorKind::StrayBytes, 0));
        }
        if !is_isa_at(&self.buf, pos) {
            return Err(Error::new(ErrorKind::MissingIsa, pos));
        }
        self.prefix = self.buf.drain(..pos).collect();
        self.base = pos as u64;
        Ok(())
    }

    fn read_segment(&mut self) -> Result<Option<SegmentBuf>> {
        if !self.started {
            self.started = true;
            self.read_prefix()?;
        }
        // Seven bytes, as the slice parser sees them: `ISA*00*` decides a header.
        self.fill(7)?;
        if self.buf.is_empty() {
            return Ok(None);
        }
        let mut elems = Vec::new();
        let (content_len, term_pos, delims);
        let isa = if is_isa_at(&self.buf, 0) {
            self.fill(ISA_WINDOW)?;
            match read_isa(&self.buf, 0) {
                Ok(isa) => Some(isa),
                Err(e) if self.delims.is_none() => return Err(self.shift(e)),
                // As in the slice parser: a later ISA that does not read is a segment.
                Err(_) => None,
            }
        } else {
            None
        };
        let header = isa.is_some();
        if let Some(isa) = isa {
            if isa.nonstandard && !self.config.allow_nonstandard_isa {
                return Err(Error::new(ErrorKind::NonStandardIsa, self.base as usize));
            }
            delims = isa.delims;
            self.delims = Some(delims);
            elems.extend(isa.starts.iter().map(|&s| s as u32));
            content_len = isa.end;
            term_pos = Some(isa.terminator);
        } else {
            delims = self.delims.unwrap_or_default();
            term_pos = self.find_terminator(0, delims.segment())?;
            content_len = term_pos.unwrap_or(self.buf.len());
            let sep = delims.element();
            let content = self.buf.get(..content_len).unwrap_or(&[]);
            elems.extend(memchr::memchr_iter(sep, content).map(|i| (i + 1) as u32));
        }
        if content_len > self.config.max_segment_len {
            return Err(self.too_long());
        }
        // The trailer: terminator, then line breaks, indentation and empty segments, and
        // a NUL/SUB-padded end of stream: the same rules as the slice parser.
        let mut end = content_len;
        if let Some(t) = term_pos {
            end = t + 1;
            loop {
                self.fill(end + 1)?;
                let Some(&b) = self.buf.get(end) else {
                    break;
                };
                let gap = b == delims.segment() || matches!(b, b'\r' | b'\n' | b' ' | b'\t');
                let padding = matches!(b, 0 | 0x1A) && self.padding_to_eof(end)?;
                if !gap && !padding {
                    break;
                }
                if !self.config.allow_stray_bytes {
                    return Err(Error::new(ErrorKind::StrayBytes, self.base as usize + end));
                }
                if padding {
                    end = self.buf.len();
                    break;
                }
                end += 1;
                if end > content_len + self.limit() {
                    return Err(self.too_long());
                }
            }
        }
        let id_end = elems
            .first()
            .map_or(content_len, |&s| (s as usize).saturating_sub(1));
        if !self.config.allow_invalid_segment_ids
            && !valid_segment_id(self.buf.get(..id_end).unwrap_or(&[]))
        {
            return Err(Error::new(ErrorKind::InvalidSegmentId, self.base as usize));
        }
        let bytes: Vec<u8> = self.buf.drain(..end.min(self.buf.len())).collect();
        let seg = SegmentBuf {
            bytes,
            content_len,
            offset: self.base,
            delims,
            elems,
            header,
        };
        self.base += seg.bytes.len() as u64;
        Ok(Some(seg))
    }

    /// Is everything from `from` to the end of the stream NUL, SUB or whitespace? Reads
    /// ahead at most `limit()` bytes to decide (beyond that: no).
    fn padding_to_eof(&mut self, from: usize) -> Result<bool> {
        let mut j = from;
        loop {
            self.fill(j + 1)?;
            match self.buf.get(j) {
                None => return Ok(true),
                Some(b'\r' | b'\n' | b' ' | b'\t' | 0 | 0x1A) => j += 1,
                Some(_) => return Ok(false),
            }
            if j - from > self.limit() {
                return Ok(false);
            }
        }
    }

    fn shift(&self, e: Error) -> Error {
        Error::new(e.kind(), self.base as usize + e.offset())
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
