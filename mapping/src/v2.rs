//! HL7 v2 → FHIR R4 (HL7 v2-to-FHIR implementation guide).
//!
//! [`to_fhir`] converts one HL7 v2 message into a FHIR R4 Bundle (JSON text) and a
//! [`Report`] of everything it did not map.
//!
//! ```
//! use carewire_mapping::fhir::{MapConfig, TzPolicy};
//! use carewire_mapping::v2::to_fhir;
//!
//! let msg = b"MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01^ADT_A01|MSG1|P|2.5.1\r\
//! PID|1||123^^^HOSP&1.2.3&ISO^MR||Doe^Jane||19800101|F\r\
//! PV1|1|I|ICU^101^A\r";
//! let out = to_fhir(msg, &MapConfig::with_tz(TzPolicy::Error))?;
//! assert!(out.json.starts_with("{\"resourceType\":\"Bundle\""));
//! assert!(out.report.is_empty());
//! # Ok::<(), carewire_mapping::fhir::Error>(())
//! ```
//!
//! # Messages
//!
//! ADT A01, A02, A03, A04, A05, A08, A11, A28, A31, A40; ORU R01 (several OBR groups);
//! ORM O01 and OML O21 (several orders); VXU V04; MDM T02; SIU S12; DFT P03. Other
//! messages fail with [`ErrorKind::UnsupportedMessage`].
//!
//! # Segments
//!
//! | segment | resource |
//! |---|---|
//! | MSH | MessageHeader (+ sender/receiver Organization), Bundle.timestamp/identifier |
//! | EVN | Provenance (recorded EVN-2, reason EVN-4, agent EVN-5 or MSH-4, occurred EVN-6) |
//! | PID, PD1 | Patient (+ general practitioner) |
//! | NK1 | RelatedPerson |
//! | PV1, PV2 | Encounter (+ Location, Practitioner) |
//! | AL1 | AllergyIntolerance |
//! | DG1 | Condition |
//! | PR1 | Procedure |
//! | IN1 | Coverage (+ payor Organization) |
//! | ORC, OBR, NTE | ServiceRequest + DiagnosticReport (ORU; OBR-24 → category, table 0074) |
//! | ORC, OBR, TQ1, NTE | (ORM, OML) ServiceRequest: identifiers PLAC/FILL (OBR-2/3, else ORC-2/3), ACSN (OBR-18), requisition (ORC-4), status (ORC-5, else ORC-1), intent (OBR-11), priority (TQ1-9, ORC-7.6, OBR-27.6, OBR-5), occurrenceTiming (TQ1-7/8, ORC-7.4/5), authoredOn (ORC-9), requester (ORC-12, else OBR-16), reasonCode (OBR-31) |
//! | DG1, OBX, SPM in an order | ServiceRequest.reasonReference Condition, supportingInfo Observation, specimen Specimen |
//! | OBX, NTE | Observation (value\[x\] from OBX-2) |
//! | MRG | (A40) Patient.link replaces → the merged identifier |
//! | PID-10, PID-22 | US Core race / ethnicity extensions (CDC codes; ombCategory, detailed, text) |
//! | PID-18 | Account (identifier, subject); ChargeItem.account in DFT |
//! | DG1-6 | a second Condition.category (v2-0052) |
//! | OBX-4, OBX-15, OBX-19, OBX-23/24 | observation-v2-subid extension (OBX-4); performer Organization (producer id; performing organization with address), analysis date/time extension; OBX-5 NR → valueRange, binary ED → R5 `Observation.value` Attachment extension, TM → valueTime, DR → valuePeriod, IS/ID → valueCodeableConcept, composite types (CX, EI, HD, XCN, …) → valueString (IG default rule) |
//! | ORC, RXA, RXR | (VXU) Immunization: identifiers (ORC-2/3), status (RXA-20, RXA-21 `D` → entered-in-error), statusReason (RXA-18), vaccineCode (RXA-5), occurrence (RXA-3), recorded (ORC-9, else RXA-22), primarySource (RXA-9), location (RXA-27), manufacturer Organization (RXA-17), lotNumber, expirationDate (RXA-15/16), site/route (RXR-2/1), doseQuantity (RXA-6/7), performer OP (ORC-12) / AP (RXA-10), reasonCode (RXA-19) |
//! | ORC, TQ1, OBR, NTE before TXA | (MDM) ServiceRequest as in ORM, in DocumentReference.context.related |
//! | TXA, OBX, NTE | (MDM) DocumentReference: masterIdentifier (TXA-12), identifier (TXA-16), status (TXA-19), docStatus (TXA-17), type (TXA-2), date (TXA-6), context.period (TXA-4), author (TXA-9), authenticator (TXA-10), securityLabel (TXA-18); one content attachment per OBX (TX/FT/ST text or ED data, base64) and per NTE (text) |
//! | SCH, TQ1, NTE, RGS, AIS, AIG, AIL, AIP | (SIU) Appointment: identifiers (SCH-1/2), status (SCH-25), reasonCode/appointmentType (SCH-7/8), minutesDuration (SCH-9/10), start/end (TQ1-7/8, SCH-11, AIx start), comment (NTE), basedOn (SCH-26/27), serviceType (AIS-3), participants (patient, AIG-3/4, AIL-3, AIP-3/4 with status AIx-12 and period, SCH-20) |
//! | FT1 | (DFT) ChargeItem: identifier (FT1-2), status (FT1-6), code (FT1-7), occurrence (FT1-4), enteredDate (FT1-5), quantity (FT1-10), priceOverride (FT1-11), reason (FT1-19), performer (FT1-20), account (PID-18) |
//!
//! Which fields and components each mapping reads is written down in one table per
//! segment (`SPECS` in the source); every non-empty field, repetition or component
//! outside it is reported as [`ReportKind::NotMapped`] or
//! [`ReportKind::TruncatedRepetition`], and every segment without a mapping as
//! [`ReportKind::SegmentNotMapped`]. Structural fields (MSH-1, MSH-2, MSH-9, MSH-12,
//! set ids) are consumed by the conversion itself.
//!
//! # Code tables
//!
//! 0001 administrative sex → `Patient.gender`; 0004 patient class → `Encounter.class`
//! (v3-ActCode, or v2-0004 for codes without a v3 equivalent); 0078 abnormal flags →
//! `Observation.interpretation` (v3-ObservationInterpretation); 0085 result status →
//! `Observation.status`; 0123 → `DiagnosticReport.status`; 0038 order status and 0119
//! order control → `ServiceRequest.status`; 0485 priority → `ServiceRequest.priority`;
//! 0322 completion status → `Immunization.status`; 0271/0275 → `DocumentReference`
//! docStatus/status; 0272 → `securityLabel`; 0278 filler status → `Appointment.status`
//! and participant status; 0017 transaction type → `ChargeItem.status`; 0203 identifier type →
//! `Identifier.type` (v2-0203). Codes outside a table are reported as
//! [`ReportKind::UnknownCode`]. Coding systems named in CWE.3 (`LN`, `SCT`, `I10`,
//! `HL70203`, …) become their FHIR URIs; an unknown name is reported and the coding is
//! written without a system.
//!
//! # Extending the mapping
//!
//! Sites change mappings in Rust, without a scripting language: implement [`Overrides`]
//! (every method has a do-nothing default, so override only what you need) and call
//! [`convert_with`] / [`to_fhir_with`]. [`convert`] and [`to_fhir`] run no hook at all.
//!
//! - [`Overrides::segment`] is offered every segment but Z-segments and NTEs (an NTE
//!   goes with the segment before it) before the mapping starts;
//!   returning [`Handled::Mapped`] replaces its built-in mapping (the segment and the
//!   NTEs right after it are then left out of the built-in mapping and of the report,
//!   except what the override reports with [`Emit::report`]). Overriding PID or PV1
//!   replaces the Patient or Encounter; their ids stay the built-in ones
//!   ([`SegmentCtx::patient`], [`SegmentCtx::encounter`]) so every reference resolves,
//!   and PD1/MRG (PV2) are then reported as not mapped unless overridden too.
//! - [`Overrides::z_segment`] is offered every Z-segment (after all other segments):
//!   add resources ([`Emit::resource`]) or extensions of the Patient or Encounter
//!   ([`Emit::extension`]); [`Handled::Mapped`] stops the segment being reported.
//! - [`Overrides::code`] is asked first for every coded element: each CWE/CE/CNE coding
//!   (the translation is written before the coding as sent, so nothing is lost) and
//!   the table lookups 0001 (gender), 0004 (encounter class), 0063 (subscriber
//!   relationship), 0078 (interpretation), 0085 (observation status), 0123 (report
//!   status), 0127 (allergy category), 0128 (criticality), 0200 (name use), 0201
//!   (telecom use) and 0203 (identifier type), with `system` the table's URI
//!   (`http://terminology.hl7.org/CodeSystem/v2-0001`). For the `code`-typed elements
//!   (gender, statuses, uses, …) the answer must be an allowed code of the FHIR
//!   element's own system, or a code of the v2 table's system (which then goes through
//!   the built-in table); any other answer is ignored. Not consulted (yet): 0190
//!   address use/type, 0202 telecom equipment, 0136 yes/no. [`ConceptMap::from_json`] loads a FHIR R4 ConceptMap as such a hook;
//!   [`Chain`] puts two overrides together (the first one asked first).
//! - [`Overrides::datatype`] replaces the mapping of one CX, XPN, XAD, XTN or CWE value.
//!
//! Hooks write through [`Emit`], [`Obj`] and [`Arr`]: keys are escaped, containers are
//! opened and closed by closures and empty elements are dropped, so the Bundle stays
//! well-formed JSON whatever a hook writes.
//!
//! A Z-segment as a Patient extension:
//!
//! ```
//! use carewire_mapping::fhir::{MapConfig, TzPolicy};
//! use carewire_mapping::v2::{to_fhir_with, Emit, ExtensionTarget, Handled, Overrides, SegmentCtx};
//!
//! struct Zpi;
//! impl Overrides for Zpi {
//!     fn z_segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
//!         let Some(f) = seg.segment().field(1).filter(|_| seg.id() == "ZPI") else {
//!             return Handled::Default;
//!         };
//!         let pet = f.decoded();
//!         let url = "http://hospital.example/fhir/pet-name";
//!         if out.extension(ExtensionTarget::Patient, url, |o| o.str("valueString", &pet)) {
//!             Handled::Mapped
//!         } else {
//!             Handled::Default
//!         }
//!     }
//! }
//!
//! let msg = b"MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01|1|P|2.5.1\r\
//! PID|1||123^^^HOSP^MR||Doe^Jane\rZPI|Rex\r";
//! let out = to_fhir_with(msg, &MapConfig::with_tz(TzPolicy::Error), &mut Zpi)?;
//! assert!(out.json.contains(r#""valueString":"Rex""#));
//! assert!(out.report.is_empty());
//! # Ok::<(), carewire_mapping::fhir::Error>(())
//! ```
//!
//! A segment override: PID becomes a site-specific Patient (same id).
//!
//! ```
//! use carewire_mapping::fhir::{MapConfig, TzPolicy};
//! use carewire_mapping::v2::{to_fhir_with, Emit, Handled, Overrides, SegmentCtx};
//!
//! struct Pid;
//! impl Overrides for Pid {
//!     fn segment(&mut self, seg: &SegmentCtx<'_, '_>, out: &mut Emit<'_>) -> Handled {
//!         match (seg.id(), seg.patient()) {
//!             ("PID", Some(id)) => {
//!                 out.resource_with_id("Patient", id, |o| o.bool("active", true));
//!                 Handled::Mapped
//!             }
//!             _ => Handled::Default,
//!         }
//!     }
//! }
//!
//! let msg = b"MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01|1|P|2.5.1\r\
//! PID|1||123^^^HOSP^MR||Doe^Jane\r";
//! let out = to_fhir_with(msg, &MapConfig::with_tz(TzPolicy::Error), &mut Pid)?;
//! assert!(out.json.contains(r#""resourceType":"Patient","id":"#));
//! assert!(out.json.contains(r#""active":true"#) && !out.json.contains("Doe"));
//! # Ok::<(), carewire_mapping::fhir::Error>(())
//! ```
//!
//! A code override (here a site sex code; a [`ConceptMap`] does the same from JSON):
//!
//! ```
//! use carewire_mapping::fhir::{MapConfig, TzPolicy};
//! use carewire_mapping::v2::{to_fhir_with, Coding, Overrides};
//!
//! struct Sex;
//! impl Overrides for Sex {
//!     fn code(&self, system: &str, code: &str) -> Option<Coding> {
//!         let v2_0001 = "http://terminology.hl7.org/CodeSystem/v2-0001";
//!         // Site code W → table 0001 F (then mapped as F is).
//!         (system == v2_0001 && code == "W").then(|| Coding::new(v2_0001, "F", ""))
//!     }
//! }
//!
//! let msg = b"MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01|1|P|2.5.1\r\
//! PID|1||123^^^HOSP^MR||Doe^Jane||19800101|W\r";
//! let out = to_fhir_with(msg, &MapConfig::with_tz(TzPolicy::Error), &mut Sex)?;
//! assert!(out.json.contains(r#""gender":"female""#));
//! assert!(out.report.is_empty());
//! # Ok::<(), carewire_mapping::fhir::Error>(())
//! ```
//!
//! A datatype override: every XPN as a single `text`.
//!
//! ```
//! use carewire_hl7::Repetition;
//! use carewire_mapping::fhir::{MapConfig, TzPolicy};
//! use carewire_mapping::v2::{to_fhir_with, Datatype, Handled, Obj, Overrides};
//!
//! struct Names;
//! impl Overrides for Names {
//!     fn datatype(&mut self, kind: Datatype, v: &Repetition<'_>, out: &mut Obj<'_, '_>) -> Handled {
//!         if kind != Datatype::Xpn {
//!             return Handled::Default;
//!         }
//!         out.str("text", &v.decoded().replace('^', " "));
//!         Handled::Mapped
//!     }
//! }
//!
//! let msg = b"MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000+0100||ADT^A01|1|P|2.5.1\r\
//! PID|1||123^^^HOSP^MR||Doe^Jane\r";
//! let out = to_fhir_with(msg, &MapConfig::with_tz(TzPolicy::Error), &mut Names)?;
//! assert!(out.json.contains(r#""name":[{"text":"Doe Jane"}]"#));
//! # Ok::<(), carewire_mapping::fhir::Error>(())
//! ```
//!
//! # Endpoints
//!
//! `MessageHeader.source.endpoint` is required by FHIR R4; HL7 v2 has no URL for an
//! application, so it is `urn:oid:<MSH-3.2>` when MSH-3 carries an ISO OID and
//! `urn:hl7v2:app:<MSH-3.1>` (characters outside `[A-Za-z0-9.-]` replaced by `-`)
//! otherwise.

use std::borrow::Cow;

use carewire_hl7::datatypes::DateTime;
use carewire_hl7::{Message, Repetition, Segment, Value};

pub use crate::fhir::Conversion;
mod conceptmap;
mod extra;
mod hooks;
mod msgs;
#[cfg(test)]
mod no_silent_loss;
mod orders;
pub use conceptmap::ConceptMap;
pub use hooks::{
    Arr, Chain, Coding, Datatype, Emit, ExtensionTarget, Handled, NoOverrides, Obj, Overrides,
    SegmentCtx,
};

use crate::fhir::{
    fhir_datetime, fhir_instant, resource_id, BundleBuilder, Error, ErrorKind, Json, MapConfig,
    Report, ReportKind, ResourceId, TimeOutcome,
};

/// Parses `input` as HL7 v2 and converts it (see [`convert`]).
///
/// # Errors
///
/// [`ErrorKind::Parse`] when the input does not parse; otherwise as [`convert`].
pub fn to_fhir(input: &[u8], config: &MapConfig) -> Result<Conversion, Error> {
    let msg = Message::parse(input).map_err(|_| Error::new(ErrorKind::Parse, ""))?;
    convert(&msg, config)
}

/// Converts a parsed message into a FHIR R4 Bundle and a report.
///
/// # Errors
///
/// [`ErrorKind::UnsupportedMessage`] for message types outside the list in the module
/// docs, [`ErrorKind::MissingSegment`] when PID is missing, [`ErrorKind::MissingOffset`]
/// under [`crate::fhir::TzPolicy::Error`], and [`ErrorKind::Strict`] in strict mode when
/// the report is not empty.
pub fn convert(msg: &Message<'_>, config: &MapConfig) -> Result<Conversion, Error> {
    convert_impl(msg, config, None)
}

/// Parses `input` and converts it with `overrides` (see [`convert_with`]).
///
/// # Errors
///
/// As [`to_fhir`].
pub fn to_fhir_with(
    input: &[u8],
    config: &MapConfig,
    overrides: &mut dyn Overrides,
) -> Result<Conversion, Error> {
    let msg = Message::parse(input).map_err(|_| Error::new(ErrorKind::Parse, ""))?;
    convert_with(&msg, config, overrides)
}

