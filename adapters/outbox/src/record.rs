//! The records of the log: encoding and decoding, pure (no I/O).
//!
//! Every record starts with a two-byte magic whose first byte is
//! [`MARKER`], so a reader that lost its place can resynchronise by looking
//! for that byte, and carries a CRC-32 (IEEE) over every other byte of the
//! record. All integers are little endian.
//!
//! | record | layout | size |
//! |---|---|---|
//! | message | `magic u16 = 0x4DB0, len u32, seq u64, crc u32, payload[len]` | 18 + len |
//! | ack | `magic u16 = 0x41B0, seq u64, crc u32` | 14 |
//! | drop | `magic u16 = 0x44B0, seq u64, crc u32` | 14 |
//! | state | `magic u16 = 0x53B0, last_seq u64, last_ack u64, crc u32` | 22 |
//!
//! The message payload is `topic count u8, (topic len u8, topic bytes)*,
//! data len u32, data bytes`; topics and data must be valid as
//! [`Topic`] and UTF-8 when read back.

use hologram_ports::{Message, Topic};

/// The first byte of every record.
pub(crate) const MARKER: u8 = 0xB0;
/// A message record.
pub(crate) const MAGIC_MESSAGE: u16 = u16::from_le_bytes([MARKER, b'M']);
/// An acknowledgement: the cloud answered, the message is gone.
pub(crate) const MAGIC_ACK: u16 = u16::from_le_bytes([MARKER, b'A']);
/// A drop: the message was dropped to make room (not acknowledged).
pub(crate) const MAGIC_DROP: u16 = u16::from_le_bytes([MARKER, b'D']);
/// The state header: last sequence and last acknowledgement.
pub(crate) const MAGIC_STATE: u16 = u16::from_le_bytes([MARKER, b'S']);

/// Bytes of a message record before its payload.
pub(crate) const MESSAGE_HEADER_LEN: usize = 18;
/// Bytes of an ack or drop record.
pub(crate) const MARK_LEN: usize = 14;
/// Bytes of a state record.
pub(crate) const STATE_LEN: usize = 22;
/// The largest payload a record may hold (16 MiB): a guard against a
/// damaged length field, far above what a Hologram message carries.
pub(crate) const MAX_PAYLOAD: usize = 16 << 20;
/// The largest sequence number the outbox gives or accepts. Far beyond
/// what a device sends in its life; a record above it is damage, and the
/// room above it means `last + 1` can never overflow.
pub(crate) const MAX_SEQUENCE: u64 = i64::MAX as u64;

/// The persisted counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) last_sequence: u64,
    pub(crate) last_acknowledged: u64,
}

/// Why a message is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// The cloud gave a final answer.
    Ack,
    /// Dropped to make room.
    Drop,
}

/// One decoded record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Record {
    Message { sequence: u64, message: Message },
    Mark { mark: Mark, sequence: u64 },
    State(State),
}

/// Why bytes do not form a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The buffer ends before the record does.
    Incomplete,
    /// No known magic here.
    NotARecord,
    /// The length field is beyond [`MAX_PAYLOAD`].
    TooLong,
    /// The checksum does not match.
    Checksum,
    /// The checksum matches but the payload is not a valid message.
    Payload(&'static str),
}

impl DecodeError {
    /// A short description for reports.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            DecodeError::Incomplete => "incomplete record",
            DecodeError::NotARecord => "no record marker",
            DecodeError::TooLong => "length field out of range",
            DecodeError::Checksum => "checksum mismatch",
            DecodeError::Payload(why) => why,
        }
    }
}

/// A message that cannot be written in this format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EncodeError {
    /// More than 255 topics.
    TooManyTopics(usize),
    /// The payload would exceed [`MAX_PAYLOAD`].
    TooLarge(usize),
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The size of the payload of `msg`.
fn payload_len(msg: &Message) -> usize {
    1 + msg
        .topics()
        .iter()
        .map(|t| 1 + t.as_str().len())
        .sum::<usize>()
        + 4
        + msg.data().len()
}

