//! Property tests: any data set the encoder writes (every VR, nested sequences, defined
//! and undefined lengths, the three uncompressed transfer syntaxes, and Deflated Explicit
//! VR LE through the owned data set) reads back equal and writes back byte-exact; any
//! bytes read without panicking.

use carewire_dicom_lite::{
    dict, DataSet, DataSetBuf, Element, ElementKind, Encoder, Error, ParseConfig, Tag,
    TransferSyntax, Vr,
};
use proptest::prelude::*;

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Element(Tag, Vr, Vec<u8>),
    Sequence(Tag, bool, Vec<Item>),
}

#[derive(Clone, Debug, PartialEq)]
struct Item {
    defined: bool,
    nodes: Vec<Node>,
}

impl Node {
    fn tag(&self) -> Tag {
        match self {
            Node::Element(t, ..) | Node::Sequence(t, ..) => *t,
        }
    }
}

/// Dictionary tags usable as plain elements (not SQ, not pixel data, not file meta),
/// grouped by VR so that every VR is drawn equally often.
fn element_tags() -> Vec<(Vr, Vec<Tag>)> {
    let mut by_vr: Vec<(Vr, Vec<Tag>)> = Vec::new();
    for e in dict::entries() {
        let t = e.tag();
        if e.vr == Vr::Sq || t.group() <= 0x0002 || t.group() >= 0x7FE0 || t.is_group_length() {
            continue;
        }
        match by_vr.iter_mut().find(|(vr, _)| *vr == e.vr) {
            Some((_, tags)) => tags.push(t),
            None => by_vr.push((e.vr, vec![t])),
        }
    }
    by_vr
}

#[test]
fn the_generator_draws_every_vr() {
    let vrs: Vec<Vr> = element_tags().iter().map(|(vr, _)| *vr).collect();
    for code in [
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF",
        "OL", "OV", "OW", "PN", "SH", "SL", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR",
        "US", "UT", "UV",
    ] {
        let b = code.as_bytes();
        let vr = Vr::from_bytes([b[0], b[1]]).unwrap();
        assert!(vrs.contains(&vr), "{code}");
    }
    assert!(sequence_tags().len() > 1000);
}

fn sequence_tags() -> Vec<Tag> {
    dict::entries()
        .iter()
        .filter(|e| e.vr == Vr::Sq && e.tag().group() > 0x0002 && e.tag().group() < 0x7FE0)
        .map(|e| e.tag())
        .collect()
}

fn element_strategy() -> impl Strategy<Value = Node> {
    let by_vr = element_tags();
    (
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(move |(v, t, mut value)| {
            let (vr, tags) = &by_vr[v.index(by_vr.len())];
            if *vr == Vr::Un && value.starts_with(&[0xFE, 0xFF, 0x00, 0xE0]) {
                // A UN value that starts with an item tag is read as a sequence (CP-246).
                value[0] = 0;
            }
            Node::Element(tags[t.index(tags.len())], *vr, value)
        })
}

fn normalise(mut nodes: Vec<Node>) -> Vec<Node> {
    nodes.sort_by_key(|n| n.tag());
    nodes.dedup_by_key(|n| n.tag());
    nodes
}

fn nodes_strategy() -> impl Strategy<Value = Vec<Node>> {
    let seq_tags = sequence_tags();
    let leaf = proptest::collection::vec(element_strategy(), 0..6).prop_map(normalise);
    leaf.prop_recursive(4, 64, 6, move |inner| {
        let seq_tags = seq_tags.clone();
        let item = (any::<bool>(), inner).prop_map(|(defined, nodes)| Item { defined, nodes });
        let seq = (
            0..seq_tags.len(),
            any::<bool>(),
            proptest::collection::vec(item, 0..3),
        )
            .prop_map(move |(i, defined, items)| Node::Sequence(seq_tags[i], defined, items));
        proptest::collection::vec(prop_oneof![element_strategy(), seq], 0..6).prop_map(normalise)
    })
}

fn encode(enc: &mut Encoder, nodes: &[Node]) -> Result<(), Error> {
    for node in nodes {
        match node {
            Node::Element(tag, vr, value) => enc.element(*tag, *vr, value)?,
            Node::Sequence(tag, defined, items) => {
                enc.begin_sequence(*tag, *defined)?;
                for item in items {
                    enc.begin_item(item.defined)?;
                    encode(enc, &item.nodes)?;
                    enc.end_item()?;
                }
                enc.end_sequence()?;
            }
        }
    }
    Ok(())
}

/// The tree as read back: values padded as the encoder wrote them.
fn decode<'d>(elements: impl Iterator<Item = Element<'d>>) -> Vec<Node> {
    elements
        .filter(|e| {
            !matches!(
                e.kind(),
                ElementKind::ItemDelimitation | ElementKind::SequenceDelimitation
            )
        })
        .map(|e| match e.kind() {
            ElementKind::Sequence => Node::Sequence(
                e.tag(),
                !e.is_undefined_length(),
                e.items()
                    .map(|i| Item {
                        defined: !i.is_undefined_length(),
                        nodes: decode(i.children()),
                    })
                    .collect(),
            ),
            _ => Node::Element(e.tag(), e.vr(), e.raw().to_vec()),
        })
        .collect()
}

fn padded(nodes: &[Node]) -> Vec<Node> {
    nodes
        .iter()
        .map(|n| match n {
            Node::Element(t, vr, v) => {
                let mut v = v.clone();
                if v.len() % 2 == 1 {
                    v.push(vr.padding());
                }
                Node::Element(*t, *vr, v)
            }
            Node::Sequence(t, d, items) => Node::Sequence(
                *t,
                *d,
                items
                    .iter()
                    .map(|i| Item {
                        defined: i.defined,
                        nodes: padded(&i.nodes),
                    })
                    .collect(),
            ),
        })
        .collect()
}

