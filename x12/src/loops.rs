//! Table-driven reconstruction of implementation-guide loops: 837P (005010X222A1), 837I
//! (005010X223A2), 837D (005010X224A2), 835 (005010X221A1), 270/271 (005010X279A1) and
//! 999 (005010X231A1).
//!
//! Each guide is a static tree of loop specifications: the segment that opens a loop
//! (with the qualifier values that tell `NM1*85` 2010AA from `NM1*87` 2010AB), the other
//! segments the loop holds, and its child loops. HL loops are placed by their parent
//! pointer (HL02 names the parent's HL01), so a 2300 claim lands under 2000B or 2000C
//! wherever the sender put it. A segment that fits nowhere is kept in the innermost open
//! loop and reported; nothing aborts.
//!
//! The loop maps were transcribed from the implementation guides' loop tables (as also
//! published in pyx12's maps): only loop ids, trigger segments, qualifiers and segment
//! ids, no guide text.

use std::collections::HashMap;
use std::fmt;

use crate::view::{Segment, TransactionSet};

/// One loop in a guide's table.
#[derive(Debug)]
pub(crate) struct Spec {
    id: &'static str,
    /// The segment that opens the loop.
    trigger: &'static str,
    /// Element of the trigger holding the qualifier (1-based; HL03 for HL loops).
    qual_elem: usize,
    /// Qualifier values that select this loop (empty: any).
    quals: &'static [&'static str],
    /// The other segments the loop holds, in the guide's order (before child loops).
    own: &'static [&'static str],
    /// Segments of the loop that follow its child loops (999 IK5 after the 2100s).
    after: &'static [&'static str],
    children: &'static [Spec],
}

const fn lp(
    id: &'static str,
    trigger: &'static str,
    quals: &'static [&'static str],
    own: &'static [&'static str],
    children: &'static [Spec],
) -> Spec {
    Spec {
        id,
        trigger,
        qual_elem: 1,
        quals,
        own,
        after: &[],
        children,
    }
}

/// `spec` with segments that follow its child loops.
const fn then(spec: Spec, after: &'static [&'static str]) -> Spec {
    Spec { after, ..spec }
}

const fn hl(
    id: &'static str,
    level: &'static [&'static str],
    own: &'static [&'static str],
    children: &'static [Spec],
) -> Spec {
    Spec {
        id,
        trigger: "HL",
        qual_elem: 3,
        quals: level,
        own,
        after: &[],
        children,
    }
}

// ---------------------------------------------------------------------------------------
// 837P, 005010X222A1
// ---------------------------------------------------------------------------------------

const P2330: [Spec; 7] = [
    lp("2330A", "NM1", &["IL"], &["N3", "N4", "REF"], &[]),
    lp("2330B", "NM1", &["PR"], &["N3", "N4", "DTP", "REF"], &[]),
    lp("2330C", "NM1", &["DN", "P3"], &["REF"], &[]),
    lp("2330D", "NM1", &["82"], &["REF"], &[]),
    lp("2330E", "NM1", &["77"], &["REF"], &[]),
    lp("2330F", "NM1", &["DQ"], &["REF"], &[]),
    lp("2330G", "NM1", &["85"], &["REF"], &[]),
];

const P2400_CHILDREN: [Spec; 11] = [
    lp("2410", "LIN", &[], &["CTP", "REF"], &[]),
    lp("2420A", "NM1", &["82"], &["PRV", "REF"], &[]),
    lp("2420B", "NM1", &["QB"], &["REF"], &[]),
    lp("2420C", "NM1", &["77"], &["N3", "N4", "REF"], &[]),
    lp("2420D", "NM1", &["DQ"], &["REF"], &[]),
    lp("2420E", "NM1", &["DK"], &["N3", "N4", "REF", "PER"], &[]),
    lp("2420F", "NM1", &["DN", "P3"], &["REF"], &[]),
    lp("2420G", "NM1", &["PW"], &["N3", "N4"], &[]),
    lp("2420H", "NM1", &["45"], &["N3", "N4"], &[]),
    lp("2430", "SVD", &[], &["CAS", "DTP", "AMT"], &[]),
    lp("2440", "LQ", &["AS", "UT"], &["FRM"], &[]),
];

