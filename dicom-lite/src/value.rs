//! Value decoding helpers for the string VRs: dates and times (DA, TM, DT), person names
//! (PN), decimal and integer strings (DS, IS) — PS3.5 §6.2.

use std::fmt;

/// Removes the padding the standard allows around a string value: trailing spaces and
/// NULs always, leading spaces too except for the text VRs (LT, ST, UT keep them,
/// PS3.5 §6.2).
pub fn trim_value(s: &str, keep_leading: bool) -> &str {
    let s = s.trim_end_matches([' ', '\0']);
    if keep_leading {
        s
    } else {
        s.trim_start_matches(' ')
    }
}

/// A calendar date (DA, PS3.5 §6.2: `YYYYMMDD`; the pre-1993 ACR-NEMA form `YYYY.MM.DD`
/// is also read). `Debug` is redacted (birth dates are patient data).
///
/// # Examples
/// ```
/// use carewire_dicom_lite::Date;
/// let d = Date::parse("20240131").ok_or("bad date")?;
/// assert_eq!((d.year, d.month, d.day), (2024, 1, 31));
/// assert_eq!(d.to_string(), "2024-01-31");
/// assert!(Date::parse("20240231").is_none());
/// # Ok::<(), &'static str>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year (0-9999).
    pub year: u16,
    /// Month (1-12).
    pub month: u8,
    /// Day of month (1-31, checked against the month).
    pub day: u8,
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// Parses a DA value (padding trimmed). `None` when it is not a valid date.
    pub fn parse(s: &str) -> Option<Date> {
        let s = trim_value(s, false);
        let (y, m, d) = match s.len() {
            8 => (s.get(0..4)?, s.get(4..6)?, s.get(6..8)?),
            10 if s.as_bytes().get(4) == Some(&b'.') && s.as_bytes().get(7) == Some(&b'.') => {
                (s.get(0..4)?, s.get(5..7)?, s.get(8..10)?)
            }
            _ => return None,
        };
        let year = u16::try_from(digits(y)?).ok()?;
        let month = u8::try_from(digits(m)?).ok()?;
        let day = u8::try_from(digits(d)?).ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A time of day (TM, PS3.5 §6.2: `HH[MM[SS[.F{1,6}]]]`, with its precision; the
/// ACR-NEMA form `HH:MM:SS.frac` is also read).
///
/// # Examples
/// ```
/// use carewire_dicom_lite::Time;
/// let t = Time::parse("0930").ok_or("bad time")?;
/// assert_eq!((t.hour, t.minute, t.second), (9, Some(30), None));
/// let t = Time::parse("235959.5").ok_or("bad time")?;
/// assert_eq!((t.micros, t.fraction_digits), (500_000, 1));
/// # Ok::<(), &'static str>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    /// Hour (0-23).
    pub hour: u8,
    /// Minute (0-59), `None` when the value stops at the hour.
    pub minute: Option<u8>,
    /// Second (0-60, a leap second allowed), `None` when absent.
    pub second: Option<u8>,
    /// Fraction of a second in microseconds (0 when absent).
    pub micros: u32,
    /// Number of fraction digits written (0-6): the precision.
    pub fraction_digits: u8,
}

impl Time {
    /// Parses a TM value (padding trimmed). `None` when it is not a valid time.
    pub fn parse(s: &str) -> Option<Time> {
        let s = trim_value(s, false);
        let (main, frac) = match s.split_once('.') {
            Some((m, f)) => (m, Some(f)),
            None => (s, None),
        };
        let main_owned;
        let main = if main.contains(':') {
            main_owned = main.replace(':', "");
            main_owned.as_str()
        } else {
            main
        };
        let (h, m, sec) = match main.len() {
            2 => (main, None, None),
            4 => (main.get(0..2)?, Some(main.get(2..4)?), None),
            6 => (
                main.get(0..2)?,
                Some(main.get(2..4)?),
                Some(main.get(4..6)?),
            ),
            _ => return None,
        };
        let hour = u8::try_from(digits(h)?).ok()?;
        let minute = match m {
            Some(m) => Some(u8::try_from(digits(m)?).ok()?),
            None => None,
        };
        let second = match sec {
            Some(x) => Some(u8::try_from(digits(x)?).ok()?),
            None => None,
        };
        if hour > 23 || minute.is_some_and(|m| m > 59) || second.is_some_and(|s| s > 60) {
            return None;
        }
        let (micros, fraction_digits) = match frac {
            Some(f) => {
                if second.is_none() || f.is_empty() || f.len() > 6 {
                    return None;
                }
                let v = digits(f)?;
                let digits_len = u32::try_from(f.len()).ok()?;
                (v * 10u32.pow(6 - digits_len), u8::try_from(f.len()).ok()?)
            }
            None => (0, 0),
        };
        Some(Time {
            hour,
            minute,
            second,
            micros,
            fraction_digits,
        })
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.hour)?;
        if let Some(m) = self.minute {
            write!(f, ":{m:02}")?;
        }
        if let Some(s) = self.second {
            write!(f, ":{s:02}")?;
        }
        if self.fraction_digits > 0 {
            let d = usize::from(self.fraction_digits);
            let frac = format!("{:06}", self.micros);
            write!(f, ".{}", frac.get(..d).unwrap_or(&frac))?;
        }
        Ok(())
    }
}

