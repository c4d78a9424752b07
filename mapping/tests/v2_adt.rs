//! HL7 v2 ADT → FHIR R4 Bundle: golden-style assertions on synthetic messages.

mod common;
use common::{assert_references_resolve, resources, A01};

use carewire_mapping::fhir::{BundleType, ErrorKind, MapConfig, ReportKind, TzPolicy};
use carewire_mapping::v2::to_fhir;
use serde_json::Value;

fn bundle(input: &str, cfg: &MapConfig) -> (Value, carewire_mapping::v2::Conversion) {
    let out = to_fhir(input.as_bytes(), cfg).expect("conversion");
    let v: Value = serde_json::from_str(&out.json).expect("valid JSON");
    (v, out)
}

#[test]
fn a01_patient_encounter_and_header() {
    let (b, out) = bundle(A01, &MapConfig::with_tz(TzPolicy::Error));
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "message");
    assert_eq!(b["timestamp"], "2024-03-15T08:30:00+01:00");
    assert_eq!(b["identifier"]["value"], "MSG0001");
    let first = &b["entry"][0]["resource"];
    assert_eq!(first["resourceType"], "MessageHeader");
    assert_eq!(first["eventCoding"]["code"], "A01");
    assert_eq!(first["source"]["endpoint"], "urn:hl7v2:app:ADT");
    let sender = first["sender"]["reference"].as_str().expect("sender");
    let org = b["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["fullUrl"] == sender)
        .expect("sender entry");
    assert_eq!(
        org["resource"]["identifier"][0]["value"],
        "urn:oid:1.2.840.1"
    );
    assert_eq!(first["source"]["name"], "ADT");
    assert!(first["focus"].as_array().expect("focus").len() >= 2);

    let p = resources(&b, "Patient");
    assert_eq!(p.len(), 1);
    let p = p[0];
    assert_eq!(p["name"][0]["family"], "Doe");
    assert_eq!(p["name"][0]["given"], serde_json::json!(["Jane", "Q"]));
    assert_eq!(p["name"][0]["prefix"][0], "Dr");
    assert_eq!(p["name"][0]["suffix"][0], "Jr");
    assert_eq!(p["name"][0]["use"], "official");
    assert_eq!(p["name"][1]["use"], "maiden");
    assert_eq!(p["birthDate"], "1980-07-04");
    assert_eq!(p["gender"], "female");
    assert_eq!(p["identifier"][0]["value"], "123456");
    assert_eq!(p["identifier"][0]["system"], "urn:oid:1.2.3");
    assert_eq!(p["identifier"][0]["type"]["coding"][0]["code"], "MR");
    assert_eq!(
        p["identifier"][0]["type"]["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v2-0203"
    );
    assert_eq!(p["identifier"][1]["type"]["coding"][0]["code"], "SS");
    assert_eq!(
        p["address"][0]["line"],
        serde_json::json!(["1 Main St", "Apt 2"])
    );
    assert_eq!(p["address"][0]["postalCode"], "62701");
    assert_eq!(p["address"][0]["use"], "home");
    assert_eq!(p["telecom"][0]["value"], "+1 (217) 5551234");
    assert_eq!(p["telecom"][0]["use"], "home");
    assert_eq!(p["telecom"][1]["system"], "email");
    assert_eq!(p["telecom"][1]["value"], "jane@example.org");
    assert_eq!(p["telecom"][2]["use"], "work");
    assert_eq!(p["telecom"][2]["value"], "(217) 5559999 ext. 12");
    assert_eq!(p["maritalStatus"]["coding"][0]["code"], "M");
    assert_eq!(p["deceasedBoolean"], false);
    assert_eq!(p["generalPractitioner"].as_array().map(Vec::len), Some(1));

    let e = resources(&b, "Encounter");
    assert_eq!(e.len(), 1);
    let e = e[0];
    assert_eq!(e["class"]["code"], "IMP");
    assert_eq!(
        e["class"]["system"],
        "http://terminology.hl7.org/CodeSystem/v3-ActCode"
    );
    assert_eq!(e["status"], "in-progress");
    assert_eq!(e["period"]["start"], "2024-03-15T08:00:00+01:00");
    assert_eq!(e["identifier"][0]["value"], "V100");
    assert_eq!(e["reasonCode"][0]["coding"][0]["code"], "CHEST");
    assert_eq!(e["participant"].as_array().map(Vec::len), Some(3));
    assert_eq!(e["participant"][0]["type"][0]["coding"][0]["code"], "ATND");
    assert_eq!(
        e["hospitalization"]["admitSource"]["coding"][0]["code"],
        "7"
    );
    assert_eq!(e["serviceType"]["coding"][0]["code"], "MED");
    assert_eq!(resources(&b, "Location").len(), 1);

    // PV1-7, PV1-17 and PR1-12 name one practitioner: one resource.
    let pr = resources(&b, "Practitioner");
    let alice: Vec<_> = pr
        .iter()
        .filter(|r| r["identifier"][0]["value"] == "9999")
        .collect();
    assert_eq!(alice.len(), 1);
    assert_eq!(alice[0]["name"][0]["family"], "Attending");
    assert_eq!(alice[0]["name"][0]["prefix"][0], "Dr");
    assert_references_resolve(&b);
    // Exactly what was not mapped: PD1-3 (no mapping yet) and the local coding
    // system "L" (not a FHIR URI) in PV2-3 and AL1-3.
    let items: Vec<String> = out.report.items().iter().map(|i| i.to_string()).collect();
    assert_eq!(
        items,
        [
            "PD1-3: not mapped",
            "PV2-3.3: unknown code in table 0396",
            "AL1-3.3: unknown code in table 0396"
        ]
    );
}

#[test]
fn a01_other_segments() {
    let (b, _) = bundle(A01, &MapConfig::with_tz(TzPolicy::Error));
    let rp = resources(&b, "RelatedPerson");
    assert_eq!(rp.len(), 1);
    assert_eq!(rp[0]["relationship"][0]["coding"][0]["code"], "SPO");
    assert_eq!(rp[0]["name"][0]["given"][0], "John");
    let a = resources(&b, "AllergyIntolerance");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["criticality"], "high");
    assert_eq!(a[0]["category"][0], "medication");
    assert_eq!(a[0]["code"]["coding"][0]["code"], "PCN");
    assert_eq!(a[0]["reaction"][0]["manifestation"][1]["text"], "Rash");
    assert_eq!(a[0]["onsetDateTime"], "2010-01-01");
    let c = resources(&b, "Condition");
    assert_eq!(
        c[0]["code"]["coding"][0]["system"],
        "http://hl7.org/fhir/sid/icd-10"
    );
    assert_eq!(c[0]["onsetDateTime"], "2024-03-15");
    let pr = resources(&b, "Procedure");
    assert_eq!(pr[0]["status"], "completed");
    assert_eq!(pr[0]["performedDateTime"], "2024-03-15T10:00:00+01:00");
    let cov = resources(&b, "Coverage");
    assert_eq!(cov[0]["subscriberId"], "POL123");
    assert_eq!(cov[0]["relationship"]["coding"][0]["code"], "self");
    assert_eq!(cov[0]["period"]["start"], "2024-01-01");
    assert_eq!(cov[0]["class"][1]["name"], "Group One");
    let orgs = resources(&b, "Organization");
    assert!(orgs.iter().any(|o| o["name"] == "Acme Health"));
    let prov = resources(&b, "Provenance");
    assert_eq!(prov.len(), 1);
    assert_eq!(prov[0]["recorded"], "2024-03-15T08:29:00+01:00");
    assert_eq!(prov[0]["reason"][0]["coding"][0]["code"], "ADM");
    assert_references_resolve(&b);
}

