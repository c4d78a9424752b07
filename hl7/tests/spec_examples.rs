//! Unit tests from the examples of HL7 v2.x chapter 2 (control: message framing,
//! delimiters, escapes), with the edge cases beside them. Each edge case is named for
//! what it checks.

use std::borrow::Cow;

use carewire_hl7::{
    escape, unescape, DecodeOptions, Delimiters, DiagnosticKind, ErrorKind, Formatting, Index,
    Message, MessageBuf, MessageBuilder, ParseConfig, Parser, Path, ValueState,
};

type TestResult = Result<(), carewire_hl7::Error>;

/// The ADT^A01 example of HL7 v2.x ch. 2 (synthetic patient "Adam Everyman").
const ADT_A01: &[u8] = b"MSH|^~\\&|ADT1|GOOD HEALTH HOSPITAL|GHH LAB, INC.|GOOD HEALTH HOSPITAL|198808181126|SECURITY|ADT^A01^ADT_A01|MSG00001|P|2.8||\r\
EVN|A01|200708181123||\r\
PID|1||PATID1234^^^GOOD HEALTH HOSPITAL^MR~123456789^^^USSSA^SS||EVERYMAN^ADAM^A^III||19610615|M||C|2222 HOME STREET^^GREENSBORO^NC^27401-1020|GL|(555) 555-2004|(555)555-2004||S||PATID12345001^2^M10^ADT1^AN^A|444333333|987654^NC|\r\
NK1|1|NUCLEAR^NELDA^W|SPO^SPOUSE||||NK^NEXT OF KIN\r\
PV1|1|I|2000^2012^01||||004777^ATTEND^AARON^A|||SUR||||ADM|A0|\r";

fn s<'a>(msg: &'a Message<'_>, path: &str) -> Option<Cow<'a, str>> {
    msg.get_str(path).expect("valid path")
}

fn kinds(msg: &Message<'_>) -> Vec<DiagnosticKind> {
    msg.diagnostics().iter().map(|d| d.kind).collect()
}

fn dec(raw: &[u8]) -> Vec<u8> {
    unescape(
        raw,
        &Delimiters::default(),
        &DecodeOptions::default(),
        None,
        0,
    )
    .into_owned()
}

// ---------------------------------------------------------------------------------------
// The chapter 2 example message
// ---------------------------------------------------------------------------------------

#[test]
fn adt_a01_example_segments() -> TestResult {
    let msg = Message::parse(ADT_A01)?;
    assert!(msg.diagnostics().is_empty(), "{:?}", msg.diagnostics());
    let ids: Vec<&str> = msg.segments().map(|s| s.id_str()).collect();
    assert_eq!(ids, ["MSH", "EVN", "PID", "NK1", "PV1"]);
    assert_eq!(msg.segment_count(), 5);
    assert_eq!(msg.delimiters(), Delimiters::default());
    assert!(msg.prefix().is_empty());
    for seg in msg.segments() {
        assert_eq!(seg.trailer(), b"\r");
    }
    Ok(())
}

#[test]
fn adt_a01_example_header() -> TestResult {
    let msg = Message::parse(ADT_A01)?;
    let h = msg.header();
    assert_eq!(h.sending_application().as_deref(), Some("ADT1"));
    assert_eq!(
        h.sending_facility().as_deref(),
        Some("GOOD HEALTH HOSPITAL")
    );
    assert_eq!(h.receiving_application().as_deref(), Some("GHH LAB, INC."));
    assert_eq!(h.timestamp().as_deref(), Some("198808181126"));
    assert_eq!(h.message_type().as_deref(), Some("ADT"));
    assert_eq!(h.trigger_event().as_deref(), Some("A01"));
    assert_eq!(h.message_structure().as_deref(), Some("ADT_A01"));
    assert_eq!(h.control_id().as_deref(), Some("MSG00001"));
    assert_eq!(h.processing_id().as_deref(), Some("P"));
    assert_eq!(h.version().as_deref(), Some("2.8"));
    assert_eq!(h.accept_ack_type(), None);
    assert_eq!(s(&msg, "MSH-8").as_deref(), Some("SECURITY"));
    Ok(())
}

#[test]
fn adt_a01_example_patient_fields() -> TestResult {
    let msg = Message::parse(ADT_A01)?;
    assert_eq!(s(&msg, "EVN-1").as_deref(), Some("A01"));
    assert_eq!(s(&msg, "EVN-2").as_deref(), Some("200708181123"));
    assert_eq!(s(&msg, "PID-3[1].1").as_deref(), Some("PATID1234"));
    assert_eq!(
        s(&msg, "PID-3[1].4").as_deref(),
        Some("GOOD HEALTH HOSPITAL")
    );
    assert_eq!(s(&msg, "PID-3[2].1").as_deref(), Some("123456789"));
    assert_eq!(s(&msg, "PID-3[2].5").as_deref(), Some("SS"));
    assert_eq!(s(&msg, "PID-3[3].1"), None);
    assert_eq!(s(&msg, "PID-5.1").as_deref(), Some("EVERYMAN"));
    assert_eq!(s(&msg, "PID-5.2").as_deref(), Some("ADAM"));
    assert_eq!(s(&msg, "PID-5.4").as_deref(), Some("III"));
    assert_eq!(s(&msg, "PID-7").as_deref(), Some("19610615"));
    assert_eq!(s(&msg, "PID-8").as_deref(), Some("M"));
    assert_eq!(s(&msg, "PID-11.3").as_deref(), Some("GREENSBORO"));
    assert_eq!(s(&msg, "PID-11.5").as_deref(), Some("27401-1020"));
    assert_eq!(s(&msg, "PID-13").as_deref(), Some("(555) 555-2004"));
    assert_eq!(s(&msg, "PID-18.1").as_deref(), Some("PATID12345001"));
    assert_eq!(s(&msg, "PID-20.2").as_deref(), Some("NC"));
    assert_eq!(s(&msg, "NK1-2.2").as_deref(), Some("NELDA"));
    assert_eq!(s(&msg, "NK1-7.2").as_deref(), Some("NEXT OF KIN"));
    assert_eq!(s(&msg, "PV1-2").as_deref(), Some("I"));
    assert_eq!(s(&msg, "PV1-3.2").as_deref(), Some("2012"));
    assert_eq!(s(&msg, "PV1-7.2").as_deref(), Some("ATTEND"));
    assert_eq!(s(&msg, "PV1-14").as_deref(), Some("ADM"));
    assert_eq!(s(&msg, "PV1-15").as_deref(), Some("A0"));

    let pid = msg.find(b"PID", 1).expect("PID");
    // PID ends in `|`: field 21 is present and empty, field 22 absent.
    assert_eq!(pid.field_count(), 21);
    assert_eq!(pid.field(21).map(|f| f.state()), Some(ValueState::Empty));
    assert!(pid.field(22).is_none());
    let pid3 = pid.field(3).expect("PID-3");
    assert_eq!(pid3.repetition_count(), 2);
    let comps: Vec<Cow<'_, str>> = pid3
        .repetition(1)
        .expect("rep")
        .components()
        .map(|c| c.decoded())
        .collect();
    assert_eq!(comps, ["PATID1234", "", "", "GOOD HEALTH HOSPITAL", "MR"]);
    Ok(())
}

