//! Builders for 837P / 837I claims and 270 eligibility inquiries (the provider's side)
//! and for 835 remittances ([`Remittance835`]) and 271 eligibility responses
//! ([`Eligibility271`], the payer's side): typed input in, an
//! implementation-guide shaped transaction set out. They number the HL hierarchy (HL01
//! in sequence, HL02 the parent, HL04 whether children follow), compute CLM02 from the
//! line charges and BPR02 from the claim payments, and leave SE01/GE01/IEA01, ISA
//! padding and control numbers to the [`Writer`] and the caller's [`ControlNumbers`]
//! allocator.
//!
//! The 999 and TA1 builders are [`Ack999::write`](crate::Ack999::write) and
//! [`Writer::ta1`]; [`write_999`](crate::write_999) and [`write_ta1`](crate::write_ta1)
//! answer whole documents.

use std::io::Write;

use crate::decimal::Decimal;
use crate::error::{Error, ErrorKind, Result};
use crate::write::{ControlNumbers, Field, GroupHeader, InterchangeHeader, LineEnding, Writer};
use crate::Delimiters;

mod elig;
mod remit;

pub use elig::{BenefitLine, Eligibility271, Rejection, ResponsePerson, ResponseSubscriber, Trace};

pub use remit::{
    Balancing, BankAccounts, ClaimAdjustment, PaidClaim, PaidLine, Payment, PaymentMethod,
    PlbAmount, ProviderAdjustment, RemitPayee, RemitPayer, Remittance835,
};

/// Shows a patient-data string as its length only (PHI-safe `Debug`).
struct Redacted<'a>(&'a str);

impl std::fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

/// [`Redacted`] for an optional string.
fn redacted(v: &Option<String>) -> Option<Redacted<'_>> {
    v.as_deref().map(Redacted)
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Address")
            .field("line1", &Redacted(&self.line1))
            .field("line2", &redacted(&self.line2))
            .field("city", &Redacted(&self.city))
            .field("state", &Redacted(&self.state))
            .field("postal_code", &Redacted(&self.postal_code))
            .finish()
    }
}

impl std::fmt::Debug for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Party")
            .field("name", &Redacted(&self.name))
            .field("first_name", &redacted(&self.first_name))
            .field("id", &Redacted(&self.id))
            .finish()
    }
}

impl std::fmt::Debug for Demographics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demographics")
            .field("birth_date", &Redacted(&self.birth_date))
            .field("gender", &Redacted(&self.gender))
            .finish()
    }
}

impl std::fmt::Debug for ServiceLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceLine")
            .field("revenue_code", &self.revenue_code)
            .field("procedure", &self.procedure)
            .field("modifiers", &self.modifiers)
            .field("charge", &self.charge)
            .field("units", &self.units)
            .field("date", &redacted(&self.date))
            .finish()
    }
}

impl std::fmt::Debug for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claim")
            .field("id", &Redacted(&self.id))
            .field("facility_code", &self.facility_code)
            .field("frequency", &self.frequency)
            .field("statement_period", &self.statement_period.is_some())
            .field("institutional", &self.institutional)
            .field("diagnoses", &self.diagnoses.len())
            .field("admission", &self.admission.is_some())
            .field("discharge", &self.discharge.is_some())
            .field("admitting_diagnosis", &self.admitting_diagnosis.is_some())
            .field("visit_reasons", &self.visit_reasons.len())
            .field("attending", &self.attending)
            .field("operating", &self.operating)
            .field("rendering", &self.rendering)
            .field("original_reference", &self.original_reference.is_some())
            .field("lines", &self.lines)
            .finish()
    }
}

/// A postal address (N3/N4).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// N301.
    pub line1: String,
    /// N302, when present.
    pub line2: Option<String>,
    /// N401.
    pub city: String,
    /// N402.
    pub state: String,
    /// N403.
    pub postal_code: String,
}

/// A person or organization with an identifier (NM1).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Party {
    /// NM103: last or organization name.
    pub name: String,
    /// NM104: first name (persons only).
    pub first_name: Option<String>,
    /// NM109: the identifier (NPI, payer id, member id, ...).
    pub id: String,
}

impl Party {
    /// An organization.
    pub fn organization(name: &str, id: &str) -> Party {
        Party {
            name: name.to_string(),
            first_name: None,
            id: id.to_string(),
        }
    }

    /// A person.
    pub fn person(last: &str, first: &str, id: &str) -> Party {
        Party {
            name: last.to_string(),
            first_name: Some(first.to_string()),
            id: id.to_string(),
        }
    }

