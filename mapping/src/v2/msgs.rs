//! VXU_V04 (RXA → Immunization), MDM_T02 (TXA + OBX → DocumentReference), SIU_S12
//! (SCH + AIS/AIG/AIL/AIP → Appointment) and DFT_P03 (FT1 → ChargeItem).
//!
//! Tables copied from the v2-to-FHIR IG: CompletionStatus (RXA-20), FillerStatusCodes
//! \[Appointment\] (SCH-25, AIx-12), DocumentConfidentialityStatus (TXA-18).

use super::orders::Ei;
use super::*;

/// CWE read as an Organization/Quantity unit: the MO of a CP is component 1 with
/// subcomponents (bit 0 is never a component, so this mask is not "primitive" and the
/// subcomponents are not reported one by one).
const MO_M: u32 = mask(&[0, 1]);
const EIP_M: u32 = mask(&[1, 2]);
const TQ_M: u32 = mask(&[4, 5]);

const RXA: Spec = &[
    (1, ALL, 1),
    (2, ALL, 1),
    (3, ONE, 1),
    (4, ONE, 1),
    (5, CWE_M, 1),
    (6, ONE, 1),
    // RXA-7 units and RXA-17 manufacturer: code, text and system (CWE.1-3).
    (7, mask(&[1, 2, 3]), 1),
    (9, CWE_M, 1),
    (10, XCN_M, 0),
    (15, ONE, 1),
    (16, ONE, 1),
    (17, mask(&[1, 2, 3]), 1),
    (18, CWE_M, 1),
    (19, CWE_M, 0),
    (20, ONE, 1),
    (21, ONE, 1),
    (22, ONE, 1),
    (27, PL_M, 1),
];
const RXR: Spec = &[(1, CWE_M, 1), (2, CWE_M, 1)];
const ORC_IMM: Spec = &[
    (1, ALL, 1),
    (2, EI_M, 1),
    (3, EI_M, 1),
    (9, ONE, 1),
    (12, XCN_M, 0),
];
const TXA: Spec = &[
    (1, ALL, 1),
    (2, CWE_M, 1),
    (3, ONE, 1),
    (4, ONE, 1),
    (6, ONE, 1),
    (9, XCN_M, 0),
    (10, XCN_M, 1),
    (12, EI_M, 1),
    (16, ONE, 1),
    (17, ONE, 1),
    (18, ONE, 1),
    (19, ONE, 1),
];
/// OBX as document content (MDM): the value and what names it.
const OBX_DOC: Spec = &[(1, ALL, 1), (2, ONE, 1), (3, CWE_M, 1), (5, ALL, 0)];
const SCH: Spec = &[
    (1, EI_M, 1),
    (2, EI_M, 1),
    (7, CWE_M, 1),
    (8, CWE_M, 1),
    (9, ONE, 1),
    // SCH-10: the duration unit code (CWE.1) only.
    (10, ONE, 1),
    (11, TQ_M, 1),
    (20, XCN_M, 1),
    // SCH-25: the filler status code (CWE.1) only.
    (25, ONE, 1),
    (26, EIP_M, 1),
    (27, EIP_M, 1),
];
const RGS: Spec = &[(1, ALL, 1)];
const AIS: Spec = &[(1, ALL, 1), (3, CWE_M, 1), (4, ONE, 1)];
/// AIG-3 names the resource (CWE.1 id, CWE.2 name); AIL-12/AIP-12 are status codes.
const AIG: Spec = &[
    (1, ALL, 1),
    (3, mask(&[1, 2]), 1),
    (4, CWE_M, 1),
    (8, ONE, 1),
];
const AIL: Spec = &[(1, ALL, 1), (3, PL_M, 1), (6, ONE, 1), (12, ONE, 1)];
const AIP: Spec = &[
    (1, ALL, 1),
    (3, XCN_M, 1),
    (4, CWE_M, 1),
    (6, ONE, 1),
    (12, ONE, 1),
];
const TQ1_SIU: Spec = &[(1, ALL, 1), (7, ONE, 1), (8, ONE, 1)];
const FT1: Spec = &[
    (1, ALL, 1),
    (2, ONE, 1),
    (4, mask(&[1, 2]), 1),
    (5, ONE, 1),
    (6, ONE, 1),
    (7, CWE_M, 1),
    (10, ONE, 1),
    (11, MO_M, 1),
    (19, CWE_M, 0),
    (20, XCN_M, 0),
];

/// The tables of the messages mapped here (None: the common tables in `spec_for`).
pub(super) fn spec_for(id: &[u8], kind: Kind) -> Option<Spec> {
    Some(match (id, kind) {
        (_, Kind::Adt | Kind::Oru | Kind::Order) => return None,
        // Only what the message mapping reads: IN1 in MDM/SIU and PR1 in SIU are
        // reported as not mapped segments.
        (b"EVN", _)
        | (b"IN1", Kind::Vxu | Kind::Dft)
        | (b"DG1", Kind::Dft | Kind::Siu)
        | (b"PR1", Kind::Dft) => return super::spec_for(id, Kind::Adt),
        (b"ORC", Kind::Vxu) => ORC_IMM,
        (b"RXA", Kind::Vxu) => RXA,
        (b"RXR", Kind::Vxu) => RXR,
        (b"TXA", Kind::Mdm) => TXA,
        (b"ORC", Kind::Mdm) => super::orders::ORC_ORDER,
        (b"OBR", Kind::Mdm) => super::orders::OBR_ORDER,
        (b"TQ1", Kind::Mdm) => super::orders::TQ1,
        (b"OBX", Kind::Mdm) => OBX_DOC,
        (b"SCH", Kind::Siu) => SCH,
        (b"TQ1", Kind::Siu) => TQ1_SIU,
        (b"RGS", Kind::Siu) => RGS,
        (b"AIS", Kind::Siu) => AIS,
        (b"AIG", Kind::Siu) => AIG,
        (b"AIL", Kind::Siu) => AIL,
        (b"AIP", Kind::Siu) => AIP,
        (b"FT1", Kind::Dft) => FT1,
        _ => return None,
    })
}

