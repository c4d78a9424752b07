//! Writers: the byte-exact copy of parsed input, re-serialisation with other delimiters
//! and line endings, and a builder that computes SE01/GE01/IEA01, pads the ISA and takes
//! control numbers from a caller-supplied allocator.

use std::io::Write;

use crate::delim::{Delimiters, ISA_WIDTHS};
use crate::error::{Error, ErrorKind, Result};
use crate::view::{Document, Segment};

/// What follows each segment terminator on output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum LineEnding {
    /// Nothing: the whole interchange on one line (the standard's form).
    None,
    /// LF after each terminator (the common form for files).
    #[default]
    Lf,
    /// CR LF after each terminator.
    CrLf,
}

impl LineEnding {
    fn bytes(self) -> &'static [u8] {
        match self {
            LineEnding::None => b"",
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
        }
    }
}

/// Writes a parsed document back exactly as it was read: prefix, every segment, every
/// terminator, line break and indentation.
///
/// # Errors
/// [`ErrorKind::Io`] when `out` fails.
///
/// # Examples
/// ```
/// use carewire_x12::{write_verbatim, Document};
/// let input = b"\xEF\xBB\xBFISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~\r\n  IEA*0*000000001~\r\n";
/// let doc = Document::parse(input)?;
/// let mut out = Vec::new();
/// write_verbatim(&doc, &mut out)?;
/// assert_eq!(out, input);
/// # Ok::<(), carewire_x12::Error>(())
/// ```
pub fn write_verbatim<W: Write>(doc: &Document<'_>, mut out: W) -> Result<()> {
    out.write_all(doc.prefix())?;
    for seg in doc.segments() {
        out.write_all(seg.raw())?;
        out.write_all(seg.trailer())?;
    }
    Ok(())
}

/// Writes a parsed document with other delimiters and line endings: every interchange's
/// ISA11/ISA16 are rewritten to the new delimiters, every element, repetition and
/// component is kept. The prefix (BOM, whitespace) and indentation are dropped.
///
/// # Errors
/// [`ErrorKind::DelimiterInData`] when a value contains one of the new delimiters (the
/// result would read differently); [`ErrorKind::InvalidSegmentId`] for a segment that is
/// not an interchange header but starts like one (it could read as one) or a
/// segment of only NUL, SUB or whitespace bytes (it could read as end-of-file padding);
/// [`ErrorKind::Io`] when `out` fails.
///
/// # Examples
/// ```
/// use carewire_x12::{write_with, Delimiters, Document, LineEnding};
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~IEA*0*000000001~";
/// let doc = Document::parse(input)?;
/// let delims = Delimiters::new(b'|', b'>', Some(b'!'), b'\n')?;
/// let mut out = Vec::new();
/// write_with(&doc, delims, LineEnding::None, &mut out)?;
/// assert!(out.ends_with(b"|!|00501|000000001|0|T|>\nIEA|0|000000001\n"));
/// # Ok::<(), carewire_x12::Error>(())
/// ```
pub fn write_with<W: Write>(
    doc: &Document<'_>,
    delims: Delimiters,
    line_ending: LineEnding,
    mut out: W,
) -> Result<()> {
    let mut buf = Vec::new();
    for seg in doc.segments() {
        buf.clear();
        encode_segment(&seg, delims, &mut buf)?;
        terminate(&mut buf, delims, line_ending);
        out.write_all(&buf)?;
    }
    Ok(())
}

fn terminate(buf: &mut Vec<u8>, delims: Delimiters, line_ending: LineEnding) {
    buf.push(delims.segment());
    // A line-break terminator is its own line ending.
    if !matches!(delims.segment(), b'\r' | b'\n') {
        buf.extend_from_slice(line_ending.bytes());
    }
}

fn check(value: &[u8], delims: Delimiters, offset: usize) -> Result<()> {
    match value.iter().position(|&b| delims.is_delimiter(b)) {
        Some(i) => Err(Error::new(ErrorKind::DelimiterInData, offset + i)),
        None => Ok(()),
    }
}

