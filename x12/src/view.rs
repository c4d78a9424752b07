//! Borrowed views: [`Document`] → [`Interchange`] → [`FunctionalGroup`] →
//! [`TransactionSet`] → [`Segment`] → [`Element`] → [`Repetition`] → [`Component`].
//!
//! Every view is a few words over the input bytes and the flat [`Index`]; nothing is
//! copied. Repetitions and components are split lazily from the element span.

use std::borrow::Cow;
use std::fmt;

use crate::config::ParseConfig;
use crate::delim::Delimiters;
use crate::envelope::{GroupEntry, SetEntry};
use crate::error::{Diagnostic, Location, Result};
use crate::finding::Finding;
use crate::scan::{elem_span, redacted_id, scan, IchEntry, Index, SegEntry};

/// The input and its index: what every view carries.
#[derive(Clone, Copy)]
struct View<'d> {
    input: &'d [u8],
    index: &'d Index,
}

impl<'d> View<'d> {
    /// The delimiters of segment `seg`'s interchange, and whether `seg` is that
    /// interchange's ISA.
    fn delims_of(&self, seg: usize) -> (Delimiters, bool) {
        let ichs = &self.index.interchanges;
        let n = ichs.partition_point(|i| i.first_seg as usize <= seg);
        n.checked_sub(1)
            .and_then(|k| ichs.get(k))
            .map_or((Delimiters::default(), false), |i| {
                (i.delims, i.first_seg as usize == seg)
            })
    }

    fn segment(&self, i: usize) -> Option<Segment<'d>> {
        let entry = *self.index.segs.get(i)?;
        let (delims, header) = self.delims_of(i);
        Some(Segment::new(*self, i, entry, delims, header))
    }

    fn segments(&self, start: usize, end: usize) -> Segments<'d> {
        Segments {
            view: *self,
            next: start,
            end: end.min(self.index.segs.len()),
        }
    }
}

/// A parsed input: one or more interchanges, each with its own delimiters, indexed in one
/// pass.
///
/// # Examples
/// ```
/// use carewire_x12::Document;
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~\
/// ST*837*0001*005010X222A1~BHT*0019*00*REF1*20240101*1200*CH~SE*3*0001~GE*1*1~IEA*1*000000001~";
/// let doc = Document::parse(input)?;
/// let ich = doc.interchanges().next().ok_or("no interchange")?;
/// let group = ich.groups().next().ok_or("no group")?;
/// let set = group.transaction_sets().next().ok_or("no set")?;
/// assert_eq!(set.id(), b"837");
/// assert_eq!(set.segments().count(), 3);
/// assert!(doc.findings().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Document<'a> {
    input: &'a [u8],
    index: Cow<'a, Index>,
}

