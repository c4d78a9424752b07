//! Reading synthetic data sets: encodings, nesting, quirks, stop conditions, limits.

use std::io::Write;

use carewire_dicom_lite::{
    DataSet, DiagnosticKind, ElementKind, Encoder, ErrorKind, Index, ParseConfig, Parser,
    StopReason, Tag, TransferSyntax, Vr, UNDEFINED_LENGTH,
};

const PATIENT_NAME: Tag = Tag::new(0x0010, 0x0010);
const PATIENT_ID: Tag = Tag::new(0x0010, 0x0020);
const SPS: Tag = Tag::new(0x0040, 0x0275);
const SPS_ID: Tag = Tag::new(0x0040, 0x0009);

fn explicit_le(tag: Tag, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&tag.group().to_le_bytes());
    out.extend_from_slice(&tag.element().to_le_bytes());
    out.extend_from_slice(vr);
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out
}

fn implicit_le(tag: Tag, len: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&tag.group().to_le_bytes());
    out.extend_from_slice(&tag.element().to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(value);
    out
}

fn sample(ts: TransferSyntax, defined: bool) -> Vec<u8> {
    try_sample(ts, defined).expect("the sample encodes")
}

fn try_sample(ts: TransferSyntax, defined: bool) -> Result<Vec<u8>, carewire_dicom_lite::Error> {
    let mut enc = Encoder::new(ts);
    enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"MR")?;
    enc.element(PATIENT_NAME, Vr::Pn, b"Doe^Jane")?;
    enc.element(PATIENT_ID, Vr::Lo, b"P-1")?;
    enc.element(
        Tag::new(0x0028, 0x0010),
        Vr::Us,
        &if ts.is_big_endian() {
            256u16.to_be_bytes()
        } else {
            256u16.to_le_bytes()
        },
    )?;
    enc.begin_sequence(SPS, defined)?;
    for id in [&b"A1"[..], b"B2"] {
        enc.begin_item(defined)?;
        enc.element(SPS_ID, Vr::Sh, id)?;
        enc.begin_sequence(Tag::new(0x0040, 0x0260), !defined)?;
        enc.begin_item(!defined)?;
        enc.element(Tag::new(0x0008, 0x0100), Vr::Sh, b"CODE")?;
        enc.end_item()?;
        enc.end_sequence()?;
        enc.end_item()?;
    }
    enc.end_sequence()?;
    enc.finish()
}

#[test]
fn bare_data_sets_are_detected_in_each_uncompressed_syntax() {
    for ts in [
        TransferSyntax::ImplicitVrLittleEndian,
        TransferSyntax::ExplicitVrLittleEndian,
        TransferSyntax::ExplicitVrBigEndian,
    ] {
        for defined in [true, false] {
            let bytes = sample(ts, defined);
            let ds = DataSet::parse(&bytes).unwrap();
            assert_eq!(ds.transfer_syntax(), ts);
            assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("P-1"));
            assert_eq!(
                ds.get(Tag::new(0x0028, 0x0010)).and_then(|e| e.uint()),
                Some(256)
            );
            let seq = ds.get(SPS).unwrap();
            assert_eq!(seq.kind(), ElementKind::Sequence);
            assert_eq!(seq.is_undefined_length(), !defined);
            let ids: Vec<String> = seq
                .items()
                .map(|i| i.get(SPS_ID).unwrap().to_str().into_owned())
                .collect();
            assert_eq!(ids, ["A1", "B2"]);
            let inner = seq
                .items()
                .next()
                .unwrap()
                .get(Tag::new(0x0040, 0x0260))
                .unwrap();
            assert_eq!(inner.depth(), 1);
            let code = inner
                .items()
                .next()
                .unwrap()
                .get(Tag::new(0x0008, 0x0100))
                .unwrap();
            assert_eq!(code.depth(), 2);
            assert_eq!(
                code.parent().and_then(|p| p.parent()).map(|s| s.tag()),
                Some(inner.tag())
            );
            assert_eq!(ds.to_vec(), bytes, "{ts} defined={defined}");
            assert_eq!(
                ds.diagnostics().iter().map(|d| d.kind).collect::<Vec<_>>(),
                [DiagnosticKind::NoFileMeta]
            );
        }
    }
}