/// Standard base64 (RFC 4648, with padding).
fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let c = |shift: u32| char::from(T[((n >> shift) & 63) as usize]);
        out.push(c(18));
        out.push(c(12));
        out.push(if chunk.len() > 1 { c(6) } else { '=' });
        out.push(if chunk.len() > 2 { c(0) } else { '=' });
    }
    out
}

/// Base64 text with whitespace removed, when it is valid base64.
fn clean_base64(s: &str) -> Option<String> {
    let t: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let ok = !t.is_empty()
        && t.len() % 4 == 0
        && t.trim_end_matches('=').len() + 2 >= t.len()
        && t.trim_end_matches('=')
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    ok.then_some(t)
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let t: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if t.len() % 2 != 0 {
        return None;
    }
    let v = |b: u8| char::from(b).to_digit(16);
    t.chunks(2)
        .map(|p| Some((v(*p.first()?)? * 16 + v(*p.get(1)?)?) as u8))
        .collect()
}

/// A MIME type from ED.2 type of data (table 0191) and ED.3 subtype (table 0291).
fn mime(ty: &str, sub: &str) -> Option<String> {
    let sub_l = sub.to_ascii_lowercase();
    let known = match sub_l.as_str() {
        "pdf" => Some("application/pdf"),
        "rtf" => Some("application/rtf"),
        "html" => Some("text/html"),
        "xml" => Some("text/xml"),
        "jpeg" | "jpg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "gif" => Some("image/gif"),
        "tiff" => Some("image/tiff"),
        "dicom" => Some("application/dicom"),
        "plain" | "txt" => Some("text/plain"),
        _ => None,
    };
    if let Some(k) = known {
        return Some(k.to_string());
    }
    let major = match ty.to_ascii_lowercase().as_str() {
        "ap" | "application" | "ns" => "application",
        "im" | "image" => "image",
        "text" | "tx" => "text",
        "au" | "audio" => "audio",
        "multipart" => "multipart",
        _ => return None,
    };
    let ok = !sub_l.is_empty()
        && sub_l
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b));
    ok.then(|| format!("{major}/{sub_l}"))
}

/// An ED value (components 2-5) as an Attachment's contentType and base64 data.
/// `Err(c)` names the component that could not be converted.
pub(super) fn ed_attachment(r: &Repetition<'_>) -> Result<(Option<String>, String), usize> {
    let (ty, subtype, enc, data) = (comp(r, 2), comp(r, 3), comp(r, 4), comp(r, 5));
    let ct = mime(&ty, &subtype);
    let b64 = match enc.to_ascii_lowercase().as_str() {
        "base64" => clean_base64(&data).ok_or(5usize)?,
        "hex" => base64(&hex_decode(&data).ok_or(5usize)?),
        "a" | "" => base64(data.as_bytes()),
        _ => return Err(4),
    };
    Ok((ct, b64))
}