#[test]
fn adt_a01_example_offsets_point_into_input() -> TestResult {
    let msg = Message::parse(ADT_A01)?;
    for seg in msg.segments() {
        assert_eq!(
            &ADT_A01[seg.offset()..seg.offset() + seg.raw().len()],
            seg.raw()
        );
        for f in seg.fields() {
            assert_eq!(&ADT_A01[f.offset()..f.offset() + f.raw().len()], f.raw());
        }
    }
    let v = msg.get(&Path::parse("PID-5.2")?).expect("present");
    assert_eq!(&ADT_A01[v.offset()..v.offset() + 4], b"ADAM");
    Ok(())
}

#[test]
fn owned_buf_views_equal_borrowed() -> TestResult {
    let buf = MessageBuf::parse(ADT_A01.to_vec())?;
    let view = buf.view();
    let msg = Message::parse(ADT_A01)?;
    assert_eq!(view.segment_count(), msg.segment_count());
    assert_eq!(s(&view, "PID-5.2"), s(&msg, "PID-5.2"));
    let copy = msg.to_owned_buf();
    assert_eq!(copy.bytes().as_ref(), ADT_A01);
    assert_eq!(s(&copy.view(), "PV1-7.3").as_deref(), Some("AARON"));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Delimiters (ch. 2.5.4) and the MSH numbering rule
// ---------------------------------------------------------------------------------------

#[test]
fn encoding_characters_default() -> TestResult {
    let msg = Message::parse(ADT_A01)?;
    let d = msg.delimiters();
    assert_eq!(d.field(), b'|');
    assert_eq!(d.component(), Some(b'^'));
    assert_eq!(d.repetition(), Some(b'~'));
    assert_eq!(d.escape(), Some(b'\\'));
    assert_eq!(d.subcomponent(), Some(b'&'));
    assert_eq!(d.truncation(), None);
    assert_eq!(d.encoding_characters(), b"^~\\&");
    Ok(())
}

#[test]
fn msh_field_numbering() -> TestResult {
    let msg = Message::parse(ADT_A01)?;
    let msh = msg.msh();
    // MSH-1 is the field separator itself; MSH-2 the encoding characters, unsplit.
    assert_eq!(msh.field(1).map(|f| f.raw()), Some(&b"|"[..]));
    assert_eq!(s(&msg, "MSH-1").as_deref(), Some("|"));
    assert_eq!(msh.field(2).map(|f| f.raw()), Some(&b"^~\\&"[..]));
    assert_eq!(s(&msg, "MSH-2").as_deref(), Some("^~\\&"));
    let msh2 = msh.field(2).expect("MSH-2");
    assert_eq!(msh2.repetition_count(), 1);
    assert_eq!(msh2.component(1).map(|c| c.raw()), Some(&b"^~\\&"[..]));
    assert_eq!(msh2.component(2), None);
    // MSH-3 is the first field after MSH-2.
    assert_eq!(s(&msg, "MSH-3").as_deref(), Some("ADT1"));
    assert_eq!(s(&msg, "MSH-9").as_deref(), Some("ADT^A01^ADT_A01"));
    assert_eq!(s(&msg, "MSH-9.1").as_deref(), Some("ADT"));
    assert_eq!(s(&msg, "MSH-9.2").as_deref(), Some("A01"));
    assert_eq!(s(&msg, "MSH-12").as_deref(), Some("2.8"));
    // MSH ends in `||`: MSH-13 and MSH-14 present and empty, MSH-15 absent.
    assert_eq!(msh.field_count(), 14);
    assert_eq!(s(&msg, "MSH-14").as_deref(), Some(""));
    assert_eq!(s(&msg, "MSH-15"), None);
    // Iterating fields starts at MSH-1.
    let first: Vec<&[u8]> = msh.fields().take(3).map(|f| f.raw()).collect();
    assert_eq!(first, [&b"|"[..], b"^~\\&", b"ADT1"]);
    assert!(msh.field(0).is_none());
    Ok(())
}

#[test]
fn non_default_delimiters() -> TestResult {
    // Field separator `^`, component `~`, repetition `|` (as in HAPI's segmentfinder).
    let input =
        b"MSH^~|\\&^SEND^FAC^^^20240101^^ADT~A24^1^P^2.4\rPID^1^^42~~~MRN|43~~~SSN^^DOE~JOHN\r";
    let msg = Message::parse(input)?;
    let d = msg.delimiters();
    assert_eq!(
        (d.field(), d.component(), d.repetition()),
        (b'^', Some(b'~'), Some(b'|'))
    );
    assert_eq!(s(&msg, "MSH-1").as_deref(), Some("^"));
    assert_eq!(s(&msg, "MSH-2").as_deref(), Some("~|\\&"));
    assert_eq!(s(&msg, "MSH-3").as_deref(), Some("SEND"));
    assert_eq!(s(&msg, "MSH-9.1").as_deref(), Some("ADT"));
    assert_eq!(s(&msg, "MSH-9.2").as_deref(), Some("A24"));
    assert_eq!(s(&msg, "PID-3[1].1").as_deref(), Some("42"));
    assert_eq!(s(&msg, "PID-3[2].4").as_deref(), Some("SSN"));
    assert_eq!(s(&msg, "PID-5.2").as_deref(), Some("JOHN"));

    // `MSH#!@%*#`: every delimiter unusual, escape `%`.
    let input = b"MSH#!@%*#APP#FAC\rNTE#1##a%F%b%S%c!d*e@f\r";
    let msg = Message::parse(input)?;
    let d = msg.delimiters();
    assert_eq!(d.field(), b'#');
    assert_eq!(d.component(), Some(b'!'));
    assert_eq!(d.repetition(), Some(b'@'));
    assert_eq!(d.escape(), Some(b'%'));
    assert_eq!(d.subcomponent(), Some(b'*'));
    assert_eq!(s(&msg, "MSH-1").as_deref(), Some("#"));
    assert_eq!(s(&msg, "MSH-2").as_deref(), Some("!@%*"));
    assert_eq!(s(&msg, "MSH-3").as_deref(), Some("APP"));
    // `%F%` is the field separator `#`, `%S%` the component separator `!`.
    assert_eq!(s(&msg, "NTE-3[1].1.1").as_deref(), Some("a#b!c"));
    assert_eq!(s(&msg, "NTE-3[1].2.1").as_deref(), Some("d"));
    assert_eq!(s(&msg, "NTE-3[1].2.2").as_deref(), Some("e"));
    assert_eq!(s(&msg, "NTE-3[2]").as_deref(), Some("f"));
    // The builder writes with the message's delimiters and escapes.
    let mut b = MessageBuilder::from_message(&msg);
    b.set("NTE-4", "x#y!z%")?;
    let out = b.to_bytes();
    assert!(out.ends_with(b"NTE#1##a%F%b%S%c!d*e@f#x%F%y%S%z%E%\r"));
    assert_eq!(
        s(&Message::parse(&out)?, "NTE-4").as_deref(),
        Some("x#y!z%")
    );
    Ok(())
}

#[test]
fn doubled_escape_in_msh2_is_repaired_and_reported() -> TestResult {
    // `^~\\&` (a string-literal slip) means `^~\&`.
    let msg = Message::parse(b"MSH|^~\\\\&|A\rPID|1||a\\T\\b^c&d")?;
    assert_eq!(msg.delimiters(), Delimiters::default());
    assert_eq!(kinds(&msg), [DiagnosticKind::ExtraEncodingCharacters]);
    assert_eq!(msg.diagnostics()[0].offset, 7);
    assert_eq!(s(&msg, "MSH-2").as_deref(), Some("^~\\\\&"));
    assert_eq!(s(&msg, "PID-3.1").as_deref(), Some("a&b"));
    assert_eq!(s(&msg, "PID-3.2.2").as_deref(), Some("d"));
    Ok(())
}

#[test]
fn unusable_delimiters_are_rejected() {
    for input in [
        &b"MSH|^~\\~|A"[..], // repeated
        b"MSH|^~0&|A",       // alphanumeric
        b"MSH|^ \\&|A",      // space
        b"MSHA^~\\&A",       // alphanumeric field separator
    ] {
        let e = Message::parse(input).err().map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::InvalidDelimiters), "{input:?}");
    }
    assert_eq!(
        Message::parse(b"MSH").err().map(|e| e.kind()),
        Some(ErrorKind::TruncatedHeader)
    );
    assert_eq!(
        Message::parse(b"PID|1").err().map(|e| e.kind()),
        Some(ErrorKind::MissingHeader)
    );
    assert_eq!(
        Message::parse(b"").err().map(|e| e.kind()),
        Some(ErrorKind::Empty)
    );
    assert_eq!(
        Message::parse(b"\r\n \t").err().map(|e| e.kind()),
        Some(ErrorKind::Empty)
    );
}

