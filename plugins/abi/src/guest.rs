//! The plugin side: what [`export_network_plugin!`](crate::export_network_plugin)
//! expands to. A plugin author never names these items.

use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use abi_stable::library::{CheckTypeLayout, LibHeader, RootModuleResult};
use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::std_types::{RErr, ROk, RResult, RStr, RVec};
use hologram_ports::{AdapterContext, AdapterError, Event, EventSink, NetworkInterface};

use crate::convert::{
    adapter_error_to_ffi, capabilities_to_ffi, config_from_ffi, mac_to_ffi, network_error_to_ffi,
    signal_to_ffi,
};
use crate::ffi::{
    FfiCapabilities, FfiError, FfiErrorKind, FfiEventSinkBox, FfiMacAddress, FfiNetwork,
    FfiNetworkBox, FfiNetwork_TO, FfiSetting, FfiSignalReading, NetworkPlugin, NetworkPluginRef,
};

pub use abi_stable::library::LibHeader as Header;

/// The symbol `abi_stable` 0.11 looks the root module up by (checked by a
/// test against `abi_stable::library::ROOT_MODULE_LOADER_NAME`).
#[macro_export]
#[doc(hidden)]
macro_rules! __root_module_symbol {
    () => {
        "_1as_0lib_1header_0root_bmodule_bloader"
    };
}

/// What the export macro declares about a plugin.
#[doc(hidden)]
pub trait PluginDecl: 'static {
    /// The network's name.
    const NAME: &'static str;
    /// The plugin's version.
    const VERSION: &'static str;
    /// One line saying what it is.
    const SUMMARY: &'static str;
    /// Builds one network interface.
    fn make(ctx: &AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError>;
}

/// Boxes what the author's `make` returns, fixing the closure's argument type.
#[doc(hidden)]
pub fn make_with<N, F>(
    f: F,
    ctx: &AdapterContext,
) -> Result<Box<dyn NetworkInterface>, AdapterError>
where
    N: NetworkInterface + 'static,
    F: FnOnce(&AdapterContext) -> Result<N, AdapterError>,
{
    f(ctx).map(|n| Box::new(n) as Box<dyn NetworkInterface>)
}

/// Whether `name` is a valid network name: 1 to 64 ASCII letters, digits,
/// `-`, `_` or `.`, starting with a letter or digit. Usable in constants, so
/// the export macro rejects a bad name at compile time.
pub const fn is_valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 64 || !b[0].is_ascii_alphanumeric() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.') {
            return false;
        }
        i += 1;
    }
    true
}

/// The header `abi_stable` finds in the plugin library.
#[doc(hidden)]
pub const fn header<P: PluginDecl>() -> LibHeader {
    // SAFETY: `root_module::<P>` goes through `__call_root_module_loader`,
    // which returns the `PrefixRef` of a `NetworkPluginRef`, the type given
    // here: the contract of `from_constructor`.
    unsafe {
        LibHeader::from_constructor::<NetworkPluginRef>(root_module::<P>, CheckTypeLayout::Yes)
    }
}

extern "C" fn root_module<P: PluginDecl>() -> RootModuleResult {
    abi_stable::library::__call_root_module_loader(module::<P>)
}

fn module<P: PluginDecl>() -> NetworkPluginRef {
    NetworkPlugin {
        name: RStr::from_str(P::NAME),
        version: RStr::from_str(P::VERSION),
        summary: RStr::from_str(P::SUMMARY),
        new_network: new_network::<P>,
    }
    .leak_into_prefix()
}

/// The words of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

fn panicked(call: &str, payload: Box<dyn Any + Send>) -> FfiError {
    let message = panic_message(&*payload);
    // Dropping a payload can itself panic; never let that unwind.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    FfiError::new(FfiErrorKind::PANICKED, call, &message)
}

extern "C" fn new_network<P: PluginDecl>(
    settings: RVec<FfiSetting>,
    events: FfiEventSinkBox,
) -> RResult<FfiNetworkBox, FfiError> {
    let made = catch_unwind(AssertUnwindSafe(move || {
        let sink: Arc<dyn EventSink> = Arc::new(GuestSink { host: events });
        let ctx = AdapterContext::new(sink, config_from_ffi(settings));
        P::make(&ctx)
    }));
    match made {
        Ok(Ok(network)) => ROk(FfiNetwork_TO::from_value(
            Guarded {
                inner: Some(network),
                poisoned: Cell::new(None),
            },
            TD_Opaque,
        )),
        Ok(Err(e)) => RErr(adapter_error_to_ffi(&e)),
        Err(payload) => RErr(panicked("new", payload)),
    }
}

