//! Where each secret comes from. A secret given as an option is readable
//! by every user of the machine (`ps` shows command lines), so the
//! command also takes each one from an environment variable or a key file
//! (`-` for standard input), says which to prefer in `--help`, and warns
//! on standard error when a secret came from an option.
//!
//! Order, first found wins: the option, the key-file option, the
//! environment variable; then the credentials file (`-f`).

use std::fmt;
use std::path::Path;

use crate::exit::CliError;
use crate::input::{read_capped, KEY_FILE_CAP};
use crate::output::Printer;

/// The environment variable holding the device key.
pub const DEVICEKEY_ENV: &str = "HOLOGRAM_DEVICEKEY";
/// The environment variable holding the cloud key.
pub const CLOUD_KEY_ENV: &str = "HOLOGRAM_CLOUD_KEY";
/// The environment variable holding the TOTP private key.
pub const PRIVATE_KEY_ENV: &str = "HOLOGRAM_PRIVATE_KEY";

/// One secret's possible sources.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// What it is, for messages ("device key").
    pub what: &'static str,
    /// The option's value and name (`--devicekey`).
    pub flag: (Option<&'a str>, &'static str),
    /// The key-file option's value and name (`--devicekey-file`).
    pub file: (Option<&'a Path>, &'static str),
    /// The environment variable.
    pub env: &'static str,
}

/// A secret and where it came from. `Debug` never shows the value.
#[derive(Clone)]
pub struct Secret {
    /// The value.
    pub value: String,
    /// Where it came from, for error messages (`--devicekey-file k.txt`).
    pub from: String,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("value", &"<redacted>")
            .field("from", &self.from)
            .finish()
    }
}

impl Sources<'_> {
    /// The secret from the first source that has it, if any; warns (on
    /// `printer`) when it came from an option.
    pub fn resolve(&self, printer: &Printer) -> Result<Option<Secret>, CliError> {
        let (flag, flag_name) = self.flag;
        let (file, file_flag) = self.file;
        if let (Some(_), Some(_)) = (flag, file) {
            return Err(CliError::Usage(format!(
                "the {} is given twice: use {file_flag} or {flag_name}, not both",
                self.what
            )));
        }
        if let Some(value) = flag {
            printer.warning(&format!(
                "the {} was given with {flag_name}: every user of this machine can read it in \
                 the process list (ps); use {} or {file_flag} FILE instead (or the credentials \
                 file, -f)",
                self.what, self.env
            ));
            return Ok(Some(Secret {
                value: value.to_owned(),
                from: flag_name.to_owned(),
            }));
        }
        if let Some(path) = file {
            return read_key_file(path, self.what, file_flag, printer).map(Some);
        }
        match std::env::var(self.env) {
            Ok(value) if !value.trim().is_empty() => Ok(Some(Secret {
                value,
                from: self.env.to_owned(),
            })),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(CliError::Config(format!("{} is not UTF-8 text", self.env)))
            }
        }
    }
}

/// Reads a key file: one line holding the key (a final end of line and
/// surrounding spaces are dropped), at most [`KEY_FILE_CAP`] bytes.
fn read_key_file(
    path: &Path,
    what: &str,
    flag: &str,
    printer: &Printer,
) -> Result<Secret, CliError> {
    let from = format!("{flag} {}", path.display());
    let bytes = read_capped(path, "key file", KEY_FILE_CAP)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::Config(format!("{from}: the key file is not UTF-8 text")))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(CliError::Config(format!("{from}: the key file is empty")));
    }
    if value.lines().count() > 1 {
        return Err(CliError::Config(format!(
            "{from}: the key file holds more than one line; it must hold only the {what}"
        )));
    }
    if path != Path::new("-") {
        if let Some(w) = crate::input::permission_warning(path, "key file") {
            printer.warning(&w);
        }
    }
    Ok(Secret {
        value: value.to_owned(),
        from,
    })
}
