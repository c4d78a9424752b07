//! Borrowed views: [`DataSet`] and [`Element`].

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use crate::charset::CharacterSet;
use crate::config::ParseConfig;
use crate::error::{Diagnostic, Result};
use crate::parse::{scan, ElementKind, Entry, Index, Stop, NONE, UNDEFINED_LENGTH};
use crate::tag::{Tag, Vr};
use crate::ts::TransferSyntax;
use crate::value::{parse_ds, parse_is, trim_value, Date, DateTime, PersonName, Time};

/// A read data set: the input bytes plus a flat table of element spans.
///
/// Reading is one pass; values are decoded when asked for. `Debug` shows structure
/// (counts, transfer syntax), never values.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};
/// let mut enc = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
/// enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"CT")?;
/// enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane")?;
/// let bytes = enc.finish()?;
///
/// let ds = DataSet::parse(&bytes)?; // a bare data set: implicit VR LE detected
/// assert_eq!(ds.transfer_syntax(), TransferSyntax::ImplicitVrLittleEndian);
/// assert_eq!(ds.get_str(Tag::new(0x0008, 0x0060)).as_deref(), Some("CT"));
/// let name = ds.get(Tag::new(0x0010, 0x0010)).map(|e| e.to_str()).unwrap_or_default();
/// assert_eq!(carewire_dicom_lite::PersonName::parse(&name).alphabetic.given, "Jane");
/// # Ok::<(), carewire_dicom_lite::Error>(())
/// ```
#[derive(Clone)]
pub struct DataSet<'a> {
    input: &'a [u8],
    index: Cow<'a, Index>,
    charset: CharacterSet,
}

