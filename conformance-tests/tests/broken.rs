//! Each check can fail: one deliberately broken adapter per rule (the
//! reference adapters of `common` with one fault switched on), and the
//! matching check must panic with its rule id.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use common::outbox::{ref_outbox, OutboxFault};
use common::{
    AuthFault, FaultySink, MemoryNetwork, NetFault, PoisonOnQueryFailure, RefCsrpsk, RefTotp,
    SinkFault, StdTransport, TxFault,
};
use hologram_conformance::*;
use hologram_ports::{Endpoint, EventSink, NetworkInterface, Transport};

/// Runs a check that must fail and returns its message, which must name the rule.
#[track_caller]
fn fails(rule: &str, check: impl FnOnce() -> Outcome) -> String {
    let outcome = catch_unwind(AssertUnwindSafe(check));
    let payload = match outcome {
        Ok(o) => panic!("{rule}: the broken adapter was not caught, the check said {o}"),
        Err(p) => p,
    };
    let text = testing::panic_text(payload.as_ref());
    assert!(
        text.starts_with(&format!("[{rule}] expected ")) && text.contains("; got "),
        "{rule}: unexpected failure message: {text}"
    );
    text
}

// ---------------------------------------------------------------- network

fn net(fault: NetFault) -> impl Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    move |e| Box::new(MemoryNetwork::wifi(e).with_fault(fault))
}

fn net_plain(fault: NetFault) -> impl Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    move |e| Box::new(MemoryNetwork::plain(e).with_fault(fault))
}

fn net_offline(fault: NetFault) -> impl Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    move |e| Box::new(MemoryNetwork::offline(e).with_fault(fault))
}

const UP: NetworkSuite = NetworkSuite::new(true);
const DOWN: NetworkSuite = NetworkSuite::new(false);

#[test]
fn network_is_connected_that_lies_fails_connect_then_connected() {
    fails("network.connect_then_connected", || {
        check_network_connect_then_connected(net(NetFault::IsConnectedLies))
    });
}

#[test]
fn network_forgetting_network_connected_fails_events() {
    let msg = fails("network.events_in_order_once", || {
        check_network_events_in_order_once(net(NetFault::NoNetworkConnected))
    });
    assert!(msg.contains("wifi.connected"), "{msg}");
}

#[test]
fn network_emitting_connected_twice_fails_events() {
    fails("network.events_in_order_once", || {
        check_network_events_in_order_once(net(NetFault::ConnectedTwice))
    });
}

#[test]
fn network_emitting_the_link_event_last_fails_events() {
    fails("network.events_in_order_once", || {
        check_network_events_in_order_once(net(NetFault::LinkAfterNetwork))
    });
}

#[test]
fn network_emitting_on_a_connect_that_is_no_transition_fails_events() {
    fails("network.events_in_order_once", || {
        check_network_events_in_order_once(net(NetFault::ConnectAgainEmits))
    });
}

#[test]
fn network_disconnect_emitting_when_down_fails_idempotence() {
    fails("network.disconnect_idempotent", || {
        check_network_disconnect_idempotent(net(NetFault::DisconnectEmitsWhenDown))
    });
}

#[test]
fn network_disconnect_failing_when_down_fails_idempotence() {
    fails("network.disconnect_idempotent", || {
        check_network_disconnect_idempotent(net(NetFault::DisconnectFailsWhenDown))
    });
}

#[test]
fn network_reconnect_in_the_wrong_order_fails_reconnect() {
    fails("network.reconnect_events", || {
        check_network_reconnect_events(net(NetFault::ReconnectWrongOrder))
    });
}

#[test]
fn network_made_up_ssid_fails_unsupported_queries() {
    let msg = fails("network.unsupported_queries", || {
        check_network_unsupported_queries(net_plain(NetFault::MadeUpSsid), UP)
    });
    assert!(msg.contains("made-up value"), "{msg}");
    // Also on a machine where it cannot connect.
    fails("network.unsupported_queries", || {
        check_network_unsupported_queries(net_plain(NetFault::MadeUpSsid), DOWN)
    });
}

#[test]
fn network_answering_while_down_fails_unsupported_queries() {
    fails("network.unsupported_queries", || {
        check_network_unsupported_queries(net(NetFault::AnswersWhileDown), UP)
    });
}

#[test]
fn network_panicking_connect_fails_errors_typed() {
    let msg = fails("network.errors_typed", || {
        check_network_errors_typed(net_offline(NetFault::PanicsOnConnect), DOWN)
    });
    assert!(msg.contains("no wireless here"), "{msg}");
}