const P2300_CHILDREN: [Spec; 8] = [
    lp("2310A", "NM1", &["DN", "P3"], &["REF"], &[]),
    lp("2310B", "NM1", &["82"], &["PRV", "REF"], &[]),
    lp("2310C", "NM1", &["77"], &["N3", "N4", "REF", "PER"], &[]),
    lp("2310D", "NM1", &["DQ"], &["REF"], &[]),
    lp("2310E", "NM1", &["PW"], &["N3", "N4"], &[]),
    lp("2310F", "NM1", &["45"], &["N3", "N4"], &[]),
    lp("2320", "SBR", &[], &["CAS", "AMT", "OI", "MOA"], &P2330),
    lp(
        "2400",
        "LX",
        &[],
        &[
            "SV1", "SV5", "PWK", "CR1", "CR3", "CRC", "DTP", "QTY", "MEA", "CN1", "REF", "AMT",
            "K3", "NTE", "PS1", "HCP",
        ],
        &P2400_CHILDREN,
    ),
];

const P2300: Spec = lp(
    "2300",
    "CLM",
    &[],
    &[
        "DTP", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "CR1", "CR2", "CRC", "HI", "HCP",
    ],
    &P2300_CHILDREN,
);

const P2000C: Spec = hl(
    "2000C",
    &["23"],
    &["PAT"],
    &[
        lp(
            "2010CA",
            "NM1",
            &["QC"],
            &["N3", "N4", "DMG", "REF", "PER"],
            &[],
        ),
        P2300,
    ],
);

const P2000B: Spec = hl(
    "2000B",
    &["22"],
    &["SBR", "PAT"],
    &[
        lp(
            "2010BA",
            "NM1",
            &["IL"],
            &["N3", "N4", "DMG", "REF", "PER"],
            &[],
        ),
        lp("2010BB", "NM1", &["PR"], &["N3", "N4", "REF"], &[]),
        P2300,
        P2000C,
    ],
);

const P2000A: Spec = hl(
    "2000A",
    &["20"],
    &["PRV", "CUR"],
    &[
        lp("2010AA", "NM1", &["85"], &["N3", "N4", "REF", "PER"], &[]),
        lp("2010AB", "NM1", &["87"], &["N3", "N4"], &[]),
        lp("2010AC", "NM1", &["PE"], &["N3", "N4", "REF"], &[]),
        P2000B,
    ],
);

/// 837P: the header holds BHT, then 1000A/1000B and the HL hierarchy.
const P837: Spec = lp(
    "header",
    "ST",
    &[],
    &["BHT"],
    &[
        lp("1000A", "NM1", &["41"], &["PER"], &[]),
        lp("1000B", "NM1", &["40"], &[], &[]),
        P2000A,
    ],
);

// ---------------------------------------------------------------------------------------
// 837I, 005010X223A2 (loop layout unchanged from X223A1 and in X223A3)
// ---------------------------------------------------------------------------------------

const I2330: [Spec; 9] = [
    lp("2330A", "NM1", &["IL"], &["N3", "N4", "REF"], &[]),
    lp("2330B", "NM1", &["PR"], &["N3", "N4", "DTP", "REF"], &[]),
    lp("2330C", "NM1", &["71"], &["REF"], &[]),
    lp("2330D", "NM1", &["72"], &["REF"], &[]),
    lp("2330E", "NM1", &["ZZ"], &["REF"], &[]),
    lp("2330F", "NM1", &["77"], &["REF"], &[]),
    lp("2330G", "NM1", &["82"], &["REF"], &[]),
    lp("2330H", "NM1", &["DN"], &["REF"], &[]),
    lp("2330I", "NM1", &["85"], &["REF"], &[]),
];

const I2400_CHILDREN: [Spec; 6] = [
    lp("2410", "LIN", &[], &["CTP", "REF"], &[]),
    lp("2420A", "NM1", &["72"], &["REF"], &[]),
    lp("2420B", "NM1", &["ZZ"], &["REF"], &[]),
    lp("2420C", "NM1", &["82"], &["REF"], &[]),
    lp("2420D", "NM1", &["DN"], &["REF"], &[]),
    lp("2430", "SVD", &[], &["CAS", "DTP", "AMT"], &[]),
];

const I2300_CHILDREN: [Spec; 8] = [
    lp("2310A", "NM1", &["71"], &["PRV", "REF"], &[]),
    lp("2310B", "NM1", &["72"], &["REF"], &[]),
    lp("2310C", "NM1", &["ZZ"], &["REF"], &[]),
    lp("2310D", "NM1", &["82"], &["REF"], &[]),
    lp("2310E", "NM1", &["77"], &["N3", "N4", "REF"], &[]),
    lp("2310F", "NM1", &["DN"], &["REF"], &[]),
    lp(
        "2320",
        "SBR",
        &[],
        &["CAS", "AMT", "OI", "MIA", "MOA"],
        &I2330,
    ),
    lp(
        "2400",
        "LX",
        &[],
        &["SV2", "PWK", "DTP", "REF", "AMT", "NTE", "HCP"],
        &I2400_CHILDREN,
    ),
];

