//! The crate's private errors and their mapping into [`OutboxError`].
//!
//! This module depends on nothing else of the crate but the record
//! encoder's error: the journal and the outbox depend on it, never the
//! other way round.

use std::io;
use std::path::PathBuf;

use hologram_ports::OutboxError;

use crate::record::EncodeError;

/// The `operation` of the [`OutboxError::Storage`] returned when the outbox
/// directory or one of its files is not safe to use (owned by another
/// user, writable by others, a symbolic link, not a regular file).
pub const UNSAFE: &str = "check the outbox files";

/// What went wrong inside the file outbox.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Another opener holds the lock file.
    #[error("the outbox directory {} is already in use by another process (its lock file {} is held)", dir.display(), lock.display())]
    Locked { dir: PathBuf, lock: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        operation: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A file or the directory is not safe to trust; `problem` says why
    /// and how to fix it.
    #[error("{}: {problem}", path.display())]
    Unsafe { path: PathBuf, problem: String },
    /// What is on disk cannot be trusted.
    #[error("the outbox state in {} is damaged: {detail}; its messages cannot be trusted: move the outbox directory aside (keep it to inspect it) and start with a new one", path.display())]
    Damaged { path: PathBuf, detail: String },
    #[error("sequence number {sequence} is not above the last one given ({last}); sequence numbers must grow")]
    Sequence { sequence: u64, last: u64 },
    #[error("sequence number {sequence} is out of range (at most {max})")]
    SequenceRange { sequence: u64, max: u64 },
    #[error("a message with {0} topics cannot be stored; at most 255 are allowed")]
    TooManyTopics(usize),
    /// One message larger than the outbox can ever hold.
    #[error("a message of {size} bytes on disk cannot be stored: the outbox holds at most {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("invalid outbox setting {setting}: {reason}")]
    Setting {
        setting: &'static str,
        reason: &'static str,
    },
}

impl Error {
    pub(crate) fn io(operation: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            operation,
            path: path.into(),
            source,
        }
    }

    fn operation(&self) -> &'static str {
        match self {
            Error::Locked { .. } => "lock",
            Error::Io { operation, .. } => operation,
            Error::Unsafe { .. } => UNSAFE,
            Error::Damaged { .. } => "read the outbox state",
            Error::Sequence { .. }
            | Error::SequenceRange { .. }
            | Error::TooManyTopics(_)
            | Error::TooLarge { .. } => "push",
            Error::Setting { .. } => "open",
        }
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::TooManyTopics(n) => Error::TooManyTopics(n),
            EncodeError::TooLarge(n) => Error::TooLarge {
                size: n as u64,
                limit: crate::record::MAX_PAYLOAD as u64,
            },
        }
    }
}

/// The one place the crate's errors become the port's.
impl From<Error> for OutboxError {
    fn from(e: Error) -> Self {
        match e {
            Error::Locked { dir, .. } => OutboxError::Locked { path: dir },
            Error::Damaged { path, detail } => OutboxError::Damaged {
                detail: format!(
                    "{detail} (in {}); its messages cannot be trusted: move the outbox \
                     directory aside (keep it to inspect it) and start with a new one",
                    path.display()
                ),
            },
            Error::TooLarge { size, limit } => OutboxError::TooLarge {
                size: usize::try_from(size).unwrap_or(usize::MAX),
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
            },
            other => {
                // The system's error stays in the chain of causes, under ours.
                let kind = match &other {
                    Error::Io { source, .. } => source.kind(),
                    _ => io::ErrorKind::Other,
                };
                OutboxError::storage(other.operation(), io::Error::new(kind, other))
            }
        }
    }
}
