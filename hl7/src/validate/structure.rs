//! Message-structure grammars and required-field tables for HL7 v2 validation.
//!
//! This module holds, as static tables, the abstract message syntax (HL7 v2.x
//! chapter 2, "abstract message syntax": `[ ]` optional, `{ }` repeating,
//! nested groups) of the message structures hospital flows use, for versions
//! 2.3 to 2.8, plus a matcher that checks a message's segment-ID sequence
//! against one of them, and the per-segment lists of required ("R") fields.
//!
//! Sources: the message-structure and segment definitions of the HL7 v2
//! standard as carried in the HL7 database, read from a machine-readable
//! derivative of it (the tables in hl7apy 1.3.5, MIT; Caristix hl7-definition
//! and HAPI's structure classes come from the same database), with trigger
//! event → structure from HL7 table 0354. Where that data disagrees with the
//! chapter text or omits something every version-appropriate message may carry
//! (e.g. `SFT`/`UAC` after `MSH` in `ORM_O01` and `SIU_S12`), the entry says so.
//!
//! # Leniency
//!
//! Validation is a conformance *report*, not a gate, so the tables lean towards
//! accepting what real feeds send when the standard is ambiguous or a
//! structure does not exist in the declared version:
//!
//! * A structure is evaluated at the declared version; a structure that the
//!   version does not define (e.g. `OML_O21` in 2.3, `ORM_O01` in 2.7+) is
//!   evaluated with the layout of the nearest version that defines it.
//! * Optional segments that a later version dropped stay accepted.
//! * `IN3` may repeat in every insurance group (it repeats from 2.3.1 on in
//!   ADT but not in every other structure; the difference never matters).
//!
//! Each such decision is marked `lenient:` next to the table entry.
//!
//! # Matching
//!
//! [`match_structure`] walks the segment IDs once, keeping a small fixed-size
//! stack of "where in the grammar are we" frames (at most `MAX_DEPTH`, 8). Each
//! segment is placed at the nearest position ahead of the current one that
//! accepts it (as HAPI's parser does); where the grammar is ambiguous or the
//! segment is misplaced, a bounded lookahead over the next few segments picks
//! the reading under which the rest of the message matches best. The cost per
//! segment is bounded by the grammar size, never by the message length: no
//! backtracking. A segment that fits nowhere is reported and skipped without
//! moving in the grammar, which is what resynchronises after an error. See the
//! function docs for the exact rules.

use Version::{V23, V231, V24, V25, V251, V26, V27, V28};

/// Normalised version, e.g. from "2.5.1" or "2.5^DEU" (take up to first '^'); unknown versions map to nearest (<2.3 → V23, >2.8 → V28).
///
/// Versions between two known ones map to the lower one ("2.3.2" → `V231`,
/// "2.7.1" → `V27`, "2.8.2" → `V28`), since sub-releases only add to the
/// release they extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Version {
    /// HL7 v2.3.
    V23,
    /// HL7 v2.3.1.
    V231,
    /// HL7 v2.4.
    V24,
    /// HL7 v2.5.
    V25,
    /// HL7 v2.5.1.
    V251,
    /// HL7 v2.6.
    V26,
    /// HL7 v2.7 (and 2.7.1).
    V27,
    /// HL7 v2.8 (and 2.8.1, 2.8.2; later versions clamp here).
    V28,
}

/// Known versions with their numeric (major, minor, patch) form, ascending.
const VERSION_NUMBERS: [((u32, u32, u32), Version); 8] = [
    ((2, 3, 0), V23),
    ((2, 3, 1), V231),
    ((2, 4, 0), V24),
    ((2, 5, 0), V25),
    ((2, 5, 1), V251),
    ((2, 6, 0), V26),
    ((2, 7, 0), V27),
    ((2, 8, 0), V28),
];

impl Version {
    /// Parses MSH-12 (version ID) text: everything up to the first `^`, trimmed,
    /// as `major[.minor[.patch]]` digits. Returns `None` for anything else
    /// (empty, non-numeric, more than three parts).
    pub(crate) fn parse(s: &str) -> Option<Version> {
        let text = s.split('^').next().unwrap_or("").trim();
        if text.is_empty() {
            return None;
        }
        let mut parts = [0u32; 3];
        for (n, part) in text.split('.').enumerate() {
            let slot = parts.get_mut(n)?;
            *slot = parse_u32(part)?;
        }
        let [major, minor, patch] = parts;
        let value = (major, minor, patch);
        // Floor: the highest known version not above `value`; below 2.3 → 2.3.
        let mut found = V23;
        for (number, version) in VERSION_NUMBERS {
            if number <= value {
                found = version;
            }
        }
        Some(found)
    }
}

/// Parses a short run of ASCII digits without overflow; `None` otherwise.
fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Resolve the structure: MSH-9.3 if given and known, else (type, trigger) table.
///
/// Comparison is ASCII case-insensitive and ignores surrounding whitespace.
/// An MSH-9.3 that names no structure covered here (e.g. the common mistake
/// `ADT_A04`) falls back to the (type, trigger) table, which follows HL7
/// table 0354 (2.5 edition; the covered mappings are the same in 2.3.1–2.8).
/// `ACK` resolves to `ACK` for every trigger.
pub(crate) fn structure_id(
    msg_type: &str,
    trigger: &str,
    msh9_3: Option<&str>,
) -> Option<&'static str> {
    if let Some(given) = msh9_3 {
        let given = given.trim();
        if let Some(known) = REGISTRY
            .iter()
            .filter_map(|versions| versions.first().map(|s| s.id))
            .find(|id| id.eq_ignore_ascii_case(given))
        {
            return Some(known);
        }
    }
    let msg_type = msg_type.trim();
    let trigger = trigger.trim();
    if msg_type.eq_ignore_ascii_case("ACK") {
        return Some("ACK");
    }
    EVENT_MAP
        .iter()
        .find(|(t, events, _)| {
            t.eq_ignore_ascii_case(msg_type)
                && events.iter().any(|e| e.eq_ignore_ascii_case(trigger))
        })
        .map(|entry| entry.2)
}

/// (message type, trigger events, structure) rows of HL7 table 0354 for the
/// covered structures.
static EVENT_MAP: &[(&str, &[&str], &str)] = &[
    ("ADT", &["A01", "A04", "A08", "A13"], "ADT_A01"),
    ("ADT", &["A02"], "ADT_A02"),
    ("ADT", &["A03"], "ADT_A03"),
    // 2.3/2.3.1 used ADT_A01 for these; `structure("ADT_A05", V23)` is the
    // same grammar, so one row serves every version.
    ("ADT", &["A05", "A14", "A28", "A31"], "ADT_A05"),
    ("ADT", &["A09", "A10", "A11"], "ADT_A09"),
    ("ADT", &["A12"], "ADT_A12"),
    ("ADT", &["A17"], "ADT_A17"),
    (
        "ADT",
        &["A30", "A34", "A35", "A36", "A46", "A47", "A48", "A49"],
        "ADT_A30",
    ),
    ("ADT", &["A39", "A40", "A41", "A42"], "ADT_A39"),
    ("ADT", &["A60"], "ADT_A60"),
    ("ORM", &["O01"], "ORM_O01"),
    ("OML", &["O21"], "OML_O21"),
    ("ORU", &["R01"], "ORU_R01"),
    // S25 is a query (SQM/SQR), not SIU.
    (
        "SIU",
        &[
            "S12", "S13", "S14", "S15", "S16", "S17", "S18", "S19", "S20", "S21", "S22", "S23",
            "S24", "S26",
        ],
        "SIU_S12",
    ),
    (
        "MDM",
        &["T01", "T03", "T05", "T07", "T09", "T11"],
        "MDM_T01",
    ),
    ("MDM", &["T02", "T04", "T06", "T08", "T10"], "MDM_T02"),
    ("DFT", &["P03"], "DFT_P03"),
    ("VXU", &["V04"], "VXU_V04"),
];

/// A message structure (e.g. `ADT_A01`) as defined in one version: an opaque
/// handle for [`match_structure`].
#[derive(Debug)]
pub(crate) struct Structure {
    /// Structure ID, as in MSH-9.3.
    id: &'static str,
    /// Version this grammar is evaluated at (filters version-ranged nodes).
    version: Version,
    /// Top-level sequence of the grammar.
    nodes: &'static [Node],
}

/// Looks up the grammar of structure `id` (ASCII case-insensitive) in version
/// `v`. `None` if the structure is not covered by this module.
pub(crate) fn structure(id: &str, v: Version) -> Option<&'static Structure> {
    let id = id.trim();
    REGISTRY
        .iter()
        .find(|versions| {
            versions
                .first()
                .is_some_and(|s| s.id.eq_ignore_ascii_case(id))
        })
        .and_then(|versions| versions.get(v as usize))
}

/// One finding from matching the segment-ID sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StructureIssue {
    /// A required segment (or the first segment of a required group) is missing; `at` is the index in `ids` where it was expected (ids.len() if at the end).
    MissingSegment {
        /// The missing segment's ID.
        segment: &'static str,
        /// Index in `ids` where it was expected.
        at: usize,
    },
    /// Segment at `index` is not allowed at this place (out of order, or an extra repetition of a non-repeating segment) but is known to the structure.
    OutOfPlace {
        /// Index of the segment in `ids`.
        index: usize,
    },
    /// Segment at `index` does not belong to this structure at all (includes Z-segments — report them as `ZSegment`).
    Unexpected {
        /// Index of the segment in `ids`.
        index: usize,
    },
    /// A Z segment (id starts with 'Z'); kept, reported for information.
    ZSegment {
        /// Index of the segment in `ids`.
        index: usize,
    },
}

/// Match the message's segment IDs (in order, including MSH at index 0) against the structure. Must be total (never panic), linear-ish (no exponential backtracking; messages can have 10k segments), and resynchronise after an error so one misplaced segment yields one finding, not a cascade.
///
/// Rules, per segment:
///
/// 1. Place it at the nearest grammar position ahead that accepts it without
///    skipping anything required: another repetition of the current segment
///    or group, a later sibling, a group it can start, then outwards. Where
///    several positions qualify (the grammar is ambiguous, e.g. `ORC` in
///    `OML_O21` starts a new order or a prior result), the one under which the
///    next few segments (`LOOKAHEAD`, 8) keep matching wins; ties go to the
///    nearest.
/// 2. Otherwise, a Z segment is reported as [`StructureIssue::ZSegment`] and a
///    segment the structure never mentions as [`StructureIssue::Unexpected`];
///    neither moves the grammar position.
/// 3. Otherwise the segment is either placed further ahead, reporting the
///    required nodes it skips as missing, or reported
///    [`StructureIssue::OutOfPlace`] without moving; the choice that lets more
///    of the following segments match (then: that leaves nothing missing at
///    the end) wins, and ties go to out-of-place.
///
/// At the end the required rest of the grammar is reported missing at
/// `ids.len()`. Finally a missing-segment finding is dropped when the same
/// segment ID was reported out of place (it is there, just misplaced), so a
/// swapped pair yields a single finding.
///
/// Cost: each segment costs one walk of the grammar; ambiguous or erroneous
/// ones add at most `MAX_CANDIDATES` (4) + 1 bounded lookaheads. The work state
/// is a fixed-size stack, so the only allocation is the result.
pub(crate) fn match_structure(s: &Structure, ids: &[&[u8]]) -> Vec<StructureIssue> {
    let mut issues = Vec::new();
    let mut state = State::new(s);
    let mut plans = [Plan::EMPTY; MAX_CANDIDATES];
    for (i, &id) in ids.iter().enumerate() {
        let n = state.candidates(id, false, &mut plans);
        if n > 0 {
            let candidates = plans.get(..n).unwrap_or(&[]);
            let best = if n == 1 {
                candidates.first()
            } else {
                best_candidate(s, &state, candidates, ids, i)
            };
            if let Some(plan) = best {
                state.apply(plan, i, &mut Sink::collect(&mut issues));
            }
            continue;
        }
        if is_z(id) {
            issues.push(StructureIssue::ZSegment { index: i });
            continue;
        }
        if !known(s.nodes, s.version, id) {
            issues.push(StructureIssue::Unexpected { index: i });
            continue;
        }
        let mut jump = [Plan::EMPTY; 1];
        if state.candidates(id, true, &mut jump) == 1 {
            let [plan] = jump;
            let stay_score = lookahead(s, state, ids, i + 1);
            let mut jumped = state;
            jumped.apply(&plan, i, &mut Sink::count());
            if lookahead(s, jumped, ids, i + 1) > stay_score {
                state.apply(&plan, i, &mut Sink::collect(&mut issues));
                continue;
            }
        }
        issues.push(StructureIssue::OutOfPlace { index: i });
    }
    state.finish(ids.len(), &mut Sink::collect(&mut issues));
    drop_misplaced_missing(&mut issues, ids);
    issues
}

