//! HL7 v2 ORU^R01 → FHIR R4 Bundle, and a corpus smoke test.

mod common;
use common::{by_url, resources, ORU};

use carewire_mapping::fhir::{MapConfig, ReportKind, TzPolicy};
use carewire_mapping::v2::to_fhir;
use serde_json::{json, Value};

#[test]
fn oru_reports_and_observations() {
    let out = to_fhir(ORU.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    let b: Value = serde_json::from_str(&out.json).expect("json");
    assert_eq!(b["entry"][0]["resource"]["resourceType"], "MessageHeader");
    assert_eq!(b["entry"][0]["resource"]["eventCoding"]["code"], "R01");
    let reports = resources(&b, "DiagnosticReport");
    assert_eq!(reports.len(), 2);
    assert_eq!(
        b["entry"][0]["resource"]["focus"].as_array().map(Vec::len),
        Some(2)
    );
    let dr = reports[0];
    assert_eq!(dr["status"], "final");
    assert_eq!(dr["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(dr["code"]["coding"][0]["code"], "24331-1");
    assert_eq!(dr["effectiveDateTime"], "2024-03-15T07:00:00+01:00");
    assert_eq!(dr["issued"], "2024-03-15T08:15:00+01:00");
    assert_eq!(dr["identifier"][0]["value"], "FL1");
    let results = dr["result"].as_array().expect("results");
    assert_eq!(results.len(), 7);
    let sr = by_url(&b, dr["basedOn"][0]["reference"].as_str().expect("basedOn"));
    assert_eq!(sr["resourceType"], "ServiceRequest");
    assert_eq!(sr["intent"], "order");
    assert_eq!(sr["note"][0]["text"], "Fasting sample");
    assert_eq!(sr["identifier"][0]["value"], "PL1");
    let obs: Vec<&Value> = results
        .iter()
        .map(|r| by_url(&b, r["reference"].as_str().expect("ref")))
        .collect();
    // NM → valueQuantity with UCUM unit, interpretation, reference range, note.
    assert_eq!(
        obs[0]["valueQuantity"],
        json!({"value": 212, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"})
    );
    assert_eq!(obs[0]["status"], "final");
    assert_eq!(obs[0]["interpretation"][0]["coding"][0]["code"], "H");
    assert_eq!(
        obs[0]["interpretation"][0]["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    );
    assert_eq!(obs[0]["referenceRange"][0]["high"]["value"], 200);
    assert_eq!(obs[0]["note"][0]["text"], "Repeat in 3 months");
    assert_eq!(obs[0]["effectiveDateTime"], "2024-03-15T07:30:00+01:00");
    assert_eq!(obs[0]["code"]["coding"][0]["code"], "2093-3");
    // SN comparator → valueQuantity.comparator; range "0-150".
    assert_eq!(obs[1]["valueQuantity"]["comparator"], "<");
    assert_eq!(obs[1]["valueQuantity"]["value"], 150);
    assert_eq!(obs[1]["referenceRange"][0]["low"]["value"], 0);
    assert_eq!(obs[1]["referenceRange"][0]["high"]["value"], 150);
    // SN range → valueRange.
    assert_eq!(obs[2]["valueRange"]["low"]["value"], 100);
    assert_eq!(obs[2]["valueRange"]["high"]["value"], 129);
    assert_eq!(obs[2]["status"], "preliminary");
    // ST, CWE, DT, SN ratio.
    assert_eq!(obs[3]["valueString"], "Sample slightly lipemic");
    assert_eq!(obs[4]["valueCodeableConcept"]["coding"][0]["code"], "YEL");
    assert_eq!(obs[5]["valueDateTime"], "1980-07-04");
    assert_eq!(obs[6]["valueRatio"]["denominator"]["value"], 128);
    // Effective time falls back to OBR-7.
    assert_eq!(obs[3]["effectiveDateTime"], "2024-03-15T07:00:00+01:00");

    let cbc = reports[1];
    let cbc_obs: Vec<&Value> = cbc["result"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| by_url(&b, r["reference"].as_str().expect("ref")))
        .collect();
    assert_eq!(cbc_obs.len(), 2);
    assert_eq!(cbc_obs[0]["valueQuantity"]["value"], 13.5);
    assert_eq!(cbc_obs[0]["referenceRange"][0]["low"]["value"], 12.0);
    assert_eq!(cbc_obs[1]["status"], "corrected");
    assert_eq!(
        cbc_obs[1]["interpretation"].as_array().map(Vec::len),
        Some(2)
    );
    // Every Observation refers to the one Patient and Encounter.
    let patient = &resources(&b, "Patient")[0]["id"];
    for o in resources(&b, "Observation") {
        let subj = o["subject"]["reference"].as_str().expect("subject");
        assert_eq!(by_url(&b, subj)["id"], *patient);
        assert_eq!(
            by_url(&b, o["encounter"]["reference"].as_str().expect("enc"))["resourceType"],
            "Encounter"
        );
    }
    assert_eq!(resources(&b, "Observation").len(), 9);
    // ORC-12 and both OBR-16 name one practitioner.
    assert_eq!(resources(&b, "Practitioner").len(), 1);
    assert_eq!(
        by_url(
            &b,
            sr["requester"]["reference"].as_str().expect("requester")
        )["name"][0]["family"],
        "Orderer"
    );
    // Only the local coding system of OBX-5 (CWE) is reported.
    let items: Vec<String> = out.report.items().iter().map(|i| i.to_string()).collect();
    assert_eq!(items, ["OBX[5]-5.3: unknown code in table 0396"]);
}

#[test]
fn oru_unknown_codes_and_bad_values_are_reported() {
    let msg = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|L2|P|2.5.1\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
OBR|1||F9^LAB|1-1^X^LN|||||||||||||||||||||Q\r\
OBX|1|NM|1-2^Y^LN||abc||||||F\r\
OBX|2|NM|1-3^Z^LN||5|||QQ|||K\r\
OBX|3|XX|1-4^W^LN||5||||||F\r\
ZLB|1|x\r";
    let out = to_fhir(msg.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    let kinds: Vec<(&str, ReportKind)> = out
        .report
        .items()
        .iter()
        .map(|i| (i.location.as_str(), i.kind))
        .collect();
    assert!(
        kinds.contains(&("OBR-25", ReportKind::UnknownCode("0123"))),
        "{}",
        out.report
    );
    assert!(
        kinds.contains(&("OBX[1]-5", ReportKind::InvalidValue)),
        "{}",
        out.report
    );
    assert!(
        kinds.contains(&("OBX[2]-8", ReportKind::UnknownCode("0078"))),
        "{}",
        out.report
    );
    assert!(
        kinds.contains(&("OBX[2]-11", ReportKind::UnknownCode("0085"))),
        "{}",
        out.report
    );
    assert!(
        kinds.contains(&("OBX[3]-2", ReportKind::UnknownCode("0125"))),
        "{}",
        out.report
    );
    assert!(
        kinds.contains(&("ZLB", ReportKind::SegmentNotMapped)),
        "{}",
        out.report
    );
    let b: Value = serde_json::from_str(&out.json).expect("json");
    let obs = resources(&b, "Observation");
    assert_eq!(obs.len(), 3);
    // An unconvertible value is absent with a reason, never invented.
    assert_eq!(obs[0]["dataAbsentReason"]["coding"][0]["code"], "error");
    assert_eq!(obs[1]["status"], "unknown");
}

#[test]
fn corpus_adt_and_oru_convert_without_panic() {
    let Some(dir) = common::corpus_dir("hl7") else {
        eprintln!("notice: HL7 corpus not found; set CAREWIRE_CORPUS to run this test");
        return;
    };
    let files = common::files_in(&dir);
    let (mut converted, mut unsupported, mut failed) = (0, 0, Vec::new());
    for cfg in [
        MapConfig::with_tz(TzPolicy::AssumeOffset(0)),
        MapConfig::with_tz(TzPolicy::DateOnly),
    ] {
        for path in &files {
            let bytes = std::fs::read(path).expect("read");
            let Ok(msg) = carewire_hl7::Message::parse(&bytes) else {
                continue;
            };
            let mt = msg.header().message_type().unwrap_or_default().into_owned();
            match carewire_mapping::v2::convert(&msg, &cfg) {
                Ok(out) => {
                    converted += 1;
                    let v: Value = serde_json::from_str(&out.json).expect("valid JSON");
                    assert_eq!(v["resourceType"], "Bundle");
                    // The report is checked: locations only, never values.
                    for item in out.report.items() {
                        assert!(
                            item.location.len() < 24
                                && item
                                    .location
                                    .bytes()
                                    .all(|c| c.is_ascii_alphanumeric() || b"-.[]?".contains(&c)),
                            "{}: odd location {:?}",
                            path.display(),
                            item.location
                        );
                    }
                }
                Err(e) if e.kind() == carewire_mapping::fhir::ErrorKind::UnsupportedMessage => {
                    assert!(
                        mt != "ORU" || !msg.header().trigger_event().is_some_and(|t| t == "R01")
                    );
                    unsupported += 1;
                }
                Err(e) => failed.push(format!("{}: {e}", path.display())),
            }
        }
    }
    eprintln!(
        "corpus: {converted} converted, {unsupported} unsupported types, {} errors",
        failed.len()
    );
    for f in &failed {
        eprintln!("  {f}");
    }
    assert!(converted > 0);
    // Only a missing PID may fail an ADT/ORU conversion.
    assert!(
        failed.iter().all(|f| f.contains("required segment")),
        "{failed:?}"
    );
}

#[test]
fn performing_organization_and_director() {
    let msg = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|L3|P|2.5.1\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
OBR|1||F9^LAB|1-1^X^MDC\r\
OBX|1|NM|1-2^Y^LN||5||||||F||||||||||||Main Lab^^^^^^^^^12345|1 Lab Rd^^Town|777^Director^Dora^^^^^^HOSP^^^^NPI\r";
    let out = to_fhir(msg.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    assert!(
        !out.report.contains("OBX-23") && !out.report.contains("OBX-25"),
        "{}",
        out.report
    );
    // OBX-24 is the performing organization's address.
    assert!(!out.report.contains("OBX-24"), "{}", out.report);
    let b: Value = serde_json::from_str(&out.json).expect("json");
    let obs = resources(&b, "Observation")[0];
    let perf: Vec<&Value> = obs["performer"]
        .as_array()
        .expect("performers")
        .iter()
        .map(|r| by_url(&b, r["reference"].as_str().expect("ref")))
        .collect();
    assert_eq!(perf[0]["resourceType"], "Organization");
    assert_eq!(perf[0]["name"], "Main Lab");
    assert_eq!(perf[0]["address"][0]["line"][0], "1 Lab Rd");
    assert_eq!(perf[0]["address"][0]["city"], "Town");
    assert_eq!(perf[1]["name"][0]["family"], "Director");
    assert_eq!(perf[1]["identifier"][0]["type"]["coding"][0]["code"], "NPI");
    let dr = resources(&b, "DiagnosticReport")[0];
    assert_eq!(
        dr["code"]["coding"][0]["system"],
        "urn:iso:std:iso:11073:10101"
    );
}

/// OBR-24 (table 0074) becomes DiagnosticReport.category and comes back as OBR-24; a
/// code outside the table is kept and reported.
#[test]
fn diagnostic_service_section_is_the_category() {
    use carewire_mapping::to_v2::{from_fhir, Target, V2Config};
    let msg = |section: &str| {
        format!(
            "MSH|^~\\&|LIS|LAB|EMR|HOSP|20240315081500+0100||ORU^R01^ORU_R01|C1|P|2.5.1\r\
PID|1||P1^^^HOSP^MR||Doe^Jane\r\
OBR|1|PL1|FL1|2345-7^Glucose^LN|||20240315070000+0100|||||||||||||||20240315081500+0100||{section}|F\r\
OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F\r"
        )
    };
    let cfg = MapConfig::with_tz(TzPolicy::Error);
    let out = to_fhir(msg("CH").as_bytes(), &cfg).expect("converts");
    let obr24 = |i: &&carewire_mapping::fhir::ReportItem| {
        i.location.starts_with("OBR") && i.location.ends_with("-24")
    };
    assert!(
        !out.report.items().iter().any(|i| obr24(&i)),
        "{:?}",
        out.report.items()
    );
    let b: Value = serde_json::from_str(&out.json).expect("json");
    let dr = resources(&b, "DiagnosticReport")[0];
    assert_eq!(
        dr["category"],
        json!([{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
            "code": "CH",
            "display": "Chemistry"
        }]}])
    );
    let back = from_fhir(&out.json, Target::OruR01, &V2Config::default()).expect("back");
    let text = String::from_utf8(back.message.clone()).expect("utf-8");
    let obr = text
        .split('\r')
        .find(|s| s.starts_with("OBR"))
        .expect("OBR");
    assert_eq!(obr.split('|').nth(24), Some("CH"), "{obr}");

    let odd = to_fhir(msg("ZZZ").as_bytes(), &cfg).expect("converts");
    let item = odd
        .report
        .items()
        .iter()
        .find(|i| i.kind == ReportKind::UnknownCode("0074"))
        .expect("reported");
    assert!(item.location.ends_with("-24"), "{item}");
    let b: Value = serde_json::from_str(&odd.json).expect("json");
    assert_eq!(
        resources(&b, "DiagnosticReport")[0]["category"][0]["coding"][0]["code"],
        "ZZZ"
    );
}
