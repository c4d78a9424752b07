//! SNIP 4 situational requirements of the 837I (005010X223A2): admission date, discharge
//! hour and admitting diagnosis on inpatient claims, the attending provider on claims
//! with services other than non-scheduled transportation, the operating physician when
//! a principal procedure is listed. Good and bad inputs, built with the 837 builder.

// Helpers outside #[test] functions panic to report a failure, as the tests do.
#![allow(clippy::unwrap_used)]

#[path = "common/claims837.rs"]
mod claims837;

use carewire_x12::build::{Claim, ClaimKind, ClaimProvider, ServiceLine};
use carewire_x12::{
    validate, write_999, AckOptions, Document, IssueKind, SequentialControlNumbers, SituationalRule,
};

fn line(rev: &str) -> ServiceLine {
    ServiceLine {
        revenue_code: Some(rev.into()),
        procedure: "99999".into(),
        charge: 100.into(),
        units: 1.into(),
        ..Default::default()
    }
}

/// A complete inpatient claim (type of bill 111).
fn inpatient(id: &str) -> Claim {
    Claim {
        id: id.into(),
        facility_code: "11".into(),
        frequency: "1".into(),
        statement_period: Some(("20240301".into(), "20240305".into())),
        institutional: Some(("1".into(), "7".into(), "01".into())),
        diagnoses: vec!["K3580".into()],
        lines: vec![line("0360"), line("0300")],
        admission: Some("202403010815".into()),
        discharge: Some("202403051430".into()),
        admitting_diagnosis: Some("R1031".into()),
        attending: Some(ClaimProvider::person("WELBY", "MARCUS", "1234567893")),
        ..Default::default()
    }
}

fn build(claims: Vec<Claim>) -> Vec<u8> {
    claims837::build(ClaimKind::Institutional, "HOSPITAL", "HOSP", claims).unwrap()
}

/// `x` with segment `new` inserted after the first segment starting with `after`, SE01
/// raised by one.
fn insert_after(x: &[u8], after: &str, new: &str) -> Vec<u8> {
    let text = String::from_utf8(x.to_vec()).unwrap();
    let mut out = String::new();
    let mut done = false;
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("SE*") {
            let (n, ctl) = rest.split_once('*').unwrap();
            out += &format!("SE*{}*{ctl}\n", n.parse::<usize>().unwrap() + 1);
            continue;
        }
        out += l;
        out.push('\n');
        if !done && l.starts_with(after) {
            out += new;
            out += "~\n";
            done = true;
        }
    }
    assert!(done, "{after} not found");
    out.into_bytes()
}

/// (rule, segment id named, loop id, CLM01 of the claim at the issue's position) of
/// every situational issue; asserts the other issues are none.
fn situational(x: &[u8]) -> Vec<(SituationalRule, String, &'static str, String)> {
    let doc = Document::parse(x).unwrap();
    let report = validate(&doc);
    let group = doc.interchange(0).and_then(|i| i.groups().next()).unwrap();
    let set = group.transaction_sets().next().unwrap();
    let segs: Vec<_> = set.segments().collect();
    let mut out = Vec::new();
    for i in report.issues() {
        let IssueKind::Situational(rule) = i.kind else {
            panic!("unexpected issue {i}");
        };
        let code = i.ack_code();
        assert_eq!((code.segment(), code.code()), ("IK3", "I6"), "{i}");
        assert_eq!(i.snip(), 4);
        assert_eq!(i.loop_id, rule.loop_id());
        assert_eq!(i.location.segment_id(), rule.segment_id());
        let clm = &segs[i.position.unwrap()];
        assert_eq!(clm.id(), b"CLM", "reported at the claim's CLM");
        assert_eq!(i.offset, clm.offset());
        out.push((
            rule,
            i.location.segment_id().to_string(),
            i.loop_id,
            String::from_utf8_lossy(clm.raw_element(1)).into_owned(),
        ));
    }
    out
}

fn rules(x: &[u8]) -> Vec<SituationalRule> {
    situational(x).into_iter().map(|r| r.0).collect()
}

#[test]
fn a_complete_inpatient_claim_has_no_finding() {
    assert!(rules(&build(vec![inpatient("V1")])).is_empty());
}

#[test]
fn an_inpatient_claim_without_admission_discharge_admitting_dx_or_attending() {
    let mut c = inpatient("V1");
    c.admission = None;
    c.discharge = None;
    c.admitting_diagnosis = None;
    c.attending = None;
    let x = build(vec![c]);
    assert_eq!(
        situational(&x),
        [
            (
                SituationalRule::AdmissionDate,
                "DTP".into(),
                "2300",
                "V1".into()
            ),
            (
                SituationalRule::DischargeHour,
                "DTP".into(),
                "2300",
                "V1".into()
            ),
            (
                SituationalRule::AdmittingDiagnosis,
                "HI".into(),
                "2300",
                "V1".into()
            ),
            (
                SituationalRule::AttendingProvider,
                "NM1".into(),
                "2310A",
                "V1".into()
            ),
        ]
    );
    // The 999 rejects the set, names each missing segment with IK304 I6 and the claim.
    let doc = Document::parse(&x).unwrap();
    let report = validate(&doc);
    let ack = write_999(
        &doc,
        &report,
        &AckOptions::new("240306", "1000"),
        &mut SequentialControlNumbers::default(),
    )
    .unwrap();
    let ack = String::from_utf8(ack).unwrap();
    assert_eq!(ack.matches("*I6~").count(), 4, "{ack}");
    assert!(ack.contains("IK3*DTP*") && ack.contains("IK3*HI*") && ack.contains("IK3*NM1*"));
    assert!(
        ack.contains("CTX*CLM01:V1~") && ack.contains("IK5*R*"),
        "{ack}"
    );
    let text = report.issues()[0].to_string();
    assert!(
        text.contains("admission date (DTP*435)") && text.contains("SNIP 4"),
        "{text}"
    );
}

