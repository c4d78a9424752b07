//! De-identification of FHIR R4 JSON resources and Bundles (HIPAA Safe Harbor), with the
//! same keyed pseudonyms and per-patient date shifts as the HL7 v2 de-identification.
//!
//! [`deidentify`] edits a `serde_json::Value` in place; [`deidentify_json`] reads and
//! writes JSON text. Both take the HL7 v2 [`Deidentifier`] (key and policy: pseudonym
//! length, maximum date shift), so a value de-identified from HL7 v2 and from FHIR gets
//! the same pseudonym and the same shifted date under the same key. Of the [`Policy`]
//! only the pseudonym length and the maximum shift apply here: its field rules (and
//! [`Policy::year_only_dates`]) name HL7 v2 paths, and FHIR always uses the rules below.
//!
//! [`Policy`]: super::Policy
//! [`Policy::year_only_dates`]: super::Policy::year_only_dates
//!
//! ```
//! use carewire_mapping::deid::{fhir, DeidKey, Deidentifier, Policy};
//!
//! let patient = br#"{"resourceType":"Patient","id":"p1",
//!   "identifier":[{"system":"urn:oid:1.2.3","value":"MRN4471"}],
//!   "name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1980-02-14",
//!   "address":[{"line":["12 Elm St"],"city":"Boston","state":"MA","postalCode":"02139"}]}"#;
//! let deid = Deidentifier::new(DeidKey::new(b"a secret key of at least 16 bytes")?, Policy::safe_harbor());
//! let (out, report) = fhir::deidentify_json(&deid, patient)?;
//! assert!(!out.contains("Doe") && !out.contains("MRN4471") && !out.contains("1980-02-14"));
//! assert!(out.contains(&deid.pseudonym("MRN4471")));
//! assert!(out.contains("\"postalCode\":\"021\"") && out.contains("\"state\":\"MA\""));
//! assert!(report.changes().iter().any(|c| c.path == "Patient.name"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is done
//!
//! - Names (`name` holding HumanNames, `valueHumanName`), `telecom`, `valueContactPoint`
//!   and `photo` are removed.
//! - Addresses (`address`, `valueAddress`): `state`, `country`, `use` and `type` are
//!   kept; `postalCode` becomes its first three digits (`000` for the restricted areas,
//!   as in HL7 v2); `line`, `city`, `district`, `text` and `period` are removed.
//! - Identifiers (`identifier`, `valueIdentifier`, `subscriberId`): the value becomes
//!   its keyed pseudonym ([`Deidentifier::pseudonym`], the HL7 v2 CX.1 pseudonym);
//!   `system`, `type`, `use` and `assigner` are kept, `period` is removed. Social
//!   security numbers (system `http://hl7.org/fhir/sid/us-ssn` or type `SS`) are removed,
//!   as HL7 v2 removes PID-19. A DICOM study UID (`urn:dicom:uid`) and ImagingStudy
//!   `uid`s are remapped to `2.25.` UIDs exactly as the DICOM de-identification
//!   (`carewire_dicom_lite::deid`) remaps them under the same key.
//! - Dates: every string shaped like a FHIR date, dateTime or instant with at least a
//!   month moves by the patient's shift ([`Deidentifier::date_shift_days`] of the
//!   patient identifier HL7 v2 would use: the Patient's `MR` identifier, else its first,
//!   with `assigner.display` as the authority); precision, time and offset are kept; a
//!   year alone is kept. `birthDate` giving an age over 89 at the Bundle timestamp (else
//!   today) becomes the single year `reference year - 90`. A resource uses the shift of
//!   the Patient it names in `subject`, `patient` or `beneficiary` when that Patient is in
//!   the same Bundle, else the first Patient's; without a Patient, the key's default
//!   shift (as HL7 v2 without a PID identifier).
//! - Free text is removed: narratives (`text.div`), `note`, `comment`, `valueString`,
//!   `description`, `conclusion`, `patientInstruction`, the `display` of references
//!   (except an identifier's `assigner`) and `request.ifNoneExist` (a search by
//!   identifier).
//!   Coded text (`CodeableConcept.text`, `Coding.display`) is kept: it names codes, not
//!   people.
//! - Attachments: `data`, `url`, `title` and `hash` are removed (`contentType` and
//!   `language` kept).
//! - Resource ids, `fullUrl`s, references (`urn:uuid:`, `Type/id`, absolute URLs) and
//!   `request.url`s are remapped with a keyed HMAC into new UUIDs, consistently, so
//!   references still resolve: the deterministic ids of [`crate::fhir::resource_id`] are
//!   an unkeyed hash of identifiers and must not survive.
//!
//! Objects and arrays left empty are removed (FHIR forbids empty elements). The report
//! lists each change by JSON path (`Bundle.entry[1].resource.name`) and action, never a
//! value.
//!
//! # Limits
//!
//! The rules go by element name, so they reach extensions and resources this crate does
//! not write, but free text in elements not named above (a `Questionnaire` item's
//! `text`, a `string` extension other than `valueString`) is kept and needs review.
//! Organization and Location names are kept (they name institutions, not people).

