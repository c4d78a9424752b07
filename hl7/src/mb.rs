//! Finding single-byte delimiters in multi-byte character sets.
//!
//! In GB 18030 and Big5 the second byte of a character may be `\`, `^`, `|` or `~`
//! (Big5 許 is `B3 5C`), and in the ISO 2022 Japanese sets a kanji after `ESC $ B` is
//! written with two bytes from 0x21–0x7E. Splitting such text on raw bytes would cut
//! characters in half, so for these sets the scanner walks characters instead of bytes.
//! Every other set (ASCII, UTF-8, ISO 8859, EUC-KR) never uses bytes below 0x80 inside
//! a multi-byte character and takes the fast byte-wise path.

use crate::charset::Charset;

/// How a character set hides delimiter-like bytes inside characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mb {
    /// Bytes below 0x80 are always single characters.
    Transparent,
    /// A byte 0x81–0xFE starts a two-byte unit (GB 18030's four-byte form is two units).
    LeadByte,
    /// ISO 2022: `ESC $ @`, `ESC $ B`, `ESC $ ( D` switch to two-byte 7-bit mode,
    /// `ESC ( x` back to one byte. The state starts in one-byte mode at every value.
    Iso2022,
}

impl Mb {
    /// The walking mode for a character set.
    #[inline]
    pub(crate) fn of(charset: Charset) -> Mb {
        if charset.is_ascii_transparent() {
            Mb::Transparent
        } else if matches!(charset, Charset::Gb18030 | Charset::Big5) {
            Mb::LeadByte
        } else {
            Mb::Iso2022
        }
    }
}

/// Iterator over the positions and values of bytes that are whole single-byte
/// characters (never a part of a multi-byte character or an escape sequence).
pub(crate) struct SingleBytes<'a> {
    hay: &'a [u8],
    pos: usize,
    mb: Mb,
    two_byte: bool,
}

impl<'a> SingleBytes<'a> {
    pub(crate) fn new(hay: &'a [u8], mb: Mb) -> SingleBytes<'a> {
        SingleBytes {
            hay,
            pos: 0,
            mb,
            two_byte: false,
        }
    }
}

impl Iterator for SingleBytes<'_> {
    type Item = (usize, u8);

    fn next(&mut self) -> Option<(usize, u8)> {
        loop {
            let i = self.pos;
            let b = *self.hay.get(i)?;
            match self.mb {
                Mb::Transparent => {
                    self.pos += 1;
                    return Some((i, b));
                }
                Mb::LeadByte => {
                    if b >= 0x81 && b != 0xFF {
                        self.pos += 2;
                        continue;
                    }
                    self.pos += 1;
                    return Some((i, b));
                }
                Mb::Iso2022 => {
                    if b == 0x1B {
                        let next = |k: usize| self.hay.get(i + k).copied();
                        let (len, two) = match (next(1), next(2), next(3)) {
                            (Some(b'$'), Some(b'@' | b'B'), _) => (3, Some(true)),
                            (Some(b'$'), Some(b'(' | b')'), Some(_)) => (4, Some(true)),
                            (Some(b'('), Some(_), _) => (3, Some(false)),
                            _ => (1, None),
                        };
                        if let Some(t) = two {
                            self.two_byte = t;
                        }
                        self.pos += len;
                        continue;
                    }
                    if self.two_byte && (0x21..=0x7E).contains(&b) {
                        self.pos += 2;
                        continue;
                    }
                    self.pos += 1;
                    return Some((i, b));
                }
            }
        }
    }
}

/// Position of the first `needle` that is a whole character.
#[inline]
pub(crate) fn find(hay: &[u8], needle: u8, mb: Mb) -> Option<usize> {
    match mb {
        Mb::Transparent => memchr::memchr(needle, hay),
        _ => SingleBytes::new(hay, mb)
            .find(|&(_, b)| b == needle)
            .map(|(p, _)| p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big5_trail_backslash_is_not_a_delimiter() {
        // 許 (B3 5C) then a real backslash.
        let s = b"\xB3\x5Ca\\b";
        assert_eq!(find(s, b'\\', Mb::LeadByte), Some(3));
        assert_eq!(find(s, b'\\', Mb::Transparent), Some(1));
    }

    #[test]
    fn gb18030_four_byte_form() {
        // A four-byte GB 18030 sequence: 81 30 81 30, then '|'.
        let s = b"\x81\x30\x81\x30|";
        assert_eq!(find(s, b'|', Mb::LeadByte), Some(4));
        assert_eq!(find(s, b'0', Mb::LeadByte), None);
    }

    #[test]
    fn iso2022_two_byte_mode() {
        // ESC $ B, then the JIS pair 7C 5E (looks like "|^"), ESC ( B, then '|'.
        let s = b"\x1B$B\x7C\x5E\x1B(B|";
        assert_eq!(find(s, b'|', Mb::Iso2022), Some(8));
        assert_eq!(find(s, b'^', Mb::Iso2022), None);
    }
}
