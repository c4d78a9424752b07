//! Loop reconstruction for 837P (005010X222A1) and 835 (005010X221A1): qualifiers pick
//! the loop, HL02 picks the parent, and unexpected segments are kept and reported.

// Helpers outside #[test] functions panic to report a failure, as the tests do.
#![allow(clippy::unwrap_used)]

use carewire_x12::{Document, Guide, LoopFindingKind, LoopTree};

fn wrap(st: &str, gs01: &str, reference: &str, body: &[&str]) -> String {
    let mut s = String::from(
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
         *240101*1200*^*00501*000000001*0*T*:~\n",
    );
    s.push_str(&format!("GS*{gs01}*S*R*20240101*1200*1*X*{reference}~\n"));
    s.push_str(&format!("ST*{st}*0001*{reference}~\n"));
    for b in body {
        s.push_str(b);
        s.push_str("~\n");
    }
    s.push_str(&format!(
        "SE*{}*0001~\nGE*1*1~\nIEA*1*000000001~\n",
        body.len() + 2
    ));
    s
}

/// (segment id, innermost loop) for every segment of the first set.
fn loops_of(input: &str) -> (Vec<(String, &'static str)>, LoopTree) {
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    let ich = doc.interchange(0).unwrap();
    let set = ich
        .groups()
        .next()
        .unwrap()
        .transaction_sets()
        .next()
        .unwrap();
    let tree = set.loops().expect("a guide with loop tables");
    let ids = set
        .segments()
        .enumerate()
        .map(|(i, s)| (s.id_str().to_string(), tree.loop_of(i)))
        .collect();
    (ids, tree)
}

const HEADER_837: &[&str] = &[
    "BHT*0019*00*1*20240101*1200*CH",
    "NM1*41*2*SUBMITTER*****46*1",
    "PER*IC*CONTACT*TE*5555551212",
    "NM1*40*2*RECEIVER*****46*2",
];

fn p837(body: &[&str]) -> String {
    let all: Vec<&str> = HEADER_837.iter().chain(body).copied().collect();
    wrap("837", "HC", "005010X222A1", &all)
}

#[test]
fn nm1_qualifiers_pick_2010aa_ab_and_ac() {
    let input = p837(&[
        "HL*1**20*1",
        "NM1*85*2*BILLING*****XX*1",
        "N3*1 MAIN ST",
        "N4*CITY*ST*12345",
        "REF*EI*1",
        "NM1*87*2",
        "N3*PO BOX 1",
        "N4*CITY*ST*12345",
        "NM1*PE*2*PLAN*****PI*1",
        "REF*2U*1",
    ]);
    let (ids, tree) = loops_of(&input);
    let got: Vec<&str> = ids.iter().map(|(_, l)| *l).collect();
    assert_eq!(
        got,
        [
            "header", "header", "1000A", "1000A", "1000B", "2000A", "2010AA", "2010AA", "2010AA",
            "2010AA", "2010AB", "2010AB", "2010AB", "2010AC", "2010AC", "trailer"
        ]
    );
    assert!(tree.findings().is_empty());
    assert_eq!(tree.guide(), Guide::Professional837);
}

const SUBSCRIBER: &[&str] = &[
    "HL*1**20*1",
    "NM1*85*2*BILLING*****XX*1",
    "HL*2*1*22*1",
    "SBR*P*01",
    "NM1*IL*1*DOE*JOHN****MI*1",
    "NM1*PR*2*PAYER*****PI*1",
];

#[test]
fn claim_sits_under_2000b_or_2000c_by_hl_hierarchy() {
    let mut body: Vec<&str> = SUBSCRIBER.to_vec();
    body.extend([
        "CLM*A1*100***11:B:1*Y*A*Y*Y",
        "HI*ABK:J209",
        "LX*1",
        "SV1*HC:99213*100*UN*1***1",
        "HL*3*2*23*0",
        "PAT*19",
        "NM1*QC*1*DOE*JANE",
        "CLM*A2*50***11:B:1*Y*A*Y*Y",
        "LX*1",
        "SV1*HC:99212*50*UN*1***1",
    ]);
    let input = p837(&body);
    let doc = Document::parse(input.as_bytes()).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    let tree = set.loops().unwrap();
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let clms: Vec<Vec<&str>> = set
        .segments()
        .enumerate()
        .filter(|(_, s)| s.id() == b"CLM" || s.id() == b"SV1")
        .map(|(i, _)| tree.path_of(i))
        .collect();
    assert_eq!(
        clms,
        [
            vec!["2000A", "2000B", "2300"],
            vec!["2000A", "2000B", "2300", "2400"],
            vec!["2000A", "2000B", "2000C", "2300"],
            vec!["2000A", "2000B", "2000C", "2300", "2400"],
        ]
    );
}

#[test]
fn hl02_decides_the_parent_not_the_order() {
    // Two billing providers; the second subscriber names the first provider (HL02 1)
    // although provider 2 came in between.
    let input = p837(&[
        "HL*1**20*1",
        "NM1*85*2*BILLING ONE*****XX*1",
        "HL*2**20*1",
        "NM1*85*2*BILLING TWO*****XX*2",
        "HL*3*1*22*0",
        "SBR*P*18",
        "NM1*IL*1*DOE*JOHN****MI*1",
    ]);
    let doc = Document::parse(input.as_bytes()).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    let tree = set.loops().unwrap();
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let hl3 = set
        .segments()
        .position(|s| s.raw() == b"HL*3*1*22*0")
        .unwrap();
    let node = tree.node_of(hl3).unwrap();
    let parent = tree.nodes()[node].parent().unwrap();
    // The parent is the first 2000A (opened at position 5), not the second (7).
    assert_eq!(tree.nodes()[parent].id(), "2000A");
    assert_eq!(tree.nodes()[parent].first_segment(), 5);
}

#[test]
fn service_line_loops_2410_to_2440() {
    let mut body: Vec<&str> = SUBSCRIBER.to_vec();
    body.extend([
        "CLM*A1*100***11:B:1*Y*A*Y*Y",
        "NM1*82*1*RENDERING*DOC****XX*3",
        "PRV*PE*PXC*207Q00000X",
        "SBR*S*18*******CI",
        "NM1*IL*1*DOE*JOHN****MI*2",
        "NM1*PR*2*OTHER PAYER*****PI*9",
        "LX*1",
        "SV1*HC:99213*100*UN*1***1",
        "DTP*472*D8*20240101",
        "LIN**N4*01234567890",
        "CTP****1*UN",
        "NM1*DK*1*ORDERING*DOC",
        "SVD*9*80*HC:99213**1",
        "CAS*CO*45*20",
        "LQ*UT*01.02",
        "FRM*1*Y",
    ]);
    let (ids, tree) = loops_of(&p837(&body));
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let tail: Vec<&str> = ids.iter().skip(11).map(|(_, l)| *l).collect();
    assert_eq!(
        tail,
        [
            "2300", "2310B", "2310B", "2320", "2330A", "2330B", "2400", "2400", "2400", "2410",
            "2410", "2420E", "2430", "2430", "2440", "2440", "trailer"
        ]
    );
}

#[test]
fn unexpected_segment_is_kept_in_the_nearest_loop_and_reported() {
    let mut body: Vec<&str> = SUBSCRIBER.to_vec();
    body.extend(["DMG*D8*19400101*F", "ZZZ*1", "NM1*XX*1*NOBODY"]);
    let input = p837(&body);
    let doc = Document::parse(input.as_bytes()).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    let tree = set.loops().unwrap();
    // DMG after 2010BB: 2010BB holds N3/N4/REF, and no open loop above it holds DMG
    // (2010BA, which does, is closed); ZZZ and NM1*XX fit nowhere either. All three stay
    // in the innermost open loop.
    let found: Vec<(LoopFindingKind, &str)> = tree
        .findings()
        .iter()
        .map(|f| (f.kind, tree.loop_of(f.position)))
        .collect();
    assert_eq!(
        found,
        [
            (LoopFindingKind::UnexpectedSegment, "2010BB"),
            (LoopFindingKind::UnexpectedSegment, "2010BB"),
            (LoopFindingKind::UnexpectedSegment, "2010BB"),
        ]
    );
    assert_eq!(tree.findings()[0].kind.ik3_code(), "2");
    assert_eq!(tree.loop_of(set.segment_count() - 1), "trailer");
}

#[test]
fn hl_with_unknown_parent_is_placed_by_level_and_reported() {
    let input = p837(&[
        "HL*1**20*1",
        "NM1*85*2*BILLING*****XX*1",
        "HL*2*9*22*0",
        "SBR*P*18",
        "HL*3*2*99*0",
    ]);
    let doc = Document::parse(input.as_bytes()).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    let tree = set.loops().unwrap();
    let kinds: Vec<LoopFindingKind> = tree.findings().iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            LoopFindingKind::HlParentNotFound,
            LoopFindingKind::UnknownHlLevel
        ]
    );
    let hl2 = set
        .segments()
        .position(|s| s.raw() == b"HL*2*9*22*0")
        .unwrap();
    assert_eq!(tree.path_of(hl2), ["2000A", "2000B"]);
}

