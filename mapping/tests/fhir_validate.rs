//! Validates the Bundles this crate writes with an independent FHIR validator: the
//! `fhir.resources` package from PyPI (pydantic models generated from the FHIR
//! specification; its R4B models, which equal R4 for the resources written here).
//!
//! The test's own setup creates a virtual environment under the system temp directory
//! (`carewire-mapping-fhir-venv`, reused by later runs) and installs the package there.
//! When Python, venv or the network is unavailable it prints a notice and passes.
//! `CAREWIRE_FHIR_PYTHON=/path/to/python` uses an existing interpreter that already has
//! `fhir.resources` installed.

mod common;
use common::{A01, ORU};

use carewire_mapping::fhir::{MapConfig, TzPolicy};
use carewire_mapping::v2::{convert, to_fhir};

#[test]
fn bundles_validate_with_fhir_resources() {
    let mut bundles: Vec<(String, String)> = Vec::new();
    for (label, cfg) in common::bundle_configs() {
        for (m, text) in [("A01", A01), ("ORU", ORU)] {
            let out = to_fhir(text.as_bytes(), &cfg).expect("synthetic message converts");
            bundles.push((format!("{m} {label}"), out.json));
        }
    }
    let mut corpus = 0;
    if let Some(dir) = common::corpus_dir("hl7") {
        let files = common::files_in(&dir);
        for path in files {
            let bytes = std::fs::read(&path).expect("read");
            let Ok(msg) = carewire_hl7::Message::parse(&bytes) else {
                continue;
            };
            if let Ok(out) = convert(&msg, &MapConfig::with_tz(TzPolicy::AssumeOffset(0))) {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                bundles.push((name.unwrap_or_default(), out.json));
                corpus += 1;
            }
        }
    } else {
        eprintln!("notice: HL7 corpus not found; validating synthetic bundles only");
    }
    let n = common::fhir_check::check(bundles);
    eprintln!("validated {n:?} bundles ({corpus} from the corpus)");
}
