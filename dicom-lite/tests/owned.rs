//! The owned data set: editing, and re-encoding in each uncompressed transfer syntax.

use std::path::{Path, PathBuf};

use carewire_dicom_lite::{
    DataSet, DataSetBuf, ElementBuf, Encoder, ItemBuf, Tag, TransferSyntax, ValueBuf, Vr,
};

const PATIENT_ID: Tag = Tag::new(0x0010, 0x0020);

fn corpus_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CAREWIRE_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    p.is_dir().then_some(p)
}

/// Values as the writer writes them: odd values padded, group lengths and the transfer
/// syntax UID (which the writer recomputes) left out.
fn normalised(elements: &[ElementBuf]) -> Vec<ElementBuf> {
    elements
        .iter()
        .filter(|e| !e.tag.is_group_length() && e.tag != Tag::TRANSFER_SYNTAX_UID)
        .map(|e| {
            let mut e = e.clone();
            let pad = e.vr.padding();
            match &mut e.value {
                ValueBuf::Bytes(b) if b.len() % 2 == 1 => b.push(pad),
                ValueBuf::Sequence(items) => {
                    for item in items.iter_mut() {
                        let elements = normalised(item.elements());
                        let undefined = item.undefined_length;
                        *item = ItemBuf::new();
                        item.undefined_length = undefined;
                        for el in elements {
                            item.insert_element(el);
                        }
                    }
                }
                ValueBuf::Fragments(frags) => {
                    for f in frags.iter_mut() {
                        if f.len() % 2 == 1 {
                            f.push(0);
                        }
                    }
                }
                _ => {}
            }
            e
        })
        .collect()
}

#[test]
fn edits_insert_replace_and_remove_at_every_level() {
    let mut buf = DataSetBuf::new();
    buf.insert(PATIENT_ID, Vr::Lo, b"A".to_vec());
    assert!(buf.insert(PATIENT_ID, Vr::Lo, b"B".to_vec()).is_some());
    buf.insert(Tag::new(0x0008, 0x0060), Vr::Cs, b"MR".to_vec());
    let mut item = ItemBuf::new();
    item.insert(Tag::new(0x0040, 0x0009), Vr::Sh, b"S1".to_vec());
    buf.insert_sequence(Tag::new(0x0040, 0x0275), vec![item], true);
    buf.sequence_mut(Tag::new(0x0040, 0x0275))
        .unwrap()
        .push(ItemBuf::new());
    assert_eq!(
        buf.elements().iter().map(|e| e.tag).collect::<Vec<_>>(),
        [
            Tag::new(0x0008, 0x0060),
            PATIENT_ID,
            Tag::new(0x0040, 0x0275)
        ]
    );
    for ts in [
        TransferSyntax::ImplicitVrLittleEndian,
        TransferSyntax::ExplicitVrLittleEndian,
        TransferSyntax::ExplicitVrBigEndian,
    ] {
        let out = buf.write(ts).unwrap();
        let ds = DataSet::parse(&out).unwrap();
        assert_eq!(ds.transfer_syntax(), ts);
        assert_eq!(ds.get_str(PATIENT_ID).as_deref(), Some("B"));
        let seq = ds.get(Tag::new(0x0040, 0x0275)).unwrap();
        assert!(seq.is_undefined_length());
        assert_eq!(seq.items().count(), 2);
        assert_eq!(ds.to_vec(), out);
    }
    assert!(buf.remove(PATIENT_ID).is_some());
    assert!(buf.get(PATIENT_ID).is_none());
    assert!(buf.sequence_mut(Tag::new(0x0008, 0x0060)).is_none());
}

