//! The scanner: one pass over the bytes builds a flat index of segment and field spans.
//!
//! Only field boundaries are indexed. Repetitions, components and subcomponents are split
//! lazily from the field span when asked for, so the common case (read a few dozen fields
//! of a large message) never pays for the rest.

use crate::charset::Charset;
use crate::config::ParseConfig;
use crate::delim::Delimiters;
use crate::error::{Diagnostic, DiagnosticKind, Error, ErrorKind, Location, Result};
use crate::mb::{Mb, SingleBytes};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One segment in the index: offsets are u32 into the message bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SegEntry {
    /// First byte of the segment identifier.
    pub(crate) start: u32,
    /// One past the last content byte (the terminator is not included).
    pub(crate) end: u32,
    /// Start of the next segment: `end..next` holds the terminator and any blank lines.
    pub(crate) next: u32,
    /// Index into `Index::fields` of this segment's first entry (the identifier).
    pub(crate) first_field: u32,
    /// Number of entries in `Index::fields` (identifier included).
    pub(crate) n_fields: u32,
}

/// The flat index of one message: segment spans and field starts.
///
/// An `Index` can be reused across messages with [`Parser::parse_into`] so a hot loop
/// parses with no allocation once the vectors have grown to the largest message seen.
#[derive(Clone)]
pub struct Index {
    pub(crate) delims: Delimiters,
    pub(crate) charset: Charset,
    /// Bytes before `MSH` (BOM, whitespace), kept for byte-exact writing.
    pub(crate) prefix: u32,
    pub(crate) segs: Vec<SegEntry>,
    pub(crate) fields: Vec<u32>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Default for Index {
    fn default() -> Index {
        Index {
            delims: Delimiters::default(),
            charset: Charset::Utf8,
            prefix: 0,
            segs: Vec::new(),
            fields: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// Number of segments indexed.
    pub fn segment_count(&self) -> usize {
        self.segs.len()
    }

    fn clear(&mut self) {
        self.segs.clear();
        self.fields.clear();
        self.diagnostics.clear();
        self.prefix = 0;
    }
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("delimiters", &self.delims)
            .field("charset", &self.charset)
            .field("segments", &self.segs.len())
            .field("fields", &self.fields.len())
            .field("diagnostics", &self.diagnostics)
            .finish()
    }
}

/// A parser holding a configuration; cheap to create and to clone.
///
/// # Examples
/// ```
/// use carewire_hl7::{Index, ParseConfig, Parser};
/// let parser = Parser::new(ParseConfig::default());
/// let mut index = Index::new();
/// for input in [&b"MSH|^~\\&|A|B\rPID|1||42"[..], b"MSH|^~\\&|C|D\rPID|2||43"] {
///     let msg = parser.parse_into(input, &mut index)?;
///     assert_eq!(msg.segment_count(), 2);
/// }
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Parser {
    config: ParseConfig,
}

impl Parser {
    /// A parser with the given configuration.
    pub fn new(config: ParseConfig) -> Parser {
        Parser { config }
    }

    /// The configuration.
    pub fn config(&self) -> &ParseConfig {
        &self.config
    }

    /// Parses `input` into a message that owns its index.
    ///
    /// # Errors
    /// See [`Message::parse`](crate::Message::parse).
    pub fn parse<'a>(&self, input: &'a [u8]) -> Result<crate::Message<'a>> {
        let mut index = Index::new();
        scan(input, &self.config, &mut index)?;
        Ok(crate::Message::from_parts(
            input,
            std::borrow::Cow::Owned(index),
        ))
    }

    /// Parses `input` into a caller-provided index, reusing its allocations.
    ///
    /// # Errors
    /// See [`Message::parse`](crate::Message::parse).
    pub fn parse_into<'a>(
        &self,
        input: &'a [u8],
        index: &'a mut Index,
    ) -> Result<crate::Message<'a>> {
        scan(input, &self.config, index)?;
        Ok(crate::Message::from_parts(
            input,
            std::borrow::Cow::Borrowed(index),
        ))
    }
}

/// Is this a segment that carries its own field separator as field 1 (MSH, FHS, BHS)?
#[inline]
pub(crate) fn is_header_id(id: &[u8]) -> bool {
    matches!(id, b"MSH" | b"FHS" | b"BHS")
}

/// Where HL7 field `n` (1-based) of a segment lives.
///
/// This is the one place that owns the MSH rule: in MSH, FHS and BHS, field 1 *is* the
/// field separator (HL7 v2.x ch. 2.14.9.1) and field 2 holds the encoding characters,
/// which must never be split or unescaped. Stored entry `k` of a header segment is
/// therefore field `k + 1`; in every other segment stored entry `k` is field `k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The field separator byte itself (MSH-1).
    Separator,
    /// A stored entry that must be treated as opaque (MSH-2).
    Opaque(usize),
    /// A stored entry split and decoded as usual.
    Stored(usize),
}

