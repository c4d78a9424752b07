//! Properties that generalise the spec examples:
//!
//! (a) any interchanges the writer builds (any delimiters, line endings, segments,
//!     repetitions, components) parse with no finding and read back equal;
//! (b) any bytes parse or fail without panic; what parses walks, writes back byte for
//!     byte, and streams to the same segments;
//! (c) the same behind a valid ISA, so the body is really exercised.

// Helpers outside #[test] functions panic to report a failure, as the tests do.
#![allow(clippy::unwrap_used)]

use carewire_x12::{
    write_verbatim, write_with, Delimiters, Document, Field, GroupHeader, InterchangeHeader,
    LineEnding, ParseConfig, Scanner, SegmentReader, SequentialControlNumbers, Status, Writer,
};
use proptest::prelude::*;
use proptest::sample::select;

/// Delimiter sets: the HIPAA examples', LF as terminator, the odd ones seen in the
/// corpus, control characters, and one without a repetition separator.
const DELIMITERS: &[(u8, u8, Option<u8>, u8)] = &[
    (b'*', b':', Some(b'^'), b'~'),
    (b'*', b'>', Some(b'`'), b'\n'),
    (b'~', b'^', None, b'_'),
    (b'>', b'+', Some(b'^'), b'\r'),
    (b'|', b'<', Some(b'!'), b'\''),
    (0x1D, 0x1F, Some(0x1E), 0x1C),
];

/// A value: letters, digits, spaces and punctuation that is never one of the generated
/// delimiters (the writer refuses those; that refusal has its own test).
fn value() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        select(vec![
            'A', 'Z', 'a', '0', '9', ' ', '.', '-', '/', '(', ')', '@', '#', '&', ',', '=', '?',
            'é', 'ü',
        ]),
        0..8,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// One element: simple, composite or repeated.
#[derive(Clone, Debug)]
enum El {
    Simple(String),
    Composite(Vec<String>),
    Repeated(Vec<Vec<String>>),
}

fn element() -> impl Strategy<Value = El> {
    prop_oneof![
        4 => value().prop_map(El::Simple),
        2 => proptest::collection::vec(value(), 2..4).prop_map(El::Composite),
        1 => proptest::collection::vec(proptest::collection::vec(value(), 1..3), 2..4)
            .prop_map(El::Repeated),
    ]
}

fn segment() -> impl Strategy<Value = (&'static str, Vec<El>)> {
    (
        select(vec![
            "NM1", "CLM", "HI", "SV1", "REF", "N3", "DTP", "CAS", "EB", "LX",
        ]),
        proptest::collection::vec(element(), 1..6),
    )
}

