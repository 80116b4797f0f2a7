//! The [`Outbox`] rules.
//!
//! An outbox is given as an [`OutboxUnderTest`]: a factory that opens the
//! outbox on a directory, and what the outbox declares about itself (how
//! many messages it holds and what it does when full, the most bytes it
//! holds). Each check makes a fresh, empty directory and removes it
//! afterwards; the durability rules call the factory again on the same
//! directory to reopen the outbox, as a restart would. An outbox that
//! keeps nothing on disk ignores the directory.
//!
//! # The rules
//!
//! [`RULES`] lists them (`docs/conformance.md` shows the table); each has a
//! `check_outbox_*` function. A rule about something the outbox does not
//! declare (no limit, not durable) is skipped with the reason.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hologram_ports::{Message, Outbox, OutboxError, Queued};

use crate::report::{__conclude, fail, guard, Outcome, Report};
use crate::rules::{find, outcome_of};

crate::__outbox_rules!(__rule_table!(OutboxCheck));

/// An outbox factory: opens (or reopens) the outbox kept in a directory.
pub type MakeOutbox<'a> = dyn Fn(&Path) -> Result<Box<dyn Outbox>, OutboxError> + 'a;

/// The signature of an outbox rule's check in [`RULES`].
pub type OutboxCheck = fn(&OutboxUnderTest) -> Outcome;

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
    limit: Option<(usize, WhenFull)>,
    max_bytes: Option<u64>,
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

    fn open(&self, rule: &str, dir: &Scratch, what: &str) -> Box<dyn Outbox> {
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
struct Scratch(PathBuf);

impl Scratch {
    fn new(rule: &str) -> Scratch {
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

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The kit's message number `i`: data and topics tell it apart.
fn kit_message(i: u64) -> Message {
    Message::with_topic_strs(
        format!("kit-outbox-{i}"),
        &["kit", &format!("kit-{}", i % 7)],
    )
    .expect("valid kit topics")
}

/// An outbox under a rule, and the messages the kit gave it.
struct Held {
    rule: &'static str,
    outbox: Box<dyn Outbox>,
    sent: BTreeMap<u64, Message>,
}

impl Held {
    fn new(rule: &'static str, outbox: Box<dyn Outbox>) -> Held {
        Held {
            rule,
            outbox,
            sent: BTreeMap::new(),
        }
    }

    /// The next sequence number to give.
    fn next(&self) -> u64 {
        self.outbox.last_sequence() + 1
    }

    /// Pushes the next message; returns its sequence and what was dropped.
    fn push(&mut self) -> (u64, Result<Option<Queued>, OutboxError>) {
        let seq = self.next();
        let message = kit_message(seq);
        let r = self.outbox.push(seq, &message);
        self.sent.insert(seq, message);
        (seq, r)
    }

    /// Pushes the next message, which must be kept without dropping any.
    #[track_caller]
    fn push_kept(&mut self, why: &str) -> u64 {
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
    fn pending(&mut self, limit: usize) -> Vec<Queued> {
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
    fn remove(&mut self, seq: u64) {
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
    fn expect_holds(&mut self, what: &str, want: &[u64]) {
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
fn few(under_test: &OutboxUnderTest) -> usize {
    under_test.limit.map_or(6, |(n, _)| n.min(6))
}

/// `outbox.order`: `pending(n)` returns the oldest `n` messages, oldest first, as pushed, and takes nothing out.
pub fn check_outbox_order(under_test: &OutboxUnderTest) -> Outcome {
    let rule = ORDER;
    guard(rule, || {
        let dir = Scratch::new(rule);
        let mut ob = Held::new(rule, under_test.open(rule, &dir, "open an empty outbox"));
        ob.expect_holds("of an empty outbox", &[]);
        let n = few(under_test);
        let seqs: Vec<u64> = (0..n).map(|_| ob.push_kept("within its limit")).collect();
        ob.expect_holds("after the pushes", &seqs);
        ob.expect_holds("asked a second time (pending takes nothing out)", &seqs);
        for limit in [0, 1, 2] {
            let got: Vec<u64> = ob.pending(limit).iter().map(|q| q.sequence).collect();
            let want = &seqs[..limit.min(seqs.len())];
            if got != want {
                fail(
                    rule,
                    format_args!("pending({limit}) to be the oldest {limit}: {want:?}"),
                    format_args!("{got:?}"),
                );
            }
        }
        let last = ob.outbox.last_sequence();
        if Some(&last) != seqs.last() {
            fail(
                rule,
                format_args!("last_sequence() == {:?}, the last pushed", seqs.last()),
                last,
            );
        }
        if seqs.len() >= 3 {
            // A removal from the middle keeps the others in order.
            ob.remove(seqs[1]);
            let mut rest = seqs.clone();
            rest.remove(1);
            ob.expect_holds(&format!("after remove({})", seqs[1]), &rest);
            let seq = ob.push_kept("after a removal made room");
            rest.push(seq);
            ob.expect_holds("after a push behind a removal", &rest);
        }
        Outcome::Passed
    })
}

/// `outbox.once`: each message held is returned once; a removed one never returns; removing an unknown or removed number changes nothing.
pub fn check_outbox_once(under_test: &OutboxUnderTest) -> Outcome {
    let rule = ONCE;
    guard(rule, || {
        let dir = Scratch::new(rule);
        let mut ob = Held::new(rule, under_test.open(rule, &dir, "open an empty outbox"));
        let n = few(under_test).max(1);
        let mut held: Vec<u64> = (0..n).map(|_| ob.push_kept("within its limit")).collect();
        let got: Vec<u64> = ob.pending(usize::MAX).iter().map(|q| q.sequence).collect();
        let mut unique = got.clone();
        unique.dedup();
        if unique.len() != got.len() {
            fail(
                rule,
                "each message once in pending()",
                format_args!("{got:?}"),
            );
        }
        let gone: Vec<u64> = held.iter().copied().step_by(2).collect();
        for &seq in &gone {
            ob.remove(seq);
        }
        held.retain(|s| !gone.contains(s));
        ob.expect_holds(&format!("after removing {gone:?}"), &held);
        // Again, and a number never given: nothing changes.
        for &seq in &gone {
            ob.remove(seq);
        }
        ob.remove(ob.next() + 100);
        ob.expect_holds("after removing those again and an unknown number", &held);
        // New messages do not bring removed ones back.
        for _ in 0..gone.len() {
            held.push(ob.push_kept("the removals made room"));
        }
        ob.expect_holds("after more pushes", &held);
        for &seq in &held.clone() {
            ob.remove(seq);
        }
        ob.expect_holds("after removing everything", &[]);
        Outcome::Passed
    })
}

/// `outbox.durable`: a durable outbox keeps what it holds, its order, `last_sequence` and `last_acknowledged` across a reopen; removed messages stay removed.
pub fn check_outbox_durable(under_test: &OutboxUnderTest) -> Outcome {
    let rule = DURABLE;
    guard(rule, || {
        let dir = Scratch::new(rule);
        let mut ob = Held::new(rule, under_test.open(rule, &dir, "open an empty outbox"));
        if !ob.outbox.is_durable() {
            return Outcome::skipped("is_durable() is false: nothing is kept across a reopen");
        }
        let n = few(under_test).max(2);
        let mut held: Vec<u64> = (0..n).map(|_| ob.push_kept("within its limit")).collect();
        let acked = held.remove(0);
        ob.remove(acked);
        ob = ob.reopen(under_test, &dir, "a reopen", &held);
        // What the reopened outbox accepts, the next reopen keeps too.
        let before = ob.outbox.last_sequence();
        let seq = ob.push_kept("after a reopen");
        if seq <= before {
            fail(rule, "sequence numbers to keep growing after a reopen", seq);
        }
        held.push(seq);
        let acked = held.remove(0);
        ob.remove(acked);
        ob = ob.reopen(under_test, &dir, "a second reopen", &held);
        // Emptied, then reopened: the numbers do not start again.
        for &seq in &held {
            ob.remove(seq);
        }
        ob.reopen(under_test, &dir, "reopening an emptied outbox", &[]);
        Outcome::Passed
    })
}

impl Held {
    /// Closes the outbox, opens it again on the same directory, and checks
    /// that it holds `want` with the same sequence numbers as before.
    #[track_caller]
    fn reopen(self, under_test: &OutboxUnderTest, dir: &Scratch, what: &str, want: &[u64]) -> Held {
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
fn fillable(under_test: &OutboxUnderTest) -> Result<(usize, WhenFull), Outcome> {
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

/// `outbox.full_policy`: at its declared limit, a push is refused with `Full` keeping everything (`Refuse`), or drops exactly the oldest and returns it (`DropOldest`); never a silent loss.
pub fn check_outbox_full_policy(under_test: &OutboxUnderTest) -> Outcome {
    let rule = FULL_POLICY;
    guard(rule, || {
        let (cap, policy) = match fillable(under_test) {
            Ok(limit) => limit,
            Err(skipped) => return skipped,
        };
        let dir = Scratch::new(rule);
        let mut ob = Held::new(rule, under_test.open(rule, &dir, "open an empty outbox"));
        let mut held: Vec<u64> = (0..cap)
            .map(|_| ob.push_kept("up to its declared limit"))
            .collect();
        for attempt in 0..2 {
            let (seq, r) = ob.push();
            match (policy, r) {
                (WhenFull::Refuse, Err(OutboxError::Full { .. })) => {
                    ob.expect_holds("after a refused push", &held);
                    // A removal makes room again.
                    let oldest = held.remove(0);
                    ob.remove(oldest);
                    held.push(ob.push_kept("after a removal made room"));
                    ob.expect_holds("after a push into the room made", &held);
                }
                (WhenFull::DropOldest, Ok(Some(dropped))) => {
                    let oldest = held.remove(0);
                    if dropped.sequence != oldest || ob.sent.get(&oldest) != Some(&dropped.message) {
                        fail(
                            rule,
                            format_args!("push({seq}) to drop and return the oldest, {oldest}"),
                            format_args!("it returned message {} ({:?})", dropped.sequence, dropped.message.data()),
                        );
                    }
                    held.push(seq);
                    ob.expect_holds(&format!("after push({seq}) dropped {oldest}"), &held);
                }
                (_, Ok(None)) => fail(
                    rule,
                    format_args!("push({seq}) beyond the declared {cap} messages to be handled as {policy:?}"),
                    format_args!("Ok(None): {} messages held", ob.outbox.len()),
                ),
                (_, r) => fail(
                    rule,
                    format_args!(
                        "push({seq}) beyond the declared {cap} messages (attempt {}) to be {}",
                        attempt + 1,
                        match policy {
                            WhenFull::Refuse => "Err(Full { .. })",
                            WhenFull::DropOldest => "Ok(Some(the oldest))",
                        }
                    ),
                    format_args!("{r:?}"),
                ),
            }
        }
        Outcome::Passed
    })
}

/// `outbox.too_large`: a message with more data than the declared byte limit is `Err(TooLarge)`, not `Full`, and nothing is dropped.
pub fn check_outbox_too_large(under_test: &OutboxUnderTest) -> Outcome {
    let rule = TOO_LARGE;
    guard(rule, || {
        let Some(max) = under_test.max_bytes else {
            return Outcome::skipped("declares no byte limit (OutboxUnderTest::max_bytes)");
        };
        let Ok(len) = usize::try_from(max + 1) else {
            return Outcome::skipped("the declared byte limit does not fit in memory here");
        };
        let dir = Scratch::new(rule);
        let mut ob = Held::new(rule, under_test.open(rule, &dir, "open an empty outbox"));
        let n = few(under_test).min(2);
        let mut held: Vec<u64> = (0..n).map(|_| ob.push_kept("within its limits")).collect();
        let seq = ob.next();
        let huge = Message::new("x".repeat(len));
        match ob.outbox.push(seq, &huge) {
            Err(OutboxError::TooLarge { size, limit }) if size > limit => {}
            Err(e @ OutboxError::TooLarge { .. }) => fail(
                rule,
                "TooLarge { size, limit } with size > limit",
                format_args!("Err({e:?})"),
            ),
            other => fail(
                rule,
                format_args!(
                    "a message of {len} bytes of data (the declared limit is {max} bytes) to be Err(TooLarge {{ .. }})"
                ),
                format_args!("{:?}", other.map(|d| d.map(|q| q.sequence))),
            ),
        }
        ob.expect_holds("after refusing a message too large", &held);
        held.push(ob.push_kept("after refusing a message too large"));
        ob.expect_holds("after a push behind the refused one", &held);
        Outcome::Passed
    })
}

/// `outbox.push_batch`: a batch is kept in order behind what is held, as single pushes would; at the limit it drops the oldest (returned, in order) or is refused with `Full`, keeping what is held and none or a first part of the batch (none for a durable outbox).
pub fn check_outbox_push_batch(under_test: &OutboxUnderTest) -> Outcome {
    let rule = PUSH_BATCH;
    guard(rule, || {
        let dir = Scratch::new(rule);
        let mut ob = Held::new(rule, under_test.open(rule, &dir, "open an empty outbox"));
        let room = few(under_test);
        let mut held = Vec::new();
        if room > 0 {
            held.push(ob.push_kept("within its limit"));
        }
        match ob.outbox.push_batch(&[]) {
            Ok(dropped) if dropped.is_empty() => {}
            other => fail(
                rule,
                "push_batch(&[]) to be Ok([])",
                format_args!("{other:?}"),
            ),
        }
        ob.expect_holds("after an empty batch", &held);
        let batch = batch_of(&mut ob, room.saturating_sub(1));
        match push_batch(&mut ob, &batch) {
            Ok(dropped) if dropped.is_empty() => {}
            Ok(dropped) => fail(
                rule,
                "a batch within the limit to drop nothing",
                format_args!("it dropped {:?}", sequences(&dropped)),
            ),
            Err(e) => fail(
                rule,
                "a batch within the limit to be kept",
                format_args!("Err({e:?})"),
            ),
        }
        held.extend(&batch);
        ob.expect_holds("after a batch", &held);
        let last = ob.outbox.last_sequence();
        if Some(&last) != held.last() {
            fail(
                rule,
                format_args!("last_sequence() == {:?}, the batch's last", held.last()),
                last,
            );
        }
        // One short of the limit, a batch of two: one message too many.
        if let Ok((cap @ 2.., policy)) = fillable(under_test) {
            while held.len() + 1 < cap {
                held.push(ob.push_kept("up to its declared limit"));
            }
            while held.len() + 1 > cap {
                ob.remove(held.remove(0));
            }
            let over = batch_of(&mut ob, 2);
            match (policy, push_batch(&mut ob, &over)) {
                (WhenFull::DropOldest, Ok(dropped)) => {
                    let oldest = vec![held.remove(0)];
                    if sequences(&dropped) != oldest {
                        fail(
                            rule,
                            format_args!(
                                "a batch one message over the limit to drop the oldest, {oldest:?}"
                            ),
                            format_args!("it dropped {:?}", sequences(&dropped)),
                        );
                    }
                    held.extend(&over);
                    ob.expect_holds("after a batch one message over the limit", &held);
                }
                (WhenFull::Refuse, Err(OutboxError::Full { .. })) => {
                    let got: Vec<u64> = ob.pending(usize::MAX).iter().map(|q| q.sequence).collect();
                    let kept = got.len().saturating_sub(held.len());
                    let allowed = if ob.outbox.is_durable() {
                        0
                    } else {
                        over.len()
                    };
                    if !got.starts_with(&held)
                        || kept > allowed
                        || got[held.len()..] != over[..kept]
                    {
                        fail(
                            rule,
                            format_args!(
                                "a refused batch to leave {held:?} and {} of the batch {over:?}",
                                if allowed == 0 {
                                    "none (a durable outbox keeps all or none)"
                                } else {
                                    "at most a first part"
                                }
                            ),
                            format_args!("{got:?}"),
                        );
                    }
                }
                (_, r) => fail(
                    rule,
                    format_args!("a batch into a full outbox to be handled as {policy:?}"),
                    format_args!("{:?}", r.map(|d| sequences(&d))),
                ),
            }
        }
        Outcome::Passed
    })
}

/// `n` new sequence numbers and their messages, not pushed yet.
fn batch_of(ob: &mut Held, n: usize) -> Vec<u64> {
    let first = ob.next();
    (first..first + n as u64)
        .inspect(|&seq| {
            ob.sent.insert(seq, kit_message(seq));
        })
        .collect()
}

fn push_batch(ob: &mut Held, seqs: &[u64]) -> Result<Vec<Queued>, OutboxError> {
    let items: Vec<(u64, &Message)> = seqs
        .iter()
        .map(|s| (*s, ob.sent.get(s).expect("batch_of recorded it")))
        .collect();
    ob.outbox.push_batch(&items)
}

fn sequences(q: &[Queued]) -> Vec<u64> {
    q.iter().map(|q| q.sequence).collect()
}

/// Runs every [`Outbox`] rule of [`RULES`]. Every rule runs; if one
/// failed, this panics with the whole report.
pub fn run_outbox_suite(under_test: &OutboxUnderTest) -> Report {
    let mut report = Report::new("outbox");
    for rule in RULES {
        report.run(rule.id, || (rule.check)(under_test));
    }
    report.finish()
}

/// Runs one rule for a `#[test]` of [`outbox_tests!`](crate::outbox_tests).
#[doc(hidden)]
#[track_caller]
pub fn __test(rule: &str, under_test: OutboxUnderTest) {
    let check = find(RULES, rule).check;
    __conclude(rule, outcome_of(rule, || check(&under_test)));
}

/// The table: test name, rule-id constant, rule id, what it needs, the
/// check, to what it applies, what it checks. One row per rule;
/// everything else is written from it.
#[doc(hidden)]
#[macro_export]
macro_rules! __outbox_rules {
    ($cb:ident!($($args:tt)*)) => {
        $crate::$cb! { ($($args)*)
            outbox_order ORDER "outbox.order"
                [any] check_outbox_order "every outbox"
                "`pending(n)` returns the oldest `n` messages, oldest first, with the data and topics pushed, and takes nothing out; a removal from the middle keeps the others in order; `len()`, `is_empty()` and `last_sequence()` follow";
            outbox_once ONCE "outbox.once"
                [any] check_outbox_once "every outbox"
                "each message held is returned once; a removed message never returns, also after more pushes; removing it again or an unknown number is `Ok` and changes nothing";
            outbox_durable DURABLE "outbox.durable"
                [any] check_outbox_durable "durable outboxes (`is_durable()`)"
                "closed and reopened on the same storage (twice, and once emptied), the outbox holds the same messages in the same order with the same `last_sequence()` and `last_acknowledged()`; removed messages stay removed; numbers keep growing";
            outbox_full_policy FULL_POLICY "outbox.full_policy"
                [any] check_outbox_full_policy "outboxes that declare a message limit (`holding`)"
                "at the declared limit a push is `Err(Full)` and everything held is kept (`Refuse`), or it drops exactly the oldest message and returns it (`DropOldest`); a removal makes room again; never a silent loss";
            outbox_too_large TOO_LARGE "outbox.too_large"
                [any] check_outbox_too_large "outboxes that declare a byte limit (`max_bytes`)"
                "a message with more data than the outbox can ever hold is `Err(TooLarge { size, limit })` with `size > limit`, not `Full`; nothing is dropped and the next message fits";
            outbox_push_batch PUSH_BATCH "outbox.push_batch"
                [any] check_outbox_push_batch "every outbox"
                "an empty batch changes nothing; a batch is kept in order behind what is held and drops nothing within the limit; at the limit it drops the oldest (returned, in order) or is `Err(Full)` keeping what was held and none of the batch (durable) or only a first part of it";
        }
    };
}
