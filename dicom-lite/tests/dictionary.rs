//! The data dictionary: PS3.6 data elements (retired included), PS3.7 command elements and
//! repeating groups, both ways (tag ↔ keyword), and what it means for implicit-VR reading.

use carewire_dicom_lite::{dict, DataSet, ElementKind, Encoder, Tag, TransferSyntax, Vr};

#[test]
fn the_whole_standard_is_in_the_tables() {
    // PS3.6 has about 5,000 data elements; PS3.7 about 45 command elements.
    assert!(dict::entries().len() > 5000, "{}", dict::entries().len());
    let commands = dict::entries().iter().filter(|e| e.tag >> 16 == 0).count();
    assert!(commands >= 40, "{commands}");
    let retired = dict::entries().iter().filter(|e| e.retired).count();
    assert!(retired > 400, "{retired}");
    assert!(dict::repeaters().len() >= 80, "{}", dict::repeaters().len());
}

#[test]
fn known_tags_map_both_ways() {
    for (g, e, kw, vr, vm) in [
        (0x0008, 0x0005, "SpecificCharacterSet", Vr::Cs, "1-n"),
        (0x0008, 0x0018, "SOPInstanceUID", Vr::Ui, "1"),
        (0x0008, 0x0050, "AccessionNumber", Vr::Sh, "1"),
        (0x0008, 0x0060, "Modality", Vr::Cs, "1"),
        (0x0010, 0x0010, "PatientName", Vr::Pn, "1"),
        (0x0010, 0x0020, "PatientID", Vr::Lo, "1"),
        (0x0018, 0x9182, "GradientOutput", Vr::Fd, "1"),
        (0x0020, 0x000D, "StudyInstanceUID", Vr::Ui, "1"),
        (0x0020, 0x0032, "ImagePositionPatient", Vr::Ds, "3"),
        (0x0028, 0x0010, "Rows", Vr::Us, "1"),
        (0x0040, 0xA730, "ContentSequence", Vr::Sq, "1"),
        (
            0x5200,
            0x9230,
            "PerFrameFunctionalGroupsSequence",
            Vr::Sq,
            "1",
        ),
        (0x7FE0, 0x0010, "PixelData", Vr::Ow, "1"),
        (0xFFFA, 0xFFFA, "DigitalSignaturesSequence", Vr::Sq, "1"),
    ] {
        let tag = Tag::new(g, e);
        let entry = dict::by_tag(tag).unwrap_or_else(|| panic!("{tag}"));
        assert_eq!((entry.keyword, entry.vr, entry.vm), (kw, vr, vm), "{tag}");
        assert_eq!(Tag::from_keyword(kw), Some(tag));
        assert_eq!(tag.keyword(), Some(kw));
        assert_eq!(kw.parse::<Tag>().ok(), Some(tag));
    }
    assert_eq!(
        dict::by_tag(Tag::new(0x0010, 0x0010)).map(|e| e.name),
        Some("Patient's Name")
    );
}

#[test]
fn multi_vr_entries_list_every_vr() {
    let pixel = dict::by_keyword("PixelData").expect("PixelData");
    assert_eq!(pixel.vrs, [Vr::Ow, Vr::Ob]);
    assert!(pixel.ambiguous_vr);
    let smallest = dict::by_keyword("SmallestImagePixelValue").expect("entry");
    assert_eq!((smallest.vr, smallest.vrs), (Vr::Us, &[Vr::Us, Vr::Ss][..]));
    let lut = dict::by_keyword("LUTData").expect("LUTData");
    assert_eq!(lut.vrs, [Vr::Us, Vr::Ow]);
    // Items and delimiters have no VR.
    let item = dict::by_tag(Tag::ITEM).expect("Item");
    assert_eq!((item.keyword, item.vrs), ("Item", &[][..]));
}

#[test]
fn command_elements_from_ps3_7() {
    let e = dict::by_tag(Tag::new(0x0000, 0x0100)).expect("CommandField");
    assert_eq!(
        (e.keyword, e.vr, e.name),
        ("CommandField", Vr::Us, "Command Field")
    );
    assert_eq!(
        Tag::from_keyword("CommandField"),
        Some(Tag::new(0x0000, 0x0100))
    );
    assert_eq!(
        Tag::from_keyword("AffectedSOPInstanceUID"),
        Some(Tag::new(0x0000, 0x1000))
    );
    assert_eq!(
        dict::by_tag(Tag::new(0x0000, 0x0000)).map(|e| e.keyword),
        Some("CommandGroupLength")
    );
}

#[test]
fn retired_elements_are_present_and_flagged() {
    let e = dict::by_tag(Tag::new(0x0008, 0x0010)).expect("RecognitionCode");
    assert_eq!(e.keyword, "RecognitionCode");
    assert!(e.retired);
    let lossy = dict::by_keyword("LossyImageCompressionRetired").expect("entry");
    assert_eq!(lossy.tag(), Tag::new(0x0008, 0x2110));
    assert!(lossy.retired);
    assert!(!dict::by_keyword("PatientName").expect("entry").retired);
}

