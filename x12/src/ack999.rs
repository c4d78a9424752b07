//! The 999 implementation acknowledgment (005010X231A1): built from a validation
//! [`Report`], written with a [`Writer`], and read from inbound 999s. Also the
//! acknowledgment interchanges: a 999 or a TA1 answering every interchange of a document.

use std::fmt;
use std::io::Write;

use crate::ack::Ta1;
use crate::delim::Delimiters;
use crate::error::Result;
use crate::finding::{AckCode, Severity};
use crate::validate::{Issue, IssueKind, Report};
use crate::view::{Document, FunctionalGroup, Interchange, Segment, TransactionSet};
use crate::write::{ControlNumbers, Field, GroupHeader, InterchangeHeader, LineEnding, Writer};

/// IK501 / AK901: the acknowledgment code of a transaction set or functional group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum AckStatus {
    /// `A`: accepted.
    Accepted,
    /// `E`: accepted, but errors were noted.
    AcceptedWithErrors,
    /// `P`: partially accepted, at least one transaction set was rejected (AK901 only).
    PartiallyAccepted,
    /// `R`: rejected.
    Rejected,
    /// `M`: rejected, message authentication code failed.
    AuthenticationFailed,
    /// `W`: rejected, assurance failed validity tests.
    AssuranceFailed,
    /// `X`: rejected, content after decryption could not be analyzed.
    DecryptionFailed,
}

impl AckStatus {
    /// The code as written in IK501 / AK901.
    pub fn code(&self) -> &'static str {
        match self {
            AckStatus::Accepted => "A",
            AckStatus::AcceptedWithErrors => "E",
            AckStatus::PartiallyAccepted => "P",
            AckStatus::Rejected => "R",
            AckStatus::AuthenticationFailed => "M",
            AckStatus::AssuranceFailed => "W",
            AckStatus::DecryptionFailed => "X",
        }
    }

    /// The status for a code; `None` for an unknown code.
    pub fn from_code(code: &[u8]) -> Option<AckStatus> {
        Some(match code {
            b"A" => AckStatus::Accepted,
            b"E" => AckStatus::AcceptedWithErrors,
            b"P" => AckStatus::PartiallyAccepted,
            b"R" => AckStatus::Rejected,
            b"M" => AckStatus::AuthenticationFailed,
            b"W" => AckStatus::AssuranceFailed,
            b"X" => AckStatus::DecryptionFailed,
            _ => return None,
        })
    }

    /// Whether the set or group was accepted (`A`, `E` or `P`).
    pub fn is_accepted(&self) -> bool {
        matches!(
            self,
            AckStatus::Accepted | AckStatus::AcceptedWithErrors | AckStatus::PartiallyAccepted
        )
    }
}

/// A CTX context: a business unit (`CLM01` and the claim id) or a segment context.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Context {
    /// CTX01-1: the context name (`"CLM01"`, `"SITUATIONAL TRIGGER"`).
    pub name: String,
    /// CTX01-2: the context reference (the claim id for `CLM01`).
    pub reference: Option<String>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("name", &self.name.len())
            .finish_non_exhaustive()
    }
}

/// One IK4: a data element in error.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ElementNote {
    /// IK401-1: element position in the segment (1-based).
    pub element: u32,
    /// IK401-2: component position (1-based), for a composite.
    pub component: Option<u32>,
    /// IK401-3: repetition position (1-based), for a repeating element.
    pub repetition: Option<u32>,
    /// IK402: data element reference number.
    pub reference: Option<String>,
    /// IK403: implementation data element syntax error code (element 621).
    pub code: String,
    /// IK404: a copy of the bad value, when the code calls for one. May hold patient
    /// data: never shown by `Debug`.
    pub value: Option<String>,
}

impl fmt::Debug for ElementNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElementNote")
            .field("element", &self.element)
            .field("component", &self.component)
            .field("repetition", &self.repetition)
            .field("reference", &self.reference)
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// One IK3 (2100 loop): a segment in error, with its contexts and element notes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SegmentNote {
    /// IK301: the segment identifier.
    pub segment_id: String,
    /// IK302: the segment's position in the transaction set (ST is 1).
    pub position: u32,
    /// IK303: the loop identifier (1–4 characters: `2010` for the IG's 2010AA).
    pub loop_id: Option<String>,
    /// IK304: implementation segment syntax error code (element 620).
    pub code: String,
    /// CTX segments of the 2100 loop.
    pub contexts: Vec<Context>,
    /// IK4 loops (2110).
    pub elements: Vec<ElementNote>,
}