/// Required field numbers (1-based, HL7 numbering — MSH-1 is the field separator) for segment id in version v.
///
/// Only fields whose optionality is "R" in that version's segment attribute
/// table (conditional "C" and backward-compatible "B" fields are not
/// required). For a version that predates the segment (`SPM` before 2.5,
/// `SFT` before 2.5, `UAC` before 2.6) the earliest definition applies.
/// Unknown segments (including Z segments) have no required fields.
pub(crate) fn required_fields(segment: &[u8], v: Version) -> &'static [u16] {
    let Some(ranges) = REQUIRED_FIELDS
        .iter()
        .find(|(id, _)| id.as_bytes() == segment)
        .map(|entry| entry.1)
    else {
        return &[];
    };
    let mut result: &'static [u16] = ranges.first().map_or(&[], |r| r.1);
    for &(from, fields) in ranges {
        if from <= v {
            result = fields;
        }
    }
    result
}

// ---------------------------------------------------------------------------
// Grammar representation
// ---------------------------------------------------------------------------

/// Maximum nesting of grammar frames (root + groups). The deepest grammar here
/// (`OML_O21` prior results) needs 6; a test checks every table fits.
const MAX_DEPTH: usize = 8;

/// `max` value meaning "repeats without limit" (`{ }`).
const MANY: u16 = u16::MAX;

/// What a grammar node matches.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// One segment ID.
    Seg(&'static str),
    /// Exactly one of several segment IDs (ORM_O01's `<OBR | RQD | ... >`).
    OneOf(&'static [&'static str]),
    /// A named group of nodes, matched in order.
    Group(&'static str, &'static [Node]),
}

/// One element of an abstract message syntax, with its cardinality and the
/// versions (inclusive range) in which it is part of the structure.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Segment, choice or group.
    kind: Kind,
    /// Minimum occurrences (0 = optional `[ ]`).
    min: u8,
    /// Maximum occurrences (`MANY` = repeating `{ }`).
    max: u16,
    /// First version that has this node.
    from: Version,
    /// Last version that has this node.
    to: Version,
}

impl Node {
    /// Restricts the node to `v` and later versions.
    const fn since(self, v: Version) -> Node {
        Node { from: v, ..self }
    }

    /// Restricts the node to `v` and earlier versions.
    const fn until(self, v: Version) -> Node {
        Node { to: v, ..self }
    }

    /// Whether the node is part of the structure in version `v`.
    fn active(&self, v: Version) -> bool {
        self.from <= v && v <= self.to
    }

    /// Whether one more occurrence is allowed after `count`.
    fn room(&self, count: u32) -> bool {
        self.max == MANY || count < u32::from(self.max)
    }

    /// Whether the node must consume at least one segment in version `v`
    /// (required, and for a group: not made only of optional parts).
    fn must(&self, v: Version) -> bool {
        if self.min == 0 {
            return false;
        }
        match self.kind {
            Kind::Group(_, children) => children.iter().any(|c| c.active(v) && c.must(v)),
            Kind::Seg(_) | Kind::OneOf(_) => true,
        }
    }

    /// Whether the node (a segment or choice) accepts segment ID `id`.
    fn accepts(&self, id: &[u8]) -> bool {
        match self.kind {
            Kind::Seg(s) => s.as_bytes() == id,
            Kind::OneOf(ids) => ids.iter().any(|s| s.as_bytes() == id),
            Kind::Group(..) => false,
        }
    }

    /// The segment to name when this node is missing: the segment itself, the
    /// first alternative of a choice, or a group's first required segment.
    fn first_required(&self, v: Version) -> &'static str {
        match self.kind {
            Kind::Seg(s) => s,
            Kind::OneOf(ids) => ids.first().copied().unwrap_or(""),
            Kind::Group(name, children) => children
                .iter()
                .find(|c| c.active(v) && c.must(v))
                .or_else(|| children.iter().find(|c| c.active(v)))
                .map_or(name, |c| c.first_required(v)),
        }
    }
}

/// Node constructor with all-version range.
const fn node(kind: Kind, min: u8, max: u16) -> Node {
    Node {
        kind,
        min,
        max,
        from: V23,
        to: V28,
    }
}

/// Required segment, once.
const fn seg(id: &'static str) -> Node {
    node(Kind::Seg(id), 1, 1)
}

/// Optional segment `[ ]`.
const fn opt(id: &'static str) -> Node {
    node(Kind::Seg(id), 0, 1)
}

/// Optional repeating segment `[{ }]`.
const fn opt_rep(id: &'static str) -> Node {
    node(Kind::Seg(id), 0, MANY)
}

/// Required choice of one segment `< a | b >`.
const fn one_of(ids: &'static [&'static str]) -> Node {
    node(Kind::OneOf(ids), 1, 1)
}

/// Optional group `[ ]`.
const fn opt_group(name: &'static str, children: &'static [Node]) -> Node {
    node(Kind::Group(name, children), 0, 1)
}

/// Required repeating group `{ }`.
const fn rep_group(name: &'static str, children: &'static [Node]) -> Node {
    node(Kind::Group(name, children), 1, MANY)
}

/// Optional repeating group `[{ }]`.
const fn opt_rep_group(name: &'static str, children: &'static [Node]) -> Node {
    node(Kind::Group(name, children), 0, MANY)
}

/// Whether segment `id` occurs anywhere in the active grammar `nodes`.
fn known(nodes: &[Node], v: Version, id: &[u8]) -> bool {
    nodes.iter().filter(|n| n.active(v)).any(|n| match n.kind {
        Kind::Group(_, children) => known(children, v, id),
        Kind::Seg(_) | Kind::OneOf(_) => n.accepts(id),
    })
}

// ---------------------------------------------------------------------------
// Matcher
// ---------------------------------------------------------------------------

/// Position inside one sequence of the grammar (the root or a group).
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// The sequence's nodes.
    nodes: &'static [Node],
    /// Index of the current node in `nodes`.
    idx: usize,
    /// Occurrences of the current node so far (repetitions, for a group).
    count: u32,
}

/// Where a segment goes: at stack level `level`, node `child` (the current
/// node again if `child` equals that frame's `idx`), then down through groups
/// along `path` (child indexes) to the accepting segment node.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Stack level the move happens at; deeper frames are left.
    level: usize,
    /// Node index at that level.
    child: usize,
    /// Child indexes when descending into groups.
    path: [usize; MAX_DEPTH],
    /// Used length of `path`.
    path_len: usize,
}

impl Plan {
    /// Placeholder for fixed-size plan buffers.
    const EMPTY: Plan = Plan {
        level: 0,
        child: 0,
        path: [0; MAX_DEPTH],
        path_len: 0,
    };
}

/// Most alternative positions weighed for one segment (rule 1 of
/// [`match_structure`]); further ones are ignored.
const MAX_CANDIDATES: usize = 4;

/// How many following (non-Z, known) segments a lookahead tries to match.
const LOOKAHEAD: usize = 8;

/// Where findings go: collected, or only counted (for lookahead simulations).
struct Sink<'a> {
    /// Destination, if collecting.
    issues: Option<&'a mut Vec<StructureIssue>>,
    /// Number of findings pushed.
    count: usize,
}

impl<'a> Sink<'a> {
    /// A sink that appends to `issues`.
    fn collect(issues: &'a mut Vec<StructureIssue>) -> Sink<'a> {
        Sink {
            issues: Some(issues),
            count: 0,
        }
    }

    /// A sink that only counts.
    fn count() -> Sink<'static> {
        Sink {
            issues: None,
            count: 0,
        }
    }

    /// Records one finding.
    fn push(&mut self, issue: StructureIssue) {
        self.count += 1;
        if let Some(issues) = self.issues.as_mut() {
            issues.push(issue);
        }
    }

    /// Records every node of `nodes` that had to appear (in version `v`) as
    /// missing at `at`.
    fn missing_required(&mut self, nodes: &[Node], v: Version, at: usize) {
        for n in nodes.iter().filter(|n| n.active(v) && n.must(v)) {
            self.push(StructureIssue::MissingSegment {
                segment: n.first_required(v),
                at,
            });
        }
    }
}

/// Matching position: a fixed-size stack of frames. `Copy`, so lookahead can
/// simulate on a copy.
#[derive(Debug, Clone, Copy)]
struct State {
    /// Version the grammar is evaluated at.
    v: Version,
    /// Frames; `stack[..depth]` are live, the first is the root.
    stack: [Frame; MAX_DEPTH],
    /// Number of live frames.
    depth: usize,
}

impl State {
    /// Starts at the beginning of structure `s`.
    fn new(s: &Structure) -> State {
        let empty = Frame {
            nodes: &[],
            idx: 0,
            count: 0,
        };
        let mut stack = [empty; MAX_DEPTH];
        if let Some(root) = stack.first_mut() {
            root.nodes = s.nodes;
        }
        State {
            v: s.version,
            stack,
            depth: 1,
        }
    }

    /// The nearest position ahead that accepts `id` without skipping anything
    /// required, if any.
    fn first(&self, id: &[u8]) -> Option<Plan> {
        let mut out = [Plan::EMPTY; 1];
        if self.candidates(id, false, &mut out) == 1 {
            let [plan] = out;
            Some(plan)
        } else {
            None
        }
    }

    /// Collects into `out`, nearest first, the positions ahead that accept
    /// `id` (one per grammar node, at most `out.len()`); returns how many.
    /// With `allow_skip == false` only positions reachable without leaving
    /// out a required node qualify.
    fn candidates(&self, id: &[u8], allow_skip: bool, out: &mut [Plan]) -> usize {
        let v = self.v;
        let mut n = 0usize;
        let mut add = |plan: Plan| -> bool {
            if let Some(slot) = out.get_mut(n) {
                *slot = plan;
                n += 1;
            }
            n >= out.len()
        };
        let mut path = [0usize; MAX_DEPTH];
        let mut level = self.depth;
        while level > 0 {
            level -= 1;
            let Some(frame) = self.stack.get(level) else {
                break;
            };
            let deepest = level + 1 == self.depth;
            if let Some(cur) = frame.nodes.get(frame.idx).filter(|n| n.active(v)) {
                // Another occurrence of the current node: for the deepest frame
                // a segment or a finished group; for the others, a new
                // repetition of the group we are inside.
                if cur.room(frame.count) {
                    let found = match cur.kind {
                        Kind::Group(_, children) => {
                            enter(children, v, id, allow_skip, &mut path, 0)
                        }
                        Kind::Seg(_) | Kind::OneOf(_) => (deepest && cur.accepts(id)).then_some(0),
                    };
                    if let Some(len) = found {
                        if add(Plan {
                            level,
                            child: frame.idx,
                            path,
                            path_len: len,
                        }) {
                            break;
                        }
                    }
                }
                if frame.count < u32::from(cur.min) && cur.must(v) && !allow_skip {
                    break;
                }
            }
            let mut blocked = false;
            for (j, node) in frame.nodes.iter().enumerate().skip(frame.idx + 1) {
                if !node.active(v) {
                    continue;
                }
                let found = match node.kind {
                    Kind::Group(_, children) => enter(children, v, id, allow_skip, &mut path, 0),
                    Kind::Seg(_) | Kind::OneOf(_) => node.accepts(id).then_some(0),
                };
                if let Some(len) = found {
                    if add(Plan {
                        level,
                        child: j,
                        path,
                        path_len: len,
                    }) {
                        return n;
                    }
                }
                if node.must(v) && !allow_skip {
                    blocked = true;
                    break;
                }
            }
            if blocked {
                break;
            }
        }
        n
    }

