//! Store-before-ACK: a [`MessageStore`] commits each message (and the response that will
//! acknowledge it) before the response is sent, and answers a duplicate from what it
//! stored instead of letting it be processed twice.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use bytes::Bytes;

use crate::blocking::{Handler, Peer, Reply};
use crate::codec::Frame;
use crate::error::{Error, ErrorKind, Result};

/// What identifies a message for duplicate detection: its sender and its control id
/// (for HL7, MSH-3/MSH-4 and MSH-10). Both are routing metadata, not patient data, so
/// `Debug` shows them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MessageKey {
    sender: Bytes,
    control_id: Bytes,
}

impl MessageKey {
    /// A key from raw sender and control id bytes.
    pub fn new(sender: impl Into<Bytes>, control_id: impl Into<Bytes>) -> MessageKey {
        MessageKey {
            sender: sender.into(),
            control_id: control_id.into(),
        }
    }

    /// The sender bytes.
    pub fn sender(&self) -> &[u8] {
        &self.sender
    }

    /// The control id bytes.
    pub fn control_id(&self) -> &[u8] {
        &self.control_id
    }
}

impl fmt::Debug for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageKey")
            .field("sender", &String::from_utf8_lossy(&self.sender))
            .field("control_id", &String::from_utf8_lossy(&self.control_id))
            .finish()
    }
}

/// The outcome of [`MessageStore::commit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Commit {
    /// The message and its response are durably stored.
    Stored,
    /// A message with the same key was stored before; these are the frames that
    /// answered it (none when nothing was sent).
    Duplicate(Vec<Frame>),
}

/// A durable home for received messages, committed before they are acknowledged.
///
/// Implementations must make `commit` durable before returning `Ok` (the caller sends
/// the acknowledgment right after), and must be safe to call from several connection
/// threads at once.
pub trait MessageStore: Send + Sync + 'static {
    /// The stored response to an earlier message with this key, if any: the frames
    /// sent for it, in order (empty when nothing was sent).
    ///
    /// # Errors
    /// [`ErrorKind::Store`] or I/O errors when the store cannot be read.
    fn response_for(&self, key: &MessageKey) -> Result<Option<Vec<Frame>>>;

    /// Durably stores `message` and the `response` frames that will acknowledge it
    /// (none when no response is sent; two for an enhanced-mode commit and application
    /// acknowledgment). A message without a key is always stored. When the key is
    /// already present nothing is stored and the earlier response is returned.
    ///
    /// # Errors
    /// [`ErrorKind::Store`] or I/O errors; then nothing may be acknowledged.
    fn commit(
        &self,
        key: Option<&MessageKey>,
        message: &[u8],
        response: &[Frame],
    ) -> Result<Commit>;
}

impl<S: MessageStore + ?Sized> MessageStore for Arc<S> {
    fn response_for(&self, key: &MessageKey) -> Result<Option<Vec<Frame>>> {
        (**self).response_for(key)
    }
    fn commit(
        &self,
        key: Option<&MessageKey>,
        message: &[u8],
        response: &[Frame],
    ) -> Result<Commit> {
        (**self).commit(key, message, response)
    }
}

/// One stored message as read back from a store.
///
/// `Debug` shows the key and lengths, never the message.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The duplicate-detection key, if the message had one.
    pub key: Option<MessageKey>,
    /// The message as received.
    pub message: Bytes,
    /// The frames sent in response, in order (empty when nothing was sent).
    pub response: Vec<Frame>,
}

impl fmt::Debug for StoredMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredMessage")
            .field("key", &self.key)
            .field("message", &format_args!("<{} bytes>", self.message.len()))
            .field("response", &self.response)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the data half-updated in a way
    // that matters here (the log on disk is the truth), so poisoning is ignored.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A [`MessageStore`] in memory: not durable, for tests and examples.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<(Vec<StoredMessage>, HashMap<MessageKey, usize>)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Everything stored, in arrival order.
    pub fn messages(&self) -> Vec<StoredMessage> {
        lock(&self.inner).0.clone()
    }
}

