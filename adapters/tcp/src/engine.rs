//! The engine of both transports: what one transport owns, and the driver
//! that runs one or many exchanges concurrently on its one `mio::Poll`.
//!
//! Up to `max_in_flight` connections are open at once, each a
//! [`Conn`] in a slot whose index is its mio token. When one finishes, the
//! next payload takes its slot. Every connection has a deadline per phase,
//! so the loop ends: at worst after
//! `ceil(n / max_in_flight) × (connect + write + read timeouts)`.
//!
//! The engine moves bytes; the [`Protocol`] type parameter of
//! [`Engine::run`] says what the reply bytes mean.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use hologram_ports::{Endpoint, Event, EventSink, Reply, TransportError, TransportPhase};
use mio::{Events, Poll, Registry, Token};

use crate::conn::{Conn, Ctx, Step};
use crate::error::Failure;
use crate::protocol::Protocol;
use crate::resolve::Resolver;
use crate::settings::Settings;

/// The poller and its event buffer, created on the first send and reused.
#[derive(Debug)]
pub(crate) struct Io {
    pub(crate) poll: Poll,
    /// A handle on the poll's registry, so connections register while the
    /// driver holds the poll mutably (one `dup` per transport, not per send).
    pub(crate) registry: Registry,
    pub(crate) events: Events,
}

impl Io {
    /// A poller with room for `capacity` events per wait.
    pub(crate) fn new(capacity: usize) -> io::Result<Io> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        Ok(Io {
            poll,
            registry,
            events: Events::with_capacity(capacity.max(1)),
        })
    }
}

/// Everything one transport owns: settings, the sink, the resolver cache,
/// the poller and the reusable buffers; [`Engine::run`] drives them.
pub(crate) struct Engine {
    pub(crate) endpoint: Endpoint,
    pub(crate) settings: Settings,
    pub(crate) sink: Arc<dyn EventSink>,
    pub(crate) resolver: Resolver,
    pub(crate) io: Option<Io>,
    /// One slot per connection in flight; the slot index is the mio token.
    pub(crate) slots: Vec<Option<Conn>>,
    /// One reply buffer per slot, `max_reply_bytes` long, reused.
    pub(crate) buffers: Vec<Box<[u8]>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("endpoint", &self.endpoint)
            .field("settings", &self.settings)
            .field("poll_open", &self.io.is_some())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A new engine; nothing is opened until the first send.
    pub(crate) fn new(endpoint: Endpoint, settings: Settings, sink: Arc<dyn EventSink>) -> Self {
        Engine {
            endpoint,
            settings,
            sink,
            resolver: Resolver::default(),
            io: None,
            slots: Vec::new(),
            buffers: Vec::new(),
        }
    }
}

impl Engine {
    /// Sends every payload and hands each result to `deliver` with the
    /// payload's index, exactly once per payload (in completion order).
    pub(crate) fn run<P, F>(&mut self, payloads: &[&[u8]], mut deliver: F)
    where
        P: Protocol,
        F: FnMut(usize, Result<Reply, TransportError>),
    {
        let n = payloads.len();
        if n == 0 {
            return;
        }
        let target = P::LOG_TARGET;
        let fail_all = |deliver: &mut F, e: TransportError| {
            log::info!(target: target, "cannot send {n} message(s): {e}");
            for i in 0..n {
                deliver(i, Err(e.clone()));
            }
        };
        let (host, port) = match self.endpoint.require() {
            Ok(hp) => hp,
            Err(e) => return fail_all(&mut deliver, e),
        };
        let addrs = match self.resolver.resolve(host, port) {
            Ok(addrs) => addrs,
            Err(e) => return fail_all(&mut deliver, e),
        };
        if self.io.is_none() {
            match Io::new(self.settings.max_in_flight) {
                Ok(io) => self.io = Some(io),
                Err(e) => {
                    let e = Failure::io(TransportPhase::Connect, e).into_port(&self.endpoint);
                    return fail_all(&mut deliver, e);
                }
            }
        }
        let Some(io) = self.io.as_mut() else {
            return;
        };

        let limit = self.settings.max_in_flight.min(n);
        let max_reply = self.settings.max_reply_bytes;
        self.slots.clear();
        self.slots.resize_with(limit, || None);
        while self.buffers.len() < limit {
            self.buffers.push(vec![0u8; max_reply].into_boxed_slice());
        }
        log::debug!(target: target, "sending {n} message(s) to {}, {limit} at a time", self.endpoint);

        let ctx = Ctx {
            registry: &io.registry,
            addrs,
            settings: &self.settings,
            sink: &*self.sink,
            target,
            skip_leading_whitespace: P::SKIPS_LEADING_WHITESPACE,
            complete_at_deadline: P::complete_at_deadline,
        };
        let mut report = Report::<P> {
            engine_endpoint: &self.endpoint,
            protocol: std::marker::PhantomData,
            sink: &*self.sink,
            target,
            connect_failed: false,
            failed: 0,
        };
        let slots = &mut self.slots;
        let buffers = &mut self.buffers;
        let mut next = 0usize;
        let mut active = 0usize;
        let mut broken: Option<Arc<io::Error>> = None;
        // Read once per poll: the time after the last wake-up is current
        // enough to open connections and check deadlines (microseconds
        // stale), and each clock read costs a message ~100 instructions.
        let mut now = Instant::now();

        loop {
            if let Some(err) = &broken {
                // The poller failed: everything open or not started fails with it.
                let failed = |err: &Arc<io::Error>| Failure::Io {
                    phase: TransportPhase::Connect,
                    source: Arc::clone(err),
                };
                for entry in slots.iter_mut() {
                    if let Some(conn) = entry.take() {
                        report.finish(conn.index, Some(conn), Err(failed(err)), &[], &mut deliver);
                    }
                }
                for index in next..n {
                    report.finish(index, None, Err(failed(err)), &[], &mut deliver);
                }
                break;
            }
            // Fill free slots with the next payloads.
            for (slot, entry) in slots.iter_mut().enumerate() {
                if next >= n {
                    break;
                }
                if entry.is_some() {
                    continue;
                }
                match Conn::open(next, Token(slot), &ctx, now) {
                    Ok(conn) => {
                        *entry = Some(conn);
                        active += 1;
                    }
                    Err(f) => report.finish(next, None, Err(f), &[], &mut deliver),
                }
                next += 1;
            }
            if active == 0 {
                if next >= n {
                    break;
                }
                continue;
            }
            // Time out what is late; find the next deadline.
            let mut earliest: Option<Instant> = None;
            for (slot, entry) in slots.iter_mut().enumerate() {
                let Some(conn) = entry else { continue };
                if conn.deadline() <= now {
                    let result = conn.expire(&buffers[slot], &ctx);
                    let index = conn.index;
                    active -= 1;
                    report.finish(index, entry.take(), result, &buffers[slot], &mut deliver);
                } else {
                    earliest = Some(earliest.map_or(conn.deadline(), |e| e.min(conn.deadline())));
                }
            }
            let Some(earliest) = earliest else { continue };
            match io.poll.poll(
                &mut io.events,
                Some(earliest.saturating_duration_since(now)),
            ) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    // A signal: the time moved on, so deadlines are checked
                    // against the current time, not the wait restarted.
                    now = Instant::now();
                    continue;
                }
                Err(e) => {
                    log::warn!(target: target, "poll failed: {e}");
                    broken = Some(Arc::new(e));
                    continue;
                }
            }
            for event in io.events.iter() {
                if let Some(Some(conn)) = slots.get_mut(event.token().0) {
                    conn.note(event);
                }
            }
            now = Instant::now();
            for (slot, entry) in slots.iter_mut().enumerate() {
                let Some(conn) = entry else { continue };
                let payload = payloads.get(conn.index).copied().unwrap_or_default();
                let buf = &mut buffers[slot];
                if let Step::Done(result) = conn.advance(payload, buf, &ctx, now) {
                    let index = conn.index;
                    active -= 1;
                    report.finish(index, entry.take(), result, buf, &mut deliver);
                }
            }
        }

        let (failed, connect_failed) = (report.failed, report.connect_failed);
        if broken.is_some() {
            // A new poller next time.
            self.io = None;
        }
        if connect_failed {
            // The addresses may be stale: resolve again next time.
            self.resolver.forget();
        }
        if n > 1 {
            log::info!(target: target, "sent {n} messages: {} answered, {failed} failed", n - failed);
        }
    }
}

