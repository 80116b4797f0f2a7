//! Registration of adapters by name: the descriptor adapters submit with
//! `inventory`, and the context their factory receives.

use std::fmt;
use std::sync::Arc;

use crate::{
    AdapterConfig, AuthError, Authenticator, ConfigError, EventSink, NetworkError,
    NetworkInterface, Outbox, OutboxError, Transport, TransportError,
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
    /// An outbox could not be opened.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

/// Builds one adapter of port `P` from its context: what an adapter crate
/// registers (`P` is `dyn NetworkInterface`, `dyn Transport`,
/// `dyn Authenticator` or `dyn Outbox`).
pub type Factory<P> = fn(&AdapterContext) -> Result<Box<P>, AdapterError>;
/// Builds a network interface.
pub type NetworkFactory = Factory<dyn NetworkInterface>;
/// Builds a transport.
pub type TransportFactory = Factory<dyn Transport>;
/// Builds an authenticator.
pub type AuthFactory = Factory<dyn Authenticator>;
/// Builds an outbox.
pub type OutboxFactory = Factory<dyn Outbox>;

/// The kinds of adapter chosen by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdapterKind {
    /// A [`NetworkInterface`].
    Network,
    /// A [`Transport`].
    Transport,
    /// An [`Authenticator`].
    Authenticator,
    /// An [`Outbox`].
    Outbox,
}

impl fmt::Display for AdapterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdapterKind::Network => "network",
            AdapterKind::Transport => "transport",
            AdapterKind::Authenticator => "authentication",
            AdapterKind::Outbox => "outbox",
        })
    }
}

/// A port whose adapters are chosen by name: implemented for the port's
/// trait object (`dyn NetworkInterface`, ...), so a registry can be generic
/// over the port.
///
/// Adding a kind of adapter takes: a variant of [`AdapterKind`] and of
/// [`AnyFactory`], a constructor of [`AdapterDescriptor`], and an `impl
/// Port` here; the core's registry handles it from there.
pub trait Port: Send + 'static {
    /// The kind of adapter that implements this port.
    const KIND: AdapterKind;

    /// The factory in `any`, if it builds this port.
    fn factory(any: AnyFactory) -> Option<Factory<Self>>;
}

impl Port for dyn NetworkInterface {
    const KIND: AdapterKind = AdapterKind::Network;
    fn factory(any: AnyFactory) -> Option<Factory<Self>> {
        match any {
            AnyFactory::Network(f) => Some(f),
            _ => None,
        }
    }
}

impl Port for dyn Transport {
    const KIND: AdapterKind = AdapterKind::Transport;
    fn factory(any: AnyFactory) -> Option<Factory<Self>> {
        match any {
            AnyFactory::Transport(f) => Some(f),
            _ => None,
        }
    }
}

impl Port for dyn Authenticator {
    const KIND: AdapterKind = AdapterKind::Authenticator;
    fn factory(any: AnyFactory) -> Option<Factory<Self>> {
        match any {
            AnyFactory::Authenticator(f) => Some(f),
            _ => None,
        }
    }
}

impl Port for dyn Outbox {
    const KIND: AdapterKind = AdapterKind::Outbox;
    fn factory(any: AnyFactory) -> Option<Factory<Self>> {
        match any {
            AnyFactory::Outbox(f) => Some(f),
            _ => None,
        }
    }
}

/// The factory of a descriptor, whatever port it builds.
#[derive(Clone, Copy, Debug)]
pub enum AnyFactory {
    /// Builds network interfaces.
    Network(NetworkFactory),
    /// Builds transports.
    Transport(TransportFactory),
    /// Builds authenticators.
    Authenticator(AuthFactory),
    /// Builds outboxes.
    Outbox(OutboxFactory),
}

impl AnyFactory {
    /// The kind of adapter it builds.
    pub fn kind(&self) -> AdapterKind {
        match self {
            AnyFactory::Network(_) => AdapterKind::Network,
            AnyFactory::Transport(_) => AdapterKind::Transport,
            AnyFactory::Authenticator(_) => AdapterKind::Authenticator,
            AnyFactory::Outbox(_) => AdapterKind::Outbox,
        }
    }
}

/// A built-in adapter: its name, a one-line summary and its factory.
/// Adapter crates submit one with `hologram_ports::inventory::submit!`.
#[derive(Clone, Copy)]
pub struct AdapterDescriptor {
    /// The name users pick it by (`wifi`, `cloud`, `totp`, ...).
    pub name: &'static str,
    /// One line saying what it is.
    pub summary: &'static str,
    factory: AnyFactory,
}

impl AdapterDescriptor {
    /// Describes a network-interface adapter.
    pub const fn network(name: &'static str, summary: &'static str, f: NetworkFactory) -> Self {
        Self::new(name, summary, AnyFactory::Network(f))
    }

    /// Describes a transport adapter.
    pub const fn transport(name: &'static str, summary: &'static str, f: TransportFactory) -> Self {
        Self::new(name, summary, AnyFactory::Transport(f))
    }

    /// Describes an authenticator adapter.
    pub const fn authenticator(name: &'static str, summary: &'static str, f: AuthFactory) -> Self {
        Self::new(name, summary, AnyFactory::Authenticator(f))
    }

    /// Describes an outbox adapter (its settings come from
    /// [`AdapterContext::config`], e.g. `dir` for a durable one).
    pub const fn outbox(name: &'static str, summary: &'static str, f: OutboxFactory) -> Self {
        Self::new(name, summary, AnyFactory::Outbox(f))
    }

    /// Describes an adapter of any kind.
    pub const fn new(name: &'static str, summary: &'static str, factory: AnyFactory) -> Self {
        AdapterDescriptor {
            name,
            summary,
            factory,
        }
    }

    /// Which kind of adapter it builds.
    pub fn kind(&self) -> AdapterKind {
        self.factory.kind()
    }

    /// Its factory.
    pub fn factory(&self) -> AnyFactory {
        self.factory
    }

    /// Its factory, if it builds port `P`:
    /// `descriptor.factory_for::<dyn Transport>()`.
    pub fn factory_for<P: Port + ?Sized>(&self) -> Option<Factory<P>> {
        P::factory(self.factory)
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
