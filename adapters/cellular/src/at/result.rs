//! Final result codes: how a command's answer ends, and the 3GPP meaning of
//! `+CME ERROR` (TS 27.007 §9.2) and `+CMS ERROR` (TS 27.005 §3.2.5).

use std::fmt;

/// How a command's answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Final {
    /// `OK` (or Quectel's `SEND OK`).
    Ok,
    /// `ERROR`, with no detail.
    Error,
    /// `+CME ERROR: <n>`: an equipment or network error.
    Cme(ErrorCode),
    /// `+CMS ERROR: <n>`: an SMS error.
    Cms(ErrorCode),
    /// `NO CARRIER`, `BUSY`, `NO ANSWER`, `NO DIALTONE`, `SEND FAIL`, `ABORTED`.
    Other(String),
}

/// A numbered (or, under `AT+CMEE=2`, worded) error and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode {
    /// The number, when the modem gave one or its words are known.
    pub code: Option<u16>,
    /// The meaning in words: from the 3GPP tables, else the modem's own text.
    pub meaning: String,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(c) => write!(f, "{c} ({})", self.meaning),
            None => f.write_str(&self.meaning),
        }
    }
}

/// Whether `line` ends a command's answer, and how.
pub fn classify(line: &str) -> Option<Final> {
    match line {
        "OK" | "SEND OK" => return Some(Final::Ok),
        "ERROR" => return Some(Final::Error),
        "NO CARRIER" | "BUSY" | "NO ANSWER" | "NO DIALTONE" | "SEND FAIL" | "ABORTED" => {
            return Some(Final::Other(line.to_owned()))
        }
        _ => {}
    }
    if let Some(rest) = line.strip_prefix("+CME ERROR:") {
        return Some(Final::Cme(code(rest.trim(), CME)));
    }
    if let Some(rest) = line.strip_prefix("+CMS ERROR:") {
        return Some(Final::Cms(code(rest.trim(), CMS)));
    }
    None
}

fn code(text: &str, table: &[(u16, &str)]) -> ErrorCode {
    if let Ok(n) = text.parse::<u16>() {
        let meaning = table
            .iter()
            .find(|(c, _)| *c == n)
            .map_or_else(|| "unknown error code".to_owned(), |(_, m)| (*m).to_owned());
        return ErrorCode {
            code: Some(n),
            meaning,
        };
    }
    // AT+CMEE=2: the modem already gave the words; find their number.
    let found = table.iter().find(|(_, m)| m.eq_ignore_ascii_case(text));
    ErrorCode {
        code: found.map(|(c, _)| *c),
        meaning: text.chars().take(120).collect(),
    }
}

/// `+CME ERROR` meanings, 3GPP TS 27.007 §9.2.
pub const CME: &[(u16, &str)] = &[
    (0, "phone failure"),
    (1, "no connection to phone"),
    (2, "phone-adaptor link reserved"),
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (5, "PH-SIM PIN required"),
    (6, "PH-FSIM PIN required"),
    (7, "PH-FSIM PUK required"),
    (10, "SIM not inserted"),
    (11, "SIM PIN required"),
    (12, "SIM PUK required"),
    (13, "SIM failure"),
    (14, "SIM busy"),
    (15, "SIM wrong"),
    (16, "incorrect password"),
    (17, "SIM PIN2 required"),
    (18, "SIM PUK2 required"),
    (20, "memory full"),
    (21, "invalid index"),
    (22, "not found"),
    (23, "memory failure"),
    (24, "text string too long"),
    (25, "invalid characters in text string"),
    (26, "dial string too long"),
    (27, "invalid characters in dial string"),
    (30, "no network service"),
    (31, "network timeout"),
    (32, "network not allowed - emergency calls only"),
    (40, "network personalization PIN required"),
    (41, "network personalization PUK required"),
    (100, "unknown"),
    (103, "illegal MS"),
    (106, "illegal ME"),
    (107, "GPRS services not allowed"),
    (111, "PLMN not allowed"),
    (112, "location area not allowed"),
    (113, "roaming not allowed in this location area"),
    (132, "service option not supported"),
    (133, "requested service option not subscribed"),
    (134, "service option temporarily out of order"),
    (148, "unspecified GPRS error"),
    (149, "PDP authentication failure"),
    (150, "invalid mobile class"),
];

/// `+CMS ERROR` meanings, 3GPP TS 27.005 §3.2.5.
pub const CMS: &[(u16, &str)] = &[
    (300, "ME failure"),
    (301, "SMS service of ME reserved"),
    (302, "operation not allowed"),
    (303, "operation not supported"),
    (304, "invalid PDU mode parameter"),
    (305, "invalid text mode parameter"),
    (310, "SIM not inserted"),
    (311, "SIM PIN required"),
    (312, "PH-SIM PIN required"),
    (313, "SIM failure"),
    (314, "SIM busy"),
    (315, "SIM wrong"),
    (316, "SIM PUK required"),
    (317, "SIM PIN2 required"),
    (318, "SIM PUK2 required"),
    (320, "memory failure"),
    (321, "invalid memory index"),
    (322, "memory full"),
    (330, "SMSC address unknown"),
    (331, "no network service"),
    (332, "network timeout"),
    (340, "no +CNMA acknowledgement expected"),
    (500, "unknown error"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finals() {
        assert_eq!(classify("OK"), Some(Final::Ok));
        assert_eq!(classify("ERROR"), Some(Final::Error));
        assert_eq!(classify("+CSQ: 1,2"), None);
        let Some(Final::Cme(e)) = classify("+CME ERROR: 10") else {
            panic!("not a CME error")
        };
        assert_eq!(e.to_string(), "10 (SIM not inserted)");
        let Some(Final::Cme(e)) = classify("+CME ERROR: SIM PIN required") else {
            panic!("not a CME error")
        };
        assert_eq!(e.code, Some(11));
        let Some(Final::Cms(e)) = classify("+CMS ERROR: 331") else {
            panic!("not a CMS error")
        };
        assert_eq!(e.meaning, "no network service");
        let Some(Final::Cme(e)) = classify("+CME ERROR: 9999") else {
            panic!("not a CME error")
        };
        assert_eq!(e.meaning, "unknown error code");
    }
}
