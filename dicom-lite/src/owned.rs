//! The owned, editable data set: [`DataSetBuf`], and its writer for the uncompressed
//! transfer syntaxes.

use std::fmt;

use crate::dataset::{DataSet, Element};
use crate::error::{Error, ErrorKind, Result};
use crate::parse::ElementKind;
use crate::tag::{Tag, Vr};
use crate::ts::TransferSyntax;
use crate::write::Encoder;

/// The value of an owned element.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueBuf {
    /// Bytes as stored, binary VRs in little-endian order (converted on import and
    /// export), padding included.
    Bytes(Vec<u8>),
    /// The items of a sequence.
    Sequence(Vec<ItemBuf>),
    /// Encapsulated pixel data: the Basic Offset Table, then the fragments.
    Fragments(Vec<Vec<u8>>),
}

/// An owned data element.
///
/// `Debug` shows tag, VR and size, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct ElementBuf {
    /// The tag.
    pub tag: Tag,
    /// The VR (SQ for sequences).
    pub vr: Vr,
    /// The value.
    pub value: ValueBuf,
    /// For sequences: written with undefined length and a delimiter (as read, or as set).
    pub undefined_length: bool,
}

impl fmt::Debug for ElementBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = match &self.value {
            ValueBuf::Bytes(b) => b.len(),
            ValueBuf::Sequence(items) => items.len(),
            ValueBuf::Fragments(frags) => frags.len(),
        };
        f.debug_struct("ElementBuf")
            .field("tag", &self.tag)
            .field("vr", &self.vr)
            .field("size", &size)
            .finish()
    }
}

/// An owned sequence item: elements sorted by tag.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ItemBuf {
    elements: Vec<ElementBuf>,
    /// Written with undefined length and an Item Delimitation Item.
    pub undefined_length: bool,
}

/// Shared editing operations of a data set and an item: elements kept sorted by tag.
macro_rules! element_ops {
    () => {
        /// The elements, sorted by tag.
        pub fn elements(&self) -> &[ElementBuf] {
            &self.elements
        }

        /// The elements, mutably, for in-crate passes that keep the tag order (values
        /// replaced, elements removed).
        pub(crate) fn elements_vec_mut(&mut self) -> &mut Vec<ElementBuf> {
            &mut self.elements
        }

        /// The element with `tag`.
        pub fn get(&self, tag: Tag) -> Option<&ElementBuf> {
            self.elements
                .binary_search_by_key(&tag, |e| e.tag)
                .ok()
                .and_then(|i| self.elements.get(i))
        }

        /// The element with `tag`, mutably.
        pub fn get_mut(&mut self, tag: Tag) -> Option<&mut ElementBuf> {
            match self.elements.binary_search_by_key(&tag, |e| e.tag) {
                Ok(i) => self.elements.get_mut(i),
                Err(_) => None,
            }
        }

        /// Inserts or replaces an element with a byte value (binary VRs in little-endian
        /// order). Returns the element it replaced.
        pub fn insert(
            &mut self,
            tag: Tag,
            vr: Vr,
            value: impl Into<Vec<u8>>,
        ) -> Option<ElementBuf> {
            self.insert_element(ElementBuf {
                tag,
                vr,
                value: ValueBuf::Bytes(value.into()),
                undefined_length: false,
            })
        }

        /// Inserts or replaces an element. Returns the element it replaced.
        pub fn insert_element(&mut self, element: ElementBuf) -> Option<ElementBuf> {
            match self.elements.binary_search_by_key(&element.tag, |e| e.tag) {
                Ok(i) => self
                    .elements
                    .get_mut(i)
                    .map(|slot| std::mem::replace(slot, element)),
                Err(i) => {
                    self.elements.insert(i, element);
                    None
                }
            }
        }

        /// Removes the element with `tag`, returning it.
        pub fn remove(&mut self, tag: Tag) -> Option<ElementBuf> {
            match self.elements.binary_search_by_key(&tag, |e| e.tag) {
                Ok(i) => Some(self.elements.remove(i)),
                Err(_) => None,
            }
        }

        /// The items of the sequence `tag`, mutably (`None` when `tag` is absent or not a
        /// sequence).
        pub fn sequence_mut(&mut self, tag: Tag) -> Option<&mut Vec<ItemBuf>> {
            match self.get_mut(tag).map(|e| &mut e.value) {
                Some(ValueBuf::Sequence(items)) => Some(items),
                _ => None,
            }
        }

        /// Inserts or replaces a sequence; `undefined_length` chooses how it is written.
        pub fn insert_sequence(
            &mut self,
            tag: Tag,
            items: Vec<ItemBuf>,
            undefined_length: bool,
        ) -> Option<ElementBuf> {
            self.insert_element(ElementBuf {
                tag,
                vr: Vr::Sq,
                value: ValueBuf::Sequence(items),
                undefined_length,
            })
        }
    };
}

