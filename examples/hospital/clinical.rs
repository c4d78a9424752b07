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
    format!(
        "MSH|^~\\&|{app}|{FACILITY}|{rcv}|{FACILITY}|{ts}||{kind}|{}|P|2.5.1\r",
        esc(ctrl)
    )
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
    let total = minutes(t)? + m;
    let month = t.get(..6).ok_or("bad time")?;
    Ok(format!(
        "{month}{:02}{:02}{:02}",
        total / 1440,
        total % 1440 / 60,
        total % 60
    ))
}

fn patient<'d>(day: &'d Day, e: &Encounter) -> Res<&'d Patient> {
    Ok(day
        .patients
        .get(e.patient)
        .ok_or("encounter without patient")?)
}

/// PID; `updated` gives the A08's new phone when there is one.
fn pid(p: &Patient, updated: bool) -> String {
    let phone = match (&p.new_phone, updated) {
        (Some(new), true) => new,
        _ => &p.phone,
    };
    seg(
        "PID",
        &[
            (1, "1".into()),
            (3, comps(&[&p.mrn, "", "", FACILITY, "MR"])),
            (5, comps(&[&p.family, &p.given])),
            (7, esc(&p.birth_date)),
            (8, esc(p.sex)),
            (11, comps(&[&p.street, "", &p.city, &p.state, &p.zip])),
            (13, esc(phone)),
        ],
    )
}

fn xcn(e: &Encounter) -> String {
    let d = &e.attending;
    comps(&[&d.npi, &d.family, &d.given])
}

/// PV1 at `loc`, with the prior location (A02) and the discharge time (A03, DFT).
fn pv1(e: &Encounter, loc: &str, prior: Option<&str>, discharge: bool) -> String {
    let mut f = vec![
        (1, "1".into()),
        (2, e.class.code().into()),
        (3, pl(loc)),
        (7, xcn(e)),
        (19, esc(&e.visit)),
        (44, ts(&e.admit)),
    ];
    f.extend(prior.map(|p| (6, pl(p))));
    if discharge {
        f.push((45, ts(&e.discharge)));
    }
    seg("PV1", &f)
}

fn dg1s(e: &Encounter) -> String {
    let mut out = String::new();
    for (n, (code, text)) in e.diagnoses.iter().enumerate() {
        out += &seg(
            "DG1",
            &[
                (1, (n + 1).to_string()),
                (3, comps(&[code, text, "I10"])),
                (5, ts(&e.admit)),
                (6, if n == 0 { "A" } else { "W" }.into()),
            ],
        );
    }
    out
}

fn in1(p: &Patient) -> String {
    let c = &p.coverage;
    seg(
        "IN1",
        &[
            (1, "1".into()),
            (2, "PPO".into()),
            (3, esc(&c.payer_id)),
            (4, esc(&c.payer_name)),
            (8, esc(&c.group)),
            (36, esc(&c.member_id)),
        ],
    )
}

/// The ADT message of `event` for the visit `e`.
///
/// # Errors
/// A02 for a visit without a transfer; a visit whose patient is not in `day`.
pub fn adt(day: &Day, e: &Encounter, event: Adt) -> Res<Vec<u8>> {
    let p = patient(day, e)?;
    let (admit, discharge) = (minutes(&e.admit)?, minutes(&e.discharge)?);
    let final_loc = e.transfer_to.as_deref().unwrap_or(&e.location);
    let (at, loc, prior) = match event {
        Adt::A01 | Adt::A04 => (e.admit.clone(), e.location.as_str(), None),
        Adt::A08 => (later(&e.admit, 15)?, e.location.as_str(), None),
        Adt::A02 => {
            let to = e.transfer_to.as_deref().ok_or("visit without a transfer")?;
            let mid = later(&e.admit, discharge.saturating_sub(admit) / 2)?;
            (mid, to, Some(e.location.as_str()))
        }
        Adt::A03 => (e.discharge.clone(), final_loc, None),
    };
    let code = event.code();
    let mut m = msh(
        "EMR",
        "ENGINE",
        &ts(&at),
        &format!("ADT^{code}^{}", event.structure()),
        &format!("ADT-{}-{code}", e.visit),
    );
    m += &seg("EVN", &[(1, code.into()), (2, ts(&at))]);
    m += &pid(p, !matches!(event, Adt::A01 | Adt::A04));
    m += &pv1(e, loc, prior, event == Adt::A03);
    if event != Adt::A02 {
        m += &dg1s(e); // ADT_A02 has no DG1 or IN1
        m += &in1(p);
    }
    Ok(m.into_bytes())
}

