//! The connectivity matrices' data, computed off the UI thread (see
//! `jobs`): namespaces x namespaces (share of pod pairs allowed on some
//! port), or pods x pods inside one namespace; and the matrix view's state.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::connectivity::class_connectivity;
use crate::engine::index::{ClassId, Index};
use crate::engine::ports::PortSet;

/// Namespaces x namespaces. Counts are pod pairs (hostNetwork pods left out).
#[derive(Debug, Clone, Default)]
pub struct NsMatrix {
    pub names: Vec<String>,
    pub pods: Vec<u64>,
    /// Explicit pairs (at least one side isolated): allowed pod pairs and ports.
    pub cells: HashMap<(u32, u32), (u64, PortSet)>,
    /// Pods open for egress / ingress per namespace: every such pair is
    /// allowed everything (kept implicit, it is quadratic).
    pub open_e: Vec<u64>,
    pub open_i: Vec<u64>,
    /// Per namespace: pods open both ways (their pairs with themselves are
    /// in the implicit block but are not connections).
    pub open_both: Vec<u64>,
}

impl NsMatrix {
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// (allowed pod pairs, all pod pairs, ports allowed on some pair).
    pub fn cell(&self, a: usize, b: usize) -> (u64, u64, PortSet) {
        let total = if a == b {
            self.pods[a] * self.pods[a].saturating_sub(1)
        } else {
            self.pods[a] * self.pods[b]
        };
        let mut open = self.open_e[a] * self.open_i[b];
        if a == b {
            open -= self.open_both[a];
        }
        let (mut n, mut ports) = self
            .cells
            .get(&(a as u32, b as u32))
            .cloned()
            .unwrap_or_default();
        n += open;
        if open > 0 {
            ports = PortSet::all();
        }
        (n.min(total), total, ports)
    }
}

pub fn compute_namespaces(idx: &Index) -> NsMatrix {
    let names = idx.namespace_names();
    let ns_id: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as u32))
        .collect();
    let n = names.len();
    let mut m = NsMatrix {
        pods: vec![0; n],
        open_e: vec![0; n],
        open_i: vec![0; n],
        open_both: vec![0; n],
        ..Default::default()
    };
    let mut class_ns = vec![u32::MAX; idx.class_capacity()];
    let mut size = vec![0u64; idx.class_capacity()];
    for (id, c) in idx.classes() {
        if c.host_network {
            continue;
        }
        let ns = ns_id[c.namespace.as_str()];
        class_ns[id.index()] = ns;
        size[id.index()] = c.members.len() as u64;
        m.pods[ns as usize] += c.members.len() as u64;
    }
    let cc = class_connectivity(idx);
    for (a, b, ports) in &cc.pairs {
        let (na, nb) = (class_ns[a.index()], class_ns[b.index()]);
        let count = if a == b {
            size[a.index()] * size[a.index()].saturating_sub(1)
        } else {
            size[a.index()] * size[b.index()]
        };
        if count == 0 {
            continue;
        }
        let e = m.cells.entry((na, nb)).or_default();
        e.0 += count;
        e.1.union_with(ports);
    }
    let mut open_in = vec![false; idx.class_capacity()];
    for &b in &cc.open_ingress {
        m.open_i[class_ns[b.index()] as usize] += size[b.index()];
        open_in[b.index()] = true;
    }
    for &a in &cc.open_egress {
        let ns = class_ns[a.index()] as usize;
        m.open_e[ns] += size[a.index()];
        if open_in[a.index()] {
            m.open_both[ns] += size[a.index()];
        }
    }
    m.names = names;
    m
}

/// Pods x pods of one namespace.
#[derive(Debug, Clone, Default)]
pub struct PodMatrix {
    pub namespace: String,
    pub pods: Vec<String>,
    /// Index into `classes` per pod.
    pub class_of: Vec<usize>,
    /// Allowed ports between classes [from][to].
    pub ports: Vec<Vec<PortSet>>,
    pub host_network: usize,
}

