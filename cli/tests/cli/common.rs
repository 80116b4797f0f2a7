//! Helpers: run the built binary, a loopback capture server.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// The `hologram` binary, with a clean environment for the variables it reads.
pub fn hologram() -> Command {
    let mut cmd = Command::cargo_bin("hologram").expect("the hologram binary is built");
    cmd.env_remove("HOLOGRAM_PLUGINS_DIR")
        .env_remove("HOLOGRAM_WIFI_PASSPHRASE")
        .env("XDG_DATA_HOME", "/nonexistent-hologram-test")
        .timeout(Duration::from_secs(30));
    cmd
}

/// What a run gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` and checks it never panicked.
pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the binary runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("' panicked at") && !run.stderr.contains("RUST_BACKTRACE"),
        "panic: {run:?}"
    );
    run
}

/// Runs `args` and expects exit `code`.
pub fn expect(args: &[&str], code: i32) -> Run {
    let r = run(hologram().args(args));
    assert_eq!(r.code, code, "{args:?} gave {r:?}");
    r
}

/// Runs `args`, expects exit 2 and one `error:` line on stderr holding
/// `needle` (notes may come before it; clap adds usage lines after it).
pub fn usage_error(args: &[&str], needle: &str) -> Run {
    let r = expect(args, 2);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{args:?}: {r:?}");
    assert!(
        errors[0].contains(needle),
        "{args:?}: expected {needle:?} in {:?}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{args:?}: {r:?}");
    r
}

/// A loopback server that records what each connection sends and answers
/// it. It serves at most 64 connections and stops when dropped.
pub struct Capture {
    port: u16,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Capture {
    /// Answers every request with `reply` (none: close without answering
    /// after `hold`).
    pub fn start(reply: Option<&'static [u8]>, hold: Duration) -> Capture {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (rec, st) = (Arc::clone(&received), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for _ in 0..64 {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                if st.load(Ordering::SeqCst) {
                    return;
                }
                let bytes = read_request(&stream);
                rec.lock().unwrap().push(bytes);
                let mut stream = stream;
                match reply {
                    Some(r) => {
                        let _ = stream.write_all(r);
                    }
                    None => std::thread::sleep(hold),
                }
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
        });
        Capture {
            port,
            received,
            stop,
            thread: Some(thread),
        }
    }

    /// Answers `[0,0]`.
    pub fn ok() -> Capture {
        Capture::start(Some(b"[0,0]"), Duration::ZERO)
    }

    pub fn port(&self) -> String {
        self.port.to_string()
    }

    /// What each connection sent, in order.
    pub fn received(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads until `\r\r`, EOF, 64 KiB, or 200 ms of quiet after some bytes
/// (a raw payload has no terminator); at most 3 s in all.
fn read_request(mut stream: &TcpStream) -> Vec<u8> {
    let start = Instant::now();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    while start.elapsed() < Duration::from_secs(3) && buf.len() < 64 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.ends_with(b"\r\r") {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if !buf.is_empty() {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    buf
}

/// A port nothing listens on.
pub fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port.to_string()
}

/// Writes a credentials file with mode 0600 and returns its path.
pub fn creds_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path.display().to_string()
}
