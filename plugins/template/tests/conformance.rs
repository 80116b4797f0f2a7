//! The conformance kit on the plugin's type, linked natively (the `rlib`).
//! `plugins/tests` runs the same kit through the loaded `.so`.

use std::sync::Arc;

use hologram_plugin_template::Loopback;
use hologram_ports::{AdapterConfig, AdapterContext, EventSink, NetworkInterface};

fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    let ctx = AdapterContext::new(events, AdapterConfig::new());
    Box::new(Loopback::from_context(&ctx).expect("the loopback factory takes no setting"))
}

hologram_conformance::network_tests!(make, can_connect = true);
