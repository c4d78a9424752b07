//! HL7 glue (feature `hl7`): acknowledgments built by `carewire-hl7`, keys for duplicate
//! detection, and strict ACK correlation for the client.
//!
//! This module reads only the header fields needed to route and acknowledge (MSH-3,
//! MSH-4, MSH-10, MSA-1, MSA-2); MLLP itself stays ignorant of HL7 content.

use std::fmt;

use bytes::Bytes;
use carewire_hl7::{AckCode, Message, MessageBuf, MessageBuilder};

use crate::blocking::{
    dead_letter, Client, ClientConfig, Handler, NegativeAck, Peer, Reply, RetryPolicy, Undelivered,
};
use crate::codec::Frame;
use crate::error::{Error, ErrorKind, Result};
use crate::metrics::{AckKind, Event, Metrics};
use crate::store::MessageKey;

/// The fields the client reads from every acknowledgment, their paths parsed once.
#[derive(Clone, Copy)]
enum Known {
    Msh10,
    Msa1,
    Msa2,
}

/// The decoded, non-empty text at a [`Known`] path, borrowed when it needs no decoding.
fn known<'m>(msg: &'m Message<'_>, which: Known) -> Option<std::borrow::Cow<'m, str>> {
    static PATHS: std::sync::OnceLock<Option<[carewire_hl7::Path; 3]>> = std::sync::OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        let p = |t: &str| t.parse::<carewire_hl7::Path>().ok();
        Some([p("MSH-10")?, p("MSA-1")?, p("MSA-2")?])
    });
    let path = &paths.as_ref()?[which as usize];
    msg.get(path).map(|v| v.decoded()).filter(|v| !v.is_empty())
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
    known(&msg, Known::Msh10).map(std::borrow::Cow::into_owned)
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

/// When a message wants an acknowledgment sent (HL7 table 0155, the values of MSH-15
/// accept acknowledgment type and MSH-16 application acknowledgment type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AckCondition {
    /// `AL`: always (also for an empty or unknown value in enhanced mode).
    Always,
    /// `NE`: never.
    Never,
    /// `ER`: only for an error or reject (AE, AR, CE, CR).
    Error,
    /// `SU`: only on success (AA, CA).
    Success,
}

impl AckCondition {
    /// The condition a field value states: `AL`, `NE`, `ER`, `SU` (any case, blanks
    /// trimmed); anything else, or nothing, is `Always`.
    pub fn parse(value: Option<&str>) -> AckCondition {
        match value.map(|v| v.trim().to_ascii_uppercase()).as_deref() {
            Some("NE") => AckCondition::Never,
            Some("ER") => AckCondition::Error,
            Some("SU") => AckCondition::Success,
            _ => AckCondition::Always,
        }
    }

    /// True when an acknowledgment with `code` is to be sent under this condition.
    pub fn wants(self, code: AckCode) -> bool {
        match self {
            AckCondition::Always => true,
            AckCondition::Never => false,
            AckCondition::Error => !code.is_accept(),
            AckCondition::Success => code.is_accept(),
        }
    }
}

fn blank(v: &Option<std::borrow::Cow<'_, str>>) -> bool {
    v.as_deref().map_or(true, |v| v.trim().is_empty())
}

/// MSH-15 and MSH-16 of a parsed message: `None` in original mode (both empty).
fn enhanced_conditions(msg: &Message<'_>) -> Option<(AckCondition, AckCondition)> {
    let header = msg.header();
    let (accept, application) = (header.accept_ack_type(), header.application_ack_type());
    if blank(&accept) && blank(&application) {
        return None;
    }
    Some((
        AckCondition::parse(accept.as_deref()),
        AckCondition::parse(application.as_deref()),
    ))
}

fn is_commit_code(code: AckCode) -> bool {
    matches!(code, AckCode::Ca | AckCode::Ce | AckCode::Cr)
}

/// An acknowledgment received by [`Client::send_message`].
#[derive(Clone)]
pub struct Ack {
    code: AckCode,
    message: Option<MessageBuf>,
    commit: Option<Box<Ack>>,
}

impl Ack {
    /// MSA-1 of the HL7 ACK that settled the message (the application acknowledgment
    /// when an enhanced-mode commit acknowledgment came before it), or
    /// [`AckCode::Ca`] for an MLLP release 2 commit ACK block.
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

