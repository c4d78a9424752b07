//! The 271 builder: output parses, validates with no issue, and reads back through the
//! typed `Eligibility` model with every code, amount and trace equal to the input; a 271
//! started from a parsed 270 echoes its names, ids and traces; a golden 271.

#![allow(clippy::unwrap_used)]

use carewire_x12::build::{
    BenefitLine, Demographics, Eligibility271, Envelope, Inquiry270, InquiryPerson,
    InquirySubscriber, Party, Rejection, ResponsePerson, ResponseSubscriber, Trace,
};
use carewire_x12::model::{Member, MemberLevel, Text};
use carewire_x12::{validate, Decimal, Document, Eligibility, ErrorKind, SequentialControlNumbers};

fn d(v: &str) -> Decimal {
    v.parse().unwrap()
}

fn trace(r: &str) -> Trace {
    Trace {
        reference: r.into(),
        originator: "1123456789".into(),
    }
}

fn sample() -> Eligibility271 {
    Eligibility271 {
        reference: "REQ1".into(),
        date: "20240110".into(),
        time: "1201".into(),
        source: Party::organization("DEMO PAYER", "PAYER1"),
        source_rejections: vec![],
        receiver: Party::organization("DEMO CLINIC", "1234567893"),
        receiver_rejections: vec![],
        subscribers: vec![
            ResponseSubscriber {
                person: ResponsePerson {
                    traces: vec![trace("T1")],
                    name: Party::person("TESTPATIENT", "ONE", "M00000001"),
                    demographics: Some(Demographics {
                        birth_date: "19800101".into(),
                        gender: "F".into(),
                    }),
                    rejections: vec![],
                    benefits: vec![
                        BenefitLine::active("30").plan("GOLD PLAN"),
                        BenefitLine::copay("98", d("25")),
                        BenefitLine::deductible("30", d("500.00"), "23"),
                        BenefitLine::coinsurance("30", d("0.2")).message("AFTER DEDUCTIBLE"),
                        BenefitLine {
                            info: "1".into(),
                            coverage_level: Some("FAM".into()),
                            service_types: vec!["1".into(), "33".into(), "35".into()],
                            insurance_type: Some("C1".into()),
                            in_network: Some("Y".into()),
                            ..Default::default()
                        },
                    ],
                },
                dependents: vec![ResponsePerson {
                    traces: vec![trace("T1D")],
                    name: Party::person("TESTPATIENT", "CHILD", ""),
                    benefits: vec![BenefitLine::inactive("30")],
                    ..Default::default()
                }],
            },
            ResponseSubscriber {
                person: ResponsePerson {
                    traces: vec![trace("T2")],
                    name: Party::person("UNKNOWN", "PERSON", "M00000002"),
                    rejections: vec![Rejection::new("75", "C")],
                    ..Default::default()
                },
                dependents: vec![],
            },
        ],
    }
}

fn build(e: &Eligibility271) -> Vec<u8> {
    e.build(
        &Envelope::new("PAYER", "CLINIC", "240110", "1201"),
        &mut SequentialControlNumbers::default(),
    )
    .unwrap()
}

fn model<'a>(doc: &'a Document<'_>) -> Eligibility<'a> {
    let set = doc
        .interchange(0)
        .and_then(|i| i.groups().next())
        .and_then(|g| g.transaction_sets().next())
        .unwrap();
    Eligibility::from_set(&set).unwrap()
}

fn s(t: &Text<'_>) -> String {
    t.as_str().into_owned()
}

fn o(t: &Option<Text<'_>>) -> Option<String> {
    t.as_ref().map(s)
}

