//! Conformance over the shared corpus (`../shared/corpus/dicom`, or `$CAREWIRE_CORPUS`):
//! every valid file reads and writes back byte-exact; every malformed file fails cleanly
//! or reads with diagnostics, never panics. Skips with a notice when the corpus is absent.

use std::path::{Path, PathBuf};

use carewire_dicom_lite::{DataSet, ElementKind, ParseConfig, StopReason};

fn corpus_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CAREWIRE_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    p.is_dir().then_some(p)
}

fn dcm_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Touches every value accessor of every entry (decoding must never panic).
fn walk(ds: &DataSet<'_>) -> usize {
    let mut n = 0;
    for e in ds.entries_iter() {
        n += 1;
        let _ = e.to_str();
        let _ = e.strings();
        let _ = e.date();
        let _ = e.time();
        let _ = e.datetime();
        let _ = e.with_person_name(|pn| pn.alphabetic.family.len());
        let _ = e.decimals();
        let _ = e.integers();
        let _ = e.u16s();
        let _ = e.f64s();
        let _ = e.tags();
        let _ = e.uint();
        let _ = e.character_set();
        let _ = format!("{e:?}");
        if let Some(p) = e.parent() {
            assert!(p.position() < e.position());
            assert!(p.children().any(|c| c.position() == e.position()));
        }
    }
    if let Some(carewire_dicom_lite::PixelData::Encapsulated(f)) = ds.pixel_data() {
        let _ = f.offsets();
        n += f.fragments().count();
    }
    n
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_valid_file_reads_and_writes_back_byte_exact() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let files = dcm_files(&root.join("dicom"));
    assert!(files.len() >= 40, "expected the 48 corpus files");
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let file = name(path);
        match DataSet::parse(&bytes) {
            Ok(ds) => {
                let entries = walk(&ds);
                let exact = ds.to_vec() == bytes;
                let diags: Vec<String> = ds.diagnostics().iter().map(|d| d.to_string()).collect();
                eprintln!(
                    "ok   {file}: {} ({entries} entries, exact={exact}, diagnostics={diags:?})",
                    ds.transfer_syntax()
                );
                if !exact {
                    failures.push(format!("{file}: not byte-exact"));
                }
                // Header-only read: stops at pixel data (when there is any) and still writes
                // back byte-exact.
                let head = DataSet::parse_with(
                    &bytes,
                    &ParseConfig::default().stop_before_pixel_data(true),
                )
                .unwrap();
                if let Some(stop) = head.stopped() {
                    assert_eq!(stop.reason, StopReason::PixelData);
                }
                assert_eq!(head.to_vec(), bytes, "{file}: header-only write");
                // Every Part 10 file names its transfer syntax.
                if ds.has_file_meta() {
                    assert!(ds.declared_transfer_syntax().is_some(), "{file}");
                }
            }
            Err(e) => {
                eprintln!("FAIL {file}: {e}");
                failures.push(format!("{file}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn malformed_files_fail_cleanly_or_report_diagnostics() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let files = dcm_files(&root.join("dicom/malformed"));
    assert!(!files.is_empty());
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let file = name(path);
        match DataSet::parse(&bytes) {
            Ok(ds) => {
                walk(&ds);
                let diags: Vec<String> = ds.diagnostics().iter().map(|d| d.to_string()).collect();
                eprintln!(
                    "ok   {file}: exact={} diagnostics={diags:?}",
                    ds.to_vec() == bytes
                );
                assert_eq!(ds.to_vec(), bytes, "{file}");
            }
            Err(e) => eprintln!("err  {file}: {e}"),
        }
        let head =
            DataSet::parse_with(&bytes, &ParseConfig::default().stop_before_pixel_data(true));
        eprintln!(
            "     header-only: {:?}",
            head.as_ref().map(|d| d.stopped()).map_err(|e| e.kind())
        );
        let _ = head.map(|d| walk(&d));
        let _ = ElementKind::Element;
    }
}
