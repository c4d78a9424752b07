//! FHIR → HL7 v2: golden messages, the report, strict mode and hostile input.

mod common;
use common::{A01, ORU};

use carewire_mapping::fhir::{ErrorKind, MapConfig, ReportKind, TzPolicy};
use carewire_mapping::to_v2::{from_fhir, Target, V2Config};
use carewire_mapping::v2::to_fhir;

fn fwd(msg: &str) -> String {
    to_fhir(msg.as_bytes(), &MapConfig::with_tz(TzPolicy::Error))
        .expect("fixture converts")
        .json
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec())
        .expect("utf-8")
        .replace('\r', "\n")
}

const A01_BACK: &str = "MSH|^~\\&|ADT|HOSP^1.2.840.1^ISO|EHR|HOSP|20240315083000+0100||ADT^A01^ADT_A01|MSG0001|P|2.5.1
EVN|A01|20240315082900+0100||ADM^Admission^HL70062|1234^Clerk^Carl^^^^^^HOSP
PID|1||123456^^^HOSP&1.2.3&ISO^MR~987-65-4320^^^SSA^SS||Doe^Jane^Q^Jr^Dr^^L~Roe^Janie^^^^^M||19800704|F|||1 Main St^Apt 2^Springfield^IL^62701^USA^H||^PRN^PH^^1^217^5551234~^^Internet^jane@example.org|^WPN^PH^^^217^5559999^12||M^Married^HL70002||||||||||||||N
PD1||||7777^Family^Frank^^^^^^HOSP
NK1|1|Doe^John|SPO^Spouse^HL70063|1 Main St^^Springfield^IL^62701|^PRN^PH^^^217^5551234
PV1|1|I|ICU^101^A^HOSP||||9999^Attending^Alice^^^Dr^^^HOSP|8888^Referrer^Rob^^^^^^HOSP||MED^^HL70069||||7^^HL70023|||9999^Attending^Alice^^^Dr^^^HOSP||V100^^^HOSP&1.2.4&ISO^VN|||||||||||||||||||||||||20240315080000+0100
PV2|||CHEST^Chest pain
AL1|1|DA|PCN^Penicillin|SV|Hives~Rash|20100101
DG1|1||I21.9^Acute MI^I10||20240315
PR1|1||0JH604Z^Pacemaker^I10P||20240315100000+0100|||||||9999^Attending^Alice^^^Dr^^^HOSP
IN1|1|PLAN1^Gold plan|INS1|Acme Health||||GRP1|Group One|||20240101|20241231||||SEL|||||||||||||||||||POL123
";

const ORU_BACK: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01^ORU_R01|LAB0001|P|2.5.1
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F
PV1|1|O|||||||||||||||||V200^^^HOSP^VN
ORC|RE|PL1^EHR|FL1^LAB|||||||||5555^Orderer^Olga^^^^^^HOSP
OBR|1|PL1^EHR|FL1^LAB|24331-1^Lipid panel^LN|||20240315070000+0100|||||||||5555^Orderer^Olga^^^^^^HOSP||||||20240315081500+0100|||F
NTE|1||Fasting sample
OBX|1|NM|2093-3^Cholesterol^LN||212|mg/dL^^UCUM|<200|H|||F|||20240315073000+0100
NTE|1||Repeat in 3 months
OBX|2|SN|2571-8^Triglyceride^LN||<^150|mg/dL^^UCUM|0-150|N|||F
OBX|3|SN|13457-7^LDL^LN||^100^-^129|mg/dL^^UCUM||A|||P
OBX|4|ST|8251-1^Comment^LN||Sample slightly lipemic||||||F
OBX|5|CWE|5778-6^Color^LN||YEL^Yellow||||||F
OBX|6|DT|21112-8^Birth date^LN||19800704||||||F
OBX|7|SN|9999-9^Titer^LN||^1^:^128||||||F
ORC|RE||FL2^LAB|||||||||5555^Orderer^Olga^^^^^^HOSP
OBR|2||FL2^LAB|58410-2^CBC^LN|||20240315070000+0100|||||||||5555^Orderer^Olga^^^^^^HOSP|||||||||F
OBX|1|NM|718-7^Hemoglobin^LN||13.5|g/dL^^UCUM|12.0-16.0|N|||F
OBX|2|NM|6690-2^WBC^LN||11.2|10*3/uL^^UCUM|4.0-10.5|H~HH|||C
";

