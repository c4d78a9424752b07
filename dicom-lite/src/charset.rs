//! Specific Character Set (0008,0005): decoding text values (PS3.5 §6.1, PS3.3 C.12.1.1.2).

use std::borrow::Cow;

use encoding_rs::Encoding;

/// A character repertoire named by Specific Character Set (0008,0005).
///
/// Single-byte ISO 8859 sets, UTF-8, GB18030 and GBK are decoded. ISO 2022 code
/// extensions (values starting `ISO 2022`, e.g. `\ISO 2022 IR 58`) are recognised but not
/// yet switched on escape sequences: their G0 (ASCII) or single-byte part is decoded and
/// the rest is replaced, with a diagnostic.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::CharacterSet;
/// let cs = CharacterSet::from_term(b"ISO_IR 100");
/// assert_eq!(cs, CharacterSet::Latin1);
/// assert_eq!(cs.decode(b"M\xFCller"), "Müller");
/// assert_eq!(CharacterSet::from_term(b"ISO_IR 192").decode("Łódź".as_bytes()), "Łódź");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CharacterSet {
    /// The default repertoire (ISO IR 6, ASCII). Bytes above 0x7F are decoded as UTF-8 when
    /// they form valid UTF-8 (a common mislabelling), else replaced.
    #[default]
    Default,
    /// ISO_IR 100, ISO 8859-1 (Latin alphabet No. 1).
    Latin1,
    /// ISO_IR 101, ISO 8859-2.
    Latin2,
    /// ISO_IR 109, ISO 8859-3.
    Latin3,
    /// ISO_IR 110, ISO 8859-4.
    Latin4,
    /// ISO_IR 144, ISO 8859-5 (Cyrillic).
    Cyrillic,
    /// ISO_IR 127, ISO 8859-6 (Arabic).
    Arabic,
    /// ISO_IR 126, ISO 8859-7 (Greek).
    Greek,
    /// ISO_IR 138, ISO 8859-8 (Hebrew).
    Hebrew,
    /// ISO_IR 148, ISO 8859-9 (Latin alphabet No. 5).
    Latin5,
    /// ISO_IR 203, ISO 8859-15 (Latin alphabet No. 9).
    Latin9,
    /// ISO_IR 166, TIS 620-2533 (Thai).
    Thai,
    /// ISO_IR 13, JIS X 0201 (Katakana and Romaji).
    JisX0201,
    /// ISO_IR 192, UTF-8.
    Utf8,
    /// GB18030.
    Gb18030,
    /// GBK.
    Gbk,
    /// An ISO 2022 code-extension set (`ISO 2022 IR …`): escape-sequence switching is not
    /// implemented yet.
    Iso2022,
    /// A term this crate does not know.
    Unknown,
}

impl CharacterSet {
    /// The repertoire named by one Specific Character Set term (padding ignored).
    pub fn from_term(term: &[u8]) -> CharacterSet {
        let term = trim(term);
        match term {
            b"" | b"ISO_IR 6" | b"ISO 2022 IR 6" => CharacterSet::Default,
            b"ISO_IR 100" => CharacterSet::Latin1,
            b"ISO_IR 101" => CharacterSet::Latin2,
            b"ISO_IR 109" => CharacterSet::Latin3,
            b"ISO_IR 110" => CharacterSet::Latin4,
            b"ISO_IR 144" => CharacterSet::Cyrillic,
            b"ISO_IR 127" => CharacterSet::Arabic,
            b"ISO_IR 126" => CharacterSet::Greek,
            b"ISO_IR 138" => CharacterSet::Hebrew,
            b"ISO_IR 148" => CharacterSet::Latin5,
            b"ISO_IR 203" => CharacterSet::Latin9,
            b"ISO_IR 166" => CharacterSet::Thai,
            b"ISO_IR 13" => CharacterSet::JisX0201,
            b"ISO_IR 192" => CharacterSet::Utf8,
            b"GB18030" => CharacterSet::Gb18030,
            b"GBK" => CharacterSet::Gbk,
            t if t.starts_with(b"ISO 2022") => CharacterSet::Iso2022,
            _ => CharacterSet::Unknown,
        }
    }

    /// The repertoire named by a whole (0008,0005) value: the first value, or for a
    /// multi-valued one (`\ISO 2022 IR 58`) the ISO 2022 marker.
    pub fn from_value(value: &[u8]) -> CharacterSet {
        let mut terms = value.split(|&b| b == b'\\');
        let first = terms.next().unwrap_or_default();
        if terms.next().is_some() {
            // Multi-valued: code extensions (PS3.3 C.12.1.1.2).
            let _ = first;
            return CharacterSet::Iso2022;
        }
        CharacterSet::from_term(first)
    }

