//! De-identification of HL7 v2 messages (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)).
//!
//! A [`Policy`] maps field and component paths (`PID-5`, `PID-3.1`) to an [`Action`]:
//! [`Action::Remove`] empties the value, [`Action::Hash`] replaces it with a keyed
//! pseudonym (HMAC-SHA256 under a [`DeidKey`], hex, truncated; the same key and value
//! always give the same pseudonym, in every field and every message, so records still
//! link), [`Action::ShiftDate`] moves a date by a number of days derived from the key and
//! the patient identifier (every date of one patient moves by the same amount in every
//! message; precision, time and offset are kept), [`Action::ShiftBirthDate`] does the same
//! but aggregates ages over 89 into one birth year, [`Action::Zip3`] keeps the first three
//! digits of a ZIP code (or `000` for the restricted three-digit areas),
//! [`Action::YearOnly`] keeps only the year and [`Action::Keep`] leaves the value alone.
//!
//! Dates: Safe Harbor as written keeps only the year of a date; a consistent per-patient
//! shift keeps the intervals between events (length of stay, time to result) that most
//! secondary uses need, and is what the default table does. [`Policy::year_only_dates`]
//! switches every date rule to the literal year-only rule.
//!
//! [`Policy::safe_harbor`] is the default table: names, addresses below the state, phone,
//! fax and e-mail, SSN, medical record, account, health-plan, licence and visit numbers,
//! order numbers and every date directly related to the patient in PID, PD1, NK1, PV1,
//! MRG, IN1, GT1, EVN, ORC, OBR, OBX, SPM, AL1, DG1, PR1, TXA and RXA; free text in NTE-3
//! and in OBX-5 when OBX-2 is TX, FT or ST is removed, as is OBX-5 holding a name,
//! address, phone, identifier, encapsulated document or reference (XPN, XAD, XTN, CX, ED,
//! RP); OBX-5 dates (DT, DTM, TS) are shifted. Every entry can be overridden with [`Policy::set`].
//!
//! [`Deidentifier::deidentify`] edits the message through
//! [`MessageBuilder`]: segments without a change are written
//! byte for byte, and the [`DeidReport`] lists each change by path and action — never a
//! value, and never the date shift (which, with a shifted date, would give the original
//! back).
//!
//! FHIR JSON resources and Bundles are de-identified by [`fhir`] with the same key,
//! pseudonyms and per-patient date shifts. DICOM files are de-identified by
//! `carewire_dicom_lite::deid`; [`Deidentifier::dicom_deidentifier`] gives one with the
//! same key whose modified dates move by the HL7 v2 / FHIR shift of the file's patient.
//!
//! # Examples
//! ```
//! use carewire_hl7::Message;
//! use carewire_mapping::deid::{Action, DeidKey, Deidentifier, Policy};
//!
//! let input = b"MSH|^~\\&|EMR|HOSP|||20240105083000||ADT^A01|1|P|2.5.1\r\
//! PID|1||MRN4471^^^HOSP^MR||Doe^Jane||19800214|F|||12 Elm St^^Boston^MA^02139\r";
//! let key = DeidKey::new(b"a secret key of at least 16 bytes")?;
//! let deid = Deidentifier::new(key, Policy::safe_harbor());
//! let out = deid.deidentify(&Message::parse(input)?)?;
//! let bytes = out.to_bytes();
//! let msg = Message::parse(&bytes)?;
//! assert_eq!(msg.get_str("PID-5")?.as_deref(), Some(""));
//! assert_eq!(msg.get_str("PID-3.4")?.as_deref(), Some("HOSP")); // authority kept
//! assert_ne!(msg.get_str("PID-3.1")?.as_deref(), Some("MRN4471")); // pseudonym
//! assert_eq!(msg.get_str("PID-11.5")?.as_deref(), Some("021"));
//! assert_eq!(msg.get_str("PID-11.4")?.as_deref(), Some("MA"));
//! assert!(!bytes.windows(8).any(|w| w == b"19800214"));
//! assert!(out.report().changes().iter().any(|c| c.path.to_string() == "PID-5"));
//!
//! // Overrides: keep the free-text notes, hash the SSN instead of removing it.
//! let mut policy = Policy::safe_harbor();
//! policy.set("NTE-3", Action::Keep)?.set("PID-19", Action::Hash)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limits of the method
//!
//! MSH is left as it is (MSH-7, the message time, is not shifted unless a rule for it is
//! added), as are segments and fields the policy does not name, so free text in other
//! places (Z-segments, OBR-13) needs rules of its own. The date shift uses the first PID
//! segment's identifier (PID-3, the `MR` repetition if any, else the first; then PID-2,
//! PID-4); messages about several patients (A17 swaps) shift all dates by the first
//! patient's amount. A keyed pseudonym is a re-identification code only as long as the
//! key stays secret (164.514(c)); use a random key of 32 bytes and never store it with
//! the data.

use std::collections::BTreeMap;
use std::fmt;

use carewire_hl7::{Message, MessageBuilder, Path, Segment};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub mod fhir;

/// What to do with a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Leave the value as it is.
    Keep,
    /// Empty the value (separators are kept, so the structure stays).
    Remove,
    /// Replace the value with its keyed pseudonym (lower-case hex).
    Hash,
    /// Shift the date by the patient's shift; year-only dates are kept (the year is not
    /// an identifier); unparsable dates are removed.
    ShiftDate,
    /// As [`Action::ShiftDate`], but a birth date giving an age over 89 at the message
    /// time (MSH-7, else today) becomes the single year `message year - 90`.
    ShiftBirthDate,
    /// Keep the first three digits of a ZIP code, or `000` for the three-digit areas
    /// with 20,000 people or fewer; anything else is removed.
    Zip3,
    /// Reduce the date to its year (`YYYY`), the literal Safe Harbor rule; unparsable
    /// dates are removed.
    YearOnly,
    /// As [`Action::YearOnly`], with ages over 89 aggregated as in
    /// [`Action::ShiftBirthDate`].
    BirthYearOnly,
}

