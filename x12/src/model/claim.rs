//! The 837 health care claim (professional, institutional, dental).

use super::{
    adjustments, amount, comp, components, date, fill_party, last, opt, party_detail, procedure,
    reference, set_procedure, text, Adjustment, Amount, Ctx, DateRef, Party, Problem, Procedure,
    PushExact, Reference, Seg, SmallVec, Text,
};
use crate::decimal::Decimal;
use crate::loops::Guide;
use crate::view::TransactionSet;

/// Which 837 implementation guide a claim set follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum ClaimKind {
    /// 005010X222A1.
    Professional,
    /// 005010X223A2.
    Institutional,
    /// 005010X224A2.
    Dental,
    /// ST03/GS08 names none of them.
    #[default]
    Unknown,
}

impl ClaimKind {
    /// The kind named by an implementation reference (ST03 or GS08).
    pub fn from_reference(reference: &[u8]) -> ClaimKind {
        let has = |n: &[u8]| reference.windows(n.len()).any(|w| w == n);
        if has(b"X222") {
            ClaimKind::Professional
        } else if has(b"X223") {
            ClaimKind::Institutional
        } else if has(b"X224") {
            ClaimKind::Dental
        } else {
            ClaimKind::Unknown
        }
    }

    fn guide(self) -> Option<Guide> {
        match self {
            ClaimKind::Professional => Some(Guide::Professional837),
            ClaimKind::Institutional => Some(Guide::Institutional837),
            ClaimKind::Dental => Some(Guide::Dental837),
            ClaimKind::Unknown => None,
        }
    }
}

/// One 837 transaction set: submitter, receiver and the HL hierarchy of billing
/// providers → subscribers → (patients) → claims.
///
/// # Examples
/// ```
/// use carewire_x12::{gen, Decimal, Document, HealthCareClaim};
/// let input = gen::professional_837(3, 1);
/// let doc = Document::parse(&input)?;
/// let set = doc.interchange(0).and_then(|i| i.groups().next())
///     .and_then(|g| g.transaction_sets().next()).ok_or("no set")?;
/// let model = HealthCareClaim::from_set(&set).ok_or("not an 837")?;
/// assert_eq!(model.claims().count(), 3);
/// for claim in model.claims() {
///     // CLM02 is the sum of the line charges in generated claims.
///     let lines: Decimal = claim.lines.iter().filter_map(|l| l.charge).sum::<Result<_, _>>()?;
///     assert_eq!(claim.charge, Some(lines));
///     assert_eq!(claim.diagnoses[0].qualifier, "ABK");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct HealthCareClaim<'a> {
    /// From ST03 (or GS08).
    pub kind: ClaimKind,
    /// ST02.
    pub control_number: Text<'a>,
    /// ST03.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub implementation_reference: Option<Text<'a>>,
    /// BHT02, the transaction set purpose (`00` original, `18` reissue).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub purpose: Option<Text<'a>>,
    /// BHT03, the originator's reference.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub reference: Option<Text<'a>>,
    /// BHT04.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub date: Option<Text<'a>>,
    /// BHT05.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub time: Option<Text<'a>>,
    /// BHT06: `CH` chargeable, `RP` reporting (encounters).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub claim_or_encounter: Option<Text<'a>>,
    /// 1000A.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub submitter: Option<Party<'a>>,
    /// 1000B.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub receiver: Option<Party<'a>>,
    /// 2000A loops.
    pub billing_providers: Vec<BillingProvider<'a>>,
    /// Elements that should have held numbers and did not.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub problems: Vec<Problem>,
}

/// 2000A: the billing provider, pay-to address and plan, and its subscribers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct BillingProvider<'a> {
    /// HL01.
    pub hl_id: Text<'a>,
    /// PRV03 of 2000A, the billing provider's taxonomy.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub specialty: Option<Text<'a>>,
    /// CUR02.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub currency: Option<Text<'a>>,
    /// 2010AA.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub provider: Option<Party<'a>>,
    /// 2010AB.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub pay_to: Option<Party<'a>>,
    /// 2010AC.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub pay_to_plan: Option<Party<'a>>,
    /// 2000B loops.
    pub subscribers: Vec<Subscriber<'a>>,
}

