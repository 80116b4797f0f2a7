//! A durable outbox for the Hologram SDK: nothing accepted is lost.
//!
//! [`FileOutbox`] implements the [`Outbox`] port on a directory of the
//! device's storage. Each message the SDK accepts is written and synced to
//! disk before [`Outbox::push`] returns; it stays there until the cloud gave
//! a final answer ([`Outbox::remove`]); after a crash, a power cut or a
//! restart, [`Outbox::pending`] returns what is left, in order. It is opt-in:
//! hand one to the core with `Hologram::builder().outbox(Box::new(outbox))`;
//! the core then pushes every message before sending it, because
//! [`Outbox::is_durable`] is `true`.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use hologram_outbox::{FileOutbox, FullPolicy};
//! use hologram_ports::{Message, Outbox};
//!
//! let dir = tempfile::tempdir()?;
//! let mut outbox = FileOutbox::builder(dir.path())
//!     .max_messages(1_000)
//!     .max_bytes(256 * 1024)
//!     .when_full(FullPolicy::DropOldest)
//!     .open()?;
//! let seq = outbox.last_sequence() + 1;
//! outbox.push(seq, &Message::with_topic_strs("21.5C", &["temp"])?)?; // on disk now
//! drop(outbox); // the device restarts
//!
//! let mut outbox = FileOutbox::open(dir.path())?;
//! assert_eq!(outbox.last_sequence(), seq);
//! let pending = outbox.pending(10)?;
//! assert_eq!(pending[0].message.data(), "21.5C");
//! outbox.remove(seq)?; // the cloud answered
//! assert!(outbox.is_empty());
//! assert_eq!(outbox.last_acknowledged(), seq);
//! assert!(!format!("{outbox:?}").contains("21.5C")); // Debug shows counts only
//! # Ok(())
//! # }
//! ```
//!
//! # Guarantees
//!
//! - **Accepted means on disk.** When `push` returns `Ok`, the message's
//!   record was written with one `write` and synced with one `fdatasync`
//!   (assuming the storage honours a flush).
//! - **At least once.** A message leaves the outbox only through `remove`,
//!   which the core calls after a final answer from the cloud. If the device
//!   dies between that answer and the removal reaching the disk, the message
//!   is sent again after the restart: the receiver may see a duplicate.
//! - **Order.** `pending` returns messages oldest first; sequence numbers
//!   only grow (a `push` with a number not above [`Outbox::last_sequence`]
//!   is refused), also across restarts and when the outbox is empty.
//! - **Damage is reported, never fatal.** Every record carries a CRC-32. On
//!   open, a record cut short at the end of the log (a power cut mid-write)
//!   is cut off; damaged bytes between records are skipped by
//!   resynchronising on the next valid record, and the log is rewritten
//!   without them (if that rewrite fails, the outbox opens all the same and
//!   tries again on the next open). Both are logged as warnings with target `"Outbox"`,
//!   naming the file and offset, and listed by
//!   [`FileOutbox::corrupt_records`]; every other message is delivered.
//!   A message lost that way (its record had been written whole, so its
//!   `push` had returned) is counted by [`Outbox::lost`] and logged as
//!   an error: a loss is for the application to report, not a detail.
//! - **Damaged state is refused.** A record that verifies but holds a
//!   number that cannot be right (a sequence number above
//!   [`FileOutbox::MAX_SEQUENCE`], an acknowledgement above the last
//!   sequence number, byte counts that overflow) makes `open` fail with
//!   [`OutboxError::Damaged`], saying to move the directory aside: every
//!   later number would be wrong.
//! - **Only the user's own files.** The directory is created with mode
//!   0700; it and every file in it must be owned by the effective user and
//!   not writable by group or others. Files are opened with `O_NOFOLLOW`
//!   and `O_NOCTTY` and must be regular files with one link. Anything else
//!   is refused with [`OutboxError::Storage`] of `operation` [`UNSAFE`],
//!   naming the path, what is wrong and the fix: the outbox sends what it
//!   holds with the device's key, so nobody else may put anything there.
//! - **Bounded.** At most [`max_messages`](FileOutboxBuilder::max_messages)
//!   messages and [`max_bytes`](FileOutboxBuilder::max_bytes) bytes of
//!   records. When full, the [`FullPolicy`] decides: refuse the new message
//!   ([`OutboxError::Full`]) or drop the oldest and return it (the core then
//!   emits `message.dropped`). Never a silent loss.
//! - **One owner.** The directory is locked (`flock` on `outbox.lock`)
//!   while open; a second opener, in this process or another, gets
//!   [`OutboxError::Locked`].
//! - **Batches.** [`Outbox::push_batch`] keeps many messages with one
//!   `write` and one `fdatasync`: all or none.
//!
//! ## Duplicates
//!
//! The sequence number is per device and strictly increasing, so it is the
//! natural key to drop duplicates by. The Hologram socket protocol has no
//! field for it, though: it never reaches the cloud. A receiver that must
//! not process a message twice needs an identifier inside the message data
//! (the application can put one there, e.g. its own counter or the
//! sequence number it expects, [`Outbox::last_sequence`] + 1) and can then
//! discard identifiers it has already seen. On the device,
//! [`Outbox::last_acknowledged`] tells which message the cloud
//! confirmed last.
//!
//! # On-disk format
//!
//! The directory holds `outbox.lock` (the lock), `outbox.log` (the log) and,
//! briefly during a compaction, `outbox.log.tmp`. The log is a sequence of
//! records, little endian, each starting with a two-byte magic whose first
//! byte is `0xB0`, and each with a CRC-32 (IEEE) over all its other bytes:
//!
//! | record | layout | bytes |
//! |---|---|---|
//! | state | `magic 0x53B0, last_seq u64, last_ack u64, crc u32` | 22 |
//! | message | `magic 0x4DB0, len u32, seq u64, crc u32, payload[len]` | 18 + len |
//! | ack | `magic 0x41B0, seq u64, crc u32` | 14 |
//! | drop | `magic 0x44B0, seq u64, crc u32` | 14 |
//!
//! A message payload is `topic count u8, (topic len u8, topic)*, data len
//! u32, data`. The log starts with a state record. `push` appends a
//! message record (preceded by a drop record when it drops the oldest);
//! `remove` appends an ack record. Each is one `write` and one `fdatasync`.
//! Messages are counted against `max_bytes` by their record size.
//!
//! On open the log is read once and scanned: the live messages are those
//! with no ack or drop after them; the last sequence number is the highest
//! one seen in any record, the last acknowledged one that of the last ack
//! (or of the state record). Afterwards only the offset of each live record
//! is kept in memory; `pending` reads the records back and verifies them
//! again.
//!
//! Compaction, for flash: once the dead bytes (removed messages, acks and
//! drops) reach [`compact_after`](FileOutboxBuilder::compact_after) and
//! outweigh the live ones, the live records are written behind a fresh
//! state record into `outbox.log.tmp`, which is synced, renamed over
//! `outbox.log`, and the directory synced. So in the steady state a message
//! costs two small appends and two `fdatasync`s (push and remove), and a
//! compaction two syncs every `compact_after` bytes.
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod damage;
mod error;
mod files;
mod journal;
mod record;
mod scan;
mod settings;

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use hologram_ports::{Message, Outbox, OutboxError, Queued};

