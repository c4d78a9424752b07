//! The 837 builder's claim-level providers (2310A/B/D), admission and discharge dates,
//! admitting diagnosis and reasons for visit: exact segments in guide order, SE01, a
//! clean validation, and the typed model reading them back.

// Helpers outside #[test] functions panic to report a failure, as the tests do.
#![allow(clippy::unwrap_used)]

#[path = "common/claims837.rs"]
mod claims837;

use carewire_x12::build::{Claim, ClaimKind, ClaimProvider, ServiceLine};
use carewire_x12::{validate, Document, ErrorKind, HealthCareClaim, TransactionSet};

fn line(rev: Option<&str>, code: &str, charge: &str) -> ServiceLine {
    ServiceLine {
        revenue_code: rev.map(str::to_string),
        procedure: code.into(),
        charge: charge.parse().unwrap(),
        units: 1.into(),
        date: Some("20240301".into()),
        ..Default::default()
    }
}

/// An inpatient 837I claim with everything the guide asks of an admission.
fn inpatient() -> Claim {
    Claim {
        id: "V100".into(),
        facility_code: "11".into(),
        frequency: "1".into(),
        statement_period: Some(("20240301".into(), "20240305".into())),
        institutional: Some(("1".into(), "7".into(), "01".into())),
        diagnoses: vec!["K3580".into(), "R1031".into()],
        lines: vec![
            line(Some("0360"), "44970", "2000"),
            line(Some("0300"), "85025", "50.25"),
        ],
        admission: Some("202403010815".into()),
        discharge: Some("202403051430".into()),
        admitting_diagnosis: Some("R1031".into()),
        visit_reasons: vec!["R1031".into(), "R110".into()],
        attending: Some(
            ClaimProvider::person("WELBY", "MARCUS", "1234567893").with_taxonomy("207R00000X"),
        ),
        operating: Some(ClaimProvider::person("CUTTER", "ANN", "1245319599")),
        rendering: Some(ClaimProvider::person("HOUSE", "GREG", "1003000126")),

        original_reference: None,
    }
}

fn build(kind: ClaimKind, claim: Claim) -> Result<Vec<u8>, carewire_x12::Error> {
    claims837::build(kind, "GENERAL HOSPITAL", "HOSP", vec![claim])
}

fn claim_header(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8(out.to_vec()).unwrap();
    text.lines()
        .map(|l| l.trim_end_matches('~').to_string())
        .skip_while(|l| !l.starts_with("CLM*"))
        .take_while(|l| !l.starts_with("LX*"))
        .collect()
}

fn only_set<'d>(doc: &'d Document<'_>) -> TransactionSet<'d> {
    let group = doc.interchange(0).and_then(|i| i.groups().next()).unwrap();
    group.transaction_sets().next().unwrap()
}

