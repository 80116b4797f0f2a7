//! The in-memory outbox, the default [`Outbox`].

use std::collections::VecDeque;

use hologram_ports::{Message, Outbox, OutboxError, Queued};

/// An in-memory outbox with a message limit and a byte limit; when full it
/// refuses new messages with [`OutboxError::Full`] (never a silent loss),
/// and a message larger than the byte limit with [`OutboxError::TooLarge`].
/// A message's size is its data plus its topics.
///
/// ```
/// use hologram::{MemoryOutbox, Outbox, Message};
/// let mut ob = MemoryOutbox::with_capacity(1);
/// ob.push(1, &Message::new("a")).unwrap();
/// assert!(ob.push(2, &Message::new("b")).is_err());
/// assert_eq!(ob.pending(10).unwrap()[0].sequence, 1);
/// ```
pub struct MemoryOutbox {
    queue: VecDeque<Queued>,
    capacity: usize,
    max_bytes: usize,
    bytes: usize,
    last_sequence: u64,
}

impl Default for MemoryOutbox {
    fn default() -> Self {
        Self::with_capacity(MemoryOutbox::DEFAULT_CAPACITY)
    }
}

fn size(message: &Message) -> usize {
    message.data().len() + message.topics().iter().map(|t| t.len()).sum::<usize>()
}

impl MemoryOutbox {
    /// The default message limit.
    pub const DEFAULT_CAPACITY: usize = 10_000;
    /// The default byte limit: 16 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 16 << 20;

    /// An empty outbox that holds at most `capacity` messages (and
    /// [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES)).
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_limits(capacity, Self::DEFAULT_MAX_BYTES)
    }

    /// An empty outbox that holds at most `capacity` messages and
    /// `max_bytes` bytes.
    pub fn with_limits(capacity: usize, max_bytes: usize) -> Self {
        MemoryOutbox {
            queue: VecDeque::new(),
            capacity,
            max_bytes,
            bytes: 0,
            last_sequence: 0,
        }
    }

    /// Whether `n` more messages of `bytes` in all fit, or why not.
    fn check_room(&self, n: usize, bytes: usize, largest: usize) -> Result<(), OutboxError> {
        if largest > self.max_bytes || self.capacity == 0 {
            return Err(OutboxError::TooLarge {
                size: largest,
                limit: if self.capacity == 0 {
                    0
                } else {
                    self.max_bytes
                },
            });
        }
        let messages = self.queue.len().saturating_add(n);
        if messages > self.capacity || self.bytes.saturating_add(bytes) > self.max_bytes {
            return Err(OutboxError::Full {
                messages: self.queue.len(),
                bytes: self.bytes as u64,
            });
        }
        Ok(())
    }

    fn keep(&mut self, sequence: u64, message: &Message) {
        self.bytes += size(message);
        self.last_sequence = self.last_sequence.max(sequence);
        // Sequence numbers grow, so pushing at the back keeps the queue sorted.
        self.queue.push_back(Queued {
            sequence,
            message: message.clone(),
        });
    }
}

/// Counts only: the queue may hold thousands of messages.
impl std::fmt::Debug for MemoryOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryOutbox")
            .field("messages", &self.queue.len())
            .field("bytes", &self.bytes)
            .field("capacity", &self.capacity)
            .field("last_sequence", &self.last_sequence)
            .finish()
    }
}

impl Outbox for MemoryOutbox {
    fn push(&mut self, sequence: u64, message: &Message) -> Result<Option<Queued>, OutboxError> {
        let n = size(message);
        self.check_room(1, n, n)?;
        self.keep(sequence, message);
        Ok(None)
    }

    /// All or nothing: a batch that does not fit is refused whole.
    fn push_batch(&mut self, items: &[(u64, &Message)]) -> Result<Vec<Queued>, OutboxError> {
        let sizes = items.iter().map(|(_, m)| size(m));
        let (total, largest) = sizes.fold((0usize, 0usize), |(t, l), s| {
            (t.saturating_add(s), l.max(s))
        });
        if !items.is_empty() {
            self.check_room(items.len(), total, largest)?;
        }
        for &(sequence, message) in items {
            self.keep(sequence, message);
        }
        Ok(Vec::new())
    }

    fn pending(&mut self, limit: usize) -> Result<Vec<Queued>, OutboxError> {
        Ok(self.queue.iter().take(limit).cloned().collect())
    }

    fn remove(&mut self, sequence: u64) -> Result<(), OutboxError> {
        if let Ok(pos) = self.queue.binary_search_by_key(&sequence, |q| q.sequence) {
            if let Some(q) = self.queue.remove(pos) {
                self.bytes -= size(&q.message);
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
    fn a_message_larger_than_the_limit_is_too_large_not_full() {
        let mut ob = MemoryOutbox::with_limits(4, 5);
        assert_eq!(
            ob.push(1, &Message::new("123456")),
            Err(OutboxError::TooLarge { size: 6, limit: 5 })
        );
        ob.push(2, &Message::new("123")).unwrap();
        assert_eq!(
            ob.push(3, &Message::new("123")),
            Err(OutboxError::Full {
                messages: 1,
                bytes: 3
            })
        );
        // A batch is all or nothing.
        let (a, b) = (Message::new("a"), Message::new("bcd"));
        assert!(ob.push_batch(&[(4, &a), (5, &b)]).is_err());
        assert_eq!(ob.len(), 1);
        assert_eq!(ob.push_batch(&[(4, &a)]), Ok(Vec::new()));
        assert_eq!(ob.len(), 2);
        assert_eq!(
            MemoryOutbox::with_capacity(0).push(1, &a),
            Err(OutboxError::TooLarge { size: 1, limit: 0 })
        );
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
        assert_eq!(
            format!("{ob:?}"),
            "MemoryOutbox { messages: 2, bytes: 3, capacity: 2, last_sequence: 2 }"
        );
    }
}