/// Appends `seg` (content only) to `buf` with `delims`. Offsets in errors are input
/// offsets of the offending byte.
fn encode_segment(seg: &Segment<'_>, delims: Delimiters, buf: &mut Vec<u8>) -> Result<()> {
    let base = seg.offset();
    let id = seg.id();
    check(id, delims, base)?;
    let is_isa = seg.is_interchange_header();
    let start = buf.len();
    if seg
        .raw()
        .iter()
        .all(|b| matches!(b, 0 | 0x1A | b' ' | b'\t' | b'\r' | b'\n'))
    {
        // Only NUL/SUB/whitespace: after the last terminator the reader takes this for
        // end-of-file padding, so it would vanish.
        return Err(Error::new(ErrorKind::InvalidSegmentId, base));
    }
    buf.extend_from_slice(id);
    let input_start = seg.raw().as_ptr() as usize;
    for (n, el) in seg.elements().enumerate() {
        let n = n + 1;
        buf.push(delims.element());
        let el_off = base + (el.raw().as_ptr() as usize).saturating_sub(input_start);
        if is_isa {
            match n {
                11 => match delims.repetition() {
                    Some(r) => buf.push(r),
                    None if el.raw().iter().all(u8::is_ascii_alphanumeric) => {
                        buf.extend_from_slice(el.raw())
                    }
                    None => buf.push(b'U'),
                },
                16 => buf.push(delims.component()),
                _ => {
                    check(el.raw(), delims, el_off)?;
                    buf.extend_from_slice(el.raw());
                }
            }
            continue;
        }
        for (r, rep) in el.repetitions().enumerate() {
            if r > 0 {
                match delims.repetition() {
                    Some(sep) => buf.push(sep),
                    None => return Err(Error::new(ErrorKind::DelimiterInData, el_off)),
                }
            }
            for (c, comp) in rep.components().enumerate() {
                if c > 0 {
                    buf.push(delims.component());
                }
                check(comp.raw(), delims, el_off)?;
                buf.extend_from_slice(comp.raw());
            }
        }
    }
    // A segment that is not a header but starts like one (`ISA` and a separator) might
    // read as a header once written with other delimiters, and swallow what follows:
    // refuse rather than change the structure.
    if !is_isa && crate::scan::is_isa_at(buf.get(start..).unwrap_or(&[]), 0) {
        return Err(Error::new(ErrorKind::InvalidSegmentId, base));
    }
    Ok(())
}

/// Allocates control numbers: ISA13, GS06 and ST02. Implement it over a database
/// sequence to keep numbers unique across runs.
pub trait ControlNumbers {
    /// The next interchange control number (ISA13/IEA02), 1..=999,999,999.
    fn next_interchange(&mut self) -> u32;
    /// The next group control number (GS06/GE02), 1..=999,999,999.
    fn next_group(&mut self) -> u32;
    /// The next transaction set control number (ST02/SE02); written with at least four
    /// digits.
    fn next_transaction_set(&mut self) -> u32;
}

/// Control numbers counting up from a start value, each kind on its own.
///
/// # Examples
/// ```
/// use carewire_x12::{ControlNumbers, SequentialControlNumbers};
/// let mut n = SequentialControlNumbers::starting_at(41);
/// assert_eq!(n.next_interchange(), 41);
/// assert_eq!(n.next_interchange(), 42);
/// assert_eq!(n.next_group(), 41);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequentialControlNumbers {
    interchange: u32,
    group: u32,
    set: u32,
}

impl SequentialControlNumbers {
    /// Counters that all start at `first`.
    pub fn starting_at(first: u32) -> SequentialControlNumbers {
        SequentialControlNumbers {
            interchange: first,
            group: first,
            set: first,
        }
    }
}

impl Default for SequentialControlNumbers {
    fn default() -> Self {
        SequentialControlNumbers::starting_at(1)
    }
}

fn bump(v: &mut u32) -> u32 {
    let cur = *v;
    *v = if cur >= 999_999_999 { 1 } else { cur + 1 };
    cur
}

impl ControlNumbers for SequentialControlNumbers {
    fn next_interchange(&mut self) -> u32 {
        bump(&mut self.interchange)
    }
    fn next_group(&mut self) -> u32 {
        bump(&mut self.group)
    }
    fn next_transaction_set(&mut self) -> u32 {
        bump(&mut self.set)
    }
}

