//! Borrowed views: [`Message`], [`Segment`], [`Field`], [`Repetition`], [`Component`],
//! [`SubComponent`], and the owned [`MessageBuf`].

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

use crate::charset::Charset;
use crate::config::ParseConfig;
use crate::delim::Delimiters;
use crate::error::{Diagnostic, DiagnosticKind, Location, Result};
use crate::escape::{unescape_mb, DecodeOptions};
use crate::mb::{find, Mb, SingleBytes};
use crate::parse::{
    field_slot, field_span, is_header_id, redacted_id, scan, Index, SegEntry, Slot,
};
use crate::path::Path;

/// Delimiters and character set a value needs to split and decode itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ctx {
    pub(crate) delims: Delimiters,
    pub(crate) charset: Charset,
}

/// A parsed message: the input bytes plus a flat index of segment and field spans.
///
/// Parsing is one pass; nested values are split lazily when asked for.
///
/// # Examples
/// ```
/// use carewire_hl7::Message;
/// let msg = Message::parse(b"MSH|^~\\&|LAB|HOSP|||20240101||ORU^R01|123|P|2.5\rPID|1||42^^^MRN~43||Doe^Jane")?;
/// assert_eq!(msg.get_str("PID-5.2")?.as_deref(), Some("Jane"));
/// assert_eq!(msg.get_str("PID-3[2].1")?.as_deref(), Some("43"));
/// assert_eq!(msg.get_str("MSH-9.2")?.as_deref(), Some("R01"));
/// assert_eq!(msg.get_str("PID-8")?, None); // absent
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
#[derive(Clone)]
pub struct Message<'a> {
    input: &'a [u8],
    index: Cow<'a, Index>,
}

