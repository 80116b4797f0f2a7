//! The outbox port: where accepted messages wait until the cloud answers.
//!
//! The core keeps a message here while the network is down or the transport
//! fails, and flushes it, in order, when the network is back. An in-memory
//! outbox ships with the core; a durable one keeps messages across restarts.

use crate::Message;

/// The outbox could not take or give back a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The outbox is full and its policy is to refuse new messages.
    #[error(
        "the outbox is full ({messages} messages, {bytes} bytes); the message was not accepted"
    )]
    Full {
        /// Messages held.
        messages: usize,
        /// Bytes held.
        bytes: u64,
    },
    /// The storage failed.
    #[error("outbox storage failed during {operation}: {detail}")]
    Storage {
        /// What was being done.
        operation: &'static str,
        /// What the system said.
        detail: String,
    },
}

/// One queued message and its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The sequence number given when the message was accepted.
    pub sequence: u64,
    /// The message.
    pub message: Message,
}

/// Storage for queued messages, oldest first.
///
/// # For implementers
///
/// `push` must keep the message before returning (a durable outbox syncs it
/// to disk); `remove` is called only once the cloud gave a final answer.
/// Sequence numbers only grow, also across restarts for a durable outbox.
pub trait Outbox: Send + std::fmt::Debug {
    /// Keeps `message` under `sequence`. May drop the oldest message to make
    /// room, returning it, when that is the outbox's documented policy.
    fn push(&mut self, sequence: u64, message: &Message) -> Result<Option<Queued>, OutboxError>;

    /// Up to `limit` messages, oldest first.
    fn pending(&mut self, limit: usize) -> Result<Vec<Queued>, OutboxError>;

    /// Forgets a message that got a final answer. Unknown numbers are ignored.
    fn remove(&mut self, sequence: u64) -> Result<(), OutboxError>;

    /// How many messages are held.
    fn len(&self) -> usize;

    /// Whether no message is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The highest sequence number ever given to this outbox (0 if none).
    fn last_sequence(&self) -> u64;

    /// The sequence number of the last message removed after a final
    /// answer, 0 if none. A durable outbox keeps it across restarts; the
    /// default does not track it.
    fn last_acknowledged(&self) -> u64 {
        0
    }

    /// Whether a message pushed here survives a restart. A durable outbox
    /// receives every message before it is sent; a volatile one only those
    /// that could not be sent.
    fn is_durable(&self) -> bool {
        false
    }
}
