//! What validation found: [`Issue`] and its kinds, each mapped to the acknowledgment code
//! that reports it.

use std::fmt;

use crate::error::Location;
use crate::finding::{AckCode, FindingKind, Severity};
use crate::loops::LoopFindingKind;

/// A segment-level problem (999 IK304).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SegmentError {
    /// The segment identifier is not 2–3 upper-case letters or digits (IK304 `1`).
    UnrecognizedSegmentId,
    /// A segment the guide requires in this loop is absent (IK304 `3`). The issue's
    /// location names the missing segment; its position is the last segment of the
    /// loop instance that lacks it (child loops not counted), so a 999's CTX*CLM01
    /// names the claim that lacks it, not the next one.
    RequiredSegmentMissing,
    /// A loop the guide requires under this loop is absent (IK304 `3`, naming the
    /// segment that would open it; the issue's `loop_id` is the missing loop). Its
    /// position is the last segment of the parent instance (child loops not counted).
    RequiredLoopMissing,
    /// A loop occurs more often in its parent than the guide allows (IK304 `4`); reported
    /// at the first instance too many.
    LoopOverMaximum,
    /// A segment occurs more often in its loop than the guide allows (IK304 `5`);
    /// reported at the first occurrence too many.
    SegmentOverMaximumUse,
    /// The guide marks this segment "not used" here (IK304 `I4`).
    NotUsedSegmentPresent,
}

impl SegmentError {
    /// The 999 IK304 code.
    pub fn ik3_code(&self) -> &'static str {
        match self {
            SegmentError::UnrecognizedSegmentId => "1",
            SegmentError::RequiredSegmentMissing | SegmentError::RequiredLoopMissing => "3",
            SegmentError::LoopOverMaximum => "4",
            SegmentError::SegmentOverMaximumUse => "5",
            SegmentError::NotUsedSegmentPresent => "I4",
        }
    }
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SegmentError::UnrecognizedSegmentId => "unrecognized segment identifier",
            SegmentError::RequiredSegmentMissing => "required segment missing",
            SegmentError::RequiredLoopMissing => "required loop missing",
            SegmentError::LoopOverMaximum => "loop occurs over maximum times",
            SegmentError::SegmentOverMaximumUse => "segment exceeds maximum use",
            SegmentError::NotUsedSegmentPresent => "\"not used\" segment present",
        })
    }
}

/// An element-level problem (999 IK403).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ElementError {
    /// IK403 `1`.
    RequiredMissing,
    /// A syntax note (`P`, `C`, `L`, `R`) requires the element (IK403 `2`).
    ConditionalRequiredMissing,
    /// More elements than the segment defines (IK403 `3`).
    TooManyElements,
    /// IK403 `4`.
    TooShort,
    /// IK403 `5`.
    TooLong,
    /// A character its data type does not allow, e.g. a letter in a number (IK403 `6`).
    InvalidCharacter,
    /// A code value the guide does not allow (IK403 `7`).
    InvalidCode,
    /// A value an external code list (through a
    /// [`CodeListProvider`](crate::CodeListProvider)) does not hold (IK403 `7`).
    InvalidExternalCode,
    /// IK403 `8`.
    InvalidDate,
    /// IK403 `9`.
    InvalidTime,
    /// An exclusion syntax note (`E`) is violated (IK403 `10`).
    ExclusionViolated,
    /// IK403 `12`.
    TooManyRepetitions,
    /// IK403 `13`.
    TooManyComponents,
    /// The guide marks this element "not used" (IK403 `I10`).
    NotUsedPresent,
}

impl ElementError {
    /// The 999 IK403 code.
    pub fn ik4_code(&self) -> &'static str {
        match self {
            ElementError::RequiredMissing => "1",
            ElementError::ConditionalRequiredMissing => "2",
            ElementError::TooManyElements => "3",
            ElementError::TooShort => "4",
            ElementError::TooLong => "5",
            ElementError::InvalidCharacter => "6",
            ElementError::InvalidCode | ElementError::InvalidExternalCode => "7",
            ElementError::InvalidDate => "8",
            ElementError::InvalidTime => "9",
            ElementError::ExclusionViolated => "10",
            ElementError::TooManyRepetitions => "12",
            ElementError::TooManyComponents => "13",
            ElementError::NotUsedPresent => "I10",
        }
    }
}