pub use crate::damage::{CorruptKind, CorruptRecord};
pub use crate::error::UNSAFE;

use crate::error::Error;
use crate::journal::{verify_message, Log};
use crate::record::{DecodeError, Mark, State, MARK_LEN, MAX_SEQUENCE};
use crate::scan::Entry;
pub use crate::settings::FullPolicy;
use crate::settings::{log_cap, Limits};

/// The log target of the outbox's warnings.
const LOG_TARGET: &str = "Outbox";

/// Settings for a [`FileOutbox`]; from [`FileOutbox::builder`].
#[derive(Debug, Clone)]
pub struct FileOutboxBuilder {
    dir: PathBuf,
    limits: Limits,
}

impl FileOutboxBuilder {
    /// The most messages held (default [`FileOutbox::DEFAULT_MAX_MESSAGES`]).
    /// At least 1.
    pub fn max_messages(mut self, n: usize) -> Self {
        self.limits.max_messages = n;
        self
    }

    /// The most bytes of message records held (default
    /// [`FileOutbox::DEFAULT_MAX_BYTES`]); a record is 23 bytes plus the
    /// data plus one byte more than each topic. At least 1.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_bytes = bytes;
        self
    }

    /// What to do when full (default [`FullPolicy::Refuse`]).
    pub fn when_full(mut self, policy: FullPolicy) -> Self {
        self.limits.when_full = policy;
        self
    }

    /// Compact the log once this many of its bytes are dead (and they
    /// outweigh the live ones); default
    /// [`FileOutbox::DEFAULT_COMPACT_AFTER`]. Lower means a smaller file
    /// and more rewrites; 0 compacts whenever the outbox empties.
    pub fn compact_after(mut self, bytes: u64) -> Self {
        self.limits.compact_after = bytes;
        self
    }

    /// Opens the outbox: creates the directory if needed, locks it, and
    /// reads back what it holds, repairing and reporting any damage.
    pub fn open(self) -> Result<FileOutbox, OutboxError> {
        Ok(FileOutbox::open_with(&self.dir, self.limits)?)
    }
}

