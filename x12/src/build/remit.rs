//! The 835 health care claim payment/advice builder (005010X221A1): the payer's side of
//! the claims cycle. It computes BPR02 from the claim payments and provider-level
//! adjustments, numbers the LX header groups, writes the CAS adjustments grouped by
//! group code and, in [`Balancing::Checked`] mode (the default), refuses a claim or
//! service line whose charge less payment is not the sum of its adjustments.

use std::io::Write;

use super::{address, nm1_as, redacted, s, trim, Address, Envelope, Redacted};
use crate::decimal::Decimal;
use crate::error::{Error, ErrorKind, Result};
use crate::write::{ControlNumbers, Field, Writer};

/// BPR04: how the payment moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum PaymentMethod {
    /// `CHK`: a paper check (TRN02 is the check number).
    #[default]
    Check,
    /// `ACH`: automated clearing house (needs [`Payment::accounts`]).
    Ach,
    /// `FWT`: federal reserve funds/wire transfer (needs [`Payment::accounts`]).
    Wire,
    /// `BOP`: financial institution option.
    BankOption,
}

impl PaymentMethod {
    /// The BPR04 code.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::PaymentMethod;
    /// assert_eq!(PaymentMethod::Ach.code(), "ACH");
    /// assert_eq!(PaymentMethod::default().code(), "CHK");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            PaymentMethod::Check => "CHK",
            PaymentMethod::Ach => "ACH",
            PaymentMethod::Wire => "FWT",
            PaymentMethod::BankOption => "BOP",
        }
    }
}

/// The bank accounts of an electronic payment (BPR06–BPR15); DFI numbers are routing
/// (ABA) numbers, accounts are checking accounts (`DA`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BankAccounts {
    /// BPR07: the payer's bank routing number.
    pub sender_dfi: String,
    /// BPR09: the payer's account number.
    pub sender_account: String,
    /// BPR13: the payee's bank routing number.
    pub receiver_dfi: String,
    /// BPR15: the payee's account number.
    pub receiver_account: String,
}

impl std::fmt::Debug for BankAccounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankAccounts")
            .field("sender_dfi", &Redacted(&self.sender_dfi))
            .field("sender_account", &Redacted(&self.sender_account))
            .field("receiver_dfi", &Redacted(&self.receiver_dfi))
            .field("receiver_account", &Redacted(&self.receiver_account))
            .finish()
    }
}

/// The payment (BPR) and its trace (TRN). BPR02 is not here: the builder computes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Payment {
    /// BPR04 (when the computed total is zero the builder writes `H` / `NON`: a
    /// notification without payment).
    pub method: PaymentMethod,
    /// BPR16: the check issue or EFT effective date, CCYYMMDD.
    pub date: String,
    /// TRN02: the check or EFT trace number.
    pub trace: String,
    /// TRN03 and BPR10: the payer identifier (`1` + the payer's EIN by convention).
    pub originator: String,
    /// BPR05–BPR15, required for [`PaymentMethod::Ach`] and [`PaymentMethod::Wire`].
    pub accounts: Option<BankAccounts>,
}

/// 1000A: the payer (N1*PR, N3/N4, PER*BL).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemitPayer {
    /// N102.
    pub name: String,
    /// N3/N4.
    pub address: Address,
    /// PER*BL: the technical contact's name and telephone.
    pub contact: (String, String),
}

/// 1000B: the payee (N1*PE with the NPI, REF*TJ with the tax id when given).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RemitPayee {
    /// N102.
    pub name: String,
    /// N104 (qualifier `XX`): the payee's NPI.
    pub npi: String,
    /// N3/N4, when sent.
    pub address: Option<Address>,
    /// REF*TJ: the payee's federal tax id, when sent.
    pub tax_id: Option<String>,
}

impl std::fmt::Debug for RemitPayee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemitPayee")
            .field("name", &self.name)
            .field("npi", &Redacted(&self.npi))
            .field("address", &self.address)
            .field("tax_id", &redacted(&self.tax_id))
            .finish()
    }
}

