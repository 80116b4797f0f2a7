//! The conformance kit on the simulated modem, linked natively (the
//! `rlib`). `plugins/tests` runs the same kit through the loaded `.so`, and
//! one check below runs on a modem that never answers.

use std::sync::Arc;

use hologram_plugin_cellular::Cellular;
use hologram_ports::{AdapterConfig, AdapterContext, EventSink, NetworkInterface};

fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    let config = AdapterConfig::new().with("device", "sim");
    Box::new(Cellular::from_context(&AdapterContext::new(events, config)).expect("valid settings"))
}

hologram_conformance::network_tests!(make, can_connect = true);

mod silent_modem {
    use super::*;

    fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
        let config = AdapterConfig::new()
            .with("device", "sim")
            .with("sim_fault", "silent")
            .with("timeout", "0.05");
        Box::new(
            Cellular::from_context(&AdapterContext::new(events, config)).expect("valid settings"),
        )
    }

    hologram_conformance::network_tests!(make, can_connect = false);
}
