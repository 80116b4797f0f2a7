//! The cloud simulator: a server speaking the Hologram socket API on `mio`.
//!
//! Start one in-process for a test on an ephemeral loopback port, send it
//! what a device sends, and read what it recorded:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::time::Duration;
//! use hologram_sim::cloud::CloudSim;
//!
//! let sim = CloudSim::builder().start().unwrap();
//! let mut socket = std::net::TcpStream::connect(sim.addr()).unwrap();
//! socket.write_all(b"{\"k\": \"12345678\", \"d\": \"hello\", \"t\": [\"t1\"]}\r\r").unwrap();
//! let mut reply = String::new();
//! socket.read_to_string(&mut reply).unwrap();
//! assert_eq!(reply, "[0,0]");
//! assert!(sim.wait_for_messages(1, Duration::from_secs(10)));
//! let message = &sim.messages()[0];
//! assert_eq!(message.data, "hello");
//! assert_eq!(message.topics, ["t1"]);
//! assert_eq!(message.device, "1234****");
//! ```
//!
//! Standalone (`hologram cloud-sim --port 9999`), the command-line tool
//! calls [`serve`] or [`CloudSim::run`], printing each record with
//! [`Record::to_json_line`].
//!
//! # Behaviour
//!
//! - Each connection carries one request (see [`protocol`] for the framing
//!   and for which code each malformed request gets). The simulator answers
//!   with the code, closes its write side, discards what the client still
//!   sends for up to a second (so a late `\r\r` does not reset the
//!   connection), and closes.
//! - The answer comes in the form the real cloud uses for the request
//!   ([`ReplyForm::Native`], the default): a JSON list, `[0,0]`, to a JSON
//!   (CSRPSK) message; a run of digits, `00` (`30` for code 3), to an SMS
//!   and to a TOTP payload, which the reference SDK reads digit by digit.
//!   [`CloudSimBuilder::reply_form`] (`hologram cloud-sim --reply-form`)
//!   makes it answer JSON or digits to everything, so clients can be tested
//!   on both forms.
//! - Accepted messages and SMS are answered with code 0 and recorded.
//! - By default any well-formed device key is accepted. With registered
//!   devices ([`CloudSimBuilder::device`], [`CloudSimBuilder::devices_file`],
//!   [`CloudSimHandle::register_device`]) only those are (code 3 otherwise).
//!   TOTP requests are verified against registered device ids and private
//!   keys, within one time window of the simulator's [`Clock`]. As the real
//!   cloud, one window's password serves several messages;
//!   [`CloudSimBuilder::single_use_totp`] refuses a password a device
//!   already used (code 3), for clients that wait for a fresh window.
//! - A connection that sends nothing for the idle timeout (default 5 s), or
//!   whose request is not complete within 12 idle timeouts, is closed
//!   without an answer. A request over the size limit (default
//!   64 KiB) is answered 2. At the connection limit (default 1024) the
//!   simulator stops accepting: new connections wait in the system's listen
//!   queue until a connection closes (or their client gives up), and are
//!   never accepted only to be closed unanswered.
//! - Knobs for tests ([`CloudSimHandle::push_fault`]): answer the next N
//!   requests with a given code, delay their answer, or close without one.
//!
//! # Memory
//!
//! Everything is bounded: at most `max_connections` connections, each with
//! a request of at most `max_request_bytes` (so at most about
//! `max_connections × max_request_bytes`, 64 MiB with the defaults, for
//! requests in flight), and the records kept for reading back. Only an
//! in-process simulator ([`CloudSim::spawn`], [`CloudSimBuilder::start`])
//! keeps records, for its [`CloudSimHandle`]: at most `record_limit`
//! records (default 100,000) and at most `record_bytes` bytes of record
//! text (default 64 MiB), the oldest forgotten first. [`CloudSim::run`] and
//! [`serve`] (the standalone `hologram cloud-sim`) keep none: each record
//! goes to the callback and is dropped.
//!
//! Records name a device by its cloud id followed by `****` (the first four
//! characters of its device key, which are not secret) or, for TOTP, by its
//! device id. No key, private key or OTP is recorded, logged or shown by
//! `Debug`. Logs use the target `CloudSim`.

