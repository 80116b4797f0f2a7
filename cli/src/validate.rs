//! One validation for every value, wherever it comes from (an option or
//! the credentials file), run before any network activity. The rules are
//! the transport's own (`hologram_tcp::settings`), so the command line,
//! the file and the library report the same thing for the same value.

/// Checks a server host name or IP address: refuses spaces, control
/// characters, a port glued on (`host:9999`), a URL, and names that are not
/// DNS names, so a typo is reported here rather than handed to the
/// system's resolver. The error is the reason alone, for the caller to say
/// where the value came from.
pub fn host(text: &str) -> Result<(), String> {
    hologram_tcp::settings::validate_host(text).map_err(|e| e.reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in ["127.0.0.1", "::1", "cloudsocket.hologram.io", "localhost"] {
            assert!(host(ok).is_ok(), "{ok}");
        }
        for bad in [
            "127.0.0.1 ",
            " 127.0.0.1",
            "127.0.0.1:9999",
            "example.com:80",
            "http://example.com",
            "",
            "a\u{0}b",
        ] {
            assert!(host(bad).is_err(), "{bad:?}");
        }
    }
}
