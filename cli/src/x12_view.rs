//! `carewire x12 inspect` and `carewire x12 json`.
//!
//! Both parse the whole file (every interchange, each with its own delimiters) and
//! rebuild the implementation-guide loops of each transaction set whose guide is known
//! (837P/I/D, 835, 270, 271, 999); other sets are a generic segment list.
//!
//! # JSON shape
//!
//! ```text
//! {"interchanges": [{
//!    "control_number": "000000001", "version": "00501",
//!    "delimiters": {"element": "*", "component": ":", "repetition": "^", "segment": "~"},
//!    "isa": SEGMENT,
//!    "segments": [SEGMENT...],          // between ISA and IEA outside any group (TA1)
//!    "groups": [{
//!      "functional_id": "HC", "control_number": "1", "version": "005010X222A1",
//!      "gs": SEGMENT,
//!      "segments": [SEGMENT...],        // inside the group outside any set
//!      "transaction_sets": [{
//!        "id": "837", "control_number": "0001", "implementation_reference": "005010X222A1",
//!        "guide": "005010X222A1",       // the loop table used, or null
//!        "loops": [{"id": "2010AA", "path": ["2000A", "2010AA"], "segments": [SEGMENT...]}...],
//!        "loop_findings": [{"kind": "UnexpectedSegment", "position": 12, "offset": 345}...]
//!      }],
//!      "ge": SEGMENT}],
//!    "iea": SEGMENT}],
//!  "findings": [{"kind": "...", "offset": 0, "code": "...", "severity": "error"}...]}
//! ```
//!
//! `loops` is flat and in document order: walking every loop's `segments` in turn
//! visits every segment of the set in the order of the file. `path` gives the nesting
//! (outermost loop first; `["header"]` and `["trailer"]` outside numbered loops). A
//! loop whose own segments resume after one of its child loops (a segment out of
//! sequence) appears again with the same id and path.
//!
//! A SEGMENT is `{"id": "NM1", "loop": "2010AA", "elements": [...]}`: `loop` is the
//! innermost loop id (`"header"` / `"trailer"` outside numbered loops, and for the
//! envelope segments ISA/GS and GE/IEA). `elements` starts with element 01; trailing
//! empty elements are kept. A simple element is a string; a composite one an array of
//! its component strings; a repeated element (two or more repetitions) an object
//! `{"repetitions": [...]}` whose items are strings or component arrays in the same way.
//! ISA elements are always strings (ISA11 and ISA16 are delimiters). Invalid UTF-8 is
//! shown with U+FFFD replacement characters.

use std::io::{self, Write};
use std::path::Path;

use carewire_x12::{
    Document, Element, FunctionalGroup, Interchange, LoopTree, Segment, TransactionSet,
};

use crate::CliError;

fn parse(input: &[u8]) -> Result<Document<'_>, CliError> {
    Document::parse(input).map_err(|e| CliError::Failed(format!("x12: {e}")))
}

/// `x12 inspect`: the tree of interchanges, groups, sets and loops, with findings.
pub fn inspect(file: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let input = crate::read_input(&file.to_path_buf())?;
    let doc = parse(&input)?;
    for ich in doc.interchanges() {
        inspect_interchange(&ich, out)?;
    }
    for d in doc.diagnostics() {
        writeln!(out, "repair: {:?} at byte {}", d.kind, d.offset)?;
    }
    for f in doc.findings() {
        writeln!(
            out,
            "finding: {} ({:?}, {} {}) at byte {}",
            f.kind,
            f.severity(),
            f.ack_code().segment(),
            f.ack_code().code(),
            f.offset
        )?;
    }
    Ok(())
}

fn seg_line(seg: &Segment<'_>) -> String {
    String::from_utf8_lossy(seg.raw()).into_owned()
}

fn delim(b: Option<u8>) -> String {
    match b {
        None => "none".into(),
        Some(b'\n') => "\\n".into(),
        Some(b'\r') => "\\r".into(),
        Some(b) if b.is_ascii_graphic() => format!("'{}'", b as char),
        Some(b) => format!("0x{b:02X}"),
    }
}

