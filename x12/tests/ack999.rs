//! 999 and TA1 generation from parse + validation, and reading them back.

use carewire_x12::{
    validate, write_999, write_ta1, Ack999, AckOptions, AckStatus, Document, Guide, IssueKind,
    SegmentError, SequentialControlNumbers, Ta1, Ta1Status, Validator,
};

const ISA: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000042*0*P*:~";

fn p837(sets: &[&[&str]]) -> Vec<u8> {
    let mut s = String::from(ISA);
    s.push_str("GS*HC*SENDERAPP*RECEIVERAPP*20240101*1200*17*X*005010X222A1~");
    for (n, body) in sets.iter().enumerate() {
        s.push_str(&format!("ST*837*{:04}*005010X222A1~", n + 1));
        for seg in *body {
            s.push_str(seg);
            s.push('~');
        }
        s.push_str(&format!("SE*{}*{:04}~", body.len() + 2, n + 1));
    }
    s.push_str(&format!("GE*{}*17~IEA*1*000000042~", sets.len()));
    s.into_bytes()
}

const CLEAN: &[&str] = &[
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
    "SV1*HC:99213*100*UN*1***1",
    "DTP*472*D8*20240101",
];

fn with_errors() -> Vec<&'static str> {
    let mut body = CLEAN.to_vec();
    // CLM05-2 X (must be B), and a date that does not exist.
    body[13] = "CLM*A1*100***11:X:1*Y*A*Y*Y";
    body[17] = "DTP*472*D8*20240231";
    // No N3 in 2010AA.
    body.remove(6);
    body
}

fn opts() -> AckOptions {
    AckOptions::new("240102", "0800")
}

#[test]
fn accepted_group_gets_a_clean_999_that_validates_and_reads_back() {
    let input = p837(&[CLEAN, CLEAN]);
    let doc = Document::parse(&input).unwrap();
    let report = validate(&doc);
    assert!(report.is_empty(), "{:#?}", report.issues());
    let out = write_999(
        &doc,
        &report,
        &opts(),
        &mut SequentialControlNumbers::starting_at(5),
    )
    .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(
        text.starts_with(
            "ISA*00*          *00*          *ZZ*RECEIVER       *ZZ*SENDER         \
             *240102*0800*^*00501*000000005*0*P*:~\n\
             GS*FA*RECEIVERAPP*SENDERAPP*20240102*0800*5*X*005010X231A1~\n\
             ST*999*0005*005010X231A1~\nAK1*HC*17*005010X222A1~\n"
        ),
        "{text}"
    );
    assert!(text.contains(
        "AK2*837*0001*005010X222A1~\nIK5*A~\nAK2*837*0002*005010X222A1~\nIK5*A~\nAK9*A*2*2*2~\n"
    ));

    // The 999 itself parses with no envelope finding and validates against X231A1.
    let ack_doc = Document::parse(&out).unwrap();
    assert!(ack_doc.findings().is_empty());
    let ack_report = validate(&ack_doc);
    assert!(ack_report.is_empty(), "{:#?}", ack_report.issues());
    let set = ack_doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    assert_eq!(set.guide(), Some(Guide::Acknowledgment999));
    let read = Ack999::from_set(&set).unwrap();
    let group = doc.interchange(0).unwrap().groups().next().unwrap();
    assert_eq!(read, Ack999::for_group(&group, &report, 0, 0));
    assert_eq!(
        (read.status, read.included, read.received, read.accepted),
        (AckStatus::Accepted, 2, 2, 2)
    );
}

