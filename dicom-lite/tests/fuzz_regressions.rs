//! Inputs the fuzz targets (`fuzz/`) found, each named for what broke, kept as tests.
#![cfg(feature = "json")]

use carewire_dicom_lite::{json, DataSet, DataSetBuf, ParseConfig, Tag, TransferSyntax};

/// `dicom_json`: a DS (or IS) value with hundreds of digits became a JSON number beyond
/// the range of a double, which JSON readers refuse ("number out of range"). Such values
/// are now strings.
#[test]
fn huge_decimal_strings_are_written_as_json_strings() {
    let digits = format!("7{}", "0".repeat(400));
    let text = format!(
        r#"{{"00160010":{{"v%r":"KS","Value":["{digits}",null,"0-000000000000000000326355000",null,"B"]}}}}"#
    );
    let buf = json::from_json(&text).expect("reads");
    let bytes = buf
        .write(TransferSyntax::ExplicitVrLittleEndian)
        .expect("writes");
    let ds = DataSet::parse(&bytes).expect("reads back");
    let out = ds.to_json();
    let v: serde_json::Value = serde_json::from_str(&out).expect("our JSON is JSON");
    assert_eq!(v["00160010"]["vr"], "DS");
    let values = &v["00160010"]["Value"];
    assert_eq!(values[0], serde_json::Value::String(digits));
    // And it goes round again unchanged.
    let again = json::from_json(&out)
        .expect("reads")
        .write(TransferSyntax::ExplicitVrLittleEndian)
        .expect("writes");
    assert_eq!(again, bytes);
    // The same for IS.
    let is = format!(
        r#"{{"00201206":{{"vr":"IS","Value":["-{}"]}}}}"#,
        "9".repeat(320)
    );
    let bytes = json::from_json(&is)
        .expect("reads")
        .write(TransferSyntax::ExplicitVrLittleEndian)
        .expect("writes");
    let out = DataSet::parse(&bytes).expect("reads").to_json();
    assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
}

/// `dicom_roundtrip`: a bare data set (no preamble, no meta) of group lengths in groups
/// 0000 and 0040, written as Explicit VR Big Endian, was read back without the syntax
/// and detected as little endian — bare data sets starting in group 0000 do not say
/// their byte order. Read with the syntax given, the values are the same.
#[test]
fn bare_big_endian_output_reads_back_with_its_syntax_given() {
    let mut input = vec![0u8; 0x60];
    input[0x20] = 0x40;
    let ds = DataSet::parse(&input).expect("reads");
    assert_eq!(ds.to_vec(), input);
    let buf = DataSetBuf::from_view(&ds).expect("complete");
    let be = TransferSyntax::ExplicitVrBigEndian;
    let out = buf.write(be).expect("writes");
    let back =
        DataSet::parse_with(&out, &ParseConfig::default().transfer_syntax(be)).expect("reads back");
    let back = DataSetBuf::from_view(&back).expect("complete");
    assert_eq!(back.elements(), buf.elements());
    assert!(buf
        .elements()
        .iter()
        .any(|e| e.tag == Tag::new(0x0040, 0x0000)));
}

/// `dicom_json`: an IS value of 52 digits was written as a JSON integer, which JSON
/// readers turn into a float, which is no IS: the second round trip refused it. Integers
/// beyond 64 bits are now strings.
#[test]
fn integers_beyond_64_bits_are_written_as_json_strings() {
    let text = r#"{"00160018":{"v%r":"CS","Value":["1000000000000000000000000000000008003970658500101002",null,"B"]}}"#;
    let mut json_text = text.to_owned();
    let mut previous = None;
    for _ in 0..3 {
        let bytes = json::from_json(&json_text)
            .expect("reads")
            .write(TransferSyntax::ExplicitVrLittleEndian)
            .expect("writes");
        json_text = DataSet::parse(&bytes).expect("reads back").to_json();
        let v: serde_json::Value = serde_json::from_str(&json_text).expect("JSON");
        assert_eq!(v["00160018"]["vr"], "IS");
        assert_eq!(
            v["00160018"]["Value"][0],
            "1000000000000000000000000000000008003970658500101002"
        );
        if let Some(p) = previous.replace(bytes.clone()) {
            assert_eq!(p, bytes);
        }
    }
}

