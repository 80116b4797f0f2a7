//! The interface name: a validated newtype, so a name can never smuggle a
//! path, a second word or a NUL into anything it is passed to.

use std::fmt;
use std::str::FromStr;

use hologram_ports::NetworkError;

/// A Linux network interface name (`wlan0`, `wlp2s0`, ...).
///
/// Valid names are 1 to 15 bytes (the kernel's `IFNAMSIZ` less its NUL),
/// with no `/`, NUL or whitespace, and no `..`; `.` and `..` alone are
/// refused too. These are the kernel's rules (`dev_valid_name`) plus `..`
/// anywhere, so a name is also safe as a path component
/// (`/var/run/wpa_supplicant/<name>`), with one difference: `:` is
/// accepted here (the kernel refuses it in link names, so such a name is
/// [`NoSuchInterface`](NetworkError::NoSuchInterface)).
///
/// ```
/// use hologram_wifi::InterfaceName;
/// assert_eq!(InterfaceName::default().as_str(), "wlan0");
/// assert!(InterfaceName::new("wlp2s0").is_ok());
/// for bad in ["", "wlan0; reboot", "../etc", "a/b", "x\0", "sixteen-bytes-xx"] {
///     assert!(InterfaceName::new(bad).is_err(), "{bad:?}");
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InterfaceName(String);

impl InterfaceName {
    /// Longest name, in bytes (`IFNAMSIZ - 1`).
    pub const MAX_LEN: usize = 15;

    /// The default interface, `wlan0`.
    pub const DEFAULT: &'static str = "wlan0";

    /// Validates a name.
    pub fn new(name: &str) -> Result<Self, NetworkError> {
        let bad = |reason: &str| NetworkError::InvalidSetting {
            setting: "interface",
            reason: format!("{name:?} {reason}"),
        };
        if name.is_empty() || name.len() > Self::MAX_LEN {
            return Err(bad("must be 1 to 15 bytes long"));
        }
        if name.contains('/') || name.contains('\0') {
            return Err(bad("must not contain '/' or NUL"));
        }
        if name.chars().any(char::is_whitespace) {
            return Err(bad("must not contain whitespace"));
        }
        if name == "." || name.contains("..") {
            return Err(bad("must not be '.' or contain '..'"));
        }
        Ok(InterfaceName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for InterfaceName {
    fn default() -> Self {
        InterfaceName(Self::DEFAULT.to_owned())
    }
}

impl FromStr for InterfaceName {
    type Err = NetworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InterfaceName::new(s)
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InterfaceName({:?})", self.0)
    }
}

impl AsRef<str> for InterfaceName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn boundaries() {
        assert!(InterfaceName::new("a").is_ok());
        assert!(InterfaceName::new(&"a".repeat(15)).is_ok());
        assert!(InterfaceName::new(&"a".repeat(16)).is_err());
        // 15 bytes, not 15 characters.
        assert!(InterfaceName::new(&"é".repeat(8)).is_err());
        for bad in [".", "..", "a..b", "a b", "a\tb", "a\nb", "\u{a0}x", "x/"] {
            assert!(InterfaceName::new(bad).is_err(), "{bad:?}");
        }
        for good in ["wlan0", "wlp2s0", "wl.x", "br-lan", "veth_a", "a:b"] {
            assert!(InterfaceName::new(good).is_ok(), "{good:?}");
        }
    }

    proptest! {
        #[test]
        fn accepted_names_obey_the_rules(s in "\\PC{0,20}") {
            if let Ok(name) = InterfaceName::new(&s) {
                let n = name.as_str();
                prop_assert!(!n.is_empty() && n.len() <= 15);
                prop_assert!(!n.contains('/') && !n.contains('\0') && !n.contains(".."));
                prop_assert!(!n.chars().any(char::is_whitespace));
            }
        }
    }
}