/// One AK2 … IK5 (2000 loop): the response for one transaction set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SetResponse {
    /// AK201: the transaction set identifier (`"837"`).
    pub set_id: String,
    /// AK202: the transaction set control number (ST02).
    pub control_number: String,
    /// AK203: the implementation convention reference (ST03).
    pub implementation_reference: Option<String>,
    /// IK3 loops.
    pub segments: Vec<SegmentNote>,
    /// IK501.
    pub status: AckStatus,
    /// IK502–IK506: implementation transaction set syntax error codes (element 618).
    pub errors: Vec<String>,
}

/// A 999 implementation acknowledgment for one functional group.
///
/// # Examples
/// ```
/// use carewire_x12::{validate, Ack999, AckStatus, Document};
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*7*X*005010X222A1~\
/// ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~SE*3*0001~GE*1*7~IEA*1*000000001~";
/// let doc = Document::parse(input)?;
/// let report = validate(&doc);
/// let group = doc.interchange(0).and_then(|i| i.groups().next()).ok_or("no group")?;
/// let ack = Ack999::for_group(&group, &report, 0, 0);
/// assert_eq!(ack.group_control_number, "7");
/// // The 837 lacks its submitter, receiver and billing provider loops.
/// assert_eq!(ack.sets[0].status, AckStatus::Rejected);
/// assert_eq!(ack.sets[0].segments[0].code, "3");
/// assert_eq!(ack.status, AckStatus::Rejected);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Ack999 {
    /// AK101: the functional identifier code of the group acknowledged (GS01).
    pub functional_id: String,
    /// AK102: the group control number (GS06).
    pub group_control_number: String,
    /// AK103: the version / release / industry identifier (GS08).
    pub version: Option<String>,
    /// The 2000 loops, one per transaction set.
    pub sets: Vec<SetResponse>,
    /// AK901.
    pub status: AckStatus,
    /// AK902: number of transaction sets included (GE01).
    pub included: u32,
    /// AK903: number of transaction sets received.
    pub received: u32,
    /// AK904: number of transaction sets accepted.
    pub accepted: u32,
    /// AK905–AK909: functional group syntax error codes (element 716).
    pub errors: Vec<String>,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn opt_text(b: &[u8]) -> Option<String> {
    (!b.is_empty()).then(|| text(b))
}

fn num(b: &[u8]) -> Option<u32> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Pushes `code` unless present, keeping at most five (IK502–IK506, AK905–AK909).
fn push_code(codes: &mut Vec<String>, code: &str) {
    if codes.len() < 5 && !codes.iter().any(|c| c == code) {
        codes.push(code.to_string());
    }
}

impl Ack999 {
    /// The 999 answering group `group` (0-based in interchange `interchange`) of a
    /// validated document: one AK2 per transaction set with an IK3 per segment in
    /// error (element errors grouped under IK304 `8` with their IK4s), IK5 from the set's
    /// findings, AK9 from the sets and the group's envelope findings. Warnings are left
    /// out; a set with only warnings is accepted.
    pub fn for_group(
        group: &FunctionalGroup<'_>,
        report: &Report,
        interchange: usize,
        group_index: usize,
    ) -> Ack999 {
        let mut sets = Vec::new();
        for (s, set) in group.transaction_sets().enumerate() {
            let issues: Vec<&Issue> = report
                .for_set(interchange, group_index, s)
                .filter(|i| i.severity() == Severity::Error)
                .collect();
            sets.push(set_response(&set, &issues));
        }
        let mut errors = Vec::new();
        for i in report.for_group(interchange, group_index) {
            if let (Severity::Error, AckCode::Ak9(c)) = (i.severity(), i.ack_code()) {
                push_code(&mut errors, c);
            }
        }
        let received = sets.len() as u32;
        let accepted = sets.iter().filter(|s| s.status.is_accepted()).count() as u32;
        let included = group
            .ge()
            .and_then(|ge| num(ge.raw_element(1)))
            .unwrap_or(received);
        let status = if !errors.is_empty() || (accepted == 0 && received > 0) {
            AckStatus::Rejected
        } else if accepted < received {
            AckStatus::PartiallyAccepted
        } else if sets.iter().any(|s| s.status != AckStatus::Accepted) {
            AckStatus::AcceptedWithErrors
        } else {
            AckStatus::Accepted
        };
        Ack999 {
            functional_id: text(group.functional_id()),
            group_control_number: text(group.control_number()),
            version: opt_text(group.version()),
            sets,
            status,
            included,
            received,
            accepted,
            errors,
        }
    }

