//! Scan a directory of DICOM files, reading only each file's header, and index it by
//! study, as a PACS or a research pipeline does before touching pixels.
//!
//! Shows: `dicom::Encoder::part10` writing synthetic CT and MR files (three studies,
//! two series each, 64 KiB of pixel data per file) plus one file that is not DICOM;
//! reading at most 16 KiB of each (`ParseConfig::max_header_len`,
//! `stop_before_pixel_data`); grouping by Study Instance UID; and
//! `mapping::dicom::StudyBuilder` turning each study into one FHIR ImagingStudy.
//!
//! Crates: `carewire::dicom` (carewire-dicom-lite), `carewire::mapping`, serde_json.
//!
//! Run: `cargo run --release --example scan_dicom_dir -- [--files N] [--dir DIR]`
//! (default 24 files in a fresh folder under the system temp dir, removed afterwards).
//! Exits non-zero if a file is lost or an ImagingStudy miscounts its instances.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use carewire::dicom::{DataSet, Encoder, ParseConfig, Tag, TransferSyntax, Vr};
use carewire::mapping::dicom::StudyBuilder;
use carewire::mapping::fhir::{MapConfig, TzPolicy};
use common::Res;

const HEADER_BYTES: u64 = 16 * 1024;
/// Distinguishes the temp folders of runs in one process.
static RUNS: AtomicUsize = AtomicUsize::new(0);

/// One synthetic instance of study `s`, series `r`, instance `i`.
fn instance(s: usize, r: usize, i: usize) -> Res<Vec<u8>> {
    let study = format!("1.2.826.0.1.3680043.10.1.{s}");
    let (series, class) = (format!("{study}.{r}"), "1.2.840.10008.5.1.4.1.1.2");
    let (uid, syntax) = (
        format!("{series}.{i}"),
        TransferSyntax::ExplicitVrLittleEndian,
    );
    let mut e = Encoder::part10([0; 128], syntax, class, &uid)?;
    for (group, element, vr, value) in [
        (0x0008, 0x0016, Vr::Ui, class.to_string()),
        (0x0008, 0x0018, Vr::Ui, uid.clone()),
        (0x0008, 0x0020, Vr::Da, format!("202401{:02}", 10 + s)),
        (0x0008, 0x0050, Vr::Sh, format!("ACC{:04}", s + 1)),
        (0x0008, 0x0060, Vr::Cs, ["CT", "MR"][s % 2].to_string()),
        (0x0010, 0x0010, Vr::Pn, format!("Testpatient^Number{s}")),
        (0x0010, 0x0020, Vr::Lo, format!("MRN{:04}", s + 1)),
        (0x0020, 0x000D, Vr::Ui, study),
        (0x0020, 0x000E, Vr::Ui, series),
        (0x0020, 0x0011, Vr::Is, (r + 1).to_string()),
        (0x0020, 0x0013, Vr::Is, (i + 1).to_string()),
    ] {
        e.element(Tag::new(group, element), vr, value.as_bytes())?;
    }
    e.element(Tag::PIXEL_DATA, Vr::Ow, &vec![0u8; 64 * 1024])?;
    Ok(e.finish()?)
}

/// Writes `--files` instances, scans the folder and returns one line per study.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let n = common::count(args, "--files", 24)?;
    let (pid, k) = (std::process::id(), RUNS.fetch_add(1, SeqCst));
    let (dir, temporary) = match common::value(args, "--dir")? {
        Some(d) => (PathBuf::from(d), false),
        None => (
            std::env::temp_dir().join(format!("carewire-scan-{pid}-{k}")),
            true,
        ),
    };
    std::fs::create_dir_all(&dir)?;
    for k in 0..n {
        let (s, r, i) = (k % 3, (k / 3) % 2, k / 6);
        std::fs::write(dir.join(format!("IM{k:05}.dcm")), instance(s, r, i)?)?;
    }
    std::fs::write(dir.join("README.txt"), b"not a DICOM file")?;

    let config = ParseConfig::default()
        .stop_before_pixel_data(true)
        .max_header_len(HEADER_BYTES as usize);
    let fhir = MapConfig::with_tz(TzPolicy::Error);
    let mut studies: BTreeMap<String, (StudyBuilder, String, usize)> = BTreeMap::new();
    let (mut read, mut skipped, mut bytes) = (0, 0, 0);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    for path in paths {
        let mut head = Vec::new();
        let mut file = std::fs::File::open(&path)?.take(HEADER_BYTES);
        file.read_to_end(&mut head)?;
        bytes += head.len();
        let Ok(ds) = DataSet::parse_with(&head, &config) else {
            skipped += 1; // not DICOM: reported by kind, never by content
            continue;
        };
        let Some(study) = ds.get_str(Tag::new(0x0020, 0x000D)).map(|s| s.into_owned()) else {
            skipped += 1;
            continue;
        };
        let modality = ds.get_str(Tag::new(0x0008, 0x0060)).unwrap_or_default();
        let new = || (StudyBuilder::new(fhir), modality.into_owned(), 0);
        let entry = studies.entry(study).or_insert_with(new);
        entry.0.add_data_set(&ds)?;
        entry.2 += 1;
        read += 1;
    }
    if temporary {
        std::fs::remove_dir_all(&dir)?;
    }
    let (files, kib) = (read + skipped, bytes / 1024);
    let mut lines = vec![format!(
        "scanned {files} files: {read} DICOM, {skipped} skipped, {kib} KiB read"
    )];
    for (uid, (builder, modality, count)) in studies {
        let bundle: serde_json::Value = serde_json::from_str(&builder.finish()?.json)?;
        let mut found = common::resources(&bundle, "ImagingStudy");
        let study = found.next().ok_or("no ImagingStudy")?;
        let (series, instances) = (&study["numberOfSeries"], &study["numberOfInstances"]);
        if instances.as_u64() != Some(count as u64) {
            return Err(format!("study {uid}: {count} files but {instances} instances").into());
        }
        lines.push(format!(
            "study {uid} {modality}: {series} series, {instances} instances"
        ));
    }
    if read != n {
        return Err(format!("wrote {n} DICOM files, indexed {read}").into());
    }
    Ok(lines)
}

fn main() -> std::process::ExitCode {
    common::main("scan_dicom_dir", run)
}
