//! The rule tables: one per port, one row per rule.
//!
//! Each port's rules are written once, as rows of a hidden table macro
//! (`__network_rules!`, `__transport_rules!`, ...). From that one list come
//! the port's rule-id constants and its [`RULES`](crate::network::RULES)
//! static (through [`__rule_table!`](crate::__rule_table)), which its
//! `run_*_suite` walks, and the `#[test]` functions its `*_tests!` macro
//! writes. The tables in `docs/conformance.md` are [`markdown`] renderings
//! of the same statics, and a test of the kit compares them with the file.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::report::{guard, panic_text, Outcome};

/// One rule of a port: its id, to what it applies, what it checks, and the
/// check itself (`C`, the port's check signature).
#[derive(Clone, Copy)]
pub struct Rule<C> {
    /// The rule id, e.g. `network.connect_then_connected`.
    pub id: &'static str,
    /// To which adapters (or machines) the rule applies; elsewhere it is
    /// reported skipped with the reason.
    pub applies: &'static str,
    /// What the rule checks, in one sentence.
    pub summary: &'static str,
    pub(crate) check: C,
}

impl<C> fmt::Debug for Rule<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("applies", &self.applies)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// The rule named `id` in `rules`.
pub(crate) fn find<'a, C>(rules: &'a [Rule<C>], id: &str) -> &'a Rule<C> {
    rules
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("hologram-conformance: no rule {id} in the table"))
}

/// Runs one rule and says how it ended, a failure included.
pub(crate) fn outcome_of(rule: &str, check: impl FnOnce() -> Outcome) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| guard(rule, check))) {
        Ok(outcome) => outcome,
        Err(payload) => Outcome::Failed {
            message: panic_text(payload.as_ref()),
        },
    }
}

/// A port's table as Markdown: `| rule | applies to | what it checks |`.
///
/// ```
/// let table = hologram_conformance::rules::markdown(hologram_conformance::sink::RULES);
/// assert!(table.starts_with("| rule | applies to | what it checks |\n|---|---|---|\n| `sink.order` |"));
/// ```
pub fn markdown<C>(rules: &[Rule<C>]) -> String {
    let mut out = String::from("| rule | applies to | what it checks |\n|---|---|---|\n");
    for r in rules {
        out.push_str(&format!("| `{}` | {} | {} |\n", r.id, r.applies, r.summary));
    }
    out
}

/// Writes a port's rule-id constants and its `RULES` static from the rows
/// of its table macro. Used inside the kit only.
#[doc(hidden)]
#[macro_export]
macro_rules! __rule_table {
    (($check:ty) $(
        $test:ident $konst:ident $id:literal [$needs:ident] $run:ident $applies:literal $summary:literal;
    )*) => {
        $(
            #[doc = concat!("Rule `", $id, "`: ", $summary)]
            pub const $konst: &str = $id;
        )*

        /// The rules of this port, in the order its suite runs them; one
        /// `#[test]` each from its macro.
        pub static RULES: &[$crate::rules::Rule<$check>] = &[
            $( $crate::rules::Rule { id: $konst, applies: $applies, summary: $summary, check: $run }, )*
        ];
    };
}
