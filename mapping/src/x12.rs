//! X12 (HIPAA 5010) → FHIR R4, and FHIR `CoverageEligibilityRequest` → 270.
//!
//! [`to_fhir`] converts a whole input (every interchange, group and transaction set it
//! holds) into **one** FHIR R4 Bundle and a [`Report`]; [`convert_set`] converts one
//! transaction set into its own Bundle; [`convert_unit`] converts one streaming
//! [`Unit`] (one 837 claim, one 835 claim payment, one 271 subscriber or dependent)
//! read by [`carewire_x12::UnitReader`], so a file of any size converts in bounded
//! memory.
//!
//! ```
//! use carewire_mapping::fhir::{BundleType, MapConfig, TzPolicy};
//! use carewire_mapping::x12::to_fhir;
//!
//! let input = carewire_x12::gen::professional_837(2, 1);
//! // X12 times have no UTC offset: say which one applies (or `TzPolicy::DateOnly`).
//! let cfg = MapConfig {
//!     bundle_type: BundleType::Batch,
//!     ..MapConfig::with_tz(TzPolicy::AssumeOffset(-300))
//! };
//! let out = to_fhir(&input, &cfg)?;
//! assert!(out.json.contains("\"resourceType\":\"Claim\""));
//! for item in out.report.items() {
//!     // Locations only (`837*0001/2300/CLM07@512`), never values.
//!     assert!(item.location.starts_with("837*"));
//! }
//! # Ok::<(), carewire_mapping::fhir::Error>(())
//! ```
//!
//! # Transaction sets
//!
//! | set | resources |
//! |---|---|
//! | 837P / 837I / 837D | Claim (type professional / institutional / oral, use `claim`) per 2300, Patient (2010BA subscriber, 2010CA patient), Coverage (2000B SBR + payer), Organization or Practitioner (1000A/B, 2010AA billing provider, 2010AB/AC pay-to, 2010BB payer, 2310/2420 providers), Location (2310C/E service facility) |
//! | 835 | PaymentReconciliation (BPR, TRN, DTM\*405, payer/payee, one `detail` per CLP, PLB as `adjustment` details), ClaimResponse per CLP (SVC as `addItem`, CAS as `adjudication`, `insurance` → a Coverage typed by CLP06 with the NM1\*IL insured as subscriber), Patient, Organization, Practitioner |
//! | 271 | CoverageEligibilityResponse per 2000C/2000D (EB → `insurance.item`, AAA → `error`), Patient, Coverage, insurer Organization, requestor |
//!
//! Other sets (270, 834, 999, 997, TA1 …) are reported as not mapped; an input with no
//! mappable set fails with [`ErrorKind::UnsupportedMessage`]. [`request_to_270`] goes
//! the other way: FHIR `CoverageEligibilityRequest`s become a 270 interchange built with
//! [`carewire_x12::build::Inquiry270`].
//!
//! With [`BundleType::Message`] the Bundle starts with a MessageHeader whose event is
//! the first transaction set id (`https://x12.org/transaction-set` code `837`) and whose
//! source endpoint is `urn:x12:isa06:<ISA06>`; `transaction` and `batch` Bundles have a
//! `PUT` request per entry. Bundle ids hash ISA06 and ISA13; resource ids hash business
//! keys (NPI or other qualified identifier, CLM01, TRN02 + CLP01 …), so the same input
//! gives the same ids, and streaming units give the ids the whole-file conversion gives.
//!
//! # Codes
//!
//! Structural maps only. Code systems: ICD-10-CM/ICD-9-CM (`HI` `ABK`/`ABF`/`ABJ`/`ABN`/
//! `APR`, `BK`/`BF`…), ICD-10-PCS (`BBR`/`BBQ`), CPT/HCPCS (`HC`), CDT (`AD`), NDC
//! (`N4`), NUBC revenue, type of bill, condition, occurrence and value codes, CMS place
//! of service, NUCC taxonomy, X12's own published URIs for claim adjustment group and
//! reason codes, remittance advice remark codes and service type codes
//! (`https://x12.org/codes/...`). X12-internal code lists without a published FHIR URI
//! are written with the system `urn:x12:element:<ELEMENT>` (for example
//! `urn:x12:element:CLP02`), so their origin is explicit. No display text is invented:
//! displays of licensed code sets (CPT, CARC, RARC …) come from the caller through
//! [`CodeDisplay`] ([`to_fhir_with`]).
//!
//! Times: D8 and RD8 dates become FHIR dates and periods. X12 date-times carry no UTC
//! offset, so [`MapConfig::tz`] decides: `Bundle.timestamp` (BHT04/BHT05) and DT
//! values (`DTP*435*DT*202403010800`, written as a Period of that one instant) get the
//! assumed offset, fail the conversion under [`TzPolicy::Error`], or keep their date
//! under [`TzPolicy::DateOnly`] (reported as [`ReportKind::PrecisionReduced`]).
//!
//! Amounts are exact: `Money.value` is the X12 decimal written as a JSON number from
//! its text (`150.25` stays `150.25`, never through `f64`); the currency is CUR02 when
//! sent, `USD` otherwise (HIPAA transactions are in US dollars unless CUR says so).
//! `Claim.priority` is `normal` (X12 has no priority); `Claim.created` is BHT04 (GS04
//! when BHT04 is absent).
//!
//! # The report
//!
//! Every element each mapping reads is marked as it is read; afterwards every non-empty
//! element left unmarked is a [`ReportKind::NotMapped`] item, and a segment of which
//! nothing was read a [`ReportKind::SegmentNotMapped`] item. Unknown qualifiers are
//! [`ReportKind::UnknownCode`] (table = the element, e.g. `HI01-1`), unparseable
//! numbers and dates [`ReportKind::InvalidValue`]. Envelope segments (ISA, GS, ST, SE,
//! GE, IEA), HL and LX are structure and consumed by the conversion itself; so are
//! entity and qualifier elements (NM101/NM102, NM108 with NM109, PER01, REF01 with
//! REF02, DTP01/DTP02 with DTP03 …) whose meaning is carried by where the value is
//! written.
//!
//! Resources are written once per id: a claim seen again (same billing provider and
//! CLM01), a claim payment seen again (same TRN02, CLP01, CLP07 and CLP02) or a member
//! seen again is reported as a whole ([`ReportKind::SegmentNotMapped`] at its CLM, CLP
//! or HL) instead of being merged silently.
//!
//! Location format: `<ST01>*<ST02>/<loop>/<SEG><NN>@<offset>`, e.g.
//! `837*0001/2300/CLM07@1234` for CLM07 of the claim whose CLM starts at byte 1234 of
//! the input, or `835*1001/2100/MIA@2048` for a whole segment; the loop is the
//! implementation-guide loop (omitted in the set header). For [`convert_unit`] the
//! offset is the segment's offset in the stream, so a context segment (shared by the
//! units under it) is reported with the same location by each unit: deduplicate by
//! location when merging unit reports.
//!
//! 837 coordination of benefits: each 2320 other subscriber with its 2330A subscriber
//! and 2330B payer becomes a further Coverage in `Claim.insurance` (not focal, in
//! order); its AMT goes to `supportingInfo`.
//!
//! Not mapped (reported): 837 2320 CAS/OI/MOA, 2330B DTP, 2430 line adjudication,
//! 2410 drug, SV109 and the other SV1 indicators, 2400 REF/NTE, PWK/CN1/K3/CR1–CR3/HCP;
//! 835 BPR01/BPR03, BPR05–BPR15 (bank routing and account numbers), CLP08/CLP09
//! and CLP10–CLP14, 2100 DTM (statement period, received date), 2110 REF, MIA/MOA,
//! TS3/TS2; 271 III, HSD, EB14, an EB04 other than the member's first (which types
//! the Coverage); MSG goes to `item.description`.

use carewire_x12::{Decimal, Document, LoopTree, Segment, TransactionSet, Unit};

pub use crate::fhir::Conversion;
use crate::fhir::{
    resource_id, BundleBuilder, BundleType, Error, ErrorKind, Json, MapConfig, Report, ReportKind,
    ResourceId, TzPolicy,
};

const BENEFIT_NETWORK: &str = "http://terminology.hl7.org/CodeSystem/benefit-network";
const BENEFIT_UNIT: &str = "http://terminology.hl7.org/CodeSystem/benefit-unit";
const BENEFIT_TERM: &str = "http://terminology.hl7.org/CodeSystem/benefit-term";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
const EIN: &str = "urn:oid:2.16.840.1.113883.4.4";
const SSN: &str = "http://hl7.org/fhir/sid/us-ssn";
const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const ICD9CM: &str = "http://hl7.org/fhir/sid/icd-9-cm";
const ICD10PCS: &str = "http://www.cms.gov/Medicare/Coding/ICD10";
const CPT: &str = "http://www.ama-assn.org/go/cpt";
const HCPCS: &str = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
const CDT: &str = "http://www.ada.org/cdt";
const NDC: &str = "http://hl7.org/fhir/sid/ndc";
const REVENUE: &str = "https://www.nubc.org/CodeSystem/RevenueCodes";
const POS: &str =
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";
const TAXONOMY: &str = "http://nucc.org/provider-taxonomy";
const CARC: &str = "https://x12.org/codes/claim-adjustment-reason-codes";
const CAGC: &str = "https://x12.org/codes/claim-adjustment-group-codes";
const RARC: &str = "https://x12.org/codes/remittance-advice-remark-codes";
const STC: &str = "https://x12.org/codes/service-type-codes";
const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
const C4BB_ADJ: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication";
const C4BB_INFO: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType";
const INFO_CAT: &str = "http://terminology.hl7.org/CodeSystem/claiminformationcategory";

/// Display text for codes of licensed code systems (CPT, CARC, RARC, …), supplied by
/// the caller; the mapping never invents a display.
///
/// # Examples
/// ```
/// use carewire_mapping::x12::CodeDisplay;
/// struct Carc;
/// impl CodeDisplay for Carc {
///     fn display(&self, system: &str, code: &str) -> Option<&str> {
///         (system.ends_with("claim-adjustment-reason-codes") && code == "45")
///             .then_some("Charge exceeds fee schedule")
///     }
/// }
/// assert!(Carc.display("https://x12.org/codes/claim-adjustment-reason-codes", "45").is_some());
/// ```
pub trait CodeDisplay {
    /// The display of `code` in `system`, when known.
    fn display(&self, system: &str, code: &str) -> Option<&str>;
}

/// No displays: codings carry system and code only.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoDisplay;

impl CodeDisplay for NoDisplay {
    fn display(&self, _: &str, _: &str) -> Option<&str> {
        None
    }
}

// ---------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------

/// Parses `input` as X12 and converts every transaction set into one Bundle.
///
/// # Errors
///
/// [`ErrorKind::Parse`] when the input does not parse, [`ErrorKind::UnsupportedMessage`]
/// when no transaction set is an 837, 835 or 271, [`ErrorKind::MissingOffset`] for a
/// date-time without offset under [`TzPolicy::Error`] (BHT04/BHT05 for `Bundle.timestamp`),
/// [`ErrorKind::Strict`] in strict mode when the report is not empty.
pub fn to_fhir(input: &[u8], cfg: &MapConfig) -> Result<Conversion, Error> {
    to_fhir_with(input, cfg, &NoDisplay)
}

/// As [`to_fhir`], with code displays from `names`.
///
/// # Errors
///
/// As [`to_fhir`].
pub fn to_fhir_with(
    input: &[u8],
    cfg: &MapConfig,
    names: &dyn CodeDisplay,
) -> Result<Conversion, Error> {
    let doc = Document::parse(input).map_err(|_| Error::new(ErrorKind::Parse, ""))?;
    let sets: Vec<TransactionSet<'_>> = doc
        .interchanges()
        .flat_map(|i| i.groups().flat_map(|g| g.transaction_sets()))
        .collect();
    let first = doc.interchanges().next();
    let (sender, control) = first
        .and_then(|i| i.isa())
        .map_or((&b""[..], &b""[..]), |isa| {
            (isa.raw_element(6), isa.raw_element(13))
        });
    convert_sets(&sets, sender, control, None, cfg, names, input.len())
}

/// Converts one transaction set into its own Bundle.
///
/// # Errors
///
/// As [`to_fhir`].
pub fn convert_set(
    set: &TransactionSet<'_>,
    cfg: &MapConfig,
    names: &dyn CodeDisplay,
) -> Result<Conversion, Error> {
    let size: usize = set.segments().map(|s| s.raw().len() + 1).sum();
    convert_sets(
        std::slice::from_ref(set),
        b"",
        set.control_number(),
        None,
        cfg,
        names,
        size,
    )
}

/// Converts one streaming unit (its context and body) into a Bundle: one Claim, one
/// ClaimResponse (with the PaymentReconciliation of its 835, holding the one detail),
/// the PLB adjustments, or one CoverageEligibilityResponse, with the resources they
/// reference. Report locations carry stream offsets (see the module docs).
///
/// # Errors
///
/// As [`to_fhir`].
///
/// # Examples
/// ```
/// use carewire_mapping::fhir::{MapConfig, TzPolicy};
/// use carewire_x12::UnitReader;
/// let input = carewire_x12::gen::professional_837(3, 1);
/// let cfg = MapConfig::with_tz(TzPolicy::DateOnly);
/// let mut claims = 0;
/// for unit in UnitReader::new(&input[..]) {
///     let out = carewire_mapping::x12::convert_unit(&unit?, &cfg)?;
///     claims += out.json.matches("\"resourceType\":\"Claim\"").count();
/// }
/// assert_eq!(claims, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn convert_unit(unit: &Unit, cfg: &MapConfig) -> Result<Conversion, Error> {
    convert_unit_with(unit, cfg, &NoDisplay)
}

