//! DICOM → FHIR R4 ImagingStudy (+ Patient, referring Practitioner).
//!
//! [`to_fhir`] converts one DICOM file (Part 10 or a bare data set); a [`StudyBuilder`]
//! aggregates many files of one study into one ImagingStudy with its `series[]` and
//! `instance[]`. Only the header is read (parsing stops before the pixel data).
//!
//! ```
//! use carewire_dicom_lite::{Encoder, Tag, TransferSyntax, Vr};
//! use carewire_mapping::dicom::to_fhir;
//! use carewire_mapping::fhir::{MapConfig, TzPolicy};
//!
//! let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
//! enc.element(Tag::new(0x0008, 0x0016), Vr::Ui, b"1.2.840.10008.5.1.4.1.1.2")?;
//! enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, b"1.2.3.4.5.6")?;
//! enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240131")?;
//! enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC1")?;
//! enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"CT")?;
//! enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jane")?;
//! enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN1")?;
//! enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.3.4")?;
//! enc.element(Tag::new(0x0020, 0x000E), Vr::Ui, b"1.2.3.4.5")?;
//! let file = enc.finish()?;
//! let out = to_fhir(&file, &MapConfig::with_tz(TzPolicy::Error))?;
//! assert!(out.json.contains("\"resourceType\":\"ImagingStudy\""));
//! assert!(out.json.contains("urn:oid:1.2.3.4"));
//! assert!(out.report.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What maps
//!
//! | DICOM | FHIR |
//! |---|---|
//! | Study Instance UID (0020,000D) | `ImagingStudy.identifier` (`urn:dicom:uid`, `urn:oid:<uid>`) |
//! | Accession Number (0008,0050), Issuer (0008,0051) | `identifier` of type v2-0203 `ACSN` |
//! | Placer/Filler Order Number (0040,2016)/(0040,2017) | `basedOn` (see below) |
//! | Modality (0008,0060), Modalities in Study (0008,0061) | `modality`, `series.modality` (DCM) |
//! | Study Date/Time (0008,0020)/(0008,0030), Timezone Offset (0008,0201) | `started` |
//! | Study Description (0008,1030) | `description` |
//! | Referring Physician's Name (0008,0090) | `referrer` → Practitioner |
//! | Series Instance UID, Number, Description, Date/Time | `series.uid`, `number`, `description`, `started` |
//! | Body Part Examined (0018,0015) | `series.bodySite` (SNOMED CT, small table) |
//! | Laterality (0020,0060) | `series.laterality` (SNOMED CT) |
//! | SOP Class/Instance UID, Instance Number | `instance.sopClass`, `uid`, `number` |
//! | Patient ID (0010,0020), Issuer (0010,0021, 0010,0024) | Patient.identifier and id |
//! | Patient's Name, Birth Date, Sex | Patient.name, birthDate, gender |
//!
//! `numberOfSeries` and `numberOfInstances` (study and series) count what was added.
//! `endpoint` is omitted (no WADO base URL is known here).
//!
//! The Patient id is [`crate::fhir::patient_id`] of the issuer and the Patient ID, the
//! same key HL7 v2 uses for the first PID-3 identifier (CX.4 universal id as
//! `urn:oid:` when it is an ISO OID, else the namespace): an ADT with
//! `PID-3 = 123^^^HOSP` and a DICOM file with Patient ID `123`, Issuer `HOSP` give the
//! same Patient id. Without a Patient ID the Patient is keyed on the study UID.
//!
//! # The imaging order (`basedOn`)
//!
//! HL7 v2 keys its ServiceRequest on the filler order number (OBR-3/ORC-3), else the
//! placer order number (`F|<authority>|<number>`, the authority being the universal id
//! as a URI, else the namespace, as for ORM/OML orders) — not on the accession number (OBR-18 / IPC-1), which is a
//! different identifier in IHE Scheduled Workflow. So `basedOn` always carries a logical
//! reference by identifier (`type` ACSN, `system` from the issuer, `value`); and when the
//! file carries the Filler (0040,2017) or Placer (0040,2016) Order Number of the Imaging
//! Service Request (at the top level or in the Request Attributes Sequence (0040,0275)),
//! it also carries the literal reference `ServiceRequest/<id>` with the same id the v2
//! conversion of that order produces (the v2 Bundle's transaction URL), so both land on
//! one resource in a server.
//!
//! # Bundle
//!
//! A DICOM file is not a message: [`BundleType::Message`] (the default) is written as a
//! `transaction` Bundle (`PUT Type/id` entries); `transaction` and `batch` are kept.
//!
//! # Report
//!
//! Non-empty patient attributes (group 0010) and study attributes from a fixed list
//! (Study ID, physicians, institution, …) that are read but not mapped are reported as
//! [`ReportKind::NotMapped`] at their tag (`(0010,1010)`); unreadable dates, times and
//! numbers as [`ReportKind::InvalidValue`]; unknown sex, modality and body part codes as
//! [`ReportKind::UnknownCode`]; a file of another study given to the same builder as
//! [`ReportKind::InvalidValue`] at `file[n]` (and skipped). Values are never reported.

