//! Routing allocates nothing per message once the caller's result vector has grown
//! (values without escape sequences are compared borrowed).
//!
//! This test file needs `unsafe impl GlobalAlloc`; the crate itself forbids unsafe code.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use carewire_hl7::Message;
use carewire_mapping::route::{Matcher, RouteMode, Router, Test};

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

#[test]
fn route_into_allocates_nothing_per_message() -> Result<(), Box<dyn std::error::Error>> {
    let mut router = Router::new(RouteMode::FanOut);
    router
        .destination("adt")?
        .destination("lab")?
        .destination("icu")?
        .destination("other")?;
    router.rule(Matcher::message_type(Test::equals("ADT")), &["adt"])?;
    router.rule(
        Matcher::all(vec![
            Matcher::message_type(Test::one_of(&["ORU", "ORM"])),
            Matcher::sending_facility(Test::glob("*LAB*")),
        ]),
        &["lab"],
    )?;
    router.rule(
        Matcher::path("PV1-3.1", Test::prefix("IC"))?,
        &["icu", "adt"],
    )?;
    router.rule(
        Matcher::not(Matcher::any(vec![
            Matcher::trigger(Test::equals("A01")),
            Matcher::structure(Test::Present),
        ])),
        &["other"],
    )?;
    let inputs: Vec<Vec<u8>> = (0..50)
        .map(|i| {
            let (kind, fac, loc) = match i % 3 {
                0 => ("ADT^A01^ADT_A01", "HOSP", "ICU"),
                1 => ("ORU^R01", "MAINLAB", "WARD"),
                _ => ("SIU^S12", "CLINIC", "ER"),
            };
            format!(
                "MSH|^~\\&|APP|{fac}|RCV|HUB|20240101||{kind}|C{i}|P|2.5.1\rPID|1||{i}\rPV1|1|I|{loc}^1\r"
            )
            .into_bytes()
        })
        .collect();
    let msgs = inputs
        .iter()
        .map(|b| Message::parse(b))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(8);
    let mut routed = 0usize;
    let before = allocations();
    for m in &msgs {
        if router.route_into(m, &mut out) {
            routed += out.len();
        }
    }
    let used = allocations() - before;
    assert_eq!(
        used,
        0,
        "routing allocated {used} times for {} messages",
        msgs.len()
    );
    // 17 ADT (adt, icu), 17 ORU (lab, other), 16 SIU (other).
    assert_eq!(routed, 17 * 2 + 17 * 2 + 16);
    Ok(())
}
