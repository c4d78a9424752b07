//! A lab order and its result, round trip between EMR and LIS over MLLP on loopback.
//!
//! Shows: the EMR sending ORM^O01 orders to the LIS; the LIS storing each order before
//! it acknowledges (`mllp::store::StoreHandler` + `MemoryStore`, keyed by sender and
//! MSH-10 with `mllp::hl7::message_key`), so a resent order is answered from the store
//! and not processed twice; the LIS working from its committed orders and answering
//! each with an ORU^R01 (three OBX with reference ranges and H/L flags, an NTE whose
//! `&` travels escaped as `\T\`); the EMR matching each result to its order by placer
//! order number (OBR-2) and acknowledging it — application ACKs in both directions.
//!
//! Crates: `carewire::mllp` (feature `hl7`), `carewire::hl7`.
//!
//! Run: `cargo run --release --example lab_order_result -- [--orders N]` (default 20).
//! Exits non-zero if an order is lost, processed twice, or its result goes unmatched.

use std::collections::BTreeMap;
use std::error::Error;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use carewire::hl7::{AckCode, Message, MessageBuf};
use carewire::mllp::blocking::{Client, ClientConfig, Peer, Server, ServerConfig};
use carewire::mllp::hl7::{message_key, AckHandler};
use carewire::mllp::store::{MemoryStore, StoreHandler};

fn orm(n: usize) -> Vec<u8> {
    format!(
        "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240102070000||ORM^O01^ORM_O01|ORM{n:05}|P|2.5.1\r\
PID|1||{n:06}^^^HOSP^MR||Testpatient^Number{n}\rORC|NW|PL{n:05}^EMR\r\
OBR|1|PL{n:05}^EMR||80048^Basic metabolic panel^CPT|||20240102070000\r"
    )
    .into_bytes()
}

/// The LIS's result for one stored order: deterministic values, flags from the ranges.
fn oru(order: &Message<'_>, n: usize) -> Result<Vec<u8>, Box<dyn Error>> {
    let placer = order
        .get_str("OBR-2")?
        .ok_or("order without placer number")?;
    let pid = order.find(b"PID", 1).ok_or("order without PID")?;
    let tests = [
        ("2345-7", "Glucose", 70 + (n * 37) % 80, "mg/dL", 70, 99),
        (
            "2823-3",
            "Potassium",
            32 + (n * 7) % 22,
            "0.1 mmol/L",
            35,
            51,
        ),
        ("2951-2", "Sodium", 140, "mmol/L", 135, 145),
    ];
    let mut m = format!("MSH|^~\\&|LIS|LAB|EMR|HOSP|20240102093000||ORU^R01^ORU_R01|ORU{n:05}|P|2.5.1\r{}\r\
OBR|1|{placer}|FL{n:05}^LIS|80048^Basic metabolic panel^CPT|||20240102070000|||||||||||||||20240102092500||CH|F\r", String::from_utf8_lossy(pid.raw()));
    for (i, (loinc, name, value, unit, lo, hi)) in tests.iter().enumerate() {
        let flag = if value < lo {
            "L"
        } else if value > hi {
            "H"
        } else {
            "N"
        };
        m += &format!(
            "OBX|{}|NM|{loinc}^{name}^LN||{value}|{unit}|{lo}-{hi}|{flag}|||F\r",
            i + 1
        );
    }
    m += "NTE|1||Fasting sample \\T\\ verified\r";
    Ok(m.into_bytes())
}

/// Sends `--orders` orders (and one resend), returns the results, one line per check.
pub fn run(args: &[String]) -> Result<Vec<String>, Box<dyn Error>> {
    let orders: usize = match args.iter().position(|a| a == "--orders") {
        Some(i) => args.get(i + 1).ok_or("--orders needs a number")?.parse()?,
        None => 20,
    };
    // LIS: store first, then acknowledge; accept orders only.
    let store = Arc::new(MemoryStore::new());
    let accept_orders = AckHandler::new(|m: &MessageBuf, _: Peer| {
        match m.view().header().message_type().as_deref() {
            Some("ORM") => AckCode::Aa,
            _ => AckCode::Ar,
        }
    });
    let lis = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        StoreHandler::new(Arc::clone(&store), message_key, accept_orders),
    )?;

    // EMR: match each result to an open order by placer number; AE for an unknown one.
    let open: Arc<Mutex<BTreeMap<String, Vec<String>>>> = Arc::default();
    let (book, flags) = (Arc::clone(&open), Arc::new(Mutex::new(Vec::new())));
    let seen = Arc::clone(&flags);
    let emr = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        AckHandler::new(move |m: &MessageBuf, _: Peer| {
            let msg = m.view();
            let placer = msg
                .get_str("OBR-2.1")
                .ok()
                .flatten()
                .unwrap_or_default()
                .into_owned();
            let (Ok(mut book), Ok(mut seen)) = (book.lock(), seen.lock()) else {
                return AckCode::Ae;
            };
            let Some(results) = book.get_mut(&placer).filter(|r| r.is_empty()) else {
                return AckCode::Ae;
            };
            for obx in msg.segments_by_id("OBX") {
                let flag = obx
                    .field(8)
                    .map(|f| f.decoded().into_owned())
                    .unwrap_or_default();
                results.push(flag.clone());
                seen.push(flag);
            }
            results.push(
                msg.get_str("NTE-3")
                    .ok()
                    .flatten()
                    .unwrap_or_default()
                    .into_owned(),
            );
            AckCode::Aa
        }),
    )?;

    let config = ClientConfig::default();
    let mut to_lis = Client::connect(lis.local_addr(), config.clone())?;
    let mut aa = 0;
    for n in 0..orders {
        open.lock()
            .map_err(|_| "poisoned")?
            .insert(format!("PL{n:05}"), Vec::new());
        aa += usize::from(to_lis.send_message(&orm(n))?.code() == AckCode::Aa);
    }
    let resend = to_lis.send_message(&orm(0))?; // e.g. after a lost ACK: same MSH-10
    let stored = store.messages();
    let mut lines = vec![format!(
        "EMR -> LIS: {orders} ORM^O01, {aa} AA; resend of ORM00000 answered {} from the store",
        resend.code()
    )];
    lines.push(format!(
        "LIS stored {} orders (the resend was not stored again)",
        stored.len()
    ));

    // LIS works from what it committed, each order once, and reports back.
    let mut to_emr = Client::connect(emr.local_addr(), config)?;
    let mut matched = 0;
    for (n, entry) in stored.iter().enumerate() {
        let order = Message::parse(&entry.message)?;
        matched += usize::from(to_emr.send_message(&oru(&order, n)?)?.code() == AckCode::Aa);
    }
    let flags = flags.lock().map_err(|_| "poisoned")?.clone();
    let count = |f: &str| flags.iter().filter(|x| *x == f).count();
    lines.push(format!(
        "LIS -> EMR: {} ORU^R01, {} OBX: {} high, {} low, {} normal",
        stored.len(),
        flags.len(),
        count("H"),
        count("L"),
        count("N")
    ));
    let open = open.lock().map_err(|_| "poisoned")?;
    let note = open
        .get("PL00000")
        .and_then(|r| r.last())
        .cloned()
        .unwrap_or_default();
    lines.push(format!(
        "EMR matched {matched} results to their orders; note reads \"{note}\""
    ));
    lis.shutdown();
    emr.shutdown();
    if stored.len() != orders || matched != orders || open.values().any(|r| r.len() != 4) {
        return Err("an order was lost, duplicated or left without its result".into());
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
            eprintln!("lab_order_result: {e}");
            ExitCode::FAILURE
        }
    }
}
