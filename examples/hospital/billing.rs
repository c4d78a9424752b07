//! Billing and the payer in X12 5010: eligibility (270/271) before admission, claims
//! (837I for inpatients, 837P otherwise) read from the HL7 the billing system received
//! (ADT^A03 + DFT^P03), the payer's 999 and 835, and billing's posting of the 835.
//!
//! Pure and deterministic: bytes in, bytes out; the runtime moves them over MLLP. Money
//! is integer cents in memory and exact `Decimal`s on the wire, never floating point.
//! Everything written is checked with `x12::validate`; received X12 is refused when
//! validation finds errors other than balancing (the reader checks amounts itself).
//!
//! Choices: a member the payer does not know gets an `AAA*Y**75*C` rejection in the 271,
//! which `read_271` reads as "not active" (the visit is self-pay, never billed). The payer
//! adjudicates by a hash of the claim id (CLM01 = the visit number): about 1 in 12 claims
//! is denied (claim-level `CAS*CO*50` or `CO*16`, paid 0); the others are allowed 70–90%
//! of each line with the rest a `CO-45` line adjustment, a third of them with a `PR-2`
//! coinsurance (20% of the allowed amount) and another third with a `PR-3` co-payment
//! (25.00 on the first line). Claims of members it does not cover are denied `CO-31`,
//! claims whose CLM02 is not the sum of their lines `CO-16`. One 835 set per payer id.
//! The payer writes with `x12::build::Eligibility271` (started from the parsed 270) and
//! `x12::build::Remittance835` (BPR02 computed, every claim checked to balance).
//!
//! Each claim names the attending physician (837I NM1*71) or rendering provider (837P
//! NM1*82); an 837I also carries the admission date and hour (DTP*435), the discharge
//! hour (DTP*096) and the admitting diagnosis (HI*ABJ, the principal one), all written
//! by `x12::build::Claims837`.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use carewire::hl7::{Message, Path, Segment};
use carewire::x12::build::{
    Address, BillingProvider, Claim, ClaimKind, ClaimProvider, Claims837, Demographics, Envelope,
    Inquiry270, InquiryPerson, InquirySubscriber, Party, ServiceLine, Subscriber,
};
use carewire::x12::build::{
    BenefitLine, ClaimAdjustment, Eligibility271, PaidClaim, PaidLine, Payment, Rejection,
    RemitPayee, RemitPayer, Remittance835,
};
use carewire::x12::model::{Claim as Claim837, Member};
use carewire::x12::{
    validate, write_999, Ack999, AckOptions, AckStatus, Decimal, Delimiters, Document, Eligibility,
    GroupHeader, HealthCareClaim, InterchangeHeader, IssueKind, LineEnding, Remittance,
    SequentialControlNumbers, TransactionSet, Writer,
};

use super::clinical::dollars;
use super::world::{Class, Coverage, Day, Doctor, Patient, DAY, FACILITY};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The hospital's billing NPI, tax id and name (synthetic; the NPI passes the check digit).
const NPI: &str = "1881234565";
const TAX_ID: &str = "123456789";
const HOSPITAL: &str = "GENERAL HOSPITAL";
/// The interchange id of the payers' gateway (ISA08 of what billing sends).
const GATEWAY: &str = "PAYERS";

/// Cents as an X12 amount (`1800`, `12.5`).
fn money(cents: i64) -> Res<Decimal> {
    Ok(Decimal::new(cents, 2)?.normalized())
}

/// An amount in cents; at most 10^12 in size, so sums of any realistic count of them
/// cannot overflow.
fn cents(d: Option<Decimal>) -> Res<i64> {
    let c = d.ok_or("amount missing")?.rescale(2)?.mantissa();
    match c.unsigned_abs() <= 1_000_000_000_000 {
        true => Ok(c),
        false => Err("amount out of range".into()),
    }
}

/// A value for an X12 element: without X12 delimiters.
fn clean(s: &str) -> String {
    s.replace(['*', ':', '~', '^'], " ")
}

/// A name or address for an X12 element: upper case, without X12 delimiters.
fn upper(s: &str) -> String {
    clean(s).to_uppercase()
}

fn sets<'d>(doc: &'d Document<'_>) -> impl Iterator<Item = TransactionSet<'d>> + 'd {
    doc.interchanges()
        .flat_map(|i| i.groups())
        .flat_map(|g| g.transaction_sets())
}

/// Parses `x` and fails unless x12 validation finds nothing.
fn check(x: &[u8], what: &str) -> Res<()> {
    let report = validate(&Document::parse(x)?);
    match report.issues().first() {
        None => Ok(()),
        Some(i) => Err(format!("{what}: {} validation issues, first: {i}", report.len()).into()),
    }
}

/// Parses a received `x`, refusing it when x12 validation finds errors other than
/// balancing ones (amounts are checked by whoever reads them, with its own reasons).
fn parse_valid<'a>(x: &'a [u8], what: &str) -> Res<Document<'a>> {
    let doc = Document::parse(x)?;
    let report = validate(&doc);
    let mut errors = report.errors();
    match errors.any(|i| !matches!(i.kind, IssueKind::Balance(_))) {
        false => Ok(doc),
        true => Err(format!("the {what} fails x12 validation").into()),
    }
}

/// One interchange from the payers' gateway to the hospital with one group (`gs`:
/// functional id, version) holding the transaction sets `sets` writes; control numbers
/// count from `n`.
fn write_x12<F>(gs: [&str; 2], date: &str, time: &str, n: u32, sets: F) -> Res<Vec<u8>>
where
    F: FnOnce(&mut Writer<Vec<u8>>, &mut SequentialControlNumbers) -> Res<()>,
{
    let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
    let numbers = &mut SequentialControlNumbers::starting_at(n.max(1));
    let isa = InterchangeHeader::new(GATEWAY, FACILITY, date.get(2..).unwrap_or(date), time);
    w.begin_interchange(&isa, numbers)?;
    let header = GroupHeader::new(gs[0], GATEWAY, FACILITY, date, time, gs[1]);
    w.begin_group(&header, numbers)?;
    sets(&mut w, numbers)?;
    w.end_group()?;
    w.end_interchange()?;
    Ok(w.into_inner()?)
}

