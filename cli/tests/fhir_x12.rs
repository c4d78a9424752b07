//! `carewire fhir` on X12 input: the Bundle on stdout, the report on stderr, `--strict`,
//! `--tz` and `--bundle` as for HL7 v2.

mod common;

use common::{carewire, s, text, R};

#[path = "../../mapping/tests/x12_common/mod.rs"]
mod x12_common;

use std::path::PathBuf;

fn tmp(name: &str, content: &[u8]) -> R<PathBuf> {
    common::tmp_in("fhir_x12", name, content)
}

#[test]
fn remittance_converts_and_reports_on_stderr() -> R {
    let f = tmp("r.835", x12_common::R835.as_bytes())?;
    let out = carewire(&["fhir", "--tz", "-05:00", "--bundle", "batch", s(&f)])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let b: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "batch");
    let types: Vec<&str> = b["entry"]
        .as_array()
        .ok_or("entries")?
        .iter()
        .filter_map(|e| e["resource"]["resourceType"].as_str())
        .collect();
    assert_eq!(types.iter().filter(|t| **t == "ClaimResponse").count(), 2);
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "PaymentReconciliation")
            .count(),
        1
    );
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 15, "{err}");
    assert!(err
        .lines()
        .any(|l| l == "835*1001/2100/CLP08@492: not mapped"));
    // Locations only: no value of the input on stderr.
    assert!(!err.contains("PCN001") && !err.contains("EFT12345"));
    Ok(())
}

#[test]
fn strict_mode_exits_1_after_printing_every_item() -> R {
    let f = tmp("p.837", x12_common::P837.as_bytes())?;
    let out = carewire(&["fhir", "--tz", "Z", "--strict", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("837*0001/2400/SV109@911: not mapped"));
    assert!(err.contains("837*0001/2400/NTE@961: segment not mapped"));
    assert!(err.contains("strict mode: 2 item(s) not mapped"));

    // Nothing unmapped: strict passes, and the message Bundle starts with its header.
    let f = tmp("i.837", format!("\n  {}", x12_common::I837).as_bytes())?;
    let out = carewire(&["fhir", "--tz", "+01:00", "--strict", s(&f)])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty());
    let b: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(b["entry"][0]["resource"]["resourceType"], "MessageHeader");
    assert_eq!(b["timestamp"], "2024-03-16T09:30:00+01:00");
    Ok(())
}

#[test]
fn time_without_offset_needs_tz() -> R {
    let f = tmp("p2.837", x12_common::P837.as_bytes())?;
    let out = carewire(&["fhir", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no utc offset at 837*0001/BHT05@199"), "{err}");
    Ok(())
}

#[test]
fn eligibility_response_and_unsupported_sets() -> R {
    let f = tmp("e.271", x12_common::E271.as_bytes())?;
    let out = carewire(&["fhir", "--tz", "Z", "--bundle", "transaction", s(&f)])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body = text(&out.stdout);
    assert_eq!(
        body.matches("\"resourceType\":\"CoverageEligibilityResponse\"")
            .count(),
        2
    );
    assert!(body.contains("\"method\":\"PUT\""));

    let only_834 = x12_common::P837.replace("ST*837*", "ST*834*");
    let f = tmp("x.834", only_834.as_bytes())?;
    let out = carewire(&["fhir", "--tz", "Z", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unsupported message type"));
    Ok(())
}

#[test]
fn unrecognised_input_names_the_three_formats() -> R {
    let f = tmp("notes.txt", b"just some text, not a message\n")?;
    let out = carewire(&["fhir", s(&f)])?;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("not HL7 v2 (MSH), X12 (ISA) or DICOM input"),
        "{err}"
    );
    Ok(())
}