/// `message` → FHIR → `target` is exactly `expected`, with nothing to report, and the
/// result converts again without a report.
fn assert_golden(message: &str, target: Target, expected: &str) {
    let out = from_fhir(&fwd(message), target, &V2Config::default()).expect("converts");
    assert_eq!(text(&out.message), expected);
    assert!(out.report.is_empty(), "{}", out.report);
    let again = to_fhir(&out.message, &MapConfig::with_tz(TzPolicy::Error)).expect("again");
    assert!(again.report.is_empty(), "{}", again.report);
}

#[test]
fn a01_golden() {
    assert_golden(A01, Target::AdtA01, A01_BACK);
}

#[test]
fn a08_uses_its_trigger() {
    let out = from_fhir(&fwd(A01), Target::AdtA08, &V2Config::default()).expect("converts");
    let t = text(&out.message);
    assert!(t.contains("||ADT^A08^ADT_A01|MSG0001|"));
    assert!(t.contains("\nEVN|A08|"));
}

#[test]
fn oru_golden() {
    assert_golden(ORU, Target::OruR01, ORU_BACK);
}

#[test]
fn config_overrides_the_header() {
    let cfg = V2Config {
        sending_application: Some("APP|X".into()),
        receiving_facility: Some("DEST".into()),
        control_id: Some("C1".into()),
        processing_id: Some("T".into()),
        version: "2.6".into(),
        datetime: Some("20250101000000+0000".into()),
        ..V2Config::default()
    };
    let out = from_fhir(&fwd(ORU), Target::OruR01, &cfg).expect("converts");
    let t = text(&out.message);
    let msh = t.lines().next().expect("MSH");
    assert_eq!(
        msh,
        "MSH|^~\\&|APP\\F\\X|HOSP|EHR|DEST|20250101000000+0000||ORU^R01^ORU_R01|C1|T|2.6"
    );
}

const SMALL: &str = r#"{"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"http://example.org/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1",
  "meta":{"versionId":"3","lastUpdated":"2024-01-01T00:00:00Z"},
  "identifier":[{"system":"urn:oid:1.2.3","value":"42","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR","display":"Medical record number"}]}}],
  "name":[{"family":"Doe","given":["Jane","Q","Extra"],"period":{"start":"2000"}}],
  "birthDate":"1980-13","photo":[{"contentType":"image/png"}],"gender":"female"}},
 {"resource":{"resourceType":"Encounter","id":"e1","status":"finished",
  "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
  "subject":{"reference":"Patient/p1"},"period":{"start":"2024-03-15T08:30:00+01:00","end":"2024-03-15T09:00:00Z"},
  "participant":[{"type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"ATND"}]}],
   "individual":{"reference":"http://example.org/fhir/Practitioner/dr/_history/2"}}]}},
 {"resource":{"resourceType":"Practitioner","id":"dr","name":[{"family":"Who","given":["Al"]}]}},
 {"resource":{"resourceType":"Medication","id":"m1","code":{"text":"aspirin"}}}]}"#;

