//! parse → MessageBuilder::from_message → to_bytes is the input byte for byte → parse again
//! gives the same segments; then set one value, re-parse, and read it back.
#![no_main]

use carewire_hl7::{Message, MessageBuilder, Path};
use libfuzzer_sys::fuzz_target;

const TEXT: &str = "a|b^c~d\\e&f#g";

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = Message::parse(data) else {
        return;
    };
    let builder = MessageBuilder::from_message(&msg);
    let bytes = builder.to_bytes();
    assert_eq!(
        bytes, data,
        "unmodified message must be written byte for byte"
    );
    let again = Message::parse(&bytes).expect("written bytes parse");
    assert_eq!(again.segment_count(), msg.segment_count());

    // Edit one value, chosen from the input, and read it back.
    let n = msg.segment_count();
    let pick = data
        .iter()
        .fold(0usize, |a, &b| a.wrapping_mul(31).wrapping_add(b as usize));
    let seg = match msg.segment(pick % n) {
        Some(s) => s,
        None => return,
    };
    let field = 3 + (pick / n) % 6;
    let component = 1 + (pick / (n * 6)) % 3;
    let Ok(path) = Path::parse(&format!("{}-{}.{}", seg.id_str(), field, component)) else {
        return;
    };
    // Only edit the first occurrence of an identifier a path can name (paths are upper case).
    if path.segment() != seg.id()
        || msg.find(seg.id(), 1).map(|s| s.position()) != Some(seg.position())
    {
        return;
    }
    let d = msg.delimiters();
    if d.escape().is_none() || d.component().is_none() {
        return;
    }
    let mut edited = MessageBuilder::from_message(&msg);
    if edited.set_path(&path, TEXT).is_err() {
        return;
    }
    let out = edited.to_bytes();
    let reparsed = Message::parse(&out).expect("edited message parses");
    assert_eq!(
        reparsed.segment_count(),
        msg.segment_count(),
        "segment count changed"
    );
    let value = reparsed.get(&path).map(|v| v.to_string_decoded());
    assert_eq!(value.as_deref(), Some(TEXT), "value set is read back");
    // Every other segment is untouched.
    for (a, b) in msg.segments().zip(reparsed.segments()) {
        if a.position() != seg.position() {
            assert_eq!(a.raw(), b.raw());
        }
    }
});