impl<'a> Message<'a> {
    pub(crate) fn from_parts(input: &'a [u8], index: Cow<'a, Index>) -> Message<'a> {
        Message { input, index }
    }

    /// Parses a message with the default (lenient) configuration.
    ///
    /// The input must start with `MSH` (a UTF-8 BOM and leading whitespace are tolerated
    /// and reported). Segments may end in CR (standard), CR LF or LF; the final
    /// terminator may be missing.
    ///
    /// # Errors
    /// [`ErrorKind::Empty`](crate::ErrorKind::Empty), [`ErrorKind::MissingHeader`](crate::ErrorKind::MissingHeader), [`ErrorKind::TruncatedHeader`](crate::ErrorKind::TruncatedHeader),
    /// [`ErrorKind::InvalidDelimiters`](crate::ErrorKind::InvalidDelimiters), and the limits of [`ParseConfig`].
    pub fn parse(input: &'a [u8]) -> Result<Message<'a>> {
        Message::parse_with(input, &ParseConfig::default())
    }

    /// Parses a message with the given configuration.
    ///
    /// # Errors
    /// As [`Message::parse`], plus each repair that `config` does not allow.
    pub fn parse_with(input: &'a [u8], config: &ParseConfig) -> Result<Message<'a>> {
        let mut index = Index::new();
        scan(input, config, &mut index)?;
        Ok(Message {
            input,
            index: Cow::Owned(index),
        })
    }

    /// The message bytes exactly as parsed.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.input
    }

    /// The delimiters declared in MSH-1/MSH-2.
    pub fn delimiters(&self) -> Delimiters {
        self.index.delims
    }

    /// The character set used to decode values (override, MSH-18, or the default).
    pub fn charset(&self) -> Charset {
        self.index.charset
    }

    /// Repairs the lenient parser made, with byte offsets.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.index.diagnostics
    }

    /// The index (for reuse or inspection).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The bytes before `MSH` (a BOM or whitespace), usually empty.
    pub fn prefix(&self) -> &'a [u8] {
        &self.input[..self.index.prefix as usize]
    }

    /// Number of segments.
    pub fn segment_count(&self) -> usize {
        self.index.segs.len()
    }

    /// Segment `i` (0-based position in the message; 0 is MSH).
    pub fn segment(&self, i: usize) -> Option<Segment<'_>> {
        let entry = *self.index.segs.get(i)?;
        Some(self.make_segment(i, entry))
    }

    fn make_segment(&self, i: usize, entry: SegEntry) -> Segment<'_> {
        self.view().segment_at(i, entry)
    }

    /// The MSH segment.
    pub fn msh(&self) -> Segment<'_> {
        // A parsed message always has at least its MSH segment.
        self.make_segment(0, self.index.segs[0])
    }

    /// All segments in order.
    pub fn segments(&self) -> Segments<'_> {
        Segments {
            msg: self.view(),
            next: 0,
        }
    }

    fn view(&self) -> MessageRef<'_> {
        MessageRef {
            input: self.input,
            index: &self.index,
        }
    }

    /// Segments with identifier `id`, in order.
    pub fn segments_by_id<'m>(&'m self, id: &'m str) -> impl Iterator<Item = Segment<'m>> + 'm {
        self.segments().filter(move |s| s.id() == id.as_bytes())
    }

    /// The `occurrence`-th (1-based) segment with identifier `id`.
    pub fn find(&self, id: &[u8], occurrence: usize) -> Option<Segment<'_>> {
        if occurrence == 0 {
            return None;
        }
        let mut seen = 0;
        for (i, entry) in self.index.segs.iter().enumerate() {
            let s = entry.start as usize;
            let idb = self.input.get(s..s + id.len())?;
            let after = self.input.get(s + id.len()).copied();
            let ends = after.is_none()
                || after == Some(self.index.delims.field)
                || s + id.len() == entry.end as usize;
            if idb == id && ends {
                seen += 1;
                if seen == occurrence {
                    return Some(self.make_segment(i, *entry));
                }
            }
        }
        None
    }

    /// The value at `path`: `None` when the segment, field, repetition, component or
    /// subcomponent is absent. An empty value is `Some` with [`Value::is_empty`]; the
    /// HL7 null `""` is `Some` with [`Value::is_null`].
    pub fn get(&self, path: &Path) -> Option<Value<'_>> {
        let seg = self.find(path.segment(), path.occurrence())?;
        seg.get(path)
    }

    /// Parses `path` and returns the decoded text there (`None` when absent).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPath`](crate::ErrorKind::InvalidPath) when `path` does not parse.
    pub fn get_str(&self, path: &str) -> Result<Option<Cow<'_, str>>> {
        let p = Path::parse(path)?;
        Ok(self.get(&p).map(|v| v.decoded()))
    }

    /// A summary of the MSH fields every integration reads.
    pub fn header(&self) -> Header<'_> {
        Header { msh: self.msh() }
    }

    /// Copies the bytes into an owned [`MessageBuf`].
    pub fn to_owned_buf(&self) -> MessageBuf {
        MessageBuf {
            bytes: Bytes::copy_from_slice(self.input),
            index: self.index.clone().into_owned(),
        }
    }
}

impl fmt::Debug for Message<'_> {
    /// Structure only: segment identifiers and counts, never values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.segments().map(|s| redacted_id(s.id())).collect();
        f.debug_struct("Message")
            .field("len", &self.input.len())
            .field("segments", &ids)
            .field("delimiters", &self.index.delims)
            .field("charset", &self.index.charset)
            .field("diagnostics", &self.index.diagnostics.len())
            .finish()
    }
}

#[derive(Clone, Copy)]
struct MessageRef<'m> {
    input: &'m [u8],
    index: &'m Index,
}

