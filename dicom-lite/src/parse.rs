//! The scanner: one pass over the bytes builds a flat table of element spans.
//!
//! No allocation per element: the table, the container stack and the diagnostics are
//! vectors in a reusable [`Index`]. Sequences and items are tracked with an explicit
//! stack (never recursion), so hostile nesting costs memory bounded by `max_depth`.
//! Every declared length is checked against the bytes present before it is used.

use std::io::Read;

use crate::config::ParseConfig;
use crate::dict;
use crate::error::{Diagnostic, DiagnosticKind, Error, ErrorKind, Result};
use crate::tag::{Tag, Vr};
use crate::ts::{trim_uid, TransferSyntax};

/// The undefined length (PS3.5 §7.1.1): a sequence, item or encapsulated pixel data
/// ended by a delimitation item.
pub const UNDEFINED_LENGTH: u32 = 0xFFFF_FFFF;

pub(crate) const NONE: u32 = u32::MAX;

/// What an entry in the element table is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ElementKind {
    /// A data element with a value.
    Element,
    /// A sequence (SQ, or UN / implicit of undefined length read as one): its items follow.
    Sequence,
    /// Pixel data of undefined length: its fragments follow (the first is the Basic
    /// Offset Table, PS3.5 §A.4).
    EncapsulatedPixelData,
    /// An item of a sequence (FFFE,E000): its data elements follow.
    Item,
    /// An item of encapsulated pixel data: a fragment (or the Basic Offset Table).
    Fragment,
    /// Item Delimitation Item (FFFE,E00D).
    ItemDelimitation,
    /// Sequence Delimitation Item (FFFE,E0DD).
    SequenceDelimitation,
}

/// How an entry's header was encoded (the writer reproduces it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// Tag + 32-bit length (implicit VR elements, items and delimiters).
    Implicit,
    /// Tag + VR + 16-bit length.
    Short,
    /// Tag + VR + 2 reserved bytes + 32-bit length.
    Long,
}

/// One entry in the element table. Offsets are u32 into the (logical) input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) tag: Tag,
    /// First byte of the header.
    pub(crate) start: u32,
    /// First byte of the value (after the header).
    pub(crate) value_start: u32,
    /// One past the value; for containers, the start of the closing delimiter (or the
    /// defined end).
    pub(crate) value_end: u32,
    /// The length field as read (may be [`UNDEFINED_LENGTH`]).
    pub(crate) len: u32,
    /// Index of the enclosing item (for elements) or sequence (for items), or `NONE`.
    pub(crate) parent: u32,
    /// Index one past this entry's last descendant (its closing delimiter included).
    pub(crate) next: u32,
    /// Number of enclosing sequences.
    pub(crate) depth: u16,
    /// Reserved bytes of a long explicit header, as read.
    pub(crate) reserved: u16,
    pub(crate) vr: Vr,
    /// VR bytes as read (explicit VR only).
    pub(crate) vr_raw: [u8; 2],
    pub(crate) kind: ElementKind,
    pub(crate) form: Form,
    pub(crate) big_endian: bool,
}

/// Why reading stopped before the end of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// Before Pixel Data (or Float / Double Float Pixel Data).
    PixelData,
    /// After the tag given in [`ParseConfig::stop_after`].
    AfterTag,
    /// At the header size limit [`ParseConfig::max_header_len`].
    HeaderLimit,
}

/// Where and why reading stopped early. The bytes from `offset` on were not read; the
/// writer copies them unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stop {
    /// Why.
    pub reason: StopReason,
    /// Byte offset of the first element not read.
    pub offset: usize,
}

#[derive(Clone, Copy, Debug)]
struct Mode {
    explicit: bool,
    big_endian: bool,
}

/// [`Open::end`] of a container of undefined length: past any offset.
const UNDEFINED_END: usize = usize::MAX;

#[derive(Clone, Copy, Debug)]
struct Open {
    entry: u32,
    /// Defined end (local offset), [`UNDEFINED_END`] for undefined length (a sentinel,
    /// not an `Option`: this is compared once per element).
    end: usize,
    is_item: bool,
    encapsulated: bool,
    /// Encoding of what is inside.
    mode: Mode,
    last_tag: u32,
}