    /// In enhanced mode, the commit acknowledgment (CA) that came before the
    /// application acknowledgment this `Ack` holds; `None` otherwise.
    pub fn commit(&self) -> Option<&Ack> {
        self.commit.as_deref()
    }
}

impl fmt::Debug for Ack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ack")
            .field("code", &self.code)
            .field("message", &self.message.as_ref().map(|m| m.bytes().len()))
            .field("commit", &self.commit)
            .finish()
    }
}

/// What a client needs to know about a message it sends to match its acknowledgments.
pub(crate) struct Outgoing {
    id: String,
    /// An application acknowledgment follows a commit accept (CA): enhanced mode with
    /// MSH-16 `AL` (or empty).
    app_after_commit: bool,
}

impl Outgoing {
    pub(crate) fn of(message: &[u8]) -> Result<Outgoing> {
        let msg = Message::parse(message).map_err(|_| Error::new(ErrorKind::MissingControlId))?;
        let id = known(&msg, Known::Msh10)
            .ok_or(Error::new(ErrorKind::MissingControlId))?
            .into_owned();
        let app_after_commit = matches!(enhanced_conditions(&msg), Some((_, AckCondition::Always)));
        Ok(Outgoing {
            id,
            app_after_commit,
        })
    }

    /// True when `frame` acknowledges this message; the ACK is left in `got`.
    pub(crate) fn accept(&self, frame: &Frame, got: &mut Option<Ack>) -> bool {
        let (code, message) = match frame {
            Frame::CommitAck => (AckCode::Ca, None),
            Frame::CommitNak => return true,
            Frame::Data(bytes) => {
                let Ok(ack) = MessageBuf::parse(bytes.clone()) else {
                    return false;
                };
                let view = ack.view();
                if known(&view, Known::Msa2).as_deref() != Some(self.id.as_str()) {
                    return false;
                }
                let Some(code) = known(&view, Known::Msa1).and_then(|c| AckCode::parse(&c)) else {
                    return false;
                };
                (code, Some(ack))
            }
        };
        *got = Some(Ack {
            code,
            message,
            commit: None,
        });
        true
    }

    /// The acknowledgment in an accepted frame.
    pub(crate) fn settle(frame: Frame, got: Option<Ack>) -> Result<Ack> {
        match (frame, got) {
            (Frame::CommitNak, _) => Err(Error::new(ErrorKind::Nak)),
            (_, Some(ack)) => Ok(ack),
            (_, None) => Err(Error::new(ErrorKind::AckMismatch)),
        }
    }

    /// True when, after `first`, an application acknowledgment is still to come.
    pub(crate) fn expects_more(&self, first: &Ack) -> bool {
        self.app_after_commit && first.code == AckCode::Ca
    }

    /// The application acknowledgment `second`, with the commit acknowledgment `first`
    /// before it. A second commit acknowledgment is not what was expected.
    pub(crate) fn combine(first: Ack, second: Ack) -> Result<Ack> {
        if is_commit_code(second.code) {
            return Err(Error::new(ErrorKind::AckMismatch));
        }
        Ok(Ack {
            commit: Some(Box::new(first)),
            ..second
        })
    }
}

impl Client {
    /// Sends an HL7 message and waits for its acknowledgment: an HL7 ACK whose MSA-2
    /// equals the message's MSH-10, or an MLLP release 2 commit ACK block.
    ///
    /// In enhanced mode (MSH-15 or MSH-16 valued) with MSH-16 `AL` (or empty), a commit
    /// accept (CA) is followed by the application acknowledgment on the same
    /// connection: both are read, and the result holds the application's code with the
    /// commit acknowledgment in [`Ack::commit`]. With MSH-16 `NE`, `ER` or `SU` only the
    /// first acknowledgment is waited for; a conditional application acknowledgment
    /// arriving after it is unasked, and makes the client replace the connection before
    /// the next message (it is never taken for that message's acknowledgment). A
    /// message that asks for no acknowledgment at all (MSH-15 and MSH-16 both `NE`, or
    /// conditional) cannot be sent stop-and-wait: it times out.
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
        let out = Outgoing::of(message)?;
        self.send_outgoing(&out, message)
    }

    /// [`Client::send_message`] for a message whose header `out` is already read.
    fn send_outgoing(&mut self, out: &Outgoing, message: &[u8]) -> Result<Ack> {
        let mut got = None;
        let frame = self.request_with(message, |f| out.accept(f, &mut got))?;
        let first = Outgoing::settle(frame, got)?;
        if !out.expects_more(&first) {
            record_acks(self.config(), &first);
            return Ok(first);
        }
        let mut got = None;
        let frame = self.receive_with(|f| out.accept(f, &mut got))?;
        let combined =
            Outgoing::settle(frame, got).and_then(|second| Outgoing::combine(first, second));
        match &combined {
            Ok(ack) => record_acks(self.config(), ack),
            Err(_) => self.close(),
        }
        combined
    }
}

