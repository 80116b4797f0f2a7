//! The [`Outbox`](hologram_ports::Outbox) rules.
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

mod under_test;

use hologram_ports::{Message, OutboxError};

use crate::report::{__conclude, fail, guard, Outcome, Report};
use crate::rules::{find, outcome_of};

use under_test::{batch_of, few, fillable, push_batch, sequences, Held, Scratch};
pub use under_test::{MakeOutbox, OutboxUnderTest, WhenFull, MAX_FILL};

crate::__outbox_rules!(__rule_table!(OutboxCheck));

/// The signature of an outbox rule's check in [`RULES`].
pub type OutboxCheck = fn(&OutboxUnderTest) -> Outcome;

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

/// Runs every [`Outbox`](hologram_ports::Outbox) rule of [`RULES`]. Every rule runs; if one
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
