//! HL7 glue (feature `hl7`): acknowledgments built by `carewire-hl7`, keys for duplicate
//! detection, and strict ACK correlation for the client.
//!
//! This module reads only the header fields needed to route and acknowledge (MSH-3,
//! MSH-4, MSH-10, MSA-1, MSA-2); MLLP itself stays ignorant of HL7 content.

use std::fmt;

use bytes::Bytes;
use carewire_hl7::{AckCode, Message, MessageBuf, MessageBuilder};

use crate::blocking::{Client, Handler, Peer, Reply};
use crate::codec::Frame;
use crate::error::{Error, ErrorKind, Result};
use crate::store::MessageKey;

fn field(msg: &Message<'_>, path: &str) -> Option<String> {
    msg.get_str(path)
        .ok()
        .flatten()
        .map(|v| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// MSH-10, the message control id, as decoded text (`None` when the message does not
/// parse or has none).
///
/// # Examples
/// ```
/// let msg = b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101||ADT^A01|MSG1|P|2.5\r";
/// assert_eq!(carewire_mllp::hl7::control_id(msg).as_deref(), Some("MSG1"));
/// ```
pub fn control_id(message: &[u8]) -> Option<String> {
    let msg = Message::parse(message).ok()?;
    field(&msg, "MSH-10")
}

/// The duplicate-detection key of a message: sender MSH-3 and MSH-4 (as sent, joined by
/// `|`) and control id MSH-10. `None` when the message does not parse or has no MSH-10.
///
/// # Examples
/// ```
/// let msg = b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101||ADT^A01|MSG1|P|2.5\r";
/// let key = carewire_mllp::hl7::message_key(msg).ok_or("no key")?;
/// assert_eq!(key.sender(), b"EMR|HOSP");
/// assert_eq!(key.control_id(), b"MSG1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn message_key(message: &[u8]) -> Option<MessageKey> {
    let msg = Message::parse(message).ok()?;
    let msh = msg.msh();
    let control_id = msh.field(10).map(|f| f.raw()).filter(|r| !r.is_empty())?;
    let mut sender = Vec::new();
    sender.extend_from_slice(msh.field(3).map(|f| f.raw()).unwrap_or_default());
    sender.push(b'|');
    sender.extend_from_slice(msh.field(4).map(|f| f.raw()).unwrap_or_default());
    Some(MessageKey::new(sender, Bytes::copy_from_slice(control_id)))
}

/// A partition key function for [`PartitionedHandler`](crate::partition::PartitionedHandler):
/// the raw value at `path` (e.g. `PID-3.1`, the patient identifier), so messages about
/// one patient are processed in order. Messages that do not parse or lack the value
/// have no key.
///
/// # Errors
/// `carewire_hl7`'s path error, mapped to [`ErrorKind::InvalidConfig`], when `path`
/// does not parse.
///
/// # Examples
/// ```
/// let key = carewire_mllp::hl7::field_key("PID-3.1")?;
/// let msg = b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101||ADT^A01|MSG1|P|2.5\rPID|1||12345^^^HOSP^MR\r";
/// assert_eq!(key(msg), Some(b"12345".to_vec()));
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
pub fn field_key(path: &str) -> Result<impl Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync + 'static> {
    let path: carewire_hl7::Path = path
        .parse()
        .map_err(|_| Error::new(ErrorKind::InvalidConfig))?;
    Ok(move |message: &[u8]| {
        let msg = Message::parse(message).ok()?;
        let value = msg.get(&path)?;
        let raw = value.raw();
        (!raw.is_empty()).then(|| raw.to_vec())
    })
}

/// An acknowledgment received by [`Client::send_message`].
#[derive(Clone)]
pub struct Ack {
    code: AckCode,
    message: Option<MessageBuf>,
}

impl Ack {
    /// MSA-1 of the HL7 ACK, or [`AckCode::Ca`] for an MLLP release 2 commit ACK block.
    pub fn code(&self) -> AckCode {
        self.code
    }