/// The flat element table of one data set, plus what was learnt about the file.
///
/// An `Index` can be reused with [`Parser::parse_into`] so a hot loop reads files with
/// no allocation once its vectors have grown to the largest file seen.
#[derive(Clone, Default)]
pub struct Index {
    pub(crate) entries: Vec<Entry>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    stack: Vec<Open>,
    /// The inflated data set of a deflated file.
    pub(crate) inflated: Vec<u8>,
    pub(crate) deflated: bool,
    /// Offset of the file meta group (132 with a preamble, 0 without).
    pub(crate) meta_start: u32,
    /// Offset of the data set (after the meta group).
    pub(crate) data_start: u32,
    /// Length of the logical input (the inflated length for deflated files).
    pub(crate) logical_len: u32,
    /// Number of entries that belong to the file meta group.
    pub(crate) meta_entries: u32,
    pub(crate) preamble: bool,
    pub(crate) has_meta: bool,
    pub(crate) declared_ts: Option<TransferSyntax>,
    pub(crate) ts: Option<TransferSyntax>,
    pub(crate) stop: Option<Stop>,
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// Number of entries in the element table (items and delimiters included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.diagnostics.clear();
        self.stack.clear();
        self.inflated.clear();
        self.deflated = false;
        self.meta_start = 0;
        self.data_start = 0;
        self.logical_len = 0;
        self.meta_entries = 0;
        self.preamble = false;
        self.has_meta = false;
        self.declared_ts = None;
        self.ts = None;
        self.stop = None;
    }
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("entries", &self.entries.len())
            .field("transfer_syntax", &self.ts)
            .field("deflated", &self.deflated)
            .field("stop", &self.stop)
            .field("diagnostics", &self.diagnostics)
            .finish()
    }
}

/// A reader holding a configuration; cheap to create and clone.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::{Encoder, Index, ParseConfig, Parser, Tag, TransferSyntax, Vr};
/// let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
/// enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"ID42")?;
/// let bytes = enc.finish()?;
///
/// let parser = Parser::new(ParseConfig::default());
/// let mut index = Index::new();
/// for _ in 0..3 {
///     let ds = parser.parse_into(&bytes, &mut index)?;
///     assert_eq!(ds.get_str(Tag::new(0x0010, 0x0020)).as_deref(), Some("ID42"));
/// }
/// # Ok::<(), carewire_dicom_lite::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Parser {
    config: ParseConfig,
}

impl Parser {
    /// A reader with the given configuration.
    pub fn new(config: ParseConfig) -> Parser {
        Parser { config }
    }

    /// The configuration.
    pub fn config(&self) -> &ParseConfig {
        &self.config
    }

    /// Reads `input` into a data set that owns its index.
    ///
    /// # Errors
    /// See [`DataSet::parse`](crate::DataSet::parse).
    pub fn parse<'a>(&self, input: &'a [u8]) -> Result<crate::DataSet<'a>> {
        let mut index = Index::new();
        scan(input, &self.config, &mut index)?;
        Ok(crate::DataSet::from_parts(
            input,
            std::borrow::Cow::Owned(index),
        ))
    }

    /// Reads `input` into a caller-provided index, reusing its allocations.
    ///
    /// # Errors
    /// See [`DataSet::parse`](crate::DataSet::parse).
    pub fn parse_into<'a>(
        &self,
        input: &'a [u8],
        index: &'a mut Index,
    ) -> Result<crate::DataSet<'a>> {
        scan(input, &self.config, index)?;
        Ok(crate::DataSet::from_parts(
            input,
            std::borrow::Cow::Borrowed(index),
        ))
    }
}

#[inline]
fn u16_at(data: &[u8], pos: usize, be: bool) -> Option<u16> {
    let b: [u8; 2] = data.get(pos..pos.checked_add(2)?)?.try_into().ok()?;
    Some(if be {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    })
}

