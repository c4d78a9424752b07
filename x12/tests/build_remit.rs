//! The 835 builder: output parses, validates with no issue, and reads back through the
//! typed `Remittance` model with every amount, code and trace equal to the input;
//! unbalanced claims are refused with their position; a golden 835 segment by segment.

#![allow(clippy::unwrap_used)]

use carewire_x12::build::{
    Address, Balancing, BankAccounts, ClaimAdjustment, Envelope, PaidClaim, PaidLine, Party,
    Payment, PaymentMethod, PlbAmount, ProviderAdjustment, RemitPayee, RemitPayer, Remittance835,
};
use carewire_x12::{
    validate, Decimal, Document, ErrorKind, LineEnding, Remittance, SequentialControlNumbers,
};
use proptest::prelude::*;

fn d(v: &str) -> Decimal {
    v.parse().unwrap()
}

fn adj(group: &str, reason: &str, amount: &str) -> ClaimAdjustment {
    ClaimAdjustment::new(group, reason, d(amount))
}

fn payer() -> RemitPayer {
    RemitPayer {
        name: "DEMO PAYER".into(),
        address: Address {
            line1: "1 PAYER WAY".into(),
            line2: None,
            city: "TOWN".into(),
            state: "NY".into(),
            postal_code: "10001".into(),
        },
        contact: ("EDI DESK".into(), "5555551234".into()),
    }
}

fn payee() -> RemitPayee {
    RemitPayee {
        name: "DEMO CLINIC".into(),
        npi: "1234567893".into(),
        address: None,
        tax_id: Some("123456789".into()),
    }
}

fn sample() -> Remittance835 {
    Remittance835 {
        payment: Payment {
            method: PaymentMethod::Check,
            date: "20240115".into(),
            trace: "CHK0001".into(),
            originator: "1512345678".into(),
            accounts: None,
        },
        production_date: Some("20240114".into()),
        payer: payer(),
        payee: payee(),
        claims: vec![
            PaidClaim {
                id: "CLM1".into(),
                status: "1".into(),
                charge: d("150.00"),
                paid: d("95.00"),
                patient_responsibility: Some(d("20.00")),
                filing_indicator: "12".into(),
                payer_control_number: "PCN1".into(),
                facility_type: Some("11".into()),
                frequency: Some("1".into()),
                adjustments: vec![adj("OA", "23", "5.00")],
                patient: Party::person("TESTPATIENT", "ONE", "M00000001"),
                statement_period: Some(("20240105".into(), "20240106".into())),
                lines: vec![
                    PaidLine {
                        procedure: "99213".into(),
                        modifiers: vec!["25".into()],
                        charge: d("100.00"),
                        paid: d("70.00"),
                        revenue_code: None,
                        units: Some(1.into()),
                        date: Some("20240105".into()),
                        adjustments: vec![adj("CO", "45", "10.00"), adj("PR", "3", "20.00")],
                        allowed: Some(d("90.00")),
                    },
                    PaidLine {
                        procedure: "36415".into(),
                        charge: d("50.00"),
                        paid: d("30.00"),
                        adjustments: vec![adj("CO", "45", "20.00")],
                        ..Default::default()
                    },
                ],
            },
            PaidClaim {
                id: "CLM2".into(),
                status: "4".into(),
                charge: d("80.50"),
                paid: d("0"),
                filing_indicator: "12".into(),
                payer_control_number: "PCN2".into(),
                facility_type: Some("13".into()),
                adjustments: vec![adj("CO", "50", "80.50")],
                patient: Party::person("TESTPATIENT", "TWO", ""),
                ..Default::default()
            },
        ],
        provider_adjustments: vec![ProviderAdjustment {
            provider_id: "1234567893".into(),
            fiscal_period_date: "20241231".into(),
            amounts: vec![
                PlbAmount {
                    reason: "WO".into(),
                    reference: Some("CLM0".into()),
                    amount: d("12.25"),
                },
                PlbAmount {
                    reason: "L6".into(),
                    reference: None,
                    amount: d("-2.25"),
                },
            ],
        }],
        balancing: Balancing::Checked,
    }
}

fn build(r: &Remittance835) -> Vec<u8> {
    r.build(
        &Envelope::new("PAYER", "CLINIC", "240115", "0900"),
        &mut SequentialControlNumbers::default(),
    )
    .unwrap()
}

