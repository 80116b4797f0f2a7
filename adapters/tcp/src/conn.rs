//! The connection state machine: one TCP exchange on mio.
//!
//! A [`Conn`] walks `connecting → writing → reading → done`. It is driven by
//! readiness it has been told about ([`Conn::note`]) and never blocks:
//! [`Conn::advance`] makes progress with non-blocking system calls until one
//! would block, then returns [`Step::Pending`]. Each phase has a deadline,
//! set when the phase starts and never moved (bytes trickling in or out do
//! not postpone it), checked by the driver ([`crate::engine`]) which owns
//! the `mio::Poll`: connecting has one for all addresses, writing one for
//! the whole payload, reading one for the whole reply.
//!
//! Readiness is edge-triggered (epoll `EPOLLET` on Linux), so a `Conn`
//! remembers it until a call reports `WouldBlock` or a short read or write
//! shows the kernel buffer is drained or full (as tokio does). That saves the
//! extra `read`/`write` that would only return `EAGAIN`.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hologram_ports::{Event, EventSink, TransportPhase};
use mio::event::Event as MioEvent;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};

use crate::error::Failure;
use crate::settings::Settings;

/// Payloads up to this size fit one TCP segment on any usual path MTU.
const SINGLE_SEGMENT: usize = 1200;

/// Readiness seen for a connection and not yet used up.
#[derive(Debug, Default, Clone, Copy)]
struct Ready {
    readable: bool,
    writable: bool,
    read_closed: bool,
    hangup: bool,
    error: bool,
}

/// Where an exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Writing { written: usize },
    Reading { len: usize },
}

impl Phase {
    fn port_phase(self) -> TransportPhase {
        match self {
            Phase::Connecting => TransportPhase::Connect,
            Phase::Writing { .. } => TransportPhase::Write,
            Phase::Reading { .. } => TransportPhase::Read,
        }
    }
}

/// The result of [`Conn::advance`].
#[derive(Debug)]
pub(crate) enum Step {
    /// Waiting for readiness or the deadline.
    Pending,
    /// Finished: `Ok(n)` with the reply in the first `n` bytes of the slot's
    /// buffer, or the failure.
    Done(Result<usize, Failure>),
}

/// What a connection needs from its driver while it advances.
pub(crate) struct Ctx<'a> {
    pub(crate) registry: &'a Registry,
    pub(crate) addrs: &'a [SocketAddr],
    pub(crate) settings: &'a Settings,
    pub(crate) sink: &'a dyn EventSink,
    pub(crate) target: &'static str,
    /// The protocol's [`SKIPS_LEADING_WHITESPACE`](crate::Protocol::SKIPS_LEADING_WHITESPACE).
    pub(crate) skip_leading_whitespace: bool,
    /// The protocol's [`complete_at_deadline`](crate::Protocol::complete_at_deadline).
    pub(crate) complete_at_deadline: fn(&[u8]) -> bool,
}

/// One exchange: a payload to one endpoint.
#[derive(Debug)]
pub(crate) struct Conn {
    /// Which payload (its index in the batch).
    pub(crate) index: usize,
    token: Token,
    stream: TcpStream,
    /// The address to try if this one fails to connect.
    next_addr: usize,
    phase: Phase,
    deadline: Instant,
    ready: Ready,
}

impl Conn {
    /// Starts connecting payload `index` to the first address that accepts a
    /// non-blocking connect, registered under `token`.
    pub(crate) fn open(
        index: usize,
        token: Token,
        ctx: &Ctx<'_>,
        now: Instant,
    ) -> Result<Conn, Failure> {
        let (stream, next_addr) = connect_from(ctx, 0, token)?;
        Ok(Conn {
            index,
            token,
            stream,
            next_addr,
            phase: Phase::Connecting,
            deadline: now + ctx.settings.connect_timeout,
            ready: Ready::default(),
        })
    }

    /// When the current phase times out.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Records readiness reported by the poller.
    pub(crate) fn note(&mut self, event: &MioEvent) {
        let r = &mut self.ready;
        r.error |= event.is_error();
        r.hangup |= event.is_write_closed();
        r.read_closed |= event.is_read_closed();
        // An error or hang-up is reported by the next read or write, so it
        // counts as readiness for both.
        r.readable |= event.is_readable() || event.is_read_closed() || event.is_error();
        r.writable |= event.is_writable() || event.is_write_closed() || event.is_error();
    }