/// The ISA values a sender chooses; the writer pads each to its fixed width.
///
/// ISA11 (repetition separator), ISA13 (control number) and ISA16 (component separator)
/// are not here: the writer fills them from its delimiters and the allocator.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InterchangeHeader {
    /// ISA01 authorization information qualifier (default `00`).
    pub authorization_qualifier: String,
    /// ISA02 authorization information (default blank).
    pub authorization: String,
    /// ISA03 security information qualifier (default `00`).
    pub security_qualifier: String,
    /// ISA04 security information (default blank).
    pub security: String,
    /// ISA05 sender id qualifier (e.g. `ZZ`).
    pub sender_qualifier: String,
    /// ISA06 sender id.
    pub sender_id: String,
    /// ISA07 receiver id qualifier.
    pub receiver_qualifier: String,
    /// ISA08 receiver id.
    pub receiver_id: String,
    /// ISA09 date, YYMMDD.
    pub date: String,
    /// ISA10 time, HHMM.
    pub time: String,
    /// ISA12 version (default `00501`).
    pub version: String,
    /// ISA14: ask for a TA1 (default false).
    pub acknowledgment_requested: bool,
    /// ISA15: `P` for production or `T` for test (default `P`).
    pub usage: char,
}

impl InterchangeHeader {
    /// A header from sender, receiver (both qualified `ZZ`), date (YYMMDD) and time (HHMM).
    pub fn new(sender_id: &str, receiver_id: &str, date: &str, time: &str) -> InterchangeHeader {
        InterchangeHeader {
            authorization_qualifier: "00".into(),
            authorization: String::new(),
            security_qualifier: "00".into(),
            security: String::new(),
            sender_qualifier: "ZZ".into(),
            sender_id: sender_id.into(),
            receiver_qualifier: "ZZ".into(),
            receiver_id: receiver_id.into(),
            date: date.into(),
            time: time.into(),
            version: "00501".into(),
            acknowledgment_requested: false,
            usage: 'P',
        }
    }

    /// Sets ISA15 to `T` (test data).
    pub fn test(mut self) -> InterchangeHeader {
        self.usage = 'T';
        self
    }
}

impl std::fmt::Debug for InterchangeHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Identifiers and security values are not printed.
        f.debug_struct("InterchangeHeader")
            .field("version", &self.version)
            .field("usage", &self.usage)
            .finish_non_exhaustive()
    }
}

/// The GS values a sender chooses.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupHeader {
    /// GS01 functional identifier (e.g. `HC`).
    pub functional_id: String,
    /// GS02 application sender code.
    pub sender: String,
    /// GS03 application receiver code.
    pub receiver: String,
    /// GS04 date, CCYYMMDD.
    pub date: String,
    /// GS05 time, HHMM (or longer).
    pub time: String,
    /// GS07 responsible agency (default `X`).
    pub agency: String,
    /// GS08 version / release / industry identifier (e.g. `005010X222A1`).
    pub version: String,
}

impl GroupHeader {
    /// A group header; GS07 is `X`.
    pub fn new(
        functional_id: &str,
        sender: &str,
        receiver: &str,
        date: &str,
        time: &str,
        version: &str,
    ) -> GroupHeader {
        GroupHeader {
            functional_id: functional_id.into(),
            sender: sender.into(),
            receiver: receiver.into(),
            date: date.into(),
            time: time.into(),
            agency: "X".into(),
            version: version.into(),
        }
    }
}

impl std::fmt::Debug for GroupHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupHeader")
            .field("functional_id", &self.functional_id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// One element to write: simple, composite (components) or repeated.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field<'v> {
    /// A simple value.
    Simple(&'v str),
    /// A composite: its components in order.
    Composite(&'v [&'v str]),
    /// A repeated element: each repetition's components.
    Repeated(&'v [&'v [&'v str]]),
}

impl<'v> From<&'v str> for Field<'v> {
    fn from(v: &'v str) -> Field<'v> {
        Field::Simple(v)
    }
}

impl<'v> From<&'v [&'v str]> for Field<'v> {
    fn from(v: &'v [&'v str]) -> Field<'v> {
        Field::Composite(v)
    }
}

impl std::fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Field::Simple(_) => "Field::Simple(..)",
            Field::Composite(_) => "Field::Composite(..)",
            Field::Repeated(_) => "Field::Repeated(..)",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    Interchange,
    Group,
    Set,
}

