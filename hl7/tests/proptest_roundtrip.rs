//! Properties that generalise the spec examples:
//!
//! (a) any message the builder writes reads back equal;
//! (b) any bytes parse without panic, and what parses walks, decodes and writes back
//!     byte for byte;
//! (c) the same behind a valid MSH header, so the body is really exercised;
//! (d) any text is safe to give `Path::parse`, and valid paths survive Display → parse.

use std::collections::BTreeMap;

use carewire_hl7::{
    DecodeOptions, Delimiters, DiagnosticKind, Index, Message, MessageBuilder, ParseConfig, Parser,
    Path,
};
use proptest::prelude::*;
use proptest::sample::select;

// ---------------------------------------------------------------------------------------
// (a) builder → parse
// ---------------------------------------------------------------------------------------

/// Delimiter sets: the default, v2.7 with a truncation character, HAPI's `^~|\&`, and
/// every delimiter unusual.
const DELIMITERS: &[(u8, &[u8])] = &[
    (b'|', b"^~\\&"),
    (b'|', b"^~\\&#"),
    (b'^', b"~|\\&"),
    (b'#', b"!@%*"),
];

/// Text rich in what a writer must get right: every delimiter of every set, CR, LF,
/// the HL7 null, escape-like sequences, and any Unicode scalar.
fn text() -> impl Strategy<Value = String> {
    let special = select(vec![
        '|', '^', '~', '\\', '&', '#', '!', '@', '%', '*', '\r', '\n', '"', 'X', 'F', 'S', ' ',
        '.', 'é', '€', '😀', '\u{0}',
    ]);
    let ch = prop_oneof![3 => special, 2 => any::<char>(), 3 => proptest::char::range('a', 'z')];
    proptest::collection::vec(ch, 0..12).prop_map(|v| v.into_iter().collect())
}

/// How one field is set: whole, or leaf by leaf (repetition, component, subcomponent).
#[derive(Clone, Debug)]
enum FieldSpec {
    Whole(String),
    Components(Vec<(usize, usize, String)>),
    Leaves(Vec<(usize, usize, usize, String)>),
}

fn field_spec() -> impl Strategy<Value = FieldSpec> {
    prop_oneof![
        text().prop_map(FieldSpec::Whole),
        proptest::collection::vec((1..=3usize, 1..=4usize, text()), 1..4)
            .prop_map(FieldSpec::Components),
        proptest::collection::vec((1..=3usize, 1..=4usize, 1..=3usize, text()), 1..5)
            .prop_map(FieldSpec::Leaves),
    ]
}

type Fields = Vec<(usize, FieldSpec)>;

fn segment() -> impl Strategy<Value = (&'static str, Fields)> {
    (
        select(vec!["PID", "OBX", "NTE", "ZAB", "PV1", "Z01"]),
        proptest::collection::vec((1..=8usize, field_spec()), 1..4),
    )
}

