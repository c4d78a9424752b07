//! DICOM benchmarks: carewire-dicom-lite beside dicom-object 0.10.1 (dicom-rs), same
//! input bytes, same stop condition, one run. Groups:
//!
//! - `dicom/header/corpus`: every Part 10 file of `../shared/corpus/dicom` (or
//!   `$CAREWIRE_CORPUS/dicom`) that both readers accept, read from memory up to Pixel
//!   Data; skipped with a notice when the corpus is absent.
//! - `dicom/header/synthetic_ct_50`: 50 generated CT headers (always run).
//! - `dicom/header/enhanced_mf_2000`: the synthetic enhanced multi-frame header with 2000
//!   per-frame functional group items (about 460 KB), `Throughput::Bytes`.
//! - `dicom/scan/2000_files_5_tags`: 2000 files written once under the target dir,
//!   warm cache; each file is opened and the values of PatientID, StudyInstanceUID,
//!   SeriesInstanceUID, SOPInstanceUID and Modality are read (carewire reads a 4 KiB
//!   prefix and reads the rest only when the header is longer; dicom-object opens the
//!   file with `read_until` the tag after the last wanted one).
//!
//! Every iteration asserts its result: the number of top-level elements read per file
//! (the same for both readers, checked in setup) or the 5 values of every file.
mod common;
use common::run;

