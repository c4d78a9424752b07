//! Runs the built `carewire` binary on synthetic messages.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_carewire");

/// A small synthetic message with repetitions, components, subcomponents, escapes and
/// the HL7 null, CR-terminated.
const MSG: &str = "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
PID|1||42^^^MRN&1.2.3&ISO~43^^^SSN||Doe^Jane|\"\"|19700101|F|||1 Main St^^Town\r\
OBX|1|ST|TXT||O\\F\\Brien \\T\\ Co\r\
OBX|2|NM|HR||72\r";

/// A file in a fresh temp directory, removed on drop.
struct TempFile {
    dir: PathBuf,
    path: PathBuf,
}

impl TempFile {
    fn to_str(&self) -> Option<&str> {
        self.path.to_str()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh file in the temp dir holding `content`.
fn temp_file(name: &str, content: &[u8]) -> TempFile {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("carewire-cli-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write temp file");
    TempFile { dir, path }
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn carewire");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input).expect("write stdin");
    }
    child.wait_with_output().expect("wait for carewire")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/adt_a01.hl7")
}

#[test]
fn get_prints_one_line_per_path_and_empty_when_absent() {
    let f = temp_file("msg.hl7", MSG.as_bytes());
    let o = run(
        &[
            "hl7",
            "get",
            f.to_str().expect("path"),
            "PID-5.1",
            "PID-3[2].1",
            "PID-3[1].4.2",
            "PID-99",
            "OBX[2]-5",
            "OBX-5",
            "PID-6",
            "MSH-9.2",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "Doe\n43\n1.2.3\n\n72\nO|Brien & Co\n\"\"\nA01\n"
    );
}

#[test]
fn get_reads_stdin_with_lf_line_ends() {
    let lf = MSG.replace('\r', "\n");
    let o = run(
        &["hl7", "get", "-", "PID-5.2", "PID-7"],
        Some(lf.as_bytes()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "Jane\n19700101\n");
}

#[test]
fn get_reads_crlf_input() {
    let crlf = MSG.replace('\r', "\r\n");
    let f = temp_file("crlf.hl7", crlf.as_bytes());
    let o = run(&["hl7", "get", f.to_str().expect("path"), "OBX[2]-3"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "HR\n");
}

#[test]
fn invalid_path_exits_2_before_printing() {
    let f = temp_file("msg.hl7", MSG.as_bytes());
    let o = run(
        &["hl7", "get", f.to_str().expect("path"), "PID-5", "PID-0"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "carewire: invalid path at byte 4 in \"PID-0\"\n"
    );
}

#[test]
fn unparsable_input_fails_without_echoing_content() {
    let f = temp_file("bad.hl7", b"PID|1||SECRET-ID||Doe^Jane\r");
    for cmd in ["inspect", "json", "ack"] {
        let o = run(&["hl7", cmd, f.to_str().expect("path")], None);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        assert_eq!(stdout(&o), "", "{cmd}");
        let err = stderr(&o);
        assert_eq!(
            err, "carewire: message does not start with an MSH segment at byte 0\n",
            "{cmd}"
        );
        assert!(!err.contains("SECRET") && !err.contains("Doe"));
    }
    let o = run(&["hl7", "get", f.to_str().expect("path"), "PID-3"], None);
    assert_eq!(o.status.code(), Some(1));

    let o = run(&["hl7", "get", "-", "PID-3"], Some(b""));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "carewire: empty input at byte 0\n");
}

#[test]
fn missing_file_fails() {
    let missing = std::env::temp_dir().join("carewire-cli-test-no-such-file.hl7");
    let o = run(&["hl7", "inspect", missing.to_str().expect("path")], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("carewire: cannot read "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn inspect_shows_tree_and_diagnostics() {
    let lf = MSG.replace('\r', "\n");
    let f = temp_file("lf.hl7", lf.as_bytes());
    let o = run(&["hl7", "inspect", f.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let expected_pid = "\
[2] PID  (byte 71)
  PID-1               1
  PID-3               42^^^MRN&1.2.3&ISO~43^^^SSN
    PID-3[1]          42^^^MRN&1.2.3&ISO
      PID-3[1].1      42
      PID-3[1].4      MRN&1.2.3&ISO
        PID-3[1].4.1  MRN
        PID-3[1].4.2  1.2.3
        PID-3[1].4.3  ISO
    PID-3[2]          43^^^SSN
      PID-3[2].1      43
      PID-3[2].4      SSN
  PID-5               Doe^Jane
    PID-5.1           Doe
    PID-5.2           Jane
  PID-6               \"\"
  PID-7               19700101
  PID-8               F
  PID-11              1 Main St^^Town
    PID-11.1          1 Main St
    PID-11.3          Town
[3] OBX  (byte 148)
";
    assert!(text.contains(expected_pid), "{text}");
    assert!(text.starts_with("ADT^A01^ADT_A01  v2.5.1  UNICODE UTF-8  4 segments  "));
    // A leaf is shown decoded.
    assert!(text.contains("  OBX-5  O|Brien & Co\n"), "{text}");
    assert!(text.contains("[4] OBX  (byte "), "{text}");
    assert!(text.contains("  OBX[2]-5  72\n"), "{text}");
    assert!(
        text.ends_with("diagnostics: 1\n  segments terminated by LF at byte 70\n"),
        "{text}"
    );
}

#[test]
fn inspect_reports_escape_diagnostics_and_hides_control_characters() {
    let f = temp_file("esc.hl7", b"MSH|^~\\&|A\rNTE|1||a\\X1B\\b\\Zq\\\r");
    let o = run(&["hl7", "inspect", f.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("  NTE-3  a\\u{1b}b\\Zq\\\n"), "{text}");
    assert!(
        text.ends_with("diagnostics: 1\n  unsupported escape sequence kept verbatim at byte 25\n"),
        "{text}"
    );
}

#[test]
fn inspect_bundled_sample() {
    let o = run(&["hl7", "inspect", sample().to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("ADT^A01^ADT_A01  v2.5.1  UNICODE UTF-8  17 segments"));
    assert!(text.contains("\n[3] PID  (byte "));
    assert!(text.contains("\n    PV1-3.9   3 West Med&Surg\n"), "{text}");
    assert!(text.ends_with("diagnostics: none\n"));
    let raw = std::fs::read(sample()).expect("sample");
    assert!(!raw.contains(&b'\n'), "the sample uses CR terminators");
    assert_eq!(raw.iter().filter(|&&b| b == b'\r').count(), 17);
}

#[test]
fn json_is_positional_and_pretty() {
    let f = temp_file("msg.hl7", MSG.as_bytes());
    let o = run(&["hl7", "json", f.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(
        v["segments"][1]["fields"],
        serde_json::json!([
            "1",
            "",
            {"repetitions": [["42", "", "", ["MRN", "1.2.3", "ISO"]], ["43", "", "", "SSN"]]},
            "",
            ["Doe", "Jane"],
            null,
            "19700101",
            "F",
            "",
            "",
            ["1 Main St", "", "Town"]
        ])
    );
    assert_eq!(v["segments"][2]["fields"][4], "O|Brien & Co");
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    assert!(text.starts_with("{\n  \"delimiters\": \"|^~\\\\&\",\n  \"charset\": "));
    // Each field is on one line.
    assert!(text.contains("\n        [\"Doe\", \"Jane\"],\n"), "{text}");

    let o = run(&["hl7", "json", "--compact", "-"], Some(MSG.as_bytes()));
    assert!(o.status.success(), "{}", stderr(&o));
    let compact = stdout(&o);
    assert_eq!(compact.lines().count(), 1);
    let w: serde_json::Value = serde_json::from_str(&compact).expect("valid JSON");
    assert_eq!(v, w);
}

#[test]
fn ack_prints_lines_or_raw_wire_format() {
    let f = temp_file("msg.hl7", MSG.as_bytes());
    let path = f.to_str().expect("path");
    let fixed = ["--control-id", "ACK1", "--timestamp", "20240101120001"];
    let mut args = vec!["hl7", "ack", path];
    args.extend(fixed);
    let o = run(&args, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "MSH|^~\\&|LIS|LAB|EMR|HOSP|20240101120001||ACK^A01^ACK|ACK1|P|2.5.1\n\
         MSA|AA|MSG1\n"
    );

    args.extend(["--code", "ar", "--raw", "--text", "no thanks"]);
    let o = run(&args, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "MSH|^~\\&|LIS|LAB|EMR|HOSP|20240101120001||ACK^A01^ACK|ACK1|P|2.5.1\r\
         MSA|AR|MSG1|no thanks\r"
    );

    let o = run(&["hl7", "ack", "-", "--code", "CE"], Some(MSG.as_bytes()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).ends_with("\nMSA|CE|MSG1\n"), "{}", stdout(&o));

    let o = run(&["hl7", "ack", path, "--code", "XX"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["hl7", "get", "-"], None).status.code(), Some(2));
    assert_eq!(run(&["hl7", "frobnicate"], None).status.code(), Some(2));
    let help = run(&["hl7", "--help"], None);
    assert!(help.status.success());
    for cmd in ["inspect", "json", "get", "ack"] {
        assert!(stdout(&help).contains(cmd), "{cmd}");
    }
}

#[test]
fn validate_accepts_the_sample() {
    let o = run(&["hl7", "validate", sample().to_str().expect("path")], None);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).ends_with("ADT_A01: 0 errors, 0 warnings, 0 info\n"),
        "{}",
        stdout(&o)
    );
    assert_eq!(stderr(&o), "");
}

#[test]
fn validate_exits_1_on_errors_without_printing_values() {
    // ADT^A01 without PID; PV1-2 (patient class) empty.
    let msg = b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
EVN|A01|20240101120000\r\
PV1|1||SECRET-ROOM\r";
    let o = run(&["hl7", "validate", "-"], Some(msg));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.lines()
            .any(|l| l.starts_with("error: required segment PID missing")),
        "{text}"
    );
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("ADT_A01: ")));
    let err = stderr(&o);
    assert!(err.starts_with("carewire: validation found "), "{err}");
    assert!(
        err.ends_with(" error\n") || err.ends_with(" errors\n"),
        "{err}"
    );
}

mod mllp {
    use std::io::{BufRead, BufReader};
    use std::path::Path;
    use std::process::{Child, ChildStdout, Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    use super::BIN;

    fn adt(id: &str) -> String {
        format!(
            "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|{id}|P|2.5.1\r\
             PID|1||000001^^^HOSP^MR||Testpatient^Synthetic||19700101|U\r"
        )
    }

    /// A running `carewire mllp listen`, killed on drop.
    struct Listener {
        child: Child,
        addr: String,
        lines: mpsc::Receiver<String>,
    }

    impl Listener {
        fn start(store: &Path) -> Listener {
            Listener::start_with(store, &[])
        }

        fn start_with(store: &Path, extra: &[&Path]) -> Listener {
            let mut child = Command::new(BIN)
                .args(["mllp", "listen", "127.0.0.1:0", "--store"])
                .arg(store)
                .args(extra)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn listener");
            let stdout: ChildStdout = child.stdout.take().expect("stdout");
            let (tx, lines) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            let first = lines
                .recv_timeout(Duration::from_secs(5))
                .expect("listener prints its address");
            let addr = first
                .strip_prefix("listening on ")
                .expect("address line")
                .to_owned();
            Listener { child, addr, lines }
        }

        fn line(&self) -> String {
            self.lines
                .recv_timeout(Duration::from_secs(5))
                .expect("a log line")
        }
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn send(addr: &str, files: &[&Path]) -> std::process::Output {
        Command::new(BIN)
            .args(["mllp", "send", addr])
            .args(files)
            .output()
            .expect("run send")
    }

    fn stored(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .expect("store dir")
            .filter(|e| {
                e.as_ref()
                    .map(|e| e.file_name().to_string_lossy().ends_with(".hl7"))
                    .unwrap_or(false)
            })
            .count()
    }

    #[test]
    fn listen_stores_acks_and_detects_duplicates_across_restarts() {
        let base = std::env::temp_dir().join(format!("carewire-cli-mllp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let store = base.join("store");
        let msgs = base.join("msgs");
        std::fs::create_dir_all(&msgs).unwrap();
        let files: Vec<_> = ["M1", "M2", "M/3"]
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let p = msgs.join(format!("{i}.hl7"));
                std::fs::write(&p, adt(id)).unwrap();
                p
            })
            .collect();
        let bad = msgs.join("bad.hl7");
        std::fs::write(&bad, "this is not HL7\r").unwrap();

        let listener = Listener::start(&store);
        let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
        let out = send(&listener.addr, &refs);
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            text.lines().filter(|l| l.ends_with(" AA")).count(),
            3,
            "{text}"
        );
        for id in ["M1", "M2", "M/3"] {
            let line = listener.line();
            assert!(
                line.contains(&format!(" ADT^A01^ADT_A01 {id} AA")),
                "{line}"
            );
            assert!(!line.contains("Testpatient"), "{line}");
        }
        assert_eq!(stored(&store), 3);

        // A duplicate: acknowledged again, not stored again.
        let out = send(&listener.addr, &refs[..1]);
        assert!(out.status.success(), "{out:?}");
        assert!(listener.line().ends_with(" AA"));
        assert_eq!(stored(&store), 3);
        drop(listener);

        // After a restart the store still knows it.
        let listener = Listener::start(&store);
        let out = send(&listener.addr, &refs[1..2]);
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8(out.stdout).unwrap().ends_with(" AA\n"));
        assert_eq!(stored(&store), 3);

        // Not HL7: rejected, and `send` exits 1.
        let out = send(&listener.addr, &[bad.as_path()]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.ends_with(" AR\n") || text.ends_with(" AE\n"), "{text}");
        drop(listener);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn listen_and_send_over_tls() {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let base = std::env::temp_dir().join(format!("carewire-cli-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "test ca");
        let ca = params.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        let (ca_pem, cert_pem, key_pem, msg) = (
            base.join("ca.pem"),
            base.join("cert.pem"),
            base.join("key.pem"),
            base.join("m.hl7"),
        );
        std::fs::write(&ca_pem, ca.pem()).unwrap();
        std::fs::write(&cert_pem, cert.pem()).unwrap();
        std::fs::write(&key_pem, key.serialize_pem()).unwrap();
        std::fs::write(&msg, adt("TLS1")).unwrap();
        let store = base.join("store");
        let (flag_cert, flag_key) = (Path::new("--tls-cert"), Path::new("--tls-key"));
        let listener = Listener::start_with(&store, &[flag_cert, &cert_pem, flag_key, &key_pem]);
        let out = Command::new(BIN)
            .args(["mllp", "send", &listener.addr])
            .arg(&msg)
            .arg("--tls-ca")
            .arg(&ca_pem)
            .output()
            .expect("run send");
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8(out.stdout).unwrap().ends_with(" AA\n"));
        assert!(listener.line().ends_with(" TLS1 AA"));
        assert_eq!(stored(&store), 1);
        drop(listener);
        let _ = std::fs::remove_dir_all(&base);
    }
}
