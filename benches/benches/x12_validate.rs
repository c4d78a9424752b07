//! X12 validation + 999 benchmarks: parse, validate (SNIP 1–3: envelopes, loops, guide
//! tables, balancing) and write the 999 acknowledgment interchange, on generated inputs
//! of at least 10 MB (`carewire_x12::gen`). Groups, all `Throughput::Bytes`:
//!
//! - `x12_validate/837p_10mb`: a clean 837P (25,000 claims); every iteration asserts no
//!   issue and a 999 accepting every transaction set (`AK9*A*n*n*n`).
//! - `x12_validate/835_10mb`: a clean 835 (balanced: BPR02 = Σ CLP04, CLP and SVC
//!   adjustments); same assertions.
//! - `x12_validate/837p_10mb_every_claim_invalid`: the same 837P with CLM05-2 `X` in every
//!   claim: one IK4 per claim, every set rejected (`AK9*R`).
//!
//! No peer: x12-types (the X12 peer of the parse benches) does not validate or
//! acknowledge.
mod common;
use common::run;

use carewire_x12::{
    gen, validate, write_999, AckOptions, Document, SequentialControlNumbers, Severity,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

/// Parse, validate and acknowledge: (error count, 999 bytes).
fn validate_and_ack(input: &[u8]) -> (usize, Vec<u8>) {
    let doc = Document::parse(input).expect("generated input parses");
    let report = validate(&doc);
    let errors = report
        .issues()
        .iter()
        .filter(|i| i.severity() == Severity::Error)
        .count();
    let ack = write_999(
        &doc,
        &report,
        &AckOptions::new("240102", "0800"),
        &mut SequentialControlNumbers::default(),
    )
    .expect("999 written");
    (errors, ack)
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// The smallest generated input of at least 10 MB.
fn at_least_10mb(make: fn(usize, u64) -> Vec<u8>, per_claim: usize) -> (Vec<u8>, usize) {
    let mut claims = 10_000_000 / per_claim;
    loop {
        let input = make(claims, 11);
        if input.len() >= 10_000_000 {
            return (input, claims);
        }
        claims += claims / 10 + 1;
    }
}

fn bench(c: &mut Criterion) {
    let (p837, p_claims) = at_least_10mb(gen::professional_837, 450);
    let (r835, _) = at_least_10mb(gen::remittance_835, 450);
    let invalid = String::from_utf8(p837.clone())
        .expect("generated input is UTF-8")
        .replace("*11:B:1*", "*11:X:1*")
        .into_bytes();
    let sets = |input: &[u8]| count(input, b"\nST*");

    let mut g = c.benchmark_group("x12_validate");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    for (name, input) in [("837p_10mb", &p837), ("835_10mb", &r835)] {
        let n = sets(input);
        let ak9 = format!("\nAK9*A*{n}*{n}*{n}~");
        let (errors, ack) = validate_and_ack(input);
        assert_eq!(errors, 0, "{name}");
        assert_eq!(count(&ack, b"\nIK5*A~"), n, "{name}");
        assert_eq!(count(&ack, ak9.as_bytes()), 1, "{name}");
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(name, |b| {
            run(b, || {
                let (errors, ack) = validate_and_ack(input);
                assert_eq!(errors, 0);
                assert_eq!(count(&ack[ack.len() - 64..], ak9.as_bytes()), 1);
                ack.len()
            })
        });
    }
    let n = sets(&invalid);
    let ak9 = format!("\nAK9*R*{n}*{n}*0~");
    let (errors, ack) = validate_and_ack(&invalid);
    assert_eq!(errors, p_claims);
    assert_eq!(count(&ack, b"\nIK4*5:2*1332*7*X~"), p_claims);
    assert_eq!(count(&ack, ak9.as_bytes()), 1);
    let ack_len = ack.len();
    g.throughput(Throughput::Bytes(invalid.len() as u64));
    g.bench_function("837p_10mb_every_claim_invalid", |b| {
        run(b, || {
            let (errors, ack) = validate_and_ack(&invalid);
            assert_eq!(errors, p_claims);
            assert_eq!(ack.len(), ack_len);
            ack.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
