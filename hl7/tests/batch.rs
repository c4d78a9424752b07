//! Batch files (HL7 v2.x ch. 2.10.3): the streaming reader, the slice splitter and the
//! writer, on synthetic inputs and on the shared corpus.

use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use carewire_hl7::batch::{
    read_messages, BatchConfig, BatchDiagnosticKind, BatchItem, BatchReader, BatchWriter,
    Terminator, Trailer,
};
use carewire_hl7::{ErrorKind, Message, Result};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const M1: &[u8] = b"MSH|^~\\&|LAB|ACME|EHR|CLINIC|20240101080000||ORU^R01|1|P|2.5\rPID|1||42^^^MRN||Doe^Jane\rOBX|1|NM|GLU||6.3|mmol/l\r";
const M2: &[u8] =
    b"MSH|^~\\&|LAB|ACME|EHR|CLINIC|20240101080100||ORU^R01|2|P|2.5\rPID|1||43^^^MRN||Roe^Rich\r";

/// What a reader produced, in a form easy to compare.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    FileHeader,
    BatchHeader,
    Message(Vec<u8>),
    BatchTrailer(Option<u64>, usize),
    FileTrailer(Option<u64>, usize),
    Diagnostic(BatchDiagnosticKind),
    Error(ErrorKind),
}

