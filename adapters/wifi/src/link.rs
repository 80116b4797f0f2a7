//! Link control through rtnetlink: look a link up by name, set it up or
//! down (`IFF_UP`), read its flags back. No `ip`, no `ifconfig`.
//!
//! Errors are decided from the kernel's answer: `ENODEV` is
//! [`NetworkError::NoSuchInterface`], `EPERM`/`EACCES` is
//! [`NetworkError::PermissionDenied`], whatever the uid.
//!
//! ```no_run
//! use hologram_wifi::{link, InterfaceName};
//! let name = InterfaceName::new("wlan0")?;
//! link::set_up(&name, true)?;
//! assert!(link::status(&name)?.is_up());
//! # Ok::<(), hologram_ports::NetworkError>(())
//! ```

use hologram_ports::NetworkError;
use netlink_packet_core::NLM_F_ACK;
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::protocols::NETLINK_ROUTE;

use crate::error::WifiError;
use crate::netlink::{data_frames, Channel, ExchangeError, ReplyError};
use crate::InterfaceName;

/// `RTM_NEWLINK`: the type of the kernel's answer to `RTM_GETLINK`.
const RTM_NEWLINK: u16 = 16;
/// `IFF_UP`.
const IFF_UP: u32 = libc::IFF_UP as u32;

/// A link as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkStatus {
    index: u32,
    flags: u32,
}

impl LinkStatus {
    #[cfg(test)]
    pub(crate) fn new(index: u32, flags: u32) -> Self {
        LinkStatus { index, flags }
    }

    /// The interface index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The raw `IFF_*` flags.
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// Whether `IFF_UP` is set (administratively up).
    pub fn is_up(&self) -> bool {
        self.flags & IFF_UP != 0
    }

    /// Whether `IFF_RUNNING` is set (the carrier is there; for Wi-Fi,
    /// associated).
    pub fn is_running(&self) -> bool {
        self.flags & libc::IFF_RUNNING as u32 != 0
    }
}

/// The link named `name`.
pub fn status(name: &InterfaceName) -> Result<LinkStatus, NetworkError> {
    lookup(name).map_err(NetworkError::from)
}

/// Sets the link named `name` up or down and checks the kernel took it.
pub fn set_up(name: &InterfaceName, up: bool) -> Result<(), NetworkError> {
    let link = lookup(name)?;
    set_flags(name, link.index, up).map_err(NetworkError::from)
}

/// Looks the link up by name (`RTM_GETLINK` with `IFLA_IFNAME`).
pub(crate) fn lookup(name: &InterfaceName) -> Result<LinkStatus, WifiError> {
    let mut request = LinkMessage::default();
    request
        .attributes
        .push(LinkAttribute::IfName(name.as_str().to_owned()));
    let reply = exchange(RouteNetlinkMessage::GetLink(request), "looking up the link").map_err(
        |e| match e {
            WifiError::Kernel { errno, .. } if errno == libc::ENODEV => {
                WifiError::NoSuchInterface(name.clone())
            }
            other => other,
        },
    )?;
    parse_link(&reply).map_err(|e| WifiError::from_reply("looking up the link", e))
}

/// Sets `IFF_UP` on or off for link `index` (`RTM_SETLINK` with a change
/// mask of `IFF_UP` only, so no other flag is touched).
pub(crate) fn set_flags(name: &InterfaceName, index: u32, up: bool) -> Result<(), WifiError> {
    let operation = if up {
        "setting the link up"
    } else {
        "setting the link down"
    };
    let mut request = LinkMessage::default();
    request.header.index = index;
    request.header.flags = if up {
        LinkFlags::Up
    } else {
        LinkFlags::empty()
    };
    request.header.change_mask = LinkFlags::Up;
    exchange(RouteNetlinkMessage::SetLink(request), operation).map_err(|e| match e {
        WifiError::Kernel { errno, .. } if errno == libc::ENODEV => {
            WifiError::NoSuchInterface(name.clone())
        }
        other => other,
    })?;
    log::debug!(target: "Wifi", "{name}: {operation}: done");
    Ok(())
}

fn exchange(message: RouteNetlinkMessage, operation: &'static str) -> Result<Vec<u8>, WifiError> {
    let mut channel = Channel::open(NETLINK_ROUTE).map_err(|e| WifiError::io(operation, e))?;
    channel
        .exchange(message, NLM_F_ACK)
        .map_err(|e| match e {
            ExchangeError::Io(e) => WifiError::io(operation, e),
            ExchangeError::Reply(e) => WifiError::from_reply(operation, e),
        })
        .and_then(|reply| {
            // An acknowledged request may still carry an error.
            data_frames(&reply).map_err(|e| WifiError::from_reply(operation, e))?;
            Ok(reply)
        })
}

/// Reads the `ifinfomsg` header of the first `RTM_NEWLINK` in a reply.
pub(crate) fn parse_link(reply: &[u8]) -> Result<LinkStatus, ReplyError> {
    let (_, payload) = data_frames(reply)?
        .into_iter()
        .find(|(message_type, _)| *message_type == RTM_NEWLINK)
        .ok_or_else(|| ReplyError::malformed("no link in the reply"))?;
    let word = |at: usize| -> Result<u32, ReplyError> {
        payload
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_ne_bytes)
            .ok_or_else(|| ReplyError::malformed("link message shorter than its header"))
    };
    Ok(LinkStatus {
        index: word(4)?,
        flags: word(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::tests::{error, message};

    #[test]
    fn parses_the_link_header() {
        let mut ifinfo = vec![0u8, 0, 1, 0];
        ifinfo.extend_from_slice(&7u32.to_ne_bytes());
        ifinfo.extend_from_slice(&(IFF_UP | libc::IFF_RUNNING as u32).to_ne_bytes());
        ifinfo.extend_from_slice(&0u32.to_ne_bytes());
        let mut reply = message(RTM_NEWLINK, 0, 1, &ifinfo);
        reply.extend(error(0, 1));
        let link = parse_link(&reply).unwrap();
        assert_eq!(link.index(), 7);
        assert!(link.is_up() && link.is_running());
        assert_eq!(
            parse_link(&message(RTM_NEWLINK, 0, 1, &ifinfo[..8])),
            Err(ReplyError::malformed(
                "link message shorter than its header"
            ))
        );
        assert_eq!(
            parse_link(&error(libc::ENODEV, 1)),
            Err(ReplyError::Kernel(libc::ENODEV))
        );
    }

    #[test]
    fn missing_link_is_no_such_interface() {
        let name = InterfaceName::new("hlgnolink0").unwrap();
        assert_eq!(
            status(&name),
            Err(NetworkError::NoSuchInterface {
                name: "hlgnolink0".into()
            })
        );
    }

    #[test]
    fn loopback_exists() {
        let lo = status(&InterfaceName::new("lo").unwrap()).unwrap();
        assert_eq!(lo.index(), 1);
    }
}
