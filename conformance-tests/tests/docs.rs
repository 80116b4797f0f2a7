//! The tables of `docs/conformance.md` are the kit's rule tables, rendered:
//! a rule added, renamed or reworded in the kit shows up here until the
//! document says the same. `HOLOGRAM_CONFORMANCE_BLESS=1 cargo test -p
//! hologram-conformance --test docs` rewrites the tables in the document.

use hologram_conformance::rules::markdown;
use hologram_conformance::{auth, network, outbox, sink, transport};

const HEADER: &str = "| rule | applies to | what it checks |\n";

fn tables() -> [(&'static str, String); 5] {
    [
        ("network", markdown(network::RULES)),
        ("transport", markdown(transport::RULES)),
        ("auth", markdown(auth::RULES)),
        ("sink", markdown(sink::RULES)),
        ("outbox", markdown(outbox::RULES)),
    ]
}

/// Where the document's table for `port` is: the header line, then every
/// `|` line after it, the first rule being one of `port`.
fn find_table(doc: &str, port: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    while let Some(at) = doc[from..].find(HEADER).map(|i| i + from) {
        let mut end = at;
        for line in doc[at..].split_inclusive('\n') {
            if !line.starts_with('|') {
                break;
            }
            end += line.len();
        }
        if doc[at..end].contains(&format!("\n| `{port}.")) {
            return Some(at..end);
        }
        from = end.max(at + 1);
    }
    None
}

#[test]
fn the_document_shows_each_port_table_as_the_kit_has_it() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance.md");
    let mut doc = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
    let bless = std::env::var("HOLOGRAM_CONFORMANCE_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (port, table) in tables() {
        match find_table(&doc, port) {
            Some(range) if doc[range.clone()] == table => {}
            Some(range) if bless => doc.replace_range(range, &table),
            _ => stale.push(format!("the {port} table; it should read:\n\n{table}")),
        }
    }
    if bless {
        std::fs::write(&path, &doc)
            .unwrap_or_else(|e| panic!("{} cannot be written: {e}", path.display()));
    }
    assert!(
        stale.is_empty(),
        "docs/conformance.md is out of date with the kit's rule tables \
         (HOLOGRAM_CONFORMANCE_BLESS=1 rewrites them): {}",
        stale.join("\n")
    );
}
