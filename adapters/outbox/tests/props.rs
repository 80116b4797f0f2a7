//! Properties: any file opens without panicking and yields only valid
//! records; any sequence of operations matches a simple in-memory model.

use std::collections::VecDeque;
use std::fs;
use std::path::Path;

use hologram_outbox::{FileOutbox, FullPolicy};
use hologram_ports::{Message, Outbox, OutboxError, Queued};
use proptest::prelude::*;
use proptest::sample::Index;

fn log_path(dir: &Path) -> std::path::PathBuf {
    dir.join("outbox.log")
}

fn message() -> impl Strategy<Value = Message> {
    (
        "[a-z0-9 \u{e9}\u{b0}]{0,24}",
        prop::collection::vec("[a-zA-Z0-9/_-]{1,8}", 0..3),
    )
        .prop_map(|(data, topics)| Message::with_topic_strs(data, &topics).unwrap())
}

/// The records of `messages` (numbered from 1) as the outbox writes them,
/// and the state header of an empty log.
fn records_of(messages: &[Message]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let mut ends = vec![fs::read(log_path(dir.path())).unwrap().len()];
    for (i, m) in messages.iter().enumerate() {
        ob.push(i as u64 + 1, m).unwrap();
        ends.push(fs::read(log_path(dir.path())).unwrap().len());
    }
    let bytes = fs::read(log_path(dir.path())).unwrap();
    let header = bytes[..ends[0]].to_vec();
    let records = ends
        .windows(2)
        .map(|w| bytes[w[0]..w[1]].to_vec())
        .collect();
    (header, records)
}

/// Opens `bytes` as a log and returns what is pending, checking that a
/// second open agrees and has nothing more to report.
fn open_bytes(bytes: &[u8]) -> Vec<Queued> {
    let dir = tempfile::tempdir().unwrap();
    fs::write(log_path(dir.path()), bytes).unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let got = ob.pending(usize::MAX).unwrap();
    assert_eq!(got.len(), ob.len());
    assert!(got.windows(2).all(|w| w[0].sequence < w[1].sequence));
    assert!(got.iter().all(|q| q.sequence <= ob.last_sequence()));
    drop(ob);
    let mut again = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(again.pending(usize::MAX).unwrap(), got);
    assert!(again.corrupt_records().is_empty());
    got
}

/// Bytes that often look like the start of a record.
fn noise() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<u8>(),
            1 => Just(0xB0u8),
            1 => prop::sample::select(vec![b'M', b'A', b'D', b'S']),
        ],
        0..64,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_open_without_panicking(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        noisy in noise(),
    ) {
        open_bytes(&bytes);
        open_bytes(&noisy);
    }

    #[test]
    fn valid_records_among_garbage_are_all_found(
        items in prop::collection::vec((noise(), message()), 0..6),
        tail in noise(),
        keep_header in any::<bool>(),
    ) {
        let messages: Vec<Message> = items.iter().map(|(_, m)| m.clone()).collect();
        let (header, records) = records_of(&messages);
        let mut bytes = if keep_header { header } else { Vec::new() };
        for ((garbage, _), rec) in items.iter().zip(&records) {
            bytes.extend_from_slice(garbage);
            bytes.extend_from_slice(rec);
        }
        bytes.extend_from_slice(&tail);
        let got = open_bytes(&bytes);
        let expected: Vec<Queued> = messages
            .into_iter()
            .enumerate()
            .map(|(i, message)| Queued { sequence: i as u64 + 1, message })
            .collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn a_damaged_log_yields_only_messages_that_were_pushed(
        messages in prop::collection::vec(message(), 1..8),
        removals in prop::collection::vec(any::<Index>(), 0..4),
        flips in prop::collection::vec((any::<Index>(), 1..=255u8), 0..4),
        cut in prop::option::of(any::<Index>()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut ob = FileOutbox::open(dir.path()).unwrap();
        let mut pushed = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            ob.push(i as u64 + 1, m).unwrap();
            pushed.push(Queued { sequence: i as u64 + 1, message: m.clone() });
        }
        for r in &removals {
            let held = ob.pending(usize::MAX).unwrap();
            if !held.is_empty() {
                ob.remove(held[r.index(held.len())].sequence).unwrap();
            }
        }
        drop(ob);
        let mut bytes = fs::read(log_path(dir.path())).unwrap();
        for (at, x) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len()));
        }
        for q in open_bytes(&bytes) {
            prop_assert!(pushed.contains(&q), "not pushed: {:?}", q);
        }
    }
}

