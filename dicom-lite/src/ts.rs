//! Transfer syntaxes (PS3.5 §10, Annex A).

use std::fmt;

/// How a data set is encoded: VR explicit or implicit, byte order, deflate, and whether
/// the pixel data is encapsulated (compressed).
///
/// # Examples
/// ```
/// use carewire_dicom_lite::TransferSyntax;
/// let ts = TransferSyntax::from_uid(b"1.2.840.10008.1.2.4.50\0");
/// assert!(ts.is_encapsulated());
/// assert!(ts.is_explicit_vr() && !ts.is_big_endian());
/// assert_eq!(TransferSyntax::ImplicitVrLittleEndian.uid(), Some("1.2.840.10008.1.2"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum TransferSyntax {
    /// Implicit VR Little Endian, 1.2.840.10008.1.2 (the default transfer syntax).
    ImplicitVrLittleEndian,
    /// Explicit VR Little Endian, 1.2.840.10008.1.2.1.
    ExplicitVrLittleEndian,
    /// Explicit VR Big Endian (retired), 1.2.840.10008.1.2.2.
    ExplicitVrBigEndian,
    /// Deflated Explicit VR Little Endian, 1.2.840.10008.1.2.1.99: the data set after the
    /// file meta group is a raw deflate stream (RFC 1951).
    DeflatedExplicitVrLittleEndian,
    /// An encapsulated (compressed pixel data) syntax: Explicit VR Little Endian for the
    /// header, pixel data as fragments. The index of [`KNOWN_ENCAPSULATED`] names which.
    Encapsulated(u8),
    /// A UID this crate does not know; read as Explicit VR Little Endian with
    /// encapsulated pixel data allowed (what every syntax defined since 1993 uses).
    Unknown,
}