/// A date and time (DT, PS3.5 §6.2: `YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]`), with
/// the precision as written and the UTC offset when given.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::DateTime;
/// let dt = DateTime::parse("20240131093000.25+0100").ok_or("bad")?;
/// assert_eq!((dt.year, dt.month, dt.day), (2024, Some(1), Some(31)));
/// assert_eq!(dt.time.map(|t| t.micros), Some(250_000));
/// assert_eq!(dt.offset_minutes, Some(60));
/// # Ok::<(), &'static str>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Year.
    pub year: u16,
    /// Month, when given.
    pub month: Option<u8>,
    /// Day, when given.
    pub day: Option<u8>,
    /// Time of day, when given.
    pub time: Option<Time>,
    /// Offset from UTC in minutes, when given (`&ZZXX`).
    pub offset_minutes: Option<i16>,
}

impl DateTime {
    /// Parses a DT value (padding trimmed). `None` when it is not a valid date-time.
    pub fn parse(s: &str) -> Option<DateTime> {
        let s = trim_value(s, false);
        let (main, offset_minutes) = match s.find(['+', '-']) {
            Some(i) => {
                let sign: i16 = if s.as_bytes().get(i) == Some(&b'-') {
                    -1
                } else {
                    1
                };
                let z = s.get(i + 1..)?;
                if z.len() != 4 {
                    return None;
                }
                let hh = i16::try_from(digits(z.get(0..2)?)?).ok()?;
                let mm = i16::try_from(digits(z.get(2..4)?)?).ok()?;
                if hh > 14 || mm > 59 {
                    return None;
                }
                (s.get(..i)?, Some(sign * (hh * 60 + mm)))
            }
            None => (s, None),
        };
        let (date_part, rest) = if main.len() > 8 {
            (main.get(..8)?, Some(main.get(8..)?))
        } else {
            (main, None)
        };
        let year = u16::try_from(digits(date_part.get(..4)?)?).ok()?;
        let (month, day) = match date_part.len() {
            4 => (None, None),
            6 => (
                Some(u8::try_from(digits(date_part.get(4..6)?)?).ok()?),
                None,
            ),
            8 => {
                let d = Date::parse(date_part)?;
                (Some(d.month), Some(d.day))
            }
            _ => return None,
        };
        if month.is_some_and(|m| !(1..=12).contains(&m)) {
            return None;
        }
        let time = match rest {
            Some(t) => Some(Time::parse(t)?),
            None => None,
        };
        Some(DateTime {
            year,
            month,
            day,
            time,
            offset_minutes,
        })
    }
}

#[cfg(feature = "chrono")]
mod chrono_conv {
    use super::{Date, DateTime, Time};

    impl Date {
        /// The date as a `chrono::NaiveDate` (feature `chrono`).
        pub fn to_chrono(&self) -> Option<chrono::NaiveDate> {
            chrono::NaiveDate::from_ymd_opt(
                i32::from(self.year),
                u32::from(self.month),
                u32::from(self.day),
            )
        }
    }

    impl Time {
        /// The time as a `chrono::NaiveTime`, absent parts as zero; a leap second (60)
        /// becomes chrono's leap-second representation (feature `chrono`).
        pub fn to_chrono(&self) -> Option<chrono::NaiveTime> {
            let (sec, extra) = match self.second.unwrap_or(0) {
                60 => (59, 1_000_000),
                s => (s, 0),
            };
            chrono::NaiveTime::from_hms_micro_opt(
                u32::from(self.hour),
                u32::from(self.minute.unwrap_or(0)),
                u32::from(sec),
                self.micros + extra,
            )
        }
    }