/// `cents` as dollars with two decimals, exactly (no floats).
fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
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

/// The revenue code of an imaging modality.
pub fn imaging_revenue(modality: &str) -> &'static str {
    match modality {
        "CT" => "0350",
        "MR" => "0610",
        "US" => "0402",
        _ => "0320",
    }
}

/// The DFT^P03 of the visit: one FT1 per charge, lab order and imaging order.
///
/// # Errors
/// A visit whose patient is not in `day`.
pub fn dft(day: &Day, e: &Encounter) -> Res<Vec<u8>> {
    let p = patient(day, e)?;
    let at = ts(&e.discharge);
    let mut m = msh(
        "EMR",
        "BILLING",
        &at,
        "DFT^P03^DFT_P03",
        &format!("DFT-{}", e.visit),
    );
    m += &seg("EVN", &[(1, "P03".into()), (2, at.clone())]);
    m += &pid(p, true);
    let final_loc = e.transfer_to.as_deref().unwrap_or(&e.location);
    m += &pv1(e, final_loc, None, true);
    // (time, revenue, description, units, cents, cpt)
    let mut items: Vec<(&str, &str, &str, u32, i64, &str)> = e
        .charges
        .iter()
        .map(|c| {
            let name = charge_name(c.code, c.revenue);
            (e.admit.as_str(), c.revenue, name, c.units, c.cents, c.code)
        })
        .collect();
    for l in &e.labs {
        items.push((&l.ordered, "0300", l.name, 1, l.charge_cents, l.code));
    }
    if let Some(im) = &e.imaging {
        let rev = imaging_revenue(im.modality);
        items.push((&im.ordered, rev, im.name, 1, im.charge_cents, im.code));
    }
    let dx = e.diagnoses.first().map_or("", |d| d.0);
    for (n, (t, rev, desc, units, cents, cpt)) in items.into_iter().enumerate() {
        m += &seg(
            "FT1",
            &[
                (1, (n + 1).to_string()),
                (4, ts(t)),
                (6, "CG".into()),
                (7, comps(&[rev, desc, "NUBC"])),
                (9, esc(desc)),
                (10, units.to_string()),
                (11, dollars(cents)),
                (19, comps(&[dx, "", "I10"])),
                (25, comps(&[cpt, "", "C4"])),
            ],
        );
    }
    m += &dg1s(e);
    m += &in1(p);
    Ok(m.into_bytes())
}

/// ORC + OBR of an order placed by the EMR; `extra` adds OBR fields.
fn order(
    e: &Encounter,
    placer: &str,
    code: &str,
    name: &str,
    at: &str,
    extra: &[(usize, String)],
) -> String {
    let placer = comps(&[placer, "EMR"]);
    let mut m = seg("ORC", &[(1, "NW".into()), (2, placer.clone())]);
    let mut f = vec![
        (1, "1".into()),
        (2, placer),
        (4, comps(&[code, name, "C4"])),
        (7, ts(at)),
        (16, xcn(e)),
    ];
    f.extend_from_slice(extra);
    m += &seg("OBR", &f);
    m
}

