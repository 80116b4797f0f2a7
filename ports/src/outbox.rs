//! The outbox port: where accepted messages wait until the cloud answers.
//!
//! The core pushes every accepted message here and drains the outbox,
//! oldest first, whenever the network allows. An in-memory outbox ships with
//! the core; a durable one keeps messages across restarts.

use std::path::PathBuf;
use std::sync::Arc;

use crate::Message;

/// The outbox could not take or give back a message.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// One message is larger than this outbox can ever hold, even empty.
    #[error("the message is too large for the outbox ({size} bytes; the limit is {limit} bytes)")]
    TooLarge {
        /// The message's size in bytes.
        size: usize,
        /// The most this outbox can hold.
        limit: usize,
    },
    /// Another process holds the outbox.
    #[error("the outbox {} is in use by another process", path.display())]
    Locked {
        /// The outbox's directory or lock file.
        path: PathBuf,
    },
    /// The outbox's state cannot be trusted (a number read from storage is
    /// out of range, ...); `detail` says what and what to do.
    #[error("the outbox's state is damaged: {detail}")]
    Damaged {
        /// What is wrong, and what to do about it.
        detail: String,
    },
    /// The storage failed; the system's error is the
    /// [`source`](std::error::Error::source).
    #[error("outbox storage failed during {operation}: {source}")]
    Storage {
        /// What was being done.
        operation: &'static str,
        /// What the system said.
        source: Arc<std::io::Error>,
    },
}

impl OutboxError {
    /// A [`OutboxError::Storage`] for `operation`, keeping `source` as the cause.
    pub fn storage(operation: &'static str, source: std::io::Error) -> Self {
        OutboxError::Storage {
            operation,
            source: Arc::new(source),
        }
    }
}

/// Equal when of the same kind with the same details; storage failures
/// compare the cause's [`std::io::ErrorKind`] and text.
impl PartialEq for OutboxError {
    fn eq(&self, other: &Self) -> bool {
        use OutboxError::*;
        match (self, other) {
            (
                Full { messages, bytes },
                Full {
                    messages: m,
                    bytes: b,
                },
            ) => messages == m && bytes == b,
            (TooLarge { size, limit }, TooLarge { size: s, limit: l }) => size == s && limit == l,
            (Locked { path }, Locked { path: p }) => path == p,
            (Damaged { detail }, Damaged { detail: d }) => detail == d,
            (
                Storage { operation, source },
                Storage {
                    operation: o,
                    source: s,
                },
            ) => operation == o && crate::same_io(source, s),
            _ => false,
        }
    }
}

impl Eq for OutboxError {}

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
/// A message larger than the outbox could hold even when empty is
/// [`OutboxError::TooLarge`], not [`OutboxError::Full`].
pub trait Outbox: Send + std::fmt::Debug {
    /// Keeps `message` under `sequence`. May drop the oldest message to make
    /// room, returning it, when that is the outbox's documented policy.
    fn push(&mut self, sequence: u64, message: &Message) -> Result<Option<Queued>, OutboxError>;

    /// Keeps several messages, in the order given, at once: a durable outbox
    /// writes them in one write and one sync, so either all are kept or none
    /// is. Returns what was dropped to make room, as [`push`](Self::push).
    /// The default pushes them one by one.
    fn push_batch(&mut self, items: &[(u64, &Message)]) -> Result<Vec<Queued>, OutboxError> {
        let mut dropped = Vec::new();
        for &(sequence, message) in items {
            dropped.extend(self.push(sequence, message)?);
        }
        Ok(dropped)
    }

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

    /// How many messages were lost to damaged records found when this
    /// outbox was opened (0 for the default and for an outbox that cannot
    /// be damaged). The core reports a loss as an error.
    fn lost(&self) -> u64 {
        0
    }

    /// Whether a message pushed here survives a restart.
    fn is_durable(&self) -> bool {
        false
    }
}