impl<'a> DataSet<'a> {
    pub(crate) fn from_parts(input: &'a [u8], index: Cow<'a, Index>) -> DataSet<'a> {
        let mut ds = DataSet {
            input,
            index,
            charset: CharacterSet::Default,
        };
        ds.charset = ds
            .get(Tag::SPECIFIC_CHARACTER_SET)
            .map_or(CharacterSet::Default, |e| CharacterSet::from_value(e.raw()));
        ds
    }

    /// Reads a Part 10 file or a bare data set with the default (lenient) configuration.
    ///
    /// A Part 10 file is recognised by `DICM` after a 128-byte preamble followed by a
    /// group-0002 element (a file meta group without preamble is accepted with a
    /// diagnostic). Without a file meta group, the transfer syntax is detected from the
    /// first element: explicit VR when its VR bytes name a VR, big-endian when the group
    /// reads smaller that way, else implicit VR little endian.
    ///
    /// # Errors
    /// [`ErrorKind::Empty`](crate::ErrorKind::Empty),
    /// [`ErrorKind::TruncatedHeader`](crate::ErrorKind::TruncatedHeader),
    /// [`ErrorKind::ValueExceedsInput`](crate::ErrorKind::ValueExceedsInput),
    /// [`ErrorKind::InvalidVr`](crate::ErrorKind::InvalidVr),
    /// [`ErrorKind::UnexpectedDelimiter`](crate::ErrorKind::UnexpectedDelimiter),
    /// [`ErrorKind::InvalidDeflate`](crate::ErrorKind::InvalidDeflate) and the limits of
    /// [`ParseConfig`].
    pub fn parse(input: &'a [u8]) -> Result<DataSet<'a>> {
        DataSet::parse_with(input, &ParseConfig::default())
    }

    /// Reads with the given configuration.
    ///
    /// # Errors
    /// As [`DataSet::parse`], plus each repair that `config` does not allow
    /// ([`ErrorKind::Strict`](crate::ErrorKind::Strict)).
    pub fn parse_with(input: &'a [u8], config: &ParseConfig) -> Result<DataSet<'a>> {
        let mut index = Index::new();
        scan(input, config, &mut index)?;
        Ok(DataSet::from_parts(input, Cow::Owned(index)))
    }

    /// The input bytes exactly as given.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.input
    }

    /// The index (for reuse or inspection).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Bytes `start..end` of the logical input (the inflated data set of a deflated file
    /// past the file meta group). Empty when out of range.
    pub(crate) fn slice(&self, start: u32, end: u32) -> &[u8] {
        let (s, e) = (start as usize, end as usize);
        let ds = self.index.data_start as usize;
        if self.index.deflated && s >= ds {
            self.index
                .inflated
                .get(s - ds..e.saturating_sub(ds))
                .unwrap_or_default()
        } else {
            self.input.get(s..e).unwrap_or_default()
        }
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.index.entries
    }

    /// The transfer syntax the data set was read in (override, file meta, detection, or
    /// the repaired one after a [`TransferSyntaxMismatch`](crate::DiagnosticKind::TransferSyntaxMismatch)).
    pub fn transfer_syntax(&self) -> TransferSyntax {
        self.index
            .ts
            .unwrap_or(TransferSyntax::ImplicitVrLittleEndian)
    }

    /// The transfer syntax named in the file meta group, if any.
    pub fn declared_transfer_syntax(&self) -> Option<TransferSyntax> {
        self.index.declared_ts
    }

    /// The 128-byte preamble of a Part 10 file, as read.
    pub fn preamble(&self) -> Option<&'a [u8]> {
        if self.index.preamble {
            self.input.get(..128)
        } else {
            None
        }
    }

    /// True when the input has a file meta group (0002).
    pub fn has_file_meta(&self) -> bool {
        self.index.has_meta
    }

    /// Byte offset where the data set (after the file meta group) starts.
    pub fn data_set_offset(&self) -> usize {
        self.index.data_start as usize
    }

    /// The Specific Character Set of the top-level data set.
    pub fn character_set(&self) -> CharacterSet {
        self.charset
    }

    /// Where and why reading stopped early, if it did.
    pub fn stopped(&self) -> Option<Stop> {
        self.index.stop
    }

    /// Repairs the lenient reader made, with byte offsets.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.index.diagnostics
    }

    /// Number of entries in the element table (file meta, items and delimiters included).
    pub fn entry_count(&self) -> usize {
        self.index.entries.len()
    }

    /// Entry `i` of the flat table (in file order), if present.
    pub fn entry(&self, i: usize) -> Option<Element<'_>> {
        self.index.entries.get(i).map(|_| Element { ds: self, i })
    }

    /// Every entry in file order: file meta elements, then the data set with sequences,
    /// items, fragments and delimiters interleaved where they occur.
    pub fn entries_iter(&self) -> impl Iterator<Item = Element<'_>> + '_ {
        (0..self.index.entries.len()).map(move |i| Element { ds: self, i })
    }

    /// The file meta group elements (0002).
    pub fn file_meta(&self) -> Siblings<'_> {
        Siblings {
            ds: self,
            next: 0,
            end: self.index.meta_entries as usize,
        }
    }

    /// The top-level data set elements (file meta excluded), in file order.
    pub fn elements(&self) -> Siblings<'_> {
        Siblings {
            ds: self,
            next: self.index.meta_entries as usize,
            end: self.index.entries.len(),
        }
    }

    /// The top-level element (or file meta element) with `tag`.
    pub fn get(&self, tag: Tag) -> Option<Element<'_>> {
        if tag.group() == 0x0002 {
            return self.file_meta().find(|e| e.tag() == tag);
        }
        self.elements().find(|e| e.tag() == tag)
    }

    /// The top-level private element `element` (0x00-0xFF) of the block reserved by
    /// `creator` in private `group` (PS3.5 §7.8.1): the creator is looked up among
    /// (gggg,0010-00FF), so `(0029, "SIEMENS CSA HEADER", 0x10)` finds (0029,1010) when
    /// (0029,0010) holds that creator, or (0029,1110) when (0029,0011) does.
    ///
    /// # Examples
    /// ```
    /// use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};
    /// let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    /// enc.element(Tag::new(0x0029, 0x0010), Vr::Lo, b"OTHER")?;
    /// enc.element(Tag::new(0x0029, 0x0011), Vr::Lo, b"SIEMENS CSA HEADER")?;
    /// enc.element(Tag::new(0x0029, 0x1110), Vr::Ob, b"CSA!")?;
    /// let bytes = enc.finish()?;
    /// let ds = DataSet::parse(&bytes)?;
    /// let e = ds.get_private(0x0029, "SIEMENS CSA HEADER", 0x10);
    /// assert_eq!(e.map(|e| e.tag()), Some(Tag::new(0x0029, 0x1110)));
    /// # Ok::<(), carewire_dicom_lite::Error>(())
    /// ```
    pub fn get_private(&self, group: u16, creator: &str, element: u8) -> Option<Element<'_>> {
        private_in(self.elements(), group, creator, element)
    }

    /// The decoded, trimmed text of the top-level element `tag` (all values, `\` kept).
    pub fn get_str(&self, tag: Tag) -> Option<Cow<'_, str>> {
        self.get(tag).map(|e| e.to_str())
    }

    /// The top-level pixel data, if present and read.
    pub fn pixel_data(&self) -> Option<PixelData<'_>> {
        let e = self.get(Tag::PIXEL_DATA)?;
        Some(match e.kind() {
            ElementKind::EncapsulatedPixelData => PixelData::Encapsulated(Fragments {
                items: e.children(),
            }),
            _ => PixelData::Native(e),
        })
    }
}