#[test]
fn group_lengths_are_recomputed_after_edits() {
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2",
        "1.3",
    )
    .unwrap();
    enc.element(Tag::new(0x0010, 0x0000), Vr::Ul, &12u32.to_le_bytes())
        .unwrap();
    enc.element(PATIENT_ID, Vr::Lo, b"1234").unwrap();
    let bytes = enc.finish().unwrap();
    let mut buf = DataSetBuf::from_view(&DataSet::parse(&bytes).unwrap()).unwrap();
    buf.insert(PATIENT_ID, Vr::Lo, b"12345678".to_vec());
    buf.insert_meta(Tag::new(0x0002, 0x0016), Vr::Ae, b"STATION1".to_vec());
    let out = buf.write(TransferSyntax::ExplicitVrLittleEndian).unwrap();
    let ds = DataSet::parse(&out).unwrap();
    assert!(ds.diagnostics().is_empty(), "{:?}", ds.diagnostics());
    assert_eq!(
        ds.get(Tag::new(0x0010, 0x0000)).and_then(|e| e.uint()),
        Some(16)
    );
    assert_eq!(
        ds.get_str(Tag::new(0x0002, 0x0016)).as_deref(),
        Some("STATION1")
    );
}

#[test]
fn corpus_files_reencode_to_equal_values_in_each_uncompressed_syntax() {
    let Some(root) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("dicom"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
        .collect();
    paths.sort();
    let mut checked = 0;
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let ds = DataSet::parse(&bytes).unwrap();
        let buf = DataSetBuf::from_view(&ds).unwrap();
        let encapsulated = matches!(
            ds.pixel_data(),
            Some(carewire_dicom_lite::PixelData::Encapsulated(_))
        );
        let targets: Vec<TransferSyntax> = if encapsulated {
            vec![ds.transfer_syntax()]
        } else {
            vec![
                TransferSyntax::ExplicitVrLittleEndian,
                TransferSyntax::ExplicitVrBigEndian,
                TransferSyntax::ImplicitVrLittleEndian,
            ]
        };
        for ts in targets {
            let out = buf
                .write(ts)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let back =
                DataSet::parse(&out).unwrap_or_else(|e| panic!("{}: {ts}: {e}", path.display()));
            assert_eq!(back.transfer_syntax(), ts);
            assert_eq!(back.to_vec(), out);
            let again = DataSetBuf::from_view(&back).unwrap();
            if ts.is_explicit_vr() {
                assert_eq!(
                    normalised(again.elements()),
                    normalised(buf.elements()),
                    "{}: {ts}",
                    path.display()
                );
                assert_eq!(normalised(again.file_meta()), normalised(buf.file_meta()));
            } else {
                // Implicit VR: private and unknown elements lose their VR (read as UN),
                // so compare the standard elements the dictionary knows.
                let known = |els: &[ElementBuf]| -> Vec<ElementBuf> {
                    normalised(els)
                        .into_iter()
                        .filter(|e| {
                            !e.tag.is_private() && e.tag.keyword().is_some() && e.vr != Vr::Sq
                        })
                        .filter(|e| {
                            carewire_dicom_lite::dict::by_tag(e.tag)
                                .is_some_and(|d| !d.ambiguous_vr)
                        })
                        .map(|mut e| {
                            e.vr = Vr::Un;
                            e
                        })
                        .collect()
                };
                assert_eq!(
                    known(again.elements()),
                    known(buf.elements()),
                    "{}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    eprintln!("{checked} re-encodings checked");
    assert!(checked > 50);
}

#[test]
fn owned_debug_output_never_shows_values() {
    let mut buf = DataSetBuf::new();
    buf.preamble = Some(b"SECRET".repeat(20));
    buf.insert(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane".to_vec());
    let mut item = ItemBuf::new();
    item.insert(Tag::new(0x0010, 0x0030), Vr::Da, b"19800101".to_vec());
    buf.insert_sequence(Tag::new(0x0040, 0x0275), vec![item], false);
    let dbg = format!("{buf:?}");
    assert!(
        !dbg.contains("Doe") && !dbg.contains("1980") && !dbg.contains("SECRET"),
        "{dbg}"
    );
    let date = carewire_dicom_lite::Date::parse("19800101").unwrap();
    assert_eq!(format!("{date:?}"), "Date(..)");
    assert_eq!(date.to_string(), "1980-01-01");
}
