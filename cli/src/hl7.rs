//! `carewire hl7 ...`: thin wrappers over `carewire-hl7`.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;

use carewire_hl7::{
    validate, AckCode, Charset, DecodeOptions, Diagnostic, Message, Path, Repetition, Severity,
    Value,
};
use clap::Subcommand;

use crate::{read_input, CliError};

/// The `hl7` subcommands.
#[derive(Debug, Subcommand)]
pub enum Hl7Command {
    /// Print the message as a tree: each segment, then each non-empty field
    /// (`PID-5  Doe^Jane`) with its repetitions, components and subcomponents broken
    /// out below (`PID-5.1  Doe`), then the parser's diagnostics.
    ///
    /// Every printed path can be given to `carewire hl7 get`. Leaf values are decoded
    /// (escapes and character set); values broken out below are shown as sent, escapes
    /// included. Control characters are shown escaped.
    Inspect {
        /// The message file (`-` for standard input).
        file: PathBuf,
    },
    /// Print the JSON view of the message, pretty-printed.
    ///
    /// Shape: {"delimiters", "charset", "segments": [{"id", "fields": [...]}],
    /// "diagnostics": [{"kind", "offset"}]}. fields[i] is field i+1 (for MSH, fields[0]
    /// is MSH-1). A value is "" when empty, null for the HL7 null "", a string when it
    /// has no components, an array of components (a component with subcomponents is an
    /// array) and {"repetitions": [...]} when the field repeats.
    Json {
        /// The message file (`-` for standard input).
        file: PathBuf,
        /// One line instead of indented output.
        #[arg(long)]
        compact: bool,
    },
    /// Print the decoded value at each path, one line per path (an empty line when
    /// the value is absent).
    ///
    /// Paths: PID-5, PID-5.1, PID-3[2].1, OBX[3]-5, OBX[2]-5[1].1.1 (1-based; a bare
    /// field is the whole field with all its repetitions). Exits with 2 when a path is
    /// malformed.
    Get {
        /// The message file (`-` for standard input).
        file: PathBuf,
        /// One or more paths such as PID-5.1.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Print the acknowledgment (ACK) of the message.
    ///
    /// Sender and receiver are swapped, MSA-2 echoes MSH-10. Segments are printed one
    /// per line; use --raw for the wire format with CR segment terminators.
    Ack {
        /// The message file (`-` for standard input).
        file: PathBuf,
        /// MSA-1 acknowledgment code: AA, AE, AR (original mode) or CA, CE, CR
        /// (enhanced mode).
        #[arg(long, default_value = "AA", value_parser = parse_ack_code)]
        code: AckCode,
        /// MSH-10 of the ACK (default: generated from the time and a counter).
        #[arg(long, value_name = "ID")]
        control_id: Option<String>,
        /// MSH-7 of the ACK as an HL7 DTM (default: now, UTC).
        #[arg(long, value_name = "DTM")]
        timestamp: Option<String>,
        /// MSA-3 text message.
        #[arg(long)]
        text: Option<String>,
        /// Write the ACK exactly as it goes on the wire (CR segment terminators, no
        /// trailing newline).
        #[arg(long)]
        raw: bool,
    },
    /// Check the message against the structure and required fields of its version;
    /// print every finding (severity, what, byte offset, location, table 0357 code).
    ///
    /// Exits with 1 when any finding is an error. Findings name positions, never values.
    Validate {
        /// The message file (`-` for standard input).
        file: PathBuf,
    },
}

fn parse_ack_code(s: &str) -> Result<AckCode, String> {
    AckCode::parse(s).ok_or_else(|| "expected one of AA, AE, AR, CA, CE, CR".to_owned())
}

/// Runs one `hl7` subcommand, writing its output to `out`.
pub fn run(cmd: Hl7Command, out: &mut impl Write) -> Result<(), CliError> {
    match cmd {
        Hl7Command::Inspect { file } => {
            let input = read_input(&file)?;
            let msg = Message::parse(&input)?;
            inspect(&msg, out)?;
        }
        Hl7Command::Json { file, compact } => {
            let input = read_input(&file)?;
            let msg = Message::parse(&input)?;
            if compact {
                writeln!(out, "{}", msg.to_json_string())?;
            } else {
                write_json_tree(&msg, out)?;
            }
        }
        Hl7Command::Get { file, paths } => {
            // Check every path before reading anything: a typo is a usage error.
            let paths = paths
                .into_iter()
                .map(|p| match Path::parse(&p) {
                    Ok(parsed) => Ok(parsed),
                    Err(error) => Err(CliError::InvalidPath { path: p, error }),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let input = read_input(&file)?;
            let msg = Message::parse(&input)?;
            for path in &paths {
                match msg.get(path) {
                    Some(v) => writeln!(out, "{}", v.decoded())?,
                    None => writeln!(out)?,
                }
            }
        }
        Hl7Command::Ack {
            file,
            code,
            control_id,
            timestamp,
            text,
            raw,
        } => {
            let input = read_input(&file)?;
            let msg = Message::parse(&input)?;
            let mut builder = msg.ack(code);
            if let Some(id) = &control_id {
                builder = builder.control_id(id);
            }
            if let Some(ts) = &timestamp {
                builder = builder.timestamp(ts);
            }
            if let Some(t) = &text {
                builder = builder.text(t);
            }
            let ack = builder.build()?;
            if raw {
                out.write_all(ack.bytes())?;
            } else {
                for seg in ack.view().segments() {
                    out.write_all(seg.raw())?;
                    out.write_all(b"\n")?;
                }
            }
        }
        Hl7Command::Validate { file } => {
            let input = read_input(&file)?;
            let msg = Message::parse(&input)?;
            let report = validate::validate(&msg);
            let (mut errors, mut warnings, mut infos) = (0, 0, 0);
            for finding in report.findings() {
                match finding.severity {
                    Severity::Error => errors += 1,
                    Severity::Warning => warnings += 1,
                    Severity::Information => infos += 1,
                }
                writeln!(out, "{finding}")?;
            }
            writeln!(
                out,
                "{}: {}, {}, {}",
                report.structure().unwrap_or("unknown structure"),
                plural(errors, "error"),
                plural(warnings, "warning"),
                plural(infos, "info"),
            )?;
            if errors > 0 {
                return Err(CliError::Invalid { errors });
            }
        }
    }
    Ok(())
}

/// `1 error`, `2 errors`; `info` stays singular.
fn plural(n: usize, word: &str) -> String {
    if n == 1 || word == "info" {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Writes the JSON view indented, but with each field on one line: containers nested
/// deeper than a segment's `fields` array are written inline.
fn write_json_tree(msg: &Message<'_>, out: &mut impl Write) -> io::Result<()> {
    use serde::Serialize;
    // root object (1) > segments array (2) > segment object (3) > fields array (4).
    let formatter = TreeFormatter {
        depth: 0,
        inline_from: 5,
        has_value: false,
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, formatter);
    msg.serialize(&mut ser).map_err(io::Error::from)?;
    writeln!(out)
}

/// A `serde_json` formatter: pretty-printed down to `inline_from`, compact below.
struct TreeFormatter {
    depth: usize,
    inline_from: usize,
    has_value: bool,
}

impl TreeFormatter {
    fn inline(&self) -> bool {
        self.depth >= self.inline_from
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, c: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(c)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, c: &[u8]) -> io::Result<()> {
        let inline = self.inline();
        self.depth -= 1;
        if self.has_value && !inline {
            self.newline(w)?;
        }
        w.write_all(c)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.inline() {
            return w.write_all(if first { b"" } else { b", " });
        }
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for TreeFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// One output line of `inspect`: nesting depth, path, value.
struct Line {
    depth: usize,
    path: String,
    value: String,
}

/// Writes the `inspect` tree.
fn inspect(msg: &Message<'_>, out: &mut impl Write) -> io::Result<()> {
    let mut diags: Vec<Diagnostic> = msg.diagnostics().to_vec();
    // A summary line of routing metadata (no patient data), then the tree.
    let header = msg.header();
    let mut summary = Vec::new();
    if let Some(f) = msg.msh().field(9).filter(|f| !f.is_empty()) {
        summary.push(printable(&f.decoded()));
    }
    if let Some(v) = header.version() {
        summary.push(format!("v{}", printable(&v)));
    }
    summary.push(msg.charset().label().to_owned());
    summary.push(format!("{} segments", msg.segment_count()));
    summary.push(format!("{} bytes", msg.as_bytes().len()));
    writeln!(out, "{}", summary.join("  "))?;

    let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
    for seg in msg.segments() {
        let occurrence = {
            let n = seen.entry(seg.id().to_vec()).or_insert(0);
            *n += 1;
            *n
        };
        let id = printable(&String::from_utf8_lossy(seg.id()));
        writeln!(
            out,
            "[{}] {}  (byte {})",
            seg.position() + 1,
            id,
            seg.offset()
        )?;
        // Paths as `get` accepts them: `OBX[2]-5` for the second OBX.
        let seg_path = if occurrence > 1 {
            format!("{id}[{occurrence}]")
        } else {
            id.clone()
        };
        let mut lines = Vec::new();
        let mut cx = Ctx {
            charset: msg.charset(),
            lines: &mut lines,
            diags: &mut diags,
        };
        for (i, field) in seg.fields().enumerate() {
            if field.is_empty() {
                continue;
            }
            let path = format!("{seg_path}-{}", i + 1);
            let reps: Vec<_> = field.repetitions().collect();
            if reps.len() > 1 {
                cx.push(0, path.clone(), &field, true);
                for (r, rep) in reps.iter().enumerate() {
                    if !rep.is_empty() {
                        cx.repetition(rep, format!("{path}[{}]", r + 1), 1);
                    }
                }
            } else if let Some(rep) = reps.first() {
                cx.repetition(rep, path, 0);
            }
        }
        let width = lines
            .iter()
            .map(|l| 2 * l.depth + l.path.len())
            .max()
            .unwrap_or(0);
        for l in &lines {
            let indent = 2 + 2 * l.depth;
            let pad = width - 2 * l.depth;
            writeln!(out, "{:indent$}{:<pad$}  {}", "", l.path, l.value)?;
        }
    }

    diags.sort_by_key(|d| d.offset);
    diags.dedup();
    if diags.is_empty() {
        writeln!(out, "diagnostics: none")?;
    } else {
        writeln!(out, "diagnostics: {}", diags.len())?;
        for d in &diags {
            writeln!(out, "  {d}")?;
        }
    }
    Ok(())
}

/// Collects the lines of one segment.
struct Ctx<'a> {
    charset: Charset,
    lines: &'a mut Vec<Line>,
    diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// Adds a line. A composite value (one that is broken out below) is shown as sent,
    /// escapes included, because decoded `\S\` and a real `^` would look alike; a
    /// leaf is shown decoded.
    fn push(&mut self, depth: usize, path: String, value: &Value<'_>, composite: bool) {
        let text = if composite {
            self.charset.decode(value.raw()).0
        } else {
            value.decode_report(&DecodeOptions::default(), Some(self.diags))
        };
        self.lines.push(Line {
            depth,
            path,
            value: printable(&text),
        });
    }

    /// Adds the line for a repetition (or a whole field with one repetition) and its
    /// component and subcomponent lines when it has more than one piece.
    fn repetition(&mut self, rep: &Repetition<'_>, path: String, depth: usize) {
        let comps: Vec<_> = rep.components().collect();
        let split = comps.len() > 1 || comps.iter().any(|c| c.subcomponents().count() > 1);
        self.push(depth, path.clone(), rep, split);
        if !split {
            return;
        }
        for (j, comp) in comps.iter().enumerate() {
            if comp.is_empty() {
                continue;
            }
            let cpath = format!("{path}.{}", j + 1);
            let subs: Vec<_> = comp.subcomponents().collect();
            self.push(depth + 1, cpath.clone(), comp, subs.len() > 1);
            if subs.len() > 1 {
                for (k, sub) in subs.iter().enumerate() {
                    if !sub.is_empty() {
                        self.push(depth + 2, format!("{cpath}.{}", k + 1), sub, false);
                    }
                }
            }
        }
    }
}

/// `text` with control characters shown as escapes (`\r`, `\u{1b}`), so a value can
/// never break the layout or drive the terminal.
fn printable(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    s
}