const I2300: Spec = lp(
    "2300",
    "CLM",
    &[],
    &[
        "DTP", "CL1", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "CRC", "HI", "HCP",
    ],
    &I2300_CHILDREN,
);

const I2000C: Spec = hl(
    "2000C",
    &["23"],
    &["PAT"],
    &[
        lp("2010CA", "NM1", &["QC"], &["N3", "N4", "DMG", "REF"], &[]),
        I2300,
    ],
);

const I2000B: Spec = hl(
    "2000B",
    &["22"],
    &["SBR"],
    &[
        lp("2010BA", "NM1", &["IL"], &["N3", "N4", "DMG", "REF"], &[]),
        lp("2010BB", "NM1", &["PR"], &["N3", "N4", "REF"], &[]),
        I2300,
        I2000C,
    ],
);

const I2000A: Spec = hl(
    "2000A",
    &["20"],
    &["PRV", "CUR"],
    &[
        lp("2010AA", "NM1", &["85"], &["N3", "N4", "REF", "PER"], &[]),
        lp("2010AB", "NM1", &["87"], &["N3", "N4"], &[]),
        lp("2010AC", "NM1", &["PE"], &["N3", "N4", "REF"], &[]),
        I2000B,
    ],
);

/// 837I: as 837P in the header, institutional claim and line loops below.
const I837: Spec = lp(
    "header",
    "ST",
    &[],
    &["BHT"],
    &[
        lp("1000A", "NM1", &["41"], &["PER"], &[]),
        lp("1000B", "NM1", &["40"], &[], &[]),
        I2000A,
    ],
);

// ---------------------------------------------------------------------------------------
// 837D, 005010X224A2
// ---------------------------------------------------------------------------------------

const D2330: [Spec; 8] = [
    lp("2330A", "NM1", &["IL"], &["N3", "N4", "REF"], &[]),
    lp("2330B", "NM1", &["PR"], &["N3", "N4", "DTP", "REF"], &[]),
    lp("2330C", "NM1", &["DN", "P3"], &["REF"], &[]),
    lp("2330D", "NM1", &["82"], &["REF"], &[]),
    lp("2330E", "NM1", &["DQ"], &["REF"], &[]),
    lp("2330F", "NM1", &["85"], &["REF"], &[]),
    lp("2330G", "NM1", &["77"], &["REF"], &[]),
    lp("2330H", "NM1", &["DD"], &["REF"], &[]),
];

const D2400_CHILDREN: [Spec; 5] = [
    lp("2420A", "NM1", &["82"], &["PRV", "REF"], &[]),
    lp("2420B", "NM1", &["DD"], &["PRV", "REF"], &[]),
    lp("2420C", "NM1", &["DQ"], &["REF"], &[]),
    lp("2420D", "NM1", &["77"], &["N3", "N4", "REF"], &[]),
    lp("2430", "SVD", &[], &["CAS", "DTP", "AMT"], &[]),
];

const D2300_CHILDREN: [Spec; 7] = [
    lp("2310A", "NM1", &["DN", "P3"], &["PRV", "REF"], &[]),
    lp("2310B", "NM1", &["82"], &["PRV", "REF"], &[]),
    lp("2310C", "NM1", &["77"], &["N3", "N4", "REF"], &[]),
    lp("2310D", "NM1", &["DD"], &["PRV", "REF"], &[]),
    lp("2310E", "NM1", &["DQ"], &["REF"], &[]),
    lp("2320", "SBR", &[], &["CAS", "AMT", "OI", "MOA"], &D2330),
    lp(
        "2400",
        "LX",
        &[],
        &["SV3", "TOO", "DTP", "QTY", "REF", "AMT", "NTE", "HCP"],
        &D2400_CHILDREN,
    ),
];

const D2300: Spec = lp(
    "2300",
    "CLM",
    &[],
    &[
        "DTP", "DN1", "DN2", "PWK", "CN1", "AMT", "REF", "NTE", "HI", "HCP",
    ],
    &D2300_CHILDREN,
);

const D2000C: Spec = hl(
    "2000C",
    &["23"],
    &["PAT"],
    &[
        lp("2010CA", "NM1", &["QC"], &["N3", "N4", "DMG", "REF"], &[]),
        D2300,
    ],
);

const D2000B: Spec = hl(
    "2000B",
    &["22"],
    &["SBR"],
    &[
        lp("2010BA", "NM1", &["IL"], &["N3", "N4", "DMG", "REF"], &[]),
        lp("2010BB", "NM1", &["PR"], &["N3", "N4", "REF"], &[]),
        D2300,
        D2000C,
    ],
);

