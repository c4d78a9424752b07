//! FHIR de-identification: no PHI left, references resolve, keyed and deterministic,
//! consistent with the HL7 v2 and DICOM de-identification, valid FHIR.

mod common;

use carewire_hl7::Message;
use carewire_mapping::deid::fhir::{deidentify, deidentify_json};
use carewire_mapping::deid::{Applied, DeidError, DeidKey, Deidentifier, Policy};
use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};
use proptest::prelude::*;
use serde_json::{json, Value};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn deid(key: &[u8]) -> Deidentifier {
    Deidentifier::new(
        DeidKey::new(key).unwrap_or_else(|_| unreachable!()),
        Policy::safe_harbor(),
    )
}

const KEY: &[u8] = b"a test key of more than 16 bytes";

fn bundle(msg: &str, ty: BundleType) -> R<String> {
    let cfg = MapConfig {
        bundle_type: ty,
        ..MapConfig::with_tz(TzPolicy::AssumeOffset(60))
    };
    Ok(carewire_mapping::v2::to_fhir(msg.as_bytes(), &cfg)?.json)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 7 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Every PHI string of the input: names, identifier values, telecom, address parts below
/// the state, dates with a month, narrative and free text, resource ids.
fn phi(v: &Value, key: &str, under: &[&str], out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let mut u = under.to_vec();
                u.push(k);
                phi(x, k, &u, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| phi(x, key, under, out)),
        Value::String(s) => {
            let in_any = |names: &[&str]| under.iter().any(|p| names.contains(p));
            let sensitive = (in_any(&["name", "telecom", "note"])
                && !matches!(key, "use" | "system" | "name"))
                || (in_any(&["address"])
                    && matches!(key, "line" | "city" | "postalCode" | "district"))
                || (in_any(&["identifier"]) && key == "value")
                || matches!(
                    key,
                    "id" | "fullUrl"
                        | "reference"
                        | "valueString"
                        | "comment"
                        | "subscriberId"
                        | "uid"
                        | "div"
                        | "description"
                )
                || is_date(s);
            // Coded text and codes are not PHI; narrative status neither.
            let coded =
                in_any(&["coding", "code", "type", "relationship", "class"]) || key == "status";
            if sensitive && !coded && s.len() >= 3 {
                out.push(s.clone());
            }
        }
        _ => {}
    }
}

fn all_phi(input: &str) -> R<Vec<String>> {
    let v: Value = serde_json::from_str(input)?;
    let mut out = Vec::new();
    phi(&v, "", &[], &mut out);
    out.sort();
    out.dedup();
    Ok(out)
}

fn assert_no_phi(input: &str, output: &str) -> R {
    let list = all_phi(input)?;
    assert!(list.len() > 10, "{list:?}");
    for s in &list {
        // A date is checked by its date part (a shifted date keeps the time).
        let probe = if is_date(s) {
            &s[..s.len().min(10)]
        } else {
            s.as_str()
        };
        assert!(
            !output.contains(probe),
            "{probe:?} survived de-identification"
        );
    }
    Ok(())
}

fn references_resolve(out: &Value) {
    let urls: Vec<&str> = out["entry"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["fullUrl"].as_str()).collect())
        .unwrap_or_default();
    let mut n = 0;
    for r in common::references(out) {
        if r.starts_with("urn:uuid:") {
            assert!(
                urls.contains(&r),
                "dangling reference after de-identification"
            );
            n += 1;
        }
    }
    assert!(n > 5);
    for e in out["entry"].as_array().into_iter().flatten() {
        let id = e["resource"]["id"].as_str().unwrap_or("-");
        assert_eq!(
            e["fullUrl"].as_str(),
            Some(format!("urn:uuid:{id}").as_str())
        );
        if let Some(u) = e["request"]["url"].as_str() {
            assert!(u.ends_with(id));
        }
    }
}

#[test]
fn adt_and_oru_bundles_lose_all_phi_and_keep_references() -> R {
    for (msg, ty) in [
        (common::A01, BundleType::Message),
        (common::A01, BundleType::Transaction),
        (common::ORU, BundleType::Batch),
    ] {
        let input = bundle(msg, ty)?;
        let (out, report) = deidentify_json(&deid(KEY), input.as_bytes())?;
        assert_no_phi(&input, &out)?;
        references_resolve(&serde_json::from_str(&out)?);
        assert_eq!(report.patients(), 1);
        for a in [
            Applied::Removed,
            Applied::Hashed,
            Applied::DateShifted,
            Applied::Remapped,
        ] {
            assert!(report.count(a) > 0, "{a:?}");
        }
        // The report holds paths, never values.
        for c in report.changes() {
            assert!(c.path.starts_with("Bundle"), "{}", c.path);
            assert!(!c.path.contains("Doe") && !c.path.contains("123456"));
        }
    }
    Ok(())
}

