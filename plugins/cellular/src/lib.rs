//! A Hologram network plugin for cellular modems (`cellular`).
//!
//! Hologram sells cellular connectivity; this plugin brings a cellular
//! modem's data link up and down with standard 3GPP TS 27.007 AT commands
//! over its serial port (`/dev/ttyUSB0`, `/dev/ttyACM0`, ...), reports the
//! signal strength from `AT+CSQ`, and emits `cellular.connected` /
//! `network.connected` (and the `disconnected` pair) on each transition.
//! It needs no root and no daemon: the user needs read-write access to the
//! serial device (the `dialout` group).
//!
//! The IP traffic itself goes through the data interface the modem gives
//! the operating system (`wwan0`, `usb0`, ...); the SDK's transports use
//! ordinary sockets, so they work as soon as the link is up.
//!
//! # Settings
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `device` | `/dev/ttyUSB0` | the modem's AT serial port, or `sim` for the built-in simulated modem |
//! | `apn` | `hologram` | the access point name set with `AT+CGDCONT` |
//! | `timeout` | `10` | seconds to wait for each AT answer |
//! | `baud` | `115200` | the serial port's speed |
//! | `sim_csq` | `20` | simulated modem only: the `+CSQ` value (0 to 31, 99 unknown) |
//! | `sim_fault` | `none` | simulated modem only: `no-sim`, `no-service` or `silent` |
//!
//! # The AT dialogue
//!
//! `connect`: `AT`, `ATE0`, `AT+CPIN?` (the SIM must be `READY`),
//! `AT+CGDCONT=1,"IP","<apn>"`, `AT+CGATT=1`, `AT+CGACT=1,1`, then
//! `AT+CGACT?` must report context 1 active. `disconnect`: `AT+CGACT=0,1`.
//! Signal: `AT+CSQ`, converted to dBm (`-113 + 2 × rssi`); the average and
//! maximum are over the readings taken since the last connect
//! ([`SignalSource::Other`]); while the link is down they are
//! `NetworkError::NotConnected`.
//!
//! ```
//! use hologram_plugin_cellular::Cellular;
//! use hologram_ports::{AdapterConfig, AdapterContext, NetworkInterface, NullEventSink};
//! use std::sync::Arc;
//!
//! let ctx = AdapterContext::new(Arc::new(NullEventSink), AdapterConfig::new().with("device", "sim"));
//! let mut modem = Cellular::from_context(&ctx).unwrap();
//! modem.connect().unwrap();
//! assert!(modem.is_connected());
//! assert_eq!(modem.avg_signal_strength().unwrap().dbm(), -73);
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod at;
mod error;
mod serial;
mod sim;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hologram_ports::{
    AdapterContext, AdapterError, ConfigError, Event, EventSink, NetworkCapabilities, NetworkError,
    NetworkInterface, SignalReading, SignalSource,
};

pub use at::Link;
pub use sim::{SimFault, SimModem};

use at::{csq_to_dbm, AtClient};
use error::CellularError;

/// The settings this plugin accepts.
pub const CONFIG_KEYS: [&str; 6] = ["device", "apn", "timeout", "baud", "sim_csq", "sim_fault"];

/// The serial device used when none is given.
pub const DEFAULT_DEVICE: &str = "/dev/ttyUSB0";

/// The access point name used when none is given.
pub const DEFAULT_APN: &str = "hologram";

/// The `device` value that selects the in-process simulated modem.
pub const SIM_DEVICE: &str = "sim";

#[derive(Debug, Clone)]
enum Device {
    Serial { path: PathBuf, baud: u32 },
    Sim { csq: u8, fault: SimFault },
}

impl Device {
    fn name(&self) -> String {
        match self {
            Device::Serial { path, .. } => path.display().to_string(),
            Device::Sim { .. } => SIM_DEVICE.to_owned(),
        }
    }
}

#[derive(Default)]
struct Modem {
    /// Opened on first use, dropped after an I/O error so the next call
    /// opens the device again.
    client: Option<AtClient>,
    /// Readings (dBm) since the last connect.
    samples: Vec<i32>,
}

