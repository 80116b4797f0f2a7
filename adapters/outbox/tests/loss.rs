//! Losses are counted, damaged state is refused, and a batch is one write.

use std::fs;
use std::path::{Path, PathBuf};

use hologram_outbox::FileOutbox;
use hologram_ports::{Message, Outbox, OutboxError};

fn log_path(dir: &Path) -> PathBuf {
    dir.join("outbox.log")
}

/// CRC-32 (IEEE), to craft records that verify.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A state record that verifies: `magic, last_seq, last_ack, crc`.
fn state_record(last_sequence: u64, last_acknowledged: u64) -> Vec<u8> {
    let mut r = vec![0xB0, b'S'];
    r.extend_from_slice(&last_sequence.to_le_bytes());
    r.extend_from_slice(&last_acknowledged.to_le_bytes());
    let crc = crc32(&r);
    r.extend_from_slice(&crc.to_le_bytes());
    r
}

#[test]
fn a_crafted_state_at_the_largest_sequence_number_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    drop(FileOutbox::open(dir.path()).unwrap());
    fs::write(log_path(dir.path()), state_record(u64::MAX, 0)).unwrap();
    match FileOutbox::open(dir.path()) {
        Err(e @ OutboxError::Damaged { .. }) => {
            let detail = e.to_string();
            assert!(detail.contains("damaged"), "{detail}");
            assert!(detail.contains(&u64::MAX.to_string()), "{detail}");
            assert!(
                detail.contains("move the outbox directory aside"),
                "{detail}"
            );
        }
        other => panic!("expected the state to be refused as damaged, got {other:?}"),
    }
    // The largest number the outbox gives is still usable, and the next
    // push past it is refused, not wrapped.
    fs::write(
        log_path(dir.path()),
        state_record(FileOutbox::MAX_SEQUENCE - 1, 0),
    )
    .unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let next = ob.last_sequence() + 1;
    ob.push(next, &Message::new("last")).unwrap();
    assert!(ob.push(next + 1, &Message::new("past it")).is_err());
    assert_eq!(ob.len(), 1);
}

#[test]
fn messages_lost_to_damage_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let mut ends = Vec::new();
    for i in 1..=3 {
        ob.push(i, &Message::new(format!("message {i}"))).unwrap();
        ends.push(fs::metadata(log_path(dir.path())).unwrap().len() as usize);
    }
    assert_eq!(ob.lost(), 0);
    drop(ob);
    // Damage the middle message's data.
    let mut bytes = fs::read(log_path(dir.path())).unwrap();
    bytes[ends[0] + 20] ^= 0xFF;
    fs::write(log_path(dir.path()), &bytes).unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(ob.lost(), 1);
    assert_eq!(ob.corrupt_records()[0].messages_lost, 1);
    let left: Vec<u64> = ob.pending(10).unwrap().iter().map(|q| q.sequence).collect();
    assert_eq!(left, [1, 3]);
    drop(ob);
    // Repaired: nothing more is lost on the next open.
    assert_eq!(FileOutbox::open(dir.path()).unwrap().lost(), 0);
}

#[test]
fn a_write_cut_short_is_not_a_loss() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    ob.push(1, &Message::new("kept")).unwrap();
    ob.push(2, &Message::new("cut short")).unwrap();
    drop(ob);
    let bytes = fs::read(log_path(dir.path())).unwrap();
    fs::write(log_path(dir.path()), &bytes[..bytes.len() - 3]).unwrap();
    let ob = FileOutbox::open(dir.path()).unwrap();
    assert_eq!(ob.corrupt_records().len(), 1);
    assert_eq!(ob.lost(), 0);
    assert_eq!(ob.len(), 1);
}

#[test]
fn a_batch_is_one_append_and_all_of_it_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let before = fs::metadata(log_path(dir.path())).unwrap().len();
    let messages: Vec<Message> = (1..=3)
        .map(|i| Message::with_topic_strs(format!("m{i}"), &["t"]).unwrap())
        .collect();
    let items: Vec<(u64, &Message)> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (i as u64 + 1, m))
        .collect();
    assert!(ob.push_batch(&items).unwrap().is_empty());
    let after = fs::metadata(log_path(dir.path())).unwrap().len();
    // Three records of 18 + 1 + 2 + 4 + 2 bytes, back to back.
    assert_eq!(after - before, 3 * 27);
    assert_eq!(ob.bytes(), 3 * 27);
    drop(ob);
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    let got = ob.pending(10).unwrap();
    assert_eq!(got.len(), 3);
    for (q, m) in got.iter().zip(&messages) {
        assert_eq!(&q.message, m);
    }
    // Out of order, or not above the last: nothing is written.
    let m = Message::new("x");
    assert!(ob.push_batch(&[(5, &m), (5, &m)]).is_err());
    assert!(ob.push_batch(&[(3, &m)]).is_err());
    assert_eq!(ob.len(), 3);
    assert_eq!(ob.last_sequence(), 3);
}

#[test]
fn a_message_bigger_than_the_outbox_says_so_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::builder(dir.path())
        .max_bytes(100)
        .open()
        .unwrap();
    let e = ob.push(1, &Message::new("x".repeat(200))).unwrap_err();
    assert_eq!(
        e,
        OutboxError::TooLarge {
            size: 223,
            limit: 100
        }
    );
    let m = Message::new("y".repeat(200));
    assert_eq!(ob.push_batch(&[(1, &m)]).unwrap_err(), e);
}