#[test]
fn network_poisoned_after_a_failed_connect_fails_calls_after_failure() {
    fails("network.calls_after_failure", || {
        check_network_calls_after_failure(net_offline(NetFault::PoisonedAfterFailure), DOWN)
    });
}

#[test]
fn network_poisoned_after_a_failed_query_fails_calls_after_failure() {
    fails("network.calls_after_failure", || {
        check_network_calls_after_failure(
            |e: Arc<dyn EventSink>| -> Box<dyn NetworkInterface> {
                Box::new(PoisonOnQueryFailure::new(e))
            },
            UP,
        )
    });
}

#[test]
fn network_suite_runs_every_rule_and_fails_with_the_report() {
    let payload = catch_unwind(AssertUnwindSafe(|| {
        run_network_suite(net(NetFault::ConnectedTwice), UP)
    }))
    .expect_err("a suite with a broken rule fails");
    let text = testing::panic_text(payload.as_ref());
    assert!(
        text.starts_with("network conformance: 5 passed, 0 skipped, 2 failed\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  network.events_in_order_once: FAILED: [network.events_in_order_once] expected "
        ),
        "{text}"
    );
    assert!(
        text.contains("  network.calls_after_failure: passed\n"),
        "{text}"
    );
}

// ---------------------------------------------------------------- transport

type MakeTx = Box<dyn Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>>;

fn raw(fault: TxFault) -> MakeTx {
    Box::new(move |e, ep, t| Box::new(StdTransport::raw(e, ep, t).with_fault(fault)))
}

fn cloud(fault: TxFault) -> MakeTx {
    Box::new(move |e, ep, t| Box::new(StdTransport::cloud(e, ep, t).with_fault(fault)))
}

#[test]
fn transport_dropping_the_last_byte_fails_exact_bytes() {
    let msg = fails("transport.delivers_exact_bytes", || {
        check_transport_delivers_exact_bytes(raw(TxFault::DropsLastByte))
    });
    assert!(msg.contains("8 bytes"), "{msg}");
}

#[test]
fn transport_adding_framing_fails_exact_bytes() {
    fails("transport.delivers_exact_bytes", || {
        check_transport_delivers_exact_bytes(cloud(TxFault::AddsFraming))
    });
}

#[test]
fn transport_truncating_the_reply_fails_returns_reply() {
    fails("transport.returns_reply", || {
        check_transport_returns_reply(raw(TxFault::TruncatesReply))
    });
}

#[test]
fn cloud_transport_without_codes_fails_returns_reply() {
    fails("transport.returns_reply", || {
        check_transport_returns_reply(cloud(TxFault::NoCode))
    });
}

#[test]
fn transport_ignoring_the_read_timeout_fails_read_timeout() {
    let msg = fails("transport.read_timeout", || {
        check_transport_read_timeout(raw(TxFault::IgnoresReadTimeout))
    });
    assert!(msg.contains("ignores its timeouts"), "{msg}");
}

#[test]
#[cfg(target_os = "linux")]
fn transport_ignoring_the_write_timeout_fails_write_timeout() {
    fails("transport.write_timeout", || {
        check_transport_write_timeout(raw(TxFault::IgnoresWriteTimeout))
    });
}

#[test]
#[cfg(target_os = "linux")]
fn transport_ignoring_the_connect_timeout_fails_connect_timeout() {
    fails("transport.connect_timeout", || {
        check_transport_connect_timeout(cloud(TxFault::IgnoresConnectTimeout))
    });
}

#[test]
fn transport_reporting_refused_as_io_fails_refused() {
    fails("transport.refused", || {
        check_transport_refused(raw(TxFault::RefusedAsIo))
    });
}

#[test]
fn raw_transport_hiding_a_reset_fails_closed() {
    let msg = fails("transport.closed", || {
        check_transport_closed(raw(TxFault::ResetAsEmptyReply))
    });
    assert!(msg.contains("Reset"), "{msg}");
}

#[test]
fn cloud_transport_calling_a_close_malformed_fails_closed() {
    let msg = fails("transport.closed", || {
        check_transport_closed(cloud(TxFault::CloseAsMalformed))
    });
    assert!(msg.contains("NoReply"), "{msg}");
}

#[test]
fn transport_ignoring_set_endpoint_fails_missing_endpoint_and_calls_after_failure() {
    fails("transport.missing_endpoint", || {
        check_transport_missing_endpoint(raw(TxFault::IgnoresSetEndpoint))
    });
    fails("transport.calls_after_failure", || {
        check_transport_calls_after_failure(raw(TxFault::IgnoresSetEndpoint))
    });
}

#[test]
fn transport_poisoned_after_a_failure_fails_calls_after_failure() {
    fails("transport.calls_after_failure", || {
        check_transport_calls_after_failure(cloud(TxFault::PoisonedAfterFailure))
    });
}

