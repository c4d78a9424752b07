//! The extension points of the v2 → FHIR conversion: segment overrides, Z-segment
//! hooks, code overrides and FHIR ConceptMaps, datatype overrides. Every Bundle is
//! validated with fhir.resources (see common/fhir_check.rs).

mod common;
use common::{resources, A01, ORU};

use carewire_hl7::Repetition;
use carewire_mapping::fhir::{ErrorKind, MapConfig, ReportKind, TzPolicy};
use carewire_mapping::v2::{
    convert, convert_with, to_fhir, to_fhir_with, Chain, Coding, ConceptMap, Datatype, Emit,
    ExtensionTarget, Handled, NoOverrides, Obj, Overrides, SegmentCtx,
};
use serde_json::Value;

fn cfg() -> MapConfig {
    MapConfig::with_tz(TzPolicy::Error)
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).expect("bundle is JSON")
}

/// Site Z-segments: ZPI-2 a preferred pharmacy (Patient extension), ZBD a blood donor
/// record (its own Observation).
struct SiteZ;

impl Overrides for SiteZ {
    fn z_segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        let text = |n: usize| {
            seg.segment()
                .field(n)
                .map(|f| f.decoded().into_owned())
                .unwrap_or_default()
        };
        match seg.id() {
            "ZPI" => {
                let pharmacy = text(2);
                let added = out.extension(
                    ExtensionTarget::Patient,
                    "http://hospital.example/fhir/preferred-pharmacy",
                    |o| o.str("valueString", &pharmacy),
                );
                assert!(added);
                Handled::Mapped
            }
            "ZBD" => {
                let Some(patient) = seg.patient() else {
                    return Handled::Default;
                };
                let donor = text(1);
                let id = out.resource("Observation", &["zbd", patient.as_str()], |o| {
                    o.str("status", "final");
                    o.concept("code", "http://loinc.org", "52055-6", "Blood donor");
                    o.reference("subject", &patient);
                    o.bool("valueBoolean", donor == "Y");
                });
                assert!(id.is_some());
                Handled::Mapped
            }
            _ => Handled::Default,
        }
    }
}

#[test]
fn z_segments_become_an_extension_and_a_resource() {
    let msg = format!("{A01}ZPI|1|Corner Pharmacy \\T\\ Co\rZBD|Y\rZZZ|unhandled\r");
    let plain = to_fhir(msg.as_bytes(), &cfg()).expect("converts");
    assert!(plain.report.contains("ZPI"));
    assert!(plain.report.contains("ZBD"));

    let out = to_fhir_with(msg.as_bytes(), &cfg(), &mut SiteZ).expect("converts");
    assert!(!out.report.contains("ZPI"), "{}", out.report);
    assert!(!out.report.contains("ZBD"));
    assert!(
        out.report.contains("ZZZ"),
        "unhandled Z-segments stay reported"
    );
    let b = json(&out.json);
    let patient = resources(&b, "Patient")[0];
    let ext = patient["extension"].as_array().expect("extensions");
    let pharmacy = ext
        .iter()
        .find(|e| e["url"] == "http://hospital.example/fhir/preferred-pharmacy")
        .expect("site extension");
    assert_eq!(pharmacy["valueString"], "Corner Pharmacy & Co");
    // The built-in extensions are still there (PID-6/17/23 are not in A01: none), and
    // the Patient is the one the other resources reference.
    let donor = resources(&b, "Observation")
        .into_iter()
        .find(|o| o["code"]["coding"][0]["code"] == "52055-6")
        .expect("ZBD observation");
    assert_eq!(donor["valueBoolean"], true);
    assert_eq!(
        donor["subject"]["reference"],
        format!("urn:uuid:{}", patient["id"].as_str().expect("id"))
    );
    common::fhir_check::check(vec![("z hooks".into(), out.json)]);
}

/// A site that writes its own Patient from PID (name only, a site identifier system).
struct SitePid;

