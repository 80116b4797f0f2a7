//! Macros that expand into one `#[test]` per rule, so an adapter's
//! `tests/conformance.rs` is a few lines and `cargo test` lists each rule.
//!
//! | macro | tests it writes |
//! |---|---|
//! | [`network_tests!`](crate::network_tests) | `network_connect_then_connected`, `network_events_in_order_once`, `network_disconnect_idempotent`, `network_reconnect_events`, `network_unsupported_queries`, `network_errors_typed`, `network_calls_after_failure` |
//! | [`transport_tests!`](crate::transport_tests) | `transport_delivers_exact_bytes`, `transport_returns_reply`, `transport_read_timeout`, `transport_write_timeout`, `transport_connect_timeout`, `transport_refused`, `transport_closed`, `transport_missing_endpoint`, `transport_batch_order`, `transport_events`, `transport_calls_after_failure` |
//! | [`auth_tests!`](crate::auth_tests) | `auth_reference_vectors`, `auth_deterministic`, `auth_one_use_per_window`, `auth_rejects_bad_input`, `auth_no_secret_leak` |
//! | [`sink_tests!`](crate::sink_tests) | `sink_order`, `sink_no_loss`, `sink_reentrancy` |
//!
//! The factory expression is written once and evaluated in each test. The
//! tests are written into the module where the macro is called: call each
//! macro at most once per module (wrap a second call in its own `mod`).
//! A rule that is skipped passes and prints why on stderr.

use crate::report::Outcome;

/// Prints why a rule was skipped (used by the macros).
#[doc(hidden)]
pub fn __print_outcome(rule: &str, outcome: Outcome) {
    if let Outcome::Skipped { reason } = outcome {
        eprintln!("{rule}: skipped ({reason})");
    }
}

/// Writes one `#[test]` per [`NetworkInterface`](hologram_ports::NetworkInterface) rule.
///
/// `make` is a `Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>`;
/// `can_connect` is a `bool` expression: when false, the rules that need a
/// connection are skipped.
///
/// ```
/// # use std::sync::Arc;
/// # use hologram_ports::{EventSink, NetworkCapabilities, NetworkError, NetworkInterface};
/// # #[derive(Debug)] struct Down;
/// # impl NetworkInterface for Down {
/// #     fn capabilities(&self) -> NetworkCapabilities { NetworkCapabilities::NONE }
/// #     fn connect(&mut self) -> Result<(), NetworkError> { Err(NetworkError::WirelessUnsupported) }
/// #     fn disconnect(&mut self) -> Result<(), NetworkError> { Ok(()) }
/// #     fn is_connected(&self) -> bool { false }
/// # }
/// fn make(_events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
///     Box::new(Down)
/// }
/// hologram_conformance::network_tests!(make, can_connect = false);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! network_tests {
    (@connected $make:expr, $can:expr, $name:ident, $rule:ident, $check:ident) => {
        #[test]
        fn $name() {
            let can_connect: bool = $can;
            let outcome = if can_connect {
                $crate::network::$check($make)
            } else {
                $crate::Outcome::skipped($crate::network::NEEDS_CONNECTION)
            };
            $crate::macros::__print_outcome($crate::network::$rule, outcome);
        }
    };
    (@any $make:expr, $can:expr, $name:ident, $rule:ident, $check:ident) => {
        #[test]
        fn $name() {
            let suite = $crate::NetworkSuite::new($can);
            $crate::macros::__print_outcome($crate::network::$rule, $crate::network::$check($make, suite));
        }
    };
    ($make:expr, can_connect = $can:expr $(,)?) => {
        $crate::network_tests!(@connected $make, $can, network_connect_then_connected,
            CONNECT_THEN_CONNECTED, check_network_connect_then_connected);
        $crate::network_tests!(@connected $make, $can, network_events_in_order_once,
            EVENTS_IN_ORDER_ONCE, check_network_events_in_order_once);
        $crate::network_tests!(@connected $make, $can, network_disconnect_idempotent,
            DISCONNECT_IDEMPOTENT, check_network_disconnect_idempotent);
        $crate::network_tests!(@connected $make, $can, network_reconnect_events,
            RECONNECT_EVENTS, check_network_reconnect_events);
        $crate::network_tests!(@any $make, $can, network_unsupported_queries,
            UNSUPPORTED_QUERIES, check_network_unsupported_queries);
        $crate::network_tests!(@any $make, $can, network_errors_typed,
            ERRORS_TYPED, check_network_errors_typed);
        $crate::network_tests!(@any $make, $can, network_calls_after_failure,
            CALLS_AFTER_FAILURE, check_network_calls_after_failure);
    };
}

