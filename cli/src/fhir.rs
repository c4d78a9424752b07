//! `carewire fhir FILE`: HL7 v2 → FHIR R4 Bundle (`carewire_mapping::v2`);
//! `carewire fhir --to-hl7 TYPE BUNDLE.json`: the reverse (`carewire_mapping::to_v2`).
//!
//! The Bundle JSON goes to standard output, the report (one line per item: location and
//! reason, never a value) to standard error.
//!
//! Time zones: without `--tz` the library's default policy applies
//! (`TzPolicy::Error`): a date/time with a time of day but no UTC offset fails the
//! conversion (exit 1, naming the field). `--tz +HH:MM` (also `-HH:MM`, `+HHMM`, `Z`)
//! assumes that offset for such values.
//!
//! DICOM input (a Part 10 file or a bare data set) becomes an ImagingStudy Bundle
//! (`carewire_mapping::dicom`); more files after the first are added to the same study
//! (`carewire fhir a.dcm b.dcm …`); `--bundle message` is written as a `transaction`
//! Bundle there, since a DICOM file is not a message.
//!
//! X12 input (`ISA` first, after optional whitespace) becomes one Bundle holding every
//! 837, 835 and 271 transaction set of the file (`carewire_mapping::x12`); X12 times
//! carry no UTC offset, so give `--tz` (or the BHT time fails the conversion).

use std::io::Write;
use std::path::PathBuf;

use carewire_mapping::fhir::{BundleType, MapConfig, Report, TzPolicy};

use crate::CliError;

/// Arguments of `carewire fhir`.
///
/// With `--to-hl7 TYPE` the direction is reversed: FILE is a FHIR R4 Bundle (JSON, any
/// Bundle type) and the HL7 v2 message of TYPE (ADT_A01, ADT_A08, ORU_R01, ORM_O01,
/// OML_O21) goes to standard output as on the wire (CR after each segment, no newline
/// added); every Bundle element the message does not carry is reported on standard
/// error by JSON path.
#[derive(Debug, clap::Args)]
pub struct FhirArgs {
    /// Input file (HL7 v2, X12 or DICOM; a FHIR Bundle with --to-hl7), or `-` for
    /// standard input.
    pub file: PathBuf,
    /// More DICOM files of the same study (one ImagingStudy).
    pub more: Vec<PathBuf>,
    /// Offset assumed for date/times without one, e.g. +01:00 (default: such values
    /// are an error).
    #[arg(long, allow_hyphen_values = true)]
    pub tz: Option<String>,
    /// Fail (exit 1) when anything was not mapped.
    #[arg(long)]
    pub strict: bool,
    /// Bundle type.
    #[arg(long, value_enum, default_value = "message")]
    pub bundle: BundleArg,
    /// FHIR R4 Bundle → HL7 v2 message of this type: ADT_A01, ADT_A08, ORU_R01, ORM_O01
    /// or OML_O21.
    #[arg(long = "to-hl7", value_name = "TYPE")]
    pub to_hl7: Option<String>,
}

/// The `--bundle` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BundleArg {
    /// A message Bundle (MessageHeader first).
    Message,
    /// A transaction Bundle (PUT requests).
    Transaction,
    /// A batch Bundle (PUT requests).
    Batch,
}

/// The kind of an input file, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// HL7 v2 (starts with MSH).
    Hl7,
    /// An HL7 v2 batch file (starts with FHS or BHS).
    Hl7Batch,
    /// X12 (starts with ISA).
    X12,
    /// DICOM (Part 10 preamble or a data set that parses).
    Dicom,
    /// None of the above.
    Unknown,
}

/// Detects the kind of `bytes`: leading UTF-8 BOM and whitespace are skipped.
pub fn detect(bytes: &[u8]) -> InputKind {
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        return InputKind::Dicom;
    }
    let mut b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    while let Some((first, rest)) = b.split_first() {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    if b.starts_with(b"MSH") {
        InputKind::Hl7
    } else if b.starts_with(b"FHS") || b.starts_with(b"BHS") {
        InputKind::Hl7Batch
    } else if b.starts_with(b"ISA") {
        InputKind::X12
    } else if !bytes.is_empty() && carewire_dicom_lite::DataSet::parse(bytes).is_ok() {
        InputKind::Dicom
    } else {
        InputKind::Unknown
    }
}

/// The refusal for a recognised input without a mapping.
pub fn not_implemented(kind: InputKind, what: &str) -> CliError {
    let name = match kind {
        InputKind::X12 => "X12",
        InputKind::Dicom => "DICOM",
        InputKind::Hl7Batch => {
            return CliError::Failed(format!(
                "HL7 v2 batch files (FHS/BHS) → {what} are not supported: give one message per file"
            ))
        }
        _ => "this input",
    };
    CliError::Failed(format!("{name} → {what} is not implemented yet"))
}

