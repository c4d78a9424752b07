//! One order, one ServiceRequest id: ORM_O01, OML_O21, ORU_R01, MDM_T02 and a DICOM
//! file's ImagingStudy.basedOn key the same order the same way (filler order number with
//! its assigning authority, else placer), with and without universal ids in the EI.

mod common;

use carewire_dicom_lite::{Encoder, Tag, TransferSyntax, Vr};
use carewire_mapping::fhir::{MapConfig, TzPolicy};
use serde_json::Value;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn cfg() -> MapConfig {
    MapConfig::with_tz(TzPolicy::Error)
}

/// The ids of the ServiceRequests in a v2 Bundle, and the Bundle text.
fn v2_ids(msg: &str) -> R<(Vec<String>, String)> {
    let out = carewire_mapping::v2::to_fhir(msg.as_bytes(), &cfg())?;
    let b: Value = serde_json::from_str(&out.json)?;
    let ids = common::resources(&b, "ServiceRequest")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    Ok((ids, out.json))
}

/// An HL7 v2 EI: `value^namespace[^uid^ISO]`.
fn ei(value: &str, ns: &str, uid: Option<&str>) -> String {
    match uid {
        Some(u) => format!("{value}^{ns}^{u}^ISO"),
        None => format!("{value}^{ns}"),
    }
}

const HEAD: &str = "|P|2.5.1\rPID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\r";

fn orm(placer: &str, filler: &str) -> String {
    format!(
        "MSH|^~\\&|EHR|HOSP|RAD|HOSP|20240315083000+0100||ORM^O01|O1{HEAD}\
ORC|NW|{placer}|{filler}||SC||||20240315080000+0100|||5555^Orderer^Olga^^^^^^HOSP\r\
OBR|1|{placer}|{filler}|36643-5^XR Chest 2 views^LN||||||||||||5555^Orderer^Olga^^^^^^HOSP||ACC7\r"
    )
}

fn oml(placer: &str, filler: &str) -> String {
    format!(
        "MSH|^~\\&|EHR|HOSP|LAB|HOSP|20240315083000+0100||OML^O21|O2{HEAD}\
ORC|NW|{placer}|{filler}||SC||||20240315080000+0100\r\
OBR|1|{placer}|{filler}|24331-1^Lipid panel^LN\r"
    )
}

/// The result: the filler order number only in OBR-3 (ORC-3 empty) or only in ORC-3.
fn oru(placer: &str, filler: &str, in_orc: bool) -> String {
    let (orc3, obr3) = if in_orc { (filler, "") } else { ("", filler) };
    format!(
        "MSH|^~\\&|RAD|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01|O3{HEAD}\
ORC|RE|{placer}|{orc3}\r\
OBR|1|{placer}|{obr3}|36643-5^XR Chest 2 views^LN|||20240315070000+0100||||||||||||||||||F\r\
OBX|1|ST|8251-1^Impression^LN||No acute findings||||||F\r"
    )
}

fn mdm(placer: &str, filler: &str) -> String {
    format!(
        "MSH|^~\\&|DOC|HOSP|EHR|HOSP|20240315083000+0100||MDM^T02|O4{HEAD}\
ORC|SC|{placer}|{filler}||CM\r\
OBR|1|{placer}|{filler}|36643-5^XR Chest 2 views^LN\r\
TXA|1|DI^Diagnostic imaging^HL70270|TX|||20240315080000+0100||||||DOC-7^EHR||||||AU\r\
OBX|1|TX|DI^Report^HL70270||No acute findings\r"
    )
}

