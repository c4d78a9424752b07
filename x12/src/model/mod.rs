//! Typed, borrowed models of the HIPAA transactions: 837 claims
//! ([`HealthCareClaim`]), 835 remittances ([`Remittance`]) and 270/271 eligibility
//! ([`Eligibility`]).
//!
//! Every text field is a [`Text`]: a view of the element bytes in the input, never a
//! copy. Money, percentages and quantities are exact [`Decimal`]s. Models are built in
//! one pass over a transaction set's segments, without the loop tree, so building
//! them costs little more than reading the segments (see `BENCHMARKS.md`).
//!
//! Building never fails: an element that should be a number and is not becomes `None`
//! and is listed in the model's `problems` (segment position, element number). Which
//! segments are required is the validator's business, not the model's.
//!
//! `Debug` of a model shows its shape and the length of each text, never the text.
//! With the `serde` feature every model serializes (`Text` as a JSON string, `Decimal`
//! as a JSON string holding the exact number; `None` and empty lists are left out).
//!
//! Lists that are short in practice (procedure modifiers, diagnosis pointers, a line's
//! dates and adjustments, the first HI codes of a claim) are [`SmallVec`]s that keep
//! their first items inline, so building a claim allocates little; they dereference to
//! slices like a `Vec` and serialize the same way. Unlike a `Vec`, a `SmallVec` of
//! borrowed items needs what it borrows to outlive it when it is dropped: keep the input
//! (and any other model compared with this one) declared before the model.

use std::borrow::Cow;
use std::fmt;

/// The inline-first vector used by the short model lists (re-exported from `smallvec`).
pub use smallvec::SmallVec;

use crate::decimal::Decimal;
use crate::stream::SegmentBuf;
use crate::view::{Element, Segment};

pub(crate) mod claim;
pub(crate) mod eligibility;
pub(crate) mod remittance;

pub use claim::{
    BillingProvider, Claim, ClaimKind, Drug, HealthCareClaim, HealthCode, LineAdjudication,
    LineKind, OtherSubscriber, Patient, ServiceLine, Subscriber, Tooth,
};
pub use eligibility::{
    Benefit, Eligibility, EligibilityKind, InformationReceiver, InformationSource, Inquiry, Member,
    MemberLevel,
};
pub use remittance::{
    ClaimPayment, Inpatient, Outpatient, Payment, PlbAdjustment, ProviderAdjustment, Remittance,
    ServicePayment,
};

/// A text value borrowed from the input: element, repetition or component bytes.
///
/// X12 text is ASCII (or UTF-8 in practice); [`Text::as_str`] borrows when the bytes
/// are valid UTF-8. `Debug` shows the length only.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<'a>(&'a [u8]);

impl<'a> Text<'a> {
    /// A text over `raw`.
    pub fn new(raw: &'a [u8]) -> Text<'a> {
        Text(raw)
    }

    /// The bytes as on the wire.
    pub fn raw(&self) -> &'a [u8] {
        self.0
    }

    /// The text, borrowed when valid UTF-8 (U+FFFD replacements otherwise).
    pub fn as_str(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.0)
    }

    /// The text when it is valid UTF-8.
    pub fn to_str(&self) -> Option<&'a str> {
        std::str::from_utf8(self.0).ok()
    }

    /// Is it empty?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Text(len {})", self.0.len())
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

/// One element that should have held a number and did not: the model has `None` there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Problem {
    /// 0-based position of the segment in what the model was built from (ST is 0 when
    /// built from a transaction set).
    pub position: usize,
    /// The segment identifier.
    #[cfg_attr(feature = "serde", serde(serialize_with = "ser_id"))]
    pub segment: [u8; 3],
    /// 1-based element number.
    pub element: usize,
    /// 1-based component number, when the number is a component.
    pub component: Option<usize>,
}

#[cfg(feature = "serde")]
fn ser_id<S: serde::Serializer>(id: &[u8; 3], s: S) -> Result<S::Ok, S::Error> {
    let len = id.iter().position(|&b| b == 0).unwrap_or(3);
    s.serialize_str(std::str::from_utf8(&id[..len]).unwrap_or("?"))
}