fn s(t: &carewire_x12::model::Text<'_>) -> String {
    t.as_str().into_owned()
}

fn o(t: &Option<carewire_x12::model::Text<'_>>) -> Option<String> {
    t.as_ref().map(s)
}

/// Everything the builder was given, read back through the `Remittance` model.
fn assert_reads_back(r: &Remittance835, out: &[u8]) {
    let doc = Document::parse(out).unwrap();
    let report = validate(&doc);
    assert!(report.is_empty(), "{:?}", report.issues());
    let set = doc
        .interchange(0)
        .and_then(|i| i.groups().next())
        .and_then(|g| g.transaction_sets().next())
        .unwrap();
    let m = Remittance::from_set(&set).unwrap();
    assert!(m.problems.is_empty());
    let pay = m.payment.unwrap();
    assert_eq!(pay.amount, Some(r.total().unwrap()));
    assert_eq!(o(&pay.date).as_deref(), Some(r.payment.date.as_str()));
    let trace = m.trace.unwrap();
    assert_eq!(s(&trace.reference), r.payment.trace);
    assert_eq!(
        o(&trace.originator).as_deref(),
        Some(&*r.payment.originator)
    );
    let payer = m.payer.as_ref().unwrap();
    assert_eq!(o(&payer.name).as_deref(), Some(&*r.payer.name));
    let payee = m.payee.as_ref().unwrap();
    assert_eq!(o(&payee.id).as_deref(), Some(&*r.payee.npi));
    assert_eq!(m.claims.len(), r.claims.len());
    for (c, mc) in r.claims.iter().zip(&m.claims) {
        assert_eq!(s(&mc.claim_id), c.id);
        assert_eq!(s(&mc.status), c.status);
        assert_eq!(mc.charge, Some(c.charge));
        assert_eq!(mc.paid, Some(c.paid));
        assert_eq!(mc.patient_responsibility, c.patient_responsibility);
        assert_eq!(
            o(&mc.filing_indicator).as_deref(),
            Some(&*c.filing_indicator)
        );
        assert_eq!(
            o(&mc.payer_claim_control_number).as_deref(),
            Some(&*c.payer_control_number)
        );
        assert_eq!(o(&mc.facility_type), c.facility_type);
        assert_eq!(o(&mc.frequency), c.frequency);
        let adjustments = |read: &[carewire_x12::model::Adjustment<'_>]| {
            read.iter()
                .map(|a| ClaimAdjustment::new(&s(&a.group), &s(&a.reason), a.amount.unwrap()))
                .collect::<Vec<_>>()
        };
        assert_eq!(adjustments(&mc.adjustments), grouped(&c.adjustments));
        let qc = mc.party("QC").unwrap();
        assert_eq!(o(&qc.name).as_deref(), Some(&*c.patient.name));
        assert_eq!(o(&qc.first_name), c.patient.first_name);
        assert_eq!(o(&qc.id).unwrap_or_default(), c.patient.id);
        if let Some((from, to)) = &c.statement_period {
            assert_eq!(s(&mc.dates[0].value), *from);
            assert_eq!(s(&mc.dates[1].value), *to);
        }
        assert_eq!(mc.lines.len(), c.lines.len());
        for (l, ml) in c.lines.iter().zip(&mc.lines) {
            let p = ml.procedure.as_ref().unwrap();
            assert_eq!(s(&p.code), l.procedure);
            let mods: Vec<String> = p.modifiers.iter().map(s).collect();
            assert_eq!(mods, l.modifiers);
            assert_eq!(ml.charge, Some(l.charge));
            assert_eq!(ml.paid, Some(l.paid));
            assert_eq!(o(&ml.revenue_code), l.revenue_code);
            assert_eq!(ml.units_paid, l.units);
            assert_eq!(ml.dates.first().map(|d| s(&d.value)), l.date);
            assert_eq!(adjustments(&ml.adjustments), grouped(&l.adjustments));
            assert_eq!(ml.amounts.first().and_then(|a| a.value), l.allowed);
        }
    }
    let plb: Vec<PlbAmount> = m
        .provider_adjustments
        .iter()
        .flat_map(|p| &p.adjustments)
        .map(|a| PlbAmount {
            reason: s(&a.reason),
            reference: o(&a.reference),
            amount: a.amount.unwrap(),
        })
        .collect();
    let want: Vec<PlbAmount> = r
        .provider_adjustments
        .iter()
        .flat_map(|p| p.amounts.clone())
        .collect();
    assert_eq!(plb, want);
}