    /// NM102: 1 person, 2 organization.
    fn entity_type(&self) -> &'static str {
        if self.first_name.is_some() {
            "1"
        } else {
            "2"
        }
    }
}

/// Demographics (DMG): birth date (CCYYMMDD) and gender (`F`, `M`, `U`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Demographics {
    /// DMG02.
    pub birth_date: String,
    /// DMG03.
    pub gender: String,
}

/// The kind of 837.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ClaimKind {
    /// 837P, 005010X222A1.
    #[default]
    Professional,
    /// 837I, 005010X223A2.
    Institutional,
}

impl ClaimKind {
    /// The implementation convention reference (ST03 / GS08).
    pub fn version(&self) -> &'static str {
        match self {
            ClaimKind::Professional => "005010X222A1",
            ClaimKind::Institutional => "005010X223A2",
        }
    }
}

/// One service line (2400).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ServiceLine {
    /// SV2-01: the revenue code (837I only).
    pub revenue_code: Option<String>,
    /// The HCPCS/CPT procedure code (SV1-01-2 / SV2-02-2).
    pub procedure: String,
    /// Procedure modifiers (up to four).
    pub modifiers: Vec<String>,
    /// The line charge (SV1-02 / SV2-03).
    pub charge: Decimal,
    /// Units (SV1-04 / SV2-05).
    pub units: Decimal,
    /// Service date, CCYYMMDD (DTP*472).
    pub date: Option<String>,
}

/// One claim (2300).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Claim {
    /// CLM01: the patient control number.
    pub id: String,
    /// CLM05-1: place of service (837P) or facility type code (837I).
    pub facility_code: String,
    /// CLM05-3: claim frequency type code (default `1`).
    pub frequency: String,
    /// Statement period CCYYMMDD-CCYYMMDD (DTP*434; required in an 837I). 837I only:
    /// the 837P guide (005010X222A1) has no DTP*434 in loop 2300, so set on an 837P
    /// claim it is [`ErrorKind::InvalidValue`].
    pub statement_period: Option<(String, String)>,
    /// CL101–CL103 (837I): admission type, admission source, patient status. 837I only:
    /// the 837P guide has no CL1, so set on an 837P claim it is
    /// [`ErrorKind::InvalidValue`].
    pub institutional: Option<(String, String, String)>,
    /// ICD-10-CM diagnosis codes; the first is the principal diagnosis.
    pub diagnoses: Vec<String>,
    /// The service lines (at least one).
    pub lines: Vec<ServiceLine>,
    /// Admission date and hour (DTP*435), `CCYYMMDD` or `CCYYMMDDHHMM`. An 837I writes
    /// `DT` with the hour, `D8` without; an 837P writes the date alone (`D8`). The 837I
    /// guide requires it on inpatient claims. Another length is
    /// [`ErrorKind::InvalidValue`].
    pub admission: Option<String>,
    /// Discharge (DTP*096), `CCYYMMDDHHMM`, `CCYYMMDD` or `HHMM`. An 837I writes the
    /// discharge hour (`TM`, required on final inpatient claims), an 837P the discharge
    /// date (`D8`). A value without the part the kind needs is
    /// [`ErrorKind::InvalidValue`].
    pub discharge: Option<String>,
    /// The admitting diagnosis (837I HI*ABJ), ICD-10-CM; required on inpatient
    /// admissions. 837I only: set on an 837P claim it is [`ErrorKind::InvalidValue`].
    pub admitting_diagnosis: Option<String>,
    /// The patient's reasons for visit (837I HI*APR, up to three), ICD-10-CM; sent on
    /// unscheduled outpatient visits. 837I only, as `admitting_diagnosis`.
    pub visit_reasons: Vec<String>,
    /// The attending provider (837I 2310A NM1*71, PRV*AT with the taxonomy). 837I only,
    /// as `admitting_diagnosis`.
    pub attending: Option<ClaimProvider>,
    /// The operating physician (837I 2310B NM1*72; the taxonomy is not sent). 837I
    /// only, as `admitting_diagnosis`.
    pub operating: Option<ClaimProvider>,
    /// The rendering provider (837P 2310B NM1*82 with PRV*PE; 837I 2310D NM1*82, the
    /// taxonomy is not sent), when it differs from the billing provider.
    pub rendering: Option<ClaimProvider>,
    /// The payer claim control number of the original claim (2300 REF*F8), which the
    /// guides require when `frequency` is `7` (replacement of prior claim) or `8` (void
    /// or cancel of prior claim). An empty string is [`ErrorKind::InvalidValue`].
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::Claim;
    /// let replacement = Claim {
    ///     id: "PCN1".into(),
    ///     frequency: "7".into(),
    ///     original_reference: Some("ICN20240311001".into()),
    ///     ..Default::default()
    /// };
    /// // Debug says whether it is there, never what it is.
    /// let debug = format!("{replacement:?}");
    /// assert!(debug.contains("original_reference: true") && !debug.contains("ICN2024"));
    /// ```
    pub original_reference: Option<String>,
}

