//! Blocking (`std::net`) client and server on the sans-IO core: one thread per connection.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::codec::{Frame, FrameConfig, FrameDecoder, FrameEncoder};
use crate::error::{Error, ErrorKind, Phase, Result};
use crate::metrics::{Event, Metrics, Timing};
use crate::trace;

/// A connection: plain TCP, or TLS over TCP.
enum Stream {
    Plain(TcpStream),
    #[cfg(feature = "tls")]
    TlsClient(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    #[cfg(feature = "tls")]
    TlsServer(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => &s.sock,
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => &s.sock,
        }
    }

    /// True for a TLS server connection whose client must pass an allow-list.
    fn needs_admission(&self) -> bool {
        match self {
            #[cfg(feature = "tls")]
            Stream::TlsServer(_) => true,
            _ => false,
        }
    }

    /// True when the client may stay (after the handshake).
    #[cfg_attr(not(feature = "tls"), allow(unused_variables))]
    fn admitted(&self, config: &ServerConfig) -> bool {
        match self {
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => config
                .tls
                .as_ref()
                .map_or(true, |t| t.admits(s.conn.peer_certificates())),
            _ => true,
        }
    }

    /// Ends the connection (with a TLS close_notify where there is TLS).
    fn close(&mut self) {
        match self {
            Stream::Plain(_) => {}
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
        }
        let _ = self.tcp().shutdown(Shutdown::Both);
    }

    /// True when nothing is waiting to be read and the peer has not closed: one
    /// non-blocking peek at the socket (a single system call on Unix). Under TLS,
    /// plaintext rustls already holds is unasked data; bytes waiting on the socket are
    /// read without blocking, which consumes session tickets and other TLS housekeeping
    /// that is not data.
    fn is_quiet(&mut self) -> bool {
        match self {
            Stream::Plain(s) => {
                if let Some(pending) = socket_pending(s) {
                    return !pending;
                }
            }
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => {
                if tls_has_plaintext(s.conn.reader()) {
                    return false;
                }
                if socket_pending(&s.sock) == Some(false) {
                    return true;
                }
            }
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => {
                if tls_has_plaintext(s.conn.reader()) {
                    return false;
                }
                if socket_pending(&s.sock) == Some(false) {
                    return true;
                }
            }
        }
        self.is_quiet_slow()
    }

    /// [`Stream::is_quiet`] by switching the socket to non-blocking mode for one read.
    fn is_quiet_slow(&mut self) -> bool {
        if self.tcp().set_nonblocking(true).is_err() {
            return false;
        }
        let mut probe = [0u8; 1];
        let result = match self {
            Stream::Plain(s) => s.peek(&mut probe),
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => s.read(&mut probe),
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => s.read(&mut probe),
        };
        // Ok(0): closed by the peer; Ok(n): bytes nobody asked for.
        let quiet = matches!(result, Err(ref e) if e.kind() == io::ErrorKind::WouldBlock);
        self.tcp().set_nonblocking(false).is_ok() && quiet
    }
}

/// Whether bytes (or the peer's close) wait on the socket, by one `recv` with
/// `MSG_PEEK | MSG_DONTWAIT`, which neither blocks nor consumes; `None` where that is not
/// available.
#[cfg(unix)]
fn socket_pending(tcp: &TcpStream) -> Option<bool> {
    let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    let flags = libc::MSG_PEEK | libc::MSG_DONTWAIT;
    Some(
        match socket2::SockRef::from(tcp).recv_with_flags(&mut probe, flags) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            // Ok(0): closed by the peer; Ok(n): bytes nobody asked for; Err: broken.
            _ => true,
        },
    )
}

#[cfg(not(unix))]
fn socket_pending(_tcp: &TcpStream) -> Option<bool> {
    None
}

/// True when rustls holds decrypted bytes not read yet (or the peer closed the TLS
/// session).
#[cfg(feature = "tls")]
fn tls_has_plaintext(mut reader: rustls::Reader<'_>) -> bool {
    let mut probe = [0u8; 1];
    !matches!(reader.read(&mut probe), Err(ref e) if e.kind() == io::ErrorKind::WouldBlock)
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => s.write(buf),
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => s.flush(),
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => s.flush(),
        }
    }
}

/// Bytes read from a socket at a time. A connection holds the unfinished frame it has
/// buffered (at most `max_frame`), at most one read beyond it, and this read buffer: so
/// at most `max_frame` + 32 KiB of buffers, and 16 KiB while idle.
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// A buffer left this large by a big frame is given back once it is empty, so an idle
/// connection does not keep a big frame's memory.
pub(crate) const SHRINK_ABOVE: usize = 4 * READ_CHUNK;

