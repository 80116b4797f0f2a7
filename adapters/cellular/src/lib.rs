//! The built-in `cellular` network interface.
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

pub mod at;
mod error;
pub mod serial;

pub use error::{CellularError, Holder};
