//! DICOM → FHIR ImagingStudy: synthetic studies, the link to HL7 v2 resources, the
//! corpus (no panics, reports checked) and fhir.resources validation.

mod common;

use std::path::{Path, PathBuf};

use carewire_dicom_lite::{Encoder, Tag, TransferSyntax, Vr};
use carewire_mapping::dicom::{to_fhir, StudyBuilder};
use carewire_mapping::fhir::{BundleType, ErrorKind, MapConfig, ReportKind, TzPolicy};
use serde_json::Value;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

const CT: &[u8] = b"1.2.840.10008.5.1.4.1.1.2";

struct Inst<'a> {
    series: &'a [u8],
    sop: &'a [u8],
    number: &'a [u8],
    modality: &'a [u8],
    extra: &'a [(Tag, Vr, &'a [u8])],
}

fn file(i: &Inst<'_>) -> R<Vec<u8>> {
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        std::str::from_utf8(CT)?,
        std::str::from_utf8(i.sop)?,
    )?;
    let mut els: Vec<(Tag, Vr, &[u8])> = vec![
        (Tag::new(0x0008, 0x0016), Vr::Ui, CT),
        (Tag::new(0x0008, 0x0018), Vr::Ui, i.sop),
        (Tag::new(0x0008, 0x0020), Vr::Da, b"20240131"),
        (Tag::new(0x0008, 0x0030), Vr::Tm, b"093005.25"),
        (Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC77"),
        (Tag::new(0x0008, 0x0060), Vr::Cs, i.modality),
        (Tag::new(0x0008, 0x0090), Vr::Pn, b"Referrer^Rob"),
        (Tag::new(0x0008, 0x0201), Vr::Sh, b"+0100"),
        (Tag::new(0x0008, 0x1030), Vr::Lo, b"CT chest"),
        (Tag::new(0x0010, 0x0010), Vr::Pn, b"Zebulon^Jane^Q"),
        (Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN4471"),
        (Tag::new(0x0010, 0x0021), Vr::Lo, b"HOSP"),
        (Tag::new(0x0010, 0x0030), Vr::Da, b"19800101"),
        (Tag::new(0x0010, 0x0040), Vr::Cs, b"F"),
        (Tag::new(0x0018, 0x0015), Vr::Cs, b"CHEST"),
        (Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.826.0.1.99.1"),
        (Tag::new(0x0020, 0x000E), Vr::Ui, i.series),
        (
            Tag::new(0x0020, 0x0011),
            Vr::Is,
            if i.series.ends_with(b"2") { b"2" } else { b"1" },
        ),
        (Tag::new(0x0020, 0x0013), Vr::Is, i.number),
    ];
    els.extend_from_slice(i.extra);
    els.sort_by_key(|e| e.0);
    for (tag, vr, v) in els {
        enc.element(tag, vr, v)?;
    }
    Ok(enc.finish()?)
}

fn inst<'a>(series: &'a [u8], sop: &'a [u8], number: &'a [u8]) -> Inst<'a> {
    Inst {
        series,
        sop,
        number,
        modality: b"CT",
        extra: &[],
    }
}

fn cfg() -> MapConfig {
    MapConfig::with_tz(TzPolicy::Error)
}

