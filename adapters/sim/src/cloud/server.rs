//! The simulator's event loop: one `mio` poll, non-blocking sockets, one
//! request per connection, every buffer and timer bounded.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use hologram_ports::ResultCode;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use super::protocol::{self, Rejection, Request};
use super::{Clock, Fault, MessageRecord, Record, ReplyForm, Shared, SmsRecord, State};
use crate::error::CloudSimError;

const TARGET: &str = "CloudSim";
const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
const FIRST_CONNECTION: usize = 2;
/// How long a connection is drained after the answer before it is closed.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);
/// How much a client may still send after the answer before it is cut off.
const MAX_DRAIN_BYTES: usize = 1 << 20;
/// How long to wait before accepting again after an accept error (EMFILE...).
const ACCEPT_RETRY: Duration = Duration::from_millis(50);
const READ_CHUNK: usize = 4096;
/// A request must be complete within this many idle timeouts of the
/// connection, however slowly its bytes trickle in.
const REQUEST_TIME_IN_IDLE_TIMEOUTS: u32 = 12;

pub(crate) struct ServerConfig {
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) max_request_bytes: usize,
    pub(crate) time_window: u64,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) reply_form: ReplyForm,
}

enum Phase {
    /// Reading the request; the deadline is the idle timeout.
    Reading,
    /// Holding the answer back (a delay fault) until the deadline.
    Delaying(Vec<u8>),
    /// Writing the answer.
    Writing { reply: Vec<u8>, written: usize },
    /// Answer sent and write side closed; discarding input until EOF.
    Draining { discarded: usize },
}

struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    buf: Vec<u8>,
    phase: Phase,
    deadline: Instant,
    /// When the request must be complete.
    read_by: Instant,
}

enum Step {
    /// The phase changed: run the next one now.
    Again,
    /// Nothing more until the next event or deadline.
    Wait,
    /// Close the connection.
    Close,
}

enum Response {
    Reply(ResultCode),
    Delayed(ResultCode, Duration),
    Close,
}

pub(crate) struct Server {
    poll: Poll,
    listener: TcpListener,
    addr: SocketAddr,
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
    connections: Vec<Option<Connection>>,
    free: Vec<usize>,
    open: usize,
    accept_retry_at: Option<Instant>,
    /// At the connection limit: not accepting until a connection closes.
    accept_paused: bool,
    config: ServerConfig,
    shared: Arc<Shared>,
}

fn io_error(operation: &'static str) -> impl FnOnce(io::Error) -> CloudSimError {
    move |source| CloudSimError::Io { operation, source }
}

impl Server {
    pub(crate) fn bind(
        addr: SocketAddr,
        config: ServerConfig,
        shared: Arc<Shared>,
    ) -> Result<Server, CloudSimError> {
        let poll = Poll::new().map_err(io_error("creating the poll"))?;
        let mut listener =
            TcpListener::bind(addr).map_err(|source| CloudSimError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| CloudSimError::Bind { addr, source })?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)
            .map_err(io_error("registering the listener"))?;
        let waker =
            Arc::new(Waker::new(poll.registry(), WAKER).map_err(io_error("creating the waker"))?);
        log::info!(target: TARGET, "listening on {local}");
        Ok(Server {
            poll,
            listener,
            addr: local,
            waker,
            stop: Arc::new(AtomicBool::new(false)),
            connections: Vec::new(),
            free: Vec::new(),
            open: 0,
            accept_retry_at: None,
            accept_paused: false,
            config,
            shared,
        })
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    pub(crate) fn waker(&self) -> Arc<Waker> {
        Arc::clone(&self.waker)
    }

