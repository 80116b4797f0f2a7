//! Typed answers to the modem queries, and their parsers (3GPP TS 27.007
//! and the vendors' manuals). Parsers take the value after `+NAME:` and
//! return `None` for anything they do not understand: never a made-up value.

use std::fmt;

/// Splits a value at commas outside double quotes, unquoting each field.
pub fn fields(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_owned()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_owned());
    out
}

/// `+CSQ`: received signal strength and bit error rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    /// RSSI index: 0..=31 (GSM/UMTS), 100..=191 (TD-SCDMA), 99 unknown.
    pub rssi: u8,
    /// Bit error rate index, 0..=7, 99 unknown.
    pub ber: u8,
}

impl Signal {
    /// Parses `20,99`.
    pub fn parse(value: &str) -> Option<Signal> {
        let f = fields(value);
        let rssi = f.first()?.parse::<u8>().ok()?;
        let ber = f.get(1)?.parse::<u8>().ok()?;
        let valid = rssi <= 31 || rssi == 99 || (100..=191).contains(&rssi);
        valid.then_some(Signal { rssi, ber })
    }

    /// The strength in dBm: −113 + 2 × rssi (rssi 31 means −51 or more);
    /// `None` when the modem does not know (99).
    pub fn dbm(&self) -> Option<i32> {
        match self.rssi {
            0..=31 => Some(-113 + 2 * i32::from(self.rssi)),
            100..=191 => Some(i32::from(self.rssi) - 216),
            _ => None,
        }
    }
}

/// `+CESQ`: LTE reference signal power and quality, where the modem has it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LteSignal {
    /// RSRP in dBm (index 0..=97 → −140 .. −44).
    pub rsrp_dbm: Option<i32>,
    /// RSRQ in dB (index 0..=34 → −19.5 .. −3).
    pub rsrq_db: Option<f32>,
}

impl LteSignal {
    /// Parses `<rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>`; `None` when
    /// neither LTE value is known (255).
    pub fn parse(value: &str) -> Option<LteSignal> {
        let f = fields(value);
        let rsrq = f.get(4)?.parse::<u16>().ok()?;
        let rsrp = f.get(5)?.parse::<u16>().ok()?;
        let rsrp_dbm = (rsrp <= 97).then(|| -141 + i32::from(rsrp).max(1));
        let rsrq_db = (rsrq <= 34).then(|| -20.0 + 0.5 * f32::from(rsrq.max(1)));
        (rsrp_dbm.is_some() || rsrq_db.is_some()).then_some(LteSignal { rsrp_dbm, rsrq_db })
    }
}

/// A registration status (TS 27.007 `<stat>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegStatus {
    /// 0: not registered, not searching.
    NotSearching,
    /// 1: registered, home network.
    Home,
    /// 2: not registered, searching.
    Searching,
    /// 3: registration denied.
    Denied,
    /// 4: unknown.
    Unknown,
    /// 5: registered, roaming (Hologram SIMs roam).
    Roaming,
    /// Another value (SMS only, emergency only, ...): not usable for data.
    Other(u8),
}

impl RegStatus {
    /// From the number.
    pub fn from_code(n: u8) -> RegStatus {
        match n {
            0 => RegStatus::NotSearching,
            1 => RegStatus::Home,
            2 => RegStatus::Searching,
            3 => RegStatus::Denied,
            4 => RegStatus::Unknown,
            5 => RegStatus::Roaming,
            n => RegStatus::Other(n),
        }
    }

    /// Registered, at home or roaming.
    pub fn is_registered(self) -> bool {
        matches!(self, RegStatus::Home | RegStatus::Roaming)
    }
}

impl fmt::Display for RegStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegStatus::NotSearching => f.write_str("not registered, not searching"),
            RegStatus::Home => f.write_str("registered (home)"),
            RegStatus::Searching => f.write_str("searching"),
            RegStatus::Denied => f.write_str("registration denied"),
            RegStatus::Unknown => f.write_str("unknown"),
            RegStatus::Roaming => f.write_str("registered (roaming)"),
            RegStatus::Other(n) => write!(f, "status {n}"),
        }
    }
}

