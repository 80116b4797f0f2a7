//! Quectel BG96, EC21, EC25.

use super::{bare, parse_error, ModemDriver, SocketDialect, Timeouts};
use crate::at::AtChannel;
use crate::error::CellularError;
use crate::model::Model;
use crate::query;

#[derive(Debug)]
pub(super) struct Quectel {
    pub(super) model: Model,
}

impl ModemDriver for Quectel {
    fn model(&self) -> Model {
        self.model
    }

    fn registration_queries(&self) -> &'static [&'static str] {
        &["+CEREG", "+CREG"]
    }

    fn iccid(&self, at: &mut AtChannel, t: &Timeouts) -> Result<String, CellularError> {
        // The manuals' command (the reference sends +CCID, which the
        // firmware also takes).
        let r = at.command("AT+QCCID", t.command)?;
        r.value("+QCCID")
            .and_then(query::iccid)
            .ok_or_else(|| parse_error("AT+QCCID", &r))
    }

    fn firmware(&self, at: &mut AtChannel, t: &Timeouts) -> Result<String, CellularError> {
        bare(at, "AT+QGMR", t.command)
    }

    fn sockets(&self) -> Option<SocketDialect> {
        Some(SocketDialect::Quectel)
    }

    fn context_up(&self, at: &mut AtChannel, apn: &str, t: &Timeouts) -> Result<(), CellularError> {
        at.command(&format!("AT+QICSGP=1,1,\"{apn}\",\"\",\"\",1"), t.command)?;
        at.command("AT+QIACT=1", t.context)?;
        Ok(())
    }

    fn context_down(&self, at: &mut AtChannel, t: &Timeouts) -> Result<(), CellularError> {
        // The manuals' +QIDEACT for every model (the reference's BG96 class
        // sends +QIACT=0, which activates context 0 rather than deactivating).
        at.command("AT+QIDEACT=1", t.context)?;
        Ok(())
    }

    fn context_active(&self, at: &mut AtChannel, t: &Timeouts) -> Result<bool, CellularError> {
        let r = at.command("AT+QIACT?", t.command)?;
        Ok(r.lines.iter().any(|l| {
            l.strip_prefix("+QIACT:")
                .map(query::fields)
                .is_some_and(|f| {
                    f.first().map(String::as_str) == Some("1")
                        && f.get(1).map(String::as_str) == Some("1")
                })
        }))
    }
}
