//! Namespaces whose pods are not isolated: missing default denies.

use super::{
    Finding, MISSING_DEFAULT_DENY_EGRESS, MISSING_DEFAULT_DENY_INGRESS, SYSTEM_NAMESPACES,
    Severity, members, names, plural,
};
use crate::engine::index::Index;
use crate::engine::manifest::policy_yaml;
use crate::engine::model::{Direction, LabelSelector, Policy};

/// A policy with no rules, isolating every pod of `ns` for `dir`.
fn default_deny_yaml(ns: &str, dir: Direction) -> String {
    policy_yaml(&Policy {
        namespace: ns.to_string(),
        name: format!("default-deny-{}", dir.as_str().to_lowercase()),
        pod_selector: LabelSelector::default(),
        ingress_type: dir == Direction::Ingress,
        egress_type: dir == Direction::Egress,
        ingress: vec![],
        egress: vec![],
    })
}

pub(super) fn isolation_findings(idx: &Index, out: &mut Vec<Finding>) {
    for ns in idx.namespace_names() {
        if SYSTEM_NAMESPACES.contains(&ns.as_str()) {
            continue;
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            let mut open = Vec::new();
            let mut total = 0;
            for c in idx.classes_in(&ns) {
                if idx.class(c).host_network {
                    continue;
                }
                let m = members(idx, c);
                total += m.len();
                if !idx.is_isolated(c, dir) && !super::tiers::tier_default_deny(idx, c, dir) {
                    open.extend(m);
                }
            }
            if open.is_empty() {
                continue;
            }
            open.sort();
            let d = dir.as_str().to_lowercase();
            let (id, why) = match dir {
                Direction::Ingress => (
                    MISSING_DEFAULT_DENY_INGRESS,
                    "any pod in the cluster (and any address that reaches the pod network) can connect to them",
                ),
                Direction::Egress => (
                    MISSING_DEFAULT_DENY_EGRESS,
                    if idx.policies_in(&ns).next().is_some() {
                        "the egress half is open: a compromised pod can reach anything, including the cloud metadata endpoint"
                    } else {
                        "a compromised pod can reach anything, including the cloud metadata endpoint"
                    },
                ),
            };
            out.push(Finding {
                id,
                severity: Severity::Medium,
                namespace: Some(ns.clone()),
                policy: None,
                pod: (open.len() == 1).then(|| open[0].name.clone()),
                message: format!(
                    "{} of {} in namespace {ns} {} not isolated for {d}: {}",
                    open.len(),
                    plural(total, "pod", "pods"),
                    if open.len() == 1 { "is" } else { "are" },
                    names(&open)
                ),
                why: why.to_string(),
                fix: Some(default_deny_yaml(&ns, dir)),
                pods: open,
            });
        }
    }
}
