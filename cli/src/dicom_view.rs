//! `carewire dicom dump|json|copy|scan`.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use carewire_dicom_lite::json::JsonOptions;
use carewire_dicom_lite::{
    DataSet, DataSetBuf, Element, ElementKind, Index, ParseConfig, Parser, StopReason, Tag,
    TransferSyntax, Vr, UNDEFINED_LENGTH,
};

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

/// The first `MAX_VALUES` values, each written by `item`, `\`-separated, with `\...`
/// when there are more.
fn join_with<T>(values: &[T], mut item: impl FnMut(&mut String, &T)) -> String {
    let mut s = String::new();
    for (i, v) in values.iter().take(MAX_VALUES).enumerate() {
        if i > 0 {
            s.push('\\');
        }
        item(&mut s, v);
    }
    if values.len() > MAX_VALUES {
        s.push_str("\\...");
    }
    s
}

fn join<T: std::fmt::Display>(values: &[T]) -> String {
    join_with(values, |s, v| {
        let _ = write!(s, "{v}");
    })
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
    join_with(raw, |s, b| {
        let _ = write!(s, "{b:02x}");
    })
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

/// `dicom copy`: without `--transfer-syntax`, writes the file back exactly as read
/// (byte-identical); with it, re-encodes the data set (Implicit VR LE, Explicit VR LE,
/// Explicit VR BE or Deflated Explicit VR LE; group lengths recomputed, (0002,0010)
/// updated).
pub fn copy(args: &crate::dicom::CopyArgs, out: &mut impl Write) -> Result<(), CliError> {
    let bytes = crate::read_input(&args.file)?;
    let target = match &args.transfer_syntax {
        None => None,
        Some(uid) => {
            let ts = TransferSyntax::from_uid(uid.trim().as_bytes());
            if !(ts.is_native() || ts.is_deflated()) {
                return Err(CliError::Usage(format!(
                    "--transfer-syntax {uid}: re-encoding is to 1.2.840.10008.1.2 (Implicit VR LE), \
                     1.2.840.10008.1.2.1 (Explicit VR LE), 1.2.840.10008.1.2.2 (Explicit VR BE) \
                     or 1.2.840.10008.1.2.1.99 (Deflated Explicit VR LE)"
                )));
            }
            Some(ts)
        }
    };
    let ds = DataSet::parse(&bytes).map_err(|e| read_error(&args.file, &e))?;
    report_diagnostics(&args.file, &ds);
    let written = match target {
        None => ds.to_vec(),
        Some(ts) => {
            if ds.transfer_syntax().is_encapsulated() {
                return Err(CliError::Failed(format!(
                    "{}: the pixel data is compressed ({}); decompressing it is out of scope",
                    args.file.display(),
                    ds.transfer_syntax()
                )));
            }
            let buf = DataSetBuf::from_view(&ds).map_err(|e| read_error(&args.file, &e))?;
            buf.write(ts).map_err(|e| {
                CliError::Failed(format!(
                    "{}: cannot write as {ts}: {e}",
                    args.file.display()
                ))
            })?
        }
    };
    std::fs::write(&args.out, &written)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", args.out.display())))?;
    let _ = out;
    Ok(())
}

/// The first bytes read of each file by `scan`; doubled while the header is longer.
const SCAN_PREFIX: usize = 4096;

/// True when `prefix` starts like a DICOM file: `DICM` after a 128-byte preamble, or a
/// bare data set whose first tag is in group 0002 or 0008 (either byte order).
fn looks_like_dicom(prefix: &[u8]) -> bool {
    if prefix.get(128..132) == Some(b"DICM") {
        return true;
    }
    match prefix.get(..2) {
        Some(&[a, b]) => matches!(
            (u16::from_le_bytes([a, b]), u16::from_be_bytes([a, b])),
            (0x0002 | 0x0008, _) | (_, 0x0008)
        ),
        _ => false,
    }
}

/// The TSV field for `e`: decoded text (values joined by `\`), numbers, or tags; tabs
/// and line breaks become spaces.
fn scan_field(e: &Element<'_>) -> String {
    let text = match e.kind() {
        ElementKind::Element if e.vr().is_string() => e.to_str().into_owned(),
        ElementKind::Element => match e.vr() {
            Vr::Ob | Vr::Ow | Vr::Un | Vr::Od | Vr::Of | Vr::Ol | Vr::Ov => hex_bytes(e.raw()),
            _ => value_text(e),
        },
        _ => String::new(),
    };
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Files under `dir`, recursively, sorted (symbolic links not followed).
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let t = e.file_type()?;
        if t.is_dir() {
            walk(&e.path(), files)?;
        } else if t.is_file() {
            files.push(e.path());
        }
    }
    Ok(())
}

