//! SNIP 2 for the 837 dental guide (005010X224A2), whose tables are written from
//! TigerShark's `M837_5010_X224_A2` definitions: a synthetic claim with orthodontic (DN1),
//! tooth status (DN2), dental service (SV3) and tooth (TOO) segments validates clean, and
//! dropping a required element or loop, or sending a not-used element, yields the finding
//! with its loop id and element position.

#[path = "common/interchange.rs"]
mod interchange;

use carewire_x12::{validate, Document, ElementError, Issue, IssueKind, SegmentError};

fn set(body: &[&str]) -> Vec<u8> {
    interchange::set("HC", "837", "005010X224A2", body)
}

const BILLING_NM1: &str = "NM1*85*2*DENTAL ASSOCIATES*****XX*1234567893";
const CLM: &str = "CLM*26403774*150***11:B:1*Y*A*Y*I";

/// A subscriber-is-patient dental claim: submitter, receiver, billing provider with
/// taxonomy and address, subscriber with demographics, payer; a claim with service date,
/// orthodontic months, two tooth statuses, a diagnosis and a rendering dentist; two lines
/// (one with tooth and surfaces) with service dates.
const D837: &[&str] = &[
    "BHT*0019*00*0123*20240101*1023*CH",
    "NM1*41*2*PREMIER BILLING SERVICE*****46*TGJ23",
    "PER*IC*JERRY*TE*7176149999",
    "NM1*40*2*INSURANCE COMPANY XYZ*****46*66783JJT",
    "HL*1**20*1",
    "PRV*BI*PXC*1223G0001X",
    BILLING_NM1,
    "N3*234 SEAWAY ST",
    "N4*MIAMI*FL*33111",
    "REF*EI*587654321",
    "HL*2*1*22*0",
    "SBR*P*18*GRP1******CI",
    "NM1*IL*1*SMITH*JANE****MI*111223333",
    "N3*236 N MAIN ST",
    "N4*MIAMI*FL*33413",
    "DMG*D8*19700501*F",
    "NM1*PR*2*INSURANCE COMPANY XYZ*****PI*66783JJT",
    CLM,
    "DTP*472*D8*20240101",
    "DN1*24*12**COMPREHENSIVE TREATMENT",
    "DN2*12*M",
    "DN2*13*E",
    "REF*D9*17312345600006351",
    "HI*ABK:K021*ABF:K047",
    "NM1*82*1*KILDARE*BEN****XX*1987654328",
    "PRV*PE*PXC*1223G0001X",
    "LX*1",
    "SV3*AD:D2150*100****1",
    "TOO*JP*12*M:O",
    "DTP*472*D8*20240101",
    "LX*2",
    "SV3*AD:D1110*50****1",
    "DTP*472*D8*20240101",
];

fn issues(body: &[&str]) -> Vec<Issue> {
    let input = set(body);
    let doc = Document::parse(&input).expect("parses");
    validate(&doc).issues().to_vec()
}

fn replaced(body: &[&'static str], old: &str, new: &'static str) -> Vec<&'static str> {
    let out: Vec<&str> = body
        .iter()
        .map(|s| if *s == old { new } else { *s })
        .collect();
    assert_ne!(out, body, "{old} is in the body");
    out
}

/// The index (ST = 0) of `seg` in `body`.
fn pos(body: &[&str], seg: &str) -> usize {
    1 + body
        .iter()
        .position(|s| *s == seg)
        .expect("segment in body")
}