fn inspect_interchange(ich: &Interchange<'_>, out: &mut impl Write) -> io::Result<()> {
    let d = ich.delimiters();
    writeln!(
        out,
        "interchange {} ISA13 {} version {}: element {} component {} repetition {} segment {}",
        ich.position() + 1,
        String::from_utf8_lossy(ich.control_number()),
        String::from_utf8_lossy(ich.version()),
        delim(Some(d.element())),
        delim(Some(d.component())),
        delim(d.repetition()),
        delim(Some(d.segment())),
    )?;
    let (groups, others) = split_interchange(ich);
    if let Some(isa) = ich.isa() {
        writeln!(out, "  {}", seg_line(&isa))?;
    }
    for s in &others {
        writeln!(out, "  {}", seg_line(s))?;
    }
    for (n, g) in groups.iter().enumerate() {
        writeln!(
            out,
            "  group {} GS01 {} GS06 {} GS08 {}",
            n + 1,
            String::from_utf8_lossy(g.functional_id()),
            String::from_utf8_lossy(g.control_number()),
            String::from_utf8_lossy(g.version()),
        )?;
        if let Some(gs) = g.gs() {
            writeln!(out, "    {}", seg_line(&gs))?;
        }
        for set in g.transaction_sets() {
            inspect_set(&set, out)?;
        }
        for s in group_others(g) {
            writeln!(out, "    {}", seg_line(&s))?;
        }
        if let Some(ge) = g.ge() {
            writeln!(out, "    {}", seg_line(&ge))?;
        }
    }
    if let Some(iea) = ich.iea() {
        writeln!(out, "  {}", seg_line(&iea))?;
    }
    Ok(())
}

fn inspect_set(set: &TransactionSet<'_>, out: &mut impl Write) -> io::Result<()> {
    let tree = set.loops();
    writeln!(
        out,
        "    transaction set {} ST02 {} ({}, {} segments)",
        String::from_utf8_lossy(set.id()),
        String::from_utf8_lossy(set.control_number()),
        tree.as_ref()
            .map_or("no loop table".into(), |_| String::from_utf8_lossy(
                set.implementation_reference()
                    .unwrap_or_else(|| set.group_version())
            )
            .into_owned()),
        set.segment_count()
    )?;
    let segs: Vec<Segment<'_>> = set.segments().collect();
    for run in loop_runs(&segs, tree.as_ref()) {
        let depth = run.path.len();
        let indent = "  ".repeat(3 + depth);
        writeln!(out, "{indent}[{}]", run.id)?;
        for s in &segs[run.first..run.end] {
            writeln!(out, "{indent}  {}", seg_line(s))?;
        }
    }
    if let Some(tree) = &tree {
        for f in tree.findings() {
            writeln!(
                out,
                "      loop finding: {} (IK304 {}) at segment {} (byte {})",
                f.kind,
                f.kind.ik3_code(),
                f.position,
                f.offset
            )?;
        }
    }
    Ok(())
}

/// The groups of an interchange, and its segments outside every group (ISA/IEA
/// excepted).
fn split_interchange<'d>(ich: &Interchange<'d>) -> (Vec<FunctionalGroup<'d>>, Vec<Segment<'d>>) {
    let groups: Vec<FunctionalGroup<'d>> = ich.groups().collect();
    // Each group's span, computed once: walking every group per segment is quadratic.
    let spans: Vec<(usize, usize)> = groups
        .iter()
        .filter_map(|g| {
            let first = g.segments().next()?.position();
            let last = g.segments().last()?.position();
            Some((first, last))
        })
        .collect();
    let inside = |p: usize| spans.iter().any(|&(a, b)| a <= p && p <= b);
    let isa = ich.isa().map(|s| s.position());
    let iea = ich.iea().map(|s| s.position());
    let others = ich
        .segments()
        .filter(|s| Some(s.position()) != isa && Some(s.position()) != iea)
        .filter(|s| !inside(s.position()))
        .collect();
    (groups, others)
}

/// Segments of a group outside every set (GS/GE excepted).
fn group_others<'d>(g: &FunctionalGroup<'d>) -> Vec<Segment<'d>> {
    let sets: Vec<(usize, usize)> = g
        .transaction_sets()
        .filter_map(|t| {
            let st = t.st()?.position();
            Some((st, st + t.segment_count()))
        })
        .collect();
    let gs = g.gs().map(|s| s.position());
    let ge = g.ge().map(|s| s.position());
    g.segments()
        .filter(|s| Some(s.position()) != gs && Some(s.position()) != ge)
        .filter(|s| {
            !sets
                .iter()
                .any(|&(a, b)| a <= s.position() && s.position() < b)
        })
        .collect()
}

/// A run of consecutive segments of a set in one loop instance.
struct Run {
    id: &'static str,
    path: Vec<&'static str>,
    first: usize,
    end: usize,
}

