//! The tokenizer: one pass over the bytes builds a flat index of segment spans and
//! element starts, re-reading the delimiters at every `ISA`.
//!
//! Only element boundaries are indexed. Repetitions and components are split lazily
//! from the element span when asked for.

use crate::config::ParseConfig;
use crate::delim::{read_isa, Delimiters};
use crate::envelope::{self, GroupEntry, SetEntry};
use crate::error::{Diagnostic, DiagnosticKind, Error, ErrorKind, Location, Result};
use crate::finding::Finding;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One segment in the index: offsets are u32 into the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SegEntry {
    /// First byte of the segment identifier.
    pub(crate) start: u32,
    /// One past the last content byte (the terminator is not included).
    pub(crate) end: u32,
    /// Start of the next segment: `end..next` holds the terminator, line breaks and
    /// indentation.
    pub(crate) next: u32,
    /// Index into `Index::elems` of this segment's first entry (the identifier).
    pub(crate) first_elem: u32,
    /// Number of entries in `Index::elems` (identifier included).
    pub(crate) n_elems: u32,
}

/// One interchange in the index: a run of segments starting at an `ISA`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IchEntry {
    pub(crate) delims: Delimiters,
    /// Index of the ISA segment.
    pub(crate) first_seg: u32,
    /// One past the last segment of the interchange.
    pub(crate) end_seg: u32,
    /// Index of the IEA segment, when present.
    pub(crate) iea: Option<u32>,
    /// First entry in `Index::groups`.
    pub(crate) first_group: u32,
    /// Number of functional groups.
    pub(crate) n_groups: u32,
}

/// The flat index of one input: segment spans, element starts, interchanges, functional
/// groups, transaction sets, diagnostics and envelope findings.
///
/// An `Index` can be reused across inputs with [`Parser::parse_into`] so a hot loop parses
/// with no allocation once the vectors have grown to the largest input seen.
#[derive(Clone, Default)]
pub struct Index {
    pub(crate) prefix: u32,
    pub(crate) segs: Vec<SegEntry>,
    pub(crate) elems: Vec<u32>,
    pub(crate) interchanges: Vec<IchEntry>,
    pub(crate) groups: Vec<GroupEntry>,
    pub(crate) sets: Vec<SetEntry>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) findings: Vec<Finding>,
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
        self.prefix = 0;
        self.segs.clear();
        self.elems.clear();
        self.interchanges.clear();
        self.groups.clear();
        self.sets.clear();
        self.diagnostics.clear();
        self.findings.clear();
    }
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("segments", &self.segs.len())
            .field("elements", &self.elems.len())
            .field("interchanges", &self.interchanges.len())
            .field("diagnostics", &self.diagnostics)
            .field("findings", &self.findings.len())
            .finish()
    }
}

/// A parser holding a configuration; cheap to create and to clone.
///
/// # Examples
/// ```
/// use carewire_x12::{Index, ParseConfig, Parser};
/// let parser = Parser::new(ParseConfig::default());
/// let mut index = Index::new();
/// let isa = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~";
/// let mut input = isa.to_vec();
/// input.extend_from_slice(b"IEA*0*000000001~");
/// for _ in 0..3 {
///     let doc = parser.parse_into(&input, &mut index)?;
///     assert_eq!(doc.segment_count(), 2);
/// }
/// # Ok::<(), carewire_x12::Error>(())
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

    /// Parses `input` into a document that owns its index.
    ///
    /// # Errors
    /// See [`Document::parse`](crate::Document::parse).
    pub fn parse<'a>(&self, input: &'a [u8]) -> Result<crate::Document<'a>> {
        let mut index = Index::new();
        scan(input, &self.config, &mut index)?;
        Ok(crate::Document::from_parts(
            input,
            std::borrow::Cow::Owned(index),
        ))
    }

    /// Parses `input` into a caller-provided index, reusing its allocations.
    ///
    /// # Errors
    /// See [`Document::parse`](crate::Document::parse).
    pub fn parse_into<'a>(
        &self,
        input: &'a [u8],
        index: &'a mut Index,
    ) -> Result<crate::Document<'a>> {
        scan(input, &self.config, index)?;
        Ok(crate::Document::from_parts(
            input,
            std::borrow::Cow::Borrowed(index),
        ))
    }
}

