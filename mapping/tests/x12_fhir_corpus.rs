//! X12 → FHIR over every pass file of the shared corpus (`../shared/corpus/x12`):
//! no panic, and every report item checked against the input (its location names an
//! existing segment at that byte offset, and the element it names is non-empty).

mod common;

use carewire_mapping::fhir::{BundleType, ErrorKind, MapConfig, ReportKind, TzPolicy};
use carewire_mapping::x12::{convert_unit, to_fhir};

/// Checks one report location against the input: `<ST01>*<ST02>/[loop/]<SEG>[NN]@<offset>`.
fn check_location(input: &[u8], location: &str, kind: ReportKind) -> Result<(), String> {
    let (path, offset) = location
        .rsplit_once('@')
        .ok_or_else(|| format!("no offset in {location}"))?;
    let offset: usize = offset
        .parse()
        .map_err(|_| format!("bad offset in {location}"))?;
    let last = path.rsplit('/').next().unwrap_or("");
    let seg_id: String = last
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        .collect();
    // The segment id is 2-3 characters; what follows is the element number.
    let (id, element) = if matches!(kind, ReportKind::SegmentNotMapped) {
        (seg_id.as_str(), None)
    } else {
        let split = seg_id.len() - 2;
        (
            &seg_id[..split],
            Some(
                seg_id[split..]
                    .parse::<usize>()
                    .map_err(|e| e.to_string())?,
            ),
        )
    };
    let doc = carewire_x12::Document::parse(input).map_err(|e| e.to_string())?;
    let seg = doc
        .segments()
        .find(|s| s.offset() == offset)
        .ok_or_else(|| format!("{location}: no segment at offset"))?;
    if seg.id() != id.as_bytes() {
        return Err(format!("{location}: segment at offset is not {id}"));
    }
    match element {
        Some(n) if seg.raw_element(n).is_empty() => Err(format!("{location}: element is empty")),
        None if (1..=seg.element_count()).all(|n| seg.raw_element(n).is_empty()) => {
            Err(format!("{location}: segment is empty"))
        }
        _ => Ok(()),
    }
}

/// Invariants the schema validator does not check: every `urn:uuid:` reference names
/// an entry, and every Organization has a name or an identifier (org-1).
fn check_bundle(b: &serde_json::Value) -> Result<(), String> {
    let entries = b["entry"].as_array().ok_or("no entries")?;
    let urls: std::collections::HashSet<&str> = entries
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    fn refs<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match x.as_str() {
                        Some(r) if k == "reference" => out.push(r),
                        _ => refs(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    for e in entries {
        let r = &e["resource"];
        let mut found = Vec::new();
        refs(r, &mut found);
        for target in found {
            if !urls.contains(target) {
                return Err(format!("dangling reference in a {}", r["resourceType"]));
            }
        }
        if r["resourceType"] == "Organization"
            && r.get("name").is_none()
            && r.get("_name").is_none()
            && r.get("identifier").is_none()
        {
            return Err("Organization without name or identifier".into());
        }
    }
    Ok(())
}

#[test]
fn corpus_converts_and_reports_check() {
    let files = common::x12_pass_files();
    if files.is_empty() {
        eprintln!("notice: ../shared/corpus/x12 not found; corpus test skipped");
        return;
    }
    let cfg = MapConfig {
        tz: TzPolicy::AssumeOffset(-300),
        bundle_type: BundleType::Batch,
        strict: false,
    };
    let (mut converted, mut unsupported, mut items) = (0, 0, 0);
    for f in &files {
        let input = std::fs::read(f).expect("test input");
        match to_fhir(&input, &cfg) {
            Ok(conv) => {
                converted += 1;
                let v: serde_json::Value = serde_json::from_str(&conv.json)
                    .unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", f.display()));
                assert_eq!(v["resourceType"], "Bundle");
                check_bundle(&v).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                for item in conv.report.items() {
                    items += 1;
                    check_location(&input, &item.location, item.kind)
                        .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                }
                if std::env::var_os("X12_FHIR_VERBOSE").is_some() {
                    eprintln!("{}: {} items", f.display(), conv.report.len());
                    for i in conv.report.items() {
                        eprintln!("   {i}");
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::Parse => {
                // Only input the X12 parser itself refuses (UTF-16) may fail to parse.
                assert!(
                    carewire_x12::Document::parse(&input).is_err(),
                    "{}",
                    f.display()
                );
                unsupported += 1;
            }
            Err(e) => {
                let name = f.to_string_lossy();
                assert!(
                    !(name.contains("/835/")
                        || name.contains("/837P/")
                        || name.contains("/837I/")
                        || name.contains("/271/")),
                    "{}: {e}",
                    f.display()
                );
                unsupported += 1;
            }
        }
    }
    eprintln!("{converted} converted, {unsupported} without a mapped set, {items} report items");
    assert!(converted > 20);
}

#[test]
fn corpus_units_convert() {
    for f in common::x12_pass_files() {
        let input = std::fs::read(&f).expect("test input");
        for unit in carewire_x12::UnitReader::new(&input[..]) {
            let Ok(unit) = unit else { break };
            let conv = convert_unit(&unit, &MapConfig::with_tz(TzPolicy::DateOnly));
            let conv = match conv {
                Ok(c) => c,
                Err(e) if e.kind() == ErrorKind::UnsupportedMessage => continue,
                Err(e) => panic!("{}: {e}", f.display()),
            };
            for item in conv.report.items() {
                check_location(&input, &item.location, item.kind)
                    .unwrap_or_else(|e| panic!("{}: unit {e}", f.display()));
            }
        }
    }
}
