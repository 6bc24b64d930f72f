//! Recorded ends to pods of the index. A pod that still exists is itself; a
//! pod that is gone counts for a live pod of the same namespace with the same
//! stable labels (an older ReplicaSet's pod counts for today's Deployment),
//! else becomes a "ghost" pod rebuilt from its namespace and the labels
//! Hubble recorded (policy is evaluated on those labels); an address with
//! no pod identity is an external endpoint; hosts and nodes are reported as
//! unresolved, never guessed.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use super::labels::stable;
use super::{ConnStats, FlowEnd, Recorded};
use crate::engine::index::Index;
use crate::engine::model::{Event, Labels, Owner, Pod, PodKey, Protocol, ServiceKey};

/// An attributed end.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Pod(PodKey),
    Ip(IpAddr),
}

impl Side {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Side::Pod(k) => Some(&k.namespace),
            Side::Ip(_) => None,
        }
    }
}

/// A recorded connection with both ends attributed.
#[derive(Debug, Clone)]
pub struct Conn {
    pub from: Side,
    pub to: Side,
    pub protocol: Protocol,
    pub port: u16,
    pub stats: ConnStats,
    /// `to` is this Service's ClusterIP: judged per backend ([`super::via`]).
    pub service: Option<ServiceKey>,
}

/// The index with ghost pods added, and the attributed connections.
#[derive(Debug, Clone)]
pub struct Attributed {
    /// The cluster plus the ghosts (verdicts are asked here).
    pub index: Index,
    /// Pods rebuilt from recorded labels.
    pub ghosts: Vec<PodKey>,
    pub conns: Vec<Conn>,
    /// Why an end could not be attributed, with the connections concerned.
    pub unresolved: BTreeMap<String, u64>,
    /// Connections with one pod end and one end that could not be
    /// attributed (the host, kube-apiserver, ...): (pod, pod is the client,
    /// why the other end is not, protocol, port, forwarded connections).
    pub half: Vec<(PodKey, bool, String, Protocol, u16, u64)>,
}

impl Attributed {
    /// Connections not attributed (`skipped.unresolved`).
    pub fn unresolved_count(&self) -> u64 {
        self.unresolved.values().sum()
    }
}

struct Ctx<'a> {
    idx: &'a Index,
    ghosts: BTreeMap<PodKey, Pod>,
    ip_owner: HashMap<IpAddr, bool>,
    cache: HashMap<FlowEnd, Result<Side, String>>,
}

/// Attributes every recorded connection of `rec` to pods of `idx`.
pub fn attribute(idx: &Index, rec: &Recorded) -> Attributed {
    let mut cx = Ctx {
        idx,
        ghosts: BTreeMap::new(),
        ip_owner: HashMap::new(),
        cache: HashMap::new(),
    };
    let mut conns = Vec::new();
    let mut unresolved: BTreeMap<String, u64> = BTreeMap::new();
    let mut half = Vec::new();
    let cluster_ips = super::via::cluster_ips(idx);
    // In key order, so that output never depends on hashing.
    let mut keys: Vec<_> = rec.iter().collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (k, st) in keys {
        let from = cx.side(&k.from);
        let mut to = cx.side(&k.to);
        // A Service's ClusterIP (an untranslated packet) is not an external
        // endpoint: its backends are the destinations, or it is unresolved.
        let service = match &to {
            Ok(Side::Ip(ip)) => cluster_ips.get(ip).cloned(),
            _ => None,
        };
        if let (Some(svc), Ok(Side::Ip(ip))) = (&service, &to)
            && let Err(e) = super::via::check(idx, *ip, svc, k.protocol, k.port)
        {
            to = Err(e);
        }
        match (from, to) {
            (Ok(Side::Ip(_)), Ok(Side::Ip(_))) => {
                *unresolved
                    .entry("both ends outside the cluster".into())
                    .or_default() += st.count();
            }
            (Ok(from), Ok(to)) => {
                let mut stats = st.clone();
                if let Some(s) = &service {
                    stats.add_via(s);
                }
                conns.push(Conn {
                    from,
                    to,
                    protocol: k.protocol,
                    port: k.port,
                    stats,
                    service,
                })
            }
            (Ok(Side::Pod(p)), Err(e)) => {
                half.push((p, true, e.clone(), k.protocol, k.port, st.forwarded));
                *unresolved.entry(e).or_default() += st.count();
            }
            (Err(e), Ok(Side::Pod(p))) => {
                half.push((p, false, e.clone(), k.protocol, k.port, st.forwarded));
                *unresolved.entry(e).or_default() += st.count();
            }
            (Err(e), _) | (_, Err(e)) => *unresolved.entry(e).or_default() += st.count(),
        }
    }
    let mut index = idx.clone();
    let ghosts: Vec<PodKey> = cx.ghosts.keys().cloned().collect();
    index.apply_all(cx.ghosts.into_values().map(Event::UpsertPod));
    Attributed {
        index,
        ghosts,
        conns,
        unresolved,
        half,
    }
}

