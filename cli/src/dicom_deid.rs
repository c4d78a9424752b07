//! `carewire dicom deid`.

use std::io::Write;

use crate::CliError;

/// `dicom deid` (lands with the crate work).
pub fn deid(_args: &crate::dicom::DeidArgs, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("dicom deid: not available yet".into()))
}