/// A durable [`Outbox`] in a directory. See the [crate docs](crate) for
/// the guarantees and the format.
///
/// `Debug` shows counts, never message contents.
pub struct FileOutbox {
    log: Log,
    /// Live messages, oldest first, by strictly increasing sequence.
    entries: VecDeque<Entry>,
    live_bytes: u64,
    dead_bytes: u64,
    state: State,
    corrupt: Vec<CorruptRecord>,
    /// Accepted messages lost to damage since the outbox was opened.
    lost: u64,
    limits: Limits,
    /// The records being written.
    write_buf: Vec<u8>,
    /// The record being read.
    read_buf: Vec<u8>,
}

impl fmt::Debug for FileOutbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileOutbox")
            .field("dir", &self.log.dir())
            .field("messages", &self.entries.len())
            .field("bytes", &self.live_bytes)
            .field("log_bytes", &self.log.len())
            .field("last_sequence", &self.state.last_sequence)
            .field("last_acknowledged", &self.state.last_acknowledged)
            .field("corrupt_records", &self.corrupt.len())
            .field("lost", &self.lost)
            .field("max_messages", &self.limits.max_messages)
            .field("max_bytes", &self.limits.max_bytes)
            .field("when_full", &self.limits.when_full)
            .finish()
    }
}

impl FileOutbox {
    /// The default message limit.
    pub const DEFAULT_MAX_MESSAGES: usize = 10_000;
    /// The default byte limit: 4 MiB.
    pub const DEFAULT_MAX_BYTES: u64 = 4 << 20;
    /// The default compaction threshold: 64 KiB of dead bytes.
    pub const DEFAULT_COMPACT_AFTER: u64 = 64 << 10;
    /// The largest sequence number the outbox accepts (2⁶³ − 1). A log
    /// holding a larger one is damaged ([`OutboxError::Damaged`]).
    pub const MAX_SEQUENCE: u64 = MAX_SEQUENCE;

    /// Opens the outbox in `dir` with the default settings; see
    /// [`FileOutboxBuilder::open`].
    pub fn open(dir: impl AsRef<Path>) -> Result<FileOutbox, OutboxError> {
        FileOutbox::builder(dir).open()
    }

    /// Settings for an outbox in `dir`.
    pub fn builder(dir: impl AsRef<Path>) -> FileOutboxBuilder {
        FileOutboxBuilder {
            dir: dir.as_ref().to_owned(),
            limits: Limits {
                max_messages: Self::DEFAULT_MAX_MESSAGES,
                max_bytes: Self::DEFAULT_MAX_BYTES,
                when_full: FullPolicy::Refuse,
                compact_after: Self::DEFAULT_COMPACT_AFTER,
            },
        }
    }

    fn open_with(dir: &Path, limits: Limits) -> Result<FileOutbox, Error> {
        if limits.max_messages == 0 {
            return Err(Error::Setting {
                setting: "max_messages",
                reason: "must be at least 1",
            });
        }
        if limits.max_bytes == 0 {
            return Err(Error::Setting {
                setting: "max_bytes",
                reason: "must be at least 1",
            });
        }
        let (log, scan) = Log::open(dir, log_cap(&limits))?;
        let mut outbox = FileOutbox {
            log,
            entries: scan.entries,
            live_bytes: scan.live_bytes,
            dead_bytes: scan.dead_bytes,
            state: scan.state,
            corrupt: Vec::new(),
            lost: 0,
            limits,
            write_buf: Vec::new(),
            read_buf: Vec::new(),
        };
        for c in scan.corrupt {
            outbox.report(c);
        }
        if scan.needs_rewrite {
            // Best effort: the log as it is stays usable (its damage is
            // skipped again, and the rewrite retried, on the next open).
            if let Err(e) = outbox.compact_now() {
                ::log::warn!(target: LOG_TARGET, "rewriting the damaged outbox log failed; it keeps the log as it is: {e}");
            }
        } else {
            outbox.maybe_compact();
        }
        Ok(outbox)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        self.log.dir()
    }

