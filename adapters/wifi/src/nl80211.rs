//! nl80211 over generic netlink: resolve the family, then ask about one
//! interface (`GET_INTERFACE`), its station (`GET_STATION` dump) and the scan
//! cache (`GET_SCAN` dump).
//!
//! Two layers: pure parsers (reply bytes in, typed values out), which the
//! recorded-reply tests drive, and a thin socket layer that sends the
//! request and hands the reply bytes to them. Messages are built and parsed
//! with `wl-nl80211`'s message types; the SSID inside a BSS's information
//! elements is read here, leniently, because those bytes come from any
//! access point in radio range.

use netlink_packet_core::{NlasIterator, NLM_F_ACK, NLM_F_DUMP};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::GenlMessage;
use netlink_sys::protocols::NETLINK_GENERIC;
use wl_nl80211::packet_core::ParseableParametrized;
use wl_nl80211::{Nl80211Attr, Nl80211BssInfo, Nl80211Command, Nl80211Message, Nl80211StationInfo};

use crate::error::WifiError;
use crate::netlink::{data_frames, Channel, ExchangeError, ReplyError};
use crate::InterfaceName;

/// The generic-netlink controller's fixed family id.
pub(crate) const GENL_ID_CTRL: u16 = 0x10;
/// `CTRL_ATTR_FAMILY_ID`.
const CTRL_ATTR_FAMILY_ID: u16 = 1;
/// Length of the generic-netlink header (cmd, version, reserved).
const GENL_HDRLEN: usize = 4;
/// `NL80211_BSS_STATUS_ASSOCIATED`.
const BSS_STATUS_ASSOCIATED: u32 = 1;
/// `NL80211_BSS_STATUS_IBSS_JOINED`.
const BSS_STATUS_IBSS_JOINED: u32 = 2;
/// Element id of the SSID information element.
const IE_SSID: u8 = 0;

/// What `GET_INTERFACE` says about an interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Interface {
    pub ifindex: Option<u32>,
    pub name: Option<String>,
    /// The SSID of the current BSS; absent when not associated.
    pub ssid: Option<Vec<u8>>,
    pub mac: Option<[u8; 6]>,
}

/// One station of a `GET_STATION` dump (in managed mode: the AP).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Station {
    pub mac: Option<[u8; 6]>,
    /// `STA_INFO_SIGNAL`: the last frame, dBm.
    pub signal: Option<i8>,
    /// `STA_INFO_SIGNAL_AVG`: the driver's running average, dBm.
    pub signal_avg: Option<i8>,
}

/// One BSS of a `GET_SCAN` dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bss {
    pub bssid: Option<[u8; 6]>,
    pub frequency: Option<u32>,
    /// `BSS_SIGNAL_MBM`: signal in mBm (100 × dBm).
    pub signal_mbm: Option<i32>,
    /// `BSS_STATUS`: authenticated, associated or IBSS joined.
    pub status: Option<u32>,
    /// The SSID from the information elements (probe response first, then
    /// beacon); `None` when absent or unreadable.
    pub ssid: Option<Vec<u8>>,
}

impl Bss {
    /// Whether we are associated with (or joined) this BSS.
    pub(crate) fn is_associated(&self) -> bool {
        matches!(
            self.status,
            Some(BSS_STATUS_ASSOCIATED) | Some(BSS_STATUS_IBSS_JOINED)
        )
    }

    /// The signal in whole dBm, rounded to nearest.
    pub(crate) fn signal_dbm(&self) -> Option<i32> {
        self.signal_mbm
            .map(|mbm| (f64::from(mbm) / 100.0).round() as i32)
    }
}

// ---------------------------------------------------------------- parsers

/// The family id in the controller's answer to `CTRL_CMD_GETFAMILY`.
pub(crate) fn parse_family_id(reply: &[u8]) -> Result<u16, ReplyError> {
    for (message_type, payload) in data_frames(reply)? {
        if message_type != GENL_ID_CTRL {
            continue;
        }
        let attrs = payload
            .get(GENL_HDRLEN..)
            .ok_or_else(|| ReplyError::malformed("controller message without a header"))?;
        for nla in NlasIterator::new(attrs) {
            let nla = nla.map_err(|e| ReplyError::malformed(e.to_string()))?;
            if nla.kind() == CTRL_ATTR_FAMILY_ID {
                let value = nla.value();
                let id = value
                    .get(..2)
                    .and_then(|b| b.try_into().ok())
                    .map(u16::from_ne_bytes)
                    .ok_or_else(|| ReplyError::malformed("family id shorter than 2 bytes"))?;
                return Ok(id);
            }
        }
    }
    Err(ReplyError::malformed("no family id in the reply"))
}

/// The nl80211 messages of a reply, parsed with `wl-nl80211`.
fn messages(reply: &[u8]) -> Result<Vec<Result<Nl80211Message, ReplyError>>, ReplyError> {
    Ok(data_frames(reply)?
        .into_iter()
        .filter(|(message_type, _)| *message_type != GENL_ID_CTRL)
        .map(|(message_type, payload)| {
            GenlMessage::<Nl80211Message>::parse_with_param(payload, message_type)
                .map(|m| m.payload)
                .map_err(|e| ReplyError::malformed(format!("nl80211 message: {e}")))
        })
        .collect())
}

