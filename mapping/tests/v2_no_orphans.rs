//! Two places of the v2 mapping that used to lose data without a report: two Locations
//! that differ only in PL.9 (description), and a second requester (OBR-16 vs ORC-12)
//! written as a Practitioner nothing refers to.

mod common;

use carewire_mapping::fhir::{MapConfig, TzPolicy};
use carewire_mapping::v2::to_fhir;
use serde_json::Value;

fn convert(msg: &str) -> (Value, String, Vec<String>) {
    let out = to_fhir(msg.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    let b: Value = serde_json::from_str(&out.json).expect("json");
    common::assert_references_resolve(&b);
    let items = out.report.items().iter().map(|i| i.to_string()).collect();
    (b, out.json, items)
}

/// Every Practitioner of the Bundle is the target of some reference.
fn assert_practitioners_referenced(b: &Value, json: &str) {
    for p in common::resources(b, "Practitioner") {
        let url = format!(
            "\"reference\":\"urn:uuid:{}\"",
            p["id"].as_str().expect("id")
        );
        assert!(json.contains(&url), "unreferenced Practitioner {}", p["id"]);
    }
}

const HEAD: &str = "PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\r";

#[test]
fn locations_differing_in_description_stay_two() {
    let msg = format!(
        "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A02|1|P|2.5.1\r\
EVN|A02|20240101120000+0000\r{HEAD}\
PV1|1|I|ICU^101^A^HOSP^^^^^Window side|||ICU^101^A^HOSP^^^^^Door side\r"
    );
    let (b, json, items) = convert(&msg);
    let locs = common::resources(&b, "Location");
    let mut descs: Vec<&str> = locs
        .iter()
        .filter_map(|l| l["description"].as_str())
        .collect();
    descs.sort_unstable();
    assert_eq!(descs, ["Door side", "Window side"]);
    assert_ne!(locs[0]["id"], locs[1]["id"]);
    assert!(items.is_empty(), "{items:?}");
    // Without a description the key is unchanged: same parts, one Location.
    let plain = format!(
        "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A02|1|P|2.5.1\r\
EVN|A02|20240101120000+0000\r{HEAD}\
PV1|1|I|ICU^101^A^HOSP|||ICU^101^A^HOSP\r"
    );
    let (p, pjson, _) = convert(&plain);
    assert_eq!(common::resources(&p, "Location").len(), 1);
    common::fhir_check::check(vec![("PL.9".into(), json), ("plain".into(), pjson)]);
}

#[test]
fn a_second_requester_is_reported_not_written() {
    let orm = format!(
        "MSH|^~\\&|EHR|HOSP|RAD|HOSP|20240315083000+0100||ORM^O01|1|P|2.5.1\r{HEAD}\
ORC|NW|PL1^EHR|||SC||||20240315080000+0100|||5555^Orderer^Olga^^^^^^HOSP\r\
OBR|1|PL1^EHR||36643-5^XR^LN||||||||||||6666^Other^Otto^^^^^^HOSP\r"
    );
    let oru = format!(
        "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|2|P|2.5.1\r{HEAD}\
ORC|RE|PL1^EHR|FL1^LAB|||||||||5555^Orderer^Olga^^^^^^HOSP\r\
OBR|1|PL1^EHR|FL1^LAB|24331-1^Lipid panel^LN|||20240315070000+0100|||||||||6666^Other^Otto^^^^^^HOSP||||||||||F\r\
OBX|1|ST|8251-1^Comment^LN||Fine||||||F\r"
    );
    let mut bundles = Vec::new();
    for (name, msg, kept, dropped, loc) in [
        ("ORM", orm, "Orderer", "Other", "OBR-16: not mapped"),
        ("ORU", oru, "Other", "Orderer", "ORC-12: not mapped"),
    ] {
        let (b, json, items) = convert(&msg);
        let prs = common::resources(&b, "Practitioner");
        assert_eq!(prs.len(), 1, "{name}");
        assert_eq!(prs[0]["name"][0]["family"], kept, "{name}");
        assert!(!json.contains(dropped), "{name}");
        assert_practitioners_referenced(&b, &json);
        assert!(items.iter().any(|i| i == loc), "{name}: {items:?}");
        let sr = common::resources(&b, "ServiceRequest");
        assert_eq!(
            sr[0]["requester"]["reference"],
            format!("urn:uuid:{}", prs[0]["id"].as_str().expect("id")),
            "{name}"
        );
        bundles.push((name.to_string(), json));
    }
    common::fhir_check::check(bundles);
}