#[test]
fn ids_are_deterministic() {
    let cfg = MapConfig::with_tz(TzPolicy::Error);
    let (_, a) = bundle(A01, &cfg);
    let (_, b) = bundle(A01, &cfg);
    assert_eq!(a.json, b.json);
    // A different MRN gives a different Patient id.
    let other = A01.replace("123456^^^HOSP", "123457^^^HOSP");
    let (x, _) = bundle(&other, &cfg);
    let (y, _) = bundle(A01, &cfg);
    assert_ne!(
        resources(&x, "Patient")[0]["id"],
        resources(&y, "Patient")[0]["id"]
    );
    // The Encounter id depends on the visit number only.
    assert_eq!(
        resources(&x, "Encounter")[0]["id"],
        resources(&y, "Encounter")[0]["id"]
    );
}

#[test]
fn transaction_and_batch_bundles() {
    for (ty, code) in [
        (BundleType::Transaction, "transaction"),
        (BundleType::Batch, "batch"),
    ] {
        let cfg = MapConfig {
            bundle_type: ty,
            ..MapConfig::with_tz(TzPolicy::Error)
        };
        let (b, _) = bundle(A01, &cfg);
        assert_eq!(b["type"], code);
        for e in b["entry"].as_array().expect("entries") {
            assert_eq!(e["request"]["method"], "PUT");
            let url = format!(
                "{}/{}",
                e["resource"]["resourceType"].as_str().expect("type"),
                e["resource"]["id"].as_str().expect("id")
            );
            assert_eq!(e["request"]["url"], url.as_str());
        }
    }
}