impl<'a> Document<'a> {
    pub(crate) fn from_parts(input: &'a [u8], index: Cow<'a, Index>) -> Document<'a> {
        Document { input, index }
    }

    /// Parses an input with the default (lenient) configuration.
    ///
    /// The input must start with `ISA` (a UTF-8 BOM and whitespace before it are
    /// tolerated and reported). Each `ISA` at a segment start begins a new interchange
    /// with its own delimiters. Envelope problems never fail the parse: they are
    /// reported by [`Document::findings`].
    ///
    /// # Errors
    /// [`ErrorKind::Empty`](crate::ErrorKind::Empty),
    /// [`ErrorKind::Utf16`](crate::ErrorKind::Utf16),
    /// [`ErrorKind::MissingIsa`](crate::ErrorKind::MissingIsa),
    /// [`ErrorKind::TruncatedIsa`](crate::ErrorKind::TruncatedIsa),
    /// [`ErrorKind::InvalidDelimiters`](crate::ErrorKind::InvalidDelimiters), and the limits
    /// of [`ParseConfig`].
    pub fn parse(input: &'a [u8]) -> Result<Document<'a>> {
        Document::parse_with(input, &ParseConfig::default())
    }

    /// Parses an input with the given configuration.
    ///
    /// # Errors
    /// As [`Document::parse`], plus each repair that `config` does not allow.
    pub fn parse_with(input: &'a [u8], config: &ParseConfig) -> Result<Document<'a>> {
        let mut index = Index::new();
        scan(input, config, &mut index)?;
        Ok(Document {
            input,
            index: Cow::Owned(index),
        })
    }

    fn view(&self) -> View<'_> {
        View {
            input: self.input,
            index: &self.index,
        }
    }

    /// The input exactly as parsed. Writing it out is the byte-exact round trip.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.input
    }

    /// The bytes before the first `ISA` (a BOM or whitespace), usually empty.
    pub fn prefix(&self) -> &'a [u8] {
        self.input.get(..self.index.prefix as usize).unwrap_or(&[])
    }

    /// Repairs the lenient tokenizer made, with byte offsets.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.index.diagnostics
    }

    /// Envelope findings (control numbers, counts, ISA widths, structure), each with the
    /// TA1/999 code it maps to.
    pub fn findings(&self) -> &[Finding] {
        &self.index.findings
    }

    /// The index (for reuse or inspection).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Number of segments in all interchanges.
    pub fn segment_count(&self) -> usize {
        self.index.segs.len()
    }

    /// Segment `i` (0-based position in the input).
    pub fn segment(&self, i: usize) -> Option<Segment<'_>> {
        self.view().segment(i)
    }

    /// All segments in order.
    pub fn segments(&self) -> Segments<'_> {
        self.view().segments(0, usize::MAX)
    }

    /// Number of interchanges.
    pub fn interchange_count(&self) -> usize {
        self.index.interchanges.len()
    }

    /// Interchange `n` (0-based).
    pub fn interchange(&self, n: usize) -> Option<Interchange<'_>> {
        let entry = *self.index.interchanges.get(n)?;
        Some(Interchange {
            view: self.view(),
            n,
            entry,
        })
    }

    /// The interchanges in order.
    pub fn interchanges(&self) -> impl Iterator<Item = Interchange<'_>> + '_ {
        (0..self.interchange_count()).filter_map(move |n| self.interchange(n))
    }
}

impl fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("len", &self.input.len())
            .field("interchanges", &self.index.interchanges.len())
            .field("segments", &self.index.segs.len())
            .field("diagnostics", &self.index.diagnostics.len())
            .field("findings", &self.index.findings.len())
            .finish()
    }
}

/// One interchange: `ISA` … `IEA`, with its own delimiters.
#[derive(Clone, Copy)]
pub struct Interchange<'d> {
    view: View<'d>,
    n: usize,
    entry: IchEntry,
}

impl<'d> Interchange<'d> {
    /// The delimiters declared by this interchange's ISA.
    pub fn delimiters(&self) -> Delimiters {
        self.entry.delims
    }

    /// 0-based position of this interchange in the input.
    pub fn position(&self) -> usize {
        self.n
    }

    /// The ISA segment.
    pub fn isa(&self) -> Option<Segment<'d>> {
        self.view.segment(self.entry.first_seg as usize)
    }

    /// The IEA segment, when present.
    pub fn iea(&self) -> Option<Segment<'d>> {
        self.view.segment(self.entry.iea? as usize)
    }

    /// ISA13, the interchange control number, as on the wire.
    pub fn control_number(&self) -> &'d [u8] {
        crate::envelope::raw(
            self.view.input,
            self.view.index,
            self.entry.first_seg as usize,
            13,
        )
    }

    /// ISA12, the interchange control version number (e.g. `00501`).
    pub fn version(&self) -> &'d [u8] {
        crate::envelope::raw(
            self.view.input,
            self.view.index,
            self.entry.first_seg as usize,
            12,
        )
    }

    /// Every segment of the interchange, ISA through IEA (and anything unexpected after it).
    pub fn segments(&self) -> Segments<'d> {
        self.view
            .segments(self.entry.first_seg as usize, self.entry.end_seg as usize)
    }

    /// The bytes of the interchange, from `ISA` to the start of the next interchange (or
    /// the end of the input): line breaks after the IEA included.
    pub fn as_bytes(&self) -> &'d [u8] {
        let segs = &self.view.index.segs;
        let start = segs
            .get(self.entry.first_seg as usize)
            .map_or(0, |s| s.start as usize);
        let end = (self.entry.end_seg as usize)
            .checked_sub(1)
            .and_then(|i| segs.get(i))
            .map_or(start, |s| s.next as usize);
        self.view.input.get(start..end).unwrap_or(&[])
    }

    /// Number of functional groups.
    pub fn group_count(&self) -> usize {
        self.entry.n_groups as usize
    }

    /// The functional groups in order.
    pub fn groups(&self) -> impl Iterator<Item = FunctionalGroup<'d>> + 'd {
        let view = self.view;
        let delims = self.entry.delims;
        let first = self.entry.first_group as usize;
        let n = self.entry.n_groups as usize;
        view.index
            .groups
            .get(first..first + n)
            .unwrap_or(&[])
            .iter()
            .map(move |&entry| FunctionalGroup {
                view,
                entry,
                delims,
            })
    }

    /// The envelope findings of this interchange.
    pub fn findings(&self) -> impl Iterator<Item = &'d Finding> + 'd {
        let n = self.n;
        self.view
            .index
            .findings
            .iter()
            .filter(move |f| f.interchange == n)
    }
}

