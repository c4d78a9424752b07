//! Errors and diagnostics. Neither ever carries a value: only byte offsets, tags (which
//! are structure, not patient data) and kinds.

use std::fmt;

use crate::tag::Tag;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is empty.
    Empty,
    /// The input ends inside an element, item or delimiter header.
    TruncatedHeader,
    /// A declared value length runs past the end of the input.
    ValueExceedsInput {
        /// The declared length.
        declared: u32,
    },
    /// Explicit-VR bytes that name no VR.
    InvalidVr,
    /// An item or delimiter tag where it cannot belong (e.g. an item at the top level).
    UnexpectedDelimiter,
    /// The file meta group (0002) is malformed or lacks a transfer syntax.
    InvalidFileMeta,
    /// The input is larger than `max_input_len`.
    InputTooLong {
        /// The configured limit.
        max: usize,
    },
    /// Sequences nest deeper than `max_depth`.
    TooDeep {
        /// The configured limit.
        max: usize,
    },
    /// More than `max_elements` entries in the element table.
    TooManyElements {
        /// The configured limit.
        max: usize,
    },
    /// A deflated data set does not inflate (corrupt deflate stream).
    InvalidDeflate,
    /// A deflated data set inflates to more than `max_inflated_len` bytes.
    InflatedTooLong {
        /// The configured limit.
        max: usize,
    },
    /// A repair the lenient reader would make, refused by a strict configuration.
    Strict(crate::DiagnosticKind),
    /// A value cannot be encoded as asked (length over 4 GiB, odd fixed-width data).
    Unencodable,
    /// Text that names no tag (neither `(gggg,eeee)` nor a dictionary keyword); the
    /// offset is within the text.
    InvalidTag,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("empty input"),
            ErrorKind::TruncatedHeader => f.write_str("input ends inside a header"),
            ErrorKind::ValueExceedsInput { declared } => {
                write!(
                    f,
                    "declared length {declared} runs past the end of the input"
                )
            }
            ErrorKind::InvalidVr => f.write_str("invalid value representation"),
            ErrorKind::UnexpectedDelimiter => f.write_str("unexpected item or delimiter tag"),
            ErrorKind::InvalidFileMeta => f.write_str("invalid file meta information"),
            ErrorKind::InputTooLong { max } => {
                write!(f, "input longer than the limit of {max} bytes")
            }
            ErrorKind::TooDeep { max } => {
                write!(f, "sequences nested deeper than the limit of {max}")
            }
            ErrorKind::TooManyElements { max } => {
                write!(f, "more than the limit of {max} elements")
            }
            ErrorKind::InvalidDeflate => f.write_str("invalid deflate stream"),
            ErrorKind::InflatedTooLong { max } => {
                write!(
                    f,
                    "deflated data set inflates past the limit of {max} bytes"
                )
            }
            ErrorKind::Strict(kind) => write!(f, "{kind} (strict mode)"),
            ErrorKind::Unencodable => f.write_str("value cannot be encoded"),
            ErrorKind::InvalidTag => f.write_str("invalid tag or keyword"),
        }
    }
}

/// The one error type of this crate: a kind, a byte offset and, where known, the tag.
///
/// `Display` states what and where, never a value:
/// `invalid value representation at byte 1398 (0028,0120)`.
///
/// Offsets in a deflated data set count from the start of the file as if the data set
/// had been stored inflated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
    tag: Option<Tag>,
}

impl Error {
    /// An error of `kind` at byte `offset`.
    pub fn new(kind: ErrorKind, offset: usize) -> Error {
        Error {
            kind,
            offset,
            tag: None,
        }
    }

