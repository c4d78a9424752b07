//! HL7 date and time values: DTM and TS (HL7 v2.5 ch. 2.A.22 DTM, 2.A.77 TS), DT (2.A.21)
//! and TM (2.A.75).
//!
//! - DTM: `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` → [`DateTime`]
//! - TS (v2.5 and earlier): a DTM in the first component plus an optional degree of precision
//!   (`^D`, table 0529) in the second. The caller passes only the first component to
//!   [`DateTime::parse`]; the second component is deprecated and not interpreted here.
//! - DT: `YYYY[MM[DD]]` → [`Date`]
//! - TM: `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]` → [`Time`]
//!
//! Values keep exactly what was sent: the [`Precision`] (how many parts were present, and
//! how many fractional digits) and whether a UTC offset was present. Writing a parsed value
//! back (`to_hl7`) reproduces it; missing parts are never invented on the wire, only in the
//! chrono conversions, which document their defaults.
//!
//! Parsing is strict about structure (digits only, parts complete, nothing after the offset)
//! and validates ranges:
//! month 1–12, day valid for the month (leap years included), hour 0–23, minute 0–59,
//! second 0–60, 1–4 fractional digits (only after seconds), offset `-1200`..=`+1400` with
//! minutes below 60. Deliberate choices:
//! - second `60` is accepted anywhere as a leap second (HL7 does not forbid it; chrono
//!   represents it as second 59 with nanoseconds ≥ 1 000 000 000);
//! - hour `24` (an end-of-day convention) is rejected;
//! - year `0000` is accepted (any four digits);
//! - `-0000` is accepted and means UTC; it is written back as `+0000`.
//!
//! Errors ([`TsError`]) give the byte offset within the value and what was wrong, never the
//! value. `Debug` of the value types shows only the precision and whether an offset is
//! present, since dates such as PID-7 (date of birth) are patient data; use `to_hl7` or the
//! accessors for the content.

use std::fmt;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};

const NANOS_PER_SEC: u32 = 1_000_000_000;
/// Largest offsets allowed by HL7 (v2.5 ch. 2.A.22: `+/-ZZZZ`, real zones span
/// UTC-12:00..=UTC+14:00), in minutes.
const MAX_EAST_MINUTES: i32 = 14 * 60;
const MAX_WEST_MINUTES: i32 = 12 * 60;

/// Precision actually present in a value: the last part that was sent.
///
/// Ordered from coarsest to finest, so `p >= Precision::Day` asks "is the day present?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// `YYYY`
    Year,
    /// `YYYYMM`
    Month,
    /// `YYYYMMDD`
    Day,
    /// `…HH`
    Hour,
    /// `…HHMM`
    Minute,
    /// `…HHMMSS`
    Second,
    /// `…HHMMSS.S` to `…HHMMSS.SSSS`: the number of fractional digits, 1..=4.
    Fraction(u8),
}

impl Precision {
    /// Whether this precision can be written: `Fraction(n)` needs `n` in 1..=4.
    fn is_valid(self) -> bool {
        match self {
            Precision::Fraction(n) => (1..=4).contains(&n),
            _ => true,
        }
    }
}

/// Which HL7 data type a [`TsError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TemporalType {
    /// DTM (also the first component of TS), HL7 v2.5 ch. 2.A.22.
    Dtm,
    /// DT, HL7 v2.5 ch. 2.A.21.
    Dt,
    /// TM, HL7 v2.5 ch. 2.A.75.
    Tm,
}

impl fmt::Display for TemporalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TemporalType::Dtm => "DTM",
            TemporalType::Dt => "DT",
            TemporalType::Tm => "TM",
        })
    }
}

/// What was wrong with a date/time value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TsErrorKind {
    /// The value is empty (an empty field is the caller's concern, not a date).
    Empty,
    /// A byte that is not allowed where it stands (a non-digit inside a part, or anything
    /// after the last part).
    UnexpectedByte,
    /// The value ends inside a part (an odd number of digits, or fewer than four year digits).
    Truncated,
    /// Month outside 1–12.
    InvalidMonth,
    /// Day outside the month (including 29 February outside leap years).
    InvalidDay,
    /// Hour outside 0–23.
    InvalidHour,
    /// Minute outside 0–59.
    InvalidMinute,
    /// Second outside 0–60.
    InvalidSecond,
    /// Fractional seconds without seconds, with no digits, or with more than four digits.
    InvalidFraction,
    /// UTC offset not `+/-HHMM`, minutes ≥ 60, or outside `-1200`..=`+1400`.
    InvalidOffset,
}

impl fmt::Display for TsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TsErrorKind::Empty => "empty value",
            TsErrorKind::UnexpectedByte => "unexpected byte",
            TsErrorKind::Truncated => "truncated date/time part",
            TsErrorKind::InvalidMonth => "invalid month",
            TsErrorKind::InvalidDay => "invalid day",
            TsErrorKind::InvalidHour => "invalid hour",
            TsErrorKind::InvalidMinute => "invalid minute",
            TsErrorKind::InvalidSecond => "invalid second",
            TsErrorKind::InvalidFraction => "invalid fractional seconds",
            TsErrorKind::InvalidOffset => "invalid utc offset",
        })
    }
}

/// Why a DTM/TS, DT or TM value did not parse: the kind and the byte offset within the value
/// (0-based, relative to the slice passed to `parse`), never the value itself.
///
/// Displays as e.g. `invalid month at byte 4 of DTM value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TsError {
    kind: TsErrorKind,
    position: usize,
    value_type: TemporalType,
}

impl TsError {
    /// What was wrong.
    pub fn kind(&self) -> TsErrorKind {
        self.kind
    }

