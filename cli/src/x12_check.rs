//! `carewire x12 validate` and `carewire x12 ack`.

use std::io::Write;
use std::path::Path;

use carewire_x12::{
    validate as validate_doc, write_999, write_ta1, AckOptions, Document, SequentialControlNumbers,
    Severity,
};

use crate::CliError;

fn parse(bytes: &[u8]) -> Result<Document<'_>, CliError> {
    Document::parse(bytes).map_err(|e| CliError::Failed(format!("cannot parse X12: {e}")))
}

/// `x12 validate`: every finding on its own line — severity, byte offset, interchange /
/// group / set, segment position in the set, segment, element, loop id, acknowledgment
/// code, SNIP level and what — then a summary. Exit 1 when any error.
pub fn validate(file: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let bytes = crate::read_input(&file.to_path_buf())?;
    let doc = parse(&bytes)?;
    let report = validate_doc(&doc);
    let mut errors = 0;
    let mut warnings = 0;
    for i in report.issues() {
        let sev = match i.severity() {
            Severity::Error => {
                errors += 1;
                "error"
            }
            _ => {
                warnings += 1;
                "warning"
            }
        };
        let idx = |v: Option<usize>| v.map_or("-".to_string(), |n| (n + 1).to_string());
        let place = format!("{}/{}/{}", i.interchange + 1, idx(i.group), idx(i.set));
        let loop_id = if i.loop_id.is_empty() { "-" } else { i.loop_id };
        writeln!(
            out,
            "{sev}\tbyte {}\tset {place}\tsegment {}\t{}\tloop {loop_id}\t{} {}\tSNIP {}\t{}",
            i.offset,
            idx(i.position),
            i.location,
            i.ack_code().segment(),
            i.ack_code().code(),
            i.snip(),
            i.kind
        )
        .map_err(CliError::Write)?;
    }
    let sets: usize = doc
        .interchanges()
        .flat_map(|ich| ich.groups())
        .map(|g| g.transaction_set_count())
        .sum();
    writeln!(
        out,
        "{} interchange(s), {sets} transaction set(s): {errors} error(s), {warnings} warning(s)",
        doc.interchange_count()
    )
    .map_err(CliError::Write)?;
    if errors > 0 {
        return Err(CliError::Invalid { errors });
    }
    Ok(())
}

/// `x12 ack --999|--ta1`: the acknowledgment interchange(s) answering the input, dated
/// now (UTC), control numbers from 1.
pub fn ack(args: &crate::x12::AckArgs, out: &mut impl Write) -> Result<(), CliError> {
    let bytes = crate::read_input(&args.file)?;
    let doc = parse(&bytes)?;
    let (date, time) = utc_now();
    let opts = AckOptions::new(&date, &time);
    let mut numbers = SequentialControlNumbers::default();
    let built = if args.ta1 {
        write_ta1(&doc, &opts, &mut numbers)
    } else {
        let report = validate_doc(&doc);
        write_999(&doc, &report, &opts, &mut numbers)
    };
    let ack =
        built.map_err(|e| CliError::Failed(format!("cannot build the acknowledgment: {e}")))?;
    if ack.is_empty() {
        return Err(CliError::Failed(
            "no functional group to acknowledge with a 999 (use --ta1)".into(),
        ));
    }
    out.write_all(&ack).map_err(CliError::Write)
}

/// The current UTC date (YYMMDD) and time (HHMM).
fn utc_now() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = carewire_hl7::datatypes::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    (
        format!("{:02}{m:02}{d:02}", y.rem_euclid(100)),
        format!("{:02}{:02}", rem / 3_600, rem % 3_600 / 60),
    )
}
