//! Any input converts without panicking; whatever converts is valid JSON with every
//! reference resolving to an entry, and orphan segments are reported.

mod common;

use carewire_mapping::fhir::{BundleType, MapConfig, ReportKind, TzPolicy};
use carewire_mapping::v2::to_fhir;
use proptest::prelude::*;

const IDS: &[&str] = &[
    "EVN", "PID", "PD1", "NK1", "PV1", "PV2", "AL1", "DG1", "PR1", "IN1", "MRG", "ORC", "OBR",
    "OBX", "NTE", "ZXX",
];

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\"\"".to_string()),
        "[A-Za-z0-9 .+<>:-]{0,12}",
        "(19|20)[0-9]{2}(0[1-9]|1[0-2])([0-2][0-9])?([01][0-9][0-5][0-9])?([+-]0[0-9]00)?",
        "[A-Z0-9]{1,5}(\\^[A-Za-z0-9 ]{0,6}){0,9}",
        "[A-Z0-9]{1,5}(\\^[A-Za-z0-9&]{0,6}){0,5}(~[A-Z0-9^]{0,8}){0,3}",
        "(NM|ST|SN|CWE|DT|TS|ED|TX|XX)",
        "[-<>]?[0-9]{1,4}(\\.[0-9]{1,2})?(\\^[-:/][0-9]{1,3})?",
    ]
}

fn segment() -> impl Strategy<Value = String> {
    (
        prop::sample::select(IDS),
        prop::collection::vec(field(), 0..40),
    )
        .prop_map(|(id, fields)| format!("{id}|{}", fields.join("|")))
}

fn message() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["ADT^A01", "ADT^A08", "ADT^A40", "ORU^R01"][..]),
        prop::collection::vec(segment(), 0..25),
    )
        .prop_map(|(ty, segs)| {
            let mut m = format!(
                "MSH|^~\\&|A|B|C|D|20240101120000+0100||{ty}|1|P|2.5.1\rPID|1||1^^^H^MR||Doe^J\r"
            );
            for s in segs {
                m.push_str(&s);
                m.push('\r');
            }
            m
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_message_converts_or_errors_cleanly(m in message(), tz in 0u8..3, ty in 0u8..3) {
        let cfg = MapConfig {
            tz: [TzPolicy::Error, TzPolicy::DateOnly, TzPolicy::AssumeOffset(60)][usize::from(tz)],
            bundle_type: [BundleType::Message, BundleType::Transaction, BundleType::Batch][usize::from(ty)],
            strict: false,
        };
        if let Ok(out) = to_fhir(m.as_bytes(), &cfg) {
            common::check_bundle_json(&out.json);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut input = b"MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5.1\rPID|1||1\r".to_vec();
        input.extend_from_slice(&bytes);
        let _ = to_fhir(&input, &MapConfig::with_tz(TzPolicy::DateOnly));
        let _ = to_fhir(&bytes, &MapConfig::default());
    }
}

#[test]
fn orphan_segments_are_reported() {
    let oru = "MSH|^~\\&|A|B|C|D|20240101120000+0000||ORU^R01|1|P|2.5.1\r\
PID|1||1^^^H^MR||Doe^J\r\
OBX|1|NM|1-1^X^LN||5||||||F\r\
NTE|1||early note\r\
OBR|1||F1^LAB|1-2^Y^LN\r";
    let out = to_fhir(oru.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    let kinds: Vec<_> = out
        .report
        .items()
        .iter()
        .map(|i| (i.location.as_str(), i.kind))
        .collect();
    assert!(
        kinds.contains(&("OBX", ReportKind::SegmentNotMapped)),
        "{}",
        out.report
    );
    assert!(
        kinds.contains(&("NTE", ReportKind::SegmentNotMapped)),
        "{}",
        out.report
    );
    let adt = "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A01|1|P|2.5.1\r\
PID|1||1^^^H^MR||Doe^J\r\
NTE|1||loose note\r";
    let out = to_fhir(adt.as_bytes(), &MapConfig::with_tz(TzPolicy::Error)).expect("converts");
    assert!(out.report.contains("NTE"), "{}", out.report);
}
