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

use std::error::Error;
use std::process::ExitCode;

use carewire::dicom::{DataSet, Encoder, ParseConfig, Tag, TransferSyntax, Vr};
use carewire::hl7::Message;
use carewire::mapping::fhir::{MapConfig, TzPolicy};
use carewire::mapping::{dicom, v2};
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
fn modality_header(
    accession: &str,
    filler: &str,
    patient: &str,
) -> Result<Vec<u8>, Box<dyn Error>> {
    let sop = "1.2.826.0.1.3680043.10.2.1.1.1";
    let mut e = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.1",
        sop,
    )?;
    e.element(
        Tag::new(0x0008, 0x0016),
        Vr::Ui,
        b"1.2.840.10008.5.1.4.1.1.1",
    )?;
    e.element(Tag::new(0x0008, 0x0018), Vr::Ui, sop.as_bytes())?;
    e.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240110")?;
    e.element(Tag::new(0x0008, 0x0050), Vr::Sh, accession.as_bytes())?;
    e.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"DX")?;
    e.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Testpatient^Ada")?;
    e.element(Tag::new(0x0010, 0x0020), Vr::Lo, patient.as_bytes())?;
    e.element(Tag::new(0x0010, 0x0021), Vr::Lo, b"HOSP")?; // issuer, as PID-3.4
    e.element(
        Tag::new(0x0020, 0x000D),
        Vr::Ui,
        b"1.2.826.0.1.3680043.10.2.1",
    )?;
    e.element(
        Tag::new(0x0020, 0x000E),
        Vr::Ui,
        b"1.2.826.0.1.3680043.10.2.1.1",
    )?;
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
    let entries = bundle["entry"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == kind)
        .map(|e| format!("{kind}/{}", e["resource"]["id"].as_str().unwrap_or("?")))
        .collect()
}

/// Orders, images, indexes and reports one exam; returns the link checks.
pub fn run(_args: &[String]) -> Result<Vec<String>, Box<dyn Error>> {
    let order = Message::parse(ORM)?;
    let accession = order
        .get_str("OBR-18")?
        .ok_or("order without accession")?
        .into_owned();
    let filler = order
        .get_str("OBR-3.1")?
        .ok_or("order without filler number")?
        .into_owned();
    let mrn = order
        .get_str("PID-3.1")?
        .ok_or("order without MRN")?
        .into_owned();
    let mut lines = vec![format!(
        "EMR -> RIS ORM^O01: accession {accession}, filler order {filler}, MRN {mrn}"
    )];

    let file = modality_header(&accession, &filler, &mrn)?;
    let ds = DataSet::parse_with(&file, &ParseConfig::default().stop_before_pixel_data(true))?;
    let get = |g, e| ds.get_str(Tag::new(g, e)).unwrap_or_default().into_owned();
    let (study_acc, study_pid) = (get(0x0008, 0x0050), get(0x0010, 0x0020));
    lines.push(format!(
        "modality -> PACS {} study {}: accession {study_acc}, patient {study_pid}",
        get(0x0008, 0x0060),
        get(0x0020, 0x000D)
    ));
    let report = Message::parse(ORU)?;
    let reported = report.get_str("OBR-18")?.unwrap_or_default().into_owned();
    lines.push(format!(
        "RIS -> EMR ORU^R01: accession {reported}, status {}, impression \"{}\"",
        report.get_str("OBR-25")?.unwrap_or_default(),
        report.get_str("OBX-5")?.unwrap_or_default()
    ));
    let linked = study_acc == accession && reported == accession && study_pid == mrn;
    lines.push(format!("linked by accession and patient id: {linked}"));

    // The same link in FHIR: both conversions derive the ids from the same identifiers.
    let config = MapConfig::with_tz(TzPolicy::Error);
    let orm: Value = serde_json::from_str(&v2::to_fhir(ORM, &config)?.json)?;
    let img: Value = serde_json::from_str(&dicom::to_fhir(&file, &config)?.json)?;
    let study = img["entry"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["resource"]["resourceType"] == "ImagingStudy")
        })
        .ok_or("no ImagingStudy")?;
    let based_on: Vec<&str> = study["resource"]["basedOn"]
        .as_array()
        .map(|refs| {
            refs.iter()
                .filter_map(|r| r["reference"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let subject = study["resource"]["subject"]["reference"]
        .as_str()
        .unwrap_or("?");
    let same_order = ids(&orm, "ServiceRequest")
        .iter()
        .any(|id| based_on.contains(&id.as_str()));
    // A transaction Bundle refers by fullUrl (`urn:uuid:<id>`): compare the ids.
    let subject_id = subject.rsplit([':', '/']).next().unwrap_or(subject);
    let same_patient = ids(&orm, "Patient")
        .iter()
        .any(|id| id.ends_with(&format!("/{subject_id}")));
    lines.push(format!(
        "FHIR ImagingStudy.basedOn = ORM ServiceRequest: {same_order}"
    ));
    lines.push(format!(
        "FHIR ImagingStudy.subject = ORM Patient: {same_patient}"
    ));
    if !(linked && same_order && same_patient) {
        return Err("study not linked to its order and patient".into());
    }
    Ok(lines)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(lines) => {
            lines.iter().for_each(|l| println!("{l}"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("imaging_link: {e}");
            ExitCode::FAILURE
        }
    }
}
