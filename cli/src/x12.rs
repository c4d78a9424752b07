//! `carewire x12`: inspect, convert to JSON, validate and acknowledge X12 interchanges.
//!
//! The command bodies live in `x12_view.rs` (inspect, json) and `x12_check.rs`
//! (validate, ack).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::CliError;

/// X12 HIPAA 5010 commands.
#[derive(Debug, Subcommand)]
pub enum X12Command {
    /// Tree of interchanges, groups, transaction sets and loops, with loop ids.
    Inspect(FileArg),
    /// JSON: interchanges → groups → transaction sets → loops → segments.
    Json(FileArg),
    /// Validation findings (SNIP 1–3); exit 1 when any error.
    Validate(FileArg),
    /// Print the acknowledgment (999 or TA1) of the interchange.
    Ack(AckArgs),
}

/// A single input file (`-` for standard input).
#[derive(Debug, Args)]
pub struct FileArg {
    /// Input file, or `-` for standard input.
    pub file: PathBuf,
}

/// Arguments of `carewire x12 ack`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("kind").required(true).multiple(false))]
pub struct AckArgs {
    /// Input file, or `-` for standard input.
    pub file: PathBuf,
    /// Build a 999 implementation acknowledgment.
    #[arg(long = "999", group = "kind")]
    pub ack999: bool,
    /// Build a TA1 interchange acknowledgment.
    #[arg(long = "ta1", group = "kind")]
    pub ta1: bool,
}

/// Runs one `x12` command.
pub fn run(cmd: X12Command, out: &mut impl Write) -> Result<(), CliError> {
    match cmd {
        X12Command::Inspect(a) => crate::x12_view::inspect(&a.file, out),
        X12Command::Json(a) => crate::x12_view::json(&a.file, out),
        X12Command::Validate(a) => crate::x12_check::validate(&a.file, out),
        X12Command::Ack(a) => crate::x12_check::ack(&a, out),
    }
}
