//! HL7 v2.5.1 messages of the hospital day: ADT (A01/A04/A08/A02/A03), DFT^P03, lab and
//! imaging orders (ORM^O01) and their results (ORU^R01), laid out as in the spec.
//!
//! Every value is escaped with `carewire::hl7::escape` (`Mill & Pond Rd` travels as
//! `Mill \T\ Pond Rd`). Control ids (MSH-10) are derived from the visit or the placer
//! number, so they are unique in the day and the same on every run. The LIS and the RIS
//! answer the ORDER MESSAGE THEY RECEIVED: PID, PV1, OBR-2/4/7 (and OBR-18) are copied
//! from it; only the measured values, flags and the impression come from the world.
//!
//! Times: registration messages carry the registration phone; every later message (A08
//! at admit + 15 min, orders, A02 at mid-stay, DFT and A03 at discharge) the A08's new
//! phone when there is one. A03 and DFT carry the bed after a transfer. The imaging
//! order's body part is in OBR-15.4 (SPS body site), the modality stays with the RIS.

use carewire::hl7::{escape, Delimiters, Message};

use super::world::{Day, Encounter, ImagingOrder, LabOrder, Patient, FACILITY, TZ};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The NTE of every lab result (needs the `&` escape).
pub const LAB_NOTE: &str = "Specimen slightly hemolyzed & re-drawn; K+ may read high";

/// The ADT events of a visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adt {
    /// Admit (inpatients).
    A01,
    /// Register (outpatients, emergency).
    A04,
    /// Update patient information (the new phone).
    A08,
    /// Transfer to `transfer_to`.
    A02,
    /// Discharge.
    A03,
}

impl Adt {
    /// The trigger event code, e.g. `A01`.
    pub fn code(self) -> &'static str {
        match self {
            Adt::A01 => "A01",
            Adt::A04 => "A04",
            Adt::A08 => "A08",
            Adt::A02 => "A02",
            Adt::A03 => "A03",
        }
    }

    fn structure(self) -> &'static str {
        match self {
            Adt::A02 => "ADT_A02",
            Adt::A03 => "ADT_A03",
            _ => "ADT_A01",
        }
    }
}

/// Escapes one value for the default delimiters.
fn esc(s: &str) -> String {
    String::from_utf8_lossy(&escape(s.as_bytes(), &Delimiters::default())).into_owned()
}

/// Escapes each component and joins them with `^`.
fn comps(parts: &[&str]) -> String {
    parts.iter().map(|p| esc(p)).collect::<Vec<_>>().join("^")
}

/// A `ward^room^bed` location from the world as a PL.
fn pl(loc: &str) -> String {
    comps(&loc.split('^').collect::<Vec<_>>())
}

/// A segment with `fields` at their positions (values already escaped).
fn seg(id: &str, fields: &[(usize, String)]) -> String {
    let n = fields.iter().map(|f| f.0).max().unwrap_or(0);
    let mut v = vec![String::new(); n + 1];
    v[0] = id.to_string();
    for (i, f) in fields {
        v[*i] = f.clone();
    }
    v.join("|") + "\r"
}

fn msh(app: &str, rcv: &str, ts: &str, kind: &str, ctrl: &str) -> String {
    let ctrl = esc(ctrl);
    format!("MSH|^~\\&|{app}|{FACILITY}|{rcv}|{FACILITY}|{ts}||{kind}|{ctrl}|P|2.5.1\r")
}

/// `YYYYMMDDHHMM` + `00` + [`TZ`].
fn ts(t: &str) -> String {
    format!("{t}00{TZ}")
}

/// Minutes since the start of the month of a `YYYYMMDDHHMM` time.
fn minutes(t: &str) -> Res<usize> {
    let num = |a: usize, b: usize| -> Res<usize> { Ok(t.get(a..b).ok_or("bad time")?.parse()?) };
    Ok(num(6, 8)? * 1440 + num(8, 10)? * 60 + num(10, 12)?)
}

