//! A pseudo-terminal pair: the simulator keeps the master side, clients
//! open the slave's path (`/dev/pts/N`) like any serial port.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::time::Duration;

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::fs::{fcntl_setfl, open, Mode, OFlags};
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcgetattr, tcsetattr, OptionalActions};

/// The master side of a pty.
#[derive(Debug)]
pub(crate) struct Pty {
    master: OwnedFd,
    path: PathBuf,
}

/// What a wait on the master saw.
pub(crate) enum Ready {
    /// Bytes to read.
    Readable,
    /// Nothing in time.
    Idle,
    /// No client has the slave open.
    NoClient,
}

impl Pty {
    /// Opens a new pty, puts its line discipline in raw mode (no echo, no
    /// line editing, no CR/LF translation: a modem's port does none), and
    /// closes the simulator's copy of the slave so that only clients hold it.
    pub(crate) fn open() -> io::Result<Pty> {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)?;
        grantpt(&master)?;
        unlockpt(&master)?;
        let name = ptsname(&master, Vec::new())?;
        let path = PathBuf::from(name.to_string_lossy().into_owned());
        {
            let slave = open(
                &path,
                OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            let mut t = tcgetattr(&slave)?;
            t.make_raw();
            tcsetattr(&slave, OptionalActions::Now, &t)?;
        }
        fcntl_setfl(&master, OFlags::NONBLOCK)?;
        Ok(Pty { master, path })
    }

    /// The slave's path, for clients.
    pub(crate) fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Waits at most `timeout` for the master to become readable.
    pub(crate) fn wait(&self, timeout: Duration) -> io::Result<Ready> {
        let mut fds = [PollFd::new(&self.master, PollFlags::IN)];
        let ts = Timespec::try_from(timeout).unwrap_or(Timespec {
            tv_sec: 0,
            tv_nsec: 50_000_000,
        });
        match poll(&mut fds, Some(&ts)) {
            Ok(0) => Ok(Ready::Idle),
            Ok(_) => {
                let ev = fds[0].revents();
                if ev.contains(PollFlags::IN) {
                    Ok(Ready::Readable)
                } else if ev.intersects(PollFlags::HUP | PollFlags::ERR) {
                    Ok(Ready::NoClient)
                } else {
                    Ok(Ready::Idle)
                }
            }
            Err(rustix::io::Errno::INTR) => Ok(Ready::Idle),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads what is there (0 when nothing, or when no client is there).
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match rustix::io::read(self.master.as_fd(), buf) {
            Ok(n) => Ok(n),
            Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::IO) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes all of `data`, giving up (dropping the rest) when the client
    /// does not read for a second: a simulator must not hang on a client.
    pub(crate) fn write_all(&self, mut data: &[u8]) -> io::Result<()> {
        let mut stalls = 0;
        while !data.is_empty() {
            match rustix::io::write(self.master.as_fd(), data) {
                Ok(n) => data = &data[n..],
                Err(rustix::io::Errno::AGAIN) => {
                    stalls += 1;
                    if stalls > 200 {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the client stopped reading",
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(rustix::io::Errno::IO) => return Ok(()), // no client: dropped
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