use carewire_dicom_lite::{
    gen, Encoder, Index, ParseConfig, Parser, StopReason, Tag, TransferSyntax, Vr,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::OpenFileOptions;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn header_config() -> ParseConfig {
    ParseConfig::default().stop_before_pixel_data(true)
}

/// Top-level data set elements carewire reads before Pixel Data.
fn carewire_count(parser: &Parser, index: &mut Index, bytes: &[u8]) -> Option<usize> {
    parser
        .parse_into(bytes, index)
        .ok()
        .map(|ds| ds.elements().count())
}

/// Top-level data set elements dicom-object reads before Pixel Data (from memory).
fn dicom_object_count(bytes: &[u8]) -> Option<usize> {
    OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .read_until(tags::PIXEL_DATA)
        .from_reader(bytes)
        .ok()
        .map(|obj| obj.iter().count())
}

fn corpus_dir() -> Option<PathBuf> {
    let root = match std::env::var("CAREWIRE_CORPUS") {
        Ok(p) => PathBuf::from(p),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    };
    let dir = root.join("dicom");
    dir.is_dir().then_some(dir)
}

/// Corpus files both readers accept with the same element count, with that count.
fn corpus_files() -> Vec<(String, Vec<u8>, usize)> {
    let Some(dir) = corpus_dir() else {
        eprintln!("dicom bench: corpus not found (set CAREWIRE_CORPUS): dicom/header/corpus skipped, synthetic inputs only");
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    let parser = Parser::new(header_config());
    let mut index = Index::new();
    let mut files = Vec::new();
    for p in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
    {
        let Ok(bytes) = std::fs::read(p) else {
            continue;
        };
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Part 10 files only (dicom-object reads a preamble + meta group).
        if bytes.get(128..132) != Some(b"DICM") {
            eprintln!("dicom bench: {name}: not Part 10, left out");
            continue;
        }
        match (carewire_count(&parser, &mut index, &bytes), dicom_object_count(&bytes)) {
            (Some(a), Some(b)) if a == b => files.push((name, bytes, a)),
            (a, b) => eprintln!("dicom bench: {name}: element counts differ or a reader refused (carewire {a:?}, dicom-object {b:?}), left out"),
        }
    }
    eprintln!(
        "dicom bench: {} corpus files in dicom/header/corpus",
        files.len()
    );
    files
}

/// Values of the 5 scan tags for file `i`.
fn scan_values(i: usize) -> [String; 5] {
    [
        format!("PAT{:05}", i),
        format!("1.2.826.0.1.3680043.10.1546.1.{}", i / 10),
        format!("1.2.826.0.1.3680043.10.1546.2.{}", i / 5),
        format!("1.2.826.0.1.3680043.10.1546.3.{}", i),
        ["CT", "MR", "US", "CR"][i % 4].to_owned(),
    ]
}

/// A CT-like Part 10 file: about 40 header elements, every 100th with a 6 KiB private
/// block before the patient module (so a 4 KiB prefix is not enough), then 8 KiB of
/// pixel data.
fn ct_file(i: usize) -> Vec<u8> {
    let v = scan_values(i);
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.2",
        &v[3],
    )
    .expect("meta encodes");
    let text = |s: &str| {
        let mut b = s.as_bytes().to_vec();
        if b.len() % 2 == 1 {
            b.push(b' ');
        }
        b
    };
    let mut steps = vec![
        enc.element(Tag::new(0x0008, 0x0005), Vr::Cs, b"ISO_IR 100"),
        enc.element(
            Tag::new(0x0008, 0x0008),
            Vr::Cs,
            b"ORIGINAL\\PRIMARY\\AXIAL",
        ),
        enc.element(
            Tag::new(0x0008, 0x0016),
            Vr::Ui,
            b"1.2.840.10008.5.1.4.1.1.2",
        ),
        enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, &text(&v[3])),
        enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20260101"),
        enc.element(Tag::new(0x0008, 0x0021), Vr::Da, b"20260101"),
        enc.element(Tag::new(0x0008, 0x0030), Vr::Tm, b"101010"),
        enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, &text(&format!("ACC{i}"))),
        enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, &text(&v[4])),
        enc.element(Tag::new(0x0008, 0x0070), Vr::Lo, b"ACME Imaging"),
        enc.element(Tag::new(0x0008, 0x0080), Vr::Lo, b"General Hospital"),
        enc.element(Tag::new(0x0008, 0x0090), Vr::Pn, b"Welby^Marcus"),
        enc.element(Tag::new(0x0008, 0x1030), Vr::Lo, b"CT CHEST W CONTRAST"),
        enc.element(Tag::new(0x0008, 0x103E), Vr::Lo, b"AXIAL 1.25MM"),
    ];
    if i % 100 == 7 {
        steps.push(enc.element(Tag::new(0x0009, 0x0010), Vr::Lo, b"ACME PRIVATE"));
        steps.push(enc.element(Tag::new(0x0009, 0x1001), Vr::Ob, &vec![0x5A; 6144]));
    }
    steps.extend([
        enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane"),
        enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, &text(&v[0])),
        enc.element(Tag::new(0x0010, 0x0030), Vr::Da, b"19700101"),
        enc.element(Tag::new(0x0010, 0x0040), Vr::Cs, b"F "),
        enc.element(Tag::new(0x0018, 0x0050), Vr::Ds, b"1.25"),
        enc.element(Tag::new(0x0018, 0x0060), Vr::Ds, b"120 "),
        enc.element(Tag::new(0x0018, 0x1150), Vr::Is, b"500 "),
        enc.element(Tag::new(0x0018, 0x1151), Vr::Is, b"250 "),
        enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, &text(&v[1])),
        enc.element(Tag::new(0x0020, 0x000E), Vr::Ui, &text(&v[2])),
        enc.element(Tag::new(0x0020, 0x0011), Vr::Is, b"2 "),
        enc.element(Tag::new(0x0020, 0x0013), Vr::Is, &text(&i.to_string())),
        enc.element(Tag::new(0x0020, 0x0032), Vr::Ds, b"-125\\-125\\-300 "),
        enc.element(Tag::new(0x0020, 0x0037), Vr::Ds, b"1\\0\\0\\0\\1\\0 "),
        enc.element(
            Tag::new(0x0020, 0x0052),
            Vr::Ui,
            b"1.2.826.0.1.3680043.10.1546.9",
        ),
        enc.element(Tag::new(0x0028, 0x0002), Vr::Us, &1u16.to_le_bytes()),
        enc.element(Tag::new(0x0028, 0x0004), Vr::Cs, b"MONOCHROME2 "),
        enc.element(Tag::new(0x0028, 0x0010), Vr::Us, &64u16.to_le_bytes()),
        enc.element(Tag::new(0x0028, 0x0011), Vr::Us, &64u16.to_le_bytes()),
        enc.element(Tag::new(0x0028, 0x0100), Vr::Us, &16u16.to_le_bytes()),
        enc.element(Tag::new(0x0028, 0x0101), Vr::Us, &12u16.to_le_bytes()),
        enc.element(Tag::new(0x0028, 0x1050), Vr::Ds, b"40"),
        enc.element(Tag::new(0x0028, 0x1051), Vr::Ds, b"400 "),
        enc.element(Tag::PIXEL_DATA, Vr::Ow, &vec![0; 64 * 64 * 2]),
    ]);
    assert!(steps.iter().all(Result::is_ok), "synthetic file encodes");
    enc.finish().expect("synthetic file encodes")
}