use serde_json::{Map, Value};

use super::{
    aggregated_birth, civil_from_days, days_from_civil, days_in_month, today, zip3, Applied, Ctx,
    DateOut, DeidError, Deidentifier, Ymd,
};

/// One change: a JSON path and what was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FhirChange {
    /// Where, as a dotted JSON path from the root resource type:
    /// `Bundle.entry[0].resource.identifier[0].value`.
    pub path: String,
    /// What was done.
    pub action: Applied,
}

/// The changes made to one resource or Bundle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FhirDeidReport {
    changes: Vec<FhirChange>,
    patients: usize,
}

impl FhirDeidReport {
    /// Every change, in document order.
    pub fn changes(&self) -> &[FhirChange] {
        &self.changes
    }

    /// Number of changes with action `action`.
    pub fn count(&self, action: Applied) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// Number of Patient resources found (0: dates moved by the key's default shift).
    pub fn patients(&self) -> usize {
        self.patients
    }
}

/// De-identifies a FHIR JSON resource or Bundle given as text; returns compact JSON.
///
/// # Errors
/// [`DeidError::NotFhir`] when `input` is not a JSON object with a `resourceType`.
pub fn deidentify_json(
    deid: &Deidentifier,
    input: &[u8],
) -> Result<(String, FhirDeidReport), DeidError> {
    let mut v: Value = serde_json::from_slice(input).map_err(|_| DeidError::NotFhir)?;
    let report = deidentify(deid, &mut v)?;
    let text = serde_json::to_string(&v).map_err(|_| DeidError::NotFhir)?;
    Ok((text, report))
}

/// De-identifies a FHIR resource or Bundle in place (see the [module docs](self)).
///
/// # Errors
/// [`DeidError::NotFhir`] when `resource` is not an object with a string `resourceType`.
pub fn deidentify(deid: &Deidentifier, resource: &mut Value) -> Result<FhirDeidReport, DeidError> {
    let obj = resource.as_object_mut().ok_or(DeidError::NotFhir)?;
    let rtype = obj
        .get("resourceType")
        .and_then(Value::as_str)
        .ok_or(DeidError::NotFhir)?
        .to_string();
    let reference = obj
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_date)
        .filter(|(_, used)| *used == 8)
        .map(|(d, _)| d)
        .unwrap_or_else(today);
    let mut w = Walk {
        deid,
        uids: carewire_dicom_lite::deid::Deidentifier::new(
            &deid.key.0,
            carewire_dicom_lite::deid::DeidOptions::new(),
        ),
        patients: Vec::new(),
        default_shift: deid.date_shift_days(""),
        ctx: Ctx {
            shift: 0,
            reference,
        },
        report: FhirDeidReport::default(),
        path: rtype,
    };
    w.find_patients(obj);
    w.report.patients = w.patients.len();
    w.ctx.shift = w.default_shift;
    w.object(obj, "");
    prune(resource);
    Ok(w.report)
}

struct Walk<'a> {
    deid: &'a Deidentifier,
    uids: carewire_dicom_lite::deid::Deidentifier,
    /// (reference forms of a Patient: `urn:uuid:x`, `Patient/x`; its shift).
    patients: Vec<(Vec<String>, i64)>,
    default_shift: i64,
    ctx: Ctx,
    report: FhirDeidReport,
    path: String,
}

