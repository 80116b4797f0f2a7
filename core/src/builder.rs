//! The builder of [`Hologram`]: which adapters, with which settings, and
//! their validation when it builds.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterError, AdapterKind, Authenticator, ConfigError,
    Credentials, EventSink, NetworkInterface, Outbox, Port, Transport,
};

use crate::clock::{Clock, SystemClock};
use crate::delivery::{Dispatcher, Settings};
use crate::events::EventBus;
use crate::hologram::Hologram;
use crate::outbox::MemoryOutbox;
use crate::registry::{Registry, SharedFactory};
use crate::retry::RetryPolicy;
use crate::Error;

/// The name the durable outbox registers under, which
/// [`HologramBuilder::outbox_dir`] selects.
const FILE_OUTBOX: &str = "file";

/// One adapter chosen for a port: by name from the registry, or built by
/// the caller's factory under that name.
struct Selection<P: Port + ?Sized> {
    name: String,
    factory: Option<SharedFactory<P>>,
    config: AdapterConfig,
}

impl<P: Port + ?Sized> Selection<P> {
    fn named(name: &str) -> Self {
        Selection {
            name: name.to_owned(),
            factory: None,
            config: AdapterConfig::new(),
        }
    }

    fn choose(&mut self, name: &str, factory: Option<SharedFactory<P>>) {
        self.name = name.to_owned();
        self.factory = factory;
    }

    /// Finds (or takes) the factory and builds the adapter.
    fn start(
        self,
        registry: &Registry,
        events: &Arc<dyn EventSink>,
    ) -> Result<(Box<P>, String), Error> {
        let ctx = AdapterContext::new(events.clone(), self.config);
        let factory = match self.factory {
            Some(f) => f,
            None => registry.factory::<P>(&self.name)?,
        };
        let adapter = factory(&ctx).map_err(|e| Error::adapter(P::KIND, &self.name, e))?;
        Ok((adapter, self.name))
    }
}

/// Builds a [`Hologram`].
///
/// Defaults: empty credentials; no managed network (the host's
/// connectivity is taken as given); the `cloud` transport (to
/// `cloudsocket.hologram.io:9999`) with `csrpsk` authentication; adapters
/// from [`Registry::builtin`] and no plugins; an in-memory [`MemoryOutbox`]
/// of [`MemoryOutbox::DEFAULT_CAPACITY`] messages; [`RetryPolicy::default`];
/// ordered delivery; a new [`EventBus`]; the [`SystemClock`].
///
/// ```
/// use hologram::{Hologram, Credentials};
///
/// let err = Hologram::builder()
///     .credentials(Credentials::with_devicekey("12345678").unwrap())
///     .network("no-such-network")
///     .build()
///     .unwrap_err();
/// assert!(err.to_string().contains("unknown network \"no-such-network\""));
/// ```
pub struct HologramBuilder {
    credentials: Credentials,
    network: Option<Selection<dyn NetworkInterface>>,
    network_config: AdapterConfig,
    transport: Selection<dyn Transport>,
    auth: Selection<dyn Authenticator>,
    outbox_port: Option<Box<dyn Outbox>>,
    outbox: Option<Selection<dyn Outbox>>,
    outbox_dir: Option<PathBuf>,
    registry: Option<Registry>,
    events: Option<Arc<EventBus>>,
    retry: RetryPolicy,
    ordered: bool,
    clock: Box<dyn Clock>,
    /// The directories to load network plugins from.
    plugins: crate::plugins::PluginDirs,
}

impl Default for HologramBuilder {
    fn default() -> Self {
        HologramBuilder {
            credentials: Credentials::default(),
            network: None,
            network_config: AdapterConfig::new(),
            transport: Selection::named("cloud"),
            auth: Selection::named("csrpsk"),
            outbox_port: None,
            outbox: None,
            outbox_dir: None,
            registry: None,
            events: None,
            retry: RetryPolicy::default(),
            ordered: true,
            clock: Box::new(SystemClock),
            plugins: Default::default(),
        }
    }
}

impl Hologram {
    /// A builder; see [`HologramBuilder`].
    pub fn builder() -> HologramBuilder {
        HologramBuilder::default()
    }