/// One CAS adjustment: group code, reason code (CARC) and amount.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClaimAdjustment {
    /// CAS01: `CO` contractual obligation, `PR` patient responsibility, `OA` other,
    /// `PI` payer initiated, `CR` correction/reversal.
    pub group: String,
    /// CAS02/05/…: the claim adjustment reason code (e.g. `45`, `2`, `3`).
    pub reason: String,
    /// CAS03/06/…: the amount (positive reduces the payment).
    pub amount: Decimal,
}

impl ClaimAdjustment {
    /// An adjustment of `amount` in `group` for `reason`.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::ClaimAdjustment;
    /// let co45 = ClaimAdjustment::new("CO", "45", "12.50".parse()?);
    /// assert_eq!(co45.amount.to_string(), "12.50");
    /// # Ok::<(), carewire_x12::DecimalError>(())
    /// ```
    pub fn new(group: &str, reason: &str, amount: Decimal) -> ClaimAdjustment {
        ClaimAdjustment {
            group: group.to_string(),
            reason: reason.to_string(),
            amount,
        }
    }
}

/// 2110: one service line payment (SVC, DTM*472, CAS, AMT*B6).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PaidLine {
    /// SVC01-2: the HCPCS/CPT code (qualifier `HC`).
    pub procedure: String,
    /// SVC01-3…6: modifiers (up to four).
    pub modifiers: Vec<String>,
    /// SVC02: the line charge.
    pub charge: Decimal,
    /// SVC03: the line payment.
    pub paid: Decimal,
    /// SVC04: the revenue code (institutional lines).
    pub revenue_code: Option<String>,
    /// SVC05: units paid.
    pub units: Option<Decimal>,
    /// DTM*472: the service date, CCYYMMDD.
    pub date: Option<String>,
    /// Line-level CAS adjustments.
    pub adjustments: Vec<ClaimAdjustment>,
    /// AMT*B6: the allowed amount.
    pub allowed: Option<Decimal>,
}

impl std::fmt::Debug for PaidLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaidLine")
            .field("procedure", &self.procedure)
            .field("modifiers", &self.modifiers)
            .field("charge", &self.charge)
            .field("paid", &self.paid)
            .field("revenue_code", &self.revenue_code)
            .field("units", &self.units)
            .field("date", &redacted(&self.date))
            .field("adjustments", &self.adjustments)
            .field("allowed", &self.allowed)
            .finish()
    }
}

/// 2100: one claim payment (CLP, claim-level CAS, NM1*QC, DTM*232/233, service lines).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PaidClaim {
    /// CLP01: the patient control number (CLM01 of the claim).
    pub id: String,
    /// CLP02: the status (`1` processed as primary, `2` secondary, `4` denied, `22`
    /// reversal…).
    pub status: String,
    /// CLP03: the total claim charge.
    pub charge: Decimal,
    /// CLP04: the claim payment.
    pub paid: Decimal,
    /// CLP05: the patient responsibility, when sent.
    pub patient_responsibility: Option<Decimal>,
    /// CLP06: the claim filing indicator (`12` PPO, `MB` Medicare Part B, `CI`…).
    pub filing_indicator: String,
    /// CLP07: the payer claim control number.
    pub payer_control_number: String,
    /// CLP08: the facility type code (place of service or type of bill); consecutive
    /// claims with the same value share an LX header group.
    pub facility_type: Option<String>,
    /// CLP09: the claim frequency code.
    pub frequency: Option<String>,
    /// Claim-level CAS adjustments.
    pub adjustments: Vec<ClaimAdjustment>,
    /// NM1*QC: the patient (last name, first name, member id with qualifier `MI`).
    pub patient: super::Party,
    /// DTM*232 / DTM*233: the statement period, CCYYMMDD.
    pub statement_period: Option<(String, String)>,
    /// 2110 service lines.
    pub lines: Vec<PaidLine>,
}