#[test]
fn part10_file_keeps_its_preamble_and_meta_byte_exact() {
    let mut preamble = [0u8; 128];
    preamble[0] = 0xAB;
    let mut enc = Encoder::part10(
        preamble,
        TransferSyntax::ImplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.7",
        "1.2.3",
    )
    .unwrap();
    enc.element(PATIENT_ID, Vr::Lo, b"X").unwrap();
    let bytes = enc.finish().unwrap();
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(ds.preamble().map(|p| p[0]), Some(0xAB));
    assert!(ds.has_file_meta());
    assert!(ds.diagnostics().is_empty(), "{:?}", ds.diagnostics());
    assert_eq!(ds.transfer_syntax(), TransferSyntax::ImplicitVrLittleEndian);
    assert_eq!(ds.file_meta().count(), 6);
    assert_eq!(ds.elements().count(), 1);
    assert_eq!(
        ds.get(Tag::new(0x0002, 0x0003)).map(|e| e.uid()),
        Some("1.2.3")
    );
    assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("X"));
    assert_eq!(ds.to_vec(), bytes);
}

#[test]
fn transfer_syntax_override_beats_detection() {
    let bytes = sample(TransferSyntax::ImplicitVrLittleEndian, true);
    let cfg = ParseConfig::default().transfer_syntax(TransferSyntax::ImplicitVrLittleEndian);
    let ds = DataSet::parse_with(&bytes, &cfg).unwrap();
    assert_eq!(ds.transfer_syntax(), TransferSyntax::ImplicitVrLittleEndian);
    // Forcing the wrong syntax fails cleanly instead of guessing.
    let cfg = ParseConfig::default().transfer_syntax(TransferSyntax::ExplicitVrLittleEndian);
    assert!(DataSet::parse_with(&bytes, &cfg).is_err());
}

#[test]
fn implicit_data_set_declared_explicit_is_read_as_implicit_with_a_diagnostic() {
    let enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2",
        "1.3",
    )
    .unwrap();
    let mut bytes = enc.finish().unwrap();
    bytes.extend(implicit_le(PATIENT_ID, 4, b"ID12"));
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(ds.transfer_syntax(), TransferSyntax::ImplicitVrLittleEndian);
    assert_eq!(
        ds.declared_transfer_syntax(),
        Some(TransferSyntax::ExplicitVrLittleEndian)
    );
    assert!(ds
        .diagnostics()
        .iter()
        .any(|d| d.kind == DiagnosticKind::TransferSyntaxMismatch));
    assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("ID12"));
    assert_eq!(ds.to_vec(), bytes);
    assert_eq!(
        DataSet::parse_with(&bytes, &ParseConfig::strict())
            .map_err(|e| e.kind())
            .err(),
        Some(ErrorKind::Strict(DiagnosticKind::TransferSyntaxMismatch))
    );
}

#[test]
fn deflated_data_set_is_inflated_and_written_back_as_the_original_stream() {
    let body = sample(TransferSyntax::ExplicitVrLittleEndian, false);
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&body).unwrap();
    let deflated = z.finish().unwrap();
    let enc = Encoder::part10(
        [0; 128],
        TransferSyntax::DeflatedExplicitVrLittleEndian,
        "1.2",
        "1.3",
    )
    .unwrap();
    let mut bytes = enc.finish().unwrap();
    bytes.extend_from_slice(&deflated);
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(
        ds.transfer_syntax(),
        TransferSyntax::DeflatedExplicitVrLittleEndian
    );
    assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("P-1"));
    assert_eq!(ds.get(SPS).unwrap().items().count(), 2);
    assert_eq!(ds.to_vec(), bytes);
    // A corrupt stream fails cleanly.
    let mut bad = bytes.clone();
    let n = bad.len();
    bad.truncate(n - deflated.len());
    bad.extend_from_slice(&[0xFF; 16]);
    assert_eq!(
        DataSet::parse(&bad).unwrap_err().kind(),
        ErrorKind::InvalidDeflate
    );
}

#[test]
fn deflate_bombs_stop_at_the_inflated_limit() {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 4 << 20]).unwrap();
    let deflated = z.finish().unwrap();
    let mut bytes = Encoder::part10(
        [0; 128],
        TransferSyntax::DeflatedExplicitVrLittleEndian,
        "1.2",
        "1.3",
    )
    .unwrap()
    .finish()
    .unwrap();
    bytes.extend_from_slice(&deflated);
    let mut cfg = ParseConfig::default();
    cfg.max_inflated_len = 1 << 20;
    assert_eq!(
        DataSet::parse_with(&bytes, &cfg).unwrap_err().kind(),
        ErrorKind::InflatedTooLong { max: 1 << 20 }
    );
}