    impl DateTime {
        /// The date-time as a `chrono::NaiveDateTime`, absent parts as their minimum
        /// (month and day 1, time 00:00) (feature `chrono`).
        pub fn to_chrono_naive(&self) -> Option<chrono::NaiveDateTime> {
            let date = chrono::NaiveDate::from_ymd_opt(
                i32::from(self.year),
                u32::from(self.month.unwrap_or(1)),
                u32::from(self.day.unwrap_or(1)),
            )?;
            let time = match self.time {
                Some(t) => t.to_chrono()?,
                None => chrono::NaiveTime::MIN,
            };
            Some(date.and_time(time))
        }

        /// The date-time with its UTC offset as a `chrono::DateTime<FixedOffset>`; `None`
        /// when the value carries no offset (feature `chrono`).
        pub fn to_chrono(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
            let offset = chrono::FixedOffset::east_opt(i32::from(self.offset_minutes?) * 60)?;
            self.to_chrono_naive()?.and_local_timezone(offset).single()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn dates_times_and_offsets_convert_to_chrono() {
            let d = Date::parse("20240229").and_then(|d| d.to_chrono());
            assert_eq!(d.map(|d| d.to_string()).as_deref(), Some("2024-02-29"));
            let t = Time::parse("235960.5").and_then(|t| t.to_chrono());
            assert!(t.is_some());
            let dt = DateTime::parse("20240131093000.25+0100").and_then(|d| d.to_chrono());
            assert_eq!(
                dt.map(|d| d.to_rfc3339()).as_deref(),
                Some("2024-01-31T09:30:00.250+01:00")
            );
            assert!(DateTime::parse("2024")
                .and_then(|d| d.to_chrono())
                .is_none());
            let naive = DateTime::parse("2024").and_then(|d| d.to_chrono_naive());
            assert_eq!(
                naive.map(|d| d.to_string()).as_deref(),
                Some("2024-01-01 00:00:00")
            );
        }
    }
}

/// One group of a person name (PS3.5 §6.2.1): up to five `^`-separated components.
/// `Debug` is redacted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NameComponents<'s> {
    /// Family name complex.
    pub family: &'s str,
    /// Given name complex.
    pub given: &'s str,
    /// Middle name.
    pub middle: &'s str,
    /// Name prefix.
    pub prefix: &'s str,
    /// Name suffix.
    pub suffix: &'s str,
}

impl<'s> NameComponents<'s> {
    fn parse(s: &'s str) -> NameComponents<'s> {
        let mut it = s.splitn(5, '^');
        NameComponents {
            family: it.next().unwrap_or_default(),
            given: it.next().unwrap_or_default(),
            middle: it.next().unwrap_or_default(),
            prefix: it.next().unwrap_or_default(),
            suffix: it.next().unwrap_or_default(),
        }
    }

    /// True when every component is empty.
    pub fn is_empty(&self) -> bool {
        self.family.is_empty()
            && self.given.is_empty()
            && self.middle.is_empty()
            && self.prefix.is_empty()
            && self.suffix.is_empty()
    }
}

/// A person name (PN) split into its alphabetic, ideographic and phonetic groups
/// (`=`-separated) and their components, borrowing from the decoded text.
///
/// `Debug` is redacted: person names are patient data.
///
/// # Examples
/// ```
/// use carewire_dicom_lite::PersonName;
/// let pn = PersonName::parse("Yamada^Tarou=山田^太郎=やまだ^たろう");
/// assert_eq!(pn.alphabetic.family, "Yamada");
/// assert_eq!(pn.ideographic.given, "太郎");
/// assert_eq!(format!("{pn:?}"), "PersonName(..)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PersonName<'s> {
    /// Alphabetic (single-byte) representation.
    pub alphabetic: NameComponents<'s>,
    /// Ideographic representation.
    pub ideographic: NameComponents<'s>,
    /// Phonetic representation.
    pub phonetic: NameComponents<'s>,
}

impl<'s> PersonName<'s> {
    /// Splits one PN value (padding trimmed).
    pub fn parse(s: &'s str) -> PersonName<'s> {
        let s = trim_value(s, false);
        let mut groups = s.splitn(3, '=');
        PersonName {
            alphabetic: NameComponents::parse(groups.next().unwrap_or_default()),
            ideographic: NameComponents::parse(groups.next().unwrap_or_default()),
            phonetic: NameComponents::parse(groups.next().unwrap_or_default()),
        }
    }
}

/// Dates and times are patient data (birth dates): `Debug` is redacted; `Display` or the
/// fields give the value.
macro_rules! redacted_debug {
    ($($t:ty => $s:literal),*) => {
        $(impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($s)
            }
        })*
    };
}