fn message_spec() -> impl Strategy<Value = (usize, Fields, Vec<(&'static str, Fields)>)> {
    (
        0..DELIMITERS.len(),
        // MSH-3..MSH-17 (MSH-18 would change the character set).
        proptest::collection::vec((3..=17usize, field_spec()), 0..4),
        proptest::collection::vec(segment(), 0..6),
    )
}

/// Applies one field's spec to the builder, recording the path → text each set leaves
/// readable. A later set of the same leaf overwrites the earlier.
fn apply(
    b: &mut MessageBuilder,
    seg: &str,
    field: usize,
    spec: &FieldSpec,
    expect: &mut BTreeMap<String, String>,
) {
    let mut set = |path: String, text: &str| {
        b.set(&path, text).expect("set");
        expect.insert(path, text.to_string());
    };
    match spec {
        FieldSpec::Whole(t) => set(format!("{seg}-{field}"), t),
        FieldSpec::Components(v) => {
            for (r, c, t) in v {
                set(format!("{seg}-{field}[{r}].{c}"), t);
            }
        }
        FieldSpec::Leaves(v) => {
            for (r, c, s, t) in v {
                set(format!("{seg}-{field}[{r}].{c}.{s}"), t);
            }
        }
    }
}

/// Per segment, keep only the last spec of each field number, so no set overwrites a
/// different level of the same field.
fn dedupe(fields: &Fields) -> BTreeMap<usize, &FieldSpec> {
    fields.iter().map(|(n, s)| (*n, s)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn builder_output_reads_back_equal((d, msh, segs) in message_spec()) {
        let (field_sep, enc) = DELIMITERS[d];
        let delims = Delimiters::new(field_sep, enc).expect("delimiters");
        let mut b = MessageBuilder::with_delimiters(delims);
        let mut expect = BTreeMap::new();
        for (n, spec) in dedupe(&msh) {
            apply(&mut b, "MSH", n, spec, &mut expect);
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (id, fields) in &segs {
            let occ = seen.entry(id).or_insert(0);
            *occ += 1;
            let seg = format!("{id}[{occ}]");
            for (n, spec) in dedupe(fields) {
                apply(&mut b, &seg, n, spec, &mut expect);
            }
        }
        let bytes = b.to_bytes();
        let msg = Message::parse_with(&bytes, &ParseConfig::strict()).expect("strict parse");
        prop_assert!(msg.diagnostics().is_empty(), "{:?}", msg.diagnostics());
        prop_assert_eq!(msg.delimiters(), delims);
        prop_assert_eq!(msg.segment_count(), 1 + segs.len());
        for (path, text) in &expect {
            let got = msg.get_str(path).expect("path");
            prop_assert_eq!(got.as_deref(), Some(text.as_str()), "at {}", path);
        }
        // What was written is what a parse → builder writes again.
        prop_assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), bytes.clone());
        let built = b.build().expect("build");
        prop_assert_eq!(built.bytes().as_ref(), bytes.as_slice());
    }
}

// ---------------------------------------------------------------------------------------
// (b), (c) arbitrary bytes
// ---------------------------------------------------------------------------------------

/// Bytes biased towards structure: delimiters, terminators, escapes, BOM bytes, NUL,
/// segment-name letters, and anything at all.
fn noisy_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let structural =
        select(b"|^~\\&#!@%*\r\n\r\n MSHPIDOBXFSTRE.0X\"\xEF\xBB\xBF\x00\x1A\t".to_vec());
    let byte = prop_oneof![3 => structural, 1 => any::<u8>()];
    proptest::collection::vec(byte, 0..max)
}

/// Parses `input` every way there is and checks what a successful parse promises.
fn check_any(input: &[u8]) -> Result<(), TestCaseError> {
    let lenient = Message::parse(input);
    // Strict and reused-index parses never panic and agree with the lenient one when
    // they succeed.
    let strict = Message::parse_with(input, &ParseConfig::strict());
    let mut index = Index::new();
    let reused = Parser::default()
        .parse_into(input, &mut index)
        .map(|m| m.segment_count());
    prop_assert_eq!(
        lenient.as_ref().map(|m| m.segment_count()).ok(),
        reused.ok()
    );
    if let Ok(s) = &strict {
        // Strict mode turns every repair into an error; what is left is informational
        // (an MSH-18 this crate cannot decode, which `charset_override` answers).
        prop_assert!(
            s.diagnostics()
                .iter()
                .all(|d| d.kind == DiagnosticKind::UnknownCharset),
            "{:?}",
            s.diagnostics()
        );
        prop_assert_eq!(
            lenient.as_ref().map(|m| m.segment_count()).ok(),
            Some(s.segment_count())
        );
    }
    let Ok(msg) = lenient else { return Ok(()) };

    // The spans tile the input: prefix, then each segment and its trailer.
    let mut covered = msg.prefix().len();
    for seg in msg.segments() {
        prop_assert_eq!(seg.offset(), covered);
        covered += seg.raw().len() + seg.trailer().len();
    }
    prop_assert_eq!(covered, input.len());

    let render = DecodeOptions::render();
    let mut diags = Vec::new();
    for seg in msg.segments() {
        let _ = (seg.id_str(), format!("{seg:?}"), seg.location().to_string());
        let count = seg.field_count();
        prop_assert!(seg.field(count + 1).is_none());
        prop_assert_eq!(seg.fields().count(), count);
        for field in seg.fields() {
            let _ = field.decoded();
            let _ = field.decode_report(&render, Some(&mut diags));
            let _ = format!("{field:?}");
            prop_assert_eq!(field.repetitions().count(), field.repetition_count());
            for rep in field.repetitions() {
                let _ = rep.unescaped();
                for comp in rep.components() {
                    let _ = comp.decoded_with(&render);
                    for sub in comp.subcomponents() {
                        let _ = sub.decode_report(&render, Some(&mut diags));
                        let raw = sub.raw();
                        prop_assert_eq!(&input[sub.offset()..sub.offset() + raw.len()], raw);
                    }
                }
            }
        }
    }
    for path in [
        "MSH-1",
        "MSH-2",
        "MSH-9.2",
        "PID-3[2].1.1",
        "OBX[2]-5",
        "MSH[2]-1",
    ] {
        let _ = msg.get_str(path).expect("valid path");
    }
    let _ = (format!("{msg:?}"), format!("{:?}", msg.header()));

    // Byte-exact round trip through the editor.
    let b = MessageBuilder::from_message(&msg);
    prop_assert_eq!(b.to_bytes(), input.to_vec());

    // An edit never panics, and an appended segment reads back.
    let mut b = b;
    if b.set("ZZZ-2.2", "new|value").is_ok() {
        let out = b.to_bytes();
        let again = Message::parse(&out).expect("edited message parses");
        if msg.find(b"ZZZ", 1).is_none() {
            prop_assert_eq!(again.segment_count(), msg.segment_count() + 1);
            let got = again.get_str("ZZZ-2.2").expect("path");
            prop_assert_eq!(got.as_deref(), Some("new|value"));
        }
    }
    Ok(())
}

