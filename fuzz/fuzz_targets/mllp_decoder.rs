//! Decode any bytes as an MLLP stream (lenient or strict, small or default limit, chosen
//! by the first byte) in one read and in reads of a size chosen by the second byte: both
//! give the same frames and errors, no frame exceeds the limit, nothing is left buffered
//! at the end, and every data frame re-encodes and decodes to itself.
#![no_main]

use bytes::BytesMut;
use carewire_mllp::{Error, Frame, FrameConfig, FrameDecoder, FrameEncoder};
use libfuzzer_sys::fuzz_target;

fn run(config: &FrameConfig, input: &[u8], chunk: usize) -> Vec<Result<Frame, Error>> {
    let mut dec = match FrameDecoder::with_config(config.clone()) {
        Ok(d) => d,
        Err(_) => return Vec::new(),
    };
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(f)) => out.push(Ok(f)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
        assert!(buf.len() <= config.max_frame + 2 + chunk);
    }
    loop {
        match dec.decode_eof(&mut buf) {
            Ok(Some(f)) => out.push(Ok(f)),
            Ok(None) => break,
            Err(e) => out.push(Err(e)),
        }
    }
    assert!(buf.is_empty());
    out
}

fuzz_target!(|data: &[u8]| {
    let (Some(&mode), Some(&chunk)) = (data.first(), data.get(1)) else {
        return;
    };
    let input = &data[2..];
    let mut config = if mode & 1 == 0 {
        FrameConfig::default()
    } else {
        FrameConfig::strict()
    };
    if mode & 2 != 0 {
        config.max_frame = usize::from(mode >> 2) + 1;
    }
    let whole = run(&config, input, input.len().max(1));
    let chunked = run(&config, input, usize::from(chunk) + 1);
    assert_eq!(whole, chunked);
    let enc = FrameEncoder::with_config(config.clone()).unwrap_or_default();
    for item in &whole {
        if let Ok(frame) = item {
            assert!(frame.raw().len() <= config.max_frame);
            let mut wire = BytesMut::new();
            if enc.encode_frame(frame, &mut wire).is_ok() {
                let again = run(&config, &wire, wire.len());
                assert_eq!(again.len(), 1);
                assert_eq!(again[0].as_ref().ok(), Some(frame));
            }
        }
    }
});
