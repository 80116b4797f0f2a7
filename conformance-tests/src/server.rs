//! The loopback peer the transport checks send to.
//!
//! A [`LoopbackServer`] listens on an ephemeral port of `127.0.0.1`, serves
//! each connection in its own thread with one [`Behaviour`], and records
//! what each connection sent. Everything is bounded: at most
//! [`MAX_CONNECTIONS`] connections, an idle limit on every read, and a
//! lifetime after which the server stops by itself; dropping the server
//! stops it and joins its threads.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use hologram_conformance::server::{Behaviour, LoopbackServer};
//!
//! let server = LoopbackServer::start(Behaviour::answer(5, |_| b"[0,0]".to_vec()));
//! let mut s = TcpStream::connect(server.addr()).unwrap();
//! s.write_all(b"hello").unwrap();
//! let mut reply = Vec::new();
//! s.read_to_end(&mut reply).unwrap();
//! assert_eq!(reply, b"[0,0]");
//! assert_eq!(server.wait_for_captures(1), [b"hello".to_vec()]);
//! ```

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use hologram_ports::Endpoint;

/// Most connections one server accepts; later ones are closed at once.
pub const MAX_CONNECTIONS: usize = 128;
/// A server stops by itself after this long.
pub const MAX_LIFETIME: Duration = Duration::from_secs(120);
/// A read that gets no byte for this long ends (the payload was shorter than expected).
pub const IDLE_LIMIT: Duration = Duration::from_secs(2);
/// After the expected bytes, how long the server waits for stray extra bytes.
const EXTRA_WAIT: Duration = Duration::from_millis(20);
/// How often blocked threads look at the stop flag.
const TICK: Duration = Duration::from_millis(10);

/// Builds a reply from the payload received.
pub type ReplyFn = Arc<dyn Fn(&[u8]) -> Vec<u8> + Send + Sync>;

/// What the server does with each connection. `expect` is the payload
/// length: the server reads until it has that many bytes, the client stops
/// sending (end of stream or [`IDLE_LIMIT`] without a byte), then records
/// what it got.
#[derive(Clone)]
#[non_exhaustive]
pub enum Behaviour {
    /// Read the payload, answer `reply(payload)`, close.
    Answer {
        /// Payload length.
        expect: usize,
        /// The answer.
        reply: ReplyFn,
    },
    /// Read the payload, never answer, hold the connection open until the server stops.
    Silent {
        /// Payload length.
        expect: usize,
    },
    /// Read the payload, close cleanly without a byte of answer.
    CloseWithoutAnswer {
        /// Payload length.
        expect: usize,
    },
    /// Wait until the payload has arrived, then close without reading it,
    /// so the kernel resets the connection.
    ResetAfterPayload {
        /// Payload length.
        expect: usize,
    },
    /// Accept, never read, hold the connection open until the server stops
    /// (a peer whose window fills up: writes stall).
    NeverRead,
}

impl Behaviour {
    /// [`Behaviour::Answer`] with a closure.
    pub fn answer(expect: usize, reply: impl Fn(&[u8]) -> Vec<u8> + Send + Sync + 'static) -> Self {
        Behaviour::Answer {
            expect,
            reply: Arc::new(reply),
        }
    }
}

impl fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Behaviour::Answer { expect, .. } => write!(f, "Answer {{ expect: {expect} }}"),
            Behaviour::Silent { expect } => write!(f, "Silent {{ expect: {expect} }}"),
            Behaviour::CloseWithoutAnswer { expect } => {
                write!(f, "CloseWithoutAnswer {{ expect: {expect} }}")
            }
            Behaviour::ResetAfterPayload { expect } => {
                write!(f, "ResetAfterPayload {{ expect: {expect} }}")
            }
            Behaviour::NeverRead => f.write_str("NeverRead"),
        }
    }
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    captures: Mutex<Vec<Vec<u8>>>,
}

impl Shared {
    fn stopped(&self, started: Instant) -> bool {
        self.stop.load(Ordering::Relaxed) || started.elapsed() > MAX_LIFETIME
    }

    fn record(&self, bytes: Vec<u8>) {
        self.captures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(bytes);
    }