#[test]
fn remittance_835_loops() {
    let input = wrap(
        "835",
        "HP",
        "005010X221A1",
        &[
            "BPR*I*100*C*CHK************20240101",
            "TRN*1*12345*1512345678",
            "DTM*405*20240101",
            "N1*PR*PAYER",
            "N3*1 MAIN ST",
            "N4*CITY*ST*12345",
            "PER*BL*CONTACT*TE*5555551212",
            "N1*PE*PROVIDER*XX*1234567893",
            "REF*TJ*123456789",
            "LX*1",
            "CLP*A1*1*150*100**MC*1234",
            "CAS*CO*45*50",
            "NM1*QC*1*DOE*JANE",
            "SVC*HC:99213*150*100**1",
            "DTM*472*20240101",
            "CAS*CO*45*50",
            "AMT*B6*100",
            "CLP*A2*1*50*0**MC*1235",
            "PLB*1234567893*20241231*WO:1*-10",
        ],
    );
    let (ids, tree) = loops_of(&input);
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    assert_eq!(tree.guide(), Guide::Remittance835);
    let got: Vec<&str> = ids.iter().map(|(_, l)| *l).collect();
    assert_eq!(
        got,
        [
            "header", "header", "header", "header", "1000A", "1000A", "1000A", "1000A", "1000B",
            "1000B", "2000", "2100", "2100", "2100", "2110", "2110", "2110", "2110", "2100",
            "trailer", "trailer"
        ]
    );
}

