//! The envelope pass: after the scan, group each interchange's segments into functional
//! groups (GS/GE) and transaction sets (ST/SE), and check the control numbers and counts.
//!
//! Nothing here aborts: a segment in an unexpected place is kept where it is and reported
//! as a [`Finding`].

use std::collections::HashSet;

use crate::error::Location;
use crate::finding::{Finding, FindingKind};
use crate::scan::{elem_span, IchEntry, Index};

/// One functional group: segment indexes into `Index::segs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GroupEntry {
    pub(crate) gs: u32,
    pub(crate) ge: Option<u32>,
    /// One past the group's last segment.
    pub(crate) end_seg: u32,
    pub(crate) first_set: u32,
    pub(crate) n_sets: u32,
}

/// One transaction set: segment indexes into `Index::segs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SetEntry {
    pub(crate) st: u32,
    pub(crate) se: Option<u32>,
    /// One past the set's last segment.
    pub(crate) end_seg: u32,
    /// Index of the enclosing GS segment.
    pub(crate) gs: u32,
}

/// Raw bytes of entry `k` of segment `i` (k = 0 is the identifier).
pub(crate) fn raw<'a>(input: &'a [u8], index: &Index, i: usize, k: usize) -> &'a [u8] {
    index
        .segs
        .get(i)
        .and_then(|seg| elem_span(index, seg, k))
        .and_then(|(s, e)| input.get(s..e))
        .unwrap_or(&[])
}

struct Ctx<'i> {
    input: &'i [u8],
    findings: Vec<Finding>,
    interchange: usize,
}

impl Ctx<'_> {
    fn report(&mut self, index: &Index, kind: FindingKind, seg: usize, element: Option<usize>) {
        let id = raw(self.input, index, seg, 0);
        let mut location = Location::segment(id, seg);
        let mut offset = index.segs.get(seg).map_or(0, |s| s.start as usize);
        if let Some(e) = element {
            location = location.with_element(e);
            if let Some((s, _)) = index.segs.get(seg).and_then(|g| elem_span(index, g, e)) {
                offset = s;
            }
        }
        self.findings.push(Finding {
            kind,
            offset,
            location,
            interchange: self.interchange,
        });
    }
}

/// Builds groups and sets for every interchange of `index` and records the findings.
pub(crate) fn build(input: &[u8], index: &mut Index) {
    let mut ctx = Ctx {
        input,
        findings: Vec::new(),
        interchange: 0,
    };
    // Hash sets: a file may hold many thousands of interchanges, groups or sets.
    let mut seen_isa13: HashSet<&[u8]> = HashSet::new();
    for n in 0..index.interchanges.len() {
        ctx.interchange = n;
        let mut ich = index.interchanges[n];
        build_interchange(&mut ctx, index, &mut ich);
        index.interchanges[n] = ich;
        let isa13 = raw(input, index, ich.first_seg as usize, 13);
        if !seen_isa13.insert(isa13) {
            ctx.report(
                index,
                FindingKind::DuplicateInterchangeControlNumber,
                ich.first_seg as usize,
                Some(13),
            );
        }
    }
    index.findings = ctx.findings;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Interchange,
    Group,
    Set,
    AfterIea,
}

