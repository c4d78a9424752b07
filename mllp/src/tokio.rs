//! Async client and server on tokio (feature `tokio`), over the same sans-IO core and
//! with the same configuration, guarantees and handlers as [`blocking`](crate::blocking).
//!
//! With the `tls` feature, `tls` in the configurations works here too (tokio-rustls);
//! the handshake is bounded by `send_timeout` (client) or `write_timeout` (server).

use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::blocking::{
    encode_reply, nonzero, record, settle_exchange, ActiveSlot, ClientConfig, Handler, Peer, Reply,
    ServerConfig, ServerStats, Shared,
};
use crate::codec::{Frame, FrameDecoder, FrameEncoder};
use crate::error::{Error, ErrorKind, Phase, Result};
use crate::metrics::{Event, Timing};
use crate::trace;

/// Bytes reserved for each read: a connection holds the unfinished frame it has
/// buffered (at most `max_frame`) and at most this much room beyond it, so at most
/// `max_frame` + 64 KiB; nothing while idle (a big frame's buffer is given back).
const READ_CHUNK: usize = 64 * 1024;

/// A buffer left this large by a big frame is given back once it is empty.
const SHRINK_ABOVE: usize = 2 * READ_CHUNK;

/// A server connection reads into a buffer of this size and appends what arrived to its
/// frame buffer, like the blocking server: reading straight into spare room that
/// `BytesMut` doubled would leave a connection holding up to twice its frame. So a
/// server connection holds at most `max_frame` + 2 × 16 KiB of buffers, 16 KiB idle.
const SERVER_CHUNK: usize = crate::blocking::READ_CHUNK;

/// Room is added to a buffer only when less than this is left. `BytesMut` at least
/// doubles when it grows, and the copy touches the whole old buffer, so growing a buffer
/// that still had most of its room free would make its untouched pages resident.
const MIN_ROOM: usize = 4 * 1024;

/// Makes room for the next read (see [`MIN_ROOM`]).
fn room_for_read(buf: &mut BytesMut) {
    if buf.capacity() - buf.len() < MIN_ROOM {
        buf.reserve(READ_CHUNK);
    }
}

/// A connection: plain TCP, or TLS over TCP.
enum Stream {
    Plain(TcpStream),
    #[cfg(feature = "tls")]
    TlsClient(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    #[cfg(feature = "tls")]
    TlsServer(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => s.get_ref().0,
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => s.get_ref().0,
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => Pin::new(&mut **s).poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => Pin::new(&mut **s).poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => Pin::new(&mut **s).poll_flush(cx),
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(feature = "tls")]
            Stream::TlsClient(s) => Pin::new(&mut **s).poll_shutdown(cx),
            #[cfg(feature = "tls")]
            Stream::TlsServer(s) => Pin::new(&mut **s).poll_shutdown(cx),
        }
    }
}

struct Connection {
    stream: Stream,
    addr: SocketAddr,
    buf: BytesMut,
    decoder: FrameDecoder,
    last_used: Instant,
    /// A request was written on it. Until then nothing can be stale, and the check is
    /// skipped: TLS session tickets may be arriving right after the handshake.
    used: bool,
}

impl Connection {
    /// True when nothing is waiting to be read and the peer has not closed (a
    /// non-blocking peek at the socket itself, which does not depend on whether the
    /// runtime has noticed the socket's readiness yet). Under TLS any bytes count, TLS
    /// housekeeping included; session tickets come before the first response and are
    /// consumed with it, so a connection in step stays quiet.
    fn is_quiet(&self) -> bool {
        let mut probe = [MaybeUninit::<u8>::new(0); 1];
        match socket2::SockRef::from(self.stream.tcp()).peek(&mut probe) {
            Ok(_) => false, // 0: closed by the peer; 1: bytes nobody asked for
            Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
        }
    }
}

