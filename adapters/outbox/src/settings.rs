//! The outbox's limits and what it does when full (plain values; the
//! builder that sets them is in the crate root).

use crate::record::{MARK_LEN, MAX_PAYLOAD, MESSAGE_HEADER_LEN};

/// What a full outbox does with a new message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FullPolicy {
    /// Refuse the new message: `push` returns [`OutboxError::Full`](hologram_ports::OutboxError::Full) and
    /// everything held is kept. The default.
    #[default]
    Refuse,
    /// Drop the oldest message to make room: `push` returns it as
    /// `Ok(Some(dropped))` (the core emits `message.dropped`). At most one
    /// message is dropped per push: when dropping the oldest would not make
    /// room (the new message is bigger), the new one is refused with
    /// [`OutboxError::Full`](hologram_ports::OutboxError::Full) and nothing is dropped.
    DropOldest,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_messages: usize,
    pub(crate) max_bytes: u64,
    pub(crate) when_full: FullPolicy,
    pub(crate) compact_after: u64,
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
