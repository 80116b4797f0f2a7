//! Log output in the Python SDK's format: `LEVEL:<Component>:<message>`.
//!
//! Every crate of the SDK logs through [`log`] with the component as the
//! target (`Raw`, `Cloud`, `Wifi`, `Hologram`, ...). No log line carries a
//! key, a private key or a one-time password.

use log::LevelFilter;

/// Formats one record as `LEVEL:<Component>:<message>`.
pub fn format_line(level: log::Level, target: &str, message: &std::fmt::Arguments<'_>) -> String {
    // Module paths (when a crate logs without a target) are shortened to
    // their last segment so the line stays in the Python shape.
    let component = target.rsplit("::").next().unwrap_or(target);
    format!("{level}:{component}:{message}")
}

/// Installs a logger printing `LEVEL:<Component>:<message>` lines to
/// standard error, at `level` and above. Call it once, early (the CLI does).
///
/// ```
/// hologram::logging::init(log::LevelFilter::Info).ok();
/// log::info!(target: "Raw", "A buffered message has been sent since an active connection is established");
/// ```
pub fn init(level: LevelFilter) -> Result<(), log::SetLoggerError> {
    dispatch(level).chain(std::io::stderr()).apply()
}

/// The `fern` dispatch [`init`] installs, before it is chained to an output
/// and applied: for a program that wants other outputs or per-component
/// levels (`.level_for("Cloud", LevelFilter::Error)`).
pub fn dispatch(level: LevelFilter) -> fern::Dispatch {
    fern::Dispatch::new()
        .format(|out, message, record| {
            out.finish(format_args!(
                "{}",
                format_line(record.level(), record.target(), message)
            ))
        })
        .level(level)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_have_the_python_shape() {
        let line = super::format_line(log::Level::Info, "Raw", &format_args!("hello {}", 1));
        assert_eq!(line, "INFO:Raw:hello 1");
        let line = super::format_line(log::Level::Warn, "hologram::outbox", &format_args!("x"));
        assert_eq!(line, "WARN:outbox:x");
    }
}