/// Reports finished exchanges: closes, emits events, maps errors, delivers.
struct Report<'a, P> {
    engine_endpoint: &'a Endpoint,
    protocol: std::marker::PhantomData<P>,
    sink: &'a dyn EventSink,
    target: &'static str,
    connect_failed: bool,
    failed: usize,
}

impl<P: Protocol> Report<'_, P> {
    /// Ends the exchange of payload `index`: the reply (parsed) or the
    /// error, `message.sent` on success, then the socket (if still open) is
    /// closed and `socket.closed` reported, then the result is delivered.
    fn finish<F>(
        &mut self,
        index: usize,
        conn: Option<Conn>,
        result: Result<usize, Failure>,
        buf: &[u8],
        deliver: &mut F,
    ) where
        F: FnMut(usize, Result<Reply, TransportError>),
    {
        let result = match result {
            Ok(len) => P::reply(buf.get(..len).unwrap_or_default(), self.engine_endpoint),
            Err(failure) => {
                if failure.phase() == TransportPhase::Connect {
                    self.connect_failed = true;
                }
                Err(failure.into_port(self.engine_endpoint))
            }
        };
        match &result {
            Ok(reply) => {
                log::debug!(
                    target: self.target,
                    "message {index} answered with {} byte(s){}",
                    reply.bytes.len(),
                    reply.code.map(|c| format!(", code {c}")).unwrap_or_default()
                );
                self.sink.emit(&Event::MessageSent);
            }
            Err(e) => {
                self.failed += 1;
                log::debug!(target: self.target, "message {index} failed: {e}");
            }
        }
        // Closing also removes the socket from the poller.
        drop(conn);
        self.sink.emit(&Event::SocketClosed);
        deliver(index, result);
    }
}

impl Engine {
    /// One payload, one result.
    pub(crate) fn send_one<P: Protocol>(
        &mut self,
        payload: &[u8],
    ) -> Result<Reply, TransportError> {
        let mut out = None;
        self.run::<P, _>(&[payload], |_, result| out = Some(result));
        out.unwrap_or_else(|| Err(self.lost()))
    }

    /// One result per payload, in input order.
    pub(crate) fn send_many<P: Protocol>(
        &mut self,
        payloads: &[&[u8]],
    ) -> Vec<Result<Reply, TransportError>> {
        let mut out: Vec<Option<Result<Reply, TransportError>>> =
            Vec::with_capacity(payloads.len());
        out.resize_with(payloads.len(), || None);
        self.run::<P, _>(payloads, |index, result| {
            if let Some(slot) = out.get_mut(index) {
                *slot = Some(result);
            }
        });
        out.into_iter()
            .map(|result| result.unwrap_or_else(|| Err(self.lost())))
            .collect()
    }

    /// Never returned: `run` delivers exactly one result per payload. Kept
    /// so that a bug shows as an error, not a panic.
    fn lost(&self) -> TransportError {
        TransportError::io(
            self.endpoint.to_string(),
            TransportPhase::Connect,
            io::Error::other("internal error: no result for this payload"),
        )
    }
}
