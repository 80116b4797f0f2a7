//! What the outbox checks work with: the outbox under test and what it
//! declares, a scratch directory per check, and the outbox as a check holds
//! it (with the messages the kit gave it).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hologram_ports::{Message, Outbox, OutboxError, Queued};

use crate::report::{fail, Outcome};

/// An outbox factory: opens (or reopens) the outbox kept in a directory.
pub type MakeOutbox<'a> = dyn Fn(&Path) -> Result<Box<dyn Outbox>, OutboxError> + 'a;

/// What a full outbox does with a new message, as the outbox declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenFull {
    /// `push` returns `Err(OutboxError::Full)` and keeps everything held.
    Refuse,
    /// `push` drops the oldest message and returns it as `Ok(Some(_))`.
    DropOldest,
}

/// The most messages the kit fills an outbox with to reach its limit.
pub const MAX_FILL: usize = 256;

/// An outbox factory and what the outbox declares.
///
/// ```
/// use hologram_conformance::{OutboxUnderTest, WhenFull};
/// # use hologram_ports::{Message, Outbox, OutboxError, Queued};
/// # #[derive(Debug, Default)] struct Mine;
/// # impl Outbox for Mine {
/// #     fn push(&mut self, _: u64, _: &Message) -> Result<Option<Queued>, OutboxError> { unimplemented!() }
/// #     fn pending(&mut self, _: usize) -> Result<Vec<Queued>, OutboxError> { Ok(vec![]) }
/// #     fn remove(&mut self, _: u64) -> Result<(), OutboxError> { Ok(()) }
/// #     fn len(&self) -> usize { 0 }
/// #     fn last_sequence(&self) -> u64 { 0 }
/// # }
/// let under_test = OutboxUnderTest::new(|_dir| Ok(Box::new(Mine)))
///     .holding(4, WhenFull::Refuse)
///     .max_bytes(64 * 1024);
/// assert_eq!(under_test.limit(), Some((4, WhenFull::Refuse)));
/// ```
pub struct OutboxUnderTest {
    make: Box<MakeOutbox<'static>>,
    pub(super) limit: Option<(usize, WhenFull)>,
    pub(super) max_bytes: Option<u64>,
}

impl OutboxUnderTest {
    /// An outbox opened by `make(dir)`. Called again with the same
    /// directory, `make` must reopen what a durable outbox kept there.
    pub fn new<F>(make: F) -> Self
    where
        F: Fn(&Path) -> Result<Box<dyn Outbox>, OutboxError> + 'static,
    {
        OutboxUnderTest {
            make: Box::new(make),
            limit: None,
            max_bytes: None,
        }
    }

    /// The outbox holds at most `messages` messages and then does
    /// `when_full`. Without it, `outbox.full_policy` is skipped.
    pub fn holding(mut self, messages: usize, when_full: WhenFull) -> Self {
        self.limit = Some((messages, when_full));
        self
    }

    /// The outbox holds at most `bytes` bytes however it counts them
    /// (records, headers), so a message with more data than that can never
    /// fit. Without it, `outbox.too_large` is skipped.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// The declared message limit and full policy.
    pub fn limit(&self) -> Option<(usize, WhenFull)> {
        self.limit
    }

    pub(super) fn open(&self, rule: &str, dir: &Scratch, what: &str) -> Box<dyn Outbox> {
        match (self.make)(dir.path()) {
            Ok(outbox) => outbox,
            Err(e) => fail(
                rule,
                format_args!("the factory to {what}"),
                format_args!("Err({e:?})"),
            ),
        }
    }
}

impl fmt::Debug for OutboxUnderTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxUnderTest")
            .field("limit", &self.limit)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

/// A fresh directory, removed when dropped.
pub(super) struct Scratch(PathBuf);

impl Scratch {
    pub(super) fn new(rule: &str) -> Scratch {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "hologram-conformance-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        if let Err(e) = fs::create_dir_all(&path) {
            fail(
                rule,
                "a scratch directory for the outbox",
                format_args!("{}: {e}", path.display()),
            );
        }
        Scratch(path)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The kit's message number `i`: data and topics tell it apart.
pub(super) fn kit_message(i: u64) -> Message {
    Message::with_topic_strs(
        format!("kit-outbox-{i}"),
        &["kit", &format!("kit-{}", i % 7)],
    )
    .expect("valid kit topics")
}

/// An outbox under a rule, and the messages the kit gave it.
pub(super) struct Held {
    pub(super) rule: &'static str,
    pub(super) outbox: Box<dyn Outbox>,
    pub(super) sent: BTreeMap<u64, Message>,
}

impl Held {
    pub(super) fn new(rule: &'static str, outbox: Box<dyn Outbox>) -> Held {
        Held {
            rule,
            outbox,
            sent: BTreeMap::new(),
        }
    }

    /// The next sequence number to give.
    pub(super) fn next(&self) -> u64 {
        self.outbox.last_sequence() + 1
    }

    /// Pushes the next message; returns its sequence and what was dropped.
    pub(super) fn push(&mut self) -> (u64, Result<Option<Queued>, OutboxError>) {
        let seq = self.next();
        let message = kit_message(seq);
        let r = self.outbox.push(seq, &message);
        self.sent.insert(seq, message);
        (seq, r)
    }

