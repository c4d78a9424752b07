//! The sans-IO core: an incremental frame decoder and its mirror encoder.
//!
//! MLLP (HL7 v2.x Implementation Guide, Appendix C "Minimal Lower Layer Protocol",
//! release 1 and release 2) wraps each message as `<SB> data <EB><CR>`, with
//! `SB = 0x0B` (VT), `EB = 0x1C` (FS), `CR = 0x0D`. Release 2 adds commit
//! acknowledgment blocks whose whole content is one byte: `<SB><ACK><EB><CR>` (0x06) and
//! `<SB><NAK><EB><CR>` (0x15).

use std::fmt;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::{Error, ErrorKind, Result};

/// The MLLP start block byte, VT (0x0B).
pub const START_BLOCK: u8 = 0x0B;
/// The MLLP end block byte, FS (0x1C).
pub const END_BLOCK: u8 = 0x1C;
/// The byte after the end block, CR (0x0D).
pub const CARRIAGE_RETURN: u8 = 0x0D;
/// Line feed (0x0A), which some senders put after the trailing CR, or instead of it.
pub const LINE_FEED: u8 = 0x0A;
/// The content of an MLLP release 2 commit acknowledgment block (ACK, 0x06).
pub const COMMIT_ACK: u8 = 0x06;
/// The content of an MLLP release 2 negative commit acknowledgment block (NAK, 0x15).
pub const COMMIT_NAK: u8 = 0x15;

/// The default limit on a frame's content: 16 MiB.
pub const DEFAULT_MAX_FRAME: usize = 16 << 20;

/// Framing bytes, leniency switches and the frame size limit.
///
/// The default is the standard framing (`0x0B … 0x1C 0x0D`), lenient about what real
/// peers send: a missing CR after the end byte, an LF after it (or instead of it), and
/// noise between frames (always skipped, and counted in [`DecoderStats`]).
///
/// # Examples
/// ```
/// use carewire_mllp::FrameConfig;
/// let mut config = FrameConfig::default();
/// config.max_frame = 1 << 20;
/// config.validate()?;
/// assert!(FrameConfig::strict().validate().is_ok());
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameConfig {
    /// The start block byte (default 0x0B).
    pub start: u8,
    /// The end block byte (default 0x1C).
    pub end: u8,
    /// The byte expected after the end byte (default 0x0D).
    pub trailer: u8,
    /// Accept an end byte that is not followed by the trailer byte (default true). When
    /// true, a frame is yielded as soon as its end byte arrives, so a peer that never
    /// sends the trailer is still answered.
    pub allow_missing_trailer: bool,
    /// Accept an LF after the trailer, or in place of it (default true).
    pub allow_trailing_lf: bool,
    /// Largest accepted frame content in bytes (default 16 MiB). The decoder never
    /// buffers more than this (plus one read) for one frame.
    pub max_frame: usize,
}

impl Default for FrameConfig {
    fn default() -> Self {
        FrameConfig {
            start: START_BLOCK,
            end: END_BLOCK,
            trailer: CARRIAGE_RETURN,
            allow_missing_trailer: true,
            allow_trailing_lf: true,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }
}

impl FrameConfig {
    /// The lenient default configuration.
    pub fn new() -> FrameConfig {
        FrameConfig::default()
    }

    /// A configuration that requires the trailer byte after every end byte (and no LF).
    pub fn strict() -> FrameConfig {
        FrameConfig {
            allow_missing_trailer: false,
            allow_trailing_lf: false,
            ..FrameConfig::default()
        }
    }

    /// Checks that the framing bytes are distinct and usable.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] when start, end and trailer bytes are not pairwise
    /// distinct, when the start or end byte is LF, CR, ACK or NAK, or when `max_frame` is 0.
    pub fn validate(&self) -> Result<()> {
        let reserved = [LINE_FEED, CARRIAGE_RETURN, COMMIT_ACK, COMMIT_NAK];
        let ok = self.start != self.end
            && self.start != self.trailer
            && self.end != self.trailer
            && self.trailer != LINE_FEED
            && !reserved.contains(&self.start)
            && !reserved.contains(&self.end)
            && self.max_frame > 0;
        if ok {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::InvalidConfig))
        }
    }
}

