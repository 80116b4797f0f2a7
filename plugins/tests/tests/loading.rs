//! Loading plugins from a directory: the good ones load, and every kind of
//! bad library is a typed error naming its file, never a crash.

use std::path::Path;
use std::sync::Arc;

use hologram::{
    AdapterConfig, AdapterContext, AdapterError, AdapterKind, Error, Hologram, NetworkCapabilities,
    NetworkError, Origin, Registry,
};
use hologram_plugin_loader::{load_file, scan_dir, LoadedPlugin, PluginError};
use hologram_plugin_tests::{install_as, library, plugin_dir, random_bytes, Fixture};

fn names(plugins: &[LoadedPlugin]) -> Vec<&str> {
    plugins.iter().map(LoadedPlugin::name).collect()
}

fn file_of(e: &PluginError) -> String {
    e.path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn the_example_plugins_load_from_a_directory() {
    let dir = plugin_dir(&[Fixture::Template, Fixture::Cellular]);
    let report = scan_dir(dir.path());
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(names(&report.loaded), ["cellular", "loopback"]);
    for p in &report.loaded {
        assert_eq!(p.version(), "0.1.0");
        assert_eq!(p.abi_version(), hologram_plugin_loader::ABI_VERSION);
        assert!(!p.summary().is_empty());
        assert_eq!(p.path().parent(), Some(dir.path()));
    }
}

#[test]
fn random_bytes_named_so_are_not_a_library() {
    let dir = plugin_dir(&[Fixture::Template]);
    std::fs::write(dir.path().join("libgarbage.so"), random_bytes(7, 8192)).unwrap();
    let report = scan_dir(dir.path());
    assert_eq!(names(&report.loaded), ["loopback"]);
    match &report.failures[..] {
        [e @ PluginError::NotALibrary { path, detail }] => {
            assert!(path.ends_with("libgarbage.so"));
            assert!(!detail.is_empty());
            assert!(e.to_string().contains("libgarbage.so"), "{e}");
        }
        other => panic!("expected one NotALibrary, got {other:?}"),
    }
}

#[test]
fn a_library_without_the_root_module() {
    let path = library(Fixture::NoRoot);
    match load_file(&path) {
        Err(e @ PluginError::NoRootModule { .. }) => {
            assert_eq!(e.path(), path);
            assert!(
                e.to_string().contains("not a Hologram network plugin"),
                "{e}"
            );
        }
        other => panic!("expected NoRootModule, got {other:?}"),
    }
}

#[test]
fn a_plugin_built_for_another_abi_version() {
    // The fixture's root-module constructor panics if called: getting
    // IncompatibleAbi (not Panicked) shows nothing in it ran.
    let path = library(Fixture::WrongAbiVersion);
    let err = load_file(&path).unwrap_err();
    match &err {
        PluginError::IncompatibleAbi {
            expected, found, ..
        } => {
            assert!(expected.contains("1.0.0"), "{expected}");
            assert!(found.contains("2.0.0"), "{found}");
            assert!(
                err.to_string().contains("hologram_wrong_abi_version"),
                "{err}"
            );
        }
        other => panic!("expected IncompatibleAbi, got {other:?}"),
    }
}

#[test]
fn a_plugin_with_the_same_abi_version_but_another_layout() {
    let path = library(Fixture::WrongAbiLayout);
    match load_file(&path) {
        Err(PluginError::IncompatibleAbi { found, detail, .. }) => {
            assert!(found.contains("layout"), "{found}");
            assert!(!detail.is_empty());
        }
        other => panic!("expected IncompatibleAbi, got {other:?}"),
    }
}

#[test]
fn two_plugins_with_one_name() {
    let dir = tempfile::tempdir().unwrap();
    install_as(dir.path(), Fixture::Template, "liba_loopback.so");
    install_as(dir.path(), Fixture::Template, "libb_loopback.so");
    let report = scan_dir(dir.path());
    assert_eq!(names(&report.loaded), ["loopback"]);
    assert!(report.loaded[0].path().ends_with("liba_loopback.so"));
    match &report.failures[..] {
        [PluginError::DuplicateName { path, name, other }] => {
            assert!(path.ends_with("libb_loopback.so"));
            assert_eq!(name, "loopback");
            assert!(other.contains("liba_loopback.so"), "{other}");
        }
        other => panic!("expected one DuplicateName, got {other:?}"),
    }
}

#[test]
fn a_plugin_named_as_a_built_in_network() {
    let mut registry = Registry::builtin().unwrap();
    registry
        .register::<dyn hologram::NetworkInterface>(
            "loopback",
            "a built-in stand-in",
            Origin::BuiltIn,
            Arc::new(|_ctx: &AdapterContext| {
                Err(AdapterError::Network(NetworkError::NotConnected))
            }),
        )
        .unwrap();
    let dir = plugin_dir(&[Fixture::Template, Fixture::Cellular]);
    let hologram = Hologram::builder()
        .registry(registry)
        .plugins_dir(dir.path())
        .build()
        .unwrap();
    match hologram.plugin_failures() {
        [PluginError::DuplicateName { path, name, other }] => {
            assert_eq!(
                file_of(&hologram.plugin_failures()[0]),
                Fixture::Template.file_name()
            );
            assert!(path.starts_with(dir.path()));
            assert_eq!(name, "loopback");
            assert_eq!(other, "built-in");
        }
        other => panic!("expected one DuplicateName, got {other:?}"),
    }
    let entry = hologram
        .registry()
        .check(AdapterKind::Network, "loopback")
        .unwrap();
    assert_eq!(entry.origin(), &Origin::BuiltIn);
    assert!(matches!(
        hologram.registry().check(AdapterKind::Network, "cellular").unwrap().origin(),
        Origin::Plugin { version, .. } if version == "0.1.0"
    ));
}

fn panicky(panic_in: &str) -> (LoadedPlugin, AdapterContext) {
    let plugin = load_file(&library(Fixture::Panicky)).unwrap();
    let ctx = AdapterContext::new(
        Arc::new(hologram::ports::NullEventSink),
        AdapterConfig::new().with("panic_in", panic_in),
    );
    (plugin, ctx)
}

fn assert_panicked(plugin: &LoadedPlugin, call: &str) {
    let panics = plugin.panics();
    assert!(
        panics.iter().any(|e| matches!(
            e,
            PluginError::Panicked { call: c, message, path }
                if c == call && message.contains("deliberate panic") && path == plugin.path()
        )),
        "no panic recorded for {call}: {panics:?}"
    );
}

#[test]
fn a_panic_in_connect_is_a_typed_error() {
    let (plugin, ctx) = panicky("connect");
    let mut net = plugin.make(&ctx).unwrap();
    match net.connect() {
        Err(NetworkError::Io { operation, source }) => {
            let detail = source.to_string();
            assert_eq!(operation, "connect");
            assert!(detail.contains("panicked"), "{detail}");
        }
        other => panic!("expected a typed error, got {other:?}"),
    }
    assert_panicked(&plugin, "connect");
    // The instance is disabled, but answers: no crash, no made-up state.
    assert!(!net.is_connected());
    assert!(net.disconnect().is_err());
    assert_eq!(net.capabilities(), NetworkCapabilities::NONE);
    assert!(net.connect().is_err());
    // Only the real panic is recorded, not each later call on the
    // disabled instance.
    assert_eq!(plugin.panics().len(), 1, "{:?}", plugin.panics());
    drop(net);
    // A new instance works until it panics again.
    let (plugin, ctx) = panicky("disconnect");
    let mut net = plugin.make(&ctx).unwrap();
    net.connect().unwrap();
    assert!(net.is_connected());
    assert!(net.disconnect().is_err());
    assert_panicked(&plugin, "disconnect");
}

#[test]
fn a_panic_in_any_call_never_crosses_the_boundary() {
    let (plugin, ctx) = panicky("new");
    match plugin.make(&ctx) {
        Err(AdapterError::Network(NetworkError::Io { operation, source })) => {
            let detail = source.to_string();
            assert_eq!(operation, "new");
            assert!(detail.contains("panicked"), "{detail}");
            assert!(detail.contains("hologram_panicky"), "{detail}");
        }
        other => panic!("expected a typed error, got {:?}", other.map(|_| ())),
    }
    assert_panicked(&plugin, "new");

    let (plugin, ctx) = panicky("is_connected");
    let net = plugin.make(&ctx).unwrap();
    assert!(!net.is_connected());
    assert_panicked(&plugin, "is_connected");

    let (plugin, ctx) = panicky("capabilities");
    let net = plugin.make(&ctx).unwrap();
    assert_eq!(net.capabilities(), NetworkCapabilities::NONE);
    assert_panicked(&plugin, "capabilities");

    let (plugin, ctx) = panicky("avg_signal_strength");
    let mut net = plugin.make(&ctx).unwrap();
    net.connect().unwrap();
    assert!(matches!(
        net.avg_signal_strength(),
        Err(NetworkError::Io {
            operation: "avg_signal_strength",
            ..
        })
    ));

    let (plugin, ctx) = panicky("drop");
    let net = plugin.make(&ctx).unwrap();
    drop(net); // caught inside the plugin
}

#[test]
fn a_panic_reaches_the_hologram_caller_as_an_error() {
    let dir = plugin_dir(&[Fixture::Panicky]);
    let mut hologram = Hologram::builder()
        .plugins_dir(dir.path())
        .network("panicky")
        .network_config(AdapterConfig::new().with("panic_in", "connect"))
        .build()
        .unwrap();
    assert!(matches!(
        hologram.connect(),
        Err(Error::Network(NetworkError::Io {
            operation: "connect",
            ..
        }))
    ));
    // A panicking constructor fails the build with a typed error.
    let err = Hologram::builder()
        .plugins_dir(dir.path())
        .network("panicky")
        .network_config(AdapterConfig::new().with("panic_in", "new"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("panicked"), "{err}");
}

#[test]
fn bad_plugins_do_not_stop_good_ones() {
    let dir = plugin_dir(&[
        Fixture::Template,
        Fixture::Cellular,
        Fixture::NoRoot,
        Fixture::WrongAbiVersion,
        Fixture::WrongAbiLayout,
    ]);
    std::fs::write(dir.path().join("libnoise.so"), random_bytes(11, 512)).unwrap();
    install_as(dir.path(), Fixture::Template, "libzz_loopback_again.so");
    std::fs::write(dir.path().join("README.txt"), "not a library: ignored").unwrap();

    let hologram = Hologram::builder()
        .plugins_dir(dir.path())
        .network("cellular")
        .network_config(AdapterConfig::new().with("device", "sim"))
        .build()
        .unwrap();
    let failures = hologram.plugin_failures();
    let mut files: Vec<String> = failures.iter().map(file_of).collect();
    files.sort();
    assert_eq!(
        files,
        [
            "libhologram_no_root.so",
            "libhologram_wrong_abi_layout.so",
            "libhologram_wrong_abi_version.so",
            "libnoise.so",
            "libzz_loopback_again.so",
        ],
        "{failures:?}"
    );
    for f in failures {
        assert!(f.to_string().contains(&file_of(f)), "{f}");
    }

    // A plugin that did not load is an unknown name that lists what exists.
    let err = Hologram::builder()
        .plugins_dir(dir.path())
        .network("hologram_wrong_abi_version")
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("unknown network"), "{text}");
    assert!(
        text.contains("cellular") && text.contains("loopback"),
        "{text}"
    );
}

#[test]
fn a_missing_plugins_directory_is_reported_not_fatal() {
    let hologram = Hologram::builder()
        .plugins_dir(Path::new("/no/such/hologram/plugins"))
        .build()
        .unwrap();
    assert!(matches!(
        hologram.plugin_failures(),
        [PluginError::Unreadable { .. }]
    ));
}