    /// The Python constructor: `Hologram(credentials, 'wifi', 'raw', 'csrpsk')`.
    /// `network` may be empty for none.
    pub fn new(
        credentials: Credentials,
        network: &str,
        transport: &str,
        authentication: &str,
    ) -> Result<Hologram, Error> {
        Hologram::builder()
            .credentials(credentials)
            .network(network)
            .transport(transport)
            .authentication(authentication)
            .build()
    }
}

/// A factory closure as the registry keeps it.
fn shared<P: Port + ?Sized>(
    f: impl Fn(&AdapterContext) -> Result<Box<P>, AdapterError> + Send + Sync + 'static,
) -> SharedFactory<P> {
    Arc::new(f)
}

impl HologramBuilder {
    /// The device's credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// The network interface, by registered name (`wifi`, `sim`, a plugin's
    /// name). An empty name or `none` means the SDK manages no network and
    /// takes the host's connectivity as given.
    pub fn network(mut self, name: &str) -> Self {
        self.network = match name {
            "" | "none" => None,
            n => Some(Selection::named(n)),
        };
        self
    }

    /// A network interface built by your own factory, under `name`.
    pub fn network_with(
        mut self,
        name: &str,
        make: impl Fn(&AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        let mut selection = Selection::named(name);
        selection.factory = Some(shared(make));
        self.network = Some(selection);
        self
    }

    /// The transport, by name: `cloud` (the Hologram cloud) or `raw` (your server).
    pub fn transport(mut self, name: &str) -> Self {
        self.transport.choose(name, None);
        self
    }

    /// A transport built by your own factory, under `name`.
    pub fn transport_with(
        mut self,
        name: &str,
        make: impl Fn(&AdapterContext) -> Result<Box<dyn Transport>, AdapterError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.transport.choose(name, Some(shared(make)));
        self
    }

    /// The authentication, by name: `csrpsk` or `totp`.
    pub fn authentication(mut self, name: &str) -> Self {
        self.auth.choose(name, None);
        self
    }

    /// An authenticator built by your own factory, under `name`.
    pub fn authentication_with(
        mut self,
        name: &str,
        make: impl Fn(&AdapterContext) -> Result<Box<dyn Authenticator>, AdapterError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.auth.choose(name, Some(shared(make)));
        self
    }

    /// Settings for the network interface (`ssid`, `interface`, ...).
    pub fn network_config(mut self, config: AdapterConfig) -> Self {
        self.network_config = config;
        self
    }

    /// Settings for the transport (`host`, `port`, `timeout`, ...).
    pub fn transport_config(mut self, config: AdapterConfig) -> Self {
        self.transport.config = config;
        self
    }

    /// Settings for the authenticator.
    pub fn authentication_config(mut self, config: AdapterConfig) -> Self {
        self.auth.config = config;
        self
    }

    /// Where the transport sends (a relay, a simulator, your raw server).
    /// The `cloud` transport otherwise sends to `cloudsocket.hologram.io:9999`.
    pub fn endpoint(mut self, host: &str, port: u16) -> Self {
        self.transport.config.set("host", host);
        self.transport.config.set("port", port.to_string());
        self
    }

    /// The registry to find adapters in (default: the built-in adapters).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Loads the network plugins (`*.so`) of `dir` into this instance's
    /// registry when it is built; may be given several times. A library
    /// that cannot be used is skipped with a warning and listed in
    /// [`Hologram::plugin_failures`]. See [`crate::plugins`].
    pub fn plugins_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.plugins.add(dir.into());
        self
    }

    /// Also loads the plugins of the directories in `HOLOGRAM_PLUGINS_DIR`
    /// (`:`-separated) or, when it is unset, of the default directory
    /// (`$XDG_DATA_HOME/hologram/plugins`) if it exists. See
    /// [`crate::plugins`].
    pub fn plugins_from_env(mut self) -> Self {
        self.plugins.add_from_env();
        self
    }

    /// The outbox itself (default: an in-memory [`MemoryOutbox`]). Wins
    /// over [`outbox_named`](Self::outbox_named) and
    /// [`outbox_dir`](Self::outbox_dir).
    pub fn outbox(mut self, outbox: Box<dyn Outbox>) -> Self {
        self.outbox_port = Some(outbox);
        self
    }

    /// An outbox adapter, by registered name, with its settings (the
    /// durable `file` outbox takes `dir`, the directory to keep it in).
    pub fn outbox_named(mut self, name: &str, config: AdapterConfig) -> Self {
        let mut selection = Selection::named(name);
        selection.config = config;
        self.outbox = Some(selection);
        self
    }