use std::collections::HashSet;

use carewire_dicom_lite::{DataSet, Element, ParseConfig, Tag, Time};

pub use crate::fhir::Conversion;
use crate::fhir::{
    authority_key, hd_uri, patient_id, resource_id, BundleBuilder, BundleType, Error, ErrorKind,
    Json, MapConfig, Report, ReportKind, ResourceId, TzPolicy,
};

const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";
const SCT: &str = "http://snomed.info/sct";
const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";

const fn t(g: u16, e: u16) -> Tag {
    Tag::new(g, e)
}

const SOP_CLASS: Tag = t(0x0008, 0x0016);
const SOP_INSTANCE: Tag = t(0x0008, 0x0018);
const STUDY_DATE: Tag = t(0x0008, 0x0020);
const SERIES_DATE: Tag = t(0x0008, 0x0021);
const STUDY_TIME: Tag = t(0x0008, 0x0030);
const SERIES_TIME: Tag = t(0x0008, 0x0031);
const ACCESSION: Tag = t(0x0008, 0x0050);
const ACCESSION_ISSUER: Tag = t(0x0008, 0x0051);
const MODALITY: Tag = t(0x0008, 0x0060);
const MODALITIES_IN_STUDY: Tag = t(0x0008, 0x0061);
const REFERRING: Tag = t(0x0008, 0x0090);
const TZ_OFFSET: Tag = t(0x0008, 0x0201);
const STUDY_DESCRIPTION: Tag = t(0x0008, 0x1030);
const SERIES_DESCRIPTION: Tag = t(0x0008, 0x103E);
const PATIENT_NAME: Tag = t(0x0010, 0x0010);
const PATIENT_ID: Tag = t(0x0010, 0x0020);
const ISSUER_OF_PATIENT_ID: Tag = t(0x0010, 0x0021);
const ISSUER_QUALIFIERS: Tag = t(0x0010, 0x0024);
const BIRTH_DATE: Tag = t(0x0010, 0x0030);
const SEX: Tag = t(0x0010, 0x0040);
const BODY_PART: Tag = t(0x0018, 0x0015);
const STUDY_UID: Tag = t(0x0020, 0x000D);
const SERIES_UID: Tag = t(0x0020, 0x000E);
const SERIES_NUMBER: Tag = t(0x0020, 0x0011);
const INSTANCE_NUMBER: Tag = t(0x0020, 0x0013);
const LATERALITY: Tag = t(0x0020, 0x0060);
const LOCAL_NAMESPACE: Tag = t(0x0040, 0x0031);
const UNIVERSAL_ID: Tag = t(0x0040, 0x0032);
const UNIVERSAL_ID_TYPE: Tag = t(0x0040, 0x0033);
const PLACER_ISSUER: Tag = t(0x0040, 0x0026);
const FILLER_ISSUER: Tag = t(0x0040, 0x0027);
const REQUEST_ATTRIBUTES: Tag = t(0x0040, 0x0275);
const PLACER_ORDER: Tag = t(0x0040, 0x2016);
const FILLER_ORDER: Tag = t(0x0040, 0x2017);

/// Patient attributes this mapping consumes (every other non-empty group 0010 element
/// is reported).
const PATIENT_MAPPED: [Tag; 6] = [
    PATIENT_NAME,
    PATIENT_ID,
    ISSUER_OF_PATIENT_ID,
    ISSUER_QUALIFIERS,
    BIRTH_DATE,
    SEX,
];

/// Study-level attributes read for the report only: non-empty means not mapped.
const STUDY_UNMAPPED: [Tag; 9] = [
    t(0x0008, 0x0080), // Institution Name
    t(0x0008, 0x0081), // Institution Address
    t(0x0008, 0x1040), // Institutional Department Name
    t(0x0008, 0x1048), // Physician(s) of Record
    t(0x0008, 0x1060), // Name of Physician(s) Reading Study
    t(0x0008, 0x1080), // Admitting Diagnoses Description
    t(0x0020, 0x0010), // Study ID
    t(0x0032, 0x1032), // Requesting Physician
    t(0x0032, 0x1060), // Requested Procedure Description
];

