//! The wifi network interface of the Hologram SDK: Linux, rtnetlink + nl80211 + wpa_supplicant, no shelling out.
#![deny(missing_docs, missing_debug_implementations)]
