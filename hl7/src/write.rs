//! Writing: build a message from scratch or edit a parsed one, then serialize.
//!
//! Unmodified segments are written from the original bytes (delimiters, escapes,
//! trailing separators and terminators exactly as read); only edited segments are
//! re-joined. Values set with [`MessageBuilder::set`] are escaped; values set with
//! [`MessageBuilder::set_raw`] are written as given, so an escape read from a message is
//! never escaped twice.

use std::fmt;
use std::io;

use bytes::Bytes;

use crate::charset::Charset;
use crate::delim::Delimiters;
use crate::error::{Error, ErrorKind, Result};
use crate::escape::escape_into_mb;
use crate::mb::{Mb, SingleBytes};
use crate::message::{Message, MessageBuf};
use crate::parse::{field_slot, is_header_id, redacted_id, valid_segment_id, Slot};
use crate::path::Path;

/// One segment: untouched (`orig` holds its bytes) or edited (`fields` holds the stored
/// entries: entry 0 is the identifier; for MSH entry 1 is MSH-2).
#[derive(Clone)]
struct SegMut {
    orig: Option<Bytes>,
    fields: Vec<Vec<u8>>,
    trailer: Bytes,
}

impl SegMut {
    fn id(&self, field_sep: u8) -> &[u8] {
        match &self.orig {
            Some(b) => {
                let end = memchr::memchr(field_sep, b).unwrap_or(b.len());
                &b[..end]
            }
            None => self.fields.first().map_or(&[][..], |v| v.as_slice()),
        }
    }

    fn fields_mut(&mut self, field_sep: u8, mb: Mb) -> &mut Vec<Vec<u8>> {
        if let Some(b) = self.orig.take() {
            self.fields = split_mb(&b, field_sep, mb)
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
        }
        &mut self.fields
    }
}

/// Builds a new message or edits a parsed one, then writes it.
///
/// # Examples
/// Build from scratch:
/// ```
/// use carewire_hl7::{MessageBuilder, Message};
/// let mut b = MessageBuilder::new();
/// b.set("MSH-3", "EMR")?;
/// b.set("MSH-9.1", "ADT")?;
/// b.set("MSH-9.2", "A01")?;
/// b.set("PID-5.1", "O|Brien")?; // delimiters are escaped
/// let bytes = b.to_bytes();
/// assert_eq!(bytes, b"MSH|^~\\&|EMR||||||ADT^A01\rPID|||||O\\F\\Brien\r");
/// let msg = Message::parse(&bytes)?;
/// assert_eq!(msg.get_str("PID-5.1")?.as_deref(), Some("O|Brien"));
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
///
/// Edit a parsed message; untouched segments are copied byte for byte:
/// ```
/// use carewire_hl7::{MessageBuilder, Message};
/// let input = b"MSH|^~\\&|A\r\nPID|1||42\r\nPV1|1|I\r\n";
/// let msg = Message::parse(input)?;
/// let mut b = MessageBuilder::from_message(&msg);
/// assert_eq!(b.to_bytes(), input);
/// b.set("PV1-2", "O")?;
/// assert_eq!(b.to_bytes(), b"MSH|^~\\&|A\r\nPID|1||42\r\nPV1|1|O\r\n");
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
#[derive(Clone)]
pub struct MessageBuilder {
    delims: Delimiters,
    charset: Charset,
    prefix: Bytes,
    segments: Vec<SegMut>,
    terminator: Bytes,
}

impl Default for MessageBuilder {
    fn default() -> Self {
        MessageBuilder::new()
    }
}

impl MessageBuilder {
    /// A new message with the default delimiters `|^~\&` and only `MSH|^~\&`.
    pub fn new() -> MessageBuilder {
        MessageBuilder::with_delimiters(Delimiters::default())
    }

    /// A new message with the given delimiters.
    pub fn with_delimiters(delims: Delimiters) -> MessageBuilder {
        MessageBuilder {
            delims,
            charset: Charset::Utf8,
            prefix: Bytes::new(),
            segments: vec![SegMut {
                orig: None,
                fields: vec![b"MSH".to_vec(), delims.encoding_characters()],
                trailer: Bytes::from_static(b"\r"),
            }],
            terminator: Bytes::from_static(b"\r"),
        }
    }