/// Keys whose value is removed whatever it holds.
const REMOVE: &[&str] = &[
    "note",
    "comment",
    "valueString",
    "description",
    "conclusion",
    "patientInstruction",
    "photo",
    "telecom",
    "valueContactPoint",
    "valueHumanName",
    "ifNoneExist",
];

impl Walk<'_> {
    fn change(&mut self, action: Applied) {
        self.report.changes.push(FhirChange {
            path: self.path.clone(),
            action,
        });
    }

    fn enter(&mut self, key: &str) -> usize {
        let n = self.path.len();
        self.path.push('.');
        self.path.push_str(key);
        n
    }

    fn enter_index(&mut self, i: usize) -> usize {
        let n = self.path.len();
        self.path.push('[');
        self.path.push_str(&i.to_string());
        self.path.push(']');
        n
    }

    /// The identifier HL7 v2 de-identification derives the date shift from.
    fn patient_shift(&self, patient: &Map<String, Value>) -> i64 {
        let ids = patient
            .get("identifier")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let usable = |i: &&Value| {
            i.get("value")
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty())
        };
        let is_mr = |i: &&Value| {
            i.pointer("/type/coding")
                .and_then(Value::as_array)
                .is_some_and(|c| {
                    c.iter()
                        .any(|c| c.get("code").and_then(Value::as_str) == Some("MR"))
                })
        };
        let chosen = ids
            .iter()
            .filter(usable)
            .find(is_mr)
            .or_else(|| ids.iter().find(usable));
        match chosen {
            Some(i) => {
                let value = i.get("value").and_then(Value::as_str).unwrap_or("");
                let authority = i
                    .pointer("/assigner/display")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                self.deid
                    .date_shift_days(&format!("{value}\u{1f}{authority}"))
            }
            None => self.default_shift,
        }
    }

    fn find_patients(&mut self, root: &Map<String, Value>) {
        let mut found = Vec::new();
        if root.get("resourceType").and_then(Value::as_str) == Some("Patient") {
            found.push((Vec::new(), self.patient_shift(root)));
        }
        for e in root
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(r) = e.get("resource").and_then(Value::as_object) else {
                continue;
            };
            if r.get("resourceType").and_then(Value::as_str) != Some("Patient") {
                continue;
            }
            let mut forms = Vec::new();
            if let Some(u) = e.get("fullUrl").and_then(Value::as_str) {
                forms.push(u.to_string());
            }
            if let Some(id) = r.get("id").and_then(Value::as_str) {
                forms.push(format!("Patient/{id}"));
            }
            found.push((forms, self.patient_shift(r)));
        }
        if let Some((_, s)) = found.first() {
            self.default_shift = *s;
        }
        self.patients = found;
    }

    fn shift_for(&self, resource: &Map<String, Value>) -> i64 {
        if resource.get("resourceType").and_then(Value::as_str) == Some("Patient") {
            return self.patient_shift(resource);
        }
        for k in ["subject", "patient", "beneficiary"] {
            let Some(r) = resource
                .get(k)
                .and_then(|v| v.get("reference"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            for (forms, shift) in &self.patients {
                if forms
                    .iter()
                    .any(|f| r == f || r.ends_with(&format!("/{f}")))
                {
                    return *shift;
                }
            }
        }
        self.default_shift
    }

    fn new_id(&self, old: &str) -> String {
        let mac = self.deid.key.mac(b"carewire-deid/fhir-id", old.as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(&mac[..16]);
        b[6] = (b[6] & 0x0f) | 0x80;
        b[8] = (b[8] & 0x3f) | 0x80;
        let mut s = String::with_capacity(36);
        for (i, byte) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            s.push(super::hex_digit(byte >> 4));
            s.push(super::hex_digit(byte & 15));
        }
        s
    }

    /// A reference, fullUrl or request URL with its id remapped (`#local` kept).
    fn remap_ref(&self, r: &str) -> Option<String> {
        if let Some(id) = r.strip_prefix("urn:uuid:") {
            return Some(format!("urn:uuid:{}", self.new_id(id)));
        }
        if let Some(oid) = r.strip_prefix("urn:oid:") {
            return Some(format!("urn:oid:{}", self.uids.remap_uid(oid)));
        }
        if let Some(local) = r.strip_prefix('#') {
            // A contained resource: its id is remapped like any other.
            return (!local.is_empty()).then(|| format!("#{}", self.new_id(local)));
        }
        if r.is_empty() {
            return None;
        }
        let (base, query) = match r.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (r, None),
        };
        let mut parts: Vec<&str> = base.split('/').collect();
        if let Some(h) = parts.iter().position(|p| *p == "_history") {
            parts.truncate(h);
        }
        let n = parts.len();
        if n >= 2 && parts[n - 2].starts_with(|c: char| c.is_ascii_uppercase()) {
            let id = self.new_id(parts[n - 1]);
            let mut out = parts[..n - 1].join("/");
            out.push('/');
            out.push_str(&id);
            return Some(out);
        }
        // A search URL (conditional reference) or something unknown: nothing of it can
        // be kept safely.
        let _ = query;
        Some(String::new())
    }

    /// Walks an object held by member `key` (`""` for the root).
    fn object(&mut self, obj: &mut Map<String, Value>, key: &str) {
        let is_resource = obj.contains_key("resourceType");
        let saved = self.ctx.shift;
        if is_resource && obj.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
            self.ctx.shift = self.shift_for(obj);
        }
        // A Reference's display (a logical or display-only reference names a person as
        // often as not); Coding display and an assigner's display (the authority) stay.
        let has_reference = key != "assigner"
            && obj.contains_key("display")
            && (obj.contains_key("reference")
                || !(obj.contains_key("code") || obj.contains_key("system")));
        let is_attachment = obj.contains_key("contentType") || obj.contains_key("data");
        let is_request = obj.contains_key("method") && obj.contains_key("url");
        let keys: Vec<String> = obj.keys().cloned().collect();
        for k in keys {
            let mark = self.enter(&k);
            let remove = match obj.get_mut(&k) {
                Some(v) => {
                    self.member(&k, v, is_resource, has_reference, is_attachment, is_request)
                }
                None => None,
            };
            if let Some(action) = remove {
                obj.remove(&k);
                self.change(action);
            }
            self.path.truncate(mark);
        }
        self.ctx.shift = saved;
    }

    /// Handles one member; `Some(action)` when it is to be removed (and reported so).
    fn member(
        &mut self,
        k: &str,
        v: &mut Value,
        is_resource: bool,
        has_reference: bool,
        is_attachment: bool,
        is_request: bool,
    ) -> Option<Applied> {
        const GONE: Option<Applied> = Some(Applied::Removed);
        match k {
            _ if REMOVE.contains(&k) => return GONE,
            "text" if v.get("div").is_some() => return GONE,
            "name" if !v.is_string() => return GONE,
            "display" if has_reference => return GONE,
            "data" | "url" | "title" | "hash" if is_attachment => return GONE,
            "address" | "valueAddress" => {
                self.each(v, |w, a| w.address(a));
                return None;
            }
            "identifier" | "valueIdentifier" => {
                if let Value::Array(items) = v {
                    let mut kept = Vec::with_capacity(items.len());
                    for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
                        let mark = self.enter_index(i);
                        if self.identifier(&mut item) {
                            self.change(Applied::Removed);
                        } else {
                            kept.push(item);
                        }
                        self.path.truncate(mark);
                    }
                    *items = kept;
                    return None;
                }
                return self.identifier(v).then_some(Applied::Removed);
            }
            "subscriberId" => {
                if let Some(s) = v.as_str() {
                    *v = Value::String(self.deid.pseudonym(s));
                    self.change(Applied::Hashed);
                }
                return None;
            }
            "id" if is_resource => {
                if let Some(s) = v.as_str() {
                    *v = Value::String(self.new_id(s));
                    self.change(Applied::Remapped);
                }
                return None;
            }
            "fullUrl" | "reference" => return self.remap_string(v),
            "url" if is_request => return self.remap_string(v),
            "uid" => {
                if let Some(s) = v.as_str() {
                    *v = Value::String(self.uids.remap_uid(s));
                    self.change(Applied::Remapped);
                }
                return None;
            }
            "birthDate" => {
                if let Some(s) = v.as_str().map(str::to_owned) {
                    return self.birth_date(&s, v);
                }
                return None;
            }
            _ => {}
        }
        match v {
            Value::String(s) => {
                let s = s.clone();
                self.date_string(&s, v)
            }
            Value::Object(o) => {
                self.object(o, k);
                None
            }
            Value::Array(a) => {
                for (i, item) in a.iter_mut().enumerate() {
                    let mark = self.enter_index(i);
                    match item {
                        Value::Object(o) => self.object(o, k),
                        Value::String(s) => {
                            let s = s.clone();
                            if let Some(action) = self.date_string(&s, item) {
                                *item = Value::Null;
                                self.change(action);
                            }
                        }
                        _ => {}
                    }
                    self.path.truncate(mark);
                }
                a.retain(|x| !x.is_null());
                None
            }
            _ => None,
        }
    }

    fn each(&mut self, v: &mut Value, mut f: impl FnMut(&mut Self, &mut Map<String, Value>)) {
        match v {
            Value::Array(a) => {
                for (i, item) in a.iter_mut().enumerate() {
                    if let Some(o) = item.as_object_mut() {
                        let mark = self.enter_index(i);
                        f(self, o);
                        self.path.truncate(mark);
                    }
                }
            }
            Value::Object(o) => f(self, o),
            _ => {}
        }
    }

    fn remap_string(&mut self, v: &mut Value) -> Option<Applied> {
        let s = v.as_str()?;
        match self.remap_ref(s) {
            Some(n) if n.is_empty() => Some(Applied::Removed),
            Some(n) => {
                *v = Value::String(n);
                self.change(Applied::Remapped);
                None
            }
            None => None,
        }
    }

    fn address(&mut self, a: &mut Map<String, Value>) {
        for k in ["line", "city", "district", "text", "period"] {
            if a.remove(k).is_some() {
                let mark = self.enter(k);
                self.change(Applied::Removed);
                self.path.truncate(mark);
            }
        }
        if let Some(pc) = a.get("postalCode").and_then(Value::as_str) {
            let z = zip3(pc);
            let mark = self.enter("postalCode");
            if z.is_empty() {
                a.remove("postalCode");
                self.change(Applied::Removed);
            } else {
                a.insert("postalCode".into(), Value::String(z));
                self.change(Applied::ZipTruncated);
            }
            self.path.truncate(mark);
        }
        // Anything else in an address (extensions) goes through the general rules.
        let keys: Vec<String> = a
            .keys()
            .filter(|k| {
                !matches!(
                    k.as_str(),
                    "use" | "type" | "state" | "country" | "postalCode"
                )
            })
            .cloned()
            .collect();
        for k in keys {
            let mark = self.enter(&k);
            let remove = match a.get_mut(&k) {
                Some(v) => self.member(&k, v, false, false, false, false),
                None => None,
            };
            if let Some(action) = remove {
                a.remove(&k);
                self.change(action);
            }
            self.path.truncate(mark);
        }
    }

    /// One Identifier; returns true when it is to be removed entirely (SSN).
    fn identifier(&mut self, v: &mut Value) -> bool {
        let Some(o) = v.as_object_mut() else {
            return false;
        };
        let system = o
            .get("system")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let is_ssn = system == "http://hl7.org/fhir/sid/us-ssn"
            || o.get("type")
                .and_then(|t| t.get("coding"))
                .and_then(Value::as_array)
                .is_some_and(|c| {
                    c.iter()
                        .any(|c| c.get("code").and_then(Value::as_str) == Some("SS"))
                });
        if is_ssn {
            return true;
        }
        if let Some(val) = o.get("value").and_then(Value::as_str) {
            let mark = self.enter("value");
            let new = match val.strip_prefix("urn:oid:") {
                Some(uid) if system == "urn:dicom:uid" => {
                    self.change(Applied::Remapped);
                    format!("urn:oid:{}", self.uids.remap_uid(uid))
                }
                _ => {
                    self.change(Applied::Hashed);
                    self.deid.pseudonym(val)
                }
            };
            o.insert("value".into(), Value::String(new));
            self.path.truncate(mark);
        }
        if o.remove("period").is_some() {
            let mark = self.enter("period");
            self.change(Applied::Removed);
            self.path.truncate(mark);
        }
        for k in ["assigner", "extension"] {
            if let Some(Value::Object(a)) = o.get_mut(k) {
                let mark = self.enter(k);
                self.object(a, k);
                self.path.truncate(mark);
            }
        }
        false
    }

    fn birth_date(&mut self, s: &str, v: &mut Value) -> Option<Applied> {
        let Some((date, used)) = parse_date(s) else {
            return Some(Applied::UnreadableDateRemoved);
        };
        if let Some(DateOut::Aggregated(y)) = aggregated_birth(date, used, &self.ctx) {
            *v = Value::String(String::from_utf8_lossy(&y).into_owned());
            self.change(Applied::AgeAggregated);
            return None;
        }
        if used == 4 {
            return None;
        }
        self.date_string(s, v)
    }

    /// Shifts `s` when it is a FHIR date/dateTime/instant with at least a month;
    /// `Some` when it is to be removed (a date that does not read or leaves the year
    /// range).
    fn date_string(&mut self, s: &str, v: &mut Value) -> Option<Applied> {
        if !looks_like_date(s) {
            return None;
        }
        let Some((date, used)) = parse_date(s) else {
            return Some(Applied::UnreadableDateRemoved);
        };
        let shifted = match used {
            6 => civil_from_days(days_from_civil(date.y, date.m, 15) + self.ctx.shift),
            _ => civil_from_days(days_from_civil(date.y, date.m, date.d) + self.ctx.shift),
        };
        if !(1..=9999).contains(&shifted.y) {
            return Some(Applied::UnreadableDateRemoved);
        }
        let mut out = if used == 6 {
            format!("{:04}-{:02}", shifted.y, shifted.m)
        } else {
            format!("{:04}-{:02}-{:02}", shifted.y, shifted.m, shifted.d)
        };
        let consumed = if used == 6 { 7 } else { 10 };
        out.push_str(s.get(consumed..).unwrap_or(""));
        *v = Value::String(out);
        self.change(Applied::DateShifted);
        None
    }
}