/// What was done to a value (the report's vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Applied {
    /// The value was emptied.
    Removed,
    /// The value was replaced by its pseudonym.
    Hashed,
    /// The date was shifted.
    DateShifted,
    /// An age over 89: the birth date became the aggregated year.
    AgeAggregated,
    /// The ZIP code was cut to three digits (or `000`).
    ZipTruncated,
    /// A date that could not be read was removed instead of shifted.
    UnreadableDateRemoved,
    /// The date was reduced to its year.
    ReducedToYear,
    /// A resource id, reference or DICOM UID was replaced by its keyed remapping
    /// (FHIR de-identification, [`fhir`]).
    Remapped,
}

/// One change: where and what, never the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// The path of the changed value (`PID-5`, `NK1[2]-4[1].1`).
    pub path: Path,
    /// What was done.
    pub action: Applied,
}

/// The list of changes made to one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeidReport {
    changes: Vec<Change>,
    patient_id_found: bool,
}

impl DeidReport {
    /// Every change, in message order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Number of changes with action `action`.
    pub fn count(&self, action: Applied) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// False when the message had no patient identifier (PID-3, PID-2, PID-4), so dates
    /// were shifted by the key's default shift, the same for every such message.
    pub fn patient_id_found(&self) -> bool {
        self.patient_id_found
    }
}

/// A de-identification error. Neither `Display` nor `Debug` shows message content.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeidError {
    /// The key is shorter than 16 bytes.
    KeyTooShort,
    /// A policy path is not `SEG-F` or `SEG-F.C`, or names MSH-1/MSH-2.
    InvalidPolicyPath,
    /// The pseudonym length is not 8 to 64 hex digits.
    InvalidHashLength,
    /// The maximum date shift is 0 or over 36,500 days.
    InvalidShift,
    /// The input is not a FHIR JSON resource (no JSON object with `resourceType`).
    NotFhir,
    /// A value could not be written back, not even emptied.
    Edit {
        /// Where.
        path: Path,
    },
}

impl fmt::Display for DeidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeidError::KeyTooShort => f.write_str("de-identification key shorter than 16 bytes"),
            DeidError::InvalidPolicyPath => f.write_str("invalid de-identification policy path"),
            DeidError::InvalidHashLength => f.write_str("pseudonym length must be 8 to 64"),
            DeidError::InvalidShift => f.write_str("maximum date shift must be 1 to 36500 days"),
            DeidError::NotFhir => f.write_str("not a FHIR JSON resource"),
            DeidError::Edit { path } => write!(f, "cannot write the de-identified value at {path}"),
        }
    }
}

impl std::error::Error for DeidError {}

/// The secret key for pseudonyms and date shifts. `Debug` never shows it.
#[derive(Clone)]
pub struct DeidKey(Vec<u8>);

impl DeidKey {
    /// A key from bytes (at least 16; 32 random bytes recommended).
    ///
    /// # Errors
    /// [`DeidError::KeyTooShort`].
    pub fn new(bytes: &[u8]) -> Result<DeidKey, DeidError> {
        if bytes.len() < 16 {
            return Err(DeidError::KeyTooShort);
        }
        Ok(DeidKey(bytes.to_vec()))
    }

    fn mac(&self, domain: &[u8], value: &[u8]) -> [u8; 32] {
        // HMAC accepts keys of any length, so this never fails; the fallback keeps the
        // code panic-free without an unwrap.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.0) else {
            return [0; 32];
        };
        mac.update(domain);
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for DeidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeidKey(<redacted>)")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct FieldRule {
    /// The action for the whole field, or for components without a rule of their own.
    field: Option<Action>,
    /// Component rules (component number, action).
    components: Vec<(u16, Action)>,
}

/// Which action applies to which field; see the [module documentation](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    rules: BTreeMap<([u8; 3], u16), FieldRule>,
    obx_text_types: Vec<String>,
    obx_text_action: Action,
    obx_date_action: Action,
    obx_remove_types: Vec<String>,
    hash_len: usize,
    max_shift_days: u32,
}

/// Three-digit ZIP areas with 20,000 people or fewer (2000 Census), which Safe Harbor
/// requires to be written as `000` (HHS guidance on de-identification, 2012, citing
/// 67 FR 53182, 53233-53234).
pub const RESTRICTED_ZIP3: [&str; 17] = [
    "036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878",
    "879", "884", "890", "893",
];

use Action::{Hash as H, Keep as K, Remove as R, ShiftBirthDate as B, ShiftDate as D, Zip3 as Z};

/// Identifier fields (CX): number hashed, check digit and dates removed, authority and type kept.
const CX: &[(u16, Action)] = &[
    (0, R),
    (1, H),
    (3, K),
    (4, K),
    (5, K),
    (6, K),
    (9, K),
    (10, K),
];
/// Entity identifiers (EI): the number hashed, the namespace kept.
const EI: &[(u16, Action)] = &[(0, K), (1, H)];
/// Addresses (XAD): state, ZIP3, country and type kept; street, city, county, tract removed.
const XAD: &[(u16, Action)] = &[(0, R), (4, K), (5, Z), (6, K), (7, K)];
/// Whole-field actions.
const WHOLE: &[(u16, Action)] = &[];

/// One default rule: segment, field, component rules (component 0 is the field's own
/// action), and the whole-field action used when there are no component rules.
type TableRow = (&'static str, u16, &'static [(u16, Action)], Action);

