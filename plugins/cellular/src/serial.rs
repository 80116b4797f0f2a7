//! A serial port (a tty device) in raw mode, as a [`Link`].

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::fs::{Mode, OFlags};
use rustix::termios::{self, OptionalActions};

use crate::at::Link;

/// An open serial port.
#[derive(Debug)]
pub(crate) struct SerialLink {
    file: File,
}

impl SerialLink {
    /// Opens `device` and puts it in raw mode at `baud` bits per second
    /// (a pseudo-terminal ignores the speed).
    pub(crate) fn open(device: &Path, baud: u32) -> io::Result<SerialLink> {
        let fd = rustix::fs::open(
            device,
            OFlags::RDWR | OFlags::NOCTTY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut t = termios::tcgetattr(&fd)?;
        t.make_raw();
        t.set_speed(baud)?;
        termios::tcsetattr(&fd, OptionalActions::Now, &t)?;
        Ok(SerialLink {
            file: File::from(fd),
        })
    }

    fn wait(&self, flags: PollFlags, wait: Duration) -> io::Result<bool> {
        let timeout = Timespec::try_from(wait).unwrap_or(Timespec {
            tv_sec: 3600,
            tv_nsec: 0,
        });
        let mut fds = [PollFd::new(&self.file, flags)];
        Ok(poll(&mut fds, Some(&timeout))? > 0)
    }
}

impl Link for SerialLink {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.file.write(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() || !self.wait(PollFlags::OUT, left)? {
                        return Err(io::ErrorKind::TimedOut.into());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn recv(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
        let mut waited = false;
        loop {
            match self.file.read(buf) {
                // A raw-mode tty reads 0 bytes only when the other end hung up.
                Ok(0) if !buf.is_empty() => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the modem hung up",
                    ))
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if waited || wait.is_zero() || !self.wait(PollFlags::IN, wait)? {
                        return Ok(0);
                    }
                    waited = true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}