#[test]
fn valid_837d_has_no_issue() {
    let found = issues(D837);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn missing_clm05_is_a_required_element_finding_in_2300() {
    let clm = "CLM*26403774*150****Y*A*Y*I";
    let body = replaced(D837, CLM, clm);
    let found = issues(&body);
    assert_eq!(found.len(), 1, "{found:#?}");
    let i = &found[0];
    assert_eq!(i.kind, IssueKind::Element(ElementError::RequiredMissing));
    assert_eq!(i.loop_id, "2300");
    assert_eq!(i.position, Some(pos(&body, clm)));
    assert_eq!(i.location.segment_id(), "CLM");
    assert_eq!(i.location.element(), Some(5));
    assert_eq!(i.data_element, Some("C023"));
}

#[test]
fn missing_billing_provider_name_is_a_required_loop_finding() {
    // Without its NM1 the whole 2010AA loop (NM1, N3, N4, REF) is gone.
    let body: Vec<&str> = D837
        .iter()
        .copied()
        .filter(|s| {
            *s != BILLING_NM1
                && *s != "N3*234 SEAWAY ST"
                && *s != "N4*MIAMI*FL*33111"
                && *s != "REF*EI*587654321"
        })
        .collect();
    let found = issues(&body);
    assert_eq!(found.len(), 1, "{found:#?}");
    let i = &found[0];
    assert_eq!(
        i.kind,
        IssueKind::Segment(SegmentError::RequiredLoopMissing)
    );
    assert_eq!(i.loop_id, "2010AA");
    assert_eq!(i.location.segment_id(), "NM1");
}

#[test]
fn missing_billing_provider_nm1_alone_reports_the_loop() {
    let body: Vec<&str> = D837.iter().copied().filter(|s| *s != BILLING_NM1).collect();
    let found = issues(&body);
    let missing: Vec<&Issue> = found
        .iter()
        .filter(|i| i.kind == IssueKind::Segment(SegmentError::RequiredLoopMissing))
        .collect();
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].loop_id, "2010AA");
}

#[test]
fn not_used_name_prefix_in_2010aa_is_reported() {
    let nm1 = "NM1*85*2*DENTAL ASSOCIATES***DR**XX*1234567893";
    let body = replaced(D837, BILLING_NM1, nm1);
    let found = issues(&body);
    assert_eq!(found.len(), 1, "{found:#?}");
    let i = &found[0];
    assert_eq!(i.kind, IssueKind::Element(ElementError::NotUsedPresent));
    assert_eq!(i.loop_id, "2010AA");
    assert_eq!(i.position, Some(pos(&body, nm1)));
    assert_eq!(i.location.element(), Some(6));
    assert_eq!(i.data_element, Some("1038"));
}

#[test]
fn not_used_tooth_status_quantity_is_reported() {
    let body = replaced(D837, "DN2*13*E", "DN2*13*E*1");
    let found = issues(&body);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].kind,
        IssueKind::Element(ElementError::NotUsedPresent)
    );
    assert_eq!(found[0].loop_id, "2300");
    assert_eq!(found[0].location.segment_id(), "DN2");
    assert_eq!(found[0].location.element(), Some(3));
}

#[test]
fn dental_codes_are_checked() {
    // TOO03: tooth surface codes; DN202: tooth status (E, M); SV301-01: AD.
    for (old, new, element) in [
        ("TOO*JP*12*M:O", "TOO*JP*12*M:Q", 3),
        ("DN2*12*M", "DN2*12*X", 2),
        ("SV3*AD:D2150*100****1", "SV3*HC:D2150*100****1", 1),
    ] {
        let body = replaced(D837, old, new);
        let found = issues(&body);
        assert_eq!(found.len(), 1, "{new}: {found:#?}");
        assert!(
            matches!(found[0].kind, IssueKind::Element(_)),
            "{new}: {found:#?}"
        );
        assert_eq!(found[0].location.element(), Some(element), "{new}");
        assert_eq!(found[0].position, Some(pos(&body, new)), "{new}");
    }
}

#[test]
fn tooth_segment_repeats_are_bounded() {
    // TOO repeats at most 32 times per line.
    let mut body: Vec<&str> = D837.to_vec();
    let at = body
        .iter()
        .position(|s| *s == "TOO*JP*12*M:O")
        .expect("TOO");
    for _ in 0..32 {
        body.insert(at, "TOO*JP*13");
    }
    let found = issues(&body);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].kind,
        IssueKind::Segment(SegmentError::SegmentOverMaximumUse)
    );
    assert_eq!(found[0].loop_id, "2400");
}

#[test]
fn fifth_diagnosis_is_not_used_in_837d() {
    // HI01-HI04 hold the diagnoses SV311 can point at; HI05 is not used.
    let hi = "HI*ABK:K021*ABF:K047*ABF:K050*ABF:K051*ABF:K052";
    let body = replaced(D837, "HI*ABK:K021*ABF:K047", hi);
    let found = issues(&body);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].kind,
        IssueKind::Element(ElementError::NotUsedPresent)
    );
    assert_eq!(found[0].loop_id, "2300");
    assert_eq!(found[0].position, Some(pos(&body, hi)));
    assert_eq!(found[0].location.element(), Some(5));
}