/// True for a well-formed segment identifier: an upper-case letter then one or two
/// upper-case letters or digits.
pub(crate) fn valid_segment_id(id: &[u8]) -> bool {
    let ok = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    match id {
        [a, rest @ ..] if (1..=2).contains(&rest.len()) => {
            a.is_ascii_uppercase() && rest.iter().all(ok)
        }
        _ => false,
    }
}

/// A segment identifier fit for `Debug` and errors: the identifier when well-formed,
/// `"?"` otherwise (a malformed identifier may be payload).
pub(crate) fn redacted_id(id: &[u8]) -> &str {
    if valid_segment_id(id) {
        std::str::from_utf8(id).unwrap_or("?")
    } else {
        "?"
    }
}

/// Does the input look like UTF-16 or UTF-32 (a BOM, or NUL bytes interleaved with ASCII)?
pub(crate) fn looks_utf16(input: &[u8]) -> bool {
    if input.starts_with(b"\xFF\xFE") || input.starts_with(b"\xFE\xFF") {
        return true;
    }
    match input {
        [a, 0, b, 0, ..] => a.is_ascii() && *a != 0 && b.is_ascii() && *b != 0,
        [0, a, 0, b, ..] => a.is_ascii() && *a != 0 && b.is_ascii() && *b != 0,
        _ => false,
    }
}

/// Is there an `ISA` header at `pos`: the letters then a byte that can be an element
/// separator? Only ever asked at a segment start, so "ISA" inside element data is data.
///
/// ISA01 is always two characters, so the separator must also follow them (`ISA*00*`):
/// a segment `ISA~` made by a terminator inside data is not a header.
#[inline]
pub(crate) fn is_isa_at(input: &[u8], pos: usize) -> bool {
    match input.get(pos..pos + 4) {
        Some([b'I', b'S', b'A', sep]) => {
            !(sep.is_ascii_alphanumeric() || matches!(sep, b' ' | b'\r' | b'\n'))
                && input.get(pos + 6).map_or(true, |b| b == sep)
        }
        _ => false,
    }
}

/// Skips the BOM and whitespace before the first segment; returns the first segment's
/// position or the error for an input that holds no interchange.
pub(crate) fn skip_prefix(
    input: &[u8],
    cfg: &ParseConfig,
    mut report: impl FnMut(DiagnosticKind, usize),
) -> Result<usize> {
    if looks_utf16(input) {
        return Err(Error::new(ErrorKind::Utf16, 0));
    }
    let mut pos = 0;
    if input.starts_with(BOM) {
        report(DiagnosticKind::LeadingBom, 0);
        pos = BOM.len();
    }
    let ws = pos;
    while pos < input.len() && matches!(input[pos], b'\r' | b'\n' | b' ' | b'\t') {
        pos += 1;
    }
    if pos == input.len() {
        return Err(Error::new(ErrorKind::Empty, pos));
    }
    if pos > ws {
        report(DiagnosticKind::LeadingWhitespace, ws);
    }
    if pos > 0 && !cfg.allow_stray_bytes {
        return Err(Error::new(ErrorKind::StrayBytes, 0));
    }
    if !is_isa_at(input, pos) {
        return Err(Error::new(ErrorKind::MissingIsa, pos));
    }
    Ok(pos)
}

/// Per-interchange "reported once" flags.
#[derive(Default)]
struct Once {
    line_breaks: bool,
    indentation: bool,
}