/// `t` plus `m` minutes (the simulation stays within one month, as `world` does).
fn later(t: &str, m: usize) -> Res<String> {
    let (total, month) = (minutes(t)? + m, t.get(..6).ok_or("bad time")?);
    let (d, h, m) = (total / 1440, total % 1440 / 60, total % 60);
    Ok(format!("{month}{d:02}{h:02}{m:02}"))
}

fn patient<'d>(day: &'d Day, e: &Encounter) -> Res<&'d Patient> {
    Ok(day.patients.get(e.patient).ok_or("visit without patient")?)
}

/// PID; `updated` gives the A08's new phone when there is one.
fn pid(p: &Patient, updated: bool) -> String {
    let phone = p.new_phone.as_ref().filter(|_| updated).unwrap_or(&p.phone);
    let id = comps(&[&p.mrn, "", "", FACILITY, "MR"]);
    let (name, birth, sex) = (
        comps(&[&p.family, &p.given]),
        esc(&p.birth_date),
        esc(p.sex),
    );
    let addr = comps(&[&p.street, "", &p.city, &p.state, &p.zip]);
    let phone = esc(phone);
    format!("PID|1||{id}||{name}||{birth}|{sex}|||{addr}||{phone}\r")
}

/// The attending (ordering provider) as an XCN.
fn xcn(e: &Encounter) -> String {
    let d = &e.attending;
    comps(&[&d.npi, &d.family, &d.given])
}

/// PV1 at `loc`, with the prior location (A02) and the discharge time (A03, DFT).
fn pv1(e: &Encounter, loc: &str, prior: Option<&str>, discharge: bool) -> String {
    let mut f = vec![(1, "1".into()), (2, e.class.code().into()), (3, pl(loc))];
    f.extend([(7, xcn(e)), (19, esc(&e.visit)), (44, ts(&e.admit))]);
    f.extend(prior.map(|p| (6, pl(p))));
    f.extend(discharge.then(|| (45, ts(&e.discharge))));
    seg("PV1", &f)
}

/// DG1 per diagnosis (the first one admitting, the others working) and IN1.
fn dg1_in1(p: &Patient, e: &Encounter) -> String {
    let mut out = String::new();
    let admit = ts(&e.admit);
    for (n, (code, text)) in e.diagnoses.iter().enumerate() {
        let (n, dx, kind) = (
            n + 1,
            comps(&[code, text, "I10"]),
            ["W", "A"][usize::from(n == 0)],
        );
        out += &format!("DG1|{n}||{dx}||{admit}|{kind}\r");
    }
    let c = &p.coverage;
    let (payer, name, group) = (esc(&c.payer_id), esc(&c.payer_name), esc(&c.group));
    let (member, to36) = (esc(&c.member_id), "|".repeat(28)); // IN1-8 .. IN1-36
    out + &format!("IN1|1|PPO|{payer}|{name}||||{group}{to36}{member}\r")
}

/// The ADT message of `event` for the visit `e`.
///
/// # Errors
/// A02 for a visit without a transfer; a visit whose patient is not in `day`.
pub fn adt(day: &Day, e: &Encounter, event: Adt) -> Res<Vec<u8>> {
    let p = patient(day, e)?;
    let stay = minutes(&e.discharge)?.saturating_sub(minutes(&e.admit)?);
    let (at, loc, prior) = match event {
        Adt::A01 | Adt::A04 => (e.admit.clone(), &e.location, None),
        Adt::A08 => (later(&e.admit, 15)?, &e.location, None),
        Adt::A02 => {
            let to = e.transfer_to.as_ref().ok_or("visit without a transfer")?;
            (later(&e.admit, stay / 2)?, to, Some(e.location.as_str()))
        }
        Adt::A03 => (
            e.discharge.clone(),
            e.transfer_to.as_ref().unwrap_or(&e.location),
            None,
        ),
    };
    let (code, at) = (event.code(), ts(&at));
    let kind = format!("ADT^{code}^{}", event.structure());
    let mut m = msh(
        "EMR",
        "ENGINE",
        &at,
        &kind,
        &format!("ADT-{}-{code}", e.visit),
    );
    m += &format!("EVN|{code}|{at}\r");
    m += &pid(p, !matches!(event, Adt::A01 | Adt::A04));
    m += &pv1(e, loc, prior, event == Adt::A03);
    if event != Adt::A02 {
        m += &dg1_in1(p, e); // ADT_A02 has neither DG1 nor IN1
    }
    Ok(m.into_bytes())
}

