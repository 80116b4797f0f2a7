//! The macros expand into one passing `#[test]` per rule on correct
//! adapters: this file is what an adapter's `tests/conformance.rs` looks like.
//! `cannot_connect` shows the link rules as ignored, the CSRPSK module the
//! TOTP-only rule, and `volatile_outbox` prints `SKIPPED outbox.durable: ...`.

mod common;

use std::sync::Arc;

use common::{MemoryNetwork, RefCsrpsk, RefTotp};
use hologram_conformance::{ObservableSink, RecordingSink};
use hologram_ports::{EventSink, NetworkInterface};

mod wifi_like {
    use super::*;
    hologram_conformance::network_tests!(
        |events: Arc<dyn EventSink>| -> Box<dyn NetworkInterface> {
            Box::new(MemoryNetwork::wifi(events))
        },
        can_connect = true
    );
}

mod cannot_connect {
    use super::*;
    fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
        Box::new(MemoryNetwork::offline(events))
    }
    hologram_conformance::network_tests!(make, can_connect = false);
}

mod raw {
    hologram_conformance::transport_tests!(super::common::raw);
}

mod cloud {
    hologram_conformance::transport_tests!(super::common::cloud);
}

mod csrpsk {
    hologram_conformance::auth_tests!(csrpsk: super::RefCsrpsk::new);
}

mod totp {
    hologram_conformance::auth_tests!(totp: super::RefTotp::new);
}

mod volatile_outbox {
    use hologram_conformance::WhenFull;
    hologram_conformance::outbox_tests!(super::common::outbox::ref_outbox(
        false,
        WhenFull::Refuse,
        None
    ));
}

mod durable_outbox {
    use hologram_conformance::WhenFull;
    hologram_conformance::outbox_tests!(super::common::outbox::ref_outbox(
        true,
        WhenFull::DropOldest,
        None
    ));
}

mod sink {
    use super::*;
    fn make() -> Arc<dyn ObservableSink> {
        RecordingSink::new()
    }
    hologram_conformance::sink_tests!(make);
}