    /// The damage found since this outbox was opened (on open, and when
    /// reading messages back), in the order found.
    pub fn corrupt_records(&self) -> &[CorruptRecord] {
        &self.corrupt
    }

    /// The bytes of the message records held (what
    /// [`max_bytes`](FileOutboxBuilder::max_bytes) limits).
    pub fn bytes(&self) -> u64 {
        self.live_bytes
    }

    /// Rewrites the log with only the messages held, now, rather than when
    /// the dead bytes reach the threshold.
    pub fn compact(&mut self) -> Result<(), OutboxError> {
        Ok(self.compact_now()?)
    }

    fn check_sequence(&self, sequence: u64, last: u64) -> Result<(), Error> {
        if sequence <= last {
            return Err(Error::Sequence { sequence, last });
        }
        if sequence > MAX_SEQUENCE {
            return Err(Error::SequenceRange {
                sequence,
                max: MAX_SEQUENCE,
            });
        }
        Ok(())
    }

    /// A record bigger than the outbox may ever hold is refused as such,
    /// not as "full".
    fn check_size(&self, size: u64) -> Result<(), Error> {
        if size > self.limits.max_bytes {
            Err(Error::TooLarge {
                size,
                limit: self.limits.max_bytes,
            })
        } else {
            Ok(())
        }
    }

    fn report(&mut self, c: CorruptRecord) {
        if c.messages_lost > 0 {
            ::log::error!(target: LOG_TARGET, "outbox data damaged, {} message(s) lost: {c}", c.messages_lost);
        } else {
            ::log::warn!(target: LOG_TARGET, "corrupt outbox data: {c}");
        }
        self.lost = self.lost.saturating_add(c.messages_lost);
        self.corrupt.push(c);
    }

    /// Accounts for and reports a live message whose record no longer
    /// verifies; the caller took it out of `entries`.
    fn forget_unreadable(&mut self, e: Entry, why: DecodeError) {
        self.live_bytes = self.live_bytes.saturating_sub(u64::from(e.size));
        self.dead_bytes = self.dead_bytes.saturating_add(u64::from(e.size));
        let c = CorruptRecord {
            file: self.log.path().to_owned(),
            offset: e.offset,
            length: u64::from(e.size),
            kind: CorruptKind::Unreadable,
            reason: why.describe(),
            sequence: Some(e.sequence),
            messages_lost: 1,
        };
        self.report(c);
    }

    /// Reads a live message back: `Ok(Err(_))` if its record is damaged.
    fn read_entry(&mut self, e: Entry) -> Result<Result<Queued, DecodeError>, Error> {
        self.read_buf.resize(e.size as usize, 0);
        match self.log.read_at(e.offset, &mut self.read_buf) {
            Ok(()) => {}
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::UnexpectedEof => {
                return Ok(Err(DecodeError::Incomplete));
            }
            Err(err) => return Err(err),
        }
        Ok(
            verify_message(&self.read_buf, e.sequence).map(|message| Queued {
                sequence: e.sequence,
                message,
            }),
        )
    }

    fn compact_now(&mut self) -> Result<(), Error> {
        let mut unreadable = Vec::new();
        let res = self
            .log
            .compact(self.state, &mut self.entries, &mut unreadable);
        for (e, why) in unreadable {
            self.forget_unreadable(e, why);
        }
        if res.is_ok() {
            self.dead_bytes = 0;
            self.live_bytes = self.entries.iter().map(|e| u64::from(e.size)).sum();
        }
        res
    }

    fn maybe_compact(&mut self) {
        let dead = self.dead_bytes;
        if dead > 0 && dead >= self.limits.compact_after && dead >= self.live_bytes {
            if let Err(e) = self.compact_now() {
                ::log::warn!(target: LOG_TARGET, "compacting the outbox failed; it keeps the log as it is: {e}");
            }
        }
    }

    fn full(&self) -> OutboxError {
        OutboxError::Full {
            messages: self.entries.len(),
            bytes: self.live_bytes,
        }
    }

