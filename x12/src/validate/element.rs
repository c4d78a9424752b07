//! Element-level checks of one segment against its definition: usage, repeats,
//! components, data types, lengths, code values and X12 syntax notes.

use super::spec::{El, Seg, Ty};
use super::{CodeListProvider, ElementError};
use crate::view::Segment;

/// Where in the segment a problem is, and which element definition.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit {
    pub(crate) error: ElementError,
    /// 1-based element number.
    pub(crate) element: usize,
    pub(crate) repetition: Option<usize>,
    pub(crate) component: Option<usize>,
    pub(crate) de: Option<&'static str>,
    /// Byte offset of the element (or the segment when the element is absent).
    pub(crate) offset: usize,
}

/// Reports one problem: error, repetition, component, data element, the bytes concerned.
type Report<'r> = dyn FnMut(ElementError, Option<usize>, Option<usize>, &'static str, &[u8]) + 'r;

pub(crate) struct Checker<'a> {
    pub(crate) codes: Option<&'a dyn CodeListProvider>,
}

fn offset_in(seg: &Segment<'_>, part: &[u8]) -> usize {
    let base = seg.raw().as_ptr() as usize;
    seg.offset() + (part.as_ptr() as usize).saturating_sub(base)
}

impl Checker<'_> {
    /// Checks `seg` against `def`, calling `hit` for each problem.
    pub(crate) fn segment(&self, seg: &Segment<'_>, def: &Seg, hit: &mut dyn FnMut(Hit)) {
        let delims = seg.delimiters();
        let comp_sep = delims.component();
        let rep_sep = delims.repetition();
        let els = def.els;
        let mut prev: &[u8] = &[];
        let mut k = 0;
        for e in seg.elements() {
            k += 1;
            let raw = e.raw();
            let Some(d) = els.get(k - 1) else {
                if !raw.is_empty() {
                    hit(Hit {
                        error: ElementError::TooManyElements,
                        element: k,
                        repetition: None,
                        component: None,
                        de: None,
                        offset: offset_in(seg, raw),
                    });
                    break;
                }
                continue;
            };
            let mut report = |error, repetition, component, de: &'static str, part: &[u8]| {
                hit(Hit {
                    error,
                    element: k,
                    repetition,
                    component,
                    de: Some(de),
                    offset: offset_in(seg, part),
                })
            };
            if raw.is_empty() {
                if d.u == b'R' {
                    report(ElementError::RequiredMissing, None, None, d.de, raw);
                }
                prev = raw;
                continue;
            }
            if d.u == b'N' {
                report(ElementError::NotUsedPresent, None, None, d.de, raw);
                prev = raw;
                continue;
            }
            let split = raw.iter().any(|&b| b == comp_sep || Some(b) == rep_sep);
            if !split && d.ty != Ty::Comp {
                // The common case: one simple value.
                if let Some(err) = self.value(d, raw, prev) {
                    report(err, (d.rep > 1).then_some(1), None, d.de, raw);
                }
                prev = raw;
                continue;
            }
            let reps = e.repetition_count();
            let max_rep = usize::from(d.rep.max(1));
            let show_rep = reps > 1 || max_rep > 1;
            for (r, rep) in e.repetitions().enumerate() {
                let rnum = show_rep.then_some(r + 1);
                if r >= max_rep {
                    report(
                        ElementError::TooManyRepetitions,
                        rnum,
                        None,
                        d.de,
                        rep.raw(),
                    );
                    break;
                }
                if d.ty == Ty::Comp {
                    if d.comps.is_empty() {
                        continue;
                    }
                    let mut c = 0;
                    for comp in rep.components() {
                        c += 1;
                        let craw = comp.raw();
                        let Some(cd) = d.comps.get(c - 1) else {
                            if !craw.is_empty() {
                                report(ElementError::TooManyComponents, rnum, Some(c), d.de, craw);
                                break;
                            }
                            continue;
                        };
                        self.component(cd, craw, rnum, c, &mut report);
                    }
                    // Required components after the last one present.
                    for (j, cd) in d.comps.iter().enumerate().skip(c) {
                        if cd.u == b'R' {
                            let end = rep.raw().get(rep.raw().len()..).unwrap_or(&[]);
                            report(ElementError::RequiredMissing, rnum, Some(j + 1), cd.de, end);
                        }
                    }
                } else {
                    if rep.raw().contains(&comp_sep) {
                        report(
                            ElementError::TooManyComponents,
                            rnum,
                            Some(2),
                            d.de,
                            rep.raw(),
                        );
                        continue;
                    }
                    if let Some(err) = self.value(d, rep.raw(), prev) {
                        report(err, rnum, None, d.de, rep.raw());
                    }
                }
            }
            prev = raw;
        }
        // Required elements after the last one present.
        for (j, d) in els.iter().enumerate().skip(k) {
            if d.u == b'R' {
                hit(Hit {
                    error: ElementError::RequiredMissing,
                    element: j + 1,
                    repetition: None,
                    component: None,
                    de: Some(d.de),
                    offset: seg.offset() + seg.raw().len(),
                });
            }
        }
        for rule in def.syn {
            syntax_note(seg, rule, &mut |error, element| {
                let offset = seg
                    .element(element)
                    .map_or(seg.offset(), |e| offset_in(seg, e.raw()));
                hit(Hit {
                    error,
                    element,
                    repetition: None,
                    component: None,
                    de: els.get(element.wrapping_sub(1)).map(|d| d.de),
                    offset,
                })
            });
        }
    }

    /// Checks one component of a composite.
    fn component(
        &self,
        cd: &El,
        craw: &[u8],
        rnum: Option<usize>,
        c: usize,
        report: &mut Report<'_>,
    ) {
        if craw.is_empty() {
            if cd.u == b'R' {
                report(ElementError::RequiredMissing, rnum, Some(c), cd.de, craw);
            }
            return;
        }
        if cd.u == b'N' {
            report(ElementError::NotUsedPresent, rnum, Some(c), cd.de, craw);
            return;
        }
        if let Some(err) = self.value(cd, craw, &[]) {
            report(err, rnum, Some(c), cd.de, craw);
        }
    }

    /// Checks one simple value; `prev` is the element before it (for DTP03/DMG02, whose
    /// format the qualifier before names).
    fn value(&self, d: &El, v: &[u8], prev: &[u8]) -> Option<ElementError> {
        if same(d.de, b"1251") {
            return date_time_period(prev, v);
        }
        match d.ty {
            Ty::ID => {
                if !d.codes.is_empty() {
                    if !d.codes.iter().any(|c| same(c, v)) {
                        return Some(ElementError::InvalidCode);
                    }
                    return None;
                }
                if let Some(e) = length(d, v.len()) {
                    return Some(e);
                }
                self.external(d, v)
            }
            Ty::AN | Ty::B | Ty::Comp => {
                if d.ty == Ty::AN && v.iter().any(|&b| b < 0x20 || b == 0x7F) {
                    return Some(ElementError::InvalidCharacter);
                }
                if let Some(e) = length(d, v.len()) {
                    return Some(e);
                }
                if !d.codes.is_empty() && !d.codes.iter().any(|c| same(c, v)) {
                    return Some(ElementError::InvalidCode);
                }
                self.external(d, v)
            }
            Ty::N0 => numeric(d, v, Some(0)),
            Ty::N2 => numeric(d, v, Some(2)),
            Ty::R => numeric(d, v, None),
            Ty::DT => match v.len() {
                8 if valid_ccyymmdd(v) => None,
                6 if d.min <= 6 && crate::envelope::valid_yymmdd(v) => None,
                _ => Some(ElementError::InvalidDate),
            },
            Ty::TM => (!valid_time(v)).then_some(ElementError::InvalidTime),
        }
    }

    fn external(&self, d: &El, v: &[u8]) -> Option<ElementError> {
        if d.ext.is_empty() {
            return None;
        }
        let provider = self.codes?;
        let text = std::str::from_utf8(v).ok()?;
        match provider.is_valid(d.ext, d.de, text) {
            Some(false) => Some(ElementError::InvalidExternalCode),
            _ => None,
        }
    }
}

