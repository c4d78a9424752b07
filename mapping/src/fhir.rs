//! The FHIR R4 JSON output model and the mapping report.
//!
//! # Design
//!
//! Conversions write JSON directly: there is no intermediate `serde_json::Value` tree.
//! A [`BundleBuilder`] owns one text arena; each resource is written into it with a
//! [`Json`] writer (escape-correct, commas handled, empty objects and arrays removed as
//! FHIR requires: an element is either absent or has content), and
//! [`BundleBuilder::finish`] copies the resources into the Bundle text in one pass. A
//! conversion therefore allocates the arena, the output and a few small bookkeeping
//! vectors — about twice the output size.
//!
//! # Resource ids and references
//!
//! Ids are deterministic: [`resource_id`] hashes the resource type and a business key
//! (for a Patient the first identifier's system and value, for an Observation the
//! filler order number and the OBX set id, …) with two 64-bit FNV-1a hashes
//! (offset bases `0xcbf29ce484222325` and `0x84222325cbf29ce4`, prime `0x100000001b3`)
//! and formats the 128 bits as a UUID (version nibble 8, "custom", RFC 9562 §5.8). The same
//! input gives the same ids on every run, machine and version of this crate (a change of
//! the hash would be a breaking change). Each entry has `fullUrl = urn:uuid:<id>`, the
//! resource's `id` is the same `<id>`, and references are written as `urn:uuid:<id>`, so
//! they resolve inside every Bundle type. Resources with the same type and key are
//! written once ([`BundleBuilder::contains`]): the practitioner named in PV1-7, ORC-12
//! and OBR-16 becomes one Practitioner.
//!
//! Bundle types ([`BundleType`]): `message` (a MessageHeader, built from MSH, is the
//! first entry and `Bundle.timestamp` comes from MSH-7), `transaction` and `batch`
//! (each entry has `request { method: PUT, url: Type/id }`, an idempotent upsert).
//!
//! # Times
//!
//! HL7 TS/DTM values keep their precision (year, month, day, …, fractional seconds).
//! FHIR R4 `dateTime` has two rules HL7 does not: a value with a time must carry a UTC
//! offset, and a time must have seconds (regex `T([01][0-9]|2[0-3]):[0-5][0-9]:…`). So:
//! - a value with hours or minutes but no seconds is padded with `:00` (`202401011230`
//!   → `2024-01-01T12:30:00…`). This does not change the instant, only its stated
//!   precision; it is documented here and not reported;
//! - a value with a time but no offset follows the [`TzPolicy`]: [`TzPolicy::Error`]
//!   fails the conversion, [`TzPolicy::AssumeOffset`] appends the given offset,
//!   [`TzPolicy::DateOnly`] keeps the date and drops the time (reported as
//!   [`ReportKind::PrecisionReduced`]).
//!
//! `instant` (Bundle.timestamp, Provenance.recorded) needs seconds and an offset; a
//! value with less than day precision cannot become an instant and is reported.
//!
//! # The report
//!
//! Every conversion returns a [`Report`]: each non-empty v2 field, component or
//! repetition that was not mapped, each unknown code, each value that could not be
//! converted — by location (`PID-11[2].4`) and reason, never by value. With
//! [`MapConfig::strict`] any report item turns the conversion into an
//! [`ErrorKind::Strict`] error.

use std::collections::HashSet;
use std::fmt;

use carewire_hl7::datatypes::{DateTime, Precision};

// ---------------------------------------------------------------------------------------
// Configuration and errors
// ---------------------------------------------------------------------------------------

/// What to do with a date/time that has a time of day but no UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TzPolicy {
    /// Fail the conversion ([`ErrorKind::MissingOffset`]).
    #[default]
    Error,
    /// Assume this offset, in minutes east of UTC (`-720..=840`), e.g. `-300` for -05:00.
    AssumeOffset(i16),
    /// Keep only the date (reported as [`ReportKind::PrecisionReduced`]).
    DateOnly,
}

