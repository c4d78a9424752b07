//! The 835 health care claim payment/advice.

use super::{
    adjustments, amount, comp, date, fill_party, last, opt, party, party_detail, reference,
    set_procedure, text, trace, Adjustment, Amount, Ctx, DateRef, Party, Problem, Procedure,
    PushExact, Reference, Seg, SmallVec, Text, Trace,
};
use crate::decimal::Decimal;
use crate::view::TransactionSet;

/// One 835 transaction set: the payment (BPR, TRN), payer and payee, the claim
/// payments and the provider-level adjustments (PLB).
///
/// # Examples
/// ```
/// use carewire_x12::{gen, Decimal, Document, Remittance};
/// let input = gen::remittance_835(4, 1);
/// let doc = Document::parse(&input)?;
/// let set = doc.interchange(0).and_then(|i| i.groups().next())
///     .and_then(|g| g.transaction_sets().next()).ok_or("no set")?;
/// let remit = Remittance::from_set(&set).ok_or("not an 835")?;
/// assert_eq!(remit.claims.len(), 4);
/// for claim in &remit.claims {
///     // Charge − paid = Σ adjustments, at claim and line level.
///     let adjusted: Decimal = claim.all_adjustments().filter_map(|a| a.amount)
///         .sum::<Result<_, _>>()?;
///     let (charge, paid) = (claim.charge.ok_or("CLP03")?, claim.paid.ok_or("CLP04")?);
///     assert_eq!((charge - paid)?, adjusted);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Remittance<'a> {
    /// ST02.
    pub control_number: Text<'a>,
    /// ST03.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub implementation_reference: Option<Text<'a>>,
    /// BPR.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub payment: Option<Payment<'a>>,
    /// TRN: TRN02 is the check or EFT trace number.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub trace: Option<Trace<'a>>,
    /// CUR02.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub currency: Option<Text<'a>>,
    /// Header REF segments (receiver id, version).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub references: Vec<Reference<'a>>,
    /// Header DTM segments (`405` production date).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub dates: Vec<DateRef<'a>>,
    /// 1000A.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub payer: Option<Party<'a>>,
    /// 1000B.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub payee: Option<Party<'a>>,
    /// 2100 loops in document order (each knows its 2000 header number).
    pub claims: Vec<ClaimPayment<'a>>,
    /// PLB segments.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub provider_adjustments: Vec<ProviderAdjustment<'a>>,
    /// Elements that should have held numbers and did not.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub problems: Vec<Problem>,
}

/// BPR: the financial information.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Payment<'a> {
    /// BPR01: `I` remittance with payment, `H` notification only…
    pub handling: Text<'a>,
    /// BPR02, the total actual provider payment.
    pub amount: Option<Decimal>,
    /// BPR03: `C` credit, `D` debit.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub credit_debit: Option<Text<'a>>,
    /// BPR04: `ACH`, `CHK`, `NON`, `FWT`, `BOP`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub method: Option<Text<'a>>,
    /// BPR05: `CCP`, `CTX`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub format: Option<Text<'a>>,
    /// BPR07, the sender's DFI (routing) number.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub sender_dfi: Option<Text<'a>>,
    /// BPR09, the sender's account number.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub sender_account: Option<Text<'a>>,
    /// BPR10, the payer identifier.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub originating_company: Option<Text<'a>>,
    /// BPR13, the receiver's DFI number.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub receiver_dfi: Option<Text<'a>>,
    /// BPR15, the receiver's account number.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub receiver_account: Option<Text<'a>>,
    /// BPR16, the payment (effective entry) date.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub date: Option<Text<'a>>,
}

/// 2100: one claim payment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ClaimPayment<'a> {
    /// LX01 of the enclosing 2000 loop.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub header_number: Option<Text<'a>>,
    /// CLP01, the patient control number (CLM01 of the claim).
    pub claim_id: Text<'a>,
    /// CLP02, the claim status (`1` processed as primary, `4` denied, `22` reversal…).
    pub status: Text<'a>,
    /// CLP03, the total claim charge.
    pub charge: Option<Decimal>,
    /// CLP04, the claim payment amount.
    pub paid: Option<Decimal>,
    /// CLP05, the patient responsibility amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub patient_responsibility: Option<Decimal>,
    /// CLP06, the claim filing indicator.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub filing_indicator: Option<Text<'a>>,
    /// CLP07, the payer claim control number.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub payer_claim_control_number: Option<Text<'a>>,
    /// CLP08, the facility type code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub facility_type: Option<Text<'a>>,
    /// CLP09, the claim frequency code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub frequency: Option<Text<'a>>,
    /// CLP11, the DRG code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub drg: Option<Text<'a>>,
    /// Claim-level CAS adjustments.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub adjustments: Vec<Adjustment<'a>>,
    /// NM1 segments: patient (`QC`), insured (`IL`), corrected patient (`74`), rendering
    /// provider (`82`), crossover carrier (`TT`), corrected priority payer (`PR`)…
    /// The first is kept inline.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub parties: SmallVec<[Party<'a>; 1]>,
    /// MIA.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub inpatient: Option<Box<Inpatient<'a>>>,
    /// MOA.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub outpatient: Option<Box<Outpatient<'a>>>,
    /// REF segments of 2100.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub references: Vec<Reference<'a>>,
    /// DTM segments of 2100 (`232`/`233` statement period, `050` received; the first
    /// two kept inline).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub dates: SmallVec<[DateRef<'a>; 2]>,
    /// AMT and QTY segments of 2100.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub amounts: Vec<Amount<'a>>,
    /// 2110 loops.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub lines: Vec<ServicePayment<'a>>,
}

