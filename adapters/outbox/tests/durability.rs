//! Durability: what was pushed survives reopening, damage and SIGKILL.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, Once};

use hologram_outbox::{CorruptKind, FileOutbox, FullPolicy};
use hologram_ports::{Message, Outbox, OutboxError, Queued};

/// Collects every log line, so tests can check the warnings.
struct Capture(Mutex<Vec<(String, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        if let Ok(mut v) = self.0.lock() {
            v.push((r.target().to_owned(), r.args().to_string()));
        }
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// Installs the capturing logger; call first in a test that checks warnings.
fn capture_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        log::set_logger(&CAPTURE).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The warnings with target "Outbox" that mention `needle`.
fn warnings_about(needle: &str) -> Vec<String> {
    CAPTURE
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, m)| t == "Outbox" && m.contains(needle))
        .map(|(_, m)| m.clone())
        .collect()
}

fn msg(i: u64) -> Message {
    Message::with_topic_strs(format!("message {i}"), &["t", "sensor/x"]).unwrap()
}

fn seqs(q: &[Queued]) -> Vec<u64> {
    q.iter().map(|q| q.sequence).collect()
}

fn log_path(dir: &Path) -> PathBuf {
    dir.join("outbox.log")
}

fn log_len(dir: &Path) -> u64 {
    fs::metadata(log_path(dir)).unwrap().len()
}

/// Pushes 1..=n and returns the log offset of each record.
fn push_n(ob: &mut FileOutbox, n: u64) -> Vec<u64> {
    let mut offsets = Vec::new();
    for i in 1..=n {
        offsets.push(log_len(ob.dir()));
        assert_eq!(ob.push(i, &msg(i)).unwrap(), None);
    }
    offsets
}

#[test]
fn pushed_messages_come_back_in_order_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert!(ob.is_durable());
    assert_eq!(ob.last_sequence(), 0);
    push_n(&mut ob, 5);
    drop(ob);
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(ob.len(), 5);
    assert_eq!(ob.last_sequence(), 5);
    let all = ob.pending(usize::MAX).unwrap();
    assert_eq!(seqs(&all), [1, 2, 3, 4, 5]);
    for q in &all {
        assert_eq!(q.message, msg(q.sequence));
    }
    assert_eq!(seqs(&ob.pending(2).unwrap()), [1, 2]);
    assert!(ob.corrupt_records().is_empty());
}

#[test]
fn removed_messages_stay_gone_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    push_n(&mut ob, 3);
    ob.remove(2).unwrap();
    ob.remove(99).unwrap(); // unknown: ignored
    assert_eq!(ob.last_acknowledged(), 2);
    drop(ob);
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1, 3]);
    assert_eq!(ob.last_acknowledged(), 2);
    assert_eq!(ob.last_sequence(), 3);
}

#[test]
fn sequence_and_last_ack_survive_reopen_when_empty() {
    for compact_after in [0, FileOutbox::DEFAULT_COMPACT_AFTER] {
        let dir = tempfile::tempdir().unwrap();
        let mut ob = FileOutbox::builder(dir.path())
            .compact_after(compact_after)
            .open()
            .unwrap();
        push_n(&mut ob, 3);
        for i in [1, 3, 2] {
            ob.remove(i).unwrap();
        }
        assert!(ob.is_empty());
        drop(ob);
        let mut ob = FileOutbox::open(dir.path()).unwrap();
        assert!(ob.is_empty());
        assert_eq!(ob.last_sequence(), 3, "compact_after {compact_after}");
        assert_eq!(ob.last_acknowledged(), 2);
        // Numbers only grow.
        let refused = ob.push(3, &msg(3));
        assert!(
            matches!(
                refused,
                Err(OutboxError::Storage {
                    operation: "push",
                    ..
                })
            ),
            "{refused:?}"
        );
        ob.push(7, &msg(7)).unwrap();
        assert_eq!(ob.last_sequence(), 7);
    }
}

