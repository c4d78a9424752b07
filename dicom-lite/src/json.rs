//! The DICOM JSON model (PS3.18 Annex F): output from a read [`DataSet`] and input into
//! an owned [`DataSetBuf`] (feature `json`).
//!
//! # Output
//!
//! [`DataSet::to_json`] writes one JSON object whose keys are the tags as eight upper-case
//! hex digits (`"00100010"`), in file order, the file meta group (0002) excluded as
//! PS3.18 §F.2.1 says. Each attribute object holds `"vr"` and, when the element has a
//! value, one of:
//!
//! - `"Value"`: an array — strings (decoded from the Specific Character Set in force,
//!   per item, to UTF-8; padding trimmed), numbers for DS, IS, US, SS, UL, SL, UV, SV, FL
//!   and FD (§F.2.3: DS and IS as JSON numbers, written from their decimal text without
//!   a round trip through binary floating point), person names as objects with
//!   `"Alphabetic"`, `"Ideographic"` and `"Phonetic"` (§F.2.2; empty groups left out),
//!   attribute tags as hex strings, and sequences as arrays of attribute objects. An
//!   empty value inside a multi-valued attribute is `null` (§F.2.5).
//! - `"InlineBinary"`: the base64 of the value of OB, OD, OF, OL, OV, OW and UN elements
//!   and of encapsulated pixel data (the items as stored, Basic Offset Table first), in
//!   little-endian byte order.
//! - `"BulkDataURI"`: instead of `"InlineBinary"`, when the callback given with
//!   [`JsonOptions::bulk_data_uri`] returns a URI for the element.
//!
//! An element with an empty value has only `"vr"` (§F.2.5); so has a sequence without
//! items. Values that do not parse as their VR says (a DS of `"abc"`) are written as
//! strings rather than dropped. Non-finite FL/FD values (which JSON numbers cannot hold)
//! are the strings `"NaN"`, `"Infinity"` and `"-Infinity"`; UV/SV values beyond ±(2⁵³−1)
//! are decimal strings (§F.2.3.1).
//!
//! In an implicit-VR data set the VR comes from the dictionary; where PS3.6 allows
//! several, `US or SS` is resolved by Pixel Representation (0028,0103) and the first
//! listed otherwise (`OB or OW` is OW, PS3.5 §A.1).
//!
//! # Input
//!
//! [`from_json`] reads a JSON object of the model into a [`DataSetBuf`] with no preamble
//! and no file meta (group 0002 attributes, if present, go to the file meta), ready for
//! [`DataSetBuf::write`] in Explicit VR Little Endian or another uncompressed syntax.
//! JSON text is UTF-8: when any text value is not ASCII, Specific Character Set (0008,0005)
//! is set to `ISO_IR 192` (at the top level and in every item that names its own).
//! `"BulkDataURI"` values are fetched by the resolver given to [`from_json_with`].
//!
//! # Examples
//! ```
//! use carewire_dicom_lite::{json, DataSet, Encoder, Tag, TransferSyntax, Vr};
//! let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
//! enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane")?;
//! enc.element(Tag::new(0x0028, 0x0010), Vr::Us, &512u16.to_le_bytes())?;
//! let bytes = enc.finish()?;
//! let ds = DataSet::parse(&bytes)?;
//! let text = ds.to_json();
//! assert_eq!(
//!     text,
//!     r#"{"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^Jane"}]},"00280010":{"vr":"US","Value":[512]}}"#
//! );
//!
//! let buf = json::from_json(&text)?;
//! let back = buf.write(TransferSyntax::ExplicitVrLittleEndian)?;
//! assert_eq!(back, bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::dataset::{DataSet, Element, Siblings};
use crate::dict;
use crate::owned::{DataSetBuf, ElementBuf, ItemBuf, ValueBuf};
use crate::parse::ElementKind;
use crate::tag::{Tag, Vr};
use crate::value::trim_value;

// ---------------------------------------------------------------------------------------
// base64 (RFC 4648 §4, standard alphabet, padded)
// ---------------------------------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the base64 (RFC 4648 standard alphabet, with `=` padding) of `bytes` to `out`.
pub fn base64_encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    let sym = |v: u32| char::from(B64[(v & 63) as usize]);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let v = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.push(sym(v >> 18));
        out.push(sym(v >> 12));
        out.push(sym(v >> 6));
        out.push(sym(v));
    }
    match *chunks.remainder() {
        [a] => {
            let v = u32::from(a) << 16;
            out.push(sym(v >> 18));
            out.push(sym(v >> 12));
            out.push_str("==");
        }
        [a, b] => {
            let v = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.push(sym(v >> 18));
            out.push(sym(v >> 12));
            out.push(sym(v >> 6));
            out.push('=');
        }
        _ => {}
    }
}