    /// Writes this 999 as one transaction set (ST … SE) into an open group of `w`.
    ///
    /// # Errors
    /// As [`Writer::segment`]: a value that holds one of the writer's delimiters (IK404
    /// copies and CTX references holding one are left out instead).
    pub fn write<W: Write>(
        &self,
        w: &mut Writer<W>,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<u32> {
        let d = w.delimiters();
        let clean = |v: &str| !v.bytes().any(|b| d.is_delimiter(b));
        let st02 = w.begin_transaction_set("999", Some("005010X231A1"), numbers)?;
        let mut ak1: Vec<Field<'_>> = vec![
            Field::Simple(&self.functional_id),
            Field::Simple(&self.group_control_number),
        ];
        if let Some(v) = &self.version {
            ak1.push(Field::Simple(v));
        }
        w.segment("AK1", &ak1)?;
        for set in &self.sets {
            let mut ak2: Vec<Field<'_>> = vec![
                Field::Simple(&set.set_id),
                Field::Simple(&set.control_number),
            ];
            if let Some(r) = &set.implementation_reference {
                ak2.push(Field::Simple(r));
            }
            w.segment("AK2", &ak2)?;
            for seg in &set.segments {
                let pos = seg.position.to_string();
                let mut ik3: Vec<Field<'_>> =
                    vec![Field::Simple(&seg.segment_id), Field::Simple(&pos)];
                ik3.push(Field::Simple(seg.loop_id.as_deref().unwrap_or("")));
                ik3.push(Field::Simple(&seg.code));
                w.segment("IK3", &ik3)?;
                for ctx in &seg.contexts {
                    match ctx.reference.as_deref().filter(|r| clean(r)) {
                        Some(r) => {
                            let parts = [ctx.name.as_str(), r];
                            w.segment("CTX", &[Field::Composite(&parts)])?;
                        }
                        None => w.segment("CTX", &[Field::Simple(&ctx.name)])?,
                    }
                }
                for el in &seg.elements {
                    let e = el.element.to_string();
                    let c = el.component.map(|c| c.to_string()).unwrap_or_default();
                    let r = el.repetition.map(|r| r.to_string()).unwrap_or_default();
                    let c030: Vec<&str> = if !r.is_empty() {
                        vec![&e, &c, &r]
                    } else if !c.is_empty() {
                        vec![&e, &c]
                    } else {
                        vec![&e]
                    };
                    let mut ik4: Vec<Field<'_>> = vec![
                        Field::Composite(&c030),
                        Field::Simple(el.reference.as_deref().unwrap_or("")),
                        Field::Simple(&el.code),
                    ];
                    if let Some(v) = el.value.as_deref().filter(|v| clean(v)) {
                        ik4.push(Field::Simple(v));
                    }
                    w.segment("IK4", &ik4)?;
                }
            }
            let mut ik5: Vec<Field<'_>> = vec![Field::Simple(set.status.code())];
            ik5.extend(set.errors.iter().map(|c| Field::Simple(c)));
            w.segment("IK5", &ik5)?;
        }
        let (inc, rec, acc) = (
            self.included.to_string(),
            self.received.to_string(),
            self.accepted.to_string(),
        );
        let mut ak9: Vec<Field<'_>> = vec![
            Field::Simple(self.status.code()),
            Field::Simple(&inc),
            Field::Simple(&rec),
            Field::Simple(&acc),
        ];
        ak9.extend(self.errors.iter().map(|c| Field::Simple(c)));
        w.segment("AK9", &ak9)?;
        w.end_transaction_set()?;
        Ok(st02)
    }

    /// Reads an inbound 999 transaction set; `None` when `set` is not a 999 or has no
    /// AK1.
    pub fn from_set(set: &TransactionSet<'_>) -> Option<Ack999> {
        if set.id() != b"999" {
            return None;
        }
        let mut ack: Option<Ack999> = None;
        for seg in set.segments() {
            let e = |k: usize| seg.raw_element(k);
            match seg.id() {
                b"AK1" => {
                    ack = Some(Ack999 {
                        functional_id: text(e(1)),
                        group_control_number: text(e(2)),
                        version: opt_text(e(3)),
                        sets: Vec::new(),
                        status: AckStatus::Rejected,
                        included: 0,
                        received: 0,
                        accepted: 0,
                        errors: Vec::new(),
                    });
                }
                b"AK2" => {
                    if let Some(a) = ack.as_mut() {
                        a.sets.push(SetResponse {
                            set_id: text(e(1)),
                            control_number: text(e(2)),
                            implementation_reference: opt_text(e(3)),
                            segments: Vec::new(),
                            status: AckStatus::Rejected,
                            errors: Vec::new(),
                        });
                    }
                }
                b"IK3" => {
                    if let Some(s) = ack.as_mut().and_then(|a| a.sets.last_mut()) {
                        s.segments.push(SegmentNote {
                            segment_id: text(e(1)),
                            position: num(e(2)).unwrap_or(0),
                            loop_id: opt_text(e(3)),
                            code: text(e(4)),
                            contexts: Vec::new(),
                            elements: Vec::new(),
                        });
                    }
                }
                b"CTX" => {
                    let note = ack
                        .as_mut()
                        .and_then(|a| a.sets.last_mut())
                        .and_then(|s| s.segments.last_mut());
                    if let (Some(n), Some(c)) = (note, seg.element(1)) {
                        n.contexts.push(Context {
                            name: c.component(1).map(|c| text(c.raw())).unwrap_or_default(),
                            reference: c.component(2).and_then(|c| opt_text(c.raw())),
                        });
                    }
                }
                b"IK4" => {
                    let note = ack
                        .as_mut()
                        .and_then(|a| a.sets.last_mut())
                        .and_then(|s| s.segments.last_mut());
                    if let (Some(n), Some(pos)) = (note, seg.element(1)) {
                        let comp = |k: usize| pos.component(k).and_then(|c| num(c.raw()));
                        n.elements.push(ElementNote {
                            element: comp(1).unwrap_or(0),
                            component: comp(2),
                            repetition: comp(3),
                            reference: opt_text(e(2)),
                            code: text(e(3)),
                            value: opt_text(e(4)),
                        });
                    }
                }
                b"IK5" => {
                    if let Some(s) = ack.as_mut().and_then(|a| a.sets.last_mut()) {
                        s.status = AckStatus::from_code(e(1)).unwrap_or(AckStatus::Rejected);
                        s.errors = (2..=6).map(e).filter(|c| !c.is_empty()).map(text).collect();
                    }
                }
                b"AK9" => {
                    if let Some(a) = ack.as_mut() {
                        a.status = AckStatus::from_code(e(1)).unwrap_or(AckStatus::Rejected);
                        a.included = num(e(2)).unwrap_or(0);
                        a.received = num(e(3)).unwrap_or(0);
                        a.accepted = num(e(4)).unwrap_or(0);
                        a.errors = (5..=9).map(e).filter(|c| !c.is_empty()).map(text).collect();
                    }
                }
                _ => {}
            }
        }
        ack
    }
}

