//! The adapter's private errors, mapped into the port's [`NetworkError`].
//!
//! No variant holds a passphrase: wpa_supplicant commands are named by
//! their verb and field (`SET_NETWORK psk`), never shown whole.

use std::path::PathBuf;
use std::time::Duration;

use hologram_ports::NetworkError;

use crate::netlink::ReplyError;
use crate::InterfaceName;

#[derive(Debug, thiserror::Error)]
pub(crate) enum WifiError {
    #[error("no network interface named {0}")]
    NoSuchInterface(InterfaceName),
    #[error("the nl80211 generic-netlink family does not resolve")]
    WirelessUnsupported,
    #[error("{0} is not known to nl80211")]
    NotWireless(InterfaceName),
    #[error("{0}: the kernel answered EPERM")]
    PermissionDenied(&'static str),
    #[error("{operation}: the kernel answered errno {errno}")]
    Kernel { operation: &'static str, errno: i32 },
    #[error("{operation}: unreadable reply: {detail}")]
    Malformed {
        operation: &'static str,
        detail: String,
    },
    #[error("{operation}: {source}")]
    Io {
        operation: &'static str,
        source: std::io::Error,
    },
    #[error("no wpa_supplicant control socket at {}: {reason}", path.display())]
    WpaUnavailable { path: PathBuf, reason: String },
    #[error("wpa_supplicant refused {command}: {reply}")]
    WpaRefused {
        command: &'static str,
        reply: String,
    },
    #[error("wpa_supplicant did not answer {command} in time")]
    WpaNoReply { command: &'static str },
    #[error("no association within {0:?}")]
    AssociateTimeout(Duration),
    #[error("the access point refused the passphrase")]
    WrongPassphrase,
    #[error("not associated")]
    NotConnected,
}

impl WifiError {
    pub(crate) fn io(operation: &'static str, source: std::io::Error) -> Self {
        if matches!(
            source.raw_os_error(),
            Some(libc::EPERM) | Some(libc::EACCES)
        ) {
            return WifiError::PermissionDenied(operation);
        }
        WifiError::Io { operation, source }
    }

    pub(crate) fn from_reply(operation: &'static str, e: ReplyError) -> Self {
        match e {
            ReplyError::Kernel(errno) if errno == libc::EPERM || errno == libc::EACCES => {
                WifiError::PermissionDenied(operation)
            }
            ReplyError::Kernel(errno) => WifiError::Kernel { operation, errno },
            ReplyError::Malformed(detail) => WifiError::Malformed { operation, detail },
        }
    }
}

impl From<WifiError> for NetworkError {
    fn from(e: WifiError) -> Self {
        match e {
            WifiError::NoSuchInterface(name) => NetworkError::NoSuchInterface {
                name: name.to_string(),
            },
            WifiError::WirelessUnsupported => NetworkError::WirelessUnsupported,
            WifiError::NotWireless(name) => NetworkError::NotWireless {
                name: name.to_string(),
            },
            WifiError::PermissionDenied(operation) => NetworkError::PermissionDenied { operation },
            WifiError::Kernel { operation, errno } => {
                NetworkError::io(operation, std::io::Error::from_raw_os_error(errno))
            }
            WifiError::Malformed { operation, detail } => {
                NetworkError::other(operation, format!("unreadable kernel reply: {detail}"))
            }
            WifiError::Io { operation, source } => NetworkError::io(operation, source),
            WifiError::WpaUnavailable { path, reason } => NetworkError::ServiceUnavailable {
                service: "wpa_supplicant",
                detail: format!(
                    "no control socket at {} ({reason}); is wpa_supplicant running for this \
                     interface with ctrl_interface set?",
                    path.display()
                ),
            },
            WifiError::WpaRefused { command, reply } => NetworkError::ConnectFailed {
                reason: format!("wpa_supplicant refused {command}: {reply}"),
            },
            WifiError::WpaNoReply { command } => NetworkError::ServiceUnavailable {
                service: "wpa_supplicant",
                detail: format!("no answer to {command}"),
            },
            WifiError::AssociateTimeout(limit) => NetworkError::Timeout {
                operation: "association",
                after: limit,
            },
            WifiError::WrongPassphrase => NetworkError::AuthenticationFailed,
            WifiError::NotConnected => NetworkError::NotConnected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_decides_permission() {
        let e = WifiError::from_reply("x", ReplyError::Kernel(libc::EPERM));
        assert_eq!(
            NetworkError::from(e),
            NetworkError::PermissionDenied { operation: "x" }
        );
        let e = WifiError::io("y", std::io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(
            NetworkError::from(e),
            NetworkError::PermissionDenied { operation: "y" }
        );
        let e = WifiError::from_reply("z", ReplyError::Kernel(libc::EBUSY));
        assert!(matches!(
            NetworkError::from(e),
            NetworkError::Io { operation: "z", .. }
        ));
    }

    #[test]
    fn timeouts_keep_their_limit() {
        let e = WifiError::AssociateTimeout(Duration::from_millis(300));
        assert_eq!(
            NetworkError::from(e),
            NetworkError::Timeout {
                operation: "association",
                after: Duration::from_millis(300)
            }
        );
    }
}
