//! The tokio-util codec over loopback TCP and an in-memory duplex cut into small writes.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use carewire_mllp::{ErrorKind, Frame, FrameConfig, MllpCodec};
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Decoder, Framed, FramedRead};

#[tokio::test]
async fn loopback_request_reply() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut framed = Framed::new(stream, MllpCodec::new());
        let mut n = 0usize;
        while let Some(frame) = framed.next().await {
            let frame = frame.unwrap();
            let reply = match frame.raw() {
                b"bad" => Frame::CommitNak,
                _ => Frame::CommitAck,
            };
            framed.send(reply).await.unwrap();
            n += 1;
        }
        n
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut framed = Framed::new(stream, MllpCodec::new());
    let run = async {
        for i in 0..500 {
            let msg = Bytes::from(format!("MSH|^~\\&|A|B|||||ADT^A01|{i}|P|2.5\r"));
            framed.send(msg).await.unwrap();
            assert_eq!(framed.next().await.unwrap().unwrap(), Frame::CommitAck);
        }
        framed.send(&b"bad"[..]).await.unwrap();
        assert_eq!(framed.next().await.unwrap().unwrap(), Frame::CommitNak);
    };
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .unwrap();
    drop(framed);
    let served = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(served, 501);
}

#[tokio::test]
async fn small_writes_and_bad_frames_are_skipped() {
    let (mut tx, rx) = tokio::io::duplex(64);
    let mut config = FrameConfig::default();
    config.max_frame = 16;
    let mut wire = Vec::new();
    wire.extend_from_slice(b"noise\x0bfirst\x1c\r");
    wire.extend_from_slice(b"\x0bthis frame is far too long\x1c\r");
    wire.extend_from_slice(b"\x0bhalf\x0bsecond\x1c\r\n\x0b\x06\x1c\r");
    let writer = tokio::spawn(async move {
        for piece in wire.chunks(3) {
            tx.write_all(piece).await.unwrap();
        }
    });
    let codec = MllpCodec::with_config(config).unwrap();
    let mut read = FramedRead::new(rx, codec);
    let mut got = Vec::new();
    let collect = async {
        while let Some(frame) = read.next().await {
            got.push(frame.unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(10), collect)
        .await
        .unwrap();
    writer.await.unwrap();
    assert_eq!(
        got,
        vec![
            Frame::Data("first".into()),
            Frame::Data("second".into()),
            Frame::CommitAck
        ]
    );
    assert_eq!(read.decoder().stats().discarded, 2);
}

#[test]
fn reported_errors_and_truncated_stream() {
    let mut config = FrameConfig::default();
    config.max_frame = 2;
    let mut codec = MllpCodec::with_config(config)
        .unwrap()
        .report_framing_errors(true);
    let mut buf = BytesMut::from(&b"\x0babc\x1c\r\x0bok\x1c\r\x0bpa"[..]);
    let err = codec.decode(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FrameTooLarge { max: 2 });
    assert_eq!(
        codec.decode(&mut buf).unwrap(),
        Some(Frame::Data("ok".into()))
    );
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    let err = codec.decode_eof(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TruncatedFrame);
}
