//! Errors and diagnostics. Neither ever carries message content: only positions,
//! segment identifiers (which are structural, not patient data) and kinds.

use std::fmt;

/// Where in a message something happened, in HL7 terms (1-based, "PID-5.1").
///
/// Only structure is recorded, never content.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// Segment identifier bytes (up to 3; unused bytes are 0).
    pub(crate) segment: [u8; 3],
    /// 0-based index of the segment in the message.
    pub(crate) segment_index: Option<u32>,
    /// 1-based field number (HL7 numbering; MSH-1 is the field separator).
    pub(crate) field: Option<u32>,
    /// 1-based repetition.
    pub(crate) repetition: Option<u32>,
    /// 1-based component.
    pub(crate) component: Option<u32>,
    /// 1-based subcomponent.
    pub(crate) subcomponent: Option<u32>,
}

impl Location {
    /// A location naming a segment (by identifier and 0-based position in the message).
    pub fn segment(id: &[u8], segment_index: usize) -> Location {
        let mut segment = [0u8; 3];
        for (dst, src) in segment.iter_mut().zip(id.iter()) {
            // Only keep printable ASCII so Display can never emit control bytes.
            *dst = if src.is_ascii_alphanumeric() {
                *src
            } else {
                b'?'
            };
        }
        Location {
            segment,
            segment_index: u32::try_from(segment_index).ok(),
            ..Location::default()
        }
    }

