//! The revenue cycle in X12: billing sends 837P claims, the payer acknowledges with a
//! 999 and pays with an 835, billing posts the 835 and checks that it balances.
//!
//! Shows: `x12::build::Claims837` building an 837P (HL numbering, CLM02 from the line
//! charges, envelopes and counts); `x12::validate` (SNIP 1–3) on every document; the
//! payer reading the claims with the typed `HealthCareClaim` model, answering with
//! `x12::write_999`, adjudicating (80% of each line allowed, the rest a CO-45
//! adjustment; every fifth claim denied with CO-50) and writing the 835 with
//! `x12::Writer`; billing reading it with the typed `Remittance` model and posting it:
//! charge = paid + adjustments for each claim, BPR02 = the sum of the payments. All
//! amounts are exact `Decimal`s, never floating point.
//!
//! Crates: `carewire::x12` (carewire-x12).
//!
//! Run: `cargo run --release --example claims_cycle -- [--claims N]` (default 25).
//! Exits non-zero if a document fails validation or the remittance does not balance.

use std::error::Error;
use std::process::ExitCode;

use carewire::x12::build::{
    Address, BillingProvider, Claim, ClaimKind, Claims837, Demographics, Envelope, Party,
    ServiceLine, Subscriber,
};
use carewire::x12::{
    validate, write_999, Ack999, AckOptions, Decimal, Delimiters, Document, Field, GroupHeader,
    HealthCareClaim, InterchangeHeader, LineEnding, Remittance, SequentialControlNumbers,
    TransactionSet, Writer,
};

type Res<T> = Result<T, Box<dyn Error>>;

/// Every transaction set of a document.
fn sets<'d>(doc: &'d Document<'_>) -> impl Iterator<Item = TransactionSet<'d>> + 'd {
    doc.interchanges()
        .flat_map(|i| i.groups())
        .flat_map(|g| g.transaction_sets())
}

fn cents(d: Decimal) -> Res<i64> {
    Ok(d.rescale(2)?.mantissa())
}

fn money(c: i64) -> Res<Decimal> {
    Ok(Decimal::new(c, 2)?)
}

/// Billing: one subscriber with one two-line claim per patient.
fn claims_837(n: usize) -> Res<Vec<u8>> {
    let line = |code: &str, charge: i64| -> Res<ServiceLine> {
        Ok(ServiceLine {
            procedure: code.into(),
            charge: money(charge)?,
            units: 1.into(),
            date: Some("20240105".into()),
            ..Default::default()
        })
    };
    let mut subscribers = Vec::new();
    for i in 0..n {
        subscribers.push(Subscriber {
            responsibility: "P".into(),
            filing_indicator: "CI".into(),
            name: Party::person("TESTPATIENT", &format!("NUMBER{i}"), &format!("M{i:08}")),
            demographics: Some(Demographics {
                birth_date: "19800101".into(),
                gender: "F".into(),
            }),
            payer: Party::organization("DEMO PAYER", "PAYER1"),
            claims: vec![Claim {
                id: format!("CLM{i:05}"),
                facility_code: "11".into(),
                diagnoses: vec!["J209".into()],
                lines: vec![line("99213", 9000 + 125 * i as i64)?, line("36415", 2550)?],
                ..Default::default()
            }],
            ..Default::default()
        });
    }
    let (line1, city, state, postal_code) = (
        "1 MAIN ST".into(),
        "TOWN".into(),
        "NY".into(),
        "10001".into(),
    );
    let clinic = BillingProvider {
        name: Party::organization("DEMO CLINIC", "1234567893"),
        address: Address {
            line1,
            city,
            state,
            postal_code,
            ..Default::default()
        },
        tax_id: "123456789".into(),
        subscribers,
        ..Default::default()
    };
    let claims = Claims837 {
        kind: ClaimKind::Professional,
        reference: "BATCH1".into(),
        date: "20240110".into(),
        time: "1200".into(),
        submitter: Party::organization("DEMO CLINIC", "S1234"),
        contact: ("BILLING OFFICE".into(), "5555551234".into()),
        receiver: Party::organization("DEMO PAYER", "PAYER1"),
        providers: vec![clinic],
    };
    Ok(claims.build(
        &Envelope::new("CLINIC", "PAYER", "240110", "1200"),
        &mut SequentialControlNumbers::default(),
    )?)
}

