//! Spec-style examples, each named for what it checks: delimiter detection, leniency,
//! envelopes and their acknowledgment codes, writers, streaming, limits and privacy.

use carewire_x12::{
    write_verbatim, write_with, AckCode, Delimiters, DiagnosticKind, Document, ErrorKind, Field,
    FindingKind, GroupHeader, InterchangeHeader, LineEnding, ParseConfig, SegmentReader,
    SequentialControlNumbers, Writer,
};

/// A standard 106-byte ISA with the given delimiters and control number; `rep` is the
/// ISA11 byte (`U` for none, as in 00401).
fn isa(elem: char, rep: char, comp: char, term: char, ctl: &str) -> String {
    let e = elem;
    format!(
        "ISA{e}00{e}          {e}00{e}          {e}ZZ{e}SENDER         {e}ZZ{e}RECEIVER       \
         {e}240101{e}1200{e}{rep}{e}00501{e}{ctl}{e}0{e}T{e}{comp}{term}"
    )
}

/// A complete interchange: one group, one 837 set with `body` segments.
fn interchange(d: (char, char, char, char), ctl: &str, body: &[&str], nl: &str) -> String {
    let (e, r, c, t) = d;
    let mut s = isa(e, r, c, t, ctl);
    s.push_str(nl);
    let mut push = |seg: String| {
        s.push_str(&seg);
        s.push(t);
        s.push_str(nl);
    };
    push(format!(
        "GS{e}HC{e}S{e}R{e}20240101{e}1200{e}1{e}X{e}005010X222A1"
    ));
    push(format!("ST{e}837{e}0001{e}005010X222A1"));
    for b in body {
        push(b.replace('*', &e.to_string()));
    }
    push(format!("SE{e}{}{e}0001", body.len() + 2));
    push(format!("GE{e}1{e}1"));
    push(format!("IEA{e}1{e}{ctl}"));
    s
}

const STD: (char, char, char, char) = ('*', '^', ':', '~');

fn kinds(doc: &Document<'_>) -> Vec<FindingKind> {
    doc.findings().iter().map(|f| f.kind).collect()
}

fn diag_kinds(doc: &Document<'_>) -> Vec<DiagnosticKind> {
    doc.diagnostics().iter().map(|d| d.kind).collect()
}

#[test]
fn delimiters_come_from_the_fixed_width_isa() {
    let input = interchange(STD, "000000001", &["BHT*0019*00*X"], "");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let d = doc.interchange(0).unwrap().delimiters();
    assert_eq!(d, Delimiters::new(b'*', b':', Some(b'^'), b'~').unwrap());
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    assert!(doc.diagnostics().is_empty());
    assert_eq!(doc.segment_count(), 7);
}

#[test]
fn repetition_separator_u_in_00401_means_none() {
    let input = interchange(('*', 'U', ':', '~'), "000000001", &["HI*A^B"], "");
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.interchange(0).unwrap().delimiters().repetition(), None);
    let hi = doc.segments().find(|s| s.id() == b"HI").unwrap();
    // `^` is data when there is no repetition separator.
    assert_eq!(hi.element(1).unwrap().repetition_count(), 1);
    assert_eq!(hi.element(1).unwrap().raw(), b"A^B");
}

#[test]
fn isa_inside_element_data() {
    let input = interchange(
        STD,
        "000000001",
        &["NM1*ISA*ISA*X", "NTE*ADD*ISA~ISA"],
        "\n",
    );
    // The second body segment holds a terminator: "ISA" then starts a segment whose
    // next byte is the terminator, which is not an element separator.
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.interchange_count(), 1);
    let nm1 = doc.segments().find(|s| s.id() == b"NM1").unwrap();
    assert_eq!(nm1.element(1).unwrap().raw(), b"ISA");
    assert_eq!(nm1.element(2).unwrap().raw(), b"ISA");
}

#[test]
fn lf_as_segment_terminator() {
    let input = interchange(STD_LF, "000000001", &["BHT*0019"], "");
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.interchange(0).unwrap().delimiters().segment(), b'\n');
    assert!(diag_kinds(&doc).contains(&DiagnosticKind::LineBreakTerminator));
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    assert_eq!(doc.segment_count(), 7);
}

const STD_LF: (char, char, char, char) = ('*', '^', ':', '\n');

#[test]
fn cr_as_segment_terminator_with_lf_after_it() {
    let input = interchange(('*', '^', ':', '\r'), "000000001", &["BHT*0019"], "\n");
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.interchange(0).unwrap().delimiters().segment(), b'\r');
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    assert_eq!(doc.segment_count(), 7);
    let bht = doc.segments().find(|s| s.id() == b"BHT").unwrap();
    assert_eq!(bht.trailer(), b"\r\n");
}

