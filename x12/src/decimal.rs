//! [`Decimal`]: exact fixed-point numbers for X12 `R` (decimal) and `N` elements.
//!
//! Money, percentages and quantities in an 837 or 835 are decimal text (`150`,
//! `-10.5`, `.8`). A binary float cannot hold most of them exactly, and a sum of
//! claim charges must balance to the cent, so they are read into an `i64` mantissa and
//! a power-of-ten scale: `-10.50` is `-1050 × 10⁻²`. Arithmetic is exact; anything
//! that would not fit is an error, never a panic and never a rounding.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::iter::Sum;
use std::ops::{Add, Sub};
use std::str::FromStr;

/// Largest accepted scale (digits after the decimal point).
pub const MAX_SCALE: u8 = 18;

/// Why a [`Decimal`] could not be read or computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecimalError {
    /// No digits at all (`""`, `"."`); a lone `"-"` is [`DecimalError::Invalid`].
    Empty,
    /// A byte that is not a digit, or a sign or decimal point in the wrong place.
    Invalid,
    /// The value does not fit an `i64` mantissa, or has more than 18
    /// fraction digits.
    Overflow,
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecimalError::Empty => "decimal has no digits",
            DecimalError::Invalid => "not a decimal number",
            DecimalError::Overflow => "decimal out of range",
        })
    }
}

impl std::error::Error for DecimalError {}

/// An exact decimal number: an `i64` mantissa scaled by `10^-scale` (scale 0–18).
///
/// Parsed from X12 text as written (`"100"`, `"100.00"`, `"-10.5"`, `".8"`), and
/// displayed the same way: the scale read is the scale shown, so `100.00` stays
/// `100.00`. Equality, ordering and hashing are by value (`1.5 == 1.50`).
///
/// `+` and `-` never panic: they give a `Result` (overflow is
/// [`DecimalError::Overflow`]), which can itself be added to, so a chain is checked
/// once at the end. `Sum` works the same way.
///
/// With the `serde` feature a `Decimal` serializes as a JSON *string* holding its exact
/// text (`"150.25"`), never as a float.
///
/// # Examples
/// ```
/// use carewire_x12::{Decimal, DecimalError};
/// let charge: Decimal = "150.25".parse()?;
/// let paid = Decimal::parse(b"100")?;
/// let adjusted = Decimal::parse(b"-50.25")?;
/// assert_eq!((paid - adjusted)?, charge);
/// assert_eq!((charge - paid - Decimal::parse(b"50.25")?)?, Decimal::ZERO);
/// let total: Result<Decimal, DecimalError> = [charge, paid].into_iter().sum();
/// assert_eq!(total?.to_string(), "250.25");
/// assert_eq!(Decimal::parse(b"99999999999999999999"), Err(DecimalError::Overflow));
/// # Ok::<(), DecimalError>(())
/// ```
#[derive(Clone, Copy, Default)]
pub struct Decimal {
    mantissa: i64,
    scale: u8,
}

const POW10: [i64; 19] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
];

fn pow10(n: u8) -> i64 {
    POW10.get(n as usize).copied().unwrap_or(i64::MAX)
}

/// X12 numeric text split into its parts: what [`lex`] found.
///
/// Length as X12 counts it ([`Numeric::digits`]: without sign and point) and the value
/// come from the same scan, so a syntax check and a read cannot disagree.
///
/// No `Debug`: it holds the value.
#[derive(Clone, Copy)]
pub(crate) struct Numeric {
    /// A leading `-`.
    negative: bool,
    /// Digits, leading and trailing zeros included.
    pub(crate) digits: usize,
    /// Whether a decimal point was written (never in an `Nn` value).
    pub(crate) point: bool,
    /// Digits after the point.
    scale: usize,
    /// The digits as an integer, accumulated negatively so `i64::MIN` is reachable;
    /// `None` once it left the `i64` range.
    neg_mantissa: Option<i64>,
}

