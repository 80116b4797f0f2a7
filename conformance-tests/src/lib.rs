//! The conformance kit: one public check per rule of each port contract of
//! the Hologram SDK.
//!
//! Anyone who writes an adapter or a plugin runs the same checks the
//! built-in adapters pass. Each check tests one rule, takes a factory that
//! builds a fresh adapter (so every check starts clean and gets its own
//! [`RecordingSink`]), and returns an [`Outcome`] or panics with
//! `[rule.id] expected ...; got ...`.
//!
//! | port | checks | suite | macro |
//! |---|---|---|---|
//! | [`NetworkInterface`](hologram_ports::NetworkInterface) | [`network`] | [`run_network_suite`] | [`network_tests!`] |
//! | [`Transport`](hologram_ports::Transport) | [`transport`] | [`run_transport_suite`] | [`transport_tests!`] |
//! | [`Authenticator`](hologram_ports::Authenticator) | [`auth`] | [`run_auth_suite`] | [`auth_tests!`] |
//! | [`EventSink`](hologram_ports::EventSink) | [`sink`] | [`run_sink_suite`] | [`sink_tests!`] |
//! | [`Outbox`](hologram_ports::Outbox) | [`outbox`] | [`run_outbox_suite`] | [`outbox_tests!`] |
//!
//! Each port's rules are one table (`network::RULES`, ...): its suite
//! walks it, its macro writes one `#[test]` per row, and the tables of
//! `docs/conformance.md` are rendered from it ([`rules::markdown`]). A
//! suite's [`Report`] tells passed, skipped (with the reason) and failed
//! rules apart.
//!
//! The factories:
//!
//! - network: `Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>`, plus
//!   [`NetworkSuite`] saying whether `connect` can succeed on this machine;
//! - transport: `Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>`;
//!   the endpoint is the kit's own [`server::LoopbackServer`] on `127.0.0.1`;
//! - auth: [`AuthUnderTest::csrpsk`]`(Fn() -> A)` or
//!   [`AuthUnderTest::totp`]`(Fn(unix_time, window) -> A)`, `A: Authenticator + Debug`;
//! - sink: `Fn() -> Arc<dyn ObservableSink>`;
//! - outbox: [`OutboxUnderTest::new`]`(Fn(&Path) -> Result<Box<dyn Outbox>, OutboxError>)`,
//!   plus what the outbox declares (its limits, what it does when full).
//!
//! [`testing`] holds helpers for an adapter's own tests: a recording sink,
//! a capturing logger, the text of a panic.
//!
//! The checks branch on the capabilities the adapter declares, never on its
//! name. The kit depends on `hologram-ports` (and `log`, for
//! [`testing::capture_logs`]) only.
//!
//! # An adapter's `tests/conformance.rs`
//!
//! ```
//! use std::sync::Arc;
//! use hologram_ports::{Event, EventSink, NetworkCapabilities, NetworkError, NetworkInterface};
//!
//! /// A tiny adapter: a link that comes up on demand.
//! struct Loop { events: Arc<dyn EventSink>, up: bool }
//!
//! impl NetworkInterface for Loop {
//!     fn capabilities(&self) -> NetworkCapabilities { NetworkCapabilities::NONE }
//!     fn connect(&mut self) -> Result<(), NetworkError> {
//!         if !self.up {
//!             self.up = true;
//!             self.events.emit(&Event::NetworkConnected);
//!         }
//!         Ok(())
//!     }
//!     fn disconnect(&mut self) -> Result<(), NetworkError> {
//!         if self.up {
//!             self.up = false;
//!             self.events.emit(&Event::NetworkDisconnected);
//!         }
//!         Ok(())
//!     }
//!     fn is_connected(&self) -> bool { self.up }
//! }
//!
//! fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
//!     Box::new(Loop { events, up: false })
//! }
//!
//! // One #[test] per rule:
//! hologram_conformance::network_tests!(make, can_connect = true);
//!
//! // Or the whole list in one call, with a report:
//! # fn main() {
//! let report = hologram_conformance::run_network_suite(make, hologram_conformance::NetworkSuite::new(true));
//! assert_eq!(report.passed().count(), 7, "{report}");
//! assert_eq!(report.failed().count(), 0);
//! # }
//! ```
//!
//! `docs/conformance.md` in the repository walks through each port.
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

pub mod auth;
pub mod macros;
pub mod network;
pub mod outbox;
pub mod report;
pub mod rules;
pub mod server;
pub mod sink;
pub mod testing;
pub mod transport;
pub mod vectors;

pub use auth::{
    check_auth_deterministic, check_auth_no_secret_leak, check_auth_reference_vectors,
    check_auth_rejects_bad_input, check_auth_window_password_reused, run_auth_suite, AuthForm,
    AuthUnderTest,
};
pub use network::{
    check_network_calls_after_failure, check_network_connect_then_connected,
    check_network_disconnect_idempotent, check_network_errors_typed,
    check_network_events_in_order_once, check_network_reconnect_events,
    check_network_unsupported_queries, run_network_suite, NetworkSuite,
};
pub use outbox::{
    check_outbox_durable, check_outbox_full_policy, check_outbox_once, check_outbox_order,
    check_outbox_push_batch, check_outbox_too_large, run_outbox_suite, OutboxUnderTest, WhenFull,
};
pub use report::{Outcome, Report, RuleOutcome};
pub use rules::Rule;
pub use sink::{
    check_sink_no_loss, check_sink_order, check_sink_reentrancy, run_sink_suite, EventCallback,
    ObservableSink, RecordingSink,
};
pub use transport::{
    check_transport_batch_order, check_transport_calls_after_failure, check_transport_closed,
    check_transport_connect_timeout, check_transport_delivers_exact_bytes, check_transport_events,
    check_transport_missing_endpoint, check_transport_read_timeout, check_transport_refused,
    check_transport_returns_reply, check_transport_write_timeout, run_transport_suite, KitTimeouts,
};