/// Reads the header of one file: a prefix first, more while the header goes on.
fn scan_one(
    path: &Path,
    tags: &[Tag],
    buf: &mut Vec<u8>,
    index: &mut Index,
    out: &mut impl Write,
) -> Result<(), String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let len = usize::try_from(len).map_err(|_| "too large".to_string())?;
    buf.clear();
    let mut want = SCAN_PREFIX.min(len);
    loop {
        // Refill: read up to `want` bytes in total.
        if buf.len() < want {
            let need = want - buf.len();
            let start = buf.len();
            buf.resize(want, 0);
            let mut got = 0;
            while got < need {
                match file.read(&mut buf[start + got..]) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
            buf.truncate(start + got);
        }
        if !looks_like_dicom(buf) {
            return Err("not a DICOM file".into());
        }
        let complete = buf.len() >= len;
        let mut config = ParseConfig::default()
            .stop_before_pixel_data(true)
            .stop_after_all(tags);
        if !complete {
            config = config.max_header_len(buf.len());
        }
        let parser = Parser::new(config);
        match parser.parse_into(buf, index) {
            Ok(ds) => {
                let cut = ds
                    .stopped()
                    .is_some_and(|s| s.reason == StopReason::HeaderLimit);
                if cut && !complete {
                    want = (want * 2).min(len);
                    continue;
                }
                let mut line = path.display().to_string();
                for &t in tags {
                    line.push('\t');
                    if let Some(e) = ds.get(t) {
                        line.push_str(&scan_field(&e));
                    }
                }
                line.push('\n');
                return out.write_all(line.as_bytes()).map_err(|e| e.to_string());
            }
            Err(e) if complete => return Err(e.to_string()),
            // A prefix can end inside what the reader must see whole (a deflated stream,
            // a file meta group): read more.
            Err(_) => want = (want * 2).min(len),
        }
    }
}

/// `dicom scan`: one TSV line per DICOM file under DIR (path, then the value of each
/// requested tag, empty when absent), reading only as much of each file as its header
/// needs (stop before pixel data and after the last wanted tag). Files that are not
/// DICOM are skipped with a note on standard error.
pub fn scan(args: &crate::dicom::ScanArgs, out: &mut impl Write) -> Result<(), CliError> {
    let tags: Vec<Tag> = args.tags.iter().flat_map(|l| l.0.iter().copied()).collect();
    let mut files = Vec::new();
    walk(&args.dir, &mut files).map_err(|error| CliError::Read {
        file: args.dir.clone(),
        error,
    })?;
    let mut buf = Vec::with_capacity(SCAN_PREFIX);
    let mut index = Index::new();
    let mut skipped = 0usize;
    for f in &files {
        if let Err(why) = scan_one(f, &tags, &mut buf, &mut index, out) {
            eprintln!("carewire: note: {}: skipped: {why}", f.display());
            skipped += 1;
        }
    }
    if skipped > 0 {
        eprintln!(
            "carewire: note: {} of {} files skipped",
            skipped,
            files.len()
        );
    }
    Ok(())
}
