//! Validation: SNIP 1 syntax, SNIP 2 guide requirements, SNIP 3 balancing, and the
//! pluggable external code lists.

#[path = "common/interchange.rs"]
mod interchange;

use carewire_x12::{
    gen, validate, AckCode, BalanceError, CodeListProvider, Document, ElementError, Issue,
    IssueKind, SegmentError, Severity, Validator,
};

/// An interchange around the given 837P body (ST..SE computed).
fn p837(body: &[&str]) -> Vec<u8> {
    set("HC", "837", "005010X222A1", body)
}

fn set(gs01: &str, st01: &str, version: &str, body: &[&str]) -> Vec<u8> {
    interchange::set(gs01, st01, version, body)
}

const P837_CLEAN: &[&str] = &[
    "BHT*0019*00*1*20240101*1200*CH",
    "NM1*41*2*SUBMITTER*****46*S1234",
    "PER*IC*JANE*TE*5555551234",
    "NM1*40*2*RECEIVER*****46*R1234",
    "HL*1**20*1",
    "NM1*85*2*BILLING*****XX*1234567893",
    "N3*1 MAIN ST",
    "N4*TOWN*NY*10001",
    "REF*EI*123456789",
    "HL*2*1*22*0",
    "SBR*P*18*******CI",
    "NM1*IL*1*DOE*JANE****MI*123456789",
    "NM1*PR*2*PAYER*****PI*12345",
    "CLM*A1*100***11:B:1*Y*A*Y*Y",
    "HI*ABK:J209",
    "LX*1",
    "SV1*HC:99213*60*UN*1***1",
    "DTP*472*D8*20240101",
    "LX*2",
    "SV1*HC:36415*40*UN*1***1",
    "DTP*472*D8*20240101",
];

fn with(replace: &[(usize, &'static str)], insert: &[(usize, &'static str)]) -> Vec<&'static str> {
    let mut body: Vec<&str> = P837_CLEAN.to_vec();
    for &(i, s) in replace {
        body[i] = s;
    }
    for &(i, s) in insert.iter().rev() {
        body.insert(i, s);
    }
    body
}

fn kinds(report: &carewire_x12::Report) -> Vec<IssueKind> {
    report.issues().iter().map(|i| i.kind).collect()
}

fn only(report: &carewire_x12::Report) -> Issue {
    assert_eq!(report.len(), 1, "{:#?}", report.issues());
    report.issues()[0]
}

#[test]
fn clean_claim_has_no_issue() {
    let input = p837(P837_CLEAN);
    let doc = Document::parse(&input).unwrap();
    let report = validate(&doc);
    assert!(report.is_empty(), "{:#?}", report.issues());
    assert!(!report.has_errors());
}

#[test]
fn required_element_missing_names_element_loop_and_position() {
    // NM103 of the billing provider (2010AA) is required.
    let input = p837(&with(&[(5, "NM1*85*2******XX*1234567893")], &[]));
    let doc = Document::parse(&input).unwrap();
    let i = only(&validate(&doc));
    assert_eq!(i.kind, IssueKind::Element(ElementError::RequiredMissing));
    assert_eq!(i.loop_id, "2010AA");
    assert_eq!(i.position, Some(6)); // ST is 0
    assert_eq!(i.location.segment_id(), "NM1");
    assert_eq!(i.location.element(), Some(3));
    assert_eq!(i.data_element, Some("1035"));
    assert_eq!(i.ack_code(), AckCode::Ik4("1"));
    assert_eq!((i.interchange, i.group, i.set), (0, Some(0), Some(0)));
    let seg = doc.segment(i.location.segment_index().unwrap()).unwrap();
    assert_eq!(seg.id(), b"NM1");
    assert_eq!(&input[i.offset..i.offset + 2], b"**");
}

