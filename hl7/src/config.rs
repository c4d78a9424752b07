//! Parser configuration: leniency switches and limits.

use crate::charset::Charset;

/// How the parser treats messy input, and how large an input it accepts.
///
/// The default is lenient (the HL7 standard tells receivers to tolerate what they do not
/// expect): every repair is reported as a [`Diagnostic`](crate::Diagnostic). [`ParseConfig::strict`]
/// turns each repair into an error instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseConfig {
    /// Largest accepted message in bytes (default 64 MiB; at most `u32::MAX`).
    pub max_message_len: usize,
    /// Largest accepted number of segments (default 1,000,000).
    pub max_segments: usize,
    /// Accept LF and CR LF segment terminators (default true).
    pub allow_lf_terminators: bool,
    /// Accept a byte-order mark, whitespace or blank lines outside segments (default true).
    pub allow_stray_bytes: bool,
    /// Accept segment identifiers that are not three upper-case letters or digits (default true).
    pub allow_invalid_segment_ids: bool,
    /// Accept an MSH-2 with fewer than four or more than five encoding characters, or
    /// with the escape character doubled (`^~\\&`, read as `^~\&`) (default true).
    pub allow_encoding_character_repairs: bool,
    /// Accept an MSH-18 character set this crate does not know, decoding with
    /// `default_charset` instead (default true).
    pub allow_unknown_charset: bool,
    /// Character set used instead of MSH-18, for senders that declare the wrong one.
    pub charset_override: Option<Charset>,
    /// Character set used when MSH-18 is empty or unknown (default UTF-8, a superset of
    /// the standard's ASCII default).
    pub default_charset: Charset,
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            max_message_len: 64 << 20,
            max_segments: 1_000_000,
            allow_lf_terminators: true,
            allow_stray_bytes: true,
            allow_invalid_segment_ids: true,
            allow_encoding_character_repairs: true,
            allow_unknown_charset: true,
            charset_override: None,
            default_charset: Charset::Utf8,
        }
    }
}

impl ParseConfig {
    /// The lenient default configuration.
    pub fn new() -> ParseConfig {
        ParseConfig::default()
    }

    /// A configuration that rejects every repair the lenient parser would report.
    pub fn strict() -> ParseConfig {
        ParseConfig {
            allow_lf_terminators: false,
            allow_stray_bytes: false,
            allow_invalid_segment_ids: false,
            allow_encoding_character_repairs: false,
            allow_unknown_charset: false,
            ..ParseConfig::default()
        }
    }

    /// Sets `max_message_len`.
    pub fn max_message_len(mut self, max: usize) -> ParseConfig {
        self.max_message_len = max;
        self
    }

    /// Sets `max_segments`.
    pub fn max_segments(mut self, max: usize) -> ParseConfig {
        self.max_segments = max;
        self
    }

    /// Forces a character set regardless of MSH-18.
    pub fn charset_override(mut self, charset: Charset) -> ParseConfig {
        self.charset_override = Some(charset);
        self
    }
}