/// One decoded MLLP block.
///
/// `Debug` shows only the length of a data frame, never its content.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Frame {
    /// A frame carrying a message (the bytes between start and end byte, zero-copy).
    Data(Bytes),
    /// An MLLP release 2 commit acknowledgment block (content 0x06).
    CommitAck,
    /// An MLLP release 2 negative commit acknowledgment block (content 0x15).
    CommitNak,
}

impl Frame {
    pub(crate) fn classify(content: Bytes) -> Frame {
        match content.as_ref() {
            [COMMIT_ACK] => Frame::CommitAck,
            [COMMIT_NAK] => Frame::CommitNak,
            _ => Frame::Data(content),
        }
    }

    /// The content bytes as on the wire (between start and end byte).
    pub fn raw(&self) -> &[u8] {
        match self {
            Frame::Data(b) => b,
            Frame::CommitAck => &[COMMIT_ACK],
            Frame::CommitNak => &[COMMIT_NAK],
        }
    }

    /// The message bytes of a data frame.
    pub fn data(&self) -> Option<&Bytes> {
        match self {
            Frame::Data(b) => Some(b),
            _ => None,
        }
    }

    /// Consumes the frame, returning the message bytes of a data frame.
    pub fn into_data(self) -> Option<Bytes> {
        match self {
            Frame::Data(b) => Some(b),
            _ => None,
        }
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::Data(b) => write!(f, "Data(<{} bytes>)", b.len()),
            Frame::CommitAck => f.write_str("CommitAck"),
            Frame::CommitNak => f.write_str("CommitNak"),
        }
    }
}

/// What the decoder tolerated or refused so far; counts only, never content.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecoderStats {
    /// Frames yielded (data frames and commit blocks).
    pub frames: u64,
    /// Bytes skipped between frames (not counting an accepted CR/LF trailer).
    pub noise_bytes: u64,
    /// Frames whose end byte was not followed by the trailer byte (lenient mode).
    pub missing_trailers: u64,
    /// Frames discarded with an error (too large, unterminated, missing trailer).
    pub discarded: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    /// Not right after a frame.
    Nothing,
    /// Right after the end byte of a frame yielded without waiting for the trailer.
    End,
    /// Right after the trailer byte: an LF may follow.
    Trailer,
}

/// Incremental MLLP decoder over a caller-owned [`BytesMut`].
///
/// Append what the transport delivered to the buffer and call [`FrameDecoder::decode`]
/// until it returns `Ok(None)`. Frames are split off the buffer without a copy. The
/// decoder remembers how far it has scanned, so each byte is examined once however the
/// stream is cut into reads (linear time), and the results are the same for any cutting.
/// Noise before a start byte is dropped at once, so an idle buffer stays empty; an
/// unfinished frame holds at most `max_frame` bytes before it is refused.
///
/// After a recoverable error ([`Error::is_recoverable`]) the decoder has already
/// resynchronised: keep calling `decode`.
///
/// # Examples
/// ```
/// use bytes::BytesMut;
/// use carewire_mllp::{Frame, FrameDecoder};
///
/// let mut decoder = FrameDecoder::new();
/// let mut buf = BytesMut::new();
/// buf.extend_from_slice(b"\x0bMSH|^~\\&|A\r\x1c\r\x0bMS");
/// let first = decoder.decode(&mut buf)?;
/// assert_eq!(first, Some(Frame::Data("MSH|^~\\&|A\r".into())));
/// assert_eq!(decoder.decode(&mut buf)?, None); // the second frame is not complete
/// buf.extend_from_slice(b"H|^~\\&|B\r\x1c\r\x0b\x06\x1c\r");
/// assert_eq!(decoder.decode(&mut buf)?, Some(Frame::Data("MSH|^~\\&|B\r".into())));
/// assert_eq!(decoder.decode(&mut buf)?, Some(Frame::CommitAck));
/// assert_eq!(decoder.decode(&mut buf)?, None);
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    config: FrameConfig,
    in_frame: bool,
    /// Content bytes at the front of the buffer already known to hold no special byte.
    scanned: usize,
    after: After,
    /// Skipping the rest of a refused frame: not counted as noise.
    discarding: bool,
    /// Stream offset of the first byte in the buffer.
    position: u64,
    /// Stream offset of the current frame's start byte.
    frame_start: u64,
    stats: DecoderStats,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new()
    }
}

