//! What the command prints: one line per message on standard output, as
//! text or (`--json`) as one JSON object; notes and warnings on standard
//! error.
//!
//! Text lines:
//!
//! ```text
//! message 1: DATA RECEIVED: [0,0] Message sent successfully
//! message 2: REFUSED: [3,0] Auth section of the message was invalid
//! message 3: DATA RECEIVED: "PONG\n"                  (--raw: the server's reply)
//! message 4: NOT DELIVERED: connection to 127.0.0.1:9999 was refused
//! message 5: QUEUED: kept in the outbox for the next run (...)
//! message 6: NOT CONFIRMED: 127.0.0.1:9999 closed the connection without a reply: ...
//! outbox #12: DATA RECEIVED: [0,0] Message sent successfully
//! ```

use std::io::Write;

use hologram::{Delivery, Receipt, TransportError};
use serde::Serialize;

use crate::exit::Status;

/// Which message a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// The n-th message of this command (from 1).
    Message(usize),
    /// A message an earlier run left in the durable outbox.
    Outbox,
    /// The SMS.
    Sms,
}

/// One message's result, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct Record {
    /// Position of the message in this command (from 1); null for a message
    /// an earlier run left in the outbox.
    pub index: Option<usize>,
    /// The SDK's sequence number (null when the message never got one).
    pub sequence: Option<u64>,
    /// `acknowledged`, `refused` or `replied` (final answers); `queued`
    /// (kept in the durable outbox for the next run); `unconfirmed` (sent,
    /// but the server closed without a reply: it may or may not have been
    /// delivered); `failed` (not delivered).
    pub status: &'static str,
    /// The cloud's result code, when it gave one.
    pub code: Option<i64>,
    /// The code's meaning, or why the message is queued.
    pub description: Option<String>,
    /// The server's reply (`--raw`), as text.
    pub reply: Option<String>,
}

/// Prints results and diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    json: bool,
    quiet: bool,
}

impl Printer {
    /// A printer; `json` for JSON lines, `quiet` to drop notes and warnings.
    pub fn new(json: bool, quiet: bool) -> Self {
        Printer { json, quiet }
    }

    /// Whether results are printed as JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints one line on standard output. A closed output (`| head`) is
    /// not an error: sending goes on.
    pub fn line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// A note for a person on standard error (dropped by `-q`).
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("note: {text}");
        }
    }

    /// A warning on standard error (dropped by `-q`).
    pub fn warning(&self, text: &str) {
        if !self.quiet {
            eprintln!("warning: {text}");
        }
    }

    /// An error on standard error: printed even with `-q`.
    pub fn error(&self, text: &str) {
        eprintln!("error: {text}");
    }

    /// Prints a message that failed before it got a receipt (`--raw`).
    pub fn failed(&self, label: Label, error: &dyn std::fmt::Display) -> Status {
        self.emit(
            label,
            &Record {
                index: index(label),
                sequence: None,
                status: "failed",
                code: None,
                description: Some(format!("not delivered: {error}")),
                reply: None,
            },
        );
        Status::Network
    }

    fn emit(&self, label: Label, record: &Record) {
        if self.json {
            match serde_json::to_string(record) {
                Ok(text) => self.line(&text),
                Err(e) => eprintln!("error: cannot print a result as JSON: {e}"),
            }
        } else {
            self.line(&text_line(label, record));
        }
    }

    /// Prints one receipt and returns the exit status it calls for.
    /// `durable` says whether a queued message is kept across runs;
    /// `reached` whether any connection to the server was made in this run
    /// (so a message queued with no transport error is not described as
    /// refused by a server it never reached).
    pub fn receipt(&self, label: Label, receipt: &Receipt, durable: bool, reached: bool) -> Status {
        let record = record(label, receipt, durable, reached);
        let status = match receipt.delivery() {
            Delivery::Acknowledged { .. } | Delivery::Replied { .. } => Status::Success,
            Delivery::Refused { .. } => Status::Refused,
            _ => Status::Network,
        };
        self.emit(label, &record);
        status
    }
}

fn index(label: Label) -> Option<usize> {
    match label {
        Label::Message(i) => Some(i),
        Label::Sms => Some(1),
        Label::Outbox => None,
    }
}

