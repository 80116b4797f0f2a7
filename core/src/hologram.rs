//! The facade: [`Hologram`] and its builder.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterKind, AuthError, Authenticator, Credentials, Event,
    EventSink, Message, NetworkInterface, Outbox, Queued, Reply, ResultCode, Sms, Transport,
    TransportError,
};

use crate::events::{EventBus, SubscriptionId};
use crate::outbox::MemoryOutbox;
use crate::receipt::{Delivery, Receipt};
use crate::registry::{AuthMaker, NetworkMaker, Registry, TransportMaker};
use crate::retry::{Jitter, RetryPolicy};
use crate::Error;

/// How many queued messages one flush round encodes and hands to the
/// transport at once: bounds the memory a flush needs.
const FLUSH_CHUNK: usize = 1024;

/// Longest wait for the next one-time-password window before giving up on
/// encoding a message now (it stays queued).
const MAX_WINDOW_WAIT: Duration = Duration::from_secs(120);

enum Choice<M> {
    Name(String),
    Maker(String, M),
}

impl<M> Choice<M> {
    fn name(&self) -> &str {
        match self {
            Choice::Name(n) | Choice::Maker(n, _) => n,
        }
    }
}

/// Builds a [`Hologram`].
///
/// Defaults: empty credentials; no managed network (the host's
/// connectivity is taken as given); the `cloud` transport (to
/// `cloudsocket.hologram.io:9999`) with `csrpsk` authentication; adapters
/// from [`Registry::builtin`] and no plugins; an in-memory [`MemoryOutbox`]
/// of [`MemoryOutbox::DEFAULT_CAPACITY`] messages; [`RetryPolicy::default`];
/// ordered delivery; a new [`EventBus`].
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
    network: Option<Choice<NetworkMaker>>,
    transport: Choice<TransportMaker>,
    auth: Choice<AuthMaker>,
    network_config: AdapterConfig,
    transport_config: AdapterConfig,
    auth_config: AdapterConfig,
    registry: Option<Registry>,
    outbox: Option<Box<dyn Outbox>>,
    events: Option<Arc<EventBus>>,
    retry: RetryPolicy,
    ordered: bool,
    #[cfg(feature = "outbox")]
    outbox_dir: Option<std::path::PathBuf>,
    /// The directories to load network plugins from.
    plugins: crate::plugins::PluginDirs,
}

