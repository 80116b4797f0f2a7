//! Test helpers: a fake wpa_supplicant speaking the real control protocol
//! over a real Unix datagram socket, and a logger that keeps every line.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How the fake access point behaves after `SELECT_NETWORK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Associates: `CTRL-EVENT-CONNECTED`, then `STATUS` says `COMPLETED`.
    Associates,
    /// Refuses the key: `CTRL-EVENT-SSID-TEMP-DISABLED ... reason=WRONG_KEY`.
    WrongKey,
    /// Never finds the network: `STATUS` stays `SCANNING`.
    NeverAssociates,
    /// Never finds the network, and sends an event just before every
    /// `STATUS` reply, so each `STATUS` leaves an event queued.
    ChattyNeverAssociates,
}

pub(crate) const FAKE_BSSID: &str = "02:00:00:00:01:00";

/// A fake wpa_supplicant control socket at `<dir>/<iface>`.
pub(crate) struct FakeWpa {
    dir: tempfile::TempDir,
    commands: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeWpa {
    pub(crate) fn start(iface: &str, script: Script) -> FakeWpa {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = UnixDatagram::bind(dir.path().join(iface)).expect("bind fake wpa socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let commands = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let commands = Arc::clone(&commands);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || serve(socket, script, &commands, &stop))
        };
        FakeWpa {
            dir,
            commands,
            stop,
            thread: Some(thread),
        }
    }

    /// The control directory (to pass as `wpa_ctrl_dir`).
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Every command received, in order, byte for byte.
    pub(crate) fn commands(&self) -> Vec<Vec<u8>> {
        self.commands.lock().expect("lock").clone()
    }

    /// The commands as lossy text.
    pub(crate) fn command_texts(&self) -> Vec<String> {
        self.commands()
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    }
}

impl Drop for FakeWpa {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(socket: UnixDatagram, script: Script, commands: &Mutex<Vec<Vec<u8>>>, stop: &AtomicBool) {
    let mut buf = [0u8; 4096];
    let mut next_id = 0u32;
    let mut monitor: Option<PathBuf> = None;
    let mut selected: Option<u32> = None;
    let mut associated = false;
    while !stop.load(Ordering::SeqCst) {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let Some(peer) = from.as_pathname().map(Path::to_path_buf) else {
            continue;
        };
        let command = buf[..n].to_vec();
        commands.lock().expect("lock").push(command.clone());
        let text = String::from_utf8_lossy(&command).into_owned();
        let mut words = text.splitn(3, ' ');
        let verb = words.next().unwrap_or("");
        let arg = words.next().unwrap_or("");
        let mut event = None;
        let reply = match verb {
            "ATTACH" => {
                monitor = Some(peer.clone());
                "OK\n".to_owned()
            }
            "DETACH" => {
                monitor = None;
                "OK\n".to_owned()
            }
            "ADD_NETWORK" => {
                next_id += 1;
                format!("{}\n", next_id - 1)
            }
            "SET_NETWORK" | "REMOVE_NETWORK" | "RECONNECT" => "OK\n".to_owned(),
            "DISCONNECT" => {
                associated = false;
                "OK\n".to_owned()
            }
            "SELECT_NETWORK" => {
                let id: u32 = arg.parse().unwrap_or(u32::MAX);
                selected = Some(id);
                event = match script {
                    Script::Associates => {
                        associated = true;
                        Some(format!(
                            "<3>CTRL-EVENT-CONNECTED - Connection to {FAKE_BSSID} completed [id={id} id_str=]"
                        ))
                    }
                    Script::WrongKey => Some(format!(
                        "<3>CTRL-EVENT-SSID-TEMP-DISABLED id={id} ssid=\"x\" auth_failures=1 duration=10 reason=WRONG_KEY"
                    )),
                    Script::NeverAssociates | Script::ChattyNeverAssociates => {
                        Some("<3>CTRL-EVENT-SCAN-STARTED ".to_owned())
                    }
                };
                "OK\n".to_owned()
            }
            "STATUS" => match (associated, selected) {
                (_, Some(_)) if script == Script::ChattyNeverAssociates => {
                    if let Some(monitor) = &monitor {
                        let _ = socket.send_to(b"<3>CTRL-EVENT-SCAN-RESULTS ", monitor);
                    }
                    "wpa_state=SCANNING\n".to_owned()
                }
                (true, Some(id)) => format!(
                    "bssid={FAKE_BSSID}\nfreq=2412\nssid=x\nid={id}\nmode=station\npairwise_cipher=CCMP\nkey_mgmt=WPA2-PSK\nwpa_state=COMPLETED\n"
                ),
                (_, Some(_)) if script == Script::WrongKey => "wpa_state=DISCONNECTED\n".to_owned(),
                _ => "wpa_state=SCANNING\n".to_owned(),
            },
            _ => "UNKNOWN COMMAND\n".to_owned(),
        };
        let _ = socket.send_to(reply.as_bytes(), &peer);
        if let (Some(event), Some(monitor)) = (event, &monitor) {
            let _ = socket.send_to(event.as_bytes(), monitor);
        }
    }
}

/// Installs the kit's capturing logger (once per test binary).
pub(crate) fn capture_logs() {
    hologram_conformance::testing::capture_logs();
}

/// The log lines so far, as `LEVEL target: message`.
pub(crate) fn log_lines() -> Vec<String> {
    hologram_conformance::testing::capture_logs()
        .lines()
        .iter()
        .map(ToString::to_string)
        .collect()
}
