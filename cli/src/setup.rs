//! From options and the credentials file to a running [`Hologram`]: which
//! network, transport and authentication, the credentials (options win over
//! the file), and the embedded simulator for `--simulate`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hologram::{
    AdapterConfig, CredentialError, Credentials, Event, Hologram, Outbox, OutboxError, Queued,
};
use hologram_sim::cloud::{CloudSim, CloudSimHandle, Device};

use crate::args::{AuthType, Connection};
use crate::config::{comment_hint, LoadedFile, PASSPHRASE_ENV};
use crate::exit::CliError;
use crate::output::Printer;

/// The device key `--simulate` uses when no credentials are given. The
/// simulator accepts any well-formed key; this one is not a secret.
pub const DEMO_DEVICEKEY: &str = "demo1234";
/// The TOTP device id `--simulate` uses when none is given.
pub const DEMO_DEVICE_ID: &str = "demo-device";
/// The TOTP private key `--simulate` uses when none is given (not a secret).
pub const DEMO_PRIVATE_KEY: &str = "demo-private-key";

/// What kind of sending the session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Messages through the cloud (or a relay / the simulator).
    Messages,
    /// Bytes as they are to a raw server.
    Raw,
    /// An SMS.
    Sms,
}

/// The options `send` and `sms` share, plus those only `send` has.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Credentials, endpoint, network, ...
    pub connection: &'a Connection,
    /// `--device-id`.
    pub device_id: Option<&'a str>,
    /// `--private-key`.
    pub private_key: Option<&'a str>,
    /// `--authtype`.
    pub authtype: Option<AuthType>,
    /// What it is for.
    pub purpose: Purpose,
}

/// A ready SDK instance and, with `--simulate`, the simulator it talks to.
pub struct Session {
    /// The SDK.
    pub hologram: Hologram,
    /// The embedded cloud simulator, if any.
    pub sim: Option<CloudSimHandle>,
    /// How many messages the cloud refused in this run (from the event bus):
    /// a safety net so a refusal is never reported as success.
    pub refusals: Arc<AtomicUsize>,
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
}

/// An outbox that keeps nothing: without `--outbox`, a message that could
/// not be delivered (after the SDK's retries) is reported as NOT delivered
/// and not tried again behind the user's back.
#[derive(Debug, Default)]
pub struct DiscardOutbox {
    last_sequence: u64,
}

impl Outbox for DiscardOutbox {
    fn push(
        &mut self,
        sequence: u64,
        _message: &hologram::Message,
    ) -> Result<Option<Queued>, OutboxError> {
        self.last_sequence = self.last_sequence.max(sequence);
        Ok(None)
    }

    fn pending(&mut self, _limit: usize) -> Result<Vec<Queued>, OutboxError> {
        Ok(Vec::new())
    }

    fn remove(&mut self, _sequence: u64) -> Result<(), OutboxError> {
        Ok(())
    }

    fn len(&self) -> usize {
        0
    }

    fn last_sequence(&self) -> u64 {
        self.last_sequence
    }
}

/// One credential value and where it came from, for error messages.
struct Given<'a> {
    value: &'a str,
    from: String,
    /// Whether it came from the file (an unquoted HJSON value there runs
    /// to the end of the line, comments included).
    in_file: bool,
}

fn given<'a>(
    flag: Option<&'a str>,
    flag_name: &str,
    file_value: Option<&'a str>,
    file: &LoadedFile,
    key: &str,
) -> Option<Given<'a>> {
    match (flag, file_value) {
        (Some(value), _) => Some(Given {
            value,
            from: flag_name.to_owned(),
            in_file: false,
        }),
        (None, Some(value)) => Some(Given {
            value,
            from: file.source(key),
            in_file: true,
        }),
        (None, None) => None,
    }
}

fn set(
    value: Option<Given<'_>>,
    setter: impl FnOnce(&str) -> Result<(), CredentialError>,
) -> Result<(), CliError> {
    match value {
        None => Ok(()),
        Some(g) => setter(g.value.trim()).map_err(|e| {
            let hint = if g.in_file { comment_hint(g.value) } else { "" };
            CliError::Config(format!("{e} (from {}){hint}", g.from))
        }),
    }
}