impl Default for HologramBuilder {
    fn default() -> Self {
        HologramBuilder {
            credentials: Credentials::default(),
            network: None,
            transport: Choice::Name("cloud".to_owned()),
            auth: Choice::Name("csrpsk".to_owned()),
            network_config: AdapterConfig::new(),
            transport_config: AdapterConfig::new(),
            auth_config: AdapterConfig::new(),
            registry: None,
            outbox: None,
            events: None,
            retry: RetryPolicy::default(),
            ordered: true,
            #[cfg(feature = "outbox")]
            outbox_dir: None,
            plugins: Default::default(),
        }
    }
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
            n => Some(Choice::Name(n.to_owned())),
        };
        self
    }

    /// A network interface built by your own factory, under `name`.
    pub fn network_with(
        mut self,
        name: &str,
        make: impl Fn(&AdapterContext) -> Result<Box<dyn NetworkInterface>, hologram_ports::AdapterError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.network = Some(Choice::Maker(name.to_owned(), Arc::new(make)));
        self
    }

    /// The transport, by name: `cloud` (the Hologram cloud) or `raw` (your server).
    pub fn transport(mut self, name: &str) -> Self {
        self.transport = Choice::Name(name.to_owned());
        self
    }

    /// A transport built by your own factory, under `name`.
    pub fn transport_with(
        mut self,
        name: &str,
        make: impl Fn(&AdapterContext) -> Result<Box<dyn Transport>, hologram_ports::AdapterError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.transport = Choice::Maker(name.to_owned(), Arc::new(make));
        self
    }

    /// The authentication, by name: `csrpsk` or `totp`.
    pub fn authentication(mut self, name: &str) -> Self {
        self.auth = Choice::Name(name.to_owned());
        self
    }

    /// An authenticator built by your own factory, under `name`.
    pub fn authentication_with(
        mut self,
        name: &str,
        make: impl Fn(&AdapterContext) -> Result<Box<dyn Authenticator>, hologram_ports::AdapterError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.auth = Choice::Maker(name.to_owned(), Arc::new(make));
        self
    }

    /// Settings for the network interface (`ssid`, `interface`, ...).
    pub fn network_config(mut self, config: AdapterConfig) -> Self {
        self.network_config = config;
        self
    }

    /// Settings for the transport (`host`, `port`, `timeout`, ...).
    pub fn transport_config(mut self, config: AdapterConfig) -> Self {
        self.transport_config = config;
        self
    }

    /// Settings for the authenticator.
    pub fn authentication_config(mut self, config: AdapterConfig) -> Self {
        self.auth_config = config;
        self
    }

    /// Where the transport sends (a relay, a simulator, your raw server).
    /// The `cloud` transport otherwise sends to `cloudsocket.hologram.io:9999`.
    pub fn endpoint(mut self, host: &str, port: u16) -> Self {
        self.transport_config.set("host", host);
        self.transport_config.set("port", port.to_string());
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
    pub fn plugins_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
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

    /// The outbox (default: an in-memory [`MemoryOutbox`]).
    pub fn outbox(mut self, outbox: Box<dyn Outbox>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// How failed deliveries are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Keeps the outbox in `dir`, durably: every accepted message is synced
    /// to disk before it is sent and stays there until the cloud gives a
    /// final answer, across crashes and restarts (see
    /// `hologram_outbox::FileOutbox`, whose defaults apply; pass one to
    /// [`outbox`](Self::outbox) to change them; an outbox given there wins
    /// over this directory).
    #[cfg(feature = "outbox")]
    pub fn outbox_dir(mut self, dir: impl AsRef<std::path::Path>) -> Self {
        self.outbox_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Whether queued messages must reach the server strictly in the order
    /// they were accepted (default: yes, as the Python SDK). A flush then
    /// sends one message at a time and stops at the first failure. With
    /// `false`, a flush hands the transport a whole chunk, which `raw` and
    /// `cloud` send concurrently: several times faster, and every message
    /// still arrives, but not necessarily in order (a message that needed a
    /// retry may arrive after younger ones). Time-based authentication
    /// (`totp`) always flushes in order.
    pub fn ordered_delivery(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }

    /// Shares an existing event bus (default: a new one).
    pub fn event_bus(mut self, bus: Arc<EventBus>) -> Self {
        self.events = Some(bus);
        self
    }

    /// Builds the SDK: finds each adapter by name and starts it.
    pub fn build(self) -> Result<Hologram, Error> {
        let mut registry = match self.registry {
            Some(r) => r,
            None => Registry::builtin()?,
        };
        // Plugins go into this instance's copy of the registry only.
        let plugin_failures = self.plugins.load_into(&mut registry);
        let events = self.events.unwrap_or_default();
        let sink: Arc<dyn EventSink> = events.clone();
        let ctx = |config: AdapterConfig| AdapterContext::new(sink.clone(), config);

        let (network, network_name) = match &self.network {
            None => (None, None),
            Some(choice) => {
                let c = ctx(self.network_config);
                let n = match choice {
                    Choice::Name(name) => registry.make_network(name, &c)?,
                    Choice::Maker(name, f) => {
                        f(&c).map_err(|e| Error::adapter(AdapterKind::Network, name, e))?
                    }
                };
                (Some(n), Some(choice.name().to_owned()))
            }
        };
        let c = ctx(self.transport_config);
        let transport = match &self.transport {
            Choice::Name(name) => registry.make_transport(name, &c)?,
            Choice::Maker(name, f) => {
                f(&c).map_err(|e| Error::adapter(AdapterKind::Transport, name, e))?
            }
        };
        let c = ctx(self.auth_config);
        let auth = match &self.auth {
            Choice::Name(name) => registry.make_authenticator(name, &c)?,
            Choice::Maker(name, f) => {
                f(&c).map_err(|e| Error::adapter(AdapterKind::Authenticator, name, e))?
            }
        };
        #[cfg(feature = "outbox")]
        let outbox = match (self.outbox, &self.outbox_dir) {
            (None, Some(dir)) => {
                Some(Box::new(hologram_outbox::FileOutbox::open(dir)?) as Box<dyn Outbox>)
            }
            (outbox, _) => outbox,
        };
        #[cfg(not(feature = "outbox"))]
        let outbox = self.outbox;
        let outbox = outbox.unwrap_or_else(|| Box::new(MemoryOutbox::default()));
        let link_came_up = Arc::new(AtomicBool::new(false));
        let flag = link_came_up.clone();
        let link_subscription = events.subscribe(Event::NetworkConnected, move |_| {
            flag.store(true, Ordering::Release)
        });
        let log_target = if transport.capabilities().result_codes {
            "Cloud"
        } else {
            "Raw"
        };
        Ok(Hologram {
            credentials: self.credentials,
            next_sequence: outbox.last_sequence() + 1,
            network,
            network_name,
            transport,
            transport_name: self.transport.name().to_owned(),
            auth,
            auth_name: self.auth.name().to_owned(),
            events,
            outbox,
            link_came_up,
            link_subscription,
            payload: Vec::with_capacity(256),
            registry,
            log_target,
            retry: self.retry,
            ordered: self.ordered,
            jitter: Jitter::seeded(),
            flushed: Vec::new(),
            scratch: Message::default(),
            last_acknowledged: None,
            plugin_failures,
        })
    }
}

impl fmt::Debug for HologramBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HologramBuilder")
            .field("credentials", &self.credentials)
            .field("network", &self.network.as_ref().map(Choice::name))
            .field("transport", &self.transport.name())
            .field("authentication", &self.auth.name())
            .finish_non_exhaustive()
    }
}