    /// Whether a record of `size` bytes fits, after taking `freed` out.
    fn fits(&self, size: u64, freed: Option<Entry>) -> bool {
        let (messages, bytes) = match freed {
            Some(e) => (self.entries.len() - 1, self.live_bytes - u64::from(e.size)),
            None => (self.entries.len(), self.live_bytes),
        };
        messages < self.limits.max_messages && bytes.saturating_add(size) <= self.limits.max_bytes
    }

    /// Under [`FullPolicy::DropOldest`], finds the message to drop so that a
    /// record of `size` bytes fits: `Ok(None)` if it fits without dropping.
    fn victim(&mut self, size: u64) -> Result<Option<(Entry, Queued)>, OutboxError> {
        while !self.fits(size, None) {
            let Some(e) = self.entries.front().copied() else {
                return Err(self.full());
            };
            if !self.fits(size, Some(e)) {
                return Err(self.full());
            }
            match self.read_entry(e)? {
                Ok(q) => return Ok(Some((e, q))),
                Err(why) => {
                    self.entries.pop_front();
                    self.forget_unreadable(e, why);
                }
            }
        }
        Ok(None)
    }

    /// The oldest messages to drop so that `count` records of `total`
    /// bytes fit (none if they fit as it is); refuses under
    /// [`FullPolicy::Refuse`]. The caller checked that the batch fits an
    /// empty outbox.
    fn victims(&mut self, count: usize, total: u64) -> Result<Vec<(Entry, Queued)>, OutboxError> {
        let mut victims: Vec<(Entry, Queued)> = Vec::new();
        let mut freed = 0u64;
        loop {
            let messages = self.entries.len() - victims.len();
            let bytes = self.live_bytes - freed;
            if messages + count <= self.limits.max_messages
                && bytes + total <= self.limits.max_bytes
            {
                return Ok(victims);
            }
            if self.limits.when_full == FullPolicy::Refuse {
                return Err(self.full());
            }
            let Some(e) = self.entries.get(victims.len()).copied() else {
                return Err(self.full());
            };
            match self.read_entry(e)? {
                Ok(q) => {
                    freed += u64::from(e.size);
                    victims.push((e, q));
                }
                Err(why) => {
                    self.entries.remove(victims.len());
                    self.forget_unreadable(e, why);
                }
            }
        }
    }
}

impl Outbox for FileOutbox {
    /// The sequence number of the message removed last with
    /// [`Outbox::remove`] (after a final answer from the cloud), 0 if none.
    /// Survives restarts. Messages dropped because the outbox was full do
    /// not count.
    fn last_acknowledged(&self) -> u64 {
        self.state.last_acknowledged
    }

    fn push(&mut self, sequence: u64, message: &Message) -> Result<Option<Queued>, OutboxError> {
        self.check_sequence(sequence, self.state.last_sequence)?;
        self.write_buf.clear();
        let size = record::encode_message(sequence, message, &mut self.write_buf)
            .map_err(Error::from)? as u64;
        self.check_size(size)?;
        let victim = if self.fits(size, None) {
            None
        } else {
            match self.limits.when_full {
                FullPolicy::Refuse => return Err(self.full()),
                FullPolicy::DropOldest => self.victim(size)?,
            }
        };
        let mut record_at = 0;
        if let Some((e, _)) = &victim {
            let mut mark = Vec::with_capacity(MARK_LEN);
            record::encode_mark(Mark::Drop, e.sequence, &mut mark);
            self.write_buf.splice(0..0, mark);
            record_at = MARK_LEN as u64;
        }
        let at = self.log.append(&self.write_buf)?;
        if let Some((e, _)) = &victim {
            self.entries.pop_front();
            self.live_bytes -= u64::from(e.size);
            self.dead_bytes += u64::from(e.size) + MARK_LEN as u64;
        }
        self.entries.push_back(Entry {
            sequence,
            offset: at + record_at,
            // At most 18 bytes + 16 MiB.
            size: size as u32,
        });
        self.live_bytes += size;
        self.state.last_sequence = sequence;
        self.maybe_compact();
        Ok(victim.map(|(_, q)| q))
    }