/// As [`convert`], with user [`Overrides`] for segments, Z-segments, codes and
/// datatypes (see the module docs).
///
/// # Errors
///
/// As [`convert`].
pub fn convert_with(
    msg: &Message<'_>,
    config: &MapConfig,
    overrides: &mut dyn Overrides,
) -> Result<Conversion, Error> {
    convert_impl(msg, config, Some(overrides))
}

fn convert_impl(
    msg: &Message<'_>,
    config: &MapConfig,
    hooks: Option<&mut dyn Overrides>,
) -> Result<Conversion, Error> {
    let header = msg.header();
    let mtype = header.message_type().unwrap_or_default();
    let trigger = header.trigger_event().unwrap_or_default();
    let kind = match (mtype.as_ref(), trigger.as_ref()) {
        ("ADT", "A01" | "A02" | "A03" | "A04" | "A05" | "A08" | "A11" | "A28" | "A31" | "A40") => {
            Kind::Adt
        }
        ("ORU", "R01") => Kind::Oru,
        ("ORM", "O01") | ("OML", "O21") => Kind::Order,
        ("VXU", "V04") => Kind::Vxu,
        ("MDM", "T02") => Kind::Mdm,
        ("SIU", "S12") => Kind::Siu,
        ("DFT", "P03") => Kind::Dft,
        _ => return Err(Error::new(ErrorKind::UnsupportedMessage, "MSH-9")),
    };
    let mut report = Report::default();
    let timestamp = match header.datetime() {
        Some(Ok(dt)) => match fhir_instant(&dt, config.tz) {
            Ok(Some(s)) => s,
            Ok(None) => {
                report.push("MSH-7", ReportKind::PrecisionReduced);
                String::new()
            }
            Err(k) => return Err(Error::new(k, "MSH-7")),
        },
        Some(Err(_)) => {
            report.push("MSH-7", ReportKind::InvalidValue);
            String::new()
        }
        None => String::new(),
    };
    let control = msg.get_str("MSH-10").ok().flatten().unwrap_or_default();
    let sender = msg.get_str("MSH-4").ok().flatten().unwrap_or_default();
    let bundle_id = resource_id("Bundle", &[&sender, &control]);
    // FHIR JSON is typically 5-9 times the size of the HL7 v2 it comes from: one
    // generous allocation is cheaper than a doubling (which would cost 3x).
    let capacity = msg
        .as_bytes()
        .len()
        .saturating_mul(10)
        .saturating_add(1024)
        .min(1 << 26);
    let mut cx = Cx {
        b: BundleBuilder::new(
            config.bundle_type,
            &bundle_id,
            &timestamp,
            &control,
            capacity,
        ),
        rx: Rx {
            cfg: *config,
            report,
            hooks,
        },
        trigger: trigger.into_owned(),
        patient: None,
        encounter: None,
        account: None,
        focus: Vec::new(),
        practitioners: Vec::new(),
        ext_patient: String::new(),
        ext_encounter: String::new(),
        own_patient: false,
        own_encounter: false,
    };
    let segs: Vec<Seg<'_>> = label_segments(msg);
    cx.run(msg, &segs, kind)?;
    if config.strict {
        if let Some(first) = cx.rx.report.items().first() {
            return Err(Error::new(
                ErrorKind::Strict(first.kind),
                first.location.clone(),
            ));
        }
    }
    Ok(Conversion {
        json: cx.b.finish(),
        report: cx.rx.report,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Adt,
    Oru,
    /// ORM_O01, OML_O21 (mapped in `orders`).
    Order,
    /// VXU_V04, MDM_T02, SIU_S12, DFT_P03 (mapped in `msgs`).
    Vxu,
    Mdm,
    Siu,
    Dft,
}

/// A segment and its label for report locations (`PID`, or `OBX[3]` when the id occurs
/// more than once).
#[derive(Clone, Copy)]
struct Seg<'m> {
    seg: Segment<'m>,
    label: Loc<'m>,
}

/// A report location, formatted only when an item is reported: `PID`, `OBX[3]-5[2].1`.
#[derive(Clone, Copy)]
struct Loc<'a> {
    id: &'a str,
    /// Occurrence of the segment id (0 when the id occurs once).
    occ: u32,
    field: u32,
    rep: u32,
    comp: u32,
}

fn n32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<'a> Loc<'a> {
    /// Field `n`.
    fn f(self, n: usize) -> Loc<'a> {
        Loc {
            field: n32(n),
            rep: 0,
            comp: 0,
            ..self
        }
    }
    /// Field `n`, repetition `r`.
    fn r(self, n: usize, r: usize) -> Loc<'a> {
        Loc {
            rep: n32(r),
            ..self.f(n)
        }
    }
    /// This field, repetition `r`.
    fn rep(self, r: usize) -> Loc<'a> {
        Loc {
            rep: n32(r),
            comp: 0,
            ..self
        }
    }
    /// Component `c` of this field/repetition.
    fn c(self, c: usize) -> Loc<'a> {
        Loc {
            comp: n32(c),
            ..self
        }
    }
}

impl std::fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)?;
        if self.occ > 0 {
            write!(f, "[{}]", self.occ)?;
        }
        if self.field > 0 {
            write!(f, "-{}", self.field)?;
            if self.rep > 0 {
                write!(f, "[{}]", self.rep)?;
            }
            if self.comp > 0 {
                write!(f, ".{}", self.comp)?;
            }
        }
        Ok(())
    }
}

impl From<Loc<'_>> for String {
    fn from(l: Loc<'_>) -> String {
        l.to_string()
    }
}

fn label_segments<'m>(msg: &'m Message<'_>) -> Vec<Seg<'m>> {
    let mut out: Vec<Seg<'m>> = Vec::with_capacity(msg.segment_count());
    for s in msg.segments() {
        out.push(Seg {
            label: Loc {
                id: safe_id(&s),
                occ: 0,
                field: 0,
                rep: 0,
                comp: 0,
            },
            seg: s,
        });
    }
    // Occurrence numbers for ids that occur more than once: a quadratic scan for short
    // messages (no allocation), a map beyond that (linear in the number of segments).
    if out.len() <= 64 {
        for i in 0..out.len() {
            if out[i].label.occ != 0 {
                continue;
            }
            let id = out[i].seg.id();
            let mut n = 0u32;
            for later in &mut out[i..] {
                if later.seg.id() == id {
                    n += 1;
                    later.label.occ = n;
                }
            }
            if n == 1 {
                out[i].label.occ = 0;
            }
        }
    } else {
        let mut totals: std::collections::HashMap<&[u8], (u32, u32)> =
            std::collections::HashMap::new();
        for s in &out {
            totals.entry(s.seg.id()).or_insert((0, 0)).0 += 1;
        }
        for s in &mut out {
            if let Some((total, seen)) = totals.get_mut(s.seg.id()) {
                *seen += 1;
                if *total > 1 {
                    s.label.occ = *seen;
                }
            }
        }
    }
    out
}

/// The segment id for locations: only `[A-Z0-9]{3}` ids are printed (PHI-safe).
fn safe_id<'m>(s: &Segment<'m>) -> &'m str {
    let id = s.id_str();
    if id.len() == 3
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        id
    } else {
        "???"
    }
}

// ---------------------------------------------------------------------------------------
// Field tables: what each mapping consumes.
// ---------------------------------------------------------------------------------------

const fn mask(list: &[u8]) -> u32 {
    let mut m = 0u32;
    let mut i = 0;
    while i < list.len() {
        m |= 1 << list[i];
        i += 1;
    }
    m
}

const ALL: u32 = u32::MAX;
const ONE: u32 = mask(&[1]);
const CX_M: u32 = mask(&[1, 4, 5, 7, 8]);
const XPN_M: u32 = mask(&[1, 2, 3, 4, 5, 6, 7]);
const XAD_M: u32 = mask(&[1, 2, 3, 4, 5, 6, 7, 9]);
const XTN_M: u32 = mask(&[1, 2, 3, 4, 5, 6, 7, 8, 12]);
const CWE_M: u32 = mask(&[1, 2, 3, 4, 5, 6, 9]);
const XCN_M: u32 = mask(&[1, 2, 3, 4, 5, 6, 9, 13]);
const PL_M: u32 = mask(&[1, 2, 3, 4, 7, 8, 9]);
const HD_M: u32 = mask(&[1, 2, 3]);
const EI_M: u32 = mask(&[1, 2, 3, 4]);
const XON_M: u32 = mask(&[1, 10]);

/// (field, component mask, max repetitions; 0 = any).
type Spec = &'static [(u8, u32, u8)];

const MSH: Spec = &[
    (1, ALL, 1),
    (2, ALL, 1),
    (3, HD_M, 1),
    (4, HD_M, 1),
    (5, HD_M, 1),
    (6, HD_M, 1),
    (7, ONE, 1),
    (9, ALL, 1),
    (10, ALL, 1),
    (11, ONE, 1),
    (12, ALL, 1),
];
const EVN: Spec = &[
    (1, ALL, 1),
    (2, ONE, 1),
    (4, CWE_M, 1),
    (5, XCN_M, 1),
    (6, ONE, 1),
];
const PID: Spec = &[
    (1, ALL, 1),
    (2, CX_M, 1),
    (3, CX_M, 0),
    (4, CX_M, 0),
    (5, XPN_M, 0),
    (6, ONE, 1),
    (7, ONE, 1),
    (8, ONE, 1),
    // Race/ethnicity: code, display, system and text (CWE.1, .2, .3, .9) only.
    (10, mask(&[1, 2, 3, 9]), 0),
    (11, XAD_M, 0),
    (13, XTN_M, 0),
    (14, XTN_M, 0),
    (15, CWE_M, 1),
    (16, CWE_M, 1),
    (17, CWE_M, 1),
    (18, CX_M, 1),
    (19, ALL, 1),
    // Race/ethnicity: code, display, system and text (CWE.1, .2, .3, .9) only.
    (22, mask(&[1, 2, 3, 9]), 0),
    (23, ONE, 1),
    (24, ONE, 1),
    (25, ONE, 1),
    (29, ONE, 1),
    (30, ONE, 1),
];
const PD1: Spec = &[(4, XCN_M, 0)];
/// MRG-1: the merged identifier's value, authority and type (CX.1, CX.4, CX.5).
const MRG: Spec = &[(1, mask(&[1, 4, 5]), 0)];
const NK1: Spec = &[
    (1, ALL, 1),
    (2, XPN_M, 0),
    (3, CWE_M, 1),
    (4, XAD_M, 0),
    (5, XTN_M, 0),
    (6, XTN_M, 0),
    (7, CWE_M, 1),
    (8, ONE, 1),
    (9, ONE, 1),
];
const PV1: Spec = &[
    (1, ALL, 1),
    (2, ONE, 1),
    (3, PL_M, 1),
    (4, CWE_M, 1),
    (6, PL_M, 1),
    (7, XCN_M, 0),
    (8, XCN_M, 0),
    (9, XCN_M, 0),
    (10, CWE_M, 1),
    (14, CWE_M, 1),
    (17, XCN_M, 0),
    (18, CWE_M, 1),
    (19, CX_M, 1),
    (36, CWE_M, 1),
    (44, ONE, 1),
    (45, ONE, 1),
];
const PV2: Spec = &[(3, CWE_M, 1)];
const AL1: Spec = &[
    (1, ALL, 1),
    // AL1-2 and AL1-4 are read as codes (CWE.1): the other components are reported.
    (2, ONE, 1),
    (3, CWE_M, 1),
    (4, ONE, 1),
    (5, ALL, 0),
    (6, ONE, 1),
];
const DG1: Spec = &[(1, ALL, 1), (3, CWE_M, 1), (5, ONE, 1), (6, CWE_M, 1)];
const PR1: Spec = &[(1, ALL, 1), (3, CWE_M, 1), (5, ONE, 1), (12, XCN_M, 0)];
/// IN1 as `coverage` reads it: codes and names (component 1), the payor id (CX.1 and
/// its authority CX.4).
const IN1: Spec = &[
    (1, ALL, 1),
    // IN1-2: the plan code and name (CWE.1, CWE.2 → Coverage.class); the coding
    // system and alternate coding are reported.
    (2, mask(&[1, 2]), 1),
    (3, mask(&[1, 4]), 1),
    (4, ONE, 1),
    (8, ONE, 1),
    (9, ONE, 1),
    (12, ONE, 1),
    (13, ONE, 1),
    (17, ONE, 1),
    (36, ONE, 1),
];
const ORC: Spec = &[
    (1, ALL, 1),
    (2, EI_M, 1),
    (3, EI_M, 1),
    (5, ONE, 1),
    (9, ONE, 1),
    (12, XCN_M, 0),
];
const OBR: Spec = &[
    (1, ALL, 1),
    (2, EI_M, 1),
    (3, EI_M, 1),
    (4, CWE_M, 1),
    (7, ONE, 1),
    (16, XCN_M, 0),
    (22, ONE, 1),
    (24, ONE, 1),
    (25, ONE, 1),
];
const OBX: Spec = &[
    (1, ALL, 1),
    (2, ONE, 1),
    (3, CWE_M, 1),
    (4, ONE, 1),
    (5, ALL, 0),
    // Units: code, text and system (quantity_unit).
    (6, mask(&[1, 2, 3]), 1),
    (7, ONE, 1),
    (8, ONE, 0),
    (11, ONE, 1),
    (14, ONE, 1),
    // Producer id: code, name and system (CWE.1-3) make the Organization.
    (15, mask(&[1, 2, 3]), 1),
    (16, XCN_M, 0),
    (17, CWE_M, 1),
    (19, ONE, 1),
    (23, XON_M, 1),
    (24, XAD_M, 1),
    (25, XCN_M, 1),
];
const NTE: Spec = &[(1, ALL, 1), (3, ALL, 0)];

fn spec_for(id: &[u8], kind: Kind) -> Option<Spec> {
    if let Some(s) = msgs::spec_for(id, kind) {
        return Some(s);
    }
    Some(match (id, kind) {
        (b"MSH", _) => MSH,
        (b"EVN", Kind::Adt) => EVN,
        (b"PID", _) => PID,
        (b"PD1", _) => PD1,
        (b"NK1", _) => NK1,
        (b"PV1", _) => PV1,
        (b"PV2", _) => PV2,
        (b"AL1", Kind::Adt) => AL1,
        (b"DG1", Kind::Adt) => DG1,
        (b"PR1", Kind::Adt) => PR1,
        (b"IN1", Kind::Adt) => IN1,
        (b"MRG", Kind::Adt) => MRG,
        (b"ORC", Kind::Oru) => ORC,
        (b"OBR", Kind::Oru) => OBR,
        (b"OBX", _) => OBX,
        (b"NTE", _) => NTE,
        (b"ORC", Kind::Order) => orders::ORC_ORDER,
        (b"OBR", Kind::Order) => orders::OBR_ORDER,
        (b"TQ1", Kind::Order) => orders::TQ1,
        (b"SPM", Kind::Order) => orders::SPM,
        (b"AL1" | b"IN1" | b"DG1", Kind::Order) => return spec_for(id, Kind::Adt),
        _ => return None,
    })
}

/// Reports every non-empty part of `seg` that `spec` does not cover.
fn report_unmapped(s: &Seg<'_>, spec: Spec, report: &mut Report) {
    report_unmapped_with(s, spec, report, true);
}

/// [`report_unmapped`] without the byte-split fast path (the reference it is tested
/// against).
#[cfg(test)]
fn report_unmapped_general(s: &Seg<'_>, spec: Spec, report: &mut Report) {
    report_unmapped_with(s, spec, report, false);
}

fn report_unmapped_with(s: &Seg<'_>, spec: Spec, report: &mut Report, fast: bool) {
    let seg = &s.seg;
    for n in 1..=seg.field_count() {
        let Some(field) = seg.field(n) else { continue };
        if !has_content(field.raw()) {
            continue;
        }
        let Some(&(_, cmask, max)) = spec.iter().find(|(f, _, _)| usize::from(*f) == n) else {
            report.push(format!("{}-{n}", s.label), ReportKind::NotMapped);
            continue;
        };
        if cmask == ALL {
            continue;
        }
        if fast && report_unmapped_plain(s, n, field.raw(), field.delimiters(), cmask, max, report)
        {
            continue;
        }
        let nreps = field.repetition_count();
        for (r, rep) in field.repetitions().enumerate() {
            let r = r + 1;
            if !has_content(rep.raw()) {
                continue;
            }
            // Formatted only when something is reported.
            let rl = if nreps > 1 {
                s.label.r(n, r)
            } else {
                s.label.f(n)
            };
            if max != 0 && r > usize::from(max) {
                report.push(rl, ReportKind::TruncatedRepetition);
                continue;
            }
            for (c, comp) in rep.components().enumerate() {
                let c = c + 1;
                if !has_content(comp.raw()) {
                    continue;
                }
                if c >= 32 || cmask & (1 << c) == 0 {
                    report.push(rl.c(c), ReportKind::NotMapped);
                } else if c_is_primitive(cmask) && comp.subcomponents().count() > 1 {
                    // A primitive component with subcomponents: only the first is read.
                    for (k, sc) in comp.subcomponents().enumerate().skip(1) {
                        if has_content(sc.raw()) {
                            report.push(format!("{}.{}", rl.c(c), k + 1), ReportKind::NotMapped);
                        }
                    }
                }
            }
        }
    }
}