/// The lab order ORM^O01 (EMR → LIS).
///
/// # Errors
/// A visit whose patient is not in `day`.
pub fn lab_order(day: &Day, e: &Encounter, lab: &LabOrder) -> Res<Vec<u8>> {
    let p = patient(day, e)?;
    let ctrl = format!("ORM-{}", lab.placer);
    let mut m = msh("EMR", "LIS", &ts(&lab.ordered), "ORM^O01^ORM_O01", &ctrl);
    m += &pid(p, true);
    m += &pv1(e, &e.location, None, false);
    m += &order(e, &lab.placer, lab.code, lab.name, &lab.ordered, &[]);
    Ok(m.into_bytes())
}

/// The imaging order ORM^O01 (EMR → RIS): OBR-15.4 body part, OBR-18 accession.
///
/// # Errors
/// A visit whose patient is not in `day`.
pub fn imaging_order(day: &Day, e: &Encounter, im: &ImagingOrder) -> Res<Vec<u8>> {
    let p = patient(day, e)?;
    let ctrl = format!("ORM-{}", im.placer);
    let mut m = msh("EMR", "RIS", &ts(&im.ordered), "ORM^O01^ORM_O01", &ctrl);
    m += &pid(p, true);
    m += &pv1(e, &e.location, None, false);
    let extra = [
        (15, comps(&["", "", "", im.body_part])),
        (18, esc(&im.accession)),
        (24, "RAD".into()),
    ];
    m += &order(e, &im.placer, im.code, im.name, &im.ordered, &extra);
    Ok(m.into_bytes())
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

/// MSH, PID, PV1 and the OBR of a result answering `order` (the filler is `app`).
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
            .map(|f| String::from_utf8_lossy(f.raw()).into_owned())
    };
    let ctrl = format!("ORU-{want}");
    let mut m = msh(app, "EMR", &ts(at), "ORU^R01^ORU_R01", &ctrl);
    m += &raw(b"PID").ok_or("order without PID")?;
    m += &raw(b"PV1").unwrap_or_default();
    let mut f = vec![
        (1, "1".into()),
        (2, field(2).unwrap_or_default()),
        (3, comps(&[&format!("F{want}"), app])),
        (4, field(4).unwrap_or_default()),
        (7, field(7).unwrap_or_default()),
        (22, ts(at)),
        (25, "F".into()),
    ];
    f.extend_from_slice(extra);
    m += &seg("OBR", &f);
    Ok(m)
}

/// The LIS's ORU^R01 answering the lab `order` it received; values from `lab.tests`.
///
/// # Errors
/// The order's placer number (OBR-2.1) is not `lab.placer`; it has no PID or OBR.
pub fn lab_result(order: &Message<'_>, lab: &LabOrder) -> Res<Vec<u8>> {
    let at = later(&lab.ordered, 60)?;
    let mut m = answer(order, &lab.placer, "LIS", &at, &[(24, "LAB".into())])?;
    for (n, t) in lab.tests.iter().enumerate() {
        m += &seg(
            "OBX",
            &[
                (1, (n + 1).to_string()),
                (2, "NM".into()),
                (3, comps(&[t.loinc, t.name, "LN"])),
                (5, esc(&t.value)),
                (6, esc(t.unit)),
                (7, esc(&format!("{}-{}", t.low, t.high))),
                (8, esc(t.flag)),
                (11, "F".into()),
            ],
        );
    }
    m += &seg("NTE", &[(1, "1".into()), (3, esc(LAB_NOTE))]);
    Ok(m.into_bytes())
}

