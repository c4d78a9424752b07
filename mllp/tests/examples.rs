//! The examples run as tests and print what their comments promise.
#![cfg(feature = "hl7")]
#![allow(clippy::unwrap_used)]

#[allow(dead_code)] // its `main` is for `cargo run`
#[path = "../examples/durable_listener.rs"]
mod durable_listener;

#[test]
fn durable_listener_processes_each_message_once() {
    let lines = durable_listener::run().unwrap();
    assert_eq!(
        lines,
        [
            "MSG0001: AA",
            "MSG0002: AA",
            "MSG0001: AA",
            "MSG0002 after restart: AA",
            "processed 2 messages, 2 stored",
        ]
    );
}