/// Every member (subscribers and dependents) of a 270 or 271.
fn members<'e, 'a>(e: &'e Eligibility<'a>) -> impl Iterator<Item = &'e Member<'a>> + 'e {
    let subs = e.sources.iter().flat_map(|s| &s.receivers);
    subs.flat_map(|r| &r.subscribers)
        .flat_map(|m| std::iter::once(m).chain(&m.dependents))
}

fn text(t: &Option<carewire::x12::model::Text<'_>>) -> String {
    t.as_ref()
        .map(|t| t.as_str().into_owned())
        .unwrap_or_default()
}

/// The 270 asking `p`'s payer about `p`'s coverage, traced by `trace` (the visit number).
pub fn eligibility_270(p: &Patient, trace: &str, control: u32) -> Res<Vec<u8>> {
    let (c, (name, dmg)) = (&p.coverage, insured(p));
    let inquiry = Inquiry270 {
        reference: trace.into(),
        date: DAY.into(),
        time: "0600".into(),
        source: Party::organization(&upper(&c.payer_name), &c.payer_id),
        receiver: Party::organization(HOSPITAL, NPI),
        originator: format!("1{TAX_ID}"),
        subscribers: vec![InquirySubscriber {
            person: InquiryPerson {
                trace: trace.into(),
                name,
                demographics: Some(dmg),
                service_types: vec!["30".into()],
            },
            dependents: Vec::new(),
        }],
    };
    let env = Envelope::new(FACILITY, GATEWAY, &DAY[2..], "0600");
    let out = inquiry.build(
        &env,
        &mut SequentialControlNumbers::starting_at(control.max(1)),
    )?;
    check(&out, "270")?;
    Ok(out)
}

/// Whether the 271 `resp` reports active coverage for `trace`; a rejection (unknown
/// member) reads as not active. Errors when the 271 does not answer `trace`.
pub fn read_271(resp: &[u8], trace: &str) -> Res<bool> {
    let doc = parse_valid(resp, "271")?;
    for set in sets(&doc) {
        let e = Eligibility::from_set(&set).ok_or("not a 271")?;
        for m in members(&e) {
            if m.traces
                .iter()
                .any(|t| t.reference.raw() == trace.as_bytes())
            {
                let active = m.benefits.iter().any(|b| b.info.raw() == b"1");
                return Ok(active && m.rejections.is_empty());
            }
        }
    }
    Err("the 271 does not answer this trace".into())
}

/// The payer: who is covered, from the day's roster.
#[derive(Clone, Default)]
pub struct Payer {
    /// member id → (payer id, active).
    members: BTreeMap<String, (String, bool)>,
    /// payer id → payer name.
    payers: BTreeMap<String, String>,
}

impl fmt::Debug for Payer {
    /// Counts only: member ids are patient data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payer")
            .field("members", &self.members.len())
            .field("payers", &self.payers.len())
            .finish()
    }
}

impl Payer {
    /// The payer for `day`'s patients.
    pub fn new(day: &Day) -> Payer {
        let mut payer = Payer::default();
        for p in &day.patients {
            let c = &p.coverage;
            let entry = (c.payer_id.clone(), !c.inactive);
            payer.members.insert(c.member_id.clone(), entry);
            payer
                .payers
                .insert(c.payer_id.clone(), c.payer_name.clone());
        }
        payer
    }

    /// Whether `member` is covered by `payer_id`: `None` when unknown to that payer.
    fn covers(&self, payer_id: &str, member: &str) -> Option<bool> {
        let (id, active) = self.members.get(member)?;
        (id == payer_id).then_some(*active)
    }

    /// Answers a 270 with a 271 started from it (`Eligibility271::answering`: names, ids
    /// and traces echoed): EB*1 active, EB*6 inactive, AAA*75 unknown member.
    pub fn answer_270(&self, req: &[u8]) -> Res<Vec<u8>> {
        let doc = parse_valid(req, "270")?;
        let mut answers = Vec::new();
        for set in sets(&doc) {
            let e = Eligibility::from_set(&set).ok_or("not a 270")?;
            let mut a = Eligibility271::answering(&e)?;
            let payer_id = a.source.id.clone();
            let name = upper(self.payers.get(&payer_id).ok_or("unknown payer id")?);
            a.source = Party::organization(&name, &payer_id);
            a.receiver = Party::organization(&upper(&a.receiver.name), &clean(&a.receiver.id));
            a.reference = clean(&a.reference);
            for sub in &mut a.subscribers {
                let covered = self.covers(&payer_id, &clean(&sub.person.name.id));
                for p in std::iter::once(&mut sub.person).chain(&mut sub.dependents) {
                    let n = &mut p.name;
                    (n.name, n.id) = (upper(&n.name), clean(&n.id));
                    n.first_name = n.first_name.as_deref().map(upper);
                    for t in &mut p.traces {
                        (t.reference, t.originator) = (clean(&t.reference), clean(&t.originator));
                    }
                    match covered {
                        None => p.rejections.push(Rejection::new("75", "C")),
                        Some(true) => p
                            .benefits
                            .push(BenefitLine::active("30").plan("STANDARD PLAN")),
                        Some(false) => p.benefits.push(BenefitLine::inactive("30")),
                    }
                }
            }
            answers.push(a);
        }
        let (date, time) = answers.last().map_or((DAY, "0600"), |a| (&a.date, &a.time));
        let gs = ["HB", "005010X279A1"];
        let out = write_x12(gs, date, time, first_control(&doc), |w, n| {
            for a in &answers {
                a.write(w, n)?;
            }
            Ok(())
        })?;
        check(&out, "271")?;
        Ok(out)
    }

    /// The 999 for an 837 interchange: each set accepted or rejected by x12 validation.
    pub fn acknowledge(&self, claims: &[u8]) -> Res<Vec<u8>> {
        let doc = Document::parse(claims)?;
        let isa = doc.interchanges().next().and_then(|i| i.isa());
        let el = |n| isa.map(|s| String::from_utf8_lossy(s.raw_element(n)).into_owned());
        let (date, time) = (el(9).ok_or("no ISA")?, el(10).ok_or("no ISA")?);
        let numbers = &mut SequentialControlNumbers::starting_at(first_control(&doc));
        let opts = AckOptions::new(&date, &time);
        Ok(write_999(&doc, &validate(&doc), &opts, numbers)?)
    }