pub fn compute_pods(idx: &Index, ns: &str) -> PodMatrix {
    let mut classes: Vec<ClassId> = idx
        .classes_in(ns)
        .filter(|&c| !idx.class(c).host_network)
        .collect();
    classes.sort_unstable();
    let local: HashMap<ClassId, usize> = classes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut pods = Vec::new();
    let mut class_of = Vec::new();
    let mut host_network = 0;
    for k in idx.pods_in(ns) {
        match idx.pod_class(k).and_then(|c| local.get(&c)) {
            Some(&i) => {
                pods.push(k.name.clone());
                class_of.push(i);
            }
            None => host_network += 1,
        }
    }
    let k = classes.len();
    let mut ports = vec![vec![PortSet::none(); k]; k];
    if k > 0 {
        let cc = class_connectivity(idx);
        for (a, b, p) in &cc.pairs {
            if let (Some(&i), Some(&j)) = (local.get(a), local.get(b)) {
                ports[i][j].union_with(p);
            }
        }
        let oi: Vec<usize> = cc
            .open_ingress
            .iter()
            .filter_map(|c| local.get(c).copied())
            .collect();
        for a in cc.open_egress.iter().filter_map(|c| local.get(c)) {
            for &b in &oi {
                ports[*a][b] = PortSet::all();
            }
        }
    }
    PodMatrix {
        namespace: ns.to_string(),
        pods,
        class_of,
        ports,
        host_network,
    }
}

#[derive(Debug, Clone)]
pub enum MatrixData {
    Namespaces(Arc<NsMatrix>),
    Pods(Arc<PodMatrix>),
}

impl MatrixData {
    pub fn len(&self) -> usize {
        match self {
            MatrixData::Namespaces(m) => m.len(),
            MatrixData::Pods(m) => m.pods.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, Default)]
pub struct MatrixState {
    /// None: namespaces x namespaces; Some(ns): pods x pods of ns.
    pub zoom: Option<String>,
    pub data: Option<MatrixData>,
    /// Kept to come back from a zoom without recomputing.
    pub cluster: Option<Arc<NsMatrix>>,
    /// Generation of the index `data` was computed from.
    pub generation: u64,
    /// The job being waited for.
    pub pending: Option<u64>,
    pub row: usize,
    pub col: usize,
    /// Cursor to put on this namespace when the data arrives.
    pub want: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::PodKey;
    use crate::engine::verdict::Endpoint;

    /// Every pod pair, one verdict each: what the matrices must agree with.
    fn pods(idx: &Index) -> Vec<(PodKey, ClassId)> {
        idx.pod_keys()
            .filter_map(|k| idx.pod_class(k).map(|c| (k.clone(), c)))
            .filter(|(_, c)| !idx.class(*c).host_network)
            .collect()
    }

    #[test]
    fn namespace_matrix_matches_pairwise_verdicts() {
        let idx = Index::from_snapshot(crate::source::demo::load().snapshot);
        let m = compute_namespaces(&idx);
        let all = pods(&idx);
        let mut want: HashMap<(usize, usize), (u64, u64)> = HashMap::new();
        for (a, ca) in &all {
            for (b, cb) in &all {
                if a == b {
                    continue;
                }
                let na = m.names.iter().position(|n| *n == a.namespace).expect("ns");
                let nb = m.names.iter().position(|n| *n == b.namespace).expect("ns");
                let v = idx
                    .pair_verdict(Endpoint::Class(*ca), Endpoint::Class(*cb))
                    .expect("verdict");
                let e = want.entry((na, nb)).or_default();
                e.1 += 1;
                if !v.allowed.is_empty() {
                    e.0 += 1;
                }
            }
        }
        for i in 0..m.len() {
            for j in 0..m.len() {
                let (n, total, _) = m.cell(i, j);
                assert_eq!(
                    (n, total),
                    want.get(&(i, j)).copied().unwrap_or_default(),
                    "{} -> {}",
                    m.names[i],
                    m.names[j]
                );
            }
        }
    }

    #[test]
    fn pod_matrix_matches_pairwise_verdicts() {
        let idx = Index::from_snapshot(crate::source::demo::load().snapshot);
        for ns in idx.namespace_names() {
            let m = compute_pods(&idx, &ns);
            for (i, a) in m.pods.iter().enumerate() {
                for (j, b) in m.pods.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    let ca = idx.pod_class(&PodKey::new(&ns, a)).expect("class");
                    let cb = idx.pod_class(&PodKey::new(&ns, b)).expect("class");
                    let v = idx
                        .pair_verdict(Endpoint::Class(ca), Endpoint::Class(cb))
                        .expect("verdict");
                    assert_eq!(
                        m.ports[m.class_of[i]][m.class_of[j]], v.allowed,
                        "{ns}: {a} -> {b}"
                    );
                }
            }
        }
    }
}