#[inline]
pub(crate) fn field_slot(is_header: bool, n: usize) -> Option<Slot> {
    match (is_header, n) {
        (_, 0) => None,
        (true, 1) => Some(Slot::Separator),
        (true, 2) => Some(Slot::Opaque(1)),
        (true, n) => Some(Slot::Stored(n - 1)),
        (false, n) => Some(Slot::Stored(n)),
    }
}

/// True for a well-formed segment identifier: an upper-case letter then two upper-case
/// letters or digits.
pub(crate) fn valid_segment_id(id: &[u8]) -> bool {
    matches!(id, [a, b, c] if a.is_ascii_uppercase()
        && (b.is_ascii_uppercase() || b.is_ascii_digit())
        && (c.is_ascii_uppercase() || c.is_ascii_digit()))
}

/// A segment identifier fit for `Debug` and errors: the identifier when well-formed,
/// `"?"` otherwise. A malformed "identifier" is often the start of a line of free text
/// (a field split by a stray terminator), so it may be payload and is never shown.
pub(crate) fn redacted_id(id: &[u8]) -> &str {
    if valid_segment_id(id) {
        std::str::from_utf8(id).unwrap_or("?")
    } else {
        "?"
    }
}

fn diag(index: &mut Index, kind: DiagnosticKind, offset: usize) {
    index.diagnostics.push(Diagnostic { kind, offset });
}

/// Reads the delimiters from the header starting at `pos` (which holds `MSH`, `FHS` or `BHS`).
pub(crate) fn read_delimiters(
    input: &[u8],
    pos: usize,
    mut report: impl FnMut(DiagnosticKind, usize),
) -> Result<Delimiters> {
    let field = match input.get(pos + 3) {
        Some(&b) => b,
        None => return Err(Error::new(ErrorKind::TruncatedHeader, input.len())),
    };
    let enc_start = pos + 4;
    let rest = input.get(enc_start..).unwrap_or(&[]);
    let enc_len = rest
        .iter()
        .position(|&b| b == field || b == b'\r' || b == b'\n')
        .unwrap_or(rest.len());
    let enc = &rest[..enc_len];
    // `^~\\&`: the escape character written twice, a common slip when MSH-2 was typed
    // into a source-code string literal. Read strictly it declares one character as both
    // escape and subcomponent separator (invalid); every reader that accepts it means
    // `^~\&`. Drop the second copy and report it (never silent).
    let mut repaired = [0u8; 6];
    let (enc, declared) = if enc.len() >= 5 && enc[2] == enc[3] && !enc[4..].contains(&enc[2]) {
        report(DiagnosticKind::ExtraEncodingCharacters, enc_start + 3);
        let keep = (enc.len() - 1).min(repaired.len());
        repaired[..3].copy_from_slice(&enc[..3]);
        repaired[3..keep].copy_from_slice(&enc[4..=keep]);
        (&repaired[..keep], enc.len() - 1)
    } else {
        (enc, enc.len())
    };
    if declared > 5 {
        report(DiagnosticKind::ExtraEncodingCharacters, enc_start + 5);
    } else if declared < 4 {
        report(
            DiagnosticKind::MissingEncodingCharacters,
            enc_start + enc.len(),
        );
    }
    Delimiters::new(field, &enc[..enc.len().min(5)])
        .map_err(|e| Error::new(ErrorKind::InvalidDelimiters, pos + e.offset()))
}

