//! Why a plugin was not loaded, or misbehaved.

use std::path::{Path, PathBuf};

use hologram_plugin_abi::host::OpenError;

use hologram_plugin_abi::ABI_VERSION;

/// A plugin could not be loaded or misbehaved. Every variant names the
/// library file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The directory or file could not be read.
    #[error("plugin {}: cannot read it: {detail}", path.display())]
    Unreadable {
        /// The directory or file.
        path: PathBuf,
        /// What the system said.
        detail: String,
    },
    /// The file is not a loadable shared library.
    #[error("plugin {}: not a loadable library: {detail}", path.display())]
    NotALibrary {
        /// The file.
        path: PathBuf,
        /// What the dynamic loader said.
        detail: String,
    },
    /// The library is not a Hologram network plugin: it has no root module.
    #[error("plugin {}: not a Hologram network plugin: {detail}", path.display())]
    NoRootModule {
        /// The file.
        path: PathBuf,
        /// What is missing.
        detail: String,
    },
    /// The library was built for another plugin ABI (another major
    /// version, another layout, another `abi_stable`). Rebuild it against
    /// this SDK's `hologram-plugin-abi`.
    #[error("plugin {}: incompatible plugin ABI: this SDK loads {expected}, the plugin has {found}; rebuild it against hologram-plugin-abi {ABI_VERSION}", path.display())]
    IncompatibleAbi {
        /// The file.
        path: PathBuf,
        /// What this SDK accepts.
        expected: String,
        /// What the plugin declares.
        found: String,
        /// The checker's explanation (may be empty).
        detail: String,
    },
    /// The plugin's initialization failed, or it declares an invalid name
    /// or version.
    #[error("plugin {}: {detail}", path.display())]
    InitFailed {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// Another network (a built-in one or another plugin) already has the
    /// name this plugin declares; the first one loaded is kept.
    #[error("plugin {}: the network name {name:?} is already taken by {other}", path.display())]
    DuplicateName {
        /// The file that was not registered.
        path: PathBuf,
        /// The name.
        name: String,
        /// The one that has it: `built-in` or `plugin <file>`.
        other: String,
    },
    /// The directory or library may be changed by another user (it is
    /// writable by group or others, or owned by a user other than root and
    /// this one), so it was not opened. See [`Trust`](crate::Trust).
    #[error("plugin {}: not loaded: {detail}", path.display())]
    Untrusted {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong and the fix.
        detail: String,
    },
    /// A call into the plugin panicked. The panic was caught inside the
    /// plugin; the call failed and that instance is disabled.
    #[error("plugin {}: panicked in {call}: {message}", path.display())]
    Panicked {
        /// The file.
        path: PathBuf,
        /// The call (`load`, `new`, `connect`, ...).
        call: String,
        /// The panic message.
        message: String,
    },
}

impl PluginError {
    /// The library file (or directory) the error is about.
    pub fn path(&self) -> &Path {
        match self {
            PluginError::Unreadable { path, .. }
            | PluginError::NotALibrary { path, .. }
            | PluginError::NoRootModule { path, .. }
            | PluginError::IncompatibleAbi { path, .. }
            | PluginError::InitFailed { path, .. }
            | PluginError::DuplicateName { path, .. }
            | PluginError::Untrusted { path, .. }
            | PluginError::Panicked { path, .. } => path,
        }
    }

    pub(crate) fn from_open(path: &Path, e: OpenError) -> PluginError {
        let path = path.to_owned();
        match e {
            OpenError::NotALibrary { detail } => PluginError::NotALibrary { path, detail },
            OpenError::NoRootModule { detail } => PluginError::NoRootModule { path, detail },
            OpenError::IncompatibleAbi {
                expected,
                found,
                detail,
            } => PluginError::IncompatibleAbi {
                path,
                expected,
                found,
                detail,
            },
            OpenError::InitPanicked => PluginError::Panicked {
                path,
                call: "load".to_owned(),
                message: "the root module's constructor panicked".to_owned(),
            },
            other => PluginError::InitFailed {
                path,
                detail: other.to_string(),
            },
        }
    }
}
