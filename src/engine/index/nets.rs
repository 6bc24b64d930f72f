//! The ipBlock CIDRs in use: pods are classified by the ones their IPs
//! fall into, so a change of the set may move pods between classes.

use std::collections::BTreeMap;
use std::sync::Arc;

use ipnet::IpNet;

use super::Index;
use crate::engine::model::{Peer, PodKey, Policy, PolicyKey};

impl Index {
    pub(super) fn insert_policy(&mut self, p: Policy) {
        let shard = Arc::make_mut(&mut self.policies)
            .entry(p.namespace.clone())
            .or_default();
        Arc::make_mut(shard).insert(p.name.clone(), p);
    }

    pub(super) fn remove_policy(&mut self, key: &PolicyKey) {
        if self.policy(key).is_none() {
            return;
        }
        let shards = Arc::make_mut(&mut self.policies);
        if let Some(shard) = shards.get_mut(&key.namespace) {
            Arc::make_mut(shard).remove(&key.name);
            if shard.is_empty() {
                shards.remove(&key.namespace);
            }
        }
    }

    fn policy_nets(p: &Policy) -> Vec<IpNet> {
        p.ingress
            .iter()
            .chain(p.egress.iter())
            .flat_map(|r| r.peers.iter())
            .filter_map(|peer| match peer {
                Peer::IpBlock(b) => Some(b),
                Peer::Pods { .. } => None,
            })
            .flat_map(|b| b.nets().copied().collect::<Vec<_>>())
            .collect()
    }

    /// Returns whether the set of distinct nets changed.
    pub(super) fn add_policy_nets(&mut self, p: &Policy) -> bool {
        let nets = Self::policy_nets(p);
        if nets.is_empty() {
            return false;
        }
        let refs = Arc::make_mut(&mut self.ip_net_refs);
        let mut changed = false;
        for n in nets {
            let c = refs.entry(n).or_insert(0);
            changed |= *c == 0;
            *c += 1;
        }
        if changed {
            self.ip_nets = Arc::new(refs.keys().copied().collect());
        }
        changed
    }

    pub(super) fn remove_policy_nets(&mut self, key: &PolicyKey) -> bool {
        let Some(old) = self.policy(key) else {
            return false;
        };
        let nets = Self::policy_nets(old);
        if nets.is_empty() {
            return false;
        }
        let refs = Arc::make_mut(&mut self.ip_net_refs);
        let mut changed = false;
        for n in nets {
            if let Some(c) = refs.get_mut(&n) {
                *c -= 1;
                if *c == 0 {
                    refs.remove(&n);
                    changed = true;
                }
            }
        }
        if changed {
            self.ip_nets = Arc::new(refs.keys().copied().collect());
        }
        changed
    }

    pub(super) fn rebuild_nets(&mut self) {
        let before = std::mem::take(&mut self.ip_nets);
        let mut refs = BTreeMap::new();
        for n in self.policies().flat_map(Self::policy_nets) {
            *refs.entry(n).or_insert(0) += 1;
        }
        // `networks` peers of cluster-scoped policies also match pod IPs.
        for n in self
            .cluster
            .iter()
            .flat_map(|p| p.nets().copied().collect::<Vec<_>>())
        {
            *refs.entry(n).or_insert(0) += 1;
        }
        self.ip_nets = Arc::new(refs.keys().copied().collect());
        self.ip_net_refs = Arc::new(refs);
        if before != self.ip_nets {
            self.reclassify_ips();
        }
    }

    /// The ipBlock CIDR set changed: pods with IPs may change class.
    pub(super) fn reclassify_ips(&mut self) {
        let keys: Vec<PodKey> = self
            .pods
            .iter()
            .filter(|(_, e)| !e.ips.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some(p) = self.pod(&k) {
                self.remove_pod(&k);
                self.insert_pod(p);
            }
        }
    }
}
