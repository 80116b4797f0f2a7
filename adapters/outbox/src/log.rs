//! The log file: locking the directory, scanning the log on open, appending
//! records, reading them back, and compacting.

use std::collections::VecDeque;
use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use hologram_ports::Message;

use crate::error::Error;
use crate::record::{self, DecodeError, Mark, Record, State, MARKER, STATE_LEN};

/// The log of records.
pub(crate) const LOG_FILE: &str = "outbox.log";
/// A compacted log being written; renamed over [`LOG_FILE`] once synced.
pub(crate) const TMP_FILE: &str = "outbox.log.tmp";
/// Held with an exclusive `flock` while the outbox is open.
pub(crate) const LOCK_FILE: &str = "outbox.lock";

/// Files are private to the user: messages may hold anything.
const FILE_MODE: u32 = 0o600;

/// Where a live message's record is in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) sequence: u64,
    pub(crate) offset: u64,
    pub(crate) size: u32,
}

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
        Ok(())
    }
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
/// damage (resynchronising on the next valid record) and reports it.
pub(crate) fn scan(bytes: &[u8], file: &Path) -> Scan {
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
            s.corrupt.push(CorruptRecord {
                file: file.to_owned(),
                offset: start as u64,
                length: (pos - start) as u64,
                kind: CorruptKind::Skipped,
                reason: why,
                sequence: None,
            });
            s.needs_rewrite = true;
        }
        match rec {
            Record::State(state) => {
                header_at_start |= pos == 0;
                s.state.last_sequence = s.state.last_sequence.max(state.last_sequence);
                s.state.last_acknowledged = state.last_acknowledged;
                if pos != 0 {
                    s.dead_bytes += size as u64;
                }
            }
            Record::Message { sequence, .. } => {
                s.entries.push_back(Entry {
                    sequence,
                    offset: pos as u64,
                    // `size <= MESSAGE_HEADER_LEN + MAX_PAYLOAD`, well within u32.
                    size: size as u32,
                });
                s.live_bytes += size as u64;
                last_message = sequence;
                s.state.last_sequence = s.state.last_sequence.max(sequence);
            }
            Record::Mark { mark, sequence } => {
                s.dead_bytes += size as u64;
                if let Ok(i) = s.entries.binary_search_by_key(&sequence, |e| e.sequence) {
                    if let Some(e) = s.entries.remove(i) {
                        s.live_bytes -= u64::from(e.size);
                        s.dead_bytes += u64::from(e.size);
                    }
                }
                s.state.last_sequence = s.state.last_sequence.max(sequence);
                if mark == Mark::Ack {
                    s.state.last_acknowledged = sequence;
                }
            }
        }
        pos += size;
    }
    if let Some((start, why)) = bad {
        s.corrupt.push(CorruptRecord {
            file: file.to_owned(),
            offset: start as u64,
            length: (bytes.len() - start) as u64,
            kind: CorruptKind::TornTail,
            reason: why,
            sequence: None,
        });
        s.valid_end = start as u64;
    }
    s.needs_rewrite |= !header_at_start;
    s
}

/// The position of the next record marker at or after `from`.
fn next_marker(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == MARKER))
        .map_or(bytes.len(), |i| from + i)
}

/// Decodes `rec`, which must be the intact record of message `sequence`.
pub(crate) fn verify_message(rec: &[u8], sequence: u64) -> Result<Message, DecodeError> {
    match record::decode(rec)? {
        (
            Record::Message {
                sequence: s,
                message,
            },
            size,
        ) if s == sequence && size == rec.len() => Ok(message),
        _ => Err(DecodeError::NotARecord),
    }
}

/// The open log of one outbox directory, with the directory lock held.
pub(crate) struct Log {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    /// Where the next record goes: the end of the valid records.
    end: u64,
    /// Holds the `flock` until dropped.
    _lock: File,
}

impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Log")
            .field("path", &self.path)
            .field("len", &self.end)
            .finish_non_exhaustive()
    }
}

fn open_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.read(true).write(true).mode(FILE_MODE);
    o
}

/// Syncs a directory, so a rename or a new file in it survives a power loss.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("sync the directory", dir, e))
}

/// Writes `content` as the new log: into [`TMP_FILE`], synced, then renamed
/// over [`LOG_FILE`]. Returns the new log, open. The caller syncs the
/// directory next.
fn replace_log(dir: &Path, path: &Path, content: &[u8]) -> Result<File, Error> {
    let tmp = dir.join(TMP_FILE);
    let file = open_options()
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(|e| Error::io("create", &tmp, e))?;
    let written = file
        .write_all_at(content, 0)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io("rewrite the log", &tmp, e));
    }
    Ok(file)
}

