//! Parse HL7 v2 messages, read values by path and answer each with an acknowledgment.
//!
//! Shows: `Message::parse` on three synthetic ADT^A01 messages (one clean, one with LF
//! segment ends that the lenient parser repairs and reports as a `Diagnostic`, one
//! without the patient identifier); reading fields, repetitions and escaped text by path
//! (`PID-3[2].1`, `NTE-3`); and answering with `Message::ack` — AA, or AE with an ERR
//! segment that says where the missing field is (table 0357 code 101).
//!
//! Crates: `carewire::hl7` (carewire-hl7).
//!
//! Run: `cargo run --release --example hl7_parse_and_ack`
//! Exits non-zero if an acknowledgment does not answer its message.

#[path = "common/mod.rs"]
mod common;

use carewire::hl7::{AckCode, AckError, ErrorCode, Location, Message, Path, Severity};
use common::Res;

/// Three synthetic ADT^A01 admissions; the second has LF segment ends, the third no PID-3.
fn messages() -> Vec<Vec<u8>> {
    vec![
        b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|MSG0001|P|2.5.1\r\
PID|1||100001^^^HOSP^MR~999-00-0001^^^SSA^SS||Testpatient^Ada^Q||19800101|F\r\
PV1|1|I|ICU^101^A\r\
NTE|1||Allergy: penicillin \\T\\ latex\r"
            .to_vec(),
        b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120500||ADT^A01^ADT_A01|MSG0002|P|2.5.1\n\
PID|1||100002^^^HOSP^MR||Sample^Ben||19751231|M\n\
PV1|1|E|ER^7^B\n"
            .to_vec(),
        b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101121000||ADT^A01^ADT_A01|MSG0003|P|2.5.1\r\
PID|1||||Nobody^Known||19900101|U\r\
PV1|1|O|CLINIC^1^A\r"
            .to_vec(),
    ]
}

/// Parses each message, acknowledges it and returns one line per message plus a summary.
pub fn run(_args: &[String]) -> Res<Vec<String>> {
    let mrn: Path = "PID-3.1".parse()?; // compiled once, used for every message
    let mut lines = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for (i, input) in messages().iter().enumerate() {
        let msg = Message::parse(input)?;
        let header = msg.header();
        let control_id = header.control_id().unwrap_or_default().into_owned();
        let kind = format!(
            "{}^{}",
            header.message_type().unwrap_or_default(),
            header.trigger_event().unwrap_or_default()
        );
        let repairs: Vec<String> = msg
            .diagnostics()
            .iter()
            .map(|d| d.kind.to_string())
            .collect();
        let ack = match msg.get(&mrn).map(|v| v.decoded().into_owned()) {
            Some(id) if !id.is_empty() => {
                let name = msg.get_str("PID-5")?.unwrap_or_default().replace('^', " ");
                let ssn = msg.get_str("PID-3[2].1")?.unwrap_or_default().into_owned();
                let ward = msg.get_str("PV1-3.1")?.unwrap_or_default().into_owned();
                let note = msg.get_str("NTE-3")?.map(|n| format!(", note \"{n}\""));
                lines.push(format!(
                    "{control_id} {kind}: MRN {id}, name {name}, ward {ward}{}{}",
                    if ssn.is_empty() {
                        String::new()
                    } else {
                        format!(", SSN {ssn}")
                    },
                    note.unwrap_or_default()
                ));
                accepted += 1;
                msg.ack(AckCode::Aa)
                    .control_id(&format!("ACK{:04}", i + 1))
                    .build()?
            }
            _ => {
                rejected += 1;
                let pid = msg.find(b"PID", 1).ok_or("no PID segment")?;
                let missing = AckError {
                    location: Some(Location::segment(b"PID", pid.position()).with_field(3)),
                    code: ErrorCode::RequiredFieldMissing,
                    severity: Severity::Error,
                };
                msg.ack(AckCode::Ae)
                    .control_id(&format!("ACK{:04}", i + 1))
                    .text("PID-3 patient identifier missing")
                    .error(missing)
                    .build()?
            }
        };
        if !repairs.is_empty() {
            lines.push(format!("{control_id} repaired: {}", repairs.join(", ")));
        }
        // The acknowledgment must answer this message: MSA-2 echoes MSH-10.
        let ack = ack.view();
        if ack.get_str("MSA-2")?.as_deref() != Some(control_id.as_str()) {
            return Err(format!("ACK for {control_id} does not echo its control id").into());
        }
        let err_at = ack.get_str("ERR-2")?.unwrap_or_default().into_owned();
        let err = ack
            .get_str("ERR-3.1")?
            .map(|c| format!(", ERR-3 {c} at ERR-2 {err_at}"));
        lines.push(format!(
            "{control_id} -> {} {} MSA-1 {}{}",
            ack.get_str("MSH-9")?.unwrap_or_default(),
            ack.get_str("MSH-10")?.unwrap_or_default(),
            ack.get_str("MSA-1")?.unwrap_or_default(),
            err.unwrap_or_default()
        ));
    }
    lines.push(format!("accepted {accepted}, rejected {rejected}"));
    Ok(lines)
}

fn main() -> std::process::ExitCode {
    common::main("hl7_parse_and_ack", run)
}
