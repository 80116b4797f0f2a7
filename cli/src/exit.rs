//! Exit codes and the command's error type.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | every message was delivered |
//! | 1 | the cloud refused at least one message |
//! | 2 | usage or configuration error |
//! | 3 | network or transport error: a message was not delivered, or its delivery was not confirmed |
//! | 4 | messages kept in the outbox were lost to damaged records (printed even with `-q`) |
//!
//! When several apply, the highest wins: a loss is never hidden behind
//! another failure.

use hologram::{AdapterError, Error, OutboxError, TransportError};

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// 0: all delivered.
    Success = 0,
    /// 1: the cloud refused at least one message.
    Refused = 1,
    /// 2: usage or configuration error.
    Usage = 2,
    /// 3: network or transport error.
    Network = 3,
    /// 4: messages kept in the outbox were lost to damaged records.
    Lost = 4,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// What stopped the command. Every message is one line a user can act on,
/// with no secret in it.
#[derive(Debug)]
pub enum CliError {
    /// An option or argument is wrong.
    Usage(String),
    /// The credentials file or a setting is wrong.
    Config(String),
    /// A network or transport failure outside the SDK (e.g. the simulator).
    Network(String),
    /// The SDK refused or failed; `context` says what was being done.
    Sdk {
        /// What was being done (`sending message 2`), if worth saying.
        context: Option<String>,
        /// The SDK's error.
        error: Box<Error>,
    },
}

impl CliError {
    /// An SDK error with what was being done.
    pub fn sdk(context: impl Into<String>, error: Error) -> Self {
        CliError::Sdk {
            context: Some(context.into()),
            error: Box::new(error),
        }
    }

    /// The exit status for this error.
    pub fn status(&self) -> Status {
        match self {
            CliError::Usage(_) | CliError::Config(_) => Status::Usage,
            CliError::Network(_) => Status::Network,
            CliError::Sdk { error, .. } => status_of(error),
        }
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        CliError::Sdk {
            context: None,
            error: Box::new(error),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Config(m) | CliError::Network(m) => f.write_str(m),
            CliError::Sdk {
                context: Some(c),
                error,
            } => write!(f, "{c}: {error}"),
            CliError::Sdk {
                context: None,
                error,
            } => write!(f, "{error}"),
        }
    }
}

fn transport_status(e: &TransportError) -> Status {
    if e.is_network_failure() {
        Status::Network
    } else {
        Status::Usage
    }
}

/// The exit status for an SDK error: configuration problems (names,
/// credentials, topics, SMS, settings) are 2; network and transport
/// failures are 3.
pub fn status_of(error: &Error) -> Status {
    match error {
        Error::Network(_) => Status::Network,
        // Something the user must act on: another process holds the
        // outbox, its state is damaged, a message can never fit.
        Error::Outbox(
            OutboxError::Locked { .. } | OutboxError::Damaged { .. } | OutboxError::TooLarge { .. },
        ) => Status::Usage,
        Error::Outbox(_) => Status::Network,
        Error::Transport(e) => transport_status(e),
        Error::Adapter { source, .. } => match source {
            AdapterError::Network(_) => Status::Network,
            AdapterError::Transport(e) => transport_status(e),
            _ => Status::Usage,
        },
        // Registry, Credentials, Topic, Sms, Auth, Unsupported, and any
        // kind added later: the user has something to fix.
        _ => Status::Usage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hologram::{CredentialError, CredentialField};

    #[test]
    fn kinds_map_to_codes() {
        let refused = Error::Transport(TransportError::Refused {
            endpoint: "127.0.0.1:1".into(),
        });
        assert_eq!(status_of(&refused), Status::Network);
        let missing = Error::Transport(TransportError::MissingEndpoint { missing: "host" });
        assert_eq!(status_of(&missing), Status::Usage);
        let cred = Error::Credentials(CredentialError::Missing {
            field: CredentialField::DeviceKey,
        });
        assert_eq!(status_of(&cred), Status::Usage);
        assert_eq!(
            status_of(&Error::Network(hologram::NetworkError::NotConnected)),
            Status::Network
        );
        assert!(Status::Network > Status::Refused && Status::Refused > Status::Success);
        assert!(Status::Lost > Status::Network);
        let too_large = Error::Outbox(OutboxError::TooLarge { size: 10, limit: 5 });
        assert_eq!(status_of(&too_large), Status::Usage);
    }
}
