//! The nl80211 parsers against recorded replies (`tests/data/*.hex`).
//!
//! The recordings are produced by `record_replies` below (run it with
//! `HOLOGRAM_WIFI_RECORD=1 cargo test -p hologram-wifi record_replies --
//! --ignored`): nl80211 messages with `wl-nl80211`'s emitter, controller
//! messages with `netlink-packet-generic`'s, the netlink framing (headers,
//! ACK, DONE, errors) and one interface reply assembled by hand from the
//! layouts in `netlink(7)` and `nl80211.h`. `tests/data/README.md` lists
//! them. The tests read the files, not the generator, so they check the
//! bytes as stored.

use std::path::PathBuf;

use hologram_ports::NetworkError;
use netlink_packet_core::{NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_MULTIPART};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlMessage};
use wl_nl80211::packet_core::Emitable;
use wl_nl80211::{
    Nl80211Attr, Nl80211BssInfo, Nl80211Command, Nl80211InterfaceType, Nl80211Message,
    Nl80211StationInfo,
};

use crate::netlink::tests::{error, message};
use crate::netlink::ReplyError;
use crate::nl80211::{
    family_from_reply, interface_from_reply, parse_family_id, parse_interface, parse_scan,
    parse_stations, Bss, Station, GENL_ID_CTRL,
};

/// The family id the recordings use for nl80211 (the kernel assigns one at
/// boot; 0x1c is a common value).
const FAMILY: u16 = 0x1c;
const SEQ: u32 = 1;
const NLMSG_DONE: u16 = 3;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Reads a `.hex` recording: hex byte pairs, whitespace, `#` comments.
fn load(name: &str) -> Vec<u8> {
    let path = data_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let digits: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    assert!(
        digits.len().is_multiple_of(2),
        "{name}: odd number of hex digits"
    );
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("hex"))
        .collect()
}

// ------------------------------------------------------------- generator

fn emit<F>(payload: F, family: u16, flags: u16) -> Vec<u8>
where
    F: GenlFamily + Emitable + std::fmt::Debug,
{
    let mut genl = GenlMessage::from_payload(payload);
    genl.set_resolved_family_id(family);
    genl.finalize();
    let mut header = NetlinkHeader::default();
    header.flags = flags;
    header.sequence_number = SEQ;
    header.port_number = 0x3f2a;
    let mut msg = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
    msg.finalize();
    let mut out = vec![0u8; msg.buffer_len()];
    msg.serialize(&mut out);
    out.resize((out.len() + 3) & !3, 0);
    out
}

fn nl80211(cmd: Nl80211Command, attributes: Vec<Nl80211Attr>, flags: u16) -> Vec<u8> {
    emit(Nl80211Message { cmd, attributes }, FAMILY, flags)
}

fn done() -> Vec<u8> {
    message(NLMSG_DONE, NLM_F_MULTIPART, SEQ, &0i32.to_ne_bytes())
}

fn interface_attrs(ssid: Option<&[u8]>) -> Vec<Nl80211Attr> {
    let mut attrs = vec![
        Nl80211Attr::IfIndex(3),
        Nl80211Attr::IfName("wlan0".into()),
        Nl80211Attr::Wiphy(0),
        Nl80211Attr::IfType(Nl80211InterfaceType::Station),
        Nl80211Attr::Wdev(1),
        Nl80211Attr::Mac([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]),
        Nl80211Attr::Generation(5),
        Nl80211Attr::Use4Addr(false),
        Nl80211Attr::WiphyFreq(2412),
    ];
    if let Some(ssid) = ssid {
        attrs.push(Nl80211Attr::SsidRaw(ssid.to_vec()));
    }
    attrs
}

/// An nla: length, type, value, padding.
fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
    let mut out = ((4 + value.len()) as u16).to_ne_bytes().to_vec();
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(value);
    out.resize((out.len() + 3) & !3, 0);
    out
}

/// `NL80211_CMD_NEW_INTERFACE` with a non-UTF-8 SSID, by hand: genl header
/// (cmd 7, version 1), then IFINDEX (3), IFNAME (4), IFTYPE (5) = station
/// (2), MAC (6), SSID (52).
fn hand_assembled_interface() -> Vec<u8> {
    let mut payload = vec![7u8, 1, 0, 0];
    payload.extend(nla(3, &3u32.to_ne_bytes()));
    payload.extend(nla(4, b"wlan0\0"));
    payload.extend(nla(5, &2u32.to_ne_bytes()));
    payload.extend(nla(6, &[0x02, 0, 0, 0, 0, 0x01]));
    payload.extend(nla(52, b"caf\xe9\xff\x00net"));
    let mut out = message(FAMILY, 0, SEQ, &payload);
    out.extend(error(0, SEQ));
    out
}

