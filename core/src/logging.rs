//! Log lines in the Python SDK's format: `LEVEL:<Component>:<message>`.
//!
//! The library logs through [`log`] only, with the component as the target
//! (`Raw`, `Cloud`, `Wifi`, `Hologram`, ...); the program chooses the
//! logger. [`format_line`] gives the Python SDK's line for a record, for a
//! logger of your choice (the CLI's, a test's capture). No log line carries
//! a key, a private key or a one-time password.
//!
//! ```
//! struct Stderr;
//!
//! impl log::Log for Stderr {
//!     fn enabled(&self, m: &log::Metadata<'_>) -> bool {
//!         m.level() <= log::Level::Info
//!     }
//!     fn log(&self, r: &log::Record<'_>) {
//!         if self.enabled(r.metadata()) {
//!             eprintln!("{}", hologram::logging::format_line(r.level(), r.target(), r.args()));
//!         }
//!     }
//!     fn flush(&self) {}
//! }
//!
//! static LOGGER: Stderr = Stderr;
//! log::set_logger(&LOGGER).ok();
//! log::set_max_level(log::LevelFilter::Info);
//! log::info!(target: "Raw", "A buffered message has been sent since an active connection is established");
//! ```

/// Formats one record as `LEVEL:<Component>:<message>`.
pub fn format_line(level: log::Level, target: &str, message: &std::fmt::Arguments<'_>) -> String {
    // Module paths (when a crate logs without a target) are shortened to
    // their last segment so the line stays in the Python shape.
    let component = target.rsplit("::").next().unwrap_or(target);
    format!("{level}:{component}:{message}")
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