/// The RIS's ORU^R01 answering the imaging `order` it received: impression and Study
/// Instance UID.
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
    let obx = |n: &str, kind: &str, code: &[&str], value: &str| {
        seg(
            "OBX",
            &[
                (1, n.into()),
                (2, kind.into()),
                (3, comps(code)),
                (5, esc(value)),
                (11, "F".into()),
            ],
        )
    };
    m += &obx(
        "1",
        "TX",
        &["18782-3", "Radiology Study observation", "LN"],
        &im.impression,
    );
    m += &obx(
        "2",
        "ST",
        &["113014", "Study Instance UID", "DCM"],
        &im.study_uid,
    );
    Ok(m.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::world::generate;
    use super::*;
    use carewire::hl7::{validate::validate, ParseConfig};
    use carewire::mapping::fhir::{MapConfig, TzPolicy};
    use carewire::mapping::v2;
    use std::collections::{BTreeMap, HashSet};

    /// Parses strictly, validates the structure, maps to FHIR; resources per type.
    fn check(bytes: &[u8], ids: &mut HashSet<String>) -> BTreeMap<String, usize> {
        let msg = Message::parse_with(bytes, &ParseConfig::strict()).unwrap();
        let report = validate(&msg);
        let text = String::from_utf8_lossy(bytes);
        assert!(!report.has_errors(), "{:?}\n{text}", report.findings());
        let ctrl = msg.header().control_id().unwrap().into_owned();
        assert!(ids.insert(ctrl), "duplicate control id in\n{text}");
        let out = v2::to_fhir(bytes, &MapConfig::with_tz(TzPolicy::Error)).unwrap();
        let bundle: serde_json::Value = serde_json::from_str(&out.json).unwrap();
        let mut per_type = BTreeMap::new();
        for e in bundle["entry"].as_array().unwrap() {
            let kind = e["resource"]["resourceType"].as_str().unwrap().to_string();
            *per_type.entry(kind).or_insert(0) += 1;
        }
        per_type
    }

    fn count(types: &BTreeMap<String, usize>, kind: &str) -> usize {
        types.get(kind).copied().unwrap_or(0)
    }

    fn get(msg: &Message<'_>, path: &str) -> String {
        msg.get_str(path).unwrap().unwrap_or_default().into_owned()
    }

    #[test]
    fn a_whole_day_parses_validates_and_maps() {
        let day = generate(3, 200);
        let mut ids = HashSet::new();
        let (mut results, mut reports, mut transfers) = (0, 0, 0);
        for e in &day.encounters {
            let p = day.patient(e);
            let first = match e.class {
                super::super::world::Class::Inpatient => Adt::A01,
                _ => Adt::A04,
            };
            let mut events = vec![first, Adt::A03];
            events.extend(p.new_phone.as_ref().map(|_| Adt::A08));
            events.extend(e.transfer_to.as_ref().map(|_| Adt::A02));
            for ev in events {
                let bytes = adt(&day, e, ev).unwrap();
                let types = check(&bytes, &mut ids);
                assert_eq!(count(&types, "Patient"), 1);
                assert_eq!(count(&types, "Encounter"), 1);
                if ev != Adt::A02 {
                    assert_eq!(count(&types, "Condition"), e.diagnoses.len());
                    assert_eq!(count(&types, "Coverage"), 1);
                } else {
                    transfers += 1;
                    let msg = Message::parse(&bytes).unwrap();
                    assert_eq!(
                        get(&msg, "PV1-3.1"),
                        e.transfer_to.as_ref().unwrap()[..]
                            .split('^')
                            .next()
                            .unwrap()
                    );
                    assert_eq!(get(&msg, "PV1-6.1"), e.location.split('^').next().unwrap());
                }
            }
            for lab in &e.labs {
                let order = lab_order(&day, e, lab).unwrap();
                assert_eq!(count(&check(&order, &mut ids), "ServiceRequest"), 1);
                let result = lab_result(&Message::parse(&order).unwrap(), lab).unwrap();
                let types = check(&result, &mut ids);
                assert_eq!(count(&types, "Observation"), lab.tests.len());
                assert_eq!(count(&types, "DiagnosticReport"), 1);
                results += 1;
            }
            if let Some(im) = &e.imaging {
                let order = imaging_order(&day, e, im).unwrap();
                assert_eq!(count(&check(&order, &mut ids), "ServiceRequest"), 1);
                let report = imaging_report(&Message::parse(&order).unwrap(), im).unwrap();
                assert_eq!(count(&check(&report, &mut ids), "Observation"), 2);
                reports += 1;
            }
            let bill = dft(&day, e).unwrap();
            let items = e.charges.len() + e.labs.len() + usize::from(e.imaging.is_some());
            assert_eq!(count(&check(&bill, &mut ids), "ChargeItem"), items);
        }
        assert!(results > 50 && reports > 30 && transfers > 5);
    }

    #[test]
    fn key_fields_read_back_decoded() {
        let day = generate(1, 200);
        let amp = |s: &str| s.contains('&');
        let e = day
            .encounters
            .iter()
            .find(|e| amp(&day.patient(e).street) && !e.labs.is_empty())
            .unwrap();
        let p = day.patient(e);
        let bytes = adt(&day, e, Adt::A08).unwrap();
        let msg = Message::parse(&bytes).unwrap();
        assert_eq!(get(&msg, "PID-3.1"), p.mrn);
        assert_eq!(get(&msg, "PID-11.1"), p.street);
        assert!(String::from_utf8_lossy(&bytes).contains("\\T\\"));
        assert_eq!(get(&msg, "PV1-19"), e.visit);
        let phone = p.new_phone.as_ref().unwrap_or(&p.phone);
        assert_eq!(&get(&msg, "PID-13"), phone);

        let lab = &e.labs[0];
        let order = lab_order(&day, e, lab).unwrap();
        let order = Message::parse(&order).unwrap();
        assert_eq!(placer(&order).as_deref(), Some(lab.placer.as_str()));
        let result = lab_result(&order, lab).unwrap();
        let result = Message::parse(&result).unwrap();
        assert_eq!(get(&result, "PID-3.1"), p.mrn);
        assert_eq!(get(&result, "PV1-19"), e.visit);
        assert_eq!(get(&result, "OBR-3.1"), format!("F{}", lab.placer));
        let flags: Vec<String> = result
            .segments_by_id("OBX")
            .map(|s| s.field(8).unwrap().decoded().into_owned())
            .collect();
        let want: Vec<&str> = lab.tests.iter().map(|t| t.flag).collect();
        assert_eq!(flags, want);
        assert_eq!(get(&result, "NTE-3"), LAB_NOTE);
        assert!(String::from_utf8_lossy(result.as_bytes()).contains("hemolyzed \\T\\ re-drawn"));

        let (e, im) = day
            .encounters
            .iter()
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
            let billed: i64 = msg
                .segments_by_id("FT1")
                .map(|s| {
                    let v = s.field(11).unwrap().decoded().into_owned();
                    let (d, c) = v.split_once('.').unwrap();
                    assert_eq!(c.len(), 2);
                    d.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap()
                })
                .sum();
            let cents: i64 = e.charges.iter().map(|c| c.cents).sum::<i64>()
                + e.labs.iter().map(|l| l.charge_cents).sum::<i64>()
                + e.imaging.as_ref().map_or(0, |i| i.charge_cents);
            assert_eq!(billed, cents);
        }
        assert_eq!(dollars(180_000), "1800.00");
        assert_eq!(dollars(5), "0.05");
        assert_eq!(dollars(-1234), "-12.34");
    }

    #[test]
    fn answers_refuse_an_order_they_do_not_match() {
        let day = generate(1, 200);
        let e = day.encounters.iter().find(|e| e.labs.len() == 2).unwrap();
        let order = lab_order(&day, e, &e.labs[0]).unwrap();
        let order = Message::parse(&order).unwrap();
        assert!(lab_result(&order, &e.labs[1]).is_err());
        let e = day
            .encounters
            .iter()
            .find(|e| e.transfer_to.is_none())
            .unwrap();
        assert!(adt(&day, e, Adt::A02).is_err());
        let mut ims = day
            .encounters
            .iter()
            .filter_map(|e| e.imaging.as_ref().map(|i| (e, i)));
        let ((e, a), (_, b)) = (ims.next().unwrap(), ims.next().unwrap());
        let order = imaging_order(&day, e, a).unwrap();
        assert!(imaging_report(&Message::parse(&order).unwrap(), b).is_err());
        assert!(imaging_report(&Message::parse(&order).unwrap(), a).is_ok());
    }
}
