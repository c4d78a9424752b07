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

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use carewire::hl7::{AckCode, Message, MessageBuf};
use carewire::mllp::blocking::{Client, Peer, Server, ServerConfig};
use carewire::mllp::hl7::{message_key, AckHandler};
use carewire::mllp::store::{MemoryStore, StoreHandler};
use common::{client_config, Res};

fn orm(n: usize) -> Vec<u8> {
    format!(
        "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240102070000||ORM^O01^ORM_O01|ORM{n:05}|P|2.5.1\r\
PID|1||{n:06}^^^HOSP^MR||Testpatient^Number{n}\rORC|NW|PL{n:05}^EMR\r\
OBR|1|PL{n:05}^EMR||80048^Basic metabolic panel^CPT|||20240102070000\r"
    )
    .into_bytes()
}

/// The decoded text at `path` (`OBR-2.1`), empty when absent.
fn text(msg: &Message<'_>, path: &str) -> String {
    let value = msg.get_str(path).ok().flatten();
    value.unwrap_or_default().into_owned()
}

/// The LIS's result for one stored order: deterministic values, flags from the ranges.
fn oru(order: &Message<'_>, n: usize) -> Res<Vec<u8>> {
    let placer = order
        .get_str("OBR-2")?
        .ok_or("order without placer number")?;
    let pid = order.find(b"PID", 1).ok_or("order without PID")?;
    let (glucose, potassium) = (70 + (n * 37) % 80, 32 + (n * 7) % 22);
    let tests = [
        ("2345-7", "Glucose", glucose, "mg/dL", 70, 99),
        ("2823-3", "Potassium", potassium, "0.1 mmol/L", 35, 51),
        ("2951-2", "Sodium", 140, "mmol/L", 135, 145),
    ];
    let mut m = format!("MSH|^~\\&|LIS|LAB|EMR|HOSP|20240102093000||ORU^R01^ORU_R01|ORU{n:05}|P|2.5.1\r{}\r\
OBR|1|{placer}|FL{n:05}^LIS|80048^Basic metabolic panel^CPT|||20240102070000|||||||||||||||20240102092500||CH|F\r", String::from_utf8_lossy(pid.raw()));
    for (i, (loinc, name, value, unit, lo, hi)) in tests.iter().enumerate() {
        let flag = match value {
            v if v < lo => "L",
            v if v > hi => "H",
            _ => "N",
        };
        let obx = format!("{loinc}^{name}^LN||{value}|{unit}|{lo}-{hi}|{flag}|||F");
        m += &format!("OBX|{}|NM|{obx}\r", i + 1);
    }
    m += "NTE|1||Fasting sample \\T\\ verified\r";
    Ok(m.into_bytes())
}

/// Sends `--orders` orders (and one resend), returns the results, one line per check.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let orders = common::count(args, "--orders", 20)?;
    // LIS: store first, then acknowledge; accept orders only.
    let store = Arc::new(MemoryStore::new());
    let accept_orders = AckHandler::new(|m: &MessageBuf, _: Peer| {
        match m.view().header().message_type().as_deref() {
            Some("ORM") => AckCode::Aa,
            _ => AckCode::Ar,
        }
    });
    let handler = StoreHandler::new(Arc::clone(&store), message_key, accept_orders);
    let lis = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)?;

    // EMR: match each result to an open order by placer number; AE for an unknown one.
    let open: Arc<Mutex<BTreeMap<String, Vec<String>>>> = Arc::default();
    let (book, flags) = (Arc::clone(&open), Arc::new(Mutex::new(Vec::new())));
    let seen = Arc::clone(&flags);
    let match_results = AckHandler::new(move |m: &MessageBuf, _: Peer| {
        let msg = m.view();
        let (Ok(mut book), Ok(mut seen)) = (book.lock(), seen.lock()) else {
            return AckCode::Ae;
        };
        let placer = text(&msg, "OBR-2.1");
        let Some(results) = book.get_mut(&placer).filter(|r| r.is_empty()) else {
            return AckCode::Ae;
        };
        for obx in msg.segments_by_id("OBX") {
            let flag = obx.field(8).map(|f| f.decoded().into_owned());
            seen.push(flag.clone().unwrap_or_default());
            results.push(flag.unwrap_or_default());
        }
        results.push(text(&msg, "NTE-3"));
        AckCode::Aa
    });
    let emr = Server::bind("127.0.0.1:0", ServerConfig::default(), match_results)?;

    let mut to_lis = Client::connect(lis.local_addr(), client_config(None))?;
    let mut aa = 0;
    for n in 0..orders {
        let placer = format!("PL{n:05}");
        open.lock().map_err(|_| "poisoned")?.insert(placer, vec![]);
        aa += usize::from(to_lis.send_message(&orm(n))?.code() == AckCode::Aa);
    }
    let resend = to_lis.send_message(&orm(0))?.code(); // e.g. after a lost ACK: same MSH-10
    let stored = store.messages();

    // LIS works from what it committed, each order once, and reports back.
    let mut to_emr = Client::connect(emr.local_addr(), client_config(None))?;
    let mut matched = 0;
    for (n, entry) in stored.iter().enumerate() {
        let order = Message::parse(&entry.message)?;
        matched += usize::from(to_emr.send_message(&oru(&order, n)?)?.code() == AckCode::Aa);
    }
    lis.shutdown();
    emr.shutdown();
    let flags = flags.lock().map_err(|_| "poisoned")?.clone();
    let count = |f: &str| flags.iter().filter(|x| *x == f).count();
    let (high, low, normal, obx) = (count("H"), count("L"), count("N"), flags.len());
    let open = open.lock().map_err(|_| "poisoned")?;
    let note = open.get("PL00000").and_then(|r| r.last()).cloned();
    let (note, stored) = (note.unwrap_or_default(), stored.len());
    if stored != orders || matched != orders || open.values().any(|r| r.len() != 4) {
        return Err("an order was lost, duplicated or left without its result".into());
    }
    Ok(vec![
        format!(
            "EMR -> LIS: {orders} ORM^O01, {aa} AA; resend of ORM00000 answered {resend} \
             from the store"
        ),
        format!("LIS stored {stored} orders (the resend was not stored again)"),
        format!("LIS -> EMR: {stored} ORU^R01, {obx} OBX: {high} high, {low} low, {normal} normal"),
        format!("EMR matched {matched} results to their orders; note reads \"{note}\""),
    ])
}

fn main() -> std::process::ExitCode {
    common::main("lab_order_result", run)
}
