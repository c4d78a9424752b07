//! Reader configuration: leniency, limits and stop conditions.

use crate::tag::Tag;
use crate::ts::TransferSyntax;

/// How the reader treats messy input, how much it accepts, and where it stops.
///
/// The default is lenient: every repair is reported as a [`Diagnostic`](crate::Diagnostic).
/// [`ParseConfig::strict`] turns each repair into an error instead.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::{ParseConfig, Tag};
/// // A directory scan: read only up to the study identifiers, never into pixel data.
/// let config = ParseConfig::default()
///     .stop_before_pixel_data(true)
///     .stop_after(Tag::new(0x0020, 0x000E))
///     .max_header_len(64 * 1024);
/// assert!(config.allow_repairs);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseConfig {
    /// Accept odd lengths, missing delimiters, stray delimiters and similar vendor quirks,
    /// each reported as a diagnostic (default true).
    pub allow_repairs: bool,
    /// Largest accepted input in bytes (default and maximum `u32::MAX`: offsets are u32).
    pub max_input_len: usize,
    /// Deepest accepted sequence nesting (default 64).
    pub max_depth: usize,
    /// Largest accepted number of entries in the element table (default 16,000,000).
    pub max_elements: usize,
    /// Largest accepted inflated size of a deflated data set (default 256 MiB).
    pub max_inflated_len: usize,
    /// Stop before Pixel Data, Float Pixel Data or Double Float Pixel Data at the top
    /// level (default false).
    pub stop_before_pixel_data: bool,
    /// Stop before the first top-level element whose tag is greater than this one.
    pub stop_after: Option<Tag>,
    /// Stop before the first top-level element that starts at or ends after this byte
    /// offset (a header size limit). A scan that reads only the first N bytes of each
    /// file sets it to N: an element cut by the end of the prefix then stops the read
    /// ([`StopReason::HeaderLimit`](crate::StopReason::HeaderLimit)) instead of failing,
    /// and the caller reads more when it needs what follows.
    pub max_header_len: Option<usize>,
    /// Read the data set in this transfer syntax, whatever the file meta group says or
    /// the detection heuristic for a bare data set would choose.
    pub transfer_syntax: Option<TransferSyntax>,
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            allow_repairs: true,
            max_input_len: u32::MAX as usize,
            max_depth: 64,
            max_elements: 16_000_000,
            max_inflated_len: 256 << 20,
            stop_before_pixel_data: false,
            stop_after: None,
            max_header_len: None,
            transfer_syntax: None,
        }
    }
}

impl ParseConfig {
    /// The lenient default configuration.
    pub fn new() -> ParseConfig {
        ParseConfig::default()
    }

    /// A configuration that turns every repair into an error.
    pub fn strict() -> ParseConfig {
        ParseConfig {
            allow_repairs: false,
            ..ParseConfig::default()
        }
    }

    /// Sets `stop_before_pixel_data`.
    pub fn stop_before_pixel_data(mut self, yes: bool) -> ParseConfig {
        self.stop_before_pixel_data = yes;
        self
    }

    /// Sets `stop_after`.
    pub fn stop_after(mut self, tag: Tag) -> ParseConfig {
        self.stop_after = Some(tag);
        self
    }

    /// Stops once every tag in `wanted` can have been seen: after the largest of them
    /// (tags are in ascending order at the top level, PS3.5 §7.1), so a directory scan
    /// reads no further than it needs. An empty list leaves the configuration unchanged.
    pub fn stop_after_all(mut self, wanted: &[Tag]) -> ParseConfig {
        if let Some(max) = wanted.iter().max() {
            self.stop_after = Some(*max);
        }
        self
    }

    /// Sets `max_header_len`.
    pub fn max_header_len(mut self, len: usize) -> ParseConfig {
        self.max_header_len = Some(len);
        self
    }

    /// Sets `max_depth`.
    pub fn max_depth(mut self, depth: usize) -> ParseConfig {
        self.max_depth = depth;
        self
    }

    /// Forces a transfer syntax for the data set.
    pub fn transfer_syntax(mut self, ts: TransferSyntax) -> ParseConfig {
        self.transfer_syntax = Some(ts);
        self
    }
}
