//! Small correct reference adapters, one per port, each with an optional
//! fault that breaks exactly one rule (used by `broken.rs`).
#![allow(dead_code)]

pub mod outbox;

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use hologram_conformance::{EventCallback, KitTimeouts, ObservableSink};
use hologram_ports::{
    AuthCapabilities, AuthError, Authenticator, Credentials, Endpoint, Event, EventSink,
    MacAddress, Message, NetworkCapabilities, NetworkError, NetworkInterface, Reply, ResultCode,
    SignalReading, SignalSource, Sms, Ssid, Transport, TransportCapabilities, TransportError,
    TransportPhase,
};

// ---------------------------------------------------------------- network

/// One way a network breaks one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetFault {
    /// connect forgets `network.connected`.
    NoNetworkConnected,
    /// connect emits `network.connected` twice.
    ConnectedTwice,
    /// connect emits `network.connected` before `wifi.connected`.
    LinkAfterNetwork,
    /// a connect on a link already up emits again.
    ConnectAgainEmits,
    /// reconnect emits the connect events before the disconnect ones.
    ReconnectWrongOrder,
    /// is_connected is always false.
    IsConnectedLies,
    /// disconnect on a link already down emits `network.disconnected`.
    DisconnectEmitsWhenDown,
    /// disconnect on a link already down fails.
    DisconnectFailsWhenDown,
    /// answers ssid with a made-up value while declaring no capability.
    MadeUpSsid,
    /// answers the queries while disconnected.
    AnswersWhileDown,
    /// connect panics (offline adapter).
    PanicsOnConnect,
    /// after the first failure, later calls fail or panic.
    PoisonedAfterFailure,
}

/// An in-memory link: with a Wi-Fi flavour (link events, every query) or
/// plain (no link event, no query), or offline (connect always fails).
pub struct MemoryNetwork {
    events: Arc<dyn EventSink>,
    up: bool,
    wifi: bool,
    offline: bool,
    failed: bool,
    fault: Option<NetFault>,
}

impl fmt::Debug for MemoryNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryNetwork")
            .field("up", &self.up)
            .field("wifi", &self.wifi)
            .field("offline", &self.offline)
            .field("fault", &self.fault)
            .finish_non_exhaustive()
    }
}

impl MemoryNetwork {
    pub fn wifi(events: Arc<dyn EventSink>) -> Self {
        MemoryNetwork {
            events,
            up: false,
            wifi: true,
            offline: false,
            failed: false,
            fault: None,
        }
    }

    pub fn plain(events: Arc<dyn EventSink>) -> Self {
        MemoryNetwork {
            wifi: false,
            ..Self::wifi(events)
        }
    }

    pub fn offline(events: Arc<dyn EventSink>) -> Self {
        MemoryNetwork {
            offline: true,
            ..Self::wifi(events)
        }
    }

    pub fn with_fault(mut self, fault: NetFault) -> Self {
        self.fault = Some(fault);
        self
    }

    fn is(&self, fault: NetFault) -> bool {
        self.fault == Some(fault)
    }

    fn emit_up(&self) {
        let link = self.wifi.then_some(Event::WifiConnected);
        if self.is(NetFault::LinkAfterNetwork) {
            self.events.emit(&Event::NetworkConnected);
            link.iter().for_each(|e| self.events.emit(e));
            return;
        }
        if let Some(e) = &link {
            self.events.emit(e);
        }
        if !self.is(NetFault::NoNetworkConnected) {
            self.events.emit(&Event::NetworkConnected);
        }
        if self.is(NetFault::ConnectedTwice) {
            self.events.emit(&Event::NetworkConnected);
        }
    }

    fn emit_down(&self) {
        if self.wifi {
            self.events.emit(&Event::WifiDisconnected);
        }
        self.events.emit(&Event::NetworkDisconnected);
    }

    fn poisoned(&self) -> Result<(), NetworkError> {
        if self.failed && self.is(NetFault::PoisonedAfterFailure) {
            return Err(NetworkError::other(
                "anything",
                "poisoned by an earlier failure",
            ));
        }
        Ok(())
    }