#[test]
fn same_key_same_output_other_key_differs() -> R {
    let input = bundle(common::A01, BundleType::Message)?;
    let a = deidentify_json(&deid(KEY), input.as_bytes())?.0;
    let b = deidentify_json(&deid(KEY), input.as_bytes())?.0;
    let c = deidentify_json(&deid(b"another key, also 16+ bytes"), input.as_bytes())?.0;
    assert_eq!(a, b);
    assert_ne!(a, c);
    let (va, vc): (Value, Value) = (serde_json::from_str(&a)?, serde_json::from_str(&c)?);
    assert_ne!(va["entry"][1]["fullUrl"], vc["entry"][1]["fullUrl"]);
    Ok(())
}

#[test]
fn consistent_with_hl7_v2_deidentification() -> R {
    let d = deid(KEY);
    let v2 = d
        .deidentify(&Message::parse(common::A01.as_bytes())?)?
        .to_bytes();
    let v2 = Message::parse(&v2)?;
    let mrn = v2.get_str("PID-3.1")?.unwrap_or_default().into_owned();
    let birth = v2.get_str("PID-7")?.unwrap_or_default().into_owned();
    let input = bundle(common::A01, BundleType::Message)?;
    let (out, _) = deidentify_json(&d, input.as_bytes())?;
    let out: Value = serde_json::from_str(&out)?;
    let patient = out["entry"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["resource"]["resourceType"] == "Patient")
        })
        .map(|e| e["resource"].clone())
        .ok_or("no patient")?;
    let values: Vec<&str> = patient["identifier"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["value"].as_str()).collect())
        .unwrap_or_default();
    assert!(values.contains(&mrn.as_str()), "{values:?} vs {mrn}");
    assert_eq!(birth.len(), 8);
    let fhir_birth = format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..8]);
    assert_eq!(patient["birthDate"], fhir_birth.as_str());
    // The SSN identifier is removed, as PID-19 / SS in v2.
    assert!(!values.iter().any(|v| v.is_empty()));
    assert!(patient.to_string().find("us-ssn").is_none());
    Ok(())
}

#[test]
fn old_patients_get_a_birth_year_and_dicom_uids_match_dicom_deid() -> R {
    let d = deid(KEY);
    let mut v = json!({"resourceType":"Bundle","type":"collection","timestamp":"2024-03-01T10:00:00Z","entry":[
        {"fullUrl":"urn:uuid:11111111-1111-8111-8111-111111111111","resource":{"resourceType":"Patient","id":"11111111-1111-8111-8111-111111111111",
          "birthDate":"1920-05-06","photo":[{"contentType":"image/png","data":"AAAA"}],
          "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Jane Doe</div>"}}},
        {"fullUrl":"urn:uuid:22222222-2222-8222-8222-222222222222","resource":{"resourceType":"ImagingStudy","id":"22222222-2222-8222-8222-222222222222",
          "status":"available","subject":{"reference":"urn:uuid:11111111-1111-8111-8111-111111111111","display":"Jane Doe"},
          "identifier":[{"system":"urn:dicom:uid","value":"urn:oid:1.2.3.4"}],
          "series":[{"uid":"1.2.3.4.5","modality":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"CT"},
             "instance":[{"uid":"1.2.3.4.5.6","sopClass":{"system":"urn:ietf:rfc:3986","code":"urn:oid:1.2.840.10008.5.1.4.1.1.2"}}]}]}}]});
    let report = deidentify(&d, &mut v)?;
    assert_eq!(v["entry"][0]["resource"]["birthDate"], "1934");
    assert!(v["entry"][0]["resource"].get("photo").is_none());
    assert!(v["entry"][0]["resource"].get("text").is_none());
    assert!(!v.to_string().contains("Jane"));
    assert_eq!(report.count(Applied::AgeAggregated), 1);
    let dicom = carewire_dicom_lite::deid::Deidentifier::new(
        KEY,
        carewire_dicom_lite::deid::DeidOptions::new(),
    );
    let st = &v["entry"][1]["resource"];
    assert_eq!(
        st["identifier"][0]["value"],
        format!("urn:oid:{}", dicom.remap_uid("1.2.3.4"))
    );
    assert_eq!(st["series"][0]["uid"], dicom.remap_uid("1.2.3.4.5"));
    assert_eq!(
        st["series"][0]["instance"][0]["uid"],
        dicom.remap_uid("1.2.3.4.5.6")
    );
    assert_eq!(
        st["series"][0]["instance"][0]["sopClass"]["code"],
        "urn:oid:1.2.840.10008.5.1.4.1.1.2"
    );
    assert_eq!(st["subject"]["reference"], v["entry"][0]["fullUrl"]);
    Ok(())
}

#[test]
fn not_fhir_is_an_error() {
    let d = deid(KEY);
    for bad in [&b"[]"[..], b"{}", b"{\"resourceType\":1}", b"MSH|", b""] {
        assert_eq!(deidentify_json(&d, bad).err(), Some(DeidError::NotFhir));
    }
}

