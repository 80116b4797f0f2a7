//! Every check passes on a correct adapter: the reference adapters of
//! `common` (an in-memory network, a `std::net` transport, tiny CSRPSK and
//! TOTP encoders) and the kit's own `RecordingSink`.

mod common;

use std::sync::Arc;

use common::outbox::{ref_outbox, RefOutbox};
use common::{MemoryNetwork, RefCsrpsk, RefTotp};
use hologram_conformance::*;
use hologram_ports::{EventSink, NetworkInterface, Outbox};

fn wifi(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    Box::new(MemoryNetwork::wifi(events))
}

fn plain(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    Box::new(MemoryNetwork::plain(events))
}

fn offline(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    Box::new(MemoryNetwork::offline(events))
}

fn recording() -> Arc<dyn ObservableSink> {
    RecordingSink::new()
}

#[track_caller]
fn passed(o: Outcome) {
    assert_eq!(o, Outcome::Passed);
}

#[test]
fn network_checks_pass_on_a_correct_network() {
    let up = NetworkSuite::new(true);
    for make in [wifi, plain] {
        passed(check_network_connect_then_connected(make));
        passed(check_network_events_in_order_once(make));
        passed(check_network_disconnect_idempotent(make));
        passed(check_network_reconnect_events(make));
        passed(check_network_unsupported_queries(make, up));
        passed(check_network_errors_typed(make, up));
        passed(check_network_calls_after_failure(make, up));
    }
}

#[test]
fn offline_network_checks_pass_on_a_network_that_cannot_connect() {
    let down = NetworkSuite::new(false);
    passed(check_network_unsupported_queries(offline, down));
    passed(check_network_errors_typed(offline, down));
    passed(check_network_calls_after_failure(offline, down));
    let report = run_network_suite(offline, down);
    assert_eq!(report.passed().count(), 3, "{report}");
    assert_eq!(report.skipped().count(), 4, "{report}");
}

#[test]
fn offline_checks_skip_when_connect_succeeds() {
    let down = NetworkSuite::new(false);
    assert!(matches!(
        check_network_errors_typed(wifi, down),
        Outcome::Skipped { .. }
    ));
}

#[test]
fn network_suite_passes_every_rule() {
    let report = run_network_suite(wifi, NetworkSuite::new(true));
    assert_eq!(report.passed().count(), 7, "{report}");
    assert_eq!(report.entries().len(), 7);
}

#[test]
fn transport_checks_pass_on_a_correct_raw_transport() {
    passed(check_transport_delivers_exact_bytes(common::raw));
    passed(check_transport_returns_reply(common::raw));
    passed(check_transport_read_timeout(common::raw));
    passed(check_transport_refused(common::raw));
    passed(check_transport_closed(common::raw));
    passed(check_transport_missing_endpoint(common::raw));
    passed(check_transport_batch_order(common::raw));
    passed(check_transport_events(common::raw));
    passed(check_transport_calls_after_failure(common::raw));
}

#[test]
fn transport_checks_pass_on_a_correct_cloud_transport() {
    passed(check_transport_delivers_exact_bytes(common::cloud));
    passed(check_transport_returns_reply(common::cloud));
    passed(check_transport_read_timeout(common::cloud));
    passed(check_transport_refused(common::cloud));
    passed(check_transport_closed(common::cloud));
    passed(check_transport_missing_endpoint(common::cloud));
    passed(check_transport_batch_order(common::cloud));
    passed(check_transport_events(common::cloud));
    passed(check_transport_calls_after_failure(common::cloud));
}

/// The stalled-write and stalled-connect peers rely on Linux loopback
/// behaviour (bounded socket buffers, SYNs dropped on a full accept queue).
#[test]
#[cfg(target_os = "linux")]
fn timeout_checks_run_and_pass_here() {
    passed(check_transport_write_timeout(common::raw));
    passed(check_transport_connect_timeout(common::raw));
    passed(check_transport_connect_timeout(common::cloud));
}

