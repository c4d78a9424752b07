//! `carewire x12 validate` and `carewire x12 ack`.

use std::io::Write;
use std::path::Path;

use crate::CliError;

/// `x12 validate` (lands with the crate work).
pub fn validate(_file: &Path, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("x12 validate: not available yet".into()))
}

/// `x12 ack` (lands with the crate work).
pub fn ack(_args: &crate::x12::AckArgs, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("x12 ack: not available yet".into()))
}
