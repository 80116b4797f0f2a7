//! The table printed at the end, and the JSON beside it.

use serde_json::{Map, Value};

/// Where a number stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The target is met.
    Met,
    /// The target is missed.
    Missed,
    /// No target: context.
    Info,
}

impl Status {
    /// `Met` when `ok`, else `Missed`.
    pub fn from(ok: bool) -> Status {
        if ok {
            Status::Met
        } else {
            Status::Missed
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Status::Met => "MET",
            Status::Missed => "MISSED",
            Status::Info => "",
        }
    }
}

#[derive(Debug)]
enum Line {
    Section(String),
    Row {
        metric: String,
        value: String,
        target: String,
        status: Status,
    },
    Note(String),
}

/// The results: lines for the table and a JSON object.
#[derive(Debug, Default)]
pub struct Report {
    lines: Vec<Line>,
    /// Every number, by section.
    pub json: Map<String, Value>,
    /// Each target: name → `{value, target, met}`.
    pub targets: Map<String, Value>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Report {
        Report::default()
    }

    /// Starts a section of the table.
    pub fn section(&mut self, title: impl Into<String>) {
        self.lines.push(Line::Section(title.into()));
    }

    /// A row with no target.
    pub fn info(&mut self, metric: impl Into<String>, value: impl Into<String>) {
        self.row(metric, value, "", Status::Info);
    }

    /// A row.
    pub fn row(
        &mut self,
        metric: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        status: Status,
    ) {
        self.lines.push(Line::Row {
            metric: metric.into(),
            value: value.into(),
            target: target.into(),
            status,
        });
    }

    /// A row with a target, also recorded under `key` in the targets.
    pub fn target(
        &mut self,
        key: &str,
        metric: impl Into<String>,
        value: f64,
        shown: impl Into<String>,
        target: &str,
        met: bool,
    ) {
        self.targets.insert(
            key.to_owned(),
            serde_json::json!({ "value": finite(value), "target": target, "met": met }),
        );
        self.row(metric, shown, target, Status::from(met));
    }

    /// A line of explanation under the current section.
    pub fn note(&mut self, text: impl Into<String>) {
        self.lines.push(Line::Note(text.into()));
    }

    /// The table as text.
    pub fn render(&self) -> String {
        let (mut wm, mut wv, mut wt) = (0, 0, 0);
        for line in &self.lines {
            if let Line::Row {
                metric,
                value,
                target,
                ..
            } = line
            {
                wm = wm.max(metric.chars().count());
                wv = wv.max(value.chars().count());
                wt = wt.max(target.chars().count());
            }
        }
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Section(title) => {
                    out.push('\n');
                    out.push_str(title);
                    out.push('\n');
                }
                Line::Row {
                    metric,
                    value,
                    target,
                    status,
                } => {
                    let row = format!(
                        "  {metric:<wm$}  {value:>wv$}  {target:<wt$}  {}",
                        status.as_str()
                    );
                    out.push_str(row.trim_end());
                    out.push('\n');
                }
                Line::Note(text) => {
                    out.push_str("    ");
                    out.push_str(text);
                    out.push('\n');
                }
            }
        }
        out
    }

    /// Everything as one JSON value.
    pub fn to_json(&self) -> Value {
        let mut all = self.json.clone();
        all.insert("targets".to_owned(), Value::Object(self.targets.clone()));
        Value::Object(all)
    }
}

/// `x` as JSON, `null` when not finite.
pub fn finite(x: f64) -> Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else {
        Value::Null
    }
}

/// A number with thousands separators and `decimals` decimals.
pub fn num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".to_owned();
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && x.abs() >= 0.5 * 10f64.powi(-(decimals as i32)) {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(1234567.891, 0), "1,234,568");
        assert_eq!(num(999.0, 1), "999.0");
        assert_eq!(num(-1234.5, 1), "-1,234.5");
        assert_eq!(num(f64::NAN, 0), "n/a");
        assert_eq!(num(0.0, 2), "0.00");
    }

    #[test]
    fn table_and_json() {
        let mut r = Report::new();
        r.section("1. things");
        r.info("a", "1");
        r.target("t", "b", 2.0, "2", ">= 1", true);
        r.note("why");
        let text = r.render();
        assert!(text.contains("1. things"));
        assert!(text.contains("MET"));
        assert!(text.contains("    why"));
        assert_eq!(r.to_json()["targets"]["t"]["met"], true);
    }
}
