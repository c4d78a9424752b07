//! SNIP 4: situational requirements of the 837 guides that depend on other segments'
//! values, which the usage tables cannot express.
//!
//! Each rule fires only when its situation can be read from the claim itself. In every
//! 837 (005010X222A1, X223A2, X224A2):
//!
//! - Replacement and void claims (CLM05-3 `7` replacement of prior claim, `8` void or
//!   cancel of prior claim) must identify the claim they replace or void: the guides
//!   require 2300 REF*F8 (payer claim control number) when the frequency code says the
//!   claim replaces or voids a previously adjudicated one. Other frequencies need none.
//!
//! In the 837I (005010X223A2) only:
//!
//! - Inpatient claims are those whose CLM05 is a uniform-billing type of bill
//!   (CLM05-2 `A`) with an inpatient facility type: `11`/`12` hospital inpatient,
//!   `18` swing bed, `21`/`22` skilled nursing inpatient, `41` religious non-medical
//!   inpatient. On them the guide requires DTP*435 (admission date/hour) and HI*ABJ
//!   (admitting diagnosis, "required on all inpatient admission claims").
//! - Final inpatient claims (CLM05-3 `1` admit through discharge or `4` last interim,
//!   CL1-03 not `30` still a patient) also need DTP*096, the discharge hour.
//! - 2310A (attending provider) is required when the claim has services other than
//!   non-scheduled transportation, i.e. a service line whose revenue code (SV201) is
//!   not an ambulance code `054x`.
//! - 2310B (operating physician) is required when a surgical procedure code is listed:
//!   a principal procedure (HI*BBR, ICD-10-PCS, or HI*BR, ICD-9-CM).
//!
//! A claim sent with qualifier `B` (a place of service, as some samples do) states no
//! type of bill, so the inpatient rules do not apply to it.

use super::SituationalRule;
use crate::loops::LoopTree;
use crate::view::{Segment, TransactionSet};

/// One situational requirement not met, at the position of its claim's CLM.
pub(crate) struct Missing {
    pub(crate) rule: SituationalRule,
    pub(crate) position: usize,
}

/// Facility type codes (CLM05-1 with CLM05-2 `A`) of inpatient types of bill.
const INPATIENT: [&[u8]; 6] = [b"11", b"12", b"18", b"21", b"22", b"41"];

/// What one 2300 loop holds, as far as the rules need it.
#[derive(Default)]
struct Facts {
    node: usize,
    clm: usize,
    institutional: bool,
    replaces_prior: bool,
    payer_claim_number: bool,
    inpatient: bool,
    final_claim: bool,
    still_patient: bool,
    admission: bool,
    discharge_hour: bool,
    admitting_dx: bool,
    principal_procedure: bool,
    attending: bool,
    operating: bool,
    non_transport_service: bool,
}

impl Facts {
    fn check(&self, out: &mut Vec<Missing>) {
        let mut missing = |rule| {
            out.push(Missing {
                rule,
                position: self.clm,
            })
        };
        if self.replaces_prior && !self.payer_claim_number {
            missing(SituationalRule::PayerClaimControlNumber);
        }
        if !self.institutional {
            return;
        }
        if self.inpatient && !self.admission {
            missing(SituationalRule::AdmissionDate);
        }
        if self.inpatient && self.final_claim && !self.still_patient && !self.discharge_hour {
            missing(SituationalRule::DischargeHour);
        }
        if self.inpatient && !self.admitting_dx {
            missing(SituationalRule::AdmittingDiagnosis);
        }
        if self.non_transport_service && !self.attending {
            missing(SituationalRule::AttendingProvider);
        }
        if self.principal_procedure && !self.operating {
            missing(SituationalRule::OperatingPhysician);
        }
    }
}

/// Component `i` of element `k` (component 1 is the element itself when it has no
/// components); empty when absent.
fn component<'s>(seg: &'s Segment<'_>, k: usize, i: usize) -> &'s [u8] {
    seg.element(k)
        .and_then(|e| e.component(i))
        .map_or(&[][..], |c| c.raw())
}

/// Checks the situational rules of every claim of the 837 `set`: those of all 837s, and
/// the 837I ones when `institutional`.
pub(crate) fn claims(
    set: &TransactionSet<'_>,
    tree: &LoopTree,
    institutional: bool,
    out: &mut Vec<Missing>,
) {
    let nodes = tree.nodes();
    let mut claim: Option<Facts> = None;
    for (pos, seg) in set.segments().enumerate() {
        // The innermost loop, and the 2300 it sits in (2310x, 2320, 2400 and their
        // children are at most three levels below it).
        let Some(mut n) = tree.node_of(pos) else {
            continue;
        };
        let own = nodes.get(n).map_or("", |x| x.id());
        for _ in 0..4 {
            match nodes.get(n) {
                Some(x) if x.id() == "2300" => break,
                Some(x) => match x.parent() {
                    Some(p) => n = p,
                    None => break,
                },
                None => break,
            }
        }
        let in_claim = nodes.get(n).is_some_and(|x| x.id() == "2300");
        if !in_claim {
            if let Some(c) = claim.take() {
                c.check(out);
            }
            continue;
        }
        if claim.as_ref().map_or(true, |c| c.node != n) {
            if let Some(c) = claim.take() {
                c.check(out);
            }
            claim = Some(Facts {
                node: n,
                clm: nodes.get(n).map_or(pos, |x| x.first_segment()),
                institutional,
                ..Facts::default()
            });
        }
        let Some(c) = claim.as_mut() else { continue };
        match (own, seg.id()) {
            ("2300", b"CLM") => {
                let part = |i| component(&seg, 5, i);
                c.inpatient = part(2) == b"A" && INPATIENT.contains(&part(1));
                c.final_claim = matches!(part(3), b"1" | b"4");
                c.replaces_prior = matches!(part(3), b"7" | b"8");
            }
            ("2300", b"REF") if seg.raw_element(1) == b"F8" => c.payer_claim_number = true,
            ("2300", b"DTP") => match seg.raw_element(1) {
                b"435" => c.admission = true,
                b"096" => c.discharge_hour = true,
                _ => {}
            },
            ("2300", b"CL1") => c.still_patient = seg.raw_element(3) == b"30",
            ("2300", b"HI") => match component(&seg, 1, 1) {
                b"ABJ" | b"BJ" => c.admitting_dx = true,
                b"BBR" | b"BR" => c.principal_procedure = true,
                _ => {}
            },
            ("2310A", b"NM1") => c.attending = true,
            ("2310B", b"NM1") => c.operating = true,
            ("2400", b"SV2") => {
                let rev = seg.raw_element(1);
                if !rev.is_empty() && !rev.starts_with(b"054") {
                    c.non_transport_service = true;
                }
            }
            _ => {}
        }
    }
    if let Some(c) = claim.take() {
        c.check(out);
    }
}
