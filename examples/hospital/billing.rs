//! Billing and the payer in X12 5010: eligibility (270/271) before admission, claims
//! (837I for inpatients, 837P otherwise) built from the HL7 the billing system received,
//! the payer's 999 and 835, and billing's posting of the 835 with balance checks.
//!
//! Pure and deterministic: bytes in, bytes out; the runtime moves them over MLLP. Money
//! is integer cents in, exact `Decimal`s on the wire, never floating point.
//!
//! Choices: a member the payer does not know gets an `AAA*Y**75*C` rejection in the 271
//! (read as "not active": the visit is self-pay). The payer adjudicates by a hash of the
//! claim id (CLM01 = the visit number): about 1 in 12 claims is denied (claim-level
//! `CAS*CO*50` or `CO*16`, paid 0); the others are allowed 70–90% of each line with the
//! rest a `CO-45` line adjustment, and a third of them carry a `PR-2` coinsurance (20% of
//! the allowed amount) and another third a `PR-3` co-payment (25.00 on the first line).
//! Claims for members it does not cover are denied `CO-31`. One 835 transaction set per
//! payer id.

use std::collections::BTreeMap;
use std::fmt;

use carewire::hl7::{Message, Path, Segment};
use carewire::x12::build::{
    Address, BillingProvider, Claim, ClaimKind, Claims837, Demographics, Envelope, Inquiry270,
    InquiryPerson, InquirySubscriber, Party, ServiceLine, Subscriber,
};
use carewire::x12::model::Member;
use carewire::x12::{
    validate, Decimal, Delimiters, Document, Eligibility, Field, GroupHeader, InterchangeHeader,
    LineEnding, SequentialControlNumbers, TransactionSet, Writer,
};

use super::world::{Class, Day, Patient, DAY, FACILITY};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The hospital's billing NPI, tax id and name (synthetic; the NPI passes the check digit).
const NPI: &str = "1881234565";
const TAX_ID: &str = "123456789";
const HOSPITAL: &str = "GENERAL HOSPITAL";
/// The interchange id of the payers' gateway (ISA08 of what billing sends).
const GATEWAY: &str = "PAYERS";

/// Cents as an X12 amount (`1800`, `12.5`).
fn money(cents: i64) -> Res<String> {
    Ok(Decimal::new(cents, 2)?.normalized().to_string())
}

fn cents(d: Option<Decimal>) -> Res<i64> {
    Ok(d.ok_or("amount missing")?.rescale(2)?.mantissa())
}

