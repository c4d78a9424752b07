//! Convert an HL7 v2 lab result (ORU^R01) into a FHIR R4 Bundle, with the report of
//! everything that was not mapped.
//!
//! Shows: `mapping::v2::to_fhir` on a synthetic ORU^R01 (patient, order, three OBX
//! results — one flagged high — a note with an HL7 escape, and a site Z-segment);
//! reading the Bundle back with serde_json (resources per type, each Observation's code,
//! value and interpretation); the `Report` that names the Z-segment it could not map,
//! by location only. Optionally writes the Bundle to a file: `-- --out bundle.json`.
//!
//! Crates: `carewire::mapping` (carewire-mapping, which parses with carewire-hl7), serde_json.
//!
//! Run: `cargo run --release --example to_fhir`
//! Exits non-zero if the Bundle does not hold one Patient and one Observation per OBX.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use carewire::mapping::fhir::{MapConfig, TzPolicy};
use carewire::mapping::v2::to_fhir;
use common::Res;
use serde_json::Value;

const ORU: &[u8] = b"MSH|^~\\&|LIS|LAB|EMR|HOSP|20240102083000+0100||ORU^R01^ORU_R01|LAB0001|P|2.5.1\r\
PID|1||100001^^^HOSP^MR||Testpatient^Ada||19800101|F\r\
OBR|1|ORD0001^EMR|FIL0001^LIS|24331-1^Lipid panel^LN|||20240102070000+0100|||||||||||||||20240102082500+0100||CH|F\r\
OBX|1|NM|2093-3^Cholesterol^LN||212|mg/dL|<200|H|||F\r\
OBX|2|NM|2571-8^Triglyceride^LN||120|mg/dL|<150|N|||F\r\
OBX|3|NM|2085-9^HDL Cholesterol^LN||55|mg/dL|>40|N|||F\r\
NTE|1||Fasting 12 h \\T\\ no medication\r\
ZPI|1|site-specific|value\r";

/// Converts the ORU and returns what a reader of the Bundle would check.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    // HL7 v2 timestamps may lack an offset; the policy says what to do then (here: error).
    let out = to_fhir(ORU, &MapConfig::with_tz(TzPolicy::Error))?;
    let bundle: Value = serde_json::from_str(&out.json)?;
    let entries = bundle["entry"].as_array().ok_or("Bundle without entries")?;
    let mut per_type = BTreeMap::new();
    let mut lines = vec![format!(
        "Bundle type {}, {} entries",
        bundle["type"].as_str().unwrap_or("?"),
        entries.len()
    )];
    let mut observations = Vec::new();
    for entry in entries {
        let res = &entry["resource"];
        let kind = res["resourceType"]
            .as_str()
            .ok_or("resource without type")?;
        *per_type.entry(kind.to_string()).or_insert(0) += 1;
        if kind == "Observation" {
            let code = res["code"]["coding"][0]["code"].as_str().unwrap_or("?");
            let q = &res["valueQuantity"];
            let flag = res["interpretation"][0]["coding"][0]["code"]
                .as_str()
                .unwrap_or("-");
            observations.push(format!(
                "Observation {code} = {} {} interpretation {flag}",
                q["value"],
                q["unit"].as_str().unwrap_or("")
            ));
        }
    }
    let counts: Vec<String> = per_type.iter().map(|(k, n)| format!("{k} {n}")).collect();
    lines.push(format!("resources: {}", counts.join(", ")));
    lines.extend(observations);
    for item in out.report.items() {
        lines.push(format!("not mapped: {item}")); // locations only, never values
    }
    if per_type.get("Patient") != Some(&1) || per_type.get("Observation") != Some(&3) {
        return Err("expected one Patient and three Observations".into());
    }
    if let Some(path) = common::value(args, "--out")? {
        std::fs::write(path, &out.json)?;
        lines.push(format!("wrote {} bytes", out.json.len()));
    }
    Ok(lines)
}

fn main() -> std::process::ExitCode {
    common::main("to_fhir", run)
}