    /// The 835 for an 837 interchange: one transaction set per payer id, built with
    /// `Remittance835` (BPR02 computed, every claim and line checked to balance), validated.
    pub fn adjudicate(&self, claims: &[u8]) -> Res<Vec<u8>> {
        let doc = parse_valid(claims, "837")?;
        let control = first_control(&doc);
        // payer id → claim payments
        let mut remits: BTreeMap<String, Vec<PaidClaim>> = BTreeMap::new();
        let mut date = DAY.to_string();
        for set in sets(&doc) {
            let model = HealthCareClaim::from_set(&set).ok_or("not an 837")?;
            date = model.date.as_ref().map_or(date, |d| clean(&d.as_str()));
            let subs = model.billing_providers.iter().flat_map(|b| &b.subscribers);
            for sub in subs {
                let payer = sub.payer.as_ref().map(|p| text(&p.id)).unwrap_or_default();
                let insured = sub.subscriber.as_ref().ok_or("subscriber without NM1")?;
                let member = text(&insured.id);
                let covered = self.covers(&payer, &member) == Some(true);
                let name = [&insured.name, &insured.first_name].map(|t| upper(&text(t)));
                let patient = Party::person(&name[0], &name[1], &clean(&member));
                let entry = remits.entry(payer).or_default();
                for claim in &sub.claims {
                    entry.push(adjudicate_claim(claim, covered, patient.clone())?);
                }
            }
        }
        let payer_address = Address {
            line1: "1 PAYER WAY".into(),
            line2: None,
            city: "HARTFORD".into(),
            state: "CT".into(),
            postal_code: "06101".into(),
        };
        let gs = ["HP", "005010X221A1"];
        let out = write_x12(gs, &date, "1200", control, |w, n| {
            for (payer, claims) in remits {
                let name = self
                    .payers
                    .get(&payer)
                    .map_or("UNKNOWN PAYER", |n| n.as_str());
                let payment = Payment {
                    date: date.clone(),
                    trace: format!("{}{control}", clean(&payer)),
                    originator: "1999999999".into(),
                    ..Default::default()
                };
                let remit = Remittance835 {
                    payment,
                    production_date: Some(date.clone()),
                    payer: RemitPayer {
                        name: upper(name),
                        address: payer_address.clone(),
                        contact: ("EDI DESK".into(), "5555550199".into()),
                    },
                    payee: RemitPayee {
                        name: HOSPITAL.into(),
                        npi: NPI.into(),
                        ..Default::default()
                    },
                    claims,
                    ..Default::default()
                };
                remit.write(w, n)?;
            }
            Ok(())
        })?;
        check(&out, "835")?;
        Ok(out)
    }
}

/// FNV-1a: the payer's deterministic decision about a claim id.
fn fnv(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One claim's payment (CLP loop): denied with a claim-level CAS and paid 0, or paid
/// per line with the line's CO-45 and PR adjustments.
fn adjudicate_claim(c: &Claim837, covered: bool, patient: Party) -> Res<PaidClaim> {
    let (id, h) = (clean(&c.id.as_str()), fnv(&c.id.as_str()));
    let charge = cents(c.charge)?;
    let line_sum = c.lines.iter().map(|l| cents(l.charge)).sum::<Res<i64>>()?;
    let denial = match () {
        _ if !covered => Some(31),
        _ if charge != line_sum => Some(16),
        _ if h % 12 == 0 => Some(if (h >> 8) % 2 == 0 { 50 } else { 16 }),
        _ => None,
    };
    let mut clp = PaidClaim {
        id,
        status: "1".into(),
        charge: money(charge)?,
        paid: money(0)?,
        patient_responsibility: Some(money(0)?),
        filing_indicator: "12".into(),
        payer_control_number: format!("PCN{:010}", h % 10_000_000_000),
        facility_type: Some(text(&c.place_of_service)),
        frequency: Some("1".into()),
        patient,
        ..Default::default()
    };
    if let Some(reason) = denial {
        clp.status = "4".into();
        let all = ClaimAdjustment::new("CO", &reason.to_string(), money(charge)?);
        clp.adjustments.push(all);
        return Ok(clp);
    }
    // Allowed 70–90%; PR-2 coinsurance 20% of allowed, or a PR-3 co-payment of 25.00.
    let (rate, pr_kind) = (70 + (h >> 8) as i64 % 21, (h >> 16) % 3);
    let (mut paid, mut pr) = (0, 0);
    for (n, l) in c.lines.iter().enumerate() {
        let line = cents(l.charge)?;
        let allowed = line * rate / 100;
        let resp = match pr_kind {
            1 => allowed * 20 / 100,
            2 if n == 0 => allowed.min(2500),
            _ => 0,
        };
        let mut adjustments = Vec::new();
        if line > allowed {
            adjustments.push(ClaimAdjustment::new("CO", "45", money(line - allowed)?));
        }
        if resp > 0 {
            let reason = if pr_kind == 1 { "2" } else { "3" };
            adjustments.push(ClaimAdjustment::new("PR", reason, money(resp)?));
        }
        clp.lines.push(PaidLine {
            procedure: l
                .procedure
                .as_ref()
                .map_or(String::new(), |p| clean(&p.code.as_str())),
            charge: money(line)?,
            paid: money(allowed - resp)?,
            revenue_code: l.revenue_code.as_ref().map(|r| clean(&r.as_str())),
            units: l.quantity,
            adjustments,
            ..Default::default()
        });
        (paid, pr) = (paid + allowed - resp, pr + resp);
    }
    (clp.paid, clp.patient_responsibility) = (money(paid)?, Some(money(pr)?));
    Ok(clp)
}

/// ISA13 of the first interchange (the payer numbers its answer after it), else 1.
fn first_control(doc: &Document<'_>) -> u32 {
    let isa13 = doc.interchanges().next().map(|i| i.control_number());
    isa13
        .and_then(|c| std::str::from_utf8(c).ok()?.trim().parse().ok())
        .map_or(1, |n: u32| n.max(1))
}

/// One billable line of a claim (an FT1 of the DFT^P03).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimLine {
    /// Revenue code (FT1-7.1), e.g. `0450`.
    pub revenue: String,
    /// CPT/HCPCS code (FT1-25.1).
    pub cpt: String,
    /// Units (FT1-10).
    pub units: u32,
    /// Extended amount in cents (FT1-11).
    pub cents: i64,
    /// Service date `YYYYMMDD` (FT1-4).
    pub date: String,
}

