//! Acknowledgments (HL7 v2.x ch. 2.9, 2.14.1 MSA, 2.14.5 ERR).

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::datatypes::dtm_utc;
use crate::error::{Location, Result};
use crate::message::{Message, MessageBuf};
use crate::write::MessageBuilder;

/// MSA-1 acknowledgment code (HL7 table 0008).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// Original mode: application accept.
    Aa,
    /// Original mode: application error.
    Ae,
    /// Original mode: application reject.
    Ar,
    /// Enhanced mode: commit accept.
    Ca,
    /// Enhanced mode: commit error.
    Ce,
    /// Enhanced mode: commit reject.
    Cr,
}

impl AckCode {
    /// The code as sent in MSA-1.
    pub fn as_str(self) -> &'static str {
        match self {
            AckCode::Aa => "AA",
            AckCode::Ae => "AE",
            AckCode::Ar => "AR",
            AckCode::Ca => "CA",
            AckCode::Ce => "CE",
            AckCode::Cr => "CR",
        }
    }

    /// Parses `AA`, `AE`, `AR`, `CA`, `CE`, `CR` (case-insensitive).
    pub fn parse(s: &str) -> Option<AckCode> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "AA" => AckCode::Aa,
            "AE" => AckCode::Ae,
            "AR" => AckCode::Ar,
            "CA" => AckCode::Ca,
            "CE" => AckCode::Ce,
            "CR" => AckCode::Cr,
            _ => return None,
        })
    }

    /// True for AA and CA.
    pub fn is_accept(self) -> bool {
        matches!(self, AckCode::Aa | AckCode::Ca)
    }
}

impl fmt::Display for AckCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HL7 table 0357 message error condition codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 0 — message accepted.
    Accepted,
    /// 100 — segment sequence error.
    SegmentSequence,
    /// 101 — required field missing.
    RequiredFieldMissing,
    /// 102 — data type error.
    DataType,
    /// 103 — table value not found.
    TableValueNotFound,
    /// 104 — value too long (v2.6+).
    ValueTooLong,
    /// 200 — unsupported message type.
    UnsupportedMessageType,
    /// 201 — unsupported event code.
    UnsupportedEventCode,
    /// 202 — unsupported processing id.
    UnsupportedProcessingId,
    /// 203 — unsupported version id.
    UnsupportedVersionId,
    /// 204 — unknown key identifier.
    UnknownKeyIdentifier,
    /// 205 — duplicate key identifier.
    DuplicateKeyIdentifier,
    /// 206 — application record locked.
    ApplicationRecordLocked,
    /// 207 — application internal error.
    ApplicationInternalError,
}

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> u16 {
        match self {
            ErrorCode::Accepted => 0,
            ErrorCode::SegmentSequence => 100,
            ErrorCode::RequiredFieldMissing => 101,
            ErrorCode::DataType => 102,
            ErrorCode::TableValueNotFound => 103,
            ErrorCode::ValueTooLong => 104,
            ErrorCode::UnsupportedMessageType => 200,
            ErrorCode::UnsupportedEventCode => 201,
            ErrorCode::UnsupportedProcessingId => 202,
            ErrorCode::UnsupportedVersionId => 203,
            ErrorCode::UnknownKeyIdentifier => 204,
            ErrorCode::DuplicateKeyIdentifier => 205,
            ErrorCode::ApplicationRecordLocked => 206,
            ErrorCode::ApplicationInternalError => 207,
        }
    }

    /// The table 0357 description.
    pub fn description(self) -> &'static str {
        match self {
            ErrorCode::Accepted => "Message accepted",
            ErrorCode::SegmentSequence => "Segment sequence error",
            ErrorCode::RequiredFieldMissing => "Required field missing",
            ErrorCode::DataType => "Data type error",
            ErrorCode::TableValueNotFound => "Table value not found",
            ErrorCode::ValueTooLong => "Value too long",
            ErrorCode::UnsupportedMessageType => "Unsupported message type",
            ErrorCode::UnsupportedEventCode => "Unsupported event code",
            ErrorCode::UnsupportedProcessingId => "Unsupported processing id",
            ErrorCode::UnsupportedVersionId => "Unsupported version id",
            ErrorCode::UnknownKeyIdentifier => "Unknown key identifier",
            ErrorCode::DuplicateKeyIdentifier => "Duplicate key identifier",
            ErrorCode::ApplicationRecordLocked => "Application record locked",
            ErrorCode::ApplicationInternalError => "Application internal error",
        }
    }
}

