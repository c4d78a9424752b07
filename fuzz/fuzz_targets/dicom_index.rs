//! Read any bytes as a DICOM file or bare data set (lenient, strict, header-only, and each
//! transfer syntax forced), decode every value of every entry, check parents enclose
//! their children, and check that what reads writes back byte for byte.
#![no_main]

use carewire_dicom_lite::{DataSet, Index, ParseConfig, Parser, PixelData, TransferSyntax};
use libfuzzer_sys::fuzz_target;

fn walk(ds: &DataSet<'_>) {
    for e in ds.entries_iter() {
        let _ = e.to_str();
        let _ = e.strings();
        let _ = e.date();
        let _ = e.time();
        let _ = e.datetime();
        let _ = e.with_person_name(|pn| pn.alphabetic.family.len());
        let _ = e.decimals();
        let _ = e.integers();
        let _ = e.uint();
        let _ = e.u16s();
        let _ = e.f64s();
        let _ = e.tags();
        let _ = e.character_set();
        let span = e.value_span();
        assert!(span.start <= span.end);
        if let Some(p) = e.parent() {
            assert!(p.position() < e.position());
        }
    }
    if let Some(PixelData::Encapsulated(f)) = ds.pixel_data() {
        let _ = f.offsets();
        let _ = f.fragments().count();
    }
    let _ = format!("{ds:?}");
}

fuzz_target!(|data: &[u8]| {
    let mut small = ParseConfig::default();
    small.max_inflated_len = 1 << 20;
    let configs = [
        small.clone(),
        ParseConfig::strict(),
        small
            .clone()
            .stop_before_pixel_data(true)
            .max_header_len(256),
        small
            .clone()
            .transfer_syntax(TransferSyntax::ImplicitVrLittleEndian),
        small
            .clone()
            .transfer_syntax(TransferSyntax::ExplicitVrBigEndian),
        small.clone().max_depth(3),
    ];
    for config in &configs {
        if let Ok(ds) = DataSet::parse_with(data, config) {
            walk(&ds);
            assert_eq!(ds.to_vec(), data);
        }
    }
    // A reused index gives the same result as a fresh one.
    let parser = Parser::new(small.clone());
    let mut index = Index::new();
    let _ = parser
        .parse_into(b"\x08\x00\x60\x00CS\x02\x00MR", &mut index)
        .map(|d| d.entry_count());
    let reused = parser.parse_into(data, &mut index).map(|d| d.to_vec());
    let fresh = DataSet::parse_with(data, &small).map(|d| d.to_vec());
    assert_eq!(reused.is_ok(), fresh.is_ok());
});