    /// Starts from a parsed message (one copy of its bytes; no segment is re-joined
    /// until edited).
    pub fn from_message(msg: &Message<'_>) -> MessageBuilder {
        let orig = Bytes::copy_from_slice(msg.as_bytes());
        MessageBuilder::from_bytes_and(orig, msg)
    }

    /// Starts from an owned message without copying its bytes.
    pub fn from_buf(buf: &MessageBuf) -> MessageBuilder {
        MessageBuilder::from_bytes_and(buf.bytes().clone(), &buf.view())
    }

    fn from_bytes_and(orig: Bytes, msg: &Message<'_>) -> MessageBuilder {
        let segments: Vec<SegMut> = msg
            .segments()
            .map(|s| {
                let start = s.offset();
                let end = start + s.raw().len();
                SegMut {
                    orig: Some(orig.slice(start..end)),
                    fields: Vec::new(),
                    trailer: orig.slice(end..end + s.trailer().len()),
                }
            })
            .collect();
        // New segments get the terminator the message already uses (CR when unknown).
        let terminator = segments
            .iter()
            .map(|s| s.trailer.clone())
            .find(|t| !t.is_empty())
            .map(|t| {
                if t.starts_with(b"\r\n") {
                    Bytes::from_static(b"\r\n")
                } else if t.starts_with(b"\n") {
                    Bytes::from_static(b"\n")
                } else {
                    Bytes::from_static(b"\r")
                }
            })
            .unwrap_or_else(|| Bytes::from_static(b"\r"));
        MessageBuilder {
            delims: msg.delimiters(),
            charset: msg.charset(),
            prefix: orig.slice(0..msg.prefix().len()),
            segments,
            terminator,
        }
    }

    /// The delimiters used.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// Sets the character set values given to [`MessageBuilder::set`] are encoded in
    /// (default UTF-8; set MSH-18 to match).
    pub fn charset(&mut self, charset: Charset) -> &mut MessageBuilder {
        self.charset = charset;
        self
    }

    /// Number of segments.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The identifier of segment `pos` (0-based).
    pub fn segment_id(&self, pos: usize) -> Option<&[u8]> {
        self.segments.get(pos).map(|s| s.id(self.delims.field))
    }

    fn new_segment(&self, id: &str) -> Result<SegMut> {
        if !valid_segment_id(id.as_bytes()) || is_header_id(id.as_bytes()) {
            return Err(Error::new(ErrorKind::InvalidSegmentId, 0));
        }
        Ok(SegMut {
            orig: None,
            fields: vec![id.as_bytes().to_vec()],
            trailer: self.terminator.clone(),
        })
    }

    /// Appends an empty segment `id` and returns its position.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidSegmentId`] when `id` is not three upper-case letters/digits or
    /// is a header segment (MSH, BHS, FHS).
    pub fn add_segment(&mut self, id: &str) -> Result<usize> {
        let seg = self.new_segment(id)?;
        self.push_last(seg);
        Ok(self.segments.len() - 1)
    }

    /// Inserts an empty segment `id` at `pos` (1 ≤ pos ≤ count).
    ///
    /// # Errors
    /// As [`MessageBuilder::add_segment`], and [`ErrorKind::InvalidEdit`] for `pos` 0 or
    /// past the end.
    pub fn insert_segment(&mut self, pos: usize, id: &str) -> Result<()> {
        if pos == 0 || pos > self.segments.len() {
            return Err(Error::new(ErrorKind::InvalidEdit, 0));
        }
        let seg = self.new_segment(id)?;
        if pos == self.segments.len() {
            self.push_last(seg);
        } else {
            self.segments.insert(pos, seg);
        }
        Ok(())
    }

    /// Removes segment `pos` (MSH, at 0, cannot be removed).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidEdit`] for position 0 or past the end.
    pub fn remove_segment(&mut self, pos: usize) -> Result<()> {
        if pos == 0 || pos >= self.segments.len() {
            return Err(Error::new(ErrorKind::InvalidEdit, 0));
        }
        self.segments.remove(pos);
        Ok(())
    }

    /// Makes sure the last segment ends in a line break before one is appended, and
    /// returns what its trailer holds after the terminator and blank lines: the
    /// whitespace-only remainder of the input (spaces, tabs, NUL, an end-of-file SUB,
    /// possibly more line breaks), kept for byte-exact writing. Left in place, those
    /// bytes would start the new segment; the caller writes them after it instead.
    fn ensure_last_terminated(&mut self) -> Bytes {
        let Some(last) = self.segments.last_mut() else {
            return Bytes::new();
        };
        let keep = last
            .trailer
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .unwrap_or(last.trailer.len());
        let rest = last.trailer.slice(keep..);
        last.trailer = if keep == 0 {
            self.terminator.clone()
        } else {
            last.trailer.slice(..keep)
        };
        rest
    }