impl FrameDecoder {
    /// A decoder with the default (lenient) configuration.
    pub fn new() -> FrameDecoder {
        FrameDecoder {
            config: FrameConfig::default(),
            in_frame: false,
            scanned: 0,
            after: After::Nothing,
            discarding: false,
            position: 0,
            frame_start: 0,
            stats: DecoderStats::default(),
        }
    }

    /// A decoder with `config`.
    ///
    /// # Errors
    /// As [`FrameConfig::validate`].
    pub fn with_config(config: FrameConfig) -> Result<FrameDecoder> {
        config.validate()?;
        Ok(FrameDecoder {
            config,
            ..FrameDecoder::new()
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FrameConfig {
        &self.config
    }

    /// Counts of frames, noise and refused frames so far.
    pub fn stats(&self) -> DecoderStats {
        self.stats
    }

    /// True while part of a frame has been seen but not its end.
    pub fn in_frame(&self) -> bool {
        self.in_frame
    }

    /// Bytes of the stream consumed so far (frames, trailers and noise).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Forgets any unfinished frame (for reuse on a new connection). Counters are kept.
    pub fn reset(&mut self) {
        self.in_frame = false;
        self.scanned = 0;
        self.after = After::Nothing;
        self.discarding = false;
        self.position = 0;
        self.frame_start = 0;
    }

    fn consume(&mut self, src: &mut BytesMut, n: usize) {
        src.advance(n);
        self.position += n as u64;
    }

    fn skip_noise(&mut self, src: &mut BytesMut, n: usize) {
        if !self.discarding {
            self.stats.noise_bytes += n as u64;
        }
        self.consume(src, n);
    }

    fn refuse(&mut self, kind: ErrorKind) -> Error {
        self.in_frame = false;
        self.scanned = 0;
        self.discarding = true;
        self.after = After::Nothing;
        self.stats.discarded += 1;
        Error::at(kind, self.frame_start)
    }

    fn take_frame(&mut self, src: &mut BytesMut, len: usize) -> Frame {
        let content = src.split_to(len).freeze();
        self.position += len as u64;
        self.in_frame = false;
        self.scanned = 0;
        self.stats.frames += 1;
        Frame::classify(content)
    }

    /// Skips the trailer (CR, LF) that may follow a frame.
    fn skip_trailer(&mut self, src: &mut BytesMut) {
        while let Some(&b) = src.first() {
            match self.after {
                After::Nothing => return,
                After::End => {
                    if b == self.config.trailer {
                        self.consume(src, 1);
                        self.after = After::Trailer;
                    } else if b == LINE_FEED && self.config.allow_trailing_lf {
                        self.consume(src, 1);
                        self.after = After::Nothing;
                    } else {
                        self.stats.missing_trailers += 1;
                        self.after = After::Nothing;
                    }
                }
                After::Trailer => {
                    if b == LINE_FEED && self.config.allow_trailing_lf {
                        self.consume(src, 1);
                    }
                    self.after = After::Nothing;
                }
            }
        }
    }

    /// Decodes the next frame from `src`, consuming what it used (frames, trailers and
    /// noise). Returns `Ok(None)` when `src` holds no complete frame yet.
    ///
    /// # Errors
    /// Recoverable framing faults, each after discarding the frame concerned:
    /// [`ErrorKind::FrameTooLarge`] (reported as soon as the frame exceeds `max_frame`,
    /// before its end arrives), [`ErrorKind::UnterminatedFrame`] (a start byte inside a
    /// frame: the new frame is kept), [`ErrorKind::MissingTrailer`] (strict mode only).
    /// The error's offset is the stream offset of the frame's start byte.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>> {
        if !self.in_frame {
            self.skip_trailer(src);
            if src.is_empty() {
                return Ok(None);
            }
            match memchr::memchr(self.config.start, src) {
                None => {
                    let n = src.len();
                    self.skip_noise(src, n);
                    return Ok(None);
                }
                Some(i) => {
                    self.skip_noise(src, i);
                    self.frame_start = self.position;
                    self.consume(src, 1);
                    self.in_frame = true;
                    self.scanned = 0;
                    self.discarding = false;
                    self.after = After::Nothing;
                }
            }
        }
        let (start, end) = (self.config.start, self.config.end);
        let max = self.config.max_frame;
        let found = src
            .get(self.scanned..)
            .and_then(|rest| memchr::memchr2(start, end, rest))
            .map(|i| i + self.scanned);
        let Some(p) = found else {
            self.scanned = src.len();
            if self.scanned > max {
                let n = self.scanned;
                self.consume(src, n);
                return Err(self.refuse(ErrorKind::FrameTooLarge { max }));
            }
            return Ok(None);
        };
        if p > max {
            // Leave the special byte for the idle scan: a start byte begins the next frame.
            self.consume(src, p);
            return Err(self.refuse(ErrorKind::FrameTooLarge { max }));
        }
        if src[p] == start {
            self.consume(src, p);
            return Err(self.refuse(ErrorKind::UnterminatedFrame));
        }
        // The end byte is at p.
        if self.config.allow_missing_trailer {
            let frame = self.take_frame(src, p);
            self.consume(src, 1);
            self.after = After::End;
            self.skip_trailer(src);
            return Ok(Some(frame));
        }
        let Some(&next) = src.get(p + 1) else {
            // Wait for the byte after the end byte; rescanning resumes at the end byte.
            self.scanned = p;
            return Ok(None);
        };
        if next == self.config.trailer || (next == LINE_FEED && self.config.allow_trailing_lf) {
            let frame = self.take_frame(src, p);
            self.consume(src, 2);
            self.after = if next == LINE_FEED {
                After::Nothing
            } else {
                After::Trailer
            };
            self.skip_trailer(src);
            Ok(Some(frame))
        } else {
            self.consume(src, p + 1);
            Err(self.refuse(ErrorKind::MissingTrailer))
        }
    }

    /// Like [`FrameDecoder::decode`], for when the stream has ended: an unfinished frame
    /// is an error rather than a wait.
    ///
    /// # Errors
    /// As `decode`, and [`ErrorKind::TruncatedFrame`] when the stream ends inside a frame
    /// ([`ErrorKind::MissingTrailer`] in strict mode when it ends right after an end byte).
    pub fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        if !self.in_frame {
            return Ok(None);
        }
        let kind = if src.get(self.scanned) == Some(&self.config.end) {
            ErrorKind::MissingTrailer
        } else {
            ErrorKind::TruncatedFrame
        };
        let n = src.len();
        self.consume(src, n);
        Err(self.refuse(kind))
    }
}

/// Writes frames: the mirror of [`FrameDecoder`], with the same configuration.
///
/// # Examples
/// ```
/// use bytes::BytesMut;
/// use carewire_mllp::FrameEncoder;
///
/// let encoder = FrameEncoder::new();
/// let mut out = BytesMut::new();
/// encoder.encode(b"MSH|^~\\&|A\r", &mut out)?;
/// encoder.encode_commit_ack(&mut out);
/// assert_eq!(&out[..], b"\x0bMSH|^~\\&|A\r\x1c\r\x0b\x06\x1c\r");
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct FrameEncoder {
    config: FrameConfig,
}

impl FrameEncoder {
    /// An encoder with the default configuration.
    pub fn new() -> FrameEncoder {
        FrameEncoder::default()
    }

