//! The modality and the PACS: DICOM headers for an imaging order, a header-only folder
//! index, and the FHIR ImagingStudy of one study.
//!
//! The modality works from the RIS worklist entry, i.e. the ORM^O01 it received:
//! patient id and issuer (PID-3.1/3.4), name (PID-5), accession (OBR-18), placer order
//! number and its issuer (OBR-2), procedure (OBR-4.2) and the study date/time with its
//! offset (OBR-7); the modality itself (CR/CT/MR/US), body part, Study Instance UID and
//! series layout come from the world's [`ImagingOrder`] (the device's own settings).
//! Files are Part 10, Explicit VR Little Endian, header only (no pixel data), written to
//! `<name>.tmp` and renamed, so a PACS scanning the folder never sees half a file.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use carewire::dicom::{DataSet, Encoder, ParseConfig, Tag, TransferSyntax, Vr};
use carewire::hl7::Message;
use carewire::mapping::dicom::StudyBuilder;
use carewire::mapping::fhir::{MapConfig, TzPolicy};

use super::clinical::{accession, placer};
use super::world::ImagingOrder;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// How much of each file the PACS reads: the header, never the pixels.
const HEADER_BYTES: u64 = 16 * 1024;

const STUDY_UID: Tag = Tag::new(0x0020, 0x000D);
const SERIES_UID: Tag = Tag::new(0x0020, 0x000E);
const SOP_UID: Tag = Tag::new(0x0008, 0x0018);

/// The storage SOP Class of a modality (Secondary Capture for any other).
pub fn sop_class(modality: &str) -> &'static str {
    match modality {
        "CR" => "1.2.840.10008.5.1.4.1.1.1",
        "CT" => "1.2.840.10008.5.1.4.1.1.2",
        "MR" => "1.2.840.10008.5.1.4.1.1.4",
        "US" => "1.2.840.10008.5.1.4.1.1.6.1",
        _ => "1.2.840.10008.5.1.4.1.1.7",
    }
}

/// One decoded value of the order, empty when absent.
fn get(order: &Message<'_>, path: &str) -> Res<String> {
    Ok(order.get_str(path)?.unwrap_or_default().into_owned())
}

