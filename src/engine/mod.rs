//! The pure policy engine: model, Kubernetes NetworkPolicy semantics, index,
//! verdicts and explanations. No terminal, no network, no async in here.

pub mod connectivity;
pub mod diff;
pub mod explain;
pub mod findings;
pub mod flows;
pub mod index;
pub mod ipblock;
pub mod manifest;
pub mod model;
pub mod ports;
pub mod posture;
pub mod proposal;
pub mod query;
pub mod selector;
pub mod text;
pub mod tiers;
pub mod verdict;
