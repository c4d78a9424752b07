//! Runs the built `carewire dicom dump|json|copy|scan` on synthetic files (made with
//! carewire_dicom_lite's encoder and generator) and on the shared corpus when present.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};

const BIN: &str = env!("CARGO_BIN_EXE_carewire");

/// A fresh temp directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "carewire-dicom-view-test-{}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&p, content).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run carewire")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn corpus() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CAREWIRE_CORPUS") {
        let p = PathBuf::from(p).join("dicom");
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dicom");
    p.is_dir().then_some(p)
}

/// A small Part 10 file: Latin-1 name, a private block, a nested sequence, pixel data.
fn sample() -> Vec<u8> {
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.7",
        "1.2.826.0.1.3680043.10.1546.7",
    )
    .expect("part10");
    let el = |enc: &mut Encoder, g, e, vr, v: &[u8]| {
        enc.element(Tag::new(g, e), vr, v).expect("element");
    };
    el(&mut enc, 0x0008, 0x0005, Vr::Cs, b"ISO_IR 100");
    el(&mut enc, 0x0008, 0x0060, Vr::Cs, b"OT");
    el(&mut enc, 0x0010, 0x0010, Vr::Pn, b"M\xFCller^Anna");
    el(&mut enc, 0x0010, 0x0020, Vr::Lo, b"PID-7");
    el(&mut enc, 0x0020, 0x000D, Vr::Ui, b"1.2.3.4.5");
    el(&mut enc, 0x0028, 0x0010, Vr::Us, &2u16.to_le_bytes());
    el(&mut enc, 0x0029, 0x0010, Vr::Lo, b"ACME 1.0");
    el(&mut enc, 0x0029, 0x1001, Vr::Lo, b"secret-ish");
    enc.begin_sequence(Tag::new(0x0040, 0x0275), false)
        .expect("sq");
    enc.begin_item(true).expect("item");
    el(&mut enc, 0x0040, 0x0009, Vr::Sh, b"SPS-7");
    enc.end_item().expect("end item");
    enc.end_sequence().expect("end sq");
    el(&mut enc, 0x7FE0, 0x0010, Vr::Ow, &[1, 0, 2, 0, 3, 0, 4, 0]);
    enc.finish().expect("finish")
}