fn resources<'a>(v: &'a Value, ty: &str) -> Vec<&'a Value> {
    v["entry"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| &e["resource"])
                .filter(|r| r["resourceType"] == ty)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn one_file_maps_study_series_instance_and_patient() -> R {
    let out = to_fhir(
        &file(&inst(b"1.2.826.0.1.99.1.1", b"1.2.826.0.1.99.1.1.1", b"1"))?,
        &cfg(),
    )?;
    assert!(out.report.is_empty(), "{}", out.report);
    let v: Value = serde_json::from_str(&out.json)?;
    assert_eq!(v["type"], "transaction");
    let st = resources(&v, "ImagingStudy")[0];
    assert_eq!(st["identifier"][0]["system"], "urn:dicom:uid");
    assert_eq!(st["identifier"][0]["value"], "urn:oid:1.2.826.0.1.99.1");
    assert_eq!(st["identifier"][1]["type"]["coding"][0]["code"], "ACSN");
    assert_eq!(st["identifier"][1]["value"], "ACC77");
    assert_eq!(st["started"], "2024-01-31T09:30:05.25+01:00");
    assert_eq!(st["status"], "available");
    assert_eq!(st["modality"][0]["code"], "CT");
    assert_eq!(st["description"], "CT chest");
    assert_eq!(st["basedOn"][0]["identifier"]["value"], "ACC77");
    assert!(st["basedOn"][0].get("reference").is_none());
    assert_eq!(st["series"][0]["bodySite"]["code"], "51185008");
    assert_eq!(
        st["series"][0]["instance"][0]["sopClass"]["code"],
        "urn:oid:1.2.840.10008.5.1.4.1.1.2"
    );
    assert_eq!(st["series"][0]["instance"][0]["number"], 1);
    let p = resources(&v, "Patient")[0];
    assert_eq!(p["name"][0]["family"], "Zebulon");
    assert_eq!(p["name"][0]["given"], serde_json::json!(["Jane", "Q"]));
    assert_eq!(p["birthDate"], "1980-01-01");
    assert_eq!(p["gender"], "female");
    assert_eq!(
        st["subject"]["reference"],
        format!("urn:uuid:{}", p["id"].as_str().unwrap_or(""))
    );
    let pr = resources(&v, "Practitioner")[0];
    assert_eq!(
        st["referrer"]["reference"],
        format!("urn:uuid:{}", pr["id"].as_str().unwrap_or(""))
    );
    Ok(())
}

#[test]
fn patient_id_equals_v2_patient_id() -> R {
    let adt = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
PID|1||MRN4471^^^HOSP^MR||Zebulon^Jane||19800101|F\r";
    let v2 = carewire_mapping::v2::to_fhir(adt.as_bytes(), &cfg())?;
    let v2: Value = serde_json::from_str(&v2.json)?;
    let d = to_fhir(
        &file(&inst(b"1.2.826.0.1.99.1.1", b"1.2.826.0.1.99.1.1.1", b"1"))?,
        &cfg(),
    )?;
    let d: Value = serde_json::from_str(&d.json)?;
    let a = resources(&v2, "Patient")[0]["id"].clone();
    assert!(a.is_string());
    assert_eq!(a, resources(&d, "Patient")[0]["id"]);
    // A different issuer is a different patient.
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN4471")?;
    enc.element(Tag::new(0x0010, 0x0021), Vr::Lo, b"OTHER")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.3")?;
    let e = to_fhir(&enc.finish()?, &cfg())?;
    let e: Value = serde_json::from_str(&e.json)?;
    assert_ne!(a, resources(&e, "Patient")[0]["id"]);
    Ok(())
}

#[test]
fn filler_order_number_links_to_the_v2_service_request() -> R {
    let v2 = carewire_mapping::v2::to_fhir(common::ORU.as_bytes(), &cfg())?;
    let v2: Value = serde_json::from_str(&v2.json)?;
    let sr = resources(&v2, "ServiceRequest")[0]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(!sr.is_empty());
    // ORC-3 / OBR-3 = FL1^LAB: Filler Order Number FL1, issuer namespace LAB.
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC9")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.3")?;
    enc.begin_sequence(Tag::new(0x0040, 0x0027), false)?;
    enc.begin_item(false)?;
    enc.element(Tag::new(0x0040, 0x0031), Vr::Ut, b"LAB")?;
    enc.end_item()?;
    enc.end_sequence()?;
    enc.element(Tag::new(0x0040, 0x2017), Vr::Lo, b"FL1")?;
    let d = to_fhir(&enc.finish()?, &cfg())?;
    let d: Value = serde_json::from_str(&d.json)?;
    let st = resources(&d, "ImagingStudy")[0];
    assert_eq!(
        st["basedOn"][0]["reference"],
        format!("ServiceRequest/{sr}")
    );
    assert_eq!(st["basedOn"][0]["identifier"]["value"], "ACC9");
    Ok(())
}

