//! Broadcast patient registration events from the EMR through an integration engine to
//! the systems that need them, over MLLP on loopback.
//!
//! Shows: an engine (`mllp::blocking::Server` with an `mllp::hl7::AckHandler`) that
//! routes each ADT with a `mapping::route::Router` in fan-out mode — LIS gets every
//! ADT, RIS registrations and updates, billing registrations and discharges — forwards
//! it with one `mllp::blocking::Client` per destination, and acknowledges the EMR with
//! AA only when every destination did (AE otherwise). Each destination is an MLLP
//! server that records what it received; the example checks that every destination got
//! exactly its messages, once each, in order.
//!
//! Crates: `carewire::mllp` (feature `hl7`), `carewire::hl7`, `carewire::mapping::route`.
//!
//! Run: `cargo run --release --example adt_broadcast -- [--patients N]` (default 25).
//! Exits non-zero if a destination misses, duplicates or reorders a message.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use carewire::hl7::{AckCode, Message, MessageBuf};
use carewire::mapping::route::{Matcher, RouteMode, Router, Test};
use carewire::mllp::blocking::{Client, Peer, Server, ServerConfig};
use carewire::mllp::hl7::AckHandler;
use common::{client_config, Res};

const EVENTS: [&str; 4] = ["A04", "A08", "A02", "A03"];
const SYSTEMS: [&str; 3] = ["LIS", "RIS", "BILLING"];
type Inbox = Arc<Mutex<Vec<(String, String)>>>; // (trigger, control id) in arrival order

fn adt(patient: usize, event: &str, id: &str) -> Vec<u8> {
    format!("MSH|^~\\&|EMR|HOSP|ENGINE|HOSP|20240101120000||ADT^{event}^ADT_A01|{id}|P|2.5.1\r\
EVN|{event}|20240101120000\rPID|1||{patient:06}^^^HOSP^MR||Testpatient^Number{patient}\rPV1|1|I|WARD{}^1^A\r", patient % 4)
    .into_bytes()
}

/// Runs the broadcast for `--patients` patients and returns one line per system.
pub fn run(args: &[String]) -> Res<Vec<String>> {
    let patients = common::count(args, "--patients", 25)?;
    // Destinations: MLLP servers that record each message's trigger and control id.
    let (mut servers, mut clients, mut inboxes) = (Vec::new(), Vec::new(), BTreeMap::new());
    for name in SYSTEMS {
        let inbox: Inbox = Arc::default();
        let sink = inbox.clone();
        let handler = AckHandler::new(move |m: &MessageBuf, _: Peer| {
            let view = m.view();
            let h = view.header();
            let entry = (
                h.trigger_event().unwrap_or_default().into_owned(),
                h.control_id().unwrap_or_default().into_owned(),
            );
            sink.lock()
                .map(|mut v| v.push(entry))
                .map_or(AckCode::Ae, |_| AckCode::Aa)
        });
        let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)?;
        let client = Client::connect(server.local_addr(), client_config(None))?;
        clients.push((name, client));
        inboxes.insert(name, inbox);
        servers.push(server);
    }
    let mut router = Router::new(RouteMode::FanOut);
    for name in SYSTEMS {
        router.destination(name)?;
    }
    router.rule(Matcher::message_type(Test::equals("ADT")), &["LIS"])?;
    router.rule(Matcher::trigger(Test::one_of(&["A04", "A08"])), &["RIS"])?;
    let billing = Matcher::trigger(Test::one_of(&["A04", "A03"]));
    router.rule(billing, &["BILLING"])?;

    let router = Arc::new(router);
    let rules = Arc::clone(&router);
    // The engine: route, forward to each destination, AA only if all of them said AA.
    let clients = Mutex::new(clients);
    let engine = AckHandler::new(move |m: &MessageBuf, _: Peer| {
        let (view, Ok(mut clients)) = (m.view(), clients.lock()) else {
            return AckCode::Ae;
        };
        let targets = router.route(&view);
        let mut all_aa = !targets.is_unrouted();
        for (name, client) in clients
            .iter_mut()
            .filter(|(n, _)| targets.destinations().contains(n))
        {
            let ok = client
                .send_message(m.bytes())
                .map(|a| a.code() == AckCode::Aa);
            all_aa &= ok.unwrap_or_else(|e| {
                eprintln!("{name}: {e}");
                false
            });
        }
        if all_aa {
            AckCode::Aa
        } else {
            AckCode::Ae
        }
    });
    let engine = Server::bind("127.0.0.1:0", ServerConfig::default(), engine)?;

    // The EMR: each patient registered, updated, transferred, discharged.
    let mut emr = Client::connect(engine.local_addr(), client_config(None))?;
    let mut expected: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    let mut aa = 0;
    for p in 0..patients {
        for event in EVENTS {
            let id = format!("EMR{p:05}{event}");
            let msg = adt(p, event, &id);
            // The engine's rules say who must get it; the check is that each one did.
            let parsed = Message::parse(&msg)?;
            for name in rules.route(&parsed).destinations() {
                let entry = (event.to_string(), id.clone());
                expected.entry(name).or_default().push(entry);
            }
            aa += usize::from(emr.send_message(&msg)?.code() == AckCode::Aa);
        }
    }
    let mut lines = vec![format!(
        "EMR sent {} ADT messages, engine answered {aa} AA",
        patients * EVENTS.len()
    )];
    for (name, inbox) in &inboxes {
        let got = inbox.lock().map_err(|_| "inbox poisoned")?.clone();
        let mut per_event = BTreeMap::new();
        got.iter()
            .for_each(|(t, _)| *per_event.entry(t.as_str()).or_insert(0) += 1);
        let counts: Vec<String> = per_event.iter().map(|(t, n)| format!("{t} {n}")).collect();
        let counts = counts.join(", ");
        lines.push(format!("{name} received {} ({counts})", got.len()));
        if expected.get(name).map(Vec::as_slice).unwrap_or_default() != got.as_slice() {
            return Err(format!("{name} did not receive exactly its messages in order").into());
        }
    }
    engine.shutdown();
    servers.into_iter().for_each(|s| s.shutdown());
    if aa != patients * EVENTS.len() {
        return Err("the engine did not accept every message".into());
    }
    lines.push("every destination got its messages exactly once, in order".to_string());
    Ok(lines)
}

fn main() -> std::process::ExitCode {
    common::main("adt_broadcast", run)
}