impl fmt::Debug for DataSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataSet")
            .field("len", &self.input.len())
            .field("transfer_syntax", &self.transfer_syntax())
            .field("entries", &self.index.entries.len())
            .field("preamble", &self.index.preamble)
            .field("stopped", &self.index.stop)
            .field("diagnostics", &self.index.diagnostics.len())
            .finish()
    }
}

/// One entry of the element table: a data element, sequence, item, fragment or
/// delimiter. Cheap to copy; borrows the data set.
///
/// `Debug` shows tag, VR, kind, length and depth, never the value.
#[derive(Clone, Copy)]
pub struct Element<'d> {
    ds: &'d DataSet<'d>,
    i: usize,
}

impl<'d> Element<'d> {
    fn e(&self) -> Entry {
        // `i` is always a valid index (checked on construction).
        self.ds
            .index
            .entries
            .get(self.i)
            .copied()
            .unwrap_or(EMPTY_ENTRY)
    }

    /// Position in the flat table.
    pub fn position(&self) -> usize {
        self.i
    }

    /// The tag.
    pub fn tag(&self) -> Tag {
        self.e().tag
    }

    /// The VR: as written in explicit-VR data, from the dictionary in implicit-VR data
    /// (UN when unknown, SQ for sequences). Items and delimiters have UN.
    pub fn vr(&self) -> Vr {
        self.e().vr
    }

    /// What this entry is.
    pub fn kind(&self) -> ElementKind {
        self.e().kind
    }

    /// The length field as read ([`UNDEFINED_LENGTH`] for undefined length).
    pub fn declared_len(&self) -> u32 {
        self.e().len
    }

    /// True for a sequence, item or pixel data of undefined length.
    pub fn is_undefined_length(&self) -> bool {
        self.e().len == UNDEFINED_LENGTH
    }

    /// True when the element was read in big-endian byte order (Explicit VR BE).
    pub fn is_big_endian(&self) -> bool {
        self.e().big_endian
    }

    /// Number of enclosing sequences (0 at the top level).
    pub fn depth(&self) -> usize {
        usize::from(self.e().depth)
    }

    /// Byte offset of the header.
    pub fn offset(&self) -> usize {
        self.e().start as usize
    }

    /// Byte range of the value in the (logical) input; for sequences and items, the
    /// range of their content.
    pub fn value_span(&self) -> Range<usize> {
        let e = self.e();
        e.value_start as usize..e.value_end as usize
    }

