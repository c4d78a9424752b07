//! Errors and diagnostics. Neither ever carries payload: only byte offsets, segment
//! identifiers (structural, not patient data), positions and kinds.

use std::fmt;

/// Where in a document something happened, in X12 terms (`NM103`, `CLM05-2`, `EB03[2]`).
///
/// Element, component and repetition numbers are 1-based as in the implementation
/// guides. Only structure is recorded, never content.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Location {
    segment: [u8; 3],
    segment_index: Option<u32>,
    element: Option<u32>,
    repetition: Option<u32>,
    component: Option<u32>,
}

impl Location {
    /// A location naming a segment by identifier and 0-based position in the document.
    ///
    /// An identifier that is not 2–3 upper-case letters or digits is recorded as `?`
    /// (it may be payload: a line of data split by a stray terminator).
    pub fn segment(id: &[u8], segment_index: usize) -> Location {
        let mut segment = [0u8; 3];
        if crate::scan::valid_segment_id(id) {
            for (dst, src) in segment.iter_mut().zip(id.iter()) {
                *dst = *src;
            }
        } else {
            segment[0] = b'?';
        }
        Location {
            segment,
            segment_index: u32::try_from(segment_index).ok(),
            ..Location::default()
        }
    }

    /// The same location narrowed to an element (1-based: `NM103` is element 3).
    pub fn with_element(mut self, element: usize) -> Location {
        self.element = u32::try_from(element).ok();
        self
    }

    /// The same location narrowed to a repetition (1-based).
    pub fn with_repetition(mut self, repetition: usize) -> Location {
        self.repetition = u32::try_from(repetition).ok();
        self
    }

    /// The same location narrowed to a component (1-based).
    pub fn with_component(mut self, component: usize) -> Location {
        self.component = u32::try_from(component).ok();
        self
    }

    /// The segment identifier, e.g. `"NM1"` (`"?"` when it was malformed).
    pub fn segment_id(&self) -> &str {
        let len = self.segment.iter().position(|&b| b == 0).unwrap_or(3);
        std::str::from_utf8(&self.segment[..len]).unwrap_or("?")
    }

    /// 0-based position of the segment in the document.
    pub fn segment_index(&self) -> Option<usize> {
        self.segment_index.map(|v| v as usize)
    }

    /// 1-based element number.
    pub fn element(&self) -> Option<usize> {
        self.element.map(|v| v as usize)
    }

    /// 1-based repetition number.
    pub fn repetition(&self) -> Option<usize> {
        self.repetition.map(|v| v as usize)
    }

    /// 1-based component number.
    pub fn component(&self) -> Option<usize> {
        self.component.map(|v| v as usize)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.segment_id())?;
        if let Some(e) = self.element {
            write!(f, "{e:02}")?;
            if let Some(r) = self.repetition {
                write!(f, "[{r}]")?;
            }
            if let Some(c) = self.component {
                write!(f, "-{c}")?;
            }
        }
        if let Some(i) = self.segment_index {
            write!(f, " (segment {})", u64::from(i) + 1)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// What went wrong while tokenizing or writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input holds no interchange at all (empty, or only whitespace).
    Empty,
    /// The input does not start with an `ISA` segment (after an optional BOM and
    /// whitespace); TA1 note 022 if answered at all.
    MissingIsa,
    /// The input is UTF-16 (or UTF-32) encoded; X12 is a single-byte syntax.
    Utf16,
    /// The ISA segment ends before its sixteenth element and the segment terminator.
    TruncatedIsa,
    /// The ISA declares unusable delimiters (alphanumeric, space, or two the same).
    InvalidDelimiters,
    /// The ISA elements do not have their fixed widths (strict mode).
    NonStandardIsa,
    /// An interchange is longer than `max_interchange_len`.
    InterchangeTooLong {
        /// The configured limit.
        max: usize,
    },
    /// An interchange has more segments than `max_segments`.
    TooManySegments {
        /// The configured limit.
        max: usize,
    },
    /// A segment is longer than `max_segment_len` (streaming reader).
    SegmentTooLong {
        /// The configured limit.
        max: usize,
    },
    /// The input is longer than the 4 GiB a flat index can address.
    InputTooLong,
    /// Bytes outside any segment: BOM, whitespace, line breaks, indentation (strict mode).
    StrayBytes,
    /// A segment identifier is not 2–3 upper-case letters or digits (strict mode).
    InvalidSegmentId,
    /// A value to be written contains one of the delimiters in use.
    DelimiterInData,
    /// A writer was called out of order (e.g. a segment before `ST`).
    InvalidWriterState,
    /// A value to be written does not fit its fixed ISA width.
    InvalidValue,
    /// Amounts a builder was asked to balance do not: an 835 claim whose charge less
    /// payment is not the sum of its adjustments (CLP03 − CLP04 ≠ Σ CAS), or one of its
    /// service lines (SVC02 − SVC03 ≠ Σ CAS).
    Unbalanced {
        /// 1-based position of the claim in the builder's input.
        claim: usize,
        /// 1-based position of the service line in the claim, when a line does not balance.
        line: Option<usize>,
    },
    /// An I/O error while reading a stream or writing output.
    Io(std::io::ErrorKind),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("empty input"),
            ErrorKind::MissingIsa => f.write_str("input does not start with an ISA segment"),
            ErrorKind::Utf16 => f.write_str("input is UTF-16 encoded; X12 must be single-byte"),
            ErrorKind::TruncatedIsa => f.write_str("ISA segment is truncated"),
            ErrorKind::InvalidDelimiters => f.write_str("invalid delimiters in the ISA segment"),
            ErrorKind::NonStandardIsa => f.write_str("ISA elements do not have their fixed widths"),
            ErrorKind::InterchangeTooLong { max } => {
                write!(f, "interchange longer than the limit of {max} bytes")
            }
            ErrorKind::TooManySegments { max } => {
                write!(f, "interchange has more than the limit of {max} segments")
            }
            ErrorKind::SegmentTooLong { max } => {
                write!(f, "segment longer than the limit of {max} bytes")
            }
            ErrorKind::InputTooLong => f.write_str("input longer than 4 GiB"),
            ErrorKind::StrayBytes => f.write_str("bytes outside any segment"),
            ErrorKind::InvalidSegmentId => f.write_str("invalid segment identifier"),
            ErrorKind::DelimiterInData => f.write_str("value contains a delimiter"),
            ErrorKind::InvalidWriterState => f.write_str("writer call out of order"),
            ErrorKind::InvalidValue => f.write_str("value does not fit its field"),
            ErrorKind::Unbalanced { claim, line: None } => write!(
                f,
                "claim {claim} does not balance: charge less payment is not the sum of its adjustments"
            ),
            ErrorKind::Unbalanced {
                claim,
                line: Some(line),
            } => write!(
                f,
                "claim {claim} service line {line} does not balance: charge less payment is not the sum of its adjustments"
            ),
            ErrorKind::Io(kind) => write!(f, "i/o error ({kind:?})"),
        }
    }
}

