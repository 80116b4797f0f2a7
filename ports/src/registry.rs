//! Registration of adapters by name: the descriptor adapters submit with
//! `inventory`, and the context their factory receives.

use std::fmt;
use std::sync::Arc;

use crate::{
    AdapterConfig, AuthError, Authenticator, ConfigError, EventSink, NetworkError,
    NetworkInterface, Transport, TransportError,
};

/// What an adapter's factory receives.
#[derive(Clone)]
pub struct AdapterContext {
    /// Where the adapter reports events (the core's event bus).
    pub events: Arc<dyn EventSink>,
    /// The adapter's settings.
    pub config: AdapterConfig,
}

impl AdapterContext {
    /// A context with the given sink and settings.
    pub fn new(events: Arc<dyn EventSink>, config: AdapterConfig) -> Self {
        AdapterContext { events, config }
    }

    /// A context that drops events and has no settings (tests, tools).
    pub fn detached() -> Self {
        AdapterContext {
            events: Arc::new(crate::NullEventSink),
            config: AdapterConfig::new(),
        }
    }
}

impl fmt::Debug for AdapterContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterContext")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// An adapter's factory could not build it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// Its settings are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A network-interface adapter failed to start.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// A transport adapter failed to start.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// An authenticator failed to start.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Builds a network interface.
pub type NetworkFactory = fn(&AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError>;
/// Builds a transport.
pub type TransportFactory = fn(&AdapterContext) -> Result<Box<dyn Transport>, AdapterError>;
/// Builds an authenticator.
pub type AuthFactory = fn(&AdapterContext) -> Result<Box<dyn Authenticator>, AdapterError>;

/// The three kinds of adapter chosen by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdapterKind {
    /// A [`NetworkInterface`].
    Network,
    /// A [`Transport`].
    Transport,
    /// An [`Authenticator`].
    Authenticator,
}

impl fmt::Display for AdapterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdapterKind::Network => "network",
            AdapterKind::Transport => "transport",
            AdapterKind::Authenticator => "authentication",
        })
    }
}

/// The factory of a descriptor, by kind.
#[derive(Clone, Copy)]
enum Factory {
    Network(NetworkFactory),
    Transport(TransportFactory),
    Authenticator(AuthFactory),
}

/// A built-in adapter: its name, a one-line summary and its factory.
/// Adapter crates submit one with `hologram_ports::inventory::submit!`.
#[derive(Clone, Copy)]
pub struct AdapterDescriptor {
    /// The name users pick it by (`wifi`, `cloud`, `totp`, ...).
    pub name: &'static str,
    /// One line saying what it is.
    pub summary: &'static str,
    factory: Factory,
}

impl AdapterDescriptor {
    /// Describes a network-interface adapter.
    pub const fn network(name: &'static str, summary: &'static str, f: NetworkFactory) -> Self {
        AdapterDescriptor {
            name,
            summary,
            factory: Factory::Network(f),
        }
    }

    /// Describes a transport adapter.
    pub const fn transport(name: &'static str, summary: &'static str, f: TransportFactory) -> Self {
        AdapterDescriptor {
            name,
            summary,
            factory: Factory::Transport(f),
        }
    }

    /// Describes an authenticator adapter.
    pub const fn authenticator(name: &'static str, summary: &'static str, f: AuthFactory) -> Self {
        AdapterDescriptor {
            name,
            summary,
            factory: Factory::Authenticator(f),
        }
    }

    /// Which kind of adapter it builds.
    pub fn kind(&self) -> AdapterKind {
        match self.factory {
            Factory::Network(_) => AdapterKind::Network,
            Factory::Transport(_) => AdapterKind::Transport,
            Factory::Authenticator(_) => AdapterKind::Authenticator,
        }
    }

    /// Its factory, if it builds network interfaces.
    pub fn network_factory(&self) -> Option<NetworkFactory> {
        match self.factory {
            Factory::Network(f) => Some(f),
            _ => None,
        }
    }

    /// Its factory, if it builds transports.
    pub fn transport_factory(&self) -> Option<TransportFactory> {
        match self.factory {
            Factory::Transport(f) => Some(f),
            _ => None,
        }
    }

    /// Its factory, if it builds authenticators.
    pub fn auth_factory(&self) -> Option<AuthFactory> {
        match self.factory {
            Factory::Authenticator(f) => Some(f),
            _ => None,
        }
    }
}

impl fmt::Debug for AdapterDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterDescriptor")
            .field("name", &self.name)
            .field("kind", &self.kind())
            .field("summary", &self.summary)
            .finish()
    }
}

inventory::collect!(AdapterDescriptor);
