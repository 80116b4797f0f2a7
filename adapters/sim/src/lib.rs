//! The simulated network interface and the embedded Hologram cloud simulator.
#![deny(missing_docs, missing_debug_implementations)]
