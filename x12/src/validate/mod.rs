//! Validation: SNIP 1 (syntax and envelopes), SNIP 2 (implementation-guide usage,
//! repeats, lengths, data types and X12-internal code values), SNIP 3 (balancing), SNIP 4
//! (837 situational requirements: the payer claim control number of replacement and
//! void claims; 837I admission date, admitting diagnosis, attending provider, ...) and,
//! through a [`CodeListProvider`], SNIP 5 external code sets.
//!
//! Validation never stops at the first problem: every [`Issue`] carries its byte offset,
//! its segment's position in the transaction set, element / component / repetition,
//! the innermost loop id, and the 999 or TA1 code that reports it.
//!
//! The segment and element tables are generated (`x12/tools/gen_validate_tables.py`)
//! from the pyx12 maps for 837P, 837I, 835 and 999, and from compact hand tables for
//! 270/271, 997 and 837D (the latter written from TigerShark's X224A2 definitions);
//! transaction sets without a guide are checked segment by segment against generic
//! definitions (element types and lengths only).

mod balance;
mod element;
mod issue;
mod situational;
mod spec;
#[allow(clippy::all, missing_docs)]
#[rustfmt::skip]
mod tables;

pub use issue::{BalanceError, ElementError, Issue, IssueKind, SegmentError, SituationalRule};

use crate::error::Location;
use crate::finding::Severity;
use crate::loops::{Guide, LoopFindingKind, LoopTree};
use crate::view::{Document, Segment, TransactionSet};
use element::{Checker, Hit};
use spec::{LoopRule, Seg, Table};

/// Answers for code lists this crate does not ship (CARC/RARC claim adjustment and remark
/// codes, place of service, states, countries, currencies, ...). Implement it over your
/// licensed code sets.
///
/// # Examples
/// ```
/// use carewire_x12::{CodeListProvider, Validator};
/// struct Carc;
/// impl CodeListProvider for Carc {
///     fn is_valid(&self, list: &str, _element: &str, value: &str) -> Option<bool> {
///         (list == "carc").then(|| matches!(value, "45" | "2" | "1"))
///     }
/// }
/// let validator = Validator::new().with_code_lists(&Carc);
/// # let _ = validator;
/// ```
pub trait CodeListProvider {
    /// Whether `value` is in external code list `list` (`"carc"`, `"remark_code"`,
    /// `"pos"`, `"states"`, `"country"`, `"currency"`) for data element `element` (e.g.
    /// `"1034"`); `None` when the provider does not know the list (nothing is reported).
    fn is_valid(&self, list: &str, element: &str, value: &str) -> Option<bool>;
}

/// Validates documents. Cheap to build; holds only options.
#[derive(Clone, Copy, Default)]
pub struct Validator<'c> {
    codes: Option<&'c dyn CodeListProvider>,
    skip_balancing: bool,
}

impl std::fmt::Debug for Validator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("code_lists", &self.codes.is_some())
            .field("balancing", &!self.skip_balancing)
            .finish()
    }
}

/// Everything validation found in one document, in document order within each
/// transaction set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    issues: Vec<Issue>,
}

impl Report {
    /// Every issue.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Whether any issue is an error.
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity() == Severity::Error)
    }

    /// The error-level issues.
    pub fn errors(&self) -> impl Iterator<Item = &Issue> + '_ {
        self.issues
            .iter()
            .filter(|i| i.severity() == Severity::Error)
    }

    /// The issues of one transaction set.
    pub fn for_set(
        &self,
        interchange: usize,
        group: usize,
        set: usize,
    ) -> impl Iterator<Item = &Issue> + '_ {
        self.issues.iter().filter(move |i| {
            i.interchange == interchange && i.group == Some(group) && i.set == Some(set)
        })
    }

    /// The issues of one functional group that concern no single set (AK9 codes).
    pub fn for_group(&self, interchange: usize, group: usize) -> impl Iterator<Item = &Issue> + '_ {
        self.issues.iter().filter(move |i| {
            i.interchange == interchange && i.group == Some(group) && i.set.is_none()
        })
    }

    /// The issues of one interchange.
    pub fn for_interchange(&self, interchange: usize) -> impl Iterator<Item = &Issue> + '_ {
        self.issues
            .iter()
            .filter(move |i| i.interchange == interchange)
    }

    /// Number of issues.
    pub fn len(&self) -> usize {
        self.issues.len()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }
}

