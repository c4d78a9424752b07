//! `carewire fhir` on DICOM input: one file, several files of a study, strict mode.

mod common;

use common::{carewire, s, text, R};

use std::path::PathBuf;

use carewire_dicom_lite::{Encoder, Tag, TransferSyntax, Vr};
use serde_json::Value;

fn tmp(name: &str, content: &[u8]) -> R<PathBuf> {
    common::tmp_in("fhir_dicom", name, content)
}

/// A Part 10 CT image header: series `series`, instance `sop`, with a patient age
/// (0010,1010), which the mapping reports as not mapped.
fn dicom(series: &str, sop: &str, part10: bool) -> R<Vec<u8>> {
    let class = "1.2.840.10008.5.1.4.1.1.2";
    let mut enc = if part10 {
        Encoder::part10([0; 128], TransferSyntax::ExplicitVrLittleEndian, class, sop)?
    } else {
        Encoder::new(TransferSyntax::ExplicitVrLittleEndian)
    };
    enc.element(Tag::new(0x0008, 0x0016), Vr::Ui, class.as_bytes())?;
    enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, sop.as_bytes())?;
    enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240131")?;
    enc.element(Tag::new(0x0008, 0x0030), Vr::Tm, b"093000")?;
    enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC77")?;
    enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"CT")?;
    enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Zebulon^Jane")?;
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN4471")?;
    enc.element(Tag::new(0x0010, 0x1010), Vr::As, b"044Y")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.826.0.1.99.1")?;
    enc.element(Tag::new(0x0020, 0x000E), Vr::Ui, series.as_bytes())?;
    Ok(enc.finish()?)
}

fn study(v: &Value) -> Option<&Value> {
    v["entry"]
        .as_array()?
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "ImagingStudy")
}

#[test]
fn one_dicom_file_becomes_an_imaging_study() -> R {
    let f = tmp(
        "one.dcm",
        &dicom("1.2.826.0.1.99.1.1", "1.2.826.0.1.99.1.1.1", true)?,
    )?;
    let out = carewire(&["fhir", "--tz", "+01:00", s(&f)])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["type"], "transaction");
    let st = study(&v).ok_or("no ImagingStudy")?;
    assert_eq!(st["started"], "2024-01-31T09:30:00+01:00");
    assert_eq!(st["numberOfInstances"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("(0010,1010): not mapped"), "{err}");
    assert!(!err.contains("044Y"));

    // Without --tz a time without offset is an error naming the tag.
    let out = carewire(&["fhir", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("(0008,0030)"));

    // Strict: the report makes it fail, after printing it.
    let out = carewire(&["fhir", "--strict", "--tz", "Z", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("(0010,1010): not mapped"));
    assert!(out.stdout.is_empty());
    Ok(())
}

#[test]
fn several_files_make_one_study() -> R {
    let a = tmp(
        "s1.dcm",
        &dicom("1.2.826.0.1.99.1.1", "1.2.826.0.1.99.1.1.1", true)?,
    )?;
    let b = tmp(
        "s2.dcm",
        &dicom("1.2.826.0.1.99.1.1", "1.2.826.0.1.99.1.1.2", false)?,
    )?;
    let c = tmp(
        "s3.dcm",
        &dicom("1.2.826.0.1.99.1.2", "1.2.826.0.1.99.1.2.1", true)?,
    )?;
    let out = carewire(&[
        "fhir",
        "--tz",
        "Z",
        "--bundle",
        "batch",
        s(&a),
        s(&b),
        s(&c),
    ])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["type"], "batch");
    let st = study(&v).ok_or("no ImagingStudy")?;
    assert_eq!(st["numberOfSeries"], 2);
    assert_eq!(st["numberOfInstances"], 3);

    // Several files are for DICOM only; a broken second file fails with its name.
    let hl7 = tmp(
        "a.hl7",
        b"MSH|^~\\&|A|B|C|D|20240101120000+0100||ADT^A01|1|P|2.5.1\rPID|1||1\r",
    )?;
    let out = carewire(&["fhir", s(&hl7), s(&a)])?;
    assert_eq!(out.status.code(), Some(2));
    let bad = tmp("bad.dcm", b"\x08\x00\x05\x00CS\xff\x7f")?;
    let out = carewire(&["fhir", "--tz", "Z", s(&a), s(&bad)])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("bad.dcm"),
        "{}",
        text(&out.stderr)
    );
    Ok(())
}
