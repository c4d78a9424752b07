//! FHIR R4 → HL7 v2 (the reverse of [`crate::v2`]).
//!
//! [`from_fhir`] reads a FHIR R4 Bundle (JSON text, any `Bundle.type`) and writes one HL7
//! v2.5.1 message of the requested [`Target`] with carewire-hl7's `MessageBuilder`
//! (every value is escaped), plus a [`Report`] of every element of the input that the
//! message does not carry.
//!
//! ```
//! use carewire_mapping::to_v2::{from_fhir, Target, V2Config};
//!
//! let bundle = r#"{"resourceType":"Bundle","type":"collection","entry":[
//!   {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient",
//!     "identifier":[{"system":"urn:oid:1.2.3","value":"123"}],
//!     "name":[{"family":"Doe","given":["Jane"]}],"gender":"female","birthDate":"1980-07-04"}},
//!   {"resource":{"resourceType":"Encounter","status":"in-progress",
//!     "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},
//!     "subject":{"reference":"urn:uuid:p1"}}}]}"#;
//! let cfg = V2Config {
//!     control_id: Some("MSG1".into()),
//!     datetime: Some("20240101120000+0100".into()),
//!     ..V2Config::default()
//! };
//! let out = from_fhir(bundle, Target::AdtA01, &cfg)?;
//! let text = String::from_utf8(out.message)?;
//! assert!(text.starts_with("MSH|^~\\&|||||20240101120000+0100||ADT^A01^ADT_A01|MSG1|P|2.5.1\r"));
//! assert!(text.contains("\rPID|1||123^^^&1.2.3&ISO||Doe^Jane||19800704|F\r"));
//! assert!(text.contains("\rPV1|1|I\r"));
//! assert!(out.report.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Messages and segments
//!
//! | target | segments | from |
//! |---|---|---|
//! | `ADT_A01`, `ADT_A08` | MSH EVN PID PD1 NK1 PV1 PV2 OBX/NTE AL1 DG1 PR1 IN1 | MessageHeader, Provenance, Patient, RelatedPerson, Encounter, Observation, AllergyIntolerance, Condition, Procedure, Coverage |
//! | `ORU_R01` | MSH PID PD1 NK1 PV1 PV2 {ORC OBR NTE {OBX NTE}} | … DiagnosticReport, its ServiceRequest (`basedOn`) and Observations (`result`) |
//! | `ORM_O01`, `OML_O21` | MSH PID PD1 NK1 PV1 PV2 IN1 AL1 DG1 {ORC TQ1 OBR NTE DG1 {OBX NTE} SPM} | … one order group per ServiceRequest: its reasonReference Conditions, supportingInfo Observations and (OML only) Specimens |
//!
//! Each element is written to the field [`crate::v2`] reads it from, so v2 → FHIR → v2
//! keeps every mapped field. The normalisations (documented, not reported):
//! - coding systems are written with their canonical HL7 names (`SNM` → `SCT`, a table
//!   URI → `HL7nnnn`, UCUM → `UCUM`); codes of tables with a FHIR mapping come back as
//!   the first v2 code of that mapping (`R` name type → `L`, `MA` allergy → `DA`);
//! - set ids are renumbered from 1; MSH-12 is [`V2Config::version`];
//! - PID-2 and PID-4 identifiers (FHIR keeps no field of origin) come back in PID-3;
//! - empty XPN/XAD parts before a filled one shift left (FHIR arrays have no holes);
//! - times keep their precision except that a time without seconds gains `00` (FHIR
//!   requires seconds) and `Z` is written `+0000`;
//! - numbers are written in shortest form (`1.50` → `1.5`);
//! - an ORU always has an ORC (`RE`, the order status in ORC-5, copying OBR-2/3/16);
//!   OBX-14 is written only when it differs from OBR-7; EVN-2 falls back to MSH-7;
//!   OBX-25 comes back in OBX-16;
//! - OBX-5 of type NR comes back as SN (`^low^-^high`, both are a FHIR Range); race and
//!   ethnicity codings are written with `CDCREC` (`NULLFL` for UNK/ASKU); a binary ED
//!   value (R5 `Observation.value` Attachment extension) is written Base64; IS/ID
//!   values come back as CWE and the composite types the forward mapping flattens to
//!   text (CX, XPN, …) as ST; valueTime is TM, valuePeriod DR;
//! - orders: ORC-1 is `NW` with the status in ORC-5 (`SC` for `unknown`); timing and
//!   priority go to TQ1-7/8/9 (not ORC-7/OBR-27/OBR-5); ORC-2/3/12 repeat OBR-2/3/16.
//!
//! # The report
//!
//! Every leaf element of a resource the conversion used that no field carries is
//! reported as [`ReportKind::NotMapped`] by JSON path
//! (`Bundle.entry[2].resource.name[0].period.start`), never by value; every resource
//! the message has no place for is reported as a whole, with its type
//! (`Bundle.entry[5].resource (Medication)`). Element names outside `[A-Za-z0-9_]` print as `?`.
//! A value that cannot be converted (a malformed date) is [`ReportKind::InvalidValue`].
//!
//! # Limits
//!
//! The input is parsed with serde_json (nesting limited to 128 levels) after its length
//! is checked against [`V2Config::max_input_len`]; all work is linear in the input.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use carewire_hl7::MessageBuilder;
use serde_json::{Map, Value};

use crate::fhir::{Error, ErrorKind, Report, ReportKind};

/// The HL7 v2 message to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// `ADT^A01^ADT_A01` admit.
    AdtA01,
    /// `ADT^A08^ADT_A01` update patient information.
    AdtA08,
    /// `ORU^R01^ORU_R01` observation result.
    OruR01,
    /// `ORM^O01^ORM_O01` general order.
    OrmO01,
    /// `OML^O21^OML_O21` laboratory order (with specimens).
    OmlO21,
}

impl Target {
    /// Parses `ADT_A01`, `ADT_A08`, `ORU_R01`, `ORM_O01`, `OML_O21` (also with `^`).
    ///
    /// ```
    /// use carewire_mapping::to_v2::Target;
    /// assert_eq!(Target::parse("ORU_R01"), Some(Target::OruR01));
    /// assert_eq!(Target::parse("ADT^A08"), Some(Target::AdtA08));
    /// assert_eq!(Target::parse("XYZ"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Target> {
        Some(
            match s.trim().replace('^', "_").to_ascii_uppercase().as_str() {
                "ADT_A01" => Target::AdtA01,
                "ADT_A08" => Target::AdtA08,
                "ORU_R01" => Target::OruR01,
                "ORM_O01" => Target::OrmO01,
                "OML_O21" => Target::OmlO21,
                _ => return None,
            },
        )
    }

    /// MSH-9 components: message code, trigger event, message structure.
    pub fn msh9(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Target::AdtA01 => ("ADT", "A01", "ADT_A01"),
            Target::AdtA08 => ("ADT", "A08", "ADT_A01"),
            Target::OruR01 => ("ORU", "R01", "ORU_R01"),
            Target::OrmO01 => ("ORM", "O01", "ORM_O01"),
            Target::OmlO21 => ("OML", "O21", "OML_O21"),
        }
    }

    fn is_adt(self) -> bool {
        matches!(self, Target::AdtA01 | Target::AdtA08)
    }
}

impl std::str::FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Target, Error> {
        Target::parse(s).ok_or_else(|| Error::new(ErrorKind::UnsupportedMessage, "target"))
    }
}

/// Settings of the FHIR → HL7 v2 conversion. Values given here win over the Bundle's.
#[derive(Clone, Debug)]
pub struct V2Config {
    /// MSH-3.1 (else MessageHeader.source.name).
    pub sending_application: Option<String>,
    /// MSH-4.1 (else MessageHeader.sender's name).
    pub sending_facility: Option<String>,
    /// MSH-5.1 (else MessageHeader.destination.name).
    pub receiving_application: Option<String>,
    /// MSH-6.1 (else MessageHeader.destination.receiver's name).
    pub receiving_facility: Option<String>,
    /// MSH-10 (else Bundle.identifier.value, else a hash of the input).
    pub control_id: Option<String>,
    /// MSH-11 (else the MessageHeader's v2-0103 tag, else `P`).
    pub processing_id: Option<String>,
    /// MSH-12, default `2.5.1`.
    pub version: String,
    /// MSH-7 as an HL7 DTM (`20240101120000+0100`), for reproducible output; else
    /// Bundle.timestamp, else the current UTC time.
    pub datetime: Option<String>,
    /// Longest accepted input in bytes (default 64 MiB).
    pub max_input_len: usize,
    /// Most repetitions written into one field (default 1000; writing a repetition costs
    /// time linear in the field, so this bounds the work per field). Array items past
    /// it are reported; text lines past it stay in the last repetition.
    pub max_repetitions: usize,
    /// Fail with [`ErrorKind::Strict`] when the report is not empty.
    pub strict: bool,
}

impl Default for V2Config {
    fn default() -> Self {
        V2Config {
            sending_application: None,
            sending_facility: None,
            receiving_application: None,
            receiving_facility: None,
            control_id: None,
            processing_id: None,
            version: "2.5.1".to_string(),
            datetime: None,
            max_input_len: 64 << 20,
            max_repetitions: 1000,
            strict: false,
        }
    }
}

/// The result of [`from_fhir`]: the HL7 v2 message and the report.
#[derive(Clone)]
pub struct V2Conversion {
    /// The message, UTF-8, segments terminated by `\r`.
    pub message: Vec<u8>,
    /// Elements of the input the message does not carry.
    pub report: Report,
}

impl std::fmt::Debug for V2Conversion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V2Conversion")
            .field("message_len", &self.message.len())
            .field("report_items", &self.report.len())
            .finish()
    }
}

/// Converts a FHIR R4 Bundle (JSON text) to an HL7 v2 message of type `target`.
///
/// # Errors
///
/// [`ErrorKind::TooLarge`] above [`V2Config::max_input_len`]; [`ErrorKind::InvalidJson`]
/// when the text is not JSON (or nests deeper than 128); [`ErrorKind::NotABundle`] when
/// it is not a Bundle with an `entry` array; [`ErrorKind::MissingResource`] without a
/// Patient (or without the DiagnosticReport of an ORU, the ServiceRequest of an
/// ORM/OML); [`ErrorKind::Strict`] in strict mode when the report is not empty.
/// Locations are JSON paths or resource types, never values.
///
/// # Examples
///
/// See the [module docs](self).
pub fn from_fhir(bundle_json: &str, target: Target, cfg: &V2Config) -> Result<V2Conversion, Error> {
    if bundle_json.len() > cfg.max_input_len {
        return Err(Error::new(ErrorKind::TooLarge, ""));
    }
    let root: Value = serde_json::from_str(bundle_json).map_err(|e| {
        Error::new(
            ErrorKind::InvalidJson,
            format!("line {} column {}", e.line(), e.column()),
        )
    })?;
    let bundle = root
        .as_object()
        .filter(|m| m.get("resourceType").and_then(Value::as_str) == Some("Bundle"))
        .ok_or_else(|| Error::new(ErrorKind::NotABundle, "Bundle"))?;
    let entries = match bundle.get("entry") {
        Some(Value::Array(a)) => a.as_slice(),
        None => &[],
        Some(_) => return Err(Error::new(ErrorKind::NotABundle, "Bundle.entry")),
    };
    let mut cx = Cx::new(bundle, entries, fnv(bundle_json.as_bytes()));
    cx.max_reps = cfg.max_repetitions.max(1);
    let message = cx.run(target, cfg)?;
    let report = cx.finish_report();
    if cfg.strict {
        if let Some(first) = report.items().first() {
            return Err(Error::new(
                ErrorKind::Strict(first.kind),
                first.location.clone(),
            ));
        }
    }
    Ok(V2Conversion { message, report })
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x100_0000_01b3)
    })
}

fn addr(v: &Value) -> usize {
    v as *const Value as usize
}

// ---------------------------------------------------------------------------------------
// Segment writer
// ---------------------------------------------------------------------------------------

/// One segment, written through its own `MessageBuilder` (so every `set` is cheap and
/// escaped); [`SegW::bytes`] drops the builder's MSH.
struct SegW {
    id: &'static str,
    b: MessageBuilder,
}

impl SegW {
    fn new(id: &'static str) -> SegW {
        SegW {
            id,
            b: MessageBuilder::new(),
        }
    }

