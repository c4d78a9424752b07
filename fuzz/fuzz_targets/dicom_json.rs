//! DICOM JSON input on any text: no panic; what reads writes as Explicit VR LE, reads
//! back, and goes round JSON → data set → JSON to a fixed point.
#![no_main]

use carewire_dicom_lite::{json, DataSet, TransferSyntax};
use libfuzzer_sys::fuzz_target;

/// JSON text → owned data set → Explicit VR LE bytes → our JSON, as a value.
fn round(text: &str) -> Option<serde_json::Value> {
    let buf = json::from_json_with(text, |uri, _, _| Some(uri.as_bytes().to_vec())).ok()?;
    let bytes = buf.write(TransferSyntax::ExplicitVrLittleEndian).ok()?;
    if bytes.is_empty() {
        // `{}` (or only file meta): an empty data set, which reads as ErrorKind::Empty.
        return Some(serde_json::json!({}));
    }
    let ds = DataSet::parse(&bytes).expect("our own output reads");
    let out = ds.to_json();
    Some(serde_json::from_str(&out).expect("our JSON is JSON"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(j1) = round(text) else {
        return;
    };
    let j2 = round(&j1.to_string()).expect("our JSON reads back");
    let j3 = round(&j2.to_string()).expect("our JSON reads back");
    assert_eq!(j2, j3, "JSON → data set → JSON is a fixed point");
});
