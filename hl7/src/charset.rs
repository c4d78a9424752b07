//! Character sets named by MSH-18 (HL7 v2.5 ch. 2.15.9.18, HL7 table 0211).
//!
//! [`Charset`] turns an MSH-18 label into a decoder/encoder pair:
//! [`Charset::decode`] turns raw field bytes into text (borrowed when the bytes are already
//! the UTF-8 they stand for), [`Charset::encode`] turns text back into bytes for writing.
//!
//! Decoding never fails: malformed or unmapped bytes become U+FFFD and the returned flag says
//! so, so the caller can report a `Diagnostic` (or fail, in a strict configuration). Encoding
//! reports the byte position (in the text) of the first character the set cannot represent;
//! [`Charset::encode_lossy`] substitutes `?` instead.
//!
//! The details are on [`Charset`], which the crate re-exports.

use std::borrow::Cow;
use std::sync::OnceLock;

use encoding_rs::{EncoderResult, Encoding};

/// ESC, which starts an ISO 2022 escape sequence (ISO/IEC 2022 ch. 13).
const ESC: u8 = 0x1B;
/// Shift Out / Shift In (ISO 2022 locking shifts), not used by HL7 and treated as errors in the
/// Japanese sets.
const SO: u8 = 0x0E;
const SI: u8 = 0x0F;
const REPLACEMENT: char = '\u{FFFD}';

/// A character set named by MSH-18 (HL7 table 0211).
///
/// `Charset::default()` is [`Charset::Ascii`], the table 0211 default when MSH-18 is empty.
///
/// # Which bytes mean what
///
/// | MSH-18 (table 0211)      | variant                | wire form assumed                             |
/// |--------------------------|------------------------|-----------------------------------------------|
/// | `ASCII`, `ISO IR6`       | [`Charset::Ascii`]     | 7-bit; bytes `0x80..=0xFF` are errors           |
/// | `8859/1`                 | [`Charset::Latin1`]    | true ISO-8859-1: `0x80..=0x9F` are C1 controls  |
/// | `8859/2` … `8859/9`, `8859/15` | [`Charset::Iso8859`] | ISO-8859-n as in the WHATWG Encoding Standard; 8859/9 by hand |
/// | `UNICODE UTF-8`          | [`Charset::Utf8`]      | UTF-8                                         |
/// | `GB 18030`               | [`Charset::Gb18030`]   | GB 18030 (1-, 2- and 4-byte forms)            |
/// | `BIG-5`                  | [`Charset::Big5`]      | Big5 (WHATWG: HKSCS accepted when decoding)   |
/// | `KS X 1001`, `ISO IR149` | [`Charset::IsoIr149`]  | EUC-KR bytes (KS X 1001 in G1)                |
/// | `ISO IR14`               | [`Charset::IsoIr14`]   | JIS X 0201: ASCII + 8-bit half-width katakana |
/// | `ISO IR87`               | [`Charset::IsoIr87`]   | ISO 2022 escapes, JIS X 0208 after `ESC $ B`  |
/// | `ISO IR159`              | [`Charset::IsoIr159`]  | as `ISO IR87`, plus JIS X 0212 after `ESC $ ( D` |
///
/// `CNS 11643-1992`, `UNICODE UTF-16` and `UNICODE UTF-32` are known table 0211 codes this
/// module does not support ([`Charset::is_known_unsupported`]); UTF-16/32 cannot carry ER7's
/// single-byte delimiters and no CNS 11643 codec is available.
///
/// # Delimiter scanning
///
/// In GB 18030, Big5 and the ISO 2022 Japanese sets a byte below `0x80` can be half of a
/// multi-byte character (Big5 `0xB3 0x5C` contains `\`, an ISO 2022 kanji run after `ESC $ B`
/// is made only of bytes `0x21..=0x7E`). [`Charset::is_ascii_transparent`] says whether a
/// byte-level delimiter scan over undecoded input is safe for a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Charset {
    /// `ASCII` / `ISO IR6`: 7-bit ASCII (ISO 646 IRV), the HL7 default.
    #[default]
    Ascii,
    /// `8859/1`: ISO-8859-1 (Latin-1). Every byte maps to U+0000..=U+00FF; `0x80..=0x9F` are
    /// the C1 controls, not the windows-1252 characters a web browser would show.
    Latin1,
    /// `8859/n`: ISO-8859 part `n`; table 0211 defines parts 2..=9 and 15.
    ///
    /// `Iso8859(1)` behaves as [`Charset::Latin1`]. A part outside 1..=9 and 15 is not a
    /// table 0211 code: such a value decodes only ASCII (other bytes become U+FFFD), encodes
    /// only ASCII, and its [`label`](Charset::label) is `"8859/?"`.
    Iso8859(u8),
    /// `UNICODE UTF-8`: UTF-8 (ISO/IEC 10646 UTF-8).
    Utf8,
    /// `GB 18030`: Chinese national standard GB 18030 (a complete Unicode encoding).
    Gb18030,
    /// `ISO IR14`: JIS X 0201 (one byte): ASCII plus half-width katakana in `0xA1..=0xDF`.
    IsoIr14,
    /// `ISO IR87`: JIS X 0208 (kanji), carried with ISO 2022 escape sequences as HL7 table
    /// 0211 describes (`ESC $ B` into two-byte mode, `ESC ( B` back to ASCII).
    IsoIr87,
    /// `ISO IR159`: JIS X 0212 (supplementary kanji), carried like [`Charset::IsoIr87`]
    /// after `ESC $ ( D`. JIS X 0208 (`ESC $ B`) is accepted and written too.
    IsoIr159,
    /// `KS X 1001` / `ISO IR149`: Korean KS X 1001, carried as EUC-KR bytes.
    IsoIr149,
    /// `BIG-5`: traditional Chinese Big5.
    Big5,
}

