//! Network-interface plugins: shared libraries loaded at run time and
//! registered by the name they declare.
//!
//! A third party adds a network interface without rebuilding the SDK or the
//! CLI: build a plugin with `hologram-plugin-abi` (see `docs/plugins.md`),
//! drop its `.so` into a plugins directory, and pick it by name:
//!
//! ```no_run
//! use hologram::Hologram;
//!
//! let hologram = Hologram::builder()
//!     .plugins_dir("/opt/hologram/plugins")
//!     .network("cellular")
//!     .build()?;
//! for failure in hologram.plugin_failures() {
//!     eprintln!("skipped: {failure}");
//! }
//! # Ok::<(), hologram::Error>(())
//! ```
//!
//! Where plugins are looked for: the directories given to
//! [`HologramBuilder::plugins_dir`](crate::HologramBuilder::plugins_dir),
//! and with
//! [`HologramBuilder::plugins_from_env`](crate::HologramBuilder::plugins_from_env)
//! those in `HOLOGRAM_PLUGINS_DIR` (`:`-separated), else the default
//! directory `$XDG_DATA_HOME/hologram/plugins` (or
//! `~/.local/share/hologram/plugins`) when it exists.
//!
//! A library that cannot be used (not a library, not a plugin, another ABI,
//! a name already taken, a panic while loading) is skipped with a warning
//! naming the file, and kept in
//! [`Hologram::plugin_failures`](crate::Hologram::plugin_failures); the
//! other plugins load. Building fails only if the network asked for is not
//! there, with the usual error listing the names that are.
//!
//! Plugins need the `plugins` feature (on by default).

use std::path::PathBuf;

use crate::registry::Registry;

#[cfg(feature = "plugins")]
pub use hologram_plugin_loader::{
    default_plugins_dir, plugins_dirs_from_env, LoadedPlugin, PluginError, ScanReport, ABI_VERSION,
    PLUGINS_DIR_ENV,
};

/// Why a plugin was not loaded. Without the `plugins` feature nothing is
/// loaded, so no value of this type exists.
#[cfg(not(feature = "plugins"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginError {}

/// The plugins directories a builder was given.
#[derive(Debug, Clone, Default)]
pub(crate) struct PluginDirs {
    dirs: Vec<PathBuf>,
    from_env: bool,
}

impl PluginDirs {
    pub(crate) fn add(&mut self, dir: PathBuf) {
        self.dirs.push(dir);
    }

    pub(crate) fn add_from_env(&mut self) {
        self.from_env = true;
    }

    /// Loads the plugins of every directory into `registry`; returns the
    /// failures, each already logged as a warning.
    pub(crate) fn load_into(&self, registry: &mut Registry) -> Vec<PluginError> {
        if self.dirs.is_empty() && !self.from_env {
            return Vec::new();
        }
        #[cfg(feature = "plugins")]
        {
            let mut dirs = self.dirs.clone();
            if self.from_env {
                dirs.extend(plugins_dirs_from_env());
            }
            register_plugins(registry, &dirs).failures
        }
        #[cfg(not(feature = "plugins"))]
        {
            let _ = registry;
            log::warn!(target: "Plugins", "plugins directories were given, but this build has no plugin support (the `plugins` feature is off)");
            Vec::new()
        }
    }
}

/// Loads every plugin in `dirs` (in order; the first of two plugins with
/// one name wins) and registers each in `registry` under the name it
/// declares, with [`Origin::Plugin`](crate::Origin::Plugin). Returns the
/// plugins registered and the failures, a plugin whose name is already
/// registered (built-in or not) being a
/// [`PluginError::DuplicateName`]. Each failure is logged as a warning
/// (target `Plugins`) naming the file.
///
/// This is what the builder does; tools such as `hologram plugins list`
/// call it on a [`Registry::builtin`] copy.
#[cfg(feature = "plugins")]
pub fn register_plugins<P: AsRef<std::path::Path>>(
    registry: &mut Registry,
    dirs: &[P],
) -> ScanReport {
    use std::sync::Arc;

    use crate::registry::{Origin, RegistryError, SharedFactory};
    use hologram_ports::NetworkInterface;

    let scan = hologram_plugin_loader::scan_dirs(dirs);
    let mut report = ScanReport {
        loaded: Vec::with_capacity(scan.loaded.len()),
        failures: scan.failures,
    };
    for plugin in scan.loaded {
        let origin = Origin::Plugin {
            path: plugin.path().to_owned(),
            version: plugin.version().to_owned(),
        };
        let make = plugin.clone();
        let factory: SharedFactory<dyn NetworkInterface> = Arc::new(move |ctx| make.make(ctx));
        match registry.register(plugin.name(), plugin.summary(), origin, factory) {
            Ok(()) => {
                log::info!(target: "Plugins", "loaded network {:?} {} from {}", plugin.name(), plugin.version(), plugin.path().display());
                report.loaded.push(plugin);
            }
            Err(RegistryError::Duplicate { first, .. }) => {
                report.failures.push(PluginError::DuplicateName {
                    path: plugin.path().to_owned(),
                    name: plugin.name().to_owned(),
                    other: first,
                });
            }
            Err(e) => report.failures.push(PluginError::InitFailed {
                path: plugin.path().to_owned(),
                detail: e.to_string(),
            }),
        }
    }
    for failure in &report.failures {
        log::warn!(target: "Plugins", "{failure}");
    }
    report
}