/// `carewire fhir FILE [--tz +HH:MM] [--strict] [--bundle message|transaction|batch]`.
pub fn run(args: &FhirArgs, out: &mut impl Write) -> Result<(), CliError> {
    if let Some(target) = &args.to_hl7 {
        return to_hl7(args, target, out);
    }
    let tz = match &args.tz {
        None => TzPolicy::default(),
        Some(s) => TzPolicy::parse_offset(s)
            .ok_or_else(|| CliError::Usage(format!("--tz {s:?}: expected +HH:MM, -HH:MM or Z")))?,
    };
    let config = MapConfig {
        tz,
        bundle_type: match args.bundle {
            BundleArg::Message => BundleType::Message,
            BundleArg::Transaction => BundleType::Transaction,
            BundleArg::Batch => BundleType::Batch,
        },
        // Strictness is applied here, after the report was printed, so the user sees
        // every unmapped item and not only the first.
        strict: false,
    };
    let bytes = crate::read_input(&args.file)?;
    match detect(&bytes) {
        InputKind::Hl7 if args.more.is_empty() => {}
        InputKind::Hl7 => {
            return Err(CliError::Usage(
                "several input files are accepted for DICOM only (one study)".into(),
            ))
        }
        InputKind::Dicom => return dicom(args, &bytes, &config, out),
        InputKind::X12 if args.more.is_empty() => return x12(args, &bytes, &config, out),
        InputKind::X12 => {
            return Err(CliError::Usage(
                "several input files are accepted for DICOM only (one study)".into(),
            ))
        }
        k @ InputKind::Hl7Batch => return Err(not_implemented(k, "FHIR")),
        InputKind::Unknown => {
            return Err(CliError::Failed(format!(
                "{}: not HL7 v2 (MSH), X12 (ISA) or DICOM input",
                args.file.display()
            )))
        }
    }
    let conv = carewire_mapping::v2::to_fhir(&bytes, &config)
        .map_err(|e| CliError::Failed(format!("{}: {e}", args.file.display())))?;
    report(&conv.report, args.strict, "item(s)")?;
    out.write_all(conv.json.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Prints the report's items to stderr; under `--strict` any item is an error
/// (`strict mode: N {what} not mapped`).
fn report(report: &Report, strict: bool, what: &str) -> Result<(), CliError> {
    let mut err = std::io::stderr().lock();
    for item in report.items() {
        writeln!(err, "{item}")?;
    }
    if strict && !report.is_empty() {
        return Err(CliError::Failed(format!(
            "strict mode: {} {what} not mapped",
            report.len()
        )));
    }
    Ok(())
}

/// X12 → FHIR: one Bundle for the interchange(s) of the file.
fn x12(
    args: &FhirArgs,
    bytes: &[u8],
    config: &MapConfig,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let conv = carewire_mapping::x12::to_fhir(bytes, config)
        .map_err(|e| CliError::Failed(format!("{}: {e}", args.file.display())))?;
    report(&conv.report, args.strict, "item(s)")?;
    out.write_all(conv.json.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}

/// DICOM → FHIR: the first file and `args.more` as one study.
fn dicom(
    args: &FhirArgs,
    first: &[u8],
    config: &MapConfig,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let mut study = carewire_mapping::dicom::StudyBuilder::new(*config);
    let failed = |p: &PathBuf, e: carewire_mapping::fhir::Error| {
        CliError::Failed(format!("{}: {e}", p.display()))
    };
    study.add(first).map_err(|e| failed(&args.file, e))?;
    for p in &args.more {
        let bytes = crate::read_input(p)?;
        study.add(&bytes).map_err(|e| failed(p, e))?;
    }
    let conv = study.finish().map_err(|e| failed(&args.file, e))?;
    report(&conv.report, args.strict, "item(s)")?;
    out.write_all(conv.json.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}

/// `carewire fhir --to-hl7 TYPE BUNDLE.json [--strict]`: FHIR R4 Bundle → HL7 v2.
fn to_hl7(args: &FhirArgs, target: &str, out: &mut impl Write) -> Result<(), CliError> {
    use carewire_mapping::to_v2::{from_fhir, Target, V2Config};
    let target = Target::parse(target).ok_or_else(|| {
        CliError::Usage(format!(
            "--to-hl7 {target:?}: expected ADT_A01, ADT_A08, ORU_R01, ORM_O01 or OML_O21"
        ))
    })?;
    if !args.more.is_empty() || args.tz.is_some() || !matches!(args.bundle, BundleArg::Message) {
        return Err(CliError::Usage(
            "--to-hl7 takes one Bundle file; --tz and --bundle apply to HL7 v2 → FHIR".into(),
        ));
    }
    let bytes = crate::read_input(&args.file)?;
    let json = std::str::from_utf8(&bytes).map_err(|e| {
        CliError::Failed(format!(
            "{}: not UTF-8 JSON (byte {})",
            args.file.display(),
            e.valid_up_to()
        ))
    })?;
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    let conv = from_fhir(json, target, &V2Config::default())
        .map_err(|e| CliError::Failed(format!("{}: {e}", args.file.display())))?;
    report(&conv.report, args.strict, "element(s)")?;
    out.write_all(&conv.message)?;
    Ok(())
}