fn seen<R: BufRead>(reader: BatchReader<R>) -> Vec<Seen> {
    reader
        .map(|item| match item {
            Ok(BatchItem::FileHeader(_)) => Seen::FileHeader,
            Ok(BatchItem::BatchHeader(_)) => Seen::BatchHeader,
            Ok(BatchItem::Message(m)) => Seen::Message(m.bytes().to_vec()),
            Ok(BatchItem::BatchTrailer(t)) => {
                Seen::BatchTrailer(t.declared_count(), t.actual_count())
            }
            Ok(BatchItem::FileTrailer(t)) => {
                Seen::FileTrailer(t.declared_count(), t.actual_count())
            }
            Ok(BatchItem::Diagnostic(d)) => Seen::Diagnostic(d.kind),
            Ok(_) => Seen::Error(ErrorKind::Empty),
            Err(e) => Seen::Error(e.kind()),
        })
        .collect()
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn with_terminator(msg: &[u8], term: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for seg in msg.split(|&b| b == b'\r').filter(|s| !s.is_empty()) {
        out.extend_from_slice(seg);
        out.extend_from_slice(term);
    }
    out
}

#[test]
fn fhs_bhs_bts_fts_file() {
    let input = concat(&[
        b"FHS|^~\\&|LAB|ACME\rBHS|^~\\&|LAB|ACME\r",
        M1,
        M2,
        b"BTS|2\rFTS|1\r",
    ]);
    assert_eq!(
        seen(BatchReader::new(&input[..])),
        [
            Seen::FileHeader,
            Seen::BatchHeader,
            Seen::Message(M1.to_vec()),
            Seen::Message(M2.to_vec()),
            Seen::BatchTrailer(Some(2), 2),
            Seen::FileTrailer(Some(1), 1),
        ]
    );
}

#[test]
fn header_segments_use_the_msh_numbering_rule() -> TestResult {
    let input: &[u8] =
        b"FHS|^~\\&|LAB|ACME^HOSP|||20240101\rBHS#^~\\&#X\rMSH|^~\\&|A\rBTS#1\rFTS|1\r";
    let items: Vec<BatchItem> = BatchReader::new(input).collect::<Result<_>>()?;
    let BatchItem::FileHeader(fhs) = &items[0] else {
        return Err("expected FHS".into());
    };
    assert_eq!(fhs.field(1).map(|f| f.raw()), Some(&b"|"[..]));
    assert_eq!(fhs.field(2).map(|f| f.raw()), Some(&b"^~\\&"[..]));
    assert_eq!(
        fhs.field(3).map(|f| f.to_string_decoded()).as_deref(),
        Some("LAB")
    );
    let hosp = fhs
        .field(4)
        .and_then(|f| f.component(2))
        .map(|c| c.to_string_decoded());
    assert_eq!(hosp.as_deref(), Some("HOSP"));
    assert_eq!(fhs.field_count(), 7);
    assert_eq!(fhs.offset(), 0);
    // BHS declares its own field separator; BTS inherits it.
    let BatchItem::BatchHeader(bhs) = &items[1] else {
        return Err("expected BHS".into());
    };
    assert_eq!(bhs.delimiters().field(), b'#');
    assert_eq!(bhs.field(3).map(|f| f.raw()), Some(&b"X"[..]));
    let BatchItem::BatchTrailer(bts) = &items[3] else {
        return Err("expected BTS".into());
    };
    assert_eq!((bts.declared_count(), bts.actual_count()), (Some(1), 1));
    assert!(bts.count_matches());
    // Debug shows structure, never values.
    let debug = format!("{items:?}");
    assert!(
        !debug.contains("ACME") && !debug.contains("HOSP"),
        "{debug}"
    );
    Ok(())
}

#[test]
fn bare_concatenation() {
    let input = concat(&[M1, M2, M1]);
    assert_eq!(
        seen(BatchReader::new(&input[..])),
        [
            Seen::Message(M1.to_vec()),
            Seen::Message(M2.to_vec()),
            Seen::Message(M1.to_vec())
        ]
    );
}

#[test]
fn lf_and_crlf_files_keep_their_terminators() {
    for term in [&b"\n"[..], b"\r\n"] {
        let m1 = with_terminator(M1, term);
        let m2 = with_terminator(M2, term);
        let header = with_terminator(b"FHS|^~\\&\rBHS|^~\\&\r", term);
        let trailer = with_terminator(b"BTS|2\rFTS|1\r", term);
        let input = concat(&[&header, &m1, &m2, &trailer]);
        // A tiny buffer makes CR and LF of CR LF land in different reads.
        for cap in [1, 2, 7, 8192] {
            let reader = BatchReader::new(BufReader::with_capacity(cap, &input[..]));
            assert_eq!(
                seen(reader),
                [
                    Seen::FileHeader,
                    Seen::BatchHeader,
                    Seen::Message(m1.clone()),
                    Seen::Message(m2.clone()),
                    Seen::BatchTrailer(Some(2), 2),
                    Seen::FileTrailer(Some(1), 1),
                ],
                "terminator {term:?}, buffer {cap}"
            );
        }
    }
}

#[test]
fn blank_lines_between_messages_stay_with_the_message() -> TestResult {
    let m1 = with_terminator(M1, b"\n");
    let m2 = with_terminator(M2, b"\n");
    let input = concat(&[&m1, b"\n\n", &m2]);
    let messages: Vec<_> = BatchReader::new(&input[..])
        .into_messages()
        .collect::<Result<_>>()?;
    assert_eq!(messages.len(), 2);
    assert_eq!(&messages[0].bytes()[..], &concat(&[&m1, b"\n\n"])[..]);
    assert_eq!(&messages[1].bytes()[..], &m2[..]);
    // The concatenation of everything read is the input.
    let all: Vec<u8> = messages.iter().flat_map(|m| m.bytes().to_vec()).collect();
    assert_eq!(all, input);
    Ok(())
}

#[test]
fn last_message_without_final_terminator() {
    let input = concat(&[M1, b"MSH|^~\\&|B\rPID|1"]);
    assert_eq!(
        seen(BatchReader::new(&input[..])),
        [
            Seen::Message(M1.to_vec()),
            Seen::Message(b"MSH|^~\\&|B\rPID|1".to_vec())
        ]
    );
}

#[test]
fn count_mismatch_is_flagged_and_strict_mode_rejects_it() -> TestResult {
    let input = concat(&[b"BHS|^~\\&\r", M1, M2, b"BTS|1\r"]);
    let trailers: Vec<Trailer> = BatchReader::new(&input[..])
        .filter_map(|i| match i {
            Ok(BatchItem::BatchTrailer(t)) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(trailers.len(), 1);
    let t = &trailers[0];
    assert_eq!((t.declared_count(), t.actual_count()), (Some(1), 2));
    assert!(!t.count_matches());
    let d = t.diagnostic().ok_or("no diagnostic")?;
    assert_eq!(d.kind, BatchDiagnosticKind::CountMismatch);
    assert_eq!(d.offset, (9 + M1.len() + M2.len()) as u64);

    let strict = seen(BatchReader::with_config(&input[..], BatchConfig::strict()));
    assert_eq!(
        strict,
        [
            Seen::BatchHeader,
            Seen::Message(M1.to_vec()),
            Seen::Message(M2.to_vec()),
            Seen::Error(ErrorKind::InvalidBatch),
        ]
    );
    let err = BatchReader::with_config(&input[..], BatchConfig::strict())
        .find_map(|i| i.err())
        .ok_or("no error")?;
    assert_eq!(err.offset(), d.offset as usize);
    assert_eq!(
        err.to_string(),
        format!("invalid batch structure at byte {}", d.offset)
    );
    Ok(())
}

#[test]
fn non_numeric_and_empty_counts() {
    let input = concat(&[b"BHS|^~\\&\r", M1, b"BTS|x\rBHS|^~\\&\r", M1, b"BTS\r"]);
    assert_eq!(
        seen(BatchReader::new(&input[..])),
        [
            Seen::BatchHeader,
            Seen::Message(M1.to_vec()),
            Seen::BatchTrailer(None, 1),
            Seen::BatchHeader,
            Seen::Message(M1.to_vec()),
            Seen::BatchTrailer(None, 1),
        ]
    );
    let mismatches: Vec<bool> = BatchReader::new(&input[..])
        .filter_map(|i| match i {
            Ok(BatchItem::BatchTrailer(t)) => Some(t.count_matches()),
            _ => None,
        })
        .collect();
    // "x" is a bad count; an empty BTS-1 declares nothing.
    assert_eq!(mismatches, [false, true]);
}

#[test]
fn unpaired_headers_and_trailers_are_reported() {
    let input = concat(&[b"FHS|^~\\&\rBHS|^~\\&\r", M1, b"BHS|^~\\&\r", M2]);
    assert_eq!(
        seen(BatchReader::new(&input[..])),
        [
            Seen::FileHeader,
            Seen::BatchHeader,
            Seen::Message(M1.to_vec()),
            Seen::Diagnostic(BatchDiagnosticKind::MissingBatchTrailer),
            Seen::BatchHeader,
            Seen::Message(M2.to_vec()),
            Seen::Diagnostic(BatchDiagnosticKind::MissingBatchTrailer),
            Seen::Diagnostic(BatchDiagnosticKind::MissingFileTrailer),
        ]
    );
    let input = concat(&[M1, b"BTS|1\rFTS|0\r"]);
    assert_eq!(
        seen(BatchReader::new(&input[..])),
        [
            Seen::Message(M1.to_vec()),
            Seen::Diagnostic(BatchDiagnosticKind::UnexpectedTrailer),
            Seen::BatchTrailer(Some(1), 1),
            Seen::Diagnostic(BatchDiagnosticKind::UnexpectedTrailer),
            Seen::FileTrailer(Some(0), 0),
        ]
    );
}

#[test]
fn stray_lines_before_the_first_message_are_skipped_and_reported() {
    let input = concat(&[b"/*\n * comment\n */\n", M1]);
    let items = seen(BatchReader::new(&input[..]));
    assert_eq!(
        items,
        [
            Seen::Diagnostic(BatchDiagnosticKind::StrayBytes),
            Seen::Message(M1.to_vec())
        ]
    );
    let strict = seen(BatchReader::with_config(&input[..], BatchConfig::strict()));
    assert_eq!(strict[0], Seen::Error(ErrorKind::StrayBytes));
}

#[test]
fn bom_at_file_start() {
    // Before MSH: kept with the message (its parser reports it).
    let input = concat(&[b"\xEF\xBB\xBF", M1, M2]);
    let items = seen(BatchReader::new(&input[..]));
    assert_eq!(
        items,
        [
            Seen::Message(concat(&[b"\xEF\xBB\xBF", M1])),
            Seen::Message(M2.to_vec())
        ]
    );
    // Before FHS: dropped and reported.
    let input = concat(&[b"\xEF\xBB\xBFFHS|^~\\&\r", M1, b"FTS|0\r"]);
    assert_eq!(
        seen(BatchReader::new(&input[..])),
        [
            Seen::Diagnostic(BatchDiagnosticKind::LeadingBom),
            Seen::FileHeader,
            Seen::Message(M1.to_vec()),
            Seen::FileTrailer(Some(0), 0),
        ]
    );
}

#[test]
fn oversize_line_is_an_error_and_the_reader_resynchronises() -> TestResult {
    let long = vec![b'x'; 5000];
    let input = concat(&[M1, b"MSH|^~\\&|A\rOBX|1|ED|||", &long, b"\rNTE|1\r", M2]);
    let config = BatchConfig::new().max_line_len(1024);
    let items = seen(BatchReader::with_config(
        BufReader::with_capacity(64, &input[..]),
        config.clone(),
    ));
    assert_eq!(
        items,
        [
            Seen::Message(M1.to_vec()),
            Seen::Error(ErrorKind::MessageTooLong { max: 1024 }),
            Seen::Message(M2.to_vec()),
        ]
    );
    let mut reader = BatchReader::with_config(&input[..], config);
    let err = reader.nth(1).ok_or("no item")?.err().ok_or("no error")?;
    assert_eq!(err.offset(), M1.len() + b"MSH|^~\\&|A\r".len());
    assert!(
        reader.buffer_capacity() < 4096,
        "{}",
        reader.buffer_capacity()
    );
    Ok(())
}

#[test]
fn oversize_message_is_an_error_and_the_reader_resynchronises() {
    let mut big = b"MSH|^~\\&|A\r".to_vec();
    for i in 0..100 {
        big.extend_from_slice(format!("OBX|{i}|ST|||some value\r").as_bytes());
    }
    let input = concat(&[M1, &big, M2]);
    let config = BatchConfig::new().max_message_len(1000);
    assert_eq!(
        seen(BatchReader::with_config(&input[..], config)),
        [
            Seen::Message(M1.to_vec()),
            Seen::Error(ErrorKind::MessageTooLong { max: 1000 }),
            Seen::Message(M2.to_vec()),
        ]
    );
}

#[test]
fn a_bad_message_does_not_stop_the_reader_and_still_counts() {
    let input = concat(&[b"BHS|^~\\&\r", M1, b"MSH|^^^^\rPID|1\r", M2, b"BTS|3\r"]);
    assert_eq!(
        seen(BatchReader::new(&input[..])),
        [
            Seen::BatchHeader,
            Seen::Message(M1.to_vec()),
            Seen::Error(ErrorKind::InvalidDelimiters),
            Seen::Message(M2.to_vec()),
            Seen::BatchTrailer(Some(3), 3),
        ]
    );
}

#[test]
fn message_errors_carry_stream_offsets() -> TestResult {
    let input = concat(&[M1, b"MSH|^~\\&\rPI!|1\r"]);
    let config = BatchConfig::new().parse_config(carewire_hl7::ParseConfig::strict());
    let err = BatchReader::with_config(&input[..], config)
        .find_map(|i| i.err())
        .ok_or("no error")?;
    assert_eq!(err.kind(), ErrorKind::InvalidSegmentId);
    assert_eq!(err.offset(), M1.len() + 9);
    Ok(())
}

/// A reader that fails after some bytes.
struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "gone"));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn io_errors_end_the_iteration() {
    // M1 is complete (the next message had begun); the cut-off one is not returned.
    let input = concat(&[M1, b"MSH|^~\\&|A"]);
    let items = seen(BatchReader::new(BufReader::with_capacity(
        16,
        Failing(&input),
    )));
    assert_eq!(
        items,
        [
            Seen::Message(M1.to_vec()),
            Seen::Error(ErrorKind::Io(io::ErrorKind::ConnectionReset)),
        ]
    );
    // Cut off inside a message: that message may be truncated, so only the error comes.
    let input = concat(&[M1, b"PID|2"]);
    let items = seen(BatchReader::new(BufReader::with_capacity(
        16,
        Failing(&input),
    )));
    assert_eq!(
        items,
        [Seen::Error(ErrorKind::Io(io::ErrorKind::ConnectionReset))]
    );
}

#[test]
fn read_messages_splits_zero_copy() -> TestResult {
    let input = concat(&[b"junk\r\nFHS|^~\\&\rBHS|^~\\&\r", M1, M2, b"BTS|2\rFTS|1\r"]);
    let mut it = read_messages(&input);
    let messages: Vec<Message<'_>> = it.by_ref().collect::<Result<_>>()?;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].as_bytes(), M1);
    assert_eq!(messages[1].as_bytes(), M2);
    // Zero-copy: the views point into the input.
    let base = input.as_ptr() as usize;
    let first = messages[0].as_bytes().as_ptr() as usize;
    assert!(first >= base && first < base + input.len());
    assert_eq!(it.diagnostics().len(), 1);
    assert_eq!(it.diagnostics()[0].kind, BatchDiagnosticKind::StrayBytes);
    assert_eq!(
        (it.diagnostics()[0].offset, it.diagnostics()[0].len),
        (0, 6)
    );
    Ok(())
}

#[test]
fn read_messages_agrees_with_the_reader() -> TestResult {
    let m1 = with_terminator(M1, b"\r\n");
    let inputs = [
        concat(&[M1, M2, M1]),
        concat(&[b"\xEF\xBB\xBF", M1, b"\r\r", M2]),
        concat(&[&m1, b"\r\n", &m1]),
        concat(&[b"FHS|^~\\&\r", M1, b"BTS|1\r", M2, b"FTS|0"]),
    ];
    for input in inputs {
        let a: Vec<Vec<u8>> = read_messages(&input)
            .map(|m| m.map(|m| m.as_bytes().to_vec()))
            .collect::<Result<_>>()?;
        let b: Vec<Vec<u8>> = BatchReader::new(&input[..])
            .into_messages()
            .map(|m| m.map(|m| m.bytes().to_vec()))
            .collect::<Result<_>>()?;
        assert_eq!(a, b);
    }
    Ok(())
}

#[test]
fn writer_round_trip() -> TestResult {
    let messages: Vec<Vec<u8>> = (0..25)
        .map(|i| {
            let term: &[u8] = [&b"\r"[..], b"\n", b"\r\n"][i % 3];
            with_terminator(
                format!(
                    "MSH|^~\\&|LAB|ACME|||2024||ORU^R01|{i}|P|2.5\rPID|1||{i}\rOBX|1|ST|||v{i}\r"
                )
                .as_bytes(),
                term,
            )
        })
        .collect();
    let mut w = BatchWriter::new(Vec::new());
    w.file_header(&["LAB", "ACME"])?;
    for (i, m) in messages.iter().enumerate() {
        if i % 10 == 0 {
            w.batch_header(&["LAB", "ACME", "", "", "", "", "", format!("B{i}").as_str()])?;
        }
        w.write_message_bytes(m)?;
    }
    assert_eq!(w.messages_written(), 25);
    let out = w.finish()?;
    assert!(
        out.ends_with(b"BTS|5\rFTS|3\r"),
        "{:?}",
        &out[out.len() - 12..]
    );

    let items: Vec<BatchItem> = BatchReader::new(&out[..]).collect::<Result<_>>()?;
    let read: Vec<Vec<u8>> = items
        .iter()
        .filter_map(|i| i.as_message().map(|m| m.bytes().to_vec()))
        .collect();
    assert_eq!(read, messages);
    let counts: Vec<(Option<u64>, usize)> = items
        .iter()
        .filter_map(|i| match i {
            BatchItem::BatchTrailer(t) | BatchItem::FileTrailer(t) => {
                Some((t.declared_count(), t.actual_count()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        counts,
        [(Some(10), 10), (Some(10), 10), (Some(5), 5), (Some(3), 3)]
    );
    assert!(!items.iter().any(|i| matches!(i, BatchItem::Diagnostic(_))));
    Ok(())
}

#[test]
fn writer_copies_a_batch_byte_exact() -> TestResult {
    let input = concat(&[b"FHS|^~\\&|LAB\rBHS|^~\\&|LAB\r", M1, M2, b"BTS|2\rFTS|1\r"]);
    let mut w = BatchWriter::new(Vec::new());
    for item in BatchReader::new(&input[..]) {
        match item? {
            BatchItem::FileHeader(s) | BatchItem::BatchHeader(s) => {
                w.write_header(&s)?;
            }
            BatchItem::Message(m) => {
                w.write_message(&m.view())?;
            }
            _ => {}
        }
    }
    assert_eq!(w.finish()?, input);
    Ok(())
}

#[test]
fn writer_rules() -> TestResult {
    // FHS must come first.
    let mut w = BatchWriter::new(Vec::new());
    w.write_message_bytes(M1)?;
    let e = w.file_header(&[]).err().map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::InvalidBatch));
    // Header values cannot hold the field separator or a terminator.
    let mut w = BatchWriter::new(Vec::new());
    let e = w
        .batch_header(&["ok", "a|b"])
        .err()
        .map(|e| (e.kind(), e.offset()));
    assert_eq!(e, Some((ErrorKind::InvalidEdit, 1)));
    // A message holding a batch segment would be split by a reader.
    let e = w
        .write_message_bytes(b"MSH|^~\\&\rPID|1\rBTS|1\r")
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::InvalidBatch));
    // A missing final terminator is added in the message's style; LF for headers on request.
    let mut w = BatchWriter::new(Vec::new()).with_terminator(Terminator::Lf);
    w.batch_header(&[])?;
    w.write_message_bytes(b"MSH|^~\\&|A\nPID|1")?;
    w.write_message_bytes(b"MSH|^~\\&|B")?;
    w.batch_header(&[])?;
    assert_eq!(
        w.finish()?,
        b"BHS|^~\\&\nMSH|^~\\&|A\nPID|1\nMSH|^~\\&|B\nBTS|2\nBHS|^~\\&\nBTS|0\n"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Bounded memory
// ---------------------------------------------------------------------------------------

/// Generates `total` bytes of concatenated messages without holding them.
struct Generator {
    produced: u64,
    total: u64,
    pending: Vec<u8>,
    at: usize,
    n: u64,
}

impl Generator {
    fn new(total: u64) -> Generator {
        Generator {
            produced: 0,
            total,
            pending: b"FHS|^~\\&|GEN\rBHS|^~\\&|GEN\r".to_vec(),
            at: 0,
            n: 0,
        }
    }
}

impl Read for Generator {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.pending.len() {
            self.pending.clear();
            self.at = 0;
            if self.produced >= self.total {
                if self.n == u64::MAX {
                    return Ok(0);
                }
                self.pending
                    .extend_from_slice(format!("BTS|{}\rFTS|1\r", self.n).as_bytes());
                self.n = u64::MAX;
            } else {
                self.n += 1;
                let n = self.n;
                self.pending.extend_from_slice(
                    format!("MSH|^~\\&|GEN|HOSP|||20240101||ORU^R01|{n}|P|2.5\rPID|1||{n}^^^MRN||Doe^John\r")
                        .as_bytes(),
                );
                for k in 0..(n % 20) {
                    self.pending.extend_from_slice(
                        format!("OBX|{k}|NM|GLU^Glucose^LN||{n}.{k}|mmol/l|3.1-6.2|N|||F\r")
                            .as_bytes(),
                    );
                }
                if n % 1000 == 0 {
                    // Now and then a larger embedded value (16 KiB on one line).
                    self.pending
                        .extend_from_slice(b"OBX|99|ED|PDF||^AP^^Base64^");
                    self.pending.resize(self.pending.len() + (16 << 10), b'A');
                    self.pending.push(b'\r');
                }
            }
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        self.produced += n as u64;
        Ok(n)
    }
}

#[test]
fn a_long_stream_is_read_with_bounded_memory() -> TestResult {
    // 50 MiB of messages generated on the fly (about 1 s in a debug build).
    let total: u64 = 50 << 20;
    let mut reader = BatchReader::new(BufReader::with_capacity(64 << 10, Generator::new(total)));
    let mut messages = 0u64;
    let mut max_capacity = 0;
    let mut last_trailer = None;
    while let Some(item) = reader.next() {
        match item? {
            BatchItem::Message(m) => {
                messages += 1;
                if m.view().segment_count() < 2 {
                    return Err("short message".into());
                }
            }
            BatchItem::BatchTrailer(t) => {
                last_trailer = Some((t.declared_count(), t.actual_count()))
            }
            _ => {}
        }
        max_capacity = max_capacity.max(reader.buffer_capacity());
    }
    assert!(reader.position() >= total);
    assert!(messages > 10_000, "{messages}");
    assert_eq!(last_trailer, Some((Some(messages), messages as usize)));
    // One line plus one message (≤ 17 KiB + 1.3 KiB here), with allocator slack.
    assert!(
        max_capacity < 128 << 10,
        "buffers grew to {max_capacity} bytes"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The shared corpus
// ---------------------------------------------------------------------------------------

fn corpus_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CAREWIRE_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    p.is_dir().then_some(p)
}

#[test]
fn corpus_batch_files() -> TestResult {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipping corpus_batch_files: corpus not found (set CAREWIRE_CORPUS)");
        return Ok(());
    };
    let dir = dir.join("hl7/batch");
    // (file, messages, batch trailers as (declared, actual), file trailers)
    type Expected = (
        &'static str,
        usize,
        &'static [(Option<u64>, usize)],
        &'static [(Option<u64>, usize)],
    );
    let expected: [Expected; 5] = [
        ("hl7rust__batch.hl7", 2, &[(Some(2), 2)], &[(Some(1), 1)]),
        (
            "msfc__BundleToHl7v2.hl7",
            2,
            &[(Some(1), 2)],
            &[(Some(1), 1)],
        ),
        ("hapi__messages.hl7", 18, &[], &[]),
        ("hapi__example_oml_o21.hl7", 13, &[], &[]),
        ("nhapi__OML_O21_messages.hl7", 7, &[], &[]),
    ];
    let mut total = 0;
    for (name, n, bts, fts) in expected {
        let bytes = std::fs::read(dir.join(name))?;
        let items: Vec<BatchItem> = BatchReader::new(&bytes[..]).collect::<Result<_>>()?;
        let messages: Vec<&[u8]> = items
            .iter()
            .filter_map(|i| i.as_message().map(|m| &m.bytes()[..]))
            .collect();
        assert_eq!(messages.len(), n, "{name}");
        let batch_trailers: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                BatchItem::BatchTrailer(t) => Some((t.declared_count(), t.actual_count())),
                _ => None,
            })
            .collect();
        let file_trailers: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                BatchItem::FileTrailer(t) => Some((t.declared_count(), t.actual_count())),
                _ => None,
            })
            .collect();
        assert_eq!(batch_trailers, bts, "{name}");
        assert_eq!(file_trailers, fts, "{name}");
        // Everything the reader yields, in order, is the file byte for byte (only stray
        // lines outside messages are left out, and they are reported with their length).
        let mut rebuilt = Vec::new();
        let mut stray = 0;
        for item in &items {
            match item {
                BatchItem::FileHeader(s) | BatchItem::BatchHeader(s) => {
                    rebuilt.extend_from_slice(s.as_bytes())
                }
                BatchItem::BatchTrailer(t) | BatchItem::FileTrailer(t) => {
                    rebuilt.extend_from_slice(t.segment().as_bytes())
                }
                BatchItem::Message(m) => rebuilt.extend_from_slice(m.bytes()),
                BatchItem::Diagnostic(d) if d.kind == BatchDiagnosticKind::StrayBytes => {
                    stray += d.len as usize;
                }
                _ => {}
            }
        }
        assert_eq!(rebuilt.len() + stray, bytes.len(), "{name}");
        // The zero-copy splitter finds the same messages.
        let sliced: Vec<&[u8]> = read_messages(&bytes)
            .map(|m| m.map(|m| m.as_bytes()))
            .collect::<Result<_>>()?;
        assert_eq!(sliced, messages, "{name}");
        // Reading through a tiny buffer changes nothing.
        let small: Vec<Vec<u8>> = BatchReader::new(BufReader::with_capacity(3, &bytes[..]))
            .into_messages()
            .map(|m| m.map(|m| m.bytes().to_vec()))
            .collect::<Result<_>>()?;
        assert_eq!(small, messages, "{name}");
        total += messages.len();
    }
    assert_eq!(total, 42);
    Ok(())
}

#[test]
fn corpus_count_mismatch_in_strict_mode() -> TestResult {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipping corpus_count_mismatch_in_strict_mode: corpus not found");
        return Ok(());
    };
    let bytes = std::fs::read(dir.join("hl7/batch/msfc__BundleToHl7v2.hl7"))?;
    let config = BatchConfig::strict().parse_config(carewire_hl7::ParseConfig::new());
    let errors: Vec<ErrorKind> = BatchReader::with_config(&bytes[..], config)
        .filter_map(|i| i.err().map(|e| e.kind()))
        .collect();
    assert_eq!(errors, [ErrorKind::InvalidBatch]);
    Ok(())
}