/// The base64 of `bytes` (RFC 4648 standard alphabet, padded).
///
/// # Examples
/// ```
/// assert_eq!(carewire_dicom_lite::json::base64_encode(b"DICM"), "RElDTQ==");
/// ```
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut s = String::new();
    base64_encode_into(bytes, &mut s);
    s
}

/// Decodes base64 (standard alphabet; padding optional; ASCII whitespace ignored).
/// `None` on any other character, misplaced padding or a dangling sextet.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::json::base64_decode;
/// assert_eq!(base64_decode("RElDTQ==").as_deref(), Some(&b"DICM"[..]));
/// assert_eq!(base64_decode("RElDTQ").as_deref(), Some(&b"DICM"[..]));
/// assert!(base64_decode("R!").is_none());
/// ```
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut n = 0u8;
    let mut pad = 0usize;
    for &b in text.as_bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if pad > 0 {
            return None; // data after padding
        }
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        0 => {}
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => return None,
    }
    if pad > 2 || (pad > 0 && (usize::from(n) + pad) % 4 != 0) {
        return None;
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

type BulkFn<'f> = dyn FnMut(&Element<'_>) -> Option<String> + 'f;

/// How [`DataSet::to_json_with`] writes: compact or indented, and where bulk data goes.
#[derive(Default)]
pub struct JsonOptions<'f> {
    pretty: bool,
    bulk: Option<Box<BulkFn<'f>>>,
}

impl fmt::Debug for JsonOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonOptions")
            .field("pretty", &self.pretty)
            .field("bulk_data_uri", &self.bulk.is_some())
            .finish()
    }
}

impl<'f> JsonOptions<'f> {
    /// Compact output, bulk data inline.
    pub fn new() -> JsonOptions<'f> {
        JsonOptions::default()
    }

    /// Indent with two spaces, one member per line.
    pub fn pretty(mut self, yes: bool) -> JsonOptions<'f> {
        self.pretty = yes;
        self
    }

    /// Called for each element whose value would be `"InlineBinary"` (OB, OD, OF, OL,
    /// OV, OW, UN, encapsulated pixel data) and is not empty: `Some(uri)` writes
    /// `"BulkDataURI": uri` instead of the value.
    ///
    /// # Examples
    /// ```
    /// use carewire_dicom_lite::{json::JsonOptions, DataSet, Encoder, Tag, TransferSyntax, Vr};
    /// let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
    /// enc.element(Tag::new(0x0009, 0x0010), Vr::Lo, b"ACME")?;
    /// enc.element(Tag::new(0x0009, 0x1001), Vr::Ob, &[1, 2, 3, 4])?;
    /// enc.element(Tag::PIXEL_DATA, Vr::Ow, &[0; 64])?;
    /// let bytes = enc.finish()?;
    /// let ds = DataSet::parse(&bytes)?;
    /// let mut opts = JsonOptions::new().bulk_data_uri(|e| {
    ///     (e.raw().len() > 16).then(|| format!("bulk/{:08X}", e.tag().0))
    /// });
    /// let text = ds.to_json_with(&mut opts);
    /// assert!(text.contains(r#""00091001":{"vr":"OB","InlineBinary":"AQIDBA=="}"#));
    /// assert!(text.contains(r#""7FE00010":{"vr":"OW","BulkDataURI":"bulk/7FE00010"}"#));
    /// # Ok::<(), carewire_dicom_lite::Error>(())
    /// ```
    pub fn bulk_data_uri(
        mut self,
        f: impl FnMut(&Element<'_>) -> Option<String> + 'f,
    ) -> JsonOptions<'f> {
        self.bulk = Some(Box::new(f));
        self
    }
}

/// A small JSON text emitter: commas, keys and (optionally) indentation.
struct Emitter {
    s: String,
    pretty: bool,
    /// One entry per open container: true until its first member is written.
    first: Vec<bool>,
    after_key: bool,
}

impl Emitter {
    fn new(pretty: bool) -> Emitter {
        Emitter {
            s: String::new(),
            pretty,
            first: Vec::new(),
            after_key: false,
        }
    }

    fn newline(&mut self) {
        self.s.push('\n');
        for _ in 0..self.first.len() {
            self.s.push_str("  ");
        }
    }

    /// Before a value or key: the comma and line break it needs.
    fn sep(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(first) = self.first.last_mut() {
            let was_first = *first;
            *first = false;
            if !was_first {
                self.s.push(',');
            }
            if self.pretty {
                self.newline();
            }
        }
    }

    fn open(&mut self, c: char) {
        self.sep();
        self.s.push(c);
        self.first.push(true);
    }

    fn close(&mut self, c: char) {
        let empty = self.first.pop().unwrap_or(true);
        if self.pretty && !empty {
            self.newline();
        }
        self.s.push(c);
    }

    fn key(&mut self, k: &str) {
        self.sep();
        push_json_string(&mut self.s, k);
        self.s.push(':');
        if self.pretty {
            self.s.push(' ');
        }
        self.after_key = true;
    }

