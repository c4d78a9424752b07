//! Inputs the fuzz targets in `fuzz/` found, each named for what broke, with the input as
//! the fuzzer wrote it (or minimised). See `fuzz/README.md`.

use carewire_hl7::{ErrorKind, Message, MessageBuilder, Path};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// `hl7_roundtrip`, crash-c199edf8: MSH-2 declares 0xC4 as the component separator and
/// MSH-18 is GB 18030, where 0xC4 always begins a two-byte character. The reader therefore
/// never splits on it, but the builder joined components with it, so a value set at MSH-3.3
/// did not read back. The builder now refuses such edits (`Unencodable`); reading and
/// writing unmodified bytes are unchanged.
#[test]
fn builder_refuses_delimiters_gb18030_cannot_express() -> TestResult {
    let input: &[u8] = CRASH_C199;
    let msg = Message::parse(input)?;
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), input);
    let mut b = MessageBuilder::from_message(&msg);
    let e = b.set("MSH-3.3", "a|b^c~d\\e&f#g").err().map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::Unencodable));
    assert_eq!(b.to_bytes(), input, "a refused edit changes nothing");

    // The same with a readable message.
    let input: &[u8] = b"MSH|\xc4~\\&|A|||||||||||||||GB 18030\rPID|1|x\xc4y\r";
    let msg = Message::parse(input)?;
    assert_eq!(
        msg.get_str("PID-2.2")?,
        None,
        "0xC4 is not a component separator here"
    );
    let mut b = MessageBuilder::from_message(&msg);
    let e = b.set("PID-3.2", "z").err().map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::Unencodable));
    // With ASCII delimiters the same character set edits fine.
    let input: &[u8] = b"MSH|^~\\&|A|||||||||||||||GB 18030\rPID|1\r";
    let mut b = MessageBuilder::from_message(&Message::parse(input)?);
    b.set("PID-3.2", "z")?;
    let out = b.to_bytes();
    assert_eq!(
        Message::parse(&out)?.get_str("PID-3.2")?.as_deref(),
        Some("z")
    );
    Ok(())
}

const CRASH_C199: &[u8] = b"MSH|\xc4^~\\&#|A|B|||2024|1|B|||202|A|B|9||2\xef\xbb\xbf50\x08\xff\xff\xff\xff\xff\xff\xff1|GB 18030|.\x0a\x0d\x1a_________\x14__^____        ^\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa\xfa_[_________M^O1\x00\xcb\x00\x00\x00\x00\x00\x0002|5\x1d;OR\xbcd#";

/// `hl7_parse`, crash-222887e6 (minimised): a segment identifier in lower case (`iSA`, read
/// leniently with a diagnostic) is not named by a path, because paths name segments in upper
/// case (`Path::parse("iSA-1")` is `ISA-1`). Pinned so a change is deliberate.
#[test]
fn lowercase_segment_id_is_not_named_by_an_upper_case_path() -> TestResult {
    let msg = Message::parse(b"\xef\xbb\xbfMSH|^~\\&|A\r\niSA|AA|MSGP0002\r")?;
    let path = Path::parse("iSA-1")?;
    assert_eq!(path.segment(), b"ISA");
    assert!(msg.find(b"iSA", 1).is_some());
    assert_eq!(msg.get(&path), None);
    Ok(())
}

/// `hl7_roundtrip`, crash-43a84743 (minimised): setting `Zw1-4.3` on a message whose segment
/// is `Zw1` appends a new `ZW1` segment (the path names `ZW1`) and leaves `Zw1` untouched.
#[test]
fn builder_addresses_lowercase_ids_in_upper_case() -> TestResult {
    let msg = Message::parse(b"MSH|^~\\&\rZw1\r")?;
    let mut b = MessageBuilder::from_message(&msg);
    b.set("Zw1-4.3", "x")?;
    assert_eq!(b.to_bytes(), b"MSH|^~\\&\rZw1\rZW1||||^^x\r");
    Ok(())
}