/// The modality acquires the study `order` asks for: one header file per instance of
/// `im.series`, named `<accession>_<series>_<instance>.dcm`, in `dir`.
///
/// # Errors
/// The order is not `im`'s (placer or accession differ), lacks a patient id or an
/// order time; a UID longer than 64 bytes; an I/O error.
pub fn acquire(order: &Message<'_>, im: &ImagingOrder, dir: &Path) -> Res<Vec<PathBuf>> {
    let acc = accession(order).ok_or("order without accession number")?;
    if acc != im.accession || placer(order).as_deref() != Some(im.placer.as_str()) {
        return Err("worklist entry of another order".into());
    }
    if !acc.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err("accession number unusable in a file name".into());
    }
    let patient = get(order, "PID-3.1")?;
    if patient.is_empty() {
        return Err("order without patient id".into());
    }
    let issuer = get(order, "PID-3.4")?;
    let name = format!("{}^{}", get(order, "PID-5.1")?, get(order, "PID-5.2")?);
    let (placer_no, placer_ns) = (get(order, "OBR-2.1")?, get(order, "OBR-2.2")?);
    let (filler_no, filler_ns) = (get(order, "OBR-3.1")?, get(order, "OBR-3.2")?);
    let when = get(order, "OBR-7")?;
    let (date, time, offset) = match (when.get(..8), when.get(8..14), when.get(14..)) {
        (Some(d), Some(t), Some(o)) if !o.is_empty() => (d, t, o),
        _ => return Err("order time without date, time or offset".into()),
    };
    let description = get(order, "OBR-4.2")?;
    let class = sop_class(im.modality);
    let mut paths = Vec::new();
    for (s, &count) in im.series.iter().enumerate() {
        let series_uid = format!("{}.{}", im.study_uid, s + 1);
        for i in 1..=count {
            let sop = format!("{series_uid}.{i}");
            let mut e = Encoder::part10(
                [0; 128],
                TransferSyntax::ExplicitVrLittleEndian,
                class,
                &sop,
            )?;
            let mut el = |g, n, vr, v: &str| e.element(Tag::new(g, n), vr, v.as_bytes());
            el(0x0008, 0x0016, Vr::Ui, class)?;
            el(0x0008, 0x0018, Vr::Ui, &sop)?;
            el(0x0008, 0x0020, Vr::Da, date)?;
            el(0x0008, 0x0030, Vr::Tm, time)?;
            el(0x0008, 0x0050, Vr::Sh, &acc)?;
            el(0x0008, 0x0060, Vr::Cs, im.modality)?;
            el(0x0008, 0x0201, Vr::Sh, offset)?;
            el(0x0008, 0x1030, Vr::Lo, &description)?;
            el(0x0010, 0x0010, Vr::Pn, &name)?;
            el(0x0010, 0x0020, Vr::Lo, &patient)?;
            el(0x0010, 0x0021, Vr::Lo, &issuer)?;
            el(0x0018, 0x0015, Vr::Cs, im.body_part)?;
            el(0x0020, 0x000D, Vr::Ui, &im.study_uid)?;
            el(0x0020, 0x000E, Vr::Ui, &series_uid)?;
            el(0x0020, 0x0011, Vr::Is, &(s + 1).to_string())?;
            el(0x0020, 0x0013, Vr::Is, &i.to_string())?;
            // Issuers of the Placer/Filler Order Numbers: HL7 v2 HDs (namespace only).
            for (tag, ns) in [(0x0026, &placer_ns), (0x0027, &filler_ns)] {
                if !ns.is_empty() {
                    e.begin_sequence(Tag::new(0x0040, tag), false)?;
                    e.begin_item(false)?;
                    e.element(Tag::new(0x0040, 0x0031), Vr::Ut, ns.as_bytes())?;
                    e.end_item()?;
                    e.end_sequence()?;
                }
            }
            for (tag, no) in [(0x2016, &placer_no), (0x2017, &filler_no)] {
                if !no.is_empty() {
                    e.element(Tag::new(0x0040, tag), Vr::Lo, no.as_bytes())?;
                }
            }
            let file = e.finish()?;
            let path = dir.join(format!("{acc}_{}_{i}.dcm", s + 1));
            let tmp = path.with_extension("dcm.tmp");
            std::fs::write(&tmp, &file)?;
            std::fs::rename(&tmp, &path)?;
            paths.push(path);
        }
    }
    Ok(paths)
}

/// One study as the PACS indexed it.
#[derive(Clone, PartialEq, Eq)]
pub struct IndexedStudy {
    /// Study Instance UID.
    pub study_uid: String,
    /// Accession number.
    pub accession: String,
    /// Patient ID.
    pub patient_id: String,
    /// Issuer of Patient ID.
    pub issuer: String,
    /// Modality (of the first file read).
    pub modality: String,
    /// Distinct Series Instance UIDs.
    pub series: usize,
    /// Instances (files).
    pub instances: usize,
}

impl std::fmt::Debug for IndexedStudy {
    /// Shows no patient data (no patient id, accession or UIDs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedStudy")
            .field("modality", &self.modality)
            .field("series", &self.series)
            .field("instances", &self.instances)
            .finish_non_exhaustive()
    }
}

/// The first [`HEADER_BYTES`] of `path`.
fn head(path: &Path) -> Res<Vec<u8>> {
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(HEADER_BYTES)
        .read_to_end(&mut out)?;
    Ok(out)
}

fn header_config() -> ParseConfig {
    ParseConfig::default()
        .stop_before_pixel_data(true)
        .max_header_len(HEADER_BYTES as usize)
}

