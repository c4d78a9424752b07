//! Crash safety of the file store: a log cut at any byte (a crash during an append)
//! reopens with every record written wholly before the cut, and nothing else; any
//! bytes after the header open as a store or fail with a store error, never a panic.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use carewire_mllp::store::{FileStore, MessageKey, MessageStore};
use carewire_mllp::{ErrorKind, Frame};
use proptest::prelude::*;

fn records() -> impl Strategy<Value = Vec<(Option<u8>, Vec<u8>)>> {
    prop::collection::vec(
        (
            prop::option::of(any::<u8>()),
            prop::collection::vec(any::<u8>(), 0..40),
        ),
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_log_cut_anywhere_keeps_the_whole_records_before_the_cut(
        recs in records(),
        cut_fraction in 0.0f64..1.0,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        let mut ends = Vec::new();
        let mut committed = Vec::new();
        for (i, (key, msg)) in recs.iter().enumerate() {
            // Distinct keys (index in the control id) so every record is stored.
            let key = key.map(|k| MessageKey::new("S", Bytes::from(format!("{k}-{i}"))));
            store.commit(key.as_ref(), msg, &[Frame::CommitAck]).unwrap();
            ends.push(std::fs::metadata(store.path()).unwrap().len());
            committed.push(msg.clone());
        }
        let path = store.path().to_owned();
        drop(store);
        let full = std::fs::read(&path).unwrap();
        let header = 8usize;
        let cut = header + ((full.len() - header) as f64 * cut_fraction) as usize;
        std::fs::write(&path, &full[..cut]).unwrap();
        let kept = ends.iter().filter(|&&e| e as usize <= cut).count();

        let store = FileStore::open(dir.path()).unwrap();
        let got: Vec<Vec<u8>> = store.messages().unwrap().into_iter().map(|m| m.message.to_vec()).collect();
        prop_assert_eq!(&got[..], &committed[..kept]);
        // Appends go on after the cut-off tail.
        store.commit(None, b"after", &[Frame::CommitNak]).unwrap();
        drop(store);
        let store = FileStore::open(dir.path()).unwrap();
        prop_assert_eq!(store.len() as usize, kept + 1);
    }

    #[test]
    fn a_torn_append_written_out_of_order_is_cut_off(
        recs in records(),
        garbage in prop::collection::vec(1u8..=255, 1..64),
    ) {
        // The last append's first bytes never reached the disk, later ones did.
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        for (i, (_, msg)) in recs.iter().enumerate() {
            let key = MessageKey::new("S", Bytes::from(i.to_string()));
            store.commit(Some(&key), msg, &[Frame::CommitAck]).unwrap();
        }
        let path = store.path().to_owned();
        drop(store);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&[0u8; 16]);
        bytes.extend_from_slice(&garbage);
        std::fs::write(&path, &bytes).unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        prop_assert_eq!(store.len() as usize, recs.len());
    }

    #[test]
    fn any_bytes_after_the_header_open_or_fail_cleanly(
        tail in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let dir = tempfile::tempdir().unwrap();
        drop(FileStore::open(dir.path()).unwrap());
        let path = dir.path().join("messages.log");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&tail);
        std::fs::write(&path, &bytes).unwrap();
        match FileStore::open(dir.path()) {
            Ok(store) => prop_assert!(store.messages().is_ok()),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Store),
        }
    }
}