    fn query<T>(&self, declared: bool, op: &'static str, value: T) -> Result<T, NetworkError> {
        let declared = declared && self.wifi;
        if op == "ssid" && self.is(NetFault::MadeUpSsid) {
            return Ok(value);
        }
        if !declared {
            return Err(NetworkError::Unsupported { operation: op });
        }
        if !self.up && !self.is(NetFault::AnswersWhileDown) {
            return Err(NetworkError::NotConnected);
        }
        Ok(value)
    }
}

impl NetworkInterface for MemoryNetwork {
    fn capabilities(&self) -> NetworkCapabilities {
        if self.wifi {
            NetworkCapabilities::ALL
        } else {
            NetworkCapabilities::NONE
        }
    }

    fn connect(&mut self) -> Result<(), NetworkError> {
        if self.failed && self.is(NetFault::PoisonedAfterFailure) && self.offline {
            panic!("poisoned");
        }
        self.poisoned()?;
        if self.offline {
            if self.is(NetFault::PanicsOnConnect) {
                panic!("no wireless here");
            }
            self.failed = true;
            return Err(NetworkError::WirelessUnsupported);
        }
        if self.up {
            if self.is(NetFault::ConnectAgainEmits) {
                self.emit_up();
            }
            return Ok(());
        }
        self.up = true;
        self.emit_up();
        Ok(())
    }

    fn disconnect(&mut self) -> Result<(), NetworkError> {
        self.poisoned()?;
        if !self.up {
            if self.is(NetFault::DisconnectFailsWhenDown) {
                return Err(NetworkError::NotConnected);
            }
            if self.is(NetFault::DisconnectEmitsWhenDown) {
                self.events.emit(&Event::NetworkDisconnected);
            }
            return Ok(());
        }
        self.up = false;
        self.emit_down();
        Ok(())
    }

    fn reconnect(&mut self) -> Result<(), NetworkError> {
        if self.is(NetFault::ReconnectWrongOrder) && self.up {
            self.emit_up();
            self.emit_down();
            return Ok(());
        }
        self.disconnect()?;
        self.connect()
    }

    fn is_connected(&self) -> bool {
        self.up && !self.is(NetFault::IsConnectedLies)
    }

    fn ssid(&self) -> Result<Ssid, NetworkError> {
        self.query(true, "ssid", Ssid::new(b"kit-net").unwrap())
    }

    fn ap_address(&self) -> Result<MacAddress, NetworkError> {
        self.query(true, "ap_address", MacAddress([2, 0, 0, 0, 0, 1]))
    }

    fn avg_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        self.query(
            true,
            "avg_signal_strength",
            SignalReading::new(-50, SignalSource::Simulated),
        )
    }

    fn max_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        self.query(
            true,
            "max_signal_strength",
            SignalReading::new(-40, SignalSource::Simulated),
        )
    }
}

/// A network that poisons itself after a failed query: queries take
/// `&self`, so the wrapper records failures with a mutex.
pub struct PoisonOnQueryFailure {
    inner: MemoryNetwork,
    failed: Mutex<bool>,
}

impl fmt::Debug for PoisonOnQueryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoisonOnQueryFailure")
            .finish_non_exhaustive()
    }
}

impl PoisonOnQueryFailure {
    pub fn new(events: Arc<dyn EventSink>) -> Self {
        PoisonOnQueryFailure {
            inner: MemoryNetwork::wifi(events),
            failed: Mutex::new(false),
        }
    }
    fn note<T>(&self, r: Result<T, NetworkError>) -> Result<T, NetworkError> {
        if r.is_err() {
            *self.failed.lock().unwrap() = true;
        }
        r
    }
}

impl NetworkInterface for PoisonOnQueryFailure {
    fn capabilities(&self) -> NetworkCapabilities {
        self.inner.capabilities()
    }
    fn connect(&mut self) -> Result<(), NetworkError> {
        if *self.failed.lock().unwrap() {
            return Err(NetworkError::ConnectFailed {
                reason: "an earlier query failed".into(),
            });
        }
        self.inner.connect()
    }
    fn disconnect(&mut self) -> Result<(), NetworkError> {
        self.inner.disconnect()
    }
    fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }
    fn ssid(&self) -> Result<Ssid, NetworkError> {
        self.note(self.inner.ssid())
    }
}

