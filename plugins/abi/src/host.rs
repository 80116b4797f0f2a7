//! The host side: open a plugin library, check it, and drive its network
//! interface through the [`NetworkInterface`] port. Nothing here exposes an
//! `abi_stable` type.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use abi_stable::library::{lib_header_from_path, LibraryError, RootModuleError};
use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::std_types::{RResult, RStr};
use hologram_ports::{
    AdapterContext, AdapterError, Event, EventSink, MacAddress, NetworkCapabilities, NetworkError,
    NetworkInterface, SignalReading, Ssid,
};

use crate::convert::{
    adapter_error_from_ffi, capabilities_from_ffi, config_to_ffi, mac_from_ffi,
    network_error_from_ffi, signal_from_ffi,
};
use crate::ffi::{
    FfiError, FfiErrorKind, FfiEventSink, FfiEventSink_TO, FfiNetworkBox, NetworkPluginRef,
    ABI_VERSION, ROOT_MODULE_NAME,
};
use crate::guest::{is_valid_name, panic_message};

/// Why a library could not be opened as a network plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// The file is not a loadable shared library (or cannot be read).
    NotALibrary {
        /// What the dynamic loader said.
        detail: String,
    },
    /// The library exports no Hologram root module.
    NoRootModule {
        /// What is missing.
        detail: String,
    },
    /// The library was built for another ABI: another ABI version, another
    /// layout of the types, or another `abi_stable`.
    IncompatibleAbi {
        /// What this host accepts.
        expected: String,
        /// What the library declares.
        found: String,
        /// The checker's explanation, cut short.
        detail: String,
    },
    /// The plugin's root-module constructor returned an error.
    InitFailed {
        /// Its error.
        detail: String,
    },
    /// The plugin's root-module constructor panicked.
    InitPanicked,
    /// The root module declares an invalid name or version.
    InvalidDeclaration {
        /// What is wrong.
        detail: String,
    },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::NotALibrary { detail } => write!(f, "not a loadable library: {detail}"),
            OpenError::NoRootModule { detail } => {
                write!(f, "not a Hologram network plugin: {detail}")
            }
            OpenError::IncompatibleAbi {
                expected, found, ..
            } => write!(
                f,
                "incompatible plugin ABI: expected {expected}, found {found}"
            ),
            OpenError::InitFailed { detail } => write!(f, "the plugin failed to start: {detail}"),
            OpenError::InitPanicked => f.write_str("the plugin panicked while starting"),
            OpenError::InvalidDeclaration { detail } => {
                write!(f, "the plugin declares itself wrongly: {detail}")
            }
        }
    }
}

impl std::error::Error for OpenError {}

/// The longest checker explanation kept in an [`OpenError`].
const MAX_DETAIL: usize = 600;

fn cut(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MAX_DETAIL) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

fn expected_abi() -> String {
    format!("ABI {ABI_VERSION} (any {}.x)", major(ABI_VERSION))
}

fn major(v: &str) -> &str {
    v.split('.').next().unwrap_or(v)
}

fn map_library_error(e: LibraryError) -> OpenError {
    match e {
        LibraryError::OpenError { err, .. } => OpenError::NotALibrary {
            detail: err.to_string(),
        },
        LibraryError::GetSymbolError { .. } => OpenError::NoRootModule {
            detail: "it exports no abi_stable root module".to_owned(),
        },
        LibraryError::ParseVersionError(v) => OpenError::IncompatibleAbi {
            expected: expected_abi(),
            found: "an unreadable ABI version".to_owned(),
            detail: cut(&v.to_string()),
        },
        LibraryError::IncompatibleVersionNumber { actual_version, .. } => {
            OpenError::IncompatibleAbi {
                expected: expected_abi(),
                found: format!("ABI {actual_version}"),
                detail: String::new(),
            }
        }
        LibraryError::AbiInstability(err) => OpenError::IncompatibleAbi {
            expected: expected_abi(),
            found: "a different layout of the plugin types".to_owned(),
            detail: cut(&err.to_string()),
        },
        LibraryError::InvalidAbiHeader(h) => OpenError::IncompatibleAbi {
            expected: "a plugin built with abi_stable 0.11".to_owned(),
            found: format!("abi_stable ABI {}.{}", h.abi_major, h.abi_minor),
            detail: String::new(),
        },
        LibraryError::InvalidCAbi { expected, found } => OpenError::IncompatibleAbi {
            expected: format!("this compiler's C ABI ({})", cut(&expected.to_string())),
            found: cut(&found.to_string()),
            detail: String::new(),
        },
        LibraryError::RootModule {
            err: RootModuleError::Unwound,
            ..
        } => OpenError::InitPanicked,
        LibraryError::RootModule { err, .. } => OpenError::InitFailed {
            detail: cut(&err.to_string()),
        },
        LibraryError::Many(errors) => match errors.into_iter().next() {
            Some(first) => map_library_error(first),
            None => OpenError::NoRootModule {
                detail: "the loader reported no error and no module".to_owned(),
            },
        },
        #[allow(unreachable_patterns)]
        other => OpenError::NoRootModule {
            detail: cut(&other.to_string()),
        },
    }
}

