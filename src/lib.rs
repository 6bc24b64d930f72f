//! netpol-tui: a terminal explorer for Kubernetes NetworkPolicy.
//!
//! Data flows one way: `source` (files, demo, live cluster) produces
//! [`engine::model::Event`]s, the `engine` index applies them and answers
//! verdicts with explanations, and `cli` and `tui` render those answers.

pub mod cli;
pub mod engine;
pub mod source;
pub mod tui;
pub mod yaml;