#[test]
fn transport_reversing_a_batch_fails_batch_order() {
    fails("transport.batch_order", || {
        check_transport_batch_order(raw(TxFault::ReversesBatch))
    });
    fails("transport.batch_order", || {
        check_transport_batch_order(cloud(TxFault::ReversesBatch))
    });
}

#[test]
fn transport_emitting_sent_first_fails_events() {
    fails("transport.events", || {
        check_transport_events(raw(TxFault::SentBeforeConnected))
    });
}

#[test]
fn transport_not_closing_after_an_error_fails_events() {
    fails("transport.events", || {
        check_transport_events(cloud(TxFault::NoClosedOnError))
    });
}

// ---------------------------------------------------------------- auth

fn csrpsk(fault: AuthFault) -> AuthUnderTest {
    AuthUnderTest::csrpsk(move || RefCsrpsk::with_fault(fault))
}

fn totp(fault: AuthFault) -> AuthUnderTest {
    AuthUnderTest::totp(move |now, window| RefTotp::with_fault(now, window, fault))
}

#[test]
fn csrpsk_payloads_off_the_vectors_fail_reference_vectors() {
    for fault in [
        AuthFault::NoTerminator,
        AuthFault::DoubleTerminator,
        AuthFault::DropsTopics,
        AuthFault::Padded,
        AuthFault::WrongSms,
    ] {
        fails("auth.reference_vectors", || {
            check_auth_reference_vectors(&csrpsk(fault))
        });
    }
}

#[test]
fn totp_off_by_one_counter_fails_reference_vectors() {
    fails("auth.reference_vectors", || {
        check_auth_reference_vectors(&totp(AuthFault::OffByOneCounter))
    });
}

#[test]
fn totp_claiming_not_time_based_fails_reference_vectors() {
    fails("auth.reference_vectors", || {
        check_auth_reference_vectors(&totp(AuthFault::ClaimsNotTimeBased))
    });
}

#[test]
fn csrpsk_with_a_counter_in_m_passes_vectors_but_fails_deterministic() {
    let under_test = csrpsk(AuthFault::NonDeterministic);
    assert_eq!(check_auth_reference_vectors(&under_test), Outcome::Passed);
    fails("auth.deterministic", || {
        check_auth_deterministic(&under_test)
    });
}

#[test]
fn totp_refusing_a_second_message_in_the_window_fails_window_password_reused() {
    let msg = fails("auth.window_password_reused", || {
        check_auth_window_password_reused(&totp(AuthFault::RefusesSecondInWindow))
    });
    assert!(msg.contains("another message in the window"), "{msg}");
}

#[test]
fn totp_with_a_password_per_message_fails_window_password_reused() {
    fails("auth.window_password_reused", || {
        check_auth_window_password_reused(&totp(AuthFault::PasswordPerMessage))
    });
}

#[test]
fn csrpsk_accepting_a_missing_key_fails_rejects_bad_input() {
    fails("auth.rejects_bad_input", || {
        check_auth_rejects_bad_input(&csrpsk(AuthFault::AcceptsMissingKey))
    });
}

#[test]
fn csrpsk_sending_sms_without_the_capability_fails_rejects_bad_input() {
    let under_test = AuthUnderTest::csrpsk(|| {
        let mut a = RefCsrpsk::with_fault(AuthFault::SmsWithoutCapability);
        a.sms = false;
        a
    });
    fails("auth.rejects_bad_input", || {
        check_auth_rejects_bad_input(&under_test)
    });
}

#[test]
fn totp_accepting_nul_fails_rejects_bad_input() {
    fails("auth.rejects_bad_input", || {
        check_auth_rejects_bad_input(&totp(AuthFault::AcceptsNul))
    });
}

#[test]
fn totp_failing_after_an_error_fails_rejects_bad_input() {
    fails("auth.rejects_bad_input", || {
        check_auth_rejects_bad_input(&totp(AuthFault::PoisonedAfterError))
    });
}

#[test]
fn csrpsk_with_the_key_in_debug_fails_no_secret_leak() {
    let msg = fails("auth.no_secret_leak", || {
        check_auth_no_secret_leak(&csrpsk(AuthFault::LeaksKeyInDebug))
    });
    assert!(msg.contains("Debug of the authenticator"), "{msg}");
}

#[test]
fn csrpsk_with_a_key_in_an_error_fails_no_secret_leak() {
    let msg = fails("auth.no_secret_leak", || {
        check_auth_no_secret_leak(&csrpsk(AuthFault::LeaksKeyInError))
    });
    assert!(msg.contains("private key"), "{msg}");
}

