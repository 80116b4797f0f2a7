//! The command's log output on standard error, in the Python SDK's form:
//! `LEVEL:<Component>:<message>`.
//!
//! The SDK's crates log through [`log`] with the component as the target
//! (`Raw`, `Cloud`, `Wifi`, `Outbox`, ...) and never put a key, a private
//! key or a one-time password in a record; this logger adds nothing but
//! the level and the component, so the lines stay as free of secrets as
//! the records. (The CLI's tests run every command at `-vvv` with known
//! keys and check that none shows.)

use log::LevelFilter;

/// Formats one record as `LEVEL:<Component>:<message>`.
pub fn format_line(level: log::Level, target: &str, message: &std::fmt::Arguments<'_>) -> String {
    // Module paths (when a crate logs without a target) are shortened to
    // their last segment so the line keeps the Python shape.
    let component = target.rsplit("::").next().unwrap_or(target);
    format!("{level}:{component}:{message}")
}

/// The logger for `level`. At the default level (warnings) the
/// transports' per-message warnings (`Cloud`, `Raw`) are left out: the
/// command prints its own line for every message, and says whether it was
/// kept; `-v` shows them.
pub fn dispatch(level: LevelFilter) -> fern::Dispatch {
    let mut dispatch = fern::Dispatch::new()
        .format(|out, message, record| {
            out.finish(format_args!(
                "{}",
                format_line(record.level(), record.target(), message)
            ))
        })
        .level(level);
    if level == LevelFilter::Warn {
        dispatch = dispatch
            .level_for("Cloud", LevelFilter::Error)
            .level_for("Raw", LevelFilter::Error);
    }
    dispatch
}

/// Installs the logger on standard error. Only fails if a logger is
/// already installed, in which case that one is kept.
pub fn init(level: LevelFilter) {
    let _ = dispatch(level).chain(std::io::stderr()).apply();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_python_shape() {
        let line = format_line(log::Level::Info, "Raw", &format_args!("hello {}", 1));
        assert_eq!(line, "INFO:Raw:hello 1");
        let line = format_line(log::Level::Warn, "hologram::outbox", &format_args!("x"));
        assert_eq!(line, "WARN:outbox:x");
    }
}
