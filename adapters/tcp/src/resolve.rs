//! Name resolution with a one-entry cache.
//!
//! IP literals (IPv4, IPv6 with or without brackets) parse without any
//! lookup. Host names go through [`std::net::ToSocketAddrs`], i.e. the
//! system's blocking `getaddrinfo`: the only blocking call of a send, made
//! before the first connect and bounded by the system resolver's own
//! timeouts, not by `connect_timeout`. The addresses are cached per endpoint
//! for [`TTL`], so repeated sends (and every payload of a batch) do not
//! resolve again; the cache is dropped when a connect fails so that the
//! next send looks the name up afresh.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use hologram_ports::TransportError;

use crate::settings::{ip_literal, validate_host, validate_port};

/// How long resolved addresses of a host name are reused.
pub(crate) const TTL: Duration = Duration::from_secs(300);

/// Resolves `host:port`, remembering the last answer.
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    cached: Option<Cached>,
}

#[derive(Debug)]
struct Cached {
    host: String,
    port: u16,
    addrs: Vec<SocketAddr>,
    /// `None` for IP literals: they never go stale.
    expires: Option<Instant>,
}

impl Resolver {
    /// The addresses of `host:port`, in the resolver's order (never empty).
    pub(crate) fn resolve(
        &mut self,
        host: &str,
        port: u16,
    ) -> Result<&[SocketAddr], TransportError> {
        let fresh = match &self.cached {
            Some(c) if c.host == host && c.port == port => {
                !matches!(c.expires, Some(at) if Instant::now() >= at)
            }
            _ => false,
        };
        if !fresh {
            self.cached = None;
            self.cached = Some(lookup(host, port)?);
        }
        Ok(self.cached.as_ref().map_or(&[], |c| c.addrs.as_slice()))
    }

    /// Forgets a resolved host name (IP literals stay: they cannot change).
    pub(crate) fn forget(&mut self) {
        if self.cached.as_ref().is_some_and(|c| c.expires.is_some()) {
            self.cached = None;
        }
    }
}

fn lookup(host: &str, port: u16) -> Result<Cached, TransportError> {
    // The endpoint may have been set after the builder checked it: nothing
    // that is not a host goes to the resolver or the network.
    validate_host(host)?;
    validate_port(port)?;
    if let Some(ip) = ip_literal(host) {
        return Ok(Cached {
            host: host.to_owned(),
            port,
            addrs: vec![SocketAddr::new(ip, port)],
            expires: None,
        });
    }
    let resolve_error = |detail: String| TransportError::Resolve {
        host: host.to_owned(),
        detail,
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| resolve_error(e.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(resolve_error("the name has no addresses".to_owned()));
    }
    log::debug!(target: "hologram_tcp", "resolved {host:?} to {} address(es)", addrs.len());
    Ok(Cached {
        host: host.to_owned(),
        port,
        addrs,
        expires: Some(Instant::now() + TTL),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_parse_without_lookup() {
        let mut r = Resolver::default();
        assert_eq!(
            r.resolve("127.0.0.1", 9).unwrap(),
            &["127.0.0.1:9".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            r.resolve("::1", 9).unwrap(),
            &["[::1]:9".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            r.resolve("[::1]", 10).unwrap(),
            &["[::1]:10".parse::<SocketAddr>().unwrap()]
        );
        r.forget();
        assert!(r.cached.is_some(), "literals are never forgotten");
    }

    #[test]
    fn host_names_are_cached_and_forgotten() {
        let mut r = Resolver::default();
        let n = r.resolve("localhost", 80).unwrap().len();
        assert!(n >= 1);
        assert!(r.cached.as_ref().unwrap().expires.is_some());
        r.forget();
        assert!(r.cached.is_none());
        let e = r.resolve("no-such-host.invalid", 80).unwrap_err();
        assert!(
            matches!(e, TransportError::Resolve { ref host, .. } if host == "no-such-host.invalid")
        );
        assert!(e.is_network_failure());
    }

    #[test]
    fn what_is_not_a_host_never_reaches_the_resolver() {
        let mut r = Resolver::default();
        for host in ["127.0.0.1 ", "127.0.0.1:9999", "localhost:80"] {
            let e = r.resolve(host, 80).unwrap_err();
            assert!(
                matches!(
                    e,
                    TransportError::InvalidSetting {
                        setting: "host",
                        ..
                    }
                ),
                "{host:?}: {e:?}"
            );
            assert!(!e.is_network_failure());
        }
        assert!(matches!(
            r.resolve("127.0.0.1", 0),
            Err(TransportError::InvalidSetting {
                setting: "port",
                ..
            })
        ));
    }
}