impl Charset {
    /// Parses an MSH-18 value (HL7 table 0211). The caller passes the first repetition's first
    /// component; an empty value returns `None` (the table 0211 default is
    /// [`Charset::default`], ASCII).
    ///
    /// Matching ignores ASCII case, spaces, `_`, `-` and `/`, so the DICOM spellings of the
    /// same sets (PS3.3 C.12.1.1.2, `ISO_IR 100`, `ISO 2022 IR 87`, `ISO_IR 192`) and common
    /// variants (`ISO-8859-1`, `UTF-8`, `BIG5`, `EUC-KR`) are accepted. Recognised, besides
    /// the table 0211 codes: ISO IR numbers 6, 13/14, 87, 100, 101, 109, 110, 126, 127, 138,
    /// 144, 148, 149, 159, 192 and 203.
    ///
    /// Lenient: the deprecated table 0211 code `UNICODE` (ISO/IEC 10646 without an encoding
    /// form) is read as [`Charset::Utf8`], which is what senders using it send in practice.
    ///
    /// Returns `None` for unknown labels and for the known but unsupported codes
    /// (`CNS 11643-1992`, `UNICODE UTF-16`, `UNICODE UTF-32`; see
    /// [`Charset::is_known_unsupported`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use carewire_hl7::Charset;
    /// assert_eq!(Charset::from_label(b"8859/1"), Some(Charset::Latin1));
    /// assert_eq!(Charset::from_label(b"ISO_IR 100"), Some(Charset::Latin1));
    /// assert_eq!(Charset::from_label(b"UNICODE UTF-8"), Some(Charset::Utf8));
    /// assert_eq!(Charset::from_label(b"EBCDIC"), None);
    /// ```
    pub fn from_label(label: &[u8]) -> Option<Charset> {
        let mut buf = [0u8; 24];
        let norm = normalize_label(label, &mut buf)?;
        match norm {
            b"ASCII" | b"USASCII" => return Some(Charset::Ascii),
            b"UNICODEUTF8" | b"UTF8" | b"UNICODE" => return Some(Charset::Utf8),
            b"GB18030" | b"GB180302000" | b"GB180302005" => return Some(Charset::Gb18030),
            b"BIG5" => return Some(Charset::Big5),
            b"KSX1001" | b"EUCKR" => return Some(Charset::IsoIr149),
            _ => {}
        }
        if let Some(part) = norm
            .strip_prefix(b"ISO8859")
            .or_else(|| norm.strip_prefix(b"8859"))
        {
            return match part {
                b"1" => Some(Charset::Latin1),
                [d @ b'2'..=b'9'] => Some(Charset::Iso8859(d - b'0')),
                b"15" => Some(Charset::Iso8859(15)),
                _ => None,
            };
        }
        if let Some(ir) = norm
            .strip_prefix(b"ISO2022IR")
            .or_else(|| norm.strip_prefix(b"ISOIR"))
        {
            return from_ir_number(ir);
        }
        None
    }

    /// Whether `label` is a table 0211 code this module knows but does not support
    /// (`CNS 11643-1992`, `UNICODE UTF-16`, `UNICODE UTF-32`), so the caller can report
    /// "unsupported character set" rather than "unknown character set". Matching is as in
    /// [`Charset::from_label`].
    pub fn is_known_unsupported(label: &[u8]) -> bool {
        let mut buf = [0u8; 24];
        matches!(
            normalize_label(label, &mut buf),
            Some(b"CNS116431992" | b"UNICODEUTF16" | b"UNICODEUTF32")
        )
    }

