//! Link an imaging study to its order and its patient, as RIS and PACS do.
//!
//! Shows: an EMR order (ORM^O01 with placer and filler order numbers and the accession
//! number in OBR-18); the modality's DICOM header written with `dicom::Encoder` (the
//! accession number, the Filler Order Number (0040,2017) and the Patient ID); PACS
//! reading it back header-only and matching it to the order by accession number and to
//! the patient by ID; the RIS report (ORU^R01) answering the same order; and the FHIR
//! view of the link: the ImagingStudy from `mapping::dicom` points at the same
//! `ServiceRequest/<id>` and `Patient/<id>` as the ORM's Bundle from `mapping::v2`.
//!
//! Crates: `carewire::hl7`, `carewire::dicom`, `carewire::mapping`, serde_json.
//!
//! Run: `cargo run --release --example imaging_link`
//! Exits non-zero if the study is not linked to its order and patient.

#[path = "common/mod.rs"]
mod common;

use carewire::dicom::{DataSet, Encoder, ParseConfig, Tag, TransferSyntax, Vr};
use carewire::hl7::Message;
use carewire::mapping::fhir::{MapConfig, TzPolicy};
use carewire::mapping::{dicom, v2};
use common::{resources, Res};
use serde_json::Value;

const ORM: &[u8] =
    b"MSH|^~\\&|EMR|HOSP|RIS|RAD|20240110090000+0100||ORM^O01^ORM_O01|ORD0001|P|2.5.1\r\
PID|1||100001^^^HOSP^MR||Testpatient^Ada||19800101|F\r\
ORC|NW|PL0001^EMR|FL0001^RIS||SC\r\
OBR|1|PL0001^EMR|FL0001^RIS|71045^XR chest 1 view^CPT|||20240110090000+0100|||||||||||ACC0001\r";
const ORU: &[u8] = b"MSH|^~\\&|RIS|RAD|EMR|HOSP|20240110113000+0100||ORU^R01^ORU_R01|RPT0001|P|2.5.1\r\
PID|1||100001^^^HOSP^MR||Testpatient^Ada||19800101|F\r\
OBR|1|PL0001^EMR|FL0001^RIS|71045^XR chest 1 view^CPT|||20240110093000+0100|||||||||||ACC0001||||20240110112500+0100||RAD|F\r\
OBX|1|TX|18782-3^Radiology study observation^LN||No acute cardiopulmonary process.||||||F\r";

/// The modality's header for the ordered exam (synthetic UIDs, no pixel data needed).
fn modality_header(accession: &str, filler: &str, patient: &str) -> Res<Vec<u8>> {
    let (class, sop) = (
        "1.2.840.10008.5.1.4.1.1.1",
        "1.2.826.0.1.3680043.10.2.1.1.1",
    );
    let mut e = Encoder::part10([0; 128], TransferSyntax::ExplicitVrLittleEndian, class, sop)?;
    for (group, element, vr, value) in [
        (0x0008, 0x0016, Vr::Ui, class),
        (0x0008, 0x0018, Vr::Ui, sop),
        (0x0008, 0x0020, Vr::Da, "20240110"),
        (0x0008, 0x0050, Vr::Sh, accession),
        (0x0008, 0x0060, Vr::Cs, "DX"),
        (0x0010, 0x0010, Vr::Pn, "Testpatient^Ada"),
        (0x0010, 0x0020, Vr::Lo, patient),
        (0x0010, 0x0021, Vr::Lo, "HOSP"), // issuer, as PID-3.4
        (0x0020, 0x000D, Vr::Ui, "1.2.826.0.1.3680043.10.2.1"),
        (0x0020, 0x000E, Vr::Ui, "1.2.826.0.1.3680043.10.2.1.1"),
    ] {
        e.element(Tag::new(group, element), vr, value.as_bytes())?;
    }
    // Issuer of the Filler Order Number: an HL7 v2 HD, here the namespace of OBR-3.2.
    e.begin_sequence(Tag::new(0x0040, 0x0027), false)?;
    e.begin_item(false)?;
    e.element(Tag::new(0x0040, 0x0031), Vr::Ut, b"RIS")?;
    e.end_item()?;
    e.end_sequence()?;
    e.element(Tag::new(0x0040, 0x2017), Vr::Lo, filler.as_bytes())?;
    Ok(e.finish()?)
}

