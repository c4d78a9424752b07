//! The `carewire` command line.
//!
//! ```text
//! carewire hl7 inspect FILE            segment/field tree with diagnostics
//! carewire hl7 json FILE               the JSON view, pretty-printed
//! carewire hl7 get FILE PATH...        decoded value at each path, one line each
//! carewire hl7 ack FILE [--code AA]    the acknowledgment of the message
//! carewire hl7 validate FILE           conformance findings
//! carewire mllp listen ADDR [--store DIR] [--tls-cert C --tls-key K [--client-ca CA]]
//! carewire mllp send ADDR FILE... [--tls-ca CA]
//! carewire x12 inspect|json|validate FILE
//! carewire x12 ack FILE --999|--ta1
//! carewire dicom dump|json FILE
//! carewire dicom copy FILE -o OUT [--transfer-syntax UID]
//! carewire dicom deid FILE -o OUT [--keep-uids] [--keep-dates]
//! carewire dicom scan DIR --tags PatientID,StudyInstanceUID
//! carewire fhir FILE [MORE.dcm...] [--tz +HH:MM] [--strict] [--bundle message|transaction|batch]
//! carewire fhir --to-hl7 ORU_R01|ADT_A01|ADT_A08|ORM_O01|OML_O21 BUNDLE.json [--strict]
//! carewire deid FILE -o OUT [--key K] [--shift-dates]   HL7 v2 / FHIR JSON (Safe Harbor) or DICOM
//! ```
//!
//! `FILE` may be `-` for standard input. Segments may end in CR, CR LF or LF.
//!
//! Human-readable output separates segments with `\n`; `ack --raw` writes the ACK as on
//! the wire, with CR segment terminators.
//!
//! Exit codes: 0 success; 1 the input cannot be read or parsed, or validation found an
//! error; 2 usage errors (bad arguments, an invalid path).
//!
//! Errors go to standard error as `carewire: <error>`; they name positions and kinds,
//! never message content. Only the commands that exist to show content (`inspect`,
//! `json`, `get`, `ack`, `validate`) print values, and only to standard output.
#![forbid(unsafe_code)]
// Doc comments here double as `--help` text, where HL7 paths such as `PID-3[2].1`
// must read plainly; they are not intra-doc links.
#![allow(rustdoc::broken_intra_doc_links)]

mod deid;
mod dicom;
mod dicom_deid;
mod dicom_view;
mod fhir;
mod hl7;
mod mllp;
mod x12;
mod x12_check;
mod x12_view;

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// carewire: inspect, convert, acknowledge and validate HL7 v2 messages.
#[derive(Debug, Parser)]
#[command(name = "carewire", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// HL7 v2.x (ER7, pipe-delimited) messages.
    #[command(subcommand)]
    Hl7(hl7::Hl7Command),
    /// MLLP (HL7 over TCP): a durable listener and a sender.
    #[command(subcommand)]
    Mllp(mllp::MllpCommand),
    /// X12 HIPAA 5010 interchanges (837, 835, 270/271, 999, TA1).
    #[command(subcommand)]
    X12(x12::X12Command),
    /// DICOM data sets (headers; no pixel decoding).
    #[command(subcommand)]
    Dicom(dicom::DicomCommand),
    /// HL7 v2, X12 or DICOM → FHIR R4 Bundle, or with --to-hl7 a FHIR Bundle → HL7 v2
    /// (report of unmapped items on standard error).
    Fhir(fhir::FhirArgs),
    /// A de-identified copy of an HL7 v2 message, a FHIR JSON resource or a DICOM file.
    Deid(deid::DeidArgs),
}

/// A command failure, with the exit code it maps to.
#[derive(Debug)]
enum CliError {
    /// The input could not be read.
    Read { file: PathBuf, error: io::Error },
    /// The message could not be parsed or built (exit 1).
    Hl7(carewire_hl7::Error),
    /// A path argument is malformed (exit 2).
    InvalidPath {
        path: String,
        error: carewire_hl7::Error,
    },
    /// Validation reported errors (exit 1); the findings were already printed.
    Invalid { errors: usize },
    /// Writing to standard output failed.
    Write(io::Error),
    /// An MLLP transport error (exit 1).
    Mllp(carewire_mllp::Error),
    /// Some sent messages were not accepted (exit 1); the codes were already printed.
    NotAccepted { failed: usize },
    /// Any other failure of a command (exit 1). The text names positions and kinds,
    /// never patient data.
    Failed(String),
    /// A usage error detected after argument parsing (exit 2).
    Usage(String),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::InvalidPath { .. } | CliError::Usage(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Read { file, error } => {
                write!(f, "cannot read {}: {error}", file.display())
            }
            CliError::Hl7(e) => write!(f, "{e}"),
            CliError::InvalidPath { path, error } => write!(f, "{error} in {path:?}"),
            CliError::Invalid { errors } => {
                let s = if *errors == 1 { "" } else { "s" };
                write!(f, "validation found {errors} error{s}")
            }
            CliError::Write(e) => write!(f, "cannot write output: {e}"),
            CliError::Mllp(e) => write!(f, "mllp: {e}"),
            CliError::NotAccepted { failed } => {
                write!(f, "{failed} message(s) not acknowledged with AA/CA")
            }
            CliError::Failed(msg) | CliError::Usage(msg) => f.write_str(msg),
        }
    }
}

impl From<carewire_hl7::Error> for CliError {
    fn from(e: carewire_hl7::Error) -> CliError {
        CliError::Hl7(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> CliError {
        CliError::Write(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Not locked for the whole run: `mllp listen` prints from connection threads.
    let mut out = io::BufWriter::new(io::stdout());
    let result = match cli.command {
        Command::Hl7(cmd) => hl7::run(cmd, &mut out),
        Command::Mllp(cmd) => mllp::run(cmd, &mut out),
        Command::X12(cmd) => x12::run(cmd, &mut out),
        Command::Dicom(cmd) => dicom::run(cmd, &mut out),
        Command::Fhir(args) => fhir::run(&args, &mut out),
        Command::Deid(args) => deid::run(&args, &mut out),
    };
    let result = result.and_then(|()| out.flush().map_err(CliError::Write));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `carewire hl7 inspect big.hl7 | head` is not an error.
        Err(CliError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            // Flush what was printed before the error (e.g. validation findings).
            let _ = out.flush();
            eprintln!("carewire: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Reads `file` (`-` is standard input) into memory.
fn read_input(file: &PathBuf) -> Result<Vec<u8>, CliError> {
    let read = || -> io::Result<Vec<u8>> {
        if file.as_os_str() == "-" {
            let mut buf = Vec::new();
            io::Read::read_to_end(&mut io::stdin().lock(), &mut buf)?;
            Ok(buf)
        } else {
            std::fs::read(file)
        }
    };
    read().map_err(|error| CliError::Read {
        file: file.clone(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