#[inline]
fn u32_at(data: &[u8], pos: usize, be: bool) -> Option<u32> {
    let b: [u8; 4] = data.get(pos..pos.checked_add(4)?)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

#[inline]
fn tag_at(data: &[u8], pos: usize, be: bool) -> Option<Tag> {
    Some(Tag::new(u16_at(data, pos, be)?, u16_at(data, pos + 2, be)?))
}

#[inline]
fn off(base: usize, local: usize) -> u32 {
    // Inputs (and inflated data sets) are limited to u32::MAX bytes (checked in `scan`
    // and `inflate`), and every offset is within them, so the cast never truncates; it
    // is a plain cast because this runs several times per element.
    debug_assert!(base
        .checked_add(local)
        .is_some_and(|o| o <= u32::MAX as usize));
    base.wrapping_add(local) as u32
}

/// Reports a repair, or refuses it in strict mode. Out of line: repairs are rare, and
/// keeping them out of the scanner's hot loop keeps its registers for the common case.
#[cold]
#[inline(never)]
fn repair(
    index: &mut Index,
    config: &ParseConfig,
    kind: DiagnosticKind,
    offset: usize,
    tag: Option<Tag>,
) -> Result<()> {
    if !config.allow_repairs {
        let e = Error::new(ErrorKind::Strict(kind), offset);
        return Err(match tag {
            Some(t) => e.with_tag(t),
            None => e,
        });
    }
    index.diagnostics.push(Diagnostic { kind, offset, tag });
    Ok(())
}

const PREAMBLE_LEN: usize = 128;

/// Does an explicit VR LE group-0002 element start at `pos`?
fn looks_like_meta(input: &[u8], pos: usize) -> bool {
    let group = u16_at(input, pos, false);
    let vr = input
        .get(pos + 4..pos + 6)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .and_then(Vr::from_bytes);
    group == Some(0x0002) && vr.is_some()
}

/// Guesses the encoding of a bare data set (PS3.5 has no marker): implicit VR unless the
/// bytes after the first tag name a VR; then the byte order under which more of the
/// first elements read sensibly (valid VRs, lengths that fit).
fn detect(data: &[u8]) -> TransferSyntax {
    let vr_ok = data
        .get(4..6)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .and_then(Vr::from_bytes)
        .is_some();
    if !vr_ok {
        return TransferSyntax::ImplicitVrLittleEndian;
    }
    let (be_run, le_run) = (explicit_run(data, true), explicit_run(data, false));
    // On a tie (a few bytes that read sensibly either way), the smaller, even group wins:
    // a big-endian (0008,xxxx) reads as group 0800 little-endian.
    let le = u16_at(data, 0, false).unwrap_or(0);
    let be = u16_at(data, 0, true).unwrap_or(0);
    if be_run > le_run || (be_run == le_run && be < le && be % 2 == 0) {
        TransferSyntax::ExplicitVrBigEndian
    } else {
        TransferSyntax::ExplicitVrLittleEndian
    }
}

/// How many of the first (up to 8) headers read sensibly as explicit VR in this byte
/// order, stepping into sequences and items rather than over them.
fn explicit_run(data: &[u8], be: bool) -> usize {
    let mut pos = 0usize;
    let mut n = 0;
    let mut last_group = 0u16;
    while n < 8 && pos + 8 <= data.len() {
        let Some(tag) = tag_at(data, pos, be) else {
            break;
        };
        if matches!(
            tag,
            Tag::ITEM | Tag::ITEM_DELIMITATION | Tag::SEQUENCE_DELIMITATION
        ) {
            pos += 8;
            n += 1;
            continue;
        }
        let Some(vr) = data
            .get(pos + 4..pos + 6)
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .and_then(Vr::from_bytes)
        else {
            break;
        };
        let (len, header) = if vr.has_long_header() {
            (u32_at(data, pos + 8, be).unwrap_or(0), 12)
        } else {
            (u32::from(u16_at(data, pos + 6, be).unwrap_or(0)), 8)
        };
        // Groups rarely go down at the start of a data set; a swapped reading often does.
        if tag.group() < last_group && n > 0 {
            break;
        }
        last_group = tag.group();
        if vr == Vr::Sq || len == UNDEFINED_LENGTH {
            pos += header;
        } else {
            pos = pos + header + len as usize;
            if pos > data.len() {
                break;
            }
        }
        n += 1;
    }
    n
}

/// Checks that the first element of `data` reads sensibly in `ts`; when it does not and
/// another uncompressed encoding does, returns that one.
fn check_declared(data: &[u8], ts: TransferSyntax) -> Option<TransferSyntax> {
    if data.len() < 8 {
        return None;
    }
    let vr_ok = data
        .get(4..6)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .and_then(Vr::from_bytes)
        .is_some();
    if ts.is_explicit_vr() && !vr_ok {
        // Declared explicit, but the VR bytes are not a VR: implicit, if its length fits.
        let len = u32_at(data, 4, false)? as usize;
        if len == UNDEFINED_LENGTH as usize || len <= data.len() - 8 {
            return Some(TransferSyntax::ImplicitVrLittleEndian);
        }
    } else if !ts.is_explicit_vr() && vr_ok {
        let len = u32_at(data, 4, false)? as usize;
        if len != UNDEFINED_LENGTH as usize && len > data.len() - 8 {
            return Some(detect(data));
        }
    }
    None
}

pub(crate) fn scan(input: &[u8], config: &ParseConfig, index: &mut Index) -> Result<()> {
    index.clear();
    if input.is_empty() {
        return Err(Error::new(ErrorKind::Empty, 0));
    }
    let max = config.max_input_len.min(u32::MAX as usize);
    if input.len() > max {
        return Err(Error::new(ErrorKind::InputTooLong { max }, max));
    }

    // Part 10: 128-byte preamble + "DICM" + an explicit VR LE group-0002 element. Checking
    // the element too avoids the trap of "DICM" bytes inside a value of a bare data set.
    let meta_start = if input.get(PREAMBLE_LEN..PREAMBLE_LEN + 4) == Some(b"DICM")
        && looks_like_meta(input, PREAMBLE_LEN + 4)
    {
        index.preamble = true;
        PREAMBLE_LEN + 4
    } else if input.get(..4) == Some(b"DICM") && looks_like_meta(input, 4) {
        repair(index, config, DiagnosticKind::MissingPreamble, 0, None)?;
        4
    } else if looks_like_meta(input, 0) {
        repair(index, config, DiagnosticKind::MissingPreamble, 0, None)?;
        0
    } else {
        usize::MAX
    };

    let mut data_start = 0;
    if meta_start != usize::MAX {
        index.has_meta = true;
        index.meta_start = off(0, meta_start);
        let meta = input.get(meta_start..).unwrap_or_default();
        let mode = Mode {
            explicit: true,
            big_endian: false,
        };
        let end = scan_stream(meta, meta_start, mode, true, config, index)?;
        data_start = meta_start + end;
        index.meta_entries = off(0, index.entries.len());
        check_meta_length(input, meta_start, data_start, config, index)?;
        let declared = index
            .entries
            .iter()
            .find(|e| e.tag == Tag::TRANSFER_SYNTAX_UID && e.depth == 0)
            .and_then(|e| input.get(e.value_start as usize..e.value_end as usize))
            .map(|uid| TransferSyntax::from_uid(trim_uid(uid)));
        index.declared_ts = declared;
        if declared.is_none() {
            repair(
                index,
                config,
                DiagnosticKind::NoFileMeta,
                meta_start,
                Some(Tag::TRANSFER_SYNTAX_UID),
            )?;
        }
    } else if config.transfer_syntax.is_none() {
        // A bare data set: its transfer syntax is guessed, which strict mode refuses.
        repair(index, config, DiagnosticKind::NoFileMeta, 0, None)?;
    }
    index.data_start = off(0, data_start);
    let raw_data = input.get(data_start..).unwrap_or_default();

    let mut ts = match (config.transfer_syntax, index.declared_ts) {
        (Some(ts), _) => ts,
        (None, Some(ts)) => ts,
        (None, None) => detect(raw_data),
    };

    if ts.is_deflated() {
        inflate(raw_data, data_start, config, &mut index.inflated)?;
        index.deflated = true;
    }
    let (mismatch, data_len) = {
        let data: &[u8] = if index.deflated {
            &index.inflated
        } else {
            raw_data
        };
        let check = config.transfer_syntax.is_none() && index.declared_ts.is_some();
        (
            check.then(|| check_declared(data, ts)).flatten(),
            data.len(),
        )
    };
    if let Some(actual) = mismatch {
        repair(
            index,
            config,
            DiagnosticKind::TransferSyntaxMismatch,
            data_start,
            None,
        )?;
        ts = actual;
    }
    index.ts = Some(ts);
    index.logical_len = off(data_start, data_len);
    let mode = Mode {
        explicit: ts.is_explicit_vr(),
        big_endian: ts.is_big_endian(),
    };
    // Borrow juggling: the inflated buffer lives in the index we also write entries to.
    if index.deflated {
        let inflated = std::mem::take(&mut index.inflated);
        let r = scan_stream(&inflated, data_start, mode, false, config, index);
        index.inflated = inflated;
        r?;
    } else {
        scan_stream(raw_data, data_start, mode, false, config, index)?;
    }
    Ok(())
}

fn check_meta_length(
    input: &[u8],
    meta_start: usize,
    data_start: usize,
    config: &ParseConfig,
    index: &mut Index,
) -> Result<()> {
    let Some(first) = index.entries.first().copied() else {
        return Ok(());
    };
    if first.tag != Tag::FILE_META_GROUP_LENGTH || first.value_end - first.value_start != 4 {
        return Ok(());
    }
    let declared = u32_at(input, first.value_start as usize, false).unwrap_or(0) as usize;
    if first.value_end as usize + declared != data_start {
        repair(
            index,
            config,
            DiagnosticKind::MetaGroupLengthMismatch,
            meta_start,
            Some(Tag::FILE_META_GROUP_LENGTH),
        )?;
    }
    Ok(())
}

fn inflate(raw: &[u8], at: usize, config: &ParseConfig, out: &mut Vec<u8>) -> Result<()> {
    let max = config
        .max_inflated_len
        .min((u32::MAX as usize).saturating_sub(at));
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut decoder = flate2::read::DeflateDecoder::new(raw).take(limit);
    out.clear();
    decoder
        .read_to_end(out)
        .map_err(|_| Error::new(ErrorKind::InvalidDeflate, at))?;
    if out.len() > max {
        return Err(Error::new(ErrorKind::InflatedTooLong { max }, at));
    }
    Ok(())
}

/// Scans elements from `data` (whose first byte is at logical offset `base`) until the
/// end, a stop condition, or (for the meta group) the first element of another group.
/// Returns the local offset where scanning ended.
fn scan_stream(
    data: &[u8],
    base: usize,
    root: Mode,
    meta: bool,
    config: &ParseConfig,
    index: &mut Index,
) -> Result<usize> {
    let mut pos = 0usize;
    let mut root_last_tag = 0u32;
    index.stack.clear();
    let mut seq_depth = 0usize;
    loop {
        // Close defined-length containers that end here; the innermost one still open
        // is `cur` (`has_top`), or the root sentinel. Not an `Option<Open>`: this is
        // read on every element, and scalars stay in registers.
        let cur = loop {
            let Some(top) = index.stack.last().copied() else {
                break Open {
                    entry: NONE,
                    end: UNDEFINED_END,
                    is_item: false,
                    encapsulated: false,
                    mode: root,
                    last_tag: root_last_tag,
                };
            };
            match top.end {
                end if pos >= end => {
                    if pos > end {
                        let tag = index.entries.get(top.entry as usize).map(|e| e.tag);
                        repair(
                            index,
                            config,
                            DiagnosticKind::ContainerOverrun,
                            base + end,
                            tag,
                        )?;
                    }
                    close(index, top.entry);
                    index.stack.pop();
                    if !top.is_item {
                        seq_depth = seq_depth.saturating_sub(1);
                    }
                }
                _ => break top,
            }
        };
        // Entries on the stack always name a real entry.
        let has_top = cur.entry != NONE;
        if pos >= data.len() {
            break;
        }
        let mode = cur.mode;
        let rem = data.len() - pos;
        let at_top = !has_top && !meta;
        let limit = config.max_header_len.filter(|_| at_top);
        if rem < 8 && limit.is_some_and(|m| base + data.len() >= m) {
            // A header cut by the header size limit: stop here (the caller may refill).
            index.stop = Some(Stop {
                reason: StopReason::HeaderLimit,
                offset: base + pos,
            });
            return Ok(pos);
        }
        if rem < 8 {
            if meta && !has_top {
                break;
            }
            if !has_top && data.get(pos..).is_some_and(|b| b.iter().all(|&x| x == 0)) {
                // Zero padding after the last element.
                repair(
                    index,
                    config,
                    DiagnosticKind::TrailingBytes,
                    base + pos,
                    None,
                )?;
                break;
            }
            if !has_top || config.allow_repairs {
                repair(
                    index,
                    config,
                    DiagnosticKind::TrailingBytes,
                    base + pos,
                    None,
                )?;
                break;
            }
            return Err(Error::new(ErrorKind::TruncatedHeader, base + pos));
        }
        // The first 8 bytes of any header (tag + VR + 16-bit length, or tag + 32-bit
        // length), read once.
        let Some(h8) = data
            .get(pos..pos.saturating_add(8))
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
        else {
            return Err(Error::new(ErrorKind::TruncatedHeader, base + pos));
        };
        // Tag, 32-bit length (implicit VR, items, delimiters) and 16-bit length or
        // reserved field (explicit VR), from one 64-bit read in the stream's byte order.
        let (tag, implicit_len, len16) = if mode.big_endian {
            let w = u64::from_be_bytes(h8);
            (Tag((w >> 32) as u32), w as u32, w as u16)
        } else {
            let w = u64::from_le_bytes(h8);
            (
                Tag((w as u32).rotate_left(16)),
                (w >> 32) as u32,
                (w >> 48) as u16,
            )
        };
        if index.entries.len() >= config.max_elements {
            return Err(Error::new(
                ErrorKind::TooManyElements {
                    max: config.max_elements,
                },
                base + pos,
            ));
        }
        if meta && !has_top && tag.group() != 0x0002 {
            break;
        }
        let parent = cur.entry;

        if tag.is_delimiter_group() {
            let len = implicit_len;
            let mut entry = Entry {
                tag,
                start: off(base, pos),
                value_start: off(base, pos + 8),
                value_end: off(base, pos + 8),
                len,
                parent,
                next: off(0, index.entries.len() + 1),
                depth: u16::try_from(seq_depth).unwrap_or(u16::MAX),
                reserved: 0,
                vr: Vr::Un,
                vr_raw: [0, 0],
                kind: ElementKind::Item,
                form: Form::Implicit,
                big_endian: mode.big_endian,
            };
            match tag {
                Tag::ITEM => {
                    let t = match (has_top && !cur.is_item).then_some(cur) {
                        Some(t) => t,
                        None => {
                            // An item outside any sequence (a writer lost the sequence
                            // header): read it as an item of its own, so the elements in
                            // and after it are still found.
                            repair(
                                index,
                                config,
                                DiagnosticKind::ItemOutsideSequence,
                                base + pos,
                                Some(tag),
                            )?;
                            Open {
                                entry: parent,
                                end: cur.end,
                                is_item: false,
                                encapsulated: false,
                                mode,
                                last_tag: 0,
                            }
                        }
                    };
                    if t.encapsulated {
                        if len == UNDEFINED_LENGTH {
                            return Err(Error::new(ErrorKind::UnexpectedDelimiter, base + pos)
                                .with_tag(tag));
                        }
                        let end = value_end(data, pos + 8, len, base, pos, tag)?;
                        entry.kind = ElementKind::Fragment;
                        entry.value_end = off(base, end);
                        if len % 2 == 1 {
                            repair(
                                index,
                                config,
                                DiagnosticKind::OddLength,
                                base + pos,
                                Some(tag),
                            )?;
                        }
                        check_within(index, config, t, end, base)?;
                        index.entries.push(entry);
                        pos = end;
                    } else {
                        let end = if len == UNDEFINED_LENGTH {
                            None
                        } else {
                            let end = value_end(data, pos + 8, len, base, pos, tag)?;
                            entry.value_end = off(base, end);
                            check_within(index, config, t, end, base)?;
                            Some(end)
                        };
                        let at = off(0, index.entries.len());
                        index.entries.push(entry);
                        index.stack.push(Open {
                            entry: at,
                            end: end.unwrap_or(UNDEFINED_END),
                            is_item: true,
                            encapsulated: false,
                            mode: t.mode,
                            last_tag: 0,
                        });
                        pos += 8;
                    }
                }
                Tag::ITEM_DELIMITATION => {
                    entry.kind = ElementKind::ItemDelimitation;
                    if len != 0 {
                        repair(
                            index,
                            config,
                            DiagnosticKind::NonZeroDelimiterLength,
                            base + pos,
                            Some(tag),
                        )?;
                    }
                    match has_top.then_some(cur) {
                        Some(t) if t.is_item && t.end == UNDEFINED_END => {
                            set_value_end(index, t.entry, off(base, pos));
                            index.entries.push(entry);
                            close(index, t.entry);
                            index.stack.pop();
                        }
                        _ => {
                            repair(
                                index,
                                config,
                                DiagnosticKind::StrayDelimiter,
                                base + pos,
                                Some(tag),
                            )?;
                            index.entries.push(entry);
                        }
                    }
                    pos += 8;
                }
                Tag::SEQUENCE_DELIMITATION => {
                    entry.kind = ElementKind::SequenceDelimitation;
                    if len != 0 {
                        repair(
                            index,
                            config,
                            DiagnosticKind::NonZeroDelimiterLength,
                            base + pos,
                            Some(tag),
                        )?;
                    }
                    // An undefined-length item left open: its delimiter is missing.
                    while let Some(t) = index.stack.last().copied() {
                        if !(t.is_item && t.end == UNDEFINED_END) {
                            break;
                        }
                        let tag = index.entries.get(t.entry as usize).map(|e| e.tag);
                        repair(
                            index,
                            config,
                            DiagnosticKind::MissingItemDelimiter,
                            base + pos,
                            tag,
                        )?;
                        set_value_end(index, t.entry, off(base, pos));
                        close(index, t.entry);
                        index.stack.pop();
                    }
                    match index.stack.last().copied() {
                        Some(t) if !t.is_item && t.end == UNDEFINED_END => {
                            entry.parent = t.entry;
                            set_value_end(index, t.entry, off(base, pos));
                            index.entries.push(entry);
                            close(index, t.entry);
                            index.stack.pop();
                            seq_depth = seq_depth.saturating_sub(1);
                        }
                        t => {
                            repair(
                                index,
                                config,
                                DiagnosticKind::StrayDelimiter,
                                base + pos,
                                Some(tag),
                            )?;
                            entry.parent = t.map_or(NONE, |t| t.entry);
                            index.entries.push(entry);
                        }
                    }
                    pos += 8;
                }
                _ => {
                    return Err(
                        Error::new(ErrorKind::UnexpectedDelimiter, base + pos).with_tag(tag)
                    );
                }
            }
            continue;
        }

        // A data element. Inside a sequence it must be inside an item.
        if let Some(t) = (has_top && !cur.is_item).then_some(cur) {
            if t.encapsulated || t.end == UNDEFINED_END {
                // The sequence delimiter is missing: the sequence ended before this element.
                let kind = DiagnosticKind::MissingSequenceDelimiter;
                let seq_tag = index.entries.get(t.entry as usize).map(|e| e.tag);
                repair(index, config, kind, base + pos, seq_tag)?;
                set_value_end(index, t.entry, off(base, pos));
                close(index, t.entry);
                index.stack.pop();
                seq_depth = seq_depth.saturating_sub(1);
                continue;
            }
            repair(
                index,
                config,
                DiagnosticKind::ElementOutsideItem,
                base + pos,
                Some(tag),
            )?;
        }

        // Stop conditions apply to the top level only.
        if !has_top && !meta {
            let pixel = matches!(
                tag,
                Tag::PIXEL_DATA | Tag::FLOAT_PIXEL_DATA | Tag::DOUBLE_FLOAT_PIXEL_DATA
            );
            let reason = if config.stop_before_pixel_data && pixel {
                Some(StopReason::PixelData)
            } else if config.stop_after.is_some_and(|s| tag > s) {
                Some(StopReason::AfterTag)
            } else if config.max_header_len.is_some_and(|m| base + pos >= m) {
                Some(StopReason::HeaderLimit)
            } else {
                None
            };
            if let Some(reason) = reason {
                index.stop = Some(Stop {
                    reason,
                    offset: base + pos,
                });
                return Ok(pos);
            }
        }

        // Header.
        let read_explicit = mode.explicit
            || (config.allow_repairs && {
                // Lengths must fit the nearest enclosing defined length, not just the input.
                let limit = index
                    .stack
                    .iter()
                    .rev()
                    .find_map(|t| (t.end != UNDEFINED_END).then_some(t.end))
                    .unwrap_or(data.len())
                    .min(data.len());
                explicit_in_implicit(data.get(..limit).unwrap_or(data), pos, tag, implicit_len)
            });
        let (vr, vr_raw, form, len, header, reserved) = if read_explicit {
            let vr_raw = [h8[4], h8[5]];
            match Vr::from_bytes(vr_raw) {
                Some(vr) if vr.has_long_header() => {
                    let reserved = len16;
                    let Some(len) = u32_at(data, pos + 8, mode.big_endian) else {
                        if limit.is_some_and(|m| base + data.len() >= m) {
                            index.stop = Some(Stop {
                                reason: StopReason::HeaderLimit,
                                offset: base + pos,
                            });
                            return Ok(pos);
                        }
                        return Err(
                            Error::new(ErrorKind::TruncatedHeader, base + pos).with_tag(tag)
                        );
                    };
                    (vr, vr_raw, Form::Long, len, 12, reserved)
                }
                Some(vr) => {
                    let len = len16;
                    (vr, vr_raw, Form::Short, u32::from(len), 8, 0)
                }
                None => {
                    return Err(Error::new(ErrorKind::InvalidVr, base + pos).with_tag(tag));
                }
            }
        } else {
            (
                dict::implicit_vr(tag),
                [0, 0],
                Form::Implicit,
                implicit_len,
                8,
                0,
            )
        };
        if read_explicit && !mode.explicit {
            repair(
                index,
                config,
                DiagnosticKind::ExplicitVrInImplicit,
                base + pos,
                Some(tag),
            )?;
        }
        // The encoding of what a sequence read here contains.
        let mode = Mode {
            explicit: read_explicit,
            big_endian: mode.big_endian,
        };

        // The header size limit also stops before an element whose value it cuts.
        if let Some(m) = limit {
            let end = if len == UNDEFINED_LENGTH {
                pos + header
            } else {
                (pos + header).saturating_add(len as usize)
            };
            if base.saturating_add(end) > m {
                index.stop = Some(Stop {
                    reason: StopReason::HeaderLimit,
                    offset: base + pos,
                });
                return Ok(pos);
            }
        }

        // Ordering within the current level (PS3.5 §7.1: ascending tags).
        let last = if has_top { cur.last_tag } else { root_last_tag };
        if tag.0 < last && config.allow_repairs {
            repair(
                index,
                config,
                DiagnosticKind::TagsOutOfOrder,
                base + pos,
                Some(tag),
            )?;
        }
        match index.stack.last_mut() {
            Some(t) => t.last_tag = tag.0,
            None => root_last_tag = tag.0,
        }

        let value_start = pos + header;
        let mut entry = Entry {
            tag,
            start: off(base, pos),
            value_start: off(base, value_start),
            value_end: off(base, value_start),
            len,
            parent,
            next: off(0, index.entries.len() + 1),
            depth: u16::try_from(seq_depth).unwrap_or(u16::MAX),
            reserved,
            vr,
            vr_raw,
            kind: ElementKind::Element,
            form,
            big_endian: mode.big_endian,
        };

        let container = if len == UNDEFINED_LENGTH {
            if tag == Tag::PIXEL_DATA && vr != Vr::Sq && vr != Vr::Un {
                Some((ElementKind::EncapsulatedPixelData, mode, true))
            } else if vr == Vr::Sq {
                Some((ElementKind::Sequence, mode, false))
            } else if vr == Vr::Un {
                // CP-246: UN of undefined length is a sequence encoded Implicit VR LE.
                let inner = Mode {
                    explicit: false,
                    big_endian: false,
                };
                if !mode.explicit {
                    entry.vr = Vr::Sq;
                }
                Some((ElementKind::Sequence, inner, false))
            } else {
                repair(
                    index,
                    config,
                    DiagnosticKind::UndefinedLengthNotSequence,
                    base + pos,
                    Some(tag),
                )?;
                if !mode.explicit {
                    entry.vr = Vr::Sq;
                }
                Some((ElementKind::Sequence, mode, false))
            }
        } else if vr == Vr::Sq
            && !read_explicit
            && len > 0
            && data.get(value_start..value_start + 4)
                != Some(&if mode.big_endian {
                    [0xFF, 0xFE, 0xE0, 0x00]
                } else {
                    [0xFE, 0xFF, 0x00, 0xE0]
                })
        {
            // Implicit VR: the dictionary says SQ but the value is no item (an element
            // whose VR changed between editions of PS3.6, e.g. (0040,A170), once CS):
            // read its bytes as UN rather than fail.
            entry.vr = Vr::Un;
            None
        } else if vr == Vr::Sq {
            Some((ElementKind::Sequence, mode, false))
        } else if vr == Vr::Un
            && len >= 8
            && data.get(value_start..value_start + 4) == Some(&[0xFE, 0xFF, 0x00, 0xE0][..])
        {
            // A defined-length UN (an implicit-VR private element, or CP-246 in explicit
            // VR) whose value starts with an item tag: a sequence in Implicit VR LE, as
            // pydicom and fo-dicom read it.
            if !mode.explicit {
                entry.vr = Vr::Sq;
            }
            let inner = Mode {
                explicit: false,
                big_endian: false,
            };
            Some((ElementKind::Sequence, inner, false))
        } else {
            None
        };

        match container {
            Some((kind, inner, encapsulated)) => {
                if seq_depth + 1 > config.max_depth {
                    return Err(Error::new(
                        ErrorKind::TooDeep {
                            max: config.max_depth,
                        },
                        base + pos,
                    )
                    .with_tag(tag));
                }
                let end = if len == UNDEFINED_LENGTH {
                    None
                } else {
                    let end = value_end(data, value_start, len, base, pos, tag)?;
                    entry.value_end = off(base, end);
                    if let Some(t) = has_top.then_some(cur) {
                        check_within(index, config, t, end, base)?;
                    }
                    Some(end)
                };
                entry.kind = kind;
                let at = off(0, index.entries.len());
                index.entries.push(entry);
                index.stack.push(Open {
                    entry: at,
                    end: end.unwrap_or(UNDEFINED_END),
                    is_item: false,
                    encapsulated,
                    mode: inner,
                    last_tag: 0,
                });
                seq_depth += 1;
                pos = value_start;
            }
            None => {
                let end = value_end(data, value_start, len, base, pos, tag)?;
                if len % 2 == 1 {
                    repair(
                        index,
                        config,
                        DiagnosticKind::OddLength,
                        base + pos,
                        Some(tag),
                    )?;
                }
                if let Some(t) = has_top.then_some(cur) {
                    check_within(index, config, t, end, base)?;
                }
                entry.value_end = off(base, end);
                index.entries.push(entry);
                pos = end;
            }
        }
    }

    // End of input with containers still open: their delimiters are missing.
    while let Some(t) = index.stack.pop() {
        if t.end == UNDEFINED_END {
            let kind = if t.is_item {
                DiagnosticKind::MissingItemDelimiter
            } else {
                DiagnosticKind::MissingSequenceDelimiter
            };
            let tag = index.entries.get(t.entry as usize).map(|e| e.tag);
            repair(index, config, kind, base + pos, tag)?;
            set_value_end(index, t.entry, off(base, pos.min(data.len())));
        }
        close(index, t.entry);
    }
    Ok(pos)
}

/// In an implicit-VR stream, does the element at `pos` look explicitly encoded (a vendor
/// error, e.g. Philips private sequences)? Only when the bytes after the tag name a VR,
/// the explicit reading fits in the input, and either the implicit reading does not fit
/// or the VR is a short-header one and the one the dictionary gives the tag.
fn explicit_in_implicit(data: &[u8], pos: usize, tag: Tag, implicit_len: u32) -> bool {
    let Some(vr) = data
        .get(pos + 4..pos + 6)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .and_then(Vr::from_bytes)
    else {
        return false;
    };
    let fits = |start: usize, len: u32| {
        len == UNDEFINED_LENGTH || start.saturating_add(len as usize) <= data.len()
    };
    let explicit_fits = if vr.has_long_header() {
        u32_at(data, pos + 8, false).is_some_and(|l| fits(pos + 12, l))
    } else {
        u16_at(data, pos + 6, false).is_some_and(|l| fits(pos + 8, u32::from(l)))
    };
    if !explicit_fits {
        return false;
    }
    // A short-header VR read as an implicit length is at least 0x4141 (16,705) bytes,
    // absurd for those VRs; for long-header VRs (pixel data!) it may be real, so those
    // need the implicit reading to fail.
    !fits(pos + 8, implicit_len)
        || (!vr.has_long_header() && dict::by_tag(tag).is_some_and(|e| e.vr == vr))
}

/// The end of a value of `len` bytes starting at `start`, checked against the input.
#[inline]
fn value_end(
    data: &[u8],
    start: usize,
    len: u32,
    base: usize,
    header_at: usize,
    tag: Tag,
) -> Result<usize> {
    match start.checked_add(len as usize) {
        Some(end) if end <= data.len() => Ok(end),
        _ => Err(exceeds(len, base + header_at, tag)),
    }
}

/// The error of a value running past the input (out of line: never on the hot path).
#[cold]
#[inline(never)]
fn exceeds(len: u32, offset: usize, tag: Tag) -> Error {
    Error::new(ErrorKind::ValueExceedsInput { declared: len }, offset).with_tag(tag)
}

/// Reports a value that runs past the defined end of its enclosing container.
fn check_within(
    index: &mut Index,
    config: &ParseConfig,
    container: Open,
    end: usize,
    base: usize,
) -> Result<()> {
    match container.end {
        // Never true for UNDEFINED_END.
        limit if end > limit => {
            let tag = index.entries.get(container.entry as usize).map(|e| e.tag);
            repair(
                index,
                config,
                DiagnosticKind::ContainerOverrun,
                base + limit,
                tag,
            )
        }
        _ => Ok(()),
    }
}

#[inline]
fn set_value_end(index: &mut Index, entry: u32, value_end: u32) {
    if let Some(e) = index.entries.get_mut(entry as usize) {
        e.value_end = value_end;
    }
}

#[inline]
fn close(index: &mut Index, entry: u32) {
    let next = off(0, index.entries.len());
    if let Some(e) = index.entries.get_mut(entry as usize) {
        e.next = next;
    }
}
