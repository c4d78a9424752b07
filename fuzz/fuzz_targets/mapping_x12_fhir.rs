//! X12 → FHIR on any bytes: no panic; what converts is JSON, converts the same way twice,
//! and every report location ends in a byte offset inside the input. Each streaming unit
//! converts without panicking too.
#![no_main]

use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};
use carewire_mapping::x12::{convert_unit, to_fhir};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cfg = MapConfig {
        tz: TzPolicy::AssumeOffset(0),
        bundle_type: BundleType::Message,
        strict: false,
    };
    if let Ok(conv) = to_fhir(data, &cfg) {
        serde_json::from_str::<serde_json::Value>(&conv.json).expect("our JSON is JSON");
        for item in conv.report.items() {
            let offset: usize = item
                .location
                .rsplit_once('@')
                .and_then(|(_, o)| o.parse().ok())
                .expect("location ends in @offset");
            assert!(offset < data.len());
        }
        let again = to_fhir(data, &cfg).expect("same input");
        assert_eq!(again.json, conv.json);
    }
    for unit in carewire_x12::UnitReader::new(data).take(64) {
        let Ok(unit) = unit else { break };
        if let Ok(conv) = convert_unit(&unit, &cfg) {
            serde_json::from_str::<serde_json::Value>(&conv.json).expect("unit JSON is JSON");
        }
    }
});
