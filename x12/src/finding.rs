//! Envelope findings: what the ISA/IEA, GS/GE and ST/SE checks found, each mapped to the
//! acknowledgment code that reports it (TA1 note code, 999 IK5 or AK9 syntax error code).

use std::fmt;

use crate::error::Location;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    /// Worth reporting, but a receiver would normally accept the data.
    Warning,
    /// The envelope is wrong: a receiver rejects (TA1 `R`) or flags (999 `E`/`R`) it.
    Error,
}

/// The acknowledgment code a finding maps to.
///
/// - [`AckCode::Ta1Note`]: TA105 Interchange Note Code (element I18), e.g. `"001"`.
/// - [`AckCode::Ik5`]: IK502 Implementation Transaction Set Syntax Error Code
///   (element 718) of the 999 (X231A1), e.g. `"4"`; AK502 in a 997.
/// - [`AckCode::Ak9`]: AK905 Functional Group Syntax Error Code (element 716), e.g. `"5"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AckCode {
    /// TA1 interchange note code (TA105).
    Ta1Note(&'static str),
    /// 999 transaction set syntax error code (IK502).
    Ik5(&'static str),
    /// 999 functional group syntax error code (AK905).
    Ak9(&'static str),
    /// 999 segment syntax error code (IK304, element 620), e.g. `"3"`.
    Ik3(&'static str),
    /// 999 data element syntax error code (IK403, element 621), e.g. `"7"`.
    Ik4(&'static str),
}

impl AckCode {
    /// The code value as written in the acknowledgment.
    pub fn code(&self) -> &'static str {
        match self {
            AckCode::Ta1Note(c)
            | AckCode::Ik5(c)
            | AckCode::Ak9(c)
            | AckCode::Ik3(c)
            | AckCode::Ik4(c) => c,
        }
    }

    /// The acknowledgment segment that carries the code: `"TA1"`, `"IK5"`, `"AK9"`,
    /// `"IK3"` or `"IK4"`.
    pub fn segment(&self) -> &'static str {
        match self {
            AckCode::Ta1Note(_) => "TA1",
            AckCode::Ik5(_) => "IK5",
            AckCode::Ak9(_) => "AK9",
            AckCode::Ik3(_) => "IK3",
            AckCode::Ik4(_) => "IK4",
        }
    }
}

impl fmt::Display for AckCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.segment(), self.code())
    }
}

/// What an envelope check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// An ISA element does not have its fixed width (`element` is 1-based: 2 is ISA02).
    IsaElementWidth {
        /// The ISA element number, 1..=16.
        element: u8,
    },
    /// An ISA element holds a value its definition does not allow (e.g. ISA13 not nine
    /// digits, ISA14 not `0`/`1`, ISA15 not `P`/`T`).
    IsaInvalidValue {
        /// The ISA element number, 1..=16.
        element: u8,
    },
    /// ISA09 is not a valid YYMMDD date.
    IsaInvalidDate,
    /// ISA10 is not a valid HHMM time.
    IsaInvalidTime,
    /// The interchange has no IEA trailer.
    MissingIea,
    /// IEA02 differs from ISA13.
    InterchangeControlNumberMismatch,
    /// IEA01 differs from the number of functional groups.
    GroupCountMismatch,
    /// Another interchange in the same input has the same ISA13.
    DuplicateInterchangeControlNumber,
    /// A segment where the envelope structure allows none (outside ST/SE, after IEA,
    /// or a trailer without its header). It is kept in the index.
    UnexpectedSegment,
    /// A functional group has no GE trailer.
    MissingGe,
    /// GE02 differs from GS06.
    GroupControlNumberMismatch,
    /// GE01 differs from the number of transaction sets in the group.
    SetCountMismatch,
    /// GS06 is not 1–9 digits.
    InvalidGroupControlNumber,
    /// Another group in the same interchange has the same GS06.
    DuplicateGroupControlNumber,
    /// GS08 is not a version/release/industry code (six digits, then up to six more).
    UnsupportedGroupVersion,
    /// A transaction set has no SE trailer.
    MissingSe,
    /// SE02 differs from ST02.
    SetControlNumberMismatch,
    /// SE01 differs from the number of segments from ST to SE inclusive.
    SegmentCountMismatch,
    /// ST01 is not three digits, or names a transaction set that GS01 does not group
    /// (a 271 inside an `HS` group, or a HIPAA set under an unknown GS01 such as `XX`).
    InvalidSetIdentifier,
    /// ST02 is not 4–9 characters.
    InvalidSetControlNumber,
    /// Another transaction set in the same group has the same ST02.
    DuplicateSetControlNumber,
    /// ST03 is present and differs from GS08.
    ImplementationReferenceMismatch,
}