impl std::fmt::Debug for PaidClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaidClaim")
            .field("id", &Redacted(&self.id))
            .field("status", &self.status)
            .field("charge", &self.charge)
            .field("paid", &self.paid)
            .field("patient_responsibility", &self.patient_responsibility)
            .field("filing_indicator", &self.filing_indicator)
            .field(
                "payer_control_number",
                &Redacted(&self.payer_control_number),
            )
            .field("facility_type", &self.facility_type)
            .field("adjustments", &self.adjustments)
            .field("patient", &self.patient)
            .field("statement_period", &self.statement_period.is_some())
            .field("lines", &self.lines)
            .finish()
    }
}

/// One PLB reason/amount pair; a positive amount reduces the payment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlbAmount {
    /// PLB03-1: the reason (`WO` overpayment recovery, `L6` interest, `FB` forwarding
    /// balance…).
    pub reason: String,
    /// PLB03-2: the reference (e.g. the claim the recovery is for), when sent.
    pub reference: Option<String>,
    /// PLB04.
    pub amount: Decimal,
}

/// PLB: provider-level adjustments of one provider and fiscal period (written six
/// pairs to a segment).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProviderAdjustment {
    /// PLB01: the provider identifier (NPI).
    pub provider_id: String,
    /// PLB02: the last day of the provider's fiscal year, CCYYMMDD.
    pub fiscal_period_date: String,
    /// The adjustments.
    pub amounts: Vec<PlbAmount>,
}

impl std::fmt::Debug for ProviderAdjustment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderAdjustment")
            .field("provider_id", &Redacted(&self.provider_id))
            .field("amounts", &self.amounts.len())
            .finish()
    }
}

/// Whether the builder checks that claims and lines balance before writing.
///
/// # Examples
/// ```
/// use carewire_x12::build::{Balancing, ClaimAdjustment, Envelope, PaidClaim, Remittance835};
/// use carewire_x12::{ErrorKind, SequentialControlNumbers};
/// let mut remit = Remittance835 {
///     claims: vec![PaidClaim { charge: "100".parse()?, paid: "70".parse()?,
///         adjustments: vec![ClaimAdjustment::new("CO", "45", "20".parse()?)],
///         ..Default::default() }],
///     ..Default::default()
/// };
/// let env = Envelope::new("PAYER", "CLINIC", "240115", "0900");
/// let err = remit.build(&env, &mut SequentialControlNumbers::default()).err().ok_or("built")?;
/// assert_eq!(err.kind(), ErrorKind::Unbalanced { claim: 1, line: None });
/// remit.balancing = Balancing::Unchecked; // e.g. to reproduce a payer's file as it was
/// assert!(remit.build(&env, &mut SequentialControlNumbers::default()).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Balancing {
    /// Refuse (with [`ErrorKind::Unbalanced`], naming the claim and line) a claim whose
    /// CLP03 − CLP04 is not the sum of its claim and line adjustments, or a line whose
    /// SVC02 − SVC03 is not the sum of its adjustments.
    #[default]
    Checked,
    /// Write the amounts as given (BPR02 is still computed).
    Unchecked,
}