#[test]
fn crlf_and_lf_after_terminators_are_line_breaks() {
    for nl in ["\n", "\r\n", "\r"] {
        let input = interchange(STD, "000000001", &["BHT*0019"], nl);
        let doc = Document::parse(input.as_bytes()).unwrap();
        assert_eq!(doc.segment_count(), 7, "{nl:?}");
        assert!(doc.findings().is_empty(), "{nl:?}");
        assert_eq!(diag_kinds(&doc), [DiagnosticKind::LineBreaks]);
        assert_eq!(doc.segment(6).unwrap().raw(), b"IEA*1*000000001");
    }
}

#[test]
fn space_before_the_isa_terminator() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n").replacen(":~", ": ~", 1);
    let doc = Document::parse(input.as_bytes()).unwrap();
    let d = doc.interchange(0).unwrap().delimiters();
    assert_eq!((d.component(), d.segment()), (b':', b'~'));
    assert!(diag_kinds(&doc).contains(&DiagnosticKind::SpaceBeforeTerminator));
    let isa = doc.segment(0).unwrap();
    assert_eq!(isa.element(16).unwrap().raw(), b":");
    assert_eq!(isa.trailer(), b" ~\n");
    assert!(doc.findings().is_empty());
}

#[test]
fn leading_bom_and_whitespace_are_kept_and_reported() {
    let body = interchange(STD, "000000001", &["BHT*0019"], "\r\n");
    let input = format!("\u{FEFF}\r\n  {body}");
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.prefix(), b"\xEF\xBB\xBF\r\n  ");
    assert_eq!(
        &diag_kinds(&doc)[..2],
        [
            DiagnosticKind::LeadingBom,
            DiagnosticKind::LeadingWhitespace
        ]
    );
    let mut out = Vec::new();
    write_verbatim(&doc, &mut out).unwrap();
    assert_eq!(out, input.as_bytes());
    let strict = Document::parse_with(input.as_bytes(), &ParseConfig::strict());
    assert_eq!(strict.unwrap_err().kind(), ErrorKind::StrayBytes);
}

#[test]
fn indented_segments_are_reported_once() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n    ");
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.segment_count(), 7);
    let n = diag_kinds(&doc)
        .iter()
        .filter(|k| **k == DiagnosticKind::Indentation)
        .count();
    assert_eq!(n, 1);
}

#[test]
fn different_delimiters_per_interchange() {
    let a = interchange(STD, "000000001", &["HI*A:1^B:2"], "\n");
    let b = interchange(('|', '!', '>', '\n'), "000000002", &["HI*A>1!B>2"], "");
    let c = interchange(('~', 'U', '^', '_'), "000000003", &["HI*A^1"], "\r\n");
    let input = format!("{a}{b}{c}");
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.interchange_count(), 3);
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    let seps: Vec<u8> = doc
        .interchanges()
        .map(|i| i.delimiters().segment())
        .collect();
    assert_eq!(seps, b"~\n_");
    for ich in doc.interchanges() {
        let set = ich
            .groups()
            .next()
            .unwrap()
            .transaction_sets()
            .next()
            .unwrap();
        let hi = set.segments().find(|s| s.id() == b"HI").unwrap();
        let first = hi.element(1).unwrap();
        assert_eq!(first.component(1).unwrap().raw(), b"A");
        assert_eq!(first.component(2).unwrap().raw(), b"1");
    }
    assert_eq!(doc.interchange(1).unwrap().control_number(), b"000000002");
    assert_eq!(
        doc.interchange(2).unwrap().as_bytes(),
        c.as_bytes(),
        "the last interchange's bytes"
    );
}

#[test]
fn ta1_between_isa_and_gs_is_expected() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n").replacen(
        "GS*",
        "TA1*000000050*240101*1200*A*000~\nGS*",
        1,
    );
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    assert_eq!(doc.interchange(0).unwrap().group_count(), 1);
}

#[test]
fn utf16_is_rejected_with_a_clear_error() {
    let text = interchange(STD, "000000001", &["BHT*0019"], "");
    let utf16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let err = Document::parse(&utf16).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Utf16);
    assert!(err.to_string().contains("UTF-16"));
    let err = SegmentReader::new(&utf16[..]).next().unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Utf16);
}

#[test]
fn input_without_isa_is_an_error() {
    let err = Document::parse(b"ST*835*1234~BPR*I~SE*3*1234~").unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::MissingIsa, 0));
    assert_eq!(Document::parse(b"").unwrap_err().kind(), ErrorKind::Empty);
    assert_eq!(
        Document::parse(b" \r\n").unwrap_err().kind(),
        ErrorKind::Empty
    );
}

