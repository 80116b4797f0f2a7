//! The conformance kit's outbox rules on `FileOutbox`, under both full
//! policies: each check opens the outbox in a fresh directory and reopens
//! it there for the durability rules.

use hologram_conformance::{OutboxUnderTest, WhenFull};
use hologram_outbox::{FileOutbox, FullPolicy};
use hologram_ports::Outbox;

/// Four messages, 4 KiB of records: small enough for the kit to fill.
const MESSAGES: usize = 4;
const BYTES: u64 = 4096;

fn under_test(policy: FullPolicy, declared: WhenFull) -> OutboxUnderTest {
    OutboxUnderTest::new(move |dir| {
        let outbox = FileOutbox::builder(dir)
            .max_messages(MESSAGES)
            .max_bytes(BYTES)
            .when_full(policy)
            .open()?;
        Ok(Box::new(outbox) as Box<dyn Outbox>)
    })
    .holding(MESSAGES, declared)
    .max_bytes(BYTES)
}

mod refusing {
    hologram_conformance::outbox_tests!(super::under_test(
        hologram_outbox::FullPolicy::Refuse,
        hologram_conformance::WhenFull::Refuse
    ));
}

mod dropping_the_oldest {
    hologram_conformance::outbox_tests!(super::under_test(
        hologram_outbox::FullPolicy::DropOldest,
        hologram_conformance::WhenFull::DropOldest
    ));
}