/// The host's event sink as seen by the plugin's adapter.
struct GuestSink {
    host: FfiEventSinkBox,
}

impl EventSink for GuestSink {
    fn emit(&self, event: &Event) {
        self.host.emit(RStr::from_str(event.name()));
    }
}

/// The plugin's network interface behind the FFI trait: every call runs
/// under `catch_unwind`, so a panic becomes an [`FfiErrorKind::PANICKED`]
/// error instead of unwinding into the host. After a panic the interface is
/// disabled: its state may be half-changed.
struct Guarded {
    inner: Option<Box<dyn NetworkInterface>>,
    /// The call that panicked first.
    poisoned: Cell<Option<&'static str>>,
}

impl Guarded {
    fn call<R>(
        &self,
        call: &'static str,
        f: impl FnOnce(&dyn NetworkInterface) -> R,
    ) -> Result<R, FfiError> {
        if let Some(first) = self.poisoned.get() {
            return Err(disabled(call, first));
        }
        let Some(inner) = self.inner.as_deref() else {
            return Err(disabled(call, "drop"));
        };
        catch_unwind(AssertUnwindSafe(|| f(inner))).map_err(|payload| {
            self.poisoned.set(Some(call));
            panicked(call, payload)
        })
    }

    fn call_mut<R>(
        &mut self,
        call: &'static str,
        f: impl FnOnce(&mut dyn NetworkInterface) -> R,
    ) -> Result<R, FfiError> {
        if let Some(first) = self.poisoned.get() {
            return Err(disabled(call, first));
        }
        let Some(inner) = self.inner.as_deref_mut() else {
            return Err(disabled(call, "drop"));
        };
        match catch_unwind(AssertUnwindSafe(|| f(inner))) {
            Ok(r) => Ok(r),
            Err(payload) => {
                self.poisoned.set(Some(call));
                Err(panicked(call, payload))
            }
        }
    }
}

fn disabled(call: &str, first: &str) -> FfiError {
    FfiError::new(
        FfiErrorKind::PANICKED,
        call,
        &format!("the plugin is disabled since its {first} call panicked"),
    )
}

fn flatten<T, U>(
    r: Result<Result<T, hologram_ports::NetworkError>, FfiError>,
    f: impl FnOnce(T) -> U,
) -> RResult<U, FfiError> {
    match r {
        Ok(Ok(v)) => ROk(f(v)),
        Ok(Err(e)) => RErr(network_error_to_ffi(&e)),
        Err(e) => RErr(e),
    }
}

impl FfiNetwork for Guarded {
    fn capabilities(&self) -> RResult<FfiCapabilities, FfiError> {
        self.call("capabilities", |n| capabilities_to_ffi(n.capabilities()))
            .into()
    }
    fn connect(&mut self) -> RResult<(), FfiError> {
        flatten(self.call_mut("connect", |n| n.connect()), |v| v)
    }
    fn disconnect(&mut self) -> RResult<(), FfiError> {
        flatten(self.call_mut("disconnect", |n| n.disconnect()), |v| v)
    }
    fn reconnect(&mut self) -> RResult<(), FfiError> {
        flatten(self.call_mut("reconnect", |n| n.reconnect()), |v| v)
    }
    fn is_connected(&self) -> RResult<bool, FfiError> {
        self.call("is_connected", |n| n.is_connected()).into()
    }
    fn ssid(&self) -> RResult<RVec<u8>, FfiError> {
        flatten(self.call("ssid", |n| n.ssid()), |s| {
            RVec::from(s.as_bytes().to_vec())
        })
    }
    fn ap_address(&self) -> RResult<FfiMacAddress, FfiError> {
        flatten(self.call("ap_address", |n| n.ap_address()), mac_to_ffi)
    }
    fn avg_signal_strength(&self) -> RResult<FfiSignalReading, FfiError> {
        flatten(
            self.call("avg_signal_strength", |n| n.avg_signal_strength()),
            signal_to_ffi,
        )
    }
    fn max_signal_strength(&self) -> RResult<FfiSignalReading, FfiError> {
        flatten(
            self.call("max_signal_strength", |n| n.max_signal_strength()),
            signal_to_ffi,
        )
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // A panicking destructor must not unwind through the FFI drop.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(inner)));
        }
    }
}

