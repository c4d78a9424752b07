//! FHIR de-identification on any bytes: no panic; what de-identifies is JSON, and
//! de-identifying it again is deterministic (same key, same output).
#![no_main]

use carewire_mapping::deid::fhir::deidentify_json;
use carewire_mapping::deid::{DeidKey, Deidentifier, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = DeidKey::new(b"fuzzing key, 16+ bytes long").expect("key");
    let deid = Deidentifier::new(key, Policy::safe_harbor());
    let Ok((out, _)) = deidentify_json(&deid, data) else {
        return;
    };
    serde_json::from_str::<serde_json::Value>(&out).expect("our JSON is JSON");
    let again = deidentify_json(&deid, data).expect("same input");
    assert_eq!(again.0, out);
});