/// 2000B: the subscriber, the payer, claims for the subscriber and 2000C patients.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Subscriber<'a> {
    /// HL01.
    pub hl_id: Text<'a>,
    /// SBR01: `P` primary, `S` secondary, `T` tertiary…
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub payer_responsibility: Option<Text<'a>>,
    /// SBR02: `18` when the subscriber is the patient.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub relationship: Option<Text<'a>>,
    /// SBR03.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub group_number: Option<Text<'a>>,
    /// SBR04.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub group_name: Option<Text<'a>>,
    /// SBR09, the claim filing indicator (`CI` commercial, `MB` Medicare B…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub claim_filing: Option<Text<'a>>,
    /// 2010BA.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub subscriber: Option<Party<'a>>,
    /// 2010BB.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub payer: Option<Party<'a>>,
    /// 2300 loops directly under 2000B (the subscriber is the patient).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub claims: Vec<Claim<'a>>,
    /// 2000C loops.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub patients: Vec<Patient<'a>>,
}

/// 2000C: a patient who is not the subscriber, and the patient's claims.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Patient<'a> {
    /// HL01.
    pub hl_id: Text<'a>,
    /// PAT01, the relationship to the subscriber.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub relationship: Option<Text<'a>>,
    /// 2010CA.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub patient: Option<Party<'a>>,
    /// 2300 loops.
    pub claims: Vec<Claim<'a>>,
}

/// 2300: one claim.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Claim<'a> {
    /// CLM01, the patient control number.
    pub id: Text<'a>,
    /// CLM02, the total claim charge.
    pub charge: Option<Decimal>,
    /// CLM05-1: place of service (837P/D) or facility type (837I).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub place_of_service: Option<Text<'a>>,
    /// CLM05-2: facility code qualifier (`B` place of service, `A` uniform billing).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub facility_code_qualifier: Option<Text<'a>>,
    /// CLM05-3: claim frequency (`1` original, `7` replacement, `8` void).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub frequency: Option<Text<'a>>,
    /// CLM06.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub provider_signature: Option<Text<'a>>,
    /// CLM07.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub assignment: Option<Text<'a>>,
    /// CLM08.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub benefits_assignment: Option<Text<'a>>,
    /// CLM09.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub release_of_information: Option<Text<'a>>,
    /// CLM11 components, the related causes (`AA` auto accident…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub related_causes: Vec<Text<'a>>,
    /// CLM20, the delay reason.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub delay_reason: Option<Text<'a>>,
    /// DTP segments of 2300.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub dates: Vec<DateRef<'a>>,
    /// REF segments of 2300.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub references: Vec<Reference<'a>>,
    /// AMT segments of 2300.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub amounts: Vec<Amount<'a>>,
    /// NTE02 of 2300.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub notes: Vec<Text<'a>>,
    /// Every HI code in order: diagnoses (`ABK` principal, `ABF` other, `BK`/`BF` ICD-9;
    /// 837I also admitting `ABJ`, reason for visit `APR`, external cause `ABN`) and,
    /// in an 837I, procedure, occurrence, value and condition codes, told apart by
    /// their qualifier. The first two are kept inline.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub diagnoses: SmallVec<[HealthCode<'a>; 2]>,
    /// 2310 loops (referring, rendering, service facility, supervising…), each with
    /// its loop id.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub providers: Vec<Party<'a>>,
    /// 2320 loops.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub other_subscribers: Vec<OtherSubscriber<'a>>,
    /// 2400 loops.
    pub lines: Vec<ServiceLine<'a>>,
}

impl Claim<'_> {
    /// The diagnosis codes (HI qualifiers `ABK`, `ABF`, `ABJ`, `ABN`, `APR`, `BK`, `BF`,
    /// `BJ`, `BN`, `PR`), principal first as sent.
    pub fn diagnosis_codes(&self) -> impl Iterator<Item = &HealthCode<'_>> + '_ {
        const DX: [&str; 10] = [
            "ABK", "ABF", "ABJ", "ABN", "APR", "BK", "BF", "BJ", "BN", "PR",
        ];
        self.diagnoses
            .iter()
            .filter(|h| DX.iter().any(|q| h.qualifier == *q))
    }
}