/// What billing knows about one visit, read back from its ADT^A03 and DFT^P03.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimInput {
    /// Visit number (PV1-19), sent as the claim id (CLM01).
    pub visit: String,
    /// Patient class (PV1-2).
    pub class: Class,
    /// PID and IN1 (phone: PID-13; `new_phone` None; coverage `inactive` false).
    pub patient: Patient,
    /// ICD-10-CM codes (DG1-3.1), principal first.
    pub diagnoses: Vec<String>,
    /// Attending physician (PV1-7).
    pub attending: Doctor,
    /// Admission and discharge, `YYYYMMDDHHMM` (PV1-44, PV1-45).
    pub admit: String,
    /// Discharge.
    pub discharge: String,
    /// The charges.
    pub lines: Vec<ClaimLine>,
}

impl fmt::Debug for ClaimInput {
    /// Shows no patient data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimInput")
            .field("class", &self.class)
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

impl ClaimInput {
    /// The total charge in cents.
    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .fold(0, |sum, l| sum.saturating_add(l.cents))
    }
}

/// The decoded text at `path` (the segment part of the path is ignored), empty if absent.
fn hl7(seg: &Segment<'_>, path: &str) -> Res<String> {
    let v = seg.get(&Path::parse(path)?);
    Ok(v.map(|v| v.decoded().into_owned()).unwrap_or_default())
}

/// The first `id` segment of `m`.
fn seg<'m>(m: &'m Message<'_>, id: &str) -> Res<Segment<'m>> {
    Ok(m.find(id.as_bytes(), 1).ok_or(format!("{id} missing"))?)
}

/// `YYYYMMDDHHMM` of an HL7 timestamp.
fn minutes(ts: &str) -> Res<String> {
    let t = ts.get(..12).ok_or("timestamp too short")?;
    match t.bytes().all(|b| b.is_ascii_digit()) {
        true => Ok(t.into()),
        false => Err("timestamp not numeric".into()),
    }
}

/// Reads a visit's claim from the ADT^A03 and the DFT^P03 billing stored.
pub fn claim_input(adt: &[u8], dft: &[u8]) -> Res<ClaimInput> {
    let (a, d) = (Message::parse(adt)?, Message::parse(dft)?);
    let kind = |m: &Message<'_>| {
        let h = m.header();
        [h.message_type(), h.trigger_event()].map(|v| v.unwrap_or_default().into_owned())
    };
    if kind(&a) != ["ADT", "A03"] || kind(&d) != ["DFT", "P03"] {
        return Err("expected an ADT^A03 and a DFT^P03".into());
    }
    let (pid, pv1, in1) = (seg(&a, "PID")?, seg(&a, "PV1")?, seg(&a, "IN1")?);
    let visit = hl7(&pv1, "PV1-19.1")?;
    if visit.is_empty() || hl7(&seg(&d, "PV1")?, "PV1-19.1")? != visit {
        return Err("the DFT is not for the A03's visit (PV1-19)".into());
    }
    let class = match hl7(&pv1, "PV1-2")?.as_str() {
        "I" => Class::Inpatient,
        "O" => Class::Outpatient,
        "E" => Class::Emergency,
        _ => return Err("unknown patient class (PV1-2)".into()),
    };
    let mut diagnoses = Vec::new();
    for dg1 in a.segments_by_id("DG1") {
        diagnoses.push(hl7(&dg1, "DG1-3.1")?);
    }
    let mut lines = Vec::new();
    for ft1 in d.segments_by_id("FT1") {
        // An HL7 NM may carry a leading `+`, which X12 numbers never do.
        let amount = hl7(&ft1, "FT1-11.1")?;
        let amount = Decimal::parse(amount.trim().trim_start_matches('+').as_bytes())?;
        lines.push(ClaimLine {
            revenue: hl7(&ft1, "FT1-7.1")?,
            cpt: hl7(&ft1, "FT1-25.1")?,
            units: hl7(&ft1, "FT1-10")?.parse()?,
            cents: cents(Some(amount))?,
            date: minutes(&hl7(&ft1, "FT1-4.1")?)?[..8].into(),
        });
        if diagnoses.is_empty() {
            diagnoses.push(hl7(&ft1, "FT1-19.1")?); // no DG1 in the A03: the principal one
        }
    }
    if lines.is_empty() || diagnoses.iter().any(String::is_empty) {
        return Err("a claim needs charges (FT1) and diagnoses (DG1)".into());
    }
    let (p, i) = (|f: &str| hl7(&pid, f), |f: &str| hl7(&in1, f));
    let patient = Patient {
        mrn: p("PID-3.1")?,
        family: p("PID-5.1")?,
        given: p("PID-5.2")?,
        birth_date: p("PID-7.1")?,
        sex: match p("PID-8")?.as_str() {
            "F" => "F",
            "M" => "M",
            _ => "U",
        },
        street: p("PID-11.1")?,
        city: p("PID-11.3")?,
        state: p("PID-11.4")?,
        zip: p("PID-11.5")?,
        phone: p("PID-13.1")?,
        new_phone: None,
        coverage: Coverage {
            payer_id: i("IN1-3.1")?,
            payer_name: i("IN1-4.1")?,
            member_id: i("IN1-36.1")?,
            group: i("IN1-8.1")?,
            inactive: false,
        },
    };
    let doctor = |n| hl7(&pv1, &format!("PV1-7.{n}"));
    Ok(ClaimInput {
        visit,
        class,
        patient,
        diagnoses,
        attending: Doctor {
            npi: doctor(1)?,
            family: doctor(2)?,
            given: doctor(3)?,
        },
        admit: minutes(&hl7(&pv1, "PV1-44.1")?)?,
        discharge: minutes(&hl7(&pv1, "PV1-45.1")?)?,
        lines,
    })
}