#[test]
fn truncated_isa_is_an_error() {
    let full = isa('*', '^', ':', '~', "000000001");
    for cut in [4, 50, 104, 105] {
        let err = Document::parse(&full.as_bytes()[..cut]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TruncatedIsa, "cut at {cut}");
    }
}

#[test]
fn alphanumeric_delimiters_are_rejected() {
    let bad = isa('*', '^', 'A', '~', "000000001");
    assert_eq!(
        Document::parse(bad.as_bytes()).unwrap_err().kind(),
        ErrorKind::InvalidDelimiters
    );
    let same = isa('*', '^', ':', ':', "000000001");
    assert_eq!(
        Document::parse(same.as_bytes()).unwrap_err().kind(),
        ErrorKind::InvalidDelimiters
    );
}

#[test]
fn nonstandard_isa_widths_are_found_by_counting_and_reported() {
    // ISA02 one space short, as in a real file that broke fixed-offset readers.
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n").replacen(
        "*          *00",
        "*         *00",
        1,
    );
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.interchange(0).unwrap().delimiters().component(), b':');
    assert!(diag_kinds(&doc).contains(&DiagnosticKind::NonStandardIsa));
    let f = doc.findings()[0];
    assert_eq!(f.kind, FindingKind::IsaElementWidth { element: 2 });
    assert_eq!(f.ack_code(), AckCode::Ta1Note("011"));
    assert_eq!(f.location.to_string(), "ISA02 (segment 1)");
    let strict = Document::parse_with(input.as_bytes(), &ParseConfig::strict());
    assert_eq!(strict.unwrap_err().kind(), ErrorKind::NonStandardIsa);
}

#[test]
fn control_number_mismatches_map_to_ta1_ak9_and_ik5_codes() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n")
        .replace("SE*3*0001", "SE*3*0002")
        .replace("GE*1*1", "GE*1*2")
        .replace("IEA*1*000000001", "IEA*1*000000009");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let codes: Vec<(FindingKind, AckCode)> = doc
        .findings()
        .iter()
        .map(|f| (f.kind, f.ack_code()))
        .collect();
    assert_eq!(
        codes,
        [
            (
                FindingKind::InterchangeControlNumberMismatch,
                AckCode::Ta1Note("001")
            ),
            (FindingKind::GroupControlNumberMismatch, AckCode::Ak9("4")),
            (FindingKind::SetControlNumberMismatch, AckCode::Ik5("3")),
        ]
    );
}

#[test]
fn count_mismatches_map_to_ta1_ak9_and_ik5_codes() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n")
        .replace("SE*3*0001", "SE*4*0001")
        .replace("GE*1*1", "GE*2*1")
        .replace("IEA*1*", "IEA*0*");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let codes: Vec<AckCode> = doc.findings().iter().map(|f| f.ack_code()).collect();
    assert_eq!(
        codes,
        [
            AckCode::Ta1Note("021"),
            AckCode::Ak9("5"),
            AckCode::Ik5("4")
        ]
    );
    assert_eq!(doc.findings()[2].location.to_string(), "SE01 (segment 5)");
}

#[test]
fn missing_trailers_are_findings_not_errors() {
    let full = interchange(STD, "000000001", &["BHT*0019"], "\n");
    let cut = full.split("SE*").next().unwrap();
    let doc = Document::parse(cut.as_bytes()).unwrap();
    assert_eq!(
        kinds(&doc),
        [
            FindingKind::MissingSe,
            FindingKind::MissingGe,
            FindingKind::MissingIea
        ]
    );
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    assert_eq!(set.segment_count(), 2, "ST and BHT stay in the set");
    assert!(set.se().is_none());
}

#[test]
fn unexpected_segment_is_kept_and_reported() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n")
        .replacen("ST*", "ZZZ*1~\nST*", 1)
        .replacen("IEA*", "XX*2~\nIEA*", 1);
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(
        kinds(&doc),
        [
            FindingKind::UnexpectedSegment,
            FindingKind::UnexpectedSegment
        ]
    );
    assert_eq!(doc.findings()[0].ack_code(), AckCode::Ta1Note("022"));
    assert_eq!(doc.segment_count(), 9);
    let group = doc.interchange(0).unwrap().groups().next().unwrap();
    assert!(group.segments().any(|s| s.id() == b"ZZZ"));
    assert!(doc
        .interchange(0)
        .unwrap()
        .segments()
        .any(|s| s.id() == b"XX"));
}

#[test]
fn isa_date_time_and_value_checks() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n")
        .replacen("*240101*1200*", "*241301*2460*", 1)
        .replacen("*0*T*", "*2*X*", 1);
    let doc = Document::parse(input.as_bytes()).unwrap();
    let codes: Vec<&str> = doc.findings().iter().map(|f| f.ack_code().code()).collect();
    assert_eq!(codes, ["019", "020", "014", "015"]);
}

