//! X12 loop builder over any bytes: every segment of every transaction set with a guide
//! lands in exactly one loop, loop instances nest inside their parents and cover their
//! segments, and each finding points inside the set.
#![no_main]

use carewire_x12::Document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    for ich in doc.interchanges() {
        for group in ich.groups() {
            for set in group.transaction_sets() {
                let Some(tree) = set.loops() else { continue };
                let n = set.segment_count();
                let nodes = tree.nodes();
                for i in 0..n {
                    let node = tree.node_of(i).expect("every segment has a loop");
                    let nd = nodes.get(node).expect("node index in range");
                    assert!(
                        nd.first_segment() <= i && i < nd.end_segment(),
                        "loop covers its segment"
                    );
                    assert!(!tree.loop_of(i).is_empty());
                    let _ = tree.path_of(i);
                }
                assert!(tree.node_of(n).is_none());
                for (k, nd) in nodes.iter().enumerate() {
                    if let Some(p) = nd.parent() {
                        assert!(p < k, "parents come first");
                        let parent = &nodes[p];
                        assert!(parent.first_segment() <= nd.first_segment());
                        assert!(
                            nd.end_segment() <= parent.end_segment(),
                            "child inside parent"
                        );
                    }
                    assert!(nd.end_segment() <= n.max(1));
                }
                for f in tree.findings() {
                    assert!(f.position < n, "finding inside the set");
                    let _ = f.kind.to_string();
                }
            }
        }
    }
});
