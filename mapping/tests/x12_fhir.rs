//! X12 → FHIR golden tests: synthetic 837P, 837I, 835 and 271 fixtures
//! (`x12_common`), each converted and compared byte for byte with
//! `tests/golden/x12/<name>.json` (regenerate with `CAREWIRE_BLESS=1` after reviewing
//! the change), with assertions on the key elements and the exact report.

#[path = "x12_common/mod.rs"]
mod x12_common;
use x12_common::{E271, I837, P837, R835};

use std::path::Path;

use carewire_mapping::fhir::{BundleType, ErrorKind, MapConfig, ReportKind, TzPolicy};
use carewire_mapping::x12::{convert_unit, to_fhir, to_fhir_with, CodeDisplay};
use serde_json::Value;

fn cfg() -> MapConfig {
    MapConfig {
        tz: TzPolicy::AssumeOffset(-300),
        bundle_type: BundleType::Batch,
        strict: false,
    }
}

/// Compares with the golden file: the Bundle text as written (exact decimals), one
/// entry per line.
fn golden(name: &str, json: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/x12")
        .join(format!("{name}.json"));
    let text = json.replace(",{\"fullUrl\"", ",\n{\"fullUrl\"") + "\n";
    if std::env::var_os("CAREWIRE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("test input")).expect("test input");
        std::fs::write(&path, &text).expect("test input");
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == text,
        "{name}: output differs from {}",
        path.display()
    );
}

fn resources<'a>(b: &'a Value, ty: &str) -> Vec<&'a Value> {
    b["entry"]
        .as_array()
        .expect("test input")
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == ty)
        .collect()
}

fn report(conv: &carewire_mapping::fhir::Conversion) -> Vec<String> {
    conv.report.items().iter().map(|i| i.to_string()).collect()
}

