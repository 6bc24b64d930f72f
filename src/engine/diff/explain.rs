//! Why a pair changed, in words, evaluated in the state after the change.

use super::FastMap;
use std::sync::Arc;

use crate::engine::index::{ClassId, Index};
use crate::engine::model::{Direction, LabelSelector, Peer, PolicyKey, PortRef};
use crate::engine::ports::PortSet;
use crate::engine::verdict::{Endpoint, RuleHit, SideVerdict};

/// What the words of one side depend on (sides without tiers).
type SideKey = (Direction, Vec<PolicyKey>, PortSet, Vec<RuleHit>);

/// A side verdict and the id of its [`SideKey`] (None: tiers, not shared).
type Side = (Arc<SideVerdict>, Option<u32>);

/// Words said for one pair of sides: (before, after, words).
type Said = Vec<(PortSet, PortSet, Arc<[String]>)>;

/// Explanations shared by the pairs whose sides read alike: a what-if
/// explains every changed class pair, and most of them are worded the same
/// (an open client towards a newly isolated server, say).
#[derive(Default)]
pub(super) struct Words {
    /// Words by (egress side, ingress side), then (before, after): few per
    /// side pair, looked up without copying the sets. Sides by key id.
    memo: FastMap<(u32, u32), Said>,
    keys: FastMap<SideKey, u32>,
    /// Verdicts by key id.
    verdicts: Vec<Arc<SideVerdict>>,
    /// Sides that read the same whatever the other end (not isolated, or
    /// isolated by rules without peers nor named ports), per (class,
    /// direction); None when the side depends on the other end. Most
    /// sides of a what-if are such (open pods, a default deny).
    fixed: FastMap<(ClassId, Direction), Option<Side>>,
    /// Sides that depend on the other end, per (class, direction): when
    /// none of their peers can match a pod of the other end's namespace,
    /// the side reads the same towards every pod of it (most peers select
    /// one namespace: a default deny's egress towards the rest).
    by_ns: FastMap<(ClassId, Direction), NsSides>,
    /// The side of a class no policy isolates, per direction (ingress,
    /// egress): the same for every such class (no tiers).
    open: [Option<Side>; 2],
}

/// [`Words::by_ns`] of one side.
struct NsSides {
    /// The (policy namespace, namespaceSelector) of each pod peer of its
    /// rules; None when the shortcut does not apply (ipBlock peers match
    /// by pod IP; named egress ports resolve against the other end).
    peers: Option<Vec<(String, Option<LabelSelector>)>>,
    /// By the other end's namespace: the side, or None when a peer may
    /// match there (computed per pair).
    sides: FastMap<String, Option<Side>>,
    /// The side towards a namespace no peer can match: the same for all
    /// of them (the isolating policies, and their rules without peers).
    blind: Option<Side>,
}

impl Words {
    /// [`explain_change`] between two classes, with the wording shared
    /// between pairs.
    pub fn explain(
        &mut self,
        idx: &Index,
        src: Option<Endpoint>,
        dst: Option<Endpoint>,
        before: &PortSet,
        after: &PortSet,
    ) -> Arc<[String]> {
        let (Some(Endpoint::Class(a)), Some(Endpoint::Class(b))) = (src, dst) else {
            return explain_change(idx, src, dst, before, after).into();
        };
        if idx.class(a).host_network || idx.class(b).host_network {
            return explain_change(idx, src, dst, before, after).into();
        }
        let (egress, ke) = self.side(idx, a, Direction::Egress, Endpoint::Class(b));
        let (ingress, ki) = self.side(idx, b, Direction::Ingress, Endpoint::Class(a));
        let (Some(ke), Some(ki)) = (ke, ki) else {
            return words(Some(&egress), Some(&ingress), before, after).into();
        };
        let said = self.memo.entry((ke, ki)).or_default();
        if let Some((.., w)) = said.iter().find(|(b, a, _)| b == before && a == after) {
            return w.clone();
        }
        let w: Arc<[String]> = words(Some(&egress), Some(&ingress), before, after).into();
        said.push((before.clone(), after.clone(), w.clone()));
        w
    }