/// Appends what a read brought to a connection's frame buffer. When it must grow, it
/// grows fourfold (not the usual twofold), at most to what the decoder can ever hold
/// (`max_frame` and one read): a big frame then passes through fewer, larger buffers,
/// and fewer freed smaller ones stay resident in the allocator between connections.
pub(crate) fn append(buf: &mut BytesMut, data: &[u8], max_frame: usize) {
    if buf.capacity() - buf.len() < data.len() {
        let limit = max_frame.saturating_add(2 * READ_CHUNK);
        let want = buf
            .len()
            .saturating_mul(4)
            .clamp(READ_CHUNK, limit.max(READ_CHUNK));
        buf.reserve(want.max(buf.len() + data.len()) - buf.len());
    }
    buf.extend_from_slice(data);
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn timeout_or_io(e: io::Error, phase: Phase) -> Error {
    if is_timeout(&e) {
        Error::new(ErrorKind::Timeout(phase))
    } else {
        Error::from(e)
    }
}

/// A zero timeout means "no timeout" to `std::net`, and is refused by it.
pub(crate) fn nonzero(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

/// Client timeouts and framing.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use carewire_mllp::blocking::ClientConfig;
/// let mut config = ClientConfig::default();
/// config.response_timeout = Duration::from_secs(5);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Framing (default: standard MLLP, 16 MiB limit).
    pub frame: FrameConfig,
    /// Limit for opening the TCP connection (default 10 s).
    pub connect_timeout: Duration,
    /// Limit for writing one frame (default 30 s).
    pub send_timeout: Duration,
    /// Limit for the response to arrive after the frame was written (default 30 s).
    pub response_timeout: Duration,
    /// A connection unused for this long is replaced before the next request (default
    /// 5 min), since firewalls often drop idle connections without telling either end.
    pub idle_timeout: Duration,
    /// TLS (feature `tls`); `None` (the default) is plain TCP.
    #[cfg(feature = "tls")]
    pub tls: Option<crate::tls::TlsClientConfig>,
    /// Where events and round-trip times go (default: nowhere).
    pub metrics: Option<Arc<dyn Metrics>>,
    /// With the `tracing` feature, also emit each frame sent and received as a TRACE
    /// event with its content (field `payload`). Off by default: messages carry patient
    /// data, and spans and events otherwise carry only the peer, MSH-10, lengths and
    /// kinds.
    pub trace_payloads: bool,
    /// Receives each message that [`Client::request_with_retry`] or
    /// `Client::send_message_with_retry` (feature `hl7`) could not deliver, with the
    /// reason (default: nobody; the error is returned either way).
    pub dead_letter: Option<Arc<dyn DeadLetter>>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ClientConfig");
        d.field("frame", &self.frame)
            .field("connect_timeout", &self.connect_timeout)
            .field("send_timeout", &self.send_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("idle_timeout", &self.idle_timeout);
        #[cfg(feature = "tls")]
        d.field("tls", &self.tls);
        d.field("metrics", &self.metrics.is_some())
            .field("trace_payloads", &self.trace_payloads)
            .field("dead_letter", &self.dead_letter.is_some())
            .finish()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            frame: FrameConfig::default(),
            connect_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(30),
            response_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(300),
            #[cfg(feature = "tls")]
            tls: None,
            metrics: None,
            trace_payloads: false,
            dead_letter: None,
        }
    }
}

/// Why a message ended undelivered (see [`DeadLetter`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Undelivered {
    /// The last attempt failed: a timeout, a broken connection, a response that is not
    /// this message's acknowledgment, a commit NAK, or a message that cannot be sent
    /// (e.g. it has no control id). The error says which.
    Failed(Error),
    /// The peer answered, and refused it: the last acknowledgment was negative.
    Refused(NegativeAck),
}

/// A negative HL7 acknowledgment code (MSA-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NegativeAck {
    /// AE: application error.
    ApplicationError,
    /// AR: application reject.
    ApplicationReject,
    /// CE: commit error (enhanced mode).
    CommitError,
    /// CR: commit reject (enhanced mode).
    CommitReject,
}

impl NegativeAck {
    /// The MSA-1 code: `AE`, `AR`, `CE` or `CR`.
    pub fn as_str(self) -> &'static str {
        match self {
            NegativeAck::ApplicationError => "AE",
            NegativeAck::ApplicationReject => "AR",
            NegativeAck::CommitError => "CE",
            NegativeAck::CommitReject => "CR",
        }
    }
}

impl std::fmt::Display for Undelivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undelivered::Failed(e) => write!(f, "failed: {e}"),
            Undelivered::Refused(code) => write!(f, "refused with {}", code.as_str()),
        }
    }
}

/// Where undeliverable messages go: the caller's dead-letter queue, a file, an alert.
///
/// [`Client::request_with_retry`] and `Client::send_message_with_retry` (feature
/// `hl7`; blocking and async clients alike) call it once per message whose final
/// outcome, after the retry policy, is an error or a negative acknowledgment (AE, AR,
/// CE, CR), with the message as given, the reason and the number of attempts made.
/// The call happens on the sending thread before the method returns; the method still
/// returns the same outcome. The message is handed over so that it can be kept; this
/// crate itself never logs it.
///
/// Closures `Fn(&[u8], &Undelivered, u32)` are hooks.
///
/// # Examples
/// ```
/// use std::sync::{Arc, Mutex};
/// use carewire_mllp::blocking::{ClientConfig, Undelivered};
///
/// let parked: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
/// let mut config = ClientConfig::default();
/// let sink = Arc::clone(&parked);
/// config.dead_letter = Some(Arc::new(move |msg: &[u8], why: &Undelivered, attempts: u32| {
///     eprintln!("undelivered after {attempts} attempts: {why}");
///     sink.lock().unwrap().push(msg.to_vec());
/// }));
/// ```
pub trait DeadLetter: Send + Sync + 'static {
    /// `message` could not be delivered, for `reason`, after `attempts` attempts.
    fn undelivered(&self, message: &[u8], reason: &Undelivered, attempts: u32);
}