/// The encapsulated transfer syntaxes this crate names: UID and description.
pub const KNOWN_ENCAPSULATED: &[(&str, &str)] = &[
    ("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"),
    ("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"),
    (
        "1.2.840.10008.1.2.4.57",
        "JPEG Lossless, Non-Hierarchical (Process 14)",
    ),
    (
        "1.2.840.10008.1.2.4.70",
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction",
    ),
    ("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
    ("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)"),
    ("1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)"),
    ("1.2.840.10008.1.2.4.91", "JPEG 2000"),
    (
        "1.2.840.10008.1.2.4.92",
        "JPEG 2000 Part 2 Multi-component (Lossless Only)",
    ),
    ("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component"),
    ("1.2.840.10008.1.2.4.94", "JPIP Referenced"),
    ("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate"),
    ("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
    ("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level"),
    (
        "1.2.840.10008.1.2.4.102",
        "MPEG-4 AVC/H.264 High Profile / Level 4.1",
    ),
    (
        "1.2.840.10008.1.2.4.103",
        "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
    ),
    (
        "1.2.840.10008.1.2.4.104",
        "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
    ),
    (
        "1.2.840.10008.1.2.4.105",
        "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
    ),
    (
        "1.2.840.10008.1.2.4.106",
        "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
    ),
    (
        "1.2.840.10008.1.2.4.107",
        "HEVC/H.265 Main Profile / Level 5.1",
    ),
    (
        "1.2.840.10008.1.2.4.108",
        "HEVC/H.265 Main 10 Profile / Level 5.1",
    ),
    (
        "1.2.840.10008.1.2.4.201",
        "High-Throughput JPEG 2000 (Lossless Only)",
    ),
    (
        "1.2.840.10008.1.2.4.202",
        "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)",
    ),
    ("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"),
    ("1.2.840.10008.1.2.5", "RLE Lossless"),
];

impl TransferSyntax {
    /// The transfer syntax named by a UID value as stored (trailing NUL or space padding
    /// is ignored). Unknown UIDs give [`TransferSyntax::Unknown`].
    pub fn from_uid(uid: &[u8]) -> TransferSyntax {
        let uid = trim_uid(uid);
        match uid {
            b"1.2.840.10008.1.2" => TransferSyntax::ImplicitVrLittleEndian,
            b"1.2.840.10008.1.2.1" => TransferSyntax::ExplicitVrLittleEndian,
            b"1.2.840.10008.1.2.2" => TransferSyntax::ExplicitVrBigEndian,
            b"1.2.840.10008.1.2.1.99" => TransferSyntax::DeflatedExplicitVrLittleEndian,
            _ => KNOWN_ENCAPSULATED
                .iter()
                .position(|(u, _)| u.as_bytes() == uid)
                .and_then(|i| u8::try_from(i).ok())
                .map_or(TransferSyntax::Unknown, TransferSyntax::Encapsulated),
        }
    }

    /// The UID (`None` for [`TransferSyntax::Unknown`]).
    pub fn uid(self) -> Option<&'static str> {
        match self {
            TransferSyntax::ImplicitVrLittleEndian => Some("1.2.840.10008.1.2"),
            TransferSyntax::ExplicitVrLittleEndian => Some("1.2.840.10008.1.2.1"),
            TransferSyntax::ExplicitVrBigEndian => Some("1.2.840.10008.1.2.2"),
            TransferSyntax::DeflatedExplicitVrLittleEndian => Some("1.2.840.10008.1.2.1.99"),
            TransferSyntax::Encapsulated(i) => {
                KNOWN_ENCAPSULATED.get(usize::from(i)).map(|(u, _)| *u)
            }
            TransferSyntax::Unknown => None,
        }
    }

    /// A human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            TransferSyntax::ImplicitVrLittleEndian => "Implicit VR Little Endian",
            TransferSyntax::ExplicitVrLittleEndian => "Explicit VR Little Endian",
            TransferSyntax::ExplicitVrBigEndian => "Explicit VR Big Endian",
            TransferSyntax::DeflatedExplicitVrLittleEndian => "Deflated Explicit VR Little Endian",
            TransferSyntax::Encapsulated(i) => KNOWN_ENCAPSULATED
                .get(usize::from(i))
                .map_or("Encapsulated", |(_, n)| *n),
            TransferSyntax::Unknown => "Unknown transfer syntax",
        }
    }

    /// True unless the VR is implicit.
    pub fn is_explicit_vr(self) -> bool {
        self != TransferSyntax::ImplicitVrLittleEndian
    }

    /// True for Explicit VR Big Endian.
    pub fn is_big_endian(self) -> bool {
        self == TransferSyntax::ExplicitVrBigEndian
    }

    /// True for Deflated Explicit VR Little Endian.
    pub fn is_deflated(self) -> bool {
        self == TransferSyntax::DeflatedExplicitVrLittleEndian
    }

    /// True when pixel data is (or may be) encapsulated in fragments.
    pub fn is_encapsulated(self) -> bool {
        matches!(
            self,
            TransferSyntax::Encapsulated(_) | TransferSyntax::Unknown
        )
    }

    /// True for the three uncompressed, undeflated syntaxes the [`Encoder`](crate::Encoder)
    /// writes.
    pub fn is_native(self) -> bool {
        matches!(
            self,
            TransferSyntax::ImplicitVrLittleEndian
                | TransferSyntax::ExplicitVrLittleEndian
                | TransferSyntax::ExplicitVrBigEndian
        )
    }
}

impl fmt::Display for TransferSyntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A UID without its trailing NUL/space padding.
pub(crate) fn trim_uid(uid: &[u8]) -> &[u8] {
    let mut end = uid.len();
    while end > 0 && matches!(uid.get(end - 1), Some(0 | b' ')) {
        end -= 1;
    }
    uid.get(..end).unwrap_or(uid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_uid_round_trips() {
        for ts in [
            TransferSyntax::ImplicitVrLittleEndian,
            TransferSyntax::ExplicitVrLittleEndian,
            TransferSyntax::ExplicitVrBigEndian,
            TransferSyntax::DeflatedExplicitVrLittleEndian,
        ] {
            let uid = ts.uid().unwrap_or_default();
            assert_eq!(TransferSyntax::from_uid(uid.as_bytes()), ts);
        }
        for (i, (uid, _)) in KNOWN_ENCAPSULATED.iter().enumerate() {
            let ts = TransferSyntax::from_uid(uid.as_bytes());
            assert_eq!(ts, TransferSyntax::Encapsulated(i as u8));
            assert_eq!(ts.uid(), Some(*uid));
        }
    }

    #[test]
    fn uid_padding_is_ignored_and_unknown_uids_are_encapsulated_explicit_le() {
        assert_eq!(
            TransferSyntax::from_uid(b"1.2.840.10008.1.2.1\0"),
            TransferSyntax::ExplicitVrLittleEndian
        );
        let unknown = TransferSyntax::from_uid(b"1.2.3.4");
        assert_eq!(unknown, TransferSyntax::Unknown);
        assert!(unknown.is_explicit_vr() && !unknown.is_big_endian());
    }
}