/// Adjustments in the order the builder writes them: by group code, first appearance.
fn grouped(adj: &[ClaimAdjustment]) -> Vec<ClaimAdjustment> {
    let mut groups: Vec<&str> = Vec::new();
    for a in adj {
        if !groups.contains(&a.group.as_str()) {
            groups.push(&a.group);
        }
    }
    groups
        .iter()
        .flat_map(|g| adj.iter().filter(move |a| a.group == *g).cloned())
        .collect()
}

#[test]
fn sample_835_validates_and_reads_back() {
    let r = sample();
    assert_eq!(r.total().unwrap(), d("85.00"));
    assert_reads_back(&r, &build(&r));
}

#[test]
fn golden_835_segment_by_segment() {
    let out = String::from_utf8(build(&sample())).unwrap();
    let segments: Vec<&str> = out.lines().collect();
    assert_eq!(
        segments[2..],
        [
            "ST*835*0001*005010X221A1~",
            "BPR*I*85.00*C*CHK************20240115~",
            "TRN*1*CHK0001*1512345678~",
            "DTM*405*20240114~",
            "N1*PR*DEMO PAYER~",
            "N3*1 PAYER WAY~",
            "N4*TOWN*NY*10001~",
            "PER*BL*EDI DESK*TE*5555551234~",
            "N1*PE*DEMO CLINIC*XX*1234567893~",
            "REF*TJ*123456789~",
            "LX*1~",
            "CLP*CLM1*1*150.00*95.00*20.00*12*PCN1*11*1~",
            "CAS*OA*23*5.00~",
            "NM1*QC*1*TESTPATIENT*ONE****MI*M00000001~",
            "DTM*232*20240105~",
            "DTM*233*20240106~",
            "SVC*HC:99213:25*100.00*70.00**1~",
            "DTM*472*20240105~",
            "CAS*CO*45*10.00~",
            "CAS*PR*3*20.00~",
            "AMT*B6*90.00~",
            "SVC*HC:36415*50.00*30.00~",
            "CAS*CO*45*20.00~",
            "LX*2~",
            "CLP*CLM2*4*80.50*0**12*PCN2*13~",
            "CAS*CO*50*80.50~",
            "NM1*QC*1*TESTPATIENT*TWO~",
            "PLB*1234567893*20241231*WO:CLM0*12.25*L6*-2.25~",
            "SE*29*0001~",
            "GE*1*1~",
            "IEA*1*000000001~",
        ]
    );
}

#[test]
fn unbalanced_claim_and_line_are_named() {
    let mut r = sample();
    r.claims[1].paid = d("0.01");
    let err = r.build(
        &Envelope::new("PAYER", "CLINIC", "240115", "0900"),
        &mut SequentialControlNumbers::default(),
    );
    let err = err.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Unbalanced {
            claim: 2,
            line: None
        }
    );
    assert_eq!(
        err.to_string(),
        "claim 2 does not balance: charge less payment is not the sum of its adjustments at byte 0"
    );
    let mut r = sample();
    r.claims[0].lines[1].paid = d("30.01");
    r.claims[0].paid = d("95.01");
    let err = r.check_balance().unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Unbalanced {
            claim: 1,
            line: Some(2)
        }
    );
    // Unchecked writes what it is given; the validator then reports the imbalance.
    r.balancing = Balancing::Unchecked;
    let out = build(&r);
    assert!(!validate(&Document::parse(&out).unwrap()).is_empty());
}

#[test]
fn zero_payment_is_a_notification_and_ach_needs_accounts() {
    let mut r = sample();
    r.claims.truncate(0);
    r.claims.push(sample().claims[1].clone());
    r.provider_adjustments.clear();
    let out = String::from_utf8(build(&r)).unwrap();
    assert!(
        out.contains("\nBPR*H*0*C*NON************20240115~\n"),
        "{out}"
    );
    assert_reads_back(&r, out.as_bytes());

    let mut r = sample();
    r.payment.method = PaymentMethod::Ach;
    let env = Envelope::new("PAYER", "CLINIC", "240115", "0900");
    let err = r.build(&env, &mut SequentialControlNumbers::default());
    assert_eq!(err.unwrap_err().kind(), ErrorKind::InvalidValue);
    r.payment.accounts = Some(BankAccounts {
        sender_dfi: "011000015".into(),
        sender_account: "987654".into(),
        receiver_dfi: "021000021".into(),
        receiver_account: "876543".into(),
    });
    let out = build(&r);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains(
        "\nBPR*I*85.00*C*ACH*CCP*01*011000015*DA*987654*1512345678**01*021000021*DA*876543*20240115~\n"
    ));
    assert_reads_back(&r, &out);
    // Debug shows neither accounts nor patient names.
    let dbg = format!("{r:?}");
    for secret in ["987654", "876543", "TESTPATIENT", "M00000001", "CLM1"] {
        assert!(!dbg.contains(secret), "{secret} in {dbg}");
    }
}