impl<F> DeadLetter for F
where
    F: Fn(&[u8], &Undelivered, u32) + Send + Sync + 'static,
{
    fn undelivered(&self, message: &[u8], reason: &Undelivered, attempts: u32) {
        self(message, reason, attempts)
    }
}

/// Hands an undelivered message to the configured hook (and counts it).
pub(crate) fn dead_letter(
    config: &ClientConfig,
    message: &[u8],
    reason: Undelivered,
    attempts: u32,
) {
    if let Some(m) = &config.metrics {
        m.record(Event::Undelivered);
    }
    match &reason {
        Undelivered::Failed(e) => trace::failure("undelivered", e),
        Undelivered::Refused(code) => trace::code("undelivered", code.as_str()),
    }
    if let Some(hook) = &config.dead_letter {
        hook.undelivered(message, &reason, attempts);
    }
}

struct Connection {
    stream: Stream,
    addr: SocketAddr,
    buf: BytesMut,
    chunk: Vec<u8>,
    decoder: FrameDecoder,
    last_used: Instant,
    /// The read timeout the socket has now (setting it is a system call).
    read_timeout: Duration,
}

/// A stop-and-wait MLLP client over one persistent TCP connection.
///
/// Each request writes one frame and waits for one response frame. Any failure —
/// a timeout, an I/O error, a garbled or unacceptable response — closes the connection,
/// so a response that arrives late can never be read as the answer to a later request.
/// The next request opens a new connection. Before a request is written on a reused
/// connection, the client checks that the peer has neither closed it nor sent anything
/// unasked; either way it reconnects.
///
/// With the `hl7` feature, `Client::send_message` also checks that the response is
/// the HL7 acknowledgment of the message sent (MSA-2 equals MSH-10).
///
/// # Examples
/// ```
/// use carewire_mllp::blocking::{Client, ClientConfig, Reply, Server, ServerConfig};
/// use carewire_mllp::Frame;
///
/// let server = Server::bind("127.0.0.1:0", ServerConfig::default(), |frame: Frame, _peer| {
///     Reply::Frame(Frame::CommitAck) // acknowledge every frame (MLLP release 2)
/// })?;
/// let mut client = Client::connect(server.local_addr(), ClientConfig::default())?;
/// assert_eq!(client.request(b"MSH|^~\\&|A\r")?, Frame::CommitAck);
/// server.shutdown();
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
pub struct Client {
    addrs: Vec<SocketAddr>,
    config: ClientConfig,
    encoder: FrameEncoder,
    conn: Option<Connection>,
    out: BytesMut,
    connects: u64,
    /// The span of the current connection (feature `tracing`).
    span: trace::Span,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("addrs", &self.addrs)
            .field("connected", &self.conn.is_some())
            .finish()
    }
}

impl Client {
    /// Resolves `addr` and connects.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] for a bad framing configuration or an address that
    /// resolves to nothing; [`ErrorKind::Timeout`] (`Connect`) or an I/O error when no
    /// address accepts the connection.
    pub fn connect(addr: impl ToSocketAddrs, config: ClientConfig) -> Result<Client> {
        let encoder = FrameEncoder::with_config(config.frame.clone())?;
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        if addrs.is_empty() {
            return Err(Error::new(ErrorKind::InvalidConfig));
        }
        let mut client = Client {
            addrs,
            config,
            encoder,
            conn: None,
            out: BytesMut::new(),
            connects: 0,
            span: trace::none(),
        };
        client.ensure_connected()?;
        Ok(client)
    }

    /// True while a connection is open.
    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Connections opened so far (the first one included).
    pub fn connects(&self) -> u64 {
        self.connects
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn record(&self, event: Event) {
        if let Some(m) = &self.config.metrics {
            m.record(event);
        }
    }

    /// Closes the connection (the next request opens a new one).
    pub fn close(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            conn.stream.close();
        }
    }