/// An 835 remittance (005010X221A1): payment, payer, payee, claim payments and
/// provider-level adjustments. BPR02 = Σ CLP04 − Σ PLB amounts, computed with exact
/// decimals; claims are grouped under LX header numbers (a new group whenever CLP08
/// changes); CAS adjustments are written grouped by group code, in order of first
/// appearance, up to six to a segment.
///
/// # Examples
/// ```
/// use carewire_x12::build::{
///     Address, ClaimAdjustment, Envelope, PaidClaim, PaidLine, Party, Payment, Remittance835,
///     RemitPayee, RemitPayer,
/// };
/// use carewire_x12::{validate, Decimal, Document, Remittance, SequentialControlNumbers};
///
/// let d = |v: &str| v.parse::<Decimal>();
/// let remit = Remittance835 {
///     payment: Payment { date: "20240115".into(), trace: "CHK0001".into(),
///         originator: "1512345678".into(), ..Default::default() },
///     payer: RemitPayer { name: "PAYER".into(), address: Address { line1: "1 PAYER WAY".into(),
///         city: "TOWN".into(), state: "NY".into(), postal_code: "10001".into(),
///         ..Default::default() }, contact: ("EDI DESK".into(), "5555551234".into()) },
///     payee: RemitPayee { name: "CLINIC".into(), npi: "1234567893".into(), ..Default::default() },
///     claims: vec![PaidClaim {
///         id: "A1".into(), status: "1".into(), charge: d("100.00")?, paid: d("80.00")?,
///         patient_responsibility: Some(d("5.00")?), filing_indicator: "12".into(),
///         payer_control_number: "PCN1".into(),
///         patient: Party::person("DOE", "JANE", "M1"),
///         lines: vec![PaidLine {
///             procedure: "99213".into(), charge: d("100.00")?, paid: d("80.00")?,
///             adjustments: vec![ClaimAdjustment::new("CO", "45", d("15.00")?),
///                 ClaimAdjustment::new("PR", "3", d("5.00")?)],
///             ..Default::default()
///         }],
///         ..Default::default()
///     }],
///     ..Default::default()
/// };
/// assert_eq!(remit.total()?, d("80.00")?);
/// let out = remit.build(&Envelope::new("PAYER", "CLINIC", "240115", "0900"),
///     &mut SequentialControlNumbers::default())?;
/// let text = String::from_utf8(out.clone())?;
/// assert!(text.contains("\nBPR*I*80.00*C*CHK************20240115~\n"));
/// assert!(text.contains("\nSVC*HC:99213*100.00*80.00~\nCAS*CO*45*15.00~\nCAS*PR*3*5.00~\n"));
///
/// let doc = Document::parse(&out)?;
/// assert!(validate(&doc).is_empty());
/// let set = doc.interchange(0).and_then(|i| i.groups().next())
///     .and_then(|g| g.transaction_sets().next()).ok_or("no set")?;
/// let read = Remittance::from_set(&set).ok_or("not an 835")?;
/// assert_eq!(read.claims[0].paid, Some(d("80.00")?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Remittance835 {
    /// BPR (without BPR02) and TRN.
    pub payment: Payment,
    /// DTM*405: the production date, CCYYMMDD, when sent.
    pub production_date: Option<String>,
    /// 1000A.
    pub payer: RemitPayer,
    /// 1000B.
    pub payee: RemitPayee,
    /// 2100 claim payments, in order.
    pub claims: Vec<PaidClaim>,
    /// PLB segments.
    pub provider_adjustments: Vec<ProviderAdjustment>,
    /// Whether claims and lines must balance (default: checked).
    pub balancing: Balancing,
}

fn invalid() -> Error {
    Error::new(ErrorKind::InvalidValue, 0)
}

fn sum<'d>(values: impl IntoIterator<Item = &'d Decimal>) -> Result<Decimal> {
    Decimal::try_sum(values.into_iter().copied()).map_err(|_| invalid())
}

fn adjustments_total(adj: &[ClaimAdjustment]) -> Result<Decimal> {
    sum(adj.iter().map(|a| &a.amount))
}

