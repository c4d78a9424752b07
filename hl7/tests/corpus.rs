//! Conformance over the shared corpus (`../shared/corpus/hl7`, or `$CAREWIRE_CORPUS`).
//!
//! The corpus is not part of the repository: when it is absent these tests print a
//! notice and pass.

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};

use carewire_hl7::{DecodeOptions, ErrorKind, Message, MessageBuilder};

fn corpus_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CAREWIRE_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    p.is_dir().then_some(p)
}

fn hl7_dir() -> Option<PathBuf> {
    let dir = corpus_dir().map(|c| c.join("hl7")).filter(|p| p.is_dir());
    if dir.is_none() {
        eprintln!("corpus not found (set CAREWIRE_CORPUS or provide ../shared/corpus); skipping");
    }
    dir
}

fn files_in(dir: &FsPath, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().and_then(|e| e.to_str()) == Some(ext))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn name(p: &FsPath) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .to_string()
}

/// One row of `hl7/INDEX.tsv`, by the columns this suite uses.
#[derive(Debug, Default, Clone)]
struct Row {
    msh9: String,
    terminators: String,
}

fn read_index(hl7: &FsPath) -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string(hl7.join("INDEX.tsv")).expect("INDEX.tsv readable");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header row").split('\t').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).expect(n);
    let (c_path, c_msh9, c_term) = (
        col("path"),
        col("msh9_message_type"),
        col("segment_terminators"),
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            let get = |i: usize| cells.get(i).copied().unwrap_or("").to_string();
            (
                get(c_path),
                Row {
                    msh9: get(c_msh9),
                    terminators: get(c_term),
                },
            )
        })
        .collect()
}

/// The oracle: a naive std-only split on the terminator INDEX.tsv names for the file,
/// ignoring a leading BOM and empty lines.
fn naive_segment_count(bytes: &[u8], terminators: &str) -> usize {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let lines: Vec<&[u8]> = match terminators {
        "CR" => body.split(|&b| b == b'\r').collect(),
        "LF" => body.split(|&b| b == b'\n').collect(),
        "CRLF" => {
            // Split on the two-byte sequence CR LF.
            let mut out = Vec::new();
            let mut start = 0;
            let mut i = 0;
            while i + 1 < body.len() {
                if body[i] == b'\r' && body[i + 1] == b'\n' {
                    out.push(&body[start..i]);
                    i += 2;
                    start = i;
                } else {
                    i += 1;
                }
            }
            out.push(&body[start..]);
            out
        }
        other => panic!("unknown terminator column {other:?}"),
    };
    lines.iter().filter(|l| !l.is_empty()).count()
}

/// Walks every segment, field, repetition, component and subcomponent, decoding each
/// (default and render options), and returns the number of leaves visited.
fn walk(msg: &Message<'_>) -> usize {
    let render = DecodeOptions::render();
    let mut diags = Vec::new();
    let mut leaves = 0;
    for seg in msg.segments() {
        let _ = seg.id_str();
        for n in 1..=seg.field_count() + 1 {
            let Some(field) = seg.field(n) else {
                assert!(
                    n > seg.field_count(),
                    "field {n} of {} missing",
                    seg.id_str()
                );
                continue;
            };
            let _ = field.decoded();
            let _ = field.decode_report(&render, Some(&mut diags));
            assert_eq!(field.repetitions().count(), field.repetition_count());
            for rep in field.repetitions() {
                let _ = rep.decoded();
                for comp in rep.components() {
                    let _ = comp.decoded();
                    for sub in comp.subcomponents() {
                        let _ = sub.decoded();
                        let _ = sub.decode_report(&render, Some(&mut diags));
                        let _ = sub.unescaped();
                        leaves += 1;
                    }
                }
            }
        }
    }
    let _ = format!("{:?}", msg.header());
    leaves
}

#[test]
fn corpus_messages_parse_round_trip_and_match_oracle() {
    let Some(hl7) = hl7_dir() else { return };
    let index = read_index(&hl7);
    let files = files_in(&hl7, "hl7");
    assert!(!files.is_empty(), "no .hl7 files in {}", hl7.display());
    let mut failures = Vec::new();
    for path in &files {
        let file = name(path);
        let bytes = std::fs::read(path).expect("readable");
        let msg = match Message::parse(&bytes) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{file}: parse error {e}"));
                continue;
            }
        };
        // Byte-exact round trip through the editor.
        let out = MessageBuilder::from_message(&msg).to_bytes();
        if out != bytes {
            failures.push(format!("{file}: round trip differs"));
        }
        let row = index.get(&file).cloned().unwrap_or_default();
        if row.terminators.is_empty() {
            failures.push(format!("{file}: not in INDEX.tsv"));
        } else {
            let expected = naive_segment_count(&bytes, &row.terminators);
            if msg.segment_count() != expected {
                failures.push(format!(
                    "{file}: {} segments, oracle ({}) says {expected}",
                    msg.segment_count(),
                    row.terminators
                ));
            }
        }
        if !row.msh9.is_empty() {
            let got = msg.get_str("MSH-9").expect("path").unwrap_or_default();
            if got != row.msh9 {
                failures.push(format!("{file}: MSH-9 {got:?} != {:?}", row.msh9));
            }
        }
        walk(&msg);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the lenient parser made of a malformed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Parsed with no diagnostic.
    Clean,
    /// Parsed, with at least one diagnostic (a reported repair).
    Repaired,
    /// Rejected with this error kind.
    Rejected(ErrorKind),
}

