//! Fields the v2-to-FHIR IG maps beyond the first cut: PID-10 race and PID-22 ethnicity
//! (US Core extensions), OBX-15 producer, OBX-19 analysis time, OBX-23/24 performing
//! organization with its address, OBX-5 of type NR (Range) and binary ED (Attachment).

use super::msgs::ed_attachment;
use super::*;

const US_CORE_RACE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
const US_CORE_ETHNICITY: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity";
const CDC_RACE: &str = "urn:oid:2.16.840.1.113883.6.238";
const NULL_FLAVOR: &str = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor";
/// R5 `Observation.value[x]` (Attachment) carried in R4 (the IG's choice for ED).
pub(super) const OBS_VALUE_R5: &str =
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value";
/// OBX-4 Observation Sub-ID (the IG's OG map).
pub(super) const OBS_V2_SUBID: &str =
    "http://hl7.org/fhir/StructureDefinition/observation-v2-subid";
pub(super) const OBS_ANALYSIS_TIME: &str =
    "http://hl7.org/fhir/StructureDefinition/observation-analysis-date-time";

/// OMB race categories (CDC Race & Ethnicity code system).
const OMB_RACE: &[&str] = &["1002-5", "2028-9", "2054-5", "2076-8", "2106-3"];
/// OMB ethnicity categories.
const OMB_ETHNICITY: &[&str] = &["2135-2", "2186-5"];

/// A CDC Race & Ethnicity code: `NNNN-N`.
fn cdc_code(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() == 6
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, x)| i == 4 || x.is_ascii_digit())
}

/// Writes the US Core race (PID-10) and ethnicity (PID-22) extensions as items of the
/// Patient's `extension` array. Codes outside the CDC code system (and `UNK`/`ASKU`)
/// are reported as unknown codes of table 0005 / 0189; their text is kept.
pub(super) fn race_ethnicity(j: &mut Json<'_>, seg: &Segment<'_>, rx: &mut Rx, l: &Loc<'_>) {
    for (n, url, omb, table) in [
        (10usize, US_CORE_RACE, OMB_RACE, "0005"),
        (22, US_CORE_ETHNICITY, OMB_ETHNICITY, "0189"),
    ] {
        let rs = reps(seg, n);
        if rs.is_empty() {
            continue;
        }
        let many = rs.len() > 1;
        let mut text = String::new();
        j.obj(None);
        j.str(Some("url"), url);
        j.arr(Some("extension"));
        for (i, r) in rs.iter().enumerate() {
            let (code, display, alt) = (comp(r, 1), comp(r, 2), comp(r, 9));
            let shown = if !alt.is_empty() {
                alt.as_ref()
            } else if !display.is_empty() {
                display.as_ref()
            } else {
                code.as_ref()
            };
            if !shown.is_empty() {
                if !text.is_empty() {
                    text.push_str(", ");
                }
                text.push_str(shown);
            }
            let (part, system) = if omb.contains(&code.as_ref()) {
                ("ombCategory", CDC_RACE)
            } else if matches!(code.as_ref(), "UNK" | "ASKU") {
                ("ombCategory", NULL_FLAVOR)
            } else if cdc_code(&code) {
                ("detailed", CDC_RACE)
            } else {
                let loc = if many { l.r(n, i + 1) } else { l.f(n) };
                if !code.is_empty() {
                    rx.report.push(loc, ReportKind::UnknownCode(table));
                } else if !comp(r, 3).is_empty() {
                    // A coding system without a code has nothing to qualify.
                    rx.report.push(loc.c(3), ReportKind::NotMapped);
                }
                continue;
            };
            // The coding system is implied by the code; another one is not kept.
            let sys = comp(r, 3);
            if !matches!(
                sys.as_ref(),
                "" | "CDCREC" | "NULLFL" | "HL70005" | "HL70189" | "2.16.840.1.113883.6.238"
            ) {
                let loc = if many { l.r(n, i + 1) } else { l.f(n) };
                rx.report.push(loc.c(3), ReportKind::UnknownCode("0396"));
            }
            j.obj(None);
            j.str(Some("url"), part);
            j.obj(Some("valueCoding"));
            j.str(Some("system"), system);
            j.str(Some("code"), &code);
            j.str(Some("display"), &display);
            j.end_obj();
            j.end_obj();
        }
        // `text` is required by US Core.
        j.obj(None);
        j.str(Some("url"), "text");
        j.str(
            Some("valueString"),
            if text.is_empty() { "unknown" } else { &text },
        );
        j.end_obj();
        j.end_arr();
        j.end_obj();
    }
}

