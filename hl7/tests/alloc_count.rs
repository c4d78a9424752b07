//! Allocation counting for the reuse path: `Parser::parse_into` with a reused `Index`,
//! then reading fields, allocates nothing per message once the index has grown.
//!
//! This test file needs `unsafe impl GlobalAlloc`; the crate itself forbids unsafe code.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use carewire_hl7::{Index, ParseConfig, Parser, Path};

/// Counts allocations made on the current thread (so other test threads don't count).
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    // `try_with`: the slot may be gone while the thread is being torn down.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> usize {
    ALLOCS.with(Cell::get)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// the caller's obligations under `GlobalAlloc` pass through intact. The counter is a
// `const`-initialised thread-local `Cell`, which never allocates and never re-enters
// the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn message(n: usize) -> Vec<u8> {
    let mut m = format!(
        "MSH|^~\\&|LAB|HOSP|EMR|HOSP|2024010112{n:02}||ORU^R01^ORU_R01|CTL{n}|P|2.5.1\r\
PID|1||{n}^^^MRN^MR||DOE^JANE^Q||19800101|F|||1 MAIN ST^^TOWN^ST^12345\r\
PV1|1|I|WARD^101^A||||1234^SMITH^JOHN\r\
ORC|RE|ORD{n}|FIL{n}\r\
OBR|1|ORD{n}|FIL{n}|CBC^COMPLETE BLOOD COUNT^L|||202401011200\r"
    )
    .into_bytes();
    for i in 1..=8 {
        m.extend_from_slice(
            format!(
                "OBX|{i}|NM|{i}00^TEST {i}^L||{}.{n}|g/dL|10-20|N|||F\r",
                10 + i
            )
            .as_bytes(),
        );
    }
    m
}

#[test]
fn reuse_index_no_alloc() {
    let messages: Vec<Vec<u8>> = (0..50).map(message).collect();
    let paths: Vec<Path> = [
        "MSH-3",
        "MSH-4",
        "MSH-5",
        "MSH-7",
        "MSH-9.1",
        "MSH-9.2",
        "MSH-9.3",
        "MSH-10",
        "MSH-11",
        "MSH-12",
        "PID-1",
        "PID-3.1",
        "PID-3.4",
        "PID-3.5",
        "PID-5.1",
        "PID-5.2",
        "PID-5.3",
        "PID-7",
        "PID-8",
        "PID-11.3",
        "PV1-2",
        "PV1-3.1",
        "PV1-3.2",
        "PV1-7.2",
        "ORC-1",
        "ORC-2",
        "OBR-4.1",
        "OBR-4.2",
        "OBR-7",
        "OBX-3.1",
        "OBX[2]-5",
        "OBX[3]-6",
        "OBX[4]-7",
        "OBX[5]-8",
        "OBX[6]-11",
        "OBX[7]-3.2",
        "OBX[8]-5",
        "OBX[8]-3.1",
        "OBX[1]-5",
        "PID-11.5",
    ]
    .iter()
    .map(|p| Path::parse(p).expect("path"))
    .collect();
    assert_eq!(paths.len(), 40);

    // The counter counts.
    let before = allocations();
    let probe = std::hint::black_box(vec![0u8; 16]);
    assert_eq!(allocations(), before + 1);
    drop(probe);

    let parser = Parser::new(ParseConfig::default());
    let mut index = Index::new();
    // Warm up: the index grows to the size of the largest message once.
    for m in &messages {
        let msg = parser.parse_into(m, &mut index).expect("parses");
        assert_eq!(msg.segment_count(), 13);
    }

    let mut total_len = 0;
    let before = allocations();
    for m in &messages {
        let msg = parser.parse_into(m, &mut index).expect("parses");
        for p in &paths {
            let v = msg.get(p).expect("present");
            let text = v.decoded();
            total_len += text.len();
        }
    }
    let per_message = (allocations() - before) as f64 / messages.len() as f64;
    assert!(total_len > 0);
    println!("allocations per message (parse_into + 40 decoded reads): {per_message}");
    assert!(per_message <= 2.0, "{per_message} allocations per message");
}