/// The 2000 loop of one set from its error-level issues.
fn set_response(set: &TransactionSet<'_>, issues: &[&Issue]) -> SetResponse {
    let mut segments: Vec<SegmentNote> = Vec::new();
    let mut errors = Vec::new();
    let mut syntax = false;
    let mut segment_level = false;
    let segs: Vec<Segment<'_>> = if issues.is_empty() {
        Vec::new()
    } else {
        set.segments().collect()
    };
    for i in issues {
        let pos = i.position.map_or(0, |p| p as u32 + 1);
        // IK303 (element 447) holds 1–4 characters: the loop number (2010 for 2010AA).
        let loop_id = Some(i.loop_id)
            .filter(|l| !l.is_empty() && !matches!(*l, "header" | "trailer"))
            .map(|l| l.chars().take(4).collect());
        match i.kind {
            IssueKind::Envelope(_) => {
                if let AckCode::Ik5(c) = i.ack_code() {
                    push_code(&mut errors, c);
                }
                continue;
            }
            IssueKind::Element(_) | IssueKind::Balance(_) => {
                segment_level = true;
                syntax |= i.snip() == 1;
                let code = i.ack_code().code().to_string();
                let element = i.location.element().unwrap_or(0) as u32;
                let value = match code.as_str() {
                    "4" | "5" | "6" | "7" | "8" | "9" | "I12" => i
                        .position
                        .and_then(|p| segs.get(p))
                        .and_then(|s| bad_value(s, &i.location))
                        .map(|v| v.chars().take(99).collect()),
                    _ => None,
                };
                let note = ElementNote {
                    element,
                    component: i.location.component().map(|c| c as u32),
                    repetition: i.location.repetition().map(|r| r as u32),
                    reference: i.data_element.map(str::to_string),
                    code,
                    value,
                };
                let same = segments
                    .last_mut()
                    .filter(|s| s.position == pos && s.code == "8");
                match same {
                    Some(s) => s.elements.push(note),
                    None => {
                        let mut s = segment_note(i, pos, loop_id, "8", &segs, set);
                        s.elements.push(note);
                        segments.push(s);
                    }
                }
            }
            IssueKind::Loop(_) | IssueKind::Segment(_) | IssueKind::Situational(_) => {
                segment_level = true;
                syntax |= i.snip() == 1;
                let code = i.ack_code().code();
                segments.push(segment_note(i, pos, loop_id, code, &segs, set));
            }
        }
    }
    if segment_level {
        push_code(&mut errors, if syntax { "5" } else { "I5" });
    }
    let status = if issues.is_empty() {
        AckStatus::Accepted
    } else {
        AckStatus::Rejected
    };
    SetResponse {
        set_id: text(set.id()),
        control_number: text(set.control_number()),
        implementation_reference: set.implementation_reference().map(text),
        segments,
        status,
        errors,
    }
}

