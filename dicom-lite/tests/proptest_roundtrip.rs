//! Property tests: any data set the encoder writes (nested sequences, defined and
//! undefined lengths, the three uncompressed transfer syntaxes) reads back equal and
//! writes back byte-exact; any bytes read without panicking.

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

/// Dictionary tags usable as plain elements: not SQ, not pixel data, not file meta.
fn element_tags() -> Vec<(Tag, Vr)> {
    dict::entries()
        .iter()
        .filter(|e| {
            let t = e.tag();
            e.vr != Vr::Sq && t.group() > 0x0002 && t.group() < 0x7FE0 && !t.is_group_length()
        })
        .map(|e| (e.tag(), e.vr))
        .collect()
}

fn sequence_tags() -> Vec<Tag> {
    dict::entries()
        .iter()
        .filter(|e| e.vr == Vr::Sq && e.tag().group() > 0x0002 && e.tag().group() < 0x7FE0)
        .map(|e| e.tag())
        .collect()
}

fn element_strategy() -> impl Strategy<Value = Node> {
    let tags = element_tags();
    (0..tags.len(), proptest::collection::vec(any::<u8>(), 0..40)).prop_map(move |(i, value)| {
        let (tag, vr) = tags[i];
        Node::Element(tag, vr, value)
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
        // Without the override, a bare data set's syntax is detected.
        if !part10 {
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