fn outcome(bytes: &[u8]) -> Outcome {
    match Message::parse(bytes) {
        Err(e) => Outcome::Rejected(e.kind()),
        Ok(msg) => {
            walk(&msg);
            let out = MessageBuilder::from_message(&msg).to_bytes();
            assert_eq!(out, bytes, "round trip of a parsed malformed file");
            if msg.diagnostics().is_empty() {
                Outcome::Clean
            } else {
                Outcome::Repaired
            }
        }
    }
}

use Outcome::{Rejected, Repaired};

/// The lenient parser's outcome for every file in `hl7/malformed/`. A change here is a
/// behaviour change: update the table only with a reason.
///
/// - `InvalidDelimiters`: MSH-2 declares an alphanumeric character (`0`, `y`, `E`) or the
///   same character twice. Such a "delimiter" would split ordinary text, so the message
///   cannot be read as its sender meant; nHapi accepts two of these (`regex1`,
///   `id_000168`, expected `NoException`), we deliberately do not.
/// - `MissingHeader`: bytes before `MSH` that are not a BOM or whitespace (`id_000014`
///   starts with NUL NUL 0x02, `id_000213` with 0x19), or no MSH at all.
/// - `Repaired`: fuzzed bodies and profile-invalid messages are syntactically readable;
///   every oddity is reported as a diagnostic (short MSH-2, invalid segment ids, LF/CRLF
///   terminators, blank lines, unknown MSH-18).
const MALFORMED: &[(&str, Outcome)] = &[
    ("ipf__iti8_iti8-a01-incomplete.hl7", Repaired),
    ("ipf__pcd01_pcd01-response-invalid.hl7", Repaired),
    ("ipf__wan_invalid-glucose-continua-wan.hl7", Repaired),
    (
        "nhapi__LegacyPipeParser__EncodingNotSupportedException__aoor1.hl7",
        Rejected(ErrorKind::Empty),
    ),
    (
        "nhapi__LegacyPipeParser__EncodingNotSupportedException__nullref1.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    ("nhapi__LegacyPipeParser__HL7Exception__hang1.hl7", Repaired),
    (
        "nhapi__LegacyPipeParser__HL7Exception__ioor1.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__LegacyPipeParser__HL7Exception__stackoverflow1.hl7",
        Repaired,
    ),
    (
        "nhapi__LegacyPipeParser__HL7Exception__stackoverflow2.hl7",
        Repaired,
    ),
    (
        "nhapi__LegacyPipeParser__HL7Exception__sys1.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__LegacyPipeParser__HL7Exception__sys2.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__LegacyPipeParser__NoException__regex1.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__EncodingNotSupportedException__id_000014.hl7",
        Rejected(ErrorKind::MissingHeader),
    ),
    (
        "nhapi__PipeParser__EncodingNotSupportedException__id_000213.hl7",
        Rejected(ErrorKind::MissingHeader),
    ),
    (
        "nhapi__PipeParser__HL7Exception__id_000001.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    ("nhapi__PipeParser__HL7Exception__id_000029.hl7", Repaired),
    (
        "nhapi__PipeParser__HL7Exception__id_000042.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__id_000055.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    ("nhapi__PipeParser__HL7Exception__id_000064.hl7", Repaired),
    (
        "nhapi__PipeParser__HL7Exception__id_000087.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    ("nhapi__PipeParser__HL7Exception__id_000092.hl7", Repaired),
    (
        "nhapi__PipeParser__HL7Exception__id_000099.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    ("nhapi__PipeParser__HL7Exception__id_000118.hl7", Repaired),
    (
        "nhapi__PipeParser__HL7Exception__id_000119.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__id_000123.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__id_000125.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__id_000149.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    ("nhapi__PipeParser__HL7Exception__id_000151.hl7", Repaired),
    (
        "nhapi__PipeParser__HL7Exception__id_000160.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__id_000172.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__id_000176.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__id_000205.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__so.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__so2.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__so3.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__so4.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "nhapi__PipeParser__HL7Exception__so5.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    ("nhapi__PipeParser__NoException__id_000109.hl7", Repaired),
    ("nhapi__PipeParser__NoException__id_000146.hl7", Repaired),
    (
        "nhapi__PipeParser__NoException__id_000168.hl7",
        Rejected(ErrorKind::InvalidDelimiters),
    ),
    (
        "rethink__invalid-missing-msh.hl7",
        Rejected(ErrorKind::MissingHeader),
    ),
    ("rethink__invalid-segment-header-length.hl7", Repaired),
    ("rethink__invalid-trailing-empty-fields.hl7", Repaired),
    ("rethink__invalid-wrong-version.hl7", Repaired),
];

#[test]
fn corpus_malformed_outcomes() {
    let Some(hl7) = hl7_dir() else { return };
    let dir = hl7.join("malformed");
    let expected: BTreeMap<&str, Outcome> = MALFORMED.iter().copied().collect();
    let mut seen = Vec::new();
    let mut mismatches = Vec::new();
    for path in files_in(&dir, "hl7") {
        let file = name(&path);
        let bytes = std::fs::read(&path).expect("readable");
        // Never panics; a parsed file decodes everywhere and round-trips byte-exact.
        let got = std::panic::catch_unwind(|| outcome(&bytes));
        let got = match got {
            Ok(o) => o,
            Err(_) => {
                mismatches.push(format!("{file}: panicked"));
                continue;
            }
        };
        match expected.get(file.as_str()) {
            Some(&want) if want == got => {}
            Some(want) => mismatches.push(format!("{file}: expected {want:?}, got {got:?}")),
            None => mismatches.push(format!("{file}: not in the table, got {got:?}")),
        }
        seen.push(file);
    }
    for (file, _) in MALFORMED {
        if !seen.iter().any(|s| s == file) {
            mismatches.push(format!("{file}: in the table but not in the corpus"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let rejected = MALFORMED
        .iter()
        .filter(|(_, o)| matches!(o, Rejected(_)))
        .count();
    println!(
        "malformed: {} files, {} rejected, {} repaired, {} clean",
        MALFORMED.len(),
        rejected,
        MALFORMED.iter().filter(|(_, o)| *o == Repaired).count(),
        MALFORMED
            .iter()
            .filter(|(_, o)| *o == Outcome::Clean)
            .count(),
    );
}

/// The golden pair in `hl7/fragments/`: an escaped OBX-5 value and its unescaped form.
///
/// Line endings: the escaped value encodes each line break as `\X0D\\X0A\` (CR LF), while
/// the unescaped file, copied from the source repository as stored, ends lines with LF
/// only (HAPI compares after normalising). So decoding yields CR LF where the golden
/// file has LF; we check that, and that every CR LF came from an escape (the escaped
/// file holds no raw line break at all).
#[test]
fn corpus_fragment_escape_golden_pair() {
    let Some(hl7) = hl7_dir() else { return };
    let dir = hl7.join("fragments");
    let escaped = std::fs::read(dir.join("hapi__obx5_uuencoded_ESCAPED.txt")).expect("ESCAPED");
    let unescaped =
        std::fs::read(dir.join("hapi__obx5_uuencoded_UNESCAPED.txt")).expect("UNESCAPED");
    assert!(!escaped.contains(&b'\r') && !escaped.contains(&b'\n'));

    // As a bare value with the default delimiters.
    let delims = carewire_hl7::Delimiters::default();
    let mut diags = Vec::new();
    let decoded = carewire_hl7::unescape(
        &escaped,
        &delims,
        &DecodeOptions::default(),
        Some(&mut diags),
        0,
    );
    assert!(diags.is_empty(), "{diags:?}");
    let normalised = crlf_to_lf(&decoded);
    assert!(!normalised.contains(&b'\r'));
    assert_eq!(normalised.len(), unescaped.len());
    assert!(
        normalised == unescaped,
        "decoded fragment differs from UNESCAPED"
    );
    let crlf = decoded.windows(2).filter(|w| w == b"\r\n").count();
    assert_eq!(crlf, unescaped.iter().filter(|&&b| b == b'\n').count());

    // The same value inside a message, read through the views.
    let mut msg = b"MSH|^~\\&|A|B\rOBX|1|ED|||".to_vec();
    msg.extend_from_slice(&escaped);
    msg.extend_from_slice(b"\r");
    let m = Message::parse(&msg).expect("parses");
    let obx5 = m.get_str("OBX-5").expect("path").expect("present");
    assert!(crlf_to_lf(obx5.as_bytes()) == unescaped);

    // And escaping it again reproduces the escaped file byte for byte.
    assert!(&*carewire_hl7::escape(&decoded, &delims) == escaped.as_slice());
}

fn crlf_to_lf(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}
