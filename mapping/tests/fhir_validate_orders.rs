//! Validates the Bundles of the order, immunization, document, scheduling and charge
//! message mappings (ORM, OML, VXU, MDM, SIU, DFT) with `fhir.resources` (see
//! `common::fhir_check`), in the three Bundle types and the three time-zone policies.

mod common;

use carewire_mapping::v2::to_fhir;

#[test]
fn order_bundles_validate_with_fhir_resources() {
    let mut bundles: Vec<(String, String)> = Vec::new();
    for (label, cfg) in common::bundle_configs() {
        for (m, text) in common::NEW_MESSAGES {
            let out = to_fhir(text.as_bytes(), &cfg).expect("synthetic message converts");
            bundles.push((format!("{m} {label}"), out.json));
        }
    }
    let n = common::fhir_check::check(bundles);
    eprintln!("validated {n:?} bundles");
}
