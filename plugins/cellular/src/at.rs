//! The AT-command client: sends one command line, collects the answer up to
//! its final result code.

use std::io;
use std::time::{Duration, Instant};

use crate::error::CellularError;

/// A byte link to a modem: a serial port, or the simulated modem.
pub trait Link: Send {
    /// Writes all of `bytes`.
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// Reads what is available into `buf`, waiting at most `wait` for the
    /// first byte. `Ok(0)` means nothing came in time.
    fn recv(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize>;
}

/// The most bytes one answer may hold before the modem is called garbled.
const MAX_ANSWER: usize = 4096;

/// A final result code of an AT command.
fn final_result(line: &str) -> Option<Result<(), ()>> {
    match line {
        "OK" => Some(Ok(())),
        "ERROR" | "NO CARRIER" | "NO DIALTONE" | "BUSY" | "NO ANSWER" => Some(Err(())),
        l if l.starts_with("+CME ERROR") || l.starts_with("+CMS ERROR") => Some(Err(())),
        _ => None,
    }
}

/// Speaks AT commands over a [`Link`].
pub(crate) struct AtClient {
    link: Box<dyn Link>,
    device: String,
    timeout: Duration,
}

impl AtClient {
    pub(crate) fn new(link: Box<dyn Link>, device: &str, timeout: Duration) -> Self {
        AtClient {
            link,
            device: device.to_owned(),
            timeout,
        }
    }

    fn io(&self, source: io::Error) -> CellularError {
        CellularError::Io {
            device: self.device.clone(),
            source,
        }
    }

    /// Drops whatever the modem sent unasked (late answers, URCs).
    fn drain(&mut self) -> Result<(), CellularError> {
        let mut buf = [0u8; 256];
        for _ in 0..64 {
            match self.link.recv(&mut buf, Duration::ZERO) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(self.io(e)),
            }
        }
        Ok(())
    }

    /// Sends `command` and returns the lines of its answer before `OK`
    /// (without the echo of the command). A final error result is
    /// [`CellularError::Refused`] with the modem's words.
    pub(crate) fn command(&mut self, command: &str) -> Result<Vec<String>, CellularError> {
        self.drain()?;
        let mut line = Vec::with_capacity(command.len() + 1);
        line.extend_from_slice(command.as_bytes());
        line.push(b'\r');
        self.link.send(&line).map_err(|e| self.io(e))?;

        let deadline = Instant::now() + self.timeout;
        let mut pending: Vec<u8> = Vec::new();
        let mut lines = Vec::new();
        let mut total = 0usize;
        let mut buf = [0u8; 256];
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(CellularError::Timeout {
                    device: self.device.clone(),
                    command: command.to_owned(),
                    after: self.timeout,
                });
            }
            let n = self
                .link
                .recv(&mut buf, deadline - now)
                .map_err(|e| self.io(e))?;
            total += n;
            if total > MAX_ANSWER {
                return Err(CellularError::Garbled {
                    command: command.to_owned(),
                    reply: "an answer longer than 4096 bytes".to_owned(),
                });
            }
            for &b in &buf[..n] {
                if b != b'\r' && b != b'\n' {
                    pending.push(b);
                    continue;
                }
                if pending.is_empty() {
                    continue;
                }
                let text = String::from_utf8_lossy(&pending).trim().to_owned();
                pending.clear();
                if text.is_empty() || text == command {
                    continue;
                }
                match final_result(&text) {
                    Some(Ok(())) => return Ok(lines),
                    Some(Err(())) => {
                        return Err(CellularError::Refused {
                            command: command.to_owned(),
                            reply: text,
                        })
                    }
                    None => lines.push(text),
                }
            }
        }
    }

    /// Sends `command` and returns the value after `prefix` (`+CSQ:`) in
    /// its answer.
    pub(crate) fn query(&mut self, command: &str, prefix: &str) -> Result<String, CellularError> {
        let lines = self.command(command)?;
        lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .ok_or_else(|| CellularError::Garbled {
                command: command.to_owned(),
                reply: lines.join(" | "),
            })
    }
}

/// Parses `+CSQ: <rssi>,<ber>` into dBm (27.007: 0 is -113 dBm or less, 31
/// is -51 dBm or more, 2 dB per step; 99 is unknown).
pub(crate) fn csq_to_dbm(value: &str) -> Result<Option<i32>, ()> {
    let rssi = value.split(',').next().ok_or(())?.trim();
    let rssi: i32 = rssi.parse().map_err(|_| ())?;
    match rssi {
        0..=31 => Ok(Some(-113 + 2 * rssi)),
        99 => Ok(None),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csq_values() {
        assert_eq!(csq_to_dbm("0,99"), Ok(Some(-113)));
        assert_eq!(csq_to_dbm("20,0"), Ok(Some(-73)));
        assert_eq!(csq_to_dbm("31,99"), Ok(Some(-51)));
        assert_eq!(csq_to_dbm("99,99"), Ok(None));
        assert_eq!(csq_to_dbm("40,99"), Err(()));
        assert_eq!(csq_to_dbm("x"), Err(()));
    }

    /// A link that answers from a script, in pieces.
    struct Scripted(Vec<Vec<u8>>);

    impl Link for Scripted {
        fn send(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
        fn recv(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
            if wait.is_zero() || self.0.is_empty() {
                return Ok(0);
            }
            let chunk = self.0.remove(0);
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }

    #[test]
    fn answers_split_across_reads() {
        let link = Scripted(vec![
            b"AT+CSQ\r\r\n+CS".to_vec(),
            b"Q: 17,99\r\n\r\nO".to_vec(),
            b"K\r\n".to_vec(),
        ]);
        let mut at = AtClient::new(Box::new(link), "test", Duration::from_secs(1));
        assert_eq!(at.query("AT+CSQ", "+CSQ:").unwrap(), "17,99");
    }

    #[test]
    fn errors_and_silence() {
        let link = Scripted(vec![b"\r\n+CME ERROR: 10\r\n".to_vec()]);
        let mut at = AtClient::new(Box::new(link), "test", Duration::from_millis(50));
        assert!(matches!(
            at.command("AT+CPIN?"),
            Err(CellularError::Refused { reply, .. }) if reply == "+CME ERROR: 10"
        ));
        assert!(matches!(
            at.command("AT"),
            Err(CellularError::Timeout { .. })
        ));
    }
}
