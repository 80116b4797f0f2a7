//! A correct reference outbox (volatile, or "durable" in a process-wide
//! map keyed by directory), with one fault per way to break an outbox rule.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use hologram_conformance::{OutboxUnderTest, WhenFull};
use hologram_ports::{Message, Outbox, OutboxError, Queued};

/// One way an outbox breaks one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxFault {
    /// `pending` returns the newest first.
    NewestFirst,
    /// `pending` takes out what it returns.
    PendingTakesOut,
    /// A removed message comes back with the next push.
    ResurrectsOnPush,
    /// Declares durability but keeps nothing across a reopen.
    ForgetsOnReopen,
    /// Keeps the messages across a reopen but not `last_acknowledged`.
    ForgetsAckOnReopen,
    /// Past its limit, keeps accepting (`Ok(None)`).
    Overflows,
    /// Past its limit, refuses but silently drops the oldest all the same.
    RefusesAndDrops,
    /// Past its limit under `DropOldest`, drops the newest held instead.
    DropsNewest,
    /// A message larger than the byte limit is `Full`, and the oldest is dropped.
    TooLargeIsFull,
    /// `push_batch` keeps the batch in reverse order.
    BatchReversed,
    /// A durable outbox that keeps part of a refused batch.
    BatchPartial,
}

#[derive(Debug, Default, Clone)]
struct State {
    queue: Vec<Queued>,
    removed: Vec<Queued>,
    last_sequence: u64,
    last_acknowledged: u64,
}

/// What the "durable" reference outboxes keep, by directory.
static DISK: Mutex<Option<HashMap<PathBuf, State>>> = Mutex::new(None);

#[derive(Debug)]
pub struct RefOutbox {
    dir: Option<PathBuf>,
    state: State,
    limit: usize,
    policy: WhenFull,
    max_bytes: usize,
    fault: Option<OutboxFault>,
}

impl RefOutbox {
    /// Opens a reference outbox; `durable` keeps it in `DISK` under `dir`.
    pub fn open(
        dir: &Path,
        durable: bool,
        limit: usize,
        policy: WhenFull,
        max_bytes: usize,
        fault: Option<OutboxFault>,
    ) -> RefOutbox {
        let mut state = State::default();
        if durable {
            let mut disk = DISK.lock().unwrap();
            let saved = disk.get_or_insert_with(HashMap::new).get(dir).cloned();
            match (saved, fault) {
                (_, Some(OutboxFault::ForgetsOnReopen)) | (None, _) => {}
                (Some(s), Some(OutboxFault::ForgetsAckOnReopen)) => {
                    state = State {
                        last_acknowledged: 0,
                        ..s
                    }
                }
                (Some(s), _) => state = s,
            }
        }
        RefOutbox {
            dir: durable.then(|| dir.to_owned()),
            state,
            limit,
            policy,
            max_bytes,
            fault,
        }
    }

    fn is(&self, fault: OutboxFault) -> bool {
        self.fault == Some(fault)
    }

    fn save(&self) {
        if let Some(dir) = &self.dir {
            let mut disk = DISK.lock().unwrap();
            disk.get_or_insert_with(HashMap::new)
                .insert(dir.clone(), self.state.clone());
        }
    }

    fn bytes(&self) -> usize {
        self.state
            .queue
            .iter()
            .map(|q| q.message.data().len())
            .sum()
    }

    fn full(&self) -> OutboxError {
        OutboxError::Full {
            messages: self.state.queue.len(),
            bytes: self.bytes() as u64,
        }
    }

    fn push_one(
        &mut self,
        sequence: u64,
        message: &Message,
    ) -> Result<Option<Queued>, OutboxError> {
        let size = message.data().len();
        if size > self.max_bytes {
            if self.is(OutboxFault::TooLargeIsFull) {
                self.state.queue.remove(0);
                return Err(self.full());
            }
            return Err(OutboxError::TooLarge {
                size,
                limit: self.max_bytes,
            });
        }
        let mut dropped = None;
        if self.state.queue.len() >= self.limit && !self.is(OutboxFault::Overflows) {
            match self.policy {
                WhenFull::Refuse => {
                    if self.is(OutboxFault::RefusesAndDrops) {
                        self.state.queue.remove(0);
                    }
                    return Err(self.full());
                }
                _ if self.is(OutboxFault::DropsNewest) => dropped = self.state.queue.pop(),
                _ => dropped = Some(self.state.queue.remove(0)),
            }
        }
        if self.is(OutboxFault::ResurrectsOnPush) {
            let back = std::mem::take(&mut self.state.removed);
            self.state.queue.extend(back);
            self.state.queue.sort_by_key(|q| q.sequence);
        }
        self.state.queue.push(Queued {
            sequence,
            message: message.clone(),
        });
        self.state.last_sequence = self.state.last_sequence.max(sequence);
        Ok(dropped)
    }
}

impl Outbox for RefOutbox {
    fn push(&mut self, sequence: u64, message: &Message) -> Result<Option<Queued>, OutboxError> {
        let r = self.push_one(sequence, message);
        self.save();
        r
    }

    fn push_batch(&mut self, items: &[(u64, &Message)]) -> Result<Vec<Queued>, OutboxError> {
        let before = self.state.clone();
        let mut dropped = Vec::new();
        let order: Vec<&(u64, &Message)> = if self.is(OutboxFault::BatchReversed) {
            items.iter().rev().collect()
        } else {
            items.iter().collect()
        };
        for &&(sequence, message) in &order {
            match self.push_one(sequence, message) {
                Ok(d) => dropped.extend(d),
                Err(e) => {
                    // All or none, as a durable outbox must.
                    if self.dir.is_some() && !self.is(OutboxFault::BatchPartial) {
                        self.state = before;
                    }
                    self.save();
                    return Err(e);
                }
            }
        }
        self.save();
        Ok(dropped)
    }

    fn pending(&mut self, limit: usize) -> Result<Vec<Queued>, OutboxError> {
        let mut out: Vec<Queued> = self.state.queue.iter().take(limit).cloned().collect();
        if self.is(OutboxFault::NewestFirst) {
            out = self.state.queue.iter().rev().take(limit).cloned().collect();
        }
        if self.is(OutboxFault::PendingTakesOut) {
            self.state.queue.drain(..out.len());
        }
        Ok(out)
    }

    fn remove(&mut self, sequence: u64) -> Result<(), OutboxError> {
        if let Some(i) = self.state.queue.iter().position(|q| q.sequence == sequence) {
            let q = self.state.queue.remove(i);
            self.state.removed.push(q);
            self.state.last_acknowledged = sequence;
        }
        self.save();
        Ok(())
    }

    fn len(&self) -> usize {
        self.state.queue.len()
    }

    fn last_sequence(&self) -> u64 {
        self.state.last_sequence
    }

    fn last_acknowledged(&self) -> u64 {
        self.state.last_acknowledged
    }

    fn is_durable(&self) -> bool {
        self.dir.is_some()
    }
}

/// The reference outbox under test: `durable` or not, holding 4 messages
/// and 1 KiB, with `policy` when full, and an optional fault.
pub fn ref_outbox(durable: bool, policy: WhenFull, fault: Option<OutboxFault>) -> OutboxUnderTest {
    OutboxUnderTest::new(move |dir| {
        Ok(Box::new(RefOutbox::open(dir, durable, 4, policy, 1024, fault)) as Box<dyn Outbox>)
    })
    .holding(4, policy)
    .max_bytes(1024)
}