pub mod devices;
mod handle;
pub mod hotp;
pub mod protocol;
mod record;
mod reply;
mod server;

use std::collections::VecDeque;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hologram_ports::ResultCode;

pub use devices::{Device, DeviceRegistry, MAX_DEVICES_FILE_BYTES, MAX_DEVICES_FILE_LINE};
pub use handle::CloudSimHandle;
pub use protocol::AuthForm;
pub use record::{MessageRecord, Record, SmsRecord};
pub use reply::ReplyForm;

use record::Records;

use crate::error::CloudSimError;

/// The default idle timeout: a connection that sends nothing for this long
/// is closed.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// The default limit on open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The default limit on one request's size, in bytes.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 64 * 1024;
/// The default TOTP time window, in seconds.
pub const DEFAULT_TIME_WINDOW: u64 = 30;
/// The default number of records kept (the oldest go first).
pub const DEFAULT_RECORD_LIMIT: usize = 100_000;
/// The default limit on the text of the records kept, in bytes (the oldest
/// go first).
pub const DEFAULT_RECORD_BYTES: usize = 64 << 20;

/// The longest idle timeout or answer delay: one day (longer ones are cut
/// to it, so no deadline overflows).
const LONGEST_TIMER: Duration = Duration::from_secs(86_400);
/// The longest a `wait_for_*` call waits, whatever it is given.
const LONGEST_WAIT: Duration = Duration::from_secs(365 * 86_400);

/// The simulator's clock, for TOTP verification: unix time in seconds.
/// Any `Fn() -> u64` is one, so a test can fix the time.
pub trait Clock: Send + Sync {
    /// The current unix time, in seconds.
    fn unix_time(&self) -> u64;
}