/// As [`convert_unit`], with code displays from `names`.
///
/// # Errors
///
/// As [`to_fhir`].
pub fn convert_unit_with(
    unit: &Unit,
    cfg: &MapConfig,
    names: &dyn CodeDisplay,
) -> Result<Conversion, Error> {
    // The unit's segments are re-read as one small document: the mapping code is the
    // one used for whole files, and offsets are mapped back to the stream's.
    let mut bytes = Vec::new();
    let mut offsets = Vec::new();
    for seg in unit.segments() {
        offsets.push(seg.offset());
        bytes.extend_from_slice(seg.raw());
        let trailer = seg.trailer();
        if trailer.is_empty() {
            bytes.push(seg.delimiters().segment());
        } else {
            bytes.extend_from_slice(trailer);
        }
    }
    let doc = Document::parse(&bytes).map_err(|_| Error::new(ErrorKind::Parse, ""))?;
    let Some(ich) = doc.interchanges().next() else {
        return Err(Error::new(ErrorKind::Parse, ""));
    };
    let sets: Vec<TransactionSet<'_>> = ich
        .groups()
        .flat_map(|g| g.transaction_sets())
        .take(1)
        .collect();
    let (sender, control) = ich.isa().map_or((&b""[..], &b""[..]), |isa| {
        (isa.raw_element(6), isa.raw_element(13))
    });
    convert_sets(
        &sets,
        sender,
        control,
        Some(&offsets),
        cfg,
        names,
        bytes.len(),
    )
}

fn convert_sets(
    sets: &[TransactionSet<'_>],
    sender: &[u8],
    control: &[u8],
    offsets: Option<&[u64]>,
    cfg: &MapConfig,
    names: &dyn CodeDisplay,
    size: usize,
) -> Result<Conversion, Error> {
    let sender = String::from_utf8_lossy(sender);
    let control = String::from_utf8_lossy(control);
    let bundle_id = resource_id("Bundle", &[sender.trim(), control.trim()]);
    let mut report = Report::default();
    // Bundle.timestamp: GS04 + GS05 of the first set's group.
    let mut timestamp = String::new();
    let mut first_date = String::new();
    if let Some(set) = sets.first() {
        if let Some((d, t)) = group_date_time(set) {
            first_date = d8(d).unwrap_or_default();
            let bht = set.segments().nth(1);
            let offset = bht.map_or(0, |s| match offsets {
                Some(map) => map.get(s.position()).copied().unwrap_or(0),
                None => s.offset() as u64,
            });
            let loc = format!("{}/BHT05@{offset}", set_label(set));
            match instant(d, t, cfg.tz) {
                Ok(Some(ts)) => timestamp = ts,
                Ok(None) => report.push(loc, ReportKind::PrecisionReduced),
                Err(k) => return Err(Error::new(k, loc)),
            }
        }
    }
    let capacity = size.saturating_mul(12).saturating_add(1024).min(1 << 26);
    let mut cx = Cx {
        b: BundleBuilder::new(cfg.bundle_type, &bundle_id, &timestamp, &control, capacity),
        r: Reader {
            report,
            segs: Vec::new(),
            used: Vec::new(),
            tree: None,
            label: String::new(),
            offsets,
            tz: cfg.tz,
            tz_error: None,
        },
        names,
        scratch: String::new(),
        currency: "USD".into(),
        created: first_date,
        focus: Vec::new(),
        dates835: None,
    };
    let mut mapped = 0usize;
    let mut event = String::new();
    for (k, set) in sets.iter().enumerate() {
        cx.begin_set(set);
        if k == 0 && !timestamp.is_empty() && cx.r.id(1) == b"BHT" {
            // BHT05 of the first set went into Bundle.timestamp.
            cx.r.mark(1, 5);
        }
        let ok = match set.id() {
            b"837" => cx.map_837(set),
            b"835" => cx.map_835(),
            b"271" => cx.map_271(),
            _ => false,
        };
        if ok {
            mapped += 1;
            if event.is_empty() {
                event = String::from_utf8_lossy(set.id()).into_owned();
            }
        } else {
            let loc = cx.r.location(0, None);
            cx.r.report.push(loc, ReportKind::SegmentNotMapped);
            cx.r.used.iter_mut().for_each(|u| *u = u64::MAX);
        }
        cx.r.finish_set();
    }
    if mapped == 0 {
        return Err(Error::new(ErrorKind::UnsupportedMessage, "ST01"));
    }
    if let Some(loc) = cx.r.tz_error.take() {
        return Err(Error::new(ErrorKind::MissingOffset, loc));
    }
    if cfg.bundle_type == BundleType::Message {
        cx.message_header(&event, &sender);
    }
    let Cx { b, r, .. } = cx;
    if cfg.strict {
        if let Some(first) = r.report.items().first() {
            return Err(Error::new(
                ErrorKind::Strict(first.kind),
                first.location.clone(),
            ));
        }
    }
    Ok(Conversion {
        json: b.finish(),
        report: r.report,
    })
}

/// BHT04/BHT05 of the set, for `Bundle.timestamp`.
fn group_date_time<'a>(set: &TransactionSet<'a>) -> Option<(&'a [u8], &'a [u8])> {
    let bht = set.segments().nth(1).filter(|s| s.id() == b"BHT")?;
    let (d, t) = (bht.raw_element(4), bht.raw_element(5));
    // Without a time there is no instant (the date itself is Claim.created).
    (!d.is_empty() && !t.is_empty()).then_some((d, t))
}

fn set_label(set: &TransactionSet<'_>) -> String {
    let mut s = String::from_utf8_lossy(set.id()).into_owned();
    s.push('*');
    s.push_str(&String::from_utf8_lossy(set.control_number()));
    s
}

// ---------------------------------------------------------------------------------------
// Reader: element access with marking, and the report
// ---------------------------------------------------------------------------------------

struct Reader<'a, 'o> {
    report: Report,
    segs: Vec<Segment<'a>>,
    used: Vec<u64>,
    tree: Option<LoopTree>,
    label: String,
    offsets: Option<&'o [u64]>,
    /// The time-zone policy for DT (date-time) values.
    tz: TzPolicy,
    /// Where the first DT value without offset was, under [`TzPolicy::Error`].
    tz_error: Option<String>,
}

fn bit(n: usize) -> u64 {
    if n < 64 {
        1 << n
    } else {
        0
    }
}

impl<'a> Reader<'a, '_> {
    fn len(&self) -> usize {
        self.segs.len()
    }

    fn id(&self, i: usize) -> &'a [u8] {
        self.segs.get(i).map_or(&b""[..], |s| s.id())
    }

    /// The groups of segments in `start..end` that each begin with a `tag` segment and
    /// run to the next one (or `end`), as `(first, end)` index pairs.
    fn groups(&self, start: usize, end: usize, tag: &[u8]) -> Vec<(usize, usize)> {
        let firsts: Vec<usize> = (start..end).filter(|&i| self.id(i) == tag).collect();
        let ends = firsts.iter().skip(1).copied().chain(std::iter::once(end));
        firsts.iter().copied().zip(ends).collect()
    }

    fn loop_of(&self, i: usize) -> &'static str {
        self.tree.as_ref().map_or("", |t| t.loop_of(i))
    }

    fn node_of(&self, i: usize) -> Option<usize> {
        self.tree.as_ref().and_then(|t| t.node_of(i))
    }

    fn offset(&self, i: usize) -> u64 {
        let Some(seg) = self.segs.get(i) else {
            return 0;
        };
        match self.offsets {
            Some(map) => map
                .get(seg.position())
                .copied()
                .unwrap_or(seg.offset() as u64),
            None => seg.offset() as u64,
        }
    }

    fn location(&self, i: usize, element: Option<usize>) -> String {
        let mut s = self.label.clone();
        let lp = self.loop_of(i);
        if !lp.is_empty() && lp != "header" {
            s.push('/');
            s.push_str(lp);
        }
        s.push('/');
        s.push_str(&String::from_utf8_lossy(self.id(i)));
        if let Some(n) = element {
            s.push_str(&format!("{n:02}"));
        }
        s.push('@');
        s.push_str(&self.offset(i).to_string());
        s
    }

    fn mark(&mut self, i: usize, n: usize) {
        if let Some(u) = self.used.get_mut(i) {
            *u |= bit(n);
        }
    }

    /// Marks the whole segment as consumed (structure).
    fn mark_all(&mut self, i: usize) {
        if let Some(u) = self.used.get_mut(i) {
            *u = u64::MAX;
        }
    }

    fn raw(&self, i: usize, n: usize) -> &'a [u8] {
        self.segs.get(i).map_or(&b""[..], |s| s.raw_element(n))
    }

    fn text(&mut self, i: usize, raw: &'a [u8], n: usize) -> &'a str {
        match std::str::from_utf8(raw) {
            Ok(s) => s,
            Err(_) => {
                let loc = self.location(i, Some(n));
                self.report.push(loc, ReportKind::InvalidValue);
                ""
            }
        }
    }

    /// Element `n` of segment `i` as text (marked as mapped).
    fn e(&mut self, i: usize, n: usize) -> &'a str {
        self.mark(i, n);
        let raw = self.raw(i, n);
        self.text(i, raw, n)
    }

    /// Component `c` of the first repetition of element `n` (element marked).
    fn c(&mut self, i: usize, n: usize, c: usize) -> &'a str {
        self.mark(i, n);
        let raw = self
            .segs
            .get(i)
            .and_then(|s| s.element(n))
            .and_then(|e| e.component(c))
            .map_or(&b""[..], |c| c.raw());
        self.text(i, raw, n)
    }

    /// The repetitions of element `n`, each as its list of component texts.
    fn reps(&mut self, i: usize, n: usize) -> Vec<Vec<&'a str>> {
        self.mark(i, n);
        let Some(e) = self.segs.get(i).and_then(|s| s.element(n)) else {
            return Vec::new();
        };
        if e.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for r in e.repetitions() {
            let comps: Vec<&'a [u8]> = r.components().map(|c| c.raw()).collect();
            let mut v = Vec::with_capacity(comps.len());
            for c in comps {
                v.push(self.text(i, c, n));
            }
            out.push(v);
        }
        out
    }

    /// Element `n` as an exact decimal (JSON number text), `None` when empty; an
    /// invalid number is reported.
    fn num(&mut self, i: usize, n: usize) -> Option<String> {
        self.mark(i, n);
        let raw = self.raw(i, n);
        self.num_raw(i, n, raw)
    }

    fn num_raw(&mut self, i: usize, n: usize, raw: &[u8]) -> Option<String> {
        if raw.is_empty() {
            return None;
        }
        match Decimal::parse(raw) {
            Ok(d) => Some(d.to_string()),
            Err(_) => {
                let loc = self.location(i, Some(n));
                self.report.push(loc, ReportKind::InvalidValue);
                None
            }
        }
    }

    fn unknown(&mut self, i: usize, n: usize, table: &'static str) {
        let loc = self.location(i, Some(n));
        self.report.push(loc, ReportKind::UnknownCode(table));
    }

    fn invalid(&mut self, i: usize, n: usize) {
        let loc = self.location(i, Some(n));
        self.report.push(loc, ReportKind::InvalidValue);
    }

    /// A D8 (or RD8) date of element `n`.
    fn date(&mut self, i: usize, n: usize) -> When {
        let v = self.e(i, n);
        let b = v.as_bytes();
        if b.len() == 12 && b.iter().all(u8::is_ascii_digit) {
            // DT (CCYYMMDDHHMM): a date-time without offset, under the TzPolicy; FHIR
            // date fields cannot hold it, so it is written as a Period of one instant.
            let parsed = carewire_hl7::datatypes::DateTime::parse(b);
            match parsed.map(|dt| crate::fhir::fhir_datetime(&dt, self.tz)) {
                Ok(Ok(crate::fhir::TimeOutcome::Ok(t))) => return When::Period(t.clone(), t),
                Ok(Ok(crate::fhir::TimeOutcome::Reduced(d))) => {
                    let loc = self.location(i, Some(n));
                    self.report.push(loc, ReportKind::PrecisionReduced);
                    return When::Date(d);
                }
                Ok(Err(_)) => {
                    if self.tz_error.is_none() {
                        self.tz_error = Some(self.location(i, Some(n)));
                    }
                    return When::None;
                }
                Err(_) => {}
            }
        }
        match parse_when(v) {
            Some(w) => w,
            None => {
                if !v.is_empty() {
                    self.invalid(i, n);
                }
                When::None
            }
        }
    }

    /// DTP (format DTP02, value DTP03) or DTM (DTM02).
    fn dtp(&mut self, i: usize) -> (&'a str, When) {
        let q = self.e(i, 1);
        if self.id(i) == b"DTM" {
            return (q, self.date(i, 2));
        }
        self.mark(i, 2);
        (q, self.date(i, 3))
    }

    /// Segments after `i` in the same loop instance whose id is in `ids`.
    fn loop_members(&self, i: usize, ids: &[&[u8]]) -> Vec<usize> {
        let node = self.node_of(i);
        let mut out = Vec::new();
        let mut j = i + 1;
        while j < self.len() {
            let id = self.id(j);
            if self.tree.is_some() && self.node_of(j) != node {
                break;
            }
            if id == b"NM1" || id == b"N1" || id == b"HL" || id == b"SE" {
                break;
            }
            if ids.contains(&id) {
                out.push(j);
            } else if self.tree.is_none() {
                break;
            }
            j += 1;
        }
        out
    }

    fn finish_set(&mut self) {
        for i in 0..self.segs.len() {
            let Some(seg) = self.segs.get(i).copied() else {
                continue;
            };
            let used = self.used.get(i).copied().unwrap_or(0);
            if used == u64::MAX {
                continue;
            }
            let count = seg.element_count();
            let non_empty = |n: usize| !seg.raw_element(n).is_empty();
            if used == 0 {
                if (1..=count).any(non_empty) {
                    let loc = self.location(i, None);
                    self.report.push(loc, ReportKind::SegmentNotMapped);
                }
                continue;
            }
            for n in 1..=count {
                if used & bit(n) == 0 && non_empty(n) {
                    let loc = self.location(i, Some(n));
                    self.report.push(loc, ReportKind::NotMapped);
                }
            }
        }
    }
}

/// A date or a period.
#[derive(Clone, Debug, PartialEq, Eq)]
enum When {
    None,
    Date(String),
    Period(String, String),
}

fn d8(v: &[u8]) -> Option<String> {
    if v.len() != 8 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |a: usize, b: usize| -> u32 {
        v[a..b]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (m, d) = (num(4, 6), num(6, 8));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let s = std::str::from_utf8(v).ok()?;
    Some(format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..]))
}

