//! # carewire-mapping
//!
//! HL7 v2, X12 and DICOM to FHIR R4 JSON (and FHIR back to HL7 v2), with a report of
//! everything that could not be mapped; de-identification of HL7 v2 and FHIR; and the
//! routing helpers an integration engine needs around those conversions.
//!
//! Modules:
//! - [`fhir`]: the FHIR R4 JSON output model (resources, Bundle, deterministic ids,
//!   time-zone policy) and the mapping report.
//! - [`v2`]: HL7 v2 → FHIR R4 following the HL7 v2-to-FHIR implementation guide;
//!   sites override segments, Z-segments, codes and datatypes with a Rust trait
//!   ([`v2::Overrides`]) or a FHIR ConceptMap ([`v2::ConceptMap`]).
//! - [`dicom`]: DICOM → FHIR R4 ImagingStudy and Patient, one file or a whole study.
//! - [`x12`]: X12 837P/I/D, 835 and 271 → FHIR R4 (Claim, ClaimResponse,
//!   PaymentReconciliation, CoverageEligibilityResponse …), and
//!   CoverageEligibilityRequest → 270.
//! - [`to_v2`]: FHIR R4 Bundle → HL7 v2 (ADT A01/A08, ORU R01, ORM O01, OML O21), with
//!   a report of every element not carried back.
//! - [`deid`]: de-identification of HL7 v2 messages (remove, keyed hash, per-patient date
//!   shift); [`deid::fhir`] does the same for FHIR JSON resources and Bundles, with the
//!   same pseudonyms and date shifts.
//! - [`route`]: match messages on type, trigger, sender, receiver or any path value and
//!   fan out to named destinations.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod deid;
pub mod dicom;
pub mod fhir;
pub mod route;
pub mod to_v2;
pub mod v2;
pub mod x12;
