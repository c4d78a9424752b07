//! Our DICOM JSON (PS3.18 Annex F) of every valid corpus file against an independent
//! implementation: pydicom's `Dataset.to_json_dict()`.
//!
//! pydicom is installed by this test into a virtual environment of its own, cached under
//! the cargo target directory (`CARGO_TARGET_TMPDIR/pydicom-venv`, or
//! `$CAREWIRE_PYDICOM_VENV`), never at build time. When python3, venv/pip or the network
//! is unavailable, the test prints a notice and passes without comparing — unless
//! `CAREWIRE_REQUIRE_REFERENCE=1`, which makes a missing reference a failure.
//!
//! Every difference must be explained by one of the rules in [`Rule`]; the test prints
//! how often each rule applied and fails on any difference no rule explains.
#![cfg(feature = "json")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use carewire_dicom_lite::json::base64_decode;
use carewire_dicom_lite::DataSet;
use serde_json::Value;

const PYDICOM: &str = "pydicom==3.0.1";

/// The reference helper: reads each file with pydicom and prints one JSON line per file
/// with `to_json_dict()`, plus the tags pydicom dropped because it could not convert
/// their value (`suppress_invalid_tags`).
const HELPER: &str = r#"
import sys, json, warnings
warnings.simplefilter("ignore")
import pydicom
for p in sys.argv[1:]:
    try:
        ds = pydicom.dcmread(p, force=True)
        d = ds.to_json_dict(suppress_invalid_tags=True)
        dropped = [f"{int(t):08X}" for t in ds.keys() if f"{int(t):08X}" not in d]
        print(json.dumps({"path": p, "json": d, "dropped": dropped}))
    except Exception as e:
        print(json.dumps({"path": p, "error": type(e).__name__}))
"#;

/// Files pydicom cannot be compared on, and why.
const SKIPPED: &[(&str, &str)] = &[(
    "dcm4che__no_preamble_dicm_in_data.dcm",
    "no preamble and no file meta, but bytes 128-131 read \"DICM\" inside StationName: pydicom \
     takes them for the Part 10 marker and reads garbage; we read the data set from byte 0 \
     (checked below: StationName is DICMA1, as dcm4che's own test expects)",
)];

/// The known, explained differences between our output and pydicom's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    /// pydicom writes `"Value": []` for a sequence without items; PS3.18 §F.2.5 says an
    /// empty attribute has no `"Value"`, which is what we write.
    EmptySequence,
    /// FL / OF: pydicom widens to a Python float and prints the double
    /// (`3816.219482421875`); we print the shortest f32 (`3816.2195`). Equal as f32.
    Float32,
    /// DS / IS: pydicom prints Python numbers (`1.5`); we keep the decimal digits as
    /// written (`1.50`). Equal as numbers.
    NumberText,
    /// An element we report as UN (no VR on the wire, or explicit UN, and not in the
    /// standard dictionary) that pydicom decodes with its private (vendor) dictionary or
    /// replaces by its dictionary VR. Checked: our bytes, decoded with pydicom's VR,
    /// give pydicom's value.
    UnDecodedByPydicom,
    /// As above, for a sequence pydicom parses out of a UN value: a private SQ in an
    /// implicit-VR file (we keep the bytes), or a standard element whose dictionary VR
    /// is SQ but whose value is no item — (0040,A170) written as CS under an older
    /// PS3.6, where pydicom yields an empty item and we keep the bytes as UN. Checked:
    /// pydicom reports SQ; for a standard tag our bytes do not start with an item tag.
    UnSequenceByPydicom,
    /// UN of undefined length: we read it as a sequence (CP-246, PS3.5 §6.2.2); pydicom
    /// keeps the raw bytes.
    UndefinedLengthUn,
    /// Bulk data of a big-endian file: pydicom base64s the bytes as stored; we write
    /// little-endian words (the JSON model is byte-order free). Checked: equal after
    /// swapping each word.
    BigEndianBulk,
    /// ISO 2022 escape sequences: pydicom leaves the designation escapes (`ESC $ ) A`)
    /// inside the decoded text; we remove them. Equal once they are removed.
    Iso2022Escapes,
    /// A value pydicom cannot convert (e.g. DS `1.9.10.0`) is dropped by pydicom; we
    /// write the text as a string.
    InvalidValueDroppedByPydicom,
    /// An empty value inside a multi-valued attribute (`ORIGINAL\\PRIMARY\\\\0001`):
    /// PS3.18 §F.2.5 says `null`, which we write; pydicom writes `""`.
    EmptyValueInMultiValue,
    /// The group length (gggg,0000) of a private group in an implicit-VR file: PS3.5
    /// §7.2 makes every group length UL, which we report; pydicom has no dictionary entry
    /// and keeps UN. Checked: pydicom's bytes are our UL value.
    PrivateGroupLength,
    /// Bytes over 0x7F in a VR whose repertoire is the default one (CS `男` in a GB18030
    /// file): we decode them in the data set's character set, pydicom as Latin-1. Checked:
    /// pydicom's text, taken back to bytes as Latin-1 and decoded as GB18030, is ours.
    NonAsciiInDefaultRepertoireVr,
}