/// `cents` as dollars with two decimals, exactly (no floats).
pub fn dollars(cents: i64) -> String {
    let (sign, c) = (if cents < 0 { "-" } else { "" }, cents.unsigned_abs());
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// A charge's description: by CPT code, else by revenue code.
fn charge_name(cpt: &str, revenue: &str) -> &'static str {
    match (cpt, revenue) {
        ("99223", _) => "Initial hospital care",
        ("99231", _) => "Subsequent hospital care",
        ("99213" | "99214", _) => "Office visit",
        ("99284" | "99285", _) => "Emergency department visit",
        (_, "0120") => "Room and board semi-private",
        (_, "0450") => "Emergency room",
        (_, "0510") => "Clinic",
        _ => "Other services",
    }
}

/// The revenue code of an imaging modality: `0320` (CR and others), `0350` (CT),
/// `0610` (MR), `0402` (US).
pub fn imaging_revenue(modality: &str) -> &'static str {
    match modality {
        "CT" => "0350",
        "MR" => "0610",
        "US" => "0402",
        _ => "0320",
    }
}

/// The DFT^P03 of the visit (sent at discharge): EVN, PID, PV1, one FT1 per charge, lab
/// order and imaging order, then DG1s and IN1.
///
/// # Errors
/// A visit whose patient is not in `day`.
pub fn dft(day: &Day, e: &Encounter) -> Res<Vec<u8>> {
    let (p, at) = (patient(day, e)?, ts(&e.discharge));
    let mut m = msh(
        "EMR",
        "BILLING",
        &at,
        "DFT^P03^DFT_P03",
        &format!("DFT-{}", e.visit),
    );
    m += &format!("EVN|P03|{at}\r");
    m += &pid(p, true);
    m += &pv1(e, e.transfer_to.as_ref().unwrap_or(&e.location), None, true);
    // (time, revenue code, description, units, cents, CPT)
    let mut items: Vec<(&str, &str, &str, u32, i64, &str)> = Vec::new();
    for c in &e.charges {
        let name = charge_name(c.code, c.revenue);
        items.push((&e.admit, c.revenue, name, c.units, c.cents, c.code));
    }
    for l in &e.labs {
        items.push((&l.ordered, "0300", l.name, 1, l.charge_cents, l.code));
    }
    if let Some(im) = &e.imaging {
        let rev = imaging_revenue(im.modality);
        items.push((&im.ordered, rev, im.name, 1, im.charge_cents, im.code));
    }
    let dx = comps(&[e.diagnoses.first().map_or("", |d| d.0), "", "I10"]);
    for (n, (t, rev, desc, units, cents, cpt)) in items.into_iter().enumerate() {
        let (n, t, code, name) = (n + 1, ts(t), comps(&[rev, desc, "NUBC"]), esc(desc));
        let (amount, cpt) = (dollars(cents), comps(&[cpt, "", "C4"]));
        let (to19, to25) = ("|".repeat(8), "|".repeat(6)); // FT1-11 .. FT1-19 .. FT1-25
        m += &format!("FT1|{n}|||{t}||CG|{code}||{name}|{units}|{amount}{to19}{dx}{to25}{cpt}\r");
    }
    m += &dg1_in1(p, e);
    Ok(m.into_bytes())
}

