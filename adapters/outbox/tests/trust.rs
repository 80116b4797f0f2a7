//! The outbox uses only the user's own files: another user's directory or
//! file, a directory writable by others, a symbolic link, a device, a
//! socket or a hard link are refused with an error naming the path and the
//! fix, and nothing they point to is touched.
//!
//! Ownership needs two users: these tests run as root (as the project's
//! CI does) and either hand files to another user (`chown`) or run a child
//! process under another user id.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use hologram_outbox::{FileOutbox, UNSAFE};
use hologram_ports::{Message, Outbox, OutboxError};

/// Another user: `nobody` on most systems.
const OTHER_UID: u32 = 65534;

fn require_root() {
    let me = fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX);
    assert_eq!(
        me, 0,
        "this test needs root (it hands files to another user, or drops privileges); run the \
         tests as root, as CI does"
    );
}

/// The refusal's text; panics if `open` did not refuse for safety.
fn refusal(result: Result<FileOutbox, OutboxError>) -> String {
    match result {
        Err(OutboxError::Storage { operation, source }) if operation == UNSAFE => {
            source.to_string()
        }
        other => panic!("expected a refusal ({UNSAFE}), got {other:?}"),
    }
}

#[test]
fn a_symbolic_link_as_the_log_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    fs::write(&victim, b"precious contents that must survive").unwrap();
    let outbox = dir.path().join("outbox");
    fs::create_dir(&outbox).unwrap();
    fs::set_permissions(&outbox, fs::Permissions::from_mode(0o700)).unwrap();
    symlink(&victim, outbox.join("outbox.log")).unwrap();
    let detail = refusal(FileOutbox::open(&outbox));
    assert!(detail.contains("outbox.log"), "{detail}");
    assert!(detail.contains("symbolic link"), "{detail}");
    assert_eq!(
        fs::read(&victim).unwrap(),
        b"precious contents that must survive"
    );
}

#[test]
fn a_symbolic_link_as_the_lock_or_to_a_device_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    symlink("/dev/zero", dir.path().join("outbox.lock")).unwrap();
    let detail = refusal(FileOutbox::open(dir.path()));
    assert!(detail.contains("outbox.lock"), "{detail}");

    let dir = tempfile::tempdir().unwrap();
    symlink("/dev/zero", dir.path().join("outbox.log")).unwrap();
    let detail = refusal(FileOutbox::open(dir.path()));
    assert!(detail.contains("symbolic link"), "{detail}");
}

#[test]
fn a_log_that_is_not_a_regular_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("outbox.log")).unwrap();
    let detail = refusal(FileOutbox::open(dir.path()));
    assert!(detail.contains("not a regular file"), "{detail}");
}

#[test]
fn a_file_in_place_of_the_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("outbox");
    fs::write(&file, b"not a directory").unwrap();
    let detail = refusal(FileOutbox::open(&file));
    assert!(detail.contains("not a directory"), "{detail}");
}

#[test]
fn a_hard_link_as_the_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(FileOutbox::open(dir.path()).unwrap());
    fs::hard_link(dir.path().join("outbox.log"), dir.path().join("elsewhere")).unwrap();
    let detail = refusal(FileOutbox::open(dir.path()));
    assert!(detail.contains("hard links"), "{detail}");
}

#[test]
fn a_directory_writable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let detail = refusal(FileOutbox::open(dir.path()));
    assert!(
        detail.contains("writable by other users (mode 777)"),
        "{detail}"
    );
    assert!(detail.contains("chmod go-w"), "{detail}");
    // Nothing was created there.
    assert!(!dir.path().join("outbox.log").exists());
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    FileOutbox::open(dir.path()).unwrap();
}

#[test]
fn a_log_writable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(FileOutbox::open(dir.path()).unwrap());
    let log = dir.path().join("outbox.log");
    fs::set_permissions(&log, fs::Permissions::from_mode(0o666)).unwrap();
    let detail = refusal(FileOutbox::open(dir.path()));
    assert!(detail.contains("outbox.log"), "{detail}");
    assert!(detail.contains("mode 666"), "{detail}");
}

#[test]
fn a_new_directory_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("a/b");
    drop(FileOutbox::open(&outbox).unwrap());
    assert_eq!(fs::metadata(&outbox).unwrap().mode() & 0o777, 0o700);
    assert_eq!(
        fs::metadata(outbox.join("outbox.log")).unwrap().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_directory_or_log_of_another_user_is_refused() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(dir.path(), Some(OTHER_UID), None).unwrap();
    let detail = refusal(FileOutbox::open(dir.path()));
    assert!(
        detail.contains(&format!("owned by user id {OTHER_UID}")),
        "{detail}"
    );
    assert!(detail.contains("chown"), "{detail}");

    let dir = tempfile::tempdir().unwrap();
    let mut ob = FileOutbox::open(dir.path()).unwrap();
    ob.push(1, &Message::new("mine")).unwrap();
    drop(ob);
    let log = dir.path().join("outbox.log");
    std::os::unix::fs::chown(&log, Some(OTHER_UID), None).unwrap();
    let detail = refusal(FileOutbox::open(dir.path()));
    assert!(detail.contains("outbox.log"), "{detail}");
    assert!(detail.contains("not by this user (id 0)"), "{detail}");
}

/// The variable that makes this test binary act as the unprivileged child.
const CHILD: &str = "HOLOGRAM_OUTBOX_TRUST_CHILD";

/// Run as another user: opens the outbox of root's directory given in
/// [`CHILD`] and prints what happened.
#[test]
#[ignore = "the unprivileged child of an_unprivileged_user_is_refused_a_shared_directory_of_root, which runs it"]
fn child_opens_a_directory_it_does_not_own() {
    let dir = std::env::var_os(CHILD).expect("started by the parent test, with the directory");
    match FileOutbox::open(Path::new(&dir)) {
        Ok(_) => println!("RESULT opened"),
        Err(e) => println!("RESULT {e}"),
    }
}

#[test]
fn an_unprivileged_user_is_refused_a_shared_directory_of_root() {
    require_root();
    // A directory of root that everybody may write, like a shared spool:
    // an unprivileged user must not use it (root could have put messages
    // there, or will read what the user puts there).
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "--exact",
            "child_opens_a_directory_it_does_not_own",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, dir.path())
        .uid(OTHER_UID)
        .gid(OTHER_UID)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("RESULT ").map(|(_, r)| r))
        .unwrap_or_else(|| panic!("the child printed no result: {stdout}"));
    assert!(line.contains("owned by user id 0"), "{line}");
    assert!(!dir.path().join("outbox.log").exists());
}