/// Exports a network interface as a Hologram plugin.
///
/// Write a normal `impl NetworkInterface for YourType`, then one line:
///
/// ```ignore
/// hologram_plugin_abi::export_network_plugin!(
///     name = "loopback",
///     version = env!("CARGO_PKG_VERSION"),
///     summary = "a link that is up when connected",
///     make = |ctx| Ok(Loopback::new(ctx)),
/// );
/// ```
///
/// - `name`: what users pick the network by; 1 to 64 ASCII letters,
///   digits, `-`, `_` or `.` (checked at compile time).
/// - `make`: a closure or function taking `&AdapterContext` (the settings
///   and the host's event sink) and returning
///   `Result<impl NetworkInterface, AdapterError>`.
///
/// Every call into your type runs under `catch_unwind`: a panic comes back
/// to the host as an error and never unwinds across the FFI boundary (so
/// build plugins with `panic = "unwind"`, the default).
///
/// Use the macro once per library, at the crate root of a
/// `crate-type = ["cdylib", "rlib"]` crate.
///
/// A name outside that set is refused when the plugin is compiled. This
/// one compiles:
///
/// ```no_run
/// use hologram_ports::{AdapterContext, NetworkCapabilities, NetworkError, NetworkInterface};
///
/// #[derive(Debug)]
/// struct Link;
///
/// impl NetworkInterface for Link {
///     fn capabilities(&self) -> NetworkCapabilities { NetworkCapabilities::NONE }
///     fn connect(&mut self) -> Result<(), NetworkError> { Ok(()) }
///     fn disconnect(&mut self) -> Result<(), NetworkError> { Ok(()) }
///     fn is_connected(&self) -> bool { false }
/// }
///
/// hologram_plugin_abi::export_network_plugin!(
///     name = "my-link_2.0",
///     version = "1.0.0",
///     summary = "a link",
///     make = |_ctx: &AdapterContext| Ok(Link),
/// );
/// # fn main() {}
/// ```
///
/// and the same plugin named `my link` (a space) does not: the name check
/// fails while compiling (error E0080, "a plugin's name is 1 to 64 ASCII
/// letters, digits, '-', '_' or '.'").
///
/// ```compile_fail,E0080
/// use hologram_ports::{AdapterContext, NetworkCapabilities, NetworkError, NetworkInterface};
///
/// #[derive(Debug)]
/// struct Link;
///
/// impl NetworkInterface for Link {
///     fn capabilities(&self) -> NetworkCapabilities { NetworkCapabilities::NONE }
///     fn connect(&mut self) -> Result<(), NetworkError> { Ok(()) }
///     fn disconnect(&mut self) -> Result<(), NetworkError> { Ok(()) }
///     fn is_connected(&self) -> bool { false }
/// }
///
/// hologram_plugin_abi::export_network_plugin!(
///     name = "my link",
///     version = "1.0.0",
///     summary = "a link",
///     make = |_ctx: &AdapterContext| Ok(Link),
/// );
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! export_network_plugin {
    (
        name = $name:expr,
        version = $version:expr,
        summary = $summary:expr,
        make = $make:expr $(,)?
    ) => {
        #[doc(hidden)]
        #[allow(missing_debug_implementations)]
        pub struct __HologramNetworkPlugin;

        const _: () = assert!(
            $crate::__private::is_valid_name($name),
            "a plugin's name is 1 to 64 ASCII letters, digits, '-', '_' or '.'"
        );

        impl $crate::__private::PluginDecl for __HologramNetworkPlugin {
            const NAME: &'static str = $name;
            const VERSION: &'static str = $version;
            const SUMMARY: &'static str = $summary;
            fn make(
                ctx: &$crate::__private::AdapterContext,
            ) -> ::std::result::Result<
                ::std::boxed::Box<dyn $crate::__private::NetworkInterface>,
                $crate::__private::AdapterError,
            > {
                $crate::__private::make_with($make, ctx)
            }
        }

        /// The plugin's root module header, found by the Hologram loader.
        #[export_name = $crate::__root_module_symbol!()]
        pub static __HOLOGRAM_NETWORK_PLUGIN: $crate::__private::Header =
            $crate::__private::header::<__HologramNetworkPlugin>();
    };
}
