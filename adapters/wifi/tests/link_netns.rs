//! Link control for real: in a network namespace this test creates (with
//! `unshare(CLONE_NEWNET)` on a thread of its own), make a veth pair through
//! rtnetlink, drive the adapter's link control on it, and read `IFF_UP`
//! back from the kernel with `SIOCGIFFLAGS` (an ioctl, not our netlink
//! code). Where namespaces are forbidden, each test says SKIPPED, and fails
//! under `CI=true` (CI runs as root, where namespaces are allowed).

use std::ffi::CString;

use hologram_ports::{NetworkError, NetworkInterface};
use hologram_wifi::{link, InterfaceName, Wifi};
use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL,
    NLM_F_REQUEST,
};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkInfo, LinkMessage,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

/// Runs `f` on a new thread inside a new network namespace; `None` (and a
/// visible message) when the machine forbids it.
fn in_new_netns<T: Send + 'static>(
    test: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    std::thread::spawn(move || {
        // Affects this thread only: its netlink sockets live in the new namespace.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        if rc != 0 {
            let e = std::io::Error::last_os_error();
            return Err(e);
        }
        Ok(f())
    })
    .join()
    .expect("namespace thread panicked")
    .map_err(|e| {
        hologram_conformance::testing::missing(
            test,
            &format!("cannot create a network namespace here: {e}"),
        )
    })
    .ok()
}

/// Creates the veth pair `a`/`b` through rtnetlink (RTM_NEWLINK, kind veth).
fn create_veth(a: &str, b: &str) {
    let mut peer = LinkMessage::default();
    peer.attributes.push(LinkAttribute::IfName(b.to_owned()));
    let mut msg = LinkMessage::default();
    msg.attributes.push(LinkAttribute::IfName(a.to_owned()));
    msg.attributes.push(LinkAttribute::LinkInfo(vec![
        LinkInfo::Kind(InfoKind::Veth),
        LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))),
    ]));
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    header.sequence_number = 1;
    let mut packet = NetlinkMessage::new(
        header,
        NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(msg)),
    );
    packet.finalize();
    let mut buf = vec![0u8; packet.buffer_len()];
    packet.serialize(&mut buf);

    let mut socket = Socket::new(NETLINK_ROUTE).expect("netlink socket");
    socket.bind_auto().expect("bind");
    socket.connect(&SocketAddr::new(0, 0)).expect("connect");
    socket.send(&buf, 0).expect("send");
    let (reply, _) = socket.recv_from_full().expect("recv");
    let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&reply).expect("parse ack");
    match reply.payload {
        NetlinkPayload::Error(e) if e.code.is_none() => {}
        other => panic!("creating veth {a}/{b}: {other:?}"),
    }
}

/// The interface flags as `SIOCGIFFLAGS` reports them.
fn ioctl_flags(name: &str) -> u32 {
    let cname = CString::new(name).expect("name");
    #[allow(unsafe_code)]
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(cname.as_bytes_with_nul()) {
            *dst = *src as libc::c_char;
        }
        let rc = libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut req);
        let err = std::io::Error::last_os_error();
        libc::close(fd);
        assert_eq!(rc, 0, "SIOCGIFFLAGS {name}: {err}");
        req.ifr_ifru.ifru_flags as u16 as u32
    }
}

const IFF_UP: u32 = libc::IFF_UP as u32;

fn name(s: &str) -> InterfaceName {
    InterfaceName::new(s).expect("valid name")
}

#[test]
fn link_up_and_down_in_a_namespace() {
    let Some(()) = in_new_netns("link_up_and_down_in_a_namespace", || {
        create_veth("hlg-a", "hlg-b");
        let a = name("hlg-a");
        assert_eq!(ioctl_flags("hlg-a") & IFF_UP, 0, "a new veth starts down");
        let before = link::status(&a).expect("status");
        assert!(!before.is_up());

        link::set_up(&a, true).expect("set up");
        assert_ne!(
            ioctl_flags("hlg-a") & IFF_UP,
            0,
            "the kernel reports IFF_UP"
        );
        assert!(link::status(&a).expect("status").is_up());
        assert_eq!(ioctl_flags("hlg-b") & IFF_UP, 0, "the peer is untouched");

        link::set_up(&a, true).expect("up twice is fine");
        link::set_up(&a, false).expect("set down");
        assert_eq!(
            ioctl_flags("hlg-a") & IFF_UP,
            0,
            "the kernel cleared IFF_UP"
        );
        assert_eq!(link::status(&a).expect("status").index(), before.index());
    }) else {
        return;
    };
}

#[test]
fn missing_link_in_a_namespace() {
    let Some(()) = in_new_netns("missing_link_in_a_namespace", || {
        let ghost = name("hlg-ghost");
        let expected = NetworkError::NoSuchInterface {
            name: "hlg-ghost".into(),
        };
        assert_eq!(link::status(&ghost), Err(expected.clone()));
        assert_eq!(link::set_up(&ghost, true), Err(expected.clone()));
        let mut wifi = Wifi::builder().interface(ghost).build().expect("build");
        assert_eq!(wifi.connect(), Err(expected));
        assert_eq!(wifi.disconnect(), Ok(()), "no link: already down");
    }) else {
        return;
    };
}

#[test]
fn the_adapter_checks_wireless_before_touching_the_link() {
    let Some(()) = in_new_netns(
        "the_adapter_checks_wireless_before_touching_the_link",
        || {
            create_veth("hlg-c", "hlg-d");
            let mut wifi = Wifi::builder()
                .interface(name("hlg-c"))
                .build()
                .expect("build");
            // This kernel has no cfg80211; on one that has it, a veth is not wireless.
            let err = wifi.connect().expect_err("a veth is no Wi-Fi");
            assert!(
                matches!(
                    err,
                    NetworkError::WirelessUnsupported | NetworkError::NotWireless { .. }
                ),
                "{err:?}"
            );
            assert_eq!(ioctl_flags("hlg-c") & IFF_UP, 0, "the link was left alone");
            assert!(!wifi.is_connected());
        },
    ) else {
        return;
    };
}

#[test]
fn without_cap_net_admin_the_kernel_says_eperm() {
    let Some(()) = in_new_netns("without_cap_net_admin_the_kernel_says_eperm", || {
        create_veth("hlg-e", "hlg-f");
        // Drop root on this thread only (the raw syscall, not glibc's
        // process-wide setresuid): uid 65534 has no CAP_NET_ADMIN.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::syscall(libc::SYS_setresuid, 65534, 65534, 65534) };
        assert_eq!(rc, 0, "setresuid: {}", std::io::Error::last_os_error());
        let e = name("hlg-e");
        // Reading is allowed to anyone.
        assert!(!link::status(&e).expect("status").is_up());
        assert_eq!(
            link::set_up(&e, true),
            Err(NetworkError::PermissionDenied {
                operation: "setting the link up"
            })
        );
        assert_eq!(ioctl_flags("hlg-e") & IFF_UP, 0);
    }) else {
        return;
    };
}