/// The async twin of [`blocking::Client`](crate::blocking::Client): stop-and-wait over a
/// persistent connection; any failure closes it, so a late response can never answer a
/// later request.
///
/// # Examples
/// ```
/// use carewire_mllp::blocking::{ClientConfig, Reply, ServerConfig};
/// use carewire_mllp::tokio::{Client, Server};
/// use carewire_mllp::Frame;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let server = Server::bind("127.0.0.1:0", ServerConfig::default(), |_f: Frame, _p| {
///     Reply::Frame(Frame::CommitAck)
/// })
/// .await?;
/// let mut client = Client::connect(server.local_addr(), ClientConfig::default()).await?;
/// assert_eq!(client.request(b"MSH|^~\\&|A\r").await?, Frame::CommitAck);
/// server.shutdown().await;
/// # Ok::<(), carewire_mllp::Error>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// As [`blocking::Client::connect`](crate::blocking::Client::connect).
    pub async fn connect(addr: impl ToSocketAddrs, config: ClientConfig) -> Result<Client> {
        let encoder = FrameEncoder::with_config(config.frame.clone())?;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host(addr).await?.collect();
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
        client.ensure_connected().await?;
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

    /// Closes the connection (the next request opens a new one).
    pub fn close(&mut self) {
        self.conn = None;
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    #[cfg_attr(not(feature = "hl7"), allow(dead_code))]
    pub(crate) fn record_retry(&self) {
        self.span.in_scope(|| trace::event("retry", 0));
        self.record(Event::Retry);
    }

    /// Like [`Client::request`], trying again under `policy`, as
    /// [`blocking::Client::request_with_retry`](crate::blocking::Client::request_with_retry)
    /// does (dead-letter hook included); the backoff is a tokio sleep.
    ///
    /// # Errors
    /// As the blocking client's.
    pub async fn request_with_retry(
        &mut self,
        payload: &[u8],
        policy: &crate::blocking::RetryPolicy,
    ) -> Result<Frame> {
        let mut n = 0;
        loop {
            if n > 0 {
                self.record_retry();
            }
            let result = match self.request(payload).await {
                Ok(Frame::CommitNak) => Err(Error::new(ErrorKind::Nak)),
                other => other,
            };
            n += 1;
            if !policy.again(&result, n, |_| false) {
                if let Err(e) = &result {
                    let reason = crate::blocking::Undelivered::Failed(e.clone());
                    crate::blocking::dead_letter(&self.config, payload, reason, n);
                }
                return result;
            }
            tokio::time::sleep(policy.wait(n - 1)).await;
        }
    }

    fn record(&self, event: Event) {
        if let Some(m) = &self.config.metrics {
            m.record(event);
        }
    }

    async fn open(&self) -> Result<Connection> {
        let mut last = Error::new(ErrorKind::InvalidConfig);
        for addr in &self.addrs {
            let attempt = tokio::time::timeout(
                nonzero(self.config.connect_timeout),
                TcpStream::connect(addr),
            )
            .await;
            match attempt {
                Ok(Ok(stream)) => {
                    stream.set_nodelay(true)?;
                    return Ok(Connection {
                        stream: self.wrap(stream).await?,
                        addr: *addr,
                        buf: BytesMut::with_capacity(READ_CHUNK),
                        decoder: FrameDecoder::with_config(self.config.frame.clone())?,
                        last_used: Instant::now(),
                        used: false,
                    });
                }
                Ok(Err(e)) => last = Error::from(e),
                Err(_) => last = Error::new(ErrorKind::Timeout(Phase::Connect)),
            }
        }
        Err(last)
    }

    #[cfg(not(feature = "tls"))]
    async fn wrap(&self, stream: TcpStream) -> Result<Stream> {
        Ok(Stream::Plain(stream))
    }

    #[cfg(feature = "tls")]
    async fn wrap(&self, stream: TcpStream) -> Result<Stream> {
        let Some(tls) = &self.config.tls else {
            return Ok(Stream::Plain(stream));
        };
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(&tls.config));
        let handshake = connector.connect(tls.server_name.clone(), stream);
        match tokio::time::timeout(nonzero(self.config.send_timeout), handshake).await {
            Ok(Ok(s)) => Ok(Stream::TlsClient(Box::new(s))),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(Error::new(ErrorKind::Timeout(Phase::Send))),
        }
    }

    async fn ensure_connected(&mut self) -> Result<()> {
        if let Some(conn) = &self.conn {
            let fresh = conn.buf.is_empty()
                && !conn.decoder.in_frame()
                && conn.last_used.elapsed() < self.config.idle_timeout;
            if fresh && (!conn.used || conn.is_quiet()) {
                return Ok(());
            }
            self.close();
        }
        let conn = match self.open().await {
            Ok(conn) => conn,
            Err(e) => {
                if e.is_timeout() {
                    self.record(Event::Timeout(Phase::Connect));
                }
                return Err(e);
            }
        };
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
    /// As [`blocking::Client::request`](crate::blocking::Client::request).
    pub async fn request(&mut self, payload: &[u8]) -> Result<Frame> {
        self.request_with(payload, |_| true).await
    }

    /// Like [`Client::request`], and the response must satisfy `accept`.
    ///
    /// # Errors
    /// As `request`, and [`ErrorKind::AckMismatch`] (connection closed) when `accept`
    /// refuses the response.
    pub async fn request_with(
        &mut self,
        payload: &[u8],
        accept: impl FnOnce(&Frame) -> bool,
    ) -> Result<Frame> {
        self.out.clear();
        self.encoder.encode(payload, &mut self.out)?;
        let started = self.config.metrics.as_ref().map(|_| Instant::now());
        let connected = self.ensure_connected().await;
        let span = trace::message(&self.span, payload);
        span.in_scope(|| trace::payload(self.config.trace_payloads, "sent", payload));
        let exchanged = match connected {
            Ok(()) => trace::instrument(span.clone(), self.exchange()).await,
            Err(e) => Err(e),
        };
        let result = span.in_scope(|| settle_exchange(exchanged, accept, &self.config, started));
        if let Err(e) = &result {
            span.in_scope(|| trace::failure("request failed", e));
            self.close();
        }
        result
    }

    /// Waits for the next frame on the open connection without sending anything; it
    /// must satisfy `accept`. As the blocking client's.
    #[cfg_attr(not(feature = "hl7"), allow(dead_code))]
    pub(crate) async fn receive_with(
        &mut self,
        accept: impl FnOnce(&Frame) -> bool,
    ) -> Result<Frame> {
        let started = self.config.metrics.as_ref().map(|_| Instant::now());
        let span = self.span.clone();
        let response = trace::instrument(span.clone(), self.read_response()).await;
        let result = span.in_scope(|| settle_exchange(response, accept, &self.config, started));
        if result.is_err() {
            self.close();
        }
        result
    }

    /// Writes the encoded request on the open connection and reads the response.
    async fn exchange(&mut self) -> Result<Frame> {
        let send_timeout = self.config.send_timeout;
        let Some(conn) = self.conn.as_mut() else {
            return Err(Error::new(ErrorKind::ConnectionClosed));
        };
        conn.used = true;
        let write = async {
            conn.stream.write_all(&self.out).await?;
            conn.stream.flush().await
        };
        match tokio::time::timeout(nonzero(send_timeout), write).await {
            Ok(written) => written?,
            Err(_) => return Err(Error::new(ErrorKind::Timeout(Phase::Send))),
        }
        self.read_response().await
    }

    /// Reads until one frame is decoded or the response timeout passes.
    async fn read_response(&mut self) -> Result<Frame> {
        let response_timeout = self.config.response_timeout;
        let Some(conn) = self.conn.as_mut() else {
            return Err(Error::new(ErrorKind::ConnectionClosed));
        };
        let deadline = tokio::time::Instant::now() + response_timeout;
        loop {
            if let Some(frame) = conn.decoder.decode(&mut conn.buf)? {
                conn.last_used = Instant::now();
                return Ok(frame);
            }
            room_for_read(&mut conn.buf);
            let read = tokio::time::timeout_at(deadline, conn.stream.read_buf(&mut conn.buf));
            match read.await {
                Err(_) => return Err(Error::new(ErrorKind::Timeout(Phase::Response))),
                Ok(Ok(0)) => {
                    return match conn.decoder.decode_eof(&mut conn.buf)? {
                        Some(frame) => Ok(frame),
                        None => Err(Error::new(ErrorKind::ConnectionClosed)),
                    }
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(e.into()),
            }
        }
    }
}

/// The async twin of [`blocking::Server`](crate::blocking::Server): a task per
/// connection. Handlers are the same synchronous [`Handler`]s; each call runs on
/// tokio's blocking thread pool, so a handler may block (a store's fsync, a database).
///
/// See [`Client`] for an example.
pub struct Server;

impl Server {
    /// Binds `addr` and starts serving with `handler` on spawned tasks (must be called
    /// inside a tokio runtime with I/O and time enabled).
    ///
    /// # Errors
    /// As [`blocking::Server::bind`](crate::blocking::Server::bind).
    pub async fn bind(
        addr: impl ToSocketAddrs,
        config: ServerConfig,
        handler: impl Handler,
    ) -> Result<ServerHandle> {
        config.frame.validate()?;
        if config.max_connections == 0 {
            return Err(Error::new(ErrorKind::InvalidConfig));
        }
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let handler: Arc<dyn Handler> = Arc::new(handler);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::new(config),
            handler,
            Arc::clone(&shared),
            stopped,
        ));
        Ok(ServerHandle {
            local_addr,
            shared,
            stop,
            task: Some(task),
        })
    }
}

