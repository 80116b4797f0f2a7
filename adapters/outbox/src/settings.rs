//! The outbox's settings: its limits and what it does when full.

use std::path::PathBuf;

use hologram_ports::OutboxError;

use crate::record::{MARK_LEN, MAX_PAYLOAD, MESSAGE_HEADER_LEN};
use crate::FileOutbox;

/// What a full outbox does with a new message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FullPolicy {
    /// Refuse the new message: `push` returns [`OutboxError::Full`] and
    /// everything held is kept. The default.
    #[default]
    Refuse,
    /// Drop the oldest message to make room: `push` returns it as
    /// `Ok(Some(dropped))` (the core emits `message.dropped`). At most one
    /// message is dropped per push: when dropping the oldest would not make
    /// room (the new message is bigger), the new one is refused with
    /// [`OutboxError::Full`] and nothing is dropped.
    DropOldest,
}

/// Settings for a [`FileOutbox`]; from [`FileOutbox::builder`].
#[derive(Debug, Clone)]
pub struct FileOutboxBuilder {
    pub(crate) dir: PathBuf,
    pub(crate) limits: Limits,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_messages: usize,
    pub(crate) max_bytes: u64,
    pub(crate) when_full: FullPolicy,
    pub(crate) compact_after: u64,
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

/// The largest log an outbox with `limits` reads back: the live records,
/// the dead ones a compaction has not removed yet, and one batch more,
/// with room to spare for limits lowered since the log was written.
pub(crate) fn log_cap(limits: &Limits) -> u64 {
    let record = (MESSAGE_HEADER_LEN + MAX_PAYLOAD) as u64;
    let marks = (limits.max_messages as u64).saturating_mul(MARK_LEN as u64);
    limits
        .max_bytes
        .saturating_mul(4)
        .saturating_add(limits.compact_after.saturating_mul(2))
        .saturating_add(record.saturating_mul(2))
        .saturating_add(marks.saturating_mul(2))
}