impl<'m> MessageRef<'m> {
    /// The view of segment `i` (0-based) whose index entry is `entry`.
    fn segment_at(self, i: usize, entry: SegEntry) -> Segment<'m> {
        let id_end = match field_span(self.index, &entry, 1) {
            Some((s, _)) => s - 1,
            None => entry.end as usize,
        };
        Segment {
            input: self.input,
            index: self.index,
            entry,
            position: i,
            header: is_header_id(&self.input[entry.start as usize..id_end]),
            id_end: id_end as u32,
            ctx: Ctx {
                delims: self.index.delims,
                charset: self.index.charset,
            },
        }
    }
}

/// Iterator over the segments of a message.
#[derive(Clone)]
pub struct Segments<'m> {
    msg: MessageRef<'m>,
    next: usize,
}

impl<'m> Iterator for Segments<'m> {
    type Item = Segment<'m>;
    fn next(&mut self) -> Option<Segment<'m>> {
        let i = self.next;
        let entry = *self.msg.index.segs.get(i)?;
        self.next += 1;
        Some(self.msg.segment_at(i, entry))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.msg.index.segs.len().saturating_sub(self.next);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Segments<'_> {}

/// One segment of a message.
#[derive(Clone, Copy)]
pub struct Segment<'m> {
    input: &'m [u8],
    index: &'m Index,
    entry: SegEntry,
    position: usize,
    header: bool,
    id_end: u32,
    ctx: Ctx,
}

impl<'m> Segment<'m> {
    /// The segment identifier, e.g. `b"PID"`.
    pub fn id(&self) -> &'m [u8] {
        &self.input[self.entry.start as usize..self.id_end as usize]
    }

    /// The segment identifier as text (`"?"` when it is not UTF-8).
    pub fn id_str(&self) -> &'m str {
        std::str::from_utf8(self.id()).unwrap_or("?")
    }

    /// The segment bytes without the terminator.
    pub fn raw(&self) -> &'m [u8] {
        &self.input[self.entry.start as usize..self.entry.end as usize]
    }

    /// The terminator and any blank lines after the segment, as in the input.
    pub fn trailer(&self) -> &'m [u8] {
        &self.input[self.entry.end as usize..self.entry.next as usize]
    }

    /// Byte offset of the segment in the message.
    pub fn offset(&self) -> usize {
        self.entry.start as usize
    }

    /// 0-based position of the segment in the message.
    pub fn position(&self) -> usize {
        self.position
    }

    /// A location naming this segment, for errors and findings.
    pub fn location(&self) -> Location {
        Location::segment(redacted_id(self.id()).as_bytes(), self.position)
    }

    /// Highest field number present (HL7 numbering; MSH counts MSH-1).
    pub fn field_count(&self) -> usize {
        let stored = self.entry.n_fields as usize - 1;
        // A header segment's MSH-1 exists only if the separator does: a bare `MSH`
        // (no separator at all) has no fields.
        if self.header && stored > 0 {
            stored + 1
        } else {
            stored
        }
    }

    /// Field `n` (1-based, HL7 numbering: MSH-1 is the field separator, MSH-2 the
    /// encoding characters, both returned unsplit). `None` when absent.
    pub fn field(&self, n: usize) -> Option<Field<'m>> {
        let (start, end, ctx) = match field_slot(self.header, n)? {
            Slot::Separator => {
                if self.entry.n_fields < 2 {
                    return None;
                }
                let s = self.entry.start as usize + 3;
                (s, s + 1, self.opaque_ctx())
            }
            Slot::Opaque(k) => {
                let (s, e) = field_span(self.index, &self.entry, k)?;
                (s, e, self.opaque_ctx())
            }
            Slot::Stored(k) => {
                let (s, e) = field_span(self.index, &self.entry, k)?;
                (s, e, self.ctx)
            }
        };
        Some(Field(Value {
            raw: &self.input[start..end],
            ctx,
            offset: start as u32,
        }))
    }

    fn opaque_ctx(&self) -> Ctx {
        Ctx {
            delims: Delimiters::opaque(self.ctx.delims.field),
            charset: self.ctx.charset,
        }
    }

    /// Fields 1.. in order (absent trailing fields are not produced).
    pub fn fields(&self) -> impl Iterator<Item = Field<'m>> + 'm {
        let this = *self;
        (1..=self.field_count()).filter_map(move |n| this.field(n))
    }

    /// The value at `path`, ignoring the path's segment part.
    pub fn get(&self, path: &Path) -> Option<Value<'m>> {
        let field = self.field(path.field())?;
        match (path.repetition(), path.component()) {
            (None, None) => Some(field.0),
            (rep, comp) => {
                let rep = field.repetition(rep.unwrap_or(1))?;
                let Some(c) = comp else {
                    return Some(rep.0);
                };
                let comp = rep.component(c)?;
                match path.subcomponent() {
                    None => Some(comp.0),
                    Some(s) => comp.subcomponent(s).map(|s| s.0),
                }
            }
        }
    }
}