// ---------------------------------------------------------------- transport

/// One way a transport breaks one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxFault {
    DropsLastByte,
    AddsFraming,
    TruncatesReply,
    NoCode,
    IgnoresReadTimeout,
    IgnoresWriteTimeout,
    IgnoresConnectTimeout,
    RefusedAsIo,
    ResetAsEmptyReply,
    CloseAsMalformed,
    IgnoresSetEndpoint,
    ReversesBatch,
    SentBeforeConnected,
    NoClosedOnError,
    PoisonedAfterFailure,
}

/// A blocking `std::net` transport, raw or with cloud result codes.
pub struct StdTransport {
    events: Arc<dyn EventSink>,
    endpoint: Endpoint,
    timeouts: KitTimeouts,
    result_codes: bool,
    failed: bool,
    fault: Option<TxFault>,
}

impl fmt::Debug for StdTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StdTransport")
            .field("endpoint", &self.endpoint)
            .field("result_codes", &self.result_codes)
            .field("fault", &self.fault)
            .finish_non_exhaustive()
    }
}

impl StdTransport {
    pub fn raw(events: Arc<dyn EventSink>, endpoint: Endpoint, timeouts: KitTimeouts) -> Self {
        StdTransport {
            events,
            endpoint,
            timeouts,
            result_codes: false,
            failed: false,
            fault: None,
        }
    }

    pub fn cloud(events: Arc<dyn EventSink>, endpoint: Endpoint, timeouts: KitTimeouts) -> Self {
        StdTransport {
            result_codes: true,
            ..Self::raw(events, endpoint, timeouts)
        }
    }

    pub fn with_fault(mut self, fault: TxFault) -> Self {
        self.fault = Some(fault);
        self
    }

    fn is(&self, fault: TxFault) -> bool {
        self.fault == Some(fault)
    }

    fn io(&self, phase: TransportPhase, e: std::io::Error) -> TransportError {
        let endpoint = self.endpoint.to_string();
        match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => TransportError::Timeout {
                endpoint,
                phase,
                after: match phase {
                    TransportPhase::Connect => self.timeouts.connect,
                    TransportPhase::Write => self.timeouts.write,
                    _ => self.timeouts.read,
                },
                received: 0,
            },
            ErrorKind::ConnectionRefused if !self.is(TxFault::RefusedAsIo) => {
                TransportError::Refused { endpoint }
            }
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => {
                TransportError::Reset { endpoint, phase }
            }
            _ => TransportError::io(endpoint, phase, e),
        }
    }

    fn exchange(&mut self, payload: &[u8]) -> Result<Reply, TransportError> {
        let (host, port) = self.endpoint.require()?;
        let addr = (host, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| TransportError::Resolve {
                host: host.to_owned(),
                detail: "no address".into(),
            })?;
        if self.is(TxFault::SentBeforeConnected) {
            self.events.emit(&Event::MessageSent);
        }
        let connected = if self.is(TxFault::IgnoresConnectTimeout) {
            TcpStream::connect(addr)
        } else {
            TcpStream::connect_timeout(&addr, self.timeouts.connect)
        };
        let mut s = connected.map_err(|e| self.io(TransportPhase::Connect, e))?;
        self.events.emit(&Event::SocketConnected);
        let r = self.talk(&mut s, payload);
        drop(s);
        if r.is_ok() && !self.is(TxFault::SentBeforeConnected) {
            self.events.emit(&Event::MessageSent);
        }
        if r.is_ok() || !self.is(TxFault::NoClosedOnError) {
            self.events.emit(&Event::SocketClosed);
        }
        r
    }

    fn talk(&self, s: &mut TcpStream, payload: &[u8]) -> Result<Reply, TransportError> {
        let write_timeout = (!self.is(TxFault::IgnoresWriteTimeout)).then_some(self.timeouts.write);
        let read_timeout = (!self.is(TxFault::IgnoresReadTimeout)).then_some(self.timeouts.read);
        s.set_write_timeout(write_timeout)
            .and_then(|()| s.set_read_timeout(read_timeout))
            .map_err(|e| self.io(TransportPhase::Connect, e))?;
        let mut body = payload;
        if self.is(TxFault::DropsLastByte) && !body.is_empty() {
            body = &body[..body.len() - 1];
        }
        s.write_all(body)
            .map_err(|e| self.io(TransportPhase::Write, e))?;
        if self.is(TxFault::AddsFraming) {
            s.write_all(b"\r\r")
                .map_err(|e| self.io(TransportPhase::Write, e))?;
        }
        let mut bytes = Vec::new();
        match s.read_to_end(&mut bytes) {
            Ok(_) => {}
            Err(e)
                if e.kind() == ErrorKind::ConnectionReset
                    && self.is(TxFault::ResetAsEmptyReply) => {}
            Err(e) => return Err(self.io(TransportPhase::Read, e)),
        }
        if self.is(TxFault::TruncatesReply) {
            bytes.pop();
        }
        let code = if !self.result_codes || self.is(TxFault::NoCode) {
            None
        } else {
            match ResultCode::parse_reply(&bytes) {
                Ok(code) => Some(code),
                Err(hologram_ports::ReplyError::Empty) if !self.is(TxFault::CloseAsMalformed) => {
                    return Err(TransportError::NoReply {
                        endpoint: self.endpoint.to_string(),
                    })
                }
                // Not a code: an answer all the same (final, with its bytes).
                Err(_) => None,
            }
        };
        Ok(Reply { bytes, code })
    }
}