/// [`report_unmapped`] for one field by byte splitting, when the field is printable
/// ASCII (see [`plain_leaf`] for why the split is then the same). Returns false, having
/// reported nothing, when the general path must run.
fn report_unmapped_plain(
    s: &Seg<'_>,
    n: usize,
    raw: &[u8],
    d: carewire_hl7::Delimiters,
    cmask: u32,
    max: u8,
    report: &mut Report,
) -> bool {
    let (Some(cs), Some(rs)) = (d.component(), d.repetition()) else {
        return false;
    };
    if !raw.iter().all(|b| (0x20..=0x7e).contains(b)) {
        return false;
    }
    let ss = d.subcomponent();
    let many = raw.contains(&rs);
    for (r, rep) in raw.split(|&b| b == rs).enumerate() {
        let r = r + 1;
        if !has_content(rep) {
            continue;
        }
        let rl = if many { s.label.r(n, r) } else { s.label.f(n) };
        if max != 0 && r > usize::from(max) {
            report.push(rl, ReportKind::TruncatedRepetition);
            continue;
        }
        for (c, piece) in rep.split(|&b| b == cs).enumerate() {
            let c = c + 1;
            if !has_content(piece) {
                continue;
            }
            if c >= 32 || cmask & (1 << c) == 0 {
                report.push(rl.c(c), ReportKind::NotMapped);
            } else if c_is_primitive(cmask) {
                let Some(ss) = ss.filter(|ss| piece.contains(ss)) else {
                    continue;
                };
                for (k, sc) in piece.split(|&b| b == ss).enumerate().skip(1) {
                    if has_content(sc) {
                        report.push(format!("{}.{}", rl.c(c), k + 1), ReportKind::NotMapped);
                    }
                }
            }
        }
    }
    true
}

/// Masks whose components are all read as whole values (HD inside CX-4 etc. are not
/// checked below the component).
fn c_is_primitive(m: u32) -> bool {
    m == ONE
}

fn has_content(raw: &[u8]) -> bool {
    !raw.is_empty() && raw != b"\"\"" && raw.iter().any(|b| !matches!(b, b'^' | b'&' | b'~'))
}

// ---------------------------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------------------------

/// Decoded text of a leaf value (first subcomponent); empty when absent or null.
fn leaf<'m>(v: Option<Value<'m>>) -> Cow<'m, str> {
    match v {
        Some(v) if !v.is_null() && !v.is_empty() => v.decoded(),
        _ => Cow::Borrowed(""),
    }
}

/// The raw text of a TS value's first component (the DTM), when the value has content.
fn ts1<'m>(v: Option<Value<'m>>) -> Option<&'m [u8]> {
    let raw = v.filter(|v| has_content(v.raw()))?.raw();
    let end = raw.iter().position(|&b| b == b'^').unwrap_or(raw.len());
    raw.get(..end)
}

/// A repetition split into components once, for the mappings that read most components
/// of a value (CWE, CX, XPN, XAD, XTN, XCN, PL). Same results as [`comp`]/[`sub`]; the
/// split is kept only when the value is printable ASCII (see [`plain_leaf`]) and has at
/// most 16 components, otherwise every read takes the general path.
struct Parts<'m> {
    rep: Repetition<'m>,
    /// The value as text when plain (printable ASCII), else empty.
    text: &'m str,
    /// Component `i + 1` is `text[bounds[i].0..bounds[i].1]`, for `i < count`.
    bounds: [(u32, u32); 16],
    count: usize,
    plain: bool,
    ss: u8,
    esc: Option<u8>,
}

impl<'m> Parts<'m> {
    fn new(rep: &Repetition<'m>) -> Parts<'m> {
        let raw = rep.raw();
        let d = rep.delimiters();
        let mut p = Parts {
            rep: *rep,
            text: "",
            bounds: [(0, 0); 16],
            count: 0,
            plain: false,
            ss: d.subcomponent().unwrap_or(d.field()),
            esc: d.escape(),
        };
        let Some(cs) = d.component() else { return p };
        if raw.len() > u32::MAX as usize || !raw.iter().all(|b| (0x20..=0x7e).contains(b)) {
            return p;
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            return p;
        };
        let mut start = 0usize;
        for (i, &b) in raw.iter().enumerate() {
            if b == cs {
                if p.count == 15 {
                    return p;
                }
                p.bounds[p.count] = (start as u32, i as u32);
                p.count += 1;
                start = i + 1;
            }
        }
        p.bounds[p.count] = (start as u32, raw.len() as u32);
        p.count += 1;
        p.text = text;
        p.plain = true;
        p
    }

    fn comp(&self, n: usize) -> Cow<'m, str> {
        self.sub(n, 1)
    }

    fn sub(&self, n: usize, k: usize) -> Cow<'m, str> {
        if self.plain && n > 0 && k > 0 {
            let Some(&(a, b)) = self.bounds[..self.count].get(n - 1) else {
                return Cow::Borrowed("");
            };
            let mut piece = self.text.get(a as usize..b as usize).unwrap_or("");
            if k > 1 || piece.as_bytes().contains(&self.ss) {
                match piece.split(char::from(self.ss)).nth(k - 1) {
                    Some(x) => piece = x,
                    None => return Cow::Borrowed(""),
                }
            }
            if piece == "\"\"" {
                return Cow::Borrowed("");
            }
            if !self.esc.is_some_and(|e| piece.as_bytes().contains(&e)) {
                return Cow::Borrowed(piece);
            }
        }
        leaf(
            self.rep
                .component(n)
                .and_then(|c| c.subcomponent(k))
                .map(Value::from),
        )
    }
}

/// Decoded text of component `n` (its first subcomponent) of `rep`.
fn comp<'m>(rep: &Repetition<'m>, n: usize) -> Cow<'m, str> {
    sub(rep, n, 1)
}

/// Decoded text of subcomponent `k` of component `n` of `rep`.
fn sub<'m>(rep: &Repetition<'m>, n: usize, k: usize) -> Cow<'m, str> {
    if let Some(text) = plain_leaf(rep, n, k) {
        return Cow::Borrowed(text);
    }
    leaf(
        rep.component(n)
            .and_then(|c| c.subcomponent(k))
            .map(Value::from),
    )
}

/// The fast path of [`sub`]: one byte loop over the repetition instead of a search per
/// level plus escape and character-set decoding. Taken only when every byte up to the
/// end of the wanted piece is printable ASCII (0x20..=0x7e) and the piece has no escape
/// character: such bytes split the same way and decode to themselves in every
/// character set HL7 v2 allows (no multi-byte sequence or ISO 2022 shift can start
/// before them). `None` means "use the general path"; the result is the same either way.
fn plain_leaf<'m>(rep: &Repetition<'m>, n: usize, k: usize) -> Option<&'m str> {
    let raw = rep.raw();
    let d = rep.delimiters();
    // An undeclared subcomponent separator is the field separator, which never occurs
    // in a field.
    let fs = d.field();
    // No component separator: an opaque value (MSH-1, MSH-2), left to the general path.
    let cs = d.component()?;
    let ss = d.subcomponent().unwrap_or(fs);
    let esc = d.escape();
    let (mut c, mut sc, mut start) = (1usize, 1usize, 0usize);
    let mut end = raw.len();
    for (i, &b) in raw.iter().enumerate() {
        if !(0x20..=0x7e).contains(&b) {
            return None;
        }
        if b == cs {
            if c == n {
                end = i;
                break;
            }
            c += 1;
            sc = 1;
            start = i + 1;
        } else if b == ss && c == n {
            if sc == k {
                end = i;
                break;
            }
            sc += 1;
            start = i + 1;
        }
    }
    if c != n || sc != k {
        // Component or subcomponent absent (or `n`/`k` is 0).
        return (n > 0 && k > 0).then_some("");
    }
    let piece = raw.get(start..end)?;
    if piece == b"\"\"" {
        return Some("");
    }
    if esc.is_some_and(|e| piece.contains(&e)) {
        return None;
    }
    std::str::from_utf8(piece).ok()
}

/// The id of the Practitioner an XCN names (the id number under its authority, else
/// the name), without writing it: None when the XCN names nobody.
fn practitioner_id(rep: &Repetition<'_>) -> Option<ResourceId> {
    practitioner_id_of(&Parts::new(rep))
}

/// [`practitioner_id`] of an XCN already split into its parts.
fn practitioner_id_of(p: &Parts<'_>) -> Option<ResourceId> {
    let idv = p.comp(1);
    let (family, given) = (p.comp(2), p.comp(3));
    if idv.is_empty() && family.is_empty() && given.is_empty() {
        return None;
    }
    Some(if idv.is_empty() {
        resource_id("Practitioner", &["name", &family, &given, &p.comp(4)])
    } else {
        let (ns, uid, ut) = (p.sub(9, 1), p.sub(9, 2), p.sub(9, 3));
        let sys = hd_uri(&uid, &ut).unwrap_or_else(|| ns.to_string());
        resource_id("Practitioner", &[&sys, &idv])
    })
}

fn field_text<'m>(seg: &Segment<'m>, n: usize) -> Cow<'m, str> {
    match seg.field(n).and_then(|f| f.repetition(1)) {
        Some(r) => comp(&r, 1),
        None => Cow::Borrowed(""),
    }
}

/// The repetitions of field `n` that have content, collected (see [`each_rep`]).
fn reps<'m>(seg: &Segment<'m>, n: usize) -> Vec<Repetition<'m>> {
    each_rep(seg, n).collect()
}

/// The repetitions of field `n` that have content (an iterator: no allocation).
fn each_rep<'m>(seg: &Segment<'m>, n: usize) -> impl Iterator<Item = Repetition<'m>> + 'm {
    seg.field(n)
        .filter(|f| has_content(f.raw()))
        .into_iter()
        .flat_map(|f| f.repetitions())
        .filter(|r| has_content(r.raw()))
}

/// [`each_rep`] with each repetition's number (1-based, counting empty ones too), for
/// report locations.
fn each_rep_n<'m>(
    seg: &Segment<'m>,
    n: usize,
) -> impl Iterator<Item = (usize, Repetition<'m>)> + 'm {
    seg.field(n)
        .filter(|f| has_content(f.raw()))
        .into_iter()
        .flat_map(|f| f.repetitions().enumerate())
        .filter(|(_, r)| has_content(r.raw()))
        .map(|(i, r)| (i + 1, r))
}

fn rep1<'m>(seg: &Segment<'m>, n: usize) -> Option<Repetition<'m>> {
    seg.field(n)
        .and_then(|f| f.repetition(1))
        .filter(|r| has_content(r.raw()))
}

/// The FHIR URI of a v2 coding-system name (table 0396), if known.
fn system_uri(name: &str) -> Option<Cow<'static, str>> {
    let s = match name {
        "LN" | "LOINC" => "http://loinc.org",
        "SCT" | "SNM" | "SNOMED" | "SNOMEDCT" => "http://snomed.info/sct",
        "I10" | "ICD10" | "I10C" => "http://hl7.org/fhir/sid/icd-10",
        "I10P" => "http://www.cms.gov/Medicare/Coding/ICD10",
        "I9" | "I9C" | "ICD9" => "http://hl7.org/fhir/sid/icd-9-cm",
        "UCUM" => "http://unitsofmeasure.org",
        "RXNORM" | "RXN" => "http://www.nlm.nih.gov/research/umls/rxnorm",
        "C4" | "CPT" | "CPT4" => "http://www.ama-assn.org/go/cpt",
        "NDC" => "http://hl7.org/fhir/sid/ndc",
        "CVX" => "http://hl7.org/fhir/sid/cvx",
        "MVX" => "http://terminology.hl7.org/CodeSystem/MVX",
        "NCIT" => "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
        "CDCREC" => "urn:oid:2.16.840.1.113883.6.238",
        "MDC" => "urn:iso:std:iso:11073:10101",
        "DCM" => "http://dicom.nema.org/resources/ontology/DCM",
        "HCPCS" | "HCPT" => "urn:oid:2.16.840.1.113883.6.285",
        _ => {
            let t = name.strip_prefix("HL7")?;
            if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
                return Some(Cow::Owned(format!(
                    "http://terminology.hl7.org/CodeSystem/v2-{t}"
                )));
            }
            if name.starts_with("urn:") || name.starts_with("http") {
                return Some(Cow::Owned(name.to_string()));
            }
            return None;
        }
    };
    Some(Cow::Borrowed(s))
}

/// The FHIR URI of HL7 table `t` (the tables this module binds to).
fn v2_table(t: &str) -> &'static str {
    match t {
        "0002" => "http://terminology.hl7.org/CodeSystem/v2-0002",
        "0003" => "http://terminology.hl7.org/CodeSystem/v2-0003",
        "0006" => "http://terminology.hl7.org/CodeSystem/v2-0006",
        "0007" => "http://terminology.hl7.org/CodeSystem/v2-0007",
        "0018" => "http://terminology.hl7.org/CodeSystem/v2-0018",
        "0023" => "http://terminology.hl7.org/CodeSystem/v2-0023",
        "0062" => "http://terminology.hl7.org/CodeSystem/v2-0062",
        "0063" => "http://terminology.hl7.org/CodeSystem/v2-0063",
        "0069" => "http://terminology.hl7.org/CodeSystem/v2-0069",
        "0103" => "http://terminology.hl7.org/CodeSystem/v2-0103",
        "0112" => "http://terminology.hl7.org/CodeSystem/v2-0112",
        "0131" => "http://terminology.hl7.org/CodeSystem/v2-0131",
        _ => "http://terminology.hl7.org/CodeSystem/v2-0203",
    }
}

/// A URI for an HD's universal id (HD.2) of type HD.3: `urn:oid:` for ISO, `urn:uuid:`
/// for UUID, the id itself when it already is a URI; otherwise none.
fn hd_uri(uid: &str, utype: &str) -> Option<String> {
    crate::fhir::hd_uri(uid, utype)
}

