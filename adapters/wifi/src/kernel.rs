//! The kernel as the adapter sees it: links (rtnetlink) and wireless
//! queries (nl80211). A trait, so the order of checks, the events and the
//! signal rules can be tested with a scripted kernel as well as the real one.

use crate::error::WifiError;
use crate::link::{self, LinkStatus};
use crate::nl80211::{Bss, Interface, Nl80211, Station};
use crate::InterfaceName;

/// Links.
pub(crate) trait Kernel: Send + Sync {
    /// The link named `name` (`ENODEV` → no such interface).
    fn link(&self, name: &InterfaceName) -> Result<LinkStatus, WifiError>;
    /// Sets `IFF_UP` on or off.
    fn set_link(&self, name: &InterfaceName, index: u32, up: bool) -> Result<(), WifiError>;
    /// Resolves nl80211 (fails → wireless unsupported).
    fn nl80211(&self) -> Result<Box<dyn Wireless + '_>, WifiError>;
}

/// nl80211 queries, once the family is resolved.
pub(crate) trait Wireless {
    /// `GET_INTERFACE` (unknown to nl80211 → not wireless).
    fn interface(&mut self, name: &InterfaceName, index: u32) -> Result<Interface, WifiError>;
    /// `GET_STATION` dump.
    fn stations(&mut self, index: u32) -> Result<Vec<Station>, WifiError>;
    /// `GET_SCAN` dump.
    fn scan(&mut self, index: u32) -> Result<Vec<Bss>, WifiError>;
}

/// The running kernel.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SystemKernel;

impl Kernel for SystemKernel {
    fn link(&self, name: &InterfaceName) -> Result<LinkStatus, WifiError> {
        link::lookup(name)
    }

    fn set_link(&self, name: &InterfaceName, index: u32, up: bool) -> Result<(), WifiError> {
        link::set_flags(name, index, up)
    }

    fn nl80211(&self) -> Result<Box<dyn Wireless + '_>, WifiError> {
        Ok(Box::new(Nl80211::resolve()?))
    }
}

impl Wireless for Nl80211 {
    fn interface(&mut self, name: &InterfaceName, index: u32) -> Result<Interface, WifiError> {
        Nl80211::interface(self, name, index)
    }

    fn stations(&mut self, index: u32) -> Result<Vec<Station>, WifiError> {
        Nl80211::stations(self, index)
    }

    fn scan(&mut self, index: u32) -> Result<Vec<Bss>, WifiError> {
        Nl80211::scan(self, index)
    }
}
