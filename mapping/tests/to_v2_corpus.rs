//! FHIR → HL7 v2 over the public HL7 v2 corpus (`../shared/corpus/hl7`): every ADT, ORU,
//! ORM and OML message that converts to FHIR converts back without an error, the
//! message parses, converts to FHIR again, and every item the reverse report names
//! is a path into the Bundle. Skips with a notice when the corpus is absent.

mod common;

use carewire_mapping::fhir::{MapConfig, TzPolicy};
use carewire_mapping::to_v2::{from_fhir, Target, V2Config};
use carewire_mapping::v2::to_fhir;

#[test]
fn corpus_messages_round_trip() {
    let Some(dir) = common::corpus_dir("hl7") else {
        println!("corpus not found: skipped");
        return;
    };
    let files = common::files_in(&dir);
    let cfg = MapConfig::with_tz(TzPolicy::AssumeOffset(0));
    let (mut converted, mut clean) = (0, 0);
    for path in files {
        let bytes = std::fs::read(&path).expect("read");
        let Ok(msg) = carewire_hl7::Message::parse(&bytes) else {
            continue;
        };
        let h = msg.header();
        let ty = format!(
            "{}_{}",
            h.message_type().unwrap_or_default(),
            h.trigger_event().unwrap_or_default()
        );
        let target = match ty.as_str() {
            "ADT_A08" => Target::AdtA08,
            t if t.starts_with("ADT_") => Target::AdtA01,
            "ORU_R01" => Target::OruR01,
            "ORM_O01" => Target::OrmO01,
            "OML_O21" => Target::OmlO21,
            _ => continue,
        };
        let Ok(fwd) = to_fhir(&bytes, &cfg) else {
            continue;
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let back = match from_fhir(&fwd.json, target, &V2Config::default()) {
            Ok(b) => b,
            // A message without the resource its target needs (an ORU without OBR).
            Err(e) if e.kind() == carewire_mapping::fhir::ErrorKind::MissingResource => continue,
            Err(e) => panic!("{name}: {e}"),
        };
        converted += 1;
        for item in back.report.items() {
            assert!(item.location.starts_with("Bundle.entry["), "{name}: {item}");
        }
        if back.report.is_empty() {
            clean += 1;
        }
        carewire_hl7::Message::parse(&back.message).expect("our message parses");
        to_fhir(&back.message, &cfg).unwrap_or_else(|e| panic!("{name}: again: {e}"));
    }
    println!("corpus: {converted} messages converted back, {clean} with an empty report");
    assert!(converted > 0);
    // The rest name what v2 has no field for in these targets (A40 Patient.link, an ORM
    // Specimen) or what the forward mapping wrote without a reference to it.
    assert!(clean * 4 >= converted * 3, "{clean} of {converted}");
}