/// An HD universal id (+ type) that no URI can be made of, or a type without an id:
/// written nowhere, so the caller reports it.
fn hd_unwritable(uid: &str, utype: &str) -> bool {
    if uid.is_empty() {
        !utype.is_empty()
    } else {
        hd_uri(uid, utype).is_none()
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

struct Rx<'h> {
    cfg: MapConfig,
    report: Report,
    /// User overrides ([`convert_with`]); `None` costs one branch per hook point.
    hooks: Option<&'h mut dyn Overrides>,
}

/// The v2 tables whose lookups consult [`Overrides::code`] (as `system`).
const V2_0001: &str = "http://terminology.hl7.org/CodeSystem/v2-0001";
const V2_0004: &str = "http://terminology.hl7.org/CodeSystem/v2-0004";
const V2_0078: &str = "http://terminology.hl7.org/CodeSystem/v2-0078";
const V2_0085: &str = "http://terminology.hl7.org/CodeSystem/v2-0085";
const V2_0123: &str = "http://terminology.hl7.org/CodeSystem/v2-0123";
const V2_0074: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";

/// HL7 table 0074 (diagnostic service section ID): code → display.
const TABLE_0074: &[(&str, &str)] = &[
    ("AU", "Audiology"),
    ("BG", "Blood Gases"),
    ("BLB", "Blood Bank"),
    ("CG", "Cytogenetics"),
    ("CH", "Chemistry"),
    ("CP", "Cytopathology"),
    ("CT", "CAT Scan"),
    ("CTH", "Cardiac Catheterization"),
    ("CUS", "Cardiac Ultrasound"),
    ("EC", "Electrocardiac (e.g., EKG,  EEC, Holter)"),
    ("EN", "Electroneuro (EEG, EMG,EP,PSG)"),
    ("GE", "Genetics"),
    ("HM", "Hematology"),
    ("ICU", "Bedside ICU Monitoring"),
    ("IMM", "Immunology"),
    ("LAB", "Laboratory"),
    ("MB", "Microbiology"),
    ("MCB", "Mycobacteriology"),
    ("MYC", "Mycology"),
    ("NMR", "Nuclear Magnetic Resonance"),
    ("NMS", "Nuclear Medicine Scan"),
    ("NRS", "Nursing Service Measures"),
    ("OSL", "Outside Lab"),
    ("OT", "Occupational Therapy"),
    ("OTH", "Other"),
    ("OUS", "OB Ultrasound"),
    ("PF", "Pulmonary Function"),
    ("PHR", "Pharmacy"),
    ("PHY", "Physician (Hx. Dx, admission note, etc.)"),
    ("PT", "Physical Therapy"),
    ("RAD", "Radiology"),
    ("RC", "Respiratory Care (therapy)"),
    ("RT", "Radiation Therapy"),
    ("RUS", "Radiology Ultrasound"),
    ("RX", "Radiograph"),
    ("SP", "Surgical Pathology"),
    ("SR", "Serology"),
    ("TX", "Toxicology"),
    ("VR", "Virology"),
    ("VUS", "Vascular Ultrasound"),
    ("XRC", "Cineradiograph"),
];
const V2_0063: &str = "http://terminology.hl7.org/CodeSystem/v2-0063";
const V2_0127: &str = "http://terminology.hl7.org/CodeSystem/v2-0127";
const V2_0128: &str = "http://terminology.hl7.org/CodeSystem/v2-0128";
const V2_0200: &str = "http://terminology.hl7.org/CodeSystem/v2-0200";
const V2_0201: &str = "http://terminology.hl7.org/CodeSystem/v2-0201";

impl Rx<'_> {
    /// [`Overrides::datatype`]: true when the override wrote the element (an object,
    /// member `key` or an array item) and the built-in mapping must be skipped.
    fn datatype_hook(
        &mut self,
        j: &mut Json<'_>,
        key: Option<&str>,
        kind: Datatype,
        rep: &Repetition<'_>,
    ) -> bool {
        let Some(h) = self.hooks.as_deref_mut() else {
            return false;
        };
        j.obj(key);
        let depth = j.depth();
        let done = h.datatype(kind, rep, &mut Obj { j: &mut *j });
        j.close_to(depth);
        if done == Handled::Mapped {
            j.end_obj();
            true
        } else {
            // Nothing of what a declining override wrote is kept.
            j.abandon();
            false
        }
    }

    /// [`Overrides::code`] for a non-empty code, when there are overrides.
    fn translate(&self, system: &str, code: &str) -> Option<Coding> {
        if code.is_empty() {
            return None;
        }
        self.hooks.as_deref().and_then(|h| h.code(system, code))
    }

    /// A v2 table code after [`Overrides::code`], for a `code`-typed FHIR element bound
    /// to `fhir_system` with values `allowed`: `Ok(fhir code)` when the override maps
    /// into that system with an allowed code, `Err(v2 code)` otherwise (the translated
    /// code when the override maps into the v2 table itself, else the code as sent).
    fn table_code<'c>(
        &self,
        table: &str,
        fhir_system: &str,
        allowed: &[&'static str],
        code: &'c str,
    ) -> Result<&'static str, Cow<'c, str>> {
        match self.translate(table, code) {
            Some(c) if c.system == fhir_system => match allowed.iter().find(|a| **a == c.code) {
                Some(a) => Ok(a),
                None => Err(Cow::Borrowed(code)),
            },
            Some(c) if c.system == table => Err(Cow::Owned(c.code)),
            _ => Err(Cow::Borrowed(code)),
        }
    }

    /// A TS/DTM value as a FHIR dateTime (reports invalid values and dropped times).
    fn datetime(&mut self, v: Option<Value<'_>>, loc: Loc<'_>) -> Result<Option<String>, Error> {
        let Some(text) = ts1(v) else {
            return Ok(None);
        };
        let dt = match DateTime::parse(text) {
            Ok(dt) => dt,
            Err(_) => {
                self.report.push(loc, ReportKind::InvalidValue);
                return Ok(None);
            }
        };
        if dt.year() < 1 {
            self.report.push(loc, ReportKind::InvalidValue);
            return Ok(None);
        }
        match fhir_datetime(&dt, self.cfg.tz) {
            Ok(TimeOutcome::Ok(s)) => Ok(Some(s)),
            Ok(TimeOutcome::Reduced(s)) => {
                self.report.push(loc, ReportKind::PrecisionReduced);
                Ok(Some(s))
            }
            Err(k) => Err(Error::new(k, loc)),
        }
    }

    /// A TS/DTM value as a FHIR instant (None + report when coarser than seconds).
    fn instant(&mut self, v: Option<Value<'_>>, loc: Loc<'_>) -> Result<Option<String>, Error> {
        let Some(text) = ts1(v) else {
            return Ok(None);
        };
        let Ok(dt) = DateTime::parse(text) else {
            self.report.push(loc, ReportKind::InvalidValue);
            return Ok(None);
        };
        match fhir_instant(&dt, self.cfg.tz) {
            Ok(Some(s)) => Ok(Some(s)),
            Ok(None) => {
                self.report.push(loc, ReportKind::PrecisionReduced);
                Ok(None)
            }
            Err(k) => Err(Error::new(k, loc)),
        }
    }

    /// A date only (birthDate): a time part is kept elsewhere or reported by the caller.
    fn date(&mut self, v: Option<Value<'_>>, loc: Loc<'_>) -> Option<String> {
        let text = ts1(v)?;
        let text = text.get(..text.len().min(8))?;
        match DateTime::parse(text) {
            Ok(dt) if dt.year() >= 1 => {
                use std::fmt::Write;
                let mut s = String::with_capacity(10);
                let _ = write!(s, "{:04}", dt.year());
                if let Some(m) = dt.month() {
                    let _ = write!(s, "-{m:02}");
                    if let Some(d) = dt.day() {
                        let _ = write!(s, "-{d:02}");
                    }
                }
                Some(s)
            }
            _ => {
                self.report.push(loc, ReportKind::InvalidValue);
                None
            }
        }
    }

    /// Writes a CodeableConcept from a CWE/CE/CNE repetition. `default_system` is used
    /// when CWE.3 is empty (the table the field is bound to).
    fn codeable(
        &mut self,
        j: &mut Json<'_>,
        key: Option<&str>,
        rep: &Repetition<'_>,
        default_system: Option<&str>,
        loc: Loc<'_>,
    ) {
        if self.hooks.is_some() && self.datatype_hook(j, key, Datatype::Cwe, rep) {
            return;
        }
        let p = Parts::new(rep);
        j.obj(key);
        j.arr(Some("coding"));
        for (c, d, s) in [(1, 2, 3), (4, 5, 6)] {
            let code = p.comp(c);
            let display = p.comp(d);
            if code.is_empty() && display.is_empty() {
                if !p.comp(s).is_empty() {
                    // A coding system without a code has nothing to qualify.
                    self.report.push(loc.c(s), ReportKind::NotMapped);
                }
                continue;
            }
            if code.is_empty() && (c == 4 || !p.comp(9).is_empty()) {
                // Display-only: only CWE.2 becomes the text, and only without CWE.9.
                self.report.push(loc.c(d), ReportKind::NotMapped);
            }
            let sysname = p.comp(s);
            let known: Option<Cow<'_, str>> = if sysname.is_empty() {
                default_system.map(Cow::Borrowed)
            } else {
                system_uri(&sysname)
            };
            // A code override: its coding first, then the coding as sent (whose unknown
            // system is then not reported: the code was translated).
            let translated = match &known {
                _ if self.hooks.is_none() => None,
                Some(u) => self.translate(u, &code),
                None => self.translate(&sysname, &code),
            };
            if let Some(t) = &translated {
                j.coding(&t.system, &t.code, &t.display);
            }
            let system = match known {
                None if !sysname.is_empty() && translated.is_none() => {
                    self.report.push(loc.c(s), ReportKind::UnknownCode("0396"));
                    None
                }
                other => other,
            };
            if code.is_empty() {
                continue; // display-only: written as text below
            }
            j.obj(None);
            if let Some(sys) = &system {
                j.str(Some("system"), sys);
            }
            j.str(Some("code"), &code);
            j.str(Some("display"), &display);
            j.end_obj();
        }
        j.end_arr();
        let text = p.comp(9);
        if !text.is_empty() {
            j.str(Some("text"), &text);
        } else if p.comp(1).is_empty() {
            j.str(Some("text"), &p.comp(2));
        }
        j.end_obj();
    }

    fn identifier(
        &mut self,
        j: &mut Json<'_>,
        rep: &Repetition<'_>,
        loc: Loc<'_>,
    ) -> Result<(), Error> {
        if self.hooks.is_some() && self.datatype_hook(j, None, Datatype::Cx, rep) {
            return Ok(());
        }
        let p = Parts::new(rep);
        j.obj(None);
        let ty = p.comp(5);
        if let Some(t) = self.translate(v2_table("0203"), &ty) {
            j.concept(Some("type"), &t.system, &t.code, &t.display);
        } else if !ty.is_empty() {
            j.concept(Some("type"), v2_table("0203"), &ty, "");
        }
        let (ns, uid, ut) = (p.sub(4, 1), p.sub(4, 2), p.sub(4, 3));
        if let Some(sys) = hd_uri(&uid, &ut) {
            j.str(Some("system"), &sys);
        } else if hd_unwritable(&uid, &ut) {
            self.report.push(loc.c(4), ReportKind::InvalidValue);
        }
        j.str(Some("value"), &p.comp(1));
        let start = self.datetime(rep.component(7).map(Value::from), loc.c(7))?;
        let end = self.datetime(rep.component(8).map(Value::from), loc.c(8))?;
        j.obj(Some("period"));
        j.str(Some("start"), start.as_deref().unwrap_or(""));
        j.str(Some("end"), end.as_deref().unwrap_or(""));
        j.end_obj();
        if !ns.is_empty() {
            j.obj(Some("assigner"));
            j.str(Some("display"), &ns);
            j.end_obj();
        }
        j.end_obj();
        Ok(())
    }
}

fn cx_key<'m>(rep: &Repetition<'m>) -> (String, Cow<'m, str>) {
    let p = Parts::new(rep);
    let (ns, uid, ut) = (p.sub(4, 1), p.sub(4, 2), p.sub(4, 3));
    (crate::fhir::authority_key(&ns, &uid, &ut), p.comp(1))
}

fn human_name(j: &mut Json<'_>, rep: &Repetition<'_>, rx: &mut Rx, loc: Loc<'_>) {
    if rx.hooks.is_some() && rx.datatype_hook(j, None, Datatype::Xpn, rep) {
        return;
    }
    let p = Parts::new(rep);
    j.obj(None);
    let ty = p.comp(7);
    if !ty.is_empty() {
        let u = match rx.table_code(
            V2_0200,
            "http://hl7.org/fhir/name-use",
            &[
                "usual",
                "official",
                "temp",
                "nickname",
                "anonymous",
                "old",
                "maiden",
            ],
            &ty,
        ) {
            Ok(v) => v,
            Err(code) => match code.as_ref() {
                "L" | "R" => "official",
                "D" => "usual",
                "M" => "maiden",
                "N" => "nickname",
                "MSK" => "anonymous",
                "TEMP" | "NAV" => "temp",
                "BAD" => "old",
                _ => {
                    rx.report.push(loc.c(7), ReportKind::UnknownCode("0200"));
                    ""
                }
            },
        };
        j.str(Some("use"), u);
    }
    j.str(Some("family"), &p.comp(1));
    j.arr(Some("given"));
    j.str(None, &p.comp(2));
    j.str(None, &p.comp(3));
    j.end_arr();
    j.arr(Some("prefix"));
    j.str(None, &p.comp(5));
    j.end_arr();
    j.arr(Some("suffix"));
    j.str(None, &p.comp(4));
    j.str(None, &p.comp(6));
    j.end_arr();
    j.end_obj();
}

fn address(j: &mut Json<'_>, rep: &Repetition<'_>, rx: &mut Rx, loc: Loc<'_>) {
    if rx.hooks.is_some() && rx.datatype_hook(j, None, Datatype::Xad, rep) {
        return;
    }
    let p = Parts::new(rep);
    j.obj(None);
    let ty = p.comp(7);
    if !ty.is_empty() {
        let (u, t) = match ty.as_ref() {
            "H" => ("home", ""),
            "B" | "O" => ("work", ""),
            "C" => ("temp", ""),
            "BA" => ("old", ""),
            "BI" => ("billing", ""),
            "M" => ("", "postal"),
            "SH" => ("", "physical"),
            _ => {
                rx.report.push(loc.c(7), ReportKind::UnknownCode("0190"));
                ("", "")
            }
        };
        j.str(Some("use"), u);
        j.str(Some("type"), t);
    }
    j.arr(Some("line"));
    j.str(None, &p.comp(1));
    j.str(None, &p.comp(2));
    j.end_arr();
    j.str(Some("city"), &p.comp(3));
    j.str(Some("district"), &p.comp(9));
    j.str(Some("state"), &p.comp(4));
    j.str(Some("postalCode"), &p.comp(5));
    j.str(Some("country"), &p.comp(6));
    j.end_obj();
}

fn contact_point(
    j: &mut Json<'_>,
    rep: &Repetition<'_>,
    default_use: &str,
    rx: &mut Rx,
    loc: Loc<'_>,
) {
    if rx.hooks.is_some() && rx.datatype_hook(j, None, Datatype::Xtn, rep) {
        return;
    }
    let p = Parts::new(rep);
    let equip = p.comp(3);
    let email = p.comp(4);
    let (system, mobile) = match equip.as_ref() {
        "" => (if email.is_empty() { "phone" } else { "email" }, false),
        "PH" => ("phone", false),
        "FX" => ("fax", false),
        "CP" => ("phone", true),
        "BP" => ("pager", false),
        "Internet" | "X.400" => ("email", false),
        "MD" | "SAT" | "TDD" | "TTY" => ("other", false),
        _ => {
            rx.report.push(loc.c(3), ReportKind::UnknownCode("0202"));
            ("other", false)
        }
    };
    let value: String = if system == "email" && !email.is_empty() {
        email.into_owned()
    } else {
        let (cc, area, local, ext) = (p.comp(5), p.comp(6), p.comp(7), p.comp(8));
        if !local.is_empty() {
            let mut v = String::new();
            if !cc.is_empty() {
                v.push('+');
                v.push_str(&cc);
                v.push(' ');
            }
            if !area.is_empty() {
                v.push('(');
                v.push_str(&area);
                v.push_str(") ");
            }
            v.push_str(&local);
            if !ext.is_empty() {
                v.push_str(" ext. ");
                v.push_str(&ext);
            }
            v
        } else {
            let u = p.comp(12);
            if u.is_empty() {
                p.comp(1).into_owned()
            } else {
                u.into_owned()
            }
        }
    };
    // The value comes from one source: the e-mail, else the number parts, else the
    // unformatted number (XTN.12), else XTN.1; the others are reported.
    let used: &[usize] = if system == "email" && !p.comp(4).is_empty() {
        &[4]
    } else if !p.comp(7).is_empty() {
        &[5, 6, 7, 8]
    } else if !p.comp(12).is_empty() {
        &[12]
    } else {
        &[1]
    };
    for k in [1usize, 4, 5, 6, 7, 8, 12] {
        if !used.contains(&k) && !p.comp(k).is_empty() {
            rx.report.push(loc.c(k), ReportKind::NotMapped);
        }
    }
    if value.trim().is_empty() {
        return;
    }
    let uc = p.comp(2);
    let use_ = if mobile || uc == "PRS" {
        "mobile"
    } else {
        match rx.table_code(
            V2_0201,
            "http://hl7.org/fhir/contact-point-use",
            &["home", "work", "temp", "old", "mobile"],
            &uc,
        ) {
            Ok(v) => v,
            Err(code) => match code.as_ref() {
                "" => default_use,
                "PRN" | "VHN" | "ORN" => "home",
                "WPN" => "work",
                "ASN" | "EMR" | "NET" | "BPN" => "",
                _ => {
                    rx.report.push(loc.c(2), ReportKind::UnknownCode("0201"));
                    ""
                }
            },
        }
    };
    j.obj(None);
    j.str(Some("system"), system);
    j.str(Some("value"), &value);
    j.str(Some("use"), use_);
    j.end_obj();
}

// ---------------------------------------------------------------------------------------
// The conversion
// ---------------------------------------------------------------------------------------

struct Cx<'h> {
    b: BundleBuilder,
    rx: Rx<'h>,
    trigger: String,
    patient: Option<ResourceId>,
    encounter: Option<ResourceId>,
    /// The Account of PID-18.
    account: Option<ResourceId>,
    focus: Vec<ResourceId>,
    /// Extensions from Z-segment hooks (JSON objects, comma-separated) for the Patient
    /// and the Encounter.
    ext_patient: String,
    ext_encounter: String,
    /// The Patient / Encounter segment is mapped by an override.
    own_patient: bool,
    own_encounter: bool,
    /// Practitioners written: id and a fingerprint of what was written, so a later XCN
    /// with the same id but other details is reported, not dropped.
    practitioners: Vec<(ResourceId, ResourceId)>,
}