#[test]
fn duplicate_control_numbers_are_reported() {
    let one = interchange(STD, "000000001", &["BHT*0019"], "\n");
    let input = format!("{one}{one}");
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(
        kinds(&doc),
        [FindingKind::DuplicateInterchangeControlNumber]
    );
    assert_eq!(doc.findings()[0].interchange, 1);
    assert_eq!(doc.findings()[0].ack_code(), AckCode::Ta1Note("025"));
}

#[test]
fn set_identifier_must_belong_to_the_group() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n").replacen("ST*837", "ST*271", 1);
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(kinds(&doc), [FindingKind::InvalidSetIdentifier]);
    assert_eq!(doc.findings()[0].ack_code(), AckCode::Ik5("6"));
}

#[test]
fn components_and_repetitions_split_lazily() {
    let input = interchange(STD, "000000001", &["HI*ABK:J209^ABF:R05:D8**X"], "");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let hi = doc.segments().find(|s| s.id() == b"HI").unwrap();
    assert_eq!(hi.element_count(), 3);
    let e = hi.element(1).unwrap();
    assert_eq!(e.repetition_count(), 2);
    let r2 = e.repetition(2).unwrap();
    assert_eq!(r2.component_count(), 3);
    assert_eq!(r2.component(3).unwrap().decoded(), "D8");
    assert!(r2.component(4).is_none());
    assert!(hi.element(2).unwrap().is_empty());
    assert!(hi.element(4).is_none());
    assert!(hi.element(0).is_none());
    assert_eq!(hi.raw_element(3), b"X");
}

#[test]
fn isa_elements_are_never_split() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let isa = doc.segment(0).unwrap();
    assert_eq!(isa.element_count(), 16);
    assert_eq!(isa.element(11).unwrap().repetition_count(), 1);
    assert_eq!(isa.element(11).unwrap().raw(), b"^");
    assert_eq!(isa.element(16).unwrap().component_count_first(), 1);
}

trait FirstCount {
    fn component_count_first(&self) -> usize;
}

impl FirstCount for carewire_x12::Element<'_> {
    fn component_count_first(&self) -> usize {
        self.repetition(1).map_or(0, |r| r.component_count())
    }
}

#[test]
fn empty_segments_and_missing_final_terminator_are_tolerated() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "")
        .replacen("~ST*", "~~ST*", 1)
        .trim_end_matches('~')
        .to_string();
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert_eq!(doc.segment_count(), 7);
    let d = diag_kinds(&doc);
    assert!(d.contains(&DiagnosticKind::EmptySegment));
    assert!(d.contains(&DiagnosticKind::MissingTerminator));
    assert!(doc.findings().is_empty());
}

#[test]
fn debug_and_display_never_print_payload() {
    let secret = "SECRETNAME";
    let input = interchange(STD, "000000001", &[&format!("NM1*IL*1*{secret}")], "");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let nm1 = doc.segments().find(|s| s.id() == b"NM1").unwrap();
    let el = nm1.element(3).unwrap();
    let ich = doc.interchange(0).unwrap();
    let set = ich
        .groups()
        .next()
        .unwrap()
        .transaction_sets()
        .next()
        .unwrap();
    let text = format!(
        "{doc:?}{nm1:?}{el:?}{:?}{ich:?}{set:?}{:?}{:?}",
        el.repetition(1),
        el.component(1),
        doc.index()
    );
    assert!(!text.contains(secret), "{text}");
    // A line of payload broken off by a stray terminator is not an identifier.
    let broken = interchange(STD, "000000001", &["NTE*A~SECRET DATA*X"], "");
    let doc = Document::parse(broken.as_bytes()).unwrap();
    let text = format!("{:?}", doc.segments().collect::<Vec<_>>());
    assert!(!text.contains("SECRET"), "{text}");
    let err = Document::parse(b"XSECRET").unwrap_err();
    assert!(!format!("{err}{err:?}").contains("SECRET"));
}

#[test]
fn error_display_states_what_and_where() {
    let err = Document::parse(b"  GS*HC~").unwrap_err();
    assert_eq!(
        err.to_string(),
        "input does not start with an ISA segment at byte 2"
    );
    let input =
        interchange(STD, "000000001", &["BHT*0019"], "").replacen("ZZ*SENDER", "ZZ*SENDE", 1);
    let err = Document::parse_with(input.as_bytes(), &ParseConfig::strict()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ISA elements do not have their fixed widths at byte 0, ISA (segment 1)"
    );
    let input = interchange(STD, "000000001", &["BHT*0019"], "").replace("SE*3*", "SE*9*");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let f = doc.findings()[0];
    assert_eq!(
        f.to_string(),
        format!(
            "SE01 does not match the number of segments at byte {}, SE01 (segment 5): IK5 4",
            f.offset
        )
    );
}