impl ItemBuf {
    /// An empty item of defined length.
    pub fn new() -> ItemBuf {
        ItemBuf::default()
    }

    element_ops!();
}

/// An owned, editable data set: file meta and data set elements sorted by tag, binary
/// values little-endian. Written in any uncompressed transfer syntax with
/// [`DataSetBuf::write`]; group lengths are recomputed and (0002,0010) is set to the
/// syntax written.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::{DataSet, DataSetBuf, Encoder, Tag, TransferSyntax, Vr};
/// let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
/// enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane")?;
/// enc.element(Tag::new(0x0028, 0x0010), Vr::Us, &512u16.to_le_bytes())?;
/// let bytes = enc.finish()?;
///
/// let mut buf = DataSetBuf::from_view(&DataSet::parse(&bytes)?)?;
/// buf.insert(Tag::new(0x0010, 0x0020), Vr::Lo, b"NEW-ID".to_vec());
/// buf.remove(Tag::new(0x0010, 0x0010));
/// let out = buf.write(TransferSyntax::ExplicitVrBigEndian)?;
///
/// let back = DataSet::parse(&out)?;
/// assert_eq!(back.transfer_syntax(), TransferSyntax::ExplicitVrBigEndian);
/// assert_eq!(back.get_str(Tag::new(0x0010, 0x0020)).as_deref(), Some("NEW-ID"));
/// assert!(back.get(Tag::new(0x0010, 0x0010)).is_none());
/// assert_eq!(back.get(Tag::new(0x0028, 0x0010)).and_then(|e| e.uint()), Some(512));
/// # Ok::<(), carewire_dicom_lite::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct DataSetBuf {
    /// The 128-byte preamble; `None` writes a bare data set (no preamble, no meta).
    pub preamble: Option<Vec<u8>>,
    meta: Vec<ElementBuf>,
    elements: Vec<ElementBuf>,
}

impl fmt::Debug for DataSetBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataSetBuf")
            .field("preamble", &self.preamble.as_ref().map(Vec::len))
            .field("meta", &self.meta)
            .field("elements", &self.elements)
            .finish()
    }
}

fn swap_to_le(vr: Vr, bytes: &mut [u8]) {
    // AT is a pair of 16-bit values (PS3.5 §6.2).
    let width = if vr == Vr::At {
        Some(2)
    } else {
        vr.binary_width()
    };
    if let Some(w) = width {
        for chunk in bytes.chunks_exact_mut(w) {
            chunk.reverse();
        }
    }
}

fn element_from_view(e: &Element<'_>) -> Result<Option<ElementBuf>> {
    let undefined_length = e.is_undefined_length();
    Ok(Some(match e.kind() {
        ElementKind::Element => {
            let mut value = e.raw().to_vec();
            if e.is_big_endian() {
                swap_to_le(e.vr(), &mut value);
            }
            ElementBuf {
                tag: e.tag(),
                vr: e.vr(),
                value: ValueBuf::Bytes(value),
                undefined_length: false,
            }
        }
        ElementKind::Sequence => {
            let mut items = Vec::new();
            for item in e.items() {
                let mut buf = ItemBuf {
                    elements: Vec::new(),
                    undefined_length: item.is_undefined_length(),
                };
                for child in item.children() {
                    if let Some(el) = element_from_view(&child)? {
                        buf.insert_element(el);
                    }
                }
                items.push(buf);
            }
            ElementBuf {
                tag: e.tag(),
                vr: Vr::Sq,
                value: ValueBuf::Sequence(items),
                undefined_length,
            }
        }
        ElementKind::EncapsulatedPixelData => ElementBuf {
            tag: e.tag(),
            vr: e.vr(),
            value: ValueBuf::Fragments(
                e.children()
                    .filter(|c| c.kind() == ElementKind::Fragment)
                    .map(|c| c.raw().to_vec())
                    .collect(),
            ),
            undefined_length: true,
        },
        _ => return Ok(None),
    }))
}

