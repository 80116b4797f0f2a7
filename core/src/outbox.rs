//! The outbox: messages accepted but not yet answered by the cloud.
//!
//! [`Hologram`](crate::Hologram) keeps a message here while the network is
//! down or the transport fails, and flushes it, in order, when the network
//! is back. The [`Outbox`] trait keeps the storage replaceable: the
//! in-memory [`MemoryOutbox`] is the default; a durable one keeps messages
//! across restarts.

use std::collections::VecDeque;

use hologram_ports::Message;

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

    /// Whether a message pushed here survives a restart. A durable outbox
    /// receives every message before it is sent; a volatile one only those
    /// that could not be sent.
    fn is_durable(&self) -> bool {
        false
    }
}

/// An in-memory outbox with a message limit; when full it refuses new
/// messages with [`OutboxError::Full`] (never a silent loss).
///
/// ```
/// use hologram::{MemoryOutbox, Outbox, Message};
/// let mut ob = MemoryOutbox::with_capacity(1);
/// ob.push(1, &Message::new("a")).unwrap();
/// assert!(ob.push(2, &Message::new("b")).is_err());
/// assert_eq!(ob.pending(10).unwrap()[0].sequence, 1);
/// ```
#[derive(Debug)]
pub struct MemoryOutbox {
    queue: VecDeque<Queued>,
    capacity: usize,
    bytes: u64,
    last_sequence: u64,
}

impl Default for MemoryOutbox {
    fn default() -> Self {
        Self::with_capacity(MemoryOutbox::DEFAULT_CAPACITY)
    }
}

impl MemoryOutbox {
    /// The default message limit.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// An empty outbox that holds at most `capacity` messages.
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryOutbox {
            queue: VecDeque::new(),
            capacity,
            bytes: 0,
            last_sequence: 0,
        }
    }
}

impl Outbox for MemoryOutbox {
    fn push(&mut self, sequence: u64, message: &Message) -> Result<Option<Queued>, OutboxError> {
        if self.queue.len() >= self.capacity {
            return Err(OutboxError::Full {
                messages: self.queue.len(),
                bytes: self.bytes,
            });
        }
        self.bytes += message.data().len() as u64;
        self.last_sequence = self.last_sequence.max(sequence);
        // Sequence numbers grow, so pushing at the back keeps the queue sorted.
        self.queue.push_back(Queued {
            sequence,
            message: message.clone(),
        });
        Ok(None)
    }

    fn pending(&mut self, limit: usize) -> Result<Vec<Queued>, OutboxError> {
        Ok(self.queue.iter().take(limit).cloned().collect())
    }

    fn remove(&mut self, sequence: u64) -> Result<(), OutboxError> {
        if let Ok(pos) = self.queue.binary_search_by_key(&sequence, |q| q.sequence) {
            if let Some(q) = self.queue.remove(pos) {
                self.bytes -= q.message.data().len() as u64;
            }
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.queue.len()
    }

    fn last_sequence(&self) -> u64 {
        self.last_sequence
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn pending_is_in_push_order_and_removal_keeps_order(
            n in 1usize..50, removals in proptest::collection::vec(any::<prop::sample::Index>(), 0..20)
        ) {
            let mut ob = MemoryOutbox::default();
            for i in 1..=n as u64 {
                ob.push(i, &Message::new(format!("m{i}"))).unwrap();
            }
            let mut expected: Vec<u64> = (1..=n as u64).collect();
            for r in removals {
                if expected.is_empty() { break; }
                let seq = expected.remove(r.index(expected.len()));
                ob.remove(seq).unwrap();
            }
            let got: Vec<u64> = ob.pending(usize::MAX).unwrap().iter().map(|q| q.sequence).collect();
            prop_assert_eq!(got, expected.clone());
            prop_assert_eq!(ob.len(), expected.len());
            for q in ob.pending(usize::MAX).unwrap() {
                prop_assert_eq!(q.message.data(), format!("m{}", q.sequence));
            }
        }
    }

    #[test]
    fn full_outbox_refuses_and_keeps_what_it_has() {
        let mut ob = MemoryOutbox::with_capacity(2);
        ob.push(1, &Message::new("a")).unwrap();
        ob.push(2, &Message::new("bb")).unwrap();
        assert_eq!(
            ob.push(3, &Message::new("c")),
            Err(OutboxError::Full {
                messages: 2,
                bytes: 3
            })
        );
        assert_eq!(ob.len(), 2);
        assert_eq!(ob.last_sequence(), 2);
    }
}