impl<'a> Claim<'a> {
    /// The first claim-level provider (2310 loop) whose NM101 is `entity`: `71`
    /// attending, `72` operating, `82` rendering, `DN` referring, `77` service facility.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::{Document, HealthCareClaim};
    /// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
    /// *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X223A2~\
    /// ST*837*0001*005010X223A2~BHT*0019*00*1*20240101*1200*CH~NM1*41*2*SUB*****46*S1~\
    /// PER*IC*JANE*TE*5555551234~NM1*40*2*RCV*****46*R1~HL*1**20*1~\
    /// NM1*85*2*BILLING*****XX*1234567893~N3*1 MAIN ST~N4*TOWN*NY*10001~REF*EI*123456789~\
    /// HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*123456789~\
    /// NM1*PR*2*PAYER*****PI*12345~CLM*A1*100***11:A:1**A*Y*Y~DTP*096*TM*1430~\
    /// DTP*434*RD8*20240101-20240103~DTP*435*DT*202401010800~CL1*1*7*01~HI*ABK:J209~\
    /// HI*ABJ:R05~NM1*71*1*WELBY*MARCUS****XX*1234567893~PRV*AT*PXC*207R00000X~\
    /// LX*1~SV2*0300*HC:81099*100*UN*1~SE*26*0001~GE*1*1~IEA*1*000000001~";
    /// let doc = Document::parse(input)?;
    /// let group = doc.interchanges().next().and_then(|i| i.groups().next()).ok_or("no group")?;
    /// let set = group.transaction_sets().next().ok_or("no set")?;
    /// let model = HealthCareClaim::from_set(&set).ok_or("not an 837")?;
    /// let claim = &model.billing_providers[0].subscribers[0].claims[0];
    /// let attending = claim.provider("71").ok_or("no attending")?;
    /// assert_eq!(attending.loop_id, "2310A");
    /// assert_eq!(attending.taxonomy.map(|t| t.as_str()).as_deref(), Some("207R00000X"));
    /// assert_eq!(claim.date("435").map(|d| d.value.as_str()).as_deref(), Some("202401010800"));
    /// assert_eq!(claim.health_codes("ABJ").next().map(|h| h.code.as_str()).as_deref(), Some("R05"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn provider(&self, entity: &str) -> Option<&Party<'a>> {
        self.providers.iter().find(|p| p.entity == entity)
    }

    /// The first claim-level DTP with qualifier `qualifier` (DTP01: `435` admission,
    /// `096` discharge, `434` statement dates); see [`Claim::provider`] for an example.
    pub fn date(&self, qualifier: &str) -> Option<&DateRef<'a>> {
        self.dates.iter().find(|d| d.qualifier == qualifier)
    }

    /// The HI codes with qualifier `qualifier` (`ABJ` admitting diagnosis, `APR` reason
    /// for visit, `ABF` other diagnosis, ...), in order; see [`Claim::provider`] for an
    /// example.
    pub fn health_codes<'s>(
        &'s self,
        qualifier: &'s str,
    ) -> impl Iterator<Item = &'s HealthCode<'a>> + 's {
        self.diagnoses
            .iter()
            .filter(move |h| h.qualifier == qualifier)
    }
}

/// One repetition of an HI element: a qualified code (C022).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct HealthCode<'a> {
    /// C022-1, the code list qualifier (`ABK`, `ABF`, `BE`, `BH`…).
    pub qualifier: Text<'a>,
    /// C022-2, the code.
    pub code: Text<'a>,
    /// C022-3, date format (occurrence codes).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub date_format: Option<Text<'a>>,
    /// C022-4, date (occurrence codes).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub date: Option<Text<'a>>,
    /// C022-5, amount (value codes).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub amount: Option<Decimal>,
    /// C022-9, present on admission indicator.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub present_on_admission: Option<Text<'a>>,
}

/// 2320: another payer's subscriber, with its adjustments and 2330 parties.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct OtherSubscriber<'a> {
    /// SBR01.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub payer_responsibility: Option<Text<'a>>,
    /// SBR02.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub relationship: Option<Text<'a>>,
    /// SBR03.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub group_number: Option<Text<'a>>,
    /// SBR09.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub claim_filing: Option<Text<'a>>,
    /// CAS segments (claim-level adjustments by this payer).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub adjustments: Vec<Adjustment<'a>>,
    /// AMT segments (`D` payer paid amount…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub amounts: Vec<Amount<'a>>,
    /// 2330 loops (other subscriber, other payer, its providers), each with its loop id.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub parties: Vec<Party<'a>>,
    /// DTP segments of the 2330 loops (`573` adjudication date).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub dates: Vec<DateRef<'a>>,
}

/// Which service line segment a 2400 loop holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum LineKind {
    /// SV1.
    Professional,
    /// SV2.
    Institutional,
    /// SV3.
    Dental,
    /// No service segment was seen.
    #[default]
    Unknown,
}

