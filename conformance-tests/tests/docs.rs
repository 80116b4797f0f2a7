//! The tables of `docs/conformance.md` are the kit's rule tables, rendered:
//! a rule added, renamed or reworded in the kit shows up here until the
//! document says the same.

use hologram_conformance::rules::markdown;
use hologram_conformance::{auth, network, outbox, sink, transport};

#[test]
fn the_document_shows_each_port_table_as_the_kit_has_it() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance.md");
    let doc = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
    let tables = [
        ("network", markdown(network::RULES)),
        ("transport", markdown(transport::RULES)),
        ("auth", markdown(auth::RULES)),
        ("sink", markdown(sink::RULES)),
        ("outbox", markdown(outbox::RULES)),
    ];
    let mut stale = Vec::new();
    for (port, table) in &tables {
        if !doc.contains(table.as_str()) {
            stale.push(format!("the {port} table; it should read:\n\n{table}"));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/conformance.md is out of date with the kit's rule tables: {}",
        stale.join("\n")
    );
}