impl fmt::Debug for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("id", &redacted_id(self.id()))
            .field("position", &self.position)
            .field("offset", &self.offset())
            .field("fields", &self.field_count())
            .finish()
    }
}

/// Whether a value is empty, the HL7 null `""`, or has content. (Absent values are
/// `None` at the accessor.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueState {
    /// Present but empty (`||`): the sender sent nothing; keep the receiver's value.
    Empty,
    /// The HL7 null `""`: the sender asks the receiver to delete its value.
    Null,
    /// Present with content.
    Valued,
}

/// A value at any level (field, repetition, component, subcomponent): the raw bytes
/// as on the wire plus what is needed to decode them.
///
/// `Debug` shows the length and offset, never the content.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Value<'m> {
    raw: &'m [u8],
    ctx: Ctx,
    offset: u32,
}

impl<'m> Value<'m> {
    /// A value over `raw` at byte `offset`, split and decoded with `ctx` (used by views
    /// outside this module, e.g. batch header segments).
    pub(crate) fn from_raw(raw: &'m [u8], ctx: Ctx, offset: usize) -> Value<'m> {
        Value {
            raw,
            ctx,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
        }
    }

    /// The bytes as on the wire (still escaped, in the message's character set).
    pub fn raw(&self) -> &'m [u8] {
        self.raw
    }

    /// Byte offset of the value in the message.
    pub fn offset(&self) -> usize {
        self.offset as usize
    }

    /// True when present but empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True for the HL7 null `""`.
    pub fn is_null(&self) -> bool {
        self.raw == b"\"\""
    }

    /// Empty, null or valued.
    pub fn state(&self) -> ValueState {
        if self.raw.is_empty() {
            ValueState::Empty
        } else if self.is_null() {
            ValueState::Null
        } else {
            ValueState::Valued
        }
    }

    /// The delimiters in force for this value.
    pub fn delimiters(&self) -> Delimiters {
        self.ctx.delims
    }

