//! From options and the credentials file to a running [`Hologram`]: which
//! network, transport and authentication, the credentials (options win over
//! the file), and the embedded simulator for `--simulate`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hologram::{AdapterConfig, Event, Hologram, Outbox, OutboxError, Queued};
use hologram_sim::cloud::{CloudSim, CloudSimHandle, Device};

use crate::args::{AuthType, Connection};
use crate::config::{comment_hint, LoadedFile, PASSPHRASE_ENV};
use crate::credentials::{credentials, Explicit};
use crate::exit::CliError;
use crate::output::Printer;
use crate::secrets::{DEVICEKEY_ENV, PRIVATE_KEY_ENV};

/// The device key `--simulate` uses when no credentials are given. The
/// simulator accepts any well-formed key; this one is not a secret.
pub const DEMO_DEVICEKEY: &str = "demo1234";
/// The TOTP device id `--simulate` uses when none is given.
pub const DEMO_DEVICE_ID: &str = "demo-device";
/// The TOTP private key `--simulate` uses when none is given (not a secret).
pub const DEMO_PRIVATE_KEY: &str = "demo-private-key";

pub use crate::options::{Options, Purpose};

/// A ready SDK instance and, with `--simulate`, the simulator it talks to.
pub struct Session {
    /// The SDK.
    pub hologram: Hologram,
    /// The embedded cloud simulator, if any.
    pub sim: Option<CloudSimHandle>,
    /// How many messages the cloud refused in this run (from the event bus):
    /// a safety net so a refusal is never reported as success.
    pub refusals: Arc<AtomicUsize>,
    /// How many connections to a server were made in this run.
    pub connections: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("hologram", &self.hologram)
            .field("sim", &self.sim)
            .finish()
    }
}

impl Session {
    /// How many refusals the SDK reported so far.
    pub fn refusals(&self) -> usize {
        self.refusals.load(Ordering::Relaxed)
    }

    /// Whether any connection to a server was made so far.
    pub fn reached(&self) -> bool {
        self.connections.load(Ordering::Relaxed) > 0
    }
}

/// The outbox without `--outbox`: it holds only the messages of the send
/// in progress, so the SDK can deliver them, and forgets them when the
/// next send starts. A message that could not be delivered (after the
/// SDK's retries) is reported as NOT delivered and not tried again behind
/// the user's back.
#[derive(Debug, Default)]
pub struct DiscardOutbox {
    current: std::collections::VecDeque<Queued>,
    last_sequence: u64,
}

impl Outbox for DiscardOutbox {
    fn push(
        &mut self,
        sequence: u64,
        message: &hologram::Message,
    ) -> Result<Option<Queued>, OutboxError> {
        self.push_batch(&[(sequence, message)])?;
        Ok(None)
    }

    fn push_batch(
        &mut self,
        items: &[(u64, &hologram::Message)],
    ) -> Result<Vec<Queued>, OutboxError> {
        // The previous send's leftovers were already reported as not
        // delivered: they are forgotten, not dropped for room.
        self.current.clear();
        for &(sequence, message) in items {
            self.last_sequence = self.last_sequence.max(sequence);
            self.current.push_back(Queued {
                sequence,
                message: message.clone(),
            });
        }
        Ok(Vec::new())
    }

    fn pending(&mut self, limit: usize) -> Result<Vec<Queued>, OutboxError> {
        Ok(self.current.iter().take(limit).cloned().collect())
    }

    fn remove(&mut self, sequence: u64) -> Result<(), OutboxError> {
        self.current.retain(|q| q.sequence != sequence);
        Ok(())
    }

    fn len(&self) -> usize {
        self.current.len()
    }

    fn last_sequence(&self) -> u64 {
        self.last_sequence
    }
}

/// At most one input may be standard input (`-`).
fn check_stdin(opts: &Options<'_>) -> Result<(), CliError> {
    let c = opts.connection;
    let dash = |p: Option<&std::path::Path>| p == Some(std::path::Path::new("-"));
    let users: Vec<&str> = [
        (dash(c.file.as_deref()), "-f -"),
        (dash(c.devicekey_file.as_deref()), "--devicekey-file -"),
        (dash(c.cloud_key_file.as_deref()), "--cloud-key-file -"),
        (dash(opts.private_key_file), "--private-key-file -"),
        (opts.stdin_messages, "the message -"),
    ]
    .into_iter()
    .filter_map(|(used, name)| used.then_some(name))
    .collect();
    if users.len() > 1 {
        return Err(CliError::Usage(format!(
            "standard input can be read only once, but {} all read it",
            users.join(", ")
        )));
    }
    Ok(())
}