const EXTRA: &str = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240315083000+0100||ADT^A08|MSG2|P|2.5.1\r\
PID|1||123456^^^HOSP^MR^^^^^X||Doe^Jane||19800704|Q||2106-3^White^CDCREC|1 Main St^^Town^^^^H^^^^^^^^^^^^^EXTRA||||||||||||||||||||||||||\r\
PV1|1|Z\r\
ZPI|1|custom\r";

#[test]
fn report_lists_unmapped_fields_and_segments() {
    let (_, out) = bundle(EXTRA, &MapConfig::with_tz(TzPolicy::Error));
    let r = &out.report;
    assert!(r.contains("ZPI"), "{r}");
    assert!(!r.contains("PID-10"), "{r}"); // race: US Core extension
    assert!(r.contains("PID-3.10"), "{r}"); // CX.10 not mapped
    assert!(r.contains("PID-11.20"), "{r}"); // XAD.20 not mapped
    let kinds: Vec<_> = r
        .items()
        .iter()
        .map(|i| (i.location.as_str(), i.kind))
        .collect();
    assert!(
        kinds.contains(&("PID-8", ReportKind::UnknownCode("0001"))),
        "{r}"
    );
    assert!(
        kinds.contains(&("PV1-2", ReportKind::UnknownCode("0004"))),
        "{r}"
    );
    assert!(
        kinds.contains(&("ZPI", ReportKind::SegmentNotMapped)),
        "{r}"
    );
    // The report never carries values.
    let text = r.to_string();
    for secret in ["Doe", "123456", "custom", "EXTRA", "White"] {
        assert!(!text.contains(secret), "report leaks a value: {text}");
    }
}

#[test]
fn truncated_repetitions_are_reported() {
    let msg = "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A04|1|P|2.5.1\r\
PID|1||1^^^H^MR||Doe^J||19800101~19810101|F\r";
    let (_, out) = bundle(msg, &MapConfig::with_tz(TzPolicy::Error));
    assert!(out.report.contains("PID-7[2]"), "{}", out.report);
    assert_eq!(
        out.report
            .items()
            .iter()
            .find(|i| i.location == "PID-7[2]")
            .map(|i| i.kind),
        Some(ReportKind::TruncatedRepetition)
    );
}

#[test]
fn strict_mode_errors() {
    let cfg = MapConfig {
        strict: true,
        ..MapConfig::with_tz(TzPolicy::Error)
    };
    let err = to_fhir(EXTRA.as_bytes(), &cfg).expect_err("strict");
    assert!(matches!(err.kind(), ErrorKind::Strict(_)));
    assert!(!err.to_string().contains("Doe"));
    // A fully mapped message passes strict mode.
    let clean = "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A04|1|P|2.5.1\r\
PID|1||1^^^H^MR||Doe^J||19800101|F\r\
PV1|1|O\r";
    let out = to_fhir(clean.as_bytes(), &cfg).expect("clean message converts in strict mode");
    assert!(out.report.is_empty());
}

