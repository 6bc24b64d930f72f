//! The namespace view's model: labels, isolation coverage, its policies,
//! and the pods no policy isolates.

use crate::engine::index::Index;
use crate::engine::model::{Direction, Labels};

use super::super::nsstats::{NsStats, compute};

#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub name: String,
    pub types: String,
    pub selects: usize,
}

#[derive(Debug, Clone)]
pub struct NamespaceModel {
    pub name: String,
    pub labels: Labels,
    pub known: bool,
    pub stats: NsStats,
    pub policies: Vec<PolicyRow>,
    pub open_ingress: Vec<String>,
    pub open_egress: Vec<String>,
    pub host_network: Vec<String>,
    pub findings: usize,
}

pub fn model(idx: &Index, ns: &str, findings: usize) -> NamespaceModel {
    let mut open_ingress = Vec::new();
    let mut open_egress = Vec::new();
    let mut host_network = Vec::new();
    for c in idx.classes_in(ns) {
        let class = idx.class(c);
        let names = class.members.iter().cloned();
        if class.host_network {
            host_network.extend(names);
            continue;
        }
        if !idx.is_isolated(c, Direction::Ingress) {
            open_ingress.extend(names.clone());
        }
        if !idx.is_isolated(c, Direction::Egress) {
            open_egress.extend(names);
        }
    }
    for v in [&mut open_ingress, &mut open_egress, &mut host_network] {
        v.sort();
    }
    let policies = idx
        .policies_in(ns)
        .map(|p| PolicyRow {
            name: p.name.clone(),
            types: match (p.ingress_type, p.egress_type) {
                (true, true) => "Ingress, Egress",
                (true, false) => "Ingress",
                (false, true) => "Egress",
                _ => "-",
            }
            .to_string(),
            selects: idx.selected_pods(p).len(),
        })
        .collect();
    NamespaceModel {
        name: ns.to_string(),
        labels: idx.ns_labels(ns).into_owned(),
        known: idx.namespace(ns).is_some(),
        stats: compute(idx, ns),
        policies,
        open_ingress,
        open_egress,
        host_network,
        findings,
    }
}
