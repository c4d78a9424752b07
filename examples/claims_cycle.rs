//! The revenue cycle in X12: billing sends 837P claims, the payer acknowledges with a
//! 999 and pays with an 835, billing posts the 835 and checks that it balances.
//!
//! Shows: `x12::build::Claims837` building an 837P (HL numbering, CLM02 from the line
//! charges, envelopes and counts; the demo clinic and subscribers come from `common`);
//! `x12::validate` (SNIP 1–3) on every document; the payer reading the claims with the
//! typed `HealthCareClaim` model, answering with `x12::write_999`, adjudicating (80% of
//! each line allowed, the rest a CO-45 adjustment; every fifth claim denied with CO-50)
//! and writing the 835 with `x12::Writer` (`common::x12_write`); billing reading it with
//! the typed `Remittance` model and posting it: charge = paid + adjustments for each
//! claim, BPR02 = the sum of the payments. All amounts are exact `Decimal`s, never floats.
//!
//! Crates: `carewire::x12` (carewire-x12).
//!
//! Run: `cargo run --release --example claims_cycle -- [--claims N]` (default 25).
//! Exits non-zero if a document fails validation or the remittance does not balance.

#[path = "common/mod.rs"]
mod common;

use carewire::x12::build::{Claim, ClaimKind, Claims837, Envelope, Party, ServiceLine};
use carewire::x12::{validate, write_999, Ack999, AckOptions, Document, GroupHeader, Remittance};
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

/// The 835's segments after BPR and before the claims: trace, date, payer, payee.
const HEAD_835: &str = "TRN*1*CHK0001*1512345678~DTM*405*20240115~N1*PR*DEMO PAYER~\
N3*1 PAYER WAY~N4*TOWN*NY*10001~PER*BL*EDI DESK*TE*5555551234~N1*PE*DEMO CLINIC*XX*1234567893~LX*1";

/// Payer: adjudicate every claim and write the 835.
fn remittance_835(claims: &HealthCareClaim<'_>) -> Res<Vec<u8>> {
    let (mut body, mut total) = (Vec::new(), 0);
    for (k, claim) in claims.claims().enumerate() {
        let (denied, mut svc, mut charge, mut paid) = (k % 5 == 4, Vec::new(), 0, 0);
        for l in &claim.lines {
            let c = cents(l.charge.ok_or("line without charge")?)?;
            let p = if denied { 0 } else { c * 80 / 100 };
            let code = l.procedure.as_ref().map(|p| p.code.as_str());
            let (m, mp, reason) = (money(c)?, money(p)?, if denied { 50 } else { 45 });
            svc.push(format!("SVC*HC:{}*{m}*{mp}**1", code.unwrap_or_default()));
            svc.push(format!("CAS*CO*{reason}*{}", money(c - p)?));
            (charge, paid) = (charge + c, paid + p);
        }
        total += paid;
        let (id, status) = (claim.id.as_str(), if denied { 4 } else { 1 });
        let (m, mp) = (money(charge)?, money(paid)?);
        body.push(format!("CLP*{id}*{status}*{m}*{mp}**12*PCN{k:05}"));
        body.push("NM1*QC*1*TESTPATIENT".into());
        body.extend(svc);
    }
    let bpr = format!(
        "BPR*I*{}*C*CHK************20240115~{HEAD_835}",
        money(total)?
    );
    let segments: Vec<String> = bpr.split('~').map(String::from).chain(body).collect();
    let gs = GroupHeader::new("HP", "PAYER", "CLINIC", "20240115", "0900", "005010X221A1");
    common::x12_write(&gs, "835", &segments)
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
    let posting = format!("posting: {balanced} of {claims} claims balance, {bpr02}");
    lines.push(posting);
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