    fn captures(&self) -> Vec<Vec<u8>> {
        self.captures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A peer on `127.0.0.1`, on an ephemeral port, serving one [`Behaviour`].
pub struct LoopbackServer {
    addr: SocketAddr,
    behaviour: Behaviour,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl fmt::Debug for LoopbackServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackServer")
            .field("addr", &self.addr)
            .field("behaviour", &self.behaviour)
            .field("captured", &self.shared.captures().len())
            .finish()
    }
}

impl LoopbackServer {
    /// Starts a server. Panics only if the loopback interface cannot be bound.
    pub fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("hologram-conformance: cannot bind a port on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("bound listener has an address");
        listener
            .set_nonblocking(true)
            .expect("listener can be non-blocking");
        let shared = Arc::new(Shared::default());
        let accept = {
            let shared = Arc::clone(&shared);
            let behaviour = behaviour.clone();
            thread::spawn(move || accept_loop(&listener, &behaviour, &shared))
        };
        LoopbackServer {
            addr,
            behaviour,
            shared,
            accept: Some(accept),
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address as an [`Endpoint`] (`127.0.0.1`, port).
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::new(self.addr.ip().to_string(), self.addr.port())
    }

    /// What each connection sent, in the order the reads finished, so far.
    pub fn captures(&self) -> Vec<Vec<u8>> {
        self.shared.captures()
    }

    /// Waits until `n` connections have been recorded, or [`IDLE_LIMIT`]
    /// plus a margin has passed, and returns what was recorded.
    pub fn wait_for_captures(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + IDLE_LIMIT + Duration::from_secs(3);
        loop {
            let got = self.shared.captures();
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            thread::sleep(TICK);
        }
    }

    /// An endpoint on `127.0.0.1` where nothing listens: connections to it are refused.
    pub fn refused_endpoint() -> Endpoint {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("hologram-conformance: cannot bind a port on 127.0.0.1");
        let port = listener.local_addr().expect("bound").port();
        drop(listener);
        Endpoint::new(Ipv4Addr::LOCALHOST.to_string(), port)
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, behaviour: &Behaviour, shared: &Arc<Shared>) {
    let started = Instant::now();
    let mut handlers = Vec::new();
    while !shared.stopped(started) {
        match listener.accept() {
            Ok((stream, _)) if handlers.len() < MAX_CONNECTIONS => {
                // Some systems hand out accepted sockets non-blocking like the listener.
                let _ = stream.set_nonblocking(false);
                let behaviour = behaviour.clone();
                let shared = Arc::clone(shared);
                handlers.push(thread::spawn(move || {
                    serve(stream, &behaviour, &shared, started)
                }));
            }
            Ok((stream, _)) => drop(stream),
            Err(_) => thread::sleep(Duration::from_millis(2)),
        }
    }
    for h in handlers {
        let _ = h.join();
    }
}

/// Reads up to `expect` bytes: stops at `expect`, end of stream, [`IDLE_LIMIT`]
/// without a byte, or stop; then collects extra bytes sent right after.
fn read_payload(s: &mut TcpStream, expect: usize, shared: &Shared, started: Instant) -> Vec<u8> {
    let mut got = Vec::with_capacity(expect.min(1 << 20));
    let mut buf = vec![0u8; 64 * 1024];
    let mut last = Instant::now();
    let _ = s.set_read_timeout(Some(TICK));
    let mut eof = false;
    while got.len() < expect && last.elapsed() < IDLE_LIMIT && !shared.stopped(started) {
        match s.read(&mut buf) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                last = Instant::now();
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    if !eof {
        let _ = s.set_read_timeout(Some(EXTRA_WAIT));
        if let Ok(n) = s.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
    }
    got
}

fn hold(shared: &Shared, started: Instant) {
    while !shared.stopped(started) {
        thread::sleep(TICK);
    }
}

fn serve(mut s: TcpStream, behaviour: &Behaviour, shared: &Shared, started: Instant) {
    match behaviour {
        Behaviour::Answer { expect, reply } => {
            let got = read_payload(&mut s, *expect, shared, started);
            let answer = reply(&got);
            shared.record(got);
            let _ = s.write_all(&answer);
            let _ = s.shutdown(Shutdown::Write);
            drain_until_closed(&mut s, shared, started);
        }
        Behaviour::Silent { expect } => {
            let got = read_payload(&mut s, *expect, shared, started);
            shared.record(got);
            hold(shared, started);
        }
        Behaviour::CloseWithoutAnswer { expect } => {
            let got = read_payload(&mut s, *expect, shared, started);
            shared.record(got);
            let _ = s.shutdown(Shutdown::Write);
            drain_until_closed(&mut s, shared, started);
        }
        Behaviour::ResetAfterPayload { expect } => {
            let mut buf = vec![0u8; *expect + 1];
            let _ = s.set_read_timeout(Some(TICK));
            let mut last_len = 0;
            let mut last = Instant::now();
            // Peek, never read: the payload stays unread, so closing sends a reset.
            while !shared.stopped(started) && last.elapsed() < IDLE_LIMIT {
                match s.peek(&mut buf) {
                    Ok(n) if n >= *expect || n == 0 => {
                        last_len = n;
                        break;
                    }
                    Ok(n) => {
                        if n > last_len {
                            last = Instant::now();
                        }
                        last_len = n;
                        thread::sleep(TICK);
                    }
                    Err(_) => {}
                }
            }
            shared.record(buf[..last_len.min(*expect)].to_vec());
            drop(s);
        }
        Behaviour::NeverRead => hold(shared, started),
    }
}

/// After answering, waits (bounded) for the client to close, so the answer
/// is never cut by a reset from unread bytes.
fn drain_until_closed(s: &mut TcpStream, shared: &Shared, started: Instant) {
    let mut buf = [0u8; 4096];
    let _ = s.set_read_timeout(Some(TICK));
    let until = Instant::now() + IDLE_LIMIT;
    while Instant::now() < until && !shared.stopped(started) {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// A listener whose accept queue is full, so a connect to it hangs until
/// the client's connect timeout fires. Built with a listen backlog of 0 and
/// one connection never accepted.
pub struct StalledListener {
    endpoint: Endpoint,
    _listener: socket2::Socket,
    _filler: TcpStream,
}

impl fmt::Debug for StalledListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StalledListener")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl StalledListener {
    /// A stalled listener, or `None` where this system answers (or refuses)
    /// connections to a full queue instead of ignoring them; the kit probes
    /// with a 200 ms connect first.
    pub fn new() -> Option<Self> {
        use socket2::{Domain, Protocol, Socket, Type};
        let listener = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).ok()?;
        let any: SocketAddr = (Ipv4Addr::LOCALHOST, 0).into();
        listener.bind(&any.into()).ok()?;
        listener.listen(0).ok()?;
        let addr = listener.local_addr().ok()?.as_socket()?;
        let filler = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
        // Probe: a further connect must hang.
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {}
            _ => return None,
        }
        Some(StalledListener {
            endpoint: Endpoint::new(addr.ip().to_string(), addr.port()),
            _listener: listener,
            _filler: filler,
        })
    }

    /// Where to connect.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint.clone()
    }
}