/// A person or organization: NM1 (or N1 in an 835) with what follows it in its loop
/// (N3/N4 address, REF, PER, PRV, DMG).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Party<'a> {
    /// The implementation-guide loop (`"2010AA"`, `"2310B"`, `"1000A"`…), or `""`
    /// when the qualifier selects no loop of the guide.
    pub loop_id: &'static str,
    /// NM101 / N101, the entity identifier code (`85` billing provider, `IL` insured…).
    pub entity: Text<'a>,
    /// NM102: `1` person, `2` non-person entity.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub entity_type: Option<Text<'a>>,
    /// NM103 / N102: last name or organization name.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub name: Option<Text<'a>>,
    /// NM104.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub first_name: Option<Text<'a>>,
    /// NM105.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub middle_name: Option<Text<'a>>,
    /// NM107.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub suffix: Option<Text<'a>>,
    /// NM108 / N103: identification code qualifier (`XX` NPI, `MI` member id…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub id_qualifier: Option<Text<'a>>,
    /// NM109 / N104: identification code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub id: Option<Text<'a>>,
    /// N3/N4.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub address: Option<Address<'a>>,
    /// REF segments of the loop.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub references: Vec<Reference<'a>>,
    /// PER segments of the loop.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub contacts: Vec<Contact<'a>>,
    /// PRV03, the provider taxonomy code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub taxonomy: Option<Text<'a>>,
    /// DMG.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub demographics: Option<Demographics<'a>>,
}

/// N3 and N4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Address<'a> {
    /// N301.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub line1: Option<Text<'a>>,
    /// N302.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub line2: Option<Text<'a>>,
    /// N401.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub city: Option<Text<'a>>,
    /// N402.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub state: Option<Text<'a>>,
    /// N403.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub postal_code: Option<Text<'a>>,
    /// N404.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub country: Option<Text<'a>>,
}

/// REF: a qualified reference number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Reference<'a> {
    /// REF01.
    pub qualifier: Text<'a>,
    /// REF02.
    pub value: Text<'a>,
}

/// PER: a contact with up to three communication numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Contact<'a> {
    /// PER01, the contact function code.
    pub function: Text<'a>,
    /// PER02.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub name: Option<Text<'a>>,
    /// (PER03, PER04), (PER05, PER06), (PER07, PER08): qualifier (`TE`, `EM`…) and number.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub numbers: Vec<(Text<'a>, Text<'a>)>,
}

/// DMG: date of birth and gender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Demographics<'a> {
    /// DMG01, the date format (`D8`).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub format: Option<Text<'a>>,
    /// DMG02, the date of birth.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub birth_date: Option<Text<'a>>,
    /// DMG03, the gender code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub gender: Option<Text<'a>>,
}

/// DTP (qualifier, format, value) or DTM (qualifier, date; format `D8`, time in
/// `time`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct DateRef<'a> {
    /// DTP01 / DTM01 (`472` service date, `232` claim statement period start…).
    pub qualifier: Text<'a>,
    /// DTP02 (`D8`, `RD8`); `None` for DTM.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub format: Option<Text<'a>>,
    /// DTP03 / DTM02: `CCYYMMDD`, or `CCYYMMDD-CCYYMMDD` for `RD8`.
    pub value: Text<'a>,
    /// DTM03, a time.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub time: Option<Text<'a>>,
}

/// AMT or QTY: a qualified amount or quantity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Amount<'a> {
    /// AMT01 / QTY01.
    pub qualifier: Text<'a>,
    /// AMT02 / QTY02 (`None` when not a number).
    pub value: Option<Decimal>,
}

/// A composite procedure code (SV101, SV202, SV301, SVC01, EB13, EQ02): qualifier,
/// code, up to four modifiers, description.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Procedure<'a> {
    /// Component 1: product/service id qualifier (`HC` HCPCS/CPT, `AD` ADA, `NU`…).
    pub qualifier: Text<'a>,
    /// Component 2: the code.
    pub code: Text<'a>,
    /// Components 3–6, non-empty ones (at most four, kept inline).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub modifiers: SmallVec<[Text<'a>; 4]>,
    /// Component 7.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub description: Option<Text<'a>>,
}

