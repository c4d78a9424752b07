//! Allocation accounting: reading with a reused `Index` allocates nothing per file once
//! the index has grown, and no input — whatever lengths it declares — makes the reader
//! allocate more than a small multiple of its own size.
//!
//! This test file needs `unsafe impl GlobalAlloc`; the crate itself forbids unsafe code.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use carewire_dicom_lite::{DataSet, Encoder, Index, ParseConfig, Parser, Tag, TransferSyntax, Vr};

/// Counts allocations and live bytes on the current thread (other test threads don't
/// count).
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grow(bytes: usize) {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
    let _ = LIVE.try_with(|l| {
        let v = l.get().saturating_add(bytes);
        l.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

fn shrink(bytes: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(bytes)));
}

fn allocations() -> usize {
    ALLOCS.with(Cell::get)
}

/// Resets the peak to the current live bytes and returns that baseline.
fn reset_peak() -> usize {
    let live = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(live));
    live
}

fn peak() -> usize {
    PEAK.with(Cell::get)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// the caller's obligations under `GlobalAlloc` pass through intact. The counters are
// `const`-initialised thread-local `Cell`s, which never allocate and never re-enter the
// allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        shrink(layout.size());
        grow(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn file(n: usize) -> Vec<u8> {
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.2",
        &format!("1.2.3.{n}"),
    )
    .expect("meta encodes");
    let id = format!("PAT{n:04}");
    let steps = [
        enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"CT"),
        enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane"),
        enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, id.as_bytes()),
        enc.begin_sequence(Tag::new(0x0040, 0x0275), false),
        enc.begin_item(true),
        enc.element(Tag::new(0x0040, 0x0009), Vr::Sh, b"SPS"),
        enc.end_item(),
        enc.end_sequence(),
        enc.element(Tag::PIXEL_DATA, Vr::Ow, &[0; 64]),
    ];
    assert!(steps.iter().all(Result::is_ok));
    enc.finish().expect("file encodes")
}

#[test]
fn reused_index_reads_files_with_zero_allocations() {
    let files: Vec<Vec<u8>> = (0..50).map(file).collect();
    let parser = Parser::new(ParseConfig::default().stop_before_pixel_data(true));
    let mut index = Index::new();
    // Warm up: let the index grow to the largest file.
    let _ = parser
        .parse_into(&files[0], &mut index)
        .map(|d| d.entry_count());
    let before = allocations();
    let mut found = 0;
    for f in &files {
        let ds = parser.parse_into(f, &mut index).expect("reads");
        if let Some(e) = ds.get(Tag::new(0x0010, 0x0020)) {
            found += usize::from(e.raw().starts_with(b"PAT"));
        }
        let _ = ds.get(Tag::new(0x0008, 0x0060)).map(|e| e.to_str().len());
    }
    let per_file = (allocations() - before) as f64 / files.len() as f64;
    assert_eq!(found, files.len());
    assert_eq!(per_file, 0.0, "allocations per file with a reused index");
}

/// Peak heap growth while reading `input`, in bytes.
fn peak_while_reading(input: &[u8], config: &ParseConfig) -> usize {
    let base = reset_peak();
    let _ = DataSet::parse_with(input, config).map(|d| d.entry_count());
    peak().saturating_sub(base)
}