impl MessageStore for MemoryStore {
    fn response_for(&self, key: &MessageKey) -> Result<Option<Vec<Frame>>> {
        let inner = lock(&self.inner);
        Ok(inner.1.get(key).map(|&i| inner.0[i].response.clone()))
    }

    fn commit(
        &self,
        key: Option<&MessageKey>,
        message: &[u8],
        response: &[Frame],
    ) -> Result<Commit> {
        let mut inner = lock(&self.inner);
        if let Some(key) = key {
            if let Some(&i) = inner.1.get(key) {
                return Ok(Commit::Duplicate(inner.0[i].response.clone()));
            }
            let i = inner.0.len();
            inner.1.insert(key.clone(), i);
        }
        inner.0.push(StoredMessage {
            key: key.cloned(),
            message: Bytes::copy_from_slice(message),
            response: response.to_vec(),
        });
        Ok(Commit::Stored)
    }
}

const FILE_MAGIC: &[u8; 8] = b"CWMLLP\x00\x01";
const RECORD_MAGIC: u32 = 0x4D4C_5231; // "MLR1"
const LOG_NAME: &str = "messages.log";
/// Fixed part of a record: magic, flags, four lengths; then the four byte strings; then CRC.
const HEADER_LEN: usize = 4 + 4 + 4 * 4;
/// Record flag: the record has a key.
const FLAG_KEY: u32 = 1;
/// Record flag: the response is a sequence of frames, each as a 4-byte little-endian
/// length and the frame's content. Without it the response is one frame's content, or
/// empty for no response (the only form before multi-frame responses existed).
const FLAG_FRAMES: u32 = 2;

/// The response bytes of a record for `frames`, and its flag.
fn encode_response(frames: &[Frame]) -> Result<(Vec<u8>, u32)> {
    match frames {
        [] => Ok((Vec::new(), 0)),
        [one] if !one.raw().is_empty() => Ok((one.raw().to_vec(), 0)),
        many => {
            let mut out = Vec::new();
            for f in many {
                out.extend_from_slice(&len32(f.raw().len())?.to_le_bytes());
                out.extend_from_slice(f.raw());
            }
            Ok((out, FLAG_FRAMES))
        }
    }
}

/// The frames of a record's response bytes (see [`FLAG_FRAMES`]).
fn decode_response(raw: Bytes, multi: bool) -> Result<Vec<Frame>> {
    if !multi {
        return Ok(if raw.is_empty() {
            Vec::new()
        } else {
            vec![Frame::classify(raw)]
        });
    }
    let mut frames = Vec::new();
    let mut at = 0usize;
    while at < raw.len() {
        let len = le32(&raw, at) as usize;
        let start = at + 4;
        let end = start.checked_add(len).filter(|&e| e <= raw.len());
        let Some(end) = end else {
            return Err(Error::new(ErrorKind::Store));
        };
        frames.push(Frame::classify(raw.slice(start..end)));
        at = end;
    }
    Ok(frames)
}

const CRC_TABLE: [u32; 256] = crc_table();

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// CRC-32 (IEEE), continuing from `crc` (start with 0).
fn crc32(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

fn le32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

fn len32(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::new(ErrorKind::Store))
}

/// Where a stored response lies in the log.
#[derive(Clone, Copy, Debug)]
struct Span {
    offset: u64,
    len: u32,
    /// Stored as a sequence of frames ([`FLAG_FRAMES`]).
    multi: bool,
}

struct FileInner {
    file: File,
    /// Length of the log (where the next record goes).
    end: u64,
    index: HashMap<MessageKey, Span>,
    count: u64,
}