    /// The canonical MSH-18 label (the HL7 table 0211 code): `"ASCII"`, `"8859/1"`,
    /// `"UNICODE UTF-8"`, `"GB 18030"`, `"ISO IR14"`, `"ISO IR87"`, `"ISO IR159"`,
    /// `"KS X 1001"` (for [`Charset::IsoIr149`]), `"BIG-5"`.
    ///
    /// [`Charset::from_label`] of the label gives the same set back (for `Iso8859(n)` with a
    /// table 0211 part `n`).
    pub fn label(self) -> &'static str {
        match self {
            Charset::Ascii => "ASCII",
            Charset::Latin1 | Charset::Iso8859(1) => "8859/1",
            Charset::Iso8859(2) => "8859/2",
            Charset::Iso8859(3) => "8859/3",
            Charset::Iso8859(4) => "8859/4",
            Charset::Iso8859(5) => "8859/5",
            Charset::Iso8859(6) => "8859/6",
            Charset::Iso8859(7) => "8859/7",
            Charset::Iso8859(8) => "8859/8",
            Charset::Iso8859(9) => "8859/9",
            Charset::Iso8859(15) => "8859/15",
            Charset::Iso8859(_) => "8859/?",
            Charset::Utf8 => "UNICODE UTF-8",
            Charset::Gb18030 => "GB 18030",
            Charset::IsoIr14 => "ISO IR14",
            Charset::IsoIr87 => "ISO IR87",
            Charset::IsoIr159 => "ISO IR159",
            Charset::IsoIr149 => "KS X 1001",
            Charset::Big5 => "BIG-5",
        }
    }

    /// Whether every byte below `0x80` in correctly encoded text stands for that ASCII
    /// character, so HL7 delimiters (and CR/LF) can be found by scanning raw bytes before
    /// decoding.
    ///
    /// `false` for [`Charset::Gb18030`] and [`Charset::Big5`] (second bytes can be
    /// `0x40..=0x7E`, which includes `\ ^ | ~`) and for the ISO 2022 Japanese sets
    /// (`IsoIr14`, `IsoIr87`, `IsoIr159`), whose escape sequences switch bytes
    /// `0x21..=0x7E` to kanji or katakana. `true` for [`Charset::IsoIr149`] as KS X 1001
    /// (EUC-KR); the decoder also accepts the UHC (windows-949) extension, whose second bytes
    /// can be ASCII letters but never HL7 delimiters.
    pub fn is_ascii_transparent(self) -> bool {
        !matches!(
            self,
            Charset::Gb18030
                | Charset::Big5
                | Charset::IsoIr14
                | Charset::IsoIr87
                | Charset::IsoIr159
        )
    }

    /// Decodes bytes in this set to text.
    ///
    /// Returns `Cow::Borrowed` when the bytes are valid in the set *and* identical as UTF-8:
    /// ASCII-only input for every set except `Utf8` (checked before any codec runs), valid
    /// UTF-8 for `Utf8`. Malformed or unmapped sequences become U+FFFD and the returned flag
    /// (`had_errors`) is `true`.
    ///
    /// Set-specific behaviour:
    /// - `Ascii`: each byte `0x80..=0xFF` is an error (no guessing at Latin-1 or UTF-8).
    /// - `Utf8`: a byte-order mark is kept as U+FEFF; errors are replaced as
    ///   [`String::from_utf8_lossy`] does.
    /// - `IsoIr149`: the ISO 2022 designations `ESC $ ) C` and `ESC ( B` that DICOM-style
    ///   senders put before/after Korean text are dropped (they do not change the meaning of
    ///   EUC-KR bytes); the UHC (windows-949) superset is decoded.
    /// - `IsoIr14`, `IsoIr87`, `IsoIr159`: the decoder starts in ASCII and follows the escape
    ///   sequences `ESC ( B` (ASCII), `ESC ( J` (JIS X 0201 Roman: `\` → `¥`, `~` → `‾`),
    ///   `ESC ( I` (katakana), `ESC $ @` / `ESC $ B` (JIS X 0208), `ESC $ ( D` (JIS X 0212),
    ///   ignoring the announcer `ESC & @`; any of them is accepted under all three labels.
    ///   Bytes `0xA1..=0xDF` are JIS X 0201 katakana (the 8-bit form of ISO IR14). Space and
    ///   C0 controls keep their meaning in every mode; unknown escapes, SO, SI and other high
    ///   bytes are errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # use carewire_hl7::Charset;
    /// let (text, had_errors) = Charset::Latin1.decode(b"Ren\xE9");
    /// assert_eq!(text, "René");
    /// assert!(!had_errors);
    /// ```
    pub fn decode<'a>(self, bytes: &'a [u8]) -> (Cow<'a, str>, bool) {
        if self == Charset::Utf8 {
            return match std::str::from_utf8(bytes) {
                Ok(s) => (Cow::Borrowed(s), false),
                Err(_) => (String::from_utf8_lossy(bytes), true),
            };
        }
        if self.is_plain_ascii(bytes) {
            if let Ok(s) = std::str::from_utf8(bytes) {
                return (Cow::Borrowed(s), false);
            }
        }
        match self {
            Charset::Latin1 | Charset::Iso8859(1) => {
                (encoding_rs::mem::decode_latin1(bytes), false)
            }
            Charset::Iso8859(9) => decode_8859_9(bytes),
            Charset::Iso8859(n) => match iso8859_encoding(n) {
                Some(enc) => enc.decode_without_bom_handling(bytes),
                None => decode_ascii_lossy(bytes),
            },
            Charset::Gb18030 => encoding_rs::GB18030.decode_without_bom_handling(bytes),
            Charset::Big5 => encoding_rs::BIG5.decode_without_bom_handling(bytes),
            Charset::IsoIr149 => decode_ks_x_1001(bytes),
            Charset::IsoIr14 | Charset::IsoIr87 | Charset::IsoIr159 => {
                let (text, had_errors) = jis::decode(bytes);
                (Cow::Owned(text), had_errors)
            }
            Charset::Ascii | Charset::Utf8 => decode_ascii_lossy(bytes),
        }
    }

    /// Encodes text in this set for writing.
    ///
    /// Returns `Cow::Borrowed` when the text's UTF-8 bytes are already the encoding (ASCII
    /// text, or any text for `Utf8`). Otherwise returns the encoded bytes, or `Err` with the
    /// byte offset in `text` of the first character the set cannot represent.
    ///
    /// Set-specific behaviour:
    /// - `IsoIr149` writes strict KS X 1001 EUC-KR: Hangul syllables only in the UHC
    ///   extension are unmappable.
    /// - `IsoIr87` and `IsoIr159` write ISO 2022 (7-bit): `ESC $ B` for JIS X 0208,
    ///   `ESC ( J` for `¥`/`‾`, `ESC ( I` for half-width katakana, and `ESC $ ( D` for
    ///   JIS X 0212 (`IsoIr159` only); the output always ends in ASCII mode, so delimiters
    ///   written after it are ASCII. `IsoIr14` writes ASCII and 8-bit katakana only.
    /// - In the ISO 2022 sets (`IsoIr14`, `IsoIr87`, `IsoIr159`, `IsoIr149`) the control
    ///   characters ESC (and, for the Japanese sets, SO and SI) are unmappable, since the
    ///   decoder would read them as shifts.
    ///
    /// # Errors
    ///
    /// `Err(position)`: byte offset in `text` of the first unmappable character.
    ///
    /// # Examples
    ///
    /// ```
    /// # use carewire_hl7::Charset;
    /// assert_eq!(Charset::Latin1.encode("é").as_deref(), Ok(&[0xE9][..]));
    /// assert_eq!(Charset::Latin1.encode("a€").as_deref(), Err(&1));
    /// ```
    pub fn encode<'a>(self, text: &'a str) -> Result<Cow<'a, [u8]>, usize> {
        if self == Charset::Utf8 || self.is_plain_ascii(text.as_bytes()) {
            return Ok(Cow::Borrowed(text.as_bytes()));
        }
        let mut out = Vec::with_capacity(text.len().saturating_add(8));
        self.encode_into(text, &mut out)?;
        Ok(Cow::Owned(out))
    }

    /// Encodes text, writing `?` for each character the set cannot represent.
    ///
    /// Returns the bytes and whether any character was replaced. `?` is ASCII in every set,
    /// so the output stays valid (HL7 defines no replacement character of its own).
    ///
    /// # Examples
    ///
    /// ```
    /// # use carewire_hl7::Charset;
    /// let (bytes, replaced) = Charset::Latin1.encode_lossy("5 €");
    /// assert_eq!(&bytes[..], b"5 ?");
    /// assert!(replaced);
    /// ```
    pub fn encode_lossy<'a>(self, text: &'a str) -> (Cow<'a, [u8]>, bool) {
        if self == Charset::Utf8 || self.is_plain_ascii(text.as_bytes()) {
            return (Cow::Borrowed(text.as_bytes()), false);
        }
        let mut out = Vec::with_capacity(text.len().saturating_add(8));
        let mut rest = text;
        let mut replaced = false;
        while let Err(pos) = self.encode_into(rest, &mut out) {
            replaced = true;
            out.push(b'?');
            let skip = rest
                .get(pos..)
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            rest = rest.get(pos.saturating_add(skip)..).unwrap_or("");
        }
        (Cow::Owned(out), replaced)
    }

    /// Whether `bytes` are ASCII and mean the same ASCII text in this set, so they can be
    /// borrowed as `&str` (decode) or written as they are (encode).
    fn is_plain_ascii(self, bytes: &[u8]) -> bool {
        match self {
            Charset::IsoIr14 | Charset::IsoIr87 | Charset::IsoIr159 => bytes
                .iter()
                .all(|&b| b < 0x80 && b != ESC && b != SO && b != SI),
            Charset::IsoIr149 => bytes.is_ascii() && !bytes.contains(&ESC),
            _ => bytes.is_ascii(),
        }
    }

    /// Appends the encoding of `text` to `out`. On error, `out` holds the encoding of the
    /// text before the returned position (ending in ASCII mode for the ISO 2022 sets).
    fn encode_into(self, text: &str, out: &mut Vec<u8>) -> Result<(), usize> {
        match self {
            Charset::Utf8 => {
                out.extend_from_slice(text.as_bytes());
                Ok(())
            }
            Charset::Latin1 | Charset::Iso8859(1) => {
                let valid = encoding_rs::mem::str_latin1_up_to(text);
                let prefix = text.get(..valid).unwrap_or("");
                out.extend_from_slice(&encoding_rs::mem::encode_latin1_lossy(prefix));
                if valid < text.len() {
                    Err(valid)
                } else {
                    Ok(())
                }
            }
            Charset::Iso8859(9) => encode_8859_9(text, out),
            Charset::Iso8859(n) => match iso8859_encoding(n) {
                Some(enc) => encode_with(enc, text, out),
                None => encode_ascii(text, out),
            },
            Charset::Gb18030 => encode_with(encoding_rs::GB18030, text, out),
            Charset::Big5 => encode_with(encoding_rs::BIG5, text, out),
            Charset::IsoIr149 => encode_ks_x_1001(text, out),
            Charset::IsoIr14 | Charset::IsoIr87 | Charset::IsoIr159 => jis::encode(self, text, out),
            Charset::Ascii => encode_ascii(text, out),
        }
    }
}