const D2000A: Spec = hl(
    "2000A",
    &["20"],
    &["PRV", "CUR"],
    &[
        lp("2010AA", "NM1", &["85"], &["N3", "N4", "REF", "PER"], &[]),
        lp("2010AB", "NM1", &["87"], &["N3", "N4"], &[]),
        lp("2010AC", "NM1", &["PE"], &["N3", "N4", "REF"], &[]),
        D2000B,
    ],
);

/// 837D: as 837P in the header and hierarchy; dental claim (DN1/DN2) and line (SV3,
/// TOO) loops, assistant surgeon (`DD`) loops 2310D/2330H/2420B.
const D837: Spec = lp(
    "header",
    "ST",
    &[],
    &["BHT"],
    &[
        lp("1000A", "NM1", &["41"], &["PER"], &[]),
        lp("1000B", "NM1", &["40"], &[], &[]),
        D2000A,
    ],
);

// ---------------------------------------------------------------------------------------
// 270 / 271, 005010X279A1
// ---------------------------------------------------------------------------------------

/// 270: the inquiry. Each HL level holds one name loop (NM1), subscriber and dependent
/// names hold EQ inquiries.
const Q2000D: Spec = hl(
    "2000D",
    &["23"],
    &["TRN"],
    &[lp(
        "2100D",
        "NM1",
        &[],
        &["REF", "N3", "N4", "PRV", "DMG", "INS", "HI", "DTP"],
        &[lp("2110D", "EQ", &[], &["III", "REF", "DTP"], &[])],
    )],
);

const Q2000C: Spec = hl(
    "2000C",
    &["22"],
    &["TRN"],
    &[
        lp(
            "2100C",
            "NM1",
            &[],
            &["REF", "N3", "N4", "PRV", "DMG", "INS", "HI", "DTP"],
            &[lp("2110C", "EQ", &[], &["AMT", "III", "REF", "DTP"], &[])],
        ),
        Q2000D,
    ],
);

const Q2000B: Spec = hl(
    "2000B",
    &["21"],
    &[],
    &[
        lp("2100B", "NM1", &[], &["REF", "N3", "N4", "PRV"], &[]),
        Q2000C,
    ],
);

const Q270: Spec = lp(
    "header",
    "ST",
    &[],
    &["BHT"],
    &[hl(
        "2000A",
        &["20"],
        &[],
        &[lp("2100A", "NM1", &[], &[], &[]), Q2000B],
    )],
);

/// 271: the answer. EB benefits (2110C/D) may carry III (2115C/D) and, between LS and
/// LE, benefit-related entities (2120C/D).
const S2110C_CHILDREN: [Spec; 2] = [
    lp("2115C", "III", &[], &[], &[]),
    lp("2120C", "NM1", &[], &["N3", "N4", "PER", "PRV"], &[]),
];

const S2110D_CHILDREN: [Spec; 2] = [
    lp("2115D", "III", &[], &[], &[]),
    lp("2120D", "NM1", &[], &["N3", "N4", "PER", "PRV"], &[]),
];

const EB_OWN: &[&str] = &["HSD", "REF", "DTP", "AAA", "MSG"];

const S2110C: [Spec; 1] = [then(
    lp("2110C", "EB", &[], EB_OWN, &S2110C_CHILDREN),
    &["LS", "LE"],
)];

const S2110D: [Spec; 1] = [then(
    lp("2110D", "EB", &[], EB_OWN, &S2110D_CHILDREN),
    &["LS", "LE"],
)];

const S2000D: Spec = hl(
    "2000D",
    &["23"],
    &["TRN"],
    &[lp(
        "2100D",
        "NM1",
        &[],
        &[
            "REF", "N3", "N4", "AAA", "PRV", "DMG", "INS", "HI", "DTP", "MPI",
        ],
        &S2110D,
    )],
);

const S2000C: Spec = hl(
    "2000C",
    &["22"],
    &["TRN"],
    &[
        lp(
            "2100C",
            "NM1",
            &[],
            &[
                "REF", "N3", "N4", "AAA", "PRV", "DMG", "INS", "HI", "DTP", "MPI",
            ],
            &S2110C,
        ),
        S2000D,
    ],
);

const S2000B: Spec = hl(
    "2000B",
    &["21"],
    &[],
    &[lp("2100B", "NM1", &[], &["REF", "AAA", "PRV"], &[]), S2000C],
);

const S271: Spec = lp(
    "header",
    "ST",
    &[],
    &["BHT"],
    &[hl(
        "2000A",
        &["20"],
        &["AAA"],
        &[lp("2100A", "NM1", &[], &["PER", "AAA"], &[]), S2000B],
    )],
);

