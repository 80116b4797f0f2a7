//! The raw and cloud transports of the Hologram SDK, on mio.
#![deny(missing_docs, missing_debug_implementations)]