    /// Moves to the position `plan` describes, consuming segment `at` and
    /// reporting required nodes left out on the way as missing at `at`.
    fn apply(&mut self, plan: &Plan, at: usize, sink: &mut Sink<'_>) {
        while self.depth > plan.level + 1 {
            self.pop(at, sink);
        }
        let v = self.v;
        let Some(mut frame) = self.stack.get(plan.level).copied() else {
            return;
        };
        if plan.child != frame.idx {
            if let Some(cur) = frame.nodes.get(frame.idx).filter(|n| n.active(v)) {
                if frame.count < u32::from(cur.min) && cur.must(v) {
                    sink.push(StructureIssue::MissingSegment {
                        segment: cur.first_required(v),
                        at,
                    });
                }
            }
            sink.missing_required(
                frame.nodes.get(frame.idx + 1..plan.child).unwrap_or(&[]),
                v,
                at,
            );
            frame.idx = plan.child;
            frame.count = 0;
        }
        frame.count = frame.count.saturating_add(1);
        if let Some(slot) = self.stack.get_mut(plan.level) {
            *slot = frame;
        }
        let mut current = frame.nodes.get(frame.idx).copied();
        for &p in plan.path.iter().take(plan.path_len) {
            let Some(Kind::Group(_, children)) = current.map(|n| n.kind) else {
                break;
            };
            sink.missing_required(children.get(..p).unwrap_or(&[]), v, at);
            let Some(slot) = self.stack.get_mut(self.depth) else {
                break;
            };
            *slot = Frame {
                nodes: children,
                idx: p,
                count: 1,
            };
            self.depth += 1;
            current = children.get(p).copied();
        }
    }

    /// Leaves the deepest frame, reporting what it still required.
    fn pop(&mut self, at: usize, sink: &mut Sink<'_>) {
        if self.depth == 0 {
            return;
        }
        self.depth -= 1;
        let v = self.v;
        let Some(frame) = self.stack.get(self.depth).copied() else {
            return;
        };
        if let Some(cur) = frame.nodes.get(frame.idx).filter(|n| n.active(v)) {
            if frame.count < u32::from(cur.min) && cur.must(v) {
                sink.push(StructureIssue::MissingSegment {
                    segment: cur.first_required(v),
                    at,
                });
            }
        }
        sink.missing_required(frame.nodes.get(frame.idx + 1..).unwrap_or(&[]), v, at);
    }

    /// End of message: leaves every frame.
    fn finish(&mut self, at: usize, sink: &mut Sink<'_>) {
        while self.depth > 0 {
            self.pop(at, sink);
        }
    }
}

/// Whether `id` is a Z (site-defined) segment.
fn is_z(id: &[u8]) -> bool {
    id.first() == Some(&b'Z')
}

/// Scores a state by how the segments from `from` on would match: the number
/// of the next [`LOOKAHEAD`] relevant segments (Z and unknown ones are skipped,
/// they match nowhere whatever the state) that match without skipping
/// anything required, and whether the message then ends with nothing
/// missing. Examines at most `4 * LOOKAHEAD` segments.
fn lookahead(s: &Structure, mut state: State, ids: &[&[u8]], from: usize) -> (usize, bool) {
    let mut accepted = 0usize;
    let mut sink = Sink::count();
    for (j, &id) in ids.iter().enumerate().skip(from).take(4 * LOOKAHEAD) {
        if is_z(id) || !known(s.nodes, s.version, id) {
            continue;
        }
        if accepted == LOOKAHEAD {
            return (accepted, false);
        }
        match state.first(id) {
            Some(plan) => {
                state.apply(&plan, j, &mut sink);
                accepted += 1;
            }
            None => return (accepted, false),
        }
    }
    if from.saturating_add(4 * LOOKAHEAD) < ids.len() {
        return (accepted, false);
    }
    state.finish(ids.len(), &mut sink);
    (accepted, sink.count == 0)
}

/// Picks, among `plans` for segment `i`, the one whose lookahead scores best;
/// ties go to the earliest (nearest) plan.
fn best_candidate<'p>(
    s: &Structure,
    state: &State,
    plans: &'p [Plan],
    ids: &[&[u8]],
    i: usize,
) -> Option<&'p Plan> {
    let mut best: Option<(&Plan, (usize, bool))> = None;
    for plan in plans {
        let mut trial = *state;
        trial.apply(plan, i, &mut Sink::count());
        let score = lookahead(s, trial, ids, i + 1);
        if best.map_or(true, |(_, b)| score > b) {
            best = Some((plan, score));
        }
    }
    best.map(|(plan, _)| plan)
}

/// Finds where in a fresh repetition of a group with `children` segment `id`
/// can start, writing child indexes into `path[depth..]`; returns the path
/// length. Without `allow_skip` only nodes before the first required one are
/// candidates (the group's FIRST set).
fn enter(
    children: &'static [Node],
    v: Version,
    id: &[u8],
    allow_skip: bool,
    path: &mut [usize; MAX_DEPTH],
    depth: usize,
) -> Option<usize> {
    if depth + 1 >= MAX_DEPTH {
        return None;
    }
    for (k, n) in children.iter().enumerate() {
        if !n.active(v) {
            continue;
        }
        let found = match n.kind {
            Kind::Group(_, inner) => enter(inner, v, id, allow_skip, path, depth + 1),
            Kind::Seg(_) | Kind::OneOf(_) => n.accepts(id).then_some(depth + 1),
        };
        if let Some(len) = found {
            if let Some(slot) = path.get_mut(depth) {
                *slot = k;
            }
            return Some(len);
        }
        if n.must(v) && !allow_skip {
            return None;
        }
    }
    None
}

/// Distinct segment names tracked when pairing findings; more than any
/// structure here has (the rest simply stay unpaired).
const MAX_PAIRED_NAMES: usize = 64;

/// Drops one missing-segment finding per out-of-place finding of the same
/// segment ID: the segment is present, only misplaced, and is already reported.
fn drop_misplaced_missing(issues: &mut Vec<StructureIssue>, ids: &[&[u8]]) {
    // Distinct missing segment names (bounded by the grammar size) with the
    // number of out-of-place occurrences available to pair with.
    let mut budget: [(&'static str, usize); MAX_PAIRED_NAMES] = [("", 0); MAX_PAIRED_NAMES];
    let mut used = 0usize;
    for issue in issues.iter() {
        if let StructureIssue::MissingSegment { segment, .. } = *issue {
            if !budget.iter().take(used).any(|(s, _)| *s == segment) {
                if let Some(slot) = budget.get_mut(used) {
                    *slot = (segment, 0);
                    used += 1;
                }
            }
        }
    }
    if used == 0 {
        return;
    }
    let Some(budget) = budget.get_mut(..used) else {
        return;
    };
    for issue in issues.iter() {
        if let StructureIssue::OutOfPlace { index } = *issue {
            if let Some(id) = ids.get(index) {
                if let Some(entry) = budget.iter_mut().find(|(s, _)| s.as_bytes() == *id) {
                    entry.1 += 1;
                }
            }
        }
    }
    issues.retain(|issue| {
        if let StructureIssue::MissingSegment { segment, .. } = *issue {
            if let Some(entry) = budget.iter_mut().find(|(s, _)| *s == segment) {
                if entry.1 > 0 {
                    entry.1 -= 1;
                    return false;
                }
            }
        }
        true
    });
}

// ---------------------------------------------------------------------------
// Structure tables
// ---------------------------------------------------------------------------
//
// One table per structure covers every version: nodes carry `.since(V..)` /
// `.until(V..)` where the abstract syntax changed. `SFT` (2.5+) and `UAC`
// (2.6+) follow `MSH` in every structure, as chapter 2 of those versions
// makes them available to all messages.

/// Builds the per-version handles of one structure (index = `Version as usize`).
const fn per_version(id: &'static str, nodes: &'static [Node]) -> [Structure; 8] {
    [
        Structure {
            id,
            version: V23,
            nodes,
        },
        Structure {
            id,
            version: V231,
            nodes,
        },
        Structure {
            id,
            version: V24,
            nodes,
        },
        Structure {
            id,
            version: V25,
            nodes,
        },
        Structure {
            id,
            version: V251,
            nodes,
        },
        Structure {
            id,
            version: V26,
            nodes,
        },
        Structure {
            id,
            version: V27,
            nodes,
        },
        Structure {
            id,
            version: V28,
            nodes,
        },
    ]
}

/// Builds [`REGISTRY`] from `"ID" => NODES` pairs.
macro_rules! registry {
    ($($id:literal => $nodes:expr),* $(,)?) => {
        [$(per_version($id, $nodes)),*]
    };
}

/// Every covered structure, each as its per-version handles.
static REGISTRY: [[Structure; 8]; 19] = registry! {
    "ACK" => ACK,
    "ADT_A01" => ADT_A01,
    "ADT_A02" => ADT_A02,
    "ADT_A03" => ADT_A03,
    "ADT_A05" => ADT_A05,
    "ADT_A09" => ADT_A09,
    "ADT_A12" => ADT_A12,
    "ADT_A17" => ADT_A17,
    "ADT_A30" => ADT_A30,
    "ADT_A39" => ADT_A39,
    "ADT_A60" => ADT_A60,
    "ORM_O01" => ORM_O01,
    "OML_O21" => OML_O21,
    "ORU_R01" => ORU_R01,
    "SIU_S12" => SIU_S12,
    "MDM_T01" => MDM_T01,
    "MDM_T02" => MDM_T02,
    "DFT_P03" => DFT_P03,
    "VXU_V04" => VXU_V04,
};

// --- shared groups ---------------------------------------------------------

/// `PR1 [{ROL}]` (ADT procedure group).
const PROCEDURE: &[Node] = &[seg("PR1"), opt_rep("ROL")];

/// ADT insurance group: `IN1 [IN2] [{IN3}] [{ROL}] [{AUT}] [{RF1}]`.
const ADT_INSURANCE: &[Node] = &[
    seg("IN1"),
    opt("IN2"),
    // lenient: `[IN3]` (no repetition) in 2.3.
    opt_rep("IN3"),
    opt_rep("ROL").since(V24),
    opt_rep("AUT").since(V28),
    opt_rep("RF1").since(V28),
];

/// Order/result/vaccination insurance group: `IN1 [IN2] [IN3]`.
const INSURANCE: &[Node] = &[
    seg("IN1"),
    opt("IN2"),
    // lenient: `[IN3]` in the standard; repetition accepted.
    opt_rep("IN3"),
];

/// `PV1 [PV2]`.
const PV1_PV2: &[Node] = &[seg("PV1"), opt("PV2")];

/// `PV1 [PV2] [{PRT}]` (PRT from 2.7).
const PV1_PV2_PRT: &[Node] = &[seg("PV1"), opt("PV2"), opt_rep("PRT").since(V27)];

/// `TQ1 [{TQ2}]` timing group (2.5+).
const TIMING: &[Node] = &[seg("TQ1"), opt_rep("TQ2")];

/// `OBX [{NTE}]`.
const OBX_NTE: &[Node] = &[seg("OBX"), opt_rep("NTE")];

/// `OBX [{PRT}]` (PRT from 2.7).
const OBX_PRT: &[Node] = &[seg("OBX"), opt_rep("PRT").since(V27)];

/// `OBX [{PRT}] [{NTE}]` (PRT from 2.7).
const OBX_PRT_NTE: &[Node] = &[seg("OBX"), opt_rep("PRT").since(V27), opt_rep("NTE")];

/// `OBR [{NTE}]`.
const OBR_NTE: &[Node] = &[seg("OBR"), opt_rep("NTE")];

// --- ACK (chapter 2) ---------------------------------------------------------

/// `ACK`: `MSH [{SFT}] [UAC] MSA [ERR]` (`[{ERR}]` from 2.5).
const ACK: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("MSA"),
    opt("ERR").until(V24),
    opt_rep("ERR").since(V25),
];

// --- ADT (chapter 3) -------------------------------------------------------

/// `ADT_A01` (A01, A04, A08, A13). 2.3/2.3.1 have no ROL at patient/visit
/// level; ARV from 2.6; PDA from 2.4.
const ADT_A01: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    opt_rep("ARV").since(V26),
    opt_rep("ROL").since(V24),
    opt_rep("NK1"),
    seg("PV1"),
    opt("PV2"),
    opt_rep("ARV").since(V26),
    opt_rep("ROL").since(V24),
    opt_rep("DB1"),
    opt_rep("OBX"),
    opt_rep("AL1"),
    opt_rep("DG1"),
    opt("DRG"),
    opt_rep_group("PROCEDURE", PROCEDURE),
    opt_rep("GT1"),
    opt_rep_group("INSURANCE", ADT_INSURANCE),
    opt("ACC"),
    opt("UB1"),
    opt("UB2"),
    opt("PDA").since(V24),
];

