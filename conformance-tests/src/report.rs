//! What a check or a suite reports, and how a failure is worded.
//!
//! A check either returns an [`Outcome`] or panics with a message of the form
//! `[rule.id] expected ...; got ...`, so a failing test names the rule it
//! broke. A suite runs its checks in order, collects a [`Report`] and stops
//! at the first failure.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// How one rule ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The adapter follows the rule.
    Passed,
    /// The rule could not be checked here; the reason says why.
    Skipped {
        /// Why the rule was not checked (e.g. "needs a connection").
        reason: String,
    },
}

impl Outcome {
    /// A skipped outcome with a reason.
    pub fn skipped(reason: impl Into<String>) -> Self {
        Outcome::Skipped {
            reason: reason.into(),
        }
    }

    /// Whether the rule was checked and passed.
    pub fn is_passed(&self) -> bool {
        matches!(self, Outcome::Passed)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Passed => f.write_str("passed"),
            Outcome::Skipped { reason } => write!(f, "skipped ({reason})"),
        }
    }
}

/// One line of a [`Report`]: a rule and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// The rule's id, e.g. `network.connect_then_connected`.
    pub rule: &'static str,
    /// How it ended.
    pub outcome: Outcome,
}

/// What a suite found: one line per rule, in the order the rules ran.
///
/// ```
/// use hologram_conformance::{Outcome, Report};
/// let mut report = Report::new("network");
/// report.push("network.example", Outcome::Passed);
/// report.push("network.other", Outcome::skipped("needs a connection"));
/// assert_eq!(report.passed().count(), 1);
/// assert_eq!(report.skipped().count(), 1);
/// assert!(report.to_string().contains("network.other: skipped (needs a connection)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    port: &'static str,
    entries: Vec<RuleOutcome>,
}

impl Report {
    /// An empty report for a port (`network`, `transport`, `auth`, `sink`).
    pub fn new(port: &'static str) -> Self {
        Report {
            port,
            entries: Vec::new(),
        }
    }

    /// The port the report is about.
    pub fn port(&self) -> &'static str {
        self.port
    }

    /// Adds one line.
    pub fn push(&mut self, rule: &'static str, outcome: Outcome) {
        self.entries.push(RuleOutcome { rule, outcome });
    }

    /// Every line, in order.
    pub fn entries(&self) -> &[RuleOutcome] {
        &self.entries
    }

    /// The rules that passed.
    pub fn passed(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.entries.iter().filter(|e| e.outcome.is_passed())
    }

    /// The rules that were skipped, with their reasons.
    pub fn skipped(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.entries.iter().filter(|e| !e.outcome.is_passed())
    }

    /// The outcome of one rule, if it ran.
    pub fn outcome(&self, rule: &str) -> Option<&Outcome> {
        self.entries
            .iter()
            .find(|e| e.rule == rule)
            .map(|e| &e.outcome)
    }

    /// Runs one check under a rule id, adds its outcome, and re-raises its
    /// failure with the rule id in the message.
    pub(crate) fn run(&mut self, rule: &'static str, check: impl FnOnce() -> Outcome) {
        let outcome = guard(rule, check);
        self.push(rule, outcome);
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} conformance: {} passed, {} skipped",
            self.port,
            self.passed().count(),
            self.skipped().count()
        )?;
        for e in &self.entries {
            writeln!(f, "  {}: {}", e.rule, e.outcome)?;
        }
        Ok(())
    }
}

/// A check as the suites list it.
pub(crate) type Check<F> = fn(&F) -> Outcome;

/// Fails a rule: panics with `[rule] expected ...; got ...`.
#[track_caller]
pub(crate) fn fail(rule: &str, expected: impl fmt::Display, got: impl fmt::Display) -> ! {
    panic!("[{rule}] expected {expected}; got {got}")
}

/// The text of a panic payload.
pub(crate) fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

/// Runs a check's body; a panic that does not already name the rule (the
/// adapter itself panicked) is re-raised as a failure of the rule.
pub(crate) fn guard<T>(rule: &str, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            let text = panic_text(payload.as_ref());
            if text.starts_with(&format!("[{rule}]")) {
                resume_unwind(payload)
            }
            fail(
                rule,
                "the adapter to return (a value or a typed error)",
                format_args!("a panic: {text}"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_names_the_rule_of_an_adapter_panic() {
        let err = catch_unwind(|| guard("x.rule", || panic!("boom"))).unwrap_err();
        let text = panic_text(err.as_ref());
        assert!(text.starts_with("[x.rule] expected"), "{text}");
        assert!(text.contains("boom"), "{text}");
    }

    #[test]
    fn guard_keeps_a_rule_failure_as_is() {
        let err = catch_unwind(|| guard("x.rule", || fail("x.rule", "a", "b"))).unwrap_err();
        assert_eq!(panic_text(err.as_ref()), "[x.rule] expected a; got b");
    }
}