#[test]
fn errors_become_ik3_ik4_ctx_ik5_and_ak9() {
    let bad = with_errors();
    let input = p837(&[CLEAN, &bad]);
    let doc = Document::parse(&input).unwrap();
    let report = validate(&doc);
    let out = write_999(
        &doc,
        &report,
        &opts(),
        &mut SequentialControlNumbers::default(),
    )
    .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    let body = &text[text.find("AK1*").unwrap()..text.find("SE*").unwrap()];
    // The missing N3 is reported at the last segment of its 2010AA (REF, 9), not at the
    // next loop's HL (10) where the 2010AA ends.
    assert_eq!(
        body,
        "AK1*HC*17*005010X222A1~\n\
         AK2*837*0001*005010X222A1~\n\
         IK5*A~\n\
         AK2*837*0002*005010X222A1~\n\
         IK3*N3*9*2010*3~\n\
         IK3*CLM*14*2300*8~\n\
         CTX*CLM01:A1~\n\
         IK4*5:2*1332*7*X~\n\
         IK3*DTP*18*2400*8~\n\
         CTX*CLM01:A1~\n\
         IK4*3*1251*8*20240231~\n\
         IK5*R*5~\n\
         AK9*P*2*2*1~\n"
    );
    let ack_doc = Document::parse(&out).unwrap();
    assert!(
        validate(&ack_doc).is_empty(),
        "{:#?}",
        validate(&ack_doc).issues()
    );
    let set = ack_doc.interchange(0).unwrap().groups().next().unwrap();
    let read = Ack999::from_set(&set.transaction_sets().next().unwrap()).unwrap();
    assert_eq!(read.status, AckStatus::PartiallyAccepted);
    let rejected = &read.sets[1];
    assert_eq!(rejected.status, AckStatus::Rejected);
    assert_eq!(rejected.errors, ["5"]);
    assert_eq!(rejected.segments[1].elements[0].component, Some(2));
    assert_eq!(
        rejected.segments[1].contexts[0].reference.as_deref(),
        Some("A1")
    );
    // Debug never shows the copied values.
    let debug = format!("{read:?}");
    assert!(
        !debug.contains("20240231") && !debug.contains("CLM01"),
        "{debug}"
    );
}

#[test]
fn envelope_errors_reach_ik5_and_ak9() {
    // SE01 wrong in the only set, GE01 wrong in the group.
    let input = String::from_utf8(p837(&[CLEAN]))
        .unwrap()
        .replace("SE*20*0001", "SE*21*0001")
        .replace("GE*1*17", "GE*2*17");
    let doc = Document::parse(input.as_bytes()).unwrap();
    let report = validate(&doc);
    let group = doc.interchange(0).unwrap().groups().next().unwrap();
    let ack = Ack999::for_group(&group, &report, 0, 0);
    assert_eq!(ack.sets[0].status, AckStatus::Rejected);
    assert_eq!(ack.sets[0].errors, ["4"]);
    assert_eq!(ack.status, AckStatus::Rejected);
    assert_eq!(ack.errors, ["5"]);
    assert_eq!((ack.included, ack.received, ack.accepted), (2, 1, 0));
}

#[test]
fn ta1_interchange_answers_each_interchange() {
    let clean = p837(&[CLEAN]);
    // ISA09 is not a date: rejected with note 014.
    let bad =
        String::from_utf8(clean.clone())
            .unwrap()
            .replacen("*240101*1200*", "*241301*1200*", 1);
    let mut both = clean.clone();
    both.extend_from_slice(bad.as_bytes());
    let doc = Document::parse(&both).unwrap();
    let out = write_ta1(&doc, &opts(), &mut SequentialControlNumbers::default()).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(
        text.contains("\nTA1*000000042*240101*1200*A*000~\nIEA*0*000000001~\n"),
        "{text}"
    );
    assert!(
        text.contains("\nTA1*000000042*241301*1200*R*014~\nIEA*0*000000002~\n"),
        "{text}"
    );
    let back = Document::parse(&out).unwrap();
    assert!(back.findings().is_empty(), "{:?}", back.findings());
    let read: Vec<(Ta1Status, String)> = back
        .segments()
        .filter_map(|s| Ta1::from_segment(&s))
        .map(|t| (t.status, t.note))
        .collect();
    assert_eq!(
        read,
        [
            (Ta1Status::Accepted, "000".to_string()),
            (Ta1Status::Rejected, "014".to_string())
        ]
    );
}

/// With the `serde` feature, inbound 999 and TA1 models serialize to JSON.
#[cfg(feature = "serde")]
#[test]
fn acknowledgment_models_serialize() {
    let bad = with_errors();
    let input = p837(&[&bad]);
    let doc = Document::parse(&input).unwrap();
    let report = validate(&doc);
    let group = doc.interchange(0).unwrap().groups().next().unwrap();
    let ack = Ack999::for_group(&group, &report, 0, 0);
    let json = serde_json::to_value(&ack).unwrap();
    assert_eq!(json["status"], "Rejected");
    assert_eq!(json["sets"][0]["segments"][0]["segment_id"], "N3");
    assert_eq!(json["sets"][0]["segments"][1]["elements"][0]["code"], "7");
    let ta1 = Ta1::for_interchange(&doc.interchange(0).unwrap());
    let json = serde_json::to_value(&ta1).unwrap();
    assert_eq!(json["status"], "Accepted");
    assert_eq!(json["note"], "000");
}

