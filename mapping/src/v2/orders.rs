//! ORM_O01 and OML_O21: order groups (ORC + OBR + TQ1 + NTE + DG1 + OBX + SPM) →
//! ServiceRequest (+ Specimen, supporting Observations, reason Conditions).
//!
//! Tables copied from the v2-to-FHIR IG concept maps: OrderControlCode
//! \[ServiceRequest.status\] (ORC-1, used when ORC-5 is empty), OrderStatus (ORC-5),
//! ExtendedPriorityCodes (TQ1-9, ORC-7.6, OBR-27.6, OBR-5), SpecimenActionCode (OBR-11
//! `G` → intent `reflex-order`).

use super::*;

const EIP_M: u32 = mask(&[1, 2]);
const TQ_M: u32 = mask(&[4, 5, 6]);
const DR_M: u32 = mask(&[1, 2]);

/// ORC in order messages (ORM/OML).
pub(super) const ORC_ORDER: Spec = &[
    (1, ALL, 1),
    (2, EI_M, 1),
    (3, EI_M, 1),
    (4, EI_M, 1),
    (5, ONE, 1),
    (7, TQ_M, 1),
    (9, ONE, 1),
    (12, XCN_M, 1),
];
/// OBR in order messages (ORM/OML).
pub(super) const OBR_ORDER: Spec = &[
    (1, ALL, 1),
    (2, EI_M, 1),
    (3, EI_M, 1),
    (4, CWE_M, 1),
    (5, ONE, 1),
    (11, ONE, 1),
    (16, XCN_M, 1),
    (18, ONE, 1),
    (27, TQ_M, 1),
    (31, CWE_M, 0),
];
pub(super) const TQ1: Spec = &[(1, ALL, 1), (7, ONE, 1), (8, ONE, 1), (9, CWE_M, 1)];
pub(super) const SPM: Spec = &[
    (1, ALL, 1),
    (2, EIP_M, 1),
    (4, CWE_M, 1),
    (7, CWE_M, 1),
    (8, CWE_M, 1),
    (14, ONE, 0),
    (17, DR_M, 1),
    (18, ONE, 1),
    (20, ONE, 1),
    (24, CWE_M, 0),
    (27, CWE_M, 1),
];

/// ORC-5 order status (HL7 table 0038) → ServiceRequest.status (IG OrderStatus map).
fn status_0038(code: &str) -> Option<&'static str> {
    Some(match code {
        "CA" | "DC" | "RP" => "revoked",
        "CM" => "completed",
        "ER" => "entered-in-error",
        "HD" => "on-hold",
        "IP" | "SC" => "active",
        _ => return None,
    })
}

/// ORC-1 order control (HL7 table 0119) → ServiceRequest.status (IG
/// OrderControlCode\[ServiceRequest.status\]). `Some("")` for codes of the table the IG
/// gives no status for (written as `unknown`); `None` for codes outside the table.
fn status_0119(code: &str) -> Option<&'static str> {
    Some(match code {
        "AF" | "CA" | "HD" | "NW" | "OK" | "PR" | "PY" | "RL" | "RO" | "RQ" => "active",
        "CR" | "DC" | "DF" | "DR" | "OC" | "OD" => "revoked",
        "FU" => "completed",
        "HR" | "OH" => "on-hold",
        "CH" | "CN" | "CP" | "DE" | "LI" | "NA" | "OE" | "OF" | "OP" | "OR" | "PA" | "RE"
        | "RF" | "RP" | "RR" | "RU" | "SC" | "SN" | "SR" | "SS" | "UA" | "UC" | "UD" | "UF"
        | "UH" | "UM" | "UN" | "UR" | "UX" | "XO" | "XR" | "XX" | "MC" => "",
        _ => return None,
    })
}