impl<'a> ClaimPayment<'a> {
    /// The party with entity code `entity` (`"QC"` patient, `"IL"` insured…).
    pub fn party(&self, entity: &str) -> Option<&Party<'a>> {
        self.parties.iter().find(|p| p.entity == entity)
    }

    /// Claim-level then every line's adjustments.
    pub fn all_adjustments(&self) -> impl Iterator<Item = &Adjustment<'a>> + '_ {
        self.adjustments
            .iter()
            .chain(self.lines.iter().flat_map(|l| &l.adjustments))
    }
}

/// MIA: inpatient adjudication information (the amounts most used; the rest are on the
/// segment).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Inpatient<'a> {
    /// MIA01, covered days or visits.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub covered_days: Option<Decimal>,
    /// MIA02, PPS operating outlier amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub pps_operating_outlier: Option<Decimal>,
    /// MIA03, lifetime psychiatric days.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub lifetime_psychiatric_days: Option<Decimal>,
    /// MIA04, claim DRG amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub drg_amount: Option<Decimal>,
    /// MIA06, disproportionate share amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub disproportionate_share: Option<Decimal>,
    /// MIA07, MSP pass-through amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub msp_pass_through: Option<Decimal>,
    /// MIA08, PPS capital amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub pps_capital: Option<Decimal>,
    /// MIA15, cost report day count.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub cost_report_days: Option<Decimal>,
    /// MIA19, nonpayable professional component amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub nonpayable_professional_component: Option<Decimal>,
    /// MIA05 and MIA20–MIA23, claim payment remark codes (RARC).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub remark_codes: Vec<Text<'a>>,
}

/// MOA: outpatient adjudication information.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Outpatient<'a> {
    /// MOA01, reimbursement rate (a percentage as a decimal fraction).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub reimbursement_rate: Option<Decimal>,
    /// MOA02, HCPCS payable amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub hcpcs_payable: Option<Decimal>,
    /// MOA03–MOA07, claim payment remark codes (RARC).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub remark_codes: Vec<Text<'a>>,
    /// MOA08, ESRD payment amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub esrd_payment: Option<Decimal>,
    /// MOA09, nonpayable professional component amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub nonpayable_professional_component: Option<Decimal>,
}

/// 2110: one service line payment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ServicePayment<'a> {
    /// SVC01, the adjudicated procedure.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub procedure: Option<Procedure<'a>>,
    /// SVC02, the line charge.
    pub charge: Option<Decimal>,
    /// SVC03, the line payment.
    pub paid: Option<Decimal>,
    /// SVC04, the revenue code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub revenue_code: Option<Text<'a>>,
    /// SVC05, units paid.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub units_paid: Option<Decimal>,
    /// SVC06, the procedure as submitted (when it differs).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub submitted_procedure: Option<Procedure<'a>>,
    /// SVC07, units submitted.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub units_submitted: Option<Decimal>,
    /// DTM segments of 2110 (`472` service date, `150`/`151` period; the first kept
    /// inline).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub dates: SmallVec<[DateRef<'a>; 1]>,
    /// Line-level CAS adjustments (the first kept inline).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub adjustments: SmallVec<[Adjustment<'a>; 1]>,
    /// REF segments of 2110 (`6R` line item control number…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub references: Vec<Reference<'a>>,
    /// AMT and QTY segments of 2110 (`B6` allowed amount…; the first kept inline).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "SmallVec::is_empty"))]
    pub amounts: SmallVec<[Amount<'a>; 1]>,
    /// LQ02 remark codes (RARC).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub remark_codes: Vec<Text<'a>>,
}