#[test]
fn short_msh2_leaves_delimiters_unavailable() -> TestResult {
    let msg = Message::parse(b"MSH|^|A|B\rPID|1||x~y\\F\\^z")?;
    assert_eq!(kinds(&msg), [DiagnosticKind::MissingEncodingCharacters]);
    let d = msg.delimiters();
    assert_eq!(
        (d.component(), d.repetition(), d.escape()),
        (Some(b'^'), None, None)
    );
    // No repetition separator declared: `~` is data; no escape character: `\F\` is data.
    assert_eq!(s(&msg, "PID-3[1].1").as_deref(), Some("x~y\\F\\"));
    assert_eq!(s(&msg, "PID-3[2]"), None);
    assert_eq!(s(&msg, "PID-3.2").as_deref(), Some("z"));
    Ok(())
}

#[test]
fn v27_truncation_character() -> TestResult {
    // HL7 v2.7 adds a fifth encoding character, the truncation character `#`.
    let input = b"MSH|^~\\&#|APP|FAC|||||ORU^R01|1|P|2.7\rOBX|1|ST|||LONG VALUE#|x\\P\\y\r";
    let msg = Message::parse(input)?;
    assert!(msg.diagnostics().is_empty());
    let d = msg.delimiters();
    assert_eq!(d.truncation(), Some(b'#'));
    assert_eq!(d.encoding_characters(), b"^~\\&#");
    assert_eq!(s(&msg, "MSH-2").as_deref(), Some("^~\\&#"));
    assert_eq!(s(&msg, "MSH-3").as_deref(), Some("APP"));
    // The truncation character is a marker in data, not a separator.
    assert_eq!(s(&msg, "OBX-5").as_deref(), Some("LONG VALUE#"));
    assert_eq!(s(&msg, "OBX-5.1").as_deref(), Some("LONG VALUE#"));
    // `\P\` is the escape for a literal truncation character.
    assert_eq!(s(&msg, "OBX-6").as_deref(), Some("x#y"));
    // Writing escapes it.
    let mut b = MessageBuilder::from_message(&msg);
    b.set("OBX-7", "a#b")?;
    assert!(b.to_bytes().ends_with(b"|a\\P\\b\r"));
    // Without a declared truncation character `\P\` is unknown and kept verbatim.
    assert_eq!(dec(b"x\\P\\y"), b"x\\P\\y");
    Ok(())
}

