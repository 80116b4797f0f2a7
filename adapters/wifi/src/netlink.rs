//! Netlink plumbing shared by rtnetlink (`link`) and generic netlink
//! (`nl80211`): splitting a reply into messages (pure), and a blocking
//! request/reply exchange over a `netlink-sys` socket (no async runtime).
//!
//! A reply is kept as the bytes of all its messages in order, each padded to
//! 4 bytes, exactly as the kernel lays them out in its datagrams. The
//! recorded replies under `tests/data/` are in the same form, so the parsers
//! the adapter runs on live replies are the ones the tests run on recordings.

use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NetlinkSerializable, NLMSG_DONE,
    NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN,
};
use netlink_sys::{Socket, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Length of a netlink message header.
const HEADER_LEN: usize = 16;

/// How long one exchange may wait for the kernel's whole reply. The kernel
/// answers while handling our `send` and `recv`, so this only bounds the
/// cases that should never happen (a lost reply, a stuck dump).
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplyError {
    /// The kernel answered with an error: the positive errno.
    Kernel(i32),
    /// The bytes are not a well-formed reply (truncated, inconsistent, ...).
    Malformed(String),
}

impl ReplyError {
    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        ReplyError::Malformed(what.into())
    }
}

/// One message of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frame<'a> {
    /// A data message: its type and payload (after the netlink header).
    Data {
        message_type: u16,
        payload: &'a [u8],
    },
    /// `NLMSG_DONE` of a dump that succeeded.
    Done,
    /// `NLMSG_ERROR` with code 0: the acknowledgement of a request.
    Ack,
    /// `NLMSG_ERROR` (or `NLMSG_DONE` of a failed dump): the positive errno.
    Error(i32),
}

impl Frame<'_> {
    /// Whether this message ends the reply.
    fn is_final(&self) -> bool {
        !matches!(self, Frame::Data { .. })
    }
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn read_i32(bytes: &[u8]) -> Option<i32> {
    Some(i32::from_ne_bytes(bytes.get(..4)?.try_into().ok()?))
}

/// Splits reply bytes into messages. Fails on a truncated or inconsistent
/// message; skips `NLMSG_NOOP`.
pub(crate) fn frames(buf: &[u8]) -> Result<Vec<Frame<'_>>, ReplyError> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < buf.len() {
        let rest = &buf[offset..];
        if rest.len() < HEADER_LEN {
            return Err(ReplyError::malformed(format!(
                "truncated netlink header: {} bytes left at offset {offset}",
                rest.len()
            )));
        }
        let msg = NetlinkBuffer::new_checked(rest)
            .map_err(|e| ReplyError::malformed(format!("at offset {offset}: {e}")))?;
        let len = msg.length() as usize;
        let payload = &rest[HEADER_LEN..len];
        match msg.message_type() {
            NLMSG_NOOP => {}
            NLMSG_OVERRUN => return Err(ReplyError::malformed("netlink overrun")),
            NLMSG_ERROR => {
                let code = read_i32(payload)
                    .ok_or_else(|| ReplyError::malformed("error message without a code"))?;
                out.push(if code == 0 {
                    Frame::Ack
                } else {
                    Frame::Error(code.saturating_abs())
                });
            }
            NLMSG_DONE => match read_i32(payload) {
                Some(code) if code < 0 => out.push(Frame::Error(code.saturating_abs())),
                _ => out.push(Frame::Done),
            },
            message_type => out.push(Frame::Data {
                message_type,
                payload,
            }),
        }
        offset += align4(len).min(rest.len());
    }
    Ok(out)
}

/// The data messages of a complete reply; the kernel's error if it sent one.
pub(crate) fn data_frames(buf: &[u8]) -> Result<Vec<(u16, &[u8])>, ReplyError> {
    let mut data = Vec::new();
    for frame in frames(buf)? {
        match frame {
            Frame::Data {
                message_type,
                payload,
            } => data.push((message_type, payload)),
            Frame::Error(errno) => return Err(ReplyError::Kernel(errno)),
            Frame::Done | Frame::Ack => break,
        }
    }
    Ok(data)
}