    fn string(&mut self, v: &str) {
        self.sep();
        push_json_string(&mut self.s, v);
    }

    fn raw(&mut self, v: &str) {
        self.sep();
        self.s.push_str(v);
    }
}

/// Appends `v` as a JSON string literal (RFC 8259 §7).
fn push_json_string(out: &mut String, v: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in v.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(v.get(start..i).unwrap_or_default());
        if esc.is_empty() {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push_str(esc);
        }
        start = i + c.len_utf8();
    }
    out.push_str(v.get(start..).unwrap_or_default());
    out.push('"');
}

/// The VRs whose value is written as InlineBinary / BulkDataURI.
fn is_bulk_vr(vr: Vr) -> bool {
    matches!(
        vr,
        Vr::Ob | Vr::Od | Vr::Of | Vr::Ol | Vr::Ov | Vr::Ow | Vr::Un
    )
}

/// A DS value's text as a JSON number (sign, digits, fraction, exponent kept exactly;
/// `+` and leading zeros dropped), or `None` when it is not a decimal number.
pub(crate) fn decimal_json(s: &str) -> Option<String> {
    let s = s.trim_matches([' ', '\0']);
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = String::with_capacity(s.len() + 2);
    match b.first() {
        Some(b'-') => {
            out.push('-');
            i += 1;
        }
        Some(b'+') => i += 1,
        _ => {}
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int = s.get(int_start..i)?;
    let mut frac = "";
    if b.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac = s.get(f..i)?;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let int = int.trim_start_matches('0');
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        out.push('e');
        if let Some(&sign @ (b'+' | b'-')) = b.get(i) {
            if sign == b'-' {
                out.push('-');
            }
            i += 1;
        }
        let e = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let exp = s.get(e..i)?;
        if exp.is_empty() {
            return None;
        }
        out.push_str(exp);
    }
    if i != b.len() {
        return None;
    }
    if out == "-0" {
        // Keep the sign of a negative zero out of integer-looking output.
        return Some("0".into());
    }
    within_double_range(out)
}

/// `text` when it reads as a finite double: JSON readers (serde_json, JavaScript) refuse
/// or mangle numbers beyond ±1.8e308, so such a value is written as a string instead.
fn within_double_range(text: String) -> Option<String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|_| text)
}

/// An IS value's text as a JSON integer, or `None`.
pub(crate) fn integer_json(s: &str) -> Option<String> {
    let s = s.trim_matches([' ', '\0']);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d = digits.trim_start_matches('0');
    let text = match (neg, d.is_empty()) {
        (_, true) => "0".into(),
        (true, false) => format!("-{d}"),
        (false, false) => d.to_owned(),
    };
    // Beyond 64 bits a JSON reader turns the integer into a float (or refuses it): such a
    // value (far outside IS's range anyway) is written as a string.
    text.parse::<i64>().ok().map(|_| text)
}

