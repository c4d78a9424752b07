//! `carewire deid` on FHIR JSON: a Bundle from `carewire fhir`, de-identified.

mod common;

use common::{carewire, s, text, R};

use std::path::{Path, PathBuf};

use serde_json::Value;

const ADT: &str = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
EVN|A01|20240101120000+0100\r\
PID|1||MRN4471^^^HOSP^MR||Zebulon^Jane||19800101|F|||12 Elm St^^Boston^MA^02139||^PRN^PH^^1^617^5551234\r\
PV1|1|I|ICU^101^A\r";

fn tmp(name: &str, content: &[u8]) -> R<PathBuf> {
    common::tmp_in("deid_fhir", name, content)
}

#[test]
fn a_fhir_bundle_is_deidentified() -> R {
    let hl7 = tmp("adt.hl7", ADT.as_bytes())?;
    let out = carewire(&["fhir", s(&hl7)])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = tmp("adt.json", &out.stdout)?;
    let o = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deid_fhir/out.json");
    let key = "0123456789abcdef-key";
    let out = carewire(&["deid", s(&json), "-o", s(&o), "--key", key])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&o)?;
    let input = std::fs::read_to_string(&json)?;
    for phi in [
        "Zebulon",
        "MRN4471",
        "1980-01-01",
        "12 Elm",
        "Boston",
        "5551234",
        "02139",
    ] {
        assert!(input.contains(phi), "fixture lacks {phi}");
        assert!(!written.contains(phi), "{phi} left in output");
        assert!(!text(&out.stderr).contains(phi), "{phi} in report");
    }
    let v: Value = serde_json::from_str(&written)?;
    assert_eq!(v["resourceType"], "Bundle");
    assert!(written.contains("\"postalCode\":\"021\""));
    let err = text(&out.stderr);
    assert!(err.contains(".name: Removed"), "{err}");
    assert!(err.contains(".birthDate: DateShifted"), "{err}");

    // The same key again: the same bytes, to standard output; another key differs.
    let again = carewire(&["deid", s(&json), "-o", "-", "--key", key])?;
    assert_eq!(text(&again.stdout), written);
    let other = carewire(&[
        "deid",
        s(&json),
        "-o",
        "-",
        "--key",
        "another-key-0123456789",
    ])?;
    assert!(other.status.success());
    assert_ne!(text(&other.stdout), written);

    // The FHIR pseudonym of the MRN is the one the HL7 v2 de-identification writes.
    let v2 = carewire(&["deid", s(&hl7), "-o", "-", "--key", key])?;
    let v2 = text(&v2.stdout);
    let pid3 = v2
        .split('\r')
        .find(|l| l.starts_with("PID"))
        .and_then(|l| l.split('|').nth(3))
        .and_then(|f| f.split('^').next())
        .ok_or("no PID-3")?;
    assert!(pid3.len() >= 8);
    assert!(written.contains(pid3));
    Ok(())
}

#[test]
fn a_lone_resource_and_broken_json() -> R {
    let p = tmp(
        "p.json",
        b"  {\"resourceType\":\"Patient\",\"id\":\"x\",\"name\":[{\"family\":\"Zebulon\"}]}",
    )?;
    let out = carewire(&["deid", s(&p), "-o", "-", "--key", "0123456789abcdef-key"])?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("Zebulon"));
    assert!(text(&out.stderr).contains("Patient.name: Removed"));

    let bad = tmp("bad.json", b"{\"resourceType\":\"Patient\",")?;
    let out = carewire(&["deid", s(&bad), "-o", "-", "--key", "0123456789abcdef-key"])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not a FHIR JSON resource"));
    let out = carewire(&["deid", s(&p), "-o", "-", "--key", "short"])?;
    assert_eq!(out.status.code(), Some(2));
    Ok(())
}
