//! SNIP 4 situational rule of all three 837 guides (005010X222A1, X223A2, X224A2): a
//! replacement (CLM05-3 `7`) or void (`8`) claim must carry 2300 REF*F8, the payer claim
//! control number of the claim it replaces; other frequencies need none. 837P and 837I
//! claims are written with the builder (`Claim::original_reference`), the 837D by hand.

// Helpers outside #[test] functions panic to report a failure, as the tests do.
#![allow(clippy::unwrap_used)]

#[path = "common/claims837.rs"]
mod claims837;

use carewire_x12::build::{Claim, ClaimKind, ClaimProvider, ServiceLine};
use carewire_x12::{
    validate, write_999, AckOptions, Document, ErrorKind, IssueKind, SequentialControlNumbers,
    SituationalRule,
};

const RULE: IssueKind = IssueKind::Situational(SituationalRule::PayerClaimControlNumber);

fn claim(kind: ClaimKind, id: &str, frequency: &str) -> Claim {
    let inst = kind == ClaimKind::Institutional;
    Claim {
        id: id.into(),
        facility_code: if inst { "13" } else { "11" }.into(),
        frequency: frequency.into(),
        statement_period: inst.then(|| ("20240301".into(), "20240301".into())),
        institutional: inst.then(|| ("3".into(), "1".into(), "01".into())),
        diagnoses: vec!["J209".into()],
        lines: vec![ServiceLine {
            revenue_code: inst.then(|| "0450".into()),
            procedure: "99213".into(),
            charge: 90.into(),
            units: 1.into(),
            date: Some("20240301".into()),
            ..Default::default()
        }],
        attending: inst.then(|| ClaimProvider::person("WELBY", "MARCUS", "1234567893")),
        ..Default::default()
    }
}

fn build(kind: ClaimKind, claims: Vec<Claim>) -> carewire_x12::Result<Vec<u8>> {
    claims837::build(kind, "CLINIC", "CLINIC", claims)
}

/// (CLM01 of the claim at the issue's position) of every issue, all of which must be the
/// payer claim control number rule, reported as IK3 I6 at the claim's CLM naming REF.
fn findings(x: &[u8]) -> Vec<String> {
    let doc = Document::parse(x).unwrap();
    let report = validate(&doc);
    let set = doc
        .interchange(0)
        .and_then(|i| i.groups().next())
        .and_then(|g| g.transaction_sets().next())
        .unwrap();
    let segs: Vec<_> = set.segments().collect();
    let mut out = Vec::new();
    for i in report.issues() {
        assert_eq!(i.kind, RULE, "unexpected issue {i}");
        let code = i.ack_code();
        assert_eq!((code.segment(), code.code()), ("IK3", "I6"), "{i}");
        assert_eq!((i.snip(), i.loop_id), (4, "2300"));
        assert_eq!(i.location.segment_id(), "REF");
        let clm = &segs[i.position.unwrap()];
        assert_eq!(clm.id(), b"CLM", "reported at the claim's CLM");
        assert_eq!(i.offset, clm.offset());
        out.push(String::from_utf8_lossy(clm.raw_element(1)).into_owned());
    }
    out
}

fn ack(x: &[u8]) -> String {
    let doc = Document::parse(x).unwrap();
    let report = validate(&doc);
    let ack = write_999(
        &doc,
        &report,
        &AckOptions::new("240306", "1000"),
        &mut SequentialControlNumbers::default(),
    )
    .unwrap();
    String::from_utf8(ack).unwrap()
}

const KINDS: [ClaimKind; 2] = [ClaimKind::Professional, ClaimKind::Institutional];

#[test]
fn replacement_and_void_claims_without_ref_f8_are_reported_at_their_clm() {
    for kind in KINDS {
        for frequency in ["7", "8"] {
            let x = build(kind, vec![claim(kind, "R1", frequency)]).unwrap();
            assert_eq!(findings(&x), ["R1"], "{kind:?} frequency {frequency}");
            let text = validate(&Document::parse(&x).unwrap()).issues()[0].to_string();
            assert!(
                text.contains("payer claim control number (REF*F8)"),
                "{text}"
            );
        }
    }
}

#[test]
fn replacement_and_void_claims_with_ref_f8_are_clean() {
    for kind in KINDS {
        for frequency in ["7", "8"] {
            let mut c = claim(kind, "R1", frequency);
            c.original_reference = Some("ICN20240301777".into());
            let x = build(kind, vec![c]).unwrap();
            let text = String::from_utf8(x.clone()).unwrap();
            assert_eq!(text.matches("REF*F8*ICN20240301777~").count(), 1, "{text}");
            assert!(findings(&x).is_empty(), "{kind:?} frequency {frequency}");
        }
    }
}