    /// The same location narrowed to a field (1-based).
    pub fn with_field(mut self, field: usize) -> Location {
        self.field = u32::try_from(field).ok();
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

    /// The same location narrowed to a subcomponent (1-based).
    pub fn with_subcomponent(mut self, subcomponent: usize) -> Location {
        self.subcomponent = u32::try_from(subcomponent).ok();
        self
    }

    /// The segment identifier, e.g. `"PID"`.
    pub fn segment_id(&self) -> &str {
        let len = self.segment.iter().position(|&b| b == 0).unwrap_or(3);
        std::str::from_utf8(&self.segment[..len]).unwrap_or("???")
    }

    /// 0-based position of the segment in the message.
    pub fn segment_index(&self) -> Option<usize> {
        self.segment_index.map(|v| v as usize)
    }

    /// 1-based field number.
    pub fn field(&self) -> Option<usize> {
        self.field.map(|v| v as usize)
    }

    /// 1-based repetition number.
    pub fn repetition(&self) -> Option<usize> {
        self.repetition.map(|v| v as usize)
    }

    /// 1-based component number.
    pub fn component(&self) -> Option<usize> {
        self.component.map(|v| v as usize)
    }

    /// 1-based subcomponent number.
    pub fn subcomponent(&self) -> Option<usize> {
        self.subcomponent.map(|v| v as usize)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.segment_id())?;
        if let Some(field) = self.field {
            write!(f, "-{field}")?;
            if let Some(rep) = self.repetition {
                write!(f, "[{rep}]")?;
            }
            if let Some(c) = self.component {
                write!(f, ".{c}")?;
                if let Some(s) = self.subcomponent {
                    write!(f, ".{s}")?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input holds no message at all (empty, or only whitespace).
    Empty,
    /// The message does not start with an `MSH` segment (after an optional BOM).
    MissingHeader,
    /// The message header is too short to hold the field separator and encoding characters.
    TruncatedHeader,
    /// MSH-1/MSH-2 name delimiters that are unusable (repeated, CR/LF, or alphanumeric).
    InvalidDelimiters,
    /// The input is longer than `max_message_len`.
    MessageTooLong {
        /// The configured limit.
        max: usize,
    },
    /// The message has more segments than `max_segments`.
    TooManySegments {
        /// The configured limit.
        max: usize,
    },
    /// A segment identifier is not three upper-case letters or digits (strict mode).
    InvalidSegmentId,
    /// Segments end in LF or CRLF (strict mode).
    NonStandardTerminator,
    /// Bytes (BOM, whitespace, blank lines) outside any segment (strict mode).
    StrayBytes,
    /// A path such as `PID-5.1` is malformed; the offset is within the path text.
    InvalidPath,
    /// An edit addressed something that cannot be changed that way (MSH-1/MSH-2, index 0).
    InvalidEdit,
    /// MSH-18 names a character set this crate does not know (strict mode).
    UnknownCharset,
    /// A value cannot be encoded in the message's character set.
    Unencodable,
    /// A batch file is out of order (e.g. BTS without BHS) or its counts do not match.
    InvalidBatch,
    /// An I/O error while reading a stream.
    Io(std::io::ErrorKind),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("empty input"),
            ErrorKind::MissingHeader => f.write_str("message does not start with an MSH segment"),
            ErrorKind::TruncatedHeader => f.write_str("message header is truncated"),
            ErrorKind::InvalidDelimiters => f.write_str("invalid delimiters in MSH-1/MSH-2"),
            ErrorKind::MessageTooLong { max } => {
                write!(f, "message longer than the limit of {max} bytes")
            }
            ErrorKind::TooManySegments { max } => {
                write!(f, "message has more than the limit of {max} segments")
            }
            ErrorKind::InvalidSegmentId => f.write_str("invalid segment identifier"),
            ErrorKind::NonStandardTerminator => f.write_str("segment terminator is not CR"),
            ErrorKind::StrayBytes => f.write_str("bytes outside any segment"),
            ErrorKind::InvalidPath => f.write_str("invalid path"),
            ErrorKind::InvalidEdit => f.write_str("invalid edit"),
            ErrorKind::UnknownCharset => f.write_str("unknown character set in MSH-18"),
            ErrorKind::Unencodable => f.write_str("value cannot be encoded in the character set"),
            ErrorKind::InvalidBatch => f.write_str("invalid batch structure"),
            ErrorKind::Io(kind) => write!(f, "i/o error ({kind:?})"),
        }
    }
}

/// The one error type of this crate: a kind, a byte offset, and where known an HL7 location.
///
/// `Display` states what and where, never the payload:
/// `invalid segment identifier at byte 812 (segment 4)`.
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

    /// Attaches an HL7 location.
    pub fn at(mut self, location: Location) -> Error {
        self.location = Some(location);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Byte offset in the input (or in the path text for [`ErrorKind::InvalidPath`]).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The HL7 location, where known.
    pub fn location(&self) -> Option<Location> {
        self.location
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)?;
        if let Some(loc) = &self.location {
            match (loc.field, loc.segment_index) {
                (Some(_), _) => write!(f, " ({loc})")?,
                (None, Some(i)) => write!(f, " ({} segment {})", loc.segment_id(), i + 1)?,
                (None, None) => write!(f, " ({})", loc.segment_id())?,
            }
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

/// A repair or oddity the lenient parser accepted. Every repair is reported; none is silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A byte-order mark before `MSH` (kept for byte-exact writing).
    LeadingBom,
    /// Whitespace or blank lines before `MSH`.
    LeadingWhitespace,
    /// Segments are terminated by LF instead of CR.
    LfTerminators,
    /// Segments are terminated by CR LF instead of CR.
    CrLfTerminators,
    /// Empty lines between segments were skipped (kept for byte-exact writing).
    BlankLine,
    /// A segment identifier is not three upper-case letters or digits.
    InvalidSegmentId,
    /// MSH-2 has more than five encoding characters, or the escape character twice
    /// (`^~\\&`); the extra ones are ignored.
    ExtraEncodingCharacters,
    /// MSH-2 has fewer than four encoding characters; the missing delimiters are unavailable.
    MissingEncodingCharacters,
    /// An escape sequence is unterminated or unknown; it was kept verbatim.
    InvalidEscape,
    /// A `\C..\`, `\M..\` or `\Z..\` escape was passed through verbatim.
    UnsupportedEscape,
    /// MSH-18 names a character set this crate cannot decode; the default is used.
    UnknownCharset,
    /// A value had bytes that are invalid in its character set; they became U+FFFD.
    InvalidCharacters,
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DiagnosticKind::LeadingBom => "byte-order mark before MSH",
            DiagnosticKind::LeadingWhitespace => "whitespace before MSH",
            DiagnosticKind::LfTerminators => "segments terminated by LF",
            DiagnosticKind::CrLfTerminators => "segments terminated by CR LF",
            DiagnosticKind::BlankLine => "blank line between segments",
            DiagnosticKind::InvalidSegmentId => "invalid segment identifier",
            DiagnosticKind::ExtraEncodingCharacters => "extra encoding characters in MSH-2",
            DiagnosticKind::MissingEncodingCharacters => "missing encoding characters in MSH-2",
            DiagnosticKind::InvalidEscape => "invalid escape sequence",
            DiagnosticKind::UnsupportedEscape => "unsupported escape sequence kept verbatim",
            DiagnosticKind::UnknownCharset => "unknown character set in MSH-18",
            DiagnosticKind::InvalidCharacters => "invalid characters for the character set",
        })
    }
}

/// A reported repair: what and where (byte offset in the message), never the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// What was repaired or tolerated.
    pub kind: DiagnosticKind,
    /// Byte offset in the message where it was found.
    pub offset: usize,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}