fn float_json(v: f64, out: &mut Emitter) {
    if v.is_nan() {
        out.string("NaN");
    } else if v.is_infinite() {
        out.string(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        out.raw(&format!("{v:?}"));
    }
}

fn f32_json(v: f32, out: &mut Emitter) {
    if v.is_finite() {
        out.raw(&format!("{v:?}"));
    } else {
        float_json(f64::from(v), out);
    }
}

const MAX_SAFE_INT: u64 = (1 << 53) - 1;

/// The VR to report for `e`: as read, except that ambiguous dictionary VRs in an
/// implicit-VR data set are resolved (`US or SS` by Pixel Representation).
fn effective_vr(e: &Element<'_>, implicit: bool, pixel_rep_signed: bool) -> Vr {
    let vr = e.vr();
    if !implicit || e.kind() != ElementKind::Element {
        return vr;
    }
    match dict::by_tag(e.tag()) {
        // `US or SS` (and `US or SS or OW`).
        Some(d) if pixel_rep_signed && d.vr == Vr::Us && d.vrs.contains(&Vr::Ss) => Vr::Ss,
        _ => vr,
    }
}

struct Ctx<'o, 'f> {
    out: Emitter,
    bulk: Option<&'o mut Box<BulkFn<'f>>>,
    implicit: bool,
    pixel_rep_signed: bool,
}

fn write_object(ctx: &mut Ctx<'_, '_>, level: Siblings<'_>) {
    ctx.out.open('{');
    let mut seen: Vec<u32> = Vec::new();
    let mut last: Option<u32> = None;
    for e in level {
        if !matches!(
            e.kind(),
            ElementKind::Element | ElementKind::Sequence | ElementKind::EncapsulatedPixelData
        ) {
            continue;
        }
        let tag = e.tag().0;
        if e.tag().is_delimiter_group() {
            continue;
        }
        // Keys must be unique: a malformed file may repeat a tag; the first one wins.
        if last.is_some_and(|l| tag <= l) {
            if seen.contains(&tag) {
                continue;
            }
        } else {
            last = Some(tag);
        }
        seen.push(tag);
        write_attribute(ctx, &e);
    }
    ctx.out.close('}');
}

fn write_bulk(ctx: &mut Ctx<'_, '_>, e: &Element<'_>, vr: Vr) {
    let raw = e.raw();
    if raw.is_empty() {
        return;
    }
    if let Some(f) = ctx.bulk.as_mut() {
        if let Some(uri) = f(e) {
            ctx.out.key("BulkDataURI");
            ctx.out.string(&uri);
            return;
        }
    }
    ctx.out.key("InlineBinary");
    ctx.out.sep();
    ctx.out.s.push('"');
    let width = match vr {
        Vr::Ow => Some(2),
        Vr::Of | Vr::Ol => Some(4),
        Vr::Od | Vr::Ov => Some(8),
        _ => None,
    };
    match width {
        Some(w) if e.is_big_endian() && e.kind() == ElementKind::Element => {
            let mut v = raw.to_vec();
            for c in v.chunks_exact_mut(w) {
                c.reverse();
            }
            base64_encode_into(&v, &mut ctx.out.s);
        }
        _ => base64_encode_into(raw, &mut ctx.out.s),
    }
    ctx.out.s.push('"');
}

fn write_attribute(ctx: &mut Ctx<'_, '_>, e: &Element<'_>) {
    let tag = e.tag();
    ctx.out.key(&format!("{:08X}", tag.0));
    ctx.out.open('{');
    match e.kind() {
        ElementKind::Sequence => {
            ctx.out.key("vr");
            ctx.out.string("SQ");
            let mut items = e.items().peekable();
            if items.peek().is_some() {
                ctx.out.key("Value");
                ctx.out.open('[');
                for item in items {
                    write_object(ctx, item.children());
                }
                ctx.out.close(']');
            }
        }
        ElementKind::EncapsulatedPixelData => {
            let vr = e.vr();
            ctx.out.key("vr");
            ctx.out.string(vr.as_str());
            write_bulk(ctx, e, vr);
        }
        _ => {
            let vr = effective_vr(e, ctx.implicit, ctx.pixel_rep_signed);
            ctx.out.key("vr");
            ctx.out.string(vr.as_str());
            write_value(ctx, e, vr);
        }
    }
    ctx.out.close('}');
}

/// The values of a string element, decoded to UTF-8. The VRs whose repertoire is the
/// default one (CS, DA, UI …) are decoded in the character set in force too when they
/// hold bytes over 0x7F (not allowed, but written by some systems in their local set).
fn text_values(e: &Element<'_>) -> Vec<String> {
    let vr = e.vr();
    let raw = e.raw();
    if raw.is_ascii() || vr.uses_character_set() {
        return e.strings();
    }
    let decoded = e.character_set().decode(raw);
    let text = trim_value(&decoded, false);
    if text.is_empty() {
        return Vec::new();
    }
    if !vr.is_multi_valued_string() {
        return vec![text.to_owned()];
    }
    text.split('\\')
        .map(|s| trim_value(s, false).to_owned())
        .collect()
}

fn write_value(ctx: &mut Ctx<'_, '_>, e: &Element<'_>, vr: Vr) {
    if is_bulk_vr(vr) {
        write_bulk(ctx, e, vr);
        return;
    }
    if e.raw().is_empty() {
        return;
    }
    // `"Value": [...]` with one entry per value; nothing when there is no value.
    macro_rules! value_array {
        ($values:expr, $emit:expr) => {{
            let values = $values;
            if !values.is_empty() {
                ctx.out.key("Value");
                ctx.out.open('[');
                for v in values {
                    $emit(v, &mut ctx.out);
                }
                ctx.out.close(']');
            }
        }};
    }
    match vr {
        Vr::Us => value_array!(e.u16s(), |v: u16, o: &mut Emitter| o.raw(&v.to_string())),
        Vr::Ss => value_array!(e.i16s(), |v: i16, o: &mut Emitter| o.raw(&v.to_string())),
        Vr::Ul => value_array!(e.u32s(), |v: u32, o: &mut Emitter| o.raw(&v.to_string())),
        Vr::Sl => value_array!(e.i32s(), |v: i32, o: &mut Emitter| o.raw(&v.to_string())),
        Vr::Uv => value_array!(e.u64s(), |v: u64, o: &mut Emitter| if v <= MAX_SAFE_INT {
            o.raw(&v.to_string())
        } else {
            o.string(&v.to_string())
        }),
        Vr::Sv => value_array!(e.i64s(), |v: i64, o: &mut Emitter| if v.unsigned_abs()
            <= MAX_SAFE_INT
        {
            o.raw(&v.to_string())
        } else {
            o.string(&v.to_string())
        }),
        Vr::Fl => value_array!(e.f32s(), |v: f32, o: &mut Emitter| f32_json(v, o)),
        Vr::Fd => value_array!(e.f64s(), |v: f64, o: &mut Emitter| float_json(v, o)),
        Vr::At => value_array!(e.tags(), |t: Tag, o: &mut Emitter| o
            .string(&format!("{:08X}", t.0))),
        Vr::Pn => value_array!(text_values(e), |v: String, o: &mut Emitter| {
            if v.is_empty() {
                o.raw("null");
                return;
            }
            o.open('{');
            let mut groups = v.splitn(3, '=');
            for key in ["Alphabetic", "Ideographic", "Phonetic"] {
                let g = groups.next().unwrap_or_default();
                let g = trim_value(g, false);
                if !g.is_empty() {
                    o.key(key);
                    o.string(g);
                }
            }
            o.close('}');
        }),
        Vr::Ds | Vr::Is => value_array!(text_values(e), |v: String, o: &mut Emitter| {
            let num = if vr == Vr::Ds {
                decimal_json(&v)
            } else {
                integer_json(&v)
            };
            match num {
                Some(n) => o.raw(&n),
                None if v.is_empty() => o.raw("null"),
                None => o.string(&v),
            }
        }),
        _ if vr.is_string() => {
            let values = text_values(e);
            // A single empty value is no value at all.
            if values.len() == 1 && values.first().is_some_and(String::is_empty) {
                return;
            }
            value_array!(values, |v: String, o: &mut Emitter| if v.is_empty() {
                o.raw("null");
            } else {
                o.string(&v);
            })
        }
        // SQ read as a plain element (zero length) or any other: no value.
        _ => {}
    }
}

impl DataSet<'_> {
    /// The DICOM JSON model of the data set (file meta excluded), compact, bulk data as
    /// InlineBinary. See the [module documentation](crate::json).
    pub fn to_json(&self) -> String {
        self.to_json_with(&mut JsonOptions::new())
    }

    /// The DICOM JSON model with options (indentation, BulkDataURI callback).
    pub fn to_json_with(&self, options: &mut JsonOptions<'_>) -> String {
        let implicit = !self.transfer_syntax().is_explicit_vr();
        let pixel_rep_signed = self
            .get(Tag::new(0x0028, 0x0103))
            .and_then(|e| e.uint())
            .is_some_and(|v| v == 1);
        let mut ctx = Ctx {
            out: Emitter::new(options.pretty),
            bulk: options.bulk.as_mut(),
            implicit,
            pixel_rep_signed,
        };
        write_object(&mut ctx, self.elements());
        if options.pretty {
            ctx.out.s.push('\n');
        }
        ctx.out.s
    }
}