/// The default table.
const TABLE: &[TableRow] = &[
    // PID
    ("PID", 2, CX, K),
    ("PID", 3, CX, K),
    ("PID", 4, CX, K),
    ("PID", 5, WHOLE, R),
    ("PID", 6, WHOLE, R),
    ("PID", 7, WHOLE, B),
    ("PID", 9, WHOLE, R),
    ("PID", 11, XAD, K),
    ("PID", 12, WHOLE, R),
    ("PID", 13, WHOLE, R),
    ("PID", 14, WHOLE, R),
    ("PID", 18, CX, K),
    ("PID", 19, WHOLE, R),
    ("PID", 20, WHOLE, R),
    ("PID", 21, CX, K),
    ("PID", 23, WHOLE, R),
    ("PID", 29, WHOLE, D),
    ("PID", 33, WHOLE, D),
    ("PID", 40, WHOLE, R),
    // PD1
    ("PD1", 10, CX, K),
    ("PD1", 13, WHOLE, D),
    ("PD1", 14, WHOLE, R),
    ("PD1", 17, WHOLE, D),
    ("PD1", 18, WHOLE, D),
    // NK1
    ("NK1", 2, WHOLE, R),
    ("NK1", 4, XAD, K),
    ("NK1", 5, WHOLE, R),
    ("NK1", 6, WHOLE, R),
    ("NK1", 8, WHOLE, D),
    ("NK1", 9, WHOLE, D),
    ("NK1", 12, CX, K),
    ("NK1", 13, WHOLE, R),
    ("NK1", 16, WHOLE, B),
    ("NK1", 26, WHOLE, R),
    ("NK1", 30, WHOLE, R),
    ("NK1", 31, WHOLE, R),
    ("NK1", 32, XAD, K),
    ("NK1", 33, CX, K),
    ("NK1", 37, WHOLE, R),
    ("NK1", 38, WHOLE, R),
    ("NK1", 40, WHOLE, R),
    ("NK1", 41, WHOLE, R),
    // PV1
    ("PV1", 5, CX, K),
    ("PV1", 19, CX, K),
    ("PV1", 44, WHOLE, D),
    ("PV1", 45, WHOLE, D),
    ("PV1", 50, CX, K),
    // MRG
    ("MRG", 1, CX, K),
    ("MRG", 2, CX, K),
    ("MRG", 3, CX, K),
    ("MRG", 4, CX, K),
    ("MRG", 5, CX, K),
    ("MRG", 6, CX, K),
    ("MRG", 7, WHOLE, R),
    // IN1
    ("IN1", 8, WHOLE, H),
    ("IN1", 9, WHOLE, R),
    ("IN1", 10, CX, K),
    ("IN1", 11, WHOLE, R),
    ("IN1", 12, WHOLE, D),
    ("IN1", 13, WHOLE, D),
    ("IN1", 14, WHOLE, R),
    ("IN1", 16, WHOLE, R),
    ("IN1", 18, WHOLE, B),
    ("IN1", 19, XAD, K),
    ("IN1", 24, WHOLE, D),
    ("IN1", 26, WHOLE, D),
    ("IN1", 28, WHOLE, H),
    ("IN1", 29, WHOLE, D),
    ("IN1", 36, WHOLE, H),
    ("IN1", 44, XAD, K),
    ("IN1", 49, CX, K),
    ("IN1", 51, WHOLE, D),
    ("IN1", 52, WHOLE, R),
    // GT1
    ("GT1", 2, CX, K),
    ("GT1", 3, WHOLE, R),
    ("GT1", 4, WHOLE, R),
    ("GT1", 5, XAD, K),
    ("GT1", 6, WHOLE, R),
    ("GT1", 7, WHOLE, R),
    ("GT1", 8, WHOLE, B),
    ("GT1", 12, WHOLE, R),
    ("GT1", 13, WHOLE, D),
    ("GT1", 14, WHOLE, D),
    ("GT1", 16, WHOLE, R),
    ("GT1", 17, XAD, K),
    ("GT1", 18, WHOLE, R),
    ("GT1", 19, CX, K),
    ("GT1", 21, WHOLE, R),
    ("GT1", 24, WHOLE, D),
    ("GT1", 29, CX, K),
    ("GT1", 31, WHOLE, D),
    ("GT1", 32, WHOLE, D),
    ("GT1", 40, WHOLE, R),
    ("GT1", 43, WHOLE, R),
    ("GT1", 44, WHOLE, R),
    ("GT1", 49, WHOLE, R),
    ("GT1", 54, WHOLE, R),
    // Events, orders, results, specimens, clinical segments: dates and order numbers.
    ("EVN", 2, WHOLE, D),
    ("EVN", 3, WHOLE, D),
    ("EVN", 6, WHOLE, D),
    ("ORC", 2, EI, K),
    ("ORC", 3, EI, K),
    ("ORC", 4, EI, K),
    ("ORC", 9, WHOLE, D),
    ("ORC", 15, WHOLE, D),
    ("OBR", 2, EI, K),
    ("OBR", 3, EI, K),
    ("OBR", 6, WHOLE, D),
    ("OBR", 7, WHOLE, D),
    ("OBR", 8, WHOLE, D),
    ("OBR", 14, WHOLE, D),
    ("OBR", 18, WHOLE, R),
    ("OBR", 19, WHOLE, R),
    ("OBR", 20, WHOLE, R),
    ("OBR", 21, WHOLE, R),
    ("OBR", 22, WHOLE, D),
    ("OBX", 14, WHOLE, D),
    ("OBX", 19, WHOLE, D),
    ("SPM", 2, WHOLE, H),
    ("SPM", 3, WHOLE, H),
    ("SPM", 17, WHOLE, D),
    ("SPM", 18, WHOLE, D),
    ("AL1", 6, WHOLE, D),
    ("DG1", 5, WHOLE, D),
    ("PR1", 5, WHOLE, D),
    ("TXA", 4, WHOLE, D),
    ("TXA", 6, WHOLE, D),
    ("TXA", 7, WHOLE, D),
    ("TXA", 8, WHOLE, D),
    ("RXA", 3, WHOLE, D),
    ("RXA", 4, WHOLE, D),
    // Free text.
    ("NTE", 3, WHOLE, R),
];

fn seg_key(id: &str) -> Option<[u8; 3]> {
    let b = id.as_bytes();
    if b.len() != 3 || !b.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let mut k = [0u8; 3];
    k.copy_from_slice(b);
    k.make_ascii_uppercase();
    Some(k)
}