/// 2400: one service line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ServiceLine<'a> {
    /// LX01.
    pub number: Text<'a>,
    /// SV1, SV2 or SV3.
    pub kind: LineKind,
    /// SV101 / SV202 / SV301.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub procedure: Option<Procedure<'a>>,
    /// SV201, the revenue code (837I).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub revenue_code: Option<Text<'a>>,
    /// SV102 / SV203 / SV302, the line charge.
    pub charge: Option<Decimal>,
    /// SV103 / SV204, the unit (`UN` unit, `MJ` minutes, `DA` days).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub unit: Option<Text<'a>>,
    /// SV104 / SV205 / SV306 (procedure count), the quantity.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub quantity: Option<Decimal>,
    /// SV105 / SV303, the place of service.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub place_of_service: Option<Text<'a>>,
    /// SV107 / SV311 components, the diagnosis code pointers (up to four kept inline).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub diagnosis_pointers: SmallVec<[Text<'a>; 4]>,
    /// SV304 components, the oral cavity designation (837D).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub oral_cavity: Vec<Text<'a>>,
    /// TOO segments (837D).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub teeth: Vec<Tooth<'a>>,
    /// DTP segments of 2400 (`472` service date; the first kept inline).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub dates: SmallVec<[DateRef<'a>; 1]>,
    /// REF segments of 2400.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub references: Vec<Reference<'a>>,
    /// AMT and QTY segments of 2400.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub amounts: Vec<Amount<'a>>,
    /// NTE02 of 2400.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub notes: Vec<Text<'a>>,
    /// 2410: the drug (NDC) dispensed with the line.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub drug: Option<Drug<'a>>,
    /// 2420 loops, each with its loop id.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub providers: Vec<Party<'a>>,
    /// 2430 loops: how other payers adjudicated the line.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub adjudications: Vec<LineAdjudication<'a>>,
}

/// TOO: a tooth and its surfaces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Tooth<'a> {
    /// TOO02, the tooth number.
    pub code: Text<'a>,
    /// TOO03 components, the surfaces.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub surfaces: Vec<Text<'a>>,
}

/// 2410: LIN, CTP and REF — the National Drug Code and quantity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Drug<'a> {
    /// LIN02 (`N4`).
    pub qualifier: Text<'a>,
    /// LIN03, the NDC.
    pub ndc: Text<'a>,
    /// CTP04.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub quantity: Option<Decimal>,
    /// CTP05-1 (`UN`, `ML`, `GR`, `F2`, `ME`).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub unit: Option<Text<'a>>,
    /// REF02 of 2410 (`XZ` prescription number, `VY` link sequence).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub prescription: Option<Text<'a>>,
}

/// 2430: SVD with its CAS and DTP.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LineAdjudication<'a> {
    /// SVD01, the other payer's identifier.
    pub payer_id: Text<'a>,
    /// SVD02, the amount paid for the line.
    pub paid: Option<Decimal>,
    /// SVD03.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub procedure: Option<Procedure<'a>>,
    /// SVD05, the paid units.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub paid_units: Option<Decimal>,
    /// CAS segments.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub adjustments: Vec<Adjustment<'a>>,
    /// DTP segments (`573` adjudication date).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub dates: Vec<DateRef<'a>>,
}

