//! The in-memory policy index, updated incrementally by [`Event`]s.
//!
//! Pods that share namespace, labels, declared ports, hostNetwork and the
//! set of ipBlock CIDRs their IPs fall into are indistinguishable to every
//! policy, so they share one equivalence *class*; every verdict is computed
//! per class and only expanded to pods for output. A cluster of 150k pods
//! usually has a few thousand classes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::model::{
    ContainerPort, Event, Labels, NS_NAME_LABEL, Namespace, Owner, Peer, Pod, PodKey, Policy,
    PolicyKey, Snapshot,
};

pub type ClassId = u32;

/// Pods that every policy treats alike.
#[derive(Debug, Clone)]
pub struct Class {
    pub namespace: String,
    pub labels: Labels,
    pub ports: Vec<ContainerPort>,
    pub host_network: bool,
    /// For each distinct pod IP (of any member): the indices, into
    /// [`Index::ip_nets`], of the ipBlock CIDRs that contain it.
    pub ip_sig: Vec<Vec<u32>>,
    /// Names of the member pods (all in `namespace`).
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClassKey {
    namespace: String,
    labels: Labels,
    ports: Vec<ContainerPort>,
    host_network: bool,
    ip_sig: Vec<Vec<u32>>,
}

#[derive(Debug, Clone)]
struct PodEntry {
    class: ClassId,
    ips: Vec<IpAddr>,
    owner: Option<Owner>,
}

/// Copy-on-write: every store sits behind an `Arc`, so `clone` (a fork for
/// a what-if) costs O(1) and a change to the fork copies only the stores it
/// writes (classes one by one, policies one namespace at a time), never the
/// original. A store is written through `Arc::make_mut`, which copies only
/// when it is shared.
#[derive(Debug, Default, Clone)]
pub struct Index {
    namespaces: Arc<BTreeMap<String, Namespace>>,
    pods: Arc<BTreeMap<PodKey, PodEntry>>,
    classes: Arc<Vec<Option<Arc<Class>>>>,
    free: Vec<ClassId>,
    class_by_key: Arc<HashMap<ClassKey, ClassId>>,
    ns_classes: Arc<BTreeMap<String, BTreeSet<ClassId>>>,
    /// Per namespace, by name (iterates in `PolicyKey` order).
    policies: Arc<BTreeMap<String, Arc<BTreeMap<String, Policy>>>>,
    /// Every CIDR (cidr and except) used by some ipBlock, with a use count.
    ip_net_refs: Arc<BTreeMap<IpNet, usize>>,
    ip_nets: Arc<Vec<IpNet>>,
    generation: u64,
}

impl Index {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_snapshot(s: Snapshot) -> Self {
        let mut idx = Index::new();
        idx.apply(Event::Replace(s));
        idx
    }

    /// Bumped on every change; views use it to know when to recompute.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn apply_all(&mut self, events: impl IntoIterator<Item = Event>) {
        for e in events {
            self.apply(e);
        }
    }