/// The NM1*IL party and DMG of a patient who is the subscriber.
fn insured(p: &Patient) -> (Party, Demographics) {
    let (f, g, id) = (upper(&p.family), upper(&p.given), &p.coverage.member_id);
    let dmg = Demographics {
        birth_date: p.birth_date.clone(),
        gender: p.sex.into(),
    };
    (Party::person(&f, &g, &clean(id)), dmg)
}

/// The x12 claim (2300) for `c`.
fn claim_2300(c: &ClaimInput, inst: bool) -> Res<Claim> {
    let mut lines = Vec::new();
    for l in &c.lines {
        lines.push(ServiceLine {
            revenue_code: inst.then(|| l.revenue.clone()),
            procedure: clean(&l.cpt),
            charge: money(l.cents)?,
            units: Decimal::from_i64(l.units.into()),
            date: Some(l.date.clone()),
            ..Default::default()
        });
    }
    let day = |t: &str| t.get(..8).map(String::from).ok_or("bad admit/discharge");
    let facility = match c.class {
        Class::Inpatient => "11",
        Class::Outpatient => "22",
        Class::Emergency => "23",
    };
    let d = &c.attending;
    let doctor = ClaimProvider::person(&upper(&d.family), &upper(&d.given), &clean(&d.npi));
    Ok(Claim {
        id: clean(&c.visit),
        facility_code: facility.into(),
        frequency: "1".into(),
        statement_period: inst.then_some((day(&c.admit)?, day(&c.discharge)?)),
        // CL1: elective admission, physician referral, discharged home.
        institutional: inst.then(|| ("3".into(), "1".into(), "01".into())),
        diagnoses: c.diagnoses.iter().map(|d| clean(d)).collect(),
        lines,
        // 837I: admitted at PV1-44 (DTP*435 DT), discharged at PV1-45 (DTP*096 hour).
        admission: inst.then(|| c.admit.clone()),
        discharge: inst.then(|| c.discharge.clone()),
        admitting_diagnosis: match inst {
            true => Some(clean(c.diagnoses.first().ok_or("claim without diagnoses")?)),
            false => None,
        },
        attending: inst.then(|| doctor.clone()),
        rendering: (!inst).then_some(doctor),
        ..Default::default()
    })
}

/// The 837s for `claims`: one 837I interchange for inpatients, one 837P for the others
/// (an empty kind is skipped); interchange control numbers count from `control`.
pub fn claims_837(claims: &[ClaimInput], control: u32) -> Res<Vec<Vec<u8>>> {
    let mut numbers = SequentialControlNumbers::starting_at(control.max(1));
    let mut out = Vec::new();
    for kind in [ClaimKind::Institutional, ClaimKind::Professional] {
        let inst = kind == ClaimKind::Institutional;
        let mine: Vec<&ClaimInput> = claims
            .iter()
            .filter(|c| (c.class == Class::Inpatient) == inst)
            .collect();
        let mut subscribers: Vec<Subscriber> = Vec::new();
        for c in &mine {
            let claim = claim_2300(c, inst)?;
            let (p, cov) = (&c.patient, &c.patient.coverage);
            let (name, dmg) = insured(p);
            let payer = Party::organization(&upper(&cov.payer_name), &clean(&cov.payer_id));
            match subscribers
                .iter_mut()
                .find(|s| s.name == name && s.payer == payer)
            {
                Some(s) => s.claims.push(claim),
                None => subscribers.push(Subscriber {
                    responsibility: "P".into(),
                    group_number: Some(clean(&cov.group)),
                    filing_indicator: "CI".into(),
                    name,
                    address: Some(Address {
                        line1: upper(&p.street),
                        city: upper(&p.city),
                        state: upper(&p.state),
                        postal_code: clean(&p.zip),
                        line2: None,
                    }),
                    demographics: Some(dmg),
                    payer,
                    claims: vec![claim],
                    patients: Vec::new(),
                }),
            }
        }
        // Created at the last discharge of the batch.
        let Some(stamp) = mine.iter().map(|c| c.discharge.as_str()).max() else {
            continue;
        };
        let (date, time) = (
            stamp.get(..8).unwrap_or(DAY),
            stamp.get(8..).unwrap_or("0000"),
        );
        let batch = Claims837 {
            kind,
            reference: format!("{}{control}", if inst { "I" } else { "P" }),
            date: date.into(),
            time: time.into(),
            submitter: Party::organization(HOSPITAL, FACILITY),
            contact: ("BILLING OFFICE".into(), "5555550100".into()),
            receiver: Party::organization("PAYER GATEWAY", GATEWAY),
            providers: vec![BillingProvider {
                name: Party::organization(HOSPITAL, NPI),
                address: Address {
                    line1: "1 HOSPITAL DR".into(),
                    city: "SPRINGFIELD".into(),
                    state: "IL".into(),
                    postal_code: "627010001".into(),
                    line2: None,
                },
                tax_id: TAX_ID.into(),
                taxonomy: Some("282N00000X".into()),
                subscribers,
            }],
        };
        let env = Envelope::new(FACILITY, GATEWAY, date.get(2..).unwrap_or(date), time);
        let x = batch.build(&env, &mut numbers)?;
        check(&x, if inst { "837I" } else { "837P" })?;
        out.push(x);
    }
    Ok(out)
}

/// Billing reads the payer's 999: true when every functional group it answers was
/// accepted (`A`, or `E` accepted with errors noted).
pub fn read_999(ack: &[u8]) -> Res<bool> {
    let doc = parse_valid(ack, "999")?;
    let mut acks = sets(&doc).filter_map(|s| Ack999::from_set(&s)).peekable();
    acks.peek().ok_or("no 999 in the document")?;
    Ok(acks.all(|a| {
        matches!(
            a.status,
            AckStatus::Accepted | AckStatus::AcceptedWithErrors
        )
    }))
}