    /// An encoder with `config`.
    ///
    /// # Errors
    /// As [`FrameConfig::validate`].
    pub fn with_config(config: FrameConfig) -> Result<FrameEncoder> {
        config.validate()?;
        Ok(FrameEncoder { config })
    }

    /// The configuration.
    pub fn config(&self) -> &FrameConfig {
        &self.config
    }

    /// Checks that `payload` can be framed: no start or end byte in it, and no longer
    /// than `max_frame`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPayload`], with the offset of the first framing byte (or of
    /// the first byte past the limit).
    pub fn check(&self, payload: &[u8]) -> Result<()> {
        if let Some(i) = memchr::memchr2(self.config.start, self.config.end, payload) {
            return Err(Error::at(ErrorKind::InvalidPayload, i as u64));
        }
        if payload.len() > self.config.max_frame {
            return Err(Error::at(
                ErrorKind::InvalidPayload,
                self.config.max_frame as u64,
            ));
        }
        Ok(())
    }

    /// Appends `payload` framed as `<start> payload <end><trailer>` to `dst`.
    ///
    /// # Errors
    /// As [`FrameEncoder::check`]; nothing is written then.
    pub fn encode(&self, payload: &[u8], dst: &mut BytesMut) -> Result<()> {
        self.check(payload)?;
        dst.reserve(payload.len() + 3);
        dst.put_u8(self.config.start);
        dst.put_slice(payload);
        dst.put_u8(self.config.end);
        dst.put_u8(self.config.trailer);
        Ok(())
    }