impl fmt::Display for ElementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ElementError::RequiredMissing => "required data element missing",
            ElementError::ConditionalRequiredMissing => "conditional required data element missing",
            ElementError::TooManyElements => "too many data elements",
            ElementError::TooShort => "data element too short",
            ElementError::TooLong => "data element too long",
            ElementError::InvalidCharacter => "invalid character in data element",
            ElementError::InvalidCode => "invalid code value",
            ElementError::InvalidExternalCode => "code value not in its external code list",
            ElementError::InvalidDate => "invalid date",
            ElementError::InvalidTime => "invalid time",
            ElementError::ExclusionViolated => "exclusion condition violated",
            ElementError::TooManyRepetitions => "too many repetitions",
            ElementError::TooManyComponents => "too many components",
            ElementError::NotUsedPresent => "\"not used\" data element present",
        })
    }
}

/// A SNIP 3 balancing failure. The 999 has no dedicated code: it is reported as IK304 `8`
/// with IK403 `I12` on the amount that does not balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BalanceError {
    /// 835: BPR02 ≠ Σ CLP04 − Σ PLB adjustment amounts (reported at BPR02).
    PaymentTotal,
    /// 835: CLP03 − CLP04 ≠ Σ CAS amounts of the claim and its service lines (at CLP03).
    ClaimAdjustments,
    /// 835: SVC02 − SVC03 ≠ Σ CAS amounts of the line (at SVC02).
    LineAdjustments,
    /// 837: CLM02 ≠ Σ line charges (SV1-02, SV2-03, SV3-02) of the claim (at CLM02).
    ClaimCharge,
}

impl fmt::Display for BalanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BalanceError::PaymentTotal => {
                "BPR02 does not equal the claim payments less PLB adjustments"
            }
            BalanceError::ClaimAdjustments => {
                "CLP03 less CLP04 does not equal the claim and line adjustments"
            }
            BalanceError::LineAdjustments => "SVC02 less SVC03 does not equal the line adjustments",
            BalanceError::ClaimCharge => "CLM02 does not equal the sum of the line charges",
        })
    }
}