// ---------------------------------------------------------------------------------------
// 999, 005010X231A1
// ---------------------------------------------------------------------------------------

/// 999: AK1 header, 2000 (AK2 … IK5) → 2100 (IK3, CTX) → 2110 (IK4, CTX), AK9 trailer.
const A999: Spec = lp(
    "header",
    "ST",
    &[],
    &["AK1"],
    &[then(
        lp(
            "2000",
            "AK2",
            &[],
            &[],
            &[lp(
                "2100",
                "IK3",
                &[],
                &["CTX"],
                &[lp("2110", "IK4", &[], &["CTX"], &[])],
            )],
        ),
        &["IK5"],
    )],
);

// ---------------------------------------------------------------------------------------
// 835, 005010X221A1
// ---------------------------------------------------------------------------------------

const R2100: Spec = lp(
    "2100",
    "CLP",
    &[],
    &[
        "CAS", "NM1", "MIA", "MOA", "REF", "DTM", "PER", "AMT", "QTY",
    ],
    &[lp(
        "2110",
        "SVC",
        &[],
        &["DTM", "CAS", "REF", "AMT", "QTY", "LQ"],
        &[],
    )],
);

/// 835: BPR/TRN/CUR/REF/DTM header, 1000A payer, 1000B payee, 2000 → 2100 → 2110, then
/// the PLB trailer.
const R835: Spec = lp(
    "header",
    "ST",
    &[],
    &["BPR", "TRN", "CUR", "REF", "DTM"],
    &[
        lp("1000A", "N1", &["PR"], &["N3", "N4", "REF", "PER"], &[]),
        lp("1000B", "N1", &["PE"], &["N3", "N4", "REF", "RDM"], &[]),
        lp("2000", "LX", &[], &["TS3", "TS2"], &[R2100]),
    ],
);

/// The implementation guides this crate can build loops for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Guide {
    /// 837 Professional, 005010X222A1 (also accepted: X222, X222A2).
    Professional837,
    /// 837 Institutional, 005010X223A2 (also accepted: X223, X223A1, X223A3).
    Institutional837,
    /// 837 Dental, 005010X224A2 (also accepted: X224, X224A1, X224A3).
    Dental837,
    /// 835 Health Care Claim Payment/Advice, 005010X221A1.
    Remittance835,
    /// 270 Eligibility Inquiry, 005010X279A1.
    EligibilityInquiry270,
    /// 271 Eligibility Response, 005010X279A1.
    EligibilityResponse271,
    /// 999 Implementation Acknowledgment, 005010X231A1.
    Acknowledgment999,
}

impl Guide {
    /// The guide for a transaction set, from ST01 and ST03 (or GS08 when ST03 is absent):
    /// an 837 whose reference names X222 is professional, X223 institutional, X224
    /// dental; every 835
    /// is X221, every 270/271 X279 and every 999 X231.
    pub fn detect(set: &TransactionSet<'_>, gs08: &[u8]) -> Option<Guide> {
        let reference = set.implementation_reference().unwrap_or(gs08);
        let has = |needle: &[u8]| reference.windows(needle.len()).any(|w| w == needle);
        match set.id() {
            b"837" if has(b"X222") => Some(Guide::Professional837),
            b"837" if has(b"X223") => Some(Guide::Institutional837),
            b"837" if has(b"X224") => Some(Guide::Dental837),
            b"835" => Some(Guide::Remittance835),
            b"270" => Some(Guide::EligibilityInquiry270),
            b"271" => Some(Guide::EligibilityResponse271),
            b"999" => Some(Guide::Acknowledgment999),
            _ => None,
        }
    }

    fn root(self) -> &'static Spec {
        match self {
            Guide::Professional837 => &P837,
            Guide::Institutional837 => &I837,
            Guide::Dental837 => &D837,
            Guide::Remittance835 => &R835,
            Guide::EligibilityInquiry270 => &Q270,
            Guide::EligibilityResponse271 => &S271,
            Guide::Acknowledgment999 => &A999,
        }
    }

    /// Segment identifiers of the trailer (after the last loop).
    fn trailer(self) -> &'static [&'static str] {
        match self {
            Guide::Professional837
            | Guide::Institutional837
            | Guide::Dental837
            | Guide::EligibilityInquiry270
            | Guide::EligibilityResponse271 => &["SE"],
            Guide::Remittance835 => &["PLB", "SE"],
            Guide::Acknowledgment999 => &["AK9", "SE"],
        }
    }
}