#[test]
fn qualifiers_types_lengths_dates_and_components() {
    let cases: &[(usize, &str, ElementError, usize, Option<usize>)] = &[
        // NM108 must be XX for the billing provider.
        (
            5,
            "NM1*85*2*BILLING*****ZZ*1234567893",
            ElementError::InvalidCode,
            8,
            None,
        ),
        // CLM05-2 must be B in a professional claim.
        (
            13,
            "CLM*A1*100***11:X:1*Y*A*Y*Y",
            ElementError::InvalidCode,
            5,
            Some(2),
        ),
        // DTP03 is not a date in the D8 format.
        (
            17,
            "DTP*472*D8*20240231",
            ElementError::InvalidDate,
            3,
            None,
        ),
        // An amount with letters.
        (
            16,
            "SV1*HC:99213*6O*UN*1***1",
            ElementError::InvalidCharacter,
            2,
            None,
        ),
        // N403 is at most 15 characters.
        (
            7,
            "N4*TOWN*NY*1000100010001000",
            ElementError::TooLong,
            3,
            None,
        ),
        // BHT04 is a date.
        (
            0,
            "BHT*0019*00*1*2024011*1200*CH",
            ElementError::InvalidDate,
            4,
            None,
        ),
        // A component in a simple element.
        (
            6,
            "N3*1 MAIN:ST",
            ElementError::TooManyComponents,
            1,
            Some(2),
        ),
    ];
    for &(k, seg, err, element, component) in cases {
        let input = p837(&with(&[(k, seg)], &[]));
        let doc = Document::parse(&input).unwrap();
        let report = validate(&doc);
        let i = only(&report);
        assert_eq!(i.kind, IssueKind::Element(err), "{seg}");
        assert_eq!(i.location.element(), Some(element), "{seg}");
        assert_eq!(i.location.component(), component, "{seg}");
    }
}

#[test]
fn repetitions_and_too_many_elements() {
    // NM1 has 12 elements; a 13th is one too many. N301 does not repeat.
    let input = p837(&with(
        &[
            (5, "NM1*85*2*BILLING*****XX*1234567893****X"),
            (6, "N3*1 MAIN ST^2 MAIN ST"),
        ],
        &[],
    ));
    let doc = Document::parse(&input).unwrap();
    let got: Vec<(IssueKind, Option<usize>, Option<usize>)> = validate(&doc)
        .issues()
        .iter()
        .map(|i| (i.kind, i.location.element(), i.location.repetition()))
        .collect();
    assert_eq!(
        got,
        [
            (
                IssueKind::Element(ElementError::TooManyElements),
                Some(13),
                None
            ),
            (
                IssueKind::Element(ElementError::TooManyRepetitions),
                Some(1),
                Some(2)
            ),
        ]
    );
}

#[test]
fn syntax_notes_paired_elements() {
    // NM108/NM109 are paired (P0809).
    let input = p837(&with(&[(11, "NM1*IL*1*DOE*JANE****MI")], &[]));
    let doc = Document::parse(&input).unwrap();
    let kinds = kinds(&validate(&doc));
    assert!(
        kinds.contains(&IssueKind::Element(
            ElementError::ConditionalRequiredMissing
        )),
        "{kinds:?}"
    );
}

#[test]
fn required_segments_and_loops_and_repeats() {
    // No N3 in 2010AA; a second REF*EI; no 2010BA subscriber name; the HI missing.
    let body: Vec<&str> = P837_CLEAN
        .iter()
        .enumerate()
        .filter(|(i, _)| ![6, 11, 14].contains(i))
        .map(|(_, s)| *s)
        .collect::<Vec<_>>();
    let mut body = body;
    body.insert(7, "REF*EI*987654321");
    let input = p837(&body);
    let doc = Document::parse(&input).unwrap();
    let report = validate(&doc);
    let got: Vec<(IssueKind, &str, &str)> = report
        .issues()
        .iter()
        .map(|i| (i.kind, i.location.segment_id(), i.loop_id))
        .collect();
    assert_eq!(
        got,
        [
            (
                IssueKind::Segment(SegmentError::SegmentOverMaximumUse),
                "REF",
                "2010AA"
            ),
            (
                IssueKind::Segment(SegmentError::RequiredSegmentMissing),
                "N3",
                "2010AA"
            ),
            (
                IssueKind::Segment(SegmentError::RequiredLoopMissing),
                "NM1",
                "2010BA"
            ),
            (
                IssueKind::Segment(SegmentError::RequiredSegmentMissing),
                "HI",
                "2300"
            ),
        ],
        "{:#?}",
        report.issues()
    );
    for i in report.issues() {
        assert!(matches!(i.ack_code(), AckCode::Ik3("3" | "5")));
        assert_eq!(i.snip(), 2);
    }
}

