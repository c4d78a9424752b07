//! MLLP benchmarks: carewire-mllp beside hl7-mllp-codec 0.4.0 (a tokio-util codec, with its
//! `noncompliance` feature, without which frames sharing a read are merged), same
//! input, same work, one run.
//!
//! - `mllp/decode/1k_frames_16k_reads`: 1,000 frames of 1 KiB, fed in 16 KiB reads.
//! - `mllp/decode/4mib_frame_16k_reads`: one 4 MiB frame, fed in 16 KiB reads.
//!   Both with `Throughput::Bytes`; every iteration asserts the number of frames and the
//!   total payload bytes, so a decoder that does less work cannot look fast.
//! - `mllp/loopback/adt_1k_ack`: stop-and-wait on one loopback connection with
//!   carewire's blocking client and server: a 1 KiB ADT, its HL7 ACK (AA) checked
//!   (MSA-2 = MSH-10) for every message; beside it the same exchange with hl7-mllp-codec
//!   on both ends of a tokio connection. `Throughput::Elements(1)`: messages/s. Always
//!   timed by the wall clock (the server's work runs on another thread).
use bytes::BytesMut;
use carewire_hl7::{AckCode, MessageBuf};
use carewire_mllp::blocking::{Client, ClientConfig, Peer, Server, ServerConfig};
use carewire_mllp::hl7::AckHandler;
use carewire_mllp::{Frame, FrameDecoder};
use criterion::{black_box, criterion_group, criterion_main, Bencher, Criterion, Throughput};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_util::codec::{Decoder as _, Framed};

const READ: usize = 16 * 1024;

/// `b.iter(f)`; with `CAREWIRE_BENCH_CLOCK=cpu` the same loop timed by this thread's CPU
/// clock, so other processes on a shared 2-core machine do not inflate the figures.
fn run<O, F: FnMut() -> O>(b: &mut Bencher<'_>, mut f: F) {
    if std::env::var("CAREWIRE_BENCH_CLOCK").as_deref() == Ok("cpu") {
        b.iter_custom(|iters| {
            let start = cpu_time::ThreadTime::now();
            for _ in 0..iters {
                black_box(f());
            }
            start.elapsed()
        })
    } else {
        b.iter(f)
    }
}

/// A synthetic ER7 message of exactly `len` bytes (CR-terminated segments, no 0x1C).
fn message(id: usize, len: usize) -> Vec<u8> {
    let mut m = format!(
        "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|MSG{id:06}|P|2.5.1\r\
         PID|1||000001^^^HOSP^MR||Testpatient^Synthetic||19700101|U\r\
         NTE|1||"
    )
    .into_bytes();
    assert!(m.len() + 1 < len);
    while m.len() + 1 < len {
        m.push(b'a' + (m.len() % 26) as u8);
    }
    m.push(b'\r');
    m
}

/// The wire bytes of `frames` messages of `len` bytes each.
fn stream(frames: usize, len: usize) -> Vec<u8> {
    let mut wire = Vec::with_capacity(frames * (len + 3));
    for i in 0..frames {
        wire.push(0x0B);
        wire.extend_from_slice(&message(i, len));
        wire.extend_from_slice(&[0x1C, 0x0D]);
    }
    wire
}

/// carewire: (frames, payload bytes) after feeding `wire` in `READ`-byte reads.
fn carewire(wire: &[u8]) -> (usize, usize) {
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::with_capacity(READ * 2);
    let (mut n, mut bytes) = (0, 0);
    for chunk in wire.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = decoder.decode(&mut buf).expect("decode") {
            let Frame::Data(d) = frame else {
                panic!("not a data frame")
            };
            n += 1;
            bytes += d.len();
        }
    }
    (n, bytes)
}

