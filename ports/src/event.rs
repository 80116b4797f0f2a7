//! Events: what adapters and the core report, and the sink they report to.

use std::borrow::Cow;
use std::fmt;

/// Something that happened, named as the Python SDK names it
/// (`wifi.connected`, `socket.closed`, ...). Custom names are allowed.
///
/// ```
/// use hologram_ports::Event;
/// assert_eq!(Event::from_name("network.connected"), Event::NetworkConnected);
/// assert_eq!(Event::MessageSent.name(), "message.sent");
/// assert_eq!(Event::from_name("my.event").name(), "my.event");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// `wifi.connected`: there is an active Wi-Fi connection.
    WifiConnected,
    /// `wifi.disconnected`: the Wi-Fi connection became inactive.
    WifiDisconnected,
    /// `cellular.connected`: there is an active cellular connection.
    CellularConnected,
    /// `cellular.disconnected`: the cellular connection became inactive.
    CellularDisconnected,
    /// `network.connected`: there is an active network connection.
    NetworkConnected,
    /// `network.disconnected`: the network connection became inactive.
    NetworkDisconnected,
    /// `socket.connected`: a transport socket connected.
    SocketConnected,
    /// `socket.closed`: a transport socket closed.
    SocketClosed,
    /// `message.sent`: a message was delivered and answered.
    MessageSent,
    /// `message.buffered`: a message was queued until the network is back.
    MessageBuffered,
    /// `message.refused`: the cloud refused a message with a final code.
    MessageRefused,
    /// `message.dropped`: a full outbox dropped its oldest message, or a
    /// queued message that can never be encoded was dropped.
    MessageDropped,
    /// `outbox.damaged`: an outbox found damaged records when it was
    /// opened; the messages in them are lost.
    OutboxDamaged,
    /// Any other name.
    Custom(Cow<'static, str>),
}

impl Event {
    /// Every predefined event.
    pub const PREDEFINED: [Event; 13] = [
        Event::WifiConnected,
        Event::WifiDisconnected,
        Event::CellularConnected,
        Event::CellularDisconnected,
        Event::NetworkConnected,
        Event::NetworkDisconnected,
        Event::SocketConnected,
        Event::SocketClosed,
        Event::MessageSent,
        Event::MessageBuffered,
        Event::MessageRefused,
        Event::MessageDropped,
        Event::OutboxDamaged,
    ];

    /// The event's name.
    pub fn name(&self) -> &str {
        match self {
            Event::WifiConnected => "wifi.connected",
            Event::WifiDisconnected => "wifi.disconnected",
            Event::CellularConnected => "cellular.connected",
            Event::CellularDisconnected => "cellular.disconnected",
            Event::NetworkConnected => "network.connected",
            Event::NetworkDisconnected => "network.disconnected",
            Event::SocketConnected => "socket.connected",
            Event::SocketClosed => "socket.closed",
            Event::MessageSent => "message.sent",
            Event::MessageBuffered => "message.buffered",
            Event::MessageRefused => "message.refused",
            Event::MessageDropped => "message.dropped",
            Event::OutboxDamaged => "outbox.damaged",
            Event::Custom(name) => name,
        }
    }

    /// The event for a name: a predefined one when the name is known,
    /// otherwise a custom one.
    pub fn from_name(name: &str) -> Event {
        Self::PREDEFINED
            .iter()
            .find(|e| e.name() == name)
            .cloned()
            .unwrap_or_else(|| Event::Custom(Cow::Owned(name.to_owned())))
    }

    /// A custom event with a static name, without allocating. The name is
    /// not looked up: `Event::custom("wifi.connected")` is not
    /// [`Event::WifiConnected`]; use [`Event::from_name`] for a name that may
    /// be predefined.
    pub const fn custom(name: &'static str) -> Event {
        Event::Custom(Cow::Borrowed(name))
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<&str> for Event {
    fn from(name: &str) -> Self {
        Event::from_name(name)
    }
}

/// Where adapters report events. The core's event bus is one; tests use
/// their own.
///
/// Implementations must not block for long and must not panic: adapters
/// call `emit` from inside their I/O paths.
pub trait EventSink: Send + Sync {
    /// Reports one event.
    fn emit(&self, event: &Event);
}

/// A sink that drops every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullEventSink;

impl EventSink for NullEventSink {
    fn emit(&self, _event: &Event) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in Event::PREDEFINED {
            assert_eq!(Event::from_name(e.name()), e);
        }
        assert_eq!(Event::from_name("x.y"), Event::custom("x.y"));
    }
}