impl TzPolicy {
    /// Parses `+HH:MM`/`-HH:MM` (also `+HHMM`, `Z`) into [`TzPolicy::AssumeOffset`].
    pub fn parse_offset(s: &str) -> Option<TzPolicy> {
        let b = s.as_bytes();
        if b == b"Z" {
            return Some(TzPolicy::AssumeOffset(0));
        }
        let sign: i16 = match b.first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let digits: Vec<u8> = b[1..].iter().copied().filter(|c| *c != b':').collect();
        if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) || b.len() > 6 {
            return None;
        }
        let d = |i: usize| i16::from(digits[i] - b'0');
        let (h, m) = (d(0) * 10 + d(1), d(2) * 10 + d(3));
        let total = sign * (h * 60 + m);
        (m < 60 && (-720..=840).contains(&total)).then_some(TzPolicy::AssumeOffset(total))
    }
}

/// The FHIR Bundle type to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BundleType {
    /// `message`: MessageHeader first (from MSH).
    #[default]
    Message,
    /// `transaction`: every entry has a `PUT Type/id` request.
    Transaction,
    /// `batch`: as transaction, processed independently by the server.
    Batch,
}

impl BundleType {
    fn code(self) -> &'static str {
        match self {
            BundleType::Message => "message",
            BundleType::Transaction => "transaction",
            BundleType::Batch => "batch",
        }
    }
}

/// Conversion settings.
#[derive(Clone, Copy, Debug, Default)]
pub struct MapConfig {
    /// Time-zone policy for TS/DTM values without an offset.
    pub tz: TzPolicy,
    /// Bundle type.
    pub bundle_type: BundleType,
    /// Turn any report item into an error.
    pub strict: bool,
}

impl MapConfig {
    /// Default settings with `tz`.
    pub fn with_tz(tz: TzPolicy) -> MapConfig {
        MapConfig {
            tz,
            ..MapConfig::default()
        }
    }
}

/// What went wrong in a conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not a parseable HL7 v2 message.
    Parse,
    /// The message type is not supported.
    UnsupportedMessage,
    /// A required segment is missing.
    MissingSegment,
    /// A date/time with a time of day has no offset and the policy is [`TzPolicy::Error`].
    MissingOffset,
    /// Strict mode and the report is not empty (the first item's kind is kept).
    Strict(ReportKind),
    /// (FHIR → v2) The input is not JSON, or nests too deeply.
    InvalidJson,
    /// (FHIR → v2) The JSON is not a FHIR Bundle.
    NotABundle,
    /// (FHIR → v2) The input is longer than the configured limit.
    TooLarge,
    /// (FHIR → v2) A resource the message needs (Patient, DiagnosticReport) is missing.
    MissingResource,
    /// (FHIR → v2) A value could not be written into the HL7 v2 message.
    Unwritable,
    /// A FHIR ConceptMap could not be loaded (location: a JSON path).
    InvalidConceptMap,
}

/// A conversion error: a kind and a location (`PID-7`, `MSH-9`), never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    location: String,
}

impl Error {
    /// A new error.
    pub fn new(kind: ErrorKind, location: impl Into<String>) -> Error {
        Error {
            kind,
            location: location.into(),
        }
    }
    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// Where (`PID-7`), or empty.
    pub fn location(&self) -> &str {
        &self.location
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::Parse => "message does not parse",
            ErrorKind::UnsupportedMessage => "unsupported message type",
            ErrorKind::MissingSegment => "required segment missing",
            ErrorKind::MissingOffset => "date/time has a time but no utc offset",
            ErrorKind::InvalidConceptMap => "invalid conceptmap",
            ErrorKind::Strict(k) => return write!(f, "strict mode: {} at {}", k, self.location),
            ErrorKind::InvalidJson => "input is not valid json",
            ErrorKind::NotABundle => "input is not a fhir bundle",
            ErrorKind::TooLarge => "input is larger than the limit",
            ErrorKind::MissingResource => "required resource missing",
            ErrorKind::Unwritable => "value cannot be written to hl7 v2",
        };
        if self.location.is_empty() {
            f.write_str(what)
        } else {
            write!(f, "{what} at {}", self.location)
        }
    }
}

impl std::error::Error for Error {}

// ---------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------

