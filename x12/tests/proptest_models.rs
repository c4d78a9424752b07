//! Generated 837P and 835 documents (any count of billing providers, subscribers,
//! patients, claims, lines, other payers and adjustments; any delimiters and line
//! endings) written by the `Writer`, parsed, and read back through the typed models —
//! from the slice parser and from the streaming units — with every value equal to what
//! was generated.

#![allow(clippy::unwrap_used)]

use carewire_x12::{
    Decimal, Delimiters, Document, Field, GroupHeader, HealthCareClaim, InterchangeHeader,
    LineEnding, Remittance, SequentialControlNumbers, UnitKind, UnitReader, Writer,
};
use proptest::prelude::*;

const DELIMITERS: &[(u8, u8, Option<u8>, u8)] = &[
    (b'*', b':', Some(b'^'), b'~'),
    (b'|', b'>', Some(b'!'), b'\n'),
    (b'~', b'^', None, b'_'),
    (0x1D, 0x1F, Some(0x1E), 0x1C),
];

fn le(n: usize) -> LineEnding {
    [LineEnding::None, LineEnding::Lf, LineEnding::CrLf][n % 3]
}

/// An exact amount: negative, whole, or with one to four decimals.
fn amount() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000i64..1_000_000_000, 0u32..5).prop_map(|(m, s)| Decimal::new(m, s).unwrap())
}

#[derive(Clone, Debug)]
struct Line {
    code: String,
    charge: Decimal,
    units: Decimal,
}

#[derive(Clone, Debug)]
struct Claim {
    charge: Decimal,
    dx: Vec<String>,
    other_payers: Vec<Vec<Decimal>>,
    lines: Vec<Line>,
}

#[derive(Clone, Debug)]
struct Sub {
    patient: bool,
    claims: Vec<Claim>,
}

fn line() -> impl Strategy<Value = Line> {
    ("[0-9]{5}", amount(), 1i64..100).prop_map(|(code, charge, u)| Line {
        code,
        charge,
        units: Decimal::from_i64(u),
    })
}

fn claim() -> impl Strategy<Value = Claim> {
    (
        amount(),
        proptest::collection::vec("[A-Z][0-9]{2,5}", 1..4),
        proptest::collection::vec(proptest::collection::vec(amount(), 0..4), 0..3),
        proptest::collection::vec(line(), 1..5),
    )
        .prop_map(|(charge, dx, other_payers, lines)| Claim {
            charge,
            dx,
            other_payers,
            lines,
        })
}

fn p837() -> impl Strategy<Value = Vec<Vec<Sub>>> {
    proptest::collection::vec(
        proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(claim(), 1..4))
                .prop_map(|(patient, claims)| Sub { patient, claims }),
            1..4,
        ),
        1..3,
    )
}

fn s(w: &mut Writer<Vec<u8>>, id: &str, els: &[&str]) {
    let f: Vec<Field<'_>> = els.iter().map(|e| Field::Simple(e)).collect();
    w.segment(id, &f).unwrap();
}

fn writer(
    d: usize,
    l: usize,
    gs01: &str,
    version: &str,
) -> (Writer<Vec<u8>>, SequentialControlNumbers) {
    let (e, c, r, t) = DELIMITERS[d];
    let mut numbers = SequentialControlNumbers::default();
    let mut w = Writer::new(Vec::new(), Delimiters::new(e, c, r, t).unwrap(), le(l));
    let h = InterchangeHeader::new("SENDER", "RECEIVER", "240101", "1200");
    w.begin_interchange(&h, &mut numbers).unwrap();
    let g = GroupHeader::new(gs01, "S", "R", "20240101", "1200", version);
    w.begin_group(&g, &mut numbers).unwrap();
    (w, numbers)
}

fn finish(mut w: Writer<Vec<u8>>) -> Vec<u8> {
    w.end_transaction_set().unwrap();
    w.end_group().unwrap();
    w.end_interchange().unwrap();
    w.into_inner().unwrap()
}