/// CAS: one adjustment (a CAS segment holds up to six: one `Adjustment` each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Adjustment<'a> {
    /// CAS01, the claim adjustment group code (`CO`, `PR`, `OA`, `PI`, `CR`).
    pub group: Text<'a>,
    /// CAS02/05/08/…, the claim adjustment reason code (CARC).
    pub reason: Text<'a>,
    /// CAS03/06/09/…, the amount.
    pub amount: Option<Decimal>,
    /// CAS04/07/10/…, the quantity.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub quantity: Option<Decimal>,
}

/// AAA: a request validation (rejection) with its reason and follow-up codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Rejection<'a> {
    /// AAA01, `Y` valid / `N` invalid request.
    pub valid: Text<'a>,
    /// AAA03, the reject reason code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub reason: Option<Text<'a>>,
    /// AAA04, the follow-up action code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub follow_up: Option<Text<'a>>,
}

/// TRN: a trace number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Trace<'a> {
    /// TRN01, the trace type code.
    pub trace_type: Text<'a>,
    /// TRN02, the reference (an 835's check or EFT number).
    pub reference: Text<'a>,
    /// TRN03, the originating company identifier.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub originator: Option<Text<'a>>,
    /// TRN04, supplemental reference.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub supplemental: Option<Text<'a>>,
}

/// What the model builders need from a segment: the slice parser's [`Segment`] and the
/// streaming reader's [`SegmentBuf`] both give it.
pub(crate) trait Seg<'a>: Copy {
    fn id(&self) -> &'a [u8];
    fn element(&self, n: usize) -> Option<Element<'a>>;

    fn raw(&self, n: usize) -> &'a [u8] {
        self.element(n).map_or(&[][..], |e| e.raw())
    }
}

impl<'a> Seg<'a> for Segment<'a> {
    fn id(&self) -> &'a [u8] {
        Segment::id(self)
    }
    fn element(&self, n: usize) -> Option<Element<'a>> {
        Segment::element(self, n)
    }
    fn raw(&self, n: usize) -> &'a [u8] {
        self.raw_element(n)
    }
}

impl<'a> Seg<'a> for &'a SegmentBuf {
    fn id(&self) -> &'a [u8] {
        SegmentBuf::id(self)
    }
    fn element(&self, n: usize) -> Option<Element<'a>> {
        SegmentBuf::element(self, n)
    }
}

/// `push` that grows a vector 1, 2, 4… instead of starting at 4: most model lists hold
/// one or two large items, and the default would allocate four.
pub(crate) trait PushExact<T> {
    fn push1(&mut self, item: T);
}

impl<T> PushExact<T> for Vec<T> {
    #[inline]
    fn push1(&mut self, item: T) {
        if self.len() == self.capacity() {
            self.reserve_exact(self.len().max(1));
        }
        self.push(item);
    }
}

impl<A: smallvec::Array> PushExact<A::Item> for SmallVec<A> {
    #[inline]
    fn push1(&mut self, item: A::Item) {
        self.push(item);
    }
}

/// The last item of `v`, pushing a default one first when `v` is empty: the "current"
/// loop instance of a model builder.
pub(crate) fn last<T: Default>(v: &mut Vec<T>) -> &mut T {
    if v.is_empty() {
        v.push1(T::default());
    }
    let n = v.len() - 1;
    &mut v[n]
}

/// Collects number problems while a model is built.
#[derive(Default)]
pub(crate) struct Ctx {
    pub(crate) problems: Vec<Problem>,
    pub(crate) position: usize,
}

impl Ctx {
    fn problem(&mut self, id: &[u8], element: usize, component: Option<usize>) {
        let mut segment = [0u8; 3];
        for (d, s) in segment.iter_mut().zip(id) {
            *d = *s;
        }
        self.problems.push1(Problem {
            position: self.position,
            segment,
            element,
            component,
        });
    }

