//! The one error type of the facade.

use hologram_ports::{
    AdapterError, AdapterKind, AuthError, CredentialError, NetworkError, OutboxError, SmsError,
    TopicError, TransportError,
};

use crate::registry::RegistryError;

/// What went wrong in a call to [`Hologram`](crate::Hologram). Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An adapter name is unknown or registered twice.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// An adapter's factory refused its settings or failed to start.
    #[error("cannot start {kind} {name:?}: {source}")]
    Adapter {
        /// The kind.
        kind: AdapterKind,
        /// The name.
        name: String,
        /// Why.
        source: AdapterError,
    },
    /// A credential is missing or invalid.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// A topic is invalid.
    #[error(transparent)]
    Topic(#[from] TopicError),
    /// An SMS destination or text is invalid.
    #[error(transparent)]
    Sms(#[from] SmsError),
    /// The message could not be encoded.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The transport failed in a way that retrying cannot fix, or an SMS
    /// could not be delivered.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The network interface failed.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The chosen adapters cannot do this (e.g. SMS over `raw`).
    #[error("{operation} is not supported with the {adapter} {kind}")]
    Unsupported {
        /// The operation.
        operation: &'static str,
        /// The adapter's kind.
        kind: AdapterKind,
        /// The adapter's name.
        adapter: String,
    },
}

impl Error {
    pub(crate) fn adapter(kind: AdapterKind, name: &str, source: AdapterError) -> Self {
        Error::Adapter {
            kind,
            name: name.to_owned(),
            source,
        }
    }
}