    fn open(&self) -> Result<Connection> {
        let mut last = Error::new(ErrorKind::InvalidConfig);
        for addr in &self.addrs {
            match TcpStream::connect_timeout(addr, nonzero(self.config.connect_timeout)) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    stream.set_write_timeout(Some(nonzero(self.config.send_timeout)))?;
                    // Bounds reads before the response phase sets its own deadline,
                    // such as a TLS handshake's, which happens inside the first write.
                    stream.set_read_timeout(Some(nonzero(self.config.send_timeout)))?;
                    return Ok(Connection {
                        stream: self.wrap(stream)?,
                        addr: *addr,
                        buf: BytesMut::new(),
                        chunk: vec![0u8; READ_CHUNK],
                        decoder: FrameDecoder::with_config(self.config.frame.clone())?,
                        last_used: Instant::now(),
                        read_timeout: nonzero(self.config.send_timeout),
                    });
                }
                Err(e) => last = timeout_or_io(e, Phase::Connect),
            }
        }
        Err(last)
    }

    #[cfg(not(feature = "tls"))]
    fn wrap(&self, stream: TcpStream) -> Result<Stream> {
        Ok(Stream::Plain(stream))
    }

    #[cfg(feature = "tls")]
    fn wrap(&self, stream: TcpStream) -> Result<Stream> {
        let Some(tls) = &self.config.tls else {
            return Ok(Stream::Plain(stream));
        };
        let conn = rustls::ClientConnection::new(Arc::clone(&tls.config), tls.server_name.clone())
            .map_err(|_| Error::new(ErrorKind::Tls))?;
        Ok(Stream::TlsClient(Box::new(rustls::StreamOwned::new(
            conn, stream,
        ))))
    }

    /// True when the open connection is still usable: not closed by the peer, nothing
    /// unread (a late or unasked frame means the stream is out of step).
    fn connection_is_clean(conn: &mut Connection, idle_timeout: Duration) -> bool {
        if !conn.buf.is_empty()
            || conn.decoder.in_frame()
            || conn.last_used.elapsed() >= idle_timeout
        {
            return false;
        }
        conn.stream.is_quiet()
    }

    fn ensure_connected(&mut self) -> Result<()> {
        if let Some(conn) = self.conn.as_mut() {
            if Client::connection_is_clean(conn, self.config.idle_timeout) {
                return Ok(());
            }
            self.close();
        }
        let conn = self.open().map_err(|e| {
            if e.is_timeout() {
                self.record(Event::Timeout(Phase::Connect));
            }
            e
        })?;
        self.connects += 1;
        self.span = trace::connection("client", conn.addr, Some(self.connects - 1));
        self.span.in_scope(|| trace::event("connection opened", 0));
        self.record(Event::ConnectionOpened);
        if self.connects > 1 {
            self.record(Event::Reconnect);
        }
        self.conn = Some(conn);
        Ok(())
    }

    /// Sends `payload` as one frame and waits for the next frame from the peer.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPayload`] (nothing sent, connection kept);
    /// [`ErrorKind::Timeout`] for connect, send or response; [`ErrorKind::ConnectionClosed`];
    /// framing errors in the response; I/O errors. After any error but `InvalidPayload`
    /// the connection is closed.
    pub fn request(&mut self, payload: &[u8]) -> Result<Frame> {
        self.request_with(payload, |_| true)
    }

    /// Like [`Client::request`], and the response must satisfy `accept`.
    ///
    /// # Errors
    /// As `request`, and [`ErrorKind::AckMismatch`] (connection closed) when `accept`
    /// refuses the response.
    pub fn request_with(
        &mut self,
        payload: &[u8],
        accept: impl FnOnce(&Frame) -> bool,
    ) -> Result<Frame> {
        self.out.clear();
        self.encoder.encode(payload, &mut self.out)?;
        let started = self.config.metrics.as_ref().map(|_| Instant::now());
        let connected = self.ensure_connected();
        let span = trace::message(&self.span, payload);
        let _in_msg = span.enter();
        trace::payload(self.config.trace_payloads, "sent", payload);
        let exchanged = connected.and_then(|()| self.exchange());
        let result = settle_exchange(exchanged, accept, &self.config, started);
        if let Err(e) = &result {
            trace::failure("request failed", e);
            self.close();
        }
        result
    }

    /// Like [`Client::request`], trying again under `policy`: after a retryable error
    /// (see [`RetryPolicy::is_retryable`]) or, if enabled, a commit NAK block, the
    /// frame is sent again on a new connection after the backoff.
    ///
    /// # Errors
    /// The last attempt's error once `max_attempts` are used, or the first error that
    /// is not retryable. A NAK after the last attempt is returned as
    /// [`ErrorKind::Nak`]. The message is then undelivered: it goes to the configured
    /// [`DeadLetter`] hook, if any, before the error is returned.
    pub fn request_with_retry(&mut self, payload: &[u8], policy: &RetryPolicy) -> Result<Frame> {
        let mut first = true;
        let (result, attempts) = policy.run(
            || match self.retrying(&mut first).request(payload)? {
                Frame::CommitNak => Err(Error::new(ErrorKind::Nak)),
                frame => Ok(frame),
            },
            |_| false,
        );
        if let Err(e) = &result {
            dead_letter(
                &self.config,
                payload,
                Undelivered::Failed(e.clone()),
                attempts,
            );
        }
        result
    }

    /// `self`, counting a retry unless this is the first attempt.
    pub(crate) fn retrying(&mut self, first: &mut bool) -> &mut Client {
        if !std::mem::take(first) {
            self.span.in_scope(|| trace::event("retry", 0));
            self.record(Event::Retry);
        }
        self
    }

    /// Waits for the next frame on the open connection without sending anything (e.g.
    /// the application acknowledgment that follows an enhanced-mode commit
    /// acknowledgment); it must satisfy `accept`.
    ///
    /// # Errors
    /// As [`Client::request_with`]; [`ErrorKind::ConnectionClosed`] when no connection
    /// is open. After any error the connection is closed.
    #[cfg_attr(not(feature = "hl7"), allow(dead_code))]
    pub(crate) fn receive_with(&mut self, accept: impl FnOnce(&Frame) -> bool) -> Result<Frame> {
        let span = self.span.clone();
        let _in_conn = span.enter();
        let started = self.config.metrics.as_ref().map(|_| Instant::now());
        let result = settle_exchange(self.read_response(), accept, &self.config, started);
        if result.is_err() {
            self.close();
        }
        result
    }

    /// Writes the encoded request on the open connection and reads the response.
    fn exchange(&mut self) -> Result<Frame> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(Error::new(ErrorKind::ConnectionClosed));
        };
        conn.stream
            .write_all(&self.out)
            .and_then(|()| conn.stream.flush())
            .map_err(|e| timeout_or_io(e, Phase::Send))?;
        self.read_response()
    }

    /// Reads until one frame is decoded or the response timeout passes.
    fn read_response(&mut self) -> Result<Frame> {
        let response_timeout = self.config.response_timeout;
        let Some(conn) = self.conn.as_mut() else {
            return Err(Error::new(ErrorKind::ConnectionClosed));
        };
        let started = Instant::now();
        let deadline = started + response_timeout;
        let mut first = true;
        loop {
            if let Some(frame) = conn.decoder.decode(&mut conn.buf)? {
                conn.last_used = if first { started } else { Instant::now() };
                if conn.buf.is_empty() && conn.buf.capacity() > SHRINK_ABOVE {
                    conn.buf = BytesMut::new();
                }
                return Ok(frame);
            }
            // The first read waits the whole response timeout: the socket usually has
            // it already from the previous request, which saves a system call per
            // message. Later reads (a response in pieces) wait what is left of it.
            let wait = if first {
                nonzero(response_timeout)
            } else {
                let now = Instant::now();
                if now >= deadline {
                    return Err(Error::new(ErrorKind::Timeout(Phase::Response)));
                }
                nonzero(deadline - now)
            };
            first = false;
            if wait != conn.read_timeout {
                conn.stream.tcp().set_read_timeout(Some(wait))?;
                conn.read_timeout = wait;
            }
            match conn.stream.read(&mut conn.chunk) {
                Ok(0) => {
                    return match conn.decoder.decode_eof(&mut conn.buf)? {
                        Some(frame) => Ok(frame),
                        None => Err(Error::new(ErrorKind::ConnectionClosed)),
                    }
                }
                Ok(n) => conn.buf.extend_from_slice(&conn.chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(timeout_or_io(e, Phase::Response)),
            }
        }
    }
}