#[test]
fn odd_length_is_kept_and_reported() {
    let mut bytes = explicit_le(Tag::new(0x0008, 0x0060), b"CS", b"MR");
    bytes.extend(explicit_le(PATIENT_ID, b"LO", b"ABC"));
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("ABC"));
    let odd: Vec<_> = ds
        .diagnostics()
        .iter()
        .filter(|d| d.kind == DiagnosticKind::OddLength)
        .collect();
    assert_eq!(odd.len(), 1);
    assert_eq!((odd[0].offset, odd[0].tag), (10, Some(PATIENT_ID)));
    assert_eq!(ds.to_vec(), bytes);
}

#[test]
fn un_of_undefined_length_is_read_as_an_implicit_le_sequence() {
    // CP-246: an explicit-VR file, a private sequence sent as UN of undefined length whose
    // content is implicit VR little endian.
    let mut bytes = explicit_le(Tag::new(0x0029, 0x0010), b"LO", b"ACME");
    bytes.extend_from_slice(&[0x29, 0x00, 0x10, 0x10, b'U', b'N', 0, 0]);
    bytes.extend_from_slice(&UNDEFINED_LENGTH.to_le_bytes());
    bytes.extend(implicit_le(Tag::ITEM, UNDEFINED_LENGTH, b""));
    bytes.extend(implicit_le(PATIENT_ID, 2, b"42"));
    bytes.extend(implicit_le(Tag::ITEM_DELIMITATION, 0, b""));
    bytes.extend(implicit_le(Tag::SEQUENCE_DELIMITATION, 0, b""));
    bytes.extend(explicit_le(Tag::new(0x0031, 0x0010), b"LO", b"NEXT"));
    let ds = DataSet::parse(&bytes).unwrap();
    let seq = ds.get(Tag::new(0x0029, 0x1010)).unwrap();
    assert_eq!((seq.vr(), seq.kind()), (Vr::Un, ElementKind::Sequence));
    let item = seq.items().next().unwrap();
    assert_eq!(
        item.get(PATIENT_ID)
            .map(|e| (e.vr(), e.to_str().into_owned())),
        Some((Vr::Lo, "42".into()))
    );
    assert_eq!(
        ds.get_str(Tag::new(0x0031, 0x0010)).as_deref(),
        Some("NEXT")
    );
    assert_eq!(ds.to_vec(), bytes);
}

#[test]
fn missing_delimiters_at_end_of_input_are_reported_not_fatal() {
    let mut bytes = explicit_le(Tag::new(0x0008, 0x0060), b"CS", b"MR");
    bytes.extend_from_slice(&[0x40, 0x00, 0x75, 0x02, b'S', b'Q', 0, 0]);
    bytes.extend_from_slice(&UNDEFINED_LENGTH.to_le_bytes());
    bytes.extend(implicit_le(Tag::ITEM, UNDEFINED_LENGTH, b""));
    bytes.extend(explicit_le(SPS_ID, b"SH", b"S1"));
    let ds = DataSet::parse(&bytes).unwrap();
    let kinds: Vec<_> = ds.diagnostics().iter().map(|d| d.kind).collect();
    assert!(kinds.contains(&DiagnosticKind::MissingItemDelimiter));
    assert!(kinds.contains(&DiagnosticKind::MissingSequenceDelimiter));
    let item = ds.get(SPS).unwrap().items().next().unwrap();
    assert_eq!(
        item.get(SPS_ID).map(|e| e.to_str().into_owned()).as_deref(),
        Some("S1")
    );
    assert_eq!(ds.to_vec(), bytes);
    assert!(DataSet::parse_with(&bytes, &ParseConfig::strict()).is_err());
}