/// `dicom_roundtrip`: a file meta element after a stray element (so read inside the data
/// set) was written back inside the data set, where it read as a second file meta group
/// and the rest failed to read. It now goes to the file meta group of the owned copy, and
/// group 0002 is never written in the data set.
#[test]
fn file_meta_elements_met_in_the_data_set_go_back_to_the_meta_group() {
    let mut input = vec![0u8; 128];
    input.extend_from_slice(b"DICM");
    // (0002,0000) UL 4 = 28 (wrong), then a stray (0102,1000) OB, then (0002,0010).
    input.extend_from_slice(b"\x02\x00\x00\x00UL\x04\x00\x1c\x00\x00\x00");
    input.extend_from_slice(b"\x02\x01\x00\x10OB\x00\x00\x02\x00\x00\x00\x00\x01");
    input.extend_from_slice(b"\x02\x00\x10\x00UI\x14\x001.2.840.10008.1.2.1\x00");
    let ds = DataSet::parse(&input).expect("reads leniently");
    assert!(!ds.diagnostics().is_empty());
    let buf = DataSetBuf::from_view(&ds).expect("complete");
    assert!(buf
        .file_meta()
        .iter()
        .any(|e| e.tag == Tag::TRANSFER_SYNTAX_UID));
    assert!(buf.get(Tag::TRANSFER_SYNTAX_UID).is_none());
    let out = buf
        .write(TransferSyntax::ExplicitVrLittleEndian)
        .expect("writes");
    let back = DataSet::parse(&out).expect("reads back");
    assert!(back.diagnostics().is_empty(), "{:?}", back.diagnostics());
    let back = DataSetBuf::from_view(&back).expect("complete");
    assert_eq!(back.elements(), buf.elements());
    // Inserted by hand, a group 0002 element is not written in the data set either.
    let mut bare = DataSetBuf::new();
    bare.insert(
        Tag::new(0x0008, 0x0060),
        carewire_dicom_lite::Vr::Cs,
        b"CT".to_vec(),
    );
    bare.insert(
        Tag::new(0x0002, 0x0013),
        carewire_dicom_lite::Vr::Sh,
        b"X".to_vec(),
    );
    let out = bare
        .write(TransferSyntax::ExplicitVrLittleEndian)
        .expect("writes");
    assert_eq!(out, b"\x08\x00\x60\x00CS\x02\x00CT");
}

/// `dicom_roundtrip`: a group length element (1000,0000) written with VR US (two 16-bit
/// values, not the UL the standard gives every group length) was recomputed as a 32-bit
/// length, which changed its values in big endian. Only UL group lengths are
/// recomputed; others are values like any other.
#[test]
fn only_ul_group_lengths_are_recomputed() {
    let mut buf = DataSetBuf::new();
    buf.insert(
        Tag::new(0x1000, 0x0000),
        carewire_dicom_lite::Vr::Us,
        vec![1, 0, 2, 0],
    );
    buf.insert(
        Tag::new(0x1000, 0x0004),
        carewire_dicom_lite::Vr::Us,
        Vec::new(),
    );
    buf.insert(
        Tag::new(0x0008, 0x0000),
        carewire_dicom_lite::Vr::Ul,
        vec![0; 4],
    );
    buf.insert(
        Tag::new(0x0008, 0x0060),
        carewire_dicom_lite::Vr::Cs,
        b"CT".to_vec(),
    );
    for ts in [
        TransferSyntax::ExplicitVrLittleEndian,
        TransferSyntax::ExplicitVrBigEndian,
    ] {
        let out = buf.write(ts).expect("writes");
        let back =
            DataSet::parse_with(&out, &ParseConfig::default().transfer_syntax(ts)).expect("reads");
        assert_eq!(
            back.get(Tag::new(0x1000, 0x0000)).map(|e| e.u16s()),
            Some(vec![1, 2]),
            "{ts:?}"
        );
        // The UL group length of group 0008 is recomputed: one 10-byte element follows.
        assert_eq!(
            back.get(Tag::new(0x0008, 0x0000)).and_then(|e| e.uint()),
            Some(10)
        );
    }
}

/// `dicom_roundtrip`: a file meta group holding (0002,0010) twice (the first with VR UL)
/// was written with both, and the reader took the stale one for the transfer syntax. The
/// owned data set now writes exactly one Transfer Syntax UID, the one it encodes in.
#[test]
fn exactly_one_transfer_syntax_uid_is_written() {
    let mut input = vec![0u8; 128];
    input.extend_from_slice(b"DICM");
    input.extend_from_slice(b"\x02\x00\x10\x00UL\x04\x00\x2e\x00\x00\x00");
    input.extend_from_slice(b"\x02\x00\x10\x00UI\x14\x001.2.840.10008.1.2.1\x00");
    input.extend_from_slice(b"\x08\x00\x60\x00CS\x02\x00CT");
    let ds = DataSet::parse(&input).expect("reads leniently");
    let buf = DataSetBuf::from_view(&ds).expect("complete");
    for ts in [
        TransferSyntax::ExplicitVrBigEndian,
        TransferSyntax::ImplicitVrLittleEndian,
        TransferSyntax::DeflatedExplicitVrLittleEndian,
    ] {
        let out = buf.write(ts).expect("writes");
        let back = DataSet::parse(&out).expect("reads back");
        assert_eq!(back.transfer_syntax(), ts);
        assert_eq!(
            back.file_meta()
                .filter(|e| e.tag() == Tag::TRANSFER_SYNTAX_UID)
                .count(),
            1
        );
        assert_eq!(
            back.get_str(Tag::new(0x0008, 0x0060)).as_deref(),
            Some("CT")
        );
    }
}