impl Cx<'_> {
    /// OBX-23 performing organization (XON.1 name, XON.10 id) with OBX-24 address.
    pub(super) fn performing_org(&mut self, s: &Seg<'_>) -> Option<ResourceId> {
        let seg = &s.seg;
        let org = rep1(seg, 23).map(|r| (comp(&r, 1), comp(&r, 10)));
        let (name, oid) = match org {
            Some((n, o)) if !n.is_empty() || !o.is_empty() => (n, o),
            _ => {
                // An address (OBX-24) of no performing organization.
                if rep1(seg, 24).is_some() {
                    self.rx.report.push(s.label.f(24), ReportKind::NotMapped);
                }
                return None;
            }
        };
        let id = if oid.is_empty() {
            resource_id("Organization", &["name", &name])
        } else {
            resource_id("Organization", &["", &oid])
        };
        let Cx { b, rx, .. } = self;
        if let Some(mut j) = b.begin("Organization", id) {
            j.arr(Some("identifier"));
            j.obj(None);
            j.str(Some("value"), &oid);
            j.end_obj();
            j.end_arr();
            j.str(Some("name"), &name);
            if let Some(a) = rep1(seg, 24) {
                j.arr(Some("address"));
                address(&mut j, &a, rx, s.label.f(24));
                j.end_arr();
            }
            drop(j);
            b.end();
        }
        Some(id)
    }

    /// OBX-15 producer's id (CWE) → an Organization identified by it.
    pub(super) fn producer(&mut self, s: &Seg<'_>) -> Option<ResourceId> {
        let r = rep1(&s.seg, 15)?;
        let (code, text, sys) = (comp(&r, 1), comp(&r, 2), comp(&r, 3));
        let system = if sys.is_empty() {
            String::new()
        } else {
            match system_uri(&sys) {
                Some(u) => u.into_owned(),
                None if sys == "CLIA" => "urn:oid:2.16.840.1.113883.4.7".to_string(),
                None => {
                    self.rx
                        .report
                        .push(s.label.f(15).c(3), ReportKind::UnknownCode("0396"));
                    String::new()
                }
            }
        };
        let ident = (!code.is_empty()).then_some((system.as_str(), code.as_ref()));
        self.organization(&text, ident)
    }
}

/// OBX-5 NR (low ^ high) → valueRange. False (and reported) when not numbers.
pub(super) fn nr_value(
    j: &mut Json<'_>,
    r: &Repetition<'_>,
    unit: Option<&Repetition<'_>>,
    rx: &mut Rx,
    l: &Loc<'_>,
) -> bool {
    let (lo, hi) = (comp(r, 1), comp(r, 2));
    let (a, b) = (json_number(&lo), json_number(&hi));
    if (a.is_none() && !lo.is_empty())
        || (b.is_none() && !hi.is_empty())
        || (a.is_none() && b.is_none())
    {
        rx.report.push(l.f(5), ReportKind::InvalidValue);
        return false;
    }
    j.obj(Some("valueRange"));
    for (key, v) in [("low", a), ("high", b)] {
        if let Some(v) = v {
            j.obj(Some(key));
            j.raw(Some("value"), v);
            quantity_unit(j, unit, rx, l.f(6));
            j.end_obj();
        }
    }
    j.end_obj();
    true
}