/// Validates a document with the default [`Validator`].
///
/// # Examples
/// ```
/// use carewire_x12::{validate, Document, ElementError, IssueKind};
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
/// *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~\
/// ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~NM1*41*2*SUB*****46*S1~\
/// PER*IC*JANE*TE*5555551234~NM1*40*2*RCV*****46*R1~HL*1**20*1~\
/// NM1*85*2*BILLING*****XX*1234567893~N3*1 MAIN ST~N4*TOWN*NY*10001~REF*EI*123456789~\
/// HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*123456789~NM1*PR*2*PAYER*****PI*12345~\
/// CLM*A1*100***11:B:1*Y*A*Y*Y~HI*ABK:J209~LX*1~SV1*HC:99213*90*UN*1***1~DTP*472*D8*20240101~\
/// SE*20*0001~GE*1*1~IEA*1*000000001~";
/// let doc = Document::parse(input)?;
/// let report = validate(&doc);
/// // CLM02 (100) is not the sum of the line charges (90).
/// let kinds: Vec<_> = report.issues().iter().map(|i| i.kind.to_string()).collect();
/// assert_eq!(kinds, ["CLM02 does not equal the sum of the line charges"]);
/// assert_eq!(report.issues()[0].loop_id, "2300");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate(doc: &Document<'_>) -> Report {
    Validator::new().validate(doc)
}

