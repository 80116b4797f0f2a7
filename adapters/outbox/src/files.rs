//! Opening the outbox's directory and files without trusting what another
//! user may have put there.
//!
//! The outbox writes what it is given and later sends it with the
//! device's credentials, so everything it opens must be the user's own:
//! the directory and every file are owned by the effective user and not
//! writable by group or others, files are opened with `O_NOFOLLOW` (a
//! symbolic link is refused, not followed) and `O_NOCTTY`, and each one
//! opened must be a regular file with no other hard link. Anything else
//! is refused with an error naming the path, what is wrong and the fix.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use crate::error::Error;

/// Files are private to the user: messages may hold anything.
const FILE_MODE: u32 = 0o600;
/// A directory the outbox creates is private too.
const DIR_MODE: u32 = 0o700;
/// Group- or other-writable permission bits.
const WRITABLE_BY_OTHERS: u32 = 0o022;

/// The effective user id of this process.
pub(crate) fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// What is wrong with a file or directory owned by `uid` with `mode`, for
/// a user `me`; `None` when it is safe.
pub(crate) fn ownership_problem(
    path: &Path,
    what: &str,
    uid: u32,
    mode: u32,
    me: u32,
) -> Option<String> {
    if uid != me {
        return Some(format!(
            "the outbox {what} is owned by user id {uid}, not by this user (id {me}): another \
             user could put messages there that this user would send with its own key; use an \
             outbox directory of your own (or, if it is yours, run: chown -R {me} {})",
            path.display()
        ));
    }
    if mode & WRITABLE_BY_OTHERS != 0 {
        return Some(format!(
            "the outbox {what} is writable by other users (mode {:03o}): they could replace or \
             add messages; run: chmod go-w {}",
            mode & 0o777,
            path.display()
        ));
    }
    None
}

/// Creates `dir` if needed (mode 0700) and checks that it is a directory
/// owned by this user and not writable by others.
pub(crate) fn check_dir(dir: &Path) -> Result<(), Error> {
    if let Err(e) = DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir) {
        // Something else by that name is said as such below.
        if !fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
            return Err(Error::io("create the directory", dir, e));
        }
    }
    // Followed if `dir` is a link: what matters is the directory the
    // files will be in, and who can write there.
    let meta = fs::metadata(dir).map_err(|e| Error::io("inspect the directory", dir, e))?;
    if !meta.is_dir() {
        return Err(Error::Unsafe {
            path: dir.to_owned(),
            problem: "not a directory".to_owned(),
        });
    }
    match ownership_problem(dir, "directory", meta.uid(), meta.mode(), effective_uid()) {
        Some(problem) => Err(Error::Unsafe {
            path: dir.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// How a file of the outbox is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Create {
    /// It must exist.
    No,
    /// Created if missing.
    IfMissing,
    /// Created; it must not exist yet.
    New,
}

/// Opens `path` for reading and writing, never following a symbolic link
/// and never acquiring a terminal, and checks what was opened.
pub(crate) fn open(path: &Path, create: Create) -> Result<File, Error> {
    let mut o = OpenOptions::new();
    o.read(true)
        .write(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_CLOEXEC);
    match create {
        Create::No => {}
        Create::IfMissing => {
            o.create(true).truncate(false);
        }
        Create::New => {
            o.create_new(true);
        }
    }
    let file = o.open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            Error::Unsafe {
                path: path.to_owned(),
                problem: "is a symbolic link; the outbox never follows links in its directory: \
                          remove the link"
                    .to_owned(),
            }
        } else if fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
            // A socket or a device that cannot even be opened.
            not_regular(path)
        } else {
            Error::io("open", path, e)
        }
    })?;
    check_file(&file, path)?;
    Ok(file)
}

fn not_regular(path: &Path) -> Error {
    Error::Unsafe {
        path: path.to_owned(),
        problem: "is not a regular file (a directory, a device, a pipe or a socket): the outbox \
                  only uses regular files; remove it"
            .to_owned(),
    }
}

/// Checks an open file: a regular file, this user's, not writable by
/// others, with no other hard link.
pub(crate) fn check_file(file: &File, path: &Path) -> Result<(), Error> {
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
    let unsafe_file = |problem: String| Error::Unsafe {
        path: path.to_owned(),
        problem,
    };
    if !meta.file_type().is_file() {
        return Err(not_regular(path));
    }
    if let Some(problem) = ownership_problem(path, "file", meta.uid(), meta.mode(), effective_uid())
    {
        return Err(unsafe_file(problem));
    }
    if meta.nlink() > 1 {
        return Err(unsafe_file(format!(
            "has {} hard links: it may be another file of the system; remove it",
            meta.nlink()
        )));
    }
    Ok(())
}

/// Removes `path` if it is there (never following a link: a link is
/// removed, not its target).
pub(crate) fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
