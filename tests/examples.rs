//! Every example in `examples/` runs as a test with small sizes, and its output is checked.
//!
//! Each example is a `run(args) -> Result<Vec<String>, _>` plus a `main` that prints the
//! lines, so the test includes the example's source as a module and calls `run` directly
//! (no second cargo build, no subprocess). `built_examples_exit_zero` also runs the example
//! binaries that `cargo test` builds beside the tests, checking exit code and output.
//! Every example includes `examples/common/mod.rs` as its own `common` module, so this
//! crate holds one copy per example (`clippy::duplicate_mod`).
#![allow(clippy::unwrap_used, clippy::duplicate_mod, dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../examples/adt_broadcast.rs"]
mod adt_broadcast;
#[path = "../examples/claims_cycle.rs"]
mod claims_cycle;
#[path = "../examples/deidentify.rs"]
mod deidentify;
#[path = "../examples/eligibility_check.rs"]
mod eligibility_check;
#[path = "../examples/hl7_parse_and_ack.rs"]
mod hl7_parse_and_ack;
#[path = "../examples/imaging_link.rs"]
mod imaging_link;
#[path = "../examples/lab_order_result.rs"]
mod lab_order_result;
#[path = "../examples/mllp_tls_server.rs"]
mod mllp_tls_server;
#[path = "../examples/scan_dicom_dir.rs"]
mod scan_dicom_dir;
#[path = "../examples/to_fhir.rs"]
mod to_fhir;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn hl7_parse_and_ack_answers_each_message() {
    let lines = hl7_parse_and_ack::run(&[]).unwrap();
    assert_eq!(
        lines,
        [
            "MSG0001 ADT^A01: MRN 100001, name Testpatient Ada Q, ward ICU, SSN 999-00-0001, \
             note \"Allergy: penicillin & latex\"",
            "MSG0001 -> ACK^A01^ACK ACK0001 MSA-1 AA",
            "MSG0002 ADT^A01: MRN 100002, name Sample Ben, ward ER",
            "MSG0002 repaired: segments terminated by LF",
            "MSG0002 -> ACK^A01^ACK ACK0002 MSA-1 AA",
            "MSG0003 -> ACK^A01^ACK ACK0003 MSA-1 AE, ERR-3 101 at ERR-2 PID^2^3^1",
            "accepted 2, rejected 1",
        ]
    );
}

#[test]
fn to_fhir_maps_results_and_reports_the_rest() {
    let lines = to_fhir::run(&[]).unwrap();
    assert_eq!(
        lines,
        [
            "Bundle type message, 9 entries",
            "resources: DiagnosticReport 1, MessageHeader 1, Observation 3, Organization 2, \
             Patient 1, ServiceRequest 1",
            "Observation 2093-3 = 212 mg/dL interpretation H",
            "Observation 2571-8 = 120 mg/dL interpretation N",
            "Observation 2085-9 = 55 mg/dL interpretation N",
            "not mapped: ZPI: segment not mapped",
        ]
    );
}

#[test]
fn deidentify_keeps_links_and_intervals() {
    let lines = deidentify::run(&[]).unwrap();
    assert_eq!(
        lines,
        [
            "ADT0001: 9 changes (4 removed, 2 hashed, 2 dates shifted, 1 ZIP cut)",
            "LAB0001: 8 changes (2 removed, 3 hashed, 3 dates shifted, 0 ZIP cut)",
            "same pseudonym in both messages: true",
            "ZIP 021, state MA",
            "admission to result: 3 days (was 3), dates moved: true",
            "FHIR Bundle: 34 changes, 1 patient(s), MRN pseudonym carried over: true",
            "DICOM study date shifted as the admission: true",
            "no original identifier left (6 checked)",
        ]
    );
}

#[test]
fn scan_dicom_dir_indexes_studies_from_headers() {
    let lines = scan_dicom_dir::run(&args(&["--files", "6"])).unwrap();
    assert_eq!(
        lines,
        [
            "scanned 7 files: 6 DICOM, 1 skipped, 96 KiB read",
            "study 1.2.826.0.1.3680043.10.1.0 CT: 2 series, 2 instances",
            "study 1.2.826.0.1.3680043.10.1.1 MR: 2 series, 2 instances",
            "study 1.2.826.0.1.3680043.10.1.2 CT: 2 series, 2 instances",
        ]
    );
}