    pub(crate) fn run(mut self, on_record: &mut dyn FnMut(&Record)) -> Result<(), CloudSimError> {
        let mut events = Events::with_capacity(256);
        while !self.stop.load(Ordering::SeqCst) {
            let timeout = self
                .next_deadline()
                .map(|d| d.saturating_duration_since(Instant::now()));
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(CloudSimError::Io {
                    operation: "polling",
                    source: e,
                });
            }
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept(),
                    WAKER => {}
                    Token(t) => self.drive(t - FIRST_CONNECTION, on_record),
                }
            }
            self.expire(on_record);
        }
        log::info!(target: TARGET, "stopped");
        Ok(())
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.connections
            .iter()
            .flatten()
            .map(|c| c.deadline)
            .chain(self.accept_retry_at)
            .min()
    }

    /// Accepts what waits in the listen queue, up to the connection limit.
    /// At the limit it stops (connections wait in the queue, unanswered but
    /// not closed) until [`close`](Self::close) makes room and calls it again.
    fn accept(&mut self) {
        self.accept_retry_at = None;
        loop {
            if self.open >= self.config.max_connections {
                if !self.accept_paused {
                    self.accept_paused = true;
                    self.shared.lock().stats.limit_reached += 1;
                    self.shared.changed.notify_all();
                    log::info!(
                        target: TARGET,
                        "{} connections open, the limit: further connections wait in the \
                         listen queue until one closes",
                        self.open
                    );
                }
                return;
            }
            self.accept_paused = false;
            let (mut stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log::warn!(target: TARGET, "accept failed: {e}; retrying shortly");
                    self.accept_retry_at = Some(Instant::now() + ACCEPT_RETRY);
                    return;
                }
            };
            self.shared.lock().stats.connections += 1;
            self.shared.changed.notify_all();
            let slot = self.free.pop().unwrap_or_else(|| {
                self.connections.push(None);
                self.connections.len() - 1
            });
            if let Err(e) = self.poll.registry().register(
                &mut stream,
                Token(slot + FIRST_CONNECTION),
                Interest::READABLE | Interest::WRITABLE,
            ) {
                log::warn!(target: TARGET, "cannot register {peer}: {e}");
                self.free.push(slot);
                continue;
            }
            // Best effort: the answer is one small write.
            let _ = stream.set_nodelay(true);
            log::debug!(target: TARGET, "connection from {peer}");
            let now = Instant::now();
            let idle = self.config.idle_timeout;
            self.connections[slot] = Some(Connection {
                stream,
                peer,
                buf: Vec::new(),
                phase: Phase::Reading,
                deadline: now + idle,
                read_by: now + idle * REQUEST_TIME_IN_IDLE_TIMEOUTS,
            });
            self.open += 1;
        }
    }

    fn close(&mut self, slot: usize) {
        if let Some(mut conn) = self.connections.get_mut(slot).and_then(Option::take) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
            self.free.push(slot);
            self.open -= 1;
            log::debug!(target: TARGET, "closed connection from {}", conn.peer);
            if self.accept_paused {
                // The listener's readiness was consumed while paused (edge
                // triggered): take the next waiting connection now.
                self.accept();
            }
        }
    }

    fn drive(&mut self, slot: usize, on_record: &mut dyn FnMut(&Record)) {
        loop {
            match self.step(slot, on_record) {
                Step::Again => {}
                Step::Wait => return,
                Step::Close => {
                    self.close(slot);
                    return;
                }
            }
        }
    }

    fn step(&mut self, slot: usize, on_record: &mut dyn FnMut(&Record)) -> Step {
        let Some(conn) = self.connections.get_mut(slot).and_then(Option::as_mut) else {
            return Step::Wait;
        };
        match &mut conn.phase {
            Phase::Reading => {
                let request = match read_request(conn, &self.config) {
                    Ok(Some(request)) => request,
                    Ok(None) => return Step::Wait,
                    Err(step) => return step,
                };
                let peer = conn.peer;
                let lead = match &request {
                    Some(bytes) => bytes.first().copied(),
                    None => conn.buf.first().copied(),
                };
                let form = self.config.reply_form;
                let response = match request {
                    Some(bytes) => respond(&self.shared, &self.config, &bytes, peer, on_record),
                    None => {
                        let mut state = self.shared.lock();
                        state.stats.requests += 1;
                        state.stats.rejected += 1;
                        drop(state);
                        self.shared.changed.notify_all();
                        log::info!(
                            target: TARGET,
                            "refused request from {peer}: over {} bytes",
                            self.config.max_request_bytes
                        );
                        Response::Reply(ResultCode::Unparseable)
                    }
                };
                conn.buf = Vec::new();
                match response {
                    Response::Reply(code) => {
                        conn.phase = Phase::Writing {
                            reply: form.answer(code, lead),
                            written: 0,
                        };
                        conn.deadline = Instant::now() + self.config.idle_timeout;
                        Step::Again
                    }
                    Response::Delayed(code, delay) => {
                        conn.phase = Phase::Delaying(form.answer(code, lead));
                        conn.deadline = Instant::now() + delay.min(super::LONGEST_TIMER);
                        Step::Wait
                    }
                    Response::Close => Step::Close,
                }
            }
            Phase::Delaying(_) => Step::Wait,
            Phase::Writing { reply, written } => loop {
                match (&conn.stream).write(&reply[*written..]) {
                    Ok(0) => return Step::Close,
                    Ok(n) => {
                        *written += n;
                        if *written == reply.len() {
                            let _ = conn.stream.shutdown(Shutdown::Write);
                            conn.phase = Phase::Draining { discarded: 0 };
                            conn.deadline = Instant::now() + DRAIN_TIMEOUT;
                            return Step::Again;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Wait,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => return Step::Close,
                }
            },
            Phase::Draining { discarded } => {
                let mut chunk = [0u8; READ_CHUNK];
                loop {
                    match (&conn.stream).read(&mut chunk) {
                        Ok(0) => return Step::Close,
                        Ok(n) => {
                            *discarded += n;
                            if *discarded > MAX_DRAIN_BYTES {
                                return Step::Close;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Wait,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => return Step::Close,
                    }
                }
            }
        }
    }

    /// Acts on the deadlines that have passed.
    fn expire(&mut self, on_record: &mut dyn FnMut(&Record)) {
        let now = Instant::now();
        if self.accept_retry_at.is_some_and(|t| t <= now) {
            self.accept();
        }
        for slot in 0..self.connections.len() {
            let Some(conn) = self.connections[slot].as_mut() else {
                continue;
            };
            if conn.deadline > now {
                continue;
            }
            match std::mem::replace(&mut conn.phase, Phase::Draining { discarded: 0 }) {
                Phase::Delaying(reply) => {
                    conn.phase = Phase::Writing { reply, written: 0 };
                    conn.deadline = now + self.config.idle_timeout;
                    self.drive(slot, on_record);
                }
                Phase::Reading => {
                    log::info!(target: TARGET, "closing idle connection from {}", conn.peer);
                    self.shared.lock().stats.idle_closed += 1;
                    self.shared.changed.notify_all();
                    self.close(slot);
                }
                Phase::Writing { .. } | Phase::Draining { .. } => self.close(slot),
            }
        }
    }
}

/// Reads what is available. `Ok(Some(Some(request)))`: a whole request;
/// `Ok(Some(None))`: over the size limit; `Ok(None)`: wait for more;
/// `Err(step)`: close (EOF with nothing sent, or a socket error).
#[allow(clippy::type_complexity)]
fn read_request(
    conn: &mut Connection,
    config: &ServerConfig,
) -> Result<Option<Option<Vec<u8>>>, Step> {
    let mut chunk = [0u8; READ_CHUNK];
    loop {
        match (&conn.stream).read(&mut chunk) {
            Ok(0) if conn.buf.is_empty() => return Err(Step::Close),
            Ok(0) => return Ok(Some(Some(std::mem::take(&mut conn.buf)))),
            Ok(n) => {
                conn.buf.extend_from_slice(&chunk[..n]);
                conn.deadline = (Instant::now() + config.idle_timeout).min(conn.read_by);
                if let Some(len) = protocol::request_end(&conn.buf) {
                    let mut request = std::mem::take(&mut conn.buf);
                    request.truncate(len);
                    return Ok(Some(Some(request)));
                }
                if conn.buf.len() > config.max_request_bytes {
                    return Ok(Some(None));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Step::Close),
        }
    }
}

/// Decides the answer to one request, recording it when accepted.
fn respond(
    shared: &Shared,
    config: &ServerConfig,
    request: &[u8],
    peer: SocketAddr,
    on_record: &mut dyn FnMut(&Record),
) -> Response {
    let mut state = shared.lock();
    state.stats.requests += 1;
    let fault = state.take_fault();
    let mut accepted = Vec::new();
    let response = match fault {
        Some(Fault::Answer(code)) => {
            state.stats.faulted += 1;
            log::info!(target: TARGET, "answering {peer} with {code} (fault knob)");
            Response::Reply(code)
        }
        Some(Fault::CloseWithoutAnswer) => {
            state.stats.faulted += 1;
            log::info!(target: TARGET, "closing {peer} without an answer (fault knob)");
            Response::Close
        }
        Some(Fault::Delay(delay)) => {
            state.stats.faulted += 1;
            log::info!(target: TARGET, "delaying the answer to {peer} by {delay:?} (fault knob)");
            Response::Delayed(
                check(&mut state, config, request, peer, &mut accepted),
                delay,
            )
        }
        None => Response::Reply(check(&mut state, config, request, peer, &mut accepted)),
    };
    drop(state);
    shared.changed.notify_all();
    for record in &accepted {
        on_record(record);
    }
    response
}

/// Parses, authorizes and records one request; returns the code to answer.
fn check(
    state: &mut State,
    config: &ServerConfig,
    request: &[u8],
    peer: SocketAddr,
    accepted: &mut Vec<Record>,
) -> ResultCode {
    match authorize(state, config, request) {
        Ok(request) => {
            let now = SystemTime::now();
            match request {
                Request::Message(m) => {
                    let record = Record::Message(MessageRecord {
                        id: state.next_id(),
                        device: m.key.redacted(),
                        auth: m.form,
                        topics: m.topics.iter().map(|t| t.as_str().to_owned()).collect(),
                        data: m.data,
                        metadata: m.metadata,
                        received_at: now,
                        peer,
                    });
                    accepted.push(record);
                }
                Request::Sms(s) => {
                    let record = Record::Sms(SmsRecord {
                        id: state.next_id(),
                        device: s.key.redacted(),
                        destination: s.destination.as_str().to_owned(),
                        text: s.text.as_str().to_owned(),
                        received_at: now,
                        peer,
                    });
                    accepted.push(record);
                }
                Request::Totp(t) => {
                    let topics: Vec<String> =
                        t.topics.iter().map(|t| t.as_str().to_owned()).collect();
                    for data in t.messages {
                        let record = Record::Message(MessageRecord {
                            id: state.next_id(),
                            device: t.device_id.clone(),
                            auth: super::AuthForm::Totp,
                            topics: topics.clone(),
                            data,
                            metadata: t.metadata.clone(),
                            received_at: now,
                            peer,
                        });
                        accepted.push(record);
                    }
                }
            }
            for record in accepted.iter() {
                log_accepted(record);
                state.push(record.clone());
            }
            state.stats.accepted += 1;
            ResultCode::Sent
        }
        Err(rejection) => {
            state.stats.rejected += 1;
            log::info!(target: TARGET, "refused request from {peer}: {rejection}");
            rejection.code
        }
    }
}

fn authorize(
    state: &mut State,
    config: &ServerConfig,
    request: &[u8],
) -> Result<Request, Rejection> {
    let request = protocol::parse_request(request)?;
    match &request {
        Request::Message(m) => state.registry.authorize_key(&m.key)?,
        Request::Sms(s) => state.registry.authorize_key(&s.key)?,
        Request::Totp(t) => {
            state
                .registry
                .verify_totp(t, config.clock.unix_time(), config.time_window)?;
        }
    }
    Ok(request)
}

fn log_accepted(record: &Record) {
    match record {
        Record::Message(m) => log::info!(
            target: TARGET,
            "message {} from {} ({}): {} byte(s), topics {:?}",
            m.id,
            m.device,
            m.auth,
            m.data.len(),
            m.topics
        ),
        Record::Sms(s) => log::info!(
            target: TARGET,
            "SMS {} from {} to {}: {} character(s)",
            s.id,
            s.device,
            s.destination,
            s.text.chars().count()
        ),
    }
}