    /// `subject`'s side towards `other` after the change, with its key id.
    fn side(&mut self, idx: &Index, subject: ClassId, dir: Direction, other: Endpoint) -> Side {
        if let Some(Some(s)) = self.fixed.get(&(subject, dir)) {
            return s.clone();
        }
        let known = self.fixed.contains_key(&(subject, dir));
        let open = !known && !idx.has_tiers() && !idx.is_isolated(subject, dir);
        let d = usize::from(dir == Direction::Egress);
        if open && let Some(s) = &self.open[d] {
            let s = s.clone();
            self.fixed.insert((subject, dir), Some(s.clone()));
            return s;
        }
        // A known side that depends on the other end: shared per namespace
        // that none of its peers can match (no tiers: those read per pair).
        let blind_ns = match other {
            Endpoint::Class(o) if known && !idx.has_tiers() => {
                let ns = idx.class(o).namespace.as_str();
                let e = self
                    .by_ns
                    .entry((subject, dir))
                    .or_insert_with(|| NsSides::of(idx, subject, dir));
                match e.sides.get(ns) {
                    Some(Some(s)) => return s.clone(),
                    Some(None) => None,
                    None if e.peers.is_none() => None,
                    None if e.blind_to(idx, ns) => match &e.blind {
                        Some(s) => {
                            let s = s.clone();
                            e.sides.insert(ns.to_string(), Some(s.clone()));
                            return s;
                        }
                        None => Some(ns),
                    },
                    None => {
                        e.sides.insert(ns.to_string(), None);
                        None
                    }
                }
            }
            _ => None,
        };
        let v = idx.side_verdict_brief(subject, dir, other);
        let side = match v.tiers {
            Some(_) => (Arc::new(v), None),
            // Sides that read alike share one verdict and one key id; the
            // key is the verdict's own fields (no copy unless it is new).
            None => {
                let key: SideKey = (v.direction, v.isolated_by, v.allowed, v.hits);
                match self.keys.get(&key) {
                    Some(&id) => (self.verdicts[id as usize].clone(), Some(id)),
                    None => {
                        let (direction, isolated_by, allowed, hits) = key.clone();
                        let id = self.verdicts.len() as u32;
                        let v = Arc::new(SideVerdict {
                            direction,
                            isolated_by,
                            allowed,
                            hits,
                            misses: v.misses,
                            tiers: None,
                        });
                        self.verdicts.push(v.clone());
                        self.keys.insert(key, id);
                        (v, Some(id))
                    }
                }
            }
        };
        if !known {
            let fixed = !idx.has_tiers() && independent(idx, subject, dir);
            self.fixed
                .insert((subject, dir), fixed.then(|| side.clone()));
        }
        if let (Some(ns), Some(e)) = (blind_ns, self.by_ns.get_mut(&(subject, dir))) {
            e.sides.insert(ns.to_string(), Some(side.clone()));
            e.blind = Some(side.clone());
        }
        if open {
            self.open[d] = Some(side.clone());
        }
        side
    }
}

impl NsSides {
    fn of(idx: &Index, subject: ClassId, dir: Direction) -> NsSides {
        let mut peers = Some(Vec::new());
        for p in idx.isolating_policies(subject, dir) {
            for r in p.rules(dir) {
                let named = (r.ports.iter()).any(|pp| matches!(pp.port, Some(PortRef::Name(_))));
                if dir == Direction::Egress && named {
                    peers = None;
                }
                for peer in &r.peers {
                    match (peer, peers.as_mut()) {
                        (
                            Peer::Pods {
                                namespace_selector, ..
                            },
                            Some(v),
                        ) => v.push((p.namespace.clone(), namespace_selector.clone())),
                        _ => peers = None,
                    }
                }
            }
        }
        NsSides {
            peers,
            sides: FastMap::default(),
            blind: None,
        }
    }

    /// Whether no peer can match a pod of namespace `ns` (as
    /// `Index::peer_admits` decides its namespace part).
    fn blind_to(&self, idx: &Index, ns: &str) -> bool {
        let Some(peers) = &self.peers else {
            return false;
        };
        let labels = idx.ns_labels(ns);
        !peers.iter().any(|(policy_ns, sel)| match sel {
            None => policy_ns == ns,
            Some(sel) => sel.matches(&labels),
        })
    }
}

/// Whether `subject`'s side reads the same whatever the other end: its
/// isolating policies' rules have no peers (they admit everyone) and, on
/// egress, no named ports (resolved against the destination).
fn independent(idx: &Index, subject: ClassId, dir: Direction) -> bool {
    idx.isolating_policies(subject, dir).iter().all(|p| {
        p.rules(dir).iter().all(|r| {
            r.peers.is_empty()
                && (dir == Direction::Ingress
                    || !r
                        .ports
                        .iter()
                        .any(|pp| matches!(pp.port, Some(PortRef::Name(_)))))
        })
    })
}