/// The `resourceType/id` references of one type in a Bundle.
fn ids(bundle: &Value, kind: &str) -> Vec<String> {
    let id = |r: &Value| format!("{kind}/{}", r["id"].as_str().unwrap_or("?"));
    resources(bundle, kind).map(id).collect()
}

/// The text at `path` of an HL7 message, an error naming the path when it is absent.
fn field(msg: &Message<'_>, path: &str) -> Res<String> {
    let value = msg.get_str(path)?.ok_or(format!("order without {path}"))?;
    Ok(value.into_owned())
}

/// Orders, images, indexes and reports one exam; returns the link checks.
pub fn run(_args: &[String]) -> Res<Vec<String>> {
    let order = Message::parse(ORM)?;
    let (accession, filler) = (field(&order, "OBR-18")?, field(&order, "OBR-3.1")?);
    let mrn = field(&order, "PID-3.1")?;

    let file = modality_header(&accession, &filler, &mrn)?;
    let ds = DataSet::parse_with(&file, &ParseConfig::default().stop_before_pixel_data(true))?;
    let get = |g, e| ds.get_str(Tag::new(g, e)).unwrap_or_default().into_owned();
    let (study_acc, study_pid) = (get(0x0008, 0x0050), get(0x0010, 0x0020));
    let (modality, study_uid) = (get(0x0008, 0x0060), get(0x0020, 0x000D));

    let report = Message::parse(ORU)?;
    let reported = report.get_str("OBR-18")?.unwrap_or_default().into_owned();
    let status = report.get_str("OBR-25")?.unwrap_or_default();
    let impression = report.get_str("OBX-5")?.unwrap_or_default();
    let linked = study_acc == accession && reported == accession && study_pid == mrn;

    // The same link in FHIR: both conversions derive the ids from the same identifiers.
    let config = MapConfig::with_tz(TzPolicy::Error);
    let orm: Value = serde_json::from_str(&v2::to_fhir(ORM, &config)?.json)?;
    let img: Value = serde_json::from_str(&dicom::to_fhir(&file, &config)?.json)?;
    let study = resources(&img, "ImagingStudy")
        .next()
        .ok_or("no ImagingStudy")?;
    let based_on = study["basedOn"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let based_on: Vec<&str> = based_on
        .iter()
        .filter_map(|r| r["reference"].as_str())
        .collect();
    let subject = study["subject"]["reference"].as_str().unwrap_or("?");
    let orders = ids(&orm, "ServiceRequest");
    let same_order = orders.iter().any(|id| based_on.contains(&id.as_str()));
    // A transaction Bundle refers by fullUrl (`urn:uuid:<id>`): compare the ids.
    let subject_id = subject.rsplit([':', '/']).next().unwrap_or(subject);
    let patients = ids(&orm, "Patient");
    let same_patient = patients
        .iter()
        .any(|id| id.ends_with(&format!("/{subject_id}")));
    if !(linked && same_order && same_patient) {
        return Err("study not linked to its order and patient".into());
    }
    Ok(vec![
        format!("EMR -> RIS ORM^O01: accession {accession}, filler order {filler}, MRN {mrn}"),
        format!(
            "modality -> PACS {modality} study {study_uid}: accession {study_acc}, \
             patient {study_pid}"
        ),
        format!(
            "RIS -> EMR ORU^R01: accession {reported}, status {status}, \
             impression \"{impression}\""
        ),
        format!("linked by accession and patient id: {linked}"),
        format!("FHIR ImagingStudy.basedOn = ORM ServiceRequest: {same_order}"),
        format!("FHIR ImagingStudy.subject = ORM Patient: {same_patient}"),
    ])
}

fn main() -> std::process::ExitCode {
    common::main("imaging_link", run)
}
