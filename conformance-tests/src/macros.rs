//! Macros that expand into one `#[test]` per rule, so an adapter's
//! `tests/conformance.rs` is a few lines and `cargo test` lists each rule.
//!
//! | macro | tests it writes |
//! |---|---|
//! | [`network_tests!`](crate::network_tests) | one per row of [`network::RULES`](crate::network::RULES) |
//! | [`transport_tests!`](crate::transport_tests) | one per row of [`transport::RULES`](crate::transport::RULES) |
//! | [`auth_tests!`](crate::auth_tests) | one per row of [`auth::RULES`](crate::auth::RULES) |
//! | [`sink_tests!`](crate::sink_tests) | one per row of [`sink::RULES`](crate::sink::RULES) |
//! | [`outbox_tests!`](crate::outbox_tests) | one per row of [`outbox::RULES`](crate::outbox::RULES) |
//!
//! Each test is named after its rule (`network.errors_typed` is
//! `network_errors_typed`); the tests come from the same table as the
//! suites, so they cannot drift apart. The factory expression is written
//! once and evaluated in each test. The tests are written into the module
//! where the macro is called: call each macro at most once per module
//! (wrap a second call in its own `mod`).
//!
//! A rule that cannot apply, as far as the macro's arguments say
//! (`can_connect = false` written as a literal, a CSRPSK authenticator and
//! a TOTP-only rule), is `#[ignore]`d with the reason, so `cargo test`
//! reports it as ignored. A rule found not to apply while running (say an
//! outbox that is not durable) prints `SKIPPED <rule>: <reason>` on the
//! process's stderr, which the test harness does not capture, so it shows
//! next to the test's `ok`.

/// Writes one `#[test]` per [`NetworkInterface`](hologram_ports::NetworkInterface) rule.
///
/// `make` is a `Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>`;
/// `can_connect` is a `bool` expression: when false, the rules that need a
/// connection are skipped. Written as the literal `false`, those tests are
/// `#[ignore]`d instead (`cargo test -- --ignored` runs them as if the link
/// could come up).
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
    ($make:expr, can_connect = false $(,)?) => {
        $crate::__network_rules!(__network_test_fns!(($make) (down)));
    };
    ($make:expr, can_connect = $can:expr $(,)?) => {
        $crate::__network_rules!(__network_test_fns!(($make) (may $can)));
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __network_test_fns {
    ((($make:expr) $mode:tt) $(
        $test:ident $konst:ident $id:literal [$needs:ident] $run:ident $applies:literal $summary:literal;
    )*) => {
        $( $crate::__network_test_fn!($make, $mode, $test, $konst, $needs); )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __network_test_fn {
    ($make:expr, (down), $test:ident, $konst:ident, link) => {
        #[test]
        #[ignore = "needs a connection (can_connect = false); `-- --ignored` runs it as if the link could come up"]
        fn $test() {
            $crate::network::__test($crate::network::$konst, $make, true);
        }
    };
    ($make:expr, (down), $test:ident, $konst:ident, $needs:ident) => {
        #[test]
        fn $test() {
            $crate::network::__test($crate::network::$konst, $make, false);
        }
    };
    ($make:expr, (may $can:expr), $test:ident, $konst:ident, $needs:ident) => {
        #[test]
        fn $test() {
            $crate::network::__test($crate::network::$konst, $make, $can);
        }
    };
}

/// Writes one `#[test]` per [`Transport`](hologram_ports::Transport) rule.
///
/// `make` is a `Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>`.
#[macro_export]
macro_rules! transport_tests {
    ($make:expr $(,)?) => {
        $crate::__transport_rules!(__plain_test_fns!(($make) transport));
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
    ($make:expr $(,)?) => {
        $crate::__sink_rules!(__plain_test_fns!(($make) sink));
    };
}

/// Writes one `#[test]` per [`Outbox`](hologram_ports::Outbox) rule.
///
/// `under_test` is an [`OutboxUnderTest`](crate::OutboxUnderTest)
/// expression: the factory and what the outbox declares (its limits and
/// what it does when full).
///
/// ```
/// use hologram_conformance::{OutboxUnderTest, WhenFull};
/// # use hologram_ports::{Message, Outbox, OutboxError, Queued};
/// # #[derive(Debug, Default)] struct Nothing;
/// # impl Outbox for Nothing {
/// #     fn push(&mut self, _: u64, _: &Message) -> Result<Option<Queued>, OutboxError> { unimplemented!() }
/// #     fn pending(&mut self, _: usize) -> Result<Vec<Queued>, OutboxError> { Ok(vec![]) }
/// #     fn remove(&mut self, _: u64) -> Result<(), OutboxError> { Ok(()) }
/// #     fn len(&self) -> usize { 0 }
/// #     fn last_sequence(&self) -> u64 { 0 }
/// # }
/// hologram_conformance::outbox_tests!(
///     OutboxUnderTest::new(|_dir| Ok(Box::new(Nothing))).holding(3, WhenFull::Refuse)
/// );
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! outbox_tests {
    ($under:expr $(,)?) => {
        $crate::__outbox_rules!(__plain_test_fns!(($under) outbox));
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __plain_test_fns {
    ((($make:expr) $port:ident) $(
        $test:ident $konst:ident $id:literal [$needs:ident] $run:ident $applies:literal $summary:literal;
    )*) => {
        $(
            #[test]
            fn $test() {
                $crate::$port::__test($crate::$port::$konst, $make);
            }
        )*
    };
}

/// Writes one `#[test]` per [`Authenticator`](hologram_ports::Authenticator) rule.
///
/// `auth_tests!(csrpsk: make)` with `make: Fn() -> A`, or
/// `auth_tests!(totp: make)` with `make: Fn(u64 /* unix time */, u64 /* window */) -> A`,
/// where `A: Authenticator + Debug`. For a CSRPSK authenticator the
/// TOTP-only rules are `#[ignore]`d with the reason.
#[macro_export]
macro_rules! auth_tests {
    (csrpsk: $make:expr $(,)?) => {
        $crate::__auth_rules!(__auth_test_fns!(($crate::AuthUnderTest::csrpsk($make)) csrpsk));
    };
    (totp: $make:expr $(,)?) => {
        $crate::__auth_rules!(__auth_test_fns!(($crate::AuthUnderTest::totp($make)) totp));
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __auth_test_fns {
    ((($under:expr) $form:ident) $(
        $test:ident $konst:ident $id:literal [$needs:ident] $run:ident $applies:literal $summary:literal;
    )*) => {
        $( $crate::__auth_test_fn!($under, $form, $test, $konst, $needs); )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __auth_test_fn {
    ($under:expr, csrpsk, $test:ident, $konst:ident, totp) => {
        #[test]
        #[ignore = "applies to time-based (TOTP) authenticators only"]
        fn $test() {
            $crate::auth::__test($crate::auth::$konst, &$under);
        }
    };
    ($under:expr, $form:ident, $test:ident, $konst:ident, $needs:ident) => {
        #[test]
        fn $test() {
            $crate::auth::__test($crate::auth::$konst, &$under);
        }
    };
}
