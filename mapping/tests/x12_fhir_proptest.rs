//! Hostile input for X12 → FHIR: truncated, garbled and spliced interchanges never
//! panic; a conversion either fails with an error or returns a Bundle that is valid
//! JSON and a report whose every location names a segment.

#[path = "x12_common/mod.rs"]
mod x12_common;

use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};
use carewire_mapping::x12::{convert_unit, to_fhir};
use proptest::prelude::*;

const FIXTURES: [&str; 4] = [
    x12_common::P837,
    x12_common::I837,
    x12_common::R835,
    x12_common::E271,
];

fn check(input: &[u8]) {
    for bundle_type in [BundleType::Batch, BundleType::Message] {
        let cfg = MapConfig {
            tz: TzPolicy::AssumeOffset(60),
            bundle_type,
            strict: false,
        };
        if let Ok(conv) = to_fhir(input, &cfg) {
            let v: serde_json::Value = serde_json::from_str(&conv.json).expect("bundle is JSON");
            assert_eq!(v["resourceType"], "Bundle");
            for item in conv.report.items() {
                let (_, offset) = item.location.rsplit_once('@').expect("offset");
                let offset: usize = offset.parse().expect("number");
                assert!(offset < input.len(), "{item}");
            }
        }
    }
    for unit in carewire_x12::UnitReader::new(input).take(50) {
        let Ok(unit) = unit else { break };
        if let Ok(conv) = convert_unit(&unit, &MapConfig::with_tz(TzPolicy::DateOnly)) {
            serde_json::from_str::<serde_json::Value>(&conv.json).expect("unit bundle is JSON");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn truncated_interchanges_do_not_panic(which in 0usize..4, cut in 0.0f64..1.0) {
        let input = FIXTURES[which].as_bytes();
        let at = ((input.len() as f64) * cut) as usize;
        check(&input[..at.min(input.len())]);
    }

    #[test]
    fn garbled_interchanges_do_not_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((0.0f64..1.0, prop::sample::select(
            vec![b'*', b':', b'~', b'^', b'\n', b'0', b'9', b'A', b'-', b'.', 0xff, 0xc3]
        )), 1..12),
    ) {
        let mut input = FIXTURES[which].as_bytes().to_vec();
        for (pos, byte) in edits {
            let at = ((input.len() as f64) * pos) as usize;
            if let Some(b) = input.get_mut(at) {
                *b = byte;
            }
        }
        check(&input);
    }

    #[test]
    fn spliced_interchanges_do_not_panic(a in 0usize..4, b in 0usize..4, x in 0.0f64..1.0, y in 0.0f64..1.0) {
        let (ia, ib) = (FIXTURES[a].as_bytes(), FIXTURES[b].as_bytes());
        let mut input = ia[..((ia.len() as f64) * x) as usize].to_vec();
        input.extend_from_slice(&ib[((ib.len() as f64) * y) as usize..]);
        check(&input);
    }
}

#[test]
fn every_segment_emptied_does_not_panic() {
    for f in FIXTURES {
        let segs: Vec<&str> = f.split_inclusive('~').collect();
        for k in 0..segs.len() {
            let mut s = String::new();
            for (i, seg) in segs.iter().enumerate() {
                if i == k {
                    // Keep the id, drop every element.
                    let id = seg.trim_start().split('*').next().unwrap_or("");
                    s.push_str(id);
                    s.push('~');
                } else {
                    s.push_str(seg);
                }
            }
            check(s.as_bytes());
        }
    }
}