/// The Patient id of a PID: its first identifier, else its name and birth date.
fn patient_id_of(seg: &Segment<'_>) -> ResourceId {
    match each_rep(seg, 3).next().as_ref() {
        Some(r) => {
            let (s, v) = cx_key(r);
            crate::fhir::patient_id(&s, &v)
        }
        None => {
            let name = seg.field(5).map(|f| f.raw()).unwrap_or(b"");
            let birth = seg.field(7).map(|f| f.raw()).unwrap_or(b"");
            resource_id(
                "Patient",
                &[
                    "pid",
                    &String::from_utf8_lossy(name),
                    &String::from_utf8_lossy(birth),
                ],
            )
        }
    }
}

/// The Encounter id of a PV1: its visit number (PV1-19), else the patient's.
fn encounter_id_of(seg: &Segment<'_>, patient: &ResourceId) -> ResourceId {
    match rep1(seg, 19) {
        Some(r) => {
            let (s, v) = cx_key(&r);
            resource_id("Encounter", &[&s, &v])
        }
        None => resource_id("Encounter", &[patient.as_str(), "pv1"]),
    }
}

/// One OBR group of an ORU.
struct Group<'s, 'm> {
    orc: Option<&'s Seg<'m>>,
    obr: &'s Seg<'m>,
    notes: Vec<&'s Seg<'m>>,
    obx: Vec<(&'s Seg<'m>, Vec<&'s Seg<'m>>)>,
}