/// Appends the message record for `sequence` to `out` and returns its size.
pub(crate) fn encode_message(
    sequence: u64,
    msg: &Message,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    let topics = msg.topics();
    let count = u8::try_from(topics.len()).map_err(|_| EncodeError::TooManyTopics(topics.len()))?;
    let len = payload_len(msg);
    if len > MAX_PAYLOAD {
        return Err(EncodeError::TooLarge(len));
    }
    let start = out.len();
    out.reserve(MESSAGE_HEADER_LEN + len);
    out.extend_from_slice(&MAGIC_MESSAGE.to_le_bytes());
    // `len <= MAX_PAYLOAD`, which fits in a u32.
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.push(count);
    for t in topics {
        // Topics are at most 31 ASCII characters.
        out.push(t.as_str().len() as u8);
        out.extend_from_slice(t.as_str().as_bytes());
    }
    out.extend_from_slice(&(msg.data().len() as u32).to_le_bytes());
    out.extend_from_slice(msg.data().as_bytes());
    let rec = &mut out[start..];
    let crc = checksum(rec, MESSAGE_HEADER_LEN - 4);
    rec[MESSAGE_HEADER_LEN - 4..MESSAGE_HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    Ok(MESSAGE_HEADER_LEN + len)
}

/// Appends an ack or drop record for `sequence` to `out`.
pub(crate) fn encode_mark(mark: Mark, sequence: u64, out: &mut Vec<u8>) {
    let magic = match mark {
        Mark::Ack => MAGIC_ACK,
        Mark::Drop => MAGIC_DROP,
    };
    let start = out.len();
    out.extend_from_slice(&magic.to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    let crc = checksum(&out[start..], MARK_LEN - 4);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// Appends a state record to `out`.
pub(crate) fn encode_state(state: State, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&MAGIC_STATE.to_le_bytes());
    out.extend_from_slice(&state.last_sequence.to_le_bytes());
    out.extend_from_slice(&state.last_acknowledged.to_le_bytes());
    let crc = checksum(&out[start..], STATE_LEN - 4);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// The CRC of `record` without its four checksum bytes at `crc_at`.
fn checksum(record: &[u8], crc_at: usize) -> u32 {
    let mut crc = Crc32::new();
    crc.update(record.get(..crc_at).unwrap_or_default());
    crc.update(record.get(crc_at + 4..).unwrap_or_default());
    crc.finish()
}

fn verify(record: &[u8], crc_at: usize) -> Result<(), DecodeError> {
    let stored = le_u32(record, crc_at).ok_or(DecodeError::Incomplete)?;
    if checksum(record, crc_at) == stored {
        Ok(())
    } else {
        Err(DecodeError::Checksum)
    }
}

/// Decodes the record at the start of `buf`; returns it and its size. A
/// message's payload is decoded too (see [`decode_payload`]).
pub(crate) fn decode(buf: &[u8]) -> Result<(Record, usize), DecodeError> {
    let magic = le_u16(buf, 0).ok_or(match buf.first() {
        Some(&MARKER) => DecodeError::Incomplete,
        _ => DecodeError::NotARecord,
    })?;
    match magic {
        MAGIC_MESSAGE => {
            let len = le_u32(buf, 2).ok_or(DecodeError::Incomplete)? as usize;
            if len > MAX_PAYLOAD {
                return Err(DecodeError::TooLong);
            }
            let size = MESSAGE_HEADER_LEN + len;
            let rec = buf.get(..size).ok_or(DecodeError::Incomplete)?;
            verify(rec, MESSAGE_HEADER_LEN - 4)?;
            let sequence = le_u64(rec, 6).ok_or(DecodeError::Incomplete)?;
            let message = decode_payload(rec.get(MESSAGE_HEADER_LEN..).unwrap_or_default())?;
            Ok((Record::Message { sequence, message }, size))
        }
        MAGIC_ACK | MAGIC_DROP => {
            let rec = buf.get(..MARK_LEN).ok_or(DecodeError::Incomplete)?;
            verify(rec, MARK_LEN - 4)?;
            let sequence = le_u64(rec, 2).ok_or(DecodeError::Incomplete)?;
            let mark = if magic == MAGIC_ACK {
                Mark::Ack
            } else {
                Mark::Drop
            };
            Ok((Record::Mark { mark, sequence }, MARK_LEN))
        }
        MAGIC_STATE => {
            let rec = buf.get(..STATE_LEN).ok_or(DecodeError::Incomplete)?;
            verify(rec, STATE_LEN - 4)?;
            let state = State {
                last_sequence: le_u64(rec, 2).ok_or(DecodeError::Incomplete)?,
                last_acknowledged: le_u64(rec, 10).ok_or(DecodeError::Incomplete)?,
            };
            Ok((Record::State(state), STATE_LEN))
        }
        _ => Err(DecodeError::NotARecord),
    }
}

/// Decodes a message payload.
pub(crate) fn decode_payload(payload: &[u8]) -> Result<Message, DecodeError> {
    const SHORT: DecodeError = DecodeError::Payload("message payload ends early");
    let mut at = 0;
    let count = *payload.first().ok_or(SHORT)?;
    at += 1;
    let mut topics = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let len = usize::from(*payload.get(at).ok_or(SHORT)?);
        at += 1;
        let bytes = payload.get(at..at + len).ok_or(SHORT)?;
        at += len;
        let text =
            std::str::from_utf8(bytes).map_err(|_| DecodeError::Payload("a topic is not UTF-8"))?;
        let topic = Topic::new(text).map_err(|_| DecodeError::Payload("a topic is invalid"))?;
        topics.push(topic);
    }
    let len = le_u32(payload, at).ok_or(SHORT)? as usize;
    at += 4;
    let bytes = payload.get(at..at.saturating_add(len)).ok_or(SHORT)?;
    at += len;
    if at != payload.len() {
        return Err(DecodeError::Payload("bytes left after the message data"));
    }
    let data = std::str::from_utf8(bytes)
        .map_err(|_| DecodeError::Payload("message data is not UTF-8"))?;
    Ok(Message::new(data).with_topics(topics))
}

/// The size on disk of the record holding `msg`.
#[cfg(test)]
pub(crate) fn message_record_len(msg: &Message) -> usize {
    MESSAGE_HEADER_LEN + payload_len(msg)
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib computes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crc32(u32);

const CRC_TABLE: [u32; 256] = crc_table();

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

impl Crc32 {
    pub(crate) fn new() -> Self {
        Crc32(!0)
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        let mut c = self.0;
        for &b in bytes {
            c = CRC_TABLE[usize::from((c as u8) ^ b)] ^ (c >> 8);
        }
        self.0 = c;
    }

    pub(crate) fn finish(self) -> u32 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> Message {
        Message::with_topic_strs("21.5C", &["temp", "a/b"]).unwrap()
    }

    #[test]
    fn crc_check_value() {
        let mut c = Crc32::new();
        c.update(b"123456789");
        assert_eq!(c.finish(), 0xCBF4_3926);
    }

    #[test]
    fn message_round_trip() {
        let mut out = vec![1, 2, 3];
        let size = encode_message(42, &msg(), &mut out).unwrap();
        assert_eq!(size, out.len() - 3);
        assert_eq!(size, message_record_len(&msg()));
        let (rec, n) = decode(&out[3..]).unwrap();
        assert_eq!(n, size);
        assert_eq!(
            rec,
            Record::Message {
                sequence: 42,
                message: msg()
            }
        );
    }

    #[test]
    fn marks_and_state_round_trip() {
        let mut out = Vec::new();
        encode_mark(Mark::Ack, 7, &mut out);
        encode_mark(Mark::Drop, 8, &mut out);
        let state = State {
            last_sequence: 9,
            last_acknowledged: 7,
        };
        encode_state(state, &mut out);
        assert_eq!(out.len(), 2 * MARK_LEN + STATE_LEN);
        assert_eq!(
            decode(&out).unwrap(),
            (
                Record::Mark {
                    mark: Mark::Ack,
                    sequence: 7
                },
                MARK_LEN
            )
        );
        assert_eq!(
            decode(&out[MARK_LEN..]).unwrap(),
            (
                Record::Mark {
                    mark: Mark::Drop,
                    sequence: 8
                },
                MARK_LEN
            )
        );
        assert_eq!(
            decode(&out[2 * MARK_LEN..]).unwrap(),
            (Record::State(state), STATE_LEN)
        );
    }

    #[test]
    fn every_flipped_bit_and_every_cut_is_detected() {
        let mut rec = Vec::new();
        encode_message(3, &msg(), &mut rec).unwrap();
        for i in 0..rec.len() {
            for bit in 0..8 {
                let mut bad = rec.clone();
                bad[i] ^= 1 << bit;
                assert!(decode(&bad).is_err(), "byte {i} bit {bit}");
            }
        }
        for cut in 0..rec.len() {
            assert!(decode(&rec[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let many: Vec<Topic> = (0..256).map(|_| Topic::new("t").unwrap()).collect();
        let m = Message::new("x").with_topics(many);
        assert_eq!(
            encode_message(1, &m, &mut Vec::new()),
            Err(EncodeError::TooManyTopics(256))
        );
        let mut huge = Vec::new();
        huge.extend_from_slice(&MAGIC_MESSAGE.to_le_bytes());
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&huge), Err(DecodeError::TooLong));
    }

    #[test]
    fn payload_with_a_bad_topic_is_rejected() {
        // One topic "a b" (a space is not allowed), then empty data.
        let payload = [1, 3, b'a', b' ', b'b', 0, 0, 0, 0];
        assert!(matches!(
            decode_payload(&payload),
            Err(DecodeError::Payload(_))
        ));
        let trailing = [0, 0, 0, 0, 0, 9];
        assert!(decode_payload(&trailing).is_err());
    }
}
