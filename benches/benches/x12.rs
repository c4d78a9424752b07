//! X12 benchmarks: carewire-x12 beside x12-types 0.12.0 (v005010 `_837`/`_835`, serde +
//! nom), on generated 837P and 835 interchanges of at least 10 MB
//! (`carewire_x12::gen`, one interchange, one group, transaction sets of 5,000 claims).
//!
//! Groups, all with `Throughput::Bytes`:
//! - `x12/index/<input>`: envelope + segment index — every segment's span found by the
//!   sans-IO `Scanner` (terminator search, delimiters re-read at every ISA) into a
//!   reused span vector, envelope segments (ISA/GS/ST/SE/GE/IEA) counted;
//! - `x12/tokenize/<input>`: full tokenize — `Parser::parse_into` with a reused `Index`
//!   (every element start, envelope tree and envelope checks);
//! - `x12/model/<input>`: tokenize + typed model of every transaction set
//!   (`HealthCareClaim::from_set` / `Remittance::from_set`), beside x12-types parsing the
//!   same text into its `Transmission<_837>` / `Transmission<_835>`.
//!
//! Every iteration asserts its result: segment and envelope counts, claim counts and the
//! exact sum of the claim charges (CLM02 / CLP03) read from each model.
mod common;
use common::run;

use carewire_x12::{
    gen, Decimal, HealthCareClaim, Index, ParseConfig, Parser, Remittance, Scanner, Status,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use x12_types::util::Parser as _;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    P837,
    R835,
}

struct Input {
    name: &'static str,
    kind: Kind,
    bytes: Vec<u8>,
    /// Expected: segments, envelope segments, claims, Σ charges.
    segments: usize,
    envelope: usize,
    claims: usize,
    charges: Decimal,
}

fn input(name: &'static str, kind: Kind) -> Input {
    let bytes = match kind {
        Kind::P837 => gen::professional_837(25_000, 42),
        Kind::R835 => gen::remittance_835(40_000, 42),
    };
    assert!(bytes.len() >= 10_000_000, "{name}: {} bytes", bytes.len());
    // Expected values from an independent naive split (not the code under test).
    let text = std::str::from_utf8(&bytes).expect("generated data is UTF-8");
    let segs: Vec<&str> = text
        .split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let envelope = segs
        .iter()
        .filter(|s| {
            let id = s.split('*').next().unwrap_or("");
            matches!(id, "ISA" | "GS" | "ST" | "SE" | "GE" | "IEA")
        })
        .count();
    let (claim_id, charge_el) = match kind {
        Kind::P837 => ("CLM", 2),
        Kind::R835 => ("CLP", 3),
    };
    let mut claims = 0;
    let mut charges = Decimal::ZERO;
    for s in &segs {
        let els: Vec<&str> = s.split('*').collect();
        if els[0] == claim_id {
            claims += 1;
            let v: Decimal = els[charge_el].parse().expect("charge");
            charges = charges.checked_add(v).expect("no overflow");
        }
    }
    Input {
        name,
        kind,
        segments: segs.len(),
        envelope,
        claims,
        charges,
        bytes,
    }
}

/// Envelope + segment index: spans of every segment, envelope segments counted.
fn index(data: &[u8], spans: &mut Vec<(u32, u32)>) -> (usize, usize) {
    spans.clear();
    let mut sc = Scanner::new(ParseConfig::default());
    let (mut pos, mut envelope) = (0usize, 0usize);
    while let Ok(Status::Complete(span)) = sc.next(&data[pos..], true) {
        let start = pos + span.prefix;
        let id = &data[start..start + span.content_len.min(3)];
        if matches!(id, b"ISA" | b"GS*" | b"ST*" | b"SE*" | b"GE*" | b"IEA") {
            envelope += 1;
        }
        spans.push((start as u32, span.content_len as u32));
        pos += span.len;
    }
    (spans.len(), envelope)
}