/// The interface in the answer to `GET_INTERFACE`.
pub(crate) fn parse_interface(reply: &[u8]) -> Result<Interface, ReplyError> {
    let message = messages(reply)?
        .into_iter()
        .next()
        .ok_or_else(|| ReplyError::malformed("no interface in the reply"))??;
    let mut out = Interface::default();
    for attr in message.attributes {
        match attr {
            Nl80211Attr::IfIndex(i) => out.ifindex = Some(i),
            Nl80211Attr::IfName(n) => out.name = Some(n),
            Nl80211Attr::SsidRaw(s) => out.ssid = Some(s),
            Nl80211Attr::Mac(m) => out.mac = Some(m),
            _ => {}
        }
    }
    Ok(out)
}

/// The stations of a `GET_STATION` dump.
pub(crate) fn parse_stations(reply: &[u8]) -> Result<Vec<Station>, ReplyError> {
    let mut out = Vec::new();
    for message in messages(reply)? {
        let mut station = Station::default();
        for attr in message?.attributes {
            match attr {
                Nl80211Attr::Mac(m) => station.mac = Some(m),
                Nl80211Attr::StationInfo(info) => {
                    for item in info {
                        match item {
                            Nl80211StationInfo::Signal(s) => station.signal = Some(s),
                            Nl80211StationInfo::SignalAvg(s) => station.signal_avg = Some(s),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        out.push(station);
    }
    Ok(out)
}

/// The BSSes of a `GET_SCAN` dump. A BSS message that does not parse is
/// skipped (and logged), so one odd access point in range cannot hide the
/// others; a reply that is itself broken is an error.
pub(crate) fn parse_scan(reply: &[u8]) -> Result<Vec<Bss>, ReplyError> {
    let mut out = Vec::new();
    for message in messages(reply)? {
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                log::debug!(target: "Wifi", "skipping a scan entry: {e:?}");
                continue;
            }
        };
        for attr in message.attributes {
            let Nl80211Attr::Bss(infos) = attr else {
                continue;
            };
            let mut bss = Bss::default();
            let mut beacon_ssid = None;
            for info in infos {
                match info {
                    Nl80211BssInfo::Bssid(b) => bss.bssid = Some(b),
                    Nl80211BssInfo::Frequency(f) => bss.frequency = Some(f),
                    Nl80211BssInfo::SignalMbm(s) => bss.signal_mbm = Some(s),
                    Nl80211BssInfo::Status(s) => bss.status = Some(s),
                    Nl80211BssInfo::RawInformationElements(ies) => bss.ssid = ssid_from_ies(&ies),
                    Nl80211BssInfo::RawBeaconInformationElements(ies) => {
                        beacon_ssid = ssid_from_ies(&ies)
                    }
                    _ => {}
                }
            }
            if bss.ssid.is_none() {
                bss.ssid = beacon_ssid;
            }
            out.push(bss);
        }
    }
    Ok(out)
}

/// The SSID element of a list of information elements (id, length, body).
/// Stops at the first element that overruns the buffer.
pub(crate) fn ssid_from_ies(mut ies: &[u8]) -> Option<Vec<u8>> {
    while let [id, len, rest @ ..] = ies {
        let body = rest.get(..usize::from(*len))?;
        if *id == IE_SSID {
            return (!body.is_empty()).then(|| body.to_vec());
        }
        ies = &rest[body.len()..];
    }
    None
}

/// The operation name of `GET_INTERFACE` in errors.
const GET_INTERFACE: &str = "nl80211 GET_INTERFACE";

/// The nl80211 family id from the controller's reply; `ENOENT` (no such
/// family) means the kernel has no wireless support.
pub(crate) fn family_from_reply(reply: &[u8]) -> Result<u16, WifiError> {
    parse_family_id(reply).map_err(|e| match e {
        ReplyError::Kernel(errno) if errno == libc::ENOENT => WifiError::WirelessUnsupported,
        e => WifiError::from_reply("resolving nl80211", e),
    })
}

/// The interface from the reply to `GET_INTERFACE`; `ENODEV` (or
/// `EOPNOTSUPP`) means nl80211 does not know the link: it is not wireless.
pub(crate) fn interface_from_reply(
    name: &InterfaceName,
    reply: &[u8],
) -> Result<Interface, WifiError> {
    parse_interface(reply).map_err(|e| match e {
        ReplyError::Kernel(errno) if errno == libc::ENODEV || errno == libc::EOPNOTSUPP => {
            WifiError::NotWireless(name.clone())
        }
        e => WifiError::from_reply(GET_INTERFACE, e),
    })
}

// ----------------------------------------------------------- socket layer

/// A generic-netlink channel with the nl80211 family resolved.
#[derive(Debug)]
pub(crate) struct Nl80211 {
    channel: Channel,
    family: u16,
}

fn exchange_error(operation: &'static str, e: ExchangeError) -> WifiError {
    match e {
        ExchangeError::Io(e) => WifiError::io(operation, e),
        ExchangeError::Reply(e) => WifiError::from_reply(operation, e),
    }
}

impl Nl80211 {
    /// Resolves the `nl80211` family. `ENOENT` from the controller (or no
    /// generic netlink at all) means the kernel has no wireless support.
    pub(crate) fn resolve() -> Result<Self, WifiError> {
        const OPERATION: &str = "resolving nl80211";
        let mut channel = Channel::open(NETLINK_GENERIC).map_err(|e| {
            if e.raw_os_error() == Some(libc::EPROTONOSUPPORT) {
                WifiError::WirelessUnsupported
            } else {
                WifiError::io(OPERATION, e)
            }
        })?;
        let request = GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName("nl80211".to_owned())],
        });
        let reply = channel
            .exchange(finalized(request), NLM_F_ACK)
            .map_err(|e| exchange_error(OPERATION, e))?;
        let family = family_from_reply(&reply)?;
        log::trace!(target: "Wifi", "nl80211 is family {family}");
        Ok(Nl80211 { channel, family })
    }

    fn request(
        &mut self,
        cmd: Nl80211Command,
        ifindex: u32,
        flags: u16,
        operation: &'static str,
    ) -> Result<Vec<u8>, WifiError> {
        let mut message = GenlMessage::from_payload(Nl80211Message {
            cmd,
            attributes: vec![Nl80211Attr::IfIndex(ifindex)],
        });
        message.set_resolved_family_id(self.family);
        self.channel
            .exchange(finalized(message), flags)
            .map_err(|e| exchange_error(operation, e))
    }

    /// `GET_INTERFACE` for `ifindex`. `ENODEV` (or `EOPNOTSUPP`) means
    /// nl80211 does not know the interface: it is not wireless.
    pub(crate) fn interface(
        &mut self,
        name: &InterfaceName,
        ifindex: u32,
    ) -> Result<Interface, WifiError> {
        let reply = self.request(
            Nl80211Command::GetInterface,
            ifindex,
            NLM_F_ACK,
            GET_INTERFACE,
        )?;
        interface_from_reply(name, &reply)
    }

    /// `GET_STATION` dump for `ifindex`.
    pub(crate) fn stations(&mut self, ifindex: u32) -> Result<Vec<Station>, WifiError> {
        const OPERATION: &str = "nl80211 GET_STATION";
        let reply = self.request(Nl80211Command::GetStation, ifindex, NLM_F_DUMP, OPERATION)?;
        parse_stations(&reply).map_err(|e| WifiError::from_reply(OPERATION, e))
    }

    /// `GET_SCAN` dump (the kernel's scan cache) for `ifindex`.
    pub(crate) fn scan(&mut self, ifindex: u32) -> Result<Vec<Bss>, WifiError> {
        const OPERATION: &str = "nl80211 GET_SCAN";
        let reply = self.request(Nl80211Command::GetScan, ifindex, NLM_F_DUMP, OPERATION)?;
        parse_scan(&reply).map_err(|e| WifiError::from_reply(OPERATION, e))
    }
}