/// `hl7_roundtrip`, crash-d89e5c4a (minimised): in a GB 18030 message a field ending in a
/// lone lead byte (0x8B) swallows the `|` the builder wrote after it (0x8B 0x7C is one
/// character), so a value set in a later field did not read back. The builder now checks
/// that an edited segment splits back into the fields it wrote, and refuses (and undoes) the
/// edit otherwise; the same holds for an ISO 2022 value left in two-byte mode.
#[test]
fn builder_refuses_to_write_after_a_field_ending_inside_a_character() -> TestResult {
    for input in [
        &b"MSH|^~\\&||||||||||||||||GB 18030\rPID|1|x\x8b"[..],
        b"MSH|^~\\&||||||||||||||||ISO IR87\rPID|1|\x1b$B\x30\x21\r",
    ] {
        let msg = Message::parse(input)?;
        let mut b = MessageBuilder::from_message(&msg);
        let e = b.set("PID-8.2", "a").err().map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::Unencodable), "{input:?}");
        assert_eq!(b.to_bytes(), input, "a refused edit changes nothing");
        // An edit that writes no separator after the broken field is fine.
        b.set("PID-2", "y")?;
        let out = b.to_bytes();
        assert_eq!(
            Message::parse(&out)?.get_str("PID-2")?.as_deref(),
            Some("y")
        );
    }
    Ok(())
}

/// Found while fixing the above: an edit refused by the nested-value check
/// (`InvalidEdit` for a repetition the message cannot express) used to leave the segment
/// padded with the empty fields created on the way.
#[test]
fn refused_edit_leaves_the_message_unchanged() -> TestResult {
    let input: &[u8] = b"MSH|^\rPID|1\r"; // no repetition separator declared
    let msg = Message::parse(input)?;
    let mut b = MessageBuilder::from_message(&msg);
    let e = b.set("PID-9[2]", "x").err().map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::InvalidEdit));
    assert_eq!(b.to_bytes(), input);
    Ok(())
}

/// `hl7_roundtrip`, crash-8bea51aa (minimised): MSH-2 of a GB 18030 message ends in a lead
/// byte (0x86, an ignored sixth encoding character). The scanner splits MSH byte-wise (its
/// MSH-18 is not known yet), but the builder split it as GB 18030, where 0x86 swallowed the
/// next `|`; setting MSH-3.1 then changed what a reader sees as MSH-4. The builder now
/// splits MSH byte-wise too.
#[test]
fn builder_splits_msh_byte_wise_like_the_scanner() -> TestResult {
    let input: &[u8] = b"MSH|^~\\&#\x86|A|B||||||||||||||GB 18030\rPID|1\r";
    let msg = Message::parse(input)?;
    assert_eq!(msg.charset(), carewire_hl7::Charset::Gb18030);
    assert_eq!(msg.get_str("MSH-4")?.as_deref(), Some("B"));
    let mut b = MessageBuilder::from_message(&msg);
    b.set("MSH-3.1", "X")?;
    let out = b.to_bytes();
    let again = Message::parse(&out)?;
    assert_eq!(again.get_str("MSH-3.1")?.as_deref(), Some("X"));
    assert_eq!(again.get_str("MSH-4")?.as_deref(), Some("B"));
    Ok(())
}

/// `hl7_roundtrip`, crash-e62d5a22 (minimised): MSH-2 declares ESC (0x1B) as the escape
/// character and MSH-18 is ISO IR87 (ISO 2022). There ESC always begins an escape sequence,
/// so the reader never sees it as the HL7 escape character and the builder's `\F\`-style
/// escapes (written with ESC) did not decode. Such edits are now refused, as for GB 18030.
#[test]
fn builder_refuses_esc_as_a_delimiter_in_iso2022() -> TestResult {
    let input: &[u8] = b"MSH|~\\\x1b/|A|||||||||||||||ISO IR87\rPID|1\r";
    let msg = Message::parse(input)?;
    assert_eq!(msg.delimiters().escape(), Some(0x1b));
    let mut b = MessageBuilder::from_message(&msg);
    let e = b.set("PID-3", "a|b").err().map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::Unencodable));
    assert_eq!(b.to_bytes(), input);
    Ok(())
}
