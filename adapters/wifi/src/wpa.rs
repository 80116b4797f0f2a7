//! A small wpa_supplicant control client: one Unix datagram socket bound in
//! a private directory of its own (mode 0700, unique name), talking to
//! `<ctrl_dir>/<interface>` with the text protocol `wpa_cli` speaks.
//!
//! Safety rules:
//! - the SSID is always sent hex-encoded (`SET_NETWORK <id> ssid 6869`), so
//!   no byte of it can end a field or start a command;
//! - the passphrase is checked (8 to 63 printable ASCII characters, or 64 hex
//!   digits for a raw PSK) before it is sent, never logged, never put in an
//!   error, and the buffer that carried it is wiped after sending;
//! - replies are bounded in size and time.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hologram_ports::{NetworkError, Ssid};

use crate::error::WifiError;
use crate::InterfaceName;

/// The default control directory of wpa_supplicant.
pub const DEFAULT_CTRL_DIR: &str = "/var/run/wpa_supplicant";

/// How long one request may wait for its reply.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest reply or event read (wpa_ctrl uses 4096).
const MAX_DATAGRAM: usize = 8192;

/// A Wi-Fi passphrase: 8 to 63 printable ASCII characters, or 64 hex digits
/// (a raw pre-shared key). Never shown by `Debug`, never in an error.
///
/// ```
/// use hologram_wifi::Passphrase;
/// let p = Passphrase::new("correct horse").unwrap();
/// assert_eq!(format!("{p:?}"), "Passphrase(<redacted>)");
/// assert!(Passphrase::new("short").is_err());
/// assert!(Passphrase::new("tab\tinside").is_err());
/// assert!(!Passphrase::new("seven7\n").unwrap_err().to_string().contains("seven7"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(Vec<u8>);

impl Passphrase {
    /// Checks and wraps a passphrase.
    pub fn new(passphrase: &str) -> Result<Self, NetworkError> {
        let bytes = passphrase.as_bytes();
        let raw_psk = bytes.len() == 64 && bytes.iter().all(u8::is_ascii_hexdigit);
        let printable =
            (8..=63).contains(&bytes.len()) && bytes.iter().all(|b| (0x20..=0x7e).contains(b));
        if !raw_psk && !printable {
            return Err(NetworkError::InvalidSetting {
                setting: "passphrase",
                reason: format!(
                    "must be 8 to 63 printable ASCII characters or 64 hex digits (got {} bytes)",
                    bytes.len()
                ),
            });
        }
        Ok(Passphrase(bytes.to_vec()))
    }

    /// The value as wpa_supplicant's `psk` field takes it: a raw PSK as hex,
    /// a passphrase in quotes (wpa_supplicant takes the text up to the
    /// *last* quote, so quotes inside are kept as they are).
    fn field_value(&self) -> Vec<u8> {
        if self.0.len() == 64 {
            return self.0.clone();
        }
        let mut out = Vec::with_capacity(self.0.len() + 2);
        out.push(b'"');
        out.extend_from_slice(&self.0);
        out.push(b'"');
        out
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

impl Drop for Passphrase {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Overwrites a buffer that held a secret (best effort).
fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(buf);
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `STATUS` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Status {
    pub wpa_state: String,
    pub network_id: Option<u32>,
    pub bssid: Option<String>,
}

impl Status {
    fn parse(reply: &str) -> Status {
        let mut status = Status::default();
        for line in reply.lines() {
            match line.split_once('=') {
                Some(("wpa_state", v)) => status.wpa_state = v.to_owned(),
                Some(("id", v)) => status.network_id = v.parse().ok(),
                Some(("bssid", v)) => status.bssid = Some(v.to_owned()),
                _ => {}
            }
        }
        status
    }

    /// Associated (and, with WPA, keyed) to `network`.
    pub(crate) fn is_completed_on(&self, network: u32) -> bool {
        self.wpa_state == "COMPLETED" && self.network_id == Some(network)
    }
}

/// What an unsolicited event means for an association in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Happening {
    Connected,
    WrongKey,
    Other,
}

/// Classifies an event line (`<3>CTRL-EVENT-CONNECTED ...`).
pub(crate) fn classify(event: &str) -> Happening {
    let text = event
        .strip_prefix('<')
        .and_then(|rest| rest.split_once('>'))
        .map_or(event, |(_, text)| text);
    if text.starts_with("CTRL-EVENT-CONNECTED") {
        Happening::Connected
    } else if (text.starts_with("CTRL-EVENT-SSID-TEMP-DISABLED")
        && text.contains("reason=WRONG_KEY"))
        || text.contains("pre-shared key may be incorrect")
    {
        Happening::WrongKey
    } else {
        Happening::Other
    }
}

/// A connection to wpa_supplicant's control socket for one interface.
pub(crate) struct WpaClient {
    socket: UnixDatagram,
    server: PathBuf,
    // Holds the private directory our socket is bound in; removed on drop.
    _dir: tempfile::TempDir,
    events: VecDeque<String>,
    attached: bool,
}

impl fmt::Debug for WpaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WpaClient")
            .field("server", &self.server)
            .field("attached", &self.attached)
            .finish_non_exhaustive()
    }
}

