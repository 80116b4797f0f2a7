//! The stable ABI between the Hologram SDK and network-interface plugins.
//!
//! A plugin is a shared library (`cdylib`) that adds a network interface
//! to the SDK without rebuilding it. This crate is the only one that
//! speaks `abi_stable`; neither the ports nor the core see its types.
//!
//! It has three parts:
//!
//! - [`ffi`]: the FFI-safe types: the root module [`ffi::NetworkPlugin`]
//!   (name, version, summary, constructor), the trait objects
//!   [`ffi::FfiNetwork`] (a mirror of the `NetworkInterface` port) and
//!   [`ffi::FfiEventSink`] (the host's event bus), and the error,
//!   capability and signal values. Versioned by [`ABI_VERSION`].
//! - The plugin side: [`export_network_plugin!`], which turns a normal
//!   `impl NetworkInterface` into an exported root module and runs every
//!   call under `catch_unwind`.
//! - [`host`]: the host side: [`host::PluginLibrary::open`] checks and opens
//!   a library, and [`host::HostNetwork`] drives the plugin through the
//!   `NetworkInterface` port.
//!
//! # For plugin authors
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib", "rlib"]
//!
//! [dependencies]
//! hologram-ports = "0.1"
//! hologram-plugin-abi = "0.1"
//! ```
//!
//! ```
//! use hologram_ports::{AdapterContext, NetworkCapabilities, NetworkError, NetworkInterface};
//!
//! /// A link that is up once connected.
//! #[derive(Debug, Default)]
//! pub struct Loopback { up: bool }
//!
//! impl NetworkInterface for Loopback {
//!     fn capabilities(&self) -> NetworkCapabilities { NetworkCapabilities::NONE }
//!     fn connect(&mut self) -> Result<(), NetworkError> { self.up = true; Ok(()) }
//!     fn disconnect(&mut self) -> Result<(), NetworkError> { self.up = false; Ok(()) }
//!     fn is_connected(&self) -> bool { self.up }
//! }
//!
//! hologram_plugin_abi::export_network_plugin!(
//!     name = "loopback",
//!     version = "1.0.0",
//!     summary = "a link that is up once connected",
//!     make = |_ctx: &AdapterContext| Ok(Loopback::default()),
//! );
//! # fn main() {}
//! ```
//!
//! `plugins/template` in the SDK's repository is a complete, commented
//! example; `docs/plugins.md` explains building, testing and installing.
//!
//! # Compatibility
//!
//! A host loads a plugin whose [`ABI_VERSION`] has the same major number.
//! Later minor versions only add optional root-module fields and trait
//! methods with default bodies (see [`ffi`]).
#![allow(non_local_definitions)] // `#[sabi_trait]` and `#[derive(StableAbi)]` expand to impls in consts.
#![deny(missing_docs, missing_debug_implementations)]

mod convert;
pub mod ffi;
mod guest;
pub mod host;

pub use ffi::ABI_VERSION;
pub use guest::is_valid_name;

/// What the export macro expands to. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::guest::{header, is_valid_name, make_with, Header, PluginDecl};
    pub use hologram_ports::{AdapterContext, AdapterError, NetworkInterface};
}

#[cfg(test)]
mod tests {
    #[test]
    fn root_module_symbol_matches_abi_stable() {
        assert_eq!(
            crate::__root_module_symbol!(),
            abi_stable::library::ROOT_MODULE_LOADER_NAME
        );
    }

    #[test]
    fn names_are_checked() {
        for good in ["loopback", "cellular", "my-net_2.0", "a"] {
            assert!(crate::is_valid_name(good), "{good}");
        }
        for bad in ["", "-x", "has space", "é", &"x".repeat(65)] {
            assert!(!crate::is_valid_name(bad), "{bad}");
        }
    }
}