    /// How failed deliveries are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Where the SDK reads the time and waits between attempts (default:
    /// the [`SystemClock`]; tests give a [`ManualClock`](crate::ManualClock)).
    pub fn clock(mut self, clock: Box<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Keeps the outbox in `dir`, durably: every accepted message is synced
    /// to disk before it is sent and stays there until the cloud gives a
    /// final answer, across crashes and restarts. Selects the registered
    /// `file` outbox (the `outbox` feature's `hologram-outbox` crate, with
    /// its defaults) with the setting `dir`; an outbox given to
    /// [`outbox`](Self::outbox) or [`outbox_named`](Self::outbox_named)
    /// wins over this directory.
    pub fn outbox_dir(mut self, dir: impl AsRef<std::path::Path>) -> Self {
        self.outbox_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Whether queued messages must reach the server strictly in the order
    /// they were accepted (default: yes, as the Python SDK). A flush then
    /// sends one message at a time and stops at the first failure. With
    /// `false`, after the oldest message went through, a flush hands the
    /// transport a whole chunk, which `raw` and `cloud` send concurrently:
    /// several times faster, and every message still arrives (each in its
    /// own payload, with its own reply and receipt), but not necessarily in
    /// order (a message that needed a retry may arrive after younger ones).
    pub fn ordered_delivery(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }

    /// Shares an existing event bus (default: a new one).
    pub fn event_bus(mut self, bus: Arc<EventBus>) -> Self {
        self.events = Some(bus);
        self
    }

    /// The outbox selection: the one given, else the `file` outbox in the
    /// directory given, else none (the memory outbox).
    fn outbox_selection(&mut self) -> Result<Option<Selection<dyn Outbox>>, Error> {
        if let Some(selection) = self.outbox.take() {
            return Ok(Some(selection));
        }
        let Some(dir) = self.outbox_dir.take() else {
            return Ok(None);
        };
        // Settings are text: a directory whose name is not UTF-8 cannot be
        // passed on without changing it.
        let Some(dir) = dir.to_str() else {
            return Err(Error::adapter(
                AdapterKind::Outbox,
                FILE_OUTBOX,
                AdapterError::Config(ConfigError::Invalid {
                    key: "dir".to_owned(),
                    reason: format!("{} is not valid UTF-8", dir.display()),
                }),
            ));
        };
        let mut selection = Selection::named(FILE_OUTBOX);
        selection.config.set("dir", dir);
        Ok(Some(selection))
    }

    /// Builds the SDK: finds each adapter by name and starts it.
    pub fn build(mut self) -> Result<Hologram, Error> {
        let outbox = self.outbox_selection()?;
        let mut registry = match self.registry {
            Some(r) => r,
            None => Registry::builtin()?,
        };
        // Plugins go into this instance's copy of the registry only.
        let plugin_failures = self.plugins.load_into(&mut registry);
        let events = self.events.unwrap_or_default();
        let sink: Arc<dyn EventSink> = events.clone();

        let network = match self.network {
            None => None,
            Some(mut selection) => {
                selection.config = self.network_config;
                Some(selection.start(&registry, &sink)?)
            }
        };
        let transport = self.transport.start(&registry, &sink)?;
        let auth = self.auth.start(&registry, &sink)?;
        let outbox = match (self.outbox_port, outbox) {
            (Some(outbox), _) => outbox,
            (None, Some(selection)) => selection.start(&registry, &sink)?.0,
            (None, None) => Box::new(MemoryOutbox::default()),
        };
        let dispatcher = Dispatcher::new(
            self.credentials,
            transport,
            auth,
            events.clone(),
            Settings {
                retry: self.retry,
                ordered: self.ordered,
                clock: self.clock,
            },
        );
        Hologram::assemble(
            network,
            events,
            outbox,
            dispatcher,
            registry,
            plugin_failures,
        )
    }
}

impl fmt::Debug for HologramBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HologramBuilder")
            .field("credentials", &self.credentials)
            .field("network", &self.network.as_ref().map(|s| &s.name))
            .field("transport", &self.transport.name)
            .field("authentication", &self.auth.name)
            .field("outbox", &self.outbox_port)
            .field("outbox_name", &self.outbox.as_ref().map(|s| &s.name))
            .field("outbox_dir", &self.outbox_dir)
            .finish_non_exhaustive()
    }
}