/// Writes one `#[test]` per [`Transport`](hologram_ports::Transport) rule.
///
/// `make` is a `Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>`.
#[macro_export]
macro_rules! transport_tests {
    (@one $make:expr, $name:ident, $rule:ident, $check:ident) => {
        #[test]
        fn $name() {
            $crate::macros::__print_outcome($crate::transport::$rule, $crate::transport::$check($make));
        }
    };
    ($make:expr $(,)?) => {
        $crate::transport_tests!(@one $make, transport_delivers_exact_bytes,
            DELIVERS_EXACT_BYTES, check_transport_delivers_exact_bytes);
        $crate::transport_tests!(@one $make, transport_returns_reply,
            RETURNS_REPLY, check_transport_returns_reply);
        $crate::transport_tests!(@one $make, transport_read_timeout,
            READ_TIMEOUT, check_transport_read_timeout);
        $crate::transport_tests!(@one $make, transport_write_timeout,
            WRITE_TIMEOUT, check_transport_write_timeout);
        $crate::transport_tests!(@one $make, transport_connect_timeout,
            CONNECT_TIMEOUT, check_transport_connect_timeout);
        $crate::transport_tests!(@one $make, transport_refused,
            REFUSED, check_transport_refused);
        $crate::transport_tests!(@one $make, transport_closed,
            CLOSED, check_transport_closed);
        $crate::transport_tests!(@one $make, transport_missing_endpoint,
            MISSING_ENDPOINT, check_transport_missing_endpoint);
        $crate::transport_tests!(@one $make, transport_batch_order,
            BATCH_ORDER, check_transport_batch_order);
        $crate::transport_tests!(@one $make, transport_events,
            EVENTS, check_transport_events);
        $crate::transport_tests!(@one $make, transport_calls_after_failure,
            CALLS_AFTER_FAILURE, check_transport_calls_after_failure);
    };
}

/// Writes one `#[test]` per [`Authenticator`](hologram_ports::Authenticator) rule.
///
/// `auth_tests!(csrpsk: make)` with `make: Fn() -> A`, or
/// `auth_tests!(totp: make)` with `make: Fn(u64 /* unix time */, u64 /* window */) -> A`,
/// where `A: Authenticator + Debug`.
#[macro_export]
macro_rules! auth_tests {
    (@all $under:expr) => {
        $crate::auth_tests!(@one $under, auth_reference_vectors,
            REFERENCE_VECTORS, check_auth_reference_vectors);
        $crate::auth_tests!(@one $under, auth_deterministic,
            DETERMINISTIC, check_auth_deterministic);
        $crate::auth_tests!(@one $under, auth_one_use_per_window,
            ONE_USE_PER_WINDOW, check_auth_one_use_per_window);
        $crate::auth_tests!(@one $under, auth_rejects_bad_input,
            REJECTS_BAD_INPUT, check_auth_rejects_bad_input);
        $crate::auth_tests!(@one $under, auth_no_secret_leak,
            NO_SECRET_LEAK, check_auth_no_secret_leak);
    };
    (@one $under:expr, $name:ident, $rule:ident, $check:ident) => {
        #[test]
        fn $name() {
            let under_test = $under;
            $crate::macros::__print_outcome($crate::auth::$rule, $crate::auth::$check(&under_test));
        }
    };
    (csrpsk: $make:expr $(,)?) => {
        $crate::auth_tests!(@all $crate::AuthUnderTest::csrpsk($make));
    };
    (totp: $make:expr $(,)?) => {
        $crate::auth_tests!(@all $crate::AuthUnderTest::totp($make));
    };
}

/// Writes one `#[test]` per [`EventSink`](hologram_ports::EventSink) rule.
///
/// `make` is a `Fn() -> Arc<dyn ObservableSink>`.
///
/// ```
/// use std::sync::Arc;
/// use hologram_conformance::{ObservableSink, RecordingSink};
///
/// fn make() -> Arc<dyn ObservableSink> {
///     RecordingSink::new()
/// }
/// hologram_conformance::sink_tests!(make);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! sink_tests {
    (@one $make:expr, $name:ident, $rule:ident, $check:ident) => {
        #[test]
        fn $name() {
            $crate::macros::__print_outcome($crate::sink::$rule, $crate::sink::$check($make));
        }
    };
    ($make:expr $(,)?) => {
        $crate::sink_tests!(@one $make, sink_order, ORDER, check_sink_order);
        $crate::sink_tests!(@one $make, sink_no_loss, NO_LOSS, check_sink_no_loss);
        $crate::sink_tests!(@one $make, sink_reentrancy, REENTRANCY, check_sink_reentrancy);
    };
}