#[test]
fn extra_encoding_characters_reported() -> TestResult {
    let msg = Message::parse(b"MSH|^~\\&#$|A\r")?;
    assert_eq!(kinds(&msg), [DiagnosticKind::ExtraEncodingCharacters]);
    assert_eq!(msg.delimiters().truncation(), Some(b'#'));
    assert_eq!(s(&msg, "MSH-3").as_deref(), Some("A"));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Escapes (ch. 2.7)
// ---------------------------------------------------------------------------------------

#[test]
fn escape_sequences_for_delimiters() {
    assert_eq!(dec(b"\\F\\"), b"|");
    assert_eq!(dec(b"\\S\\"), b"^");
    assert_eq!(dec(b"\\T\\"), b"&");
    assert_eq!(dec(b"\\R\\"), b"~");
    assert_eq!(dec(b"\\E\\"), b"\\");
    assert_eq!(
        dec(b"Pierre DuRho\\S\\ne \\T\\ Cie"),
        b"Pierre DuRho^ne & Cie"
    );
    assert_eq!(dec(b"\\E\\\\F\\"), b"\\|");
    assert_eq!(dec(b"C:\\E\\temp\\E\\x"), b"C:\\temp\\x");
}

#[test]
fn escape_sequence_hex() {
    assert_eq!(dec(b"\\X0D\\\\X0A\\"), b"\r\n");
    assert_eq!(dec(b"\\XC3A9\\"), "\u{e9}".as_bytes());
    assert_eq!(dec(b"\\X41424344\\"), b"ABCD");
    assert_eq!(dec(b"\\Xa9\\"), b"\xa9");
    // Odd length or non-hex: kept verbatim (and reported).
    let mut d = Vec::new();
    let r = unescape(
        b"\\X4\\|\\XZZ\\",
        &Delimiters::default(),
        &DecodeOptions::default(),
        Some(&mut d),
        100,
    );
    assert_eq!(&*r, b"\\X4\\|\\XZZ\\");
    let got: Vec<(DiagnosticKind, usize)> = d.iter().map(|d| (d.kind, d.offset)).collect();
    assert_eq!(
        got,
        [
            (DiagnosticKind::InvalidEscape, 100),
            (DiagnosticKind::InvalidEscape, 105)
        ]
    );
}

#[test]
fn escape_sequence_formatting() {
    let d = Delimiters::default();
    let text = b"line 1\\.br\\line 2\\.sp 2\\end";
    // Kept verbatim by default: nothing is lost.
    assert_eq!(dec(text), text);
    let rendered = unescape(text, &d, &DecodeOptions::render(), None, 0);
    assert_eq!(&*rendered, b"line 1\nline 2\n\nend");
    let mut strip = DecodeOptions::default();
    strip.formatting = Formatting::Strip;
    assert_eq!(&*unescape(text, &d, &strip, None, 0), b"line 1line 2end");
    // Highlighting: kept by default, stripped when rendering.
    assert_eq!(dec(b"\\H\\bold\\N\\"), b"\\H\\bold\\N\\");
    assert_eq!(
        &*unescape(b"\\H\\bold\\N\\", &d, &DecodeOptions::render(), None, 0),
        b"bold"
    );
    // A huge repeat count is bounded.
    let r = unescape(b"\\.sp 99999999\\", &d, &DecodeOptions::render(), None, 0);
    assert!(r.len() <= 64);
}

#[test]
fn escape_sequences_in_message_fields() -> TestResult {
    let input =
        b"MSH|^~\\&|A\rOBX|1|FT|||first\\.br\\second \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\X41\\|x\r";
    let msg = Message::parse(input)?;
    let obx5 = msg.get(&Path::parse("OBX-5")?).expect("present");
    assert_eq!(obx5.decoded(), "first\\.br\\second | ^ & ~ \\ A");
    assert_eq!(
        obx5.decoded_with(&DecodeOptions::render()),
        "first\nsecond | ^ & ~ \\ A"
    );
    // Escaped delimiters never split.
    assert_eq!(
        msg.get(&Path::parse("OBX-5")?).map(|v| v.raw()),
        Some(&b"first\\.br\\second \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\X41\\"[..])
    );
    assert_eq!(s(&msg, "OBX-5[2]"), None);
    assert_eq!(s(&msg, "OBX-6").as_deref(), Some("x"));
    // Borrowed when nothing needed decoding.
    assert!(matches!(s(&msg, "OBX-6"), Some(Cow::Borrowed(_))));
    assert!(matches!(s(&msg, "OBX-5"), Some(Cow::Owned(_))));
    Ok(())
}

#[test]
fn unknown_and_unterminated_escapes_kept_and_reported() {
    let mut d = Vec::new();
    let r = unescape(
        b"a\\Q\\b\\Fc",
        &Delimiters::default(),
        &DecodeOptions::default(),
        Some(&mut d),
        0,
    );
    assert_eq!(&*r, b"a\\Q\\b\\Fc");
    assert_eq!(d.len(), 2);
    assert!(d.iter().all(|d| d.kind == DiagnosticKind::InvalidEscape));
    // Character-set escapes are passed through and reported as unsupported.
    let mut d = Vec::new();
    let r = unescape(
        b"\\C2842\\",
        &Delimiters::default(),
        &DecodeOptions::default(),
        Some(&mut d),
        0,
    );
    assert_eq!(&*r, b"\\C2842\\");
    assert_eq!(d[0].kind, DiagnosticKind::UnsupportedEscape);
}

#[test]
fn escape_writes_every_delimiter() {
    let d = Delimiters::default();
    assert_eq!(
        &*escape(b"a|b^c~d\\e&f\rg\nh", &d),
        b"a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\X0D\\g\\X0A\\h"
    );
    assert!(matches!(escape(b"plain text", &d), Cow::Borrowed(_)));
    let text = b"any | ^ ~ \\ & \r\n \\F\\ text";
    assert_eq!(dec(&escape(text, &d)), text);
}

// ---------------------------------------------------------------------------------------
// Repetitions, components, subcomponents
// ---------------------------------------------------------------------------------------

const PID3: &[u8] = b"MSH|^~\\&|A\rPID|1||12345^^^MRN&1.2.3&ISO~67890\r";

#[test]
fn repetition_component_subcomponent() -> TestResult {
    let msg = Message::parse(PID3)?;
    assert_eq!(
        s(&msg, "PID-3").as_deref(),
        Some("12345^^^MRN&1.2.3&ISO~67890")
    );
    assert_eq!(
        s(&msg, "PID-3[1]").as_deref(),
        Some("12345^^^MRN&1.2.3&ISO")
    );
    assert_eq!(s(&msg, "PID-3.1").as_deref(), Some("12345"));
    assert_eq!(s(&msg, "PID-3[1].1").as_deref(), Some("12345"));
    assert_eq!(s(&msg, "PID-3.2").as_deref(), Some(""));
    assert_eq!(s(&msg, "PID-3.4").as_deref(), Some("MRN&1.2.3&ISO"));
    assert_eq!(s(&msg, "PID-3.4.1").as_deref(), Some("MRN"));
    assert_eq!(s(&msg, "PID-3.4.2").as_deref(), Some("1.2.3"));
    assert_eq!(s(&msg, "PID-3.4.3").as_deref(), Some("ISO"));
    assert_eq!(s(&msg, "PID-3.4.4"), None);
    assert_eq!(s(&msg, "PID-3.5"), None);
    assert_eq!(s(&msg, "PID-3[2]").as_deref(), Some("67890"));
    assert_eq!(s(&msg, "PID-3[2].1").as_deref(), Some("67890"));
    assert_eq!(s(&msg, "PID-3[2].1.1").as_deref(), Some("67890"));
    assert_eq!(s(&msg, "PID-3[2].4"), None);
    assert_eq!(s(&msg, "PID-3[3]"), None);

    let pid = msg.find(b"PID", 1).expect("PID");
    let f = pid.field(3).expect("PID-3");
    let reps: Vec<&[u8]> = f.repetitions().map(|r| r.raw()).collect();
    assert_eq!(reps, [&b"12345^^^MRN&1.2.3&ISO"[..], b"67890"]);
    let r1 = f.repetition(1).expect("rep 1");
    assert_eq!(r1.components().count(), 4);
    let subs: Vec<Cow<'_, str>> = r1
        .component(4)
        .expect("comp 4")
        .subcomponents()
        .map(|s| s.decoded())
        .collect();
    assert_eq!(subs, ["MRN", "1.2.3", "ISO"]);
    Ok(())
}

#[test]
fn paths_combine() -> TestResult {
    let input = b"MSH|^~\\&|A\rPID|1||12345^^^MRN&1.2.3&ISO~67890\r\
OBX|1|CE|88304^Pathology||C1^First&sub\r\
OBX|2|CE|88305^Biopsy||C2^Second&sub2~R2^Rep2\r";
    let msg = Message::parse(input)?;
    assert_eq!(s(&msg, "OBX[2]-5[1].1.1").as_deref(), Some("C2"));
    assert_eq!(s(&msg, "OBX[2]-5[1].2.2").as_deref(), Some("sub2"));
    assert_eq!(s(&msg, "OBX[2]-5[2].2").as_deref(), Some("Rep2"));
    assert_eq!(s(&msg, "OBX[1]-5[1].2.1").as_deref(), Some("First"));
    assert_eq!(s(&msg, "OBX-5.2.1"), s(&msg, "OBX[1]-5[1].2.1"));
    assert_eq!(s(&msg, "OBX[3]-5"), None);
    assert_eq!(s(&msg, "OBX.3.2").as_deref(), Some("Pathology"));
    assert_eq!(s(&msg, "obx[2].3.2").as_deref(), Some("Biopsy"));

    assert_eq!(s(&msg, "PID[1]-3[2].1.1"), s(&msg, "PID-3[2].1"));
    assert_eq!(s(&msg, "PID[1]-3[2].1.1").as_deref(), Some("67890"));
    assert_eq!(
        Path::parse("PID[1]-3[2].1.1")?,
        Path::parse("PID-3[2].1.1")?
    );
    assert_eq!(Path::parse("PID[1]-3[2].1.1")?.to_string(), "PID-3[2].1.1");
    // A compiled path works on every message.
    let p = Path::parse("OBX[2]-3.1")?;
    assert_eq!(
        msg.get(&p).map(|v| v.to_string_decoded()).as_deref(),
        Some("88305")
    );
    let seg = msg.find(b"OBX", 2).expect("OBX[2]");
    assert_eq!(seg.position(), 3);
    assert_eq!(
        seg.get(&Path::parse("XXX-5[2].1")?).map(|v| v.raw()),
        Some(&b"R2"[..])
    );
    assert_eq!(msg.segments_by_id("OBX").count(), 2);
    Ok(())
}

#[test]
fn invalid_paths_are_errors() {
    for bad in [
        "",
        "PID",
        "PID-",
        "PID-0",
        "PID-3[0]",
        "PID-3.",
        "PID-3..1",
        "P-1",
        "PID-1.1.1.1",
    ] {
        let e = Path::parse(bad).err().map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::InvalidPath), "{bad:?}");
    }
    let msg = Message::parse(PID3).expect("parses");
    assert_eq!(
        msg.get_str("PID-x").err().map(|e| e.kind()),
        Some(ErrorKind::InvalidPath)
    );
}