    /// The bytes after escape decoding (still in the message's character set);
    /// borrowed when there was nothing to decode.
    pub fn unescaped(&self) -> Cow<'m, [u8]> {
        unescape_mb(
            self.raw,
            &self.ctx.delims,
            &DecodeOptions::default(),
            None,
            self.offset(),
            Mb::of(self.ctx.charset),
        )
    }

    /// The text after escape decoding and character-set decoding; borrowed when
    /// nothing needed either. Invalid characters become U+FFFD.
    ///
    /// Meant for leaf values: on a composite value, decoded `\S\` and a real `^` look alike.
    pub fn decoded(&self) -> Cow<'m, str> {
        self.decoded_with(&DecodeOptions::default())
    }

    /// As [`Value::decoded`] with explicit options (formatting escapes rendered or kept).
    pub fn decoded_with(&self, options: &DecodeOptions) -> Cow<'m, str> {
        self.decode_report(options, None)
    }

    /// As [`Value::decoded_with`], reporting invalid or unsupported escapes and invalid
    /// characters to `diagnostics`.
    pub fn decode_report(
        &self,
        options: &DecodeOptions,
        mut diagnostics: Option<&mut Vec<Diagnostic>>,
    ) -> Cow<'m, str> {
        let bytes = unescape_mb(
            self.raw,
            &self.ctx.delims,
            options,
            diagnostics.as_deref_mut(),
            self.offset(),
            Mb::of(self.ctx.charset),
        );
        let charset = self.ctx.charset;
        let (text, bad) = match bytes {
            Cow::Borrowed(b) => charset.decode(b),
            Cow::Owned(b) => {
                let (t, bad) = charset.decode(&b);
                (Cow::Owned(t.into_owned()), bad)
            }
        };
        if bad {
            if let Some(d) = diagnostics {
                d.push(Diagnostic {
                    kind: DiagnosticKind::InvalidCharacters,
                    offset: self.offset(),
                });
            }
        }
        text
    }

    /// The decoded text, owned.
    pub fn to_string_decoded(&self) -> String {
        self.decoded().into_owned()
    }

    fn piece(&self, sep: u8, n: usize) -> Option<Value<'m>> {
        let mb = Mb::of(self.ctx.charset);
        let (s, e) = nth_piece(self.raw, sep, self.ctx.delims.field, n, mb)?;
        Some(Value {
            raw: &self.raw[s..e],
            ctx: self.ctx,
            offset: self.offset + s as u32,
        })
    }

    fn pieces(&self, sep: u8) -> Pieces<'m> {
        Pieces {
            raw: self.raw,
            sep: if sep == self.ctx.delims.field {
                None
            } else {
                Some(sep)
            },
            pos: 0,
            done: false,
            ctx: self.ctx,
            base: self.offset,
            mb: Mb::of(self.ctx.charset),
        }
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Value")
            .field("offset", &self.offset)
            .field("len", &self.raw.len())
            .field("state", &self.state())
            .finish()
    }
}

/// Span of the n-th (1-based) piece of `raw` split on `sep` (no split when `sep == none`).
fn nth_piece(raw: &[u8], sep: u8, none: u8, n: usize, mb: Mb) -> Option<(usize, usize)> {
    if n == 0 {
        return None;
    }
    if sep == none {
        return (n == 1).then_some((0, raw.len()));
    }
    fn walk(mut it: impl Iterator<Item = usize>, n: usize, len: usize) -> Option<(usize, usize)> {
        let mut start = 0;
        for _ in 1..n {
            start = it.next()? + 1;
        }
        Some((start, it.next().unwrap_or(len)))
    }
    match mb {
        Mb::Transparent => walk(memchr::memchr_iter(sep, raw), n, raw.len()),
        _ => walk(
            SingleBytes::new(raw, mb)
                .filter(|&(_, b)| b == sep)
                .map(|(p, _)| p),
            n,
            raw.len(),
        ),
    }
}

/// Iterator over the pieces of a value split on one delimiter.
#[derive(Clone)]
struct Pieces<'m> {
    raw: &'m [u8],
    sep: Option<u8>,
    pos: usize,
    done: bool,
    ctx: Ctx,
    base: u32,
    mb: Mb,
}

impl<'m> Iterator for Pieces<'m> {
    type Item = Value<'m>;
    fn next(&mut self) -> Option<Value<'m>> {
        if self.done {
            return None;
        }
        let rest = &self.raw[self.pos..];
        let len = match self.sep.and_then(|s| find(rest, s, self.mb)) {
            Some(i) => i,
            None => {
                self.done = true;
                rest.len()
            }
        };
        let v = Value {
            raw: &rest[..len],
            ctx: self.ctx,
            offset: self.base + self.pos as u32,
        };
        self.pos += len + 1;
        Some(v)
    }
}