#[test]
fn max_segments_limit() {
    let input = interchange(STD, "000000001", &["BHT*0019"; 20], "");
    let config = ParseConfig::new().max_segments(10);
    let err = Document::parse_with(input.as_bytes(), &config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooManySegments { max: 10 });
    assert!(Document::parse_with(input.as_bytes(), &ParseConfig::new().max_segments(26)).is_ok());
}

#[test]
fn max_interchange_len_limit() {
    let input = interchange(STD, "000000001", &["BHT*0019"; 20], "");
    let config = ParseConfig::new().max_interchange_len(200);
    let err = Document::parse_with(input.as_bytes(), &config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InterchangeTooLong { max: 200 });
    // The limit is per interchange: two that each fit pass.
    let one = interchange(STD, "000000001", &[], "");
    let two = format!("{one}{}", interchange(STD, "000000002", &[], ""));
    let config = ParseConfig::new().max_interchange_len(one.len());
    assert!(Document::parse_with(two.as_bytes(), &config).is_ok());
}

#[test]
fn strict_config_rejects_line_breaks_and_bad_ids() {
    let input = interchange(STD, "000000001", &["BHT*0019"], "\n");
    let err = Document::parse_with(input.as_bytes(), &ParseConfig::strict()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StrayBytes);
    let input = interchange(STD, "000000001", &["bht*0019"], "");
    assert!(Document::parse(input.as_bytes()).is_ok());
    let err = Document::parse_with(input.as_bytes(), &ParseConfig::strict()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSegmentId);
}

#[test]
fn parsed_input_writes_back_byte_for_byte() {
    let input = format!(
        "\u{FEFF}{}{}",
        interchange(STD, "000000001", &["BHT*0019"], "\r\n  "),
        interchange(('|', 'U', '>', '\r'), "000000002", &["NM1|ISA"], "\n")
    );
    let doc = Document::parse(input.as_bytes()).unwrap();
    let mut out = Vec::new();
    write_verbatim(&doc, &mut out).unwrap();
    assert_eq!(out, input.as_bytes());
}

#[test]
fn write_with_other_delimiters_reads_back_equal() {
    let input = interchange(
        STD,
        "000000001",
        &["HI*ABK:J209^ABF:R05", "NM1*IL*1*DOE"],
        "\n",
    );
    let doc = Document::parse(input.as_bytes()).unwrap();
    let to = Delimiters::new(b'|', b'>', Some(b'!'), b'\n').unwrap();
    let mut out = Vec::new();
    write_with(&doc, to, LineEnding::None, &mut out).unwrap();
    let back = Document::parse(&out).unwrap();
    assert!(back.findings().is_empty());
    assert_eq!(back.interchange(0).unwrap().delimiters(), to);
    let hi = back.segments().find(|s| s.id() == b"HI").unwrap();
    assert_eq!(hi.raw(), b"HI|ABK>J209!ABF>R05");
    // And back to the original delimiters and line ending: the original bytes.
    let mut again = Vec::new();
    write_with(&back, Delimiters::default(), LineEnding::Lf, &mut again).unwrap();
    assert_eq!(again, input.as_bytes());
}

#[test]
fn write_with_refuses_a_delimiter_in_data() {
    let input = interchange(STD, "000000001", &["NTE*ADD*A|B"], "");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let to = Delimiters::new(b'|', b'>', Some(b'!'), b'~').unwrap();
    let err = write_with(&doc, to, LineEnding::Lf, Vec::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DelimiterInData);
    assert_eq!(&input.as_bytes()[err.offset()..err.offset() + 1], b"|");
}

fn header() -> InterchangeHeader {
    InterchangeHeader::new("SENDER", "RECEIVER", "240101", "1200").test()
}

fn group() -> GroupHeader {
    GroupHeader::new("HC", "S", "R", "20240101", "1200", "005010X222A1")
}