/// ServiceRequest.status from ORC-5, else ORC-1 (IG: ORC-1 only IF ORC-5 NOT VALUED).
pub(super) fn order_status(orc: Option<&Seg<'_>>, rx: &mut Rx) -> &'static str {
    let Some(orc) = orc else { return "unknown" };
    let st = field_text(&orc.seg, 5);
    if !st.is_empty() {
        match status_0038(&st) {
            Some(s) => return s,
            None => rx
                .report
                .push(orc.label.f(5), ReportKind::UnknownCode("0038")),
        }
    }
    let oc = field_text(&orc.seg, 1);
    if oc.is_empty() {
        return "unknown";
    }
    match status_0119(&oc) {
        Some("") => "unknown",
        Some(s) => s,
        None => {
            rx.report
                .push(orc.label.f(1), ReportKind::UnknownCode("0119"));
            "unknown"
        }
    }
}

/// Priority code (table 0485) → request-priority; `Err(true)` for a known code without a
/// FHIR equivalent, `Err(false)` for an unknown code.
fn priority_0485(code: &str) -> Result<&'static str, bool> {
    match code {
        "S" => Ok("stat"),
        "A" => Ok("asap"),
        "R" => Ok("routine"),
        "P" | "C" | "T" | "PRN" => Err(true),
        c if c.len() > 2
            && matches!(c.get(..2), Some("TS" | "TM" | "TH" | "TD" | "TW" | "TL"))
            && c.bytes().skip(2).all(|b| b.is_ascii_digit()) =>
        {
            Err(true)
        }
        _ => Err(false),
    }
}

/// An entity identifier (EI): value, namespace, universal id, universal id type.
#[derive(Default, Clone, PartialEq)]
pub(super) struct Ei {
    pub(super) value: String,
    pub(super) ns: String,
    uid: String,
    ut: String,
}

impl Ei {
    /// EI from field `n` of `seg` (components 1-4).
    pub(super) fn field(seg: &Segment<'_>, n: usize) -> Ei {
        match rep1(seg, n) {
            Some(r) => Ei {
                value: comp(&r, 1).into_owned(),
                ns: comp(&r, 2).into_owned(),
                uid: comp(&r, 3).into_owned(),
                ut: comp(&r, 4).into_owned(),
            },
            None => Ei::default(),
        }
    }
    /// EI held in component `c` of `rep` (subcomponents 1-4), as in EIP.
    pub(super) fn sub(rep: &Repetition<'_>, c: usize) -> Ei {
        Ei {
            value: sub(rep, c, 1).into_owned(),
            ns: sub(rep, c, 2).into_owned(),
            uid: sub(rep, c, 3).into_owned(),
            ut: sub(rep, c, 4).into_owned(),
        }
    }
    pub(super) fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
    /// Reports (InvalidValue at `loc`) what [`Ei::write`] cannot write: a universal id
    /// that names no URI (see [`hd_uri`]), a universal id type without a universal id,
    /// an authority without an entity identifier.
    pub(super) fn check(&self, loc: Loc<'_>, report: &mut Report) {
        let unwritable = hd_unwritable(&self.uid, &self.ut);
        let no_value = self.value.is_empty()
            && !(self.ns.is_empty() && self.uid.is_empty() && self.ut.is_empty());
        if unwritable || no_value {
            report.push(loc, ReportKind::InvalidValue);
        }
    }
    /// The business key part: `ns|value` (or the universal id when given).
    pub(super) fn key(&self) -> String {
        let sys = hd_uri(&self.uid, &self.ut).unwrap_or_else(|| self.ns.clone());
        format!("{sys}|{}", self.value)
    }
    /// An Identifier array item with `type` from v2-0203 (skipped when empty).
    pub(super) fn write(&self, j: &mut Json<'_>, ty: &str) {
        if self.is_empty() {
            return;
        }
        j.obj(None);
        j.concept(Some("type"), v2_table("0203"), ty, "");
        if let Some(s) = hd_uri(&self.uid, &self.ut) {
            j.str(Some("system"), &s);
        }
        j.str(Some("value"), &self.value);
        if !self.ns.is_empty() {
            j.obj(Some("assigner"));
            j.str(Some("display"), &self.ns);
            j.end_obj();
        }
        j.end_obj();
    }
}

/// The placer (`n` = 2) or filler (`n` = 3) order number of an order: OBR-n, else ORC-n
/// (IG: ORC-2/3 IF OBR-2/3 NOT VALUED). An ORC-n that differs from the OBR-n used is
/// reported (NotMapped), as is a universal id that cannot be written ([`Ei::check`]).
pub(super) fn pick_ei(
    obr: Option<&Seg<'_>>,
    orc: Option<&Seg<'_>>,
    n: usize,
    report: &mut Report,
) -> Ei {
    let a = obr.map(|s| Ei::field(&s.seg, n)).unwrap_or_default();
    let b = orc.map(|s| Ei::field(&s.seg, n)).unwrap_or_default();
    if let Some(o) = obr {
        a.check(o.label.f(n), report);
    }
    if let Some(c) = orc {
        b.check(c.label.f(n), report);
        if !a.is_empty() && !b.is_empty() && b != a {
            report.push(c.label.f(n), ReportKind::NotMapped);
        }
    }
    if a.is_empty() {
        b
    } else {
        a
    }
}