fn station(signal_avg: Option<i8>) -> Vec<u8> {
    let mut info = vec![
        Nl80211StationInfo::InactiveTime(120),
        Nl80211StationInfo::RxBytes(483_211),
        Nl80211StationInfo::TxBytes(92_876),
        Nl80211StationInfo::Signal(-60),
    ];
    if let Some(avg) = signal_avg {
        info.push(Nl80211StationInfo::SignalAvg(avg));
    }
    info.push(Nl80211StationInfo::RxPackets(3021));
    info.push(Nl80211StationInfo::TxPackets(811));
    let mut out = nl80211(
        Nl80211Command::NewStation,
        vec![
            Nl80211Attr::IfIndex(3),
            Nl80211Attr::Mac([0x02, 0x00, 0x00, 0x00, 0x01, 0x00]),
            Nl80211Attr::Generation(5),
            Nl80211Attr::StationInfo(info),
        ],
        NLM_F_MULTIPART,
    );
    out.extend(done());
    out
}

fn bss_message(bssid_last: u8, mbm: i32, status: Option<u32>, ies: Vec<u8>) -> Vec<u8> {
    let mut info = vec![
        Nl80211BssInfo::Bssid([0x02, 0x00, 0x00, 0x00, 0x01, bssid_last]),
        Nl80211BssInfo::Frequency(2412),
        Nl80211BssInfo::Tsf(987_654_321),
        Nl80211BssInfo::BeaconInterval(100),
        Nl80211BssInfo::RawInformationElements(ies),
        Nl80211BssInfo::SignalMbm(mbm),
        Nl80211BssInfo::SeenMsAgo(240),
    ];
    if let Some(status) = status {
        info.push(Nl80211BssInfo::Status(status));
    }
    nl80211(
        Nl80211Command::NewScanResults,
        vec![
            Nl80211Attr::Generation(17),
            Nl80211Attr::IfIndex(3),
            Nl80211Attr::Wdev(1),
            Nl80211Attr::Bss(info),
        ],
        NLM_F_MULTIPART,
    )
}

/// SSID element, supported rates, DS parameter set.
fn ies(ssid: &[u8]) -> Vec<u8> {
    let mut out = vec![0, ssid.len() as u8];
    out.extend_from_slice(ssid);
    out.extend_from_slice(&[1, 4, 0x82, 0x84, 0x8b, 0x96, 3, 1, 1]);
    out
}

fn scan_dump() -> Vec<u8> {
    let mut out = bss_message(0x00, -6100, Some(1), ies(b"home"));
    out.extend(bss_message(0x01, -4850, None, ies(b"home")));
    out.extend(bss_message(0x02, -3000, None, ies(b"neighbour")));
    out.extend(bss_message(0x03, -5500, None, ies(b"\xff\xfeguest")));
    // A BSS whose elements overrun their buffer: kept, with no SSID.
    out.extend(bss_message(0x04, -2000, None, vec![0, 40, b'x']));
    out.extend(done());
    out
}

fn family_reply() -> Vec<u8> {
    let mut out = emit(
        GenlCtrl {
            cmd: GenlCtrlCmd::NewFamily,
            nlas: vec![
                GenlCtrlAttrs::FamilyName("nl80211".into()),
                GenlCtrlAttrs::FamilyId(FAMILY),
                GenlCtrlAttrs::Version(1),
                GenlCtrlAttrs::HdrSize(0),
                GenlCtrlAttrs::MaxAttr(337),
            ],
        },
        GENL_ID_CTRL,
        0,
    );
    out.extend(error(0, SEQ));
    out
}

fn write(name: &str, what: &str, bytes: &[u8]) {
    let mut text = format!(
        "# {what}\n# {} bytes; produced by src/recorded.rs (record_replies)\n",
        bytes.len()
    );
    for line in bytes.chunks(16) {
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        text.push_str(&hex.join(" "));
        text.push('\n');
    }
    std::fs::write(data_dir().join(name), text).expect("write recording");
}

