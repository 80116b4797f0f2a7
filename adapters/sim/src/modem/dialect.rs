//! What the simulated modem answers to each AT command, per dialect
//! (u-blox SARA, Quectel, Huawei, plain 3GPP TS 27.007), from the vendors'
//! AT manuals.

use super::model::{Family, SimModel};
use super::{ModemSimConfig, SimLocation};

/// Which registration command a query is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reg {
    /// `+CREG`: circuit-switched.
    Cs,
    /// `+CGREG`: GPRS/UMTS packet.
    Gprs,
    /// `+CEREG`: LTE (EPS).
    Eps,
}

impl Reg {
    fn name(self) -> &'static str {
        match self {
            Reg::Cs => "+CREG",
            Reg::Gprs => "+CGREG",
            Reg::Eps => "+CEREG",
        }
    }
}

/// The modem's state.
#[derive(Debug)]
pub(crate) struct Modem {
    pub(crate) config: ModemSimConfig,
    pub(crate) echo: bool,
    pub(super) cmee: u8,
    pub(super) cfun: u8,
    pub(super) urc_mode: [u8; 3],
    pub(crate) apn: String,
    pub(crate) pdp_active: bool,
    /// Registration lost by the fault plan (or the controller).
    pub(crate) lost: bool,
    pub(crate) resets: u64,
}

/// An answer: the lines to send, and URCs to send after it.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub(crate) lines: Vec<String>,
    pub(crate) urcs_after: Vec<String>,
}

impl Answer {
    pub(super) fn ok(lines: Vec<String>) -> Self {
        let mut lines = lines;
        lines.push("OK".into());
        Answer {
            lines,
            urcs_after: Vec::new(),
        }
    }
    pub(super) fn fin(line: String) -> Self {
        Answer {
            lines: vec![line],
            urcs_after: Vec::new(),
        }
    }
}

pub(super) fn q(s: &str) -> String {
    format!("\"{s}\"")
}

/// The quoted arguments of a set command, unquoted.
pub(super) fn args(rest: &str) -> Vec<String> {
    rest.split(',')
        .map(|a| a.trim().trim_matches('"').to_owned())
        .collect()
}

impl Modem {
    pub(crate) fn new(config: ModemSimConfig) -> Self {
        Modem {
            config,
            echo: true,
            cmee: 0,
            cfun: 1,
            urc_mode: [0; 3],
            apn: String::new(),
            pdp_active: false,
            lost: false,
            resets: 0,
        }
    }

    pub(super) fn model(&self) -> SimModel {
        self.config.model
    }

    fn sim_ready(&self) -> bool {
        self.config.card.is_some() && !self.config.faults.sim_pin
    }

    /// The TS 27.007 registration status for `reg`.
    fn stat(&self, reg: Reg) -> u8 {
        if self.cfun != 1 || !self.sim_ready() {
            return 0;
        }
        if self.config.faults.not_registered || self.lost {
            return 2;
        }
        // An LTE-M module has no circuit-switched domain (SARA-R410).
        if reg == Reg::Cs && self.model() == SimModel::SaraR410 {
            return 0;
        }
        if self.config.roaming {
            5
        } else {
            1
        }
    }

    pub(crate) fn registered(&self) -> bool {
        let reg = if self.model().lte() {
            Reg::Eps
        } else {
            Reg::Gprs
        };
        matches!(self.stat(reg), 1 | 5)
    }

