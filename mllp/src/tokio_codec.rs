//! A tokio-util codec (feature `tokio`) over the same sans-IO core.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::codec::{DecoderStats, Frame, FrameConfig, FrameDecoder, FrameEncoder};
use crate::error::{Error, Result};

/// MLLP framing for `tokio_util::codec::Framed`, `FramedRead` and `FramedWrite`.
///
/// Decodes to [`Frame`]s; encodes [`Frame`], [`Bytes`] or `&[u8]` payloads.
///
/// A framed stream ends at its first error, so by default the codec skips recoverable
/// framing faults (a frame too large, unterminated, or missing its trailer): the frame
/// is dropped, counted in [`MllpCodec::stats`], and decoding goes on with the next frame,
/// as the blocking server does. [`MllpCodec::report_framing_errors`] returns them instead.
///
/// # Examples
/// ```
/// use bytes::BytesMut;
/// use carewire_mllp::{Frame, MllpCodec};
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let mut codec = MllpCodec::new();
/// let mut wire = BytesMut::new();
/// codec.encode(&b"MSH|^~\\&|A\r"[..], &mut wire)?;
/// codec.encode(Frame::CommitAck, &mut wire)?;
/// assert_eq!(codec.decode(&mut wire)?, Some(Frame::Data("MSH|^~\\&|A\r".into())));
/// assert_eq!(codec.decode(&mut wire)?, Some(Frame::CommitAck));
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MllpCodec {
    decoder: FrameDecoder,
    encoder: FrameEncoder,
    report: bool,
}

impl MllpCodec {
    /// A codec with the default (lenient) framing.
    pub fn new() -> MllpCodec {
        MllpCodec::default()
    }

    /// A codec with `config`.
    ///
    /// # Errors
    /// As [`FrameConfig::validate`].
    pub fn with_config(config: FrameConfig) -> Result<MllpCodec> {
        Ok(MllpCodec {
            decoder: FrameDecoder::with_config(config.clone())?,
            encoder: FrameEncoder::with_config(config)?,
            report: false,
        })
    }

    /// Return recoverable framing errors from `decode` instead of skipping them (the
    /// framed stream then ends at the first one).
    pub fn report_framing_errors(mut self, report: bool) -> MllpCodec {
        self.report = report;
        self
    }

    /// Counts of frames, noise and discarded frames so far.
    pub fn stats(&self) -> DecoderStats {
        self.decoder.stats()
    }

    fn next(
        &mut self,
        src: &mut BytesMut,
        step: fn(&mut FrameDecoder, &mut BytesMut) -> Result<Option<Frame>>,
    ) -> Result<Option<Frame>> {
        // Each skipped error consumed at least the start byte, so this ends.
        loop {
            match step(&mut self.decoder, src) {
                Err(e) if e.is_recoverable() && !self.report => continue,
                other => return other,
            }
        }
    }
}

impl Decoder for MllpCodec {
    type Item = Frame;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>> {
        self.next(src, FrameDecoder::decode)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>> {
        self.next(src, FrameDecoder::decode_eof)
    }
}

impl Encoder<Frame> for MllpCodec {
    type Error = Error;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<()> {
        self.encoder.encode_frame(&frame, dst)
    }
}

impl Encoder<Bytes> for MllpCodec {
    type Error = Error;

    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> Result<()> {
        self.encoder.encode(&payload, dst)
    }
}

impl Encoder<&[u8]> for MllpCodec {
    type Error = Error;

    fn encode(&mut self, payload: &[u8], dst: &mut BytesMut) -> Result<()> {
        self.encoder.encode(payload, dst)
    }
}
