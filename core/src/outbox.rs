//! The in-memory outbox, the default [`Outbox`].

use std::collections::VecDeque;

use hologram_ports::{Message, Outbox, OutboxError, Queued};

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
        assert_eq!(
            format!("{ob:?}"),
            "MemoryOutbox { messages: 2, bytes: 3, capacity: 2, last_sequence: 2 }"
        );
    }
}
