//! What can go wrong with a modem, in words that say what to do.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use hologram_ports::NetworkError;

use crate::at::AtError;

/// A process that has a device open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Its process id.
    pub pid: u32,
    /// Its name (`/proc/<pid>/comm`), empty when unreadable.
    pub name: String,
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "pid {}", self.pid)
        } else {
            write!(f, "{} (pid {})", self.name, self.pid)
        }
    }
}

struct Holders<'a>(&'a [Holder]);

impl fmt::Display for Holders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("another process (not visible to this user)");
        }
        for (i, h) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{h}")?;
        }
        Ok(())
    }
}

/// A modem operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CellularError {
    /// The device node does not exist.
    #[error("{} does not exist (is the modem plugged in? `hologram modem list` shows what is found)", device.display())]
    NoDevice {
        /// The path.
        device: PathBuf,
    },
    /// The device exists but this user may not open it.
    #[error("permission denied opening {}: add your user to the dialout group (sudo usermod -aG dialout $USER, then log in again)", device.display())]
    PermissionDenied {
        /// The path.
        device: PathBuf,
    },
    /// Another process has the device open.
    #[error("{} is in use by {}: stop it (for ModemManager: sudo systemctl stop ModemManager) or make it leave the modem alone (a udev rule setting ENV{{ID_MM_DEVICE_IGNORE}}=\"1\", see docs/cellular.md)", device.display(), Holders(holders))]
    Busy {
        /// The path.
        device: PathBuf,
        /// Who holds it, when that could be found.
        holders: Vec<Holder>,
    },
    /// Opening the device failed for another reason.
    #[error("could not open {}: {detail}", device.display())]
    Open {
        /// The path.
        device: PathBuf,
        /// What the system said.
        detail: String,
    },
    /// Detection found no usable modem.
    #[error("no cellular modem found: looked in {looked}; found {found}")]
    NoModem {
        /// Where detection looked.
        looked: String,
        /// What it found there (devices that are not known modems, ports that did not answer).
        found: String,
    },
    /// The modem does not answer AT commands (the watchdog's verdict).
    #[error("the modem on {} does not answer: {detail}", device.display())]
    NotAnswering {
        /// The port.
        device: PathBuf,
        /// The last failure.
        detail: String,
    },
    /// A command failed.
    #[error(transparent)]
    At(#[from] AtError),
    /// No SIM card.
    #[error("no SIM card: insert a SIM (the modem answered {detail})")]
    NoSim {
        /// The modem's answer.
        detail: String,
    },
    /// The SIM is locked or not ready.
    #[error("the SIM is not ready: it reports {state}; this SDK never enters a PIN: remove the PIN lock with a phone or `AT+CLCK`, then retry")]
    SimLocked {
        /// `SIM PIN`, `SIM PUK`, ...
        state: String,
    },
    /// Not registered with a network in time.
    #[error("not registered with a cellular network after {} s (last state: {state})", after.as_secs())]
    NotRegistered {
        /// The last registration state seen.
        state: String,
        /// How long it waited.
        after: Duration,
    },
    /// The model does not have this feature.
    #[error("{what} is not supported by the {model}")]
    Unsupported {
        /// The feature.
        what: &'static str,
        /// The model.
        model: &'static str,
    },
    /// An answer could not be understood.
    #[error("{command}: unexpected answer ({detail})")]
    Parse {
        /// The command.
        command: &'static str,
        /// What was wrong (never the value itself: it may be an IMSI).
        detail: String,
    },
    /// A setting is wrong.
    #[error("invalid cellular setting {setting}: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl CellularError {
    /// True when the modem or its port, not the network, is at fault:
    /// missing, unopenable, or not answering.
    pub fn is_modem_unreachable(&self) -> bool {
        match self {
            CellularError::NoDevice { .. }
            | CellularError::PermissionDenied { .. }
            | CellularError::Busy { .. }
            | CellularError::Open { .. }
            | CellularError::NoModem { .. }
            | CellularError::NotAnswering { .. } => true,
            CellularError::At(e) => e.is_channel_failure(),
            _ => false,
        }
    }
}

impl From<CellularError> for NetworkError {
    fn from(e: CellularError) -> Self {
        match e {
            CellularError::PermissionDenied { .. } | CellularError::Busy { .. } => {
                NetworkError::ConnectFailed {
                    reason: e.to_string(),
                }
            }
            CellularError::NoDevice { .. } | CellularError::NoModem { .. } => {
                NetworkError::ServiceUnavailable {
                    service: "cellular modem",
                    detail: e.to_string(),
                }
            }
            CellularError::At(AtError::Timeout { after, .. }) => NetworkError::Timeout {
                operation: "AT command",
                after,
            },
            CellularError::NotRegistered { after, .. } => NetworkError::Timeout {
                operation: "cellular registration",
                after,
            },
            CellularError::Unsupported { what, .. } => {
                NetworkError::Unsupported { operation: what }
            }
            CellularError::InvalidSetting { setting, reason } => {
                NetworkError::InvalidSetting { setting, reason }
            }
            CellularError::At(AtError::Io { .. })
            | CellularError::Open { .. }
            | CellularError::NotAnswering { .. } => {
                NetworkError::other("cellular modem", e.to_string())
            }
            other => NetworkError::ConnectFailed {
                reason: other.to_string(),
            },
        }
    }
}
