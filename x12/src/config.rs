//! Tokenizer configuration: leniency switches and limits.

/// How the tokenizer treats messy input, and how large an input it accepts.
///
/// The default is lenient, because real files are: every repair is reported as a
/// [`Diagnostic`](crate::Diagnostic). [`ParseConfig::strict`] turns the repairs into
/// errors instead.
///
/// # Examples
/// ```
/// use carewire_x12::ParseConfig;
/// let config = ParseConfig::new().max_segments(10_000).max_interchange_len(1 << 20);
/// assert_eq!(config.max_segments, 10_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseConfig {
    /// Largest accepted interchange (ISA through IEA) in bytes (default 256 MiB).
    pub max_interchange_len: usize,
    /// Largest accepted number of segments in one interchange (default 4,000,000).
    pub max_segments: usize,
    /// Largest accepted segment in the streaming reader, in bytes (default 1 MiB).
    pub max_segment_len: usize,
    /// Accept a BOM, whitespace, line breaks and indentation between segments (default true).
    pub allow_stray_bytes: bool,
    /// Accept segment identifiers that are not 2–3 upper-case letters or digits (default true).
    pub allow_invalid_segment_ids: bool,
    /// Accept an ISA whose elements do not have their fixed widths, finding the
    /// delimiters by counting element separators (default true).
    pub allow_nonstandard_isa: bool,
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            max_interchange_len: 256 << 20,
            max_segments: 4_000_000,
            max_segment_len: 1 << 20,
            allow_stray_bytes: true,
            allow_invalid_segment_ids: true,
            allow_nonstandard_isa: true,
        }
    }
}

impl ParseConfig {
    /// The lenient default configuration.
    pub fn new() -> ParseConfig {
        ParseConfig::default()
    }

    /// A configuration that rejects every repair the lenient tokenizer would report.
    pub fn strict() -> ParseConfig {
        ParseConfig {
            allow_stray_bytes: false,
            allow_invalid_segment_ids: false,
            allow_nonstandard_isa: false,
            ..ParseConfig::default()
        }
    }

    /// Sets `max_interchange_len`.
    pub fn max_interchange_len(mut self, max: usize) -> ParseConfig {
        self.max_interchange_len = max;
        self
    }

    /// Sets `max_segments`.
    pub fn max_segments(mut self, max: usize) -> ParseConfig {
        self.max_segments = max;
        self
    }

    /// Sets `max_segment_len`.
    pub fn max_segment_len(mut self, max: usize) -> ParseConfig {
        self.max_segment_len = max;
        self
    }
}
