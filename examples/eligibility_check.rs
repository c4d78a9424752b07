//! Check insurance eligibility before admission: a 270 inquiry to the payer, a 271
//! answer back, each answer matched to its inquiry by trace number.
//!
//! Shows: `x12::build::Inquiry270` building a 270 (HL levels, one TRN trace per person,
//! a dependent under one subscriber); `x12::validate` on both documents; the payer
//! reading the inquiry with the typed `Eligibility` model and answering with
//! `x12::build::Eligibility271` started from it (names, ids, traces echoed) — active
//! coverage (EB01 `1`) with a co-payment (EB01 `B`), or inactive (EB01 `6`) for members it
//! does not cover; the provider reading the 271 with the same model and matching each
//! answer to its question by TRN02.
//!
//! Crates: `carewire::x12` (carewire-x12).
//!
//! Run: `cargo run --release --example eligibility_check -- [--members N]` (default 12).
//! Exits non-zero if a document is invalid or an inquiry goes unanswered.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use carewire::x12::build::*;
use carewire::x12::{validate, Document, Eligibility, SequentialControlNumbers};
use common::{x12_model, Res};

/// Payer: covers members whose id does not end in 7 (dependents follow their
/// subscriber); the 271 starts from the 270, echoing its names, member ids and traces.
fn answer_271(inquiry: &Eligibility<'_>) -> Res<Vec<u8>> {
    let mut answer = Eligibility271::answering(inquiry)?;
    answer.time = "1201".into(); // BHT: the 270's reference and date, the answer's time
    for sub in &mut answer.subscribers {
        let benefits = match sub.person.name.id.ends_with('7') {
            false => vec![
                // Active, with a co-payment of 25.00 per office visit.
                BenefitLine::active("30").plan("DEMO GOLD PLAN"),
                BenefitLine::copay("98", 25.into()),
            ],
            true => vec![BenefitLine::inactive("30")],
        };
        for person in std::iter::once(&mut sub.person).chain(&mut sub.dependents) {
            person.benefits = benefits.clone();
        }
    }
    let envelope = Envelope::new("PAYER", "CLINIC", "240110", "1201");
    Ok(answer.build(&envelope, &mut SequentialControlNumbers::default())?)
}

/// Asks about `--members` subscribers (every third with a dependent); one line per check.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let n = common::count(args, "--members", 12)?;
    // Person `i`; a dependent has no member id of its own and a trace ending in D.
    let person = |i: usize, dependent: bool| InquiryPerson {
        trace: format!("T{i:05}{}", if dependent { "D" } else { "" }),
        name: match dependent {
            true => Party::person("TESTPATIENT", &format!("CHILD{i}"), ""),
            false => Party::person("TESTPATIENT", &format!("NUMBER{i}"), &format!("M{i:08}")),
        },
        demographics: common::x12_born_1980("U"),
        service_types: vec!["30".into()],
    };
    let subscribers = (0..n)
        .map(|i| InquirySubscriber {
            person: person(i, false),
            dependents: (i % 3 == 0).then(|| person(i, true)).into_iter().collect(),
        })
        .collect();
    let inquiry = Inquiry270 {
        reference: "ELIG1".into(),
        date: "20240110".into(),
        time: "1200".into(),
        source: Party::organization("DEMO PAYER", "PAYER1"),
        receiver: Party::organization("DEMO CLINIC", "1234567893"),
        originator: "1123456789".into(),
        subscribers,
    };
    let envelope = Envelope::new("CLINIC", "PAYER", "240110", "1200");
    let x270 = inquiry.build(&envelope, &mut SequentialControlNumbers::default())?;
    let doc270 = Document::parse(&x270)?;
    let asked = x12_model(&doc270, Eligibility::from_set)?;
    let questions: Vec<String> = asked
        .members()
        .filter_map(|m| m.traces.first())
        .map(|t| t.reference.as_str().into_owned())
        .collect();
    let (asked_n, issues) = (questions.len(), validate(&doc270).len());
    let mut lines = vec![format!(
        "270: {asked_n} people asked about, {issues} validation issues"
    )];

    let x271 = answer_271(&asked)?;
    let doc271 = Document::parse(&x271)?;
    let issues = validate(&doc271).len();
    let answers = x12_model(&doc271, Eligibility::from_set)?;
    let mut status: BTreeMap<String, &str> = BTreeMap::new();
    for m in answers.members() {
        let state = match m.benefits.first().map(|b| b.info.as_str()) {
            Some(code) if code == "1" => "active",
            Some(code) if code == "6" => "inactive",
            _ => "unknown",
        };
        let trace = m.traces.first().ok_or("answer without TRN")?;
        status.insert(trace.reference.as_str().into_owned(), state);
    }
    let count = |s: &str| status.values().filter(|v| **v == s).count();
    let (active, inactive) = (count("active"), count("inactive"));
    lines.push(format!(
        "271: {} answers, {active} active, {inactive} inactive, {issues} validation issues",
        status.len()
    ));
    let matched = questions.iter().filter(|q| status.contains_key(*q)).count();
    let t7 = status.get("T00007").copied().unwrap_or("not asked");
    lines.push(format!(
        "matched {matched} of {asked_n} inquiries by trace number; T00007 is {t7}"
    ));
    if matched != questions.len() || issues != 0 || count("unknown") != 0 {
        return Err("an inquiry went unanswered or a document is invalid".into());
    }
    Ok(lines)
}

fn main() -> std::process::ExitCode {
    common::main("eligibility_check", run)
}