#[test]
fn builder_aggregates_series_and_instances() -> R {
    let mut b = StudyBuilder::new(cfg());
    b.add(&file(&inst(
        b"1.2.826.0.1.99.1.2",
        b"1.2.826.0.1.99.1.2.2",
        b"2",
    ))?)?;
    b.add(&file(&inst(
        b"1.2.826.0.1.99.1.1",
        b"1.2.826.0.1.99.1.1.1",
        b"1",
    ))?)?;
    b.add(&file(&inst(
        b"1.2.826.0.1.99.1.2",
        b"1.2.826.0.1.99.1.2.1",
        b"1",
    ))?)?;
    // The same instance again is not counted twice.
    b.add(&file(&inst(
        b"1.2.826.0.1.99.1.2",
        b"1.2.826.0.1.99.1.2.1",
        b"1",
    ))?)?;
    let out = b.finish()?;
    assert!(out.report.is_empty(), "{}", out.report);
    let v: Value = serde_json::from_str(&out.json)?;
    let st = resources(&v, "ImagingStudy")[0];
    assert_eq!(st["numberOfSeries"], 2);
    assert_eq!(st["numberOfInstances"], 3);
    assert_eq!(st["series"][0]["number"], 1);
    assert_eq!(st["series"][1]["numberOfInstances"], 2);
    assert_eq!(
        st["series"][1]["instance"][0]["uid"],
        "1.2.826.0.1.99.1.2.1"
    );
    assert_eq!(resources(&v, "Patient").len(), 1);
    Ok(())
}

#[test]
fn other_study_and_bad_values_are_reported() -> R {
    let bad = Inst {
        modality: b"ZZ",
        extra: &[
            (Tag::new(0x0010, 0x1010), Vr::As, b"044Y"),
            (Tag::new(0x0020, 0x0010), Vr::Sh, b"S1"),
            (Tag::new(0x0020, 0x0060), Vr::Cs, b"L"),
        ],
        ..inst(b"1.2.826.0.1.99.1.1", b"1.2.826.0.1.99.1.1.1", b"x")
    };
    let mut b = StudyBuilder::new(cfg());
    b.add(&file(&bad)?)?;
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"9.9.9")?;
    b.add(&enc.finish()?)?;
    let out = b.finish()?;
    let r = &out.report;
    assert!(r.contains("(0010,1010)"), "{r}");
    assert!(r.contains("(0020,0010)"), "{r}");
    assert!(r.contains("(0020,0013)"), "{r}");
    assert!(r.contains("file[2]"), "{r}");
    assert!(r
        .items()
        .iter()
        .any(|i| i.location == "(0008,0060)" && i.kind == ReportKind::UnknownCode("DCM")));
    // No value is ever in the report.
    let text = r.to_string();
    for v in ["044Y", "S1 ", "ZZ", "Zebulon", "9.9.9"] {
        assert!(!text.contains(v), "{text}");
    }
    let v: Value = serde_json::from_str(&out.json)?;
    let st = resources(&v, "ImagingStudy")[0];
    assert_eq!(st["series"][0]["modality"]["code"], "OT");
    assert_eq!(st["series"][0]["laterality"]["code"], "7771000");
    // Strict mode turns the report into an error.
    let strict = MapConfig {
        strict: true,
        ..cfg()
    };
    let e = to_fhir(&file(&bad)?, &strict).err().ok_or("strict")?;
    assert!(matches!(e.kind(), ErrorKind::Strict(_)));
    Ok(())
}