#[test]
fn huge_declared_lengths_never_drive_allocation() {
    let mut hostile = Vec::new();
    // Top-level explicit OB of 4 GiB - 2 bytes, then more elements and sequences with
    // undefined and huge lengths, in each syntax.
    hostile.extend_from_slice(&[0x08, 0x00, 0x60, 0x00, b'C', b'S', 2, 0, b'M', b'R']);
    hostile.extend_from_slice(&[0x09, 0x00, 0x10, 0x10, b'O', b'B', 0, 0]);
    hostile.extend_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    hostile.extend_from_slice(&[0; 32]);
    let mut nested = Vec::new();
    for _ in 0..200 {
        nested.extend_from_slice(&[0x40, 0x00, 0x75, 0x02, b'S', b'Q', 0, 0]);
        nested.extend_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        nested.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xF0, 0xFF, 0xFF, 0xFF]);
    }
    let mut deflated = Encoder::part10(
        [0; 128],
        TransferSyntax::DeflatedExplicitVrLittleEndian,
        "1.2",
        "1.3",
    )
    .expect("meta encodes")
    .finish()
    .expect("meta encodes");
    deflated.extend_from_slice(&[
        0x63, 0x60, 0x18, 0x05, 0xA3, 0x60, 0x14, 0x0C, 0x77, 0x00, 0x00,
    ]);
    for input in [&hostile, &nested, &deflated] {
        for config in [
            ParseConfig::default(),
            ParseConfig::default().transfer_syntax(TransferSyntax::ImplicitVrLittleEndian),
            ParseConfig::default().transfer_syntax(TransferSyntax::ExplicitVrBigEndian),
        ] {
            let peak = peak_while_reading(input, &config);
            // The element table (≤ one entry per 8 input bytes, a few dozen bytes each),
            // the container stack and diagnostics: bounded by a multiple of the input,
            // plus the inflater's fixed state (window and tables, under 128 KiB).
            assert!(
                peak <= 16 * input.len() + 128 * 1024,
                "peak {peak} bytes for a {}-byte input",
                input.len()
            );
        }
    }
}

fn corpus_dir() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("CAREWIRE_CORPUS") {
        let p = std::path::PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    p.is_dir().then_some(p)
}

#[test]
fn malformed_corpus_files_allocate_within_a_multiple_of_their_size() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let dir = root.join("dicom/malformed");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
    {
        let bytes = std::fs::read(path).expect("readable");
        let peak = peak_while_reading(&bytes, &ParseConfig::default());
        eprintln!(
            "{}: peak {peak} bytes for {} input bytes",
            path.display(),
            bytes.len()
        );
        assert!(peak <= 16 * bytes.len() + 64 * 1024, "{}", path.display());
    }
}

/// The allocation target: at most 2 allocations per file once a reused index has grown
/// to the largest file, over every corpus file (deflated ones included: the inflater's
/// state) and the 2000-frame enhanced multi-frame header; 0 for uncompressed files.
#[test]
fn reused_index_stays_within_two_allocations_per_file() {
    let mut inputs: Vec<(String, Vec<u8>)> = vec![(
        "enhanced_multiframe(2000)".into(),
        carewire_dicom_lite::gen::enhanced_multiframe(2000).expect("generates"),
    )];
    match corpus_dir() {
        Some(root) => {
            let mut paths: Vec<_> = std::fs::read_dir(root.join("dicom"))
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            paths.sort();
            for p in paths
                .iter()
                .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
            {
                let name = p.display().to_string();
                inputs.push((name, std::fs::read(p).expect("readable")));
            }
        }
        None => eprintln!("corpus not found (set CAREWIRE_CORPUS): synthetic input only"),
    }
    let parser = Parser::new(ParseConfig::default().stop_before_pixel_data(true));
    let mut index = Index::new();
    // Warm up: the index grows to the largest file.
    for (_, bytes) in &inputs {
        let _ = parser
            .parse_into(bytes, &mut index)
            .map(|d| d.entry_count());
    }
    let mut worst = (0, String::new());
    for (name, bytes) in &inputs {
        let deflated = parser
            .parse_into(bytes, &mut index)
            .is_ok_and(|d| d.transfer_syntax().is_deflated());
        let before = allocations();
        let _ = parser
            .parse_into(bytes, &mut index)
            .map(|d| d.entry_count());
        let n = allocations() - before;
        if !deflated {
            assert_eq!(n, 0, "{name}: {n} allocations with a warm index");
        }
        if n > worst.0 {
            worst = (n, name.clone());
        }
    }
    eprintln!("most allocations per file: {} ({})", worst.0, worst.1);
    assert!(
        worst.0 <= 2,
        "{}: {} allocations per file",
        worst.1,
        worst.0
    );
}
