//! Generalises `build_claim_providers.rs` and `validate_situational.rs`: any claim the
//! 837 builder writes, with any mix of providers, admission and discharge, admitting
//! diagnosis, reasons for visit and (on replacements and voids or not) the payer claim
//! control number, parses without finding, validates with exactly the SNIP 4 findings
//! a naive reading of the 837 rules predicts (nothing else), and reads back through the
//! typed model.

// Helpers outside #[test] functions panic to report a failure, as the tests do.
#![allow(clippy::unwrap_used)]

#[path = "common/claims837.rs"]
mod claims837;

use carewire_x12::build::{Claim, ClaimKind, ClaimProvider, ServiceLine};
use carewire_x12::{validate, Document, HealthCareClaim, IssueKind, SituationalRule};
use proptest::prelude::*;
use proptest::sample::select;

#[derive(Clone, Debug)]
struct Input {
    inst: bool,
    facility: &'static str,
    frequency: &'static str,
    status: &'static str,
    admission: Option<&'static str>,
    discharge: bool,
    admitting: bool,
    reasons: usize,
    attending: Option<bool>,
    operating: bool,
    rendering: Option<bool>,
    revenue: Vec<&'static str>,
    /// Whether REF*F8 (the original claim's payer claim control number) is sent.
    original: bool,
}

fn input() -> impl Strategy<Value = Input> {
    (
        any::<bool>(),
        select(vec!["11", "12", "13", "14", "18", "21", "41", "83"]),
        select(vec!["1", "2", "4", "7", "8"]),
        select(vec!["01", "30"]),
        proptest::option::of(select(vec!["20240301", "202403010815"])),
        (any::<bool>(), any::<bool>(), 0..4usize, any::<bool>()),
        (
            proptest::option::of(any::<bool>()),
            any::<bool>(),
            proptest::option::of(any::<bool>()),
        ),
        proptest::collection::vec(select(vec!["0300", "0450", "0540", "0545"]), 1..4),
    )
        .prop_map(
            |(
                inst,
                facility,
                frequency,
                status,
                admission,
                (discharge, admitting, reasons, original),
                (attending, operating, rendering),
                revenue,
            )| Input {
                inst,
                facility,
                frequency,
                status,
                admission,
                discharge,
                admitting,
                reasons,
                attending,
                operating,
                rendering,
                revenue,
                original,
            },
        )
}

fn provider(with_taxonomy: bool, npi: &str) -> ClaimProvider {
    let p = ClaimProvider::person("DOC", "ANY", npi);
    match with_taxonomy {
        true => p.with_taxonomy("207R00000X"),
        false => p,
    }
}

fn claim(i: &Input) -> Claim {
    let lines = i
        .revenue
        .iter()
        .map(|r| ServiceLine {
            revenue_code: i.inst.then(|| r.to_string()),
            procedure: "99999".into(),
            charge: 10.into(),
            units: 1.into(),
            date: Some("20240301".into()),
            ..Default::default()
        })
        .collect();
    let inst = i.inst;
    Claim {
        id: "C1".into(),
        facility_code: i.facility.into(),
        frequency: i.frequency.into(),
        statement_period: inst.then(|| ("20240301".into(), "20240305".into())),
        institutional: inst.then(|| ("1".into(), "7".into(), i.status.into())),
        diagnoses: vec!["K3580".into(), "R05".into()],
        lines,
        admission: i.admission.map(String::from),
        discharge: i.discharge.then(|| "202403051430".into()),
        admitting_diagnosis: (inst && i.admitting).then(|| "R1031".into()),
        visit_reasons: match inst {
            true => ["R1031", "R110", "R509"][..i.reasons]
                .iter()
                .map(|r| r.to_string())
                .collect(),
            false => Vec::new(),
        },
        attending: i
            .attending
            .filter(|_| inst)
            .map(|t| provider(t, "1234567893")),
        operating: (inst && i.operating).then(|| provider(false, "1245319599")),
        rendering: i.rendering.map(|t| provider(t, "1003000126")),
        original_reference: i.original.then(|| "ICN20240201999".into()),
    }
}

/// The 837 rules, read naively from the guides' notes.
fn expected(i: &Input) -> Vec<SituationalRule> {
    let mut out = Vec::new();
    // Every 837: a replacement or void claim names the claim it replaces.
    if ["7", "8"].contains(&i.frequency) && !i.original {
        out.push(SituationalRule::PayerClaimControlNumber);
    }
    if !i.inst {
        return out;
    }
    let inpatient = ["11", "12", "18", "21", "22", "41"].contains(&i.facility);
    if inpatient && i.admission.is_none() {
        out.push(SituationalRule::AdmissionDate);
    }
    if inpatient && ["1", "4"].contains(&i.frequency) && i.status != "30" && !i.discharge {
        out.push(SituationalRule::DischargeHour);
    }
    if inpatient && !i.admitting {
        out.push(SituationalRule::AdmittingDiagnosis);
    }
    if i.revenue.iter().any(|r| !r.starts_with("054")) && i.attending.is_none() {
        out.push(SituationalRule::AttendingProvider);
    }
    out
}

fn build(i: &Input) -> Vec<u8> {
    let kind = match i.inst {
        true => ClaimKind::Institutional,
        false => ClaimKind::Professional,
    };
    claims837::build(kind, "HOSPITAL", "HOSP", vec![claim(i)]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn built_claims_validate_with_exactly_the_predicted_situational_findings(i in input()) {
        let out = build(&i);
        let doc = Document::parse(&out).unwrap();
        prop_assert!(doc.findings().is_empty());
        let report = validate(&doc);
        let mut got = Vec::new();
        for issue in report.issues() {
            match issue.kind {
                IssueKind::Situational(rule) => got.push(rule),
                _ => prop_assert!(false, "unexpected issue {issue}"),
            }
        }
        prop_assert_eq!(got, expected(&i));

        // The model reads back what was written.
        let group = doc.interchange(0).and_then(|g| g.groups().next()).unwrap();
        let set = group.transaction_sets().next().unwrap();
        let model = HealthCareClaim::from_set(&set).unwrap();
        let c = &model.billing_providers[0].subscribers[0].claims[0];
        let written = claim(&i);
        for (entity, p) in [
            ("71", &written.attending),
            ("72", &written.operating),
            ("82", &written.rendering),
        ] {
            let read = c.provider(entity);
            prop_assert_eq!(read.is_some(), p.is_some(), "NM1*{}", entity);
            if let (Some(read), Some(p)) = (read, p) {
                prop_assert_eq!(read.id.unwrap().as_str(), p.party.id.as_str());
                // PRV goes with the attending (837I) and rendering (837P) only.
                let sends_prv = matches!((entity, i.inst), ("71", true) | ("82", false));
                let want = p.taxonomy.as_deref().filter(|_| sends_prv);
                let taxonomy = read.taxonomy.map(|t| t.as_str().into_owned());
                prop_assert_eq!(taxonomy.as_deref(), want);
            }
        }
        prop_assert_eq!(c.date("435").is_some(), i.admission.is_some());
        prop_assert_eq!(c.date("096").is_some(), i.discharge);
        prop_assert_eq!(c.health_codes("ABJ").count(), usize::from(i.inst && i.admitting));
        prop_assert_eq!(c.health_codes("APR").count(), if i.inst { i.reasons } else { 0 });
    }
}