#[test]
fn times_without_offset_follow_the_policy() -> R {
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240131")?;
    enc.element(Tag::new(0x0008, 0x0030), Vr::Tm, b"0930")?;
    enc.element(Tag::new(0x0010, 0x0030), Vr::Da, b"19801301")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.3")?;
    let f = enc.finish()?;
    let e = to_fhir(&f, &cfg()).err().ok_or("expected an error")?;
    assert_eq!(e.kind(), ErrorKind::MissingOffset);
    assert_eq!(e.location(), "(0008,0030)");
    let out = to_fhir(&f, &MapConfig::with_tz(TzPolicy::AssumeOffset(-300)))?;
    assert!(out
        .json
        .contains("\"started\":\"2024-01-31T09:30:00-05:00\""));
    assert!(out
        .report
        .items()
        .iter()
        .any(|i| i.location == "(0010,0030)" && i.kind == ReportKind::InvalidValue));
    let out = to_fhir(&f, &MapConfig::with_tz(TzPolicy::DateOnly))?;
    assert!(out.json.contains("\"started\":\"2024-01-31\""));
    assert!(out.report.contains("(0008,0030)"));
    assert!(to_fhir(b"not dicom at all", &cfg()).is_err());
    Ok(())
}

fn corpus() -> Option<PathBuf> {
    let dir = common::corpus_dir("dicom");
    if dir.is_none() {
        eprintln!("notice: DICOM corpus not found; corpus test skipped");
    }
    dir
}

fn dcm_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn corpus_converts_without_panics_and_validates() -> R {
    let Some(dir) = corpus() else { return Ok(()) };
    let mut bundles = Vec::new();
    let mut ok = 0;
    let config = MapConfig {
        bundle_type: BundleType::Batch,
        ..MapConfig::with_tz(TzPolicy::AssumeOffset(0))
    };
    for p in dcm_files(&dir) {
        let bytes = std::fs::read(&p)?;
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        match to_fhir(&bytes, &config) {
            Ok(out) => {
                ok += 1;
                for item in out.report.items() {
                    // Locations are tags or file indexes, never values.
                    assert!(
                        item.location.starts_with('(') || item.location.starts_with("file["),
                        "{name}: {item}"
                    );
                }
                check_report(&bytes, &out.report, &name)?;
                let v: Value = serde_json::from_str(&out.json)?;
                assert_eq!(resources(&v, "ImagingStudy").len(), 1, "{name}");
                assert_eq!(resources(&v, "Patient").len(), 1, "{name}");
                bundles.push((name, out.json));
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::Parse, "{name}: {e}"),
        }
    }
    assert!(ok >= 40, "only {ok} corpus files converted");
    // The malformed files: no panic, Ok or a parse error.
    for p in dcm_files(&dir.join("malformed")) {
        let bytes = std::fs::read(&p)?;
        if let Ok(out) = to_fhir(&bytes, &config) {
            serde_json::from_str::<Value>(&out.json)?;
        }
        for cut in [0, 1, 131, 132, 200, bytes.len() / 2] {
            let _ = to_fhir(bytes.get(..cut).unwrap_or(&bytes), &config);
        }
    }
    // The whole corpus as one builder: files of other studies are reported, no panic.
    let mut b = StudyBuilder::new(config);
    for p in dcm_files(&dir) {
        let _ = b.add(&std::fs::read(&p)?);
    }
    let all = b.finish()?;
    assert!(all
        .report
        .items()
        .iter()
        .any(|i| i.location.starts_with("file[")));
    bundles.push(("whole corpus".into(), all.json));
    bundles.push((
        "synthetic".into(),
        to_fhir(
            &file(&inst(b"1.2.826.0.1.99.1.1", b"1.2.826.0.1.99.1.1.1", b"1"))?,
            &cfg(),
        )?
        .json,
    ));
    common::fhir_check::check(bundles);
    Ok(())
}