redacted_debug!(Date => "Date(..)", Time => "Time(..)", DateTime => "DateTime(..)");

impl fmt::Debug for NameComponents<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NameComponents(..)")
    }
}

impl fmt::Debug for PersonName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName(..)")
    }
}

/// Parses a decimal string (DS): surrounding spaces, a leading `+` and leading zeros are
/// tolerated; `None` for anything else that is not a finite number.
///
/// # Examples
/// ```
/// assert_eq!(carewire_dicom_lite::parse_ds(" +0012.50 "), Some(12.5));
/// assert_eq!(carewire_dicom_lite::parse_ds("1e3"), Some(1000.0));
/// assert_eq!(carewire_dicom_lite::parse_ds("abc"), None);
/// ```
pub fn parse_ds(s: &str) -> Option<f64> {
    let s = s.trim_matches([' ', '\0']);
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses an integer string (IS): surrounding spaces, a leading `+` and leading zeros are
/// tolerated.
///
/// # Examples
/// ```
/// assert_eq!(carewire_dicom_lite::parse_is(" 007"), Some(7));
/// assert_eq!(carewire_dicom_lite::parse_is("-12 "), Some(-12));
/// assert_eq!(carewire_dicom_lite::parse_is("1.5"), None);
/// ```
pub fn parse_is(s: &str) -> Option<i64> {
    let s = s.trim_matches([' ', '\0']);
    let s = s.strip_prefix('+').unwrap_or(s);
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_accepts_acr_nema_dots_and_rejects_impossible_days() {
        assert_eq!(
            Date::parse("2000.02.29"),
            Some(Date {
                year: 2000,
                month: 2,
                day: 29
            })
        );
        assert!(Date::parse("19000229").is_none());
        assert!(Date::parse("2024013").is_none());
        assert!(Date::parse("2024-01-31").is_none());
        assert!(Date::parse("").is_none());
    }

    #[test]
    fn time_keeps_precision_and_rejects_out_of_range() {
        let t = Time::parse("07 ").unwrap();
        assert_eq!((t.hour, t.minute), (7, None));
        let t = Time::parse("12:30:15.123456").unwrap();
        assert_eq!(
            (t.second, t.micros, t.fraction_digits),
            (Some(15), 123_456, 6)
        );
        assert_eq!(t.to_string(), "12:30:15.123456");
        assert!(Time::parse("2400").is_none());
        assert!(Time::parse("1260").is_none());
        assert!(Time::parse("1230.5").is_none());
        assert!(Time::parse("123000.1234567").is_none());
    }

    #[test]
    fn datetime_reads_partial_precision_and_negative_offsets() {
        let dt = DateTime::parse("2024").unwrap();
        assert_eq!((dt.year, dt.month, dt.time), (2024, None, None));
        let dt = DateTime::parse("202401311200-0500").unwrap();
        assert_eq!(dt.offset_minutes, Some(-300));
        assert_eq!(dt.time.map(|t| (t.hour, t.minute)), Some((12, Some(0))));
        assert!(DateTime::parse("20241301").is_none());
        assert!(DateTime::parse("2024+99").is_none());
    }

    #[test]
    fn person_name_splits_groups_and_components() {
        let pn = PersonName::parse("Doe^John^Q^Dr.^Jr ");
        assert_eq!(pn.alphabetic.family, "Doe");
        assert_eq!(pn.alphabetic.suffix, "Jr");
        assert!(pn.ideographic.is_empty());
        let pn = PersonName::parse("=^Taro");
        assert!(pn.alphabetic.is_empty());
        assert_eq!(pn.ideographic.given, "Taro");
    }

    #[test]
    fn ds_and_is_are_tolerant_of_spaces_and_leading_zeros() {
        assert_eq!(parse_ds("-0.5"), Some(-0.5));
        assert_eq!(parse_ds("  "), None);
        assert_eq!(parse_ds("inf"), None);
        assert_eq!(parse_is("+0042 "), Some(42));
        assert_eq!(parse_is(""), None);
    }

    #[test]
    fn trim_value_keeps_leading_spaces_only_for_text() {
        assert_eq!(trim_value("  a b \0", false), "a b");
        assert_eq!(trim_value("  a b  ", true), "  a b");
    }
}