impl<'a> HealthCareClaim<'a> {
    /// The model of an 837 transaction set; `None` when the set is not an 837.
    pub fn from_set(set: &TransactionSet<'a>) -> Option<HealthCareClaim<'a>> {
        if set.id() != b"837" {
            return None;
        }
        let reference = set
            .implementation_reference()
            .unwrap_or_else(|| set.group_version());
        // Subscribers per billing provider, so the large vectors are allocated once.
        let mut hints = Vec::new();
        for seg in set.segments().filter(|s| s.id() == b"HL") {
            match seg.raw_element(3) {
                b"20" => hints.push1(0usize),
                b"22" => {
                    if let Some(n) = hints.last_mut() {
                        *n += 1;
                    }
                }
                _ => {}
            }
        }
        Some(build_with(
            set.segments(),
            ClaimKind::from_reference(reference),
            hints,
        ))
    }

    /// Every claim, in document order.
    pub fn claims(&self) -> impl Iterator<Item = &Claim<'a>> + '_ {
        self.billing_providers
            .iter()
            .flat_map(|b| &b.subscribers)
            .flat_map(|s| {
                s.claims
                    .iter()
                    .chain(s.patients.iter().flat_map(|p| &p.claims))
            })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Header,
    Billing,
    Subscriber,
    Patient,
}

/// Where N3/N4/REF/PER/PRV/DMG go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Nothing,
    Submitter,
    Receiver,
    Billing,
    PayTo,
    PayToPlan,
    SubscriberName,
    Payer,
    PatientName,
    ClaimProvider,
    OtherParty,
    LineProvider,
}

struct Builder<'a> {
    out: HealthCareClaim<'a>,
    ctx: Ctx,
    guide: Option<Guide>,
    level: Level,
    at: At,
    in_claim: bool,
    in_other: bool,
    in_line: bool,
    in_drug: bool,
    in_adjudication: bool,
    /// Expected subscribers of each billing provider (capacity hints).
    hints: Vec<usize>,
    /// The current claim's service lines, built in place here (the buffer is reused
    /// across claims) and moved into the claim, at its exact size, when it ends.
    lines: Vec<ServiceLine<'a>>,
    /// Loop ids already looked up: (parent, NM101 padded with NULs, loop id); at most 32.
    loop_ids: Vec<(&'static str, [u8; 3], &'static str)>,
}

/// Builds the model from an 837's segments (ST first when present).
pub(crate) fn build<'a, S: Seg<'a>>(
    segments: impl IntoIterator<Item = S>,
    kind: ClaimKind,
) -> HealthCareClaim<'a> {
    build_with(segments, kind, Vec::new())
}

fn build_with<'a, S: Seg<'a>>(
    segments: impl IntoIterator<Item = S>,
    kind: ClaimKind,
    hints: Vec<usize>,
) -> HealthCareClaim<'a> {
    let mut b = Builder {
        out: HealthCareClaim {
            kind,
            billing_providers: Vec::with_capacity(hints.len()),
            ..HealthCareClaim::default()
        },
        ctx: Ctx::default(),
        guide: kind.guide(),
        level: Level::Header,
        at: At::Nothing,
        in_claim: false,
        in_other: false,
        in_line: false,
        in_drug: false,
        in_adjudication: false,
        hints,
        lines: Vec::new(),
        loop_ids: Vec::new(),
    };
    for (i, seg) in segments.into_iter().enumerate() {
        b.ctx.position = i;
        b.segment(&seg);
    }
    b.flush_lines();
    b.out.problems = b.ctx.problems;
    b.out
}