/// Billing's totals (cents). Denials are posted as adjustments, so once every claim is
/// posted `billed_cents == paid_cents + adjusted_cents + patient_resp_cents`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BillingSummary {
    /// Claims sent to the payer.
    pub claims_billed: usize,
    /// Their charges.
    pub billed_cents: i64,
    /// Claims posted with a payment.
    pub paid_claims: usize,
    /// Paid by the payer (sum of CLP04 posted).
    pub paid_cents: i64,
    /// Contractual and denial adjustments (CAS groups other than PR).
    pub adjusted_cents: i64,
    /// Patient responsibility (CAS group PR).
    pub patient_resp_cents: i64,
    /// Claims denied (CLP02 `4`).
    pub denied: usize,
    /// Checks that passed: one per CLP, one per BPR02.
    pub balance_checks_passed: usize,
    /// Checks that failed (the claim is not posted).
    pub balance_checks_failed: usize,
    /// Billed claims not posted yet.
    pub open_claims: usize,
    /// Self-pay visits (coverage not active): never sent to the payer.
    pub self_pay: usize,
    /// Their charges.
    pub self_pay_cents: i64,
}

impl fmt::Display for BillingSummary {
    /// One line of totals (no patient data).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = dollars;
        write!(
            f,
            "billed {} claims {}, paid {} claims {}, adjusted {}, patient {}, denied {}, \
             checks {} passed {} failed, open {}, self-pay {} ({})",
            self.claims_billed,
            d(self.billed_cents),
            self.paid_claims,
            d(self.paid_cents),
            d(self.adjusted_cents),
            d(self.patient_resp_cents),
            self.denied,
            self.balance_checks_passed,
            self.balance_checks_failed,
            self.open_claims,
            self.self_pay,
            d(self.self_pay_cents),
        )
    }
}

/// What one `Ledger::post` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostingReport {
    /// CLP segments read.
    pub claims: usize,
    /// Claims posted.
    pub posted: usize,
    /// Failed checks, by position (`835 set 1, CLP 3: already posted`), no patient data.
    pub failures: Vec<String>,
}

/// Billing's accounts receivable.
#[derive(Clone, Default)]
pub struct Ledger {
    /// claim id → billed cents.
    billed: BTreeMap<String, i64>,
    posted: BTreeSet<String>,
    sum: BillingSummary,
}

impl fmt::Debug for Ledger {
    /// Totals only: claim ids are visit numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("billed", &self.billed.len())
            .field("posted", &self.posted.len())
            .field("sum", &self.sum)
            .finish()
    }
}

impl Ledger {
    /// Records claims sent to the payer (a claim id billed again is ignored).
    pub fn bill(&mut self, claims: &[ClaimInput]) {
        for c in claims {
            if let Entry::Vacant(v) = self.billed.entry(c.visit.clone()) {
                let total = *v.insert(c.total_cents());
                self.sum.claims_billed += 1;
                self.sum.billed_cents = self.sum.billed_cents.saturating_add(total);
            }
        }
    }

    /// Records a self-pay visit (not billed to the payer).
    pub fn self_pay(&mut self, claim: &ClaimInput) {
        self.sum.self_pay += 1;
        self.sum.self_pay_cents = self.sum.self_pay_cents.saturating_add(claim.total_cents());
    }

    /// Posts an 835. Each CLP must be a billed, not yet posted claim whose CLP03 is the
    /// billed charge and whose charge is CLP04 plus all CAS amounts (claim and lines); each
    /// set's BPR02 must be the sum of CLP04 minus the PLB amounts. A claim failing a check
    /// is not posted. Errors (posting nothing) when the 835 does not parse or validate.
    pub fn post(&mut self, remittance_835: &[u8]) -> Res<PostingReport> {
        let doc = parse_valid(remittance_835, "835")?;
        let mut report = PostingReport::default();
        for (n, set) in sets(&doc).enumerate() {
            let r = Remittance::from_set(&set).ok_or("not an 835")?;
            let mut clp04 = 0;
            for (k, clp) in r.claims.iter().enumerate() {
                report.claims += 1;
                let id = clp.claim_id.as_str().into_owned();
                let (charge, paid) = (cents(clp.charge)?, cents(clp.paid)?);
                clp04 += paid;
                let (mut adjusted, mut pr) = (0, 0);
                for a in clp.all_adjustments() {
                    match a.group.raw() {
                        b"PR" => pr += cents(a.amount)?,
                        _ => adjusted += cents(a.amount)?,
                    }
                }
                let failure = match self.billed.get(&id) {
                    None => Some("claim not billed"),
                    Some(_) if self.posted.contains(&id) => Some("already posted"),
                    Some(b) if *b != charge => Some("CLP03 is not the billed charge"),
                    _ if charge != paid + adjusted + pr => Some("CLP03 != CLP04 + CAS"),
                    _ => None,
                };
                if let Some(f) = failure {
                    self.sum.balance_checks_failed += 1;
                    report
                        .failures
                        .push(format!("835 set {}, CLP {}: {f}", n + 1, k + 1));
                    continue;
                }
                let s = &mut self.sum;
                s.balance_checks_passed += 1;
                (s.paid_cents, s.adjusted_cents) =
                    (s.paid_cents + paid, s.adjusted_cents + adjusted);
                s.patient_resp_cents += pr;
                s.paid_claims += usize::from(paid > 0);
                s.denied += usize::from(clp.status.raw() == b"4");
                self.posted.insert(id);
                report.posted += 1;
            }
            let plb = r.provider_adjustments.iter().flat_map(|p| &p.adjustments);
            let plb = plb.map(|a| cents(a.amount)).sum::<Res<i64>>()?;
            let bpr = cents(r.payment.as_ref().and_then(|p| p.amount))?;
            if bpr == clp04 - plb {
                self.sum.balance_checks_passed += 1;
            } else {
                self.sum.balance_checks_failed += 1;
                report
                    .failures
                    .push(format!("835 set {}: BPR02 != CLP04 - PLB", n + 1));
            }
        }
        Ok(report)
    }