/// CLEAN followed by a second claim (A2) under the same subscriber.
fn two_claims() -> Vec<&'static str> {
    let mut body = CLEAN.to_vec();
    body.extend([
        "CLM*A2*50***11:B:1*Y*A*Y*Y",
        "HI*ABK:R05",
        "LX*1",
        "SV1*HC:99212*50*UN*1***1",
        "DTP*472*D8*20240102",
    ]);
    body
}

/// The IK3 loops of the 999 answering `body` (balancing off: only structure is checked).
#[allow(clippy::unwrap_used)]
fn ik3s(body: &[&str]) -> (String, Vec<carewire_x12::Issue>) {
    let input = p837(&[body]);
    let doc = Document::parse(&input).unwrap();
    let report = Validator::new().balancing(false).validate(&doc);
    let out = write_999(
        &doc,
        &report,
        &opts(),
        &mut SequentialControlNumbers::default(),
    )
    .unwrap();
    let ack = Document::parse(&out).unwrap();
    assert!(validate(&ack).is_empty(), "{:#?}", validate(&ack).issues());
    let text = String::from_utf8(out).unwrap();
    let from = text.find("AK2*").unwrap();
    let to = text.find("IK5*").unwrap();
    (text[from..to].to_string(), report.issues().to_vec())
}

#[test]
fn missing_segment_of_the_first_claim_names_the_first_claim_not_the_next() {
    // Claim A1 without its HI: the 2300 ends where A2's CLM begins, which the 999 used
    // to report (IK302 19, CTX*CLM01:A2). It is now A1's own last segment, its CLM.
    let mut body = two_claims();
    body.remove(14);
    let (ik3, issues) = ik3s(&body);
    assert_eq!(
        ik3,
        "AK2*837*0001*005010X222A1~\nIK3*HI*15*2300*3~\nCTX*CLM01:A1~\n"
    );
    assert_eq!(issues.len(), 1, "{issues:#?}");
    assert_eq!(
        issues[0].kind,
        IssueKind::Segment(SegmentError::RequiredSegmentMissing)
    );
    assert_eq!((issues[0].position, issues[0].loop_id), (Some(14), "2300"));
    assert_eq!(issues[0].location.segment_id(), "HI");

    // A service line of A1 without its SV1: the 2400 ends at A2's CLM too.
    let mut body = two_claims();
    body.remove(16);
    let (ik3, _) = ik3s(&body);
    assert_eq!(
        ik3,
        "AK2*837*0001*005010X222A1~\nIK3*SV1*18*2400*3~\nCTX*CLM01:A1~\n"
    );
}

#[test]
fn missing_segment_of_the_last_claim_is_reported_inside_it_not_at_se() {
    let mut body = two_claims();
    body.remove(19);
    let (ik3, _) = ik3s(&body);
    assert_eq!(
        ik3,
        "AK2*837*0001*005010X222A1~\nIK3*HI*20*2300*3~\nCTX*CLM01:A2~\n"
    );
    // Its last line without SV1: reported at the line's DTP, before SE.
    let mut body = two_claims();
    body.remove(21);
    let (ik3, _) = ik3s(&body);
    assert_eq!(
        ik3,
        "AK2*837*0001*005010X222A1~\nIK3*SV1*23*2400*3~\nCTX*CLM01:A2~\n"
    );
}

#[test]
fn missing_segment_of_a_single_claim_still_names_it() {
    let mut body = CLEAN.to_vec();
    body.remove(14);
    let (ik3, _) = ik3s(&body);
    // Formerly at SE (IK302 19), which named the same claim; now at its CLM.
    assert_eq!(
        ik3,
        "AK2*837*0001*005010X222A1~\nIK3*HI*15*2300*3~\nCTX*CLM01:A1~\n"
    );
}

#[test]
fn missing_required_loop_is_reported_in_its_parent_instance() {
    // Claim A1 with no service line (2400 is required in 2300): at A1's last own
    // segment (HI, 16), not at A2's CLM.
    let mut body = two_claims();
    body.drain(15..18);
    let (ik3, issues) = ik3s(&body);
    assert_eq!(
        ik3,
        "AK2*837*0001*005010X222A1~\nIK3*LX*16*2400*3~\nCTX*CLM01:A1~\n"
    );
    assert_eq!(
        issues[0].kind,
        IssueKind::Segment(SegmentError::RequiredLoopMissing)
    );
}