    /// True for AA and CA.
    pub fn is_accept(&self) -> bool {
        self.code.is_accept()
    }

    /// The HL7 ACK message (`None` for a commit ACK block).
    pub fn message(&self) -> Option<&MessageBuf> {
        self.message.as_ref()
    }
}

impl fmt::Debug for Ack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ack")
            .field("code", &self.code)
            .field("message", &self.message.as_ref().map(|m| m.bytes().len()))
            .finish()
    }
}

impl Client {
    /// Sends an HL7 message and waits for its acknowledgment: an HL7 ACK whose MSA-2
    /// equals the message's MSH-10, or an MLLP release 2 commit ACK block.
    ///
    /// The code is returned as received; AE, AR, CE and CR are not errors here.
    ///
    /// # Errors
    /// [`ErrorKind::MissingControlId`] when the message does not parse or has no MSH-10
    /// (nothing is sent); [`ErrorKind::AckMismatch`] when the response is not the ACK of
    /// this message (connection closed); [`ErrorKind::Nak`] for a commit NAK block;
    /// everything [`Client::request`] returns.
    ///
    /// # Examples
    /// ```
    /// use carewire_hl7::AckCode;
    /// use carewire_mllp::blocking::{Client, ClientConfig, Server, ServerConfig};
    /// use carewire_mllp::hl7::AckHandler;
    ///
    /// let server = Server::bind(
    ///     "127.0.0.1:0",
    ///     ServerConfig::default(),
    ///     AckHandler::new(|_msg, _peer| AckCode::Aa),
    /// )?;
    /// let mut client = Client::connect(server.local_addr(), ClientConfig::default())?;
    /// let ack = client.send_message(b"MSH|^~\\&|EMR|HOSP|LIS|LAB|20240101||ADT^A01|MSG1|P|2.5\r")?;
    /// assert_eq!(ack.code(), AckCode::Aa);
    /// # Ok::<(), carewire_mllp::Error>(())
    /// ```
    pub fn send_message(&mut self, message: &[u8]) -> Result<Ack> {
        let id = control_id(message).ok_or(Error::new(ErrorKind::MissingControlId))?;
        let mut parsed: Option<(AckCode, MessageBuf)> = None;
        let frame = self.request_with(message, |frame| match frame {
            Frame::CommitAck | Frame::CommitNak => true,
            Frame::Data(bytes) => {
                let Ok(ack) = MessageBuf::parse(bytes.clone()) else {
                    return false;
                };
                let view = ack.view();
                let matches = field(&view, "MSA-2").as_deref() == Some(id.as_str());
                let code = field(&view, "MSA-1").and_then(|c| AckCode::parse(&c));
                match (matches, code) {
                    (true, Some(code)) => {
                        parsed = Some((code, ack.clone()));
                        true
                    }
                    _ => false,
                }
            }
        })?;
        match (frame, parsed) {
            (Frame::CommitAck, _) => Ok(Ack {
                code: AckCode::Ca,
                message: None,
            }),
            (Frame::CommitNak, _) => Err(Error::new(ErrorKind::Nak)),
            (Frame::Data(_), Some((code, message))) => Ok(Ack {
                code,
                message: Some(message),
            }),
            (Frame::Data(_), None) => Err(Error::new(ErrorKind::AckMismatch)),
        }
    }
}

impl Client {
    /// Like [`Client::send_message`], trying again under `policy` after a timeout, a
    /// broken connection, a wrong ACK, a commit NAK (if enabled), or an AE/CE or AR/CR
    /// acknowledgment (if enabled).
    ///
    /// # Errors
    /// The last attempt's error once `max_attempts` are used, or the first error that
    /// is not retryable (e.g. [`ErrorKind::MissingControlId`]). An AE or AR after the
    /// last attempt is returned as `Ok` with that code. The message is then
    /// undelivered: it is the caller's to keep (dead letter) or to send later.
    pub fn send_message_with_retry(
        &mut self,
        message: &[u8],
        policy: &crate::blocking::RetryPolicy,
    ) -> Result<Ack> {
        let mut first = true;
        policy.run(
            || self.retrying(&mut first).send_message(message),
            |ack| match ack.code() {
                AckCode::Ae | AckCode::Ce => policy.retry_on_error,
                AckCode::Ar | AckCode::Cr => policy.retry_on_reject,
                _ => false,
            },
        )
    }
}

