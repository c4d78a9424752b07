//! Validation: a separate pass that collects every conformance finding.
//!
//! Parsing fails fast on what makes a message unreadable; validation reads a parsed
//! message and reports, without stopping, what does not conform to the message
//! structure of its version: segments missing, out of place or unknown, required fields
//! missing, unsupported message types, versions or processing ids. Each [`Finding`] has
//! a location (`PID-3`), a byte offset and an HL7 table 0357 code, so it can become an
//! ERR segment of an ACK ([`Report::ack_errors`]). Z-segments and unknown segments are
//! kept in the message and reported, never dropped.
//!
//! Structures covered: the ADT_A01 family (ADT_A01/A02/A03/A05/A09/A12/A17/A30/A39 …),
//! ORM_O01, OML_O21, ORU_R01, SIU_S12, MDM_T01/T02, DFT_P03, VXU_V04 and ACK, in versions
//! 2.3 to 2.8 (HL7 v2.x abstract message syntax, chapters 2–10).

use std::fmt;

use crate::ack::{AckError, ErrorCode, Severity};
use crate::error::Location;
use crate::message::Message;

mod structure;

use structure::{StructureIssue, Version};

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// A required segment is missing (its identifier is given).
    MissingSegment(&'static str),
    /// A segment known to the structure stands where it is not allowed.
    SegmentOutOfPlace,
    /// A segment that the structure does not define.
    UnexpectedSegment,
    /// A Z-segment (site-defined); kept and reported for information.
    ZSegment,
    /// A required field is empty or absent.
    RequiredFieldMissing,
    /// MSH-9 names a message type and event whose structure is not known.
    UnknownStructure,
    /// MSH-12 is missing or not a version from 2.1 to 2.8.
    UnsupportedVersion,
    /// MSH-11 is not P, T or D.
    UnsupportedProcessingId,
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingKind::MissingSegment(id) => write!(f, "required segment {id} missing"),
            FindingKind::SegmentOutOfPlace => f.write_str("segment out of place"),
            FindingKind::UnexpectedSegment => f.write_str("segment not defined for this message"),
            FindingKind::ZSegment => f.write_str("site-defined Z segment"),
            FindingKind::RequiredFieldMissing => f.write_str("required field missing"),
            FindingKind::UnknownStructure => f.write_str("unknown message structure"),
            FindingKind::UnsupportedVersion => f.write_str("unsupported version"),
            FindingKind::UnsupportedProcessingId => f.write_str("unsupported processing id"),
        }
    }
}

/// One conformance finding: what, where, how bad, and its table 0357 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// Error, warning or information.
    pub severity: Severity,
    /// Segment (and field) concerned.
    pub location: Location,
    /// Byte offset in the message.
    pub offset: usize,
    /// HL7 table 0357 code for an ERR segment.
    pub code: ErrorCode,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "info",
        };
        write!(
            f,
            "{sev}: {} at byte {} ({}) [{}]",
            self.kind,
            self.offset,
            self.location,
            self.code.code()
        )
    }
}

/// All findings of one validation pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    findings: Vec<Finding>,
    structure: Option<&'static str>,
}

impl Report {
    /// Every finding, in message order.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The message structure validated against (e.g. `ADT_A01`), when known.
    pub fn structure(&self) -> Option<&'static str> {
        self.structure
    }

    /// The findings as ERR segments for an acknowledgment.
    pub fn ack_errors(&self) -> Vec<AckError> {
        self.findings
            .iter()
            .map(|f| AckError {
                location: Some(f.location),
                code: f.code,
                severity: f.severity,
            })
            .collect()
    }
}

