//! Rough index-pass throughput: `cargo run --release -p carewire-dicom-lite --example index_speed [CORPUS_DIR]`.
//! Best of 15 runs, in thread CPU time where available (the machine may be shared).

use std::time::Instant;

use carewire_dicom_lite::{gen, Index, ParseConfig, Parser};

/// Seconds this thread has run on a CPU (Linux `/proc/thread-self/schedstat`), so time
/// spent waiting for a shared CPU is not counted; `None` elsewhere.
fn cpu_time() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn best<F: FnMut()>(mut f: F) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..15 {
        let c = cpu_time();
        let t = Instant::now();
        f();
        let wall = t.elapsed().as_secs_f64();
        let cpu = match (c, cpu_time()) {
            (Some(a), Some(b)) => b - a,
            _ => wall,
        };
        best = best.min(cpu);
    }
    best
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let frames: usize = std::env::var("FRAMES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let data = gen::enhanced_multiframe(frames)?;
    let parser = Parser::new(ParseConfig::default());
    let mut index = Index::new();
    parser.parse_into(&data, &mut index)?;
    let entries = index.len();
    let reps = std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(800_000 / frames.max(1));
    let t = best(|| {
        for _ in 0..reps {
            let ds = parser.parse_into(std::hint::black_box(&data), &mut index);
            std::hint::black_box(ds.is_ok());
        }
    });
    println!(
        "synthetic: {} bytes, {} entries, {:.0} MB/s",
        data.len(),
        entries,
        (data.len() * reps) as f64 / t / 1e6
    );

    if let Some(dir) = std::env::args().nth(1) {
        let mut files = Vec::new();
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "dcm") {
                files.push(std::fs::read(p)?);
            }
        }
        let cfg = ParseConfig::default().stop_before_pixel_data(true);
        let parser = Parser::new(cfg);
        let reps = 2000;
        let t = best(|| {
            for _ in 0..reps {
                for f in &files {
                    let ds = parser.parse_into(std::hint::black_box(f), &mut index);
                    std::hint::black_box(ds.is_ok());
                }
            }
        });
        println!(
            "corpus: {} files, {:.0} files/s",
            files.len(),
            (files.len() * reps) as f64 / t
        );
    }
    Ok(())
}