/// The business key of an order's ServiceRequest, the same in every message type (ORM,
/// OML, ORU, MDM) and in DICOM `basedOn` (`dicom::order_id`): the filler order number
/// with its assigning authority (`F|<universal id URI, else namespace>|<number>`), else
/// the placer order number (`P|…`); None when neither is valued.
pub(super) fn order_key(filler: &Ei, placer: &Ei) -> Option<String> {
    if !filler.is_empty() {
        Some(format!("F|{}", filler.key()))
    } else if !placer.is_empty() {
        Some(format!("P|{}", placer.key()))
    } else {
        None
    }
}

/// One order group of an ORM/OML.
#[derive(Default)]
struct Order<'s, 'm> {
    orc: Option<&'s Seg<'m>>,
    obr: Option<&'s Seg<'m>>,
    tq1: Option<&'s Seg<'m>>,
    notes: Vec<&'s Seg<'m>>,
    dg1: Vec<&'s Seg<'m>>,
    obx: Vec<(&'s Seg<'m>, Vec<&'s Seg<'m>>)>,
    spm: Vec<&'s Seg<'m>>,
}

/// Splits an order message into order groups (OBX, NTE, SPM and TQ1 outside any order
/// are reported).
fn order_groups<'s, 'm>(segs: &'s [Seg<'m>], report: &mut Report) -> Vec<Order<'s, 'm>> {
    let mut groups: Vec<Order<'s, 'm>> = Vec::new();
    let mut last_obx = false;
    for s in segs {
        let id = s.seg.id();
        match id {
            b"ORC" => groups.push(Order {
                orc: Some(s),
                ..Order::default()
            }),
            b"OBR" => match groups.last_mut() {
                Some(g) if g.obr.is_none() && g.obx.is_empty() && g.spm.is_empty() => {
                    g.obr = Some(s)
                }
                _ => groups.push(Order {
                    obr: Some(s),
                    ..Order::default()
                }),
            },
            b"TQ1" => match groups.last_mut() {
                Some(g) if g.tq1.is_none() => g.tq1 = Some(s),
                _ => report.push(s.label, ReportKind::SegmentNotMapped),
            },
            b"DG1" => {
                // A DG1 before the first order is patient-level: mapped by the caller.
                if let Some(g) = groups.last_mut() {
                    g.dg1.push(s);
                }
            }
            b"SPM" => match groups.last_mut() {
                Some(g) => g.spm.push(s),
                None => report.push(s.label, ReportKind::SegmentNotMapped),
            },
            b"OBX" => match groups.last_mut() {
                Some(g) => g.obx.push((s, Vec::new())),
                None => report.push(s.label, ReportKind::SegmentNotMapped),
            },
            b"NTE" => match groups.last_mut() {
                Some(g) if last_obx => {
                    if let Some(o) = g.obx.last_mut() {
                        o.1.push(s);
                    }
                }
                Some(g) => g.notes.push(s),
                // A note about the patient or the message: no resource to go to.
                None => report.push(s.label, ReportKind::SegmentNotMapped),
            },
            _ => {}
        }
        if id != b"NTE" {
            last_obx = id == b"OBX";
        }
    }
    groups
}