impl DataSetBuf {
    /// An empty bare data set.
    pub fn new() -> DataSetBuf {
        DataSetBuf::default()
    }

    /// Copies a read data set into an owned one (items, fragments and file meta
    /// included; delimiters become the `undefined_length` flags).
    ///
    /// # Errors
    /// [`ErrorKind::Unencodable`] when the data set stopped early (a partial data set
    /// cannot be edited and written without losing the unread part).
    pub fn from_view(ds: &DataSet<'_>) -> Result<DataSetBuf> {
        if let Some(stop) = ds.stopped() {
            return Err(Error::new(ErrorKind::Unencodable, stop.offset));
        }
        let mut buf = DataSetBuf {
            preamble: ds.preamble().map(<[u8]>::to_vec),
            meta: Vec::new(),
            elements: Vec::new(),
        };
        if ds.has_file_meta() && buf.preamble.is_none() {
            buf.preamble = Some(vec![0; 128]);
        }
        for e in ds.file_meta() {
            if let Some(el) = element_from_view(&e)? {
                buf.meta.push(el);
            }
        }
        buf.meta.sort_by_key(|e| e.tag);
        for e in ds.elements() {
            if let Some(el) = element_from_view(&e)? {
                if el.tag.group() == 0x0002 {
                    // A file meta element the lenient reader met inside the data set (after
                    // a stray element): it belongs to the file meta group.
                    if let Err(i) = buf.meta.binary_search_by_key(&el.tag, |m| m.tag) {
                        buf.meta.insert(i, el);
                    }
                    continue;
                }
                buf.insert_element(el);
            }
        }
        Ok(buf)
    }

    element_ops!();

    /// The elements written in the data set, before and after group 0002: that group is
    /// file meta only (an element of it inserted with [`DataSetBuf::insert`] would read
    /// back as a second file meta group), so it is left out.
    fn data_set_parts(&self) -> (&[ElementBuf], &[ElementBuf]) {
        let start = self.elements.partition_point(|e| e.tag.group() < 0x0002);
        let end = self.elements.partition_point(|e| e.tag.group() <= 0x0002);
        (
            self.elements.get(..start).unwrap_or_default(),
            self.elements.get(end..).unwrap_or_default(),
        )
    }

    /// The file meta elements (group 0002), sorted by tag.
    pub fn file_meta(&self) -> &[ElementBuf] {
        &self.meta
    }

    /// Removes the file meta element `tag`, returning it.
    pub fn remove_meta(&mut self, tag: Tag) -> Option<ElementBuf> {
        match self.meta.binary_search_by_key(&tag, |e| e.tag) {
            Ok(i) => Some(self.meta.remove(i)),
            Err(_) => None,
        }
    }

    /// Inserts or replaces a file meta element (group 0002).
    pub fn insert_meta(&mut self, tag: Tag, vr: Vr, value: impl Into<Vec<u8>>) {
        let el = ElementBuf {
            tag,
            vr,
            value: ValueBuf::Bytes(value.into()),
            undefined_length: false,
        };
        match self.meta.binary_search_by_key(&tag, |e| e.tag) {
            Ok(i) => {
                if let Some(slot) = self.meta.get_mut(i) {
                    *slot = el;
                }
            }
            Err(i) => self.meta.insert(i, el),
        }
    }

