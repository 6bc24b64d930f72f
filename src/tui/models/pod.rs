//! The pod view's model: the policies that select the pod and, per
//! direction, who is allowed, grouped by namespace and workload, with the
//! ports and the rule that allows each (peer resolutions cached per index
//! generation).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::engine::index::{ClassId, Index};
use crate::engine::model::{ContainerPort, Direction, Labels, Peer, PodKey, PolicyKey};
use crate::engine::posture::{Posture, ports_text};

/// Which rule allows an entry, on which ports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Via {
    pub policy: PolicyKey,
    pub rule: usize,
    pub ports: String,
}

/// A workload (or a bare pod) of a namespace that a rule admits by name.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub pods: usize,
    pub via: Vec<Via>,
}

#[derive(Debug, Clone)]
pub struct NsGroup {
    pub namespace: String,
    pub entries: Vec<Entry>,
}

/// A peer that admits whole namespaces: its selector and what it matches now.
#[derive(Debug, Clone)]
pub struct OpenPeer {
    pub description: String,
    /// Matched pods per matched namespace, shared with the peer cache.
    pub matches: Arc<[(String, usize)]>,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub struct IpPeer {
    pub description: String,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub struct SideModel {
    pub direction: Direction,
    pub headline: String,
    pub isolated_by: Vec<PolicyKey>,
    pub any: Vec<Via>,
    pub by_ns: Vec<NsGroup>,
    pub open: Vec<OpenPeer>,
    pub ips: Vec<IpPeer>,
}

#[derive(Debug, Clone)]
pub struct PodModel {
    pub key: PodKey,
    pub workload: String,
    pub labels: Labels,
    pub ports: Vec<ContainerPort>,
    pub ips: Vec<String>,
    pub host_network: bool,
    /// The Services that select the pod, with their port mapping on it.
    pub services: Vec<String>,
    pub ingress: SideModel,
    pub egress: SideModel,
    /// Recorded connections from or to this pod's workload (`--flows`).
    pub recorded: Vec<crate::engine::flows::status::FlowRow>,
}

/// A peer resolved against the index: what it says and whom it matches
/// now, grouped for display. Shared by every pod whose rules use the same
/// peer (the same ipBlock or selectors), for one index generation.
#[derive(Debug)]
pub struct Resolved {
    pub description: String,
    pub namespaces: Arc<[String]>,
    /// Matched pods: namespace -> workload (or pod) -> pod names. Left
    /// empty for open-ended peers (an ipBlock, or no podSelector), which
    /// the view shows by namespace only: see `counts`.
    pub groups: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Open-ended `Pods` peers: matched pods per matched namespace.
    pub counts: Arc<[(String, usize)]>,
}

/// A peer the view shows without its pods: every pod of the namespaces it
/// names, or an ipBlock.
fn open_ended(peer: &Peer) -> bool {
    match peer {
        Peer::IpBlock(_) => true,
        Peer::Pods { pod_selector, .. } => pod_selector.as_ref().is_none_or(|s| s.is_empty()),
    }
}

/// Peer resolutions, reused while the index does not change. Moving through
/// pods of a big cluster would otherwise resolve the same `0.0.0.0/0` or
/// "kube-dns in kube-system" peer again for every pod.
#[derive(Debug, Default)]
pub struct PeerCache {
    generation: u64,
    map: HashMap<(Option<String>, Peer), Arc<Resolved>>,
}

impl PeerCache {
    pub fn resolve(&mut self, idx: &Index, policy_ns: &str, peer: &Peer) -> Arc<Resolved> {
        if self.generation != idx.generation() {
            self.map.clear();
            self.generation = idx.generation();
        }
        // Only a podSelector alone depends on the policy's namespace.
        let ns_key = match peer {
            Peer::Pods {
                namespace_selector: None,
                ..
            } => Some(policy_ns.to_string()),
            _ => None,
        };
        self.map
            .entry((ns_key, peer.clone()))
            .or_insert_with(|| {
                // Memoised in the index: a namespaceSelector no longer walks
                // every namespace (10k at 150k pods) after each change.
                let namespaces = idx.peer_namespaces_shared(policy_ns, peer);
                let mut groups: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> =
                    BTreeMap::new();
                if open_ended(peer) {
                    // Counted on classes: listing the pods of an open peer
                    // (often the whole cluster) took ~100 ms at 150k pods
                    // on every selection after an index change. `namespaces`
                    // are the ones the peer matches and it has no (or an
                    // empty) podSelector: every pod there but hostNetwork
                    // ones (an ipBlock names no namespace).
                    let counts = (namespaces.iter())
                        .map(|ns| {
                            let n = (idx.classes_in(ns).map(|c| idx.class(c)))
                                .filter(|c| !c.host_network)
                                .map(|c| c.members.len())
                                .sum();
                            (ns.clone(), n)
                        })
                        .collect();
                    return Arc::new(Resolved {
                        description: idx.describe_peer(policy_ns, peer),
                        namespaces,
                        groups,
                        counts,
                    });
                }
                for k in idx.peer_pods(policy_ns, peer) {
                    let name = match idx.pod_owner(&k) {
                        Some(o) => format!("{}[{}]", o.name, o.kind),
                        None => k.name.clone(),
                    };
                    groups
                        .entry(k.namespace)
                        .or_default()
                        .entry(name)
                        .or_default()
                        .insert(k.name);
                }
                Arc::new(Resolved {
                    description: idx.describe_peer(policy_ns, peer),
                    namespaces,
                    groups,
                    counts: Arc::from([]),
                })
            })
            .clone()
    }
}

/// namespace -> entry name -> (pods, rules that admit them).
type Grouped = BTreeMap<String, BTreeMap<String, (BTreeSet<String>, BTreeSet<Via>)>>;

fn side(idx: &Index, cache: &mut PeerCache, class: ClassId, dir: Direction) -> SideModel {
    let isolating = idx.isolating_policies(class, dir);
    let isolated_by: Vec<PolicyKey> = isolating.iter().map(|p| p.key()).collect();
    let headline = Posture {
        direction: dir,
        isolated_by: isolated_by.clone(),
        rules: vec![],
    }
    .headline();
    let headline =
        crate::engine::tiers::tier_headline(idx, class, dir, !isolated_by.is_empty(), headline);
    let mut m = SideModel {
        direction: dir,
        headline,
        isolated_by,
        any: vec![],
        by_ns: vec![],
        open: vec![],
        ips: vec![],
    };
    // namespace -> entry name -> (pods, vias)
    let mut groups: Grouped = BTreeMap::new();
    for p in &isolating {
        for (ri, r) in p.rules(dir).iter().enumerate() {
            let via = Via {
                policy: p.key(),
                rule: ri,
                ports: ports_text(&r.ports),
            };
            if r.peers.is_empty() {
                m.any.push(via.clone());
            }
            for peer in &r.peers {
                let res = cache.resolve(idx, &p.namespace, peer);
                if matches!(peer, Peer::IpBlock(_)) {
                    m.ips.push(IpPeer {
                        description: res.description.clone(),
                        via: via.clone(),
                    });
                } else if open_ended(peer) {
                    m.open.push(OpenPeer {
                        description: res.description.clone(),
                        matches: res.counts.clone(),
                        via: via.clone(),
                    });
                } else {
                    for (ns, wls) in &res.groups {
                        let g = groups.entry(ns.clone()).or_default();
                        for (wl, pods) in wls {
                            let e = g.entry(wl.clone()).or_default();
                            if e.0.is_empty() {
                                e.0 = pods.clone();
                            } else {
                                e.0.extend(pods.iter().cloned());
                            }
                            e.1.insert(via.clone());
                        }
                    }
                }
            }
        }
    }
    m.by_ns = groups
        .into_iter()
        .map(|(namespace, entries)| NsGroup {
            namespace,
            entries: entries
                .into_iter()
                .map(|(name, (pods, via))| Entry {
                    name,
                    pods: pods.len(),
                    via: via.into_iter().collect(),
                })
                .collect(),
        })
        .collect();
    m
}

/// The view model of a pod (None: the pod is gone).
pub fn model(idx: &Index, cache: &mut PeerCache, key: &PodKey) -> Option<PodModel> {
    let pod = idx.pod(key)?;
    let class = idx.pod_class(key)?;
    Some(PodModel {
        key: key.clone(),
        workload: idx.workload_of(key),
        labels: pod.labels,
        ports: pod.ports,
        ips: pod.ips.iter().map(|i| i.to_string()).collect(),
        host_network: pod.host_network,
        services: super::service::selecting(idx, key),
        ingress: side(idx, cache, class, Direction::Ingress),
        egress: side(idx, cache, class, Direction::Egress),
        recorded: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::synth::{SynthSpec, generate};

    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        /// The peer cache kept, the index unchanged.
        Warm,
        /// A new peer cache for each pod.
        Cold,
        /// The cache kept, and a pod of another namespace relabelled before
        /// each selection (a watch event: the cache is dropped).
        AfterEvent,
    }

    /// Median milliseconds of a pod view built for each pod of one namespace
    /// in 10.
    fn median_ms(pods: usize, mode: Mode) -> f64 {
        let mut idx = Index::from_snapshot(generate(SynthSpec::with_pods(pods)));
        let keys: Vec<PodKey> = (idx.namespace_names().iter().step_by(10))
            .flat_map(|ns| idx.pods_in(ns).cloned().collect::<Vec<_>>())
            .take(60)
            .collect();
        let other = idx.namespace_names().last().cloned().unwrap_or_default();
        let victim = idx.pods_in(&other).next().cloned();
        let mut cache = PeerCache::default();
        let mut t: Vec<f64> = (keys.iter().enumerate())
            .map(|(i, k)| {
                match mode {
                    Mode::Warm => {}
                    Mode::Cold => cache = PeerCache::default(),
                    Mode::AfterEvent => {
                        if let Some(mut p) = victim.as_ref().and_then(|v| idx.pod(v)) {
                            p.labels.insert("flip".into(), (i % 2).to_string());
                            idx.apply(crate::engine::model::Event::UpsertPod(p));
                        }
                    }
                }
                let s = std::time::Instant::now();
                assert!(model(&idx, &mut cache, k).is_some());
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    }

    /// Regression check for CI: a selection costs about the same on a
    /// cluster 8 times larger (a ratio in the same run, not a time), with
    /// the peer cache kept (as the app keeps it while the index does not
    /// change) and on the first selection after a watch event (a new
    /// cache; namespaceSelector matches are memoised in the index: before
    /// that, this grew ~8x with the cluster).
    #[test]
    fn a_warm_selection_does_not_grow_with_the_cluster() {
        let (small, big) = (median_ms(1000, Mode::Warm), median_ms(8000, Mode::Warm));
        let (cold_small, cold_big) = (median_ms(1000, Mode::Cold), median_ms(8000, Mode::Cold));
        let (ev_small, ev_big) = (
            median_ms(1000, Mode::AfterEvent),
            median_ms(8000, Mode::AfterEvent),
        );
        eprintln!(
            "1k pods / 8k pods: warm {small:.3} / {big:.3} ms; new cache {cold_small:.3} / \
             {cold_big:.3} ms; after an event {ev_small:.3} / {ev_big:.3} ms"
        );
        assert!(
            big < small * 3.0 + 0.05,
            "{small} ms at 1k pods, {big} ms at 8k"
        );
        assert!(
            cold_big < cold_small * 3.0 + 0.05,
            "new cache: {cold_small} ms at 1k pods, {cold_big} ms at 8k"
        );
        assert!(
            ev_big < ev_small * 3.0 + 0.05,
            "after an event: {ev_small} ms at 1k pods, {ev_big} ms at 8k"
        );
    }
}
