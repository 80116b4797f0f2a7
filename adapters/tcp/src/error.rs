//! The crate's private failure type and its mapping into the port's
//! [`TransportError`].
//!
//! The engine carries a [`Failure`] (cheap: no endpoint string yet) and maps
//! it into a [`TransportError`] once, when it reports the result.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use hologram_ports::{Endpoint, TransportError, TransportPhase};

/// What went wrong with one exchange, before it is mapped for the port.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// A system call failed.
    #[error("{phase} failed: {source}")]
    Io {
        /// The step that failed.
        phase: TransportPhase,
        /// What the system said (shared: a broken poller fails every
        /// payload with the same error).
        #[source]
        source: Arc<io::Error>,
    },
    /// A step did not finish before its deadline.
    #[error("{phase} timed out after {after:?}")]
    TimedOut {
        /// The step.
        phase: TransportPhase,
        /// The limit that fired.
        after: Duration,
        /// Reply bytes received before it (reading only).
        received: usize,
    },
}

impl Failure {
    /// An I/O failure during `phase`.
    pub(crate) fn io(phase: TransportPhase, source: io::Error) -> Self {
        Failure::Io {
            phase,
            source: Arc::new(source),
        }
    }

    /// The step this failure happened in.
    pub(crate) fn phase(&self) -> TransportPhase {
        match self {
            Failure::Io { phase, .. } | Failure::TimedOut { phase, .. } => *phase,
        }
    }

    /// Maps into the port's error, naming the endpoint.
    pub(crate) fn into_port(self, endpoint: &Endpoint) -> TransportError {
        match self {
            Failure::TimedOut {
                phase,
                after,
                received,
            } => TransportError::Timeout {
                endpoint: endpoint.to_string(),
                phase,
                after,
                received,
            },
            Failure::Io { phase, source } => map_io(source, phase, endpoint),
        }
    }
}

/// ECONNREFUSED → `Refused`, ENETUNREACH/EHOSTUNREACH/ENETDOWN →
/// `Unreachable`, ECONNRESET/ECONNABORTED/EPIPE → `Reset`, anything else →
/// `Io` keeping the system's error as its source.
fn map_io(err: Arc<io::Error>, phase: TransportPhase, endpoint: &Endpoint) -> TransportError {
    let endpoint = endpoint.to_string();
    match err.kind() {
        io::ErrorKind::ConnectionRefused => return TransportError::Refused { endpoint },
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => return TransportError::Reset { endpoint, phase },
        _ => {}
    }
    if is_unreachable(&err) {
        return TransportError::Unreachable { endpoint };
    }
    TransportError::Io {
        endpoint,
        phase,
        source: err,
    }
}

#[cfg(unix)]
fn is_unreachable(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::ENETUNREACH | libc::EHOSTUNREACH | libc::ENETDOWN)
    )
}

#[cfg(not(unix))]
fn is_unreachable(_err: &io::Error) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(err: io::Error) -> TransportError {
        Failure::io(TransportPhase::Read, err).into_port(&Endpoint::new("::1", 7))
    }

    #[test]
    fn errors_map_to_semantic_variants() {
        assert!(matches!(
            map(io::ErrorKind::ConnectionRefused.into()),
            TransportError::Refused { endpoint } if endpoint == "[::1]:7"
        ));
        for kind in [
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::BrokenPipe,
        ] {
            assert!(matches!(
                map(kind.into()),
                TransportError::Reset {
                    phase: TransportPhase::Read,
                    ..
                }
            ));
        }
        for code in [libc::ENETUNREACH, libc::EHOSTUNREACH] {
            assert!(matches!(
                map(io::Error::from_raw_os_error(code)),
                TransportError::Unreachable { .. }
            ));
        }
        let io = map(io::Error::from_raw_os_error(libc::EACCES));
        let source = std::error::Error::source(&io).expect("a source");
        assert_eq!(
            source
                .downcast_ref::<io::Error>()
                .and_then(io::Error::raw_os_error),
            Some(libc::EACCES)
        );
        let timeout = Failure::TimedOut {
            phase: TransportPhase::Write,
            after: Duration::from_secs(5),
            received: 0,
        }
        .into_port(&Endpoint::new("h", 1));
        assert!(matches!(
            timeout,
            TransportError::Timeout {
                phase: TransportPhase::Write,
                ..
            }
        ));
        assert!(timeout.is_network_failure());
    }
}