#[test]
fn time_zone_policy() {
    let msg = "MSH|^~\\&|A|B|C|D|20240101120000||ADT^A01|1|P|2.5.1\r\
PID|1||1^^^H^MR||Doe^J||19800101|F\r\
PV1|1|E|||||||||||||||||V1|||||||||||||||||||||||||202401011230\r";
    let err = to_fhir(msg.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect_err("no offset");
    assert_eq!(err.kind(), ErrorKind::MissingOffset);
    assert!(!err.location().is_empty());

    let (b, out) = bundle(msg, &MapConfig::with_tz(TzPolicy::AssumeOffset(-300)));
    assert_eq!(b["timestamp"], "2024-01-01T12:00:00-05:00");
    let e = resources(&b, "Encounter")[0];
    // Minutes precision is padded with :00 seconds (FHIR dateTime requires seconds).
    assert_eq!(e["period"]["start"], "2024-01-01T12:30:00-05:00");
    assert_eq!(e["class"]["code"], "EMER");
    assert!(out.report.is_empty(), "{}", out.report);

    let (b, out) = bundle(msg, &MapConfig::with_tz(TzPolicy::DateOnly));
    let e = resources(&b, "Encounter")[0];
    assert_eq!(e["period"]["start"], "2024-01-01");
    assert!(b.get("timestamp").is_none());
    assert!(out
        .report
        .items()
        .iter()
        .any(|i| i.kind == ReportKind::PrecisionReduced && i.location == "PV1-44"));
}

#[test]
fn other_adt_triggers() {
    for (t, status) in [
        ("A02", "in-progress"),
        ("A03", "finished"),
        ("A04", "in-progress"),
        ("A05", "planned"),
        ("A08", "in-progress"),
        ("A11", "cancelled"),
        ("A28", "in-progress"),
        ("A31", "in-progress"),
    ] {
        let msg = A01.replace("ADT^A01^ADT_A01", &format!("ADT^{t}"));
        let (b, _) = bundle(&msg, &MapConfig::with_tz(TzPolicy::Error));
        assert_eq!(b["entry"][0]["resource"]["eventCoding"]["code"], t);
        assert_eq!(resources(&b, "Encounter")[0]["status"], status, "{t}");
        assert_references_resolve(&b);
    }
    let a40 = "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A40^ADT_A39|1|P|2.5.1\r\
EVN|A40|20240101120000+0000\r\
PID|1||1^^^H&1.2.3&ISO^MR||Doe^J||19800101|F\r\
MRG|2^^^H&1.2.3&ISO^MR\r";
    let (b, out) = bundle(a40, &MapConfig::with_tz(TzPolicy::Error));
    let p = resources(&b, "Patient")[0];
    assert_eq!(p["link"][0]["type"], "replaces");
    assert_eq!(p["link"][0]["other"]["identifier"]["value"], "2");
    assert_eq!(
        p["link"][0]["other"]["identifier"]["type"]["coding"][0]["code"],
        "MR"
    );
    assert!(out.report.is_empty(), "{}", out.report);
    assert!(to_fhir(
        b"MSH|^~\\&|A|B|C|D|20240101||ADT^A47|1|P|2.5.1\rPID|1||1\r",
        &MapConfig::default()
    )
    .is_err());
}

#[test]
fn coverage_without_payor_is_reported_not_invented() {
    let msg = "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A01|1|P|2.5.1\r\
PID|1||1^^^H^MR||Doe^J||19800101|F\r\
IN1|1|PLAN1\r";
    let (b, out) = bundle(msg, &MapConfig::with_tz(TzPolicy::Error));
    assert!(resources(&b, "Coverage").is_empty());
    assert!(out.report.contains("IN1"), "{}", out.report);
}

#[test]
fn patient_extensions_prior_location_and_patient_type() {
    let msg = "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A02|1|P|2.5.1\r\
PID|1||1^^^H^MR||Doe^J|Smith|19800101|F|||||||||CAT^Catholic^HL70006||||||Springfield\r\
PV1|1|I|W1^1^1|||ER^2^1||||||||||||INP^Inpatient^HL70018|V9^^^H^VN\r";
    let (b, out) = bundle(msg, &MapConfig::with_tz(TzPolicy::Error));
    assert!(out.report.is_empty(), "{}", out.report);
    let p = resources(&b, "Patient")[0];
    let ext = p["extension"].as_array().expect("extensions");
    assert_eq!(ext.len(), 3);
    assert_eq!(ext[0]["valueString"], "Smith");
    assert_eq!(ext[1]["valueCodeableConcept"]["coding"][0]["code"], "CAT");
    assert_eq!(ext[2]["valueAddress"]["text"], "Springfield");
    let e = resources(&b, "Encounter")[0];
    assert_eq!(e["location"].as_array().map(Vec::len), Some(2));
    assert_eq!(e["location"][1]["status"], "completed");
    assert_eq!(e["type"][0]["coding"][0]["code"], "INP");
    assert_eq!(resources(&b, "Location").len(), 2);
}
