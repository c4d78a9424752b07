//! Conformance over the shared corpus (`../shared/corpus/dicom`, or `$CAREWIRE_CORPUS`):
//! every valid file reads and writes back byte-exact; every malformed file fails cleanly
//! or reads with diagnostics, never panics. Skips with a notice when the corpus is absent.

use std::path::{Path, PathBuf};

use carewire_dicom_lite::{
    CharacterSet, DataSet, ElementKind, ErrorKind, ParseConfig, StopReason, Tag, TransferSyntax,
};

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

/// Expected outcome per malformed file: an error kind, or the diagnostics of a lenient read.
const MALFORMED: &[(&str, &str)] = &[
    (
        "dcm4che__3gb-bulk-data-truncated.dcm",
        "error ValueExceedsInput { declared: 3221225472 } (7FE0,0010)",
    ),
    (
        "fodicom__GH1339_missing_seq_delim.dcm",
        "ok [MissingSequenceDelimiter]",
    ),
    // Read correctly: the "little-endian item tags" are CP-246 implicit VR LE inside a
    // UN sequence of undefined length.
    ("fodicom__GH177_BigEndian_undefined_length.dcm", "ok []"),
    ("fodicom__GH179A_partial.dcm", "error InvalidVr (0028,0120)"),
    ("fodicom__GH179B_partial.dcm", "error InvalidVr (0028,0120)"),
    // Ultrasound regions written as a bare item with no sequence header (and a wrong
    // file meta group length): read as an item of its own.
    (
        "fodicom__GH364.dcm",
        "ok [MetaGroupLengthMismatch, ItemOutsideSequence, OddLength]",
    ),
    // Implicit VR file with a Philips private sequence (2005,140F) whose content is
    // explicit VR and whose declared length is 4 bytes short: read as a sequence with
    // explicit elements, the overrun reported, pixel data reached.
    (
        "fodicom__GH626_bad_private_seq.dcm",
        "ok [ExplicitVrInImplicit, ExplicitVrInImplicit, ExplicitVrInImplicit, \
         ExplicitVrInImplicit, ExplicitVrInImplicit, ExplicitVrInImplicit, \
         ExplicitVrInImplicit, ContainerOverrun]",
    ),
];

#[test]
fn malformed_files_fail_cleanly_or_report_diagnostics() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let files = dcm_files(&root.join("dicom/malformed"));
    assert_eq!(files.len(), MALFORMED.len());
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let file = name(path);
        let outcome = match DataSet::parse(&bytes) {
            Ok(ds) => {
                walk(&ds);
                assert_eq!(ds.to_vec(), bytes, "{file}");
                let kinds: Vec<_> = ds.diagnostics().iter().map(|d| d.kind).collect();
                format!("ok {kinds:?}")
            }
            Err(e) => {
                let tag = e.tag().map(|t| format!(" {t}")).unwrap_or_default();
                format!("error {:?}{tag}", e.kind())
            }
        };
        eprintln!("{file}: {outcome}");
        let expected = MALFORMED.iter().find(|(f, _)| *f == file).map(|(_, o)| *o);
        assert_eq!(Some(outcome.as_str()), expected, "{file}");
        // Header-only reads of the same files never panic either.
        if let Ok(ds) =
            DataSet::parse_with(&bytes, &ParseConfig::default().stop_before_pixel_data(true))
        {
            walk(&ds);
            assert_eq!(ds.to_vec(), bytes, "{file}");
        }
    }
}

fn read(root: &Path, file: &str) -> Vec<u8> {
    std::fs::read(root.join("dicom").join(file)).expect("corpus file is readable")
}

#[test]
fn dicm_inside_a_value_of_a_bare_data_set_is_not_a_preamble() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let bytes = read(&root, "dcm4che__no_preamble_dicm_in_data.dcm");
    let ds = DataSet::parse(&bytes).unwrap();
    assert!(ds.preamble().is_none() && !ds.has_file_meta());
    assert_eq!(ds.transfer_syntax(), TransferSyntax::ExplicitVrLittleEndian);
    assert_eq!(
        ds.get_str(Tag::new(0x0008, 0x1010)).as_deref(),
        Some("DICMA1")
    );
}