/// hl7-mllp-codec: the same.
fn peer(wire: &[u8]) -> (usize, usize) {
    let mut codec = hl7_mllp_codec::MllpCodec::new();
    let mut buf = BytesMut::with_capacity(READ * 2);
    let (mut n, mut bytes) = (0, 0);
    for chunk in wire.chunks(READ) {
        buf.extend_from_slice(chunk);
        while let Some(d) = codec.decode(&mut buf).expect("decode") {
            n += 1;
            bytes += d.len();
        }
    }
    // Frames the codec moved into its own buffer.
    while let Some(d) = codec.decode(&mut buf).expect("decode") {
        n += 1;
        bytes += d.len();
    }
    (n, bytes)
}

fn decode(c: &mut Criterion) {
    for (name, frames, len, samples) in [
        ("1k_frames_16k_reads", 1000, 1024, 100),
        ("4mib_frame_16k_reads", 1, 4 << 20, 10),
    ] {
        let wire = stream(frames, len);
        let want = (frames, frames * len);
        assert_eq!(carewire(&wire), want);
        assert_eq!(peer(&wire), want);
        let mut g = c.benchmark_group(format!("mllp/decode/{name}"));
        g.throughput(Throughput::Bytes(wire.len() as u64));
        g.sample_size(samples);
        g.bench_function("carewire", |b| {
            run(b, || assert_eq!(carewire(black_box(&wire)), want))
        });
        g.bench_function("hl7-mllp-codec", |b| {
            run(b, || assert_eq!(peer(black_box(&wire)), want))
        });
        g.finish();
    }
}

fn loopback(c: &mut Criterion) {
    let handler = AckHandler::new(|_m: &MessageBuf, _p: Peer| AckCode::Aa);
    let server =
        Server::bind("127.0.0.1:0", ServerConfig::default(), handler).expect("bind loopback");
    let mut client =
        Client::connect(server.local_addr(), ClientConfig::default()).expect("connect");
    let msg = message(1, 1024);
    let mut g = c.benchmark_group("mllp/loopback");
    g.throughput(Throughput::Elements(1));
    g.bench_function("adt_1k_ack/carewire", |b| {
        b.iter(|| {
            let ack = client.send_message(black_box(&msg)).expect("ack");
            assert_eq!(ack.code(), AckCode::Aa);
        })
    });
    server.shutdown();

    // The same exchange with hl7-mllp-codec on both ends (tokio, one connection), the ACK
    // built by carewire-hl7 on the server and checked the same way on the client.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let (socket, _) = listener.accept().await.expect("accept");
            socket.set_nodelay(true).expect("nodelay");
            let mut framed = Framed::new(socket, hl7_mllp_codec::MllpCodec::new());
            while let Some(Ok(frame)) = framed.next().await {
                let msg = MessageBuf::parse(frame.freeze()).expect("parse");
                let ack = msg.view().ack(AckCode::Aa).build().expect("ack");
                let ack = BytesMut::from(&ack.into_bytes()[..]);
                if framed.send(ack).await.is_err() {
                    break;
                }
            }
        })
    });
    let (msa1, msa2): (carewire_hl7::Path, carewire_hl7::Path) = (
        "MSA-1".parse().expect("path"),
        "MSA-2".parse().expect("path"),
    );
    let mut framed = rt.block_on(async {
        let socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
        socket.set_nodelay(true).expect("nodelay");
        Framed::new(socket, hl7_mllp_codec::MllpCodec::new())
    });
    g.bench_function("adt_1k_ack/hl7-mllp-codec", |b| {
        b.iter(|| {
            rt.block_on(async {
                framed
                    .send(BytesMut::from(&black_box(&msg)[..]))
                    .await
                    .expect("send");
                let reply = framed.next().await.expect("reply").expect("frame");
                let ack = MessageBuf::parse(reply.freeze()).expect("ack");
                let view = ack.view();
                assert_eq!(
                    view.get(&msa1).map(|v| v.raw().to_vec()),
                    Some(b"AA".to_vec())
                );
                assert_eq!(
                    view.get(&msa2).map(|v| v.raw().to_vec()),
                    Some(b"MSG000001".to_vec())
                );
            })
        })
    });
    g.finish();
    drop(framed);
    server.join().expect("server thread");
}

criterion_group!(benches, decode, loopback);
criterion_main!(benches);