impl Transport for StdTransport {
    fn capabilities(&self) -> TransportCapabilities {
        TransportCapabilities::default().with_result_codes(self.result_codes)
    }

    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn set_endpoint(&mut self, endpoint: Endpoint) {
        if !self.is(TxFault::IgnoresSetEndpoint) {
            self.endpoint = endpoint;
        }
    }

    fn send(&mut self, payload: &[u8]) -> Result<Reply, TransportError> {
        if self.failed && self.is(TxFault::PoisonedAfterFailure) {
            return Err(TransportError::io(
                self.endpoint.to_string(),
                TransportPhase::Connect,
                std::io::Error::other("poisoned"),
            ));
        }
        let r = self.exchange(payload);
        self.failed |= r.is_err();
        r
    }

    fn send_batch(&mut self, payloads: &[&[u8]]) -> Vec<Result<Reply, TransportError>> {
        let mut out: Vec<_> = payloads.iter().map(|p| self.send(p)).collect();
        if self.is(TxFault::ReversesBatch) {
            out.reverse();
        }
        out
    }
}

pub fn raw(events: Arc<dyn EventSink>, e: Endpoint, t: KitTimeouts) -> Box<dyn Transport> {
    Box::new(StdTransport::raw(events, e, t))
}

pub fn cloud(events: Arc<dyn EventSink>, e: Endpoint, t: KitTimeouts) -> Box<dyn Transport> {
    Box::new(StdTransport::cloud(events, e, t))
}

// ---------------------------------------------------------------- auth

/// One way an authenticator breaks one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFault {
    NoTerminator,
    DoubleTerminator,
    DropsTopics,
    Padded,
    WrongSms,
    NonDeterministic,
    AcceptsMissingKey,
    SmsWithoutCapability,
    LeaksKeyInDebug,
    LeaksKeyInError,
    OffByOneCounter,
    RefusesSecondInWindow,
    PasswordPerMessage,
    AcceptsNul,
    PoisonedAfterError,
    LeaksOtpInDebug,
    ClaimsNotTimeBased,
}

/// The CSRPSK JSON form.
#[derive(Debug, Default)]
pub struct RefCsrpsk {
    pub sms: bool,
    pub fault: Option<AuthFault>,
    count: u64,
    last_key: Option<String>,
}

impl RefCsrpsk {
    pub fn new() -> Self {
        RefCsrpsk {
            sms: true,
            ..Self::default()
        }
    }

    pub fn messages_only() -> Self {
        RefCsrpsk::default()
    }

    pub fn with_fault(fault: AuthFault) -> Self {
        RefCsrpsk {
            fault: Some(fault),
            ..Self::new()
        }
    }