fn build_interchange(ctx: &mut Ctx<'_>, index: &mut Index, ich: &mut IchEntry) {
    let input = ctx.input;
    let first = ich.first_seg as usize;
    let end = ich.end_seg as usize;
    check_isa(ctx, index, first);
    ich.first_group = index.groups.len() as u32;
    let mut state = State::Interchange;
    let mut in_unexpected_run = false;
    for i in first + 1..end {
        let id = raw(input, index, i, 0);
        let mut unexpected = false;
        // Does segment i belong to the open set / group (after handling it)?
        let (mut set_seg, mut group_seg) = (false, false);
        match id {
            b"GS" if state != State::AfterIea => {
                close_open(ctx, index, &mut state, i);
                index.groups.push(GroupEntry {
                    gs: i as u32,
                    ge: None,
                    end_seg: i as u32 + 1,
                    first_set: index.sets.len() as u32,
                    n_sets: 0,
                });
                state = State::Group;
                group_seg = true;
            }
            b"ST" if matches!(state, State::Group | State::Set) => {
                if state == State::Set {
                    close_set(ctx, index, i);
                }
                let gs = index.groups.last().map_or(0, |g| g.gs);
                index.sets.push(SetEntry {
                    st: i as u32,
                    se: None,
                    end_seg: i as u32 + 1,
                    gs,
                });
                if let Some(g) = index.groups.last_mut() {
                    g.n_sets += 1;
                }
                state = State::Set;
                (set_seg, group_seg) = (true, true);
            }
            b"SE" if state == State::Set => {
                if let Some(s) = index.sets.last_mut() {
                    s.se = Some(i as u32);
                }
                state = State::Group;
                (set_seg, group_seg) = (true, true);
            }
            b"GE" if matches!(state, State::Group | State::Set) => {
                if state == State::Set {
                    close_set(ctx, index, i);
                }
                if let Some(g) = index.groups.last_mut() {
                    g.ge = Some(i as u32);
                }
                state = State::Interchange;
                group_seg = true;
            }
            b"IEA" if state != State::AfterIea => {
                close_open(ctx, index, &mut state, i);
                ich.iea = Some(i as u32);
                state = State::AfterIea;
            }
            // TA1 acknowledgments sit between ISA and the first GS (or alone).
            b"TA1" if state == State::Interchange => {}
            _ => {
                unexpected = state != State::Set;
                set_seg = state == State::Set;
                group_seg = matches!(state, State::Set | State::Group);
            }
        }
        if unexpected && !in_unexpected_run {
            ctx.report(index, FindingKind::UnexpectedSegment, i, None);
        }
        in_unexpected_run = unexpected;
        if set_seg {
            if let Some(s) = index.sets.last_mut() {
                s.end_seg = i as u32 + 1;
            }
        }
        if group_seg {
            if let Some(g) = index.groups.last_mut() {
                g.end_seg = i as u32 + 1;
            }
        }
    }
    close_open(ctx, index, &mut state, end);
    ich.n_groups = index.groups.len() as u32 - ich.first_group;
    match ich.iea {
        None => ctx.report(index, FindingKind::MissingIea, end.saturating_sub(1), None),
        Some(iea) => check_iea(ctx, index, first, iea as usize, ich.n_groups as usize),
    }
    check_groups(ctx, index, ich.first_group as usize);
}

/// Closes whatever set and group are open before segment `at`.
fn close_open(ctx: &mut Ctx<'_>, index: &mut Index, state: &mut State, at: usize) {
    if *state == State::Set {
        close_set(ctx, index, at);
        *state = State::Group;
    }
    if *state == State::Group {
        let gs = index.groups.last().map_or(0, |g| g.gs as usize);
        ctx.report(index, FindingKind::MissingGe, gs, None);
        *state = State::Interchange;
    }
}

/// Reports the open set (which has no SE) as missing its trailer.
fn close_set(ctx: &mut Ctx<'_>, index: &mut Index, _at: usize) {
    let st = index.sets.last().map_or(0, |s| s.st as usize);
    ctx.report(index, FindingKind::MissingSe, st, None);
}

fn digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