// --- model-based ----------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Push { message: Message, gap: u64 },
    PushBatch(Vec<Message>),
    PushStale,
    Remove(Index),
    RemoveUnknown,
    Pending(usize),
    Reopen,
    Compact,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (message(), 0u64..3).prop_map(|(message, gap)| Op::Push { message, gap }),
        2 => prop::collection::vec(message(), 0..4).prop_map(Op::PushBatch),
        1 => Just(Op::PushStale),
        3 => any::<Index>().prop_map(Op::Remove),
        1 => Just(Op::RemoveUnknown),
        1 => (0usize..4).prop_map(Op::Pending),
        2 => Just(Op::Reopen),
        1 => Just(Op::Compact),
    ]
}

#[derive(Debug, Clone, Copy)]
struct Config {
    max_messages: usize,
    max_bytes: u64,
    policy: FullPolicy,
    compact_after: u64,
}

fn config() -> impl Strategy<Value = Config> {
    (
        1usize..6,
        prop::sample::select(vec![60u64, 150, 10_000]),
        prop::sample::select(vec![FullPolicy::Refuse, FullPolicy::DropOldest]),
        prop::sample::select(vec![0u64, 64, 1 << 20]),
    )
        .prop_map(|(max_messages, max_bytes, policy, compact_after)| Config {
            max_messages,
            max_bytes,
            policy,
            compact_after,
        })
}

fn open(dir: &Path, c: Config) -> FileOutbox {
    FileOutbox::builder(dir)
        .max_messages(c.max_messages)
        .max_bytes(c.max_bytes)
        .when_full(c.policy)
        .compact_after(c.compact_after)
        .open()
        .unwrap()
}

/// The documented size of a message record.
fn record_size(m: &Message) -> u64 {
    let topics: usize = m.topics().iter().map(|t| 1 + t.as_str().len()).sum();
    (18 + 1 + topics + 4 + m.data().len()) as u64
}

#[derive(Debug, Default)]
struct Model {
    queue: VecDeque<Queued>,
    bytes: u64,
    last_sequence: u64,
    last_acknowledged: u64,
}

/// The error for a message bigger than the whole outbox.
fn too_large(size: u64, limit: u64) -> OutboxError {
    OutboxError::TooLarge {
        size: size as usize,
        limit: limit as usize,
    }
}

impl Model {
    /// A batch: all or none; under DropOldest as many of the oldest held
    /// are dropped as needed.
    fn push_batch(&mut self, c: Config, batch: Vec<Queued>) -> Result<Vec<Queued>, OutboxError> {
        let sizes: Vec<u64> = batch.iter().map(|q| record_size(&q.message)).collect();
        if let Some(&big) = sizes.iter().find(|&&s| s > c.max_bytes) {
            return Err(too_large(big, c.max_bytes));
        }
        let total: u64 = sizes.iter().sum();
        let full = Err(OutboxError::Full {
            messages: self.queue.len(),
            bytes: self.bytes,
        });
        if batch.len() > c.max_messages || total > c.max_bytes {
            return full;
        }
        let mut dropped = Vec::new();
        while self.queue.len() + batch.len() > c.max_messages || self.bytes + total > c.max_bytes {
            if c.policy == FullPolicy::Refuse {
                return full;
            }
            let Some(front) = self.queue.pop_front() else {
                return full;
            };
            self.bytes -= record_size(&front.message);
            dropped.push(front);
        }
        if let Some(last) = batch.last() {
            self.last_sequence = last.sequence;
        }
        self.bytes += total;
        self.queue.extend(batch);
        Ok(dropped)
    }