/// The Hologram SDK: the `Hologram` class of the Python SDK.
///
/// It sends messages and SMS through the chosen transport, encoded by the
/// chosen authenticator, over the chosen network interface; keeps messages
/// in its outbox while the network is down and sends them, in order, when it
/// is back; and reports what happens on its [`EventBus`].
pub struct Hologram {
    credentials: Credentials,
    network: Option<Box<dyn NetworkInterface>>,
    network_name: Option<String>,
    transport: Box<dyn Transport>,
    transport_name: String,
    auth: Box<dyn Authenticator>,
    auth_name: String,
    events: Arc<EventBus>,
    outbox: Box<dyn Outbox>,
    next_sequence: u64,
    /// Raised by the bus on `network.connected`, from whichever adapter
    /// reports it; the next call flushes the outbox.
    link_came_up: Arc<AtomicBool>,
    link_subscription: SubscriptionId,
    /// Reused for every payload, so a send allocates nothing to encode.
    payload: Vec<u8>,
    registry: Registry,
    log_target: &'static str,
    retry: RetryPolicy,
    ordered: bool,
    jitter: Jitter,
    /// Receipts of older messages flushed by a `send`, for
    /// [`Hologram::take_flushed_receipts`].
    flushed: Vec<Receipt>,
    /// The message `send_message` fills and sends, kept for its buffers.
    scratch: Message,
    last_acknowledged: Option<u64>,
    /// The plugin libraries that could not be loaded.
    plugin_failures: Vec<crate::plugins::PluginError>,
}

/// What delivering one encoded payload gave.
#[derive(Clone)]
enum Outcome {
    /// A final answer: the message leaves the outbox.
    Final(Delivery),
    /// Not delivered; keep it and try again later.
    Retry(Option<TransportError>),
    /// A queued message the authenticator can never encode (e.g. a NUL in
    /// TOTP data): it leaves the outbox, reported, instead of blocking it.
    Unencodable(AuthError),
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

    /// The SDK version (the Python `getSDKVersion()`).
    pub fn sdk_version() -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Changes the credentials (e.g. `credentials_mut().set_cloud_id(..)`).
    pub fn credentials_mut(&mut self) -> &mut Credentials {
        &mut self.credentials
    }

