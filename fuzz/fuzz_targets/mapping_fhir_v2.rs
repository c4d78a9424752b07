//! FHIR → HL7 v2 on any bytes (as a Bundle for each target): no panic; what converts
//! parses as HL7 v2 and converts back to FHIR without a parse error.
#![no_main]

use carewire_mapping::fhir::{MapConfig, TzPolicy};
use carewire_mapping::to_v2::{from_fhir, Target, V2Config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let cfg = V2Config {
        datetime: Some("20240101000000+0000".into()),
        ..V2Config::default()
    };
    for t in [
        Target::AdtA01,
        Target::OruR01,
        Target::OrmO01,
        Target::OmlO21,
    ] {
        let Ok(out) = from_fhir(text, t, &cfg) else {
            continue;
        };
        carewire_hl7::Message::parse(&out.message).expect("our HL7 v2 parses");
        let back = carewire_mapping::v2::to_fhir(
            &out.message,
            &MapConfig::with_tz(TzPolicy::AssumeOffset(0)),
        );
        assert!(
            !matches!(back, Err(ref e) if e.kind() == carewire_mapping::fhir::ErrorKind::Parse),
            "our HL7 v2 converts"
        );
    }
});
