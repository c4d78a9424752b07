//! DICOM JSON model (PS3.18 Annex F): the standard's examples, output of each VR, empty
//! values, character sets, bulk data, and JSON → data set → JSON round trips.
#![cfg(feature = "json")]
#![recursion_limit = "256"]

use carewire_dicom_lite::json::{self, JsonErrorKind, JsonOptions};
use carewire_dicom_lite::{DataSet, Encoder, ParseConfig, Tag, TransferSyntax, Vr};
use serde_json::{json, Value};

/// The first study of the example in PS3.18 §F.4 ("DICOM JSON Model Example": a
/// study-level query response with UTF-8 names, a private block with a UN value and a
/// nested Other Patient IDs Sequence).
const F4_EXAMPLE: &str = r#"{
  "00080005": { "vr": "CS", "Value": [ "ISO_IR 192" ] },
  "00080020": { "vr": "DA", "Value": [ "20130409" ] },
  "00080030": { "vr": "TM", "Value": [ "131600.0000" ] },
  "00080050": { "vr": "SH", "Value": [ "11235813" ] },
  "00080056": { "vr": "CS", "Value": [ "ONLINE" ] },
  "00080061": { "vr": "CS", "Value": [ "CT", "PET" ] },
  "00080090": { "vr": "PN", "Value": [ { "Alphabetic": "^Bob^^Dr." } ] },
  "00081190": { "vr": "UR", "Value": [ "http://wado.nema.org/studies/1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873" ] },
  "00090010": { "vr": "LO", "Value": [ "Vendor A" ] },
  "00091002": { "vr": "UN", "InlineBinary": "z0x9c8v7" },
  "00100010": { "vr": "PN", "Value": [ { "Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小東" } ] },
  "00100020": { "vr": "LO", "Value": [ "12345" ] },
  "00100021": { "vr": "LO", "Value": [ "Hospital A" ] },
  "00100030": { "vr": "DA", "Value": [ "19670701" ] },
  "00100040": { "vr": "CS", "Value": [ "M" ] },
  "00101002": { "vr": "SQ", "Value": [
      { "00100020": { "vr": "LO", "Value": [ "54321" ] },
        "00100021": { "vr": "LO", "Value": [ "Hospital B" ] } },
      { "00100020": { "vr": "LO", "Value": [ "24680" ] },
        "00100021": { "vr": "LO", "Value": [ "Hospital C" ] } } ] },
  "0020000D": { "vr": "UI", "Value": [ "1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873" ] },
  "00200010": { "vr": "SH", "Value": [ "11235813" ] },
  "00201206": { "vr": "IS", "Value": [ 4 ] },
  "00201208": { "vr": "IS", "Value": [ 942 ] }
}"#;

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).expect("our output is JSON")
}

/// JSON → DataSetBuf → bytes in `ts` → DataSet → JSON.
fn round_trip(text: &str, ts: TransferSyntax) -> Value {
    let buf = json::from_json(text).expect("reads");
    let bytes = buf.write(ts).expect("writes");
    let ds = DataSet::parse_with(&bytes, &ParseConfig::default().transfer_syntax(ts))
        .expect("reads back");
    assert!(ds.diagnostics().is_empty(), "{:?}", ds.diagnostics());
    parse_json(&ds.to_json())
}

#[test]
fn annex_f4_example_round_trips_in_every_uncompressed_syntax() {
    let want = parse_json(F4_EXAMPLE);
    for ts in [
        TransferSyntax::ExplicitVrLittleEndian,
        TransferSyntax::ImplicitVrLittleEndian,
        TransferSyntax::ExplicitVrBigEndian,
    ] {
        let got = round_trip(F4_EXAMPLE, ts);
        if ts == TransferSyntax::ImplicitVrLittleEndian {
            // Implicit VR: the private UN and LO keep their VR only through the
            // dictionary (LO for the creator; UN for the unknown private element).
            assert_eq!(got["00091002"], want["00091002"]);
        }
        assert_eq!(got, want, "{ts:?}");
    }
}

