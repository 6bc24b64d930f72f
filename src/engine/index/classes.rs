//! Pods joining and leaving their equivalence classes.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::{Class, ClassId, ClassKey, Index, PodEntry};
use crate::engine::model::{Pod, PodKey};

impl Index {
    pub(super) fn clear_pods(&mut self) {
        self.pods.clear();
        self.classes.clear();
        self.free.clear();
        self.class_by_key.clear();
        self.ns_classes.clear();
    }

    fn ip_sig(&self, ips: &[IpAddr]) -> Vec<Vec<u32>> {
        if self.ip_nets.is_empty() {
            return Vec::new();
        }
        let mut sig: Vec<Vec<u32>> = ips
            .iter()
            .map(|ip| {
                self.ip_nets
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.contains(ip))
                    .map(|(i, _)| i as u32)
                    .collect()
            })
            .collect();
        sig.sort();
        sig.dedup();
        sig
    }

    pub(super) fn insert_pod(&mut self, p: Pod) {
        let key = ClassKey {
            ip_sig: if p.host_network {
                Vec::new()
            } else {
                self.ip_sig(&p.ips)
            },
            namespace: p.namespace.clone(),
            labels: p.labels,
            ports: p.ports,
            host_network: p.host_network,
        };
        let id = match self.class_by_key.get(&key) {
            Some(&id) => id,
            None => {
                let class = Class {
                    namespace: key.namespace.clone(),
                    labels: key.labels.clone(),
                    ports: key.ports.clone(),
                    host_network: key.host_network,
                    ip_sig: key.ip_sig.clone(),
                    members: BTreeSet::new(),
                };
                let id = match self.free.pop() {
                    Some(id) => {
                        self.classes[id.index()] = Some(class);
                        id
                    }
                    None => {
                        self.classes.push(Some(class));
                        ClassId((self.classes.len() - 1) as u32)
                    }
                };
                self.ns_classes
                    .entry(key.namespace.clone())
                    .or_default()
                    .insert(id);
                self.class_by_key.insert(key, id);
                id
            }
        };
        if let Some(Some(c)) = self.classes.get_mut(id.index()) {
            c.members.insert(p.name.clone());
        }
        self.pods.insert(
            PodKey {
                namespace: p.namespace,
                name: p.name,
            },
            PodEntry {
                class: id,
                ips: p.ips,
                owner: p.owner,
            },
        );
    }

    pub(super) fn remove_pod(&mut self, key: &PodKey) {
        let Some(e) = self.pods.remove(key) else {
            return;
        };
        let slot = &mut self.classes[e.class.index()];
        let empty = match slot {
            Some(c) => {
                c.members.remove(&key.name);
                c.members.is_empty()
            }
            None => false,
        };
        if empty && let Some(c) = slot.take() {
            let ck = ClassKey {
                namespace: c.namespace,
                labels: c.labels,
                ports: c.ports,
                host_network: c.host_network,
                ip_sig: c.ip_sig,
            };
            self.class_by_key.remove(&ck);
            if let Some(set) = self.ns_classes.get_mut(&ck.namespace) {
                set.remove(&e.class);
                if set.is_empty() {
                    self.ns_classes.remove(&ck.namespace);
                }
            }
            self.free.push(e.class);
        }
    }
}