#[test]
fn writer_pads_isa_and_computes_counts_and_control_numbers() {
    let mut numbers = SequentialControlNumbers::starting_at(5);
    let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::CrLf);
    assert_eq!(w.begin_interchange(&header(), &mut numbers).unwrap(), 5);
    w.begin_group(&group(), &mut numbers).unwrap();
    for _ in 0..2 {
        w.begin_transaction_set("837", Some("005010X222A1"), &mut numbers)
            .unwrap();
        w.segment("BHT", &["0019".into(), "00".into()]).unwrap();
        w.segment(
            "CLM",
            &[
                "A1".into(),
                "100".into(),
                Field::Composite(&["11", "B", "1"]),
            ],
        )
        .unwrap();
        w.end_transaction_set().unwrap();
    }
    w.end_group().unwrap();
    w.end_interchange().unwrap();
    let out = w.into_inner().unwrap();
    let doc = Document::parse(&out).unwrap();
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    let isa = doc.segment(0).unwrap();
    assert_eq!(isa.raw().len(), 105);
    assert_eq!(isa.element(6).unwrap().raw(), b"SENDER         ");
    assert_eq!(isa.element(13).unwrap().raw(), b"000000005");
    assert_eq!(isa.element(15).unwrap().raw(), b"T");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("SE*4*0005~\r\n"));
    assert!(text.contains("SE*4*0006~\r\n"));
    assert!(text.ends_with("GE*2*5~\r\nIEA*1*000000005~\r\n"));
}

#[test]
fn writer_refuses_out_of_order_calls_and_delimiters_in_data() {
    let mut numbers = SequentialControlNumbers::default();
    let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::None);
    assert_eq!(
        w.segment("BHT", &[]).unwrap_err().kind(),
        ErrorKind::InvalidWriterState
    );
    assert_eq!(
        w.end_group().unwrap_err().kind(),
        ErrorKind::InvalidWriterState
    );
    let mut long = header();
    long.sender_id = "SIXTEEN CHARS 16".into();
    assert_eq!(
        w.begin_interchange(&long, &mut numbers).unwrap_err().kind(),
        ErrorKind::InvalidValue
    );
    w.begin_interchange(&header(), &mut numbers).unwrap();
    w.begin_group(&group(), &mut numbers).unwrap();
    w.begin_transaction_set("837", None, &mut numbers).unwrap();
    assert_eq!(
        w.segment("NTE", &["A*B".into()]).unwrap_err().kind(),
        ErrorKind::DelimiterInData
    );
    assert_eq!(
        w.segment("nte", &["A".into()]).unwrap_err().kind(),
        ErrorKind::InvalidSegmentId
    );
    // An ISA inside a set would open an interchange when read back.
    assert_eq!(
        w.segment("ISA", &["00".into()]).unwrap_err().kind(),
        ErrorKind::InvalidSegmentId
    );
    assert_eq!(
        w.into_inner().unwrap_err().kind(),
        ErrorKind::InvalidWriterState
    );
}

#[test]
fn writer_copies_parsed_segments_into_new_delimiters() {
    let input = interchange(STD, "000000001", &["HI*ABK:J209^ABF:R05"], "");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let mut numbers = SequentialControlNumbers::default();
    let to = Delimiters::new(b'+', b'<', Some(b'`'), b'\'').unwrap();
    let mut w = Writer::new(Vec::new(), to, LineEnding::Lf);
    w.begin_interchange(&header(), &mut numbers).unwrap();
    w.begin_group(&group(), &mut numbers).unwrap();
    w.begin_transaction_set("837", None, &mut numbers).unwrap();
    for seg in doc.segments().filter(|s| s.id() == b"HI") {
        w.write_segment(&seg).unwrap();
    }
    w.end_transaction_set().unwrap();
    w.end_group().unwrap();
    w.end_interchange().unwrap();
    let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert!(
        out.contains("\nHI+ABK<J209`ABF<R05'\nSE+3+0001'\n"),
        "{out}"
    );
}

#[test]
fn stream_reader_matches_the_slice_parser() {
    let input = format!(
        "\u{FEFF}\n{}{}",
        interchange(STD, "000000001", &["HI*A:1^B:2", "NM1*ISA"], "\r\n "),
        interchange(('|', 'U', '>', '\n'), "000000002", &["NM1|X"], "")
    );
    let doc = Document::parse(input.as_bytes()).unwrap();
    for cap in [1, 3, 64, 8192] {
        let mut reader =
            SegmentReader::new(std::io::BufReader::with_capacity(cap, input.as_bytes()));
        let mut rebuilt = Vec::new();
        let mut n = 0;
        for (seg, slice) in (&mut reader).zip(doc.segments()) {
            let seg = seg.unwrap();
            assert_eq!(seg.raw(), slice.raw());
            assert_eq!(seg.trailer(), slice.trailer());
            assert_eq!(seg.offset() as usize, slice.offset());
            assert_eq!(seg.element_count(), slice.element_count());
            assert_eq!(seg.delimiters(), slice.delimiters());
            for k in 1..=seg.element_count() {
                assert_eq!(
                    seg.element(k).unwrap().raw(),
                    slice.element(k).unwrap().raw()
                );
                assert_eq!(seg.raw_element(k), slice.raw_element(k));
            }
            assert_eq!(seg.elements().count(), slice.elements().count());
            rebuilt.extend_from_slice(seg.as_bytes());
            n += 1;
        }
        assert_eq!(n, doc.segment_count());
        assert!(reader.next().is_none());
        let mut all = reader.prefix().to_vec();
        all.extend_from_slice(&rebuilt);
        assert_eq!(all, input.as_bytes(), "capacity {cap}");
    }
}

