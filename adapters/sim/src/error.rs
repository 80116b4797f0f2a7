//! Errors of the cloud simulator. The `sim` network interface reports
//! [`NetworkError`](hologram_ports::NetworkError)s directly.

use std::net::SocketAddr;

/// A devices file could not be used. Names the entry and field, never a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {problem}")]
pub struct DevicesFileError {
    /// The file (its path) or `devices file` for text given directly.
    pub source_name: String,
    /// What is wrong.
    pub problem: String,
}

/// The cloud simulator could not start or stopped on an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudSimError {
    /// The listening socket could not be bound (port taken, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The event loop failed.
    #[error("the cloud simulator's event loop failed during {operation}: {source}")]
    Io {
        /// What it was doing.
        operation: &'static str,
        /// What the system said.
        source: std::io::Error,
    },
    /// The devices file is invalid.
    #[error(transparent)]
    DevicesFile(#[from] DevicesFileError),
    /// The simulator's thread panicked.
    #[error("the cloud simulator's thread panicked")]
    Panicked,
}
