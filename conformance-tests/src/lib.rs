//! The conformance kit: one public check per rule of each port contract of the Hologram SDK.
#![deny(missing_docs, missing_debug_implementations)]