    /// The value bytes exactly as stored (padding included). For sequences and items,
    /// the bytes of their content.
    pub fn raw(&self) -> &'d [u8] {
        let e = self.e();
        self.ds.slice(e.value_start, e.value_end)
    }

    /// The enclosing item (for an element in a sequence item), sequence (for an item,
    /// fragment or sequence delimiter), or `None` at the top level.
    pub fn parent(&self) -> Option<Element<'d>> {
        let p = self.e().parent;
        (p != NONE).then_some(Element {
            ds: self.ds,
            i: p as usize,
        })
    }

    /// The direct children: items (and the delimiter) of a sequence, elements of an item,
    /// fragments of encapsulated pixel data. Empty for other entries.
    pub fn children(&self) -> Siblings<'d> {
        let e = self.e();
        Siblings {
            ds: self.ds,
            next: self.i + 1,
            end: (e.next as usize).max(self.i + 1),
        }
    }

    /// The items of a sequence (delimiters skipped).
    pub fn items(&self) -> impl Iterator<Item = Element<'d>> + 'd {
        self.children().filter(|c| c.kind() == ElementKind::Item)
    }

    /// The element with `tag` directly inside this item.
    pub fn get(&self, tag: Tag) -> Option<Element<'d>> {
        self.children().find(|c| c.tag() == tag)
    }

    /// The private element `element` of the block reserved by `creator` in `group`,
    /// directly inside this item (see [`DataSet::get_private`]).
    pub fn get_private(&self, group: u16, creator: &str, element: u8) -> Option<Element<'d>> {
        private_in(self.children(), group, creator, element)
    }

    /// The character set in force for this element: the nearest enclosing item's own
    /// Specific Character Set (PS3.5 §6.1.2.3: items may override it), else the data
    /// set's.
    pub fn character_set(&self) -> CharacterSet {
        let mut p = self.parent();
        while let Some(item) = p {
            if item.kind() == ElementKind::Item {
                if let Some(cs) = item.get(Tag::SPECIFIC_CHARACTER_SET) {
                    return CharacterSet::from_value(cs.raw());
                }
            }
            p = item.parent();
        }
        self.ds.charset
    }

    /// The value as text: decoded in the character set in force (for SH, LO, UC, ST, LT,
    /// UT and PN; other string VRs are ASCII by definition) with trailing padding
    /// trimmed (and leading spaces, except for LT, ST and UT). Borrowed when no decoding
    /// was needed. Multiple values stay joined by `\`.
    pub fn to_str(&self) -> Cow<'d, str> {
        let vr = self.vr();
        let raw = self.raw();
        let cs = if vr.uses_character_set() || vr == Vr::Un {
            self.character_set()
        } else {
            CharacterSet::Default
        };
        let keep_leading = matches!(vr, Vr::Lt | Vr::St | Vr::Ut);
        match cs.decode(raw) {
            Cow::Borrowed(s) => Cow::Borrowed(trim_value(s, keep_leading)),
            Cow::Owned(s) => Cow::Owned(trim_value(&s, keep_leading).to_owned()),
        }
    }

    /// The values of a multi-valued string, split on `\` after decoding (each trimmed).
    /// LT, ST, UT and UR hold one value, backslashes included.
    ///
    /// # Examples
    /// ```
    /// use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};
    /// let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    /// enc.element(Tag::new(0x0008, 0x0008), Vr::Cs, b"ORIGINAL\\PRIMARY\\AXIAL ")?;
    /// let bytes = enc.finish()?;
    /// let ds = DataSet::parse(&bytes)?;
    /// let e = ds.get(Tag::new(0x0008, 0x0008)).ok_or(carewire_dicom_lite::Error::new(
    ///     carewire_dicom_lite::ErrorKind::Empty, 0))?;
    /// assert_eq!(e.strings(), ["ORIGINAL", "PRIMARY", "AXIAL"]);
    /// # Ok::<(), carewire_dicom_lite::Error>(())
    /// ```
    pub fn strings(&self) -> Vec<String> {
        let text = self.to_str();
        if !self.vr().is_multi_valued_string() {
            return vec![text.into_owned()];
        }
        if text.is_empty() {
            return Vec::new();
        }
        text.split('\\')
            .map(|s| trim_value(s, false).to_owned())
            .collect()
    }

    /// The first value as a date (DA).
    pub fn date(&self) -> Option<Date> {
        self.strings().first().and_then(|s| Date::parse(s))
    }

    /// The first value as a time (TM).
    pub fn time(&self) -> Option<Time> {
        self.strings().first().and_then(|s| Time::parse(s))
    }

    /// The first value as a date-time (DT).
    pub fn datetime(&self) -> Option<DateTime> {
        self.strings().first().and_then(|s| DateTime::parse(s))
    }

    /// Applies `f` to the first person name value (PN), which borrows the decoded text.
    pub fn with_person_name<R>(&self, f: impl FnOnce(PersonName<'_>) -> R) -> Option<R> {
        let text = self.to_str();
        let first = text.split('\\').next()?;
        Some(f(PersonName::parse(first)))
    }

    /// The values of a DS element as numbers (tolerant of spaces, `+` and leading
    /// zeros); `None` entries are values that do not parse.
    pub fn decimals(&self) -> Vec<Option<f64>> {
        self.strings().iter().map(|s| parse_ds(s)).collect()
    }

    /// The values of an IS element as integers (tolerant as [`Element::decimals`]).
    pub fn integers(&self) -> Vec<Option<i64>> {
        self.strings().iter().map(|s| parse_is(s)).collect()
    }

    /// A UI value without its NUL/space padding (ASCII by definition).
    pub fn uid(&self) -> &'d str {
        let raw = crate::ts::trim_uid(self.raw());
        std::str::from_utf8(raw).unwrap_or("")
    }

    fn words<const N: usize>(&self) -> impl Iterator<Item = [u8; N]> + 'd {
        self.raw()
            .chunks_exact(N)
            .filter_map(|c| <[u8; N]>::try_from(c).ok())
    }

    /// US / OW values in the file's byte order.
    pub fn u16s(&self) -> Vec<u16> {
        let be = self.e().big_endian;
        self.words::<2>()
            .map(|b| {
                if be {
                    u16::from_be_bytes(b)
                } else {
                    u16::from_le_bytes(b)
                }
            })
            .collect()
    }

    /// SS values in the file's byte order.
    pub fn i16s(&self) -> Vec<i16> {
        let be = self.e().big_endian;
        self.words::<2>()
            .map(|b| {
                if be {
                    i16::from_be_bytes(b)
                } else {
                    i16::from_le_bytes(b)
                }
            })
            .collect()
    }

    /// UL / OL values in the file's byte order.
    pub fn u32s(&self) -> Vec<u32> {
        let be = self.e().big_endian;
        self.words::<4>()
            .map(|b| {
                if be {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                }
            })
            .collect()
    }

    /// SL values in the file's byte order.
    pub fn i32s(&self) -> Vec<i32> {
        let be = self.e().big_endian;
        self.words::<4>()
            .map(|b| {
                if be {
                    i32::from_be_bytes(b)
                } else {
                    i32::from_le_bytes(b)
                }
            })
            .collect()
    }

    /// UV / OV values in the file's byte order.
    pub fn u64s(&self) -> Vec<u64> {
        let be = self.e().big_endian;
        self.words::<8>()
            .map(|b| {
                if be {
                    u64::from_be_bytes(b)
                } else {
                    u64::from_le_bytes(b)
                }
            })
            .collect()
    }

    /// SV values in the file's byte order.
    pub fn i64s(&self) -> Vec<i64> {
        let be = self.e().big_endian;
        self.words::<8>()
            .map(|b| {
                if be {
                    i64::from_be_bytes(b)
                } else {
                    i64::from_le_bytes(b)
                }
            })
            .collect()
    }

    /// FL / OF values in the file's byte order.
    pub fn f32s(&self) -> Vec<f32> {
        let be = self.e().big_endian;
        self.words::<4>()
            .map(|b| {
                if be {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                }
            })
            .collect()
    }

    /// FD / OD values in the file's byte order.
    pub fn f64s(&self) -> Vec<f64> {
        let be = self.e().big_endian;
        self.words::<8>()
            .map(|b| {
                if be {
                    f64::from_be_bytes(b)
                } else {
                    f64::from_le_bytes(b)
                }
            })
            .collect()
    }

    /// AT values: attribute tags, each as group then element in the file's byte order.
    pub fn tags(&self) -> Vec<Tag> {
        let be = self.e().big_endian;
        self.words::<4>()
            .map(|b| {
                let (g, e) = ([b[0], b[1]], [b[2], b[3]]);
                if be {
                    Tag::new(u16::from_be_bytes(g), u16::from_be_bytes(e))
                } else {
                    Tag::new(u16::from_le_bytes(g), u16::from_le_bytes(e))
                }
            })
            .collect()
    }

    /// The first binary value widened to u64 (US, UL, UV, and non-negative SS, SL, SV) —
    /// handy for Rows, Columns, Bits Allocated.
    pub fn uint(&self) -> Option<u64> {
        match self.vr() {
            Vr::Us | Vr::Ow => self.u16s().first().map(|&v| u64::from(v)),
            Vr::Ul | Vr::Ol => self.u32s().first().map(|&v| u64::from(v)),
            Vr::Uv | Vr::Ov => self.u64s().first().copied(),
            Vr::Ss => self.i16s().first().and_then(|&v| u64::try_from(v).ok()),
            Vr::Sl => self.i32s().first().and_then(|&v| u64::try_from(v).ok()),
            Vr::Sv => self.i64s().first().and_then(|&v| u64::try_from(v).ok()),
            Vr::Is => self
                .integers()
                .first()
                .copied()
                .flatten()
                .and_then(|v| u64::try_from(v).ok()),
            _ => None,
        }
    }
}