impl Overrides for SitePid {
    fn segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        if seg.id() != "PID" {
            return Handled::Default;
        }
        let Some(id) = seg.patient() else {
            return Handled::Default;
        };
        let s = seg.segment();
        let mrn = s
            .field(3)
            .and_then(|f| f.repetition(1))
            .and_then(|r| r.component(1))
            .map(|c| c.decoded().into_owned())
            .unwrap_or_default();
        let family = s
            .field(5)
            .and_then(|f| f.repetition(1))
            .and_then(|r| r.component(1))
            .map(|c| c.decoded().into_owned())
            .unwrap_or_default();
        assert!(out.resource_with_id("Patient", id, |o| {
            o.array("identifier", |a| {
                a.object(|o| {
                    o.str("system", "http://hospital.example/mrn");
                    o.str("value", &mrn);
                })
            });
            o.array("name", |a| a.object(|o| o.str("family", &family)));
            // Keys are escaped, unbalanced output is impossible, empty members vanish.
            o.object("meta", |o| o.array("tag", |_| {}));
        }));
        // PID-7 is left unmapped on purpose: say so.
        out.report(7, ReportKind::NotMapped);
        Handled::Mapped
    }
}

#[test]
fn a_pid_override_replaces_the_patient() {
    let builtin = to_fhir(A01.as_bytes(), &cfg()).expect("converts");
    let out = to_fhir_with(A01.as_bytes(), &cfg(), &mut SitePid).expect("converts");
    let (b0, b) = (json(&builtin.json), json(&out.json));
    let p0 = resources(&b0, "Patient")[0];
    let p = resources(&b, "Patient");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["id"], p0["id"], "same id: references still resolve");
    assert_eq!(
        p[0]["identifier"][0]["system"],
        "http://hospital.example/mrn"
    );
    assert_eq!(p[0]["identifier"][0]["value"], "123456");
    assert_eq!(p[0]["name"][0]["family"], "Doe");
    assert!(p[0].get("gender").is_none(), "built-in Patient not written");
    assert!(p[0].get("meta").is_none(), "empty elements are dropped");
    // The rest of the Bundle is unchanged.
    assert_eq!(
        resources(&b, "Encounter")[0]["subject"],
        resources(&b0, "Encounter")[0]["subject"]
    );
    // PD1 fed the built-in Patient (general practitioner): now nothing maps it.
    assert_eq!(
        b["entry"].as_array().map(Vec::len),
        b0["entry"].as_array().map(|e| e.len() - 1)
    );
    assert!(out.report.contains("PD1"), "{}", out.report);
    // Only what the override reports is reported for PID.
    let pid_items: Vec<_> = out
        .report
        .items()
        .iter()
        .filter(|i| i.location.starts_with("PID-"))
        .map(|i| i.location.as_str())
        .collect();
    assert_eq!(pid_items, ["PID-7"]);
    common::fhir_check::check(vec![("pid override".into(), out.json)]);
}

const CONCEPT_MAP: &str = r#"{
  "resourceType": "ConceptMap",
  "status": "active",
  "group": [
    {
      "source": "L",
      "target": "http://loinc.org",
      "element": [
        {"code": "GLU", "target": [{"code": "2345-7", "display": "Glucose [Mass/volume] in Serum or Plasma", "equivalence": "equivalent"}]},
        {"code": "OLD", "target": [{"code": "0000-0", "equivalence": "unmatched"}]}
      ]
    },
    {
      "source": "http://terminology.hl7.org/CodeSystem/v2-0001",
      "target": "http://hl7.org/fhir/administrative-gender",
      "element": [
        {"code": "W", "target": [{"code": "female", "relationship": "equivalent"}]},
        {"code": "D", "target": [{"code": "other", "equivalence": "wider"}]}
      ]
    },
    {
      "source": "http://terminology.hl7.org/CodeSystem/v2-0085",
      "target": "http://terminology.hl7.org/CodeSystem/v2-0085",
      "element": [{"code": "V", "target": [{"code": "F", "equivalence": "equivalent"}]}]
    }
  ]
}"#;

