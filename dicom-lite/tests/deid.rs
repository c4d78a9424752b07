//! De-identification (PS3.15 Annex E basic profile): no identifying byte survives, at
//! any depth, in any transfer syntax; options keep what they name; UIDs remap
//! consistently per key; the output is a valid file.

use carewire_dicom_lite::deid::{Dates, DeidOptions, Deidentifier, SafePrivate};
use carewire_dicom_lite::{DataSet, DataSetBuf, Element, Encoder, Tag, TransferSyntax, Vr};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

const STUDY_UID: &str = "1.2.826.0.1.3680043.8.498.7100001";
const SERIES_UID: &str = "1.2.826.0.1.3680043.8.498.7100002";
const SOP_UID: &str = "1.2.826.0.1.3680043.8.498.7100003";
const FOR_UID: &str = "1.2.826.0.1.3680043.8.498.7100004";
const REF_UID: &str = "1.2.826.0.1.3680043.8.498.7100005";
const CT_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";

/// Identifying values written into the test file; none may appear in the output.
const PHI: &[&str] = &[
    "Smithers^Johnathan",
    "MRN7788123",
    "19561203",
    "ACC998877",
    "20230415",
    "101530",
    "St Elsewhere General",
    "42 Wallaby Way",
    "Welby^Marcus",
    "CTSTATION42",
    "SN-4455-XYZ",
    "Chest pain workup",
    "OTHERID5566",
    "Nested^Person^Phi",
    "Deep^Patient^Name",
    "PRIVATE-PHI-VALUE",
    "NESTED-PRIVATE-PHI",
    "PREAMBLE-PHI",
    "Operator^Olga",
    STUDY_UID,
    SERIES_UID,
    SOP_UID,
    FOR_UID,
    REF_UID,
];

fn text(enc: &mut Encoder, g: u16, e: u16, vr: Vr, s: &str) -> carewire_dicom_lite::Result<()> {
    enc.element(Tag::new(g, e), vr, s.as_bytes())
}

