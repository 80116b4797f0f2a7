//! The conformance kit's network rules on `wifi`, as far as this machine
//! allows: its kernel has no wireless support, so the rules that need a
//! connection are ignored (`cargo test` lists them as ignored, with the
//! reason); the others run for real against the kernel, on the loopback
//! interface (wireless unsupported) and on an interface that does not
//! exist.

use std::sync::Arc;

use hologram_ports::{EventSink, NetworkInterface};
use hologram_wifi::{InterfaceName, Wifi};

fn on(name: &str, events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    let wifi = Wifi::builder()
        .interface(InterfaceName::new(name).expect("a valid interface name"))
        .events(events)
        .build()
        .expect("building does not touch the kernel");
    Box::new(wifi)
}

mod on_loopback {
    hologram_conformance::network_tests!(|events| super::on("lo", events), can_connect = false);
}

mod on_a_missing_interface {
    hologram_conformance::network_tests!(
        |events| super::on("hologram-none0", events),
        can_connect = false
    );
}
