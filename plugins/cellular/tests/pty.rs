//! The serial code path, end to end: the plugin opens a pseudo-terminal
//! whose other side is the simulated modem, as it would open /dev/ttyUSB0.

use std::fs::File;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use hologram_plugin_cellular::{Cellular, SimFault, SimModem};
use hologram_ports::{
    AdapterConfig, AdapterContext, Event, EventSink, NetworkError, NetworkInterface,
};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);
impl EventSink for Recorder {
    fn emit(&self, e: &Event) {
        self.0.lock().unwrap().push(e.to_string());
    }
}

/// A pseudo-terminal with the simulated modem on its master side.
struct PtyModem {
    path: String,
    stop: Arc<AtomicBool>,
    modem: Arc<Mutex<SimModem>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl PtyModem {
    fn start(modem: SimModem) -> PtyModem {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let path = ptsname(&master, Vec::new()).unwrap();
        let path = path.into_string().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let modem = Arc::new(Mutex::new(modem));
        let (s, m) = (stop.clone(), modem.clone());
        let thread = thread::spawn(move || {
            let mut master = File::from(master);
            let mut buf = [0u8; 256];
            let tick = Timespec {
                tv_sec: 0,
                tv_nsec: 20_000_000,
            };
            while !s.load(Ordering::Acquire) {
                let mut fds = [PollFd::new(&master, PollFlags::IN)];
                if poll(&mut fds, Some(&tick)).unwrap_or(0) == 0 {
                    continue;
                }
                // EIO while no one has the slave side open: wait for them.
                let Ok(n) = master.read(&mut buf) else {
                    thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let out = {
                    let mut modem = m.lock().unwrap();
                    modem.input(&buf[..n]);
                    modem.take_output()
                };
                if master.write_all(&out).is_err() {
                    continue;
                }
            }
        });
        PtyModem {
            path,
            stop,
            modem,
            thread: Some(thread),
        }
    }
}

impl Drop for PtyModem {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

fn cellular(device: &str, rec: Arc<Recorder>) -> Cellular {
    let cfg = AdapterConfig::new()
        .with("device", device)
        .with("apn", "test.apn")
        .with("timeout", "2");
    Cellular::from_context(&AdapterContext::new(rec, cfg)).unwrap()
}

#[test]
fn connects_through_a_serial_port() {
    let pty = PtyModem::start(SimModem::new(25, SimFault::None));
    let rec = Arc::new(Recorder::default());
    let mut net = cellular(&pty.path, rec.clone());
    net.connect().unwrap();
    assert!(net.is_connected());
    assert!(pty.modem.lock().unwrap().is_active());
    assert_eq!(pty.modem.lock().unwrap().apn(), "test.apn");
    assert_eq!(net.avg_signal_strength().unwrap().dbm(), -63);
    net.disconnect().unwrap();
    assert!(!pty.modem.lock().unwrap().is_active());
    assert_eq!(
        *rec.0.lock().unwrap(),
        [
            "cellular.connected",
            "network.connected",
            "cellular.disconnected",
            "network.disconnected"
        ]
    );
}

#[test]
fn a_silent_serial_modem_times_out() {
    let pty = PtyModem::start(SimModem::new(25, SimFault::Silent));
    let cfg = AdapterConfig::new()
        .with("device", pty.path.as_str())
        .with("timeout", "0.2");
    let rec = Arc::new(Recorder::default());
    let mut net = Cellular::from_context(&AdapterContext::new(rec.clone(), cfg)).unwrap();
    assert!(matches!(
        net.connect(),
        Err(NetworkError::Timeout {
            operation: "connect",
            ..
        })
    ));
    assert!(!net.is_connected());
    assert!(rec.0.lock().unwrap().is_empty());
}
