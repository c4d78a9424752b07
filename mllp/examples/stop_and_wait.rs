//! Stop-and-wait on one loopback connection, for profiling (`strace -f -c`, `perf`):
//! a 1 KiB ADT^A01 sent by the blocking client, answered by the blocking server with an
//! HL7 ACK (AA) that the client checks (MSA-2 = MSH-10). Prints messages per second.
//!
//! `floor` instead runs the same exchange shape on plain `std::net` sockets with no
//! MLLP or HL7 work at all (write 1 KiB, read a 100-byte reply, both sides blocking): what
//! the kernel and scheduler alone cost per round trip on this machine.
//!
//! Run with `cargo run --release -p carewire-mllp --features hl7 --example stop_and_wait
//! -- [carewire|floor] [messages]`.

use std::error::Error;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use carewire_hl7::{AckCode, MessageBuf};
use carewire_mllp::blocking::{Client, ClientConfig, Peer, Server, ServerConfig};
use carewire_mllp::hl7::AckHandler;

/// A synthetic 1 KiB ADT (the benchmark's message).
fn message(len: usize) -> Vec<u8> {
    let mut m = b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|MSG000001|P|2.5.1\r\
PID|1||000001^^^HOSP^MR||Testpatient^Synthetic||19700101|U\r\
NTE|1||"
        .to_vec();
    while m.len() + 1 < len {
        m.push(b'a' + (m.len() % 26) as u8);
    }
    m.push(b'\r');
    m
}

fn carewire(n: usize) -> Result<f64, Box<dyn Error>> {
    let handler = AckHandler::new(|_m: &MessageBuf, _p: Peer| AckCode::Aa);
    let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)?;
    let mut client = Client::connect(server.local_addr(), ClientConfig::default())?;
    let msg = message(1024);
    for _ in 0..n / 10 {
        client.send_message(&msg)?;
    }
    let start = Instant::now();
    for _ in 0..n {
        let ack = client.send_message(&msg)?;
        if ack.code() != AckCode::Aa {
            return Err("not AA".into());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    server.shutdown();
    Ok(secs)
}

fn floor(n: usize) -> Result<f64, Box<dyn Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let total = n + n / 10;
    let server = std::thread::spawn(move || -> std::io::Result<()> {
        let (mut s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        let mut buf = vec![0u8; 64 * 1024];
        let reply = [b'A'; 100];
        for _ in 0..total {
            let mut got = 0;
            while got < 1024 {
                let k = s.read(&mut buf)?;
                if k == 0 {
                    return Ok(());
                }
                got += k;
            }
            s.write_all(&reply)?;
        }
        Ok(())
    });
    let mut c = TcpStream::connect(addr)?;
    c.set_nodelay(true)?;
    let msg = message(1024);
    let mut buf = vec![0u8; 64 * 1024];
    let mut round = |c: &mut TcpStream| -> std::io::Result<()> {
        c.write_all(&msg)?;
        let mut got = 0;
        while got < 100 {
            got += c.read(&mut buf)?;
        }
        Ok(())
    };
    for _ in 0..n / 10 {
        round(&mut c)?;
    }
    let start = Instant::now();
    for _ in 0..n {
        round(&mut c)?;
    }
    let secs = start.elapsed().as_secs_f64();
    drop(c);
    let _ = server.join();
    Ok(secs)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("carewire", String::as_str);
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let secs = match mode {
        "floor" => floor(n)?,
        _ => carewire(n)?,
    };
    println!(
        "{mode}: {n} messages in {secs:.3} s: {:.1}k msgs/s, {:.2} µs/msg",
        n as f64 / secs / 1000.0,
        secs / n as f64 * 1e6
    );
    Ok(())
}