#[test]
fn stray_delimiters_are_kept_and_reported() {
    let mut bytes = explicit_le(Tag::new(0x0008, 0x0060), b"CS", b"MR");
    bytes.extend(implicit_le(Tag::ITEM_DELIMITATION, 0, b""));
    bytes.extend(explicit_le(PATIENT_ID, b"LO", b"42"));
    let ds = DataSet::parse(&bytes).unwrap();
    assert!(ds
        .diagnostics()
        .iter()
        .any(|d| d.kind == DiagnosticKind::StrayDelimiter));
    assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("42"));
    assert_eq!(ds.to_vec(), bytes);
}

#[test]
fn item_at_the_top_level_is_read_as_an_orphan_item_or_refused_when_strict() {
    let mut bytes = explicit_le(Tag::new(0x0008, 0x0060), b"CS", b"MR");
    bytes.extend(implicit_le(Tag::ITEM, 10, b""));
    bytes.extend(explicit_le(SPS_ID, b"SH", b"S1"));
    bytes.extend(explicit_le(PATIENT_ID, b"LO", b"42"));
    let ds = DataSet::parse(&bytes).unwrap();
    let d = ds.diagnostics()[1]; // [0] is NoFileMeta: a bare data set
    assert_eq!(
        (d.kind, d.offset, d.tag),
        (DiagnosticKind::ItemOutsideSequence, 10, Some(Tag::ITEM))
    );
    let item = ds
        .elements()
        .find(|e| e.kind() == ElementKind::Item)
        .unwrap();
    assert_eq!(
        item.get(SPS_ID).map(|e| e.to_str().into_owned()).as_deref(),
        Some("S1")
    );
    assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("42"));
    assert_eq!(ds.to_vec(), bytes);
    let cfg = ParseConfig::strict().transfer_syntax(TransferSyntax::ExplicitVrLittleEndian);
    let err = DataSet::parse_with(&bytes, &cfg).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Strict(DiagnosticKind::ItemOutsideSequence)
    );
    assert_eq!((err.offset(), err.tag()), (10, Some(Tag::ITEM)));
    assert_eq!(
        err.to_string(),
        "item outside any sequence (strict mode) at byte 10 (FFFE,E000)"
    );
}

#[test]
fn declared_length_past_the_end_is_refused_before_use() {
    let mut bytes = explicit_le(Tag::new(0x0008, 0x0060), b"CS", b"MR");
    bytes.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0]);
    bytes.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    bytes.extend_from_slice(&[0; 16]);
    let err = DataSet::parse(&bytes).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::ValueExceedsInput {
            declared: 0xFFFF_FFF0
        }
    );
    assert_eq!(err.tag(), Some(Tag::PIXEL_DATA));
}

#[test]
fn nesting_deeper_than_max_depth_is_refused() {
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    for _ in 0..10 {
        enc.begin_sequence(SPS, false).unwrap();
        enc.begin_item(false).unwrap();
    }
    for _ in 0..10 {
        enc.end_item().unwrap();
        enc.end_sequence().unwrap();
    }
    let bytes = enc.finish().unwrap();
    assert!(DataSet::parse_with(&bytes, &ParseConfig::default().max_depth(10)).is_ok());
    let err = DataSet::parse_with(&bytes, &ParseConfig::default().max_depth(9)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooDeep { max: 9 });
}

#[test]
fn stop_conditions_stop_at_the_top_level_and_keep_the_rest_for_writing() {
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"CT")
        .unwrap();
    enc.element(PATIENT_ID, Vr::Lo, b"7").unwrap();
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.3")
        .unwrap();
    enc.element(Tag::FLOAT_PIXEL_DATA, Vr::Of, &[0; 8]).unwrap();
    let bytes = enc.finish().unwrap();

    let ds =
        DataSet::parse_with(&bytes, &ParseConfig::default().stop_before_pixel_data(true)).unwrap();
    assert_eq!(ds.stopped().map(|s| s.reason), Some(StopReason::PixelData));
    assert!(ds.get(Tag::FLOAT_PIXEL_DATA).is_none());
    assert_eq!(ds.to_vec(), bytes);

    let ds = DataSet::parse_with(&bytes, &ParseConfig::default().stop_after(PATIENT_ID)).unwrap();
    assert_eq!(
        ds.stopped().map(|s| (s.reason, s.offset)),
        Some((StopReason::AfterTag, 20))
    );
    assert_eq!(ds.elements().count(), 2);
    assert_eq!(ds.to_vec(), bytes);

    let ds = DataSet::parse_with(&bytes, &ParseConfig::default().max_header_len(20)).unwrap();
    assert_eq!(
        ds.stopped().map(|s| s.reason),
        Some(StopReason::HeaderLimit)
    );
    assert_eq!(ds.elements().count(), 2);
}