/// Scans X12 numeric text: an optional `-`, then digits with at most one `.`, at least
/// one digit. The only place in the crate that decides what an X12 number looks like
/// (X12.6 3.7.1 `Nn`, 3.7.2 `R`): no `+`, no exponent, no spaces; leading and trailing
/// zeros are allowed.
///
/// # Errors
/// [`DecimalError::Empty`] for nothing but (at most) points, [`DecimalError::Invalid`]
/// for any other text without digits or with a byte out of place. Range is not
/// checked here: see [`Numeric::value`].
pub(crate) fn lex(text: &[u8]) -> Result<Numeric, DecimalError> {
    let (negative, body) = match text {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    let mut acc = Some(0i64);
    let mut digits = 0usize;
    let mut scale = 0usize;
    let mut point = false;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                scale += usize::from(point);
                let d = i64::from(b - b'0');
                acc = acc.and_then(|m| m.checked_mul(10)?.checked_sub(d));
            }
            b'.' if !point => point = true,
            _ => return Err(DecimalError::Invalid),
        }
    }
    if digits == 0 {
        // A lone sign is malformed; nothing (or only a point) is an empty value.
        return Err(if negative {
            DecimalError::Invalid
        } else {
            DecimalError::Empty
        });
    }
    Ok(Numeric {
        negative,
        digits,
        point,
        scale,
        neg_mantissa: acc,
    })
}

impl Numeric {
    /// The value as written (`R`): the scale is the number of digits after the point.
    ///
    /// # Errors
    /// [`DecimalError::Overflow`] when the digits do not fit an `i64` or there are more
    /// than 18 after the point.
    pub(crate) fn value(&self) -> Result<Decimal, DecimalError> {
        self.at_scale(self.scale)
    }

    /// The value of an `Nn` element: `places` implied decimals (`N2` `"1050"` is
    /// `10.50`).
    ///
    /// # Errors
    /// [`DecimalError::Invalid`] when a point was written, [`DecimalError::Overflow`] as
    /// for [`Numeric::value`].
    pub(crate) fn implied(&self, places: usize) -> Result<Decimal, DecimalError> {
        if self.point {
            return Err(DecimalError::Invalid);
        }
        self.at_scale(places)
    }

    fn at_scale(&self, scale: usize) -> Result<Decimal, DecimalError> {
        let neg = self.neg_mantissa.ok_or(DecimalError::Overflow)?;
        let mantissa = if self.negative {
            neg
        } else {
            neg.checked_neg().ok_or(DecimalError::Overflow)?
        };
        match u8::try_from(scale) {
            Ok(scale) if scale <= MAX_SCALE => Ok(Decimal { mantissa, scale }),
            _ => Err(DecimalError::Overflow),
        }
    }
}

impl Decimal {
    /// Zero (scale 0).
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa × 10^-scale`.
    ///
    /// # Errors
    /// [`DecimalError::Overflow`] when `scale` exceeds 18.
    pub fn new(mantissa: i64, scale: u32) -> Result<Decimal, DecimalError> {
        if scale > MAX_SCALE as u32 {
            return Err(DecimalError::Overflow);
        }
        Ok(Decimal {
            mantissa,
            scale: scale as u8,
        })
    }

    /// A whole number.
    pub fn from_i64(value: i64) -> Decimal {
        Decimal {
            mantissa: value,
            scale: 0,
        }
    }

    /// Reads X12 decimal (`R`) text: an optional minus, digits, at most one decimal
    /// point (`"12"`, `"-12.50"`, `".5"`, `"5."`, `"007"`). No plus sign, no spaces, no
    /// exponent (X12.6 3.7.2).
    ///
    /// This is the one grammar of X12 numbers in the crate: the element validator
    /// (`R` and `Nn` syntax) and the SNIP 3 balancing read values through it too, so a
    /// value the validator accepts is one the models can read, and the reverse.
    ///
    /// # Errors
    /// [`DecimalError::Empty`] without digits, [`DecimalError::Invalid`] for any
    /// other byte, [`DecimalError::Overflow`] when it does not fit.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::{Decimal, DecimalError};
    /// assert_eq!(Decimal::parse(b"-.50")?.to_string(), "-0.50");
    /// assert_eq!(Decimal::parse(b"+5"), Err(DecimalError::Invalid));
    /// # Ok::<(), DecimalError>(())
    /// ```
    pub fn parse(text: &[u8]) -> Result<Decimal, DecimalError> {
        lex(text)?.value()
    }

