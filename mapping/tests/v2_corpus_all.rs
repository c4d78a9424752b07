//! Every file of the HL7 corpus (`../shared/corpus/hl7`, or `$CAREWIRE_CORPUS/hl7`)
//! converts without a panic: supported message types produce a Bundle whose report is
//! checked item by item, unsupported ones fail with `UnsupportedMessage`.

mod common;

use std::path::PathBuf;

use carewire_mapping::fhir::{ErrorKind, MapConfig, TzPolicy};
use carewire_mapping::v2::convert;
use serde_json::Value;

const SUPPORTED: &[(&str, &[&str])] = &[
    (
        "ADT",
        &[
            "A01", "A02", "A03", "A04", "A05", "A08", "A11", "A28", "A31", "A40",
        ],
    ),
    ("ORU", &["R01"]),
    ("ORM", &["O01"]),
    ("OML", &["O21"]),
    ("VXU", &["V04"]),
    ("MDM", &["T02"]),
    ("SIU", &["S12"]),
    ("DFT", &["P03"]),
];

fn is_supported(t: &str, e: &str) -> bool {
    SUPPORTED.iter().any(|(m, ev)| *m == t && ev.contains(&e))
}

#[test]
fn every_corpus_message_converts_or_is_unsupported() {
    let Some(dir) = common::corpus_dir("hl7") else {
        eprintln!("notice: HL7 corpus not found; set CAREWIRE_CORPUS to run this test");
        return;
    };
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("corpus dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "hl7") {
                files.push(p);
            }
        }
    }
    files.sort();
    let verbose = std::env::var_os("CAREWIRE_CORPUS_VERBOSE").is_some();
    let (mut converted, mut unsupported, mut unparsed, mut missing) = (0, 0, 0, 0);
    let mut per_type: std::collections::BTreeMap<String, usize> = Default::default();
    let mut messages = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        // A file may hold a batch (FHS/BHS or bare concatenation): each message converts.
        let bufs: Vec<_> = carewire_hl7::batch::BatchReader::new(&bytes[..])
            .into_messages()
            .filter_map(Result::ok)
            .collect();
        if bufs.is_empty() {
            unparsed += 1;
        }
        for buf in &bufs {
            messages += 1;
            let msg = buf.view();
            let h = msg.header();
            let t = h.message_type().unwrap_or_default().into_owned();
            let e = h.trigger_event().unwrap_or_default().into_owned();
            let ids: Vec<String> = msg.segments().map(|s| s.id_str().to_string()).collect();
            let cfg = MapConfig::with_tz(TzPolicy::AssumeOffset(0));
            match convert(&msg, &cfg) {
                Ok(out) => {
                    assert!(
                        is_supported(&t, &e),
                        "{}: {t}^{e} converted",
                        path.display()
                    );
                    converted += 1;
                    *per_type.entry(format!("{t}^{e}")).or_default() += 1;
                    let v: Value = serde_json::from_str(&out.json).expect("valid JSON");
                    assert_eq!(v["resourceType"], "Bundle");
                    assert!(v["entry"].as_array().is_some_and(|a| !a.is_empty()));
                    // Each report item names a segment of this message, by a PHI-safe path.
                    for item in out.report.items() {
                        let loc = &item.location;
                        assert!(
                            loc.len() < 24
                                && loc
                                    .bytes()
                                    .all(|c| c.is_ascii_alphanumeric() || b"-.[]?".contains(&c)),
                            "{}: odd location {loc:?}",
                            path.display()
                        );
                        let seg = loc.get(..3).unwrap_or("");
                        assert!(
                            seg == "???" || ids.iter().any(|i| i == seg),
                            "{}: report names absent segment {loc}",
                            path.display()
                        );
                        if verbose {
                            eprintln!("  {}: {item}", path.display());
                        }
                    }
                    // Strict mode fails exactly when the report is not empty.
                    let strict = MapConfig {
                        strict: true,
                        ..cfg
                    };
                    assert_eq!(
                        convert(&msg, &strict).is_err(),
                        !out.report.is_empty(),
                        "{}",
                        path.display()
                    );
                }
                Err(err) => match err.kind() {
                    ErrorKind::UnsupportedMessage => {
                        assert!(
                            !is_supported(&t, &e),
                            "{}: {t}^{e} unsupported",
                            path.display()
                        );
                        unsupported += 1;
                    }
                    // A supported type may only fail for a missing required segment.
                    k => {
                        assert_eq!(k, ErrorKind::MissingSegment, "{}: {err}", path.display());
                        missing += 1;
                        if verbose {
                            eprintln!("  {}: {t}^{e}: {err}", path.display());
                        }
                    }
                },
            }
        }
    }
    eprintln!(
        "corpus: {} files, {messages} messages, {converted} converted, {unsupported} unsupported, {missing} missing a required segment, {unparsed} files not HL7 v2: {per_type:?}",
        files.len()
    );
    assert!(converted > 0);
}