/// ERR-4 severity (HL7 table 0516).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// E — error.
    Error,
    /// W — warning.
    Warning,
    /// I — information.
    Information,
}

impl Severity {
    /// The code as sent in ERR-4.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "E",
            Severity::Warning => "W",
            Severity::Information => "I",
        }
    }
}

/// One ERR segment: where (segment, sequence, field position) and what (table 0357).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckError {
    /// The location in the original message (segment id and 0-based position, field,
    /// repetition, component, subcomponent).
    pub location: Option<Location>,
    /// The table 0357 code.
    pub code: ErrorCode,
    /// Severity.
    pub severity: Severity,
}

/// Builds the acknowledgment of a message.
///
/// MSH sender and receiver are swapped, MSH-9 is `ACK^<event>^ACK`, MSH-10 is new,
/// MSH-11 and MSH-12 are copied, MSA-2 is the original MSH-10, and each error becomes
/// an ERR segment: ERR-2 (location), ERR-3 (table 0357 code), ERR-4 (severity) from
/// v2.5 on, ERR-1 (segment^sequence^field^code&text&HL70357) before.
///
/// # Examples
/// ```
/// use carewire_hl7::{AckCode, Message};
/// let msg = Message::parse(b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101120000||ADT^A01^ADT_A01|MSG1|P|2.5\r")?;
/// let ack = msg.ack(AckCode::Aa).control_id("ACK1").timestamp("20240101120001").build()?;
/// let ack = ack.view();
/// assert_eq!(ack.get_str("MSH-3")?.as_deref(), Some("LIS"));
/// assert_eq!(ack.get_str("MSH-5")?.as_deref(), Some("EMR"));
/// assert_eq!(ack.get_str("MSH-9")?.as_deref(), Some("ACK^A01^ACK"));
/// assert_eq!(ack.get_str("MSA-1")?.as_deref(), Some("AA"));
/// assert_eq!(ack.get_str("MSA-2")?.as_deref(), Some("MSG1"));
/// # Ok::<(), carewire_hl7::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct AckBuilder<'m> {
    msg: &'m Message<'m>,
    code: AckCode,
    control_id: Option<String>,
    timestamp: Option<String>,
    text: Option<String>,
    errors: Vec<AckError>,
}

impl<'m> Message<'m> {
    /// Starts an acknowledgment of this message with MSA-1 `code`.
    pub fn ack(&'m self, code: AckCode) -> AckBuilder<'m> {
        AckBuilder {
            msg: self,
            code,
            control_id: None,
            timestamp: None,
            text: None,
            errors: Vec::new(),
        }
    }
}

static ACK_COUNTER: AtomicU32 = AtomicU32::new(0);

fn now_parts() -> (u64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs(), d.subsec_millis())
}

impl<'m> AckBuilder<'m> {
    /// MSH-10 of the ACK (default: `ACK` + time + a process-wide counter, ≤ 20 chars).
    pub fn control_id(mut self, id: &str) -> Self {
        self.control_id = Some(id.to_owned());
        self
    }

    /// MSH-7 of the ACK (default: now, UTC).
    pub fn timestamp(mut self, dtm: &str) -> Self {
        self.timestamp = Some(dtm.to_owned());
        self
    }

    /// MSA-3 text message (deprecated in v2.4+, still read by many engines).
    pub fn text(mut self, text: &str) -> Self {
        self.text = Some(text.to_owned());
        self
    }