fn segment_note(
    i: &Issue,
    pos: u32,
    loop_id: Option<String>,
    code: &str,
    segs: &[Segment<'_>],
    set: &TransactionSet<'_>,
) -> SegmentNote {
    let mut contexts = Vec::new();
    // The business unit of an 837 claim-level error: CLM01 of its claim.
    if set.id() == b"837" && (i.loop_id.starts_with("23") || i.loop_id.starts_with("24")) {
        let p = i.position.unwrap_or(0).min(segs.len());
        let clm = segs
            .get(..=p.min(segs.len().saturating_sub(1)))
            .unwrap_or(&[])
            .iter()
            .rev()
            .take_while(|s| s.id() != b"HL")
            .find(|s| s.id() == b"CLM");
        if let Some(clm) = clm {
            contexts.push(Context {
                name: "CLM01".to_string(),
                reference: opt_text(clm.raw_element(1)),
            });
        }
    }
    // An unrecognized identifier is echoed when it is 2–3 printable characters.
    let segment_id = match i.kind {
        IssueKind::Segment(crate::SegmentError::UnrecognizedSegmentId) => i
            .position
            .and_then(|p| segs.get(p))
            .map(|s| s.id())
            .filter(|id| (2..=3).contains(&id.len()) && id.iter().all(u8::is_ascii_alphanumeric))
            .map_or_else(|| "??".to_string(), text),
        _ => i.location.segment_id().to_string(),
    };
    SegmentNote {
        segment_id,
        position: pos,
        loop_id,
        code: code.to_string(),
        contexts,
        elements: Vec::new(),
    }
}

/// The bad value an IK404 copies: the component, repetition or element the issue names.
fn bad_value(seg: &Segment<'_>, loc: &crate::Location) -> Option<String> {
    let el = seg.element(loc.element()?)?;
    let rep = match loc.repetition() {
        Some(r) => el.repetition(r)?,
        None => el.repetition(1)?,
    };
    let raw = match loc.component() {
        Some(c) => rep.component(c)?.raw(),
        None => rep.raw(),
    };
    opt_text(raw)
}

/// What the acknowledgment interchanges carry besides the answer: the date and time to
/// write (YYMMDD / HHMM; the GS date is 20YYMMDD), delimiters, line ending, usage.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AckOptions {
    /// ISA09 date, YYMMDD.
    pub date: String,
    /// ISA10 / GS05 time, HHMM.
    pub time: String,
    /// Delimiters of the acknowledgment interchange.
    pub delimiters: Delimiters,
    /// Line ending after each segment.
    pub line_ending: LineEnding,
}

