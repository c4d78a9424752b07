//! Escape sequences (HL7 v2.x ch. 2.7): decoding on read, encoding on write.
//!
//! Decoding returns `Cow::Borrowed` when the value holds no escape character, so the
//! common case costs one `memchr` and no allocation.

use std::borrow::Cow;

use crate::delim::Delimiters;
use crate::error::{Diagnostic, DiagnosticKind};
use crate::mb::{find, Mb, SingleBytes};

/// What to do with formatting escapes (`\.br\`, `\.sp\`, `\.in\`, `\.ti\`, `\.sk\`,
/// `\.ce\`, `\.fi\`, `\.nf\`; HL7 v2.x ch. 2.7.6, used in FT fields).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Formatting {
    /// Keep the escape sequence verbatim (default): nothing is lost.
    #[default]
    Keep,
    /// Render as plain text: `\.br\` and `\.sp\` become `\n` (`\.sp n\` n times),
    /// `\.sk n\` becomes n spaces, the others are dropped.
    Render,
    /// Drop formatting escapes.
    Strip,
}

/// What to do with highlighting escapes `\H\` (start) and `\N\` (normal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Highlight {
    /// Keep them verbatim (default).
    #[default]
    Keep,
    /// Drop them.
    Strip,
}

/// Options for decoding escape sequences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Formatting escapes.
    pub formatting: Formatting,
    /// Highlighting escapes.
    pub highlight: Highlight,
}

impl DecodeOptions {
    /// Options that render text for display: formatting rendered, highlighting dropped.
    pub fn render() -> DecodeOptions {
        DecodeOptions {
            formatting: Formatting::Render,
            highlight: Highlight::Strip,
        }
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn count_arg(arg: &[u8]) -> usize {
    // `\.sp 2\`, `\.sp+2\`, `\.sk3\`: an optional sign/space then digits; default 1.
    let digits: Vec<u8> = arg
        .iter()
        .copied()
        .skip_while(|&b| b == b' ' || b == b'+')
        .take_while(u8::is_ascii_digit)
        .collect();
    if digits.is_empty() {
        return 1;
    }
    // Bounded: a hostile `\.sp 99999999\` must not allocate gigabytes.
    std::str::from_utf8(&digits)
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .min(64)
}

/// Decodes the escape sequences in `raw` (a value already split from its delimiters).
///
/// Unterminated or unknown escapes are kept verbatim and reported to `diagnostics`
/// (with byte offsets `base + position`); `\Cxxyy\`, `\Mxxyyzz\` and `\Zxx\` are kept
/// verbatim and reported as unsupported.
pub fn unescape<'a>(
    raw: &'a [u8],
    delims: &Delimiters,
    options: &DecodeOptions,
    diagnostics: Option<&mut Vec<Diagnostic>>,
    base: usize,
) -> Cow<'a, [u8]> {
    unescape_mb(raw, delims, options, diagnostics, base, Mb::Transparent)
}