/// Why a report item exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReportKind {
    /// A non-empty field, component or subcomponent that no mapping consumed.
    NotMapped,
    /// A whole segment that no mapping consumed (Z-segments, unsupported segments).
    SegmentNotMapped,
    /// A repetition beyond what the FHIR element can hold (e.g. a second PID-7).
    TruncatedRepetition,
    /// A code not in the table the mapping uses (the table id, e.g. `0001`).
    UnknownCode(&'static str),
    /// A value that could not be converted (bad date, bad number).
    InvalidValue,
    /// A value written with less precision than sent (time dropped by `DateOnly`).
    PrecisionReduced,
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportKind::NotMapped => f.write_str("not mapped"),
            ReportKind::SegmentNotMapped => f.write_str("segment not mapped"),
            ReportKind::TruncatedRepetition => f.write_str("repetition truncated"),
            ReportKind::UnknownCode(t) => write!(f, "unknown code in table {t}"),
            ReportKind::InvalidValue => f.write_str("invalid value"),
            ReportKind::PrecisionReduced => f.write_str("precision reduced"),
        }
    }
}

/// One report item: a location and a reason. Never holds a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportItem {
    /// Where, in HL7 path syntax: `PID-11[2].4`, `ZPI`, `OBX[3]-5` for the third OBX.
    pub location: String,
    /// Why.
    pub kind: ReportKind,
}

impl fmt::Display for ReportItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.kind)
    }
}

/// Everything a conversion could not map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    items: Vec<ReportItem>,
}