/// A CT-like Part 10 file with PHI at the top level, in nested sequences and in
/// private elements (one of them on the safe list used below).
fn phi_file(ts: TransferSyntax, study_uid: &str, sop_uid: &str) -> R<Vec<u8>> {
    let mut preamble = [0u8; 128];
    preamble[..12].copy_from_slice(b"PREAMBLE-PHI");
    let mut enc = Encoder::part10(preamble, ts, CT_STORAGE, sop_uid)?;
    let e = &mut enc;
    text(e, 0x0008, 0x0005, Vr::Cs, "ISO_IR 100")?;
    text(e, 0x0008, 0x0016, Vr::Ui, CT_STORAGE)?;
    text(e, 0x0008, 0x0018, Vr::Ui, sop_uid)?;
    text(e, 0x0008, 0x0020, Vr::Da, "20230415")?;
    text(e, 0x0008, 0x0030, Vr::Tm, "101530")?;
    text(e, 0x0008, 0x0050, Vr::Sh, "ACC998877")?;
    text(e, 0x0008, 0x0060, Vr::Cs, "CT")?;
    text(e, 0x0008, 0x0080, Vr::Lo, "St Elsewhere General")?;
    text(e, 0x0008, 0x0081, Vr::St, "42 Wallaby Way")?;
    text(e, 0x0008, 0x0090, Vr::Pn, "Welby^Marcus")?;
    text(e, 0x0008, 0x1010, Vr::Sh, "CTSTATION42")?;
    text(e, 0x0008, 0x1030, Vr::Lo, "Chest pain workup")?;
    text(e, 0x0008, 0x1070, Vr::Pn, "Operator^Olga")?;
    // Referenced Image Sequence (X/Z/U*): kept, its instance UID remapped.
    e.begin_sequence(Tag::new(0x0008, 0x1140), false)?;
    e.begin_item(true)?;
    text(e, 0x0008, 0x1150, Vr::Ui, CT_STORAGE)?;
    text(e, 0x0008, 0x1155, Vr::Ui, REF_UID)?;
    e.end_item()?;
    e.end_sequence()?;
    // Private block with PHI, and a safe one.
    text(e, 0x0009, 0x0010, Vr::Lo, "ACME PHI")?;
    text(e, 0x0009, 0x0011, Vr::Lo, "ACME SAFE")?;
    text(e, 0x0009, 0x1001, Vr::Lo, "PRIVATE-PHI-VALUE")?;
    text(e, 0x0009, 0x1102, Vr::Lo, "SAFE-VALUE")?;
    text(e, 0x0010, 0x0010, Vr::Pn, "Smithers^Johnathan")?;
    text(e, 0x0010, 0x0020, Vr::Lo, "MRN7788123")?;
    text(e, 0x0010, 0x0030, Vr::Da, "19561203")?;
    text(e, 0x0010, 0x0040, Vr::Cs, "F")?;
    text(e, 0x0010, 0x1010, Vr::As, "067Y")?;
    text(e, 0x0010, 0x1030, Vr::Ds, "72.5")?;
    // Other Patient IDs Sequence (X).
    e.begin_sequence(Tag::new(0x0010, 0x1002), true)?;
    e.begin_item(false)?;
    text(e, 0x0010, 0x0020, Vr::Lo, "OTHERID5566")?;
    e.end_item()?;
    e.end_sequence()?;
    text(e, 0x0018, 0x1000, Vr::Lo, "SN-4455-XYZ")?;
    text(e, 0x0020, 0x000D, Vr::Ui, study_uid)?;
    text(e, 0x0020, 0x000E, Vr::Ui, SERIES_UID)?;
    text(e, 0x0020, 0x0052, Vr::Ui, FOR_UID)?;
    // Per-frame Functional Groups (not in the table: kept, cleaned inside), two levels
    // deep: a Person Name (D), a Patient's Name (Z), a private element (X).
    e.begin_sequence(Tag::new(0x5200, 0x9230), false)?;
    e.begin_item(false)?;
    text(e, 0x0019, 0x0010, Vr::Lo, "NESTED CREATOR")?;
    text(e, 0x0019, 0x1005, Vr::Lo, "NESTED-PRIVATE-PHI")?;
    e.begin_sequence(Tag::new(0x0040, 0x0260), true)?;
    e.begin_item(true)?;
    text(e, 0x0008, 0x0100, Vr::Sh, "CODE1")?;
    text(e, 0x0010, 0x0010, Vr::Pn, "Deep^Patient^Name")?;
    text(e, 0x0040, 0xA123, Vr::Pn, "Nested^Person^Phi")?;
    e.end_item()?;
    e.end_sequence()?;
    e.end_item()?;
    e.end_sequence()?;
    e.element(Tag::PIXEL_DATA, Vr::Ow, &[7; 16])?;
    Ok(enc.finish()?)
}