/// [`unescape`] in a character set whose multi-byte characters may contain the escape
/// byte (Big5, GB 18030, ISO 2022): only whole single-byte characters count.
pub(crate) fn unescape_mb<'a>(
    raw: &'a [u8],
    delims: &Delimiters,
    options: &DecodeOptions,
    mut diagnostics: Option<&mut Vec<Diagnostic>>,
    base: usize,
    mb: Mb,
) -> Cow<'a, [u8]> {
    let esc = delims.escape;
    if esc == delims.field {
        return Cow::Borrowed(raw);
    }
    let Some(first) = find(raw, esc, mb) else {
        return Cow::Borrowed(raw);
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut pos = 0;
    let mut next = Some(first);
    let mut report = |kind: DiagnosticKind, at: usize| {
        if let Some(d) = diagnostics.as_deref_mut() {
            d.push(Diagnostic {
                kind,
                offset: base + at,
            });
        }
    };
    while let Some(i) = next {
        out.extend_from_slice(&raw[pos..i]);
        // The sequence's content is ASCII, so its closing escape is found byte-wise.
        let Some(len) = memchr::memchr(esc, &raw[i + 1..]) else {
            // Unterminated: keep the rest verbatim.
            report(DiagnosticKind::InvalidEscape, i);
            out.extend_from_slice(&raw[i..]);
            return Cow::Owned(out);
        };
        let j = i + 1 + len;
        let seq = &raw[i + 1..j];
        let verbatim = &raw[i..=j];
        match seq {
            b"F" => out.push(delims.field),
            b"S" => out.push(delims.component),
            b"T" => out.push(delims.subcomponent),
            b"R" => out.push(delims.repetition),
            b"E" => out.push(esc),
            b"P" if delims.truncation != delims.field => out.push(delims.truncation),
            b"H" | b"N" => {
                if options.highlight == Highlight::Keep {
                    out.extend_from_slice(verbatim);
                }
            }
            [b'X', hex @ ..] if !hex.is_empty() && hex.len() % 2 == 0 => {
                let start = out.len();
                let mut ok = true;
                for pair in hex.chunks_exact(2) {
                    match (hex_val(pair[0]), hex_val(pair[1])) {
                        (Some(h), Some(l)) => out.push(h << 4 | l),
                        _ => {
                            ok = false;
                            break;
                        }
                    }
                }
                if !ok {
                    out.truncate(start);
                    report(DiagnosticKind::InvalidEscape, i);
                    out.extend_from_slice(verbatim);
                }
            }
            [b'.', cmd @ ..] => {
                let (name, arg) = (cmd.get(..2).unwrap_or(cmd), cmd.get(2..).unwrap_or(&[]));
                let known = matches!(
                    name,
                    b"br" | b"sp" | b"in" | b"ti" | b"sk" | b"ce" | b"fi" | b"nf"
                );
                if !known {
                    report(DiagnosticKind::InvalidEscape, i);
                    out.extend_from_slice(verbatim);
                } else {
                    match options.formatting {
                        Formatting::Keep => out.extend_from_slice(verbatim),
                        Formatting::Strip => {}
                        Formatting::Render => match name {
                            b"br" => out.push(b'\n'),
                            b"sp" => out.extend(std::iter::repeat(b'\n').take(count_arg(arg))),
                            b"sk" => out.extend(std::iter::repeat(b' ').take(count_arg(arg))),
                            _ => {}
                        },
                    }
                }
            }
            [b'C' | b'M' | b'Z', ..] => {
                report(DiagnosticKind::UnsupportedEscape, i);
                out.extend_from_slice(verbatim);
            }
            _ => {
                report(DiagnosticKind::InvalidEscape, i);
                out.extend_from_slice(verbatim);
            }
        }
        pos = j + 1;
        next = find(&raw[pos..], esc, mb).map(|k| pos + k);
    }
    out.extend_from_slice(&raw[pos..]);
    Cow::Owned(out)
}

/// Appends `text` to `out`, escaping every delimiter character and CR/LF
/// (`\F\ \S\ \R\ \E\ \T\ \P\ \X0D\ \X0A\`), so the value survives any parser.
pub fn escape_into(text: &[u8], delims: &Delimiters, out: &mut Vec<u8>) {
    escape_into_mb(text, delims, out, Mb::Transparent);
}

/// [`escape_into`] for text in a multi-byte character set: bytes inside multi-byte
/// characters are copied as they are, only whole single-byte characters are escaped.
pub(crate) fn escape_into_mb(text: &[u8], delims: &Delimiters, out: &mut Vec<u8>, mb: Mb) {
    if mb != Mb::Transparent {
        let mut pos = 0;
        for (i, b) in SingleBytes::new(text, mb) {
            if delims.is_delimiter(b) || b == b'\r' || b == b'\n' {
                out.extend_from_slice(&text[pos..i]);
                escape_into_mb(&text[i..=i], delims, out, Mb::Transparent);
                pos = i + 1;
            }
        }
        out.extend_from_slice(&text[pos..]);
        return;
    }
    let esc = if delims.escape == delims.field {
        b'\\'
    } else {
        delims.escape
    };
    for &b in text {
        let code: &[u8] = if b == delims.field {
            b"F"
        } else if b == delims.component {
            b"S"
        } else if b == delims.repetition {
            b"R"
        } else if b == delims.escape {
            b"E"
        } else if b == delims.subcomponent {
            b"T"
        } else if b == delims.truncation {
            b"P"
        } else if b == b'\r' {
            b"X0D"
        } else if b == b'\n' {
            b"X0A"
        } else {
            out.push(b);
            continue;
        };
        out.push(esc);
        out.extend_from_slice(code);
        out.push(esc);
    }
}