fn finalized<F>(mut message: GenlMessage<F>) -> GenlMessage<F>
where
    F: netlink_packet_generic::GenlFamily + std::fmt::Debug,
{
    message.finalize();
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssid_element_is_found_and_bounded() {
        assert_eq!(
            ssid_from_ies(&[0, 3, b'a', b'b', b'c']),
            Some(b"abc".to_vec())
        );
        // After another element.
        assert_eq!(
            ssid_from_ies(&[1, 1, 0x82, 0, 1, b'x']),
            Some(b"x".to_vec())
        );
        // Hidden SSID (empty), overrun, empty.
        assert_eq!(ssid_from_ies(&[0, 0]), None);
        assert_eq!(ssid_from_ies(&[0, 9, b'a']), None);
        assert_eq!(ssid_from_ies(&[]), None);
        assert_eq!(ssid_from_ies(&[7]), None);
    }

    #[test]
    fn mbm_rounds_to_nearest_dbm() {
        let bss = |mbm| Bss {
            signal_mbm: Some(mbm),
            ..Bss::default()
        };
        assert_eq!(bss(-5250).signal_dbm(), Some(-53));
        assert_eq!(bss(-5249).signal_dbm(), Some(-52));
        assert_eq!(bss(-4000).signal_dbm(), Some(-40));
    }

    #[test]
    fn this_kernel_has_no_nl80211() {
        // The machine this crate is developed and tested on has no cfg80211;
        // a kernel that has it resolves the family instead.
        let cfg80211 = std::path::Path::new("/sys/class/ieee80211").exists();
        match Nl80211::resolve() {
            Err(WifiError::WirelessUnsupported) => assert!(!cfg80211),
            Ok(_) => assert!(cfg80211),
            Err(e) => panic!("unexpected: {e}"),
        }
    }
}
