//! `carewire deid --shift-dates`: a DICOM study moves by the same number of days as the
//! same patient's HL7 v2 message under one `--key`; another patient by another shift.

mod common;
use common::{carewire, tmp_in, R};

use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};
use carewire_hl7::Message;

const KEY: &str = "a cli test key of 16+ bytes";
const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const STUDY_UID: &str = "1.2.826.0.1.3680043.8.498.8810001";

/// The scratch folder of these tests.
const DIR: &str = "deid_shift_dates";

/// Runs `carewire deid IN -o OUT --key KEY [extra]` on `input`; the output file's bytes.
fn deid(name: &str, input: &[u8], extra: &[&str]) -> R<Vec<u8>> {
    let inp = tmp_in(DIR, name, input)?;
    let out = inp.with_file_name(format!("{name}.out"));
    let (i, o) = (inp.to_str().ok_or("path")?, out.to_str().ok_or("path")?);
    let mut args = vec!["deid", i, "-o", o, "--key", KEY];
    args.extend_from_slice(extra);
    let run = carewire(&args)?;
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    Ok(std::fs::read(&out)?)
}

/// An ADT^A01 of `mrn` issued by HOSP, admitted 2024-03-15 08:30.
fn adt(mrn: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|EMR|HOSP|||20240315090000||ADT^A01|1|P|2.5.1\r\
         PID|1||{mrn}^^^HOSP^MR||Doe^Jane||19800214|F\r\
         PV1|1|I|W1^101^A||||||||||||||||V1|||||||||||||||||||||||||20240315083000\r"
    )
    .into_bytes()
}

/// A CT image of `mrn` (issuer HOSP) with Study Date = the admit date.
fn ct(mrn: &str, sop: &str) -> R<Vec<u8>> {
    let mut enc = Encoder::part10([0; 128], TransferSyntax::ExplicitVrLittleEndian, CT, sop)?;
    enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, sop.as_bytes())?;
    enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240315")?;
    enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"CT")?;
    enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane")?;
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, mrn.as_bytes())?;
    enc.element(Tag::new(0x0010, 0x0021), Vr::Lo, b"HOSP")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, STUDY_UID.as_bytes())?;
    Ok(enc.finish()?)
}

/// The shifted admit date (PV1-44, date part) of a de-identified message.
fn admit(hl7: &[u8]) -> R<String> {
    let msg = Message::parse(hl7)?;
    let v = msg.get_str("PV1-44")?.ok_or("no PV1-44")?;
    Ok(v.get(..8).ok_or("short PV1-44")?.to_owned())
}

/// (Study Date, Study Instance UID) of a de-identified file.
fn study(dcm: &[u8]) -> R<(String, String)> {
    let ds = DataSet::parse(dcm)?;
    let date = ds.get_str(Tag::new(0x0008, 0x0020)).unwrap_or_default();
    let uid = ds.get(Tag::new(0x0020, 0x000D)).ok_or("no study uid")?;
    Ok((date.into_owned(), uid.uid().to_owned()))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn hl7_and_dicom_of_one_patient_get_the_same_shifted_date() -> R {
    let sop = "1.2.826.0.1.3680043.8.498.8810002";
    let hl7 = deid("adt1.hl7", &adt("MRN1"), &[])?;
    let dcm = deid("ct1.dcm", &ct("MRN1", sop)?, &["--shift-dates"])?;
    let shifted = admit(&hl7)?;
    assert_ne!(shifted, "20240315");
    let (date, uid) = study(&dcm)?;
    assert_eq!(
        date, shifted,
        "study date = the HL7 admit date, shifted alike"
    );
    assert!(!contains(&dcm, b"20240315") && !contains(&dcm, b"MRN1"));
    assert!(!contains(&dcm, b"Doe^Jane") && !contains(&dcm, STUDY_UID.as_bytes()));
    let ds = DataSet::parse(&dcm)?;
    let temporal = ds.get_str(Tag::new(0x0028, 0x0303)).unwrap_or_default();
    assert_eq!(temporal, "MODIFIED");

    // A second file of the same patient: same date; the study stays one study, with
    // the UID the default (date-removing) run gives under the same key.
    let sop2 = "1.2.826.0.1.3680043.8.498.8810003";
    let dcm2 = deid("ct1b.dcm", &ct("MRN1", sop2)?, &["--shift-dates"])?;
    assert_eq!(study(&dcm2)?, (date.clone(), uid.clone()));
    let plain = deid("ct1c.dcm", &ct("MRN1", sop)?, &[])?;
    let (plain_date, plain_uid) = study(&plain)?;
    assert_eq!(plain_uid, uid);
    assert_ne!(
        plain_date, date,
        "without --shift-dates the date is removed"
    );
    assert!(!contains(&plain, b"20240315"));

    // --shift-dates changes nothing for HL7 v2.
    assert_eq!(deid("adt1b.hl7", &adt("MRN1"), &["--shift-dates"])?, hl7);
    Ok(())
}

#[test]
fn another_patient_gets_another_shift() -> R {
    let one = admit(&deid("adt-a.hl7", &adt("MRN1"), &[])?)?;
    let two = admit(&deid("adt-b.hl7", &adt("MRN2"), &[])?)?;
    assert_ne!(one, two);
    let sop = "1.2.826.0.1.3680043.8.498.8810004";
    let dcm = deid("ct2.dcm", &ct("MRN2", sop)?, &["--shift-dates"])?;
    assert_eq!(study(&dcm)?.0, two);
    Ok(())
}

#[test]
fn shift_dates_needs_a_key_of_16_bytes_and_writes_to_stdout() -> R {
    let dcm = ct("MRN1", "1.2.826.0.1.3680043.8.498.8810005")?;
    let inp = tmp_in(DIR, "ct3.dcm", &dcm)?;
    let i = inp.to_str().ok_or("path")?;
    let short = carewire(&["deid", i, "-o", "-", "--key", "tinykey", "--shift-dates"])?;
    assert!(!short.status.success());
    assert!(short.stdout.is_empty());
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(
        err.contains("16 bytes") && !err.contains("tinykey"),
        "{err}"
    );

    let run = carewire(&["deid", i, "-o", "-", "--key", KEY, "--shift-dates"])?;
    assert!(run.status.success());
    let hl7 = deid("adt3.hl7", &adt("MRN1"), &[])?;
    assert_eq!(study(&run.stdout)?.0, admit(&hl7)?);
    Ok(())
}