impl AckOptions {
    /// Options with the given date (YYMMDD) and time (HHMM), default delimiters and LF.
    pub fn new(date: &str, time: &str) -> AckOptions {
        AckOptions {
            date: date.to_string(),
            time: time.to_string(),
            delimiters: Delimiters::default(),
            line_ending: LineEnding::Lf,
        }
    }
}

/// The ISA of the answer: sender and receiver of `ich` swapped.
fn answer_header(ich: &Interchange<'_>, opts: &AckOptions) -> InterchangeHeader {
    let isa = |k: usize| {
        ich.isa()
            .map(|s| text(s.raw_element(k)).trim_end().to_string())
            .unwrap_or_default()
    };
    let mut h = InterchangeHeader::new(&isa(8), &isa(6), &opts.date, &opts.time);
    h.sender_qualifier = isa(7);
    h.receiver_qualifier = isa(5);
    // ISA15 is echoed when it is a usage indicator (P or T); anything else answers as P.
    if let Some(u) = isa(15).chars().next().filter(|c| matches!(c, 'P' | 'T')) {
        h.usage = u;
    }
    h
}

/// Writes a 999 interchange answering every interchange of `doc` that holds functional
/// groups: sender and receiver swapped, one `FA` group, one 999 per inbound group.
///
/// # Errors
/// [`ErrorKind::InvalidValue`](crate::ErrorKind::InvalidValue) when an inbound sender
/// or receiver id does not fit the ISA; [`ErrorKind::DelimiterInData`](crate::ErrorKind::DelimiterInData)
/// when an echoed value holds one of `opts.delimiters`.
///
/// # Examples
/// ```
/// use carewire_x12::{validate, write_999, AckOptions, Document, SequentialControlNumbers};
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*7*X*005010X222A1~\
/// ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~SE*3*0001~GE*1*7~IEA*1*000000001~";
/// let doc = Document::parse(input)?;
/// let out = write_999(&doc, &validate(&doc), &AckOptions::new("240102", "0800"),
///     &mut SequentialControlNumbers::default())?;
/// let text = String::from_utf8(out)?;
/// assert!(text.contains("*ZZ*RECEIVER       *ZZ*SENDER         *240102*0800*"));
/// // No 1000A loop: reported at the last segment read before it belongs (BHT, 2).
/// assert!(text.contains("\nAK1*HC*7*005010X222A1~\nAK2*837*0001*005010X222A1~\nIK3*NM1*2*1000*3~"));
/// assert!(text.contains("\nIK5*R*I5~\nAK9*R*1*1*0~\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_999(
    doc: &Document<'_>,
    report: &Report,
    opts: &AckOptions,
    numbers: &mut dyn ControlNumbers,
) -> Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new(), opts.delimiters, opts.line_ending);
    for (n, ich) in doc.interchanges().enumerate() {
        if ich.group_count() == 0 {
            continue;
        }
        w.begin_interchange(&answer_header(&ich, opts), numbers)?;
        let first = ich.groups().next();
        let gs = |k: usize| {
            first
                .as_ref()
                .and_then(|g| g.gs())
                .map(|s| text(s.raw_element(k)))
                .unwrap_or_default()
        };
        let header = GroupHeader::new(
            "FA",
            &gs(3),
            &gs(2),
            &format!("20{}", opts.date),
            &opts.time,
            "005010X231A1",
        );
        w.begin_group(&header, numbers)?;
        for (g, group) in ich.groups().enumerate() {
            Ack999::for_group(&group, report, n, g).write(&mut w, numbers)?;
        }
        w.end_group()?;
        w.end_interchange()?;
    }
    w.into_inner()
}

/// Writes a TA1 interchange answering every interchange of `doc`: sender and receiver
/// swapped, one [`Ta1`] (status and note code from the envelope findings), no group.
///
/// # Errors
/// As [`write_999`].
pub fn write_ta1(
    doc: &Document<'_>,
    opts: &AckOptions,
    numbers: &mut dyn ControlNumbers,
) -> Result<Vec<u8>> {
    let mut w = Writer::new(Vec::new(), opts.delimiters, opts.line_ending);
    for ich in doc.interchanges() {
        w.begin_interchange(&answer_header(&ich, opts), numbers)?;
        w.ta1(&Ta1::for_interchange(&ich))?;
        w.end_interchange()?;
    }
    w.into_inner()
}
