//! Validates the Bundles of the order, immunization, document, scheduling and charge
//! message mappings (ORM, OML, VXU, MDM, SIU, DFT) with `fhir.resources` (see
//! `common::fhir_check`), in the three Bundle types and the three time-zone policies.

mod common;

use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};
use carewire_mapping::v2::to_fhir;

#[test]
fn order_bundles_validate_with_fhir_resources() {
    let mut bundles: Vec<(String, String)> = Vec::new();
    for (ty, name) in [
        (BundleType::Message, "message"),
        (BundleType::Transaction, "transaction"),
        (BundleType::Batch, "batch"),
    ] {
        for tz in [
            TzPolicy::Error,
            TzPolicy::DateOnly,
            TzPolicy::AssumeOffset(-300),
        ] {
            let cfg = MapConfig {
                bundle_type: ty,
                ..MapConfig::with_tz(tz)
            };
            for (m, text) in common::NEW_MESSAGES {
                let out = to_fhir(text.as_bytes(), &cfg).expect("synthetic message converts");
                bundles.push((format!("{m} {name} {tz:?}"), out.json));
            }
        }
    }
    let n = common::fhir_check::check(bundles);
    eprintln!("validated {n:?} bundles");
}