#[test]
fn absent_empty_null_are_distinct() -> TestResult {
    let msg = Message::parse(b"MSH|^~\\&|A\rPID|1||\"\"|^|\"\"^x|\r")?;
    let get = |p: &str| msg.get(&Path::parse(p).expect("path"));
    // PID-2: present but empty.
    let v = get("PID-2").expect("present");
    assert!(v.is_empty() && !v.is_null());
    assert_eq!(v.state(), ValueState::Empty);
    // PID-3: the HL7 null `""` (delete the receiver's value).
    let v = get("PID-3").expect("present");
    assert!(v.is_null() && !v.is_empty());
    assert_eq!(v.state(), ValueState::Null);
    assert_eq!(v.decoded(), "\"\"");
    // PID-4: two empty components.
    assert_eq!(get("PID-4.1").map(|v| v.state()), Some(ValueState::Empty));
    assert_eq!(get("PID-4.2").map(|v| v.state()), Some(ValueState::Empty));
    assert!(get("PID-4.3").is_none());
    // PID-5.1 null, PID-5.2 valued.
    assert_eq!(get("PID-5.1").map(|v| v.state()), Some(ValueState::Null));
    assert_eq!(get("PID-5.2").map(|v| v.state()), Some(ValueState::Valued));
    // PID-6: trailing separator makes it present and empty; PID-7 absent.
    assert_eq!(get("PID-6").map(|v| v.state()), Some(ValueState::Empty));
    assert!(get("PID-7").is_none());
    assert!(get("PID-2.2").is_none());
    assert!(get("ZZZ-1").is_none());
    assert!(get("PID[2]-1").is_none());
    // Absent is `None` at get_str too, empty is `Some("")`.
    assert_eq!(s(&msg, "PID-7"), None);
    assert_eq!(s(&msg, "PID-2").as_deref(), Some(""));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Segment terminators and stray bytes
// ---------------------------------------------------------------------------------------

#[test]
fn lf_only_segment_terminators() -> TestResult {
    let input = b"MSH|^~\\&|A\nPID|1||42\nPV1|1|I\n";
    let msg = Message::parse(input)?;
    assert_eq!(msg.segment_count(), 3);
    assert_eq!(kinds(&msg), [DiagnosticKind::LfTerminators]);
    assert_eq!(msg.diagnostics()[0].offset, 10);
    assert_eq!(s(&msg, "PID-3").as_deref(), Some("42"));
    assert_eq!(s(&msg, "PV1-2").as_deref(), Some("I"));
    assert!(msg.segments().all(|s| s.trailer() == b"\n"));
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), input);
    // In an LF message a CR is data.
    let msg = Message::parse(b"MSH|^~\\&|A\nNTE|1||a\rb\n")?;
    assert_eq!(msg.segment_count(), 2);
    assert_eq!(s(&msg, "NTE-3").as_deref(), Some("a\rb"));
    Ok(())
}

#[test]
fn crlf_segment_terminators() -> TestResult {
    let input = b"MSH|^~\\&|A\r\nPID|1||42\r\nPV1|1|I\r\n";
    let msg = Message::parse(input)?;
    assert_eq!(msg.segment_count(), 3);
    assert_eq!(kinds(&msg), [DiagnosticKind::CrLfTerminators]);
    assert_eq!(s(&msg, "PID-3").as_deref(), Some("42"));
    // The LF is not part of the next segment's identifier.
    let ids: Vec<&str> = msg.segments().map(|s| s.id_str()).collect();
    assert_eq!(ids, ["MSH", "PID", "PV1"]);
    assert!(msg.segments().all(|s| s.trailer() == b"\r\n"));
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), input);
    // New segments get the message's terminator.
    let mut b = MessageBuilder::from_message(&msg);
    b.set("OBX-1", "1")?;
    assert!(b.to_bytes().ends_with(b"PV1|1|I\r\nOBX|1\r\n"));
    Ok(())
}

#[test]
fn bare_lf_inside_text_in_cr_message() -> TestResult {
    let input = b"MSH|^~\\&|A\rOBX|1|TX|||line one\nline two\nPIDlike|x\rPV1|1\r";
    let msg = Message::parse(input)?;
    assert_eq!(msg.segment_count(), 3);
    assert!(msg.diagnostics().is_empty(), "{:?}", msg.diagnostics());
    assert_eq!(
        s(&msg, "OBX-5").as_deref(),
        Some("line one\nline two\nPIDlike")
    );
    assert_eq!(s(&msg, "OBX-6").as_deref(), Some("x"));
    assert_eq!(s(&msg, "PV1-1").as_deref(), Some("1"));
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), input);
    Ok(())
}

#[test]
fn missing_final_terminator() -> TestResult {
    let input = b"MSH|^~\\&|A\rPID|1||42";
    let msg = Message::parse(input)?;
    assert_eq!(msg.segment_count(), 2);
    assert!(msg.diagnostics().is_empty());
    let pid = msg.segment(1).expect("PID");
    assert_eq!(pid.raw(), b"PID|1||42");
    assert_eq!(pid.trailer(), b"");
    assert_eq!(s(&msg, "PID-3").as_deref(), Some("42"));
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), input);
    // Only MSH, no terminator at all.
    let msg = Message::parse(b"MSH|^~\\&")?;
    assert_eq!(msg.segment_count(), 1);
    assert_eq!(s(&msg, "MSH-2").as_deref(), Some("^~\\&"));
    assert_eq!(s(&msg, "MSH-3"), None);
    // Strict mode accepts a missing final terminator too (it repairs nothing).
    assert!(Message::parse_with(input, &ParseConfig::strict()).is_ok());
    Ok(())
}

#[test]
fn leading_bom_kept_and_reported() -> TestResult {
    let input = b"\xEF\xBB\xBFMSH|^~\\&|APP\rPID|1\r";
    let msg = Message::parse(input)?;
    assert_eq!(msg.prefix(), b"\xEF\xBB\xBF");
    assert_eq!(kinds(&msg), [DiagnosticKind::LeadingBom]);
    assert_eq!(msg.diagnostics()[0].offset, 0);
    assert_eq!(msg.msh().offset(), 3);
    assert_eq!(s(&msg, "MSH-3").as_deref(), Some("APP"));
    assert_eq!(s(&msg, "MSH-1").as_deref(), Some("|"));
    assert_eq!(msg.as_bytes(), input);
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), input);
    // BOM then whitespace: both reported.
    let msg = Message::parse(b"\xEF\xBB\xBF\r\n MSH|^~\\&|APP")?;
    assert_eq!(
        kinds(&msg),
        [
            DiagnosticKind::LeadingBom,
            DiagnosticKind::LeadingWhitespace
        ]
    );
    assert_eq!(msg.prefix().len(), 6);
    Ok(())
}