    /// Appends `seg` after the last segment, moving trailing bytes after it.
    fn push_last(&mut self, mut seg: SegMut) {
        let rest = self.ensure_last_terminated();
        if !rest.is_empty() {
            seg.trailer = Bytes::from([&seg.trailer[..], &rest[..]].concat());
        }
        self.segments.push(seg);
    }

    /// Position of the `occurrence`-th (1-based) segment `id`; when there are exactly
    /// `occurrence - 1` of them, a new one is appended.
    fn locate(&mut self, id: &[u8], occurrence: usize) -> Result<usize> {
        let mut seen = 0;
        for (i, s) in self.segments.iter().enumerate() {
            if s.id(self.delims.field) == id {
                seen += 1;
                if seen == occurrence {
                    return Ok(i);
                }
            }
        }
        if seen + 1 == occurrence {
            let id =
                std::str::from_utf8(id).map_err(|_| Error::new(ErrorKind::InvalidSegmentId, 0))?;
            return self.add_segment(id);
        }
        Err(Error::new(ErrorKind::InvalidEdit, 0))
    }

    /// Sets the value at `path` to `text`, encoding it in the builder's character set and
    /// escaping delimiters. A missing segment occurrence is appended; missing fields,
    /// repetitions and components are created empty.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPath`], [`ErrorKind::InvalidEdit`] (MSH-1/MSH-2, or a segment
    /// occurrence more than one past the last), [`ErrorKind::Unencodable`] (not in the
    /// character set, or a delimiter, CR or LF in a message that declares no escape
    /// character, or a GB 18030/Big5 message whose delimiters are not ASCII).
    pub fn set(&mut self, path: &str, text: &str) -> Result<&mut MessageBuilder> {
        let path = Path::parse(path)?;
        self.set_path(&path, text)
    }

    /// As [`MessageBuilder::set`] with a compiled path.
    ///
    /// # Errors
    /// As [`MessageBuilder::set`].
    pub fn set_path(&mut self, path: &Path, text: &str) -> Result<&mut MessageBuilder> {
        let encoded = self
            .charset
            .encode(text)
            .map_err(|at| Error::new(ErrorKind::Unencodable, at))?;
        if self.delims.escape().is_none() {
            // MSH-2 declares no escape character: a delimiter, CR or LF in the text
            // cannot be written so that it reads back (never write it corrupted).
            let d = self.delims;
            if let Some(at) = encoded
                .iter()
                .position(|&b| d.is_delimiter(b) || b == b'\r' || b == b'\n')
            {
                return Err(Error::new(ErrorKind::Unencodable, at));
            }
        }
        let mut raw = Vec::with_capacity(encoded.len());
        escape_into_mb(&encoded, &self.delims, &mut raw, Mb::of(self.charset));
        self.set_raw_path(path, &raw)
    }

    /// Sets the value at `path` to `raw` bytes exactly as given (already escaped; may
    /// contain delimiters to set a composite value at once).
    ///
    /// # Errors
    /// As [`MessageBuilder::set`].
    pub fn set_raw(&mut self, path: &str, raw: &[u8]) -> Result<&mut MessageBuilder> {
        let path = Path::parse(path)?;
        self.set_raw_path(&path, raw)
    }