/// Writes the recordings. Ignored unless asked for: the stored files are
/// the test data; this says how they were made.
#[test]
#[ignore = "writes tests/data; run with HOLOGRAM_WIFI_RECORD=1 -- --ignored"]
fn record_replies() {
    assert!(
        std::env::var_os("HOLOGRAM_WIFI_RECORD").is_some(),
        "set HOLOGRAM_WIFI_RECORD=1 to rewrite tests/data (this test writes files)"
    );
    let interface = |ssid: Option<&[u8]>| {
        let mut out = nl80211(Nl80211Command::NewInterface, interface_attrs(ssid), 0);
        out.extend(error(0, SEQ));
        out
    };
    let scan = scan_dump();
    write(
        "ctrl_family_nl80211.hex",
        "CTRL_CMD_GETFAMILY nl80211: NEWFAMILY, ACK",
        &family_reply(),
    );
    write(
        "ctrl_family_enoent.hex",
        "CTRL_CMD_GETFAMILY nl80211 on a kernel without cfg80211: NLMSG_ERROR -ENOENT",
        &error(libc::ENOENT, SEQ),
    );
    write(
        "interface_associated.hex",
        "GET_INTERFACE wlan0, associated to \"home\": NEW_INTERFACE, ACK",
        &interface(Some(b"home")),
    );
    write(
        "interface_no_ssid.hex",
        "GET_INTERFACE wlan0, not associated (no SSID attribute): NEW_INTERFACE, ACK",
        &interface(None),
    );
    write(
        "interface_non_utf8_ssid.hex",
        "GET_INTERFACE wlan0, SSID caf\\xe9\\xff\\x00net (hand-assembled): NEW_INTERFACE, ACK",
        &hand_assembled_interface(),
    );
    write(
        "interface_enodev.hex",
        "GET_INTERFACE on a link nl80211 does not know: NLMSG_ERROR -ENODEV",
        &error(libc::ENODEV, SEQ),
    );
    write(
        "station_signal_avg.hex",
        "GET_STATION dump: one station with SIGNAL -60 and SIGNAL_AVG -55, DONE",
        &station(Some(-55)),
    );
    write(
        "station_no_signal_avg.hex",
        "GET_STATION dump: one station with SIGNAL -60 only, DONE",
        &station(None),
    );
    write(
        "scan_dump.hex",
        "GET_SCAN dump: five BSSes in five NLM_F_MULTI messages, DONE",
        &scan,
    );
    write(
        "scan_dump_truncated.hex",
        "the GET_SCAN dump cut in the middle of its third message",
        &scan[..scan.len() / 2],
    );
}

// ----------------------------------------------------------------- tests

#[test]
fn family_id_resolves() {
    assert_eq!(
        parse_family_id(&load("ctrl_family_nl80211.hex")),
        Ok(FAMILY)
    );
}

#[test]
fn missing_family_is_wireless_unsupported() {
    let reply = load("ctrl_family_enoent.hex");
    assert_eq!(
        parse_family_id(&reply),
        Err(ReplyError::Kernel(libc::ENOENT))
    );
    // What the socket layer makes of it.
    let err = family_from_reply(&reply).unwrap_err();
    assert_eq!(NetworkError::from(err), NetworkError::WirelessUnsupported);
    assert_eq!(
        family_from_reply(&load("ctrl_family_nl80211.hex")).unwrap(),
        FAMILY
    );
}

#[test]
fn interface_with_ssid() {
    let iface = parse_interface(&load("interface_associated.hex")).unwrap();
    assert_eq!(iface.ifindex, Some(3));
    assert_eq!(iface.name.as_deref(), Some("wlan0"));
    assert_eq!(iface.ssid.as_deref(), Some(&b"home"[..]));
    assert_eq!(iface.mac, Some([2, 0, 0, 0, 0, 1]));
}

#[test]
fn interface_without_ssid() {
    let iface = parse_interface(&load("interface_no_ssid.hex")).unwrap();
    assert_eq!(iface.ifindex, Some(3));
    assert_eq!(iface.ssid, None);
}

#[test]
fn interface_with_non_utf8_ssid() {
    let iface = parse_interface(&load("interface_non_utf8_ssid.hex")).unwrap();
    let raw = iface.ssid.expect("ssid");
    assert_eq!(raw, b"caf\xe9\xff\x00net");
    let ssid = hologram_ports::Ssid::new(&raw).unwrap();
    assert_eq!(ssid.to_string(), "caf\u{fffd}\u{fffd}\u{0}net");
    // The kernel NUL-terminates strings; the parser drops the NUL.
    assert_eq!(iface.name.as_deref(), Some("wlan0"));
}