impl fmt::Debug for Interchange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interchange")
            .field("position", &self.n)
            .field("delimiters", &self.entry.delims)
            .field("groups", &self.entry.n_groups)
            .field(
                "segments",
                &(self.entry.end_seg.saturating_sub(self.entry.first_seg)),
            )
            .finish()
    }
}

/// One functional group: `GS` … `GE`.
#[derive(Clone, Copy)]
pub struct FunctionalGroup<'d> {
    view: View<'d>,
    entry: GroupEntry,
    delims: Delimiters,
}

impl<'d> FunctionalGroup<'d> {
    fn raw(&self, seg: u32, k: usize) -> &'d [u8] {
        crate::envelope::raw(self.view.input, self.view.index, seg as usize, k)
    }

    /// The GS segment.
    pub fn gs(&self) -> Option<Segment<'d>> {
        self.view.segment(self.entry.gs as usize)
    }

    /// The GE segment, when present.
    pub fn ge(&self) -> Option<Segment<'d>> {
        self.view.segment(self.entry.ge? as usize)
    }

    /// GS01, the functional identifier code (e.g. `HC` for 837 claims).
    pub fn functional_id(&self) -> &'d [u8] {
        self.raw(self.entry.gs, 1)
    }

    /// GS06, the group control number.
    pub fn control_number(&self) -> &'d [u8] {
        self.raw(self.entry.gs, 6)
    }

    /// GS08, the version / release / industry identifier (e.g. `005010X222A1`).
    pub fn version(&self) -> &'d [u8] {
        self.raw(self.entry.gs, 8)
    }

    /// The delimiters of the enclosing interchange.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// Every segment of the group, GS through GE.
    pub fn segments(&self) -> Segments<'d> {
        self.view
            .segments(self.entry.gs as usize, self.entry.end_seg as usize)
    }

    /// Number of transaction sets.
    pub fn transaction_set_count(&self) -> usize {
        self.entry.n_sets as usize
    }

    /// The transaction sets in order.
    pub fn transaction_sets(&self) -> impl Iterator<Item = TransactionSet<'d>> + 'd {
        let view = self.view;
        let delims = self.delims;
        let first = self.entry.first_set as usize;
        let n = self.entry.n_sets as usize;
        view.index
            .sets
            .get(first..first + n)
            .unwrap_or(&[])
            .iter()
            .map(move |&entry| TransactionSet {
                view,
                entry,
                delims,
            })
    }
}

impl fmt::Debug for FunctionalGroup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionalGroup")
            .field("transaction_sets", &self.entry.n_sets)
            .field(
                "segments",
                &(self.entry.end_seg.saturating_sub(self.entry.gs)),
            )
            .finish()
    }
}

/// One transaction set: `ST` … `SE`.
#[derive(Clone, Copy)]
pub struct TransactionSet<'d> {
    view: View<'d>,
    entry: SetEntry,
    delims: Delimiters,
}

