//! Civil-date arithmetic for producing timestamps without a calendar library.

/// The proleptic-Gregorian civil date `(year, month 1–12, day 1–31)` of `days` days
/// since 1970-01-01 (negative before it), by Howard Hinnant's `civil_from_days`.
///
/// Exact over the whole range of dates anyone writes; never panics (values so far from
/// the epoch that the arithmetic would overflow saturate instead).
///
/// ```
/// use carewire_hl7::datatypes::civil_from_days;
///
/// assert_eq!(civil_from_days(0), (1970, 1, 1));
/// assert_eq!(civil_from_days(11_016), (2000, 2, 29));
/// assert_eq!(civil_from_days(-1), (1969, 12, 31));
/// ```
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small and positive by construction (day 1–31, month 1–12).
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Seconds since the Unix epoch as an HL7 DTM in UTC, to the second:
/// `YYYYMMDDHHMMSS+0000`.
///
/// ```
/// use carewire_hl7::datatypes::dtm_utc;
///
/// assert_eq!(dtm_utc(0), "19700101000000+0000");
/// assert_eq!(dtm_utc(1_700_000_000), "20231114221320+0000");
/// ```
pub fn dtm_utc(secs: u64) -> String {
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_known_boundaries() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(10_957), (2000, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
        // Extremes do not panic.
        let _ = civil_from_days(i64::MAX);
        let _ = civil_from_days(i64::MIN);
        let _ = dtm_utc(u64::MAX);
    }
}