/// A provider named on a claim (2310 loops): the NM1 party with the NPI as its id, and
/// the taxonomy code the guide sends in PRV03 where the loop has a PRV.
///
/// # Examples
/// ```
/// use carewire_x12::build::ClaimProvider;
/// let attending = ClaimProvider::person("WELBY", "MARCUS", "1234567893").with_taxonomy("207R00000X");
/// assert_eq!(attending.party.id, "1234567893");
/// assert_eq!(attending.taxonomy.as_deref(), Some("207R00000X"));
/// // Debug shows no names or identifiers.
/// assert!(!format!("{attending:?}").contains("WELBY"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimProvider {
    /// NM103/NM104 and NM109 (the NPI, sent with NM108 `XX`).
    pub party: Party,
    /// PRV03: the provider taxonomy code (PRV02 `PXC`).
    pub taxonomy: Option<String>,
}

impl ClaimProvider {
    /// A person (NM102 `1`) with an NPI and no taxonomy.
    pub fn person(last: &str, first: &str, npi: &str) -> ClaimProvider {
        ClaimProvider {
            party: Party::person(last, first, npi),
            taxonomy: None,
        }
    }

    /// The same provider with taxonomy code `code` (PRV03).
    pub fn with_taxonomy(mut self, code: &str) -> ClaimProvider {
        self.taxonomy = Some(code.to_string());
        self
    }
}

/// A patient who is not the subscriber (2000C).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Patient {
    /// PAT01: relationship to the insured (e.g. `19` child, `01` spouse).
    pub relationship: String,
    /// NM1*QC (the id is not used: leave it empty).
    pub name: Party,
    /// N3/N4.
    pub address: Address,
    /// DMG.
    pub demographics: Demographics,
    /// The patient's claims.
    pub claims: Vec<Claim>,
}

/// A subscriber (2000B) with their payer, own claims and dependents' claims.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscriber {
    /// SBR01: payer responsibility sequence (`P`, `S`, `T`).
    pub responsibility: String,
    /// SBR03: group or policy number.
    pub group_number: Option<String>,
    /// SBR09: claim filing indicator (`CI` commercial, `MB` Medicare Part B, ...).
    pub filing_indicator: String,
    /// NM1*IL with the member id.
    pub name: Party,
    /// N3/N4 (required when the subscriber is the patient).
    pub address: Option<Address>,
    /// DMG (required when the subscriber is the patient).
    pub demographics: Option<Demographics>,
    /// NM1*PR with the payer id.
    pub payer: Party,
    /// Claims where the subscriber is the patient (2300 under 2000B).
    pub claims: Vec<Claim>,
    /// Dependents' claims (2000C).
    pub patients: Vec<Patient>,
}

/// A billing provider (2000A) and everything billed under it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BillingProvider {
    /// NM1*85 with the NPI.
    pub name: Party,
    /// N3/N4.
    pub address: Address,
    /// REF*EI: the employer identification number (9 digits).
    pub tax_id: String,
    /// PRV*BI taxonomy code, when sent.
    pub taxonomy: Option<String>,
    /// The subscribers.
    pub subscribers: Vec<Subscriber>,
}