    /// The unscaled integer: `-10.50` has mantissa `-1050`.
    pub fn mantissa(&self) -> i64 {
        self.mantissa
    }

    /// Digits after the decimal point: `-10.50` has scale 2.
    pub fn scale(&self) -> u32 {
        u32::from(self.scale)
    }

    /// Is the value below zero?
    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// Is the value zero (at any scale)?
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// The same value at `scale` digits after the point (`1.5` at scale 2 is `1.50`).
    ///
    /// # Errors
    /// [`DecimalError::Overflow`] when it does not fit, or when `scale` is smaller and
    /// the value has non-zero digits that would be dropped (no rounding is done).
    pub fn rescale(&self, scale: u32) -> Result<Decimal, DecimalError> {
        if scale > MAX_SCALE as u32 {
            return Err(DecimalError::Overflow);
        }
        let scale = scale as u8;
        if scale >= self.scale {
            let m = self
                .mantissa
                .checked_mul(pow10(scale - self.scale))
                .ok_or(DecimalError::Overflow)?;
            return Ok(Decimal { mantissa: m, scale });
        }
        let f = pow10(self.scale - scale);
        if self.mantissa % f != 0 {
            return Err(DecimalError::Overflow);
        }
        Ok(Decimal {
            mantissa: self.mantissa / f,
            scale,
        })
    }

    /// The same value without trailing fraction zeros (`1.50` → `1.5`, `2.00` → `2`).
    pub fn normalized(&self) -> Decimal {
        let (mut m, mut s) = (self.mantissa, self.scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        Decimal {
            mantissa: m,
            scale: s,
        }
    }

    /// Both values at their common (larger) scale.
    fn aligned(a: Decimal, b: Decimal) -> Result<(i64, i64, u8), DecimalError> {
        let scale = a.scale.max(b.scale);
        let am = a
            .mantissa
            .checked_mul(pow10(scale - a.scale))
            .ok_or(DecimalError::Overflow)?;
        let bm = b
            .mantissa
            .checked_mul(pow10(scale - b.scale))
            .ok_or(DecimalError::Overflow)?;
        Ok((am, bm, scale))
    }

    /// `self + other`, exactly, at the larger of the two scales.
    ///
    /// # Errors
    /// [`DecimalError::Overflow`] when the result does not fit.
    pub fn checked_add(self, other: Decimal) -> Result<Decimal, DecimalError> {
        let (a, b, scale) = Decimal::aligned(self, other)?;
        let mantissa = a.checked_add(b).ok_or(DecimalError::Overflow)?;
        Ok(Decimal { mantissa, scale })
    }

    /// `self - other`, exactly, at the larger of the two scales.
    ///
    /// # Errors
    /// [`DecimalError::Overflow`] when the result does not fit.
    pub fn checked_sub(self, other: Decimal) -> Result<Decimal, DecimalError> {
        let (a, b, scale) = Decimal::aligned(self, other)?;
        let mantissa = a.checked_sub(b).ok_or(DecimalError::Overflow)?;
        Ok(Decimal { mantissa, scale })
    }

    /// `-self`.
    ///
    /// # Errors
    /// [`DecimalError::Overflow`] for the one value whose negation does not fit.
    pub fn checked_neg(self) -> Result<Decimal, DecimalError> {
        Ok(Decimal {
            mantissa: self.mantissa.checked_neg().ok_or(DecimalError::Overflow)?,
            scale: self.scale,
        })
    }

    /// Sum of an iterator of values; `Ok(Decimal::ZERO)` when empty.
    ///
    /// # Errors
    /// [`DecimalError::Overflow`] when any partial sum does not fit.
    pub fn try_sum<I: IntoIterator<Item = Decimal>>(values: I) -> Result<Decimal, DecimalError> {
        values
            .into_iter()
            .try_fold(Decimal::ZERO, Decimal::checked_add)
    }

    /// The value as `i128` units of `10^-scale` (for exact comparison).
    fn at_scale(&self, scale: u8) -> i128 {
        let f = 10i128.pow(u32::from(scale.saturating_sub(self.scale)));
        i128::from(self.mantissa) * f
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        self.at_scale(scale).cmp(&other.at_scale(scale))
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.mantissa.hash(state);
        n.scale.hash(state);
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            write!(f, "{sign}{int}.{frac}")
        } else {
            write!(f, "{sign}0.{:0>scale$}", digits)
        }
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Decimal, DecimalError> {
        Decimal::parse(s.as_bytes())
    }
}

impl From<i64> for Decimal {
    fn from(v: i64) -> Decimal {
        Decimal::from_i64(v)
    }
}

impl From<i32> for Decimal {
    fn from(v: i32) -> Decimal {
        Decimal::from_i64(i64::from(v))
    }
}

impl Add for Decimal {
    type Output = Result<Decimal, DecimalError>;