impl WpaClient {
    /// Connects to `<ctrl_dir>/<interface>`.
    pub(crate) fn open(ctrl_dir: &Path, interface: &InterfaceName) -> Result<Self, WifiError> {
        const OPERATION: &str = "opening the wpa_supplicant control socket";
        let server = ctrl_dir.join(interface.as_str());
        let unavailable = |reason: String| WifiError::WpaUnavailable {
            path: server.clone(),
            reason,
        };
        let dir = tempfile::Builder::new()
            .prefix("hologram-wpa-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map_err(|e| WifiError::io(OPERATION, e))?;
        let socket =
            UnixDatagram::bind(dir.path().join("ctrl")).map_err(|e| WifiError::io(OPERATION, e))?;
        match socket.connect(&server) {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
                ) =>
            {
                return Err(unavailable(e.to_string()))
            }
            Err(e)
                if e.raw_os_error() == Some(libc::ENOTDIR)
                    || e.raw_os_error() == Some(libc::ENOTSOCK) =>
            {
                return Err(unavailable(e.to_string()))
            }
            Err(e) => return Err(WifiError::io(OPERATION, e)),
        }
        Ok(WpaClient {
            socket,
            server,
            _dir: dir,
            events: VecDeque::new(),
            attached: false,
        })
    }