/// True when an acknowledgment calls for another attempt under `policy`.
fn retry_ack(ack: &Ack, policy: &RetryPolicy) -> bool {
    match ack.code() {
        AckCode::Ae | AckCode::Ce => policy.retry_on_error,
        AckCode::Ar | AckCode::Cr => policy.retry_on_reject,
        _ => false,
    }
}

/// Hands a message whose final outcome is not an accept to the dead-letter hook.
fn settle_delivery(config: &ClientConfig, message: &[u8], result: &Result<Ack>, attempts: u32) {
    let reason = match result {
        Err(e) => Undelivered::Failed(e.clone()),
        Ok(ack) => Undelivered::Refused(match ack.code() {
            AckCode::Aa | AckCode::Ca => return,
            AckCode::Ae => NegativeAck::ApplicationError,
            AckCode::Ar => NegativeAck::ApplicationReject,
            AckCode::Ce => NegativeAck::CommitError,
            AckCode::Cr => NegativeAck::CommitReject,
        }),
    };
    dead_letter(config, message, reason, attempts);
}

impl Client {
    /// Like [`Client::send_message`], trying again under `policy` after a timeout, a
    /// broken connection, a wrong ACK, a commit NAK (if enabled), or an AE/CE or AR/CR
    /// acknowledgment (if enabled).
    ///
    /// A message whose final outcome is an error or a negative acknowledgment (AE, AR,
    /// CE, CR; retried or not) is undelivered: it goes to the configured
    /// [`DeadLetter`](crate::blocking::DeadLetter) hook, if any, before this returns.
    ///
    /// # Errors
    /// The last attempt's error once `max_attempts` are used, or the first error that
    /// is not retryable (e.g. [`ErrorKind::MissingControlId`]). An AE or AR after the
    /// last attempt is returned as `Ok` with that code.
    pub fn send_message_with_retry(&mut self, message: &[u8], policy: &RetryPolicy) -> Result<Ack> {
        // The header is read once; a message without a control id fails the first
        // attempt, which is not retryable.
        let out = Outgoing::of(message);
        let mut first = true;
        let (result, attempts) = policy.run(
            || {
                let out = out.as_ref().map_err(Error::clone)?;
                self.retrying(&mut first).send_outgoing(out, message)
            },
            |ack| retry_ack(ack, policy),
        );
        settle_delivery(self.config(), message, &result, attempts);
        result
    }
}

#[cfg(feature = "tokio")]
impl crate::tokio::Client {
    /// The async twin of [`Client::send_message`](crate::blocking::Client::send_message):
    /// the same ACK correlation and enhanced-mode handling.
    ///
    /// # Errors
    /// As the blocking client's.
    pub async fn send_message(&mut self, message: &[u8]) -> Result<Ack> {
        let out = Outgoing::of(message)?;
        self.send_outgoing(&out, message).await
    }

    /// [`Self::send_message`] for a message whose header `out` is already read.
    async fn send_outgoing(&mut self, out: &Outgoing, message: &[u8]) -> Result<Ack> {
        let mut got = None;
        let frame = self
            .request_with(message, |f| out.accept(f, &mut got))
            .await?;
        let first = Outgoing::settle(frame, got)?;
        if !out.expects_more(&first) {
            record_acks(self.config(), &first);
            return Ok(first);
        }
        let mut got = None;
        let frame = self.receive_with(|f| out.accept(f, &mut got)).await?;
        let combined =
            Outgoing::settle(frame, got).and_then(|second| Outgoing::combine(first, second));
        match &combined {
            Ok(ack) => record_acks(self.config(), ack),
            Err(_) => self.close(),
        }
        combined
    }