/// OBX-5 ED: text (encoding `A`) is written as valueString by the caller; other
/// encodings become an Attachment (contentType, base64 data) for the R5
/// `Observation.value` extension. `Err` when the value cannot be converted (reported).
pub(super) fn ed_value(
    r: &Repetition<'_>,
    rx: &mut Rx,
    l: &Loc<'_>,
) -> Option<(Option<String>, String)> {
    match ed_attachment(r) {
        Ok(a) => Some(a),
        Err(c) => {
            rx.report.push(l.f(5).c(c), ReportKind::InvalidValue);
            None
        }
    }
}

/// HL7 TM (`HH[MM[SS[.S+]]][+/-ZZZZ]`) → FHIR `time` (`HH:MM:SS[.S+]`); the flag is
/// true when an offset was dropped (FHIR `time` has none).
fn fhir_time(t: &str) -> Option<(String, bool)> {
    let t = t.trim();
    let (body, offset) = match t.find(['+', '-']) {
        Some(i) => (t.get(..i)?, true),
        None => (t, false),
    };
    let (hms, frac) = match body.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (body, None),
    };
    if !matches!(hms.len(), 2 | 4 | 6) || !hms.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part = |i: usize| hms.get(i..i + 2).unwrap_or("00");
    let (h, m, sec) = (part(0), part(2), part(4));
    let num = |s: &str| s.parse::<u32>().unwrap_or(99);
    if num(h) > 23 || num(m) > 59 || num(sec) > 59 {
        return None;
    }
    let mut out = format!("{h}:{m}:{sec}");
    if let Some(f) = frac {
        if f.is_empty() || hms.len() != 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push('.');
        out.push_str(f);
    }
    Some((out, offset))
}

/// OBX-5 of the value types without a dedicated branch: TM → valueTime, DR →
/// valuePeriod, IS/ID → valueCodeableConcept (code only), the composite types the IG
/// maps by its default rule → valueString (non-empty components joined by a space).
/// Types outside table 0125 are reported; NA (SampledData) is reported as not mapped.
pub(super) fn other_value(
    j: &mut Json<'_>,
    vtype: &str,
    r: &Repetition<'_>,
    rx: &mut Rx,
    l: &Loc<'_>,
) -> Result<bool, Error> {
    let vloc = l.f(5);
    Ok(match vtype {
        "TM" => match fhir_time(&comp(r, 1)) {
            Some((t, dropped)) => {
                if dropped {
                    rx.report.push(vloc, ReportKind::PrecisionReduced);
                }
                j.str(Some("valueTime"), &t);
                true
            }
            None => {
                rx.report.push(vloc, ReportKind::InvalidValue);
                false
            }
        },
        "DR" => {
            let start = rx.datetime(r.component(1).map(Value::from), vloc.c(1))?;
            let end = rx.datetime(r.component(2).map(Value::from), vloc.c(2))?;
            if start.is_none() && end.is_none() {
                false
            } else {
                j.obj(Some("valuePeriod"));
                j.str(Some("start"), start.as_deref().unwrap_or(""));
                j.str(Some("end"), end.as_deref().unwrap_or(""));
                j.end_obj();
                true
            }
        }
        "IS" | "ID" => {
            j.obj(Some("valueCodeableConcept"));
            j.arr(Some("coding"));
            j.obj(None);
            j.str(Some("code"), &comp(r, 1));
            j.end_obj();
            j.end_arr();
            j.end_obj();
            true
        }
        "AD" | "CF" | "CK" | "CN" | "CP" | "CQ" | "CX" | "EI" | "HD" | "MO" | "PN" | "RP"
        | "TN" | "VR" | "XAD" | "XCN" | "XON" | "XPN" | "XTN" => {
            let mut text = String::new();
            for c in r.components() {
                let v = leaf(c.subcomponent(1).map(Value::from));
                if !v.is_empty() {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(&v);
                }
            }
            j.str(Some("valueString"), &text);
            !text.is_empty()
        }
        "NA" | "MA" => {
            rx.report.push(vloc, ReportKind::NotMapped);
            false
        }
        _ => {
            rx.report.push(l.f(2), ReportKind::UnknownCode("0125"));
            false
        }
    })
}
