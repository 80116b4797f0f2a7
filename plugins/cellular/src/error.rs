//! The plugin's own errors, and how they map into the port's `NetworkError`.

use std::io;
use std::time::Duration;

use hologram_ports::NetworkError;

/// What went wrong talking to the modem.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CellularError {
    /// The serial device could not be opened or set up.
    #[error("cannot open the modem at {device}: {source}")]
    Open {
        device: String,
        #[source]
        source: io::Error,
    },
    /// Reading or writing the serial device failed.
    #[error("I/O error on the modem at {device}: {source}")]
    Io {
        device: String,
        #[source]
        source: io::Error,
    },
    /// No final result code in time.
    #[error("the modem at {device} did not answer {command} within {after:?}")]
    Timeout {
        device: String,
        command: String,
        after: Duration,
    },
    /// The modem answered with an error result.
    #[error("the modem refused {command}: {reply}")]
    Refused { command: String, reply: String },
    /// The answer could not be read.
    #[error("the modem's answer to {command} is not understood: {reply:?}")]
    Garbled { command: String, reply: String },
    /// The SIM card is missing or locked.
    #[error("the SIM card is not ready: {state}")]
    SimNotReady { state: String },
}

impl CellularError {
    /// The port's error for a failure during `operation`.
    pub(crate) fn into_network(self, operation: &'static str) -> NetworkError {
        match self {
            CellularError::Open { device, source } => match source.kind() {
                io::ErrorKind::NotFound => NetworkError::NoSuchInterface { name: device },
                io::ErrorKind::PermissionDenied => NetworkError::io(
                    operation,
                    io::Error::new(
                        source.kind(),
                        format!(
                            "permission denied opening {device} (is the user in the dialout group?)"
                        ),
                    ),
                ),
                _ => NetworkError::io(
                    operation,
                    io::Error::new(source.kind(), format!("cannot open {device}: {source}")),
                ),
            },
            CellularError::Timeout { after, .. } => NetworkError::Timeout { operation, after },
            CellularError::SimNotReady { state } => NetworkError::ConnectFailed {
                reason: format!("the SIM card is not ready ({state})"),
            },
            e @ CellularError::Refused { .. } if operation == "connect" => {
                NetworkError::ConnectFailed {
                    reason: e.to_string(),
                }
            }
            e => NetworkError::other(operation, e.to_string()),
        }
    }
}
