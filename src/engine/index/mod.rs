//! The in-memory policy index, updated incrementally by [`Event`]s.
//!
//! Pods that share namespace, labels, declared ports, hostNetwork and the
//! set of ipBlock CIDRs their IPs fall into are indistinguishable to every
//! policy, so they share one equivalence *class*; every verdict is computed
//! per class and only expanded to pods for output. A cluster of 150k pods
//! usually has a few thousand classes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use ipnet::IpNet;

use super::connectivity::CompiledData;
use super::model::{
    ContainerPort, Event, Labels, Namespace, Owner, PodKey, Policy, Service, ServiceKey, Snapshot,
};
use super::tiers::ClusterPolicy;

/// The id of a [`Class`] in one [`Index`]; ids of freed classes are reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(u32);

impl ClassId {
    /// The position in dense per-class tables (see [`Index::class_capacity`]).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for ClassId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

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

/// What makes a class, with its hash computed once: the map rehashes every
/// key as it grows (thousands of classes at 50k pods), and hashing the
/// labels is the dear part. Equal keys have equal fields, hence equal hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ClassKey {
    hash: u64,
    namespace: String,
    labels: Labels,
    ports: Vec<ContainerPort>,
    host_network: bool,
    ip_sig: Vec<Vec<u32>>,
}

impl ClassKey {
    fn new(
        namespace: String,
        labels: Labels,
        ports: Vec<ContainerPort>,
        host_network: bool,
        ip_sig: Vec<Vec<u32>>,
    ) -> Self {
        use std::hash::BuildHasher;
        let fields = (&namespace, &labels, &ports, host_network, &ip_sig);
        ClassKey {
            hash: foldhash::fast::FixedState::default().hash_one(fields),
            namespace,
            labels,
            ports,
            host_network,
            ip_sig,
        }
    }
}

impl std::hash::Hash for ClassKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u64(self.hash);
    }
}

/// Hands on the hash a [`ClassKey`] carries.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not reached (keys write one u64); a plain fold keeps it a hasher.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
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
    /// Never iterated: the hasher cannot change any order.
    class_by_key: Arc<HashMap<ClassKey, ClassId, std::hash::BuildHasherDefault<Prehashed>>>,
    ns_classes: Arc<BTreeMap<String, BTreeSet<ClassId>>>,
    /// Per namespace, by name (iterates in `PolicyKey` order).
    policies: Arc<BTreeMap<String, Arc<BTreeMap<String, Policy>>>>,
    /// Every CIDR (cidr and except) used by some ipBlock, with a use count.
    ip_net_refs: Arc<BTreeMap<IpNet, usize>>,
    ip_nets: Arc<Vec<IpNet>>,
    /// Cluster-scoped tier policies, in evaluation order (see `tiers`).
    cluster: Arc<Vec<ClusterPolicy>>,
    /// Services play no part in verdicts: they only name groups of pods.
    services: Arc<BTreeMap<ServiceKey, Service>>,
    generation: u64,
    /// The compiled policies of this state, built when first asked for and
    /// dropped by the next change (a fork starts with its parent's).
    memo: Memo,
    /// namespaceSelector -> the namespaces it matches, kept across changes.
    ns_matches: nsmatch::NsMatches,
}