impl<'d> TransactionSet<'d> {
    fn raw(&self, k: usize) -> &'d [u8] {
        crate::envelope::raw(self.view.input, self.view.index, self.entry.st as usize, k)
    }

    /// ST01, the transaction set identifier (e.g. `837`).
    pub fn id(&self) -> &'d [u8] {
        self.raw(1)
    }

    /// ST02, the transaction set control number.
    pub fn control_number(&self) -> &'d [u8] {
        self.raw(2)
    }

    /// ST03, the implementation convention reference (e.g. `005010X222A1`), when present.
    pub fn implementation_reference(&self) -> Option<&'d [u8]> {
        Some(self.raw(3)).filter(|r| !r.is_empty())
    }

    /// GS08 of the enclosing functional group (the version / release / industry
    /// identifier, e.g. `005010X222A1`).
    pub fn group_version(&self) -> &'d [u8] {
        crate::envelope::raw(self.view.input, self.view.index, self.entry.gs as usize, 8)
    }

    /// The implementation guide of this set (from ST01 and ST03, or GS08 without ST03),
    /// when this crate has loop tables for it.
    pub fn guide(&self) -> Option<crate::Guide> {
        crate::Guide::detect(self, self.group_version())
    }

    /// The implementation-guide loops of this set, when [`TransactionSet::guide`] knows
    /// its guide; `None` for other sets (read them as a flat segment list).
    pub fn loops(&self) -> Option<crate::LoopTree> {
        Some(crate::LoopTree::build(self, self.guide()?))
    }

    /// The ST segment.
    pub fn st(&self) -> Option<Segment<'d>> {
        self.view.segment(self.entry.st as usize)
    }

    /// The SE segment, when present.
    pub fn se(&self) -> Option<Segment<'d>> {
        self.view.segment(self.entry.se? as usize)
    }

    /// The delimiters of the enclosing interchange.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// Number of segments, ST through SE inclusive (what SE01 should say).
    pub fn segment_count(&self) -> usize {
        self.entry.end_seg.saturating_sub(self.entry.st) as usize
    }

    /// Every segment of the set, ST through SE.
    pub fn segments(&self) -> Segments<'d> {
        self.view
            .segments(self.entry.st as usize, self.entry.end_seg as usize)
    }
}

impl fmt::Debug for TransactionSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactionSet")
            .field("id", &redacted_id(self.id()))
            .field("segments", &self.segment_count())
            .finish()
    }
}

/// An iterator over segments.
#[derive(Clone)]
pub struct Segments<'d> {
    view: View<'d>,
    next: usize,
    end: usize,
}

impl<'d> Iterator for Segments<'d> {
    type Item = Segment<'d>;

    fn next(&mut self) -> Option<Segment<'d>> {
        if self.next >= self.end {
            return None;
        }
        let s = self.view.segment(self.next);
        self.next += 1;
        s
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.saturating_sub(self.next);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Segments<'_> {}

impl fmt::Debug for Segments<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segments")
            .field("remaining", &self.end.saturating_sub(self.next))
            .finish()
    }
}

/// One segment: an identifier and its elements.
///
/// `Debug` shows the identifier and element count, never element values.
#[derive(Clone, Copy)]
pub struct Segment<'d> {
    input: &'d [u8],
    index: &'d Index,
    entry: SegEntry,
    position: usize,
    delims: Delimiters,
    opaque: bool,
}

impl<'d> Segment<'d> {
    fn new(
        view: View<'d>,
        position: usize,
        entry: SegEntry,
        delims: Delimiters,
        header: bool,
    ) -> Segment<'d> {
        // ISA11 and ISA16 *are* the repetition and component separators: never split the
        // ISA that opens an interchange. (A segment `ISA` that failed to read as a header
        // is an ordinary, unexpected segment.)
        Segment {
            input: view.input,
            index: view.index,
            entry,
            position,
            delims,
            opaque: header,
        }
    }

    /// Is this the ISA that opens its interchange?
    pub fn is_interchange_header(&self) -> bool {
        self.opaque
    }

    /// The segment identifier, e.g. `b"NM1"`.
    pub fn id(&self) -> &'d [u8] {
        elem_span(self.index, &self.entry, 0)
            .and_then(|(s, e)| self.input.get(s..e))
            .unwrap_or(&[])
    }

    /// The identifier as text: `"?"` when it is not 2–3 upper-case letters or digits.
    pub fn id_str(&self) -> &'d str {
        redacted_id(self.id())
    }

    /// 0-based position of the segment in the input.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Byte offset of the segment's first byte in the input.
    pub fn offset(&self) -> usize {
        self.entry.start as usize
    }

    /// The delimiters of the interchange this segment belongs to.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// The location of this segment, for errors and findings.
    pub fn location(&self) -> Location {
        Location::segment(self.id(), self.position)
    }

    /// The segment's content as on the wire: identifier and elements, no terminator.
    pub fn raw(&self) -> &'d [u8] {
        self.input
            .get(self.entry.start as usize..self.entry.end as usize)
            .unwrap_or(&[])
    }

    /// What follows the content up to the next segment: the terminator and any line
    /// breaks or indentation (empty for a last segment without terminator).
    pub fn trailer(&self) -> &'d [u8] {
        self.input
            .get(self.entry.end as usize..self.entry.next as usize)
            .unwrap_or(&[])
    }

    /// Number of elements (the identifier not counted; trailing empty elements counted).
    pub fn element_count(&self) -> usize {
        (self.entry.n_elems as usize).saturating_sub(1)
    }

    /// Element `n` (1-based: `NM103` is `element(3)`); `None` when absent.
    pub fn element(&self, n: usize) -> Option<Element<'d>> {
        if n == 0 {
            return None;
        }
        let (s, e) = elem_span(self.index, &self.entry, n)?;
        Some(Element {
            raw: self.input.get(s..e)?,
            delims: self.delims,
            opaque: self.opaque,
        })
    }

    /// The elements in order (element 1 first).
    pub fn elements(&self) -> impl Iterator<Item = Element<'d>> + 'd {
        let s = *self;
        (1..=self.element_count()).filter_map(move |n| s.element(n))
    }

    /// The raw bytes of element `n`, or empty when absent.
    pub fn raw_element(&self, n: usize) -> &'d [u8] {
        self.element(n).map_or(&[][..], |e| e.raw())
    }
}