    /// The managed network interface, if any.
    pub fn network(&self) -> Option<&dyn NetworkInterface> {
        self.network.as_deref()
    }

    /// The managed network interface, if any, to drive directly. Events it
    /// emits still reach the bus, and a `network.connected` makes the next
    /// call flush the outbox; [`Hologram::connect`] flushes at once.
    pub fn network_mut(&mut self) -> Option<&mut (dyn NetworkInterface + 'static)> {
        self.network.as_deref_mut()
    }

    /// The name of the managed network interface, if any.
    pub fn network_name(&self) -> Option<&str> {
        self.network_name.as_deref()
    }

    /// The transport (the Python `hologram.raw`).
    pub fn transport(&self) -> &dyn Transport {
        &*self.transport
    }

    /// The transport, to set its host and port (`TransportExt::set_host`).
    pub fn transport_mut(&mut self) -> &mut (dyn Transport + 'static) {
        &mut *self.transport
    }

    /// The transport's name.
    pub fn transport_name(&self) -> &str {
        &self.transport_name
    }

    /// The authenticator's name.
    pub fn authentication_name(&self) -> &str {
        &self.auth_name
    }

    /// The event bus: subscribe, unsubscribe, broadcast.
    pub fn events(&self) -> &Arc<EventBus> {
        &self.events
    }

    /// The registry this instance found its adapters in.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The plugin libraries that could not be loaded when this instance was
    /// built, each naming its file (see [`crate::plugins`]).
    pub fn plugin_failures(&self) -> &[crate::plugins::PluginError] {
        &self.plugin_failures
    }

    /// How many messages wait in the outbox.
    pub fn pending(&self) -> usize {
        self.outbox.len()
    }

    /// The outbox.
    pub fn outbox(&self) -> &dyn Outbox {
        &*self.outbox
    }

    fn network_up(&self) -> bool {
        self.network.as_ref().is_none_or(|n| n.is_connected())
    }

    /// Connects the managed network (if any), then flushes the outbox.
    pub fn connect(&mut self) -> Result<Vec<Receipt>, Error> {
        if let Some(n) = self.network.as_mut() {
            n.connect()?;
        }
        self.flush()
    }

    /// Disconnects the managed network, if any.
    pub fn disconnect(&mut self) -> Result<(), Error> {
        if let Some(n) = self.network.as_mut() {
            n.disconnect()?;
        }
        Ok(())
    }

    /// Reconnects the managed network (if any), then flushes the outbox.
    pub fn reconnect(&mut self) -> Result<Vec<Receipt>, Error> {
        if let Some(n) = self.network.as_mut() {
            n.reconnect()?;
        }
        self.flush()
    }

    /// Sends one message with topics given as strings (the Python
    /// `sendMessage(message, topics)`).
    ///
    /// Returns a receipt: acknowledged or refused by the cloud, the raw
    /// reply, or queued in the outbox when the network is down or the
    /// transport failed (it is sent on the next flush).
    pub fn send_message<S: AsRef<str>>(
        &mut self,
        data: &str,
        topics: &[S],
    ) -> Result<Receipt, Error> {
        // One message value is reused for every call: no allocation once
        // its buffers have grown to the usual size.
        let mut msg = std::mem::take(&mut self.scratch);
        let result = msg
            .refill(data, topics)
            .map_err(Error::from)
            .and_then(|()| self.send(&msg));
        self.scratch = msg;
        result
    }

