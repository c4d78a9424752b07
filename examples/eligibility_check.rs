//! Check insurance eligibility before admission: a 270 inquiry to the payer, a 271
//! answer back, each answer matched to its inquiry by trace number.
//!
//! Shows: `x12::build::Inquiry270` building a 270 (HL levels, one TRN trace per person,
//! a dependent under one subscriber); `x12::validate` on both documents; the payer
//! reading the inquiry with the typed `Eligibility` model and answering with a 271
//! written by `x12::Writer` — active coverage (EB01 `1`) with a co-payment (EB01 `B`),
//! or inactive (EB01 `6`) for members it does not cover; the provider reading the 271
//! with the same model and matching each answer to its question by TRN02.
//!
//! Crates: `carewire::x12` (carewire-x12).
//!
//! Run: `cargo run --release --example eligibility_check -- [--members N]` (default 12).
//! Exits non-zero if a document is invalid or an inquiry goes unanswered.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::error::Error;
use std::process::ExitCode;

use carewire::x12::build::{
    Demographics, Envelope, Inquiry270, InquiryPerson, InquirySubscriber, Party,
};
use carewire::x12::model::{Member, Text};
use carewire::x12::{
    validate, Delimiters, Document, Eligibility, Field, GroupHeader, InterchangeHeader, LineEnding,
    SequentialControlNumbers, Writer,
};

type Res<T> = Result<T, Box<dyn Error>>;

fn first_eligibility<'d>(doc: &'d Document<'_>) -> Res<Eligibility<'d>> {
    let set = doc
        .interchanges()
        .flat_map(|i| i.groups())
        .flat_map(|g| g.transaction_sets())
        .next()
        .ok_or("no set")?;
    Ok(Eligibility::from_set(&set).ok_or("not a 270/271")?)
}

/// An optional element's text, empty when absent.
fn text<'a>(t: &Option<Text<'a>>) -> Cow<'a, str> {
    t.as_ref().map(|t| t.as_str()).unwrap_or_default()
}

/// Every member (subscribers and dependents) of a 270 or 271, in order.
fn members<'e, 'a>(e: &'e Eligibility<'a>) -> Vec<&'e Member<'a>> {
    let subs = e
        .sources
        .iter()
        .flat_map(|s| &s.receivers)
        .flat_map(|r| &r.subscribers);
    subs.flat_map(|m| std::iter::once(m).chain(&m.dependents))
        .collect()
}

/// Payer: covers members whose id does not end in 7; writes the 271.
fn answer_271(inquiry: &Eligibility<'_>) -> Res<Vec<u8>> {
    let mut segs = vec![
        "BHT*0022*11*RESP1*20240110*1201".to_string(),
        "HL*1**20*1".into(),
        "NM1*PR*2*DEMO PAYER*****PI*PAYER1".into(),
        "HL*2*1*21*1".into(),
        "NM1*1P*2*DEMO CLINIC*****XX*1234567893".into(),
    ];
    let (mut hl, mut parent, mut covered) = (2, 2, true);
    for m in members(inquiry) {
        let dependent = m.party.as_ref().is_some_and(|p| p.entity == "03");
        hl += 1;
        let (level, up) = if dependent {
            ("23", parent)
        } else {
            parent = hl;
            ("22", 2)
        };
        let children = !dependent && !m.dependents.is_empty();
        segs.push(format!("HL*{hl}*{up}*{level}*{}", u8::from(children)));
        let trace = m.traces.first().ok_or("member without TRN")?;
        let originator = text(&trace.originator);
        segs.push(format!("TRN*2*{}*{originator}", trace.reference.as_str()));
        let p = m.party.as_ref().ok_or("member without NM1")?;
        let (last, first, id) = (text(&p.name), text(&p.first_name), text(&p.id));
        segs.push(if dependent {
            format!("NM1*03*1*{last}*{first}")
        } else {
            format!("NM1*IL*1*{last}*{first}****MI*{id}")
        });
        if !dependent {
            covered = !id.ends_with('7'); // dependents follow their subscriber
        }
        if !covered {
            segs.push("EB*6*IND*30".into());
        } else {
            segs.push("EB*1*IND*30**DEMO GOLD PLAN".into());
            segs.push("EB*B*IND*98***27*25".into()); // office visit co-payment, 25.00 per visit
        }
    }
    let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
    let numbers = &mut SequentialControlNumbers::default();
    w.begin_interchange(
        &InterchangeHeader::new("PAYER", "CLINIC", "240110", "1201"),
        numbers,
    )?;
    w.begin_group(
        &GroupHeader::new("HB", "PAYER", "CLINIC", "20240110", "1201", "005010X279A1"),
        numbers,
    )?;
    w.begin_transaction_set("271", Some("005010X279A1"), numbers)?;
    for seg in &segs {
        let mut elements = seg.split('*');
        let id = elements.next().unwrap_or_default();
        let fields: Vec<Field<'_>> = elements.map(Field::Simple).collect();
        w.segment(id, &fields)?;
    }
    w.end_transaction_set()?;
    w.end_group()?;
    w.end_interchange()?;
    Ok(w.into_inner()?)
}