#[test]
fn a_header_prefix_reads_what_it_holds_when_stopped_in_time() {
    let bytes = sample(TransferSyntax::ExplicitVrLittleEndian, true);
    let ds = DataSet::parse_with(
        &bytes[..30],
        &ParseConfig::default().stop_after(PATIENT_NAME),
    );
    assert_eq!(
        ds.unwrap().get_str(PATIENT_NAME).as_deref(),
        Some("Doe^Jane")
    );
}

#[test]
fn encapsulated_pixel_data_lists_offset_table_and_fragments() {
    let mut bytes = explicit_le(Tag::new(0x0028, 0x0010), b"US", &[1, 0]);
    bytes.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0]);
    bytes.extend_from_slice(&UNDEFINED_LENGTH.to_le_bytes());
    bytes.extend(implicit_le(Tag::ITEM, 8, &[0, 0, 0, 0, 6, 0, 0, 0]));
    bytes.extend(implicit_le(Tag::ITEM, 6, b"\xFF\xD8abcd"));
    bytes.extend(implicit_le(Tag::ITEM, 4, b"efgh"));
    bytes.extend(implicit_le(Tag::SEQUENCE_DELIMITATION, 0, b""));
    let ds = DataSet::parse(&bytes).unwrap();
    let Some(carewire_dicom_lite::PixelData::Encapsulated(f)) = ds.pixel_data() else {
        panic!("encapsulated expected");
    };
    assert_eq!(f.offsets(), [0, 6]);
    let frags: Vec<&[u8]> = f.fragments().map(|e| e.raw()).collect();
    assert_eq!(frags, [&b"\xFF\xD8abcd"[..], b"efgh"]);
    assert_eq!(ds.to_vec(), bytes);
}

#[test]
fn item_specific_character_set_overrides_the_data_set_one() {
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::SPECIFIC_CHARACTER_SET, Vr::Cs, b"ISO_IR 100")
        .unwrap();
    enc.element(PATIENT_NAME, Vr::Pn, b"M\xFCller").unwrap();
    enc.begin_sequence(Tag::new(0x0008, 0x1111), true).unwrap();
    enc.begin_item(true).unwrap();
    enc.element(Tag::SPECIFIC_CHARACTER_SET, Vr::Cs, b"ISO_IR 192")
        .unwrap();
    enc.element(PATIENT_NAME, Vr::Pn, "Müller".as_bytes())
        .unwrap();
    enc.end_item().unwrap();
    enc.end_sequence().unwrap();
    let bytes = enc.finish().unwrap();
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(ds.get_str(PATIENT_NAME).as_deref(), Some("Müller"));
    let item = ds
        .get(Tag::new(0x0008, 0x1111))
        .unwrap()
        .items()
        .next()
        .unwrap();
    assert_eq!(item.get(PATIENT_NAME).unwrap().to_str(), "Müller");
}

#[test]
fn debug_output_never_shows_values() {
    let bytes = sample(TransferSyntax::ExplicitVrLittleEndian, false);
    let ds = DataSet::parse(&bytes).unwrap();
    let mut all = format!("{ds:?} {:?}", ds.index());
    for e in ds.entries_iter() {
        all.push_str(&format!("{e:?}"));
    }
    assert!(
        !all.contains("Doe") && !all.contains("Jane") && !all.contains("P-1"),
        "{all}"
    );
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(PATIENT_NAME, Vr::Pn, b"Doe^Jane").unwrap();
    all.push_str(&format!("{enc:?}"));
    assert!(!all.contains("Doe"), "{all}");
    let err = DataSet::parse(&bytes[..20]).unwrap_err();
    assert!(!format!("{err:?} {err}").contains("Doe"));
}

#[test]
fn index_reuse_gives_the_same_view_as_a_fresh_parse() {
    let parser = Parser::new(ParseConfig::default());
    let mut index = Index::new();
    let a = sample(TransferSyntax::ExplicitVrBigEndian, true);
    let b = sample(TransferSyntax::ImplicitVrLittleEndian, false);
    for bytes in [&a, &b, &a] {
        let fresh = DataSet::parse(bytes).unwrap().entries_iter().count();
        let ds = parser.parse_into(bytes, &mut index).unwrap();
        assert_eq!(ds.entries_iter().count(), fresh);
        assert_eq!(ds.to_vec(), *bytes);
    }
}