/// `ADT_A05` (A05, A14, A28, A31): `ADT_A01` without PDA. 2.3/2.3.1 send these
/// events as `ADT_A01`, whose grammar in those versions is exactly this one.
const ADT_A05: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    opt_rep("ARV").since(V26),
    opt_rep("ROL").since(V24),
    opt_rep("NK1"),
    seg("PV1"),
    opt("PV2"),
    opt_rep("ARV").since(V26),
    opt_rep("ROL").since(V24),
    opt_rep("DB1"),
    opt_rep("OBX"),
    opt_rep("AL1"),
    opt_rep("DG1"),
    opt("DRG"),
    opt_rep_group("PROCEDURE", PROCEDURE),
    opt_rep("GT1"),
    opt_rep_group("INSURANCE", ADT_INSURANCE),
    opt("ACC"),
    opt("UB1"),
    opt("UB2"),
];

/// `ADT_A02` (transfer).
const ADT_A02: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    opt_rep("ARV").since(V26),
    opt_rep("ROL").since(V24),
    seg("PV1"),
    opt("PV2"),
    opt_rep("ARV").since(V26),
    opt_rep("ROL").since(V24),
    opt_rep("DB1"),
    opt_rep("OBX"),
    opt("PDA").since(V24),
];

/// `ADT_A03` (discharge). NK1, AL1, GT1, insurance and ACC join in 2.5.
const ADT_A03: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    opt_rep("ARV").since(V26),
    opt_rep("ROL").since(V24),
    opt_rep("NK1").since(V25),
    seg("PV1"),
    opt("PV2"),
    opt_rep("ARV").since(V26),
    opt_rep("ROL").since(V24),
    opt_rep("DB1"),
    opt_rep("AL1").since(V25),
    opt_rep("DG1"),
    opt("DRG"),
    opt_rep_group("PROCEDURE", PROCEDURE),
    opt_rep("OBX"),
    opt_rep("GT1").since(V25),
    opt_rep_group("INSURANCE", ADT_INSURANCE).since(V25),
    opt("ACC").since(V25),
    opt("PDA").since(V24),
];

/// `ADT_A09` (A09, A10, A11).
const ADT_A09: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    seg("PV1"),
    opt("PV2"),
    opt_rep("DB1"),
    opt_rep("OBX"),
    // lenient: 2.7 dropped DG1 from this structure; still accepted.
    opt_rep("DG1"),
];

/// `ADT_A12` (cancel transfer). 2.4 has no `ADT_A12` (A12 uses `ADT_A09`), so
/// 2.4 gets `ADT_A09`'s repeating DG1.
const ADT_A12: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    seg("PV1"),
    opt("PV2"),
    opt_rep("DB1"),
    opt_rep("OBX"),
    opt("DG1").until(V231),
    opt_rep("DG1").since(V24).until(V24),
    // lenient: 2.7 dropped DG1 from this structure; still accepted.
    opt("DG1").since(V25),
];

/// `ADT_A17` (swap patients): two patient/visit blocks.
const ADT_A17: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    seg("PV1"),
    opt("PV2"),
    opt_rep("DB1"),
    opt_rep("OBX"),
    seg("PID"),
    opt("PD1"),
    seg("PV1"),
    opt("PV2"),
    opt_rep("DB1"),
    opt_rep("OBX"),
];

/// `ADT_A30` (A30, A34–A36, A46–A49: merge/change identifiers, one patient).
/// 2.7 and 2.8 publish no `ADT_A30` grammar any more; lenient: the 2.6 layout
/// is used for them.
const ADT_A30: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    opt_rep("ARV").since(V26),
    seg("MRG"),
];

/// `ADT_A39` patient group: `PID [PD1] MRG [PV1]`.
const ADT_A39_PATIENT: &[Node] = &[seg("PID"), opt("PD1"), seg("MRG"), opt("PV1")];

/// `ADT_A39` (A39–A42 merges): repeating patient group.
const ADT_A39: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    rep_group("PATIENT", ADT_A39_PATIENT),
];

/// `ADT_A60` visit group (2.7+): `PV1 [PV2] [{ARV}]`.
const ADT_A60_VISIT: &[Node] = &[seg("PV1"), opt("PV2"), opt_rep("ARV")];

/// `ADT_A60` adverse reaction group (2.7+): `IAM [{NTE}] [{IAR}]`.
const ADT_A60_REACTION: &[Node] = &[seg("IAM"), opt_rep("NTE"), opt_rep("IAR")];

/// `ADT_A60` (update adverse reaction information; from 2.4 — lenient: 2.3
/// and 2.3.1 get the 2.4 layout). Visit and IAM become groups in 2.7.
const ADT_A60: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt_rep("ARV").since(V26),
    opt("PV1").until(V26),
    opt("PV2").until(V26),
    opt_rep("ARV").since(V26).until(V26),
    opt_rep("IAM").until(V26),
    opt_group("VISIT", ADT_A60_VISIT).since(V27),
    opt_rep_group("ADVERSE_REACTION_GROUP", ADT_A60_REACTION).since(V27),
];

// --- ORM_O01 (chapter 4; withdrawn in 2.7) ---------------------------------

/// `ORM_O01` patient group.
const ORM_PATIENT: &[Node] = &[
    seg("PID"),
    opt("PD1"),
    opt_rep("NTE"),
    opt_group("PATIENT_VISIT", PV1_PV2),
    opt_rep_group("INSURANCE", INSURANCE),
    opt("GT1"),
    opt_rep("AL1"),
];

/// `ORM_O01` order detail: `<OBR|RQD|RQ1|RXO|ODS|ODT> [{NTE}] [CTD] [{DG1}] [{OBX [{NTE}]}]`.
const ORM_ORDER_DETAIL: &[Node] = &[
    one_of(&["OBR", "RQD", "RQ1", "RXO", "ODS", "ODT"]),
    opt_rep("NTE"),
    opt("CTD").since(V24),
    opt_rep("DG1"),
    opt_rep_group("OBSERVATION", OBX_NTE),
];

/// `ORM_O01` order group.
const ORM_ORDER: &[Node] = &[
    seg("ORC"),
    opt_group("ORDER_DETAIL", ORM_ORDER_DETAIL),
    opt_rep("FT1").since(V24),
    // lenient: `[CTI]` (no repetition) in 2.3.
    opt_rep("CTI"),
    opt("BLG"),
];

/// `ORM_O01`. 2.7+ withdrew ORM in favour of OMx; lenient: the 2.6 layout is
/// used for them. lenient: some machine-readable sources omit SFT/UAC here.
const ORM_O01: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    opt_rep("NTE"),
    opt_group("PATIENT", ORM_PATIENT),
    rep_group("ORDER", ORM_ORDER),
];

// --- OML_O21 (chapter 4; from 2.4 — lenient: 2.3/2.3.1 get the 2.4 layout) --

/// `OML_O21` patient group (NK1 from 2.5, PRT 2.7, ARV 2.8).
const OML_PATIENT: &[Node] = &[
    seg("PID"),
    opt("PD1"),
    opt_rep("PRT").since(V27),
    opt_rep("NTE"),
    opt_rep("NK1").since(V25),
    opt_rep("ARV").since(V28),
    opt_group("PATIENT_VISIT", PV1_PV2_PRT),
    opt_rep_group("INSURANCE", INSURANCE),
    opt("GT1"),
    opt_rep("AL1"),
];

/// 2.4 container group: `SAC [{OBX}]`.
const SAC_OBX: &[Node] = &[seg("SAC"), opt_rep("OBX")];

/// `OML_O21` observation: `OBX [{PRT}] [TCD] [{NTE}]`.
const OML_OBSERVATION: &[Node] = &[
    seg("OBX"),
    opt_rep("PRT").since(V27),
    opt("TCD"),
    opt_rep("NTE"),
];

/// 2.5+ container group: `SAC [{OBX [{PRT}]}]`.
const OML_CONTAINER: &[Node] = &[seg("SAC"), opt_rep_group("CONTAINER_OBSERVATION", OBX_PRT)];

/// 2.5+ specimen group: `SPM [{OBX [{PRT}]}] [{CONTAINER}]`.
const OML_SPECIMEN: &[Node] = &[
    seg("SPM"),
    opt_rep_group("SPECIMEN_OBSERVATION", OBX_PRT),
    opt_rep_group("CONTAINER", OML_CONTAINER),
];

/// Prior-result patient: `PID [PD1] [{PRT}] [{ARV}]`.
const OML_PATIENT_PRIOR: &[Node] = &[
    seg("PID"),
    opt("PD1"),
    opt_rep("PRT").since(V27),
    opt_rep("ARV").since(V28),
];

/// Prior order: `[ORC] OBR [{NTE}] [{TQ1 [{TQ2}]}] {OBX [{NTE}]}`; ORC is
/// required from 2.7, ROL from 2.6 (lenient: kept after 2.7 moved to PRT).
const OML_ORDER_PRIOR: &[Node] = &[
    opt("ORC").until(V26),
    seg("ORC").since(V27),
    opt_rep("PRT").since(V28),
    seg("OBR"),
    opt_rep("NTE"),
    opt_rep("ROL").since(V26),
    opt_rep("PRT").since(V27),
    opt_rep_group("TIMING_PRIOR", TIMING).since(V25),
    rep_group("OBSERVATION_PRIOR", OBX_PRT_NTE),
];

/// Prior results group.
const OML_PRIOR_RESULT: &[Node] = &[
    opt_group("PATIENT_PRIOR", OML_PATIENT_PRIOR),
    opt_group("PATIENT_VISIT_PRIOR", PV1_PV2_PRT),
    opt_rep("AL1"),
    rep_group("ORDER_PRIOR", OML_ORDER_PRIOR),
];

/// Observation request: 2.4 has the per-request container group, 2.5+ the
/// specimen group and CTD.
const OML_OBSERVATION_REQUEST: &[Node] = &[
    seg("OBR"),
    opt_rep_group("CONTAINER_2", SAC_OBX).until(V24),
    opt("TCD"),
    opt_rep("NTE"),
    // lenient: ROL (2.6) kept after 2.7 moved to PRT.
    opt_rep("ROL").since(V26),
    opt_rep("PRT").since(V27),
    opt("CTD").since(V25),
    opt_rep("DG1"),
    opt_rep_group("OBSERVATION", OML_OBSERVATION),
    opt_rep_group("SPECIMEN", OML_SPECIMEN).since(V25),
    opt_rep_group("PRIOR_RESULT", OML_PRIOR_RESULT),
];

