//! Helpers for testing Hologram network plugins as shared libraries.
//!
//! [`library`] builds the example plugins and the test fixtures once per
//! test process (a nested `cargo build` with the running test's profile,
//! into `<target>/hologram-plugin-tests`) and stages a copy of each `.so`;
//! [`plugin_dir`] copies the ones a test wants into a fresh temporary
//! directory, which is what a user's plugins directory looks like.
//!
//! ```no_run
//! use hologram_plugin_tests::{plugin_dir, Fixture};
//!
//! let dir = plugin_dir(&[Fixture::Template, Fixture::Ethernet]);
//! let report = hologram_plugin_loader::scan_dir(dir.path());
//! assert_eq!(report.loaded.len(), 2);
//! ```
//!
//! The nested build assumes the test runs for the host target (no
//! `--target`). Its own target directory keeps it apart from the running
//! `cargo test`: a `cdylib` crate's artifacts carry no hash in their names.
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A plugin library the tests load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fixture {
    /// `plugins/template`: the `loopback` network.
    Template,
    /// `plugins/ethernet`: the `ethernet` network.
    Ethernet,
    /// `fixtures/panicky`: the `panicky` network, which panics on purpose.
    Panicky,
    /// `fixtures/no-root`: a shared library that is not a plugin.
    NoRoot,
    /// `fixtures/wrong-abi`: a plugin declaring ABI 2.0.0.
    WrongAbiVersion,
    /// `fixtures/wrong-abi` with `same-version-other-layout`: ABI 1.0.0
    /// with another root-module layout.
    WrongAbiLayout,
}

impl Fixture {
    /// Every fixture.
    pub const ALL: [Fixture; 6] = [
        Fixture::Template,
        Fixture::Ethernet,
        Fixture::Panicky,
        Fixture::NoRoot,
        Fixture::WrongAbiVersion,
        Fixture::WrongAbiLayout,
    ];

    /// The cargo package that builds it.
    pub fn package(self) -> &'static str {
        match self {
            Fixture::Template => "hologram-plugin-template",
            Fixture::Ethernet => "hologram-plugin-ethernet",
            Fixture::Panicky => "hologram-plugin-fixture-panicky",
            Fixture::NoRoot => "hologram-plugin-fixture-no-root",
            Fixture::WrongAbiVersion | Fixture::WrongAbiLayout => {
                "hologram-plugin-fixture-wrong-abi"
            }
        }
    }

    /// The library file cargo writes.
    fn artifact(self) -> String {
        format!(
            "{}{}{}",
            std::env::consts::DLL_PREFIX,
            self.package().replace('-', "_"),
            std::env::consts::DLL_SUFFIX
        )
    }

    /// The file name it gets in a plugins directory.
    pub fn file_name(self) -> String {
        let stem = match self {
            Fixture::Template => "hologram_loopback",
            Fixture::Ethernet => "hologram_ethernet",
            Fixture::Panicky => "hologram_panicky",
            Fixture::NoRoot => "hologram_no_root",
            Fixture::WrongAbiVersion => "hologram_wrong_abi_version",
            Fixture::WrongAbiLayout => "hologram_wrong_abi_layout",
        };
        format!(
            "{}{stem}{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        )
    }
}

/// Where the running test's cargo writes: the target directory and the
/// profile directory (`<target>/debug`).
fn target_dirs() -> (PathBuf, PathBuf) {
    let exe = std::env::current_exe().expect("the test executable's path");
    // <target>/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from <target>/<profile>/deps")
        .to_owned();
    let target_dir = profile_dir
        .parent()
        .expect("the profile directory is in the target directory")
        .to_owned();
    (target_dir, profile_dir)
}

fn cargo_build(target_dir: &Path, profile_dir: &Path, args: &[&str]) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_owned(),
        Some(other) => other.to_owned(),
    };
    let output = Command::new(env!("CARGO"))
        .current_dir(&workspace)
        .arg("build")
        .arg("--lib")
        .arg("--profile")
        .arg(&profile)
        .arg("--target-dir")
        .arg(target_dir)
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "building the plugins failed: cargo build {args:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A fresh staging directory for this process, under the target directory;
/// those of processes that are gone are removed.
fn staging_dir(target_dir: &Path) -> PathBuf {
    let root = target_dir.join("tmp").join("hologram-plugin-tests");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            if !Path::new("/proc").join(&pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = root.join(std::process::id().to_string());
    std::fs::create_dir_all(&dir).expect("the staging directory can be made");
    dir
}

fn build_all() -> PathBuf {
    let (outer_target, outer_profile) = target_dirs();
    let stage = staging_dir(&outer_target);
    // A target directory of its own: a `cdylib` crate's artifacts carry no
    // hash in their names, so building into the running test's target
    // directory with other features would overwrite the files its doc
    // tests use, and fight over the build lock with it.
    let target_dir = outer_target.join("hologram-plugin-tests");
    let profile_dir = target_dir.join(outer_profile.file_name().unwrap_or_default());
    let copy = |f: Fixture| {
        let from = profile_dir.join(f.artifact());
        std::fs::copy(&from, stage.join(f.file_name()))
            .unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
    };
    // The one variant built with a feature first, as it shares its output
    // file with the default build.
    cargo_build(
        &target_dir,
        &profile_dir,
        &[
            "-p",
            Fixture::WrongAbiLayout.package(),
            "--features",
            "same-version-other-layout",
        ],
    );
    copy(Fixture::WrongAbiLayout);
    let mut args = Vec::new();
    for f in Fixture::ALL {
        if f != Fixture::WrongAbiLayout {
            args.extend(["-p", f.package()]);
        }
    }
    cargo_build(&target_dir, &profile_dir, &args);
    for f in Fixture::ALL {
        if f != Fixture::WrongAbiLayout {
            copy(f);
        }
    }
    stage
}

/// The staged library of `fixture`, built on first use (once per process).
pub fn library(fixture: Fixture) -> PathBuf {
    static STAGE: OnceLock<PathBuf> = OnceLock::new();
    STAGE.get_or_init(build_all).join(fixture.file_name())
}

/// Copies `fixture` into `dir` as `file_name`; returns the new path.
pub fn install_as(dir: &Path, fixture: Fixture, file_name: &str) -> PathBuf {
    let to = dir.join(file_name);
    std::fs::copy(library(fixture), &to).expect("the plugin can be copied");
    to
}

/// A new plugins directory holding `fixtures` under their file names.
pub fn plugin_dir(fixtures: &[Fixture]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for f in fixtures {
        install_as(dir.path(), *f, &f.file_name());
    }
    dir
}

/// `len` bytes of deterministic noise (a xorshift generator from `seed`).
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// A fake `/sys/class/net` for the `ethernet` plugin: `eth0` with its
/// cable plugged in, `eth1` without.
pub fn fake_sysfs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, carrier) in [("eth0", "1"), ("eth1", "0")] {
        let d = dir.path().join(name);
        std::fs::create_dir_all(d.join("device")).expect("mkdir");
        std::fs::write(d.join("type"), "1\n").expect("write");
        std::fs::write(d.join("flags"), "0x1003\n").expect("write");
        std::fs::write(d.join("carrier"), format!("{carrier}\n")).expect("write");
    }
    dir
}