/// A durable [`MessageStore`]: one append-only log file in a directory, with an index of
/// keys kept in memory and rebuilt from the log when the store is opened.
///
/// Each record holds the key, the message and the response, with a CRC-32; `commit`
/// appends it and calls `sync_data` (fsync) before returning, so an acknowledged message
/// survives a crash. A record torn by a crash (never acknowledged) is cut off at the
/// next open. Duplicates are detected across restarts because the index is rebuilt from
/// the log.
///
/// # Examples
/// ```
/// use carewire_mllp::store::{Commit, FileStore, MessageKey, MessageStore};
/// use carewire_mllp::Frame;
///
/// let dir = std::env::temp_dir().join(format!("mllp-doc-{}", std::process::id()));
/// let store = FileStore::open(&dir)?;
/// let key = MessageKey::new("EMR^HOSP", "MSG1");
/// assert_eq!(store.commit(Some(&key), b"MSH|...", &[Frame::CommitAck])?, Commit::Stored);
/// drop(store);
/// let store = FileStore::open(&dir)?; // after a restart
/// assert_eq!(store.response_for(&key)?, Some(vec![Frame::CommitAck]));
/// assert!(matches!(store.commit(Some(&key), b"MSH|...", &[Frame::CommitAck])?, Commit::Duplicate(_)));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
pub struct FileStore {
    path: PathBuf,
    inner: Mutex<FileInner>,
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .finish()
    }
}

struct Record {
    key: Option<MessageKey>,
    message: Bytes,
    response: Bytes,
    multi: bool,
    response_at: u64,
    end: u64,
}

/// Fills `buf`; `false` at the end of the input (also mid-way: a torn record).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match r.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// Why a log scan stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// At the end of the log.
    End,
    /// At a record cut short by a crash during its append: the last thing in the log.
    Torn,
    /// At a damaged record with more data after it: not something a crash leaves.
    Damaged,
}

/// Reads the record at `offset` (of a log `file_len` bytes long) from `r`, holding one
/// record in memory at a time.
fn read_record(
    r: &mut impl Read,
    offset: u64,
    file_len: u64,
) -> io::Result<std::result::Result<Record, Stop>> {
    if offset >= file_len {
        return Ok(Err(Stop::End));
    }
    let mut head = [0u8; HEADER_LEN];
    if !read_full(r, &mut head)? {
        return Ok(Err(Stop::Torn));
    }
    if le32(&head, 0) != RECORD_MAGIC {
        // Zeros to the end are an append whose length reached the disk before its data.
        let rest_is_zero = head.iter().all(|&b| b == 0) && {
            let mut zero = true;
            let mut buf = [0u8; 8192];
            loop {
                let n = r.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                if buf[..n].iter().any(|&b| b != 0) {
                    zero = false;
                    break;
                }
            }
            zero
        };
        return Ok(Err(if rest_is_zero {
            Stop::Torn
        } else {
            Stop::Damaged
        }));
    }
    let flags = le32(&head, 4);
    let lens = [
        le32(&head, 8) as usize,
        le32(&head, 12) as usize,
        le32(&head, 16) as usize,
        le32(&head, 20) as usize,
    ];
    let body_len: u64 = lens.iter().map(|&l| l as u64).sum();
    let end = offset + HEADER_LEN as u64 + body_len + 4;
    if end > file_len {
        // Lengths beyond the file: never allocate from them.
        return Ok(Err(Stop::Torn));
    }
    let mut body = vec![0u8; body_len as usize + 4];
    if !read_full(r, &mut body)? {
        return Ok(Err(Stop::Torn));
    }
    let (data, crc) = body.split_at(body_len as usize);
    if crc32(crc32(0, &head), data) != le32(crc, 0) {
        return Ok(Err(if end == file_len {
            Stop::Torn
        } else {
            Stop::Damaged
        }));
    }
    let body = Bytes::from(body);
    let mut at = 0;
    let mut part = |len: usize| {
        let b = body.slice(at..at + len);
        at += len;
        b
    };
    let sender = part(lens[0]);
    let control_id = part(lens[1]);
    let message = part(lens[2]);
    let response = part(lens[3]);
    let response_at = offset + (HEADER_LEN + lens[0] + lens[1] + lens[2]) as u64;
    Ok(Ok(Record {
        key: (flags & FLAG_KEY != 0).then(|| MessageKey::new(sender, control_id)),
        message,
        response,
        multi: flags & FLAG_FRAMES != 0,
        response_at,
        end,
    }))
}

/// The most one append can write: a frame at the largest `max_frame` anyone should use,
/// its response and key, with room to spare.
const MAX_TORN_TAIL: u64 = 80 << 20;