/// What the loop builder found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoopFindingKind {
    /// The segment fits no loop open at its position; it was kept in the innermost one
    /// (999 IK304 code 2, unexpected segment).
    UnexpectedSegment,
    /// HL02 names no earlier HL01, or an HL of a level that cannot sit under it; the HL
    /// was placed by its level alone.
    HlParentNotFound,
    /// HL03 is not a level this guide knows; the HL was kept as an unexpected segment.
    UnknownHlLevel,
    /// The segment belongs to an open loop but comes after a segment or child loop the
    /// guide puts after it (N4 before N3; a 2300 DTP after a 2310 loop). It was placed
    /// in its loop (999 IK304 code 7, segment not in proper sequence).
    OutOfOrder,
}

impl LoopFindingKind {
    /// The 999 IK304 segment syntax error code.
    pub fn ik3_code(&self) -> &'static str {
        match self {
            LoopFindingKind::UnexpectedSegment => "2",
            LoopFindingKind::OutOfOrder => "7",
            // HL02/HL03 hold a bad value: the segment has data element errors.
            LoopFindingKind::HlParentNotFound | LoopFindingKind::UnknownHlLevel => "8",
        }
    }
}

impl fmt::Display for LoopFindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoopFindingKind::UnexpectedSegment => "segment fits no open loop",
            LoopFindingKind::HlParentNotFound => "HL02 names no possible parent",
            LoopFindingKind::UnknownHlLevel => "unknown HL03 level",
            LoopFindingKind::OutOfOrder => "segment out of sequence in its loop",
        })
    }
}

/// One loop finding: kind, the segment's position in the transaction set (0 is ST) and
/// its byte offset. Never carries content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoopFinding {
    /// What was found.
    pub kind: LoopFindingKind,
    /// 0-based position of the segment in the transaction set (ST is 0).
    pub position: usize,
    /// Byte offset of the segment in the input.
    pub offset: usize,
}

/// One loop instance in a [`LoopTree`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopNode {
    id: &'static str,
    parent: Option<usize>,
    first: usize,
    end: usize,
    /// Index in the spec's `own` list of the last own segment placed (sequence check).
    last_own: usize,
    /// A child loop has been opened under this instance.
    had_child: bool,
}

impl LoopNode {
    /// The loop id: `"2010AA"`, `"2300"`, or `"header"` / `"trailer"`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// Index of the enclosing loop in [`LoopTree::nodes`] (`None` for the header and
    /// trailer).
    pub fn parent(&self) -> Option<usize> {
        self.parent
    }

    /// Position in the transaction set of the loop's first segment.
    pub fn first_segment(&self) -> usize {
        self.first
    }

    /// One past the position of the last segment placed in this loop or its children.
    pub fn end_segment(&self) -> usize {
        self.end
    }
}

/// The loops of one transaction set: every segment's innermost loop, and the loop
/// instances as a tree.
///
/// # Examples
/// ```
/// use carewire_x12::{Document, Guide};
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~\
/// ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~NM1*41*2*SUB*****46*1~\
/// NM1*40*2*RCV*****46*2~HL*1**20*1~NM1*85*2*BILLING*****XX*1~HL*2*1*22*0~SBR*P*18~\
/// NM1*IL*1*DOE*JANE****MI*1~NM1*PR*2*PAYER*****PI*1~CLM*A1*100***11:B:1*Y*A*Y*Y~\
/// LX*1~SV1*HC:99213*100*UN*1***1~SE*15*0001~GE*1*1~IEA*1*000000001~";
/// let doc = Document::parse(input)?;
/// let group = doc.interchanges().next().and_then(|i| i.groups().next()).ok_or("no group")?;
/// let set = group.transaction_sets().next().ok_or("no set")?;
/// assert_eq!(set.guide(), Some(Guide::Professional837));
/// let loops = set.loops().ok_or("no loops")?;
/// let ids: Vec<&str> = set.segments().enumerate().map(|(i, _)| loops.loop_of(i)).collect();
/// assert_eq!(
///     ids,
///     ["header", "header", "1000A", "1000B", "2000A", "2010AA", "2000B", "2000B", "2010BA",
///      "2010BB", "2300", "2400", "2400", "trailer"]
/// );
/// assert!(loops.findings().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopTree {
    guide: Guide,
    nodes: Vec<LoopNode>,
    /// Innermost node of each segment of the set.
    seg_node: Vec<usize>,
    findings: Vec<LoopFinding>,
}

struct Open {
    node: usize,
    spec: &'static Spec,
}