/// Scans one message into `index`.
pub(crate) fn scan(input: &[u8], cfg: &ParseConfig, index: &mut Index) -> Result<()> {
    index.clear();
    let max_len = cfg.max_message_len.min(u32::MAX as usize - 1);
    if input.len() > max_len {
        return Err(Error::new(
            ErrorKind::MessageTooLong { max: max_len },
            max_len,
        ));
    }
    let len = input.len();

    // Prefix: BOM and whitespace before MSH are kept (for byte-exact writing) and reported.
    let mut pos = 0;
    if input.starts_with(BOM) {
        diag(index, DiagnosticKind::LeadingBom, 0);
        pos = BOM.len();
    }
    let ws_start = pos;
    while pos < len && matches!(input[pos], b'\r' | b'\n' | b' ' | b'\t') {
        pos += 1;
    }
    if pos == len {
        return Err(Error::new(ErrorKind::Empty, pos));
    }
    if pos > ws_start {
        diag(index, DiagnosticKind::LeadingWhitespace, ws_start);
    }
    if pos > 0 && !cfg.allow_stray_bytes {
        return Err(Error::new(ErrorKind::StrayBytes, 0));
    }
    if !input[pos..].starts_with(b"MSH") {
        return Err(Error::new(ErrorKind::MissingHeader, pos));
    }
    index.prefix = pos as u32;
    let mut pending = Vec::new();
    let delims = read_delimiters(input, pos, |k, o| {
        pending.push(Diagnostic { kind: k, offset: o })
    })?;
    if let (false, Some(first)) = (cfg.allow_encoding_character_repairs, pending.first()) {
        return Err(Error::new(ErrorKind::InvalidDelimiters, first.offset));
    }
    index.diagnostics.extend(pending);
    index.delims = delims;

    // The terminator of MSH decides the message's terminator: CR (standard) or LF. In CR
    // mode a bare LF is data (multi-line text in an OBX), and CR LF counts as CR.
    let cr_mode = match memchr::memchr2(b'\r', b'\n', &input[pos..]) {
        Some(i) => input[pos + i] == b'\r',
        None => true,
    };
    let term = if cr_mode { b'\r' } else { b'\n' };

    // MSH itself is scanned byte-wise; its MSH-18 then decides how the rest is walked.
    index.charset = cfg.default_charset;
    let mut mb = Mb::Transparent;
    let mut seg_start = pos;
    let mut crlf_reported = false;
    let mut lf_reported = false;
    loop {
        if index.segs.len() >= cfg.max_segments {
            return Err(Error::new(
                ErrorKind::TooManySegments {
                    max: cfg.max_segments,
                },
                seg_start,
            ));
        }
        let first_field = index.fields.len();
        index.fields.push(seg_start as u32);
        let end = match mb {
            Mb::Transparent => {
                scan_segment(input, seg_start, delims.field, term, &mut index.fields)
            }
            _ => scan_segment_mb(input, seg_start, delims.field, term, &mut index.fields, mb),
        };
        let n_fields = index.fields.len() - first_field;

        // Terminator, then any blank lines, belong to this segment's trailer.
        let mut next = end;
        if next < len {
            next += 1;
            if cr_mode {
                if input.get(next) == Some(&b'\n') {
                    next += 1;
                    if !crlf_reported {
                        crlf_reported = true;
                        if !cfg.allow_lf_terminators {
                            return Err(Error::new(ErrorKind::NonStandardTerminator, end));
                        }
                        diag(index, DiagnosticKind::CrLfTerminators, end);
                    }
                }
            } else if !lf_reported {
                lf_reported = true;
                if !cfg.allow_lf_terminators {
                    return Err(Error::new(ErrorKind::NonStandardTerminator, end));
                }
                diag(index, DiagnosticKind::LfTerminators, end);
            }
            let blank_start = next;
            while next < len && matches!(input[next], b'\r' | b'\n') {
                next += 1;
            }
            // Trailing whitespace-only remainder (spaces, tabs, NUL, SUB) is trailer too.
            if next < len
                && input[next..]
                    .iter()
                    .all(|&b| matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0 | 0x1A))
            {
                next = len;
            }
            if next > blank_start {
                if !cfg.allow_stray_bytes {
                    return Err(Error::new(ErrorKind::StrayBytes, blank_start));
                }
                diag(index, DiagnosticKind::BlankLine, blank_start);
            }
        }

        let id_end = if n_fields > 1 {
            index.fields[first_field + 1] as usize - 1
        } else {
            end
        };
        if !valid_segment_id(&input[seg_start..id_end]) {
            if !cfg.allow_invalid_segment_ids {
                // The identifier is invalid, so it may be payload: locate by position only.
                return Err(Error::new(ErrorKind::InvalidSegmentId, seg_start)
                    .at(Location::segment(b"?", index.segs.len())));
            }
            diag(index, DiagnosticKind::InvalidSegmentId, seg_start);
        }

        index.segs.push(SegEntry {
            start: seg_start as u32,
            end: end as u32,
            next: next as u32,
            first_field: first_field as u32,
            n_fields: n_fields as u32,
        });
        if index.segs.len() == 1 {
            index.charset = resolve_charset(input, cfg, index)?;
            mb = Mb::of(index.charset);
        }
        if next >= len {
            break;
        }
        seg_start = next;
    }

    Ok(())
}