impl fmt::Debug for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("id", &self.id_str())
            .field("position", &self.position)
            .field("elements", &self.element_count())
            .finish()
    }
}

/// Text of raw bytes: borrowed when they are valid UTF-8 (X12's basic and extended
/// character sets are ASCII), with U+FFFD replacements otherwise.
fn text(raw: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(raw)
}

/// One element: a simple value, a composite (components), or repeated (repetitions).
///
/// `Debug` shows the length only, never the value.
#[derive(Clone, Copy)]
pub struct Element<'d> {
    raw: &'d [u8],
    delims: Delimiters,
    opaque: bool,
}

impl<'d> Element<'d> {
    pub(crate) fn new(raw: &'d [u8], delims: Delimiters, opaque: bool) -> Element<'d> {
        Element {
            raw,
            delims,
            opaque,
        }
    }

    /// The bytes as on the wire (separators inside it included).
    pub fn raw(&self) -> &'d [u8] {
        self.raw
    }

    /// The value as text (X12 has no escapes: this only checks UTF-8).
    pub fn decoded(&self) -> Cow<'d, str> {
        text(self.raw)
    }

    /// Is the element empty (`**`)?
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    fn rep_sep(&self) -> Option<u8> {
        if self.opaque {
            None
        } else {
            self.delims.repetition()
        }
    }

    /// The repetitions (one for an element without repetition separators).
    pub fn repetitions(&self) -> impl Iterator<Item = Repetition<'d>> + 'd {
        let (delims, opaque) = (self.delims, self.opaque);
        split(self.raw, self.rep_sep()).map(move |raw| Repetition {
            raw,
            delims,
            opaque,
        })
    }

    /// Number of repetitions (at least 1).
    pub fn repetition_count(&self) -> usize {
        match self.rep_sep() {
            Some(r) => memchr::memchr_iter(r, self.raw).count() + 1,
            None => 1,
        }
    }

    /// Repetition `n` (1-based).
    pub fn repetition(&self, n: usize) -> Option<Repetition<'d>> {
        self.repetitions().nth(n.checked_sub(1)?)
    }

    /// The components of the first repetition.
    pub fn components(&self) -> impl Iterator<Item = Component<'d>> + 'd {
        self.first().components()
    }

    /// Component `n` (1-based) of the first repetition: `CLM05-2` is
    /// `element(5)?.component(2)`.
    pub fn component(&self, n: usize) -> Option<Component<'d>> {
        self.first().component(n)
    }

    fn first(&self) -> Repetition<'d> {
        let raw = match self.rep_sep() {
            Some(r) => self.raw.split(|&b| b == r).next().unwrap_or(&[]),
            None => self.raw,
        };
        Repetition {
            raw,
            delims: self.delims,
            opaque: self.opaque,
        }
    }
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Element")
            .field("len", &self.raw.len())
            .finish()
    }
}