/// Writes interchanges segment by segment: it pads the ISA, numbers the envelopes from
/// a [`ControlNumbers`] allocator, and writes SE01, GE01 and IEA01 from what it counted.
///
/// # Examples
/// ```
/// use carewire_x12::{
///     Delimiters, Document, Field, GroupHeader, InterchangeHeader, LineEnding,
///     SequentialControlNumbers, Writer,
/// };
/// let mut numbers = SequentialControlNumbers::starting_at(7);
/// let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
/// w.begin_interchange(&InterchangeHeader::new("SENDER", "RECEIVER", "240101", "1200"), &mut numbers)?;
/// w.begin_group(&GroupHeader::new("HC", "S", "R", "20240101", "1200", "005010X222A1"), &mut numbers)?;
/// w.begin_transaction_set("837", Some("005010X222A1"), &mut numbers)?;
/// w.segment("BHT", &["0019".into(), "00".into(), "REF1".into()])?;
/// w.segment("HI", &[Field::Repeated(&[&["ABK", "J209"], &["ABF", "R05"]])])?;
/// w.end_transaction_set()?;
/// w.end_group()?;
/// w.end_interchange()?;
/// let out = w.into_inner()?;
///
/// let doc = Document::parse(&out)?;
/// assert!(doc.findings().is_empty());
/// assert!(out.ends_with(b"HI*ABK:J209^ABF:R05~\nSE*4*0007~\nGE*1*7~\nIEA*1*000000007~\n"));
/// # Ok::<(), carewire_x12::Error>(())
/// ```
pub struct Writer<W> {
    out: W,
    delims: Delimiters,
    line_ending: LineEnding,
    state: State,
    buf: Vec<u8>,
    written: usize,
    isa13: u32,
    gs06: u32,
    st02: u32,
    groups: u64,
    sets: u64,
    segments: u64,
}

impl<W: Write> Writer<W> {
    /// A writer with the given delimiters and line ending.
    pub fn new(out: W, delims: Delimiters, line_ending: LineEnding) -> Writer<W> {
        Writer {
            out,
            delims,
            line_ending,
            state: State::Idle,
            buf: Vec::new(),
            written: 0,
            isa13: 0,
            gs06: 0,
            st02: 0,
            groups: 0,
            sets: 0,
            segments: 0,
        }
    }

