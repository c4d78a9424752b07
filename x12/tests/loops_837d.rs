//! 837D (005010X224A2) loops and the qualifier-selected loops of 837P/I/D side by side.

#![allow(clippy::unwrap_used)]

use carewire_x12::{Document, Guide};

fn wrap(reference: &str, body: &[&str]) -> String {
    let n = body.len() + 2;
    format!(
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
         *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*{reference}~\
         ST*837*0001*{reference}~{}~SE*{n}*0001~GE*1*1~IEA*1*000000001~",
        body.join("~")
    )
}

/// (segment text, loop id) for every segment of the only set, and the set's guide.
fn loops(input: &str) -> (Vec<(String, &'static str)>, Option<Guide>, usize) {
    let doc = Document::parse(input.as_bytes()).unwrap();
    assert!(doc.findings().is_empty(), "{:?}", doc.findings());
    let group = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = group.transaction_sets().next().unwrap();
    let tree = set.loops().unwrap();
    let out = set
        .segments()
        .enumerate()
        .map(|(i, s)| {
            (
                String::from_utf8_lossy(s.raw()).into_owned(),
                tree.loop_of(i),
            )
        })
        .collect();
    (out, set.guide(), tree.findings().len())
}

fn loop_of(rows: &[(String, &'static str)], prefix: &str) -> Vec<&'static str> {
    rows.iter()
        .filter(|(s, _)| s.starts_with(prefix))
        .map(|(_, l)| *l)
        .collect()
}

const HEAD: &[&str] = &[
    "BHT*0019*00*1*20240101*1200*CH",
    "NM1*41*2*SUB*****46*1",
    "PER*IC*JERRY*TE*3055552222",
    "NM1*40*2*RCV*****46*2",
    "HL*1**20*1",
    "PRV*BI*PXC*1223G0001X",
    "NM1*85*2*DENTAL*****XX*1",
    "N3*1 MAIN",
    "N4*CITY*ST*12345",
    "NM1*87*2",
    "N3*PO BOX",
    "N4*CITY*ST*12345",
    "NM1*PE*2*PLAN*****PI*9",
    "HL*2*1*22*1",
    "SBR*P********CI",
    "NM1*IL*1*DOE*JANE****MI*1",
    "NM1*PR*2*PAYER*****PI*1",
    "HL*3*2*23*0",
    "PAT*19",
    "NM1*QC*1*DOE*TED",
    "DMG*D8*20100101*M",
];

#[test]
fn dental_837_loops_from_header_to_line() {
    let mut body: Vec<&str> = HEAD.to_vec();
    body.extend([
        "CLM*C1*150***11:B:1*Y*A*Y*I",
        "DTP*472*D8*20240101",
        "DN1*12*6",
        "DN2*3*M",
        "REF*D9*17312345600006351",
        "HI*ABK:K029",
        "NM1*DN*1*REFER*RON****XX*2",
        "PRV*RF*PXC*1223G0001X",
        "NM1*82*1*RENDER*RITA****XX*3",
        "PRV*PE*PXC*1223G0001X",
        "NM1*77*2*FACILITY*****XX*4",
        "N3*2 MAIN",
        "N4*CITY*ST*12345",
        "NM1*DD*1*ASSIST*ANN****XX*5",
        "NM1*DQ*1*SUPER*SAM****XX*6",
        "SBR*S*18*******CI",
        "CAS*CO*45*10",
        "NM1*IL*1*DOE*JANE****MI*2",
        "NM1*PR*2*OTHER*****PI*2",
        "DTP*573*D8*20240105",
        "NM1*DN*1",
        "REF*G2*1",
        "NM1*82*1",
        "REF*G2*2",
        "NM1*DQ*1",
        "REF*G2*3",
        "NM1*85*2",
        "REF*G2*4",
        "NM1*77*2",
        "REF*G2*5",
        "NM1*DD*1",
        "REF*G2*6",
        "LX*1",
        "SV3*AD:D2150*100****1",
        "TOO*JP*12*M:O",
        "DTP*472*D8*20240101",
        "NM1*82*1*LINE*LARRY****XX*7",
        "PRV*PE*PXC*1223G0001X",
        "NM1*DD*1*LASSIST*A****XX*8",
        "NM1*DQ*1*LSUPER*S****XX*9",
        "NM1*77*2*LFAC*****XX*10",
        "N3*3 MAIN",
        "SVD*2*50*AD:D2150**1",
        "CAS*PR*1*50",
        "DTP*573*D8*20240106",
        "LX*2",
        "SV3*AD:D1110*50****1",
    ]);
    let (rows, guide, findings) = loops(&wrap("005010X224A2", &body));
    assert_eq!(guide, Some(Guide::Dental837));
    assert_eq!(findings, 0, "{rows:?}");
    assert_eq!(loop_of(&rows, "NM1*41"), ["1000A"]);
    assert_eq!(loop_of(&rows, "PER"), ["1000A"]);
    assert_eq!(loop_of(&rows, "NM1*40"), ["1000B"]);
    assert_eq!(loop_of(&rows, "PRV*BI"), ["2000A"]);
    assert_eq!(loop_of(&rows, "NM1*85"), ["2010AA", "2330F"]);
    assert_eq!(loop_of(&rows, "NM1*87"), ["2010AB"]);
    assert_eq!(loop_of(&rows, "N3*PO BOX"), ["2010AB"]);
    assert_eq!(loop_of(&rows, "NM1*PE"), ["2010AC"]);
    assert_eq!(loop_of(&rows, "NM1*IL"), ["2010BA", "2330A"]);
    assert_eq!(loop_of(&rows, "NM1*PR"), ["2010BB", "2330B"]);
    assert_eq!(loop_of(&rows, "PAT"), ["2000C"]);
    assert_eq!(loop_of(&rows, "NM1*QC"), ["2010CA"]);
    assert_eq!(loop_of(&rows, "CLM"), ["2300"]);
    assert_eq!(loop_of(&rows, "DN1"), ["2300"]);
    assert_eq!(loop_of(&rows, "DN2"), ["2300"]);
    assert_eq!(loop_of(&rows, "HI"), ["2300"]);
    assert_eq!(loop_of(&rows, "NM1*DN"), ["2310A", "2330C"]);
    assert_eq!(loop_of(&rows, "PRV*RF"), ["2310A"]);
    assert_eq!(loop_of(&rows, "NM1*82"), ["2310B", "2330D", "2420A"]);
    assert_eq!(loop_of(&rows, "NM1*77"), ["2310C", "2330G", "2420D"]);
    assert_eq!(loop_of(&rows, "N3*2 MAIN"), ["2310C"]);
    assert_eq!(loop_of(&rows, "NM1*DD"), ["2310D", "2330H", "2420B"]);
    assert_eq!(loop_of(&rows, "NM1*DQ"), ["2310E", "2330E", "2420C"]);
    assert_eq!(loop_of(&rows, "SBR*S"), ["2320"]);
    assert_eq!(loop_of(&rows, "CAS*CO"), ["2320"]);
    assert_eq!(loop_of(&rows, "DTP*573*D8*20240105"), ["2330B"]);
    assert_eq!(loop_of(&rows, "LX"), ["2400", "2400"]);
    assert_eq!(loop_of(&rows, "SV3"), ["2400", "2400"]);
    assert_eq!(loop_of(&rows, "TOO"), ["2400"]);
    assert_eq!(loop_of(&rows, "N3*3 MAIN"), ["2420D"]);
    assert_eq!(loop_of(&rows, "SVD"), ["2430"]);
    assert_eq!(loop_of(&rows, "CAS*PR"), ["2430"]);
    assert_eq!(loop_of(&rows, "DTP*573*D8*20240106"), ["2430"]);
    assert_eq!(loop_of(&rows, "SE"), ["trailer"]);
}

#[test]
fn dental_claims_sit_under_the_subscriber_or_the_patient() {
    let body = [
        "BHT*0019*00*1*20240101*1200*CH",
        "HL*1**20*1",
        "NM1*85*2*DENTAL*****XX*1",
        "HL*2*1*22*0",
        "SBR*P*18*******CI",
        "NM1*IL*1*DOE*JANE****MI*1",
        "CLM*C1*50***11:B:1",
        "LX*1",
        "SV3*AD:D1110*50****1",
    ];
    let input = wrap("005010X224A2", &body);
    let doc = Document::parse(input.as_bytes()).unwrap();
    let set = doc.interchange(0).unwrap().groups().next().unwrap();
    let set = set.transaction_sets().next().unwrap();
    let tree = set.loops().unwrap();
    let clm = set.segments().position(|s| s.id() == b"CLM").unwrap();
    assert_eq!(tree.path_of(clm), ["2000A", "2000B", "2300"]);
}

/// The same NM1 qualifier selects a different loop in each 837 guide.
#[test]
fn nm1_qualifiers_per_guide() {
    for (reference, rows) in [
        (
            "005010X222A1",
            &[
                ("NM1*DN", "2310A"),
                ("NM1*82", "2310B"),
                ("NM1*77", "2310C"),
                ("NM1*DQ", "2310D"),
                ("NM1*PW", "2310E"),
                ("NM1*45", "2310F"),
            ][..],
        ),
        (
            "005010X223A2",
            &[
                ("NM1*71", "2310A"),
                ("NM1*72", "2310B"),
                ("NM1*ZZ", "2310C"),
                ("NM1*82", "2310D"),
                ("NM1*77", "2310E"),
                ("NM1*DN", "2310F"),
            ][..],
        ),
        (
            "005010X224A2",
            &[
                ("NM1*DN", "2310A"),
                ("NM1*82", "2310B"),
                ("NM1*77", "2310C"),
                ("NM1*DD", "2310D"),
                ("NM1*DQ", "2310E"),
            ][..],
        ),
    ] {
        let mut body = vec![
            "BHT*0019*00*1*20240101*1200*CH".to_string(),
            "HL*1**20*1".into(),
            "NM1*85*2*B*****XX*1".into(),
            "HL*2*1*22*0".into(),
            "SBR*P*18".into(),
            "NM1*IL*1*DOE".into(),
            "CLM*C1*50***11:B:1".into(),
        ];
        body.extend(rows.iter().map(|(s, _)| format!("{s}*1*NAME")));
        let refs: Vec<&str> = body.iter().map(String::as_str).collect();
        let (got, _, findings) = loops(&wrap(reference, &refs));
        assert_eq!(findings, 0, "{reference}: {got:?}");
        for (prefix, want) in rows.iter() {
            assert_eq!(loop_of(&got, prefix), [*want], "{reference} {prefix}");
        }
    }
}

#[test]
fn corpus_837d_sample_places_every_segment() {
    let path = std::env::var_os("CAREWIRE_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
        })
        .join("x12/837D/pass/moov__example_5010_837d_sample.x12");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("corpus not found; skipping");
        return;
    };
    let (rows, guide, findings) = loops(std::str::from_utf8(&bytes).unwrap());
    assert_eq!(guide, Some(Guide::Dental837));
    assert_eq!(findings, 0);
    assert_eq!(loop_of(&rows, "NM1*85"), ["2010AA"]);
    assert_eq!(loop_of(&rows, "NM1*QC"), ["2010CA"]);
    assert_eq!(loop_of(&rows, "CLM"), ["2300"]);
    assert_eq!(loop_of(&rows, "NM1*82"), ["2310B"]);
    assert_eq!(loop_of(&rows, "TOO"), ["2400"]);
}
