//! The adapter registry: names → factories, for each kind of adapter.
//!
//! Built-in adapters register themselves with `inventory` (see
//! [`hologram_ports::AdapterDescriptor`]); [`Registry::builtin`] collects
//! them once into an immutable map. A [`Registry`] is a value: each
//! [`Hologram`](crate::Hologram) owns a copy, and plugins loaded at run time
//! are added to that copy only.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use hologram_ports::{
    AdapterContext, AdapterDescriptor, AdapterError, AdapterKind, AnyFactory, Port,
};

/// Builds one adapter of port `P` (`dyn NetworkInterface`, `dyn Transport`,
/// `dyn Authenticator`, `dyn Outbox`): a built-in factory, a closure of
/// yours, or a loaded plugin.
pub type SharedFactory<P> =
    Arc<dyn Fn(&AdapterContext) -> Result<Box<P>, AdapterError> + Send + Sync>;

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
    kind: AdapterKind,
    /// The [`SharedFactory`] of the port of `kind`.
    factory: Arc<dyn Any + Send + Sync>,
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
        self.kind
    }
    /// Where it comes from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
    /// Its factory, if it builds port `P`.
    pub fn factory<P: Port + ?Sized>(&self) -> Option<&SharedFactory<P>> {
        self.factory.downcast_ref()
    }
}

impl fmt::Debug for AdapterEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterEntry")
            .field("name", &self.name)
            .field("kind", &self.kind)
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
        fn shared<P: Port + ?Sized>(f: hologram_ports::Factory<P>) -> SharedFactory<P> {
            Arc::new(f)
        }
        let (name, summary, origin) = (d.name, d.summary, Origin::BuiltIn);
        match d.factory() {
            AnyFactory::Network(f) => self.register(name, summary, origin, shared(f)),
            AnyFactory::Transport(f) => self.register(name, summary, origin, shared(f)),
            AnyFactory::Authenticator(f) => self.register(name, summary, origin, shared(f)),
            AnyFactory::Outbox(f) => self.register(name, summary, origin, shared(f)),
        }
    }

    /// Adds an adapter of port `P` built by `factory` (how the plugin
    /// loader registers a plugin, and how a program adds its own):
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hologram::{MemoryOutbox, Origin, Outbox, Registry};
    ///
    /// let mut reg = Registry::empty();
    /// reg.register::<dyn Outbox>("small", "a tiny outbox", Origin::BuiltIn,
    ///     Arc::new(|_ctx| Ok(Box::new(MemoryOutbox::with_capacity(8)))))
    ///     .unwrap();
    /// assert_eq!(reg.names(hologram::AdapterKind::Outbox), ["small"]);
    /// ```
    pub fn register<P: Port + ?Sized>(
        &mut self,
        name: &str,
        summary: &str,
        origin: Origin,
        factory: SharedFactory<P>,
    ) -> Result<(), RegistryError> {
        let key = (P::KIND, name.to_owned());
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
            kind: P::KIND,
            factory: Arc::new(factory),
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

    /// The factory of the adapter of port `P` named `name`, or an error
    /// listing the names of that kind.
    pub fn factory<P: Port + ?Sized>(&self, name: &str) -> Result<SharedFactory<P>, RegistryError> {
        let entry = self.check(P::KIND, name)?;
        // Entries are keyed by kind and each kind has one port, so the
        // factory is of `P`; a mismatch reads as an unknown name.
        entry
            .factory::<P>()
            .cloned()
            .ok_or_else(|| RegistryError::Unknown {
                kind: P::KIND,
                name: name.to_owned(),
                available: self.names(P::KIND),
            })
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.values()).finish()
    }
}

impl Registry {
    /// The kinds of adapter a registry holds, in the order
    /// [`entries`](Self::entries) lists them.
    pub const KINDS: [AdapterKind; 4] = [
        AdapterKind::Network,
        AdapterKind::Transport,
        AdapterKind::Authenticator,
        AdapterKind::Outbox,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use hologram_ports::{Authenticator, NetworkInterface, Outbox, Transport};

    fn no_outbox(_: &AdapterContext) -> Result<Box<dyn Outbox>, AdapterError> {
        Err(AdapterError::Outbox(hologram_ports::OutboxError::Damaged {
            detail: "test".into(),
        }))
    }

    #[test]
    fn every_kind_goes_through_one_path() {
        fn net(_: &AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError> {
            Err(AdapterError::Network(
                hologram_ports::NetworkError::NotConnected,
            ))
        }
        fn tr(_: &AdapterContext) -> Result<Box<dyn Transport>, AdapterError> {
            Err(AdapterError::Network(
                hologram_ports::NetworkError::NotConnected,
            ))
        }
        fn au(_: &AdapterContext) -> Result<Box<dyn Authenticator>, AdapterError> {
            Err(AdapterError::Network(
                hologram_ports::NetworkError::NotConnected,
            ))
        }
        let ds = [
            AdapterDescriptor::network("x", "n", net),
            AdapterDescriptor::transport("x", "t", tr),
            AdapterDescriptor::authenticator("x", "a", au),
            AdapterDescriptor::outbox("x", "o", no_outbox),
        ];
        let reg = Registry::from_descriptors(&ds).unwrap();
        for kind in Registry::KINDS {
            assert_eq!(reg.names(kind), ["x"], "{kind}");
        }
        let make = reg.factory::<dyn Outbox>("x").unwrap();
        let err = make(&AdapterContext::detached()).unwrap_err();
        assert_eq!(err.to_string(), "the outbox's state is damaged: test");
        assert!(reg.factory::<dyn Transport>("x").is_ok());
        let err = reg.factory::<dyn Outbox>("file").err().unwrap();
        assert_eq!(err.to_string(), "unknown outbox \"file\"; available: x");
    }

    #[test]
    fn a_duplicate_names_both_origins() {
        let mut reg = Registry::empty();
        reg.register_descriptor(&AdapterDescriptor::outbox("file", "o", no_outbox))
            .unwrap();
        let err = reg
            .register::<dyn Outbox>(
                "file",
                "again",
                Origin::Plugin {
                    path: "/p/libfile.so".into(),
                    version: "1".into(),
                },
                Arc::new(no_outbox),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "two outbox adapters are named \"file\" (built-in and plugin /p/libfile.so)"
        );
    }
}
