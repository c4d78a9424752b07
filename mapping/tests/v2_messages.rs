//! HL7 v2 VXU^V04, MDM^T02, SIU^S12 and DFT^P03 → FHIR R4: golden-style assertions on
//! synthetic messages, with the exact report.

mod common;
use common::{by_url, resources, DFT, MDM, OBS_EXTRA, OBS_TYPES, SIU, VXU};

use carewire_mapping::fhir::{ErrorKind, MapConfig, ReportKind, TzPolicy};
use carewire_mapping::v2::to_fhir;
use serde_json::{json, Value};

fn convert(text: &str) -> (Value, Vec<String>) {
    let out = to_fhir(text.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    let b: Value = serde_json::from_str(&out.json).expect("json");
    common::assert_references_resolve(&b);
    let items = out.report.items().iter().map(|i| i.to_string()).collect();
    (b, items)
}

fn one<'a>(b: &'a Value, ty: &str) -> &'a Value {
    let r = resources(b, ty);
    assert_eq!(r.len(), 1, "{ty}");
    r[0]
}

fn reference<'a>(b: &'a Value, v: &Value) -> &'a Value {
    by_url(b, v["reference"].as_str().expect("reference"))
}

#[test]
fn vxu_immunizations() {
    let (b, items) = convert(VXU);
    assert_eq!(b["entry"][0]["resource"]["eventCoding"]["code"], "V04");
    let imms = resources(&b, "Immunization");
    assert_eq!(imms.len(), 2);
    let (a, r) = (imms[0], imms[1]);
    assert_eq!(a["status"], "completed");
    assert_eq!(
        a["vaccineCode"]["coding"][0],
        json!({"system": "http://hl7.org/fhir/sid/cvx", "code": "140", "display": "Influenza, seasonal, injectable"})
    );
    assert_eq!(a["occurrenceDateTime"], "2024-03-14");
    assert_eq!(a["recorded"], "2024-03-15T08:00:00+01:00");
    assert_eq!(a["primarySource"], true);
    assert_eq!(a["lotNumber"], "Z0860BB");
    assert_eq!(a["expirationDate"], "2024-11-04");
    assert_eq!(
        a["doseQuantity"],
        json!({"value": 0.5, "unit": "MilliLiter", "system": "http://unitsofmeasure.org", "code": "mL"})
    );
    assert_eq!(a["identifier"][0]["value"], "IZ-1");
    assert_eq!(a["identifier"][1]["value"], "IZ-783274");
    assert_eq!(a["identifier"][1]["type"]["coding"][0]["code"], "FILL");
    let m = reference(&b, &a["manufacturer"]);
    assert_eq!(m["resourceType"], "Organization");
    assert_eq!(m["name"], "CSL Behring");
    assert_eq!(
        m["identifier"][0],
        json!({"system": "http://terminology.hl7.org/CodeSystem/MVX", "value": "CSL"})
    );
    let perf = a["performer"].as_array().expect("performer");
    assert_eq!(perf.len(), 2);
    assert_eq!(perf[0]["function"]["coding"][0]["code"], "OP");
    assert_eq!(
        reference(&b, &perf[0]["actor"])["name"][0]["family"],
        "Radon"
    );
    assert_eq!(perf[1]["function"]["coding"][0]["code"], "AP");
    assert_eq!(
        reference(&b, &perf[1]["actor"])["name"][0]["family"],
        "Lemon"
    );
    assert_eq!(
        a["route"]["coding"][0]["system"],
        "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
    );
    assert_eq!(a["site"]["coding"][0]["code"], "LD");
    assert_eq!(reference(&b, &a["location"])["resourceType"], "Location");
    assert_eq!(a["reasonCode"][0]["coding"][0]["code"], "REASON");
    // RXA-20 RE → not-done with the refusal reason; dose 999 (unknown) is not written.
    assert_eq!(r["status"], "not-done");
    assert_eq!(r["statusReason"]["coding"][0]["code"], "00");
    assert!(r.get("doseQuantity").is_none());
    assert_eq!(r["occurrenceDateTime"], "2023-01-01");
    // OBX → Observation.
    let obs = one(&b, "Observation");
    assert_eq!(obs["code"]["coding"][0]["code"], "64994-7");
    assert_eq!(obs["valueCodeableConcept"]["coding"][0]["code"], "V02");
    assert_eq!(items, ["RXA[2]-18.3: unknown code in table 0396"]);
}

