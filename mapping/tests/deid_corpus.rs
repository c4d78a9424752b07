//! De-identification over the shared HL7 corpus (`../shared/corpus/hl7`, or
//! `$CAREWIRE_CORPUS/hl7`): every message that parses is de-identified without error,
//! keeps its structure and MSH, and loses its patient names, identifiers and dates.
//! The corpus is not part of the repository: when it is absent the test prints a notice
//! and passes.

mod common;

use std::path::PathBuf;

use carewire_hl7::Message;
use carewire_mapping::deid::{Applied, DeidKey, Deidentifier, Policy};

fn hl7_dir() -> Option<PathBuf> {
    let dir = common::corpus_dir("hl7");
    if dir.is_none() {
        eprintln!("corpus not found (set CAREWIRE_CORPUS or provide ../shared/corpus); skipping");
    }
    dir
}

fn text(m: &Message<'_>, path: &str) -> String {
    m.get_str(path)
        .ok()
        .flatten()
        .map(|c| c.into_owned())
        .unwrap_or_default()
}

#[test]
fn corpus_messages_are_deidentified() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = hl7_dir() else {
        return Ok(());
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "hl7"))
        .collect();
    files.sort();
    let deid = Deidentifier::new(
        DeidKey::new(b"corpus key, thirty-two bytes long")?,
        Policy::safe_harbor(),
    );
    let (mut done, mut with_pid) = (0usize, 0usize);
    for file in &files {
        let bytes = std::fs::read(file)?;
        let Ok(msg) = Message::parse(&bytes) else {
            continue;
        };
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let out = deid.deidentify(&msg)?;
        let out_bytes = out.to_bytes();
        let back = Message::parse(&out_bytes)?;
        assert_eq!(msg.segment_count(), back.segment_count(), "{name:?}");
        assert_eq!(msg.msh().raw(), back.msh().raw(), "{name:?}");
        for (a, b) in msg.segments().zip(back.segments()) {
            assert_eq!(a.id(), b.id(), "{name:?}");
        }
        done += 1;
        if msg.find(b"PID", 1).is_none() {
            continue;
        }
        with_pid += 1;
        for path in ["PID-5", "PID-6", "PID-11.1", "PID-13", "PID-19"] {
            // Empty, or the HL7 null `""` (kept: it carries no data).
            let v = text(&back, path);
            assert!(v.is_empty() || v == "\"\"", "{path} in {name:?}");
        }
        if !text(&msg, "PID-5").is_empty() {
            assert!(out.report().count(Applied::Removed) > 0, "{name:?}");
        }
        let id = text(&msg, "PID-3.1");
        if id.len() >= 4 {
            assert_ne!(text(&back, "PID-3.1"), id, "{name:?}");
        }
        let dob = text(&msg, "PID-7.1");
        if dob.len() >= 8 && dob.bytes().take(8).all(|b| b.is_ascii_digit()) {
            assert_ne!(text(&back, "PID-7.1"), dob, "{name:?}");
        }
    }
    eprintln!(
        "de-identified {done} corpus messages ({with_pid} with PID) of {} files",
        files.len()
    );
    assert!(done > 0);
    Ok(())
}