#[test]
fn loop_over_maximum() {
    // Two billing provider name loops in one 2000A.
    let input = p837(&with(
        &[],
        &[
            (9, "NM1*85*2*OTHER*****XX*1234567893"),
            (9, "N3*2 MAIN ST"),
            (9, "N4*TOWN*NY*10001"),
            (9, "REF*EI*123456789"),
        ],
    ));
    let doc = Document::parse(&input).unwrap();
    let i = only(&validate(&doc));
    assert_eq!(i.kind, IssueKind::Segment(SegmentError::LoopOverMaximum));
    assert_eq!(i.loop_id, "2010AA");
    assert_eq!(i.ack_code(), AckCode::Ik3("4"));
}

#[test]
fn unrecognized_segment_id_and_unexpected_segment() {
    let input = p837(&with(&[], &[(6, "Nd4*TOWN*NY*10001"), (1, "REF*BB*X")]));
    let doc = Document::parse(&input).unwrap();
    let report = validate(&doc);
    let codes: Vec<AckCode> = report.issues().iter().map(|i| i.ack_code()).collect();
    assert_eq!(
        codes,
        [AckCode::Ik3("2"), AckCode::Ik3("1")],
        "{:#?}",
        report.issues()
    );
}

#[test]
fn not_used_element_is_a_warning() {
    // NM106 (name prefix) is not used in 2010AA.
    let input = p837(&with(&[(5, "NM1*85*2*BILLING***DR**XX*1234567893")], &[]));
    let doc = Document::parse(&input).unwrap();
    let report = validate(&doc);
    let i = only(&report);
    assert_eq!(i.kind, IssueKind::Element(ElementError::NotUsedPresent));
    assert_eq!(i.severity(), Severity::Warning);
    assert!(!report.has_errors());
}

#[test]
fn claim_charge_balances_against_line_charges() {
    let input = p837(&with(&[(13, "CLM*A1*100.01***11:B:1*Y*A*Y*Y")], &[]));
    let doc = Document::parse(&input).unwrap();
    let i = only(&validate(&doc));
    assert_eq!(i.kind, IssueKind::Balance(BalanceError::ClaimCharge));
    assert_eq!(i.loop_id, "2300");
    assert_eq!(i.location.element(), Some(2));
    assert_eq!(i.snip(), 3);
    // Exact decimal: 60 + 40 = 100.00 = 100.
    let input = p837(&with(
        &[
            (13, "CLM*A1*100.00***11:B:1*Y*A*Y*Y"),
            (16, "SV1*HC:99213*60.0*UN*1***1"),
        ],
        &[],
    ));
    assert!(validate(&Document::parse(&input).unwrap()).is_empty());
    // Balancing can be turned off.
    let input = p837(&with(&[(13, "CLM*A1*100.01***11:B:1*Y*A*Y*Y")], &[]));
    let doc = Document::parse(&input).unwrap();
    assert!(Validator::new().balancing(false).validate(&doc).is_empty());
}

const R835: &[&str] = &[
    "BPR*I*140*C*CHK************20240110",
    "TRN*1*12345*1512345678",
    "DTM*405*20240105",
    "N1*PR*PAYER",
    "N3*1 PAYER WAY",
    "N4*TOWN*NY*10001",
    "PER*BL*TECH*TE*5555551234",
    "N1*PE*CLINIC*XX*1234567893",
    "LX*1",
    "CLP*C1*1*200*140**12*1234*11*1",
    "CAS*PR*1*10",
    "NM1*QC*1*DOE*JANE",
    "SVC*HC:99213*120*85**1",
    "CAS*CO*45*35",
    "SVC*HC:36415*80*65**1",
    "CAS*CO*45*5**2*10",
    "PLB*1234567893*20241231*WO:1*0",
];

fn r835(body: &[&str]) -> Vec<u8> {
    set("HP", "835", "005010X221A1", body)
}

