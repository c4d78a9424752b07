//! The `carewire` command line.
fn main() {}