#[test]
fn blank_lines_and_trailing_whitespace_kept() -> TestResult {
    let input = b"MSH|^~\\&|A\r\rPID|1\r\n\r\n  \x00";
    let msg = Message::parse(input)?;
    assert_eq!(msg.segment_count(), 2);
    assert_eq!(msg.segment(0).map(|s| s.trailer()), Some(&b"\r\r"[..]));
    assert!(kinds(&msg).contains(&DiagnosticKind::BlankLine));
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), input);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Configuration: strict mode, limits, segment identifiers
// ---------------------------------------------------------------------------------------

#[test]
fn strict_config_rejects_repairs() {
    let strict = ParseConfig::strict();
    let cases: [(&[u8], ErrorKind); 11] = [
        (b"MSH|^~\\&|A\nPID|1", ErrorKind::NonStandardTerminator),
        (b"MSH|^~\\&|A\r\nPID|1", ErrorKind::NonStandardTerminator),
        (b"\xEF\xBB\xBFMSH|^~\\&|A\rPID|1", ErrorKind::StrayBytes),
        (b"\r\nMSH|^~\\&|A\rPID|1", ErrorKind::StrayBytes),
        (b"MSH|^~\\&|A\r\rPID|1", ErrorKind::StrayBytes),
        (b"MSH|^~\\&|A\rpid|1", ErrorKind::InvalidSegmentId),
        (b"MSH|^~\\&|A\rPIDX|1", ErrorKind::InvalidSegmentId),
        (b"MSH|^~\\\\&|A\rPID|1", ErrorKind::InvalidDelimiters),
        (b"MSH|^~|A\rPID|1", ErrorKind::InvalidDelimiters),
        (b"MSH|^~\\&#$|A\rPID|1", ErrorKind::InvalidDelimiters),
        (
            b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5||||||KLINGON\rPID|1",
            ErrorKind::UnknownCharset,
        ),
    ];
    for (input, kind) in cases {
        // Lenient: accepted with at least one diagnostic.
        let lenient = Message::parse(input).expect("lenient parse");
        assert!(!lenient.diagnostics().is_empty(), "{input:?}");
        // Strict: the repair is an error.
        let e = Message::parse_with(input, &strict).err().map(|e| e.kind());
        assert_eq!(e, Some(kind), "{input:?}");
    }
    // A clean message passes strict mode without diagnostics.
    let msg = Message::parse_with(ADT_A01, &strict).expect("clean");
    assert!(msg.diagnostics().is_empty());
}

#[test]
fn limits() {
    let cfg = ParseConfig::default().max_message_len(ADT_A01.len() - 1);
    let e = Message::parse_with(ADT_A01, &cfg).expect_err("too long");
    assert_eq!(
        e.kind(),
        ErrorKind::MessageTooLong {
            max: ADT_A01.len() - 1
        }
    );
    assert!(Message::parse_with(
        ADT_A01,
        &ParseConfig::default().max_message_len(ADT_A01.len())
    )
    .is_ok());

    let cfg = ParseConfig::default().max_segments(4);
    let e = Message::parse_with(ADT_A01, &cfg).expect_err("too many");
    assert_eq!(e.kind(), ErrorKind::TooManySegments { max: 4 });
    // The offset is the start of the first segment over the limit (PV1).
    assert_eq!(&ADT_A01[e.offset()..e.offset() + 3], b"PV1");
    assert!(Message::parse_with(ADT_A01, &ParseConfig::default().max_segments(5)).is_ok());

    // The same limits through a reusable parser and index.
    let parser = Parser::new(ParseConfig::default().max_segments(1));
    let mut index = Index::new();
    let e = parser
        .parse_into(ADT_A01, &mut index)
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::TooManySegments { max: 1 }));
    // And an owned buffer.
    let e = MessageBuf::parse_with(
        ADT_A01.to_vec(),
        &ParseConfig::default().max_message_len(10),
    )
    .err()
    .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::MessageTooLong { max: 10 }));
    // Displays name the limit, never content.
    let shown = Message::parse_with(ADT_A01, &ParseConfig::default().max_segments(2))
        .err()
        .map(|e| e.to_string());
    let pid_at = ADT_A01
        .windows(4)
        .position(|w| w == b"\rPID")
        .map(|i| i + 1);
    assert_eq!(
        shown,
        pid_at.map(|at| format!("message has more than the limit of 2 segments at byte {at}"))
    );
}

#[test]
fn invalid_segment_id_reported() -> TestResult {
    let input = b"MSH|^~\\&|A\rpid|1\rPI|2\rPIDX|3\r|4\rZ01|5\r";
    let msg = Message::parse(input)?;
    assert_eq!(msg.segment_count(), 6);
    let offsets: Vec<usize> = msg
        .diagnostics()
        .iter()
        .filter(|d| d.kind == DiagnosticKind::InvalidSegmentId)
        .map(|d| d.offset)
        .collect();
    assert_eq!(offsets, [11, 17, 22, 29]);
    // Z01 is a valid (local) identifier.
    assert_eq!(s(&msg, "Z01-1").as_deref(), Some("5"));
    // Invalid segments are still readable by position.
    assert_eq!(msg.segment(3).map(|s| s.id()), Some(&b"PIDX"[..]));
    assert_eq!(
        msg.segment(3).and_then(|s| s.field(1)).map(|f| f.raw()),
        Some(&b"3"[..])
    );
    assert_eq!(msg.segment(4).map(|s| s.id()), Some(&b""[..]));
    // Strict: an error with the segment's position.
    let e = Message::parse_with(input, &ParseConfig::strict()).expect_err("strict rejects");
    assert_eq!(e.kind(), ErrorKind::InvalidSegmentId);
    assert_eq!(e.offset(), 11);
    assert_eq!(e.location().and_then(|l| l.segment_index()), Some(1));
    Ok(())
}

#[test]
fn header_segment_without_separator_does_not_panic() -> TestResult {
    // A second MSH with nothing after the identifier (e.g. a truncated concatenation).
    for input in [
        &b"MSH|^~\\&|A\rMSH"[..],
        b"MSH|^~\\&|A\rMSH\r",
        b"MSH|^~\\&|A\rBHS\rFHS",
    ] {
        let msg = Message::parse(input)?;
        for seg in msg.segments() {
            for n in 0..4 {
                if let Some(f) = seg.field(n) {
                    let _ = f.decoded();
                }
            }
            let _ = seg.fields().count();
        }
        let last = msg.segment(1).expect("second segment");
        assert_eq!(last.field_count(), 0);
        assert!(last.field(1).is_none());
        assert_eq!(s(&msg, "MSH[2]-1"), None);
        assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), input);
    }
    Ok(())
}