/// When and how often a client tries again: exponential backoff with jitter.
///
/// Resending is safe against a receiver that detects duplicates (as
/// [`StoreHandler`](crate::store::StoreHandler) does); it answers a resent message with
/// the stored reply instead of processing it twice.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use carewire_mllp::blocking::RetryPolicy;
/// let mut policy = RetryPolicy::default();
/// policy.jitter = false;
/// assert_eq!(policy.backoff(0), Duration::from_millis(200));
/// assert_eq!(policy.backoff(3), Duration::from_millis(1600));
/// assert_eq!(policy.backoff(30), policy.max_backoff);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 5; at least 1 is made).
    pub max_attempts: u32,
    /// Wait before the first retry (default 200 ms); doubled for each further retry.
    pub initial_backoff: Duration,
    /// Longest wait between attempts (default 30 s).
    pub max_backoff: Duration,
    /// Wait a random time between half and all of the backoff, so that many clients
    /// cut off at once do not come back at once (default true).
    pub jitter: bool,
    /// Resend after a negative commit acknowledgment block (default true).
    pub retry_on_nak: bool,
    /// Resend after an application error (AE) or commit error (CE) acknowledgment
    /// (default false).
    pub retry_on_error: bool,
    /// Resend after an application reject (AR) or commit reject (CR) acknowledgment
    /// (default false).
    pub retry_on_reject: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(30),
            jitter: true,
            retry_on_nak: true,
            retry_on_error: false,
            retry_on_reject: false,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first retry), before jitter:
    /// `initial_backoff * 2^retry`, at most `max_backoff`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry`, with jitter if enabled.
    pub(crate) fn wait(&self, retry: u32) -> Duration {
        let full = self.backoff(retry);
        if !self.jitter {
            return full;
        }
        let half = full / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return full;
        }
        half + Duration::from_nanos(random_u64() % nanos)
    }

    /// True when an error is worth another attempt: the connection failed or timed out,
    /// the response was not the expected one, or (if enabled) the peer sent a NAK.
    pub fn is_retryable(&self, error: &Error) -> bool {
        match error.kind() {
            ErrorKind::Timeout(_)
            | ErrorKind::ConnectionClosed
            | ErrorKind::AckMismatch
            | ErrorKind::Io(_)
            | ErrorKind::FrameTooLarge { .. }
            | ErrorKind::UnterminatedFrame
            | ErrorKind::MissingTrailer
            | ErrorKind::TruncatedFrame => true,
            ErrorKind::Nak => self.retry_on_nak,
            _ => false,
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or `max_attempts` are used,
    /// sleeping between attempts. `again` decides whether a success still calls for a
    /// retry (e.g. an AE acknowledgment); the last result is returned either way, with
    /// the number of attempts made.
    pub(crate) fn run<T>(
        &self,
        mut attempt: impl FnMut() -> Result<T>,
        again: impl Fn(&T) -> bool,
    ) -> (Result<T>, u32) {
        let mut n = 0;
        loop {
            let result = attempt();
            n += 1;
            if !self.again(&result, n, &again) {
                return (result, n);
            }
            thread::sleep(self.wait(n - 1));
        }
    }

    /// True when attempt `n` (1-based), with `result`, is to be followed by another.
    pub(crate) fn again<T>(&self, result: &Result<T>, n: u32, again: impl Fn(&T) -> bool) -> bool {
        let retry = match result {
            Ok(v) => again(v),
            Err(e) => self.is_retryable(e),
        };
        retry && n < self.max_attempts.max(1)
    }
}

/// A pseudo-random number for jitter (SplitMix64 over the clock and a counter; not for
/// anything that needs unpredictability).
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = clock
        ^ COUNTER
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What a server handler answers to a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Send this frame back.
    Frame(Frame),
    /// Send these frames back, in order, in one write: e.g. an enhanced-mode commit
    /// acknowledgment followed by the application acknowledgment.
    Frames(Vec<Frame>),
    /// Send nothing.
    Nothing,
    /// Send nothing and close the connection (e.g. the store failed: the peer must not
    /// get an acknowledgment, and will resend).
    Close,
}

