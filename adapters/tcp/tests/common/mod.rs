//! Test servers on std::net, one thread per connection, every loop bounded
//! in count and time; and a recording event sink.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use hologram_ports::{Event, EventSink};

/// No server thread lives longer than this.
pub const SERVER_LIFETIME: Duration = Duration::from_secs(30);
/// Granularity of the bounded waits (read timeout of server sockets).
const TICK: Duration = Duration::from_millis(20);

/// How the server knows the request is complete.
#[derive(Debug, Clone)]
pub enum Framing {
    /// Exactly this many bytes.
    Len(usize),
    /// Up to and including this terminator.
    Terminator(&'static [u8]),
    /// Read nothing before acting.
    Nothing,
}

/// What the server does once the request is in.
#[derive(Debug, Clone)]
pub enum Action {
    /// Write these bytes, half-close, then capture anything more until the client closes.
    Answer(Vec<u8>),
    /// Close without answering (the client sees EOF).
    Close,
    /// Never answer; wait for the client to close.
    Never,
    /// Never read nor answer; hold the socket until the test ends.
    Stall,
    /// Write the bytes one at a time, `delay` apart, then half-close.
    Drip(Vec<u8>, Duration),
    /// Write this many bytes of `x` (errors ignored: the client stops early), then half-close.
    Flood(usize),
    /// Read (with `Framing::Nothing`) `chunk` bytes every `delay`, at most
    /// `count` times, then stop reading and hold the socket until the test ends.
    SlowRead {
        chunk: usize,
        delay: Duration,
        count: usize,
    },
}

type Behaviour = Arc<dyn Fn(&[u8]) -> Action + Send + Sync>;

/// A listening test server.
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    pub peak: Arc<AtomicUsize>,
    thread: Option<JoinHandle<Vec<Vec<u8>>>>,
}

impl Server {
    /// A server on 127.0.0.1 answering every request with `action`.
    pub fn start(framing: Framing, action: Action) -> Server {
        Self::on("127.0.0.1:0", framing, usize::MAX, move |_| action.clone())
    }

    /// A server on `bind` that accepts up to `max_conns` connections and acts
    /// on each request as `behaviour` says.
    pub fn on(
        bind: &str,
        framing: Framing,
        max_conns: usize,
        behaviour: impl Fn(&[u8]) -> Action + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind(bind).expect("bind test server");
        Self::with_listener(listener, framing, max_conns, Arc::new(behaviour))
    }

    /// Like [`Server::on`] with an existing listener.
    pub fn with_listener(
        listener: TcpListener,
        framing: Framing,
        max_conns: usize,
        behaviour: Behaviour,
    ) -> Server {
        let addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicUsize::new(0));
        let (stop2, peak2) = (Arc::clone(&stop), Arc::clone(&peak));
        let thread = thread::spawn(move || {
            accept_loop(listener, framing, max_conns, behaviour, stop2, peak2)
        });
        Server {
            addr,
            stop,
            peak,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops accepting, waits for every connection thread, and returns what
    /// each connection received, in accept order.
    pub fn join(mut self) -> Vec<Vec<u8>> {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .take()
            .map(|t| t.join().expect("server thread"))
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    framing: Framing,
    max_conns: usize,
    behaviour: Behaviour,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicUsize>,
) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + SERVER_LIFETIME;
    let live = Arc::new(AtomicUsize::new(0));
    let mut handlers = Vec::new();
    while handlers.len() < max_conns && Instant::now() < deadline {
        match listener.accept() {
            Ok((stream, _)) => {
                let n = live.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                let (framing, behaviour, stop, live) = (
                    framing.clone(),
                    Arc::clone(&behaviour),
                    Arc::clone(&stop),
                    Arc::clone(&live),
                );
                handlers.push(thread::spawn(move || {
                    let got = serve(stream, &framing, &*behaviour, &stop, deadline);
                    live.fetch_sub(1, Ordering::SeqCst);
                    got
                }));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                thread::sleep(Duration::from_millis(1));
            }
            Err(_) => break,
        }
    }
    handlers
        .into_iter()
        .map(|h| h.join().unwrap_or_default())
        .collect()
}

/// Reads per `framing`, acts, and returns every byte the client sent.
fn serve(
    mut stream: TcpStream,
    framing: &Framing,
    behaviour: &(dyn Fn(&[u8]) -> Action + Send + Sync),
    stop: &AtomicBool,
    deadline: Instant,
) -> Vec<u8> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(TICK));
    let _ = stream.set_nodelay(true);
    let mut got = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    // Read the request.
    loop {
        let done = match framing {
            Framing::Len(n) => got.len() >= *n,
            Framing::Terminator(t) => got.windows(t.len()).any(|w| w == *t),
            Framing::Nothing => true,
        };
        if done || Instant::now() >= deadline {
            break;
        }
        let want = match framing {
            Framing::Len(n) => (n - got.len()).min(chunk.len()),
            _ => chunk.len(),
        };
        match stream.read(&mut chunk[..want]) {
            Ok(0) => return got,
            Ok(k) => got.extend_from_slice(&chunk[..k]),
            Err(e) if is_tick(&e) => {
                if stop.load(Ordering::SeqCst) {
                    return got;
                }
            }
            Err(_) => return got,
        }
    }
    let action = behaviour(&got);
    let half_close = !matches!(action, Action::Never | Action::SlowRead { .. });
    match action {
        Action::Answer(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Action::Close => return got,
        Action::Never => {}
        Action::Stall => {
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                thread::sleep(TICK);
            }
            return got;
        }
        Action::Drip(bytes, delay) => {
            for b in bytes {
                if stream.write_all(&[b]).is_err() {
                    return got;
                }
                thread::sleep(delay);
            }
        }
        Action::SlowRead {
            chunk: size,
            delay,
            count,
        } => {
            let _ = stream.set_read_timeout(Some(delay.max(TICK)));
            let size = size.min(chunk.len());
            for _ in 0..count {
                match stream.read(&mut chunk[..size]) {
                    Ok(0) => return got,
                    Ok(k) => got.extend_from_slice(&chunk[..k]),
                    Err(e) if is_tick(&e) => {}
                    Err(_) => return got,
                }
                if stop.load(Ordering::SeqCst) {
                    return got;
                }
                thread::sleep(delay);
            }
        }
        Action::Flood(n) => {
            let block = vec![b'x'; 4096];
            let mut left = n;
            while left > 0 {
                let k = left.min(block.len());
                if stream.write_all(&block[..k]).is_err() {
                    return got;
                }
                left -= k;
            }
        }
    }
    if half_close {
        let _ = stream.shutdown(Shutdown::Write);
    }
    // Capture anything more until the client closes.
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return got,
            Ok(k) => got.extend_from_slice(&chunk[..k]),
            Err(e) if is_tick(&e) => {
                if stop.load(Ordering::SeqCst) || Instant::now() >= deadline {
                    return got;
                }
            }
            Err(_) => return got,
        }
    }
}

fn is_tick(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A port with no listener (bound once, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Payload bytes with a recognisable pattern.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// An event sink that records every event.
#[derive(Debug, Default)]
pub struct Recorder(Mutex<Vec<Event>>);

impl Recorder {
    pub fn names(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.name().to_owned())
            .collect()
    }
    pub fn count(&self, event: &Event) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| *e == event)
            .count()
    }
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

impl EventSink for Recorder {
    fn emit(&self, event: &Event) {
        self.0.lock().unwrap().push(event.clone());
    }
}