/// `YYYY-MM…` followed by `-DD` and an optional `T…` time: the shape of a FHIR date,
/// dateTime or instant with at least a month (values are not validated here).
fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if !(digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7)) {
        return false;
    }
    match b.len() {
        7 => true,
        10 => b.get(7) == Some(&b'-') && digits(8..10),
        _ => {
            b.get(7) == Some(&b'-')
                && digits(8..10)
                && b.get(10) == Some(&b'T')
                && b[11..]
                    .iter()
                    .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b'+' | b'-' | b'Z'))
        }
    }
}

/// Reads the date part of a FHIR date/dateTime: (date, digits used 4/6/8 as HL7 v2).
fn parse_date(s: &str) -> Option<(Ymd, usize)> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let x = b.get(r)?;
        if x.is_empty() || !x.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(x).ok()?.parse().ok()
    };
    let y = num(0..4)?;
    if b.len() == 4 {
        return Some((Ymd { y, m: 1, d: 1 }, 4));
    }
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let m = u32::try_from(num(5..7)?)
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    if b.len() == 7 {
        return Some((Ymd { y, m, d: 1 }, 6));
    }
    if b.get(7) != Some(&b'-') {
        return None;
    }
    let d = u32::try_from(num(8..10)?).ok()?;
    if d < 1 || d > days_in_month(y, m) {
        return None;
    }
    if b.len() > 10 && b.get(10) != Some(&b'T') {
        return None;
    }
    Some((Ymd { y, m, d }, 8))
}

/// Removes objects, arrays and strings left empty (FHIR forbids empty elements).
fn prune(v: &mut Value) -> bool {
    match v {
        Value::Object(o) => {
            o.retain(|_, x| !prune(x));
            o.is_empty()
        }
        Value::Array(a) => {
            a.retain_mut(|x| !prune(x));
            a.is_empty()
        }
        Value::String(s) => s.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_shapes() {
        assert!(looks_like_date("2024-01-31"));
        assert!(looks_like_date("2024-01"));
        assert!(looks_like_date("2024-01-31T10:00:00+01:00"));
        assert!(!looks_like_date("2024"));
        assert!(!looks_like_date("2024-01-31 x"));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("2024-02-29T10:00:00Z").map(|d| d.1), Some(8));
    }
}
