//! The adapter registry: names → factories, for each kind of adapter.
//!
//! Built-in adapters register themselves with `inventory` (see
//! [`hologram_ports::AdapterDescriptor`]); [`Registry::builtin`] collects
//! them once into an immutable map. A [`Registry`] is a value: each
//! [`Hologram`](crate::Hologram) owns a copy, and plugins loaded at run time
//! are added to that copy only.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use hologram_ports::{
    AdapterContext, AdapterDescriptor, AdapterError, AdapterKind, Authenticator, NetworkInterface,
    Transport,
};

/// Builds a network interface (a built-in factory or a loaded plugin).
pub type NetworkMaker =
    Arc<dyn Fn(&AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError> + Send + Sync>;
/// Builds a transport.
pub type TransportMaker =
    Arc<dyn Fn(&AdapterContext) -> Result<Box<dyn Transport>, AdapterError> + Send + Sync>;
/// Builds an authenticator.
pub type AuthMaker =
    Arc<dyn Fn(&AdapterContext) -> Result<Box<dyn Authenticator>, AdapterError> + Send + Sync>;

#[derive(Clone)]
enum Maker {
    Network(NetworkMaker),
    Transport(TransportMaker),
    Authenticator(AuthMaker),
}

impl Maker {
    fn kind(&self) -> AdapterKind {
        match self {
            Maker::Network(_) => AdapterKind::Network,
            Maker::Transport(_) => AdapterKind::Transport,
            Maker::Authenticator(_) => AdapterKind::Authenticator,
        }
    }
}

/// Where an adapter comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Compiled into this program.
    BuiltIn,
    /// Loaded from a plugin library.
    Plugin {
        /// The library file.
        path: PathBuf,
        /// The plugin's own version string.
        version: String,
    },
}

/// One registered adapter.
#[derive(Clone)]
pub struct AdapterEntry {
    name: String,
    summary: String,
    origin: Origin,
    maker: Maker,
}

impl AdapterEntry {
    /// The name users pick it by.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// One line saying what it is.
    pub fn summary(&self) -> &str {
        &self.summary
    }
    /// Its kind.
    pub fn kind(&self) -> AdapterKind {
        self.maker.kind()
    }
    /// Where it comes from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

impl fmt::Debug for AdapterEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterEntry")
            .field("name", &self.name)
            .field("kind", &self.kind())
            .field("origin", &self.origin)
            .finish()
    }
}

/// A name could not be registered or found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No adapter of that kind has that name.
    #[error("unknown {kind} {name:?}; available: {}", if available.is_empty() { "none".to_owned() } else { available.join(", ") })]
    Unknown {
        /// The kind asked for.
        kind: AdapterKind,
        /// The name asked for.
        name: String,
        /// The names of that kind that exist.
        available: Vec<String>,
    },
    /// Two adapters of one kind claim the same name.
    #[error("two {kind} adapters are named {name:?} ({first} and {second})")]
    Duplicate {
        /// The kind.
        kind: AdapterKind,
        /// The name.
        name: String,
        /// Where the one already registered comes from.
        first: String,
        /// Where the new one comes from.
        second: String,
    },
}

fn describe(origin: &Origin) -> String {
    match origin {
        Origin::BuiltIn => "built-in".to_owned(),
        Origin::Plugin { path, .. } => format!("plugin {}", path.display()),
    }
}

/// Adapters by kind and name.
///
/// ```
/// use hologram::{Registry, AdapterKind};
/// let reg = Registry::builtin().unwrap();
/// // Asking for a name that does not exist lists the ones that do.
/// let err = reg.check(AdapterKind::Network, "no-such-net").unwrap_err();
/// assert!(err.to_string().contains("unknown network \"no-such-net\""));
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    entries: BTreeMap<(AdapterKind, String), AdapterEntry>,
}