    fn add(self, rhs: Decimal) -> Result<Decimal, DecimalError> {
        self.checked_add(rhs)
    }
}

impl Sub for Decimal {
    type Output = Result<Decimal, DecimalError>;

    fn sub(self, rhs: Decimal) -> Result<Decimal, DecimalError> {
        self.checked_sub(rhs)
    }
}

/// `(a + b) + c`: a chain carries its first error.
impl Add<Decimal> for Result<Decimal, DecimalError> {
    type Output = Result<Decimal, DecimalError>;

    fn add(self, rhs: Decimal) -> Result<Decimal, DecimalError> {
        self?.checked_add(rhs)
    }
}

/// `(a - b) - c`: a chain carries its first error.
impl Sub<Decimal> for Result<Decimal, DecimalError> {
    type Output = Result<Decimal, DecimalError>;

    fn sub(self, rhs: Decimal) -> Result<Decimal, DecimalError> {
        self?.checked_sub(rhs)
    }
}

impl Sum<Decimal> for Result<Decimal, DecimalError> {
    fn sum<I: Iterator<Item = Decimal>>(iter: I) -> Self {
        Decimal::try_sum(iter)
    }
}

impl<'a> Sum<&'a Decimal> for Result<Decimal, DecimalError> {
    fn sum<I: Iterator<Item = &'a Decimal>>(iter: I) -> Self {
        Decimal::try_sum(iter.copied())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Decimal {
    /// From a string holding decimal text, or from a JSON integer.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number as a string, or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                Decimal::parse(v.as_bytes()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal::from_i64(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
                i64::try_from(v)
                    .map(Decimal::from_i64)
                    .map_err(|_| E::custom(DecimalError::Overflow))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("valid decimal")
    }

    #[test]
    fn parses_x12_decimal_forms() {
        for (text, m, s, shown) in [
            ("0", 0, 0, "0"),
            ("150", 150, 0, "150"),
            ("150.25", 15025, 2, "150.25"),
            ("100.00", 10000, 2, "100.00"),
            ("-10.5", -105, 1, "-10.5"),
            (".8", 8, 1, "0.8"),
            ("-.05", -5, 2, "-0.05"),
            ("5.", 5, 0, "5"),
            ("007", 7, 0, "7"),
            ("-0", 0, 0, "0"),
        ] {
            let v = d(text);
            assert_eq!((v.mantissa(), v.scale()), (m, s), "{text}");
            assert_eq!(v.to_string(), shown, "{text}");
        }
        assert_eq!(d("9223372036854775807").mantissa(), i64::MAX);
        assert_eq!(d("-9223372036854775808").mantissa(), i64::MIN);
        assert_eq!(
            d("-922337203685477.5808").to_string(),
            "-922337203685477.5808"
        );
    }