// ---------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------

/// Why a DICOM JSON text could not be read. Never carries a value: only the kind and,
/// where known, the tag of the attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    kind: JsonErrorKind,
    tag: Option<Tag>,
}

/// What was wrong with a DICOM JSON text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// Not JSON (serde_json's line and column).
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The top level or an item is not an object, or an attribute is not an object.
    NotAnObject,
    /// A key is not eight hex digits.
    InvalidTag,
    /// `"vr"` is not a VR code.
    InvalidVr,
    /// `"Value"` is not an array, or one of its values has the wrong JSON type for the VR.
    InvalidValue,
    /// A number does not fit the VR (e.g. 70000 for US).
    NumberOutOfRange,
    /// `"InlineBinary"` is not valid base64.
    InvalidBase64,
    /// A `"BulkDataURI"` the resolver did not resolve (or no resolver was given).
    UnresolvedBulkData,
    /// A value is too long for its element.
    TooLong,
}

impl JsonError {
    fn new(kind: JsonErrorKind, tag: Option<Tag>) -> JsonError {
        JsonError { kind, tag }
    }

    /// What went wrong.
    pub fn kind(&self) -> JsonErrorKind {
        self.kind
    }

    /// The attribute, when known.
    pub fn tag(&self) -> Option<Tag> {
        self.tag
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            JsonErrorKind::Syntax { line, column } => {
                write!(f, "invalid JSON at line {line}, column {column}")?
            }
            JsonErrorKind::NotAnObject => f.write_str("expected a JSON object")?,
            JsonErrorKind::InvalidTag => f.write_str("key is not an 8-digit hex tag")?,
            JsonErrorKind::InvalidVr => f.write_str("invalid \"vr\"")?,
            JsonErrorKind::InvalidValue => f.write_str("value of the wrong type for its VR")?,
            JsonErrorKind::NumberOutOfRange => f.write_str("number out of range for its VR")?,
            JsonErrorKind::InvalidBase64 => f.write_str("invalid base64 in InlineBinary")?,
            JsonErrorKind::UnresolvedBulkData => f.write_str("unresolved BulkDataURI")?,
            JsonErrorKind::TooLong => f.write_str("value too long")?,
        }
        if let Some(t) = self.tag {
            write!(f, " at {t}")?;
        }
        Ok(())
    }
}