impl Report {
    /// The items, in message order.
    pub fn items(&self) -> &[ReportItem] {
        &self.items
    }
    /// True when everything was mapped.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Adds an item.
    pub fn push(&mut self, location: impl Into<String>, kind: ReportKind) {
        self.items.push(ReportItem {
            location: location.into(),
            kind,
        });
    }
    /// True when an item with this exact location exists.
    pub fn contains(&self, location: &str) -> bool {
        self.items.iter().any(|i| i.location == location)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in &self.items {
            writeln!(f, "{i}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// JSON writer
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Frame {
    /// Arena length before the container's key/comma: the rollback point.
    rollback: usize,
    /// Whether the parent had no member yet before this container.
    parent_first: bool,
    /// The closing bracket.
    close: char,
}

/// A streaming JSON writer over a `String`.
///
/// Members with empty string values are skipped, and objects/arrays that end with no
/// member are removed together with their key (FHIR: elements are absent or have
/// content). Strings are trimmed (FHIR strings have no leading/trailing whitespace) and
/// escaped per RFC 8259.
pub struct Json<'a> {
    out: &'a mut String,
    stack: Stack<'a>,
    first: bool,
}

/// The writer's container stack: its own, or one lent by a [`BundleBuilder`] so that
/// writing many resources allocates it once.
enum Stack<'a> {
    Owned(Vec<Frame>),
    Lent(&'a mut Vec<Frame>),
}

impl Stack<'_> {
    fn get(&mut self) -> &mut Vec<Frame> {
        match self {
            Stack::Owned(v) => v,
            Stack::Lent(v) => v,
        }
    }
}

impl<'a> Json<'a> {
    /// A writer appending to `out`, positioned inside an object that already has
    /// members when `has_members` is true.
    pub fn new(out: &'a mut String, has_members: bool) -> Json<'a> {
        Json {
            out,
            stack: Stack::Owned(Vec::new()),
            first: !has_members,
        }
    }

    fn lent(out: &'a mut String, stack: &'a mut Vec<Frame>) -> Json<'a> {
        stack.clear();
        Json {
            out,
            stack: Stack::Lent(stack),
            first: false,
        }
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }

    fn key(&mut self, key: Option<&str>) {
        self.sep();
        if let Some(k) = key {
            self.out.push('"');
            self.out.push_str(k);
            self.out.push_str("\":");
        }
    }

    fn open(&mut self, key: Option<&str>, c: char) {
        let frame = Frame {
            rollback: self.out.len(),
            parent_first: self.first,
            close: if c == '{' { '}' } else { ']' },
        };
        self.key(key);
        self.out.push(c);
        self.stack.get().push(frame);
        self.first = true;
    }

    fn close(&mut self, c: char) {
        let Some(frame) = self.stack.get().pop() else {
            return;
        };
        if self.first {
            // Nothing was written inside: remove the container and its key.
            self.out.truncate(frame.rollback);
            self.first = frame.parent_first;
        } else {
            self.out.push(c);
            self.first = false;
        }
    }

    /// Number of open containers.
    pub(crate) fn depth(&mut self) -> usize {
        self.stack.get().len()
    }

    /// Closes containers until `depth` are open.
    pub(crate) fn close_to(&mut self, depth: usize) {
        while self.depth() > depth {
            let c = self.stack.get().last().map_or('}', |f| f.close);
            self.close(c);
        }
    }

    /// Closes every open container.
    pub(crate) fn close_all(&mut self) {
        self.close_to(0);
    }

    /// Removes the innermost container and everything written in it.
    pub(crate) fn abandon(&mut self) {
        if let Some(frame) = self.stack.get().pop() {
            self.out.truncate(frame.rollback);
            self.first = frame.parent_first;
        }
    }

    /// Opens an object (member `key`, or an array item when `None`).
    pub fn obj(&mut self, key: Option<&str>) {
        self.open(key, '{');
    }
    /// Closes the innermost object.
    pub fn end_obj(&mut self) {
        self.close('}');
    }
    /// Opens an array.
    pub fn arr(&mut self, key: Option<&str>) {
        self.open(key, '[');
    }
    /// Closes the innermost array.
    pub fn end_arr(&mut self) {
        self.close(']');
    }

    /// A string member (skipped when empty after trimming).
    pub fn str(&mut self, key: Option<&str>, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        self.key(key);
        escape_into(self.out, v);
    }

    /// A member whose value is already JSON (a number, `true`).
    pub fn raw(&mut self, key: Option<&str>, json: &str) {
        if json.is_empty() {
            return;
        }
        self.key(key);
        self.out.push_str(json);
    }

    /// A string member written from pieces (no trimming; skipped when all are empty).
    pub fn concat(&mut self, key: Option<&str>, parts: &[&str]) {
        if parts.iter().all(|p| p.is_empty()) {
            return;
        }
        self.key(key);
        self.out.push('"');
        for p in parts {
            escape_body(self.out, p);
        }
        self.out.push('"');
    }

    /// A reference member `{ "reference": "urn:uuid:<id>" }`.
    pub fn reference(&mut self, key: Option<&str>, id: &ResourceId) {
        self.obj(key);
        self.key(Some("reference"));
        self.out.push_str("\"urn:uuid:");
        id.push_to(self.out);
        self.out.push('"');
        self.end_obj();
    }

    /// A CodeableConcept with one coding, `{ "coding": [ <coding> ] }` (member `key`,
    /// or an array item when `None`; skipped when the coding is).
    pub fn concept(&mut self, key: Option<&str>, system: &str, code: &str, display: &str) {
        self.obj(key);
        self.arr(Some("coding"));
        self.coding(system, code, display);
        self.end_arr();
        self.end_obj();
    }

    /// A coding object (skipped when code and display are empty).
    pub fn coding(&mut self, system: &str, code: &str, display: &str) {
        self.obj(None);
        if !code.trim().is_empty() || !display.trim().is_empty() {
            self.str(Some("system"), system);
        }
        self.str(Some("code"), code);
        self.str(Some("display"), display);
        self.end_obj();
    }
}

/// Appends `s` as a JSON string literal.
pub fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    escape_body(out, s);
    out.push('"');
}

fn escape_body(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

// ---------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------

/// A deterministic resource id: a UUID-formatted 128-bit hash (36 ASCII characters).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceId([u8; 36]);

impl ResourceId {
    /// The id text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The 128 bits behind the text (the set key: 16 bytes instead of 36).
    fn bits(&self) -> u128 {
        self.0
            .iter()
            .filter(|&&c| c != b'-')
            .fold(0u128, |acc, &c| {
                let v = match c {
                    b'0'..=b'9' => c - b'0',
                    _ => c.wrapping_sub(b'a').wrapping_add(10) & 15,
                };
                (acc << 4) | u128::from(v)
            })
    }

    /// Appends the id to `out` (ASCII by construction: no UTF-8 check).
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

/// Hasher for [`ResourceId`] keys ([`ResourceId::bits`]): the id already is a hash, so
/// its bits are used as they are (no SipHash round per lookup).
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(16) {
            self.0 = self.0.rotate_left(5) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = (v as u64) ^ ((v >> 64) as u64);
    }
}

type IdSet = HashSet<u128, std::hash::BuildHasherDefault<IdHasher>>;

impl fmt::Debug for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceId({})", self.as_str())
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[cfg(test)]
fn fnv(mut h: u64, parts: &[&str]) -> u64 {
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            // A unit separator between parts, so ("ab","c") differs from ("a","bc").
            h ^= 0x1f;
            h = h.wrapping_mul(FNV_PRIME);
        }
        for &b in p.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// The deterministic id of a resource of type `rtype` with business key `key` (parts
/// are separated before hashing). See the module docs for the hash.
pub fn resource_id(rtype: &str, key: &[&str]) -> ResourceId {
    // Both hashes in one pass (the same values as `fnv` run twice).
    let (mut a, mut b) = (0xcbf2_9ce4_8422_2325_u64, 0x8422_2325_cbf2_9ce4_u64);
    let mut step = |x: u8| {
        a = (a ^ u64::from(x)).wrapping_mul(FNV_PRIME);
        b = (b ^ u64::from(x)).wrapping_mul(FNV_PRIME);
    };
    rtype.bytes().for_each(&mut step);
    step(0x1f);
    for (i, p) in key.iter().enumerate() {
        if i > 0 {
            step(0x1f);
        }
        p.bytes().for_each(&mut step);
    }
    format_id(a, b)
}

/// The UUID text of the two hashes (version and variant bits set).
fn format_id(a: u64, b: u64) -> ResourceId {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8 (custom)
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'-'; 36];
    let mut j = 0;
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            j += 1;
        }
        out[j] = HEX[usize::from(byte >> 4)];
        out[j + 1] = HEX[usize::from(byte & 15)];
        j += 2;
    }
    ResourceId(out)
}