macro_rules! level {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq)]
        pub struct $name<'m>(pub(crate) Value<'m>);

        impl<'m> std::ops::Deref for $name<'m> {
            type Target = Value<'m>;
            fn deref(&self) -> &Value<'m> {
                &self.0
            }
        }

        impl<'m> From<$name<'m>> for Value<'m> {
            fn from(v: $name<'m>) -> Value<'m> {
                v.0
            }
        }

        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("offset", &self.0.offset)
                    .field("len", &self.0.raw.len())
                    .field("state", &self.0.state())
                    .finish()
            }
        }
    };
}

level!(
    /// A field: one or more repetitions separated by `~`. Derefs to [`Value`].
    Field
);
level!(
    /// One repetition of a field: components separated by `^`. Derefs to [`Value`].
    Repetition
);
level!(
    /// One component: subcomponents separated by `&`. Derefs to [`Value`].
    Component
);
level!(
    /// One subcomponent: a leaf value. Derefs to [`Value`].
    SubComponent
);

impl<'m> Field<'m> {
    /// Repetition `n` (1-based); `None` when absent.
    pub fn repetition(&self, n: usize) -> Option<Repetition<'m>> {
        self.0
            .piece(self.0.ctx.delims.repetition, n)
            .map(Repetition)
    }

    /// All repetitions (one, possibly empty, when the field has no `~`).
    pub fn repetitions(&self) -> impl Iterator<Item = Repetition<'m>> + 'm {
        self.0.pieces(self.0.ctx.delims.repetition).map(Repetition)
    }

    /// Number of repetitions (at least 1).
    pub fn repetition_count(&self) -> usize {
        let d = self.0.ctx.delims;
        if d.repetition == d.field {
            1
        } else {
            match Mb::of(self.0.ctx.charset) {
                Mb::Transparent => memchr::memchr_iter(d.repetition, self.0.raw).count() + 1,
                mb => {
                    SingleBytes::new(self.0.raw, mb)
                        .filter(|&(_, b)| b == d.repetition)
                        .count()
                        + 1
                }
            }
        }
    }

    /// Component `n` (1-based) of the first repetition.
    pub fn component(&self, n: usize) -> Option<Component<'m>> {
        self.repetition(1)?.component(n)
    }
}

impl<'m> Repetition<'m> {
    /// Component `n` (1-based); `None` when absent.
    pub fn component(&self, n: usize) -> Option<Component<'m>> {
        self.0.piece(self.0.ctx.delims.component, n).map(Component)
    }

    /// All components.
    pub fn components(&self) -> impl Iterator<Item = Component<'m>> + 'm {
        self.0.pieces(self.0.ctx.delims.component).map(Component)
    }
}

impl<'m> Component<'m> {
    /// Subcomponent `n` (1-based); `None` when absent.
    pub fn subcomponent(&self, n: usize) -> Option<SubComponent<'m>> {
        self.0
            .piece(self.0.ctx.delims.subcomponent, n)
            .map(SubComponent)
    }

    /// All subcomponents.
    pub fn subcomponents(&self) -> impl Iterator<Item = SubComponent<'m>> + 'm {
        self.0
            .pieces(self.0.ctx.delims.subcomponent)
            .map(SubComponent)
    }
}

/// The MSH fields every integration reads, decoded on access.
#[derive(Clone, Copy)]
pub struct Header<'m> {
    msh: Segment<'m>,
}