/// Order group: `ORC [{PRT}] [{TIMING}] [OBSERVATION_REQUEST] [{FT1}] [{CTI}] [BLG]`.
const OML_ORDER: &[Node] = &[
    seg("ORC"),
    opt_rep("PRT").since(V27),
    opt_rep_group("TIMING", TIMING).since(V25),
    opt_group("OBSERVATION_REQUEST", OML_OBSERVATION_REQUEST),
    opt_rep("FT1"),
    opt_rep("CTI"),
    opt("BLG"),
];

/// 2.4 order-general group: `[SAC [{OBX}]] {ORDER}`.
const OML_ORDER_GENERAL: &[Node] = &[
    opt_group("CONTAINER_1", SAC_OBX),
    rep_group("ORDER", OML_ORDER),
];

/// `OML_O21`. The layout changed in 2.5: 2.4 wraps orders in ORDER_GENERAL
/// (with container groups); 2.5+ has ORDER at top level with specimen groups.
const OML_O21: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    opt_rep("NTE"),
    opt_group("PATIENT", OML_PATIENT),
    rep_group("ORDER_GENERAL", OML_ORDER_GENERAL).until(V24),
    rep_group("ORDER", OML_ORDER).since(V25),
];

// --- ORU_R01 (chapter 7) -----------------------------------------------------

/// Patient group. NK1 comes before NTE in 2.3.1–2.4 and after it from 2.5;
/// patient-level OBX from 2.6.
const ORU_PATIENT: &[Node] = &[
    seg("PID"),
    opt("PD1"),
    opt_rep("PRT").since(V27),
    opt_rep("NK1").since(V231).until(V24),
    opt_rep("NTE"),
    opt_rep("NK1").since(V25),
    opt_rep("ARV").since(V28),
    opt_rep_group("PATIENT_OBSERVATION", OBX_PRT).since(V26),
    opt_group("VISIT", PV1_PV2_PRT),
];

/// 2.8 order document: `OBX [{PRT}] TXA`.
const ORU_ORDER_DOCUMENT: &[Node] = &[seg("OBX"), opt_rep("PRT"), seg("TXA")];

/// Common order: `ORC [{PRT}] [ORDER_DOCUMENT]` (plain `[ORC]` before 2.7).
const ORU_COMMON_ORDER: &[Node] = &[
    seg("ORC"),
    opt_rep("PRT").since(V27),
    opt_group("ORDER_DOCUMENT", ORU_ORDER_DOCUMENT).since(V28),
];

/// 2.3–2.4 observation: `{[OBX] {[NTE]}}` (the group may be empty).
const ORU_OBSERVATION_OLD: &[Node] = &[opt("OBX"), opt_rep("NTE")];

/// Specimen group (2.5+): `SPM [{OBX [{PRT}]}]`.
const ORU_SPECIMEN: &[Node] = &[seg("SPM"), opt_rep_group("SPECIMEN_OBSERVATION", OBX_PRT)];

/// Order observation group.
const ORU_ORDER_OBSERVATION: &[Node] = &[
    opt_group("COMMON_ORDER", ORU_COMMON_ORDER),
    seg("OBR"),
    opt_rep("NTE"),
    // lenient: ROL (2.6) kept after 2.7 moved to PRT.
    opt_rep("ROL").since(V26),
    opt_rep("PRT").since(V27),
    opt_rep_group("TIMING_QTY", TIMING).since(V25),
    opt("CTD").since(V24),
    rep_group("OBSERVATION", ORU_OBSERVATION_OLD).until(V24),
    opt_rep_group("OBSERVATION", OBX_PRT_NTE).since(V25),
    opt_rep("FT1").since(V24),
    opt_rep("CTI"),
    opt_rep_group("SPECIMEN", ORU_SPECIMEN).since(V25),
];

/// Patient result group (RESPONSE in 2.3).
const ORU_PATIENT_RESULT: &[Node] = &[
    opt_group("PATIENT", ORU_PATIENT),
    rep_group("ORDER_OBSERVATION", ORU_ORDER_OBSERVATION),
];

/// `ORU_R01`.
const ORU_R01: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    rep_group("PATIENT_RESULT", ORU_PATIENT_RESULT),
    opt("DSC"),
];

// --- SIU_S12 (chapter 10; S12–S24, S26) --------------------------------------

/// Patient group (PD1 from 2.3.1).
const SIU_PATIENT: &[Node] = &[
    seg("PID"),
    opt("PD1").since(V231),
    opt("PV1"),
    opt("PV2"),
    opt_rep("OBX"),
    opt_rep("DG1"),
];

/// `AIS [{NTE}]`.
const AIS_NTE: &[Node] = &[seg("AIS"), opt_rep("NTE")];
/// `AIG [{NTE}]`.
const AIG_NTE: &[Node] = &[seg("AIG"), opt_rep("NTE")];
/// `AIL [{NTE}]`.
const AIL_NTE: &[Node] = &[seg("AIL"), opt_rep("NTE")];
/// `AIP [{NTE}]`.
const AIP_NTE: &[Node] = &[seg("AIP"), opt_rep("NTE")];

/// Resources group: `RGS [{AIS}] [{AIG}] [{AIL}] [{AIP}]` (each with NTEs, in
/// that order).
const SIU_RESOURCES: &[Node] = &[
    seg("RGS"),
    opt_rep_group("SERVICE", AIS_NTE),
    opt_rep_group("GENERAL_RESOURCE", AIG_NTE),
    opt_rep_group("LOCATION_RESOURCE", AIL_NTE),
    opt_rep_group("PERSONNEL_RESOURCE", AIP_NTE),
];

/// `SIU_S12`. TQ1 from 2.5. lenient: some machine-readable sources omit
/// SFT/UAC here.
const SIU_S12: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("SCH"),
    opt_rep("TQ1").since(V25),
    opt_rep("NTE"),
    opt_rep_group("PATIENT", SIU_PATIENT),
    rep_group("RESOURCES", SIU_RESOURCES),
];

// --- MDM (chapter 9) ---------------------------------------------------------

/// Common order (2.5+): `ORC [{TQ1 [{TQ2}]}] OBR [{NTE}]`.
const MDM_COMMON_ORDER: &[Node] = &[
    seg("ORC"),
    opt_rep_group("TIMING", TIMING),
    seg("OBR"),
    opt_rep("NTE"),
];

/// `MDM_T01` (T01, T03, T05, T07, T09, T11: notification without content).
const MDM_T01: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    seg("PV1"),
    opt_rep_group("COMMON_ORDER", MDM_COMMON_ORDER).since(V25),
    seg("TXA"),
    opt_rep("CON").since(V27),
];

/// `MDM_T02` (T02, T04, T06, T08, T10: with content). lenient: 2.3–2.4
/// define `{OBX}` without NTE; NTE after an OBX is accepted there too.
const MDM_T02: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    seg("PV1"),
    opt_rep_group("COMMON_ORDER", MDM_COMMON_ORDER).since(V25),
    seg("TXA"),
    opt_rep("CON").since(V27),
    rep_group("OBSERVATION", OBX_NTE),
];

// --- DFT_P03 (chapter 6) -----------------------------------------------------

/// Common order (2.4+): `[ORC] [{TQ1 [{TQ2}]}] [OBR [{NTE}]] [{OBX [{NTE}]}]`.
const DFT_COMMON_ORDER: &[Node] = &[
    opt("ORC"),
    opt_rep_group("TIMING_QUANTITY", TIMING).since(V25),
    opt_group("ORDER", OBR_NTE),
    opt_rep_group("OBSERVATION", OBX_NTE),
];

/// Financial procedure: `PR1 [{PRT}] [{ROL}]`.
const DFT_PROCEDURE: &[Node] = &[seg("PR1"), opt_rep("PRT").since(V28), opt_rep("ROL")];

/// Financial group: `FT1 [{PRT}] [{ROL}] [NTE] [{PROCEDURE}] [{COMMON_ORDER}]`.
const DFT_FINANCIAL: &[Node] = &[
    seg("FT1"),
    opt_rep("PRT").since(V28),
    opt_rep("ROL").since(V28),
    opt("NTE").since(V25),
    opt_rep_group("FINANCIAL_PROCEDURE", DFT_PROCEDURE),
    opt_rep_group("FINANCIAL_COMMON_ORDER", DFT_COMMON_ORDER).since(V24),
];

/// Visit group (2.7+): `PV1 [PV2] [{PRT}] [{ROL}]`.
const DFT_VISIT: &[Node] = &[
    seg("PV1"),
    opt("PV2"),
    opt_rep("PRT").since(V28),
    opt_rep("ROL"),
];

/// Insurance group: `IN1 [IN2] [{IN3}] [{PRT}] [{ROL}]`.
const DFT_INSURANCE: &[Node] = &[
    seg("IN1"),
    opt("IN2"),
    // lenient: `[IN3]` (no repetition) in 2.3.
    opt_rep("IN3"),
    opt_rep("PRT").since(V28),
    opt_rep("ROL").since(V24),
];

/// `DFT_P03` (post detail financial transaction). PV1/PV2 become a VISIT group
/// in 2.7; order groups replace plain OBX in 2.4.
const DFT_P03: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("EVN"),
    seg("PID"),
    opt("PD1"),
    opt_rep("PRT").since(V28),
    opt_rep("ROL").since(V24),
    opt("PV1").until(V26),
    opt("PV2").until(V26),
    opt_rep("ROL").since(V24).until(V26),
    opt_group("VISIT", DFT_VISIT).since(V27),
    opt_rep("DB1"),
    opt_rep("OBX").until(V231),
    opt_rep_group("COMMON_ORDER", DFT_COMMON_ORDER).since(V24),
    rep_group("FINANCIAL", DFT_FINANCIAL),
    opt_rep("DG1"),
    opt("DRG"),
    opt_rep("GT1"),
    opt_rep_group("INSURANCE", DFT_INSURANCE),
    opt("ACC"),
];

// --- VXU_V04 (chapter 4) -----------------------------------------------------

/// Patient visit: `PV1 [PV2] [{ARV}]` (ARV 2.8).
const VXU_PATIENT_VISIT: &[Node] = &[seg("PV1"), opt("PV2"), opt_rep("ARV").since(V28)];

/// Order group: `ORC [{PRT}] [{TQ1 [{TQ2}]}] RXA [RXR] [{OBX [{PRT}] [{NTE}]}]`;
/// ORC is optional before 2.5. lenient: observation PRT accepted from 2.7
/// (2.8 in the standard).
const VXU_ORDER: &[Node] = &[
    opt("ORC").until(V24),
    seg("ORC").since(V25),
    opt_rep("PRT").since(V28),
    opt_rep_group("TIMING", TIMING).since(V25),
    seg("RXA"),
    opt("RXR"),
    opt_rep_group("OBSERVATION", OBX_PRT_NTE),
];

/// `VXU_V04` (unsolicited vaccination record update).
const VXU_V04: &[Node] = &[
    seg("MSH"),
    opt_rep("SFT").since(V25),
    opt("UAC").since(V26),
    seg("PID"),
    opt("PD1"),
    opt_rep("NK1"),
    opt_rep("ARV").since(V28),
    opt_group("PATIENT_VISIT", VXU_PATIENT_VISIT),
    opt_rep("GT1").since(V24),
    opt_rep_group("INSURANCE", INSURANCE),
    opt_rep_group("PERSON_OBSERVATION", OBX_PRT_NTE).since(V28),
    opt_rep_group("ORDER", VXU_ORDER),
];

// ---------------------------------------------------------------------------
// Required fields
// ---------------------------------------------------------------------------

