//! DICOM de-identification under the HL7 v2 key: a study moves by the same number of
//! days as the same patient's HL7 v2 messages and FHIR resources, other patients by
//! their own shift, and UIDs remap as with the DICOM crate alone under the same key.

use carewire_dicom_lite::deid::{Dates, DeidOptions};
use carewire_dicom_lite::{DataSet, DataSetBuf, Encoder, Tag, TransferSyntax, Vr};
use carewire_hl7::Message;
use carewire_mapping::deid::{fhir, DeidKey, Deidentifier, Policy};
use serde_json::Value;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

const KEY: &[u8] = b"a test key of more than 16 bytes";
const CT_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";

fn deid() -> R<Deidentifier> {
    Ok(Deidentifier::new(DeidKey::new(KEY)?, Policy::safe_harbor()))
}

/// An ADT^A01 of `mrn` issued by HOSP: DOB 1980-02-14, admitted 2024-03-15 08:30.
fn adt(mrn: &str) -> String {
    format!(
        "MSH|^~\\&|EMR|HOSP|||20240315090000||ADT^A01|1|P|2.5.1\r\
         PID|1||{mrn}^^^HOSP^MR||Doe^Jane||19800214|F\r\
         PV1|1|I|W1^101^A||||||||||||||||V1|||||||||||||||||||||||||20240315083000\r"
    )
}

/// A CT file of `mrn` (issuer `issuer`, if any), studied on the admit date.
fn ct(mrn: &str, issuer: Option<&str>, sop_uid: &str) -> R<Vec<u8>> {
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        CT_STORAGE,
        sop_uid,
    )?;
    enc.element(Tag::new(0x0008, 0x0016), Vr::Ui, CT_STORAGE.as_bytes())?;
    enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, sop_uid.as_bytes())?;
    enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240315")?;
    enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"CT")?;
    enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane")?;
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, mrn.as_bytes())?;
    if let Some(issuer) = issuer {
        enc.element(Tag::new(0x0010, 0x0021), Vr::Lo, issuer.as_bytes())?;
    }
    enc.element(Tag::new(0x0010, 0x0030), Vr::Da, b"19800214")?;
    Ok(enc.finish()?)
}

/// HL7 v2: (PID-7, PV1-44 date part) after de-identification.
fn hl7_dates(deid: &Deidentifier, mrn: &str) -> R<(String, String)> {
    let input = adt(mrn);
    let out = deid
        .deidentify(&Message::parse(input.as_bytes())?)?
        .to_bytes();
    let msg = Message::parse(&out)?;
    let dob = msg.get_str("PID-7")?.unwrap_or_default().into_owned();
    let admit = msg.get_str("PV1-44")?.unwrap_or_default();
    Ok((dob, admit.get(..8).unwrap_or("").to_owned()))
}

/// DICOM: (Patient's Birth Date, Study Date, SOP Instance UID) after de-identification
/// with the HL7 v2 key, the modified dates option and Retain Patient Characteristics.
fn dicom_dates(deid: &Deidentifier, file: &[u8]) -> R<(String, String, String)> {
    let mut buf = DataSetBuf::from_view(&DataSet::parse(file)?)?;
    let options = DeidOptions::new()
        .dates(Dates::Modified)
        .retain_patient_characteristics(true);
    let dicom = deid.dicom_deidentifier(&buf, options);
    let report = dicom.apply(&mut buf);
    assert!(report.dates_shifted >= 1);
    let out = buf.write(TransferSyntax::ExplicitVrLittleEndian)?;
    let ds = DataSet::parse(&out)?;
    let get = |g, e| ds.get_str(Tag::new(g, e)).unwrap_or_default().into_owned();
    assert_eq!(get(0x0010, 0x0020), "ANONYMIZED", "Patient ID replaced");
    Ok((
        get(0x0010, 0x0030),
        get(0x0008, 0x0020),
        get(0x0008, 0x0018),
    ))
}