    /// Sets field `f`, repetition `r` (0 = first), component `c` (0 = whole field),
    /// subcomponent `s` (0 = whole component). Empty text is skipped.
    fn set(&mut self, f: usize, r: usize, c: usize, s: usize, text: &str) -> Result<(), Error> {
        if text.is_empty() {
            return Ok(());
        }
        let mut p = String::with_capacity(16);
        let _ = write!(p, "{}-{f}", self.id);
        if r > 1 {
            let _ = write!(p, "[{r}]");
        }
        if c > 0 {
            let _ = write!(p, ".{c}");
            if s > 0 {
                let _ = write!(p, ".{s}");
            }
        }
        match self.b.set(&p, text) {
            Ok(_) => Ok(()),
            Err(_) => Err(Error::new(ErrorKind::Unwritable, p)),
        }
    }

    /// True when no field has been set.
    fn is_empty(&self) -> bool {
        self.b.to_bytes().iter().filter(|&&b| b == b'\r').count() < 2
    }

    /// True when field `f` has content.
    fn has(&self, f: usize) -> bool {
        self.get(&format!("{}-{f}", self.id))
    }

    /// True when component `c` of field `f` has content.
    fn has_comp(&self, f: usize, c: usize) -> bool {
        self.get(&format!("{}-{f}.{c}", self.id))
    }

    fn get(&self, path: &str) -> bool {
        let bytes = self.b.to_bytes();
        carewire_hl7::Message::parse(&bytes)
            .ok()
            .and_then(|m| m.get_str(path).ok().flatten().map(|v| !v.is_empty()))
            .unwrap_or(false)
    }

    fn bytes(&self) -> Vec<u8> {
        let all = self.b.to_bytes();
        if self.id == "MSH" {
            return all;
        }
        let start = all.iter().position(|&b| b == b'\r').map_or(0, |p| p + 1);
        let mut seg = all.get(start..).unwrap_or_default().to_vec();
        if seg.is_empty() {
            // A segment with no field set: just the id.
            seg.extend_from_slice(self.id.as_bytes());
            seg.push(b'\r');
        }
        seg
    }
}

// ---------------------------------------------------------------------------------------
// Bundle reader with consumption tracking
// ---------------------------------------------------------------------------------------

struct Cx<'a> {
    bundle: &'a Map<String, Value>,
    entries: &'a [Value],
    /// Resource objects (entry index, resource).
    resources: Vec<(usize, &'a Value)>,
    /// Reference key → index into `resources`.
    index: HashMap<String, usize>,
    /// Consumed leaf values (by address).
    used: HashSet<usize>,
    /// Resources (index into `resources`) the message used.
    used_res: Vec<bool>,
    report: Report,
    hash: u64,
    max_reps: usize,
}

fn rtype(r: &Value) -> &str {
    r.get("resourceType").and_then(Value::as_str).unwrap_or("")
}