    /// Sends one message; see [`send_message`](Self::send_message).
    pub fn send(&mut self, msg: &Message) -> Result<Receipt, Error> {
        if !self.auth.capabilities().time_based {
            // Encode first: a message that can never be encoded is refused
            // now, before it is accepted into the outbox.
            self.payload.clear();
            self.auth
                .encode_message(&self.credentials, msg, &mut self.payload)?;
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let durable = self.outbox.is_durable();
        if durable {
            self.enqueue(sequence, msg)?;
        }
        if self.link_came_up.load(Ordering::Acquire) || !self.outbox_empty_besides(sequence) {
            // Older messages go first: queue this one behind them and flush.
            if !durable {
                self.enqueue(sequence, msg)?;
            }
            let mut receipt = Receipt::new(sequence, Delivery::Queued { reason: None });
            for r in self.flush()? {
                if r.sequence() == sequence {
                    receipt = r;
                } else {
                    self.flushed.push(r);
                }
            }
            if receipt.is_queued() {
                self.buffered(sequence, None);
            }
            return Ok(receipt);
        }
        if !self.network_up() {
            if !durable {
                self.enqueue(sequence, msg)?;
            }
            log::info!(target: self.log_target, "message #{sequence} buffered: the network is not connected");
            self.buffered(sequence, None);
            return Ok(Receipt::new(sequence, Delivery::Queued { reason: None }));
        }
        if self.auth.capabilities().time_based {
            if let Err(e) = self.encode_prefix(std::slice::from_ref(msg)) {
                // Refused now, as an encoding error is for other
                // authenticators: the caller hears it, so no copy stays behind.
                if durable {
                    self.outbox.remove(sequence)?;
                }
                return Err(e);
            }
        }
        let attempts = if self.auth.capabilities().time_based {
            1
        } else {
            self.retry.attempts.max(1)
        };
        match self.deliver(attempts) {
            Outcome::Retry(Some(e)) if !e.is_network_failure() => {
                // A setting is wrong (no host, ...): retrying cannot help, so
                // the caller hears it now. A durable outbox still holds it.
                Err(Error::Transport(e))
            }
            Outcome::Final(delivery) => {
                if durable {
                    self.outbox.remove(sequence)?;
                }
                self.report(sequence, &delivery);
                Ok(Receipt::new(sequence, delivery))
            }
            Outcome::Retry(reason) => {
                if !durable {
                    self.enqueue(sequence, msg)?;
                }
                self.buffered(sequence, reason.as_ref());
                Ok(Receipt::new(sequence, Delivery::Queued { reason }))
            }
            // Only flushes give it: this message was encoded above.
            Outcome::Unencodable(e) => Err(Error::Auth(e)),
        }
    }

    /// Sends several messages: all of them are accepted into the outbox at
    /// once (one write and one sync in a durable outbox) before the first
    /// is sent, then the outbox is drained. Returns one receipt per message,
    /// in the order given; receipts of older queued messages flushed on the
    /// way go to [`take_flushed_receipts`](Self::take_flushed_receipts).
    ///
    /// A message that cannot be encoded refuses the whole batch before any
    /// is accepted.
    pub fn send_all(&mut self, messages: &[Message]) -> Result<Vec<Receipt>, Error> {
        if !self.auth.capabilities().time_based {
            for msg in messages {
                self.payload.clear();
                self.auth
                    .encode_message(&self.credentials, msg, &mut self.payload)?;
            }
        }
        let first = self.next_sequence;
        let items: Vec<(u64, &Message)> = (first..).zip(messages).collect();
        for dropped in self.outbox.push_batch(&items)? {
            log::warn!(target: "Outbox", "the outbox is full: dropped message #{}", dropped.sequence);
            self.events.broadcast(Event::MessageDropped);
        }
        self.next_sequence += messages.len() as u64;
        let end = self.next_sequence;
        let mut receipts: Vec<Receipt> = (first..end)
            .map(|s| Receipt::new(s, Delivery::Queued { reason: None }))
            .collect();
        for r in self.flush()? {
            match r.sequence().checked_sub(first) {
                Some(i) if r.sequence() < end => receipts[i as usize] = r,
                _ => self.flushed.push(r),
            }
        }
        for r in &receipts {
            if r.is_queued() {
                self.events.broadcast(Event::MessageBuffered);
            }
        }
        Ok(receipts)
    }

    fn outbox_empty_besides(&self, sequence: u64) -> bool {
        match self.outbox.len() {
            0 => true,
            // A durable outbox already holds this message.
            1 => self.outbox.is_durable() && self.outbox.last_sequence() == sequence,
            _ => false,
        }
    }

    fn enqueue(&mut self, sequence: u64, msg: &Message) -> Result<(), Error> {
        if let Some(dropped) = self.outbox.push(sequence, msg)? {
            log::warn!(target: "Outbox", "the outbox is full: dropped message #{}", dropped.sequence);
            self.events.broadcast(Event::MessageDropped);
        }
        Ok(())
    }

    fn buffered(&self, sequence: u64, reason: Option<&TransportError>) {
        if let Some(e) = reason {
            log::warn!(target: self.log_target, "message #{sequence} not delivered ({e}); handed to the outbox for the next flush");
        }
        self.events.broadcast(Event::MessageBuffered);
    }

    fn report(&mut self, sequence: u64, delivery: &Delivery) {
        match delivery {
            Delivery::Refused { code } => {
                log::warn!(target: self.log_target, "message #{sequence} refused: {code}");
                self.events.broadcast(Event::MessageRefused);
            }
            Delivery::Queued { .. } => {}
            Delivery::Acknowledged { .. } | Delivery::Replied { .. } => {
                self.last_acknowledged = self.last_acknowledged.max(Some(sequence));
                log::debug!(target: self.log_target, "message #{sequence} delivered");
            }
        }
    }

    /// The receipts of older queued messages that a call to
    /// [`send`](Self::send) or [`send_message`](Self::send_message) flushed
    /// ahead of its own message (those calls return only their own
    /// receipt). Taking them empties the list.
    pub fn take_flushed_receipts(&mut self) -> Vec<Receipt> {
        std::mem::take(&mut self.flushed)
    }

    /// The highest sequence number the cloud (or raw server) has answered
    /// without refusal since this instance was built.
    ///
    /// Before the first such answer, a durable outbox gives what it
    /// recorded before a restart: the last message it removed after a final
    /// answer, which may have been a refusal (the outbox does not record
    /// which). `None` when nothing is known.
    pub fn last_acknowledged(&self) -> Option<u64> {
        self.last_acknowledged
            .or_else(|| Some(self.outbox.last_acknowledged()).filter(|&s| s > 0))
    }

    /// Encodes a prefix of `msgs` into one payload (one message, or with a
    /// time-based authenticator as many as share a one-time password),
    /// waiting for the next clock window when the current one was used (so
    /// no message is lost). Returns how many messages the payload holds.
    fn encode_prefix(&mut self, msgs: &[Message]) -> Result<usize, Error> {
        for _ in 0..2 {
            self.payload.clear();
            match self
                .auth
                .encode_batch(&self.credentials, msgs, &mut self.payload)
            {
                Err(AuthError::WindowUsed { retry_after }) if retry_after <= MAX_WINDOW_WAIT => {
                    log::info!(target: "Auth", "waiting {retry_after:?} for the next one-time-password window");
                    std::thread::sleep(retry_after);
                }
                other => return other.map_err(Error::from),
            }
        }
        Err(Error::Auth(AuthError::WindowUsed {
            retry_after: MAX_WINDOW_WAIT,
        }))
    }

    /// Sends `self.payload` and classifies the answer, making up to
    /// `attempts` attempts with backoff for transport failures and code 6
    /// while the network is up. A payload from a time-based authenticator
    /// must be sent once (1 attempt): its one-time password may already have
    /// reached the cloud, which refuses it a second time.
    fn deliver(&mut self, attempts: u32) -> Outcome {
        let mut attempt = 1;
        loop {
            let outcome = classify(self.transport.send(&self.payload));
            match &outcome {
                Outcome::Retry(Some(e)) if !e.is_network_failure() => return outcome,
                Outcome::Retry(_) if attempt < attempts && self.network_up() => {
                    self.pause(attempt);
                    attempt += 1;
                }
                _ => return outcome,
            }
        }
    }

    fn pause(&mut self, attempt: u32) {
        let wait = self.retry.backoff(attempt, self.jitter.next());
        log::info!(target: self.log_target, "attempt {attempt} failed; trying again in {wait:?}");
        std::thread::sleep(wait);
    }

    /// Sends what the outbox holds, oldest first, and returns a receipt per
    /// message it tried, in sequence order. Messages that still fail after
    /// the retry policy's attempts stay queued. Does nothing while the
    /// network is down.
    pub fn flush(&mut self) -> Result<Vec<Receipt>, Error> {
        self.link_came_up.store(false, Ordering::Release);
        let mut receipts = Vec::new();
        let mut attempt = 1;
        while !self.outbox.is_empty() && self.network_up() {
            let queued = self.flush_round(&mut receipts)?;
            if queued.is_empty() || attempt >= self.retry.attempts || !self.network_up() {
                receipts.extend(queued);
                break;
            }
            self.pause(attempt);
            attempt += 1;
        }
        receipts.sort_by_key(Receipt::sequence);
        Ok(receipts)
    }

    /// One pass over the outbox: final answers go into `receipts`; returns
    /// the receipts of messages that stay queued.
    fn flush_round(&mut self, receipts: &mut Vec<Receipt>) -> Result<Vec<Receipt>, Error> {
        let time_based = self.auth.capabilities().time_based;
        let mut queued = Vec::new();
        let mut tried_up_to = 0;
        loop {
            let batch: Vec<Queued> = self
                .outbox
                .pending(FLUSH_CHUNK)?
                .into_iter()
                .filter(|q| q.sequence > tried_up_to)
                .collect();
            let Some(last) = batch.last() else { break };
            tried_up_to = last.sequence;
            let outcomes = if time_based || self.ordered {
                self.flush_one_by_one(&batch)?
            } else {
                self.flush_concurrently(&batch)?
            };
            for (q, outcome) in batch.iter().zip(outcomes) {
                match outcome {
                    Outcome::Final(delivery) => {
                        self.outbox.remove(q.sequence)?;
                        log::info!(target: self.log_target, "A buffered message has been sent since an active connection is established");
                        self.report(q.sequence, &delivery);
                        receipts.push(Receipt::new(q.sequence, delivery));
                    }
                    Outcome::Retry(reason) => {
                        if let Some(e) = &reason {
                            log::warn!(target: self.log_target, "buffered message #{} still not sent: {e}", q.sequence);
                        }
                        queued.push(Receipt::new(q.sequence, Delivery::Queued { reason }));
                    }
                    Outcome::Unencodable(e) => {
                        self.outbox.remove(q.sequence)?;
                        log::error!(target: self.log_target, "buffered message #{} dropped: it can never be sent ({e})", q.sequence);
                        self.events.broadcast(Event::MessageDropped);
                    }
                }
            }
            // Later chunks wait for the next round when this one had
            // failures: the network is likely gone again.
            if !queued.is_empty() || !self.network_up() {
                break;
            }
        }
        Ok(queued)
    }

    fn flush_concurrently(&mut self, batch: &[Queued]) -> Result<Vec<Outcome>, Error> {
        let mut payloads = Vec::with_capacity(batch.len());
        // Per message: encoded (its payload is in `payloads`) or why not.
        let mut encoded = Vec::with_capacity(batch.len());
        for q in batch {
            let mut p = Vec::with_capacity(self.payload.capacity());
            match self
                .auth
                .encode_message(&self.credentials, &q.message, &mut p)
            {
                Ok(()) => {
                    payloads.push(p);
                    encoded.push(None);
                }
                Err(e) if is_about_the_message(&e) => encoded.push(Some(e)),
                Err(e) => return Err(e.into()),
            }
        }
        let refs: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
        let mut replies = self.transport.send_batch(&refs).into_iter();
        let mut outcomes = Vec::with_capacity(batch.len());
        for failure in encoded {
            // A transport that answers fewer payloads than it was given
            // leaves the rest queued for the next flush.
            let outcome = match failure {
                Some(e) => Outcome::Unencodable(e),
                None => match replies.next() {
                    Some(reply) => classify(reply),
                    None => break,
                },
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// One payload at a time, oldest first, stopping at the first failure:
    /// for ordered delivery, and for time-based authenticators (one payload
    /// per clock window, each carrying as many queued messages as the
    /// authenticator can frame). One attempt per payload: [`flush`](Self::flush)
    /// makes the retries, a round each.
    fn flush_one_by_one(&mut self, batch: &[Queued]) -> Result<Vec<Outcome>, Error> {
        let msgs: Vec<Message> = batch.iter().map(|q| q.message.clone()).collect();
        let mut outcomes = Vec::with_capacity(batch.len());
        // Set once a payload of several messages could not be encoded: the
        // rest of the chunk goes one message per payload, to find which one.
        let mut singly = false;
        while outcomes.len() < msgs.len() {
            let rest = &msgs[outcomes.len()..];
            let prefix = if singly { &rest[..1] } else { rest };
            let taken = match self.encode_prefix(prefix) {
                Ok(taken) => taken.max(1),
                Err(Error::Auth(e)) if is_about_the_message(&e) => {
                    if prefix.len() > 1 {
                        singly = true;
                    } else {
                        outcomes.push(Outcome::Unencodable(e));
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let outcome = self.deliver(1);
            let failed = matches!(outcome, Outcome::Retry(_));
            outcomes.extend(std::iter::repeat_n(outcome, taken));
            if failed {
                break;
            }
        }
        Ok(outcomes)
    }

    /// Sends an SMS (the Python `sendSMS(destination, message)`). Needs a
    /// transport and authenticator that carry SMS (`cloud` with `csrpsk`).
    /// SMS are not queued: a failure is returned as an error.
    pub fn send_sms(&mut self, destination: &str, text: &str) -> Result<Receipt, Error> {
        let sms = Sms::new(destination, text)?;
        if !self.transport.capabilities().sms {
            return Err(Error::Unsupported {
                operation: "SMS",
                kind: AdapterKind::Transport,
                adapter: self.transport_name.clone(),
            });
        }
        if !self.auth.capabilities().sms {
            return Err(Error::Unsupported {
                operation: "SMS",
                kind: AdapterKind::Authenticator,
                adapter: self.auth_name.clone(),
            });
        }
        self.payload.clear();
        self.auth
            .encode_sms(&self.credentials, &sms, &mut self.payload)?;
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let reply = self.transport.send(&self.payload)?;
        let delivery = final_delivery(reply);
        self.report(sequence, &delivery);
        Ok(Receipt::new(sequence, delivery))
    }

    /// Sends bytes as they are, with no envelope (the CLI's `--raw`). Not
    /// queued: a failure is returned as an error.
    pub fn send_bytes(&mut self, payload: &[u8]) -> Result<Receipt, Error> {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let reply = self.transport.send(payload)?;
        Ok(Receipt::new(sequence, final_delivery(reply)))
    }
}

fn final_delivery(reply: Reply) -> Delivery {
    match reply.code {
        None => Delivery::Replied { reply: reply.bytes },
        Some(code) if code.is_success() => Delivery::Acknowledged { code },
        Some(code) => Delivery::Refused { code },
    }
}

/// Whether an encoding error is about one message (so no retry can help
/// it), rather than about the credentials or the authenticator.
fn is_about_the_message(e: &AuthError) -> bool {
    matches!(e, AuthError::Unframeable { .. } | AuthError::Topic(_))
}

fn classify(result: Result<Reply, TransportError>) -> Outcome {
    match result {
        // Code 6 is the cloud's own failure: the message stays queued.
        Ok(Reply {
            code: Some(ResultCode::CloudInternal),
            ..
        }) => Outcome::Retry(None),
        Ok(reply) => Outcome::Final(final_delivery(reply)),
        Err(e) => Outcome::Retry(Some(e)),
    }
}

impl Drop for Hologram {
    fn drop(&mut self) {
        // The bus may outlive us when it was shared through the builder.
        self.events
            .unsubscribe(Event::NetworkConnected, self.link_subscription);
    }
}

impl fmt::Debug for Hologram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hologram")
            .field("credentials", &self.credentials)
            .field("network", &self.network_name)
            .field("transport", &self.transport_name)
            .field("endpoint", &self.transport.endpoint().to_string())
            .field("authentication", &self.auth_name)
            .field("outbox", &self.outbox)
            .finish_non_exhaustive()
    }
}
