//! The shapes of the generated SNIP 2 tables (`tables.rs`) and their lookups.

/// X12 data element types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms, dead_code)]
pub(crate) enum Ty {
    /// Alphanumeric string.
    AN,
    /// Identifier (a code).
    ID,
    /// Numeric, no decimals.
    N0,
    /// Numeric, two implied decimals.
    N2,
    /// Decimal number.
    R,
    /// Date, CCYYMMDD (or YYMMDD).
    DT,
    /// Time, HHMM[SS[d..]].
    TM,
    /// Binary.
    B,
    /// Composite: its components are in `El::comps`.
    Comp,
}

/// One element (or component) of a segment definition.
#[derive(Debug)]
pub(crate) struct El {
    /// Usage: `R` required, `S` situational, `N` not used.
    pub(crate) u: u8,
    /// Data element reference number (`"98"`, `"C023"`), for IK402.
    pub(crate) de: &'static str,
    pub(crate) ty: Ty,
    pub(crate) min: u16,
    pub(crate) max: u16,
    /// Maximum repetitions (1: does not repeat).
    pub(crate) rep: u16,
    /// The X12-internal code values the guide allows (empty: not checked here).
    pub(crate) codes: &'static [&'static str],
    /// The external code list that holds the values (`"carc"`, `"pos"`; empty: none).
    pub(crate) ext: &'static str,
    /// The components of a composite.
    pub(crate) comps: &'static [El],
}

#[allow(clippy::too_many_arguments)]
pub(crate) const fn el(
    u: u8,
    de: &'static str,
    ty: Ty,
    min: u16,
    max: u16,
    rep: u16,
    codes: &'static [&'static str],
    ext: &'static str,
) -> El {
    El {
        u,
        de,
        ty,
        min,
        max,
        rep,
        codes,
        ext,
        comps: &[],
    }
}

pub(crate) const fn cm(u: u8, de: &'static str, rep: u16, comps: &'static [El]) -> El {
    El {
        u,
        de,
        ty: Ty::Comp,
        min: 0,
        max: 0,
        rep,
        codes: &[],
        ext: "",
        comps,
    }
}

/// One segment definition in one loop.
#[derive(Debug)]
pub(crate) struct Seg {
    /// Loop id (`"2010AA"`, `"header"`, `"trailer"`; empty in the generic table).
    pub(crate) lp: &'static str,
    pub(crate) id: &'static str,
    pub(crate) u: u8,
    /// Maximum use in one loop instance (0: unbounded).
    pub(crate) max: u32,
    /// Whether the elements are checked (false: structure only).
    pub(crate) checked: bool,
    /// X12 syntax notes (`P0809`, `C1110`, `R0203`, `E0207`, `L030405`).
    pub(crate) syn: &'static [&'static str],
    pub(crate) els: &'static [El],
}

/// How often a child loop may occur in one instance of its parent.
#[derive(Debug)]
pub(crate) struct LoopRule {
    pub(crate) parent: &'static str,
    pub(crate) id: &'static str,
    pub(crate) u: u8,
    /// 0: unbounded.
    pub(crate) max: u32,
    /// The segment that opens the loop (reported when a required loop is missing).
    pub(crate) trigger: &'static str,
}

/// The tables of one guide: segment definitions sorted by (loop, segment), loop rules
/// sorted by (parent, loop).
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) segs: &'static [Seg],
    pub(crate) loops: &'static [LoopRule],
}

impl Table {
    /// The definitions of segment `id` in loop `lp` (empty when the guide has none), with
    /// the index of the first.
    pub(crate) fn defs(&self, lp: &str, id: &[u8]) -> (usize, &'static [Seg]) {
        let key = (lp.as_bytes(), id);
        let segs = self.segs;
        let start = segs.partition_point(|s| (s.lp.as_bytes(), s.id.as_bytes()) < key);
        let len = segs.get(start..).map_or(0, |rest| {
            rest.iter()
                .take_while(|s| s.lp.as_bytes() == key.0 && s.id.as_bytes() == id)
                .count()
        });
        (start, segs.get(start..start + len).unwrap_or(&[]))
    }

    /// The segment definitions of loop `lp`.
    pub(crate) fn loop_segs(&self, lp: &str) -> (usize, &'static [Seg]) {
        let segs = self.segs;
        let start = segs.partition_point(|s| s.lp < lp);
        let len = segs
            .get(start..)
            .map_or(0, |rest| rest.iter().take_while(|s| s.lp == lp).count());
        (start, segs.get(start..start + len).unwrap_or(&[]))
    }

    /// The child-loop rules of loop `parent`.
    pub(crate) fn child_loops(&self, parent: &str) -> &'static [LoopRule] {
        let loops = self.loops;
        let start = loops.partition_point(|l| l.parent < parent);
        let len = loops.get(start..).map_or(0, |rest| {
            rest.iter().take_while(|l| l.parent == parent).count()
        });
        loops.get(start..start + len).unwrap_or(&[])
    }
}