/// Parses `SEG-F` or `SEG-F.C` (1-based; MSH-1 and MSH-2 refused).
fn parse_rule_path(path: &str) -> Option<([u8; 3], u16, Option<u16>)> {
    let seg = seg_key(path.get(..3)?)?;
    let rest = path.get(3..)?.strip_prefix('-')?;
    let (f, c) = match rest.split_once('.') {
        Some((f, c)) => (f, Some(c)),
        None => (rest, None),
    };
    let num = |s: &str| -> Option<u16> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u16>().ok().filter(|&n| n > 0)
    };
    let field = num(f)?;
    let comp = match c {
        Some(c) => Some(num(c)?),
        None => None,
    };
    if matches!(&seg, b"MSH" | b"BHS" | b"FHS") && field <= 2 {
        return None;
    }
    Some((seg, field, comp))
}

impl Default for Policy {
    fn default() -> Self {
        Policy::safe_harbor()
    }
}

impl Policy {
    /// A policy with no rules (everything kept; OBX text and date rules still apply,
    /// see [`Policy::obx_text`] and [`Policy::shift_obx_dates`]).
    pub fn empty() -> Policy {
        Policy {
            rules: BTreeMap::new(),
            obx_text_types: vec!["TX".into(), "FT".into(), "ST".into()],
            obx_text_action: Action::Remove,
            obx_date_action: Action::ShiftDate,
            obx_remove_types: ["XPN", "XAD", "XTN", "CX", "ED", "RP"]
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            hash_len: 16,
            max_shift_days: 365,
        }
    }

    /// The default HIPAA Safe Harbor table (see the [module documentation](self)).
    pub fn safe_harbor() -> Policy {
        let mut p = Policy::empty();
        for &(seg, field, comps, whole) in TABLE {
            let Some(key) = seg_key(seg) else { continue };
            let mut rule = FieldRule {
                field: Some(whole),
                components: Vec::new(),
            };
            for &(c, a) in comps {
                if c == 0 {
                    rule.field = Some(a);
                } else {
                    rule.components.push((c, a));
                }
            }
            p.rules.insert((key, field), rule);
        }
        p
    }

    /// Sets the action for a field (`PID-19`: the whole field, replacing any component
    /// rules) or a component (`PID-3.4`: that component of every repetition; other
    /// components follow the field's action, [`Action::Keep`] when it has none).
    ///
    /// # Errors
    /// [`DeidError::InvalidPolicyPath`].
    pub fn set(&mut self, path: &str, action: Action) -> Result<&mut Policy, DeidError> {
        let (seg, field, comp) = parse_rule_path(path).ok_or(DeidError::InvalidPolicyPath)?;
        let rule = self.rules.entry((seg, field)).or_default();
        match comp {
            None => {
                rule.field = Some(action);
                rule.components.clear();
            }
            Some(c) => match rule.components.iter_mut().find(|(n, _)| *n == c) {
                Some(entry) => entry.1 = action,
                None => rule.components.push((c, action)),
            },
        }
        Ok(self)
    }

    /// The action the policy takes on `path` (`SEG-F` or `SEG-F.C`); `None` when the
    /// path does not parse. For a field with component rules, the field's own action
    /// applies to the components without one.
    pub fn action(&self, path: &str) -> Option<Action> {
        let (seg, field, comp) = parse_rule_path(path)?;
        let Some(rule) = self.rules.get(&(seg, field)) else {
            return Some(Action::Keep);
        };
        let by_comp = comp.and_then(|c| {
            rule.components
                .iter()
                .find(|(n, _)| *n == c)
                .map(|(_, a)| *a)
        });
        Some(by_comp.or(rule.field).unwrap_or(Action::Keep))
    }