    /// Adds one ERR segment.
    pub fn error(mut self, error: AckError) -> Self {
        self.errors.push(error);
        self
    }

    /// Adds ERR segments.
    pub fn errors(mut self, errors: impl IntoIterator<Item = AckError>) -> Self {
        self.errors.extend(errors);
        self
    }

    /// The ACK as a builder, for further edits.
    ///
    /// # Errors
    /// Only when a value cannot be encoded (a text with characters outside the
    /// original message's character set).
    pub fn to_builder(&self) -> Result<MessageBuilder> {
        let msg = self.msg;
        let d = msg.delimiters();
        let mut b = MessageBuilder::with_delimiters(d);
        b.charset(msg.charset());
        let msh = msg.msh();
        let raw = |n: usize| msh.field(n).map(|f| f.raw().to_vec()).unwrap_or_default();
        // Sender and receiver swap (raw copies keep components and escapes as sent).
        b.set_raw("MSH-3", &raw(5))?;
        b.set_raw("MSH-4", &raw(6))?;
        b.set_raw("MSH-5", &raw(3))?;
        b.set_raw("MSH-6", &raw(4))?;
        let ts = match &self.timestamp {
            Some(t) => t.clone(),
            None => dtm_utc(now_parts().0),
        };
        b.set("MSH-7", &ts)?;
        b.set("MSH-9.1", "ACK")?;
        let event = msh
            .field(9)
            .and_then(|f| f.component(2))
            .map(|c| c.raw().to_vec())
            .unwrap_or_default();
        if !event.is_empty() {
            b.set_raw("MSH-9.2", &event)?;
            b.set("MSH-9.3", "ACK")?;
        }
        let id = match &self.control_id {
            Some(id) => id.clone(),
            None => {
                let (secs, millis) = now_parts();
                let n = ACK_COUNTER.fetch_add(1, Ordering::Relaxed) % 1000;
                format!("ACK{}{:03}{:03}", secs % 10_000_000_000, millis, n)
            }
        };
        b.set("MSH-10", &id)?;
        b.set_raw("MSH-11", &raw(11))?;
        b.set_raw("MSH-12", &raw(12))?;
        let charset = raw(18);
        if !charset.is_empty() {
            b.set_raw("MSH-18", &charset)?;
        }
        b.set("MSA-1", self.code.as_str())?;
        b.set_raw("MSA-2", &raw(10))?;
        if let Some(text) = &self.text {
            b.set("MSA-3", text)?;
        }
        let version = msg.header().version().unwrap_or_default();
        let v25_plus = version_at_least(&version, 2, 5);
        for (i, e) in self.errors.iter().enumerate() {
            let occ = i + 1;
            let p = |f: &str| format!("ERR[{occ}]-{f}");
            let num = |v: Option<usize>| v.map(|n| n.to_string()).unwrap_or_default();
            let code = e.code.code().to_string();
            if v25_plus {
                if let Some(loc) = &e.location {
                    b.set(&p("2.1"), loc.segment_id())?;
                    let parts = [
                        loc.segment_index().map(|i| i + 1),
                        loc.field(),
                        loc.repetition().or(loc.field().map(|_| 1)),
                        loc.component(),
                        loc.subcomponent(),
                    ];
                    for (k, v) in parts.iter().enumerate() {
                        if v.is_some() {
                            b.set(&p(&format!("2.{}", k + 2)), &num(*v))?;
                        }
                    }
                } else {
                    b.set_raw(&p("2"), b"")?;
                }
                b.set(&p("3.1"), &code)?;
                b.set(&p("3.2"), e.code.description())?;
                b.set(&p("3.3"), "HL70357")?;
                b.set(&p("4"), e.severity.as_str())?;
            } else {
                if let Some(loc) = &e.location {
                    b.set(&p("1.1"), loc.segment_id())?;
                    if let Some(i) = loc.segment_index() {
                        b.set(&p("1.2"), &num(Some(i + 1)))?;
                    }
                    if loc.field().is_some() {
                        b.set(&p("1.3"), &num(loc.field()))?;
                    }
                }
                b.set(&p("1.4.1"), &code)?;
                b.set(&p("1.4.2"), e.code.description())?;
                b.set(&p("1.4.3"), "HL70357")?;
            }
        }
        Ok(b)
    }