#[test]
fn institutional_claim_writes_2300_dates_diagnoses_and_2310_providers_in_order() {
    let out = build(ClaimKind::Institutional, inpatient()).unwrap();
    assert_eq!(
        claim_header(&out),
        [
            "CLM*V100*2050.25***11:A:1**A*Y*Y",
            "DTP*096*TM*1430",
            "DTP*434*RD8*20240301-20240305",
            "DTP*435*DT*202403010815",
            "CL1*1*7*01",
            "HI*ABK:K3580",
            "HI*ABJ:R1031",
            "HI*APR:R1031*APR:R110",
            "HI*ABF:R1031",
            "NM1*71*1*WELBY*MARCUS****XX*1234567893",
            "PRV*AT*PXC*207R00000X",
            "NM1*72*1*CUTTER*ANN****XX*1245319599",
            "NM1*82*1*HOUSE*GREG****XX*1003000126",
        ]
    );
    // Round trip: SE01 counts the added segments, the loops are the guide's, and
    // validation (SNIP 1-4) finds nothing.
    let doc = Document::parse(&out).unwrap();
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    let report = validate(&doc);
    assert!(report.is_empty(), "{:#?}", report.issues());
    let set = only_set(&doc);
    assert_eq!(
        set.se().unwrap().raw_element(1),
        set.segment_count().to_string().as_bytes()
    );
    let tree = set.loops().unwrap();
    let loop_of = |id: &[u8], first: &[u8]| {
        let (pos, _) = set
            .segments()
            .enumerate()
            .find(|(_, s)| s.id() == id && s.raw_element(1) == first)
            .unwrap();
        tree.loop_of(pos)
    };
    assert_eq!(loop_of(b"NM1", b"71"), "2310A");
    assert_eq!(loop_of(b"PRV", b"AT"), "2310A");
    assert_eq!(loop_of(b"NM1", b"72"), "2310B");
    assert_eq!(loop_of(b"NM1", b"82"), "2310D");
    assert_eq!(loop_of(b"DTP", b"435"), "2300");
    // The typed model reads it all back.
    let model = HealthCareClaim::from_set(&set).unwrap();
    let claim = &model.billing_providers[0].subscribers[0].claims[0];
    let attending = claim.provider("71").unwrap();
    assert_eq!(attending.loop_id, "2310A");
    assert_eq!(attending.id.unwrap().as_str(), "1234567893");
    assert_eq!(attending.taxonomy.unwrap().as_str(), "207R00000X");
    assert_eq!(claim.provider("72").unwrap().loop_id, "2310B");
    assert_eq!(claim.provider("82").unwrap().loop_id, "2310D");
    let admission = claim.date("435").unwrap();
    assert_eq!(admission.format.unwrap().as_str(), "DT");
    assert_eq!(admission.value.as_str(), "202403010815");
    assert_eq!(claim.date("096").unwrap().value.as_str(), "1430");
    let codes = |q| -> Vec<String> {
        claim
            .health_codes(q)
            .map(|h| h.code.as_str().into_owned())
            .collect()
    };
    assert_eq!(codes("ABJ"), ["R1031"]);
    assert_eq!(codes("APR"), ["R1031", "R110"]);
    assert_eq!(codes("ABK"), ["K3580"]);
    assert!(claim.provider("DN").is_none() && claim.date("472").is_none());
}

#[test]
fn institutional_admission_without_hour_is_d8_and_absent_fields_write_nothing() {
    let mut c = inpatient();
    c.admission = Some("20240301".into());
    c.discharge = Some("1430".into());
    c.visit_reasons.clear();
    c.operating = None;
    c.rendering = None;
    c.attending = Some(ClaimProvider::person("WELBY", "MARCUS", "1234567893"));
    let header = claim_header(&build(ClaimKind::Institutional, c).unwrap());
    assert!(header.contains(&"DTP*435*D8*20240301".to_string()));
    assert!(header.contains(&"DTP*096*TM*1430".to_string()));
    assert!(!header
        .iter()
        .any(|s| s.starts_with("PRV") || s.contains("APR")));
    assert_eq!(
        header.last().unwrap(),
        "NM1*71*1*WELBY*MARCUS****XX*1234567893"
    );
}

#[test]
fn professional_claim_writes_admission_discharge_dates_and_2310b_rendering() {
    let c = Claim {
        id: "P1".into(),
        facility_code: "21".into(),
        diagnoses: vec!["J189".into()],
        lines: vec![line(None, "99223", "250")],
        admission: Some("202403010815".into()),
        discharge: Some("20240305".into()),
        rendering: Some(
            ClaimProvider::person("HOUSE", "GREG", "1003000126").with_taxonomy("207RI0008X"),
        ),
        ..Default::default()
    };
    let out = build(ClaimKind::Professional, c).unwrap();
    assert_eq!(
        claim_header(&out),
        [
            "CLM*P1*250***21:B:1*Y*A*Y*Y",
            "DTP*435*D8*20240301",
            "DTP*096*D8*20240305",
            "HI*ABK:J189",
            "NM1*82*1*HOUSE*GREG****XX*1003000126",
            "PRV*PE*PXC*207RI0008X",
        ]
    );
    let doc = Document::parse(&out).unwrap();
    let report = validate(&doc);
    assert!(report.is_empty(), "{:#?}", report.issues());
    let set = only_set(&doc);
    let model = HealthCareClaim::from_set(&set).unwrap();
    let claim = &model.billing_providers[0].subscribers[0].claims[0];
    let rendering = claim.provider("82").unwrap();
    assert_eq!(rendering.loop_id, "2310B");
    assert_eq!(rendering.taxonomy.unwrap().as_str(), "207RI0008X");
    assert_eq!(claim.date("096").unwrap().value.as_str(), "20240305");
}