/// A network plugin library, opened and checked. Cheap to clone; the
/// library stays loaded for the life of the process.
#[derive(Clone)]
pub struct PluginLibrary {
    module: NetworkPluginRef,
    name: String,
    version: String,
    summary: String,
    abi_version: String,
}

impl PluginLibrary {
    /// Opens the library at `path` and checks, before calling anything in
    /// it, that it is a Hologram network plugin of a compatible ABI: the
    /// `abi_stable` header, the root module's name, its ABI version, then
    /// the layout of every type that crosses the boundary. Only then is its
    /// root-module constructor run (under `catch_unwind`).
    ///
    /// Loading runs the library's static initializers, as any `dlopen`
    /// does: load only plugins you trust.
    pub fn open(path: &Path) -> Result<PluginLibrary, OpenError> {
        let header = lib_header_from_path(path).map_err(map_library_error)?;
        let consts = header.root_mod_consts();
        let declared = consts.name().as_str();
        if declared != ROOT_MODULE_NAME {
            return Err(OpenError::NoRootModule {
                detail: format!(
                    "it exports the root module of {declared:?}, not {ROOT_MODULE_NAME:?}"
                ),
            });
        }
        let abi_version = header.version_strings().version.as_str().to_owned();
        let module = header
            .init_root_module::<NetworkPluginRef>()
            .map_err(map_library_error)?;
        let name = module.name().as_str().to_owned();
        let version = module.version().as_str().to_owned();
        let summary = module.summary().as_str().to_owned();
        if !is_valid_name(&name) {
            return Err(OpenError::InvalidDeclaration {
                detail: format!(
                    "the name {name:?} is not 1 to 64 ASCII letters, digits, '-', '_' or '.'"
                ),
            });
        }
        if version.trim().is_empty() {
            return Err(OpenError::InvalidDeclaration {
                detail: "the version is empty".to_owned(),
            });
        }
        Ok(PluginLibrary {
            module,
            name,
            version,
            summary,
            abi_version,
        })
    }

    /// The network name the plugin declares.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The plugin's own version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The plugin's one-line summary.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The ABI version the plugin was built against.
    pub fn abi_version(&self) -> &str {
        &self.abi_version
    }

    /// Builds one network interface: hands the plugin the settings of `ctx`
    /// and an FFI event sink that forwards to `ctx.events`. A panic in the
    /// plugin's constructor comes back as [`NewNetworkError::Panicked`].
    pub fn new_network(
        &self,
        ctx: &AdapterContext,
        on_panic: PanicHook,
    ) -> Result<HostNetwork, NewNetworkError> {
        let sink = FfiEventSink_TO::from_value(
            HostSink {
                events: ctx.events.clone(),
            },
            TD_Opaque,
        );
        let new_network = self.module.new_network();
        match new_network(config_to_ffi(&ctx.config), sink) {
            RResult::ROk(obj) => Ok(HostNetwork {
                obj,
                on_panic,
                panicked: AtomicBool::new(false),
            }),
            RResult::RErr(e) if e.kind == FfiErrorKind::PANICKED => {
                let report = PanicReport {
                    call: "new".to_owned(),
                    message: e.detail.clone().into_string(),
                };
                on_panic(&report);
                Err(NewNetworkError::Panicked(report))
            }
            RResult::RErr(e) => Err(NewNetworkError::Adapter(adapter_error_from_ffi(e))),
        }
    }
}