    fn is(&self, fault: AuthFault) -> bool {
        self.fault == Some(fault)
    }

    fn key<'c>(&self, creds: &'c Credentials) -> Result<&'c str, AuthError> {
        if self.is(AuthFault::AcceptsMissingKey) {
            return Ok(creds.devicekey().unwrap_or(""));
        }
        if self.is(AuthFault::LeaksKeyInError) && creds.devicekey().is_none() {
            return Err(AuthError::InvalidSetting {
                authenticator: "csrpsk",
                setting: "devicekey",
                reason: format!("missing (private key was {})", creds.private_key()),
            });
        }
        Ok(creds.require_devicekey()?)
    }
}

impl Authenticator for RefCsrpsk {
    fn capabilities(&self) -> AuthCapabilities {
        AuthCapabilities::MESSAGES_ONLY.with_sms(self.sms)
    }

    fn encode_message(
        &mut self,
        creds: &Credentials,
        msg: &Message,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        let key = self.key(creds)?.to_owned();
        let mut obj = serde_json::Map::new();
        obj.insert("k".into(), key.clone().into());
        obj.insert("d".into(), msg.data().into());
        if !msg.topics().is_empty() && !self.is(AuthFault::DropsTopics) {
            let topics: Vec<serde_json::Value> =
                msg.topics().iter().map(|t| t.as_str().into()).collect();
            obj.insert("t".into(), topics.into());
        }
        if self.is(AuthFault::NonDeterministic) {
            self.count += 1;
            obj.insert("m".into(), self.count.into());
        }
        if self.is(AuthFault::LeaksKeyInDebug) {
            self.last_key = Some(key);
        }
        out.extend(serde_json::to_vec(&obj).expect("json"));
        if self.is(AuthFault::Padded) {
            out.extend_from_slice(&[b' '; 64]);
        }
        match self.fault {
            Some(AuthFault::NoTerminator) => {}
            Some(AuthFault::DoubleTerminator) => out.extend_from_slice(b"\r\r\r\r"),
            _ => out.extend_from_slice(b"\r\r"),
        }
        Ok(())
    }

    fn encode_sms(
        &mut self,
        creds: &Credentials,
        sms: &Sms,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        if !self.sms && !self.is(AuthFault::SmsWithoutCapability) {
            return Err(AuthError::Unsupported {
                authenticator: "csrpsk",
                operation: "SMS",
            });
        }
        let key = self.key(creds)?;
        let sep = if self.is(AuthFault::WrongSms) {
            ""
        } else {
            " "
        };
        out.extend_from_slice(
            format!(
                "S{key}{}{sep}{}\r\r",
                sms.destination(),
                sms.text().as_str()
            )
            .as_bytes(),
        );
        Ok(())
    }
}

type HmacSha1 = Hmac<sha1::Sha1>;

/// RFC 4226 HOTP, 6 digits.
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    let mut mac = <HmacSha1 as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = usize::from(h[19] & 0x0f);
    let bin = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]);
    bin % 1_000_000
}

/// The seed-era TOTP form on a fixed clock.
#[derive(Debug)]
pub struct RefTotp {
    now: u64,
    window: u64,
    used: Option<u64>,
    fault: Option<AuthFault>,
    last_otp: Option<u32>,
}

impl RefTotp {
    pub fn new(now: u64, window: u64) -> Self {
        RefTotp {
            now,
            window,
            used: None,
            fault: None,
            last_otp: None,
        }
    }

    pub fn with_fault(now: u64, window: u64, fault: AuthFault) -> Self {
        RefTotp {
            fault: Some(fault),
            ..Self::new(now, window)
        }
    }

    fn is(&self, fault: AuthFault) -> bool {
        self.fault == Some(fault)
    }
}

impl Authenticator for RefTotp {
    fn capabilities(&self) -> AuthCapabilities {
        AuthCapabilities::MESSAGES_ONLY.with_time_based(!self.is(AuthFault::ClaimsNotTimeBased))
    }