/// Uppercases `label` into `buf`, dropping spaces, tabs, `_`, `-` and `/`. `None` when it does
/// not fit (no known label is that long) or is empty.
fn normalize_label<'b>(label: &[u8], buf: &'b mut [u8; 24]) -> Option<&'b [u8]> {
    let mut len = 0usize;
    for &b in label {
        if matches!(b, b' ' | b'\t' | b'_' | b'-' | b'/') {
            continue;
        }
        *buf.get_mut(len)? = b.to_ascii_uppercase();
        len += 1;
    }
    if len == 0 {
        return None;
    }
    buf.get(..len)
}

/// ISO-IR registration numbers (as used by DICOM PS3.3 C.12.1.1.2 and table 0211's
/// `ISO IRn` codes) to character sets.
fn from_ir_number(ir: &[u8]) -> Option<Charset> {
    Some(match ir {
        b"6" => Charset::Ascii,
        b"100" => Charset::Latin1,
        b"101" => Charset::Iso8859(2),
        b"109" => Charset::Iso8859(3),
        b"110" => Charset::Iso8859(4),
        b"144" => Charset::Iso8859(5),
        b"127" => Charset::Iso8859(6),
        b"126" => Charset::Iso8859(7),
        b"138" => Charset::Iso8859(8),
        b"148" => Charset::Iso8859(9),
        b"203" => Charset::Iso8859(15),
        b"192" => Charset::Utf8,
        // IR 13 is the katakana half and IR 14 the Roman half of JIS X 0201.
        b"13" | b"14" => Charset::IsoIr14,
        b"87" => Charset::IsoIr87,
        b"159" => Charset::IsoIr159,
        b"149" => Charset::IsoIr149,
        _ => return None,
    })
}

/// The encoding_rs codec for ISO-8859 parts that it implements as the ISO standard (with C1
/// controls at `0x80..=0x9F`). Parts 1 and 9 are not here: encoding_rs maps their labels to
/// windows-1252 and windows-1254, which differ at `0x80..=0x9F`.
fn iso8859_encoding(part: u8) -> Option<&'static Encoding> {
    Some(match part {
        2 => encoding_rs::ISO_8859_2,
        3 => encoding_rs::ISO_8859_3,
        4 => encoding_rs::ISO_8859_4,
        5 => encoding_rs::ISO_8859_5,
        6 => encoding_rs::ISO_8859_6,
        7 => encoding_rs::ISO_8859_7,
        8 => encoding_rs::ISO_8859_8,
        15 => encoding_rs::ISO_8859_15,
        _ => return None,
    })
}

fn decode_ascii_lossy(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    let mut had_errors = false;
    let text = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii() {
                char::from(b)
            } else {
                had_errors = true;
                REPLACEMENT
            }
        })
        .collect::<String>();
    (Cow::Owned(text), had_errors)
}

fn encode_ascii(text: &str, out: &mut Vec<u8>) -> Result<(), usize> {
    // The first non-ASCII byte of valid UTF-8 starts a character.
    match text.bytes().position(|b| !b.is_ascii()) {
        None => {
            out.extend_from_slice(text.as_bytes());
            Ok(())
        }
        Some(pos) => {
            out.extend_from_slice(text.as_bytes().get(..pos).unwrap_or_default());
            Err(pos)
        }
    }
}

/// The six code points where ISO-8859-9 (Latin-5) differs from ISO-8859-1, as
/// (byte, ISO-8859-9 character). Hand-coded because encoding_rs implements the label
/// `iso-8859-9` as windows-1254, which has printable characters at `0x80..=0x9F`.
const LATIN5_DIFF: [(u8, char); 6] = [
    (0xD0, '\u{011E}'), // Ğ
    (0xDD, '\u{0130}'), // İ
    (0xDE, '\u{015E}'), // Ş
    (0xF0, '\u{011F}'), // ğ
    (0xFD, '\u{0131}'), // ı
    (0xFE, '\u{015F}'), // ş
];

fn decode_8859_9(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    let text = bytes
        .iter()
        .map(|&b| {
            LATIN5_DIFF
                .iter()
                .find(|&&(byte, _)| byte == b)
                .map_or(char::from(b), |&(_, c)| c)
        })
        .collect::<String>();
    (Cow::Owned(text), false)
}

fn encode_8859_9(text: &str, out: &mut Vec<u8>) -> Result<(), usize> {
    for (pos, c) in text.char_indices() {
        let byte = if let Some(&(b, _)) = LATIN5_DIFF.iter().find(|&&(_, ch)| ch == c) {
            b
        } else {
            match u8::try_from(u32::from(c)) {
                // The Latin-1 letters replaced by the Turkish ones are not in 8859-9.
                Ok(b) if !LATIN5_DIFF.iter().any(|&(byte, _)| byte == b) => b,
                _ => return Err(pos),
            }
        };
        out.push(byte);
    }
    Ok(())
}

/// Encodes with an encoding_rs codec, stopping at the first unmappable character.
fn encode_with(enc: &'static Encoding, text: &str, out: &mut Vec<u8>) -> Result<(), usize> {
    let mut encoder = enc.new_encoder();
    let mut done = 0usize;
    loop {
        let rest = text.get(done..).unwrap_or("");
        let room = encoder
            .max_buffer_length_from_utf8_without_replacement(rest.len())
            .unwrap_or(usize::MAX / 2);
        out.reserve(room.max(16));
        let (result, read) = encoder.encode_from_utf8_to_vec_without_replacement(rest, out, true);
        done = done.saturating_add(read);
        match result {
            EncoderResult::InputEmpty => return Ok(()),
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(c) => return Err(done.saturating_sub(c.len_utf8())),
        }
    }
}