#[test]
fn the_same_image_in_three_transfer_syntaxes_reads_the_same_values() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let files = [
        "cornerstone__CT1_UNC.explicit_little_endian.dcm",
        "cornerstone__CT1_UNC.implicit_little_endian.dcm",
        "cornerstone__CT1_UNC.explicit_big_endian.dcm",
    ];
    let mut seen = Vec::new();
    for f in files {
        let bytes = read(&root, f);
        let ds = DataSet::parse(&bytes).unwrap();
        let rows = ds.get(Tag::new(0x0028, 0x0010)).and_then(|e| e.uint());
        let cols = ds.get(Tag::new(0x0028, 0x0011)).and_then(|e| e.uint());
        let strings: Vec<(Tag, String)> = ds
            .elements()
            .filter(|e| e.vr().is_string() && !e.tag().is_private())
            .map(|e| (e.tag(), e.to_str().into_owned()))
            .collect();
        let pixels = match ds.pixel_data() {
            Some(carewire_dicom_lite::PixelData::Native(e)) => e.u16s(),
            _ => panic!("{f}: native pixel data expected"),
        };
        seen.push((rows, cols, strings, pixels));
    }
    assert_eq!(seen[0].0, Some(512));
    assert_eq!(seen[0], seen[1]);
    // The big-endian file is a conversion of the same image: same header strings, same
    // pixel values once read in its byte order.
    assert_eq!(seen[0].0, seen[2].0);
    assert_eq!(seen[0].2, seen[2].2);
    assert_eq!(seen[0].3, seen[2].3);
}

#[test]
fn specific_character_sets_decode_gb18030_iso2022_gb2312_and_utf8() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let bytes = read(&root, "fodicom__GH1301_GB18030.dcm");
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(ds.character_set(), CharacterSet::Gb18030);
    let name = ds.get(Tag::new(0x0010, 0x0010)).unwrap();
    assert_eq!(name.to_str(), "Wang^XiaoDong=王^小东=");
    assert_eq!(
        name.with_person_name(|pn| pn.ideographic.given.to_owned())
            .as_deref(),
        Some("小东")
    );
    // Multi-valued "\ISO 2022 IR 58": GB 2312 designated into G1 by escape sequences.
    let bytes = read(&root, "fodicom__chrGB2312_multi_charset.dcm");
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(ds.character_set(), CharacterSet::Iso2022);
    assert_eq!(
        ds.get_str(Tag::new(0x0010, 0x0010)).as_deref(),
        Some("Zhang^XiaoDong=张^小东=")
    );
    let bytes = read(&root, "fodicom__GH1146_private_creator_UN.dcm");
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(ds.character_set(), CharacterSet::Utf8);
}

#[test]
fn encapsulated_pixel_data_exposes_offset_table_and_fragments() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let bytes = read(&root, "cornerstone__CT1_UNC.fragmented_bot_jpeg_ls.80.dcm");
    let ds = DataSet::parse(&bytes).unwrap();
    let Some(carewire_dicom_lite::PixelData::Encapsulated(frags)) = ds.pixel_data() else {
        panic!("encapsulated pixel data expected");
    };
    // INDEX.tsv: 22 items including the Basic Offset Table; one frame.
    assert_eq!(frags.offsets(), vec![0]);
    assert_eq!(frags.fragments().count(), 21);
    for f in frags.fragments() {
        let span = f.value_span();
        assert_eq!(&bytes[span.clone()], f.raw());
    }
}

#[test]
fn truncated_3gb_pixel_data_fails_cleanly_and_header_only_reads_stop_before_it() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let bytes = read(&root, "malformed/dcm4che__3gb-bulk-data-truncated.dcm");
    let err = DataSet::parse(&bytes).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::ValueExceedsInput {
            declared: 3_221_225_472
        }
    );
    assert_eq!(err.tag(), Some(Tag::PIXEL_DATA));
    let head =
        DataSet::parse_with(&bytes, &ParseConfig::default().stop_before_pixel_data(true)).unwrap();
    assert_eq!(
        head.stopped().map(|s| s.reason),
        Some(StopReason::PixelData)
    );
    assert_eq!(head.to_vec(), bytes);
}