fn table_of(guide: Guide) -> Option<&'static Table> {
    Some(match guide {
        Guide::Professional837 => &tables::P837,
        Guide::Institutional837 => &tables::I837,
        Guide::Dental837 => &tables::D837,
        Guide::Remittance835 => &tables::R835,
        Guide::EligibilityInquiry270 => &tables::Q270,
        Guide::EligibilityResponse271 => &tables::S271,
        Guide::Acknowledgment999 => &tables::A999,
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

/// Where a set sits: indexes for the issues it produces.
#[derive(Clone, Copy)]
struct SetCtx {
    interchange: usize,
    group: usize,
    set: usize,
}

impl<'c> Validator<'c> {
    /// A validator with every check on and no external code lists.
    pub fn new() -> Validator<'c> {
        Validator::default()
    }

    /// Checks external code lists (CARC, RARC, place of service, ...) with `provider`.
    pub fn with_code_lists(mut self, provider: &'c dyn CodeListProvider) -> Validator<'c> {
        self.codes = Some(provider);
        self
    }

    /// Turns SNIP 3 balancing on (the default) or off.
    pub fn balancing(mut self, on: bool) -> Validator<'c> {
        self.skip_balancing = !on;
        self
    }

    /// Validates every interchange, group and transaction set of `doc`.
    pub fn validate(&self, doc: &Document<'_>) -> Report {
        let mut issues = Vec::new();
        self.envelope(doc, &mut issues);
        for (n, ich) in doc.interchanges().enumerate() {
            for (g, group) in ich.groups().enumerate() {
                for (s, set) in group.transaction_sets().enumerate() {
                    let ctx = SetCtx {
                        interchange: n,
                        group: g,
                        set: s,
                    };
                    self.set(doc, &set, ctx, &mut issues);
                }
            }
        }
        Report { issues }
    }

    /// Envelope findings, placed in their group and set.
    fn envelope(&self, doc: &Document<'_>, out: &mut Vec<Issue>) {
        for f in doc.findings() {
            let seg_index = f.location.segment_index();
            let (mut group, mut set, mut position) = (None, None, None);
            if let (Some(ich), Some(si)) = (doc.interchange(f.interchange), seg_index) {
                for (g, grp) in ich.groups().enumerate() {
                    let Some(gs) = grp.gs() else { continue };
                    let end = gs.position() + grp.segments().len();
                    if si < gs.position() || si >= end {
                        continue;
                    }
                    group = Some(g);
                    for (s, ts) in grp.transaction_sets().enumerate() {
                        let Some(st) = ts.st() else { continue };
                        if si >= st.position() && si < st.position() + ts.segment_count() {
                            set = Some(s);
                            position = Some(si - st.position());
                        }
                    }
                }
            }
            // Group-level codes belong to the group even when raised at a set's segment.
            if matches!(f.ack_code(), crate::AckCode::Ak9(_)) {
                set = None;
                position = None;
            }
            if matches!(f.ack_code(), crate::AckCode::Ta1Note(_)) {
                group = None;
                set = None;
                position = None;
            }
            out.push(Issue {
                kind: IssueKind::Envelope(f.kind),
                offset: f.offset,
                location: f.location,
                interchange: f.interchange,
                group,
                set,
                position,
                loop_id: "",
                data_element: None,
            });
        }
    }

    fn set(&self, doc: &Document<'_>, set: &TransactionSet<'_>, ctx: SetCtx, out: &mut Vec<Issue>) {
        let start = out.len();
        let guide = set.guide();
        let table = guide.and_then(table_of);
        let tree = guide.map(|g| LoopTree::build(set, g));
        let st_pos = set.st().map_or(0, |s| s.position());
        let count = set.segment_count();
        let checker = Checker { codes: self.codes };
        let issue = |kind: IssueKind,
                     pos: usize,
                     location: Location,
                     offset: usize,
                     loop_id: &'static str,
                     de: Option<&'static str>| Issue {
            kind,
            offset,
            location,
            interchange: ctx.interchange,
            group: Some(ctx.group),
            set: Some(ctx.set),
            position: Some(pos),
            loop_id,
            data_element: de,
        };
        let loop_of = |pos: usize| tree.as_ref().map_or("", |t| t.loop_of(pos));

        // Loop-builder findings (unexpected, out of order, HL problems).
        if let Some(t) = &tree {
            for f in t.findings() {
                let Some(seg) = doc.segment(st_pos + f.position) else {
                    continue;
                };
                let kind = if f.kind == LoopFindingKind::UnexpectedSegment
                    && !crate::scan::valid_segment_id(seg.id())
                {
                    IssueKind::Segment(SegmentError::UnrecognizedSegmentId)
                } else {
                    IssueKind::Loop(f.kind)
                };
                out.push(issue(
                    kind,
                    f.position,
                    seg.location(),
                    f.offset,
                    loop_of(f.position),
                    None,
                ));
            }
        }

        // Segment and element checks. Uses per (loop instance, definition) are packed as
        // node << 40 | definition << 24 | position and counted after a sort.
        let mut uses: Vec<u64> = Vec::new();
        let mut cache = DefCache::new();
        for (pos, seg) in set.segments().enumerate() {
            if pos == 0 || (pos + 1 == count && seg.id() == b"SE") {
                continue;
            }
            let lp = loop_of(pos);
            let def: Option<&Seg> = match (table, &tree) {
                (Some(t), Some(tree)) => {
                    let (first, defs) = cache.defs(t, lp, seg.id());
                    match pick(defs, &seg) {
                        Some(k) => {
                            let def = &defs[k];
                            let node = tree.node_of(pos).unwrap_or(0) as u64;
                            uses.push(node << 40 | ((first + k) as u64) << 24 | pos as u64);
                            if def.u == b'N' {
                                out.push(issue(
                                    IssueKind::Segment(SegmentError::NotUsedSegmentPresent),
                                    pos,
                                    seg.location(),
                                    seg.offset(),
                                    lp,
                                    None,
                                ));
                            }
                            Some(def)
                        }
                        // Not in this loop: the loop builder reported it, or the loop
                        // table is wider than the guide's; check the syntax alone.
                        None => generic(&seg),
                    }
                }
                _ => generic(&seg),
            };
            let Some(def) = def else { continue };
            if !def.checked {
                continue;
            }
            checker.segment(&seg, def, &mut |h: Hit| {
                let mut location = seg.location().with_element(h.element);
                if let Some(r) = h.repetition {
                    location = location.with_repetition(r);
                }
                if let Some(c) = h.component {
                    location = location.with_component(c);
                }
                out.push(issue(
                    IssueKind::Element(h.error),
                    pos,
                    location,
                    h.offset,
                    lp,
                    h.de,
                ));
            });
        }

        // Required segments and loops, loop repeats.
        if let (Some(t), Some(tree)) = (table, &tree) {
            // Segments and loops beyond 4M positions or 16M loop instances do not pack:
            // an interchange holds at most `max_segments` (4,000,000) segments.
            uses.sort_unstable();
            self.cardinality(t, tree, &uses, &mut |kind, pos, id: &str, lp| {
                let seg = doc.segment(st_pos + pos.min(count.saturating_sub(1)));
                let offset = seg.map_or(0, |s| s.offset());
                let location = Location::segment(id.as_bytes(), st_pos + pos);
                out.push(issue(
                    IssueKind::Segment(kind),
                    pos,
                    location,
                    offset,
                    lp,
                    None,
                ));
            });
        }

        // SNIP 4 situational requirements, reported at the claim's CLM so that the 999
        // names the claim (IK3 context CLM01).
        let claims_guide = matches!(
            guide,
            Some(Guide::Professional837 | Guide::Institutional837 | Guide::Dental837)
        );
        if let (true, Some(tree)) = (claims_guide, &tree) {
            let institutional = guide == Some(Guide::Institutional837);
            let mut found = Vec::new();
            situational::claims(set, tree, institutional, &mut found);
            for m in found {
                let seg = doc.segment(st_pos + m.position);
                out.push(issue(
                    IssueKind::Situational(m.rule),
                    m.position,
                    Location::segment(m.rule.segment_id().as_bytes(), st_pos + m.position),
                    seg.map_or(0, |s| s.offset()),
                    m.rule.loop_id(),
                    None,
                ));
            }
        }

        if !self.skip_balancing {
            let mut found = Vec::new();
            match set.id() {
                b"835" => balance::remittance(set, &mut found),
                b"837" => balance::claims(set, &mut found),
                _ => {}
            }
            for b in found {
                let Some(seg) = doc.segment(st_pos + b.position) else {
                    continue;
                };
                let offset = seg.element(b.element).map_or(seg.offset(), |e| {
                    seg.offset()
                        + (e.raw().as_ptr() as usize).saturating_sub(seg.raw().as_ptr() as usize)
                });
                let de = match b.error {
                    BalanceError::PaymentTotal
                    | BalanceError::LineAdjustments
                    | BalanceError::ClaimAdjustments
                    | BalanceError::ClaimCharge => "782",
                };
                out.push(issue(
                    IssueKind::Balance(b.error),
                    b.position,
                    seg.location().with_element(b.element),
                    offset,
                    loop_of(b.position),
                    Some(de),
                ));
            }
        }
        // Document order within the set (stable: a segment's own findings keep their order).
        if let Some(mine) = out.get_mut(start..) {
            mine.sort_by_key(|i| i.position);
        }
    }

    fn cardinality(
        &self,
        t: &Table,
        tree: &LoopTree,
        uses: &[u64],
        report: &mut dyn FnMut(SegmentError, usize, &str, &'static str),
    ) {
        let nodes = tree.nodes();
        let node_of = |u: u64| (u >> 40) as usize;
        let def_of = |u: u64| ((u >> 24) & 0xFFFF) as usize;
        let pos_of = |u: u64| (u & 0xFF_FFFF) as usize;
        // Children of each node in document order: (parent, child) packed, sorted.
        let mut kids: Vec<u64> = nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.parent().map(|p| (p as u64) << 32 | i as u64))
            .collect();
        kids.sort_unstable();
        let mut u = 0;
        let mut k = 0;
        // Per loop id: its required segment definitions and child-loop rules.
        type Needs = (
            &'static str,
            Vec<(usize, &'static str)>,
            &'static [LoopRule],
        );
        let mut loop_cache: Vec<Needs> = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let id = node.id();
            let slot = match loop_cache.iter().position(|c| std::ptr::eq(c.0, id)) {
                Some(c) => c,
                None => {
                    let (first, segs) = t.loop_segs(id);
                    let required = segs
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.u == b'R')
                        .map(|(j, s)| (first + j, s.id))
                        .collect();
                    loop_cache.push((id, required, t.child_loops(id)));
                    loop_cache.len() - 1
                }
            };
            let Some((_, required, rules)) = loop_cache.get(slot) else {
                continue;
            };
            // This node's uses, grouped by definition (sorted by node, definition, position).
            while uses.get(u).is_some_and(|&x| node_of(x) < i) {
                u += 1;
            }
            let start = u;
            while uses.get(u).is_some_and(|&x| node_of(x) == i) {
                u += 1;
            }
            let mine = uses.get(start..u).unwrap_or(&[]);
            // Where a missing segment or child loop is reported: the last segment of this
            // instance's own (its child loops' segments not counted), so that the
            // position, and the claim a 999 CTX*CLM01 names, stay inside the instance
            // that lacks it. The instance's end (`end_segment`) is the next loop's first
            // segment (the next claim's CLM or HL, or SE) and named the wrong claim. X12
            // specifies no algorithm for the position of a missing segment (RFI #41,
            // 2008-05); UN/EDIFACT 0096 takes the last segment read before where the
            // missing one belongs, which this matches when the missing segment or loop
            // belongs after the instance's other own segments.
            let last_own = mine
                .iter()
                .map(|&x| pos_of(x))
                .fold(node.first_segment(), usize::max);
            let mut r = 0;
            while r < mine.len() {
                let d = def_of(mine[r]);
                let run = mine[r..].iter().take_while(|&&x| def_of(x) == d).count();
                if let Some(def) = t.segs.get(d) {
                    if def.max > 0 && run > def.max as usize {
                        let pos = pos_of(mine[r + def.max as usize]);
                        report(SegmentError::SegmentOverMaximumUse, pos, def.id, node.id());
                    }
                }
                r += run;
            }
            for &(d, sid) in required {
                if !mine.iter().any(|&x| def_of(x) == d) {
                    report(
                        SegmentError::RequiredSegmentMissing,
                        last_own,
                        sid,
                        node.id(),
                    );
                }
            }
            // Child loops.
            while kids.get(k).is_some_and(|&x| ((x >> 32) as usize) < i) {
                k += 1;
            }
            let kstart = k;
            while kids.get(k).is_some_and(|&x| (x >> 32) as usize == i) {
                k += 1;
            }
            let my_kids = kids.get(kstart..k).unwrap_or(&[]);
            for rule in rules.iter() {
                let mut n = 0usize;
                let mut extra = None;
                for &x in my_kids {
                    let c = (x & 0xFFFF_FFFF) as usize;
                    if nodes.get(c).is_some_and(|cn| cn.id() == rule.id) {
                        n += 1;
                        if rule.max > 0 && n == rule.max as usize + 1 {
                            extra = Some(c);
                        }
                    }
                }
                if rule.u == b'R' && n == 0 {
                    report(
                        SegmentError::RequiredLoopMissing,
                        last_own,
                        rule.trigger,
                        rule.id,
                    );
                }
                if let Some(c) = extra {
                    let pos = nodes.get(c).map_or(0, |n| n.first_segment());
                    report(SegmentError::LoopOverMaximum, pos, rule.trigger, rule.id);
                }
            }
        }
    }
}