impl<'m> Header<'m> {
    fn comp(&self, field: usize, comp: usize) -> Option<Cow<'m, str>> {
        let v = self.msh.field(field)?.component(comp)?;
        (!v.is_empty()).then(|| v.decoded())
    }

    /// MSH-3.1 sending application.
    pub fn sending_application(&self) -> Option<Cow<'m, str>> {
        self.comp(3, 1)
    }
    /// MSH-4.1 sending facility.
    pub fn sending_facility(&self) -> Option<Cow<'m, str>> {
        self.comp(4, 1)
    }
    /// MSH-5.1 receiving application.
    pub fn receiving_application(&self) -> Option<Cow<'m, str>> {
        self.comp(5, 1)
    }
    /// MSH-6.1 receiving facility.
    pub fn receiving_facility(&self) -> Option<Cow<'m, str>> {
        self.comp(6, 1)
    }
    /// MSH-7 date/time of message (raw DTM text).
    pub fn timestamp(&self) -> Option<Cow<'m, str>> {
        self.comp(7, 1)
    }
    /// MSH-9.1 message type, e.g. `ADT`.
    pub fn message_type(&self) -> Option<Cow<'m, str>> {
        self.comp(9, 1)
    }
    /// MSH-9.2 trigger event, e.g. `A01`.
    pub fn trigger_event(&self) -> Option<Cow<'m, str>> {
        self.comp(9, 2)
    }
    /// MSH-9.3 message structure, e.g. `ADT_A01`.
    pub fn message_structure(&self) -> Option<Cow<'m, str>> {
        self.comp(9, 3)
    }
    /// MSH-10 message control id.
    pub fn control_id(&self) -> Option<Cow<'m, str>> {
        self.comp(10, 1)
    }
    /// MSH-11.1 processing id (`P`, `T`, `D`).
    pub fn processing_id(&self) -> Option<Cow<'m, str>> {
        self.comp(11, 1)
    }
    /// MSH-12.1 version id, e.g. `2.5.1`.
    pub fn version(&self) -> Option<Cow<'m, str>> {
        self.comp(12, 1)
    }
    /// MSH-15 accept acknowledgment type (`AL`, `NE`, `ER`, `SU`).
    pub fn accept_ack_type(&self) -> Option<Cow<'m, str>> {
        self.comp(15, 1)
    }
    /// MSH-16 application acknowledgment type.
    pub fn application_ack_type(&self) -> Option<Cow<'m, str>> {
        self.comp(16, 1)
    }
    /// MSH-18.1 character set as sent.
    pub fn charset_label(&self) -> Option<Cow<'m, str>> {
        self.comp(18, 1)
    }
}

impl fmt::Debug for Header<'_> {
    /// Header fields are routing metadata, not patient data, but Debug still only shows
    /// the message type and control id's length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("message_type", &self.message_type())
            .field("trigger_event", &self.trigger_event())
            .field("version", &self.version())
            .finish()
    }
}

/// An owned message: the index over shared [`Bytes`], so a frame from a network reader
/// becomes a message without a copy.
///
/// # Examples
/// ```
/// use carewire_hl7::MessageBuf;
/// let buf = MessageBuf::parse(bytes::Bytes::from_static(b"MSH|^~\\&|A\rPID|1||7"))?;
/// assert_eq!(buf.view().get_str("PID-3")?.as_deref(), Some("7"));
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
#[derive(Clone)]
pub struct MessageBuf {
    bytes: Bytes,
    index: Index,
}

impl MessageBuf {
    /// Parses owned bytes with the default configuration.
    ///
    /// # Errors
    /// As [`Message::parse`].
    pub fn parse(bytes: impl Into<Bytes>) -> Result<MessageBuf> {
        MessageBuf::parse_with(bytes, &ParseConfig::default())
    }

    /// Parses owned bytes with `config`.
    ///
    /// # Errors
    /// As [`Message::parse_with`].
    pub fn parse_with(bytes: impl Into<Bytes>, config: &ParseConfig) -> Result<MessageBuf> {
        let bytes = bytes.into();
        let mut index = Index::new();
        scan(&bytes, config, &mut index)?;
        Ok(MessageBuf { bytes, index })
    }

    /// A borrowed view (no copy, no re-parse).
    pub fn view(&self) -> Message<'_> {
        Message {
            input: &self.bytes,
            index: Cow::Borrowed(&self.index),
        }
    }

    /// The bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Consumes the message, returning its bytes.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }
}

impl fmt::Debug for MessageBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view(), f)
    }
}