impl std::error::Error for JsonError {}

type Resolver<'r> = dyn FnMut(&str, Tag, Vr) -> Option<Vec<u8>> + 'r;

/// Reads a DICOM JSON object into an owned data set. `"BulkDataURI"` attributes are an
/// error ([`JsonErrorKind::UnresolvedBulkData`]); use [`from_json_with`] to fetch them.
///
/// # Errors
/// [`JsonError`] when the text is not JSON or not the DICOM JSON model.
pub fn from_json(text: &str) -> Result<DataSetBuf, JsonError> {
    from_json_with(text, |_, _, _| None)
}

/// As [`from_json`], with a resolver for `"BulkDataURI"` values: called with the URI, the
/// tag and the VR; it returns the value bytes (binary VRs little-endian) or `None`.
///
/// # Errors
/// As [`from_json`]; [`JsonErrorKind::UnresolvedBulkData`] when the resolver returns
/// `None`.
pub fn from_json_with(
    text: &str,
    mut resolver: impl FnMut(&str, Tag, Vr) -> Option<Vec<u8>>,
) -> Result<DataSetBuf, JsonError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        JsonError::new(
            JsonErrorKind::Syntax {
                line: e.line(),
                column: e.column(),
            },
            None,
        )
    })?;
    from_json_value_with(&value, &mut resolver)
}

/// Reads an already parsed DICOM JSON object (see [`from_json_with`]).
///
/// # Errors
/// As [`from_json_with`].
pub fn from_json_value_with(
    value: &serde_json::Value,
    resolver: &mut Resolver<'_>,
) -> Result<DataSetBuf, JsonError> {
    let obj = value
        .as_object()
        .ok_or(JsonError::new(JsonErrorKind::NotAnObject, None))?;
    let utf8 = has_non_ascii_text(value, 0);
    let mut buf = DataSetBuf::new();
    for (key, attr) in obj {
        let el = read_attribute(key, attr, utf8, resolver)?;
        if el.tag.group() == 0x0002 {
            if let ValueBuf::Bytes(b) = el.value {
                buf.insert_meta(el.tag, el.vr, b);
            }
        } else {
            buf.insert_element(el);
        }
    }
    if utf8 {
        buf.insert(Tag::SPECIFIC_CHARACTER_SET, Vr::Cs, b"ISO_IR 192".to_vec());
    }
    Ok(buf)
}

/// True when any string inside `v` is not ASCII (then the data set is written in UTF-8).
fn has_non_ascii_text(v: &serde_json::Value, depth: usize) -> bool {
    use serde_json::Value as J;
    if depth > 512 {
        return false;
    }
    match v {
        J::String(s) => !s.is_ascii(),
        J::Array(a) => a.iter().any(|x| has_non_ascii_text(x, depth + 1)),
        J::Object(o) => o
            .iter()
            .any(|(k, x)| k != "InlineBinary" && has_non_ascii_text(x, depth + 1)),
        _ => false,
    }
}

fn parse_tag(key: &str) -> Option<Tag> {
    if key.len() != 8 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(key, 16).ok().map(Tag)
}

fn read_attribute(
    key: &str,
    attr: &serde_json::Value,
    utf8: bool,
    resolver: &mut Resolver<'_>,
) -> Result<ElementBuf, JsonError> {
    let tag = parse_tag(key).ok_or(JsonError::new(JsonErrorKind::InvalidTag, None))?;
    let err = |kind| JsonError::new(kind, Some(tag));
    let attr = attr
        .as_object()
        .ok_or_else(|| err(JsonErrorKind::NotAnObject))?;
    let vr = match attr.get("vr") {
        Some(serde_json::Value::String(s)) if s.len() == 2 => {
            let b = s.as_bytes();
            Vr::from_bytes([b[0], b[1]]).ok_or_else(|| err(JsonErrorKind::InvalidVr))?
        }
        Some(_) => return Err(err(JsonErrorKind::InvalidVr)),
        None => dict::by_tag(tag).map_or(Vr::Un, |d| d.vr),
    };
    if let Some(v) = attr.get("InlineBinary") {
        let s = v.as_str().ok_or_else(|| err(JsonErrorKind::InvalidValue))?;
        let bytes = base64_decode(s).ok_or_else(|| err(JsonErrorKind::InvalidBase64))?;
        return Ok(bytes_element(tag, vr, bytes));
    }
    if let Some(v) = attr.get("BulkDataURI") {
        let s = v.as_str().ok_or_else(|| err(JsonErrorKind::InvalidValue))?;
        let bytes = resolver(s, tag, vr).ok_or_else(|| err(JsonErrorKind::UnresolvedBulkData))?;
        return Ok(bytes_element(tag, vr, bytes));
    }
    let values: &[serde_json::Value] = match attr.get("Value") {
        None | Some(serde_json::Value::Null) => &[],
        Some(serde_json::Value::Array(a)) => a,
        Some(_) => return Err(err(JsonErrorKind::InvalidValue)),
    };
    if vr == Vr::Sq {
        let mut items = Vec::with_capacity(values.len());
        for item in values {
            let mut buf = ItemBuf::new();
            match item {
                serde_json::Value::Object(o) => {
                    for (k, a) in o {
                        let el = read_attribute(k, a, utf8, resolver)?;
                        buf.insert_element(el);
                    }
                }
                serde_json::Value::Null => {}
                _ => return Err(err(JsonErrorKind::NotAnObject)),
            }
            items.push(buf);
        }
        return Ok(ElementBuf {
            tag,
            vr,
            value: ValueBuf::Sequence(items),
            undefined_length: false,
        });
    }
    if tag == Tag::SPECIFIC_CHARACTER_SET && utf8 {
        return Ok(bytes_element(tag, vr, b"ISO_IR 192".to_vec()));
    }
    let bytes = encode_values(tag, vr, values)?;
    Ok(bytes_element(tag, vr, bytes))
}

