//! The revenue cycle in X12: billing sends 837P claims, the payer acknowledges with a
//! 999 and pays with an 835, billing posts the 835 and checks that it balances.
//!
//! Shows: `x12::build::Claims837` writing an 837P (HL numbering, CLM02, envelopes; demo
//! clinic and subscribers from `common`); `x12::validate` (SNIP 1–3) on every document; the
//! payer reading the claims (`HealthCareClaim`), answering with `x12::write_999`, paying 80%
//! of each line (the rest CO-45; every fifth claim denied CO-50) with
//! `x12::build::Remittance835` (BPR02 computed, balancing checked); billing posting the 835
//! read as `Remittance`: charge = paid + adjustments, BPR02 = Σ CLP04. Exact `Decimal`s.
//!
//! Crates: `carewire::x12` (carewire-x12).
//!
//! Run: `cargo run --release --example claims_cycle -- [--claims N]` (default 25).
//! Exits non-zero if a document fails validation or the remittance does not balance.

#[path = "common/mod.rs"]
mod common;

use carewire::x12::build::*;
use carewire::x12::{validate, write_999, Ack999, AckOptions, Document, Remittance};
use carewire::x12::{HealthCareClaim, SequentialControlNumbers};
use common::{cents, money, x12_model, Res};

/// Billing: one subscriber with one two-line claim per patient.
fn claims_837(n: usize) -> Res<Vec<u8>> {
    let line = |procedure: &str, charge: i64| -> Res<ServiceLine> {
        Ok(ServiceLine {
            procedure: procedure.into(),
            charge: money(charge)?,
            units: 1.into(),
            date: Some("20240105".into()),
            ..Default::default()
        })
    };
    let mut subscribers = Vec::new();
    for i in 0..n {
        let claim = Claim {
            id: format!("CLM{i:05}"),
            facility_code: "11".into(),
            diagnoses: vec!["J209".into()],
            lines: vec![line("99213", 9000 + 125 * i as i64)?, line("36415", 2550)?],
            ..Default::default()
        };
        subscribers.push(common::x12_subscriber(i, vec![claim]));
    }
    let claims = Claims837 {
        kind: ClaimKind::Professional,
        reference: "BATCH1".into(),
        date: "20240110".into(),
        time: "1200".into(),
        submitter: Party::organization("DEMO CLINIC", "S1234"),
        contact: ("BILLING OFFICE".into(), "5555551234".into()),
        receiver: Party::organization("DEMO PAYER", "PAYER1"),
        providers: vec![common::x12_clinic(subscribers)],
    };
    let envelope = Envelope::new("CLINIC", "PAYER", "240110", "1200");
    Ok(claims.build(&envelope, &mut SequentialControlNumbers::default())?)
}

/// Payer: adjudicates every claim and pays them with an 835 (BPR02 computed by the builder).
fn remittance_835(claims: &HealthCareClaim<'_>) -> Res<Vec<u8>> {
    let (mut remit, envelope) = common::x12_remittance(); // the payer's check to the clinic
    for (k, claim) in claims.claims().enumerate() {
        let (denied, mut lines, mut charge, mut paid) = (k % 5 == 4, Vec::new(), 0, 0);
        for l in &claim.lines {
            let c = cents(l.charge.ok_or("line without charge")?)?;
            let p = if denied { 0 } else { c * 80 / 100 };
            let reason = if denied { "50" } else { "45" };
            lines.push(PaidLine {
                procedure: l
                    .procedure
                    .as_ref()
                    .map_or("".into(), |p| p.code.as_str().into()),
                charge: money(c)?,
                paid: money(p)?,
                adjustments: vec![ClaimAdjustment::new("CO", reason, money(c - p)?)],
                ..Default::default()
            });
            (charge, paid) = (charge + c, paid + p);
        }
        remit.claims.push(PaidClaim {
            id: claim.id.as_str().into_owned(),
            status: if denied { "4" } else { "1" }.into(),
            charge: money(charge)?,
            paid: money(paid)?,
            filing_indicator: "12".into(),
            payer_control_number: format!("PCN{k:05}"),
            patient: Party::person("TESTPATIENT", "", ""),
            lines,
            ..Default::default()
        });
    }
    Ok(remit.build(&envelope, &mut SequentialControlNumbers::default())?)
}

/// Billing bills, the payer acknowledges and pays, billing posts; one line per step.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let n = common::count(args, "--claims", 25)?;
    let x837 = claims_837(n)?;
    let doc = Document::parse(&x837)?;
    let report = validate(&doc);
    let billed: i64 = (0..n as i64).map(|i| 9000 + 125 * i + 2550).sum();
    let (size, issues, billed_money) = (x837.len(), report.len(), money(billed)?);
    let mut lines = vec![format!(
        "837P: {n} claims, {billed_money} billed, {size} bytes, {issues} validation issues"
    )];
    let numbers = &mut SequentialControlNumbers::default();
    let x999 = write_999(&doc, &report, &AckOptions::new("240110", "1205"), numbers)?;
    let ack = x12_model(&Document::parse(&x999)?, Ack999::from_set)?;
    lines.push(format!(
        "999: group {} {:?}, {} of {} sets accepted",
        ack.group_control_number, ack.status, ack.accepted, ack.received
    ));
    let x835 = remittance_835(&x12_model(&doc, HealthCareClaim::from_set)?)?;
    let era = Document::parse(&x835)?;
    let (era_report, remit) = (validate(&era), x12_model(&era, Remittance::from_set)?);
    // Posting: each claim must balance, and the payment must equal what the claims paid.
    let (mut paid, mut adjusted, mut denied, mut balanced) = (0, 0, 0, 0);
    for clp in &remit.claims {
        let c = cents(clp.charge.ok_or("no charge")?)?;
        let p = cents(clp.paid.ok_or("no payment")?)?;
        let adjustments = clp.all_adjustments().map(|a| a.amount.map_or(Ok(0), cents));
        let adj = adjustments.sum::<Res<i64>>()?;
        balanced += usize::from(c == p + adj);
        (paid, adjusted) = (paid + p, adjusted + adj);
        denied += usize::from(clp.status == "4");
    }
    let bpr = cents(remit.payment.and_then(|p| p.amount).ok_or("no BPR02")?)?;
    let (claims, issues) = (remit.claims.len(), era_report.len());
    let amounts = format!("paid {}, adjusted {}", money(paid)?, money(adjusted)?);
    lines.push(format!(
        "835: {claims} claims, {amounts}, denied {denied}, {issues} validation issues"
    ));
    let bpr02 = format!("BPR02 {} = sum of CLP04: {}", money(bpr)?, bpr == paid);
    lines.push(format!(
        "posting: {balanced} of {claims} claims balance, {bpr02}"
    ));
    for i in report.issues().iter().chain(era_report.issues()).take(5) {
        eprintln!("{i}");
    }
    let valid = report.is_empty() && era_report.is_empty();
    if !valid || balanced != n || bpr != paid || paid + adjusted != billed {
        return Err("a document failed validation or the remittance does not balance".into());
    }
    Ok(lines)
}

fn main() -> std::process::ExitCode {
    common::main("claims_cycle", run)
}
