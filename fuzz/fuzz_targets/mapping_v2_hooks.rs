//! HL7 v2 → FHIR with overrides on any bytes: hooks that override segments, map every
//! Z-segment to an extension, replace names with odd keys and translate codes through a
//! ConceptMap never panic and never make the Bundle invalid JSON; any bytes as a
//! ConceptMap are a map or an error.
#![no_main]

use carewire_hl7::Repetition;
use carewire_mapping::fhir::{MapConfig, TzPolicy};
use carewire_mapping::v2::{
    to_fhir_with, Chain, ConceptMap, Datatype, Emit, ExtensionTarget, Handled, Obj, Overrides,
    SegmentCtx,
};
use libfuzzer_sys::fuzz_target;

const MAP: &str = r#"{"resourceType":"ConceptMap","group":[
 {"source":"L","target":"http://loinc.org","unmapped":{"mode":"provided"}},
 {"source":"http://terminology.hl7.org/CodeSystem/v2-0001","target":"http://hl7.org/fhir/administrative-gender",
  "element":[{"code":"W","target":[{"code":"female","equivalence":"equal"}]}]}]}"#;

struct Every(u8);

impl Overrides for Every {
    fn segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        if self.0 & 1 == 0 || !matches!(seg.id(), "PID" | "OBX" | "PV1" | "MSH") {
            return Handled::Default;
        }
        let raw = String::from_utf8_lossy(seg.segment().raw()).into_owned();
        let subject = seg.patient();
        out.resource("Basic", &[seg.id(), &raw], |o| {
            o.str("key \"odd\"\n", &raw);
            o.object("code", |o| o.array("coding", |a| a.str(&raw)));
            if let Some(p) = &subject {
                o.reference("subject", p);
            }
        });
        out.report(1, carewire_mapping::fhir::ReportKind::NotMapped);
        Handled::Mapped
    }
    fn z_segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
        let raw = String::from_utf8_lossy(seg.segment().raw()).into_owned();
        let target = if self.0 & 2 == 0 {
            ExtensionTarget::Patient
        } else {
            ExtensionTarget::Encounter
        };
        if out.extension(target, &raw, |o| o.str("valueString", &raw)) {
            Handled::Mapped
        } else {
            Handled::Default
        }
    }
    fn datatype(&mut self, kind: Datatype, value: &Repetition<'_>, out: &mut Obj<'_, '_>) -> Handled {
        if self.0 & 4 == 0 || kind != Datatype::Xpn {
            return Handled::Default;
        }
        out.str("text", &value.decoded());
        out.decimal("x", &value.decoded());
        Handled::Mapped
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ConceptMap::from_json(text);
    }
    let map = ConceptMap::from_json(MAP).expect("fixed map loads");
    let mut hooks = Chain(Every(data.first().copied().unwrap_or(0)), map);
    let cfg = MapConfig::with_tz(TzPolicy::AssumeOffset(0));
    if let Ok(out) = to_fhir_with(data, &cfg, &mut hooks) {
        serde_json::from_str::<serde_json::Value>(&out.json).expect("the Bundle is JSON");
    }
});