#[test]
fn imaging_link_links_study_order_and_patient() {
    let lines = imaging_link::run(&[]).unwrap();
    assert_eq!(
        lines,
        [
            "EMR -> RIS ORM^O01: accession ACC0001, filler order FL0001, MRN 100001",
            "modality -> PACS DX study 1.2.826.0.1.3680043.10.2.1: accession ACC0001, patient 100001",
            "RIS -> EMR ORU^R01: accession ACC0001, status F, impression \"No acute cardiopulmonary process.\"",
            "linked by accession and patient id: true",
            "FHIR ImagingStudy.basedOn = ORM ServiceRequest: true",
            "FHIR ImagingStudy.subject = ORM Patient: true",
        ]
    );
}

#[test]
fn mllp_tls_server_serves_allowed_clients_only() {
    let lines = mllp_tls_server::run(&args(&["--messages", "5"])).unwrap();
    assert_eq!(
        lines,
        [
            "listening on 127.0.0.1 with mutual TLS, clients allowed: emr.hosp.example",
            "emr.hosp.example sent 6 messages: 5 AA, 1 AR, 1 connection(s)",
            "no client certificate: refused true",
            "not on allow-list: refused true",
            "plaintext: refused true",
            "server answered 6 frames",
        ]
    );
}

#[test]
fn adt_broadcast_delivers_each_message_once() {
    let lines = adt_broadcast::run(&args(&["--patients", "3"])).unwrap();
    assert_eq!(
        lines,
        [
            "EMR sent 12 ADT messages, engine answered 12 AA",
            "BILLING received 6 (A03 3, A04 3)",
            "LIS received 12 (A02 3, A03 3, A04 3, A08 3)",
            "RIS received 6 (A04 3, A08 3)",
            "every destination got its messages exactly once, in order",
        ]
    );
}

#[test]
fn lab_order_result_matches_every_result_once() {
    let lines = lab_order_result::run(&args(&["--orders", "4"])).unwrap();
    assert_eq!(
        lines,
        [
            "EMR -> LIS: 4 ORM^O01, 4 AA; resend of ORM00000 answered AA from the store",
            "LIS stored 4 orders (the resend was not stored again)",
            "LIS -> EMR: 4 ORU^R01, 12 OBX: 4 high, 1 low, 7 normal",
            "EMR matched 4 results to their orders; note reads \"Fasting sample & verified\"",
        ]
    );
}

#[test]
fn claims_cycle_balances() {
    let lines = claims_cycle::run(&args(&["--claims", "5"])).unwrap();
    assert_eq!(
        lines,
        [
            "837P: 5 claims, 590.00 billed, 1942 bytes, 0 validation issues",
            "999: group 1 Accepted, 1 of 1 sets accepted",
            "835: 5 claims, paid 375.60, adjusted 214.40, denied 1, 0 validation issues",
            "posting: 5 of 5 claims balance, BPR02 375.60 = sum of CLP04: true",
        ]
    );
}

#[test]
fn eligibility_check_answers_every_inquiry() {
    let lines = eligibility_check::run(&args(&["--members", "8"])).unwrap();
    assert_eq!(
        lines,
        [
            "270: 11 people asked about, 0 validation issues",
            "271: 11 answers, 10 active, 1 inactive, 0 validation issues",
            "matched 11 of 11 inquiries by trace number; T00007 is inactive",
        ]
    );
}

type Run = fn(&[String]) -> Result<Vec<String>, Box<dyn std::error::Error>>;

/// The example binaries, the small arguments each runs with in CI, and its `run`.
const BINARIES: &[(&str, &[&str], Run)] = &[
    ("adt_broadcast", &["--patients", "3"], adt_broadcast::run),
    ("claims_cycle", &["--claims", "5"], claims_cycle::run),
    ("deidentify", &[], deidentify::run),
    (
        "eligibility_check",
        &["--members", "8"],
        eligibility_check::run,
    ),
    ("hl7_parse_and_ack", &[], hl7_parse_and_ack::run),
    ("imaging_link", &[], imaging_link::run),
    (
        "lab_order_result",
        &["--orders", "4"],
        lab_order_result::run,
    ),
    (
        "mllp_tls_server",
        &["--messages", "5"],
        mllp_tls_server::run,
    ),
    ("scan_dicom_dir", &["--files", "6"], scan_dicom_dir::run),
    ("to_fhir", &[], to_fhir::run),
];

/// `target/<profile>/examples`, beside `target/<profile>/deps` where this test runs.
fn examples_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.join("examples"))
}

