//! `carewire fhir` and `carewire deid`: end to end through the binary.

mod common;

use common::{carewire, s, text, R};

use std::path::{Path, PathBuf};

use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};

const ADT: &str = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
EVN|A01|20240101120000+0100\r\
PID|1||MRN4471^^^HOSP&1.2.3&ISO^MR||Zebulon^Jane||19800101|F\r\
PV1|1|I|ICU^101^A\r";

fn tmp(name: &str, content: &[u8]) -> R<PathBuf> {
    common::tmp_in("fhir_deid", name, content)
}

#[test]
fn adt_a01_converts_to_a_bundle_with_the_patient() -> R {
    let f = tmp("a01.hl7", ADT.as_bytes())?;
    let out = carewire(&["fhir", s(&f)])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["resourceType"], "Bundle");
    assert_eq!(v["type"], "message");
    let entries = v["entry"].as_array().ok_or("no entries")?;
    let patient = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Patient")
        .ok_or("no Patient")?;
    assert_eq!(patient["name"][0]["family"], "Zebulon");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));

    let out = carewire(&["fhir", "--bundle", "transaction", s(&f)])?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["type"], "transaction");
    Ok(())
}

#[test]
fn report_goes_to_stderr_and_strict_fails_on_z_segment() -> R {
    let msg = format!("{ADT}ZPI|1|private-note\r");
    let f = tmp("z.hl7", msg.as_bytes())?;
    let out = carewire(&["fhir", s(&f)])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("ZPI: segment not mapped"), "{err}");
    assert!(!err.contains("private-note"));
    assert!(!text(&out.stdout).contains("segment not mapped"));
    serde_json::from_slice::<serde_json::Value>(&out.stdout)?;

    let out = carewire(&["fhir", "--strict", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("ZPI: segment not mapped"), "{err}");
    assert!(err.contains("strict mode"), "{err}");
    assert!(out.stdout.is_empty());
    Ok(())
}

#[test]
fn missing_offset_fails_by_default_and_tz_assumes_one() -> R {
    let msg = ADT.replace("EVN|A01|20240101120000+0100", "EVN|A01|20240101120000");
    let f = tmp("notz.hl7", msg.as_bytes())?;
    let out = carewire(&["fhir", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no utc offset at EVN-2"), "{err}");

    let out = carewire(&["fhir", "--tz", "-05:00", s(&f)])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2024-01-01T12:00:00-05:00"));

    let out = carewire(&["fhir", "--tz", "5h", s(&f)])?;
    assert_eq!(out.status.code(), Some(2));
    Ok(())
}

#[test]
fn truncated_x12_and_hl7_batches_are_refused() -> R {
    // X12 → FHIR is implemented (cli/tests/fhir_x12.rs): a truncated ISA does not parse.
    let f = tmp("x.x12", b"ISA*00*          *00*          *ZZ*A~")?;
    let out = carewire(&["fhir", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("does not parse"));

    // DICOM → FHIR is implemented: cli/tests/fhir_dicom.rs.

    let f = tmp("b.hl7", format!("FHS|^~\\&\r{ADT}FTS|1\r").as_bytes())?;
    for cmd in ["fhir", "deid"] {
        let out = carewire(&[cmd, s(&f), "-o", "-"][..if cmd == "fhir" { 2 } else { 4 }])?;
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("batch files (FHS/BHS)"));
        assert!(out.stdout.is_empty());
    }

    let out = carewire(&["deid", s(&tmp("x2.x12", b"ISA*00*~")?), "-o", "-"])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("X12 → de-identification is not implemented yet"));
    Ok(())
}

#[test]
fn deid_of_an_adt_removes_name_and_identifier() -> R {
    let f = tmp("deid-in.hl7", ADT.as_bytes())?;
    let o = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fhir_deid/deid-out.hl7");
    let out = carewire(&["deid", s(&f), "-o", s(&o), "--key", "0123456789abcdef-key"])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&o)?;
    for phi in ["Zebulon", "MRN4471", "19800101"] {
        assert!(!text(&bytes).contains(phi), "{phi} left in output");
        assert!(!text(&out.stderr).contains(phi), "{phi} in report");
    }
    let msg = carewire_hl7::Message::parse(&bytes)?;
    assert_eq!(msg.get_str("PID-5")?.as_deref(), Some(""));
    assert_eq!(msg.get_str("PV1-2")?.as_deref(), Some("I"));
    let err = text(&out.stderr);
    assert!(err.contains("PID-5: Removed"), "{err}");
    assert!(err.contains("PID-3[1].1: Hashed"), "{err}");

    // Without a key: a random one, with a note.
    let out = carewire(&["deid", s(&f), "-o", s(&o)])?;
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("random key"));
    // A key too short for HMAC pseudonyms is a usage error.
    let out = carewire(&["deid", s(&f), "-o", s(&o), "--key", "short"])?;
    assert_eq!(out.status.code(), Some(2));
    Ok(())
}

fn dicom() -> R<Vec<u8>> {
    let sop = "1.2.826.0.1.3680043.8.498.99001";
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.2",
        sop,
    )?;
    enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, sop.as_bytes())?;
    enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"MR")?;
    enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Quixote^Maria")?;
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN-90210")?;
    Ok(enc.finish()?)
}

#[test]
fn deid_of_dicom_removes_patient_name() -> R {
    let f = tmp("deid-in.dcm", &dicom()?)?;
    let o = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fhir_deid/deid-out.dcm");
    let out = carewire(&["deid", s(&f), "-o", s(&o), "--key", "k-for-dicom-test"])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("removed"));
    let bytes = std::fs::read(&o)?;
    assert!(!text(&bytes).contains("Quixote"));
    assert!(!text(&bytes).contains("MRN-90210"));
    let ds = DataSet::parse(&bytes)?;
    let name = ds.get(Tag::new(0x0010, 0x0010));
    assert!(name.map_or(true, |e| !e.raw().contains(&b'Q')));
    Ok(())
}
