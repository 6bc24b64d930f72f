//! The ipBlock CIDRs in use: pods are classified by the ones their IPs
//! fall into, so a change of the set may move pods between classes.

use ipnet::IpNet;

use super::Index;
use crate::engine::model::{Peer, PodKey, Policy, PolicyKey};

impl Index {
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
        let mut changed = false;
        for n in Self::policy_nets(p) {
            let c = self.ip_net_refs.entry(n).or_insert(0);
            changed |= *c == 0;
            *c += 1;
        }
        if changed {
            self.ip_nets = self.ip_net_refs.keys().copied().collect();
        }
        changed
    }

    pub(super) fn remove_policy_nets(&mut self, key: &PolicyKey) -> bool {
        let Some(old) = self.policies.get(key) else {
            return false;
        };
        let mut changed = false;
        for n in Self::policy_nets(old) {
            if let Some(c) = self.ip_net_refs.get_mut(&n) {
                *c -= 1;
                if *c == 0 {
                    self.ip_net_refs.remove(&n);
                    changed = true;
                }
            }
        }
        if changed {
            self.ip_nets = self.ip_net_refs.keys().copied().collect();
        }
        changed
    }

    pub(super) fn rebuild_nets(&mut self) {
        let before = std::mem::take(&mut self.ip_nets);
        self.ip_net_refs.clear();
        for n in self.policies.values().flat_map(Self::policy_nets) {
            *self.ip_net_refs.entry(n).or_insert(0) += 1;
        }
        self.ip_nets = self.ip_net_refs.keys().copied().collect();
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
