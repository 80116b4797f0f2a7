//! Scanning a whole log on open: the live messages, the counters, and the
//! damage. Pure (no I/O); every number read from disk is checked.

use std::collections::VecDeque;
use std::path::Path;

use crate::damage::{CorruptKind, CorruptRecord};
use crate::error::Error;
use crate::record::{self, Record, State, MAGIC_MESSAGE, MARKER, MAX_SEQUENCE, MESSAGE_HEADER_LEN};

/// Where a live message's record is in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) sequence: u64,
    pub(crate) offset: u64,
    pub(crate) size: u32,
}

/// What scanning a log found.
#[derive(Debug)]
pub(crate) struct Scan {
    /// Live messages, in log (and sequence) order.
    pub(crate) entries: VecDeque<Entry>,
    pub(crate) state: State,
    pub(crate) live_bytes: u64,
    /// Bytes of records that no longer matter (removed messages, marks).
    pub(crate) dead_bytes: u64,
    pub(crate) corrupt: Vec<CorruptRecord>,
    /// Where the valid records end; anything after is a torn tail.
    pub(crate) valid_end: u64,
    /// The log lacks its state header or has damage between records, and
    /// should be rewritten.
    pub(crate) needs_rewrite: bool,
}

/// Scans a whole log: rebuilds the live messages and the counters, skips
/// damage (resynchronising on the next valid record) and reports it. A
/// record that verifies but holds numbers that cannot be right (a sequence
/// number out of range, counters that overflow) is
/// [`Error::Damaged`]: the state cannot be trusted.
pub(crate) fn scan(bytes: &[u8], file: &Path) -> Result<Scan, Error> {
    let damaged = |detail: String| Error::Damaged {
        path: file.to_owned(),
        detail,
    };
    let in_range = |what: &str, sequence: u64, at: usize| {
        if sequence > MAX_SEQUENCE {
            Err(damaged(format!(
                "the {what} at offset {at} holds sequence number {sequence}, above the largest \
                 the outbox ever gives ({MAX_SEQUENCE})"
            )))
        } else {
            Ok(sequence)
        }
    };
    let add = |a: u64, b: u64| {
        a.checked_add(b)
            .ok_or_else(|| damaged("its byte counts overflow".to_owned()))
    };
    let mut s = Scan {
        entries: VecDeque::new(),
        state: State::default(),
        live_bytes: 0,
        dead_bytes: 0,
        corrupt: Vec::new(),
        valid_end: bytes.len() as u64,
        needs_rewrite: false,
    };
    let mut header_at_start = false;
    // Message records come in strictly increasing order (those behind the
    // state record of a compacted log are below its `last_sequence`).
    let mut last_message = 0;
    // The start of the damaged stretch being crossed, and why.
    let mut bad: Option<(usize, &'static str)> = None;
    let mut pos = 0;
    while pos < bytes.len() {
        let decoded = match record::decode(&bytes[pos..]) {
            Ok((Record::Message { sequence, .. }, _)) if sequence <= last_message => {
                Err("message sequence number out of order")
            }
            Ok(ok) => Ok(ok),
            Err(e) => Err(e.describe()),
        };
        let (rec, size) = match decoded {
            Ok(ok) => ok,
            Err(why) => {
                bad.get_or_insert((pos, why));
                pos = next_marker(bytes, pos + 1);
                continue;
            }
        };
        if let Some((start, why)) = bad.take() {
            let stretch = &bytes[start..pos];
            s.corrupt.push(CorruptRecord {
                file: file.to_owned(),
                offset: start as u64,
                length: stretch.len() as u64,
                kind: CorruptKind::Skipped,
                reason: why,
                sequence: None,
                messages_lost: messages_in(stretch, false),
            });
            s.needs_rewrite = true;
        }
        match rec {
            Record::State(state) => {
                let last = in_range("state record", state.last_sequence, pos)?;
                let acked = in_range("state record", state.last_acknowledged, pos)?;
                if acked > last {
                    return Err(damaged(format!(
                        "the state record at offset {pos} says message {acked} was acknowledged \
                         but the last sequence number given is {last}"
                    )));
                }
                header_at_start |= pos == 0;
                s.state.last_sequence = s.state.last_sequence.max(last);
                s.state.last_acknowledged = acked;
                if pos != 0 {
                    s.dead_bytes = add(s.dead_bytes, size as u64)?;
                }
            }
            Record::Message { sequence, .. } => {
                let sequence = in_range("message record", sequence, pos)?;
                s.entries.push_back(Entry {
                    sequence,
                    offset: pos as u64,
                    // `size <= MESSAGE_HEADER_LEN + MAX_PAYLOAD`, well within u32.
                    size: size as u32,
                });
                s.live_bytes = add(s.live_bytes, size as u64)?;
                last_message = sequence;
                s.state.last_sequence = s.state.last_sequence.max(sequence);
            }
            Record::Mark { mark, sequence } => {
                let sequence = in_range("acknowledgement or drop record", sequence, pos)?;
                s.dead_bytes = add(s.dead_bytes, size as u64)?;
                if let Ok(i) = s.entries.binary_search_by_key(&sequence, |e| e.sequence) {
                    if let Some(e) = s.entries.remove(i) {
                        // Every entry's size was added to `live_bytes`.
                        s.live_bytes = s.live_bytes.saturating_sub(u64::from(e.size));
                        s.dead_bytes = add(s.dead_bytes, u64::from(e.size))?;
                    }
                }
                s.state.last_sequence = s.state.last_sequence.max(sequence);
                if mark == record::Mark::Ack {
                    s.state.last_acknowledged = sequence;
                }
            }
        }
        pos += size;
    }
    if let Some((start, why)) = bad {
        let stretch = &bytes[start..];
        s.corrupt.push(CorruptRecord {
            file: file.to_owned(),
            offset: start as u64,
            length: stretch.len() as u64,
            kind: CorruptKind::TornTail,
            reason: why,
            sequence: None,
            messages_lost: messages_in(stretch, true),
        });
        s.valid_end = start as u64;
    }
    s.needs_rewrite |= !header_at_start;
    Ok(s)
}

/// How many accepted messages a damaged stretch held: one per message
/// record marker in it, when `tail` only those whose declared length fits
/// in what was written (a record cut short was never accepted). A stretch
/// between records with no marker left, but long enough to have held a
/// message, counts as one: its marker may be what was damaged.
fn messages_in(stretch: &[u8], tail: bool) -> u64 {
    let magic = MAGIC_MESSAGE.to_le_bytes();
    let mut found = 0u64;
    for (i, w) in stretch.windows(2).enumerate() {
        if w != magic {
            continue;
        }
        let whole = match stretch.get(i + 2..i + 6) {
            Some(len) => {
                let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                len.checked_add(MESSAGE_HEADER_LEN)
                    .and_then(|n| n.checked_add(i))
                    .is_some_and(|end| end <= stretch.len())
            }
            None => false,
        };
        if whole || !tail {
            found += 1;
        }
    }
    if found == 0 && !tail && stretch.len() >= MESSAGE_HEADER_LEN + 5 {
        1
    } else {
        found
    }
}

/// The position of the next record marker at or after `from`.
fn next_marker(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == MARKER))
        .map_or(bytes.len(), |i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{encode_state, STATE_LEN};

    fn state_log(last_sequence: u64, last_acknowledged: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(STATE_LEN);
        encode_state(
            State {
                last_sequence,
                last_acknowledged,
            },
            &mut out,
        );
        out
    }

    #[test]
    fn a_state_record_at_the_largest_number_is_damage() {
        for (last, ack) in [(u64::MAX, 0), (MAX_SEQUENCE + 1, 1), (5, 6)] {
            let e = scan(&state_log(last, ack), Path::new("outbox.log")).unwrap_err();
            let text = e.to_string();
            assert!(matches!(e, Error::Damaged { .. }), "{text}");
            assert!(text.contains("damaged"), "{text}");
            assert!(text.contains("start with a new one"), "{text}");
        }
        let ok = scan(&state_log(MAX_SEQUENCE, 3), Path::new("outbox.log")).unwrap();
        assert_eq!(ok.state.last_sequence, MAX_SEQUENCE);
    }

    #[test]
    fn lost_messages_are_counted_per_stretch() {
        let mut rec = Vec::new();
        record::encode_message(1, &hologram_ports::Message::new("hello"), &mut rec).unwrap();
        // A whole record, damaged: lost, in the middle or at the end.
        let mut bad = rec.clone();
        bad[10] ^= 1;
        assert_eq!(messages_in(&bad, false), 1);
        assert_eq!(messages_in(&bad, true), 1);
        // Cut short at the end: never accepted.
        assert_eq!(messages_in(&rec[..rec.len() - 1], true), 0);
        // Its marker gone, in the middle: counted as one all the same.
        bad[0] = 0;
        assert_eq!(messages_in(&bad, false), 1);
        // Too short to have held one.
        assert_eq!(messages_in(&[1, 2, 3], false), 0);
    }
}
