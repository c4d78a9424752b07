//! HL7 v2 ORM^O01 and OML^O21 → FHIR R4 ServiceRequest (+ Specimen, Observation):
//! golden-style assertions on synthetic messages, with the exact report.

mod common;
use common::{by_url, resources, OML, ORM};

use carewire_mapping::fhir::{ErrorKind, MapConfig, ReportKind, TzPolicy};
use carewire_mapping::v2::to_fhir;
use serde_json::{json, Value};

fn items(r: &carewire_mapping::fhir::Report) -> Vec<String> {
    r.items().iter().map(|i| i.to_string()).collect()
}

#[test]
fn orm_two_orders() {
    let out = to_fhir(ORM.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    let b: Value = serde_json::from_str(&out.json).expect("json");
    common::assert_references_resolve(&b);
    let mh = &b["entry"][0]["resource"];
    assert_eq!(mh["resourceType"], "MessageHeader");
    assert_eq!(mh["eventCoding"]["code"], "O01");
    let srs = resources(&b, "ServiceRequest");
    assert_eq!(srs.len(), 2);
    assert_eq!(mh["focus"].as_array().map(Vec::len), Some(2));
    let (a, c) = (srs[0], srs[1]);
    assert_eq!(
        a["identifier"],
        json!([
            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PLAC"}]},
             "value": "PL100", "assigner": {"display": "EHR"}},
            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "FILL"}]},
             "system": "urn:oid:1.2.3.4", "value": "FL100", "assigner": {"display": "RAD"}},
            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN"}]},
             "value": "ACC100"}
        ])
    );
    assert_eq!(a["requisition"]["value"], "GRP1");
    assert_eq!(a["requisition"]["type"]["coding"][0]["code"], "PGN");
    // ORC-1 NW → active; ORC-5 SC → active; intent order; priority from ORC-7.6.
    assert_eq!(a["status"], "active");
    assert_eq!(a["intent"], "order");
    assert_eq!(a["priority"], "stat");
    assert_eq!(a["authoredOn"], "2024-03-15T08:00:00+01:00");
    assert_eq!(
        a["occurrenceTiming"]["repeat"]["boundsPeriod"]["start"],
        "2024-03-16T09:00:00+01:00"
    );
    assert_eq!(a["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(a["code"]["coding"][0]["code"], "36643-5");
    assert_eq!(a["reasonCode"][0]["coding"][0]["code"], "R07.9");
    assert_eq!(a["note"][0]["text"], "Patient is claustrophobic");
    let req = by_url(&b, a["requester"]["reference"].as_str().expect("requester"));
    assert_eq!(req["name"][0]["family"], "Orderer");
    // DG1 in the order group → Condition as reasonReference.
    let cond = by_url(
        &b,
        a["reasonReference"][0]["reference"]
            .as_str()
            .expect("reason"),
    );
    assert_eq!(cond["resourceType"], "Condition");
    assert_eq!(cond["code"]["coding"][0]["code"], "R07.9");
    // Second order: ORC-1 CA with ORC-5 CA → revoked; OBR-16 same practitioner.
    assert_eq!(c["status"], "revoked");
    assert_eq!(c["priority"], "routine");
    assert_eq!(c["identifier"][0]["value"], "PL101");
    assert_eq!(c["requester"], a["requester"]);
    assert_eq!(resources(&b, "Practitioner").len(), 1);
    // Patient-level AL1 and IN1 map as in ADT.
    assert_eq!(resources(&b, "AllergyIntolerance").len(), 1);
    assert_eq!(resources(&b, "Coverage").len(), 1);
    assert_eq!(resources(&b, "Encounter").len(), 1);
    assert_eq!(
        items(&out.report),
        ["ORC[2]-10: not mapped", "ZDS: segment not mapped"]
    );
}

#[test]
fn oml_orders_specimens_and_observations() {
    let out = to_fhir(OML.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    let b: Value = serde_json::from_str(&out.json).expect("json");
    common::assert_references_resolve(&b);
    assert_eq!(b["entry"][0]["resource"]["eventCoding"]["code"], "O21");
    let srs = resources(&b, "ServiceRequest");
    assert_eq!(srs.len(), 2);
    let (a, c) = (srs[0], srs[1]);
    assert_eq!(a["status"], "active");
    assert_eq!(a["priority"], "asap");
    assert_eq!(
        a["occurrenceTiming"]["repeat"]["boundsPeriod"],
        json!({"start": "2024-03-15T10:00:00+01:00", "end": "2024-03-15T11:00:00+01:00"})
    );
    assert_eq!(a["code"]["coding"][0]["code"], "24331-1");
    // OBX in the order group → supportingInfo Observation.
    let info = a["supportingInfo"].as_array().expect("supportingInfo");
    assert_eq!(info.len(), 1);
    let obs = by_url(&b, info[0]["reference"].as_str().expect("ref"));
    assert_eq!(obs["resourceType"], "Observation");
    assert_eq!(obs["code"]["coding"][0]["code"], "49541-6");
    assert_eq!(obs["valueCodeableConcept"]["coding"][0]["code"], "Y");
    assert_eq!(obs["note"][0]["text"], "Since midnight");
    // SPM → Specimen linked from ServiceRequest.specimen.
    let sp = a["specimen"].as_array().expect("specimen");
    assert_eq!(sp.len(), 1);
    let spec = by_url(&b, sp[0]["reference"].as_str().expect("ref"));
    assert_eq!(spec["resourceType"], "Specimen");
    assert_eq!(spec["identifier"][0]["value"], "SP1");
    assert_eq!(spec["identifier"][0]["type"]["coding"][0]["code"], "PLAC");
    assert_eq!(spec["identifier"][1]["value"], "SF1");
    assert_eq!(spec["type"]["coding"][0]["code"], "BLD");
    assert_eq!(
        spec["type"]["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v2-0487"
    );
    assert_eq!(
        spec["collection"]["collectedDateTime"],
        "2024-03-15T09:30:00+01:00"
    );
    assert_eq!(spec["collection"]["method"]["coding"][0]["code"], "VENIP");
    assert_eq!(spec["receivedTime"], "2024-03-15T09:45:00+01:00");
    assert_eq!(spec["status"], "available");
    let a_url = format!("urn:uuid:{}", a["id"].as_str().expect("id"));
    assert_eq!(spec["request"][0]["reference"], a_url.as_str());
    // Second order: OBR-11 G → reflex-order, ORC-5 unknown code reported, ORC-1 XO → unknown.
    assert_eq!(c["intent"], "reflex-order");
    assert_eq!(c["status"], "unknown");
    assert_eq!(c["identifier"][0]["value"], "PL201");
    let sp2 = by_url(&b, c["specimen"][0]["reference"].as_str().expect("ref"));
    assert_eq!(
        sp2["collection"]["collectedPeriod"],
        json!({"start": "2024-03-15T09:30:00+01:00", "end": "2024-03-15T09:40:00+01:00"})
    );
    assert_eq!(sp2["container"][0]["type"]["text"], "Red top");
    assert_eq!(
        items(&out.report),
        [
            "OBR[2]-16: not mapped",
            "TQ1[2]-9: unknown code in table 0485",
            "ORC[2]-5: unknown code in table 0038",
        ]
    );
}

#[test]
fn orders_strict_mode_and_codes() {
    let strict = MapConfig {
        strict: true,
        ..MapConfig::with_tz(TzPolicy::Error)
    };
    let e = to_fhir(OML.as_bytes(), &strict).expect_err("report not empty");
    assert_eq!(e.kind(), ErrorKind::Strict(ReportKind::NotMapped));
    assert_eq!(e.location(), "OBR[2]-16");
    // A clean order converts in strict mode.
    let clean = "MSH|^~\\&|EHR|HOSP|LAB|HOSP|20240315083000+0100||ORM^O01|C1|P|2.3\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
ORC|OC|P1^EHR||||||||||\r\
OBR|1|P1^EHR||85025^CBC^C4\r";
    let out = to_fhir(clean.as_bytes(), &strict).expect("clean converts");
    let b: Value = serde_json::from_str(&out.json).expect("json");
    assert_eq!(resources(&b, "ServiceRequest")[0]["status"], "revoked");
    // An order control code outside table 0119, an unknown priority.
    let odd = "MSH|^~\\&|EHR|HOSP|LAB|HOSP|20240315083000+0100||ORM^O01|C2|P|2.3\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
ORC|QQ|P1^EHR|||||^^^^^Z\r\
OBR|1|P1^EHR||85025^CBC^C4|P\r";
    let out = to_fhir(odd.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    assert_eq!(
        items(&out.report),
        [
            "ORC-7.6: unknown code in table 0485",
            "OBR-5: not mapped",
            "ORC-1: unknown code in table 0119",
        ]
    );
    let b: Value = serde_json::from_str(&out.json).expect("json");
    let sr = resources(&b, "ServiceRequest")[0];
    assert_eq!(sr["status"], "unknown");
    assert!(sr.get("priority").is_none());
}

#[test]
fn order_ids_are_deterministic_and_keyed_by_filler() {
    let a = to_fhir(OML.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    let b = to_fhir(OML.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    assert_eq!(a.json, b.json);
    let orm: Value = serde_json::from_str(
        &to_fhir(ORM.as_bytes(), &MapConfig::with_tz(TzPolicy::Error))
            .expect("converts")
            .json,
    )
    .expect("json");
    let oml: Value = serde_json::from_str(&a.json).expect("json");
    let ids = |v: &Value| -> Vec<String> {
        resources(v, "ServiceRequest")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_string())
            .collect()
    };
    let (x, y) = (ids(&orm), ids(&oml));
    assert!(x.iter().all(|i| !y.contains(i)));
    assert_ne!(x[0], x[1]);
}

#[test]
fn order_messages_without_pid_fail_cleanly() {
    let msg = "MSH|^~\\&|EHR|HOSP|LAB|HOSP|20240315083000+0100||OML^O21|C3|P|2.5.1\r\
ORC|NW|P1^EHR\r\
OBR|1|P1^EHR||85025^CBC^C4\r";
    let e = to_fhir(msg.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect_err("no PID");
    assert_eq!(e.kind(), ErrorKind::MissingSegment);
}

#[test]
fn oru_order_identifiers_keep_universal_id_and_orc5() {
    let msg = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|L5|P|2.5.1\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
ORC|RE||||CM\r\
OBR|1|PL5^EHR|FL5^LAB^1.2.3^ISO|1-1^X^LN\r";
    let out = to_fhir(msg.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    assert!(out.report.is_empty(), "{}", out.report);
    let b: Value = serde_json::from_str(&out.json).expect("json");
    let sr = resources(&b, "ServiceRequest")[0];
    // ORC-5 CM (order status) → completed.
    assert_eq!(sr["status"], "completed");
    assert_eq!(sr["identifier"][1]["system"], "urn:oid:1.2.3");
    assert_eq!(sr["identifier"][1]["value"], "FL5");
    let dr = resources(&b, "DiagnosticReport")[0];
    assert_eq!(
        dr["identifier"][0],
        json!({"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "FILL"}]},
               "system": "urn:oid:1.2.3", "value": "FL5", "assigner": {"display": "LAB"}})
    );
}

#[test]
fn oru_second_requester_is_reported() {
    let msg = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|L6|P|2.5.1\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
ORC|RE|||||||||||1^One^A~2^Two^B\r\
OBR|1||FL6^LAB|1-1^X^LN||||||||||||1^One^A\r";
    let out = to_fhir(msg.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    assert_eq!(items(&out.report), ["ORC-12[2]: not mapped"]);
    let b: Value = serde_json::from_str(&out.json).expect("json");
    let sr = resources(&b, "ServiceRequest")[0];
    let req = by_url(
        &b,
        sr["requester"]["reference"].as_str().expect("requester"),
    );
    assert_eq!(req["name"][0]["family"], "One");
}