/// MSH, PID, PV1, ORC and OBR of an order the EMR places with `rcv`; `extra` OBR fields.
fn order(
    day: &Day,
    e: &Encounter,
    rcv: &str,
    what: [&str; 4],
    extra: &[(usize, String)],
) -> Res<Vec<u8>> {
    let [placer, code, name, at] = what;
    let (ctrl, at) = (format!("ORM-{placer}"), ts(at));
    let mut m = msh("EMR", rcv, &at, "ORM^O01^ORM_O01", &ctrl);
    m += &pid(patient(day, e)?, true);
    m += &pv1(e, &e.location, None, false);
    let placer = comps(&[placer, "EMR"]);
    m += &format!("ORC|NW|{placer}\r");
    let mut f = vec![
        (1, "1".into()),
        (2, placer),
        (4, comps(&[code, name, "C4"])),
    ];
    f.extend([(7, at), (16, xcn(e))]);
    f.extend_from_slice(extra);
    Ok((m + &seg("OBR", &f)).into_bytes())
}

/// The lab order ORM^O01 (EMR → LIS).
///
/// # Errors
/// A visit whose patient is not in `day`.
pub fn lab_order(day: &Day, e: &Encounter, lab: &LabOrder) -> Res<Vec<u8>> {
    order(
        day,
        e,
        "LIS",
        [&lab.placer, lab.code, lab.name, &lab.ordered],
        &[],
    )
}

/// The imaging order ORM^O01 (EMR → RIS): OBR-15.4 body part, OBR-18 accession,
/// OBR-24 `RAD`.
///
/// # Errors
/// A visit whose patient is not in `day`.
pub fn imaging_order(day: &Day, e: &Encounter, im: &ImagingOrder) -> Res<Vec<u8>> {
    let body = comps(&["", "", "", im.body_part]);
    let extra = [(15, body), (18, esc(&im.accession)), (24, "RAD".into())];
    order(
        day,
        e,
        "RIS",
        [&im.placer, im.code, im.name, &im.ordered],
        &extra,
    )
}

/// The placer order number (OBR-2.1) of an order or result.
pub fn placer(msg: &Message<'_>) -> Option<String> {
    let v = msg.get_str("OBR-2.1").ok()??.into_owned();
    (!v.is_empty()).then_some(v)
}

/// The accession number (OBR-18) of an imaging order or report.
pub fn accession(msg: &Message<'_>) -> Option<String> {
    let v = msg.get_str("OBR-18").ok()??.into_owned();
    (!v.is_empty()).then_some(v)
}

/// MSH, PID, PV1 and OBR of the result `app` sends for `order` (placer `want`): PID,
/// PV1, OBR-2, OBR-4 and OBR-7 are copied from the order.
fn answer(
    order: &Message<'_>,
    want: &str,
    app: &str,
    at: &str,
    extra: &[(usize, String)],
) -> Res<String> {
    if order.delimiters() != Delimiters::default() {
        return Err("order with other delimiters".into());
    }
    if placer(order).as_deref() != Some(want) {
        return Err("order with another placer number".into());
    }
    let raw = |id: &[u8]| {
        order
            .find(id, 1)
            .map(|s| String::from_utf8_lossy(s.raw()) + "\r")
    };
    let obr = order.find(b"OBR", 1).ok_or("order without OBR")?;
    let field = |n| {
        obr.field(n)
            .map_or(String::new(), |f| String::from_utf8_lossy(f.raw()).into())
    };
    let mut m = msh(
        app,
        "EMR",
        &ts(at),
        "ORU^R01^ORU_R01",
        &format!("ORU-{want}"),
    );
    m += &raw(b"PID").ok_or("order without PID")?;
    m += &raw(b"PV1").unwrap_or_default();
    let filler = comps(&[&format!("F{want}"), app]);
    let mut f = vec![(1, "1".into()), (2, field(2)), (3, filler), (4, field(4))];
    f.extend([(7, field(7)), (22, ts(at)), (25, "F".into())]);
    f.extend_from_slice(extra);
    Ok(m + &seg("OBR", &f))
}