#[test]
fn stream_reader_memory_stays_bounded() {
    // 20,000 segments: the buffer holds one segment and a read-ahead, never the stream.
    let body: Vec<String> = (0..20_000).map(|i| format!("REF*EA*{i:08}")).collect();
    let refs: Vec<&str> = body.iter().map(String::as_str).collect();
    let input = interchange(STD, "000000001", &refs, "\n");
    let mut reader = SegmentReader::new(std::io::BufReader::new(input.as_bytes()));
    let mut count = 0;
    while let Some(seg) = reader.next() {
        seg.unwrap();
        count += 1;
        assert!(
            reader.buffer_capacity() < 16 * 1024,
            "{}",
            reader.buffer_capacity()
        );
    }
    assert_eq!(count, 20_006);
}

#[test]
fn stream_reader_refuses_an_overlong_segment() {
    let long = format!("NTE*ADD*{}", "A".repeat(5000));
    let input = interchange(STD, "000000001", &[&long], "");
    let config = ParseConfig::new().max_segment_len(1000);
    let results: Vec<_> = SegmentReader::with_config(input.as_bytes(), config).collect();
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SegmentTooLong { max: 1000 });
    assert_eq!(results.len(), 4, "ISA, GS, ST, then the error");
}

#[test]
fn ta1_answers_an_interchange_from_its_findings() {
    use carewire_x12::{Ta1, Ta1Status};
    let clean = interchange(STD, "000000007", &["BHT*0019"], "\n");
    let doc = Document::parse(clean.as_bytes()).unwrap();
    let ta1 = Ta1::for_interchange(&doc.interchange(0).unwrap());
    assert_eq!(
        (ta1.status, ta1.note.as_str()),
        (Ta1Status::Accepted, "000")
    );
    assert_eq!(
        (
            ta1.control_number.as_str(),
            ta1.date.as_str(),
            ta1.time.as_str()
        ),
        ("000000007", "240101", "1200")
    );
    // ISA14 "2": an invalid acknowledgment-requested value rejects the interchange.
    let bad = clean.replacen("*0*T*", "*2*T*", 1);
    let doc = Document::parse(bad.as_bytes()).unwrap();
    let ta1 = Ta1::for_interchange(&doc.interchange(0).unwrap());
    assert_eq!(
        (ta1.status, ta1.note.as_str()),
        (Ta1Status::Rejected, "019")
    );
    assert!(!format!("{ta1:?}").contains("000000007"));
    // Set-level findings do not affect the TA1.
    let set_only = clean.replace("SE*3*0001", "SE*9*0001");
    let doc = Document::parse(set_only.as_bytes()).unwrap();
    let ta1 = Ta1::for_interchange(&doc.interchange(0).unwrap());
    assert_eq!(ta1.status, Ta1Status::Accepted);
    // Written into a reply interchange, it reads back as a TA1 before any group.
    let mut numbers = SequentialControlNumbers::default();
    let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
    w.begin_interchange(&header(), &mut numbers).unwrap();
    w.ta1(&ta1).unwrap();
    w.begin_group(&group(), &mut numbers).unwrap();
    assert_eq!(
        w.ta1(&ta1).unwrap_err().kind(),
        ErrorKind::InvalidWriterState
    );
    w.end_group().unwrap();
    w.end_interchange().unwrap();
    let out = w.into_inner().unwrap();
    let reply = Document::parse(&out).unwrap();
    assert!(reply.findings().is_empty(), "{:?}", reply.findings());
    assert_eq!(
        reply.segment(1).unwrap().raw(),
        b"TA1*000000007*240101*1200*A*000"
    );
}