/// Writes `adj` as CAS segments: one run per group code (first-appearance order), six
/// reason/amount pairs to a segment.
fn cas<W: Write>(w: &mut Writer<W>, adj: &[ClaimAdjustment]) -> Result<()> {
    let mut groups: Vec<&str> = Vec::new();
    for a in adj {
        if !groups.contains(&a.group.as_str()) {
            groups.push(&a.group);
        }
    }
    for g in groups {
        let of_group: Vec<&ClaimAdjustment> = adj.iter().filter(|a| a.group == g).collect();
        for chunk in of_group.chunks(6) {
            let amounts: Vec<String> = chunk.iter().map(|a| a.amount.to_string()).collect();
            let mut f = vec![s(g)];
            for (i, (a, amount)) in chunk.iter().zip(&amounts).enumerate() {
                if i > 0 {
                    f.push(s("")); // the previous pair's quantity
                }
                f.push(s(&a.reason));
                f.push(s(amount));
            }
            w.segment("CAS", &f)?;
        }
    }
    Ok(())
}

impl Remittance835 {
    /// BPR02: Σ CLP04 − Σ PLB amounts.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidValue`] when the sum overflows.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::{PaidClaim, PlbAmount, ProviderAdjustment, Remittance835};
    /// let remit = Remittance835 {
    ///     claims: vec![PaidClaim { paid: "80.10".parse()?, ..Default::default() }],
    ///     provider_adjustments: vec![ProviderAdjustment {
    ///         amounts: vec![PlbAmount { reason: "WO".into(), amount: "0.10".parse()?,
    ///             ..Default::default() }],
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// };
    /// assert_eq!(remit.total()?.to_string(), "80.00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn total(&self) -> Result<Decimal> {
        let paid = sum(self.claims.iter().map(|c| &c.paid))?;
        let plb = sum(self
            .provider_adjustments
            .iter()
            .flat_map(|p| &p.amounts)
            .map(|a| &a.amount))?;
        paid.checked_sub(plb).map_err(|_| invalid())
    }

    /// Checks every claim and service line: charge − payment = Σ adjustments (a claim
    /// counts its own and its lines' adjustments).
    ///
    /// # Errors
    /// [`ErrorKind::Unbalanced`] with the 1-based claim (and line) position of the first
    /// that does not balance; [`ErrorKind::InvalidValue`] when a sum overflows.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::{ClaimAdjustment, PaidClaim, Remittance835};
    /// use carewire_x12::ErrorKind;
    /// let mut remit = Remittance835 {
    ///     claims: vec![PaidClaim { charge: "100".parse()?, paid: "80".parse()?,
    ///         adjustments: vec![ClaimAdjustment::new("CO", "45", "20".parse()?)],
    ///         ..Default::default() }],
    ///     ..Default::default()
    /// };
    /// assert!(remit.check_balance().is_ok());
    /// remit.claims[0].paid = "81".parse()?;
    /// let err = remit.check_balance().err().ok_or("balanced")?;
    /// assert_eq!(err.kind(), ErrorKind::Unbalanced { claim: 1, line: None });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_balance(&self) -> Result<()> {
        for (i, c) in self.claims.iter().enumerate() {
            let mut adjusted = adjustments_total(&c.adjustments)?;
            for (j, l) in c.lines.iter().enumerate() {
                let line_adj = adjustments_total(&l.adjustments)?;
                let diff = l.charge.checked_sub(l.paid).map_err(|_| invalid())?;
                if diff != line_adj {
                    return Err(Error::new(
                        ErrorKind::Unbalanced {
                            claim: i + 1,
                            line: Some(j + 1),
                        },
                        0,
                    ));
                }
                adjusted = adjusted.checked_add(line_adj).map_err(|_| invalid())?;
            }
            let diff = c.charge.checked_sub(c.paid).map_err(|_| invalid())?;
            if diff != adjusted {
                return Err(Error::new(
                    ErrorKind::Unbalanced {
                        claim: i + 1,
                        line: None,
                    },
                    0,
                ));
            }
        }
        Ok(())
    }

    /// Writes the 835 as one transaction set into an open group of `w`; returns ST02.
    /// Nothing is written when a check fails.
    ///
    /// # Errors
    /// [`ErrorKind::Unbalanced`] in [`Balancing::Checked`] mode (see
    /// [`Remittance835::check_balance`]); [`ErrorKind::InvalidValue`] when BPR02 would be
    /// negative or a sum overflows, or an electronic payment has no bank accounts;
    /// [`ErrorKind::DelimiterInData`] when a value holds a delimiter; writer state errors.
    ///
    /// # Examples
    /// Two payers' 835s in one interchange:
    /// ```
    /// use carewire_x12::build::{PaidClaim, Party, Remittance835};
    /// use carewire_x12::{
    ///     Delimiters, Document, GroupHeader, InterchangeHeader, LineEnding,
    ///     SequentialControlNumbers, Writer,
    /// };
    /// let remit = |paid: &str| -> Result<Remittance835, Box<dyn std::error::Error>> {
    ///     Ok(Remittance835 { claims: vec![PaidClaim { id: "A1".into(), status: "1".into(),
    ///         charge: paid.parse()?, paid: paid.parse()?, filing_indicator: "12".into(),
    ///         payer_control_number: "P1".into(), patient: Party::person("DOE", "JANE", ""),
    ///         ..Default::default() }], ..Default::default() })
    /// };
    /// let numbers = &mut SequentialControlNumbers::default();
    /// let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
    /// w.begin_interchange(&InterchangeHeader::new("PAYERS", "CLINIC", "240115", "0900"), numbers)?;
    /// w.begin_group(&GroupHeader::new("HP", "PAYERS", "CLINIC", "20240115", "0900",
    ///     "005010X221A1"), numbers)?;
    /// assert_eq!(remit("10.00")?.write(&mut w, numbers)?, 1);
    /// assert_eq!(remit("20.00")?.write(&mut w, numbers)?, 2);
    /// w.end_group()?;
    /// w.end_interchange()?;
    /// let out = w.into_inner()?;
    /// assert!(String::from_utf8(out.clone())?.contains("\nBPR*I*20.00*C*CHK"));
    /// assert!(Document::parse(&out)?.findings().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write<W: Write>(
        &self,
        w: &mut Writer<W>,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<u32> {
        if self.balancing == Balancing::Checked {
            self.check_balance()?;
        }
        let total = self.total()?;
        if total.is_negative() {
            return Err(invalid());
        }
        let p = &self.payment;
        let electronic = matches!(p.method, PaymentMethod::Ach | PaymentMethod::Wire);
        if electronic && p.accounts.is_none() {
            return Err(invalid());
        }
        let st02 = w.begin_transaction_set("835", Some("005010X221A1"), numbers)?;
        let amount = total.to_string();
        let (handling, method) = if total.is_zero() {
            ("H", "NON")
        } else {
            ("I", p.method.code())
        };
        let mut bpr = vec![s(handling), s(&amount), s("C"), s(method)];
        let with_accounts = p.method != PaymentMethod::Check && !total.is_zero();
        match p.accounts.as_ref().filter(|_| with_accounts) {
            Some(a) => {
                let format = if p.method == PaymentMethod::Ach {
                    "CCP"
                } else {
                    ""
                };
                bpr.extend([
                    s(format),
                    s("01"),
                    s(&a.sender_dfi),
                    s("DA"),
                    s(&a.sender_account),
                    s(&p.originator),
                    s(""),
                    s("01"),
                    s(&a.receiver_dfi),
                    s("DA"),
                    s(&a.receiver_account),
                ]);
            }
            None => bpr.extend(std::iter::repeat(s("")).take(11)),
        }
        bpr.push(s(&p.date));
        w.segment("BPR", &bpr)?;
        w.segment("TRN", &[s("1"), s(&p.trace), s(&p.originator)])?;
        if let Some(d) = &self.production_date {
            w.segment("DTM", &[s("405"), s(d)])?;
        }
        w.segment("N1", &[s("PR"), s(&self.payer.name)])?;
        address(w, &self.payer.address)?;
        let (contact, phone) = &self.payer.contact;
        w.segment("PER", &[s("BL"), s(contact), s("TE"), s(phone)])?;
        let pe = &self.payee;
        w.segment("N1", &[s("PE"), s(&pe.name), s("XX"), s(&pe.npi)])?;
        if let Some(a) = &pe.address {
            address(w, a)?;
        }
        if let Some(t) = &pe.tax_id {
            w.segment("REF", &[s("TJ"), s(t)])?;
        }
        let mut lx = 0u32;
        let mut group: Option<Option<&str>> = None;
        for c in &self.claims {
            let key = c.facility_type.as_deref();
            if group != Some(key) {
                group = Some(key);
                lx += 1;
                w.segment("LX", &[s(&lx.to_string())])?;
            }
            claim(w, c)?;
        }
        for plb in &self.provider_adjustments {
            let amounts: Vec<String> = plb.amounts.iter().map(|a| a.amount.to_string()).collect();
            let reasons: Vec<[&str; 2]> = plb
                .amounts
                .iter()
                .map(|a| [a.reason.as_str(), a.reference.as_deref().unwrap_or("")])
                .collect();
            for (rs, ams) in reasons.chunks(6).zip(amounts.chunks(6)) {
                let mut f = vec![s(&plb.provider_id), s(&plb.fiscal_period_date)];
                for (r, a) in rs.iter().zip(ams) {
                    f.push(if r[1].is_empty() {
                        s(r[0])
                    } else {
                        Field::Composite(r)
                    });
                    f.push(s(a));
                }
                w.segment("PLB", &f)?;
            }
        }
        w.end_transaction_set()?;
        Ok(st02)
    }

    /// Builds a whole interchange (ISA … IEA) holding this 835 in one `HP` group.
    ///
    /// # Errors
    /// As [`Remittance835::write`], and [`ErrorKind::InvalidValue`] for ISA values
    /// longer than their fixed widths.
    pub fn build(&self, env: &Envelope, numbers: &mut dyn ControlNumbers) -> Result<Vec<u8>> {
        env.wrap("HP", "005010X221A1", numbers, &mut |w, n| {
            self.write(w, n).map(|_| ())
        })
    }
}