/// A reject ACK (MSA-1 `AR`) for input that does not parse as HL7, so its sender is
/// still answered. MSA-2 is empty: there is no control id to echo.
///
/// # Errors
/// Never in practice (only fixed ASCII values are set); the `carewire_hl7` builder's
/// error type is mapped to [`ErrorKind::InvalidPayload`].
pub fn reject_unparsable() -> Result<Bytes> {
    let mut b = MessageBuilder::new();
    let fields = [
        ("MSH-9.1", "ACK"),
        ("MSH-11", "P"),
        ("MSH-12", "2.5"),
        ("MSA-1", "AR"),
        ("MSA-3", "Message could not be parsed"),
    ];
    for (path, value) in fields {
        b.set(path, value)
            .map_err(|_| Error::new(ErrorKind::InvalidPayload))?;
    }
    Ok(Bytes::from(b.to_bytes()))
}

/// A server [`Handler`] that parses each frame as HL7 (without a copy) and answers with
/// the HL7 ACK for the code the callback returns. Input that does not parse is answered
/// with [`reject_unparsable`]; commit blocks get no reply.
///
/// Wrap it in a [`StoreHandler`](crate::store::StoreHandler) with [`message_key`] for
/// store-before-ACK with duplicate detection.
///
/// # Examples
/// See [`Client::send_message`].
pub struct AckHandler<F> {
    callback: F,
    mode: AckMode,
}

/// Which acknowledgment an [`AckHandler`] sends (HL7 v2.x ch. 2.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AckMode {
    /// Original mode: the callback's code (AA, AE or AR), sent after it ran.
    #[default]
    Original,
    /// Enhanced mode for messages that ask for it (MSH-15 or MSH-16 valued): a commit
    /// acknowledgment mapped from the callback's code (AA → CA, AE → CE, AR → CR), sent
    /// as MSH-15 requests — `AL` (or empty) always, `NE` never, `ER` only for CE/CR, `SU`
    /// only for CA. The application acknowledgment MSH-16 asks for is the application's
    /// to send later, as a message of its own. Messages with MSH-15 and MSH-16 both
    /// empty are answered in original mode.
    Enhanced,
    /// AA for every message that parses, whatever the callback returns (it still runs
    /// first; behind a [`StoreHandler`](crate::store::StoreHandler), after the commit):
    /// for peers that cannot handle AE/AR or two-step acknowledgments. Errors the
    /// callback reports are then the receiver's to handle.
    Immediate,
}

impl<F> fmt::Debug for AckHandler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AckHandler").finish_non_exhaustive()
    }
}

impl<F> AckHandler<F>
where
    F: Fn(&MessageBuf, Peer) -> AckCode + Send + Sync + 'static,
{
    /// A handler answering each parsed message with `callback`'s code, in original mode.
    pub fn new(callback: F) -> AckHandler<F> {
        AckHandler {
            callback,
            mode: AckMode::Original,
        }
    }

    /// The same handler with acknowledgment mode `mode`.
    pub fn mode(mut self, mode: AckMode) -> AckHandler<F> {
        self.mode = mode;
        self
    }
}