impl<F: Fn() -> u64 + Send + Sync> Clock for F {
    fn unix_time(&self) -> u64 {
        self()
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_time(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A misbehaviour for the next requests, see [`CloudSimHandle::push_fault`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this code without checking or recording the request.
    Answer(ResultCode),
    /// Check and record the request as usual, but answer only after this
    /// long (at most a day).
    Delay(Duration),
    /// Read the request, then close without answering or recording it.
    CloseWithoutAnswer,
}

/// Counts of what the simulator did since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloudSimStats {
    /// Connections accepted.
    pub connections: u64,
    /// Times the open connections reached the limit. While at the limit,
    /// further connections wait in the listen queue (neither accepted nor
    /// closed) until one closes.
    pub limit_reached: u64,
    /// Requests read (complete, cut at EOF, or over the size limit).
    pub requests: u64,
    /// Requests accepted (answered `[0,0]` and recorded).
    pub accepted: u64,
    /// Requests refused with a code.
    pub rejected: u64,
    /// Requests a fault knob answered, delayed or dropped.
    pub faulted: u64,
    /// Connections closed by the idle timeout or the request time limit.
    pub idle_closed: u64,
}

pub(crate) struct State {
    records: Records,
    next_id: u64,
    messages_total: u64,
    sms_total: u64,
    faults: VecDeque<(Fault, u32)>,
    pub(crate) registry: DeviceRegistry,
    pub(crate) stats: CloudSimStats,
}

impl State {
    fn take_fault(&mut self) -> Option<Fault> {
        let (fault, left) = self.faults.front_mut()?;
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            self.faults.pop_front();
        }
        Some(fault)
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn push(&mut self, record: Record) {
        match record {
            Record::Message(_) => self.messages_total += 1,
            Record::Sms(_) => self.sms_total += 1,
        }
        self.records.push(record);
    }
}

/// The state the event loop and the handles share.
pub(crate) struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait_until(&self, timeout: Duration, done: impl Fn(&State) -> bool) -> bool {
        // Any `Duration` is accepted: a year is as good as forever here.
        let deadline = Instant::now() + timeout.min(LONGEST_WAIT);
        let mut state = self.lock();
        loop {
            if done(&state) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// Settings of a cloud simulator; [`CloudSim::builder`] makes one.
pub struct CloudSimBuilder {
    addr: SocketAddr,
    idle_timeout: Duration,
    max_connections: usize,
    max_request_bytes: usize,
    time_window: u64,
    clock: Arc<dyn Clock>,
    registry: DeviceRegistry,
    record_limit: usize,
    record_bytes: usize,
    reply_form: ReplyForm,
    single_use_totp: bool,
}

impl fmt::Debug for CloudSimBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudSimBuilder")
            .field("addr", &self.addr)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("time_window", &self.time_window)
            .field("registry", &self.registry)
            .field("record_limit", &self.record_limit)
            .field("record_bytes", &self.record_bytes)
            .field("reply_form", &self.reply_form)
            .field("single_use_totp", &self.single_use_totp)
            .finish_non_exhaustive()
    }
}

impl Default for CloudSimBuilder {
    fn default() -> Self {
        CloudSimBuilder {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            time_window: DEFAULT_TIME_WINDOW,
            clock: Arc::new(SystemClock),
            registry: DeviceRegistry::new(),
            record_limit: DEFAULT_RECORD_LIMIT,
            record_bytes: DEFAULT_RECORD_BYTES,
            reply_form: ReplyForm::Native,
            single_use_totp: false,
        }
    }
}

impl CloudSimBuilder {
    /// Where to listen (default `127.0.0.1:0`: an ephemeral loopback port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The port to listen on, keeping the address.
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// How long a connection may stay silent before it is closed (at least
    /// 1 ms, at most a day).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout.clamp(Duration::from_millis(1), LONGEST_TIMER);
        self
    }

    /// How many connections may be open at once (at least 1).
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// The largest request, in bytes (at least 16); larger ones are answered 2.
    pub fn max_request_bytes(mut self, max: usize) -> Self {
        self.max_request_bytes = max.max(16);
        self
    }

    /// The TOTP time window, in seconds (at least 1; default 30).
    pub fn time_window(mut self, seconds: u64) -> Self {
        self.time_window = seconds.max(1);
        self
    }

    /// The clock TOTP requests are checked against (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Registers a device: from now on only registered devices are accepted.
    pub fn device(mut self, device: Device) -> Self {
        self.registry.register(device);
        self
    }

    /// Whether a TOTP password a device already used is refused (code 3;
    /// default: no, as the real cloud). See
    /// [`DeviceRegistry::set_single_use_passwords`].
    pub fn single_use_totp(mut self, single_use: bool) -> Self {
        self.single_use_totp = single_use;
        self
    }

    /// Registers devices.
    pub fn devices(mut self, devices: impl IntoIterator<Item = Device>) -> Self {
        for device in devices {
            self.registry.register(device);
        }
        self
    }

    /// Registers the devices of an HJSON devices file (see [`DeviceRegistry::load`]).
    pub fn devices_file(mut self, path: &Path) -> Result<Self, CloudSimError> {
        self.registry.merge(DeviceRegistry::load(path)?);
        Ok(self)
    }

    /// Uses this registry (replacing devices registered so far).
    pub fn registry(mut self, registry: DeviceRegistry) -> Self {
        self.registry = registry;
        self
    }

    /// How many records a handle keeps; beyond it the oldest are forgotten
    /// (at least 1; default 100,000).
    pub fn record_limit(mut self, limit: usize) -> Self {
        self.record_limit = limit.max(1);
        self
    }

    /// How many bytes of record text a handle keeps; beyond it the oldest
    /// records are forgotten (default 64 MiB). The newest record is always
    /// kept, whatever its size (at most `max_request_bytes` of data).
    pub fn record_bytes(mut self, limit: usize) -> Self {
        self.record_bytes = limit;
        self
    }

    /// The form of the answers (default [`ReplyForm::Native`]: as the real
    /// cloud). The command line's `--reply-form`.
    pub fn reply_form(mut self, form: ReplyForm) -> Self {
        self.reply_form = form;
        self
    }

    /// Binds the listening socket, without serving yet.
    pub fn bind(mut self) -> Result<CloudSim, CloudSimError> {
        self.registry.set_single_use_passwords(self.single_use_totp);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                records: Records::new(self.record_limit, self.record_bytes),
                next_id: 0,
                messages_total: 0,
                sms_total: 0,
                faults: VecDeque::new(),
                registry: self.registry,
                stats: CloudSimStats::default(),
            }),
            changed: Condvar::new(),
        });
        let config = server::ServerConfig {
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            max_request_bytes: self.max_request_bytes,
            time_window: self.time_window,
            clock: self.clock,
            reply_form: self.reply_form,
        };
        let server = server::Server::bind(self.addr, config, Arc::clone(&shared))?;
        Ok(CloudSim { server, shared })
    }

    /// Binds and serves on a background thread.
    pub fn start(self) -> Result<CloudSimHandle, CloudSimError> {
        self.bind()?.spawn()
    }
}