    /// Byte offset within the value where the offending part starts (for
    /// [`TsErrorKind::UnexpectedByte`]: the offending byte).
    pub fn position(&self) -> usize {
        self.position
    }

    /// The data type being parsed.
    pub fn value_type(&self) -> TemporalType {
        self.value_type
    }
}

impl fmt::Display for TsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == TsErrorKind::Empty {
            write!(f, "empty {} value", self.value_type)
        } else {
            write!(
                f,
                "{} at byte {} of {} value",
                self.kind, self.position, self.value_type
            )
        }
    }
}

impl std::error::Error for TsError {}

/// A parsed DTM (or the first component of a TS), keeping exactly what was sent.
///
/// Parts below the precision are stored as their defaults (month and day 1, time 0), so two
/// values parsed from the same text are equal, and values differing only in precision are not.
///
/// # Examples
///
/// ```
/// # use carewire_hl7::datatypes::{DateTime, Precision};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ts = DateTime::parse(b"198807050000")?;
/// assert_eq!(ts.precision(), Precision::Minute);
/// assert_eq!(ts.second(), None);
/// assert_eq!(ts.offset(), None);
/// assert_eq!(ts.to_hl7(), "198807050000");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    date: NaiveDate,
    time: NaiveTime,
    precision: Precision,
    offset: Option<FixedOffset>,
}

impl DateTime {
    /// Parses a DTM value (HL7 v2.5 ch. 2.A.22),
    /// `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`; for a TS, pass the first component.
    ///
    /// # Errors
    ///
    /// [`TsError`] with the byte offset and kind. Parsing is strict about structure (digits
    /// only, every part complete, nothing after the offset) and validates ranges: month
    /// 1–12, day valid for the month (leap years included), hour 0–23, minute 0–59, second
    /// 0–60, 1–4 fractional digits and only after seconds, offset `-1200`..=`+1400` with
    /// minutes below 60. Deliberate choices:
    /// - second `60` is accepted anywhere as a leap second (HL7 does not forbid it; chrono
    ///   represents it as second 59 with nanoseconds ≥ 1 000 000 000);
    /// - hour `24` (an end-of-day convention) is rejected;
    /// - year `0000` is accepted (any four digits);
    /// - `-0000` is accepted and means UTC; it is written back as `+0000`;
    /// - no whitespace, `T` separator or `Z` suffix is accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// # use carewire_hl7::datatypes::{DateTime, Precision};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let ts = DateTime::parse(b"19760704010159-0600")?;
    /// assert_eq!((ts.year(), ts.month(), ts.day()), (1976, Some(7), Some(4)));
    /// assert_eq!(ts.offset().map(|o| o.local_minus_utc()), Some(-6 * 3600));
    /// assert_eq!(
    ///     DateTime::parse(b"201313").map_err(|e| e.to_string()),
    ///     Err("invalid month at byte 4 of DTM value".to_string())
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(s: &[u8]) -> Result<DateTime, TsError> {
        let mut cur = Cursor::new(s, TemporalType::Dtm)?;
        let (date, mut precision) = cur.date()?;
        let mut time = NaiveTime::MIN;
        if precision == Precision::Day && cur.next_is_digit() {
            (time, precision) = cur.time()?;
        }
        let offset = cur.offset()?;
        cur.end()?;
        Ok(DateTime {
            date,
            time,
            precision,
            offset,
        })
    }

    /// Builds a value from a local date and time with no UTC offset, keeping only the parts
    /// `precision` asks for (finer parts are truncated, never rounded; a leap second is kept
    /// as second 60 when seconds are kept).
    ///
    /// Returns `None` when the year is outside 0..=9999 (DTM has four year digits) or
    /// `precision` is `Fraction(n)` with `n` outside 1..=4.
    pub fn from_naive(dt: &NaiveDateTime, precision: Precision) -> Option<DateTime> {
        Some(DateTime {
            date: truncate_date(dt.date(), precision)?,
            time: truncate_time(dt.time(), precision)?,
            precision,
            offset: None,
        })
    }

    /// Builds a value from a chrono date-time with offset, keeping only the parts
    /// `precision` asks for (as [`DateTime::from_naive`]) and the offset.
    ///
    /// Returns `None` when the year is outside 0..=9999, `precision` is invalid, or the offset
    /// cannot be written as HL7 `+/-ZZZZ`: not whole minutes, or outside `-1200`..=`+1400`.
    pub fn from_chrono(
        dt: &chrono::DateTime<FixedOffset>,
        precision: Precision,
    ) -> Option<DateTime> {
        let offset = valid_offset(*dt.offset())?;
        let mut value = DateTime::from_naive(&dt.naive_local(), precision)?;
        value.offset = Some(offset);
        Some(value)
    }

    /// The precision that was sent.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The UTC offset, if one was sent (`+/-ZZZZ`).
    pub fn offset(&self) -> Option<FixedOffset> {
        self.offset
    }

    /// The year (always present), 0..=9999.
    pub fn year(&self) -> i32 {
        self.date.year()
    }

    /// The month, 1..=12, if sent.
    pub fn month(&self) -> Option<u32> {
        (self.precision >= Precision::Month).then(|| self.date.month())
    }

    /// The day of the month, 1..=31, if sent.
    pub fn day(&self) -> Option<u32> {
        (self.precision >= Precision::Day).then(|| self.date.day())
    }

    /// The hour, 0..=23, if sent.
    pub fn hour(&self) -> Option<u32> {
        (self.precision >= Precision::Hour).then(|| self.time.hour())
    }

    /// The minute, 0..=59, if sent.
    pub fn minute(&self) -> Option<u32> {
        (self.precision >= Precision::Minute).then(|| self.time.minute())
    }

