//! The findings pane's model: what the lint engine reports as rows, and
//! the pane's state.
//!
//! Integration point: [`lint`] is the only function that knows the lint
//! engine; it runs off the UI thread (see `jobs`).

use std::collections::HashMap;

use crate::engine::findings::{self, LintOptions};
use crate::engine::index::Index;
use crate::engine::model::{PodKey, PolicyKey};

use super::super::app::Selected;

/// Load problems first, then the lint engine's severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    High,
    Medium,
    Low,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    pub severity: Severity,
    pub id: String,
    pub namespace: Option<String>,
    pub policy: Option<String>,
    pub pod: Option<String>,
    pub message: String,
}

impl FindingRow {
    /// Where Enter jumps.
    pub fn target(&self) -> Selected {
        match (&self.namespace, &self.policy, &self.pod) {
            (Some(ns), Some(p), _) => Selected::Policy(PolicyKey::new(ns, p)),
            (Some(ns), None, Some(p)) => Selected::Pod(PodKey::new(ns, p)),
            (Some(ns), None, None) => Selected::Namespace(ns.clone()),
            _ => Selected::None,
        }
    }
}

/// Runs the lint engine (`engine::findings`) and maps its findings to rows,
/// most severe first. None would mean no lint engine (the pane says so).
pub fn lint(idx: &Index, opts: &LintOptions) -> Option<Vec<FindingRow>> {
    let mut rows: Vec<FindingRow> = findings::lint(idx, opts).iter().map(row_of).collect();
    rows.sort_by_key(|r| r.severity);
    Some(rows)
}

/// A lint finding as a row of the pane.
pub fn row_of(f: &findings::Finding) -> FindingRow {
    FindingRow {
        severity: match f.severity {
            findings::Severity::High => Severity::High,
            findings::Severity::Medium => Severity::Medium,
            findings::Severity::Low => Severity::Low,
            findings::Severity::Info => Severity::Info,
        },
        id: f.id.to_string(),
        namespace: f.namespace.clone(),
        policy: f.policy.clone(),
        pod: f.pod.clone(),
        message: f.message.clone(),
    }
}

#[derive(Debug, Clone, Default)]
pub struct FindingsState {
    pub visible: bool,
    /// None: not computed yet, or no lint engine.
    pub rows: Option<Vec<FindingRow>>,
    pub available: bool,
    pub generation: u64,
    pub pending: Option<u64>,
    pub last_run: Option<std::time::Instant>,
    pub selected: usize,
    pub by_ns: HashMap<String, usize>,
}

impl FindingsState {
    pub fn set(&mut self, rows: Option<Vec<FindingRow>>, generation: u64) {
        self.available = rows.is_some();
        let mut by_ns = HashMap::new();
        for r in rows.iter().flatten() {
            if let Some(ns) = &r.namespace {
                *by_ns.entry(ns.clone()).or_default() += 1;
            }
        }
        self.by_ns = by_ns;
        self.rows = rows;
        self.generation = generation;
    }

    /// Load diagnostics then lint findings, as shown.
    pub fn all(&self, errors: &[String], warnings: &[String]) -> Vec<FindingRow> {
        let load = |sev, id: &str, m: &String| FindingRow {
            severity: sev,
            id: id.to_string(),
            namespace: None,
            policy: None,
            pod: None,
            message: m.clone(),
        };
        let mut v: Vec<FindingRow> = errors
            .iter()
            .map(|m| load(Severity::Error, "load-error", m))
            .collect();
        v.extend(
            warnings
                .iter()
                .map(|m| load(Severity::Warning, "load-warning", m)),
        );
        v.extend(self.rows.iter().flatten().cloned());
        v
    }
}