#[test]
fn negative_total_and_delimiters_are_errors() {
    let mut r = sample();
    r.provider_adjustments[0].amounts[0].amount = d("500");
    let env = Envelope::new("PAYER", "CLINIC", "240115", "0900");
    let err = r.build(&env, &mut SequentialControlNumbers::default());
    assert_eq!(err.unwrap_err().kind(), ErrorKind::InvalidValue);
    let mut r = sample();
    r.claims[0].patient.name = "A*B".into();
    let err = r.build(&env, &mut SequentialControlNumbers::default());
    assert_eq!(err.unwrap_err().kind(), ErrorKind::DelimiterInData);
}

#[test]
fn many_adjustments_split_six_to_a_cas() {
    let mut r = sample();
    let reasons = ["1", "2", "3", "4", "5", "6", "7"];
    r.claims[1].adjustments = reasons.iter().map(|x| adj("CO", x, "11.50")).collect();
    r.claims[1].charge = d("80.50");
    let mut env = Envelope::new("PAYER", "CLINIC", "240115", "0900");
    env.line_ending = LineEnding::Lf;
    let out = build(&r);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains(
        "\nCAS*CO*1*11.50**2*11.50**3*11.50**4*11.50**5*11.50**6*11.50~\nCAS*CO*7*11.50~\n"
    ));
    assert_reads_back(&r, &out);
}

/// A claim from random line charges and adjustment splits: every amount is exact, so
/// the sums balance by construction.
fn claim_strategy() -> impl Strategy<Value = PaidClaim> {
    let line = (
        1i64..10_000_000,
        0u32..3,
        prop::collection::vec(0i64..100, 0..4),
    )
        .prop_map(|(charge, scale, cuts)| {
            let charge = Decimal::new(charge, scale).unwrap();
            let mut rest = charge;
            let mut adjustments = Vec::new();
            for (i, pct) in cuts.iter().enumerate() {
                // A share of what is left, at the same scale.
                let part = Decimal::new(rest.mantissa() * pct / 100, rest.scale()).unwrap();
                rest = (rest - part).unwrap();
                let group = ["CO", "PR", "OA"][i % 3];
                adjustments.push(ClaimAdjustment::new(group, &(i + 1).to_string(), part));
            }
            PaidLine {
                procedure: "99213".into(),
                charge,
                paid: rest,
                adjustments,
                ..Default::default()
            }
        });
    (
        prop::collection::vec(line, 1..4),
        0i64..100_000,
        any::<bool>(),
    )
        .prop_map(|(lines, claim_adj, facility)| {
            let claim_adj = Decimal::new(claim_adj, 2).unwrap();
            let charge = Decimal::try_sum(lines.iter().map(|l| l.charge)).unwrap();
            let charge = (charge + claim_adj).unwrap();
            let paid = Decimal::try_sum(lines.iter().map(|l| l.paid)).unwrap();
            PaidClaim {
                id: "C1".into(),
                status: "1".into(),
                charge,
                paid,
                filing_indicator: "12".into(),
                payer_control_number: "P1".into(),
                facility_type: Some(if facility { "11" } else { "12" }.into()),
                adjustments: vec![ClaimAdjustment::new("OA", "23", claim_adj)],
                patient: Party::person("TESTPATIENT", "X", "M1"),
                lines,
                ..Default::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_amounts_round_trip_exactly(claims in prop::collection::vec(claim_strategy(), 1..6)) {
        let mut r = sample();
        r.claims = claims;
        r.provider_adjustments.clear();
        r.check_balance().unwrap();
        let total = Decimal::try_sum(r.claims.iter().map(|c| c.paid)).unwrap();
        prop_assert_eq!(r.total().unwrap(), total);
        let out = build(&r);
        assert_reads_back(&r, &out);
    }
}