fn walk_all(ds: &DataSet<'_>) {
    for e in ds.entries_iter() {
        let _ = e.to_str();
        let _ = e.strings();
        let _ = e.date();
        let _ = e.datetime();
        let _ = e.time();
        let _ = e.decimals();
        let _ = e.uint();
        let _ = e.tags();
        let _ = e.f32s();
        let _ = e.character_set();
        let _ = e.with_person_name(|p| p.alphabetic.family.len());
        let _ = format!("{e:?}");
    }
    if let Some(carewire_dicom_lite::PixelData::Encapsulated(f)) = ds.pixel_data() {
        let _ = f.offsets();
        let _ = f.fragments().count();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encoded_data_sets_read_back_equal_and_write_back_exact(
        nodes in nodes_strategy(),
        ts in prop_oneof![
            Just(TransferSyntax::ImplicitVrLittleEndian),
            Just(TransferSyntax::ExplicitVrLittleEndian),
            Just(TransferSyntax::ExplicitVrBigEndian),
        ],
        part10 in any::<bool>(),
    ) {
        let mut enc = if part10 {
            Encoder::part10([0x5A; 128], ts, "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4").unwrap()
        } else {
            Encoder::new(ts)
        };
        encode(&mut enc, &nodes).unwrap();
        let bytes = enc.finish().unwrap();
        // An empty input is an error of its own (tested elsewhere).
        if bytes.is_empty() {
            return Ok(());
        }
        let config = ParseConfig::default().transfer_syntax(ts);
        let ds = DataSet::parse_with(&bytes, &config).unwrap();
        prop_assert_eq!(ds.transfer_syntax(), ts);
        let back = decode(ds.elements());
        let expected = padded(&nodes);
        // In implicit VR the VR read back comes from the dictionary, which is where the
        // generator took it from, so the trees compare equal in every syntax.
        prop_assert_eq!(&back, &expected);
        prop_assert_eq!(ds.to_vec(), bytes.clone());
        // The owned data set writes the same bytes the encoder did, and converts between
        // byte orders without changing values.
        let buf = DataSetBuf::from_view(&ds).unwrap();
        prop_assert_eq!(buf.write(ts).unwrap(), bytes.clone());
        if ts.is_explicit_vr() {
            let other = if ts.is_big_endian() {
                TransferSyntax::ExplicitVrLittleEndian
            } else {
                TransferSyntax::ExplicitVrBigEndian
            };
            let converted = buf.write(other).unwrap();
            let again = DataSet::parse_with(&converted, &ParseConfig::default().transfer_syntax(other)).unwrap();
            let again = DataSetBuf::from_view(&again).unwrap();
            prop_assert_eq!(again.elements(), buf.elements());
        }
        // Deflated Explicit VR LE (Part 10 only: a bare deflated data set names no syntax)
        // carries the same values.
        let deflated = TransferSyntax::DeflatedExplicitVrLittleEndian;
        if part10 {
            let out = buf.write(deflated).unwrap();
            let again = DataSet::parse(&out).unwrap();
            prop_assert_eq!(again.transfer_syntax(), deflated);
            prop_assert_eq!(again.to_vec(), out.clone());
            let again = DataSetBuf::from_view(&again).unwrap();
            prop_assert_eq!(again.elements(), buf.elements());
        } else {
            prop_assert!(buf.write(deflated).is_err());
        }
        // Without the override, a bare data set's syntax is detected — when the first
        // group says which byte order it is in: detection takes the order in which the
        // group reads smaller, so a data set starting in group 0400 (0004 byte-swapped)
        // is ambiguous (one empty sequence (0400,0401) is valid both ways).
        let first_group = nodes.first().map_or(0, |n| n.tag().group());
        if !part10 && first_group.swap_bytes() > first_group {
            let ds = DataSet::parse(&bytes).unwrap();
            prop_assert_eq!(ds.transfer_syntax(), ts);
            prop_assert_eq!(decode(ds.elements()), padded(&nodes));
        }
        // Without the override, a Part 10 file names its syntax and reads the same.
        if part10 {
            let ds = DataSet::parse(&bytes).unwrap();
            prop_assert!(ds.diagnostics().is_empty());
            prop_assert_eq!(decode(ds.elements()), expected);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for config in [
            ParseConfig::default(),
            ParseConfig::strict(),
            ParseConfig::default().stop_before_pixel_data(true).max_header_len(64),
            ParseConfig::default().transfer_syntax(TransferSyntax::ImplicitVrLittleEndian),
            ParseConfig::default().transfer_syntax(TransferSyntax::ExplicitVrBigEndian),
            ParseConfig::default().transfer_syntax(TransferSyntax::DeflatedExplicitVrLittleEndian),
        ] {
            if let Ok(ds) = DataSet::parse_with(&bytes, &config) {
                walk_all(&ds);
                prop_assert_eq!(ds.to_vec(), bytes.clone());
            }
        }
    }

    #[test]
    fn mutated_data_sets_never_panic_and_round_trip_when_read(
        nodes in nodes_strategy(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut enc = Encoder::part10([0; 128], TransferSyntax::ExplicitVrLittleEndian, "1.2", "1.3").unwrap();
        encode(&mut enc, &nodes).unwrap();
        let mut bytes = enc.finish().unwrap();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let n = cut.index(bytes.len() + 1);
        bytes.truncate(n.max(1));
        if let Ok(ds) = DataSet::parse(&bytes) {
            walk_all(&ds);
            prop_assert_eq!(ds.to_vec(), bytes.clone());
        }
    }
}