fn build_837(billing: &[Vec<Sub>], d: usize, l: usize) -> Vec<u8> {
    let (mut w, mut numbers) = writer(d, l, "HC", "005010X222A1");
    w.begin_transaction_set("837", Some("005010X222A1"), &mut numbers)
        .unwrap();
    s(
        &mut w,
        "BHT",
        &["0019", "00", "1", "20240101", "1200", "CH"],
    );
    s(
        &mut w,
        "NM1",
        &["41", "2", "SUBMITTER", "", "", "", "", "46", "1"],
    );
    s(
        &mut w,
        "NM1",
        &["40", "2", "RECEIVER", "", "", "", "", "46", "2"],
    );
    let mut hl = 0;
    let mut claim_no = 0;
    for subs in billing {
        hl += 1;
        let bp = hl.to_string();
        s(&mut w, "HL", &[&bp, "", "20", "1"]);
        s(
            &mut w,
            "NM1",
            &["85", "2", "BILLING", "", "", "", "", "XX", &bp],
        );
        for sub in subs {
            hl += 1;
            let sb = hl.to_string();
            s(
                &mut w,
                "HL",
                &[&sb, &bp, "22", if sub.patient { "1" } else { "0" }],
            );
            s(&mut w, "SBR", &["P", "18"]);
            s(
                &mut w,
                "NM1",
                &["IL", "1", "DOE", "JOHN", "", "", "", "MI", &sb],
            );
            if sub.patient {
                hl += 1;
                s(&mut w, "HL", &[&hl.to_string(), &sb, "23", "0"]);
                s(&mut w, "PAT", &["19"]);
                s(&mut w, "NM1", &["QC", "1", "DOE", "JIM"]);
            }
            for c in &sub.claims {
                claim_no += 1;
                let id = format!("C{claim_no}");
                let charge = c.charge.to_string();
                w.segment(
                    "CLM",
                    &[
                        Field::Simple(&id),
                        Field::Simple(&charge),
                        "".into(),
                        "".into(),
                        Field::Composite(&["11", "B", "1"]),
                    ],
                )
                .unwrap();
                let reps: Vec<[&str; 2]> =
                    c.dx.iter()
                        .enumerate()
                        .map(|(i, code)| [if i == 0 { "ABK" } else { "ABF" }, code.as_str()])
                        .collect();
                let reps: Vec<&[&str]> = reps.iter().map(|r| &r[..]).collect();
                if Delimiters::new(
                    DELIMITERS[d].0,
                    DELIMITERS[d].1,
                    DELIMITERS[d].2,
                    DELIMITERS[d].3,
                )
                .unwrap()
                .repetition()
                .is_some()
                {
                    w.segment("HI", &[Field::Repeated(&reps)]).unwrap();
                } else {
                    let els: Vec<Field<'_>> = reps.iter().map(|r| Field::Composite(r)).collect();
                    w.segment("HI", &els).unwrap();
                }
                for cas in &c.other_payers {
                    s(&mut w, "SBR", &["S", "18", "", "", "", "", "", "", "CI"]);
                    let texts: Vec<String> = cas.iter().map(|a| a.to_string()).collect();
                    if !texts.is_empty() {
                        let mut els: Vec<&str> = vec!["CO"];
                        for t in &texts {
                            els.extend(["45", t.as_str(), ""]);
                        }
                        s(&mut w, "CAS", &els);
                    }
                    s(
                        &mut w,
                        "NM1",
                        &["IL", "1", "DOE", "JOHN", "", "", "", "MI", "2"],
                    );
                    s(
                        &mut w,
                        "NM1",
                        &["PR", "2", "OTHER", "", "", "", "", "PI", "9"],
                    );
                }
                for (n, ln) in c.lines.iter().enumerate() {
                    s(&mut w, "LX", &[&(n + 1).to_string()]);
                    let ch = ln.charge.to_string();
                    let un = ln.units.to_string();
                    w.segment(
                        "SV1",
                        &[
                            Field::Composite(&["HC", &ln.code]),
                            Field::Simple(&ch),
                            "UN".into(),
                            Field::Simple(&un),
                        ],
                    )
                    .unwrap();
                    s(&mut w, "DTP", &["472", "D8", "20240101"]);
                }
            }
        }
    }
    finish(w)
}

/// Claim ids, charges, dx, other-payer adjustments and lines, as read by a model.
type Seen = Vec<(
    String,
    Decimal,
    Vec<String>,
    Vec<Vec<Decimal>>,
    Vec<(String, Decimal, Decimal)>,
)>;