#[test]
fn a_torn_tail_is_cut_off_and_reported() {
    capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let offsets = push_n(&mut ob, 3);
    drop(ob);
    // A power cut in the middle of writing record 3.
    let len = log_len(dir.path());
    let cut = offsets[2] + (len - offsets[2]) / 2;
    fs::OpenOptions::new()
        .write(true)
        .open(log_path(dir.path()))
        .unwrap()
        .set_len(cut)
        .unwrap();

    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1, 2]);
    let bad = ob.corrupt_records();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].kind, CorruptKind::TornTail);
    assert_eq!(bad[0].offset, offsets[2]);
    assert_eq!(bad[0].length, cut - offsets[2]);
    let path = log_path(dir.path()).display().to_string();
    let warned = warnings_about(&path);
    assert!(
        warned
            .iter()
            .any(|w| w.contains(&format!("offset {}", offsets[2]))),
        "{warned:?}"
    );
    // The tail is gone from the file; new records follow the valid ones.
    assert_eq!(log_len(dir.path()), offsets[2]);
    ob.push(4, &msg(4)).unwrap();
    drop(ob);
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1, 2, 4]);
    assert!(ob.corrupt_records().is_empty());
    // The lost record's number is not given again.
    assert_eq!(ob.last_sequence(), 4);
}

#[test]
fn a_damaged_middle_record_is_skipped_and_reported() {
    capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let offsets = push_n(&mut ob, 3);
    drop(ob);
    let path = log_path(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    let middle = ((offsets[1] + offsets[2]) / 2) as usize;
    bytes[middle] ^= 0x5A;
    fs::write(&path, &bytes).unwrap();

    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let got = ob.pending(10).unwrap();
    assert_eq!(seqs(&got), [1, 3]);
    assert_eq!(got[1].message, msg(3));
    let bad = ob.corrupt_records().to_vec();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].kind, CorruptKind::Skipped);
    assert_eq!(bad[0].offset, offsets[1]);
    assert_eq!(bad[0].reason, "checksum mismatch");
    let warned = warnings_about(&path.display().to_string());
    assert!(
        warned
            .iter()
            .any(|w| w.contains(&format!("offset {}", offsets[1]))),
        "{warned:?}"
    );
    assert_eq!(ob.last_sequence(), 3);
    drop(ob);
    // The log was rewritten without the damage: nothing to report again.
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1, 3]);
    assert!(ob.corrupt_records().is_empty());
}

#[test]
fn a_damaged_log_opens_even_when_its_repair_cannot_be_written() {
    capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let offsets = push_n(&mut ob, 3);
    drop(ob);
    let path = log_path(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    bytes[((offsets[1] + offsets[2]) / 2) as usize] ^= 0x5A;
    fs::write(&path, &bytes).unwrap();
    // The rewrite goes through `outbox.log.tmp`: a directory in its way
    // makes it fail (permissions would not stop root).
    let blocker = dir.path().join("outbox.log.tmp");
    fs::create_dir(&blocker).unwrap();
    fs::write(blocker.join("keep"), b"x").unwrap();

    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1, 3]);
    assert_eq!(ob.corrupt_records().len(), 1);
    assert_eq!(ob.corrupt_records()[0].kind, CorruptKind::Skipped);
    assert!(
        warnings_about("rewriting the damaged outbox log failed")
            .iter()
            .any(|w| w.contains("outbox.log.tmp")),
        "{:?}",
        warnings_about("rewriting")
    );
    // The log as it is keeps working.
    ob.push(4, &msg(4)).unwrap();
    ob.remove(1).unwrap();
    drop(ob);
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [3, 4]);
    assert_eq!(ob.last_sequence(), 4);
    drop(ob);
    // Once the way is clear, the next open repairs it.
    fs::remove_dir_all(&blocker).unwrap();
    drop(FileOutbox::open(dir.path()).unwrap());
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [3, 4]);
    assert!(ob.corrupt_records().is_empty());
}

#[test]
fn damage_found_when_reading_back_skips_only_that_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let offsets = push_n(&mut ob, 3);
    // The storage goes bad under an open outbox.
    let path = log_path(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    bytes[offsets[0] as usize + 20] ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [2, 3]);
    assert_eq!(ob.len(), 2);
    let bad = ob.corrupt_records();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].kind, CorruptKind::Unreadable);
    assert_eq!(bad[0].sequence, Some(1));
}

