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

use std::path::{Path, PathBuf};
use std::process::Command;

use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};
use carewire_mapping::v2::{convert, to_fhir};

const CHECK: &str = r#"
import json, sys
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
bad = 0
data = json.load(open(sys.argv[1]))
for name, text in data:
    try:
        b = json.loads(text)
        Bundle.model_validate(b)
        for e in b.get("entry", []):
            r = e["resource"]
            get_fhir_model_class(r["resourceType"]).model_validate(r)
    except Exception as ex:
        bad += 1
        print("INVALID %s: %s" % (name, str(ex).replace("\n", " | ")[:800]))
print("validated %d bundles, %d invalid" % (len(data), bad))
sys.exit(1 if bad else 0)
"#;

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CAREWIRE_FHIR_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = std::env::temp_dir().join("carewire-mapping-fhir-venv");
    let py = venv.join("bin").join("python");
    let ready = |py: &Path| {
        Command::new(py)
            .args(["-c", "import fhir.resources.R4B.bundle"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if py.exists() && ready(&py) {
        return Some(py);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !made {
        eprintln!("notice: python3 -m venv unavailable; FHIR validation skipped");
        return None;
    }
    let installed = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--timeout",
            "20",
            "--retries",
            "1",
            "fhir.resources>=7,<9",
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !installed || !ready(&py) {
        eprintln!(
            "notice: could not install fhir.resources (no network?); FHIR validation skipped"
        );
        return None;
    }
    Some(py)
}

fn corpus_dir() -> Option<PathBuf> {
    let base = std::env::var_os("CAREWIRE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    let dir = base.join("hl7");
    dir.is_dir().then_some(dir)
}

#[test]
fn bundles_validate_with_fhir_resources() {
    let mut bundles: Vec<(String, String)> = Vec::new();
    for (ty, name) in [
        (BundleType::Message, "message"),
        (BundleType::Transaction, "transaction"),
        (BundleType::Batch, "batch"),
    ] {
        for tz in [
            TzPolicy::Error,
            TzPolicy::DateOnly,
            TzPolicy::AssumeOffset(-300),
        ] {
            let cfg = MapConfig {
                bundle_type: ty,
                ..MapConfig::with_tz(tz)
            };
            for (m, text) in [("A01", A01), ("ORU", ORU)] {
                let out = to_fhir(text.as_bytes(), &cfg).expect("synthetic message converts");
                bundles.push((format!("{m} {name} {tz:?}"), out.json));
            }
        }
    }
    let mut corpus = 0;
    if let Some(dir) = corpus_dir() {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("corpus dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
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
    // A negative control: a dateTime without seconds and offset must be rejected, or the
    // validator is not validating.
    bundles.push((
        "control".to_string(),
        r#"{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Encounter","status":"planned","class":{"code":"IMP"},"period":{"start":"2024-01-01T12:30"}}}]}"#
            .to_string(),
    ));
    let Some(py) = python() else {
        return;
    };
    let dir =
        std::env::temp_dir().join(format!("carewire-mapping-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = dir.join("bundles.json");
    let script = dir.join("check.py");
    std::fs::write(&data, serde_json::to_string(&bundles).expect("json")).expect("write");
    std::fs::write(&script, CHECK).expect("write");
    let out = Command::new(&py)
        .arg(&script)
        .arg(&data)
        .output()
        .expect("run validator");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("INVALID control:"), "{stdout}");
    assert!(
        stdout.contains(&format!("validated {} bundles, 1 invalid", bundles.len())),
        "fhir.resources rejected bundles ({corpus} from the corpus):\n{stdout}"
    );
}