    fn push(&mut self, c: Config, q: Queued) -> Result<Option<Queued>, OutboxError> {
        let size = record_size(&q.message);
        if size > c.max_bytes {
            return Err(too_large(size, c.max_bytes));
        }
        let fits = |n: usize, b: u64| n < c.max_messages && b + size <= c.max_bytes;
        let full = Err(OutboxError::Full {
            messages: self.queue.len(),
            bytes: self.bytes,
        });
        let dropped = if fits(self.queue.len(), self.bytes) {
            None
        } else {
            match (c.policy, self.queue.front()) {
                (FullPolicy::DropOldest, Some(front))
                    if fits(
                        self.queue.len() - 1,
                        self.bytes - record_size(&front.message),
                    ) =>
                {
                    let front = self.queue.pop_front();
                    self.bytes -= front.as_ref().map_or(0, |f| record_size(&f.message));
                    front
                }
                _ => return full,
            }
        };
        self.bytes += size;
        self.last_sequence = q.sequence;
        self.queue.push_back(q);
        Ok(dropped)
    }

    fn remove(&mut self, sequence: u64) {
        if let Some(i) = self.queue.iter().position(|q| q.sequence == sequence) {
            if let Some(q) = self.queue.remove(i) {
                self.bytes -= record_size(&q.message);
            }
            self.last_acknowledged = sequence;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn operations_match_an_in_memory_model(
        c in config(),
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut ob = open(dir.path(), c);
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Push { message, gap } => {
                    let sequence = model.last_sequence + 1 + gap;
                    let expected = model.push(c, Queued { sequence, message: message.clone() });
                    prop_assert_eq!(ob.push(sequence, &message), expected);
                }
                Op::PushBatch(messages) => {
                    let batch: Vec<Queued> = messages
                        .into_iter()
                        .enumerate()
                        .map(|(i, message)| Queued { sequence: model.last_sequence + 1 + i as u64, message })
                        .collect();
                    let items: Vec<(u64, &Message)> = batch.iter().map(|q| (q.sequence, &q.message)).collect();
                    let got = ob.push_batch(&items);
                    let expected = model.push_batch(c, batch.clone());
                    prop_assert_eq!(got, expected);
                }
                Op::PushStale => {
                    let stale = ob.push(model.last_sequence, &Message::new("stale"));
                    let refused = matches!(stale, Err(OutboxError::Storage { operation: "push", .. }));
                    prop_assert!(refused, "{:?}", stale);
                }
                Op::Remove(i) => {
                    if !model.queue.is_empty() {
                        let seq = model.queue[i.index(model.queue.len())].sequence;
                        model.remove(seq);
                        ob.remove(seq).unwrap();
                    }
                }
                Op::RemoveUnknown => {
                    ob.remove(model.last_sequence + 100).unwrap();
                }
                Op::Pending(n) => {
                    let expected: Vec<Queued> = model.queue.iter().take(n).cloned().collect();
                    prop_assert_eq!(ob.pending(n).unwrap(), expected);
                }
                Op::Reopen => {
                    drop(ob);
                    ob = open(dir.path(), c);
                }
                Op::Compact => ob.compact().unwrap(),
            }
            let expected: Vec<Queued> = model.queue.iter().cloned().collect();
            prop_assert_eq!(ob.pending(usize::MAX).unwrap(), expected);
            prop_assert_eq!(ob.len(), model.queue.len());
            prop_assert_eq!(ob.bytes(), model.bytes);
            prop_assert_eq!(ob.last_sequence(), model.last_sequence);
            prop_assert_eq!(ob.last_acknowledged(), model.last_acknowledged);
            prop_assert!(ob.corrupt_records().is_empty());
        }
    }
}
