//! The modem's serial port, through the `serialport` crate (raw mode,
//! speed, exclusive access, reads with a timeout), and the errors a user
//! can act on: the device is missing, needs the `dialout` group, or is held
//! by another program (often ModemManager).

use std::io::{self, Read, Write};

use serialport::SerialPort as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::at::Port;
use crate::error::{CellularError, Holder};

/// An open serial port.
pub struct SerialPort {
    inner: serialport::TTYPort,
}

impl std::fmt::Debug for SerialPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialPort").finish_non_exhaustive()
    }
}

impl SerialPort {
    /// Opens `path` at `baud`, for this process alone. Refuses a device
    /// that another process has open (naming it), because two programs
    /// talking AT on one port corrupt each other's answers.
    pub fn open(path: &Path, baud: u32) -> Result<SerialPort, CellularError> {
        let device = path.to_path_buf();
        if !path.exists() {
            return Err(CellularError::NoDevice { device });
        }
        let holders = holders(Path::new("/proc"), path);
        if !holders.is_empty() {
            return Err(CellularError::Busy { device, holders });
        }
        let inner = serialport::new(path.to_string_lossy(), baud)
            .timeout(Duration::from_millis(100))
            .open_native()
            .map_err(|e| open_error(device.clone(), e))?;
        Ok(SerialPort { inner })
    }
}

fn open_error(device: PathBuf, e: serialport::Error) -> CellularError {
    match e.kind() {
        serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied) => {
            CellularError::PermissionDenied { device }
        }
        serialport::ErrorKind::Io(io::ErrorKind::NotFound) => CellularError::NoDevice { device },
        // EBUSY from TIOCEXCL, or the lock another serialport user holds.
        serialport::ErrorKind::NoDevice => CellularError::Busy {
            device,
            holders: Vec::new(),
        },
        _ => CellularError::Open {
            device,
            detail: e.description,
        },
    }
}

impl Port for SerialPort {
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.inner
            .set_timeout(timeout)
            .map_err(|e| io::Error::other(e.description))?;
        match self.inner.read(buf) {
            // A tty that reads 0 bytes after poll said readable has hung up.
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the device hung up",
            )),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(0),
            Err(e) => Err(e),
        }
    }

    fn write_all(&mut self, data: &[u8], timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        let mut rest = data;
        while !rest.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the modem stopped taking bytes",
                ));
            }
            self.inner
                .set_timeout(left)
                .map_err(|e| io::Error::other(e.description))?;
            match self.inner.write(rest) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "wrote 0 bytes")),
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.inner.flush()
    }
}

/// The other processes that have `device` open, found by reading the
/// `/proc/<pid>/fd` links under `proc_root` (best effort: processes of
/// other users are invisible without root).
pub fn holders(proc_root: &Path, device: &Path) -> Vec<Holder> {
    let target = std::fs::canonicalize(device).unwrap_or_else(|_| device.to_path_buf());
    let me = std::process::id();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(proc_root) else {
        return found;
    };
    // Bounded: a process table has at most a few hundred thousand entries.
    for entry in entries.flatten().take(1 << 20) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds
            .flatten()
            .take(1 << 16)
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l == target));
        if holds {
            let name = std::fs::read_to_string(entry.path().join("comm"))
                .map(|n| n.trim().to_owned())
                .unwrap_or_default();
            found.push(Holder { pid, name });
        }
    }
    found.sort_by_key(|h| h.pid);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_from_a_fake_proc() {
        let dir = tempfile::tempdir().unwrap();
        let dev = dir.path().join("ttyACM0");
        std::fs::write(&dev, b"").unwrap();
        let mm = dir.path().join("proc/812");
        std::fs::create_dir_all(mm.join("fd")).unwrap();
        std::fs::write(mm.join("comm"), "ModemManager\n").unwrap();
        std::os::unix::fs::symlink(&dev, mm.join("fd/7")).unwrap();
        let other = dir.path().join("proc/900/fd");
        std::fs::create_dir_all(&other).unwrap();
        std::os::unix::fs::symlink("/dev/null", other.join("0")).unwrap();
        std::fs::create_dir_all(dir.path().join("proc/self")).unwrap();
        let found = holders(&dir.path().join("proc"), &dev);
        assert_eq!(
            found,
            [Holder {
                pid: 812,
                name: "ModemManager".into()
            }]
        );
        let e = CellularError::Busy {
            device: dev,
            holders: found,
        };
        let text = e.to_string();
        assert!(text.contains("ModemManager (pid 812)"), "{text}");
        assert!(text.contains("ID_MM_DEVICE_IGNORE"), "{text}");
    }

    #[test]
    fn permission_denied_names_the_dialout_group() {
        let e = open_error(
            PathBuf::from("/dev/ttyACM0"),
            serialport::Error::new(
                serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied),
                "Permission denied",
            ),
        );
        assert!(matches!(e, CellularError::PermissionDenied { .. }));
        assert!(e.to_string().contains("dialout"), "{e}");
        let e = open_error(
            PathBuf::from("/dev/ttyACM0"),
            serialport::Error::new(serialport::ErrorKind::NoDevice, "busy"),
        );
        assert!(matches!(e, CellularError::Busy { .. }), "{e}");
    }

    #[test]
    fn a_missing_device_is_named() {
        let e = SerialPort::open(Path::new("/dev/ttyNOPE9"), 115_200).unwrap_err();
        assert!(matches!(e, CellularError::NoDevice { .. }), "{e}");
        assert!(e.to_string().contains("/dev/ttyNOPE9"));
    }
}
