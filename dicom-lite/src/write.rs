//! Writers: the byte-exact writer for data sets as read, and the [`Encoder`] that writes
//! new data sets in the uncompressed transfer syntaxes.

use crate::dataset::DataSet;
use crate::error::{Error, ErrorKind, Result};
use crate::parse::{ElementKind, Entry, Form, UNDEFINED_LENGTH};
use crate::tag::{Tag, Vr};
use crate::ts::TransferSyntax;

fn put_u16(out: &mut Vec<u8>, v: u16, be: bool) {
    out.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

fn put_u32(out: &mut Vec<u8>, v: u32, be: bool) {
    out.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

fn put_tag(out: &mut Vec<u8>, tag: Tag, be: bool) {
    put_u16(out, tag.group(), be);
    put_u16(out, tag.element(), be);
}

/// Writes an entry's header from what the index recorded (tag, VR bytes, form, length).
fn put_header(out: &mut Vec<u8>, e: &Entry) {
    let be = e.big_endian;
    put_tag(out, e.tag, be);
    match e.form {
        Form::Implicit => put_u32(out, e.len, be),
        Form::Short => {
            out.extend_from_slice(&e.vr_raw);
            put_u16(out, u16::try_from(e.len).unwrap_or(u16::MAX), be);
        }
        Form::Long => {
            out.extend_from_slice(&e.vr_raw);
            put_u16(out, e.reserved, be);
            put_u32(out, e.len, be);
        }
    }
}

impl DataSet<'_> {
    /// Appends the data set to `out` exactly as it was read: preamble, file meta, headers
    /// regenerated from the element table (tags, VRs, lengths — undefined ones included —
    /// and delimiters as read), values and padding as stored, and any bytes not read
    /// (after a stop, or trailing) copied unchanged. An unmodified data set writes back
    /// byte-for-byte identical.
    ///
    /// A deflated data set is written back as the original deflate stream (re-deflating
    /// would not reproduce the same bytes).
    ///
    /// # Examples
    /// ```
    /// use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};
    /// let mut enc = Encoder::new(TransferSyntax::ExplicitVrBigEndian);
    /// enc.element(Tag::new(0x0028, 0x0010), Vr::Us, &512u16.to_be_bytes())?;
    /// let bytes = enc.finish()?;
    /// let ds = DataSet::parse(&bytes)?;
    /// assert_eq!(ds.to_vec(), bytes);
    /// # Ok::<(), carewire_dicom_lite::Error>(())
    /// ```
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let index = self.index();
        let input = self.as_bytes();
        let meta_start = index.meta_start as usize;
        out.extend_from_slice(input.get(..meta_start).unwrap_or_default());
        let mut cursor = index.meta_start;
        let entries = self.entries();
        let meta_entries = index.meta_entries as usize;
        let emit = |out: &mut Vec<u8>, e: &Entry, cursor: &mut u32| {
            if e.start > *cursor {
                out.extend_from_slice(self.slice(*cursor, e.start));
            }
            put_header(out, e);
            match e.kind {
                ElementKind::Element | ElementKind::Fragment => {
                    out.extend_from_slice(self.slice(e.value_start, e.value_end));
                    *cursor = e.value_end;
                }
                _ => *cursor = e.value_start,
            }
        };
        for e in entries.iter().take(meta_entries) {
            emit(out, e, &mut cursor);
        }
        if index.deflated {
            out.extend_from_slice(input.get(cursor as usize..).unwrap_or_default());
            return;
        }
        for e in entries.iter().skip(meta_entries) {
            emit(out, e, &mut cursor);
        }
        if cursor < index.logical_len {
            out.extend_from_slice(self.slice(cursor, index.logical_len));
        }
    }

    /// The data set written as by [`DataSet::write_to`].
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.as_bytes().len());
        self.write_to(&mut out);
        out
    }
}

/// The Implementation Class UID (0002,0012) this crate writes: a UUID-derived UID
/// (`2.25.` + the UUID as a decimal integer, PS3.5 §B.2), fixed for carewire-dicom-lite.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.46636049617659888473339771833051324780";