    /// Builds the ACK message.
    ///
    /// # Errors
    /// As [`AckBuilder::to_builder`].
    pub fn build(&self) -> Result<MessageBuf> {
        self.to_builder()?.build()
    }
}

/// True when `version` (e.g. `2.5.1`) is at least `major.minor`.
pub(crate) fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version.split('.').map(|p| p.trim().parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        (Some(a), None) => a > major,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORU: &[u8] = b"MSH|^~\\&|LAB^1.2.3^ISO|LABFAC|EMR|HOSP|20240101120000||ORU^R01^ORU_R01|C123|P|2.5.1|||AL|NE||8859/1\rPID|1||42^^^MRN\r";

    #[test]
    fn ack_swaps_and_copies() -> Result<()> {
        let msg = Message::parse(ORU)?;
        let ack = msg
            .ack(AckCode::Ae)
            .control_id("A1")
            .timestamp("20240101120001")
            .error(AckError {
                location: Some(Location::segment(b"PID", 1).with_field(3).with_component(1)),
                code: ErrorCode::RequiredFieldMissing,
                severity: Severity::Error,
            })
            .build()?;
        assert_eq!(
            ack.bytes().as_ref(),
            &b"MSH|^~\\&|EMR|HOSP|LAB^1.2.3^ISO|LABFAC|20240101120001||ACK^R01^ACK|A1|P|2.5.1||||||8859/1\rMSA|AE|C123\rERR||PID^2^3^1^1|101^Required field missing^HL70357|E\r"[..]
        );
        Ok(())
    }

    #[test]
    fn ack_before_v25_uses_err_1() -> Result<()> {
        let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|2024||ADT^A01|X9|P|2.3\r")?;
        let ack = msg
            .ack(AckCode::Ar)
            .control_id("Y")
            .timestamp("2024")
            .error(AckError {
                location: Some(Location::segment(b"MSH", 0).with_field(9)),
                code: ErrorCode::UnsupportedEventCode,
                severity: Severity::Error,
            })
            .build()?;
        let v = ack.view();
        assert_eq!(v.get_str("MSA-1")?.as_deref(), Some("AR"));
        assert_eq!(v.get_str("ERR-1.1")?.as_deref(), Some("MSH"));
        assert_eq!(v.get_str("ERR-1.4.1")?.as_deref(), Some("201"));
        Ok(())
    }

    #[test]
    fn default_control_id_and_time() -> Result<()> {
        let msg = Message::parse(ORU)?;
        let a = msg.ack(AckCode::Aa).build()?;
        let b = msg.ack(AckCode::Aa).build()?;
        let (a, b) = (a.view(), b.view());
        let (ida, idb) = (a.get_str("MSH-10")?, b.get_str("MSH-10")?);
        assert_ne!(ida, idb);
        assert!(ida.map_or(0, |s| s.len()) <= 20);
        assert_eq!(a.get_str("MSH-7")?.map(|s| s.len()), Some(19));
        Ok(())
    }

    #[test]
    fn dtm_utc_known_dates() {
        assert_eq!(dtm_utc(0), "19700101000000+0000");
        assert_eq!(dtm_utc(951_782_400), "20000229000000+0000");
        assert_eq!(dtm_utc(1_700_000_000), "20231114221320+0000");
    }

    #[test]
    fn codes() {
        assert_eq!(AckCode::parse("ce"), Some(AckCode::Ce));
        assert_eq!(AckCode::parse("XX"), None);
        assert!(version_at_least("2.5.1", 2, 5));
        assert!(!version_at_least("2.4", 2, 5));
        assert!(version_at_least("3", 2, 5));
    }
}