fn claim<W: Write>(w: &mut Writer<W>, c: &PaidClaim) -> Result<()> {
    let (charge, paid) = (c.charge.to_string(), c.paid.to_string());
    let pr = c
        .patient_responsibility
        .map(|d| d.to_string())
        .unwrap_or_default();
    w.segment(
        "CLP",
        &trim(vec![
            s(&c.id),
            s(&c.status),
            s(&charge),
            s(&paid),
            s(&pr),
            s(&c.filing_indicator),
            s(&c.payer_control_number),
            s(c.facility_type.as_deref().unwrap_or("")),
            s(c.frequency.as_deref().unwrap_or("")),
        ]),
    )?;
    cas(w, &c.adjustments)?;
    nm1_as(w, "QC", "1", &c.patient, "MI")?;
    if let Some((from, to)) = &c.statement_period {
        w.segment("DTM", &[s("232"), s(from)])?;
        w.segment("DTM", &[s("233"), s(to)])?;
    }
    for l in &c.lines {
        let mut proc: Vec<&str> = vec!["HC", &l.procedure];
        proc.extend(l.modifiers.iter().take(4).map(String::as_str));
        let (charge, paid) = (l.charge.to_string(), l.paid.to_string());
        let units = l.units.map(|u| u.to_string()).unwrap_or_default();
        w.segment(
            "SVC",
            &trim(vec![
                Field::Composite(&proc),
                s(&charge),
                s(&paid),
                s(l.revenue_code.as_deref().unwrap_or("")),
                s(&units),
            ]),
        )?;
        if let Some(d) = &l.date {
            w.segment("DTM", &[s("472"), s(d)])?;
        }
        cas(w, &l.adjustments)?;
        if let Some(a) = l.allowed {
            w.segment("AMT", &[s("B6"), s(&a.to_string())])?;
        }
    }
    Ok(())
}
