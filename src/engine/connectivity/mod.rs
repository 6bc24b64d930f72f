//! Full connectivity: every allowed (client, server, ports) triple, computed
//! over equivalence classes and expanded to pods or workloads for output.
//!
//! Each rule's peers are compiled once into a target set (whole namespaces,
//! explicit classes, ipBlocks), so the pair loop only does membership tests.

mod classes;
mod compile;
mod external;
mod report;
mod services;
mod sides;
mod tier_groups;
mod tiered;
mod touching;

#[cfg(test)]
pub(crate) mod tests;

pub use classes::{ClassConnectivity, class_connectivity, class_connectivity_on, pod_pair_count};
pub use compile::CompiledData;
pub use external::{
    CutBlocks, external_name, external_partitions, external_partitions_of, parse_external_name,
};
pub use report::{ConnRow, Granularity, Report, report, report_pair};
pub use services::{
    ServiceReport, SvcConn, SvcPortRow, SvcRow, service_node, service_report, service_report_from,
};
pub use touching::{Prepared, Touching, compile_fork, touching, touching_on};