#[derive(Clone, Copy, Debug)]
struct OpenContainer {
    /// Where the 32-bit length field is (to patch a defined length), if defined.
    len_at: Option<usize>,
    /// First byte of the content.
    content_start: usize,
    is_item: bool,
}

/// Writes a data set in an uncompressed transfer syntax, element by element, into a
/// `Vec<u8>` (sans-IO). Values are padded to even length with the VR's padding byte;
/// sequences and items are written with defined lengths (patched when closed) or
/// undefined lengths and delimiters, as asked.
///
/// Binary values must already be in the target byte order.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};
/// let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
/// enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^John")?;
/// enc.begin_sequence(Tag::new(0x0040, 0x0275), false)?; // undefined length
/// enc.begin_item(true)?; // defined length, patched on end_item
/// enc.element(Tag::new(0x0040, 0x0009), Vr::Sh, b"SPS1")?;
/// enc.end_item()?;
/// enc.end_sequence()?;
/// let bytes = enc.finish()?;
///
/// let ds = DataSet::parse(&bytes)?;
/// let seq = ds.get(Tag::new(0x0040, 0x0275)).ok_or(carewire_dicom_lite::Error::new(
///     carewire_dicom_lite::ErrorKind::Empty, 0))?;
/// let item = seq.items().next().ok_or(carewire_dicom_lite::Error::new(
///     carewire_dicom_lite::ErrorKind::Empty, 0))?;
/// assert_eq!(item.get(Tag::new(0x0040, 0x0009)).map(|e| e.to_str()).as_deref(), Some("SPS1"));
/// # Ok::<(), carewire_dicom_lite::Error>(())
/// ```
pub struct Encoder {
    out: Vec<u8>,
    ts: TransferSyntax,
    stack: Vec<OpenContainer>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes written hold values: only their count is shown.
        f.debug_struct("Encoder")
            .field("transfer_syntax", &self.ts)
            .field("len", &self.out.len())
            .field("open", &self.stack.len())
            .finish()
    }
}

impl Encoder {
    /// An encoder for a bare data set in `ts` (one of the three uncompressed syntaxes;
    /// any other is written as Explicit VR Little Endian).
    pub fn new(ts: TransferSyntax) -> Encoder {
        Encoder {
            out: Vec::new(),
            ts,
            stack: Vec::new(),
        }
    }

    /// An encoder that writes a Part 10 file: `preamble` (128 bytes), `DICM`, and a file
    /// meta group holding (0002,0000), (0002,0001), (0002,0002), (0002,0003), (0002,0010)
    /// and (0002,0012) ([`IMPLEMENTATION_CLASS_UID`]), then the data set in `ts`.
    ///
    /// # Errors
    /// [`ErrorKind::Unencodable`] when a UID is longer than 64 bytes.
    pub fn part10(
        preamble: [u8; 128],
        ts: TransferSyntax,
        sop_class_uid: &str,
        sop_instance_uid: &str,
    ) -> Result<Encoder> {
        for uid in [sop_class_uid, sop_instance_uid] {
            if uid.len() > 64 {
                return Err(Error::new(ErrorKind::Unencodable, 0));
            }
        }
        let mut meta = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
        meta.element(Tag::new(0x0002, 0x0001), Vr::Ob, &[0, 1])?;
        meta.element(Tag::new(0x0002, 0x0002), Vr::Ui, sop_class_uid.as_bytes())?;
        meta.element(
            Tag::new(0x0002, 0x0003),
            Vr::Ui,
            sop_instance_uid.as_bytes(),
        )?;
        let ts_uid = ts.uid().unwrap_or("1.2.840.10008.1.2.1");
        meta.element(Tag::TRANSFER_SYNTAX_UID, Vr::Ui, ts_uid.as_bytes())?;
        meta.element(
            Tag::new(0x0002, 0x0012),
            Vr::Ui,
            b"1.2.826.0.1.3680043.10.1546",
        )?;
        let body = meta.finish()?;
        let mut out = Vec::with_capacity(132 + 12 + body.len());
        out.extend_from_slice(&preamble);
        out.extend_from_slice(b"DICM");
        let mut head = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
        let len = u32::try_from(body.len()).map_err(|_| Error::new(ErrorKind::Unencodable, 0))?;
        head.element(Tag::FILE_META_GROUP_LENGTH, Vr::Ul, &len.to_le_bytes())?;
        out.extend_from_slice(&head.finish()?);
        out.extend_from_slice(&body);
        Ok(Encoder {
            out,
            ts,
            stack: Vec::new(),
        })
    }

