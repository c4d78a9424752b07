//! X12 validation and acknowledgments over any bytes: validation never panics and every
//! issue points inside the input; the 999 and TA1 answering the document parse with no
//! envelope finding, and the 999 reads back with one AK2 per transaction set.
#![no_main]

use carewire_x12::{
    validate, write_999, write_ta1, Ack999, AckOptions, Document, SequentialControlNumbers,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    let report = validate(&doc);
    for i in report.issues() {
        assert!(i.offset <= data.len(), "issue offset inside the input");
        let _ = i.to_string();
        let _ = format!("{i:?}");
    }
    let opts = AckOptions::new("240102", "0800");
    let ta1 = write_ta1(&doc, &opts, &mut SequentialControlNumbers::default());
    if let Ok(ta1) = ta1 {
        let back = Document::parse(&ta1).expect("TA1 parses");
        assert!(
            back.findings().is_empty(),
            "TA1 findings {:?}",
            back.findings()
        );
    }
    let Ok(ack) = write_999(
        &doc,
        &report,
        &opts,
        &mut SequentialControlNumbers::default(),
    ) else {
        return; // an echoed value holds a delimiter of the answer
    };
    if ack.is_empty() {
        return;
    }
    let back = Document::parse(&ack).expect("999 parses");
    assert!(
        back.findings().is_empty(),
        "999 findings {:?}",
        back.findings()
    );
    let sets: usize = doc
        .interchanges()
        .flat_map(|i| {
            i.groups()
                .map(|g| g.transaction_set_count())
                .collect::<Vec<_>>()
        })
        .sum();
    let read: usize = back
        .interchanges()
        .flat_map(|i| i.groups().collect::<Vec<_>>())
        .flat_map(|g| g.transaction_sets().collect::<Vec<_>>())
        .map(|s| Ack999::from_set(&s).map_or(0, |a| a.sets.len()))
        .sum();
    assert_eq!(read, sets, "one AK2 per transaction set");
    let _ = validate(&back);
});