    fn encoding(self) -> Option<&'static Encoding> {
        Some(match self {
            CharacterSet::Latin2 => encoding_rs::ISO_8859_2,
            CharacterSet::Latin3 => encoding_rs::ISO_8859_3,
            CharacterSet::Latin4 => encoding_rs::ISO_8859_4,
            CharacterSet::Cyrillic => encoding_rs::ISO_8859_5,
            CharacterSet::Arabic => encoding_rs::ISO_8859_6,
            CharacterSet::Greek => encoding_rs::ISO_8859_7,
            CharacterSet::Hebrew => encoding_rs::ISO_8859_8,
            // WHATWG maps ISO-8859-9 to windows-1254, which only differs in 0x80-0x9F
            // (C1 controls in ISO 8859); those are mapped by `decode` itself.
            CharacterSet::Latin5 => encoding_rs::WINDOWS_1254,
            CharacterSet::Latin9 => encoding_rs::ISO_8859_15,
            CharacterSet::Thai => encoding_rs::WINDOWS_874,
            CharacterSet::JisX0201 => encoding_rs::SHIFT_JIS,
            CharacterSet::Utf8 => encoding_rs::UTF_8,
            CharacterSet::Gb18030 => encoding_rs::GB18030,
            CharacterSet::Gbk => encoding_rs::GBK,
            _ => return None,
        })
    }

    /// Decodes `bytes`; borrowed when they are ASCII (or valid UTF-8 for UTF-8 sets).
    /// Invalid bytes become U+FFFD.
    pub fn decode(self, bytes: &[u8]) -> Cow<'_, str> {
        self.decode_report(bytes).0
    }

    /// As [`CharacterSet::decode`], also telling whether any byte was invalid.
    pub fn decode_report(self, bytes: &[u8]) -> (Cow<'_, str>, bool) {
        if bytes.is_ascii() {
            // Every supported repertoire has ASCII as G0 (ISO_IR 13's Romaji differs only
            // in 0x5C and 0x7E, which DICOM reads as ASCII as most toolkits do).
            return (
                Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default()),
                false,
            );
        }
        match self {
            CharacterSet::Latin1 => (
                Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
                false,
            ),
            CharacterSet::Default
            | CharacterSet::Iso2022
            | CharacterSet::Unknown
            | CharacterSet::Utf8 => {
                let s = String::from_utf8_lossy(bytes);
                let bad = matches!(s, Cow::Owned(_));
                (s, bad)
            }
            cs if matches!(cs, CharacterSet::Latin5 | CharacterSet::Thai)
                && bytes.iter().any(|b| (0x80..0xA0).contains(b)) =>
            {
                // C1 controls stay C1 controls, as ISO 8859 defines them.
                let mut out = String::with_capacity(bytes.len());
                let mut bad = false;
                for chunk in bytes.split_inclusive(|b| (0x80..0xA0).contains(b)) {
                    let (text, c1) = match chunk.split_last() {
                        Some((&last, rest)) if (0x80..0xA0).contains(&last) => (rest, Some(last)),
                        _ => (chunk, None),
                    };
                    let (s, b) = cs.decode_with_encoding(text);
                    out.push_str(&s);
                    bad |= b;
                    if let Some(c) = c1 {
                        out.push(char::from(c));
                    }
                }
                (Cow::Owned(out), bad)
            }
            cs => cs.decode_with_encoding(bytes),
        }
    }

    fn decode_with_encoding(self, bytes: &[u8]) -> (Cow<'_, str>, bool) {
        match self.encoding() {
            Some(enc) => {
                let (s, bad) = enc.decode_without_bom_handling(bytes);
                (s, bad)
            }
            None => {
                let s = String::from_utf8_lossy(bytes);
                let bad = matches!(s, Cow::Owned(_));
                (s, bad)
            }
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|&c| c != b' ' && c != 0)
        .map_or(start, |i| i + 1);
    b.get(start..end.max(start)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_maps_every_byte_to_the_same_code_point() {
        let all: Vec<u8> = (0u8..=255).collect();
        let s = CharacterSet::Latin1.decode(&all);
        assert!(s.chars().map(u32::from).eq(0u32..=255));
    }

    #[test]
    fn ascii_is_borrowed_in_every_set() {
        for cs in [
            CharacterSet::Latin1,
            CharacterSet::Utf8,
            CharacterSet::Gb18030,
        ] {
            assert!(matches!(cs.decode(b"DOE^JOHN"), Cow::Borrowed("DOE^JOHN")));
        }
    }

    #[test]
    fn gb18030_and_cyrillic_decode() {
        // "中" in GB18030 is D6 D0.
        assert_eq!(CharacterSet::Gb18030.decode(b"\xD6\xD0"), "中");
        assert_eq!(CharacterSet::Cyrillic.decode(b"\xBB\xEE"), "Лю");
    }

    #[test]
    fn latin5_keeps_c1_controls_as_iso_8859_does() {
        assert_eq!(CharacterSet::Latin5.decode(b"a\x80\xDD"), "a\u{80}İ");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported() {
        let (s, bad) = CharacterSet::Utf8.decode_report(b"a\xFFb");
        assert_eq!(s, "a\u{FFFD}b");
        assert!(bad);
    }

    #[test]
    fn terms_are_recognised_with_padding_and_multi_values() {
        assert_eq!(CharacterSet::from_value(b"ISO_IR 192 "), CharacterSet::Utf8);
        assert_eq!(
            CharacterSet::from_value(b"\\ISO 2022 IR 58"),
            CharacterSet::Iso2022
        );
        assert_eq!(CharacterSet::from_value(b"GB18030"), CharacterSet::Gb18030);
        assert_eq!(CharacterSet::from_value(b""), CharacterSet::Default);
        assert_eq!(CharacterSet::from_value(b"KLINGON"), CharacterSet::Unknown);
    }
}