/// Required fields of one segment from a version on: `(first version, fields)`.
type FieldRange = (Version, &'static [u16]);

/// Per segment: `(first version, required fields)` ranges in ascending order;
/// each range holds until the next one starts. Field numbers are HL7's
/// (1-based; MSH-1 is the field separator, MSH-2 the encoding characters).
///
/// Only "R" fields of the segment attribute tables; "C" (conditional, e.g.
/// OBX-2 value type, required only when OBX-5 is valued) and "B" (kept for
/// backward compatibility, e.g. EVN-1 from 2.3.1, PR1-2 from 2.3.1, ERR-1 from
/// 2.5) are not required. Notes on specific entries:
///
/// * MSH-7 (date/time of message) is "O" in 2.3 and 2.3.1, "R" from 2.4.
/// * EVN: 2.3 has EVN-1 (event type code) and EVN-2 (recorded date/time) "R";
///   EVN-1 becomes "B" in 2.3.1.
/// * PID-3 (patient identifier list) and PID-5 are "R" in every covered
///   version, 2.3 included.
/// * ORC-1 (order control) is "R" in every version (some machine-readable
///   2.3.1 tables lose it).
/// * OBX: only OBX-3 and OBX-11; OBX-2/OBX-4 are conditional in the standard
///   text even where some tables mark them "R".
/// * DG1-3 (diagnosis code) becomes "R" in 2.6; SCH-11 stops being "R" in 2.5
///   (TQ1 replaces it); AIL/AIP resource fields stop being "R" in 2.5.
static REQUIRED_FIELDS: &[(&str, &[FieldRange])] = &[
    (
        "MSH",
        &[
            (V23, &[1, 2, 9, 10, 11, 12]),
            (V24, &[1, 2, 7, 9, 10, 11, 12]),
        ],
    ),
    ("EVN", &[(V23, &[1, 2]), (V231, &[2])]),
    ("PID", &[(V23, &[3, 5])]),
    ("PV1", &[(V23, &[2])]),
    ("PV2", &[(V23, &[])]),
    ("NK1", &[(V23, &[1])]),
    ("AL1", &[(V23, &[1, 3])]),
    ("DG1", &[(V23, &[1, 6]), (V26, &[1, 3, 6])]),
    (
        "PR1",
        &[(V23, &[1, 2, 6]), (V231, &[1, 3, 5, 6]), (V24, &[1, 3, 5])],
    ),
    ("IN1", &[(V23, &[1, 3]), (V231, &[1, 2, 3])]),
    ("GT1", &[(V23, &[1, 3])]),
    ("ORC", &[(V23, &[1])]),
    ("OBR", &[(V23, &[4])]),
    ("OBX", &[(V23, &[3, 11])]),
    ("NTE", &[(V23, &[])]),
    ("SPM", &[(V25, &[4])]),
    ("TXA", &[(V23, &[1, 2, 12, 17])]),
    ("SCH", &[(V23, &[6, 11, 16, 20]), (V25, &[6, 16, 20])]),
    ("AIS", &[(V23, &[1, 3])]),
    ("AIG", &[(V23, &[1, 4])]),
    ("AIL", &[(V23, &[1, 3]), (V231, &[1, 4]), (V25, &[1])]),
    ("AIP", &[(V23, &[1, 4]), (V25, &[1])]),
    ("RGS", &[(V23, &[1])]),
    ("FT1", &[(V23, &[4, 6, 7])]),
    ("RXA", &[(V23, &[1, 2, 3, 4, 5, 6])]),
    ("MSA", &[(V23, &[1, 2])]),
    ("ERR", &[(V23, &[1]), (V25, &[3, 4])]),
    ("MRG", &[(V23, &[1])]),
    ("SFT", &[(V25, &[1, 2, 3, 4])]),
    ("UAC", &[(V26, &[1, 2])]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use StructureIssue::{MissingSegment, OutOfPlace, Unexpected, ZSegment};

    const ALL_VERSIONS: [Version; 8] = [V23, V231, V24, V25, V251, V26, V27, V28];

    /// Segment IDs from a space-separated list.
    fn ids(list: &str) -> Vec<&[u8]> {
        list.split_whitespace().map(str::as_bytes).collect()
    }

    /// Looks up a structure that must exist.
    fn st(id: &str, v: Version) -> &'static Structure {
        match structure(id, v) {
            Some(s) => s,
            None => panic!("structure {id} missing for {v:?}"),
        }
    }

    /// Matches a space-separated segment list.
    fn check(id: &str, v: Version, list: &str) -> Vec<StructureIssue> {
        match_structure(st(id, v), &ids(list))
    }

    #[test]
    fn version_parse() {
        assert_eq!(Version::parse("2.3"), Some(V23));
        assert_eq!(Version::parse("2.3.1"), Some(V231));
        assert_eq!(Version::parse("2.4"), Some(V24));
        assert_eq!(Version::parse("2.5"), Some(V25));
        assert_eq!(Version::parse("2.5.1"), Some(V251));
        assert_eq!(Version::parse("2.6"), Some(V26));
        assert_eq!(Version::parse("2.7"), Some(V27));
        assert_eq!(Version::parse("2.7.1"), Some(V27));
        assert_eq!(Version::parse("2.8"), Some(V28));
        assert_eq!(Version::parse("2.8.2"), Some(V28));
        assert_eq!(Version::parse("2.5^DEU"), Some(V25));
        assert_eq!(Version::parse("2.5.1^^DEU&&HL70399"), Some(V251));
        assert_eq!(Version::parse(" 2.4 "), Some(V24));
        assert_eq!(Version::parse("2.3.2"), Some(V231));
        assert_eq!(Version::parse("2.2"), Some(V23));
        assert_eq!(Version::parse("2.1"), Some(V23));
        assert_eq!(Version::parse("2"), Some(V23));
        assert_eq!(Version::parse("2.9"), Some(V28));
        assert_eq!(Version::parse("2.9.1"), Some(V28));
        assert_eq!(Version::parse(""), None);
        assert_eq!(Version::parse("^DEU"), None);
        assert_eq!(Version::parse("abc"), None);
        assert_eq!(Version::parse("2..5"), None);
        assert_eq!(Version::parse("2.5.1.1"), None);
        assert_eq!(Version::parse("99999999999999999999"), None);
        assert_eq!(Version::parse("-2.5"), None);
    }

    #[test]
    fn structure_id_from_event_and_msh9_3() {
        assert_eq!(structure_id("ADT", "A01", None), Some("ADT_A01"));
        assert_eq!(structure_id("ADT", "A04", None), Some("ADT_A01"));
        assert_eq!(structure_id("ADT", "A08", None), Some("ADT_A01"));
        assert_eq!(structure_id("ADT", "A13", None), Some("ADT_A01"));
        assert_eq!(structure_id("ADT", "A28", None), Some("ADT_A05"));
        assert_eq!(structure_id("ADT", "A31", None), Some("ADT_A05"));
        assert_eq!(structure_id("ADT", "A11", None), Some("ADT_A09"));
        assert_eq!(structure_id("ADT", "A40", None), Some("ADT_A39"));
        assert_eq!(structure_id("ADT", "A41", None), Some("ADT_A39"));
        assert_eq!(structure_id("ADT", "A47", None), Some("ADT_A30"));
        assert_eq!(structure_id("ORU", "R01", None), Some("ORU_R01"));
        assert_eq!(structure_id("SIU", "S14", None), Some("SIU_S12"));
        assert_eq!(structure_id("SIU", "S26", None), Some("SIU_S12"));
        assert_eq!(structure_id("SIU", "S25", None), None);
        assert_eq!(structure_id("MDM", "T02", None), Some("MDM_T02"));
        assert_eq!(structure_id("MDM", "T06", None), Some("MDM_T02"));
        assert_eq!(structure_id("MDM", "T01", None), Some("MDM_T01"));
        assert_eq!(structure_id("ORM", "O01", None), Some("ORM_O01"));
        assert_eq!(structure_id("OML", "O21", None), Some("OML_O21"));
        assert_eq!(structure_id("DFT", "P03", None), Some("DFT_P03"));
        assert_eq!(structure_id("VXU", "V04", None), Some("VXU_V04"));
        assert_eq!(structure_id("ACK", "A01", None), Some("ACK"));
        assert_eq!(structure_id("ACK", "", None), Some("ACK"));
        assert_eq!(structure_id("adt", "a04", None), Some("ADT_A01"));
        // A known MSH-9.3 wins over the table.
        assert_eq!(structure_id("ADT", "A28", Some("ADT_A01")), Some("ADT_A01"));
        assert_eq!(
            structure_id("ADT", "A04", Some(" adt_a01 ")),
            Some("ADT_A01")
        );
        // An unknown or empty MSH-9.3 falls back to the table.
        assert_eq!(structure_id("ADT", "A04", Some("ADT_A04")), Some("ADT_A01"));
        assert_eq!(structure_id("ORU", "R01", Some("")), Some("ORU_R01"));
        assert_eq!(structure_id("ZZZ", "Z01", None), None);
        assert_eq!(structure_id("ADT", "A99", None), None);
    }

    #[test]
    fn every_structure_exists_in_every_version_and_fits_the_stack() {
        fn depth(nodes: &[Node]) -> usize {
            1 + nodes
                .iter()
                .map(|n| match n.kind {
                    Kind::Group(_, children) => depth(children),
                    Kind::Seg(_) | Kind::OneOf(_) => 0,
                })
                .max()
                .unwrap_or(0)
        }
        for versions in REGISTRY.iter() {
            let Some(id) = versions.first().map(|s| s.id) else {
                panic!("empty registry entry");
            };
            for v in ALL_VERSIONS {
                let s = st(id, v);
                assert_eq!(s.id, id);
                assert_eq!(s.version, v);
                // Nodes + one slot of headroom for `enter`'s bound.
                assert!(depth(s.nodes) < MAX_DEPTH, "{id} too deep");
                // Every structure starts with a required MSH.
                assert!(matches!(
                    s.nodes.first().map(|n| n.kind),
                    Some(Kind::Seg("MSH"))
                ));
                // Every structure id is reachable through structure_id.
                assert_eq!(structure_id("X", "X", Some(id)), Some(id));
            }
        }
        fn names(nodes: &[Node], out: &mut Vec<&'static str>) {
            for n in nodes {
                match n.kind {
                    Kind::Seg(s) => out.push(s),
                    Kind::OneOf(ids) => out.extend_from_slice(ids),
                    Kind::Group(_, children) => names(children, out),
                }
            }
        }
        for versions in REGISTRY.iter() {
            let mut all = Vec::new();
            for s in versions.iter().take(1) {
                names(s.nodes, &mut all);
            }
            all.sort_unstable();
            all.dedup();
            assert!(all.len() < MAX_PAIRED_NAMES);
        }
        assert!(structure("ADT_A99", V25).is_none());
        assert!(structure("adt_a01", V25).is_some());
    }

    #[test]
    fn valid_adt_a01_v25() {
        let list = "MSH EVN PID NK1 NK1 NK1 PV1 AL1 AL1 DG1";
        assert_eq!(check("ADT_A01", V25, list), vec![]);
        assert_eq!(check("ADT_A01", V25, "MSH EVN PID PV1"), vec![]);
        // Full-featured 2.5 message with SFT, ROL, procedures and insurance.
        let full = "MSH SFT EVN PID PD1 ROL NK1 PV1 PV2 ROL DB1 OBX OBX AL1 DG1 DRG \
                    PR1 ROL PR1 GT1 IN1 IN2 IN3 IN3 ROL IN1 ACC UB1 UB2 PDA";
        assert_eq!(check("ADT_A01", V25, full), vec![]);
    }

    #[test]
    fn adt_a01_version_differences() {
        // 2.3 has ROL only inside the procedure group: out of place at
        // patient level. PDA and ARV are unknown to 2.3.
        assert_eq!(
            check("ADT_A01", V23, "MSH EVN PID ROL PV1"),
            vec![OutOfPlace { index: 3 }]
        );
        assert_eq!(
            check("ADT_A01", V23, "MSH EVN PID PV1 PR1 ROL PDA"),
            vec![Unexpected { index: 6 }]
        );
        assert_eq!(check("ADT_A01", V24, "MSH EVN PID ROL PV1"), vec![]);
        // SFT after MSH exists from 2.5, UAC from 2.6.
        assert_eq!(
            check("ADT_A01", V24, "MSH SFT EVN PID PV1"),
            vec![Unexpected { index: 1 }]
        );
        assert_eq!(check("ADT_A01", V251, "MSH SFT EVN PID PV1"), vec![]);
        assert_eq!(check("ADT_A01", V27, "MSH SFT UAC EVN PID ARV PV1"), vec![]);
        assert_eq!(
            check("ADT_A01", V25, "MSH UAC EVN PID PV1"),
            vec![Unexpected { index: 1 }]
        );
        // ADT_A05 in 2.3 (where those events used ADT_A01) matches like ADT_A01.
        assert_eq!(check("ADT_A05", V23, "MSH EVN PID NK1 PV1 AL1 DG1"), vec![]);
        assert_eq!(
            check("ADT_A05", V25, "MSH EVN PID PV1 PDA"),
            vec![Unexpected { index: 4 }]
        );
    }

    #[test]
    fn missing_pid() {
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PV1"),
            vec![MissingSegment {
                segment: "PID",
                at: 2
            }]
        );
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PV1 AL1 DG1"),
            vec![MissingSegment {
                segment: "PID",
                at: 2
            }]
        );
    }

    #[test]
    fn missing_segments_at_end() {
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID"),
            vec![MissingSegment {
                segment: "PV1",
                at: 3
            }]
        );
        assert_eq!(
            check("ACK", V25, "MSH"),
            vec![MissingSegment {
                segment: "MSA",
                at: 1
            }]
        );
        assert_eq!(
            check("ACK", V25, ""),
            vec![
                MissingSegment {
                    segment: "MSH",
                    at: 0
                },
                MissingSegment {
                    segment: "MSA",
                    at: 0
                }
            ]
        );
    }

    #[test]
    fn pv1_before_pid_is_one_finding() {
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PV1 PID"),
            vec![OutOfPlace { index: 2 }]
        );
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PV1 PID AL1 DG1"),
            vec![OutOfPlace { index: 2 }]
        );
    }

    #[test]
    fn one_misplaced_segment_in_the_middle_is_one_finding() {
        // ACC belongs near the end; placed before PV1.
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID ACC PV1 AL1 DG1"),
            vec![OutOfPlace { index: 3 }]
        );
        // PV1 after the allergies: PV1 is the misplaced one.
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID AL1 DG1 PV1"),
            vec![OutOfPlace { index: 5 }]
        );
        // EVN before MSH.
        assert_eq!(
            check("ADT_A01", V25, "EVN MSH PID PV1"),
            vec![OutOfPlace { index: 0 }]
        );
        // NK1 after PV1 in 2.5: one finding, the rest of the message matches.
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID PV1 NK1 AL1 DG1"),
            vec![OutOfPlace { index: 4 }]
        );
    }

    #[test]
    fn extra_repetition_of_non_repeating_segment() {
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID PID PV1"),
            vec![OutOfPlace { index: 3 }]
        );
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID PV1 PV2 PV2 AL1"),
            vec![OutOfPlace { index: 5 }]
        );
        assert_eq!(
            check("ADT_A01", V25, "MSH MSH EVN PID PV1"),
            vec![OutOfPlace { index: 1 }]
        );
    }

    #[test]
    fn z_segment_is_reported_and_skipped() {
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID ZPD PV1"),
            vec![ZSegment { index: 3 }]
        );
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID PV1 ZPV ZIN"),
            vec![ZSegment { index: 4 }, ZSegment { index: 5 }]
        );
    }

    #[test]
    fn unknown_segment_is_unexpected() {
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID PV1 ABC"),
            vec![Unexpected { index: 4 }]
        );
        // Known to HL7 but not to this structure.
        assert_eq!(
            check("ADT_A02", V25, "MSH EVN PID PV1 AL1"),
            vec![Unexpected { index: 4 }]
        );
        // An unknown segment where a required one is expected does not move
        // the position: PID still matches afterwards.
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN ABC PID PV1"),
            vec![Unexpected { index: 2 }]
        );
    }

    #[test]
    fn oru_r01_two_order_groups() {
        let list = "MSH PID PV1 ORC OBR NTE OBX OBX NTE OBX \
                    ORC OBR OBX NTE NTE OBX OBX";
        for v in ALL_VERSIONS {
            assert_eq!(check("ORU_R01", v, list), vec![], "{v:?}");
        }
        // Without ORC, and with a second patient.
        let list = "MSH PID OBR OBX OBX OBR OBX PID OBR OBX";
        for v in ALL_VERSIONS {
            assert_eq!(check("ORU_R01", v, list), vec![], "{v:?}");
        }
        // 2.5 groups: SFT, TQ1, SPM with its OBX.
        let list =
            "MSH SFT PID PD1 NTE NK1 PV1 PV2 ORC OBR NTE TQ1 TQ2 CTD OBX NTE FT1 CTI SPM OBX";
        assert_eq!(check("ORU_R01", V251, list), vec![]);
        // The same in 2.4: SFT, TQ1, TQ2, SPM unknown; NK1 after NTE is out
        // of place (2.4 has NK1 first); the OBX after CTI fits nowhere.
        assert_eq!(
            check("ORU_R01", V24, list),
            vec![
                Unexpected { index: 1 },
                OutOfPlace { index: 5 },
                Unexpected { index: 11 },
                Unexpected { index: 12 },
                Unexpected { index: 18 },
                OutOfPlace { index: 19 },
            ]
        );
    }

    #[test]
    fn oru_r01_nk1_moved_between_24_and_25() {
        assert_eq!(check("ORU_R01", V24, "MSH PID NK1 NTE OBR OBX"), vec![]);
        assert_eq!(check("ORU_R01", V25, "MSH PID NTE NK1 OBR OBX"), vec![]);
        assert_eq!(
            check("ORU_R01", V25, "MSH PID NK1 NTE OBR OBX"),
            vec![OutOfPlace { index: 3 }]
        );
        // NK1 is not part of the 2.3 patient group at all.
        assert_eq!(
            check("ORU_R01", V23, "MSH PID NK1 OBR OBX"),
            vec![Unexpected { index: 2 }]
        );
    }

    #[test]
    fn oru_r01_missing_obr_is_one_finding() {
        assert_eq!(
            check("ORU_R01", V25, "MSH PID OBX OBX OBX"),
            vec![MissingSegment {
                segment: "OBR",
                at: 2
            }]
        );
        assert_eq!(
            check("ORU_R01", V25, "MSH PID"),
            vec![MissingSegment {
                segment: "OBR",
                at: 2
            }]
        );
    }

    #[test]
    fn oru_r01_v28_common_order_document() {
        assert_eq!(
            check("ORU_R01", V28, "MSH PID ORC PRT OBX TXA OBR OBX PRT NTE"),
            vec![]
        );
        assert_eq!(
            check("ORU_R01", V28, "MSH PID ORC OBX OBR OBX"),
            vec![MissingSegment {
                segment: "TXA",
                at: 4
            }]
        );
    }

    #[test]
    fn orm_o01_order_pairs() {
        let list =
            "MSH NTE PID PD1 PV1 PV2 IN1 GT1 AL1 ORC OBR NTE DG1 OBX NTE ORC OBR ORC RXO BLG";
        for v in ALL_VERSIONS {
            assert_eq!(check("ORM_O01", v, list), vec![], "{v:?}");
        }
        // ORC without detail is a valid order (e.g. a cancel).
        assert_eq!(check("ORM_O01", V231, "MSH PID ORC ORC"), vec![]);
        // Missing ORC before the first OBR.
        assert_eq!(
            check("ORM_O01", V25, "MSH PID PV1 OBR"),
            vec![MissingSegment {
                segment: "ORC",
                at: 3
            }]
        );
        // Two detail segments in one order: the choice allows one.
        assert_eq!(
            check("ORM_O01", V25, "MSH PID ORC OBR RXO"),
            vec![OutOfPlace { index: 4 }]
        );
        // No ORDER at all.
        assert_eq!(
            check("ORM_O01", V25, "MSH PID PV1"),
            vec![MissingSegment {
                segment: "ORC",
                at: 3
            }]
        );
    }

    #[test]
    fn oml_o21_layouts() {
        // 2.5.1 layout: ORDER at top level, SPM/SAC groups.
        let v251 = "MSH PID PV1 IN1 ORC TQ1 OBR NTE DG1 OBX NTE SPM OBX SAC OBX ORC OBR";
        assert_eq!(check("OML_O21", V251, v251), vec![]);
        // 2.4 layout: container groups under ORDER_GENERAL and OBR.
        let v24 = "MSH PID SAC OBX ORC OBR SAC OBX TCD NTE OBX SAC ORC OBR";
        assert_eq!(check("OML_O21", V24, v24), vec![]);
        // Prior results.
        let prior = "MSH PID ORC OBR PID PV1 ORC OBR OBX NTE";
        assert_eq!(check("OML_O21", V25, prior), vec![]);
        // SPM is not a 2.4 segment.
        assert_eq!(
            check("OML_O21", V24, "MSH PID ORC OBR SPM"),
            vec![Unexpected { index: 4 }]
        );
    }

    #[test]
    fn oml_o21_second_order_is_not_a_prior_result() {
        // `ORC` after an observation request may start a prior result or a
        // new order; the following segments decide.
        assert_eq!(check("OML_O21", V251, "MSH PID ORC OBR ORC OBR"), vec![]);
        assert_eq!(
            check(
                "OML_O21",
                V251,
                "MSH PID ORC OBR OBX ORC OBR OBX OBX SPM SAC"
            ),
            vec![]
        );
        assert_eq!(
            check("OML_O21", V27, "MSH PID ORC OBR ORC TQ1 OBR SPM ORC OBR"),
            vec![]
        );
    }

    #[test]
    fn ambiguous_all_optional_groups() {
        // DFT_P03 COMMON_ORDER has only optional parts: an OBX may continue
        // the current group or start a new one. Either way: no finding.
        assert_eq!(
            check(
                "DFT_P03",
                V251,
                "MSH EVN PID ORC OBR OBX OBX OBR NTE FT1 OBX OBX"
            ),
            vec![]
        );
    }

    #[test]
    fn z_segment_between_intruder_and_next() {
        assert_eq!(
            check("ADT_A01", V25, "MSH EVN PID ACC ZPV PV1 AL1"),
            vec![OutOfPlace { index: 3 }, ZSegment { index: 4 }]
        );
    }

    #[test]
    fn siu_s12_resource_groups() {
        let list =
            "MSH SCH NTE PID PV1 PV2 OBX DG1 RGS AIS NTE AIS AIG AIL NTE AIP RGS AIL AIP AIP";
        for v in ALL_VERSIONS {
            assert_eq!(check("SIU_S12", v, list), vec![], "{v:?}");
        }
        assert_eq!(
            check("SIU_S12", V25, "MSH SFT SCH TQ1 PID PD1 RGS AIS"),
            vec![]
        );
        // Missing RGS before the resources.
        assert_eq!(
            check("SIU_S12", V25, "MSH SCH PID AIS AIL"),
            vec![MissingSegment {
                segment: "RGS",
                at: 3
            }]
        );
        // Resources out of the standard order (AIL after AIP).
        assert_eq!(
            check("SIU_S12", V25, "MSH SCH RGS AIS AIP AIL"),
            vec![OutOfPlace { index: 5 }]
        );
        // Missing SCH.
        assert_eq!(
            check("SIU_S12", V25, "MSH PID RGS AIS"),
            vec![MissingSegment {
                segment: "SCH",
                at: 1
            }]
        );
    }

    #[test]
    fn mdm_structures() {
        assert_eq!(
            check("MDM_T02", V25, "MSH EVN PID PV1 TXA OBX OBX NTE"),
            vec![]
        );
        assert_eq!(check("MDM_T02", V23, "MSH EVN PID PV1 TXA OBX OBX"), vec![]);
        assert_eq!(
            check("MDM_T02", V25, "MSH EVN PID PV1 ORC OBR NTE TXA OBX"),
            vec![]
        );
        assert_eq!(
            check("MDM_T02", V25, "MSH EVN PID PV1 OBX"),
            vec![MissingSegment {
                segment: "TXA",
                at: 4
            }]
        );
        assert_eq!(
            check("MDM_T02", V25, "MSH EVN PID PV1 TXA"),
            vec![MissingSegment {
                segment: "OBX",
                at: 5
            }]
        );
        assert_eq!(check("MDM_T01", V25, "MSH EVN PID PV1 TXA"), vec![]);
        assert_eq!(
            check("MDM_T01", V25, "MSH EVN PID PV1 TXA OBX"),
            vec![Unexpected { index: 5 }]
        );
        // COMMON_ORDER is a 2.5 addition: ORC is unknown to 2.4 MDM.
        assert_eq!(
            check("MDM_T01", V24, "MSH EVN PID PV1 ORC TXA"),
            vec![Unexpected { index: 4 }]
        );
    }

    #[test]
    fn dft_p03() {
        let list = "MSH EVN PID PV1 FT1 FT1 PR1 DG1 GT1 IN1";
        for v in ALL_VERSIONS {
            assert_eq!(check("DFT_P03", v, list), vec![], "{v:?}");
        }
        assert_eq!(
            check(
                "DFT_P03",
                V25,
                "MSH EVN PID PV1 ORC OBR OBX FT1 NTE ORC OBR"
            ),
            vec![]
        );
        assert_eq!(
            check("DFT_P03", V25, "MSH EVN PID PV1 DG1"),
            vec![MissingSegment {
                segment: "FT1",
                at: 4
            }]
        );
    }

    #[test]
    fn vxu_v04_orc_required_from_25() {
        let with_orc = "MSH PID PD1 NK1 PV1 IN1 ORC RXA RXR OBX OBX NTE ORC RXA";
        assert_eq!(check("VXU_V04", V251, with_orc), vec![]);
        assert_eq!(check("VXU_V04", V24, "MSH PID RXA RXR RXA"), vec![]);
        assert_eq!(
            check("VXU_V04", V251, "MSH PID RXA RXR"),
            vec![MissingSegment {
                segment: "ORC",
                at: 2
            }]
        );
    }

    #[test]
    fn ack_err_repetition_by_version() {
        assert_eq!(check("ACK", V24, "MSH MSA ERR"), vec![]);
        assert_eq!(
            check("ACK", V24, "MSH MSA ERR ERR"),
            vec![OutOfPlace { index: 3 }]
        );
        assert_eq!(check("ACK", V25, "MSH MSA ERR ERR"), vec![]);
    }

    #[test]
    fn adt_merge_and_swap_structures() {
        assert_eq!(
            check("ADT_A39", V25, "MSH EVN PID MRG PID PD1 MRG PV1"),
            vec![]
        );
        assert_eq!(
            check("ADT_A39", V25, "MSH EVN PID PV1"),
            vec![MissingSegment {
                segment: "MRG",
                at: 3
            }]
        );
        assert_eq!(check("ADT_A30", V25, "MSH EVN PID PD1 MRG"), vec![]);
        assert_eq!(check("ADT_A30", V28, "MSH EVN PID MRG"), vec![]);
        assert_eq!(
            check("ADT_A30", V25, "MSH EVN PID MRG MRG"),
            vec![OutOfPlace { index: 4 }]
        );
        assert_eq!(check("ADT_A17", V25, "MSH EVN PID PV1 OBX PID PV1"), vec![]);
        assert_eq!(
            check("ADT_A17", V25, "MSH EVN PID PV1 PV1"),
            vec![MissingSegment {
                segment: "PID",
                at: 4
            }]
        );
        assert_eq!(check("ADT_A60", V25, "MSH EVN PID PV1 IAM IAM"), vec![]);
        assert_eq!(
            check("ADT_A60", V27, "MSH EVN PID PV1 IAM NTE IAR IAM"),
            vec![]
        );
        assert_eq!(check("ADT_A12", V24, "MSH EVN PID PV1 DG1 DG1"), vec![]);
        assert_eq!(
            check("ADT_A12", V25, "MSH EVN PID PV1 DG1 DG1"),
            vec![OutOfPlace { index: 5 }]
        );
        assert_eq!(
            check("ADT_A03", V25, "MSH EVN PID PV1 AL1 DG1 OBX IN1"),
            vec![]
        );
        assert_eq!(
            check("ADT_A03", V24, "MSH EVN PID PV1 AL1"),
            vec![Unexpected { index: 4 }]
        );
    }

    #[test]
    fn large_oru_is_fast() {
        let mut list: Vec<&[u8]> = vec![b"MSH", b"PID", b"PV1", b"ORC", b"OBR"];
        list.extend(std::iter::repeat(&b"OBX"[..]).take(10_000));
        let start = std::time::Instant::now();
        let issues = match_structure(st("ORU_R01", V251), &list);
        let elapsed = start.elapsed();
        assert_eq!(issues, vec![]);
        assert!(elapsed.as_secs() < 2, "took {elapsed:?}");
    }

    #[test]
    fn large_ambiguous_message_is_fast() {
        // Every OBX has two candidate positions, so each one runs lookaheads.
        let mut list: Vec<&[u8]> = vec![b"MSH", b"EVN", b"PID", b"ORC", b"OBR"];
        list.extend(std::iter::repeat(&b"OBX"[..]).take(10_000));
        list.push(b"FT1");
        let start = std::time::Instant::now();
        let issues = match_structure(st("DFT_P03", V251), &list);
        let elapsed = start.elapsed();
        assert_eq!(issues, vec![]);
        assert!(elapsed.as_secs() < 2, "took {elapsed:?}");
        // Many Z segments after an ambiguous point: the lookahead window is capped.
        let mut list: Vec<&[u8]> = vec![b"MSH", b"PID", b"ORC", b"OBR"];
        for _ in 0..5_000 {
            list.push(b"ORC");
            list.push(b"ZXX");
        }
        let start = std::time::Instant::now();
        let issues = match_structure(st("OML_O21", V251), &list);
        let elapsed = start.elapsed();
        assert_eq!(issues.len(), 5_000);
        assert!(issues.iter().all(|i| matches!(i, ZSegment { .. })));
        assert!(elapsed.as_secs() < 2, "took {elapsed:?}");
    }

    #[test]
    fn large_garbage_is_linear() {
        // 10_000 segments that all fail in different ways.
        let pattern: [&[u8]; 4] = [b"PV1", b"ABC", b"ZXX", b"MSH"];
        let mut list: Vec<&[u8]> = vec![b"MSH", b"EVN", b"PID"];
        list.extend(pattern.iter().cycle().take(10_000));
        let start = std::time::Instant::now();
        let issues = match_structure(st("ADT_A01", V25), &list);
        let elapsed = start.elapsed();
        assert!(elapsed.as_secs() < 2, "took {elapsed:?}");
        // First PV1 matches; every other segment is one finding.
        assert_eq!(issues.len(), 10_000 - 1);
        assert_eq!(issues.first(), Some(&Unexpected { index: 4 }));
        assert_eq!(issues.get(1), Some(&ZSegment { index: 5 }));
        assert_eq!(issues.get(2), Some(&OutOfPlace { index: 6 }));
    }

    #[test]
    fn matcher_is_total_on_pseudo_random_input() {
        // Deterministic LCG over a vocabulary of known, unknown, Z and odd IDs.
        let vocab: [&[u8]; 24] = [
            b"MSH", b"EVN", b"PID", b"PV1", b"PV2", b"OBR", b"OBX", b"ORC", b"NTE", b"SPM", b"SAC",
            b"RGS", b"AIS", b"AIL", b"TXA", b"FT1", b"IN1", b"MRG", b"ZZZ", b"ABC", b"", b"M",
            b"MSHX", b"RXA",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for versions in REGISTRY.iter() {
            for s in versions.iter() {
                for _ in 0..40 {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    let len = (state >> 58) as usize;
                    let mut list = Vec::with_capacity(len);
                    for _ in 0..len {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1);
                        let pick = (state >> 33) as usize % vocab.len();
                        list.push(vocab.get(pick).copied().unwrap_or(b"MSH"));
                    }
                    let issues = match_structure(s, &list);
                    for issue in issues {
                        match issue {
                            MissingSegment { at, .. } => assert!(at <= list.len()),
                            OutOfPlace { index } | Unexpected { index } | ZSegment { index } => {
                                assert!(index < list.len())
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn required_fields_by_version() {
        assert_eq!(required_fields(b"MSH", V23), &[1, 2, 9, 10, 11, 12]);
        assert_eq!(required_fields(b"MSH", V231), &[1, 2, 9, 10, 11, 12]);
        assert_eq!(required_fields(b"MSH", V25), &[1, 2, 7, 9, 10, 11, 12]);
        assert_eq!(required_fields(b"MSH", V28), &[1, 2, 7, 9, 10, 11, 12]);
        assert_eq!(required_fields(b"EVN", V23), &[1, 2]);
        assert_eq!(required_fields(b"EVN", V25), &[2]);
        assert_eq!(required_fields(b"PID", V23), &[3, 5]);
        assert_eq!(required_fields(b"PID", V28), &[3, 5]);
        assert_eq!(required_fields(b"PV1", V251), &[2]);
        assert_eq!(required_fields(b"PV2", V251), &[] as &[u16]);
        assert_eq!(required_fields(b"OBX", V23), &[3, 11]);
        assert_eq!(required_fields(b"OBX", V27), &[3, 11]);
        assert_eq!(required_fields(b"OBR", V25), &[4]);
        assert_eq!(required_fields(b"ORC", V231), &[1]);
        assert_eq!(required_fields(b"MSA", V25), &[1, 2]);
        assert_eq!(required_fields(b"ERR", V24), &[1]);
        assert_eq!(required_fields(b"ERR", V25), &[3, 4]);
        assert_eq!(required_fields(b"TXA", V25), &[1, 2, 12, 17]);
        assert_eq!(required_fields(b"DG1", V251), &[1, 6]);
        assert_eq!(required_fields(b"DG1", V26), &[1, 3, 6]);
        assert_eq!(required_fields(b"PR1", V23), &[1, 2, 6]);
        assert_eq!(required_fields(b"PR1", V231), &[1, 3, 5, 6]);
        assert_eq!(required_fields(b"PR1", V25), &[1, 3, 5]);
        assert_eq!(required_fields(b"SCH", V24), &[6, 11, 16, 20]);
        assert_eq!(required_fields(b"SCH", V25), &[6, 16, 20]);
        assert_eq!(required_fields(b"AIL", V23), &[1, 3]);
        assert_eq!(required_fields(b"AIL", V24), &[1, 4]);
        assert_eq!(required_fields(b"AIL", V26), &[1]);
        assert_eq!(required_fields(b"RXA", V251), &[1, 2, 3, 4, 5, 6]);
        assert_eq!(required_fields(b"MRG", V25), &[1]);
        assert_eq!(required_fields(b"SFT", V25), &[1, 2, 3, 4]);
        // Earliest definition applies to versions predating the segment.
        assert_eq!(required_fields(b"SPM", V24), &[4]);
        assert_eq!(required_fields(b"SPM", V28), &[4]);
        // Unknown and Z segments.
        assert_eq!(required_fields(b"ZPD", V25), &[] as &[u16]);
        assert_eq!(required_fields(b"", V25), &[] as &[u16]);
        assert_eq!(required_fields(b"pid", V25), &[] as &[u16]);
    }

    #[test]
    fn required_field_tables_are_sorted_and_ranges_ascending() {
        for (id, ranges) in REQUIRED_FIELDS {
            assert!(!ranges.is_empty(), "{id}");
            assert!(
                ranges.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)),
                "{id}"
            );
            for (_, fields) in ranges.iter() {
                assert!(
                    fields.windows(2).all(|w| matches!(w, [a, b] if a < b)),
                    "{id}"
                );
                assert!(fields.iter().all(|&f| f >= 1), "{id}");
            }
        }
    }
}