impl<F> Handler for AckHandler<F>
where
    F: Fn(&MessageBuf, Peer) -> AckCode + Send + Sync + 'static,
{
    fn handle(&self, frame: Frame, peer: Peer) -> Reply {
        let Frame::Data(bytes) = frame else {
            return Reply::Nothing;
        };
        let Ok(msg) = MessageBuf::parse(bytes) else {
            return match reject_unparsable() {
                Ok(ack) => Reply::data(ack),
                Err(_) => Reply::Close,
            };
        };
        let code = (self.callback)(&msg, peer);
        let view = msg.view();
        let code = match self.mode {
            AckMode::Original => code,
            AckMode::Immediate => AckCode::Aa,
            AckMode::Enhanced => {
                let header = view.header();
                let accept = header.accept_ack_type().unwrap_or_default();
                let application = header.application_ack_type().unwrap_or_default();
                if accept.trim().is_empty() && application.trim().is_empty() {
                    code
                } else {
                    let commit = match code {
                        AckCode::Aa | AckCode::Ca => AckCode::Ca,
                        AckCode::Ae | AckCode::Ce => AckCode::Ce,
                        AckCode::Ar | AckCode::Cr => AckCode::Cr,
                    };
                    let send = match accept.trim().to_ascii_uppercase().as_str() {
                        "NE" => false,
                        "ER" => commit != AckCode::Ca,
                        "SU" => commit == AckCode::Ca,
                        _ => true, // AL, empty, or unknown: acknowledge
                    };
                    if !send {
                        return Reply::Nothing;
                    }
                    commit
                }
            }
        };
        let built = view.ack(code).build();
        match built {
            Ok(ack) => Reply::data(ack.into_bytes()),
            Err(_) => Reply::Close,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_ids() {
        let m = b"MSH|^~\\&|A^1|F||||||X\\F\\1|P|2.5\r";
        assert_eq!(control_id(m).as_deref(), Some("X|1"));
        let k = message_key(m).unwrap();
        assert_eq!(k.sender(), b"A^1|F");
        assert_eq!(k.control_id(), b"X\\F\\1");
        assert!(message_key(b"MSH|^~\\&|A|F\r").is_none());
        assert!(message_key(b"not hl7").is_none());
    }

    fn answer(mode: AckMode, msh15_16: &str, code: AckCode) -> Option<String> {
        let handler = AckHandler::new(move |_m: &MessageBuf, _p: Peer| code).mode(mode);
        let msg = format!("MSH|^~\\&|A|F|R|G|2024||ADT^A01|C1|P|2.5|||{msh15_16}\r");
        let peer = Peer {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 1)),
            connection: 0,
        };
        match handler.handle(Frame::Data(msg.into()), peer) {
            Reply::Frame(f) => {
                let ack = Message::parse(f.raw()).unwrap();
                assert_eq!(ack.get_str("MSA-2").unwrap().as_deref(), Some("C1"));
                Some(
                    ack.get_str("MSA-1")
                        .unwrap()
                        .unwrap_or_default()
                        .into_owned(),
                )
            }
            Reply::Nothing => None,
            Reply::Close => panic!("closed"),
        }
    }

    #[test]
    fn ack_modes() {
        use AckCode::*;
        use AckMode::*;
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(answer(Original, "AL|AL", Ae), s("AE"));
        assert_eq!(answer(Immediate, "", Ar), s("AA"));
        // Enhanced mode only where the message asks for it.
        assert_eq!(answer(Enhanced, "", Ae), s("AE"));
        assert_eq!(answer(Enhanced, "AL|NE", Aa), s("CA"));
        assert_eq!(answer(Enhanced, "AL|AL", Ar), s("CR"));
        assert_eq!(answer(Enhanced, "NE|AL", Aa), None);
        assert_eq!(answer(Enhanced, "ER|AL", Aa), None);
        assert_eq!(answer(Enhanced, "ER|AL", Ae), s("CE"));
        assert_eq!(answer(Enhanced, "SU|AL", Aa), s("CA"));
        assert_eq!(answer(Enhanced, "SU|AL", Ar), None);
        assert_eq!(answer(Enhanced, "|AL", Aa), s("CA"));
    }

    #[test]
    fn reject_is_a_parsable_ack() {
        let r = reject_unparsable().unwrap();
        let m = Message::parse(&r).unwrap();
        assert_eq!(m.get_str("MSA-1").unwrap().as_deref(), Some("AR"));
        assert_eq!(m.get_str("MSH-9").unwrap().as_deref(), Some("ACK"));
    }
}