/// `a == b` byte by byte: codes are short, a `memcmp` call per comparison costs more.
pub(crate) fn same(a: &str, b: &[u8]) -> bool {
    a.len() == b.len() && a.bytes().zip(b).all(|(x, &y)| x == y)
}

fn length(d: &El, len: usize) -> Option<ElementError> {
    if len < usize::from(d.min) {
        Some(ElementError::TooShort)
    } else if d.max > 0 && len > usize::from(d.max) {
        Some(ElementError::TooLong)
    } else {
        None
    }
}

/// Checks an `R` (`implied: None`) or `Nn` (`Some(n)`) value with the crate's one
/// number grammar ([`crate::decimal::lex`]), so what passes here is what
/// [`Decimal::parse`](crate::Decimal::parse) and the models read. Length counts digits
/// only (X12.6: without sign and point). A value of valid syntax and length that a
/// `Decimal` cannot hold (an `R` 1/20 measurement past ±9.2 × 10¹⁸, or more than 18
/// fraction digits) is reported as too long rather than accepted and then unreadable.
fn numeric(d: &El, v: &[u8], implied: Option<usize>) -> Option<ElementError> {
    let n = match crate::decimal::lex(v) {
        Ok(n) if !(n.point && implied.is_some()) => n,
        _ => return Some(ElementError::InvalidCharacter),
    };
    if let Some(e) = length(d, n.digits) {
        return Some(e);
    }
    let value = match implied {
        Some(places) => n.implied(places),
        None => n.value(),
    };
    value.is_err().then_some(ElementError::TooLong)
}

