//! Boilerplate shared by the examples (not an example: cargo builds only `examples/*.rs`
//! and `examples/*/main.rs`), included with `#[path = "common/mod.rs"] mod common;`, a
//! path relative to the example's file that also resolves from `tests/examples.rs`.
//! What an example shows stays in the example; this is the wrapping around it.
#![allow(dead_code)] // each example uses only part of this module

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use carewire::mllp::blocking::ClientConfig;
use carewire::mllp::tls::TlsClientConfig;
use carewire::x12::build::{Address, BillingProvider, Claim, Demographics, Envelope, Party};
use carewire::x12::build::{Payment, RemitPayee, RemitPayer, Remittance835, Subscriber};
use carewire::x12::{Decimal, Document, TransactionSet};
use serde_json::Value;

/// The result of an example's steps; errors are printed, never patient data.
pub type Res<T> = Result<T, Box<dyn Error>>;

/// An example's `main`: prints the lines `run` returns, or `name: error` and exits 1.
pub fn main(name: &str, run: fn(&[String]) -> Res<Vec<String>>) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = run(&args);
    match &result {
        Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
        Err(e) => eprintln!("{name}: {e}"),
    }
    ExitCode::from(u8::from(result.is_err()))
}

/// The text after `--name`: `None` without the flag, an error without a value.
pub fn value<'a>(args: &'a [String], name: &str) -> Res<Option<&'a str>> {
    let Some(i) = args.iter().position(|a| a == name) else {
        return Ok(None);
    };
    let value = args.get(i + 1).ok_or(format!("{name} needs a value"))?;
    Ok(Some(value))
}

/// The number after `--name`, `default` without the flag.
pub fn count(args: &[String], name: &str, default: usize) -> Res<usize> {
    Ok(value(args, name)?.map_or(Ok(default), str::parse)?)
}

/// MLLP client settings with every wait bounded (5 s), plaintext or over `tls`.
pub fn client_config(tls: Option<TlsClientConfig>) -> ClientConfig {
    let mut c = ClientConfig::default();
    c.connect_timeout = Duration::from_secs(5);
    c.send_timeout = Duration::from_secs(5);
    c.response_timeout = Duration::from_secs(5);
    c.tls = tls;
    c
}

/// The first transaction set of `doc` that `from_set` (`Remittance::from_set`) can read.
pub fn x12_model<'d, T>(
    doc: &'d Document<'_>,
    from_set: impl Fn(&TransactionSet<'d>) -> Option<T>,
) -> Res<T> {
    let groups = doc.interchanges().flat_map(|i| i.groups());
    let mut sets = groups.flat_map(|g| g.transaction_sets());
    let found = sets.find_map(|s| from_set(&s));
    Ok(found.ok_or("no transaction set of that kind")?)
}

/// An exact amount in cents (fails if it has fractions of a cent).
pub fn cents(d: Decimal) -> Res<i64> {
    Ok(d.rescale(2)?.mantissa())
}

/// Cents as an exact two-decimal amount (`12345` is `123.45`).
pub fn money(cents: i64) -> Res<Decimal> {
    Ok(Decimal::new(cents, 2)?)
}

/// The X12 examples' payer's 835 without claims yet: a check (trace, date), the payer
/// (1000A: address, technical contact), the clinic as payee (1000B); and its envelope.
pub fn x12_remittance() -> (Remittance835, Envelope) {
    let payer = RemitPayer {
        name: "DEMO PAYER".into(),
        address: Address {
            line1: "1 PAYER WAY".into(),
            city: "TOWN".into(),
            state: "NY".into(),
            postal_code: "10001".into(),
            ..Default::default()
        },
        contact: ("EDI DESK".into(), "5555551234".into()),
    };
    let payment = Payment {
        date: "20240115".into(),
        trace: "CHK0001".into(),
        originator: "1512345678".into(),
        ..Default::default()
    };
    let payee = RemitPayee {
        name: "DEMO CLINIC".into(),
        npi: "1234567893".into(),
        ..Default::default()
    };
    let production_date = Some("20240115".into());
    let remit = Remittance835 {
        payment,
        production_date,
        payer,
        payee,
        ..Default::default()
    };
    (remit, Envelope::new("PAYER", "CLINIC", "240115", "0900"))
}

/// The X12 examples' clinic: billing provider (NPI, address, tax id) of `subscribers`.
pub fn x12_clinic(subscribers: Vec<Subscriber>) -> BillingProvider {
    BillingProvider {
        name: Party::organization("DEMO CLINIC", "1234567893"),
        address: Address {
            line1: "1 MAIN ST".into(),
            city: "TOWN".into(),
            state: "NY".into(),
            postal_code: "10001".into(),
            ..Default::default()
        },
        tax_id: "123456789".into(),
        subscribers,
        ..Default::default()
    }
}

/// Demographics of the X12 examples' people: born 1980-01-01, `gender` `F`, `M` or `U`.
pub fn x12_born_1980(gender: &str) -> Option<Demographics> {
    let (birth_date, gender) = ("19800101".into(), gender.into());
    Some(Demographics { birth_date, gender })
}

/// Subscriber `i` of the X12 examples' payer (primary, commercial), patient of `claims`.
pub fn x12_subscriber(i: usize, claims: Vec<Claim>) -> Subscriber {
    Subscriber {
        responsibility: "P".into(),
        filing_indicator: "CI".into(),
        name: Party::person("TESTPATIENT", &format!("NUMBER{i}"), &format!("M{i:08}")),
        demographics: x12_born_1980("F"),
        payer: Party::organization("DEMO PAYER", "PAYER1"),
        claims,
        ..Default::default()
    }
}

/// The resources of one `resourceType` in a FHIR Bundle (JSON), in entry order.
pub fn resources<'a>(bundle: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    let entries = bundle["entry"].as_array().map(Vec::as_slice);
    let resources = entries.unwrap_or_default().iter().map(|e| &e["resource"]);
    resources.filter(move |r| r["resourceType"] == kind)
}