/// A running async server. Dropping it stops accepting and closes connections between
/// frames; [`ServerHandle::shutdown`] also waits for that.
pub struct ServerHandle {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
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
    /// them all and waits until they are closed.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    handler: Arc<dyn Handler>,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = tokio::task::JoinSet::new();
    let mut next_id = 0u64;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => break,
        };
        while connections.try_join_next().is_some() {}
        let Ok((stream, addr)) = accepted else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        if shared.active.load(Ordering::SeqCst) >= config.max_connections {
            shared.refused.fetch_add(1, Ordering::Relaxed);
            record(&config, Event::ConnectionRefused);
            drop(stream);
            continue;
        }
        shared.connections.fetch_add(1, Ordering::Relaxed);
        record(&config, Event::ConnectionOpened);
        let slot = ActiveSlot::take(Arc::clone(&shared));
        let peer = Peer {
            addr,
            connection: next_id,
        };
        next_id += 1;
        let (config, handler, stopped) =
            (Arc::clone(&config), Arc::clone(&handler), stopped.clone());
        let span = trace::connection("server", addr, Some(peer.connection));
        connections.spawn(async move {
            let serve = serve_connection(
                stream,
                peer,
                &config,
                handler,
                &slot.0,
                stopped,
                span.clone(),
            );
            let served = trace::instrument(span.clone(), serve).await;
            span.in_scope(|| {
                if let Err(e) = &served {
                    trace::failure("connection failed", e);
                }
                trace::event("connection closed", 0);
            });
            drop(slot);
        });
    }
    while connections.join_next().await.is_some() {}
}