    /// Number of fields with a rule.
    pub fn field_rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The action on OBX-5 when OBX-2 is one of `types` (default: remove TX, FT and ST
    /// free text). An explicit `OBX-5` rule takes precedence.
    pub fn obx_text(&mut self, types: &[&str], action: Action) -> &mut Policy {
        self.obx_text_types = types.iter().map(|t| (*t).to_owned()).collect();
        self.obx_text_action = action;
        self
    }

    /// The OBX-2 value types whose OBX-5 is always removed (default: XPN, XAD, XTN and
    /// CX — names, addresses, phones and identifiers; ED and RP — encapsulated documents
    /// and references such as URLs, which cannot be inspected). Checked after
    /// [`Policy::obx_text`]; an explicit `OBX-5` rule takes precedence.
    pub fn obx_remove_types(&mut self, types: &[&str]) -> &mut Policy {
        self.obx_remove_types = types.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    /// Whether OBX-5 is date-shifted when OBX-2 is DT, DTM or TS (default true). An
    /// explicit `OBX-5` rule takes precedence.
    pub fn shift_obx_dates(&mut self, on: bool) -> &mut Policy {
        self.obx_date_action = if on { Action::ShiftDate } else { Action::Keep };
        self
    }

    /// Switches every date rule to the literal Safe Harbor rule, year only:
    /// [`Action::ShiftDate`] becomes [`Action::YearOnly`], [`Action::ShiftBirthDate`]
    /// becomes [`Action::BirthYearOnly`], and OBX-5 dates are reduced to the year. Use it
    /// when intervals between dates need not survive.
    pub fn year_only_dates(&mut self) -> &mut Policy {
        let swap = |a: &mut Action| {
            *a = match *a {
                Action::ShiftDate => Action::YearOnly,
                Action::ShiftBirthDate => Action::BirthYearOnly,
                other => other,
            }
        };
        for rule in self.rules.values_mut() {
            if let Some(a) = rule.field.as_mut() {
                swap(a);
            }
            for (_, a) in &mut rule.components {
                swap(a);
            }
        }
        if self.obx_date_action == Action::ShiftDate {
            self.obx_date_action = Action::YearOnly;
        }
        self
    }

    /// Pseudonym length in hex digits (default 16, i.e. 64 bits).
    ///
    /// # Errors
    /// [`DeidError::InvalidHashLength`] outside 8..=64.
    pub fn hash_len(&mut self, hex_digits: usize) -> Result<&mut Policy, DeidError> {
        if !(8..=64).contains(&hex_digits) {
            return Err(DeidError::InvalidHashLength);
        }
        self.hash_len = hex_digits;
        Ok(self)
    }

    /// The largest date shift in days, either way (default 365; never 0).
    ///
    /// # Errors
    /// [`DeidError::InvalidShift`] outside 1..=36500.
    pub fn max_shift_days(&mut self, days: u32) -> Result<&mut Policy, DeidError> {
        if !(1..=36_500).contains(&days) {
            return Err(DeidError::InvalidShift);
        }
        self.max_shift_days = days;
        Ok(self)
    }
}

/// A de-identified message and its report.
#[derive(Clone, Debug)]
pub struct Deidentified {
    builder: MessageBuilder,
    report: DeidReport,
}

impl Deidentified {
    /// The message bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.builder.to_bytes()
    }

    /// The edited message, for further edits.
    pub fn builder(&self) -> &MessageBuilder {
        &self.builder
    }

    /// What was changed.
    pub fn report(&self) -> &DeidReport {
        &self.report
    }

    /// The builder and the report.
    pub fn into_parts(self) -> (MessageBuilder, DeidReport) {
        (self.builder, self.report)
    }
}

/// Applies a [`Policy`] under a [`DeidKey`].
#[derive(Clone, Debug)]
pub struct Deidentifier {
    key: DeidKey,
    policy: Policy,
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Ymd {
    y: i64,
    m: u32,
    d: u32,
}

struct Ctx {
    shift: i64,
    reference: Ymd,
}

impl Deidentifier {
    /// A de-identifier.
    pub fn new(key: DeidKey, policy: Policy) -> Deidentifier {
        Deidentifier { key, policy }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The pseudonym of `value`: HMAC-SHA256 under the key, lower-case hex, truncated to
    /// the policy's length.
    pub fn pseudonym(&self, value: &str) -> String {
        let mac = self.key.mac(b"carewire-deid/pseudonym", value.as_bytes());
        let mut s = String::with_capacity(64);
        for b in mac {
            s.push(hex_digit(b >> 4));
            s.push(hex_digit(b & 0x0F));
        }
        s.truncate(self.policy.hash_len);
        s
    }

    /// The date shift in days for a patient identifier: derived from the key and the
    /// identifier, never 0, at most the policy's maximum either way.
    pub fn date_shift_days(&self, patient_id: &str) -> i64 {
        let mac = self
            .key
            .mac(b"carewire-deid/date-shift", patient_id.as_bytes());
        let mut v = [0u8; 8];
        v.copy_from_slice(&mac[..8]);
        let max = u64::from(self.policy.max_shift_days);
        let k = u64::from_be_bytes(v) % (2 * max);
        // k in 0..max → -(k+1); k in max..2max → k-max+1: both sides, never 0.
        let k = i64::try_from(k).unwrap_or(0);
        let max = i64::try_from(max).unwrap_or(1);
        if k < max {
            -(k + 1)
        } else {
            k - max + 1
        }
    }

    /// The date shift in days of a DICOM patient: [`date_shift_days`](Self::date_shift_days)
    /// of `"<Patient ID>\u{1f}<Issuer of Patient ID>"` (leading and trailing spaces and
    /// NULs of the DICOM values ignored), the identifier HL7 v2 derives from PID-3
    /// (`<PID-3.1>\u{1f}<PID-3.4.1>`) and FHIR from the Patient's identifier, so a study
    /// and the same patient's messages and resources move by the same number of days.
    /// An empty `patient_id` gets the key's default shift, as a message without PID-3.
    pub fn dicom_date_shift_days(&self, patient_id: &str, issuer: &str) -> i64 {
        let id = patient_id.trim_matches([' ', '\0']);
        if id.is_empty() {
            return self.date_shift_days("");
        }
        let issuer = issuer.trim_matches([' ', '\0']);
        self.date_shift_days(&format!("{id}\u{1f}{issuer}"))
    }

    /// A DICOM (PS3.15) de-identifier for `ds` under the same key: UIDs remapped with
    /// this key's bytes (as [`fhir`] remaps `urn:dicom:uid` values, and as
    /// `carewire_dicom_lite::deid::Deidentifier::new` with the same key does) and, under
    /// [`Dates::Modified`](carewire_dicom_lite::deid::Dates::Modified), dates moved by
    /// [`dicom_date_shift_days`](Self::dicom_date_shift_days) of the data set's top-level
    /// Patient ID (0010,0020) and Issuer of Patient ID (0010,0021) — the HL7 v2 and FHIR
    /// shift of that patient, not the DICOM crate's own per-patient shift. Call it before
    /// [`apply`](carewire_dicom_lite::deid::Deidentifier::apply) on `ds` (which empties
    /// the Patient ID); the result fits the files of that patient only.
    ///
    /// # Examples
    /// ```
    /// use carewire_dicom_lite::deid::{Dates, DeidOptions};
    /// use carewire_dicom_lite::{DataSetBuf, Tag, Vr};
    /// use carewire_mapping::deid::{DeidKey, Deidentifier, Policy};
    ///
    /// let deid = Deidentifier::new(DeidKey::new(b"a secret key of at least 16 bytes")?, Policy::safe_harbor());
    /// let mut ds = DataSetBuf::new();
    /// ds.insert(Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN1".to_vec());
    /// ds.insert(Tag::new(0x0010, 0x0021), Vr::Lo, b"HOSP".to_vec());
    /// ds.insert(Tag::new(0x0008, 0x0020), Vr::Da, b"20240315".to_vec());
    /// let dicom = deid.dicom_deidentifier(&ds, DeidOptions::new().dates(Dates::Modified));
    /// // PID-3 `MRN1^^^HOSP^MR` gets the same shift in HL7 v2 and FHIR.
    /// assert_eq!(dicom.date_shift_days_for(&ds), deid.date_shift_days("MRN1\u{1f}HOSP"));
    /// dicom.apply(&mut ds);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dicom_deidentifier(
        &self,
        ds: &carewire_dicom_lite::DataSetBuf,
        options: carewire_dicom_lite::deid::DeidOptions,
    ) -> carewire_dicom_lite::deid::Deidentifier {
        use carewire_dicom_lite::{Tag, ValueBuf};
        let text = |tag: Tag| match ds.get(tag).map(|e| &e.value) {
            Some(ValueBuf::Bytes(b)) => String::from_utf8_lossy(b),
            _ => std::borrow::Cow::Borrowed(""),
        };
        let shift = self.dicom_date_shift_days(
            &text(Tag::new(0x0010, 0x0020)),
            &text(Tag::new(0x0010, 0x0021)),
        );
        carewire_dicom_lite::deid::Deidentifier::new(&self.key.0, options)
            .with_date_shift_days(shift)
    }

