//! Scaffolding shared by the benchmark files (`mod common;` in each).

use criterion::{black_box, Bencher};

/// `b.iter(f)`; with `CAREWIRE_BENCH_CLOCK=cpu` the same loop timed by this thread's CPU
/// clock, so other processes on a shared 2-core machine do not inflate the figures.
pub fn run<O, F: FnMut() -> O>(b: &mut Bencher<'_>, mut f: F) {
    if std::env::var("CAREWIRE_BENCH_CLOCK").as_deref() == Ok("cpu") {
        b.iter_custom(|iters| {
            let start = cpu_time::ThreadTime::now();
            for _ in 0..iters {
                black_box(f());
            }
            start.elapsed()
        })
    } else {
        b.iter(f)
    }
}