/// A failed exchange with the kernel.
#[derive(Debug)]
pub(crate) enum ExchangeError {
    /// Opening, sending or receiving failed.
    Io(std::io::Error),
    /// The reply was an error or unreadable.
    Reply(ReplyError),
}

impl From<ReplyError> for ExchangeError {
    fn from(e: ReplyError) -> Self {
        ExchangeError::Reply(e)
    }
}

/// A blocking netlink socket talking to the kernel.
///
/// The kernel builds the replies to `GET` requests (and the first part of a
/// dump) while handling our `send`, and the rest of a dump while handling
/// our `recv`, so a blocking receive always gets an answer.
pub(crate) struct Channel {
    socket: Socket,
    sequence: u32,
    timeout: Duration,
}

impl Channel {
    /// Opens a socket of `protocol` (`NETLINK_ROUTE`, `NETLINK_GENERIC`).
    pub(crate) fn open(protocol: isize) -> Result<Self, std::io::Error> {
        let mut socket = Socket::new(protocol)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Channel {
            socket,
            sequence: 0,
            timeout: REPLY_TIMEOUT,
        })
    }

    /// Sends one request with `flags` (plus `NLM_F_REQUEST`) and returns the
    /// whole reply: every message up to the acknowledgement, the error or
    /// the end of the dump. Messages of other sequence numbers are dropped.
    /// A reply not complete within the channel's timeout (5 s) is an
    /// [`io::ErrorKind::TimedOut`](std::io::ErrorKind::TimedOut) error.
    pub(crate) fn exchange<T>(&mut self, payload: T, flags: u16) -> Result<Vec<u8>, ExchangeError>
    where
        T: NetlinkSerializable,
    {
        self.sequence = self.sequence.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = flags | netlink_packet_core::NLM_F_REQUEST;
        header.sequence_number = self.sequence;
        let mut message = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(payload));
        message.finalize();
        let mut request = vec![0u8; message.buffer_len()];
        message.serialize(&mut request);
        self.socket.send(&request, 0).map_err(ExchangeError::Io)?;

        let deadline = Instant::now() + self.timeout;
        let mut reply = Vec::new();
        loop {
            let datagram = self.receive(deadline).map_err(ExchangeError::Io)?;
            for message in split_messages(&datagram)? {
                if NetlinkBuffer::new(message).sequence_number() != self.sequence {
                    continue; // not an answer to this request
                }
                reply.extend_from_slice(message);
                reply.resize(align4(reply.len()), 0);
                if frames(message)?.iter().any(Frame::is_final) {
                    return Ok(reply);
                }
            }
        }
    }

    /// Receives one whole datagram from the kernel, however large, before
    /// `deadline`.
    fn receive(&self, deadline: Instant) -> Result<Vec<u8>, std::io::Error> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timed_out());
            }
            set_receive_timeout(&self.socket, left)?;
            let mut peek: Vec<u8> = Vec::new();
            let (size, _) = match self
                .socket
                .recv_from(&mut peek, libc::MSG_PEEK | libc::MSG_TRUNC)
            {
                Ok(got) => got,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Err(timed_out()),
                Err(e) => return Err(e),
            };
            let mut buf: Vec<u8> = Vec::with_capacity(size.max(HEADER_LEN));
            let (got, from) = self.socket.recv_from(&mut buf, 0)?;
            if from.port_number() != 0 {
                continue; // not from the kernel
            }
            if got != buf.len() || got < size {
                return Err(std::io::Error::other(
                    "netlink datagram shorter than announced",
                ));
            }
            return Ok(buf);
        }
    }
}

fn timed_out() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the kernel did not complete its netlink reply in time",
    )
}

