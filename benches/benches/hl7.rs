//! HL7 benchmarks: carewire-hl7 beside hl7-parser 0.3.0 and rust-hl7 0.5.0, same inputs,
//! same work, one run. Groups: `hl7/parse/<input>`, `hl7/parse_read40/<input>`,
//! `hl7/decode_all/<input>`, `hl7/write/<input>`, all with `Throughput::Bytes`.
//! Every iteration asserts its result so a parser that does less work cannot look fast.
//!
//! rust-hl7's EscapeSequence::decode calls `println!` for every `\X..\` escape: run with
//! stdout redirected (`cargo bench --bench hl7 > /dev/null`) and read the medians from
//! `target/criterion/**/new/estimates.json` (see BENCHMARKS.md).
mod common;
use common::run;

use carewire_benches::*;
use carewire_hl7::{DecodeOptions, Index, Message, MessageBuilder, Parser};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::fmt::Write as _;

struct Input {
    name: &'static str,
    text: &'static str,
    paths: &'static [Path; 40],
    raw: &'static [&'static str; 40],
    /// (bytes, segments, leaves, raw leaf bytes, decoded leaf bytes, leaves with escapes)
    totals: (usize, usize, usize, usize, usize, usize),
    /// rust-hl7 decodes `\.br\` wrongly (repeats the previous char, keeps `\.br`): its total differs.
    rh_decoded_bytes: usize,
    /// hl7-parser's MessageBuilder re-escapes the already-escaped raw values (`\T\` -> `\E\T\E\`)
    /// and drops the final CR, so its output is not the input: we assert its known length.
    hp_write_len: usize,
}

const INPUTS: [Input; 3] = [
    Input {
        name: "adt_a01",
        text: include_str!("../data/adt_a01.hl7"),
        paths: &ADT_PATHS,
        raw: &ADT_A01_RAW,
        totals: ADT_A01_TOTALS,
        rh_decoded_bytes: 1584,
        hp_write_len: 2072,
    },
    Input {
        name: "oru_r01",
        text: include_str!("../data/oru_r01.hl7"),
        paths: &ORU_PATHS,
        raw: &ORU_R01_RAW,
        totals: ORU_R01_TOTALS,
        rh_decoded_bytes: 2815,
        hp_write_len: 3972,
    },
    Input {
        name: "oru_large",
        text: include_str!("../data/oru_large.hl7"),
        paths: &ORU_PATHS,
        raw: &ORU_LARGE_RAW,
        totals: ORU_LARGE_TOTALS,
        rh_decoded_bytes: 9505,
        hp_write_len: 12368,
    },
];

// ---------------------------------------------------------------- hl7-parser helpers

/// (b) hl7-parser, typed accessors (no query-string parsing).
fn hp_get<'m>(m: &'m hl7_parser::Message<'m>, p: &Path) -> Option<&'m str> {
    let f = m.segment_n(p.seg, p.n)?.field(p.field)?;
    match p.comp {
        None => Some(f.raw_value()),
        Some(c) => {
            let comp = f.repeat(p.rep.unwrap_or(1))?.component(c)?;
            match p.sub {
                None => Some(comp.raw_value()),
                Some(s) => Some(comp.subcomponent(s)?.raw_value()),
            }
        }
    }
}

/// (c) hl7-parser: decode every leaf (subcomponent) except MSH-1/MSH-2 into a reused buffer.
fn hp_decode_all(m: &hl7_parser::Message<'_>) -> (usize, usize) {
    let seps = &m.separators;
    let (mut leaves, mut bytes, mut buf) = (0usize, 0usize, String::with_capacity(2048));
    for seg in m.segments() {
        let skip = if seg.name == "MSH" { 2 } else { 0 }; // MSH fields[0]="|", [1]="^~\&"
        for field in seg.fields().skip(skip) {
            for rep in field.repeats() {
                for comp in rep.components() {
                    for sub in comp.subcomponents() {
                        buf.clear();
                        write!(buf, "{}", sub.display(seps)).expect("fmt");
                        leaves += 1;
                        bytes += buf.len();
                    }
                }
            }
        }
    }
    (leaves, bytes)
}