/// True when the bytes from `offset` to the end can be what a crash leaves of a single
/// append: short enough, and no intact record anywhere in them (an intact record after
/// damage means the damage is not a torn tail, and cutting would lose that record).
fn only_torn_append(file: &mut File, offset: u64) -> io::Result<bool> {
    let file_len = file.metadata()?.len();
    if file_len.saturating_sub(offset) > MAX_TORN_TAIL {
        return Ok(false);
    }
    let mut rest = Vec::new();
    file.seek(SeekFrom::Start(offset))?;
    (&*file).take(file_len - offset).read_to_end(&mut rest)?;
    for at in memchr::memmem::find_iter(&rest, &RECORD_MAGIC.to_le_bytes()) {
        let mut tail = &rest[at..];
        if read_record(&mut tail, offset + at as u64, file_len)?.is_ok() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Calls `each` for every intact record of the log, in order; returns where the intact
/// part ends and why the scan stopped there.
fn scan_log(file: &mut File, mut each: impl FnMut(Record)) -> io::Result<(u64, Stop)> {
    let file_len = file.metadata()?.len();
    file.seek(SeekFrom::Start(FILE_MAGIC.len() as u64))?;
    let mut reader = io::BufReader::with_capacity(256 * 1024, &*file);
    let mut offset = FILE_MAGIC.len() as u64;
    loop {
        match read_record(&mut reader, offset, file_len)? {
            Ok(rec) => {
                offset = rec.end;
                each(rec);
            }
            Err(stop) => return Ok((offset, stop)),
        }
    }
}

impl FileStore {
    /// Opens (or creates) the store in directory `dir`, rebuilding the index from the log
    /// and cutting off a torn last record.
    ///
    /// # Errors
    /// I/O errors; [`ErrorKind::Store`] when the file is not a store log, or holds a
    /// damaged record that a crash cannot explain (an intact record follows it; the
    /// offset says where). Such a log is left untouched.
    pub fn open(dir: impl AsRef<Path>) -> Result<FileStore> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let path = dir.join(LOG_NAME);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        let mut magic = [0u8; FILE_MAGIC.len()];
        let file_len = file.metadata()?.len();
        if file_len == 0 {
            file.write_all(FILE_MAGIC)?;
            file.sync_all()?;
            // Make the new file's directory entry durable too.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        } else if !read_full(&mut file, &mut magic)? || &magic != FILE_MAGIC {
            return Err(Error::new(ErrorKind::Store));
        }
        let mut index = HashMap::new();
        let mut count = 0;
        let (offset, stop) = scan_log(&mut file, |rec| {
            if let Some(key) = rec.key {
                let len = rec.response.len() as u32;
                index.insert(
                    key,
                    Span {
                        offset: rec.response_at,
                        len,
                        multi: rec.multi,
                    },
                );
            }
            count += 1;
        })?;
        match stop {
            Stop::End => {}
            Stop::Torn => {
                // A record torn by a crash was never acknowledged: drop it.
                file.set_len(offset)?;
                file.sync_all()?;
            }
            Stop::Damaged => {
                if only_torn_append(&mut file, offset)? {
                    // Parts of one append reached the disk out of order before a crash.
                    file.set_len(offset)?;
                    file.sync_all()?;
                } else {
                    // Refuse rather than cut off acknowledged messages after the damage.
                    return Err(Error::at(ErrorKind::Store, offset));
                }
            }
        }
        Ok(FileStore {
            path,
            inner: Mutex::new(FileInner {
                file,
                end: offset,
                index,
                count,
            }),
        })
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of messages stored.
    pub fn len(&self) -> u64 {
        lock(&self.inner).count
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every stored message in arrival order (reads the whole log, one record at a time,
    /// into the returned vector).
    ///
    /// # Errors
    /// I/O errors; [`ErrorKind::Store`] for a damaged record.
    pub fn messages(&self) -> Result<Vec<StoredMessage>> {
        let mut inner = lock(&self.inner);
        let mut records = Vec::new();
        let (offset, stop) = scan_log(&mut inner.file, |rec| records.push(rec))?;
        if stop != Stop::End {
            return Err(Error::at(ErrorKind::Store, offset));
        }
        records
            .into_iter()
            .map(|rec| {
                Ok(StoredMessage {
                    key: rec.key,
                    message: rec.message,
                    response: decode_response(rec.response, rec.multi)?,
                })
            })
            .collect()
    }

    fn read_span(file: &mut File, span: Span) -> Result<Vec<Frame>> {
        let mut buf = vec![0u8; span.len as usize];
        file.seek(SeekFrom::Start(span.offset))?;
        file.read_exact(&mut buf)?;
        decode_response(Bytes::from(buf), span.multi)
    }
}

impl MessageStore for FileStore {
    fn response_for(&self, key: &MessageKey) -> Result<Option<Vec<Frame>>> {
        let mut inner = lock(&self.inner);
        let Some(&span) = inner.index.get(key) else {
            return Ok(None);
        };
        FileStore::read_span(&mut inner.file, span).map(Some)
    }

    fn commit(
        &self,
        key: Option<&MessageKey>,
        message: &[u8],
        response: &[Frame],
    ) -> Result<Commit> {
        let mut inner = lock(&self.inner);
        if let Some(key) = key {
            if let Some(&span) = inner.index.get(key) {
                let frames = FileStore::read_span(&mut inner.file, span)?;
                return Ok(Commit::Duplicate(frames));
            }
        }
        let empty = Bytes::new();
        let (sender, control_id) = match key {
            Some(k) => (&k.sender, &k.control_id),
            None => (&empty, &empty),
        };
        let (response, multi) = encode_response(response)?;
        let response = &response[..];
        let flags = if key.is_some() { FLAG_KEY } else { 0 } | multi;
        let mut rec = Vec::with_capacity(HEADER_LEN + message.len() + response.len() + 64);
        rec.extend_from_slice(&RECORD_MAGIC.to_le_bytes());
        rec.extend_from_slice(&flags.to_le_bytes());
        for part in [&sender[..], &control_id[..], message, response] {
            rec.extend_from_slice(&len32(part.len())?.to_le_bytes());
        }
        let response_at =
            inner.end + (HEADER_LEN + sender.len() + control_id.len() + message.len()) as u64;
        for part in [&sender[..], &control_id[..], message, response] {
            rec.extend_from_slice(part);
        }
        let crc = crc32(0, &rec);
        rec.extend_from_slice(&crc.to_le_bytes());
        let at = inner.end;
        let written = inner
            .file
            .seek(SeekFrom::Start(at))
            .and_then(|_| inner.file.write_all(&rec))
            .and_then(|()| inner.file.sync_data());
        if let Err(e) = written {
            // Leave no partial record behind for the next append to follow.
            let _ = inner.file.set_len(at);
            return Err(e.into());
        }
        inner.end += rec.len() as u64;
        inner.count += 1;
        if let Some(key) = key {
            inner.index.insert(
                key.clone(),
                Span {
                    offset: response_at,
                    len: len32(response.len())?,
                    multi: multi != 0,
                },
            );
        }
        Ok(Commit::Stored)
    }
}

type KeyFn = dyn Fn(&[u8]) -> Option<MessageKey> + Send + Sync;

/// A [`Handler`] that commits each message to a [`MessageStore`] before its reply is
/// sent, and answers duplicates from the store without calling the inner handler.
///
/// For each data frame: the key is taken from the message (`key_fn`); if the store has
/// the key, the stored response is sent again; otherwise the inner handler computes the
/// response, the message and response are committed, and only then is the response sent.
/// When the store fails, the connection is closed without a reply (the sender will
/// resend). Messages with the same key arriving on two connections at once are handled
/// one after the other, so the second is answered as a duplicate.
///
/// The inner handler decides the response; it should not have effects beyond that,
/// because a crash between the handler and the commit makes the sender resend. Work
/// that must happen exactly once reads the committed messages from the store.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use carewire_mllp::blocking::{Client, ClientConfig, Reply, Server, ServerConfig};
/// use carewire_mllp::store::{MemoryStore, MessageKey, StoreHandler};
/// use carewire_mllp::Frame;
///
/// let store = Arc::new(MemoryStore::new());
/// // A toy key: the whole message is its own control id.
/// let key = |m: &[u8]| Some(MessageKey::new("peer", bytes::Bytes::copy_from_slice(m)));
/// let handler = StoreHandler::new(Arc::clone(&store), key, |_f: Frame, _p| Reply::Frame(Frame::CommitAck));
/// let server = Server::bind("127.0.0.1:0", ServerConfig::default(), handler)?;
/// let mut client = Client::connect(server.local_addr(), ClientConfig::default())?;
/// client.request(b"one")?;
/// client.request(b"one")?; // a duplicate: answered from the store
/// assert_eq!(store.messages().len(), 1);
/// # Ok::<(), carewire_mllp::Error>(())
/// ```
pub struct StoreHandler<S, H> {
    store: S,
    inner: H,
    key_fn: Box<KeyFn>,
    in_flight: Mutex<HashSet<MessageKey>>,
    done: Condvar,
}

impl<S, H> fmt::Debug for StoreHandler<S, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreHandler").finish_non_exhaustive()
    }
}

/// Removes a key from the in-flight set when dropped.
struct InFlight<'a> {
    set: &'a Mutex<HashSet<MessageKey>>,
    done: &'a Condvar,
    key: MessageKey,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        lock(self.set).remove(&self.key);
        self.done.notify_all();
    }
}

