//! Links the built-in adapter crates chosen by cargo features, so that the
//! registrations they submit with `inventory` are part of the program.
//! The core's own code never names them.

#[cfg(feature = "auth")]
use hologram_auth as _;
#[cfg(feature = "cellular")]
use hologram_cellular as _;
#[cfg(feature = "outbox")]
use hologram_outbox as _;
#[cfg(feature = "sim")]
use hologram_sim as _;
#[cfg(feature = "tcp")]
use hologram_tcp as _;
#[cfg(feature = "wifi")]
use hologram_wifi as _;
