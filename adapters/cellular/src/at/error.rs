//! How a command fails, and what never appears in an error or a log.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::ErrorCode;

/// A command failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AtError {
    /// No final result before the command's deadline.
    #[error("{command}: no answer within {} ms", after.as_millis())]
    Timeout {
        /// The command (secrets masked).
        command: String,
        /// The command's timeout.
        after: Duration,
    },
    /// The modem answered `ERROR`.
    #[error("{command}: the modem answered ERROR")]
    Error {
        /// The command (secrets masked).
        command: String,
    },
    /// The modem answered `+CME ERROR`.
    #[error("{command}: +CME ERROR {error}")]
    Cme {
        /// The command (secrets masked).
        command: String,
        /// The error and its meaning.
        error: ErrorCode,
    },
    /// The modem answered `+CMS ERROR`.
    #[error("{command}: +CMS ERROR {error}")]
    Cms {
        /// The command (secrets masked).
        command: String,
        /// The error and its meaning.
        error: ErrorCode,
    },
    /// Another final result (`NO CARRIER`, `SEND FAIL`, ...).
    #[error("{command}: the modem answered {result}")]
    Other {
        /// The command (secrets masked).
        command: String,
        /// The final result.
        result: String,
    },
    /// The serial port failed (the device went away, ...).
    #[error("{command}: the serial port failed: {source}")]
    Io {
        /// The command (secrets masked).
        command: String,
        /// What the system said.
        #[source]
        source: Arc<io::Error>,
    },
    /// The command cannot be sent.
    #[error("invalid AT command {command:?}: {reason}")]
    Invalid {
        /// The command (secrets masked).
        command: String,
        /// Why.
        reason: &'static str,
    },
}

impl AtError {
    /// True when the channel itself failed (no answer, port error), as
    /// opposed to the modem answering with an error.
    pub fn is_channel_failure(&self) -> bool {
        matches!(self, AtError::Timeout { .. } | AtError::Io { .. })
    }

    /// The `+CME ERROR` number, if that is what the modem answered.
    pub fn cme_code(&self) -> Option<u16> {
        match self {
            AtError::Cme { error, .. } => error.code,
            _ => None,
        }
    }
}

/// Masks what must never be logged or shown: the argument of the commands
/// that carry a PIN or a password (`+CPIN=`, `+CLCK=`, `+CPWD=`).
pub fn masked(command: &str) -> String {
    let upper = command.to_ascii_uppercase();
    for secret in ["+CPIN=", "+CLCK=", "+CPWD=", "+CPIN2="] {
        if let Some(at) = upper.find(secret) {
            let end = at + secret.len();
            return format!("{}***", &command[..end]);
        }
    }
    command.to_owned()
}