/// Drops the ISO 2022 designations `ESC $ ) C` (KS X 1001 into G1) and `ESC ( B` (ASCII into
/// G0) and decodes the rest as EUC-KR.
fn decode_ks_x_1001(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    if !bytes.contains(&ESC) {
        return encoding_rs::EUC_KR.decode_without_bom_handling(bytes);
    }
    let mut cleaned = Vec::with_capacity(bytes.len());
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b == ESC {
            let rest = bytes.get(i..).unwrap_or_default();
            if rest.starts_with(b"\x1B$)C") {
                i += 4;
                continue;
            }
            if rest.starts_with(b"\x1B(B") {
                i += 3;
                continue;
            }
        }
        cleaned.push(b);
        i += 1;
    }
    let (text, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(&cleaned);
    (Cow::Owned(text.into_owned()), had_errors)
}

/// Encodes as EUC-KR restricted to KS X 1001 (both bytes in `0xA1..=0xFE`), rejecting the
/// UHC-only Hangul that encoding_rs's windows-949 encoder would write, and ESC.
fn encode_ks_x_1001(text: &str, out: &mut Vec<u8>) -> Result<(), usize> {
    let start = out.len();
    let result = encode_with(encoding_rs::EUC_KR, text, out);
    let mut j = start;
    for (pos, c) in text.char_indices() {
        if j >= out.len() {
            break;
        }
        let ok = if c.is_ascii() {
            c != '\u{1B}'
        } else {
            let ks = |k: usize| out.get(k).is_some_and(|b| (0xA1..=0xFE).contains(b));
            ks(j) && ks(j + 1)
        };
        if !ok {
            out.truncate(j);
            return Err(pos);
        }
        j += if c.is_ascii() { 1 } else { 2 };
    }
    result
}

/// JIS X 0201 / 0208 / 0212 in ISO 2022 form (HL7 table 0211 `ISO IR14`, `ISO IR87`,
/// `ISO IR159`; ISO/IEC 2022, RFC 1468 for the ISO-2022-JP subset).
mod jis {
    use super::{Charset, OnceLock, ESC, REPLACEMENT, SI, SO};
    use encoding_rs::{EncoderResult, EUC_JP};