/// The credentials from the options and the file. Options win: a device
/// key given as an option replaces the file's cloud id and key, and a cloud
/// id or key given as an option replaces the file's device key.
fn credentials(opts: &Options<'_>, file: &LoadedFile) -> Result<Credentials, CliError> {
    let c = opts.connection;
    let f = &file.values;
    let flag_devicekey = c.devicekey.as_deref();
    let flag_pair = c.cloud_id.is_some() || c.cloud_key.is_some();
    let (cloud_id, cloud_key, devicekey) = if flag_devicekey.is_some() {
        (
            given(c.cloud_id.as_deref(), "--cloud-id", None, file, "cloud_id"),
            given(
                c.cloud_key.as_deref(),
                "--cloud-key",
                None,
                file,
                "cloud_key",
            ),
            given(flag_devicekey, "--devicekey", None, file, "devicekey"),
        )
    } else if flag_pair {
        (
            given(
                c.cloud_id.as_deref(),
                "--cloud-id",
                f.cloud_id.as_deref(),
                file,
                "cloud_id",
            ),
            given(
                c.cloud_key.as_deref(),
                "--cloud-key",
                f.cloud_key.as_deref(),
                file,
                "cloud_key",
            ),
            None,
        )
    } else {
        (
            given(None, "", f.cloud_id.as_deref(), file, "cloud_id"),
            given(None, "", f.cloud_key.as_deref(), file, "cloud_key"),
            given(None, "", f.devicekey.as_deref(), file, "devicekey"),
        )
    };
    let mut creds = Credentials::default();
    set(cloud_id, |v| creds.set_cloud_id(v))?;
    set(cloud_key, |v| creds.set_cloud_key(v))?;
    set(devicekey, |v| creds.set_devicekey(v))?;
    let device_id = given(
        opts.device_id,
        "--device-id",
        f.device_id.as_deref(),
        file,
        "device_id",
    );
    set(device_id, |v| creds.set_device_id(v))?;
    let private_key = given(
        opts.private_key,
        "--private-key",
        f.private_key.as_deref(),
        file,
        "private_key",
    );
    set(private_key, |v| creds.set_private_key(v))?;
    let half_pair = creds.cloud_id().is_empty() != creds.cloud_key().is_empty();
    if half_pair && creds.devicekey().is_none() {
        let missing = if creds.cloud_id().is_empty() {
            "cloud_id"
        } else {
            "cloud_key"
        };
        return Err(CliError::Config(format!(
            "{missing} is missing: give both --cloud-id and --cloud-key, or --devicekey"
        )));
    }
    Ok(creds)
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
    let file = LoadedFile::load(c.file.as_deref())?;
    if let Some(w) = &file.warning {
        printer.warning(w);
    }
    let f = &file.values;

    // Where to send.
    let file_host = non_empty(f.host.as_deref());
    if let Some(h) = file_host.filter(|h| c.host.is_none() && h.contains(char::is_whitespace)) {
        return Err(CliError::Config(format!(
            "{}: {h:?} is not a host name (it holds a space){}",
            file.source("host"),
            comment_hint(h)
        )));
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
    let mut network_config = AdapterConfig::new();
    for (key, value) in f.network_options.iter().flatten() {
        if key == "passphrase" {
            network_config.set_secret(key.as_str(), value.as_str());
        } else {
            network_config.set(key.as_str(), value.as_str());
        }
    }
    for (key, value) in &c.network_options {
        if key == "passphrase" {
            return Err(CliError::Usage(format!(
                "the passphrase cannot be an option (it would show in the process list): put \
                 it in the credentials file as `passphrase`, or in {PASSPHRASE_ENV}"
            )));
        }
        network_config.set(key.as_str(), value.as_str());
    }
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
    let mut creds = credentials(opts, &file)?;
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
                    return Err(CliError::Config(
                        "no device key: give --devicekey (or --cloud-id and --cloud-key), or a \
                         credentials file with -f; or try --simulate"
                            .to_owned(),
                    ));
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
                    return Err(CliError::Config(
                        "totp authentication needs --device-id and --private-key (or device_id \
                         and private_key in the credentials file)"
                            .to_owned(),
                    ));
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

    let mut builder = Hologram::builder()
        .credentials(creds)
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
    }
    builder = crate::plugins::with_plugins(builder, c.plugins_dir.as_deref())?;
    let hologram = builder.build()?;
    let refusals = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&refusals);
    hologram
        .events()
        .subscribe(Event::MessageRefused, move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
    Ok(Session {
        hologram,
        sim,
        refusals,
    })
}
