//! `carewire x12 inspect` and `carewire x12 json`.

use std::io::Write;
use std::path::Path;

use crate::CliError;

/// `x12 inspect` (lands with the crate work).
pub fn inspect(_file: &Path, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("x12 inspect: not available yet".into()))
}

/// `x12 json` (lands with the crate work).
pub fn json(_file: &Path, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("x12 json: not available yet".into()))
}
