//! `hologram plugins list`, and loading plugins for `send` and `sms`.
//!
//! Plugins are code that runs with the user's privileges, so the command
//! loads them only when asked: for `plugins list`, and for `send`/`sms`
//! only when the network named is not a built-in one. The loader refuses
//! directories and libraries that another user could change
//! (`--allow-untrusted-plugins` lets them through); see `docs/plugins.md`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hologram::plugins::PluginError;
use hologram::{AdapterKind, NetworkInterface, Origin, Registry, RegistryError, SharedFactory};
use hologram_plugin_loader::{plugins_dirs_from_env, scan_dirs_with, Trust};
use serde::Serialize;

use crate::args::{Connection, PluginsListArgs};
use crate::exit::{CliError, Status};
use crate::output::Printer;

/// The plugins directories: the one given, else those of the environment
/// (`HOLOGRAM_PLUGINS_DIR`, else the default directory when it exists).
fn dirs(dir: Option<&Path>) -> Vec<PathBuf> {
    match dir {
        Some(d) => vec![d.to_owned()],
        None => plugins_dirs_from_env(),
    }
}

fn trust(allow_untrusted: bool) -> Trust {
    if allow_untrusted {
        Trust::Any
    } else {
        Trust::Checked
    }
}

/// The built-in adapters plus the plugins of `dir` (or of the
/// environment) loaded under `trust`, and the plugins that could not be
/// loaded.
fn load(dir: Option<&Path>, trust: Trust) -> Result<(Registry, Vec<PluginError>), CliError> {
    let mut registry = Registry::builtin().map_err(hologram::Error::from)?;
    if let Some(d) = dir {
        check_dir(d)?;
    }
    let scan = scan_dirs_with(dirs(dir), trust);
    let mut failures = scan.failures;
    for plugin in scan.loaded {
        let origin = Origin::Plugin {
            path: plugin.path().to_owned(),
            version: plugin.version().to_owned(),
        };
        let make = plugin.clone();
        let factory: SharedFactory<dyn NetworkInterface> = Arc::new(move |ctx| make.make(ctx));
        match registry.register(plugin.name(), plugin.summary(), origin, factory) {
            Ok(()) => {
                log::info!(target: "Plugins", "loaded network {:?} {} from {}", plugin.name(), plugin.version(), plugin.path().display());
            }
            Err(RegistryError::Duplicate { first, .. }) => {
                failures.push(PluginError::DuplicateName {
                    path: plugin.path().to_owned(),
                    name: plugin.name().to_owned(),
                    other: first,
                })
            }
            Err(e) => failures.push(PluginError::InitFailed {
                path: plugin.path().to_owned(),
                detail: e.to_string(),
            }),
        }
    }
    Ok((registry, failures))
}

/// A failure as one line, with the way out for a refused one.
fn describe(failure: &PluginError) -> String {
    match failure {
        PluginError::Untrusted { .. } => {
            format!("{failure} (--allow-untrusted-plugins loads it anyway, with your privileges)")
        }
        _ => failure.to_string(),
    }
}

/// For `send` and `sms` with `--network NAME`: `None` when `network` is
/// built in (no plugin is loaded, whatever the plugins directories hold),
/// else the built-in adapters plus the plugins, each failure printed as a
/// warning.
pub fn registry_for(
    network: &str,
    c: &Connection,
    printer: &Printer,
) -> Result<Option<Registry>, CliError> {
    if let Some(d) = &c.plugins_dir {
        check_dir(d)?;
    }
    let builtin = Registry::builtin().map_err(hologram::Error::from)?;
    if builtin.check(AdapterKind::Network, network).is_ok() {
        if c.plugins_dir.is_some() {
            printer.note(&format!(
                "the network {network:?} is built in: no plugin is loaded"
            ));
        }
        return Ok(None);
    }
    let (registry, failures) = load(c.plugins_dir.as_deref(), trust(c.allow_untrusted_plugins))?;
    for failure in &failures {
        printer.warning(&describe(failure));
    }
    Ok(Some(registry))
}

fn check_dir(dir: &Path) -> Result<(), CliError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(CliError::Config(format!(
            "plugins directory {} does not exist or is not a directory",
            dir.display()
        )))
    }
}

/// One adapter, as `plugins list --json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    kind: String,
    name: String,
    origin: &'static str,
    path: Option<String>,
    version: Option<String>,
    summary: String,
}

/// Runs `hologram plugins list`.
pub fn list(args: &PluginsListArgs, printer: &Printer) -> Result<Status, CliError> {
    let (registry, failures) = load(
        args.plugins_dir.as_deref(),
        trust(args.allow_untrusted_plugins),
    )?;
    let rows: Vec<Row> = registry
        .entries()
        .map(|e| {
            let (origin, path, version) = match e.origin() {
                Origin::Plugin { path, version } => (
                    "plugin",
                    Some(path.display().to_string()),
                    Some(version.clone()),
                ),
                _ => ("built-in", None, None),
            };
            Row {
                kind: e.kind().to_string(),
                name: e.name().to_owned(),
                origin,
                path,
                version,
                summary: e.summary().to_owned(),
            }
        })
        .collect();
    if printer.is_json() {
        for row in &rows {
            match serde_json::to_string(row) {
                Ok(text) => printer.line(&text),
                Err(e) => return Err(CliError::Config(format!("cannot print JSON: {e}"))),
            }
        }
        for failure in &failures {
            let value = serde_json::json!({
                "origin": "failed",
                "path": failure.path().display().to_string(),
                "error": describe(failure),
            });
            printer.line(&value.to_string());
        }
        return Ok(Status::Success);
    }
    for kind in [
        AdapterKind::Network,
        AdapterKind::Transport,
        AdapterKind::Authenticator,
        AdapterKind::Outbox,
    ] {
        let kind_name = kind.to_string();
        printer.line(&format!("{kind_name}:"));
        let mut any = false;
        for row in rows.iter().filter(|r| r.kind == kind_name) {
            any = true;
            printer.line(&format!(
                "  {:<10} {:<9} {}",
                row.name, row.origin, row.summary
            ));
            if let (Some(path), Some(version)) = (&row.path, &row.version) {
                printer.line(&format!(
                    "  {:<10} {:<9} file {path}, version {version}",
                    "", ""
                ));
            }
        }
        if !any {
            printer.line("  (none)");
        }
    }
    if !failures.is_empty() {
        printer.line("not loaded:");
        for failure in &failures {
            printer.line(&format!("  {}", describe(failure)));
        }
    }
    Ok(Status::Success)
}
