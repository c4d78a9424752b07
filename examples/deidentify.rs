//! De-identify HL7 v2 messages and the FHIR they map to, keeping records linkable.
//!
//! Shows: `mapping::deid` with the HIPAA Safe Harbor policy and one keyed `Deidentifier`
//! applied to two messages about the same synthetic patient (an ADT^A01 admission and
//! an ORU^R01 result three days later): names and addresses removed, the MRN replaced by
//! the same keyed pseudonym in both, every date of the patient shifted by the same
//! number of days (so the admission-to-result interval survives), ZIP cut to three
//! digits; the report lists changes by path and action only. Then the ORU is mapped to
//! FHIR and de-identified with `deid::fhir` under the same key; a CT image of the
//! admission day gets the same shift from the DICOM de-identifier of that key.
//!
//! Crates: `carewire::mapping` (deid, v2), `carewire::hl7`, `carewire::dicom` (deid).
//!
//! Run: `cargo run --release --example deidentify`
//! Exits non-zero if an original identifier survives or the shifts disagree.

#[path = "common/mod.rs"]
mod common;

use carewire::dicom::deid::{Dates, DeidOptions};
use carewire::dicom::{DataSet, DataSetBuf, Encoder, Tag, TransferSyntax, Vr};
use carewire::hl7::Message;
use carewire::mapping::deid::{fhir, Applied, DeidKey, Deidentifier, Policy};
use carewire::mapping::fhir::{MapConfig, TzPolicy};
use carewire::mapping::v2::to_fhir;
use common::Res;

const CT_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
const ADT: &[u8] =
    b"MSH|^~\\&|EMR|HOSP|RESEARCH|UNI|20240105083000+0100||ADT^A01^ADT_A01|ADT0001|P|2.5.1\r\
PID|1||MRN4471^^^HOSP^MR||Testpatient^Ada||19800214|F|||12 Elm St^^Boston^MA^02139||555-0100\r\
PV1|1|I|WARD2^12^A||||||||||||||||V7001|||||||||||||||||||||||||20240105080000+0100\r";
const ORU: &[u8] =
    b"MSH|^~\\&|LIS|LAB|RESEARCH|UNI|20240108101500+0100||ORU^R01^ORU_R01|LAB0001|P|2.5.1\r\
PID|1||MRN4471^^^HOSP^MR||Testpatient^Ada||19800214|F\r\
OBR|1|ORD01^EMR|FIL01^LIS|2093-3^Cholesterol^LN|||20240108080000+0100\r\
OBX|1|NM|2093-3^Cholesterol^LN||212|mg/dL|<200|H|||F|||20240108080000+0100\r\
NTE|1||Called Ada Testpatient at 555-0100\r";
/// Identifiers that must not appear in any output.
const ORIGINALS: &[&str] = &[
    "MRN4471",
    "Testpatient",
    "Elm St",
    "555-0100",
    "19800214",
    "V7001",
];

fn days(yyyymmdd: &str) -> Res<i64> {
    // Days since 0000-03-01 in the proleptic Gregorian calendar (enough for intervals).
    let n = |r: std::ops::Range<usize>| -> Res<i64> {
        Ok(yyyymmdd.get(r).ok_or("short date")?.parse()?)
    };
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    Ok(365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d)
}

/// De-identifies both messages and the FHIR Bundle; returns the checks, one per line.
pub fn run(_args: &[String]) -> Res<Vec<String>> {
    // A fixed demo key keeps the output deterministic; a real key is 32 random bytes
    // kept away from the data.
    let key = DeidKey::new(b"example key, never use in production")?;
    let deid = Deidentifier::new(key, Policy::safe_harbor());
    let mut lines = Vec::new();
    let mut outputs = Vec::new();
    for input in [ADT, ORU] {
        let msg = Message::parse(input)?;
        let out = deid.deidentify(&msg)?;
        let r = out.report();
        lines.push(format!(
            "{}: {} changes ({} removed, {} hashed, {} dates shifted, {} ZIP cut)",
            msg.header().control_id().unwrap_or_default(),
            r.changes().len(),
            r.count(Applied::Removed),
            r.count(Applied::Hashed),
            r.count(Applied::DateShifted),
            r.count(Applied::ZipTruncated)
        ));
        outputs.push(out.to_bytes());
    }
    let (adt, oru) = (Message::parse(&outputs[0])?, Message::parse(&outputs[1])?);
    let (p1, p2) = (
        adt.get_str("PID-3.1")?.unwrap_or_default(),
        oru.get_str("PID-3.1")?.unwrap_or_default(),
    );
    let linked = p1 == p2 && !p1.is_empty();
    lines.push(format!("same pseudonym in both messages: {linked}"));
    lines.push(format!(
        "ZIP {}, state {}",
        adt.get_str("PID-11.5")?.unwrap_or_default(),
        adt.get_str("PID-11.4")?.unwrap_or_default()
    ));
    let admit = adt.get_str("PV1-44")?.unwrap_or_default().into_owned();
    let result = oru.get_str("OBR-7")?.unwrap_or_default().into_owned();
    let interval = days(&result)? - days(&admit)?;
    let moved = !admit.starts_with("20240105");
    lines.push(format!(
        "admission to result: {interval} days (was 3), dates moved: {moved}"
    ));

    // The same patient in FHIR: same key, same pseudonyms and shifts.
    let bundle = to_fhir(ORU, &MapConfig::with_tz(TzPolicy::Error))?;
    let (json, report) = fhir::deidentify_json(&deid, bundle.json.as_bytes())?;
    lines.push(format!(
        "FHIR Bundle: {} changes, {} patient(s), MRN pseudonym carried over: {}",
        report.changes().len(),
        report.patients(),
        json.contains(&format!("\"value\":\"{p1}\""))
    ));

    // A CT image of the admission day (Patient ID + Issuer = PID-3.1 + PID-3.4).
    let ts = TransferSyntax::ExplicitVrLittleEndian;
    let mut enc = Encoder::part10([0; 128], ts, CT_STORAGE, "1.2.826.0.1.3680043.8.498.4471")?;
    enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240105")?;
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN4471")?;
    enc.element(Tag::new(0x0010, 0x0021), Vr::Lo, b"HOSP")?;
    let mut ct = DataSetBuf::from_view(&DataSet::parse(&enc.finish()?)?)?;
    deid.dicom_deidentifier(&ct, DeidOptions::new().dates(Dates::Modified))
        .apply(&mut ct);
    let ct = ct.write(ts)?;
    let parsed = DataSet::parse(&ct)?;
    let study_date = parsed.get_str(Tag::new(0x0008, 0x0020)).unwrap_or_default();
    let same = study_date.len() == 8 && admit.starts_with(study_date.as_ref());
    lines.push(format!("DICOM study date shifted as the admission: {same}"));
    let texts = [
        String::from_utf8_lossy(&outputs[0]),
        String::from_utf8_lossy(&outputs[1]),
        json.into(),
        String::from_utf8_lossy(&ct),
    ];
    for (k, original) in ORIGINALS.iter().enumerate() {
        if texts.iter().any(|t| t.contains(original)) {
            let k = k + 1; // the entry's position, never its value (patient data)
            return Err(format!("an original identifier survived (entry {k} of the list)").into());
        }
    }
    if interval != 3 || p1 != p2 || !same {
        return Err("linkage or interval lost".into());
    }
    let n = ORIGINALS.len();
    lines.push(format!("no original identifier left ({n} checked)"));
    Ok(lines)
}

fn main() -> std::process::ExitCode {
    common::main("deidentify", run)
}
