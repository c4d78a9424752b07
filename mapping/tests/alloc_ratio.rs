//! Heap bytes allocated per v2 -> FHIR conversion against the size of the Bundle JSON it
//! produces (target, asserted: at most 2x the output), for the same two messages as the
//! `mapping` criterion bench (benches/benches/mapping.rs). Prints the figures with
//! `cargo test -p carewire-mapping --test alloc_ratio -- --nocapture`.
//!
//! This test file needs `unsafe impl GlobalAlloc`; the crate itself forbids unsafe code.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use carewire_mapping::fhir::{MapConfig, TzPolicy};
use carewire_mapping::v2::to_fhir;

/// Counts allocations and requested bytes on the current thread (other test threads
/// don't count). `realloc` counts its new size: the bytes the allocator had to supply.
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

fn bump(size: usize) {
    // `try_with`: the slots may be gone while the thread is being torn down.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
    let _ = BYTES.try_with(|c| c.set(c.get() + size));
}

fn counters() -> (usize, usize) {
    (ALLOCS.with(Cell::get), BYTES.with(Cell::get))
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// the caller's obligations under `GlobalAlloc` pass through intact. The counters are
// `const`-initialised thread-local `Cell`s, which never allocate and never re-enter
// the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const A01: &str = "MSH|^~\\&|ADT|HOSP^1.2.840.1^ISO|EHR|HOSP|20240315083000+0100||ADT^A01^ADT_A01|MSG0001|P|2.5.1\rEVN|A01|20240315082900+0100||ADM^Admission^HL70062|1234^Clerk^Carl^^^^^^HOSP\rPID|1||123456^^^HOSP&1.2.3&ISO^MR~987-65-4320^^^SSA^SS||Doe^Jane^Q^Jr^Dr^^L~Roe^Janie^^^^^M||19800704|F|||1 Main St^Apt 2^Springfield^IL^62701^USA^H||^PRN^PH^^1^217^5551234~^NET^Internet^jane@example.org|^WPN^PH^^^217^5559999^12||M^Married^HL70002||||||||||||||N\rNK1|1|Doe^John|SPO^Spouse^HL70063|1 Main St^^Springfield^IL^62701|^PRN^PH^^^217^5551234\rPV1|1|I|ICU^101^A^HOSP||||9999^Attending^Alice^^^Dr^^^HOSP|8888^Referrer^Rob^^^^^^HOSP||MED||||7|||9999^Attending^Alice^^^Dr^^^HOSP||V100^^^HOSP&1.2.4&ISO^VN|||||||||||||||||||||||||20240315080000+0100\rAL1|1|DA|PCN^Penicillin^HL70000|SV|Hives~Rash|20100101\rDG1|1||I21.9^Acute MI^I10||20240315\r";

fn oru() -> String {
    let mut s = String::from("MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240315083000+0100||ORU^R01^ORU_R01|LAB0001|P|2.5.1\rPID|1||123456^^^HOSP^MR||Doe^Jane||19800704|F\rPV1|1|O|||||||||||||||||V200^^^HOSP^VN\rORC|RE|PL1^EHR|FL1^LAB|||||||||5555^Orderer^Olga^^^^^^HOSP\rOBR|1|PL1^EHR|FL1^LAB|24331-1^Lipid panel^LN|||20240315070000+0100|||||||||5555^Orderer^Olga^^^^^^HOSP||||||20240315081500+0100|||F\r");
    for i in 1..=20 {
        s.push_str(&format!("OBX|{i}|NM|2093-{i}^Analyte {i}^LN||{}.5|mg/dL^mg/dL^UCUM|10-200|H|||F|||20240315073000+0100\r", 100 + i));
    }
    s
}

/// (allocations, heap bytes, output bytes) of one conversion, after a warm-up call.
fn measure(input: &[u8]) -> (usize, usize, usize) {
    let config = MapConfig::with_tz(TzPolicy::Error);
    let warm = to_fhir(input, &config).expect("converts");
    let (a0, b0) = counters();
    let conv = to_fhir(input, &config).expect("converts");
    let (a1, b1) = counters();
    assert_eq!(conv.json, warm.json, "conversion is deterministic");
    (a1 - a0, b1 - b0, conv.json.len())
}

fn check(name: &str, input: &[u8]) {
    let (allocs, heap, out) = measure(input);
    let ratio = heap as f64 / out as f64;
    println!("{name}: output {out} B, heap {heap} B in {allocs} allocations, ratio {ratio:.2}x");
    assert!(
        out > 1000,
        "{name}: output too small to be a Bundle: {out} B"
    );
    // The heap must at least hold the output once.
    assert!(heap >= out, "{name}: heap {heap} B < output {out} B");
    // The target: heap bytes requested during the conversion (parse included) at most
    // twice the Bundle JSON (figures in BENCHMARKS.md).
    assert!(
        ratio <= 2.0,
        "{name}: heap/output ratio {ratio:.2} above 2x"
    );
}

#[test]
fn adt_a01_heap_vs_output() {
    check("ADT^A01", A01.as_bytes());
}

#[test]
fn oru_r01_20obx_heap_vs_output() {
    check("ORU^R01 20 OBX", oru().as_bytes());
}