    /// The URCs announcing a registration change, for the enabled kinds.
    pub(crate) fn registration_urcs(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, reg) in [Reg::Cs, Reg::Gprs, Reg::Eps].into_iter().enumerate() {
            if self.urc_mode[i] > 0 && self.supports(reg) {
                out.push(format!("{}: {}", reg.name(), self.stat(reg)));
            }
        }
        out
    }

    fn supports(&self, reg: Reg) -> bool {
        reg != Reg::Eps || self.model().lte()
    }

    /// An error answer as `AT+CMEE` asks.
    pub(super) fn cme(&self, code: u16, words: &str) -> Answer {
        Answer::fin(match self.cmee {
            0 => "ERROR".into(),
            1 => format!("+CME ERROR: {code}"),
            _ => format!("+CME ERROR: {words}"),
        })
    }

    fn no_sim(&self) -> Option<Answer> {
        if self.config.card.is_none() {
            return Some(self.cme(10, "SIM not inserted"));
        }
        if self.config.faults.sim_pin {
            return Some(self.cme(11, "SIM PIN required"));
        }
        None
    }

    /// Resets the modem to its power-on state.
    fn reset(&mut self) {
        self.echo = true;
        self.cmee = 0;
        self.cfun = 1;
        self.urc_mode = [0; 3];
        self.pdp_active = false;
        self.resets += 1;
    }

    fn reg_read(&self, reg: Reg) -> Answer {
        if !self.supports(reg) {
            return Answer::fin("ERROR".into());
        }
        let i = reg as usize;
        let n = self.urc_mode[i];
        let stat = self.stat(reg);
        let mut line = format!("{}: {n},{stat}", reg.name());
        if n == 2 && matches!(stat, 1 | 5) {
            let (area, cell) = if reg == Reg::Eps {
                ("2B1F", "0A1B2C3D")
            } else {
                ("1A2B", "01C3D4E5")
            };
            line.push_str(&format!(",{},{},{}", q(area), q(cell), self.model().act()));
        }
        Answer::ok(vec![line])
    }

    pub(super) fn activate(&mut self) -> Answer {
        if let Some(a) = self.no_sim() {
            return a;
        }
        if !self.registered() {
            return self.cme(30, "no network service");
        }
        self.pdp_active = true;
        Answer::ok(Vec::new())
    }

    pub(super) fn location(&self, loc: &SimLocation) -> String {
        format!(
            "+UULOC: {},{},{},{},{},{}",
            loc.date, loc.time, loc.latitude, loc.longitude, loc.altitude, loc.uncertainty
        )
    }

    /// Answers one command line (without its line end).
    pub(crate) fn answer(&mut self, line: &str) -> Answer {
        let up = line.trim().to_ascii_uppercase();
        let Some(body) = up.strip_prefix("AT") else {
            return Answer::fin("ERROR".into());
        };
        // The original text, for arguments whose case matters (the APN).
        let raw = line.trim().get(2..).unwrap_or_default();
        let family = self.model().family();
        let (name, kind, rest) = split(body);
        let raw_rest = raw.get(raw.len() - rest.len()..).unwrap_or(rest);
        if let Some(a) = self.vendor(name, kind, rest, raw_rest) {
            return a;
        }
        let card = self.config.card.clone();
        match (name, kind) {
            ("", Kind::Exec) | ("Z", _) | ("&F", _) | ("V1", _) | ("Q0", _) => {
                Answer::ok(Vec::new())
            }
            ("E0", _) => {
                self.echo = false;
                Answer::ok(Vec::new())
            }
            ("E1", _) | ("E", _) => {
                self.echo = true;
                Answer::ok(Vec::new())
            }
            ("I", Kind::Exec) => {
                let (man, model, rev) = self.model().identity();
                Answer::ok(vec![man.into(), model.into(), format!("Revision: {rev}")])
            }
            ("I9", Kind::Exec) if family == Family::Ublox => {
                Answer::ok(vec![self.model().ati9().into()])
            }
            ("+CMEE", Kind::Set) => match rest.trim().parse::<u8>() {
                Ok(n @ 0..=2) => {
                    self.cmee = n;
                    Answer::ok(Vec::new())
                }
                _ => Answer::fin("ERROR".into()),
            },
            ("+CMEE", Kind::Read) => Answer::ok(vec![format!("+CMEE: {}", self.cmee)]),
            ("+CGMI" | "+GMI", Kind::Exec) => Answer::ok(vec![self.model().identity().0.into()]),
            ("+CGMM" | "+GMM", Kind::Exec) => Answer::ok(vec![self.model().identity().1.into()]),
            ("+CGMR" | "+GMR", Kind::Exec) => Answer::ok(vec![self.model().identity().2.into()]),
            ("+QGMR", Kind::Exec) if family == Family::Quectel => {
                Answer::ok(vec![format!("{}_1.001.001", self.model().identity().2)])
            }
            ("+CGSN" | "+GSN", Kind::Exec) => Answer::ok(vec![self.config.imei.clone()]),
            ("+CPIN", Kind::Read) => match (&card, self.config.faults.sim_pin) {
                (None, _) => self.cme(10, "SIM not inserted"),
                (Some(_), true) => Answer::ok(vec!["+CPIN: SIM PIN".into()]),
                (Some(_), false) => Answer::ok(vec!["+CPIN: READY".into()]),
            },
            ("+CPIN", Kind::Set) => self.cme(3, "operation not allowed"),
            ("+CIMI", Kind::Exec) => match self.no_sim() {
                Some(a) => a,
                None => Answer::ok(vec![card.map(|c| c.imsi).unwrap_or_default()]),
            },
            // +CCID: u-blox (and, beyond their manuals, Quectel and many
            // others accept it too; the reference SDK sends it to all).
            ("+CCID", Kind::Exec | Kind::Read) if family != Family::Huawei => {
                match (&card, family) {
                    (None, _) => self.cme(10, "SIM not inserted"),
                    (Some(c), _) => Answer::ok(vec![format!("+CCID: {}", c.iccid)]),
                }
            }
            ("+QCCID", Kind::Exec) if family == Family::Quectel => match &card {
                None => self.cme(10, "SIM not inserted"),
                Some(c) => Answer::ok(vec![format!("+QCCID: {}", c.iccid)]),
            },
            // Huawei: the raw EF_ICCID, each pair of digits swapped, odd
            // lengths padded with F.
            ("^ICCID", Kind::Read) if family == Family::Huawei => match &card {
                None => self.cme(10, "SIM not inserted"),
                Some(c) => Answer::ok(vec![format!("^ICCID: {}", q(&swap_pairs(&c.iccid)))]),
            },
            ("+CSQ", Kind::Exec) => {
                let rssi = if self.cfun == 1 { self.config.csq } else { 99 };
                Answer::ok(vec![format!("+CSQ: {rssi},99")])
            }
            ("+CESQ", Kind::Exec) if self.model().lte() => {
                let (rsrq, rsrp) = if self.cfun == 1 {
                    (self.config.rsrq, self.config.rsrp)
                } else {
                    (255, 255)
                };
                Answer::ok(vec![format!("+CESQ: 99,99,255,255,{rsrq},{rsrp}")])
            }
            ("+CREG", Kind::Read) => self.reg_read(Reg::Cs),
            ("+CGREG", Kind::Read) => self.reg_read(Reg::Gprs),
            ("+CEREG", Kind::Read) => self.reg_read(Reg::Eps),
            ("+CREG" | "+CGREG" | "+CEREG", Kind::Set) => {
                let reg = match name {
                    "+CREG" => Reg::Cs,
                    "+CGREG" => Reg::Gprs,
                    _ => Reg::Eps,
                };
                match rest.trim().parse::<u8>() {
                    Ok(n @ 0..=2) if self.supports(reg) => {
                        self.urc_mode[reg as usize] = n;
                        Answer::ok(Vec::new())
                    }
                    _ => Answer::fin("ERROR".into()),
                }
            }
            ("+COPS", Kind::Read) => {
                let reg = if self.model().lte() {
                    Reg::Eps
                } else {
                    Reg::Gprs
                };
                if matches!(self.stat(reg), 1 | 5) {
                    Answer::ok(vec![format!(
                        "+COPS: 0,0,{},{}",
                        q(&self.config.operator),
                        self.model().act()
                    )])
                } else {
                    Answer::ok(vec!["+COPS: 0".into()])
                }
            }
            ("+COPS", Kind::Set) => Answer::ok(Vec::new()),
            ("+CFUN", Kind::Read) => Answer::ok(vec![format!("+CFUN: {}", self.cfun)]),
            ("+CFUN", Kind::Set) => {
                let a = args(rest);
                let fun = a.first().and_then(|f| f.parse::<u8>().ok());
                let rst = a.get(1).is_some_and(|r| r == "1");
                match (fun, family) {
                    (Some(16), Family::Ublox) if self.model() == SimModel::SaraU201 => self.reset(),
                    (Some(15), Family::Ublox) if self.model() == SimModel::SaraR410 => self.reset(),
                    (Some(1), _) if rst => self.reset(),
                    (Some(f @ (0 | 1 | 4)), _) => {
                        self.cfun = f;
                        if f != 1 {
                            self.pdp_active = false;
                        }
                    }
                    _ => return self.cme(4, "operation not supported"),
                }
                Answer::ok(Vec::new())
            }
            ("+CGDCONT", Kind::Set) => {
                let a = args(raw_rest);
                self.apn = a.get(2).cloned().unwrap_or_default();
                Answer::ok(Vec::new())
            }
            ("+CGDCONT", Kind::Read) => Answer::ok(vec![format!(
                "+CGDCONT: 1,\"IP\",{},\"0.0.0.0\",0,0",
                q(&self.apn)
            )]),
            ("+CGATT", Kind::Set) => {
                if rest.trim() == "1" && !self.registered() {
                    return self.cme(30, "no network service");
                }
                Answer::ok(Vec::new())
            }
            ("+CGATT", Kind::Read) => {
                Answer::ok(vec![format!("+CGATT: {}", u8::from(self.registered()))])
            }
            ("+CGACT", Kind::Set) => match args(rest).first().map(String::as_str) {
                Some("1") => self.activate(),
                Some("0") => {
                    self.pdp_active = false;
                    Answer::ok(Vec::new())
                }
                _ => Answer::fin("ERROR".into()),
            },
            ("+CGACT", Kind::Read) => Answer::ok(vec![format!(
                "+CGACT: 1,{}",
                u8::from(self.pdp_active && self.registered())
            )]),
            ("+CGPADDR", _) => Answer::ok(vec![format!(
                "+CGPADDR: 1,{}",
                q(if self.pdp_active {
                    "10.170.12.34"
                } else {
                    "0.0.0.0"
                })
            )]),
            // Settings the reference SDK makes at start-up; accepted.
            (
                "+CTZU" | "+CTZR" | "+CMGF" | "+CNMI" | "+CSCS" | "+QCFG" | "+URAT" | "+UMNOPROF",
                Kind::Set,
            ) => Answer::ok(Vec::new()),
            ("+CPMS", Kind::Set) => match self.no_sim() {
                Some(a) => a,
                None => Answer::ok(vec!["+CPMS: 0,40,0,40,0,40".into()]),
            },
            _ => Answer::fin("ERROR".into()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Exec,
    Read,
    Test,
    Set,
}

/// `+CREG?` → (`+CREG`, Read, ``); `+CREG=2` → (`+CREG`, Set, `2`);
/// `E0` → (`E0`, Exec, ``).
fn split(body: &str) -> (&str, Kind, &str) {
    if let Some(n) = body.strip_suffix("=?") {
        return (n, Kind::Test, "");
    }
    if let Some((n, rest)) = body.split_once('=') {
        return (n, Kind::Set, rest);
    }
    if let Some(n) = body.strip_suffix('?') {
        return (n, Kind::Read, "");
    }
    (body, Kind::Exec, "")
}

/// Swaps each pair of digits, padding an odd length with `F` first.
pub(crate) fn swap_pairs(digits: &str) -> String {
    let mut s: Vec<char> = digits.chars().collect();
    if s.len() % 2 == 1 {
        s.push('F');
    }
    s.chunks(2).flat_map(|p| [p[1], p[0]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swapped_iccid() {
        assert_eq!(swap_pairs("8901410321111851072"), "981014301211811570F2");
        assert_eq!(swap_pairs("89014103211118510720"), "98101430121181157002");
    }

    #[test]
    fn split_commands() {
        assert_eq!(split("+CREG?"), ("+CREG", Kind::Read, ""));
        assert_eq!(split("+CREG=2"), ("+CREG", Kind::Set, "2"));
        assert_eq!(split("+CREG=?"), ("+CREG", Kind::Test, ""));
        assert_eq!(split("E0"), ("E0", Kind::Exec, ""));
    }
}