/// The one error type of this crate: a kind, a byte offset and, where known, a location.
///
/// `Display` states what and where, never the payload:
/// `invalid delimiters in the ISA segment at byte 105, ISA16 (segment 1)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
    location: Option<Location>,
}

impl Error {
    /// Creates an error of `kind` at byte `offset`.
    pub fn new(kind: ErrorKind, offset: usize) -> Error {
        Error {
            kind,
            offset,
            location: None,
        }
    }

    /// Attaches a location.
    pub fn at(mut self, location: Location) -> Error {
        self.location = Some(location);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Byte offset in the input (for writers: in the output written so far).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The location, where known.
    pub fn location(&self) -> Option<Location> {
        self.location
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)?;
        if let Some(loc) = &self.location {
            write!(f, ", {loc}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("offset", &self.offset)
            .field("location", &self.location)
            .finish()
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io(e.kind()), 0)
    }
}

/// A crate-wide `Result` alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A repair or oddity the lenient tokenizer accepted. Every repair is reported; none is
/// silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A UTF-8 byte-order mark before `ISA` (kept for byte-exact writing).
    LeadingBom,
    /// Whitespace or line breaks before the first `ISA`.
    LeadingWhitespace,
    /// CR, LF or CR LF after segment terminators (reported once per interchange).
    LineBreaks,
    /// Spaces or tabs before a segment identifier (reported once per interchange).
    Indentation,
    /// Spaces between ISA16 and the segment terminator.
    SpaceBeforeTerminator,
    /// The segment terminator is LF or CR, so segments are separated by line breaks.
    LineBreakTerminator,
    /// An empty segment (two terminators in a row); kept as inter-segment bytes.
    EmptySegment,
    /// A segment identifier is not 2–3 upper-case letters or digits.
    InvalidSegmentId,
    /// The ISA elements do not have their fixed widths; delimiters were found by
    /// counting element separators instead.
    NonStandardIsa,
    /// The last segment has no terminator.
    MissingTerminator,
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DiagnosticKind::LeadingBom => "byte-order mark before ISA",
            DiagnosticKind::LeadingWhitespace => "whitespace before ISA",
            DiagnosticKind::LineBreaks => "line breaks after segment terminators",
            DiagnosticKind::Indentation => "indented segments",
            DiagnosticKind::SpaceBeforeTerminator => "spaces between ISA16 and the terminator",
            DiagnosticKind::LineBreakTerminator => "line break used as segment terminator",
            DiagnosticKind::EmptySegment => "empty segment",
            DiagnosticKind::InvalidSegmentId => "invalid segment identifier",
            DiagnosticKind::NonStandardIsa => "ISA elements do not have their fixed widths",
            DiagnosticKind::MissingTerminator => "last segment has no terminator",
        })
    }
}

/// A reported repair: what and where (byte offset in the input), never the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// What was repaired or tolerated.
    pub kind: DiagnosticKind,
    /// Byte offset in the input where it was found.
    pub offset: usize,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}