impl<S: MessageStore, H: Handler> StoreHandler<S, H> {
    /// Wraps `inner`, committing to `store` with keys from `key_fn`.
    pub fn new(
        store: S,
        key_fn: impl Fn(&[u8]) -> Option<MessageKey> + Send + Sync + 'static,
        inner: H,
    ) -> StoreHandler<S, H> {
        StoreHandler {
            store,
            inner,
            key_fn: Box::new(key_fn),
            in_flight: Mutex::new(HashSet::new()),
            done: Condvar::new(),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn claim(&self, key: &MessageKey) -> InFlight<'_> {
        let mut set = lock(&self.in_flight);
        while set.contains(key) {
            set = self.done.wait(set).unwrap_or_else(|p| p.into_inner());
        }
        set.insert(key.clone());
        InFlight {
            set: &self.in_flight,
            done: &self.done,
            key: key.clone(),
        }
    }
}

/// The reply to a duplicate: what was sent the first time.
fn replay(stored: Vec<Frame>) -> Reply {
    Reply::from_frames(stored)
}

impl<S: MessageStore, H: Handler> Handler for StoreHandler<S, H> {
    fn handle(&self, frame: Frame, peer: Peer) -> Reply {
        let Frame::Data(message) = frame else {
            // Commit blocks from the peer are transport chatter: nothing to store.
            return self.inner.handle(frame, peer);
        };
        let key = (self.key_fn)(&message);
        let _claim = key.as_ref().map(|k| self.claim(k));
        if let Some(k) = &key {
            match self.store.response_for(k) {
                Ok(Some(stored)) => return replay(stored),
                Ok(None) => {}
                Err(_) => return Reply::Close,
            }
        }
        let reply = self.inner.handle(Frame::Data(message.clone()), peer);
        if matches!(reply, Reply::Close) {
            return Reply::Close;
        }
        match self.store.commit(key.as_ref(), &message, reply.frames()) {
            Ok(Commit::Stored) => reply,
            Ok(Commit::Duplicate(stored)) => replay(stored),
            Err(_) => Reply::Close,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_of_an_unanswered_message_is_not_answered() {
        let handler = StoreHandler::new(
            MemoryStore::new(),
            |m: &[u8]| Some(MessageKey::new("s", Bytes::copy_from_slice(m))),
            |_f: Frame, _p: Peer| Reply::Nothing,
        );
        let peer = Peer {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 1)),
            connection: 0,
        };
        let frame = Frame::Data("m".into());
        assert_eq!(handler.handle(frame.clone(), peer), Reply::Nothing);
        assert_eq!(handler.handle(frame, peer), Reply::Nothing);
        assert_eq!(handler.store().messages().len(), 1);
    }