    /// The second, 0..=60 (60 is a leap second), if sent.
    pub fn second(&self) -> Option<u32> {
        (self.precision >= Precision::Second).then(|| second_of(self.time))
    }

    /// The fractional second in nanoseconds (0..1 000 000 000), if fractional digits were
    /// sent; `.1` is 100 000 000.
    pub fn nanosecond(&self) -> Option<u32> {
        matches!(self.precision, Precision::Fraction(_))
            .then(|| self.time.nanosecond() % NANOS_PER_SEC)
    }

    /// The date part as a [`Date`] (DT), with precision at most [`Precision::Day`].
    pub fn date(&self) -> Date {
        Date {
            date: self.date,
            precision: self.precision.min(Precision::Day),
        }
    }

    /// The time part as a [`Time`] (TM) with this value's offset, if an hour was sent.
    pub fn time(&self) -> Option<Time> {
        (self.precision >= Precision::Hour).then_some(Time {
            time: self.time,
            precision: self.precision,
            offset: self.offset,
        })
    }

    /// The date; a missing month or day is 1.
    pub fn naive_date(&self) -> NaiveDate {
        self.date
    }

    /// The local date and time; a missing month or day is 1, missing time parts are 0. A leap
    /// second is chrono's representation (second 59, nanoseconds ≥ 1 000 000 000).
    pub fn naive(&self) -> NaiveDateTime {
        NaiveDateTime::new(self.date, self.time)
    }

    /// The instant, when an offset was sent; `None` without one (the local time of an unknown
    /// zone is not an instant). Missing parts default as in [`DateTime::naive`].
    pub fn with_offset(&self) -> Option<chrono::DateTime<FixedOffset>> {
        let offset = self.offset?;
        offset.from_local_datetime(&self.naive()).single()
    }

    /// Writes the value as HL7 DTM with exactly the precision and offset it has.
    ///
    /// `parse(x.to_hl7()) == x` for every value; `parse(s)?.to_hl7() == s` for every valid
    /// `s` except that an offset `-0000` is written `+0000`.
    pub fn to_hl7(&self) -> String {
        let mut out = String::with_capacity(24);
        // Writing to a String cannot fail.
        let _ = self.write_hl7(&mut out);
        out
    }

    /// Writes the value as [`DateTime::to_hl7`] does, into any [`fmt::Write`].
    ///
    /// # Errors
    ///
    /// Only those of the writer.
    pub fn write_hl7<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        write_date(w, self.date, self.precision)?;
        if self.precision >= Precision::Hour {
            write_time(w, self.time, self.precision)?;
        }
        write_offset(w, self.offset)
    }
}

impl fmt::Debug for DateTime {
    /// Redacted: shows the precision and whether an offset is present, not the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DateTime")
            .field("precision", &self.precision)
            .field("has_offset", &self.offset.is_some())
            .finish_non_exhaustive()
    }
}

/// A parsed DT value (HL7 v2.5 ch. 2.A.21), `YYYY[MM[DD]]`, keeping the precision sent
/// ([`Precision::Year`], [`Precision::Month`] or [`Precision::Day`]).
///
/// # Examples
///
/// ```
/// # use carewire_hl7::datatypes::{Date, Precision};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dob = Date::parse(b"200601")?;
/// assert_eq!((dob.year(), dob.month(), dob.day()), (2006, Some(1), None));
/// assert_eq!(dob.to_hl7(), "200601");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    date: NaiveDate,
    precision: Precision,
}

impl Date {
    /// Parses a DT value, `YYYY[MM[DD]]`. DT has no time and no offset.
    ///
    /// # Errors
    ///
    /// [`TsError`] with the byte offset and kind; the rules are those of
    /// [`DateTime::parse`].
    pub fn parse(s: &[u8]) -> Result<Date, TsError> {
        let mut cur = Cursor::new(s, TemporalType::Dt)?;
        let (date, precision) = cur.date()?;
        cur.end()?;
        Ok(Date { date, precision })
    }

    /// Builds a value from a chrono date, keeping the parts `precision` asks for.
    ///
    /// Returns `None` when `precision` is finer than [`Precision::Day`] or the year is outside
    /// 0..=9999.
    pub fn new(date: NaiveDate, precision: Precision) -> Option<Date> {
        if precision > Precision::Day {
            return None;
        }
        Some(Date {
            date: truncate_date(date, precision)?,
            precision,
        })
    }

    /// The precision that was sent.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The year (always present), 0..=9999.
    pub fn year(&self) -> i32 {
        self.date.year()
    }

    /// The month, 1..=12, if sent.
    pub fn month(&self) -> Option<u32> {
        (self.precision >= Precision::Month).then(|| self.date.month())
    }

    /// The day of the month, if sent.
    pub fn day(&self) -> Option<u32> {
        (self.precision >= Precision::Day).then(|| self.date.day())
    }

    /// The date; a missing month or day is 1.
    pub fn naive_date(&self) -> NaiveDate {
        self.date
    }

    /// Writes the value as HL7 DT with exactly the precision it has.
    pub fn to_hl7(&self) -> String {
        let mut out = String::with_capacity(8);
        // Writing to a String cannot fail.
        let _ = self.write_hl7(&mut out);
        out
    }

    /// Writes the value as [`Date::to_hl7`] does, into any [`fmt::Write`].
    ///
    /// # Errors
    ///
    /// Only those of the writer.
    pub fn write_hl7<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        write_date(w, self.date, self.precision)
    }
}

impl fmt::Debug for Date {
    /// Redacted: shows the precision, not the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Date")
            .field("precision", &self.precision)
            .finish_non_exhaustive()
    }
}