    /// De-identifies `msg`.
    ///
    /// # Errors
    /// [`DeidError::Edit`] when a value can be neither replaced nor emptied (the builder
    /// refuses edits only in unusual character-set and delimiter combinations).
    pub fn deidentify(&self, msg: &Message<'_>) -> Result<Deidentified, DeidError> {
        let mut builder = MessageBuilder::from_message(msg);
        let mut report = DeidReport::default();
        let patient = patient_id(msg);
        report.patient_id_found = patient.is_some();
        let ctx = Ctx {
            shift: self.date_shift_days(patient.as_deref().unwrap_or("")),
            reference: msh_date(msg).unwrap_or_else(today),
        };
        let mut seen: Vec<([u8; 3], usize)> = Vec::new();
        for seg in msg.segments() {
            let Some(key) = seg_key(seg.id_str()) else {
                continue;
            };
            if seg.id() != key {
                // A lower-case identifier is not the standard segment (and the builder,
                // which matches identifiers exactly, could not address it).
                continue;
            }
            let occurrence = match seen.iter_mut().find(|(k, _)| *k == key) {
                Some(e) => {
                    e.1 += 1;
                    e.1
                }
                None => {
                    seen.push((key, 1));
                    1
                }
            };
            let at = SegAt {
                seg: &seg,
                id: key,
                occurrence,
            };
            let mut obx5_ruled = false;
            for (&(_, field), rule) in self.policy.rules.range((key, 0)..=(key, u16::MAX)) {
                if &key == b"OBX" && field == 5 {
                    obx5_ruled = true;
                }
                self.apply_field(&at, field, rule, &ctx, &mut builder, &mut report)?;
            }
            if &key == b"OBX" && !obx5_ruled {
                let vt = seg
                    .field(2)
                    .and_then(|f| f.repetition(1))
                    .and_then(|r| r.component(1))
                    .map(|c| c.decoded().trim().to_ascii_uppercase())
                    .unwrap_or_default();
                let action = if self.policy.obx_text_types.contains(&vt) {
                    Some(self.policy.obx_text_action)
                } else if self.policy.obx_remove_types.contains(&vt) {
                    Some(Action::Remove)
                } else if matches!(vt.as_str(), "DT" | "DTM" | "TS") {
                    Some(self.policy.obx_date_action)
                } else {
                    None
                };
                if let Some(a) = action {
                    let rule = FieldRule {
                        field: Some(a),
                        components: Vec::new(),
                    };
                    self.apply_field(&at, 5, &rule, &ctx, &mut builder, &mut report)?;
                }
            }
        }
        Ok(Deidentified { builder, report })
    }

    fn apply_field(
        &self,
        at: &SegAt<'_, '_>,
        field_no: u16,
        rule: &FieldRule,
        ctx: &Ctx,
        builder: &mut MessageBuilder,
        report: &mut DeidReport,
    ) -> Result<(), DeidError> {
        let Some(field) = at.seg.field(usize::from(field_no)) else {
            return Ok(());
        };
        if field.is_empty() || field.is_null() {
            return Ok(());
        }
        let field_action = rule.field.unwrap_or(Action::Keep);
        if rule.components.is_empty() {
            match field_action {
                Action::Keep => {}
                Action::Remove => {
                    let path = at.path(field_no, None, None)?;
                    put(builder, &path, b"")?;
                    report.push(path, Applied::Removed);
                }
                action => {
                    for (r, rep) in field.repetitions().enumerate() {
                        if rep.is_empty() || rep.is_null() {
                            continue;
                        }
                        let r = r + 1;
                        if matches!(
                            action,
                            Action::ShiftDate
                                | Action::ShiftBirthDate
                                | Action::YearOnly
                                | Action::BirthYearOnly
                        ) {
                            // TS: the time is component 1 (DTM); the rest is kept.
                            let Some(c1) = rep.component(1) else { continue };
                            let path = at.path(field_no, Some(r), Some(1))?;
                            self.apply_value(&c1, action, &path, ctx, builder, report)?;
                        } else {
                            let path = at.path(field_no, Some(r), None)?;
                            self.apply_value(&rep, action, &path, ctx, builder, report)?;
                        }
                    }
                }
            }
            return Ok(());
        }
        for (r, rep) in field.repetitions().enumerate() {
            for (c, comp) in rep.components().enumerate() {
                let c = c + 1;
                let action = u16::try_from(c)
                    .ok()
                    .and_then(|c| rule.components.iter().find(|(n, _)| *n == c))
                    .map_or(field_action, |(_, a)| *a);
                if action == Action::Keep || comp.is_empty() || comp.is_null() {
                    continue;
                }
                let path = at.path(field_no, Some(r + 1), Some(c))?;
                self.apply_value(&comp, action, &path, ctx, builder, report)?;
            }
        }
        Ok(())
    }