/// DICOM modality codes (PS3.3 C.7.3.1.1.1, CID 29/33) accepted as DCM codes.
const MODALITIES: &[&str] = &[
    "AR",
    "ASMT",
    "AU",
    "BDUS",
    "BI",
    "BMD",
    "CR",
    "CT",
    "CTPROTOCOL",
    "DG",
    "DOC",
    "DX",
    "ECG",
    "EPS",
    "ES",
    "FID",
    "GM",
    "HC",
    "HD",
    "IO",
    "IOL",
    "IVOCT",
    "IVUS",
    "KER",
    "KO",
    "LEN",
    "LS",
    "MG",
    "MR",
    "M3D",
    "NM",
    "OAM",
    "OCT",
    "OP",
    "OPM",
    "OPT",
    "OPTBSV",
    "OPTENF",
    "OPV",
    "OSS",
    "OT",
    "PLAN",
    "PR",
    "PT",
    "PX",
    "REG",
    "RESP",
    "RF",
    "RG",
    "RTDOSE",
    "RTIMAGE",
    "RTINTENT",
    "RTPLAN",
    "RTRAD",
    "RTRECORD",
    "RTSEGANN",
    "RTSTRUCT",
    "RWV",
    "SEG",
    "SM",
    "SMR",
    "SR",
    "SRF",
    "STAIN",
    "TEXTUREMAP",
    "TG",
    "US",
    "VA",
    "XA",
    "XC",
];

/// Body Part Examined (PS3.16 Annex L) → SNOMED CT.
const BODY_PARTS: &[(&str, &str, &str)] = &[
    ("ABDOMEN", "818981001", "Abdomen"),
    ("ANKLE", "70258002", "Ankle joint"),
    ("BRAIN", "12738006", "Brain"),
    ("BREAST", "76752008", "Breast"),
    ("CHEST", "51185008", "Thorax"),
    ("CSPINE", "122494005", "Cervical spine"),
    ("ELBOW", "16953009", "Elbow joint"),
    ("EXTREMITY", "66019005", "Limb"),
    ("FOOT", "56459004", "Foot"),
    ("HAND", "85562004", "Hand"),
    ("HEAD", "69536005", "Head"),
    ("HEART", "80891009", "Heart"),
    ("HIP", "24136001", "Hip joint"),
    ("KIDNEY", "64033007", "Kidney"),
    ("KNEE", "72696002", "Knee"),
    ("LIVER", "10200004", "Liver"),
    ("LSPINE", "122496007", "Lumbar spine"),
    ("NECK", "45048000", "Neck"),
    ("PELVIS", "12921003", "Pelvis"),
    ("SHOULDER", "16982005", "Shoulder"),
    ("SKULL", "89546000", "Skull"),
    ("SPINE", "421060004", "Spine"),
    ("TSPINE", "122495006", "Thoracic spine"),
    ("WHOLEBODY", "38266002", "Entire body as a whole"),
    ("WRIST", "74670003", "Wrist joint"),
];

/// Converts one DICOM file (Part 10 or a bare data set) into a Bundle with an
/// ImagingStudy, its Patient and the referring Practitioner.
///
/// # Errors
///
/// [`ErrorKind::Parse`] when the input is not a DICOM data set; otherwise as
/// [`StudyBuilder::finish`].
pub fn to_fhir(file: &[u8], config: &MapConfig) -> Result<Conversion, Error> {
    let mut b = StudyBuilder::new(*config);
    b.add(file)?;
    b.finish()
}

/// A person name split for FHIR.
#[derive(Clone, Default, PartialEq, Eq)]
struct Name {
    family: String,
    given: String,
    middle: String,
    prefix: String,
    suffix: String,
}

impl Name {
    fn read(e: Option<Element<'_>>) -> Option<Name> {
        let n = e?.with_person_name(|pn| {
            // The alphabetic group, else the ideographic, else the phonetic one.
            let a = [pn.alphabetic, pn.ideographic, pn.phonetic]
                .into_iter()
                .find(|g| !g.is_empty())
                .unwrap_or(pn.alphabetic);
            Name {
                family: a.family.trim().to_string(),
                given: a.given.trim().to_string(),
                middle: a.middle.trim().to_string(),
                prefix: a.prefix.trim().to_string(),
                suffix: a.suffix.trim().to_string(),
            }
        })?;
        (!(n.family.is_empty() && n.given.is_empty() && n.middle.is_empty())).then_some(n)
    }

    fn write(&self, j: &mut Json<'_>) {
        j.obj(None);
        j.str(Some("family"), &self.family);
        j.arr(Some("given"));
        j.str(None, &self.given);
        j.str(None, &self.middle);
        j.end_arr();
        j.arr(Some("prefix"));
        j.str(None, &self.prefix);
        j.end_arr();
        j.arr(Some("suffix"));
        j.str(None, &self.suffix);
        j.end_arr();
        j.end_obj();
    }
}

#[derive(Clone, Default)]
struct Patient {
    id_value: String,
    authority: String,
    issuer_ns: String,
    issuer_system: Option<String>,
    name: Option<Name>,
    birth: Option<String>,
    gender: &'static str,
}