    /// What G0 (bytes `0x21..=0x7E`) currently means.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Mode {
        Ascii,
        Roman,
        Katakana,
        Jis0208,
        Jis0212,
    }

    /// Recognised escape sequences (after ESC) and the mode they select; `None` for the
    /// JIS X 0208-1990 announcer `ESC & @`, which is followed by `ESC $ B` and changes nothing.
    const ESCAPES: [(&[u8], Option<Mode>); 7] = [
        (b"(B", Some(Mode::Ascii)),
        (b"(J", Some(Mode::Roman)),
        (b"(I", Some(Mode::Katakana)),
        (b"$@", Some(Mode::Jis0208)),
        (b"$B", Some(Mode::Jis0208)),
        (b"$(D", Some(Mode::Jis0212)),
        (b"&@", None),
    ];

    fn katakana(offset: u8) -> char {
        char::from_u32(0xFF61 + u32::from(offset)).unwrap_or(REPLACEMENT)
    }

    /// Decodes one JIS X 0208 or 0212 character (7-bit row and cell bytes) through the
    /// EUC-JP tables of encoding_rs.
    fn kanji(mode: Mode, row: u8, cell: u8) -> Option<char> {
        let euc3 = [0x8F, row | 0x80, cell | 0x80];
        let euc = if mode == Mode::Jis0212 {
            &euc3[..]
        } else {
            euc3.get(1..)?
        };
        let text = EUC_JP.decode_without_bom_handling_and_without_replacement(euc)?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }

    pub(super) fn decode(bytes: &[u8]) -> (String, bool) {
        let mut out = String::with_capacity(bytes.len().saturating_mul(3) / 2);
        let mut had_errors = false;
        let mut mode = Mode::Ascii;
        let mut i = 0usize;
        while let Some(&b) = bytes.get(i) {
            i += 1;
            if b == ESC {
                let rest = bytes.get(i..).unwrap_or_default();
                if let Some(&(seq, next)) = ESCAPES.iter().find(|(seq, _)| rest.starts_with(seq)) {
                    i += seq.len();
                    if let Some(next) = next {
                        mode = next;
                    }
                } else {
                    had_errors = true;
                    out.push(REPLACEMENT);
                }
                continue;
            }
            if b == SO || b == SI {
                had_errors = true;
                out.push(REPLACEMENT);
                continue;
            }
            if b <= 0x20 || b == 0x7F {
                // ISO 2022: SP, DEL and the C0 controls are the same in every mode.
                out.push(char::from(b));
                continue;
            }
            if b >= 0x80 {
                if (0xA1..=0xDF).contains(&b) {
                    out.push(katakana(b - 0xA1));
                } else {
                    had_errors = true;
                    out.push(REPLACEMENT);
                }
                continue;
            }
            match mode {
                Mode::Ascii => out.push(char::from(b)),
                Mode::Roman => out.push(match b {
                    b'\\' => '\u{00A5}',
                    b'~' => '\u{203E}',
                    _ => char::from(b),
                }),
                Mode::Katakana if b <= 0x5F => out.push(katakana(b - 0x21)),
                Mode::Katakana => {
                    had_errors = true;
                    out.push(REPLACEMENT);
                }
                Mode::Jis0208 | Mode::Jis0212 => {
                    let cell = bytes.get(i).copied().filter(|c| (0x21..=0x7E).contains(c));
                    match cell.and_then(|cell| kanji(mode, b, cell)) {
                        Some(c) => {
                            i += 1;
                            out.push(c);
                        }
                        None => {
                            // A valid but unmapped pair consumes both bytes.
                            if cell.is_some() {
                                i += 1;
                            }
                            had_errors = true;
                            out.push(REPLACEMENT);
                        }
                    }
                }
            }
        }
        (out, had_errors)
    }

    struct Writer<'o> {
        out: &'o mut Vec<u8>,
        mode: Mode,
    }

    impl Writer<'_> {
        fn switch(&mut self, mode: Mode) {
            if self.mode != mode {
                self.out.push(ESC);
                self.out.extend_from_slice(match mode {
                    Mode::Ascii => b"(B",
                    Mode::Roman => b"(J",
                    Mode::Katakana => b"(I",
                    Mode::Jis0208 => b"$B",
                    Mode::Jis0212 => b"$(D",
                });
                self.mode = mode;
            }
        }

        fn put(&mut self, mode: Mode, bytes: &[u8]) {
            self.switch(mode);
            self.out.extend_from_slice(bytes);
        }
    }

    /// JIS X 0208 row/cell (7-bit) for `c`, via the EUC-JP encoder of encoding_rs.
    fn jis0208(c: char) -> Option<[u8; 2]> {
        let mut encoder = EUC_JP.new_encoder();
        let mut utf8 = [0u8; 4];
        let mut buf = [0u8; 8];
        let (result, _, written) =
            encoder.encode_from_utf8_without_replacement(c.encode_utf8(&mut utf8), &mut buf, true);
        match (result, buf.get(..written)) {
            (EncoderResult::InputEmpty, Some(&[row @ 0xA1..=0xFE, cell @ 0xA1..=0xFE])) => {
                Some([row & 0x7F, cell & 0x7F])
            }
            _ => None,
        }
    }

    /// JIS X 0212 row/cell (7-bit) for `c`. encoding_rs decodes JIS X 0212 (EUC-JP `0x8F`
    /// prefix) but does not encode it, so the reverse table is built once from its decoder.
    fn jis0212(c: char) -> Option<[u8; 2]> {
        static TABLE: OnceLock<Vec<(char, [u8; 2])>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            let mut table = Vec::with_capacity(6100);
            for row in 0x21..=0x7E_u8 {
                for cell in 0x21..=0x7E_u8 {
                    if let Some(c) = kanji(Mode::Jis0212, row, cell) {
                        table.push((c, [row, cell]));
                    }
                }
            }
            // Stable sort + dedup keeps the first (lowest) code for a character.
            table.sort_by_key(|&(c, _)| c);
            table.dedup_by_key(|&mut (c, _)| c);
            table
        });
        let found = table.binary_search_by_key(&c, |&(c, _)| c).ok()?;
        table.get(found).map(|&(_, code)| code)
    }

    pub(super) fn encode(set: Charset, text: &str, out: &mut Vec<u8>) -> Result<(), usize> {
        let mut w = Writer {
            out,
            mode: Mode::Ascii,
        };
        for (pos, c) in text.char_indices() {
            let ok = match c {
                '\u{1B}' | '\u{0E}' | '\u{0F}' => false,
                _ if c.is_ascii() => {
                    w.put(Mode::Ascii, &[c as u8]);
                    true
                }
                '\u{FF61}'..='\u{FF9F}' => {
                    let offset = (u32::from(c) - 0xFF61) as u8;
                    if set == Charset::IsoIr14 {
                        // The 8-bit JIS X 0201 form: katakana in 0xA1..=0xDF, no escape.
                        w.out.push(0xA1 + offset);
                    } else {
                        w.put(Mode::Katakana, &[0x21 + offset]);
                    }
                    true
                }
                _ if set == Charset::IsoIr14 => false,
                '\u{00A5}' => {
                    w.put(Mode::Roman, b"\\");
                    true
                }
                '\u{203E}' => {
                    w.put(Mode::Roman, b"~");
                    true
                }
                _ => {
                    if let Some(code) = jis0208(c) {
                        w.put(Mode::Jis0208, &code);
                        true
                    } else if let Some(code) = jis0212(c).filter(|_| set == Charset::IsoIr159) {
                        w.put(Mode::Jis0212, &code);
                        true
                    } else {
                        false
                    }
                }
            };
            if !ok {
                w.switch(Mode::Ascii);
                return Err(pos);
            }
        }
        // HL7 delimiters and the segment terminator that follow must be ASCII.
        w.switch(Mode::Ascii);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_0211_labels() {
        let cases: &[(&[u8], Charset)] = &[
            (b"ASCII", Charset::Ascii),
            (b"8859/1", Charset::Latin1),
            (b"8859/2", Charset::Iso8859(2)),
            (b"8859/3", Charset::Iso8859(3)),
            (b"8859/4", Charset::Iso8859(4)),
            (b"8859/5", Charset::Iso8859(5)),
            (b"8859/6", Charset::Iso8859(6)),
            (b"8859/7", Charset::Iso8859(7)),
            (b"8859/8", Charset::Iso8859(8)),
            (b"8859/9", Charset::Iso8859(9)),
            (b"8859/15", Charset::Iso8859(15)),
            (b"UNICODE UTF-8", Charset::Utf8),
            (b"UNICODE", Charset::Utf8),
            (b"GB 18030", Charset::Gb18030),
            (b"ISO IR6", Charset::Ascii),
            (b"ISO IR14", Charset::IsoIr14),
            (b"ISO IR87", Charset::IsoIr87),
            (b"ISO IR159", Charset::IsoIr159),
            (b"ISO IR149", Charset::IsoIr149),
            (b"ISO IR100", Charset::Latin1),
            (b"KS X 1001", Charset::IsoIr149),
            (b"BIG-5", Charset::Big5),
        ];
        for &(label, set) in cases {
            assert_eq!(Charset::from_label(label), Some(set), "{label:?}");
        }
    }

    #[test]
    fn lenient_label_spellings() {
        let cases: &[(&[u8], Charset)] = &[
            (b"ISO_IR 100", Charset::Latin1),
            (b"iso_ir 100", Charset::Latin1),
            (b"ISO 2022 IR 87", Charset::IsoIr87),
            (b"ISO_IR 192", Charset::Utf8),
            (b"ISO_IR 13", Charset::IsoIr14),
            (b"ISO_IR 148", Charset::Iso8859(9)),
            (b"ISO_IR 203", Charset::Iso8859(15)),
            (b"ISO-8859-1", Charset::Latin1),
            (b"iso-8859-15", Charset::Iso8859(15)),
            (b"utf-8", Charset::Utf8),
            (b"  Unicode  UTF-8 ", Charset::Utf8),
            (b"Big5", Charset::Big5),
            (b"GB18030", Charset::Gb18030),
        ];
        for &(label, set) in cases {
            assert_eq!(Charset::from_label(label), Some(set), "{label:?}");
        }
    }

    #[test]
    fn unknown_and_unsupported_labels() {
        for label in [
            &b""[..],
            b"   ",
            b"EBCDIC",
            b"8859/10",
            b"8859/0",
            b"8859/",
            b"ISO IR",
            b"ISO IR999",
            b"CNS 11643-1992",
            b"UNICODE UTF-16",
            b"UNICODE UTF-32",
            b"a very long label that does not fit the buffer",
            b"\xFF\xFE",
        ] {
            assert_eq!(Charset::from_label(label), None, "{label:?}");
        }
        assert!(Charset::is_known_unsupported(b"CNS 11643-1992"));
        assert!(Charset::is_known_unsupported(b"UNICODE UTF-16"));
        assert!(Charset::is_known_unsupported(b"unicode utf-32"));
        assert!(!Charset::is_known_unsupported(b"ASCII"));
        assert!(!Charset::is_known_unsupported(b"EBCDIC"));
    }

    #[test]
    fn label_round_trips() {
        let sets = [
            Charset::Ascii,
            Charset::Latin1,
            Charset::Iso8859(2),
            Charset::Iso8859(3),
            Charset::Iso8859(4),
            Charset::Iso8859(5),
            Charset::Iso8859(6),
            Charset::Iso8859(7),
            Charset::Iso8859(8),
            Charset::Iso8859(9),
            Charset::Iso8859(15),
            Charset::Utf8,
            Charset::Gb18030,
            Charset::IsoIr14,
            Charset::IsoIr87,
            Charset::IsoIr159,
            Charset::IsoIr149,
            Charset::Big5,
        ];
        for set in sets {
            assert_eq!(
                Charset::from_label(set.label().as_bytes()),
                Some(set),
                "{set:?}"
            );
        }
        assert_eq!(Charset::Iso8859(1).label(), "8859/1");
        assert_eq!(Charset::Iso8859(42).label(), "8859/?");
        assert_eq!(Charset::default(), Charset::Ascii);
    }

    #[test]
    fn ascii_input_is_borrowed_in_every_set() {
        let sets = [
            Charset::Ascii,
            Charset::Latin1,
            Charset::Iso8859(5),
            Charset::Iso8859(9),
            Charset::Iso8859(42),
            Charset::Utf8,
            Charset::Gb18030,
            Charset::Big5,
            Charset::IsoIr14,
            Charset::IsoIr87,
            Charset::IsoIr159,
            Charset::IsoIr149,
        ];
        for set in sets {
            let (text, had_errors) = set.decode(b"DOE^JOHN^Q|19700101");
            assert_eq!(text, "DOE^JOHN^Q|19700101");
            assert!(matches!(text, Cow::Borrowed(_)), "{set:?}");
            assert!(!had_errors);
            let bytes = set.encode("DOE^JOHN");
            assert!(matches!(bytes, Ok(Cow::Borrowed(b"DOE^JOHN"))), "{set:?}");
            let (bytes, replaced) = set.encode_lossy("DOE");
            assert!(matches!(bytes, Cow::Borrowed(_)) && !replaced);
        }
    }

    #[test]
    fn ascii_rejects_high_bytes() {
        let (text, had_errors) = Charset::Ascii.decode(b"A\xE9B");
        assert_eq!(text, "A\u{FFFD}B");
        assert!(had_errors);
        assert_eq!(Charset::Ascii.encode("AéB").as_deref(), Err(&1));
        let (bytes, replaced) = Charset::Ascii.encode_lossy("AéB€");
        assert_eq!(&bytes[..], b"A?B?");
        assert!(replaced);
    }

    #[test]
    fn latin1_is_true_iso_8859_1() {
        let (text, had_errors) = Charset::Latin1.decode(b"Jos\xE9");
        assert_eq!(text, "José");
        assert!(!had_errors);
        // 0x80 is the C1 control U+0080, not windows-1252's euro sign.
        let (text, _) = Charset::Latin1.decode(b"\x80\x9F\xFF");
        assert_eq!(text, "\u{80}\u{9F}\u{FF}");
        assert_eq!(Charset::Iso8859(1).decode(b"\xE9").0, "é");
        let all: Vec<u8> = (0..=255).collect();
        let (text, _) = Charset::Latin1.decode(&all);
        assert!(text.chars().map(u32::from).eq(0..=255));
        assert_eq!(Charset::Latin1.encode(&text).as_deref(), Ok(&all[..]));
    }

    #[test]
    fn latin1_encode() {
        assert_eq!(Charset::Latin1.encode("é").as_deref(), Ok(&[0xE9][..]));
        assert_eq!(Charset::Latin1.encode("€").as_deref(), Err(&0));
        assert_eq!(Charset::Latin1.encode("Müller €5").as_deref(), Err(&8));
        let (bytes, replaced) = Charset::Latin1.encode_lossy("ä€ö");
        assert_eq!(&bytes[..], &[0xE4, b'?', 0xF6]);
        assert!(replaced);
    }

    #[test]
    fn iso_8859_9_matches_windows_1254_in_a0_ff() {
        for b in 0xA0..=0xFF_u8 {
            let byte = [b];
            let ours = Charset::Iso8859(9).decode(&byte).0.into_owned();
            let (theirs, _, _) = encoding_rs::WINDOWS_1254.decode(&byte);
            assert_eq!(ours, theirs, "byte {b:#04X}");
        }
        // ... but 0x80..=0x9F are C1 controls, not windows-1254 characters.
        assert_eq!(Charset::Iso8859(9).decode(b"\x80").0, "\u{80}");
        assert_eq!(Charset::Iso8859(9).decode(b"\xDD\xFD").0, "İı");
        assert_eq!(
            Charset::Iso8859(9).encode("Ğş").as_deref(),
            Ok(&[0xD0, 0xFE][..])
        );
        assert_eq!(Charset::Iso8859(9).encode("aÐ").as_deref(), Err(&1));
        let all: Vec<u8> = (0..=255).collect();
        let text = Charset::Iso8859(9).decode(&all).0;
        assert_eq!(Charset::Iso8859(9).encode(&text).as_deref(), Ok(&all[..]));
    }

    #[test]
    fn other_8859_parts_use_iso_c1_controls() {
        for part in [2, 3, 4, 5, 6, 7, 8, 15] {
            let set = Charset::Iso8859(part);
            assert_eq!(set.decode(b"\x85").0, "\u{85}", "part {part}");
        }
        assert_eq!(Charset::Iso8859(5).decode(b"\xB8").0, "И");
        assert_eq!(Charset::Iso8859(15).decode(b"\xA4").0, "€");
        assert_eq!(Charset::Iso8859(15).encode("€").as_deref(), Ok(&[0xA4][..]));
        assert_eq!(
            Charset::Iso8859(2).encode("aŁ").as_deref(),
            Ok(&[b'a', 0xA3][..])
        );
        assert_eq!(Charset::Iso8859(2).encode("a€").as_deref(), Err(&1));
        let (text, had_errors) = Charset::Iso8859(6).decode(b"\xA1");
        assert_eq!(text, "\u{FFFD}");
        assert!(had_errors);
    }

    #[test]
    fn invalid_8859_part_is_ascii_only() {
        let set = Charset::Iso8859(42);
        let (text, had_errors) = set.decode(b"a\xE9");
        assert_eq!(text, "a\u{FFFD}");
        assert!(had_errors);
        assert_eq!(set.encode("aé").as_deref(), Err(&1));
    }

    #[test]
    fn utf8() {
        let (text, had_errors) = Charset::Utf8.decode("Zoë 北京".as_bytes());
        assert_eq!(text, "Zoë 北京");
        assert!(matches!(text, Cow::Borrowed(_)));
        assert!(!had_errors);
        let (text, had_errors) = Charset::Utf8.decode(b"a\xC3(b\xFF");
        assert_eq!(text, "a\u{FFFD}(b\u{FFFD}");
        assert!(!matches!(text, Cow::Borrowed(_)));
        assert!(had_errors);
        assert!(matches!(Charset::Utf8.encode("北京"), Ok(Cow::Borrowed(_))));
    }

    #[test]
    fn gb18030_round_trip() -> Result<(), usize> {
        let text = "张伟^北京 €😀";
        let bytes = Charset::Gb18030.encode(text)?;
        assert!(bytes.starts_with(&[0xD5, 0xC5, 0xCE, 0xB0, b'^']));
        let (back, had_errors) = Charset::Gb18030.decode(&bytes);
        assert_eq!(back, text);
        assert!(!had_errors);
        let (_, had_errors) = Charset::Gb18030.decode(b"\xD5");
        assert!(had_errors);
        Ok(())
    }

    #[test]
    fn big5() {
        // 0xB3 0x5C is 許: the second byte is a backslash.
        let (text, had_errors) = Charset::Big5.decode(b"\xB3\x5C");
        assert_eq!(text, "許");
        assert!(!had_errors);
        assert_eq!(Charset::Big5.encode("許").as_deref(), Ok(&[0xB3, 0x5C][..]));
        assert_eq!(Charset::Big5.encode("ab😀").as_deref(), Err(&2));
        assert!(!Charset::Big5.is_ascii_transparent());
    }

    #[test]
    fn ks_x_1001() {
        let bytes = [0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF]; // 홍길동
        let (text, had_errors) = Charset::IsoIr149.decode(&bytes);
        assert_eq!(text, "홍길동");
        assert!(!had_errors);
        assert_eq!(
            Charset::IsoIr149.encode("홍길동").as_deref(),
            Ok(&bytes[..])
        );
        // DICOM-style designations are dropped.
        let (text, _) = Charset::IsoIr149.decode(b"A^\x1B$)C\xC8\xAB\x1B(B^B");
        assert_eq!(text, "A^홍^B");
        // 똠 is a UHC-only syllable (windows-949 0x8C 0x63): decoded, but not written.
        let (text, had_errors) = Charset::IsoIr149.decode(&[0x8C, 0x63]);
        assert_eq!(text, "똠");
        assert!(!had_errors);
        assert_eq!(Charset::IsoIr149.encode("홍똠").as_deref(), Err(&3));
        assert_eq!(Charset::IsoIr149.encode("a\u{1B}").as_deref(), Err(&1));
        let (bytes, replaced) = Charset::IsoIr149.encode_lossy("똠홍");
        assert_eq!(&bytes[..], &[b'?', 0xC8, 0xAB]);
        assert!(replaced);
    }

    #[test]
    fn iso_ir87_escapes() {
        // 山田^太郎 with ISO 2022 escapes, as in JAHIS messages.
        let wire = b"\x1B$B;3ED\x1B(B^\x1B$BB@O:\x1B(B";
        let (text, had_errors) = Charset::IsoIr87.decode(wire);
        assert_eq!(text, "山田^太郎");
        assert!(!had_errors);
        assert_eq!(
            Charset::IsoIr87.encode("山田^太郎").as_deref(),
            Ok(&wire[..])
        );
        assert!(!Charset::IsoIr87.is_ascii_transparent());
    }

    #[test]
    fn iso_ir87_other_modes() {
        let (text, had_errors) = Charset::IsoIr87.decode(b"\x1B(J\\~\x1B(I12\x1B(Ba\xB1");
        assert_eq!(text, "¥‾ｱｲaｱ");
        assert!(!had_errors);
        let bytes = Charset::IsoIr87.encode("¥ｱa");
        assert_eq!(bytes.as_deref(), Ok(&b"\x1B(J\\\x1B(I1\x1B(Ba"[..]));
        // Errors: unknown escape, odd trailing byte, SO.
        for bad in [&b"\x1B%G"[..], b"\x1B$B;", b"a\x0Eb", b"\xFF"] {
            let (_, had_errors) = Charset::IsoIr87.decode(bad);
            assert!(had_errors, "{bad:?}");
        }
        // Space and CR keep their meaning inside a kanji run.
        let (text, had_errors) = Charset::IsoIr87.decode(b"\x1B$B;3 ED\r");
        assert_eq!(text, "山 田\r");
        assert!(!had_errors);
        assert_eq!(Charset::IsoIr87.encode("a\u{1B}").as_deref(), Err(&1));
    }

    #[test]
    fn iso_ir87_lossy_ends_in_ascii() {
        // 𠀋 is in neither JIS X 0208 nor 0212.
        let (bytes, replaced) = Charset::IsoIr87.encode_lossy("山𠀋田");
        assert_eq!(&bytes[..], b"\x1B$B;3\x1B(B?\x1B$BED\x1B(B");
        assert!(replaced);
        assert_eq!(Charset::IsoIr87.decode(&bytes).0, "山?田");
    }

    #[test]
    fn iso_ir159_jis_x_0212() -> Result<(), usize> {
        // 丂 (U+4E02) is JIS X 0212 row 0x30 cell 0x21.
        let wire = b"\x1B$(D0!\x1B(B";
        let (text, had_errors) = Charset::IsoIr159.decode(wire);
        assert_eq!(text, "丂");
        assert!(!had_errors);
        assert_eq!(Charset::IsoIr159.encode("丂").as_deref(), Ok(&wire[..]));
        assert_eq!(Charset::IsoIr87.encode("丂").as_deref(), Err(&0));
        let mixed = "山丂^ｱ";
        let bytes = Charset::IsoIr159.encode(mixed)?;
        assert_eq!(Charset::IsoIr159.decode(&bytes).0, mixed);
        Ok(())
    }

    #[test]
    fn iso_ir14_single_byte() {
        let (text, had_errors) = Charset::IsoIr14.decode(b"\xB1\xB2^A");
        assert_eq!(text, "ｱｲ^A");
        assert!(!had_errors);
        assert_eq!(
            Charset::IsoIr14.encode("ｱｲ^A").as_deref(),
            Ok(&b"\xB1\xB2^A"[..])
        );
        assert_eq!(Charset::IsoIr14.encode("ｱ山").as_deref(), Err(&3));
    }

    #[test]
    fn transparency() {
        for set in [
            Charset::Ascii,
            Charset::Latin1,
            Charset::Utf8,
            Charset::IsoIr149,
        ] {
            assert!(set.is_ascii_transparent());
        }
        for set in [
            Charset::Gb18030,
            Charset::Big5,
            Charset::IsoIr14,
            Charset::IsoIr159,
        ] {
            assert!(!set.is_ascii_transparent());
        }
    }
}
