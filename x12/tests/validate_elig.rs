//! SNIP 2 for the 270/271 eligibility guides (005010X279A1): synthetic documents written
//! after the guide validate clean, and dropping a required element or segment yields the
//! finding with its loop id and element position.

#[path = "common/interchange.rs"]
mod interchange;

use carewire_x12::{validate, Document, ElementError, Issue, IssueKind, SegmentError};

fn set(gs01: &str, st01: &str, body: &[&str]) -> Vec<u8> {
    interchange::set(gs01, st01, "005010X279A1", body)
}

/// A 270 with an information source, a receiver with address and taxonomy, a subscriber
/// with every 2100C segment and two inquiries (one with both spend-down amounts), and a
/// dependent.
const Q270: &[&str] = &[
    "BHT*0022*13*10001234*20240101*1319",
    "HL*1**20*1",
    "NM1*PR*2*ABC COMPANY*****PI*842610001",
    "HL*2*1*21*1",
    "NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893",
    "REF*TJ*123456789",
    "N3*1 MAIN ST",
    "N4*TOWN*NY*10001",
    "PRV*PE*PXC*207X00000X",
    "HL*3*2*22*1",
    "TRN*1*93175-012547*9877281234",
    "NM1*IL*1*SMITH*ROBERT****MI*11122333301",
    "REF*SY*123456789",
    "N3*15197 BROADWAY AVENUE*APT 215",
    "N4*KANSAS CITY*MO*64108",
    "DMG*D8*19430519*M",
    "INS*Y*18***************1",
    "HI*ABK:J209*ABF:E119",
    "DTP*291*D8*20240101",
    "EQ*30",
    "EQ*98**FAM",
    "AMT*R*150",
    "AMT*PB*300",
    "III*ZZ*21",
    "REF*9F*AUTH1",
    "DTP*472*RD8*20240101-20240131",
    "HL*4*3*23*0",
    "TRN*1*93175-012548*9877281234",
    "NM1*03*1*SMITH*MARY",
    "DMG*D8*19800519*F",
    "INS*N*19***************2",
    "DTP*291*D8*20240101",
    "EQ*1",
];

/// A 271 answering for a subscriber: information source contact, subscriber details with
/// HI, INS and MPI, benefits with HSD, REF, DTP, MSG, a related entity between LS and LE,
/// and a dependent with a rejection.
const S271: &[&str] = &[
    "BHT*0022*11*10001234*20240101*1319",
    "HL*1**20*1",
    "NM1*PR*2*ABC COMPANY*****PI*842610001",
    "PER*IC*CUSTOMER SERVICE*TE*8005551234",
    "HL*2*1*21*1",
    "NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893",
    "HL*3*2*22*1",
    "TRN*2*93175-012547*9877281234",
    "NM1*IL*1*SMITH*ROBERT****MI*11122333301",
    "REF*6P*GROUP1*ACME",
    "N3*15197 BROADWAY AVENUE",
    "N4*KANSAS CITY*MO*64108",
    "DMG*D8*19430519*M",
    "INS*Y*18*001*25",
    "HI*ABK:J209",
    "DTP*346*D8*20230101",
    "MPI*C*AO*A",
    "EB*1*IND*30^1^33**GOLD PLAN",
    "HSD*VS*12*VS*1*22",
    "REF*18*PLAN1",
    "DTP*291*D8*20240101",
    "MSG*BENEFITS SUBJECT TO PLAN TERMS",
    "EB*C*IND*30***23*500",
    "EB*R*IND*30*MA",
    "LS*2120",
    "NM1*PR*2*MEDICARE*****PI*00435",
    "N3*PO BOX 1",
    "N4*TOWN*NY*10001",
    "PER*IC**TE*8005550000",
    "LE*2120",
    "HL*4*3*23*0",
    "TRN*2*93175-012548*9877281234",
    "NM1*03*1*SMITH*MARY",
    "AAA*N**67*C",
];

fn issues(body: &[&str], gs01: &str, st01: &str) -> Vec<Issue> {
    let input = set(gs01, st01, body);
    let doc = Document::parse(&input).expect("parses");
    validate(&doc).issues().to_vec()
}

