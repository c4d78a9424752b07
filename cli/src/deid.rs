//! `carewire deid FILE -o OUT [--key K] [--shift-dates]`: a de-identified copy of an HL7
//! v2 message (HIPAA Safe Harbor, `carewire_mapping::deid::Policy::safe_harbor`), of a FHIR JSON
//! resource or Bundle (`carewire_mapping::deid::fhir`: the same pseudonyms and date shifts
//! as HL7 v2 under the same key) or of a DICOM file (the `carewire dicom deid` command
//! with its defaults: UIDs remapped, dates removed). With `--shift-dates`, DICOM dates are
//! kept and moved instead (the PS3.15 modified dates option) by the patient's HL7 v2 /
//! FHIR shift under the same key (`carewire_mapping::deid::Deidentifier::dicom_deidentifier`,
//! from Patient ID and Issuer of Patient ID), so a study stays in line with the same
//! patient's de-identified messages and resources; the key must then be 16 bytes or more.
//!
//! The key comes from `--key`, else `CAREWIRE_DEID_KEY`, else a random key for this run
//! (a note on standard error says so), as for `carewire dicom deid`. HL7 v2 and FHIR keys
//! must be at least 16 bytes. The change report (paths and actions, never values) goes to
//! standard error.

use std::io::Write;
use std::path::PathBuf;

use carewire_dicom_lite::deid::{Dates, DeidOptions};
use carewire_hl7::Message;
use carewire_mapping::deid::{DeidKey, Deidentifier, Policy};

use crate::fhir::{detect, not_implemented, InputKind};
use crate::CliError;

/// Arguments of `carewire deid`.
#[derive(Debug, clap::Args)]
pub struct DeidArgs {
    /// Input file (HL7 v2, FHIR JSON or DICOM), or `-` for standard input.
    pub file: PathBuf,
    /// Output file (`-` for standard output).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Key for pseudonyms, date shifts and UID remapping (else $CAREWIRE_DEID_KEY, else
    /// random).
    #[arg(long)]
    pub key: Option<String>,
    /// DICOM: move dates by the patient's HL7 v2 / FHIR date shift instead of removing
    /// them (HL7 v2 and FHIR dates are always shifted).
    #[arg(long)]
    pub shift_dates: bool,
}

/// `carewire deid FILE -o OUT [--key K] [--shift-dates]`.
pub fn run(args: &DeidArgs, out: &mut impl Write) -> Result<(), CliError> {
    let bytes = crate::read_input(&args.file)?;
    if is_fhir_json(&bytes) {
        return fhir_json(args, &bytes, out);
    }
    match detect(&bytes) {
        InputKind::Hl7 => hl7(args, &bytes, out),
        InputKind::Dicom => {
            let dicom_args = crate::dicom::DeidArgs {
                file: args.file.clone(),
                out: args.out.clone(),
                keep_uids: false,
                keep_dates: false,
                key: args.key.clone(),
            };
            // The dicom command prints its summary on the given writer: here that is
            // the report, so standard error unless the file itself goes to standard
            // output (then the command prints no summary).
            let mut stderr = std::io::stderr().lock();
            let w: &mut dyn Write = if args.out.as_os_str() == "-" {
                out
            } else {
                &mut stderr
            };
            if args.shift_dates {
                dicom_shifted(&dicom_args, w)
            } else {
                crate::dicom_deid::deid(&dicom_args, w)
            }
        }
        k @ (InputKind::X12 | InputKind::Hl7Batch) => Err(not_implemented(k, "de-identification")),
        InputKind::Unknown => Err(CliError::Failed(format!(
            "{}: neither an HL7 v2 message, a FHIR JSON resource nor a DICOM data set",
            args.file.display()
        ))),
    }
}

/// DICOM with the modified dates option, shifted by the patient's HL7 v2 / FHIR shift.
fn dicom_shifted(args: &crate::dicom::DeidArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let key =
        crate::dicom_deid::resolve_key(args.key.as_deref(), "new UIDs and date shifts match")?;
    let key = DeidKey::new(&key).map_err(|e| CliError::Usage(e.to_string()))?;
    let deid = Deidentifier::new(key, Policy::safe_harbor());
    let options = DeidOptions::new().dates(Dates::Modified);
    crate::dicom_deid::deid_with(args, out, |ds| deid.dicom_deidentifier(ds, options))
}

fn hl7(args: &DeidArgs, bytes: &[u8], out: &mut impl Write) -> Result<(), CliError> {
    let key =
        crate::dicom_deid::resolve_key(args.key.as_deref(), "pseudonyms and date shifts match")?;
    let key = DeidKey::new(&key).map_err(|e| CliError::Usage(e.to_string()))?;
    let msg = Message::parse(bytes)?;
    let deid = Deidentifier::new(key, Policy::safe_harbor())
        .deidentify(&msg)
        .map_err(|e| CliError::Failed(format!("{}: {e}", args.file.display())))?;
    let written = deid.to_bytes();
    if args.out.as_os_str() == "-" {
        out.write_all(&written)?;
    } else {
        std::fs::write(&args.out, &written)
            .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", args.out.display())))?;
    }
    let report = deid.report();
    let mut err = std::io::stderr().lock();
    for c in report.changes() {
        writeln!(err, "{}: {:?}", c.path, c.action)?;
    }
    if !report.patient_id_found() {
        writeln!(
            err,
            "carewire: note: no patient identifier: dates shifted by the key's default shift"
        )?;
    }
    Ok(())
}

/// FHIR JSON: the first byte after a BOM and whitespace is `{` and `"resourceType"` occurs
/// in the text.
fn is_fhir_json(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = b.iter().find(|c| !c.is_ascii_whitespace());
    first == Some(&b'{') && b.windows(14).any(|w| w == b"\"resourceType\"")
}

fn fhir_json(args: &DeidArgs, bytes: &[u8], out: &mut impl Write) -> Result<(), CliError> {
    let key =
        crate::dicom_deid::resolve_key(args.key.as_deref(), "pseudonyms and date shifts match")?;
    let key = DeidKey::new(&key).map_err(|e| CliError::Usage(e.to_string()))?;
    let deid = Deidentifier::new(key, Policy::safe_harbor());
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (mut json, report) = carewire_mapping::deid::fhir::deidentify_json(&deid, b)
        .map_err(|e| CliError::Failed(format!("{}: {e}", args.file.display())))?;
    json.push('\n');
    if args.out.as_os_str() == "-" {
        out.write_all(json.as_bytes())?;
    } else {
        std::fs::write(&args.out, json.as_bytes())
            .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", args.out.display())))?;
    }
    let mut err = std::io::stderr().lock();
    for c in report.changes() {
        writeln!(err, "{}: {:?}", c.path, c.action)?;
    }
    if report.patients() == 0 {
        writeln!(
            err,
            "carewire: note: no Patient resource: dates shifted by the key's default shift"
        )?;
    }
    Ok(())
}