#[test]
fn fields_the_kind_cannot_carry_are_refused_not_dropped() {
    let professional = |f: fn(&mut Claim)| {
        let mut c = Claim {
            id: "P1".into(),
            facility_code: "11".into(),
            diagnoses: vec!["J189".into()],
            lines: vec![line(None, "99213", "90")],
            ..Default::default()
        };
        f(&mut c);
        build(ClaimKind::Professional, c).map(|_| ())
    };
    assert!(professional(|_| {}).is_ok());
    for f in [
        (|c: &mut Claim| c.admitting_diagnosis = Some("R05".into())) as fn(&mut Claim),
        |c| c.visit_reasons = vec!["R05".into()],
        // DTP*434 (statement dates) is in loop 2300 of the 837I only.
        |c| c.statement_period = Some(("20240301".into(), "20240305".into())),
        // So is CL1 (institutional claim codes).
        |c| c.institutional = Some(("1".into(), "7".into(), "01".into())),
        |c| c.attending = Some(ClaimProvider::person("A", "B", "1234567893")),
        |c| c.operating = Some(ClaimProvider::person("A", "B", "1234567893")),
        |c| c.discharge = Some("1430".into()),
        |c| c.discharge = Some("2024030514".into()),
        |c| c.admission = Some("2024030108".into()),
    ] {
        assert_eq!(professional(f).unwrap_err().kind(), ErrorKind::InvalidValue);
    }
    // An 837I discharge needs the hour; an admission is a date or a date and hour.
    let mut c = inpatient();
    c.discharge = Some("20240305".into());
    let err = build(ClaimKind::Institutional, c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    let mut c = inpatient();
    c.admission = Some("202403010".into());
    let err = build(ClaimKind::Institutional, c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    // Delimiters in a provider's name are refused as anywhere else.
    let mut c = inpatient();
    c.attending = Some(ClaimProvider::person("WEL*BY", "MARCUS", "1234567893"));
    let err = build(ClaimKind::Institutional, c).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DelimiterInData);
}

#[test]
fn debug_shows_no_provider_names_ids_dates_or_codes() {
    let text = format!("{:?}", inpatient());
    for secret in [
        "WELBY",
        "MARCUS",
        "1234567893",
        "CUTTER",
        "HOUSE",
        "202403010815",
        "1430",
        "R1031",
        "R110",
        "V100",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    // Taxonomy codes are not patient data.
    assert!(text.contains("207R00000X"));
}

#[test]
fn professional_statement_period_is_refused_not_written_as_dtp_434() {
    // 005010X222A1 loop 2300 has no DTP*434; the builder used to write one.
    let c = Claim {
        id: "P1".into(),
        facility_code: "11".into(),
        diagnoses: vec!["J189".into()],
        lines: vec![line(None, "99213", "90")],
        statement_period: Some(("20240301".into(), "20240305".into())),
        ..Default::default()
    };
    let err = build(ClaimKind::Professional, c.clone()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    // The same claim without it builds, with no DTP*434 in the claim header.
    let out = build(
        ClaimKind::Professional,
        Claim {
            statement_period: None,
            ..c
        },
    )
    .unwrap();
    assert!(!claim_header(&out).iter().any(|s| s.starts_with("DTP*434")));
    // The 837I still writes it.
    let out = build(ClaimKind::Institutional, inpatient()).unwrap();
    assert!(claim_header(&out)
        .iter()
        .any(|s| s == "DTP*434*RD8*20240301-20240305"));
}