/// An issuer (HL7 HD): namespace and a system URI when the universal id allows one.
#[derive(Clone, Default)]
struct Issuer {
    ns: String,
    system: Option<String>,
    /// [`authority_key`]: the system, else the namespace (the v2 order key part).
    key: String,
}

#[derive(Clone, Default)]
struct Study {
    uid: String,
    accession: String,
    accession_issuer: Issuer,
    order: Option<ResourceId>,
    started: Option<String>,
    description: String,
    referrer: Option<Name>,
    modalities: Vec<String>,
}

#[derive(Clone, Default)]
struct Instance {
    uid: String,
    sop_class: String,
    number: Option<u64>,
}

#[derive(Clone, Default)]
struct Series {
    uid: String,
    number: Option<u64>,
    modality: String,
    description: String,
    body_site: Option<(&'static str, &'static str)>,
    laterality: Option<(&'static str, &'static str)>,
    started: Option<String>,
    instances: Vec<Instance>,
}

/// Aggregates the files of one study into one ImagingStudy.
///
/// The first file added sets the study and the patient; later files add series and
/// instances (an instance whose SOP Instance UID was already added is skipped). A file
/// of another study is reported and skipped.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::{Encoder, Tag, TransferSyntax, Vr};
/// use carewire_mapping::dicom::StudyBuilder;
/// use carewire_mapping::fhir::MapConfig;
///
/// let file = |sop: &[u8]| -> Result<Vec<u8>, carewire_dicom_lite::Error> {
///     let mut enc = Encoder::new(TransferSyntax::ExplicitVrLittleEndian);
///     enc.element(Tag::new(0x0008, 0x0016), Vr::Ui, b"1.2.840.10008.5.1.4.1.1.4")?;
///     enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, sop)?;
///     enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"MR")?;
///     enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, b"1.2.3")?;
///     enc.element(Tag::new(0x0020, 0x000E), Vr::Ui, b"1.2.3.1")?;
///     enc.finish()
/// };
/// let mut study = StudyBuilder::new(MapConfig::default());
/// study.add(&file(b"1.2.3.1.1")?)?;
/// study.add(&file(b"1.2.3.1.2")?)?;
/// assert_eq!(study.instance_count(), 2);
/// let out = study.finish()?;
/// assert!(out.json.contains("\"numberOfInstances\":2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StudyBuilder {
    cfg: MapConfig,
    report: Report,
    files: usize,
    study: Option<Study>,
    patient: Option<Patient>,
    series: Vec<Series>,
    /// SOP Instance UIDs added (duplicates are skipped).
    seen: HashSet<String>,
}

impl std::fmt::Debug for StudyBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StudyBuilder")
            .field("files", &self.files)
            .field("series", &self.series.len())
            .field("instances", &self.instance_count())
            .finish()
    }
}

fn text(ds: &DataSet<'_>, tag: Tag) -> String {
    ds.get(tag)
        .map(|e| e.to_str().trim().to_string())
        .unwrap_or_default()
}

fn uid(ds: &DataSet<'_>, tag: Tag) -> String {
    ds.get(tag)
        .map(|e| e.uid().trim().to_string())
        .unwrap_or_default()
}

fn item_text(e: &Element<'_>, tag: Tag) -> String {
    e.get(tag)
        .map(|v| v.to_str().trim().to_string())
        .unwrap_or_default()
}

/// The issuer in an HL7v2 Hierarchic Designator macro item (PS3.3 10.14).
fn hd_issuer(seq: Option<Element<'_>>) -> Issuer {
    let Some(item) = seq.and_then(|s| s.items().next()) else {
        return Issuer::default();
    };
    let (ns, uid, ut) = (
        item_text(&item, LOCAL_NAMESPACE),
        item_text(&item, UNIVERSAL_ID),
        item_text(&item, UNIVERSAL_ID_TYPE),
    );
    Issuer {
        system: hd_uri(&uid, &ut),
        key: authority_key(&ns, &uid, &ut),
        ns,
    }
}

fn tag_loc(tag: Tag) -> String {
    tag.to_string()
}