#[test]
fn annex_f4_example_writes_the_utf8_values_as_utf8_bytes() {
    let buf = json::from_json(F4_EXAMPLE).expect("reads");
    let bytes = buf
        .write(TransferSyntax::ExplicitVrLittleEndian)
        .expect("writes");
    let ds = DataSet::parse(&bytes).expect("parses");
    let name = ds.get(Tag::new(0x0010, 0x0010)).expect("name");
    assert_eq!(name.raw(), "Wang^XiaoDong=王^小東".as_bytes());
    assert_eq!(
        ds.get_str(Tag::SPECIFIC_CHARACTER_SET).as_deref(),
        Some("ISO_IR 192")
    );
    let seq = ds.get(Tag::new(0x0010, 0x1002)).expect("sequence");
    assert_eq!(seq.items().count(), 2);
}

#[test]
fn annex_f2_person_name_groups_and_empty_values() {
    // §F.2.2: a PN value with all three groups; §F.2.5: empty values.
    let text = json!({
        "00100010": {"vr": "PN", "Value": [{
            "Alphabetic": "Yamada^Tarou",
            "Ideographic": "山田^太郎",
            "Phonetic": "やまだ^たろう"
        }]},
        "00080090": {"vr": "PN"},
        "00081030": {"vr": "LO"},
        "00200013": {"vr": "IS"},
        "00081140": {"vr": "SQ"},
        "00081150": {"vr": "UI"},
        "00280010": {"vr": "US"},
        "00080008": {"vr": "CS", "Value": ["ORIGINAL", null, "AXIAL"]},
        "00101001": {"vr": "PN", "Value": [{"Alphabetic": "Doe^J"}, null, {"Phonetic": "do"}]},
        "00081110": {"vr": "SQ", "Value": [{}]}
    })
    .to_string();
    let got = round_trip(&text, TransferSyntax::ExplicitVrLittleEndian);
    let mut want = parse_json(&text);
    want["00080005"] = json!({"vr": "CS", "Value": ["ISO_IR 192"]});
    assert_eq!(got, want);

    // Read back: the value bytes are what PS3.5 says.
    let buf = json::from_json(&text).expect("reads");
    let bytes = buf
        .write(TransferSyntax::ExplicitVrLittleEndian)
        .expect("writes");
    let ds = DataSet::parse(&bytes).expect("parses");
    assert_eq!(
        ds.get(Tag::new(0x0010, 0x0010))
            .map(|e| e.to_str().into_owned()),
        Some("Yamada^Tarou=山田^太郎=やまだ^たろう".into())
    );
    assert_eq!(
        ds.get(Tag::new(0x0010, 0x1001))
            .map(|e| e.to_str().into_owned()),
        Some("Doe^J\\\\==do".into())
    );
    assert_eq!(
        ds.get(Tag::new(0x0008, 0x0008)).map(|e| e.raw().to_vec()),
        Some(b"ORIGINAL\\\\AXIAL ".to_vec())
    );
    assert_eq!(
        ds.get(Tag::new(0x0028, 0x0010)).map(|e| e.raw().len()),
        Some(0)
    );
}

