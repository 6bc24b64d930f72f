//! Pods joining and leaving their equivalence classes.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use super::{Class, ClassId, ClassKey, Index, PodEntry};
use crate::engine::model::{Pod, PodKey};

impl Index {
    pub(super) fn clear_pods(&mut self) {
        self.pods = Arc::default();
        self.classes = Arc::default();
        self.free.clear();
        self.class_by_key = Arc::default();
        self.ns_classes = Arc::default();
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
        let (key, entry) = self.join_class(p);
        Arc::make_mut(&mut self.pods).insert(key, entry);
    }

    /// The pods of a fresh state (`Event::Replace`): what upserting them one
    /// by one gives (same classes, ids and members), with the pod store
    /// built in one go when it starts empty.
    pub(super) fn insert_pods(&mut self, pods: Vec<Pod>) {
        if !self.pods.is_empty() {
            for p in pods {
                self.remove_pod(&p.key());
                self.insert_pod(p);
            }
            return;
        }
        // A repeated pod leaves its first class behind when upserted again;
        // only then is the one-by-one way needed.
        let mut entries: Vec<(PodKey, PodEntry)> = Vec::with_capacity(pods.len());
        let mut pods = pods.into_iter();
        for p in pods.by_ref() {
            let repeat = entries
                .last()
                .is_some_and(|(k, _)| (&k.namespace, &k.name) >= (&p.namespace, &p.name));
            if repeat {
                self.pods = Arc::new(entries.into_iter().collect());
                self.remove_pod(&p.key());
                self.insert_pod(p);
                for p in pods {
                    self.remove_pod(&p.key());
                    self.insert_pod(p);
                }
                return;
            }
            entries.push(self.join_class(p));
        }
        // Strictly increasing keys: the map of one insert after another.
        self.pods = Arc::new(entries.into_iter().collect());
    }

    /// Puts the pod in its class (a new one if needed); its store entry.
    fn join_class(&mut self, p: Pod) -> (PodKey, PodEntry) {
        let ip_sig = if p.host_network {
            Vec::new()
        } else {
            self.ip_sig(&p.ips)
        };
        let key = ClassKey::new(
            p.namespace.clone(),
            p.labels,
            p.ports,
            p.host_network,
            ip_sig,
        );
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
                let classes = Arc::make_mut(&mut self.classes);
                let id = match self.free.pop() {
                    Some(id) => {
                        classes[id.index()] = Some(Arc::new(class));
                        id
                    }
                    None => {
                        classes.push(Some(Arc::new(class)));
                        ClassId((classes.len() - 1) as u32)
                    }
                };
                Arc::make_mut(&mut self.ns_classes)
                    .entry(key.namespace.clone())
                    .or_default()
                    .insert(id);
                Arc::make_mut(&mut self.class_by_key).insert(key, id);
                id
            }
        };
        if let Some(Some(c)) = Arc::make_mut(&mut self.classes).get_mut(id.index()) {
            Arc::make_mut(c).members.insert(p.name.clone());
        }
        (
            PodKey {
                namespace: p.namespace,
                name: p.name,
            },
            PodEntry {
                class: id,
                ips: p.ips,
                owner: p.owner,
            },
        )
    }

    pub(super) fn remove_pod(&mut self, key: &PodKey) {
        if !self.pods.contains_key(key) {
            return;
        }
        let Some(e) = Arc::make_mut(&mut self.pods).remove(key) else {
            return;
        };
        let slot = &mut Arc::make_mut(&mut self.classes)[e.class.index()];
        let empty = match slot {
            Some(c) => {
                let c = Arc::make_mut(c);
                c.members.remove(&key.name);
                c.members.is_empty()
            }
            None => false,
        };
        if empty && let Some(c) = slot.take() {
            let c = Arc::unwrap_or_clone(c);
            let ck = ClassKey::new(c.namespace, c.labels, c.ports, c.host_network, c.ip_sig);
            Arc::make_mut(&mut self.class_by_key).remove(&ck);
            let ns_classes = Arc::make_mut(&mut self.ns_classes);
            if let Some(set) = ns_classes.get_mut(&ck.namespace) {
                set.remove(&e.class);
                if set.is_empty() {
                    ns_classes.remove(&ck.namespace);
                }
            }
            self.free.push(e.class);
        }
    }
}