impl<'a> Cx<'a> {
    fn new(bundle: &'a Map<String, Value>, entries: &'a [Value], hash: u64) -> Cx<'a> {
        let mut resources = Vec::new();
        let mut index = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(r) = e.get("resource").filter(|r| r.is_object()) else {
                continue;
            };
            let k = resources.len();
            resources.push((i, r));
            let ty = rtype(r);
            if let Some(id) = r.get("id").and_then(Value::as_str) {
                index.entry(format!("{ty}/{id}")).or_insert(k);
            }
            if let Some(url) = e.get("fullUrl").and_then(Value::as_str) {
                index.entry(url.to_string()).or_insert(k);
            }
        }
        let n = resources.len();
        Cx {
            bundle,
            entries,
            resources,
            index,
            used: HashSet::new(),
            used_res: vec![false; n],
            report: Report::default(),
            hash,
            max_reps: 1000,
        }
    }

    // --- access -------------------------------------------------------------------------

    fn mark(&mut self, v: &Value) {
        self.used.insert(addr(v));
    }

    fn mark_all(&mut self, v: &Value) {
        match v {
            Value::Object(m) => m.values().for_each(|x| self.mark_all(x)),
            Value::Array(a) => a.iter().for_each(|x| self.mark_all(x)),
            _ => self.mark(v),
        }
    }

    /// A string member, marked as consumed.
    fn s(&mut self, v: &'a Value, key: &str) -> &'a str {
        match v.get(key) {
            Some(x @ Value::String(s)) => {
                self.mark(x);
                s.as_str()
            }
            _ => "",
        }
    }

    /// The v2 code that `table` gives the FHIR code in string member `key`, which is
    /// then marked as consumed; `None` (nothing consumed) for an absent or unlisted code.
    fn coded(
        &mut self,
        v: &'a Value,
        key: &str,
        table: &[(&str, &'static str)],
    ) -> Option<&'static str> {
        let code = v.get(key).and_then(Value::as_str)?;
        let &(_, out) = table.iter().find(|(fhir, _)| *fhir == code)?;
        self.s(v, key);
        Some(out)
    }

    /// A number or string member as text (numbers in shortest form), consumed.
    fn num(&mut self, v: &'a Value, key: &str) -> String {
        match v.get(key) {
            Some(x @ Value::Number(n)) => {
                self.mark(x);
                n.to_string()
            }
            _ => String::new(),
        }
    }

    fn boolean(&mut self, v: &'a Value, key: &str) -> Option<bool> {
        match v.get(key) {
            Some(x @ Value::Bool(b)) => {
                self.mark(x);
                Some(*b)
            }
            _ => None,
        }
    }

    /// Consumes string member `key` when it is one of `allowed` (a value the forward
    /// mapping derives); anything else stays for the report.
    fn expect(&mut self, v: &'a Value, key: &str, allowed: &[&str]) {
        if let Some(x @ Value::String(s)) = v.get(key) {
            if allowed.contains(&s.as_str()) {
                self.mark(x);
            }
        }
    }

    /// Array member `key`, at most [`V2Config::max_repetitions`] items (the rest stay
    /// for the report).
    fn reps(&self, v: &'a Value, key: &str) -> &'a [Value] {
        let a = Self::arr(v, key);
        a.get(..self.max_reps.min(a.len())).unwrap_or(a)
    }

    fn arr(v: &'a Value, key: &str) -> &'a [Value] {
        match v.get(key) {
            Some(Value::Array(a)) => a.as_slice(),
            _ => &[],
        }
    }

    fn obj(v: &'a Value, key: &str) -> Option<&'a Value> {
        v.get(key).filter(|x| x.is_object())
    }

    /// A date/time member as an HL7 DTM (consumed; reported when malformed).
    fn dtm(&mut self, v: &'a Value, key: &str) -> String {
        let Some(x @ Value::String(s)) = v.get(key) else {
            return String::new();
        };
        match dtm(s) {
            Some(d) => {
                self.mark(x);
                d
            }
            None => {
                self.mark(x);
                let p = self.path_of(x);
                self.report.push(p, ReportKind::InvalidValue);
                String::new()
            }
        }
    }

    /// Resolves a Reference object (consumes `reference`); returns the resource index.
    fn resolve(&mut self, r: &'a Value) -> Option<usize> {
        let x = r.get("reference")?;
        let s = x.as_str()?;
        let k = self.lookup(s)?;
        self.mark(x);
        Some(k)
    }

    fn lookup(&self, s: &str) -> Option<usize> {
        if let Some(k) = self.index.get(s) {
            return Some(*k);
        }
        let s = s.split("/_history/").next().unwrap_or(s);
        if let Some(k) = self.index.get(s) {
            return Some(*k);
        }
        // An absolute URL ending in Type/id.
        let mut parts = s.rsplit('/');
        let id = parts.next()?;
        let ty = parts.next()?;
        self.index.get(&format!("{ty}/{id}")).copied()
    }

    /// The resources of type `ty` that the references in array `key` of `v` resolve to,
    /// in order (every resolving reference is consumed, of that type or not).
    fn resolved_of(&mut self, v: &'a Value, key: &str, ty: &str) -> Vec<usize> {
        let mut out = Vec::new();
        for r in Self::arr(v, key) {
            if let Some(k) = self.resolve(r) {
                if rtype(self.res(k)) == ty {
                    out.push(k);
                }
            }
        }
        out
    }

    fn res(&self, k: usize) -> &'a Value {
        self.resources.get(k).map_or(&Value::Null, |(_, r)| r)
    }

    /// Marks resource `k` as used (its `resourceType`, `id` consumed).
    fn use_res(&mut self, k: usize) -> &'a Value {
        let r = self.res(k);
        if let Some(u) = self.used_res.get_mut(k) {
            *u = true;
        }
        for key in ["resourceType", "id"] {
            if let Some(x) = r.get(key) {
                self.mark(x);
            }
        }
        if let Some(meta) = r.get("meta") {
            for key in ["versionId", "lastUpdated", "source"] {
                if let Some(x) = meta.get(key) {
                    self.mark(x);
                }
            }
        }
        r
    }

    fn first_of(&self, ty: &str) -> Option<usize> {
        self.resources.iter().position(|(_, r)| rtype(r) == ty)
    }

    fn all_of(&self, ty: &str) -> Vec<usize> {
        (0..self.resources.len())
            .filter(|&k| rtype(self.res(k)) == ty)
            .collect()
    }

    /// Consumes a reference member when it points at resource `k`.
    fn same_ref(&mut self, v: &'a Value, key: &str, k: Option<usize>) {
        if let (Some(r), Some(k)) = (Self::obj(v, key), k) {
            if let Some(x) = r.get("reference") {
                if x.as_str().and_then(|s| self.lookup(s)) == Some(k) {
                    self.mark(x);
                }
            }
        }
    }

    // --- report -------------------------------------------------------------------------

    fn path_of(&self, target: &Value) -> String {
        fn find(v: &Value, t: usize, path: &mut String) -> bool {
            if addr(v) == t {
                return true;
            }
            let len = path.len();
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        push_key(path, k);
                        if find(x, t, path) {
                            return true;
                        }
                        path.truncate(len);
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        let _ = write!(path, "[{i}]");
                        if find(x, t, path) {
                            return true;
                        }
                        path.truncate(len);
                    }
                }
                _ => {}
            }
            false
        }
        let t = addr(target);
        for (i, e) in self.entries.iter().enumerate() {
            let mut p = format!("Bundle.entry[{i}]");
            if find(e, t, &mut p) {
                return p;
            }
        }
        "Bundle".to_string()
    }

    fn finish_report(&mut self) -> Report {
        let mut report = std::mem::take(&mut self.report);
        let mut ordered: Vec<(usize, usize, bool)> = self
            .resources
            .iter()
            .enumerate()
            .map(|(k, (i, _))| (*i, k, self.used_res.get(k).copied().unwrap_or(false)))
            .collect();
        ordered.sort_unstable();
        for (i, k, used) in ordered {
            let mut p = format!("Bundle.entry[{i}].resource");
            if used {
                walk(self.res(k), &self.used, &mut p, &mut report);
            } else {
                // The resource type is named (only when it looks like one: PHI-safe).
                let ty = rtype(self.res(k));
                if !ty.is_empty() && ty.len() <= 64 && ty.bytes().all(|b| b.is_ascii_alphabetic()) {
                    let _ = write!(p, " ({ty})");
                }
                report.push(p, ReportKind::NotMapped);
            }
        }
        report
    }

    // --- the conversion -----------------------------------------------------------------

    fn run(&mut self, target: Target, cfg: &V2Config) -> Result<Vec<u8>, Error> {
        let bundle = self.bundle;
        for key in ["resourceType", "id", "type"] {
            if let Some(x) = bundle.get(key) {
                self.mark(x);
            }
        }
        let header = self.first_of("MessageHeader");
        let (patient, encounter, reports) = if target.is_adt() {
            let encounter = self.first_of("Encounter");
            let from_enc = encounter
                .and_then(|e| Self::obj(self.res(e), "subject"))
                .and_then(|s| s.get("reference"))
                .and_then(Value::as_str)
                .and_then(|s| self.lookup(s))
                .filter(|&k| rtype(self.res(k)) == "Patient");
            let patient = from_enc.or_else(|| self.first_of("Patient"));
            (patient, encounter, Vec::new())
        } else {
            // ORU: the DiagnosticReports; ORM/OML: the ServiceRequests.
            let anchor = if target == Target::OruR01 {
                "DiagnosticReport"
            } else {
                "ServiceRequest"
            };
            let reports = self.all_of(anchor);
            let first = reports.first().copied();
            let subj = |cx: &Self, key: &str, ty: &str| {
                first
                    .and_then(|d| Self::obj(cx.res(d), key))
                    .and_then(|s| s.get("reference"))
                    .and_then(Value::as_str)
                    .and_then(|s| cx.lookup(s))
                    .filter(|&k| rtype(cx.res(k)) == ty)
            };
            let patient = subj(self, "subject", "Patient").or_else(|| self.first_of("Patient"));
            let encounter =
                subj(self, "encounter", "Encounter").or_else(|| self.first_of("Encounter"));
            if reports.is_empty() {
                return Err(Error::new(ErrorKind::MissingResource, anchor));
            }
            (patient, encounter, reports)
        };
        let patient = patient.ok_or_else(|| Error::new(ErrorKind::MissingResource, "Patient"))?;
        let mut segs: Vec<SegW> = Vec::new();
        let (msh, msh7) = self.msh(header, target, cfg)?;
        segs.push(msh);
        if target.is_adt() {
            segs.push(self.evn(target, &msh7, patient, encounter)?);
        }
        let (pid, pd1) = self.pid(patient)?;
        segs.push(pid);
        if let Some(pd1) = pd1 {
            segs.push(pd1);
        }
        let mut n = 0;
        for k in self.all_of("RelatedPerson") {
            let r = self.res(k);
            let mine = Self::obj(r, "patient")
                .and_then(|p| p.get("reference"))
                .and_then(Value::as_str)
                .and_then(|s| self.lookup(s));
            if mine.is_some() && mine != Some(patient) {
                continue;
            }
            n += 1;
            segs.push(self.nk1(k, n, patient)?);
        }
        if let Some(e) = encounter {
            let (pv1, pv2) = self.pv1(e, patient)?;
            segs.push(pv1);
            if let Some(pv2) = pv2 {
                segs.push(pv2);
            }
        }
        if target.is_adt() {
            // Observations not reported by a DiagnosticReport: about the patient.
            let in_reports: HashSet<usize> = self
                .all_of("DiagnosticReport")
                .into_iter()
                .flat_map(|d| Self::arr(self.res(d), "result"))
                .filter_map(|r| r.get("reference").and_then(Value::as_str))
                .filter_map(|s| self.lookup(s))
                .collect();
            let mut set = 0;
            for k in self.all_of("Observation") {
                if in_reports.contains(&k) {
                    continue;
                }
                set += 1;
                self.obx(k, set, "", patient, encounter, &mut segs)?;
            }
            let mut n = 0;
            for k in self.all_of("AllergyIntolerance") {
                n += 1;
                segs.push(self.al1(k, n, patient)?);
            }
            let mut n = 0;
            for k in self.all_of("Condition") {
                n += 1;
                segs.push(self.dg1(k, n, patient, encounter)?);
            }
            let mut n = 0;
            for k in self.all_of("Procedure") {
                n += 1;
                segs.push(self.pr1(k, n, patient, encounter)?);
            }
            let mut n = 0;
            for k in self.all_of("Coverage") {
                n += 1;
                segs.push(self.in1(k, n, patient)?);
            }
        } else if target == Target::OruR01 {
            for (i, d) in reports.iter().enumerate() {
                self.order(*d, i + 1, patient, encounter, &mut segs)?;
            }
        } else {
            self.orders(target, &reports, patient, encounter, &mut segs)?;
        }
        let mut out = Vec::new();
        for s in &segs {
            out.extend_from_slice(&s.bytes());
        }
        Ok(out)
    }

    fn msh(
        &mut self,
        header: Option<usize>,
        target: Target,
        cfg: &V2Config,
    ) -> Result<(SegW, String), Error> {
        let mut w = SegW::new("MSH");
        let bundle = self.bundle;
        let mh = header.map(|h| self.use_res(h));
        // MSH-3 / MSH-5: application name + endpoint.
        let app = |cx: &mut Self, w: &mut SegW, f: usize, v: Option<&'a Value>| {
            let Some(v) = v else {
                return Ok(());
            };
            w.set(f, 0, 1, 0, cx.s(v, "name"))?;
            let ep = cx.s(v, "endpoint");
            let (uid, ty) = uri_hd(ep);
            if !ep.starts_with("urn:hl7v2:app:") {
                w.set(f, 0, 2, 0, uid)?;
                w.set(f, 0, 3, 0, ty)?;
            }
            Ok::<(), Error>(())
        };
        let source = mh.and_then(|m| Self::obj(m, "source"));
        let dest = mh.and_then(|m| Self::arr(m, "destination").first());
        app(self, &mut w, 3, source)?;
        app(self, &mut w, 5, dest)?;
        let org = |cx: &mut Self, w: &mut SegW, f: usize, r: Option<&'a Value>| {
            let Some(k) = r.and_then(|r| cx.resolve(r)) else {
                return Ok(());
            };
            let o = cx.use_res(k);
            w.set(f, 0, 1, 0, cx.s(o, "name"))?;
            if let Some(id) = Self::arr(o, "identifier").first() {
                cx.expect(id, "system", &["urn:ietf:rfc:3986"]);
                let (uid, ty) = uri_hd(cx.s(id, "value"));
                w.set(f, 0, 2, 0, uid)?;
                w.set(f, 0, 3, 0, ty)?;
            }
            Ok::<(), Error>(())
        };
        org(self, &mut w, 4, mh.and_then(|m| Self::obj(m, "sender")))?;
        org(self, &mut w, 6, dest.and_then(|d| Self::obj(d, "receiver")))?;
        for (f, o) in [
            (3, &cfg.sending_application),
            (4, &cfg.sending_facility),
            (5, &cfg.receiving_application),
            (6, &cfg.receiving_facility),
        ] {
            if let Some(o) = o {
                w.set(f, 0, 1, 0, o)?;
            }
        }
        let ts = match (&cfg.datetime, bundle.get("timestamp")) {
            (Some(d), _) => d.clone(),
            (None, Some(Value::String(s))) => {
                let d = dtm(s).unwrap_or_else(now_dtm);
                if let Some(x) = bundle.get("timestamp") {
                    self.mark(x);
                }
                d
            }
            _ => now_dtm(),
        };
        w.set(7, 0, 0, 0, &ts)?;
        let (code, trigger, structure) = target.msh9();
        w.set(9, 0, 1, 0, code)?;
        w.set(9, 0, 2, 0, trigger)?;
        w.set(9, 0, 3, 0, structure)?;
        if let Some(m) = mh {
            if let Some(ec) = Self::obj(m, "eventCoding") {
                self.mark_all(ec);
            }
            for f in Self::arr(m, "focus") {
                if let Some(x) = f.get("reference") {
                    self.mark(x);
                }
            }
        }
        let control = match (&cfg.control_id, Self::obj_map(bundle, "identifier")) {
            (Some(c), _) => c.clone(),
            (None, Some(idv)) if !self.s(idv, "value").is_empty() => self.s(idv, "value").into(),
            _ => format!("{:016X}", self.hash),
        };
        w.set(10, 0, 0, 0, &control)?;
        let mut processing = String::new();
        if let Some(m) = mh {
            if let Some(meta) = Self::obj(m, "meta") {
                for t in Self::arr(meta, "tag") {
                    if t.get("system").and_then(Value::as_str) == Some(V2_0103)
                        && processing.is_empty()
                    {
                        self.s(t, "system");
                        processing = self.s(t, "code").to_string();
                    }
                }
            }
        }
        let processing = cfg
            .processing_id
            .clone()
            .unwrap_or(if processing.is_empty() {
                "P".to_string()
            } else {
                processing
            });
        w.set(11, 0, 0, 0, &processing)?;
        w.set(12, 0, 0, 0, &cfg.version)?;
        Ok((w, ts))
    }

    fn obj_map(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
        m.get(key).filter(|x| x.is_object())
    }

    fn evn(
        &mut self,
        target: Target,
        msh7: &str,
        patient: usize,
        encounter: Option<usize>,
    ) -> Result<SegW, Error> {
        let mut w = SegW::new("EVN");
        w.set(1, 0, 0, 0, target.msh9().1)?;
        // The Provenance whose target is the patient or the encounter.
        let prov = self.all_of("Provenance").into_iter().find(|&k| {
            Self::arr(self.res(k), "target").iter().any(|t| {
                let r = t.get("reference").and_then(Value::as_str);
                let k = r.and_then(|s| self.lookup(s));
                k == Some(patient) || (k.is_some() && k == encounter)
            })
        });
        let Some(p) = prov else {
            w.set(2, 0, 0, 0, msh7)?;
            return Ok(w);
        };
        let r = self.use_res(p);
        for t in Self::arr(r, "target") {
            if let Some(x) = t.get("reference") {
                self.mark(x);
            }
        }
        let recorded = self.dtm(r, "recorded");
        w.set(
            2,
            0,
            0,
            0,
            if recorded.is_empty() { msh7 } else { &recorded },
        )?;
        if let Some(reason) = Self::arr(r, "reason").first() {
            self.cwe(&mut w, 4, 0, reason)?;
        }
        if let Some(a) = Self::obj(r, "activity") {
            self.mark_all(a);
        }
        if let Some(agent) = Self::arr(r, "agent").first() {
            if let Some(who) = Self::obj(agent, "who") {
                if let Some(k) = self.resolve(who) {
                    if rtype(self.res(k)) == "Practitioner" {
                        self.xcn(&mut w, 5, 0, k)?;
                    } else {
                        // The sender Organization (MSH-4) stands in for a missing EVN-5.
                        self.use_res(k);
                    }
                }
            }
        }
        w.set(6, 0, 0, 0, &self.dtm(r, "occurredDateTime"))?;
        Ok(w)
    }

    // --- datatypes ----------------------------------------------------------------------

    /// CWE from a CodeableConcept: coding[0] → .1-.3, coding[1] → .4-.6, text → .9 (or
    /// .2 when there is no coding).
    /// Field `f` as CWE from concept `c`, unless the concept is only the text `unknown`
    /// (consumed, nothing written). Whether anything was written.
    fn cwe_known(&mut self, w: &mut SegW, f: usize, c: &'a Value) -> Result<bool, Error> {
        let only_unknown =
            c.get("coding").is_none() && c.get("text").and_then(Value::as_str) == Some("unknown");
        if only_unknown {
            self.mark_all(c);
            return Ok(false);
        }
        self.cwe(w, f, 0, c)?;
        Ok(true)
    }

    /// One NTE segment per non-empty `note[].text` of `v`, numbered from 1.
    fn notes(&mut self, v: &'a Value, segs: &mut Vec<SegW>) -> Result<(), Error> {
        let mut n = 0;
        for note in Self::arr(v, "note") {
            let t = self.s(note, "text");
            if !t.is_empty() {
                n += 1;
                segs.push(nte(n, t, self.max_reps)?);
            }
        }
        Ok(())
    }

    fn cwe(&mut self, w: &mut SegW, f: usize, r: usize, cc: &'a Value) -> Result<(), Error> {
        let codings = Self::arr(cc, "coding");
        for (i, cd) in codings.iter().take(2).enumerate() {
            let base = 1 + 3 * i;
            w.set(f, r, base, 0, self.s(cd, "code"))?;
            w.set(f, r, base + 1, 0, self.s(cd, "display"))?;
            let sys = self.s(cd, "system");
            w.set(f, r, base + 2, 0, &system_name(sys))?;
        }
        let text = self.s(cc, "text");
        if codings.is_empty() {
            w.set(f, r, 2, 0, text)?;
        } else {
            w.set(f, r, 9, 0, text)?;
        }
        Ok(())
    }

    /// The first coding's code of a CodeableConcept bound to a fixed code system `sys`
    /// (system consumed when it is `sys`; the display, which the code determines, is
    /// consumed with the code).
    fn code_of(&mut self, cc: Option<&'a Value>, sys: &str) -> &'a str {
        let Some(cd) = cc.and_then(|c| Self::arr(c, "coding").first()) else {
            return "";
        };
        self.expect(cd, "system", &[sys]);
        let code = self.s(cd, "code");
        if !code.is_empty() {
            self.s(cd, "display");
        }
        code
    }

    /// An Identifier's value (component 1), assigner and system (HD in component `hd`)
    /// and type code (component `ty`), as CX writes them and XCN does at other places.
    fn id_parts(
        &mut self,
        w: &mut SegW,
        (f, r): (usize, usize),
        id: &'a Value,
        (hd, ty): (usize, usize),
    ) -> Result<(), Error> {
        w.set(f, r, 1, 0, self.s(id, "value"))?;
        if let Some(a) = Self::obj(id, "assigner") {
            w.set(f, r, hd, 1, self.s(a, "display"))?;
        }
        let (uid, hd_type) = uri_hd(self.s(id, "system"));
        w.set(f, r, hd, 2, uid)?;
        w.set(f, r, hd, 3, hd_type)?;
        let t = self.code_of(Self::obj(id, "type"), V2_0203);
        w.set(f, r, ty, 0, t)
    }

    fn cx(&mut self, w: &mut SegW, f: usize, r: usize, id: &'a Value) -> Result<(), Error> {
        self.id_parts(w, (f, r), id, (4, 5))?;
        if let Some(p) = Self::obj(id, "period") {
            w.set(f, r, 7, 0, &self.dtm(p, "start"))?;
            w.set(f, r, 8, 0, &self.dtm(p, "end"))?;
        }
        Ok(())
    }

    fn xpn(&mut self, w: &mut SegW, f: usize, r: usize, n: &'a Value) -> Result<(), Error> {
        w.set(f, r, 1, 0, self.s(n, "family"))?;
        self.list(w, f, r, n, "given", &[2, 3])?;
        self.list(w, f, r, n, "suffix", &[4, 6])?;
        self.list(w, f, r, n, "prefix", &[5])?;
        let uses = [
            ("official", "L"),
            ("usual", "D"),
            ("maiden", "M"),
            ("nickname", "N"),
            ("anonymous", "MSK"),
            ("temp", "TEMP"),
            ("old", "BAD"),
        ];
        let code = self.coded(n, "use", &uses).unwrap_or("");
        w.set(f, r, 7, 0, code)
    }

    /// Writes string array `key` into components `comps` (one each; extra items stay
    /// for the report).
    fn list(
        &mut self,
        w: &mut SegW,
        f: usize,
        r: usize,
        v: &'a Value,
        key: &str,
        comps: &[usize],
    ) -> Result<(), Error> {
        for (x, c) in Self::arr(v, key).iter().zip(comps) {
            if let Value::String(s) = x {
                self.mark(x);
                w.set(f, r, *c, 0, s)?;
            }
        }
        Ok(())
    }

    fn xad(&mut self, w: &mut SegW, f: usize, r: usize, a: &'a Value) -> Result<(), Error> {
        self.list(w, f, r, a, "line", &[1, 2])?;
        w.set(f, r, 3, 0, self.s(a, "city"))?;
        w.set(f, r, 4, 0, self.s(a, "state"))?;
        w.set(f, r, 5, 0, self.s(a, "postalCode"))?;
        w.set(f, r, 6, 0, self.s(a, "country"))?;
        w.set(f, r, 9, 0, self.s(a, "district"))?;
        let u = a.get("use").and_then(Value::as_str).unwrap_or("");
        let t = a.get("type").and_then(Value::as_str).unwrap_or("");
        let code = match (u, t) {
            ("home", _) => "H",
            ("work", _) => "B",
            ("temp", _) => "C",
            ("old", _) => "BA",
            ("billing", _) => "BI",
            ("", "postal") => "M",
            ("", "physical") => "SH",
            _ => "",
        };
        if !code.is_empty() {
            self.s(a, "use");
            if u.is_empty() {
                self.s(a, "type");
            }
        }
        w.set(f, r, 7, 0, code)
    }

    /// Every `address` as a repetition of XAD field `xad`, and every `telecom` as XTN
    /// in the `(home, work)` fields (work when `use` is `work`, home otherwise).
    fn addresses_and_telecoms(
        &mut self,
        w: &mut SegW,
        p: &'a Value,
        xad: usize,
        (home_f, work_f): (usize, usize),
    ) -> Result<(), Error> {
        for (i, a) in self.reps(p, "address").iter().enumerate() {
            self.xad(w, xad, i + 1, a)?;
        }
        let (mut home, mut work) = (0, 0);
        for c in self.reps(p, "telecom") {
            if c.get("use").and_then(Value::as_str) == Some("work") {
                work += 1;
                self.xtn(w, work_f, work, c)?;
            } else {
                home += 1;
                self.xtn(w, home_f, home, c)?;
            }
        }
        Ok(())
    }

    /// XTN from a ContactPoint.
    fn xtn(&mut self, w: &mut SegW, f: usize, r: usize, c: &'a Value) -> Result<(), Error> {
        let system = c.get("system").and_then(Value::as_str).unwrap_or("");
        let use_ = c.get("use").and_then(Value::as_str).unwrap_or("");
        let equip = match (system, use_) {
            ("phone", "mobile") => "CP",
            ("phone", _) => "PH",
            ("fax", _) => "FX",
            ("pager", _) => "BP",
            ("email", _) => "Internet",
            ("other", _) => "MD",
            _ => "",
        };
        let uc = match use_ {
            "home" => "PRN",
            "work" => "WPN",
            "mobile" => "PRS",
            _ => "",
        };
        if !equip.is_empty() {
            self.s(c, "system");
        }
        if !uc.is_empty() {
            self.s(c, "use");
        }
        w.set(f, r, 2, 0, uc)?;
        w.set(f, r, 3, 0, equip)?;
        let value = self.s(c, "value");
        if system == "email" {
            return w.set(f, r, 4, 0, value);
        }
        match split_phone(value) {
            Some((cc, area, local, ext)) => {
                w.set(f, r, 5, 0, cc)?;
                w.set(f, r, 6, 0, area)?;
                w.set(f, r, 7, 0, local)?;
                w.set(f, r, 8, 0, ext)
            }
            None => w.set(f, r, 1, 0, value),
        }
    }

    /// XCN from a Practitioner resource.
    fn xcn(&mut self, w: &mut SegW, f: usize, r: usize, k: usize) -> Result<(), Error> {
        let p = self.use_res(k);
        if let Some(id) = Self::arr(p, "identifier").first() {
            self.id_parts(w, (f, r), id, (9, 13))?;
        }
        if let Some(n) = Self::arr(p, "name").first() {
            w.set(f, r, 2, 0, self.s(n, "family"))?;
            self.list(w, f, r, n, "given", &[3, 4])?;
            self.list(w, f, r, n, "suffix", &[5])?;
            self.list(w, f, r, n, "prefix", &[6])?;
        }
        Ok(())
    }

    /// PL from a Location resource (see [`split_location`]).
    fn pl(&mut self, w: &mut SegW, f: usize, k: usize) -> Result<(), Error> {
        let l = self.use_res(k);
        let name = self.s(l, "name");
        let kind = self.code_of(Self::obj(l, "physicalType"), LOCATION_TYPE);
        let [fac, poc, room, bed] = split_location(name, kind);
        w.set(f, 0, 1, 0, poc)?;
        w.set(f, 0, 2, 0, room)?;
        w.set(f, 0, 3, 0, bed)?;
        w.set(f, 0, 4, 1, fac)?;
        w.set(f, 0, 9, 0, self.s(l, "description"))
    }

    // --- segments -----------------------------------------------------------------------

    fn pid(&mut self, k: usize) -> Result<(SegW, Option<SegW>), Error> {
        let p = self.use_res(k);
        let mut w = SegW::new("PID");
        w.set(1, 0, 0, 0, "1")?;
        let mut r = 0;
        for id in self.reps(p, "identifier") {
            if id.get("system").and_then(Value::as_str) == Some(US_SSN) {
                self.s(id, "system");
                self.code_of(Self::obj(id, "type"), V2_0203);
                w.set(19, 0, 0, 0, self.s(id, "value"))?;
                continue;
            }
            r += 1;
            self.cx(&mut w, 3, r, id)?;
        }
        for (i, n) in self.reps(p, "name").iter().enumerate() {
            self.xpn(&mut w, 5, i + 1, n)?;
        }
        for e in Self::arr(p, "extension") {
            match e.get("url").and_then(Value::as_str).unwrap_or("") {
                EXT_MAIDEN => {
                    self.s(e, "url");
                    w.set(6, 0, 1, 0, self.s(e, "valueString"))?;
                }
                EXT_RELIGION => {
                    self.s(e, "url");
                    if let Some(cc) = Self::obj(e, "valueCodeableConcept") {
                        self.cwe(&mut w, 17, 0, cc)?;
                    }
                }
                EXT_BIRTHPLACE => {
                    self.s(e, "url");
                    if let Some(a) = Self::obj(e, "valueAddress") {
                        w.set(23, 0, 0, 0, self.s(a, "text"))?;
                    }
                }
                EXT_RACE if !w.has(10) => self.race(&mut w, 10, e)?,
                EXT_ETHNICITY if !w.has(22) => self.race(&mut w, 22, e)?,
                _ => {}
            }
        }
        let birth_time = Self::obj(p, "_birthDate")
            .map(|b| Self::arr(b, "extension"))
            .and_then(|es| {
                es.iter().find(|e| {
                    e.get("url").and_then(Value::as_str) == Some(EXT_BIRTHTIME)
                        && e.get("valueDateTime").is_some()
                })
            });
        let birth = match birth_time {
            Some(e) => {
                self.s(e, "url");
                let t = self.dtm(e, "valueDateTime");
                if !t.is_empty() {
                    // birthDate is the date part of the same value.
                    if let Some(x) = p.get("birthDate") {
                        self.mark(x);
                    }
                }
                t
            }
            None => self.dtm(p, "birthDate"),
        };
        w.set(7, 0, 0, 0, &birth)?;
        let genders = [
            ("female", "F"),
            ("male", "M"),
            ("unknown", "U"),
            ("other", "O"),
        ];
        let g = self.coded(p, "gender", &genders).unwrap_or("");
        w.set(8, 0, 0, 0, g)?;
        self.addresses_and_telecoms(&mut w, p, 11, (13, 14))?;
        if let Some(c) = Self::arr(p, "communication").first() {
            if let Some(l) = Self::obj(c, "language") {
                self.cwe(&mut w, 15, 0, l)?;
            }
        }
        if let Some(m) = Self::obj(p, "maritalStatus") {
            self.cwe(&mut w, 16, 0, m)?;
        }
        if let Some(n) = p.get("multipleBirthInteger").filter(|x| x.is_number()) {
            self.mark(n);
            w.set(24, 0, 0, 0, "Y")?;
            w.set(25, 0, 0, 0, &n.to_string())?;
        } else if let Some(b) = self.boolean(p, "multipleBirthBoolean") {
            w.set(24, 0, 0, 0, if b { "Y" } else { "N" })?;
        }
        let deceased = self.dtm(p, "deceasedDateTime");
        if !deceased.is_empty() {
            w.set(29, 0, 0, 0, &deceased)?;
            w.set(30, 0, 0, 0, "Y")?;
        } else if let Some(b) = self.boolean(p, "deceasedBoolean") {
            w.set(30, 0, 0, 0, if b { "Y" } else { "N" })?;
        }
        // PID-18 patient account number: the Account whose subject is this patient.
        let account = self.all_of("Account").into_iter().find(|&a| {
            Self::arr(self.res(a), "subject").iter().any(|s| {
                s.get("reference")
                    .and_then(Value::as_str)
                    .and_then(|r| self.lookup(r))
                    == Some(k)
            })
        });
        if let Some(a) = account {
            let acc = self.use_res(a);
            self.expect(acc, "status", &["active"]);
            for s in Self::arr(acc, "subject") {
                if let Some(x) = s.get("reference") {
                    if x.as_str().and_then(|r| self.lookup(r)) == Some(k) {
                        self.mark(x);
                    }
                }
            }
            if let Some(id) = Self::arr(acc, "identifier").first() {
                self.cx(&mut w, 18, 0, id)?;
            }
        }
        let gps = self.reps(p, "generalPractitioner");
        let mut pd1 = None;
        let mut r = 0;
        for g in gps {
            if let Some(k) = self.resolve(g) {
                if rtype(self.res(k)) == "Practitioner" {
                    r += 1;
                    let w = pd1.get_or_insert_with(|| SegW::new("PD1"));
                    self.xcn(w, 4, r, k)?;
                }
            }
        }
        Ok((w, pd1))
    }

    /// PID-10 / PID-22 from a US Core race / ethnicity extension: one CWE repetition per
    /// ombCategory/detailed coding (`CDCREC`, or `NULLFL` for UNK/ASKU); the `text`
    /// part is consumed when it is what the forward mapping derives from the codings.
    fn race(&mut self, w: &mut SegW, f: usize, e: &'a Value) -> Result<(), Error> {
        self.s(e, "url");
        let mut derived = String::new();
        let mut text: Option<&'a Value> = None;
        let mut r = 0;
        for part in self.reps(e, "extension") {
            match part.get("url").and_then(Value::as_str) {
                Some("ombCategory" | "detailed") => {
                    let Some(c) = Self::obj(part, "valueCoding") else {
                        continue;
                    };
                    let sys = match c.get("system").and_then(Value::as_str) {
                        Some(CDC_RACE) => "CDCREC",
                        Some(NULL_FLAVOR) => "NULLFL",
                        _ => continue,
                    };
                    self.s(part, "url");
                    self.s(c, "system");
                    r += 1;
                    let code = self.s(c, "code");
                    let display = self.s(c, "display");
                    w.set(f, r, 1, 0, code)?;
                    w.set(f, r, 2, 0, display)?;
                    w.set(f, r, 3, 0, sys)?;
                    let shown = if display.is_empty() { code } else { display };
                    if !shown.is_empty() {
                        if !derived.is_empty() {
                            derived.push_str(", ");
                        }
                        derived.push_str(shown);
                    }
                }
                Some("text") => text = Some(part),
                _ => {}
            }
        }
        if let Some(t) = text {
            let v = t.get("valueString").and_then(Value::as_str).unwrap_or("");
            let rest = if derived.is_empty() {
                Some(v)
            } else {
                v.strip_prefix(derived.as_str())
                    .and_then(|x| x.strip_prefix(", "))
            };
            if v == derived || (derived.is_empty() && v == "unknown") {
                self.s(t, "url");
                self.s(t, "valueString");
            } else if let Some(rest) = rest {
                // Text of codes outside the CDC system (the forward mapping keeps only
                // their text): one display-only repetition.
                self.s(t, "url");
                self.s(t, "valueString");
                w.set(f, r + 1, 2, 0, rest)?;
            } else if r == 1 {
                // One coding with its own text: CWE.9 (the forward mapping shows it).
                self.s(t, "url");
                w.set(f, 1, 9, 0, self.s(t, "valueString"))?;
            }
        }
        Ok(())
    }

    fn nk1(&mut self, k: usize, n: usize, patient: usize) -> Result<SegW, Error> {
        let p = self.use_res(k);
        let mut w = SegW::new("NK1");
        w.set(1, 0, 0, 0, &n.to_string())?;
        self.same_ref(p, "patient", Some(patient));
        for (i, nm) in self.reps(p, "name").iter().enumerate() {
            self.xpn(&mut w, 2, i + 1, nm)?;
        }
        let rels = Self::arr(p, "relationship");
        self.two_concepts(&mut w, rels, (3, V2_0063), (7, V2_0131))?;
        self.addresses_and_telecoms(&mut w, p, 4, (5, 6))?;
        if let Some(per) = Self::obj(p, "period") {
            w.set(8, 0, 0, 0, &self.dtm(per, "start"))?;
            w.set(9, 0, 0, 0, &self.dtm(per, "end"))?;
        }
        Ok(w)
    }

    /// Two CWE fields sharing one FHIR array (PV1-4/PV1-18, NK1-3/NK1-7): the forward
    /// mapping writes the first field first; a lone concept goes to the second field
    /// only when its system is the second field's table.
    fn two_concepts(
        &mut self,
        w: &mut SegW,
        list: &'a [Value],
        (f1, _t1): (usize, &str),
        (f2, t2): (usize, &str),
    ) -> Result<(), Error> {
        match list {
            [] => Ok(()),
            [one] => {
                let sys = Self::arr(one, "coding")
                    .first()
                    .and_then(|c| c.get("system"))
                    .and_then(Value::as_str);
                self.cwe(w, if sys == Some(t2) { f2 } else { f1 }, 0, one)
            }
            [a, b, ..] => {
                self.cwe(w, f1, 0, a)?;
                self.cwe(w, f2, 0, b)
            }
        }
    }

    fn pv1(&mut self, k: usize, patient: usize) -> Result<(SegW, Option<SegW>), Error> {
        let e = self.use_res(k);
        let mut w = SegW::new("PV1");
        w.set(1, 0, 0, 0, "1")?;
        // Encounter.status is derived from the trigger event and the period.
        if let Some(x) = e.get("status") {
            self.mark(x);
        }
        let class = Self::obj(e, "class");
        let sys = class
            .and_then(|c| c.get("system"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let code = class
            .and_then(|c| c.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let v2 = match (sys, code) {
            (V3_ACTCODE, "EMER") => "E",
            (V3_ACTCODE, "IMP") => "I",
            (V3_ACTCODE, "AMB") => "O",
            (V3_ACTCODE, "PRENC") => "P",
            (V2_0004, c @ ("R" | "B" | "C" | "N" | "U" | "E" | "I" | "O" | "P")) => c,
            _ => "",
        };
        if let Some(c) = class.filter(|_| !v2.is_empty()) {
            self.mark_all(c);
        }
        w.set(2, 0, 0, 0, if v2.is_empty() { "U" } else { v2 })?;
        let types = Self::arr(e, "type");
        self.two_concepts(&mut w, types, (4, V2_0007), (18, V2_0018))?;
        if let Some(st) = Self::obj(e, "serviceType") {
            self.cwe(&mut w, 10, 0, st)?;
        }
        self.same_ref(e, "subject", Some(patient));
        let mut reps = [0usize; 18];
        for part in self.reps(e, "participant") {
            let code = Self::arr(part, "type")
                .first()
                .and_then(|t| Self::arr(t, "coding").first())
                .filter(|c| c.get("system").and_then(Value::as_str) == Some(V3_PARTICIPATION))
                .and_then(|c| c.get("code"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let f = match code {
                "ATND" => 7,
                "REF" => 8,
                "CON" => 9,
                "ADM" => 17,
                _ => continue,
            };
            let Some(ind) = Self::obj(part, "individual") else {
                continue;
            };
            let Some(pk) = self.resolve(ind) else {
                continue;
            };
            if rtype(self.res(pk)) != "Practitioner" {
                continue;
            }
            if let Some(t) = Self::arr(part, "type").first() {
                self.mark_all(t);
            }
            reps[f] += 1;
            self.xcn(&mut w, f, reps[f], pk)?;
        }
        if let Some(id) = Self::arr(e, "identifier").first() {
            self.cx(&mut w, 19, 0, id)?;
        }
        if let Some(h) = Self::obj(e, "hospitalization") {
            if let Some(c) = Self::obj(h, "admitSource") {
                self.cwe(&mut w, 14, 0, c)?;
            }
            if let Some(c) = Self::obj(h, "dischargeDisposition") {
                self.cwe(&mut w, 36, 0, c)?;
            }
        }
        let (mut cur, mut prior) = (false, false);
        for l in Self::arr(e, "location") {
            let completed = l.get("status").and_then(Value::as_str) == Some("completed");
            let (f, done) = if completed {
                (6, &mut prior)
            } else {
                (3, &mut cur)
            };
            if *done {
                continue;
            }
            let Some(lk) = Self::obj(l, "location").and_then(|r| self.resolve(r)) else {
                continue;
            };
            if rtype(self.res(lk)) != "Location" {
                continue;
            }
            *done = true;
            if completed {
                self.s(l, "status");
            }
            self.pl(&mut w, f, lk)?;
        }
        if let Some(per) = Self::obj(e, "period") {
            w.set(44, 0, 0, 0, &self.dtm(per, "start"))?;
            w.set(45, 0, 0, 0, &self.dtm(per, "end"))?;
        }
        let pv2 = match Self::arr(e, "reasonCode").first() {
            Some(rc) => {
                let mut w2 = SegW::new("PV2");
                self.cwe(&mut w2, 3, 0, rc)?;
                Some(w2)
            }
            None => None,
        };
        Ok((w, pv2))
    }

    fn al1(&mut self, k: usize, n: usize, patient: usize) -> Result<SegW, Error> {
        let a = self.use_res(k);
        let mut w = SegW::new("AL1");
        w.set(1, 0, 0, 0, &n.to_string())?;
        self.same_ref(a, "patient", Some(patient));
        if let Some(cs) = Self::obj(a, "clinicalStatus") {
            if self.code_of(Some(cs), ALLERGY_CLINICAL) == "active" {
                self.mark_all(cs);
            }
        }
        if let Some(c) = Self::arr(a, "category").first() {
            let code = match c.as_str() {
                Some("medication") => "DA",
                Some("food") => "FA",
                Some("environment") => "EA",
                _ => "",
            };
            if !code.is_empty() {
                self.mark(c);
            }
            w.set(2, 0, 1, 0, code)?;
        }
        if let Some(c) = Self::obj(a, "code") {
            self.cwe(&mut w, 3, 0, c)?;
        }
        let severities = [("high", "SV"), ("low", "MO"), ("unable-to-assess", "U")];
        let sev = self.coded(a, "criticality", &severities).unwrap_or("");
        w.set(4, 0, 1, 0, sev)?;
        if let Some(re) = Self::arr(a, "reaction").first() {
            for (i, m) in self.reps(re, "manifestation").iter().enumerate() {
                let t = self.s(m, "text");
                w.set(5, i + 1, 0, 0, t)?;
            }
        }
        w.set(6, 0, 0, 0, &self.dtm(a, "onsetDateTime"))?;
        Ok(w)
    }

    fn dg1(
        &mut self,
        k: usize,
        n: usize,
        patient: usize,
        enc: Option<usize>,
    ) -> Result<SegW, Error> {
        let c = self.use_res(k);
        let mut w = SegW::new("DG1");
        w.set(1, 0, 0, 0, &n.to_string())?;
        self.same_ref(c, "subject", Some(patient));
        self.same_ref(c, "encounter", enc);
        for cat in Self::arr(c, "category") {
            let sys = Self::arr(cat, "coding")
                .first()
                .and_then(|cd| cd.get("system"))
                .and_then(Value::as_str);
            if sys == Some(CONDITION_CATEGORY) {
                if self.code_of(Some(cat), CONDITION_CATEGORY) == "encounter-diagnosis" {
                    self.mark_all(cat);
                }
            } else if sys == Some(V2_0052) && !w.has(6) {
                // DG1-6 diagnosis type, a second category.
                self.cwe(&mut w, 6, 0, cat)?;
            }
        }
        if let Some(code) = Self::obj(c, "code") {
            self.cwe(&mut w, 3, 0, code)?;
        }
        w.set(5, 0, 0, 0, &self.dtm(c, "onsetDateTime"))?;
        Ok(w)
    }

    fn pr1(
        &mut self,
        k: usize,
        n: usize,
        patient: usize,
        enc: Option<usize>,
    ) -> Result<SegW, Error> {
        let p = self.use_res(k);
        let mut w = SegW::new("PR1");
        w.set(1, 0, 0, 0, &n.to_string())?;
        self.expect(p, "status", &["completed"]);
        self.same_ref(p, "subject", Some(patient));
        self.same_ref(p, "encounter", enc);
        if let Some(code) = Self::obj(p, "code") {
            self.cwe(&mut w, 3, 0, code)?;
        }
        w.set(5, 0, 0, 0, &self.dtm(p, "performedDateTime"))?;
        let mut r = 0;
        for perf in self.reps(p, "performer") {
            let Some(pk) = Self::obj(perf, "actor").and_then(|a| self.resolve(a)) else {
                continue;
            };
            if rtype(self.res(pk)) == "Practitioner" {
                r += 1;
                self.xcn(&mut w, 12, r, pk)?;
            }
        }
        Ok(w)
    }

    fn in1(&mut self, k: usize, n: usize, patient: usize) -> Result<SegW, Error> {
        let c = self.use_res(k);
        let mut w = SegW::new("IN1");
        w.set(1, 0, 0, 0, &n.to_string())?;
        self.expect(c, "status", &["active"]);
        self.same_ref(c, "beneficiary", Some(patient));
        let policy = self.s(c, "subscriberId");
        if let Some(id) = Self::arr(c, "identifier").first() {
            if id.get("value").and_then(Value::as_str) == Some(policy) || policy.is_empty() {
                w.set(36, 0, 0, 0, self.s(id, "value"))?;
            }
        }
        w.set(36, 0, 0, 0, policy)?;
        for cl in Self::arr(c, "class") {
            let code = self.code_of(Self::obj(cl, "type"), COVERAGE_CLASS);
            match code {
                "plan" => {
                    w.set(2, 0, 1, 0, self.s(cl, "value"))?;
                    w.set(2, 0, 2, 0, self.s(cl, "name"))?;
                }
                "group" => {
                    w.set(8, 0, 0, 0, self.s(cl, "value"))?;
                    w.set(9, 0, 1, 0, self.s(cl, "name"))?;
                }
                _ => {}
            }
        }
        if let Some(payor) = Self::arr(c, "payor").first() {
            if let Some(ok) = self.resolve(payor) {
                let o = self.use_res(ok);
                w.set(4, 0, 1, 0, self.s(o, "name"))?;
                if let Some(id) = Self::arr(o, "identifier").first() {
                    w.set(3, 0, 1, 0, self.s(id, "value"))?;
                    let (uid, ty) = uri_hd(self.s(id, "system"));
                    w.set(3, 0, 4, 2, uid)?;
                    w.set(3, 0, 4, 3, ty)?;
                }
            }
        }
        if let Some(per) = Self::obj(c, "period") {
            w.set(12, 0, 0, 0, &self.dtm(per, "start"))?;
            w.set(13, 0, 0, 0, &self.dtm(per, "end"))?;
        }
        let rel = self.code_of(Self::obj(c, "relationship"), SUBSCRIBER_REL);
        let code = match rel {
            "self" => "SEL",
            "spouse" => "SPO",
            "child" => "CHD",
            "common" => "DOM",
            "injured" => "EME",
            "other" => "OTH",
            _ => "",
        };
        w.set(17, 0, 1, 0, code)?;
        Ok(w)
    }

    /// ORC, OBR, NTE and the OBX groups of one DiagnosticReport.
    fn order(
        &mut self,
        d: usize,
        set: usize,
        patient: usize,
        enc: Option<usize>,
        segs: &mut Vec<SegW>,
    ) -> Result<(), Error> {
        let dr = self.use_res(d);
        let sr = Self::arr(dr, "basedOn")
            .first()
            .and_then(|b| self.resolve(b))
            .filter(|&k| rtype(self.res(k)) == "ServiceRequest");
        let sr = sr.map(|k| self.use_res(k));
        let mut orc = SegW::new("ORC");
        let mut obr = SegW::new("OBR");
        orc.set(1, 0, 0, 0, "RE")?;
        obr.set(1, 0, 0, 0, &set.to_string())?;
        // Placer/filler numbers: ServiceRequest identifiers typed PLAC/FILL, else the
        // DiagnosticReport's FILL identifier.
        let mut placer: Option<&'a Value> = None;
        let mut filler: Option<&'a Value> = None;
        for src in sr.iter().copied().chain(std::iter::once(dr)) {
            for id in Self::arr(src, "identifier") {
                let t = Self::obj(id, "type")
                    .and_then(|t| Self::arr(t, "coding").first())
                    .and_then(|c| c.get("code"))
                    .and_then(Value::as_str);
                let slot = match t {
                    Some("PLAC") => &mut placer,
                    Some("FILL") => &mut filler,
                    _ => continue,
                };
                let same = slot.is_some_and(|s| s.get("value") == id.get("value"));
                if slot.is_none() || same {
                    self.code_of(Self::obj(id, "type"), V2_0203);
                    self.s(id, "value");
                    self.s(id, "system");
                    if let Some(a) = Self::obj(id, "assigner") {
                        self.s(a, "display");
                    }
                    if slot.is_none() {
                        *slot = Some(id);
                    }
                }
            }
        }
        for (f, id) in [(2, placer), (3, filler)] {
            let Some(id) = id else { continue };
            self.ei(&mut orc, f, 0, id)?;
            self.ei(&mut obr, f, 0, id)?;
        }
        self.same_ref(dr, "subject", Some(patient));
        self.same_ref(dr, "encounter", enc);
        let statuses = [
            ("registered", "O"),
            ("preliminary", "P"),
            ("corrected", "C"),
            ("partial", "R"),
            ("final", "F"),
            ("cancelled", "X"),
            ("unknown", ""),
        ];
        if let Some(status) = self.coded(dr, "status", &statuses) {
            obr.set(25, 0, 0, 0, status)?;
        }
        // A category from table 0074 (diagnostic service section) → OBR-24.
        if let Some(cat) = Self::arr(dr, "category").first() {
            let system = Self::arr(cat, "coding")
                .first()
                .and_then(|c| c.get("system"))
                .and_then(Value::as_str);
            if system == Some(V2_0074) {
                let code = self.code_of(Some(cat), V2_0074);
                obr.set(24, 0, 0, 0, code)?;
            }
        }
        let mut coded = false;
        if let Some(c) = Self::obj(dr, "code") {
            coded = self.cwe_known(&mut obr, 4, c)?;
        }
        let effective = self.dtm(dr, "effectiveDateTime");
        obr.set(7, 0, 0, 0, &effective)?;
        obr.set(22, 0, 0, 0, &self.dtm(dr, "issued"))?;
        let mut notes: Vec<SegW> = Vec::new();
        if let Some(sr) = sr {
            // ORC-1 is RE (no status of its own); ORC-5 carries the order status.
            let statuses = [
                ("active", "IP"),
                ("revoked", "CA"),
                ("completed", "CM"),
                ("entered-in-error", "ER"),
                ("on-hold", "HD"),
                ("unknown", ""),
            ];
            if let Some(st) = self.coded(sr, "status", &statuses) {
                orc.set(5, 0, 0, 0, st)?;
            }
            self.expect(sr, "intent", &["order"]);
            self.same_ref(sr, "subject", Some(patient));
            self.same_ref(sr, "encounter", enc);
            if let Some(c) = Self::obj(sr, "code") {
                if coded && Some(c) == Self::obj(dr, "code") {
                    self.mark_all(c);
                } else if !coded {
                    self.cwe(&mut obr, 4, 0, c)?;
                }
            }
            orc.set(9, 0, 0, 0, &self.dtm(sr, "authoredOn"))?;
            if let Some(req) = Self::obj(sr, "requester") {
                if let Some(pk) = self.resolve(req) {
                    if rtype(self.res(pk)) == "Practitioner" {
                        self.xcn(&mut orc, 12, 0, pk)?;
                        self.xcn(&mut obr, 16, 0, pk)?;
                    }
                }
            }
            for n in Self::arr(sr, "note") {
                let t = self.s(n, "text");
                if !t.is_empty() {
                    notes.push(nte(notes.len() + 1, t, self.max_reps)?);
                }
            }
        }
        segs.push(orc);
        segs.push(obr);
        segs.extend(notes);
        for (i, ok) in self
            .resolved_of(dr, "result", "Observation")
            .into_iter()
            .enumerate()
        {
            self.obx(ok, i + 1, &effective, patient, enc, segs)?;
        }
        Ok(())
    }

    /// ORM_O01 / OML_O21: IN1, AL1, patient-level DG1, then one order group per
    /// ServiceRequest (ORC, TQ1, OBR, NTE, DG1, OBX/NTE, and SPM for OML).
    fn orders(
        &mut self,
        target: Target,
        requests: &[usize],
        patient: usize,
        enc: Option<usize>,
        segs: &mut Vec<SegW>,
    ) -> Result<(), Error> {
        let mut n = 0;
        for k in self.all_of("Coverage") {
            n += 1;
            segs.push(self.in1(k, n, patient)?);
        }
        let mut n = 0;
        for k in self.all_of("AllergyIntolerance") {
            n += 1;
            segs.push(self.al1(k, n, patient)?);
        }
        // Conditions no order gives as its reason: patient-level DG1 before the orders.
        let reasons: HashSet<usize> = requests
            .iter()
            .flat_map(|&r| Self::arr(self.res(r), "reasonReference"))
            .filter_map(|r| r.get("reference").and_then(Value::as_str))
            .filter_map(|s| self.lookup(s))
            .collect();
        let mut n = 0;
        for k in self.all_of("Condition") {
            if !reasons.contains(&k) {
                n += 1;
                segs.push(self.dg1(k, n, patient, enc)?);
            }
        }
        for (i, &k) in requests.iter().enumerate() {
            self.order_request(target, k, i + 1, patient, enc, segs)?;
        }
        Ok(())
    }

    fn ei(&mut self, w: &mut SegW, f: usize, c: usize, id: &'a Value) -> Result<(), Error> {
        // EI as a field (c = 0: components 1-4) or inside component c (subcomponents).
        let put = |w: &mut SegW, k: usize, t: &str| {
            if c == 0 {
                w.set(f, 0, k, 0, t)
            } else {
                w.set(f, 0, c, k, t)
            }
        };
        put(w, 1, self.s(id, "value"))?;
        if let Some(a) = Self::obj(id, "assigner") {
            put(w, 2, self.s(a, "display"))?;
        }
        let (uid, ty) = uri_hd(self.s(id, "system"));
        put(w, 3, uid)?;
        put(w, 4, ty)?;
        self.code_of(Self::obj(id, "type"), V2_0203);
        Ok(())
    }

    fn order_request(
        &mut self,
        target: Target,
        k: usize,
        set: usize,
        patient: usize,
        enc: Option<usize>,
        segs: &mut Vec<SegW>,
    ) -> Result<(), Error> {
        let sr = self.use_res(k);
        let mut orc = SegW::new("ORC");
        let mut tq1 = SegW::new("TQ1");
        let mut obr = SegW::new("OBR");
        obr.set(1, 0, 0, 0, &set.to_string())?;
        // Status: ORC-5 (table 0038), with ORC-1 NW (active when ORC-5 is empty) or SC
        // (a control code the IG gives no status for: unknown).
        let (control, st) = match sr.get("status").and_then(Value::as_str) {
            Some("active") => ("NW", ""),
            Some("revoked") => ("NW", "CA"),
            Some("completed") => ("NW", "CM"),
            Some("entered-in-error") => ("NW", "ER"),
            Some("on-hold") => ("NW", "HD"),
            Some("unknown") => ("SC", ""),
            _ => ("NW", "-"),
        };
        if st != "-" {
            self.s(sr, "status");
            orc.set(5, 0, 0, 0, st)?;
        }
        orc.set(1, 0, 0, 0, control)?;
        for id in self.reps(sr, "identifier") {
            let t = Self::obj(id, "type")
                .and_then(|t| Self::arr(t, "coding").first())
                .and_then(|c| c.get("code"))
                .and_then(Value::as_str);
            match t {
                Some("PLAC") if !orc.has(2) => {
                    self.ei(&mut obr, 2, 0, id)?;
                    self.ei(&mut orc, 2, 0, id)?;
                }
                Some("FILL") if !orc.has(3) => {
                    self.ei(&mut obr, 3, 0, id)?;
                    self.ei(&mut orc, 3, 0, id)?;
                }
                Some("ACSN") if !obr.has(18) => {
                    self.code_of(Self::obj(id, "type"), V2_0203);
                    obr.set(18, 0, 0, 0, self.s(id, "value"))?;
                }
                _ => {}
            }
        }
        if let Some(req) = Self::obj(sr, "requisition") {
            self.ei(&mut orc, 4, 0, req)?;
        }
        let intent = sr.get("intent").and_then(Value::as_str);
        match intent {
            Some("order") => {
                self.s(sr, "intent");
            }
            Some("reflex-order") => {
                self.s(sr, "intent");
                obr.set(11, 0, 0, 0, "G")?;
            }
            _ => {}
        }
        let priorities = [("stat", "S"), ("asap", "A"), ("routine", "R")];
        if let Some(prio) = self.coded(sr, "priority", &priorities) {
            tq1.set(9, 0, 1, 0, prio)?;
        }
        if let Some(c) = Self::obj(sr, "code") {
            self.cwe(&mut obr, 4, 0, c)?;
        }
        self.same_ref(sr, "subject", Some(patient));
        self.same_ref(sr, "encounter", enc);
        if let Some(bp) = Self::obj(sr, "occurrenceTiming")
            .and_then(|t| Self::obj(t, "repeat"))
            .and_then(|r| Self::obj(r, "boundsPeriod"))
        {
            tq1.set(7, 0, 0, 0, &self.dtm(bp, "start"))?;
            tq1.set(8, 0, 0, 0, &self.dtm(bp, "end"))?;
        }
        orc.set(9, 0, 0, 0, &self.dtm(sr, "authoredOn"))?;
        if let Some(req) = Self::obj(sr, "requester") {
            if let Some(pk) = self.resolve(req) {
                if rtype(self.res(pk)) == "Practitioner" {
                    self.xcn(&mut orc, 12, 0, pk)?;
                    self.xcn(&mut obr, 16, 0, pk)?;
                }
            }
        }
        for (i, rc) in self.reps(sr, "reasonCode").iter().enumerate() {
            self.cwe(&mut obr, 31, i + 1, rc)?;
        }
        segs.push(orc);
        if !tq1.is_empty() {
            tq1.set(1, 0, 0, 0, "1")?;
            segs.push(tq1);
        }
        segs.push(obr);
        self.notes(sr, segs)?;
        let reasons = self.resolved_of(sr, "reasonReference", "Condition");
        for (i, ck) in reasons.into_iter().enumerate() {
            segs.push(self.dg1(ck, i + 1, patient, enc)?);
        }
        let supporting = self.resolved_of(sr, "supportingInfo", "Observation");
        for (i, ok) in supporting.into_iter().enumerate() {
            self.obx(ok, i + 1, "", patient, enc, segs)?;
        }
        if target == Target::OmlO21 {
            let specimens = self.resolved_of(sr, "specimen", "Specimen");
            for (i, sk) in specimens.into_iter().enumerate() {
                segs.push(self.spm(sk, i + 1, k, patient)?);
            }
        }
        Ok(())
    }

    fn spm(&mut self, k: usize, n: usize, request: usize, patient: usize) -> Result<SegW, Error> {
        let sp = self.use_res(k);
        let mut w = SegW::new("SPM");
        w.set(1, 0, 0, 0, &n.to_string())?;
        for id in self.reps(sp, "identifier") {
            let t = Self::obj(id, "type")
                .and_then(|t| Self::arr(t, "coding").first())
                .and_then(|c| c.get("code"))
                .and_then(Value::as_str);
            let c = match t {
                Some("PLAC") => 1,
                Some("FILL") => 2,
                _ => continue,
            };
            if !w.has_comp(2, c) {
                self.ei(&mut w, 2, c, id)?;
            }
        }
        if let Some(avail) = self.coded(sp, "status", &[("available", "Y"), ("unavailable", "N")]) {
            w.set(20, 0, 0, 0, avail)?;
        }
        if let Some(t) = Self::obj(sp, "type") {
            self.cwe(&mut w, 4, 0, t)?;
        }
        self.same_ref(sp, "subject", Some(patient));
        w.set(18, 0, 0, 0, &self.dtm(sp, "receivedTime"))?;
        if let Some(r) = Self::arr(sp, "request").first() {
            if let Some(x) = r.get("reference") {
                if x.as_str().and_then(|s| self.lookup(s)) == Some(request) {
                    self.mark(x);
                }
            }
        }
        if let Some(c) = Self::obj(sp, "collection") {
            match Self::obj(c, "collectedPeriod") {
                Some(p) => {
                    w.set(17, 0, 1, 0, &self.dtm(p, "start"))?;
                    w.set(17, 0, 2, 0, &self.dtm(p, "end"))?;
                }
                None => w.set(17, 0, 1, 0, &self.dtm(c, "collectedDateTime"))?,
            }
            if let Some(m) = Self::obj(c, "method") {
                self.cwe(&mut w, 7, 0, m)?;
            }
            if let Some(b) = Self::obj(c, "bodySite") {
                self.cwe(&mut w, 8, 0, b)?;
            }
        }
        if let Some(ct) = Self::arr(sp, "container").first() {
            if let Some(t) = Self::obj(ct, "type") {
                self.cwe(&mut w, 27, 0, t)?;
            }
        }
        for (i, c) in self.reps(sp, "condition").iter().enumerate() {
            self.cwe(&mut w, 24, i + 1, c)?;
        }
        let mut r = 0;
        for note in self.reps(sp, "note") {
            let t = self.s(note, "text");
            if !t.is_empty() {
                r += 1;
                w.set(14, r, 1, 0, t)?;
            }
        }
        Ok(w)
    }

    /// OBX (+ NTE) from an Observation; OBX-14 only when it differs from `group_time`.
    fn obx(
        &mut self,
        k: usize,
        set: usize,
        group_time: &str,
        patient: usize,
        enc: Option<usize>,
        segs: &mut Vec<SegW>,
    ) -> Result<(), Error> {
        let o = self.use_res(k);
        let mut w = SegW::new("OBX");
        w.set(1, 0, 0, 0, &set.to_string())?;
        let statuses = [
            ("amended", "A"),
            ("corrected", "C"),
            ("entered-in-error", "D"),
            ("final", "F"),
            ("preliminary", "P"),
            ("cancelled", "X"),
            ("registered", "R"),
            ("unknown", ""),
        ];
        if let Some(st) = self.coded(o, "status", &statuses) {
            w.set(11, 0, 0, 0, st)?;
        }
        if let Some(c) = Self::obj(o, "code") {
            self.cwe_known(&mut w, 3, c)?;
        }
        self.same_ref(o, "subject", Some(patient));
        self.same_ref(o, "encounter", enc);
        let eff = self.dtm(o, "effectiveDateTime");
        if eff != group_time {
            w.set(14, 0, 0, 0, &eff)?;
        }
        let (mut prac, mut performing, mut producer) = (0, false, false);
        for p in self.reps(o, "performer") {
            let Some(pk) = self.resolve(p) else { continue };
            match rtype(self.res(pk)) {
                "Practitioner" => {
                    prac += 1;
                    self.xcn(&mut w, 16, prac, pk)?;
                }
                "Organization" => {
                    // The forward mapping writes the performing organization (OBX-23/24:
                    // identifier without system) first, then the producer (OBX-15: an
                    // identifier with its coding system); one of each.
                    let og = self.res(pk);
                    let id = Self::arr(og, "identifier").first();
                    let has_sys = id
                        .and_then(|i| i.get("system"))
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.is_empty());
                    let has_addr = !Self::arr(og, "address").is_empty();
                    if !performing && (!has_sys || has_addr) {
                        performing = true;
                        let og = self.use_res(pk);
                        w.set(23, 0, 1, 0, self.s(og, "name"))?;
                        if let Some(id) = id {
                            w.set(23, 0, 10, 0, self.s(id, "value"))?;
                        }
                        if let Some(a) = Self::arr(og, "address").first() {
                            self.xad(&mut w, 24, 0, a)?;
                        }
                    } else if !producer && !has_addr {
                        producer = true;
                        let og = self.use_res(pk);
                        w.set(15, 0, 2, 0, self.s(og, "name"))?;
                        if let Some(id) = id {
                            w.set(15, 0, 1, 0, self.s(id, "value"))?;
                            let sys = self.s(id, "system");
                            let name = if sys == CLIA {
                                std::borrow::Cow::Borrowed("CLIA")
                            } else {
                                system_name(sys)
                            };
                            w.set(15, 0, 3, 0, &name)?;
                        }
                    }
                }
                _ => {}
            }
        }
        for e in Self::arr(o, "extension") {
            match e.get("url").and_then(Value::as_str) {
                Some(EXT_ANALYSIS_TIME) if !w.has(19) => {
                    self.s(e, "url");
                    w.set(19, 0, 0, 0, &self.dtm(e, "valueDateTime"))?;
                }
                Some(EXT_OBS_VALUE_R5) if !w.has(5) => {
                    if let Some(a) = Self::obj(e, "valueAttachment") {
                        self.s(e, "url");
                        let ct = self.s(a, "contentType");
                        let (major, sub) = ct.split_once('/').unwrap_or(("", ct));
                        let ty = match major {
                            "application" => "AP",
                            "image" => "IM",
                            "text" => "TEXT",
                            "audio" => "AU",
                            m => m,
                        };
                        w.set(2, 0, 0, 0, "ED")?;
                        w.set(5, 0, 2, 0, ty)?;
                        w.set(5, 0, 3, 0, &sub.to_ascii_uppercase())?;
                        w.set(5, 0, 4, 0, "Base64")?;
                        w.set(5, 0, 5, 0, self.s(a, "data"))?;
                    }
                }
                _ => {}
            }
        }
        if let Some(m) = Self::obj(o, "method") {
            self.cwe(&mut w, 17, 0, m)?;
        }
        self.value(&mut w, o)?;
        if let Some(dar) = Self::obj(o, "dataAbsentReason") {
            if !self.code_of(Some(dar), DATA_ABSENT).is_empty() {
                self.mark_all(dar);
            }
        }
        for (i, it) in self.reps(o, "interpretation").iter().enumerate() {
            let c = self.code_of(Some(it), V3_INTERPRETATION);
            w.set(8, i + 1, 0, 0, c)?;
        }
        if let Some(rr) = Self::arr(o, "referenceRange").first() {
            let text = self.s(rr, "text");
            let lo = Self::obj(rr, "low");
            let hi = Self::obj(rr, "high");
            let bound = |cx: &mut Self, q: Option<&'a Value>| {
                q.map(|q| {
                    cx.s(q, "unit");
                    cx.num(q, "value")
                })
                .unwrap_or_default()
            };
            let (l, h) = (bound(self, lo), bound(self, hi));
            let range = if !text.is_empty() {
                text.to_string()
            } else if !l.is_empty() && !h.is_empty() {
                format!("{l}-{h}")
            } else if !l.is_empty() {
                format!(">={l}")
            } else if !h.is_empty() {
                format!("<={h}")
            } else {
                String::new()
            };
            w.set(7, 0, 0, 0, &range)?;
        }
        segs.push(w);
        self.notes(o, segs)
    }

    /// OBX-2, OBX-5 and OBX-6 from Observation.value[x].
    fn value(&mut self, w: &mut SegW, o: &'a Value) -> Result<(), Error> {
        if let Some(q) = Self::obj(o, "valueQuantity") {
            let v = self.num(q, "value");
            let cmp = q.get("comparator").and_then(Value::as_str).unwrap_or("");
            if cmp.is_empty() {
                w.set(2, 0, 0, 0, "NM")?;
                w.set(5, 0, 0, 0, &v)?;
            } else {
                self.s(q, "comparator");
                w.set(2, 0, 0, 0, "SN")?;
                w.set(5, 0, 1, 0, cmp)?;
                w.set(5, 0, 2, 0, &v)?;
            }
            return self.unit(w, q);
        }
        if let Some(rg) = Self::obj(o, "valueRange") {
            let lo = Self::obj(rg, "low");
            let hi = Self::obj(rg, "high");
            w.set(2, 0, 0, 0, "SN")?;
            if let Some(lo) = lo {
                w.set(5, 0, 2, 0, &self.num(lo, "value"))?;
                self.unit(w, lo)?;
            }
            w.set(5, 0, 3, 0, "-")?;
            if let Some(hi) = hi {
                w.set(5, 0, 4, 0, &self.num(hi, "value"))?;
                // One OBX-6 for both bounds: the high unit is consumed when it matches.
                if let Some(lo) = lo {
                    for key in ["unit", "system", "code"] {
                        if let (Some(a), Some(b)) = (lo.get(key), hi.get(key)) {
                            if a == b {
                                self.mark(b);
                            }
                        }
                    }
                } else {
                    self.unit(w, hi)?;
                }
            }
            return Ok(());
        }
        if let Some(ra) = Self::obj(o, "valueRatio") {
            w.set(2, 0, 0, 0, "SN")?;
            if let Some(n) = Self::obj(ra, "numerator") {
                w.set(5, 0, 2, 0, &self.num(n, "value"))?;
            }
            w.set(5, 0, 3, 0, ":")?;
            if let Some(d) = Self::obj(ra, "denominator") {
                w.set(5, 0, 4, 0, &self.num(d, "value"))?;
            }
            return Ok(());
        }
        if let Some(cc) = Self::obj(o, "valueCodeableConcept") {
            w.set(2, 0, 0, 0, "CWE")?;
            return self.cwe(w, 5, 0, cc);
        }
        let s = self.s(o, "valueString");
        if !s.is_empty() {
            // The last repetition keeps any lines past the limit (its line breaks are
            // escaped, and read back as line breaks).
            let lines: Vec<&str> = s.splitn(self.max_reps, '\n').collect();
            w.set(2, 0, 0, 0, if lines.len() > 1 { "TX" } else { "ST" })?;
            for (i, l) in lines.iter().enumerate() {
                w.set(5, i + 1, 0, 0, l)?;
            }
            return Ok(());
        }
        let d = self.dtm(o, "valueDateTime");
        if !d.is_empty() {
            w.set(2, 0, 0, 0, if d.len() <= 8 { "DT" } else { "DTM" })?;
            return w.set(5, 0, 0, 0, &d);
        }
        if let Some(x @ Value::String(t)) = o.get("valueTime") {
            // FHIR time hh:mm:ss[.f] → TM hhmmss[.f].
            let b = t.as_bytes();
            let shaped = b.len() >= 8
                && b.get(2) == Some(&b':')
                && b.get(5) == Some(&b':')
                && [0, 1, 3, 4, 6, 7]
                    .iter()
                    .all(|&i| b.get(i).is_some_and(u8::is_ascii_digit))
                && (b.len() == 8
                    || (b.get(8) == Some(&b'.')
                        && b.len() > 9
                        && b.get(9..).is_some_and(|f| f.iter().all(u8::is_ascii_digit))));
            self.mark(x);
            if shaped {
                let tm: String = t.chars().filter(|c| *c != ':').collect();
                w.set(2, 0, 0, 0, "TM")?;
                return w.set(5, 0, 0, 0, &tm);
            }
            let p = self.path_of(x);
            self.report.push(p, ReportKind::InvalidValue);
            return Ok(());
        }
        if let Some(per) = Self::obj(o, "valuePeriod") {
            w.set(2, 0, 0, 0, "DR")?;
            w.set(5, 0, 1, 0, &self.dtm(per, "start"))?;
            return w.set(5, 0, 2, 0, &self.dtm(per, "end"));
        }
        let n = self.num(o, "valueInteger");
        if !n.is_empty() {
            w.set(2, 0, 0, 0, "NM")?;
            return w.set(5, 0, 0, 0, &n);
        }
        Ok(())
    }

    /// OBX-6 from a Quantity's unit/system/code.
    fn unit(&mut self, w: &mut SegW, q: &'a Value) -> Result<(), Error> {
        let unit = self.s(q, "unit");
        let code = self.s(q, "code");
        let sys = self.s(q, "system");
        if code.is_empty() {
            return w.set(6, 0, 1, 0, unit);
        }
        w.set(6, 0, 1, 0, code)?;
        if unit != code {
            w.set(6, 0, 2, 0, unit)?;
        }
        w.set(6, 0, 3, 0, &system_name(sys))
    }
}

fn nte(n: usize, text: &str, max_reps: usize) -> Result<SegW, Error> {
    let mut w = SegW::new("NTE");
    w.set(1, 0, 0, 0, &n.to_string())?;
    for (i, l) in text.splitn(max_reps, '\n').enumerate() {
        w.set(3, i + 1, 0, 0, l)?;
    }
    Ok(w)
}

fn push_key(path: &mut String, k: &str) {
    path.push('.');
    let ok =
        !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    path.push_str(if ok { k } else { "?" });
}

/// Reports every leaf of `v` that is not in `used`.
fn walk(v: &Value, used: &HashSet<usize>, path: &mut String, report: &mut Report) {
    let len = path.len();
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                push_key(path, k);
                walk(x, used, path, report);
                path.truncate(len);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let _ = write!(path, "[{i}]");
                walk(x, used, path, report);
                path.truncate(len);
            }
        }
        Value::Null => {}
        _ => {
            if !used.contains(&addr(v)) {
                report.push(path.clone(), ReportKind::NotMapped);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Value conversions
// ---------------------------------------------------------------------------------------

const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
const V2_0074: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";
const V2_0103: &str = "http://terminology.hl7.org/CodeSystem/v2-0103";
const V2_0004: &str = "http://terminology.hl7.org/CodeSystem/v2-0004";
const V2_0007: &str = "http://terminology.hl7.org/CodeSystem/v2-0007";
const V2_0018: &str = "http://terminology.hl7.org/CodeSystem/v2-0018";
const V2_0063: &str = "http://terminology.hl7.org/CodeSystem/v2-0063";
const V2_0131: &str = "http://terminology.hl7.org/CodeSystem/v2-0131";
const V3_ACTCODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const V3_PARTICIPATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
const V3_INTERPRETATION: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
const LOCATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/location-physical-type";
const ALLERGY_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";
const SUBSCRIBER_REL: &str = "http://terminology.hl7.org/CodeSystem/subscriber-relationship";
const DATA_ABSENT: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
const US_SSN: &str = "http://hl7.org/fhir/sid/us-ssn";
const V2_0052: &str = "http://terminology.hl7.org/CodeSystem/v2-0052";
const CLIA: &str = "urn:oid:2.16.840.1.113883.4.7";
const CDC_RACE: &str = "urn:oid:2.16.840.1.113883.6.238";
const NULL_FLAVOR: &str = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor";
const EXT_RACE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
const EXT_ETHNICITY: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity";
const EXT_ANALYSIS_TIME: &str =
    "http://hl7.org/fhir/StructureDefinition/observation-analysis-date-time";
const EXT_OBS_VALUE_R5: &str =
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value";
const EXT_MAIDEN: &str = "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName";
const EXT_RELIGION: &str = "http://hl7.org/fhir/StructureDefinition/patient-religion";
const EXT_BIRTHPLACE: &str = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace";
const EXT_BIRTHTIME: &str = "http://hl7.org/fhir/StructureDefinition/patient-birthTime";

/// The HL7 v2 coding-system name (table 0396) of a FHIR system URI; other URIs are
/// written as they are (the forward mapping accepts URIs as names).
fn system_name(uri: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    Cow::Borrowed(match uri {
        "http://loinc.org" => "LN",
        "http://snomed.info/sct" => "SCT",
        "http://hl7.org/fhir/sid/icd-10" => "I10",
        "http://www.cms.gov/Medicare/Coding/ICD10" => "I10P",
        "http://hl7.org/fhir/sid/icd-9-cm" => "I9C",
        "http://unitsofmeasure.org" => "UCUM",
        "http://www.nlm.nih.gov/research/umls/rxnorm" => "RXN",
        "http://www.ama-assn.org/go/cpt" => "C4",
        "http://hl7.org/fhir/sid/ndc" => "NDC",
        "http://hl7.org/fhir/sid/cvx" => "CVX",
        "urn:iso:std:iso:11073:10101" => "MDC",
        "http://dicom.nema.org/resources/ontology/DCM" => "DCM",
        "urn:oid:2.16.840.1.113883.6.285" => "HCPCS",
        _ => {
            if let Some(t) = uri.strip_prefix("http://terminology.hl7.org/CodeSystem/v2-") {
                if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
                    return Cow::Owned(format!("HL7{t}"));
                }
            }
            uri
        }
    })
}

/// HD.2/HD.3 from a URI: `urn:oid:X` → (X, ISO), `urn:uuid:X` → (X, UUID), another URI
/// → (URI, URI), anything else → nothing.
fn uri_hd(uri: &str) -> (&str, &'static str) {
    if let Some(oid) = uri.strip_prefix("urn:oid:") {
        (oid, "ISO")
    } else if let Some(u) = uri.strip_prefix("urn:uuid:") {
        (u, "UUID")
    } else if uri.contains(':') {
        (uri, "URI")
    } else {
        ("", "")
    }
}

/// Splits the forward mapping's telecom text `+cc (area) local ext. n` into XTN.5-8;
/// None when the text has another shape.
fn split_phone(v: &str) -> Option<(&str, &str, &str, &str)> {
    let mut rest = v;
    let mut cc = "";
    if let Some(r) = rest.strip_prefix('+') {
        let (c, r) = r.split_once(' ')?;
        cc = c;
        rest = r;
    }
    let mut area = "";
    if let Some(r) = rest.strip_prefix('(') {
        let (a, r) = r.split_once(") ")?;
        area = a;
        rest = r;
    }
    let (local, ext) = match rest.split_once(" ext. ") {
        Some((l, e)) => (l, e),
        None => (rest, ""),
    };
    let plain = |s: &str| !s.contains([' ', '(', ')', '+']);
    let shaped = !cc.is_empty() || !area.is_empty() || !ext.is_empty();
    (shaped && !local.is_empty() && plain(local) && plain(cc) && plain(area) && plain(ext))
        .then_some((cc, area, local, ext))
}

/// The PL parts (facility, point of care, room, bed) of the forward mapping's
/// Location.name (`facility building floor poc room bed`, empty parts left out) given
/// its physical type: the shapes that name can only have one way are split, any other
/// name is kept whole in PL.1.
fn split_location<'s>(name: &'s str, kind: &str) -> [&'s str; 4] {
    let t: Vec<&str> = name.split(' ').collect();
    match (kind, t.as_slice()) {
        ("bd", [p, r, b]) => ["", p, r, b],
        ("bd", [f, p, r, b]) => [f, p, r, b],
        ("ro", [p, r]) => ["", p, r, ""],
        ("ro", [f, p, r]) => [f, p, r, ""],
        ("wa", [p]) => ["", p, "", ""],
        ("wa", [f, p]) => [f, p, "", ""],
        ("si", [f]) => [f, "", "", ""],
        _ => ["", name, "", ""],
    }
}

/// FHIR date/dateTime/instant → HL7 DTM, keeping precision and offset (`Z` → `+0000`);
/// None unless every part is in range.
fn dtm(s: &str) -> Option<String> {
    let out = dtm_shape(s)?;
    let n = |r: std::ops::Range<usize>| out.get(r).and_then(|x| x.parse::<u32>().ok());
    let ok = |r: std::ops::Range<usize>, lo: u32, hi: u32| {
        out.len() < r.end || n(r).is_some_and(|v| (lo..=hi).contains(&v))
    };
    let offset_ok = match out.find(['+', '-']) {
        Some(i) => {
            n(i + 1..i + 3).is_some_and(|h| h <= 14) && n(i + 3..i + 5).is_some_and(|m| m < 60)
        }
        None => true,
    };
    (ok(4..6, 1, 12)
        && ok(6..8, 1, 31)
        && ok(8..10, 0, 23)
        && ok(10..12, 0, 59)
        && ok(12..14, 0, 60)
        && offset_ok)
        .then_some(out)
}

fn dtm_shape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<&str> {
        let x = b.get(r.clone())?;
        x.iter().all(u8::is_ascii_digit).then(|| s.get(r))?
    };
    let mut out = String::with_capacity(24);
    out.push_str(digits(0..4)?);
    let mut i = 4;
    for _ in 0..2 {
        if b.get(i) != Some(&b'-') {
            break;
        }
        out.push_str(digits(i + 1..i + 3)?);
        i += 3;
    }
    if b.get(i) == Some(&b'T') {
        if out.len() != 8 {
            return None;
        }
        out.push_str(digits(i + 1..i + 3)?);
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        out.push_str(digits(i + 4..i + 6)?);
        i += 6;
        if b.get(i) == Some(&b':') {
            out.push_str(digits(i + 1..i + 3)?);
            i += 3;
            if b.get(i) == Some(&b'.') {
                let n = b
                    .get(i + 1..)?
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if n == 0 {
                    return None;
                }
                out.push('.');
                out.push_str(s.get(i + 1..i + 1 + n.min(4))?);
                i += 1 + n;
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z') => {
                out.push_str("+0000");
                i += 1;
            }
            Some(&c @ (b'+' | b'-')) => {
                out.push(char::from(c));
                out.push_str(digits(i + 1..i + 3)?);
                if b.get(i + 3) != Some(&b':') {
                    return None;
                }
                out.push_str(digits(i + 4..i + 6)?);
                i += 6;
            }
            _ => return None,
        }
    }
    (i == b.len()).then_some(out)
}

/// The current UTC time as an HL7 DTM (seconds, `+0000`).
fn now_dtm() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    carewire_hl7::datatypes::dtm_utc(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtm_keeps_precision_and_offset() {
        assert_eq!(dtm("2024").as_deref(), Some("2024"));
        assert_eq!(dtm("2024-03").as_deref(), Some("202403"));
        assert_eq!(dtm("2024-03-15").as_deref(), Some("20240315"));
        assert_eq!(
            dtm("2024-03-15T08:30:00+01:00").as_deref(),
            Some("20240315083000+0100")
        );
        assert_eq!(
            dtm("2024-03-15T08:30:00.1234Z").as_deref(),
            Some("20240315083000.1234+0000")
        );
        for bad in [
            "1980-13",
            "1980-01-32",
            "2024-03-15T24:00:00Z",
            "2024-03-15T08:30:00+15:00",
            "",
            "24",
            "2024-3",
            "2024-03-15T",
            "2024-03-15T08",
            "x2024",
            "2024-03-15T08:30:00+0100",
        ] {
            assert_eq!(dtm(bad), None, "{bad}");
        }
    }

    #[test]
    fn phone_text_splits_back() {
        assert_eq!(
            split_phone("+1 (217) 5551234 ext. 12"),
            Some(("1", "217", "5551234", "12"))
        );
        assert_eq!(
            split_phone("(217) 5551234"),
            Some(("", "217", "5551234", ""))
        );
        assert_eq!(split_phone("5551234"), None);
        assert_eq!(split_phone("call (me) maybe"), None);
    }

    #[test]
    fn location_names_split_only_when_unambiguous() {
        assert_eq!(split_location("ICU 101 A", "bd"), ["", "ICU", "101", "A"]);
        assert_eq!(split_location("H ICU 101", "ro"), ["H", "ICU", "101", ""]);
        assert_eq!(split_location("a b c d e", "bd"), ["", "a b c d e", "", ""]);
    }

    #[test]
    fn now_is_a_dtm() {
        let n = now_dtm();
        assert_eq!(n.len(), 19);
        assert!(n.ends_with("+0000"));
    }
}