fn bench_header_set(c: &mut Criterion, group: &str, files: &[(String, Vec<u8>, usize)]) {
    let total: usize = files.iter().map(|f| f.2).sum();
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(files.len() as u64));
    let parser = Parser::new(header_config());
    let mut index = Index::new();
    g.bench_function("carewire", |b| {
        run(b, || {
            let mut n = 0;
            for (_, bytes, _) in files {
                let ds = parser
                    .parse_into(black_box(bytes), &mut index)
                    .expect("carewire reads");
                n += ds.elements().count();
            }
            assert_eq!(n, total);
            n
        })
    });
    g.bench_function("dicom-object", |b| {
        run(b, || {
            let mut n = 0;
            for (_, bytes, _) in files {
                n += dicom_object_count(black_box(bytes)).expect("dicom-object reads");
            }
            assert_eq!(n, total);
            n
        })
    });
    g.finish();
}

fn header(c: &mut Criterion) {
    let corpus = corpus_files();
    if !corpus.is_empty() {
        bench_header_set(c, "dicom/header/corpus", &corpus);
    }

    let parser = Parser::new(header_config());
    let mut index = Index::new();
    let synthetic: Vec<(String, Vec<u8>, usize)> = (0..50)
        .map(|i| {
            let bytes = ct_file(i);
            let n = carewire_count(&parser, &mut index, &bytes).expect("reads");
            assert_eq!(dicom_object_count(&bytes), Some(n), "same element count");
            (format!("ct{i}"), bytes, n)
        })
        .collect();
    bench_header_set(c, "dicom/header/synthetic_ct_50", &synthetic);

    // The large nested header: every entry of the flat table (items and delimiters
    // included) for carewire, every top-level element for both.
    let mf = gen::enhanced_multiframe(2000).expect("generates");
    let entries = Parser::new(ParseConfig::default())
        .parse_into(&mf, &mut index)
        .expect("reads")
        .entry_count();
    let top = carewire_count(&parser, &mut index, &mf).expect("reads");
    assert_eq!(dicom_object_count(&mf), Some(top));
    let mut g = c.benchmark_group("dicom/header/enhanced_mf_2000");
    g.throughput(Throughput::Bytes(mf.len() as u64));
    let full = Parser::new(ParseConfig::default());
    g.bench_function("carewire", |b| {
        run(b, || {
            let ds = full.parse_into(black_box(&mf), &mut index).expect("reads");
            assert_eq!(ds.entry_count(), entries);
            assert_eq!(ds.elements().count(), top);
            entries
        })
    });
    g.bench_function("dicom-object", |b| {
        run(b, || {
            let obj = OpenFileOptions::new()
                .read_preamble(ReadPreamble::Always)
                .read_until(tags::PIXEL_DATA)
                .from_reader(black_box(&mf[..]))
                .expect("dicom-object reads");
            let pf = obj
                .element(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
                .expect("per-frame");
            assert_eq!(pf.items().map(|i| i.len()), Some(2000));
            assert_eq!(obj.iter().count(), top);
            top
        })
    });
    g.finish();
}

const SCAN_FILES: usize = 2000;
const SCAN_TAGS: [Tag; 5] = [
    Tag::new(0x0010, 0x0020),
    Tag::new(0x0020, 0x000D),
    Tag::new(0x0020, 0x000E),
    Tag::new(0x0008, 0x0018),
    Tag::new(0x0008, 0x0060),
];
const PREFIX: usize = 4096;

/// Writes the scan files once (kept between runs) and returns their paths.
fn scan_dir() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dicom_scan_2000");
    std::fs::create_dir_all(&dir).expect("scan dir");
    (0..SCAN_FILES)
        .map(|i| {
            let p = dir.join(format!("f{i:05}.dcm"));
            let bytes = ct_file(i);
            if std::fs::read(&p).ok().as_deref() != Some(&bytes[..]) {
                std::fs::write(&p, &bytes).expect("scan file written");
            }
            p
        })
        .collect()
}