/// A situational requirement of an implementation guide that depends on other values of
/// the claim (SNIP 4), reported as IK304 `I6` ("implementation dependent segment
/// missing") at the claim's CLM, the issue's location naming the missing segment.
///
/// # Examples
/// ```
/// use carewire_x12::{validate, Document, IssueKind, SituationalRule};
/// // An inpatient claim (type of bill 111) without its admitting diagnosis (HI*ABJ).
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X223A2~\
/// ST*837*0001*005010X223A2~BHT*0019*00*1*20240101*1200*CH~NM1*41*2*SUB*****46*S1~\
/// PER*IC*JANE*TE*5555551234~NM1*40*2*RCV*****46*R1~HL*1**20*1~\
/// NM1*85*2*BILLING*****XX*1234567893~N3*1 MAIN ST~N4*TOWN*NY*10001~REF*EI*123456789~\
/// HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*123456789~N3*2 ELM ST~\
/// N4*TOWN*NY*10001~DMG*D8*19800101*F~NM1*PR*2*PAYER*****PI*12345~\
/// CLM*A1*100***11:A:1**A*Y*Y~DTP*096*TM*1430~DTP*434*RD8*20240101-20240103~\
/// DTP*435*DT*202401010800~CL1*1*7*01~HI*ABK:J209~\
/// NM1*71*1*WELBY*MARCUS****XX*1234567893~LX*1~SV2*0300*HC:81099*100*UN*1~\
/// SE*27*0001~GE*1*1~IEA*1*000000001~";
/// let doc = Document::parse(input)?;
/// let report = validate(&doc);
/// let kinds: Vec<IssueKind> = report.issues().iter().map(|i| i.kind).collect();
/// assert_eq!(kinds, [IssueKind::Situational(SituationalRule::AdmittingDiagnosis)]);
/// let issue = &report.issues()[0];
/// assert_eq!((issue.location.segment_id(), issue.loop_id, issue.snip()), ("HI", "2300", 4));
/// assert_eq!(issue.ack_code().code(), "I6");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SituationalRule {
    /// 837I: DTP*435 (admission date/hour) is required on inpatient claims.
    AdmissionDate,
    /// 837I: DTP*096 (discharge hour) is required on final inpatient claims (CLM05-3 `1`
    /// or `4`, the patient no longer in the facility).
    DischargeHour,
    /// 837I: HI*ABJ (admitting diagnosis) is required on inpatient admission claims.
    AdmittingDiagnosis,
    /// 837I: loop 2310A (NM1*71, attending provider) is required when the claim has
    /// services other than non-scheduled transportation.
    AttendingProvider,
    /// 837I: loop 2310B (NM1*72, operating physician) is required when a surgical
    /// procedure code is listed (HI*BBR / HI*BR principal procedure).
    OperatingPhysician,
    /// 837P, 837I and 837D: 2300 REF*F8 (payer claim control number, the payer's
    /// number of the original claim) is required when CLM05-3 says the claim replaces
    /// (`7`) or voids (`8`) a previously adjudicated claim.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::{validate, Document, IssueKind, SituationalRule};
    /// // An 837P replacement claim (CLM05-3 7) that does not name the claim it replaces.
    /// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
    /// *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~\
    /// ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~NM1*41*2*SUB*****46*S1~\
    /// PER*IC*JANE*TE*5555551234~NM1*40*2*RCV*****46*R1~HL*1**20*1~\
    /// NM1*85*2*BILLING*****XX*1234567893~N3*1 MAIN ST~N4*TOWN*NY*10001~REF*EI*123456789~\
    /// HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*123456789~N3*2 ELM ST~\
    /// N4*TOWN*NY*10001~DMG*D8*19800101*F~NM1*PR*2*PAYER*****PI*12345~\
    /// CLM*A1*90***11:B:7*Y*A*Y*Y~HI*ABK:J209~LX*1~SV1*HC:99213*90*UN*1***1~\
    /// DTP*472*D8*20240101~SE*23*0001~GE*1*1~IEA*1*000000001~";
    /// let doc = Document::parse(input)?;
    /// let report = validate(&doc);
    /// let kinds: Vec<IssueKind> = report.issues().iter().map(|i| i.kind).collect();
    /// assert_eq!(kinds, [IssueKind::Situational(SituationalRule::PayerClaimControlNumber)]);
    /// assert_eq!(report.issues()[0].location.segment_id(), "REF");
    /// // With the original claim's payer claim control number it is clean.
    /// let fixed = String::from_utf8(input.to_vec())?
    ///     .replace("*Y*A*Y*Y~HI*", "*Y*A*Y*Y~REF*F8*PCN12345~HI*")
    ///     .replace("SE*23*", "SE*24*");
    /// assert!(validate(&Document::parse(fixed.as_bytes())?).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    PayerClaimControlNumber,
}

impl SituationalRule {
    /// The loop the missing segment belongs to (`"2300"`, `"2310A"`, `"2310B"`).
    pub fn loop_id(&self) -> &'static str {
        match self {
            SituationalRule::AttendingProvider => "2310A",
            SituationalRule::OperatingPhysician => "2310B",
            _ => "2300",
        }
    }

    /// The identifier of the missing segment.
    pub fn segment_id(&self) -> &'static str {
        match self {
            SituationalRule::AdmissionDate | SituationalRule::DischargeHour => "DTP",
            SituationalRule::AdmittingDiagnosis => "HI",
            SituationalRule::AttendingProvider | SituationalRule::OperatingPhysician => "NM1",
            SituationalRule::PayerClaimControlNumber => "REF",
        }
    }
}

impl fmt::Display for SituationalRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SituationalRule::AdmissionDate => {
                "admission date (DTP*435) missing on an inpatient claim"
            }
            SituationalRule::DischargeHour => {
                "discharge hour (DTP*096) missing on a final inpatient claim"
            }
            SituationalRule::AdmittingDiagnosis => {
                "admitting diagnosis (HI*ABJ) missing on an inpatient claim"
            }
            SituationalRule::AttendingProvider => {
                "attending provider (2310A NM1*71) missing on a claim with services"
            }
            SituationalRule::OperatingPhysician => {
                "operating physician (2310B NM1*72) missing on a claim with a principal procedure"
            }
            SituationalRule::PayerClaimControlNumber => {
                "payer claim control number (REF*F8) missing on a replacement or void claim"
            }
        })
    }
}

/// What an issue is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IssueKind {
    /// An envelope finding (ISA/IEA, GS/GE, ST/SE), SNIP 1.
    Envelope(FindingKind),
    /// A loop-builder finding: unexpected or out-of-sequence segment, HL problem.
    Loop(LoopFindingKind),
    /// A segment-level finding.
    Segment(SegmentError),
    /// An element-level finding.
    Element(ElementError),
    /// A balancing failure, SNIP 3.
    Balance(BalanceError),
    /// A situational requirement not met, SNIP 4.
    Situational(SituationalRule),
}

