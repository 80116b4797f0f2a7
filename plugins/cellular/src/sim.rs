//! A simulated cellular modem: answers the AT commands the plugin sends, as
//! a real 3GPP TS 27.007 modem does, with no hardware.
//!
//! The plugin uses it in-process with the setting `device = "sim"`; tests
//! can also put it behind a pseudo-terminal to exercise the serial code
//! (see `tests/pty.rs`).

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use crate::at::Link;

/// What the simulated modem gets wrong, on purpose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimFault {
    /// Nothing: a SIM, a network, answers to everything.
    #[default]
    None,
    /// No SIM card: `AT+CPIN?` answers `+CME ERROR: 10`.
    NoSim,
    /// No network service: activating the data context fails.
    NoService,
    /// The modem never answers.
    Silent,
}

impl std::str::FromStr for SimFault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(SimFault::None),
            "no-sim" => Ok(SimFault::NoSim),
            "no-service" => Ok(SimFault::NoService),
            "silent" => Ok(SimFault::Silent),
            other => Err(format!(
                "unknown fault {other:?}; expected none, no-sim, no-service or silent"
            )),
        }
    }
}

/// A simulated modem. Feed it bytes with [`SimModem::input`]; read its
/// answers with [`SimModem::take_output`].
///
/// ```
/// use hologram_plugin_cellular::SimModem;
///
/// let mut modem = SimModem::new(20, Default::default());
/// modem.input(b"ATE0\rAT+CSQ\r");
/// let out = String::from_utf8(modem.take_output()).unwrap();
/// assert!(out.contains("+CSQ: 20,99\r\n\r\nOK"));
/// ```
#[derive(Debug, Clone)]
pub struct SimModem {
    echo: bool,
    csq: u8,
    fault: SimFault,
    apn: String,
    attached: bool,
    active: bool,
    line: Vec<u8>,
    output: VecDeque<u8>,
}

impl SimModem {
    /// A modem reporting `+CSQ: <csq>,99` (0 to 31, or 99 for unknown),
    /// with echo on, as modems start.
    pub fn new(csq: u8, fault: SimFault) -> Self {
        SimModem {
            echo: true,
            csq,
            fault,
            apn: String::new(),
            attached: false,
            active: false,
            line: Vec::new(),
            output: VecDeque::new(),
        }
    }

    /// Whether the data context (the link) is active.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The access point name last set with `AT+CGDCONT`.
    pub fn apn(&self) -> &str {
        &self.apn
    }

    /// Takes bytes from the host; each command ends with a carriage return.
    pub fn input(&mut self, bytes: &[u8]) {
        if self.fault == SimFault::Silent {
            return;
        }
        for &b in bytes {
            match b {
                b'\r' => {
                    let line = String::from_utf8_lossy(&self.line).trim().to_owned();
                    self.line.clear();
                    if self.echo {
                        self.output.extend(line.as_bytes());
                        self.output.push_back(b'\r');
                    }
                    if !line.is_empty() {
                        self.execute(&line);
                    }
                }
                b'\n' => {}
                _ if self.line.len() < 512 => self.line.push(b),
                _ => {}
            }
        }
    }

    /// Takes everything the modem has said so far.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.output.drain(..).collect()
    }

    fn say(&mut self, line: &str) {
        self.output.extend(b"\r\n");
        self.output.extend(line.as_bytes());
        self.output.extend(b"\r\n");
    }

    fn execute(&mut self, line: &str) {
        let cmd = line.to_ascii_uppercase();
        let reply: Result<Option<String>, &str> = match cmd.as_str() {
            "AT" => Ok(None),
            "ATE0" => {
                self.echo = false;
                Ok(None)
            }
            "ATE1" => {
                self.echo = true;
                Ok(None)
            }
            "ATI" => Ok(Some("Hologram simulated modem".to_owned())),
            "AT+CPIN?" if self.fault == SimFault::NoSim => Err("+CME ERROR: 10"),
            "AT+CPIN?" => Ok(Some("+CPIN: READY".to_owned())),
            "AT+CSQ" => Ok(Some(format!("+CSQ: {},99", self.csq))),
            "AT+CREG?" => Ok(Some("+CREG: 0,1".to_owned())),
            "AT+CGATT=1" if self.fault == SimFault::NoSim => Err("+CME ERROR: 10"),
            "AT+CGATT=1" => {
                self.attached = true;
                Ok(None)
            }
            "AT+CGATT=0" => {
                self.attached = false;
                self.active = false;
                Ok(None)
            }
            "AT+CGATT?" => Ok(Some(format!("+CGATT: {}", u8::from(self.attached)))),
            "AT+CGACT=1,1" if !self.attached || self.fault != SimFault::None => {
                Err("+CME ERROR: 30")
            }
            "AT+CGACT=1,1" => {
                self.active = true;
                Ok(None)
            }
            "AT+CGACT=0,1" => {
                self.active = false;
                Ok(None)
            }
            "AT+CGACT?" => Ok(Some(format!("+CGACT: 1,{}", u8::from(self.active)))),
            _ if cmd.starts_with("AT+CGDCONT=1,\"IP\",") => {
                let apn = line["AT+CGDCONT=1,\"IP\",".len()..].trim_matches('"');
                self.apn = apn.to_owned();
                Ok(None)
            }
            _ => Err("ERROR"),
        };
        match reply {
            Ok(Some(info)) => {
                self.say(&info);
                self.say("OK");
            }
            Ok(None) => self.say("OK"),
            Err(e) => self.say(e),
        }
    }
}

impl Link for SimModem {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.input(bytes);
        Ok(())
    }

    fn recv(&mut self, buf: &mut [u8], wait: Duration) -> io::Result<usize> {
        if self.output.is_empty() {
            // Nothing will ever come without more input: wait as a silent
            // modem would, without spinning.
            std::thread::sleep(wait.min(Duration::from_millis(20)));
            return Ok(0);
        }
        let n = buf.len().min(self.output.len());
        for (slot, b) in buf.iter_mut().zip(self.output.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(modem: &mut SimModem, cmd: &str) -> String {
        modem.input(format!("{cmd}\r").as_bytes());
        String::from_utf8(modem.take_output()).unwrap()
    }

    #[test]
    fn a_session() {
        let mut m = SimModem::new(15, SimFault::None);
        assert_eq!(run(&mut m, "AT"), "AT\r\r\nOK\r\n");
        assert_eq!(run(&mut m, "ATE0"), "ATE0\r\r\nOK\r\n");
        assert_eq!(run(&mut m, "AT+CGACT=1,1"), "\r\n+CME ERROR: 30\r\n");
        run(&mut m, "AT+CGDCONT=1,\"IP\",\"hologram\"");
        assert_eq!(m.apn(), "hologram");
        run(&mut m, "AT+CGATT=1");
        assert_eq!(run(&mut m, "AT+CGACT=1,1"), "\r\nOK\r\n");
        assert!(m.is_active());
        assert_eq!(run(&mut m, "AT+CGACT?"), "\r\n+CGACT: 1,1\r\n\r\nOK\r\n");
        assert_eq!(run(&mut m, "AT+BOGUS"), "\r\nERROR\r\n");
    }

    #[test]
    fn faults() {
        let mut m = SimModem::new(15, SimFault::NoSim);
        assert!(run(&mut m, "AT+CPIN?").contains("+CME ERROR: 10"));
        let mut m = SimModem::new(15, SimFault::Silent);
        assert_eq!(run(&mut m, "AT"), "");
        assert_eq!("silent".parse(), Ok(SimFault::Silent));
        assert!("loud".parse::<SimFault>().is_err());
    }
}
