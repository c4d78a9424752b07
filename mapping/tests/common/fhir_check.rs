//! Independent FHIR R4 validation with `fhir.resources` (PyPI) for every test binary.
//!
//! [`check`] installs the package into a cached venv under the system temp directory
//! (`carewire-mapping-fhir-venv`) on first use and validates each Bundle and each entry
//! resource. Without Python, venv or network it prints a notice and returns `None`.
//! `CAREWIRE_FHIR_PYTHON=/path/to/python` uses an interpreter that already has it.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Serialises venv creation between the tests of one binary (cargo runs test binaries
/// one after another, the tests inside one binary in parallel).
static SETUP: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// Gives every `check` call of this process its own scratch directory.
static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn python() -> Option<PathBuf> {
    let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
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

/// Validates `bundles` (name, JSON text) plus a negative control that must be rejected.
/// Panics (failing the test) when any Bundle is invalid; returns `None` when the
/// validator is unavailable (notice printed) and `Some(count)` of validated Bundles.
pub fn check(mut bundles: Vec<(String, String)>) -> Option<usize> {
    // A negative control: a dateTime without seconds and offset must be rejected, or the
    // validator is not validating.
    bundles.push((
        "control".to_string(),
        r#"{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Encounter","status":"planned","class":{"code":"IMP"},"period":{"start":"2024-01-01T12:30"}}}]}"#
            .to_string(),
    ));
    let py = python()?;
    let dir = std::env::temp_dir().join(format!(
        "carewire-mapping-validate-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
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
        "fhir.resources rejected bundles:\n{stdout}"
    );
    Some(bundles.len() - 1)
}