/// The PACS scans `dir` header-only: Part 10 files grouped by Study Instance UID,
/// sorted by it. Skips `.tmp` files (being written), folders and anything that is not a
/// Part 10 file with a Study Instance UID.
///
/// # Errors
/// The same SOP Instance UID in two files; an I/O error.
pub fn index(dir: &Path) -> Res<Vec<IndexedStudy>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    let mut studies: BTreeMap<String, (IndexedStudy, BTreeSet<String>)> = BTreeMap::new();
    let mut sops = HashSet::new();
    for path in paths {
        if !path.is_file() || path.extension().is_some_and(|x| x == "tmp") {
            continue;
        }
        let bytes = head(&path)?;
        if bytes.get(128..132) != Some(b"DICM") {
            continue; // not a Part 10 file
        }
        let Ok(ds) = DataSet::parse_with(&bytes, &header_config()) else {
            continue;
        };
        let uid = |tag| ds.get(tag).map(|e| e.uid().to_string()).unwrap_or_default();
        let text = |g, e| {
            let v = ds.get_str(Tag::new(g, e)).unwrap_or_default();
            v.trim().to_string()
        };
        let study = uid(STUDY_UID);
        if study.is_empty() {
            continue;
        }
        if !sops.insert(uid(SOP_UID)) {
            return Err("the same SOP Instance UID in two files".into());
        }
        let (entry, series) = studies.entry(study.clone()).or_insert_with(|| {
            let s = IndexedStudy {
                study_uid: study,
                accession: text(0x0008, 0x0050),
                patient_id: text(0x0010, 0x0020),
                issuer: text(0x0010, 0x0021),
                modality: text(0x0008, 0x0060),
                series: 0,
                instances: 0,
            };
            (s, BTreeSet::new())
        });
        series.insert(uid(SERIES_UID));
        entry.series = series.len();
        entry.instances += 1;
    }
    Ok(studies.into_values().map(|(s, _)| s).collect())
}

/// The FHIR R4 ImagingStudy resource (JSON) of one study's `files`, read header-only
/// and aggregated with `mapping::dicom::StudyBuilder`. Taken out of its Bundle, its
/// `subject` is the literal `Patient/<id>` (the id the v2 mapping of the order's PID
/// gives) instead of the Bundle-local `urn:uuid:<id>`.
///
/// # Errors
/// A file that cannot be read or parsed; a mapping error; no ImagingStudy produced.
pub fn imaging_study(files: &[PathBuf]) -> Res<String> {
    let mut builder = StudyBuilder::new(MapConfig::with_tz(TzPolicy::Error));
    for path in files {
        let bytes = head(path)?;
        let ds = DataSet::parse_with(&bytes, &header_config())?;
        builder.add_data_set(&ds)?;
    }
    let bundle: serde_json::Value = serde_json::from_str(&builder.finish()?.json)?;
    let study = bundle["entry"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .map(|e| &e["resource"])
                .find(|r| r["resourceType"] == "ImagingStudy")
        })
        .ok_or("no ImagingStudy")?;
    let mut study = study.clone();
    if let Some(subject) = study
        .get_mut("subject")
        .and_then(|s| s.get_mut("reference"))
    {
        let id = subject.as_str().and_then(|r| r.strip_prefix("urn:uuid:"));
        if let Some(reference) = id.map(|id| format!("Patient/{id}")) {
            *subject = reference.into();
        }
    }
    Ok(serde_json::to_string(&study)?)
}

#[cfg(test)]
mod tests {
    use super::super::clinical::imaging_order;
    use super::super::world::{generate, Day, Encounter};
    use super::*;
    use carewire::mapping::v2;

