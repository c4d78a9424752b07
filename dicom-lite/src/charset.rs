//! Specific Character Set (0008,0005): decoding text values (PS3.5 §6.1, PS3.3 C.12.1.1.2).

use std::borrow::Cow;

use encoding_rs::Encoding;

/// A character repertoire named by Specific Character Set (0008,0005).
///
/// Single-byte ISO 8859 sets, UTF-8, GB18030 and GBK are decoded directly. ISO 2022 code
/// extensions (a multi-valued term list or `ISO 2022 …` terms, e.g. `\ISO 2022 IR 58`,
/// PS3.3 C.12.1.1.2) are decoded by following the escape sequences inside each value
/// (PS3.5 §6.1.2.5): G0 ASCII, JIS X 0201 Romaji, JIS X 0208, JIS X 0212; G1 ISO 8859
/// parts, JIS X 0201 Katakana, KS X 1001, GB 2312.
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
    /// ISO 2022 code extensions with ASCII as the initial G0 and nothing in G1 until an
    /// escape sequence designates a set (first value empty or `ISO 2022 IR 6`, or a
    /// first value this crate does not know).
    Iso2022,
    /// ISO 2022 code extensions starting from JIS X 0201 (first value `ISO 2022 IR 13`).
    Iso2022JisX0201,
    /// ISO 2022 code extensions starting from ISO 8859-1 (first value `ISO 2022 IR 100`).
    Iso2022Latin1,
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
            b"ISO 2022 IR 13" => CharacterSet::Iso2022JisX0201,
            b"ISO 2022 IR 100" => CharacterSet::Iso2022Latin1,
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
            return match CharacterSet::from_term(first) {
                CharacterSet::JisX0201 | CharacterSet::Iso2022JisX0201 => {
                    CharacterSet::Iso2022JisX0201
                }
                CharacterSet::Latin1 | CharacterSet::Iso2022Latin1 => CharacterSet::Iso2022Latin1,
                _ => CharacterSet::Iso2022,
            };
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
        if matches!(
            self,
            CharacterSet::Iso2022 | CharacterSet::Iso2022JisX0201 | CharacterSet::Iso2022Latin1
        ) && bytes.contains(&ESC)
        {
            return iso2022::decode(self, bytes);
        }
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

const ESC: u8 = 0x1B;

/// ISO 2022 decoding with DICOM's escape sequences (PS3.3 C.12.1.1.2, PS3.5 §6.1.2.5).
mod iso2022 {
    use std::borrow::Cow;

    use encoding_rs::Encoding;