/// The network interface's settings: the file's `network_options`, then
/// each `--network-option` (which wins over the file's; a key given twice
/// on the command line is an error, as in the file).
fn network_settings(
    c: &Connection,
    f: &crate::config::FileConfig,
) -> Result<AdapterConfig, CliError> {
    let mut config = AdapterConfig::new();
    for (key, value) in f.network_options.iter().flatten() {
        if key == "passphrase" {
            config.set_secret(key.as_str(), value.as_str());
        } else {
            config.set(key.as_str(), value.as_str());
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (key, value) in &c.network_options {
        if key == "passphrase" {
            return Err(CliError::Usage(format!(
                "the passphrase cannot be an option (it would show in the process list): put \
                 it in the credentials file as `passphrase`, or in {PASSPHRASE_ENV}"
            )));
        }
        if !seen.insert(key.as_str()) {
            return Err(CliError::Usage(format!(
                "--network-option {key} is given twice; give each setting once"
            )));
        }
        config.set(key.as_str(), value.as_str());
    }
    Ok(config)
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Builds the SDK for `opts`: loads the file, merges it with the options,
/// starts the simulator when asked, and builds the adapters by name.
pub fn open(
    opts: &Options<'_>,
    printer: &Printer,
    outbox: Box<dyn Outbox>,
) -> Result<Session, CliError> {
    let c = opts.connection;
    check_stdin(opts)?;
    let file = LoadedFile::load(c.file.as_deref())?;
    if let Some(w) = &file.warning {
        printer.warning(w);
    }
    let f = &file.values;

    // Where to send: the option's host and the file's are checked alike,
    // as given (a space kept inside quotes is an error in both).
    let file_host = f.host.as_deref().filter(|h| !h.is_empty());
    if let Some(h) = &c.host {
        crate::validate::host(h).map_err(|why| CliError::Usage(format!("--host: {why}")))?;
    } else if let Some(h) = file_host {
        crate::validate::host(h).map_err(|why| {
            CliError::Config(format!("{}: {why}{}", file.source("host"), comment_hint(h)))
        })?;
    }
    let mut host = c.host.clone().or_else(|| file_host.map(str::to_owned));
    let mut port = match c.port {
        Some(p) => Some(p),
        None => file.port()?,
    };
    if c.simulate && c.host.is_none() && (host.is_some() || port.is_some()) {
        printer.note("--simulate ignores the host and port of the credentials file");
        host = None;
        port = None;
    }
    if opts.purpose == Purpose::Raw && (host.is_none() || port.is_none()) {
        let missing = match (&host, port) {
            (None, None) => "--host and --port",
            (None, Some(_)) => "--host",
            _ => "--port",
        };
        return Err(CliError::Usage(format!(
            "--raw sends to your own server: give {missing} (or host/port in the file)"
        )));
    }

    // The network.
    let ssid = c.ssid.as_deref().or(non_empty(f.ssid.as_deref()));
    let explicit_network = c.network.as_deref().or(if c.simulate {
        None
    } else {
        non_empty(f.network.as_deref())
    });
    let network: Option<&str> = match (explicit_network, c.simulate, ssid) {
        (Some(n), _, _) => Some(n),
        (None, true, _) => Some("sim"),
        (None, false, Some(_)) => Some("wifi"),
        (None, false, None) => None,
    };
    let mut network_config = network_settings(c, f)?;
    if let Some(ssid) = ssid {
        network_config.set("ssid", ssid);
    }
    // --simulate --network cellular: the modem simulator (of --network-option modem=...).
    if c.simulate && network == Some("cellular") && network_config.get("device").is_none() {
        let model = network_config
            .get("modem")
            .unwrap_or("sara-u201")
            .to_owned();
        network_config.set(
            "simulate",
            network_config.get("simulate").unwrap_or(&model).to_owned(),
        );
    }
    if c.simulate && explicit_network.is_none() {
        network_config.set("connected", "true");
    } else if network.is_some() {
        let env = std::env::var(PASSPHRASE_ENV)
            .ok()
            .filter(|_| network == Some("wifi"));
        if let Some(pass) = f.passphrase.clone().or(env) {
            network_config.set_secret("passphrase", pass);
        }
    }

    // The credentials and the authentication.
    let secrets = if opts.purpose == Purpose::Raw {
        Explicit::default()
    } else {
        Explicit::resolve(opts, printer)?
    };
    let mut creds = credentials(opts, &secrets, &file)?;
    let authtype = match opts.authtype {
        Some(a) => Some(a),
        None => file.authtype()?,
    };
    let auth = match (opts.purpose, authtype) {
        (Purpose::Sms, Some(AuthType::Totp)) => {
            return Err(CliError::Usage(
                "SMS can only be sent with csrpsk authentication (a device key)".to_owned(),
            ))
        }
        (_, Some(a)) => a,
        (_, None)
            if creds.devicekey().is_none()
                && !creds.device_id().is_empty()
                && !creds.private_key().is_empty() =>
        {
            AuthType::Totp
        }
        _ => AuthType::Csrpsk,
    };
    let mut sim_builder = CloudSim::builder();
    if opts.purpose != Purpose::Raw {
        match auth {
            AuthType::Csrpsk if creds.devicekey().is_none() => {
                if c.simulate {
                    printer.note("no credentials given: using the simulator's demo device key");
                    creds
                        .set_devicekey(DEMO_DEVICEKEY)
                        .map_err(|e| CliError::Config(e.to_string()))?;
                } else {
                    return Err(CliError::Config(format!(
                        "no device key: give a credentials file with -f, --devicekey-file FILE \
                         or {DEVICEKEY_ENV} (or the cloud id and key); or try --simulate"
                    )));
                }
            }
            AuthType::Totp => {
                if creds.device_id().is_empty() && creds.private_key().is_empty() && c.simulate {
                    printer.note("no credentials given: using the simulator's demo TOTP device");
                    creds
                        .set_device_id(DEMO_DEVICE_ID)
                        .and_then(|()| creds.set_private_key(DEMO_PRIVATE_KEY))
                        .map_err(|e| CliError::Config(e.to_string()))?;
                }
                if creds.device_id().is_empty() || creds.private_key().is_empty() {
                    return Err(CliError::Config(format!(
                        "totp authentication needs a device id (--device-id) and a private key \
                         (--private-key-file FILE or {PRIVATE_KEY_ENV}), or device_id and \
                         private_key in the credentials file"
                    )));
                }
                if c.simulate {
                    let device = Device::totp(creds.device_id(), creds.private_key())
                        .map_err(|e| CliError::Config(e.to_string()))?;
                    sim_builder = sim_builder.device(device);
                }
            }
            AuthType::Csrpsk => {}
        }
    }

    // The simulator.
    let sim = if c.simulate {
        let handle = sim_builder
            .start()
            .map_err(|e| CliError::Network(format!("cannot start the cloud simulator: {e}")))?;
        printer.note(&format!(
            "simulating: cloud simulator on {}, network {}",
            handle.addr(),
            network.unwrap_or("none")
        ));
        host = Some(handle.addr().ip().to_string());
        port = Some(handle.port());
        Some(handle)
    } else {
        None
    };

    let mut transport_config = AdapterConfig::new();
    if let Some(h) = &host {
        transport_config.set("host", h.as_str());
    }
    if let Some(p) = port {
        transport_config.set("port", p.to_string());
    }
    if let Some(t) = c.timeout {
        transport_config.set("timeout", t.to_string());
    }

    let mut auth_config = AdapterConfig::new();
    if opts.metadata {
        auth_config.set("metadata", "true");
    }

    let mut builder = Hologram::builder()
        .credentials(creds)
        .authentication_config(auth_config)
        .transport(if opts.purpose == Purpose::Raw {
            "raw"
        } else {
            "cloud"
        })
        .authentication(auth.name())
        .transport_config(transport_config)
        .network_config(network_config)
        .outbox(outbox);
    if let Some(n) = network {
        builder = builder.network(n);
        // Plugins are code: loaded only when the network asked for is not
        // a built-in one.
        if let Some(registry) = crate::plugins::registry_for(n, c, printer)? {
            builder = builder.registry(registry);
        }
    }
    let hologram = builder.build()?;
    let refusals = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&refusals);
    hologram
        .events()
        .subscribe(Event::MessageRefused, move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    hologram
        .events()
        .subscribe(Event::SocketConnected, move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
    Ok(Session {
        hologram,
        sim,
        refusals,
        connections,
    })
}