/// True when the built binary is at least as new as its source (not left from an
/// earlier build that `cargo test --test examples` did not redo).
fn is_current(exe: &Path, source: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(exe), modified(source)), (Some(e), Some(s)) if e >= s)
}

/// Each built example binary exits 0 and prints exactly what its `run` returns.
#[test]
fn built_examples_print_what_run_returns() {
    let Some(dir) = examples_dir() else {
        println!("skipped: no examples directory beside the test binary");
        return;
    };
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut ran = 0;
    for (name, list, run) in BINARIES {
        let exe = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        if !exe.is_file() || !is_current(&exe, &sources.join(format!("{name}.rs"))) {
            // `cargo test --test examples` alone builds no examples; the tests above
            // still check every example's output through its `run`.
            println!(
                "skipped {name}: {} not built or older than its source",
                exe.display()
            );
            continue;
        }
        let out = Command::new(&exe).args(*list).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name} failed: {stderr}");
        let printed: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(printed, run(&args(list)).unwrap(), "{name}");
        ran += 1;
    }
    println!("ran {ran} of {} example binaries", BINARIES.len());
}

#[path = "../examples/hospital/main.rs"]
mod hospital;

/// A fresh output folder for one hospital run.
fn hospital_out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("carewire-hospital-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs the hospital quietly into a fresh folder with `list` plus `--quiet --out DIR`;
/// the result (the error as text) and the folder.
fn run_hospital(name: &str, list: &[&str]) -> (Result<Vec<String>, String>, PathBuf) {
    let out = hospital_out(name);
    let mut a = args(list);
    a.extend(["--quiet".to_string(), "--out".to_string()]);
    a.push(out.to_str().unwrap().to_string());
    (hospital::run(&a).map_err(|e| e.to_string()), out)
}

/// The number in `column` (0-based, after the name) of the table row `row`.
fn cell(lines: &[String], row: &str, column: usize) -> u64 {
    let line = lines
        .iter()
        .find(|l| l.starts_with(row))
        .unwrap_or_else(|| panic!("no row {row}"));
    let rest = &line[row.len()..];
    rest.split_whitespace()
        .nth(column)
        .unwrap()
        .parse::<f64>()
        .unwrap() as u64
}

/// What the EMR sends for a generated day: registration, updates, orders, transfers,
/// charges, discharges.
fn expected_emr_messages(day: &hospital::world::Day) -> u64 {
    day.encounters
        .iter()
        .map(|e| {
            let p = &day.patients[e.patient];
            3 + usize::from(p.new_phone.is_some())
                + e.labs.len()
                + usize::from(e.imaging.is_some())
                + usize::from(e.transfer_to.is_some())
        })
        .sum::<usize>() as u64
}

#[test]
fn hospital_day_keeps_every_invariant() {
    let (lines, out) = run_hospital("tls", &["--patients", "40", "--seed", "3"]);
    let lines = lines.unwrap();
    assert_eq!(
        lines.last().unwrap(),
        "invariants: all 9 passed",
        "{lines:#?}"
    );
    let day = hospital::world::generate(3, 40);
    let emr = expected_emr_messages(&day);
    let (sent, aa) = (
        cell(&lines, "EMR -> engine", 0),
        cell(&lines, "EMR -> engine", 1),
    );
    assert_eq!((sent, aa), (emr, emr));
    let adts: u64 = day
        .encounters
        .iter()
        .map(|e| {
            2 + u64::from(day.patients[e.patient].new_phone.is_some())
                + u64::from(e.transfer_to.is_some())
        })
        .sum();
    let labs: u64 = day.encounters.iter().map(|e| e.labs.len() as u64).sum();
    let exams = day
        .encounters
        .iter()
        .filter(|e| e.imaging.is_some())
        .count() as u64;
    assert_eq!(cell(&lines, "engine -> LIS", 1), adts + labs);
    assert_eq!(cell(&lines, "engine -> RIS", 1), adts + exams);
    assert_eq!(cell(&lines, "engine -> billing", 1), adts + 40);
    assert_eq!(cell(&lines, "engine -> EMR", 1), labs + exams);
    let updates = day
        .patients
        .iter()
        .filter(|p| p.new_phone.is_some())
        .count() as u64;
    assert_eq!(cell(&lines, "engine -> PACS", 1), updates + exams);
    assert_eq!(cell(&lines, "EMR -> payer 270/271", 1), 40);
    for row in [
        "engine -> LIS",
        "engine -> RIS",
        "engine -> billing",
        "engine -> EMR",
    ] {
        assert_eq!(
            cell(&lines, row, 2) + cell(&lines, row, 4),
            0,
            "{row}: no AE, no retry"
        );
    }
    let text = lines.join("\n");
    assert!(
        text.contains(&format!("studies: {exams} indexed, {exams} linked")),
        "{text}"
    );
    assert!(text.contains(", TLS;"), "{text}");
    assert!(text.contains("dead letters: 0"), "{text}");
    // The stores and the FHIR feed are on disk.
    let ndjson = std::fs::read_to_string(out.join("analytics/fhir.ndjson")).unwrap();
    assert_eq!(ndjson.lines().count() as u64, emr + labs + exams + exams);
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn hospital_chaos_still_delivers_exactly_once() {
    let (lines, out) = run_hospital("chaos", &["--patients", "120", "--chaos", "--plaintext"]);
    let lines = lines.unwrap();
    assert_eq!(
        lines.last().unwrap(),
        "invariants: all 9 passed",
        "{lines:#?}"
    );
    let text = lines.join("\n");
    assert!(text.contains(", plaintext;"), "{text}");
    // The faults happened, and were absorbed by retries or reported as dead letters.
    assert!(cell(&lines, "engine -> RIS", 2) > 0, "{text}");
    assert!(cell(&lines, "engine -> RIS", 4) > 0, "{text}");
    assert!(text.contains("1 restart (EMR)"), "{text}");
    let dead: u64 = [
        "engine -> LIS",
        "engine -> RIS",
        "engine -> billing",
        "engine -> EMR",
    ]
    .iter()
    .map(|row| cell(&lines, row, 5))
    .sum();
    assert!(text.contains(&format!("dead letters: {dead} ")), "{text}");
    let parked = std::fs::read_dir(out.join("engine/dead-letters"))
        .unwrap()
        .count() as u64;
    assert_eq!(parked, dead);
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn hospital_is_deterministic_by_seed() {
    let feed = |name: &str, seed: &str| {
        let list = ["--patients", "15", "--seed", seed, "--plaintext"];
        let (lines, out) = run_hospital(name, &list);
        lines.unwrap();
        let mut lines: Vec<String> = std::fs::read_to_string(out.join("analytics/fhir.ndjson"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        lines.sort();
        std::fs::remove_dir_all(&out).unwrap();
        lines
    };
    let first = feed("seed-a", "11");
    assert!(first.len() > 40);
    assert_eq!(first, feed("seed-b", "11"));
    assert_ne!(first, feed("seed-c", "12"));
}

/// Each invariant can fail: `--break` breaks one on purpose and the run must say so.
#[test]
fn hospital_checks_catch_a_broken_invariant() {
    for (what, expect) in [
        ("lost", "[FAIL] engine deliveries"),
        ("twice", "[FAIL] results"),
        ("unbalanced", "[FAIL] 835 posting"),
    ] {
        let list = ["--patients", "12", "--plaintext", "--break", what];
        let (result, out) = run_hospital(what, &list);
        let err = result.unwrap_err();
        assert!(err.contains(expect), "{what}: {err}");
        assert!(err.ends_with("1 invariant(s) failed"), "{what}: {err}");
        std::fs::remove_dir_all(&out).unwrap();
    }
}

#[test]
fn hospital_refuses_bad_arguments() {
    for bad in [
        &["--patients", "0"][..],
        &["--patients"],
        &["--bogus"],
        &["--seed", "x"],
    ] {
        assert!(hospital::run(&args(bad)).is_err(), "{bad:?}");
    }
}

/// The built `hospital` binary (when `cargo test` built it) exits 0 after its checks.
#[test]
fn hospital_binary_exits_zero() {
    let Some(dir) = examples_dir() else { return };
    let exe = dir.join(format!("hospital{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hospital/main.rs");
    if !exe.is_file() || !is_current(&exe, &source) {
        println!(
            "skipped: {} not built or older than its source",
            exe.display()
        );
        return;
    }
    let out_dir = hospital_out("binary");
    let out = Command::new(&exe)
        .args(["--patients", "10", "--plaintext", "--quiet", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.ends_with("invariants: all 9 passed\n"), "{stdout}");
    std::fs::remove_dir_all(&out_dir).unwrap();
}
