//! The crate's one error type. It never carries payload: only a kind, where in the
//! stream it happened and, for I/O, the [`std::io::ErrorKind`].

use std::fmt;

/// Which step of a request timed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Opening the TCP connection.
    Connect,
    /// Writing the frame.
    Send,
    /// Waiting for the response frame.
    Response,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Connect => "connect",
            Phase::Send => "send",
            Phase::Response => "response",
        })
    }
}

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A frame's content is longer than `max_frame`; the frame was discarded and the
    /// decoder resynchronises on the next start byte.
    FrameTooLarge {
        /// The configured limit.
        max: usize,
    },
    /// A start byte arrived before the end of the current frame; the unfinished frame was
    /// discarded and a new one begins at that start byte.
    UnterminatedFrame,
    /// The end byte is not followed by the trailer byte (CR) and the configuration does
    /// not allow that; the frame was discarded.
    MissingTrailer,
    /// The stream ended inside a frame.
    TruncatedFrame,
    /// A payload to encode contains a start or end byte (it would break the framing) or
    /// is longer than `max_frame`.
    InvalidPayload,
    /// The configuration is unusable (e.g. start and end bytes are equal).
    InvalidConfig,
    /// A timeout elapsed; the connection was closed.
    Timeout(Phase),
    /// The peer closed the connection before the exchange finished.
    ConnectionClosed,
    /// The response does not acknowledge the message that was sent (MSA-2 differs from
    /// MSH-10, or it is not an acknowledgment at all); the connection was closed.
    AckMismatch,
    /// The peer answered with an MLLP release 2 negative commit acknowledgment (NAK).
    Nak,
    /// The message has no control id (MSH-10), so its acknowledgment cannot be matched.
    MissingControlId,
    /// The message store failed or holds a damaged record.
    Store,
    /// A TLS certificate, key or configuration is unusable.
    Tls,
    /// An I/O error.
    Io(std::io::ErrorKind),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::FrameTooLarge { max } => {
                write!(f, "frame longer than the limit of {max} bytes")
            }
            ErrorKind::UnterminatedFrame => f.write_str("start byte inside an unterminated frame"),
            ErrorKind::MissingTrailer => f.write_str("end byte not followed by the trailer byte"),
            ErrorKind::TruncatedFrame => f.write_str("stream ended inside a frame"),
            ErrorKind::InvalidPayload => {
                f.write_str("payload contains a framing byte or exceeds the frame limit")
            }
            ErrorKind::InvalidConfig => f.write_str("invalid framing configuration"),
            ErrorKind::Timeout(phase) => write!(f, "{phase} timed out"),
            ErrorKind::ConnectionClosed => f.write_str("connection closed by peer"),
            ErrorKind::AckMismatch => f.write_str("response does not acknowledge the message sent"),
            ErrorKind::Nak => f.write_str("negative commit acknowledgment"),
            ErrorKind::MissingControlId => f.write_str("message has no control id (MSH-10)"),
            ErrorKind::Store => f.write_str("message store failure"),
            ErrorKind::Tls => f.write_str("unusable tls certificate, key or configuration"),
            ErrorKind::Io(kind) => write!(f, "i/o error ({kind:?})"),
        }
    }
}

/// The error type of this crate: a kind and, where it applies, a byte offset in the
/// stream (counted from the first byte the decoder saw) or in the payload.
///
/// `Display` states what and where, never the payload:
/// `frame longer than the limit of 16777216 bytes at stream byte 40`.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: Option<u64>,
}

impl Error {
    /// Creates an error of `kind` with no position.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind, offset: None }
    }

    /// Creates an error of `kind` at byte `offset`.
    pub fn at(kind: ErrorKind, offset: u64) -> Error {
        Error {
            kind,
            offset: Some(offset),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The byte offset, where known: in the stream for decoding errors (the start byte
    /// of the frame concerned), in the payload for encoding errors.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// True when the decoder that returned this error can go on decoding the same
    /// stream (it has resynchronised): a framing fault, not a broken connection.
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::FrameTooLarge { .. }
                | ErrorKind::UnterminatedFrame
                | ErrorKind::MissingTrailer
        )
    }

    /// True for timeouts (of any phase).
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)?;
        if let Some(offset) = self.offset {
            match self.kind {
                ErrorKind::InvalidPayload => write!(f, " at payload byte {offset}")?,
                _ => write!(f, " at stream byte {offset}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("offset", &self.offset)
            .finish()
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io(e.kind()))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

/// A crate-wide `Result` alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_states_what_and_where() {
        let e = Error::at(ErrorKind::FrameTooLarge { max: 16 }, 40);
        assert_eq!(
            e.to_string(),
            "frame longer than the limit of 16 bytes at stream byte 40"
        );
        assert!(e.is_recoverable());
        let e = Error::new(ErrorKind::Timeout(Phase::Response));
        assert_eq!(e.to_string(), "response timed out");
        assert!(e.is_timeout() && !e.is_recoverable());
        let e = Error::at(ErrorKind::InvalidPayload, 3);
        assert_eq!(
            e.to_string(),
            "payload contains a framing byte or exceeds the frame limit at payload byte 3"
        );
    }
}
