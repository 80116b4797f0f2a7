//! One driver per dialect family behind the [`ModemDriver`] trait: what to
//! send for each query and control, and each family's quirks.
//!
//! | | u-blox SARA-U201 | u-blox SARA-R410 | Quectel BG96/EC2x | Huawei | generic |
//! |---|---|---|---|---|---|
//! | registration | `+CREG`, `+CGREG` | `+CEREG` | `+CREG`, `+CEREG` | `+CREG`, `+CGREG` | all three |
//! | ICCID | `+CCID` | `+CCID` | `+QCCID` | `^ICCID?` (nibble-swapped) | `+CCID` |
//! | operator | `+UDOPN=12` | `+COPS?` | `+COPS?` | `+COPS?` | `+COPS?` |
//! | firmware | `ATI9` | `ATI9` | `+QGMR` | `+CGMR` | `+CGMR` |
//! | data context | `+UPSD`/`+UPSDA`/`+UPSND` | `+CGDCONT`/`+CGACT` | `+QICSGP`/`+QIACT`/`+QIDEACT` | `+CGDCONT`/`+CGACT` | `+CGDCONT`/`+CGACT` |
//! | reset | `+CFUN=16` | `+CFUN=15` | `+CFUN=1,1` | `+CFUN=1,1` | `+CFUN=1,1` |
//! | location | `+ULOC` → `+UULOC` | no | no | no | no |
//! | AT sockets (next) | `+USOCR`... | `+USOCR`... | `+QIOPEN`... | no | no |

mod quectel;
mod ublox;

use std::fmt;
use std::time::Duration;

use crate::at::{AtChannel, AtError, Response};
use crate::error::CellularError;
use crate::model::{Family, Model};
use crate::query::{self, Location};

/// The AT socket dialect a model offers (used by the data path of the next
/// layer; listed here so that each driver says what it has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketDialect {
    /// u-blox `+USOCR/+USOCO/+USOWR/+USORD/+USOCL`, data URC `+UUSORD`.
    Ublox,
    /// Quectel `+QIOPEN/+QISEND/+QIRD/+QICLOSE`, data URC `+QIURC`.
    Quectel,
}

/// Timeouts the drivers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// An ordinary command.
    pub command: Duration,
    /// Activating or deactivating a data context (the reference allows 30 s).
    pub context: Duration,
    /// Waiting for a Cell Locate fix.
    pub location: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            command: Duration::from_secs(5),
            context: Duration::from_secs(30),
            location: Duration::from_secs(20),
        }
    }
}

/// What differs between modem families. Every method has the 3GPP TS
/// 27.007 behaviour by default; a family overrides what it does otherwise.
pub trait ModemDriver: Send + Sync + fmt::Debug {
    /// The model.
    fn model(&self) -> Model;

    /// Sent once after opening: echo off, numeric `+CME ERROR`s, and the
    /// registration URCs the model reports.
    fn init_commands(&self) -> Vec<&'static str> {
        let mut v = vec!["ATE0", "AT+CMEE=1"];
        v.extend(self.registration_queries().iter().map(|q| match *q {
            "+CREG" => "AT+CREG=2",
            "+CGREG" => "AT+CGREG=2",
            _ => "AT+CEREG=2",
        }));
        v
    }

    /// Checks the model's known pitfalls after initialisation and warns
    /// (never changes the modem's configuration behind the user's back).
    fn check_quirks(&self, _at: &mut AtChannel, _t: &Timeouts) -> Result<(), AtError> {
        Ok(())
    }

    /// Which registration queries tell this model's state, best first.
    fn registration_queries(&self) -> &'static [&'static str] {
        &["+CEREG", "+CGREG", "+CREG"]
    }

    /// The SIM's ICCID.
    fn iccid(&self, at: &mut AtChannel, t: &Timeouts) -> Result<String, CellularError> {
        let r = at.command("AT+CCID", t.command)?;
        let v = r.value("+CCID").or_else(|| r.bare());
        v.and_then(query::iccid)
            .ok_or_else(|| parse_error("AT+CCID", &r))
    }

    /// The operator's name; `None` when not registered.
    fn operator(&self, at: &mut AtChannel, t: &Timeouts) -> Result<Option<String>, CellularError> {
        let r = at.command("AT+COPS?", t.command)?;
        match r.value("+COPS") {
            Some(v) => Ok(query::cops_operator(v)),
            None => Err(parse_error("AT+COPS?", &r)),
        }
    }

    /// The firmware version.
    fn firmware(&self, at: &mut AtChannel, t: &Timeouts) -> Result<String, CellularError> {
        bare(at, "AT+CGMR", t.command)
    }

    /// Whether `AT+CESQ` gives LTE RSRP/RSRQ on this model.
    fn has_cesq(&self) -> bool {
        self.model().lte()
    }

    /// The command that restarts the modem.
    fn reset_command(&self) -> &'static str {
        "AT+CFUN=1,1"
    }

    /// The modem's own socket commands, if it has them.
    fn sockets(&self) -> Option<SocketDialect> {
        None
    }

    /// A location fix, where the model has one.
    fn location(&self, _at: &mut AtChannel, _t: &Timeouts) -> Result<Location, CellularError> {
        Err(CellularError::Unsupported {
            what: "location",
            model: self.model().description(),
        })
    }

    /// Sets the APN and brings the data context (PDP) up.
    fn context_up(&self, at: &mut AtChannel, apn: &str, t: &Timeouts) -> Result<(), CellularError> {
        at.command(&format!("AT+CGDCONT=1,\"IP\",\"{apn}\""), t.command)?;
        at.command("AT+CGATT=1", t.context)?;
        at.command("AT+CGACT=1,1", t.context)?;
        Ok(())
    }

    /// Takes the data context down.
    fn context_down(&self, at: &mut AtChannel, t: &Timeouts) -> Result<(), CellularError> {
        at.command("AT+CGACT=0,1", t.context)?;
        Ok(())
    }

    /// Whether the data context is up.
    fn context_active(&self, at: &mut AtChannel, t: &Timeouts) -> Result<bool, CellularError> {
        let r = at.command("AT+CGACT?", t.command)?;
        Ok(r.lines.iter().any(|l| {
            l.strip_prefix("+CGACT:")
                .map(query::fields)
                .is_some_and(|f| {
                    f.first().map(String::as_str) == Some("1")
                        && f.get(1).map(String::as_str) == Some("1")
                })
        }))
    }
}

