//! FHIR CoverageEligibilityRequest → 270: built with the x12 270 builder, then parsed
//! back (envelopes, loops, the eligibility model and the validator) to check what was
//! written.

use carewire_mapping::fhir::ErrorKind;
use carewire_mapping::x12::{request_to_270, InquiryHeader};
use carewire_x12::build::Envelope;
use carewire_x12::{Document, Eligibility, SequentialControlNumbers};

/// Two requests to the same payer from the same clinic: one for the subscriber, one
/// for a dependent (the Coverage's subscriber is another Patient), as a Bundle.
const BUNDLE: &str = r#"{"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:req-1","resource":{"resourceType":"CoverageEligibilityRequest","id":"r1",
  "status":"active","identifier":[{"value":"TRACE001"}],"purpose":["benefits"],
  "created":"2024-03-21","patient":{"reference":"urn:uuid:pat-jane"},
  "insurer":{"reference":"Organization/payer"},"provider":{"reference":"Organization/clinic"},
  "insurance":[{"coverage":{"reference":"Coverage/cov-jane"}}],
  "item":[{"category":{"coding":[{"system":"https://x12.org/codes/service-type-codes","code":"30"}]}},
          {"category":{"coding":[{"system":"https://x12.org/codes/service-type-codes","code":"98"}]}}]}},
 {"fullUrl":"urn:uuid:req-2","resource":{"resourceType":"CoverageEligibilityRequest","id":"r2",
  "status":"active","identifier":[{"value":"TRACE002"}],"purpose":["benefits"],
  "created":"2024-03-21","patient":{"reference":"Patient/jimmy"},
  "insurer":{"reference":"Organization/payer"},"provider":{"reference":"Organization/clinic"},
  "insurance":[{"coverage":{"reference":"Coverage/cov-jimmy"}}]}},
 {"fullUrl":"urn:uuid:pat-jane","resource":{"resourceType":"Patient","id":"jane",
  "identifier":[{"value":"MEM001"}],"name":[{"family":"DOE","given":["JANE"]}],
  "birthDate":"1980-07-04","gender":"female"}},
 {"resource":{"resourceType":"Patient","id":"jimmy","name":[{"family":"DOE","given":["JIMMY"]}],
  "birthDate":"2015-05-05","gender":"male"}},
 {"resource":{"resourceType":"Coverage","id":"cov-jane","status":"active","subscriberId":"MEM001",
  "beneficiary":{"reference":"Patient/jane"},"payor":[{"reference":"Organization/payer"}]}},
 {"resource":{"resourceType":"Coverage","id":"cov-jimmy","status":"active","subscriberId":"MEM001",
  "subscriber":{"reference":"Patient/jane"},"beneficiary":{"reference":"Patient/jimmy"},
  "payor":[{"reference":"Organization/payer"}]}},
 {"resource":{"resourceType":"Organization","id":"payer","name":"SYNTH HEALTH PLAN",
  "identifier":[{"value":"PAYER01"}]}},
 {"resource":{"resourceType":"Organization","id":"clinic","name":"SYNTH FAMILY CLINIC",
  "identifier":[{"system":"urn:oid:2.16.840.1.113883.4.4","value":"123456789"},
                {"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567893"}]}}]}"#;

fn header() -> InquiryHeader {
    InquiryHeader {
        reference: "INQ42".into(),
        date: "20240321".into(),
        time: "1015".into(),
        originator: "9877281234".into(),
    }
}

fn build(json: &str) -> Result<Vec<u8>, carewire_mapping::fhir::Error> {
    let env = Envelope::new("SYNTHSENDER", "SYNTHRECEIVER", "240321", "1015");
    let mut numbers = SequentialControlNumbers::starting_at(7);
    request_to_270(json.as_bytes(), &header(), &env, &mut numbers)
}

