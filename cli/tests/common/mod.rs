//! Scaffolding shared by the CLI integration tests: running the binary and scratch files.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A test result: any error fails the test with its message.
pub type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Writes `content` to `name` in the scratch folder `dir` (under the target's tmp dir).
pub fn tmp_in(dir: &str, name: &str, content: &[u8]) -> R<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&dir)?;
    let p = dir.join(name);
    std::fs::write(&p, content)?;
    Ok(p)
}

/// Runs the `carewire` binary with `args` (without a de-identification key from the
/// environment), to completion.
pub fn carewire(args: &[&str]) -> R<Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_carewire"))
        .args(args)
        .env_remove("CAREWIRE_DEID_KEY")
        .output()?)
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap_or("")
}

/// Output bytes as text, for assertion messages.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