fn lab_message() -> String {
    "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01^ORU_R01|LAB9|P|2.5.1\r\
PID|1||123456^^^HOSP^MR||Doe^Jane||19800704|W\r\
OBR|1||FL9^LAB|24331-1^Lipid panel^LN|||20240315070000+0100|||||||||||||||||F\r\
OBX|1|NM|GLU^Glucose^L||5.4|mmol/L^^UCUM|||||V\r\
OBX|2|NM|OLD^Old code^L||1|||||F\r"
        .to_string()
}

#[test]
fn a_concept_map_translates_a_local_lab_code_and_a_site_sex_code() {
    let msg = lab_message();
    let plain = to_fhir(msg.as_bytes(), &cfg()).expect("converts");
    assert!(plain.report.contains("PID-8"), "W is not in table 0001");
    assert!(
        plain.report.contains("OBX[1]-3.3"),
        "L is not a known system"
    );

    let mut map = ConceptMap::from_json(CONCEPT_MAP).expect("loads");
    assert_eq!(map.len(), 4);
    let out = to_fhir_with(msg.as_bytes(), &cfg(), &mut map).expect("converts");
    assert!(!out.report.contains("PID-8"), "{}", out.report);
    assert!(!out.report.contains("OBX[1]-3.3"), "{}", out.report);
    assert!(!out.report.contains("OBX[1]-11"), "{}", out.report);
    // "unmatched" is not a translation: still reported.
    assert!(out.report.contains("OBX[2]-3.3"), "{}", out.report);
    let b = json(&out.json);
    assert_eq!(resources(&b, "Patient")[0]["gender"], "female");
    let glu = resources(&b, "Observation")[0];
    assert_eq!(glu["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(glu["code"]["coding"][0]["code"], "2345-7");
    // The local coding is kept after the translation (nothing lost).
    assert_eq!(glu["code"]["coding"][1]["code"], "GLU");
    // V → F in table 0085 → final.
    assert_eq!(glu["status"], "final");
    common::fhir_check::check(vec![("conceptmap".into(), out.json)]);
}

/// A hand-written code override chained before the ConceptMap, and an XPN override.
struct Site;

impl Overrides for Site {
    fn code(&self, system: &str, code: &str) -> Option<Coding> {
        (system == "http://terminology.hl7.org/CodeSystem/v2-0001" && code == "W")
            .then(|| Coding::new("http://hl7.org/fhir/administrative-gender", "other", ""))
    }
    fn datatype(
        &mut self,
        kind: Datatype,
        value: &Repetition<'_>,
        out: &mut Obj<'_, '_>,
    ) -> Handled {
        if kind != Datatype::Xpn {
            return Handled::Default;
        }
        let text = value.decoded().replace('^', " ");
        out.str("text", text.trim());
        Handled::Mapped
    }
}

#[test]
fn overrides_chain_first_wins_and_datatypes_can_be_replaced() {
    let msg = lab_message();
    let map = ConceptMap::from_json(CONCEPT_MAP).expect("loads");
    let mut chain = Chain(Site, map);
    let out = to_fhir_with(msg.as_bytes(), &cfg(), &mut chain).expect("converts");
    let b = json(&out.json);
    let p = resources(&b, "Patient")[0];
    assert_eq!(p["gender"], "other", "the first override wins");
    assert_eq!(p["name"][0]["text"], "Doe Jane");
    assert!(p["name"][0].get("family").is_none());
    // Codes the first one declines go to the ConceptMap.
    assert_eq!(
        resources(&b, "Observation")[0]["code"]["coding"][0]["code"],
        "2345-7"
    );
    common::fhir_check::check(vec![("chain".into(), out.json)]);
}

#[test]
fn no_overrides_changes_nothing() {
    for text in [A01, ORU] {
        let msg = carewire_hl7::Message::parse(text.as_bytes()).expect("parses");
        let a = convert(&msg, &cfg()).expect("converts");
        let b = convert_with(&msg, &cfg(), &mut NoOverrides).expect("converts");
        assert_eq!(a.json, b.json);
        assert_eq!(a.report, b.report);
    }
}

#[test]
fn hostile_concept_maps_are_errors() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<String> = vec![
        String::new(),
        "not json".into(),
        "[]".into(),
        "{}".into(),
        r#"{"resourceType":"Patient"}"#.into(),
        r#"{"resourceType":"ConceptMap","group":{}}"#.into(),
        r#"{"resourceType":"ConceptMap","group":[1]}"#.into(),
        r#"{"resourceType":"ConceptMap","group":[{"source":5}]}"#.into(),
        r#"{"resourceType":"ConceptMap","group":[{"element":"x"}]}"#.into(),
        r#"{"resourceType":"ConceptMap","group":[{"element":[{"code":1}]}]}"#.into(),
        r#"{"resourceType":"ConceptMap","group":[{"element":[{"code":"a","target":[7]}]}]}"#
            .into(),
        r#"{"resourceType":"ConceptMap","group":[{"element":[{"code":"a","target":[{"code":[]}]}]}]}"#
            .into(),
        r#"{"resourceType":"ConceptMap","group":[{"unmapped":{"mode":"fixed"}}]}"#.into(),
        deep,
        format!(r#"{{"resourceType":"ConceptMap","group":[{}]}}"#, "{".repeat(5000)),
        "\u{0}\u{ffff}".into(),
    ];
    for (i, c) in cases.iter().enumerate() {
        let e = ConceptMap::from_json(c).expect_err("hostile input is an error");
        assert_eq!(e.kind(), ErrorKind::InvalidConceptMap, "case {i}");
        // Locations are JSON paths, never values.
        assert!(!e.to_string().contains("GLU"));
    }
    // Byte-level corruption of a valid map: an error or a map, never a panic.
    let base = CONCEPT_MAP.as_bytes();
    for i in 0..base.len() {
        for b in [b'"', b'{', b']', b'0', 0xff] {
            let mut v = base.to_vec();
            v[i] = b;
            if let Ok(text) = std::str::from_utf8(&v) {
                let _ = ConceptMap::from_json(text);
            }
        }
    }
    // Unknown modes and members are ignored; other-map is not followed.
    let m = ConceptMap::from_json(
        r#"{"resourceType":"ConceptMap","extra":1,"group":[{"source":"s","target":"t",
        "unmapped":{"mode":"other-map","url":"x"}},{"source":"s","target":"u",
        "unmapped":{"mode":"provided"}}]}"#,
    )
    .expect("loads");
    let c = m.code("s", "abc").expect("provided");
    assert_eq!((c.system.as_str(), c.code.as_str()), ("u", "abc"));
}