    fn be(&self) -> bool {
        self.ts.is_big_endian()
    }

    fn explicit(&self) -> bool {
        self.ts.is_explicit_vr()
    }

    fn header(&mut self, tag: Tag, vr: Vr, len: u32) -> Result<Option<usize>> {
        let be = self.be();
        put_tag(&mut self.out, tag, be);
        if self.explicit() {
            self.out.extend_from_slice(&vr.to_bytes());
            if vr.has_long_header() {
                put_u16(&mut self.out, 0, be);
            } else {
                let short = u16::try_from(len).map_err(|_| {
                    Error::new(ErrorKind::Unencodable, self.out.len()).with_tag(tag)
                })?;
                put_u16(&mut self.out, short, be);
                return Ok(None);
            }
        }
        let at = self.out.len();
        put_u32(&mut self.out, len, be);
        Ok(Some(at))
    }

    /// Writes one element. The value is padded to even length with the VR's padding
    /// byte (space for text, NUL for UI and binary).
    ///
    /// # Errors
    /// [`ErrorKind::Unencodable`] when the value is too long for its header (over 65,534
    /// bytes in a short explicit header, or 4 GiB) or `vr` is SQ.
    pub fn element(&mut self, tag: Tag, vr: Vr, value: &[u8]) -> Result<()> {
        if vr == Vr::Sq {
            return Err(Error::new(ErrorKind::Unencodable, self.out.len()).with_tag(tag));
        }
        let padded = value.len() + value.len() % 2;
        let len = u32::try_from(padded)
            .ok()
            .filter(|&l| l != UNDEFINED_LENGTH)
            .ok_or_else(|| Error::new(ErrorKind::Unencodable, self.out.len()).with_tag(tag))?;
        self.header(tag, vr, len)?;
        self.out.extend_from_slice(value);
        if value.len() % 2 == 1 {
            self.out.push(vr.padding());
        }
        Ok(())
    }

    /// Opens a sequence; `defined_length` chooses a patched length or undefined length
    /// with a Sequence Delimitation Item.
    ///
    /// # Errors
    /// None today; reserved for limits.
    pub fn begin_sequence(&mut self, tag: Tag, defined_length: bool) -> Result<()> {
        let len_at = self.header(tag, Vr::Sq, UNDEFINED_LENGTH)?;
        self.stack.push(OpenContainer {
            len_at: if defined_length { len_at } else { None },
            content_start: self.out.len(),
            is_item: false,
        });
        Ok(())
    }

    /// Opens an item in the current sequence.
    ///
    /// # Errors
    /// [`ErrorKind::UnexpectedDelimiter`] when no sequence is open.
    pub fn begin_item(&mut self, defined_length: bool) -> Result<()> {
        if !self.stack.last().is_some_and(|c| !c.is_item) {
            return Err(Error::new(ErrorKind::UnexpectedDelimiter, self.out.len()));
        }
        let be = self.be();
        put_tag(&mut self.out, Tag::ITEM, be);
        let at = self.out.len();
        put_u32(&mut self.out, UNDEFINED_LENGTH, be);
        self.stack.push(OpenContainer {
            len_at: defined_length.then_some(at),
            content_start: self.out.len(),
            is_item: true,
        });
        Ok(())
    }