/// A radio access technology (TS 27.007 `<AcT>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rat {
    /// 0: GSM.
    Gsm,
    /// 2: UTRAN (3G).
    Utran,
    /// 3: GSM with EGPRS.
    Egprs,
    /// 4, 5, 6: UTRAN with HSDPA/HSUPA.
    Hspa,
    /// 7: E-UTRAN (LTE, and LTE-M on most modules).
    Eutran,
    /// 8: EC-GSM-IoT.
    EcGsmIot,
    /// 9: E-UTRAN NB-S1 (NB-IoT).
    NbIot,
    /// Another value.
    Other(u8),
}

impl Rat {
    /// From the number.
    pub fn from_code(n: u8) -> Rat {
        match n {
            0 => Rat::Gsm,
            2 => Rat::Utran,
            3 => Rat::Egprs,
            4..=6 => Rat::Hspa,
            7 => Rat::Eutran,
            8 => Rat::EcGsmIot,
            9 => Rat::NbIot,
            n => Rat::Other(n),
        }
    }
}

impl fmt::Display for Rat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rat::Gsm => f.write_str("GSM"),
            Rat::Utran => f.write_str("UMTS"),
            Rat::Egprs => f.write_str("EDGE"),
            Rat::Hspa => f.write_str("HSPA"),
            Rat::Eutran => f.write_str("LTE"),
            Rat::EcGsmIot => f.write_str("EC-GSM-IoT"),
            Rat::NbIot => f.write_str("NB-IoT"),
            Rat::Other(n) => write!(f, "AcT {n}"),
        }
    }
}

/// Where the modem is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The status.
    pub status: RegStatus,
    /// The technology, when the modem says (`+CREG=2` mode).
    pub rat: Option<Rat>,
    /// Which query said so (`+CREG`, `+CGREG`, `+CEREG`).
    pub source: &'static str,
}

impl Registration {
    /// Parses the answer to a registration read (`<n>,<stat>[,<lac>,<ci>[,<AcT>]]`).
    pub fn parse_read(value: &str, source: &'static str) -> Option<Registration> {
        let f = fields(value);
        let stat = f.get(1)?.parse::<u8>().ok()?;
        let rat = f
            .get(4)
            .and_then(|a| a.parse::<u8>().ok())
            .map(Rat::from_code);
        Some(Registration {
            status: RegStatus::from_code(stat),
            rat,
            source,
        })
    }

    /// Parses a registration URC (`<stat>[,<lac>,<ci>[,<AcT>]]`).
    pub fn parse_urc(value: &str, source: &'static str) -> Option<Registration> {
        let f = fields(value);
        let stat = f.first()?.parse::<u8>().ok()?;
        let rat = f
            .get(3)
            .and_then(|a| a.parse::<u8>().ok())
            .map(Rat::from_code);
        Some(Registration {
            status: RegStatus::from_code(stat),
            rat,
            source,
        })
    }
}

/// A Cell Locate fix (`+UULOC`), as the reference SDK reports it: the
/// modem's own text for each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// `dd/mm/yyyy`.
    pub date: String,
    /// `hh:mm:ss.sss`.
    pub time: String,
    /// Degrees.
    pub latitude: String,
    /// Degrees.
    pub longitude: String,
    /// Metres.
    pub altitude: String,
    /// Metres.
    pub uncertainty: String,
}

impl Location {
    /// Parses the value of `+UULOC: <date>,<time>,<lat>,<long>,<alt>,<uncertainty>[,...]`.
    pub fn parse(value: &str) -> Option<Location> {
        let f = fields(value);
        if f.len() < 6 || f[2].parse::<f64>().is_err() || f[3].parse::<f64>().is_err() {
            return None;
        }
        let mut it = f.into_iter();
        let mut next = || it.next().unwrap_or_default();
        Some(Location {
            date: next(),
            time: next(),
            latitude: next(),
            longitude: next(),
            altitude: next(),
            uncertainty: next(),
        })
    }
}

/// The operator's name from `+COPS?` (`<mode>[,<format>,<oper>[,<AcT>]]`):
/// `None` when not registered.
pub fn cops_operator(value: &str) -> Option<String> {
    let f = fields(value);
    f.get(2).filter(|o| !o.is_empty()).cloned()
}