/// A URI for an assigning authority's universal id of type `uid_type` (HL7 HD.2/HD.3,
/// DICOM Universal Entity ID (0040,0032) / Type (0040,0033)): `urn:oid:` for ISO,
/// `urn:uuid:` for UUID, the id itself when it already is a URI; otherwise none.
///
/// # Examples
/// ```
/// use carewire_mapping::fhir::hd_uri;
/// assert_eq!(hd_uri("1.2.3", "ISO").as_deref(), Some("urn:oid:1.2.3"));
/// assert_eq!(hd_uri("HOSP", "L"), None);
/// ```
pub fn hd_uri(uid: &str, uid_type: &str) -> Option<String> {
    if uid.is_empty() {
        return None;
    }
    Some(match uid_type {
        "ISO" => format!("urn:oid:{uid}"),
        "UUID" => format!("urn:uuid:{uid}"),
        _ if uid.contains(':') => uid.to_string(),
        _ => return None,
    })
}

/// The key system of an assigning authority: [`hd_uri`] of the universal id when there
/// is one, else the namespace id (HD.1, DICOM Issuer of Patient ID (0010,0021)).
pub fn authority_key(namespace: &str, uid: &str, uid_type: &str) -> String {
    hd_uri(uid, uid_type).unwrap_or_else(|| namespace.to_string())
}

/// The deterministic id of the Patient with identifier `value` under the authority
/// whose key is `authority` ([`authority_key`]). HL7 v2 (the first PID-3 repetition)
/// and DICOM (Patient ID + Issuer of Patient ID) both use it, so the same patient gets
/// the same id from either source.
///
/// # Examples
/// ```
/// use carewire_mapping::fhir::{authority_key, patient_id};
/// let a = patient_id(&authority_key("HOSP", "", ""), "MRN1");
/// assert_eq!(a, patient_id("HOSP", "MRN1"));
/// ```
pub fn patient_id(authority: &str, value: &str) -> ResourceId {
    resource_id("Patient", &[authority, value])
}

// ---------------------------------------------------------------------------------------
// Bundle builder
// ---------------------------------------------------------------------------------------