#[test]
fn envelope_structure_errors_are_findings_with_the_tree_kept() {
    let base = interchange(STD, "000000001", &["BHT*0019"], "\n");
    // A GS without GE, then another GS: the first group is closed at the second.
    let no_ge = base.replacen("GE*1*1~\n", "", 1).replacen(
        "IEA*1*",
        "GS*HC*S*R*20240101*1200*2*X*005010X222A1~\nST*837*0002*005010X222A1~\nSE*2*0002~\nGE*1*2~\nIEA*2*",
        1,
    );
    let doc = Document::parse(no_ge.as_bytes()).unwrap();
    assert_eq!(kinds(&doc), [FindingKind::MissingGe]);
    let ich = doc.interchange(0).unwrap();
    assert_eq!(ich.group_count(), 2);
    let sets: Vec<usize> = ich.groups().map(|g| g.transaction_set_count()).collect();
    assert_eq!(sets, [1, 1]);

    // ST without SE followed by another ST: both sets are kept.
    let no_se = base
        .replacen("SE*3*0001~\n", "ST*837*0002*005010X222A1~\nSE*2*0002~\n", 1)
        .replacen("GE*1*1", "GE*2*1", 1);
    let doc = Document::parse(no_se.as_bytes()).unwrap();
    assert_eq!(kinds(&doc), [FindingKind::MissingSe]);
    let group = doc.interchange(0).unwrap().groups().next().unwrap();
    let counts: Vec<usize> = group
        .transaction_sets()
        .map(|s| s.segment_count())
        .collect();
    assert_eq!(counts, [2, 2]);

    // SE and GE without their headers, and a segment after IEA.
    let orphans = format!(
        "{}SE*1*9~\nGE*0*9~\n",
        base.replacen("GS*", "SE*1*9~\nGS*", 1)
    );
    let doc = Document::parse(orphans.as_bytes()).unwrap();
    assert_eq!(
        kinds(&doc),
        [
            FindingKind::UnexpectedSegment,
            FindingKind::UnexpectedSegment
        ]
    );
    assert_eq!(doc.segment_count(), 10);

    // A missing IEA before the next ISA.
    let two = format!(
        "{}{}",
        base.replacen("IEA*1*000000001~\n", "", 1),
        interchange(STD, "000000002", &["BHT*0019"], "\n")
    );
    let doc = Document::parse(two.as_bytes()).unwrap();
    assert_eq!(doc.interchange_count(), 2);
    assert_eq!(kinds(&doc), [FindingKind::MissingIea]);
    assert_eq!(doc.findings()[0].interchange, 0);

    // ST directly inside the interchange (no GS): kept, reported once for the run.
    let no_gs = base.replacen("GS*HC*S*R*20240101*1200*1*X*005010X222A1~\n", "", 1);
    let doc = Document::parse(no_gs.as_bytes()).unwrap();
    assert_eq!(
        kinds(&doc),
        [
            FindingKind::UnexpectedSegment,
            FindingKind::GroupCountMismatch
        ]
    );
    assert_eq!(doc.interchange(0).unwrap().group_count(), 0);
    assert_eq!(doc.segment_count(), 6);
}

#[test]
fn scanner_asks_for_more_bytes_instead_of_failing() {
    use carewire_x12::{Scanner, Status};
    let input = interchange(STD, "000000001", &["BHT*0019"], "\r\n");
    let bytes = input.as_bytes();
    let mut scanner = Scanner::new(ParseConfig::default());
    // Any prefix shorter than the ISA window is "need more", never an error.
    for cut in [0, 3, 6, 50, 105, 106, 107] {
        assert_eq!(
            scanner.next(&bytes[..cut], false).unwrap(),
            Status::Partial,
            "{cut}"
        );
    }
    // The same prefix at end of input is a truncated ISA.
    let err = Scanner::new(ParseConfig::default())
        .next(&bytes[..50], true)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TruncatedIsa);
    // An ISA is decided on its 424-byte window (or the end of input), as the slice
    // parser decides it; this interchange is shorter.
    assert_eq!(scanner.next(bytes, false).unwrap(), Status::Partial);
    let Status::Complete(isa) = scanner.next(bytes, true).unwrap() else {
        panic!("ISA should be complete");
    };
    assert_eq!((isa.content_len, isa.len, isa.header), (105, 108, true));
    let rest = &bytes[isa.len..];
    let gs_end = rest.iter().position(|&b| b == b'~').unwrap();
    assert_eq!(
        scanner.next(&rest[..gs_end + 1], false).unwrap(),
        Status::Partial
    );
    let Status::Complete(gs) = scanner.next(&rest[..gs_end + 4], false).unwrap() else {
        panic!("GS should be complete once a byte after its trailer is seen");
    };
    assert_eq!(gs.len, gs_end + 3);
    assert_eq!(scanner.next(&[], true).unwrap(), Status::End);
    // Limits hold without the whole segment in memory.
    let long = format!("{}NTE*{}", isa_only(), "A".repeat(5000));
    let mut scanner = Scanner::new(ParseConfig::new().max_segment_len(1000));
    let Status::Complete(first) = scanner.next(long.as_bytes(), false).unwrap() else {
        panic!("ISA");
    };
    let err = scanner
        .next(&long.as_bytes()[first.len..], false)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SegmentTooLong { max: 1000 });
}

fn isa_only() -> String {
    isa('*', '^', ':', '~', "000000001")
}