    /// Keeps every message of `items` (sequence numbers strictly
    /// increasing, above [`Outbox::last_sequence`]) with **one** `write`
    /// and **one** `fdatasync` for the whole batch: all of them are on disk
    /// when it returns `Ok`, or none is.
    ///
    /// When they do not all fit, [`FullPolicy::Refuse`] refuses the batch
    /// ([`OutboxError::Full`]); [`FullPolicy::DropOldest`] drops as many of
    /// the oldest messages held as needed and returns them, oldest first.
    /// A batch bigger than the whole outbox is refused either way.
    fn push_batch(&mut self, items: &[(u64, &Message)]) -> Result<Vec<Queued>, OutboxError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let mut last = self.state.last_sequence;
        for &(sequence, _) in items {
            self.check_sequence(sequence, last)?;
            last = sequence;
        }
        self.write_buf.clear();
        let mut sizes = Vec::with_capacity(items.len());
        for &(sequence, message) in items {
            let size = record::encode_message(sequence, message, &mut self.write_buf)
                .map_err(Error::from)? as u64;
            self.check_size(size)?;
            sizes.push(size);
        }
        let total: u64 = sizes.iter().sum();
        if items.len() > self.limits.max_messages || total > self.limits.max_bytes {
            return Err(self.full());
        }
        let victims = self.victims(items.len(), total)?;
        let mut marks = Vec::with_capacity(victims.len() * MARK_LEN);
        for (e, _) in &victims {
            record::encode_mark(Mark::Drop, e.sequence, &mut marks);
        }
        let records_len = self.write_buf.len();
        self.write_buf.splice(0..0, marks);
        let at = self.log.append(&self.write_buf)?;
        for (e, _) in &victims {
            self.entries.pop_front();
            self.live_bytes -= u64::from(e.size);
            self.dead_bytes += u64::from(e.size) + MARK_LEN as u64;
        }
        let mut offset = at + (self.write_buf.len() - records_len) as u64;
        for (&(sequence, _), &size) in items.iter().zip(&sizes) {
            // At most 18 bytes + 16 MiB.
            self.entries.push_back(Entry {
                sequence,
                offset,
                size: size as u32,
            });
            offset += size;
        }
        self.live_bytes += total;
        self.state.last_sequence = last;
        self.maybe_compact();
        Ok(victims.into_iter().map(|(_, q)| q).collect())
    }

    /// How many accepted messages were lost to damaged records since this
    /// outbox was opened (found on open, or when reading one back): the
    /// sum of [`CorruptRecord::messages_lost`]. A loss is an error for the
    /// application to report, not a detail: the SDK and the CLI do.
    fn lost(&self) -> u64 {
        self.lost
    }

    fn pending(&mut self, limit: usize) -> Result<Vec<Queued>, OutboxError> {
        let mut out = Vec::with_capacity(limit.min(self.entries.len()));
        let mut i = 0;
        while out.len() < limit {
            let Some(e) = self.entries.get(i).copied() else {
                break;
            };
            match self.read_entry(e)? {
                Ok(q) => {
                    out.push(q);
                    i += 1;
                }
                Err(why) => {
                    self.entries.remove(i);
                    self.forget_unreadable(e, why);
                }
            }
        }
        Ok(out)
    }

    fn remove(&mut self, sequence: u64) -> Result<(), OutboxError> {
        let Ok(i) = self.entries.binary_search_by_key(&sequence, |e| e.sequence) else {
            return Ok(());
        };
        self.write_buf.clear();
        record::encode_mark(Mark::Ack, sequence, &mut self.write_buf);
        self.log.append(&self.write_buf)?;
        if let Some(e) = self.entries.remove(i) {
            self.live_bytes -= u64::from(e.size);
            self.dead_bytes += u64::from(e.size) + MARK_LEN as u64;
        }
        self.state.last_acknowledged = sequence;
        self.maybe_compact();
        Ok(())
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn last_sequence(&self) -> u64 {
        self.state.last_sequence
    }

    fn is_durable(&self) -> bool {
        true
    }
}

/// Registered as the `file` outbox: setting `dir`, the directory to keep it
/// in; the other limits are the defaults.
fn open_from_config(
    ctx: &hologram_ports::AdapterContext,
) -> Result<Box<dyn Outbox>, hologram_ports::AdapterError> {
    ctx.config.check_known("file", &["dir"])?;
    let dir = ctx
        .config
        .get("dir")
        .ok_or_else(|| hologram_ports::ConfigError::Missing {
            key: "dir".to_owned(),
        })?;
    Ok(Box::new(FileOutbox::open(dir)?))
}

hologram_ports::inventory::submit! {
    hologram_ports::AdapterDescriptor::outbox("file", "a durable outbox in a directory, crash-safe", open_from_config)
}
