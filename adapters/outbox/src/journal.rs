//! The journal file (`outbox.log`): locking the directory, reading and
//! scanning the journal on open, appending records, reading them back, and
//! compacting. Every file is opened through [`crate::files`].

use std::collections::VecDeque;
use std::fmt;
use std::fs::{self, File, TryLockError};
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use hologram_ports::Message;

use crate::error::Error;
use crate::files::{self, Create};
use crate::record::{self, DecodeError, Record, State, STATE_LEN};
use crate::scan::{scan, Entry, Scan};

/// The log of records.
pub(crate) const LOG_FILE: &str = "outbox.log";
/// A compacted log being written; renamed over [`LOG_FILE`] once synced.
pub(crate) const TMP_FILE: &str = "outbox.log.tmp";
/// Held with an exclusive `flock` while the outbox is open.
pub(crate) const LOCK_FILE: &str = "outbox.lock";

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

/// Syncs a directory, so a rename or a new file in it survives a power loss.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("sync the directory", dir, e))
}

/// Writes `content` as the new log: into a fresh [`TMP_FILE`], synced,
/// then renamed over [`LOG_FILE`]. Returns the new log, open. The caller
/// syncs the directory next.
fn replace_log(dir: &Path, path: &Path, content: &[u8]) -> Result<File, Error> {
    let tmp = dir.join(TMP_FILE);
    files::remove_if_present(&tmp).map_err(|e| Error::io("remove", &tmp, e))?;
    let file = files::open(&tmp, Create::New)?;
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

/// Reads a whole log of at most `cap` bytes (it is a regular file: its
/// size is what `stat` says, and the read stops there).
fn read_log(file: &File, path: &Path, cap: u64) -> Result<Vec<u8>, Error> {
    let len = file
        .metadata()
        .map_err(|e| Error::io("inspect", path, e))?
        .len();
    if len > cap {
        return Err(Error::Damaged {
            path: path.to_owned(),
            detail: format!(
                "the log is {len} bytes, more than an outbox of these limits ever writes \
                 ({cap} bytes)"
            ),
        });
    }
    // `len <= cap`, which the caller keeps far below the address space.
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, e))?;
    Ok(bytes)
}

/// How many times a held lock is tried before the outbox is reported as
/// in use, and the pause between tries.
const LOCK_TRIES: u32 = 20;
const LOCK_PAUSE: std::time::Duration = std::time::Duration::from_millis(5);

/// Takes the directory's `flock`. A lock is shared by every copy of its
/// file descriptor, and a process forking (to start another program) holds
/// copies for the moment between its fork and its exec: a lock just
/// released can look held for that moment. So a held lock is tried again
/// a few times (at most `LOCK_TRIES` × `LOCK_PAUSE`) before the outbox is
/// reported as in use.
fn lock_briefly_retried(lock: &File, dir: &Path, lock_path: &Path) -> Result<(), Error> {
    let mut tries = 0;
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if tries + 1 < LOCK_TRIES => {
                tries += 1;
                std::thread::sleep(LOCK_PAUSE);
            }
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    dir: dir.to_owned(),
                    lock: lock_path.to_owned(),
                })
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", lock_path, e)),
        }
    }
}

impl Log {
    /// Checks and locks `dir` (creating it if needed), then opens and
    /// scans its log, creating an empty one if there is none, refusing one
    /// of more than `cap` bytes. A torn tail is cut off here; the rest of
    /// the repairs are up to the caller (see [`Scan::needs_rewrite`]).
    pub(crate) fn open(dir: &Path, cap: u64) -> Result<(Log, Scan), Error> {
        files::check_dir(dir)?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = files::open(&lock_path, Create::IfMissing)?;
        lock_briefly_retried(&lock, dir, &lock_path)?;
        // A compaction cut short: the old log is still the valid one. The
        // leftover is never read, and the next compaction removes it first.
        let tmp = dir.join(TMP_FILE);
        if let Err(e) = files::remove_if_present(&tmp) {
            ::log::warn!(target: "Outbox", "cannot remove the leftover {}: {e}", tmp.display());
        }
        let path = dir.join(LOG_FILE);
        let file = match files::open(&path, Create::No) {
            Ok(file) => file,
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
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
                let scan = scan(&header, &path)?;
                return Ok((log, scan));
            }
            Err(e) => return Err(e),
        };
        let bytes = read_log(&file, &path, cap)?;
        let scan = scan(&bytes, &path)?;
        if scan.valid_end < bytes.len() as u64 {
            file.set_len(scan.valid_end)
                .and_then(|()| file.sync_data())
                .map_err(|e| Error::io("cut the torn tail of", &path, e))?;
        }
        drop(bytes);
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
