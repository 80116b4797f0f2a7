//! The csrpsk and totp authenticators of the Hologram SDK: credentials + message in, wire bytes out.
#![deny(missing_docs, missing_debug_implementations)]