/// Valid headers with each delimiter set; the body after them is arbitrary.
fn header() -> impl Strategy<Value = &'static [u8]> {
    select(vec![
        &b"MSH|^~\\&|"[..],
        b"MSH|^~\\&#|A|B|||20240101||ADT^A01|1|P|2.7\r",
        b"MSH^~|\\&^",
        b"MSH#!@%*#",
        b"\xEF\xBB\xBFMSH|^~\\&|",
        b"MSH|^~\\\\&|",
        b"MSH|^|",
        b"MSH|^~\\&|A\r\n",
        b"MSH|^~\\&|A\n",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(input in noisy_bytes(200)) {
        check_any(&input)?;
    }

    #[test]
    fn arbitrary_bytes_with_msh_prefix_never_panic(
        (head, optional_msh, body) in (header(), any::<bool>(), noisy_bytes(300))
    ) {
        let mut input = head.to_vec();
        if optional_msh {
            // A second header segment (another message, or a truncated one) in the body.
            input.extend_from_slice(b"\rMSH");
        }
        input.extend_from_slice(&body);
        check_any(&input)?;
    }
}

// ---------------------------------------------------------------------------------------
// (d) paths
// ---------------------------------------------------------------------------------------

fn path_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        select(vec![
            'P', 'I', 'D', 'o', '1', '0', '9', '-', '.', '[', ']', ' '
        ]),
        any::<char>(),
    ];
    proptest::collection::vec(ch, 0..20).prop_map(|v| v.into_iter().collect())
}

fn valid_path() -> impl Strategy<Value = String> {
    (
        "[A-Za-z0-9]{3}",
        proptest::option::of(1..=1_000_000u32),
        select(vec!['-', '.']),
        1..=1_000_000u32,
        proptest::option::of(1..=99u32),
        proptest::option::of((1..=99u32, proptest::option::of(1..=99u32))),
    )
        .prop_map(|(seg, occ, sep, field, rep, comp)| {
            let mut s = seg;
            if let Some(o) = occ {
                s.push_str(&format!("[{o}]"));
            }
            s.push_str(&format!("{sep}{field}"));
            if let Some(r) = rep {
                s.push_str(&format!("[{r}]"));
            }
            if let Some((c, sub)) = comp {
                s.push_str(&format!(".{c}"));
                if let Some(sc) = sub {
                    s.push_str(&format!(".{sc}"));
                }
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn any_path_text_never_panics(text in path_text()) {
        if let Ok(p) = Path::parse(&text) {
            let shown = p.to_string();
            prop_assert_eq!(Path::parse(&shown).ok(), Some(p));
        }
    }

    #[test]
    fn valid_paths_round_trip_through_display(text in valid_path()) {
        let p = Path::parse(&text).expect("valid path parses");
        let shown = p.to_string();
        let again = Path::parse(&shown).expect("display parses");
        prop_assert_eq!(again, p);
        prop_assert_eq!(again.to_string(), shown.clone());
        let upper = text[..3].to_ascii_uppercase();
        prop_assert_eq!(p.segment(), upper.as_bytes());
        prop_assert!(shown.starts_with(&text[..3].to_ascii_uppercase()));
    }
}