impl Cx<'_> {
    /// ORM_O01 / OML_O21 after the patient and encounter are written.
    pub(super) fn orders(&mut self, segs: &[Seg<'_>]) -> Result<(), Error> {
        let groups = order_groups(segs, &mut self.rx.report);
        let mut in_order = false;
        for s in segs {
            match s.seg.id() {
                b"ORC" | b"OBR" => in_order = true,
                b"AL1" => self.allergy(s)?,
                b"IN1" => self.coverage(s)?,
                b"DG1" if !in_order => self.condition(s)?,
                _ => {}
            }
        }
        for g in &groups {
            self.order(g)?;
        }
        Ok(())
    }

    /// The order groups of `segs` (e.g. MDM's common order) as ServiceRequests.
    pub(super) fn order_requests(&mut self, segs: &[Seg<'_>]) -> Result<Vec<ResourceId>, Error> {
        let groups = order_groups(segs, &mut self.rx.report);
        let mut ids = Vec::with_capacity(groups.len());
        for g in &groups {
            if let Some(id) = self.order(g)? {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    fn order(&mut self, g: &Order<'_, '_>) -> Result<Option<ResourceId>, Error> {
        let Some(patient) = self.patient else {
            return Ok(None);
        };
        let orc = g.orc.map(|s| &s.seg);
        let placer = pick_ei(g.obr, g.orc, 2, &mut self.rx.report);
        let filler = pick_ei(g.obr, g.orc, 3, &mut self.rx.report);
        let anchor = g.orc.or(g.obr).map(|s| s.seg.position()).unwrap_or(0);
        let gkey = order_key(&filler, &placer).unwrap_or_else(|| format!("{patient}|{anchor}"));
        let sr_id = resource_id("ServiceRequest", &[&gkey]);
        // Requester: ORC-12, else OBR-16 (IG: OBR-16 IF ORC-12 NOT VALUED).
        let mut requester = None;
        if let Some(o) = g.orc {
            if let Some(r) = rep1(&o.seg, 12) {
                requester = self.practitioner(&r, o.label.f(12))?;
            }
        }
        if let Some(o) = g.obr {
            if let Some(r) = rep1(&o.seg, 16) {
                match requester {
                    None => requester = self.practitioner(&r, o.label.f(16))?,
                    Some(p) => {
                        // Written when it names the same practitioner; otherwise a
                        // second requester has no place in ServiceRequest.requester.
                        // (Its id only: a Practitioner nothing refers to is not written.)
                        // The same one with other details: reported by `practitioner`.
                        let same = practitioner_id(&r) == Some(p);
                        if same {
                            self.practitioner(&r, o.label.f(16))?;
                        } else {
                            self.rx.report.push(o.label.f(16), ReportKind::NotMapped);
                        }
                    }
                }
            }
        }
        let authored = match g.orc {
            Some(o) => self
                .rx
                .datetime(o.seg.field(9).map(Value::from), o.label.f(9))?,
            None => None,
        };
        // Timing: TQ1-7/8, else ORC-7.4/.5, else OBR-27.4/.5.
        let mut start = None;
        let mut end = None;
        if let Some(t) = g.tq1 {
            start = self
                .rx
                .datetime(t.seg.field(7).map(Value::from), t.label.f(7))?;
            end = self
                .rx
                .datetime(t.seg.field(8).map(Value::from), t.label.f(8))?;
        }
        for (s, n) in [(g.orc, 7usize), (g.obr, 27)] {
            let Some(s) = s else { continue };
            let Some(r) = rep1(&s.seg, n) else { continue };
            let a = self
                .rx
                .datetime(r.component(4).map(Value::from), s.label.f(n).c(4))?;
            let b = self
                .rx
                .datetime(r.component(5).map(Value::from), s.label.f(n).c(5))?;
            if start.is_none() && end.is_none() {
                start = a;
                end = b;
            } else {
                for (v, c) in [(a, 4), (b, 5)] {
                    if v.is_some() && v != start && v != end {
                        self.rx
                            .report
                            .push(s.label.f(n).c(c), ReportKind::NotMapped);
                    }
                }
            }
        }
        // Priority: TQ1-9, ORC-7.6, OBR-27.6, OBR-5; the first valued wins, a different
        // later one is reported.
        let mut prio_src: Vec<(String, Loc<'_>)> = Vec::new();
        if let Some(t) = g.tq1 {
            if let Some(r) = rep1(&t.seg, 9) {
                prio_src.push((comp(&r, 1).into_owned(), t.label.f(9)));
            }
        }
        for (s, n) in [(g.orc, 7usize), (g.obr, 27)] {
            if let Some(s) = s {
                if let Some(r) = rep1(&s.seg, n) {
                    let p = comp(&r, 6);
                    if !p.is_empty() {
                        prio_src.push((p.into_owned(), s.label.f(n).c(6)));
                    }
                }
            }
        }
        if let Some(s) = g.obr {
            let p = field_text(&s.seg, 5);
            if !p.is_empty() {
                prio_src.push((p.into_owned(), s.label.f(5)));
            }
        }
        let mut priority = "";
        let mut first_code: Option<String> = None;
        for (code, loc) in &prio_src {
            if code.is_empty() {
                continue;
            }
            if let Some(f) = &first_code {
                if f != code {
                    self.rx.report.push(*loc, ReportKind::NotMapped);
                }
                continue;
            }
            first_code = Some(code.clone());
            match priority_0485(code) {
                Ok(p) => priority = p,
                Err(true) => self.rx.report.push(*loc, ReportKind::NotMapped),
                Err(false) => self.rx.report.push(*loc, ReportKind::UnknownCode("0485")),
            }
        }
        let intent = match g.obr.map(|s| field_text(&s.seg, 11)).as_deref() {
            Some("G") => "reflex-order",
            Some("" | "A" | "L" | "O" | "P" | "R" | "S") | None => "order",
            Some(_) => {
                if let Some(s) = g.obr {
                    self.rx
                        .report
                        .push(s.label.f(11), ReportKind::UnknownCode("0065"));
                }
                "order"
            }
        };
        let status = order_status(g.orc, &mut self.rx);
        // Specimens, supporting observations, reason conditions.
        let mut specimens = Vec::new();
        for (i, s) in g.spm.iter().enumerate() {
            specimens.push(self.specimen(s, &gkey, i + 1, sr_id)?);
        }
        let obs_ids: Vec<ResourceId> = g
            .obx
            .iter()
            .enumerate()
            .map(|(i, _)| resource_id("Observation", &[&gkey, "order", &(i + 1).to_string()]))
            .collect();
        for ((o, notes), id) in g.obx.iter().zip(&obs_ids) {
            self.observation(o, notes, *id, None)?;
        }
        let mut reasons = Vec::new();
        for s in &g.dg1 {
            self.condition(s)?;
            reasons.push(condition_id(patient, s));
        }
        let encounter = self.encounter;
        let Cx { b, rx, focus, .. } = self;
        focus.push(sr_id);
        let Some(mut j) = b.begin("ServiceRequest", sr_id) else {
            return Ok(Some(sr_id));
        };
        j.arr(Some("identifier"));
        placer.write(&mut j, "PLAC");
        filler.write(&mut j, "FILL");
        if let Some(s) = g.obr {
            let acc = field_text(&s.seg, 18);
            if !acc.is_empty() {
                j.obj(None);
                j.concept(Some("type"), v2_table("0203"), "ACSN", "");
                j.str(Some("value"), &acc);
                j.end_obj();
            }
        }
        j.end_arr();
        if let Some(o) = orc {
            let group = Ei::field(o, 4);
            if let Some(os) = g.orc {
                group.check(os.label.f(4), &mut rx.report);
            }
            if !group.is_empty() {
                j.obj(Some("requisition"));
                j.concept(Some("type"), v2_table("0203"), "PGN", "");
                if let Some(s) = hd_uri(&group.uid, &group.ut) {
                    j.str(Some("system"), &s);
                }
                j.str(Some("value"), &group.value);
                if !group.ns.is_empty() {
                    j.obj(Some("assigner"));
                    j.str(Some("display"), &group.ns);
                    j.end_obj();
                }
                j.end_obj();
            }
        }
        j.str(Some("status"), status);
        j.str(Some("intent"), intent);
        j.str(Some("priority"), priority);
        if let Some(s) = g.obr {
            if let Some(r) = rep1(&s.seg, 4) {
                rx.codeable(&mut j, Some("code"), &r, None, s.label.f(4));
            }
        }
        j.reference(Some("subject"), &patient);
        if let Some(e) = &encounter {
            j.reference(Some("encounter"), e);
        }
        if start.is_some() || end.is_some() {
            j.obj(Some("occurrenceTiming"));
            j.obj(Some("repeat"));
            j.obj(Some("boundsPeriod"));
            j.str(Some("start"), start.as_deref().unwrap_or(""));
            j.str(Some("end"), end.as_deref().unwrap_or(""));
            j.end_obj();
            j.end_obj();
            j.end_obj();
        }
        j.str(Some("authoredOn"), authored.as_deref().unwrap_or(""));
        if let Some(p) = &requester {
            j.reference(Some("requester"), p);
        }
        j.arr(Some("reasonCode"));
        if let Some(s) = g.obr {
            let rs = reps(&s.seg, 31);
            let many = rs.len() > 1;
            for (i, r) in rs.iter().enumerate() {
                let loc = if many {
                    s.label.r(31, i + 1)
                } else {
                    s.label.f(31)
                };
                rx.codeable(&mut j, None, r, None, loc);
            }
        }
        j.end_arr();
        j.arr(Some("reasonReference"));
        for c in &reasons {
            j.reference(None, c);
        }
        j.end_arr();
        j.arr(Some("supportingInfo"));
        for o in &obs_ids {
            j.reference(None, o);
        }
        j.end_arr();
        j.arr(Some("specimen"));
        for s in &specimens {
            j.reference(None, s);
        }
        j.end_arr();
        j.arr(Some("note"));
        for n in &g.notes {
            note(&mut j, &n.seg);
        }
        j.end_arr();
        drop(j);
        b.end();
        Ok(Some(sr_id))
    }

    fn specimen(
        &mut self,
        s: &Seg<'_>,
        gkey: &str,
        n: usize,
        request: ResourceId,
    ) -> Result<ResourceId, Error> {
        let seg = &s.seg;
        let l = &s.label;
        let patient = self.patient;
        let ids = rep1(seg, 2);
        let (placer, filler) = match &ids {
            Some(r) => (Ei::sub(r, 1), Ei::sub(r, 2)),
            None => (Ei::default(), Ei::default()),
        };
        let id = if !filler.is_empty() {
            resource_id("Specimen", &["F", &filler.key()])
        } else if !placer.is_empty() {
            resource_id("Specimen", &["P", &placer.key()])
        } else {
            resource_id("Specimen", &[gkey, &n.to_string()])
        };
        let (c_start, c_end) = match rep1(seg, 17) {
            Some(r) => (
                self.rx
                    .datetime(r.component(1).map(Value::from), l.f(17).c(1))?,
                self.rx
                    .datetime(r.component(2).map(Value::from), l.f(17).c(2))?,
            ),
            None => (None, None),
        };
        let received = self.rx.datetime(seg.field(18).map(Value::from), l.f(18))?;
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("Specimen", id) else {
            return Ok(id);
        };
        j.arr(Some("identifier"));
        placer.write(&mut j, "PLAC");
        filler.write(&mut j, "FILL");
        j.end_arr();
        match field_text(seg, 20).as_ref() {
            "Y" => j.str(Some("status"), "available"),
            "N" => j.str(Some("status"), "unavailable"),
            "" => {}
            _ => rx.report.push(l.f(20), ReportKind::UnknownCode("0136")),
        }
        if let Some(r) = rep1(seg, 4) {
            rx.codeable(&mut j, Some("type"), &r, Some(V2_0487), l.f(4));
        }
        if let Some(p) = &patient {
            j.reference(Some("subject"), p);
        }
        j.str(Some("receivedTime"), received.as_deref().unwrap_or(""));
        j.arr(Some("request"));
        j.reference(None, &request);
        j.end_arr();
        j.obj(Some("collection"));
        if c_end.is_some() {
            j.obj(Some("collectedPeriod"));
            j.str(Some("start"), c_start.as_deref().unwrap_or(""));
            j.str(Some("end"), c_end.as_deref().unwrap_or(""));
            j.end_obj();
        } else {
            j.str(Some("collectedDateTime"), c_start.as_deref().unwrap_or(""));
        }
        if let Some(r) = rep1(seg, 7) {
            rx.codeable(&mut j, Some("method"), &r, Some(V2_0488), l.f(7));
        }
        if let Some(r) = rep1(seg, 8) {
            rx.codeable(&mut j, Some("bodySite"), &r, None, l.f(8));
        }
        j.end_obj();
        if let Some(r) = rep1(seg, 27) {
            j.arr(Some("container"));
            j.obj(None);
            rx.codeable(&mut j, Some("type"), &r, None, l.f(27));
            j.end_obj();
            j.end_arr();
        }
        j.arr(Some("condition"));
        let conds = reps(seg, 24);
        for (i, r) in conds.iter().enumerate() {
            let loc = if conds.len() > 1 {
                l.r(24, i + 1)
            } else {
                l.f(24)
            };
            rx.codeable(&mut j, None, r, Some(V2_0493), loc);
        }
        j.end_arr();
        j.arr(Some("note"));
        for r in reps(seg, 14) {
            let t = comp(&r, 1);
            if !t.is_empty() {
                j.obj(None);
                j.str(Some("text"), &t);
                j.end_obj();
            }
        }
        j.end_arr();
        drop(j);
        b.end();
        Ok(id)
    }
}

const V2_0487: &str = "http://terminology.hl7.org/CodeSystem/v2-0487";
const V2_0488: &str = "http://terminology.hl7.org/CodeSystem/v2-0488";
const V2_0493: &str = "http://terminology.hl7.org/CodeSystem/v2-0493";

/// The id `Cx::condition` gives a DG1 (same key, so the reference resolves).
pub(super) fn condition_id(patient: ResourceId, s: &Seg<'_>) -> ResourceId {
    let key = rep1(&s.seg, 3)
        .map(|r| comp(&r, 1).into_owned())
        .unwrap_or_default();
    resource_id(
        "Condition",
        &[patient.as_str(), &key, &field_text(&s.seg, 1)],
    )
}