impl Registry {
    /// A registry with no adapter.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// The built-in adapters, collected from `inventory` once per process.
    /// Fails if two built-in adapters of one kind share a name.
    pub fn builtin() -> Result<Registry, RegistryError> {
        static BUILTIN: OnceLock<Result<Registry, RegistryError>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Registry::from_descriptors(inventory::iter::<AdapterDescriptor>))
            .clone()
    }

    /// A registry from descriptors; fails on a duplicate name within a kind.
    pub fn from_descriptors<'a>(
        descriptors: impl IntoIterator<Item = &'a AdapterDescriptor>,
    ) -> Result<Registry, RegistryError> {
        let mut reg = Registry::empty();
        for d in descriptors {
            reg.register_descriptor(d)?;
        }
        Ok(reg)
    }

    /// Adds one built-in descriptor.
    pub fn register_descriptor(&mut self, d: &AdapterDescriptor) -> Result<(), RegistryError> {
        let maker = if let Some(f) = d.network_factory() {
            Maker::Network(Arc::new(f))
        } else if let Some(f) = d.transport_factory() {
            Maker::Transport(Arc::new(f))
        } else if let Some(f) = d.auth_factory() {
            Maker::Authenticator(Arc::new(f))
        } else {
            unreachable!("a descriptor always has one factory")
        };
        self.insert(d.name, d.summary, Origin::BuiltIn, maker)
    }

    /// Adds a network interface built by `maker` (how the plugin loader
    /// registers a plugin).
    pub fn register_network(
        &mut self,
        name: &str,
        summary: &str,
        origin: Origin,
        maker: NetworkMaker,
    ) -> Result<(), RegistryError> {
        self.insert(name, summary, origin, Maker::Network(maker))
    }

    /// Adds a transport built by `maker`.
    pub fn register_transport(
        &mut self,
        name: &str,
        summary: &str,
        origin: Origin,
        maker: TransportMaker,
    ) -> Result<(), RegistryError> {
        self.insert(name, summary, origin, Maker::Transport(maker))
    }

    /// Adds an authenticator built by `maker`.
    pub fn register_authenticator(
        &mut self,
        name: &str,
        summary: &str,
        origin: Origin,
        maker: AuthMaker,
    ) -> Result<(), RegistryError> {
        self.insert(name, summary, origin, Maker::Authenticator(maker))
    }

    fn insert(
        &mut self,
        name: &str,
        summary: &str,
        origin: Origin,
        maker: Maker,
    ) -> Result<(), RegistryError> {
        let key = (maker.kind(), name.to_owned());
        if let Some(existing) = self.entries.get(&key) {
            return Err(RegistryError::Duplicate {
                kind: key.0,
                name: key.1,
                first: describe(&existing.origin),
                second: describe(&origin),
            });
        }
        let entry = AdapterEntry {
            name: name.to_owned(),
            summary: summary.to_owned(),
            origin,
            maker,
        };
        self.entries.insert(key, entry);
        Ok(())
    }

    /// Every adapter, sorted by kind then name.
    pub fn entries(&self) -> impl Iterator<Item = &AdapterEntry> {
        self.entries.values()
    }

    /// The names of one kind, sorted.
    pub fn names(&self, kind: AdapterKind) -> Vec<String> {
        self.entries
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.clone())
            .collect()
    }

    /// The entry for a name, or an error listing the names of that kind.
    pub fn check(&self, kind: AdapterKind, name: &str) -> Result<&AdapterEntry, RegistryError> {
        self.entries
            .get(&(kind, name.to_owned()))
            .ok_or_else(|| RegistryError::Unknown {
                kind,
                name: name.to_owned(),
                available: self.names(kind),
            })
    }

    /// Builds the network interface named `name`.
    pub fn make_network(
        &self,
        name: &str,
        ctx: &AdapterContext,
    ) -> Result<Box<dyn NetworkInterface>, crate::Error> {
        match &self.check(AdapterKind::Network, name)?.maker {
            Maker::Network(f) => {
                f(ctx).map_err(|e| crate::Error::adapter(AdapterKind::Network, name, e))
            }
            _ => unreachable!("entries are keyed by kind"),
        }
    }

    /// Builds the transport named `name`.
    pub fn make_transport(
        &self,
        name: &str,
        ctx: &AdapterContext,
    ) -> Result<Box<dyn Transport>, crate::Error> {
        match &self.check(AdapterKind::Transport, name)?.maker {
            Maker::Transport(f) => {
                f(ctx).map_err(|e| crate::Error::adapter(AdapterKind::Transport, name, e))
            }
            _ => unreachable!("entries are keyed by kind"),
        }
    }

    /// Builds the authenticator named `name`.
    pub fn make_authenticator(
        &self,
        name: &str,
        ctx: &AdapterContext,
    ) -> Result<Box<dyn Authenticator>, crate::Error> {
        match &self.check(AdapterKind::Authenticator, name)?.maker {
            Maker::Authenticator(f) => {
                f(ctx).map_err(|e| crate::Error::adapter(AdapterKind::Authenticator, name, e))
            }
            _ => unreachable!("entries are keyed by kind"),
        }
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.values()).finish()
    }
}
