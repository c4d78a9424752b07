//! Deterministic synthetic inputs for benchmarks and tests (not part of the public API).

use crate::error::Result;
use crate::tag::{Tag, Vr};
use crate::ts::TransferSyntax;
use crate::write::Encoder;

/// Pads `s` to an even length with a space (string VRs) and returns the bytes.
fn text(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    if v.len() % 2 == 1 {
        v.push(b' ');
    }
    v
}

fn el(enc: &mut Encoder, g: u16, e: u16, vr: Vr, s: &str) -> Result<()> {
    enc.element(Tag::new(g, e), vr, &text(s))
}

/// A Part 10 enhanced multi-frame header (Explicit VR LE, stopping short of pixel data)
/// whose Per-frame Functional Groups Sequence (5200,9230) holds `frames` items, each with
/// nested Frame Content, Plane Position, Plane Orientation and Pixel Value Transformation
/// sequences, alternating defined and undefined lengths. With 2000 frames it is about
/// 450 KB. The output depends only on `frames`.
///
/// # Errors
/// Never in practice (the encoder refuses only unencodable values).
pub fn enhanced_multiframe(frames: usize) -> Result<Vec<u8>> {
    let mut enc = Encoder::part10(
        [0; 128],
        TransferSyntax::ExplicitVrLittleEndian,
        "1.2.840.10008.5.1.4.1.1.4.1",
        "1.2.826.0.1.3680043.2.1125.1.4242424242.1",
    )?;
    el(&mut enc, 0x0008, 0x0005, Vr::Cs, "ISO_IR 100")?;
    el(
        &mut enc,
        0x0008,
        0x0008,
        Vr::Cs,
        "ORIGINAL\\PRIMARY\\M\\NONE",
    )?;
    el(
        &mut enc,
        0x0008,
        0x0016,
        Vr::Ui,
        "1.2.840.10008.5.1.4.1.1.4.1",
    )?;
    el(
        &mut enc,
        0x0008,
        0x0018,
        Vr::Ui,
        "1.2.826.0.1.3680043.2.1125.1.4242424242.1",
    )?;
    el(&mut enc, 0x0008, 0x0020, Vr::Da, "20260101")?;
    el(&mut enc, 0x0008, 0x0050, Vr::Sh, "ACC0001")?;
    el(&mut enc, 0x0008, 0x0060, Vr::Cs, "MR")?;
    el(&mut enc, 0x0010, 0x0010, Vr::Pn, "Doe^Jane")?;
    el(&mut enc, 0x0010, 0x0020, Vr::Lo, "PID000042")?;
    el(&mut enc, 0x0010, 0x0030, Vr::Da, "19700101")?;
    el(
        &mut enc,
        0x0020,
        0x000D,
        Vr::Ui,
        "1.2.826.0.1.3680043.2.1125.2.1",
    )?;
    el(
        &mut enc,
        0x0020,
        0x000E,
        Vr::Ui,
        "1.2.826.0.1.3680043.2.1125.3.1",
    )?;
    el(&mut enc, 0x0028, 0x0008, Vr::Is, &frames.to_string())?;
    enc.element(Tag::new(0x0028, 0x0010), Vr::Us, &256u16.to_le_bytes())?;
    enc.element(Tag::new(0x0028, 0x0011), Vr::Us, &256u16.to_le_bytes())?;

    // Per-frame Functional Groups Sequence.
    enc.begin_sequence(Tag::new(0x5200, 0x9230), false)?;
    for i in 0..frames {
        let defined = i % 2 == 0;
        enc.begin_item(defined)?;
        // Frame Content Sequence.
        enc.begin_sequence(Tag::new(0x0020, 0x9111), defined)?;
        enc.begin_item(!defined)?;
        let n = u32::try_from(i).unwrap_or(u32::MAX);
        enc.element(Tag::new(0x0020, 0x9156), Vr::Us, &(n as u16).to_le_bytes())?;
        let mut dims = Vec::with_capacity(8);
        dims.extend_from_slice(&1u32.to_le_bytes());
        dims.extend_from_slice(&(n + 1).to_le_bytes());
        enc.element(Tag::new(0x0020, 0x9157), Vr::Ul, &dims)?;
        enc.end_item()?;
        enc.end_sequence()?;
        // Plane Position Sequence.
        enc.begin_sequence(Tag::new(0x0020, 0x9113), !defined)?;
        enc.begin_item(defined)?;
        el(
            &mut enc,
            0x0020,
            0x0032,
            Vr::Ds,
            &format!("-125.5\\-130.25\\{:.3}", f64::from(n) * 0.5 - 40.0),
        )?;
        enc.end_item()?;
        enc.end_sequence()?;
        // Plane Orientation Sequence.
        enc.begin_sequence(Tag::new(0x0020, 0x9116), defined)?;
        enc.begin_item(defined)?;
        el(&mut enc, 0x0020, 0x0037, Vr::Ds, "1\\0\\0\\0\\1\\0")?;
        enc.end_item()?;
        enc.end_sequence()?;
        // Pixel Value Transformation Sequence.
        enc.begin_sequence(Tag::new(0x0028, 0x9145), !defined)?;
        enc.begin_item(!defined)?;
        el(&mut enc, 0x0028, 0x1052, Vr::Ds, "0")?;
        el(&mut enc, 0x0028, 0x1053, Vr::Ds, "1")?;
        el(&mut enc, 0x0028, 0x1054, Vr::Lo, "US")?;
        enc.end_item()?;
        enc.end_sequence()?;
        enc.end_item()?;
    }
    enc.end_sequence()?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_multiframe_is_deterministic_and_parses() -> Result<()> {
        let a = enhanced_multiframe(2000)?;
        assert_eq!(a, enhanced_multiframe(2000)?);
        assert!((400_000..520_000).contains(&a.len()), "{}", a.len());
        let ds = crate::DataSet::parse(&a)?;
        assert!(ds.diagnostics().is_empty());
        assert_eq!(ds.to_vec(), a);
        Ok(())
    }
}