    /// The totals so far.
    pub fn summary(&self) -> BillingSummary {
        let open = self
            .billed
            .keys()
            .filter(|k| !self.posted.contains(*k))
            .count();
        BillingSummary {
            open_claims: open,
            ..self.sum.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::clinical::{adt, dft, Adt};
    use super::super::world::generate;
    use super::*;

    /// A handwritten ADT^A03 (PID, PV1, DG1, IN1 per the spec's layout) of visit V0000099.
    const A03: &str = concat!(
        "MSH|^~\\&|EMR|GENHOSP|BILLING|GENHOSP|20240311170000-0500||ADT^A03^ADT_A03|A-1|P|2.5.1\r",
        "PID|1||MRN0100099^^^GENHOSP^MR||O'Neil^Grace||19800101|F|||12 Mill \\T\\ Pond Rd^^Salem^OR^97301||(555)010-0001\r",
        "PV1|1|E|ED^101^A||||1234567893^House^Greg||||||||||||V0000099|||||||||||||||||||||||||20240311120000-0500|20240311170000-0500\r",
        "DG1|1||R079^Chest pain^I10||20240311120000-0500|A\rDG1|2||I10^Hypertension^I10||20240311120000-0500|W\r",
        "IN1|1|PPO|PAYER01|Acme \\T\\ Co||||G00001||||||||||||||||||||||||||||M200000099\r",
    );
    /// Its DFT^P03: PID, PV1 and two FT1.
    fn dft_fixture() -> String {
        let ft1 = [
            "FT1|1|||20240311120000-0500||CG|0450^ER^NUBC|||1|850.00||||||||R079^^I10||||||99285^^C4",
            "FT1|2|||20240311120000-0500||CG|0300^Lab^NUBC|||2|170.50||||||||R079^^I10||||||80048^^C4",
        ];
        let head = A03
            .split("\rDG1")
            .next()
            .unwrap()
            .replace("ADT^A03^ADT_A03", "DFT^P03^DFT_P03");
        format!("{head}\r{}\r", ft1.join("\r"))
    }

    fn inputs(day: &Day) -> Vec<ClaimInput> {
        let e = &day.encounters;
        let read = |e| claim_input(&adt(day, e, Adt::A03).unwrap(), &dft(day, e).unwrap());
        e.iter().map(|e| read(e).unwrap()).collect()
    }

    #[test]
    fn eligibility_round_trip_active_inactive_unknown() {
        let mut day = generate(3, 6);
        day.patients[1].coverage.inactive = true;
        day.patients[2].coverage.inactive = false;
        let payer = Payer::new(&day);
        let mut stranger = day.patients[0].clone();
        stranger.coverage.member_id = "M000000001".into();
        for (n, p) in day.patients.iter().take(3).chain([&stranger]).enumerate() {
            let trace = format!("{}{n:07}", if n == 1 { "v" } else { "V" }); // case kept
            let x270 = eligibility_270(p, &trace, 10 + n as u32).unwrap();
            let x271 = payer.answer_270(&x270).unwrap();
            assert_eq!(read_271(&x271, &trace).unwrap(), n == 0 || n == 2, "{n}");
            assert!(read_271(&x271, "V9999999").is_err());
            let text = String::from_utf8_lossy(&x271);
            assert_eq!(text.contains("\nAAA*Y**75*C~"), n == 3);
            assert!(text.contains(&format!("\nTRN*2*{trace}*1123456789~")));
        }
    }

    #[test]
    fn claim_input_reads_handwritten_and_clinical_hl7() {
        let (a, d) = (A03.as_bytes(), dft_fixture().into_bytes());
        let c = claim_input(a, &d).unwrap();
        let (p, cov) = (&c.patient, &c.patient.coverage);
        let got = [
            &c.visit,
            &p.family,
            &p.street,
            &cov.payer_name,
            &cov.member_id,
            &cov.group,
        ];
        let want = "V0000099|O'Neil|12 Mill & Pond Rd|Acme & Co|M200000099|G00001";
        assert_eq!(
            (got.map(|s| s.as_str()).join("|"), c.class, p.sex),
            (want.into(), Class::Emergency, "F")
        );
        let got = [
            c.diagnoses.join(","),
            c.attending.npi.clone(),
            c.admit.clone(),
            c.discharge.clone(),
        ];
        assert_eq!(
            got.join("|"),
            "R079,I10|1234567893|202403111200|202403111700"
        );
        assert_eq!(
            (c.lines.len(), c.lines[1].units, c.total_cents()),
            (2, 2, 102050)
        );
        let other = dft_fixture().replace("V0000099", "V0000098");
        assert!(claim_input(a, other.as_bytes()).is_err());
        assert!(claim_input(&d, a).is_err());
        assert!(claim_input(b"garbage", &d).is_err());

        let day = generate(5, 20);
        for (c, e) in inputs(&day).iter().zip(&day.encounters) {
            let p = day.patient(e);
            let want = Patient {
                phone: p.new_phone.clone().unwrap_or_else(|| p.phone.clone()),
                new_phone: None,
                coverage: Coverage {
                    inactive: false,
                    ..p.coverage.clone()
                },
                ..p.clone()
            };
            assert_eq!(
                (&c.patient, &c.attending, c.class),
                (&want, &e.attending, e.class)
            );
            let dx: Vec<&str> = e.diagnoses.iter().map(|d| d.0).collect();
            assert_eq!(
                (c.visit.as_str(), c.diagnoses.join(",")),
                (e.visit.as_str(), dx.join(","))
            );
            let lines = e.charges.len() + e.labs.len() + usize::from(e.imaging.is_some());
            let charges: i64 = e.charges.iter().map(|c| c.cents).sum::<i64>()
                + e.labs.iter().map(|l| l.charge_cents).sum::<i64>()
                + e.imaging.as_ref().map_or(0, |i| i.charge_cents);
            assert_eq!((c.lines.len(), c.total_cents()), (lines, charges));
        }
    }

    #[test]
    fn claims_837_split_by_kind_and_validate() {
        let claims = inputs(&generate(9, 30));
        let out = claims_837(&claims, 500).unwrap();
        assert_eq!(out.len(), 2);
        let (i, p) = (
            String::from_utf8_lossy(&out[0]),
            String::from_utf8_lossy(&out[1]),
        );
        assert!(
            i.contains("*005010X223A2~") && i.contains("\nSV2*0") && i.contains("\nCL1*3*1*01~")
        );
        assert!(i.contains("\nDTP*434*RD8*2024031") && i.contains("*11:A:1**A*Y*Y~"));
        assert!(
            i.contains("\nDTP*435*DT*2024031")
                && i.contains("\nDTP*096*TM*")
                && i.contains("\nHI*ABJ:")
                && i.contains("\nNM1*71*1*")
        );
        assert!(p.contains("\nNM1*82*1*") && !p.contains("DTP*435"));
        assert!(p.contains("*005010X222A1~") && p.contains("\nSV1*HC:") && !p.contains("SV2"));
        let n_inst = claims
            .iter()
            .filter(|c| c.class == Class::Inpatient)
            .count();
        assert_eq!(i.matches("\nCLM*").count(), n_inst);
        assert_eq!(p.matches("\nCLM*").count(), claims.len() - n_inst);
        let only_p: Vec<_> = claims
            .into_iter()
            .filter(|c| c.class != Class::Inpatient)
            .collect();
        assert_eq!(claims_837(&only_p, 1).unwrap().len(), 1);
        assert!(claims_837(&[], 1).unwrap().is_empty());
    }

    /// `era` with the first paid CLP's CLP04 raised by one cent.
    fn tamper(era: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(era);
        let line = text
            .lines()
            .find(|l| l.starts_with("CLP*") && l.split('*').nth(2) == Some("1"))
            .unwrap();
        let mut f: Vec<String> = line.split('*').map(String::from).collect();
        f[4] = money(cents(Some(f[4].parse().unwrap())).unwrap() + 1)
            .unwrap()
            .to_string();
        text.replacen(line, &f.join("*"), 1).into_bytes()
    }

    #[test]
    fn a_day_of_100_patients_is_billed_paid_and_posted() {
        let day = generate(11, 100);
        let (payer, mut ledger, mut billed) = (Payer::new(&day), Ledger::default(), Vec::new());
        for (n, (c, e)) in inputs(&day).into_iter().zip(&day.encounters).enumerate() {
            let x271 =
                payer.answer_270(&eligibility_270(day.patient(e), &e.visit, n as u32 + 1).unwrap());
            match read_271(&x271.unwrap(), &e.visit).unwrap() {
                true => billed.push(c),
                false => ledger.self_pay(&c),
            }
        }
        let inactive = day.patients.iter().filter(|p| p.coverage.inactive).count();
        assert!(inactive > 0 && billed.len() == 100 - inactive);
        ledger.bill(&billed);
        let mut eras = Vec::new();
        for x837 in claims_837(&billed, 200).unwrap() {
            assert!(read_999(&payer.acknowledge(&x837).unwrap()).unwrap());
            let broken = String::from_utf8_lossy(&x837).replacen("\nSE*", "\nSE*9", 1);
            assert!(!read_999(&payer.acknowledge(broken.as_bytes()).unwrap()).unwrap());
            let era = payer.adjudicate(&x837).unwrap();
            check(&era, "835").unwrap();
            let r = ledger.post(&era).unwrap();
            assert_eq!(
                (r.failures.len(), r.posted),
                (0, r.claims),
                "{:?}",
                r.failures
            );
            eras.push(era);
        }
        let s = ledger.summary();
        assert_eq!(
            (s.claims_billed, s.open_claims, s.balance_checks_failed),
            (billed.len(), 0, 0)
        );
        assert_eq!(
            s.billed_cents,
            billed.iter().map(ClaimInput::total_cents).sum::<i64>()
        );
        assert_eq!(
            s.billed_cents,
            s.paid_cents + s.adjusted_cents + s.patient_resp_cents
        );
        assert!(s.denied > 0 && s.denied < billed.len() / 4 && s.patient_resp_cents > 0);
        assert_eq!(s.paid_claims + s.denied, billed.len());
        assert_eq!(
            (s.self_pay, s.balance_checks_passed),
            (inactive, billed.len() + 3 + 3)
        );

        let line = format!(
            "billed {} claims {}.{:02}, paid ",
            billed.len(),
            s.billed_cents / 100,
            s.billed_cents % 100
        );
        assert!(
            s.to_string().starts_with(&line)
                && s.to_string()
                    .contains(&format!(" 0 failed, open 0, self-pay {inactive} (")),
            "{s}"
        );
        assert!(read_999(b"ISA*garbage").is_err());

        ledger.bill(&billed[..1]); // billing a claim again changes nothing
        assert_eq!(ledger.summary(), s);
        let again = ledger.post(&eras[0]).unwrap();
        assert_eq!((again.posted, again.failures.len()), (0, again.claims));
        assert!(again.failures.iter().all(|f| f.ends_with("already posted")));
        assert_eq!(ledger.summary().paid_cents, s.paid_cents);

        let mut fresh = Ledger::default();
        fresh.bill(&billed);
        let tampered = tamper(&eras[1]);
        let report = validate(&Document::parse(&tampered).unwrap());
        assert!(report
            .errors()
            .any(|i| matches!(i.kind, IssueKind::Balance(_))));
        let r = fresh.post(&tampered).unwrap();
        assert_eq!(r.failures.len(), 2, "{:?}", r.failures);
        assert!(r.failures[0].ends_with("CLP03 != CLP04 + CAS") && r.failures[1].ends_with("PLB"));
    }

    #[test]
    fn cut_inputs_are_errors_not_panics() {
        let day = generate(2, 8);
        let (payer, claims) = (Payer::new(&day), inputs(&day));
        let x837 = claims_837(&claims, 1).unwrap().remove(0);
        let (era, x270) = (
            payer.adjudicate(&x837).unwrap(),
            eligibility_270(&day.patients[0], "V1", 1).unwrap(),
        );
        let mut ledger = Ledger::default();
        ledger.bill(&claims);
        let half = |x: &[u8]| x[..x.len() / 2].to_vec();
        assert!(payer.adjudicate(&half(&x837)).is_err() && payer.answer_270(&half(&x270)).is_err());
        assert!(ledger.post(&half(&era)).is_err() && read_271(&half(&x270), "V1").is_err());
        for cut in (0..x837.len()).step_by(13) {
            let _ = (
                payer.acknowledge(&x837[..cut]),
                payer.adjudicate(&x837[..cut]),
            );
        }
        for cut in (0..era.len()).step_by(5) {
            let _ = ledger.post(&era[..cut]);
        }
        for cut in 0..x270.len() {
            let _ = (payer.answer_270(&x270[..cut]), read_271(&x270[..cut], "V1"));
        }
        for cut in 0..A03.len() {
            let _ = claim_input(&A03.as_bytes()[..cut], dft_fixture().as_bytes());
        }
    }
}