/// Escapes `text` for use as a value; borrowed when nothing needed escaping.
///
/// # Examples
/// ```
/// use carewire_hl7::{escape, Delimiters};
/// assert_eq!(&*escape(b"A|B^C", &Delimiters::default()), b"A\\F\\B\\S\\C");
/// assert!(matches!(escape(b"plain", &Delimiters::default()), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn escape<'a>(text: &'a [u8], delims: &Delimiters) -> Cow<'a, [u8]> {
    if text
        .iter()
        .any(|&b| delims.is_delimiter(b) || b == b'\r' || b == b'\n')
    {
        let mut out = Vec::with_capacity(text.len() + 8);
        escape_into(text, delims, &mut out);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(raw: &[u8]) -> Vec<u8> {
        unescape(
            raw,
            &Delimiters::default(),
            &DecodeOptions::default(),
            None,
            0,
        )
        .into_owned()
    }

    #[test]
    fn chapter2_delimiter_escapes() {
        assert_eq!(dec(b"a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f"), b"a|b^c&d~e\\f");
    }

    #[test]
    fn borrowed_without_escape() {
        let r = unescape(
            b"plain",
            &Delimiters::default(),
            &DecodeOptions::default(),
            None,
            0,
        );
        assert!(matches!(r, Cow::Borrowed(_)));
    }

    #[test]
    fn hex_any_length() {
        assert_eq!(dec(b"\\X0D0A\\x"), b"\r\nx");
        assert_eq!(dec(b"\\XC3A9\\"), "é".as_bytes());
    }

    #[test]
    fn invalid_hex_is_kept_and_reported() {
        let mut d = Vec::new();
        let r = unescape(
            b"a\\XZZ\\",
            &Delimiters::default(),
            &DecodeOptions::default(),
            Some(&mut d),
            10,
        );
        assert_eq!(&*r, b"a\\XZZ\\");
        assert_eq!(
            d,
            vec![Diagnostic {
                kind: DiagnosticKind::InvalidEscape,
                offset: 11
            }]
        );
    }

    #[test]
    fn unterminated_escape_is_kept() {
        let mut d = Vec::new();
        let r = unescape(
            b"a\\Fb",
            &Delimiters::default(),
            &DecodeOptions::default(),
            Some(&mut d),
            0,
        );
        assert_eq!(&*r, b"a\\Fb");
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn formatting_modes() {
        let d = Delimiters::default();
        let keep = unescape(b"a\\.br\\b", &d, &DecodeOptions::default(), None, 0);
        assert_eq!(&*keep, b"a\\.br\\b");
        let r = unescape(
            b"a\\.br\\b\\.sp 2\\c\\.sk3\\d\\.ce\\",
            &d,
            &DecodeOptions::render(),
            None,
            0,
        );
        assert_eq!(&*r, b"a\nb\n\nc   d");
        let strip = DecodeOptions {
            formatting: Formatting::Strip,
            highlight: Highlight::Strip,
        };
        assert_eq!(&*unescape(b"\\H\\x\\N\\\\.br\\", &d, &strip, None, 0), b"x");
    }

    #[test]
    fn charset_escapes_pass_through_with_diagnostic() {
        let mut diags = Vec::new();
        let r = unescape(
            b"\\C2842\\x\\M2442\\\\Z99\\",
            &Delimiters::default(),
            &DecodeOptions::default(),
            Some(&mut diags),
            0,
        );
        assert_eq!(&*r, b"\\C2842\\x\\M2442\\\\Z99\\");
        assert_eq!(diags.len(), 3);
        assert!(diags
            .iter()
            .all(|d| d.kind == DiagnosticKind::UnsupportedEscape));
    }

    #[test]
    fn escape_round_trip() {
        let d = Delimiters::new(b'|', b"^~\\&#").unwrap_or_default();
        let text = b"a|b^c~d\\e&f#g\rh\ni";
        let e = escape(text, &d);
        assert_eq!(
            &*e,
            b"a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\P\\g\\X0D\\h\\X0A\\i"
        );
        assert_eq!(
            &*unescape(&e, &d, &DecodeOptions::default(), None, 0),
            &text[..]
        );
    }
}