    #[test]
    fn responses_of_any_number_of_frames_survive_a_restart() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let cases: Vec<Vec<Frame>> = vec![
            vec![],
            vec![Frame::Data(Bytes::new())],
            vec![Frame::Data("one".into())],
            vec![Frame::CommitAck],
            vec![Frame::Data("CA".into()), Frame::Data("AA".into())],
            vec![
                Frame::CommitNak,
                Frame::Data(Bytes::new()),
                Frame::CommitAck,
            ],
        ];
        let store = FileStore::open(dir.path())?;
        for (i, frames) in cases.iter().enumerate() {
            let key = MessageKey::new("S", i.to_string());
            assert_eq!(store.commit(Some(&key), b"m", frames)?, Commit::Stored);
            assert_eq!(
                store.commit(Some(&key), b"m", &[])?,
                Commit::Duplicate(frames.clone())
            );
        }
        drop(store);
        let store = FileStore::open(dir.path())?;
        for (i, frames) in cases.iter().enumerate() {
            let key = MessageKey::new("S", i.to_string());
            assert_eq!(store.response_for(&key)?.as_ref(), Some(frames));
        }
        let all = store.messages()?;
        let got: Vec<_> = all.into_iter().map(|m| m.response).collect();
        assert_eq!(got, cases);
        Ok(())
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(0, b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn torn_record_is_cut_off_and_appends_continue() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let store = FileStore::open(dir.path())?;
        let k1 = MessageKey::new("S", "1");
        store.commit(Some(&k1), b"first", &[Frame::Data("ack1".into())])?;
        store.commit(None, b"keyless", &[Frame::CommitAck])?;
        let path = store.path().to_owned();
        drop(store);
        // Simulate a crash halfway through an append.
        let mut f = OpenOptions::new().append(true).open(&path)?;
        f.write_all(&RECORD_MAGIC.to_le_bytes())?;
        f.write_all(b"\x01\x00\x00\x00\x05")?;
        drop(f);
        let store = FileStore::open(dir.path())?;
        assert_eq!(store.len(), 2);
        assert_eq!(
            store.response_for(&k1)?,
            Some(vec![Frame::Data("ack1".into())])
        );
        let k2 = MessageKey::new("S", "2");
        store.commit(Some(&k2), b"second", &[Frame::CommitNak])?;
        drop(store);
        let store = FileStore::open(dir.path())?;
        let all = store.messages()?;
        assert_eq!(all.len(), 3);
        assert_eq!(&all[2].message[..], b"second");
        assert_eq!(all[2].response, vec![Frame::CommitNak]);
        assert_eq!(all[1].key, None);
        assert!(!format!("{:?}", all[0]).contains("first"));
        Ok(())
    }