impl Log {
    /// Locks `dir` (creating it if needed), then opens and scans its log,
    /// creating an empty one if there is none. A torn tail is cut off here;
    /// the rest of the repairs are up to the caller (see
    /// [`Scan::needs_rewrite`]).
    pub(crate) fn open(dir: &Path) -> Result<(Log, Scan), Error> {
        fs::create_dir_all(dir).map_err(|e| Error::io("create the directory", dir, e))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = open_options()
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| Error::io("open the lock file", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    dir: dir.to_owned(),
                })
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &lock_path, e)),
        }
        // A compaction cut short: the old log is still the valid one. The
        // leftover is never read, so failing to remove it only means the
        // next compaction fails too (and is retried later).
        let tmp = dir.join(TMP_FILE);
        match fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                ::log::warn!(target: "Outbox", "cannot remove the leftover {}: {e}", tmp.display());
            }
        }
        let path = dir.join(LOG_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut header = Vec::with_capacity(STATE_LEN);
                record::encode_state(State::default(), &mut header);
                let file = replace_log(dir, &path, &header)?;
                sync_dir(dir)?;
                let log = Log {
                    dir: dir.to_owned(),
                    path: path.clone(),
                    file,
                    end: header.len() as u64,
                    _lock: lock,
                };
                let scan = scan(&header, &path);
                return Ok((log, scan));
            }
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        let scan = scan(&bytes, &path);
        drop(bytes);
        let file = open_options()
            .open(&path)
            .map_err(|e| Error::io("open", &path, e))?;
        if scan.valid_end
            < file
                .metadata()
                .map_err(|e| Error::io("stat", &path, e))?
                .len()
        {
            file.set_len(scan.valid_end)
                .and_then(|()| file.sync_data())
                .map_err(|e| Error::io("cut the torn tail of", &path, e))?;
        }
        let log = Log {
            dir: dir.to_owned(),
            path,
            file,
            end: scan.valid_end,
            _lock: lock,
        };
        Ok((log, scan))
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The log file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The size of the log in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.end
    }

    /// Appends `bytes` with one write and one `fdatasync`; returns the
    /// offset they start at. On failure the log is cut back to where it was.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> Result<u64, Error> {
        let at = self.end;
        let res = self
            .file
            .write_all_at(bytes, at)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = res {
            // Best effort: a record cut short would be found and cut off on
            // the next open anyway, and the next append overwrites it.
            let _ = self.file.set_len(at);
            return Err(Error::io("append to", &self.path, e));
        }
        self.end += bytes.len() as u64;
        Ok(at)
    }

    /// Reads `buf.len()` bytes at `offset`.
    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| Error::io("read", &self.path, e))
    }

    /// Rewrites the log with only `state` and the records of `entries`,
    /// each read back and verified first, and atomically replaces the old
    /// one; `entries` get their new offsets. Entries whose record no longer
    /// verifies are taken out of `entries` and added to `unreadable`, with
    /// the reason, also when the rewrite then fails.
    pub(crate) fn compact(
        &mut self,
        state: State,
        entries: &mut VecDeque<Entry>,
        unreadable: &mut Vec<(Entry, DecodeError)>,
    ) -> Result<(), Error> {
        let live: u64 = entries.iter().map(|e| u64::from(e.size)).sum();
        let mut content = Vec::with_capacity(STATE_LEN + live as usize);
        record::encode_state(state, &mut content);
        let mut kept = VecDeque::with_capacity(entries.len());
        let mut read = Ok(());
        for e in entries.iter() {
            let start = content.len();
            content.resize(start + e.size as usize, 0);
            if let Err(err) = self.read_at(e.offset, &mut content[start..]) {
                read = Err(err);
                break;
            }
            match verify_message(&content[start..], e.sequence) {
                Ok(_) => kept.push_back(Entry {
                    offset: start as u64,
                    ..*e
                }),
                Err(why) => {
                    content.truncate(start);
                    unreadable.push((*e, why));
                }
            }
        }
        if let Err(err) = read {
            entries.retain(|e| !unreadable.iter().any(|(u, _)| u.sequence == e.sequence));
            return Err(err);
        }
        match replace_log(&self.dir, &self.path, &content) {
            Ok(file) => {
                self.file = file;
                self.end = content.len() as u64;
                *entries = kept;
                sync_dir(&self.dir)
            }
            Err(err) => {
                entries.retain(|e| !unreadable.iter().any(|(u, _)| u.sequence == e.sequence));
                Err(err)
            }
        }
    }
}