const LO: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// High bit set in every byte of `x` that is zero (exact: no false positives).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// Scans one segment from `start`: pushes the start of every field after a field
/// separator and returns the position of the terminator (or the input length).
///
/// HL7 puts a delimiter every few bytes, so instead of one `memchr` call per field this
/// tests eight bytes at a time for both bytes (SWAR) and walks the matches' bits.
#[inline]
fn scan_segment(input: &[u8], start: usize, field: u8, term: u8, fields: &mut Vec<u32>) -> usize {
    let fm = LO * u64::from(field);
    let tm = LO * u64::from(term);
    let rest = input.get(start..).unwrap_or(&[]);
    let mut chunks = rest.chunks_exact(8);
    let mut base = start;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let mf = zero_bytes(w ^ fm);
        let mt = zero_bytes(w ^ tm);
        if mt != 0 {
            let tbit = mt.trailing_zeros();
            let mut m = mf & ((1u64 << tbit) - 1);
            while m != 0 {
                fields.push((base + (m.trailing_zeros() / 8) as usize + 1) as u32);
                m &= m - 1;
            }
            return base + (tbit / 8) as usize;
        }
        let mut m = mf;
        while m != 0 {
            fields.push((base + (m.trailing_zeros() / 8) as usize + 1) as u32);
            m &= m - 1;
        }
        base += 8;
    }
    for (j, &b) in chunks.remainder().iter().enumerate() {
        if b == term {
            return base + j;
        }
        if b == field {
            fields.push((base + j + 1) as u32);
        }
    }
    input.len()
}

/// The character set: an override wins, then MSH-18 (first repetition, first component),
/// then the configured default.
fn resolve_charset(input: &[u8], cfg: &ParseConfig, index: &mut Index) -> Result<Charset> {
    if let Some(c) = cfg.charset_override {
        return Ok(c);
    }
    let delims = index.delims;
    let Some(msh) = index.segs.first().copied() else {
        return Ok(cfg.default_charset);
    };
    let Some((s, e)) = field_span(index, &msh, 17) else {
        return Ok(cfg.default_charset);
    };
    let raw = &input[s..e];
    let first = raw
        .split(|&b| b == delims.repetition || b == delims.component)
        .next()
        .unwrap_or(&[]);
    let label = trim_spaces(first);
    if label.is_empty() {
        return Ok(cfg.default_charset);
    }
    match Charset::from_label(label) {
        Some(c) => Ok(c),
        None if !cfg.allow_unknown_charset => Err(Error::new(ErrorKind::UnknownCharset, s)
            .at(Location::segment(b"MSH", 0).with_field(18))),
        None => {
            diag(index, DiagnosticKind::UnknownCharset, s);
            Ok(cfg.default_charset)
        }
    }
}

/// [`scan_segment`] for character sets whose multi-byte characters may contain bytes
/// that look like delimiters (see [`crate::mb`]).
fn scan_segment_mb(
    input: &[u8],
    start: usize,
    field: u8,
    term: u8,
    fields: &mut Vec<u32>,
    mb: Mb,
) -> usize {
    let rest = input.get(start..).unwrap_or(&[]);
    for (j, b) in SingleBytes::new(rest, mb) {
        if b == term {
            return start + j;
        }
        if b == field {
            fields.push((start + j + 1) as u32);
        }
    }
    input.len()
}

fn trim_spaces(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ').map_or(start, |e| e + 1);
    &b[start..end]
}

/// Byte span of stored entry `k` of a segment (k = 0 is the identifier).
#[inline]
pub(crate) fn field_span(index: &Index, seg: &SegEntry, k: usize) -> Option<(usize, usize)> {
    let n = seg.n_fields as usize;
    if k >= n {
        return None;
    }
    let base = seg.first_field as usize;
    let start = *index.fields.get(base + k)? as usize;
    let end = if k + 1 < n {
        *index.fields.get(base + k + 1)? as usize - 1
    } else {
        seg.end as usize
    };
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive oracle: one byte at a time.
    fn naive(input: &[u8], start: usize, field: u8, term: u8, fields: &mut Vec<u32>) -> usize {
        for (i, &b) in input.iter().enumerate().skip(start) {
            if b == term {
                return i;
            }
            if b == field {
                fields.push(i as u32 + 1);
            }
        }
        input.len()
    }

    #[test]
    fn swar_scan_matches_naive_oracle() {
        // Deterministic pseudo-random bytes biased towards delimiters and the values
        // that trip naive SWAR zero-byte tests (0x00, 0x01, 0x80, 0x81, 0xFF).
        let alphabet = [
            b'|',
            b'\r',
            b'a',
            0x00,
            0x01,
            0x7C ^ 0x80,
            0x80,
            0x81,
            0xFF,
            b'^',
            b'\n',
            0x0D ^ 0x80,
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..200 {
            for _ in 0..20 {
                let input: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1);
                        alphabet[(state >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                for start in [0, 1, 3, 7].into_iter().filter(|&s| s <= len) {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    let ea = scan_segment(&input, start, b'|', b'\r', &mut a);
                    let eb = naive(&input, start, b'|', b'\r', &mut b);
                    assert_eq!((ea, &a), (eb, &b), "len {len} start {start}");
                }
            }
        }
    }
}