fn number(b: &[u8]) -> Option<u64> {
    if !digits(b) || b.len() > 18 {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

fn check_isa(ctx: &mut Ctx<'_>, index: &Index, isa: usize) {
    let input = ctx.input;
    let mut width_ok = [true; 17];
    for (k, &w) in crate::delim::ISA_WIDTHS.iter().enumerate() {
        let e = k + 1;
        if raw(input, index, isa, e).len() != w {
            width_ok[e] = false;
            ctx.report(
                index,
                FindingKind::IsaElementWidth { element: e as u8 },
                isa,
                Some(e),
            );
        }
    }
    let v = |e: usize| raw(input, index, isa, e);
    let invalid = |ctx: &mut Ctx<'_>, e: usize| {
        ctx.report(
            index,
            FindingKind::IsaInvalidValue { element: e as u8 },
            isa,
            Some(e),
        )
    };
    // ISA01: 00 or 03 in 00501; 00401/00402 also allowed 01, 02, 04, 05 and 06.
    let isa01_ok = match v(12) {
        b"00501" => matches!(v(1), b"00" | b"03"),
        _ => matches!(v(1), [b'0', b'0'..=b'6']),
    };
    if width_ok[1] && !isa01_ok {
        invalid(ctx, 1);
    }
    if width_ok[3] && !matches!(v(3), b"00" | b"01") {
        invalid(ctx, 3);
    }
    if width_ok[12] && !digits(v(12)) {
        invalid(ctx, 12);
    }
    if width_ok[13] && !digits(v(13)) {
        invalid(ctx, 13);
    }
    if width_ok[14] && !matches!(v(14), b"0" | b"1") {
        invalid(ctx, 14);
    }
    if width_ok[15] && !matches!(v(15), b"P" | b"T") {
        invalid(ctx, 15);
    }
    if width_ok[9] && !valid_yymmdd(v(9)) {
        ctx.report(index, FindingKind::IsaInvalidDate, isa, Some(9));
    }
    if width_ok[10] && !valid_hhmm(v(10)) {
        ctx.report(index, FindingKind::IsaInvalidTime, isa, Some(10));
    }
}

/// A YYMMDD date (ISA09): month 1–12, day within the month (years are 2000–2099 for the
/// leap-year rule, which is only wrong for 2100).
pub(crate) fn valid_yymmdd(b: &[u8]) -> bool {
    match b {
        [y1, y2, m1, m2, d1, d2] if digits(b) => {
            let yy = u32::from(y1 - b'0') * 10 + u32::from(y2 - b'0');
            let mm = u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0');
            let dd = u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0');
            (1..=days_in_month(2000 + yy, mm)).contains(&dd)
        }
        _ => false,
    }
}

/// An HHMM time (ISA10, GS05 prefix).
pub(crate) fn valid_hhmm(b: &[u8]) -> bool {
    match b {
        [h1, h2, m1, m2] if digits(b) => {
            let hh = u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0');
            let mm = u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0');
            hh < 24 && mm < 60
        }
        _ => false,
    }
}

pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn check_iea(ctx: &mut Ctx<'_>, index: &Index, isa: usize, iea: usize, n_groups: usize) {
    let input = ctx.input;
    if number(raw(input, index, iea, 1)) != Some(n_groups as u64) {
        ctx.report(index, FindingKind::GroupCountMismatch, iea, Some(1));
    }
    if raw(input, index, iea, 2) != raw(input, index, isa, 13) {
        ctx.report(
            index,
            FindingKind::InterchangeControlNumberMismatch,
            iea,
            Some(2),
        );
    }
}

/// Transaction sets each functional identifier (GS01) groups, for the HIPAA and common
/// X12 sets. GS01 codes not listed here are not checked.
fn sets_of(gs01: &[u8]) -> Option<&'static [&'static [u8]]> {
    Some(match gs01 {
        b"HC" => &[b"837"],
        b"HP" => &[b"835"],
        b"HS" => &[b"270"],
        b"HB" => &[b"271"],
        b"HR" => &[b"276"],
        b"HN" => &[b"277"],
        b"HI" => &[b"278"],
        b"BE" => &[b"834"],
        b"RA" => &[b"820"],
        b"FA" => &[b"997", b"999"],
        _ => return None,
    })
}