    /// Writes the data set in `ts` (Implicit VR LE, Explicit VR LE, Explicit VR BE, or
    /// Deflated Explicit VR LE; an encapsulated syntax when the pixel data is already
    /// encapsulated): with the preamble and a file meta group when a preamble is set,
    /// else bare. Values are padded to even length; group lengths (gggg,0000) are
    /// recomputed; (0002,0010) names `ts`.
    ///
    /// # Errors
    /// [`ErrorKind::Unencodable`] for an unknown `ts`, the deflated syntax without a
    /// preamble (a bare deflated data set cannot be recognised), encapsulated pixel data
    /// in an uncompressed syntax, or a value too long for its header.
    pub fn write(&self, ts: TransferSyntax) -> Result<Vec<u8>> {
        if ts.uid().is_none() || (ts.is_deflated() && self.preamble.is_none()) {
            return Err(Error::new(ErrorKind::Unencodable, 0));
        }
        let mut out = Vec::new();
        if let Some(pre) = &self.preamble {
            let mut p = [0u8; 128];
            for (dst, src) in p.iter_mut().zip(pre.iter()) {
                *dst = *src;
            }
            out.extend_from_slice(&p);
            out.extend_from_slice(b"DICM");
            let mut meta = self.meta.clone();
            let uid = ts.uid().unwrap_or("1.2.840.10008.1.2.1");
            let mut uid_bytes = uid.as_bytes().to_vec();
            if uid_bytes.len() % 2 == 1 {
                uid_bytes.push(0);
            }
            let ts_el = ElementBuf {
                tag: Tag::TRANSFER_SYNTAX_UID,
                vr: Vr::Ui,
                value: ValueBuf::Bytes(uid_bytes),
                undefined_length: false,
            };
            // Exactly one Transfer Syntax UID, the one written (a lenient read may have
            // kept a repeated or mistyped one).
            meta.retain(|e| e.tag != Tag::TRANSFER_SYNTAX_UID);
            let at = meta.partition_point(|e| e.tag < Tag::TRANSFER_SYNTAX_UID);
            meta.insert(at, ts_el);
            let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
            write_elements(&mut enc, &meta, false)?;
            out.extend_from_slice(&enc.finish()?);
        }
        if ts.is_deflated() {
            // Deflated Explicit VR Little Endian (PS3.5 §A.5): the data set in Explicit VR
            // LE, then raw deflate (RFC 1951) after the file meta group.
            let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
            let (head, tail) = self.data_set_parts();
            write_elements(&mut enc, head, false)?;
            write_elements(&mut enc, tail, false)?;
            let body = enc.finish()?;
            let at = out.len();
            let mut z = flate2::write::DeflateEncoder::new(out, flate2::Compression::default());
            std::io::Write::write_all(&mut z, &body)
                .map_err(|_| Error::new(ErrorKind::Unencodable, at))?;
            return z
                .finish()
                .map_err(|_| Error::new(ErrorKind::Unencodable, at));
        }
        let mut enc = Encoder::new(ts);
        let (head, tail) = self.data_set_parts();
        write_elements(&mut enc, head, ts.is_big_endian())?;
        write_elements(&mut enc, tail, ts.is_big_endian())?;
        out.extend_from_slice(&enc.finish()?);
        Ok(out)
    }
}

fn write_elements(enc: &mut Encoder, elements: &[ElementBuf], big_endian: bool) -> Result<()> {
    let mut group_len_at: Option<(u16, usize)> = None;
    for el in elements {
        if let Some((group, at)) = group_len_at {
            if group != el.tag.group() {
                enc.patch_group_length(at)?;
                group_len_at = None;
            }
        }
        match &el.value {
            ValueBuf::Bytes(bytes) => {
                if el.tag.is_group_length() && el.vr == Vr::Ul && bytes.len() == 4 {
                    enc.element(el.tag, el.vr, &[0; 4])?;
                    group_len_at = Some((el.tag.group(), enc.position()));
                } else if big_endian && (el.vr.binary_width().is_some() || el.vr == Vr::At) {
                    let mut v = bytes.clone();
                    swap_to_le(el.vr, &mut v);
                    enc.element(el.tag, el.vr, &v)?;
                } else {
                    enc.element(el.tag, el.vr, bytes)?;
                }
            }
            ValueBuf::Sequence(items) => {
                enc.begin_sequence(el.tag, !el.undefined_length)?;
                for item in items {
                    enc.begin_item(!item.undefined_length)?;
                    write_elements(enc, &item.elements, big_endian)?;
                    enc.end_item()?;
                }
                enc.end_sequence()?;
            }
            ValueBuf::Fragments(frags) => enc.fragments(el.tag, el.vr, frags)?,
        }
    }
    if let Some((_, at)) = group_len_at {
        enc.patch_group_length(at)?;
    }
    Ok(())
}