fn seen_837(m: &HealthCareClaim<'_>) -> Seen {
    m.claims()
        .map(|c| {
            (
                c.id.as_str().into_owned(),
                c.charge.unwrap(),
                c.diagnoses
                    .iter()
                    .map(|h| h.code.as_str().into_owned())
                    .collect(),
                c.other_subscribers
                    .iter()
                    .map(|o| o.adjustments.iter().map(|a| a.amount.unwrap()).collect())
                    .collect(),
                c.lines
                    .iter()
                    .map(|l| {
                        (
                            l.procedure.as_ref().unwrap().code.as_str().into_owned(),
                            l.charge.unwrap(),
                            l.quantity.unwrap(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

fn want_837(billing: &[Vec<Sub>]) -> Seen {
    let mut n = 0;
    billing
        .iter()
        .flatten()
        .flat_map(|s| &s.claims)
        .map(|c| {
            n += 1;
            (
                format!("C{n}"),
                c.charge,
                c.dx.clone(),
                c.other_payers.clone(),
                c.lines
                    .iter()
                    .map(|l| (l.code.clone(), l.charge, l.units))
                    .collect(),
            )
        })
        .collect()
}

#[derive(Clone, Debug)]
struct Pay {
    charge: Decimal,
    paid: Decimal,
    cas: Vec<Decimal>,
    lines: Vec<(Decimal, Decimal, Vec<Decimal>)>,
}

fn r835() -> impl Strategy<Value = (Vec<Vec<Pay>>, Vec<Decimal>)> {
    let pay = (
        amount(),
        amount(),
        proptest::collection::vec(amount(), 0..4),
        proptest::collection::vec(
            (
                amount(),
                amount(),
                proptest::collection::vec(amount(), 0..4),
            ),
            0..4,
        ),
    )
        .prop_map(|(charge, paid, cas, lines)| Pay {
            charge,
            paid,
            cas,
            lines,
        });
    (
        proptest::collection::vec(proptest::collection::vec(pay, 1..4), 0..3),
        proptest::collection::vec(amount(), 0..4),
    )
}

fn cas(w: &mut Writer<Vec<u8>>, group: &str, amounts: &[Decimal]) {
    // Up to six adjustments per CAS segment.
    for chunk in amounts.chunks(6) {
        let texts: Vec<String> = chunk.iter().map(|a| a.to_string()).collect();
        let mut els: Vec<&str> = vec![group];
        for t in &texts {
            els.extend(["45", t.as_str(), ""]);
        }
        s(w, "CAS", &els);
    }
}

fn build_835(lxs: &[Vec<Pay>], plb: &[Decimal], d: usize, l: usize) -> Vec<u8> {
    let (mut w, mut numbers) = writer(d, l, "HP", "005010X221A1");
    w.begin_transaction_set("835", Some("005010X221A1"), &mut numbers)
        .unwrap();
    s(&mut w, "BPR", &["I", "100", "C", "CHK"]);
    s(&mut w, "TRN", &["1", "12345", "1512345678"]);
    s(&mut w, "N1", &["PR", "PAYER"]);
    s(&mut w, "N1", &["PE", "PROVIDER", "XX", "1234567893"]);
    let mut n = 0;
    for (k, claims) in lxs.iter().enumerate() {
        s(&mut w, "LX", &[&(k + 1).to_string()]);
        for p in claims {
            n += 1;
            let (id, ch, pd) = (format!("P{n}"), p.charge.to_string(), p.paid.to_string());
            s(&mut w, "CLP", &[&id, "1", &ch, &pd, "", "MC", "1"]);
            cas(&mut w, "CO", &p.cas);
            s(&mut w, "NM1", &["QC", "1", "DOE", "JANE"]);
            for (lc, lp, lcas) in &p.lines {
                let (a, b) = (lc.to_string(), lp.to_string());
                w.segment(
                    "SVC",
                    &[
                        Field::Composite(&["HC", "99213"]),
                        Field::Simple(&a),
                        Field::Simple(&b),
                    ],
                )
                .unwrap();
                s(&mut w, "DTM", &["472", "20240101"]);
                cas(&mut w, "PR", lcas);
            }
        }
    }
    for a in plb {
        let t = a.to_string();
        w.segment(
            "PLB",
            &[
                "1234567893".into(),
                "20241231".into(),
                Field::Composite(&["WO", "REF1"]),
                Field::Simple(&t),
            ],
        )
        .unwrap();
    }
    finish(w)
}

type SeenPay = Vec<(
    String,
    Decimal,
    Decimal,
    Vec<Decimal>,
    Vec<(Decimal, Decimal, Vec<Decimal>)>,
)>;

fn seen_835(r: &Remittance<'_>) -> SeenPay {
    r.claims
        .iter()
        .map(|c| {
            (
                c.claim_id.as_str().into_owned(),
                c.charge.unwrap(),
                c.paid.unwrap(),
                c.adjustments.iter().map(|a| a.amount.unwrap()).collect(),
                c.lines
                    .iter()
                    .map(|l| {
                        (
                            l.charge.unwrap(),
                            l.paid.unwrap(),
                            l.adjustments.iter().map(|a| a.amount.unwrap()).collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_837p_reads_back_through_the_models(
        billing in p837(),
        d in 0..DELIMITERS.len(),
        l in 0..3usize,
    ) {
        let bytes = build_837(&billing, d, l);
        let doc = Document::parse(&bytes).unwrap();
        prop_assert!(doc.findings().is_empty(), "{:?}", doc.findings());
        let set = doc.interchange(0).unwrap().groups().next().unwrap();
        let set = set.transaction_sets().next().unwrap();
        prop_assert!(set.loops().unwrap().findings().is_empty());
        let m = HealthCareClaim::from_set(&set).unwrap();
        prop_assert!(m.problems.is_empty());
        let want = want_837(&billing);
        prop_assert_eq!(&seen_837(&m), &want);
        // Hierarchy: patients' claims under 2000C.
        let patients: usize = billing.iter().flatten().filter(|s| s.patient).count();
        let got_patients: usize = m.billing_providers.iter()
            .flat_map(|b| &b.subscribers).map(|s| s.patients.len()).sum();
        prop_assert_eq!(got_patients, patients);
        // Streaming units: one claim each, the same values.
        let mut streamed = Vec::new();
        for unit in UnitReader::new(&bytes[..]) {
            let unit = unit.unwrap();
            prop_assert_eq!(unit.kind(), UnitKind::Claim);
            streamed.extend(seen_837(&unit.claim().unwrap()));
        }
        prop_assert_eq!(&streamed, &want);
    }

    #[test]
    fn generated_835_reads_back_through_the_models(
        (lxs, plb) in r835(),
        d in 0..DELIMITERS.len(),
        l in 0..3usize,
    ) {
        let bytes = build_835(&lxs, &plb, d, l);
        let doc = Document::parse(&bytes).unwrap();
        prop_assert!(doc.findings().is_empty(), "{:?}", doc.findings());
        let set = doc.interchange(0).unwrap().groups().next().unwrap();
        let set = set.transaction_sets().next().unwrap();
        prop_assert!(set.loops().unwrap().findings().is_empty());
        let r = Remittance::from_set(&set).unwrap();
        prop_assert!(r.problems.is_empty());
        let mut n = 0;
        let want: SeenPay = lxs.iter().flatten().map(|p| {
            n += 1;
            (format!("P{n}"), p.charge, p.paid, p.cas.clone(), p.lines.clone())
        }).collect();
        prop_assert_eq!(&seen_835(&r), &want);
        let got_plb: Vec<Decimal> = r.provider_adjustments.iter()
            .flat_map(|p| &p.adjustments).map(|a| a.amount.unwrap()).collect();
        prop_assert_eq!(&got_plb, &plb);
        prop_assert!(r.provider_adjustments.iter().flat_map(|p| &p.adjustments)
            .all(|a| a.reason == "WO" && a.reference.unwrap() == "REF1"));
        // Streaming units: claim payments then the PLBs.
        let mut streamed = Vec::new();
        let mut plbs = Vec::new();
        for unit in UnitReader::new(&bytes[..]) {
            let unit = unit.unwrap();
            let m = unit.remittance().unwrap();
            match unit.kind() {
                UnitKind::ClaimPayment => streamed.extend(seen_835(&m)),
                UnitKind::ProviderAdjustments => plbs.extend(
                    m.provider_adjustments.iter().flat_map(|p| &p.adjustments)
                        .map(|a| a.amount.unwrap())),
                k => prop_assert!(false, "{:?}", k),
            }
        }
        prop_assert_eq!(&streamed, &want);
        prop_assert_eq!(&plbs, &plb);
    }

    #[test]
    fn decimals_round_trip_through_text(m in any::<i64>(), s in 0u32..19) {
        let d = Decimal::new(m, s).unwrap();
        let back: Decimal = d.to_string().parse().unwrap();
        prop_assert_eq!(back, d);
        prop_assert_eq!(back.scale(), s);
        prop_assert_eq!(back.mantissa(), m);
    }
}