/// Asks about `--members` subscribers (every third with a dependent); one line per check.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let n: usize = match args.iter().position(|a| a == "--members") {
        Some(i) => args.get(i + 1).ok_or("--members needs a number")?.parse()?,
        None => 12,
    };
    // Person `i`; a dependent has no member id of its own and a trace ending in D.
    let person = |i: usize, dependent: bool| InquiryPerson {
        trace: format!("T{i:05}{}", if dependent { "D" } else { "" }),
        name: match dependent {
            true => Party::person("TESTPATIENT", &format!("CHILD{i}"), ""),
            false => Party::person("TESTPATIENT", &format!("NUMBER{i}"), &format!("M{i:08}")),
        },
        demographics: Some(Demographics {
            birth_date: "19800101".into(),
            gender: "U".into(),
        }),
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
    let x270 = inquiry.build(
        &Envelope::new("CLINIC", "PAYER", "240110", "1200"),
        &mut SequentialControlNumbers::default(),
    )?;
    let doc270 = Document::parse(&x270)?;
    let asked = first_eligibility(&doc270)?;
    let questions: Vec<String> = members(&asked)
        .iter()
        .filter_map(|m| m.traces.first())
        .map(|t| t.reference.as_str().into_owned())
        .collect();
    let mut lines = vec![format!(
        "270: {} people asked about, {} validation issues",
        questions.len(),
        validate(&doc270).len()
    )];

    let x271 = answer_271(&asked)?;
    let doc271 = Document::parse(&x271)?;
    let issues = validate(&doc271).len();
    let answers = first_eligibility(&doc271)?;
    let mut status: BTreeMap<String, &str> = BTreeMap::new();
    for m in members(&answers) {
        let state = match m.benefits.first().map(|b| b.info.as_str()) {
            Some(code) if code == "1" => "active",
            Some(code) if code == "6" => "inactive",
            _ => "unknown",
        };
        let trace = m.traces.first().ok_or("answer without TRN")?;
        status.insert(trace.reference.as_str().into_owned(), state);
    }
    let count = |s: &str| status.values().filter(|v| **v == s).count();
    lines.push(format!(
        "271: {} answers, {} active, {} inactive, {issues} validation issues",
        status.len(),
        count("active"),
        count("inactive")
    ));
    let matched = questions.iter().filter(|q| status.contains_key(*q)).count();
    lines.push(format!(
        "matched {matched} of {} inquiries by trace number; T00007 is {}",
        questions.len(),
        status.get("T00007").copied().unwrap_or("not asked")
    ));
    if matched != questions.len() || issues != 0 || count("unknown") != 0 {
        return Err("an inquiry went unanswered or a document is invalid".into());
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
            eprintln!("eligibility_check: {e}");
            ExitCode::FAILURE
        }
    }
}