    pub fn apply(&mut self, ev: Event) {
        self.generation += 1;
        match ev {
            Event::UpsertNamespace(ns) => {
                Arc::make_mut(&mut self.namespaces).insert(ns.name.clone(), ns);
            }
            Event::DeleteNamespace(name) => {
                if self.namespaces.contains_key(&name) {
                    Arc::make_mut(&mut self.namespaces).remove(&name);
                }
            }
            Event::UpsertPod(p) => {
                self.remove_pod(&p.key());
                self.insert_pod(p);
            }
            Event::DeletePod(k) => self.remove_pod(&k),
            Event::UpsertPolicy(p) => {
                let nets_before = self.ip_nets.len();
                let changed_nets = self.remove_policy_nets(&p.key()) | self.add_policy_nets(&p);
                self.insert_policy(p);
                if changed_nets || nets_before != self.ip_nets.len() {
                    self.reclassify_ips();
                }
            }
            Event::DeletePolicy(k) => {
                if self.remove_policy_nets(&k) {
                    self.remove_policy(&k);
                    self.reclassify_ips();
                } else {
                    self.remove_policy(&k);
                }
            }
            Event::ReplaceNamespaces(list) => {
                self.namespaces = Arc::new(list.into_iter().map(|n| (n.name.clone(), n)).collect());
            }
            Event::ReplacePods { namespace, pods } => {
                match &namespace {
                    None => self.clear_pods(),
                    Some(ns) => {
                        let keys: Vec<PodKey> = self
                            .pods
                            .range(PodKey::new(ns, "")..)
                            .take_while(|(k, _)| &k.namespace == ns)
                            .map(|(k, _)| k.clone())
                            .collect();
                        for k in keys {
                            self.remove_pod(&k);
                        }
                    }
                }
                for p in pods {
                    if namespace.as_ref().is_none_or(|ns| *ns == p.namespace) {
                        self.remove_pod(&p.key());
                        self.insert_pod(p);
                    }
                }
            }
            Event::ReplacePolicies {
                namespace,
                policies,
            } => {
                match &namespace {
                    None => self.policies = Arc::default(),
                    Some(ns) => {
                        Arc::make_mut(&mut self.policies).remove(ns);
                    }
                }
                for p in policies {
                    if namespace.as_ref().is_none_or(|ns| *ns == p.namespace) {
                        self.insert_policy(p);
                    }
                }
                self.rebuild_nets();
            }
            Event::Replace(s) => {
                self.namespaces = Arc::new(
                    s.namespaces
                        .into_iter()
                        .map(|n| (n.name.clone(), n))
                        .collect(),
                );
                self.policies = Arc::default();
                for p in s.policies {
                    self.insert_policy(p);
                }
                self.clear_pods();
                self.ip_net_refs = Arc::default();
                self.ip_nets = Arc::default();
                self.rebuild_nets();
                for p in s.pods {
                    self.remove_pod(&p.key());
                    self.insert_pod(p);
                }
            }
        }
    }

    // ---- queries -------------------------------------------------------

    pub fn namespaces(&self) -> impl Iterator<Item = &Namespace> {
        self.namespaces.values()
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.get(name)
    }

    /// Namespaces that are known or that hold pods or policies, sorted.
    pub fn namespace_names(&self) -> Vec<String> {
        let mut s: BTreeSet<&str> = self.namespaces.keys().map(String::as_str).collect();
        s.extend(self.ns_classes.keys().map(String::as_str));
        s.extend(
            self.policies
                .iter()
                .filter(|(_, m)| !m.is_empty())
                .map(|(ns, _)| ns.as_str()),
        );
        s.into_iter().map(str::to_string).collect()
    }