/// Interchanges → groups → sets → segments.
type Spec = Vec<(usize, Vec<Vec<Vec<(&'static str, Vec<El>)>>>)>;

fn spec() -> impl Strategy<Value = (Spec, usize)> {
    let set = proptest::collection::vec(segment(), 0..6);
    let group = proptest::collection::vec(set, 1..3);
    let ich = (0..DELIMITERS.len(), proptest::collection::vec(group, 0..3));
    (proptest::collection::vec(ich, 1..4), 0..3usize)
}

fn line_ending(n: usize) -> LineEnding {
    [LineEnding::None, LineEnding::Lf, LineEnding::CrLf][n % 3]
}

/// Components as the parser will split them: an element without a repetition separator
/// reads as one repetition.
fn expected(el: &El, d: Delimiters) -> Vec<Vec<String>> {
    match el {
        El::Simple(v) => vec![vec![v.clone()]],
        El::Composite(cs) => vec![cs.clone()],
        El::Repeated(reps) if d.repetition().is_some() => reps.clone(),
        El::Repeated(reps) => vec![reps[0].clone()],
    }
}

fn build(spec: &Spec, le: LineEnding) -> Vec<u8> {
    let mut numbers = SequentialControlNumbers::default();
    let mut out = Vec::new();
    for (di, groups) in spec {
        let (e, c, r, s) = DELIMITERS[*di];
        let d = Delimiters::new(e, c, r, s).unwrap();
        let mut w = Writer::new(Vec::new(), d, le);
        let header = InterchangeHeader::new("SENDER", "RECEIVER", "240229", "2359");
        w.begin_interchange(&header, &mut numbers).unwrap();
        for sets in groups {
            let gh = GroupHeader::new("HC", "S", "R", "20240229", "2359", "005010X222A1");
            w.begin_group(&gh, &mut numbers).unwrap();
            for segs in sets {
                w.begin_transaction_set("837", Some("005010X222A1"), &mut numbers)
                    .unwrap();
                for (id, els) in segs {
                    let owned: Vec<Vec<Vec<&str>>> = els
                        .iter()
                        .map(|el| match el {
                            El::Simple(v) => vec![vec![v.as_str()]],
                            El::Composite(cs) => vec![cs.iter().map(String::as_str).collect()],
                            El::Repeated(reps) => reps
                                .iter()
                                .map(|cs| cs.iter().map(String::as_str).collect())
                                .collect(),
                        })
                        .collect();
                    let reps: Vec<Vec<&[&str]>> = owned
                        .iter()
                        .map(|r| r.iter().map(Vec::as_slice).collect())
                        .collect();
                    let fields: Vec<Field<'_>> = els
                        .iter()
                        .zip(&reps)
                        .map(|(el, r)| match el {
                            El::Simple(v) => Field::Simple(v),
                            El::Composite(_) => Field::Composite(r[0]),
                            El::Repeated(_) if d.repetition().is_some() => Field::Repeated(r),
                            El::Repeated(_) => Field::Composite(r[0]),
                        })
                        .collect();
                    w.segment(id, &fields).unwrap();
                }
                w.end_transaction_set().unwrap();
            }
            w.end_group().unwrap();
        }
        w.end_interchange().unwrap();
        out.extend(w.into_inner().unwrap());
    }
    out
}

/// Walks everything a document offers; returns the number of components seen.
fn walk(doc: &Document<'_>) -> usize {
    let mut n = 0;
    for seg in doc.segments() {
        let _ = (
            seg.id_str(),
            seg.location(),
            seg.trailer(),
            format!("{seg:?}"),
        );
        for el in seg.elements() {
            let _ = el.decoded();
            assert_eq!(el.repetitions().count(), el.repetition_count());
            for rep in el.repetitions() {
                assert_eq!(rep.components().count(), rep.component_count());
                for c in rep.components() {
                    let _ = c.decoded();
                    n += 1;
                }
            }
        }
    }
    for ich in doc.interchanges() {
        let _ = (ich.isa(), ich.iea(), ich.control_number(), ich.as_bytes());
        assert_eq!(ich.findings().count(), ich.findings().count());
        for g in ich.groups() {
            let _ = (g.gs(), g.ge(), g.functional_id(), g.version());
            for s in g.transaction_sets() {
                let _ = (s.st(), s.se(), s.id(), s.implementation_reference());
                assert_eq!(s.segments().count(), s.segment_count());
            }
        }
    }
    for f in doc.findings() {
        let _ = (f.to_string(), f.ack_code(), f.severity());
    }
    n
}

/// What parses writes back byte for byte and streams to the same segments.
fn check_parsed(input: &[u8]) {
    let Ok(doc) = Document::parse(input) else {
        return;
    };
    walk(&doc);
    let mut out = Vec::new();
    write_verbatim(&doc, &mut out).unwrap();
    assert_eq!(out, input);
    let mut reader = SegmentReader::new(std::io::BufReader::with_capacity(5, input));
    let mut all = Vec::new();
    let mut n = 0;
    for (seg, slice) in (&mut reader).zip(doc.segments()) {
        let seg = seg.unwrap();
        assert_eq!(seg.raw(), slice.raw());
        assert_eq!(seg.trailer(), slice.trailer());
        assert_eq!(seg.is_interchange_header(), slice.is_interchange_header());
        all.extend_from_slice(seg.as_bytes());
        n += 1;
    }
    assert!(reader.next().is_none(), "the stream has more segments");
    assert_eq!(n, doc.segment_count());
    // The sans-IO scanner fed one byte at a time finds the same segments.
    let mut scanner = Scanner::new(ParseConfig::default());
    let (mut start, mut have, mut k) = (0, 0, 0);
    loop {
        let eof = have == input.len();
        match scanner.next(&input[start..have], eof).unwrap() {
            Status::Complete(span) => {
                let slice = doc.segment(k).unwrap();
                let from = start + span.prefix;
                assert_eq!(&input[from..from + span.content_len], slice.raw());
                assert_eq!(span.header, slice.is_interchange_header());
                start += span.len;
                k += 1;
            }
            Status::Partial => {
                assert!(!eof, "partial at end of input");
                have += 1;
            }
            _ => break,
        }
    }
    assert_eq!(k, doc.segment_count());
    let mut whole = reader.prefix().to_vec();
    whole.extend_from_slice(&all);
    assert_eq!(whole, input);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn written_interchanges_read_back_equal((spec, le) in spec()) {
        let le = line_ending(le);
        let bytes = build(&spec, le);
        let doc = Document::parse(&bytes).unwrap();
        prop_assert!(doc.findings().is_empty(), "{:?}", doc.findings());
        prop_assert_eq!(doc.interchange_count(), spec.len());
        for (ich, (di, groups)) in doc.interchanges().zip(&spec) {
            let (e, c, r, s) = DELIMITERS[*di];
            let d = Delimiters::new(e, c, r, s).unwrap();
            prop_assert_eq!(ich.delimiters(), d);
            prop_assert_eq!(ich.group_count(), groups.len());
            for (g, sets) in ich.groups().zip(groups) {
                prop_assert_eq!(g.transaction_set_count(), sets.len());
                for (set, segs) in g.transaction_sets().zip(sets) {
                    let body: Vec<_> = set.segments().skip(1).take(segs.len()).collect();
                    prop_assert_eq!(body.len(), segs.len());
                    for (seg, (id, els)) in body.iter().zip(segs) {
                        prop_assert_eq!(seg.id(), id.as_bytes());
                        prop_assert_eq!(seg.element_count(), els.len());
                        for (k, el) in els.iter().enumerate() {
                            let got: Vec<Vec<String>> = seg
                                .element(k + 1)
                                .unwrap()
                                .repetitions()
                                .map(|r| r.components().map(|c| c.decoded().into_owned()).collect())
                                .collect();
                            prop_assert_eq!(got, expected(el, d));
                        }
                    }
                }
            }
        }
        check_parsed(&bytes);
        // Rewritten with each other delimiter set: same findings (none), same values.
        for &(e, c, r, s) in DELIMITERS {
            let d = Delimiters::new(e, c, r, s).unwrap();
            let mut out = Vec::new();
            if write_with(&doc, d, le, &mut out).is_ok() {
                let back = Document::parse(&out).unwrap();
                prop_assert!(back.findings().is_empty());
                prop_assert_eq!(back.segment_count(), doc.segment_count());
            }
        }
    }

    #[test]
    fn any_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_parsed(&input);
        for seg in SegmentReader::new(&input[..]) {
            if seg.is_err() {
                break;
            }
        }
    }

    #[test]
    fn any_body_behind_a_valid_isa_never_panics(
        body in proptest::collection::vec(
            prop_oneof![
                4 => select(b"*:^~\n\r AZ09ISAGSTEIE".to_vec()),
                1 => any::<u8>(),
            ],
            0..400,
        ),
        di in 0..DELIMITERS.len(),
    ) {
        let (e, c, r, s) = DELIMITERS[di];
        let mut input = format!(
            "ISA{e}00{e}          {e}00{e}          {e}ZZ{e}SENDER         {e}ZZ{e}RECEIVER       \
             {e}240101{e}1200{e}{r}{e}00501{e}000000001{e}0{e}T{e}{c}{s}",
            e = char::from(e),
            r = char::from(r.unwrap_or(b'U')),
            c = char::from(c),
            s = char::from(s),
        )
        .into_bytes();
        input.extend_from_slice(&body);
        let doc = Document::parse(&input).unwrap();
        walk(&doc);
        check_parsed(&input);
        // Rewriting never panics, and what it writes parses.
        for &(e, c, r, s) in DELIMITERS {
            let d = Delimiters::new(e, c, r, s).unwrap();
            let mut out = Vec::new();
            if write_with(&doc, d, LineEnding::Lf, &mut out).is_ok() {
                Document::parse(&out).unwrap();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// (d) generated 837P and 835 documents: envelopes and loops read back as written
// ---------------------------------------------------------------------------------------

/// An 837P: billing providers → subscribers → (optional patient) → claims → lines.
#[derive(Clone, Debug)]
struct Claim {
    lines: usize,
    other_payers: usize,
    rendering: bool,
}

type Subscriber = (bool, Vec<Claim>); // (claims under a 2000C patient, claims)

fn claim() -> impl Strategy<Value = Claim> {
    (1..4usize, 0..3usize, any::<bool>()).prop_map(|(lines, other_payers, rendering)| Claim {
        lines,
        other_payers,
        rendering,
    })
}

fn p837() -> impl Strategy<Value = Vec<Vec<Subscriber>>> {
    proptest::collection::vec(
        proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(claim(), 1..3)),
            1..3,
        ),
        1..3,
    )
}

fn seg(w: &mut Writer<Vec<u8>>, id: &str, els: &[&str]) {
    let fields: Vec<Field<'_>> = els.iter().map(|e| Field::Simple(e)).collect();
    w.segment(id, &fields).unwrap();
}

fn build_837p(billing: &[Vec<Subscriber>], le: LineEnding) -> Vec<u8> {
    let mut numbers = SequentialControlNumbers::default();
    let mut w = Writer::new(Vec::new(), Delimiters::default(), le);
    let header = InterchangeHeader::new("SENDER", "RECEIVER", "240101", "1200");
    w.begin_interchange(&header, &mut numbers).unwrap();
    let gh = GroupHeader::new("HC", "S", "R", "20240101", "1200", "005010X222A1");
    w.begin_group(&gh, &mut numbers).unwrap();
    w.begin_transaction_set("837", Some("005010X222A1"), &mut numbers)
        .unwrap();
    seg(
        &mut w,
        "BHT",
        &["0019", "00", "1", "20240101", "1200", "CH"],
    );
    seg(
        &mut w,
        "NM1",
        &["41", "2", "SUBMITTER", "", "", "", "", "46", "1"],
    );
    seg(
        &mut w,
        "NM1",
        &["40", "2", "RECEIVER", "", "", "", "", "46", "2"],
    );
    let mut hl = 0;
    for subscribers in billing {
        hl += 1;
        let provider = hl.to_string();
        seg(&mut w, "HL", &[&provider, "", "20", "1"]);
        seg(
            &mut w,
            "NM1",
            &["85", "2", "BILLING", "", "", "", "", "XX", "1"],
        );
        seg(&mut w, "N3", &["1 MAIN ST"]);
        seg(&mut w, "N4", &["CITY", "ST", "12345"]);
        for (patient, claims) in subscribers {
            hl += 1;
            let subscriber = hl.to_string();
            let child = if *patient { "1" } else { "0" };
            seg(&mut w, "HL", &[&subscriber, &provider, "22", child]);
            seg(&mut w, "SBR", &["P", "18"]);
            seg(
                &mut w,
                "NM1",
                &["IL", "1", "DOE", "JOHN", "", "", "", "MI", "1"],
            );
            seg(
                &mut w,
                "NM1",
                &["PR", "2", "PAYER", "", "", "", "", "PI", "1"],
            );
            if *patient {
                hl += 1;
                seg(&mut w, "HL", &[&hl.to_string(), &subscriber, "23", "0"]);
                seg(&mut w, "PAT", &["19"]);
                seg(&mut w, "NM1", &["QC", "1", "DOE", "JANE"]);
            }
            for c in claims {
                w.segment(
                    "CLM",
                    &[
                        "A1".into(),
                        "100".into(),
                        "".into(),
                        "".into(),
                        Field::Composite(&["11", "B", "1"]),
                        "Y".into(),
                    ],
                )
                .unwrap();
                w.segment(
                    "HI",
                    &[Field::Repeated(&[&["ABK", "J209"], &["ABF", "R05"]])],
                )
                .unwrap();
                if c.rendering {
                    seg(
                        &mut w,
                        "NM1",
                        &["82", "1", "DOC", "A", "", "", "", "XX", "3"],
                    );
                    seg(&mut w, "PRV", &["PE", "PXC", "207Q00000X"]);
                }
                for _ in 0..c.other_payers {
                    seg(&mut w, "SBR", &["S", "18", "", "", "", "", "", "", "CI"]);
                    seg(&mut w, "CAS", &["CO", "45", "20"]);
                    seg(
                        &mut w,
                        "NM1",
                        &["IL", "1", "DOE", "JOHN", "", "", "", "MI", "2"],
                    );
                    seg(
                        &mut w,
                        "NM1",
                        &["PR", "2", "OTHER", "", "", "", "", "PI", "9"],
                    );
                }
                for n in 0..c.lines {
                    seg(&mut w, "LX", &[&(n + 1).to_string()]);
                    w.segment(
                        "SV1",
                        &[
                            Field::Composite(&["HC", "99213"]),
                            "100".into(),
                            "UN".into(),
                        ],
                    )
                    .unwrap();
                    seg(&mut w, "DTP", &["472", "D8", "20240101"]);
                }
            }
        }
    }
    w.end_transaction_set().unwrap();
    w.end_group().unwrap();
    w.end_interchange().unwrap();
    w.into_inner().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_837p_documents_read_back_with_their_loops(
        billing in p837(),
        le in 0..3usize,
    ) {
        let bytes = build_837p(&billing, line_ending(le));
        let doc = Document::parse(&bytes).unwrap();
        prop_assert!(doc.findings().is_empty(), "{:?}", doc.findings());
        let set = doc.interchange(0).unwrap().groups().next().unwrap();
        let set = set.transaction_sets().next().unwrap();
        let tree = set.loops().unwrap();
        prop_assert!(tree.findings().is_empty(), "{:?}", tree.findings());
        let claims: usize = billing.iter().flatten().map(|(_, c)| c.len()).sum();
        let lines: usize = billing.iter().flatten().flat_map(|(_, c)| c).map(|c| c.lines).sum();
        let others: usize =
            billing.iter().flatten().flat_map(|(_, c)| c).map(|c| c.other_payers).sum();
        let mut seen = (0, 0, 0);
        for (i, s) in set.segments().enumerate() {
            match (s.id(), tree.loop_of(i)) {
                (b"CLM", l) => { prop_assert_eq!(l, "2300"); seen.0 += 1; }
                (b"SV1", l) => { prop_assert_eq!(l, "2400"); seen.1 += 1; }
                (b"CAS", l) => { prop_assert_eq!(l, "2320"); seen.2 += 1; }
                (b"PRV", l) => prop_assert_eq!(l, "2310B"),
                (b"PAT", l) => prop_assert_eq!(l, "2000C"),
                _ => {}
            }
        }
        prop_assert_eq!(seen, (claims, lines, others));
        // Patients' claims sit under 2000C, the others under 2000B.
        for (i, s) in set.segments().enumerate() {
            if s.id() == b"CLM" {
                let path = tree.path_of(i);
                prop_assert!(path == ["2000A", "2000B", "2300"]
                    || path == ["2000A", "2000B", "2000C", "2300"], "{:?}", path);
            }
        }
        check_parsed(&bytes);
    }
}

/// LX groups → claim payments (claim-level CAS count, line-level CAS count per SVC).
type Remit = Vec<Vec<(usize, Vec<usize>)>>;

/// An 835: header groups (LX) → claim payments (CLP, claim CAS) → service lines (SVC,
/// line CAS), then PLB adjustments.
fn r835() -> impl Strategy<Value = (Remit, usize)> {
    (
        proptest::collection::vec(
            proptest::collection::vec(
                (0..3usize, proptest::collection::vec(0..3usize, 0..4)),
                1..4,
            ),
            0..3,
        ),
        0..3usize,
    )
}

fn build_835(lxs: &[Vec<(usize, Vec<usize>)>], plbs: usize, le: LineEnding) -> Vec<u8> {
    let mut numbers = SequentialControlNumbers::default();
    let mut w = Writer::new(Vec::new(), Delimiters::default(), le);
    let header = InterchangeHeader::new("PAYER", "PROVIDER", "240101", "1200");
    w.begin_interchange(&header, &mut numbers).unwrap();
    let gh = GroupHeader::new("HP", "S", "R", "20240101", "1200", "005010X221A1");
    w.begin_group(&gh, &mut numbers).unwrap();
    w.begin_transaction_set("835", Some("005010X221A1"), &mut numbers)
        .unwrap();
    seg(&mut w, "BPR", &["I", "100", "C", "CHK"]);
    seg(&mut w, "TRN", &["1", "12345", "1512345678"]);
    seg(&mut w, "N1", &["PR", "PAYER"]);
    seg(&mut w, "N3", &["1 MAIN ST"]);
    seg(&mut w, "N1", &["PE", "PROVIDER", "XX", "1234567893"]);
    for (n, claims) in lxs.iter().enumerate() {
        seg(&mut w, "LX", &[&(n + 1).to_string()]);
        for (claim_cas, lines) in claims {
            seg(&mut w, "CLP", &["A1", "1", "150", "100", "", "MC", "1"]);
            for _ in 0..*claim_cas {
                seg(&mut w, "CAS", &["CO", "45", "25"]);
            }
            seg(&mut w, "NM1", &["QC", "1", "DOE", "JANE"]);
            for line_cas in lines {
                w.segment(
                    "SVC",
                    &[
                        Field::Composite(&["HC", "99213"]),
                        "150".into(),
                        "100".into(),
                    ],
                )
                .unwrap();
                seg(&mut w, "DTM", &["472", "20240101"]);
                for _ in 0..*line_cas {
                    seg(&mut w, "CAS", &["PR", "1", "10"]);
                }
            }
        }
    }
    for _ in 0..plbs {
        w.segment(
            "PLB",
            &[
                "1234567893".into(),
                "20241231".into(),
                Field::Composite(&["WO", "1"]),
                "-10".into(),
            ],
        )
        .unwrap();
    }
    w.end_transaction_set().unwrap();
    w.end_group().unwrap();
    w.end_interchange().unwrap();
    w.into_inner().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_835_documents_read_back_with_their_loops(
        (lxs, plbs) in r835(),
        le in 0..3usize,
    ) {
        let bytes = build_835(&lxs, plbs, line_ending(le));
        let doc = Document::parse(&bytes).unwrap();
        prop_assert!(doc.findings().is_empty(), "{:?}", doc.findings());
        let set = doc.interchange(0).unwrap().groups().next().unwrap();
        let set = set.transaction_sets().next().unwrap();
        let tree = set.loops().unwrap();
        prop_assert!(tree.findings().is_empty(), "{:?}", tree.findings());
        let claims = lxs.iter().flatten().count();
        let claim_cas: usize = lxs.iter().flatten().map(|(c, _)| c).sum();
        let lines: usize = lxs.iter().flatten().map(|(_, l)| l.len()).sum();
        let line_cas: usize = lxs.iter().flatten().flat_map(|(_, l)| l).sum();
        let mut seen = (0, 0, 0, 0, 0);
        for (i, s) in set.segments().enumerate() {
            match (s.id(), tree.loop_of(i)) {
                (b"CLP", l) => { prop_assert_eq!(l, "2100"); seen.0 += 1; }
                (b"CAS", "2100") => seen.1 += 1,
                (b"SVC", l) => { prop_assert_eq!(l, "2110"); seen.2 += 1; }
                (b"CAS", "2110") => seen.3 += 1,
                (b"PLB", l) => { prop_assert_eq!(l, "trailer"); seen.4 += 1; }
                (b"CAS", l) => prop_assert!(false, "CAS in {}", l),
                _ => {}
            }
        }
        prop_assert_eq!(seen, (claims, claim_cas, lines, line_cas, plbs));
        check_parsed(&bytes);
    }
}
