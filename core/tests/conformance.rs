//! The conformance kit on the core's own adapters: the event bus (what
//! adapters report into must keep order, lose nothing and allow re-entry)
//! and the in-memory outbox.

use std::sync::Arc;

use hologram::{Event, EventBus, EventSink, MemoryOutbox, Outbox};
use hologram_conformance::testing::RecordingSink;
use hologram_conformance::{EventCallback, ObservableSink, OutboxUnderTest, WhenFull};

mod event_bus {
    use super::*;

    /// The bus, observed through a subscription like any application would.
    struct ObservedBus {
        bus: EventBus,
        received: Arc<RecordingSink>,
    }

    impl EventSink for ObservedBus {
        fn emit(&self, event: &Event) {
            self.bus.emit(event);
        }
    }

    impl ObservableSink for ObservedBus {
        fn received(&self) -> Vec<Event> {
            self.received.events()
        }

        fn on_event(&self, callback: EventCallback) {
            self.bus.subscribe_all(move |e| callback(e));
        }
    }

    fn make() -> Arc<dyn ObservableSink> {
        let bus = EventBus::new();
        let received = RecordingSink::new();
        let r = received.clone();
        bus.subscribe_all(move |e| r.emit(e));
        Arc::new(ObservedBus { bus, received })
    }

    hologram_conformance::sink_tests!(make);
}

/// The in-memory outbox: not durable (`outbox.durable` says SKIPPED), 4
/// messages and 4 KiB, refusing when full.
mod memory_outbox {
    use super::*;

    fn under_test() -> OutboxUnderTest {
        OutboxUnderTest::new(|_dir| {
            Ok(Box::new(MemoryOutbox::with_limits(4, 4096)) as Box<dyn Outbox>)
        })
        .holding(4, WhenFull::Refuse)
        .max_bytes(4096)
    }

    hologram_conformance::outbox_tests!(under_test());
}