/// A cloud simulator bound to its address, not serving yet.
pub struct CloudSim {
    server: server::Server,
    shared: Arc<Shared>,
}

impl fmt::Debug for CloudSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudSim")
            .field("addr", &self.local_addr())
            .finish_non_exhaustive()
    }
}

impl CloudSim {
    /// Settings with the defaults: `127.0.0.1`, an ephemeral port, no
    /// registered device.
    pub fn builder() -> CloudSimBuilder {
        CloudSimBuilder::default()
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Serves on the current thread, calling `on_record` for each accepted
    /// message and SMS (from the event loop: keep it short, never block).
    /// Returns only on an error of the event loop. Keeps no record: with no
    /// handle, nothing could read them back. The standalone simulator
    /// prints each record with [`Record::to_json_line`].
    pub fn run(self, mut on_record: impl FnMut(&Record)) -> Result<(), CloudSimError> {
        self.shared.lock().records.stop_keeping();
        self.server.run(&mut on_record)
    }

    /// Serves on a background thread.
    pub fn spawn(self) -> Result<CloudSimHandle, CloudSimError> {
        self.spawn_with(|_: &Record| {})
    }

    /// Serves on a background thread, calling `on_record` for each accepted
    /// message and SMS.
    pub fn spawn_with(
        self,
        mut on_record: impl FnMut(&Record) + Send + 'static,
    ) -> Result<CloudSimHandle, CloudSimError> {
        let addr = self.local_addr();
        let stop = self.server.stop_flag();
        let waker = self.server.waker();
        let shared = Arc::clone(&self.shared);
        let server = self.server;
        let thread = std::thread::Builder::new()
            .name("cloud-sim".to_owned())
            .spawn(move || server.run(&mut on_record))
            .map_err(|source| CloudSimError::Io {
                operation: "spawning its thread",
                source,
            })?;
        Ok(CloudSimHandle {
            addr,
            shared,
            stop,
            waker,
            thread: Some(thread),
        })
    }
}

/// Binds `config` and serves on the current thread, calling `on_record` for
/// each accepted message and SMS: the entry point of `hologram cloud-sim`.
///
/// ```no_run
/// use hologram_sim::cloud::{serve, CloudSim};
/// serve(CloudSim::builder().port(9999), |record| println!("{}", record.to_json_line()))?;
/// # Ok::<(), hologram_sim::CloudSimError>(())
/// ```
pub fn serve(config: CloudSimBuilder, on_record: impl FnMut(&Record)) -> Result<(), CloudSimError> {
    config.bind()?.run(on_record)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;

    use super::*;

    #[test]
    fn standalone_run_keeps_no_record() {
        let sim = CloudSim::builder().bind().unwrap();
        let addr = sim.local_addr();
        let shared = Arc::clone(&sim.shared);
        let (stop, waker) = (sim.server.stop_flag(), sim.server.waker());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            sim.run(move |record| {
                let _ = tx.send(record.id());
            })
        });
        let mut socket = std::net::TcpStream::connect(addr).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        socket
            .write_all(b"{\"k\": \"12345678\", \"d\": \"x\"}\r\r")
            .unwrap();
        let mut reply = String::new();
        socket.read_to_string(&mut reply).unwrap();
        assert_eq!(reply, "[0,0]");
        assert_eq!(rx.recv_timeout(Duration::from_secs(20)), Ok(1));
        {
            let state = shared.lock();
            assert_eq!(state.messages_total, 1, "counted");
            assert!(state.records.iter().next().is_none(), "but not kept");
            assert_eq!(state.records.bytes(), 0);
        }
        stop.store(true, Ordering::SeqCst);
        waker.wake().unwrap();
        thread.join().unwrap().unwrap();
    }
}