/// A parsed TM value (HL7 v2.5 ch. 2.A.75), `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]`, keeping the
/// precision ([`Precision::Hour`] or finer) and offset sent.
///
/// # Examples
///
/// ```
/// # use carewire_hl7::datatypes::{Precision, Time};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tm = Time::parse(b"0930+0100")?;
/// assert_eq!((tm.hour(), tm.minute(), tm.second()), (9, Some(30), None));
/// assert_eq!(tm.to_hl7(), "0930+0100");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    time: NaiveTime,
    precision: Precision,
    offset: Option<FixedOffset>,
}

impl Time {
    /// Parses a TM value, `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]`.
    ///
    /// # Errors
    ///
    /// [`TsError`] with the byte offset and kind; the rules are those of
    /// [`DateTime::parse`].
    pub fn parse(s: &[u8]) -> Result<Time, TsError> {
        let mut cur = Cursor::new(s, TemporalType::Tm)?;
        let (time, precision) = cur.time()?;
        let offset = cur.offset()?;
        cur.end()?;
        Ok(Time {
            time,
            precision,
            offset,
        })
    }

    /// Builds a value from a chrono time, keeping the parts `precision` asks for (truncated,
    /// never rounded) and the optional offset.
    ///
    /// Returns `None` when `precision` is coarser than [`Precision::Hour`] or an invalid
    /// `Fraction`, or the offset is not whole minutes within `-1200`..=`+1400`.
    pub fn new(time: NaiveTime, precision: Precision, offset: Option<FixedOffset>) -> Option<Time> {
        if precision < Precision::Hour {
            return None;
        }
        let offset = match offset {
            Some(o) => Some(valid_offset(o)?),
            None => None,
        };
        Some(Time {
            time: truncate_time(time, precision)?,
            precision,
            offset,
        })
    }

    /// The precision that was sent.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The UTC offset, if one was sent.
    pub fn offset(&self) -> Option<FixedOffset> {
        self.offset
    }

    /// The hour (always present), 0..=23.
    pub fn hour(&self) -> u32 {
        self.time.hour()
    }

    /// The minute, 0..=59, if sent.
    pub fn minute(&self) -> Option<u32> {
        (self.precision >= Precision::Minute).then(|| self.time.minute())
    }

    /// The second, 0..=60 (60 is a leap second), if sent.
    pub fn second(&self) -> Option<u32> {
        (self.precision >= Precision::Second).then(|| second_of(self.time))
    }

    /// The fractional second in nanoseconds, if fractional digits were sent.
    pub fn nanosecond(&self) -> Option<u32> {
        matches!(self.precision, Precision::Fraction(_))
            .then(|| self.time.nanosecond() % NANOS_PER_SEC)
    }

    /// The time; missing parts are 0. A leap second is chrono's representation.
    pub fn naive_time(&self) -> NaiveTime {
        self.time
    }

    /// Writes the value as HL7 TM with exactly the precision and offset it has.
    pub fn to_hl7(&self) -> String {
        let mut out = String::with_capacity(16);
        // Writing to a String cannot fail.
        let _ = self.write_hl7(&mut out);
        out
    }

    /// Writes the value as [`Time::to_hl7`] does, into any [`fmt::Write`].
    ///
    /// # Errors
    ///
    /// Only those of the writer.
    pub fn write_hl7<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        write_time(w, self.time, self.precision)?;
        write_offset(w, self.offset)
    }
}

impl fmt::Debug for Time {
    /// Redacted: shows the precision and whether an offset is present, not the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Time")
            .field("precision", &self.precision)
            .field("has_offset", &self.offset.is_some())
            .finish_non_exhaustive()
    }
}