    /// Pushes the next message, which must be kept without dropping any.
    #[track_caller]
    pub(super) fn push_kept(&mut self, why: &str) -> u64 {
        let (seq, r) = self.push();
        match r {
            Ok(None) => seq,
            Ok(Some(q)) => fail(
                self.rule,
                format_args!("push({seq}) to keep it and drop nothing ({why})"),
                format_args!("it dropped message {}", q.sequence),
            ),
            Err(e) => fail(
                self.rule,
                format_args!("push({seq}) to keep it ({why})"),
                format_args!("Err({e:?})"),
            ),
        }
    }

    #[track_caller]
    pub(super) fn pending(&mut self, limit: usize) -> Vec<Queued> {
        match self.outbox.pending(limit) {
            Ok(q) => q,
            Err(e) => fail(
                self.rule,
                format_args!("pending({limit}) to answer"),
                format_args!("Err({e:?})"),
            ),
        }
    }

    #[track_caller]
    pub(super) fn remove(&mut self, seq: u64) {
        if let Err(e) = self.outbox.remove(seq) {
            fail(
                self.rule,
                format_args!("remove({seq}) to succeed"),
                format_args!("Err({e:?})"),
            );
        }
    }

    /// Checks that the outbox holds exactly `want`, oldest first, each
    /// with the message the kit pushed under its number.
    #[track_caller]
    pub(super) fn expect_holds(&mut self, what: &str, want: &[u64]) {
        let got = self.pending(usize::MAX);
        let seqs: Vec<u64> = got.iter().map(|q| q.sequence).collect();
        if seqs != want {
            fail(
                self.rule,
                format_args!("pending() {what} to be {want:?}, oldest first"),
                format_args!("{seqs:?}"),
            );
        }
        for q in &got {
            if self.sent.get(&q.sequence) != Some(&q.message) {
                fail(
                    self.rule,
                    format_args!(
                        "message {} {what} to be the one pushed ({:?})",
                        q.sequence,
                        self.sent.get(&q.sequence).map(Message::data)
                    ),
                    format_args!(
                        "{:?} with topics {:?}",
                        q.message.data(),
                        q.message.topics()
                    ),
                );
            }
        }
        if self.outbox.len() != want.len() {
            fail(
                self.rule,
                format_args!("len() == {} {what}", want.len()),
                self.outbox.len(),
            );
        }
        if self.outbox.is_empty() != want.is_empty() {
            fail(
                self.rule,
                format_args!("is_empty() == {} {what}", want.is_empty()),
                self.outbox.is_empty(),
            );
        }
    }
}

/// How many messages a rule pushes to see order: a few, within the limit.
pub(super) fn few(under_test: &OutboxUnderTest) -> usize {
    under_test.limit.map_or(6, |(n, _)| n.min(6))
}

impl Held {
    /// Closes the outbox, opens it again on the same directory, and checks
    /// that it holds `want` with the same sequence numbers as before.
    #[track_caller]
    pub(super) fn reopen(
        self,
        under_test: &OutboxUnderTest,
        dir: &Scratch,
        what: &str,
        want: &[u64],
    ) -> Held {
        let (last, last_ack) = (self.outbox.last_sequence(), self.outbox.last_acknowledged());
        let Held { rule, outbox, sent } = self;
        drop(outbox);
        let outbox = under_test.open(rule, dir, &format!("reopen the outbox ({what})"));
        let mut ob = Held { rule, outbox, sent };
        if !ob.outbox.is_durable() {
            fail(rule, format_args!("is_durable() after {what}"), false);
        }
        ob.expect_holds(&format!("after {what}"), want);
        if ob.outbox.last_sequence() != last {
            fail(
                rule,
                format_args!("last_sequence() == {last} after {what}"),
                ob.outbox.last_sequence(),
            );
        }
        if ob.outbox.last_acknowledged() != last_ack {
            fail(
                rule,
                format_args!("last_acknowledged() == {last_ack} after {what}"),
                ob.outbox.last_acknowledged(),
            );
        }
        ob
    }
}

/// The declared limit, if the kit can fill an outbox to it.
pub(super) fn fillable(under_test: &OutboxUnderTest) -> Result<(usize, WhenFull), Outcome> {
    match under_test.limit {
        None => Err(Outcome::skipped(
            "declares no message limit (OutboxUnderTest::holding)",
        )),
        Some((0, _)) => Err(Outcome::skipped("declares a limit of 0 messages")),
        Some((n, _)) if n > MAX_FILL => Err(Outcome::skipped(format!(
            "declares a limit of {n} messages, more than the kit fills ({MAX_FILL})"
        ))),
        Some(limit) => Ok(limit),
    }
}

/// `n` new sequence numbers and their messages, not pushed yet.
pub(super) fn batch_of(ob: &mut Held, n: usize) -> Vec<u64> {
    let first = ob.next();
    (first..first + n as u64)
        .inspect(|&seq| {
            ob.sent.insert(seq, kit_message(seq));
        })
        .collect()
}

pub(super) fn push_batch(ob: &mut Held, seqs: &[u64]) -> Result<Vec<Queued>, OutboxError> {
    let items: Vec<(u64, &Message)> = seqs
        .iter()
        .map(|s| (*s, ob.sent.get(s).expect("batch_of recorded it")))
        .collect();
    ob.outbox.push_batch(&items)
}

pub(super) fn sequences(q: &[Queued]) -> Vec<u64> {
    q.iter().map(|q| q.sequence).collect()
}
