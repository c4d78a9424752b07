//! `carewire dicom`: dump, JSON, copy, de-identify and scan DICOM files.
//!
//! The command bodies live in `dicom_view.rs` (dump, json, copy, scan) and
//! `dicom_deid.rs` (deid).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::CliError;

/// DICOM commands.
#[derive(Debug, Subcommand)]
pub enum DicomCommand {
    /// One line per element: tag, VR, keyword, length, value (nested items indented).
    Dump(DumpArgs),
    /// The PS3.18 DICOM JSON model of the data set (file meta excluded).
    Json(JsonArgs),
    /// Read and write back: byte-identical, or re-encoded with --transfer-syntax.
    Copy(CopyArgs),
    /// Write a de-identified copy (PS3.15 Annex E basic profile).
    Deid(DeidArgs),
    /// One TSV line per file under DIR with the requested tags.
    Scan(ScanArgs),
}

/// Arguments of `carewire dicom dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Input file, or `-` for standard input.
    pub file: PathBuf,
}

/// Arguments of `carewire dicom json`.
#[derive(Debug, Args)]
pub struct JsonArgs {
    /// Input file, or `-` for standard input.
    pub file: PathBuf,
    /// Stop reading before Pixel Data.
    #[arg(long)]
    pub stop_before_pixels: bool,
}

/// Arguments of `carewire dicom copy`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Input file, or `-` for standard input.
    pub file: PathBuf,
    /// Output file.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Re-encode the data set in this transfer syntax (UID).
    #[arg(long)]
    pub transfer_syntax: Option<String>,
}

/// Arguments of `carewire dicom deid`.
#[derive(Debug, Args)]
pub struct DeidArgs {
    /// Input file, or `-` for standard input.
    pub file: PathBuf,
    /// Output file.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Keep UIDs (Retain UIDs option).
    #[arg(long)]
    pub keep_uids: bool,
    /// Keep dates (Retain Longitudinal Temporal Information, full dates option).
    #[arg(long)]
    pub keep_dates: bool,
    /// Key for UID remapping and date shifting (else $CAREWIRE_DEID_KEY, else random).
    #[arg(long)]
    pub key: Option<String>,
}

/// Arguments of `carewire dicom scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Directory to scan (recursively).
    pub dir: PathBuf,
    /// Comma-separated keywords or tags, e.g. PatientID,StudyInstanceUID,(0020,000D).
    #[arg(long, required = true, value_parser = parse_tag_list)]
    pub tags: Vec<TagList>,
}

/// The tags of one `--tags` value, in order.
#[derive(Debug, Clone)]
pub struct TagList(pub Vec<carewire_dicom_lite::Tag>);

/// Splits `text` on the commas outside parentheses, so `(gggg,eeee)` stays whole,
/// and parses each part as a keyword or tag.
fn parse_tag_list(text: &str) -> Result<TagList, String> {
    let mut tags = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let parts = text.char_indices().filter_map(|(i, c)| {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => return Some(i),
            _ => {}
        }
        None
    });
    for end in parts.chain(std::iter::once(text.len())) {
        let word = &text[start..end];
        let tag = word
            .parse()
            .map_err(|_| format!("{word:?} is neither a keyword nor a tag"))?;
        tags.push(tag);
        start = end + 1;
    }
    Ok(TagList(tags))
}

/// Runs one `dicom` command.
pub fn run(cmd: DicomCommand, out: &mut impl Write) -> Result<(), CliError> {
    match cmd {
        DicomCommand::Dump(a) => crate::dicom_view::dump(&a, out),
        DicomCommand::Json(a) => crate::dicom_view::json(&a, out),
        DicomCommand::Copy(a) => crate::dicom_view::copy(&a, out),
        DicomCommand::Scan(a) => crate::dicom_view::scan(&a, out),
        DicomCommand::Deid(a) => crate::dicom_deid::deid(&a, out),
    }
}