impl Reply {
    /// A reply with a data frame.
    pub fn data(payload: impl Into<Bytes>) -> Reply {
        Reply::Frame(Frame::Data(payload.into()))
    }

    /// The reply that sends `frames` in order: [`Reply::Nothing`] for none,
    /// [`Reply::Frame`] for one, [`Reply::Frames`] for more.
    pub fn from_frames(mut frames: Vec<Frame>) -> Reply {
        match frames.len() {
            0 => Reply::Nothing,
            1 => frames.pop().map_or(Reply::Nothing, Reply::Frame),
            _ => Reply::Frames(frames),
        }
    }

    /// The frames this reply sends (none for [`Reply::Nothing`] and [`Reply::Close`]).
    pub fn frames(&self) -> &[Frame] {
        match self {
            Reply::Frame(f) => std::slice::from_ref(f),
            Reply::Frames(v) => v,
            Reply::Nothing | Reply::Close => &[],
        }
    }
}

/// Who sent a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    /// The peer's address.
    pub addr: SocketAddr,
    /// 0-based number of the connection on this server.
    pub connection: u64,
}

/// Answers each frame a server receives. Called on the connection's thread, one frame
/// at a time per connection (concurrently across connections).
///
/// Closures `Fn(Frame, Peer) -> Reply` are handlers.
pub trait Handler: Send + Sync + 'static {
    /// The reply to `frame`.
    fn handle(&self, frame: Frame, peer: Peer) -> Reply;
}

impl<F> Handler for F
where
    F: Fn(Frame, Peer) -> Reply + Send + Sync + 'static,
{
    fn handle(&self, frame: Frame, peer: Peer) -> Reply {
        self(frame, peer)
    }
}

/// Server limits and framing.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use carewire_mllp::blocking::ServerConfig;
/// let mut config = ServerConfig::default();
/// config.max_connections = 8;
/// config.idle_timeout = Duration::from_secs(60);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Framing (default: standard MLLP, 16 MiB limit).
    pub frame: FrameConfig,
    /// Connections served at once; more are closed as soon as they are accepted
    /// (default 64).
    pub max_connections: usize,
    /// A connection that sends nothing for this long is closed (default 5 min).
    pub idle_timeout: Duration,
    /// Limit for writing one reply (default 30 s).
    pub write_timeout: Duration,
    /// TLS (feature `tls`); `None` (the default) is plain TCP.
    #[cfg(feature = "tls")]
    pub tls: Option<crate::tls::TlsServerConfig>,
    /// Where events and handling times go (default: nowhere).
    pub metrics: Option<Arc<dyn Metrics>>,
    /// With the `tracing` feature, also emit each frame received and sent as a TRACE
    /// event with its content (field `payload`). Off by default (see
    /// [`ClientConfig::trace_payloads`]).
    pub trace_payloads: bool,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ServerConfig");
        d.field("frame", &self.frame)
            .field("max_connections", &self.max_connections)
            .field("idle_timeout", &self.idle_timeout)
            .field("write_timeout", &self.write_timeout);
        #[cfg(feature = "tls")]
        d.field("tls", &self.tls);
        d.field("metrics", &self.metrics.is_some())
            .field("trace_payloads", &self.trace_payloads)
            .finish()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            frame: FrameConfig::default(),
            max_connections: 64,
            idle_timeout: Duration::from_secs(300),
            write_timeout: Duration::from_secs(30),
            #[cfg(feature = "tls")]
            tls: None,
            metrics: None,
            trace_payloads: false,
        }
    }
}

/// Counters of a running server (no identifiers, no content).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Connections accepted and served.
    pub connections: u64,
    /// Connections refused because `max_connections` were open.
    pub refused: u64,
    /// Connections open now.
    pub active: usize,
    /// Frames received and handed to the handler.
    pub frames: u64,
    /// Frames discarded by the decoder (too large, unterminated, missing trailer).
    pub framing_errors: u64,
    /// Connections closed for being idle.
    pub idle_closed: u64,
}

#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) stop: AtomicBool,
    pub(crate) connections: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) active: AtomicUsize,
    pub(crate) frames: AtomicU64,
    pub(crate) framing_errors: AtomicU64,
    pub(crate) idle_closed: AtomicU64,
}

impl Shared {
    pub(crate) fn snapshot(&self) -> ServerStats {
        ServerStats {
            connections: self.connections.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            active: self.active.load(Ordering::Relaxed),
            frames: self.frames.load(Ordering::Relaxed),
            framing_errors: self.framing_errors.load(Ordering::Relaxed),
            idle_closed: self.idle_closed.load(Ordering::Relaxed),
        }
    }
}