/// The set's segments split into loop runs, in document order.
fn loop_runs(segs: &[Segment<'_>], tree: Option<&LoopTree>) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut last_node: Option<usize> = None;
    for (i, seg) in segs.iter().enumerate() {
        let trailer = tree.is_none() && seg.id() == b"SE" && i + 1 == segs.len();
        let node = match tree {
            Some(t) => t.node_of(i),
            None => Some(usize::from(trailer)),
        };
        match runs.last_mut() {
            Some(run) if node == last_node => run.end = i + 1,
            // The id and path are only needed when a run starts, not per segment.
            _ => {
                let (id, path) = match tree {
                    Some(t) => {
                        let id = t.loop_of(i);
                        let path = match id {
                            "header" | "trailer" => vec![id],
                            _ => t.path_of(i),
                        };
                        (id, path)
                    }
                    None => {
                        let id = if trailer { "trailer" } else { "header" };
                        (id, vec![id])
                    }
                };
                runs.push(Run {
                    id,
                    path,
                    first: i,
                    end: i + 1,
                });
            }
        }
        last_node = node;
    }
    runs
}

/// `x12 json`: interchanges → groups → transaction sets → loops → segments.
pub fn json(file: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let input = crate::read_input(&file.to_path_buf())?;
    let doc = parse(&input)?;
    let mut w = Json { out, depth: 0 };
    w.raw("{")?;
    w.key("interchanges", true)?;
    w.raw("[")?;
    for (n, ich) in doc.interchanges().enumerate() {
        w.item(n == 0)?;
        json_interchange(&mut w, &ich)?;
    }
    w.close("]")?;
    w.key("findings", false)?;
    w.raw("[")?;
    for (n, f) in doc.findings().iter().enumerate() {
        w.item(n == 0)?;
        w.raw(&format!(
            "{{\"kind\": {}, \"offset\": {}, \"interchange\": {}, \"ack_segment\": {}, \"code\": {}, \"severity\": {}}}",
            s(&format!("{:?}", f.kind)),
            f.offset,
            f.interchange,
            s(f.ack_code().segment()),
            s(f.ack_code().code()),
            s(&format!("{:?}", f.severity()).to_lowercase()),
        ))?;
    }
    w.close("]")?;
    w.close("}")?;
    w.raw("\n")?;
    Ok(())
}

/// A JSON string literal.
fn s(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

fn bytes(raw: &[u8]) -> String {
    s(&String::from_utf8_lossy(raw))
}

/// A small pretty-printing JSON writer: containers of segments and loops are written
/// as they are walked, so memory stays proportional to one set's loop tree.
struct Json<'w, W: Write> {
    out: &'w mut W,
    depth: usize,
}

impl<W: Write> Json<'_, W> {
    fn raw(&mut self, text: &str) -> io::Result<()> {
        if text == "{" || text == "[" {
            self.depth += 1;
        }
        self.out.write_all(text.as_bytes())
    }

    fn newline(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n")?;
        for _ in 0..self.depth {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }

    fn close(&mut self, bracket: &str) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        self.newline()?;
        self.out.write_all(bracket.as_bytes())
    }

    fn item(&mut self, first: bool) -> io::Result<()> {
        if !first {
            self.out.write_all(b",")?;
        }
        self.newline()
    }

    fn key(&mut self, key: &str, first: bool) -> io::Result<()> {
        self.item(first)?;
        write!(self.out, "{}: ", s(key))
    }

    fn field(&mut self, key: &str, value: &str, first: bool) -> io::Result<()> {
        self.key(key, first)?;
        self.out.write_all(value.as_bytes())
    }

    fn segment(&mut self, seg: &Segment<'_>, loop_id: &str) -> io::Result<()> {
        let mut text = format!(
            "{{\"id\": {}, \"loop\": {}, \"elements\": [",
            s(seg.id_str()),
            s(loop_id)
        );
        for (n, e) in seg.elements().enumerate() {
            if n > 0 {
                text.push_str(", ");
            }
            text.push_str(&element(&e));
        }
        text.push_str("]}");
        self.out.write_all(text.as_bytes())
    }

    fn segment_field(
        &mut self,
        key: &str,
        seg: Option<Segment<'_>>,
        loop_id: &str,
    ) -> io::Result<()> {
        self.key(key, false)?;
        match seg {
            Some(seg) => self.segment(&seg, loop_id),
            None => self.raw("null"),
        }
    }

    fn segment_list(&mut self, key: &str, segs: &[Segment<'_>], loop_id: &str) -> io::Result<()> {
        self.key(key, false)?;
        self.raw("[")?;
        if segs.is_empty() {
            self.depth -= 1;
            return self.raw("]");
        }
        for (n, seg) in segs.iter().enumerate() {
            self.item(n == 0)?;
            self.segment(seg, loop_id)?;
        }
        self.close("]")
    }
}

/// One element: a string, a component array, or `{"repetitions": [...]}`.
fn element(e: &Element<'_>) -> String {
    let rep_value = |comps: Vec<String>| -> String {
        if comps.len() == 1 {
            comps.into_iter().next().unwrap_or_default()
        } else {
            format!("[{}]", comps.join(", "))
        }
    };
    let reps: Vec<String> = e
        .repetitions()
        .map(|r| rep_value(r.components().map(|c| bytes(c.raw())).collect()))
        .collect();
    if reps.len() == 1 {
        reps.into_iter().next().unwrap_or_default()
    } else {
        format!("{{\"repetitions\": [{}]}}", reps.join(", "))
    }
}

fn json_interchange<W: Write>(w: &mut Json<'_, W>, ich: &Interchange<'_>) -> io::Result<()> {
    let d = ich.delimiters();
    let ch = |b: u8| bytes(&[b]);
    w.raw("{")?;
    w.field("control_number", &bytes(ich.control_number()), true)?;
    w.field("version", &bytes(ich.version()), false)?;
    w.field(
        "delimiters",
        &format!(
            "{{\"element\": {}, \"component\": {}, \"repetition\": {}, \"segment\": {}}}",
            ch(d.element()),
            ch(d.component()),
            d.repetition().map_or("null".into(), ch),
            ch(d.segment())
        ),
        false,
    )?;
    w.segment_field("isa", ich.isa(), "header")?;
    let (groups, others) = split_interchange(ich);
    w.segment_list("segments", &others, "header")?;
    w.key("groups", false)?;
    w.raw("[")?;
    for (n, g) in groups.iter().enumerate() {
        w.item(n == 0)?;
        w.raw("{")?;
        w.field("functional_id", &bytes(g.functional_id()), true)?;
        w.field("control_number", &bytes(g.control_number()), false)?;
        w.field("version", &bytes(g.version()), false)?;
        w.segment_field("gs", g.gs(), "header")?;
        w.segment_list("segments", &group_others(g), "header")?;
        w.key("transaction_sets", false)?;
        w.raw("[")?;
        for (k, set) in g.transaction_sets().enumerate() {
            w.item(k == 0)?;
            json_set(w, &set)?;
        }
        if g.transaction_set_count() == 0 {
            w.depth -= 1;
            w.raw("]")?;
        } else {
            w.close("]")?;
        }
        w.segment_field("ge", g.ge(), "trailer")?;
        w.close("}")?;
    }
    if groups.is_empty() {
        w.depth -= 1;
        w.raw("]")?;
    } else {
        w.close("]")?;
    }
    w.segment_field("iea", ich.iea(), "trailer")?;
    w.close("}")
}

fn json_set<W: Write>(w: &mut Json<'_, W>, set: &TransactionSet<'_>) -> io::Result<()> {
    let tree = set.loops();
    w.raw("{")?;
    w.field("id", &bytes(set.id()), true)?;
    w.field("control_number", &bytes(set.control_number()), false)?;
    w.field(
        "implementation_reference",
        &set.implementation_reference().map_or("null".into(), bytes),
        false,
    )?;
    let guide = tree.as_ref().map(|_| {
        set.implementation_reference()
            .unwrap_or_else(|| set.group_version())
    });
    w.field("guide", &guide.map_or("null".into(), bytes), false)?;
    let segs: Vec<Segment<'_>> = set.segments().collect();
    w.key("loops", false)?;
    w.raw("[")?;
    let runs = loop_runs(&segs, tree.as_ref());
    for (n, run) in runs.iter().enumerate() {
        w.item(n == 0)?;
        w.raw("{")?;
        w.field("id", &s(run.id), true)?;
        let path: Vec<String> = run.path.iter().map(|p| s(p)).collect();
        w.field("path", &format!("[{}]", path.join(", ")), false)?;
        w.segment_list("segments", &segs[run.first..run.end], run.id)?;
        w.close("}")?;
    }
    if runs.is_empty() {
        w.depth -= 1;
        w.raw("]")?;
    } else {
        w.close("]")?;
    }
    w.key("loop_findings", false)?;
    let findings: Vec<String> = tree
        .as_ref()
        .map(|t| {
            t.findings()
                .iter()
                .map(|f| {
                    format!(
                        "{{\"kind\": {}, \"ik304\": {}, \"position\": {}, \"offset\": {}}}",
                        s(&format!("{:?}", f.kind)),
                        s(f.kind.ik3_code()),
                        f.position,
                        f.offset
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    w.out
        .write_all(format!("[{}]", findings.join(", ")).as_bytes())?;
    w.close("}")
}