#[test]
fn report_names_unmapped_elements_by_path() {
    let out = from_fhir(SMALL, Target::AdtA01, &V2Config::default()).expect("converts");
    let t = text(&out.message);
    assert!(
        t.contains("\nPID|1||42^^^&1.2.3&ISO^MR||Doe^Jane^Q|||F\n"),
        "{t}"
    );
    assert!(
        t.contains("\nPV1|1|O|||||^Who^Al|")
            && t.contains("|20240315083000+0100|20240315090000+0000\n"),
        "{t}"
    );
    let items: Vec<(String, ReportKind)> = out
        .report
        .items()
        .iter()
        .map(|i| (i.location.clone(), i.kind))
        .collect();
    let want = [
        (
            "Bundle.entry[0].resource.birthDate",
            ReportKind::InvalidValue,
        ),
        (
            "Bundle.entry[0].resource.name[0].given[2]",
            ReportKind::NotMapped,
        ),
        (
            "Bundle.entry[0].resource.name[0].period.start",
            ReportKind::NotMapped,
        ),
        (
            "Bundle.entry[0].resource.photo[0].contentType",
            ReportKind::NotMapped,
        ),
        (
            "Bundle.entry[3].resource (Medication)",
            ReportKind::NotMapped,
        ),
    ];
    for (loc, kind) in want {
        assert!(
            items.iter().any(|(l, k)| l == loc && *k == kind),
            "missing {loc}: {}",
            out.report
        );
    }
    assert_eq!(items.len(), want.len(), "{}", out.report);
    // No value appears in the report.
    let shown = out.report.to_string();
    for v in ["Doe", "Jane", "Extra", "aspirin", "image/png", "1980-13"] {
        assert!(!shown.contains(v));
    }
    let strict = V2Config {
        strict: true,
        ..V2Config::default()
    };
    let err = from_fhir(SMALL, Target::AdtA01, &strict).expect_err("strict");
    assert_eq!(err.kind(), ErrorKind::Strict(ReportKind::InvalidValue));
    assert_eq!(err.location(), "Bundle.entry[0].resource.birthDate");
}

#[test]
fn errors_for_inputs_that_are_not_bundles() {
    let cfg = V2Config::default();
    let kind = |s: &str, t: Target| from_fhir(s, t, &cfg).map(|_| ()).unwrap_err().kind();
    assert_eq!(kind("", Target::AdtA01), ErrorKind::InvalidJson);
    assert_eq!(
        kind("{\"resourceType\":", Target::AdtA01),
        ErrorKind::InvalidJson
    );
    assert_eq!(kind("[1,2]", Target::AdtA01), ErrorKind::NotABundle);
    assert_eq!(
        kind("{\"resourceType\":\"Patient\"}", Target::AdtA01),
        ErrorKind::NotABundle
    );
    assert_eq!(
        kind(r#"{"resourceType":"Bundle","entry":{}}"#, Target::AdtA01),
        ErrorKind::NotABundle
    );
    assert_eq!(
        kind(r#"{"resourceType":"Bundle","entry":[]}"#, Target::AdtA01),
        ErrorKind::MissingResource
    );
    assert_eq!(
        kind(
            r#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}]}"#,
            Target::OruR01
        ),
        ErrorKind::MissingResource
    );
    assert_eq!(kind(SMALL, Target::OrmO01), ErrorKind::MissingResource);
    let tiny = V2Config {
        max_input_len: 10,
        ..V2Config::default()
    };
    let err = from_fhir(SMALL, Target::AdtA01, &tiny).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    // Error text names positions, not content.
    let err = from_fhir("{\"name\":\"Jane Doe\" x", Target::AdtA01, &cfg).unwrap_err();
    assert!(!err.to_string().contains("Jane"), "{err}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let mut s = String::from(
        r#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","x":"#,
    );
    s.push_str(&"[".repeat(depth));
    s.push_str(&"]".repeat(depth));
    s.push_str("}}]}");
    let err = from_fhir(&s, Target::AdtA01, &V2Config::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidJson);
}

#[test]
fn wrong_types_are_reported_not_fatal() {
    let s = r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","name":"Doe","identifier":[1,{"value":7}],
        "telecom":[{"system":5,"value":["x"]}],"birthDate":19800101,"gender":true,
        "address":[{"line":[1,2],"city":{}}],"extension":[{"url":7}],
        "generalPractitioner":[{"reference":"Practitioner/none"}],"_birthDate":[]}},
      {"resource":"not an object"},{"fullUrl":7},null,
      {"resource":{"resourceType":"Encounter","subject":{"reference":5},"class":"AMB",
        "location":[{"location":{"reference":"Patient/x"}}],"participant":[{"type":"x"}]}}]}"#;
    let out = from_fhir(s, Target::AdtA01, &V2Config::default()).expect("converts");
    assert!(!out.report.is_empty());
    assert!(out.report.contains("Bundle.entry[0].resource.gender"));
    assert!(out
        .report
        .contains("Bundle.entry[0].resource.identifier[1].value"));
    let t = text(&out.message);
    assert!(t.contains("\nPID|1\n"), "{t}");
    assert!(t.contains("\nPV1|1|U\n"), "{t}");
}