#[test]
fn each_finding_belongs_to_its_own_claim() {
    let mut second = inpatient("V2");
    second.admitting_diagnosis = None;
    let mut third = inpatient("V3");
    third.attending = None;
    let got = situational(&build(vec![inpatient("V1"), second, third]));
    let who: Vec<(SituationalRule, &str)> = got.iter().map(|g| (g.0, g.3.as_str())).collect();
    assert_eq!(
        who,
        [
            (SituationalRule::AdmittingDiagnosis, "V2"),
            (SituationalRule::AttendingProvider, "V3"),
        ]
    );
}

#[test]
fn the_discharge_hour_is_only_required_on_final_claims_of_discharged_patients() {
    let mut interim = inpatient("V1");
    interim.discharge = None;
    interim.frequency = "2".into(); // interim, first claim
    let mut still_there = inpatient("V2");
    still_there.discharge = None;
    still_there.institutional = Some(("1".into(), "7".into(), "30".into()));
    let mut last_interim = inpatient("V3");
    last_interim.discharge = None;
    last_interim.frequency = "4".into();
    let who: Vec<_> = situational(&build(vec![interim, still_there, last_interim]))
        .into_iter()
        .map(|g| (g.0, g.3))
        .collect();
    assert_eq!(who, [(SituationalRule::DischargeHour, "V3".to_string())]);
}

#[test]
fn outpatient_claims_need_no_admission_but_an_attending_provider() {
    let mut c = inpatient("O1");
    c.facility_code = "13".into(); // hospital outpatient
    c.admission = None;
    c.discharge = None;
    c.admitting_diagnosis = None;
    assert!(rules(&build(vec![c.clone()])).is_empty());
    c.attending = None;
    assert_eq!(rules(&build(vec![c])), [SituationalRule::AttendingProvider]);
}

#[test]
fn non_scheduled_transportation_alone_needs_no_attending_provider() {
    let mut c = inpatient("A1");
    c.facility_code = "13".into();
    c.admission = None;
    c.discharge = None;
    c.admitting_diagnosis = None;
    c.attending = None;
    c.lines = vec![line("0540"), line("0545")];
    assert!(rules(&build(vec![c.clone()])).is_empty());
    c.lines.push(line("0450"));
    assert_eq!(rules(&build(vec![c])), [SituationalRule::AttendingProvider]);
}

#[test]
fn a_place_of_service_qualifier_states_no_inpatient_type_of_bill() {
    let mut c = inpatient("B1");
    c.admission = None;
    c.admitting_diagnosis = None;
    c.discharge = None;
    let x = build(vec![c]);
    assert_eq!(rules(&x).len(), 3);
    // CLM05-2 B (as in public samples) carries a place of service, not a type of bill;
    // SNIP 2 reports the code, the inpatient rules stay silent.
    let text = String::from_utf8(x)
        .unwrap()
        .replace("*11:A:1*", "*11:B:1*");
    let doc = Document::parse(text.as_bytes()).unwrap();
    let report = validate(&doc);
    assert!(report
        .issues()
        .iter()
        .all(|i| !matches!(i.kind, IssueKind::Situational(_))));
}

#[test]
fn a_principal_procedure_needs_the_operating_physician() {
    let x = insert_after(
        &build(vec![inpatient("S1")]),
        "HI*ABJ:",
        "HI*BBR:0DTJ4ZZ:D8:20240302",
    );
    assert_eq!(rules(&x), [SituationalRule::OperatingPhysician]);
    let mut c = inpatient("S1");
    c.operating = Some(ClaimProvider::person("CUTTER", "ANN", "1245319599"));
    let x = insert_after(&build(vec![c]), "HI*ABJ:", "HI*BBR:0DTJ4ZZ:D8:20240302");
    assert!(rules(&x).is_empty());
}

#[test]
fn professional_claims_get_no_institutional_rules() {
    // An 837P claim on an inpatient place of service without any of it validates clean.
    let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~\
ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~NM1*41*2*SUB*****46*S1~\
PER*IC*JANE*TE*5555551234~NM1*40*2*RCV*****46*R1~HL*1**20*1~\
NM1*85*2*BILLING*****XX*1234567893~N3*1 MAIN ST~N4*TOWN*NY*10001~REF*EI*123456789~\
HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*123456789~N3*2 ELM ST~\
N4*TOWN*NY*10001~DMG*D8*19800101*F~NM1*PR*2*PAYER*****PI*12345~\
CLM*A1*90***21:B:1*Y*A*Y*Y~HI*ABK:J209~LX*1~SV1*HC:99223*90*UN*1***1~\
DTP*472*D8*20240101~SE*23*0001~GE*1*1~IEA*1*000000001~";
    let doc = Document::parse(input).unwrap();
    let report = validate(&doc);
    assert!(report.is_empty(), "{:#?}", report.issues());
}