    /// The same error naming the element it concerns.
    pub fn with_tag(mut self, tag: Tag) -> Error {
        self.tag = Some(tag);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Byte offset in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The tag of the element concerned, where known.
    pub fn tag(&self) -> Option<Tag> {
        self.tag
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)?;
        if let Some(tag) = self.tag {
            write!(f, " {tag}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("offset", &self.offset)
            .field("tag", &self.tag)
            .finish()
    }
}

impl std::error::Error for Error {}

/// A crate-wide `Result` alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A repair or oddity the lenient reader accepted. Every repair is reported; none is silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// No 128-byte preamble and `DICM` prefix, but a file meta group at the start.
    MissingPreamble,
    /// No file meta group: a bare data set whose transfer syntax was detected (not
    /// reported when [`ParseConfig::transfer_syntax`](crate::ParseConfig::transfer_syntax)
    /// gives it).
    NoFileMeta,
    /// (0002,0000) disagrees with the length of the file meta group actually present.
    MetaGroupLengthMismatch,
    /// The file meta group declares one transfer syntax but the data set is encoded in
    /// another (implicit VR where explicit was declared is a common vendor error).
    TransferSyntaxMismatch,
    /// A value has an odd length (PS3.5 §7.1.1 requires even lengths).
    OddLength,
    /// A non-sequence element has undefined length; it was read as a sequence.
    UndefinedLengthNotSequence,
    /// An undefined-length item ends without an Item Delimitation Item.
    MissingItemDelimiter,
    /// An undefined-length sequence ends without a Sequence Delimitation Item.
    MissingSequenceDelimiter,
    /// An item or delimitation tag where none was open; it was kept as read.
    StrayDelimiter,
    /// An explicitly encoded element in an implicit-VR data set; it was read as explicit.
    ExplicitVrInImplicit,
    /// An item outside any sequence; it was read as an item of its own.
    ItemOutsideSequence,
    /// A data element directly inside a sequence (not in an item).
    ElementOutsideItem,
    /// An element, item or sequence runs past the end of its enclosing item or sequence.
    ContainerOverrun,
    /// A delimitation item has a non-zero length field.
    NonZeroDelimiterLength,
    /// Bytes after the last element that do not form an element (kept for writing).
    TrailingBytes,
    /// (0008,0005) names a character set this crate cannot decode; ASCII/UTF-8 is used.
    UnknownCharacterSet,
    /// A value had bytes that are invalid in its character set; they became U+FFFD.
    InvalidCharacters,
    /// Tags at the same level are not in ascending order (PS3.5 §7.1).
    TagsOutOfOrder,
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DiagnosticKind::MissingPreamble => "file meta group without preamble",
            DiagnosticKind::NoFileMeta => "no file meta group",
            DiagnosticKind::MetaGroupLengthMismatch => "file meta group length mismatch",
            DiagnosticKind::TransferSyntaxMismatch => {
                "data set not in the declared transfer syntax"
            }
            DiagnosticKind::OddLength => "odd value length",
            DiagnosticKind::UndefinedLengthNotSequence => "undefined length on a non-sequence",
            DiagnosticKind::MissingItemDelimiter => "missing item delimitation item",
            DiagnosticKind::MissingSequenceDelimiter => "missing sequence delimitation item",
            DiagnosticKind::StrayDelimiter => "stray item or delimitation tag",
            DiagnosticKind::ItemOutsideSequence => "item outside any sequence",
            DiagnosticKind::ExplicitVrInImplicit => {
                "explicit VR element in an implicit VR data set"
            }
            DiagnosticKind::ElementOutsideItem => "element inside a sequence but outside any item",
            DiagnosticKind::ContainerOverrun => "value runs past its enclosing item or sequence",
            DiagnosticKind::NonZeroDelimiterLength => "delimitation item with non-zero length",
            DiagnosticKind::TrailingBytes => "trailing bytes after the last element",
            DiagnosticKind::UnknownCharacterSet => "unknown specific character set",
            DiagnosticKind::InvalidCharacters => "invalid characters for the character set",
            DiagnosticKind::TagsOutOfOrder => "tags out of ascending order",
        })
    }
}

/// A reported repair: what, where (byte offset) and, where known, which tag; never a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// What was repaired or tolerated.
    pub kind: DiagnosticKind,
    /// Byte offset in the input where it was found.
    pub offset: usize,
    /// The element concerned, where known.
    pub tag: Option<Tag>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)?;
        if let Some(tag) = self.tag {
            write!(f, " {tag}")?;
        }
        Ok(())
    }
}