fn record(label: Label, receipt: &Receipt, durable: bool, reached: bool) -> Record {
    let index = index(label);
    let (status, code, description, reply) = match receipt.delivery() {
        Delivery::Acknowledged { code } => (
            "acknowledged",
            Some(code.code()),
            Some(code.description().to_owned()),
            None,
        ),
        Delivery::Refused { code } => (
            "refused",
            Some(code.code()),
            Some(code.description().to_owned()),
            None,
        ),
        Delivery::Replied { reply } => (
            "replied",
            None,
            None,
            Some(String::from_utf8_lossy(reply).into_owned()),
        ),
        Delivery::Queued { reason } => {
            let why = match reason {
                Some(e) => e.to_string(),
                // Queued with no transport error of its own: no code is
                // claimed, since none may have been received.
                None if !reached => "not sent: no connection to the server was made (the \
                                     network is down, or the server was unreachable for an \
                                     earlier message)"
                    .to_owned(),
                None => "not sent: the network went down, an earlier message could not be \
                         delivered, or the cloud asked to try again later"
                    .to_owned(),
            };
            let unconfirmed = matches!(reason, Some(TransportError::NoReply { .. }));
            if durable {
                let description = format!("kept in the outbox for the next run ({why})");
                ("queued", None, Some(description), None)
            } else if unconfirmed {
                (
                    "unconfirmed",
                    None,
                    Some(format!("not confirmed: {why}")),
                    None,
                )
            } else {
                ("failed", None, Some(format!("not delivered: {why}")), None)
            }
        }
        // A delivery kind added to the SDK later: say what it is.
        _ => ("failed", None, Some(receipt.to_string()), None),
    };
    Record {
        index,
        sequence: Some(receipt.sequence()),
        status,
        code,
        description,
        reply,
    }
}

fn text_line(label: Label, r: &Record) -> String {
    let who = who(label, r.sequence);
    let description = r.description.as_deref().unwrap_or_default();
    match (r.status, r.code) {
        ("acknowledged", Some(code)) => format!("{who}: DATA RECEIVED: [{code},0] {description}"),
        ("refused", Some(code)) => format!("{who}: REFUSED: [{code},0] {description}"),
        ("replied", _) => format!(
            "{who}: DATA RECEIVED: {:?}",
            r.reply.as_deref().unwrap_or_default()
        ),
        ("queued", _) => format!("{who}: QUEUED: {description}"),
        ("unconfirmed", _) => format!(
            "{who}: NOT CONFIRMED: {}",
            description
                .strip_prefix("not confirmed: ")
                .unwrap_or(description)
        ),
        _ => format!(
            "{who}: NOT DELIVERED: {}",
            description
                .strip_prefix("not delivered: ")
                .unwrap_or(description)
        ),
    }
}

fn who(label: Label, sequence: Option<u64>) -> String {
    match (label, sequence) {
        (Label::Message(i), _) => format!("message {i}"),
        (Label::Outbox, Some(s)) => format!("outbox #{s}"),
        (Label::Outbox, None) => "outbox".to_owned(),
        (Label::Sms, _) => "sms".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hologram::{ResultCode, TransportError};

    fn line(label: Label, d: Delivery, durable: bool) -> String {
        let r = Receipt::new(4, d);
        text_line(label, &record(label, &r, durable, false))
    }

    #[test]
    fn text_lines() {
        assert_eq!(
            line(
                Label::Message(1),
                Delivery::Acknowledged {
                    code: ResultCode::Sent
                },
                false
            ),
            "message 1: DATA RECEIVED: [0,0] Message sent successfully"
        );
        assert_eq!(
            line(
                Label::Outbox,
                Delivery::Refused {
                    code: ResultCode::BadAuth
                },
                true
            ),
            "outbox #4: REFUSED: [3,0] Auth section of the message was invalid"
        );
        assert_eq!(
            line(
                Label::Message(2),
                Delivery::Replied {
                    reply: b"OK\n".to_vec()
                },
                false
            ),
            "message 2: DATA RECEIVED: \"OK\\n\""
        );
        let refused = TransportError::Refused {
            endpoint: "127.0.0.1:1".into(),
        };
        assert_eq!(
            line(
                Label::Message(3),
                Delivery::Queued {
                    reason: Some(refused)
                },
                false
            ),
            "message 3: NOT DELIVERED: connection to 127.0.0.1:1 was refused"
        );
        let never = line(Label::Sms, Delivery::Queued { reason: None }, true);
        assert!(
            never.starts_with("sms: QUEUED: kept in the outbox"),
            "{never}"
        );
        assert!(!never.contains("code"), "{never}");
        let closed = TransportError::NoReply {
            endpoint: "127.0.0.1:1".into(),
        };
        assert_eq!(
            line(
                Label::Message(5),
                Delivery::Queued {
                    reason: Some(closed)
                },
                false
            ),
            "message 5: NOT CONFIRMED: 127.0.0.1:1 closed the connection without a reply: \
             delivery not confirmed"
        );
    }

    #[test]
    fn json_fields() {
        let r = Receipt::new(
            9,
            Delivery::Acknowledged {
                code: ResultCode::Sent,
            },
        );
        let text = serde_json::to_string(&record(Label::Message(2), &r, false, true)).unwrap();
        assert_eq!(
            text,
            r#"{"index":2,"sequence":9,"status":"acknowledged","code":0,"description":"Message sent successfully","reply":null}"#
        );
    }
}
