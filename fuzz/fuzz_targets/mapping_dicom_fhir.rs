//! DICOM → FHIR on any bytes: no panic; every Bundle written is JSON with one
//! ImagingStudy whose counts match its series; the same bytes twice in one StudyBuilder
//! give the same instance count.
#![no_main]

use carewire_mapping::dicom::{to_fhir, StudyBuilder};
use carewire_mapping::fhir::{MapConfig, TzPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = MapConfig::with_tz(TzPolicy::AssumeOffset(0));
    let Ok(out) = to_fhir(data, &config) else {
        return;
    };
    let v: serde_json::Value = serde_json::from_str(&out.json).expect("our JSON is JSON");
    let entries = v["entry"].as_array().expect("entries");
    let studies: Vec<_> = entries
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "ImagingStudy")
        .collect();
    assert_eq!(studies.len(), 1);
    let series = studies[0]["series"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(studies[0]["numberOfSeries"].as_u64(), Some(series as u64));
    let mut b = StudyBuilder::new(config);
    let _ = b.add(data);
    let once = b.instance_count();
    let _ = b.add(data);
    assert_eq!(b.instance_count(), once);
});