// ---------------------------------------------------------------- rust-hl7 helpers

/// rust-hl7 counts MSH-2 as MSH field 1 (fields[0] is the segment name).
fn rh_field(p: &Path) -> usize {
    if p.seg == "MSH" {
        p.field - 1
    } else {
        p.field
    }
}

/// (b) rust-hl7, numeric indexing (0-based tuples on Field).
fn rh_get_index<'a>(m: &rusthl7::message::Message<'a>, p: &Path) -> &'a str {
    let seg = m
        .segments
        .iter()
        .filter(|s| s.fields[0].source == p.seg)
        .nth(p.n - 1)
        .expect("segment");
    let f = rh_field(p);
    let r = p.rep.unwrap_or(1) - 1;
    match (p.comp, p.sub) {
        (None, _) => seg[f],
        (Some(c), None) => seg.fields[f][(r, c - 1)],
        (Some(c), Some(s)) => seg.fields[f][(r, c - 1, s - 1)],
    }
}

/// (b) rust-hl7, string queries: `Message::query("PID.F3.R2.C1")` finds only the first
/// segment of a name, so later occurrences go through `segments_by_name(..)[n-1].query("F5")`;
/// subcomponents have no string form without the `string_index` feature (tuple index instead).
fn rh_get_query<'a>(m: &rusthl7::message::Message<'a>, p: &Path, full: &str) -> &'a str {
    if let (Some(c), Some(s)) = (p.comp, p.sub) {
        let seg = m.segments_by_name(p.seg).expect("segments")[p.n - 1];
        return seg.fields[rh_field(p)][(p.rep.unwrap_or(1) - 1, c - 1, s - 1)];
    }
    if p.n == 1 {
        m.query(full)
    } else {
        m.segments_by_name(p.seg).expect("segments")[p.n - 1].query(p.rh_query)
    }
}

/// (c) rust-hl7: decode every leaf except the segment name and MSH-2.
fn rh_decode_all(
    m: &rusthl7::message::Message<'_>,
    dec: &rusthl7::escape_sequence::EscapeSequence,
) -> (usize, usize) {
    let (mut leaves, mut bytes) = (0usize, 0usize);
    for seg in &m.segments {
        let skip = if seg.fields[0].source == "MSH" { 2 } else { 1 };
        for field in seg.fields.iter().skip(skip) {
            for rep in &field.subcomponents {
                for comp in rep {
                    for sub in comp {
                        let d = dec.decode(*sub); // Cow: borrowed when no escape
                        leaves += 1;
                        bytes += d.len();
                    }
                }
            }
        }
    }
    (leaves, bytes)
}

// ---------------------------------------------------------------- carewire helpers

/// (c) carewire: decode every leaf (subcomponent) except MSH-1/MSH-2, formatting escapes
/// rendered (`\.br\` as a line break, like the peers), counting leaves and decoded bytes.
fn cw_decode_all(m: &Message<'_>, opts: &DecodeOptions) -> (usize, usize) {
    let (mut leaves, mut bytes) = (0usize, 0usize);
    for seg in m.segments() {
        let skip = if seg.id() == b"MSH" { 2 } else { 0 };
        for field in seg.fields().skip(skip) {
            for rep in field.repetitions() {
                for comp in rep.components() {
                    for sub in comp.subcomponents() {
                        leaves += 1;
                        bytes += sub.decoded_with(opts).len();
                    }
                }
            }
        }
    }
    (leaves, bytes)
}

// ---------------------------------------------------------------- benches