/// A position in the value being parsed.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
    ty: TemporalType,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a [u8], ty: TemporalType) -> Result<Self, TsError> {
        let cur = Cursor { s, pos: 0, ty };
        if s.is_empty() {
            return Err(cur.err(TsErrorKind::Empty, 0));
        }
        Ok(cur)
    }

    fn err(&self, kind: TsErrorKind, position: usize) -> TsError {
        TsError {
            kind,
            position,
            value_type: self.ty,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn next_is_digit(&self) -> bool {
        self.peek().is_some_and(|b| b.is_ascii_digit())
    }

    /// Reads exactly `n` digits.
    fn digits(&mut self, n: usize) -> Result<u32, TsError> {
        let start = self.pos;
        let mut value = 0u32;
        for _ in 0..n {
            match self.peek() {
                Some(b) if b.is_ascii_digit() => value = value * 10 + u32::from(b - b'0'),
                Some(_) => return Err(self.err(TsErrorKind::UnexpectedByte, self.pos)),
                None => return Err(self.err(TsErrorKind::Truncated, start)),
            }
            self.pos += 1;
        }
        Ok(value)
    }

    /// Reads a two-digit part checked against `range`.
    fn part(
        &mut self,
        range: std::ops::RangeInclusive<u32>,
        kind: TsErrorKind,
    ) -> Result<u32, TsError> {
        let start = self.pos;
        let value = self.digits(2)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(self.err(kind, start))
        }
    }

    /// `YYYY[MM[DD]]`
    fn date(&mut self) -> Result<(NaiveDate, Precision), TsError> {
        let year = self.digits(4)?;
        let (mut month, mut day, mut precision) = (1, 1, Precision::Year);
        if self.next_is_digit() {
            month = self.part(1..=12, TsErrorKind::InvalidMonth)?;
            precision = Precision::Month;
            if self.next_is_digit() {
                day = self.part(1..=31, TsErrorKind::InvalidDay)?;
                precision = Precision::Day;
            }
        }
        let year = i32::try_from(year).map_err(|_| self.err(TsErrorKind::UnexpectedByte, 0))?;
        // Day position: the day is the last part read when it fails here.
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| self.err(TsErrorKind::InvalidDay, self.pos.saturating_sub(2)))?;
        Ok((date, precision))
    }

    /// `HH[MM[SS[.S[S[S[S]]]]]]`
    fn time(&mut self) -> Result<(NaiveTime, Precision), TsError> {
        let hour = self.part(0..=23, TsErrorKind::InvalidHour)?;
        let (mut minute, mut second, mut nanos, mut precision) = (0, 0, 0, Precision::Hour);
        if self.next_is_digit() {
            minute = self.part(0..=59, TsErrorKind::InvalidMinute)?;
            precision = Precision::Minute;
            if self.next_is_digit() {
                second = self.part(0..=60, TsErrorKind::InvalidSecond)?;
                precision = Precision::Second;
            }
        }
        if self.peek() == Some(b'.') {
            let dot = self.pos;
            if precision != Precision::Second {
                return Err(self.err(TsErrorKind::InvalidFraction, dot));
            }
            self.pos += 1;
            let mut digits = 0u8;
            let mut scale = NANOS_PER_SEC;
            while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
                if digits == 4 {
                    return Err(self.err(TsErrorKind::InvalidFraction, self.pos));
                }
                scale /= 10;
                nanos += u32::from(b - b'0') * scale;
                digits += 1;
                self.pos += 1;
            }
            if digits == 0 {
                return Err(self.err(TsErrorKind::InvalidFraction, dot));
            }
            precision = Precision::Fraction(digits);
        }
        // chrono: a leap second is second 59 with nanoseconds >= 1e9.
        let (second, nanos) = if second == 60 {
            (59, nanos + NANOS_PER_SEC)
        } else {
            (second, nanos)
        };
        let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
            .ok_or_else(|| self.err(TsErrorKind::InvalidSecond, self.pos))?;
        Ok((time, precision))
    }

    /// `[+/-ZZZZ]`
    fn offset(&mut self) -> Result<Option<FixedOffset>, TsError> {
        let sign = match self.peek() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Ok(None),
        };
        let at = self.pos;
        self.pos += 1;
        let invalid = |cur: &Self, e: TsError| {
            if e.kind == TsErrorKind::Truncated {
                cur.err(TsErrorKind::InvalidOffset, at)
            } else {
                e
            }
        };
        let hours = self.digits(2).map_err(|e| invalid(self, e))?;
        let minutes = self.digits(2).map_err(|e| invalid(self, e))?;
        let total = i32::try_from(hours * 60 + minutes).unwrap_or(i32::MAX);
        let limit = if sign > 0 {
            MAX_EAST_MINUTES
        } else {
            MAX_WEST_MINUTES
        };
        if minutes >= 60 || total > limit {
            return Err(self.err(TsErrorKind::InvalidOffset, at));
        }
        FixedOffset::east_opt(sign * total * 60)
            .map(Some)
            .ok_or_else(|| self.err(TsErrorKind::InvalidOffset, at))
    }

    fn end(&self) -> Result<(), TsError> {
        if self.pos < self.s.len() {
            Err(self.err(TsErrorKind::UnexpectedByte, self.pos))
        } else {
            Ok(())
        }
    }
}

/// Second of the minute, 60 for a leap second.
fn second_of(time: NaiveTime) -> u32 {
    if time.nanosecond() >= NANOS_PER_SEC {
        60
    } else {
        time.second()
    }
}

/// Keeps the date parts `precision` covers; `None` for years DTM cannot write or an invalid
/// precision.
fn truncate_date(date: NaiveDate, precision: Precision) -> Option<NaiveDate> {
    if !(0..=9999).contains(&date.year()) || !precision.is_valid() {
        return None;
    }
    let month = if precision >= Precision::Month {
        date.month()
    } else {
        1
    };
    let day = if precision >= Precision::Day {
        date.day()
    } else {
        1
    };
    NaiveDate::from_ymd_opt(date.year(), month, day)
}

/// Keeps the time parts `precision` covers, truncating fractional digits.
fn truncate_time(time: NaiveTime, precision: Precision) -> Option<NaiveTime> {
    if !precision.is_valid() {
        return None;
    }
    let keep = |p: Precision, v: u32| if precision >= p { v } else { 0 };
    let leap = if time.nanosecond() >= NANOS_PER_SEC && precision >= Precision::Second {
        NANOS_PER_SEC
    } else {
        0
    };
    let nanos = match precision {
        Precision::Fraction(digits) => {
            let unit = 10u32.pow(9 - u32::from(digits));
            (time.nanosecond() % NANOS_PER_SEC) / unit * unit
        }
        _ => 0,
    };
    NaiveTime::from_hms_nano_opt(
        keep(Precision::Hour, time.hour()),
        keep(Precision::Minute, time.minute()),
        keep(Precision::Second, time.second()),
        leap + nanos,
    )
}

/// The offset if HL7 can write it: whole minutes within -12:00..=+14:00.
fn valid_offset(offset: FixedOffset) -> Option<FixedOffset> {
    let secs = offset.local_minus_utc();
    let ok = secs % 60 == 0 && (-MAX_WEST_MINUTES * 60..=MAX_EAST_MINUTES * 60).contains(&secs);
    ok.then_some(offset)
}

fn write_date<W: fmt::Write>(w: &mut W, date: NaiveDate, precision: Precision) -> fmt::Result {
    write!(w, "{:04}", date.year())?;
    if precision >= Precision::Month {
        write!(w, "{:02}", date.month())?;
    }
    if precision >= Precision::Day {
        write!(w, "{:02}", date.day())?;
    }
    Ok(())
}