    /// Element `n` as a number: `None` when empty, `None` and a problem when not a number.
    pub(crate) fn num<'a, S: Seg<'a>>(&mut self, seg: &S, n: usize) -> Option<Decimal> {
        let raw = seg.raw(n);
        self.parse_num(seg.id(), raw, n, None)
    }

    fn parse_num(
        &mut self,
        id: &[u8],
        raw: &[u8],
        n: usize,
        component: Option<usize>,
    ) -> Option<Decimal> {
        if raw.is_empty() {
            return None;
        }
        match Decimal::parse(raw) {
            Ok(v) => Some(v),
            Err(_) => {
                self.problem(id, n, component);
                None
            }
        }
    }
}

/// Element `n` as text (empty when absent).
pub(crate) fn text<'a, S: Seg<'a>>(seg: &S, n: usize) -> Text<'a> {
    Text(seg.raw(n))
}

/// Element `n` as text, `None` when absent or empty.
pub(crate) fn opt<'a, S: Seg<'a>>(seg: &S, n: usize) -> Option<Text<'a>> {
    Some(Text(seg.raw(n))).filter(|t| !t.is_empty())
}

/// Component `c` of the first repetition of element `n`, `None` when absent or empty.
pub(crate) fn comp<'a, S: Seg<'a>>(seg: &S, n: usize, c: usize) -> Option<Text<'a>> {
    let e = seg.element(n)?;
    Some(Text(e.component(c)?.raw())).filter(|t| !t.is_empty())
}

/// The non-empty components of the first repetition of element `n`.
pub(crate) fn components<'a, S: Seg<'a>, C: FromIterator<Text<'a>> + Default>(
    seg: &S,
    n: usize,
) -> C {
    match seg.element(n) {
        Some(e) if !e.is_empty() => e
            .components()
            .map(|c| Text(c.raw()))
            .filter(|t| !t.is_empty())
            .collect(),
        _ => C::default(),
    }
}

/// The non-empty repetitions of element `n` (split on the repetition separator).
pub(crate) fn repetitions<'a, S: Seg<'a>>(seg: &S, n: usize) -> Vec<Text<'a>> {
    match seg.element(n) {
        Some(e) if !e.is_empty() => e
            .repetitions()
            .map(|r| Text(r.raw()))
            .filter(|t| !t.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn party<'a, S: Seg<'a>>(seg: &S, loop_id: &'static str) -> Party<'a> {
    let mut p = Party::default();
    fill_party(&mut p, seg, loop_id);
    p
}

/// Fills the NM1/N1 fields of `p` (a default party) in place: a `Party` is large, and
/// building it where it is stored saves a copy.
pub(crate) fn fill_party<'a, S: Seg<'a>>(p: &mut Party<'a>, seg: &S, loop_id: &'static str) {
    p.loop_id = loop_id;
    p.entity = text(seg, 1);
    if seg.id() == b"N1" {
        p.name = opt(seg, 2);
        p.id_qualifier = opt(seg, 3);
        p.id = opt(seg, 4);
        return;
    }
    p.entity_type = opt(seg, 2);
    p.name = opt(seg, 3);
    p.first_name = opt(seg, 4);
    p.middle_name = opt(seg, 5);
    p.suffix = opt(seg, 7);
    p.id_qualifier = opt(seg, 8);
    p.id = opt(seg, 9);
}

/// Applies N3, N4, REF, PER, PRV or DMG to `p`; false for any other segment.
pub(crate) fn party_detail<'a, S: Seg<'a>>(p: &mut Party<'a>, seg: &S) -> bool {
    match seg.id() {
        b"N3" => {
            let a = p.address.get_or_insert_with(Address::default);
            a.line1 = opt(seg, 1);
            a.line2 = opt(seg, 2);
        }
        b"N4" => {
            let a = p.address.get_or_insert_with(Address::default);
            a.city = opt(seg, 1);
            a.state = opt(seg, 2);
            a.postal_code = opt(seg, 3);
            a.country = opt(seg, 4);
        }
        b"REF" => p.references.push1(reference(seg)),
        b"PER" => p.contacts.push1(contact(seg)),
        b"PRV" => p.taxonomy = opt(seg, 3),
        b"DMG" => p.demographics = Some(demographics(seg)),
        _ => return false,
    }
    true
}

pub(crate) fn reference<'a, S: Seg<'a>>(seg: &S) -> Reference<'a> {
    Reference {
        qualifier: text(seg, 1),
        value: text(seg, 2),
    }
}

pub(crate) fn contact<'a, S: Seg<'a>>(seg: &S) -> Contact<'a> {
    let mut numbers = Vec::new();
    for k in [3, 5, 7] {
        if let Some(q) = opt(seg, k) {
            numbers.push1((q, text(seg, k + 1)));
        }
    }
    Contact {
        function: text(seg, 1),
        name: opt(seg, 2),
        numbers,
    }
}

pub(crate) fn demographics<'a, S: Seg<'a>>(seg: &S) -> Demographics<'a> {
    Demographics {
        format: opt(seg, 1),
        birth_date: opt(seg, 2),
        gender: opt(seg, 3),
    }
}