#[test]
fn msh18_character_set() -> TestResult {
    let msg = Message::parse(b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||8859/1\rPID|1||||M\xfcller")?;
    assert_eq!(msg.charset(), carewire_hl7::Charset::Latin1);
    assert_eq!(s(&msg, "PID-5").as_deref(), Some("M\u{fc}ller"));
    let msg = Message::parse(b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||NOPE\r")?;
    assert_eq!(kinds(&msg), [DiagnosticKind::UnknownCharset]);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// No payload in Display or Debug
// ---------------------------------------------------------------------------------------

#[test]
fn error_display_has_no_payload() -> TestResult {
    const SECRET: &str = "ZZTOPSECRET";
    // A message with the secret in every field, component and subcomponent, in a
    // segment identifier, in a free-text line without separators, and in bad escapes.
    let input = b"MSH|^~\\&|ZZTOPSECRET|ZZTOPSECRET^ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET^ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET|ZZTOPSECRET\r\
PID|ZZTOPSECRET|ZZTOPSECRET~ZZTOPSECRET|ZZTOPSECRET^ZZTOPSECRET&ZZTOPSECRET|\\ZZTOPSECRET\\|\\XZZTOPSECRET\\|\\.ZZTOPSECRET\\|\\ZZTOPSECRET\r\
ZZTOPSECRET|ZZTOPSECRET\r\
ZZTOPSECRET with text and no separator\r\
OBX|1|TX|||ZZTOPSECRET\xff\xfe\r";
    let mut shown: Vec<String> = Vec::new();
    let mut show = |d: &dyn std::fmt::Debug, s: Option<&dyn std::fmt::Display>| {
        shown.push(format!("{d:?}"));
        shown.push(format!("{d:#?}"));
        if let Some(s) = s {
            shown.push(s.to_string());
        }
    };

    let msg = Message::parse(input)?;
    assert!(!msg.diagnostics().is_empty());
    show(&msg, None);
    // `Header`'s Debug shows MSH-9 and MSH-12 by design (routing codes, not patient
    // data), so it is exercised but not part of the check.
    let _ = format!("{:?}", msg.header());
    show(msg.index(), None);
    for d in msg.diagnostics() {
        show(d, Some(d));
    }
    let mut diags = Vec::new();
    for seg in msg.segments() {
        show(&seg, None);
        show(&seg.location(), Some(&seg.location()));
        for f in seg.fields() {
            show(&f, None);
            let v: carewire_hl7::Value<'_> = *f;
            show(&v, None);
            let _ = f.decode_report(&DecodeOptions::default(), Some(&mut diags));
            for r in f.repetitions() {
                show(&r, None);
                for c in r.components() {
                    show(&c, None);
                    for sc in c.subcomponents() {
                        show(&sc, None);
                        let _ = sc.decode_report(&DecodeOptions::default(), Some(&mut diags));
                    }
                }
            }
        }
    }
    assert!(!diags.is_empty());
    for d in &diags {
        show(d, Some(d));
    }
    let buf = msg.to_owned_buf();
    show(&buf, None);
    let mut b = MessageBuilder::from_message(&msg);
    show(&b, None);
    b.set("PID-9", SECRET)?;
    show(&b, None);

    // Errors: strict mode (unknown MSH-18, invalid segment id), invalid path, invalid
    // edit, limits.
    let strict = Message::parse_with(input, &ParseConfig::strict()).expect_err("strict");
    assert_eq!(strict.kind(), ErrorKind::UnknownCharset);
    let mut known_charset = ParseConfig::strict();
    known_charset.allow_unknown_charset = true;
    let bad_id = Message::parse_with(input, &known_charset).expect_err("strict");
    assert_eq!(bad_id.kind(), ErrorKind::InvalidSegmentId);
    let mut errors = vec![strict, bad_id];
    let lf = b"MSH|^~\\&|ZZTOPSECRET\nZZTOPSECRET|ZZTOPSECRET";
    errors.extend(Message::parse_with(lf, &ParseConfig::strict()).err());
    errors.extend(Message::parse_with(input, &ParseConfig::default().max_segments(2)).err());
    errors.extend(Message::parse_with(input, &ParseConfig::default().max_message_len(5)).err());
    errors.extend(Message::parse(b"ZZTOPSECRET|ZZTOPSECRET").err());
    errors.extend(Message::parse(b"MSH|ZZTOPSECRET|").err());
    errors.extend(msg.get_str("ZZTOPSECRET").err());
    errors.extend(Path::parse("PID-ZZTOPSECRET").err());
    errors.extend(b.set("MSH-1", SECRET).err());
    errors.extend(b.set("ZZTOPSECRET-1", SECRET).err());
    errors.extend(b.add_segment("ZZTOPSECRET").err());
    assert!(errors.len() >= 10, "{}", errors.len());
    for e in &errors {
        show(e, Some(e));
        if let Some(l) = e.location() {
            show(&l, Some(&l));
        }
    }

    for text in &shown {
        assert!(!text.contains(SECRET), "payload leaked: {text}");
        assert!(!text.contains("ZZT"), "payload prefix leaked: {text}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

#[test]
fn builder_round_trip() -> TestResult {
    let mut b = MessageBuilder::new();
    b.set("MSH-3", "ADT1")?
        .set("MSH-4", "GOOD HEALTH HOSPITAL")?
        .set("MSH-7", "198808181126")?
        .set("MSH-9.1", "ADT")?
        .set("MSH-9.2", "A01")?
        .set("MSH-9.3", "ADT_A01")?
        .set("MSH-10", "MSG00001")?
        .set("MSH-11", "P")?
        .set("MSH-12", "2.8")?;
    b.set("EVN-1", "A01")?;
    b.set("PID-1", "1")?
        .set("PID-3[1].1", "PATID1234")?
        .set("PID-3[1].4", "GOOD HEALTH HOSPITAL")?
        .set("PID-3[1].5", "MR")?
        .set("PID-3[2].1", "123456789")?
        .set("PID-3[2].4.1", "USSSA")?
        .set("PID-3[2].4.2", "1.2.3")?
        .set("PID-5.1", "EVERYMAN")?
        .set("PID-5.2", "ADAM")?
        .set("PID-11.1", "2222 HOME ST | APT ^2 & ~3 \\ X")?;
    b.set("NTE[1]-3", "line 1\r\nline 2")?;
    b.set("NTE[2]-3", "caf\u{e9}")?;
    b.set_raw("NTE[2]-4", b"raw^value\\T\\")?;
    let bytes = b.to_bytes();
    assert!(bytes.starts_with(
        b"MSH|^~\\&|ADT1|GOOD HEALTH HOSPITAL|||198808181126||ADT^A01^ADT_A01|MSG00001|P|2.8\rEVN|A01\r"
    ));
    assert!(
        bytes.ends_with(b"NTE|||line 1\\X0D\\\\X0A\\line 2\rNTE|||caf\xc3\xa9|raw^value\\T\\\r")
    );

    let msg = Message::parse(&bytes)?;
    assert!(msg.diagnostics().is_empty());
    assert_eq!(msg.segment_count(), 5);
    assert_eq!(s(&msg, "MSH-9.2").as_deref(), Some("A01"));
    assert_eq!(s(&msg, "PID-3[1].5").as_deref(), Some("MR"));
    assert_eq!(s(&msg, "PID-3[2].4.2").as_deref(), Some("1.2.3"));
    assert_eq!(
        s(&msg, "PID-11.1").as_deref(),
        Some("2222 HOME ST | APT ^2 & ~3 \\ X")
    );
    assert_eq!(s(&msg, "NTE-3").as_deref(), Some("line 1\r\nline 2"));
    assert_eq!(s(&msg, "NTE[2]-3").as_deref(), Some("caf\u{e9}"));
    assert_eq!(s(&msg, "NTE[2]-4.2").as_deref(), Some("value&"));
    // build() parses what it wrote.
    let built = b.build()?;
    assert_eq!(built.bytes().as_ref(), bytes.as_slice());
    // Parse → builder → bytes is the identity.
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), bytes);
    assert_eq!(MessageBuilder::from_buf(&built).to_bytes(), bytes);
    let mut w = Vec::new();
    b.write_to(&mut w).expect("write");
    assert_eq!(w, bytes);
    Ok(())
}

#[test]
fn builder_rejects_bad_edits() {
    let mut b = MessageBuilder::new();
    let kind = |r: Result<&mut MessageBuilder, carewire_hl7::Error>| r.err().map(|e| e.kind());
    assert_eq!(kind(b.set("MSH-1", "#")), Some(ErrorKind::InvalidEdit));
    assert_eq!(kind(b.set("MSH-2", "#")), Some(ErrorKind::InvalidEdit));
    assert_eq!(kind(b.set("PID[2]-1", "x")), Some(ErrorKind::InvalidEdit));
    assert_eq!(
        kind(b.set("MSH[2]-3", "x")),
        Some(ErrorKind::InvalidSegmentId)
    );
    assert_eq!(kind(b.set("PID-0", "x")), Some(ErrorKind::InvalidPath));
    assert_eq!(
        b.add_segment("pid").err().map(|e| e.kind()),
        Some(ErrorKind::InvalidSegmentId)
    );
    assert_eq!(
        b.remove_segment(0).err().map(|e| e.kind()),
        Some(ErrorKind::InvalidEdit)
    );
    assert_eq!(
        b.insert_segment(0, "PID").err().map(|e| e.kind()),
        Some(ErrorKind::InvalidEdit)
    );
    assert_eq!(b.to_bytes(), b"MSH|^~\\&\r");
}

#[test]
fn edit_preserves_untouched_bytes() -> TestResult {
    // Odd but legal bytes everywhere: escapes, trailing separators, CRLF, a BOM, a
    // blank line, a Z-segment and a missing final terminator.
    let input: &[u8] = b"\xEF\xBB\xBFMSH|^~\\&|A|B|||||ADT^A01|1|P|2.5|||\r\n\
EVN|A01||\r\n\
PID|1||42^^^MRN~43||O\\S\\Brien^Ann\\T\\Jo||||||\r\n\r\n\
ZXY|keep \\.br\\ this|\\X0D\\|\r\n\
PV1|1|I|W^1^2";
    let msg = Message::parse(input)?;
    let mut b = MessageBuilder::from_message(&msg);
    assert_eq!(b.to_bytes(), input);

    b.set("PID-3[2].1", "44")?;
    let out = b.to_bytes();
    let expected_pid = b"PID|1||42^^^MRN~44||O\\S\\Brien^Ann\\T\\Jo||||||\r\n\r\n";
    assert_eq!(out.len(), input.len());
    let at = find(&out, b"PID|").expect("PID");
    assert_eq!(&out[at..at + expected_pid.len()], expected_pid);
    assert_eq!(&out[..at], &input[..at]);
    assert_eq!(
        &out[at + expected_pid.len()..],
        &input[at + expected_pid.len()..]
    );

    // Editing the last (unterminated) segment keeps it unterminated.
    b.set("PV1-3.3", "9")?;
    assert!(b
        .to_bytes()
        .ends_with(b"ZXY|keep \\.br\\ this|\\X0D\\|\r\nPV1|1|I|W^1^9"));
    // Removing a segment removes exactly its bytes and trailer.
    let zxy = b.segment_id(3).map(<[u8]>::to_vec);
    assert_eq!(zxy.as_deref(), Some(&b"ZXY"[..]));
    b.remove_segment(3)?;
    let out = b.to_bytes();
    assert!(find(&out, b"ZXY").is_none());
    assert!(out.starts_with(b"\xEF\xBB\xBFMSH|^~\\&|A|B|||||ADT^A01|1|P|2.5|||\r\nEVN|A01||\r\n"));
    // Inserting uses the message's terminator; appending after an unterminated last
    // segment terminates it first.
    b.insert_segment(1, "ZIN")?;
    b.add_segment("ZEN")?;
    let out = b.to_bytes();
    assert!(find(&out, b"\r\nZIN\r\nEVN|").is_some());
    assert!(out.ends_with(b"PV1|1|I|W^1^9\r\nZEN\r\n"));
    let reparsed = Message::parse(&out)?;
    assert_eq!(s(&reparsed, "PID-5.1").as_deref(), Some("O^Brien"));
    assert_eq!(s(&reparsed, "PID-3[2].1").as_deref(), Some("44"));
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn append_after_trailing_whitespace_keeps_segment_id() -> TestResult {
    // Bytes after the last terminator (spaces, NUL, an end-of-file SUB) are kept for
    // byte-exact writing; a segment appended later must not start with them.
    for input in [
        &b"MSH|^~\\&|A\rPID|1\r  \x1a"[..],
        b"MSH|^~\\&|A\nPID|1\n\n\t\x00",
        b"MSH|^~\\&|A\r\nPID|1\r\n ",
        b"MSH|^~\\&|A\rPID|1\r\x00\r",
        b"MSH|^~\\&|A\rPID|1\r\r \r\n\t",
    ] {
        let msg = Message::parse(input)?;
        let mut b = MessageBuilder::from_message(&msg);
        assert_eq!(b.to_bytes(), input);
        b.set("ZAP-1", "x")?;
        b.insert_segment(b.segment_count(), "ZAQ")?;
        let out = b.to_bytes();
        let again = Message::parse(&out)?;
        let ids: Vec<&str> = again.segments().map(|s| s.id_str()).collect();
        assert_eq!(ids, ["MSH", "PID", "ZAP", "ZAQ"], "{out:?}");
        assert_eq!(s(&again, "ZAP-1").as_deref(), Some("x"));
        assert!(!again
            .diagnostics()
            .iter()
            .any(|d| d.kind == DiagnosticKind::InvalidSegmentId));
        // The trailing bytes are still there, at the end.
        let tail = &input[input.len() - 1..];
        assert!(out.ends_with(tail));
    }
    Ok(())
}

#[test]
fn builder_without_escape_character_refuses_unwritable_text() -> TestResult {
    // MSH-2 declares only `^`: there is no escape character, so a `|` or `^` in a value
    // cannot be written to read back; that is an error, never a corrupted value.
    let msg = Message::parse(b"MSH|^|A\rPID|1")?;
    let mut b = MessageBuilder::from_message(&msg);
    for text in ["a|b", "a^b", "a\rb", "a\nb"] {
        let e = b.set("PID-2", text).err().map(|e| (e.kind(), e.offset()));
        assert_eq!(e, Some((ErrorKind::Unencodable, 1)), "{text:?}");
    }
    // Anything else is data, `\` and `~` included.
    b.set("PID-2", "a\\F\\~&b")?;
    let out = b.to_bytes();
    assert_eq!(out, b"MSH|^|A\rPID|1|a\\F\\~&b");
    assert_eq!(
        s(&Message::parse(&out)?, "PID-2").as_deref(),
        Some("a\\F\\~&b")
    );
    Ok(())
}