fn assert_person(p: &ResponsePerson, m: &Member<'_>) {
    let traces: Vec<Trace> = m
        .traces
        .iter()
        .map(|t| {
            assert_eq!(s(&t.trace_type), "2");
            Trace {
                reference: s(&t.reference),
                originator: o(&t.originator).unwrap_or_default(),
            }
        })
        .collect();
    assert_eq!(traces, p.traces);
    let party = m.party.as_ref().unwrap();
    assert_eq!(o(&party.name).as_deref(), Some(&*p.name.name));
    assert_eq!(o(&party.first_name), p.name.first_name);
    if m.level == MemberLevel::Subscriber {
        assert_eq!(o(&party.id).unwrap_or_default(), p.name.id);
    } else {
        assert_eq!(party.id, None);
    }
    let dmg = party.demographics.as_ref();
    assert_eq!(
        dmg.map(|d| (o(&d.birth_date).unwrap(), o(&d.gender).unwrap())),
        p.demographics
            .as_ref()
            .map(|d| (d.birth_date.clone(), d.gender.clone()))
    );
    let rejections: Vec<Rejection> = m
        .rejections
        .iter()
        .map(|r| Rejection {
            valid: r.valid == "Y",
            reason: o(&r.reason).unwrap(),
            follow_up: o(&r.follow_up).unwrap(),
        })
        .collect();
    assert_eq!(rejections, p.rejections);
    let benefits: Vec<BenefitLine> = m
        .benefits
        .iter()
        .map(|b| BenefitLine {
            info: s(&b.info),
            coverage_level: o(&b.coverage_level),
            service_types: b.service_types.iter().map(s).collect(),
            insurance_type: o(&b.insurance_type),
            plan_description: o(&b.plan_description),
            time_period: o(&b.time_period),
            amount: b.amount,
            percent: b.percent,
            in_network: o(&b.in_plan_network),
            messages: b.messages.iter().map(s).collect(),
        })
        .collect();
    assert_eq!(benefits, p.benefits);
}

fn assert_reads_back(e: &Eligibility271, out: &[u8]) {
    let doc = Document::parse(out).unwrap();
    let report = validate(&doc);
    assert!(report.is_empty(), "{:?}", report.issues());
    let m = model(&doc);
    assert!(m.problems.is_empty());
    assert_eq!(o(&m.reference).as_deref(), Some(&*e.reference));
    assert_eq!(o(&m.purpose).as_deref(), Some("11"));
    let src = &m.sources[0];
    assert_eq!(
        o(&src.party.as_ref().unwrap().id).as_deref(),
        Some("PAYER1")
    );
    let rcv = &src.receivers[0];
    assert_eq!(
        o(&rcv.party.as_ref().unwrap().id).as_deref(),
        Some("1234567893")
    );
    assert_eq!(rcv.subscribers.len(), e.subscribers.len());
    for (sub, ms) in e.subscribers.iter().zip(&rcv.subscribers) {
        assert_person(&sub.person, ms);
        assert_eq!(ms.dependents.len(), sub.dependents.len());
        for (dep, md) in sub.dependents.iter().zip(&ms.dependents) {
            assert_eq!(md.level, MemberLevel::Dependent);
            assert_person(dep, md);
        }
    }
}

#[test]
fn sample_271_validates_and_reads_back() {
    let e = sample();
    assert_reads_back(&e, &build(&e));
}

#[test]
fn golden_271_segment_by_segment() {
    let out = String::from_utf8(build(&sample())).unwrap();
    let segments: Vec<&str> = out.lines().collect();
    assert_eq!(
        segments[2..],
        [
            "ST*271*0001*005010X279A1~",
            "BHT*0022*11*REQ1*20240110*1201~",
            "HL*1**20*1~",
            "NM1*PR*2*DEMO PAYER*****PI*PAYER1~",
            "HL*2*1*21*1~",
            "NM1*1P*2*DEMO CLINIC*****XX*1234567893~",
            "HL*3*2*22*1~",
            "TRN*2*T1*1123456789~",
            "NM1*IL*1*TESTPATIENT*ONE****MI*M00000001~",
            "DMG*D8*19800101*F~",
            "EB*1*IND*30**GOLD PLAN~",
            "EB*B*IND*98***27*25~",
            "EB*C*IND*30***23*500.00~",
            "EB*A*IND*30*****0.2~",
            "MSG*AFTER DEDUCTIBLE~",
            "EB*1*FAM*1^33^35*C1********Y~",
            "HL*4*3*23*0~",
            "TRN*2*T1D*1123456789~",
            "NM1*03*1*TESTPATIENT*CHILD~",
            "EB*6*IND*30~",
            "HL*5*2*22*0~",
            "TRN*2*T2*1123456789~",
            "NM1*IL*1*UNKNOWN*PERSON****MI*M00000002~",
            "AAA*Y**75*C~",
            "SE*25*0001~",
            "GE*1*1~",
            "IEA*1*000000001~",
        ]
    );
}