/// Validates `msg` against the structure and required fields of its version.
///
/// # Examples
/// ```
/// use carewire_hl7::{validate, Message};
/// let msg = Message::parse(b"MSH|^~\\&|EMR|H|LIS|L|20240101||ADT^A01^ADT_A01|1|P|2.5\rEVN|A01|20240101\rPV1|1|I\r")?;
/// let report = validate::validate(&msg);
/// assert!(report.has_errors());
/// assert_eq!(report.findings()[0].kind, validate::FindingKind::MissingSegment("PID"));
/// assert_eq!(report.findings()[0].code.code(), 100);
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
pub fn validate(msg: &Message<'_>) -> Report {
    let mut findings = Vec::new();
    let header = msg.header();
    let msh = msg.msh();
    let at_field = |n: usize, kind: FindingKind, code: ErrorCode, severity: Severity| Finding {
        kind,
        severity,
        location: msh.location().with_field(n),
        offset: msh.field(n).map_or(msh.offset(), |f| f.offset()),
        code,
    };

    let version_text = header.version().unwrap_or_default();
    let version = Version::parse(&version_text);
    if version.is_none() {
        findings.push(at_field(
            12,
            FindingKind::UnsupportedVersion,
            ErrorCode::UnsupportedVersionId,
            Severity::Error,
        ));
    }
    let version = version.unwrap_or(Version::V25);

    match header.processing_id().as_deref() {
        Some("P" | "T" | "D") => {}
        _ => findings.push(at_field(
            11,
            FindingKind::UnsupportedProcessingId,
            ErrorCode::UnsupportedProcessingId,
            Severity::Error,
        )),
    }

    // Required fields of every segment the tables know.
    for seg in msg.segments() {
        for &n in structure::required_fields(seg.id(), version) {
            let n = usize::from(n);
            let missing = seg.field(n).map_or(true, |f| f.is_empty());
            if missing {
                findings.push(Finding {
                    kind: FindingKind::RequiredFieldMissing,
                    severity: Severity::Error,
                    location: seg.location().with_field(n),
                    offset: seg
                        .field(n)
                        .map_or(seg.offset() + seg.raw().len(), |f| f.offset()),
                    code: ErrorCode::RequiredFieldMissing,
                });
            }
        }
    }

    // Segment structure.
    let msg_type = header.message_type().unwrap_or_default();
    let trigger = header.trigger_event().unwrap_or_default();
    let msh9_3 = header.message_structure();
    let structure_id = structure::structure_id(&msg_type, &trigger, msh9_3.as_deref());
    let structure = structure_id.and_then(|id| structure::structure(id, version));
    match structure {
        None => findings.push(at_field(
            9,
            FindingKind::UnknownStructure,
            if msg_type.is_empty() {
                ErrorCode::UnsupportedMessageType
            } else {
                ErrorCode::UnsupportedEventCode
            },
            Severity::Warning,
        )),
        Some(s) => {
            let ids: Vec<&[u8]> = msg.segments().map(|s| s.id()).collect();
            for issue in structure::match_structure(s, &ids) {
                let (index, kind, severity) = match issue {
                    StructureIssue::MissingSegment { segment, at } => {
                        (at, FindingKind::MissingSegment(segment), Severity::Error)
                    }
                    StructureIssue::OutOfPlace { index } => {
                        (index, FindingKind::SegmentOutOfPlace, Severity::Error)
                    }
                    StructureIssue::Unexpected { index } => {
                        (index, FindingKind::UnexpectedSegment, Severity::Warning)
                    }
                    StructureIssue::ZSegment { index } => {
                        (index, FindingKind::ZSegment, Severity::Information)
                    }
                };
                let (location, offset) = match msg.segment(index) {
                    Some(seg) => (seg.location(), seg.offset()),
                    None => match kind {
                        FindingKind::MissingSegment(id) => (
                            Location::segment(id.as_bytes(), index),
                            msg.as_bytes().len(),
                        ),
                        _ => (Location::default(), msg.as_bytes().len()),
                    },
                };
                let location = match kind {
                    FindingKind::MissingSegment(id) => Location::segment(id.as_bytes(), index),
                    _ => location,
                };
                findings.push(Finding {
                    kind,
                    severity,
                    location,
                    offset,
                    code: ErrorCode::SegmentSequence,
                });
            }
        }
    }
    findings.sort_by_key(|f| f.offset);
    Report {
        findings,
        structure: structure_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Result;

    fn report(input: &[u8]) -> Result<Report> {
        Ok(validate(&Message::parse(input)?))
    }

    const ADT: &[u8] = b"MSH|^~\\&|EMR|H|LIS|L|20240101120000||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01|20240101120000\rPID|1||42^^^H^MR||Doe^Jane\rNK1|1|Doe^John\rPV1|1|I|ICU^1\rAL1|1||PEN\rDG1|1||I10^Hypertension^I10|||A\r";

    #[test]
    fn conforming_adt_has_no_findings() -> Result<()> {
        let r = report(ADT)?;
        assert_eq!(r.findings(), &[]);
        assert_eq!(r.structure(), Some("ADT_A01"));
        Ok(())
    }

    #[test]
    fn missing_required_field_has_code_101_and_location() -> Result<()> {
        let input = b"MSH|^~\\&|EMR|H|LIS|L|20240101120000||ADT^A04|1|P|2.5\rEVN|A04|20240101\rPID|1||||Doe\rPV1|1\r";
        let r = report(input)?;
        let f: Vec<String> = r
            .findings()
            .iter()
            .map(|f| f.location.to_string())
            .collect();
        assert_eq!(f, ["PID-3", "PV1-2"]);
        assert!(r
            .findings()
            .iter()
            .all(|f| f.code == ErrorCode::RequiredFieldMissing));
        assert_eq!(r.findings()[0].offset, 77);
        assert!(r.has_errors());
        Ok(())
    }

    #[test]
    fn z_segments_are_kept_and_reported_as_information() -> Result<()> {
        let mut input = ADT.to_vec();
        input.extend_from_slice(b"ZPD|1|custom\r");
        let msg = Message::parse(&input)?;
        let r = validate(&msg);
        assert_eq!(r.findings().len(), 1);
        assert_eq!(r.findings()[0].kind, FindingKind::ZSegment);
        assert_eq!(r.findings()[0].severity, Severity::Information);
        assert!(!r.has_errors());
        assert_eq!(msg.segment_count(), 8);
        Ok(())
    }

    #[test]
    fn unknown_segment_and_wrong_order() -> Result<()> {
        let input = b"MSH|^~\\&|EMR|H|LIS|L|20240101120000||ADT^A01|1|P|2.5\rEVN|A01|20240101\rPV1|1|I\rPID|1||42||Doe\rABC|1\r";
        let r = report(input)?;
        let kinds: Vec<FindingKind> = r.findings().iter().map(|f| f.kind).collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert!(kinds.contains(&FindingKind::UnexpectedSegment));
        Ok(())
    }

    #[test]
    fn header_checks() -> Result<()> {
        let r = report(b"MSH|^~\\&|A|B|C|D|2024||XYZ^Q99|1|X|9.9\r")?;
        let codes: Vec<u16> = r.findings().iter().map(|f| f.code.code()).collect();
        assert!(codes.contains(&202), "{codes:?}");
        assert!(codes.contains(&201), "{codes:?}");
        Ok(())
    }

    #[test]
    fn findings_become_err_segments() -> Result<()> {
        let input =
            b"MSH|^~\\&|EMR|H|LIS|L|20240101120000||ADT^A01|1|P|2.5\rEVN|A01|20240101\rPV1|1|I\r";
        let msg = Message::parse(input)?;
        let r = validate(&msg);
        let ack = msg
            .ack(crate::AckCode::Ae)
            .control_id("A")
            .timestamp("2024")
            .errors(r.ack_errors())
            .build()?;
        let v = ack.view();
        assert_eq!(v.get_str("ERR-3.1")?.as_deref(), Some("100"));
        assert_eq!(v.get_str("ERR-2.1")?.as_deref(), Some("PID"));
        Ok(())
    }

    #[test]
    fn display_has_no_payload() -> Result<()> {
        let input = b"MSH|^~\\&|EMR|H|LIS|L|20240101120000||ADT^A01|1|P|2.5\rEVN|A01|20240101\rPID|1||||SECRETNAME\rPV1|1\r";
        let r = report(input)?;
        for f in r.findings() {
            let s = format!("{f} {f:?}");
            assert!(!s.contains("SECRETNAME"));
        }
        assert!(r.findings()[0]
            .to_string()
            .starts_with("error: required field missing at byte"));
        Ok(())
    }
}
