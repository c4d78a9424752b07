//! Parse any bytes as a message (lenient and strict), walk every value at every level and
//! decode it; escaping then unescaping any text gives the text back.
#![no_main]

use carewire_hl7::{escape, unescape, DecodeOptions, Message, ParseConfig, Path};
use libfuzzer_sys::fuzz_target;

fn walk(msg: &Message<'_>) {
    let _ = msg.header().message_type();
    let _ = msg.header().control_id();
    let mut diagnostics = Vec::new();
    for seg in msg.segments() {
        let _ = seg.id_str();
        assert!(seg.raw().len() >= seg.id().len());
        for (i, field) in seg.fields().enumerate() {
            let _ = field.decoded();
            let _ = field.decode_report(&DecodeOptions::render(), Some(&mut diagnostics));
            for rep in field.repetitions() {
                for comp in rep.components() {
                    for sub in comp.subcomponents() {
                        let _ = sub.decoded();
                        let _ = sub.unescaped();
                        let _ = sub.state();
                    }
                }
            }
            // Path access agrees with the iterators (first occurrence of the segment only;
            // paths name segments in upper case).
            if let Ok(path) = Path::parse(&format!("{}-{}", seg.id_str(), i + 1)) {
                if path.segment() == seg.id()
                    && msg.find(seg.id(), 1).map(|s| s.position()) == Some(seg.position())
                {
                    let by_path = msg.get(&path).map(|v| v.raw());
                    assert_eq!(by_path, Some(field.raw()));
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::parse(data) {
        assert_eq!(msg.as_bytes(), data);
        walk(&msg);
        let owned = msg.to_owned_buf();
        assert_eq!(owned.view().segment_count(), msg.segment_count());
        let _ = format!("{msg:?}");
    }
    if let Ok(msg) = Message::parse_with(data, &ParseConfig::strict()) {
        walk(&msg);
    }
    // escape/unescape round trip with the delimiters of the message (or the defaults).
    let delims = Message::parse(data)
        .map(|m| m.delimiters())
        .unwrap_or_default();
    if delims.escape().is_some() {
        let escaped = escape(data, &delims);
        let back = unescape(&escaped, &delims, &DecodeOptions::default(), None, 0);
        assert_eq!(&*back, data);
    }
});
