//! Finds, checks and loads Hologram network plugins.
//!
//! A plugin is a shared library built with `hologram-plugin-abi` (see
//! `docs/plugins.md`). The loader scans a directory for libraries (`*.so`
//! on Linux), opens each one, checks its ABI and version **before calling
//! anything in it**, and wraps it in a native adapter that implements the
//! [`NetworkInterface`] port. The core registers each [`LoadedPlugin`] under
//! the name it declares.
//!
//! A bad library never stops the good ones: [`scan_dir`] returns what it
//! loaded and, for every file it could not use, a [`PluginError`] naming
//! the file.
//!
//! ```
//! use hologram_plugin_loader::{scan_dir, PluginError};
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("libnoise.so"), b"\x13\x37 not an ELF file").unwrap();
//! let report = hologram_plugin_loader::scan_dir(dir.path());
//! assert!(report.loaded.is_empty());
//! assert!(matches!(&report.failures[..], [PluginError::NotALibrary { .. }]));
//! assert!(report.failures[0].to_string().contains("libnoise.so"));
//! ```
//!
//! # Where plugins are looked for
//!
//! The core's builder takes directories explicitly
//! (`HologramBuilder::plugins_dir`) or from the environment
//! ([`plugins_dirs_from_env`]): the directories in `HOLOGRAM_PLUGINS_DIR`
//! (separated by `:`), else [`default_plugins_dir`]
//! (`$XDG_DATA_HOME/hologram/plugins`, or
//! `~/.local/share/hologram/plugins`) when it exists.
//!
//! # Trust
//!
//! A plugin is code: loading it runs its constructors with the privileges
//! of the process. So by default ([`Trust::Checked`]) the loader refuses,
//! before opening anything, a directory or a library (the file and, when
//! it is a link, the directory it points into) that is writable by group
//! or others, or that is owned by a user other than root and the
//! effective user: such a file is a way for another user to run code as
//! this one. Each refusal is a [`PluginError::Untrusted`] naming the path,
//! what is wrong and the fix. [`Trust::Any`] turns the checks off, for
//! those who mean it (the CLI's `--allow-untrusted-plugins`).
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use hologram_plugin_abi::host::{NewNetworkError, PanicHook, PanicReport, PluginLibrary};
use hologram_ports::{AdapterContext, AdapterError, NetworkError, NetworkInterface};

pub use hologram_plugin_abi::ABI_VERSION;

mod error;
mod trust;

pub use crate::error::PluginError;
use crate::trust::check_file;
pub use crate::trust::{check_dir, Trust};

/// The environment variable naming the plugins directories (`:`-separated).
pub const PLUGINS_DIR_ENV: &str = "HOLOGRAM_PLUGINS_DIR";

struct Inner {
    path: PathBuf,
    library: PluginLibrary,
    panics: Arc<Mutex<Vec<PluginError>>>,
}

/// A plugin library, loaded and checked: its declaration and a factory for
/// its network interface. Cheap to clone; the library stays loaded for the
/// life of the process (libraries are never unloaded, so no code of theirs
/// can be left dangling).
#[derive(Clone)]
pub struct LoadedPlugin {
    inner: Arc<Inner>,
}

impl LoadedPlugin {
    /// The network name the plugin declares.
    pub fn name(&self) -> &str {
        self.inner.library.name()
    }

    /// The plugin's own version.
    pub fn version(&self) -> &str {
        self.inner.library.version()
    }

    /// The plugin's one-line summary.
    pub fn summary(&self) -> &str {
        self.inner.library.summary()
    }

    /// The ABI version the plugin was built against.
    pub fn abi_version(&self) -> &str {
        self.inner.library.abi_version()
    }