/// Splits `raw` on `sep` (not at all when `None`).
fn split(raw: &[u8], sep: Option<u8>) -> impl Iterator<Item = &[u8]> {
    let mut done = false;
    let mut rest = raw;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let Some(sep) = sep else {
            done = true;
            return Some(rest);
        };
        match memchr::memchr(sep, rest) {
            Some(i) => {
                let (head, tail) = rest.split_at(i);
                rest = tail.get(1..).unwrap_or(&[]);
                Some(head)
            }
            None => {
                done = true;
                Some(rest)
            }
        }
    })
}

/// One repetition of an element.
///
/// `Debug` shows the length only, never the value.
#[derive(Clone, Copy)]
pub struct Repetition<'d> {
    raw: &'d [u8],
    delims: Delimiters,
    opaque: bool,
}

impl<'d> Repetition<'d> {
    /// The bytes as on the wire.
    pub fn raw(&self) -> &'d [u8] {
        self.raw
    }

    /// The value as text.
    pub fn decoded(&self) -> Cow<'d, str> {
        text(self.raw)
    }

    /// The components (one for a simple value).
    pub fn components(&self) -> impl Iterator<Item = Component<'d>> + 'd {
        let sep = if self.opaque {
            None
        } else {
            Some(self.delims.component())
        };
        split(self.raw, sep).map(|raw| Component { raw })
    }

    /// Number of components (at least 1).
    pub fn component_count(&self) -> usize {
        if self.opaque {
            1
        } else {
            memchr::memchr_iter(self.delims.component(), self.raw).count() + 1
        }
    }

    /// Component `n` (1-based).
    pub fn component(&self, n: usize) -> Option<Component<'d>> {
        self.components().nth(n.checked_sub(1)?)
    }
}

impl fmt::Debug for Repetition<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repetition")
            .field("len", &self.raw.len())
            .finish()
    }
}

/// One component of a composite element.
///
/// `Debug` shows the length only, never the value.
#[derive(Clone, Copy)]
pub struct Component<'d> {
    raw: &'d [u8],
}

impl<'d> Component<'d> {
    /// The bytes as on the wire.
    pub fn raw(&self) -> &'d [u8] {
        self.raw
    }

    /// The value as text.
    pub fn decoded(&self) -> Cow<'d, str> {
        text(self.raw)
    }

    /// Is the component empty?
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

impl fmt::Debug for Component<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Component")
            .field("len", &self.raw.len())
            .finish()
    }
}

/// A parsed document that owns its input as [`bytes::Bytes`] (cargo feature `bytes`, on by
/// default), so a buffer read from a file or a socket becomes a document without a copy.
///
/// # Examples
/// ```
/// use carewire_x12::DocumentBuf;
/// let input = bytes::Bytes::from_static(b"ISA*00*          *00*          *ZZ*SENDER         \
/// *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~IEA*0*000000001~");
/// let doc = DocumentBuf::parse(input.clone())?;
/// assert_eq!(doc.view().segment_count(), 2);
/// assert_eq!(doc.bytes(), &input);
/// # Ok::<(), carewire_x12::Error>(())
/// ```
#[cfg(feature = "bytes")]
#[derive(Clone)]
pub struct DocumentBuf {
    bytes: bytes::Bytes,
    index: Index,
}

#[cfg(feature = "bytes")]
impl DocumentBuf {
    /// Parses owned bytes with the default configuration.
    ///
    /// # Errors
    /// As [`Document::parse`].
    pub fn parse(bytes: impl Into<bytes::Bytes>) -> Result<DocumentBuf> {
        DocumentBuf::parse_with(bytes, &ParseConfig::default())
    }

    /// Parses owned bytes with `config`.
    ///
    /// # Errors
    /// As [`Document::parse_with`].
    pub fn parse_with(bytes: impl Into<bytes::Bytes>, config: &ParseConfig) -> Result<DocumentBuf> {
        let bytes = bytes.into();
        let mut index = Index::new();
        scan(&bytes, config, &mut index)?;
        Ok(DocumentBuf { bytes, index })
    }

    /// A borrowed view (no copy, no re-parse).
    pub fn view(&self) -> Document<'_> {
        Document::from_parts(&self.bytes, Cow::Borrowed(&self.index))
    }

    /// The input bytes.
    pub fn bytes(&self) -> &bytes::Bytes {
        &self.bytes
    }

    /// The input bytes, consuming the document.
    pub fn into_bytes(self) -> bytes::Bytes {
        self.bytes
    }
}

#[cfg(feature = "bytes")]
impl fmt::Debug for DocumentBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view(), f)
    }
}