    /// A fresh folder for one test.
    fn folder(test: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("carewire-hospital-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The first imaging order of each modality.
    fn orders(day: &Day) -> Vec<(&Encounter, &ImagingOrder)> {
        let mut seen = HashSet::new();
        day.encounters
            .iter()
            .filter_map(|e| e.imaging.as_ref().map(|i| (e, i)))
            .filter(|(_, i)| seen.insert(i.modality))
            .collect()
    }

    #[test]
    fn acquire_then_index_round_trip() {
        let day = generate(2, 60);
        let dir = folder("round_trip");
        std::fs::write(dir.join("README.txt"), b"not a DICOM file").unwrap();
        std::fs::write(dir.join("half.dcm.tmp"), b"partial").unwrap();
        let orders = orders(&day);
        assert_eq!(orders.len(), 4, "CR, CT, MR and US");
        let mut files = 0;
        for (e, im) in &orders {
            let orm = imaging_order(&day, e, im).unwrap();
            let paths = acquire(&Message::parse(&orm).unwrap(), im, &dir).unwrap();
            assert_eq!(paths.len(), im.series.iter().sum::<usize>());
            let first = format!("{}_1_1.dcm", im.accession);
            assert!(paths[0].ends_with(first));
            files += paths.len();
        }
        let studies = index(&dir).unwrap();
        assert_eq!(studies.len(), orders.len());
        assert_eq!(studies.iter().map(|s| s.instances).sum::<usize>(), files);
        for (e, im) in &orders {
            let s = studies
                .iter()
                .find(|s| s.study_uid == im.study_uid)
                .unwrap();
            assert_eq!(s.series, im.series.len());
            assert_eq!(s.instances, im.series.iter().sum::<usize>());
            assert_eq!(s.accession, im.accession);
            assert_eq!(s.patient_id, day.patient(e).mrn);
            assert_eq!(
                (s.issuer.as_str(), s.modality.as_str()),
                ("GENHOSP", im.modality)
            );
        }
        let uids: Vec<&str> = studies.iter().map(|s| s.study_uid.as_str()).collect();
        assert!(uids.windows(2).all(|w| w[0] < w[1]), "sorted by study uid");
        // A copy of an instance under another name is a duplicate SOP Instance UID.
        let one = dir.join(format!("{}_1_1.dcm", orders[0].1.accession));
        std::fs::copy(one, dir.join("copy.dcm")).unwrap();
        assert!(index(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn imaging_study_links_order_and_patient() {
        let day = generate(2, 60);
        let dir = folder("imaging_study");
        let (e, im) = orders(&day)
            .into_iter()
            .find(|(_, i)| i.series.len() > 1)
            .unwrap();
        let orm = imaging_order(&day, e, im).unwrap();
        let paths = acquire(&Message::parse(&orm).unwrap(), im, &dir).unwrap();
        let json = imaging_study(&paths).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let bundle = format!(
            r#"{{"resourceType":"Bundle","type":"collection","entry":[{{"resource":{json}}}]}}"#
        );
        super::super::clinical::fhir_check::check(vec![("study".into(), bundle)]);
        let study: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(study["resourceType"], "ImagingStudy");
        assert!(json.contains(&format!("urn:oid:{}", im.study_uid)));
        assert_eq!(study["numberOfSeries"], im.series.len());
        assert_eq!(study["numberOfInstances"], im.series.iter().sum::<usize>());
        // The v2 order's ServiceRequest and Patient are the ones the study points at.
        let config = MapConfig::with_tz(TzPolicy::Error);
        let order: serde_json::Value =
            serde_json::from_str(&v2::to_fhir(&orm, &config).unwrap().json).unwrap();
        let id = |kind: &str| {
            let entries = order["entry"].as_array().unwrap();
            let r = entries
                .iter()
                .find(|x| x["resource"]["resourceType"] == kind)
                .unwrap();
            r["resource"]["id"].as_str().unwrap().to_string()
        };
        let based_on = study["basedOn"].to_string();
        assert!(based_on.contains(&format!("ServiceRequest/{}", id("ServiceRequest"))));
        let subject = study["subject"]["reference"].as_str().unwrap();
        assert_eq!(subject, format!("Patient/{}", id("Patient")));
    }

    #[test]
    fn acquire_refuses_another_orders_worklist_entry() {
        let day = generate(2, 60);
        let dir = folder("refuse");
        let orders = orders(&day);
        let orm = imaging_order(&day, orders[0].0, orders[0].1).unwrap();
        assert!(acquire(&Message::parse(&orm).unwrap(), orders[1].1, &dir).is_err());
        assert!(index(&dir).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
