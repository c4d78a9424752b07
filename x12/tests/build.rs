//! Builders: 837P, 837I, 270, 999 and TA1 output parses back with this crate's parser,
//! rebuilds the expected loops and validates with no issue.

// Helpers outside #[test] functions panic to report a failure, as the tests do.
#![allow(clippy::unwrap_used)]

use carewire_x12::build::{
    Address, BillingProvider, Claim, ClaimKind, ClaimProvider, Claims837, Demographics, Envelope,
    Inquiry270, InquiryPerson, InquirySubscriber, Party, Patient, ServiceLine, Subscriber,
};
use carewire_x12::{
    validate, Ack999, AckStatus, ControlNumbers, Delimiters, Document, ElementNote, ErrorKind,
    GroupHeader, InterchangeHeader, LineEnding, SegmentNote, SetResponse, Ta1, Ta1Status,
    TransactionSet, Writer,
};

/// An allocator over a database-like sequence: every number comes from one counter.
struct OneSequence(u32);

impl ControlNumbers for OneSequence {
    fn next_interchange(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
    fn next_group(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
    fn next_transaction_set(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

fn addr(line1: &str) -> Address {
    Address {
        line1: line1.into(),
        line2: None,
        city: "TOWN".into(),
        state: "NY".into(),
        postal_code: "10001".into(),
    }
}

fn line(code: &str, charge: &str, rev: Option<&str>) -> ServiceLine {
    ServiceLine {
        revenue_code: rev.map(str::to_string),
        procedure: code.into(),
        modifiers: vec![],
        charge: charge.parse().unwrap(),
        units: 1.into(),
        date: Some("20240105".into()),
    }
}

fn claim(id: &str, kind: ClaimKind, lines: Vec<ServiceLine>) -> Claim {
    let inst = kind == ClaimKind::Institutional;
    Claim {
        id: id.into(),
        facility_code: if inst { "13".into() } else { "11".into() },
        frequency: "1".into(),
        statement_period: inst.then(|| ("20240105".into(), "20240106".into())),
        institutional: inst.then(|| ("1".into(), "7".into(), "01".into())),
        diagnoses: vec!["J209".into(), "R05".into()],
        lines,
        // 837I: the attending provider is required on claims with services.
        attending: inst.then(|| ClaimProvider::person("WELBY", "MARCUS", "1234567893")),
        ..Default::default()
    }
}

fn claims(kind: ClaimKind) -> Claims837 {
    let inst = kind == ClaimKind::Institutional;
    let rev = |r: &'static str| inst.then_some(r);
    Claims837 {
        kind,
        reference: "BATCH1".into(),
        date: "20240110".into(),
        time: "1200".into(),
        submitter: Party::organization("CLINIC", "S1234"),
        contact: ("BILLING OFFICE".into(), "5555551234".into()),
        receiver: Party::organization("PAYER", "R1234"),
        providers: vec![
            BillingProvider {
                name: Party::organization("CLINIC", "1234567893"),
                address: addr("1 MAIN ST"),
                tax_id: "123456789".into(),
                taxonomy: Some("207Q00000X".into()),
                subscribers: vec![
                    Subscriber {
                        responsibility: "P".into(),
                        group_number: Some("GRP1".into()),
                        filing_indicator: "CI".into(),
                        name: Party::person("DOE", "JANE", "M123456789"),
                        address: Some(addr("2 MAIN ST")),
                        demographics: Some(Demographics {
                            birth_date: "19800101".into(),
                            gender: "F".into(),
                        }),
                        payer: Party::organization("PAYER", "12345"),
                        claims: vec![
                            claim(
                                "A1",
                                kind,
                                vec![
                                    line("99213", "60.00", rev("0510")),
                                    line("36415", "40.5", rev("0300")),
                                ],
                            ),
                            claim("A2", kind, vec![line("99214", "125", rev("0510"))]),
                        ],
                        patients: vec![],
                    },
                    Subscriber {
                        responsibility: "P".into(),
                        group_number: None,
                        filing_indicator: "CI".into(),
                        name: Party::person("ROE", "RICHARD", "M987654321"),
                        address: None,
                        demographics: None,
                        payer: Party::organization("PAYER", "12345"),
                        claims: vec![],
                        patients: vec![Patient {
                            relationship: "19".into(),
                            name: Party::person("ROE", "RITA", ""),
                            address: addr("3 MAIN ST"),
                            demographics: Demographics {
                                birth_date: "20150601".into(),
                                gender: "F".into(),
                            },
                            claims: vec![claim("B1", kind, vec![line("99213", "80", rev("0510"))])],
                        }],
                    },
                ],
            },
            BillingProvider {
                name: Party::organization("SECOND CLINIC", "1245319599"),
                address: addr("9 MAIN ST"),
                tax_id: "987654321".into(),
                taxonomy: None,
                subscribers: vec![Subscriber {
                    responsibility: "S".into(),
                    group_number: None,
                    filing_indicator: "MB".into(),
                    name: Party::person("POE", "EDGAR", "M555"),
                    address: Some(addr("4 MAIN ST")),
                    demographics: Some(Demographics {
                        birth_date: "19500101".into(),
                        gender: "M".into(),
                    }),
                    payer: Party::organization("MEDICARE", "00431"),
                    claims: vec![claim("C1", kind, vec![line("93000", "55.25", rev("0730"))])],
                    patients: vec![],
                }],
            },
        ],
    }
}

fn only_set<'d>(doc: &'d Document<'_>) -> TransactionSet<'d> {
    let group = doc.interchange(0).and_then(|i| i.groups().next()).unwrap();
    assert_eq!(group.transaction_set_count(), 1);
    group.transaction_sets().next().unwrap()
}

/// (segment id, loop id) of every segment with the given ids.
fn loops_of(set: &TransactionSet<'_>, ids: &[&str]) -> Vec<(String, &'static str)> {
    let tree = set.loops().unwrap();
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    set.segments()
        .enumerate()
        .filter(|(_, s)| ids.iter().any(|id| id.as_bytes() == s.id()))
        .map(|(i, s)| {
            (
                String::from_utf8_lossy(s.raw()).into_owned(),
                tree.loop_of(i),
            )
        })
        .collect()
}

fn check_837(kind: ClaimKind, line_seg: &str) {
    let mut numbers = OneSequence(100);
    let env = Envelope::new("SENDER", "RECEIVER", "240110", "1200");
    let out = claims(kind).build(&env, &mut numbers).unwrap();
    let doc = Document::parse(&out).unwrap();
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    let report = validate(&doc);
    assert!(report.is_empty(), "{kind:?}: {:#?}", report.issues());
    // Control numbers from the allocator, counts computed.
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("*00501*000000101*0*P*:~\n"), "{text}");
    assert!(text.contains(&format!("*102*X*{}~\n", kind.version())));
    assert!(text.ends_with("GE*1*102~\nIEA*1*000000101~\n"));
    let set = only_set(&doc);
    assert_eq!(set.control_number(), b"0103");
    let se = set.se().unwrap();
    assert_eq!(
        se.raw_element(1),
        set.segment_count().to_string().as_bytes()
    );
    // ISA padded to its fixed widths.
    assert_eq!(doc.segment(0).unwrap().raw().len(), 105);
    // HL numbering and loops.
    let got = loops_of(&set, &["HL", "CLM", line_seg]);
    let hl: Vec<(String, &str)> = got
        .iter()
        .filter(|(s, _)| s.starts_with("HL"))
        .cloned()
        .collect();
    assert_eq!(
        hl,
        [
            ("HL*1**20*1".to_string(), "2000A"),
            ("HL*2*1*22*0".to_string(), "2000B"),
            ("HL*3*1*22*1".to_string(), "2000B"),
            ("HL*4*3*23*0".to_string(), "2000C"),
            ("HL*5**20*1".to_string(), "2000A"),
            ("HL*6*5*22*0".to_string(), "2000B"),
        ]
    );
    let clm: Vec<&str> = got
        .iter()
        .filter(|(s, _)| s.starts_with("CLM"))
        .map(|(_, l)| *l)
        .collect();
    assert_eq!(clm, ["2300"; 4]);
    let lines = got
        .iter()
        .filter(|(s, l)| s.starts_with(line_seg) && *l == "2400")
        .count();
    assert_eq!(lines, 5);
    // CLM02 is the exact sum of the line charges.
    assert!(text.contains("\nCLM*A1*100.50***"), "{text}");
    assert!(text.contains("\nCLM*A2*125***"));
}

#[test]
fn professional_837_parses_back_with_its_loops_and_validates_clean() {
    check_837(ClaimKind::Professional, "SV1");
}

#[test]
fn institutional_837_parses_back_with_its_loops_and_validates_clean() {
    check_837(ClaimKind::Institutional, "SV2");
}

#[test]
fn eligibility_inquiry_270() {
    let person = |trace: &str, last: &str, id: &str| InquiryPerson {
        trace: trace.into(),
        name: Party::person(last, "PAT", id),
        demographics: Some(Demographics {
            birth_date: "19800101".into(),
            gender: "F".into(),
        }),
        service_types: vec!["30".into()],
    };
    let inquiry = Inquiry270 {
        reference: "REQ1".into(),
        date: "20240110".into(),
        time: "1200".into(),
        source: Party::organization("PAYER", "12345"),
        receiver: Party::organization("CLINIC", "1234567893"),
        originator: "9877281234".into(),
        subscribers: vec![
            InquirySubscriber {
                person: person("T1", "DOE", "M1"),
                dependents: vec![person("T2", "DOE", "")],
            },
            InquirySubscriber {
                person: person("T3", "ROE", "M2"),
                dependents: vec![],
            },
        ],
    };
    let env = Envelope::new("SENDER", "RECEIVER", "240110", "1200");
    let out = inquiry.build(&env, &mut OneSequence(0)).unwrap();
    let doc = Document::parse(&out).unwrap();
    assert!(doc.findings().is_empty());
    let report = validate(&doc);
    assert!(report.is_empty(), "{:#?}", report.issues());
    let set = only_set(&doc);
    let got = loops_of(&set, &["HL", "NM1", "EQ"]);
    let want: Vec<(String, &str)> = [
        ("HL*1**20*1", "2000A"),
        ("NM1*PR*2*PAYER*****PI*12345", "2100A"),
        ("HL*2*1*21*1", "2000B"),
        ("NM1*1P*2*CLINIC*****XX*1234567893", "2100B"),
        ("HL*3*2*22*1", "2000C"),
        ("NM1*IL*1*DOE*PAT****MI*M1", "2100C"),
        ("EQ*30", "2110C"),
        ("HL*4*3*23*0", "2000D"),
        ("NM1*03*1*DOE*PAT", "2100D"),
        ("EQ*30", "2110D"),
        ("HL*5*2*22*0", "2000C"),
        ("NM1*IL*1*ROE*PAT****MI*M2", "2100C"),
        ("EQ*30", "2110C"),
    ]
    .iter()
    .map(|(s, l)| (s.to_string(), *l))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn hand_built_999_and_ta1() {
    let ack = Ack999 {
        functional_id: "HC".into(),
        group_control_number: "17".into(),
        version: Some("005010X222A1".into()),
        sets: vec![SetResponse {
            set_id: "837".into(),
            control_number: "0001".into(),
            implementation_reference: Some("005010X222A1".into()),
            segments: vec![SegmentNote {
                segment_id: "NM1".into(),
                position: 7,
                loop_id: Some("2010".into()),
                code: "8".into(),
                contexts: vec![],
                elements: vec![ElementNote {
                    element: 9,
                    component: None,
                    repetition: None,
                    reference: Some("67".into()),
                    code: "4".into(),
                    value: Some("1".into()),
                }],
            }],
            status: AckStatus::Rejected,
            errors: vec!["I5".into()],
        }],
        status: AckStatus::Rejected,
        included: 1,
        received: 1,
        accepted: 0,
        errors: vec![],
    };
    let mut numbers = OneSequence(0);
    let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::CrLf);
    w.begin_interchange(
        &InterchangeHeader::new("RECEIVER", "SENDER", "240110", "1200"),
        &mut numbers,
    )
    .unwrap();
    let ta1 = Ta1 {
        control_number: "000000042".into(),
        date: "240101".into(),
        time: "1200".into(),
        status: Ta1Status::AcceptedWithErrors,
        note: "021".into(),
    };
    w.ta1(&ta1).unwrap();
    w.begin_group(
        &GroupHeader::new(
            "FA",
            "RECEIVER",
            "SENDER",
            "20240110",
            "1200",
            "005010X231A1",
        ),
        &mut numbers,
    )
    .unwrap();
    ack.write(&mut w, &mut numbers).unwrap();
    w.end_group().unwrap();
    w.end_interchange().unwrap();
    let out = w.into_inner().unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("\r\nTA1*000000042*240101*1200*E*021~\r\n"));
    assert!(
        text.contains(
            "\r\nIK3*NM1*7*2010*8~\r\nIK4*9*67*4*1~\r\nIK5*R*I5~\r\nAK9*R*1*1*0~\r\nSE*8*0003~\r\n"
        ),
        "{text}"
    );
    let doc = Document::parse(&out).unwrap();
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    assert!(validate(&doc).is_empty(), "{:#?}", validate(&doc).issues());
    assert_eq!(Ack999::from_set(&only_set(&doc)).unwrap(), ack);
    let read: Vec<Ta1> = doc
        .segments()
        .filter_map(|s| Ta1::from_segment(&s))
        .collect();
    assert_eq!(read, [ta1]);
}

#[test]
fn delimiters_in_values_are_refused() {
    let mut c = claims(ClaimKind::Professional);
    c.providers[0].name.name = "A*B".into();
    let env = Envelope::new("SENDER", "RECEIVER", "240110", "1200");
    let err = c.build(&env, &mut OneSequence(0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DelimiterInData);
    // A claim with no lines cannot be totalled.
    let mut c = claims(ClaimKind::Professional);
    c.providers[0].subscribers[0].claims[0].lines.clear();
    let err = c.build(&env, &mut OneSequence(0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
}

#[test]
fn debug_output_holds_no_patient_data() {
    let claim = Claim {
        id: "PCN-SECRET".into(),
        diagnoses: vec!["J209".into()],
        statement_period: Some(("19800101".into(), "19800102".into())),
        lines: vec![ServiceLine {
            procedure: "99213".into(),
            date: Some("20240105".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let person = Party::person("DOE", "JANE", "MEMBER42");
    let address = Address {
        line1: "1 ELM ST".into(),
        city: "SPRINGFIELD".into(),
        ..Default::default()
    };
    let demographics = Demographics {
        birth_date: "19800101".into(),
        gender: "F".into(),
    };
    let text = format!("{claim:?} {person:?} {address:?} {demographics:?}");
    for secret in [
        "PCN-SECRET",
        "J209",
        "19800101",
        "20240105",
        "DOE",
        "JANE",
        "MEMBER42",
        "ELM",
        "SPRINGFIELD",
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(text.contains("99213"));
}