#[test]
fn empty_and_tiny_inputs_fail_or_report_cleanly() {
    assert_eq!(DataSet::parse(b"").unwrap_err().kind(), ErrorKind::Empty);
    for n in 1..8 {
        let bytes = vec![0x08u8; n];
        let ds = DataSet::parse(&bytes).unwrap();
        assert!(ds
            .diagnostics()
            .iter()
            .any(|d| d.kind == DiagnosticKind::TrailingBytes));
        assert_eq!(ds.to_vec(), bytes);
    }
}

#[test]
fn stop_after_all_stops_after_the_largest_wanted_tag() {
    let bytes = sample(TransferSyntax::ExplicitVrLittleEndian, true);
    let cfg = ParseConfig::default().stop_after_all(&[PATIENT_ID, Tag::new(0x0008, 0x0060)]);
    let ds = DataSet::parse_with(&bytes, &cfg).unwrap();
    assert_eq!(ds.stopped().map(|s| s.reason), Some(StopReason::AfterTag));
    assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("P-1"));
    assert!(ds.get(SPS).is_none());
    assert_eq!(ds.to_vec(), bytes);
}

#[test]
fn private_elements_resolve_through_their_creator_block_in_items_too() {
    let mut enc = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
    enc.begin_sequence(SPS, true).unwrap();
    enc.begin_item(true).unwrap();
    enc.element(Tag::new(0x0029, 0x0010), Vr::Lo, b"ACME 1.0")
        .unwrap();
    enc.element(Tag::new(0x0029, 0x0012), Vr::Lo, b"SIEMENS CSA HEADER")
        .unwrap();
    enc.element(Tag::new(0x0029, 0x1010), Vr::Ob, b"xx")
        .unwrap();
    enc.element(Tag::new(0x0029, 0x1210), Vr::Ob, b"CSA!")
        .unwrap();
    enc.end_item().unwrap();
    enc.end_sequence().unwrap();
    let bytes = enc.finish().unwrap();
    let ds = DataSet::parse(&bytes).unwrap();
    let item = ds.get(SPS).unwrap().items().next().unwrap();
    let csa = item
        .get_private(0x0029, "SIEMENS CSA HEADER", 0x10)
        .unwrap();
    assert_eq!(
        (csa.tag(), csa.raw()),
        (Tag::new(0x0029, 0x1210), &b"CSA!"[..])
    );
    // Implicit VR: private creators read as LO, their data as UN.
    assert_eq!(
        item.get(Tag::new(0x0029, 0x0012)).map(|e| e.vr()),
        Some(Vr::Lo)
    );
    assert_eq!(csa.vr(), Vr::Un);
    assert!(item.get_private(0x0029, "NOBODY", 0x10).is_none());
    assert!(ds.get_private(0x0029, "SIEMENS CSA HEADER", 0x10).is_none());
}

#[test]
fn explicit_elements_in_an_implicit_data_set_are_read_as_explicit_with_a_diagnostic() {
    let mut bytes = implicit_le(Tag::new(0x0008, 0x0060), 2, b"MR");
    // (0010,0020) written explicit "LO" in an implicit file: the implicit length would be
    // 0x00044F4C, far past the end.
    bytes.extend(explicit_le(PATIENT_ID, b"LO", b"ID42"));
    bytes.extend(implicit_le(Tag::new(0x0020, 0x0011), 2, b"7 "));
    let cfg = ParseConfig::default().transfer_syntax(TransferSyntax::ImplicitVrLittleEndian);
    let ds = DataSet::parse_with(&bytes, &cfg).unwrap();
    let d = ds.diagnostics()[0];
    assert_eq!(
        (d.kind, d.offset),
        (DiagnosticKind::ExplicitVrInImplicit, 10)
    );
    assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("ID42"));
    assert_eq!(
        ds.get(Tag::new(0x0020, 0x0011)).map(|e| e.integers()),
        Some(vec![Some(7)])
    );
    assert_eq!(ds.to_vec(), bytes);
}