#[test]
fn imaging_order_from_orm_is_the_based_on_target() -> R {
    let v2 = carewire_mapping::v2::to_fhir(common::ORM.as_bytes(), &cfg())?;
    let v2: Value = serde_json::from_str(&v2.json)?;
    // The first order: ORC-3 = FL100^RAD^1.2.3.4^ISO, OBR-18 = ACC100.
    let sr = resources(&v2, "ServiceRequest")
        .into_iter()
        .find(|r| r.to_string().contains("ACC100"))
        .ok_or("no imaging order")?;
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC100")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.3")?;
    enc.begin_sequence(Tag::new(0x0040, 0x0275), false)?;
    enc.begin_item(false)?;
    enc.begin_sequence(Tag::new(0x0040, 0x0027), false)?;
    enc.begin_item(false)?;
    enc.element(Tag::new(0x0040, 0x0031), Vr::Ut, b"RAD")?;
    enc.element(Tag::new(0x0040, 0x0032), Vr::Ut, b"1.2.3.4")?;
    enc.element(Tag::new(0x0040, 0x0033), Vr::Cs, b"ISO")?;
    enc.end_item()?;
    enc.end_sequence()?;
    enc.element(Tag::new(0x0040, 0x2017), Vr::Lo, b"FL100")?;
    enc.end_item()?;
    enc.end_sequence()?;
    let d = to_fhir(&enc.finish()?, &cfg())?;
    let d: Value = serde_json::from_str(&d.json)?;
    let st = resources(&d, "ImagingStudy")[0];
    assert_eq!(
        st["basedOn"][0]["reference"],
        format!("ServiceRequest/{}", sr["id"].as_str().unwrap_or("-"))
    );
    let acsn = sr["identifier"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["type"]["coding"][0]["code"] == "ACSN"))
        .ok_or("no ACSN")?;
    assert_eq!(st["basedOn"][0]["identifier"]["value"], acsn["value"]);
    assert_eq!(st["basedOn"][0]["identifier"]["type"], acsn["type"]);
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any bytes, and any one-byte corruption or truncation of a valid file: no panic,
    /// and every Bundle written is JSON.
    #[test]
    fn no_panic_on_corrupted_files(pos in 0usize..2000, byte in proptest::prelude::any::<u8>(),
                                   cut in 0usize..2000, junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        let config = MapConfig::with_tz(TzPolicy::DateOnly);
        let _ = to_fhir(&junk, &config);
        let mut f = file(&inst(b"1.2.826.0.1.99.1.1", b"1.2.826.0.1.99.1.1.1", b"1"))
            .map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        let n = f.len();
        if let Some(b) = f.get_mut(pos % n) {
            *b = byte;
        }
        for input in [&f[..], &f[..cut % n]] {
            if let Ok(out) = to_fhir(input, &config) {
                proptest::prop_assert!(serde_json::from_str::<Value>(&out.json).is_ok());
            }
        }
    }
}

/// The report against the file: every not-mapped item names a top-level element that is
/// present and not blank, and every non-blank patient attribute (group 0010) outside the
/// mapped ones is reported.
fn check_report(bytes: &[u8], report: &carewire_mapping::fhir::Report, name: &str) -> R {
    use carewire_dicom_lite::{DataSet, ParseConfig};
    let ds = DataSet::parse_with(bytes, &ParseConfig::default().stop_before_pixel_data(true))?;
    let blank = |raw: &[u8]| raw.iter().all(|b| matches!(b, b' ' | 0));
    for item in report.items() {
        if item.kind != ReportKind::NotMapped {
            continue;
        }
        let tag = ds
            .elements()
            .map(|e| e.tag())
            .find(|t| t.to_string() == item.location)
            .ok_or_else(|| format!("{name}: {item} names no element"))?;
        let e = ds.get(tag).ok_or("gone")?;
        assert!(!blank(e.raw()), "{name}: {item} is blank");
    }
    let mapped = [0x0010u16, 0x0020, 0x0021, 0x0024, 0x0030, 0x0040];
    for e in ds.elements() {
        let t = e.tag();
        if t.group() == 0x0010
            && t.element() != 0
            && !mapped.contains(&t.element())
            && !blank(e.raw())
        {
            assert!(report.contains(&t.to_string()), "{name}: {t} not reported");
        }
    }
    Ok(())
}
