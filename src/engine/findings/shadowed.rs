//! `cnp-shadowed-rule`: a rule of a cluster-scoped policy that can never
//! apply, because earlier rules of the same policy or higher-priority
//! policies of the same tier decide all the traffic it covers. Searched over
//! pod pairs (rules with `networks`, `nodes` or `domainNames` peers, or a
//! peer of unknown type, are not judged).

use super::{CNP_SHADOWED_RULE, Finding, Severity, members, names, plural};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::Direction;
use crate::engine::tiers::{ClusterPolicy, TierDecision, TierPeer, TierRule};
use crate::engine::verdict::Endpoint;

/// Pairs examined per rule at most: beyond that the rule is not judged
/// (lint stays fast on very large clusters).
const MAX_PAIRS: usize = 2_000_000;

pub(super) fn shadowed_findings(idx: &Index, out: &mut Vec<Finding>) {
    let classes: Vec<ClassId> = idx
        .classes()
        .filter(|(_, c)| !c.host_network)
        .map(|(c, _)| c)
        .collect();
    for p in idx.cluster_policies() {
        let subjects: Vec<ClassId> = classes
            .iter()
            .copied()
            .filter(|&c| {
                let cl = idx.class(c);
                p.subject.matches(&idx.ns_labels(&cl.namespace), &cl.labels)
            })
            .collect();
        if subjects.len().saturating_mul(classes.len()) > MAX_PAIRS {
            continue;
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            for (ri, r) in p.rules(dir).iter().enumerate() {
                if r.peers.iter().all(|x| matches!(x, TierPeer::Pods(_)))
                    && let Some(f) = judge(idx, p, dir, ri, r, &subjects, &classes)
                {
                    out.push(f);
                }
            }
        }
    }
}

/// The policy with only rule `ri` of `dir` (to ask what the rule alone covers).
fn alone(p: &ClusterPolicy, dir: Direction, r: &TierRule) -> ClusterPolicy {
    let mut q = p.clone();
    q.ingress.clear();
    q.egress.clear();
    match dir {
        Direction::Ingress => q.ingress.push(r.clone()),
        Direction::Egress => q.egress.push(r.clone()),
    }
    q
}

fn judge(
    idx: &Index,
    p: &ClusterPolicy,
    dir: Direction,
    ri: usize,
    r: &TierRule,
    subjects: &[ClassId],
    classes: &[ClassId],
) -> Option<Finding> {
    let single = alone(p, dir, r);
    let key = p.key();
    let mut covered: Vec<ClassId> = Vec::new();
    for &c in subjects {
        // The same tier only: NetworkPolicy and the other tier do not count.
        let same_tier: Vec<&ClusterPolicy> = idx
            .tier_policies_for(c)
            .into_iter()
            .filter(|q| q.tier == p.tier && !q.rules(dir).is_empty())
            .collect();
        let mut covers_here = false;
        for &o in classes {
            if o == c && idx.class(c).members.len() < 2 {
                continue;
            }
            let other = Endpoint::Class(o);
            let own = idx.tier_side_with(&[&single], c, dir, other, None);
            if !own.chain.iter().any(|d| matches!(d, TierDecision::Step(_))) {
                continue;
            }
            covers_here = true;
            let t = idx.tier_side_with(&same_tier, c, dir, other, None);
            let applies = t
                .chain
                .iter()
                .any(|d| matches!(d, TierDecision::Step(s) if s.policy == key && s.rule == ri))
                || t.ties.iter().any(|x| x.first == key || x.second == key);
            if applies {
                return None;
            }
        }
        if covers_here {
            covered.push(c);
        }
    }
    if covered.is_empty() {
        // It covers no traffic now: not shadowed, just idle.
        return None;
    }
    let mut pods: Vec<_> = covered.iter().flat_map(|&c| members(idx, c)).collect();
    pods.sort();
    let mut rule = format!("{key} {} rule {}", dir.as_str().to_lowercase(), ri + 1);
    if let Some(n) = &r.name {
        rule.push_str(&format!(" {n:?}"));
    }
    Some(Finding {
        id: CNP_SHADOWED_RULE,
        severity: Severity::Low,
        namespace: None,
        policy: Some(p.name.clone()),
        pod: None,
        message: format!(
            "{rule} ({}) never applies: earlier rules of {key} or higher-priority {} tier policies decide all the traffic it covers (for {}: {})",
            r.action.as_str(),
            p.tier.as_str(),
            plural(pods.len(), "pod", "pods"),
            names(&pods)
        ),
        why: "a rule that never applies is dead weight, or a sign that the order of rules or priorities is not what was meant".to_string(),
        fix: Some(format!(
            "remove {rule}, or move it before the rules that decide its traffic (or lower the priority number of {key})"
        )),
        pods,
    })
}