#[derive(Default)]
struct Report {
    applied: BTreeMap<Rule, usize>,
    unexplained: Vec<String>,
}

impl Report {
    fn explain(&mut self, rule: Rule) {
        *self.applied.entry(rule).or_default() += 1;
    }

    fn fail(&mut self, file: &str, path: &str, ours: &Value, theirs: &Value) {
        let cut = |v: &Value| {
            let s = v.to_string();
            s.chars().take(160).collect::<String>()
        };
        self.unexplained.push(format!(
            "{file} {path}: ours {} / pydicom {}",
            cut(ours),
            cut(theirs)
        ));
    }
}

fn corpus_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CAREWIRE_CORPUS") {
        let p = PathBuf::from(p).join("dicom");
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dicom");
    p.is_dir().then_some(p)
}

fn skip(why: &str) {
    if std::env::var("CAREWIRE_REQUIRE_REFERENCE").is_ok_and(|v| v == "1") {
        panic!("reference unavailable: {why}");
    }
    eprintln!("json_reference: skipping the pydicom comparison: {why}");
}

/// The venv's python with pydicom importable, creating the venv once.
fn pydicom_python() -> Result<PathBuf, String> {
    let venv = std::env::var("CAREWIRE_PYDICOM_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_TARGET_TMPDIR")).join("pydicom-venv"));
    let python = venv.join("bin").join("python");
    let has_pydicom = |py: &Path| {
        Command::new(py)
            .args([
                "-c",
                &format!(
                    "import pydicom; assert pydicom.__version__ == '{}'",
                    &PYDICOM[9..]
                ),
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has_pydicom(&python) {
        return Ok(python);
    }
    let py3 = Command::new("python3").arg("--version").output();
    if !py3.is_ok_and(|o| o.status.success()) {
        return Err("python3 not found".into());
    }
    let venv_ok = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("python3 -m venv: {e}"))?;
    if !venv_ok.status.success() {
        return Err(format!(
            "python3 -m venv failed: {}",
            String::from_utf8_lossy(&venv_ok.stderr).trim()
        ));
    }
    let pip = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            // Offline: fail within seconds instead of retrying for minutes.
            "--timeout",
            "20",
            "--retries",
            "1",
            PYDICOM,
        ])
        .output()
        .map_err(|e| format!("pip: {e}"))?;
    if !pip.status.success() || !has_pydicom(&python) {
        return Err(format!(
            "pip install {PYDICOM} failed (offline?): {}",
            String::from_utf8_lossy(&pip.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    Ok(python)
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Removes ISO 2022 escape sequences (ESC, intermediate bytes 0x20-0x2F, final byte).
fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            while chars
                .peek()
                .is_some_and(|c| ('\u{20}'..='\u{2f}').contains(c))
            {
                chars.next();
            }
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// The JSON "Value" pydicom would give for `bytes` read as `vr` (little-endian), or
/// `None` for VRs this check does not decode.
fn decode_as(vr: &str, bytes: &[u8]) -> Option<Vec<Value>> {
    fn words<const N: usize>(b: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
        b.chunks_exact(N)
            .filter_map(|c| <[u8; N]>::try_from(c).ok())
    }
    Some(match vr {
        "US" => words::<2>(bytes)
            .map(|w| u16::from_le_bytes(w).into())
            .collect(),
        "SS" => words::<2>(bytes)
            .map(|w| i16::from_le_bytes(w).into())
            .collect(),
        "UL" => words::<4>(bytes)
            .map(|w| u32::from_le_bytes(w).into())
            .collect(),
        "SL" => words::<4>(bytes)
            .map(|w| i32::from_le_bytes(w).into())
            .collect(),
        "UV" => words::<8>(bytes)
            .map(|w| u64::from_le_bytes(w).into())
            .collect(),
        "SV" => words::<8>(bytes)
            .map(|w| i64::from_le_bytes(w).into())
            .collect(),
        "FL" => words::<4>(bytes)
            .map(|w| f64::from(f32::from_le_bytes(w)).into())
            .collect(),
        "FD" => words::<8>(bytes)
            .map(|w| f64::from_le_bytes(w).into())
            .collect(),
        "AT" => words::<4>(bytes)
            .map(|w| {
                let g = u16::from_le_bytes([w[0], w[1]]);
                let e = u16::from_le_bytes([w[2], w[3]]);
                Value::String(format!("{g:04X}{e:04X}"))
            })
            .collect(),
        "AE" | "AS" | "CS" | "DA" | "DS" | "DT" | "IS" | "LO" | "LT" | "PN" | "SH" | "ST"
        | "TM" | "UC" | "UI" | "UR" | "UT" => {
            let text: String = match std::str::from_utf8(bytes) {
                Ok(s) => s.to_owned(),
                Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
            };
            let text = text.trim_end_matches([' ', '\0']);
            if text.is_empty() {
                return Some(Vec::new());
            }
            let parts: Vec<&str> = if matches!(vr, "LT" | "ST" | "UT" | "UR") {
                vec![text]
            } else {
                text.split('\\').collect()
            };
            parts
                .into_iter()
                .filter(|p| !p.trim().is_empty() || vr == "PN")
                .map(|p| {
                    let p = p.trim_matches([' ', '\0']);
                    match vr {
                        "IS" | "DS" => p
                            .parse::<f64>()
                            .map(Value::from)
                            .unwrap_or_else(|_| Value::from(p)),
                        "PN" => serde_json::json!({ "Alphabetic": p }),
                        _ => Value::from(p),
                    }
                })
                .collect()
        }
        _ => return None,
    })
}

/// Compares two "Value" arrays element by element with the numeric rules.
fn values_equal(vr: &str, ours: &Value, theirs: &Value, report: &mut Report) -> bool {
    match (ours, theirs) {
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).all(|(x, y)| values_equal(vr, x, y, report))
        }
        (Value::String(a), Value::String(b)) if a != b && strip_escapes(b) == *a => {
            report.explain(Rule::Iso2022Escapes);
            true
        }
        (Value::Object(a), Value::Object(b)) => {
            // Person names: pydicom keeps empty groups ("Ideographic": "").
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().all(|k| {
                let x = a.get(k).cloned().unwrap_or(Value::String(String::new()));
                let y = b.get(k).cloned().unwrap_or(Value::String(String::new()));
                values_equal(vr, &x, &y, report)
            })
        }
        _ if ours == theirs => true,
        (Value::Null, Value::String(t)) if t.is_empty() => {
            report.explain(Rule::EmptyValueInMultiValue);
            true
        }
        (Value::String(a), Value::String(b))
            if !b.is_empty() && b.chars().all(|c| u32::from(c) < 256) && !b.is_ascii() =>
        {
            let latin1: Vec<u8> = b.chars().map(|c| u32::from(c) as u8).collect();
            let (gb, _, bad) = encoding_rs::GB18030.decode(&latin1);
            if !bad && gb == a.as_str() {
                report.explain(Rule::NonAsciiInDefaultRepertoireVr);
                true
            } else {
                false
            }
        }
        _ => match (as_f64(ours), as_f64(theirs)) {
            (Some(x), Some(y)) if matches!(vr, "FL" | "OF") && (x as f32) == (y as f32) => {
                report.explain(Rule::Float32);
                true
            }
            (Some(x), Some(y))
                if matches!(vr, "DS" | "IS")
                    && (x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15) =>
            {
                report.explain(Rule::NumberText);
                true
            }
            // Equal numbers; one unit in the last place allowed because serde_json's default
            // float parser (used by this test to read both texts) is not always correctly
            // rounded — a property of the test's JSON reader, not of either output.
            (Some(x), Some(y))
                if !matches!(ours, Value::String(_))
                    && (x == y || x.to_bits().abs_diff(y.to_bits()) <= 1) =>
            {
                true
            }
            _ => false,
        },
    }
}

fn compare_object(
    file: &str,
    path: &str,
    ours: &serde_json::Map<String, Value>,
    theirs: &serde_json::Map<String, Value>,
    dropped: &[String],
    big_endian: bool,
    report: &mut Report,
) {
    for (tag, t) in theirs {
        let p = format!("{path}/{tag}");
        match ours.get(tag) {
            Some(o) => compare_attribute(file, &p, o, t, big_endian, report),
            None => report.fail(file, &p, &Value::Null, t),
        }
    }
    for (tag, o) in ours {
        if !theirs.contains_key(tag) {
            if path.is_empty() && dropped.contains(tag) {
                report.explain(Rule::InvalidValueDroppedByPydicom);
            } else {
                report.fail(file, &format!("{path}/{tag}"), o, &Value::Null);
            }
        }
    }
}

fn compare_attribute(
    file: &str,
    path: &str,
    ours: &Value,
    theirs: &Value,
    big_endian: bool,
    report: &mut Report,
) {
    let ovr = ours["vr"].as_str().unwrap_or("");
    let tvr = theirs["vr"].as_str().unwrap_or("");
    let tvalue = theirs.get("Value");
    let ovalue = ours.get("Value");
    if ovr == "UN" && tvr != "UN" {
        let bytes = ours
            .get("InlineBinary")
            .and_then(Value::as_str)
            .and_then(base64_decode)
            .unwrap_or_default();
        if tvr == "SQ" {
            let tag = path
                .rsplit('/')
                .next()
                .and_then(|t| u32::from_str_radix(t, 16).ok())
                .unwrap_or(0);
            let private = (tag >> 16) % 2 == 1;
            if private || !bytes.starts_with(&[0xFE, 0xFF, 0x00, 0xE0]) {
                report.explain(Rule::UnSequenceByPydicom);
            } else {
                report.fail(file, path, ours, theirs);
            }
            return;
        }
        if matches!(tvr, "OB" | "OW" | "OF" | "OD" | "OL" | "OV") {
            if ours.get("InlineBinary") == theirs.get("InlineBinary") {
                report.explain(Rule::UnDecodedByPydicom);
            } else {
                report.fail(file, path, ours, theirs);
            }
            return;
        }
        let decoded = decode_as(tvr, &bytes);
        let want = tvalue.cloned().unwrap_or(Value::Array(Vec::new()));
        match decoded {
            Some(d) if values_equal(tvr, &Value::Array(d.clone()), &want, report) => {
                report.explain(Rule::UnDecodedByPydicom);
            }
            _ => report.fail(file, path, ours, theirs),
        }
        return;
    }
    if ovr == "UL" && tvr == "UN" && path.ends_with("0000") {
        let bytes = theirs
            .get("InlineBinary")
            .and_then(Value::as_str)
            .and_then(base64_decode)
            .unwrap_or_default();
        match decode_as("UL", &bytes) {
            Some(v) if Some(&Value::Array(v.clone())) == ovalue => {
                report.explain(Rule::PrivateGroupLength)
            }
            _ => report.fail(file, path, ours, theirs),
        }
        return;
    }
    if ovr == "SQ" && tvr == "UN" {
        report.explain(Rule::UndefinedLengthUn);
        return;
    }
    if ovr != tvr {
        report.fail(file, path, ours, theirs);
        return;
    }
    if ovr == "SQ" {
        let oi = ovalue
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let ti = tvalue
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if ovalue.is_none() && tvalue.is_some_and(|v| v == &Value::Array(Vec::new())) {
            report.explain(Rule::EmptySequence);
            return;
        }
        if oi.len() != ti.len() || ovalue.is_some() != tvalue.is_some() {
            report.fail(file, path, ours, theirs);
            return;
        }
        for (i, (a, b)) in oi.iter().zip(&ti).enumerate() {
            match (a.as_object(), b.as_object()) {
                (Some(a), Some(b)) => {
                    compare_object(file, &format!("{path}/{i}"), a, b, &[], big_endian, report)
                }
                _ => report.fail(file, path, a, b),
            }
        }
        return;
    }
    if let (Some(a), Some(b)) = (ours.get("InlineBinary"), theirs.get("InlineBinary")) {
        if a == b {
            return;
        }
        let width = match ovr {
            "OW" => 2,
            "OF" | "OL" => 4,
            "OD" | "OV" => 8,
            _ => 0,
        };
        let x = a.as_str().and_then(base64_decode).unwrap_or_default();
        let mut y = b.as_str().and_then(base64_decode).unwrap_or_default();
        if big_endian && width > 0 {
            for c in y.chunks_exact_mut(width) {
                c.reverse();
            }
            if x == y {
                report.explain(Rule::BigEndianBulk);
                return;
            }
        }
        report.fail(file, path, ours, theirs);
        return;
    }
    match (ovalue, tvalue) {
        (None, None) => {
            if ours.get("InlineBinary").is_some() != theirs.get("InlineBinary").is_some() {
                report.fail(file, path, ours, theirs);
            }
        }
        (Some(a), Some(b)) if values_equal(ovr, a, b, report) => {}
        _ => report.fail(file, path, ours, theirs),
    }
}

#[test]
fn json_matches_pydicom_on_every_valid_corpus_file() {
    let Some(dir) = corpus_dir() else {
        skip("corpus not found (set CAREWIRE_CORPUS)");
        return;
    };
    let python = match pydicom_python() {
        Ok(p) => p,
        Err(why) => {
            skip(&why);
            return;
        }
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{} corpus files", files.len());

    let script = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pydicom_json_reference.py");
    std::fs::write(&script, HELPER).expect("write helper");
    let out = Command::new(&python)
        .arg(&script)
        .args(&files)
        .output()
        .expect("run the pydicom helper");
    assert!(
        out.status.success(),
        "pydicom helper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");

    let mut report = Report::default();
    let mut compared = 0;
    for line in stdout.lines() {
        let r: Value = serde_json::from_str(line).expect("helper line is JSON");
        let path = PathBuf::from(r["path"].as_str().expect("path"));
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(&path).expect("read corpus file");
        let ds = DataSet::parse(&bytes).expect("every valid corpus file parses");
        if let Some((_, why)) = SKIPPED.iter().find(|(f, _)| *f == file) {
            eprintln!("json_reference: {file}: not compared: {why}");
            if file == "dcm4che__no_preamble_dicm_in_data.dcm" {
                let station = ds.get_str(carewire_dicom_lite::Tag::new(0x0008, 0x1010));
                assert_eq!(station.as_deref(), Some("DICMA1"));
            }
            continue;
        }
        if let Some(err) = r.get("error") {
            report
                .unexplained
                .push(format!("{file}: pydicom failed to read it ({err})"));
            continue;
        }
        let ours: Value = serde_json::from_str(&ds.to_json()).expect("our JSON parses");
        let dropped: Vec<String> = r["dropped"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        compare_object(
            &file,
            "",
            ours.as_object().expect("object"),
            r["json"].as_object().expect("object"),
            &dropped,
            ds.transfer_syntax().is_big_endian(),
            &mut report,
        );
        compared += 1;
    }
    eprintln!("json_reference: compared {compared} files with {PYDICOM}; explained differences:");
    for (rule, n) in &report.applied {
        eprintln!("  {rule:?}: {n}");
    }
    assert!(compared >= 40, "compared only {compared} files");
    assert!(
        report.unexplained.is_empty(),
        "{} unexplained differences:\n{}",
        report.unexplained.len(),
        report.unexplained.join("\n")
    );
}