impl StudyBuilder {
    /// An empty builder.
    pub fn new(config: MapConfig) -> StudyBuilder {
        StudyBuilder {
            cfg: config,
            report: Report::default(),
            files: 0,
            study: None,
            patient: None,
            series: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Number of instances added so far.
    pub fn instance_count(&self) -> usize {
        self.series.iter().map(|s| s.instances.len()).sum()
    }

    fn push(&mut self, loc: String, kind: ReportKind) {
        if !self.report.contains(&loc) {
            self.report.push(loc, kind);
        }
    }

    /// Parses `file` (header only) and adds it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Parse`] when `file` is not a DICOM data set; as
    /// [`StudyBuilder::add_data_set`].
    pub fn add(&mut self, file: &[u8]) -> Result<(), Error> {
        let cfg = ParseConfig::default().stop_before_pixel_data(true);
        let ds = DataSet::parse_with(file, &cfg).map_err(|_| {
            Error::new(
                ErrorKind::Parse,
                format!("file[{}]", self.files.saturating_add(1)),
            )
        })?;
        self.add_data_set(&ds)
    }

    /// Adds a parsed data set.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingOffset`] when a study or series date/time has a time, no
    /// Timezone Offset From UTC (0008,0201) and the policy is [`TzPolicy::Error`].
    pub fn add_data_set(&mut self, ds: &DataSet<'_>) -> Result<(), Error> {
        self.files += 1;
        let study_uid = uid(ds, STUDY_UID);
        let offset = self.offset(ds);
        if let Some(s) = &self.study {
            if s.uid != study_uid {
                let loc = format!("file[{}]", self.files);
                self.push(loc, ReportKind::InvalidValue);
                return Ok(());
            }
        } else {
            if study_uid.is_empty() {
                self.push(tag_loc(STUDY_UID), ReportKind::InvalidValue);
            }
            let started = self.datetime(ds, STUDY_DATE, STUDY_TIME, offset)?;
            let mut modalities = Vec::new();
            if let Some(e) = ds.get(MODALITIES_IN_STUDY) {
                for m in e.strings() {
                    if let Some(code) = self.modality(&m, MODALITIES_IN_STUDY) {
                        if !modalities.iter().any(|x: &String| x == code) {
                            modalities.push(code.to_string());
                        }
                    }
                }
            }
            let study = Study {
                uid: study_uid,
                accession: text(ds, ACCESSION),
                accession_issuer: hd_issuer(ds.get(ACCESSION_ISSUER)),
                order: order_id(ds),
                started,
                description: text(ds, STUDY_DESCRIPTION),
                referrer: Name::read(ds.get(REFERRING)),
                modalities,
            };
            self.study = Some(study);
            let patient = self.read_patient(ds);
            self.patient = Some(patient);
            for tag in STUDY_UNMAPPED {
                if ds.get(tag).is_some_and(|e| !e.to_str().trim().is_empty()) {
                    self.push(tag_loc(tag), ReportKind::NotMapped);
                }
            }
        }
        self.add_instance(ds, offset)
    }

    fn offset(&mut self, ds: &DataSet<'_>) -> Option<i16> {
        let raw = text(ds, TZ_OFFSET);
        if raw.is_empty() {
            return None;
        }
        match TzPolicy::parse_offset(&raw) {
            Some(TzPolicy::AssumeOffset(m)) => Some(m),
            _ => {
                self.push(tag_loc(TZ_OFFSET), ReportKind::InvalidValue);
                None
            }
        }
    }

    fn modality(&mut self, code: &str, tag: Tag) -> Option<&'static str> {
        let code = code.trim();
        if code.is_empty() {
            return None;
        }
        let found = MODALITIES.iter().find(|m| **m == code).copied();
        if found.is_none() {
            self.push(tag_loc(tag), ReportKind::UnknownCode("DCM"));
        }
        found
    }

    fn number(&mut self, ds: &DataSet<'_>, tag: Tag) -> Option<u64> {
        let e = ds.get(tag)?;
        let s = e.to_str();
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match carewire_dicom_lite::parse_is(s).and_then(|n| u64::try_from(n).ok()) {
            Some(n) if n <= u64::from(u32::MAX >> 1) => Some(n),
            _ => {
                self.push(tag_loc(tag), ReportKind::InvalidValue);
                None
            }
        }
    }

    /// A date (+ time + offset) as a FHIR dateTime; invalid parts are reported.
    fn datetime(
        &mut self,
        ds: &DataSet<'_>,
        date_tag: Tag,
        time_tag: Tag,
        offset: Option<i16>,
    ) -> Result<Option<String>, Error> {
        let date_text = text(ds, date_tag);
        if date_text.is_empty() {
            return Ok(None);
        }
        let Some(date) = carewire_dicom_lite::Date::parse(&date_text) else {
            self.push(tag_loc(date_tag), ReportKind::InvalidValue);
            return Ok(None);
        };
        let mut out = date.to_string();
        let time_text = text(ds, time_tag);
        if time_text.is_empty() {
            return Ok(Some(out));
        }
        let Some(time) = Time::parse(&time_text) else {
            self.push(tag_loc(time_tag), ReportKind::InvalidValue);
            return Ok(Some(out));
        };
        let minutes = match (offset, self.cfg.tz) {
            (Some(m), _) | (None, TzPolicy::AssumeOffset(m)) => m,
            (None, TzPolicy::DateOnly) => {
                self.push(tag_loc(time_tag), ReportKind::PrecisionReduced);
                return Ok(Some(out));
            }
            (None, TzPolicy::Error) => {
                return Err(Error::new(ErrorKind::MissingOffset, tag_loc(time_tag)))
            }
        };
        push_time(&mut out, &time, minutes);
        Ok(Some(out))
    }

    fn read_patient(&mut self, ds: &DataSet<'_>) -> Patient {
        let id_value = text(ds, PATIENT_ID);
        let quals = hd_issuer(ds.get(ISSUER_QUALIFIERS));
        let issuer_ns = text(ds, ISSUER_OF_PATIENT_ID);
        let (uid, ut) = ds
            .get(ISSUER_QUALIFIERS)
            .and_then(|s| s.items().next())
            .map(|i| {
                (
                    item_text(&i, UNIVERSAL_ID),
                    item_text(&i, UNIVERSAL_ID_TYPE),
                )
            })
            .unwrap_or_default();
        let authority = authority_key(&issuer_ns, &uid, &ut);
        let birth_text = text(ds, BIRTH_DATE);
        let birth = if birth_text.is_empty() {
            None
        } else {
            let d = carewire_dicom_lite::Date::parse(&birth_text);
            if d.is_none() {
                self.push(tag_loc(BIRTH_DATE), ReportKind::InvalidValue);
            }
            d.map(|d| d.to_string())
        };
        let gender = match text(ds, SEX).as_str() {
            "" => "",
            "M" => "male",
            "F" => "female",
            "O" => "other",
            _ => {
                self.push(tag_loc(SEX), ReportKind::UnknownCode("DICOM sex"));
                ""
            }
        };
        for e in ds.elements() {
            let tag = e.tag();
            if tag.group() == 0x0010
                && !tag.is_group_length()
                && !PATIENT_MAPPED.contains(&tag)
                && !e.raw().iter().all(|b| matches!(b, b' ' | 0))
            {
                self.push(tag_loc(tag), ReportKind::NotMapped);
            }
        }
        Patient {
            id_value,
            authority,
            issuer_ns,
            issuer_system: quals.system,
            name: Name::read(ds.get(PATIENT_NAME)),
            birth,
            gender,
        }
    }

    fn add_instance(&mut self, ds: &DataSet<'_>, offset: Option<i16>) -> Result<(), Error> {
        let series_uid = uid(ds, SERIES_UID);
        if series_uid.is_empty() {
            self.push(tag_loc(SERIES_UID), ReportKind::InvalidValue);
            return Ok(());
        }
        let pos = match self.series.iter().position(|s| s.uid == series_uid) {
            Some(p) => p,
            None => {
                let modality_text = text(ds, MODALITY);
                let modality = match self.modality(&modality_text, MODALITY) {
                    Some(m) => m,
                    None => {
                        if modality_text.is_empty() {
                            self.push(tag_loc(MODALITY), ReportKind::InvalidValue);
                        }
                        "OT" // ImagingStudy.series.modality is required: "other".
                    }
                };
                let part = text(ds, BODY_PART);
                let body_site = if part.is_empty() {
                    None
                } else {
                    let hit = BODY_PARTS
                        .iter()
                        .find(|(k, _, _)| k.eq_ignore_ascii_case(&part))
                        .map(|(_, c, d)| (*c, *d));
                    if hit.is_none() {
                        self.push(tag_loc(BODY_PART), ReportKind::UnknownCode("PS3.16 L"));
                    }
                    hit
                };
                let laterality = match text(ds, LATERALITY).as_str() {
                    "" => None,
                    "R" => Some(("24028007", "Right")),
                    "L" => Some(("7771000", "Left")),
                    "B" => Some(("51440002", "Right and left")),
                    _ => {
                        self.push(tag_loc(LATERALITY), ReportKind::UnknownCode("laterality"));
                        None
                    }
                };
                let series = Series {
                    number: self.number(ds, SERIES_NUMBER),
                    modality: modality.to_string(),
                    description: text(ds, SERIES_DESCRIPTION),
                    body_site,
                    laterality,
                    started: self.datetime(ds, SERIES_DATE, SERIES_TIME, offset)?,
                    instances: Vec::new(),
                    uid: series_uid,
                };
                if let Some(st) = &mut self.study {
                    if !st.modalities.contains(&series.modality) {
                        st.modalities.push(series.modality.clone());
                    }
                }
                self.series.push(series);
                self.series.len() - 1
            }
        };
        let sop_uid = uid(ds, SOP_INSTANCE);
        let sop_class = uid(ds, SOP_CLASS);
        if sop_uid.is_empty() || sop_class.is_empty() {
            let tag = if sop_uid.is_empty() {
                SOP_INSTANCE
            } else {
                SOP_CLASS
            };
            self.push(tag_loc(tag), ReportKind::InvalidValue);
            return Ok(());
        }
        if !self.seen.insert(sop_uid.clone()) {
            return Ok(());
        }
        let number = self.number(ds, INSTANCE_NUMBER);
        if let Some(series) = self.series.get_mut(pos) {
            series.instances.push(Instance {
                uid: sop_uid,
                sop_class,
                number,
            });
        }
        Ok(())
    }

    /// Writes the Bundle.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingSegment`] when no file was added; [`ErrorKind::Strict`] in
    /// strict mode when the report is not empty.
    pub fn finish(mut self) -> Result<Conversion, Error> {
        let (Some(study), Some(patient)) = (self.study.take(), self.patient.take()) else {
            return Err(Error::new(ErrorKind::MissingSegment, "file[1]"));
        };
        if self.cfg.strict {
            if let Some(first) = self.report.items().first() {
                return Err(Error::new(
                    ErrorKind::Strict(first.kind),
                    first.location.clone(),
                ));
            }
        }
        let bundle_type = match self.cfg.bundle_type {
            BundleType::Message => BundleType::Transaction,
            t => t,
        };
        let study_key = if study.uid.is_empty() {
            format!("no-uid|{}|{}", patient.authority, patient.id_value)
        } else {
            study.uid.clone()
        };
        let bundle_id = resource_id("Bundle", &["dicom", &study_key]);
        let mut b = BundleBuilder::new(
            bundle_type,
            &bundle_id,
            "",
            "",
            4096 + self.instance_count().saturating_mul(200),
        );
        let pid = if patient.id_value.is_empty() {
            resource_id("Patient", &["dicom-study", &study_key])
        } else {
            patient_id(&patient.authority, &patient.id_value)
        };
        write_patient(&mut b, pid, &patient);
        let referrer = study.referrer.as_ref().map(|n| {
            let id = resource_id("Practitioner", &["name", &n.family, &n.given, &n.middle]);
            if let Some(mut j) = b.begin("Practitioner", id) {
                j.arr(Some("name"));
                n.write(&mut j);
                j.end_arr();
                drop(j);
                b.end();
            }
            id
        });
        let sid = resource_id("ImagingStudy", &[&study_key]);
        self.series.sort_by_key(|s| s.number.unwrap_or(u64::MAX));
        if let Some(mut j) = b.begin("ImagingStudy", sid) {
            write_study(&mut j, &study, &self.series, pid, referrer.as_ref());
            drop(j);
            b.end();
        }
        Ok(Conversion {
            json: b.finish(),
            report: self.report,
        })
    }
}

fn push_time(out: &mut String, time: &Time, minutes: i16) {
    use std::fmt::Write;
    let _ = write!(
        out,
        "T{:02}:{:02}:{:02}",
        time.hour,
        time.minute.unwrap_or(0),
        time.second.unwrap_or(0).min(59)
    );
    if time.fraction_digits > 0 {
        let frac = format!("{:06}", time.micros);
        out.push('.');
        out.push_str(
            frac.get(..usize::from(time.fraction_digits.min(6)))
                .unwrap_or("0"),
        );
    }
    if minutes == 0 {
        out.push('Z');
    } else {
        let m = minutes.unsigned_abs();
        let _ = write!(
            out,
            "{}{:02}:{:02}",
            if minutes < 0 { '-' } else { '+' },
            m / 60,
            m % 60
        );
    }
}

/// The id v2 gives the ServiceRequest of this order (filler order number, else placer),
/// when the file names the order.
fn order_id(ds: &DataSet<'_>) -> Option<ResourceId> {
    let pick =
        |get: &dyn Fn(Tag) -> Option<String>, issuer: &dyn Fn(Tag) -> Issuer| -> Option<String> {
            for (num, iss, p) in [
                (FILLER_ORDER, FILLER_ISSUER, 'F'),
                (PLACER_ORDER, PLACER_ISSUER, 'P'),
            ] {
                if let Some(v) = get(num).filter(|v| !v.is_empty()) {
                    return Some(format!("{p}|{}|{v}", issuer(iss).key));
                }
            }
            None
        };
    let top = pick(&|tag| Some(text(ds, tag)), &|tag| hd_issuer(ds.get(tag)));
    let key = top.or_else(|| {
        let item = ds.get(REQUEST_ATTRIBUTES)?.items().next()?;
        pick(&|tag| Some(item_text(&item, tag)), &|tag| {
            hd_issuer(item.get(tag))
        })
    })?;
    Some(resource_id("ServiceRequest", &[&key]))
}

fn write_patient(b: &mut BundleBuilder, id: ResourceId, p: &Patient) {
    let Some(mut j) = b.begin("Patient", id) else {
        return;
    };
    j.arr(Some("identifier"));
    j.obj(None);
    if let Some(s) = &p.issuer_system {
        j.str(Some("system"), s);
    }
    j.str(Some("value"), &p.id_value);
    if !p.issuer_ns.is_empty() && !p.id_value.is_empty() {
        j.obj(Some("assigner"));
        j.str(Some("display"), &p.issuer_ns);
        j.end_obj();
    }
    j.end_obj();
    j.end_arr();
    j.arr(Some("name"));
    if let Some(n) = &p.name {
        n.write(&mut j);
    }
    j.end_arr();
    j.str(Some("gender"), p.gender);
    j.str(Some("birthDate"), p.birth.as_deref().unwrap_or(""));
    drop(j);
    b.end();
}

fn write_study(
    j: &mut Json<'_>,
    study: &Study,
    series: &[Series],
    patient: ResourceId,
    referrer: Option<&ResourceId>,
) {
    j.arr(Some("identifier"));
    if !study.uid.is_empty() {
        j.obj(None);
        j.str(Some("system"), "urn:dicom:uid");
        j.concat(Some("value"), &["urn:oid:", &study.uid]);
        j.end_obj();
    }
    write_accession(j, study);
    j.end_arr();
    j.str(Some("status"), "available");
    j.arr(Some("modality"));
    for m in &study.modalities {
        j.coding(DCM, m, "");
    }
    j.end_arr();
    j.reference(Some("subject"), &patient);
    j.str(Some("started"), study.started.as_deref().unwrap_or(""));
    if !study.accession.is_empty() || study.order.is_some() {
        j.arr(Some("basedOn"));
        j.obj(None);
        if let Some(o) = &study.order {
            j.concat(Some("reference"), &["ServiceRequest/", o.as_str()]);
        }
        j.str(Some("type"), "ServiceRequest");
        if !study.accession.is_empty() {
            j.obj(Some("identifier"));
            write_accession_body(j, study);
            j.end_obj();
        }
        j.end_obj();
        j.end_arr();
    }
    if let Some(r) = referrer {
        j.reference(Some("referrer"), r);
    }
    let instances: usize = series.iter().map(|s| s.instances.len()).sum();
    j.raw(Some("numberOfSeries"), &series.len().to_string());
    j.raw(Some("numberOfInstances"), &instances.to_string());
    j.str(Some("description"), &study.description);
    j.arr(Some("series"));
    for s in series {
        j.obj(None);
        j.str(Some("uid"), &s.uid);
        if let Some(n) = s.number {
            j.raw(Some("number"), &n.to_string());
        }
        j.obj(Some("modality"));
        j.str(Some("system"), DCM);
        j.str(Some("code"), &s.modality);
        j.end_obj();
        j.str(Some("description"), &s.description);
        j.raw(Some("numberOfInstances"), &s.instances.len().to_string());
        if let Some((code, display)) = s.body_site {
            j.obj(Some("bodySite"));
            j.str(Some("system"), SCT);
            j.str(Some("code"), code);
            j.str(Some("display"), display);
            j.end_obj();
        }
        if let Some((code, display)) = s.laterality {
            j.obj(Some("laterality"));
            j.str(Some("system"), SCT);
            j.str(Some("code"), code);
            j.str(Some("display"), display);
            j.end_obj();
        }
        j.str(Some("started"), s.started.as_deref().unwrap_or(""));
        let mut inst: Vec<&Instance> = s.instances.iter().collect();
        inst.sort_by_key(|i| i.number.unwrap_or(u64::MAX));
        j.arr(Some("instance"));
        for i in inst {
            j.obj(None);
            j.str(Some("uid"), &i.uid);
            j.obj(Some("sopClass"));
            j.str(Some("system"), "urn:ietf:rfc:3986");
            j.concat(Some("code"), &["urn:oid:", &i.sop_class]);
            j.end_obj();
            if let Some(n) = i.number {
                j.raw(Some("number"), &n.to_string());
            }
            j.end_obj();
        }
        j.end_arr();
        j.end_obj();
    }
    j.end_arr();
}

fn write_accession(j: &mut Json<'_>, study: &Study) {
    if study.accession.is_empty() {
        return;
    }
    j.obj(None);
    write_accession_body(j, study);
    j.end_obj();
}

fn write_accession_body(j: &mut Json<'_>, study: &Study) {
    j.concept(Some("type"), V2_0203, "ACSN", "");
    if let Some(s) = &study.accession_issuer.system {
        j.str(Some("system"), s);
    }
    j.str(Some("value"), &study.accession);
    if !study.accession_issuer.ns.is_empty() {
        j.obj(Some("assigner"));
        j.str(Some("display"), &study.accession_issuer.ns);
        j.end_obj();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_offsets() {
        let mut s = String::from("2024-01-31");
        let t = Time::parse("093005.25").unwrap();
        push_time(&mut s, &t, -300);
        assert_eq!(s, "2024-01-31T09:30:05.25-05:00");
        let mut s = String::new();
        push_time(&mut s, &Time::parse("0930").unwrap(), 0);
        assert_eq!(s, "T09:30:00Z");
    }

    #[test]
    fn body_part_table_is_sorted_and_unique() {
        for w in BODY_PARTS.windows(2) {
            assert!(w[0].0 < w[1].0, "{}", w[1].0);
        }
    }
}
