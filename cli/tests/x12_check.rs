//! Runs the built `carewire x12 validate` and `carewire x12 ack` on small interchanges
//! and, when present, on the shared corpus.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use carewire_x12::{Ack999, AckStatus, Document, Ta1, Ta1Status};

const BIN: &str = env!("CARGO_BIN_EXE_carewire");

const ISA: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000042*0*P*:~\n";

fn p837(body: &[&str]) -> Vec<u8> {
    let mut s = String::from(ISA);
    s.push_str("GS*HC*SENDERAPP*RECEIVERAPP*20240101*1200*17*X*005010X222A1~\n");
    s.push_str("ST*837*0001*005010X222A1~\n");
    for seg in body {
        s.push_str(seg);
        s.push_str("~\n");
    }
    s.push_str(&format!(
        "SE*{}*0001~\nGE*1*17~\nIEA*1*000000042~\n",
        body.len() + 2
    ));
    s.into_bytes()
}

const CLEAN: &[&str] = &[
    "BHT*0019*00*1*20240101*1200*CH",
    "NM1*41*2*SUBMITTER*****46*S1234",
    "PER*IC*JANE*TE*5555551234",
    "NM1*40*2*RECEIVER*****46*R1234",
    "HL*1**20*1",
    "NM1*85*2*BILLING*****XX*1234567893",
    "N3*1 MAIN ST",
    "N4*TOWN*NY*10001",
    "REF*EI*123456789",
    "HL*2*1*22*0",
    "SBR*P*18*******CI",
    "NM1*IL*1*DOE*JANE****MI*123456789",
    "NM1*PR*2*PAYER*****PI*12345",
    "CLM*A1*100***11:B:1*Y*A*Y*Y",
    "HI*ABK:J209",
    "LX*1",
    "SV1*HC:99213*100*UN*1***1",
    "DTP*472*D8*20240101",
];

fn bad() -> Vec<u8> {
    let mut body = CLEAN.to_vec();
    body[13] = "CLM*A1*100***11:X:1*Y*A*Y*Y";
    p837(&body)
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn carewire");
    // A usage error exits before reading: a broken pipe is fine.
    let _ = child.stdin.take().expect("stdin").write_all(input);
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn validate_clean_file_exits_0() {
    let o = run_stdin(&["x12", "validate", "-"], &p837(CLEAN));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        stdout(&o),
        "1 interchange(s), 1 transaction set(s): 0 error(s), 0 warning(s)\n"
    );
}

#[test]
fn validate_prints_one_finding_per_line_and_exits_1() {
    let o = run_stdin(&["x12", "validate", "-"], &bad());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let fields: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(
        fields,
        [
            "error",
            "byte 528",
            "set 1/1/1",
            "segment 15",
            "CLM05-2 (segment 17)",
            "loop 2300",
            "IK4 7",
            "SNIP 2",
            "invalid code value"
        ]
    );
    assert_eq!(&bad()[528..529], b"X");
    assert!(lines[1].ends_with("1 error(s), 0 warning(s)"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("validation found 1 error"));
}

#[test]
fn validate_unparseable_input_fails() {
    let o = run_stdin(&["x12", "validate", "-"], b"ST*835*0001~SE*2*0001~");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ISA"));
}

#[test]
fn ack_999_answers_the_group() {
    let o = run_stdin(&["x12", "ack", "--999", "-"], &bad());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc = Document::parse(&o.stdout).expect("999 parses");
    assert!(doc.findings().is_empty());
    let isa = doc.segment(0).expect("ISA");
    assert_eq!(isa.raw_element(6), b"RECEIVER       ");
    assert_eq!(isa.raw_element(8), b"SENDER         ");
    let group = doc
        .interchange(0)
        .and_then(|i| i.groups().next())
        .expect("group");
    assert_eq!(group.functional_id(), b"FA");
    let set = group.transaction_sets().next().expect("999");
    let ack = Ack999::from_set(&set).expect("reads back");
    assert_eq!(ack.group_control_number, "17");
    assert_eq!(ack.status, AckStatus::Rejected);
    assert_eq!(ack.sets[0].segments[0].segment_id, "CLM");
    assert_eq!(ack.sets[0].segments[0].elements[0].code, "7");
    assert!(carewire_x12::validate(&doc).is_empty());
}

#[test]
fn ack_ta1_answers_the_interchange() {
    let o = run_stdin(&["x12", "ack", "--ta1", "-"], &p837(CLEAN));
    assert_eq!(o.status.code(), Some(0));
    let doc = Document::parse(&o.stdout).expect("TA1 parses");
    let ta1: Vec<Ta1> = doc
        .segments()
        .filter_map(|s| Ta1::from_segment(&s))
        .collect();
    assert_eq!(ta1.len(), 1);
    assert_eq!(
        (ta1[0].status, ta1[0].note.as_str()),
        (Ta1Status::Accepted, "000")
    );
    assert_eq!(ta1[0].control_number, "000000042");
}

#[test]
fn ack_needs_one_kind() {
    let o = run_stdin(&["x12", "ack", "-"], &p837(CLEAN));
    assert_eq!(o.status.code(), Some(2));
}

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("CAREWIRE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    let p = p.join("x12");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("corpus not found; skipping");
        None
    }
}

#[test]
fn corpus_fail_file_is_rejected_and_pass_file_is_clean() {
    let Some(x12) = corpus() else { return };
    let o = Command::new(BIN)
        .args(["x12", "validate"])
        .arg(x12.join("837P/fail/imsweb__x12_segment_errors.x12"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    // The missing N3 is reported at the 2010AA's last segment (PER, segment 13), not at
    // the next loop's NM1*87 (segment 14) where the 2010AA ends.
    assert!(out.contains("N3 (segment 13)\tloop 2010AA\tIK3 3"), "{out}");
    let o = Command::new(BIN)
        .args(["x12", "validate"])
        .arg(x12.join("837P/pass/lfh__demo.example1.x12"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}