impl<'a> Builder<'a> {
    fn billing(&mut self) -> &mut BillingProvider<'a> {
        last(&mut self.out.billing_providers)
    }

    fn subscriber(&mut self) -> &mut Subscriber<'a> {
        let b = self.billing();
        last(&mut b.subscribers)
    }

    fn patient(&mut self) -> &mut Patient<'a> {
        let s = self.subscriber();
        last(&mut s.patients)
    }

    fn claims(&mut self) -> &mut Vec<Claim<'a>> {
        if self.level == Level::Patient {
            &mut self.patient().claims
        } else {
            &mut self.subscriber().claims
        }
    }

    fn claim(&mut self) -> &mut Claim<'a> {
        last(self.claims())
    }

    fn other(&mut self) -> &mut OtherSubscriber<'a> {
        let c = self.claim();
        last(&mut c.other_subscribers)
    }

    fn line(&mut self) -> &mut ServiceLine<'a> {
        if self.lines.is_empty() {
            self.lines.push(ServiceLine::default());
        }
        let n = self.lines.len() - 1;
        &mut self.lines[n]
    }

    /// Moves the lines built so far into the current claim (before the claim changes).
    fn flush_lines(&mut self) {
        if self.lines.is_empty() {
            return;
        }
        let mut lines = std::mem::take(&mut self.lines);
        let c = self.claim();
        // Exact size; `append` leaves the buffer's capacity for the next claim.
        c.lines.reserve_exact(lines.len());
        c.lines.append(&mut lines);
        self.lines = lines;
    }

    fn adjudication(&mut self) -> &mut LineAdjudication<'a> {
        let l = self.line();
        last(&mut l.adjudications)
    }

    fn party(&mut self) -> Option<&mut Party<'a>> {
        match self.at {
            At::Nothing => None,
            At::Submitter => self.out.submitter.as_mut(),
            At::Receiver => self.out.receiver.as_mut(),
            At::Billing => self.billing().provider.as_mut(),
            At::PayTo => self.billing().pay_to.as_mut(),
            At::PayToPlan => self.billing().pay_to_plan.as_mut(),
            At::SubscriberName => self.subscriber().subscriber.as_mut(),
            At::Payer => self.subscriber().payer.as_mut(),
            At::PatientName => self.patient().patient.as_mut(),
            At::ClaimProvider => self.claim().providers.last_mut(),
            At::OtherParty => self.other().parties.last_mut(),
            At::LineProvider => self.line().providers.last_mut(),
        }
    }

    /// The loop an NM1 with qualifier `q` opens under `parent`, remembered per
    /// (parent, qualifier): looking it up in the guide's tables costs more than the NM1.
    fn loop_id(&mut self, parent: &'static str, q: &[u8]) -> &'static str {
        let Some(g) = self.guide else { return "" };
        if q.len() > 3 {
            return g.child_loop(parent, "NM1", q);
        }
        let mut key = [0u8; 3];
        for (k, b) in key.iter_mut().zip(q) {
            *k = *b;
        }
        if let Some(&(_, _, id)) = self
            .loop_ids
            .iter()
            .find(|(p, k, _)| *k == key && *p == parent)
        {
            return id;
        }
        let id = g.child_loop(parent, "NM1", q);
        if self.loop_ids.len() < 32 {
            self.loop_ids.push((parent, key, id));
        }
        id
    }

    fn segment<S: Seg<'a>>(&mut self, seg: &S) {
        match seg.id() {
            b"ST" => {
                self.out.control_number = text(seg, 2);
                self.out.implementation_reference = opt(seg, 3);
            }
            b"BHT" => {
                self.out.purpose = opt(seg, 2);
                self.out.reference = opt(seg, 3);
                self.out.date = opt(seg, 4);
                self.out.time = opt(seg, 5);
                self.out.claim_or_encounter = opt(seg, 6);
            }
            b"HL" => self.hl(seg),
            b"NM1" => self.nm1(seg),
            b"CLM" => self.clm(seg),
            b"LX" => {
                self.in_line = true;
                self.in_other = false;
                self.in_drug = false;
                self.in_adjudication = false;
                self.at = At::Nothing;
                self.lines.push(ServiceLine::default());
                self.line().number = text(seg, 1);
            }
            b"SV1" | b"SV2" | b"SV3" if self.in_claim => self.service(seg),
            b"SBR" => self.sbr(seg),
            b"PAT" => {
                let rel = opt(seg, 1);
                self.patient().relationship = rel;
            }
            b"PRV" if !self.in_claim && self.level == Level::Billing && self.at == At::Nothing => {
                self.billing().specialty = opt(seg, 3);
            }
            b"CUR" if self.level == Level::Billing => self.billing().currency = opt(seg, 2),
            b"HI" if self.in_claim => self.hi(seg),
            b"LIN" if self.in_line => {
                self.in_drug = true;
                self.at = At::Nothing;
                let drug = Drug {
                    qualifier: text(seg, 2),
                    ndc: text(seg, 3),
                    ..Drug::default()
                };
                self.line().drug = Some(drug);
            }
            b"CTP" if self.in_drug => {
                let quantity = self.ctx.num(seg, 4);
                let unit = comp(seg, 5, 1);
                if let Some(d) = self.line().drug.as_mut() {
                    d.quantity = quantity;
                    d.unit = unit;
                }
            }
            b"SVD" if self.in_line => {
                self.in_adjudication = true;
                self.in_drug = false;
                self.at = At::Nothing;
                let adj = LineAdjudication {
                    payer_id: text(seg, 1),
                    paid: self.ctx.num(seg, 2),
                    procedure: procedure(seg, 3),
                    paid_units: self.ctx.num(seg, 5),
                    ..LineAdjudication::default()
                };
                self.line().adjudications.push1(adj);
            }
            b"TOO" if self.in_line => {
                let tooth = Tooth {
                    code: text(seg, 2),
                    surfaces: components(seg, 3),
                };
                self.line().teeth.push1(tooth);
            }
            b"CAS" if self.in_claim => {
                let target = if self.in_adjudication {
                    &mut self.adjudication().adjustments
                } else {
                    &mut self.other().adjustments
                };
                let mut adj = std::mem::take(target);
                adjustments(&mut self.ctx, seg, &mut adj);
                if self.in_adjudication {
                    self.adjudication().adjustments = adj;
                } else {
                    self.other().adjustments = adj;
                }
            }
            b"DTP" if self.in_claim => {
                let d = date(seg);
                if self.in_adjudication {
                    self.adjudication().dates.push1(d);
                } else if self.in_line {
                    self.line().dates.push1(d);
                } else if self.in_other {
                    self.other().dates.push1(d);
                } else {
                    self.claim().dates.push1(d);
                }
            }
            b"AMT" | b"QTY" if self.in_claim => {
                let a = amount(&mut self.ctx, seg);
                if self.in_line {
                    self.line().amounts.push1(a);
                } else if self.in_other {
                    self.other().amounts.push1(a);
                } else {
                    self.claim().amounts.push1(a);
                }
            }
            b"NTE" if self.in_claim => {
                let note = text(seg, 2);
                if self.in_line {
                    self.line().notes.push1(note);
                } else {
                    self.claim().notes.push1(note);
                }
            }
            b"REF" if self.at == At::Nothing && self.in_claim => {
                let r = reference(seg);
                if self.in_drug {
                    if let Some(d) = self.line().drug.as_mut() {
                        d.prescription = Some(r.value);
                    }
                } else if self.in_line {
                    self.line().references.push1(r);
                } else {
                    self.claim().references.push1(r);
                }
            }
            _ => {
                if let Some(p) = self.party() {
                    party_detail(p, seg);
                }
            }
        }
    }

    fn hl<S: Seg<'a>>(&mut self, seg: &S) {
        self.flush_lines();
        self.in_claim = false;
        self.in_other = false;
        self.in_line = false;
        self.in_drug = false;
        self.in_adjudication = false;
        self.at = At::Nothing;
        let id = text(seg, 1);
        match seg.raw(3) {
            b"20" => {
                self.level = Level::Billing;
                let hint = self
                    .hints
                    .get(self.out.billing_providers.len())
                    .copied()
                    .unwrap_or(0);
                self.out.billing_providers.push1(BillingProvider {
                    hl_id: id,
                    subscribers: Vec::with_capacity(hint),
                    ..BillingProvider::default()
                });
            }
            b"22" => {
                self.level = Level::Subscriber;
                let subscribers = &mut self.billing().subscribers;
                subscribers.push1(Subscriber::default());
                let n = subscribers.len() - 1;
                subscribers[n].hl_id = id;
            }
            b"23" => {
                self.level = Level::Patient;
                self.subscriber().patients.push1(Patient {
                    hl_id: id,
                    ..Patient::default()
                });
            }
            _ => {}
        }
    }

    fn nm1<S: Seg<'a>>(&mut self, seg: &S) {
        let q = seg.raw(1);
        if self.in_claim {
            self.in_drug = false;
            self.in_adjudication = false;
            let (parent, at) = if self.in_line {
                ("2400", At::LineProvider)
            } else if self.in_other {
                ("2320", At::OtherParty)
            } else {
                ("2300", At::ClaimProvider)
            };
            let loop_id = self.loop_id(parent, q);
            let list = match at {
                At::LineProvider => &mut self.line().providers,
                At::OtherParty => &mut self.other().parties,
                _ => &mut self.claim().providers,
            };
            list.push1(Party::default());
            let n = list.len() - 1;
            fill_party(&mut list[n], seg, loop_id);
            self.at = at;
            return;
        }
        let (parent, at) = match (self.level, q) {
            (Level::Header, b"41") => ("header", At::Submitter),
            (Level::Header, b"40") => ("header", At::Receiver),
            (Level::Billing, b"85") => ("2000A", At::Billing),
            (Level::Billing, b"87") => ("2000A", At::PayTo),
            (Level::Billing, b"PE") => ("2000A", At::PayToPlan),
            (Level::Subscriber, b"IL") => ("2000B", At::SubscriberName),
            (Level::Subscriber, b"PR") => ("2000B", At::Payer),
            (Level::Patient, b"QC") => ("2000C", At::PatientName),
            _ => {
                self.at = At::Nothing;
                return;
            }
        };
        let loop_id = self.loop_id(parent, q);
        let slot = match at {
            At::Submitter => &mut self.out.submitter,
            At::Receiver => &mut self.out.receiver,
            At::Billing => &mut self.billing().provider,
            At::PayTo => &mut self.billing().pay_to,
            At::PayToPlan => &mut self.billing().pay_to_plan,
            At::SubscriberName => &mut self.subscriber().subscriber,
            At::Payer => &mut self.subscriber().payer,
            _ => &mut self.patient().patient,
        };
        fill_party(slot.insert(Party::default()), seg, loop_id);
        self.at = at;
    }

    fn clm<S: Seg<'a>>(&mut self, seg: &S) {
        self.flush_lines();
        self.in_claim = true;
        self.in_other = false;
        self.in_line = false;
        self.in_drug = false;
        self.in_adjudication = false;
        self.at = At::Nothing;
        // Built where it is stored (a `Claim` is large).
        let charge = self.ctx.num(seg, 2);
        let claims = self.claims();
        claims.push1(Claim::default());
        let n = claims.len() - 1;
        let c = &mut claims[n];
        c.id = text(seg, 1);
        c.charge = charge;
        c.place_of_service = comp(seg, 5, 1);
        c.facility_code_qualifier = comp(seg, 5, 2);
        c.frequency = comp(seg, 5, 3);
        c.provider_signature = opt(seg, 6);
        c.assignment = opt(seg, 7);
        c.benefits_assignment = opt(seg, 8);
        c.release_of_information = opt(seg, 9);
        c.related_causes = components(seg, 11);
        c.delay_reason = opt(seg, 20);
    }

    fn sbr<S: Seg<'a>>(&mut self, seg: &S) {
        if self.in_claim {
            self.in_other = true;
            self.in_line = false;
            self.at = At::Nothing;
            let o = OtherSubscriber {
                payer_responsibility: opt(seg, 1),
                relationship: opt(seg, 2),
                group_number: opt(seg, 3),
                claim_filing: opt(seg, 9),
                ..OtherSubscriber::default()
            };
            self.claim().other_subscribers.push1(o);
            return;
        }
        let s = self.subscriber();
        s.payer_responsibility = opt(seg, 1);
        s.relationship = opt(seg, 2);
        s.group_number = opt(seg, 3);
        s.group_name = opt(seg, 4);
        s.claim_filing = opt(seg, 9);
    }

    fn service<S: Seg<'a>>(&mut self, seg: &S) {
        // Read every number first (they may add problems), then fill the line in place.
        let (charge_el, qty_el) = match seg.id() {
            b"SV1" => (2, 4),
            b"SV2" => (3, 5),
            _ => (2, 6),
        };
        let charge = self.ctx.num(seg, charge_el);
        let quantity = self.ctx.num(seg, qty_el);
        let id = seg.id();
        let line = self.line();
        line.charge = charge;
        line.quantity = quantity;
        match id {
            b"SV1" => {
                line.kind = LineKind::Professional;
                set_procedure(&mut line.procedure, seg, 1);
                line.unit = opt(seg, 3);
                line.place_of_service = opt(seg, 5);
                line.diagnosis_pointers = components(seg, 7);
            }
            b"SV2" => {
                line.kind = LineKind::Institutional;
                line.revenue_code = opt(seg, 1);
                set_procedure(&mut line.procedure, seg, 2);
                line.unit = opt(seg, 4);
            }
            _ => {
                line.kind = LineKind::Dental;
                set_procedure(&mut line.procedure, seg, 1);
                line.place_of_service = opt(seg, 3);
                line.oral_cavity = components(seg, 4);
                line.diagnosis_pointers = components(seg, 11);
            }
        }
    }

    fn hi<S: Seg<'a>>(&mut self, seg: &S) {
        // The codes go straight into the claim; the (small) problem list is set aside
        // meanwhile.
        let mut ctx = std::mem::take(&mut self.ctx);
        let codes = &mut self.claim().diagnoses;
        for k in 1..=12 {
            let Some(e) = seg.element(k) else { break };
            for rep in e.repetitions() {
                if rep.raw().is_empty() {
                    continue;
                }
                let mut h = HealthCode::default();
                for (i, c) in rep.components().enumerate() {
                    let t = Text::new(c.raw());
                    let some = Some(t).filter(|t| !t.is_empty());
                    match i {
                        0 => h.qualifier = t,
                        1 => h.code = t,
                        2 => h.date_format = some,
                        3 => h.date = some,
                        4 if !t.is_empty() => {
                            h.amount = match crate::Decimal::parse(t.raw()) {
                                Ok(v) => Some(v),
                                Err(_) => {
                                    ctx.problem(seg.id(), k, Some(5));
                                    None
                                }
                            }
                        }
                        8 => h.present_on_admission = some,
                        _ => {}
                    }
                }
                codes.push(h);
            }
        }
        self.ctx = ctx;
    }
}