/// `SO_RCVTIMEO`: a blocking receive returns `EAGAIN` after `timeout`
/// (at least 1 ms: a zero timeout would mean "wait forever").
#[allow(unsafe_code)] // one setsockopt; netlink-sys has no wrapper for it
fn set_receive_timeout(socket: &Socket, timeout: Duration) -> Result<(), std::io::Error> {
    let timeout = timeout.max(Duration::from_millis(1));
    let tv = libc::timeval {
        tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_usec: libc::suseconds_t::from(timeout.subsec_micros() as i32),
    };
    // SAFETY: the descriptor is open for as long as `socket` lives; the
    // option value points to a live `timeval` and its exact size is given.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            std::ptr::from_ref(&tv).cast::<libc::c_void>(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("sequence", &self.sequence)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The messages of one datagram, each with its padding removed.
fn split_messages(datagram: &[u8]) -> Result<Vec<&[u8]>, ReplyError> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < datagram.len() {
        let rest = &datagram[offset..];
        let msg = NetlinkBuffer::new_checked(rest)
            .map_err(|e| ReplyError::malformed(format!("at offset {offset}: {e}")))?;
        let len = msg.length() as usize;
        out.push(&rest[..len]);
        offset += align4(len).min(rest.len());
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A netlink message with `message_type`, `seq` and `payload`, padded.
    pub(crate) fn message(message_type: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let len = (HEADER_LEN + payload.len()) as u32;
        let mut out = Vec::new();
        out.extend_from_slice(&len.to_ne_bytes());
        out.extend_from_slice(&message_type.to_ne_bytes());
        out.extend_from_slice(&flags.to_ne_bytes());
        out.extend_from_slice(&seq.to_ne_bytes());
        out.extend_from_slice(&0u32.to_ne_bytes());
        out.extend_from_slice(payload);
        out.resize(align4(out.len()), 0);
        out
    }

    /// An `NLMSG_ERROR` message with `-errno` (0 = ack).
    pub(crate) fn error(errno: i32, seq: u32) -> Vec<u8> {
        let mut payload = (-errno).to_ne_bytes().to_vec();
        payload.extend_from_slice(&[0u8; HEADER_LEN]); // the echoed request header
        message(NLMSG_ERROR, 0, seq, &payload)
    }

    #[test]
    fn splits_data_ack_error_done() {
        let mut buf = message(0x10, 0, 1, &[1, 2, 3]);
        buf.extend(error(0, 1));
        let f = frames(&buf).unwrap();
        assert_eq!(f.len(), 2);
        assert!(
            matches!(f[0], Frame::Data { message_type: 0x10, payload } if payload == [1, 2, 3])
        );
        assert_eq!(f[1], Frame::Ack);
        assert_eq!(frames(&error(19, 1)).unwrap(), vec![Frame::Error(19)]);
        let failed_dump = message(NLMSG_DONE, 2, 1, &(-1i32).to_ne_bytes());
        assert_eq!(data_frames(&failed_dump), Err(ReplyError::Kernel(1)));
        let done = message(NLMSG_DONE, 2, 1, &0i32.to_ne_bytes());
        assert_eq!(frames(&done).unwrap(), vec![Frame::Done]);
    }

    #[test]
    fn refuses_truncated_and_lying_lengths() {
        let buf = message(0x10, 0, 1, &[0u8; 20]);
        for cut in 1..buf.len() {
            assert!(frames(&buf[..cut]).is_err(), "cut at {cut}");
        }
        let mut short = buf.clone();
        short[..4].copy_from_slice(&8u32.to_ne_bytes()); // shorter than a header
        assert!(frames(&short).is_err());
        assert!(frames(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_reply_that_never_comes_times_out() {
        // Nothing was asked, so the kernel sends nothing: the read must end.
        let channel = Channel::open(netlink_sys::protocols::NETLINK_ROUTE).unwrap();
        let err = channel
            .receive(Instant::now() + Duration::from_millis(50))
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
        let err = channel.receive(Instant::now()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
    }

    #[test]
    fn never_panics_on_noise() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 64) as usize;
            let bytes: Vec<u8> = (0..len).map(|i| (state >> (i % 57)) as u8).collect();
            let _ = frames(&bytes);
            let _ = data_frames(&bytes);
        }
    }
}