/// A blocking MLLP server: an accept thread and one thread per connection.
///
/// See [`Client`] for an example.
pub struct Server;

impl Server {
    /// Binds `addr` and starts serving with `handler` on background threads.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] for a bad framing configuration or
    /// `max_connections == 0`; I/O errors from binding.
    pub fn bind(
        addr: impl ToSocketAddrs,
        config: ServerConfig,
        handler: impl Handler,
    ) -> Result<ServerHandle> {
        config.frame.validate()?;
        if config.max_connections == 0 {
            return Err(Error::new(ErrorKind::InvalidConfig));
        }
        let listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let handler: Arc<dyn Handler> = Arc::new(handler);
        let accept = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("mllp-accept".into())
                .spawn(move || accept_loop(listener, config, handler, shared))?
        };
        Ok(ServerHandle {
            local_addr,
            shared,
            accept: Some(accept),
        })
    }
}

/// A running server. Dropping it shuts the server down as [`ServerHandle::shutdown`] does.
pub struct ServerHandle {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addr", &self.local_addr)
            .field("stats", &self.stats())
            .finish()
    }
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Counters so far.
    pub fn stats(&self) -> ServerStats {
        self.shared.snapshot()
    }

    /// Stops accepting, lets each connection finish the frame it is handling, closes
    /// them all and waits for every server thread to end.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let Some(accept) = self.accept.take() else {
            return;
        };
        // Wake the accept call with a connection of our own.
        let mut wake = self.local_addr;
        if wake.ip().is_unspecified() {
            let loopback: std::net::IpAddr = if wake.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            };
            wake.set_ip(loopback);
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        let _ = accept.join();
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Applies the caller's acceptance test to the response of one exchange and counts the
/// outcome in the client's metrics (round-trip time on success). Shared by the blocking
/// and async clients; the caller closes the connection on `Err`.
pub(crate) fn settle_exchange(
    result: Result<Frame>,
    accept: impl FnOnce(&Frame) -> bool,
    config: &ClientConfig,
    started: Option<Instant>,
) -> Result<Frame> {
    let result = result.and_then(|frame| {
        if accept(&frame) {
            Ok(frame)
        } else {
            Err(Error::new(ErrorKind::AckMismatch))
        }
    });
    if let Ok(frame) = &result {
        trace::event("response received", frame.raw().len());
        trace::payload(config.trace_payloads, "received", frame.raw());
    }
    let Some(m) = &config.metrics else {
        return result;
    };
    match &result {
        Ok(frame) => {
            m.record(match frame {
                Frame::Data(_) => Event::FrameReceived,
                Frame::CommitAck => Event::CommitAckReceived,
                Frame::CommitNak => Event::CommitNakReceived,
            });
            if let Some(started) = started {
                m.observe(Timing::RoundTrip, started.elapsed());
            }
        }
        Err(e) => match e.kind() {
            ErrorKind::Timeout(phase) if phase != Phase::Connect => m.record(Event::Timeout(phase)),
            ErrorKind::AckMismatch => m.record(Event::AckMismatch),
            _ if e.is_recoverable() || e.kind() == ErrorKind::TruncatedFrame => {
                m.record(Event::FramingError);
            }
            _ => {}
        },
    }
    result
}

pub(crate) fn record(config: &ServerConfig, event: Event) {
    if let Some(m) = &config.metrics {
        m.record(event);
    }
}

impl Shared {
    /// Counts a frame a server received and records its metric event.
    pub(crate) fn received(&self, config: &ServerConfig, frame: &Frame) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        record(
            config,
            match frame {
                Frame::Data(_) => Event::FrameReceived,
                Frame::CommitAck => Event::CommitAckReceived,
                Frame::CommitNak => Event::CommitNakReceived,
            },
        );
    }
}

/// Encodes a server's reply `frames` into `out` (cleared first), each traced as sent.
pub(crate) fn encode_reply(
    config: &ServerConfig,
    encoder: &FrameEncoder,
    frames: &[Frame],
    out: &mut BytesMut,
) -> Result<()> {
    out.clear();
    for f in frames {
        encoder.encode_frame(f, out)?;
        trace::payload(config.trace_payloads, "sent", f.raw());
    }
    Ok(())
}

/// One open connection in [`Shared::active`], released when dropped.
pub(crate) struct ActiveSlot(pub(crate) Arc<Shared>);

impl ActiveSlot {
    pub(crate) fn take(shared: Arc<Shared>) -> ActiveSlot {
        shared.active.fetch_add(1, Ordering::SeqCst);
        ActiveSlot(shared)
    }
}

impl Drop for ActiveSlot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How often a connection thread looks at the stop flag and the idle clock.
const POLL: Duration = Duration::from_millis(50);