impl Cx<'_> {
    /// Offers every segment to the [`Overrides`] (segments first, then Z-segments, so a
    /// Z hook knows whether the Patient is built in). Returns the segments left to the
    /// built-in mapping (`None`: all of them) and whether MSH was overridden.
    fn run_hooks<'m>(
        &mut self,
        msg: &Message<'_>,
        segs: &[Seg<'m>],
    ) -> Result<(Option<Vec<Seg<'m>>>, bool), Error> {
        let pid = segs
            .iter()
            .find(|s| s.seg.id() == b"PID")
            .ok_or_else(|| Error::new(ErrorKind::MissingSegment, "PID"))?;
        let patient = patient_id_of(&pid.seg);
        self.patient = Some(patient);
        let pv1 = segs.iter().find(|s| s.seg.id() == b"PV1");
        self.encounter = pv1.map(|pv1| encounter_id_of(&pv1.seg, &patient));
        // handled[i]: segment i is mapped by a hook (or is an NTE owned by one).
        let mut handled = vec![false; segs.len()];
        let mut own_msh = false;
        for z in [false, true] {
            let mut i = 0;
            while i < segs.len() {
                let s = &segs[i];
                let mut k = i + 1;
                while k < segs.len() && segs[k].seg.id() == b"NTE" {
                    k += 1;
                }
                let is_z = s.seg.id().first() == Some(&b'Z');
                if is_z != z || s.seg.id() == b"NTE" {
                    i += 1;
                    continue;
                }
                let ctx = SegmentCtx {
                    msg,
                    seg: s,
                    notes: &segs[i + 1..k],
                    patient: self.patient,
                    encounter: self.encounter,
                };
                let Cx {
                    b,
                    rx,
                    ext_patient,
                    ext_encounter,
                    own_patient,
                    own_encounter,
                    encounter,
                    ..
                } = self;
                let Some(h) = rx.hooks.as_deref_mut() else {
                    return Ok((None, false));
                };
                let mut out = Emit {
                    b,
                    report: &mut rx.report,
                    label: s.label,
                    ext_patient,
                    ext_encounter,
                    patient_overridden: *own_patient,
                    // No PV1: no Encounter to extend.
                    encounter_overridden: *own_encounter || encounter.is_none(),
                };
                let done = if z {
                    h.z_segment(&ctx, &mut out)
                } else {
                    h.segment(&ctx, &mut out)
                };
                if done == Handled::Mapped {
                    for flag in &mut handled[i..k] {
                        *flag = true;
                    }
                    match s.seg.id() {
                        b"PID" if std::ptr::eq(s, pid) => *own_patient = true,
                        b"PV1" if pv1.is_some_and(|x| std::ptr::eq(x, s)) => {
                            *own_encounter = true;
                        }
                        b"MSH" => own_msh = true,
                        _ => {}
                    }
                    i = k;
                } else {
                    i += 1;
                }
            }
        }
        if !handled.contains(&true) {
            return Ok((None, false));
        }
        let kept = segs
            .iter()
            .zip(&handled)
            .filter(|(_, h)| !**h)
            .map(|(s, _)| *s)
            .collect();
        Ok((Some(kept), own_msh))
    }

    fn run(&mut self, msg: &Message<'_>, segs: &[Seg<'_>], kind: Kind) -> Result<(), Error> {
        let (kept, own_msh) = if self.rx.hooks.is_some() {
            self.run_hooks(msg, segs)?
        } else {
            (None, false)
        };
        let segs = kept.as_deref().unwrap_or(segs);
        // Report pass: whatever the tables do not cover. Segments that only feed an
        // overridden Patient or Encounter are not mapped by anything.
        for s in segs {
            let orphan = match s.seg.id() {
                b"PD1" | b"MRG" => self.own_patient,
                b"PV2" => self.own_encounter,
                _ => false,
            };
            match spec_for(s.seg.id(), kind).filter(|_| !orphan) {
                Some(spec) => report_unmapped(s, spec, &mut self.rx.report),
                None => self.rx.report.push(s.label, ReportKind::SegmentNotMapped),
            }
        }
        let find = |id: &[u8]| segs.iter().find(|s| s.seg.id() == id);
        if !self.own_patient {
            let pid = find(b"PID").ok_or_else(|| Error::new(ErrorKind::MissingSegment, "PID"))?;
            self.patient(pid, find(b"PD1"), find(b"MRG"))?;
            self.account(pid)?;
        }
        for s in segs.iter().filter(|s| s.seg.id() == b"NK1") {
            self.related_person(s)?;
        }
        if let Some(pv1) = find(b"PV1").filter(|_| !self.own_encounter) {
            self.encounter(pv1, find(b"PV2"))?;
        }
        match kind {
            Kind::Adt => {
                for s in segs {
                    match s.seg.id() {
                        b"AL1" => self.allergy(s)?,
                        b"DG1" => self.condition(s)?,
                        b"PR1" => self.procedure(s)?,
                        b"IN1" => self.coverage(s)?,
                        _ => {}
                    }
                }
                // OBX in ADT: observations about the patient (with their NTEs).
                let mut i = 0;
                while i < segs.len() {
                    if segs[i].seg.id() == b"OBX" {
                        let mut notes = Vec::new();
                        let mut k = i + 1;
                        while k < segs.len() && segs[k].seg.id() == b"NTE" {
                            notes.push(&segs[k]);
                            k += 1;
                        }
                        // The segment's position: the same as `i` unless hooks took
                        // segments out of `segs`.
                        let key = format!("adt-{}", segs[i].seg.position());
                        let id = resource_id("Observation", &[self.patient_key(), &key]);
                        self.observation(&segs[i], &notes, id, None)?;
                        i = k;
                    } else {
                        if segs[i].seg.id() == b"NTE" {
                            // A note that follows no OBX has no resource to go to.
                            self.rx
                                .report
                                .push(segs[i].label, ReportKind::SegmentNotMapped);
                        }
                        i += 1;
                    }
                }
                if let Some(p) = self.patient {
                    self.focus.insert(0, p);
                }
                if let Some(e) = self.encounter {
                    self.focus.push(e);
                }
                if let Some(evn) = find(b"EVN") {
                    self.provenance(msg, evn)?;
                }
            }
            Kind::Oru => {
                let groups = oru_groups(segs, &mut self.rx.report);
                for g in &groups {
                    self.order_group(g)?;
                }
            }
            Kind::Order => self.orders(segs)?,
            Kind::Vxu | Kind::Mdm | Kind::Siu | Kind::Dft => self.other_message(msg, segs, kind)?,
        }
        if !own_msh {
            self.message_header(msg)?;
        }
        Ok(())
    }

    fn patient_key(&self) -> &str {
        self.patient.as_ref().map(|p| p.as_str()).unwrap_or("")
    }

    fn practitioner(
        &mut self,
        rep: &Repetition<'_>,
        loc: Loc<'_>,
    ) -> Result<Option<ResourceId>, Error> {
        let p = Parts::new(rep);
        let Some(id) = practitioner_id_of(&p) else {
            if has_content(rep.raw()) {
                // Name parts or an authority without an id, family or given name.
                self.rx.report.push(loc, ReportKind::NotMapped);
            }
            return Ok(None);
        };
        let idv = p.comp(1);
        let (ns, uid, ut) = (p.sub(9, 1), p.sub(9, 2), p.sub(9, 3));
        let family = p.comp(2);
        let given = p.comp(3);
        let fp = resource_id(
            "Practitioner",
            &[
                &idv,
                &ns,
                &uid,
                &ut,
                &family,
                &given,
                &p.comp(4),
                &p.comp(5),
                &p.comp(6),
                &p.comp(13),
            ],
        );
        if hd_unwritable(&uid, &ut) {
            self.rx.report.push(loc.c(9), ReportKind::InvalidValue);
        }
        let Some(mut j) = self.b.begin("Practitioner", id) else {
            // Written before: other details of the same practitioner have no place.
            if self.practitioners.iter().any(|(q, f)| *q == id && *f != fp) {
                self.rx.report.push(loc, ReportKind::NotMapped);
            }
            return Ok(Some(id));
        };
        self.practitioners.push((id, fp));
        j.arr(Some("identifier"));
        j.obj(None);
        let id_type = p.comp(13);
        if !id_type.is_empty() && !idv.is_empty() {
            j.concept(Some("type"), v2_table("0203"), &id_type, "");
        }
        if let Some(s) = hd_uri(&uid, &ut) {
            j.str(Some("system"), &s);
        }
        j.str(Some("value"), &idv);
        if !ns.is_empty() {
            j.obj(Some("assigner"));
            j.str(Some("display"), &ns);
            j.end_obj();
        }
        j.end_obj();
        j.end_arr();
        j.arr(Some("name"));
        j.obj(None);
        j.str(Some("family"), &family);
        j.arr(Some("given"));
        j.str(None, &given);
        j.str(None, &p.comp(4));
        j.end_arr();
        j.arr(Some("prefix"));
        j.str(None, &p.comp(6));
        j.end_arr();
        j.arr(Some("suffix"));
        j.str(None, &p.comp(5));
        j.end_arr();
        j.end_obj();
        j.end_arr();
        drop(j);
        self.b.end();
        Ok(Some(id))
    }

    fn organization(&mut self, name: &str, ident: Option<(&str, &str)>) -> Option<ResourceId> {
        let (sys, val) = ident.unwrap_or(("", ""));
        if name.is_empty() && val.is_empty() {
            return None;
        }
        let id = if val.is_empty() {
            resource_id("Organization", &["name", name])
        } else {
            resource_id("Organization", &[sys, val])
        };
        if let Some(mut j) = self.b.begin("Organization", id) {
            j.arr(Some("identifier"));
            j.obj(None);
            j.str(Some("system"), sys);
            j.str(Some("value"), val);
            j.end_obj();
            j.end_arr();
            j.str(Some("name"), name);
            drop(j);
            self.b.end();
        }
        Some(id)
    }

    fn hd_organization(&mut self, seg: &Segment<'_>, n: usize) -> Option<ResourceId> {
        let rep = rep1(seg, n)?;
        let (ns, uid, ut) = (comp(&rep, 1), comp(&rep, 2), comp(&rep, 3));
        let uri = hd_uri(&uid, &ut);
        match uri {
            Some(u) => self.organization(&ns, Some(("urn:ietf:rfc:3986", &u))),
            None => self.organization(&ns, None),
        }
    }

    fn patient(
        &mut self,
        pid: &Seg<'_>,
        pd1: Option<&Seg<'_>>,
        mrg: Option<&Seg<'_>>,
    ) -> Result<(), Error> {
        let seg = &pid.seg;
        let l = &pid.label;
        let id = patient_id_of(seg);
        self.patient = Some(id);
        let mut gps = Vec::new();
        if let Some(pd1) = pd1 {
            for (i, r) in each_rep_n(&pd1.seg, 4) {
                if let Some(p) = self.practitioner(&r, pd1.label.r(4, i))? {
                    gps.push(p);
                }
            }
        }
        let gender_code = field_text(seg, 8);
        let gender = match self.rx.table_code(
            V2_0001,
            "http://hl7.org/fhir/administrative-gender",
            &["male", "female", "other", "unknown"],
            &gender_code,
        ) {
            Ok(g) => g,
            Err(code) => match code.as_ref() {
                "" => "",
                "F" => "female",
                "M" => "male",
                "U" => "unknown",
                "O" | "A" | "N" => "other",
                _ => {
                    self.rx.report.push(l.f(8), ReportKind::UnknownCode("0001"));
                    ""
                }
            },
        };
        let birth_v = seg.field(7).map(Value::from);
        let birth_date = self.rx.date(birth_v, l.f(7));
        let birth_has_time = birth_v.is_some_and(|v| {
            let r = v.raw();
            r.iter().take_while(|&&b| b != b'^').count() > 8
        });
        let birth_time = if birth_has_time {
            self.rx.datetime(birth_v, l.f(7))?
        } else {
            None
        };
        let deceased = self.rx.datetime(seg.field(29).map(Value::from), l.f(29))?;
        let Cx {
            b,
            rx,
            ext_patient: ext,
            ..
        } = self;
        let Some(mut j) = b.begin("Patient", id) else {
            return Ok(());
        };
        j.arr(Some("identifier"));
        for n in [2usize, 3, 4] {
            let many = each_rep(seg, n).nth(1).is_some();
            for (i, r) in each_rep_n(seg, n) {
                let loc = if many { l.r(n, i) } else { l.f(n) };
                rx.identifier(&mut j, &r, loc)?;
            }
        }
        let ssn = field_text(seg, 19);
        if !ssn.is_empty() {
            j.obj(None);
            j.concept(Some("type"), v2_table("0203"), "SS", "");
            j.str(Some("system"), "http://hl7.org/fhir/sid/us-ssn");
            j.str(Some("value"), &ssn);
            j.end_obj();
        }
        j.end_arr();
        j.arr(Some("name"));
        for (i, r) in each_rep_n(seg, 5) {
            human_name(&mut j, &r, rx, l.r(5, i));
        }
        j.end_arr();
        j.arr(Some("telecom"));
        for (n, u) in [(13usize, "home"), (14, "work")] {
            for (i, r) in each_rep_n(seg, n) {
                contact_point(&mut j, &r, u, rx, l.r(n, i));
            }
        }
        j.end_arr();
        j.arr(Some("extension"));
        if let Some(r) = rep1(seg, 6) {
            // PID-6 mother's maiden name (XPN.1 family name).
            j.obj(None);
            j.str(
                Some("url"),
                "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
            );
            j.str(Some("valueString"), &comp(&r, 1));
            j.end_obj();
        }
        if let Some(r) = rep1(seg, 17) {
            j.obj(None);
            j.str(
                Some("url"),
                "http://hl7.org/fhir/StructureDefinition/patient-religion",
            );
            rx.codeable(
                &mut j,
                Some("valueCodeableConcept"),
                &r,
                Some(v2_table("0006")),
                l.f(17),
            );
            j.end_obj();
        }
        let birth_place = field_text(seg, 23);
        if !birth_place.is_empty() {
            j.obj(None);
            j.str(
                Some("url"),
                "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
            );
            j.obj(Some("valueAddress"));
            j.str(Some("text"), &birth_place);
            j.end_obj();
            j.end_obj();
        }
        extra::race_ethnicity(&mut j, seg, rx, l);
        j.raw(None, ext);
        j.end_arr();
        j.str(Some("gender"), gender);
        if let Some(d) = &birth_date {
            j.str(Some("birthDate"), d);
        }
        if let Some(t) = &birth_time {
            if t.contains('T') {
                j.obj(Some("_birthDate"));
                j.arr(Some("extension"));
                j.obj(None);
                j.str(
                    Some("url"),
                    "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                );
                j.str(Some("valueDateTime"), t);
                j.end_obj();
                j.end_arr();
                j.end_obj();
            }
        }
        if let Some(d) = &deceased {
            j.str(Some("deceasedDateTime"), d);
        } else {
            match field_text(seg, 30).as_ref() {
                "Y" => j.raw(Some("deceasedBoolean"), "true"),
                "N" => j.raw(Some("deceasedBoolean"), "false"),
                "" => {}
                _ => rx.report.push(l.f(30), ReportKind::UnknownCode("0136")),
            }
        }
        j.arr(Some("address"));
        for (i, r) in each_rep_n(seg, 11) {
            address(&mut j, &r, rx, l.r(11, i));
        }
        j.end_arr();
        if let Some(r) = rep1(seg, 16) {
            rx.codeable(
                &mut j,
                Some("maritalStatus"),
                &r,
                Some(v2_table("0002")),
                l.f(16),
            );
        }
        let order = field_text(seg, 25);
        if let Ok(n) = order.trim().parse::<u32>() {
            j.raw(Some("multipleBirthInteger"), &n.to_string());
        } else {
            if !order.is_empty() {
                rx.report.push(l.f(25), ReportKind::InvalidValue);
            }
            match field_text(seg, 24).as_ref() {
                "Y" => j.raw(Some("multipleBirthBoolean"), "true"),
                "N" => j.raw(Some("multipleBirthBoolean"), "false"),
                "" => {}
                _ => rx.report.push(l.f(24), ReportKind::UnknownCode("0136")),
            }
        }
        if let Some(r) = rep1(seg, 15) {
            j.arr(Some("communication"));
            j.obj(None);
            rx.codeable(&mut j, Some("language"), &r, None, l.f(15));
            j.end_obj();
            j.end_arr();
        }
        j.arr(Some("generalPractitioner"));
        for p in &gps {
            j.reference(None, p);
        }
        j.end_arr();
        if let Some(mrg) = mrg {
            if each_rep(&mrg.seg, 1).next().is_some() {
                j.arr(Some("link"));
                for (i, r) in each_rep_n(&mrg.seg, 1) {
                    j.obj(None);
                    j.obj(Some("other"));
                    j.obj(Some("identifier"));
                    let (s, v) = cx_key(&r);
                    if !s.is_empty() && !s.contains(':') {
                        // An authority that names no URI has no place in the identifier.
                        rx.report
                            .push(mrg.label.r(1, i).c(4), ReportKind::NotMapped);
                    }
                    let ty = comp(&r, 5);
                    if !ty.is_empty() {
                        j.concept(Some("type"), v2_table("0203"), &ty, "");
                    }
                    if s.contains(':') {
                        j.str(Some("system"), &s);
                    }
                    j.str(Some("value"), &v);
                    j.end_obj();
                    j.end_obj();
                    j.str(Some("type"), "replaces");
                    j.end_obj();
                }
                j.end_arr();
            }
        }
        drop(j);
        b.end();
        Ok(())
    }

    fn related_person(&mut self, s: &Seg<'_>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &s.seg;
        let l = &s.label;
        let setid = field_text(seg, 1);
        let id = resource_id(
            "RelatedPerson",
            &[patient.as_str(), &setid, &s.seg.position().to_string()],
        );
        let start = self.rx.datetime(seg.field(8).map(Value::from), l.f(8))?;
        let end = self.rx.datetime(seg.field(9).map(Value::from), l.f(9))?;
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("RelatedPerson", id) else {
            return Ok(());
        };
        j.reference(Some("patient"), &patient);
        j.arr(Some("relationship"));
        if let Some(r) = rep1(seg, 3) {
            rx.codeable(&mut j, None, &r, Some(v2_table("0063")), l.f(3));
        }
        if let Some(r) = rep1(seg, 7) {
            rx.codeable(&mut j, None, &r, Some(v2_table("0131")), l.f(7));
        }
        j.end_arr();
        j.arr(Some("name"));
        for (i, r) in each_rep_n(seg, 2) {
            human_name(&mut j, &r, rx, l.r(2, i));
        }
        j.end_arr();
        j.arr(Some("telecom"));
        for (n, u) in [(5usize, "home"), (6, "work")] {
            for (i, r) in each_rep_n(seg, n) {
                contact_point(&mut j, &r, u, rx, l.r(n, i));
            }
        }
        j.end_arr();
        j.arr(Some("address"));
        for (i, r) in each_rep_n(seg, 4) {
            address(&mut j, &r, rx, l.r(4, i));
        }
        j.end_arr();
        j.obj(Some("period"));
        j.str(Some("start"), start.as_deref().unwrap_or(""));
        j.str(Some("end"), end.as_deref().unwrap_or(""));
        j.end_obj();
        drop(j);
        b.end();
        Ok(())
    }

    fn location(&mut self, rep: &Repetition<'_>, loc: Loc<'_>) -> Option<ResourceId> {
        let p = Parts::new(rep);
        let (poc, room, bed) = (p.comp(1), p.comp(2), p.comp(3));
        let (fac, building, floor) = (p.sub(4, 1), p.comp(7), p.comp(8));
        let desc = p.comp(9);
        if poc.is_empty() && room.is_empty() && bed.is_empty() && fac.is_empty() {
            if has_content(rep.raw()) {
                // A building, floor or description of no point of care, room, bed or
                // facility names no Location.
                self.rx.report.push(loc, ReportKind::NotMapped);
            }
            return None;
        }
        // PL.9 is part of the key: two descriptions of the same parts are two Locations
        // (one resource would keep only the first description). Without one the key is
        // the parts alone, as before.
        let id = if desc.is_empty() {
            resource_id("Location", &[&fac, &building, &floor, &poc, &room, &bed])
        } else {
            resource_id(
                "Location",
                &[&fac, &building, &floor, &poc, &room, &bed, &desc],
            )
        };
        if let Some(mut j) = self.b.begin("Location", id) {
            let mut name = String::new();
            for p in [&fac, &building, &floor, &poc, &room, &bed] {
                if !p.is_empty() {
                    if !name.is_empty() {
                        name.push(' ');
                    }
                    name.push_str(p);
                }
            }
            j.str(Some("name"), &name);
            j.str(Some("description"), &desc);
            let (code, display) = if !bed.is_empty() {
                ("bd", "Bed")
            } else if !room.is_empty() {
                ("ro", "Room")
            } else if !poc.is_empty() {
                ("wa", "Ward")
            } else {
                ("si", "Site")
            };
            j.concept(
                Some("physicalType"),
                "http://terminology.hl7.org/CodeSystem/location-physical-type",
                code,
                display,
            );
            drop(j);
            self.b.end();
        }
        Some(id)
    }

    fn encounter(&mut self, pv1: &Seg<'_>, pv2: Option<&Seg<'_>>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &pv1.seg;
        let l = &pv1.label;
        let visit = rep1(seg, 19);
        let id = encounter_id_of(seg, &patient);
        self.encounter = Some(id);
        let mut parts: Vec<(&'static str, &'static str, ResourceId)> = Vec::new();
        for (n, code, display) in [
            (7usize, "ATND", "attender"),
            (8, "REF", "referrer"),
            (9, "CON", "consultant"),
            (17, "ADM", "admitter"),
        ] {
            for (i, r) in each_rep_n(seg, n) {
                if let Some(p) = self.practitioner(&r, l.r(n, i))? {
                    parts.push((code, display, p));
                }
            }
        }
        let loc = rep1(seg, 3).and_then(|r| self.location(&r, l.f(3)));
        let prior = rep1(seg, 6).and_then(|r| self.location(&r, l.f(6)));
        let start = self.rx.datetime(seg.field(44).map(Value::from), l.f(44))?;
        let end = self.rx.datetime(seg.field(45).map(Value::from), l.f(45))?;
        let class = field_text(seg, 2);
        let class_hook = self.rx.translate(V2_0004, &class);
        let (csys, ccode, cdisp): (&str, &str, &str) = if let Some(c) = &class_hook {
            (&c.system, &c.code, &c.display)
        } else {
            match class.as_ref() {
                "E" => (
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "EMER",
                    "emergency",
                ),
                "I" => (
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "IMP",
                    "inpatient encounter",
                ),
                "O" => (
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "AMB",
                    "ambulatory",
                ),
                "P" => (
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "PRENC",
                    "pre-admission",
                ),
                "R" => (
                    "http://terminology.hl7.org/CodeSystem/v2-0004",
                    "R",
                    "Recurring patient",
                ),
                "B" => (
                    "http://terminology.hl7.org/CodeSystem/v2-0004",
                    "B",
                    "Obstetrics",
                ),
                "C" => (
                    "http://terminology.hl7.org/CodeSystem/v2-0004",
                    "C",
                    "Commercial Account",
                ),
                "N" => (
                    "http://terminology.hl7.org/CodeSystem/v2-0004",
                    "N",
                    "Not Applicable",
                ),
                "U" | "" => (
                    "http://terminology.hl7.org/CodeSystem/v2-0004",
                    "U",
                    "Unknown",
                ),
                _ => {
                    self.rx.report.push(l.f(2), ReportKind::UnknownCode("0004"));
                    (
                        "http://terminology.hl7.org/CodeSystem/v2-0004",
                        "U",
                        "Unknown",
                    )
                }
            }
        };
        let status = match self.trigger.as_str() {
            "A03" => "finished",
            "A05" => "planned",
            "A11" => "cancelled",
            _ if end.is_some() => "finished",
            "A01" | "A02" | "A04" => "in-progress",
            _ if start.is_some() => "in-progress",
            _ => "unknown",
        };
        let Cx {
            b,
            rx,
            ext_encounter: ext,
            ..
        } = self;
        let Some(mut j) = b.begin("Encounter", id) else {
            return Ok(());
        };
        j.arr(Some("extension"));
        j.raw(None, ext);
        j.end_arr();
        if let Some(r) = &visit {
            j.arr(Some("identifier"));
            rx.identifier(&mut j, r, l.f(19))?;
            j.end_arr();
        }
        j.str(Some("status"), status);
        j.obj(Some("class"));
        j.str(Some("system"), csys);
        j.str(Some("code"), ccode);
        j.str(Some("display"), cdisp);
        j.end_obj();
        j.arr(Some("type"));
        if let Some(r) = rep1(seg, 4) {
            rx.codeable(&mut j, None, &r, Some(v2_table("0007")), l.f(4));
        }
        if let Some(r) = rep1(seg, 18) {
            rx.codeable(&mut j, None, &r, Some(v2_table("0018")), l.f(18));
        }
        j.end_arr();
        if let Some(r) = rep1(seg, 10) {
            rx.codeable(
                &mut j,
                Some("serviceType"),
                &r,
                Some(v2_table("0069")),
                l.f(10),
            );
        }
        j.reference(Some("subject"), &patient);
        j.arr(Some("participant"));
        for (code, display, p) in &parts {
            j.obj(None);
            j.arr(Some("type"));
            j.concept(
                None,
                "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                code,
                display,
            );
            j.end_arr();
            j.reference(Some("individual"), p);
            j.end_obj();
        }
        j.end_arr();
        j.obj(Some("period"));
        j.str(Some("start"), start.as_deref().unwrap_or(""));
        j.str(Some("end"), end.as_deref().unwrap_or(""));
        j.end_obj();
        if let Some(pv2) = pv2 {
            if let Some(r) = rep1(&pv2.seg, 3) {
                j.arr(Some("reasonCode"));
                rx.codeable(&mut j, None, &r, None, pv2.label.f(3));
                j.end_arr();
            }
        }
        j.obj(Some("hospitalization"));
        if let Some(r) = rep1(seg, 14) {
            rx.codeable(
                &mut j,
                Some("admitSource"),
                &r,
                Some(v2_table("0023")),
                l.f(14),
            );
        }
        if let Some(r) = rep1(seg, 36) {
            rx.codeable(
                &mut j,
                Some("dischargeDisposition"),
                &r,
                Some(v2_table("0112")),
                l.f(36),
            );
        }
        j.end_obj();
        j.arr(Some("location"));
        if let Some(loc) = &loc {
            j.obj(None);
            j.reference(Some("location"), loc);
            j.end_obj();
        }
        if let Some(prior) = &prior {
            // PV1-6 prior patient location: a location the patient has left.
            j.obj(None);
            j.reference(Some("location"), prior);
            j.str(Some("status"), "completed");
            j.end_obj();
        }
        j.end_arr();
        drop(j);
        b.end();
        Ok(())
    }

    fn allergy(&mut self, s: &Seg<'_>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &s.seg;
        let l = &s.label;
        let code = rep1(seg, 3);
        let key = code.as_ref().map(|r| comp(r, 1)).unwrap_or_default();
        let id = resource_id(
            "AllergyIntolerance",
            &[patient.as_str(), &key, &field_text(seg, 1)],
        );
        let onset = self.rx.datetime(seg.field(6).map(Value::from), l.f(6))?;
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("AllergyIntolerance", id) else {
            return Ok(());
        };
        j.concept(
            Some("clinicalStatus"),
            "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
            "active",
            "Active",
        );
        let cat = rep1(seg, 2).map(|r| comp(&r, 1)).unwrap_or_default();
        let category = match rx.table_code(
            V2_0127,
            "http://hl7.org/fhir/allergy-intolerance-category",
            &["food", "medication", "environment", "biologic"],
            &cat,
        ) {
            Ok(v) => v,
            Err(code) => match code.as_ref() {
                "" => "",
                "DA" | "MA" => "medication",
                "FA" => "food",
                "EA" | "AA" | "LA" | "PA" => "environment",
                _ => {
                    rx.report.push(l.f(2), ReportKind::UnknownCode("0127"));
                    ""
                }
            },
        };
        if !category.is_empty() {
            j.arr(Some("category"));
            j.str(None, category);
            j.end_arr();
        }
        let sev = rep1(seg, 4).map(|r| comp(&r, 1)).unwrap_or_default();
        let crit = match rx.table_code(
            V2_0128,
            "http://hl7.org/fhir/allergy-intolerance-criticality",
            &["low", "high", "unable-to-assess"],
            &sev,
        ) {
            Ok(v) => v,
            Err(code) => match code.as_ref() {
                "" => "",
                "SV" => "high",
                "MI" | "MO" => "low",
                "U" => "unable-to-assess",
                _ => {
                    rx.report.push(l.f(4), ReportKind::UnknownCode("0128"));
                    ""
                }
            },
        };
        j.str(Some("criticality"), crit);
        if let Some(r) = &code {
            rx.codeable(&mut j, Some("code"), r, None, l.f(3));
        }
        j.reference(Some("patient"), &patient);
        j.str(Some("onsetDateTime"), onset.as_deref().unwrap_or(""));
        if each_rep(seg, 5).next().is_some() {
            j.arr(Some("reaction"));
            j.obj(None);
            j.arr(Some("manifestation"));
            for r in each_rep(seg, 5) {
                j.obj(None);
                j.str(Some("text"), &leaf(Some(Value::from(r))));
                j.end_obj();
            }
            j.end_arr();
            j.end_obj();
            j.end_arr();
        }
        drop(j);
        b.end();
        Ok(())
    }

    fn condition(&mut self, s: &Seg<'_>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &s.seg;
        let l = &s.label;
        let code = rep1(seg, 3);
        let key = code.as_ref().map(|r| comp(r, 1)).unwrap_or_default();
        let id = resource_id("Condition", &[patient.as_str(), &key, &field_text(seg, 1)]);
        let onset = self.rx.datetime(seg.field(5).map(Value::from), l.f(5))?;
        let encounter = self.encounter;
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("Condition", id) else {
            return Ok(());
        };
        j.arr(Some("category"));
        j.concept(
            None,
            "http://terminology.hl7.org/CodeSystem/condition-category",
            "encounter-diagnosis",
            "Encounter Diagnosis",
        );
        if let Some(r) = rep1(seg, 6) {
            // DG1-6 diagnosis type (A admitting, W working, F final): a second category.
            rx.codeable(
                &mut j,
                None,
                &r,
                Some("http://terminology.hl7.org/CodeSystem/v2-0052"),
                l.f(6),
            );
        }
        j.end_arr();
        if let Some(r) = &code {
            rx.codeable(&mut j, Some("code"), r, None, l.f(3));
        }
        j.reference(Some("subject"), &patient);
        if let Some(e) = &encounter {
            j.reference(Some("encounter"), e);
        }
        j.str(Some("onsetDateTime"), onset.as_deref().unwrap_or(""));
        drop(j);
        b.end();
        Ok(())
    }

    fn procedure(&mut self, s: &Seg<'_>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &s.seg;
        let l = &s.label;
        let code = rep1(seg, 3);
        let key = code.as_ref().map(|r| comp(r, 1)).unwrap_or_default();
        let when_raw = seg
            .field(5)
            .map(|f| String::from_utf8_lossy(f.raw()).into_owned())
            .unwrap_or_default();
        let id = resource_id(
            "Procedure",
            &[patient.as_str(), &key, &when_raw, &field_text(seg, 1)],
        );
        let when = self.rx.datetime(seg.field(5).map(Value::from), l.f(5))?;
        let mut performers = Vec::new();
        for (i, r) in each_rep_n(seg, 12) {
            if let Some(p) = self.practitioner(&r, l.r(12, i))? {
                performers.push(p);
            }
        }
        let encounter = self.encounter;
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("Procedure", id) else {
            return Ok(());
        };
        j.str(Some("status"), "completed");
        if let Some(r) = &code {
            rx.codeable(&mut j, Some("code"), r, None, l.f(3));
        }
        j.reference(Some("subject"), &patient);
        if let Some(e) = &encounter {
            j.reference(Some("encounter"), e);
        }
        j.str(Some("performedDateTime"), when.as_deref().unwrap_or(""));
        j.arr(Some("performer"));
        for p in &performers {
            j.obj(None);
            j.reference(Some("actor"), p);
            j.end_obj();
        }
        j.end_arr();
        drop(j);
        b.end();
        Ok(())
    }

    fn coverage(&mut self, s: &Seg<'_>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &s.seg;
        let l = &s.label;
        let payor_name = field_text(seg, 4);
        let payor_id = rep1(seg, 3).map(|r| cx_key(&r));
        let payor = match &payor_id {
            Some((sys, v)) if !v.is_empty() => self.organization(
                &payor_name,
                Some((if sys.contains(':') { sys } else { "" }, v)),
            ),
            _ => self.organization(&payor_name, None),
        };
        let Some(payor) = payor else {
            // Coverage.payor is required (1..*) and nothing names one: no Coverage is
            // written rather than an invented payor, and the segment is reported.
            self.rx.report.push(s.label, ReportKind::SegmentNotMapped);
            return Ok(());
        };
        let policy = field_text(seg, 36);
        let id = resource_id(
            "Coverage",
            &[
                patient.as_str(),
                &field_text(seg, 2),
                &policy,
                &field_text(seg, 1),
            ],
        );
        let start = self.rx.datetime(seg.field(12).map(Value::from), l.f(12))?;
        let end = self.rx.datetime(seg.field(13).map(Value::from), l.f(13))?;
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("Coverage", id) else {
            return Ok(());
        };
        if !policy.is_empty() {
            j.arr(Some("identifier"));
            j.obj(None);
            j.str(Some("value"), &policy);
            j.end_obj();
            j.end_arr();
        }
        j.str(Some("status"), "active");
        j.str(Some("subscriberId"), &policy);
        j.reference(Some("beneficiary"), &patient);
        let rel = rep1(seg, 17).map(|r| comp(&r, 1)).unwrap_or_default();
        let relc = match rx.table_code(
            V2_0063,
            "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            &[
                "child", "parent", "spouse", "common", "other", "self", "injured",
            ],
            &rel,
        ) {
            Ok(v) => v,
            Err(code) => match code.as_ref() {
                "" => "",
                "SEL" => "self",
                "SPO" => "spouse",
                "CHD" => "child",
                "DOM" => "common",
                "EME" => "injured",
                _ => {
                    rx.report.push(l.f(17), ReportKind::UnknownCode("0063"));
                    "other"
                }
            },
        };
        if !relc.is_empty() {
            j.concept(
                Some("relationship"),
                "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                relc,
                "",
            );
        }
        j.obj(Some("period"));
        j.str(Some("start"), start.as_deref().unwrap_or(""));
        j.str(Some("end"), end.as_deref().unwrap_or(""));
        j.end_obj();
        j.arr(Some("payor"));
        j.reference(None, &payor);
        j.end_arr();
        j.arr(Some("class"));
        for (n, code, value) in [
            (
                2usize,
                "plan",
                rep1(seg, 2).map(|r| comp(&r, 1)).unwrap_or_default(),
            ),
            (8, "group", field_text(seg, 8)),
        ] {
            let name = if n == 8 {
                field_text(seg, 9)
            } else {
                rep1(seg, 2).map(|r| comp(&r, 2)).unwrap_or_default()
            };
            if value.is_empty() {
                if n == 8 && !field_text(seg, 9).is_empty() {
                    // A group name of no group number: class.value is required.
                    rx.report.push(l.f(9), ReportKind::NotMapped);
                }
                continue;
            }
            j.obj(None);
            j.concept(
                Some("type"),
                "http://terminology.hl7.org/CodeSystem/coverage-class",
                code,
                "",
            );
            j.str(Some("value"), &value);
            j.str(Some("name"), &name);
            j.end_obj();
        }
        j.end_arr();
        drop(j);
        b.end();
        Ok(())
    }

    fn provenance(&mut self, msg: &Message<'_>, evn: &Seg<'_>) -> Result<(), Error> {
        let seg = &evn.seg;
        let l = &evn.label;
        let recorded = match self.rx.instant(seg.field(2).map(Value::from), l.f(2))? {
            Some(s) => Some(s),
            None => ts1(msg.msh().field(7).map(Value::from))
                .and_then(|text| DateTime::parse(text).ok())
                .and_then(|dt| fhir_instant(&dt, self.rx.cfg.tz).ok().flatten()),
        };
        let occurred = self.rx.datetime(seg.field(6).map(Value::from), l.f(6))?;
        let operator = match rep1(seg, 5) {
            Some(r) => self.practitioner(&r, l.f(5))?,
            None => None,
        };
        let who = match operator {
            Some(p) => Some(p),
            None => self.hd_organization(&msg.msh(), 4),
        };
        let (Some(recorded), Some(who)) = (recorded, who) else {
            // Provenance needs recorded and agent.who: report what cannot be placed.
            for n in [2usize, 4, 6] {
                if seg.field(n).is_some_and(|f| has_content(f.raw())) {
                    self.rx.report.push(l.f(n), ReportKind::NotMapped);
                }
            }
            return Ok(());
        };
        let id = resource_id(
            "Provenance",
            &[
                &self
                    .focus
                    .first()
                    .map(|f| f.to_string())
                    .unwrap_or_default(),
                &recorded,
            ],
        );
        let focus = self.focus.clone();
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("Provenance", id) else {
            return Ok(());
        };
        j.arr(Some("target"));
        for f in &focus {
            j.reference(None, f);
        }
        j.end_arr();
        j.str(Some("occurredDateTime"), occurred.as_deref().unwrap_or(""));
        j.str(Some("recorded"), &recorded);
        if let Some(r) = rep1(seg, 4) {
            j.arr(Some("reason"));
            rx.codeable(&mut j, None, &r, Some(v2_table("0062")), l.f(4));
            j.end_arr();
        }
        j.concept(
            Some("activity"),
            v2_table("0003"),
            rx_trigger(&msg.header()),
            "",
        );
        j.arr(Some("agent"));
        j.obj(None);
        j.reference(Some("who"), &who);
        j.end_obj();
        j.end_arr();
        drop(j);
        b.end();
        Ok(())
    }

    fn message_header(&mut self, msg: &Message<'_>) -> Result<(), Error> {
        let msh = msg.msh();
        for n in 3..=6 {
            if let Some(r) = rep1(&msh, n) {
                if hd_unwritable(&comp(&r, 2), &comp(&r, 3)) {
                    self.rx
                        .report
                        .push(format!("MSH-{n}"), ReportKind::InvalidValue);
                }
            }
        }
        let sender = self.hd_organization(&msh, 4);
        let receiver = self.hd_organization(&msh, 6);
        let control = field_text(&msh, 10);
        let app = |n: usize| -> (String, String) {
            match rep1(&msh, n) {
                Some(r) => {
                    let (ns, uid, ut) = (comp(&r, 1), comp(&r, 2), comp(&r, 3));
                    let ep = hd_uri(&uid, &ut).unwrap_or_else(|| {
                        format!(
                            "urn:hl7v2:app:{}",
                            sanitize(if ns.is_empty() { "unknown" } else { &ns })
                        )
                    });
                    (ns.into_owned(), ep)
                }
                None => (String::new(), "urn:hl7v2:app:unknown".to_string()),
            }
        };
        let (src_name, src_ep) = app(3);
        let (dst_name, dst_ep) = app(5);
        let has_dst = rep1(&msh, 5).is_some() || receiver.is_some();
        let id = resource_id("MessageHeader", &[&field_text(&msh, 4), &control]);
        let trigger = rx_trigger(&msg.header()).to_string();
        let processing = field_text(&msh, 11);
        let focus = self.focus.clone();
        let Some(mut j) = self.b.begin("MessageHeader", id) else {
            return Ok(());
        };
        if !processing.is_empty() {
            j.obj(Some("meta"));
            j.arr(Some("tag"));
            j.coding(v2_table("0103"), &processing, "");
            j.end_arr();
            j.end_obj();
        }
        j.obj(Some("eventCoding"));
        j.str(Some("system"), v2_table("0003"));
        j.str(
            Some("code"),
            if trigger.is_empty() {
                "unknown"
            } else {
                &trigger
            },
        );
        j.end_obj();
        if has_dst {
            j.arr(Some("destination"));
            j.obj(None);
            j.str(Some("name"), &dst_name);
            j.str(Some("endpoint"), &dst_ep);
            if let Some(r) = &receiver {
                j.reference(Some("receiver"), r);
            }
            j.end_obj();
            j.end_arr();
        }
        if let Some(s) = &sender {
            j.reference(Some("sender"), s);
        }
        j.obj(Some("source"));
        j.str(Some("name"), &src_name);
        j.str(Some("endpoint"), &src_ep);
        j.end_obj();
        j.arr(Some("focus"));
        for f in &focus {
            j.reference(None, f);
        }
        j.end_arr();
        drop(j);
        self.b.end();
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // ORU
    // -----------------------------------------------------------------------------------

    fn order_group(&mut self, g: &Group<'_, '_>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let obr = &g.obr.seg;
        let l = &g.obr.label;
        // EI: value, namespace, universal id (+ type) → Identifier value/assigner/system.
        let placer = orders::pick_ei(Some(g.obr), g.orc, 2, &mut self.rx.report);
        let filler = orders::pick_ei(Some(g.obr), g.orc, 3, &mut self.rx.report);
        let gkey = orders::order_key(&filler, &placer)
            .unwrap_or_else(|| format!("{}|{}", patient, g.obr.seg.position()));
        let sr_id = resource_id("ServiceRequest", &[&gkey]);
        let dr_id = resource_id("DiagnosticReport", &[&gkey]);
        // ServiceRequest.requester holds one: a different second one is reported.
        // Only the one used is written: a Practitioner nothing refers to is not.
        let mut requesters: Vec<(ResourceId, Loc<'_>)> = Vec::new();
        let n16 = each_rep(obr, 16).count();
        for (i, r) in each_rep_n(obr, 16) {
            let loc = if n16 > 1 { l.r(16, i) } else { l.f(16) };
            if let Some(p) = practitioner_id(&r) {
                if !requesters.iter().any(|(q, _)| *q == p) {
                    if requesters.is_empty() {
                        self.practitioner(&r, loc)?;
                    }
                    requesters.push((p, loc));
                } else if requesters.first().is_some_and(|(q, _)| *q == p) {
                    // The written requester again: other details are reported there.
                    self.practitioner(&r, loc)?;
                }
            }
        }
        let mut authored = None;
        if let Some(orc) = g.orc {
            let n12 = each_rep(&orc.seg, 12).count();
            for (i, r) in each_rep_n(&orc.seg, 12) {
                let loc = if n12 > 1 {
                    orc.label.r(12, i)
                } else {
                    orc.label.f(12)
                };
                if let Some(p) = practitioner_id(&r) {
                    if !requesters.iter().any(|(q, _)| *q == p) {
                        if requesters.is_empty() {
                            self.practitioner(&r, loc)?;
                        }
                        requesters.push((p, loc));
                    } else if requesters.first().is_some_and(|(q, _)| *q == p) {
                        self.practitioner(&r, loc)?;
                    }
                }
            }
            authored = self
                .rx
                .datetime(orc.seg.field(9).map(Value::from), orc.label.f(9))?;
        }
        let effective = self.rx.datetime(obr.field(7).map(Value::from), l.f(7))?;
        let issued = self.rx.instant(obr.field(22).map(Value::from), l.f(22))?;
        let obs_ids: Vec<ResourceId> = g
            .obx
            .iter()
            .enumerate()
            .map(|(i, (o, _))| {
                let set = field_text(&o.seg, 1);
                let mut buf = [0u8; 20];
                let nth = decimal(&mut buf, i + 1);
                let k = if set.is_empty() { nth } else { &set };
                resource_id("Observation", &[&gkey, k, nth])
            })
            .collect();
        let encounter = self.encounter;
        let status_code = field_text(obr, 25);
        let Cx { b, rx, .. } = self;
        // ServiceRequest
        if let Some(mut j) = b.begin("ServiceRequest", sr_id) {
            j.arr(Some("identifier"));
            placer.write(&mut j, "PLAC");
            filler.write(&mut j, "FILL");
            j.end_arr();
            j.str(Some("status"), orders::order_status(g.orc, rx));
            j.str(Some("intent"), "order");
            if let Some(r) = rep1(obr, 4) {
                rx.codeable(&mut j, Some("code"), &r, None, l.f(4));
            }
            j.reference(Some("subject"), &patient);
            if let Some(e) = &encounter {
                j.reference(Some("encounter"), e);
            }
            j.str(Some("authoredOn"), authored.as_deref().unwrap_or(""));
            if let Some((p, _)) = requesters.first() {
                j.reference(Some("requester"), p);
            }
            for (_, loc) in requesters.iter().skip(1) {
                rx.report.push(*loc, ReportKind::NotMapped);
            }
            j.arr(Some("note"));
            for n in &g.notes {
                note(&mut j, &n.seg);
            }
            j.end_arr();
            drop(j);
            b.end();
        }
        // DiagnosticReport
        let status = match rx.table_code(
            V2_0123,
            "http://hl7.org/fhir/diagnostic-report-status",
            &[
                "registered",
                "partial",
                "preliminary",
                "final",
                "amended",
                "corrected",
                "appended",
                "cancelled",
                "entered-in-error",
                "unknown",
            ],
            &status_code,
        ) {
            Ok(s) => s,
            Err(code) => match code.as_ref() {
                "O" | "I" | "S" => "registered",
                "P" => "preliminary",
                "C" => "corrected",
                "R" => "partial",
                "F" => "final",
                "X" => "cancelled",
                "" => "unknown",
                _ => {
                    rx.report.push(l.f(25), ReportKind::UnknownCode("0123"));
                    "unknown"
                }
            },
        };
        if let Some(mut j) = b.begin("DiagnosticReport", dr_id) {
            j.arr(Some("identifier"));
            filler.write(&mut j, "FILL");
            j.end_arr();
            j.arr(Some("basedOn"));
            j.reference(None, &sr_id);
            j.end_arr();
            j.str(Some("status"), status);
            // OBR-24 diagnostic service section → category (table 0074).
            let section = field_text(obr, 24);
            if !section.is_empty() {
                let display = TABLE_0074.iter().find(|(c, _)| *c == section.as_ref());
                if display.is_none() {
                    rx.report.push(l.f(24), ReportKind::UnknownCode("0074"));
                }
                j.arr(Some("category"));
                j.concept(None, V2_0074, &section, display.map_or("", |d| d.1));
                j.end_arr();
            }
            match rep1(obr, 4) {
                Some(r) => rx.codeable(&mut j, Some("code"), &r, None, l.f(4)),
                None => {
                    j.obj(Some("code"));
                    j.str(Some("text"), "unknown");
                    j.end_obj();
                }
            }
            j.reference(Some("subject"), &patient);
            if let Some(e) = &encounter {
                j.reference(Some("encounter"), e);
            }
            j.str(
                Some("effectiveDateTime"),
                effective.as_deref().unwrap_or(""),
            );
            j.str(Some("issued"), issued.as_deref().unwrap_or(""));
            j.arr(Some("result"));
            for o in &obs_ids {
                j.reference(None, o);
            }
            j.end_arr();
            drop(j);
            b.end();
        }
        self.focus.push(dr_id);
        for ((o, notes), id) in g.obx.iter().zip(obs_ids) {
            self.observation(o, notes, id, effective.as_deref())?;
        }
        Ok(())
    }

    fn observation(
        &mut self,
        s: &Seg<'_>,
        notes: &[&Seg<'_>],
        id: ResourceId,
        default_effective: Option<&str>,
    ) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &s.seg;
        let l = &s.label;
        let mut performers = Vec::new();
        for (i, r) in each_rep_n(seg, 16) {
            if let Some(p) = self.practitioner(&r, l.r(16, i))? {
                performers.push(p);
            }
        }
        // OBX-23 performing organization (with OBX-24 address), OBX-15 producer,
        // OBX-25 the director.
        if let Some(o) = self.performing_org(s) {
            performers.push(o);
        }
        if let Some(o) = self.producer(s) {
            if !performers.contains(&o) {
                performers.push(o);
            }
        }
        let analysis = self.rx.datetime(seg.field(19).map(Value::from), l.f(19))?;
        if let Some(r) = rep1(seg, 25) {
            if let Some(p) = self.practitioner(&r, l.f(25))? {
                if !performers.contains(&p) {
                    performers.push(p);
                }
            }
        }
        let effective: Option<Cow<'_, str>> =
            match self.rx.datetime(seg.field(14).map(Value::from), l.f(14))? {
                Some(s) => Some(Cow::Owned(s)),
                None => default_effective.map(Cow::Borrowed),
            };
        let vtype = field_text(seg, 2);
        let first_value = each_rep(seg, 5).next();
        let n_values = match first_value {
            Some(_) => each_rep(seg, 5).count(),
            None => 0,
        };
        // Date values are converted before the resource is opened (they may fail).
        let mut date_value = None;
        if matches!(vtype.as_ref(), "DT" | "TS" | "DTM") {
            if let Some(r) = first_value {
                date_value = self.rx.datetime(Some(Value::from(r)), l.f(5))?;
            }
        }
        let encounter = self.encounter;
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("Observation", id) else {
            return Ok(());
        };
        let st = field_text(seg, 11);
        let status = match rx.table_code(
            V2_0085,
            "http://hl7.org/fhir/observation-status",
            &[
                "registered",
                "preliminary",
                "final",
                "amended",
                "corrected",
                "cancelled",
                "entered-in-error",
                "unknown",
            ],
            &st,
        ) {
            Ok(s) => s,
            Err(code) => match code.as_ref() {
                "A" => "amended",
                "C" => "corrected",
                "D" => "entered-in-error",
                "F" => "final",
                "P" => "preliminary",
                "X" => "cancelled",
                "R" | "S" | "I" => "registered",
                "" => "unknown",
                _ => {
                    rx.report.push(l.f(11), ReportKind::UnknownCode("0085"));
                    "unknown"
                }
            },
        };
        j.str(Some("status"), status);
        match rep1(seg, 3) {
            Some(r) => rx.codeable(&mut j, Some("code"), &r, None, l.f(3)),
            None => {
                j.obj(Some("code"));
                j.str(Some("text"), "unknown");
                j.end_obj();
            }
        }
        j.reference(Some("subject"), &patient);
        if let Some(e) = &encounter {
            j.reference(Some("encounter"), e);
        }
        j.str(
            Some("effectiveDateTime"),
            effective.as_deref().unwrap_or(""),
        );
        j.arr(Some("performer"));
        for p in &performers {
            j.reference(None, p);
        }
        j.end_arr();
        if let Some(r) = rep1(seg, 17) {
            rx.codeable(&mut j, Some("method"), &r, None, l.f(17));
        }
        let unit = rep1(seg, 6);
        if unit.is_some()
            && !matches!(vtype.as_ref(), "NM" | "SN" | "NR")
            && !has_content(seg.field(7).map(|f| f.raw()).unwrap_or(b""))
        {
            // Units of a value that is no quantity (and of no reference range).
            rx.report.push(l.f(6), ReportKind::NotMapped);
        }
        let vloc = l.f(5);
        if n_values > 1 && !matches!(vtype.as_ref(), "ST" | "TX" | "FT") {
            for i in 2..=n_values {
                rx.report.push(vloc.rep(i), ReportKind::TruncatedRepetition);
            }
        }
        let mut attachment = None;
        let written = match (vtype.as_ref(), first_value.as_ref()) {
            (_, None) => false,
            ("NM", Some(r)) => {
                let t = comp(r, 1);
                match json_number(&t) {
                    Some(n) => {
                        j.obj(Some("valueQuantity"));
                        j.raw(Some("value"), n);
                        quantity_unit(&mut j, unit.as_ref(), rx, l.f(6));
                        j.end_obj();
                        true
                    }
                    None => {
                        rx.report.push(vloc, ReportKind::InvalidValue);
                        false
                    }
                }
            }
            ("ST" | "TX" | "FT", Some(_)) => {
                let mut text = String::new();
                for (i, r) in each_rep(seg, 5).enumerate() {
                    if i > 0 {
                        text.push('\n');
                    }
                    text.push_str(&leaf(Some(Value::from(r))));
                }
                j.str(Some("valueString"), &text);
                true
            }
            ("CWE" | "CE" | "CNE" | "CF", Some(r)) => {
                rx.codeable(&mut j, Some("valueCodeableConcept"), r, None, vloc);
                true
            }
            ("SN", Some(r)) => sn_value(&mut j, r, unit.as_ref(), rx, l),
            ("DT" | "TS" | "DTM", Some(_)) => match &date_value {
                Some(d) => {
                    j.str(Some("valueDateTime"), d);
                    true
                }
                None => false,
            },
            ("ED", Some(r)) => {
                // R4 Observation.value[x] has no Attachment: ED text (encoding "A") becomes
                // valueString; other data the R5 value[x] extension (IG), written below.
                if comp(r, 4) == "A" {
                    j.str(Some("valueString"), &comp(r, 5));
                    true
                } else {
                    attachment = extra::ed_value(r, rx, l);
                    attachment.is_some()
                }
            }
            ("NR", Some(r)) => extra::nr_value(&mut j, r, unit.as_ref(), rx, l),
            (t, Some(r)) => extra::other_value(&mut j, t, r, rx, l)?,
        };
        j.arr(Some("extension"));
        // OBX-4 (IG: OG → observation-v2-subid, the original sub-identifier as text).
        let subid = field_text(seg, 4);
        if !subid.is_empty() {
            j.obj(None);
            j.str(Some("url"), extra::OBS_V2_SUBID);
            j.str(Some("valueString"), &subid);
            j.end_obj();
        }
        if let Some(t) = &analysis {
            j.obj(None);
            j.str(Some("url"), extra::OBS_ANALYSIS_TIME);
            j.str(Some("valueDateTime"), t);
            j.end_obj();
        }
        if let Some((ct, data)) = &attachment {
            j.obj(None);
            j.str(Some("url"), extra::OBS_VALUE_R5);
            j.obj(Some("valueAttachment"));
            j.str(Some("contentType"), ct.as_deref().unwrap_or(""));
            j.str(Some("data"), data);
            j.end_obj();
            j.end_obj();
        }
        j.end_arr();
        if !written {
            j.concept(
                Some("dataAbsentReason"),
                "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                if n_values == 0 { "unknown" } else { "error" },
                "",
            );
        }
        if each_rep(seg, 8).next().is_some() {
            let many_flags = each_rep(seg, 8).nth(1).is_some();
            j.arr(Some("interpretation"));
            for (i, r) in each_rep(seg, 8).enumerate() {
                let code = comp(&r, 1);
                if let Some(t) = rx.translate(V2_0078, &code) {
                    j.concept(None, &t.system, &t.code, &t.display);
                } else if INTERPRETATION.contains(&code.as_ref()) {
                    j.concept(
                        None,
                        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        &code,
                        "",
                    );
                } else {
                    let loc = if many_flags { l.r(8, i + 1) } else { l.f(8) };
                    rx.report.push(loc, ReportKind::UnknownCode("0078"));
                }
            }
            j.end_arr();
        }
        j.arr(Some("note"));
        for n in notes {
            note(&mut j, &n.seg);
        }
        j.end_arr();
        let range = field_text(seg, 7);
        if !range.is_empty() {
            j.arr(Some("referenceRange"));
            j.obj(None);
            reference_range(&mut j, &range, unit.as_ref());
            j.end_obj();
            j.end_arr();
        }
        drop(j);
        b.end();
        Ok(())
    }
}

/// `n` in decimal, written into `buf` (no allocation).
fn decimal(buf: &mut [u8; 20], mut n: usize) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("")
}

