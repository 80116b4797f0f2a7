//! The authenticator port: credentials + a message in, wire bytes out.

use crate::{CredentialError, CredentialField, Credentials, Message, Sms, TopicError};

/// What an authenticator can encode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthCapabilities {
    /// [`Authenticator::encode_sms`] works.
    pub sms: bool,
    /// The encoding depends on the clock (TOTP): a payload encoded now is
    /// encoded again when it is sent later.
    pub time_based: bool,
}

impl AuthCapabilities {
    /// Messages only, no SMS, not time based.
    pub const MESSAGES_ONLY: AuthCapabilities = AuthCapabilities {
        sms: false,
        time_based: false,
    };

    /// Sets [`AuthCapabilities::sms`].
    pub const fn with_sms(mut self, sms: bool) -> Self {
        self.sms = sms;
        self
    }

    /// Sets [`AuthCapabilities::time_based`].
    pub const fn with_time_based(mut self, time_based: bool) -> Self {
        self.time_based = time_based;
        self
    }
}

/// Encoding failed. Never carries a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A credential this authenticator needs is missing or invalid.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// A topic is invalid.
    #[error(transparent)]
    Topic(#[from] TopicError),
    /// The message cannot be framed in this wire form (e.g. a NUL byte in
    /// TOTP data).
    #[error("the message {field} cannot be sent with {authenticator}: {reason}")]
    Unframeable {
        /// The authenticator's name.
        authenticator: &'static str,
        /// `data` or `topic`.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// This authenticator does not do that (e.g. SMS with TOTP).
    #[error("{operation} is not supported by the {authenticator} authentication")]
    Unsupported {
        /// The authenticator's name.
        authenticator: &'static str,
        /// The operation.
        operation: &'static str,
    },
    /// The adapter's configuration is invalid.
    #[error("invalid {authenticator} setting {setting}: {reason}")]
    InvalidSetting {
        /// The authenticator's name.
        authenticator: &'static str,
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl AuthError {
    /// A missing credential.
    pub fn missing(field: CredentialField) -> Self {
        AuthError::Credential(CredentialError::Missing { field })
    }
}

/// An authenticator: the `Authentication` class of the Python SDK. It turns
/// credentials and a message or SMS into the bytes that go on the wire.
///
/// # For implementers
///
/// - `out` is cleared by the caller; append the whole payload, framing
///   included. On error, what was appended is discarded.
/// - Validate credentials before encoding and name the missing or wrong
///   field in the error, never its value. Keep secrets out of `Debug`.
/// - An operation you do not support returns [`AuthError::Unsupported`] and
///   is `false` in [`capabilities`](Self::capabilities).
pub trait Authenticator: Send {
    /// What this authenticator can encode.
    fn capabilities(&self) -> AuthCapabilities;

    /// Encodes one message.
    fn encode_message(
        &mut self,
        creds: &Credentials,
        msg: &Message,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError>;

    /// Encodes one SMS. The default refuses with
    /// [`AuthError::Unsupported`], naming the implementing type.
    fn encode_sms(
        &mut self,
        creds: &Credentials,
        sms: &Sms,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        let _ = (creds, sms, out);
        Err(AuthError::Unsupported {
            authenticator: std::any::type_name::<Self>(),
            operation: "SMS",
        })
    }
}

impl<T: Authenticator + ?Sized> Authenticator for Box<T> {
    fn capabilities(&self) -> AuthCapabilities {
        (**self).capabilities()
    }
    fn encode_message(
        &mut self,
        creds: &Credentials,
        msg: &Message,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        (**self).encode_message(creds, msg, out)
    }
    fn encode_sms(
        &mut self,
        creds: &Credentials,
        sms: &Sms,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        (**self).encode_sms(creds, sms, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Implements only what is required.
    struct MessagesOnly;

    impl Authenticator for MessagesOnly {
        fn capabilities(&self) -> AuthCapabilities {
            AuthCapabilities::MESSAGES_ONLY
        }
        fn encode_message(
            &mut self,
            _: &Credentials,
            msg: &Message,
            out: &mut Vec<u8>,
        ) -> Result<(), AuthError> {
            out.extend_from_slice(msg.data().as_bytes());
            Ok(())
        }
    }

    #[test]
    fn the_default_refuses_sms_naming_the_authenticator() {
        let creds = Credentials::default();
        let mut out = Vec::new();
        MessagesOnly
            .encode_message(&creds, &Message::new("a"), &mut out)
            .unwrap();
        assert_eq!(out, b"a");
        let sms = Sms::new("+1", "hi").unwrap();
        let err = MessagesOnly.encode_sms(&creds, &sms, &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "SMS is not supported by the {} authentication",
                std::any::type_name::<MessagesOnly>()
            )
        );
        assert!(err.to_string().contains("MessagesOnly"), "{err}");
    }
}