fn accept_loop(
    listener: TcpListener,
    config: ServerConfig,
    handler: Arc<dyn Handler>,
    shared: Arc<Shared>,
) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    for incoming in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        workers.retain(|w| !w.is_finished());
        let Ok(stream) = incoming else {
            // Accept errors (e.g. out of file descriptors) are transient: back off a little.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        if shared.active.load(Ordering::SeqCst) >= config.max_connections {
            shared.refused.fetch_add(1, Ordering::Relaxed);
            record(&config, Event::ConnectionRefused);
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        let Ok(addr) = stream.peer_addr() else {
            continue;
        };
        let peer = Peer {
            addr,
            connection: next_id,
        };
        next_id += 1;
        shared.connections.fetch_add(1, Ordering::Relaxed);
        record(&config, Event::ConnectionOpened);
        // Counted until dropped, even if the handler panics and unwinds the thread.
        let slot = ActiveSlot::take(Arc::clone(&shared));
        let (config, handler) = (config.clone(), Arc::clone(&handler));
        let spawned = thread::Builder::new()
            .name("mllp-conn".into())
            .spawn(move || {
                let _ = serve_connection(stream, peer, &config, &*handler, &slot.0);
            });
        if let Ok(worker) = spawned {
            workers.push(worker);
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
}

#[cfg(not(feature = "tls"))]
fn wrap_server(stream: TcpStream, _config: &ServerConfig) -> Result<Stream> {
    Ok(Stream::Plain(stream))
}

#[cfg(feature = "tls")]
fn wrap_server(stream: TcpStream, config: &ServerConfig) -> Result<Stream> {
    let Some(tls) = &config.tls else {
        return Ok(Stream::Plain(stream));
    };
    let conn = rustls::ServerConnection::new(Arc::clone(&tls.config))
        .map_err(|_| Error::new(ErrorKind::Tls))?;
    Ok(Stream::TlsServer(Box::new(rustls::StreamOwned::new(
        conn, stream,
    ))))
}

fn serve_connection(
    tcp: TcpStream,
    peer: Peer,
    config: &ServerConfig,
    handler: &dyn Handler,
    shared: &Shared,
) -> Result<()> {
    let conn_span = trace::connection("server", peer.addr, Some(peer.connection));
    let _in_conn = conn_span.enter();
    trace::event("connection opened", 0);
    tcp.set_nodelay(true)?;
    tcp.set_write_timeout(Some(nonzero(config.write_timeout)))?;
    tcp.set_read_timeout(Some(nonzero(POLL.min(config.idle_timeout))))?;
    let mut stream = wrap_server(tcp, config)?;
    let mut admitted = !stream.needs_admission();
    let mut decoder = FrameDecoder::with_config(config.frame.clone())?;
    let encoder = FrameEncoder::with_config(config.frame.clone())?;
    let mut buf = BytesMut::new();
    let mut out = BytesMut::new();
    let mut chunk = vec![0u8; READ_CHUNK];
    let mut last_activity = Instant::now();
    // Data arrived since `last_activity` was taken: the clock is read again only when a
    // read times out (every `POLL` while idle), not for every read.
    let mut active = false;
    let result = loop {
        // Answer every complete frame already buffered.
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    let received = config.metrics.as_ref().map(|_| Instant::now());
                    let msg_span = trace::message(&conn_span, frame.raw());
                    let _in_msg = msg_span.enter();
                    trace::event("frame received", frame.raw().len());
                    trace::payload(config.trace_payloads, "received", frame.raw());
                    shared.received(config, &frame);
                    let reply = handler.handle(frame, peer);
                    if matches!(reply, Reply::Close) {
                        trace::event("handler closed the connection", 0);
                        return Ok(());
                    }
                    let frames = reply.frames();
                    if !frames.is_empty() {
                        encode_reply(config, &encoder, frames, &mut out)?;
                        stream.write_all(&out)?;
                        stream.flush()?;
                        for _ in frames {
                            record(config, Event::ReplySent);
                        }
                        trace::event("reply sent", out.len());
                    }
                    if let (Some(m), Some(received)) = (&config.metrics, received) {
                        m.observe(Timing::Handling, received.elapsed());
                    }
                }
                Ok(None) => {
                    if buf.is_empty() && buf.capacity() > SHRINK_ABOVE {
                        buf = BytesMut::new();
                    }
                    break;
                }
                Err(e) if e.is_recoverable() => {
                    trace::failure("frame discarded", &e);
                    shared.framing_errors.fetch_add(1, Ordering::Relaxed);
                    record(config, Event::FramingError);
                }
                Err(e) => return Err(e),
            }
        }
        if shared.stop.load(Ordering::SeqCst) {
            break Ok(());
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                if decoder.decode_eof(&mut buf).is_err() {
                    shared.framing_errors.fetch_add(1, Ordering::Relaxed);
                    record(config, Event::FramingError);
                }
                break Ok(());
            }
            Ok(n) => {
                // The handshake is done once data arrives: check the allow-list first.
                if !admitted {
                    if !stream.admitted(config) {
                        break Ok(());
                    }
                    admitted = true;
                }
                append(&mut buf, &chunk[..n], config.frame.max_frame);
                active = true;
            }
            Err(e) if is_timeout(&e) => {
                if std::mem::take(&mut active) {
                    last_activity = Instant::now();
                }
                if last_activity.elapsed() >= config.idle_timeout {
                    trace::event("idle connection closed", 0);
                    shared.idle_closed.fetch_add(1, Ordering::Relaxed);
                    record(config, Event::IdleClosed);
                    break Ok(());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(Error::from(e)),
        }
    };
    stream.close();
    if let Err(e) = &result {
        trace::failure("connection failed", e);
    }
    trace::event("connection closed", 0);
    result
}
