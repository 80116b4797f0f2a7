//! Damage found in the log: what it is and where.

use std::fmt;
use std::path::PathBuf;

/// What kind of damage a [`CorruptRecord`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CorruptKind {
    /// The log ended with bytes that do not form a record (typically a
    /// write cut short by a power loss or a crash). They were cut off the
    /// file on open.
    TornTail,
    /// Bytes between two valid records that do not form a record (damaged
    /// storage). They were skipped; the records after them were kept, and
    /// the log was rewritten without them.
    Skipped,
    /// A record that was valid when the outbox was opened no longer
    /// verified when it was read back. Its message was given up.
    Unreadable,
}

impl fmt::Display for CorruptKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CorruptKind::TornTail => "torn tail cut off",
            CorruptKind::Skipped => "damaged bytes skipped",
            CorruptKind::Unreadable => "record unreadable, message given up",
        })
    }
}

/// A stretch of the log that did not hold a valid record, found on open
/// or when reading a message back. Every one is also logged as a warning
/// with target `"Outbox"`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CorruptRecord {
    /// The log file.
    pub file: PathBuf,
    /// Where the damage starts, in bytes from the start of the file.
    pub offset: u64,
    /// How many bytes are damaged.
    pub length: u64,
    /// What kind of damage.
    pub kind: CorruptKind,
    /// What was wrong with the first bytes (e.g. "checksum mismatch").
    pub reason: &'static str,
    /// For [`CorruptKind::Unreadable`], the sequence number given up.
    pub sequence: Option<u64>,
    /// How many accepted messages this damage cost: message records that
    /// had been written whole (so their `push` had returned) and no longer
    /// verify. A damaged stretch long enough to have held a message
    /// counts as at least one; a write cut short counts as none (its
    /// `push` never returned).
    pub messages_lost: u64,
}

impl fmt::Display for CorruptRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} bytes at offset {}: {} ({})",
            self.file.display(),
            self.length,
            self.offset,
            self.kind,
            self.reason
        )?;
        if let Some(seq) = self.sequence {
            write!(f, ", message #{seq}")?;
        }
        if self.messages_lost > 0 {
            write!(f, ", {} message(s) lost", self.messages_lost)?;
        }
        Ok(())
    }
}