    /// As [`MessageBuilder::set_raw`] with a compiled path.
    ///
    /// # Errors
    /// As [`MessageBuilder::set`].
    pub fn set_raw_path(&mut self, path: &Path, raw: &[u8]) -> Result<&mut MessageBuilder> {
        let d = self.delims;
        // A delimiter the character set never reads as a single byte is never read as a
        // delimiter: in GB 18030 and Big5 a byte 0x81-0xFE always begins a two-byte
        // character, and in the ISO 2022 sets ESC always begins an escape sequence (HL7 v2.x
        // ch. 2.5.4 wants printable ASCII delimiters). Refuse the edit rather than write a
        // message that reads back differently (found by fuzzing; see fuzz_regressions.rs).
        let unusable = |b: &u8| match Mb::of(self.charset) {
            Mb::Transparent => false,
            Mb::LeadByte => (0x81..=0xFE).contains(b),
            Mb::Iso2022 => *b == 0x1B,
        };
        if [
            d.field,
            d.component,
            d.repetition,
            d.escape,
            d.subcomponent,
            d.truncation,
        ]
        .iter()
        .any(unusable)
        {
            return Err(Error::new(ErrorKind::Unencodable, 0));
        }
        let pos = self.locate(path.segment(), path.occurrence())?;
        let header = pos == 0 || is_header_id(path.segment());
        let k = match field_slot(header, path.field()) {
            Some(Slot::Stored(k)) => k,
            _ => return Err(Error::new(ErrorKind::InvalidEdit, 0)),
        };
        let mb = Mb::of(self.charset);
        // Fields are split as the scanner splits them: MSH byte-wise (its MSH-18 is not known
        // until it has been scanned), every other segment in the message's character set.
        let field_mb = if pos == 0 { Mb::Transparent } else { mb };
        let fields = self.segments[pos].fields_mut(d.field, field_mb);
        // The new value is computed before anything changes, so a refused edit leaves the
        // message as it was.
        let current = fields.get(k).map_or(&[][..], Vec::as_slice);
        let value = match (path.repetition(), path.component()) {
            (None, None) => raw.to_vec(),
            (rep, comp) => {
                let r = rep.unwrap_or(1);
                let levels: Vec<(u8, usize)> = [
                    Some((d.repetition, r)),
                    comp.map(|c| (d.component, c)),
                    path.subcomponent().map(|s| (d.subcomponent, s)),
                ]
                .into_iter()
                .flatten()
                .collect();
                replace_nested(current, &levels, raw, d.field, mb)?
            }
        };
        let old_len = fields.len();
        if fields.len() <= k {
            fields.resize(k + 1, Vec::new());
        }
        let old = std::mem::replace(&mut fields[k], value);
        // In a multi-byte set a field ending inside a character (a dangling GB 18030 lead
        // byte, an ISO 2022 two-byte mode left on) would swallow the separator written after
        // it. Check that the segment splits back into the same fields; if not, undo.
        if field_mb != Mb::Transparent {
            let mut joined = Vec::new();
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    joined.push(d.field);
                }
                joined.extend_from_slice(f);
            }
            if split_mb(&joined, d.field, field_mb) != *fields {
                fields[k] = old;
                fields.truncate(old_len);
                return Err(Error::new(ErrorKind::Unencodable, 0));
            }
        }
        Ok(self)
    }

    /// Writes the message to `out`.
    pub fn write_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.prefix);
        for s in &self.segments {
            match &s.orig {
                Some(b) => out.extend_from_slice(b),
                None => {
                    for (i, v) in s.fields.iter().enumerate() {
                        if i > 0 {
                            out.push(self.delims.field);
                        }
                        out.extend_from_slice(v);
                    }
                }
            }
            out.extend_from_slice(&s.trailer);
        }
    }

    /// The message bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len_hint());
        self.write_into(&mut out);
        out
    }

    fn len_hint(&self) -> usize {
        self.prefix.len()
            + self
                .segments
                .iter()
                .map(|s| {
                    s.trailer.len()
                        + match &s.orig {
                            Some(b) => b.len(),
                            None => s.fields.iter().map(|v| v.len() + 1).sum(),
                        }
                })
                .sum::<usize>()
    }

    /// Writes the message to an `io::Write`.
    ///
    /// # Errors
    /// Whatever the writer returns.
    pub fn write_to<W: io::Write>(&self, mut w: W) -> io::Result<()> {
        w.write_all(&self.to_bytes())
    }

    /// Serializes and parses the result into an owned message.
    ///
    /// # Errors
    /// As [`MessageBuf::parse`] (only when the edits produced an unparsable message).
    pub fn build(&self) -> Result<MessageBuf> {
        MessageBuf::parse(self.to_bytes())
    }
}

