//! benches helper crate