/// A cellular modem driven by AT commands.
pub struct Cellular {
    device: Device,
    apn: String,
    timeout: Duration,
    up: bool,
    modem: Mutex<Modem>,
    events: Arc<dyn EventSink>,
}

fn invalid(key: &str, reason: impl Into<String>) -> AdapterError {
    AdapterError::Config(ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.into(),
    })
}

impl Cellular {
    /// The factory: reads the settings (see the crate docs). The device is
    /// opened on first use, so building never touches the hardware.
    pub fn from_context(ctx: &AdapterContext) -> Result<Cellular, AdapterError> {
        let config = &ctx.config;
        config.check_known("cellular", &CONFIG_KEYS)?;
        let device = config.get("device").unwrap_or(DEFAULT_DEVICE).trim();
        let device = if device == SIM_DEVICE {
            let csq = config.parse::<u8>("sim_csq")?.unwrap_or(20);
            if csq > 31 && csq != 99 {
                return Err(invalid("sim_csq", format!("{csq} is not 0 to 31 or 99")));
            }
            let fault = match config.get("sim_fault") {
                Some(f) => f.trim().parse().map_err(|e| invalid("sim_fault", e))?,
                None => SimFault::None,
            };
            Device::Sim { csq, fault }
        } else {
            if device.is_empty() {
                return Err(invalid("device", "the device path is empty"));
            }
            for key in ["sim_csq", "sim_fault"] {
                if config.get(key).is_some() {
                    return Err(invalid(key, "only applies to device = \"sim\""));
                }
            }
            let baud = config.parse::<u32>("baud")?.unwrap_or(115_200);
            if baud == 0 {
                // Speed 0 (B0) tells a tty to hang the line up.
                return Err(invalid("baud", "must be above 0"));
            }
            Device::Serial {
                path: PathBuf::from(device),
                baud,
            }
        };
        let apn = config.get("apn").unwrap_or(DEFAULT_APN).trim().to_owned();
        if apn.is_empty() || !apn.chars().all(|c| c.is_ascii_graphic() && c != '"') {
            return Err(invalid(
                "apn",
                "must be printable ASCII without spaces or quotes",
            ));
        }
        let timeout = config
            .duration("timeout")?
            .unwrap_or(Duration::from_secs(10));
        Ok(Cellular {
            device,
            apn,
            timeout,
            up: false,
            modem: Mutex::default(),
            events: ctx.events.clone(),
        })
    }