#[test]
fn item_without_sequence_header_keeps_later_elements_reachable() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    // fo-dicom GH364: tags after (0018,5020) must still be found.
    let bytes = read(&root, "malformed/fodicom__GH364.dcm");
    let ds = DataSet::parse(&bytes).unwrap();
    assert!(ds.get(Tag::new(0x0018, 0x5020)).is_some());
    assert!(ds.get(Tag::new(0x0028, 0x0010)).is_some());
    assert!(ds.elements().any(|e| e.kind() == ElementKind::Item));
    assert!(DataSet::parse_with(&bytes, &ParseConfig::strict()).is_err());
}

#[test]
fn private_sequence_with_explicit_content_in_implicit_file_still_reaches_pixel_data() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    // fo-dicom GH626.
    let bytes = read(&root, "malformed/fodicom__GH626_bad_private_seq.dcm");
    let ds = DataSet::parse(&bytes).unwrap();
    let seq = ds.get(Tag::new(0x2005, 0x140F)).unwrap();
    assert_eq!(seq.kind(), ElementKind::Sequence);
    let item = seq.items().next().unwrap();
    assert_eq!(
        item.get(Tag::new(0x0040, 0x9210))
            .map(|e| e.to_str().into_owned())
            .as_deref(),
        Some("Philips")
    );
    assert!(matches!(
        ds.pixel_data(),
        Some(carewire_dicom_lite::PixelData::Native(_))
    ));
    assert!(DataSet::parse_with(&bytes, &ParseConfig::strict()).is_err());
}

#[test]
fn big_endian_file_with_cp246_un_sequence_reads_its_items_as_implicit_le() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let bytes = read(
        &root,
        "malformed/fodicom__GH177_BigEndian_undefined_length.dcm",
    );
    let ds = DataSet::parse(&bytes).unwrap();
    let seq = ds.get(Tag::new(0x0008, 0x2112)).unwrap();
    assert_eq!(seq.kind(), ElementKind::Sequence);
    let item = seq.items().next().unwrap();
    assert_eq!(
        item.get(Tag::new(0x0008, 0x1150))
            .map(|e| e.uid().to_owned())
            .as_deref(),
        Some("1.2.840.10008.5.1.4.1.1.2")
    );
}

#[test]
fn every_cut_and_corruption_of_corpus_files_reads_or_fails_cleanly() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let mut files = dcm_files(&root.join("dicom"));
    files.extend(dcm_files(&root.join("dicom/malformed")));
    let mut reads = 0usize;
    for path in &files {
        let bytes = std::fs::read(path).expect("corpus file is readable");
        // Cuts every 13 bytes in the first KiB, then 16 spread over the rest (debug builds
        // are slow; the fuzz target covers this ground at depth).
        let step = (bytes.len() / 16).max(1);
        let cuts = (1..bytes.len().min(1024))
            .step_by(13)
            .chain((1024..bytes.len()).step_by(step));
        for cut in cuts {
            let prefix = &bytes[..cut];
            for config in [
                ParseConfig::default(),
                ParseConfig::default().max_header_len(cut),
            ] {
                if let Ok(ds) = DataSet::parse_with(prefix, &config) {
                    reads += 1;
                    assert_eq!(ds.to_vec(), prefix, "{} cut at {cut}", name(path));
                }
            }
        }
        // Corrupt one byte at a time in the header region.
        let mut copy = bytes.clone();
        for at in (0..bytes.len().min(2048)).step_by(61) {
            let old = copy[at];
            copy[at] = old ^ 0xA5;
            if let Ok(ds) =
                DataSet::parse_with(&copy, &ParseConfig::default().stop_before_pixel_data(true))
            {
                assert_eq!(ds.to_vec(), copy, "{} corrupted at {at}", name(path));
            }
            copy[at] = old;
        }
    }
    eprintln!("{reads} prefix reads succeeded");
}