/// A DICOM file naming the order in the Request Attributes Sequence: the filler order
/// number (0040,2017) with its issuer (0040,0027), else the placer (0040,2016/0026).
fn dicom(order: (&str, &str, Option<&str>), filler: bool) -> R<String> {
    let (value, ns, uid) = order;
    let (num, iss) = if filler {
        (Tag::new(0x0040, 0x2017), Tag::new(0x0040, 0x0027))
    } else {
        (Tag::new(0x0040, 0x2016), Tag::new(0x0040, 0x0026))
    };
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC7")?;
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"123456")?;
    enc.element(Tag::new(0x0010, 0x0021), Vr::Lo, b"HOSP")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.826.0.1.99.7")?;
    enc.begin_sequence(Tag::new(0x0040, 0x0275), false)?;
    enc.begin_item(false)?;
    enc.begin_sequence(iss, false)?;
    enc.begin_item(false)?;
    enc.element(Tag::new(0x0040, 0x0031), Vr::Ut, ns.as_bytes())?;
    if let Some(u) = uid {
        enc.element(Tag::new(0x0040, 0x0032), Vr::Ut, u.as_bytes())?;
        enc.element(Tag::new(0x0040, 0x0033), Vr::Cs, b"ISO")?;
    }
    enc.end_item()?;
    enc.end_sequence()?;
    enc.element(num, Vr::Lo, value.as_bytes())?;
    enc.end_item()?;
    enc.end_sequence()?;
    let out = carewire_mapping::dicom::to_fhir(&enc.finish()?, &cfg())?;
    Ok(out.json)
}

fn based_on(json: &str) -> R<String> {
    let b: Value = serde_json::from_str(json)?;
    let st = common::resources(&b, "ImagingStudy")
        .first()
        .copied()
        .ok_or("no ImagingStudy")?;
    let r = st["basedOn"][0]["reference"]
        .as_str()
        .ok_or("no basedOn reference")?;
    Ok(r.trim_start_matches("ServiceRequest/").to_string())
}

#[test]
fn the_same_order_gets_the_same_service_request_id_everywhere() -> R {
    let mut bundles = Vec::new();
    let mut seen = Vec::new();
    for uid in [None, Some("1.2.3.4")] {
        let placer = ei("PL7", "EHR", uid.map(|_| "1.2.3.9"));
        let filler = ei("FL7", "RAD", uid);
        let (orm_ids, orm_json) = v2_ids(&orm(&placer, &filler))?;
        assert_eq!(orm_ids.len(), 1, "{uid:?}");
        let id = orm_ids[0].clone();
        let mut all = vec![("ORM", orm_json.clone(), orm_ids)];
        let (ids, j) = v2_ids(&oml(&placer, &filler))?;
        all.push(("OML", j, ids));
        for in_orc in [false, true] {
            let (ids, j) = v2_ids(&oru(&placer, &filler, in_orc))?;
            all.push(("ORU", j, ids));
        }
        let (ids, j) = v2_ids(&mdm(&placer, &filler))?;
        all.push(("MDM", j, ids));
        for (name, json, ids) in all {
            assert_eq!(ids, vec![id.clone()], "{name} {uid:?}");
            bundles.push((format!("{name} {uid:?}"), json));
        }
        let d = dicom(("FL7", "RAD", uid), true)?;
        assert_eq!(based_on(&d)?, id, "DICOM {uid:?}");
        bundles.push((format!("DICOM {uid:?}"), d));
        seen.push(id);

        // Placer only: every source keys on the placer order number.
        let (orm_ids, _) = v2_ids(&orm(&placer, ""))?;
        let (oru_ids, _) = v2_ids(&oru(&placer, "", false))?;
        assert_eq!(orm_ids, oru_ids, "placer {uid:?}");
        let d = dicom(("PL7", "EHR", uid.map(|_| "1.2.3.9")), false)?;
        assert_eq!(vec![based_on(&d)?], orm_ids, "DICOM placer {uid:?}");
        assert_ne!(orm_ids[0], seen[seen.len() - 1]);
    }
    // The universal id is part of the key: with and without it are different orders.
    assert_ne!(seen[0], seen[1]);
    common::fhir_check::check(bundles);
    Ok(())
}