/// The LIS's ORU^R01 answering the lab `order` it received (an hour after it was
/// placed): values and flags from `lab.tests`, the note [`LAB_NOTE`].
///
/// # Errors
/// The order's placer number (OBR-2.1) is not `lab.placer`; it has no PID or OBR.
pub fn lab_result(order: &Message<'_>, lab: &LabOrder) -> Res<Vec<u8>> {
    let at = later(&lab.ordered, 60)?;
    let mut m = answer(order, &lab.placer, "LIS", &at, &[(24, "LAB".into())])?;
    for (n, t) in lab.tests.iter().enumerate() {
        let (n, code, value) = (n + 1, comps(&[t.loinc, t.name, "LN"]), esc(&t.value));
        let (unit, range, flag) = (
            esc(t.unit),
            esc(&format!("{}-{}", t.low, t.high)),
            esc(t.flag),
        );
        m += &format!("OBX|{n}|NM|{code}||{value}|{unit}|{range}|{flag}|||F\r");
    }
    m += &format!("NTE|1||{}\r", esc(LAB_NOTE));
    Ok(m.into_bytes())
}

/// The RIS's ORU^R01 answering the imaging `order` it received (two hours after it was
/// placed): the impression (TX) and the Study Instance UID (ST).
///
/// # Errors
/// The order's placer number or accession is not `im`'s; it has no PID or OBR.
pub fn imaging_report(order: &Message<'_>, im: &ImagingOrder) -> Res<Vec<u8>> {
    if accession(order).as_deref() != Some(im.accession.as_str()) {
        return Err("order with another accession number".into());
    }
    let at = later(&im.ordered, 120)?;
    let extra = [(18, esc(&im.accession)), (24, "RAD".into())];
    let mut m = answer(order, &im.placer, "RIS", &at, &extra)?;
    let (text, uid) = (esc(&im.impression), esc(&im.study_uid));
    m += &format!("OBX|1|TX|18782-3^Radiology Study observation^LN||{text}||||||F\r");
    m += &format!("OBX|2|ST|113014^Study Instance UID^DCM||{uid}||||||F\r");
    Ok(m.into_bytes())
}

/// The mapping tests' fhir.resources check (an independent FHIR R4 validator).
#[cfg(test)]
#[path = "../../mapping/tests/common/fhir_check.rs"]
pub(super) mod fhir_check;

#[cfg(test)]
mod tests {
    use super::super::world::{generate, Class};
    use super::*;
    use carewire::hl7::{validate::validate, ParseConfig};
    use carewire::mapping::fhir::{MapConfig, TzPolicy};
    use carewire::mapping::v2;
    use std::collections::{BTreeMap, HashSet};

    /// Every message of a visit, in the order the runtime sends them.
    fn visit(day: &Day, e: &Encounter) -> Vec<Vec<u8>> {
        let first = if e.class == Class::Inpatient {
            Adt::A01
        } else {
            Adt::A04
        };
        let mut out = vec![adt(day, e, first).unwrap()];
        out.extend(
            day.patient(e)
                .new_phone
                .as_ref()
                .map(|_| adt(day, e, Adt::A08).unwrap()),
        );
        for lab in &e.labs {
            let order = lab_order(day, e, lab).unwrap();
            out.push(lab_result(&Message::parse(&order).unwrap(), lab).unwrap());
            out.insert(out.len() - 1, order);
        }
        if let Some(im) = &e.imaging {
            let order = imaging_order(day, e, im).unwrap();
            out.push(imaging_report(&Message::parse(&order).unwrap(), im).unwrap());
            out.insert(out.len() - 1, order);
        }
        out.extend(
            e.transfer_to
                .as_ref()
                .map(|_| adt(day, e, Adt::A02).unwrap()),
        );
        out.push(dft(day, e).unwrap());
        out.push(adt(day, e, Adt::A03).unwrap());
        out
    }

    fn get(msg: &Message<'_>, path: &str) -> String {
        msg.get_str(path).unwrap().unwrap_or_default().into_owned()
    }