fn bytes_element(tag: Tag, vr: Vr, bytes: Vec<u8>) -> ElementBuf {
    ElementBuf {
        tag,
        vr,
        value: ValueBuf::Bytes(bytes),
        undefined_length: false,
    }
}

/// Formats a number as DS text of at most 16 characters (PS3.5 §6.2).
/// A JSON number read as floating point keeps a fraction or exponent (`-1000.0`), so
/// that it is written back as the same JSON number.
pub(crate) fn format_ds(v: f64) -> String {
    let plain = format!("{v:?}");
    if plain.len() <= 16 {
        return plain;
    }
    let exp = format!("{v:e}");
    if exp.len() <= 16 {
        return exp;
    }
    // Reduce precision until it fits.
    for p in (1..=15).rev() {
        let s = format!("{v:.p$e}");
        let s = trim_exp_zeros(&s);
        if s.len() <= 16 {
            return s;
        }
    }
    exp
}

/// `1.2500e3` → `1.25e3`.
fn trim_exp_zeros(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => {
            let m = m.trim_end_matches('0').trim_end_matches('.');
            format!("{m}e{e}")
        }
        _ => s.to_owned(),
    }
}

fn number_text(n: &serde_json::Number, vr: Vr) -> Option<String> {
    if let Some(i) = n.as_i64() {
        return Some(i.to_string());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.to_string());
    }
    let f = n.as_f64()?;
    if vr == Vr::Is {
        if f == f.trunc() && f.abs() < 9.2e18 {
            return Some((f as i64).to_string());
        }
        return None;
    }
    Some(format_ds(f))
}

