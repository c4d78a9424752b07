//! Observability without patient data: counts and timings, never content or identifiers.

use std::time::Duration;

use crate::error::Phase;

/// Something that happened on a client or server connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// A connection was opened (client) or accepted (server).
    ConnectionOpened,
    /// A client opened a connection to replace one it had closed.
    Reconnect,
    /// A server refused a connection because `max_connections` were open.
    ConnectionRefused,
    /// A server closed a connection that had been idle too long.
    IdleClosed,
    /// A data frame arrived (a message at a server, a response at a client).
    FrameReceived,
    /// An MLLP release 2 commit ACK block arrived.
    CommitAckReceived,
    /// An MLLP release 2 commit NAK block arrived.
    CommitNakReceived,
    /// A server sent a reply.
    ReplySent,
    /// A frame was discarded (too large, unterminated, missing trailer, truncated).
    FramingError,
    /// A client request timed out in the given phase.
    Timeout(Phase),
    /// A client refused a response that does not acknowledge what it sent.
    AckMismatch,
    /// A client tried a request again under its retry policy.
    Retry,
    /// A client gave up on a message (retries exhausted, or refused): it went to the
    /// dead-letter hook, if one is configured.
    Undelivered,
    /// A client accepted an HL7 acknowledgment with this MSA-1 code (feature `hl7`; an
    /// enhanced-mode commit ACK and application ACK count once each).
    AckReceived(AckKind),
    /// A server handler built an HL7 acknowledgment with this MSA-1 code (feature `hl7`,
    /// `AckHandler::metrics`).
    AckSent(AckKind),
}

/// An HL7 acknowledgment code (MSA-1), for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AckKind {
    /// Application accept.
    Aa,
    /// Application error.
    Ae,
    /// Application reject.
    Ar,
    /// Commit accept (enhanced mode, or an MLLP release 2 commit ACK block).
    Ca,
    /// Commit error.
    Ce,
    /// Commit reject.
    Cr,
}

/// A level that goes up and down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gauge {
    /// Messages waiting in a [`PartitionedHandler`](crate::partition::PartitionedHandler)'s
    /// queues (all partitions together), reported whenever it changes.
    QueueDepth,
}

/// What a duration measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Timing {
    /// Client: from writing a frame to having its response.
    RoundTrip,
    /// Server: from receiving a frame to having written the reply (handler and store
    /// commit included): receive-to-ACK time.
    Handling,
}

/// Receives events and timings from clients and servers (set `metrics` in their
/// configurations). Calls come from connection threads, so implementations should be
/// cheap (atomic counters, a `metrics` facade, a histogram). Nothing passed here carries
/// message content, peer addresses or control ids, so none can leak into labels.
///
/// # Examples
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use carewire_mllp::metrics::{Event, Metrics};
///
/// #[derive(Default)]
/// struct Frames(AtomicU64);
///
/// impl Metrics for Frames {
///     fn record(&self, event: Event) {
///         if event == Event::FrameReceived {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
/// ```
pub trait Metrics: Send + Sync + 'static {
    /// Counts one event.
    fn record(&self, event: Event);

    /// Records a duration (default: ignored).
    fn observe(&self, timing: Timing, elapsed: Duration) {
        let _ = (timing, elapsed);
    }

    /// Records the current value of a gauge (default: ignored).
    fn gauge(&self, gauge: Gauge, value: u64) {
        let _ = (gauge, value);
    }
}