impl IssueKind {
    /// The acknowledgment code that reports the issue.
    pub fn ack_code(&self) -> AckCode {
        match self {
            IssueKind::Envelope(k) => k.ack_code(),
            IssueKind::Loop(k) => AckCode::Ik3(k.ik3_code()),
            IssueKind::Segment(k) => AckCode::Ik3(k.ik3_code()),
            IssueKind::Element(k) => AckCode::Ik4(k.ik4_code()),
            IssueKind::Balance(_) => AckCode::Ik4("I12"),
            IssueKind::Situational(_) => AckCode::Ik3("I6"),
        }
    }

    /// The WEDI SNIP level of the check: 1 syntax and envelopes, 2 implementation-guide
    /// requirements (usage, repeats, code values), 3 balancing, 4 situational
    /// requirements between segments, 5 external code sets.
    pub fn snip(&self) -> u8 {
        match self {
            IssueKind::Envelope(_) => 1,
            IssueKind::Loop(LoopFindingKind::UnexpectedSegment) => 2,
            IssueKind::Loop(_) => 2,
            IssueKind::Segment(SegmentError::UnrecognizedSegmentId) => 1,
            IssueKind::Segment(_) => 2,
            IssueKind::Element(e) => match e {
                ElementError::TooManyElements
                | ElementError::TooManyRepetitions
                | ElementError::TooManyComponents
                | ElementError::InvalidCharacter
                | ElementError::InvalidDate
                | ElementError::InvalidTime
                | ElementError::ConditionalRequiredMissing
                | ElementError::ExclusionViolated => 1,
                ElementError::InvalidExternalCode => 5,
                _ => 2,
            },
            IssueKind::Balance(_) => 3,
            IssueKind::Situational(_) => 4,
        }
    }

    /// How serious the issue is: a "not used" element that is present anyway is a
    /// warning (receivers ignore it); everything else is an error.
    pub fn severity(&self) -> Severity {
        match self {
            IssueKind::Envelope(k) => k.severity(),
            IssueKind::Element(ElementError::NotUsedPresent) => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for IssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssueKind::Envelope(k) => k.fmt(f),
            IssueKind::Loop(k) => k.fmt(f),
            IssueKind::Segment(k) => k.fmt(f),
            IssueKind::Element(k) => k.fmt(f),
            IssueKind::Balance(k) => k.fmt(f),
            IssueKind::Situational(k) => k.fmt(f),
        }
    }
}

/// One validation issue: what, where, and the acknowledgment code. Never carries
/// element values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Issue {
    /// What was found.
    pub kind: IssueKind,
    /// Byte offset in the input of the segment or element concerned.
    pub offset: usize,
    /// Segment (identifier and 0-based position in the document), element, repetition
    /// and component (1-based).
    pub location: Location,
    /// 0-based index of the interchange in the document.
    pub interchange: usize,
    /// 0-based index of the functional group in its interchange.
    pub group: Option<usize>,
    /// 0-based index of the transaction set in its group.
    pub set: Option<usize>,
    /// 0-based position of the segment in its transaction set (ST is 0; IK302 is this
    /// plus one).
    pub position: Option<usize>,
    /// The innermost implementation-guide loop (`"2010AA"`, `"header"`, `"trailer"`), or
    /// `""` outside a transaction set or without a guide.
    pub loop_id: &'static str,
    /// The data element reference number of the element concerned (`"98"` for NM101),
    /// for IK402.
    pub data_element: Option<&'static str>,
}

impl Issue {
    /// The acknowledgment code that reports this issue.
    pub fn ack_code(&self) -> AckCode {
        self.kind.ack_code()
    }

    /// How serious the issue is.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    /// The SNIP level of the check.
    pub fn snip(&self) -> u8 {
        self.kind.snip()
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev} at byte {}", self.offset)?;
        if let Some(p) = self.position {
            write!(f, ", segment {} of set", p + 1)?;
        }
        write!(f, ", {}", self.location)?;
        if !self.loop_id.is_empty() {
            write!(f, ", loop {}", self.loop_id)?;
        }
        write!(
            f,
            ": {} [{}; SNIP {}]",
            self.kind,
            self.ack_code(),
            self.snip()
        )
    }
}