#[cfg(not(feature = "tls"))]
async fn accept_tls(stream: TcpStream, _config: &ServerConfig) -> Result<Stream> {
    Ok(Stream::Plain(stream))
}

#[cfg(feature = "tls")]
async fn accept_tls(stream: TcpStream, config: &ServerConfig) -> Result<Stream> {
    let Some(tls) = &config.tls else {
        return Ok(Stream::Plain(stream));
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(&tls.config));
    match tokio::time::timeout(nonzero(config.write_timeout), acceptor.accept(stream)).await {
        Ok(Ok(s)) if tls.admits(s.get_ref().1.peer_certificates()) => {
            Ok(Stream::TlsServer(Box::new(s)))
        }
        Ok(Ok(_)) => Err(Error::new(ErrorKind::Tls)),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(Error::new(ErrorKind::Timeout(Phase::Connect))),
    }
}

async fn serve_connection(
    tcp: TcpStream,
    peer: Peer,
    config: &ServerConfig,
    handler: Arc<dyn Handler>,
    shared: &Shared,
    mut stopped: watch::Receiver<bool>,
    conn_span: trace::Span,
) -> Result<()> {
    trace::event("connection opened", 0);
    tcp.set_nodelay(true)?;
    let mut stream = accept_tls(tcp, config).await?;
    let mut decoder = FrameDecoder::with_config(config.frame.clone())?;
    let encoder = FrameEncoder::with_config(config.frame.clone())?;
    let mut buf = BytesMut::new();
    // Reads land here and are appended to `buf`, which so grows only by what arrived
    // (see `SERVER_CHUNK`).
    let mut chunk = vec![0u8; SERVER_CHUNK];
    let mut out = BytesMut::new();
    let mut last_activity = tokio::time::Instant::now();
    loop {
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    let received = Instant::now();
                    let span = trace::message(&conn_span, frame.raw());
                    span.in_scope(|| {
                        trace::event("frame received", frame.raw().len());
                        trace::payload(config.trace_payloads, "received", frame.raw());
                    });
                    shared.received(config, &frame);
                    let (h, in_span) = (Arc::clone(&handler), span.clone());
                    let reply = tokio::task::spawn_blocking(move || {
                        in_span.in_scope(|| h.handle(frame, peer))
                    })
                    .await
                    .unwrap_or(Reply::Close);
                    if matches!(reply, Reply::Close) {
                        span.in_scope(|| trace::event("handler closed the connection", 0));
                        return Ok(());
                    }
                    let frames = reply.frames();
                    if !frames.is_empty() {
                        span.in_scope(|| encode_reply(config, &encoder, frames, &mut out))?;
                        let write = async {
                            stream.write_all(&out).await?;
                            stream.flush().await
                        };
                        match tokio::time::timeout(nonzero(config.write_timeout), write).await {
                            Ok(written) => written?,
                            Err(_) => return Err(Error::new(ErrorKind::Timeout(Phase::Send))),
                        }
                        for _ in frames {
                            record(config, Event::ReplySent);
                        }
                        span.in_scope(|| trace::event("reply sent", out.len()));
                    }
                    if let Some(m) = &config.metrics {
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
        if *stopped.borrow() {
            return Ok(());
        }
        let idle_deadline = last_activity + config.idle_timeout;
        tokio::select! {
            read = stream.read(&mut chunk) => match read? {
                0 => {
                    if decoder.decode_eof(&mut buf).is_err() {
                        shared.framing_errors.fetch_add(1, Ordering::Relaxed);
                        record(config, Event::FramingError);
                    }
                    return Ok(());
                }
                n => {
                    crate::blocking::append(&mut buf, &chunk[..n], config.frame.max_frame);
                    last_activity = tokio::time::Instant::now();
                }
            },
            _ = tokio::time::sleep_until(idle_deadline) => {
                trace::event("idle connection closed", 0);
                shared.idle_closed.fetch_add(1, Ordering::Relaxed);
                record(config, Event::IdleClosed);
                return Ok(());
            }
            _ = stopped.changed() => return Ok(()),
        }
    }
}