#[test]
fn professional_837_maps_claim_and_parties() {
    let conv = to_fhir(P837.as_bytes(), &cfg()).expect("test input");
    golden("837p", &conv.json);
    assert_eq!(
        report(&conv),
        [
            "837*0001/2400/SV109@911: not mapped",
            "837*0001/2400/NTE@961: segment not mapped",
        ]
    );
    let b: Value = serde_json::from_str(&conv.json).expect("test input");
    assert_eq!(b["type"], "batch");
    let claims = resources(&b, "Claim");
    assert_eq!(claims.len(), 1);
    let c = claims[0];
    assert_eq!(c["type"]["coding"][0]["code"], "professional");
    assert_eq!(c["use"], "claim");
    assert_eq!(c["created"], "2024-03-15");
    assert_eq!(c["identifier"][0]["value"], "PCN001");
    assert_eq!(
        c["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["system"],
        "http://hl7.org/fhir/sid/icd-10-cm"
    );
    assert_eq!(
        c["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"],
        "J209"
    );
    assert_eq!(
        c["diagnosis"][0]["type"][0]["coding"][0]["code"],
        "principal"
    );
    assert_eq!(
        c["item"][0]["productOrService"]["coding"][0]["code"],
        "99213"
    );
    assert_eq!(c["item"][0]["modifier"][0]["coding"][0]["code"], "25");
    assert_eq!(c["item"][0]["diagnosisSequence"], serde_json::json!([1, 2]));
    assert_eq!(c["item"][0]["servicedDate"], "2024-03-10");
    assert_eq!(
        c["item"][1]["locationCodeableConcept"]["coding"][0]["code"],
        "11"
    );
    assert_eq!(c["insurance"][0]["preAuthRef"][0], "AUTH77");
    // Exact decimals: written from the X12 text, never through f64.
    assert!(conv
        .json
        .contains(r#""total":{"value":150.25,"currency":"USD"}"#));
    assert!(conv
        .json
        .contains(r#""net":{"value":100.25,"currency":"USD"}"#));
    // The billing provider: an Organization with its NPI and taxonomy (2000A PRV).
    let orgs = resources(&b, "Organization");
    let billing = orgs
        .iter()
        .find(|o| o["name"] == "SYNTH FAMILY CLINIC")
        .expect("test input");
    assert_eq!(
        billing["identifier"][0]["system"],
        "http://hl7.org/fhir/sid/us-npi"
    );
    assert_eq!(billing["identifier"][0]["value"], "1234567893");
    assert_eq!(billing["type"][0]["coding"][0]["code"], "207Q00000X");
    assert_eq!(
        c["provider"]["reference"],
        format!("urn:uuid:{}", billing["id"].as_str().expect("test input"))
    );
    let cov = resources(&b, "Coverage");
    assert_eq!(cov.len(), 1);
    assert_eq!(cov[0]["subscriberId"], "MEM001");
    assert_eq!(cov[0]["relationship"]["coding"][0]["code"], "self");
    assert_eq!(cov[0]["order"], 1);
    let pat = resources(&b, "Patient");
    assert_eq!(pat[0]["birthDate"], "1980-07-04");
    assert_eq!(pat[0]["gender"], "female");
    let pr = resources(&b, "Practitioner");
    assert_eq!(pr[0]["identifier"][0]["value"], "1497758544");
    assert_eq!(c["careTeam"][0]["role"]["coding"][0]["code"], "primary");
    // PER EX: the extension of the phone number before it.
    assert!(conv.json.contains(r#""value":"5555550100 ext. 12""#));
}

#[test]
fn institutional_837_maps_statement_period_and_nubc_codes() {
    let conv = to_fhir(I837.as_bytes(), &cfg()).expect("test input");
    golden("837i", &conv.json);
    assert_eq!(report(&conv), Vec::<String>::new());
    let b: Value = serde_json::from_str(&conv.json).expect("test input");
    let c = resources(&b, "Claim")[0];
    assert_eq!(c["type"]["coding"][0]["code"], "institutional");
    assert_eq!(c["billablePeriod"]["start"], "2024-03-01");
    assert_eq!(c["billablePeriod"]["end"], "2024-03-05");
    assert_eq!(c["diagnosis"][0]["onAdmission"]["coding"][0]["code"], "y");
    assert_eq!(
        c["diagnosis"][1]["type"][0]["coding"][0]["code"],
        "admitting"
    );
    assert_eq!(
        c["procedure"][0]["procedureCodeableConcept"]["coding"][0]["code"],
        "0DTJ4ZZ"
    );
    assert_eq!(c["procedure"][0]["date"], "2024-03-02");
    let info = c["supportingInfo"].as_array().expect("test input");
    let code_of = |cat: &str| {
        info.iter()
            .find(|i| i["category"]["coding"][0]["code"] == cat)
            .map(|i| i["code"]["coding"][0]["code"].clone())
    };
    assert_eq!(code_of("typeofbill"), Some(Value::from("111")));
    assert_eq!(code_of("admtype"), Some(Value::from("1")));
    assert_eq!(code_of("discharge-status"), Some(Value::from("01")));
    assert!(info
        .iter()
        .any(|i| i["code"]["coding"][0]["code"] == "80" && i["valueQuantity"]["value"] == 4));
    assert_eq!(c["item"][0]["revenue"]["coding"][0]["code"], "0450");
    // SV2 without a procedure: the revenue code is the product.
    assert_eq!(
        c["item"][1]["productOrService"]["coding"][0]["code"],
        "0360"
    );
    assert!(conv
        .json
        .contains(r#""net":{"value":2000.00,"currency":"USD"}"#));
    // 2000C: the patient is the dependent, the subscriber is someone else.
    let cov = resources(&b, "Coverage")[0];
    assert_eq!(cov["relationship"]["coding"][0]["code"], "child");
    assert_ne!(cov["subscriber"], cov["beneficiary"]);
    assert_eq!(c["patient"], cov["beneficiary"]);
}

#[test]
fn remittance_835_maps_claim_responses_and_reconciliation() {
    struct Carc;
    impl CodeDisplay for Carc {
        fn display(&self, system: &str, code: &str) -> Option<&str> {
            (system == "https://x12.org/codes/claim-adjustment-reason-codes" && code == "45")
                .then_some("Caller-supplied display")
        }
    }
    let conv = to_fhir_with(R835.as_bytes(), &cfg(), &Carc).expect("test input");
    golden("835", &conv.json);
    let mut want: Vec<String> = [1, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15]
        .iter()
        .map(|n| format!("835*1001/BPR{n:02}@199: not mapped"))
        .collect();
    want.extend(
        [
            "835*1001/2100/CLP08@492: not mapped",
            "835*1001/2100/CLP09@492: not mapped",
            "835*1001/2100/DTM@611: segment not mapped",
        ]
        .map(String::from),
    );
    assert_eq!(report(&conv), want);
    let b: Value = serde_json::from_str(&conv.json).expect("test input");
    let crs = resources(&b, "ClaimResponse");
    assert_eq!(crs.len(), 2);
    let (paid, denied) = (crs[0], crs[1]);
    assert_eq!(paid["request"]["identifier"]["value"], "PCN001");
    assert_eq!(paid["disposition"], "processed as primary");
    assert_eq!(denied["disposition"], "denied");
    assert_eq!(paid["addItem"].as_array().expect("test input").len(), 2);
    let adj = &paid["addItem"][0]["adjudication"];
    assert_eq!(adj[2]["category"]["coding"][0]["code"], "CO");
    assert_eq!(adj[2]["reason"]["coding"][0]["code"], "45");
    assert_eq!(
        adj[2]["reason"]["coding"][0]["display"],
        "Caller-supplied display"
    );
    assert_eq!(adj[4]["reason"]["coding"][0]["code"], "N130");
    assert_eq!(
        denied["adjudication"][0]["reason"]["coding"][0]["code"],
        "50"
    );
    // insurance: a Coverage typed by CLP06, member id from NM1*QC (no NM1*IL here).
    let covs = resources(&b, "Coverage");
    assert_eq!(covs.len(), 2);
    assert_eq!(
        paid["insurance"][0]["coverage"]["reference"],
        format!("urn:uuid:{}", covs[0]["id"].as_str().expect("id"))
    );
    assert_eq!(covs[0]["type"]["coding"][0]["code"], "12");
    assert_eq!(covs[0]["subscriberId"], "MEM001");
    assert_eq!(covs[0]["beneficiary"], paid["patient"]);
    assert!(conv
        .json
        .contains(r#""amount":{"value":19.75,"currency":"USD"}"#));
    assert!(conv.json.contains(r#""payment":{"type""#));
    let pr = resources(&b, "PaymentReconciliation");
    assert_eq!(pr.len(), 1);
    assert_eq!(pr[0]["paymentDate"], "2024-03-20");
    assert_eq!(pr[0]["created"], "2024-03-19");
    assert_eq!(pr[0]["paymentIdentifier"]["value"], "EFT12345");
    assert!(conv
        .json
        .contains(r#""paymentAmount":{"value":110.50,"currency":"USD"}"#));
    let details = pr[0]["detail"].as_array().expect("test input");
    assert_eq!(details.len(), 3);
    assert_eq!(
        details[0]["response"]["reference"],
        format!("urn:uuid:{}", paid["id"].as_str().expect("test input"))
    );
    assert_eq!(details[2]["type"]["coding"][0]["code"], "adjustment");
    assert_eq!(details[2]["identifier"]["type"]["coding"][0]["code"], "WO");
    assert!(conv
        .json
        .contains(r#""amount":{"value":-10,"currency":"USD"}"#));
}

#[test]
fn eligibility_271_maps_responses_per_member() {
    let conv = to_fhir(E271.as_bytes(), &cfg()).expect("test input");
    golden("271", &conv.json);
    assert_eq!(report(&conv), Vec::<String>::new());
    let b: Value = serde_json::from_str(&conv.json).expect("test input");
    let rs = resources(&b, "CoverageEligibilityResponse");
    assert_eq!(rs.len(), 2);
    let (sub, dep) = (rs[0], rs[1]);
    assert_eq!(sub["outcome"], "complete");
    assert_eq!(sub["request"]["identifier"]["value"], "TRACE001");
    assert_eq!(sub["insurance"][0]["inforce"], true);
    assert_eq!(sub["insurance"][0]["benefitPeriod"]["start"], "2024-01-01");
    let items = sub["insurance"][0]["item"].as_array().expect("test input");
    // EB*1 with three service types → three items; then C, B, A.
    assert_eq!(items.len(), 6);
    assert_eq!(items[1]["category"]["coding"][0]["code"], "1");
    assert_eq!(items[3]["term"]["coding"][0]["code"], "annual");
    assert_eq!(items[3]["network"]["coding"][0]["code"], "in");
    assert_eq!(items[4]["description"], "COPAY APPLIES TO OFFICE VISITS");
    assert_eq!(items[5]["benefit"][0]["allowedString"], "0.2");
    assert_eq!(items[5]["network"]["coding"][0]["code"], "out");
    assert!(conv
        .json
        .contains(r#""allowedMoney":{"value":500.00,"currency":"USD"}"#));
    assert_eq!(dep["outcome"], "error");
    assert_eq!(dep["insurance"][0]["inforce"], false);
    assert_eq!(dep["error"][0]["code"]["coding"][0]["code"], "72");
    let cov = resources(&b, "Coverage");
    assert_eq!(cov.len(), 2);
    assert_eq!(cov[1]["relationship"]["coding"][0]["code"], "child");
    // EB04 of the member's benefits types the Coverage.
    assert_eq!(cov[0]["type"]["coding"][0]["code"], "HM");
    assert_eq!(cov[1]["subscriber"], cov[0]["beneficiary"]);
}

#[test]
fn strict_mode_fails_on_the_first_item() {
    let strict = MapConfig {
        strict: true,
        ..cfg()
    };
    let err = to_fhir(P837.as_bytes(), &strict).expect_err("conversion should fail");
    assert_eq!(err.kind(), ErrorKind::Strict(ReportKind::NotMapped));
    assert_eq!(err.location(), "837*0001/2400/SV109@911");
    // Nothing to report: strict passes.
    assert!(to_fhir(I837.as_bytes(), &strict).is_ok());
}

#[test]
fn message_bundle_starts_with_a_message_header() {
    let cfg = MapConfig {
        bundle_type: BundleType::Message,
        ..cfg()
    };
    let conv = to_fhir(R835.as_bytes(), &cfg).expect("test input");
    let b: Value = serde_json::from_str(&conv.json).expect("test input");
    let first = &b["entry"][0]["resource"];
    assert_eq!(first["resourceType"], "MessageHeader");
    assert_eq!(first["eventCoding"]["code"], "835");
    assert_eq!(first["source"]["endpoint"], "urn:x12:isa06:SYNTHSENDER");
    assert_eq!(first["focus"].as_array().expect("test input").len(), 3);
    assert!(b["entry"][1].get("request").is_none());
}

#[test]
fn time_zone_policy_applies_to_the_bundle_timestamp() {
    let conv = to_fhir(P837.as_bytes(), &cfg()).expect("test input");
    assert!(conv
        .json
        .contains(r#""timestamp":"2024-03-15T12:00:00-05:00""#));
    let err = to_fhir(
        P837.as_bytes(),
        &MapConfig {
            tz: TzPolicy::Error,
            ..cfg()
        },
    )
    .expect_err("conversion should fail");
    assert_eq!(err.kind(), ErrorKind::MissingOffset);
    assert_eq!(err.location(), "837*0001/BHT05@199");
    let conv = to_fhir(
        P837.as_bytes(),
        &MapConfig {
            tz: TzPolicy::DateOnly,
            ..cfg()
        },
    )
    .expect("test input");
    assert!(conv.report.contains("837*0001/BHT05@199"));

    // A DT date-time (DTP*435*DT) follows the same policy.
    let no_bht_time = I837.replace("*20240316*0930*CH~", "*20240316**CH~");
    let conv = to_fhir(no_bht_time.as_bytes(), &cfg()).expect("conversion");
    assert!(conv.json.contains(
        r#""timingPeriod":{"start":"2024-03-01T08:00:00-05:00","end":"2024-03-01T08:00:00-05:00"}"#
    ));
    let strict_tz = MapConfig {
        tz: TzPolicy::Error,
        ..cfg()
    };
    let err = to_fhir(no_bht_time.as_bytes(), &strict_tz).expect_err("no offset");
    assert_eq!(err.kind(), ErrorKind::MissingOffset);
    assert!(
        err.location().starts_with("837*0002/2300/DTP03@"),
        "{}",
        err.location()
    );
    let date_only = MapConfig {
        tz: TzPolicy::DateOnly,
        ..cfg()
    };
    let conv = to_fhir(no_bht_time.as_bytes(), &date_only).expect("conversion");
    assert_eq!(conv.report.len(), 1, "{}", conv.report);
    assert_eq!(conv.report.items()[0].kind, ReportKind::PrecisionReduced);
    assert!(conv.json.contains(r#""timingDate":"2024-03-01""#));
}

#[test]
fn units_give_the_same_resources_as_the_whole_file() {
    for input in [P837, I837, R835, E271] {
        let whole = to_fhir(input.as_bytes(), &cfg()).expect("test input");
        let whole_v: Value = serde_json::from_str(&whole.json).expect("test input");
        let mut ids = std::collections::BTreeSet::new();
        let mut items = std::collections::BTreeSet::new();
        for unit in carewire_x12::UnitReader::new(input.as_bytes()) {
            let conv = convert_unit(&unit.expect("test input"), &cfg()).expect("test input");
            let v: Value = serde_json::from_str(&conv.json).expect("test input");
            for e in v["entry"].as_array().expect("test input") {
                ids.insert(
                    e["resource"]["id"]
                        .as_str()
                        .expect("test input")
                        .to_string(),
                );
            }
            items.extend(report(&conv));
        }
        let whole_ids: std::collections::BTreeSet<String> = whole_v["entry"]
            .as_array()
            .expect("test input")
            .iter()
            .map(|e| {
                e["resource"]["id"]
                    .as_str()
                    .expect("test input")
                    .to_string()
            })
            .collect();
        // Units see every resource the whole file has (a unit is one claim, one claim
        // payment or one member, so a PaymentReconciliation is per unit).
        for id in &whole_ids {
            let pr = whole_v["entry"]
                .as_array()
                .expect("test input")
                .iter()
                .any(|e| {
                    e["resource"]["id"] == id.as_str()
                        && e["resource"]["resourceType"] == "PaymentReconciliation"
                });
            assert!(pr || ids.contains(id), "unit conversions miss {id}");
        }
        // The same report items, by location (context items deduplicated).
        let whole_items: std::collections::BTreeSet<String> = report(&whole).into_iter().collect();
        assert_eq!(items, whole_items);
    }
}

#[test]
fn unsupported_and_unparseable_input_are_errors() {
    let e = to_fhir(b"not x12 at all", &cfg()).expect_err("conversion should fail");
    assert_eq!(e.kind(), ErrorKind::Parse);
    let input = carewire_x12::gen::professional_837(1, 1);
    let set_999 = String::from_utf8(input)
        .expect("test input")
        .replace("ST*837*", "ST*834*");
    let e = to_fhir(set_999.as_bytes(), &cfg()).expect_err("conversion should fail");
    assert_eq!(e.kind(), ErrorKind::UnsupportedMessage);
}

#[test]
fn other_subscriber_loops_become_secondary_coverages() {
    let cob = P837.replace(
        "LX*1~",
        "SBR*S*01*GRP200******MB~\nAMT*D*75.00~\nNM1*IL*1*DOE*JOHN****MI*MEM900~\nNM1*PR*2*SYNTH SECOND PAYER*****PI*PAYER02~\nLX*1~",
    );
    let conv = to_fhir(cob.as_bytes(), &cfg()).expect("conversion");
    let b: Value = serde_json::from_str(&conv.json).expect("json");
    let c = resources(&b, "Claim")[0];
    let insurance = c["insurance"].as_array().expect("insurance");
    assert_eq!(insurance.len(), 2);
    assert_eq!(insurance[1]["focal"], false);
    assert_eq!(insurance[1]["sequence"], 2);
    let covs = resources(&b, "Coverage");
    let second = covs
        .iter()
        .find(|cv| {
            format!("urn:uuid:{}", cv["id"].as_str().unwrap_or(""))
                == insurance[1]["coverage"]["reference"]
        })
        .expect("secondary coverage");
    assert_eq!(second["subscriberId"], "MEM900");
    assert_eq!(second["order"], 2);
    assert_eq!(second["relationship"]["coding"][0]["code"], "spouse");
    assert_eq!(second["beneficiary"], c["patient"]);
    assert!(conv
        .json
        .contains(r#""valueQuantity":{"value":75.00,"unit":"USD"}"#));
    // Nothing of the inserted loops is reported.
    assert_eq!(conv.report.len(), 2, "{}", conv.report);
}

#[test]
fn pay_to_address_is_the_billing_providers_billing_address() {
    let with_pay_to = P837.replace(
        "REF*EI*123456789~\n",
        "REF*EI*123456789~\nNM1*87*2~\nN3*PO BOX 1~\nN4*SPRINGFIELD*IL*62705~\n",
    );
    let conv = to_fhir(with_pay_to.as_bytes(), &cfg()).expect("conversion");
    assert_eq!(conv.report.len(), 2, "{}", conv.report);
    let b: Value = serde_json::from_str(&conv.json).expect("json");
    let orgs = resources(&b, "Organization");
    let billing = orgs
        .iter()
        .find(|o| o["name"] == "SYNTH FAMILY CLINIC")
        .expect("billing provider");
    assert_eq!(billing["address"][1]["use"], "billing");
    assert_eq!(billing["address"][1]["line"][0], "PO BOX 1");
    // No nameless Organization for the pay-to loop (org-1).
    assert!(orgs
        .iter()
        .all(|o| o.get("name").is_some() || o.get("identifier").is_some()));
    let c = resources(&b, "Claim")[0];
    assert_eq!(c["payee"]["party"], c["provider"]);
}

#[test]
fn convert_set_gives_one_bundle_per_transaction_set() {
    use carewire_mapping::x12::{convert_set, NoDisplay};
    // Two sets in one group: the 835 twice, with its own control numbers.
    let second = R835
        .split_inclusive('\n')
        .filter(|l| {
            !l.starts_with("ISA")
                && !l.starts_with("GS")
                && !l.starts_with("GE")
                && !l.starts_with("IEA")
        })
        .collect::<String>()
        .replace("*1001~", "*1002~")
        .replace("ST*835*1001*", "ST*835*1002*");
    let both = R835.replace("GE*1*103~", &format!("{second}GE*2*103~"));
    let doc = carewire_x12::Document::parse(both.as_bytes()).expect("parse");
    let sets: Vec<_> = doc
        .interchanges()
        .flat_map(|i| i.groups().flat_map(|g| g.transaction_sets()))
        .collect();
    assert_eq!(sets.len(), 2);
    let whole = to_fhir(both.as_bytes(), &cfg()).expect("whole");
    let mut items = 0;
    for set in &sets {
        let conv = convert_set(set, &cfg(), &NoDisplay).expect("set");
        let label = format!("835*{}/", String::from_utf8_lossy(set.control_number()));
        assert!(conv
            .report
            .items()
            .iter()
            .all(|i| i.location.starts_with(&label)));
        items += conv.report.len();
        let b: Value = serde_json::from_str(&conv.json).expect("json");
        assert_eq!(resources(&b, "ClaimResponse").len(), 2);
        assert_eq!(resources(&b, "PaymentReconciliation").len(), 1);
    }
    // In one Bundle the second set's claim payments are the first set's again (same
    // TRN02, CLP01, CLP07, CLP02): written once, and each repeat reported as a whole.
    let repeats: Vec<_> = whole
        .report
        .items()
        .iter()
        .filter(|i| i.kind == ReportKind::SegmentNotMapped && i.location.contains("/2100/CLP@"))
        .collect();
    assert_eq!(repeats.len(), 2);
    assert!(
        repeats.iter().all(|i| i.location.starts_with("835*1002/")),
        "{repeats:?}"
    );
    assert_eq!(items + 2, whole.report.len());
}
