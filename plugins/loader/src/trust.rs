//! Which directories and libraries the loader agrees to open: none that
//! another user could change (see the crate docs).

use std::path::Path;

use crate::error::PluginError;

/// Which plugins the loader agrees to open; see the crate docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trust {
    /// Only directories and libraries that no other user may change
    /// (owned by root or the effective user, not writable by group or
    /// others). The default.
    #[default]
    Checked,
    /// Any: the checks are off. For those who mean it.
    Any,
}

/// The effective user id of this process.
fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// What makes `meta` (of `path`, a `what`) changeable by another user,
/// if anything.
fn trust_problem(path: &Path, what: &str, meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = effective_uid();
    let uid = meta.uid();
    if uid != 0 && uid != me {
        return Some(format!(
            "the {what} is owned by user id {uid}, neither root nor this user (id {me}): that \
             user could make it run any code as this one; keep plugins in a {what} of your own \
             or root's"
        ));
    }
    let mode = meta.mode();
    if mode & 0o022 != 0 {
        return Some(format!(
            "the {what} is writable by other users (mode {:03o}): anyone who can write it \
             could make it run any code as this user; run: chmod go-w {}",
            mode & 0o777,
            path.display()
        ));
    }
    None
}

/// Checks a plugins directory under `trust`.
pub fn check_dir(dir: &Path, trust: Trust) -> Result<(), PluginError> {
    if trust == Trust::Any {
        return Ok(());
    }
    let meta = std::fs::metadata(dir).map_err(|e| PluginError::Unreadable {
        path: dir.to_owned(),
        detail: e.to_string(),
    })?;
    match trust_problem(dir, "plugins directory", &meta) {
        Some(detail) => Err(PluginError::Untrusted {
            path: dir.to_owned(),
            detail,
        }),
        None => Ok(()),
    }
}

/// Checks a library file under `trust`: the file it names (links
/// followed) and, when that lies in another directory, that directory.
pub(crate) fn check_file(
    path: &Path,
    meta: &std::fs::Metadata,
    trust: Trust,
) -> Result<(), PluginError> {
    if trust == Trust::Any {
        return Ok(());
    }
    let untrusted = |detail| PluginError::Untrusted {
        path: path.to_owned(),
        detail,
    };
    if let Some(detail) = trust_problem(path, "library", meta) {
        return Err(untrusted(detail));
    }
    let real = path.canonicalize().map_err(|e| PluginError::Unreadable {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    let here = path.parent().and_then(|p| p.canonicalize().ok());
    if let Some(dir) = real.parent().filter(|d| Some(*d) != here.as_deref()) {
        let meta = std::fs::metadata(dir).map_err(|e| PluginError::Unreadable {
            path: dir.to_owned(),
            detail: e.to_string(),
        })?;
        if let Some(detail) = trust_problem(dir, "directory the library links into", &meta) {
            return Err(untrusted(detail));
        }
    }
    Ok(())
}