/// Reads up to `buf.len()` bytes from the start of `f`.
fn read_prefix(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn scan(c: &mut Criterion) {
    let paths = scan_dir();
    let expected: Vec<[String; 5]> = (0..SCAN_FILES).map(scan_values).collect();
    let mut g = c.benchmark_group("dicom/scan/2000_files_5_tags");
    g.throughput(Throughput::Elements(SCAN_FILES as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));

    let base = ParseConfig::default()
        .stop_before_pixel_data(true)
        .stop_after_all(&SCAN_TAGS);
    let prefix_parser = Parser::new(base.clone().max_header_len(PREFIX));
    let full_parser = Parser::new(base);
    let mut index = Index::new();
    let mut buf = vec![0u8; PREFIX];
    let mut whole = Vec::new();
    g.bench_function("carewire", |b| {
        run(b, || {
            let mut matched = 0usize;
            let mut refills = 0usize;
            for (path, want) in paths.iter().zip(&expected) {
                let mut f = std::fs::File::open(path).expect("open");
                let n = read_prefix(&mut f, &mut buf).expect("read");
                let mut ds = prefix_parser
                    .parse_into(&buf[..n], &mut index)
                    .expect("reads");
                if ds
                    .stopped()
                    .is_some_and(|s| s.reason == StopReason::HeaderLimit)
                {
                    // The header is longer than the prefix: read the rest and parse again.
                    refills += 1;
                    whole.clear();
                    whole.extend_from_slice(&buf[..n]);
                    f.read_to_end(&mut whole).expect("read");
                    ds = full_parser.parse_into(&whole, &mut index).expect("reads");
                }
                for (tag, value) in SCAN_TAGS.iter().zip(want) {
                    if ds.get(*tag).is_some_and(|e| e.to_str() == value.as_str()) {
                        matched += 1;
                    }
                }
            }
            assert_eq!(matched, 5 * SCAN_FILES);
            assert_eq!(refills, SCAN_FILES / 100);
            matched
        })
    });
    g.bench_function("dicom-object", |b| {
        run(b, || {
            let mut matched = 0usize;
            for (path, want) in paths.iter().zip(&expected) {
                let obj = OpenFileOptions::new()
                    .read_until(dicom_object::Tag(0x0020, 0x000F))
                    .open_file(path)
                    .expect("dicom-object reads");
                for (tag, value) in SCAN_TAGS.iter().zip(want) {
                    let t = dicom_object::Tag(tag.group(), tag.element());
                    let v = obj.element(t).ok().and_then(|e| {
                        e.to_str()
                            .ok()
                            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
                    });
                    if v.as_deref() == Some(value.as_str()) {
                        matched += 1;
                    }
                }
            }
            assert_eq!(matched, 5 * SCAN_FILES);
            matched
        })
    });
    g.finish();
}

criterion_group!(benches, header, scan);
criterion_main!(benches);
