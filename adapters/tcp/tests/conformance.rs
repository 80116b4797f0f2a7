//! The conformance kit's transport rules, on `raw` and `cloud`.

use std::sync::Arc;

use hologram_conformance::transport::KitTimeouts;
use hologram_ports::{Endpoint, EventSink, Transport};
use hologram_tcp::{CloudTransport, RawTransport};

fn raw(events: Arc<dyn EventSink>, endpoint: Endpoint, t: KitTimeouts) -> Box<dyn Transport> {
    Box::new(
        RawTransport::builder()
            .events(events)
            .endpoint(endpoint)
            .connect_timeout(t.connect)
            .write_timeout(t.write)
            .read_timeout(t.read)
            .build()
            .expect("valid settings"),
    )
}

fn cloud(events: Arc<dyn EventSink>, endpoint: Endpoint, t: KitTimeouts) -> Box<dyn Transport> {
    Box::new(
        CloudTransport::builder()
            .events(events)
            .endpoint(endpoint)
            .connect_timeout(t.connect)
            .write_timeout(t.write)
            .read_timeout(t.read)
            .build()
            .expect("valid settings"),
    )
}

mod raw_transport {
    hologram_conformance::transport_tests!(super::raw);
}

mod cloud_transport {
    hologram_conformance::transport_tests!(super::cloud);
}