    /// A namespace's labels. A namespace that is referenced but unknown (not
    /// listed yet) carries the name label the API server sets on every one.
    pub fn ns_labels(&self, name: &str) -> std::borrow::Cow<'_, Labels> {
        match self.namespaces.get(name) {
            Some(ns) => std::borrow::Cow::Borrowed(&ns.labels),
            None => std::borrow::Cow::Owned(Labels::from([(
                NS_NAME_LABEL.to_string(),
                name.to_string(),
            )])),
        }
    }

    pub fn policies(&self) -> impl Iterator<Item = &Policy> {
        self.policies.values().flat_map(|m| m.values())
    }

    pub fn policy(&self, key: &PolicyKey) -> Option<&Policy> {
        self.policies.get(&key.namespace)?.get(&key.name)
    }

    pub fn policies_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a Policy> + 'a {
        self.policies.get(ns).into_iter().flat_map(|m| m.values())
    }

    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }

    pub fn pod_keys(&self) -> impl Iterator<Item = &PodKey> {
        self.pods.keys()
    }

    pub fn pods_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a PodKey> + 'a {
        self.pods
            .range(PodKey::new(ns, "")..)
            .take_while(move |(k, _)| k.namespace == ns)
            .map(|(k, _)| k)
    }

    /// The pod as a model object (rebuilt from its class).
    pub fn pod(&self, key: &PodKey) -> Option<Pod> {
        let e = self.pods.get(key)?;
        let c = self.class(e.class);
        Some(Pod {
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            labels: c.labels.clone(),
            ports: c.ports.clone(),
            ips: e.ips.clone(),
            host_network: c.host_network,
            owner: e.owner.clone(),
        })
    }

    pub fn pod_class(&self, key: &PodKey) -> Option<ClassId> {
        self.pods.get(key).map(|e| e.class)
    }

    pub fn pod_owner(&self, key: &PodKey) -> Option<&Owner> {
        self.pods.get(key).and_then(|e| e.owner.as_ref())
    }

    pub fn pod_ips(&self, key: &PodKey) -> &[IpAddr] {
        self.pods
            .get(key)
            .map(|e| e.ips.as_slice())
            .unwrap_or_default()
    }

    /// `ns/name[Kind]`: the workload a pod stands for (itself if it has no owner).
    pub fn workload_of(&self, key: &PodKey) -> String {
        match self.pod_owner(key) {
            Some(o) => format!("{}/{}[{}]", key.namespace, o.name, o.kind),
            None => format!("{}/{}[Pod]", key.namespace, key.name),
        }
    }

    /// Pods whose IPs include `ip`.
    pub fn pods_with_ip(&self, ip: IpAddr) -> Vec<PodKey> {
        self.pods
            .iter()
            .filter(|(_, e)| e.ips.contains(&ip))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Panics only on an id that never came from this index.
    pub fn class(&self, id: ClassId) -> &Class {
        match self.classes.get(id as usize) {
            Some(Some(c)) => c.as_ref(),
            _ => panic!("class {id} is not live in this index"),
        }
    }

    pub fn classes(&self) -> impl Iterator<Item = (ClassId, &Class)> {
        self.classes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_deref().map(|c| (i as ClassId, c)))
    }

    pub fn class_count(&self) -> usize {
        self.classes.len() - self.free.len()
    }

    /// One past the largest class id (for dense per-class tables).
    pub fn class_capacity(&self) -> usize {
        self.classes.len()
    }

    pub fn classes_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = ClassId> + 'a {
        self.ns_classes.get(ns).into_iter().flatten().copied()
    }

    pub fn ip_nets(&self) -> &[IpNet] {
        &self.ip_nets
    }

    /// The whole state, sorted: what a fresh list would return.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            namespaces: self.namespaces.values().cloned().collect(),
            pods: self.pods.keys().filter_map(|k| self.pod(k)).collect(),
            policies: self.policies().cloned().collect(),
        }
    }

    // ---- maintenance ---------------------------------------------------

    fn clear_pods(&mut self) {
        self.pods = Arc::default();
        self.classes = Arc::default();
        self.free.clear();
        self.class_by_key = Arc::default();
        self.ns_classes = Arc::default();
    }

    fn insert_policy(&mut self, p: Policy) {
        let shard = Arc::make_mut(&mut self.policies)
            .entry(p.namespace.clone())
            .or_default();
        Arc::make_mut(shard).insert(p.name.clone(), p);
    }

    fn remove_policy(&mut self, key: &PolicyKey) {
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

    fn insert_pod(&mut self, p: Pod) {
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
                let classes = Arc::make_mut(&mut self.classes);
                let id = match self.free.pop() {
                    Some(id) => {
                        classes[id as usize] = Some(Arc::new(class));
                        id
                    }
                    None => {
                        classes.push(Some(Arc::new(class)));
                        (classes.len() - 1) as ClassId
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
        if let Some(Some(c)) = Arc::make_mut(&mut self.classes).get_mut(id as usize) {
            Arc::make_mut(c).members.insert(p.name.clone());
        }
        Arc::make_mut(&mut self.pods).insert(
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

    fn remove_pod(&mut self, key: &PodKey) {
        if !self.pods.contains_key(key) {
            return;
        }
        let Some(e) = Arc::make_mut(&mut self.pods).remove(key) else {
            return;
        };
        let slot = &mut Arc::make_mut(&mut self.classes)[e.class as usize];
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
            let ck = ClassKey {
                namespace: c.namespace,
                labels: c.labels,
                ports: c.ports,
                host_network: c.host_network,
                ip_sig: c.ip_sig,
            };
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
    fn add_policy_nets(&mut self, p: &Policy) -> bool {
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

    fn remove_policy_nets(&mut self, key: &PolicyKey) -> bool {
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

    fn rebuild_nets(&mut self) {
        let before = std::mem::take(&mut self.ip_nets);
        let mut refs = BTreeMap::new();
        for n in self.policies().flat_map(Self::policy_nets) {
            *refs.entry(n).or_insert(0) += 1;
        }
        self.ip_nets = Arc::new(refs.keys().copied().collect());
        self.ip_net_refs = Arc::new(refs);
        if before != self.ip_nets {
            self.reclassify_ips();
        }
    }

    /// The ipBlock CIDR set changed: pods with IPs may change class.
    fn reclassify_ips(&mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{IpBlock, Rule};

    fn pod(ns: &str, name: &str, app: &str, ip: Option<&str>) -> Pod {
        Pod {
            namespace: ns.into(),
            name: name.into(),
            labels: Labels::from([("app".to_string(), app.to_string())]),
            ports: vec![],
            ips: ip.map(|i| vec![i.parse().expect("ip")]).unwrap_or_default(),
            host_network: false,
            owner: None,
        }
    }

    #[test]
    fn pods_with_same_labels_share_a_class() {
        let mut idx = Index::new();
        idx.apply(Event::UpsertPod(pod("a", "p1", "web", None)));
        idx.apply(Event::UpsertPod(pod("a", "p2", "web", None)));
        idx.apply(Event::UpsertPod(pod("a", "p3", "db", None)));
        idx.apply(Event::UpsertPod(pod("b", "p1", "web", None)));
        assert_eq!(idx.class_count(), 3);
        assert_eq!(
            idx.pod_class(&PodKey::new("a", "p1")),
            idx.pod_class(&PodKey::new("a", "p2"))
        );
        idx.apply(Event::DeletePod(PodKey::new("a", "p3")));
        assert_eq!(idx.class_count(), 2);
        // Relabel moves the pod to another class.
        idx.apply(Event::UpsertPod(pod("a", "p2", "db", None)));
        assert_eq!(idx.class_count(), 3);
        assert_ne!(
            idx.pod_class(&PodKey::new("a", "p1")),
            idx.pod_class(&PodKey::new("a", "p2"))
        );
    }

    #[test]
    fn ipblocks_split_classes_by_ip() {
        let mut idx = Index::new();
        idx.apply(Event::UpsertPod(pod("a", "p1", "web", Some("10.0.0.1"))));
        idx.apply(Event::UpsertPod(pod("a", "p2", "web", Some("10.0.1.1"))));
        assert_eq!(idx.class_count(), 1);
        let pol = Policy {
            namespace: "a".into(),
            name: "x".into(),
            pod_selector: Default::default(),
            ingress_type: true,
            egress_type: false,
            ingress: vec![Rule {
                peers: vec![Peer::IpBlock(IpBlock {
                    cidr: "10.0.0.0/24".parse().expect("net"),
                    except: vec![],
                })],
                ports: vec![],
            }],
            egress: vec![],
        };
        idx.apply(Event::UpsertPolicy(pol));
        assert_eq!(idx.class_count(), 2);
        idx.apply(Event::DeletePolicy(PodKey::new("a", "x")));
        assert_eq!(idx.class_count(), 1);
    }

    #[test]
    fn replace_scoped_pods_keeps_other_namespaces() {
        let mut idx = Index::new();
        idx.apply(Event::UpsertPod(pod("a", "p1", "web", None)));
        idx.apply(Event::UpsertPod(pod("b", "p1", "web", None)));
        idx.apply(Event::ReplacePods {
            namespace: Some("a".into()),
            pods: vec![pod("a", "p9", "x", None)],
        });
        let keys: Vec<String> = idx.pod_keys().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["a/p9", "b/p1"]);
    }
}