fn without(body: &[&'static str], seg: &str) -> Vec<&'static str> {
    let n = body.len();
    let out: Vec<&str> = body.iter().copied().filter(|s| *s != seg).collect();
    assert_eq!(out.len(), n - 1, "{seg} occurs once");
    out
}

fn replaced(body: &[&'static str], old: &str, new: &'static str) -> Vec<&'static str> {
    body.iter()
        .map(|s| if *s == old { new } else { *s })
        .collect()
}

/// The index (ST = 0) of `seg` in `body`.
fn pos(body: &[&str], seg: &str) -> usize {
    1 + body
        .iter()
        .position(|s| *s == seg)
        .expect("segment in body")
}

#[test]
fn valid_270_has_no_issue() {
    let found = issues(Q270, "HS", "270");
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn valid_271_has_no_issue() {
    let found = issues(S271, "HB", "271");
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn missing_subscriber_name_is_a_required_loop_finding_in_2000c() {
    // Subscriber with only HL, TRN and NM1: dropping NM1 leaves 2000C without its
    // required 2100C loop.
    let body: Vec<&str> = Q270
        .iter()
        .copied()
        .take_while(|s| !s.starts_with("REF*SY"))
        .collect();
    assert!(issues(&body, "HS", "270").is_empty());
    let nm1 = "NM1*IL*1*SMITH*ROBERT****MI*11122333301";
    let found = issues(&without(&body, nm1), "HS", "270");
    let missing: Vec<&Issue> = found
        .iter()
        .filter(|i| i.kind == IssueKind::Segment(SegmentError::RequiredLoopMissing))
        .collect();
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].loop_id, "2100C");
    assert_eq!(missing[0].location.segment_id(), "NM1");
    assert!(found.iter().all(|i| i.severity() == missing[0].severity()));
}

#[test]
fn missing_inquiry_birth_sequence_is_an_element_finding() {
    // 270 2100C INS carries only INS01, INS02 and the required INS17.
    let body = replaced(Q270, "INS*Y*18***************1", "INS*Y*18");
    let found = issues(&body, "HS", "270");
    assert_eq!(found.len(), 1, "{found:#?}");
    let i = &found[0];
    assert_eq!(i.kind, IssueKind::Element(ElementError::RequiredMissing));
    assert_eq!(i.loop_id, "2100C");
    assert_eq!(i.position, Some(pos(&body, "INS*Y*18")));
    assert_eq!(i.location.segment_id(), "INS");
    assert_eq!(i.location.element(), Some(17));
    assert_eq!(i.data_element, Some("1470"));
}

#[test]
fn unused_ins_element_in_270_is_reported() {
    let body = replaced(
        Q270,
        "INS*Y*18***************1",
        "INS*Y*18*001**************1",
    );
    let found = issues(&body, "HS", "270");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].kind,
        IssueKind::Element(ElementError::NotUsedPresent)
    );
    assert_eq!(found[0].location.element(), Some(3));
    assert_eq!(found[0].loop_id, "2100C");
}

#[test]
fn diagnosis_qualifier_is_checked_in_270_and_271() {
    let body = replaced(Q270, "HI*ABK:J209*ABF:E119", "HI*ABK:J209*XX:E119");
    let found = issues(&body, "HS", "270");
    assert_eq!(found.len(), 1, "{found:#?}");
    let i = &found[0];
    assert_eq!(i.kind, IssueKind::Element(ElementError::InvalidCode));
    assert_eq!(i.loop_id, "2100C");
    assert_eq!(i.location.element(), Some(2));
    assert_eq!(i.location.component(), Some(1));
    assert_eq!(i.data_element, Some("1270"));

    let body = replaced(S271, "HI*ABK:J209", "HI*ABK");
    let found = issues(&body, "HB", "271");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].kind,
        IssueKind::Element(ElementError::RequiredMissing)
    );
    assert_eq!(found[0].location.element(), Some(1));
    assert_eq!(found[0].location.component(), Some(2));
    assert_eq!(found[0].data_element, Some("1271"));
}

#[test]
fn missing_military_affiliation_in_271_is_an_element_finding() {
    let body = replaced(S271, "MPI*C*AO*A", "MPI*C*AO");
    let found = issues(&body, "HB", "271");
    assert_eq!(found.len(), 1, "{found:#?}");
    let i = &found[0];
    assert_eq!(i.kind, IssueKind::Element(ElementError::RequiredMissing));
    assert_eq!(i.loop_id, "2100C");
    assert_eq!(i.position, Some(pos(&body, "MPI*C*AO")));
    assert_eq!(i.location.element(), Some(3));
    assert_eq!(i.data_element, Some("1595"));
}

#[test]
fn missing_benefit_code_in_271_is_an_element_finding() {
    let body = replaced(S271, "EB*R*IND*30*MA", "EB**IND*30*MA");
    let found = issues(&body, "HB", "271");
    assert_eq!(found.len(), 1, "{found:#?}");
    let i = &found[0];
    assert_eq!(i.kind, IssueKind::Element(ElementError::RequiredMissing));
    assert_eq!(i.loop_id, "2110C");
    assert_eq!(i.location.element(), Some(1));
}

#[test]
fn both_spend_down_amounts_are_allowed_once_each() {
    // AMT*R and AMT*PB are two definitions of one use each: a second AMT*R is over use.
    let mut body: Vec<&str> = Q270.to_vec();
    let at = pos(&body, "AMT*PB*300");
    body.insert(at, "AMT*R*10");
    let found = issues(&body, "HS", "270");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].kind,
        IssueKind::Segment(SegmentError::SegmentOverMaximumUse)
    );
    assert_eq!(found[0].loop_id, "2110C");
    assert_eq!(found[0].location.segment_id(), "AMT");
}