#[test]
fn transport_suite_passes_every_rule() {
    let report = run_transport_suite(common::cloud);
    assert_eq!(report.entries().len(), 11, "{report}");
    assert!(
        report.skipped().all(|e| e.rule.contains("timeout")),
        "{report}"
    );
}

#[test]
fn auth_checks_pass_on_correct_encoders() {
    let forms = [
        AuthUnderTest::csrpsk(RefCsrpsk::new),
        AuthUnderTest::csrpsk(RefCsrpsk::messages_only),
        AuthUnderTest::totp(RefTotp::new),
    ];
    for under_test in &forms {
        passed(check_auth_reference_vectors(under_test));
        passed(check_auth_deterministic(under_test));
        passed(check_auth_rejects_bad_input(under_test));
        passed(check_auth_no_secret_leak(under_test));
    }
    passed(check_auth_window_password_reused(&forms[2]));
    assert!(matches!(
        check_auth_window_password_reused(&forms[0]),
        Outcome::Skipped { .. }
    ));
}

#[test]
fn auth_suites_pass_every_rule() {
    let report = run_auth_suite(&AuthUnderTest::totp(RefTotp::new));
    assert_eq!(report.passed().count(), 5, "{report}");
    let report = run_auth_suite(&AuthUnderTest::csrpsk(RefCsrpsk::new));
    assert_eq!(report.passed().count(), 4, "{report}");
    assert!(matches!(
        report.outcome("auth.window_password_reused"),
        Some(Outcome::Skipped { .. })
    ));
}

#[test]
fn the_reference_hotp_matches_rfc_4226() {
    for v in &vectors::wire_vectors().hotp_rfc4226 {
        assert_eq!(common::hotp(v.secret_ascii.as_bytes(), v.counter), v.otp);
    }
}

#[test]
fn sink_checks_pass_on_the_recording_sink() {
    passed(check_sink_order(recording));
    passed(check_sink_no_loss(recording));
    passed(check_sink_reentrancy(recording));
    assert_eq!(run_sink_suite(recording).passed().count(), 3);
}

#[test]
fn outbox_checks_pass_on_correct_outboxes() {
    for durable in [false, true] {
        for policy in [WhenFull::Refuse, WhenFull::DropOldest] {
            let under_test = ref_outbox(durable, policy, None);
            passed(check_outbox_order(&under_test));
            passed(check_outbox_once(&under_test));
            passed(check_outbox_full_policy(&under_test));
            passed(check_outbox_too_large(&under_test));
            passed(check_outbox_push_batch(&under_test));
            let report = run_outbox_suite(&under_test);
            assert_eq!(report.failed().count(), 0, "{report}");
            if durable {
                passed(check_outbox_durable(&under_test));
                assert_eq!(report.passed().count(), 6, "{report}");
            } else {
                assert!(matches!(
                    check_outbox_durable(&under_test),
                    Outcome::Skipped { .. }
                ));
                assert_eq!(report.passed().count(), 5, "{report}");
            }
        }
    }
}

#[test]
fn outbox_rules_an_outbox_does_not_declare_are_skipped_not_passed() {
    let unbounded = OutboxUnderTest::new(|dir| {
        Ok(Box::new(RefOutbox::open(
            dir,
            false,
            usize::MAX,
            WhenFull::Refuse,
            usize::MAX,
            None,
        )) as Box<dyn Outbox>)
    });
    let report = run_outbox_suite(&unbounded);
    let skipped: Vec<&str> = report.skipped().map(|e| e.rule).collect();
    assert_eq!(
        skipped,
        ["outbox.durable", "outbox.full_policy", "outbox.too_large"],
        "{report}"
    );
    assert_eq!(report.passed().count(), 3, "{report}");
    assert!(report.to_string().contains(
        "outbox.durable: SKIPPED (is_durable() is false: nothing is kept across a reopen)"
    ));
}
