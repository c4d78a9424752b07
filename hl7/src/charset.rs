//! TEMPORARY STUB — replaced by the real module.
use std::borrow::Cow;
/// A character set named by MSH-18 (HL7 table 0211).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Charset {
    /// ASCII
    Ascii,
    /// UTF-8
    Utf8,
    /// Latin-1
    Latin1,
}
impl Charset {
    /// Parse a label.
    pub fn from_label(label: &[u8]) -> Option<Charset> {
        match label {
            b"ASCII" => Some(Charset::Ascii),
            b"UNICODE UTF-8" => Some(Charset::Utf8),
            b"8859/1" => Some(Charset::Latin1),
            _ => None,
        }
    }
    /// label
    pub fn label(self) -> &'static str {
        match self {
            Charset::Ascii => "ASCII",
            Charset::Utf8 => "UNICODE UTF-8",
            Charset::Latin1 => "8859/1",
        }
    }
    /// decode
    pub fn decode(self, bytes: &[u8]) -> (Cow<'_, str>, bool) {
        match self {
            Charset::Latin1 => {
                if bytes.is_ascii() {
                    (
                        Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or("")),
                        false,
                    )
                } else {
                    (
                        Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
                        false,
                    )
                }
            }
            _ => match String::from_utf8_lossy(bytes) {
                Cow::Borrowed(s) => (Cow::Borrowed(s), false),
                Cow::Owned(s) => (Cow::Owned(s), true),
            },
        }
    }
    /// encode
    pub fn encode(self, text: &str) -> Result<Cow<'_, [u8]>, usize> {
        match self {
            Charset::Latin1 if !text.is_ascii() => {
                let mut out = Vec::new();
                for (i, c) in text.char_indices() {
                    let c = c as u32;
                    if c > 0xFF {
                        return Err(i);
                    }
                    out.push(c as u8);
                }
                Ok(Cow::Owned(out))
            }
            _ => Ok(Cow::Borrowed(text.as_bytes())),
        }
    }
}