/// A data set with one element of every VR, in `ts`, binary values in its byte order.
fn every_vr(ts: TransferSyntax) -> Vec<u8> {
    let be = ts.is_big_endian();
    let mut enc = Encoder::new(ts);
    macro_rules! nums {
        ($($v:expr),*) => {{
            let mut b = Vec::new();
            $(b.extend_from_slice(&if be { $v.to_be_bytes() } else { $v.to_le_bytes() });)*
            b
        }};
    }
    let el = |enc: &mut Encoder, g: u16, e: u16, vr: Vr, v: &[u8]| {
        enc.element(Tag::new(g, e), vr, v).expect("encodes")
    };
    el(&mut enc, 0x0008, 0x0005, Vr::Cs, b"ISO_IR 100");
    el(&mut enc, 0x0008, 0x0008, Vr::Cs, b"ORIGINAL\\PRIMARY");
    el(&mut enc, 0x0008, 0x0020, Vr::Da, b"20240131");
    el(&mut enc, 0x0008, 0x0030, Vr::Tm, b"093000.25 ");
    el(&mut enc, 0x0008, 0x002A, Vr::Dt, b"20240131093000+0100 ");
    el(&mut enc, 0x0008, 0x0054, Vr::Ae, b"PACS1 ");
    el(&mut enc, 0x0008, 0x0090, Vr::Pn, b"M\xFCller^Hans=^=mu^ ");
    el(&mut enc, 0x0008, 0x1030, Vr::Lo, b"  Caf\xE9  ");
    el(&mut enc, 0x0008, 0x0081, Vr::St, b"  line1\r\nline2 ");
    el(&mut enc, 0x0008, 0x0118, Vr::Ui, b"1.2.3\0");
    el(&mut enc, 0x0008, 0x0120, Vr::Ur, b"http://x/a\\b ");
    el(&mut enc, 0x0008, 0x0082, Vr::Uc, b"u1\\u2");
    el(&mut enc, 0x0008, 0x0096, Vr::Lt, b"a\\b");
    el(&mut enc, 0x0008, 0x0097, Vr::Ut, b"long text ");
    el(&mut enc, 0x0010, 0x1010, Vr::As, b"042Y");
    el(&mut enc, 0x0010, 0x1020, Vr::Ds, b"1.50\\ +002\\-1e3 ");
    el(&mut enc, 0x0020, 0x0013, Vr::Is, b" 007\\-3");
    el(
        &mut enc,
        0x0020,
        0x9165,
        Vr::At,
        &nums!(0x0010u16, 0x0010u16, 0x7FE0u16, 0x0010u16),
    );
    el(&mut enc, 0x0028, 0x0010, Vr::Us, &nums!(512u16, 65535u16));
    el(&mut enc, 0x0028, 0x0106, Vr::Ss, &nums!(-2i16));
    el(&mut enc, 0x0028, 0x0108, Vr::Ul, &nums!(4_000_000_000u32));
    el(&mut enc, 0x0028, 0x0109, Vr::Sl, &nums!(-70_000i32));
    el(&mut enc, 0x0028, 0x010A, Vr::Fl, &nums!(0.1f32, -2.5f32));
    el(
        &mut enc,
        0x0028,
        0x010B,
        Vr::Fd,
        &nums!(0.1f64, f64::NAN, f64::INFINITY),
    );
    el(&mut enc, 0x0028, 0x010C, Vr::Uv, &nums!(7u64, u64::MAX));
    el(&mut enc, 0x0028, 0x010D, Vr::Sv, &nums!(-7i64, i64::MIN));
    el(
        &mut enc,
        0x0028,
        0x1201,
        Vr::Ow,
        &nums!(0x0102u16, 0x0304u16),
    );
    el(&mut enc, 0x0028, 0x1202, Vr::Ob, &[1, 2, 3]);
    el(&mut enc, 0x0028, 0x1203, Vr::Of, &nums!(1.0f32));
    el(&mut enc, 0x0028, 0x1204, Vr::Od, &nums!(1.0f64));
    el(&mut enc, 0x0028, 0x1205, Vr::Ol, &nums!(1u32));
    el(&mut enc, 0x0028, 0x1206, Vr::Ov, &nums!(1u64));
    el(&mut enc, 0x0029, 0x0010, Vr::Lo, b"ACME");
    el(&mut enc, 0x0029, 0x1001, Vr::Un, b"\x00\xFF");
    enc.begin_sequence(Tag::new(0x0040, 0x0275), false)
        .expect("sq");
    enc.begin_item(true).expect("item");
    // The item overrides the character set (PS3.5 §6.1.2.3).
    el(&mut enc, 0x0008, 0x0005, Vr::Cs, b"ISO_IR 192");
    el(&mut enc, 0x0040, 0x0007, Vr::Lo, "Ünïcode".as_bytes());
    enc.begin_sequence(Tag::new(0x0040, 0x0008), true)
        .expect("sq");
    enc.begin_item(false).expect("item");
    el(&mut enc, 0x0008, 0x0100, Vr::Sh, b"CODE1");
    enc.end_item().expect("end");
    enc.begin_item(true).expect("item");
    enc.end_item().expect("end");
    enc.end_sequence().expect("end");
    enc.end_item().expect("end");
    enc.end_sequence().expect("end");
    enc.begin_sequence(Tag::new(0x0040, 0x0260), true)
        .expect("sq");
    enc.end_sequence().expect("end");
    el(&mut enc, 0x0040, 0xA160, Vr::Ut, b"");
    enc.finish().expect("finishes")
}

