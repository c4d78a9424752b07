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
    LineEnding, SegmentReader, SequentialControlNumbers, Writer,
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
        match seg {
            Ok(seg) => {
                assert_eq!(seg.raw(), slice.raw());
                all.extend_from_slice(seg.as_bytes());
                n += 1;
            }
            // The stream reader does not skip a NUL/SUB-padded end; nothing else differs.
            Err(_) => return,
        }
    }
    let trailing_pad = input.iter().any(|&b| b == 0 || b == 0x1A);
    if n == doc.segment_count() && !trailing_pad {
        let mut whole = reader.prefix().to_vec();
        whole.extend_from_slice(&all);
        assert_eq!(whole, input);
    }
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
