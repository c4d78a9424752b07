//! `carewire dicom deid`: a de-identified copy of a DICOM file (PS3.15 Annex E Basic
//! Application Level Confidentiality Profile, `carewire_dicom_lite::deid`).
//!
//! The key that makes UID remapping and date shifting repeatable comes from `--key`,
//! else the environment variable `CAREWIRE_DEID_KEY`, else a random key for this run
//! only (UIDs then match nothing de-identified by another run; a note on standard error
//! says so). Use the same key for every file of a study or project so studies, series
//! and references stay linked; prefer the environment variable, since a command-line
//! argument is visible to other users in the process list. The key is never printed.
//!
//! The output keeps the input's transfer syntax (a deflated input is written Explicit
//! VR Little Endian). Standard output gets one summary line of counts (no values).

use std::io::{Read, Write};
use std::path::Path;

use carewire_dicom_lite::deid::{Dates, DeidOptions, Deidentifier};
use carewire_dicom_lite::{DataSet, DataSetBuf, TransferSyntax};

use crate::CliError;

/// The environment variable holding the key.
pub const KEY_ENV: &str = "CAREWIRE_DEID_KEY";

fn failed(file: &Path, e: &carewire_dicom_lite::Error) -> CliError {
    CliError::Failed(format!("{}: {e}", file.display()))
}

/// 32 random bytes from the operating system (`/dev/urandom`), or, where that is
/// missing, from the standard library's randomly seeded hasher.
pub(crate) fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key));
    if from_os.is_err() {
        use std::hash::{BuildHasher, Hasher};
        for chunk in key.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            h.write_u32(std::process::id());
            chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
        }
    }
    key
}

/// The de-identification key: `--key` (must not be empty), else a non-empty
/// `CAREWIRE_DEID_KEY`, else a random key with a note on standard error that the
/// `random_effect` (e.g. "new UIDs match") no other run.
pub(crate) fn resolve_key(key: Option<&str>, random_effect: &str) -> Result<Vec<u8>, CliError> {
    Ok(match (key, std::env::var(KEY_ENV)) {
        (Some(k), _) if !k.is_empty() => k.as_bytes().to_vec(),
        (None, Ok(k)) if !k.is_empty() => k.into_bytes(),
        (Some(_), _) => return Err(CliError::Usage("--key must not be empty".into())),
        _ => {
            eprintln!(
                "carewire: note: no --key and no {KEY_ENV}: a random key is used, so the \
                 {random_effect} no other run"
            );
            random_key()
        }
    })
}

/// `dicom deid FILE -o OUT [--keep-uids] [--keep-dates] [--key KEY]`.
pub fn deid(
    args: &crate::dicom::DeidArgs,
    out: &mut (impl Write + ?Sized),
) -> Result<(), CliError> {
    let key = resolve_key(args.key.as_deref(), "new UIDs match")?;
    let options = DeidOptions::new()
        .retain_uids(args.keep_uids)
        .dates(if args.keep_dates {
            Dates::Full
        } else {
            Dates::Remove
        });
    deid_with(args, out, |_| Deidentifier::new(&key, options))
}

/// The body of `dicom deid` with the de-identifier made by `make` from the parsed
/// data set (before it is de-identified), for callers whose date shift depends on the
/// patient (`carewire deid --shift-dates`).
pub(crate) fn deid_with(
    args: &crate::dicom::DeidArgs,
    out: &mut (impl Write + ?Sized),
    make: impl FnOnce(&DataSetBuf) -> Deidentifier,
) -> Result<(), CliError> {
    let bytes = crate::read_input(&args.file)?;
    let ds = DataSet::parse(&bytes).map_err(|e| failed(&args.file, &e))?;
    let ts = match ds.transfer_syntax() {
        ts if ts.is_deflated() => TransferSyntax::ExplicitVrLittleEndian,
        ts => ts,
    };
    let mut buf = DataSetBuf::from_view(&ds).map_err(|e| failed(&args.file, &e))?;
    drop(ds);
    let deid = make(&buf);
    let report = deid.apply(&mut buf);
    let written = buf.write(ts).map_err(|e| failed(&args.out, &e))?;

    if args.out.as_os_str() == "-" {
        out.write_all(&written)?;
        return Ok(());
    }
    std::fs::write(&args.out, &written)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", args.out.display())))?;
    writeln!(
        out,
        "{}: removed {}, emptied {}, dummied {}, uids remapped {}, dates shifted {}, private removed {}",
        args.out.display(),
        report.removed,
        report.emptied,
        report.dummied,
        report.uids_remapped,
        report.dates_shifted,
        report.private_removed,
    )?;
    Ok(())
}