#[test]
fn a_log_of_garbage_opens_empty_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(log_path(dir.path()), b"not an outbox at all \xB0\xB0M").unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert!(ob.pending(10).unwrap().is_empty());
    assert_eq!(ob.corrupt_records().len(), 1);
    ob.push(1, &msg(1)).unwrap();
    drop(ob);
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1]);
    assert!(ob.corrupt_records().is_empty());
}

#[test]
fn a_full_outbox_refuses_under_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::builder(dir.path())
        .max_messages(2)
        .when_full(FullPolicy::Refuse)
        .open()
        .unwrap();
    push_n(&mut ob, 2);
    let bytes = ob.bytes();
    assert_eq!(
        ob.push(3, &msg(3)),
        Err(OutboxError::Full { messages: 2, bytes })
    );
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1, 2]);
    assert_eq!(ob.last_sequence(), 2);
    ob.remove(1).unwrap();
    ob.push(4, &msg(4)).unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [2, 4]);

    // By bytes: room for exactly two of these records.
    let dir = tempfile::tempdir().unwrap();
    let mut probe = FileOutbox::open(dir.path()).unwrap();
    probe.push(1, &msg(1)).unwrap();
    let size = probe.bytes();
    drop(probe);
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::builder(dir.path())
        .max_bytes(2 * size)
        .open()
        .unwrap();
    push_n(&mut ob, 2);
    assert!(matches!(
        ob.push(3, &msg(3)),
        Err(OutboxError::Full { messages: 2, .. })
    ));
}

#[test]
fn a_full_outbox_drops_the_oldest_under_drop_oldest() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::builder(dir.path())
        .max_messages(2)
        .when_full(FullPolicy::DropOldest)
        .open()
        .unwrap();
    push_n(&mut ob, 2);
    let dropped = ob.push(3, &msg(3)).unwrap();
    assert_eq!(
        dropped,
        Some(Queued {
            sequence: 1,
            message: msg(1)
        })
    );
    assert_eq!(seqs(&ob.pending(10).unwrap()), [2, 3]);
    drop(ob);
    let mut ob = FileOutbox::builder(dir.path())
        .max_messages(2)
        .when_full(FullPolicy::DropOldest)
        .open()
        .unwrap();
    assert_eq!(seqs(&ob.pending(10).unwrap()), [2, 3]);
    // A drop is not an acknowledgement.
    assert_eq!(ob.last_acknowledged(), 0);

    // When dropping one would not make room, nothing is dropped.
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::builder(dir.path())
        .max_bytes(200)
        .when_full(FullPolicy::DropOldest)
        .open()
        .unwrap();
    ob.push(1, &Message::new("a".repeat(60))).unwrap();
    ob.push(2, &Message::new("b".repeat(60))).unwrap();
    let big = Message::new("c".repeat(120));
    assert!(matches!(
        ob.push(3, &big),
        Err(OutboxError::Full { messages: 2, .. })
    ));
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1, 2]);
    // Bigger than the whole outbox: said as such, with the real limit.
    let too_big = Message::new("d".repeat(500));
    assert!(matches!(
        ob.push(4, &too_big),
        Err(OutboxError::TooLarge {
            size: 523,
            limit: 200
        })
    ));
    assert_eq!(ob.len(), 2);
}

#[test]
fn compaction_keeps_the_live_messages_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::builder(dir.path())
        .compact_after(0)
        .open()
        .unwrap();
    push_n(&mut ob, 10);
    let full = log_len(dir.path());
    for i in [2, 4, 6, 8, 10] {
        ob.remove(i).unwrap();
    }
    let live = ob.bytes();
    // State record (22 bytes) + live records, acks included only since the
    // last compaction.
    assert!(log_len(dir.path()) < full, "the log was not compacted");
    assert!(log_len(dir.path()) <= 22 + live + 5 * 14);
    assert_eq!(seqs(&ob.pending(10).unwrap()), [1, 3, 5, 7, 9]);
    ob.compact().unwrap();
    assert_eq!(log_len(dir.path()), 22 + live);
    assert!(!dir.path().join("outbox.log.tmp").exists());
    ob.push(11, &msg(11)).unwrap();
    drop(ob);
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let got = ob.pending(10).unwrap();
    assert_eq!(seqs(&got), [1, 3, 5, 7, 9, 11]);
    for q in &got {
        assert_eq!(q.message, msg(q.sequence));
    }
    assert_eq!(ob.last_acknowledged(), 10);
    assert!(ob.corrupt_records().is_empty());
}

