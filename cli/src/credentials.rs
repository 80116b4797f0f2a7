//! The credentials: from the options, the key files and the environment
//! (see [`crate::secrets`]), then the credentials file. What the command
//! line gives wins: a device key given there replaces the file's cloud id
//! and key, and a cloud id or key given there replaces the file's device
//! key.

use hologram::{CredentialError, Credentials};

use crate::config::{comment_hint, LoadedFile};
use crate::exit::CliError;
use crate::options::Options;
use crate::output::Printer;
use crate::secrets::{Secret, Sources, CLOUD_KEY_ENV, DEVICEKEY_ENV, PRIVATE_KEY_ENV};

/// One credential value and where it came from, for error messages.
struct Given<'a> {
    value: &'a str,
    from: String,
    /// Whether it came from the file (an unquoted HJSON value there runs
    /// to the end of the line, comments included).
    in_file: bool,
}

/// The value given on the command line (an option, a key file, a
/// variable: `explicit`, with where it came from), else the file's.
fn given<'a>(
    explicit: Option<(&'a str, &str)>,
    file_value: Option<&'a str>,
    file: &LoadedFile,
    key: &str,
) -> Option<Given<'a>> {
    match (explicit, file_value) {
        (Some((value, from)), _) => Some(Given {
            value,
            from: from.to_owned(),
            in_file: false,
        }),
        (None, Some(value)) => Some(Given {
            value,
            from: file.source(key),
            in_file: true,
        }),
        (None, None) => None,
    }
}

fn set(
    value: Option<Given<'_>>,
    setter: impl FnOnce(&str) -> Result<(), CredentialError>,
) -> Result<(), CliError> {
    match value {
        None => Ok(()),
        Some(g) => setter(g.value.trim()).map_err(|e| {
            let hint = if g.in_file { comment_hint(g.value) } else { "" };
            CliError::Config(format!("{e} (from {}){hint}", g.from))
        }),
    }
}

/// The secrets given outside the credentials file: each from its option,
/// its key file or its environment variable (see [`crate::secrets`]).
#[derive(Debug, Default)]
pub struct Explicit {
    devicekey: Option<Secret>,
    cloud_key: Option<Secret>,
    private_key: Option<Secret>,
}

impl Explicit {
    /// Resolves each secret from its sources; warns about options.
    pub fn resolve(opts: &Options<'_>, printer: &Printer) -> Result<Explicit, CliError> {
        let c = opts.connection;
        let devicekey = Sources {
            what: "device key",
            flag: (c.devicekey.as_deref(), "--devicekey"),
            file: (c.devicekey_file.as_deref(), "--devicekey-file"),
            env: DEVICEKEY_ENV,
        };
        let cloud_key = Sources {
            what: "cloud key",
            flag: (c.cloud_key.as_deref(), "--cloud-key"),
            file: (c.cloud_key_file.as_deref(), "--cloud-key-file"),
            env: CLOUD_KEY_ENV,
        };
        let private_key = Sources {
            what: "private key",
            flag: (opts.private_key, "--private-key"),
            file: (opts.private_key_file, "--private-key-file"),
            env: PRIVATE_KEY_ENV,
        };
        Ok(Explicit {
            devicekey: devicekey.resolve(printer)?,
            cloud_key: cloud_key.resolve(printer)?,
            private_key: private_key.resolve(printer)?,
        })
    }
}

fn explicit(s: &Option<Secret>) -> Option<(&str, &str)> {
    s.as_ref().map(|s| (s.value.as_str(), s.from.as_str()))
}

/// The credentials from the options and the file. Options win: a device
/// key given as an option replaces the file's cloud id and key, and a cloud
/// id or key given as an option replaces the file's device key.
pub fn credentials(
    opts: &Options<'_>,
    secrets: &Explicit,
    file: &LoadedFile,
) -> Result<Credentials, CliError> {
    let c = opts.connection;
    let f = &file.values;
    let cloud_id_flag = c.cloud_id.as_deref().map(|v| (v, "--cloud-id"));
    let flag_pair = cloud_id_flag.is_some() || secrets.cloud_key.is_some();
    let (cloud_id, cloud_key, devicekey) = if secrets.devicekey.is_some() {
        (
            given(cloud_id_flag, None, file, "cloud_id"),
            given(explicit(&secrets.cloud_key), None, file, "cloud_key"),
            given(explicit(&secrets.devicekey), None, file, "devicekey"),
        )
    } else if flag_pair {
        (
            given(cloud_id_flag, f.cloud_id.as_deref(), file, "cloud_id"),
            given(
                explicit(&secrets.cloud_key),
                f.cloud_key.as_deref(),
                file,
                "cloud_key",
            ),
            None,
        )
    } else {
        (
            given(None, f.cloud_id.as_deref(), file, "cloud_id"),
            given(None, f.cloud_key.as_deref(), file, "cloud_key"),
            given(None, f.devicekey.as_deref(), file, "devicekey"),
        )
    };
    let mut creds = Credentials::default();
    set(cloud_id, |v| creds.set_cloud_id(v))?;
    set(cloud_key, |v| creds.set_cloud_key(v))?;
    set(devicekey, |v| creds.set_devicekey(v))?;
    let device_id = given(
        opts.device_id.map(|v| (v, "--device-id")),
        f.device_id.as_deref(),
        file,
        "device_id",
    );
    set(device_id, |v| creds.set_device_id(v))?;
    let private_key = given(
        explicit(&secrets.private_key),
        f.private_key.as_deref(),
        file,
        "private_key",
    );
    set(private_key, |v| creds.set_private_key(v))?;
    let half_pair = creds.cloud_id().is_empty() != creds.cloud_key().is_empty();
    if half_pair && creds.devicekey().is_none() {
        let missing = if creds.cloud_id().is_empty() {
            "cloud_id"
        } else {
            "cloud_key"
        };
        return Err(CliError::Config(format!(
            "{missing} is missing: give both the cloud id and the cloud key, or the device key"
        )));
    }
    Ok(creds)
}