#[test]
fn table_lookups_consult_the_code_hook() {
    let map = ConceptMap::from_json(
        r#"{"resourceType":"ConceptMap","group":[
        {"source":"http://terminology.hl7.org/CodeSystem/v2-0200",
         "target":"http://hl7.org/fhir/name-use",
         "element":[{"code":"OFF","target":[{"code":"official","equivalence":"equal"}]}]},
        {"source":"http://terminology.hl7.org/CodeSystem/v2-0128",
         "target":"http://terminology.hl7.org/CodeSystem/v2-0128",
         "element":[{"code":"SEV","target":[{"code":"SV","equivalence":"equal"}]}]},
        {"source":"http://terminology.hl7.org/CodeSystem/v2-0127",
         "target":"http://hl7.org/fhir/allergy-intolerance-category",
         "element":[{"code":"XX","target":[{"code":"not-a-category","equivalence":"equal"}]}]}]}"#,
    )
    .expect("loads");
    let msg = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240315083000+0100||ADT^A01|M1|P|2.5.1\r\
PID|1||123456^^^HOSP^MR||Doe^Jane^^^^^OFF||19800704|F\r\
AL1|1|XX|PCN^Penicillin^L|SEV\r";
    let mut map = map;
    let out = to_fhir_with(msg.as_bytes(), &cfg(), &mut map).expect("converts");
    let b = json(&out.json);
    assert_eq!(resources(&b, "Patient")[0]["name"][0]["use"], "official");
    let a = resources(&b, "AllergyIntolerance")[0];
    assert_eq!(a["criticality"], "high");
    // A translation outside the element's value set is not used: the code stays
    // unknown and reported.
    assert!(a.get("category").is_none());
    assert!(out.report.contains("AL1-2"), "{}", out.report);
    assert!(!out.report.contains("PID-5.7"), "{}", out.report);
    assert!(!out.report.contains("AL1-4"), "{}", out.report);

    // No PV1: an Encounter extension is refused, not silently dropped.
    struct EncExt(Option<bool>);
    impl Overrides for EncExt {
        fn z_segment(&mut self, _: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
            self.0 = Some(out.extension(ExtensionTarget::Encounter, "urn:x", |o| {
                o.str("valueString", "x")
            }));
            Handled::Mapped
        }
    }
    let mut h = EncExt(None);
    let msg = format!("{msg}ZEX|1\r");
    let out = to_fhir_with(msg.as_bytes(), &cfg(), &mut h).expect("converts");
    assert_eq!(h.0, Some(false));
    common::fhir_check::check(vec![("tables".into(), out.json)]);
}