/// HL7 table 0078 codes that are v3-ObservationInterpretation codes (IG concept map).
const INTERPRETATION: &[&str] = &[
    "<", ">", "A", "AA", "B", "CAR", "D", "DET", "E", "EX", "EXP", "H", "HH", "HU", "I", "IE",
    "IND", "L", "LL", "LU", "MS", "N", "NCL", "ND", "NEG", "NR", "NS", "POS", "R", "RR", "S",
    "SDD", "SYN-R", "SYN-S", "TOX", "U", "UNE", "VS", "W", "WR",
];

fn rx_trigger<'m>(h: &carewire_hl7::Header<'m>) -> &'static str {
    // Only known triggers are written as codes (PHI-safe, bounded).
    match h.trigger_event().as_deref() {
        Some("A01") => "A01",
        Some("A02") => "A02",
        Some("A03") => "A03",
        Some("A04") => "A04",
        Some("A05") => "A05",
        Some("A08") => "A08",
        Some("A11") => "A11",
        Some("A28") => "A28",
        Some("A31") => "A31",
        Some("A40") => "A40",
        Some("R01") => "R01",
        Some("O01") => "O01",
        Some("O21") => "O21",
        Some("V04") => "V04",
        Some("T02") => "T02",
        Some("S12") => "S12",
        Some("P03") => "P03",
        _ => "",
    }
}

