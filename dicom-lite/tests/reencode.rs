//! Re-encoding: every native (uncompressed or deflated) corpus file, copied through
//! [`DataSetBuf`] into Implicit VR LE, Explicit VR LE, Explicit VR BE and Deflated
//! Explicit VR LE, reads back to the same values.

use std::path::{Path, PathBuf};

use carewire_dicom_lite::{
    DataSet, DataSetBuf, ElementBuf, ItemBuf, Tag, TransferSyntax, ValueBuf, Vr,
};

const TARGETS: [TransferSyntax; 4] = [
    TransferSyntax::ImplicitVrLittleEndian,
    TransferSyntax::ExplicitVrLittleEndian,
    TransferSyntax::ExplicitVrBigEndian,
    TransferSyntax::DeflatedExplicitVrLittleEndian,
];

fn corpus_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CAREWIRE_CORPUS") {
        let p = PathBuf::from(p).join("dicom");
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dicom");
    p.is_dir().then_some(p)
}

fn padded(vr: Vr, b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    if v.len() % 2 == 1 {
        v.push(vr.padding());
    }
    v
}

/// Compares two element lists by tag and value (group lengths, which are recomputed,
/// left out). In implicit VR the VR comes from the dictionary: a private sequence of
/// defined length reads back as UN bytes, and VRs may differ.
fn same(a: &[ElementBuf], b: &[ElementBuf], implicit: bool, path: &str) -> Result<(), String> {
    let a: Vec<&ElementBuf> = a.iter().filter(|e| !e.tag.is_group_length()).collect();
    let b: Vec<&ElementBuf> = b.iter().filter(|e| !e.tag.is_group_length()).collect();
    if a.len() != b.len() {
        return Err(format!("{path}: {} vs {} elements", a.len(), b.len()));
    }
    for (x, y) in a.iter().zip(&b) {
        let p = format!("{path}/{}", x.tag);
        if x.tag != y.tag {
            return Err(format!("{p}: tag {} vs {}", x.tag, y.tag));
        }
        if !implicit && x.vr != y.vr {
            return Err(format!("{p}: VR {} vs {}", x.vr, y.vr));
        }
        match (&x.value, &y.value) {
            (ValueBuf::Bytes(u), ValueBuf::Bytes(v)) => {
                if padded(x.vr, u) != *v {
                    return Err(format!("{p}: value differs"));
                }
            }
            (ValueBuf::Sequence(u), ValueBuf::Sequence(v)) => {
                if u.len() != v.len() {
                    return Err(format!("{p}: {} vs {} items", u.len(), v.len()));
                }
                for (i, (s, t)) in u.iter().zip(v).enumerate() {
                    same(s.elements(), t.elements(), implicit, &format!("{p}/{i}"))?;
                }
            }
            // A private sequence of defined length is UN bytes without the VR on the
            // wire (PS3.5 §6.2.2) — expected in implicit VR only.
            (ValueBuf::Sequence(_), ValueBuf::Bytes(_)) if implicit && x.tag.is_private() => {}
            (ValueBuf::Fragments(u), ValueBuf::Fragments(v)) if u == v => {}
            _ => return Err(format!("{p}: value kinds differ")),
        }
    }
    Ok(())
}

fn read_back(bytes: &[u8]) -> DataSetBuf {
    let ds = DataSet::parse(bytes).expect("the written file reads");
    DataSetBuf::from_view(&ds).expect("complete")
}

#[test]
fn native_corpus_files_reencode_to_every_uncompressed_syntax_and_deflated() {
    let Some(dir) = corpus_dir() else {
        eprintln!("corpus not found (set CAREWIRE_CORPUS): skipping");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
        .collect();
    files.sort();
    let mut done = 0;
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let ds = DataSet::parse(&bytes).expect("parses");
        if ds.transfer_syntax().is_encapsulated() || !ds.has_file_meta() {
            continue;
        }
        let orig = DataSetBuf::from_view(&ds).expect("complete");
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        for ts in TARGETS {
            let out = match orig.write(ts) {
                Ok(o) => o,
                Err(e) => {
                    failures.push(format!("{name:?} -> {ts:?}: {e}"));
                    continue;
                }
            };
            let back = DataSet::parse(&out).expect("reads");
            assert_eq!(back.transfer_syntax(), ts, "{name:?}");
            assert!(back.diagnostics().is_empty(), "{name:?} {ts:?}");
            let back = DataSetBuf::from_view(&back).expect("complete");
            let implicit = ts == TransferSyntax::ImplicitVrLittleEndian;
            if let Err(e) = same(orig.elements(), back.elements(), implicit, "") {
                failures.push(format!("{name:?} -> {ts:?}: {e}"));
            }
            // Re-encoding what was read back is a fixed point.
            assert_eq!(
                back.write(ts).expect("writes again"),
                out,
                "{name:?} {ts:?}"
            );
        }
        done += 1;
    }
    assert!(done >= 10, "only {done} native files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn deflated_output_inflates_to_the_explicit_little_endian_data_set() {
    let mut buf = DataSetBuf::new();
    buf.preamble = Some(vec![0; 128]);
    buf.insert_meta(
        Tag::new(0x0002, 0x0002),
        Vr::Ui,
        b"1.2.840.10008.5.1.4.1.1.7".to_vec(),
    );
    buf.insert(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane".to_vec());
    let mut item = ItemBuf::new();
    item.insert(Tag::new(0x0008, 0x0100), Vr::Sh, b"C1".to_vec());
    buf.insert_sequence(Tag::new(0x0008, 0x1110), vec![item], true);
    let out = buf
        .write(TransferSyntax::DeflatedExplicitVrLittleEndian)
        .expect("deflates");
    let ds = DataSet::parse(&out).expect("reads");
    assert_eq!(
        ds.transfer_syntax(),
        TransferSyntax::DeflatedExplicitVrLittleEndian
    );
    assert_eq!(
        ds.to_vec(),
        out,
        "byte-exact write back of the deflated file"
    );
    assert_eq!(
        ds.get_str(Tag::new(0x0010, 0x0010)).as_deref(),
        Some("Doe^Jane")
    );
    let back = read_back(&out);
    same(buf.elements(), back.elements(), false, "").expect("same values");
    // The data set after the meta group is the explicit LE encoding, deflated.
    let explicit = buf
        .write(TransferSyntax::ExplicitVrLittleEndian)
        .expect("writes");
    let e = DataSet::parse(&explicit).expect("reads");
    let body = &explicit[e.data_set_offset()..];
    let mut inflated = Vec::new();
    let deflated = &out[ds.data_set_offset()..];
    std::io::Read::read_to_end(
        &mut flate2::read::DeflateDecoder::new(deflated),
        &mut inflated,
    )
    .expect("inflates");
    assert_eq!(inflated, body);
    // Without a preamble (a bare data set) there is no meta group to say "deflated".
    let mut bare = buf.clone();
    bare.preamble = None;
    assert!(bare
        .write(TransferSyntax::DeflatedExplicitVrLittleEndian)
        .is_err());
}