#[test]
fn outputs_validate_with_fhir_resources() -> R {
    let d = deid(KEY);
    let mut bundles = Vec::new();
    for (name, msg, ty) in [
        ("a01-message", common::A01, BundleType::Message),
        ("a01-transaction", common::A01, BundleType::Transaction),
        ("oru-batch", common::ORU, BundleType::Batch),
        ("oru-message", common::ORU, BundleType::Message),
    ] {
        let input = bundle(msg, ty)?;
        bundles.push((name.to_string(), deidentify_json(&d, input.as_bytes())?.0));
    }
    let dicom = dicom_bundle()?;
    let (out, _) = deidentify_json(&d, dicom.as_bytes())?;
    assert_no_phi(&dicom, &out)?;
    bundles.push(("dicom".to_string(), out));
    common::fhir_check::check(bundles);
    Ok(())
}

/// A DICOM header with patient, study, series, instance and referrer, as FHIR.
fn dicom_bundle() -> R<String> {
    use carewire_dicom_lite::{Encoder, Tag, TransferSyntax, Vr};
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::new(0x0008, 0x0005), Vr::Cs, b"ISO_IR 192")?;
    enc.element(
        Tag::new(0x0008, 0x0016),
        Vr::Ui,
        b"1.2.840.10008.5.1.4.1.1.2",
    )?;
    enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, b"1.2.826.0.1.77.1.1.1")?;
    enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240131")?;
    enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC5521")?;
    enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"MR")?;
    enc.element(Tag::new(0x0008, 0x0090), Vr::Pn, b"Referrer^Rob")?;
    enc.element(Tag::new(0x0008, 0x1030), Vr::Lo, b"Brain for Jane Zebulon")?;
    enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, "=山田^太郎".as_bytes())?;
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN5521")?;
    enc.element(Tag::new(0x0010, 0x0021), Vr::Lo, b"HOSP")?;
    enc.element(Tag::new(0x0010, 0x0030), Vr::Da, b"19710304")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.826.0.1.77.1")?;
    enc.element(Tag::new(0x0020, 0x000E), Vr::Ui, b"1.2.826.0.1.77.1.1")?;
    let cfg = MapConfig::with_tz(TzPolicy::Error);
    let json = carewire_mapping::dicom::to_fhir(&enc.finish()?, &cfg)?.json;
    assert!(
        json.contains("山田"),
        "ideographic name kept when there is no alphabetic one"
    );
    Ok(json)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any family name, MRN, phone and street written into a Patient is gone afterwards,
    /// and any JSON input is handled without a panic.
    #[test]
    fn random_phi_never_survives(family in "[A-Za-z]{4,12}", mrn in "[A-Z0-9]{5,10}",
                                 phone in "[0-9]{7,10}", street in "[A-Za-z ]{5,20}",
                                 day in 1u32..=28, month in 1u32..=12, year in 1935i32..2020) {
        let birth = format!("{year:04}-{month:02}-{day:02}");
        let p = json!({"resourceType":"Patient","id":"x1",
            "identifier":[{"value": mrn}], "name":[{"family": family}],
            "telecom":[{"system":"phone","value": phone}],
            "address":[{"line":[street], "state":"MA"}], "birthDate": birth});
        let text = p.to_string();
        let (out, _) = deidentify_json(&deid(KEY), text.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for s in [&family, &mrn, &phone, &birth] {
            prop_assert!(!out.contains(s.as_str()));
        }
        prop_assert!(!out.contains(street.trim()) || street.trim().len() < 3);
    }

    #[test]
    fn arbitrary_json_never_panics(s in "\\PC{0,200}") {
        let _ = deidentify_json(&deid(KEY), s.as_bytes());
        let wrapped = format!("{{\"resourceType\":\"Bundle\",\"entry\":[{{\"resource\":{{\"resourceType\":\"Patient\",\"birthDate\":{:?},\"name\":{:?}}}}}]}}", s, s);
        let _ = deidentify_json(&deid(KEY), wrapped.as_bytes());
    }
}

#[test]
fn contained_and_display_only_references() -> R {
    let d = deid(KEY);
    let mut v = json!({"resourceType":"Observation","id":"o1","status":"final",
        "code":{"coding":[{"system":"http://loinc.org","code":"8310-5","display":"Body temperature"}]},
        "contained":[{"resourceType":"Practitioner","id":"pr1"}],
        "performer":[{"reference":"#pr1","display":"Dr Quincy Zebulon"},{"display":"Nurse Ratched"}],
        "subject":{"identifier":{"value":"MRN4471","assigner":{"display":"HOSP"}},"display":"Jane Zebulon"}});
    deidentify(&d, &mut v)?;
    let t = v.to_string();
    for phi in ["Zebulon", "Ratched", "MRN4471", "pr1"] {
        assert!(!t.contains(phi), "{phi} in {t}");
    }
    let id = v["contained"][0]["id"].as_str().ok_or("no contained id")?;
    assert_eq!(v["performer"][0]["reference"], format!("#{id}"));
    assert_eq!(v["subject"]["identifier"]["assigner"]["display"], "HOSP");
    assert_eq!(v["code"]["coding"][0]["display"], "Body temperature");
    assert_eq!(v["performer"].as_array().map(Vec::len), Some(1));
    Ok(())
}