#[test]
fn vxu_codes_and_deleted_records() {
    let msg = "MSH|^~\\&|IZ|HOSP|EHR|HOSP|20240315083000+0100||VXU^V04|V2|P|2.5.1\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
RXA|0|1|20240314|20240315|140^Flu^CVX|abc||||||||||||||ZZ|D\r\
RXA|0|1|20240314||140^Flu^CVX|||||||||||||||CP|Q\r\
RXR|IM^Intramuscular^HL70162\r";
    let (b, items) = convert(msg);
    let imms = resources(&b, "Immunization");
    assert_eq!(imms[0]["status"], "entered-in-error");
    assert_eq!(imms[1]["status"], "completed");
    assert_eq!(
        imms[1]["route"]["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v2-0162"
    );
    assert_eq!(
        items,
        [
            "RXA[1]-4: not mapped",
            "RXA[1]-6: invalid value",
            "RXA[2]-21: unknown code in table 0206",
        ]
    );
}

#[test]
fn mdm_document_reference() {
    let (b, items) = convert(MDM);
    assert_eq!(b["entry"][0]["resource"]["eventCoding"]["code"], "T02");
    let d = one(&b, "DocumentReference");
    assert_eq!(d["status"], "current");
    assert_eq!(d["docStatus"], "final");
    assert_eq!(
        d["masterIdentifier"],
        json!({"system": "urn:oid:1.2.3.9", "value": "DOC-1"})
    );
    assert_eq!(d["identifier"][0]["value"], "ds-2024-1.txt");
    assert_eq!(d["type"]["coding"][0]["code"], "DS");
    assert_eq!(d["date"], "2024-03-15T08:00:00+01:00");
    assert_eq!(d["context"]["period"]["start"], "2024-03-15T07:00:00+01:00");
    assert_eq!(
        reference(&b, &d["context"]["encounter"][0])["resourceType"],
        "Encounter"
    );
    assert_eq!(
        reference(&b, &d["author"][0])["name"][0]["family"],
        "Author"
    );
    assert_eq!(
        reference(&b, &d["authenticator"])["name"][0]["family"],
        "Signer"
    );
    assert_eq!(d["securityLabel"][0]["coding"][0]["code"], "R");
    let content = d["content"].as_array().expect("content");
    assert_eq!(content.len(), 3);
    // TX (two repetitions) → base64 of the lines joined by a newline.
    assert_eq!(content[0]["attachment"]["contentType"], "text/plain");
    assert_eq!(
        content[0]["attachment"]["data"],
        "UGF0aWVudCBkaXNjaGFyZ2VkIGluIGdvb2QgY29uZGl0aW9uLgpGb2xsb3cgdXAgaW4gMiB3ZWVrcy4="
    );
    assert_eq!(content[0]["attachment"]["title"], "Discharge summary");
    // ED Base64 → data as sent, content type from ED.2/ED.3.
    assert_eq!(
        content[1]["attachment"],
        json!({"contentType": "application/pdf", "data": "JVBERi0xLjQK", "title": "Report"})
    );
    // NTE → a text content entry ("Dictated").
    assert_eq!(
        content[2]["attachment"],
        json!({"contentType": "text/plain", "data": "RGljdGF0ZWQ=", "title": "note"})
    );
    // The common order (ORC + OBR) → ServiceRequest in context.related.
    let sr = reference(&b, &d["context"]["related"][0]);
    assert_eq!(sr["resourceType"], "ServiceRequest");
    assert_eq!(sr["status"], "completed");
    assert_eq!(sr["identifier"][0]["value"], "ORD-1");
    assert_eq!(sr["code"]["coding"][0]["code"], "11490-0");
    // EVN → Provenance targeting the order and the document.
    let p = one(&b, "Provenance");
    assert_eq!(p["target"][1]["reference"], content_owner_url(d));
    assert!(items.is_empty(), "{items:?}");
}

fn content_owner_url(d: &Value) -> String {
    format!("urn:uuid:{}", d["id"].as_str().expect("id"))
}

#[test]
fn mdm_ed_encodings_and_bad_values() {
    let msg = "MSH|^~\\&|DOC|HOSP|EHR|HOSP|20240315083000+0100||MDM^T02|M2|P|2.5.1\r\
EVN|T02|20240315083000+0100\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
TXA|1|CN|AP||||||||||||||ZZ||OB\r\
OBX|1|ED|X^Y||^TEXT^HTML^Hex^3c623e\r\
OBX|2|ED|X^Y||^AP^PDF^Base64^***\r\
OBX|3|ED|X^Y||^AP^PDF^Q^abc\r\
OBX|4|NM|X^Y||5\r";
    let (b, items) = convert(msg);
    let d = one(&b, "DocumentReference");
    assert_eq!(d["status"], "superseded");
    assert!(d.get("docStatus").is_none());
    let content = d["content"].as_array().expect("content");
    assert_eq!(content.len(), 1);
    // Hex "<b>" → base64 "PGI+".
    assert_eq!(
        content[0]["attachment"],
        json!({"contentType": "text/html", "data": "PGI+", "title": "Y"})
    );
    assert_eq!(
        items,
        [
            "TXA-3: unknown code in table 0191",
            "OBX[2]-5.5: invalid value",
            "OBX[3]-5.4: invalid value",
            "OBX[4]-2: unknown code in table 0125",
            "OBX[4]-5: not mapped",
            "TXA-17: unknown code in table 0271",
        ]
    );
    // Without TXA there is no document to build.
    let no_txa = "MSH|^~\\&|DOC|HOSP|EHR|HOSP|20240315083000+0100||MDM^T02|M3|P|2.5.1\r\
PID|1||1^^^HOSP^MR||Doe^J\r";
    let e = to_fhir(no_txa.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect_err("no TXA");
    assert_eq!(e.kind(), ErrorKind::MissingSegment);
    assert_eq!(e.location(), "TXA");
}

#[test]
fn siu_appointment() {
    let (b, items) = convert(SIU);
    assert_eq!(b["entry"][0]["resource"]["eventCoding"]["code"], "S12");
    let a = one(&b, "Appointment");
    assert_eq!(a["status"], "booked");
    assert_eq!(a["identifier"][0]["value"], "APT-1");
    assert_eq!(a["identifier"][1]["value"], "F-APT-1");
    assert_eq!(a["start"], "2024-03-20T09:00:00+01:00");
    assert_eq!(a["end"], "2024-03-20T09:30:00+01:00");
    assert_eq!(a["minutesDuration"], 30);
    assert_eq!(a["comment"], "Bring previous results");
    assert_eq!(a["reasonCode"][0]["coding"][0]["code"], "CHECKUP");
    assert_eq!(a["appointmentType"]["coding"][0]["code"], "NORMAL");
    assert_eq!(a["serviceType"][0]["coding"][0]["code"], "99213");
    let parts = a["participant"].as_array().expect("participants");
    assert_eq!(parts.len(), 5);
    assert_eq!(reference(&b, &parts[0]["actor"])["resourceType"], "Patient");
    assert_eq!(
        parts[1]["actor"],
        json!({"identifier": {"value": "ROOM-7"}, "display": "Exam room 7"})
    );
    assert_eq!(parts[1]["type"][0]["coding"][0]["code"], "ROOM");
    assert_eq!(
        reference(&b, &parts[2]["actor"])["resourceType"],
        "Location"
    );
    assert_eq!(parts[2]["status"], "accepted");
    let doc = reference(&b, &parts[3]["actor"]);
    assert_eq!(doc["name"][0]["family"], "Doctor");
    assert_eq!(parts[3]["status"], "tentative");
    assert_eq!(parts[3]["type"][0]["coding"][0]["code"], "ATND");
    assert_eq!(parts[3]["period"]["start"], "2024-03-20T09:00:00+01:00");
    assert_eq!(
        reference(&b, &parts[4]["actor"])["name"][0]["family"],
        "Clerk"
    );
    assert_eq!(one(&b, "Encounter")["status"], "unknown");
    assert!(items.is_empty(), "{items:?}");
}

#[test]
fn siu_status_codes() {
    let msg = "MSH|^~\\&|SCHED|HOSP|EHR|HOSP|20240315083000+0100||SIU^S12|S2|P|2.5.1\r\
SCH|A2^EHR||||||||5|hr|^^^20240320090000+0100||||||||||||||Cancelled\r\
PID|1||1^^^HOSP^MR||Doe^J\r\
RGS|1\r\
AIP|1||9^Doc^D|||||||||Maybe\r\
SCH|A3\r";
    let (b, items) = convert(msg);
    let a = one(&b, "Appointment");
    assert_eq!(a["status"], "cancelled");
    assert_eq!(a["minutesDuration"], 300);
    assert_eq!(a["participant"][1]["status"], "needs-action");
    assert_eq!(
        items,
        [
            "AIP-12: unknown code in table 0278",
            "SCH[2]: segment not mapped"
        ],
        "{items:?}"
    );
}

#[test]
fn dft_charge_items() {
    let (b, items) = convert(DFT);
    assert_eq!(b["entry"][0]["resource"]["eventCoding"]["code"], "P03");
    let charges = resources(&b, "ChargeItem");
    assert_eq!(charges.len(), 2);
    let (c, credit) = (charges[0], charges[1]);
    assert_eq!(c["status"], "billable");
    assert_eq!(c["identifier"][0]["value"], "TXN-1");
    assert_eq!(
        c["code"]["coding"][0],
        json!({"system": "http://www.ama-assn.org/go/cpt", "code": "71045", "display": "Xray exam chest 1 view"})
    );
    assert_eq!(c["occurrenceDateTime"], "2024-03-15");
    assert_eq!(c["enteredDate"], "2024-03-15T09:00:00+01:00");
    assert_eq!(c["quantity"]["value"], 2);
    assert_eq!(
        c["priceOverride"],
        json!({"value": 100.50, "currency": "USD"})
    );
    assert_eq!(c["reason"][0]["coding"][0]["code"], "R07.9");
    assert_eq!(
        reference(&b, &c["performer"][0]["actor"])["name"][0]["family"],
        "Smith"
    );
    assert_eq!(reference(&b, &c["context"])["resourceType"], "Encounter");
    let acct = reference(&b, &c["account"][0]);
    assert_eq!(acct["resourceType"], "Account");
    assert_eq!(acct["identifier"][0]["value"], "ACCT-9");
    assert_eq!(acct["identifier"][0]["type"]["coding"][0]["code"], "AN");
    // A credit is not a charge: status unknown and FT1-6 reported.
    assert_eq!(credit["status"], "unknown");
    assert_eq!(
        credit["occurrencePeriod"],
        json!({"start": "2024-03-15", "end": "2024-03-16"})
    );
    // PR1, DG1, IN1 as in ADT; EVN → Provenance.
    assert_eq!(one(&b, "Procedure")["code"]["coding"][0]["code"], "71045");
    assert_eq!(one(&b, "Condition")["code"]["coding"][0]["code"], "R07.9");
    assert_eq!(one(&b, "Coverage")["status"], "active");
    assert_eq!(
        one(&b, "Provenance")["target"].as_array().map(Vec::len),
        Some(2)
    );
    let cond = one(&b, "Condition");
    // DG1-6 diagnosis type → a second category (v2-0052).
    assert_eq!(cond["category"][1]["coding"][0]["code"], "A");
    assert_eq!(
        cond["category"][1]["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v2-0052"
    );
    assert_eq!(items, ["FT1[2]-6: not mapped"]);
}

#[test]
fn new_messages_strict_mode() {
    let strict = MapConfig {
        strict: true,
        ..MapConfig::with_tz(TzPolicy::Error)
    };
    // SIU's and MDM's reports are empty: strict mode converts them; the others report
    // something.
    assert!(to_fhir(SIU.as_bytes(), &strict).is_ok());
    assert!(to_fhir(MDM.as_bytes(), &strict).is_ok());
    for (m, loc, kind) in [
        (VXU, "RXA[2]-18.3", ReportKind::UnknownCode("0396")),
        (DFT, "FT1[2]-6", ReportKind::NotMapped),
    ] {
        let e = to_fhir(m.as_bytes(), &strict).expect_err("strict");
        assert_eq!(e.kind(), ErrorKind::Strict(kind));
        assert_eq!(e.location(), loc);
    }
    // Other triggers of these message types stay unsupported.
    let s13 = SIU.replace("SIU^S12^SIU_S12", "SIU^S13^SIU_S13");
    let e = to_fhir(s13.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect_err("S13");
    assert_eq!(e.kind(), ErrorKind::UnsupportedMessage);
}

#[test]
fn race_ethnicity_and_observation_fields() {
    let (b, items) = convert(OBS_EXTRA);
    let p = one(&b, "Patient");
    let ext = p["extension"].as_array().expect("extensions");
    let race = ext
        .iter()
        .find(|e| e["url"] == "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race")
        .expect("race");
    assert_eq!(
        race["extension"],
        json!([
            {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2106-3", "display": "White"}},
            {"url": "detailed", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2029-7", "display": "Asian Indian"}},
            {"url": "text", "valueString": "White, Asian Indian, Local white"}
        ])
    );
    let eth = ext
        .iter()
        .find(|e| e["url"] == "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity")
        .expect("ethnicity");
    assert_eq!(eth["extension"][0]["valueCoding"]["code"], "2135-2");
    assert_eq!(eth["extension"][1]["valueString"], "Hispanic or Latino");
    let obs = resources(&b, "Observation");
    // NR → valueRange with the unit on both ends.
    assert_eq!(
        obs[0]["valueRange"],
        json!({
            "low": {"value": 3.5, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"},
            "high": {"value": 7, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}
        })
    );
    // OBX-19 → analysis date/time extension.
    assert_eq!(
        obs[0]["extension"][0],
        json!({"url": "http://hl7.org/fhir/StructureDefinition/observation-analysis-date-time",
               "valueDateTime": "2024-03-15T07:50:00+01:00"})
    );
    // OBX-23 (+ OBX-24 address) and OBX-15 producer (CLIA) name one Organization each.
    let perf: Vec<&Value> = obs[0]["performer"]
        .as_array()
        .expect("performer")
        .iter()
        .map(|r| reference(&b, r))
        .collect();
    assert_eq!(perf.len(), 2);
    assert_eq!(perf[0]["name"], "Main Lab");
    assert_eq!(perf[0]["address"][0]["postalCode"], "12345");
    assert_eq!(
        perf[1]["identifier"][0],
        json!({"system": "urn:oid:2.16.840.1.113883.4.7", "value": "05D0642827"})
    );
    // Binary ED → the R5 value[x] Attachment extension (no dataAbsentReason).
    assert_eq!(
        obs[1]["extension"][0],
        json!({"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value",
               "valueAttachment": {"contentType": "image/png", "data": "iVBORw0KGgo="}})
    );
    assert!(obs[1].get("dataAbsentReason").is_none());
    assert_eq!(obs[2]["dataAbsentReason"]["coding"][0]["code"], "error");
    assert_eq!(
        items,
        [
            "PID-10[3]: unknown code in table 0005",
            "OBX[3]-5: invalid value",
        ]
    );
}

#[test]
fn other_observation_value_types() {
    let (b, items) = convert(OBS_TYPES);
    let obs = resources(&b, "Observation");
    assert_eq!(obs.len(), 7);
    assert_eq!(obs[0]["valueTime"], "08:30:00");
    assert_eq!(obs[1]["valueTime"], "08:30:15.5");
    assert_eq!(
        obs[2]["valuePeriod"],
        json!({"start": "2024-01-01", "end": "2024-01-31"})
    );
    assert_eq!(
        obs[3]["valueCodeableConcept"],
        json!({"coding": [{"code": "Y"}]})
    );
    assert_eq!(obs[4]["valueString"], "123 HOSP MR");
    assert_eq!(obs[5]["dataAbsentReason"]["coding"][0]["code"], "error");
    assert_eq!(obs[6]["dataAbsentReason"]["coding"][0]["code"], "error");
    assert_eq!(
        items,
        [
            "OBX[2]-5: precision reduced",
            "OBX[6]-5: not mapped",
            "OBX[7]-5: invalid value",
        ]
    );
}