#[test]
fn remittance_balances() {
    let input = r835(R835);
    let doc = Document::parse(&input).unwrap();
    let report = validate(&doc);
    assert!(report.is_empty(), "{:#?}", report.issues());

    // A line adjustment off by a cent unbalances the line and the claim.
    let mut body = R835.to_vec();
    body[13] = "CAS*CO*45*35.01";
    let input = r835(&body);
    let got: Vec<(IssueKind, &str)> = validate(&Document::parse(&input).unwrap())
        .issues()
        .iter()
        .map(|i| (i.kind, i.loop_id))
        .collect();
    assert_eq!(
        got,
        [
            (IssueKind::Balance(BalanceError::ClaimAdjustments), "2100"),
            (IssueKind::Balance(BalanceError::LineAdjustments), "2110"),
        ]
    );

    // A provider-level adjustment reduces the payment: BPR02 = 140 - 20.
    let mut body = R835.to_vec();
    body[16] = "PLB*1234567893*20241231*WO:1*20";
    let input = r835(&body);
    let i = only(&validate(&Document::parse(&input).unwrap()));
    assert_eq!(i.kind, IssueKind::Balance(BalanceError::PaymentTotal));
    assert_eq!(i.location.segment_id(), "BPR");
    body[0] = "BPR*I*120*C*CHK************20240110";
    let input = r835(&body);
    assert!(validate(&Document::parse(&input).unwrap()).is_empty());
}

struct MockCodes;

impl CodeListProvider for MockCodes {
    fn is_valid(&self, list: &str, element: &str, value: &str) -> Option<bool> {
        match list {
            "carc" => {
                assert_eq!(element, "1034");
                Some(matches!(value, "1" | "2" | "45"))
            }
            _ => None,
        }
    }
}

#[test]
fn external_code_lists_come_from_the_provider() {
    let mut body = R835.to_vec();
    body[13] = "CAS*CO*999*35";
    let input = r835(&body);
    let doc = Document::parse(&input).unwrap();
    // Without a provider, CARC values are not checked.
    assert!(validate(&doc).is_empty());
    let report = Validator::new().with_code_lists(&MockCodes).validate(&doc);
    let i = only(&report);
    assert_eq!(
        i.kind,
        IssueKind::Element(ElementError::InvalidExternalCode)
    );
    assert_eq!(i.location.element(), Some(2));
    assert_eq!(i.data_element, Some("1034"));
    assert_eq!(i.snip(), 5);
    assert_eq!(i.ack_code(), AckCode::Ik4("7"));
}

#[test]
fn envelope_findings_are_issues_in_their_group_and_set() {
    let mut input = p837(P837_CLEAN);
    let s = String::from_utf8(input.clone())
        .unwrap()
        .replace("SE*23*0001", "SE*22*0001");
    input = s.into_bytes();
    let doc = Document::parse(&input).unwrap();
    let i = only(&validate(&doc));
    assert!(matches!(i.kind, IssueKind::Envelope(_)));
    assert_eq!(i.ack_code(), AckCode::Ik5("4"));
    assert_eq!((i.group, i.set, i.position), (Some(0), Some(0), Some(22)));
}

#[test]
fn generated_files_validate_clean() {
    for input in [gen::professional_837(300, 4), gen::remittance_835(300, 4)] {
        let doc = Document::parse(&input).unwrap();
        let report = validate(&doc);
        assert!(
            report.is_empty(),
            "{:#?}",
            &report.issues()[..report.len().min(10)]
        );
    }
}

#[test]
fn sets_without_a_guide_get_syntax_checks() {
    // 997: AK101 is a functional identifier code, AK402 a number.
    let input = set(
        "FA",
        "997",
        "005010X230",
        &[
            "AK1*HC*1",
            "AK2*837*0001",
            "AK3*NM1*8**8",
            "AK4*X*66*7*MI",
            "AK5*R*5",
            "AK9*R*1*1*0",
        ],
    );
    let doc = Document::parse(&input).unwrap();
    let i = only(&validate(&doc));
    assert_eq!(i.kind, IssueKind::Element(ElementError::InvalidCharacter));
    assert_eq!(i.location.to_string(), "AK401-1 (segment 7)");
    assert_eq!(i.loop_id, "");
}
