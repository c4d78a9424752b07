//! Validates every Bundle the X12 → FHIR mapping writes in the test suite with an
//! independent validator (`fhir.resources`, see `common/fhir_check.rs`): the golden
//! fixtures under every Bundle type and time-zone policy, the streaming unit
//! conversions, and every pass file of `../shared/corpus/x12`.

mod common;
#[path = "x12_common/mod.rs"]
mod x12_common;

use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};
use carewire_mapping::x12::{convert_unit, to_fhir};

#[test]
fn x12_bundles_validate_with_fhir_resources() {
    let mut bundles: Vec<(String, String)> = Vec::new();
    let fixtures = [
        ("837p", x12_common::P837),
        ("837i", x12_common::I837),
        ("835", x12_common::R835),
        ("271", x12_common::E271),
    ];
    for (ty, ty_name) in [
        (BundleType::Message, "message"),
        (BundleType::Transaction, "transaction"),
        (BundleType::Batch, "batch"),
    ] {
        for (tz, tz_name) in [
            (TzPolicy::DateOnly, "date-only"),
            (TzPolicy::AssumeOffset(-300), "-05:00"),
        ] {
            let cfg = MapConfig {
                tz,
                bundle_type: ty,
                strict: false,
            };
            for (name, input) in fixtures {
                let conv = to_fhir(input.as_bytes(), &cfg).expect("test input");
                bundles.push((format!("{name} {ty_name} {tz_name}"), conv.json));
                for (k, unit) in carewire_x12::UnitReader::new(input.as_bytes()).enumerate() {
                    let conv = convert_unit(&unit.expect("test input"), &cfg).expect("test input");
                    bundles.push((format!("{name} unit {k} {ty_name} {tz_name}"), conv.json));
                }
            }
        }
    }
    let files = common::x12_pass_files();
    if files.is_empty() {
        eprintln!("notice: ../shared/corpus/x12 not found; corpus bundles not validated");
    }
    let cfg = MapConfig {
        tz: TzPolicy::AssumeOffset(0),
        bundle_type: BundleType::Message,
        strict: false,
    };
    let mut corpus = 0;
    for f in &files {
        let input = std::fs::read(f).expect("test input");
        if let Ok(conv) = to_fhir(&input, &cfg) {
            corpus += 1;
            bundles.push((f.display().to_string(), conv.json));
        }
    }
    if !files.is_empty() {
        assert!(corpus > 20, "only {corpus} corpus files converted");
    }
    match common::fhir_check::check(bundles) {
        Some(n) => eprintln!("{n} X12 bundles valid ({corpus} from the corpus)"),
        None => eprintln!("notice: fhir.resources unavailable; validation skipped"),
    }
}