/// An 837P or 837I transaction set.
///
/// # Examples
/// ```
/// use carewire_x12::build::{
///     Address, BillingProvider, Claim, ClaimKind, Claims837, Demographics, Envelope, Party,
///     ServiceLine, Subscriber,
/// };
/// use carewire_x12::{validate, Document, SequentialControlNumbers};
///
/// let line = |code: &str, charge: &str| ServiceLine {
///     procedure: code.into(),
///     charge: charge.parse().unwrap_or_default(),
///     units: 1.into(),
///     date: Some("20240105".into()),
///     ..Default::default()
/// };
/// let claims = Claims837 {
///     kind: ClaimKind::Professional,
///     reference: "0001".into(),
///     date: "20240110".into(),
///     time: "1200".into(),
///     submitter: Party::organization("CLINIC", "S1234"),
///     contact: ("BILLING OFFICE".into(), "5555551234".into()),
///     receiver: Party::organization("PAYER", "R1234"),
///     providers: vec![BillingProvider {
///         name: Party::organization("CLINIC", "1234567893"),
///         address: Address { line1: "1 MAIN ST".into(), city: "TOWN".into(),
///             state: "NY".into(), postal_code: "10001".into(), ..Default::default() },
///         tax_id: "123456789".into(),
///         taxonomy: None,
///         subscribers: vec![Subscriber {
///             responsibility: "P".into(),
///             filing_indicator: "CI".into(),
///             name: Party::person("DOE", "JANE", "123456789"),
///             address: None,
///             demographics: Some(Demographics { birth_date: "19800101".into(), gender: "F".into() }),
///             payer: Party::organization("PAYER", "12345"),
///             claims: vec![Claim {
///                 id: "A1".into(),
///                 facility_code: "11".into(),
///                 diagnoses: vec!["J209".into()],
///                 lines: vec![line("99213", "60.00"), line("36415", "40.50")],
///                 ..Default::default()
///             }],
///             ..Default::default()
///         }],
///     }],
/// };
/// let out = claims.build(&Envelope::new("SENDER", "RECEIVER", "240110", "1200"),
///     &mut SequentialControlNumbers::default())?;
/// let text = String::from_utf8(out.clone())?;
/// assert!(text.contains("\nHL*1**20*1~\n") && text.contains("\nHL*2*1*22*0~\n"));
/// assert!(text.contains("\nCLM*A1*100.50***11:B:1*Y*A*Y*Y~\n"));
/// let doc = Document::parse(&out)?;
/// assert!(validate(&doc).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims837 {
    /// Professional or institutional.
    pub kind: ClaimKind,
    /// BHT03: the originator's reference.
    pub reference: String,
    /// BHT04: creation date, CCYYMMDD.
    pub date: String,
    /// BHT05: creation time, HHMM.
    pub time: String,
    /// 1000A NM1*41 with the submitter id.
    pub submitter: Party,
    /// 1000A PER: contact name and telephone.
    pub contact: (String, String),
    /// 1000B NM1*40 with the receiver id.
    pub receiver: Party,
    /// The billing providers (2000A).
    pub providers: Vec<BillingProvider>,
}

/// Writes the transaction sets of one group.
type SetBody<'a> = dyn FnMut(&mut Writer<Vec<u8>>, &mut dyn ControlNumbers) -> Result<()> + 'a;

/// What the interchange and group around a built transaction set carry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope {
    /// The ISA values (sender, receiver, date, time, usage, ...).
    pub interchange: InterchangeHeader,
    /// GS02: the application sender code.
    pub application_sender: String,
    /// GS03: the application receiver code.
    pub application_receiver: String,
    /// Delimiters.
    pub delimiters: Delimiters,
    /// Line ending after each segment.
    pub line_ending: LineEnding,
}

impl Envelope {
    /// An envelope from sender and receiver (ISA06/08 and GS02/03), date (YYMMDD) and
    /// time (HHMM); default delimiters, LF line endings, production usage.
    pub fn new(sender: &str, receiver: &str, date: &str, time: &str) -> Envelope {
        Envelope {
            interchange: InterchangeHeader::new(sender, receiver, date, time),
            application_sender: sender.to_string(),
            application_receiver: receiver.to_string(),
            delimiters: Delimiters::default(),
            line_ending: LineEnding::Lf,
        }
    }

    /// Writes one interchange holding one group of `functional_id` / `version` around
    /// the transaction sets `body` writes.
    fn wrap(
        &self,
        functional_id: &str,
        version: &str,
        numbers: &mut dyn ControlNumbers,
        body: &mut SetBody<'_>,
    ) -> Result<Vec<u8>> {
        let mut w = Writer::new(Vec::new(), self.delimiters, self.line_ending);
        w.begin_interchange(&self.interchange, numbers)?;
        let header = GroupHeader::new(
            functional_id,
            &self.application_sender,
            &self.application_receiver,
            &format!("20{}", self.interchange.date),
            &self.interchange.time,
            version,
        );
        w.begin_group(&header, numbers)?;
        body(&mut w, numbers)?;
        w.end_group()?;
        w.end_interchange()?;
        w.into_inner()
    }
}

fn s(v: &str) -> Field<'_> {
    Field::Simple(v)
}

