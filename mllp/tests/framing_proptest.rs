//! Any sequence of frames, cut into any chunks, decodes to the same frames; any bytes,
//! cut into any chunks, give the same results (frames, errors and counters) as one read.
#![allow(clippy::unwrap_used)]

use bytes::{Bytes, BytesMut};
use carewire_mllp::{
    DecoderStats, Error, Frame, FrameConfig, FrameDecoder, FrameEncoder, COMMIT_ACK, COMMIT_NAK,
};
use proptest::prelude::*;

/// Feeds `input` to a decoder in chunks of the given sizes (cycled), then ends the stream.
fn decode_chunked(
    config: &FrameConfig,
    input: &[u8],
    chunks: &[usize],
) -> (Vec<Result<Frame, Error>>, DecoderStats) {
    let mut dec = FrameDecoder::with_config(config.clone()).unwrap();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < input.len() {
        let n = chunks
            .get(i % chunks.len().max(1))
            .copied()
            .unwrap_or(1)
            .max(1);
        let end = (pos + n).min(input.len());
        buf.extend_from_slice(&input[pos..end]);
        pos = end;
        i += 1;
        // Bounded: each call either consumes bytes or returns None.
        for _ in 0..=input.len() + 1 {
            match dec.decode(&mut buf) {
                Ok(Some(f)) => out.push(Ok(f)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
    }
    for _ in 0..=input.len() + 1 {
        match dec.decode_eof(&mut buf) {
            Ok(Some(f)) => out.push(Ok(f)),
            Ok(None) => break,
            Err(e) => out.push(Err(e)),
        }
    }
    assert!(
        buf.is_empty(),
        "everything is consumed at the end of the stream"
    );
    (out, dec.stats())
}

fn content() -> impl Strategy<Value = Vec<u8>> {
    // Any bytes but the start and end byte, with extra CR and LF; sometimes a commit
    // block's single byte. (Mapping plain bytes is much cheaper than filtering.)
    let bytes = prop::collection::vec(any::<u8>(), 0..160).prop_map(|v| {
        v.into_iter()
            .map(|b| match b {
                0x0b | 0x1c | 0xf0..=0xf7 => b'\r',
                0xf8..=0xfb => b'\n',
                _ => b,
            })
            .collect()
    });
    prop_oneof![
        8 => bytes,
        1 => Just(vec![COMMIT_ACK]),
        1 => Just(vec![COMMIT_NAK]),
    ]
}

fn noise() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..8).prop_map(|v| {
        v.into_iter()
            .map(|b| match b {
                0x0b | 0xf0..=0xf7 => b'\r',
                0xf8..=0xfb => b'\n',
                0xfc..=0xff => 0x1c,
                _ => b,
            })
            .collect()
    })
}

/// How a frame ends on the wire: the standard CR, CR LF, LF, or nothing.
fn trailer() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        4 => Just(&b"\r"[..]),
        1 => Just(&b"\r\n"[..]),
        1 => Just(&b"\n"[..]),
        1 => Just(&b""[..]),
    ]
}

fn classify(content: &[u8]) -> Frame {
    match content {
        [COMMIT_ACK] => Frame::CommitAck,
        [COMMIT_NAK] => Frame::CommitNak,
        _ => Frame::Data(Bytes::copy_from_slice(content)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn frames_survive_any_chunking(
        frames in prop::collection::vec((noise(), content(), trailer()), 0..12),
        tail in noise(),
        chunks in prop::collection::vec(1usize..64, 1..16),
    ) {
        let mut wire = Vec::new();
        for (noise, content, trailer) in &frames {
            wire.extend_from_slice(noise);
            wire.push(0x0b);
            wire.extend_from_slice(content);
            wire.push(0x1c);
            wire.extend_from_slice(trailer);
        }
        wire.extend_from_slice(&tail);
        let (got, stats) = decode_chunked(&FrameConfig::default(), &wire, &chunks);
        let expected: Vec<Result<Frame, Error>> =
            frames.iter().map(|(_, c, _)| Ok(classify(c))).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(stats.frames, frames.len() as u64);
    }

    #[test]
    fn encoder_output_decodes_to_its_input(
        payloads in prop::collection::vec(content(), 0..12),
        chunks in prop::collection::vec(1usize..64, 1..16),
        strict in any::<bool>(),
    ) {
        let config = if strict { FrameConfig::strict() } else { FrameConfig::default() };
        let enc = FrameEncoder::with_config(config.clone()).unwrap();
        let mut wire = BytesMut::new();
        for p in &payloads {
            enc.encode(p, &mut wire).unwrap();
        }
        let (got, stats) = decode_chunked(&config, &wire, &chunks);
        let expected: Vec<Result<Frame, Error>> = payloads.iter().map(|c| Ok(classify(c))).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(stats.noise_bytes, 0);
    }

    #[test]
    fn any_bytes_decode_the_same_in_any_chunks(
        input in prop::collection::vec(
            prop_oneof![
                6 => any::<u8>(),
                2 => Just(0x0bu8),
                2 => Just(0x1cu8),
                2 => Just(b'\r'),
                1 => Just(b'\n'),
            ],
            0..400,
        ),
        chunks in prop::collection::vec(1usize..32, 1..16),
        max_frame in 1usize..40,
        strict in any::<bool>(),
    ) {
        let mut config = if strict { FrameConfig::strict() } else { FrameConfig::default() };
        config.max_frame = max_frame;
        let whole = decode_chunked(&config, &input, &[input.len().max(1)]);
        let chunked = decode_chunked(&config, &input, &chunks);
        let bytewise = decode_chunked(&config, &input, &[1]);
        prop_assert_eq!(&chunked, &whole);
        prop_assert_eq!(&bytewise, &whole);
        for item in &whole.0 {
            match item {
                Ok(f) => prop_assert!(f.raw().len() <= max_frame),
                Err(e) => prop_assert!(e.offset().is_some_and(|o| o < input.len() as u64)),
            }
        }
    }
}

/// A large frame arriving in small reads is scanned once: were it rescanned on every read,
/// this would examine about 8 GiB instead of 8 MiB.
#[test]
fn large_frame_in_small_reads_is_linear() {
    let body = vec![b'x'; 8 << 20];
    let mut wire = vec![0x0b];
    wire.extend_from_slice(&body);
    wire.extend_from_slice(b"\x1c\r");
    let started = std::time::Instant::now();
    let (got, _) = decode_chunked(&FrameConfig::default(), &wire, &[4096]);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].as_ref().map(|f| f.raw().len()).ok(),
        Some(body.len())
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