    /// The library file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Builds one network interface: a native adapter over the plugin that
    /// implements [`NetworkInterface`]. Events the plugin emits reach
    /// `ctx.events`. A panic in the plugin's constructor is an
    /// [`AdapterError::Network`] naming the file (and is recorded in
    /// [`panics`](Self::panics)).
    pub fn make(&self, ctx: &AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError> {
        let path = self.inner.path.clone();
        let record = self.inner.panics.clone();
        let hook: PanicHook = Arc::new(move |report: &PanicReport| {
            let e = PluginError::Panicked {
                path: path.clone(),
                call: report.call.clone(),
                message: report.message.clone(),
            };
            log::error!(target: "Plugins", "{e}");
            let mut panics = record.lock().unwrap_or_else(PoisonError::into_inner);
            // Bounded: a plugin that panics in a loop keeps its first reports.
            if panics.len() < 64 {
                panics.push(e);
            }
        });
        match self.inner.library.new_network(ctx, hook) {
            Ok(network) => Ok(Box::new(network)),
            Err(NewNetworkError::Adapter(e)) => Err(e),
            Err(NewNetworkError::Panicked(report)) => {
                Err(AdapterError::Network(NetworkError::other(
                    "new",
                    format!(
                        "the plugin {} panicked while building its network interface: {}",
                        self.inner.path.display(),
                        report.message
                    ),
                )))
            }
            Err(other) => Err(AdapterError::Network(NetworkError::other(
                "new",
                format!("the plugin {} failed: {other:?}", self.inner.path.display()),
            ))),
        }
    }

    /// The panics this plugin reported so far, in any of its instances
    /// (at most 64 are kept).
    pub fn panics(&self) -> Vec<PluginError> {
        self.inner
            .panics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("name", &self.name())
            .field("version", &self.version())
            .field("abi_version", &self.abi_version())
            .field("path", &self.path())
            .finish()
    }
}

/// Loads one plugin library and checks it (see the crate docs), with the
/// default [`Trust::Checked`].
pub fn load_file(path: &Path) -> Result<LoadedPlugin, PluginError> {
    load_file_with(path, Trust::Checked)
}

/// Loads one plugin library under `trust` (the checks of its directory
/// are [`check_dir`]'s, for the caller).
pub fn load_file_with(path: &Path, trust: Trust) -> Result<LoadedPlugin, PluginError> {
    let meta = std::fs::metadata(path).map_err(|e| PluginError::Unreadable {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    if !meta.is_file() {
        return Err(PluginError::NotALibrary {
            path: path.to_owned(),
            detail: "not a regular file".to_owned(),
        });
    }
    check_file(path, &meta, trust)?;
    let library = PluginLibrary::open(path).map_err(|e| PluginError::from_open(path, e))?;
    Ok(LoadedPlugin {
        inner: Arc::new(Inner {
            path: path.to_owned(),
            library,
            panics: Arc::default(),
        }),
    })
}

/// What a scan found: the plugins loaded (in file-name order) and one error
/// per file that could not be used.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// The plugins loaded, each with a distinct name.
    pub loaded: Vec<LoadedPlugin>,
    /// The files that could not be used, with why.
    pub failures: Vec<PluginError>,
}

/// Whether `path` has the shared-library extension of this platform
/// (`so` on Linux) and is not hidden.
pub fn is_library_name(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .and_then(OsStr::to_str)
        .is_some_and(|n| n.starts_with('.'));
    !hidden && path.extension() == Some(OsStr::new(std::env::consts::DLL_EXTENSION))
}

/// The library files in `dir`, sorted by name.
fn library_files(dir: &Path) -> Result<Vec<PathBuf>, PluginError> {
    let unreadable = |e: std::io::Error| PluginError::Unreadable {
        path: dir.to_owned(),
        detail: e.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if is_library_name(&path) && !path.is_dir() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads every plugin library (`*.so`) in `dir`. Other files and
/// subdirectories are ignored. Two libraries declaring the same name: the
/// first by file name is kept, the other is a
/// [`PluginError::DuplicateName`].
pub fn scan_dir(dir: &Path) -> ScanReport {
    scan_dirs([dir])
}

/// Loads every plugin library of each directory, in order; names must be
/// distinct across all of them (the first wins). A directory given twice is
/// scanned once. Untrusted directories and files are refused
/// ([`Trust::Checked`]).
pub fn scan_dirs<I, P>(dirs: I) -> ScanReport
where
    I: IntoIterator<Item = P>,
    P: AsRef<Path>,
{
    scan_dirs_with(dirs, Trust::Checked)
}

/// [`scan_dirs`] under `trust`. A refused directory is one
/// [`PluginError::Untrusted`]; none of its files is opened.
pub fn scan_dirs_with<I, P>(dirs: I, trust: Trust) -> ScanReport
where
    I: IntoIterator<Item = P>,
    P: AsRef<Path>,
{
    let mut report = ScanReport::default();
    let mut seen_dirs = HashSet::new();
    let mut names: BTreeMap<String, PathBuf> = BTreeMap::new();
    for dir in dirs {
        let dir = dir.as_ref();
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        if !seen_dirs.insert(key) {
            continue;
        }
        if let Err(e) = check_dir(dir, trust) {
            report.failures.push(e);
            continue;
        }
        let files = match library_files(dir) {
            Ok(files) => files,
            Err(e) => {
                report.failures.push(e);
                continue;
            }
        };
        for file in files {
            match load_file_with(&file, trust) {
                Ok(plugin) => match names.get(plugin.name()) {
                    Some(first) => report.failures.push(PluginError::DuplicateName {
                        path: file,
                        name: plugin.name().to_owned(),
                        other: format!("plugin {}", first.display()),
                    }),
                    None => {
                        names.insert(plugin.name().to_owned(), file);
                        report.loaded.push(plugin);
                    }
                },
                Err(e) => report.failures.push(e),
            }
        }
    }
    report
}

/// The default plugins directory: `$XDG_DATA_HOME/hologram/plugins`, or
/// `$HOME/.local/share/hologram/plugins` when `XDG_DATA_HOME` is unset or
/// not absolute. `None` when neither variable gives an absolute path.
pub fn default_plugins_dir() -> Option<PathBuf> {
    let absolute = |v: Option<std::ffi::OsString>| v.map(PathBuf::from).filter(|p| p.is_absolute());
    absolute(std::env::var_os("XDG_DATA_HOME"))
        .or_else(|| absolute(std::env::var_os("HOME")).map(|h| h.join(".local/share")))
        .map(|d| d.join("hologram").join("plugins"))
}

/// The plugins directories the environment asks for: those in
/// `HOLOGRAM_PLUGINS_DIR` (`:`-separated, empty entries ignored) when it is
/// set, else [`default_plugins_dir`] if that directory exists, else none.
pub fn plugins_dirs_from_env() -> Vec<PathBuf> {
    match std::env::var_os(PLUGINS_DIR_ENV) {
        Some(v) => std::env::split_paths(&v)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => default_plugins_dir()
            .filter(|d| d.is_dir())
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_library_names_are_scanned() {
        assert!(is_library_name(Path::new("/x/libfoo.so")));
        assert!(!is_library_name(Path::new("/x/.libfoo.so")));
        assert!(!is_library_name(Path::new("/x/README.md")));
        assert!(!is_library_name(Path::new("/x/libfoo.so.1")));
    }

    #[test]
    fn a_missing_directory_is_one_failure() {
        let report = scan_dir(Path::new("/no/such/hologram/plugins"));
        assert!(report.loaded.is_empty());
        assert!(matches!(
            &report.failures[..],
            [PluginError::Unreadable { path, .. }] if path == Path::new("/no/such/hologram/plugins")
        ));
    }

    #[test]
    fn garbage_and_other_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not scanned").unwrap();
        std::fs::create_dir(dir.path().join("sub.so")).unwrap();
        std::fs::write(dir.path().join("libempty.so"), b"").unwrap();
        std::fs::write(
            dir.path().join("librandom.so"),
            [0x7f, b'E', b'L', b'F', 9, 9, 9],
        )
        .unwrap();
        let report = scan_dir(dir.path());
        assert!(report.loaded.is_empty());
        assert_eq!(report.failures.len(), 2, "{:?}", report.failures);
        for f in &report.failures {
            assert!(matches!(f, PluginError::NotALibrary { .. }), "{f}");
        }
        assert!(report.failures[0].to_string().contains("libempty.so"));
        assert!(report.failures[1].to_string().contains("librandom.so"));
    }

    #[test]
    fn load_file_on_a_directory_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            load_file(dir.path()),
            Err(PluginError::NotALibrary { .. })
        ));
        assert!(matches!(
            load_file(&dir.path().join("libnone.so")),
            Err(PluginError::Unreadable { .. })
        ));
    }
}
