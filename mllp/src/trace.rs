//! `tracing` spans and events (feature `tracing`), without patient data.
//!
//! - span `mllp.connection` per connection: `side` (`server`/`client`), `peer` (the
//!   socket address) and, at a server, `connection` (its number);
//! - span `mllp.message` per message, a child of its connection's span: `control_id`
//!   (MSH-10, printable ASCII, at most 64 characters) and nothing else from the message;
//! - DEBUG events inside them with lengths, counts, codes and error kinds only.
//!
//! Message content is emitted only when a configuration's `trace_payloads` is set
//! (off by default), as a TRACE event with a `payload` field. Without the feature every
//! function here is a no-op and [`Span`] is an empty type.

use std::net::SocketAddr;

/// At most this many characters of MSH-10 go into a span.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
const MAX_ID: usize = 64;

/// MSH-10 of an ER7 message, found without parsing the rest: the tenth field of the
/// first segment, which must be `MSH` (or a batch/file header, which has none).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn msh10(payload: &[u8]) -> Option<&[u8]> {
    let rest = payload.strip_prefix(b"MSH")?;
    let sep = *rest.first()?;
    if sep == b'\r' || sep == b'\n' {
        return None;
    }
    let segment = rest
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .map_or(rest, |end| &rest[..end]);
    // `segment` starts at the separator that is MSH-1; MSH-n begins after the
    // (n-1)th separator.
    let field = segment.split(|&b| b == sep).nth(9)?;
    (!field.is_empty()).then_some(field)
}

/// A control id as it may appear in a span: graphic ASCII, others as `_`, cut at
/// [`MAX_ID`].
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn printable_id(raw: &[u8]) -> String {
    raw.iter()
        .take(MAX_ID)
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '_' })
        .collect()
}

#[cfg(feature = "tracing")]
mod imp {
    use super::*;

    pub(crate) type Span = tracing::Span;

    pub(crate) fn connection(side: &'static str, peer: SocketAddr, id: Option<u64>) -> Span {
        let span = tracing::debug_span!(
            "mllp.connection",
            side,
            peer = %peer,
            connection = tracing::field::Empty
        );
        if let Some(id) = id {
            span.record("connection", id);
        }
        span
    }

    /// The span of one message; MSH-10 is looked for only when the span is enabled.
    pub(crate) fn message(parent: &Span, payload: &[u8]) -> Span {
        let span = tracing::debug_span!(
            parent: parent,
            "mllp.message",
            control_id = tracing::field::Empty
        );
        if !span.is_disabled() {
            if let Some(id) = msh10(payload) {
                span.record("control_id", printable_id(id).as_str());
            }
        }
        span
    }

    pub(crate) fn none() -> Span {
        Span::none()
    }

    /// `fut` inside `span` (for futures, which must not hold an entered span).
    #[cfg(feature = "tokio")]
    pub(crate) fn instrument<F: std::future::Future>(
        span: Span,
        fut: F,
    ) -> tracing::instrument::Instrumented<F> {
        tracing::Instrument::instrument(fut, span)
    }

    pub(crate) fn event(what: &'static str, bytes: usize) {
        tracing::debug!(bytes, "{what}");
    }

    pub(crate) fn failure(what: &'static str, error: &crate::Error) {
        tracing::debug!(kind = ?error.kind(), offset = ?error.offset(), "{what}");
    }

    pub(crate) fn code(what: &'static str, code: &'static str) {
        tracing::debug!(code, "{what}");
    }

    pub(crate) fn payload(enabled: bool, direction: &'static str, payload: &[u8]) {
        if enabled {
            tracing::trace!(
                direction,
                payload = %String::from_utf8_lossy(payload),
                "payload"
            );
        }
    }
}

#[cfg(not(feature = "tracing"))]
mod imp {
    use super::*;

    /// Stands in for `tracing::Span` without the feature.
    #[derive(Clone, Debug, Default)]
    pub(crate) struct Span;

    /// Stands in for `tracing::span::Entered`.
    #[derive(Debug)]
    pub(crate) struct Entered;

    impl Span {
        pub(crate) fn enter(&self) -> Entered {
            Entered
        }
        pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
            f()
        }
    }

    pub(crate) fn connection(_side: &'static str, _peer: SocketAddr, _id: Option<u64>) -> Span {
        Span
    }
    pub(crate) fn message(_parent: &Span, _payload: &[u8]) -> Span {
        Span
    }
    pub(crate) fn none() -> Span {
        Span
    }
    #[cfg(feature = "tokio")]
    pub(crate) fn instrument<F: std::future::Future>(_span: Span, fut: F) -> F {
        fut
    }
    pub(crate) fn event(_what: &'static str, _bytes: usize) {}
    pub(crate) fn failure(_what: &'static str, _error: &crate::Error) {}
    pub(crate) fn code(_what: &'static str, _code: &'static str) {}
    pub(crate) fn payload(_enabled: bool, _direction: &'static str, _payload: &[u8]) {}
}

pub(crate) use imp::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msh10_is_found_without_parsing() {
        let m = b"MSH|^~\\&|EMR|HOSP|LIS|LAB|2024||ADT^A01|MSG-1|P|2.5\rPID|1||X\r";
        assert_eq!(msh10(m), Some(&b"MSG-1"[..]));
        assert_eq!(msh10(b"MSH#^~\\&#A#B#C#D#E#F#G#ID9\r"), Some(&b"ID9"[..]));
        assert_eq!(msh10(b"MSH|^~\\&|A|B\rPID|1|2|3|4|5|6|7|8|9|10\r"), None);
        assert_eq!(msh10(b"PID|1"), None);
        assert_eq!(msh10(b"MSH"), None);
        assert_eq!(msh10(b"MSH|^~\\&|||||||||P\r"), None);
        assert_eq!(printable_id(b"a b\x01c"), "a_b_c");
        assert_eq!(printable_id(&[b'x'; 100]).len(), MAX_ID);
    }
}