impl LoopTree {
    /// Builds the loops of `set` with `guide`'s table.
    pub fn build(set: &TransactionSet<'_>, guide: Guide) -> LoopTree {
        // Presized: one entry per segment, and loop instances are at most as many.
        let count = set.segment_count();
        let mut tree = LoopTree {
            guide,
            nodes: Vec::with_capacity(count / 2 + 1),
            seg_node: Vec::with_capacity(count),
            findings: Vec::new(),
        };
        let root = guide.root();
        tree.nodes.push(LoopNode {
            id: root.id,
            parent: None,
            first: 0,
            end: 1,
            last_own: 0,
            had_child: false,
        });
        let mut stack: Vec<Open> = vec![Open {
            node: 0,
            spec: root,
        }];
        // HL01 → node of every HL loop so far (the latest wins), for HL02 lookups.
        let mut hls: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut trailer: Option<usize> = None;
        let count = set.segment_count();
        for (pos, seg) in set.segments().enumerate() {
            let id = seg.id();
            if pos == 0 {
                tree.seg_node.push(0);
                continue;
            }
            let in_trailer =
                guide.trailer().iter().any(|t| same(t, id)) && (id != b"SE" || pos + 1 == count);
            if in_trailer || trailer.is_some() {
                let node = match trailer {
                    Some(n) => n,
                    None => {
                        let n = tree.push("trailer", None, pos);
                        trailer = Some(n);
                        n
                    }
                };
                if !in_trailer {
                    tree.finding(LoopFindingKind::UnexpectedSegment, pos, &seg);
                }
                tree.place(node, pos);
                continue;
            }
            if id == b"HL" {
                tree.place_hl(&seg, pos, &mut stack, &mut hls);
                continue;
            }
            tree.place_segment(&seg, pos, &mut stack);
        }
        tree
    }

    fn push(&mut self, id: &'static str, parent: Option<usize>, pos: usize) -> usize {
        self.nodes.push(LoopNode {
            id,
            parent,
            first: pos,
            end: pos + 1,
            last_own: 0,
            had_child: false,
        });
        if let Some(p) = parent.and_then(|p| self.nodes.get_mut(p)) {
            p.had_child = true;
        }
        self.nodes.len() - 1
    }

    fn finding(&mut self, kind: LoopFindingKind, position: usize, seg: &Segment<'_>) {
        self.findings.push(LoopFinding {
            kind,
            position,
            offset: seg.offset(),
        });
    }

    /// Records `pos` as belonging to `node` (and extends the node and its ancestors).
    fn place(&mut self, node: usize, pos: usize) {
        self.seg_node.push(node);
        let mut n = Some(node);
        while let Some(i) = n {
            match self.nodes.get_mut(i) {
                Some(nd) => {
                    nd.end = nd.end.max(pos + 1);
                    n = nd.parent;
                }
                None => break,
            }
        }
    }

    fn place_segment(&mut self, seg: &Segment<'_>, pos: usize, stack: &mut Vec<Open>) {
        let id = seg.id();
        for depth in (0..stack.len()).rev() {
            let Some(open) = stack.get(depth) else {
                continue;
            };
            let spec = open.spec;
            let node = open.node;
            if let Some(k) = spec.own.iter().position(|s| same(s, id)) {
                stack.truncate(depth + 1);
                if let Some(nd) = self.nodes.get_mut(node) {
                    let out_of_order = nd.had_child || k < nd.last_own;
                    nd.last_own = k;
                    if out_of_order {
                        self.finding(LoopFindingKind::OutOfOrder, pos, seg);
                    }
                }
                self.place(node, pos);
                return;
            }
            if spec.after.iter().any(|s| same(s, id)) {
                stack.truncate(depth + 1);
                self.place(node, pos);
                return;
            }
            if let Some(child) = spec.children.iter().find(|c| triggers(c, seg)) {
                stack.truncate(depth + 1);
                let n = self.push(child.id, Some(node), pos);
                stack.push(Open {
                    node: n,
                    spec: child,
                });
                self.place(n, pos);
                return;
            }
        }
        // Fits nowhere: keep it in the innermost open loop and report it.
        let node = stack.last().map_or(0, |o| o.node);
        self.finding(LoopFindingKind::UnexpectedSegment, pos, seg);
        self.place(node, pos);
    }