/// NM1 for `p`; NM108/NM109 only when both the id and `qualifier` are non-empty (an
/// empty `qualifier` means the loop carries no id, e.g. NM1*QC or a 270/271 dependent).
fn nm1<W: Write>(w: &mut Writer<W>, code: &str, p: &Party, qualifier: &str) -> Result<()> {
    nm1_as(w, code, p.entity_type(), p, qualifier)
}

/// [`nm1`] with NM102 `entity` given rather than derived from `p`.
fn nm1_as<W: Write>(
    w: &mut Writer<W>,
    code: &str,
    entity: &str,
    p: &Party,
    qualifier: &str,
) -> Result<()> {
    let first = p.first_name.as_deref().unwrap_or("");
    let (q, id) = if p.id.is_empty() || qualifier.is_empty() {
        ("", "")
    } else {
        (qualifier, p.id.as_str())
    };
    let f = vec![
        s(code),
        s(entity),
        s(&p.name),
        s(first),
        s(""),
        s(""),
        s(""),
        s(q),
        s(id),
    ];
    w.segment("NM1", &trim(f))
}

/// Drops trailing empty elements.
fn trim(mut f: Vec<Field<'_>>) -> Vec<Field<'_>> {
    while f.last() == Some(&Field::Simple("")) {
        f.pop();
    }
    f
}

fn address<W: Write>(w: &mut Writer<W>, a: &Address) -> Result<()> {
    match &a.line2 {
        Some(l2) => w.segment("N3", &[s(&a.line1), s(l2)])?,
        None => w.segment("N3", &[s(&a.line1)])?,
    }
    w.segment("N4", &[s(&a.city), s(&a.state), s(&a.postal_code)])
}

fn dmg<W: Write>(w: &mut Writer<W>, d: &Demographics) -> Result<()> {
    w.segment("DMG", &[s("D8"), s(&d.birth_date), s(&d.gender)])
}

/// The DTP*096 value of a discharge (`CCYYMMDDHHMM`, `CCYYMMDD` or `HHMM`): the hour
/// in an 837I, the date in an 837P; `None` when the value lacks that part.
fn discharge_value(d: &str, inst: bool) -> Option<&str> {
    match (inst, d.len()) {
        (true, 12) => d.get(8..),
        (true, 4) | (false, 8) => Some(d),
        (false, 12) => d.get(..8),
        _ => None,
    }
}

/// HL numbering: HL01 in sequence, HL02 the parent's HL01, HL04 1 when children follow.
struct Hl {
    next: u32,
}

impl Hl {
    fn write<W: Write>(
        &mut self,
        w: &mut Writer<W>,
        parent: Option<u32>,
        level: &str,
        children: bool,
    ) -> Result<u32> {
        self.next += 1;
        let id = self.next.to_string();
        let parent = parent.map(|p| p.to_string()).unwrap_or_default();
        w.segment(
            "HL",
            &[
                s(&id),
                s(&parent),
                s(level),
                s(if children { "1" } else { "0" }),
            ],
        )?;
        Ok(self.next)
    }
}

/// The 270/271 HL hierarchy (005010X279A1): `20` information source, `21` information
/// receiver, `22` subscribers, `23` dependents. `source` and `receiver` write what follows
/// their HL; `person` writes a subscriber (`IL`, id qualifier `MI`) or a dependent (`03`,
/// no id).
fn elig_hierarchy<'p, W: Write, P: 'p>(
    w: &mut Writer<W>,
    subscribers: impl ExactSizeIterator<Item = (&'p P, &'p [P])>,
    source: impl FnOnce(&mut Writer<W>) -> Result<()>,
    receiver: impl FnOnce(&mut Writer<W>) -> Result<()>,
    mut person: impl FnMut(&mut Writer<W>, &P, &str, &str) -> Result<()>,
) -> Result<()> {
    let mut hl = Hl { next: 0 };
    let src = hl.write(w, None, "20", true)?;
    source(w)?;
    let rcv = hl.write(w, Some(src), "21", subscribers.len() > 0)?;
    receiver(w)?;
    for (sub, dependents) in subscribers {
        let sub_hl = hl.write(w, Some(rcv), "22", !dependents.is_empty())?;
        person(w, sub, "IL", "MI")?;
        for dep in dependents {
            hl.write(w, Some(sub_hl), "23", false)?;
            person(w, dep, "03", "")?;
        }
    }
    Ok(())
}

impl Claims837 {
    /// Writes the 837 as one transaction set into an open group of `w`; returns ST02.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidValue`] for a claim without service lines or diagnoses, or
    /// charges whose sum overflows; [`ErrorKind::DelimiterInData`] when a value holds a
    /// delimiter; writer state errors.
    pub fn write<W: Write>(
        &self,
        w: &mut Writer<W>,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<u32> {
        let st02 = w.begin_transaction_set("837", Some(self.kind.version()), numbers)?;
        w.segment(
            "BHT",
            &[
                s("0019"),
                s("00"),
                s(&self.reference),
                s(&self.date),
                s(&self.time),
                s("CH"),
            ],
        )?;
        nm1(w, "41", &self.submitter, "46")?;
        w.segment(
            "PER",
            &[s("IC"), s(&self.contact.0), s("TE"), s(&self.contact.1)],
        )?;
        nm1(w, "40", &self.receiver, "46")?;
        let mut hl = Hl { next: 0 };
        for bp in &self.providers {
            let bp_hl = hl.write(w, None, "20", !bp.subscribers.is_empty())?;
            if let Some(t) = &bp.taxonomy {
                w.segment("PRV", &[s("BI"), s("PXC"), s(t)])?;
            }
            nm1(w, "85", &bp.name, "XX")?;
            address(w, &bp.address)?;
            w.segment("REF", &[s("EI"), s(&bp.tax_id)])?;
            for sub in &bp.subscribers {
                let sub_hl = hl.write(w, Some(bp_hl), "22", !sub.patients.is_empty())?;
                let relationship = if sub.patients.is_empty() { "18" } else { "" };
                let group = sub.group_number.as_deref().unwrap_or("");
                w.segment(
                    "SBR",
                    &[
                        s(&sub.responsibility),
                        s(relationship),
                        s(group),
                        s(""),
                        s(""),
                        s(""),
                        s(""),
                        s(""),
                        s(&sub.filing_indicator),
                    ],
                )?;
                nm1(w, "IL", &sub.name, "MI")?;
                if let Some(a) = &sub.address {
                    address(w, a)?;
                }
                if let Some(d) = &sub.demographics {
                    dmg(w, d)?;
                }
                nm1(w, "PR", &sub.payer, "PI")?;
                for c in &sub.claims {
                    self.claim(w, c)?;
                }
                for p in &sub.patients {
                    hl.write(w, Some(sub_hl), "23", false)?;
                    w.segment("PAT", &[s(&p.relationship)])?;
                    nm1(w, "QC", &p.name, "")?;
                    address(w, &p.address)?;
                    dmg(w, &p.demographics)?;
                    for c in &p.claims {
                        self.claim(w, c)?;
                    }
                }
            }
        }
        w.end_transaction_set()?;
        Ok(st02)
    }

    fn claim<W: Write>(&self, w: &mut Writer<W>, c: &Claim) -> Result<()> {
        let invalid = || Error::new(ErrorKind::InvalidValue, 0);
        if c.lines.is_empty() || c.diagnoses.is_empty() {
            return Err(invalid());
        }
        let total = Decimal::try_sum(c.lines.iter().map(|l| l.charge)).map_err(|_| invalid())?;
        let total = total.to_string();
        let inst = self.kind == ClaimKind::Institutional;
        let frequency = if c.frequency.is_empty() {
            "1"
        } else {
            c.frequency.as_str()
        };
        let clm05 = [
            c.facility_code.as_str(),
            if inst { "A" } else { "B" },
            frequency,
        ];
        if inst {
            // 837I: no CLM06 (not used), release of information and assignment follow.
            w.segment(
                "CLM",
                &[
                    s(&c.id),
                    s(&total),
                    s(""),
                    s(""),
                    Field::Composite(&clm05),
                    s(""),
                    s("A"),
                    s("Y"),
                    s("Y"),
                ],
            )?;
        } else {
            w.segment(
                "CLM",
                &[
                    s(&c.id),
                    s(&total),
                    s(""),
                    s(""),
                    Field::Composite(&clm05),
                    s("Y"),
                    s("A"),
                    s("Y"),
                    s("Y"),
                ],
            )?;
        }
        if !inst
            && (c.admitting_diagnosis.is_some()
                || c.statement_period.is_some()
                || c.institutional.is_some()
                || !c.visit_reasons.is_empty()
                || c.attending.is_some()
                || c.operating.is_some())
        {
            // Not in the 837P guide: refuse rather than drop them silently.
            return Err(invalid());
        }
        let discharge = match &c.discharge {
            Some(d) => Some(discharge_value(d, inst).ok_or_else(invalid)?),
            None => None,
        };
        if inst {
            // 837I 2300 order: DTP*096, DTP*434, DTP*435, CL1.
            if let Some(hour) = discharge {
                w.segment("DTP", &[s("096"), s("TM"), s(hour)])?;
            }
            if let Some((from, to)) = &c.statement_period {
                let range = format!("{from}-{to}");
                w.segment("DTP", &[s("434"), s("RD8"), s(&range)])?;
            }
            if let Some(a) = &c.admission {
                let format = match a.len() {
                    12 => "DT",
                    8 => "D8",
                    _ => return Err(invalid()),
                };
                w.segment("DTP", &[s("435"), s(format), s(a)])?;
            }
        } else {
            // 837P 2300 order: DTP*435 admission, then DTP*096 discharge (dates only).
            // The 837P guide has no DTP*434 (statement dates): refused above.
            if let Some(a) = &c.admission {
                let date = match a.len() {
                    8 | 12 => a.get(..8).ok_or_else(invalid)?,
                    _ => return Err(invalid()),
                };
                w.segment("DTP", &[s("435"), s("D8"), s(date)])?;
            }
            if let Some(date) = discharge {
                w.segment("DTP", &[s("096"), s("D8"), s(date)])?;
            }
        }
        if let Some((a, b, p)) = &c.institutional {
            w.segment("CL1", &[s(a), s(b), s(p)])?;
        }
        // 2300 REF*F8 follows the dates (and CL1) and precedes HI in both guides.
        if let Some(r) = &c.original_reference {
            if r.is_empty() {
                return Err(invalid());
            }
            w.segment("REF", &[s("F8"), s(r)])?;
        }
        let dx: Vec<[&str; 2]> = c
            .diagnoses
            .iter()
            .enumerate()
            .map(|(i, d)| [if i == 0 { "ABK" } else { "ABF" }, d.as_str()])
            .collect();
        if inst {
            // 837I: the principal diagnosis has its own HI, then the admitting diagnosis,
            // the reasons for visit, and the other diagnoses.
            let principal: Vec<Field<'_>> =
                dx.iter().take(1).map(|p| Field::Composite(p)).collect();
            w.segment("HI", &principal)?;
            if let Some(a) = &c.admitting_diagnosis {
                w.segment("HI", &[Field::Composite(&["ABJ", a])])?;
            }
            let reasons: Vec<[&str; 2]> = c
                .visit_reasons
                .iter()
                .take(3)
                .map(|r| ["APR", r.as_str()])
                .collect();
            if !reasons.is_empty() {
                let f: Vec<Field<'_>> = reasons.iter().map(|r| Field::Composite(r)).collect();
                w.segment("HI", &f)?;
            }
            let other: Vec<Field<'_>> = dx
                .iter()
                .skip(1)
                .take(12)
                .map(|p| Field::Composite(p))
                .collect();
            if !other.is_empty() {
                w.segment("HI", &other)?;
            }
            // 2310A attending, 2310B operating, 2310D rendering.
            if let Some(p) = &c.attending {
                nm1(w, "71", &p.party, "XX")?;
                if let Some(t) = &p.taxonomy {
                    w.segment("PRV", &[s("AT"), s("PXC"), s(t)])?;
                }
            }
            if let Some(p) = &c.operating {
                nm1(w, "72", &p.party, "XX")?;
            }
            if let Some(p) = &c.rendering {
                nm1(w, "82", &p.party, "XX")?;
            }
        } else {
            let hi: Vec<Field<'_>> = dx.iter().take(12).map(|p| Field::Composite(p)).collect();
            w.segment("HI", &hi)?;
            // 2310B rendering.
            if let Some(p) = &c.rendering {
                nm1(w, "82", &p.party, "XX")?;
                if let Some(t) = &p.taxonomy {
                    w.segment("PRV", &[s("PE"), s("PXC"), s(t)])?;
                }
            }
        }
        for (n, line) in c.lines.iter().enumerate() {
            let lx = (n + 1).to_string();
            w.segment("LX", &[s(&lx)])?;
            let mut proc: Vec<&str> = vec!["HC", &line.procedure];
            proc.extend(line.modifiers.iter().take(4).map(String::as_str));
            let charge = line.charge.to_string();
            let units = line.units.to_string();
            if inst {
                let rev = line.revenue_code.as_deref().unwrap_or("");
                w.segment(
                    "SV2",
                    &[
                        s(rev),
                        Field::Composite(&proc),
                        s(&charge),
                        s("UN"),
                        s(&units),
                    ],
                )?;
            } else {
                w.segment(
                    "SV1",
                    &[
                        Field::Composite(&proc),
                        s(&charge),
                        s("UN"),
                        s(&units),
                        s(""),
                        s(""),
                        s("1"),
                    ],
                )?;
            }
            if let Some(d) = &line.date {
                w.segment("DTP", &[s("472"), s("D8"), s(d)])?;
            }
        }
        Ok(())
    }

    /// Builds a whole interchange (ISA … IEA) holding this 837 in one `HC` group.
    ///
    /// # Errors
    /// As [`Claims837::write`], and [`ErrorKind::InvalidValue`] for ISA values longer
    /// than their fixed widths.
    pub fn build(&self, env: &Envelope, numbers: &mut dyn ControlNumbers) -> Result<Vec<u8>> {
        env.wrap("HC", self.kind.version(), numbers, &mut |w, n| {
            self.write(w, n).map(|_| ())
        })
    }
}

/// One person in a 270 inquiry (2000C subscriber or 2000D dependent).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct InquiryPerson {
    /// TRN02: the trace number the 271 will echo.
    pub trace: String,
    /// NM1*IL / NM1*03 (the member id only for the subscriber).
    pub name: Party,
    /// DMG, when sent.
    pub demographics: Option<Demographics>,
    /// EQ01 service type codes (e.g. `30` health benefit plan coverage).
    pub service_types: Vec<String>,
}

impl std::fmt::Debug for InquiryPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InquiryPerson")
            .field("trace", &Redacted(&self.trace))
            .field("name", &self.name)
            .field("demographics", &self.demographics)
            .field("service_types", &self.service_types)
            .finish()
    }
}