fn encode_values(tag: Tag, vr: Vr, values: &[serde_json::Value]) -> Result<Vec<u8>, JsonError> {
    use serde_json::Value as J;
    let err = |kind| JsonError::new(kind, Some(tag));
    let mut out = Vec::new();
    macro_rules! ints {
        ($t:ty) => {{
            for v in values {
                let x: $t = match v {
                    J::Number(n) => {
                        if let Some(i) = n.as_i64() {
                            <$t>::try_from(i).map_err(|_| err(JsonErrorKind::NumberOutOfRange))?
                        } else if let Some(u) = n.as_u64() {
                            <$t>::try_from(u).map_err(|_| err(JsonErrorKind::NumberOutOfRange))?
                        } else {
                            let f = n.as_f64().unwrap_or(f64::NAN);
                            if f != f.trunc() || !f.is_finite() {
                                return Err(err(JsonErrorKind::InvalidValue));
                            }
                            return Err(err(JsonErrorKind::NumberOutOfRange));
                        }
                    }
                    J::String(s) => s
                        .trim()
                        .parse::<$t>()
                        .map_err(|_| err(JsonErrorKind::InvalidValue))?,
                    _ => return Err(err(JsonErrorKind::InvalidValue)),
                };
                out.extend_from_slice(&x.to_le_bytes());
            }
        }};
    }
    macro_rules! floats {
        ($t:ty) => {{
            for v in values {
                let x: $t = match v {
                    J::Number(n) => n.as_f64().unwrap_or(f64::NAN) as $t,
                    J::String(s) => match s.trim() {
                        "NaN" => <$t>::NAN,
                        "Infinity" | "inf" => <$t>::INFINITY,
                        "-Infinity" | "-inf" => <$t>::NEG_INFINITY,
                        t => t
                            .parse::<$t>()
                            .map_err(|_| err(JsonErrorKind::InvalidValue))?,
                    },
                    _ => return Err(err(JsonErrorKind::InvalidValue)),
                };
                out.extend_from_slice(&x.to_le_bytes());
            }
        }};
    }
    match vr {
        Vr::Us => ints!(u16),
        Vr::Ss => ints!(i16),
        Vr::Ul => ints!(u32),
        Vr::Sl => ints!(i32),
        Vr::Uv => ints!(u64),
        Vr::Sv => ints!(i64),
        Vr::Fl => floats!(f32),
        Vr::Fd => floats!(f64),
        Vr::At => {
            for v in values {
                let t = v
                    .as_str()
                    .and_then(parse_tag)
                    .ok_or_else(|| err(JsonErrorKind::InvalidValue))?;
                out.extend_from_slice(&t.group().to_le_bytes());
                out.extend_from_slice(&t.element().to_le_bytes());
            }
        }
        _ if is_bulk_vr(vr) => {
            // Binary VRs carry InlineBinary / BulkDataURI; a "Value" is not allowed.
            if !values.is_empty() {
                return Err(err(JsonErrorKind::InvalidValue));
            }
        }
        _ => {
            // Text VRs: values joined by backslash.
            let mut text = String::new();
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    text.push('\\');
                }
                match v {
                    J::Null => {}
                    J::String(s) => text.push_str(s),
                    J::Number(n) if matches!(vr, Vr::Ds | Vr::Is) => {
                        text.push_str(
                            &number_text(n, vr).ok_or_else(|| err(JsonErrorKind::InvalidValue))?,
                        );
                    }
                    J::Object(o) if vr == Vr::Pn => {
                        let g = |k: &str| o.get(k).and_then(J::as_str).unwrap_or("");
                        let groups = [g("Alphabetic"), g("Ideographic"), g("Phonetic")];
                        let keep = groups
                            .iter()
                            .rposition(|s| !s.is_empty())
                            .map_or(0, |p| p + 1);
                        for (j, s) in groups.iter().take(keep).enumerate() {
                            if j > 0 {
                                text.push('=');
                            }
                            text.push_str(s);
                        }
                    }
                    _ => return Err(err(JsonErrorKind::InvalidValue)),
                }
            }
            out = text.into_bytes();
        }
    }
    if u32::try_from(out.len()).is_err() {
        return Err(err(JsonErrorKind::TooLong));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..data.len() {
            let enc = base64_encode(&data[..n]);
            assert_eq!(enc.len() % 4, 0);
            assert_eq!(base64_decode(&enc).as_deref(), Some(&data[..n]), "{n}");
        }
        // RFC 4648 §10 test vectors.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), enc);
            assert_eq!(base64_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
        for bad in ["Z", "Zg=a", "Zg===", "Z===", "Zm9v!", "Zg=\u{e9}"] {
            assert!(base64_decode(bad).is_none(), "{bad}");
        }
        assert_eq!(base64_decode("Zm9v\nYmFy").as_deref(), Some(&b"foobar"[..]));
    }

    #[test]
    fn decimal_and_integer_text_become_json_numbers() {
        for (ds, json) in [
            ("1.50", Some("1.50")),
            (" +001.5 ", Some("1.5")),
            ("-0.25", Some("-0.25")),
            (".5", Some("0.5")),
            ("5.", Some("5")),
            ("1e3", Some("1e3")),
            ("-1.5E-07", Some("-1.5e-07")),
            ("0", Some("0")),
            ("-0", Some("0")),
            ("", None),
            ("abc", None),
            ("1.2.3", None),
            ("1e", None),
            ("NaN", None),
            ("1e400", None),
            ("-1e309", None),
            ("1e-400", Some("1e-400")),
        ] {
            assert_eq!(decimal_json(ds).as_deref(), json, "{ds:?}");
        }
        for (is, json) in [
            ("42", Some("42")),
            (" +007", Some("7")),
            ("-12", Some("-12")),
            ("000", Some("0")),
            ("1.0", None),
            ("", None),
            ("-", None),
            ("9223372036854775807", Some("9223372036854775807")),
            ("9223372036854775808", None),
        ] {
            assert_eq!(integer_json(is).as_deref(), json, "{is:?}");
        }
    }

    #[test]
    fn ds_formatting_fits_sixteen_characters() {
        for v in [
            0.0,
            1.5,
            -125.5,
            0.1,
            1e20,
            -1.234_567_890_123_456_7e-200,
            std::f64::consts::PI,
            123_456_789_012_345.6,
        ] {
            let s = format_ds(v);
            assert!(s.len() <= 16, "{v} -> {s}");
            let back: f64 = s.parse().unwrap_or(f64::NAN);
            assert!((back - v).abs() <= v.abs() * 1e-9, "{v} -> {s}");
        }
        assert_eq!(format_ds(1.5), "1.5");
        assert_eq!(format_ds(3.0), "3.0");
        assert_eq!(format_ds(1e20), "1e20");
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        push_json_string(&mut s, "a\"b\\c\nd\u{1}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
