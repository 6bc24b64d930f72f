//! View models: what the views draw, computed from the index and the app
//! state (some off the UI thread, see `jobs`). Views only render them.

pub mod cluster_policy;
pub mod finder;
pub mod findings;
pub mod matrix;
pub mod namespace;
pub mod pod;
pub mod policy;
pub mod rollout;
pub mod service;