#[test]
fn huge_arrays_stay_linear() {
    let n = 20_000;
    let mut s = String::from(
        r#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","name":["#,
    );
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(r#"{"family":"F","given":["G"]}"#);
    }
    s.push_str("]}}");
    for i in 0..n {
        s.push_str(&format!(
            r#",{{"resource":{{"resourceType":"AllergyIntolerance","code":{{"text":"a{i}"}}}}}}"#
        ));
    }
    s.push_str("]}");
    let start = std::time::Instant::now();
    let out = from_fhir(&s, Target::AdtA01, &V2Config::default()).expect("converts");
    assert!(start.elapsed().as_secs() < 30);
    // PID-5 holds max_repetitions names; the others are reported by path.
    assert!(out
        .report
        .contains("Bundle.entry[0].resource.name[1000].family"));
    assert!(!out
        .report
        .contains("Bundle.entry[0].resource.name[999].family"));
    let t = text(&out.message);
    assert_eq!(t.matches("\nAL1|").count(), n);
    assert!(t.contains(&format!("\nAL1|{n}||^a{}\n", n - 1)));
}

#[test]
fn debug_is_phi_safe() {
    let out = from_fhir(&fwd(A01), Target::AdtA01, &V2Config::default()).expect("converts");
    let d = format!("{out:?}");
    assert!(!d.contains("Doe") && d.contains("message_len"), "{d}");
}

#[test]
fn round_tripped_bundles_validate() {
    let mut bundles = Vec::new();
    for (name, m, t) in [("A01", A01, Target::AdtA01), ("ORU", ORU, Target::OruR01)] {
        let out = from_fhir(&fwd(m), t, &V2Config::default()).expect("converts");
        let again = to_fhir(&out.message, &MapConfig::with_tz(TzPolicy::Error)).expect("again");
        bundles.push((format!("{name} round trip"), again.json));
    }
    common::fhir_check::check(bundles);
}

#[test]
fn orm_and_oml_fixtures_round_trip() {
    use common::{OML, ORM};
    use serde_json::Value;
    let entries = |json: &str| -> Vec<(String, Value)> {
        let v: Value = serde_json::from_str(json).expect("json");
        v["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["fullUrl"].as_str().unwrap_or("").to_string(),
                    e["resource"].clone(),
                )
            })
            .collect()
    };
    for (m, t, unused) in [
        (ORM, Target::OrmO01, Vec::<&str>::new()),
        // OBR-16 names another practitioner than ORC-12: the forward mapping reports it
        // and (since the silent-loss fixes) writes no Practitioner nothing refers to.
        (OML, Target::OmlO21, vec![]),
    ] {
        let bundle = fwd(m);
        let out = from_fhir(&bundle, t, &V2Config::default()).expect("converts");
        let locs: Vec<&str> = out
            .report
            .items()
            .iter()
            .map(|i| i.location.as_str())
            .collect();
        assert_eq!(locs, unused, "{}", out.report);
        let again = to_fhir(&out.message, &MapConfig::with_tz(TzPolicy::Error)).expect("again");
        assert!(again.report.is_empty(), "{}", again.report);
        // Every resource comes back identical (same ids, same content), except the
        // MessageHeader (MSH-12 is 2.5.1 now) and the unreferenced one.
        let before = entries(&bundle);
        let after = entries(&again.json);
        assert_eq!(after.len() + unused.len(), before.len());
        for (url, r) in &after {
            let orig = before.iter().find(|(u, _)| u == url).map(|(_, r)| r);
            if r["resourceType"] != "MessageHeader" {
                assert_eq!(orig, Some(r), "{url}");
            }
        }
    }
}

