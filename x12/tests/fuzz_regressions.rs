//! Inputs the fuzzer found, named for what broke, with the minimised input inline.

use carewire_x12::{write_with, Delimiters, Document, ErrorKind, LineEnding, SegmentReader};

/// A second "ISA" that did not read as a header (kept as an ordinary segment) had its
/// 11th and 16th elements rewritten as if they were delimiters, and once re-delimited it
/// read as a header that swallowed the next segment.
#[test]
fn non_header_isa_is_not_rewritten_as_a_header() {
    let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~ISA*00*  0001**T*:~ISA*00* 050*1200*^*00501*0*T*:*0~";
    let doc = Document::parse(input).unwrap();
    assert_eq!(doc.interchange_count(), 1);
    let fallback = doc.segment(1).unwrap();
    assert_eq!(fallback.id(), b"ISA");
    assert!(!fallback.is_interchange_header());
    assert!(doc.segment(0).unwrap().is_interchange_header());
    // Its elements split like any segment's.
    assert_eq!(fallback.element(5).unwrap().component_count_of_first(), 2);
    let d = Delimiters::new(b'|', b'>', Some(b'!'), b'\n').unwrap();
    let err = write_with(&doc, d, LineEnding::None, Vec::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSegmentId);
    assert_eq!(err.offset(), fallback.offset());
}

/// A segment of two NUL bytes followed by more segments was a segment in the input, but
/// written last with LF terminators it read as NUL padding at the end of the file.
#[test]
fn nul_only_segment_is_not_rewritten_as_padding() {
    let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~IEA*0*000000001~\0\0~\r\n";
    let doc = Document::parse(input).unwrap();
    assert_eq!(doc.segment_count(), 3);
    let d = Delimiters::new(b'|', b'>', Some(b'!'), b'\n').unwrap();
    let err = write_with(&doc, d, LineEnding::None, Vec::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSegmentId);
    assert_eq!(err.offset(), doc.segment(2).unwrap().offset());
    // At the very end, after the last terminator, NUL padding is a trailer.
    let padded = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~IEA*0*000000001~\0\0\x1A";
    assert_eq!(Document::parse(padded).unwrap().segment_count(), 2);
}

/// The streaming reader decided "is this an ISA header?" with only four bytes buffered
/// when a segment started exactly at the end of its buffer; the slice parser sees the
/// separator after ISA01 as well (`ISA*000*` is not a header), so they disagreed.
#[test]
fn stream_and_slice_agree_on_isa_at_a_buffer_boundary() {
    let mut input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~"
        .to_vec();
    // The reader's first fill is 424 bytes (four ISA lengths): end a segment exactly there.
    input.extend_from_slice(b"NTE*");
    input.extend(std::iter::repeat(b'A').take(424 - input.len() - 1));
    input.push(b'~');
    assert_eq!(input.len(), 424);
    input.extend_from_slice(b"ISA*000*1*2*3*4*5*6*7*8*9*A*B*C*D*E*:~IEA*0*000000001~");
    let doc = Document::parse(&input).unwrap();
    let streamed: Vec<_> = SegmentReader::new(&input[..]).collect();
    assert_eq!(streamed.len(), doc.segment_count());
    for (s, d) in streamed.iter().zip(doc.segments()) {
        let s = s.as_ref().unwrap();
        assert_eq!(s.raw(), d.raw());
        assert_eq!(s.is_interchange_header(), d.is_interchange_header());
    }
    assert!(!doc.segment(2).unwrap().is_interchange_header());
}

/// An "ISA" whose sixteenth element began exactly at the edge of the 424-byte window the
/// reader looks in: the slice parser read ISA16 and the terminator past the window (and
/// took a 425-byte header) while the streaming reader, which buffers only the window,
/// did not. Both now look only inside the window.
#[test]
fn isa16_past_the_window_is_not_a_header_in_either_reader() {
    let mut input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~"
        .to_vec();
    let p = input.len();
    input.extend_from_slice(b"ISA|00|");
    for _ in 0..13 {
        input.extend_from_slice(b"X|");
    }
    input.extend(std::iter::repeat(b'Y').take(390));
    input.push(b'|');
    assert_eq!(input.len(), p + 424);
    input.extend_from_slice(b">~IEA*0*000000001~");
    let doc = Document::parse(&input).unwrap();
    assert_eq!(doc.interchange_count(), 1);
    assert!(!doc.segment(1).unwrap().is_interchange_header());
    let streamed: Vec<_> = SegmentReader::new(std::io::BufReader::with_capacity(3, &input[..]))
        .map(|s| s.unwrap())
        .collect();
    assert_eq!(streamed.len(), doc.segment_count());
    for (s, d) in streamed.iter().zip(doc.segments()) {
        assert_eq!(s.raw(), d.raw());
        assert_eq!(s.is_interchange_header(), d.is_interchange_header());
    }
}

/// A segment `ISA\xFF...` (identifier longer than `ISA`, so not caught as a non-header
/// `ISA`) started like a header with 0xFF as separator; re-delimited, the bytes after it
/// changed and it read as a header.
#[test]
fn segment_that_starts_like_a_header_is_not_re_delimited() {
    let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~ISA\xFF00\xFF*1~IEA*0*000000001~";
    let doc = Document::parse(input).unwrap();
    let odd = doc.segment(1).unwrap();
    assert!(!odd.is_interchange_header());
    let d = Delimiters::new(b'|', b'>', Some(b'!'), b'\n').unwrap();
    let err = write_with(&doc, d, LineEnding::None, Vec::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSegmentId);
    assert_eq!(err.offset(), odd.offset());
}

trait FirstCount {
    fn component_count_of_first(&self) -> usize;
}

impl FirstCount for carewire_x12::Element<'_> {
    fn component_count_of_first(&self) -> usize {
        self.repetition(1).map_or(0, |r| r.component_count())
    }
}

/// `x12_validate`: an inbound ISA15 that is not a usage indicator (`@`) was echoed into
/// the TA1 interchange, whose own ISA15 was then invalid.
#[test]
fn acknowledgment_does_not_echo_an_invalid_usage_indicator() {
    use carewire_x12::{validate, write_999, write_ta1, AckOptions, SequentialControlNumbers};
    let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000042*0*@*:~GS*HP*S*R*20240101*1200*1*X*005010X221A1~\
ST*835*0001*005010X221A1~SE*2*0001~GE*1*1~IEA*1*000000042~";
    let doc = Document::parse(input).unwrap();
    let opts = AckOptions::new("240102", "0800");
    let ta1 = write_ta1(&doc, &opts, &mut SequentialControlNumbers::default()).unwrap();
    let back = Document::parse(&ta1).unwrap();
    assert!(back.findings().is_empty(), "{:?}", back.findings());
    assert_eq!(back.segment(0).unwrap().raw_element(15), b"P");
    let ack = write_999(
        &doc,
        &validate(&doc),
        &opts,
        &mut SequentialControlNumbers::default(),
    )
    .unwrap();
    assert!(Document::parse(&ack).unwrap().findings().is_empty());
}
