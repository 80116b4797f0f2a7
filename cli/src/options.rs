//! What `send` and `sms` ask of a session: the options they share and
//! those only `send` has.

use crate::args::{AuthType, Connection};

/// What kind of sending the session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Messages through the cloud (or a relay / the simulator).
    Messages,
    /// Bytes as they are to a raw server.
    Raw,
    /// An SMS.
    Sms,
}

/// The options `send` and `sms` share, plus those only `send` has.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Credentials, endpoint, network, ...
    pub connection: &'a Connection,
    /// `--device-id`.
    pub device_id: Option<&'a str>,
    /// `--private-key`.
    pub private_key: Option<&'a str>,
    /// `--private-key-file`.
    pub private_key_file: Option<&'a std::path::Path>,
    /// Whether messages are read from standard input (`-`).
    pub stdin_messages: bool,
    /// `--metadata`.
    pub metadata: bool,
    /// `--authtype`.
    pub authtype: Option<AuthType>,
    /// What it is for.
    pub purpose: Purpose,
}
