//! The crate's private errors and their mapping into [`OutboxError`].

use std::io;
use std::path::PathBuf;

use hologram_ports::OutboxError;

use crate::record::EncodeError;

/// The `operation` of the [`OutboxError::Storage`] returned when the outbox
/// directory is already open in another process (or another
/// [`FileOutbox`](crate::FileOutbox) of this one).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use hologram_outbox::{FileOutbox, LOCKED};
/// use hologram_ports::OutboxError;
///
/// let dir = tempfile::tempdir()?;
/// let _first = FileOutbox::open(dir.path())?;
/// match FileOutbox::open(dir.path()) {
///     Err(OutboxError::Storage { operation: LOCKED, .. }) => {} // in use elsewhere
///     other => panic!("expected a lock error, got {other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
pub const LOCKED: &str = "lock";

/// What went wrong inside the file outbox.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("the outbox directory {} is already in use by another process (its lock file {} is held)", dir.display(), dir.join(crate::log::LOCK_FILE).display())]
    Locked { dir: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        operation: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("sequence number {sequence} is not above the last one given ({last}); sequence numbers must grow")]
    Sequence { sequence: u64, last: u64 },
    #[error("a message with {0} topics cannot be stored; at most 255 are allowed")]
    TooManyTopics(usize),
    #[error("a message of {0} bytes cannot be stored; at most 16 MiB are allowed")]
    TooLarge(usize),
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
            Error::Locked { .. } => LOCKED,
            Error::Io { operation, .. } => operation,
            Error::Sequence { .. } | Error::TooManyTopics(_) | Error::TooLarge(_) => "push",
            Error::Setting { .. } => "open",
        }
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::TooManyTopics(n) => Error::TooManyTopics(n),
            EncodeError::TooLarge(n) => Error::TooLarge(n),
        }
    }
}

impl From<Error> for OutboxError {
    fn from(e: Error) -> Self {
        // The system's error stays in the chain of causes, under ours.
        let kind = match &e {
            Error::Io { source, .. } => source.kind(),
            _ => io::ErrorKind::Other,
        };
        OutboxError::storage(e.operation(), io::Error::new(kind, e))
    }
}
