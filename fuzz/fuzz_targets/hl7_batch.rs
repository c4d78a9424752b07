//! BatchReader over any bytes: no panic, bounded buffers, nothing lost (every byte is in an
//! item or reported), agreement with read_messages, and a writer round trip.
#![no_main]

use std::io::BufReader;

use carewire_hl7::batch::{
    read_messages, BatchConfig, BatchDiagnosticKind, BatchItem, BatchReader, BatchWriter,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&knob, input)) = data.split_first() else {
        return;
    };

    // 1. Small limits, tiny buffers, lenient or strict: no panic, buffers stay bounded.
    let max_line = 16 + usize::from(knob & 0x3F) * 8;
    let max_msg = 64 + usize::from(knob >> 6) * 256;
    let mut config = if knob & 0x40 != 0 {
        BatchConfig::strict()
    } else {
        BatchConfig::new()
    };
    config = config.max_line_len(max_line).max_message_len(max_msg);
    let cap = 1 + usize::from(knob % 13);
    let mut reader = BatchReader::with_config(BufReader::with_capacity(cap, input), config);
    let bound = 2 * (max_line + 2) + 2 * max_msg + 64;
    while let Some(item) = reader.next() {
        if let Ok(BatchItem::Message(m)) = &item {
            assert!(m.bytes().len() <= max_msg);
            let _ = format!("{m:?}");
        }
        assert!(
            reader.buffer_capacity() <= bound,
            "buffers grew past the bound"
        );
    }
    assert_eq!(reader.position(), input.len() as u64);

    // 2. Default limits: every byte is accounted for, and read_messages agrees.
    let items: Vec<_> = BatchReader::new(BufReader::with_capacity(cap, input)).collect();
    if items.iter().any(|i| i.is_err()) {
        return;
    }
    let mut total = 0u64;
    let mut messages = Vec::new();
    for item in items.iter().flatten() {
        match item {
            BatchItem::FileHeader(s) | BatchItem::BatchHeader(s) => {
                total += s.as_bytes().len() as u64
            }
            BatchItem::BatchTrailer(t) | BatchItem::FileTrailer(t) => {
                total += t.segment().as_bytes().len() as u64
            }
            BatchItem::Message(m) => {
                total += m.bytes().len() as u64;
                messages.push(m.clone());
            }
            BatchItem::Diagnostic(d) => {
                if matches!(
                    d.kind,
                    BatchDiagnosticKind::StrayBytes | BatchDiagnosticKind::LeadingBom
                ) {
                    total += d.len;
                }
            }
            _ => {}
        }
    }
    assert_eq!(total, input.len() as u64, "bytes lost");
    let sliced: Vec<&[u8]> = read_messages(input)
        .filter_map(|m| m.ok().map(|m| m.as_bytes()))
        .collect();
    let streamed: Vec<&[u8]> = messages.iter().map(|m| &m.bytes()[..]).collect();
    assert_eq!(sliced, streamed, "read_messages disagrees with BatchReader");

    // 3. Write the messages into a batch and read them back.
    let mut w = BatchWriter::new(Vec::new());
    w.batch_header(&["FUZZ"]).expect("header");
    let mut expected = Vec::new();
    for m in &messages {
        let view = m.view();
        if w.write_message(&view).is_err() {
            return;
        }
        let mut body = view.as_bytes()[view.prefix().len()..].to_vec();
        if !body.ends_with(b"\r") && !body.ends_with(b"\n") {
            let term: &[u8] = match body.iter().position(|&b| b == b'\r' || b == b'\n') {
                Some(i) if body[i] == b'\n' => b"\n",
                Some(i) if body.get(i + 1) == Some(&b'\n') => b"\r\n",
                _ => b"\r",
            };
            body.extend_from_slice(term);
        }
        expected.push(body);
    }
    let out = w.finish().expect("finish");
    let mut back = Vec::new();
    let mut trailers = 0;
    for item in BatchReader::new(&out[..]) {
        match item.expect("written batch reads back") {
            BatchItem::Message(m) => back.push(m.bytes().to_vec()),
            BatchItem::BatchTrailer(t) => {
                trailers += 1;
                assert!(t.count_matches());
                assert_eq!(t.actual_count(), expected.len());
            }
            BatchItem::Diagnostic(d) => panic!("diagnostic on written batch: {d}"),
            _ => {}
        }
    }
    assert_eq!(trailers, 1);
    assert_eq!(back, expected);
});
