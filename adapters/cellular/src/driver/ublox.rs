//! u-blox SARA-U201 (Nova 3G) and SARA-R410M (Nova LTE-M).

use super::{bare, parse_error, ModemDriver, SocketDialect, Timeouts};
use crate::at::{AtChannel, AtError};
use crate::error::CellularError;
use crate::model::Model;
use crate::query::{self, Location};

#[derive(Debug)]
pub(super) struct Ublox {
    pub(super) model: Model,
}

impl Ublox {
    fn u201(&self) -> bool {
        self.model == Model::SaraU201
    }
}

impl ModemDriver for Ublox {
    fn model(&self) -> Model {
        self.model
    }

    fn registration_queries(&self) -> &'static [&'static str] {
        if self.u201() {
            &["+CGREG", "+CREG"]
        } else {
            &["+CEREG"]
        }
    }

    /// The SARA-U201's USB profile: in mode 2 (ECM: one network interface,
    /// fewer serial ports) the reference SDK switches it back to mode 0
    /// (several ACM ports) and restarts it; here it is only reported, with
    /// the commands to do it.
    fn check_quirks(&self, at: &mut AtChannel, t: &Timeouts) -> Result<(), AtError> {
        if !self.u201() {
            return Ok(());
        }
        match at.command("AT+UUSBCONF?", t.command) {
            Ok(r) => {
                let mode = r.value("+UUSBCONF").map(query::fields);
                if mode.as_ref().and_then(|f| f.first()).map(String::as_str) == Some("2") {
                    log::warn!(
                        target: "Cellular",
                        "the SARA-U201 is in USB mode 2 (ECM); the SDK expects mode 0: \
                         hologram modem command 'AT+UUSBCONF=0', then hologram modem reset"
                    );
                }
                Ok(())
            }
            Err(e) if e.is_channel_failure() => Err(e),
            Err(_) => Ok(()),
        }
    }

    fn operator(&self, at: &mut AtChannel, t: &Timeouts) -> Result<Option<String>, CellularError> {
        if !self.u201() {
            let r = at.command("AT+COPS?", t.command)?;
            return match r.value("+COPS") {
                Some(v) => Ok(query::cops_operator(v)),
                None => Err(parse_error("AT+COPS?", &r)),
            };
        }
        // The reference's +UDOPN=12; it errs when not registered.
        match at.command("AT+UDOPN=12", t.command) {
            Ok(r) => Ok(r
                .value("+UDOPN")
                .map(query::fields)
                .and_then(|f| f.get(1).cloned())
                .filter(|o| !o.is_empty())),
            Err(e) if e.cme_code() == Some(30) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn firmware(&self, at: &mut AtChannel, t: &Timeouts) -> Result<String, CellularError> {
        bare(at, "ATI9", t.command)
    }

    fn reset_command(&self) -> &'static str {
        if self.u201() {
            "AT+CFUN=16"
        } else {
            "AT+CFUN=15"
        }
    }

    fn sockets(&self) -> Option<SocketDialect> {
        Some(SocketDialect::Ublox)
    }

    fn location(&self, at: &mut AtChannel, t: &Timeouts) -> Result<Location, CellularError> {
        if !self.u201() {
            return Err(CellularError::Unsupported {
                what: "location (Cell Locate)",
                model: self.model.description(),
            });
        }
        // Cell Locate needs the data context; single shot, cell-based,
        // standard answer, timeout 10 s, accuracy 10 m (the reference's).
        if !self.context_active(at, t)? {
            return Err(CellularError::Parse {
                command: "AT+ULOC",
                detail: "Cell Locate needs the data context: connect first".into(),
            });
        }
        let _ = at.take_urcs();
        at.command("AT+ULOC=2,2,0,10,10", t.command)?;
        let urc = at.wait_urc("+UULOC", t.location)?;
        let value = urc.strip_prefix("+UULOC:").unwrap_or_default();
        Location::parse(value).ok_or(CellularError::Parse {
            command: "AT+ULOC",
            detail: "the +UULOC fix is not in the expected form".into(),
        })
    }

    fn context_up(&self, at: &mut AtChannel, apn: &str, t: &Timeouts) -> Result<(), CellularError> {
        if !self.u201() {
            // SARA-R4: the EPS default bearer comes with attach; the APN
            // goes in context 1.
            at.command(&format!("AT+CGDCONT=1,\"IP\",\"{apn}\""), t.command)?;
            at.command("AT+CGACT=1,1", t.context)?;
            return Ok(());
        }
        at.command(&format!("AT+UPSD=0,1,\"{apn}\""), t.command)?;
        at.command("AT+UPSD=0,7,\"0.0.0.0\"", t.command)?;
        at.command("AT+UPSDA=0,3", t.context)?;
        Ok(())
    }

    fn context_down(&self, at: &mut AtChannel, t: &Timeouts) -> Result<(), CellularError> {
        if self.u201() {
            at.command("AT+UPSDA=0,4", t.context)?;
        } else {
            at.command("AT+CGACT=0,1", t.context)?;
        }
        Ok(())
    }

    fn context_active(&self, at: &mut AtChannel, t: &Timeouts) -> Result<bool, CellularError> {
        if !self.u201() {
            let r = at.command("AT+CGACT?", t.command)?;
            return Ok(r.lines.iter().any(|l| l.replace(' ', "") == "+CGACT:1,1"));
        }
        let r = at.command("AT+UPSND=0,8", t.command)?;
        let f = r.value("+UPSND").map(query::fields).unwrap_or_default();
        Ok(f.get(2).map(String::as_str) == Some("1"))
    }
}