/// A run of `min..=max` decimal digits, the whole line (IMSI, IMEI).
pub fn digits(line: &str, min: usize, max: usize) -> Option<String> {
    let t = line.trim().trim_matches('"');
    (t.len() >= min && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.to_owned())
}

/// An ICCID from its modem's text: quotes and `F` padding removed; the
/// nibble-swapped form some Huawei firmware answers (`98...` rather than
/// `89...`, ISO 7812's telecom prefix) swapped back.
pub fn iccid(text: &str) -> Option<String> {
    let t = text.trim().trim_matches('"').to_ascii_uppercase();
    if t.len() < 18 || t.len() > 22 || !t.bytes().all(|b| b.is_ascii_digit() || b == b'F') {
        return None;
    }
    let plain = if t.starts_with("98") && t.len().is_multiple_of(2) {
        let b = t.as_bytes();
        let mut out = String::with_capacity(t.len());
        for pair in b.chunks(2) {
            out.push(char::from(pair[1]));
            out.push(char::from(pair[0]));
        }
        out
    } else {
        t
    };
    let plain = plain.trim_end_matches('F');
    (plain.len() >= 18 && plain.bytes().all(|b| b.is_ascii_digit())).then(|| plain.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csq() {
        let s = Signal::parse("20,99").unwrap();
        assert_eq!(s.dbm(), Some(-73));
        assert_eq!(Signal::parse("0,0").unwrap().dbm(), Some(-113));
        assert_eq!(Signal::parse("31,0").unwrap().dbm(), Some(-51));
        assert_eq!(Signal::parse("99,99").unwrap().dbm(), None);
        assert_eq!(Signal::parse("191,99").unwrap().dbm(), Some(-25));
        assert!(Signal::parse("50,0").is_none());
        assert!(Signal::parse("x").is_none());
    }

    #[test]
    fn cesq() {
        let s = LteSignal::parse("99,99,255,255,20,45").unwrap();
        assert_eq!(s.rsrp_dbm, Some(-96));
        assert_eq!(s.rsrq_db, Some(-10.0));
        assert!(LteSignal::parse("99,99,255,255,255,255").is_none());
    }

    #[test]
    fn registration() {
        let r = Registration::parse_read("2,5,\"1A2B\",\"01C3D4E5\",2", "+CREG").unwrap();
        assert_eq!(r.status, RegStatus::Roaming);
        assert!(r.status.is_registered());
        assert_eq!(r.rat, Some(Rat::Utran));
        let r = Registration::parse_read("0,2", "+CEREG").unwrap();
        assert_eq!(r.status, RegStatus::Searching);
        assert_eq!(r.rat, None);
        let r = Registration::parse_urc("1,\"2B1F\",\"0A1B2C3D\",7", "+CEREG").unwrap();
        assert_eq!(r.status, RegStatus::Home);
        assert_eq!(r.rat, Some(Rat::Eutran));
        assert!(Registration::parse_read("2", "+CREG").is_none());
    }

    #[test]
    fn operator_location_identities() {
        assert_eq!(cops_operator("0,0,\"AT&T\",7").as_deref(), Some("AT&T"));
        assert_eq!(cops_operator("0,0,\"A,B\",7").as_deref(), Some("A,B"));
        assert_eq!(cops_operator("0"), None);
        let l = Location::parse("01/12/2026,10:00:00.000,41.8781136,-87.6297982,181,40").unwrap();
        assert_eq!(l.latitude, "41.8781136");
        assert_eq!(l.uncertainty, "40");
        assert!(Location::parse("01/12/2026,10:00:00.000,x,y,1,2").is_none());
        assert_eq!(
            digits("310410111851072", 6, 15).as_deref(),
            Some("310410111851072")
        );
        assert!(digits("3104x", 1, 15).is_none());
        assert_eq!(
            iccid("89014103211118510720").as_deref(),
            Some("89014103211118510720")
        );
        assert_eq!(
            iccid("\"98101430121181157002\"").as_deref(),
            Some("89014103211118510720")
        );
        assert_eq!(
            iccid("981014301211811570F2").as_deref(),
            Some("8901410321111851072")
        );
        assert_eq!(
            iccid("8901410321111851072F").as_deref(),
            Some("8901410321111851072")
        );
        assert!(iccid("hello").is_none());
    }
}