/// Loop id address, segment id, index of the first definition, the definitions.
type CacheEntry = (usize, [u8; 3], usize, &'static [Seg]);

/// Remembers the definitions of recent (loop, segment id) pairs: a set holds few
/// distinct pairs, looked up once per segment.
struct DefCache {
    slots: Vec<Option<CacheEntry>>,
}

impl DefCache {
    fn new() -> DefCache {
        DefCache {
            slots: vec![None; 256],
        }
    }

    fn defs(&mut self, t: &'static Table, lp: &'static str, id: &[u8]) -> (usize, &'static [Seg]) {
        let mut key = [0u8; 3];
        for (k, b) in key.iter_mut().zip(id) {
            *k = *b;
        }
        if id.len() > 3 {
            return t.defs(lp, id);
        }
        let lp_addr = lp.as_ptr() as usize;
        let h = (lp_addr >> 3)
            ^ (usize::from(key[0]) << 1)
            ^ (usize::from(key[1]) << 4)
            ^ (usize::from(key[2]) << 6);
        let slot = h & 0xFF;
        if let Some(Some((a, k, first, defs))) = self.slots.get(slot) {
            if *a == lp_addr && *k == key {
                return (*first, defs);
            }
        }
        let (first, defs) = t.defs(lp, id);
        if let Some(s) = self.slots.get_mut(slot) {
            *s = Some((lp_addr, key, first, defs));
        }
        (first, defs)
    }
}

/// The generic definition of a segment id (types and lengths only).
fn generic(seg: &Segment<'_>) -> Option<&'static Seg> {
    let (_, defs) = tables::GENERIC.defs("", seg.id());
    defs.first()
}

/// Picks the definition a segment matches: the first whose coded qualifiers (element 1,
/// or component 1 of a composite element 1, then element 2) hold the segment's values;
/// the first definition when none does (its code check then reports the value).
fn pick(defs: &[Seg], seg: &Segment<'_>) -> Option<usize> {
    match defs.len() {
        0 => return None,
        1 => return Some(0),
        _ => {}
    }
    let key_matches = |def: &Seg, k: usize| -> Option<bool> {
        let d = def.els.get(k - 1)?;
        let (codes, value) = if d.ty == spec::Ty::Comp {
            let c = d.comps.first()?;
            (
                c.codes,
                seg.element(k)
                    .and_then(|e| e.component(1))
                    .map_or(&[][..], |c| c.raw()),
            )
        } else {
            (d.codes, seg.raw_element(k))
        };
        if codes.is_empty() {
            return None;
        }
        Some(codes.iter().any(|c| element::same(c, value)))
    };
    let first_ok = |i: &usize| {
        defs.get(*i)
            .is_some_and(|d| key_matches(d, 1).unwrap_or(true))
    };
    let mut candidates = (0..defs.len()).filter(first_ok);
    let Some(first) = candidates.next() else {
        return Some(0);
    };
    if key_matches(&defs[first], 2).unwrap_or(true) {
        return Some(first);
    }
    Some(
        candidates
            .find(|&i| key_matches(&defs[i], 2).unwrap_or(true))
            .unwrap_or(first),
    )
}