pub(crate) fn valid_ccyymmdd(v: &[u8]) -> bool {
    if v.len() != 8 || !v.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |s: &[u8]| s.iter().fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'));
    let (y, m, d) = (num(&v[..4]), num(&v[4..6]), num(&v[6..8]));
    (1..=crate::envelope::days_in_month(y, m)).contains(&d)
}

/// HHMM, HHMMSS, or HHMMSS with one or two decimal seconds.
pub(crate) fn valid_time(v: &[u8]) -> bool {
    if !matches!(v.len(), 4 | 6 | 7 | 8) || !v.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |s: &[u8]| s.iter().fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'));
    num(&v[..2]) < 24 && num(&v[2..4]) < 60 && (v.len() < 6 || num(&v[4..6]) < 60)
}

/// DTP03 / DMG02 (element 1251) in the format its qualifier names.
fn date_time_period(format: &[u8], v: &[u8]) -> Option<ElementError> {
    let ok = match format {
        b"D8" => valid_ccyymmdd(v),
        b"RD8" => {
            let mut parts = v.splitn(2, |&b| b == b'-');
            let a = parts.next().unwrap_or(&[]);
            let b = parts.next().unwrap_or(&[]);
            valid_ccyymmdd(a) && valid_ccyymmdd(b) && a <= b
        }
        b"DT" => v.len() == 12 && valid_ccyymmdd(&v[..8]) && valid_time(&v[8..]),
        b"TM" => valid_time(v),
        _ => return (v.len() > 35).then_some(ElementError::TooLong),
    };
    (!ok).then_some(ElementError::InvalidDate)
}