#[test]
fn implicit_private_element_holding_items_is_read_as_a_sequence() {
    let mut inner = implicit_le(Tag::ITEM, 10, b"");
    inner.extend(implicit_le(PATIENT_ID, 2, b"42"));
    let mut bytes = implicit_le(Tag::new(0x0029, 0x0010), 4, b"ACME");
    bytes.extend(implicit_le(
        Tag::new(0x0029, 0x1001),
        inner.len() as u32,
        &inner,
    ));
    let cfg = ParseConfig::default().transfer_syntax(TransferSyntax::ImplicitVrLittleEndian);
    let ds = DataSet::parse_with(&bytes, &cfg).unwrap();
    let seq = ds.get(Tag::new(0x0029, 0x1001)).unwrap();
    assert_eq!((seq.kind(), seq.vr()), (ElementKind::Sequence, Vr::Sq));
    let item = seq.items().next().unwrap();
    assert_eq!(
        item.get(PATIENT_ID)
            .map(|e| e.to_str().into_owned())
            .as_deref(),
        Some("42")
    );
    assert!(ds.diagnostics().is_empty());
    assert_eq!(ds.to_vec(), bytes);
}

#[test]
fn a_prefix_cut_inside_an_element_stops_at_the_header_limit_instead_of_failing() {
    let bytes = sample(TransferSyntax::ExplicitVrLittleEndian, true);
    // Cut inside the value of (0010,0010) (bytes 18..26), and inside its header. (A cut
    // between elements cuts nothing: the read simply ends there.)
    for cut in [22, 13] {
        let prefix = &bytes[..cut];
        // Without the limit a cut value is an error (a cut header is trailing bytes).
        assert_eq!(DataSet::parse(prefix).is_err(), cut == 22);
        let cfg = ParseConfig::default().max_header_len(cut);
        let ds = DataSet::parse_with(prefix, &cfg).unwrap();
        assert_eq!(
            ds.stopped().map(|s| (s.reason, s.offset)),
            Some((StopReason::HeaderLimit, 10)),
            "cut at {cut}"
        );
        assert_eq!(ds.get_str(Tag::new(0x0008, 0x0060)).as_deref(), Some("MR"));
        assert_eq!(ds.to_vec(), prefix);
    }
    // A limit beyond the whole input changes nothing.
    let cfg = ParseConfig::default().max_header_len(bytes.len());
    let ds = DataSet::parse_with(&bytes, &cfg).unwrap();
    assert!(ds.stopped().is_none());
}

#[test]
fn bare_explicit_le_data_set_starting_with_a_high_group_sequence_is_not_taken_for_big_endian() {
    // (5200,9230) reads as group 0x0052 big-endian; the item after it decides.
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.begin_sequence(Tag::new(0x5200, 0x9230), false).unwrap();
    enc.begin_item(false).unwrap();
    enc.element(Tag::new(0x0020, 0x9157), Vr::Ul, &[1, 0, 0, 0])
        .unwrap();
    enc.end_item().unwrap();
    enc.end_sequence().unwrap();
    let bytes = enc.finish().unwrap();
    let ds = DataSet::parse(&bytes).unwrap();
    assert_eq!(ds.transfer_syntax(), TransferSyntax::ExplicitVrLittleEndian);
    assert_eq!(ds.get(Tag::new(0x5200, 0x9230)).unwrap().items().count(), 1);
}

#[test]
fn implicit_pixel_data_whose_length_spells_ow_stays_implicit() {
    // Length 0x0002_574F has "OW" as its low bytes (and would read as an explicit OW of
    // length 0 from the first pixels): still implicit pixel data.
    let mut bytes = implicit_le(Tag::new(0x0028, 0x0010), 2, &[1, 0]);
    let pixels = vec![0u8; 0x2_574F];
    bytes.extend(implicit_le(Tag::PIXEL_DATA, 0x2_574F, &pixels));
    let cfg = ParseConfig::default().transfer_syntax(TransferSyntax::ImplicitVrLittleEndian);
    let ds = DataSet::parse_with(&bytes, &cfg).unwrap();
    assert!(ds
        .diagnostics()
        .iter()
        .all(|d| d.kind != DiagnosticKind::ExplicitVrInImplicit));
    assert_eq!(
        ds.get(Tag::PIXEL_DATA).map(|e| e.raw().len()),
        Some(0x2_574F)
    );
}
