//! `carewire fhir --to-hl7`: FHIR R4 Bundle → HL7 v2 through the binary.

mod common;

use common::{carewire, s, R};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ADT: &str = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
EVN|A01|20240101120000+0100\r\
PID|1||MRN4471^^^HOSP&1.2.3&ISO^MR||Zebulon^Jane||19800101|F\r\
PV1|1|I|ICU^101^A||||||||||||||||V9^^^HOSP^VN\r";

const ORU: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000+0100||ORU^R01^ORU_R01|LAB1|P|2.5.1\r\
PID|1||MRN4471^^^HOSP^MR||Zebulon^Jane||19800101|F\r\
ORC|RE||FL1^LAB\r\
OBR|1||FL1^LAB|718-7^Hemoglobin^LN|||20240101070000+0100||||||||||||||||||F\r\
OBX|1|NM|718-7^Hemoglobin^LN||13.5|g/dL^^UCUM|12-16|N|||F\r";

fn tmp(name: &str, content: &[u8]) -> R<PathBuf> {
    common::tmp_in("fhir_to_hl7", name, content)
}

/// The Bundle `carewire fhir` writes for `msg`, saved to a file.
fn bundle(name: &str, msg: &str) -> R<PathBuf> {
    let v2 = tmp(&format!("{name}.hl7"), msg.as_bytes())?;
    let out = carewire(&["fhir", s(&v2)])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmp(&format!("{name}.json"), &out.stdout)
}

/// `carewire fhir --to-hl7 TARGET BUNDLE`, which must succeed with nothing to report:
/// the message written.
fn to_hl7_clean(target: &str, bundle: &Path) -> R<String> {
    let out = carewire(&["fhir", "--to-hl7", target, s(bundle)])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

#[test]
fn adt_bundle_becomes_the_message_again() -> R {
    let b = bundle("adt", ADT)?;
    let text = to_hl7_clean("ADT_A01", &b)?;
    // As on the wire: CR after each segment, nothing after the last.
    assert!(text.ends_with('\r') && !text.contains('\n'));
    let segs: Vec<&str> = text.trim_end_matches('\r').split('\r').collect();
    assert_eq!(
        segs,
        [
            "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01^ADT_A01|MSG1|P|2.5.1",
            "EVN|A01|20240101120000+0100",
            "PID|1||MRN4471^^^HOSP&1.2.3&ISO^MR||Zebulon^Jane||19800101|F",
            "PV1|1|I|ICU^101^A||||||||||||||||V9^^^HOSP^VN",
        ]
    );
    // A08 from the same Bundle; the type is case-insensitive.
    let out = carewire(&["fhir", "--to-hl7", "adt_a08", s(&b)])?;
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout)?.contains("|ADT^A08^ADT_A01|MSG1|"));
    Ok(())
}

#[test]
fn oru_from_standard_input() -> R {
    let b = std::fs::read(bundle("oru", ORU)?)?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_carewire"))
        .args(["fhir", "--to-hl7", "ORU_R01", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child.stdin.take().ok_or("stdin")?.write_all(&b)?;
    let out = child.wait_with_output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    assert!(text.contains("\rOBR|1||FL1^LAB|718-7^Hemoglobin^LN|||20240101070000+0100|"));
    assert!(text.contains("\rOBX|1|NM|718-7^Hemoglobin^LN||13.5|g/dL^^UCUM|12-16|N|||F\r"));
    Ok(())
}

#[test]
fn report_goes_to_stderr_and_strict_fails() -> R {
    let b = tmp(
        "extra.json",
        br#"{"resourceType":"Bundle","type":"collection","timestamp":"2024-01-01T12:00:00+01:00",
        "identifier":{"value":"X1"},"entry":[{"resource":{"resourceType":"Patient",
        "name":[{"family":"Zebulon"}],"photo":[{"url":"http://x/secret.png"}]}},
        {"resource":{"resourceType":"Medication","code":{"text":"aspirin"}}}]}"#,
    )?;
    let out = carewire(&["fhir", "--to-hl7", "ADT_A01", s(&b)])?;
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr)?;
    assert_eq!(
        err,
        "Bundle.entry[0].resource.photo[0].url: not mapped\nBundle.entry[1].resource (Medication): not mapped\n"
    );
    assert!(String::from_utf8(out.stdout)?.contains("\rPID|1||||Zebulon\r"));
    let out = carewire(&["fhir", "--to-hl7", "ADT_A01", "--strict", s(&b)])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr)?;
    assert!(
        err.contains("strict mode: 2 element(s) not mapped"),
        "{err}"
    );
    assert!(!err.contains("secret") && !err.contains("aspirin"));
    Ok(())
}

#[test]
fn bad_input_and_usage_errors() -> R {
    let b = tmp(
        "bad.json",
        b"{\"resourceType\":\"Bundle\",\"entry\":[{\"x\":\"Zebulon",
    )?;
    let out = carewire(&["fhir", "--to-hl7", "ORU_R01", s(&b)])?;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr)?;
    assert!(
        err.contains("not valid json") && !err.contains("Zebulon"),
        "{err}"
    );
    let nob = tmp("nob.json", b"[]")?;
    let out = carewire(&["fhir", "--to-hl7", "ORU_R01", s(&nob)])?;
    assert_eq!(out.status.code(), Some(1));
    let out = carewire(&["fhir", "--to-hl7", "XYZ_Q01", s(&nob)])?;
    assert_eq!(out.status.code(), Some(2));
    let out = carewire(&["fhir", "--to-hl7", "ADT_A01", "--tz", "+01:00", s(&nob)])?;
    assert_eq!(out.status.code(), Some(2));
    let out = carewire(&["fhir", "--help"])?;
    assert!(String::from_utf8(out.stdout)?.contains("--to-hl7"));
    Ok(())
}

#[test]
fn orm_order_round_trips() -> R {
    let orm = "MSH|^~\\&|EHR|HOSP|RAD|HOSP|20240101120000+0100||ORM^O01^ORM_O01|ORM1|P|2.5.1\r\
PID|1||MRN4471^^^HOSP^MR||Zebulon^Jane||19800101|F\r\
ORC|NW|PL1^EHR|||||||20240101110000+0100|||55^Orderer^Olga\r\
TQ1|1||||||||S\r\
OBR|1|PL1^EHR||36643-5^XR Chest^LN||||||||||||55^Orderer^Olga\r";
    let b = bundle("orm", orm)?;
    let text = to_hl7_clean("ORM_O01", &b)?;
    assert!(text.contains("\rORC|NW|PL1^EHR|||||||20240101110000+0100|||55^Orderer^Olga\rTQ1|1||||||||S\rOBR|1|PL1^EHR||36643-5^XR Chest^LN||||||||||||55^Orderer^Olga\r"), "{text:?}");
    Ok(())
}
