//! `hologram plugins list`, and loading plugins for `send` and `sms`.

use std::path::{Path, PathBuf};

use hologram::plugins::{plugins_dirs_from_env, register_plugins, PluginError};
use hologram::{AdapterKind, HologramBuilder, Origin, Registry};
use serde::Serialize;

use crate::args::PluginsListArgs;
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

/// The built-in adapters plus the plugins of `dir` (or of the
/// environment), and the plugins that could not be loaded (each already
/// logged as a warning naming its file).
fn load(dir: Option<&Path>) -> Result<(Registry, Vec<PluginError>), CliError> {
    let mut registry = Registry::builtin().map_err(hologram::Error::from)?;
    if let Some(d) = dir {
        check_dir(d)?;
    }
    let report = register_plugins(&mut registry, &dirs(dir));
    Ok((registry, report.failures))
}

/// Adds the plugins of `dir` (or of the environment) to `builder`. A plugin
/// that cannot be loaded is skipped with a warning naming its file (the SDK
/// logs it; see `Hologram::plugin_failures`).
pub fn with_plugins(
    builder: HologramBuilder,
    dir: Option<&Path>,
) -> Result<HologramBuilder, CliError> {
    match dir {
        Some(d) => {
            check_dir(d)?;
            Ok(builder.plugins_dir(d))
        }
        None => Ok(builder.plugins_from_env()),
    }
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
    let (registry, failures) = load(args.plugins_dir.as_deref())?;
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
                "error": failure.to_string(),
            });
            printer.line(&value.to_string());
        }
        return Ok(Status::Success);
    }
    for kind in [
        AdapterKind::Network,
        AdapterKind::Transport,
        AdapterKind::Authenticator,
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
            printer.line(&format!("  {failure}"));
        }
    }
    Ok(Status::Success)
}