    /// Appends a frame of any kind.
    ///
    /// # Errors
    /// As [`FrameEncoder::encode`] for a data frame.
    pub fn encode_frame(&self, frame: &Frame, dst: &mut BytesMut) -> Result<()> {
        match frame {
            Frame::Data(b) => self.encode(b, dst),
            Frame::CommitAck => {
                self.encode_commit_ack(dst);
                Ok(())
            }
            Frame::CommitNak => {
                self.encode_commit_nak(dst);
                Ok(())
            }
        }
    }

    /// Appends an MLLP release 2 commit acknowledgment block.
    pub fn encode_commit_ack(&self, dst: &mut BytesMut) {
        dst.put_slice(&[
            self.config.start,
            COMMIT_ACK,
            self.config.end,
            self.config.trailer,
        ]);
    }

    /// Appends an MLLP release 2 negative commit acknowledgment block.
    pub fn encode_commit_nak(&self, dst: &mut BytesMut) {
        dst.put_slice(&[
            self.config.start,
            COMMIT_NAK,
            self.config.end,
            self.config.trailer,
        ]);
    }

    /// `payload` framed, in a new buffer.
    ///
    /// # Errors
    /// As [`FrameEncoder::encode`].
    pub fn to_bytes(&self, payload: &[u8]) -> Result<Bytes> {
        let mut dst = BytesMut::with_capacity(payload.len() + 3);
        self.encode(payload, &mut dst)?;
        Ok(dst.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(dec: &mut FrameDecoder, input: &[u8]) -> Vec<Result<Frame>> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        for _ in 0..input.len() + 2 {
            match dec.decode(&mut buf) {
                Ok(Some(f)) => out.push(Ok(f)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
        out
    }

    fn data(s: &[u8]) -> Result<Frame> {
        Ok(Frame::Data(Bytes::copy_from_slice(s)))
    }

    #[test]
    fn several_frames_in_one_read_with_noise_and_variants() {
        let mut dec = FrameDecoder::new();
        let input = b"junk\x0bA\x1c\r\x0bB\x1c\r\n\r\n\x0bC\x1c\x0bD\x1c\n\x0b\x15\x1c\r";
        let got = decode_all(&mut dec, input);
        assert_eq!(
            got,
            vec![
                data(b"A"),
                data(b"B"),
                data(b"C"),
                data(b"D"),
                Ok(Frame::CommitNak)
            ]
        );
        let s = dec.stats();
        assert_eq!(s.frames, 5);
        assert_eq!(s.noise_bytes, 4 + 2);
        assert_eq!(s.missing_trailers, 1);
        assert_eq!(dec.position(), input.len() as u64);
    }

    #[test]
    fn frame_split_byte_by_byte() {
        let mut dec = FrameDecoder::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &b in b"\x0bMSH|1\r\x1c\r\x0bMSH|2\r\x1c\r" {
            buf.put_u8(b);
            while let Some(f) = dec.decode(&mut buf).unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].raw(), b"MSH|2\r");
        assert!(buf.is_empty());
    }

    #[test]
    fn oversized_frame_is_refused_before_its_end_and_decoder_resyncs() {
        let config = FrameConfig {
            max_frame: 4,
            ..FrameConfig::default()
        };
        let mut dec = FrameDecoder::with_config(config).unwrap();
        let mut buf = BytesMut::from(&b"xx\x0b12345"[..]);
        let err = dec.decode(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::FrameTooLarge { max: 4 });
        assert_eq!(err.offset(), Some(2));
        assert!(buf.is_empty(), "refused bytes are not kept");
        buf.extend_from_slice(b"6789\x1c\r\x0bok\x1c\r");
        assert_eq!(
            dec.decode(&mut buf).unwrap(),
            Some(Frame::Data("ok".into()))
        );
        assert_eq!(dec.stats().noise_bytes, 2);
        assert_eq!(dec.stats().discarded, 1);
        // Exactly max_frame is accepted.
        let mut buf = BytesMut::from(&b"\x0b1234\x1c\r"[..]);
        assert_eq!(
            dec.decode(&mut buf).unwrap(),
            Some(Frame::Data("1234".into()))
        );
    }

    #[test]
    fn start_byte_inside_frame_restarts() {
        let mut dec = FrameDecoder::new();
        let got = decode_all(&mut dec, b"\x0bhalf\x0bwhole\x1c\r");
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].as_ref().unwrap_err().kind(),
            ErrorKind::UnterminatedFrame
        );
        assert_eq!(got[1], data(b"whole"));
    }

    #[test]
    fn strict_mode_waits_for_and_requires_the_trailer() {
        let mut dec = FrameDecoder::with_config(FrameConfig::strict()).unwrap();
        let mut buf = BytesMut::from(&b"\x0bA\x1c"[..]);
        assert_eq!(dec.decode(&mut buf).unwrap(), None);
        buf.put_u8(b'\r');
        assert_eq!(dec.decode(&mut buf).unwrap(), Some(Frame::Data("A".into())));
        let got = decode_all(&mut dec, b"\x0bB\x1cX\x0bC\x1c\r");
        assert_eq!(
            got[0].as_ref().unwrap_err().kind(),
            ErrorKind::MissingTrailer
        );
        assert_eq!(got[1], data(b"C"));
        let mut buf = BytesMut::from(&b"\x0bD\x1c"[..]);
        let err = dec.decode_eof(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingTrailer);
    }

    #[test]
    fn eof_inside_frame_is_truncated() {
        let mut dec = FrameDecoder::new();
        let mut buf = BytesMut::from(&b"\x0bpart"[..]);
        assert_eq!(dec.decode(&mut buf).unwrap(), None);
        let err = dec.decode_eof(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TruncatedFrame);
        assert!(!dec.in_frame());
        assert_eq!(dec.decode_eof(&mut buf).unwrap(), None);
    }

    #[test]
    fn custom_framing_bytes() {
        let config = FrameConfig {
            start: b'<',
            end: b'>',
            trailer: b'!',
            ..FrameConfig::default()
        };
        let enc = FrameEncoder::with_config(config.clone()).unwrap();
        let mut dec = FrameDecoder::with_config(config).unwrap();
        let mut buf = BytesMut::new();
        enc.encode(b"hello\x0b\x1c", &mut buf).unwrap();
        assert_eq!(&buf[..], b"<hello\x0b\x1c>!");
        assert_eq!(
            dec.decode(&mut buf).unwrap(),
            Some(Frame::Data("hello\x0b\x1c".into()))
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn encoder_refuses_framing_bytes_and_oversize() {
        let enc = FrameEncoder::new();
        let mut out = BytesMut::new();
        let err = enc.encode(b"ab\x1ccd", &mut out).unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (ErrorKind::InvalidPayload, Some(2))
        );
        assert!(out.is_empty());
        let small = FrameEncoder::with_config(FrameConfig {
            max_frame: 2,
            ..FrameConfig::default()
        })
        .unwrap();
        assert!(small.encode(b"abc", &mut out).is_err());
        enc.encode_frame(&Frame::CommitNak, &mut out).unwrap();
        assert_eq!(&out[..], b"\x0b\x15\x1c\r");
    }

    #[test]
    fn invalid_configs() {
        let bad = [
            FrameConfig {
                start: END_BLOCK,
                ..FrameConfig::default()
            },
            FrameConfig {
                end: COMMIT_ACK,
                ..FrameConfig::default()
            },
            FrameConfig {
                max_frame: 0,
                ..FrameConfig::default()
            },
        ];
        for c in bad {
            assert_eq!(
                FrameDecoder::with_config(c).unwrap_err().kind(),
                ErrorKind::InvalidConfig
            );
        }
    }

    #[test]
    fn debug_never_shows_content() {
        let f = Frame::Data("MSH|secret".into());
        assert_eq!(format!("{f:?}"), "Data(<10 bytes>)");
    }
}