    fn modem(&self) -> MutexGuard<'_, Modem> {
        self.modem.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` with the AT client, opening the device first if needed; an
    /// I/O error closes it so the next call reopens it.
    fn with_client<R>(
        &self,
        modem: &mut Modem,
        f: impl FnOnce(&mut AtClient) -> Result<R, CellularError>,
    ) -> Result<R, CellularError> {
        if modem.client.is_none() {
            let link: Box<dyn Link> = match &self.device {
                Device::Sim { csq, fault } => Box::new(SimModem::new(*csq, *fault)),
                Device::Serial { path, baud } => {
                    Box::new(serial::SerialLink::open(path, *baud).map_err(|source| {
                        CellularError::Open {
                            device: self.device.name(),
                            source,
                        }
                    })?)
                }
            };
            modem.client = Some(AtClient::new(link, &self.device.name(), self.timeout));
        }
        let Some(client) = modem.client.as_mut() else {
            unreachable!("opened above")
        };
        let result = f(client);
        if matches!(result, Err(CellularError::Io { .. })) {
            modem.client = None;
        }
        result
    }

    fn bring_up(&self, at: &mut AtClient) -> Result<(), CellularError> {
        at.command("AT")?;
        at.command("ATE0")?;
        let pin = match at.query("AT+CPIN?", "+CPIN:") {
            Ok(state) => state,
            Err(CellularError::Refused { reply, .. }) => {
                return Err(CellularError::SimNotReady {
                    state: if reply.ends_with(": 10") {
                        "no SIM card inserted".to_owned()
                    } else {
                        reply
                    },
                })
            }
            Err(e) => return Err(e),
        };
        if pin != "READY" {
            return Err(CellularError::SimNotReady { state: pin });
        }
        at.command(&format!("AT+CGDCONT=1,\"IP\",\"{}\"", self.apn))?;
        at.command("AT+CGATT=1")?;
        at.command("AT+CGACT=1,1")?;
        let state = at.query("AT+CGACT?", "+CGACT:")?;
        if state.replace(' ', "") != "1,1" {
            return Err(CellularError::Garbled {
                command: "AT+CGACT?".to_owned(),
                reply: format!("context 1 is not active: +CGACT: {state}"),
            });
        }
        Ok(())
    }

    /// Takes one `AT+CSQ` reading and keeps it.
    fn sample(&self, operation: &'static str) -> Result<Vec<i32>, NetworkError> {
        if !self.up {
            return Err(NetworkError::NotConnected);
        }
        let mut modem = self.modem();
        let value = self
            .with_client(&mut modem, |at| at.query("AT+CSQ", "+CSQ:"))
            .map_err(|e| e.into_network(operation))?;
        match csq_to_dbm(&value) {
            Ok(Some(dbm)) => {
                if modem.samples.len() >= 4096 {
                    modem.samples.remove(0);
                }
                modem.samples.push(dbm);
                Ok(modem.samples.clone())
            }
            Ok(None) => Err(NetworkError::other(
                operation,
                "the modem does not know the signal strength yet (+CSQ: 99)",
            )),
            Err(()) => Err(NetworkError::other(
                operation,
                format!("the modem's +CSQ answer is not understood: {value:?}"),
            )),
        }
    }
}

impl fmt::Debug for Cellular {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cellular")
            .field("device", &self.device.name())
            .field("apn", &self.apn)
            .field("up", &self.up)
            .finish_non_exhaustive()
    }
}

impl NetworkInterface for Cellular {
    fn capabilities(&self) -> NetworkCapabilities {
        let mut caps = NetworkCapabilities::NONE;
        caps.avg_signal_strength = true;
        caps.max_signal_strength = true;
        caps
    }

    fn connect(&mut self) -> Result<(), NetworkError> {
        if self.up {
            return Ok(());
        }
        {
            let mut modem = self.modem();
            self.with_client(&mut modem, |at| self.bring_up(at))
                .map_err(|e| e.into_network("connect"))?;
            modem.samples.clear();
        }
        self.up = true;
        self.events.emit(&Event::CellularConnected);
        self.events.emit(&Event::NetworkConnected);
        Ok(())
    }

    fn disconnect(&mut self) -> Result<(), NetworkError> {
        if !self.up {
            return Ok(());
        }
        {
            let mut modem = self.modem();
            self.with_client(&mut modem, |at| at.command("AT+CGACT=0,1"))
                .map_err(|e| e.into_network("disconnect"))?;
        }
        self.up = false;
        self.events.emit(&Event::CellularDisconnected);
        self.events.emit(&Event::NetworkDisconnected);
        Ok(())
    }

    fn is_connected(&self) -> bool {
        self.up
    }

    /// The mean of the `AT+CSQ` readings since the last connect, this one
    /// included.
    fn avg_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        let samples = self.sample("avg_signal_strength")?;
        let sum: i64 = samples.iter().map(|&d| i64::from(d)).sum();
        let len = i64::try_from(samples.len()).unwrap_or(i64::MAX).max(1);
        let mean = i32::try_from(sum / len).unwrap_or(i32::MIN);
        Ok(SignalReading::new(mean, SignalSource::Other))
    }

    /// The strongest `AT+CSQ` reading since the last connect, this one
    /// included.
    fn max_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        let samples = self.sample("max_signal_strength")?;
        let max = samples.iter().copied().max().unwrap_or(-113);
        Ok(SignalReading::new(max, SignalSource::Other))
    }
}

hologram_plugin_abi::export_network_plugin!(
    name = "cellular",
    version = env!("CARGO_PKG_VERSION"),
    summary = "a cellular modem driven by AT commands over its serial port (device = \"sim\" simulates one)",
    make = Cellular::from_context,
);

#[cfg(test)]
mod tests {
    use super::*;
    use hologram_ports::AdapterConfig;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);
    impl EventSink for Recorder {
        fn emit(&self, e: &Event) {
            self.0.lock().unwrap().push(e.to_string());
        }
    }

    fn sim(extra: &[(&str, &str)]) -> (Cellular, Arc<Recorder>) {
        let mut cfg = AdapterConfig::new().with("device", "sim");
        for (k, v) in extra {
            cfg.set(*k, *v);
        }
        let rec = Arc::new(Recorder::default());
        let ctx = AdapterContext::new(rec.clone(), cfg);
        (Cellular::from_context(&ctx).unwrap(), rec)
    }

    #[test]
    fn connect_disconnect_and_events() {
        let (mut c, rec) = sim(&[]);
        c.disconnect().unwrap();
        c.connect().unwrap();
        c.connect().unwrap();
        c.disconnect().unwrap();
        c.disconnect().unwrap();
        assert_eq!(
            *rec.0.lock().unwrap(),
            [
                "cellular.connected",
                "network.connected",
                "cellular.disconnected",
                "network.disconnected"
            ]
        );
    }

    #[test]
    fn faults_are_typed() {
        let (mut c, rec) = sim(&[("sim_fault", "no-sim")]);
        let e = c.connect().unwrap_err();
        assert!(
            matches!(&e, NetworkError::ConnectFailed { reason } if reason.contains("no SIM")),
            "{e}"
        );
        assert!(!c.is_connected());
        assert!(rec.0.lock().unwrap().is_empty());

        let (mut c, _) = sim(&[("sim_fault", "no-service")]);
        assert!(matches!(
            c.connect(),
            Err(NetworkError::ConnectFailed { .. })
        ));

        let (mut c, _) = sim(&[("sim_fault", "silent"), ("timeout", "0.1")]);
        assert!(matches!(
            c.connect(),
            Err(NetworkError::Timeout {
                operation: "connect",
                ..
            })
        ));
    }

    #[test]
    fn signal_from_csq() {
        let (mut c, _) = sim(&[("sim_csq", "10")]);
        assert_eq!(c.max_signal_strength(), Err(NetworkError::NotConnected));
        c.connect().unwrap();
        let r = c.max_signal_strength().unwrap();
        assert_eq!((r.dbm(), r.source()), (-93, SignalSource::Other));
        let (mut c, _) = sim(&[("sim_csq", "99")]);
        c.connect().unwrap();
        assert!(matches!(
            c.avg_signal_strength(),
            Err(NetworkError::Io { .. })
        ));
    }

    #[test]
    fn settings_are_checked() {
        let bad = [
            ("device", ""),
            ("apn", "has space"),
            ("timeout", "0"),
            ("sim_csq", "50"),
            ("sim_fault", "loud"),
            ("speed", "1"),
        ];
        for (k, v) in bad {
            let mut cfg = AdapterConfig::new();
            if k != "device" {
                cfg.set("device", "sim");
            }
            cfg.set(k, v);
            let ctx = AdapterContext::new(Arc::new(hologram_ports::NullEventSink), cfg);
            assert!(Cellular::from_context(&ctx).is_err(), "{k} = {v}");
        }
    }

    #[test]
    fn a_zero_baud_rate_is_refused() {
        let cfg = AdapterConfig::new()
            .with("device", "/dev/ttyUSB0")
            .with("baud", "0");
        let ctx = AdapterContext::new(Arc::new(hologram_ports::NullEventSink), cfg);
        assert!(matches!(
            Cellular::from_context(&ctx),
            Err(AdapterError::Config(ConfigError::Invalid { key, .. })) if key == "baud"
        ));
    }

    #[test]
    fn a_missing_device_is_no_such_interface() {
        let ctx = AdapterContext::new(
            Arc::new(hologram_ports::NullEventSink),
            AdapterConfig::new().with("device", "/dev/no-such-modem"),
        );
        let mut c = Cellular::from_context(&ctx).unwrap();
        assert!(matches!(
            c.connect(),
            Err(NetworkError::NoSuchInterface { name }) if name == "/dev/no-such-modem"
        ));
    }
}