#[test]
fn other_sets_have_no_loop_table() {
    let input = wrap(
        "834",
        "BE",
        "005010X220A1",
        &["BGN*00*1*20240101*1200****2"],
    );
    let doc = Document::parse(input.as_bytes()).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    assert_eq!(set.guide(), None);
    assert!(set.loops().is_none());
    assert_eq!(set.segments().count(), 3, "read as a flat segment list");
}

#[test]
fn institutional_837_uses_its_own_qualifiers() {
    let all: Vec<&str> = HEADER_837
        .iter()
        .copied()
        .chain([
            "HL*1**20*1",
            "NM1*85*2*HOSPITAL*****XX*1",
            "HL*2*1*22*0",
            "SBR*P*18",
            "NM1*IL*1*DOE*JOHN****MI*1",
            "NM1*PR*2*PAYER*****PI*1",
            "CLM*A1*100***11:A:1**A*Y*Y",
            "CL1*1*7*01",
            "NM1*71*1*ATTENDING*DOC****XX*2",
            "NM1*72*1*OPERATING*DOC****XX*3",
            "LX*1",
            "SV2*0300*HC:80053*100*UN*1",
            "NM1*72*1*OPERATING*DOC****XX*3",
        ])
        .collect();
    let input = wrap("837", "HC", "005010X223A2", &all);
    let (ids, tree) = loops_of(&input);
    assert_eq!(tree.guide(), Guide::Institutional837);
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let tail: Vec<&str> = ids.iter().skip(11).map(|(_, l)| *l).collect();
    assert_eq!(
        tail,
        ["2300", "2300", "2310A", "2310B", "2400", "2400", "2420A", "trailer"]
    );
}

#[test]
fn acknowledgment_999_loops() {
    let input = wrap(
        "999",
        "FA",
        "005010X231A1",
        &[
            "AK1*HC*17456*005010X222A1",
            "AK2*837*0001*005010X222A1",
            "IK3*NM1*8*2010*8",
            "CTX*CLM01:A1",
            "IK4*3*1035*1",
            "CTX*SITUATIONAL TRIGGER*NM1*8*2010**3",
            "IK5*R*5",
            "AK9*R*1*1*0",
        ],
    );
    let (ids, tree) = loops_of(&input);
    assert_eq!(tree.guide(), Guide::Acknowledgment999);
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let got: Vec<&str> = ids.iter().map(|(_, l)| *l).collect();
    assert_eq!(
        got,
        [
            "header", "header", "2000", "2100", "2100", "2110", "2110", "2000", "trailer",
            "trailer"
        ]
    );
}