#[test]
fn error_reply_is_not_wireless() {
    let reply = load("interface_enodev.hex");
    assert_eq!(
        parse_interface(&reply),
        Err(ReplyError::Kernel(libc::ENODEV))
    );
    // What the socket layer makes of it.
    let name = crate::InterfaceName::new("eth0").unwrap();
    let err = interface_from_reply(&name, &reply).unwrap_err();
    assert_eq!(
        NetworkError::from(err),
        NetworkError::NotWireless {
            name: "eth0".into()
        }
    );
    let iface = interface_from_reply(&name, &load("interface_associated.hex")).unwrap();
    assert_eq!(iface.ssid.as_deref(), Some(&b"home"[..]));
    // A permission error is not mistaken for "not wireless".
    let err = interface_from_reply(&name, &error(libc::EPERM, SEQ)).unwrap_err();
    assert!(
        matches!(
            NetworkError::from(err),
            NetworkError::PermissionDenied { .. }
        ),
        "EPERM"
    );
}

#[test]
fn station_with_signal_avg() {
    let stations = parse_stations(&load("station_signal_avg.hex")).unwrap();
    assert_eq!(
        stations,
        [Station {
            mac: Some([2, 0, 0, 0, 1, 0]),
            signal: Some(-60),
            signal_avg: Some(-55)
        }]
    );
    let r = crate::station_reading(&stations).unwrap();
    assert_eq!(
        (r.dbm(), r.source()),
        (-55, hologram_ports::SignalSource::StationAverage)
    );
}

#[test]
fn station_without_signal_avg() {
    let stations = parse_stations(&load("station_no_signal_avg.hex")).unwrap();
    assert_eq!(stations.len(), 1);
    assert_eq!(stations[0].signal_avg, None);
    let r = crate::station_reading(&stations).unwrap();
    assert_eq!(
        (r.dbm(), r.source()),
        (-60, hologram_ports::SignalSource::StationLast)
    );
}

#[test]
fn multi_part_scan_dump() {
    let bsses = parse_scan(&load("scan_dump.hex")).unwrap();
    assert_eq!(bsses.len(), 5);
    let associated: Vec<&Bss> = bsses.iter().filter(|b| b.is_associated()).collect();
    assert_eq!(associated.len(), 1);
    assert_eq!(associated[0].bssid, Some([2, 0, 0, 0, 1, 0]));
    assert_eq!(associated[0].signal_dbm(), Some(-61));
    let home_max = bsses
        .iter()
        .filter(|b| b.ssid.as_deref() == Some(&b"home"[..]))
        .filter_map(Bss::signal_dbm)
        .max();
    assert_eq!(home_max, Some(-49)); // -4850 mBm: -48.5 dBm rounds away from zero
    assert_eq!(bsses[3].ssid.as_deref(), Some(&b"\xff\xfeguest"[..]));
    assert_eq!(bsses[4].ssid, None, "overrunning elements give no SSID");
    assert_eq!(bsses[4].signal_dbm(), Some(-20));
}

#[test]
fn truncated_message_is_an_error() {
    let reply = load("scan_dump_truncated.hex");
    assert!(matches!(parse_scan(&reply), Err(ReplyError::Malformed(_))));
    // Every cut of every recording is an error or a shorter answer, never a panic.
    for name in [
        "ctrl_family_nl80211.hex",
        "interface_associated.hex",
        "interface_non_utf8_ssid.hex",
        "station_signal_avg.hex",
        "scan_dump.hex",
    ] {
        let full = load(name);
        for cut in 0..full.len() {
            let part = &full[..cut];
            let _ = parse_family_id(part);
            let _ = parse_interface(part);
            let _ = parse_stations(part);
            let _ = parse_scan(part);
        }
    }
}

#[test]
fn recordings_match_their_generator() {
    // The stored bytes are the test data; this only guards against editing
    // a file by hand and forgetting the README.
    assert_eq!(load("scan_dump.hex"), scan_dump());
    assert_eq!(
        load("interface_non_utf8_ssid.hex"),
        hand_assembled_interface()
    );
}

#[test]
fn corrupted_recordings_never_panic() {
    // Each byte of each recording set to 0x00, 0x7f and 0xff in turn.
    for name in [
        "ctrl_family_nl80211.hex",
        "interface_associated.hex",
        "station_signal_avg.hex",
        "scan_dump.hex",
    ] {
        let full = load(name);
        for at in 0..full.len() {
            for value in [0x00, 0x7f, 0xff] {
                let mut bytes = full.clone();
                bytes[at] = value;
                let _ = parse_family_id(&bytes);
                let _ = parse_interface(&bytes);
                let _ = parse_stations(&bytes);
                let _ = parse_scan(&bytes);
            }
        }
    }
}