/// DTP or DTM.
pub(crate) fn date<'a, S: Seg<'a>>(seg: &S) -> DateRef<'a> {
    if seg.id() == b"DTM" {
        DateRef {
            qualifier: text(seg, 1),
            format: None,
            value: text(seg, 2),
            time: opt(seg, 3),
        }
    } else {
        DateRef {
            qualifier: text(seg, 1),
            format: opt(seg, 2),
            value: text(seg, 3),
            time: None,
        }
    }
}

pub(crate) fn amount<'a, S: Seg<'a>>(ctx: &mut Ctx, seg: &S) -> Amount<'a> {
    Amount {
        qualifier: text(seg, 1),
        value: ctx.num(seg, 2),
    }
}

/// A composite procedure code in element `n`; `None` when the element is empty.
pub(crate) fn procedure<'a, S: Seg<'a>>(seg: &S, n: usize) -> Option<Procedure<'a>> {
    let mut p = None;
    set_procedure(&mut p, seg, n);
    p
}

/// Sets `slot` to the composite procedure code in element `n` (`None` when the element
/// is empty), building it in place.
pub(crate) fn set_procedure<'a, S: Seg<'a>>(slot: &mut Option<Procedure<'a>>, seg: &S, n: usize) {
    let Some(e) = seg.element(n).filter(|e| !e.is_empty()) else {
        *slot = None;
        return;
    };
    let p = slot.insert(Procedure::default());
    for (i, c) in e.components().enumerate() {
        let t = Text(c.raw());
        match i {
            0 => p.qualifier = t,
            1 => p.code = t,
            2..=5 if !t.is_empty() => p.modifiers.push1(t),
            6 if !t.is_empty() => p.description = Some(t),
            _ => {}
        }
    }
}

/// Every (reason, amount, quantity) triplet of a CAS segment.
pub(crate) fn adjustments<'a, S: Seg<'a>, V: PushExact<Adjustment<'a>>>(
    ctx: &mut Ctx,
    seg: &S,
    out: &mut V,
) {
    let group = text(seg, 1);
    for k in (2..=17).step_by(3) {
        let reason = text(seg, k);
        let amount = ctx.num(seg, k + 1);
        if reason.is_empty() && amount.is_none() {
            continue;
        }
        out.push1(Adjustment {
            group,
            reason,
            amount,
            quantity: ctx.num(seg, k + 2),
        });
    }
}

pub(crate) fn rejection<'a, S: Seg<'a>>(seg: &S) -> Rejection<'a> {
    Rejection {
        valid: text(seg, 1),
        reason: opt(seg, 3),
        follow_up: opt(seg, 4),
    }
}

pub(crate) fn trace<'a, S: Seg<'a>>(seg: &S) -> Trace<'a> {
    Trace {
        trace_type: text(seg, 1),
        reference: text(seg, 2),
        originator: opt(seg, 3),
        supplemental: opt(seg, 4),
    }
}
