//! What the simulator accepted, and the bounded store a handle reads back.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use super::AuthForm;

/// A message the simulator accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Order of acceptance among all records, from 1.
    pub id: u64,
    /// The device: `<cloud id>****` for the key forms, the device id for TOTP.
    pub device: String,
    /// The wire form it came in.
    pub auth: AuthForm,
    /// Its topics, in order.
    pub topics: Vec<String>,
    /// Its data. A TOTP request with several `B` fields gives one record per field.
    pub data: String,
    /// The `m` metadata field, if any.
    pub metadata: Option<String>,
    /// When it was accepted.
    pub received_at: SystemTime,
    /// The client's address.
    pub peer: SocketAddr,
}

/// An SMS the simulator accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRecord {
    /// Order of acceptance among all records, from 1.
    pub id: u64,
    /// The sender: `<cloud id>****`.
    pub device: String,
    /// The destination number, with its `+`.
    pub destination: String,
    /// The text.
    pub text: String,
    /// When it was accepted.
    pub received_at: SystemTime,
    /// The client's address.
    pub peer: SocketAddr,
}

/// Something the simulator accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A message.
    Message(MessageRecord),
    /// An SMS.
    Sms(SmsRecord),
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64 / 1000.0)
}

impl Record {
    /// About how many bytes it holds: its text plus a fixed overhead.
    pub(crate) fn weight(&self) -> usize {
        const OVERHEAD: usize = 128;
        OVERHEAD
            + match self {
                Record::Message(m) => {
                    m.device.len()
                        + m.data.len()
                        + m.topics.iter().map(|t| t.len() + 24).sum::<usize>()
                        + m.metadata.as_ref().map_or(0, String::len)
                }
                Record::Sms(s) => s.device.len() + s.destination.len() + s.text.len(),
            }
    }

    /// Its id: order of acceptance, from 1.
    pub fn id(&self) -> u64 {
        match self {
            Record::Message(m) => m.id,
            Record::Sms(s) => s.id,
        }
    }

    /// The record as one line of JSON (no newline), as the standalone
    /// simulator prints it:
    /// `{"type":"message","id":1,"device":"1234****","auth":"k","topics":["t1"],"data":"hi","metadata":null,"time":1700000000.123,"peer":"127.0.0.1:40000"}`
    /// or `{"type":"sms","id":2,"device":"1234****","destination":"+1...","text":"...","time":...,"peer":"..."}`.
    pub fn to_json_line(&self) -> String {
        let value = match self {
            Record::Message(m) => serde_json::json!({
                "type": "message",
                "id": m.id,
                "device": m.device,
                "auth": m.auth.as_str(),
                "topics": m.topics,
                "data": m.data,
                "metadata": m.metadata,
                "time": unix_seconds(m.received_at),
                "peer": m.peer.to_string(),
            }),
            Record::Sms(s) => serde_json::json!({
                "type": "sms",
                "id": s.id,
                "device": s.device,
                "destination": s.destination,
                "text": s.text,
                "time": unix_seconds(s.received_at),
                "peer": s.peer.to_string(),
            }),
        };
        value.to_string()
    }
}

/// The records kept for a handle to read back: at most `limit` records and
/// `bytes_limit` bytes of record text (by [`Record::weight`]), the oldest
/// forgotten first; or none at all once [`stop_keeping`](Self::stop_keeping)
/// is called (nothing will read them).
#[derive(Debug)]
pub(crate) struct Records {
    list: VecDeque<Record>,
    keep: bool,
    limit: usize,
    bytes: usize,
    bytes_limit: usize,
}

impl Records {
    pub(crate) fn new(limit: usize, bytes_limit: usize) -> Self {
        Records {
            list: VecDeque::new(),
            keep: true,
            limit,
            bytes: 0,
            bytes_limit,
        }
    }

    /// From now on, keeps nothing.
    pub(crate) fn stop_keeping(&mut self) {
        self.keep = false;
        self.clear();
    }

    /// Keeps `record`, forgetting the oldest until it fits. The newest is
    /// always kept, whatever its size.
    pub(crate) fn push(&mut self, record: Record) {
        if !self.keep {
            return;
        }
        let weight = record.weight();
        while !self.list.is_empty()
            && (self.list.len() >= self.limit || self.bytes + weight > self.bytes_limit)
        {
            if let Some(old) = self.list.pop_front() {
                self.bytes -= old.weight();
            }
        }
        self.bytes += weight;
        self.list.push_back(record);
    }

    pub(crate) fn clear(&mut self) {
        self.list.clear();
        self.bytes = 0;
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Record> {
        self.list.iter()
    }

    /// The weight of what is kept.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}