impl FindingKind {
    /// The acknowledgment code that reports this finding.
    ///
    /// ISA problems map to the TA1 note code of the element (ISA01 010, ISA02 011, ISA03
    /// 012, ISA04 013, ISA05 005, ISA06 006, ISA07 007, ISA08 008, ISA09 014, ISA10 015,
    /// ISA11 016, ISA12 017, ISA13 018, ISA14 019, ISA15 020, ISA16 027); envelope
    /// structure problems outside groups to 022 (invalid control structure) and 023
    /// (premature end of file); group problems to AK905; set problems to IK502.
    pub fn ack_code(&self) -> AckCode {
        use AckCode::{Ak9, Ik5, Ta1Note};
        match self {
            FindingKind::IsaElementWidth { element } | FindingKind::IsaInvalidValue { element } => {
                Ta1Note(isa_note(*element))
            }
            FindingKind::IsaInvalidDate => Ta1Note("014"),
            FindingKind::IsaInvalidTime => Ta1Note("015"),
            FindingKind::MissingIea => Ta1Note("023"),
            FindingKind::InterchangeControlNumberMismatch => Ta1Note("001"),
            FindingKind::GroupCountMismatch => Ta1Note("021"),
            FindingKind::DuplicateInterchangeControlNumber => Ta1Note("025"),
            FindingKind::UnexpectedSegment => Ta1Note("022"),
            FindingKind::MissingGe => Ak9("3"),
            FindingKind::GroupControlNumberMismatch => Ak9("4"),
            FindingKind::SetCountMismatch => Ak9("5"),
            FindingKind::InvalidGroupControlNumber => Ak9("6"),
            FindingKind::DuplicateGroupControlNumber => Ak9("16"),
            FindingKind::UnsupportedGroupVersion => Ak9("2"),
            FindingKind::MissingSe => Ik5("2"),
            FindingKind::SetControlNumberMismatch => Ik5("3"),
            FindingKind::SegmentCountMismatch => Ik5("4"),
            FindingKind::InvalidSetIdentifier => Ik5("6"),
            FindingKind::InvalidSetControlNumber => Ik5("7"),
            FindingKind::DuplicateSetControlNumber => Ik5("23"),
            FindingKind::ImplementationReferenceMismatch => Ik5("19"),
        }
    }

    /// How serious the finding is. Every envelope finding is currently an error (the
    /// HIPAA guides require ST03 to equal GS08, so even that one is); warnings are kept
    /// for checks that later validation passes add.
    pub fn severity(&self) -> Severity {
        Severity::Error
    }
}

/// TA1 note code for a problem in ISA element `element` (1-based).
fn isa_note(element: u8) -> &'static str {
    match element {
        1 => "010",
        2 => "011",
        3 => "012",
        4 => "013",
        5 => "005",
        6 => "006",
        7 => "007",
        8 => "008",
        9 => "014",
        10 => "015",
        11 => "016",
        12 => "017",
        13 => "018",
        14 => "019",
        15 => "020",
        _ => "027",
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingKind::IsaElementWidth { element } => {
                write!(f, "ISA{element:02} does not have its fixed width")
            }
            FindingKind::IsaInvalidValue { element } => {
                write!(f, "invalid value in ISA{element:02}")
            }
            FindingKind::IsaInvalidDate => f.write_str("invalid interchange date in ISA09"),
            FindingKind::IsaInvalidTime => f.write_str("invalid interchange time in ISA10"),
            FindingKind::MissingIea => f.write_str("interchange has no IEA trailer"),
            FindingKind::InterchangeControlNumberMismatch => {
                f.write_str("IEA02 does not match ISA13")
            }
            FindingKind::GroupCountMismatch => {
                f.write_str("IEA01 does not match the number of functional groups")
            }
            FindingKind::DuplicateInterchangeControlNumber => {
                f.write_str("duplicate interchange control number")
            }
            FindingKind::UnexpectedSegment => f.write_str("segment outside its envelope"),
            FindingKind::MissingGe => f.write_str("functional group has no GE trailer"),
            FindingKind::GroupControlNumberMismatch => f.write_str("GE02 does not match GS06"),
            FindingKind::SetCountMismatch => {
                f.write_str("GE01 does not match the number of transaction sets")
            }
            FindingKind::InvalidGroupControlNumber => f.write_str("invalid GS06"),
            FindingKind::DuplicateGroupControlNumber => {
                f.write_str("duplicate group control number")
            }
            FindingKind::UnsupportedGroupVersion => f.write_str("invalid version code in GS08"),
            FindingKind::MissingSe => f.write_str("transaction set has no SE trailer"),
            FindingKind::SetControlNumberMismatch => f.write_str("SE02 does not match ST02"),
            FindingKind::SegmentCountMismatch => {
                f.write_str("SE01 does not match the number of segments")
            }
            FindingKind::InvalidSetIdentifier => f.write_str("invalid transaction set identifier"),
            FindingKind::InvalidSetControlNumber => f.write_str("invalid ST02"),
            FindingKind::DuplicateSetControlNumber => {
                f.write_str("duplicate transaction set control number")
            }
            FindingKind::ImplementationReferenceMismatch => f.write_str("ST03 does not match GS08"),
        }
    }
}

/// One envelope finding: what, where (byte offset and segment), and the acknowledgment
/// code it maps to. Never carries content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// Byte offset in the input of the segment (or element) concerned.
    pub offset: usize,
    /// The segment (0-based position in the input) and element concerned.
    pub location: Location,
    /// 0-based index of the interchange in the input.
    pub interchange: usize,
}

impl Finding {
    /// The acknowledgment code that reports this finding.
    pub fn ack_code(&self) -> AckCode {
        self.kind.ack_code()
    }

    /// How serious the finding is.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}, {}: {}",
            self.kind,
            self.offset,
            self.location,
            self.ack_code()
        )
    }
}
