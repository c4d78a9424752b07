//! `carewire dicom dump|json|copy|scan`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use carewire_dicom_lite::json::JsonOptions;
use carewire_dicom_lite::{DataSet, Element, ElementKind, ParseConfig, Tag, Vr, UNDEFINED_LENGTH};

use crate::CliError;

/// A read failure, naming the file and the position (never a value).
fn read_error(file: &Path, e: &carewire_dicom_lite::Error) -> CliError {
    CliError::Failed(format!("{}: {e}", file.display()))
}

/// Repairs the lenient reader made, as notes on standard error (positions and kinds).
fn report_diagnostics(file: &Path, ds: &DataSet<'_>) {
    for d in ds.diagnostics() {
        eprintln!("carewire: note: {}: {d}", file.display());
    }
}

/// How many characters of a text value `dump` shows before cutting it.
const MAX_TEXT: usize = 64;
/// How many binary values `dump` shows before cutting the list.
const MAX_VALUES: usize = 16;

/// The keyword column: the dictionary keyword, `PrivateCreator`, the private block's
/// creator in brackets, `GroupLength`, or `Unknown`.
fn keyword(e: &Element<'_>, creators: &dyn Fn(Tag) -> Option<String>) -> String {
    let tag = e.tag();
    match e.kind() {
        ElementKind::Item | ElementKind::Fragment => return "Item".into(),
        ElementKind::ItemDelimitation => return "ItemDelimitationItem".into(),
        ElementKind::SequenceDelimitation => return "SequenceDelimitationItem".into(),
        _ => {}
    }
    if let Some(k) = tag.keyword() {
        return k.into();
    }
    if tag.is_private_creator() {
        return "PrivateCreator".into();
    }
    if tag.is_group_length() {
        return "GroupLength".into();
    }
    if tag.is_private() && tag.element() >= 0x1000 {
        let creator_tag = Tag::new(tag.group(), tag.element() >> 8);
        if let Some(c) = creators(creator_tag) {
            return format!("[{c}]");
        }
    }
    "Unknown".into()
}

/// Text for display: control characters shown as `.`, cut at `MAX_TEXT` characters.
fn shown(text: &str) -> String {
    let mut s = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_TEXT {
            s.push_str("...");
            break;
        }
        s.push(if c.is_control() { '.' } else { c });
    }
    s
}

fn join<T: std::fmt::Display>(values: &[T]) -> String {
    let mut s = String::new();
    for (i, v) in values.iter().take(MAX_VALUES).enumerate() {
        if i > 0 {
            s.push('\\');
        }
        let _ = write!(s, "{v}");
    }
    if values.len() > MAX_VALUES {
        s.push_str("\\...");
    }
    s
}

/// The value column of `dump`.
fn value_text(e: &Element<'_>) -> String {
    match e.kind() {
        ElementKind::Element => {}
        ElementKind::Fragment => return hex_bytes(e.raw()),
        _ => return String::new(),
    }
    let vr = e.vr();
    match vr {
        Vr::Us => join(&e.u16s()),
        Vr::Ss => join(&e.i16s()),
        Vr::Ul => join(&e.u32s()),
        Vr::Sl => join(&e.i32s()),
        Vr::Uv => join(&e.u64s()),
        Vr::Sv => join(&e.i64s()),
        Vr::Fl => join(&e.f32s()),
        Vr::Fd => join(&e.f64s()),
        Vr::At => join(&e.tags()),
        _ if vr.is_string() => format!("[{}]", shown(&e.to_str())),
        _ => hex_bytes(e.raw()),
    }
}

fn hex_bytes(raw: &[u8]) -> String {
    let mut s = String::new();
    for (i, b) in raw.iter().take(MAX_VALUES).enumerate() {
        if i > 0 {
            s.push('\\');
        }
        let _ = write!(s, "{b:02x}");
    }
    if raw.len() > MAX_VALUES {
        s.push_str("\\...");
    }
    s
}

fn dump_level<'d>(
    out: &mut impl Write,
    level: impl Iterator<Item = Element<'d>> + Clone,
    indent: usize,
) -> Result<(), CliError> {
    // Private creators at this level, for the keyword column of private elements.
    let creators_level = level.clone();
    let creators = move |t: Tag| {
        creators_level
            .clone()
            .find(|c| c.tag() == t)
            .map(|c| c.to_str().into_owned())
    };
    for e in level {
        let len = e.declared_len();
        let len_text = if len == UNDEFINED_LENGTH {
            "u/l".to_string()
        } else {
            len.to_string()
        };
        let vr = match e.kind() {
            ElementKind::Item
            | ElementKind::Fragment
            | ElementKind::ItemDelimitation
            | ElementKind::SequenceDelimitation => "na",
            ElementKind::Sequence => "SQ",
            _ => e.vr().as_str(),
        };
        writeln!(
            out,
            "{:indent$}{} {} {:<40} {:>8}  {}",
            "",
            e.tag(),
            vr,
            keyword(&e, &creators),
            len_text,
            value_text(&e),
            indent = indent * 2
        )?;
        match e.kind() {
            ElementKind::Sequence | ElementKind::EncapsulatedPixelData | ElementKind::Item => {
                dump_level(out, e.children(), indent + 1)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// `dicom dump`: one line per element (tag, VR, keyword, length, value), file meta
/// first, items and their elements indented under their sequence.
pub fn dump(args: &crate::dicom::DumpArgs, out: &mut impl Write) -> Result<(), CliError> {
    let bytes = crate::read_input(&args.file)?;
    let ds = DataSet::parse(&bytes).map_err(|e| read_error(&args.file, &e))?;
    report_diagnostics(&args.file, &ds);
    if ds.has_file_meta() {
        writeln!(out, "# File meta information")?;
        dump_level(out, ds.file_meta(), 0)?;
    }
    let ts = ds.transfer_syntax();
    writeln!(
        out,
        "# Data set ({}{})",
        ts.name(),
        ts.uid().map(|u| format!(", {u}")).unwrap_or_default()
    )?;
    dump_level(out, ds.elements(), 0)?;
    if let Some(stop) = ds.stopped() {
        writeln!(
            out,
            "# stopped at offset {} ({:?}); the rest was not read",
            stop.offset, stop.reason
        )?;
    }
    Ok(())
}

/// `dicom json`: the PS3.18 DICOM JSON model, pretty-printed, file meta excluded, bulk
/// data as InlineBinary.
pub fn json(args: &crate::dicom::JsonArgs, out: &mut impl Write) -> Result<(), CliError> {
    let bytes = crate::read_input(&args.file)?;
    let config = ParseConfig::default().stop_before_pixel_data(args.stop_before_pixels);
    let ds = DataSet::parse_with(&bytes, &config).map_err(|e| read_error(&args.file, &e))?;
    report_diagnostics(&args.file, &ds);
    let text = ds.to_json_with(&mut JsonOptions::new().pretty(true));
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `dicom copy` (lands with the crate work).
pub fn copy(_args: &crate::dicom::CopyArgs, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("dicom copy: not available yet".into()))
}

/// `dicom scan` (lands with the crate work).
pub fn scan(_args: &crate::dicom::ScanArgs, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("dicom scan: not available yet".into()))
}
