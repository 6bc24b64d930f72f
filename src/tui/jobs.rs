//! Work that must not block input (connectivity matrices, finder indexing
//! and matching, lint, what-if diffs), as plain data: `update` asks for a job, the event
//! loop runs it on a worker thread and posts the output back as a message.
//! Tests and benches run the same jobs inline.

use std::sync::Arc;

use crate::engine::findings::LintOptions;
use crate::engine::index::Index;

use super::models::finder::{Candidates, Kind, build_candidates, search};
use super::models::findings::{FindingRow, lint};
use super::models::matrix::{MatrixData, compute_namespaces, compute_pods};
use super::models::rollout::{Rollout, Suggested, suggested};
use super::whatif::{Outcome, YamlInput, compute};
use crate::engine::model::PolicyKey;

pub enum Job {
    Matrix {
        id: u64,
        index: Arc<Index>,
        zoom: Option<String>,
    },
    Candidates {
        id: u64,
        index: Arc<Index>,
    },
    Search {
        id: u64,
        candidates: Arc<Candidates>,
        query: String,
        within: Option<Arc<Vec<u32>>>,
        trace_only: bool,
    },
    Lint {
        id: u64,
        index: Arc<Index>,
        /// Live source: also check for a policy-enforcing network plugin.
        live: bool,
    },
    /// The what-if diff of a proposal, on a copy of the index.
    WhatIf {
        id: u64,
        index: Arc<Index>,
        input: YamlInput,
        deletes: Vec<PolicyKey>,
        lint: bool,
        /// Recorded flows (`--flows`): count the traffic the change cuts.
        flows: Option<Arc<crate::engine::flows::Recorded>>,
    },
    /// The rollout view: every namespace's default-deny what-if.
    Rollout {
        id: u64,
        index: Arc<Index>,
        flows: Option<Arc<crate::engine::flows::Recorded>>,
    },
    /// The index compiled and its pod pairs counted ahead of a what-if
    /// (kept on the index's memo, which later jobs' copies share).
    Warm {
        index: Arc<Index>,
    },
    /// One namespace's suggested policies from the recorded flows.
    Suggest {
        id: u64,
        index: Arc<Index>,
        flows: Arc<crate::engine::flows::Recorded>,
        namespace: String,
    },
}

#[derive(Debug)]
pub enum JobOutput {
    Matrix {
        id: u64,
        generation: u64,
        zoom: Option<String>,
        data: MatrixData,
    },
    Candidates {
        id: u64,
        data: Arc<Candidates>,
    },
    Search {
        id: u64,
        query: String,
        matches: Arc<Vec<u32>>,
        top: Vec<(u32, i64)>,
    },
    Lint {
        id: u64,
        generation: u64,
        rows: Option<Vec<FindingRow>>,
    },
    WhatIf {
        id: u64,
        generation: u64,
        outcome: Outcome,
        /// The proposal file's text, when it was read from a file.
        read: Option<String>,
    },
    Rollout {
        id: u64,
        generation: u64,
        data: Arc<Rollout>,
    },
    Suggest {
        id: u64,
        namespace: String,
        suggested: Suggested,
    },
    Warm {
        generation: u64,
    },
}

/// Runs a job. It consumes the job, so its hold on the index is released
/// before the output is posted (the UI then applies queued events).
pub fn run(job: Job) -> JobOutput {
    match job {
        Job::Matrix { id, index, zoom } => {
            let generation = index.generation();
            let data = match &zoom {
                None => MatrixData::Namespaces(Arc::new(compute_namespaces(&index))),
                Some(ns) => MatrixData::Pods(Arc::new(compute_pods(&index, ns))),
            };
            JobOutput::Matrix {
                id,
                generation,
                zoom,
                data,
            }
        }
        Job::Candidates { id, index } => JobOutput::Candidates {
            id,
            data: Arc::new(build_candidates(&index)),
        },
        Job::Search {
            id,
            candidates,
            query,
            within,
            trace_only,
        } => {
            let wants = |k: Kind| !trace_only || k.is_trace_destination();
            let (matches, top) = search(
                &candidates,
                &query,
                within.as_deref().map(|v| v.as_slice()),
                wants,
            );
            JobOutput::Search {
                id,
                query,
                matches: Arc::new(matches),
                top,
            }
        }
        Job::Lint { id, index, live } => {
            let opts = LintOptions {
                cni: if live {
                    crate::source::live::detect_cni_in(&index).map(|d| d.lint_info())
                } else {
                    None
                },
                ..LintOptions::default()
            };
            JobOutput::Lint {
                id,
                generation: index.generation(),
                rows: lint(&index, &opts),
            }
        }
        Job::WhatIf {
            id,
            index,
            input,
            deletes,
            lint,
            flows,
        } => {
            let generation = index.generation();
            let (outcome, read) = compute(index, input, &deletes, lint, flows);
            JobOutput::WhatIf {
                id,
                generation,
                outcome,
                read,
            }
        }
        Job::Rollout { id, index, flows } => JobOutput::Rollout {
            id,
            generation: index.generation(),
            data: Arc::new(super::models::rollout::compute(&index, flows.as_deref())),
        },
        Job::Warm { index } => {
            crate::engine::connectivity::Prepared::new(&index).total();
            JobOutput::Warm {
                generation: index.generation(),
            }
        }
        Job::Suggest {
            id,
            index,
            flows,
            namespace,
        } => JobOutput::Suggest {
            id,
            suggested: suggested(&index, &flows, &namespace),
            namespace,
        },
    }
}
