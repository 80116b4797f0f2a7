//! The vendor-specific commands: u-blox packet-switched data, Cell Locate
//! and operator name; Quectel TCP/IP context.

use super::dialect::{args, q, Answer, Kind, Modem};
use super::model::{Family, SimModel};

impl Modem {
    /// The answer to a vendor command, or `None` for the common ones.
    pub(super) fn vendor(
        &mut self,
        name: &str,
        kind: Kind,
        rest: &str,
        raw_rest: &str,
    ) -> Option<Answer> {
        let family = self.model().family();
        let answer = match (name, kind) {
            ("+UDOPN", Kind::Set) if family == Family::Ublox => {
                if !self.registered() {
                    return Some(self.cme(30, "no network service"));
                }
                let t = rest.trim();
                Answer::ok(vec![format!("+UDOPN: {t},{}", q(&self.config.operator))])
            }
            // u-blox packet-switched data (SARA-U2: +UPSD/+UPSDA/+UPSND).
            ("+UPSD", Kind::Set) if family == Family::Ublox => {
                let a = args(raw_rest);
                if a.get(1).map(String::as_str) == Some("1") {
                    self.apn = a.get(2).cloned().unwrap_or_default();
                }
                Answer::ok(Vec::new())
            }
            ("+UPSDA", Kind::Set) if self.model() == SimModel::SaraU201 => {
                match args(rest).get(1).map(String::as_str) {
                    Some("3") => {
                        let mut a = self.activate();
                        if self.pdp_active {
                            a.urcs_after.push("+UUPSDA: 0,\"10.170.12.34\"".into());
                        }
                        a
                    }
                    Some("4") => {
                        self.pdp_active = false;
                        Answer::ok(Vec::new())
                    }
                    _ => Answer::ok(Vec::new()),
                }
            }
            ("+UPSND", Kind::Set) if family == Family::Ublox => {
                let a = args(rest);
                match a.get(1).map(String::as_str) {
                    Some("8") => Answer::ok(vec![format!(
                        "+UPSND: 0,8,{}",
                        u8::from(self.pdp_active && self.registered())
                    )]),
                    Some("0") => Answer::ok(vec![format!(
                        "+UPSND: 0,0,{}",
                        q(if self.pdp_active {
                            "10.170.12.34"
                        } else {
                            "0.0.0.0"
                        })
                    )]),
                    _ => self.cme(4, "operation not supported"),
                }
            }
            ("+UUSBCONF", Kind::Read) if self.model() == SimModel::SaraU201 => {
                Answer::ok(vec!["+UUSBCONF: 0,\"\",,\"0x1102\"".into()])
            }
            ("+UDCONF", Kind::Set) if family == Family::Ublox => Answer::ok(Vec::new()),
            ("+ULOC", Kind::Set) if self.model() == SimModel::SaraU201 => {
                // Cell Locate answers OK at once and the fix later, as a URC.
                let mut a = Answer::ok(Vec::new());
                a.urcs_after.push(self.location(&self.config.location));
                a
            }
            // Quectel TCP/IP context (+QICSGP/+QIACT/+QIDEACT).
            ("+QICSGP", Kind::Set) if family == Family::Quectel => {
                let a = args(raw_rest);
                self.apn = a.get(2).cloned().unwrap_or_default();
                Answer::ok(Vec::new())
            }
            ("+QIACT", Kind::Set) if family == Family::Quectel => self.activate(),
            ("+QIACT", Kind::Read) if family == Family::Quectel => {
                if self.pdp_active && self.registered() {
                    Answer::ok(vec!["+QIACT: 1,1,1,\"10.170.12.34\"".into()])
                } else {
                    Answer::ok(Vec::new())
                }
            }
            ("+QIDEACT", Kind::Set) if family == Family::Quectel => {
                self.pdp_active = false;
                Answer::ok(Vec::new())
            }
            _ => return None,
        };
        Some(answer)
    }
}