    /// Sends `command` and returns its reply. Events arriving meanwhile are
    /// queued. `name` is what errors and logs call the command; the command
    /// itself may hold a secret and is never shown.
    fn request(&mut self, command: &[u8], name: &'static str) -> Result<String, WifiError> {
        self.socket
            .send(command)
            .map_err(|e| self.send_error(name, e))?;
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            let message = self
                .receive(deadline)
                .map_err(|e| WifiError::io("reading from wpa_supplicant", e))?
                .ok_or(WifiError::WpaNoReply { command: name })?;
            if message.starts_with('<') {
                self.events.push_back(message);
            } else {
                log::trace!(target: "Wifi", "wpa_supplicant: {name} -> {:?}", message.trim_end());
                return Ok(message);
            }
        }
    }

    fn send_error(&self, name: &'static str, e: io::Error) -> WifiError {
        match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                WifiError::WpaUnavailable {
                    path: self.server.clone(),
                    reason: format!("{name}: {e}"),
                }
            }
            _ => WifiError::io("writing to wpa_supplicant", e),
        }
    }

    /// One datagram, or `None` at `deadline`.
    fn receive(&self, deadline: Instant) -> io::Result<Option<String>> {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            self.socket.set_read_timeout(Some(deadline - now))?;
            match self.socket.recv(&mut buf) {
                Ok(n) => return Ok(Some(String::from_utf8_lossy(&buf[..n]).into_owned())),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn expect_ok(&mut self, command: &[u8], name: &'static str) -> Result<(), WifiError> {
        let reply = self.request(command, name)?;
        if reply.trim_end() == "OK" {
            Ok(())
        } else {
            Err(WifiError::WpaRefused {
                command: name,
                reply: printable(&reply),
            })
        }
    }

    /// `ATTACH`: receive events on this socket.
    pub(crate) fn attach(&mut self) -> Result<(), WifiError> {
        self.expect_ok(b"ATTACH", "ATTACH")?;
        self.attached = true;
        Ok(())
    }

    /// `ADD_NETWORK`: a new, disabled network; its id.
    pub(crate) fn add_network(&mut self) -> Result<u32, WifiError> {
        let reply = self.request(b"ADD_NETWORK", "ADD_NETWORK")?;
        reply.trim_end().parse().map_err(|_| WifiError::WpaRefused {
            command: "ADD_NETWORK",
            reply: printable(&reply),
        })
    }

    /// `SET_NETWORK <id> ssid <hex>`.
    pub(crate) fn set_ssid(&mut self, id: u32, ssid: &Ssid) -> Result<(), WifiError> {
        let command = format!("SET_NETWORK {id} ssid {}", hex(ssid.as_bytes()));
        self.expect_ok(command.as_bytes(), "SET_NETWORK ssid")
    }

    /// `SET_NETWORK <id> psk ...`; the buffer is wiped after sending.
    pub(crate) fn set_psk(&mut self, id: u32, passphrase: &Passphrase) -> Result<(), WifiError> {
        let mut command = format!("SET_NETWORK {id} psk ").into_bytes();
        let mut value = passphrase.field_value();
        command.extend_from_slice(&value);
        wipe(&mut value);
        let result = self.expect_ok(&command, "SET_NETWORK psk");
        wipe(&mut command);
        result
    }

    /// `SET_NETWORK <id> key_mgmt NONE`: an open network.
    pub(crate) fn set_open(&mut self, id: u32) -> Result<(), WifiError> {
        let command = format!("SET_NETWORK {id} key_mgmt NONE");
        self.expect_ok(command.as_bytes(), "SET_NETWORK key_mgmt")
    }

    /// `SELECT_NETWORK <id>`: enable it, disable the others, associate.
    pub(crate) fn select_network(&mut self, id: u32) -> Result<(), WifiError> {
        let command = format!("SELECT_NETWORK {id}");
        self.expect_ok(command.as_bytes(), "SELECT_NETWORK")
    }

    /// `REMOVE_NETWORK <id>`.
    pub(crate) fn remove_network(&mut self, id: u32) -> Result<(), WifiError> {
        let command = format!("REMOVE_NETWORK {id}");
        self.expect_ok(command.as_bytes(), "REMOVE_NETWORK")
    }

    /// `DISCONNECT`.
    pub(crate) fn disconnect(&mut self) -> Result<(), WifiError> {
        self.expect_ok(b"DISCONNECT", "DISCONNECT")
    }

    /// `RECONNECT` (associates again after a `DISCONNECT`).
    pub(crate) fn reconnect(&mut self) -> Result<(), WifiError> {
        self.expect_ok(b"RECONNECT", "RECONNECT")
    }

    /// `STATUS`.
    pub(crate) fn status(&mut self) -> Result<Status, WifiError> {
        let reply = self.request(b"STATUS", "STATUS")?;
        Ok(Status::parse(&reply))
    }

    /// Waits until `network` is associated, the AP refuses the key, or
    /// `timeout` passes. Polls `STATUS` and watches events in between.
    pub(crate) fn wait_associated(
        &mut self,
        network: u32,
        timeout: Duration,
    ) -> Result<(), WifiError> {
        const POLL: Duration = Duration::from_millis(200);
        let deadline = Instant::now() + timeout;
        loop {
            // Events first: a wrong key shows there, not in STATUS.
            self.check_events()?;
            if self.status()?.is_completed_on(network) {
                return Ok(());
            }
            // STATUS may have queued events: look at them before giving up.
            // The deadline is checked on every pass, however many events
            // wpa_supplicant sends.
            self.check_events()?;
            let now = Instant::now();
            if now >= deadline {
                return Err(WifiError::AssociateTimeout(timeout));
            }
            let wait_until = (now + POLL).min(deadline);
            if let Some(message) = self
                .receive(wait_until)
                .map_err(|e| WifiError::io("reading from wpa_supplicant", e))?
            {
                if message.starts_with('<') {
                    self.events.push_back(message);
                }
            }
        }
    }

    /// Logs and drops the queued events; a refused key ends the wait.
    fn check_events(&mut self) -> Result<(), WifiError> {
        while let Some(event) = self.events.pop_front() {
            log::debug!(target: "Wifi", "wpa_supplicant event: {}", printable(&event));
            if classify(&event) == Happening::WrongKey {
                return Err(WifiError::WrongPassphrase);
            }
        }
        Ok(())
    }

    /// `DETACH`, best effort.
    fn detach(&mut self) {
        if self.attached {
            self.attached = false;
            let _ = self.request(b"DETACH", "DETACH");
        }
    }
}

impl Drop for WpaClient {
    fn drop(&mut self) {
        self.detach();
    }
}

/// A reply as it may be shown: one line, printable, bounded.
fn printable(reply: &str) -> String {
    reply
        .trim_end()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FakeWpa, Script};

    #[test]
    fn passphrase_rules() {
        assert!(Passphrase::new("12345678").is_ok());
        assert!(Passphrase::new(&"x".repeat(63)).is_ok());
        assert!(Passphrase::new(&"x".repeat(64)).is_err()); // 64 but not hex
        assert!(Passphrase::new(&"g".repeat(64)).is_err());
        assert!(Passphrase::new(&"a1".repeat(32)).is_ok());
        assert!(Passphrase::new("with \"quotes\" ok").is_ok());
        assert!(Passphrase::new("1234567").is_err());
        assert!(Passphrase::new("line\nbreak!").is_err());
        assert!(Passphrase::new("naïve-passphrase").is_err());
        assert_eq!(
            Passphrase::new("ab\"cd\"ef").unwrap().field_value(),
            b"\"ab\"cd\"ef\""
        );
    }

    #[test]
    fn classifies_events() {
        assert_eq!(
            classify("<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]"),
            Happening::Connected
        );
        assert_eq!(
            classify("<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid=\"x\" auth_failures=1 duration=10 reason=WRONG_KEY"),
            Happening::WrongKey
        );
        assert_eq!(
            classify("<3>WPA: 4-Way Handshake failed - pre-shared key may be incorrect"),
            Happening::WrongKey
        );
        assert_eq!(
            classify("<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid=\"x\" auth_failures=1 duration=10 reason=CONN_FAILED"),
            Happening::Other
        );
        assert_eq!(classify("<3>CTRL-EVENT-SCAN-STARTED "), Happening::Other);
    }

    #[test]
    fn status_parses() {
        let s = Status::parse(
            "bssid=02:00:00:00:01:00\nfreq=2412\nssid=x\nid=3\nmode=station\nwpa_state=COMPLETED\n",
        );
        assert!(s.is_completed_on(3));
        assert!(!s.is_completed_on(0));
        assert_eq!(s.bssid.as_deref(), Some("02:00:00:00:01:00"));
    }

    #[test]
    fn missing_socket_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let name = InterfaceName::new("wlan0").unwrap();
        let err = WpaClient::open(dir.path(), &name).unwrap_err();
        assert!(matches!(err, WifiError::WpaUnavailable { .. }), "{err:?}");
        let err = NetworkError::from(err);
        assert!(matches!(
            err,
            NetworkError::ServiceUnavailable {
                service: "wpa_supplicant",
                ..
            }
        ));
        assert!(err
            .to_string()
            .contains(&dir.path().join("wlan0").display().to_string()));
    }

    #[test]
    fn hostile_ssid_goes_hex_encoded() {
        let fake = FakeWpa::start("wlan0", Script::Associates);
        let ssid = Ssid::new(b"a\"b\nSET_NETWORK 0 psk \"x\"\0").unwrap();
        let mut client =
            WpaClient::open(fake.dir(), &InterfaceName::new("wlan0").unwrap()).unwrap();
        let id = client.add_network().unwrap();
        client.set_ssid(id, &ssid).unwrap();
        let commands = fake.commands();
        let set = commands
            .iter()
            .find(|c| c.starts_with(b"SET_NETWORK"))
            .unwrap();
        let text = std::str::from_utf8(set).unwrap();
        let value = text.strip_prefix("SET_NETWORK 0 ssid ").unwrap();
        assert!(value.bytes().all(|b| b.is_ascii_hexdigit()), "{text:?}");
        assert_eq!(value, hex(ssid.as_bytes()));
        assert_eq!(commands.len(), 2, "one datagram per command: {commands:?}");
    }

    #[test]
    fn private_directories_do_not_collide() {
        let fake = FakeWpa::start("wlan0", Script::Associates);
        let name = InterfaceName::new("wlan0").unwrap();
        let mut a = WpaClient::open(fake.dir(), &name).unwrap();
        let mut b = WpaClient::open(fake.dir(), &name).unwrap();
        assert_ne!(a._dir.path(), b._dir.path());
        assert_eq!(a.add_network().unwrap(), 0);
        assert_eq!(b.add_network().unwrap(), 1);
        let dir = a._dir.path().to_owned();
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        drop(a);
        assert!(!dir.exists());
    }
}
