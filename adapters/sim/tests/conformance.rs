//! The conformance kit's network rules, on the `sim` network interface.

use std::sync::Arc;

use hologram_conformance::{run_network_suite, NetworkSuite};
use hologram_ports::{EventSink, NetworkInterface};
use hologram_sim::{FaultPlan, SimNetwork};

fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    Box::new(SimNetwork::new(events))
}

hologram_conformance::network_tests!(make, can_connect = true);

/// A link whose access point refuses every connection: the rules that need
/// no connection still hold (typed errors, later calls still work).
#[test]
fn refusing_network_keeps_the_contract() {
    let make = |events: Arc<dyn EventSink>| -> Box<dyn NetworkInterface> {
        let net = SimNetwork::new(events);
        net.controller()
            .set_fault_plan(FaultPlan::new(0).with_refuse_connects(u32::MAX));
        Box::new(net)
    };
    let report = run_network_suite(make, NetworkSuite::new(false));
    assert_eq!(report.passed().count(), 3, "{report}");
    assert_eq!(report.skipped().count(), 4, "{report}");
}
