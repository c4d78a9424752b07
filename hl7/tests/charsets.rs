//! Character sets end to end: MSH-18 decides decoding, and in multi-byte sets whose
//! characters may contain delimiter bytes (Big5, GB 18030, ISO 2022 Japanese) the
//! scanner, the splitter, the escape decoder and the writer never cut a character.

use carewire_hl7::{Charset, Message, MessageBuilder, ParseConfig};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn encoded(charset: Charset, text: &str) -> Vec<u8> {
    charset
        .encode(text)
        .map(|c| c.into_owned())
        .unwrap_or_default()
}

#[test]
fn latin1_declared_in_msh18_is_decoded() -> Result {
    let mut input = b"MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5|||||DEU|8859/1\rPID|1||1||M".to_vec();
    input.extend_from_slice(&[
        0xFC, b'l', b'l', b'e', b'r', b'^', 0xC9, b'm', b'i', b'l', b'e',
    ]);
    let msg = Message::parse(&input)?;
    assert_eq!(msg.charset(), Charset::Latin1);
    assert_eq!(msg.get_str("PID-5.1")?.as_deref(), Some("Müller"));
    assert_eq!(msg.get_str("PID-5.2")?.as_deref(), Some("Émile"));
    Ok(())
}

#[test]
fn override_beats_a_lying_msh18() -> Result {
    let input =
        b"MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5|||||DEU|UNICODE UTF-8\rPID|1||1||M\xFCller";
    let lied = Message::parse(input)?;
    assert_eq!(lied.get_str("PID-5")?.as_deref(), Some("M\u{FFFD}ller"));
    let cfg = ParseConfig::default().charset_override(Charset::Latin1);
    let fixed = Message::parse_with(input, &cfg)?;
    assert_eq!(fixed.get_str("PID-5")?.as_deref(), Some("Müller"));
    Ok(())
}

#[test]
fn big5_trail_bytes_that_look_like_delimiters() -> Result {
    // 許功蓋 all end in 0x5C (`\`, the escape character); the given name is made of
    // characters whose trail byte is `|`, `^` or `~`.
    let family = "許功蓋";
    let bytes = encoded(Charset::Big5, family);
    assert!(bytes.contains(&b'\\'));
    let given = (0xA140u16..0xF9FE)
        .map(|c| [(c >> 8) as u8, c as u8])
        .filter(|b| b[1] == b'|' || b[1] == b'^' || b[1] == b'~')
        .filter_map(|b| {
            let (t, bad) = Charset::Big5.decode(&b);
            (!bad && t.chars().count() == 1).then(|| t.into_owned())
        })
        .take(3)
        .collect::<String>();
    assert_eq!(given.chars().count(), 3);
    let mut input = b"MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5|||||CHN|BIG-5\rPID|1||1||".to_vec();
    input.extend_from_slice(&bytes);
    input.push(b'^');
    input.extend_from_slice(&encoded(Charset::Big5, &given));
    input.extend_from_slice(b"|19800101\r");
    let msg = Message::parse(&input)?;
    assert_eq!(msg.charset(), Charset::Big5);
    assert_eq!(msg.get_str("PID-5.1")?.as_deref(), Some(family));
    assert_eq!(msg.get_str("PID-5.2")?.as_deref(), Some(given.as_str()));
    assert_eq!(msg.get_str("PID-6")?.as_deref(), Some("19800101"));

    // Writing: a value with such characters is escaped only where a real delimiter is.
    let mut b = MessageBuilder::from_message(&msg);
    b.charset(Charset::Big5);
    b.set("PID-5.3", &format!("{family}|x"))?;
    let out = b.to_bytes();
    let again = Message::parse(&out)?;
    assert_eq!(
        again.get_str("PID-5.3")?.as_deref(),
        Some(format!("{family}|x").as_str())
    );
    assert_eq!(again.get_str("PID-5.2")?.as_deref(), Some(given.as_str()));
    Ok(())
}

#[test]
fn gb18030_values_round_trip() -> Result {
    let name = "张伟^王";
    let mut b = MessageBuilder::new();
    b.charset(Charset::Gb18030);
    b.set("MSH-18", "GB 18030")?;
    b.set("PID-5.1", name)?;
    let out = b.to_bytes();
    let msg = Message::parse(&out)?;
    assert_eq!(msg.charset(), Charset::Gb18030);
    assert_eq!(msg.get_str("PID-5.1")?.as_deref(), Some(name));
    Ok(())
}

#[test]
fn unknown_charset_is_reported_and_default_used() -> Result {
    let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5|||||| KLINGON\rPID|1")?;
    assert_eq!(msg.charset(), Charset::Utf8);
    assert!(msg
        .diagnostics()
        .iter()
        .any(|d| d.kind == carewire_hl7::DiagnosticKind::UnknownCharset));
    Ok(())
}
