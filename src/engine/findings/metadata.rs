//! Egress that admits the cloud metadata endpoint.

use std::collections::BTreeMap;

use super::{
    Finding, Groups, METADATA_ENDPOINT_REACHABLE, METADATA_V4, METADATA_V6, Severity, about_pods,
    members, names, plural,
};
use crate::engine::index::Index;
use crate::engine::ipblock::IpRange;
use crate::engine::manifest::peer_list_yaml;
use crate::engine::model::{Direction, IpBlock, Peer};
use crate::engine::verdict::Endpoint;

pub(super) fn metadata_findings(idx: &Index, out: &mut Vec<Finding>) {
    // Grouped by (namespace, allowing policies).
    let mut groups: Groups = BTreeMap::new();
    let mut rules_of: BTreeMap<(String, Vec<String>), Vec<String>> = BTreeMap::new();
    for (c, class) in idx.classes() {
        if class.host_network || !idx.is_isolated(c, Direction::Egress) {
            continue;
        }
        let mut allowing = Vec::new();
        let mut rules = Vec::new();
        for ip in [METADATA_V4, METADATA_V6] {
            let side = idx.side_verdict(c, Direction::Egress, Endpoint::Ip(IpRange::single(ip)));
            if side.allowed.is_empty() {
                // A cluster-scoped tier denies it whatever NetworkPolicy says.
                continue;
            }
            for h in &side.hits {
                if !allowing.contains(&h.policy.name) {
                    allowing.push(h.policy.name.clone());
                }
                rules.push(format!("{} egress rule {}", h.policy.name, h.rule + 1));
            }
        }
        if allowing.is_empty() {
            continue;
        }
        rules.sort();
        rules.dedup();
        let key = (class.namespace.clone(), allowing);
        rules_of.insert(key.clone(), rules);
        groups.entry(key).or_default().extend(members(idx, c));
    }
    for ((ns, pols), mut pods) in groups {
        pods.sort();
        let rules = rules_of
            .remove(&(ns.clone(), pols.clone()))
            .unwrap_or_default();
        out.push(Finding {
            message: format!(
                "{} in {ns} may reach the cloud metadata endpoint 169.254.169.254 through {}: {}",
                plural(pods.len(), "pod", "pods"),
                rules.join(", "),
                names(&pods)
            ),
            why:
                "a compromised pod can read the node's cloud credentials from the metadata service"
                    .to_string(),
            fix: Some(metadata_fix()),
            ..about_pods(
                METADATA_ENDPOINT_REACHABLE,
                Severity::High,
                &ns,
                &pols,
                pods,
            )
        });
    }
}

/// The fix: the link-local range (which covers 169.254.169.254) in the
/// ipBlock's except list, as a `to` snippet.
fn metadata_fix() -> String {
    let net = |s: &str| s.parse().expect("a valid literal CIDR");
    let peer = Peer::IpBlock(IpBlock {
        cidr: net("0.0.0.0/0"),
        except: vec![net("169.254.0.0/16")],
    });
    format!(
        "add the link-local range 169.254.0.0/16 (it covers 169.254.169.254/32) to the ipBlock's except list:\n{}# and for IPv6 ::/0 blocks: except [fd00:ec2::254/128]\n",
        peer_list_yaml("to", &peer)
    )
}
