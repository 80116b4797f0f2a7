//! The template for Hologram network plugins: a `loopback` network.
//!
//! Copy this crate to start a plugin. It shows everything a plugin needs and
//! nothing more:
//!
//! 1. a type that implements the [`NetworkInterface`] port, the same trait
//!    the built-in adapters implement;
//! 2. a factory that reads the adapter settings from an [`AdapterContext`]
//!    and keeps its event sink;
//! 3. one line, [`hologram_plugin_abi::export_network_plugin!`], that
//!    exports it under a name.
//!
//! Build it with `cargo build --release`; the plugin is
//! `target/release/libhologram_plugin_template.so`. Drop it into the plugins
//! directory and pick it with `Hologram::builder().network("loopback")` or
//! `hologram send --network loopback`.
//!
//! The loopback link has no hardware: `connect` brings it up, `disconnect`
//! takes it down, and it answers no optional query.
//!
//! ```
//! use hologram_plugin_template::Loopback;
//! use hologram_ports::{AdapterContext, NetworkInterface};
//!
//! let mut net = Loopback::from_context(&AdapterContext::detached()).unwrap();
//! assert!(!net.is_connected());
//! net.connect().unwrap();
//! assert!(net.is_connected());
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

use std::fmt;
use std::sync::Arc;

use hologram_ports::{
    AdapterContext, AdapterError, Event, EventSink, NetworkCapabilities, NetworkError,
    NetworkInterface,
};

/// The settings this plugin accepts. Declare yours so a typo in a setting
/// is an error that lists them, not a setting silently ignored.
pub const CONFIG_KEYS: [&str; 1] = ["connected"];

/// A network interface with no hardware: up once connected.
pub struct Loopback {
    /// Whether the link is up.
    up: bool,
    /// Where to report events: the host's event bus, reached through the
    /// plugin ABI. Keep the `Arc` for the life of the interface.
    events: Arc<dyn EventSink>,
}

impl Loopback {
    /// The factory: reads the settings and keeps the event sink.
    ///
    /// Settings: `connected` (`true` or `false`, default `false`): start with
    /// the link already up.
    pub fn from_context(ctx: &AdapterContext) -> Result<Loopback, AdapterError> {
        // Refuse unknown settings, naming the ones we know.
        ctx.config.check_known("loopback", &CONFIG_KEYS)?;
        // Parse a setting; a bad value is a typed `ConfigError`.
        let up = ctx.config.parse::<bool>("connected")?.unwrap_or(false);
        Ok(Loopback {
            up,
            events: ctx.events.clone(),
        })
    }
}

impl fmt::Debug for Loopback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loopback").field("up", &self.up).finish()
    }
}

impl NetworkInterface for Loopback {
    /// No optional query (`ssid`, signal strength, ...) is answered: the
    /// trait's default bodies return `NetworkError::Unsupported` for them,
    /// which is what the contract asks of an interface that lacks them.
    fn capabilities(&self) -> NetworkCapabilities {
        NetworkCapabilities::NONE
    }

    /// Brings the link up. The contract: on a transition, emit
    /// `network.connected` exactly once (a link-specific event such as
    /// `wifi.connected` would come first; loopback has none).
    fn connect(&mut self) -> Result<(), NetworkError> {
        if !self.up {
            self.up = true;
            self.events.emit(&Event::NetworkConnected);
        }
        Ok(())
    }

    /// Takes the link down. Idempotent: on a link already down, succeed and
    /// emit nothing.
    fn disconnect(&mut self) -> Result<(), NetworkError> {
        if self.up {
            self.up = false;
            self.events.emit(&Event::NetworkDisconnected);
        }
        Ok(())
    }

    /// Cheap and never fails.
    fn is_connected(&self) -> bool {
        self.up
    }
}

// The one line that makes this crate a plugin. It exports the root module
// the SDK's loader looks for, under the ABI version of `hologram-plugin-abi`;
// every call into `Loopback` runs under `catch_unwind`, so even a panic
// comes back to the host as an error.
hologram_plugin_abi::export_network_plugin!(
    name = "loopback",
    version = env!("CARGO_PKG_VERSION"),
    summary = "a loopback link with no hardware, up once connected (the plugin template)",
    make = Loopback::from_context,
);

#[cfg(test)]
mod tests {
    use super::*;
    use hologram_ports::{AdapterConfig, ConfigError};

    #[test]
    fn unknown_settings_are_refused() {
        let ctx = AdapterContext::new(
            Arc::new(hologram_ports::NullEventSink),
            AdapterConfig::new().with("conected", "true"),
        );
        assert!(matches!(
            Loopback::from_context(&ctx),
            Err(AdapterError::Config(ConfigError::UnknownKey { .. }))
        ));
    }

    #[test]
    fn disconnect_is_idempotent() {
        let mut net = Loopback::from_context(&AdapterContext::detached()).unwrap();
        net.disconnect().unwrap();
        net.connect().unwrap();
        net.connect().unwrap();
        assert!(net.is_connected());
        net.disconnect().unwrap();
        assert!(!net.is_connected());
    }
}