fn deidentify(file: &[u8], deid: &Deidentifier, ts: TransferSyntax) -> R<Vec<u8>> {
    let mut buf = DataSetBuf::from_view(&DataSet::parse(file)?)?;
    deid.apply(&mut buf);
    Ok(buf.write(ts)?)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The value as a UTF-16 big-endian / swapped byte string never matters here (all
/// values are ASCII), but the search also covers values split by nothing but padding.
fn leaked(out: &[u8]) -> Vec<&'static str> {
    PHI.iter()
        .copied()
        .filter(|v| contains(out, v.as_bytes()))
        .collect()
}

fn s(ds: &DataSet<'_>, g: u16, e: u16) -> Option<String> {
    ds.get(Tag::new(g, e)).map(|e| e.to_str().into_owned())
}

/// The text of `(g,e)` directly inside the sequence item `item`.
fn item_s(item: &Element<'_>, g: u16, e: u16) -> Option<String> {
    item.get(Tag::new(g, e)).map(|e| e.to_str().into_owned())
}

/// The Code Values of the De-identification Method Code Sequence, in order.
fn method_codes(ds: &DataSet<'_>) -> R<Vec<String>> {
    Ok(ds
        .get(Tag::new(0x0012, 0x0064))
        .ok_or("code sequence")?
        .items()
        .filter_map(|i| item_s(&i, 0x0008, 0x0100))
        .collect())
}

#[test]
fn the_input_really_holds_the_phi() -> R {
    let file = phi_file(TransferSyntax::ExplicitVrLittleEndian, STUDY_UID, SOP_UID)?;
    assert_eq!(leaked(&file).len(), PHI.len());
    Ok(())
}

#[test]
fn no_identifying_byte_survives_in_any_syntax() -> R {
    let deid = Deidentifier::new(
        b"test key",
        DeidOptions::new().safe_private(SafePrivate::new("ACME SAFE", 0x02)),
    );
    for ts in [
        TransferSyntax::ExplicitVrLittleEndian,
        TransferSyntax::ImplicitVrLittleEndian,
        TransferSyntax::ExplicitVrBigEndian,
    ] {
        let file = phi_file(ts, STUDY_UID, SOP_UID)?;
        let out = deidentify(&file, &deid, ts)?;
        assert_eq!(leaked(&out), Vec::<&str>::new(), "{ts:?}");

        let ds = DataSet::parse(&out)?;
        assert!(
            ds.diagnostics().is_empty(),
            "{ts:?}: {:?}",
            ds.diagnostics()
        );
        assert_eq!(ds.transfer_syntax(), ts);
        assert_eq!(ds.preamble(), Some(&[0u8; 128][..]));
        // Kept: modality, SOP class, pixel data, the safe private element and its creator.
        assert_eq!(s(&ds, 0x0008, 0x0060).as_deref(), Some("CT"));
        assert_eq!(s(&ds, 0x0008, 0x0016).as_deref(), Some(CT_STORAGE));
        assert_eq!(
            ds.get(Tag::PIXEL_DATA).map(|e| e.raw().to_vec()),
            Some(vec![7; 16])
        );
        assert_eq!(s(&ds, 0x0009, 0x1102).as_deref(), Some("SAFE-VALUE"));
        assert_eq!(s(&ds, 0x0009, 0x0011).as_deref(), Some("ACME SAFE"));
        assert!(ds.get(Tag::new(0x0009, 0x0010)).is_none());
        assert!(ds.get(Tag::new(0x0009, 0x1001)).is_none());
        // Z, X, D, U at the top level.
        assert_eq!(s(&ds, 0x0010, 0x0010).as_deref(), Some(""));
        // Patient ID is Z/D (PS3.15 2026c): a dummy satisfies both.
        assert_eq!(s(&ds, 0x0010, 0x0020).as_deref(), Some("ANONYMIZED"));
        assert!(ds.get(Tag::new(0x0010, 0x1002)).is_none());
        assert!(ds.get(Tag::new(0x0008, 0x1030)).is_none());
        assert!(ds.get(Tag::new(0x0010, 0x1010)).is_none());
        let study = ds.get(Tag::new(0x0020, 0x000D)).map(|e| e.uid().to_owned());
        assert_eq!(study, Some(deid.remap_uid(STUDY_UID)));
        // The file meta SOP instance UID follows the data set's.
        let sop = ds.get(Tag::new(0x0008, 0x0018)).map(|e| e.uid().to_owned());
        let meta_sop = ds.get(Tag::new(0x0002, 0x0003)).map(|e| e.uid().to_owned());
        assert_eq!(sop, Some(deid.remap_uid(SOP_UID)));
        assert_eq!(meta_sop, sop);
        // Nested: the referenced instance UID remapped, the SOP class kept.
        let refs = ds.get(Tag::new(0x0008, 0x1140)).ok_or("ref seq")?;
        let item = refs.items().next().ok_or("ref item")?;
        let ref_uid = item
            .get(Tag::new(0x0008, 0x1155))
            .map(|e| e.uid().to_owned());
        assert_eq!(ref_uid, Some(deid.remap_uid(REF_UID)));
        let pf = ds.get(Tag::new(0x5200, 0x9230)).ok_or("per-frame")?;
        let item = pf.items().next().ok_or("per-frame item")?;
        assert!(item.get(Tag::new(0x0019, 0x1005)).is_none());
        let code = item.get(Tag::new(0x0040, 0x0260)).ok_or("code seq")?;
        let inner = code.items().next().ok_or("code item")?;
        assert_eq!(item_s(&inner, 0x0008, 0x0100).as_deref(), Some("CODE1"));
        assert_eq!(item_s(&inner, 0x0010, 0x0010).as_deref(), Some(""));
        assert_eq!(
            item_s(&inner, 0x0040, 0xA123).as_deref(),
            Some("ANONYMIZED")
        );
        // The de-identification attributes.
        assert_eq!(s(&ds, 0x0012, 0x0062).as_deref(), Some("YES"));
        let method = s(&ds, 0x0012, 0x0063).unwrap_or_default();
        assert!(method.contains("Basic Application Confidentiality Profile"));
        assert!(method.contains("Retain Safe Private Option"));
        let codes: Vec<String> = method_codes(&ds)?;
        assert_eq!(codes, ["113100", "113111"]);
        assert_eq!(s(&ds, 0x0028, 0x0303).as_deref(), Some("REMOVED"));
    }
    Ok(())
}

#[test]
fn options_keep_what_they_name() -> R {
    let file = phi_file(TransferSyntax::ExplicitVrLittleEndian, STUDY_UID, SOP_UID)?;
    let options = DeidOptions::new()
        .retain_uids(true)
        .dates(Dates::Full)
        .retain_device_identity(true)
        .retain_institution_identity(true)
        .retain_patient_characteristics(true);
    let deid = Deidentifier::new(b"k", options);
    let out = deidentify(&file, &deid, TransferSyntax::ExplicitVrLittleEndian)?;
    let ds = DataSet::parse(&out)?;
    // UIDs, dates, device, institution, patient characteristics: kept.
    assert_eq!(
        ds.get(Tag::new(0x0020, 0x000D)).map(|e| e.uid()),
        Some(STUDY_UID)
    );
    assert_eq!(
        ds.get(Tag::new(0x0002, 0x0003)).map(|e| e.uid()),
        Some(SOP_UID)
    );
    assert_eq!(s(&ds, 0x0008, 0x0020).as_deref(), Some("20230415"));
    assert_eq!(s(&ds, 0x0008, 0x0030).as_deref(), Some("101530"));
    assert_eq!(s(&ds, 0x0018, 0x1000).as_deref(), Some("SN-4455-XYZ"));
    assert_eq!(s(&ds, 0x0008, 0x1010).as_deref(), Some("CTSTATION42"));
    assert_eq!(
        s(&ds, 0x0008, 0x0080).as_deref(),
        Some("St Elsewhere General")
    );
    assert_eq!(s(&ds, 0x0008, 0x0081).as_deref(), Some("42 Wallaby Way"));
    assert_eq!(s(&ds, 0x0010, 0x0040).as_deref(), Some("F"));
    assert_eq!(s(&ds, 0x0010, 0x1010).as_deref(), Some("067Y"));
    assert_eq!(s(&ds, 0x0010, 0x1030).as_deref(), Some("72.5"));
    // Still removed: names, IDs, accession number, the birth date.
    for phi in [
        "Smithers^Johnathan",
        "MRN7788123",
        "ACC998877",
        "Welby^Marcus",
        "19561203",
    ] {
        assert!(!contains(&out, phi.as_bytes()), "{phi}");
    }
    let codes: Vec<String> = method_codes(&ds)?;
    assert_eq!(
        codes,
        ["113100", "113106", "113108", "113109", "113110", "113112"]
    );
    assert_eq!(s(&ds, 0x0028, 0x0303).as_deref(), Some("UNMODIFIED"));

    // Each option alone keeps only its own attributes.
    let uids_only = Deidentifier::new(b"k", DeidOptions::new().retain_uids(true));
    let out = deidentify(&file, &uids_only, TransferSyntax::ExplicitVrLittleEndian)?;
    assert!(contains(&out, STUDY_UID.as_bytes()));
    assert!(!contains(&out, b"20230415") && !contains(&out, b"SN-4455-XYZ"));
    let device_only = Deidentifier::new(b"k", DeidOptions::new().retain_device_identity(true));
    let out = deidentify(&file, &device_only, TransferSyntax::ExplicitVrLittleEndian)?;
    assert!(contains(&out, b"SN-4455-XYZ") && !contains(&out, STUDY_UID.as_bytes()));
    assert!(!contains(&out, b"St Elsewhere General"));
    Ok(())
}

#[test]
fn modified_dates_move_by_the_patients_keyed_shift() -> R {
    let file = phi_file(TransferSyntax::ExplicitVrLittleEndian, STUDY_UID, SOP_UID)?;
    let deid = Deidentifier::new(b"k", DeidOptions::new().dates(Dates::Modified));
    let out = deidentify(&file, &deid, TransferSyntax::ExplicitVrLittleEndian)?;
    let ds = DataSet::parse(&out)?;
    let study_date = ds
        .get(Tag::new(0x0008, 0x0020))
        .and_then(|e| e.date())
        .ok_or("date")?;
    let days = |y: i64, m: i64, d: i64| {
        // Days since an epoch, enough to compare two dates.
        let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
        365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d
    };
    let moved = days(
        study_date.year.into(),
        study_date.month.into(),
        study_date.day.into(),
    );
    // The patient's shift (Patient ID, no issuer), not the key's own.
    let shift = deid.date_shift_days_for_patient("MRN7788123", "");
    let buf = DataSetBuf::from_view(&DataSet::parse(&file)?)?;
    assert_eq!(deid.date_shift_days_for(&buf), shift);
    assert_eq!(moved - days(2023, 4, 15), shift);
    assert!(shift < 0);
    assert_ne!(shift, deid.date_shift_days());
    assert_eq!(s(&ds, 0x0008, 0x0030).as_deref(), Some("101530")); // times kept
    assert!(!contains(&out, b"20230415"));
    assert_eq!(s(&ds, 0x0028, 0x0303).as_deref(), Some("MODIFIED"));
    let codes: Vec<String> = method_codes(&ds)?;
    assert_eq!(codes, ["113100", "113107"]);
    Ok(())
}

#[test]
fn uids_remap_consistently_across_files_per_key() -> R {
    let a = phi_file(TransferSyntax::ExplicitVrLittleEndian, STUDY_UID, SOP_UID)?;
    let b = phi_file(
        TransferSyntax::ImplicitVrLittleEndian,
        STUDY_UID,
        "1.2.826.0.1.3680043.8.498.7100099",
    )?;
    let key1 = Deidentifier::new(b"project-1", DeidOptions::new());
    let key2 = Deidentifier::new(b"project-2", DeidOptions::new());
    let uid = |file: &[u8], d: &Deidentifier, g: u16, e: u16| -> R<String> {
        let out = deidentify(file, d, TransferSyntax::ExplicitVrLittleEndian)?;
        let ds = DataSet::parse(&out)?;
        Ok(ds
            .get(Tag::new(g, e))
            .map(|e| e.uid().to_owned())
            .unwrap_or_default())
    };
    let study_a = uid(&a, &key1, 0x0020, 0x000D)?;
    assert_eq!(study_a, uid(&b, &key1, 0x0020, 0x000D)?);
    assert!(study_a.starts_with("2.25."));
    assert_ne!(study_a, uid(&a, &key2, 0x0020, 0x000D)?);
    // Different instances stay different.
    assert_ne!(
        uid(&a, &key1, 0x0008, 0x0018)?,
        uid(&b, &key1, 0x0008, 0x0018)?
    );
    // The same file twice: byte-identical output.
    let once = deidentify(&a, &key1, TransferSyntax::ExplicitVrLittleEndian)?;
    assert_eq!(
        once,
        deidentify(&a, &key1, TransferSyntax::ExplicitVrLittleEndian)?
    );
    Ok(())
}

#[test]
fn a_bare_data_set_without_meta_is_deidentified_too() -> R {
    let mut enc = Encoder::new(TransferSyntax::ImplicitVrLittleEndian);
    text(&mut enc, 0x0010, 0x0010, Vr::Pn, "Smithers^Johnathan")?;
    text(&mut enc, 0x0020, 0x000D, Vr::Ui, STUDY_UID)?;
    let bytes = enc.finish()?;
    let deid = Deidentifier::new(b"k", DeidOptions::new());
    let out = deidentify(&bytes, &deid, TransferSyntax::ImplicitVrLittleEndian)?;
    assert!(leaked(&out).is_empty());
    let ds = DataSet::parse(&out)?;
    assert!(!ds.has_file_meta());
    assert_eq!(s(&ds, 0x0012, 0x0062).as_deref(), Some("YES"));
    Ok(())
}