#[test]
fn a_study_moves_with_the_patients_hl7_and_fhir_dates() -> R {
    let deid = deid()?;
    let (hl7_dob, hl7_admit) = hl7_dates(&deid, "MRN1")?;
    assert_ne!(hl7_admit, "20240315");
    assert_eq!(hl7_admit.len(), 8);

    let file = ct("MRN1", Some("HOSP"), "1.2.826.0.1.3680043.8.498.1")?;
    let (dcm_dob, dcm_study, _) = dicom_dates(&deid, &file)?;
    assert_eq!(dcm_study, hl7_admit, "study date = shifted admit date");
    // PS3.15 empties Patient's Birth Date (Z) even under the modified dates option.
    assert_eq!(dcm_dob, "");

    // The FHIR Patient of the same MRN and authority: same shifted birth date.
    let patient = br#"{"resourceType":"Patient","id":"p1",
        "identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"MRN1",
                       "assigner":{"display":"HOSP"}}],
        "birthDate":"1980-02-14"}"#;
    let (json, _) = fhir::deidentify_json(&deid, patient)?;
    let v: Value = serde_json::from_str(&json)?;
    let fhir_dob = v["birthDate"].as_str().unwrap_or("").replace('-', "");
    assert_eq!(fhir_dob, hl7_dob);

    // The shift is the HL7 v2 one of `MRN1\u{1f}HOSP`.
    let buf = DataSetBuf::from_view(&DataSet::parse(&file)?)?;
    let dicom = deid.dicom_deidentifier(&buf, DeidOptions::new().dates(Dates::Modified));
    let shift = deid.date_shift_days("MRN1\u{1f}HOSP");
    assert_eq!(dicom.date_shift_days_for(&buf), shift);
    assert_eq!(deid.dicom_date_shift_days("MRN1 ", "HOSP\0"), shift);
    Ok(())
}

#[test]
fn another_patient_gets_another_shift_and_files_of_one_patient_agree() -> R {
    let deid = deid()?;
    let (_, admit1) = hl7_dates(&deid, "MRN1")?;
    let (_, admit2) = hl7_dates(&deid, "MRN2")?;
    assert_ne!(admit1, admit2);

    let a = dicom_dates(
        &deid,
        &ct("MRN1", Some("HOSP"), "1.2.826.0.1.3680043.8.498.1")?,
    )?;
    let b = dicom_dates(
        &deid,
        &ct("MRN1", Some("HOSP"), "1.2.826.0.1.3680043.8.498.2")?,
    )?;
    let c = dicom_dates(
        &deid,
        &ct("MRN2", Some("HOSP"), "1.2.826.0.1.3680043.8.498.3")?,
    )?;
    assert_eq!(a.1, b.1, "two files of one patient");
    assert_ne!(a.2, b.2, "distinct SOP instances stay distinct");
    assert_eq!(c.1, admit2);
    assert_ne!(a.1, c.1);

    // Another issuer is another patient (PID-3.4 takes part in the HL7 v2 shift too).
    let other = deid.dicom_date_shift_days("MRN1", "CLINIC");
    assert_eq!(other, deid.date_shift_days("MRN1\u{1f}CLINIC"));
    assert_ne!(other, deid.dicom_date_shift_days("MRN1", "HOSP"));

    // No Patient ID: the key's default shift, as a message without PID-3.
    let anon = dicom_dates(&deid, &ct("", None, "1.2.826.0.1.3680043.8.498.4")?)?;
    let mut ds = DataSetBuf::new();
    ds.insert(Tag::new(0x0008, 0x0020), Vr::Da, b"20240315".to_vec());
    let dicom = deid.dicom_deidentifier(&ds, DeidOptions::new().dates(Dates::Modified));
    assert_eq!(dicom.date_shift_days_for(&ds), deid.date_shift_days(""));
    assert_eq!(dicom.date_shift_days(), deid.date_shift_days(""));
    assert_ne!(anon.1, "20240315");
    Ok(())
}

#[test]
fn uids_remap_as_the_dicom_crate_does_under_the_same_key() -> R {
    let deid = deid()?;
    let sop = "1.2.826.0.1.3680043.8.498.1";
    let (_, _, new_sop) = dicom_dates(&deid, &ct("MRN1", Some("HOSP"), sop)?)?;
    let plain = carewire_dicom_lite::deid::Deidentifier::new(KEY, DeidOptions::new());
    assert_eq!(new_sop, plain.remap_uid(sop));
    assert!(new_sop.starts_with("2.25."));
    Ok(())
}
