//! `carewire dicom dump|json|copy|scan`.

use std::io::Write;

use crate::CliError;

/// `dicom dump` (lands with the crate work).
pub fn dump(_args: &crate::dicom::DumpArgs, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("dicom dump: not available yet".into()))
}

/// `dicom json` (lands with the crate work).
pub fn json(_args: &crate::dicom::JsonArgs, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("dicom json: not available yet".into()))
}

/// `dicom copy` (lands with the crate work).
pub fn copy(_args: &crate::dicom::CopyArgs, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("dicom copy: not available yet".into()))
}

/// `dicom scan` (lands with the crate work).
pub fn scan(_args: &crate::dicom::ScanArgs, _out: &mut impl Write) -> Result<(), CliError> {
    Err(CliError::Failed("dicom scan: not available yet".into()))
}
