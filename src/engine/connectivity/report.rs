//! Connectivity as named rows (pods or workloads), for every output format.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::classes::{ClassConnectivity, class_connectivity, class_connectivity_on};
use super::external::{external_name, external_partitions_of};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::PodKey;
use crate::engine::ports::PortSet;

/// How results are grouped for output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// `ns/name` per pod.
    Pod,
    /// `ns/name[Kind]` per workload (pods grouped by owner).
    Workload,
}

/// One allowed connection, named for output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConnRow {
    pub src: String,
    pub dst: String,
    pub ports: PortSet,
}

/// Connectivity as named rows, ready for any output format.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every pod (or workload) of the input, sorted, hostNetwork ones included.
    pub endpoints: Vec<String>,
    /// The hostNetwork pods (or workloads): in no row.
    pub host_network: Vec<String>,
    /// Pod-to-pod (or workload-to-workload) rows, sorted by src then dst.
    pub internal: Vec<ConnRow>,
    /// Rows with an external range on one side (`A-B[External]`), sorted.
    pub external: Vec<ConnRow>,
}

impl Report {
    /// Internal and external rows merged in netpol-analyzer's order (plain
    /// byte order of src, then dst).
    pub fn all_rows(&self) -> Vec<&ConnRow> {
        let mut v: Vec<&ConnRow> = self.internal.iter().chain(self.external.iter()).collect();
        v.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
        v
    }
}

/// Names of the members of a class at the given granularity.
fn member_names(idx: &Index, c: ClassId, g: Granularity) -> BTreeSet<String> {
    let class = idx.class(c);
    class
        .members
        .iter()
        .map(|m| {
            let k = PodKey::new(&class.namespace, m);
            match g {
                Granularity::Pod => k.to_string(),
                Granularity::Workload => idx.workload_of(&k),
            }
        })
        .collect()
}

pub fn report(idx: &Index, g: Granularity) -> Report {
    report_from(idx, g, class_connectivity(idx))
}

/// Reports of two states on one external partition, for comparing them.
pub fn report_pair(before: &Index, after: &Index, g: Granularity) -> (Report, Report) {
    let (dst, src) = external_partitions_of(&[before, after]);
    (
        report_from(
            before,
            g,
            class_connectivity_on(before, dst.clone(), src.clone()),
        ),
        report_from(after, g, class_connectivity_on(after, dst, src)),
    )
}

fn report_from(idx: &Index, g: Granularity, cc: ClassConnectivity) -> Report {
    let mut names: HashMap<ClassId, BTreeSet<String>> = HashMap::new();
    let mut endpoints = BTreeSet::new();
    let mut host = BTreeSet::new();
    for (id, c) in idx.classes() {
        let n = member_names(idx, id, g);
        if c.host_network {
            host.extend(n.iter().cloned());
        }
        endpoints.extend(n.iter().cloned());
        names.insert(id, n);
    }
    // Workloads whose pods differ land in several classes: merge with union.
    let mut internal: BTreeMap<(String, String), PortSet> = BTreeMap::new();
    for (a, b, ports) in cc.all_pairs() {
        for s in &names[&a] {
            for d in &names[&b] {
                if s == d {
                    continue; // no self-connections
                }
                internal
                    .entry((s.clone(), d.clone()))
                    .or_default()
                    .union_with(&ports);
            }
        }
    }
    let mut external: BTreeMap<(String, String), PortSet> = BTreeMap::new();
    for (a, r, ports) in &cc.to_external {
        for s in &names[a] {
            external
                .entry((s.clone(), external_name(r)))
                .or_default()
                .union_with(ports);
        }
    }
    for (r, b, ports) in &cc.from_external {
        for d in &names[b] {
            external
                .entry((external_name(r), d.clone()))
                .or_default()
                .union_with(ports);
        }
    }
    let rows = |m: BTreeMap<(String, String), PortSet>| -> Vec<ConnRow> {
        m.into_iter()
            .map(|((src, dst), ports)| ConnRow { src, dst, ports })
            .collect()
    };
    Report {
        endpoints: endpoints.into_iter().collect(),
        host_network: host.into_iter().collect(),
        internal: rows(internal),
        external: rows(external),
    }
}