    fn encode_message(
        &mut self,
        creds: &Credentials,
        msg: &Message,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        let counter = self.now / self.window;
        if self.is(AuthFault::PoisonedAfterError) && self.used == Some(u64::MAX) {
            return Err(AuthError::Unsupported {
                authenticator: "reference totp",
                operation: "anything after an error",
            });
        }
        let checked = self.check(creds, msg);
        if checked.is_err() && self.is(AuthFault::PoisonedAfterError) {
            self.used = Some(u64::MAX);
        }
        checked?;
        if self.used == Some(counter) && self.is(AuthFault::RefusesSecondInWindow) {
            return Err(AuthError::Unsupported {
                authenticator: "reference totp",
                operation: "a second message in a window",
            });
        }
        let shifted = match self.used {
            Some(c) if c >= counter && self.is(AuthFault::PasswordPerMessage) => c + 1,
            _ if self.is(AuthFault::OffByOneCounter) => counter + 1,
            _ => counter,
        };
        self.used = Some(shifted);
        let otp = hotp(creds.private_key().as_bytes(), shifted);
        if self.is(AuthFault::LeaksOtpInDebug) {
            self.last_otp = Some(otp);
        }
        out.extend_from_slice(format!("C{} {} {otp} ", creds.device_id(), self.now).as_bytes());
        for t in msg.topics() {
            out.extend_from_slice(format!("T{t}\0").as_bytes());
        }
        out.extend_from_slice(format!("B{}\0\0", msg.data()).as_bytes());
        Ok(())
    }
}

impl RefTotp {
    fn check(&self, creds: &Credentials, msg: &Message) -> Result<(), AuthError> {
        if creds.device_id().is_empty() {
            return Err(AuthError::missing(
                hologram_ports::CredentialField::DeviceId,
            ));
        }
        if creds.private_key().is_empty() {
            return Err(AuthError::missing(
                hologram_ports::CredentialField::PrivateKey,
            ));
        }
        if msg.data().contains('\0') && !self.is(AuthFault::AcceptsNul) {
            return Err(AuthError::Unframeable {
                authenticator: "totp",
                field: "data",
                reason: "it holds a NUL byte",
            });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- sinks

/// One way a sink breaks one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkFault {
    DropsEvery7th,
    Reorders,
    Duplicates,
    DeadlocksOnReentry,
    DropsNested,
}

type SharedCallback = Arc<dyn Fn(&Event) + Send + Sync>;

/// A sink with one fault (the correct reference is the kit's `RecordingSink`).
pub struct FaultySink {
    fault: SinkFault,
    state: Mutex<(Vec<Event>, u64, bool)>,
    callbacks: Mutex<Vec<SharedCallback>>,
}

impl fmt::Debug for FaultySink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultySink")
            .field("fault", &self.fault)
            .finish_non_exhaustive()
    }
}

impl FaultySink {
    pub fn new(fault: SinkFault) -> Arc<Self> {
        Arc::new(FaultySink {
            fault,
            state: Mutex::new((Vec::new(), 0, false)),
            callbacks: Mutex::new(Vec::new()),
        })
    }
}

impl EventSink for FaultySink {
    fn emit(&self, event: &Event) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if self.fault == SinkFault::DropsNested && state.2 {
            return;
        }
        state.1 += 1;
        match self.fault {
            SinkFault::DropsEvery7th if state.1.is_multiple_of(7) => {}
            SinkFault::Reorders => state.0.insert(0, event.clone()),
            SinkFault::Duplicates => {
                state.0.push(event.clone());
                state.0.push(event.clone());
            }
            _ => state.0.push(event.clone()),
        }
        let callbacks = self.callbacks.lock().unwrap().clone();
        if self.fault == SinkFault::DeadlocksOnReentry {
            // Calls back with the state lock held: a nested emit blocks forever.
            for c in &callbacks {
                c(event);
            }
            return;
        }
        state.2 = true;
        drop(state);
        for c in &callbacks {
            c(event);
        }
        self.state.lock().unwrap_or_else(|p| p.into_inner()).2 = false;
    }
}

impl ObservableSink for FaultySink {
    fn received(&self) -> Vec<Event> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone()
    }

    fn on_event(&self, callback: EventCallback) {
        self.callbacks.lock().unwrap().push(Arc::from(callback));
    }
}