#[test]
fn segments_out_of_sequence_are_placed_and_reported() {
    let input = p837(&[
        "HL*1**20*1",
        "NM1*85*2*BILLING*****XX*1",
        "N4*CITY*ST*12345",
        "N3*1 MAIN ST",
        "HL*2*1*22*0",
        "SBR*P*18",
        "NM1*IL*1*DOE*JOHN****MI*1",
        "NM1*PR*2*PAYER*****PI*1",
        "CLM*A1*100***11:B:1*Y*A*Y*Y",
        "NM1*82*1*RENDERING*DOC****XX*3",
        "DTP*431*D8*20240101",
    ]);
    let doc = Document::parse(input.as_bytes()).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    let tree = set.loops().unwrap();
    let found: Vec<(LoopFindingKind, &str, &str)> = tree
        .findings()
        .iter()
        .map(|f| {
            let id = set.segments().nth(f.position).unwrap().id_str();
            (f.kind, id, tree.loop_of(f.position))
        })
        .collect();
    // N3 after N4 in 2010AA; a 2300 DTP after the 2310B loop closed.
    assert_eq!(
        found,
        [
            (LoopFindingKind::OutOfOrder, "N3", "2010AA"),
            (LoopFindingKind::OutOfOrder, "DTP", "2300"),
        ]
    );
    assert_eq!(tree.findings()[0].kind.ik3_code(), "7");
}

#[test]
fn many_sets_and_hl_loops_scale_linearly() {
    // 50,000 transaction sets in one group and 50,000 HL loops in one set: duplicate
    // control-number and HL02 lookups must not be quadratic.
    let mut s = String::from(
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
         *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~",
    );
    for i in 0..50_000 {
        s.push_str(&format!("ST*837*{i:09}*005010X222A1~BHT*0019~SE*3*{i:09}~"));
    }
    s.push_str("ST*837*A0001*005010X222A1~BHT*0019~HL*1**20*1~");
    for i in 2..50_002 {
        s.push_str(&format!("HL*{i}*1*22*0~SBR*P*18~"));
    }
    s.push_str("SE*100004*A0001~GE*50001*1~IEA*1*000000001~");
    let doc = Document::parse(s.as_bytes()).unwrap();
    assert!(doc.findings().is_empty(), "{:?}", &doc.findings()[..1]);
    let group = doc.interchange(0).unwrap().groups().next().unwrap();
    let big = group.transaction_sets().last().unwrap();
    let tree = big.loops().unwrap();
    assert!(tree.findings().is_empty());
    // header, 2000A, 50,000 × 2000B, trailer.
    assert_eq!(tree.nodes().len(), 50_003);
}

#[test]
fn eligibility_271_benefits_and_ls_le_entities() {
    let input = wrap(
        "271",
        "HB",
        "005010X279A1",
        &[
            "BHT*0022*11*1*20240101*1200",
            "HL*1**20*1",
            "NM1*PR*2*PAYER*****PI*1",
            "HL*2*1*21*1",
            "NM1*1P*2*CLINIC*****XX*2",
            "HL*3*2*22*0",
            "TRN*2*1*9877281234",
            "NM1*IL*1*DOE*JOHN****MI*1",
            "DMG*D8*19800101*M",
            "EB*1**30^1^33",
            "III*ZZ*21",
            "LS*2120",
            "NM1*P3*1*JONES*MARCUS",
            "PER*IC**TE*5555551212",
            "LE*2120",
            "EB*C*IND*30***23*500",
            "MSG*DEDUCTIBLE",
        ],
    );
    let (ids, tree) = loops_of(&input);
    assert_eq!(tree.guide(), Guide::EligibilityResponse271);
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let got: Vec<&str> = ids.iter().map(|(_, l)| *l).collect();
    assert_eq!(
        got,
        [
            "header", "header", "2000A", "2100A", "2000B", "2100B", "2000C", "2000C", "2100C",
            "2100C", "2110C", "2115C", "2110C", "2120C", "2120C", "2110C", "2110C", "2110C",
            "trailer"
        ]
    );
}

#[test]
fn eligibility_270_inquiries_for_subscriber_and_dependent() {
    let input = wrap(
        "270",
        "HS",
        "005010X279A1",
        &[
            "BHT*0022*13*1*20240101*1200",
            "HL*1**20*1",
            "NM1*PR*2*PAYER*****PI*1",
            "HL*2*1*21*1",
            "NM1*1P*2*CLINIC*****XX*2",
            "HL*3*2*22*1",
            "NM1*IL*1*DOE*JOHN****MI*1",
            "HL*4*3*23*0",
            "TRN*1*1*9877281234",
            "NM1*03*1*DOE*JANE",
            "DMG*D8*20100101*F",
            "EQ*30",
        ],
    );
    let (ids, tree) = loops_of(&input);
    assert_eq!(tree.guide(), Guide::EligibilityInquiry270);
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let eq = ids.iter().position(|(id, _)| id == "EQ").unwrap();
    assert_eq!(
        tree.path_of(eq),
        ["2000A", "2000B", "2000C", "2000D", "2100D", "2110D"]
    );
}