#[test]
fn bundle_of_requests_round_trips_through_the_270_parser() {
    let x12 = build(BUNDLE).expect("270 built");
    let text = String::from_utf8(x12.clone()).expect("ascii");
    let doc = Document::parse(&x12).expect("the 270 parses");
    assert!(doc.findings().is_empty(), "envelope findings");
    let set = doc
        .interchanges()
        .flat_map(|i| i.groups().flat_map(|g| g.transaction_sets()))
        .next()
        .expect("one set");
    assert_eq!(set.id(), b"270");
    let tree = set.loops().expect("270 loops");
    assert!(tree.findings().is_empty(), "loop findings");
    let report = carewire_x12::validate(&doc);
    assert_eq!(report.errors().count(), 0, "validator errors");

    let model = Eligibility::from_set(&set).expect("eligibility model");
    assert_eq!(
        model.reference.map(|r| r.as_str().into_owned()).as_deref(),
        Some("INQ42")
    );
    let source = &model.sources[0];
    let payer = source.party.as_ref().expect("2100A");
    assert_eq!(
        payer.name.map(|n| n.as_str().into_owned()).as_deref(),
        Some("SYNTH HEALTH PLAN")
    );
    assert_eq!(
        payer.id.map(|n| n.as_str().into_owned()).as_deref(),
        Some("PAYER01")
    );
    let receiver = &source.receivers[0];
    let clinic = receiver.party.as_ref().expect("2100B");
    assert_eq!(
        clinic.id.map(|n| n.as_str().into_owned()).as_deref(),
        Some("1234567893")
    );
    let subs = &receiver.subscribers;
    assert_eq!(subs.len(), 2);
    // Request 1: the subscriber herself, two service types.
    let jane = subs[0].party.as_ref().expect("2100C");
    assert_eq!(
        jane.id.map(|n| n.as_str().into_owned()).as_deref(),
        Some("MEM001")
    );
    assert_eq!(subs[0].traces[0].reference, "TRACE001");
    assert_eq!(subs[0].inquiries.len(), 2);
    assert!(subs[0].dependents.is_empty());
    // Request 2: a dependent under the subscriber named by the Coverage.
    assert_eq!(subs[1].dependents.len(), 1);
    let jimmy = subs[1].dependents[0].party.as_ref().expect("2100D");
    assert_eq!(
        jimmy.first_name.map(|n| n.as_str().into_owned()).as_deref(),
        Some("JIMMY")
    );
    assert_eq!(subs[1].dependents[0].traces[0].reference, "TRACE002");
    assert_eq!(subs[1].dependents[0].inquiries.len(), 1);
    assert!(text.contains("DMG*D8*20150505*M~"));
    assert!(text.contains("EQ*98~"));
    assert!(text.contains("NM1*03*1*DOE*JIMMY~"));
}

#[test]
fn errors_name_what_is_missing() {
    let e = build("{not json").expect_err("not JSON");
    assert_eq!(e.kind(), ErrorKind::InvalidJson);
    let e = build(r#"{"resourceType":"Patient"}"#).expect_err("no request");
    assert_eq!(e.kind(), ErrorKind::MissingResource);
    assert_eq!(e.location(), "CoverageEligibilityRequest");
    let no_patient = BUNDLE.replace("\"patient\":{\"reference\":\"Patient/jimmy\"},", "");
    let e = build(&no_patient).expect_err("no patient");
    assert_eq!(e.location(), "CoverageEligibilityRequest.patient");
    let other_payer = BUNDLE.replacen(
        "\"insurer\":{\"reference\":\"Organization/payer\"},\"provider\":{\"reference\":\"Organization/clinic\"},\n  \"insurance\":[{\"coverage\":{\"reference\":\"Coverage/cov-jimmy\"}}]",
        "\"insurer\":{\"reference\":\"Organization/clinic\"},\"provider\":{\"reference\":\"Organization/clinic\"},\n  \"insurance\":[{\"coverage\":{\"reference\":\"Coverage/cov-jimmy\"}}]",
        1,
    );
    assert_ne!(other_payer, BUNDLE);
    let e = build(&other_payer).expect_err("two payers");
    assert_eq!(e.location(), "CoverageEligibilityRequest.insurer");
    let delimiter = BUNDLE.replace("\"JANE\"", "\"JA*NE\"");
    let e = build(&delimiter).expect_err("delimiter in a name");
    assert_eq!(e.kind(), ErrorKind::Unwritable);
}