/// Shared between forks until one changes; not part of the state.
#[derive(Default, Clone)]
struct Memo(Arc<OnceLock<Arc<CompiledData>>>);

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "compiled"
        } else {
            "-"
        })
    }
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

    /// The slot for this state's compiled policies (see [`CompiledData`]).
    pub fn memo(&self) -> &OnceLock<Arc<CompiledData>> {
        &self.memo.0
    }

    /// When `other` is a fork of this index that differs only by
    /// NetworkPolicies (or cluster-scoped policies), with the same pods,
    /// classes, namespaces and ipBlock CIDRs: the namespaces whose
    /// NetworkPolicies differ. Decided on the shared stores, so it is
    /// conservative: None whenever a store was written.
    pub fn policy_only_fork(&self, other: &Index) -> Option<BTreeSet<String>> {
        let same = Arc::ptr_eq(&self.classes, &other.classes)
            && Arc::ptr_eq(&self.pods, &other.pods)
            && Arc::ptr_eq(&self.namespaces, &other.namespaces)
            && Arc::ptr_eq(&self.ip_nets, &other.ip_nets);
        if !same {
            return None;
        }
        let (a, b) = (&self.policies, &other.policies);
        let mut out: BTreeSet<String> = a
            .iter()
            .filter(|(ns, shard)| b.get(*ns).is_none_or(|o| !Arc::ptr_eq(shard, o)))
            .map(|(ns, _)| ns.clone())
            .collect();
        out.extend(b.keys().filter(|ns| !a.contains_key(*ns)).cloned());
        Some(out)
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
        self.memo = Memo::default();
        let mut touch = self.touch_of(&ev);
        self.apply_event(ev, &mut touch);
        self.ns_matches_after(touch);
    }

    /// `touch` receives the namespaces a relist changed.
    fn apply_event(&mut self, ev: Event, touch: &mut nsmatch::Touch) {
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
            Event::ReplaceNamespaces(list) => self.replace_namespaces(list, touch.relisted()),
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
            Event::UpsertService(svc) => {
                Arc::make_mut(&mut self.services).insert(svc.key(), svc);
            }
            Event::DeleteService(k) => {
                if self.services.contains_key(&k) {
                    Arc::make_mut(&mut self.services).remove(&k);
                }
            }
            Event::ReplaceServices {
                namespace,
                services,
            } => {
                let store = Arc::make_mut(&mut self.services);
                match &namespace {
                    None => store.clear(),
                    Some(ns) => store.retain(|k, _| &k.namespace != ns),
                }
                for svc in services {
                    if namespace.as_ref().is_none_or(|ns| *ns == svc.namespace) {
                        store.insert(svc.key(), svc);
                    }
                }
            }
            Event::Replace(s) => {
                self.services = Arc::new(s.services.into_iter().map(|v| (v.key(), v)).collect());
                self.replace_namespaces(s.namespaces, touch.relisted());
                self.policies = Arc::default();
                for p in s.policies {
                    self.insert_policy(p);
                }
                self.set_cluster_policies(s.cluster_policies);
                self.clear_pods();
                self.ip_net_refs = Arc::default();
                self.ip_nets = Arc::default();
                self.rebuild_nets();
                self.insert_pods(s.pods);
            }
            Event::UpsertClusterPolicy(p) => {
                let key = p.key();
                let mut all: Vec<ClusterPolicy> = self
                    .cluster
                    .iter()
                    .filter(|q| q.key() != key)
                    .cloned()
                    .collect();
                all.push(p);
                self.set_cluster_policies(all);
                self.rebuild_nets();
            }
            Event::DeleteClusterPolicy(key) => {
                if self.cluster.iter().any(|q| q.key() == key) {
                    let all = self
                        .cluster
                        .iter()
                        .filter(|q| q.key() != key)
                        .cloned()
                        .collect();
                    self.set_cluster_policies(all);
                    self.rebuild_nets();
                }
            }
            Event::ReplaceClusterPolicies { kinds, policies } => {
                let mut all: Vec<ClusterPolicy> = self
                    .cluster
                    .iter()
                    .filter(|q| !kinds.contains(&q.kind))
                    .cloned()
                    .collect();
                all.extend(policies.into_iter().filter(|p| kinds.contains(&p.kind)));
                self.set_cluster_policies(all);
                self.rebuild_nets();
            }
        }
    }

    /// Stores cluster-scoped policies in evaluation order.
    fn set_cluster_policies(&mut self, mut all: Vec<ClusterPolicy>) {
        all.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        all.dedup_by(|a, b| a.key() == b.key());
        self.cluster = Arc::new(all);
    }

    /// Cluster-scoped tier policies, in evaluation order.
    pub fn cluster_policies(&self) -> &[ClusterPolicy] {
        &self.cluster
    }
}

mod classes;
mod nets;
mod nsmatch;
mod queries;

#[cfg(test)]
mod tests;