fn parse_when(v: &str) -> Option<When> {
    if v.is_empty() {
        return None;
    }
    if let Some((a, b)) = v.split_once('-') {
        let (a, b) = (d8(a.as_bytes())?, d8(b.as_bytes())?);
        return Some(if a == b {
            When::Date(a)
        } else {
            When::Period(a, b)
        });
    }
    // D8; a DT (CCYYMMDDHHMM) reaching here (composite dates) keeps its date only.
    let b = v.as_bytes();
    if b.len() == 12 && b.iter().all(u8::is_ascii_digit) {
        return d8(&b[..8]).map(When::Date);
    }
    d8(b).map(When::Date)
}

/// `Bundle.timestamp` from an X12 date (CCYYMMDD) and time (HHMM[SS[D..]]).
fn instant(d: &[u8], t: &[u8], tz: TzPolicy) -> Result<Option<String>, ErrorKind> {
    let Some(date) = d8(d) else {
        return Ok(None);
    };
    if t.len() < 4 || !t.iter().take(6).all(u8::is_ascii_digit) {
        return Ok(None);
    }
    let mut dt = String::with_capacity(14);
    dt.push_str(std::str::from_utf8(d).unwrap_or(""));
    dt.push_str(std::str::from_utf8(&t[..t.len().min(6)]).unwrap_or(""));
    let Ok(parsed) = carewire_hl7::datatypes::DateTime::parse(dt.as_bytes()) else {
        return Ok(None);
    };
    let _ = date;
    crate::fhir::fhir_instant(&parsed, tz)
}

// ---------------------------------------------------------------------------------------
// Conversion context
// ---------------------------------------------------------------------------------------

struct Cx<'a, 'o, 'n> {
    b: BundleBuilder,
    r: Reader<'a, 'o>,
    names: &'n dyn CodeDisplay,
    scratch: String,
    currency: String,
    created: String,
    focus: Vec<ResourceId>,
    dates835: Option<(String, String)>,
}

/// What a party segment becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Patient,
    Person,
    Org,
    Location,
}

impl Kind {
    fn rtype(self) -> &'static str {
        match self {
            Kind::Patient => "Patient",
            Kind::Person => "Practitioner",
            Kind::Org => "Organization",
            Kind::Location => "Location",
        }
    }
}

/// Runs `f` on the writer of a new resource, or on a scratch writer when a resource
/// with that id exists (so that the elements are still marked as mapped).
fn write_resource(
    b: &mut BundleBuilder,
    scratch: &mut String,
    rtype: &'static str,
    id: ResourceId,
    f: impl FnOnce(&mut Json<'_>),
) {
    if let Some(mut j) = b.begin(rtype, id) {
        f(&mut j);
        b.end();
    } else {
        scratch.clear();
        let mut j = Json::new(scratch, true);
        f(&mut j);
    }
}

fn coding(j: &mut Json<'_>, names: &dyn CodeDisplay, system: &str, code: &str) {
    let display = names.display(system, code).unwrap_or("");
    j.coding(system, code, display);
}

fn concept(j: &mut Json<'_>, names: &dyn CodeDisplay, key: Option<&str>, system: &str, code: &str) {
    if code.trim().is_empty() {
        return;
    }
    j.obj(key);
    j.arr(Some("coding"));
    coding(j, names, system, code);
    j.end_arr();
    j.end_obj();
}

/// A required CodeableConcept with no code in the input: a data-absent-reason
/// extension (`unknown`) instead of an invented code.
fn product(
    j: &mut Json<'_>,
    names: &dyn CodeDisplay,
    system: &str,
    code: &str,
    text: Option<&&str>,
) {
    j.obj(Some("productOrService"));
    if code.trim().is_empty() {
        j.arr(Some("extension"));
        j.obj(None);
        j.str(
            Some("url"),
            "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
        );
        j.str(Some("valueCode"), "unknown");
        j.end_obj();
        j.end_arr();
    } else {
        j.arr(Some("coding"));
        coding(j, names, system, code);
        j.end_arr();
    }
    if let Some(d) = text {
        j.str(Some("text"), d);
    }
    j.end_obj();
}

fn element_system(element: &str) -> String {
    format!("urn:x12:element:{element}")
}

fn money(j: &mut Json<'_>, key: Option<&str>, value: Option<&str>, currency: &str) {
    let Some(v) = value else {
        return;
    };
    j.obj(key);
    j.raw(Some("value"), v);
    j.str(Some("currency"), currency);
    j.end_obj();
}

fn when(j: &mut Json<'_>, date_key: &str, period_key: &str, w: &When) {
    match w {
        When::None => {}
        When::Date(d) => j.str(Some(date_key), d),
        When::Period(a, b) => {
            j.obj(Some(period_key));
            j.str(Some("start"), a);
            j.str(Some("end"), b);
            j.end_obj();
        }
    }
}

fn id_system(q: &str) -> Option<&'static str> {
    match q {
        "XX" | "HPI" => Some(NPI),
        "24" | "EI" | "FI" => Some(EIN),
        "34" | "SY" => Some(SSN),
        _ => None,
    }
}

fn identifier(j: &mut Json<'_>, element: &str, q: &str, value: &str) {
    if value.trim().is_empty() {
        return;
    }
    j.obj(None);
    match id_system(q) {
        Some(sys) => j.str(Some("system"), sys),
        None => {
            if !q.is_empty() {
                j.obj(Some("type"));
                j.arr(Some("coding"));
                j.coding(&element_system(element), q, "");
                j.end_arr();
                j.end_obj();
            }
        }
    }
    j.str(Some("value"), value);
    j.end_obj();
}

/// An identifier whose system names the X12 element it comes from.
fn elem_identifier(j: &mut Json<'_>, element: &str, value: &str) {
    if value.trim().is_empty() {
        return;
    }
    j.obj(None);
    j.str(Some("system"), &element_system(element));
    j.str(Some("value"), value);
    j.end_obj();
}

fn relationship(code: &str) -> Option<&'static str> {
    Some(match code {
        "18" => "self",
        "01" => "spouse",
        "19" => "child",
        "53" => "common",
        "G8" | "20" | "21" | "39" | "40" => "other",
        _ => return None,
    })
}

fn payer_order(code: &str) -> Option<&'static str> {
    Some(match code {
        "P" => "1",
        "S" => "2",
        "T" => "3",
        "A" => "4",
        "B" => "5",
        "C" => "6",
        "D" => "7",
        "E" => "8",
        "F" => "9",
        "G" => "10",
        "H" => "11",
        _ => return None,
    })
}

impl<'a> Cx<'a, '_, '_> {
    fn begin_set(&mut self, set: &TransactionSet<'a>) {
        let r = &mut self.r;
        r.segs.clear();
        r.segs.extend(set.segments());
        r.used.clear();
        r.used.resize(r.segs.len(), 0);
        r.tree = set.loops();
        r.label = set_label(set);
        self.currency = "USD".into();
        self.dates835 = None;
        for i in 0..r.segs.len() {
            match r.id(i) {
                b"ST" | b"SE" | b"HL" | b"LX" | b"LS" | b"LE" => r.mark_all(i),
                b"CUR" => {
                    let c = r.e(i, 2);
                    r.mark(i, 1);
                    if !c.is_empty() {
                        self.currency = c.to_string();
                    }
                }
                _ => {}
            }
        }
        if let Some(When::Date(d)) =
            (1..r.segs.len().min(3))
                .find(|&i| r.id(i) == b"BHT")
                .map(|i| {
                    r.mark(i, 1);
                    r.mark(i, 2);
                    r.date(i, 4)
                })
        {
            self.created = d;
        }
    }

    /// Writes the party whose NM1/N1 is segment `i` with its N3/N4/REF/PER/DMG/PRV.
    fn party(&mut self, i: usize, kind: Option<Kind>) -> ResourceId {
        self.party_with(i, kind, None, None)
    }

    /// As [`Cx::party`], with one more segment of the party outside its loop (the
    /// 2000A PRV of the 2010AA billing provider) and the NM1 of a 2010AB pay-to address
    /// (an NM1\*87 has no name or id of its own: its N3/N4 become the billing provider's
    /// `billing` address).
    fn party_with(
        &mut self,
        i: usize,
        kind: Option<Kind>,
        extra: Option<usize>,
        billing: Option<usize>,
    ) -> ResourceId {
        let Cx { b, r, scratch, .. } = self;
        let n1 = r.id(i) == b"N1";
        let (nq, nid) = if n1 { (3, 4) } else { (8, 9) };
        let kind = kind.unwrap_or(if !n1 && r.raw(i, 2) == b"1" {
            Kind::Person
        } else {
            Kind::Org
        });
        r.mark(i, 1);
        r.mark(i, 2);
        let q = r.e(i, nq);
        let value = r.e(i, nid);
        let id = if value.trim().is_empty() {
            let off = r.offset(i).to_string();
            resource_id(kind.rtype(), &[&r.label, &off])
        } else {
            resource_id(kind.rtype(), &[q, value.trim()])
        };
        let mut members = r.loop_members(i, &[b"N2", b"N3", b"N4", b"REF", b"PER", b"DMG", b"PRV"]);
        if let Some(x) = extra {
            if !members.iter().any(|&m| r.id(m) == r.id(x)) {
                members.push(x);
            }
        }
        write_resource(b, scratch, kind.rtype(), id, |j| {
            j.arr(Some("identifier"));
            identifier(j, if n1 { "N103" } else { "NM108" }, q, value);
            for &m in &members {
                if r.id(m) == b"REF" {
                    let rq = r.e(m, 1);
                    let rv = r.e(m, 2);
                    identifier(j, "REF01", rq, rv);
                }
            }
            j.end_arr();
            if kind == Kind::Location {
                j.str(Some("status"), "active");
            }
            // Names.
            if n1 || matches!(kind, Kind::Org | Kind::Location) {
                let name = r.e(i, if n1 { 2 } else { 3 });
                j.str(Some("name"), name);
                if kind == Kind::Org && name.trim().is_empty() && value.trim().is_empty() {
                    // org-1 needs a name or an identifier; the input has neither.
                    j.obj(Some("_name"));
                    j.arr(Some("extension"));
                    j.obj(None);
                    j.str(
                        Some("url"),
                        "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                    );
                    j.str(Some("valueCode"), "unknown");
                    j.end_obj();
                    j.end_arr();
                    j.end_obj();
                }
            } else {
                j.arr(Some("name"));
                j.obj(None);
                j.str(Some("family"), r.e(i, 3));
                j.arr(Some("given"));
                j.str(None, r.e(i, 4));
                j.str(None, r.e(i, 5));
                j.end_arr();
                j.arr(Some("prefix"));
                j.str(None, r.e(i, 6));
                j.end_arr();
                j.arr(Some("suffix"));
                j.str(None, r.e(i, 7));
                j.end_arr();
                j.end_obj();
                j.end_arr();
            }
            // Telecom.
            let pers: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&m| r.id(m) == b"PER")
                .collect();
            let telecom = |j: &mut Json<'_>, r: &mut Reader<'a, '_>, m: usize| {
                r.mark(m, 1);
                let mut items: Vec<(&str, String)> = Vec::new();
                for k in [3, 5, 7] {
                    let system = match r.raw(m, k) {
                        b"TE" => "phone",
                        b"FX" => "fax",
                        b"EM" => "email",
                        b"UR" => "url",
                        b"EX" => {
                            // An extension of the number before it.
                            r.mark(m, k);
                            let ext = r.e(m, k + 1);
                            if let Some(last) = items.last_mut() {
                                last.1.push_str(" ext. ");
                                last.1.push_str(ext);
                            } else {
                                r.unknown(m, k, "PER03");
                            }
                            continue;
                        }
                        b"" => continue,
                        _ => {
                            r.unknown(m, k, "PER03");
                            continue;
                        }
                    };
                    r.mark(m, k);
                    let v = r.e(m, k + 1);
                    items.push((system, v.to_string()));
                }
                for (system, v) in items {
                    j.obj(None);
                    j.str(Some("system"), system);
                    j.str(Some("value"), &v);
                    j.end_obj();
                }
            };
            if matches!(kind, Kind::Org) {
                j.arr(Some("contact"));
                for &m in &pers {
                    j.obj(None);
                    j.obj(Some("name"));
                    j.str(Some("text"), r.e(m, 2));
                    j.end_obj();
                    j.arr(Some("telecom"));
                    telecom(j, r, m);
                    j.end_arr();
                    j.end_obj();
                }
                j.end_arr();
            } else {
                j.arr(Some("telecom"));
                for &m in &pers {
                    telecom(j, r, m);
                }
                j.end_arr();
            }
            // Address (and a 2010AB pay-to address, as the `billing` address).
            let n3 = members.iter().copied().find(|&m| r.id(m) == b"N3");
            let n4 = members.iter().copied().find(|&m| r.id(m) == b"N4");
            let address =
                |j: &mut Json<'_>, r: &mut Reader<'a, '_>, n3: Option<usize>, n4: Option<usize>| {
                    if let Some(m) = n3 {
                        j.arr(Some("line"));
                        j.str(None, r.e(m, 1));
                        j.str(None, r.e(m, 2));
                        j.end_arr();
                    }
                    if let Some(m) = n4 {
                        j.str(Some("city"), r.e(m, 1));
                        j.str(Some("state"), r.e(m, 2));
                        j.str(Some("postalCode"), r.e(m, 3));
                        j.str(Some("country"), r.e(m, 4));
                    }
                };
            if kind == Kind::Location {
                j.obj(Some("address"));
                address(j, r, n3, n4);
                j.end_obj();
            } else {
                j.arr(Some("address"));
                j.obj(None);
                address(j, r, n3, n4);
                j.end_obj();
                if let Some(pt) = billing {
                    r.mark(pt, 1);
                    r.mark(pt, 2);
                    let pm = r.loop_members(pt, &[b"N3", b"N4"]);
                    let b3 = pm.iter().copied().find(|&m| r.id(m) == b"N3");
                    let b4 = pm.iter().copied().find(|&m| r.id(m) == b"N4");
                    j.obj(None);
                    j.str(Some("use"), "billing");
                    address(j, r, b3, b4);
                    j.end_obj();
                }
                j.end_arr();
            }
            // Demographics.
            for &m in &members {
                match r.id(m) {
                    b"DMG" if kind == Kind::Patient => {
                        r.mark(m, 1);
                        if let When::Date(d) = r.date(m, 2) {
                            j.str(Some("birthDate"), &d);
                        }
                        let g = r.e(m, 3);
                        let gender = match g {
                            "F" => "female",
                            "M" => "male",
                            "U" => "unknown",
                            "" => "",
                            _ => {
                                r.unknown(m, 3, "DMG03");
                                ""
                            }
                        };
                        j.str(Some("gender"), gender);
                    }
                    b"PRV" => {
                        r.mark(m, 1);
                        r.mark(m, 2);
                        let t = r.e(m, 3);
                        match kind {
                            Kind::Person => {
                                j.arr(Some("qualification"));
                                j.obj(None);
                                j.concept(Some("code"), TAXONOMY, t, "");
                                j.end_obj();
                                j.end_arr();
                            }
                            Kind::Org | Kind::Location => {
                                j.arr(Some("type"));
                                j.concept(None, TAXONOMY, t, "");
                                j.end_arr();
                            }
                            Kind::Patient => {}
                        }
                    }
                    _ => {}
                }
            }
        });
        id
    }

    fn message_header(&mut self, event: &str, sender: &str) {
        let id = resource_id("MessageHeader", &[&self.r.label, sender.trim()]);
        let focus = std::mem::take(&mut self.focus);
        let Some(mut j) = self.b.begin("MessageHeader", id) else {
            return;
        };
        j.obj(Some("eventCoding"));
        j.str(Some("system"), "https://x12.org/transaction-set");
        j.str(Some("code"), event);
        j.end_obj();
        j.obj(Some("source"));
        let mut endpoint = String::from("urn:x12:isa06:");
        for c in sender.trim().chars() {
            endpoint.push(if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            });
        }
        j.str(Some("endpoint"), &endpoint);
        j.end_obj();
        j.arr(Some("focus"));
        for f in &focus {
            j.reference(None, f);
        }
        j.end_arr();
        self.b.end();
    }
}