    #[test]
    fn rejects_what_is_not_a_decimal() {
        for (text, err) in [
            ("", DecimalError::Empty),
            ("-", DecimalError::Invalid),
            (".", DecimalError::Empty),
            ("1.2.3", DecimalError::Invalid),
            ("1,5", DecimalError::Invalid),
            (" 1", DecimalError::Invalid),
            ("1e3", DecimalError::Invalid),
            ("--1", DecimalError::Invalid),
            ("+7", DecimalError::Invalid),
            ("+", DecimalError::Invalid),
            ("-.", DecimalError::Invalid),
            ("..", DecimalError::Invalid),
            ("1-", DecimalError::Invalid),
            ("9223372036854775808", DecimalError::Overflow),
            ("-9223372036854775809", DecimalError::Overflow),
            ("99999999999999999999999", DecimalError::Overflow),
            ("0.0000000000000000001", DecimalError::Overflow),
        ] {
            assert_eq!(Decimal::parse(text.as_bytes()), Err(err), "{text:?}");
        }
    }

    #[test]
    fn arithmetic_is_exact_and_checked() {
        assert_eq!((d("0.1") + d("0.2")).unwrap(), d("0.3"));
        assert_eq!((d("100") - d("150.25")).unwrap().to_string(), "-50.25");
        assert_eq!((d("100") + d("0.10")).unwrap().to_string(), "100.10");
        assert_eq!((d("1") + d("2") - d("3.00")).unwrap(), Decimal::ZERO);
        assert_eq!(
            d("9223372036854775807") + d("1"),
            Err(DecimalError::Overflow)
        );
        assert_eq!(
            d("-9223372036854775808") - d("1"),
            Err(DecimalError::Overflow)
        );
        // Aligning scales can overflow too.
        assert_eq!(
            (d("922337203685477580") + d("0.1")).unwrap().to_string(),
            "922337203685477580.1"
        );
        assert_eq!(
            d("922337203685477581") + d("0.1"),
            Err(DecimalError::Overflow)
        );
        assert_eq!(
            d("-9223372036854775808").checked_neg(),
            Err(DecimalError::Overflow)
        );
        let total: Result<Decimal, _> = ["10.25", "-0.25", "5"].iter().map(|s| d(s)).sum();
        assert_eq!(total.unwrap().to_string(), "15.00");
        let empty: Result<Decimal, _> = std::iter::empty::<Decimal>().sum();
        assert_eq!(empty, Ok(Decimal::ZERO));
        let over: Result<Decimal, _> = [d("9223372036854775807"), d("1")].iter().sum();
        assert_eq!(over, Err(DecimalError::Overflow));
    }

    #[test]
    fn equality_and_order_are_by_value() {
        use std::collections::HashSet;
        assert_eq!(d("1.5"), d("1.50"));
        assert!(d("-1") < d("0.001"));
        assert!(d("2") > d("1.999"));
        let set: HashSet<Decimal> = [d("1.5"), d("1.50"), d("1.500")].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_eq!(d("2.50").normalized().to_string(), "2.5");
        assert_eq!(d("1.5").rescale(3).unwrap().to_string(), "1.500");
        assert_eq!(d("1.50").rescale(1).unwrap().to_string(), "1.5");
        assert_eq!(d("1.55").rescale(1), Err(DecimalError::Overflow));
        assert_eq!(Decimal::new(5, 19), Err(DecimalError::Overflow));
        assert_eq!(Decimal::from(-3).to_string(), "-3");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serializes_as_an_exact_string() {
        let v = d("-1234567890123.45");
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, "\"-1234567890123.45\"");
        let back: Decimal = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        let int: Decimal = serde_json::from_str("42").unwrap();
        assert_eq!(int, d("42"));
        assert!(serde_json::from_str::<Decimal>("\"1e3\"").is_err());
    }
}