fn private_in<'d>(
    level: Siblings<'d>,
    group: u16,
    creator: &str,
    element: u8,
) -> Option<Element<'d>> {
    if group % 2 == 0 {
        return None;
    }
    let block = level
        .clone()
        .filter(|e| e.tag().group() == group && e.tag().is_private_creator())
        .find(|e| {
            let raw = e.raw();
            let text = trim_value(std::str::from_utf8(raw).unwrap_or(""), false);
            text == creator.trim()
        })?
        .tag()
        .element();
    let tag = Tag::new(group, (block << 8) | u16::from(element));
    level.clone().find(|e| e.tag() == tag)
}

const EMPTY_ENTRY: Entry = Entry {
    tag: Tag(0),
    start: 0,
    value_start: 0,
    value_end: 0,
    len: 0,
    parent: NONE,
    next: 0,
    depth: 0,
    reserved: 0,
    vr: Vr::Un,
    vr_raw: [0, 0],
    kind: ElementKind::Element,
    form: crate::parse::Form::Implicit,
    big_endian: false,
};

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.e();
        f.debug_struct("Element")
            .field("tag", &e.tag)
            .field("vr", &e.vr)
            .field("kind", &e.kind)
            .field("len", &e.len)
            .field("depth", &e.depth)
            .field("offset", &e.start)
            .finish()
    }
}