    /// The deadline passed: a read phase whose bytes make a reply for the
    /// protocol ends with them (the Python SDK returns what came before the
    /// timeout); any other phase fails with a timeout saying how many reply
    /// bytes came.
    pub(crate) fn expire(&self, buf: &[u8], ctx: &Ctx<'_>) -> Result<usize, Failure> {
        let received = match self.phase {
            Phase::Reading { len } => len,
            _ => 0,
        };
        let reply = buf.get(..received).unwrap_or_default();
        if matches!(self.phase, Phase::Reading { .. }) && (ctx.complete_at_deadline)(reply) {
            return Ok(received);
        }
        Err(Failure::TimedOut {
            phase: self.phase.port_phase(),
            after: phase_timeout(ctx.settings, self.phase),
            received,
        })
    }

    /// Makes every step the readiness allows, without blocking.
    pub(crate) fn advance(
        &mut self,
        payload: &[u8],
        buf: &mut [u8],
        ctx: &Ctx<'_>,
        now: Instant,
    ) -> Step {
        loop {
            match self.phase {
                Phase::Connecting => {
                    if self.ready.error || self.ready.hangup {
                        match self.connect_error() {
                            Some(err) => match self.retry(err, ctx) {
                                Ok(()) => return Step::Pending,
                                Err(failure) => return Step::Done(Err(failure)),
                            },
                            // Spurious: nothing pending on the socket.
                            None => {
                                self.ready.error = false;
                                self.ready.hangup = false;
                            }
                        }
                    }
                    if !self.ready.writable {
                        return Step::Pending;
                    }
                    // Writable without error: connected (on Linux epoll
                    // reports EPOLLOUT for a connecting socket only once
                    // the handshake finished or failed).
                    // The payload goes in one write and nothing follows, so
                    // Nagle can only hold back the tail of a payload longer
                    // than one segment: only then is TCP_NODELAY worth its
                    // syscall (most messages fit in one segment).
                    if payload.len() > SINGLE_SEGMENT {
                        if let Err(e) = self.stream.set_nodelay(true) {
                            log::debug!(target: ctx.target, "TCP_NODELAY not set: {e}");
                        }
                    }
                    ctx.sink.emit(&Event::SocketConnected);
                    log::debug!(target: ctx.target, "socket connected (payload {})", self.index);
                    if payload.is_empty() {
                        self.start_reading(ctx.settings, now);
                    } else {
                        self.phase = Phase::Writing { written: 0 };
                        self.deadline = now + ctx.settings.write_timeout;
                    }
                }
                Phase::Writing { written } => {
                    if !self.ready.writable {
                        return Step::Pending;
                    }
                    let rest = payload.get(written..).unwrap_or_default();
                    match self.stream.write(rest) {
                        Ok(0) => {
                            return Step::Done(Err(Failure::io(
                                TransportPhase::Write,
                                io::ErrorKind::WriteZero.into(),
                            )))
                        }
                        Ok(n) => {
                            let written = written + n;
                            if written >= payload.len() {
                                self.start_reading(ctx.settings, now);
                            } else {
                                // A short write: the send buffer is full.
                                self.ready.writable = false;
                                self.phase = Phase::Writing { written };
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            self.ready.writable = false;
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Step::Done(Err(Failure::io(TransportPhase::Write, e))),
                    }
                }
                Phase::Reading { len } => {
                    if len >= buf.len() {
                        log::debug!(target: ctx.target, "reply reached the {} byte limit", buf.len());
                        return Step::Done(Ok(len));
                    }
                    if !self.ready.readable {
                        return Step::Pending;
                    }
                    let space = buf.len() - len;
                    match self.stream.read(&mut buf[len..]) {
                        Ok(0) => return Step::Done(Ok(len)),
                        Ok(n) => {
                            let kept = if len == 0 && ctx.skip_leading_whitespace {
                                skip_whitespace(&mut buf[..n])
                            } else {
                                n
                            };
                            self.phase = Phase::Reading { len: len + kept };
                            if n < space {
                                // A short read drained the receive queue. If
                                // the peer's FIN was already seen (and no
                                // error), nothing more can come: done, without
                                // the read that would return 0.
                                if self.ready.read_closed && !self.ready.error {
                                    return Step::Done(Ok(len + kept));
                                }
                                self.ready.readable = false;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            self.ready.readable = false;
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        // A reset after part of the reply: the reply ends there.
                        // (if those bytes make a reply for the protocol).
                        Err(e)
                            if len > 0
                                && is_reset(&e)
                                && (ctx.complete_at_deadline)(&buf[..len]) =>
                        {
                            log::debug!(target: ctx.target, "reset after {len} reply bytes: {e}");
                            return Step::Done(Ok(len));
                        }
                        Err(e) => return Step::Done(Err(Failure::io(TransportPhase::Read, e))),
                    }
                }
            }
        }
    }

    fn start_reading(&mut self, settings: &Settings, now: Instant) {
        self.phase = Phase::Reading { len: 0 };
        self.deadline = now + settings.read_timeout;
    }

    /// The pending error of a connecting socket (`SO_ERROR`), if any.
    fn connect_error(&self) -> Option<io::Error> {
        match self.stream.take_error() {
            Ok(Some(e)) | Err(e) => Some(e),
            Ok(None) if self.ready.hangup => Some(io::ErrorKind::ConnectionAborted.into()),
            Ok(None) => None,
        }
    }

    /// Connecting failed with `err`: tries the next address, within the same
    /// connect deadline, or fails.
    fn retry(&mut self, err: io::Error, ctx: &Ctx<'_>) -> Result<(), Failure> {
        log::debug!(
            target: ctx.target,
            "connect to address {} failed: {err}",
            self.next_addr.saturating_sub(1)
        );
        if self.next_addr >= ctx.addrs.len() {
            return Err(Failure::io(TransportPhase::Connect, err));
        }
        let (stream, next_addr) = connect_from(ctx, self.next_addr, self.token)?;
        // The old socket closes here; closing also removes it from the poller.
        self.stream = stream;
        self.next_addr = next_addr;
        self.ready = Ready::default();
        Ok(())
    }
}

/// Opens a non-blocking connect to `addrs[start..]`, the first that does not
/// fail at once, registered for read and write readiness. Returns the stream
/// and the index of the address after it.
fn connect_from(ctx: &Ctx<'_>, start: usize, token: Token) -> Result<(TcpStream, usize), Failure> {
    let mut last = None;
    for (i, addr) in ctx.addrs.iter().enumerate().skip(start) {
        let attempt = TcpStream::connect(*addr).and_then(|mut stream| {
            ctx.registry
                .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
                .map(|()| stream)
        });
        match attempt {
            Ok(stream) => return Ok((stream, i + 1)),
            Err(e) => {
                log::debug!(target: ctx.target, "connect to address {i} failed at once: {e}");
                last = Some(e);
            }
        }
    }
    let err =
        last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address to connect to"));
    Err(Failure::io(TransportPhase::Connect, err))
}

fn phase_timeout(settings: &Settings, phase: Phase) -> Duration {
    match phase {
        Phase::Connecting => settings.connect_timeout,
        Phase::Writing { .. } => settings.write_timeout,
        Phase::Reading { .. } => settings.read_timeout,
    }
}

/// Drops the whitespace at the start of `chunk` (the first bytes of a
/// reply) by moving the rest to the front; returns how many bytes remain.
/// The buffer is reused, so a server sending spaces for ever costs no
/// memory: the reply deadline ends it.
fn skip_whitespace(chunk: &mut [u8]) -> usize {
    let start = chunk
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(chunk.len());
    chunk.copy_within(start.., 0);
    chunk.len() - start
}

fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
    )
}

#[cfg(test)]
mod tests {
    use super::skip_whitespace;

    #[test]
    fn leading_whitespace_is_dropped_in_place() {
        let mut chunk = *b"  \r\n[0,0]";
        let n = skip_whitespace(&mut chunk);
        assert_eq!(&chunk[..n], b"[0,0]");
        let mut spaces = [b' '; 16];
        assert_eq!(skip_whitespace(&mut spaces), 0);
        let mut none = *b"00";
        assert_eq!(skip_whitespace(&mut none), 2);
        assert_eq!(&none, b"00");
    }
}
