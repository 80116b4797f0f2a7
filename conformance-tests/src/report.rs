//! What a check or a suite reports, and how a failure is worded.
//!
//! A check either returns an [`Outcome`] (passed, or skipped with the
//! reason) or panics with a message of the form `[rule.id] expected ...;
//! got ...`, so a failing test names the rule it broke. A suite runs every
//! rule of its port's table and collects a [`Report`] that tells the three
//! apart: passed, skipped (with the reason) and failed (with the message).

use std::fmt;
use std::io::Write;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

pub use crate::testing::panic_text;

/// How one rule ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The adapter follows the rule.
    Passed,
    /// The rule does not apply here, or could not be checked here; the
    /// reason says why. Never counted as passed.
    Skipped {
        /// Why the rule was not checked (e.g. "needs a connection").
        reason: String,
    },
    /// The adapter breaks the rule. Checks panic instead of returning this;
    /// a [`Report`] records it.
    Failed {
        /// What the check said: `[rule.id] expected ...; got ...`.
        message: String,
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

    /// Whether the rule was skipped.
    pub fn is_skipped(&self) -> bool {
        matches!(self, Outcome::Skipped { .. })
    }

    /// Whether the rule failed.
    pub fn is_failed(&self) -> bool {
        matches!(self, Outcome::Failed { .. })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Passed => f.write_str("passed"),
            Outcome::Skipped { reason } => write!(f, "SKIPPED ({reason})"),
            Outcome::Failed { message } => write!(f, "FAILED: {message}"),
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
/// assert_eq!(report.failed().count(), 0);
/// assert!(report.to_string().contains("network.other: SKIPPED (needs a connection)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    port: &'static str,
    entries: Vec<RuleOutcome>,
}

impl Report {
    /// An empty report for a port (`network`, `transport`, `auth`, `sink`, `outbox`).
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
        self.entries.iter().filter(|e| e.outcome.is_skipped())
    }

    /// The rules that failed, with their messages.
    pub fn failed(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.entries.iter().filter(|e| e.outcome.is_failed())
    }

    /// The outcome of one rule, if it ran.
    pub fn outcome(&self, rule: &str) -> Option<&Outcome> {
        self.entries
            .iter()
            .find(|e| e.rule == rule)
            .map(|e| &e.outcome)
    }

    /// Runs one check under a rule id and adds its outcome; a failure (a
    /// panic) is recorded as [`Outcome::Failed`] and the next rule runs.
    pub(crate) fn run(&mut self, rule: &'static str, check: impl FnOnce() -> Outcome) {
        let outcome = match catch_unwind(AssertUnwindSafe(|| guard(rule, check))) {
            Ok(outcome) => outcome,
            Err(payload) => Outcome::Failed {
                message: panic_text(payload.as_ref()),
            },
        };
        self.push(rule, outcome);
    }

    /// Ends a suite: panics with the whole report when a rule failed, so
    /// a suite's failure cannot go unnoticed; returns the report otherwise.
    #[track_caller]
    pub(crate) fn finish(self) -> Self {
        if self.failed().next().is_some() {
            panic!("{self}");
        }
        self
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} conformance: {} passed, {} skipped, {} failed",
            self.port,
            self.passed().count(),
            self.skipped().count(),
            self.failed().count()
        )?;
        for e in &self.entries {
            writeln!(f, "  {}: {}", e.rule, e.outcome)?;
        }
        Ok(())
    }
}

/// Fails a rule: panics with `[rule] expected ...; got ...`.
#[track_caller]
pub(crate) fn fail(rule: &str, expected: impl fmt::Display, got: impl fmt::Display) -> ! {
    panic!("[{rule}] expected {expected}; got {got}")
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

/// How a `#[test]` the macros wrote ends for one rule: a skipped rule is
/// announced on the process's stderr (past the test harness's capture, so
/// `cargo test` shows it next to the `ok`), a failed one fails the test.
#[doc(hidden)]
#[track_caller]
pub fn __conclude(rule: &str, outcome: Outcome) {
    match outcome {
        Outcome::Passed => {}
        Outcome::Skipped { reason } => {
            let _ = writeln!(std::io::stderr(), "SKIPPED {rule}: {reason}");
        }
        Outcome::Failed { message } => panic!("{message}"),
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

    #[test]
    fn a_report_records_failures_and_runs_on() {
        let mut report = Report::new("x");
        report.run("x.one", || fail("x.one", "a", "b"));
        report.run("x.two", || Outcome::skipped("not here"));
        report.run("x.three", || Outcome::Passed);
        assert_eq!(
            report.outcome("x.one"),
            Some(&Outcome::Failed {
                message: "[x.one] expected a; got b".into()
            })
        );
        assert_eq!(report.failed().count(), 1);
        assert_eq!(report.skipped().count(), 1);
        assert_eq!(report.passed().count(), 1);
        let text = report.to_string();
        assert!(
            text.starts_with("x conformance: 1 passed, 1 skipped, 1 failed"),
            "{text}"
        );
        let err = catch_unwind(AssertUnwindSafe(|| report.clone().finish())).unwrap_err();
        assert_eq!(panic_text(err.as_ref()), text);
    }

    #[test]
    fn a_skipped_rule_is_not_a_passed_one() {
        let skipped = Outcome::skipped("why");
        assert!(!skipped.is_passed());
        assert!(skipped.is_skipped());
        assert_eq!(skipped.to_string(), "SKIPPED (why)");
    }
}