/// Entries at one level: top-level elements, an item's elements, a sequence's items.
#[derive(Clone)]
pub struct Siblings<'d> {
    ds: &'d DataSet<'d>,
    next: usize,
    end: usize,
}

impl<'d> Iterator for Siblings<'d> {
    type Item = Element<'d>;

    fn next(&mut self) -> Option<Element<'d>> {
        if self.next >= self.end {
            return None;
        }
        let e = self.ds.index.entries.get(self.next)?;
        let i = self.next;
        self.next = (e.next as usize).max(i + 1);
        Some(Element { ds: self.ds, i })
    }
}

impl fmt::Debug for Siblings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Siblings")
            .field("next", &self.next)
            .field("end", &self.end)
            .finish()
    }
}

/// Pixel data: a native value, or encapsulated fragments.
#[derive(Clone, Debug)]
pub enum PixelData<'d> {
    /// Native (uncompressed) pixel data: one value.
    Native(Element<'d>),
    /// Encapsulated pixel data (PS3.5 §A.4).
    Encapsulated(Fragments<'d>),
}

/// The items of encapsulated pixel data: the Basic Offset Table, then the fragments.
#[derive(Clone, Debug)]
pub struct Fragments<'d> {
    items: Siblings<'d>,
}

impl<'d> Fragments<'d> {
    /// The Basic Offset Table item (first item; may be empty). Its value holds u32
    /// little-endian offsets of each frame's first fragment.
    pub fn basic_offset_table(&self) -> Option<Element<'d>> {
        self.items
            .clone()
            .find(|e| e.kind() == ElementKind::Fragment)
    }

    /// The Basic Offset Table values (empty when the table is empty).
    pub fn offsets(&self) -> Vec<u32> {
        self.basic_offset_table()
            .map(|b| {
                b.raw()
                    .chunks_exact(4)
                    .filter_map(|c| <[u8; 4]>::try_from(c).ok())
                    .map(u32::from_le_bytes)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The fragments after the Basic Offset Table, each with its value span.
    pub fn fragments(&self) -> impl Iterator<Item = Element<'d>> + 'd {
        self.items
            .clone()
            .filter(|e| e.kind() == ElementKind::Fragment)
            .skip(1)
    }
}