/// Applies one X12 syntax note (`P0809`: paired; `R0203`: at least one; `E0207`: at
/// most one; `C1110`: if the first, all others; `L030405`: if the first, at least one
/// of the others).
fn syntax_note(seg: &Segment<'_>, rule: &str, report: &mut dyn FnMut(ElementError, usize)) {
    let b = rule.as_bytes();
    let Some((&kind, rest)) = b.split_first() else {
        return;
    };
    let mut buf = [0usize; 12];
    let mut n = 0;
    for c in rest.chunks(2) {
        if let (Some(slot), [a @ b'0'..=b'9', b @ b'0'..=b'9']) = (buf.get_mut(n), c) {
            *slot = usize::from(a - b'0') * 10 + usize::from(b - b'0');
            n += 1;
        }
    }
    let els = buf.get(..n).unwrap_or(&[]);
    let present = |k: usize| !seg.raw_element(k).is_empty();
    let Some(&first) = els.first() else { return };
    let missing = |from: usize| els.iter().skip(from).find(|&&k| !present(k)).copied();
    match kind {
        b'P' if els.iter().any(|&k| present(k)) => {
            if let Some(k) = missing(0) {
                report(ElementError::ConditionalRequiredMissing, k);
            }
        }
        b'R' if !els.iter().any(|&k| present(k)) => {
            report(ElementError::ConditionalRequiredMissing, first);
        }
        b'E' => {
            if let Some(&k) = els.iter().filter(|&&k| present(k)).nth(1) {
                report(ElementError::ExclusionViolated, k);
            }
        }
        b'C' if present(first) => {
            if let Some(k) = missing(1) {
                report(ElementError::ConditionalRequiredMissing, k);
            }
        }
        b'L' if present(first) && !els.iter().skip(1).any(|&k| present(k)) => {
            if let Some(&k) = els.get(1) {
                report(ElementError::ConditionalRequiredMissing, k);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::numeric;
    use crate::validate::balance::amount;
    use crate::validate::spec::{el, Ty};
    use crate::validate::ElementError;
    use crate::Decimal;

    include!("../../tests/common/number_table.rs");

    fn verdict(e: Option<ElementError>) -> &'static str {
        match e {
            None => "ok",
            Some(ElementError::InvalidCharacter) => "char",
            Some(ElementError::TooLong) => "long",
            Some(_) => "other",
        }
    }

    /// Every reader of X12 numbers in the crate against the one table: the element
    /// check (`R` and `N2`), `Decimal::parse`, `Nn` implied decimals, SNIP 3 amounts.
    #[test]
    fn number_readers_agree_with_the_table() {
        let r = el(b'R', "782", Ty::R, 1, 18, 1, &[], "");
        let n2 = el(b'R', "0", Ty::N2, 1, 18, 1, &[], "");
        for &(text, r_value, r_verdict, n2_value, n2_verdict) in NUMBERS {
            let v = text.as_bytes();
            let parsed = Decimal::parse(v).ok();
            assert_eq!(
                parsed.map(|d| d.to_string()).as_deref(),
                r_value,
                "{text:?}"
            );
            assert_eq!(verdict(numeric(&r, v, None)), r_verdict, "R {text:?}");
            let implied = crate::decimal::lex(v).and_then(|n| n.implied(2)).ok();
            assert_eq!(
                implied.map(|d| d.to_string()).as_deref(),
                n2_value,
                "{text:?}"
            );
            assert_eq!(verdict(numeric(&n2, v, Some(2))), n2_verdict, "N2 {text:?}");
            // Balancing reads exactly what the parser reads, at 18 decimals.
            let scaled = parsed.map(|d| i128::from(d.mantissa()) * 10i128.pow(18 - d.scale()));
            assert_eq!(amount(v), scaled, "{text:?}");
            // The invariants the table spells out: the validator accepts only what
            // the readers read, and rejects as a bad character only what they cannot.
            for (value, verdict) in [(r_value, r_verdict), (n2_value, n2_verdict)] {
                assert!(verdict != "ok" || value.is_some(), "{text:?}");
                assert!(verdict != "char" || value.is_none(), "{text:?}");
            }
        }
    }

    /// An `R` 1/20 measurement (MEA03) of 20 digits is as long as allowed but past
    /// what a `Decimal` holds: reported as too long, not accepted and then unreadable.
    #[test]
    fn values_past_decimal_range_are_too_long() {
        let mea = el(b'R', "739", Ty::R, 1, 20, 1, &[], "");
        assert_eq!(numeric(&mea, b"9223372036854775807", None), None);
        for v in [
            &b"9223372036854775808"[..],
            b"12345678901234567890",
            b"0.0000000000000000001",
        ] {
            assert!(Decimal::parse(v).is_err());
            assert_eq!(numeric(&mea, v, None), Some(ElementError::TooLong));
        }
        assert_eq!(numeric(&mea, b"00000000000000000001", None), None);
        assert_eq!(
            numeric(&mea, b"000000000000000000001", None),
            Some(ElementError::TooLong)
        );
    }
}