impl fmt::Debug for PluginLibrary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginLibrary")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("abi_version", &self.abi_version)
            .finish_non_exhaustive()
    }
}

/// A plugin call panicked (the panic was caught inside the plugin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicReport {
    /// The call: `new`, `connect`, `is_connected`, ...
    pub call: String,
    /// The panic message.
    pub message: String,
}

/// Called with every panic a plugin reports, so the host can record it:
/// once per network interface (after its first panic the plugin disables
/// that instance, and its later calls fail without panicking again).
pub type PanicHook = Arc<dyn Fn(&PanicReport) + Send + Sync>;

/// A plugin could not build its network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NewNetworkError {
    /// It refused (bad settings, no device, ...).
    Adapter(AdapterError),
    /// It panicked.
    Panicked(PanicReport),
}

/// The host's event sink, as the plugin sees it.
struct HostSink {
    events: Arc<dyn EventSink>,
}

impl FfiEventSink for HostSink {
    fn emit(&self, name: RStr<'_>) {
        let event = Event::from_name(name.as_str());
        // The FFI wrapper aborts on unwind: a panicking sink must not reach it.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| self.events.emit(&event))) {
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
        }
    }
}

/// A plugin's network interface, driven through the [`NetworkInterface`]
/// port: the native adapter the loader registers.
pub struct HostNetwork {
    obj: FfiNetworkBox,
    on_panic: PanicHook,
    /// The plugin reported a panic of this instance, which it then
    /// disabled: later `PANICKED` errors only say so and are not panics.
    panicked: AtomicBool,
}

impl HostNetwork {
    fn check<T>(&self, call: &'static str, r: RResult<T, FfiError>) -> Result<T, NetworkError> {
        match r {
            RResult::ROk(v) => Ok(v),
            RResult::RErr(e) => {
                if e.kind == FfiErrorKind::PANICKED && !self.panicked.swap(true, Ordering::Relaxed)
                {
                    (self.on_panic)(&PanicReport {
                        call: call.to_owned(),
                        message: e.detail.clone().into_string(),
                    });
                }
                Err(network_error_from_ffi(e, call))
            }
        }
    }
}

impl fmt::Debug for HostNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostNetwork").finish_non_exhaustive()
    }
}

impl NetworkInterface for HostNetwork {
    fn capabilities(&self) -> NetworkCapabilities {
        self.check("capabilities", self.obj.capabilities())
            .map(capabilities_from_ffi)
            .unwrap_or(NetworkCapabilities::NONE)
    }

    fn connect(&mut self) -> Result<(), NetworkError> {
        let r = self.obj.connect();
        self.check("connect", r)
    }

    fn disconnect(&mut self) -> Result<(), NetworkError> {
        let r = self.obj.disconnect();
        self.check("disconnect", r)
    }

    fn reconnect(&mut self) -> Result<(), NetworkError> {
        let r = self.obj.reconnect();
        self.check("reconnect", r)
    }

    fn is_connected(&self) -> bool {
        self.check("is_connected", self.obj.is_connected())
            .unwrap_or(false)
    }

    fn ssid(&self) -> Result<Ssid, NetworkError> {
        let bytes = self.check("ssid", self.obj.ssid())?;
        Ssid::new(&bytes).map_err(|_| {
            NetworkError::other(
                "ssid",
                format!(
                    "the plugin returned an SSID of {} bytes (1 to 32 allowed)",
                    bytes.len()
                ),
            )
        })
    }

    fn ap_address(&self) -> Result<MacAddress, NetworkError> {
        self.check("ap_address", self.obj.ap_address())
            .map(mac_from_ffi)
    }

    fn avg_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        self.check("avg_signal_strength", self.obj.avg_signal_strength())
            .map(signal_from_ffi)
    }

    fn max_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        self.check("max_signal_strength", self.obj.max_signal_strength())
            .map(signal_from_ffi)
    }
}

/// Reads a panic payload's message (for hosts that catch panics themselves).
pub fn describe_panic(payload: &(dyn std::any::Any + Send)) -> String {
    panic_message(payload)
}