fn note(j: &mut Json<'_>, nte: &Segment<'_>) {
    let mut text = String::new();
    if let Some(f) = nte.field(3) {
        for (i, r) in f.repetitions().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(&leaf(Some(Value::from(r))));
        }
    }
    if text.trim().is_empty() {
        return;
    }
    j.obj(None);
    j.str(Some("text"), &text);
    j.end_obj();
}

/// A JSON number from a v2 NM (`+1.5`, `.5`, `-0.25`); None when not a number.
fn json_number(t: &str) -> Option<&str> {
    let t = t.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let body = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    // JSON forbids leading zeros ("007"): those values are rejected rather than rewritten.
    if int.len() > 1 && int.starts_with('0') {
        return None;
    }
    Some(t)
}

fn quantity_unit(j: &mut Json<'_>, unit: Option<&Repetition<'_>>, rx: &mut Rx, loc: Loc<'_>) {
    let Some(u) = unit else { return };
    let (code, text, sys) = (comp(u, 1), comp(u, 2), comp(u, 3));
    j.str(Some("unit"), if text.is_empty() { &code } else { &text });
    if !code.is_empty() {
        let system = if sys.is_empty() {
            Some(Cow::Borrowed("http://unitsofmeasure.org"))
        } else {
            system_uri(&sys)
        };
        match system {
            Some(s) => {
                j.str(Some("system"), &s);
                j.str(Some("code"), &code);
            }
            None => rx.report.push(loc.c(3), ReportKind::UnknownCode("0396")),
        }
    }
}

fn sn_value(
    j: &mut Json<'_>,
    r: &Repetition<'_>,
    unit: Option<&Repetition<'_>>,
    rx: &mut Rx,
    l: &Loc<'_>,
) -> bool {
    // SN: comparator ^ num1 ^ separator/suffix ^ num2
    let (cmp, n1, sep, n2) = (comp(r, 1), comp(r, 2), comp(r, 3), comp(r, 4));
    let loc = l.f(5);
    let (Some(a), b) = (json_number(&n1), json_number(&n2)) else {
        rx.report.push(loc, ReportKind::InvalidValue);
        return false;
    };
    let qty = |j: &mut Json<'_>, key: &str, v: &str, rx: &mut Rx| {
        j.obj(Some(key));
        j.raw(Some("value"), v);
        quantity_unit(j, unit, rx, l.f(6));
        j.end_obj();
    };
    match (sep.as_ref(), b) {
        ("", None) if n2.is_empty() => {
            let comparator = match cmp.as_ref() {
                "" | "=" => "",
                "<" => "<",
                ">" => ">",
                "<=" => "<=",
                ">=" => ">=",
                _ => {
                    rx.report.push(loc.c(1), ReportKind::InvalidValue);
                    ""
                }
            };
            j.obj(Some("valueQuantity"));
            j.raw(Some("value"), a);
            j.str(Some("comparator"), comparator);
            quantity_unit(j, unit, rx, l.f(6));
            j.end_obj();
            true
        }
        ("-", Some(b)) => {
            j.obj(Some("valueRange"));
            qty(j, "low", a, rx);
            qty(j, "high", b, rx);
            j.end_obj();
            true
        }
        (":" | "/", Some(b)) => {
            j.obj(Some("valueRatio"));
            j.obj(Some("numerator"));
            j.raw(Some("value"), a);
            j.end_obj();
            j.obj(Some("denominator"));
            j.raw(Some("value"), b);
            j.end_obj();
            j.end_obj();
            true
        }
        _ => {
            rx.report.push(loc, ReportKind::InvalidValue);
            false
        }
    }
}

fn reference_range(j: &mut Json<'_>, range: &str, unit: Option<&Repetition<'_>>) {
    let r = range.trim();
    let unit_code = unit.map(|u| comp(u, 1)).unwrap_or_default();
    let q = |j: &mut Json<'_>, key: &str, v: &str| {
        j.obj(Some(key));
        j.raw(Some("value"), v);
        if !unit_code.is_empty() {
            j.str(Some("unit"), &unit_code);
        }
        j.end_obj();
    };
    if let Some((lo, hi)) = r.split_once('-').filter(|(lo, _)| !lo.trim().is_empty()) {
        if let (Some(lo), Some(hi)) = (json_number(lo), json_number(hi)) {
            q(j, "low", lo);
            q(j, "high", hi);
            return;
        }
    }
    for (p, key) in [(">=", "low"), ("<=", "high"), (">", "low"), ("<", "high")] {
        if let Some(v) = r.strip_prefix(p).and_then(json_number) {
            q(j, key, v);
            j.str(Some("text"), r);
            return;
        }
    }
    j.str(Some("text"), r);
}

/// Splits an ORU into OBR groups; OBX and NTE before the first OBR are reported.
fn oru_groups<'s, 'm>(segs: &'s [Seg<'m>], report: &mut Report) -> Vec<Group<'s, 'm>> {
    let mut groups: Vec<Group<'s, 'm>> = Vec::new();
    let mut orc: Option<&'s Seg<'m>> = None;
    let mut last_obx = false;
    for (i, s) in segs.iter().enumerate() {
        match s.seg.id() {
            b"ORC" => {
                orc = Some(s);
                last_obx = false;
            }
            b"OBR" => {
                // Sized to the OBX segments up to the next OBR (no regrowth).
                let n_obx = segs[i + 1..]
                    .iter()
                    .take_while(|s| s.seg.id() != b"OBR")
                    .filter(|s| s.seg.id() == b"OBX")
                    .count();
                groups.push(Group {
                    orc: orc.take(),
                    obr: s,
                    notes: Vec::new(),
                    obx: Vec::with_capacity(n_obx),
                });
                last_obx = false;
            }
            b"OBX" => {
                if let Some(g) = groups.last_mut() {
                    g.obx.push((s, Vec::new()));
                    last_obx = true;
                } else {
                    report.push(s.label, ReportKind::SegmentNotMapped);
                }
            }
            b"NTE" => {
                if let Some(g) = groups.last_mut() {
                    if last_obx {
                        if let Some(o) = g.obx.last_mut() {
                            o.1.push(s);
                        }
                    } else {
                        g.notes.push(s);
                    }
                } else {
                    report.push(s.label, ReportKind::SegmentNotMapped);
                }
            }
            _ => {}
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The general path of [`sub`]: what the fast paths must equal.
    fn slow(rep: &Repetition<'_>, n: usize, k: usize) -> String {
        leaf(
            rep.component(n)
                .and_then(|c| c.subcomponent(k))
                .map(Value::from),
        )
        .into_owned()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// `plain_leaf`, `Parts` and the byte-split report agree with the general path
        /// on values made of delimiters, escapes, nulls, spaces, controls and non-ASCII.
        #[test]
        fn fast_paths_equal_the_general_path(
            value in proptest::collection::vec(
                prop_oneof![
                    Just("^"), Just("&"), Just("~"), Just("\\"), Just("\"\""), Just("a"),
                    Just("Bc"), Just(" "), Just("\t"), Just("é"), Just("\\T\\"), Just("\\S\\"),
                    Just("\\X41\\"), Just("\u{1b}"),
                ],
                0..14,
            ),
            charset in prop_oneof![Just(""), Just("8859/1"), Just("UNICODE UTF-8"), Just("ISO IR87")],
        ) {
            let text = value.concat();
            let msg = format!(
                "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5.1||||||{charset}\rPID|1||{text}\r"
            );
            let Ok(m) = Message::parse(msg.as_bytes()) else { return Ok(()) };
            if charset == "ISO IR87" {
                prop_assert_eq!(m.charset(), carewire_hl7::Charset::IsoIr87);
            }
            let Some(pid) = m.segments().nth(1) else { return Ok(()) };
            let Some(field) = pid.field(3) else { return Ok(()) };
            for rep in field.repetitions() {
                let parts = Parts::new(&rep);
                for n in 0..6 {
                    for k in 0..4 {
                        let want = slow(&rep, n, k);
                        prop_assert_eq!(&sub(&rep, n, k).into_owned(), &want, "sub {} {}", n, k);
                        prop_assert_eq!(&parts.sub(n, k).into_owned(), &want, "parts {} {}", n, k);
                    }
                }
            }
            // The report pass: the byte split equals the general walk.
            let seg = Seg { seg: pid, label: Loc { id: "PID", occ: 0, field: 0, rep: 0, comp: 0 } };
            for (spec, primitive) in [(&[(3u8, CX_M, 1u8)][..], false), (&[(3u8, ONE, 0u8)][..], true)] {
                let mut fast = Report::default();
                report_unmapped(&seg, spec, &mut fast);
                let mut general = Report::default();
                report_unmapped_general(&seg, spec, &mut general);
                prop_assert_eq!(fast.items(), general.items(), "primitive {}", primitive);
            }
        }
    }
}
