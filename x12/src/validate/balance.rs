//! SNIP 3 balancing of 835 remittances and 837 claims, in exact fixed-point arithmetic.

use super::BalanceError;
use crate::view::{Segment, TransactionSet};

/// Amounts scaled by 10^SCALE in an `i128`: exact for every value
/// [`Decimal`](crate::Decimal) holds (an `i64` mantissa, at most 18 decimals).
const SCALE: u32 = crate::decimal::MAX_SCALE as u32;

/// Reads an X12 decimal (`-12.5`, `100`, `.25`) with [`Decimal::parse`](crate::Decimal::parse),
/// the grammar the element check and the models use, as a fixed-point integer; `None`
/// when it is not one.
pub(crate) fn amount(v: &[u8]) -> Option<i128> {
    let d = crate::Decimal::parse(v).ok()?;
    let up = 10i128.checked_pow(SCALE.checked_sub(d.scale())?)?;
    i128::from(d.mantissa()).checked_mul(up)
}

/// One balancing failure: where (position in the set, element) and what.
pub(crate) struct Imbalance {
    pub(crate) error: BalanceError,
    pub(crate) position: usize,
    pub(crate) element: usize,
}

/// Sums amounts; `None` once any is unreadable (its element check reports it).
#[derive(Clone, Copy)]
struct Sum(Option<i128>);

impl Sum {
    fn zero() -> Sum {
        Sum(Some(0))
    }
    fn add(&mut self, v: Option<i128>) {
        self.0 = match (self.0, v) {
            (Some(a), Some(b)) => a.checked_add(b),
            _ => None,
        };
    }
}

/// Adds an element's amount when the element is present (absent counts as zero).
fn opt_amount(seg: &Segment<'_>, k: usize) -> Option<i128> {
    let raw = seg.raw_element(k);
    if raw.is_empty() {
        Some(0)
    } else {
        amount(raw)
    }
}

/// The monetary amounts of a CAS segment (CAS03, 06, 09, 12, 15, 18).
fn cas_total(seg: &Segment<'_>) -> Option<i128> {
    let mut s = Sum::zero();
    for k in [3, 6, 9, 12, 15, 18] {
        s.add(opt_amount(seg, k));
    }
    s.0
}

/// Balances an 835: per line, per claim, and the payment total.
pub(crate) fn remittance(set: &TransactionSet<'_>, out: &mut Vec<Imbalance>) {
    struct Line {
        pos: usize,
        charge: Option<i128>,
        paid: Option<i128>,
        cas: Sum,
    }
    struct Claim {
        pos: usize,
        charge: Option<i128>,
        paid: Option<i128>,
        cas: Sum,
    }
    let mut bpr: Option<(usize, Option<i128>)> = None;
    let mut paid_total = Sum::zero();
    let mut plb_total = Sum::zero();
    let mut claim: Option<Claim> = None;
    let mut line: Option<Line> = None;
    let close_line =
        |line: &mut Option<Line>, claim: &mut Option<Claim>, out: &mut Vec<Imbalance>| {
            if let Some(l) = line.take() {
                if let (Some(c), Some(p), Some(a)) = (l.charge, l.paid, l.cas.0) {
                    if c - p != a {
                        out.push(Imbalance {
                            error: BalanceError::LineAdjustments,
                            position: l.pos,
                            element: 2,
                        });
                    }
                }
                if let Some(cl) = claim.as_mut() {
                    cl.cas.add(l.cas.0);
                }
            }
        };
    let close_claim = |claim: &mut Option<Claim>, out: &mut Vec<Imbalance>| {
        if let Some(c) = claim.take() {
            if let (Some(ch), Some(p), Some(a)) = (c.charge, c.paid, c.cas.0) {
                if ch - p != a {
                    out.push(Imbalance {
                        error: BalanceError::ClaimAdjustments,
                        position: c.pos,
                        element: 3,
                    });
                }
            }
        }
    };
    for (pos, seg) in set.segments().enumerate() {
        match seg.id() {
            b"BPR" => bpr = Some((pos, amount(seg.raw_element(2)))),
            b"CLP" => {
                close_line(&mut line, &mut claim, out);
                close_claim(&mut claim, out);
                let paid = amount(seg.raw_element(4));
                paid_total.add(paid);
                claim = Some(Claim {
                    pos,
                    charge: amount(seg.raw_element(3)),
                    paid,
                    cas: Sum::zero(),
                });
            }
            b"SVC" if claim.is_some() => {
                close_line(&mut line, &mut claim, out);
                line = Some(Line {
                    pos,
                    charge: amount(seg.raw_element(2)),
                    paid: amount(seg.raw_element(3)),
                    cas: Sum::zero(),
                });
            }
            b"CAS" => {
                let total = cas_total(&seg);
                if let Some(l) = line.as_mut() {
                    l.cas.add(total);
                } else if let Some(c) = claim.as_mut() {
                    c.cas.add(total);
                }
            }
            b"LX" | b"PLB" | b"SE" => {
                close_line(&mut line, &mut claim, out);
                close_claim(&mut claim, out);
                if seg.id() == b"PLB" {
                    for k in [4, 6, 8, 10, 12, 14] {
                        plb_total.add(opt_amount(&seg, k));
                    }
                }
            }
            _ => {}
        }
    }
    close_line(&mut line, &mut claim, out);
    close_claim(&mut claim, out);
    if let Some((pos, Some(total))) = bpr {
        if let (Some(paid), Some(plb)) = (paid_total.0, plb_total.0) {
            if total != paid - plb {
                out.push(Imbalance {
                    error: BalanceError::PaymentTotal,
                    position: pos,
                    element: 2,
                });
            }
        }
    }
}

