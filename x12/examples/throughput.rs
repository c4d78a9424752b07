//! Throughput of the X12 scanners over generated 837P + 835 data (best of 5).
//!
//! `cargo run --release -p carewire-x12 --example throughput [MB]` prints MB/s for the
//! segment index pass (sans-IO `Scanner`), the full tokenize (`Parser::parse_into`,
//! element spans included) and `SegmentReader` over a `BufRead`.
//! `... --example throughput -- write FILE MB` writes a generated file instead;
//! `... --example throughput -- stream FILE` streams a file (for `/usr/bin/time -v`).

use carewire_x12::{gen, Index, ParseConfig, Parser, Scanner, SegmentReader, Status};
use std::time::Instant;

fn best<F: FnMut() -> usize>(label: &str, bytes: usize, mut f: F) {
    let mut best = f64::MAX;
    let mut check = 0;
    for _ in 0..5 {
        let t = Instant::now();
        check = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{label:<28} {:>8.0} MB/s  ({check} segments, {:.1} ms)",
        bytes as f64 / 1e6 / best,
        best * 1e3
    );
}

fn stream<R: std::io::BufRead>(r: R) -> Result<usize, carewire_x12::Error> {
    let mut n = 0;
    for seg in SegmentReader::new(r) {
        seg?;
        n += 1;
    }
    Ok(n)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("write") => {
            let path = args.get(1).ok_or("write FILE MB")?;
            let mb: usize = args.get(2).map_or(Ok(200), |s| s.parse())?;
            let data = gen::mixed(mb << 20, 20_000, 42);
            std::fs::write(path, &data)?;
            println!("wrote {} bytes", data.len());
            return Ok(());
        }
        Some("stream") => {
            let path = args.get(1).ok_or("stream FILE")?;
            let f = std::io::BufReader::new(std::fs::File::open(path)?);
            let t = Instant::now();
            let n = stream(f)?;
            let len = std::fs::metadata(path)?.len();
            println!(
                "{n} segments, {:.0} MB/s",
                len as f64 / 1e6 / t.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        _ => {}
    }
    let mb: usize = args.first().map_or(Ok(64), |s| s.parse())?;
    let data = gen::mixed(mb << 20, 20_000, 42);
    println!("input: {} bytes", data.len());

    best("segment index (Scanner)", data.len(), || {
        let mut sc = Scanner::new(ParseConfig::default());
        let (mut pos, mut n) = (0, 0);
        while let Ok(Status::Complete(span)) = sc.next(&data[pos..], true) {
            pos += span.len;
            n += 1;
        }
        n
    });
    let parser = Parser::new(ParseConfig::default());
    let mut index = Index::new();
    best("full tokenize (parse_into)", data.len(), || {
        parser
            .parse_into(&data, &mut index)
            .map_or(0, |d| d.segment_count())
    });
    best("SegmentReader (BufRead)", data.len(), || {
        stream(std::io::BufReader::new(&data[..])).unwrap_or(0)
    });
    Ok(())
}
