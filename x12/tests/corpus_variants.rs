//! Every corpus pass file rewritten under every delimiter set the data allows, each with
//! no line break, LF and CR LF after terminators: the typed models (837, 835, 270/271)
//! and the streamed units read the same values as from the original bytes.
//!
//! (`corpus.rs` already checks envelopes, element values and findings under one
//! permutation plus LF/CR LF; this adds every permutation and the typed layer.)

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use carewire_x12::{
    write_with, Delimiters, Document, Eligibility, HealthCareClaim, LineEnding, Remittance,
    UnitReader,
};

const SETS: &[(u8, u8, Option<u8>, u8)] = &[
    (b'*', b':', Some(b'^'), b'~'),
    (b'|', b'>', Some(b'!'), b'\n'),
    (b'+', b'<', Some(b'`'), b'\''),
    (b'~', b'^', None, b'_'),
    (0x1D, 0x1F, Some(0x1E), 0x1C),
];

/// The values of every model of the document as text (claims, payments, members; models
/// hold no byte offsets, so the same values under other delimiters give the same text).
fn models(doc: &Document<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for set in doc
        .interchanges()
        .flat_map(|i| i.groups())
        .flat_map(|g| g.transaction_sets())
    {
        if let Some(m) = HealthCareClaim::from_set(&set) {
            for c in m.claims() {
                out.push(format!(
                    "CLM {} {:?} dx {:?} lines {:?} providers {:?}",
                    c.id.as_str(),
                    c.charge,
                    c.diagnoses
                        .iter()
                        .map(|h| format!("{}:{}", h.qualifier.as_str(), h.code.as_str()))
                        .collect::<Vec<_>>(),
                    c.lines
                        .iter()
                        .map(|l| {
                            (
                                l.procedure.as_ref().map(|p| {
                                    (
                                        p.code.as_str().into_owned(),
                                        p.modifiers
                                            .iter()
                                            .map(|m| m.as_str().into_owned())
                                            .collect::<Vec<_>>(),
                                    )
                                }),
                                l.charge,
                                l.quantity,
                            )
                        })
                        .collect::<Vec<_>>(),
                    c.providers.iter().map(|p| p.loop_id).collect::<Vec<_>>(),
                ));
            }
        }
        if let Some(r) = Remittance::from_set(&set) {
            for c in &r.claims {
                out.push(format!(
                    "CLP {} {:?} {:?} {:?} {:?}",
                    c.claim_id.as_str(),
                    c.charge,
                    c.paid,
                    c.adjustments
                        .iter()
                        .map(|a| (a.group.as_str().into_owned(), a.amount))
                        .collect::<Vec<_>>(),
                    c.lines
                        .iter()
                        .map(|l| (l.charge, l.paid, l.adjustments.len()))
                        .collect::<Vec<_>>(),
                ));
            }
        }
        if let Some(e) = Eligibility::from_set(&set) {
            for m in e.members() {
                out.push(format!(
                    "MEMBER {:?} {:?}",
                    m.party
                        .as_ref()
                        .and_then(|p| p.name)
                        .map(|n| n.as_str().into_owned()),
                    m.benefits
                        .iter()
                        .map(|b| {
                            (
                                b.info.as_str().into_owned(),
                                b.service_types
                                    .iter()
                                    .map(|t| t.as_str().into_owned())
                                    .collect::<Vec<_>>(),
                                b.amount,
                                b.percent,
                            )
                        })
                        .collect::<Vec<_>>(),
                ));
            }
        }
    }
    out
}

fn unit_count(bytes: &[u8]) -> usize {
    UnitReader::new(bytes)
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .len()
}

#[test]
fn typed_models_survive_every_delimiter_set_and_line_ending() {
    let dir = std::env::var_os("CAREWIRE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"))
        .join("x12");
    if !dir.is_dir() {
        eprintln!("corpus not found; skipping");
        return;
    }
    let (mut files, mut variants) = (0, 0);
    for folder in ["837P", "837I", "837D", "835", "270", "271"] {
        let Ok(rd) = std::fs::read_dir(dir.join(folder).join("pass")) else {
            continue;
        };
        for path in rd.filter_map(|e| e.ok()).map(|e| e.path()) {
            if path.extension().and_then(|e| e.to_str()) != Some("x12") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(doc) = Document::parse(&bytes) else {
                continue;
            };
            let want = models(&doc);
            let units = unit_count(&bytes);
            files += 1;
            for &(e, c, r, s) in SETS {
                let d = Delimiters::new(e, c, r, s).unwrap();
                for le in [LineEnding::None, LineEnding::Lf, LineEnding::CrLf] {
                    let mut out = Vec::new();
                    if write_with(&doc, d, le, &mut out).is_err() {
                        continue; // a delimiter occurs in the data, or repetitions need one
                    }
                    let back = Document::parse(&out)
                        .unwrap_or_else(|e| panic!("{path:?} {d:?} {le:?}: {e}"));
                    assert_eq!(models(&back), want, "{path:?} {d:?} {le:?}");
                    assert_eq!(unit_count(&out), units, "{path:?} {d:?} {le:?}");
                    variants += 1;
                }
            }
        }
    }
    assert!(files >= 40, "{files}");
    assert!(
        variants >= files * 6,
        "{variants} variants for {files} files"
    );
}