/// Both sides' verdicts after the change (None: a side towards an IP), or
/// None when there is no verdict to give (a missing or hostNetwork pod).
fn sides(
    idx: &Index,
    src: Option<Endpoint>,
    dst: Option<Endpoint>,
) -> Option<(Option<SideVerdict>, Option<SideVerdict>)> {
    let (src, dst) = (src?, dst?);
    for ep in [src, dst] {
        if let Endpoint::Class(c) = ep
            && idx.class(c).host_network
        {
            return None;
        }
    }
    let egress = match src {
        Endpoint::Class(a) => Some(idx.side_verdict_brief(a, Direction::Egress, dst)),
        Endpoint::Ip(_) => None,
    };
    let ingress = match dst {
        Endpoint::Class(b) => Some(idx.side_verdict_brief(b, Direction::Ingress, src)),
        Endpoint::Ip(_) => None,
    };
    Some((egress, ingress))
}

/// Why a pair changed from `before` to `after`, evaluated in the state after
/// the change between `src` and `dst` (a pod class or an external range;
/// `None` when that pod does not exist after the change). Worded without
/// pod names so that one explanation serves every pod pair of two classes.
pub(super) fn explain_change(
    idx: &Index,
    src: Option<Endpoint>,
    dst: Option<Endpoint>,
    before: &PortSet,
    after: &PortSet,
) -> Vec<String> {
    let (Some(_), Some(_)) = (src, dst) else {
        let gone = if src.is_none() {
            "source"
        } else {
            "destination"
        };
        return vec![format!("the {gone} does not exist after the change")];
    };
    match sides(idx, src, dst) {
        Some((egress, ingress)) => words(egress.as_ref(), ingress.as_ref(), before, after),
        None => vec!["a hostNetwork pod is involved: no verdict".to_string()],
    }
}

/// The words for two side verdicts.
fn words(
    egress: Option<&SideVerdict>,
    ingress: Option<&SideVerdict>,
    before: &PortSet,
    after: &PortSet,
) -> Vec<String> {
    let mut why = Vec::new();
    let lost = before.difference(after);
    let gained = after.difference(before);
    for (side, who) in [(egress, "source"), (ingress, "destination")] {
        let Some(side) = side else { continue };
        let dir = match side.direction {
            Direction::Egress => "egress",
            Direction::Ingress => "ingress",
        };
        if let Some(t) = &side.tiers {
            let (lines, np) = crate::engine::tiers::change_reasons(t, dir, who, &lost, &gained);
            why.extend(lines);
            if !np {
                continue;
            }
        }
        if !lost.is_empty() && !lost.difference(&side.allowed).is_empty() {
            let denied = lost.difference(&side.allowed);
            let by: Vec<String> = side.isolated_by.iter().map(|k| k.to_string()).collect();
            why.push(format!(
                "{dir} of the {who} is isolated by {}; no rule allows {denied} any more",
                by.join(", ")
            ));
        }
        if !gained.is_empty() {
            for h in &side.hits {
                if !h.ports.intersect(&gained).is_empty() {
                    why.push(format!(
                        "{dir} rule {} of {} now allows {}",
                        h.rule + 1,
                        h.policy,
                        h.ports.intersect(&gained)
                    ));
                }
            }
            if !side.is_isolated() {
                why.push(format!(
                    "{dir} of the {who} is not isolated after the change"
                ));
            }
        }
    }
    why.dedup();
    why
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Protocol;
    use crate::engine::ports::PortRanges;

    /// The shared wording (per side, per namespace the peers cannot match,
    /// per pair of sides) equals the explanation computed afresh, for every
    /// class pair, asked twice in two orders so that every memo is hit.
    #[test]
    fn shared_words_equal_fresh_explanations() {
        let idx = crate::engine::connectivity::tests::cluster(8);
        let tcp = |a: u16, b: u16| PortSet::of(Protocol::Tcp, PortRanges::range(a, b));
        let sets = [
            (PortSet::all(), PortSet::none()),
            (PortSet::none(), PortSet::all()),
            (tcp(1, 9000), tcp(53, 53)),
        ];
        let ids: Vec<ClassId> = idx.classes().map(|(c, _)| c).collect();
        let mut w = Words::default();
        for round in 0..2 {
            for (i, &a) in ids.iter().enumerate() {
                for (k, &b) in ids.iter().enumerate() {
                    let (a, b) = if round == 0 {
                        (a, b)
                    } else {
                        (ids[ids.len() - 1 - i], ids[ids.len() - 1 - k])
                    };
                    for (before, after) in &sets {
                        let (x, y) = (Some(Endpoint::Class(a)), Some(Endpoint::Class(b)));
                        let got = w.explain(&idx, x, y, before, after);
                        let want = explain_change(&idx, x, y, before, after);
                        assert_eq!(&got[..], &want[..], "{a:?} -> {b:?}");
                    }
                }
            }
        }
        // Some side reads alike towards two namespaces its peers cannot
        // match (the second one shares the first one's side).
        assert!(
            w.by_ns
                .values()
                .any(|e| e.sides.values().filter(|s| s.is_some()).count() >= 2)
        );
    }
}