/// Payer: adjudicate every claim and write the 835 (segments as `*`/`:`-separated text).
fn remittance_835(doc: &Document<'_>) -> Res<Vec<u8>> {
    let (mut body, mut total) = (vec!["LX*1".to_string()], 0);
    for set in sets(doc) {
        let model = HealthCareClaim::from_set(&set).ok_or("not an 837")?;
        for (k, claim) in model.claims().enumerate() {
            let denied = k % 5 == 4;
            let (mut svc, mut charge, mut paid) = (Vec::new(), 0, 0);
            for l in &claim.lines {
                let c = cents(l.charge.ok_or("line without charge")?)?;
                let p = if denied { 0 } else { c * 80 / 100 };
                let code = l
                    .procedure
                    .as_ref()
                    .map(|p| p.code.as_str())
                    .unwrap_or_default();
                let (m, mp, reason) = (money(c)?, money(p)?, if denied { 50 } else { 45 });
                svc.push(format!("SVC*HC:{code}*{m}*{mp}**1"));
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
    }
    let head = [
        format!("BPR*I*{}*C*CHK************20240115", money(total)?),
        "TRN*1*CHK0001*1512345678".into(),
        "DTM*405*20240115".into(),
        "N1*PR*DEMO PAYER".into(),
        "N3*1 PAYER WAY".into(),
        "N4*TOWN*NY*10001".into(),
        "PER*BL*EDI DESK*TE*5555551234".into(),
        "N1*PE*DEMO CLINIC*XX*1234567893".into(),
    ];
    // The Writer pads the ISA, numbers the envelopes and counts SE01/GE01/IEA01.
    let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
    let numbers = &mut SequentialControlNumbers::default();
    w.begin_interchange(
        &InterchangeHeader::new("PAYER", "CLINIC", "240115", "0900"),
        numbers,
    )?;
    let gs = GroupHeader::new("HP", "PAYER", "CLINIC", "20240115", "0900", "005010X221A1");
    w.begin_group(&gs, numbers)?;
    w.begin_transaction_set("835", Some("005010X221A1"), numbers)?;
    for seg in head.iter().chain(&body) {
        let mut elements = seg.split('*');
        let id = elements.next().unwrap_or_default();
        let parts: Vec<Vec<&str>> = elements.map(|e| e.split(':').collect()).collect();
        let fields: Vec<Field<'_>> = parts
            .iter()
            .map(|p| {
                if p.len() > 1 {
                    Field::Composite(p)
                } else {
                    Field::Simple(p[0])
                }
            })
            .collect();
        w.segment(id, &fields)?;
    }
    w.end_transaction_set()?;
    w.end_group()?;
    w.end_interchange()?;
    Ok(w.into_inner()?)
}

/// Billing bills, the payer acknowledges and pays, billing posts; one line per step.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let n: usize = match args.iter().position(|a| a == "--claims") {
        Some(i) => args.get(i + 1).ok_or("--claims needs a number")?.parse()?,
        None => 25,
    };
    let x837 = claims_837(n)?;
    let doc = Document::parse(&x837)?;
    let report = validate(&doc);
    let billed: i64 = (0..n as i64).map(|i| 9000 + 125 * i + 2550).sum();
    let mut lines = vec![format!(
        "837P: {n} claims, {} billed, {} bytes, {} validation issues",
        money(billed)?,
        x837.len(),
        report.len()
    )];

    let x999 = write_999(
        &doc,
        &report,
        &AckOptions::new("240110", "1205"),
        &mut SequentialControlNumbers::default(),
    )?;
    let ack_doc = Document::parse(&x999)?;
    let ack = sets(&ack_doc)
        .find_map(|s| Ack999::from_set(&s))
        .ok_or("no 999")?;
    lines.push(format!(
        "999: group {} {:?}, {} of {} sets accepted",
        ack.group_control_number, ack.status, ack.accepted, ack.received
    ));

    let x835 = remittance_835(&doc)?;
    let era = Document::parse(&x835)?;
    let era_report = validate(&era);
    let set = sets(&era).next().ok_or("no 835")?;
    let remit = Remittance::from_set(&set).ok_or("not an 835")?;
    // Posting: each claim must balance, and the payment must equal what the claims paid.
    let (mut paid, mut adjusted, mut denied, mut balanced) = (0, 0, 0, 0);
    for clp in &remit.claims {
        let (c, p) = (
            cents(clp.charge.ok_or("no charge")?)?,
            cents(clp.paid.ok_or("no payment")?)?,
        );
        let adj: i64 = clp
            .all_adjustments()
            .map(|a| a.amount.map_or(Ok(0), cents))
            .sum::<Res<i64>>()?;
        balanced += usize::from(c == p + adj);
        (paid, adjusted) = (paid + p, adjusted + adj);
        denied += usize::from(clp.status == "4");
    }
    let bpr = remit
        .payment
        .as_ref()
        .and_then(|p| p.amount)
        .ok_or("no BPR02")?;
    let bpr = cents(bpr)?;
    lines.push(format!(
        "835: {} claims, paid {}, adjusted {}, denied {denied}, {} validation issues",
        remit.claims.len(),
        money(paid)?,
        money(adjusted)?,
        era_report.len()
    ));
    lines.push(format!(
        "posting: {balanced} of {} claims balance, BPR02 {} = sum of CLP04: {}",
        remit.claims.len(),
        money(bpr)?,
        bpr == paid
    ));
    for i in report.issues().iter().chain(era_report.issues()).take(5) {
        eprintln!("{i}");
    }
    if !report.is_empty()
        || !era_report.is_empty()
        || balanced != n
        || bpr != paid
        || paid + adjusted != billed
    {
        return Err("a document failed validation or the remittance does not balance".into());
    }
    Ok(lines)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(lines) => {
            lines.iter().for_each(|l| println!("{l}"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("claims_cycle: {e}");
            ExitCode::FAILURE
        }
    }
}