    fn close(&mut self, want_item: bool) -> Result<()> {
        let Some(open) = self
            .stack
            .last()
            .copied()
            .filter(|c| c.is_item == want_item)
        else {
            return Err(Error::new(ErrorKind::UnexpectedDelimiter, self.out.len()));
        };
        self.stack.pop();
        let be = self.be();
        match open.len_at {
            Some(at) => {
                let len = u32::try_from(self.out.len() - open.content_start)
                    .ok()
                    .filter(|&l| l != UNDEFINED_LENGTH)
                    .ok_or_else(|| Error::new(ErrorKind::Unencodable, at))?;
                let bytes = if be {
                    len.to_be_bytes()
                } else {
                    len.to_le_bytes()
                };
                if let Some(slot) = self.out.get_mut(at..at + 4) {
                    slot.copy_from_slice(&bytes);
                }
            }
            None => {
                let tag = if want_item {
                    Tag::ITEM_DELIMITATION
                } else {
                    Tag::SEQUENCE_DELIMITATION
                };
                put_tag(&mut self.out, tag, be);
                put_u32(&mut self.out, 0, be);
            }
        }
        Ok(())
    }

    /// Closes the current item.
    ///
    /// # Errors
    /// [`ErrorKind::UnexpectedDelimiter`] when no item is open;
    /// [`ErrorKind::Unencodable`] when its content exceeds 4 GiB.
    pub fn end_item(&mut self) -> Result<()> {
        self.close(true)
    }

    /// Closes the current sequence.
    ///
    /// # Errors
    /// As [`Encoder::end_item`], when no sequence is open.
    pub fn end_sequence(&mut self) -> Result<()> {
        self.close(false)
    }

    /// Number of bytes written so far.
    pub fn position(&self) -> usize {
        self.out.len()
    }

    /// Writes encapsulated pixel data (PS3.5 §A.4): an undefined-length header, one item
    /// per entry of `items` (the Basic Offset Table first, then the fragments), and a
    /// Sequence Delimitation Item.
    ///
    /// # Errors
    /// [`ErrorKind::Unencodable`] when the transfer syntax is not an encapsulated one or a
    /// fragment exceeds 4 GiB.
    pub fn fragments(&mut self, tag: Tag, vr: Vr, items: &[Vec<u8>]) -> Result<()> {
        if !self.ts.is_encapsulated() {
            return Err(Error::new(ErrorKind::Unencodable, self.out.len()).with_tag(tag));
        }
        self.header(tag, vr, UNDEFINED_LENGTH)?;
        let be = self.be();
        for item in items {
            let len = u32::try_from(item.len() + item.len() % 2)
                .ok()
                .filter(|&l| l != UNDEFINED_LENGTH)
                .ok_or_else(|| Error::new(ErrorKind::Unencodable, self.out.len()).with_tag(tag))?;
            put_tag(&mut self.out, Tag::ITEM, be);
            put_u32(&mut self.out, len, be);
            self.out.extend_from_slice(item);
            if item.len() % 2 == 1 {
                self.out.push(0);
            }
        }
        put_tag(&mut self.out, Tag::SEQUENCE_DELIMITATION, be);
        put_u32(&mut self.out, 0, be);
        Ok(())
    }

    /// Sets the 4-byte value that ends at `at` (a group length just written) to the
    /// number of bytes written since.
    pub(crate) fn patch_group_length(&mut self, at: usize) -> Result<()> {
        let len = u32::try_from(self.out.len().saturating_sub(at))
            .map_err(|_| Error::new(ErrorKind::Unencodable, at))?;
        let bytes = if self.be() {
            len.to_be_bytes()
        } else {
            len.to_le_bytes()
        };
        if let Some(slot) = self.out.get_mut(at.saturating_sub(4)..at) {
            slot.copy_from_slice(&bytes);
        }
        Ok(())
    }

    /// The bytes written.
    ///
    /// # Errors
    /// [`ErrorKind::UnexpectedDelimiter`] when a sequence or item is still open.
    pub fn finish(self) -> Result<Vec<u8>> {
        if !self.stack.is_empty() {
            return Err(Error::new(ErrorKind::UnexpectedDelimiter, self.out.len()));
        }
        Ok(self.out)
    }
}
