//! Full read of any bytes: the data set, every value accessor of every entry, private
//! creator lookups, pixel data, the owned copy, the DICOM JSON model (which must be valid
//! JSON with the model's shape), compact and pretty alike.
#![no_main]

use carewire_dicom_lite::json::JsonOptions;
use carewire_dicom_lite::{DataSet, DataSetBuf, ElementKind, ParseConfig, PixelData, Tag};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut config = ParseConfig::default();
    config.max_inflated_len = 1 << 20;
    let Ok(ds) = DataSet::parse_with(data, &config) else {
        return;
    };
    for e in ds.entries_iter() {
        let _ = e.to_str();
        let _ = e.strings();
        let _ = e.date();
        let _ = e.time();
        let _ = e.datetime();
        let _ = e.with_person_name(|pn| pn.ideographic.given.len());
        let _ = e.decimals();
        let _ = e.integers();
        let _ = e.uint();
        let _ = (e.u16s(), e.i16s(), e.u32s(), e.i32s(), e.u64s(), e.i64s());
        let _ = (e.f32s(), e.f64s(), e.tags(), e.uid());
        let _ = e.tag().keyword();
        if e.kind() == ElementKind::Item {
            let _ = e.get_private(0x0029, "SIEMENS CSA HEADER", 0x10);
        }
    }
    let _ = ds.get_private(0x0029, "SIEMENS CSA HEADER", 0x10);
    if let Some(PixelData::Encapsulated(f)) = ds.pixel_data() {
        let _ = (f.offsets(), f.fragments().count());
    }
    let _ = ds.get(Tag::PIXEL_DATA);
    if let Ok(buf) = DataSetBuf::from_view(&ds) {
        let _ = format!("{buf:?}");
    }
    for pretty in [false, true] {
        let mut n = 0usize;
        let mut opts = JsonOptions::new()
            .pretty(pretty)
            .bulk_data_uri(|e| (e.raw().len() % 3 == 0).then(|| format!("u{}", e.position())));
        let text = ds.to_json_with(&mut opts);
        let v: serde_json::Value = serde_json::from_str(&text).expect("our JSON is JSON");
        let obj = v.as_object().expect("an object");
        for (k, attr) in obj {
            assert_eq!(k.len(), 8);
            assert!(attr.get("vr").and_then(|v| v.as_str()).is_some());
            n += 1;
        }
        let _ = n;
    }
});
