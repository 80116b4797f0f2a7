//! The loader refuses plugins another user could change, before opening
//! them; `Trust::Any` lets them through. A file of garbage named `*.so`
//! tells which: refused, it is `Untrusted`; opened, it is `NotALibrary`.
//!
//! Ownership needs two users: the tests that hand files to another user
//! run as root (as the project's CI does).

use std::fs;
use std::os::unix::fs::{chown, symlink, PermissionsExt};
use std::path::Path;

use hologram_plugin_loader::{scan_dir, scan_dirs_with, PluginError, Trust};

/// Another user: `nobody` on most systems.
const OTHER_UID: u32 = 65534;

fn require_root() {
    use std::os::unix::fs::MetadataExt;
    let me = fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX);
    assert_eq!(
        me, 0,
        "this test needs root (it hands files to another user); run the tests as root, as CI does"
    );
}

fn garbage(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, b"not an ELF file").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    path
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// The one failure of scanning `dir` under `trust`.
fn only_failure(dir: &Path, trust: Trust) -> PluginError {
    let report = scan_dirs_with([dir], trust);
    assert!(report.loaded.is_empty());
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    report.failures[0].clone()
}

fn assert_untrusted(e: &PluginError, path: &Path, needle: &str) {
    match e {
        PluginError::Untrusted { path: p, detail } => {
            assert_eq!(p, path);
            assert!(detail.contains(needle), "{detail}");
        }
        other => panic!("expected Untrusted for {}, got {other}", path.display()),
    }
}

#[test]
fn a_directory_writable_by_others_is_refused_unopened() {
    let dir = tempfile::tempdir().unwrap();
    garbage(dir.path(), "libx.so");
    chmod(dir.path(), 0o777);
    let e = only_failure(dir.path(), Trust::Checked);
    assert_untrusted(&e, dir.path(), "writable by other users (mode 777)");
    assert!(e.to_string().contains("chmod go-w"), "{e}");
    // The same through the default entry point.
    assert!(matches!(
        &scan_dir(dir.path()).failures[..],
        [PluginError::Untrusted { .. }]
    ));
    // Allowed: the file is opened (and found not to be a library).
    assert!(matches!(
        only_failure(dir.path(), Trust::Any),
        PluginError::NotALibrary { .. }
    ));
}

#[test]
fn a_library_writable_by_others_is_refused_unopened() {
    let dir = tempfile::tempdir().unwrap();
    let lib = garbage(dir.path(), "libx.so");
    chmod(&lib, 0o666);
    assert_untrusted(&only_failure(dir.path(), Trust::Checked), &lib, "mode 666");
    chmod(&lib, 0o664);
    assert_untrusted(&only_failure(dir.path(), Trust::Checked), &lib, "mode 664");
    assert!(matches!(
        only_failure(dir.path(), Trust::Any),
        PluginError::NotALibrary { .. }
    ));
}

#[test]
fn a_link_into_a_directory_others_may_write_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = garbage(elsewhere.path(), "real.so");
    chmod(elsewhere.path(), 0o777);
    let link = dir.path().join("libx.so");
    symlink(&target, &link).unwrap();
    assert_untrusted(
        &only_failure(dir.path(), Trust::Checked),
        &link,
        "directory the library links into",
    );
}

#[test]
fn a_trusted_directory_opens_its_files() {
    let dir = tempfile::tempdir().unwrap();
    garbage(dir.path(), "libx.so");
    assert!(matches!(
        only_failure(dir.path(), Trust::Checked),
        PluginError::NotALibrary { .. }
    ));
}

#[test]
fn a_directory_or_library_of_another_user_is_refused() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    garbage(dir.path(), "libx.so");
    chown(dir.path(), Some(OTHER_UID), None).unwrap();
    assert_untrusted(
        &only_failure(dir.path(), Trust::Checked),
        dir.path(),
        &format!("owned by user id {OTHER_UID}"),
    );

    let dir = tempfile::tempdir().unwrap();
    let lib = garbage(dir.path(), "libx.so");
    chown(&lib, Some(OTHER_UID), None).unwrap();
    assert_untrusted(
        &only_failure(dir.path(), Trust::Checked),
        &lib,
        "neither root nor this user",
    );
    assert!(matches!(
        only_failure(dir.path(), Trust::Any),
        PluginError::NotALibrary { .. }
    ));
}