    fn apply_value(
        &self,
        value: &carewire_hl7::Value<'_>,
        action: Action,
        path: &Path,
        ctx: &Ctx,
        builder: &mut MessageBuilder,
        report: &mut DeidReport,
    ) -> Result<(), DeidError> {
        if value.is_empty() || value.is_null() {
            return Ok(());
        }
        let (raw, applied): (Vec<u8>, Applied) = match action {
            Action::Keep => return Ok(()),
            Action::Remove => (Vec::new(), Applied::Removed),
            Action::Hash => (
                self.pseudonym(&value.decoded()).into_bytes(),
                Applied::Hashed,
            ),
            Action::Zip3 => (zip3(&value.decoded()).into_bytes(), Applied::ZipTruncated),
            Action::ShiftDate | Action::ShiftBirthDate => {
                let birth = action == Action::ShiftBirthDate;
                match shift_dtm(value.raw(), ctx, birth) {
                    Some(DateOut::Unchanged) => return Ok(()),
                    Some(DateOut::Shifted(v)) => (v, Applied::DateShifted),
                    Some(DateOut::Aggregated(v)) => (v, Applied::AgeAggregated),
                    None => (Vec::new(), Applied::UnreadableDateRemoved),
                }
            }
            Action::YearOnly | Action::BirthYearOnly => {
                let birth = action == Action::BirthYearOnly;
                match year_only(value.raw(), ctx, birth) {
                    Some(DateOut::Unchanged) => return Ok(()),
                    Some(DateOut::Shifted(v)) => (v, Applied::ReducedToYear),
                    Some(DateOut::Aggregated(v)) => (v, Applied::AgeAggregated),
                    None => (Vec::new(), Applied::UnreadableDateRemoved),
                }
            }
        };
        put(builder, path, &raw)?;
        report.push(*path, applied);
        Ok(())
    }
}

impl DeidReport {
    fn push(&mut self, path: Path, action: Applied) {
        self.changes.push(Change { path, action });
    }
}

struct SegAt<'s, 'm> {
    seg: &'s Segment<'m>,
    id: [u8; 3],
    occurrence: usize,
}

impl SegAt<'_, '_> {
    fn path(&self, field: u16, rep: Option<usize>, comp: Option<usize>) -> Result<Path, DeidError> {
        use std::fmt::Write;
        let id = std::str::from_utf8(&self.id).unwrap_or("???");
        // One buffer for the whole path text (writing to a String cannot fail).
        let mut s = String::with_capacity(32);
        let _ = write!(s, "{id}[{}]-{field}", self.occurrence);
        if let Some(r) = rep {
            let _ = write!(s, "[{r}]");
        }
        if let Some(c) = comp {
            let _ = write!(s, ".{c}");
        }
        Path::parse(&s).map_err(|_| DeidError::InvalidPolicyPath)
    }
}

/// Writes `raw` at `path`; when the builder refuses (character-set corner cases), empties
/// the value instead so nothing identifying stays behind.
fn put(builder: &mut MessageBuilder, path: &Path, raw: &[u8]) -> Result<(), DeidError> {
    if builder.set_raw_path(path, raw).is_ok() {
        return Ok(());
    }
    builder
        .set_raw_path(path, b"")
        .map(|_| ())
        .map_err(|_| DeidError::Edit { path: *path })
}

fn hex_digit(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
}

fn zip3(text: &str) -> String {
    let b = text.trim().as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return String::new();
    }
    let z = String::from_utf8_lossy(&b[..3]).into_owned();
    if RESTRICTED_ZIP3.contains(&z.as_str()) {
        "000".to_owned()
    } else {
        z
    }
}

/// The identifier the date shift is derived from: CX.1 and the first part of CX.4 of the
/// first PID's `MR` identifier (else its first), then PID-2, then PID-4.
fn patient_id(msg: &Message<'_>) -> Option<String> {
    let pid = msg.find(b"PID", 1)?;
    for n in [3usize, 2, 4] {
        let Some(field) = pid.field(n) else { continue };
        let reps: Vec<_> = field
            .repetitions()
            .filter(|r| {
                r.component(1)
                    .is_some_and(|c| !c.is_empty() && !c.is_null())
            })
            .collect();
        let chosen = reps
            .iter()
            .find(|r| r.component(5).is_some_and(|c| c.decoded() == "MR"))
            .or_else(|| reps.first());
        if let Some(rep) = chosen {
            let id = rep.component(1).map(|c| c.decoded()).unwrap_or_default();
            let authority = rep
                .component(4)
                .and_then(|c| c.subcomponent(1))
                .map(|s| s.decoded())
                .unwrap_or_default();
            return Some(format!("{id}\u{1f}{authority}"));
        }
    }
    None
}

fn msh_date(msg: &Message<'_>) -> Option<Ymd> {
    let ts = msg
        .msh()
        .field(7)
        .and_then(|f| f.repetition(1))
        .and_then(|r| r.component(1))?;
    let (ymd, digits) = read_date(ts.raw())?;
    (digits == 8).then_some(ymd)
}

fn today() -> Ymd {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

fn num(b: &[u8]) -> Option<i64> {
    let mut n: i64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

/// Reads the date part of a DTM: `YYYY`, `YYYYMM` or `YYYYMMDD` (the digits used are
/// returned; month and day default to 1 and are validated).
fn read_date(raw: &[u8]) -> Option<(Ymd, usize)> {
    let digits = raw.iter().take_while(|b| b.is_ascii_digit()).count();
    let used = match digits {
        4 | 6 => digits,
        8 | 10 | 12 | 14 => 8,
        _ => return None,
    };
    // The rest must be what a DTM allows (HL7 v2.5 ch. 2A.3.22):
    // [.S[S[S[S]]]] after seconds, then [+/-ZZZZ]; anything else is not a date we can
    // shift without leaving parts of the original behind.
    let mut rest = &raw[digits..];
    if digits == 14 {
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
            if !(1..=4).contains(&n) {
                return None;
            }
            rest = &frac[n..];
        }
    }
    if !rest.is_empty() {
        let ok = rest.len() == 5
            && matches!(rest[0], b'+' | b'-')
            && rest[1..].iter().all(u8::is_ascii_digit);
        if !ok {
            return None;
        }
    }
    let y = num(raw.get(..4)?)?;
    let m = if used >= 6 { num(raw.get(4..6)?)? } else { 1 };
    let d = if used >= 8 { num(raw.get(6..8)?)? } else { 1 };
    let m = u32::try_from(m).ok().filter(|m| (1..=12).contains(m))?;
    let d = u32::try_from(d).ok()?;
    if d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some((Ymd { y, m, d }, used))
}

enum DateOut {
    Unchanged,
    Shifted(Vec<u8>),
    Aggregated(Vec<u8>),
}

/// For a birth date giving an age over 89 at the reference date, the aggregated year.
fn aggregated_birth(date: Ymd, used: usize, ctx: &Ctx) -> Option<DateOut> {
    let r = ctx.reference;
    let mut age = r.y - date.y;
    if used >= 6 && (r.m, r.d) < (date.m, if used >= 8 { date.d } else { 1 }) {
        age -= 1;
    }
    // 164.514(b)(2)(i)(C): ages over 89 and every date element indicating them are
    // aggregated into one category, "90 or older".
    (age > 89).then(|| DateOut::Aggregated(format!("{:04}", r.y - 90).into_bytes()))
}

/// The year of a DTM (`Shifted` carries the new value).
fn year_only(raw: &[u8], ctx: &Ctx, birth: bool) -> Option<DateOut> {
    let (date, used) = read_date(raw)?;
    if birth {
        if let Some(agg) = aggregated_birth(date, used, ctx) {
            return Some(agg);
        }
    }
    let year = format!("{:04}", date.y).into_bytes();
    if year == raw {
        return Some(DateOut::Unchanged);
    }
    Some(DateOut::Shifted(year))
}

fn shift_dtm(raw: &[u8], ctx: &Ctx, birth: bool) -> Option<DateOut> {
    let (date, used) = read_date(raw)?;
    if birth {
        if let Some(agg) = aggregated_birth(date, used, ctx) {
            return Some(agg);
        }
    }
    let out = match used {
        4 => return Some(DateOut::Unchanged),
        6 => {
            let n = days_from_civil(date.y, date.m, 15) + ctx.shift;
            let s = civil_from_days(n);
            format!("{:04}{:02}", s.y, s.m)
        }
        _ => {
            let n = days_from_civil(date.y, date.m, date.d) + ctx.shift;
            let s = civil_from_days(n);
            format!("{:04}{:02}{:02}", s.y, s.m, s.d)
        }
    };
    if out.len() != used {
        // Shifted out of the four-digit year range.
        return None;
    }
    let mut v = out.into_bytes();
    v.extend_from_slice(raw.get(used..).unwrap_or_default());
    Some(DateOut::Shifted(v))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> Ymd {
    let (y, m, d) = carewire_hl7::datatypes::civil_from_days(z);
    Ymd { y, m, d }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for n in [-800_000i64, -1, 0, 1, 10_957, 19_782, 2_932_896] {
            let c = civil_from_days(n);
            assert_eq!(days_from_civil(c.y, c.m, c.d), n);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
    }

    #[test]
    fn dates_keep_precision_and_time() {
        let ctx = Ctx {
            shift: 3,
            reference: Ymd {
                y: 2024,
                m: 6,
                d: 1,
            },
        };
        let s = |raw: &[u8]| match shift_dtm(raw, &ctx, false) {
            Some(DateOut::Shifted(v)) => String::from_utf8(v).ok(),
            Some(DateOut::Unchanged) => Some("=".into()),
            Some(DateOut::Aggregated(_)) => Some("agg".into()),
            None => None,
        };
        assert_eq!(s(b"20240228").as_deref(), Some("20240302"));
        assert_eq!(
            s(b"202402281230-0500").as_deref(),
            Some("202403021230-0500")
        );
        assert_eq!(
            s(b"20231230235959.1234").as_deref(),
            Some("20240102235959.1234")
        );
        assert_eq!(s(b"202312").as_deref(), Some("202312"));
        assert_eq!(s(b"2023").as_deref(), Some("="));
        assert_eq!(s(b"20230230"), None);
        assert_eq!(s(b"2023-01-01"), None);
        assert_eq!(s(b"2023+0100").as_deref(), Some("="));
        assert_eq!(s(b"202401011230x"), None);
        assert_eq!(s(b"2024010112301"), None);
        assert_eq!(s(b"20240101123015.12345"), None);
        assert_eq!(s(b"99991231"), None);
        assert_eq!(s(b""), None);
    }

    #[test]
    fn ages_over_89_are_aggregated() {
        let ctx = Ctx {
            shift: -10,
            reference: Ymd {
                y: 2024,
                m: 6,
                d: 1,
            },
        };
        let agg = |raw: &[u8]| matches!(shift_dtm(raw, &ctx, true), Some(DateOut::Aggregated(v)) if v == b"1934");
        assert!(agg(b"19340101")); // 90
        assert!(!agg(b"19340602")); // 89 until tomorrow
        assert!(agg(b"1920"));
        assert!(!agg(b"19500101"));
    }

    #[test]
    fn zip3_rules() {
        assert_eq!(zip3("02139"), "021");
        assert_eq!(zip3("02139-4307"), "021");
        assert_eq!(zip3("03601"), "000");
        assert_eq!(zip3("89301"), "000");
        assert_eq!(zip3("K1A 0B1"), "");
        assert_eq!(zip3("12"), "");
    }

    #[test]
    fn rule_paths() {
        assert_eq!(parse_rule_path("pid-3.4"), Some((*b"PID", 3, Some(4))));
        assert_eq!(parse_rule_path("PID-19"), Some((*b"PID", 19, None)));
        for bad in [
            "PID",
            "PID-",
            "PID-0",
            "PID-3.",
            "PID-3.x",
            "MSH-2",
            "PI-3",
            "PID-3.4.1",
        ] {
            assert_eq!(parse_rule_path(bad), None, "{bad}");
        }
        assert_eq!(Policy::safe_harbor().field_rule_count(), TABLE.len());
    }
}