/// Scans the whole input into `index`, then builds the envelope tree and its findings.
pub(crate) fn scan(input: &[u8], cfg: &ParseConfig, index: &mut Index) -> Result<()> {
    index.clear();
    if input.len() >= u32::MAX as usize {
        return Err(Error::new(ErrorKind::InputTooLong, u32::MAX as usize));
    }
    let len = input.len();
    let mut pos = skip_prefix(input, cfg, |kind, offset| {
        index.diagnostics.push(Diagnostic { kind, offset })
    })?;
    index.prefix = pos as u32;

    let mut delims = Delimiters::default();
    let mut ich_start = pos;
    let mut ich_first_seg = 0usize;
    let mut once = Once::default();
    loop {
        let seg_start = pos;
        let first_elem = index.elems.len();
        index.elems.push(seg_start as u32);
        let (end, term_pos);
        // The first ISA must read; a later one that does not is kept as an ordinary
        // segment (the envelope pass reports it) rather than aborting the parse.
        let isa = if is_isa_at(input, seg_start) {
            match read_isa(input, seg_start) {
                Ok(isa) => Some(isa),
                Err(e) if index.interchanges.is_empty() => return Err(e),
                Err(_) => None,
            }
        } else {
            None
        };
        if let Some(isa) = isa {
            if isa.nonstandard {
                if !cfg.allow_nonstandard_isa {
                    return Err(Error::new(ErrorKind::NonStandardIsa, seg_start)
                        .at(Location::segment(b"ISA", index.segs.len())));
                }
                diag(index, DiagnosticKind::NonStandardIsa, seg_start);
            }
            if isa.terminator > isa.end {
                diag(index, DiagnosticKind::SpaceBeforeTerminator, isa.end);
            }
            let t = isa.delims.segment();
            if t == b'\r' || t == b'\n' {
                diag(index, DiagnosticKind::LineBreakTerminator, isa.terminator);
            }
            close_interchange(index, ich_first_seg);
            delims = isa.delims;
            ich_start = seg_start;
            ich_first_seg = index.segs.len();
            once = Once::default();
            index.interchanges.push(IchEntry {
                delims,
                first_seg: ich_first_seg as u32,
                end_seg: ich_first_seg as u32,
                iea: None,
                first_group: 0,
                n_groups: 0,
            });
            index.elems.extend(isa.starts.iter().map(|&s| s as u32));
            end = isa.end;
            term_pos = isa.terminator;
        } else {
            end = scan_segment(input, seg_start, delims, &mut index.elems);
            term_pos = end;
        }

        if index.segs.len() - ich_first_seg >= cfg.max_segments {
            return Err(Error::new(
                ErrorKind::TooManySegments {
                    max: cfg.max_segments,
                },
                seg_start,
            ));
        }
        if end - ich_start > cfg.max_interchange_len {
            return Err(Error::new(
                ErrorKind::InterchangeTooLong {
                    max: cfg.max_interchange_len,
                },
                ich_start + cfg.max_interchange_len,
            ));
        }

        let next = if term_pos < len {
            skip_gap(input, term_pos + 1, delims.segment(), cfg, index, &mut once)?
        } else {
            diag(index, DiagnosticKind::MissingTerminator, end);
            len
        };

        let n_elems = index.elems.len() - first_elem;
        let id_end = if n_elems > 1 {
            index.elems[first_elem + 1] as usize - 1
        } else {
            end
        };
        if !valid_segment_id(input.get(seg_start..id_end).unwrap_or(&[])) {
            if !cfg.allow_invalid_segment_ids {
                return Err(Error::new(ErrorKind::InvalidSegmentId, seg_start)
                    .at(Location::segment(b"?", index.segs.len())));
            }
            diag(index, DiagnosticKind::InvalidSegmentId, seg_start);
        }
        index.segs.push(SegEntry {
            start: seg_start as u32,
            end: end as u32,
            next: next as u32,
            first_elem: first_elem as u32,
            n_elems: n_elems as u32,
        });
        if next >= len {
            break;
        }
        pos = next;
    }
    close_interchange(index, ich_first_seg);
    envelope::build(input, index);
    Ok(())
}

fn diag(index: &mut Index, kind: DiagnosticKind, offset: usize) {
    index.diagnostics.push(Diagnostic { kind, offset });
}

fn close_interchange(index: &mut Index, _first: usize) {
    let n = index.segs.len() as u32;
    if let Some(last) = index.interchanges.last_mut() {
        last.end_seg = n;
    }
}

