//! ORM, OML, VXU, MDM, SIU and DFT built from random segments convert without panicking;
//! whatever converts is valid JSON with every reference resolving, each report item
//! names a segment of the message, and strict mode fails exactly when the report is
//! not empty.

mod common;

use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};
use carewire_mapping::v2::to_fhir;
use proptest::prelude::*;

const IDS: &[&str] = &[
    "EVN", "PV1", "ORC", "OBR", "TQ1", "NTE", "DG1", "OBX", "SPM", "AL1", "IN1", "RXA", "RXR",
    "TXA", "SCH", "RGS", "AIS", "AIG", "AIL", "AIP", "FT1", "PR1", "ZXX",
];

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\"\"".to_string()),
        "[A-Za-z0-9 .+<>:-]{0,12}",
        "(19|20)[0-9]{2}(0[1-9]|1[0-2])([0-2][0-9])?([01][0-9][0-5][0-9])?([+-]0[0-9]00)?",
        "[A-Z0-9]{1,5}(\\^[A-Za-z0-9 ]{0,6}){0,9}",
        "[A-Z0-9]{1,5}(\\^[A-Za-z0-9&]{0,6}){0,5}(~[A-Z0-9^]{0,8}){0,3}",
        "(NM|ST|SN|CWE|DT|TS|ED|TX|FT|NR|TM|DR|IS|CX|NA|XX)",
        "(NW|CA|SC|CM|XO|RE|OC|ZZ|CP|RE|NA|PA|D|A|U|G|S|R|Booked|Cancelled|CG|CD|AU|DI)",
        "\\^(AP|TEXT|IM)\\^(PDF|PNG|HTML)\\^(Base64|Hex|A|Q)\\^[A-Za-z0-9+/=]{0,12}",
        "[-<>]?[0-9]{1,4}(\\.[0-9]{1,2})?(\\^[-:/]?[0-9]{1,3})?",
        "[0-9]{1,3}(&[A-Z]{3})?",
    ]
}

fn segment() -> impl Strategy<Value = String> {
    (
        prop::sample::select(IDS),
        prop::collection::vec(field(), 0..32),
    )
        .prop_map(|(id, fields)| format!("{id}|{}", fields.join("|")))
}

fn message() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        prop::sample::select(
            &[
                "ORM^O01", "OML^O21", "VXU^V04", "MDM^T02", "SIU^S12", "DFT^P03",
            ][..],
        ),
        prop::collection::vec(segment(), 0..20),
    )
        .prop_map(|(ty, segs)| {
            let mut m = format!(
                "MSH|^~\\&|A|B|C|D|20240101120000+0100||{ty}|1|P|2.5.1\rPID|1||1^^^H^MR||Doe^J\r"
            );
            let mut ids = vec!["MSH".to_string(), "PID".to_string()];
            for s in segs {
                ids.push(s.get(..3).unwrap_or("").to_string());
                m.push_str(&s);
                m.push('\r');
            }
            (m, ids)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn new_message_types_convert_or_error_cleanly((m, ids) in message(), tz in 0u8..3, ty in 0u8..3) {
        let cfg = MapConfig {
            tz: [TzPolicy::Error, TzPolicy::DateOnly, TzPolicy::AssumeOffset(60)][usize::from(tz)],
            bundle_type: [BundleType::Message, BundleType::Transaction, BundleType::Batch][usize::from(ty)],
            strict: false,
        };
        if let Ok(out) = to_fhir(m.as_bytes(), &cfg) {
            common::check_bundle_json(&out.json);
            for item in out.report.items() {
                let seg = item.location.get(..3).unwrap_or("");
                prop_assert!(ids.iter().any(|i| i == seg), "{} names no segment", item.location);
            }
            let strict = MapConfig { strict: true, ..cfg };
            prop_assert_eq!(to_fhir(m.as_bytes(), &strict).is_err(), !out.report.is_empty());
        }
    }
}