    /// The delimiters in use.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    fn expect(&self, state: State) -> Result<()> {
        if self.state == state {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::InvalidWriterState, self.written))
        }
    }

    fn flush_segment(&mut self) -> Result<()> {
        terminate(&mut self.buf, self.delims, self.line_ending);
        self.out.write_all(&self.buf)?;
        self.written += self.buf.len();
        self.buf.clear();
        if self.state == State::Set {
            self.segments += 1;
        }
        Ok(())
    }

    fn push_value(&mut self, value: &[u8]) -> Result<()> {
        check(value, self.delims, self.written + self.buf.len())?;
        self.buf.extend_from_slice(value);
        Ok(())
    }

    fn start(&mut self, id: &str) -> Result<()> {
        self.buf.clear();
        // ISA only through begin_interchange: anywhere else it would open an interchange.
        let isa_elsewhere = id == "ISA" && self.state != State::Idle;
        if isa_elsewhere || !crate::scan::valid_segment_id(id.as_bytes()) {
            return Err(Error::new(ErrorKind::InvalidSegmentId, self.written));
        }
        self.buf.extend_from_slice(id.as_bytes());
        Ok(())
    }

    fn simple(&mut self, id: &str, elements: &[&str]) -> Result<()> {
        self.start(id)?;
        for e in elements {
            self.buf.push(self.delims.element());
            self.push_value(e.as_bytes())?;
        }
        self.flush_segment()
    }

    /// Writes an ISA with every element padded to its width, the delimiters in ISA11 and
    /// ISA16, and ISA13 from `numbers`. Returns the control number used.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] inside an open interchange;
    /// [`ErrorKind::InvalidValue`] when a value is longer than its ISA width;
    /// [`ErrorKind::DelimiterInData`]; [`ErrorKind::Io`].
    pub fn begin_interchange(
        &mut self,
        header: &InterchangeHeader,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<u32> {
        self.expect(State::Idle)?;
        let isa13 = numbers.next_interchange();
        if isa13 > 999_999_999 {
            return Err(Error::new(ErrorKind::InvalidValue, self.written));
        }
        let rep = match self.delims.repetition() {
            Some(r) => char::from(r).to_string(),
            None => "U".to_string(),
        };
        let isa13s = format!("{isa13:09}");
        let ack = if header.acknowledgment_requested {
            "1"
        } else {
            "0"
        };
        let usage = header.usage.to_string();
        let values: [&str; 15] = [
            &header.authorization_qualifier,
            &header.authorization,
            &header.security_qualifier,
            &header.security,
            &header.sender_qualifier,
            &header.sender_id,
            &header.receiver_qualifier,
            &header.receiver_id,
            &header.date,
            &header.time,
            &rep,
            &header.version,
            &isa13s,
            ack,
            &usage,
        ];
        self.start("ISA")?;
        for (k, v) in values.iter().enumerate() {
            let width = ISA_WIDTHS.get(k).copied().unwrap_or(0);
            self.buf.push(self.delims.element());
            if v.len() > width {
                return Err(Error::new(
                    ErrorKind::InvalidValue,
                    self.written + self.buf.len(),
                ));
            }
            if k == 10 {
                // ISA11 is the repetition separator itself.
                self.buf.extend_from_slice(v.as_bytes());
                continue;
            }
            self.push_value(v.as_bytes())?;
            self.buf.resize(self.buf.len() + (width - v.len()), b' ');
        }
        self.buf.push(self.delims.element());
        self.buf.push(self.delims.component());
        self.flush_segment()?;
        self.state = State::Interchange;
        self.isa13 = isa13;
        self.groups = 0;
        Ok(isa13)
    }

    /// Writes a TA1 acknowledgment segment; it belongs between the ISA and the first GS.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] outside an interchange or after a group;
    /// [`ErrorKind::DelimiterInData`]; [`ErrorKind::Io`].
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::{
    ///     Delimiters, Document, InterchangeHeader, LineEnding, SequentialControlNumbers, Ta1,
    ///     Writer,
    /// };
    /// let inbound = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
    /// *240101*1200*^*00501*000000042*0*T*:~IEA*0*000000042~";
    /// let doc = Document::parse(inbound)?;
    /// let ta1 = Ta1::for_interchange(&doc.interchange(0).ok_or("no interchange")?);
    ///
    /// let mut numbers = SequentialControlNumbers::default();
    /// let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
    /// w.begin_interchange(&InterchangeHeader::new("RECEIVER", "SENDER", "240101", "1201"), &mut numbers)?;
    /// w.ta1(&ta1)?;
    /// w.end_interchange()?;
    /// let out = w.into_inner()?;
    /// assert!(out.ends_with(b"\nTA1*000000042*240101*1200*A*000~\nIEA*0*000000001~\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ta1(&mut self, ta1: &crate::Ta1) -> Result<()> {
        self.expect(State::Interchange)?;
        if self.groups > 0 {
            return Err(Error::new(ErrorKind::InvalidWriterState, self.written));
        }
        self.simple(
            "TA1",
            &[
                &ta1.control_number,
                &ta1.date,
                &ta1.time,
                ta1.status.code(),
                &ta1.note,
            ],
        )
    }

    /// Writes a GS with GS06 from `numbers`. Returns the control number used.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] outside an interchange or inside a group;
    /// [`ErrorKind::DelimiterInData`]; [`ErrorKind::Io`].
    pub fn begin_group(
        &mut self,
        header: &GroupHeader,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<u32> {
        self.expect(State::Interchange)?;
        let gs06 = numbers.next_group();
        let n = gs06.to_string();
        self.simple(
            "GS",
            &[
                &header.functional_id,
                &header.sender,
                &header.receiver,
                &header.date,
                &header.time,
                &n,
                &header.agency,
                &header.version,
            ],
        )?;
        self.state = State::Group;
        self.gs06 = gs06;
        self.sets = 0;
        self.groups += 1;
        Ok(gs06)
    }

    /// Writes an ST with ST02 from `numbers` (at least four digits) and the optional ST03.
    /// Returns the control number used.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] outside a group or inside a set;
    /// [`ErrorKind::DelimiterInData`]; [`ErrorKind::Io`].
    pub fn begin_transaction_set(
        &mut self,
        id: &str,
        implementation_reference: Option<&str>,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<u32> {
        self.expect(State::Group)?;
        let st02 = numbers.next_transaction_set();
        let n = format!("{st02:04}");
        match implementation_reference {
            Some(r) => self.simple("ST", &[id, &n, r])?,
            None => self.simple("ST", &[id, &n])?,
        }
        self.state = State::Set;
        self.st02 = st02;
        self.segments = 1;
        self.sets += 1;
        Ok(st02)
    }

    /// Writes one segment inside a transaction set.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] outside a transaction set;
    /// [`ErrorKind::InvalidSegmentId`] for an identifier that is not 2–3 upper-case
    /// letters or digits, or `ISA`; [`ErrorKind::DelimiterInData`] when a value holds
    /// a delimiter (or a repetition is given and there is no repetition separator);
    /// [`ErrorKind::Io`].
    pub fn segment(&mut self, id: &str, elements: &[Field<'_>]) -> Result<()> {
        self.expect(State::Set)?;
        self.start(id)?;
        for f in elements {
            self.buf.push(self.delims.element());
            match f {
                Field::Simple(v) => self.push_value(v.as_bytes())?,
                Field::Composite(cs) => self.components(cs)?,
                Field::Repeated(reps) => {
                    for (i, cs) in reps.iter().enumerate() {
                        if i > 0 {
                            let sep = self.delims.repetition().ok_or_else(|| {
                                Error::new(ErrorKind::DelimiterInData, self.written)
                            })?;
                            self.buf.push(sep);
                        }
                        self.components(cs)?;
                    }
                }
            }
        }
        self.flush_segment()
    }

    fn components(&mut self, cs: &[&str]) -> Result<()> {
        for (i, c) in cs.iter().enumerate() {
            if i > 0 {
                self.buf.push(self.delims.component());
            }
            self.push_value(c.as_bytes())?;
        }
        Ok(())
    }

    /// Writes a parsed segment inside a transaction set, translated to this writer's
    /// delimiters.
    ///
    /// # Errors
    /// As [`Writer::segment`].
    pub fn write_segment(&mut self, seg: &Segment<'_>) -> Result<()> {
        self.expect(State::Set)?;
        self.buf.clear();
        encode_segment(seg, self.delims, &mut self.buf)?;
        self.flush_segment()
    }

    /// Writes the SE with the segment count (ST and SE included) and ST02.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] outside a transaction set; [`ErrorKind::Io`].
    pub fn end_transaction_set(&mut self) -> Result<()> {
        self.expect(State::Set)?;
        let count = (self.segments + 1).to_string();
        let n = format!("{:04}", self.st02);
        self.simple("SE", &[&count, &n])?;
        self.state = State::Group;
        Ok(())
    }

    /// Writes the GE with the transaction set count and GS06.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] outside a group or inside a set; [`ErrorKind::Io`].
    pub fn end_group(&mut self) -> Result<()> {
        self.expect(State::Group)?;
        let count = self.sets.to_string();
        let n = self.gs06.to_string();
        self.simple("GE", &[&count, &n])?;
        self.state = State::Interchange;
        Ok(())
    }

    /// Writes the IEA with the group count and ISA13.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] outside an interchange or inside a group;
    /// [`ErrorKind::Io`].
    pub fn end_interchange(&mut self) -> Result<()> {
        self.expect(State::Interchange)?;
        let count = self.groups.to_string();
        let n = format!("{:09}", self.isa13);
        self.simple("IEA", &[&count, &n])?;
        self.state = State::Idle;
        Ok(())
    }

    /// Finishes and returns the output.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidWriterState`] when an interchange is still open;
    /// [`ErrorKind::Io`] when flushing fails.
    pub fn into_inner(mut self) -> Result<W> {
        self.expect(State::Idle)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W> std::fmt::Debug for Writer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("delimiters", &self.delims)
            .field("line_ending", &self.line_ending)
            .field("state", &self.state)
            .field("written", &self.written)
            .finish()
    }
}