    /// The async twin of
    /// [`Client::send_message_with_retry`](crate::blocking::Client::send_message_with_retry),
    /// dead-letter hook included; the backoff is a tokio sleep.
    ///
    /// # Errors
    /// As the blocking client's.
    pub async fn send_message_with_retry(
        &mut self,
        message: &[u8],
        policy: &RetryPolicy,
    ) -> Result<Ack> {
        // The header is read once, as in the blocking client.
        let out = Outgoing::of(message);
        let mut n = 0;
        loop {
            if n > 0 {
                self.record_retry();
            }
            let result = match &out {
                Ok(out) => self.send_outgoing(out, message).await,
                Err(e) => Err(e.clone()),
            };
            n += 1;
            if !policy.again(&result, n, |ack| retry_ack(ack, policy)) {
                settle_delivery(self.config(), message, &result, n);
                return result;
            }
            tokio::time::sleep(policy.wait(n - 1)).await;
        }
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
    metrics: Option<std::sync::Arc<dyn Metrics>>,
}

/// The metrics kind of an HL7 acknowledgment code.
pub fn ack_kind(code: AckCode) -> AckKind {
    match code {
        AckCode::Aa => AckKind::Aa,
        AckCode::Ae => AckKind::Ae,
        AckCode::Ar => AckKind::Ar,
        AckCode::Ca => AckKind::Ca,
        AckCode::Ce => AckKind::Ce,
        AckCode::Cr => AckKind::Cr,
    }
}

/// Counts the acknowledgments a client accepted.
fn record_acks(config: &ClientConfig, ack: &Ack) {
    if let Some(m) = &config.metrics {
        if let Some(commit) = ack.commit() {
            m.record(Event::AckReceived(ack_kind(commit.code())));
        }
        m.record(Event::AckReceived(ack_kind(ack.code())));
    }
}

/// Which acknowledgment an [`AckHandler`] sends (HL7 v2.x ch. 2.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AckMode {
    /// Original mode: the callback's code (AA, AE or AR), sent after it ran.
    #[default]
    Original,
    /// Enhanced mode for messages that ask for it (MSH-15 or MSH-16 valued; messages
    /// with both empty are answered in original mode): first the commit
    /// acknowledgment, then the application acknowledgment, each only when the message's
    /// condition for it holds ([`AckCondition`]: MSH-15 for the commit acknowledgment,
    /// MSH-16 for the application one; `AL` or empty always, `NE` never, `ER` only for
    /// an error or reject, `SU` only on success). Both go out together, in that order,
    /// in one write after the callback returned (behind a
    /// [`StoreHandler`](crate::store::StoreHandler), after the store's commit, so a
    /// commit accept always means the message is durably stored).
    ///
    /// The callback's code decides both: AA, AE or AR → commit accept CA, then that
    /// application code; CE or CR → that commit code and no application acknowledgment
    /// (the message was not accepted for processing); CA → commit accept only (the
    /// application sends its application acknowledgment later, as a message of its own).
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
            metrics: None,
        }
    }

    /// The same handler, counting each acknowledgment it builds in `metrics`
    /// ([`Event::AckSent`] with its code).
    pub fn metrics(mut self, metrics: std::sync::Arc<dyn Metrics>) -> AckHandler<F> {
        self.metrics = Some(metrics);
        self
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
            if let Some(m) = &self.metrics {
                m.record(Event::AckSent(AckKind::Ar));
            }
            return match reject_unparsable() {
                Ok(ack) => Reply::data(ack),
                Err(_) => Reply::Close,
            };
        };
        let code = (self.callback)(&msg, peer);
        let view = msg.view();
        let ack = |code: AckCode| {
            if let Some(m) = &self.metrics {
                m.record(Event::AckSent(ack_kind(code)));
            }
            view.ack(code).build().map(|a| Frame::Data(a.into_bytes()))
        };
        let single = match self.mode {
            AckMode::Immediate => AckCode::Aa,
            AckMode::Original => code,
            AckMode::Enhanced => match enhanced_conditions(&view) {
                None => code,
                Some((accept, application)) => {
                    let (commit, app) = match code {
                        AckCode::Aa | AckCode::Ae | AckCode::Ar => (AckCode::Ca, Some(code)),
                        AckCode::Ca | AckCode::Ce | AckCode::Cr => (code, None),
                    };
                    let wanted = [
                        Some(commit).filter(|&c| accept.wants(c)),
                        app.filter(|&c| application.wants(c)),
                    ];
                    let frames: std::result::Result<Vec<Frame>, _> =
                        wanted.into_iter().flatten().map(ack).collect();
                    return match frames {
                        Ok(frames) => Reply::from_frames(frames),
                        Err(_) => Reply::Close,
                    };
                }
            },
        };
        match ack(single) {
            Ok(frame) => Reply::Frame(frame),
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

    /// MSA-1 of each frame the handler answers with (MSA-2 checked).
    fn answer(mode: AckMode, msh15_16: &str, code: AckCode) -> Vec<String> {
        let handler = AckHandler::new(move |_m: &MessageBuf, _p: Peer| code).mode(mode);
        let msg = format!("MSH|^~\\&|A|F|R|G|2024||ADT^A01|C1|P|2.5|||{msh15_16}\r");
        let peer = Peer {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 1)),
            connection: 0,
        };
        let reply = handler.handle(Frame::Data(msg.into()), peer);
        assert_ne!(reply, Reply::Close);
        reply
            .frames()
            .iter()
            .map(|f| {
                let ack = Message::parse(f.raw()).unwrap();
                assert_eq!(ack.get_str("MSA-2").unwrap().as_deref(), Some("C1"));
                ack.get_str("MSA-1")
                    .unwrap()
                    .unwrap_or_default()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn ack_modes() {
        use AckCode::*;
        use AckMode::*;
        let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(answer(Original, "AL|AL", Ae), s(&["AE"]));
        assert_eq!(answer(Immediate, "", Ar), s(&["AA"]));
        assert_eq!(answer(Immediate, "AL|AL", Ae), s(&["AA"]));
        // Enhanced mode only where the message asks for it.
        assert_eq!(answer(Enhanced, "", Ae), s(&["AE"]));
        // Commit acknowledgment first, then the application acknowledgment.
        assert_eq!(answer(Enhanced, "AL|AL", Aa), s(&["CA", "AA"]));
        assert_eq!(answer(Enhanced, "AL|AL", Ar), s(&["CA", "AR"]));
        assert_eq!(answer(Enhanced, "AL|", Aa), s(&["CA", "AA"]));
        assert_eq!(answer(Enhanced, "|AL", Ae), s(&["CA", "AE"]));
        assert_eq!(answer(Enhanced, "AL|NE", Aa), s(&["CA"]));
        assert_eq!(answer(Enhanced, "AL|ER", Aa), s(&["CA"]));
        assert_eq!(answer(Enhanced, "AL|ER", Ae), s(&["CA", "AE"]));
        assert_eq!(answer(Enhanced, "AL|SU", Aa), s(&["CA", "AA"]));
        assert_eq!(answer(Enhanced, "SU|SU", Ar), s(&["CA"]));
        assert_eq!(answer(Enhanced, "NE|AL", Aa), s(&["AA"]));
        assert_eq!(answer(Enhanced, "ER|AL", Aa), s(&["AA"]));
        assert_eq!(answer(Enhanced, "ER|AL", Ae), s(&["AE"]));
        assert_eq!(answer(Enhanced, "NE|NE", Aa), s(&[]));
        assert_eq!(answer(Enhanced, "NE|ER", Aa), s(&[]));
        // Not accepted for processing: commit error or reject, no application ACK.
        assert_eq!(answer(Enhanced, "AL|AL", Ce), s(&["CE"]));
        assert_eq!(answer(Enhanced, "ER|AL", Cr), s(&["CR"]));
        assert_eq!(answer(Enhanced, "SU|AL", Cr), s(&[]));
        // CA from the callback: commit only, the application answers later.
        assert_eq!(answer(Enhanced, "AL|AL", Ca), s(&["CA"]));
    }

    #[test]
    fn conditions() {
        use AckCondition::*;
        assert_eq!(AckCondition::parse(Some(" ne ")), Never);
        assert_eq!(AckCondition::parse(Some("XX")), Always);
        assert_eq!(AckCondition::parse(None), Always);
        assert!(Error.wants(AckCode::Cr) && !Error.wants(AckCode::Ca));
        assert!(Success.wants(AckCode::Aa) && !Success.wants(AckCode::Ae));
    }

    #[test]
    fn reject_is_a_parsable_ack() {
        let r = reject_unparsable().unwrap();
        let m = Message::parse(&r).unwrap();
        assert_eq!(m.get_str("MSA-1").unwrap().as_deref(), Some("AR"));
        assert_eq!(m.get_str("MSH-9").unwrap().as_deref(), Some("ACK"));
    }
}