// ---------------------------------------------------------------------------------------
// 837
// ---------------------------------------------------------------------------------------

#[derive(Default, Clone, Copy)]
struct Ctx837 {
    prv: Option<usize>,
    provider: Option<ResourceId>,
    pay_to: Option<ResourceId>,
    sbr: Option<usize>,
    subscriber: Option<(ResourceId, usize)>,
    payer: Option<ResourceId>,
    pat: Option<usize>,
    patient: Option<ResourceId>,
}

fn proc_system(q: &str, code: &str) -> Option<&'static str> {
    Some(match q {
        "HC" => {
            if code.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()) {
                HCPCS
            } else {
                CPT
            }
        }
        "AD" => CDT,
        "N4" => NDC,
        "NU" => REVENUE,
        _ => return None,
    })
}

impl<'a> Cx<'a, '_, '_> {
    fn map_837(&mut self, set: &TransactionSet<'a>) -> bool {
        let kind = match set
            .implementation_reference()
            .unwrap_or(set.group_version())
            .get(..12)
        {
            Some(b"005010X223A2") | Some(b"005010X223A3") | Some(b"005010X223A1") => {
                "institutional"
            }
            Some(b"005010X224A2") | Some(b"005010X224A3") | Some(b"005010X224A1") => "oral",
            _ => "professional",
        };
        let mut ctx = Ctx837::default();
        let n = self.r.len();
        let mut i = 0;
        while i < n {
            let id = self.r.id(i);
            let lp = self.r.loop_of(i);
            match id {
                b"HL" => match self.r.raw(i, 3) {
                    b"20" => ctx = Ctx837::default(),
                    b"22" => {
                        ctx.sbr = None;
                        ctx.subscriber = None;
                        ctx.payer = None;
                        ctx.pat = None;
                        ctx.patient = None;
                    }
                    b"23" => {
                        ctx.pat = None;
                        ctx.patient = None;
                    }
                    _ => {}
                },
                b"NM1" => match lp {
                    "1000A" | "1000B" => {
                        self.party(i, Some(Kind::Org));
                    }
                    "2010AA" => {
                        let mut pay_to = None;
                        let mut k = i + 1;
                        while k < n && self.r.id(k) != b"HL" {
                            if self.r.id(k) == b"NM1" && self.r.loop_of(k) == "2010AB" {
                                pay_to = Some(k);
                                break;
                            }
                            k += 1;
                        }
                        ctx.provider = Some(self.party_with(i, None, ctx.prv, pay_to));
                    }
                    // 2010AB went into the billing provider (above).
                    "2010AB" => {}
                    "2010AC" => ctx.pay_to = Some(self.party(i, Some(Kind::Org))),
                    "2010BA" => ctx.subscriber = Some((self.party(i, Some(Kind::Patient)), i)),
                    "2010BB" => ctx.payer = Some(self.party(i, Some(Kind::Org))),
                    "2010CA" => ctx.patient = Some(self.party(i, Some(Kind::Patient))),
                    _ => {}
                },
                // The billing provider's specialty: written on the 2010AA resource.
                b"PRV" if lp == "2000A" => ctx.prv = Some(i),
                b"SBR" if lp == "2000B" => ctx.sbr = Some(i),
                b"PAT" => ctx.pat = Some(i),
                b"CLM" => {
                    let mut end = i + 1;
                    while end < n && !matches!(self.r.id(end), b"CLM" | b"HL" | b"SE") {
                        end += 1;
                    }
                    self.claim(kind, &ctx, i, end);
                    i = end;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        true
    }

    fn coverage(&mut self, ctx: &Ctx837, patient: Option<ResourceId>) -> Option<ResourceId> {
        let sbr = ctx.sbr?;
        // Coverage.payor is required: without a payer loop there is no Coverage (and
        // the SBR is reported).
        let payer = Some(ctx.payer?);
        let (sub_id, sub_i) = ctx.subscriber.unzip();
        let Cx { b, r, scratch, .. } = self;
        let member = sub_i.map_or("", |s| r.e(s, 9));
        let payer_key = payer.map(|p| p.to_string()).unwrap_or_default();
        let seq = std::str::from_utf8(r.raw(sbr, 1)).unwrap_or("");
        let pat_key = patient.map(|p| p.to_string()).unwrap_or_default();
        let id = resource_id("Coverage", &[&payer_key, member, seq, &pat_key]);
        let pat_i = ctx.pat;
        write_resource(b, scratch, "Coverage", id, |j| {
            j.str(Some("status"), "active");
            j.obj(Some("type"));
            j.arr(Some("coding"));
            let t = r.e(sbr, 5);
            j.coding(&element_system("SBR05"), t, "");
            let f = r.e(sbr, 9);
            j.coding(&element_system("SBR09"), f, "");
            j.end_arr();
            j.end_obj();
            if let Some(s) = sub_id {
                j.reference(Some("subscriber"), &s);
            }
            j.str(Some("subscriberId"), member);
            if let Some(p) = patient {
                j.reference(Some("beneficiary"), &p);
            }
            let (rel_i, rel_n) = match pat_i {
                Some(p) => (p, 1),
                None => (sbr, 2),
            };
            let rel = r.e(rel_i, rel_n);
            match relationship(rel) {
                Some(code) => j.concept(
                    Some("relationship"),
                    "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                    code,
                    "",
                ),
                None if !rel.is_empty() => r.unknown(rel_i, rel_n, "1069"),
                None => {}
            }
            j.arr(Some("payor"));
            if let Some(p) = payer {
                j.reference(None, &p);
            }
            j.end_arr();
            let order = r.e(sbr, 1);
            match payer_order(order) {
                Some(o) => j.raw(Some("order"), o),
                None if !order.is_empty() && order != "U" => r.unknown(sbr, 1, "1138"),
                None => {}
            }
            let group = r.e(sbr, 3);
            let group_name = r.e(sbr, 4);
            if !group.is_empty() {
                j.arr(Some("class"));
                j.obj(None);
                j.concept(
                    Some("type"),
                    "http://terminology.hl7.org/CodeSystem/coverage-class",
                    "group",
                    "",
                );
                j.str(Some("value"), group);
                j.str(Some("name"), group_name);
                j.end_obj();
                j.end_arr();
            }
        });
        Some(id)
    }

    #[allow(clippy::too_many_lines)]
    fn claim(&mut self, kind: &'static str, ctx: &Ctx837, start: usize, end: usize) {
        let patient = ctx.patient.or(ctx.subscriber.map(|s| s.0));
        let coverage = self.coverage(ctx, patient);
        // Loop-level parties of the claim (2310x) and of its lines (2420x).
        let mut team: Vec<(ResourceId, &'static str, Option<usize>)> = Vec::new();
        let mut facility = None;
        let mut line_no = 0usize;
        let mut line_of: Vec<usize> = vec![0; end - start];
        for i in start..end {
            match self.r.id(i) {
                b"LX" => line_no += 1,
                b"NM1" => {
                    let lp = self.r.loop_of(i);
                    let entity = self.r.raw(i, 1);
                    if entity == b"77" || entity == b"FA" || entity == b"LI" {
                        facility = Some(self.party(i, Some(Kind::Location)));
                    } else if lp.starts_with("2330") {
                        // Other payer's parties: written below with their Coverage.
                    } else if lp.starts_with("2310") || lp.starts_with("2420") {
                        let role = match entity {
                            b"82" | b"71" => "primary",
                            b"DQ" => "supervisor",
                            b"72" | b"ZZ" => "assist",
                            _ => "other",
                        };
                        let who = self.party(i, None);
                        let line = (line_no > 0 && lp.starts_with("2420")).then_some(line_no);
                        team.push((who, role, line));
                    }
                }
                _ => {}
            }
            if let Some(l) = line_of.get_mut(i - start) {
                *l = line_no;
            }
        }
        // 2320/2330: other subscribers and payers (coordination of benefits), each a
        // Coverage in Claim.insurance after the focal one.
        let mut others: Vec<ResourceId> = Vec::new();
        let sbrs: Vec<usize> = (start..end)
            .filter(|&i| self.r.id(i) == b"SBR" && self.r.loop_of(i) == "2320")
            .collect();
        for (k, &sbr) in sbrs.iter().enumerate() {
            let stop = sbrs.get(k + 1).copied().unwrap_or(end);
            let mut other = Ctx837 {
                sbr: Some(sbr),
                ..Ctx837::default()
            };
            for i in sbr + 1..stop {
                if self.r.id(i) == b"LX" {
                    break;
                }
                if self.r.id(i) != b"NM1" {
                    continue;
                }
                match self.r.loop_of(i) {
                    "2330A" => other.subscriber = Some((self.party(i, Some(Kind::Patient)), i)),
                    "2330B" => other.payer = Some(self.party(i, Some(Kind::Org))),
                    lp if lp.starts_with("2330") => {
                        self.party(i, None);
                    }
                    _ => {}
                }
            }
            if let Some(c) = self.coverage(&other, patient) {
                others.push(c);
            }
        }
        let Cx {
            b,
            r,
            scratch,
            names,
            currency,
            created,
            focus,
            ..
        } = self;
        let names: &dyn CodeDisplay = *names;
        let clm01 = r.e(start, 1);
        let provider_key = ctx.provider.map(|p| p.to_string()).unwrap_or_default();
        let id = resource_id("Claim", &[&provider_key, clm01]);
        if b.contains(&id) {
            // The same claim (billing provider and CLM01) again: written once; this
            // occurrence is reported as a whole.
            let loc = r.location(start, None);
            r.report.push(loc, ReportKind::SegmentNotMapped);
        }
        if !b.contains(&id) {
            focus.push(id);
        }
        let bht = (1..r.len().min(3)).find(|&i| r.id(i) == b"BHT");
        write_resource(b, scratch, "Claim", id, |j| {
            j.arr(Some("identifier"));
            elem_identifier(j, "CLM01", clm01);
            if let Some(bi) = bht {
                let reference = r.e(bi, 3);
                elem_identifier(j, "BHT03", reference);
            }
            j.end_arr();
            j.str(Some("status"), "active");
            j.concept(
                Some("type"),
                "http://terminology.hl7.org/CodeSystem/claim-type",
                kind,
                "",
            );
            if let Some(bi) = bht {
                if r.e(bi, 6) == "RP" {
                    j.obj(Some("subType"));
                    j.str(Some("text"), "encounter report");
                    j.end_obj();
                }
            }
            j.str(Some("use"), "claim");
            if let Some(p) = patient {
                j.reference(Some("patient"), &p);
            }
            // billablePeriod: DTP*434 statement dates.
            for i in start..end {
                if r.id(i) == b"DTP" && r.raw(i, 1) == b"434" {
                    let (_, w) = r.dtp(i);
                    let (from, to) = match &w {
                        When::None => continue,
                        When::Date(d) => (d.as_str(), d.as_str()),
                        When::Period(a, b) => (a.as_str(), b.as_str()),
                    };
                    j.obj(Some("billablePeriod"));
                    j.str(Some("start"), from);
                    j.str(Some("end"), to);
                    j.end_obj();
                }
            }
            j.str(Some("created"), created);
            if let Some(p) = ctx.provider {
                j.reference(Some("provider"), &p);
            }
            j.concept(
                Some("priority"),
                "http://terminology.hl7.org/CodeSystem/processpriority",
                "normal",
                "",
            );
            if let Some(p) = ctx.pay_to.or(ctx.provider) {
                j.obj(Some("payee"));
                j.concept(
                    Some("type"),
                    "http://terminology.hl7.org/CodeSystem/payeetype",
                    "provider",
                    "",
                );
                j.reference(Some("party"), &p);
                j.end_obj();
            }
            if let Some(f) = facility {
                j.reference(Some("facility"), &f);
            }
            // careTeam.
            j.arr(Some("careTeam"));
            for (k, (who, role, _)) in team.iter().enumerate() {
                j.obj(None);
                j.raw(Some("sequence"), &(k + 1).to_string());
                j.reference(Some("provider"), who);
                j.concept(
                    Some("role"),
                    "http://terminology.hl7.org/CodeSystem/claimcareteamrole",
                    role,
                    "",
                );
                j.end_obj();
            }
            j.end_arr();
            // supportingInfo: CLM indicators, CL1, other DTP, REF, AMT, NTE.
            j.arr(Some("supportingInfo"));
            let mut seq = 0usize;
            let mut info = |j: &mut Json<'_>, cat: (&str, &str), code: (&str, &str)| -> bool {
                if code.1.trim().is_empty() {
                    return false;
                }
                seq += 1;
                j.obj(None);
                j.raw(Some("sequence"), &seq.to_string());
                j.concept(Some("category"), cat.0, cat.1, "");
                j.obj(Some("code"));
                j.arr(Some("coding"));
                coding(j, names, code.0, code.1);
                j.end_arr();
                j.end_obj();
                true
            };
            let pos = r.c(start, 5, 1);
            r.c(start, 5, 2);
            let freq = r.c(start, 5, 3);
            if kind == "institutional" {
                let tob = format!("{pos}{freq}");
                if info(
                    j,
                    (C4BB_INFO, "typeofbill"),
                    ("https://www.nubc.org/CodeSystem/TypeOfBill", &tob),
                ) {
                    j.end_obj();
                }
            } else if info(j, (INFO_CAT, "info"), (&element_system("CLM05-3"), freq)) {
                j.end_obj();
            }
            for n in [6, 7, 8, 9, 10, 12, 20] {
                let v = r.e(start, n);
                if info(
                    j,
                    (INFO_CAT, "info"),
                    (&element_system(&format!("CLM{n:02}")), v),
                ) {
                    j.end_obj();
                }
            }
            for rep in r.reps(start, 11) {
                for c in rep.iter().take(3) {
                    if info(j, (INFO_CAT, "related"), (&element_system("CLM11"), c)) {
                        j.end_obj();
                    }
                }
                if let Some(state) = rep.get(3).filter(|s| !s.is_empty()) {
                    if info(
                        j,
                        (INFO_CAT, "related"),
                        (&element_system("CLM11-4"), state),
                    ) {
                        j.end_obj();
                    }
                }
            }
            for i in start..end {
                if line_of.get(i - start).copied().unwrap_or(0) != 0 {
                    continue;
                }
                match r.id(i) {
                    b"DTP" if r.raw(i, 1) != b"434" && r.loop_of(i) == "2300" => {
                        let (q, w) = r.dtp(i);
                        if info(j, (INFO_CAT, "info"), (&element_system("DTP01"), q)) {
                            when(j, "timingDate", "timingPeriod", &w);
                            j.end_obj();
                        }
                    }
                    b"CL1" => {
                        for (n, code, system) in [
                            (
                                1,
                                "admtype",
                                "https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit",
                            ),
                            (
                                2,
                                "pointoforigin",
                                "https://www.nubc.org/CodeSystem/PointOfOriginForAdmissionOrVisit",
                            ),
                            (
                                3,
                                "discharge-status",
                                "https://www.nubc.org/CodeSystem/PatDischargeStatus",
                            ),
                        ] {
                            let v = r.e(i, n);
                            if info(j, (C4BB_INFO, code), (system, v)) {
                                j.end_obj();
                            }
                        }
                    }
                    b"REF" if r.loop_of(i) == "2300" && r.raw(i, 1) != b"G1" => {
                        let q = r.e(i, 1);
                        let v = r.e(i, 2);
                        if info(j, (INFO_CAT, "info"), (&element_system("REF01"), q)) {
                            j.str(Some("valueString"), v);
                            j.end_obj();
                        }
                    }
                    b"AMT" if matches!(r.loop_of(i), "2300" | "2320") => {
                        let q = r.e(i, 1);
                        let v = r.num(i, 2);
                        if info(j, (INFO_CAT, "info"), (&element_system("AMT01"), q)) {
                            if let Some(v) = v {
                                j.obj(Some("valueQuantity"));
                                j.raw(Some("value"), &v);
                                j.str(Some("unit"), currency);
                                j.end_obj();
                            }
                            j.end_obj();
                        }
                    }
                    b"NTE" if r.loop_of(i) == "2300" => {
                        let q = r.e(i, 1);
                        let v = r.e(i, 2);
                        if info(j, (INFO_CAT, "info"), (&element_system("NTE01"), q)) {
                            j.str(Some("valueString"), v);
                            j.end_obj();
                        }
                    }
                    _ => {}
                }
            }
            // NUBC condition, occurrence and value codes as supportingInfo (837I).
            for i in start..end {
                if r.id(i) != b"HI" {
                    continue;
                }
                for n in 1..=r.segs.get(i).map_or(0, |s| s.element_count()) {
                    for rep in r.reps(i, n) {
                        let q = rep.first().copied().unwrap_or("");
                        let code = rep.get(1).copied().unwrap_or("");
                        let system = match q {
                            "BG" => "https://www.nubc.org/CodeSystem/ConditionCodes",
                            "BH" => "https://www.nubc.org/CodeSystem/OccurrenceCodes",
                            "BI" => "https://www.nubc.org/CodeSystem/OccurrenceSpanCodes",
                            "BE" => "https://www.nubc.org/CodeSystem/ValueCodes",
                            "DR" => "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software",
                            _ => continue,
                        };
                        if info(j, (INFO_CAT, "info"), (system, code)) {
                            if let Some(w) = rep.get(3).and_then(|d| parse_when(d)) {
                                when(j, "timingDate", "timingPeriod", &w);
                            }
                            if let Some(a) = rep.get(4).filter(|a| !a.is_empty()) {
                                match Decimal::parse(a.as_bytes()) {
                                    Ok(d) => {
                                        j.obj(Some("valueQuantity"));
                                        j.raw(Some("value"), &d.to_string());
                                        j.end_obj();
                                    }
                                    Err(_) => r.invalid(i, n),
                                }
                            }
                            j.end_obj();
                        }
                    }
                }
            }
            j.end_arr();
            // Diagnosis and procedure codes (HI).
            j.arr(Some("diagnosis"));
            let mut dx_seq = 0usize;
            let mut procs: Vec<(usize, String, &'a str, When)> = Vec::new();
            for i in start..end {
                if r.id(i) != b"HI" {
                    continue;
                }
                for n in 1..=r.segs.get(i).map_or(0, |s| s.element_count()) {
                    for rep in r.reps(i, n) {
                        let q = rep.first().copied().unwrap_or("");
                        let code = rep.get(1).copied().unwrap_or("");
                        let (system, dtype) = match q {
                            "ABK" => (ICD10CM, "principal"),
                            "BK" => (ICD9CM, "principal"),
                            "ABJ" => (ICD10CM, "admitting"),
                            "BJ" => (ICD9CM, "admitting"),
                            "ABF" | "ABN" | "APR" => (ICD10CM, ""),
                            "BF" | "BN" | "PR" => (ICD9CM, ""),
                            "BBR" | "BBQ" | "BR" | "BQ" | "CAH" => {
                                let w =
                                    rep.get(3).and_then(|d| parse_when(d)).unwrap_or(When::None);
                                let sys = if q.starts_with('B') && q.len() == 3 {
                                    ICD10PCS
                                } else {
                                    "http://www.cms.gov/Medicare/Coding/ICD9"
                                };
                                procs.push((i, sys.to_string(), code, w));
                                continue;
                            }
                            "BG" | "BH" | "BI" | "BE" | "DR" | "TC" => {
                                // NUBC condition / occurrence / value codes, DRG.
                                continue;
                            }
                            "" => continue,
                            _ => {
                                r.unknown(i, n, "HI01-1");
                                continue;
                            }
                        };
                        if code.is_empty() {
                            r.invalid(i, n);
                            continue;
                        }
                        dx_seq += 1;
                        j.obj(None);
                        j.raw(Some("sequence"), &dx_seq.to_string());
                        concept(j, names, Some("diagnosisCodeableConcept"), system, code);
                        if !dtype.is_empty() {
                            j.arr(Some("type"));
                            j.concept(
                                None,
                                "http://terminology.hl7.org/CodeSystem/ex-diagnosistype",
                                dtype,
                                "",
                            );
                            j.end_arr();
                        }
                        if let Some(poa) = rep.get(8).filter(|p| !p.is_empty()) {
                            j.concept(
                                Some("onAdmission"),
                                "http://terminology.hl7.org/CodeSystem/ex-diagnosis-on-admission",
                                &poa.to_ascii_lowercase(),
                                "",
                            );
                        }
                        j.end_obj();
                    }
                }
            }
            j.end_arr();
            j.arr(Some("procedure"));
            for (k, (_, system, code, w)) in procs.iter().enumerate() {
                j.obj(None);
                j.raw(Some("sequence"), &(k + 1).to_string());
                if let When::Date(d) = w {
                    j.str(Some("date"), d);
                }
                concept(j, names, Some("procedureCodeableConcept"), system, code);
                j.end_obj();
            }
            j.end_arr();
            // insurance.
            j.arr(Some("insurance"));
            if let Some(c) = coverage {
                j.obj(None);
                j.raw(Some("sequence"), "1");
                j.raw(Some("focal"), "true");
                j.reference(Some("coverage"), &c);
                j.arr(Some("preAuthRef"));
                for i in start..end {
                    if r.id(i) == b"REF" && r.raw(i, 1) == b"G1" && r.loop_of(i) == "2300" {
                        r.mark(i, 1);
                        j.str(None, r.e(i, 2));
                    }
                }
                j.end_arr();
                j.end_obj();
            }
            for (k, c) in others.iter().enumerate() {
                j.obj(None);
                j.raw(Some("sequence"), &(k + 2).to_string());
                j.raw(Some("focal"), "false");
                j.reference(Some("coverage"), c);
                j.end_obj();
            }
            j.end_arr();
            // items.
            j.arr(Some("item"));
            for (lx, e) in r.groups(start, end, b"LX") {
                let line = line_of.get(lx - start).copied().unwrap_or(0);
                j.obj(None);
                let seq = r.raw(lx, 1);
                let seq_ok =
                    !seq.is_empty() && seq.iter().all(u8::is_ascii_digit) && seq[0] != b'0';
                if seq_ok {
                    j.raw(Some("sequence"), std::str::from_utf8(seq).unwrap_or("1"));
                } else {
                    j.raw(Some("sequence"), &line.to_string());
                }
                j.arr(Some("careTeamSequence"));
                for (k, (_, _, l)) in team.iter().enumerate() {
                    if *l == Some(line) {
                        j.raw(None, &(k + 1).to_string());
                    }
                }
                j.end_arr();
                for s in lx + 1..e {
                    match r.id(s) {
                        b"SV1" | b"SV2" | b"SV3" => {
                            let sv = r.id(s);
                            let (pn, charge, unit, qty) = match sv {
                                b"SV1" => (1, 2, Some(3), 4),
                                b"SV2" => (2, 3, Some(4), 5),
                                _ => (1, 2, None, 6),
                            };
                            if sv == b"SV2" {
                                let rev = r.e(s, 1);
                                concept(j, names, Some("revenue"), REVENUE, rev);
                            }
                            let comps = r.reps(s, pn).into_iter().next().unwrap_or_default();
                            let q = comps.first().copied().unwrap_or("");
                            let code = comps.get(1).copied().unwrap_or("");
                            let system = proc_system(q, code);
                            if system.is_none() && !q.is_empty() {
                                r.unknown(s, pn, "235");
                            }
                            let system = system.unwrap_or("");
                            if code.is_empty() && sv == b"SV2" {
                                let rev = std::str::from_utf8(r.raw(s, 1)).unwrap_or("");
                                concept(j, names, Some("productOrService"), REVENUE, rev);
                            } else {
                                product(j, names, system, code, comps.get(6));
                            }
                            j.arr(Some("modifier"));
                            for m in comps.iter().skip(2).take(4) {
                                concept(j, names, None, system, m);
                            }
                            j.end_arr();
                            let place = if sv == b"SV1" {
                                r.e(s, 5)
                            } else if sv == b"SV3" {
                                r.e(s, 3)
                            } else {
                                ""
                            };
                            let place = if place.is_empty() && kind != "institutional" {
                                pos
                            } else {
                                place
                            };
                            if kind != "institutional" {
                                concept(j, names, Some("locationCodeableConcept"), POS, place);
                            }
                            let u = unit.map_or("", |n| r.e(s, n));
                            if let Some(v) = r.num(s, qty) {
                                j.obj(Some("quantity"));
                                j.raw(Some("value"), &v);
                                match u {
                                    "MJ" => {
                                        j.str(Some("unit"), "min");
                                        j.str(Some("system"), "http://unitsofmeasure.org");
                                        j.str(Some("code"), "min");
                                    }
                                    "DA" => {
                                        j.str(Some("unit"), "d");
                                        j.str(Some("system"), "http://unitsofmeasure.org");
                                        j.str(Some("code"), "d");
                                    }
                                    "UN" | "" => {}
                                    _ => {
                                        if let Some(n) = unit {
                                            r.unknown(s, n, "355");
                                        }
                                    }
                                }
                                j.end_obj();
                            }
                            if sv == b"SV2" {
                                let rate = r.num(s, 6);
                                money(j, Some("unitPrice"), rate.as_deref(), currency);
                            }
                            let net = r.num(s, charge);
                            money(j, Some("net"), net.as_deref(), currency);
                            if sv == b"SV1" {
                                j.arr(Some("diagnosisSequence"));
                                for p in r.reps(s, 7).into_iter().next().unwrap_or_default() {
                                    if !p.is_empty()
                                        && p.bytes().all(|b| b.is_ascii_digit())
                                        && !p.starts_with('0')
                                    {
                                        j.raw(None, p);
                                    } else if !p.is_empty() {
                                        r.invalid(s, 7);
                                    }
                                }
                                j.end_arr();
                            }
                        }
                        b"DTP" if r.raw(s, 1) == b"472" => {
                            let (_, w) = r.dtp(s);
                            when(j, "servicedDate", "servicedPeriod", &w);
                        }
                        _ => {}
                    }
                }
                j.end_obj();
            }
            j.end_arr();
            let total = r.num(start, 2);
            money(j, Some("total"), total.as_deref(), currency);
        });
    }
}

// ---------------------------------------------------------------------------------------
// 835
// ---------------------------------------------------------------------------------------

fn clp_disposition(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "processed as primary",
        "2" => "processed as secondary",
        "3" => "processed as tertiary",
        "4" => "denied",
        "19" => "processed as primary, forwarded to additional payer(s)",
        "20" => "processed as secondary, forwarded to additional payer(s)",
        "21" => "processed as tertiary, forwarded to additional payer(s)",
        "22" => "reversal of previous payment",
        "23" => "not our claim, forwarded to additional payer(s)",
        "25" => "predetermination pricing only - no payment",
        _ => return None,
    })
}

/// One adjudication entry.
fn adjudication(
    j: &mut Json<'_>,
    names: &dyn CodeDisplay,
    category: (&str, &str),
    reason: Option<(&str, &str)>,
    amount: Option<&str>,
    value: Option<&str>,
    currency: &str,
) {
    j.obj(None);
    concept(j, names, Some("category"), category.0, category.1);
    if let Some((system, code)) = reason {
        concept(j, names, Some("reason"), system, code);
    }
    money(j, Some("amount"), amount, currency);
    if let Some(v) = value {
        j.raw(Some("value"), v);
    }
    j.end_obj();
}

/// The adjustments of a CAS segment as adjudication entries.
fn cas(
    j: &mut Json<'_>,
    r: &mut Reader<'_, '_>,
    names: &dyn CodeDisplay,
    i: usize,
    currency: &str,
) {
    let group = r.e(i, 1);
    for k in (2..=17).step_by(3) {
        let reason = r.e(i, k);
        let amount = r.num(i, k + 1);
        let quantity = r.num(i, k + 2);
        if reason.is_empty() && amount.is_none() && quantity.is_none() {
            continue;
        }
        adjudication(
            j,
            names,
            (CAGC, group),
            Some((CARC, reason)),
            amount.as_deref(),
            quantity.as_deref(),
            currency,
        );
    }
}

impl<'a> Cx<'a, '_, '_> {
    fn map_835(&mut self) -> bool {
        let n = self.r.len();
        let (mut bpr, mut trn, mut dtm) = (None, None, None);
        let (mut payer, mut payee) = (None, None);
        let mut claims: Vec<(ResourceId, usize)> = Vec::new();
        let mut plbs = Vec::new();
        let mut i = 0;
        while i < n {
            match (self.r.id(i), self.r.loop_of(i)) {
                (b"BPR", _) if bpr.is_none() => bpr = Some(i),
                (b"TRN", _) if trn.is_none() => trn = Some(i),
                (b"DTM", "header" | "") if self.r.raw(i, 1) == b"405" => dtm = Some(i),
                (b"N1", "1000A") => payer = Some(self.party(i, Some(Kind::Org))),
                (b"N1", "1000B") => payee = Some(self.party(i, Some(Kind::Org))),
                (b"PLB", _) => plbs.push(i),
                (b"CLP", _) => {
                    let mut end = i + 1;
                    while end < n && !matches!(self.r.id(end), b"CLP" | b"LX" | b"PLB" | b"SE") {
                        end += 1;
                    }
                    let id = self.claim_response(i, end, payer, payee, bpr, trn, dtm);
                    claims.push((id, i));
                    i = end;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        self.payment_reconciliation(bpr, trn, dtm, payer, payee, &claims, &plbs);
        true
    }

    /// `(created, paymentDate)` of the set: DTM*405 (else BPR16) and BPR16, read once.
    fn dates_835(&mut self, bpr: Option<usize>, dtm: Option<usize>) -> (String, String) {
        if let Some(d) = &self.dates835 {
            return d.clone();
        }
        let pay = match bpr.map(|b| self.r.date(b, 16)) {
            Some(When::Date(d)) => d,
            _ => String::new(),
        };
        let mut created = String::new();
        if let Some(d) = dtm {
            if let (_, When::Date(date)) = self.r.dtp(d) {
                created = date;
            }
        }
        if created.is_empty() {
            created = if pay.is_empty() {
                self.created.clone()
            } else {
                pay.clone()
            };
        }
        let out = (created, pay);
        self.dates835 = Some(out.clone());
        out
    }

    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    fn claim_response(
        &mut self,
        start: usize,
        end: usize,
        payer: Option<ResourceId>,
        payee: Option<ResourceId>,
        bpr: Option<usize>,
        trn: Option<usize>,
        dtm: Option<usize>,
    ) -> ResourceId {
        let mut patient = None;
        let mut insured = None;
        let mut requestor = None;
        let mut institutional = false;
        for i in start..end {
            match self.r.id(i) {
                b"NM1" => match self.r.raw(i, 1) {
                    b"QC" => patient = Some((self.party(i, Some(Kind::Patient)), i)),
                    b"IL" => insured = Some((self.party(i, Some(Kind::Patient)), i)),
                    b"74" => {
                        self.party(i, Some(Kind::Patient));
                    }
                    b"82" => requestor = Some(self.party(i, None)),
                    _ => {
                        self.party(i, None);
                    }
                },
                b"MIA" => institutional = true,
                _ => {}
            }
        }
        let (created, pay_date) = self.dates_835(bpr, dtm);
        // The coverage the payer adjudicated under: CLP06 (claim filing indicator) as its
        // type, the insured (NM1*IL, else the patient) as subscriber and member id.
        let coverage = match (payer, patient) {
            (Some(payer), Some((pat, pat_i))) => {
                let Cx { b, r, scratch, .. } = &mut *self;
                let (sub, sub_i) = insured.unwrap_or((pat, pat_i));
                let member = r.e(sub_i, 9);
                let id = resource_id("Coverage", &[&payer.to_string(), member, &pat.to_string()]);
                write_resource(b, scratch, "Coverage", id, |j| {
                    j.str(Some("status"), "active");
                    let filing = r.e(start, 6);
                    concept(
                        j,
                        &NoDisplay,
                        Some("type"),
                        &element_system("CLP06"),
                        filing,
                    );
                    j.reference(Some("subscriber"), &sub);
                    j.str(Some("subscriberId"), member);
                    j.reference(Some("beneficiary"), &pat);
                    j.arr(Some("payor"));
                    j.reference(None, &payer);
                    j.end_arr();
                });
                Some(id)
            }
            _ => None,
        };
        let patient = patient.map(|p| p.0);
        let Cx {
            b,
            r,
            scratch,
            names,
            currency,
            focus,
            ..
        } = self;
        let names: &dyn CodeDisplay = *names;
        let trn02 = trn.map_or("", |t| r.e(t, 2));
        let clp01 = r.e(start, 1);
        let clp07 = r.e(start, 7);
        // CLP02 is in the key: a reversal (22) and its correction share CLP01/CLP07.
        let clp02 = std::str::from_utf8(r.raw(start, 2)).unwrap_or("");
        let id = resource_id("ClaimResponse", &[trn02, clp01, clp07, clp02]);
        if b.contains(&id) {
            let loc = r.location(start, None);
            r.report.push(loc, ReportKind::SegmentNotMapped);
        }
        if !b.contains(&id) {
            focus.push(id);
        }
        write_resource(b, scratch, "ClaimResponse", id, |j| {
            j.arr(Some("identifier"));
            elem_identifier(j, "CLP07", clp07);
            for i in start..end {
                if r.id(i) == b"REF" && r.loop_of(i) == "2100" {
                    let q = r.e(i, 1);
                    let v = r.e(i, 2);
                    identifier(j, "REF01", q, v);
                }
            }
            j.end_arr();
            j.str(Some("status"), "active");
            j.concept(
                Some("type"),
                "http://terminology.hl7.org/CodeSystem/claim-type",
                if institutional {
                    "institutional"
                } else {
                    "professional"
                },
                "",
            );
            j.str(Some("use"), "claim");
            if let Some(p) = patient {
                j.reference(Some("patient"), &p);
            }
            j.str(Some("created"), &created);
            if let Some(p) = payer {
                j.reference(Some("insurer"), &p);
            }
            if let Some(p) = requestor.or(payee) {
                j.reference(Some("requestor"), &p);
            }
            j.obj(Some("request"));
            j.obj(Some("identifier"));
            j.str(Some("system"), &element_system("CLP01"));
            j.str(Some("value"), clp01);
            j.end_obj();
            j.end_obj();
            j.str(Some("outcome"), "complete");
            let status = r.e(start, 2);
            match clp_disposition(status) {
                Some(d) => j.str(Some("disposition"), d),
                None if !status.is_empty() => r.unknown(start, 2, "CLP02"),
                None => {}
            }
            if let Some(c) = coverage {
                j.arr(Some("insurance"));
                j.obj(None);
                j.raw(Some("sequence"), "1");
                j.raw(Some("focal"), "true");
                j.reference(Some("coverage"), &c);
                j.end_obj();
                j.end_arr();
            }
            // Service lines.
            j.arr(Some("addItem"));
            let mut seq = 0usize;
            for (svc, e) in r.groups(start, end, b"SVC") {
                seq += 1;
                j.obj(None);
                j.arr(Some("itemSequence"));
                j.raw(None, &seq.to_string());
                j.end_arr();
                let comps = r.reps(svc, 1).into_iter().next().unwrap_or_default();
                let q = comps.first().copied().unwrap_or("");
                let code = comps.get(1).copied().unwrap_or("");
                let system = proc_system(q, code);
                if system.is_none() && !q.is_empty() {
                    r.unknown(svc, 1, "235");
                }
                let system = system.unwrap_or("");
                product(j, names, system, code, comps.get(6));
                j.arr(Some("modifier"));
                for m in comps.iter().skip(2).take(4) {
                    concept(j, names, None, system, m);
                }
                j.end_arr();
                for s in svc + 1..e {
                    if r.id(s) == b"DTM" {
                        match r.raw(s, 1) {
                            b"472" => {
                                let (_, w) = r.dtp(s);
                                when(j, "servicedDate", "servicedPeriod", &w);
                            }
                            b"150" | b"151" => {}
                            _ => {}
                        }
                    }
                }
                let from = (svc + 1..e).find(|&s| r.id(s) == b"DTM" && r.raw(s, 1) == b"150");
                let to = (svc + 1..e).find(|&s| r.id(s) == b"DTM" && r.raw(s, 1) == b"151");
                if from.is_some() || to.is_some() {
                    j.obj(Some("servicedPeriod"));
                    for (key, s) in [("start", from), ("end", to)] {
                        if let Some(s) = s {
                            if let (_, When::Date(d)) = r.dtp(s) {
                                j.str(Some(key), &d);
                            }
                        }
                    }
                    j.end_obj();
                }
                let units = r.num(svc, 5);
                if let Some(u) = &units {
                    j.obj(Some("quantity"));
                    j.raw(Some("value"), u);
                    j.end_obj();
                }
                let paid = r.num(svc, 3);
                money(j, Some("net"), paid.as_deref(), currency);
                j.arr(Some("adjudication"));
                let charge = r.num(svc, 2);
                if charge.is_some() {
                    adjudication(
                        j,
                        names,
                        (ADJUDICATION, "submitted"),
                        None,
                        charge.as_deref(),
                        None,
                        currency,
                    );
                }
                if paid.is_some() {
                    adjudication(
                        j,
                        names,
                        (ADJUDICATION, "benefit"),
                        None,
                        paid.as_deref(),
                        None,
                        currency,
                    );
                }
                for s in svc + 1..e {
                    match r.id(s) {
                        b"CAS" => cas(j, r, names, s, currency),
                        b"AMT" => {
                            let q = r.e(s, 1);
                            let v = r.num(s, 2);
                            if q == "B6" {
                                adjudication(
                                    j,
                                    names,
                                    (ADJUDICATION, "eligible"),
                                    None,
                                    v.as_deref(),
                                    None,
                                    currency,
                                );
                            } else {
                                let sys = element_system("AMT01");
                                adjudication(
                                    j,
                                    names,
                                    (&sys, q),
                                    None,
                                    v.as_deref(),
                                    None,
                                    currency,
                                );
                            }
                        }
                        b"LQ" => {
                            let q = r.e(s, 1);
                            let code = r.e(s, 2);
                            let sys = if q == "HE" {
                                RARC.to_string()
                            } else {
                                element_system("LQ02")
                            };
                            let cat = element_system("LQ01");
                            adjudication(
                                j,
                                names,
                                (&cat, q),
                                Some((&sys, code)),
                                None,
                                None,
                                currency,
                            );
                        }
                        _ => {}
                    }
                }
                j.end_arr();
                j.end_obj();
            }
            j.end_arr();
            // Claim-level adjustments (CAS before the first SVC).
            j.arr(Some("adjudication"));
            let first_svc = (start..end).find(|&s| r.id(s) == b"SVC").unwrap_or(end);
            for s in start..first_svc {
                if r.id(s) == b"CAS" {
                    cas(j, r, names, s, currency);
                }
            }
            j.end_arr();
            j.arr(Some("total"));
            let clp03 = r.num(start, 3);
            let clp04 = r.num(start, 4);
            let clp05 = r.num(start, 5);
            for (system, code, v) in [
                (ADJUDICATION, "submitted", &clp03),
                (ADJUDICATION, "benefit", &clp04),
                (C4BB_ADJ, "memberliability", &clp05),
            ] {
                if v.is_some() {
                    j.obj(None);
                    j.concept(Some("category"), system, code, "");
                    money(j, Some("amount"), v.as_deref(), currency);
                    j.end_obj();
                }
            }
            for s in start..first_svc {
                if r.id(s) == b"AMT" {
                    let q = r.e(s, 1);
                    let v = r.num(s, 2);
                    if v.is_some() {
                        j.obj(None);
                        j.concept(Some("category"), &element_system("AMT01"), q, "");
                        money(j, Some("amount"), v.as_deref(), currency);
                        j.end_obj();
                    }
                }
            }
            j.end_arr();
            if clp04.is_some() {
                j.obj(Some("payment"));
                j.concept(
                    Some("type"),
                    "http://terminology.hl7.org/CodeSystem/ex-paymenttype",
                    "complete",
                    "",
                );
                j.str(Some("date"), &pay_date);
                money(j, Some("amount"), clp04.as_deref(), currency);
                j.obj(Some("identifier"));
                j.str(Some("system"), &element_system("TRN02"));
                j.str(Some("value"), trn02);
                j.end_obj();
                j.end_obj();
            }
        });
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn payment_reconciliation(
        &mut self,
        bpr: Option<usize>,
        trn: Option<usize>,
        dtm: Option<usize>,
        payer: Option<ResourceId>,
        payee: Option<ResourceId>,
        claims: &[(ResourceId, usize)],
        plbs: &[usize],
    ) {
        if bpr.is_none() && claims.is_empty() && plbs.is_empty() {
            return;
        }
        let (created, pay_date) = self.dates_835(bpr, dtm);
        let Cx {
            b,
            r,
            scratch,
            currency,
            focus,
            ..
        } = self;
        let trn02 = trn.map_or("", |t| r.e(t, 2));
        let trn03 = trn.map_or("", |t| r.e(t, 3));
        if let Some(t) = trn {
            r.mark(t, 1);
        }
        let id = resource_id("PaymentReconciliation", &[trn02, trn03, &r.label]);
        if !b.contains(&id) {
            focus.push(id);
        }
        write_resource(b, scratch, "PaymentReconciliation", id, |j| {
            j.arr(Some("identifier"));
            elem_identifier(j, "TRN02", trn02);
            elem_identifier(j, "TRN03", trn03);
            j.end_arr();
            j.str(Some("status"), "active");
            j.str(Some("created"), &created);
            if let Some(p) = payer {
                j.reference(Some("paymentIssuer"), &p);
            }
            if let Some(p) = payee {
                j.reference(Some("requestor"), &p);
            }
            j.str(Some("outcome"), "complete");
            j.str(
                Some("paymentDate"),
                if pay_date.is_empty() {
                    &created
                } else {
                    &pay_date
                },
            );
            let amount = bpr.and_then(|b| r.num(b, 2));
            money(j, Some("paymentAmount"), amount.as_deref(), currency);
            if amount.is_none() {
                money(j, Some("paymentAmount"), Some("0"), currency);
            }
            j.obj(Some("paymentIdentifier"));
            if let Some(b) = bpr {
                let method = r.e(b, 4);
                j.obj(Some("type"));
                j.arr(Some("coding"));
                j.coding(&element_system("BPR04"), method, "");
                j.end_arr();
                j.end_obj();
            }
            j.str(Some("system"), &element_system("TRN02"));
            j.str(Some("value"), trn02);
            j.end_obj();
            j.arr(Some("detail"));
            for (cr, clp) in claims {
                j.obj(None);
                j.concept(
                    Some("type"),
                    "http://terminology.hl7.org/CodeSystem/payment-type",
                    "payment",
                    "",
                );
                j.obj(Some("request"));
                j.obj(Some("identifier"));
                j.str(Some("system"), &element_system("CLP01"));
                j.str(Some("value"), r.e(*clp, 1));
                j.end_obj();
                j.end_obj();
                j.reference(Some("response"), cr);
                if let Some(p) = payee {
                    j.reference(Some("payee"), &p);
                }
                let paid = r.num(*clp, 4);
                money(j, Some("amount"), paid.as_deref(), currency);
                j.end_obj();
            }
            for &p in plbs {
                r.mark(p, 1);
                let date = match r.date(p, 2) {
                    When::Date(d) => d,
                    _ => String::new(),
                };
                for k in (3..=13).step_by(2) {
                    let comps = r.reps(p, k).into_iter().next().unwrap_or_default();
                    let amount = r.num(p, k + 1);
                    let reason = comps.first().copied().unwrap_or("");
                    if reason.is_empty() && amount.is_none() {
                        continue;
                    }
                    j.obj(None);
                    j.obj(Some("identifier"));
                    j.obj(Some("type"));
                    j.arr(Some("coding"));
                    j.coding(&element_system("PLB03-1"), reason, "");
                    j.end_arr();
                    j.end_obj();
                    j.str(Some("value"), comps.get(1).copied().unwrap_or(""));
                    j.end_obj();
                    j.concept(
                        Some("type"),
                        "http://terminology.hl7.org/CodeSystem/payment-type",
                        "adjustment",
                        "",
                    );
                    j.str(Some("date"), &date);
                    if let Some(p) = payee {
                        j.reference(Some("payee"), &p);
                    }
                    money(j, Some("amount"), amount.as_deref(), currency);
                    j.end_obj();
                }
            }
            j.end_arr();
        });
    }
}

// ---------------------------------------------------------------------------------------
// 271
// ---------------------------------------------------------------------------------------

#[derive(Default, Clone, Copy)]
struct Ctx271 {
    insurer: Option<ResourceId>,
    requestor: Option<ResourceId>,
    subscriber: Option<(ResourceId, usize)>,
}

impl<'a> Cx<'a, '_, '_> {
    fn map_271(&mut self) -> bool {
        let n = self.r.len();
        let mut ctx = Ctx271::default();
        let mut set_errors: Vec<usize> = Vec::new();
        let mut members = 0usize;
        let mut i = 0;
        while i < n {
            let id = self.r.id(i);
            match id {
                b"HL" if matches!(self.r.raw(i, 3), b"22" | b"23") => {
                    let mut end = i + 1;
                    while end < n && !matches!(self.r.id(end), b"HL" | b"SE") {
                        end += 1;
                    }
                    let dependent = self.r.raw(i, 3) == b"23";
                    self.eligibility(i, end, dependent, &mut ctx, &set_errors);
                    members += 1;
                    i = end;
                    continue;
                }
                b"HL" if self.r.raw(i, 3) == b"20" => {
                    ctx = Ctx271::default();
                    set_errors.clear();
                }
                b"NM1" => match self.r.loop_of(i) {
                    "2100A" => ctx.insurer = Some(self.party(i, Some(Kind::Org))),
                    "2100B" => ctx.requestor = Some(self.party(i, None)),
                    _ => {}
                },
                b"AAA" => set_errors.push(i),
                _ => {}
            }
            i += 1;
        }
        if members == 0 && !set_errors.is_empty() {
            self.outcome(&set_errors);
        }
        true
    }

    /// A 271 rejected before any subscriber (AAA in 2000A–2100B): an OperationOutcome,
    /// since a CoverageEligibilityResponse needs a patient.
    fn outcome(&mut self, errors: &[usize]) {
        let Cx {
            b,
            r,
            scratch,
            names,
            focus,
            ..
        } = self;
        let names: &dyn CodeDisplay = *names;
        let off = errors.first().map_or(0, |&e| r.offset(e)).to_string();
        let id = resource_id("OperationOutcome", &[&r.label, &off]);
        if !b.contains(&id) {
            focus.push(id);
        }
        write_resource(b, scratch, "OperationOutcome", id, |j| {
            j.arr(Some("issue"));
            for &a in errors {
                r.mark(a, 1);
                let reason = r.e(a, 3);
                let follow = r.e(a, 4);
                j.obj(None);
                j.str(Some("severity"), "error");
                j.str(Some("code"), "processing");
                j.obj(Some("details"));
                j.arr(Some("coding"));
                coding(j, names, &element_system("AAA03"), reason);
                coding(j, names, &element_system("AAA04"), follow);
                j.end_arr();
                j.end_obj();
                j.end_obj();
            }
            j.end_arr();
        });
    }

    #[allow(clippy::too_many_lines)]
    fn eligibility(
        &mut self,
        start: usize,
        end: usize,
        dependent: bool,
        ctx: &mut Ctx271,
        set_errors: &[usize],
    ) {
        let mut patient = None;
        for i in start..end {
            if self.r.id(i) == b"NM1" {
                match self.r.loop_of(i) {
                    "2100C" | "2100D" if patient.is_none() => {
                        let p = self.party(i, Some(Kind::Patient));
                        patient = Some(p);
                        if !dependent {
                            ctx.subscriber = Some((p, i));
                        }
                    }
                    _ => {
                        self.party(i, None);
                    }
                }
            }
        }
        let Cx {
            b,
            r,
            scratch,
            names,
            currency,
            created,
            focus,
            ..
        } = self;
        let names: &dyn CodeDisplay = *names;
        let (sub_id, sub_i) = ctx.subscriber.unzip();
        let member = sub_i.map_or("", |s| r.e(s, 9));
        let insurer_key = ctx.insurer.map(|p| p.to_string()).unwrap_or_default();
        let patient_key = patient.map(|p| p.to_string()).unwrap_or_default();
        // Coverage.
        let cov = resource_id("Coverage", &[&insurer_key, member, &patient_key]);
        let ins = (start..end).find(|&i| r.id(i) == b"INS");
        let dates: Vec<usize> = (start..end)
            .filter(|&i| {
                r.id(i) == b"DTP"
                    && matches!(r.loop_of(i), "2100C" | "2100D")
                    && matches!(
                        r.raw(i, 1),
                        b"291" | b"346" | b"347" | b"356" | b"357" | b"307"
                    )
            })
            .collect();
        let mut period: (Option<String>, Option<String>) = (None, None);
        for &d in &dates {
            let q = r.raw(d, 1);
            let (_, w) = r.dtp(d);
            match (q, w) {
                (_, When::Period(a, b)) => period = (Some(a), Some(b)),
                (b"347" | b"357", When::Date(x)) => period.1 = Some(x),
                (_, When::Date(x)) => period.0 = Some(x),
                _ => {}
            }
        }
        // EB04 (insurance type): the member's first one types the Coverage; EBs with
        // the same code are mapped by it, others stay reported.
        let ebs: Vec<usize> = (start..end).filter(|&i| r.id(i) == b"EB").collect();
        let insurance_type = ebs.iter().map(|&i| r.raw(i, 4)).find(|t| !t.is_empty());
        write_resource(b, scratch, "Coverage", cov, |j| {
            j.str(Some("status"), "active");
            if let Some(t) = insurance_type {
                for &i in &ebs {
                    if r.raw(i, 4) == t {
                        r.mark(i, 4);
                    }
                }
                let code = std::str::from_utf8(t).unwrap_or("");
                j.concept(Some("type"), &element_system("EB04"), code, "");
            }
            if let Some(s) = sub_id {
                j.reference(Some("subscriber"), &s);
            }
            j.str(Some("subscriberId"), member);
            if let Some(p) = patient {
                j.reference(Some("beneficiary"), &p);
            }
            let rel = match ins {
                Some(k) => {
                    r.mark(k, 1);
                    let code = r.e(k, 2);
                    let rel = relationship(code);
                    if rel.is_none() && !code.is_empty() {
                        r.unknown(k, 2, "1069");
                    }
                    rel
                }
                None if !dependent => Some("self"),
                None => None,
            };
            if let Some(code) = rel {
                j.concept(
                    Some("relationship"),
                    "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                    code,
                    "",
                );
            }
            if period.0.is_some() || period.1.is_some() {
                j.obj(Some("period"));
                j.str(Some("start"), period.0.as_deref().unwrap_or(""));
                j.str(Some("end"), period.1.as_deref().unwrap_or(""));
                j.end_obj();
            }
            j.arr(Some("payor"));
            if let Some(p) = ctx.insurer {
                j.reference(None, &p);
            }
            j.end_arr();
        });
        // The response.
        let trace = |r: &Reader<'a, '_>, kind: &[u8]| {
            (start..end).find(|&i| r.id(i) == b"TRN" && r.raw(i, 1) == kind)
        };
        let (echo, own) = (trace(r, b"2"), trace(r, b"1"));
        let echo_value = echo.map_or("", |t| std::str::from_utf8(r.raw(t, 2)).unwrap_or(""));
        let id = resource_id(
            "CoverageEligibilityResponse",
            &[&r.label, &patient_key, echo_value],
        );
        if b.contains(&id) {
            let loc = r.location(start, None);
            r.report.push(loc, ReportKind::SegmentNotMapped);
        }
        if !b.contains(&id) {
            focus.push(id);
        }
        let errors: Vec<usize> = set_errors
            .iter()
            .copied()
            .chain((start..end).filter(|&i| r.id(i) == b"AAA"))
            .collect();
        let bht = (1..r.len().min(3)).find(|&i| r.id(i) == b"BHT");
        write_resource(b, scratch, "CoverageEligibilityResponse", id, |j| {
            j.arr(Some("identifier"));
            if let Some(bi) = bht {
                let reference = r.e(bi, 3);
                elem_identifier(j, "BHT03", reference);
            }
            for t in [own, echo].into_iter().flatten() {
                r.mark(t, 1);
                j.obj(None);
                j.str(Some("system"), &element_system("TRN02"));
                j.str(Some("value"), r.e(t, 2));
                let originator = r.e(t, 3);
                if !originator.is_empty() {
                    j.obj(Some("assigner"));
                    j.obj(Some("identifier"));
                    j.str(Some("value"), originator);
                    j.end_obj();
                    j.end_obj();
                }
                j.end_obj();
            }
            j.end_arr();
            j.str(Some("status"), "active");
            j.arr(Some("purpose"));
            j.str(None, "benefits");
            j.end_arr();
            if let Some(p) = patient {
                j.reference(Some("patient"), &p);
            }
            j.str(Some("created"), created);
            if let Some(p) = ctx.requestor {
                j.reference(Some("requestor"), &p);
            }
            j.obj(Some("request"));
            if echo_value.is_empty() {
                j.str(Some("display"), "270 eligibility inquiry");
            } else {
                j.obj(Some("identifier"));
                j.str(Some("system"), &element_system("TRN02"));
                j.str(Some("value"), echo_value);
                j.end_obj();
            }
            j.end_obj();
            j.str(
                Some("outcome"),
                if errors.is_empty() {
                    "complete"
                } else {
                    "error"
                },
            );
            if let Some(p) = ctx.insurer {
                j.reference(Some("insurer"), &p);
            }
            j.arr(Some("insurance"));
            j.obj(None);
            j.reference(Some("coverage"), &cov);
            let mut inforce = None;
            for i in start..end {
                if r.id(i) == b"EB" {
                    match r.raw(i, 1) {
                        b"1" | b"2" | b"3" | b"4" | b"5" => inforce = Some(true),
                        b"6" | b"7" | b"8" if inforce.is_none() => inforce = Some(false),
                        _ => {}
                    }
                }
            }
            if let Some(f) = inforce {
                j.raw(Some("inforce"), if f { "true" } else { "false" });
            }
            if let (Some(a), Some(bd)) = (&period.0, &period.1) {
                j.obj(Some("benefitPeriod"));
                j.str(Some("start"), a);
                j.str(Some("end"), bd);
                j.end_obj();
            }
            j.arr(Some("item"));
            for (eb, e) in r.groups(start, end, b"EB") {
                let categories: Vec<&'a str> = r
                    .reps(eb, 3)
                    .into_iter()
                    .filter_map(|c| c.first().copied())
                    .filter(|c| !c.is_empty())
                    .collect();
                let n_items = categories.len().max(1);
                let msg_at: Vec<usize> = (eb + 1..e).filter(|&m| r.id(m) == b"MSG").collect();
                let msgs: Vec<&'a str> = msg_at.into_iter().map(|m| r.e(m, 1)).collect();
                for k in 0..n_items {
                    j.obj(None);
                    if let Some(c) = categories.get(k) {
                        concept(j, names, Some("category"), STC, c);
                    }
                    let proc = r.reps(eb, 13).into_iter().next().unwrap_or_default();
                    if let Some(code) = proc.get(1) {
                        let q = proc.first().copied().unwrap_or("");
                        let system = proc_system(q, code).unwrap_or("");
                        if system.is_empty() {
                            r.unknown(eb, 13, "235");
                        }
                        concept(j, names, Some("productOrService"), system, code);
                        j.arr(Some("modifier"));
                        for m in proc.iter().skip(2).take(4) {
                            concept(j, names, None, system, m);
                        }
                        j.end_arr();
                    }
                    let name = r.e(eb, 5);
                    j.str(Some("name"), name);
                    j.str(Some("description"), &msgs.join("; "));
                    let network = match r.e(eb, 12) {
                        "Y" => Some("in"),
                        "N" => Some("out"),
                        "" | "W" | "U" => None,
                        _ => {
                            r.unknown(eb, 12, "1073");
                            None
                        }
                    };
                    if let Some(code) = network {
                        j.concept(Some("network"), BENEFIT_NETWORK, code, "");
                    }
                    let eb02 = r.e(eb, 2);
                    match eb02 {
                        "IND" => j.concept(Some("unit"), BENEFIT_UNIT, "individual", ""),
                        "FAM" => j.concept(Some("unit"), BENEFIT_UNIT, "family", ""),
                        _ => concept(j, names, Some("unit"), &element_system("EB02"), eb02),
                    }
                    let eb06 = r.e(eb, 6);
                    let term = match eb06 {
                        "7" => "day",
                        "23" => "annual",
                        "32" => "lifetime",
                        _ => "",
                    };
                    if term.is_empty() {
                        concept(j, names, Some("term"), &element_system("EB06"), eb06);
                    } else {
                        j.concept(Some("term"), BENEFIT_TERM, term, "");
                    }
                    match r.e(eb, 11) {
                        "Y" => j.raw(Some("authorizationRequired"), "true"),
                        "N" => j.raw(Some("authorizationRequired"), "false"),
                        "" | "U" => {}
                        _ => r.unknown(eb, 11, "1073"),
                    }
                    let code = r.e(eb, 1);
                    let amount = r.num(eb, 7);
                    let percent = r.num(eb, 8);
                    r.mark(eb, 9);
                    let qual = std::str::from_utf8(r.raw(eb, 9)).unwrap_or("");
                    let qty = r.num(eb, 10);
                    let benefit_type = |j: &mut Json<'_>| {
                        j.obj(Some("type"));
                        j.arr(Some("coding"));
                        coding(j, names, &element_system("EB01"), code);
                        j.end_arr();
                        j.end_obj();
                    };
                    j.arr(Some("benefit"));
                    if let Some(a) = &amount {
                        j.obj(None);
                        benefit_type(j);
                        money(j, Some("allowedMoney"), Some(a), currency);
                        j.end_obj();
                    }
                    if let Some(p) = &percent {
                        j.obj(None);
                        benefit_type(j);
                        j.str(Some("allowedString"), p);
                        j.end_obj();
                    }
                    if let Some(q) = &qty {
                        j.obj(None);
                        benefit_type(j);
                        if q.bytes().all(|b| b.is_ascii_digit()) {
                            let digits = q.trim_start_matches('0');
                            j.raw(
                                Some("allowedUnsignedInt"),
                                if digits.is_empty() { "0" } else { digits },
                            );
                        } else {
                            j.str(Some("allowedString"), &format!("{q} {qual}"));
                        }
                        j.end_obj();
                    }
                    if amount.is_none() && percent.is_none() && qty.is_none() && !code.is_empty() {
                        j.obj(None);
                        benefit_type(j);
                        j.end_obj();
                    }
                    j.end_arr();
                    j.end_obj();
                }
            }
            j.end_arr();
            j.end_obj();
            j.end_arr();
            j.arr(Some("error"));
            for &a in &errors {
                r.mark(a, 1);
                let reason = r.e(a, 3);
                let follow = r.e(a, 4);
                j.obj(None);
                j.obj(Some("code"));
                j.arr(Some("coding"));
                coding(j, names, &element_system("AAA03"), reason);
                coding(j, names, &element_system("AAA04"), follow);
                j.end_arr();
                j.end_obj();
                j.end_obj();
            }
            j.end_arr();
        });
    }
}

// ---------------------------------------------------------------------------------------
// CoverageEligibilityRequest → 270
// ---------------------------------------------------------------------------------------

/// The 270 values a FHIR `CoverageEligibilityRequest` does not carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InquiryHeader {
    /// BHT03: the originator's reference for this inquiry.
    pub reference: String,
    /// BHT04: CCYYMMDD.
    pub date: String,
    /// BHT05: HHMM.
    pub time: String,
    /// TRN03: the originating company identifier (`1` + EIN by convention).
    pub originator: String,
}

/// Resources of the input by `fullUrl`, `Type/id` and `#id` (contained), in input
/// order.
struct Resources<'v> {
    order: Vec<&'v serde_json::Value>,
    keys: std::collections::HashMap<String, &'v serde_json::Value>,
}

impl<'v> Resources<'v> {
    fn new(root: &'v serde_json::Value) -> Resources<'v> {
        let mut res = Resources {
            order: Vec::new(),
            keys: std::collections::HashMap::new(),
        };
        if root["resourceType"] == "Bundle" {
            for e in root["entry"].as_array().into_iter().flatten() {
                res.add(e["fullUrl"].as_str(), &e["resource"]);
            }
        } else {
            res.add(None, root);
        }
        res
    }

    fn add(&mut self, full: Option<&str>, r: &'v serde_json::Value) {
        self.order.push(r);
        if let Some(f) = full.filter(|f| !f.is_empty()) {
            self.keys.entry(f.to_string()).or_insert(r);
        }
        if let (Some(t), Some(id)) = (r["resourceType"].as_str(), r["id"].as_str()) {
            self.keys.entry(format!("{t}/{id}")).or_insert(r);
        }
        for c in r["contained"].as_array().into_iter().flatten() {
            if let Some(id) = c["id"].as_str() {
                self.keys.entry(format!("#{id}")).or_insert(c);
            }
        }
    }

    fn of_type(&self, t: &str) -> Vec<&'v serde_json::Value> {
        self.order
            .iter()
            .copied()
            .filter(|r| r["resourceType"] == t)
            .collect()
    }

    fn resolve(&self, reference: &serde_json::Value) -> Option<&'v serde_json::Value> {
        let r = reference["reference"].as_str()?;
        if let Some(v) = self.keys.get(r) {
            return Some(v);
        }
        // An absolute URL ending in Type/id.
        let mut tail = r.rsplit('/');
        let (id, t) = (tail.next()?, tail.next()?);
        self.keys.get(&format!("{t}/{id}")).copied()
    }
}

fn json_str(v: &serde_json::Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The NPI (or else the first) identifier value of a resource.
fn npi_or_first(r: &serde_json::Value) -> String {
    let ids = r["identifier"].as_array();
    ids.into_iter()
        .flatten()
        .find(|i| i["system"] == NPI)
        .or_else(|| ids.and_then(|a| a.first()))
        .map_or(String::new(), |i| json_str(&i["value"]).to_string())
}

fn x12_party(r: &serde_json::Value, id: String) -> carewire_x12::build::Party {
    if r["resourceType"] == "Organization" {
        return carewire_x12::build::Party::organization(json_str(&r["name"]), &id);
    }
    let name = &r["name"][0];
    let family = json_str(&name["family"]);
    let given = json_str(&name["given"][0]);
    carewire_x12::build::Party::person(family, given, &id)
}

fn demographics(p: &serde_json::Value) -> Option<carewire_x12::build::Demographics> {
    let birth = json_str(&p["birthDate"]).replace('-', "");
    let gender = match json_str(&p["gender"]) {
        "female" => "F",
        "male" => "M",
        "unknown" | "other" => "U",
        _ => "",
    };
    if birth.len() != 8 || !birth.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(carewire_x12::build::Demographics {
        birth_date: birth,
        gender: gender.to_string(),
    })
}

/// Writes a 270 eligibility inquiry (005010X279A1) for the FHIR
/// `CoverageEligibilityRequest`s in `json` — one resource (references resolved in its
/// `contained` resources) or a Bundle holding the requests and the resources they
/// reference (by `fullUrl` or `Type/id`).
///
/// Per request: `insurer` → 2100A (NM1\*PR, payer id = its first identifier),
/// `provider` → 2100B (NM1\*1P, the NPI identifier), `patient` → 2100C with DMG, member
/// id from `insurance[0].coverage` → `Coverage.subscriberId` (else the patient's first
/// identifier), `identifier[0]` → TRN02, `item.category` codings of
/// `https://x12.org/codes/service-type-codes` → EQ01 (`30`, health benefit plan
/// coverage, when there are none). When the Coverage's `subscriber` is another Patient,
/// that Patient is the 2000C subscriber and the request's patient a 2000D dependent. All
/// requests must name the same insurer and provider (one 2000A/2000B). Envelope ids and
/// control numbers come from `env` and `numbers`.
///
/// # Errors
///
/// [`ErrorKind::InvalidJson`] when `json` is not JSON, [`ErrorKind::MissingResource`]
/// when there is no request, or a request's patient, insurer or provider is missing or
/// differs between requests (location: the FHIR path), [`ErrorKind::Unwritable`] when a
/// value holds an X12 delimiter or an envelope value does not fit.
///
/// # Examples
/// ```
/// use carewire_mapping::x12::{request_to_270, InquiryHeader};
/// use carewire_x12::build::Envelope;
/// use carewire_x12::SequentialControlNumbers;
///
/// let request = br##"{"resourceType":"CoverageEligibilityRequest","status":"active",
///   "identifier":[{"value":"TRACE1"}],"purpose":["benefits"],"created":"2024-03-21",
///   "patient":{"reference":"#p"},"insurer":{"reference":"#payer"},
///   "provider":{"reference":"#clinic"},
///   "contained":[
///     {"resourceType":"Patient","id":"p","identifier":[{"value":"MEM001"}],
///      "name":[{"family":"DOE","given":["JANE"]}],"birthDate":"1980-07-04","gender":"female"},
///     {"resourceType":"Organization","id":"payer","name":"SYNTH PLAN","identifier":[{"value":"PAYER01"}]},
///     {"resourceType":"Organization","id":"clinic","name":"SYNTH CLINIC",
///      "identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567893"}]}]}"##;
/// let header = InquiryHeader {
///     reference: "INQ1".into(), date: "20240321".into(), time: "1015".into(),
///     originator: "9877281234".into(),
/// };
/// let env = Envelope::new("SENDER", "RECEIVER", "240321", "1015");
/// let mut numbers = SequentialControlNumbers::starting_at(1);
/// let x12 = request_to_270(request, &header, &env, &mut numbers)?;
/// let text = String::from_utf8(x12)?;
/// assert!(text.contains("NM1*IL*1*DOE*JANE****MI*MEM001~"));
/// assert!(text.contains("EQ*30~"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn request_to_270(
    json: &[u8],
    header: &InquiryHeader,
    env: &carewire_x12::build::Envelope,
    numbers: &mut dyn carewire_x12::ControlNumbers,
) -> Result<Vec<u8>, Error> {
    use carewire_x12::build::{Inquiry270, InquiryPerson, InquirySubscriber};
    let root: serde_json::Value =
        serde_json::from_slice(json).map_err(|_| Error::new(ErrorKind::InvalidJson, ""))?;
    let res = Resources::new(&root);
    let requests = res.of_type("CoverageEligibilityRequest");
    if requests.is_empty() {
        return Err(Error::new(
            ErrorKind::MissingResource,
            "CoverageEligibilityRequest",
        ));
    }
    let missing = |path: &str| Error::new(ErrorKind::MissingResource, path);
    let mut inquiry = Inquiry270 {
        reference: header.reference.clone(),
        date: header.date.clone(),
        time: header.time.clone(),
        originator: header.originator.clone(),
        ..Inquiry270::default()
    };
    for (k, req) in requests.iter().enumerate() {
        let insurer = res
            .resolve(&req["insurer"])
            .ok_or_else(|| missing("CoverageEligibilityRequest.insurer"))?;
        let provider = res
            .resolve(&req["provider"])
            .ok_or_else(|| missing("CoverageEligibilityRequest.provider"))?;
        let patient = res
            .resolve(&req["patient"])
            .ok_or_else(|| missing("CoverageEligibilityRequest.patient"))?;
        let first_id = |r: &serde_json::Value| json_str(&r["identifier"][0]["value"]).to_string();
        let source = x12_party(insurer, first_id(insurer));
        let receiver = x12_party(provider, npi_or_first(provider));
        if k == 0 {
            inquiry.source = source;
            inquiry.receiver = receiver;
        } else if inquiry.source != source || inquiry.receiver != receiver {
            return Err(missing("CoverageEligibilityRequest.insurer"));
        }
        let coverage = res.resolve(&req["insurance"][0]["coverage"]);
        let subscriber = coverage
            .and_then(|c| res.resolve(&c["subscriber"]))
            .filter(|s| !std::ptr::eq(*s, patient) && s["resourceType"] == "Patient");
        let member = coverage
            .map(|c| json_str(&c["subscriberId"]).to_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| first_id(subscriber.unwrap_or(patient)));
        let mut service_types: Vec<String> = Vec::new();
        for item in req["item"].as_array().into_iter().flatten() {
            for c in item["category"]["coding"].as_array().into_iter().flatten() {
                if c["system"] == STC {
                    service_types.push(json_str(&c["code"]).to_string());
                }
            }
        }
        if service_types.is_empty() {
            service_types.push("30".into());
        }
        let trace = req["identifier"][0]["value"]
            .as_str()
            .or(req["id"].as_str())
            .unwrap_or("")
            .to_string();
        let person = |p: &serde_json::Value, id: String, types: Vec<String>| InquiryPerson {
            trace: trace.clone(),
            name: x12_party(p, id),
            demographics: demographics(p),
            service_types: types,
        };
        inquiry.subscribers.push(match subscriber {
            Some(s) => InquirySubscriber {
                person: person(s, member, Vec::new()),
                dependents: vec![person(patient, String::new(), service_types)],
            },
            None => InquirySubscriber {
                person: person(patient, member, service_types),
                dependents: Vec::new(),
            },
        });
    }
    inquiry
        .build(env, numbers)
        .map_err(|_| Error::new(ErrorKind::Unwritable, "270"))
}