impl Cx<'_> {
    /// VXU, MDM, SIU and DFT after the patient and encounter are written.
    pub(super) fn other_message(
        &mut self,
        msg: &Message<'_>,
        segs: &[Seg<'_>],
        kind: Kind,
    ) -> Result<(), Error> {
        match kind {
            Kind::Vxu => self.vxu(segs)?,
            Kind::Mdm => self.mdm(segs)?,
            Kind::Siu => self.siu(segs)?,
            Kind::Dft => self.dft(segs)?,
            Kind::Adt | Kind::Oru | Kind::Order => {}
        }
        if let Some(evn) = segs.iter().find(|s| s.seg.id() == b"EVN") {
            self.provenance(msg, evn)?;
        }
        Ok(())
    }

    /// OBX (with following NTEs) outside any group: observations about the patient.
    fn loose_observation(&mut self, segs: &[Seg<'_>], i: usize, tag: &str) -> Result<(), Error> {
        let mut notes = Vec::new();
        let mut k = i + 1;
        while k < segs.len() && segs[k].seg.id() == b"NTE" {
            notes.push(&segs[k]);
            k += 1;
        }
        let key = format!("{tag}-{i}");
        let id = resource_id("Observation", &[self.patient_key(), &key]);
        self.observation(&segs[i], &notes, id, None)?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // VXU_V04
    // -----------------------------------------------------------------------------------

    fn vxu(&mut self, segs: &[Seg<'_>]) -> Result<(), Error> {
        let mut orc: Option<&Seg<'_>> = None;
        let mut rxa_seen = false;
        let mut i = 0;
        while i < segs.len() {
            let s = &segs[i];
            match s.seg.id() {
                b"ORC" => {
                    orc = Some(s);
                    rxa_seen = false;
                }
                b"RXA" => {
                    let rxr = segs.get(i + 1).filter(|n| n.seg.id() == b"RXR");
                    self.immunization(orc, s, rxr)?;
                    rxa_seen = true;
                    orc = None;
                }
                b"IN1" => self.coverage(s)?,
                b"OBX" => self.loose_observation(segs, i, if rxa_seen { "rxa" } else { "vxu" })?,
                b"NTE"
                    if !matches!(
                        segs.get(i.wrapping_sub(1)).map(|p| p.seg.id()),
                        Some(b"OBX" | b"NTE")
                    ) =>
                {
                    self.rx.report.push(s.label, ReportKind::SegmentNotMapped)
                }
                b"RXR"
                    if !matches!(
                        segs.get(i.wrapping_sub(1)).map(|p| p.seg.id()),
                        Some(b"RXA")
                    ) =>
                {
                    self.rx.report.push(s.label, ReportKind::SegmentNotMapped)
                }
                _ => {}
            }
            i += 1;
        }
        Ok(())
    }

    fn immunization(
        &mut self,
        orc: Option<&Seg<'_>>,
        rxa: &Seg<'_>,
        rxr: Option<&Seg<'_>>,
    ) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &rxa.seg;
        let l = &rxa.label;
        let placer = super::orders::pick_ei(None, orc, 2, &mut self.rx.report);
        let filler = super::orders::pick_ei(None, orc, 3, &mut self.rx.report);
        let key = if !filler.value.is_empty() {
            format!("F|{}", filler.key())
        } else if !placer.value.is_empty() {
            format!("P|{}", placer.key())
        } else {
            format!("{patient}|{}", seg.position())
        };
        let id = resource_id("Immunization", &[&key]);
        let start_raw = ts1(seg.field(3).map(Value::from));
        let end_raw = ts1(seg.field(4).map(Value::from));
        if end_raw.is_some() && end_raw != start_raw {
            // RXA-4 (end of administration) has no place when it differs from RXA-3.
            self.rx.report.push(l.f(4), ReportKind::NotMapped);
        }
        let occurrence = self.rx.datetime(seg.field(3).map(Value::from), l.f(3))?;
        let expiration = self.rx.date(seg.field(16).map(Value::from), l.f(16));
        let action = field_text(seg, 21);
        let recorded = match orc {
            Some(o) => self
                .rx
                .datetime(o.seg.field(9).map(Value::from), o.label.f(9))?,
            None => None,
        };
        let recorded = match recorded {
            Some(r) => {
                // ORC-9 wins: a different RXA-22 is not used.
                let entered = field_text(seg, 22);
                let orc9 = orc.map(|o| field_text(&o.seg, 9)).unwrap_or_default();
                if !entered.is_empty() && entered != orc9 {
                    self.rx.report.push(l.f(22), ReportKind::NotMapped);
                }
                Some(r)
            }
            None => self.rx.datetime(seg.field(22).map(Value::from), l.f(22))?,
        };
        let mut performers: Vec<(&'static str, ResourceId)> = Vec::new();
        if let Some(o) = orc {
            for (i, r) in each_rep_n(&o.seg, 12) {
                if let Some(p) = self.practitioner(&r, o.label.r(12, i))? {
                    performers.push(("OP", p));
                }
            }
        }
        for (i, r) in each_rep_n(seg, 10) {
            if let Some(p) = self.practitioner(&r, l.r(10, i))? {
                performers.push(("AP", p));
            }
        }
        let manufacturer = match rep1(seg, 17) {
            Some(r) => {
                let (code, name, sys) = (comp(&r, 1), comp(&r, 2), comp(&r, 3));
                let sys_uri = match sys.as_ref() {
                    "" => String::new(),
                    s => match system_uri(s) {
                        Some(u) => u.into_owned(),
                        None => {
                            self.rx
                                .report
                                .push(l.f(17).c(3), ReportKind::UnknownCode("0396"));
                            String::new()
                        }
                    },
                };
                let ident = (!code.is_empty()).then_some((sys_uri.as_str(), code.as_ref()));
                self.organization(&name, ident)
            }
            None => None,
        };
        let location = rep1(seg, 27).and_then(|r| self.location(&r, l.f(27)));
        let status_code = field_text(seg, 20);
        let encounter = self.encounter;
        let Cx { b, rx, focus, .. } = self;
        focus.push(id);
        let Some(mut j) = b.begin("Immunization", id) else {
            return Ok(());
        };
        j.arr(Some("identifier"));
        placer.write(&mut j, "PLAC");
        filler.write(&mut j, "FILL");
        j.end_arr();
        let status = if action == "D" {
            "entered-in-error"
        } else {
            match status_code.as_ref() {
                "CP" | "PA" | "" => "completed",
                "RE" | "NA" => "not-done",
                _ => {
                    rx.report.push(l.f(20), ReportKind::UnknownCode("0322"));
                    "completed"
                }
            }
        };
        if !matches!(action.as_ref(), "" | "A" | "D" | "U") {
            rx.report.push(l.f(21), ReportKind::UnknownCode("0206"));
        }
        j.str(Some("status"), status);
        if let Some(r) = rep1(seg, 18) {
            rx.codeable(&mut j, Some("statusReason"), &r, None, l.f(18));
        }
        match rep1(seg, 5) {
            Some(r) => rx.codeable(&mut j, Some("vaccineCode"), &r, None, l.f(5)),
            None => {
                j.obj(Some("vaccineCode"));
                j.str(Some("text"), "unknown");
                j.end_obj();
            }
        }
        j.reference(Some("patient"), &patient);
        if let Some(e) = &encounter {
            j.reference(Some("encounter"), e);
        }
        match &occurrence {
            Some(o) => j.str(Some("occurrenceDateTime"), o),
            // occurrence[x] is required: an absent RXA-3 is stated, not invented.
            None => j.str(Some("occurrenceString"), "unknown"),
        }
        j.str(Some("recorded"), recorded.as_deref().unwrap_or(""));
        if let Some(r) = rep1(seg, 9) {
            // RXA-9 administration notes, NIP001: 00 = new record (primary source),
            // 01-08 = historical (not a primary source).
            match comp(&r, 1).as_ref() {
                "00" => j.raw(Some("primarySource"), "true"),
                "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" => {
                    j.raw(Some("primarySource"), "false")
                }
                _ => rx.report.push(l.f(9), ReportKind::NotMapped),
            }
        }
        if let Some(loc) = &location {
            j.reference(Some("location"), loc);
        }
        if let Some(m) = &manufacturer {
            j.reference(Some("manufacturer"), m);
        }
        j.str(Some("lotNumber"), &field_text(seg, 15));
        j.str(Some("expirationDate"), expiration.as_deref().unwrap_or(""));
        if let Some(rxr) = rxr {
            if let Some(r) = rep1(&rxr.seg, 2) {
                rx.codeable(&mut j, Some("site"), &r, Some(V2_0163), rxr.label.f(2));
            }
            if let Some(r) = rep1(&rxr.seg, 1) {
                rx.codeable(&mut j, Some("route"), &r, Some(V2_0162), rxr.label.f(1));
            }
        }
        let dose = field_text(seg, 6);
        // CDC IG: 999 means "dose amount unknown".
        if !dose.is_empty() && dose != "999" {
            match json_number(&dose) {
                Some(n) => {
                    j.obj(Some("doseQuantity"));
                    j.raw(Some("value"), n);
                    quantity_unit(&mut j, rep1(seg, 7).as_ref(), rx, l.f(7));
                    j.end_obj();
                }
                None => rx.report.push(l.f(6), ReportKind::InvalidValue),
            }
        }
        j.arr(Some("performer"));
        for (code, p) in &performers {
            j.obj(None);
            j.concept(Some("function"), V2_0443, code, "");
            j.reference(Some("actor"), p);
            j.end_obj();
        }
        j.end_arr();
        j.arr(Some("reasonCode"));
        let rs = reps(seg, 19);
        for (i, r) in rs.iter().enumerate() {
            let loc = if rs.len() > 1 {
                l.r(19, i + 1)
            } else {
                l.f(19)
            };
            rx.codeable(&mut j, None, r, None, loc);
        }
        j.end_arr();
        drop(j);
        b.end();
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // MDM_T02
    // -----------------------------------------------------------------------------------

    fn mdm(&mut self, segs: &[Seg<'_>]) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let Some(txa_pos) = segs.iter().position(|s| s.seg.id() == b"TXA") else {
            return Err(Error::new(ErrorKind::MissingSegment, "TXA"));
        };
        let txa = &segs[txa_pos];
        // The common order group (ORC, TQ1, OBR, NTE) → ServiceRequest, context.related.
        let related = self.order_requests(&segs[..txa_pos])?;
        let seg = &txa.seg;
        let l = &txa.label;
        let master = Ei::field(seg, 12);
        master.check(l.f(12), &mut self.rx.report);
        let file = field_text(seg, 16);
        let id = if !master.value.is_empty() {
            resource_id("DocumentReference", &[&master.key()])
        } else {
            resource_id(
                "DocumentReference",
                &[patient.as_str(), &file, &field_text(&segs[0].seg, 10)],
            )
        };
        let date = self.rx.instant(seg.field(6).map(Value::from), l.f(6))?;
        let activity = self.rx.datetime(seg.field(4).map(Value::from), l.f(4))?;
        let mut authors = Vec::new();
        for (i, r) in reps(seg, 9).iter().enumerate() {
            if let Some(p) = self.practitioner(r, l.r(9, i + 1))? {
                authors.push(p);
            }
        }
        let authenticator = match rep1(seg, 10) {
            Some(r) => self.practitioner(&r, l.f(10))?,
            None => None,
        };
        let encounter = self.encounter;
        let Cx { b, rx, focus, .. } = self;
        focus.push(id);
        // Content: one attachment per OBX; NTEs have no place in DocumentReference.
        let mut contents: Vec<(String, String, String)> = Vec::new(); // (type, data, title)
        let default_ct = match field_text(seg, 3).as_ref() {
            "" | "TX" | "FT" | "ST" => String::new(),
            other => mime("", other).unwrap_or_else(|| {
                rx.report.push(l.f(3), ReportKind::UnknownCode("0191"));
                String::new()
            }),
        };
        for s in &segs[txa_pos..] {
            match s.seg.id() {
                // IG NTE[DocumentReference]: a note becomes text content.
                b"NTE" => {
                    let mut text = String::new();
                    for (i, r) in reps(&s.seg, 3).iter().enumerate() {
                        if i > 0 {
                            text.push('\n');
                        }
                        text.push_str(&leaf(Some(Value::from(*r))));
                    }
                    if !text.trim().is_empty() {
                        contents.push((
                            "text/plain".to_string(),
                            base64(text.as_bytes()),
                            "note".to_string(),
                        ));
                    }
                }
                // One document per message.
                b"TXA" if !std::ptr::eq(s, txa) => {
                    rx.report.push(s.label, ReportKind::SegmentNotMapped)
                }
                b"OBX" => {
                    let o = &s.seg;
                    let title = rep1(o, 3).map(|r| comp(&r, 2)).unwrap_or_default();
                    let vals = reps(o, 5);
                    let vt = field_text(o, 2);
                    match vt.as_ref() {
                        "TX" | "FT" | "ST" => {
                            let mut text = String::new();
                            for (i, r) in vals.iter().enumerate() {
                                if i > 0 {
                                    text.push('\n');
                                }
                                text.push_str(&leaf(Some(Value::from(*r))));
                            }
                            if !text.trim().is_empty() {
                                let ct = if vt == "FT" || default_ct.is_empty() {
                                    "text/plain"
                                } else {
                                    default_ct.as_str()
                                };
                                contents.push((
                                    ct.to_string(),
                                    base64(text.as_bytes()),
                                    title.into_owned(),
                                ));
                            }
                        }
                        "ED" => {
                            for (i, r) in vals.iter().enumerate() {
                                let loc = if vals.len() > 1 {
                                    s.label.r(5, i + 1)
                                } else {
                                    s.label.f(5)
                                };
                                match ed_attachment(r) {
                                    Ok((ct, data)) => contents.push((
                                        ct.unwrap_or_else(|| default_ct.clone()),
                                        data,
                                        title.to_string(),
                                    )),
                                    Err(c) => rx.report.push(loc.c(c), ReportKind::InvalidValue),
                                }
                            }
                        }
                        _ => {
                            if !vt.is_empty() {
                                rx.report
                                    .push(s.label.f(2), ReportKind::UnknownCode("0125"));
                            }
                            rx.report.push(s.label.f(5), ReportKind::NotMapped)
                        }
                    }
                }
                _ => {}
            }
        }
        if contents.is_empty() {
            // DocumentReference.content is required: a document without content says so.
            contents.push((String::new(), String::new(), "no content".to_string()));
        }
        let Some(mut j) = b.begin("DocumentReference", id) else {
            return Ok(());
        };
        if !master.value.is_empty() {
            j.obj(Some("masterIdentifier"));
            if let Some(s) = hd_uri(&field_comp(seg, 12, 3), &field_comp(seg, 12, 4)) {
                j.str(Some("system"), &s);
            }
            j.str(Some("value"), &master.value);
            j.end_obj();
        }
        if !file.is_empty() {
            j.arr(Some("identifier"));
            j.obj(None);
            j.str(Some("value"), &file);
            j.end_obj();
            j.end_arr();
        }
        let st = field_text(seg, 19);
        let status = match st.as_ref() {
            "" | "AV" => "current",
            "OB" => "superseded",
            "CA" => "entered-in-error",
            "UN" => {
                rx.report.push(l.f(19), ReportKind::NotMapped);
                "current"
            }
            _ => {
                rx.report.push(l.f(19), ReportKind::UnknownCode("0275"));
                "current"
            }
        };
        j.str(Some("status"), status);
        let ds = field_text(seg, 17);
        let doc_status = match ds.as_ref() {
            "" => "",
            "AU" | "LA" => "final",
            "DI" | "DO" | "IN" | "IP" | "PA" => "preliminary",
            _ => {
                rx.report.push(l.f(17), ReportKind::UnknownCode("0271"));
                ""
            }
        };
        j.str(Some("docStatus"), doc_status);
        if let Some(r) = rep1(seg, 2) {
            rx.codeable(&mut j, Some("type"), &r, Some(V2_0270), l.f(2));
        }
        j.reference(Some("subject"), &patient);
        j.str(Some("date"), date.as_deref().unwrap_or(""));
        j.arr(Some("author"));
        for a in &authors {
            j.reference(None, a);
        }
        j.end_arr();
        if let Some(a) = &authenticator {
            j.reference(Some("authenticator"), a);
        }
        let conf = field_text(seg, 18);
        if !conf.is_empty() {
            if matches!(conf.as_ref(), "V" | "R" | "U") {
                j.arr(Some("securityLabel"));
                j.concept(None, V2_0272, &conf, "");
                j.end_arr();
            } else {
                rx.report.push(l.f(18), ReportKind::UnknownCode("0272"));
            }
        }
        j.arr(Some("content"));
        for (ct, data, title) in &contents {
            j.obj(None);
            j.obj(Some("attachment"));
            j.str(Some("contentType"), ct);
            j.str(Some("data"), data);
            j.str(Some("title"), title);
            j.end_obj();
            j.end_obj();
        }
        j.end_arr();
        j.obj(Some("context"));
        j.arr(Some("encounter"));
        if let Some(e) = &encounter {
            j.reference(None, e);
        }
        j.end_arr();
        j.obj(Some("period"));
        j.str(Some("start"), activity.as_deref().unwrap_or(""));
        j.end_obj();
        j.arr(Some("related"));
        for r in &related {
            j.reference(None, r);
        }
        j.end_arr();
        j.end_obj();
        drop(j);
        b.end();
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // SIU_S12
    // -----------------------------------------------------------------------------------

    fn siu(&mut self, segs: &[Seg<'_>]) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let Some(sch) = segs.iter().find(|s| s.seg.id() == b"SCH") else {
            return Err(Error::new(ErrorKind::MissingSegment, "SCH"));
        };
        let seg = &sch.seg;
        let l = &sch.label;
        let placer = Ei::field(seg, 1);
        let filler = Ei::field(seg, 2);
        placer.check(l.f(1), &mut self.rx.report);
        filler.check(l.f(2), &mut self.rx.report);
        let key = if !filler.value.is_empty() {
            format!("F|{}", filler.key())
        } else if !placer.value.is_empty() {
            format!("P|{}", placer.key())
        } else {
            format!("{patient}|{}", seg.position())
        };
        let id = resource_id("Appointment", &[&key]);
        // Start/end: TQ1-7/8, else SCH-11.4/.5 (TQ), else the first AIS/AIG/AIL/AIP start.
        let mut start = None;
        let mut end = None;
        let first_tq1 = segs.iter().find(|s| s.seg.id() == b"TQ1");
        if let Some(t) = first_tq1 {
            start = self
                .rx
                .instant(t.seg.field(7).map(Value::from), t.label.f(7))?;
            end = self
                .rx
                .instant(t.seg.field(8).map(Value::from), t.label.f(8))?;
        }
        if let Some(r) = rep1(seg, 11) {
            let a = self
                .rx
                .instant(r.component(4).map(Value::from), l.f(11).c(4))?;
            let b = self
                .rx
                .instant(r.component(5).map(Value::from), l.f(11).c(5))?;
            if start.is_none() && end.is_none() {
                start = a;
                end = b;
            }
        }
        let mut parts: Vec<Participant> = vec![Participant {
            actor: Actor::Ref(patient),
            ty: None,
            status: "accepted",
            start: None,
        }];
        let mut comments = Vec::new();
        let mut service_types = Vec::new();
        let mut last = b"SCH";
        for (i, s) in segs.iter().enumerate() {
            let sl = &s.label;
            let id3: &[u8] = s.seg.id();
            match id3 {
                b"NTE" => {
                    if last == b"OBX" {
                        // Notes of an OBX are mapped with it.
                    } else {
                        let mut t = String::new();
                        for r in reps(&s.seg, 3) {
                            if !t.is_empty() {
                                t.push('\n');
                            }
                            t.push_str(&leaf(Some(Value::from(r))));
                        }
                        comments.push(t);
                    }
                }
                b"OBX" => self.loose_observation(segs, i, "siu")?,
                // One appointment per message: a second SCH or TQ1 has no place.
                b"SCH" if !std::ptr::eq(s, sch) => {
                    self.rx.report.push(*sl, ReportKind::SegmentNotMapped)
                }
                b"TQ1" if !first_tq1.is_some_and(|t| std::ptr::eq(s, t)) => {
                    self.rx.report.push(*sl, ReportKind::SegmentNotMapped)
                }
                b"DG1" => self.condition(s)?,
                b"AIS" => {
                    let st = self.rx.instant(s.seg.field(4).map(Value::from), sl.f(4))?;
                    if start.is_none() {
                        start = st;
                    }
                    if let Some(r) = rep1(&s.seg, 3) {
                        service_types.push((r, sl.f(3)));
                    }
                }
                b"AIG" | b"AIL" | b"AIP" => {
                    let (actor_f, type_f, start_f, status_f) = match id3 {
                        b"AIG" => (3usize, 4usize, 8usize, 0usize),
                        b"AIL" => (3, 0, 6, 12),
                        _ => (3, 4, 6, 12),
                    };
                    let actor = match id3 {
                        b"AIL" => rep1(&s.seg, actor_f)
                            .and_then(|r| self.location(&r, s.label.f(actor_f)))
                            .map(Actor::Ref),
                        b"AIP" => match rep1(&s.seg, actor_f) {
                            Some(r) => self.practitioner(&r, sl.f(actor_f))?.map(Actor::Ref),
                            None => None,
                        },
                        _ => rep1(&s.seg, actor_f).map(|r| Actor::Display {
                            id: comp(&r, 1).into_owned(),
                            name: comp(&r, 2).into_owned(),
                        }),
                    };
                    let pstart = self
                        .rx
                        .datetime(s.seg.field(start_f).map(Value::from), sl.f(start_f))?;
                    if start.is_none() {
                        start = self
                            .rx
                            .instant(s.seg.field(start_f).map(Value::from), sl.f(start_f))?;
                    }
                    let status = if status_f == 0 {
                        "accepted"
                    } else {
                        let c = rep1(&s.seg, status_f)
                            .map(|r| comp(&r, 1))
                            .unwrap_or_default();
                        match c.as_ref() {
                            "" | "Booked" | "Started" | "Complete" | "Overbook" => "accepted",
                            "Cancelled" | "Deleted" | "Discontinued" | "Noshow" => "declined",
                            "Pending" | "Waitlist" => "tentative",
                            "Blocked" => "needs-action",
                            _ => {
                                self.rx
                                    .report
                                    .push(sl.f(status_f), ReportKind::UnknownCode("0278"));
                                "needs-action"
                            }
                        }
                    };
                    match actor {
                        Some(a) => parts.push(Participant {
                            actor: a,
                            ty: (type_f > 0)
                                .then(|| rep1(&s.seg, type_f).map(|r| (r, sl.f(type_f))))
                                .flatten(),
                            status,
                            start: pstart,
                        }),
                        None => self.rx.report.push(*sl, ReportKind::SegmentNotMapped),
                    }
                }
                _ => {}
            }
            if id3 != b"NTE" {
                last = if id3 == b"OBX" { b"OBX" } else { b"SCH" };
            }
        }
        let enterer = match rep1(seg, 20) {
            Some(r) => self.practitioner(&r, l.f(20))?,
            None => None,
        };
        if let Some(p) = enterer {
            parts.push(Participant {
                actor: Actor::Ref(p),
                ty: None,
                status: "accepted",
                start: None,
            });
        }
        let encounter = self.encounter;
        let Cx { b, rx, focus, .. } = self;
        focus.push(id);
        let Some(mut j) = b.begin("Appointment", id) else {
            return Ok(());
        };
        j.arr(Some("identifier"));
        placer.write(&mut j, "PLAC");
        filler.write(&mut j, "FILL");
        j.end_arr();
        let st = rep1(seg, 25).map(|r| comp(&r, 1)).unwrap_or_default();
        let status = match st.as_ref() {
            // S12 announces a new booking.
            "" | "Booked" | "Overbook" => "booked",
            "Pending" => "pending",
            "Waitlist" => "waitlist",
            "Started" => "checked-in",
            "Complete" => "fulfilled",
            "Cancelled" => "cancelled",
            "Deleted" => "entered-in-error",
            "Noshow" => "noshow",
            "Discontinued" | "Blocked" => {
                rx.report.push(l.f(25), ReportKind::NotMapped);
                "booked"
            }
            _ => {
                rx.report.push(l.f(25), ReportKind::UnknownCode("0278"));
                "booked"
            }
        };
        j.str(Some("status"), status);
        j.arr(Some("serviceType"));
        for (r, loc) in &service_types {
            rx.codeable(&mut j, None, r, None, *loc);
        }
        j.end_arr();
        let reason = rep1(seg, 7);
        let reason_is_type = reason.as_ref().is_some_and(|r| comp(r, 3) == "HL70277");
        if let Some(r) = rep1(seg, 8).or_else(|| reason.filter(|_| reason_is_type)) {
            let n = if rep1(seg, 8).is_some() { 8 } else { 7 };
            rx.codeable(&mut j, Some("appointmentType"), &r, Some(V2_0277), l.f(n));
        }
        if let Some(r) = reason.as_ref().filter(|_| !reason_is_type) {
            j.arr(Some("reasonCode"));
            rx.codeable(&mut j, None, r, Some(V2_0276), l.f(7));
            j.end_arr();
        } else if reason_is_type && rep1(seg, 8).is_some() {
            rx.report.push(l.f(7), ReportKind::NotMapped);
        }
        j.str(Some("start"), start.as_deref().unwrap_or(""));
        j.str(Some("end"), end.as_deref().unwrap_or(""));
        let dur = field_text(seg, 9);
        let unit = rep1(seg, 10).map(|r| comp(&r, 1)).unwrap_or_default();
        if dur.is_empty() {
            if !unit.is_empty() {
                // A unit of no duration.
                rx.report.push(l.f(10), ReportKind::NotMapped);
            }
        } else {
            if !matches!(unit.as_ref(), "" | "min" | "MIN" | "m" | "h" | "hr" | "HR") {
                rx.report.push(l.f(10), ReportKind::InvalidValue);
            }
            let minutes = dur
                .trim()
                .parse::<u32>()
                .ok()
                .and_then(|n| match unit.as_ref() {
                    "" | "min" | "MIN" | "m" => Some(n),
                    "h" | "hr" | "HR" => n.checked_mul(60),
                    _ => None,
                });
            match minutes.filter(|m| *m > 0) {
                Some(m) => j.raw(Some("minutesDuration"), &m.to_string()),
                None => rx.report.push(l.f(9), ReportKind::InvalidValue),
            }
        }
        j.str(Some("comment"), &comments.join("\n"));
        j.arr(Some("basedOn"));
        for n in [26usize, 27] {
            if let Some(r) = rep1(seg, n) {
                let (p, f) = (Ei::sub(&r, 1), Ei::sub(&r, 2));
                for (e, t) in [(p, "PLAC"), (f, "FILL")] {
                    if e.value.is_empty() {
                        continue;
                    }
                    j.obj(None);
                    j.str(Some("type"), "ServiceRequest");
                    j.arr(Some("identifier"));
                    e.write(&mut j, t);
                    j.end_arr();
                    j.end_obj();
                }
            }
        }
        j.end_arr();
        j.arr(Some("participant"));
        for p in &parts {
            j.obj(None);
            if let Some((r, loc)) = &p.ty {
                j.arr(Some("type"));
                rx.codeable(&mut j, None, r, None, *loc);
                j.end_arr();
            }
            match &p.actor {
                Actor::Ref(a) => j.reference(Some("actor"), a),
                Actor::Display { id, name } => {
                    j.obj(Some("actor"));
                    j.obj(Some("identifier"));
                    j.str(Some("value"), id);
                    j.end_obj();
                    j.str(Some("display"), name);
                    j.end_obj();
                }
            }
            j.str(Some("status"), p.status);
            if let Some(s) = &p.start {
                j.obj(Some("period"));
                j.str(Some("start"), s);
                j.end_obj();
            }
            j.end_obj();
        }
        j.end_arr();
        let _ = encounter;
        drop(j);
        b.end();
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // DFT_P03
    // -----------------------------------------------------------------------------------

    fn dft(&mut self, segs: &[Seg<'_>]) -> Result<(), Error> {
        let account = self.account;
        for (i, s) in segs.iter().enumerate() {
            match s.seg.id() {
                b"FT1" => self.charge_item(s, account)?,
                b"DG1" => self.condition(s)?,
                b"PR1" => self.procedure(s)?,
                b"IN1" => self.coverage(s)?,
                b"OBX" => self.loose_observation(segs, i, "dft")?,
                b"NTE"
                    if !matches!(
                        segs.get(i.wrapping_sub(1)).map(|p| p.seg.id()),
                        Some(b"OBX" | b"NTE")
                    ) =>
                {
                    self.rx.report.push(s.label, ReportKind::SegmentNotMapped)
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn charge_item(&mut self, s: &Seg<'_>, account: Option<ResourceId>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let seg = &s.seg;
        let l = &s.label;
        let txn = field_text(seg, 2);
        let id = if txn.is_empty() {
            resource_id(
                "ChargeItem",
                &[
                    patient.as_str(),
                    &field_text(seg, 1),
                    &seg.position().to_string(),
                ],
            )
        } else {
            resource_id("ChargeItem", &[patient.as_str(), &txn])
        };
        let (o_start, o_end) = match rep1(seg, 4) {
            Some(r) => (
                self.rx
                    .datetime(r.component(1).map(Value::from), l.f(4).c(1))?,
                self.rx
                    .datetime(r.component(2).map(Value::from), l.f(4).c(2))?,
            ),
            None => (None, None),
        };
        let entered = self.rx.datetime(seg.field(5).map(Value::from), l.f(5))?;
        let mut performers = Vec::new();
        for (i, r) in reps(seg, 20).iter().enumerate() {
            if let Some(p) = self.practitioner(r, l.r(20, i + 1))? {
                performers.push(p);
            }
        }
        let encounter = self.encounter;
        let Cx { b, rx, focus, .. } = self;
        focus.push(id);
        let Some(mut j) = b.begin("ChargeItem", id) else {
            return Ok(());
        };
        if !txn.is_empty() {
            j.arr(Some("identifier"));
            j.obj(None);
            j.str(Some("value"), &txn);
            j.end_obj();
            j.end_arr();
        }
        let ty = field_text(seg, 6);
        let status = match ty.as_ref() {
            "CG" | "" => "billable",
            "CD" | "PY" | "AJ" => {
                // A credit, payment or adjustment is not a charge: kept as unknown.
                rx.report.push(l.f(6), ReportKind::NotMapped);
                "unknown"
            }
            _ => {
                rx.report.push(l.f(6), ReportKind::UnknownCode("0017"));
                "unknown"
            }
        };
        j.str(Some("status"), status);
        match rep1(seg, 7) {
            Some(r) => rx.codeable(&mut j, Some("code"), &r, Some(V2_0132), l.f(7)),
            None => {
                j.obj(Some("code"));
                j.str(Some("text"), "unknown");
                j.end_obj();
            }
        }
        j.reference(Some("subject"), &patient);
        if let Some(e) = &encounter {
            j.reference(Some("context"), e);
        }
        if o_end.is_some() && o_end != o_start {
            j.obj(Some("occurrencePeriod"));
            j.str(Some("start"), o_start.as_deref().unwrap_or(""));
            j.str(Some("end"), o_end.as_deref().unwrap_or(""));
            j.end_obj();
        } else {
            j.str(Some("occurrenceDateTime"), o_start.as_deref().unwrap_or(""));
        }
        j.arr(Some("performer"));
        for p in &performers {
            j.obj(None);
            j.reference(Some("actor"), p);
            j.end_obj();
        }
        j.end_arr();
        let qty = field_text(seg, 10);
        if !qty.is_empty() {
            match json_number(&qty) {
                Some(n) => {
                    j.obj(Some("quantity"));
                    j.raw(Some("value"), n);
                    j.end_obj();
                }
                None => rx.report.push(l.f(10), ReportKind::InvalidValue),
            }
        }
        if let Some(r) = rep1(seg, 11) {
            let (amount, currency) = (sub(&r, 1, 1), sub(&r, 1, 2));
            match json_number(&amount) {
                Some(n) => {
                    j.obj(Some("priceOverride"));
                    j.raw(Some("value"), n);
                    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
                        j.str(Some("currency"), &currency);
                    } else if !currency.is_empty() {
                        rx.report.push(l.f(11).c(1), ReportKind::InvalidValue);
                    }
                    j.end_obj();
                }
                None => rx.report.push(l.f(11), ReportKind::InvalidValue),
            }
        }
        j.str(Some("enteredDate"), entered.as_deref().unwrap_or(""));
        j.arr(Some("reason"));
        let rs = reps(seg, 19);
        for (i, r) in rs.iter().enumerate() {
            let loc = if rs.len() > 1 {
                l.r(19, i + 1)
            } else {
                l.f(19)
            };
            rx.codeable(&mut j, None, r, None, loc);
        }
        j.end_arr();
        if let Some(a) = &account {
            j.arr(Some("account"));
            j.reference(None, a);
            j.end_arr();
        }
        drop(j);
        b.end();
        Ok(())
    }

    /// PID-18 patient account number → Account (identifier, subject); the id is kept in
    /// `self.account` for ChargeItem.account.
    pub(super) fn account(&mut self, pid: &Seg<'_>) -> Result<(), Error> {
        let Some(patient) = self.patient else {
            return Ok(());
        };
        let Some(r) = rep1(&pid.seg, 18) else {
            return Ok(());
        };
        let (sys, v) = cx_key(&r);
        let id = resource_id("Account", &[&sys, &v]);
        self.account = Some(id);
        let Cx { b, rx, .. } = self;
        let Some(mut j) = b.begin("Account", id) else {
            return Ok(());
        };
        j.arr(Some("identifier"));
        rx.identifier(&mut j, &r, pid.label.f(18))?;
        j.end_arr();
        j.str(Some("status"), "active");
        j.arr(Some("subject"));
        j.reference(None, &patient);
        j.end_arr();
        drop(j);
        b.end();
        Ok(())
    }
}

enum Actor {
    Ref(ResourceId),
    Display { id: String, name: String },
}

struct Participant<'m, 'l> {
    actor: Actor,
    ty: Option<(Repetition<'m>, Loc<'l>)>,
    status: &'static str,
    start: Option<String>,
}

fn field_comp<'m>(seg: &Segment<'m>, n: usize, c: usize) -> Cow<'m, str> {
    match rep1(seg, n) {
        Some(r) => comp(&r, c),
        None => Cow::Borrowed(""),
    }
}

const V2_0132: &str = "http://terminology.hl7.org/CodeSystem/v2-0132";
const V2_0162: &str = "http://terminology.hl7.org/CodeSystem/v2-0162";
const V2_0163: &str = "http://terminology.hl7.org/CodeSystem/v2-0163";
const V2_0270: &str = "http://terminology.hl7.org/CodeSystem/v2-0270";
const V2_0272: &str = "http://terminology.hl7.org/CodeSystem/v2-0272";
const V2_0276: &str = "http://terminology.hl7.org/CodeSystem/v2-0276";
const V2_0277: &str = "http://terminology.hl7.org/CodeSystem/v2-0277";
const V2_0443: &str = "http://terminology.hl7.org/CodeSystem/v2-0443";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
        assert_eq!(clean_base64("Zm9v\nYg=="), Some("Zm9vYg==".to_string()));
        assert_eq!(clean_base64("Zm9*"), None);
        assert_eq!(hex_decode("666f6F"), Some(b"foo".to_vec()));
        assert_eq!(hex_decode("6"), None);
        assert_eq!(mime("AP", "PDF").as_deref(), Some("application/pdf"));
        assert_eq!(
            mime("Application", "x-foo").as_deref(),
            Some("application/x-foo")
        );
        assert_eq!(mime("ZZ", "??"), None);
    }
}