/// Balances an 837: each CLM02 against its service lines' charges (SV1-02, SV2-03,
/// SV3-02). A claim without service lines is not checked.
pub(crate) fn claims(set: &TransactionSet<'_>, out: &mut Vec<Imbalance>) {
    let mut open: Option<(usize, Option<i128>, Sum, bool)> = None;
    let close = |open: &mut Option<(usize, Option<i128>, Sum, bool)>, out: &mut Vec<Imbalance>| {
        if let Some((pos, Some(total), sum, true)) = open.take() {
            if let Some(s) = sum.0 {
                if s != total {
                    out.push(Imbalance {
                        error: BalanceError::ClaimCharge,
                        position: pos,
                        element: 2,
                    });
                }
            }
        }
    };
    for (pos, seg) in set.segments().enumerate() {
        let line_charge = match seg.id() {
            b"CLM" => {
                close(&mut open, out);
                open = Some((pos, amount(seg.raw_element(2)), Sum::zero(), false));
                continue;
            }
            b"HL" | b"SE" => {
                close(&mut open, out);
                continue;
            }
            b"SV1" | b"SV3" => 2,
            b"SV2" => 3,
            _ => continue,
        };
        if let Some((_, _, sum, lines)) = open.as_mut() {
            sum.add(amount(seg.raw_element(line_charge)));
            *lines = true;
        }
    }
    close(&mut open, out);
}

#[cfg(test)]
mod tests {
    use super::amount;

    #[test]
    fn amounts_are_exact() {
        const ONE: i128 = 1_000_000_000_000_000_000;
        assert_eq!(amount(b"100"), Some(100 * ONE));
        assert_eq!(amount(b"-12.5"), Some(-12 * ONE - ONE / 2));
        assert_eq!(amount(b".25"), Some(ONE / 4));
        assert_eq!(amount(b"0.1"), amount(b"0.10"));
        assert_eq!(amount(b"1.0000000001"), Some(ONE + 100_000_000));
        assert_eq!(
            amount(b"-9223372036854775808"),
            Some(i128::from(i64::MIN) * ONE)
        );
        assert_eq!(amount(b""), None);
        assert_eq!(amount(b"-"), None);
        assert_eq!(amount(b"+5"), None);
        assert_eq!(amount(b"1.2.3"), None);
        assert_eq!(amount(b"1e5"), None);
        assert_eq!(amount(&[b'9'; 60]), None);
    }
}
