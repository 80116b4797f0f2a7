//! Receipts: what became of a message.

use hologram_ports::{ResultCode, TransportError};

/// Where a message stands.
///
/// A receipt is a snapshot taken when the call returns. A `Queued` message
/// gets its final receipt (`Acknowledged`, `Refused` or `Replied`) from the
/// flush that delivers it: [`Hologram::flush`](crate::Hologram::flush),
/// [`connect`](crate::Hologram::connect), or, when a later send flushed it
/// first, [`take_flushed_receipts`](crate::Hologram::take_flushed_receipts).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// Kept in the outbox, to be sent by a later flush; `reason` says why it
    /// was not delivered now.
    Queued {
        /// The transport failure that kept it; `None` when the network was
        /// down, or when the cloud kept answering code 6 (its own internal
        /// error).
        reason: Option<TransportError>,
    },
    /// Sent with a transport that does not parse replies (`raw`): what the
    /// server answered.
    Replied {
        /// The reply bytes.
        reply: Vec<u8>,
    },
    /// The cloud accepted it (code 0 or 1).
    Acknowledged {
        /// The cloud's code.
        code: ResultCode,
    },
    /// The cloud refused it with a final code.
    Refused {
        /// The cloud's code.
        code: ResultCode,
    },
}

/// The receipt of one message: its sequence number and where it stands.
///
/// ```
/// use hologram::{Delivery, Receipt, ResultCode};
/// let r = Receipt::new(7, Delivery::Acknowledged { code: ResultCode::Sent });
/// assert!(r.is_delivered());
/// assert_eq!(r.to_string(), "#7: Message sent successfully");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    sequence: u64,
    delivery: Delivery,
}

impl Receipt {
    /// A receipt.
    pub fn new(sequence: u64, delivery: Delivery) -> Self {
        Receipt { sequence, delivery }
    }

    /// The message's sequence number (increasing in order of acceptance).
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// Where it stands.
    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    /// Sent and answered without refusal (`Replied` or `Acknowledged`).
    pub fn is_delivered(&self) -> bool {
        matches!(
            self.delivery,
            Delivery::Replied { .. } | Delivery::Acknowledged { .. }
        )
    }

    /// Still in the outbox.
    pub fn is_queued(&self) -> bool {
        matches!(self.delivery, Delivery::Queued { .. })
    }

    /// The cloud's code, when there is one.
    pub fn result_code(&self) -> Option<ResultCode> {
        match self.delivery {
            Delivery::Acknowledged { code } | Delivery::Refused { code } => Some(code),
            _ => None,
        }
    }

    /// The raw reply, for `raw` transports.
    pub fn reply(&self) -> Option<&[u8]> {
        match &self.delivery {
            Delivery::Replied { reply } => Some(reply),
            _ => None,
        }
    }
}

impl std::fmt::Display for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}: ", self.sequence)?;
        match &self.delivery {
            Delivery::Queued { reason: None } => f.write_str("queued for the next flush"),
            Delivery::Queued { reason: Some(e) } => write!(f, "queued ({e})"),
            Delivery::Replied { reply } => {
                write!(f, "reply {:?}", String::from_utf8_lossy(reply))
            }
            Delivery::Acknowledged { code } => f.write_str(code.description()),
            Delivery::Refused { code } => {
                write!(
                    f,
                    "refused with code {}: {}",
                    code.code(),
                    code.description()
                )
            }
        }
    }
}