/// Skips what follows a terminator at `pos`: line breaks, indentation, empty segments
/// and a whitespace-only remainder. Returns the start of the next segment.
fn skip_gap(
    input: &[u8],
    mut pos: usize,
    term: u8,
    cfg: &ParseConfig,
    index: &mut Index,
    once: &mut Once,
) -> Result<usize> {
    let len = input.len();
    while let Some(&b) = input.get(pos) {
        if b == term {
            if !cfg.allow_stray_bytes {
                return Err(Error::new(ErrorKind::StrayBytes, pos));
            }
            diag(index, DiagnosticKind::EmptySegment, pos);
        } else if b == b'\r' || b == b'\n' {
            if !cfg.allow_stray_bytes {
                return Err(Error::new(ErrorKind::StrayBytes, pos));
            }
            if !once.line_breaks {
                once.line_breaks = true;
                diag(index, DiagnosticKind::LineBreaks, pos);
            }
        } else if b == b' ' || b == b'\t' {
            if !cfg.allow_stray_bytes {
                return Err(Error::new(ErrorKind::StrayBytes, pos));
            }
            if !once.indentation {
                once.indentation = true;
                diag(index, DiagnosticKind::Indentation, pos);
            }
        } else if (b == 0 || b == 0x1A)
            && input[pos..]
                .iter()
                .all(|&c| matches!(c, b'\r' | b'\n' | b' ' | b'\t' | 0 | 0x1A))
        {
            // A NUL- or SUB-padded end of file (old transfer software): trailer, not data.
            if !cfg.allow_stray_bytes {
                return Err(Error::new(ErrorKind::StrayBytes, pos));
            }
            return Ok(len);
        } else {
            break;
        }
        pos += 1;
    }
    Ok(pos)
}

/// Scans one segment from `start`: pushes the start of every element after an element
/// separator and returns the position of the terminator (or the input length).
#[inline]
fn scan_segment(input: &[u8], start: usize, delims: Delimiters, elems: &mut Vec<u32>) -> usize {
    crate::swar::scan_segment(input, start, delims.element(), delims.segment(), elems)
}

/// Byte span of entry `k` of a segment (k = 0 is the identifier, k = n is element n).
#[inline]
pub(crate) fn elem_span(index: &Index, seg: &SegEntry, k: usize) -> Option<(usize, usize)> {
    let n = seg.n_elems as usize;
    if k >= n {
        return None;
    }
    let base = seg.first_elem as usize;
    let start = *index.elems.get(base + k)? as usize;
    let end = if k + 1 < n {
        *index.elems.get(base + k + 1)? as usize - 1
    } else {
        seg.end as usize
    };
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive oracle: one byte at a time.
    fn naive(input: &[u8], start: usize, sep: u8, term: u8, elems: &mut Vec<u32>) -> usize {
        for (i, &b) in input.iter().enumerate().skip(start) {
            if b == term {
                return i;
            }
            if b == sep {
                elems.push(i as u32 + 1);
            }
        }
        input.len()
    }

    #[test]
    fn segment_scan_matches_naive_oracle() {
        let alphabet = [b'*', b'~', b'a', 0x00, 0x80, 0xFF, b':', b'\n', b'^'];
        let d = Delimiters::default();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..120 {
            for _ in 0..20 {
                let input: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1);
                        alphabet[(state >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                for start in [0, 1, 5].into_iter().filter(|&s| s <= len) {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    let ea = scan_segment(&input, start, d, &mut a);
                    let eb = naive(&input, start, b'*', b'~', &mut b);
                    assert_eq!((ea, &a), (eb, &b), "len {len} start {start}");
                }
            }
        }
    }

    #[test]
    fn segment_ids_are_two_or_three_upper_case_alphanumerics() {
        assert!(valid_segment_id(b"N1"));
        assert!(valid_segment_id(b"NM1"));
        assert!(!valid_segment_id(b"nm1"));
        assert!(!valid_segment_id(b"1NM"));
        assert!(!valid_segment_id(b"N"));
        assert!(!valid_segment_id(b"NM12"));
    }

    #[test]
    fn utf16_detection() {
        assert!(looks_utf16(b"I\0S\0A\0"));
        assert!(looks_utf16(b"\xFF\xFEI\0"));
        assert!(!looks_utf16(b"ISA*"));
    }
}
