//! X12 tokenizer over any bytes: no panic (lenient and strict); whatever parses walks,
//! places every segment of a known transaction set in a loop, writes back byte for byte,
//! streams to the same segments through a tiny buffer, and re-delimited output parses to
//! the same segment count.
#![no_main]

use std::io::BufReader;

use carewire_x12::{
    write_verbatim, write_with, Delimiters, Document, LineEnding, ParseConfig, SegmentReader,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Document::parse_with(data, &ParseConfig::strict());
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    for seg in doc.segments() {
        let _ = format!("{seg:?}");
        for el in seg.elements() {
            for rep in el.repetitions() {
                for c in rep.components() {
                    let _ = c.decoded();
                }
            }
        }
    }
    for f in doc.findings() {
        let _ = f.to_string();
    }
    // Loops: every segment of every set with a guide lands in a loop.
    for ich in doc.interchanges() {
        let _ = carewire_x12::Ta1::for_interchange(&ich);
        for group in ich.groups() {
            for set in group.transaction_sets() {
                if let Some(tree) = set.loops() {
                    for i in 0..set.segment_count() {
                        assert!(!tree.loop_of(i).is_empty(), "segment without a loop");
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    write_verbatim(&doc, &mut out).expect("write to Vec");
    assert_eq!(out, data, "verbatim round trip");

    let mut reader = SegmentReader::new(BufReader::with_capacity(3, data));
    let mut streamed = Vec::new();
    for (seg, slice) in (&mut reader).zip(doc.segments()) {
        let seg = seg.expect("the stream reads what the slice parser read");
        assert_eq!(seg.raw(), slice.raw(), "stream disagrees");
        assert_eq!(seg.trailer(), slice.trailer(), "stream trailer disagrees");
        assert_eq!(seg.is_interchange_header(), slice.is_interchange_header());
        streamed.extend_from_slice(seg.as_bytes());
    }
    assert!(reader.next().is_none(), "the stream has more segments");
    let mut whole = reader.prefix().to_vec();
    whole.extend_from_slice(&streamed);
    assert_eq!(whole, data, "the stream lost or added bytes");

    let delims = Delimiters::new(b'|', b'>', Some(b'!'), b'\n').expect("valid set");
    let mut out = Vec::new();
    if write_with(&doc, delims, LineEnding::None, &mut out).is_ok() {
        let back = Document::parse(&out).expect("re-delimited output parses");
        assert_eq!(back.segment_count(), doc.segment_count());
    }
});