    /// 200 visits: every message parses strictly, conforms to its structure, has a
    /// control id unique in the day and maps to FHIR with the expected resources; the
    /// first 30 visits' Bundles go through fhir.resources.
    #[test]
    fn a_whole_day_parses_validates_and_maps() {
        let day = generate(3, 200);
        let (mut ids, mut bundles, mut kinds) = (HashSet::new(), Vec::new(), BTreeMap::new());
        let config = MapConfig::with_tz(TzPolicy::Error);
        for (i, e) in day.encounters.iter().enumerate() {
            for bytes in visit(&day, e) {
                let msg = Message::parse_with(&bytes, &ParseConfig::strict()).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                let report = validate(&msg);
                assert!(!report.has_errors(), "{:?}\n{text}", report.findings());
                let ctrl = msg.header().control_id().unwrap().into_owned();
                assert!(ids.insert(ctrl.clone()), "duplicate control id in\n{text}");
                let json = v2::to_fhir(&bytes, &config).unwrap().json;
                let bundle: serde_json::Value = serde_json::from_str(&json).unwrap();
                let mut n = BTreeMap::new();
                for r in bundle["entry"].as_array().unwrap() {
                    *n.entry(r["resource"]["resourceType"].as_str().unwrap())
                        .or_insert(0) += 1;
                }
                let n = |kind: &str| n.get(kind).copied().unwrap_or(0);
                let event = msg.header().trigger_event().unwrap().into_owned();
                let (obr, obx) = (
                    msg.segments_by_id("OBR").count(),
                    msg.segments_by_id("OBX").count(),
                );
                let want = match event.as_str() {
                    "A02" => (n("Patient"), n("Encounter")) == (1, 1),
                    "P03" => {
                        n("ChargeItem") == msg.segments_by_id("FT1").count() && n("ChargeItem") > 0
                    }
                    "O01" => n("ServiceRequest") == 1 && obr == 1,
                    "R01" => n("Observation") == obx && n("DiagnosticReport") == 1,
                    _ => {
                        (n("Patient"), n("Encounter"), n("Coverage"), n("Condition"))
                            == (1, 1, 1, e.diagnoses.len())
                    }
                };
                assert!(want, "{event}: {json}");
                *kinds.entry(event).or_insert(0) += 1;
                if i < 30 {
                    bundles.push((ctrl, json));
                }
            }
        }
        assert!(
            kinds.len() == 8 && kinds.values().all(|&n| n >= 10),
            "{kinds:?}"
        );
        let n = bundles.len();
        if let Some(validated) = super::fhir_check::check(bundles) {
            assert_eq!(validated, n);
        }
    }

    #[test]
    fn key_fields_read_back_decoded() {
        let day = generate(1, 200);
        let e = (day.encounters.iter())
            .find(|e| day.patient(e).street.contains('&') && !e.labs.is_empty())
            .unwrap();
        let p = day.patient(e);
        let bytes = adt(&day, e, Adt::A08).unwrap();
        let msg = Message::parse(&bytes).unwrap();
        assert!(String::from_utf8_lossy(&bytes).contains(" \\T\\ "));
        assert_eq!(get(&msg, "PID-3.1"), p.mrn);
        assert_eq!(get(&msg, "PID-11.1"), p.street);
        assert_eq!(
            &get(&msg, "PID-13"),
            p.new_phone.as_ref().unwrap_or(&p.phone)
        );
        assert_eq!(get(&msg, "PV1-19"), e.visit);
        assert_eq!(get(&msg, "IN1-36"), p.coverage.member_id);
        assert_eq!(get(&msg, "DG1-3.1"), e.diagnoses[0].0);

        let lab = &e.labs[0];
        let order = lab_order(&day, e, lab).unwrap();
        let order = Message::parse(&order).unwrap();
        assert_eq!(placer(&order).as_deref(), Some(lab.placer.as_str()));
        let result = lab_result(&order, lab).unwrap();
        let result = Message::parse(&result).unwrap();
        assert_eq!(
            (get(&result, "PID-3.1"), get(&result, "PV1-19")),
            (p.mrn.clone(), e.visit.clone())
        );
        assert_eq!(get(&result, "OBR-3.1"), format!("F{}", lab.placer));
        let flags: Vec<String> = (result.segments_by_id("OBX"))
            .map(|s| s.field(8).unwrap().decoded().into_owned())
            .collect();
        assert_eq!(flags, lab.tests.iter().map(|t| t.flag).collect::<Vec<_>>());
        assert_eq!(get(&result, "NTE-3"), LAB_NOTE);
        assert!(String::from_utf8_lossy(result.as_bytes()).contains("hemolyzed \\T\\ re-drawn"));

        let (e, im) = (day.encounters.iter())
            .find_map(|e| {
                e.imaging
                    .as_ref()
                    .filter(|i| i.impression.contains('|'))
                    .map(|i| (e, i))
            })
            .unwrap();
        let order = imaging_order(&day, e, im).unwrap();
        let order = Message::parse(&order).unwrap();
        assert_eq!(accession(&order).as_deref(), Some(im.accession.as_str()));
        assert_eq!(get(&order, "OBR-15.4"), im.body_part);
        let report = imaging_report(&order, im).unwrap();
        let report = Message::parse(&report).unwrap();
        assert_eq!(get(&report, "OBR-18"), im.accession);
        assert_eq!(get(&report, "OBX-5"), im.impression);
        assert_eq!(get(&report, "OBX[2]-5"), im.study_uid);
    }