#[test]
fn the_lock_refuses_a_second_opener() {
    let dir = tempfile::tempdir().unwrap();
    let first = FileOutbox::open(dir.path()).unwrap();
    let second = FileOutbox::open(dir.path());
    match second {
        Err(OutboxError::Locked { path }) => assert_eq!(path, dir.path()),
        other => panic!("expected a lock error, got {other:?}"),
    }
    drop(first);
    FileOutbox::open(dir.path()).unwrap();
}

#[test]
fn bad_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(FileOutbox::builder(dir.path())
        .max_messages(0)
        .open()
        .is_err());
    assert!(FileOutbox::builder(dir.path()).max_bytes(0).open().is_err());
}

#[test]
fn debug_shows_counts_not_contents() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    ob.push(1, &Message::new("my-secret-reading")).unwrap();
    let shown = format!("{ob:?}");
    assert!(!shown.contains("my-secret-reading"), "{shown}");
    assert!(shown.contains("messages: 1"), "{shown}");
}

// --- SIGKILL while pushing -------------------------------------------------

const CHILD_DIR: &str = "HOLOGRAM_OUTBOX_TEST_CHILD_DIR";
const CHILD_PUSHES: u64 = 400;

/// The child: pushes messages, removes every third one, and reports each
/// step on stdout once it returned.
fn child(dir: &str) {
    let mut ob = FileOutbox::builder(dir).compact_after(256).open().unwrap();
    for i in 1..=CHILD_PUSHES {
        ob.push(i, &msg(i)).unwrap();
        println!("accepted {i}");
        if i % 3 == 0 {
            ob.remove(i - 1).unwrap();
            println!("removed {}", i - 1);
        }
    }
}

fn split_mix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn sigkill_while_pushing_loses_nothing_accepted() {
    if let Ok(dir) = std::env::var(CHILD_DIR) {
        child(&dir);
        return;
    }
    let exe = std::env::current_exe().unwrap();
    for seed in 1..=5u64 {
        let mut rng = seed;
        let kill_after = 1 + split_mix(&mut rng) % (CHILD_PUSHES / 2);
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(&exe)
            .args([
                "sigkill_while_pushing_loses_nothing_accepted",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut accepted = Vec::new();
        let mut removed = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(n) = line.strip_prefix("accepted ") {
                accepted.push(n.parse::<u64>().unwrap());
            } else if let Some(n) = line.strip_prefix("removed ") {
                removed.push(n.parse::<u64>().unwrap());
            }
            if accepted.len() as u64 >= kill_after {
                child.kill().unwrap(); // SIGKILL
                break;
            }
        }
        child.wait().unwrap();
        assert!(
            !accepted.is_empty(),
            "seed {seed}: the child accepted nothing"
        );

        let mut ob = FileOutbox::open(dir.path()).unwrap();
        let got = ob.pending(usize::MAX).unwrap();
        let held = seqs(&got);
        for s in &accepted {
            // The child removes `s` right after reporting `s + 1` accepted,
            // so that removal may have happened before the kill.
            let may_be_removed = (s + 1) % 3 == 0 && accepted.contains(&(s + 1));
            if !may_be_removed {
                assert!(
                    held.contains(s),
                    "seed {seed}: accepted #{s} lost; held {held:?}"
                );
            }
        }
        for s in &removed {
            assert!(!held.contains(s), "seed {seed}: removed #{s} came back");
        }
        assert!(held.windows(2).all(|w| w[0] < w[1]), "seed {seed}: order");
        for q in &got {
            assert_eq!(q.message, msg(q.sequence), "seed {seed}");
        }
        let last = *accepted.last().unwrap_or(&0);
        assert!(ob.last_sequence() >= last, "seed {seed}");
        // Torn tails are possible here; middle damage is not.
        assert!(
            ob.corrupt_records()
                .iter()
                .all(|c| c.kind == CorruptKind::TornTail),
            "seed {seed}: {:?}",
            ob.corrupt_records()
        );
    }
}