/// A value for an X12 element: upper case, without X12 delimiters.
fn x12_text(s: &str) -> String {
    s.to_uppercase().replace(['*', ':', '~', '^'], " ")
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

/// Writes `*`/`:`-separated segment texts as one interchange with one group and set.
fn write_x12(head: [&str; 4], gs: [&str; 2], st: &str, segs: &[String], n: u32) -> Res<Vec<u8>> {
    let [sender, receiver, date, time] = head;
    let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
    let numbers = &mut SequentialControlNumbers::starting_at(n.max(1));
    let isa_date = date.get(2..).unwrap_or(date);
    w.begin_interchange(
        &InterchangeHeader::new(sender, receiver, isa_date, time),
        numbers,
    )?;
    let header = GroupHeader::new(gs[0], sender, receiver, date, time, gs[1]);
    w.begin_group(&header, numbers)?;
    let mut open = false;
    for seg in segs {
        let mut elements = seg.split('*');
        let id = elements.next().unwrap_or_default();
        if id == "ST" {
            if open {
                w.end_transaction_set()?;
            }
            w.begin_transaction_set(st, Some(gs[1]), numbers)?;
            open = true;
            continue;
        }
        let parts: Vec<Vec<&str>> = elements.map(|e| e.split(':').collect()).collect();
        let fields: Vec<Field<'_>> = parts
            .iter()
            .map(|p| match p.as_slice() {
                [one] => Field::Simple(one),
                many => Field::Composite(many),
            })
            .collect();
        w.segment(id, &fields)?;
    }
    if open {
        w.end_transaction_set()?;
    }
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
    let c = &p.coverage;
    let inquiry = Inquiry270 {
        reference: trace.into(),
        date: DAY.into(),
        time: "0600".into(),
        source: Party::organization(&x12_text(&c.payer_name), &c.payer_id),
        receiver: Party::organization(HOSPITAL, NPI),
        originator: format!("1{TAX_ID}"),
        subscribers: vec![InquirySubscriber {
            person: InquiryPerson {
                trace: trace.into(),
                name: Party::person(&x12_text(&p.family), &x12_text(&p.given), &c.member_id),
                demographics: Some(Demographics {
                    birth_date: p.birth_date.clone(),
                    gender: p.sex.into(),
                }),
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
    let doc = Document::parse(resp)?;
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
#[derive(Clone, Debug, Default)]
pub struct Payer {
    /// member id → (payer id, active).
    members: BTreeMap<String, (String, bool)>,
    /// payer id → payer name.
    payers: BTreeMap<String, String>,
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

    /// Answers a 270 with a 271: EB*1 active, EB*6 inactive, AAA*75 unknown member.
    pub fn answer_270(&self, req: &[u8]) -> Res<Vec<u8>> {
        let doc = Document::parse(req)?;
        let control = first_control(&doc);
        let (mut segs, mut stamp) = (Vec::new(), (DAY.to_string(), "0600".into()));
        for set in sets(&doc) {
            let e = Eligibility::from_set(&set).ok_or("not a 270")?;
            stamp = (text(&e.date), text(&e.time));
            let reference = x12_text(&text(&e.reference));
            segs.push("ST".to_string());
            segs.push(format!("BHT*0022*11*{reference}*{}*{}", stamp.0, stamp.1));
            let mut hl = 0;
            for source in &e.sources {
                let payer_id = source
                    .party
                    .as_ref()
                    .map(|p| text(&p.id))
                    .unwrap_or_default();
                let name = x12_text(self.payers.get(&payer_id).ok_or("unknown payer id")?);
                hl += 1;
                let src = hl;
                segs.push(format!("HL*{src}**20*1"));
                segs.push(format!("NM1*PR*2*{name}*****PI*{payer_id}"));
                for r in &source.receivers {
                    hl += 1;
                    let rcv = hl;
                    let p = r.party.as_ref().ok_or("receiver without NM1")?;
                    let (rname, rid) = (x12_text(&text(&p.name)), x12_text(&text(&p.id)));
                    segs.push(format!("HL*{rcv}*{src}*21*1"));
                    segs.push(format!("NM1*1P*2*{rname}*****XX*{rid}"));
                    for m in &r.subscribers {
                        hl += 1;
                        let trace = m.traces.first().ok_or("subscriber without TRN")?;
                        let p = m.party.as_ref().ok_or("subscriber without NM1")?;
                        let id = x12_text(&text(&p.id));
                        segs.push(format!("HL*{hl}*{rcv}*22*0"));
                        segs.push(format!(
                            "TRN*2*{}*{}",
                            x12_text(&trace.reference.as_str()),
                            x12_text(&text(&trace.originator))
                        ));
                        let (last, first) =
                            (x12_text(&text(&p.name)), x12_text(&text(&p.first_name)));
                        segs.push(format!("NM1*IL*1*{last}*{first}****MI*{id}"));
                        segs.push(match self.covers(&payer_id, &id) {
                            None => "AAA*Y**75*C".into(),
                            Some(true) => "EB*1*IND*30**STANDARD PLAN".into(),
                            Some(false) => "EB*6*IND*30".into(),
                        });
                    }
                }
            }
        }
        let (date, time) = (&stamp.0, &stamp.1);
        let out = write_x12(
            [GATEWAY, FACILITY, date, time],
            ["HB", "005010X279A1"],
            "271",
            &segs,
            control,
        )?;
        check(&out, "271")?;
        Ok(out)
    }
}

/// ISA13 of the first interchange (the payer numbers its answer after it), else 1.
fn first_control(doc: &Document<'_>) -> u32 {
    let isa13 = doc.interchanges().next().map(|i| i.control_number());
    isa13
        .and_then(|c| std::str::from_utf8(c).ok()?.trim().parse().ok())
        .unwrap_or(1)
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

/// What billing knows about one visit: its ADT^A03 and DFT^P03, read back.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimInput {
    /// Visit number (PV1-19), sent as the claim id (CLM01).
    pub visit: String,
    /// Patient class (PV1-2).
    pub class: Class,
    /// Family and given name (PID-5), birth date (PID-7), sex (PID-8).
    pub name: (String, String),
    /// Birth date `YYYYMMDD`.
    pub birth_date: String,
    /// `F`, `M` or `U`.
    pub sex: String,
    /// Street, city, state, ZIP (PID-11).
    pub address: [String; 4],
    /// Member id (IN1-36), payer id (IN1-3), payer name (IN1-4), group (IN1-8).
    pub member_id: String,
    /// Payer id.
    pub payer_id: String,
    /// Payer name.
    pub payer_name: String,
    /// Group number.
    pub group: String,
    /// ICD-10-CM codes (DG1-3.1), principal first.
    pub diagnoses: Vec<String>,
    /// Attending NPI (PV1-7.1).
    pub attending_npi: String,
    /// Admission and discharge `YYYYMMDDHHMM` (PV1-44, PV1-45).
    pub admit: String,
    /// Discharge time.
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
        self.lines.iter().map(|l| l.cents).sum()
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
        (
            h.message_type().unwrap_or_default().into_owned(),
            h.trigger_event().unwrap_or_default().into_owned(),
        )
    };
    if kind(&a) != ("ADT".into(), "A03".into()) || kind(&d) != ("DFT".into(), "P03".into()) {
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
        let amount = Decimal::parse(hl7(&ft1, "FT1-11.1")?.as_bytes())?;
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
    let f = |path: &str| hl7(&pid, path);
    Ok(ClaimInput {
        visit,
        class,
        name: (f("PID-5.1")?, f("PID-5.2")?),
        birth_date: f("PID-7.1")?,
        sex: f("PID-8")?,
        address: [
            f("PID-11.1")?,
            f("PID-11.3")?,
            f("PID-11.4")?,
            f("PID-11.5")?,
        ],
        member_id: hl7(&in1, "IN1-36.1")?,
        payer_id: hl7(&in1, "IN1-3.1")?,
        payer_name: hl7(&in1, "IN1-4.1")?,
        group: hl7(&in1, "IN1-8.1")?,
        diagnoses,
        attending_npi: hl7(&pv1, "PV1-7.1")?,
        admit: minutes(&hl7(&pv1, "PV1-44.1")?)?,
        discharge: minutes(&hl7(&pv1, "PV1-45.1")?)?,
        lines,
    })
}

/// The x12 claim (2300) for `c`.
fn claim_2300(c: &ClaimInput, inst: bool) -> Res<Claim> {
    let mut lines = Vec::new();
    for l in &c.lines {
        lines.push(ServiceLine {
            revenue_code: inst.then(|| l.revenue.clone()),
            procedure: x12_text(&l.cpt),
            charge: Decimal::new(l.cents, 2)?.normalized(),
            units: Decimal::from_i64(l.units.into()),
            date: Some(l.date.clone()),
            ..Default::default()
        });
    }
    let day = |t: &str| {
        t.get(..8)
            .map(String::from)
            .ok_or("admit/discharge too short")
    };
    let period = (day(&c.admit)?, day(&c.discharge)?);
    Ok(Claim {
        id: x12_text(&c.visit),
        facility_code: match c.class {
            Class::Inpatient => "11",
            Class::Outpatient => "22",
            Class::Emergency => "23",
        }
        .into(),
        frequency: "1".into(),
        statement_period: inst.then_some(period),
        // CL1: elective admission, physician referral, discharged home.
        institutional: inst.then(|| ("3".into(), "1".into(), "01".into())),
        diagnoses: c.diagnoses.iter().map(|d| x12_text(d)).collect(),
        lines,
    })
}

/// The 837s for `claims`: one 837I interchange for inpatients, one 837P for the others
/// (an empty kind is skipped); interchange control numbers count from `control`.
pub fn claims_837(claims: &[ClaimInput], control: u32) -> Res<Vec<Vec<u8>>> {
    let mut numbers = SequentialControlNumbers::starting_at(control.max(1));
    let mut out = Vec::new();
    for kind in [ClaimKind::Institutional, ClaimKind::Professional] {
        let inst = kind == ClaimKind::Institutional;
        let mut subscribers: Vec<Subscriber> = Vec::new();
        let mut stamp = String::new();
        for c in claims
            .iter()
            .filter(|c| (c.class == Class::Inpatient) == inst)
        {
            stamp = stamp.max(c.discharge.clone());
            let claim = claim_2300(c, inst)?;
            let same = |s: &&mut Subscriber| s.payer.id == c.payer_id && s.name.id == c.member_id;
            if let Some(s) = subscribers.iter_mut().find(same) {
                s.claims.push(claim);
                continue;
            }
            let [street, city, state, zip] = c.address.clone().map(|s| x12_text(&s));
            let (family, given) = (x12_text(&c.name.0), x12_text(&c.name.1));
            subscribers.push(Subscriber {
                responsibility: "P".into(),
                group_number: Some(x12_text(&c.group)),
                filing_indicator: "CI".into(),
                name: Party::person(&family, &given, &x12_text(&c.member_id)),
                address: Some(Address {
                    line1: street,
                    city,
                    state,
                    postal_code: zip,
                    line2: None,
                }),
                demographics: Some(Demographics {
                    birth_date: c.birth_date.clone(),
                    gender: c.sex.clone(),
                }),
                payer: Party::organization(&x12_text(&c.payer_name), &x12_text(&c.payer_id)),
                claims: vec![claim],
                patients: Vec::new(),
            });
        }
        if subscribers.is_empty() {
            continue;
        }
        let (date, time) = (
            stamp.get(..8).unwrap_or(DAY),
            stamp.get(8..12).unwrap_or("0000"),
        );
        let tag = if inst { "I" } else { "P" };
        let batch = Claims837 {
            kind,
            reference: format!("{tag}{control}"),
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

#[cfg(test)]
mod tests {
    use super::super::world::{generate, Encounter, TZ};
    use super::*;

    fn ts(t: &str) -> String {
        format!("{t}00{TZ}")
    }

    fn esc(s: &str) -> String {
        let s = s
            .replace('\\', "\\E\\")
            .replace('&', "\\T\\")
            .replace('|', "\\F\\");
        s.replace('^', "\\S\\").replace('~', "\\R\\")
    }

    /// MSH, PID and PV1 per the spec's layout.
    fn head(day: &Day, e: &Encounter, kind: &str, ctrl: &str, a03: bool) -> String {
        let p = day.patient(e);
        let d = &e.attending;
        let discharge = if a03 { ts(&e.discharge) } else { String::new() };
        format!(
            "MSH|^~\\&|EMR|GENHOSP|ENGINE|GENHOSP|{}||{kind}|{ctrl}|P|2.5.1\rEVN|{}|{}\r\
             PID|1||{}^^^GENHOSP^MR||{}^{}||{}|{}|||{}^^{}^{}^{}||{}\r\
             PV1|1|{}|{}||||{}^{}^{}||||||||||||{}{}|{}|{}\r",
            ts(&e.discharge),
            kind.split('^').nth(1).unwrap(),
            ts(&e.discharge),
            p.mrn,
            esc(&p.family),
            esc(&p.given),
            p.birth_date,
            p.sex,
            esc(&p.street),
            p.city,
            p.state,
            p.zip,
            p.phone,
            e.class.code(),
            e.location,
            d.npi,
            d.family,
            d.given,
            e.visit,
            "|".repeat(24),
            ts(&e.admit),
            discharge,
        )
    }

    /// The ADT^A03 billing stores (with DG1 and IN1).
    pub fn a03(day: &Day, e: &Encounter) -> Vec<u8> {
        let c = &day.patient(e).coverage;
        let mut m = head(
            day,
            e,
            "ADT^A03^ADT_A03",
            &format!("ADT-{}-A03", e.visit),
            true,
        );
        for (n, (code, text)) in e.diagnoses.iter().enumerate() {
            let t = if n == 0 { "A" } else { "W" };
            m += &format!(
                "DG1|{}||{code}^{}^I10||{}|{t}\r",
                n + 1,
                esc(text),
                ts(&e.admit)
            );
        }
        m += &format!(
            "IN1|1|PPO|{}|{}||||{}{}|{}\r",
            c.payer_id,
            c.payer_name,
            c.group,
            "|".repeat(27),
            c.member_id
        );
        m.into_bytes()
    }

    /// The DFT^P03 with one FT1 per charge, lab and imaging order.
    pub fn dft(day: &Day, e: &Encounter) -> Vec<u8> {
        let mut m = head(
            day,
            e,
            "DFT^P03^DFT_P03",
            &format!("DFT-{}", e.visit),
            false,
        );
        let mut items: Vec<(String, &str, u32, i64, &str)> = Vec::new();
        for c in &e.charges {
            items.push((e.admit.clone(), c.revenue, c.units, c.cents, c.code));
        }
        for l in &e.labs {
            items.push((l.ordered.clone(), "0300", 1, l.charge_cents, l.code));
        }
        if let Some(i) = &e.imaging {
            let rev = match i.modality {
                "CR" => "0320",
                "CT" => "0350",
                "MR" => "0610",
                _ => "0402",
            };
            items.push((i.ordered.clone(), rev, 1, i.charge_cents, i.code));
        }
        for (n, (t, rev, units, cents, cpt)) in items.into_iter().enumerate() {
            let amount = format!("{}.{:02}", cents / 100, cents % 100);
            m += &format!(
                "FT1|{}|||{}||CG|{rev}^Charge^NUBC||Charge|{units}|{amount}||||||||{}^^I10||||||{cpt}^^C4\r",
                n + 1,
                ts(&t),
                e.diagnoses[0].0
            );
        }
        m.into_bytes()
    }

    fn inputs(day: &Day) -> Vec<ClaimInput> {
        let e = &day.encounters;
        e.iter()
            .map(|e| claim_input(&a03(day, e), &dft(day, e)).unwrap())
            .collect()
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
            let trace = format!("V{n:07}");
            let x270 = eligibility_270(p, &trace, 10 + n as u32).unwrap();
            let x271 = payer.answer_270(&x270).unwrap();
            assert_eq!(read_271(&x271, &trace).unwrap(), n == 0 || n == 2, "{n}");
            assert!(read_271(&x271, "V9999999").is_err());
            if n == 3 {
                assert!(String::from_utf8_lossy(&x271).contains("AAA*Y**75*C~"));
            }
        }
    }

    #[test]
    fn claim_input_reads_the_hl7_and_checks_the_visit() {
        let day = generate(5, 20);
        let e = &day.encounters[0];
        let c = claim_input(&a03(&day, e), &dft(&day, e)).unwrap();
        let p = day.patient(e);
        assert_eq!((c.visit.as_str(), c.class), (e.visit.as_str(), e.class));
        assert_eq!(
            (&c.name.0, &c.member_id),
            (&p.family, &p.coverage.member_id)
        );
        assert_eq!(c.address[0], p.street);
        assert_eq!(c.diagnoses[0], e.diagnoses[0].0);
        assert_eq!(
            (c.admit.as_str(), c.discharge.as_str()),
            (e.admit.as_str(), e.discharge.as_str())
        );
        let charges: i64 = e.charges.iter().map(|c| c.cents).sum::<i64>()
            + e.labs.iter().map(|l| l.charge_cents).sum::<i64>()
            + e.imaging.as_ref().map_or(0, |i| i.charge_cents);
        assert_eq!(c.total_cents(), charges);
        let other = &day.encounters[1];
        assert!(claim_input(&a03(&day, e), &dft(&day, other)).is_err());
        assert!(claim_input(&dft(&day, e), &a03(&day, e)).is_err());
    }

    #[test]
    fn claims_837_split_by_kind_and_validate() {
        let day = generate(9, 30);
        let claims = inputs(&day);
        let out = claims_837(&claims, 500).unwrap();
        assert_eq!(out.len(), 2);
        let (i, p) = (
            String::from_utf8_lossy(&out[0]),
            String::from_utf8_lossy(&out[1]),
        );
        assert!(
            i.contains("*005010X223A2~") && i.contains("\nSV2*") && i.contains("\nCL1*3*1*01~")
        );
        assert!(i.contains("\nDTP*434*RD8*") && i.contains(":A:1*"));
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
    }
}