fn carewire_model(parser: &Parser, idx: &mut Index, inp: &Input) -> (usize, Decimal) {
    let doc = parser.parse_into(&inp.bytes, idx).expect("parses");
    let mut claims = 0;
    let mut charges = Decimal::ZERO;
    for ich in doc.interchanges() {
        for g in ich.groups() {
            for set in g.transaction_sets() {
                match inp.kind {
                    Kind::P837 => {
                        let m = HealthCareClaim::from_set(&set).expect("837");
                        for c in m.claims() {
                            claims += 1;
                            charges = charges.checked_add(c.charge.expect("CLM02")).expect("sum");
                        }
                    }
                    Kind::R835 => {
                        let m = Remittance::from_set(&set).expect("835");
                        for c in &m.claims {
                            claims += 1;
                            charges = charges.checked_add(c.charge.expect("CLP03")).expect("sum");
                        }
                    }
                }
            }
        }
    }
    (claims, charges)
}

fn peer_model(inp: &Input) -> (usize, Decimal) {
    use x12_types::v005010::{Transmission, _835, _837};
    let text = std::str::from_utf8(&inp.bytes).expect("UTF-8");
    let mut claims = 0;
    let mut charges = Decimal::ZERO;
    match inp.kind {
        Kind::P837 => {
            let (rest, t) = Transmission::<_837>::parse(text).expect("x12-types parses");
            assert!(rest.is_empty());
            for set in t.functional_group.iter().flat_map(|g| &g.segments) {
                for hl in &set.loop_2000 {
                    for c in &hl.loop_2300 {
                        claims += 1;
                        let v: Decimal = c.clm._02.as_deref().unwrap_or("").parse().expect("CLM02");
                        charges = charges.checked_add(v).expect("sum");
                    }
                }
            }
        }
        Kind::R835 => {
            let (rest, t) = Transmission::<_835>::parse(text).expect("x12-types parses");
            assert!(rest.is_empty());
            for set in t.functional_group.iter().flat_map(|g| &g.segments) {
                for lx in &set.loop_2000 {
                    for c in &lx.loop_2100 {
                        claims += 1;
                        let v: Decimal = c.clp._03.parse().expect("CLP03");
                        charges = charges.checked_add(v).expect("sum");
                    }
                }
            }
        }
    }
    (claims, charges)
}

fn benches(c: &mut Criterion) {
    let inputs = [input("837p", Kind::P837), input("835", Kind::R835)];
    for inp in &inputs {
        let mut g = c.benchmark_group(format!("x12/index/{}", inp.name));
        g.throughput(Throughput::Bytes(inp.bytes.len() as u64));
        let mut spans = Vec::new();
        g.bench_function("carewire", |b| {
            run(b, || {
                let got = index(&inp.bytes, &mut spans);
                assert_eq!(got, (inp.segments, inp.envelope));
                got
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("x12/tokenize/{}", inp.name));
        g.throughput(Throughput::Bytes(inp.bytes.len() as u64));
        let parser = Parser::new(ParseConfig::default());
        let mut idx = Index::new();
        g.bench_function("carewire", |b| {
            run(b, || {
                let doc = parser.parse_into(&inp.bytes, &mut idx).expect("parses");
                assert_eq!(doc.segment_count(), inp.segments);
                assert!(doc.findings().is_empty());
                doc.index().segment_count()
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("x12/model/{}", inp.name));
        g.throughput(Throughput::Bytes(inp.bytes.len() as u64));
        g.sample_size(10);
        g.bench_function("carewire", |b| {
            run(b, || {
                let got = carewire_model(&parser, &mut idx, inp);
                assert_eq!(got, (inp.claims, inp.charges));
                got
            })
        });
        g.bench_function("x12-types", |b| {
            run(b, || {
                let got = peer_model(inp);
                assert_eq!(got, (inp.claims, inp.charges));
                got
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = x12;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(x12);