fn every_vr_json() -> Value {
    json!({
        "00080005": {"vr": "CS", "Value": ["ISO_IR 100"]},
        "00080008": {"vr": "CS", "Value": ["ORIGINAL", "PRIMARY"]},
        "00080020": {"vr": "DA", "Value": ["20240131"]},
        "0008002A": {"vr": "DT", "Value": ["20240131093000+0100"]},
        "00080030": {"vr": "TM", "Value": ["093000.25"]},
        "00080054": {"vr": "AE", "Value": ["PACS1"]},
        "00080081": {"vr": "ST", "Value": ["  line1\r\nline2"]},
        "00080082": {"vr": "UC", "Value": ["u1", "u2"]},
        "00080090": {"vr": "PN", "Value": [{"Alphabetic": "Müller^Hans", "Ideographic": "^", "Phonetic": "mu^"}]},
        "00080096": {"vr": "LT", "Value": ["a\\b"]},
        "00080097": {"vr": "UT", "Value": ["long text"]},
        "00080118": {"vr": "UI", "Value": ["1.2.3"]},
        "00080120": {"vr": "UR", "Value": ["http://x/a\\b"]},
        "00081030": {"vr": "LO", "Value": ["Café"]},
        "00101010": {"vr": "AS", "Value": ["042Y"]},
        "00101020": {"vr": "DS", "Value": [1.50, 2, -1e3]},
        "00200013": {"vr": "IS", "Value": [7, -3]},
        "00209165": {"vr": "AT", "Value": ["00100010", "7FE00010"]},
        "00280010": {"vr": "US", "Value": [512, 65535]},
        "00280106": {"vr": "SS", "Value": [-2]},
        "00280108": {"vr": "UL", "Value": [4_000_000_000u32]},
        "00280109": {"vr": "SL", "Value": [-70000]},
        "0028010A": {"vr": "FL", "Value": [0.1, -2.5]},
        "0028010B": {"vr": "FD", "Value": [0.1, "NaN", "Infinity"]},
        "0028010C": {"vr": "UV", "Value": [7, "18446744073709551615"]},
        "0028010D": {"vr": "SV", "Value": [-7, "-9223372036854775808"]},
        "00281201": {"vr": "OW", "InlineBinary": "AgEEAw=="},
        "00281202": {"vr": "OB", "InlineBinary": "AQIDAA=="},
        "00281203": {"vr": "OF", "InlineBinary": "AACAPw=="},
        "00281204": {"vr": "OD", "InlineBinary": "AAAAAAAA8D8="},
        "00281205": {"vr": "OL", "InlineBinary": "AQAAAA=="},
        "00281206": {"vr": "OV", "InlineBinary": "AQAAAAAAAAA="},
        "00290010": {"vr": "LO", "Value": ["ACME"]},
        "00291001": {"vr": "UN", "InlineBinary": "AP8="},
        "00400275": {"vr": "SQ", "Value": [{
            "00080005": {"vr": "CS", "Value": ["ISO_IR 192"]},
            "00400007": {"vr": "LO", "Value": ["Ünïcode"]},
            "00400008": {"vr": "SQ", "Value": [
                {"00080100": {"vr": "SH", "Value": ["CODE1"]}},
                {}
            ]}
        }]},
        "00400260": {"vr": "SQ"},
        "0040A160": {"vr": "UT"}
    })
}