fn parse(c: &mut Criterion) {
    for inp in &INPUTS {
        let mut g = c.benchmark_group(format!("hl7/parse/{}", inp.name));
        g.throughput(Throughput::Bytes(inp.text.len() as u64));
        let segs = inp.totals.1;
        let parser = Parser::default();
        let mut index = Index::new();
        g.bench_function("carewire/reuse-index", |b| {
            run(b, || {
                let m = parser
                    .parse_into(black_box(inp.text.as_bytes()), &mut index)
                    .expect("parse");
                assert_eq!(m.segment_count(), segs);
            })
        });
        g.bench_function("carewire/fresh", |b| {
            run(b, || {
                let m = Message::parse(black_box(inp.text.as_bytes())).expect("parse");
                assert_eq!(m.segment_count(), segs);
                m
            })
        });
        g.bench_function("hl7-parser", |b| {
            run(b, || {
                let m = hl7_parser::Message::parse(black_box(inp.text)).expect("parse");
                assert_eq!(m.segments.len(), segs);
                m
            })
        });
        g.bench_function("rust-hl7", |b| {
            run(b, || {
                let m = rusthl7::message::Message::try_from(black_box(inp.text)).expect("parse");
                // the final CR yields one extra, empty segment
                assert_eq!(m.segments.len(), segs + 1);
                m
            })
        });
        g.finish();
    }
}

fn parse_read40(c: &mut Criterion) {
    for inp in &INPUTS {
        let mut g = c.benchmark_group(format!("hl7/parse_read40/{}", inp.name));
        g.throughput(Throughput::Bytes(inp.text.len() as u64));
        let parser = Parser::default();
        let mut index = Index::new();
        let compiled: Vec<carewire_hl7::Path> = inp
            .paths
            .iter()
            .map(|p| p.hl7.parse().expect("path"))
            .collect();
        g.bench_function("carewire/compiled-paths", |b| {
            run(b, || {
                let m = parser
                    .parse_into(black_box(inp.text.as_bytes()), &mut index)
                    .expect("parse");
                for (p, want) in compiled.iter().zip(inp.raw.iter()) {
                    let got = m.get(p).expect("present").raw();
                    assert_eq!(got, want.as_bytes(), "{p}");
                }
            })
        });
        g.bench_function("carewire/path-strings", |b| {
            run(b, || {
                let m = Message::parse(black_box(inp.text.as_bytes())).expect("parse");
                for (p, want) in inp.paths.iter().zip(inp.raw.iter()) {
                    let path = carewire_hl7::Path::parse(p.hl7).expect("path");
                    assert_eq!(m.get(&path).expect("present").raw(), want.as_bytes());
                }
            })
        });
        g.bench_function("hl7-parser/query", |b| {
            run(b, || {
                let m = hl7_parser::Message::parse(black_box(inp.text)).expect("parse");
                for (p, want) in inp.paths.iter().zip(inp.raw.iter()) {
                    let got = m.query(p.hp_query).expect("query").raw_value();
                    assert_eq!(got, *want, "{}", p.hl7);
                }
            })
        });
        g.bench_function("hl7-parser/accessors", |b| {
            run(b, || {
                let m = hl7_parser::Message::parse(black_box(inp.text)).expect("parse");
                for (p, want) in inp.paths.iter().zip(inp.raw.iter()) {
                    assert_eq!(hp_get(&m, p), Some(*want), "{}", p.hl7);
                }
            })
        });
        let full: Vec<String> = inp
            .paths
            .iter()
            .map(|p| format!("{}.{}", p.seg, p.rh_query))
            .collect();
        g.bench_function("rust-hl7/query", |b| {
            run(b, || {
                let m = rusthl7::message::Message::try_from(black_box(inp.text)).expect("parse");
                for ((p, want), q) in inp.paths.iter().zip(inp.raw.iter()).zip(full.iter()) {
                    assert_eq!(rh_get_query(&m, p, q), *want, "{}", p.hl7);
                }
            })
        });
        g.bench_function("rust-hl7/index", |b| {
            run(b, || {
                let m = rusthl7::message::Message::try_from(black_box(inp.text)).expect("parse");
                for (p, want) in inp.paths.iter().zip(inp.raw.iter()) {
                    assert_eq!(rh_get_index(&m, p), *want, "{}", p.hl7);
                }
            })
        });
        g.finish();
    }
}