    use super::{CharacterSet, ESC};

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum G0 {
        Ascii,
        JisX0208,
        JisX0212,
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum G1 {
        None,
        /// A 96-character single-byte set, decoded through this repertoire.
        Single(CharacterSet),
        Katakana,
        /// A 94x94 double-byte set in GR, decoded as its EUC form.
        Double(&'static Encoding),
    }

    /// The designation an escape sequence at the start of `b` makes, and its length.
    fn designation(b: &[u8]) -> Option<(Option<G0>, Option<G1>, usize)> {
        let single = |cs| Some((None, Some(G1::Single(cs)), 3));
        match b {
            [ESC, b'(', b'B', ..] | [ESC, b'(', b'J', ..] => Some((Some(G0::Ascii), None, 3)),
            [ESC, b')', b'I', ..] => Some((None, Some(G1::Katakana), 3)),
            [ESC, b'$', b'B', ..] => Some((Some(G0::JisX0208), None, 3)),
            [ESC, b'$', b'(', b'D', ..] => Some((Some(G0::JisX0212), None, 4)),
            [ESC, b'$', b')', b'C', ..] => Some((None, Some(G1::Double(encoding_rs::EUC_KR)), 4)),
            [ESC, b'$', b')', b'A', ..] => Some((None, Some(G1::Double(encoding_rs::GBK)), 4)),
            [ESC, b'-', b'A', ..] => single(CharacterSet::Latin1),
            [ESC, b'-', b'B', ..] => single(CharacterSet::Latin2),
            [ESC, b'-', b'C', ..] => single(CharacterSet::Latin3),
            [ESC, b'-', b'D', ..] => single(CharacterSet::Latin4),
            [ESC, b'-', b'L', ..] => single(CharacterSet::Cyrillic),
            [ESC, b'-', b'G', ..] => single(CharacterSet::Arabic),
            [ESC, b'-', b'F', ..] => single(CharacterSet::Greek),
            [ESC, b'-', b'H', ..] => single(CharacterSet::Hebrew),
            [ESC, b'-', b'M', ..] => single(CharacterSet::Latin5),
            [ESC, b'-', b'T', ..] => single(CharacterSet::Thai),
            [ESC, b'-', b'b', ..] => single(CharacterSet::Latin9),
            _ => None,
        }
    }

    fn push_decoded(out: &mut String, enc: &'static Encoding, bytes: &[u8]) -> bool {
        let (s, bad) = enc.decode_without_bom_handling(bytes);
        out.push_str(&s);
        bad
    }

    pub(super) fn decode(cs: CharacterSet, bytes: &[u8]) -> (Cow<'_, str>, bool) {
        let initial_g1 = match cs {
            CharacterSet::Iso2022JisX0201 => G1::Katakana,
            CharacterSet::Iso2022Latin1 => G1::Single(CharacterSet::Latin1),
            _ => G1::None,
        };
        let (mut g0, mut g1) = (G0::Ascii, initial_g1);
        let mut out = String::with_capacity(bytes.len());
        let mut bad = false;
        let mut rest = bytes;
        let mut scratch = Vec::new();
        while !rest.is_empty() {
            if rest.first() == Some(&ESC) {
                match designation(rest) {
                    Some((new_g0, new_g1, n)) => {
                        g0 = new_g0.unwrap_or(g0);
                        g1 = new_g1.unwrap_or(g1);
                        rest = rest.get(n..).unwrap_or_default();
                    }
                    None => {
                        // An unknown escape: keep it visible as a replacement character.
                        out.push('\u{FFFD}');
                        bad = true;
                        rest = rest.get(1..).unwrap_or_default();
                    }
                }
                continue;
            }
            let end = rest.iter().position(|&b| b == ESC).unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            rest = tail;
            // Within a run: bytes below 0x80 are G0, bytes from 0xA0 up are G1.
            let mut i = 0;
            while i < run.len() {
                let high = run.get(i).is_some_and(|&b| b >= 0x80);
                let j = run
                    .iter()
                    .skip(i)
                    .position(|&b| (b >= 0x80) != high)
                    .map_or(run.len(), |p| i + p);
                let part = run.get(i..j).unwrap_or_default();
                i = j;
                if high {
                    match g1 {
                        G1::None => {
                            let s = String::from_utf8_lossy(part);
                            bad |= matches!(s, Cow::Owned(_));
                            out.push_str(&s);
                        }
                        G1::Single(cs) => {
                            let (s, b) = cs.decode_report(part);
                            bad |= b;
                            out.push_str(&s);
                        }
                        G1::Katakana => {
                            bad |= push_decoded(&mut out, encoding_rs::SHIFT_JIS, part);
                        }
                        G1::Double(enc) => bad |= push_decoded(&mut out, enc, part),
                    }
                    continue;
                }
                match g0 {
                    G0::Ascii => out.push_str(&String::from_utf8_lossy(part)),
                    G0::JisX0208 | G0::JisX0212 => {
                        // 7-bit JIS: each pair is a character; as EUC-JP each byte has its
                        // high bit set (and JIS X 0212 is prefixed with 0x8F).
                        scratch.clear();
                        let mut pairs = part.chunks_exact(2);
                        for pair in &mut pairs {
                            if g0 == G0::JisX0212 {
                                scratch.push(0x8F);
                            }
                            scratch.extend(pair.iter().map(|b| b | 0x80));
                        }
                        bad |= push_decoded(&mut out, encoding_rs::EUC_JP, &scratch);
                        out.push_str(&String::from_utf8_lossy(pairs.remainder()));
                    }
                }
            }
        }
        (Cow::Owned(out), bad)
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
    fn iso2022_japanese_switches_between_ascii_and_jis_x_0208() {
        // PS3.5 H.3.1 example: Yamada^Tarou=山田^太郎=やまだ^たろう
        let value =
            b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B";
        let cs = CharacterSet::from_value(b"\\ISO 2022 IR 87");
        assert_eq!(cs.decode(value), "Yamada^Tarou=山田^太郎=やまだ^たろう");
    }

    #[test]
    fn iso2022_korean_and_chinese_decode_their_g1_sets() {
        // PS3.5 I.2: Hong^Gildong=洪^吉洞=홍^길동
        let value = b"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf";
        let cs = CharacterSet::from_value(b"\\ISO 2022 IR 149");
        assert_eq!(cs.decode(value), "Hong^Gildong=洪^吉洞=홍^길동");
        // GB 2312 in G1: 中文
        let cs = CharacterSet::from_value(b"\\ISO 2022 IR 58");
        assert_eq!(cs.decode(b"\x1b$)A\xd6\xd0\xce\xc4"), "中文");
    }

    #[test]
    fn unknown_escape_sequences_are_replaced_and_reported() {
        let (s, bad) = CharacterSet::Iso2022.decode_report(b"a\x1bZb");
        assert_eq!(s, "a\u{FFFD}Zb");
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