/// The driver for `model`.
pub fn driver(model: Model) -> Box<dyn ModemDriver> {
    match model.family() {
        Family::Ublox => Box::new(ublox::Ublox { model }),
        Family::Quectel => Box::new(quectel::Quectel { model }),
        Family::Huawei => Box::new(Generic {
            model,
            huawei: true,
        }),
        Family::Generic => Box::new(Generic {
            model,
            huawei: false,
        }),
    }
}

/// A plain 27.007 modem; Huawei sticks add `^ICCID`.
#[derive(Debug)]
struct Generic {
    model: Model,
    huawei: bool,
}

impl ModemDriver for Generic {
    fn model(&self) -> Model {
        self.model
    }

    fn registration_queries(&self) -> &'static [&'static str] {
        if self.huawei {
            &["+CGREG", "+CREG"]
        } else {
            &["+CEREG", "+CGREG", "+CREG"]
        }
    }

    fn init_commands(&self) -> Vec<&'static str> {
        // A generic modem may lack +CEREG; the modem layer ignores a
        // refused URC setting.
        let mut v = vec!["ATE0", "AT+CMEE=1", "AT+CREG=2", "AT+CGREG=2"];
        if !self.huawei {
            v.push("AT+CEREG=2");
        }
        v
    }

    fn iccid(&self, at: &mut AtChannel, t: &Timeouts) -> Result<String, CellularError> {
        if !self.huawei {
            let r = at.command("AT+CCID", t.command)?;
            let v = r.value("+CCID").or_else(|| r.bare());
            return v
                .and_then(query::iccid)
                .ok_or_else(|| parse_error("AT+CCID", &r));
        }
        let r = at.command("AT^ICCID?", t.command)?;
        r.value("^ICCID")
            .and_then(query::iccid)
            .ok_or_else(|| parse_error("AT^ICCID?", &r))
    }
}

/// The last bare line of a command's answer.
pub(crate) fn bare(
    at: &mut AtChannel,
    cmd: &'static str,
    t: Duration,
) -> Result<String, CellularError> {
    let r = at.command(cmd, t)?;
    r.bare()
        .map(str::to_owned)
        .ok_or_else(|| parse_error(cmd, &r))
}

/// An answer that could not be understood; says how it looked, not what
/// it said (it may hold an identity).
pub(crate) fn parse_error(command: &'static str, r: &Response) -> CellularError {
    CellularError::Parse {
        command,
        detail: format!("{} line(s), none in the expected form", r.lines.len()),
    }
}

/// A command whose failure is only worth a debug line (URC settings some
/// firmware refuses).
pub(crate) fn best_effort(at: &mut AtChannel, cmd: &str, t: Duration) -> Result<(), AtError> {
    match at.command(cmd, t) {
        Ok(_) => Ok(()),
        Err(e) if e.is_channel_failure() => Err(e),
        Err(e) => {
            log::debug!(target: "Cellular", "{e} (ignored)");
            Ok(())
        }
    }
}