/// Writes a Bundle into one `String`: the Bundle header first, then each resource
/// wrapped in its entry as it is added (deduplicated by id), then the closing brackets.
///
/// The MessageHeader of a `message` Bundle must be the first entry but is usually
/// written last (its `focus` names the other resources); [`BundleBuilder::finish`] moves
/// it to the front with an in-place rotation, so the output is written once and never
/// copied.
pub struct BundleBuilder {
    out: String,
    bundle_type: BundleType,
    seen: IdSet,
    stack: Vec<Frame>,
    entries_start: usize,
    count: usize,
    open: Option<(&'static str, ResourceId, u128, usize)>,
    header: Option<(usize, usize)>,
}

impl BundleBuilder {
    /// Starts a Bundle of `bundle_type` with `Bundle.id = id`; `timestamp` (an instant)
    /// and `identifier` (`Bundle.identifier.value`, e.g. MSH-10) are written when not
    /// empty. `capacity` is the expected output size in bytes.
    pub fn new(
        bundle_type: BundleType,
        id: &ResourceId,
        timestamp: &str,
        identifier: &str,
        capacity: usize,
    ) -> BundleBuilder {
        let mut out = String::with_capacity(capacity.max(256));
        out.push_str("{\"resourceType\":\"Bundle\",\"id\":\"");
        id.push_to(&mut out);
        out.push_str("\",\"type\":\"");
        out.push_str(bundle_type.code());
        out.push('"');
        if !identifier.trim().is_empty() {
            out.push_str(",\"identifier\":{\"value\":");
            escape_into(&mut out, identifier.trim());
            out.push('}');
        }
        if !timestamp.is_empty() {
            out.push_str(",\"timestamp\":");
            escape_into(&mut out, timestamp);
        }
        out.push_str(",\"entry\":[");
        let entries_start = out.len();
        BundleBuilder {
            out,
            bundle_type,
            // About one resource per 512 bytes of Bundle JSON.
            seen: IdSet::with_capacity_and_hasher(
                (capacity / 512).clamp(8, 4096),
                Default::default(),
            ),
            stack: Vec::with_capacity(16),
            entries_start,
            count: 0,
            open: None,
            header: None,
        }
    }