#[test]
fn every_vr_is_written_as_the_standard_says_in_both_byte_orders() {
    for ts in [
        TransferSyntax::ExplicitVrLittleEndian,
        TransferSyntax::ExplicitVrBigEndian,
    ] {
        let bytes = every_vr(ts);
        let ds = DataSet::parse(&bytes).expect("parses");
        let got = parse_json(&ds.to_json());
        let want = every_vr_json();
        for (k, v) in want.as_object().expect("object") {
            assert_eq!(got.get(k), Some(v), "{k} in {ts:?}");
        }
        assert_eq!(got, want, "{ts:?}");
        // The compact text keeps the DS digits exactly as written.
        assert!(ds.to_json().contains(r#""Value":[1.50,2,-1e3]"#));
        // Pretty output is the same JSON.
        let pretty = ds.to_json_with(&mut JsonOptions::new().pretty(true));
        assert!(pretty.contains("\n  \"00080005\": {\n    \"vr\": \"CS\","));
        assert_eq!(parse_json(&pretty), got);
    }
}

#[test]
fn every_vr_round_trips_json_to_data_set_to_json() {
    let bytes = every_vr(TransferSyntax::ExplicitVrLittleEndian);
    let ds = DataSet::parse(&bytes).expect("parses");
    let text = ds.to_json();
    let mut want = parse_json(&text);
    // JSON text is UTF-8, so the data set read from it is ISO_IR 192.
    want["00080005"]["Value"] = json!(["ISO_IR 192"]);
    // (Implicit VR is left out: these tags carry VRs the dictionary does not give them.)
    for ts in [
        TransferSyntax::ExplicitVrLittleEndian,
        TransferSyntax::ExplicitVrBigEndian,
    ] {
        let buf = json::from_json(&text).expect("reads");
        let out = buf.write(ts).expect("writes");
        let back =
            DataSet::parse_with(&out, &ParseConfig::default().transfer_syntax(ts)).expect("parses");
        let got = parse_json(&back.to_json());
        assert_eq!(got, want, "{ts:?}");
    }
}

#[test]
fn file_meta_is_excluded_and_pixel_data_is_inline_or_bulk() {
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.7",
        "1.2.3.4",
    )
    .expect("part10");
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"ID1")
        .expect("el");
    enc.element(Tag::PIXEL_DATA, Vr::Ow, &[1, 0, 2, 0])
        .expect("el");
    let bytes = enc.finish().expect("finish");
    let ds = DataSet::parse(&bytes).expect("parses");
    let got = parse_json(&ds.to_json());
    assert_eq!(
        got,
        json!({
            "00100020": {"vr": "LO", "Value": ["ID1"]},
            "7FE00010": {"vr": "OW", "InlineBinary": "AQACAA=="}
        })
    );
    let mut seen = Vec::new();
    let mut opts = JsonOptions::new().bulk_data_uri(|e| {
        seen.push(e.tag());
        Some("https://example.org/bulk/1".into())
    });
    let got = parse_json(&ds.to_json_with(&mut opts));
    drop(opts);
    assert_eq!(seen, [Tag::PIXEL_DATA]);
    assert_eq!(
        got["7FE00010"],
        json!({"vr": "OW", "BulkDataURI": "https://example.org/bulk/1"})
    );
    // And back in: the resolver supplies the bytes.
    let buf = json::from_json_with(&got.to_string(), |uri, tag, vr| {
        assert_eq!(
            (uri, tag, vr),
            ("https://example.org/bulk/1", Tag::PIXEL_DATA, Vr::Ow)
        );
        Some(vec![9, 0])
    })
    .expect("resolves");
    assert!(buf.get(Tag::PIXEL_DATA).is_some());
    let err = json::from_json(&got.to_string()).expect_err("unresolved");
    assert_eq!(err.kind(), JsonErrorKind::UnresolvedBulkData);
    assert_eq!(err.tag(), Some(Tag::PIXEL_DATA));

    // Stopping before pixel data leaves it out.
    let ds = DataSet::parse_with(&bytes, &ParseConfig::default().stop_before_pixel_data(true))
        .expect("parses");
    assert!(parse_json(&ds.to_json()).get("7FE00010").is_none());
}

