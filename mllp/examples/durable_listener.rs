//! A durable HL7 listener and a sender, on loopback with synthetic messages.
//!
//! The listener stores each message in a file-backed log (fsync) before it acknowledges
//! it, and answers a resent message from the log instead of processing it again. The
//! sender resends one message, as a sender unsure of delivery would, then restarts the
//! listener to show the log survives.
//!
//! Run with `cargo run -p carewire-mllp --example durable_listener --features hl7`.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use carewire_hl7::{AckCode, MessageBuf};
use carewire_mllp::blocking::{Client, ClientConfig, Peer, Server, ServerConfig, ServerHandle};
use carewire_mllp::hl7::{message_key, AckHandler};
use carewire_mllp::store::{FileStore, StoreHandler};

fn adt(control_id: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|EMR|GENERAL|LIS|LAB|20240101120000||ADT^A01^ADT_A01|{control_id}|P|2.5.1\r\
         PID|1||000001^^^GENERAL^MR||Testpatient^Synthetic||19700101|U\r"
    )
    .into_bytes()
}

/// Starts a listener on 127.0.0.1 that stores before it acknowledges.
fn listen(
    dir: &std::path::Path,
    processed: Arc<AtomicUsize>,
) -> Result<ServerHandle, Box<dyn Error>> {
    let store = FileStore::open(dir)?;
    let handler = AckHandler::new(move |msg: &MessageBuf, _peer: Peer| {
        processed.fetch_add(1, Ordering::SeqCst);
        // Accept ADT messages; reject anything else.
        match msg.view().header().message_type().as_deref() {
            Some("ADT") => AckCode::Aa,
            _ => AckCode::Ar,
        }
    });
    let server = Server::bind(
        "127.0.0.1:0",
        ServerConfig::default(),
        StoreHandler::new(store, message_key, handler),
    )?;
    Ok(server)
}

fn main() -> Result<(), Box<dyn Error>> {
    run().map(|_| ())
}

/// Runs the example; returns the lines it printed.
pub fn run() -> Result<Vec<String>, Box<dyn Error>> {
    let mut lines = Vec::new();
    let mut say = |line: String| {
        println!("{line}");
        lines.push(line);
    };
    let dir = std::env::temp_dir().join(format!("carewire-mllp-example-{}", std::process::id()));
    let processed = Arc::new(AtomicUsize::new(0));

    let server = listen(&dir, Arc::clone(&processed))?;
    let mut client = Client::connect(server.local_addr(), ClientConfig::default())?;
    for id in ["MSG0001", "MSG0002", "MSG0001"] {
        let ack = client.send_message(&adt(id))?;
        say(format!("{id}: {}", ack.code()));
    }
    server.shutdown();

    // After a restart the log still knows MSG0002.
    let server = listen(&dir, Arc::clone(&processed))?;
    let mut client = Client::connect(server.local_addr(), ClientConfig::default())?;
    let ack = client.send_message(&adt("MSG0002"))?;
    say(format!("MSG0002 after restart: {}", ack.code()));
    server.shutdown();

    let stored = FileStore::open(&dir)?.len();
    say(format!(
        "processed {} messages, {stored} stored",
        processed.load(Ordering::SeqCst)
    ));
    std::fs::remove_dir_all(&dir)?;
    Ok(lines)
}