impl Ctx<'_> {
    fn side(&mut self, e: &FlowEnd) -> Result<Side, String> {
        if let Some(r) = self.cache.get(e) {
            return r.clone();
        }
        let r = self.resolve(e);
        self.cache.insert(e.clone(), r.clone());
        r
    }

    fn resolve(&mut self, e: &FlowEnd) -> Result<Side, String> {
        match e {
            FlowEnd::Unresolved(why) => Err(why.clone()),
            FlowEnd::Ip(ip) => {
                // An address that is a pod's today but was recorded without
                // an identity could be anyone's then: not guessed.
                let idx = self.idx;
                let is_pod = *self
                    .ip_owner
                    .entry(*ip)
                    .or_insert_with(|| !idx.pods_with_ip(*ip).is_empty());
                if is_pod {
                    Err(format!(
                        "{ip}: recorded without a pod identity, now a pod's address"
                    ))
                } else {
                    Ok(Side::Ip(*ip))
                }
            }
            FlowEnd::Workload {
                namespace,
                name,
                kind,
            } => self
                .idx
                .pods_in(namespace)
                .find(|k| {
                    self.idx
                        .pod_owner(k)
                        .is_some_and(|o| &o.name == name && &o.kind == kind)
                        || (kind == "Pod" && &k.name == name)
                })
                .map(|k| Side::Pod(k.clone()))
                .ok_or_else(|| {
                    format!("{namespace}/{name}[{kind}]: no such workload in the cluster")
                }),
            FlowEnd::Pod {
                namespace,
                name,
                labels,
                workload,
            } => self.pod(
                namespace,
                name.as_deref(),
                labels.as_ref(),
                workload.as_ref(),
            ),
        }
    }

    fn pod(
        &mut self,
        ns: &str,
        name: Option<&str>,
        labels: Option<&Labels>,
        workload: Option<&Owner>,
    ) -> Result<Side, String> {
        if let Some(n) = name {
            let key = PodKey::new(ns, n);
            if self.idx.pod_class(&key).is_some() {
                return Ok(Side::Pod(key));
            }
        }
        let shown = match name {
            Some(n) => format!("{ns}/{n}"),
            None => format!("a pod in {ns}"),
        };
        let Some(labels) = labels else {
            return Err(format!(
                "{shown}: no longer exists and no labels were recorded"
            ));
        };
        if self.idx.namespace(ns).is_none() {
            return Err(format!(
                "{shown}: namespace {ns} does not exist in the cluster"
            ));
        }
        // A live pod whose stable labels are exactly the recorded ones: the
        // same workload (a pod of an older ReplicaSet, say). Else one of the
        // workload Hubble named, else one that carries all recorded labels:
        // they lend their declared ports (named ports), not their labels.
        let idx = self.idx;
        let find = |ok: &dyn Fn(&Pod) -> bool| {
            idx.pods_in(ns)
                .filter_map(|k| idx.pod(k))
                .find(|p| !p.host_network && ok(p))
        };
        let twin = find(&|p| stable(&p.labels) == stable(labels));
        let kin = || {
            find(&|p| p.owner.is_some() && p.owner.as_ref() == workload)
                .or_else(|| find(&|p| labels.iter().all(|(k, v)| p.labels.get(k) == Some(v))))
        };
        // Same stable labels: policy treats them alike (selectors on
        // per-revision labels cannot be decided from flows anyway), so the
        // live pod stands for the gone one and diffs match it.
        if let Some(t) = &twin {
            return Ok(Side::Pod(t.key()));
        }
        let Some(n) = name else {
            return Err(format!(
                "{shown} with labels {}: no pod carries them",
                show(labels)
            ));
        };
        let key = PodKey::new(ns, n);
        if !self.ghosts.contains_key(&key) {
            let owner = workload.cloned();
            let ports = kin().map(|p| p.ports).unwrap_or_default();
            self.ghosts.insert(
                key.clone(),
                Pod {
                    namespace: ns.to_string(),
                    name: n.to_string(),
                    labels: labels.clone(),
                    ports,
                    ips: vec![],
                    host_network: false,
                    owner,
                },
            );
        }
        Ok(Side::Pod(key))
    }
}

fn show(l: &Labels) -> String {
    let v: Vec<String> = l.iter().map(|(k, v)| format!("{k}={v}")).collect();
    v.join(",")
}

#[cfg(test)]
#[path = "attribute_tests.rs"]
mod tests;