fn write_time<W: fmt::Write>(w: &mut W, time: NaiveTime, precision: Precision) -> fmt::Result {
    write!(w, "{:02}", time.hour())?;
    if precision >= Precision::Minute {
        write!(w, "{:02}", time.minute())?;
    }
    if precision >= Precision::Second {
        write!(w, "{:02}", second_of(time))?;
    }
    if let Precision::Fraction(digits) = precision {
        let digits = u32::from(digits.clamp(1, 4));
        let value = (time.nanosecond() % NANOS_PER_SEC) / 10u32.pow(9 - digits);
        write!(w, ".{:0width$}", value, width = digits as usize)?;
    }
    Ok(())
}

fn write_offset<W: fmt::Write>(w: &mut W, offset: Option<FixedOffset>) -> fmt::Result {
    if let Some(offset) = offset {
        let secs = offset.local_minus_utc();
        let sign = if secs < 0 { '-' } else { '+' };
        let minutes = secs.unsigned_abs() / 60;
        write!(w, "{}{:02}{:02}", sign, minutes / 60, minutes % 60)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn kind_at(s: &[u8]) -> Option<(TsErrorKind, usize)> {
        DateTime::parse(s).err().map(|e| (e.kind(), e.position()))
    }

    #[test]
    fn spec_examples_round_trip() -> TestResult {
        let cases: &[(&str, Precision)] = &[
            ("19760704010159-0600", Precision::Second),
            ("198807050000", Precision::Minute),
            ("2006", Precision::Year),
            ("200601", Precision::Month),
            ("20060102", Precision::Day),
            ("20060102030405.1234+0100", Precision::Fraction(4)),
            ("1988070501", Precision::Hour),
            ("20060102030405.1", Precision::Fraction(1)),
            ("20060102030405.05", Precision::Fraction(2)),
            ("20060102030405.000", Precision::Fraction(3)),
            ("2006+0100", Precision::Year),
            ("20060102-1200", Precision::Day),
            ("19991231235960+1400", Precision::Second),
        ];
        for &(s, precision) in cases {
            let ts = DateTime::parse(s.as_bytes())?;
            assert_eq!(ts.precision(), precision, "{s}");
            assert_eq!(ts.to_hl7(), s);
            assert_eq!(DateTime::parse(ts.to_hl7().as_bytes())?, ts);
        }
        Ok(())
    }

    #[test]
    fn accessors() -> TestResult {
        let ts = DateTime::parse(b"19760704010159-0600")?;
        assert_eq!(ts.year(), 1976);
        assert_eq!(ts.month(), Some(7));
        assert_eq!(ts.day(), Some(4));
        assert_eq!(ts.hour(), Some(1));
        assert_eq!(ts.minute(), Some(1));
        assert_eq!(ts.second(), Some(59));
        assert_eq!(ts.nanosecond(), None);
        assert_eq!(ts.offset(), FixedOffset::west_opt(6 * 3600));
        let utc = ts.with_offset().map(|d| d.naive_utc().to_string());
        assert_eq!(utc.as_deref(), Some("1976-07-04 07:01:59"));

        let ts = DateTime::parse(b"20060102030405.1234+0100")?;
        assert_eq!(ts.nanosecond(), Some(123_400_000));
        assert_eq!(ts.naive().to_string(), "2006-01-02 03:04:05.123400");

        let ts = DateTime::parse(b"200601")?;
        assert_eq!((ts.month(), ts.day(), ts.hour()), (Some(1), None, None));
        assert_eq!(
            ts.naive_date(),
            NaiveDate::from_ymd_opt(2006, 1, 1).ok_or("date")?
        );
        assert_eq!(ts.naive().to_string(), "2006-01-01 00:00:00");
        assert_eq!(ts.with_offset(), None);
        assert_eq!(ts.time(), None);
        assert_eq!(ts.date().to_hl7(), "200601");
        Ok(())
    }

    #[test]
    fn precision_is_part_of_equality() -> TestResult {
        assert_ne!(DateTime::parse(b"2006")?, DateTime::parse(b"200601")?);
        assert_ne!(
            DateTime::parse(b"20060102030405.1")?,
            DateTime::parse(b"20060102030405.10")?
        );
        assert_ne!(DateTime::parse(b"2006")?, DateTime::parse(b"2006+0000")?);
        assert_eq!(
            DateTime::parse(b"2006-0000")?,
            DateTime::parse(b"2006+0000")?
        );
        assert_eq!(DateTime::parse(b"2006-0000")?.to_hl7(), "2006+0000");
        assert!(Precision::Fraction(1) > Precision::Second);
        assert!(Precision::Fraction(4) > Precision::Fraction(2));
        Ok(())
    }

    #[test]
    fn leap_years() -> TestResult {
        assert_eq!(DateTime::parse(b"20240229")?.day(), Some(29));
        assert_eq!(DateTime::parse(b"20000229")?.day(), Some(29));
        assert_eq!(kind_at(b"20230229"), Some((TsErrorKind::InvalidDay, 6)));
        assert_eq!(kind_at(b"19000229"), Some((TsErrorKind::InvalidDay, 6)));
        assert_eq!(kind_at(b"20240431"), Some((TsErrorKind::InvalidDay, 6)));
        assert_eq!(kind_at(b"20240100"), Some((TsErrorKind::InvalidDay, 6)));
        Ok(())
    }

    #[test]
    fn range_errors() {
        assert_eq!(kind_at(b"201313"), Some((TsErrorKind::InvalidMonth, 4)));
        assert_eq!(kind_at(b"201300"), Some((TsErrorKind::InvalidMonth, 4)));
        assert_eq!(kind_at(b"2013010124"), Some((TsErrorKind::InvalidHour, 8)));
        assert_eq!(
            kind_at(b"201301010060"),
            Some((TsErrorKind::InvalidMinute, 10))
        );
        assert_eq!(
            kind_at(b"20130101000061"),
            Some((TsErrorKind::InvalidSecond, 12))
        );
        assert_eq!(kind_at(b"2013+2500"), Some((TsErrorKind::InvalidOffset, 4)));
        assert_eq!(kind_at(b"2013+1401"), Some((TsErrorKind::InvalidOffset, 4)));
        assert_eq!(kind_at(b"2013-1201"), Some((TsErrorKind::InvalidOffset, 4)));
        assert_eq!(kind_at(b"2013+0160"), Some((TsErrorKind::InvalidOffset, 4)));
        assert_eq!(kind_at(b"2013+01"), Some((TsErrorKind::InvalidOffset, 4)));
        assert_eq!(kind_at(b"2013+"), Some((TsErrorKind::InvalidOffset, 4)));
    }

    #[test]
    fn structure_errors() {
        assert_eq!(kind_at(b""), Some((TsErrorKind::Empty, 0)));
        assert_eq!(kind_at(b"200"), Some((TsErrorKind::Truncated, 0)));
        assert_eq!(kind_at(b"20061"), Some((TsErrorKind::Truncated, 4)));
        assert_eq!(
            kind_at(b"2006010203040"),
            Some((TsErrorKind::Truncated, 12))
        );
        assert_eq!(
            kind_at(b"200601020304050"),
            Some((TsErrorKind::UnexpectedByte, 14))
        );
        assert_eq!(kind_at(b"2006x"), Some((TsErrorKind::UnexpectedByte, 4)));
        assert_eq!(kind_at(b"20O6"), Some((TsErrorKind::UnexpectedByte, 2)));
        assert_eq!(kind_at(b" 2006"), Some((TsErrorKind::UnexpectedByte, 0)));
        assert_eq!(kind_at(b"2006 "), Some((TsErrorKind::UnexpectedByte, 4)));
        assert_eq!(
            kind_at(b"20060102^D"),
            Some((TsErrorKind::UnexpectedByte, 8))
        );
        assert_eq!(
            kind_at(b"20060102T0304"),
            Some((TsErrorKind::UnexpectedByte, 8))
        );
        assert_eq!(
            kind_at(b"20060102030405Z"),
            Some((TsErrorKind::UnexpectedByte, 14))
        );
        assert_eq!(
            kind_at(b"2013+01x0"),
            Some((TsErrorKind::UnexpectedByte, 7))
        );
        assert_eq!(
            kind_at(b"2013+0100+"),
            Some((TsErrorKind::UnexpectedByte, 9))
        );
        assert_eq!(kind_at(b"\xFF\xFE"), Some((TsErrorKind::UnexpectedByte, 0)));
    }

    #[test]
    fn fraction_rules() {
        assert_eq!(
            kind_at(b"20060102030405.12345"),
            Some((TsErrorKind::InvalidFraction, 19))
        );
        assert_eq!(
            kind_at(b"20060102030405."),
            Some((TsErrorKind::InvalidFraction, 14))
        );
        assert_eq!(
            kind_at(b"20060102030405.+0100"),
            Some((TsErrorKind::InvalidFraction, 14))
        );
        assert_eq!(
            kind_at(b"200601020304.5"),
            Some((TsErrorKind::InvalidFraction, 12))
        );
        assert_eq!(kind_at(b"2006.5"), Some((TsErrorKind::UnexpectedByte, 4)));
    }

    #[test]
    fn leap_second() -> TestResult {
        let ts = DateTime::parse(b"20161231235960.5+0000")?;
        assert_eq!(ts.second(), Some(60));
        assert_eq!(ts.nanosecond(), Some(500_000_000));
        assert_eq!(ts.to_hl7(), "20161231235960.5+0000");
        assert_eq!(ts.naive().second(), 59);
        assert_eq!(ts.naive().nanosecond(), 1_500_000_000);
        let back = DateTime::from_chrono(&ts.with_offset().ok_or("offset")?, ts.precision());
        assert_eq!(back, Some(ts));
        Ok(())
    }

    #[test]
    fn error_display_has_no_value() {
        let e = DateTime::parse(b"201313").err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("invalid month at byte 4 of DTM value")
        );
        let e = DateTime::parse(b"").err();
        assert_eq!(e.map(|e| e.to_string()).as_deref(), Some("empty DTM value"));
        let e = Time::parse(b"2599").err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("invalid hour at byte 0 of TM value")
        );
        let e = Date::parse(b"19990230").err();
        let text = e.map(|e| format!("{e} {e:?}")).unwrap_or_default();
        assert!(!text.contains("1999") && !text.contains("0230"), "{text}");
    }

    #[test]
    fn debug_is_redacted() -> TestResult {
        let ts = DateTime::parse(b"19760704010159-0600")?;
        assert_eq!(
            format!("{ts:?}"),
            "DateTime { precision: Second, has_offset: true, .. }"
        );
        let dt = Date::parse(b"19760704")?;
        assert_eq!(format!("{dt:?}"), "Date { precision: Day, .. }");
        let tm = Time::parse(b"0101")?;
        assert_eq!(
            format!("{tm:?}"),
            "Time { precision: Minute, has_offset: false, .. }"
        );
        Ok(())
    }

    #[test]
    fn from_chrono_truncates_to_precision() -> TestResult {
        let offset = FixedOffset::east_opt(3600).ok_or("offset")?;
        let dt = offset
            .with_ymd_and_hms(2006, 1, 2, 3, 4, 5)
            .single()
            .ok_or("datetime")?
            + chrono::Duration::nanoseconds(123_456_789);
        let cases: &[(Precision, &str)] = &[
            (Precision::Year, "2006+0100"),
            (Precision::Month, "200601+0100"),
            (Precision::Day, "20060102+0100"),
            (Precision::Hour, "2006010203+0100"),
            (Precision::Minute, "200601020304+0100"),
            (Precision::Second, "20060102030405+0100"),
            (Precision::Fraction(1), "20060102030405.1+0100"),
            (Precision::Fraction(4), "20060102030405.1234+0100"),
        ];
        for &(precision, expected) in cases {
            let ts = DateTime::from_chrono(&dt, precision).ok_or("representable")?;
            assert_eq!(ts.to_hl7(), expected);
            assert_eq!(DateTime::parse(expected.as_bytes())?, ts);
        }
        assert_eq!(DateTime::from_chrono(&dt, Precision::Fraction(5)), None);
        assert_eq!(DateTime::from_chrono(&dt, Precision::Fraction(0)), None);
        let far = FixedOffset::east_opt(15 * 3600).ok_or("offset")?;
        assert_eq!(
            DateTime::from_chrono(&dt.with_timezone(&far), Precision::Day),
            None
        );
        let odd = FixedOffset::east_opt(3600 + 30).ok_or("offset")?;
        assert_eq!(
            DateTime::from_chrono(&dt.with_timezone(&odd), Precision::Day),
            None
        );
        let naive = NaiveDate::from_ymd_opt(10_000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or("naive")?;
        assert_eq!(DateTime::from_naive(&naive, Precision::Year), None);
        let naive = dt.naive_local();
        let ts = DateTime::from_naive(&naive, Precision::Minute).ok_or("representable")?;
        assert_eq!(ts.to_hl7(), "200601020304");
        Ok(())
    }

    #[test]
    fn dt_values() -> TestResult {
        for s in ["2006", "200601", "20060102", "20240229"] {
            assert_eq!(Date::parse(s.as_bytes())?.to_hl7(), s);
        }
        let d = Date::parse(b"20060102")?;
        assert_eq!((d.year(), d.month(), d.day()), (2006, Some(1), Some(2)));
        assert_eq!(d.precision(), Precision::Day);
        let err = |s: &[u8]| Date::parse(s).err().map(|e| (e.kind(), e.position()));
        assert_eq!(err(b"20230229"), Some((TsErrorKind::InvalidDay, 6)));
        assert_eq!(err(b"2006010203"), Some((TsErrorKind::UnexpectedByte, 8)));
        assert_eq!(err(b"2006+0100"), Some((TsErrorKind::UnexpectedByte, 4)));
        let nd = NaiveDate::from_ymd_opt(2006, 5, 17).ok_or("date")?;
        assert_eq!(
            Date::new(nd, Precision::Month)
                .map(|d| d.to_hl7())
                .as_deref(),
            Some("200605")
        );
        assert_eq!(Date::new(nd, Precision::Hour), None);
        Ok(())
    }

    #[test]
    fn tm_values() -> TestResult {
        for s in [
            "01",
            "0102",
            "010203",
            "010203.4",
            "010203.4567-0500",
            "23+1400",
            "235960",
        ] {
            assert_eq!(Time::parse(s.as_bytes())?.to_hl7(), s);
        }
        let t = Time::parse(b"010203.45")?;
        assert_eq!(t.hour(), 1);
        assert_eq!(
            (t.minute(), t.second(), t.nanosecond()),
            (Some(2), Some(3), Some(450_000_000))
        );
        assert_eq!(t.precision(), Precision::Fraction(2));
        let err = |s: &[u8]| Time::parse(s).err().map(|e| (e.kind(), e.position()));
        assert_eq!(err(b"24"), Some((TsErrorKind::InvalidHour, 0)));
        assert_eq!(err(b"1"), Some((TsErrorKind::Truncated, 0)));
        assert_eq!(err(b"0160"), Some((TsErrorKind::InvalidMinute, 2)));
        assert_eq!(err(b"01.5"), Some((TsErrorKind::InvalidFraction, 2)));
        assert_eq!(err(b"0100+2500"), Some((TsErrorKind::InvalidOffset, 4)));
        assert_eq!(err(b""), Some((TsErrorKind::Empty, 0)));
        let nt = NaiveTime::from_hms_milli_opt(13, 14, 15, 678).ok_or("time")?;
        let t = Time::new(nt, Precision::Fraction(2), FixedOffset::east_opt(0)).ok_or("time")?;
        assert_eq!(t.to_hl7(), "131415.67+0000");
        assert_eq!(Time::new(nt, Precision::Day, None), None);
        let ts = DateTime::parse(b"20060102131415.67+0000")?;
        assert_eq!(ts.time(), Some(t));
        Ok(())
    }

    #[test]
    fn no_panic_on_arbitrary_bytes() {
        // A small exhaustive sweep over short inputs built from the interesting bytes.
        let alphabet = b"0129+-.x^ \xFF";
        let mut input = Vec::new();
        for len in 0..=5u32 {
            let n = alphabet.len().pow(len);
            for mut k in 0..n {
                input.clear();
                for _ in 0..len {
                    input.push(alphabet.get(k % alphabet.len()).copied().unwrap_or(b'0'));
                    k /= alphabet.len();
                }
                if let Ok(ts) = DateTime::parse(&input) {
                    assert_eq!(ts.to_hl7().as_bytes(), &input[..]);
                }
                let _ = Date::parse(&input);
                let _ = Time::parse(&input);
            }
        }
    }
}