    #[test]
    fn ft1_amounts_sum_to_the_worlds_cents() {
        let day = generate(5, 200);
        for e in &day.encounters {
            let bytes = dft(&day, e).unwrap();
            let msg = Message::parse(&bytes).unwrap();
            let mut billed = 0;
            for ft1 in msg.segments_by_id("FT1") {
                let v = ft1.field(11).unwrap().decoded().into_owned();
                let (d, c) = v.split_once('.').unwrap();
                assert_eq!(c.len(), 2);
                billed += d.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap();
                let dx = ft1.get(&"FT1-19.1".parse().unwrap()).unwrap();
                assert_eq!(dx.decoded(), e.diagnoses[0].0);
            }
            let cents: i64 = e.charges.iter().map(|c| c.cents).sum::<i64>()
                + e.labs.iter().map(|l| l.charge_cents).sum::<i64>()
                + e.imaging.as_ref().map_or(0, |i| i.charge_cents);
            assert_eq!(billed, cents);
            let mut cpts: Vec<&str> = e.charges.iter().map(|c| c.code).collect();
            cpts.extend(
                e.labs
                    .iter()
                    .map(|l| l.code)
                    .chain(e.imaging.as_ref().map(|i| i.code)),
            );
            let sent: Vec<String> = (1..=cpts.len())
                .map(|n| get(&msg, &format!("FT1[{n}]-25.1")))
                .collect();
            assert_eq!(sent, cpts);
        }
        assert_eq!(
            (dollars(180_000), dollars(5), dollars(-1234)),
            ("1800.00".into(), "0.05".into(), "-12.34".into())
        );
    }

    #[test]
    fn answers_refuse_an_order_they_do_not_match() {
        let day = generate(1, 200);
        let e = day.encounters.iter().find(|e| e.labs.len() == 2).unwrap();
        let order = lab_order(&day, e, &e.labs[0]).unwrap();
        assert!(lab_result(&Message::parse(&order).unwrap(), &e.labs[1]).is_err());
        let e = day
            .encounters
            .iter()
            .find(|e| e.transfer_to.is_none())
            .unwrap();
        assert!(adt(&day, e, Adt::A02).is_err());
        let mut ims = (day.encounters.iter()).filter_map(|e| e.imaging.as_ref().map(|i| (e, i)));
        let ((e, a), (_, b)) = (ims.next().unwrap(), ims.next().unwrap());
        let order = imaging_order(&day, e, a).unwrap();
        assert!(imaging_report(&Message::parse(&order).unwrap(), b).is_err());
        assert!(imaging_report(&Message::parse(&order).unwrap(), a).is_ok());
    }
}
