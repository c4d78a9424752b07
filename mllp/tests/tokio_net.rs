//! The async client and server on loopback (127.0.0.1), bounded in count and time.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use carewire_mllp::blocking::{ClientConfig, Peer, Reply, ServerConfig};
use carewire_mllp::store::{MemoryStore, MessageKey, StoreHandler};
use carewire_mllp::tokio::{Client, Server};
use carewire_mllp::{ErrorKind, Frame, Phase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn echo(frame: Frame, _p: Peer) -> Reply {
    if frame.raw() == b"slow" {
        std::thread::sleep(Duration::from_millis(1500));
    }
    let mut out = b"ACK:".to_vec();
    out.extend_from_slice(frame.raw());
    Reply::data(out)
}

fn config() -> ClientConfig {
    let mut c = ClientConfig::default();
    c.connect_timeout = Duration::from_secs(5);
    c.send_timeout = Duration::from_secs(5);
    c.response_timeout = Duration::from_secs(5);
    c
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap()
}

#[tokio::test]
async fn many_messages_and_concurrent_connections() {
    bounded(async {
        let server = Server::bind("127.0.0.1:0", ServerConfig::default(), echo)
            .await
            .unwrap();
        let addr = server.local_addr();
        let mut tasks = Vec::new();
        for t in 0..4 {
            tasks.push(tokio::spawn(async move {
                let mut client = Client::connect(addr, config()).await.unwrap();
                for i in 0..200 {
                    let msg = format!("T{t}-{i}");
                    let reply = client.request(msg.as_bytes()).await.unwrap();
                    assert_eq!(&reply.raw()[4..], msg.as_bytes());
                }
                assert_eq!(client.connects(), 1);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(server.stats().frames, 800);
        server.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn late_reply_is_never_matched_to_the_next_message() {
    bounded(async {
        let server = Server::bind("127.0.0.1:0", ServerConfig::default(), echo)
            .await
            .unwrap();
        let mut c = config();
        c.response_timeout = Duration::from_millis(500);
        let mut client = Client::connect(server.local_addr(), c).await.unwrap();
        let err = client.request(b"slow").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout(Phase::Response));
        assert!(!client.is_connected());
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let reply = client.request(b"next").await.unwrap();
        assert_eq!(&reply.raw()[4..], b"next");
        assert_eq!(client.connects(), 2);
        server.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn oversized_frame_stalled_peer_and_idle_close() {
    bounded(async {
        let mut sc = ServerConfig::default();
        sc.frame.max_frame = 1024;
        sc.idle_timeout = Duration::from_millis(300);
        let server = Server::bind("127.0.0.1:0", sc, echo).await.unwrap();
        let mut raw = tokio::net::TcpStream::connect(server.local_addr())
            .await
            .unwrap();
        let mut wire = vec![0x0b];
        wire.extend(std::iter::repeat(b'x').take(8192));
        wire.extend_from_slice(b"\x1c\r\x0bsmall\x1c\r\x0bstalled mid-fr");
        raw.write_all(&wire).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        // Read the one reply, then the close after the idle timeout.
        for _ in 0..100 {
            let n = raw.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"\x0bACK:small\x1c\r");
        let stats = server.stats();
        assert_eq!(stats.framing_errors, 1);
        assert_eq!(stats.idle_closed, 1);
        server.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn store_handler_answers_duplicates_from_the_store() {
    bounded(async {
        let store = Arc::new(MemoryStore::new());
        let key = |m: &[u8]| Some(MessageKey::new("peer", bytes::Bytes::copy_from_slice(m)));
        let handler = StoreHandler::new(Arc::clone(&store), key, echo);
        let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)
            .await
            .unwrap();
        let mut client = Client::connect(server.local_addr(), config())
            .await
            .unwrap();
        for _ in 0..3 {
            let reply = client.request(b"same").await.unwrap();
            assert_eq!(&reply.raw()[4..], b"same");
        }
        assert_eq!(store.messages().len(), 1);
        server.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn max_connections_refuses_extra_peers() {
    bounded(async {
        let mut sc = ServerConfig::default();
        sc.max_connections = 1;
        let server = Server::bind("127.0.0.1:0", sc, echo).await.unwrap();
        let mut first = Client::connect(server.local_addr(), config())
            .await
            .unwrap();
        first.request(b"a").await.unwrap();
        let mut second = Client::connect(server.local_addr(), config())
            .await
            .unwrap();
        assert!(second.request(b"b").await.is_err());
        first.request(b"c").await.unwrap();
        assert!(server.stats().refused >= 1);
        server.shutdown().await;
    })
    .await;
}

#[cfg(feature = "hl7")]
mod hl7_modes {
    use super::*;
    use carewire_hl7::{AckCode, MessageBuf};
    use carewire_mllp::hl7::{AckHandler, AckMode};

    fn adt(id: &str, msh15_16: &str) -> Vec<u8> {
        format!(
            "MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|{id}|P|2.5.1|||{msh15_16}\r\
             PID|1||12345^^^HOSP^MR||Doe^Jane||19800101|F\r"
        )
        .into_bytes()
    }

    fn msa2(ack: &carewire_mllp::hl7::Ack) -> String {
        let m = ack.message().unwrap().view();
        m.get_str("MSA-2").unwrap().unwrap_or_default().into_owned()
    }

    #[tokio::test]
    async fn enhanced_mode_commit_then_application_ack() {
        bounded(async {
            let handler =
                AckHandler::new(|_m: &MessageBuf, _p: Peer| AckCode::Ae).mode(AckMode::Enhanced);
            let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)
                .await
                .unwrap();
            let mut client = Client::connect(server.local_addr(), config())
                .await
                .unwrap();
            let ack = client.send_message(&adt("T1", "AL|AL")).await.unwrap();
            assert_eq!(ack.code(), AckCode::Ae);
            let commit = ack.commit().unwrap();
            assert_eq!(commit.code(), AckCode::Ca);
            assert_eq!((msa2(&ack), msa2(commit)), ("T1".into(), "T1".into()));
            let ack = client.send_message(&adt("T2", "AL|NE")).await.unwrap();
            assert_eq!((ack.code(), msa2(&ack)), (AckCode::Ca, "T2".into()));
            let ack = client.send_message(&adt("T3", "ER|AL")).await.unwrap();
            assert_eq!((ack.code(), ack.commit().is_none()), (AckCode::Ae, true));
            let ack = client.send_message(&adt("T4", "")).await.unwrap();
            assert_eq!((ack.code(), msa2(&ack)), (AckCode::Ae, "T4".into()));
            assert_eq!(client.connects(), 1);
            // The application ACK after a conditional MSH-16 is never taken for the
            // next message's.
            let ack = client.send_message(&adt("T5", "AL|ER")).await.unwrap();
            assert_eq!(ack.code(), AckCode::Ca);
            tokio::time::sleep(Duration::from_millis(100)).await;
            let ack = client.send_message(&adt("T6", "AL|NE")).await.unwrap();
            assert_eq!((ack.code(), msa2(&ack)), (AckCode::Ca, "T6".into()));
            assert_eq!(client.connects(), 2);
            server.shutdown().await;
        })
        .await;
    }

    #[tokio::test]
    async fn async_send_message_with_retry_parks_refused_messages() {
        use carewire_mllp::blocking::{NegativeAck, RetryPolicy, Undelivered};
        bounded(async {
            let handler = AckHandler::new(|m: &MessageBuf, _p: Peer| {
                match m.view().header().control_id().as_deref() {
                    Some("BAD") => AckCode::Ae,
                    _ => AckCode::Aa,
                }
            });
            let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)
                .await
                .unwrap();
            let parked: Parked = Arc::default();
            let mut cc = config();
            let sink = Arc::clone(&parked);
            cc.dead_letter = Some(Arc::new(move |m: &[u8], why: &Undelivered, n: u32| {
                sink.lock().unwrap().push((m.to_vec(), why.clone(), n));
            }));
            let mut client = Client::connect(server.local_addr(), cc).await.unwrap();
            let mut policy = RetryPolicy::default();
            policy.initial_backoff = Duration::from_millis(5);
            policy.max_attempts = 2;
            policy.retry_on_error = true;
            let ack = client
                .send_message_with_retry(&adt("GOOD", ""), &policy)
                .await
                .unwrap();
            assert_eq!(ack.code(), AckCode::Aa);
            let ack = client
                .send_message_with_retry(&adt("BAD", ""), &policy)
                .await
                .unwrap();
            assert_eq!(ack.code(), AckCode::Ae);
            assert_eq!(
                *parked.lock().unwrap(),
                vec![(
                    adt("BAD", ""),
                    Undelivered::Refused(NegativeAck::ApplicationError),
                    2
                )]
            );
            server.shutdown().await;
        })
        .await;
    }

    #[tokio::test]
    async fn immediate_mode_answers_aa() {
        bounded(async {
            let handler =
                AckHandler::new(|_m: &MessageBuf, _p: Peer| AckCode::Ar).mode(AckMode::Immediate);
            let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)
                .await
                .unwrap();
            let mut client = Client::connect(server.local_addr(), config())
                .await
                .unwrap();
            for (id, modes) in [("I1", ""), ("I2", "AL|AL")] {
                let ack = client.send_message(&adt(id, modes)).await.unwrap();
                assert_eq!((ack.code(), msa2(&ack)), (AckCode::Aa, id.to_owned()));
                assert!(ack.commit().is_none());
            }
            server.shutdown().await;
        })
        .await;
    }
}

#[tokio::test]
async fn async_retries_end_in_the_dead_letter_hook() {
    use carewire_mllp::blocking::{RetryPolicy, Undelivered};
    bounded(async {
        let handler = |frame: Frame, p: Peer| match frame.raw() {
            b"nak" => Reply::Frame(Frame::CommitNak),
            _ => echo(frame, p),
        };
        let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)
            .await
            .unwrap();
        let parked: Parked = Arc::default();
        let mut cc = config();
        let sink = Arc::clone(&parked);
        cc.dead_letter = Some(Arc::new(move |m: &[u8], why: &Undelivered, n: u32| {
            sink.lock().unwrap().push((m.to_vec(), why.clone(), n));
        }));
        let mut client = Client::connect(server.local_addr(), cc).await.unwrap();
        let mut policy = RetryPolicy::default();
        policy.initial_backoff = Duration::from_millis(5);
        policy.max_attempts = 4;
        let ok = client.request_with_retry(b"fine", &policy).await.unwrap();
        assert_eq!(&ok.raw()[4..], b"fine");
        let err = client
            .request_with_retry(b"nak", &policy)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Nak);
        assert_eq!(
            *parked.lock().unwrap(),
            vec![(
                b"nak".to_vec(),
                Undelivered::Failed(ErrorKind::Nak.into()),
                4
            )]
        );
        server.shutdown().await;
    })
    .await;
}

/// What a dead-letter hook was handed: message, reason, attempts.
type Parked =
    std::sync::Arc<std::sync::Mutex<Vec<(Vec<u8>, carewire_mllp::blocking::Undelivered, u32)>>>;