fn inquiry() -> Vec<u8> {
    let person = |trace: &str, first: &str, id: &str| InquiryPerson {
        trace: trace.into(),
        name: Party::person("TESTPATIENT", first, id),
        demographics: Some(Demographics {
            birth_date: "19800101".into(),
            gender: "U".into(),
        }),
        service_types: vec!["30".into()],
    };
    let inquiry = Inquiry270 {
        reference: "REQ9".into(),
        date: "20240110".into(),
        time: "1200".into(),
        source: Party::organization("DEMO PAYER", "PAYER1"),
        receiver: Party::organization("DEMO CLINIC", "1234567893"),
        originator: "1123456789".into(),
        subscribers: vec![
            InquirySubscriber {
                person: person("T1", "ONE", "M1"),
                dependents: vec![person("T1D", "KID", "")],
            },
            InquirySubscriber {
                person: person("T2", "TWO", "M2"),
                dependents: vec![],
            },
        ],
    };
    inquiry
        .build(
            &Envelope::new("CLINIC", "PAYER", "240110", "1200"),
            &mut SequentialControlNumbers::default(),
        )
        .unwrap()
}

#[test]
fn answering_a_270_echoes_names_ids_and_traces() {
    let x270 = inquiry();
    let doc = Document::parse(&x270).unwrap();
    let asked = model(&doc);
    let mut answer = Eligibility271::answering(&asked).unwrap();
    assert_eq!(answer.reference, "REQ9");
    assert_eq!(
        (answer.date.as_str(), answer.time.as_str()),
        ("20240110", "1200")
    );
    assert_eq!(answer.source, Party::organization("DEMO PAYER", "PAYER1"));
    assert_eq!(
        answer.receiver,
        Party::organization("DEMO CLINIC", "1234567893")
    );
    let names: Vec<(String, Vec<Trace>)> = answer
        .people_mut()
        .map(|p| (p.name.id.clone(), p.traces.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("M1".to_string(), vec![trace("T1")]),
            (String::new(), vec![trace("T1D")]),
            ("M2".to_string(), vec![trace("T2")]),
        ]
    );
    assert_eq!(
        answer.subscribers[0].dependents[0].name,
        Party::person("TESTPATIENT", "KID", "")
    );
    for p in answer.people_mut() {
        p.benefits.push(BenefitLine::active("30"));
    }
    let out = build(&answer);
    assert_reads_back(&answer, &out);
    // Every inquiry trace is answered.
    let doc271 = Document::parse(&out).unwrap();
    let answered: Vec<String> = model(&doc271)
        .members()
        .flat_map(|m| m.traces.iter().map(|t| s(&t.reference)))
        .collect();
    assert_eq!(answered, ["T1", "T1D", "T2"]);
}

#[test]
fn answering_refuses_a_271_and_debug_hides_people() {
    let out = build(&sample());
    let doc = Document::parse(&out).unwrap();
    let err = Eligibility271::answering(&model(&doc)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    let dbg = format!("{:?}", sample());
    for secret in [
        "TESTPATIENT",
        "M00000001",
        "19800101",
        "T1D",
        "AFTER DEDUCTIBLE",
    ] {
        assert!(!dbg.contains(secret), "{secret} in {dbg}");
    }
}

#[test]
fn rejections_at_every_level_validate() {
    let mut e = sample();
    e.source_rejections = vec![Rejection::new("42", "R")];
    e.receiver_rejections = vec![Rejection {
        valid: false,
        reason: "43".into(),
        follow_up: "C".into(),
    }];
    let out = build(&e);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("NM1*PR*2*DEMO PAYER*****PI*PAYER1~\nAAA*Y**42*R~\n"));
    assert!(text.contains("XX*1234567893~\nAAA*N**43*C~\n"));
    assert_reads_back(&e, &out);
    let doc = Document::parse(&out).unwrap();
    let m = model(&doc);
    assert_eq!(o(&m.sources[0].rejections[0].reason).as_deref(), Some("42"));
    assert_eq!(
        o(&m.sources[0].receivers[0].rejections[0].reason).as_deref(),
        Some("43")
    );
}

#[test]
fn inquiry_person_debug_shows_no_trace_number() {
    let p = carewire_x12::build::InquiryPerson {
        trace: "TRACE93481".into(),
        ..Default::default()
    };
    let shown = format!("{p:?}");
    assert!(!shown.contains("TRACE93481"), "{shown}");
    assert!(shown.contains("trace: <10 bytes>"), "{shown}");
}