/// Hooks that override and extend everything they are offered, with awkward keys.
struct Everything;

impl Overrides for Everything {
    fn segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        if !matches!(seg.id(), "PID" | "OBX" | "PV1" | "MSH" | "OBR") {
            return Handled::Default;
        }
        let raw = String::from_utf8_lossy(seg.segment().raw()).into_owned();
        let subject = seg.patient();
        out.resource("Basic", &[seg.id(), &raw], |o| {
            o.str("key \"odd\"\n", &raw);
            o.object("code", |o| {
                o.array("coding", |a| a.object(|o| o.str("code", &raw)))
            });
            if let Some(p) = &subject {
                o.reference("subject", p);
            }
        });
        Handled::Mapped
    }
    fn z_segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        let raw = String::from_utf8_lossy(seg.segment().raw()).into_owned();
        let _ = out.extension(ExtensionTarget::Encounter, &raw, |o| {
            o.str("valueString", &raw)
        });
        Handled::Mapped
    }
    fn datatype(&mut self, _: Datatype, value: &Repetition<'_>, out: &mut Obj<'_, '_>) -> Handled {
        out.str("text", &value.decoded());
        Handled::Mapped
    }
}

#[test]
fn corpus_with_hooks_stays_json_and_no_overrides_stays_identical() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/hl7");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("notice: HL7 corpus not found; corpus hook test skipped");
        return;
    };
    let cfg = MapConfig::with_tz(TzPolicy::AssumeOffset(0));
    let mut n = 0;
    let mut inputs: Vec<Vec<u8>> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    // Byte flips of the synthetic messages as well.
    for base in [A01, ORU] {
        for i in (0..base.len()).step_by(7) {
            let mut v = base.as_bytes().to_vec();
            v[i] = [b'|', b'^', b'~', b'\\', b'&', b'Z', b'\r'][i % 7];
            inputs.push(v);
        }
    }
    for bytes in &inputs {
        let Ok(msg) = carewire_hl7::Message::parse(bytes) else {
            continue;
        };
        let plain = convert(&msg, &cfg);
        let none = convert_with(&msg, &cfg, &mut NoOverrides);
        match (&plain, &none) {
            (Ok(a), Ok(b)) => assert_eq!((&a.json, &a.report), (&b.json, &b.report)),
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("NoOverrides changed the outcome"),
        }
        let map = ConceptMap::from_json(CONCEPT_MAP).expect("loads");
        if let Ok(out) = convert_with(&msg, &cfg, &mut Chain(Everything, map)) {
            json(&out.json);
            n += 1;
        }
    }
    assert!(n > 10, "only {n} conversions");
}