#[test]
fn binary_ed_and_nr_values_come_back() {
    let oru = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01^ORU_R01|L2|P|2.5.1\r\
PID|1||123456^^^HOSP^MR||Doe^Jane\r\
ORC|RE||FL9^LAB\r\
OBR|1||FL9^LAB|11502-2^Lab report^LN|||20240315070000+0100\r\
OBX|1|ED|11502-2^Lab report^LN||^AP^PDF^Base64^JVBERi0xLjQ=||||||F\r\
OBX|2|NR|2345-7^Glucose^LN||70^110|mg/dL^^UCUM|||||F||||||||20240315071500+0100\r";
    let out = from_fhir(&fwd(oru), Target::OruR01, &V2Config::default()).expect("converts");
    assert!(out.report.is_empty(), "{}", out.report);
    let t = text(&out.message);
    assert!(
        t.contains("\nOBX|1|ED|11502-2^Lab report^LN||^AP^PDF^Base64^JVBERi0xLjQ=||||||F\n"),
        "{t}"
    );
    // NR becomes SN (both are a Range); OBX-19 analysis time comes back.
    assert!(t.contains("\nOBX|2|SN|2345-7^Glucose^LN||^70^-^110|mg/dL^^UCUM|||||F||||||||20240315071500+0100\n"), "{t}");
}

mod hostile {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    const KEYS: &[&str] = &[
        "resourceType",
        "id",
        "reference",
        "identifier",
        "value",
        "system",
        "code",
        "coding",
        "display",
        "text",
        "name",
        "family",
        "given",
        "telecom",
        "address",
        "line",
        "use",
        "type",
        "subject",
        "patient",
        "encounter",
        "period",
        "start",
        "end",
        "status",
        "class",
        "location",
        "participant",
        "individual",
        "result",
        "basedOn",
        "specimen",
        "valueQuantity",
        "valueString",
        "valueRange",
        "valueRatio",
        "valueCodeableConcept",
        "valueDateTime",
        "low",
        "high",
        "extension",
        "url",
        "valueCoding",
        "birthDate",
        "_birthDate",
        "performer",
        "note",
        "reasonReference",
        "supportingInfo",
        "collection",
        "effectiveDateTime",
        "issued",
        "requester",
        "payor",
        "category",
        "fullUrl",
    ];
    const TYPES: &[&str] = &[
        "Patient",
        "Encounter",
        "Practitioner",
        "Organization",
        "Location",
        "Observation",
        "DiagnosticReport",
        "ServiceRequest",
        "Specimen",
        "Condition",
        "AllergyIntolerance",
        "Procedure",
        "Coverage",
        "RelatedPerson",
        "Provenance",
        "MessageHeader",
        "Bundle",
    ];

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[ -~]{0,12}".prop_map(Value::String),
            prop::sample::select(TYPES).prop_map(|t| Value::String(t.into())),
            Just(Value::String("2024-03-15T08:30:00+01:00".into())),
            Just(Value::String("urn:uuid:x".into())),
            Just(Value::String("Patient/p".into())),
        ]
    }

    fn tree() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    fn resource() -> impl Strategy<Value = Value> {
        (
            prop::sample::select(TYPES),
            tree(),
            prop::option::of("[a-z]{1,2}"),
        )
            .prop_map(|(t, body, id)| {
                let mut m = match body {
                    Value::Object(m) => m,
                    other => {
                        let mut m = serde_json::Map::new();
                        m.insert("x".into(), other);
                        m
                    }
                };
                m.insert("resourceType".into(), Value::String(t.into()));
                if let Some(id) = id {
                    m.insert("id".into(), Value::String(id));
                }
                let mut e = serde_json::Map::new();
                e.insert("resource".into(), Value::Object(m));
                Value::Object(e)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any Bundle-shaped JSON converts or fails with an error: never a panic.
        #[test]
        fn any_bundle_never_panics(entries in prop::collection::vec(resource(), 0..8)) {
            let b = serde_json::json!({"resourceType": "Bundle", "entry": entries}).to_string();
            for t in [Target::AdtA01, Target::OruR01, Target::OrmO01, Target::OmlO21] {
                if let Ok(out) = from_fhir(&b, t, &V2Config::default()) {
                    // Whatever is written parses as HL7 v2.
                    prop_assert!(carewire_hl7::Message::parse(&out.message).is_ok());
                }
            }
        }

        /// Any text: an error or a message, never a panic.
        #[test]
        fn any_text_never_panics(s in "[ -~]{0,64}") {
            let _ = from_fhir(&s, Target::AdtA01, &V2Config::default());
        }
    }
}