#[test]
fn original_and_other_frequencies_need_no_ref_f8() {
    for kind in KINDS {
        for frequency in ["1", ""] {
            let x = build(kind, vec![claim(kind, "O1", frequency)]).unwrap();
            assert!(findings(&x).is_empty(), "{kind:?} frequency {frequency:?}");
        }
    }
    // Institutional interim and late-charge frequencies are not replacements either.
    let inst = ClaimKind::Institutional;
    for frequency in ["2", "3", "5"] {
        let x = build(inst, vec![claim(inst, "O1", frequency)]).unwrap();
        assert!(findings(&x).is_empty(), "frequency {frequency}");
    }
}

#[test]
fn the_999_names_the_replacement_claim_not_its_neighbour() {
    for kind in KINDS {
        let x = build(
            kind,
            vec![claim(kind, "FIRST1", "1"), claim(kind, "SECOND2", "7")],
        )
        .unwrap();
        assert_eq!(findings(&x), ["SECOND2"], "{kind:?}");
        let ack = ack(&x);
        assert_eq!(ack.matches("IK3*REF*").count(), 1, "{ack}");
        assert_eq!(ack.matches("*I6~").count(), 1, "{ack}");
        assert!(ack.contains("CTX*CLM01:SECOND2~"), "{ack}");
        assert!(!ack.contains("CTX*CLM01:FIRST1"), "{ack}");
        assert!(ack.contains("IK5*R*"), "{ack}");
    }
}

#[test]
fn an_empty_original_reference_is_refused_by_the_builder() {
    for kind in KINDS {
        let mut c = claim(kind, "R1", "7");
        c.original_reference = Some(String::new());
        let err = build(kind, vec![c]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue);
    }
}

/// A clean 837D (005010X224A2) transaction set around the claim segments `clm`.
fn dental(clm: &[&str]) -> Vec<u8> {
    let mut body = vec![
        "BHT*0019*00*0123*20240101*1023*CH",
        "NM1*41*2*PREMIER BILLING SERVICE*****46*TGJ23",
        "PER*IC*JERRY*TE*7176149999",
        "NM1*40*2*INSURANCE COMPANY XYZ*****46*66783JJT",
        "HL*1**20*1",
        "NM1*85*2*DENTAL ASSOCIATES*****XX*1234567893",
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
    ];
    body.extend_from_slice(clm);
    let mut s = String::from(
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
         *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X224A2~\
         ST*837*0001*005010X224A2~",
    );
    for seg in &body {
        s.push_str(seg);
        s.push('~');
    }
    s.push_str(&format!(
        "SE*{}*0001~GE*1*1~IEA*1*000000001~",
        body.len() + 2
    ));
    s.into_bytes()
}

fn dental_claim(id: &'static str, frequency: &str, f8: bool) -> Vec<&'static str> {
    let clm = match (id, frequency) {
        ("D1", "1") => "CLM*D1*100***11:B:1*Y*A*Y*I",
        ("D1", "7") => "CLM*D1*100***11:B:7*Y*A*Y*I",
        ("D2", "1") => "CLM*D2*100***11:B:1*Y*A*Y*I",
        ("D2", "8") => "CLM*D2*100***11:B:8*Y*A*Y*I",
        _ => unreachable!("no such test claim"),
    };
    let mut out = vec![clm, "DTP*472*D8*20240101"];
    if f8 {
        out.push("REF*F8*ICN20231201555");
    }
    out.extend([
        "HI*ABK:K021",
        "LX*1",
        "SV3*AD:D2150*100****1",
        "TOO*JP*12*M:O",
    ]);
    out
}

#[test]
fn dental_replacement_and_void_claims_follow_the_same_rule() {
    assert!(findings(&dental(&dental_claim("D1", "1", false))).is_empty());
    assert_eq!(findings(&dental(&dental_claim("D1", "7", false))), ["D1"]);
    assert!(findings(&dental(&dental_claim("D1", "7", true))).is_empty());
    // Two claims, only the second a void without its reference: the 999 names it.
    let mut two = dental_claim("D1", "1", false);
    two.extend(dental_claim("D2", "8", false));
    let x = dental(&two);
    assert_eq!(findings(&x), ["D2"]);
    let ack = ack(&x);
    assert!(
        ack.contains("IK3*REF*") && ack.contains("CTX*CLM01:D2~"),
        "{ack}"
    );
    assert!(!ack.contains("CTX*CLM01:D1"), "{ack}");
    let mut fixed = dental_claim("D1", "1", false);
    fixed.extend(dental_claim("D2", "8", true));
    assert!(findings(&dental(&fixed)).is_empty());
}