/// The functional identifier (GS01) a HIPAA transaction set must be grouped under.
fn group_of(st01: &[u8]) -> Option<&'static [u8]> {
    Some(match st01 {
        b"837" => b"HC",
        b"835" => b"HP",
        b"270" => b"HS",
        b"271" => b"HB",
        b"276" => b"HR",
        b"277" => b"HN",
        b"278" => b"HI",
        b"834" => b"BE",
        b"820" => b"RA",
        b"997" | b"999" => b"FA",
        _ => return None,
    })
}

fn check_groups(ctx: &mut Ctx<'_>, index: &Index, first_group: usize) {
    let input = ctx.input;
    let mut seen_gs06: HashSet<&[u8]> = HashSet::new();
    for g in index.groups.iter().skip(first_group) {
        let gs = g.gs as usize;
        let gs06 = raw(input, index, gs, 6);
        if !digits(gs06) || gs06.len() > 9 {
            ctx.report(index, FindingKind::InvalidGroupControlNumber, gs, Some(6));
        } else if !seen_gs06.insert(gs06) {
            ctx.report(index, FindingKind::DuplicateGroupControlNumber, gs, Some(6));
        }
        let gs08 = raw(input, index, gs, 8);
        if gs08.len() < 6 || gs08.len() > 12 || !digits(&gs08[..6.min(gs08.len())]) {
            ctx.report(index, FindingKind::UnsupportedGroupVersion, gs, Some(8));
        }
        if let Some(ge) = g.ge.map(|v| v as usize) {
            if number(raw(input, index, ge, 1)) != Some(u64::from(g.n_sets)) {
                ctx.report(index, FindingKind::SetCountMismatch, ge, Some(1));
            }
            if raw(input, index, ge, 2) != gs06 {
                ctx.report(index, FindingKind::GroupControlNumberMismatch, ge, Some(2));
            }
        }
        let gs01 = raw(input, index, gs, 1);
        let allowed = sets_of(gs01);
        let mut seen_st02: HashSet<&[u8]> = HashSet::new();
        let sets = index
            .sets
            .get(g.first_set as usize..(g.first_set + g.n_sets) as usize)
            .unwrap_or(&[]);
        for s in sets {
            let st = s.st as usize;
            let st01 = raw(input, index, st, 1);
            let st02 = raw(input, index, st, 2);
            let id_ok = st01.len() == 3 && digits(st01);
            let misgrouped = allowed.is_some_and(|a| !a.contains(&st01))
                || group_of(st01).is_some_and(|g| g != gs01);
            if !id_ok || misgrouped {
                ctx.report(index, FindingKind::InvalidSetIdentifier, st, Some(1));
            }
            if !(4..=9).contains(&st02.len()) {
                ctx.report(index, FindingKind::InvalidSetControlNumber, st, Some(2));
            } else if !seen_st02.insert(st02) {
                ctx.report(index, FindingKind::DuplicateSetControlNumber, st, Some(2));
            }
            let st03 = raw(input, index, st, 3);
            if !st03.is_empty() && st03 != gs08 {
                ctx.report(
                    index,
                    FindingKind::ImplementationReferenceMismatch,
                    st,
                    Some(3),
                );
            }
            if let Some(se) = s.se.map(|v| v as usize) {
                let count = (se + 1 - st) as u64;
                if number(raw(input, index, se, 1)) != Some(count) {
                    ctx.report(index, FindingKind::SegmentCountMismatch, se, Some(1));
                }
                if raw(input, index, se, 2) != st02 {
                    ctx.report(index, FindingKind::SetControlNumberMismatch, se, Some(2));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isa_dates_and_times() {
        assert!(valid_yymmdd(b"240229"));
        assert!(!valid_yymmdd(b"230229"));
        assert!(!valid_yymmdd(b"241301"));
        assert!(!valid_yymmdd(b"24010"));
        assert!(valid_hhmm(b"2359"));
        assert!(!valid_hhmm(b"2400"));
        assert!(!valid_hhmm(b"12:0"));
    }
}
