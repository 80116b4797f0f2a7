//! The built-in `cellular` network interface.
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

pub mod at;
pub mod detect;
pub mod driver;
mod error;
mod model;
mod modem;
pub mod query;
pub mod serial;

pub use error::{CellularError, Holder};
pub use model::{Family, Model};
pub use modem::{Modem, ModemOptions, SimState, EVENT_RESET, EVENT_STUCK};
