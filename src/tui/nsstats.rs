//! Per-namespace isolation coverage for the tree badges, kept up to date
//! incrementally: an event only dirties the namespace it touches.

use std::collections::{BTreeSet, HashMap};

use crate::engine::index::Index;
use crate::engine::model::{Direction, Event};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NsStats {
    pub pods: u32,
    pub ingress_isolated: u32,
    pub egress_isolated: u32,
    pub host_network: u32,
    pub policies: u32,
}

/// What changed in a batch of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dirty {
    All,
    Some(BTreeSet<String>),
}

impl Default for Dirty {
    fn default() -> Self {
        Dirty::Some(BTreeSet::new())
    }
}

impl Dirty {
    pub fn add(&mut self, ev: &Event) {
        let ns = match ev {
            Event::UpsertNamespace(n) => Some(n.name.clone()),
            Event::DeleteNamespace(n) => Some(n.clone()),
            Event::UpsertPod(p) => Some(p.namespace.clone()),
            Event::DeletePod(k) => Some(k.namespace.clone()),
            Event::DeletePolicy(k) => Some(k.namespace.clone()),
            Event::UpsertPolicy(p) => Some(p.namespace.clone()),
            Event::ReplacePods {
                namespace: Some(n), ..
            }
            | Event::ReplacePolicies {
                namespace: Some(n), ..
            } => Some(n.clone()),
            _ => None,
        };
        match (self, ns) {
            (Dirty::Some(set), Some(n)) => {
                set.insert(n);
            }
            (d @ Dirty::Some(_), None) => *d = Dirty::All,
            (Dirty::All, _) => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Dirty::Some(s) if s.is_empty())
    }

    pub fn contains(&self, ns: &str) -> bool {
        match self {
            Dirty::All => true,
            Dirty::Some(s) => s.contains(ns),
        }
    }
}

/// Coverage of one namespace: how many of its pods each direction isolates.
pub fn compute(idx: &Index, ns: &str) -> NsStats {
    let mut s = NsStats {
        policies: idx.policies_in(ns).count() as u32,
        ..Default::default()
    };
    for c in idx.classes_in(ns) {
        let class = idx.class(c);
        let n = class.members.len() as u32;
        s.pods += n;
        if class.host_network {
            s.host_network += n;
            continue;
        }
        if idx.is_isolated(c, Direction::Ingress) {
            s.ingress_isolated += n;
        }
        if idx.is_isolated(c, Direction::Egress) {
            s.egress_isolated += n;
        }
    }
    s
}

#[derive(Debug, Default, Clone)]
pub struct NsStatsCache {
    map: HashMap<String, NsStats>,
}

impl NsStatsCache {
    pub fn get(&self, ns: &str) -> NsStats {
        self.map.get(ns).copied().unwrap_or_default()
    }

    pub fn refresh(&mut self, idx: &Index, names: &[String], dirty: &Dirty) {
        match dirty {
            Dirty::All => {
                self.map = names.iter().map(|n| (n.clone(), compute(idx, n))).collect();
            }
            Dirty::Some(set) => {
                for n in set {
                    self.map.insert(n.clone(), compute(idx, n));
                }
                if self.map.len() != names.len() {
                    let keep: std::collections::HashSet<&str> =
                        names.iter().map(String::as_str).collect();
                    self.map.retain(|k, _| keep.contains(k.as_str()));
                }
            }
        }
    }

    /// Totals over all namespaces: (pods, ingress isolated, egress isolated).
    pub fn totals(&self) -> (u64, u64, u64) {
        self.map.values().fold((0, 0, 0), |(p, i, e), s| {
            (
                p + u64::from(s.pods),
                i + u64::from(s.ingress_isolated),
                e + u64::from(s.egress_isolated),
            )
        })
    }
}