/// A subscriber and their dependents in a 270.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InquirySubscriber {
    /// The subscriber.
    pub person: InquiryPerson,
    /// Dependents (2000D).
    pub dependents: Vec<InquiryPerson>,
}

/// A 270 eligibility inquiry (005010X279A1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inquiry270 {
    /// BHT03: the originator's reference.
    pub reference: String,
    /// BHT04 date CCYYMMDD.
    pub date: String,
    /// BHT05 time HHMM.
    pub time: String,
    /// 2100A: the information source (payer, NM1*PR with PI id).
    pub source: Party,
    /// 2100B: the information receiver (provider, NM1*1P with NPI).
    pub receiver: Party,
    /// TRN03: the originating company identifier (10 characters, `1` + EIN by convention).
    pub originator: String,
    /// 2000C subscribers.
    pub subscribers: Vec<InquirySubscriber>,
}

impl Inquiry270 {
    /// Writes the 270 as one transaction set into an open group of `w`; returns ST02.
    ///
    /// # Errors
    /// [`ErrorKind::DelimiterInData`] when a value holds a delimiter; writer state errors.
    pub fn write<W: Write>(
        &self,
        w: &mut Writer<W>,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<u32> {
        let st02 = w.begin_transaction_set("270", Some("005010X279A1"), numbers)?;
        w.segment(
            "BHT",
            &[
                s("0022"),
                s("13"),
                s(&self.reference),
                s(&self.date),
                s(&self.time),
            ],
        )?;
        elig_hierarchy(
            w,
            self.subscribers
                .iter()
                .map(|sub| (&sub.person, sub.dependents.as_slice())),
            |w| nm1(w, "PR", &self.source, "PI"),
            |w| nm1(w, "1P", &self.receiver, "XX"),
            |w, p, code, q| self.person(w, p, code, q),
        )?;
        w.end_transaction_set()?;
        Ok(st02)
    }

    fn person<W: Write>(
        &self,
        w: &mut Writer<W>,
        p: &InquiryPerson,
        code: &str,
        q: &str,
    ) -> Result<()> {
        w.segment("TRN", &[s("1"), s(&p.trace), s(&self.originator)])?;
        nm1(w, code, &p.name, q)?;
        if let Some(d) = &p.demographics {
            dmg(w, d)?;
        }
        for st in &p.service_types {
            w.segment("EQ", &[s(st)])?;
        }
        Ok(())
    }

    /// Builds a whole interchange (ISA … IEA) holding this 270 in one `HS` group.
    ///
    /// # Errors
    /// As [`Inquiry270::write`].
    pub fn build(&self, env: &Envelope, numbers: &mut dyn ControlNumbers) -> Result<Vec<u8>> {
        env.wrap("HS", "005010X279A1", numbers, &mut |w, n| {
            self.write(w, n).map(|_| ())
        })
    }
}