#[test]
fn repeating_groups_match_by_mask() {
    let overlay = dict::by_tag(Tag::new(0x6000, 0x3000)).expect("OverlayData");
    assert_eq!(overlay.keyword, "OverlayData");
    assert!(overlay.is_repeating());
    for g in [0x6000, 0x6002, 0x601E, 0x60FE] {
        assert_eq!(
            Tag::new(g, 0x0010).keyword(),
            Some("OverlayRows"),
            "{g:04X}"
        );
    }
    // An odd group is private, never an overlay.
    assert_eq!(Tag::new(0x6001, 0x0010).keyword(), None);
    assert_eq!(
        Tag::from_keyword("OverlayData"),
        Some(Tag::new(0x6000, 0x3000))
    );
    assert_eq!(Tag::new(0x5004, 0x3000).keyword(), Some("CurveData"));
    assert_eq!(
        Tag::new(0x7F02, 0x0010).keyword(),
        Some("VariablePixelData")
    );
    // (0028,04x1): Columns For Nth Order Coefficients, x from 0 to F.
    assert_eq!(
        Tag::new(0x0028, 0x04F1).keyword(),
        Some("ColumnsForNthOrderCoefficients")
    );
    // An exact entry wins over a repeating one: (0028,0400) is Transform Label.
    assert_eq!(Tag::new(0x0028, 0x0400).keyword(), Some("TransformLabel"));
    assert_eq!(Tag::new(0x1010, 0x1234).keyword(), Some("ZonalMap"));
}

#[test]
fn implicit_vr_uses_the_dictionary_and_repeating_groups() {
    let mut enc = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
    enc.element(Tag::new(0x0018, 0x9182), Vr::Fd, &1.5f64.to_le_bytes())
        .expect("el");
    enc.element(Tag::new(0x6002, 0x0010), Vr::Us, &512u16.to_le_bytes())
        .expect("el");
    enc.element(Tag::new(0x6002, 0x3000), Vr::Ow, &[0xFF, 0x00])
        .expect("el");
    let bytes = enc.finish().expect("finish");
    let ds = DataSet::parse(&bytes).expect("parses");
    let fd = ds.get(Tag::new(0x0018, 0x9182)).expect("GradientOutput");
    assert_eq!((fd.vr(), fd.f64s()), (Vr::Fd, vec![1.5]));
    let rows = ds.get(Tag::new(0x6002, 0x0010)).expect("OverlayRows");
    assert_eq!((rows.vr(), rows.uint()), (Vr::Us, Some(512)));
    assert_eq!(
        ds.get(Tag::new(0x6002, 0x3000)).map(|e| e.vr()),
        Some(Vr::Ow)
    );
}

#[test]
fn implicit_sq_whose_value_is_not_an_item_reads_as_un() {
    // (0040,A170) is SQ in today's PS3.6 but was CS once; old implicit-VR files (such as
    // dcm4che's Tag-0040-A170-VR-CS) hold text there.
    let mut enc = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
    enc.element(Tag::new(0x0040, 0xA170), Vr::Cs, b"NAMED TYPE")
        .expect("el");
    enc.element(Tag::new(0x0040, 0xA171), Vr::Ui, b"1.2.3")
        .expect("el");
    let bytes = enc.finish().expect("finish");
    let ds = DataSet::parse(&bytes).expect("parses");
    let e = ds.get(Tag::new(0x0040, 0xA170)).expect("element");
    assert_eq!((e.kind(), e.vr()), (ElementKind::Element, Vr::Un));
    assert_eq!(e.raw(), b"NAMED TYPE");
    assert_eq!(
        ds.get_str(Tag::new(0x0040, 0xA171)).as_deref(),
        Some("1.2.3")
    );
    assert_eq!(ds.to_vec(), bytes);
    // A real sequence there still reads as one.
    let mut enc = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
    enc.begin_sequence(Tag::new(0x0040, 0xA170), true)
        .expect("sq");
    enc.begin_item(true).expect("item");
    enc.element(Tag::new(0x0008, 0x0100), Vr::Sh, b"C1")
        .expect("el");
    enc.end_item().expect("end");
    enc.end_sequence().expect("end");
    let bytes = enc.finish().expect("finish");
    let ds = DataSet::parse(&bytes).expect("parses");
    let e = ds.get(Tag::new(0x0040, 0xA170)).expect("sequence");
    assert_eq!(e.kind(), ElementKind::Sequence);
    assert_eq!(e.items().count(), 1);
}

#[test]
fn private_creator_blocks_still_resolve() {
    let mut enc = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
    enc.element(Tag::new(0x0029, 0x0010), Vr::Lo, b"SIEMENS CSA HEADER")
        .expect("el");
    enc.element(Tag::new(0x0029, 0x0011), Vr::Lo, b"SIEMENS MEDCOM HEADER")
        .expect("el");
    enc.element(Tag::new(0x0029, 0x1010), Vr::Ob, b"CSA1")
        .expect("el");
    enc.element(Tag::new(0x0029, 0x1110), Vr::Ob, b"MED1")
        .expect("el");
    let bytes = enc.finish().expect("finish");
    let ds = DataSet::parse(&bytes).expect("parses");
    let csa = ds
        .get_private(0x0029, "SIEMENS CSA HEADER", 0x10)
        .expect("csa");
    assert_eq!(
        (csa.tag(), csa.vr(), csa.raw()),
        (Tag::new(0x0029, 0x1010), Vr::Un, &b"CSA1"[..])
    );
    let med = ds
        .get_private(0x0029, "SIEMENS MEDCOM HEADER", 0x10)
        .expect("medcom");
    assert_eq!(med.tag(), Tag::new(0x0029, 0x1110));
    assert_eq!(
        ds.get(Tag::new(0x0029, 0x0010)).map(|e| e.vr()),
        Some(Vr::Lo)
    );
}