/// PLB: provider-level adjustments for one provider and fiscal period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ProviderAdjustment<'a> {
    /// PLB01, the provider identifier.
    pub provider_id: Text<'a>,
    /// PLB02, the last day of the provider's fiscal year.
    pub fiscal_period_date: Text<'a>,
    /// (PLB03, PLB04) … (PLB13, PLB14).
    pub adjustments: Vec<PlbAdjustment<'a>>,
}

/// One reason/amount pair of a PLB. A positive amount reduces the payment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct PlbAdjustment<'a> {
    /// PLB03-1, the adjustment reason code (`WO` overpayment recovery, `L6` interest…).
    pub reason: Text<'a>,
    /// PLB03-2, the reference identification.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub reference: Option<Text<'a>>,
    /// PLB04.
    pub amount: Option<Decimal>,
}

impl<'a> Remittance<'a> {
    /// The model of an 835 transaction set; `None` when the set is not an 835.
    pub fn from_set(set: &TransactionSet<'a>) -> Option<Remittance<'a>> {
        if set.id() != b"835" {
            return None;
        }
        let claims = set.segments().filter(|s| s.id() == b"CLP").count();
        Some(build_with(set.segments(), claims))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Header,
    Payer,
    Payee,
    Claim,
    Line,
}

/// Builds the model from an 835's segments (ST first when present).
pub(crate) fn build<'a, S: Seg<'a>>(segments: impl IntoIterator<Item = S>) -> Remittance<'a> {
    build_with(segments, 0)
}

fn build_with<'a, S: Seg<'a>>(
    segments: impl IntoIterator<Item = S>,
    claims: usize,
) -> Remittance<'a> {
    let mut out = Remittance {
        claims: Vec::with_capacity(claims),
        ..Remittance::default()
    };
    let mut ctx = Ctx::default();
    let mut at = At::Header;
    let mut lx: Option<Text<'a>> = None;
    // The current claim's lines, built in place and moved into the claim at its end.
    let mut lines: Vec<ServicePayment<'a>> = Vec::new();
    for (i, seg) in segments.into_iter().enumerate() {
        ctx.position = i;
        let seg = &seg;
        match seg.id() {
            b"ST" => {
                out.control_number = text(seg, 2);
                out.implementation_reference = opt(seg, 3);
            }
            b"BPR" => {
                out.payment = Some(Payment {
                    handling: text(seg, 1),
                    amount: ctx.num(seg, 2),
                    credit_debit: opt(seg, 3),
                    method: opt(seg, 4),
                    format: opt(seg, 5),
                    sender_dfi: opt(seg, 7),
                    sender_account: opt(seg, 9),
                    originating_company: opt(seg, 10),
                    receiver_dfi: opt(seg, 13),
                    receiver_account: opt(seg, 15),
                    date: opt(seg, 16),
                })
            }
            b"TRN" => out.trace = Some(trace(seg)),
            b"CUR" => out.currency = opt(seg, 2),
            b"N1" => match seg.raw(1) {
                b"PR" => {
                    out.payer = Some(party(seg, "1000A"));
                    at = At::Payer;
                }
                b"PE" => {
                    out.payee = Some(party(seg, "1000B"));
                    at = At::Payee;
                }
                _ => at = At::Header,
            },
            b"LX" => {
                lx = opt(seg, 1);
                at = At::Header;
            }
            b"CLP" => {
                at = At::Claim;
                flush_lines(&mut out, &mut lines);
                // Built where it is stored (a `ClaimPayment` is large).
                out.claims.push1(ClaimPayment::default());
                let c = claim(&mut out);
                c.header_number = lx;
                c.claim_id = text(seg, 1);
                c.status = text(seg, 2);
                c.charge = ctx.num(seg, 3);
                c.paid = ctx.num(seg, 4);
                c.patient_responsibility = ctx.num(seg, 5);
                c.filing_indicator = opt(seg, 6);
                c.payer_claim_control_number = opt(seg, 7);
                c.facility_type = opt(seg, 8);
                c.frequency = opt(seg, 9);
                c.drg = opt(seg, 11);
            }
            b"SVC" => {
                at = At::Line;
                lines.push(ServicePayment::default());
                let l = line(&mut lines);
                set_procedure(&mut l.procedure, seg, 1);
                l.charge = ctx.num(seg, 2);
                l.paid = ctx.num(seg, 3);
                l.revenue_code = opt(seg, 4);
                l.units_paid = ctx.num(seg, 5);
                set_procedure(&mut l.submitted_procedure, seg, 6);
                l.units_submitted = ctx.num(seg, 7);
            }
            b"PLB" => {
                at = At::Header;
                let mut plb = ProviderAdjustment {
                    provider_id: text(seg, 1),
                    fiscal_period_date: text(seg, 2),
                    adjustments: Vec::new(),
                };
                for k in (3..=13).step_by(2) {
                    let Some(reason) = comp(seg, k, 1) else {
                        continue;
                    };
                    plb.adjustments.push1(PlbAdjustment {
                        reason,
                        reference: comp(seg, k, 2),
                        amount: ctx.num(seg, k + 1),
                    });
                }
                out.provider_adjustments.push1(plb);
            }
            b"CAS" if matches!(at, At::Claim | At::Line) => {
                if at == At::Line {
                    adjustments(&mut ctx, seg, &mut line(&mut lines).adjustments);
                } else {
                    adjustments(&mut ctx, seg, &mut claim(&mut out).adjustments);
                }
            }
            b"NM1" if at == At::Claim => {
                let parties = &mut claim(&mut out).parties;
                parties.push1(Party::default());
                let n = parties.len() - 1;
                fill_party(&mut parties[n], seg, "2100");
            }
            b"MIA" if at == At::Claim => {
                let mia = Inpatient {
                    covered_days: ctx.num(seg, 1),
                    pps_operating_outlier: ctx.num(seg, 2),
                    lifetime_psychiatric_days: ctx.num(seg, 3),
                    drg_amount: ctx.num(seg, 4),
                    disproportionate_share: ctx.num(seg, 6),
                    msp_pass_through: ctx.num(seg, 7),
                    pps_capital: ctx.num(seg, 8),
                    cost_report_days: ctx.num(seg, 15),
                    nonpayable_professional_component: ctx.num(seg, 19),
                    remark_codes: [5, 20, 21, 22, 23]
                        .iter()
                        .filter_map(|&k| opt(seg, k))
                        .collect(),
                };
                claim(&mut out).inpatient = Some(Box::new(mia));
            }
            b"MOA" if at == At::Claim => {
                let moa = Outpatient {
                    reimbursement_rate: ctx.num(seg, 1),
                    hcpcs_payable: ctx.num(seg, 2),
                    remark_codes: (3..=7).filter_map(|k| opt(seg, k)).collect(),
                    esrd_payment: ctx.num(seg, 8),
                    nonpayable_professional_component: ctx.num(seg, 9),
                };
                claim(&mut out).outpatient = Some(Box::new(moa));
            }
            b"DTM" => {
                let d = date(seg);
                match at {
                    At::Claim => claim(&mut out).dates.push1(d),
                    At::Line => line(&mut lines).dates.push1(d),
                    _ => out.dates.push1(d),
                }
            }
            b"REF" => {
                let r = reference(seg);
                match at {
                    At::Claim => claim(&mut out).references.push1(r),
                    At::Line => line(&mut lines).references.push1(r),
                    At::Payer => {
                        if let Some(p) = out.payer.as_mut() {
                            p.references.push1(r);
                        }
                    }
                    At::Payee => {
                        if let Some(p) = out.payee.as_mut() {
                            p.references.push1(r);
                        }
                    }
                    At::Header => out.references.push1(r),
                }
            }
            b"AMT" | b"QTY" if matches!(at, At::Claim | At::Line) => {
                let a = amount(&mut ctx, seg);
                if at == At::Line {
                    line(&mut lines).amounts.push1(a);
                } else {
                    claim(&mut out).amounts.push1(a);
                }
            }
            b"LQ" if at == At::Line => {
                if let Some(code) = opt(seg, 2) {
                    line(&mut lines).remark_codes.push1(code);
                }
            }
            _ => {
                let p = match at {
                    At::Payer => out.payer.as_mut(),
                    At::Payee => out.payee.as_mut(),
                    _ => None,
                };
                if let Some(p) = p {
                    party_detail(p, seg);
                }
            }
        }
    }
    flush_lines(&mut out, &mut lines);
    out.problems = ctx.problems;
    out
}

/// Moves the lines built so far into the current claim, at their exact size.
fn flush_lines<'a>(out: &mut Remittance<'a>, lines: &mut Vec<ServicePayment<'a>>) {
    if lines.is_empty() {
        return;
    }
    let c = claim(out);
    // Exact size; `append` leaves the buffer's capacity for the next claim.
    c.lines.reserve_exact(lines.len());
    c.lines.append(lines);
}

fn claim<'r, 'a>(out: &'r mut Remittance<'a>) -> &'r mut ClaimPayment<'a> {
    last(&mut out.claims)
}

fn line<'r, 'a>(lines: &'r mut Vec<ServicePayment<'a>>) -> &'r mut ServicePayment<'a> {
    if lines.is_empty() {
        lines.push(ServicePayment::default());
    }
    let n = lines.len() - 1;
    &mut lines[n]
}