    #[test]
    fn damage_before_the_end_is_refused_not_cut_off() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let store = FileStore::open(dir.path())?;
        store.commit(
            Some(&MessageKey::new("S", "1")),
            b"first",
            &[Frame::CommitAck],
        )?;
        store.commit(
            Some(&MessageKey::new("S", "2")),
            b"second",
            &[Frame::CommitAck],
        )?;
        let path = store.path().to_owned();
        drop(store);
        let mut bytes = std::fs::read(&path)?;
        let at = bytes.windows(5).position(|w| w == b"first").unwrap_or(0);
        bytes[at] ^= 0x20; // flip a bit inside the first record
        std::fs::write(&path, &bytes)?;
        let err = FileStore::open(dir.path()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Store);
        assert_eq!(err.offset(), Some(FILE_MAGIC.len() as u64));
        assert_eq!(std::fs::read(&path)?, bytes, "the log is left untouched");
        Ok(())
    }

    #[test]
    fn zeros_after_the_last_record_are_a_torn_append() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let store = FileStore::open(dir.path())?;
        store.commit(None, b"kept", &[Frame::CommitAck])?;
        let path = store.path().to_owned();
        drop(store);
        let mut f = OpenOptions::new().append(true).open(&path)?;
        f.write_all(&[0u8; 100])?;
        drop(f);
        let store = FileStore::open(dir.path())?;
        assert_eq!(store.len(), 1);
        assert_eq!(&store.messages()?[0].message[..], b"kept");
        Ok(())
    }

    #[test]
    fn not_a_store_log_is_refused() -> Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join(LOG_NAME), b"something else")?;
        assert_eq!(
            FileStore::open(dir.path()).unwrap_err().kind(),
            ErrorKind::Store
        );
        Ok(())
    }
}