#[test]
fn encapsulated_pixel_data_is_inline_binary_of_its_items() {
    let mut enc = Encoder::new(TransferSyntax::from_uid(b"1.2.840.10008.1.2.4.50"));
    enc.fragments(
        Tag::PIXEL_DATA,
        Vr::Ob,
        &[vec![], vec![0xFF, 0xD8, 0xFF, 0xD9]],
    )
    .expect("fragments");
    let bytes = enc.finish().expect("finish");
    let ds = DataSet::parse_with(
        &bytes,
        &ParseConfig::default()
            .transfer_syntax(TransferSyntax::from_uid(b"1.2.840.10008.1.2.4.50")),
    )
    .expect("parses");
    let got = parse_json(&ds.to_json());
    // Items as stored: empty BOT item, then the fragment item (no sequence delimiter).
    let mut want = Vec::new();
    want.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
    want.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 0xFF, 0xD8, 0xFF, 0xD9]);
    assert_eq!(
        got["7FE00010"],
        json!({"vr": "OB", "InlineBinary": json::base64_encode(&want)})
    );
}

#[test]
fn character_sets_are_decoded_to_utf8() {
    let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    enc.element(Tag::SPECIFIC_CHARACTER_SET, Vr::Cs, b"\\ISO 2022 IR 87")
        .expect("el");
    // PS3.5 Annex H example: Yamada^Tarou=山田^太郎=やまだ^たろう
    let pn: &[u8] =
        b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B";
    enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, pn)
        .expect("el");
    let bytes = enc.finish().expect("finish");
    let ds = DataSet::parse(&bytes).expect("parses");
    let got = parse_json(&ds.to_json());
    assert_eq!(
        got["00100010"],
        json!({"vr": "PN", "Value": [{
            "Alphabetic": "Yamada^Tarou",
            "Ideographic": "山田^太郎",
            "Phonetic": "やまだ^たろう"
        }]})
    );
}

#[test]
fn implicit_vr_us_or_ss_follows_pixel_representation() {
    let mut enc = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
    enc.element(Tag::new(0x0028, 0x0103), Vr::Us, &1u16.to_le_bytes())
        .expect("el");
    // Smallest Image Pixel Value (0028,0106): US or SS.
    enc.element(Tag::new(0x0028, 0x0106), Vr::Ss, &(-5i16).to_le_bytes())
        .expect("el");
    let bytes = enc.finish().expect("finish");
    let ds = DataSet::parse(&bytes).expect("parses");
    let got = parse_json(&ds.to_json());
    assert_eq!(got["00280106"], json!({"vr": "SS", "Value": [-5]}));
}

#[test]
fn malformed_json_is_rejected_with_a_kind_and_no_value() {
    for (text, kind) in [
        ("[", JsonErrorKind::Syntax { line: 1, column: 1 }),
        ("[]", JsonErrorKind::NotAnObject),
        (r#"{"0010001":{"vr":"PN"}}"#, JsonErrorKind::InvalidTag),
        (r#"{"00100010":{"vr":"XX"}}"#, JsonErrorKind::InvalidVr),
        (
            r#"{"00100010":{"vr":"PN","Value":"x"}}"#,
            JsonErrorKind::InvalidValue,
        ),
        (
            r#"{"00280010":{"vr":"US","Value":[70000]}}"#,
            JsonErrorKind::NumberOutOfRange,
        ),
        (
            r#"{"00280010":{"vr":"US","Value":[1.5]}}"#,
            JsonErrorKind::InvalidValue,
        ),
        (
            r#"{"7FE00010":{"vr":"OB","InlineBinary":"%%"}}"#,
            JsonErrorKind::InvalidBase64,
        ),
        (
            r#"{"00081110":{"vr":"SQ","Value":[1]}}"#,
            JsonErrorKind::NotAnObject,
        ),
    ] {
        let err = json::from_json(text).expect_err(text);
        assert_eq!(err.kind(), kind, "{text}");
        assert!(!err.to_string().contains("70000"));
    }
}