#[test]
fn dump_shows_tag_vr_keyword_length_and_value_with_nesting() {
    let dir = TempDir::new();
    let f = dir.file("a.dcm", &sample());
    let o = run(&["dicom", "dump", path_str(&f)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in\n{text}"))
            .to_owned()
    };
    assert!(text.starts_with("# File meta information\n(0002,0000) UL"));
    assert!(text.contains("# Data set (Explicit VR Little Endian, 1.2.840.10008.1.2.1)"));
    let name = line("(0010,0010)");
    assert!(name.contains(" PN PatientName "), "{name}");
    assert!(name.ends_with("  [Müller^Anna]"), "{name}");
    assert!(name.contains(" 12  "), "{name}");
    assert!(line("(0028,0010)").ends_with(" 2  2"));
    assert!(line("(0029,0010)").contains(" LO PrivateCreator "));
    assert!(line("(0029,1001)").contains(" LO [ACME 1.0] "));
    let sq = line("(0040,0275)");
    assert!(
        sq.contains(" SQ RequestAttributesSequence ") && sq.contains("u/l"),
        "{sq}"
    );
    assert!(line("  (FFFE,E000) na Item").contains(" 14  "));
    assert!(line("    (0040,0009)").ends_with("[SPS-7]"));
    assert!(line("  (FFFE,E0DD) na SequenceDelimitationItem").contains(" 0"));
    assert!(line("(7FE0,0010)").ends_with("01\\00\\02\\00\\03\\00\\04\\00"));
}

#[test]
fn json_is_the_dicom_json_model_without_file_meta() {
    let dir = TempDir::new();
    let f = dir.file("a.dcm", &sample());
    let o = run(&["dicom", "json", path_str(&f)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert!(v.get("00020010").is_none());
    assert_eq!(
        v["00100010"],
        serde_json::json!({"vr": "PN", "Value": [{"Alphabetic": "Müller^Anna"}]})
    );
    assert_eq!(
        v["00400275"]["Value"][0]["00400009"]["Value"][0],
        serde_json::json!("SPS-7")
    );
    assert_eq!(
        v["7FE00010"],
        serde_json::json!({"vr": "OW", "InlineBinary": "AQACAAMABAA="})
    );
    let o = run(&["dicom", "json", "--stop-before-pixels", path_str(&f)]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert!(v.get("7FE00010").is_none());
    assert!(v.get("00400275").is_some());
}

#[test]
fn unreadable_input_fails_with_exit_1_and_no_content() {
    let dir = TempDir::new();
    let f = dir.file("bad.dcm", b"\x08\x00\x10\x00PN\x40\x00Doe^J");
    for cmd in ["dump", "json"] {
        let o = run(&["dicom", cmd, path_str(&f)]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = stderr(&o);
        assert!(err.contains("bad.dcm"), "{err}");
        assert!(!err.contains("Doe"), "{err}");
    }
    let o = run(&["dicom", "dump", path_str(&dir.0.join("missing.dcm"))]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn dump_and_json_read_every_corpus_file() {
    let Some(dir) = corpus() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus dir") {
        let p = entry.expect("entry").path();
        if p.extension().map_or(true, |x| x != "dcm") {
            continue;
        }
        for cmd in ["dump", "json"] {
            let o = run(&["dicom", cmd, path_str(&p)]);
            assert!(o.status.success(), "{cmd} {}: {}", p.display(), stderr(&o));
            if cmd == "json" {
                let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
                assert!(v.is_object());
            } else {
                assert!(stdout(&o).lines().count() > 3);
            }
        }
        n += 1;
    }
    assert!(n >= 40, "{n} corpus files");
    // A sanity check that the parsed files agree with the crate.
    let f = dir.join("fodicom__GH1301_GB18030.dcm");
    if let Ok(bytes) = std::fs::read(&f) {
        let ds = DataSet::parse(&bytes).expect("parses");
        let o = run(&["dicom", "json", path_str(&f)]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        let want: serde_json::Value = serde_json::from_str(&ds.to_json()).expect("JSON");
        assert_eq!(v, want);
    }
}

#[test]
fn copy_without_transfer_syntax_is_byte_identical() {
    let dir = TempDir::new();
    let mut inputs = vec![dir.file("a.dcm", &sample())];
    if let Some(c) = corpus() {
        for name in [
            "cornerstone__CT1_UNC.explicit_big_endian.dcm",
            "cornerstone__deflate_report_dfl.dcm",
            "fodicom__CT1_J2KI.dcm",
            "fodicom__GH340_no_meta.dcm",
            "dcm4che__no_preamble_dicm_in_data.dcm",
        ] {
            inputs.push(c.join(name));
        }
    }
    for input in inputs {
        let out = dir.0.join("copy.dcm");
        let o = run(&["dicom", "copy", path_str(&input), "-o", path_str(&out)]);
        assert!(o.status.success(), "{}: {}", input.display(), stderr(&o));
        assert_eq!(
            std::fs::read(&out).expect("output"),
            std::fs::read(&input).expect("input"),
            "{}",
            input.display()
        );
    }
}

/// The data set's values as JSON, group lengths left out (they are recomputed).
fn values(bytes: &[u8]) -> serde_json::Value {
    let ds = DataSet::parse(bytes).expect("reads");
    let mut v: serde_json::Value = serde_json::from_str(&ds.to_json()).expect("JSON");
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| !k.ends_with("0000"));
    }
    v
}

#[test]
fn copy_with_transfer_syntax_reencodes_and_reads_back_equal() {
    let dir = TempDir::new();
    let input = dir.file("a.dcm", &sample());
    let orig = std::fs::read(&input).expect("input");
    for (uid, ts) in [
        ("1.2.840.10008.1.2", TransferSyntax::ImplicitVrLittleEndian),
        (
            "1.2.840.10008.1.2.1",
            TransferSyntax::ExplicitVrLittleEndian,
        ),
        ("1.2.840.10008.1.2.2", TransferSyntax::ExplicitVrBigEndian),
        (
            "1.2.840.10008.1.2.1.99",
            TransferSyntax::DeflatedExplicitVrLittleEndian,
        ),
    ] {
        let out = dir.0.join(format!("{uid}.dcm"));
        let o = run(&[
            "dicom",
            "copy",
            path_str(&input),
            "-o",
            path_str(&out),
            "--transfer-syntax",
            uid,
        ]);
        assert!(o.status.success(), "{uid}: {}", stderr(&o));
        let bytes = std::fs::read(&out).expect("output");
        let ds = DataSet::parse(&bytes).expect("reads");
        assert_eq!(ds.transfer_syntax(), ts);
        assert_eq!(ds.declared_transfer_syntax(), Some(ts));
        let mut got = values(&bytes);
        let mut want = values(&orig);
        if ts == TransferSyntax::ImplicitVrLittleEndian {
            // Without VRs on the wire, the private element is UN (bytes) and pixel data
            // OW: compare those as bytes.
            assert_eq!(
                got["00291001"]["InlineBinary"],
                serde_json::json!(carewire_dicom_lite::json::base64_encode(b"secret-ish"))
            );
            for v in [&mut got, &mut want] {
                if let Some(o) = v.as_object_mut() {
                    o.remove("00291001");
                }
            }
        }
        assert_eq!(got, want, "{uid}");
    }
    // Compressed syntaxes are not a re-encoding target.
    let out = dir.0.join("x.dcm");
    let o = run(&[
        "dicom",
        "copy",
        path_str(&input),
        "-o",
        path_str(&out),
        "--transfer-syntax",
        "1.2.840.10008.1.2.4.50",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn copy_reencodes_native_corpus_files_to_every_syntax() {
    let Some(c) = corpus() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let dir = TempDir::new();
    for name in [
        "cornerstone__CT1_UNC.explicit_little_endian.dcm",
        "cornerstone__deflate_report_dfl.dcm",
        "fodicom__chrGB2312_multi_charset.dcm",
        "libdicom__sm_image.dcm",
    ] {
        let input = c.join(name);
        let orig = std::fs::read(&input).expect("corpus file");
        for uid in [
            "1.2.840.10008.1.2.1",
            "1.2.840.10008.1.2.2",
            "1.2.840.10008.1.2.1.99",
        ] {
            let out = dir.0.join("o.dcm");
            let o = run(&[
                "dicom",
                "copy",
                path_str(&input),
                "-o",
                path_str(&out),
                "--transfer-syntax",
                uid,
            ]);
            assert!(o.status.success(), "{name} {uid}: {}", stderr(&o));
            let bytes = std::fs::read(&out).expect("output");
            assert_eq!(values(&bytes), values(&orig), "{name} {uid}");
        }
    }
    // An encapsulated (JPEG) file cannot be re-encoded without decompressing it.
    let out = dir.0.join("j.dcm");
    let o = run(&[
        "dicom",
        "copy",
        path_str(&c.join("fodicom__CT1_J2KI.dcm")),
        "-o",
        path_str(&out),
        "--transfer-syntax",
        "1.2.840.10008.1.2.1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("compressed"));
}

/// A file whose header is longer than the scan's first read (a 20 KB private value
/// before the study identifiers), with 1 MB of pixel data after it.
fn long_header() -> Vec<u8> {
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.7",
        "1.2.3.9",
    )
    .expect("part10");
    enc.element(Tag::new(0x0009, 0x0010), Vr::Lo, b"BIG")
        .expect("el");
    enc.element(Tag::new(0x0009, 0x1001), Vr::Ob, &vec![7u8; 20_000])
        .expect("el");
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"LONG-1")
        .expect("el");
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.3.77")
        .expect("el");
    enc.element(Tag::PIXEL_DATA, Vr::Ow, &vec![0u8; 1 << 20])
        .expect("el");
    enc.finish().expect("finish")
}

#[test]
fn scan_prints_one_tsv_line_per_dicom_file_and_skips_others() {
    let dir = TempDir::new();
    let a = dir.file("a.dcm", &sample());
    let b = dir.file("sub/b.dcm", &long_header());
    let mut implicit = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
    implicit
        .element(Tag::new(0x0008, 0x0060), Vr::Cs, b"MR")
        .expect("el");
    implicit
        .element(Tag::new(0x0010, 0x0020), Vr::Lo, b"BARE\tID")
        .expect("el");
    let c = dir.file("sub/c", &implicit.finish().expect("finish"));
    let gen = dir.file(
        "sub/d.dcm",
        &carewire_dicom_lite::gen::enhanced_multiframe(40).expect("gen"),
    );
    dir.file("notes.txt", b"not a DICOM file at all, just some text");
    dir.file("empty.dcm", b"");
    let o = run(&[
        "dicom",
        "scan",
        path_str(&dir.0),
        "--tags",
        "PatientID,StudyInstanceUID,(0008,0060),Rows",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{}\tPID-7\t1.2.3.4.5\tOT\t2", a.display()),
            format!("{}\tLONG-1\t1.2.3.77\t\t", b.display()),
            format!("{}\tBARE ID\t\tMR\t", c.display()),
            format!(
                "{}\tPID000042\t1.2.826.0.1.3680043.2.1125.2.1\tMR\t256",
                gen.display()
            ),
        ]
    );
    let err = stderr(&o);
    assert!(
        err.contains("notes.txt: skipped: not a DICOM file"),
        "{err}"
    );
    assert!(err.contains("empty.dcm: skipped"), "{err}");
    assert!(err.contains("2 of 6 files skipped"), "{err}");

    let o = run(&["dicom", "scan", path_str(&dir.0), "--tags", "NoSuchKeyword"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn scan_reads_the_corpus() {
    let Some(c) = corpus() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let o = run(&[
        "dicom",
        "scan",
        path_str(&c),
        "--tags",
        "PatientID,StudyInstanceUID,Modality",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    // Every top-level .dcm file gives a line that agrees with a full read.
    let mut n = 0;
    for entry in std::fs::read_dir(&c).expect("corpus") {
        let p = entry.expect("entry").path();
        if p.extension().map_or(true, |x| x != "dcm") {
            continue;
        }
        let bytes = std::fs::read(&p).expect("read");
        let ds = DataSet::parse(&bytes).expect("parses");
        let field = |t: u32| {
            ds.get(Tag(t))
                .map(|e| e.to_str().into_owned())
                .unwrap_or_default()
        };
        let want = format!(
            "{}\t{}\t{}\t{}",
            p.display(),
            field(0x0010_0020),
            field(0x0020_000D),
            field(0x0008_0060)
        );
        assert!(text.lines().any(|l| l == want), "missing {want:?}");
        n += 1;
    }
    assert!(n >= 40);
}