/// Replaces the piece addressed by `levels` (separator, 1-based index) inside `value`,
/// creating empty pieces as needed.
fn replace_nested(
    value: &[u8],
    levels: &[(u8, usize)],
    raw: &[u8],
    none: u8,
    mb: Mb,
) -> Result<Vec<u8>> {
    let Some(&(sep, n)) = levels.first() else {
        return Ok(raw.to_vec());
    };
    if sep == none {
        // The message does not declare this delimiter: only piece 1 exists.
        if n != 1 {
            return Err(Error::new(ErrorKind::InvalidEdit, 0));
        }
        return replace_nested(value, &levels[1..], raw, none, mb);
    }
    let mut pieces: Vec<&[u8]> = split_mb(value, sep, mb);
    if pieces.len() < n {
        pieces.resize(n, &[]);
    }
    let inner = replace_nested(pieces[n - 1], &levels[1..], raw, none, mb)?;
    pieces[n - 1] = &inner;
    let mut out = Vec::with_capacity(value.len() + raw.len() + n);
    for (i, p) in pieces.iter().enumerate() {
        if i > 0 {
            out.push(sep);
        }
        out.extend_from_slice(p);
    }
    // As in `set_raw_path`: in a multi-byte set a piece ending inside a character would
    // swallow the separator after it; refuse rather than write what reads back differently.
    if mb != Mb::Transparent && split_mb(&out, sep, mb) != pieces {
        return Err(Error::new(ErrorKind::Unencodable, 0));
    }
    Ok(out)
}

/// Splits on whole single-byte `sep` characters (see [`crate::mb`]).
fn split_mb(value: &[u8], sep: u8, mb: Mb) -> Vec<&[u8]> {
    match mb {
        Mb::Transparent => value.split(|&b| b == sep).collect(),
        _ => {
            let mut out = Vec::new();
            let mut start = 0;
            for (i, b) in SingleBytes::new(value, mb) {
                if b == sep {
                    out.push(&value[start..i]);
                    start = i + 1;
                }
            }
            out.push(&value[start..]);
            out
        }
    }
}

impl fmt::Debug for MessageBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self
            .segments
            .iter()
            .map(|s| redacted_id(s.id(self.delims.field)).to_string())
            .collect();
        f.debug_struct("MessageBuilder")
            .field("segments", &ids)
            .field("delimiters", &self.delims)
            .finish()
    }
}

impl Message<'_> {
    /// Writes the message exactly as parsed (byte-for-byte) into `out`.
    pub fn write_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_set_creates_missing_pieces() -> Result<()> {
        let mut b = MessageBuilder::new();
        b.set("PID-3[2].4.2", "ISO")?;
        assert_eq!(b.to_bytes(), b"MSH|^~\\&\rPID|||~^^^&ISO\r");
        b.set("PID-3[1].1", "123")?;
        assert_eq!(b.to_bytes(), b"MSH|^~\\&\rPID|||123~^^^&ISO\r");
        Ok(())
    }

    #[test]
    fn msh_1_and_2_cannot_be_set() {
        let mut b = MessageBuilder::new();
        assert_eq!(
            b.set("MSH-1", "#").err().map(|e| e.kind()),
            Some(ErrorKind::InvalidEdit)
        );
        assert_eq!(
            b.set("MSH-2", "#").err().map(|e| e.kind()),
            Some(ErrorKind::InvalidEdit)
        );
    }

    #[test]
    fn occurrences_append_one_at_a_time() -> Result<()> {
        let mut b = MessageBuilder::new();
        b.set("OBX[1]-1", "1")?;
        b.set("OBX[2]-1", "2")?;
        assert!(b.set("OBX[4]-1", "4").is_err());
        assert_eq!(b.to_bytes(), b"MSH|^~\\&\rOBX|1\rOBX|2\r");
        Ok(())
    }

    #[test]
    fn raw_values_are_not_reescaped() -> Result<()> {
        let msg = Message::parse(b"MSH|^~\\&\rNTE|1||a\\T\\b")?;
        let mut b = MessageBuilder::from_message(&msg);
        let raw = msg
            .get(&Path::parse("NTE-3")?)
            .map(|v| v.raw().to_vec())
            .unwrap_or_default();
        b.set_raw("NTE-4", &raw)?;
        assert_eq!(b.to_bytes(), b"MSH|^~\\&\rNTE|1||a\\T\\b|a\\T\\b");
        Ok(())
    }

    #[test]
    fn unterminated_last_segment_gets_terminator_before_new_one() -> Result<()> {
        let msg = Message::parse(b"MSH|^~\\&|A\nPID|1")?;
        let mut b = MessageBuilder::from_message(&msg);
        b.add_segment("PV1")?;
        assert_eq!(b.to_bytes(), b"MSH|^~\\&|A\nPID|1\nPV1\n");
        Ok(())
    }
}