fn decode_all(c: &mut Criterion) {
    for inp in &INPUTS {
        let mut g = c.benchmark_group(format!("hl7/decode_all/{}", inp.name));
        g.throughput(Throughput::Bytes(inp.text.len() as u64));
        let (leaves, dec_bytes) = (inp.totals.2, inp.totals.4);
        let parser = Parser::default();
        let mut index = Index::new();
        let opts = DecodeOptions::render();
        g.bench_function("carewire", |b| {
            run(b, || {
                let m = parser
                    .parse_into(black_box(inp.text.as_bytes()), &mut index)
                    .expect("parse");
                assert_eq!(cw_decode_all(&m, &opts), (leaves, dec_bytes));
            })
        });
        g.bench_function("hl7-parser", |b| {
            run(b, || {
                let m = hl7_parser::Message::parse(black_box(inp.text)).expect("parse");
                assert_eq!(hp_decode_all(&m), (leaves, dec_bytes));
            })
        });
        // The decoder compiles a Regex; rust-hl7 documents caching it per separator set.
        let dec = rusthl7::escape_sequence::EscapeSequence::new(
            rusthl7::separators::Separators::default(),
        );
        let rh_bytes = inp.rh_decoded_bytes;
        g.bench_function("rust-hl7", |b| {
            run(b, || {
                let m = rusthl7::message::Message::try_from(black_box(inp.text)).expect("parse");
                assert_eq!(rh_decode_all(&m, &dec), (leaves, rh_bytes));
            })
        });
        g.finish();
    }
}

fn write(c: &mut Criterion) {
    for inp in &INPUTS {
        let mut g = c.benchmark_group(format!("hl7/write/{}", inp.name));
        g.throughput(Throughput::Bytes(inp.text.len() as u64));
        let cw = Message::parse(inp.text.as_bytes()).expect("parse");
        g.bench_function("carewire/builder", |b| {
            run(b, || {
                let out = MessageBuilder::from_message(black_box(&cw)).to_bytes();
                assert_eq!(out, inp.text.as_bytes());
                out
            })
        });
        let old = cw
            .get(&"PID-5.1".parse().expect("path"))
            .expect("PID-5.1")
            .raw()
            .len();
        let edited_len = inp.text.len() - old + b"O\\F\\BRIEN".len();
        g.bench_function("carewire/edit-one-field", |b| {
            run(b, || {
                let mut e = MessageBuilder::from_message(black_box(&cw));
                e.set("PID-5.1", "O|BRIEN").expect("set");
                let out = e.to_bytes();
                assert_eq!(out.len(), edited_len);
                let pat: &[u8] = b"O\\F\\BRIEN";
                assert!(out.windows(pat.len()).any(|w| w == pat));
                out
            })
        });
        let hp = hl7_parser::Message::parse(inp.text).expect("parse");
        let hp_len = inp.hp_write_len;
        let segs = inp.totals.1;
        g.bench_function("hl7-parser", |b| {
            run(b, || {
                let out = hl7_parser::builder::MessageBuilder::from(black_box(&hp)).to_string();
                assert_eq!(out.len(), hp_len);
                assert_eq!(out.matches('\r').count(), segs - 1);
                out
            })
        });
        let rh = rusthl7::message::Message::try_from(inp.text).expect("parse");
        g.bench_function("rust-hl7", |b| {
            run(b, || {
                // Display writes the retained source slice: a copy, not a serializer.
                let out = black_box(&rh).to_string();
                assert_eq!(out, inp.text);
                out
            })
        });
        g.finish();
    }
}

criterion_group!(benches, parse, parse_read40, decode_all, write);
criterion_main!(benches);