#[test]
fn totp_with_the_otp_in_debug_fails_no_secret_leak() {
    let msg = fails("auth.no_secret_leak", || {
        check_auth_no_secret_leak(&totp(AuthFault::LeaksOtpInDebug))
    });
    assert!(msg.contains("one-time password"), "{msg}");
}

// ---------------------------------------------------------------- sinks

fn sink(fault: SinkFault) -> impl Fn() -> Arc<dyn ObservableSink> {
    move || FaultySink::new(fault)
}

#[test]
fn sink_reordering_fails_order() {
    fails("sink.order", || check_sink_order(sink(SinkFault::Reorders)));
}

#[test]
fn sink_losing_events_fails_no_loss() {
    fails("sink.no_loss", || {
        check_sink_no_loss(sink(SinkFault::DropsEvery7th))
    });
}

#[test]
fn sink_duplicating_events_fails_no_loss() {
    fails("sink.no_loss", || {
        check_sink_no_loss(sink(SinkFault::Duplicates))
    });
}

#[test]
fn sink_deadlocking_on_reentry_fails_reentrancy() {
    let msg = fails("sink.reentrancy", || {
        check_sink_reentrancy(sink(SinkFault::DeadlocksOnReentry))
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

#[test]
fn sink_dropping_nested_events_fails_reentrancy() {
    fails("sink.reentrancy", || {
        check_sink_reentrancy(sink(SinkFault::DropsNested))
    });
}

// ---------------------------------------------------------------- outbox

fn outbox(fault: OutboxFault) -> OutboxUnderTest {
    ref_outbox(false, WhenFull::Refuse, Some(fault))
}

fn durable_outbox(policy: WhenFull, fault: OutboxFault) -> OutboxUnderTest {
    ref_outbox(true, policy, Some(fault))
}

#[test]
fn outbox_returning_the_newest_first_fails_order() {
    let msg = fails("outbox.order", || {
        check_outbox_order(&outbox(OutboxFault::NewestFirst))
    });
    assert!(msg.contains("oldest first"), "{msg}");
}

#[test]
fn outbox_whose_pending_takes_out_fails_order() {
    fails("outbox.order", || {
        check_outbox_order(&outbox(OutboxFault::PendingTakesOut))
    });
}

#[test]
fn outbox_bringing_removed_messages_back_fails_once() {
    fails("outbox.once", || {
        check_outbox_once(&outbox(OutboxFault::ResurrectsOnPush))
    });
}

#[test]
fn outbox_losing_everything_on_reopen_fails_durable() {
    fails("outbox.durable", || {
        check_outbox_durable(&durable_outbox(
            WhenFull::Refuse,
            OutboxFault::ForgetsOnReopen,
        ))
    });
}

#[test]
fn outbox_forgetting_the_last_ack_on_reopen_fails_durable() {
    let msg = fails("outbox.durable", || {
        check_outbox_durable(&durable_outbox(
            WhenFull::Refuse,
            OutboxFault::ForgetsAckOnReopen,
        ))
    });
    assert!(msg.contains("last_acknowledged()"), "{msg}");
}

#[test]
fn outbox_holding_more_than_it_declares_fails_full_policy() {
    fails("outbox.full_policy", || {
        check_outbox_full_policy(&outbox(OutboxFault::Overflows))
    });
}

#[test]
fn outbox_refusing_and_dropping_fails_full_policy() {
    fails("outbox.full_policy", || {
        check_outbox_full_policy(&outbox(OutboxFault::RefusesAndDrops))
    });
}

#[test]
fn outbox_dropping_the_newest_fails_full_policy() {
    fails("outbox.full_policy", || {
        check_outbox_full_policy(&ref_outbox(
            false,
            WhenFull::DropOldest,
            Some(OutboxFault::DropsNewest),
        ))
    });
}

#[test]
fn outbox_calling_a_huge_message_full_fails_too_large() {
    let msg = fails("outbox.too_large", || {
        check_outbox_too_large(&outbox(OutboxFault::TooLargeIsFull))
    });
    assert!(msg.contains("TooLarge"), "{msg}");
}

#[test]
fn outbox_reversing_a_batch_fails_push_batch() {
    fails("outbox.push_batch", || {
        check_outbox_push_batch(&outbox(OutboxFault::BatchReversed))
    });
}

#[test]
fn durable_outbox_keeping_part_of_a_refused_batch_fails_push_batch() {
    let msg = fails("outbox.push_batch", || {
        check_outbox_push_batch(&durable_outbox(WhenFull::Refuse, OutboxFault::BatchPartial))
    });
    assert!(msg.contains("all or none"), "{msg}");
}