    /// True when a resource with this id has been added.
    pub fn contains(&self, id: &ResourceId) -> bool {
        self.seen.contains(&id.bits())
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when there is no resource.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Starts a resource: returns a writer positioned inside the resource object after
    /// `resourceType` and `id`; call [`BundleBuilder::end`] when done. Returns `None`
    /// when a resource with the same id exists (deduplication) — write nothing then.
    pub fn begin(&mut self, rtype: &'static str, id: ResourceId) -> Option<Json<'_>> {
        let bits = id.bits();
        if self.open.is_some() || self.seen.contains(&bits) {
            return None;
        }
        let start = self.out.len();
        if self.count > 0 {
            self.out.push(',');
        }
        let text = id.as_str();
        self.out.push_str("{\"fullUrl\":\"urn:uuid:");
        self.out.push_str(text);
        self.out.push_str("\",\"resource\":{\"resourceType\":\"");
        self.out.push_str(rtype);
        self.out.push_str("\",\"id\":\"");
        self.out.push_str(text);
        self.out.push('"');
        self.open = Some((rtype, id, bits, start));
        Some(Json::lent(&mut self.out, &mut self.stack))
    }

    /// Ends the resource started by [`BundleBuilder::begin`].
    pub fn end(&mut self) {
        let Some((rtype, id, bits, start)) = self.open.take() else {
            return;
        };
        self.out.push('}');
        if self.bundle_type != BundleType::Message {
            self.out
                .push_str(",\"request\":{\"method\":\"PUT\",\"url\":\"");
            self.out.push_str(rtype);
            self.out.push('/');
            id.push_to(&mut self.out);
            self.out.push_str("\"}");
        }
        self.out.push('}');
        self.seen.insert(bits);
        if rtype == "MessageHeader" && self.header.is_none() {
            self.header = Some((start, self.out.len()));
        }
        self.count += 1;
    }

    /// Closes the Bundle and returns its JSON text. With [`BundleType::Message`] the
    /// first MessageHeader is moved to the front of `entry`.
    pub fn finish(mut self) -> String {
        self.out.push_str("]}");
        let Some((s, e)) = self.header else {
            return self.out;
        };
        if self.bundle_type != BundleType::Message || s == self.entries_start {
            return self.out;
        }
        let mut bytes = self.out.into_bytes();
        let head = e - s; // ",{MessageHeader entry}"
        let start = self.entries_start;
        // ",MH" + "e1,e2" → "MH," + "e1,e2": the entry through a stack buffer and one
        // move of the others (a general rotation is several times slower).
        let mut buf = [0u8; 4096];
        match (buf.get_mut(..head), bytes.get(s + 1..e)) {
            (Some(tmp), Some(mh)) if head > 0 && e <= bytes.len() => {
                let tmp_len = head - 1;
                tmp[..tmp_len].copy_from_slice(mh);
                bytes.copy_within(start..s, start + head);
                bytes[start..start + tmp_len].copy_from_slice(&tmp[..tmp_len]);
                bytes[start + tmp_len] = b',';
            }
            _ => {
                if let Some(region) = bytes.get_mut(start..e) {
                    region.rotate_right(head);
                    if let Some(chunk) = region.get_mut(..head) {
                        chunk.rotate_left(1);
                    }
                }
            }
        }
        // Whole entries were moved, so the text is still UTF-8.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

// ---------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------

/// Outcome of converting a TS/DTM value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeOutcome {
    /// A FHIR dateTime, written as is.
    Ok(String),
    /// Written with the time dropped ([`TzPolicy::DateOnly`]).
    Reduced(String),
}

fn push_2(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

fn push_offset(out: &mut String, minutes: i32) {
    if minutes == 0 {
        out.push('Z');
        return;
    }
    out.push(if minutes < 0 { '-' } else { '+' });
    let m = minutes.unsigned_abs();
    push_2(out, m / 60);
    out.push(':');
    push_2(out, m % 60);
}

fn push_date(out: &mut String, dt: &DateTime) {
    let y = dt.year().clamp(0, 9999) as u32;
    push_2(out, y / 100);
    push_2(out, y % 100);
    if let Some(m) = dt.month() {
        out.push('-');
        push_2(out, m);
        if let Some(d) = dt.day() {
            out.push('-');
            push_2(out, d);
        }
    }
}

/// Converts a parsed TS/DTM to a FHIR R4 `dateTime` under `tz`.
///
/// # Errors
///
/// [`ErrorKind::MissingOffset`] (with an empty location: the caller adds it) when the
/// value has a time, no offset, and `tz` is [`TzPolicy::Error`].
pub fn fhir_datetime(dt: &DateTime, tz: TzPolicy) -> Result<TimeOutcome, ErrorKind> {
    let mut out = String::with_capacity(29);
    push_date(&mut out, dt);
    if dt.precision() <= Precision::Day {
        return Ok(TimeOutcome::Ok(out));
    }
    let offset = match (dt.offset(), tz) {
        (Some(o), _) => o.local_minus_utc() / 60,
        (None, TzPolicy::AssumeOffset(m)) => i32::from(m),
        (None, TzPolicy::DateOnly) => return Ok(TimeOutcome::Reduced(out)),
        (None, TzPolicy::Error) => return Err(ErrorKind::MissingOffset),
    };
    out.push('T');
    push_2(&mut out, dt.hour().unwrap_or(0));
    out.push(':');
    push_2(&mut out, dt.minute().unwrap_or(0));
    out.push(':');
    // FHIR requires seconds whenever a time is present: pad with :00.
    push_2(&mut out, dt.second().unwrap_or(0).min(60));
    if let Precision::Fraction(n) = dt.precision() {
        let nanos = dt.nanosecond().unwrap_or(0) % 1_000_000_000;
        let digits = format!("{nanos:09}");
        out.push('.');
        out.push_str(digits.get(..usize::from(n.clamp(1, 4))).unwrap_or("0"));
    }
    push_offset(&mut out, offset);
    Ok(TimeOutcome::Ok(out))
}

/// Converts a parsed TS/DTM to a FHIR `instant` (seconds and offset required; a value
/// with only a date or coarser is `None`; missing seconds are padded).
///
/// # Errors
///
/// As [`fhir_datetime`].
pub fn fhir_instant(dt: &DateTime, tz: TzPolicy) -> Result<Option<String>, ErrorKind> {
    if dt.precision() <= Precision::Day {
        return Ok(None);
    }
    match fhir_datetime(dt, tz)? {
        TimeOutcome::Ok(s) => Ok(Some(s)),
        TimeOutcome::Reduced(_) => Ok(None),
    }
}

/// The result of a conversion: the Bundle JSON and the report.
#[derive(Clone)]
pub struct Conversion {
    /// The FHIR R4 Bundle, JSON text.
    pub json: String,
    /// What was not mapped.
    pub report: Report,
}

impl std::fmt::Debug for Conversion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversion")
            .field("json_len", &self.json.len())
            .field("report_items", &self.report.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_omits_empty_containers() {
        let mut s = String::new();
        let mut j = Json::new(&mut s, false);
        j.obj(None);
        j.str(Some("a"), "x\"y\n\u{1}");
        j.arr(Some("empty"));
        j.obj(None);
        j.str(Some("b"), "  ");
        j.end_obj();
        j.end_arr();
        j.raw(Some("n"), "1");
        j.end_obj();
        assert_eq!(s, r#"{"a":"x\"y\n\u0001","n":1}"#);
    }

    #[test]
    fn one_pass_ids_equal_the_documented_hash() {
        for (t, key) in [
            ("Patient", &["urn:oid:1.2.3", "123"][..]),
            ("Bundle", &["", ""][..]),
            ("Observation", &["F|LAB|FL1", "1", "1"][..]),
        ] {
            let a = fnv(fnv(0xcbf2_9ce4_8422_2325, &[t, ""]), key);
            let b = fnv(fnv(0x8422_2325_cbf2_9ce4, &[t, ""]), key);
            let id = resource_id(t, key);
            assert_eq!(id, format_id(a, b));
            let bits = (u128::from(a) << 64) | u128::from(b);
            // The set key is the id's bits (version and variant bits overwritten).
            let mask = !((0xf0u128 << 72) | (0xc0u128 << 56));
            assert_eq!(id.bits() & mask, bits & mask);
        }
    }

    #[test]
    fn ids_are_stable() {
        let a = resource_id("Patient", &["urn:oid:1.2.3", "123"]);
        assert_eq!(a, resource_id("Patient", &["urn:oid:1.2.3", "123"]));
        assert_ne!(a, resource_id("Patient", &["urn:oid:1.2.3", "124"]));
        assert_eq!(a.as_str().len(), 36);
        assert_eq!(&a.as_str()[14..15], "8");
    }

    #[test]
    fn tz_offsets_parse() {
        assert_eq!(
            TzPolicy::parse_offset("-05:00"),
            Some(TzPolicy::AssumeOffset(-300))
        );
        assert_eq!(
            TzPolicy::parse_offset("+0530"),
            Some(TzPolicy::AssumeOffset(330))
        );
        assert_eq!(TzPolicy::parse_offset("5"), None);
    }

    #[test]
    fn datetimes() -> Result<(), Box<dyn std::error::Error>> {
        let dt = DateTime::parse(b"202401021230")?;
        assert_eq!(
            fhir_datetime(&dt, TzPolicy::AssumeOffset(-300)),
            Ok(TimeOutcome::Ok("2024-01-02T12:30:00-05:00".into()))
        );
        assert_eq!(
            fhir_datetime(&dt, TzPolicy::Error),
            Err(ErrorKind::MissingOffset)
        );
        assert_eq!(
            fhir_datetime(&dt, TzPolicy::DateOnly),
            Ok(TimeOutcome::Reduced("2024-01-02".into()))
        );
        let dt = DateTime::parse(b"20240102123005.12+0000")?;
        assert_eq!(
            fhir_datetime(&dt, TzPolicy::Error),
            Ok(TimeOutcome::Ok("2024-01-02T12:30:05.12Z".into()))
        );
        let dt = DateTime::parse(b"198007")?;
        assert_eq!(
            fhir_datetime(&dt, TzPolicy::Error),
            Ok(TimeOutcome::Ok("1980-07".into()))
        );
        Ok(())
    }
}