    fn place_hl(
        &mut self,
        seg: &Segment<'_>,
        pos: usize,
        stack: &mut Vec<Open>,
        hls: &mut HashMap<Vec<u8>, usize>,
    ) {
        let hl01 = seg.raw_element(1);
        let hl02 = seg.raw_element(2);
        // Rebuild the stack down to the parent HL named by HL02, when it exists and the
        // new level may sit under it.
        let parent = if hl02.is_empty() {
            Some(0)
        } else {
            hls.get(hl02).copied()
        };
        let path = parent.and_then(|p| self.open_path(p));
        let fits = path
            .as_ref()
            .and_then(|p| p.last())
            .is_some_and(|o| o.spec.children.iter().any(|c| triggers(c, seg)));
        if let (true, Some(path)) = (fits, path) {
            *stack = path;
        } else if known_level(self.guide.root(), seg) {
            self.finding(LoopFindingKind::HlParentNotFound, pos, seg);
        } else {
            self.finding(LoopFindingKind::UnknownHlLevel, pos, seg);
            let node = stack.last().map_or(0, |o| o.node);
            self.place(node, pos);
            return;
        }
        let before = self.nodes.len();
        self.place_segment(seg, pos, stack);
        if self.nodes.len() > before {
            hls.insert(hl01.to_vec(), self.nodes.len() - 1);
        }
    }

    /// The open-loop stack from the root down to `node` (with each node's spec).
    fn open_path(&self, node: usize) -> Option<Vec<Open>> {
        let mut chain = Vec::new();
        let mut n = Some(node);
        while let Some(i) = n {
            chain.push(i);
            n = self.nodes.get(i)?.parent;
        }
        chain.reverse();
        let mut spec = self.guide.root();
        let mut out = vec![Open { node: 0, spec }];
        for &i in chain.iter().skip(1) {
            let id = self.nodes.get(i)?.id;
            spec = spec.children.iter().find(|c| c.id == id)?;
            out.push(Open { node: i, spec });
        }
        Some(out)
    }

    /// The guide the tree was built with.
    pub fn guide(&self) -> Guide {
        self.guide
    }

    /// The loop instances, in document order (index 0 is the header).
    pub fn nodes(&self) -> &[LoopNode] {
        &self.nodes
    }

    /// The innermost loop id of segment `position` of the set (0 is ST), or `""` when out
    /// of range.
    pub fn loop_of(&self, position: usize) -> &'static str {
        self.node_of(position)
            .and_then(|n| self.nodes.get(n))
            .map_or("", |n| n.id)
    }

    /// Index in [`LoopTree::nodes`] of the innermost loop of segment `position`.
    pub fn node_of(&self, position: usize) -> Option<usize> {
        self.seg_node.get(position).copied()
    }

    /// The chain of loop ids from the outermost to the innermost loop of segment
    /// `position` (e.g. `["2000A", "2000B", "2300", "2400"]`; the header is omitted).
    pub fn path_of(&self, position: usize) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut n = self.node_of(position);
        while let Some(i) = n {
            let Some(node) = self.nodes.get(i) else {
                break;
            };
            if i != 0 {
                out.push(node.id);
            }
            n = node.parent;
        }
        out.reverse();
        out
    }

    /// What the builder found: unexpected segments and HL problems.
    pub fn findings(&self) -> &[LoopFinding] {
        &self.findings
    }
}

impl Guide {
    /// The loop a segment `trigger` with qualifier `qualifier` opens directly under loop
    /// `parent` (e.g. `NM1` `82` under `2300` is `2310B` in an 837P), or `""`.
    pub(crate) fn child_loop(self, parent: &str, trigger: &str, qualifier: &[u8]) -> &'static str {
        find(self.root(), parent)
            .and_then(|p| {
                p.children.iter().find(|c| {
                    c.trigger == trigger
                        && (c.quals.is_empty() || c.quals.iter().any(|q| q.as_bytes() == qualifier))
                })
            })
            .map_or("", |c| c.id)
    }
}

/// The first spec named `id` in the tree under `spec` (loop ids are unique per guide;
/// 2300 appears under both 2000B and 2000C with the same table).
fn find(spec: &'static Spec, id: &str) -> Option<&'static Spec> {
    if spec.id == id {
        return Some(spec);
    }
    spec.children.iter().find_map(|c| find(c, id))
}

/// `a == b` for the short identifiers and qualifiers of the tables, byte by byte (a
/// `memcmp` call per comparison dominated the loop builder).
fn same(a: &str, b: &[u8]) -> bool {
    a.len() == b.len() && a.bytes().zip(b).all(|(x, &y)| x == y)
}

/// Does `seg` open loop `spec`?
fn triggers(spec: &Spec, seg: &Segment<'_>) -> bool {
    if !same(spec.trigger, seg.id()) {
        return false;
    }
    if spec.quals.is_empty() {
        return true;
    }
    let q = seg.raw_element(spec.qual_elem);
    spec.quals.iter().any(|v| same(v, q))
}

/// Is `seg` (an HL) a level some HL loop of the table accepts?
fn known_level(spec: &Spec, seg: &Segment<'_>) -> bool {
    spec.children
        .iter()
        .any(|c| (c.trigger == "HL" && triggers(c, seg)) || known_level(c, seg))
}
