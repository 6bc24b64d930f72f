//! Proposals for the what-if: ready-made bundles (as the YAML a user would
//! `kubectl apply -f`), and the events that put a loaded proposal on top of
//! the current state. Pure: no terminal, no files, no network.

use super::index::Index;
use super::manifest::{commented, documents, policy_yaml};
use super::model::{
    Event, LabelSelector, Labels, NS_NAME_LABEL, Namespace, Peer, Pod, PodKey, Policy, PolicyKey,
    PolicyPort, PortRef, Protocol, Rule, Snapshot,
};

/// The name of the default-deny policy of the bundle.
pub const DEFAULT_DENY_NAME: &str = "default-deny-all";
/// The name of the DNS allow policy of the bundle.
pub const ALLOW_DNS_NAME: &str = "allow-dns-egress";

/// The two policies of the default-deny bundle for one namespace: ingress
/// and egress denied to every pod, plus DNS egress to the cluster DNS pods
/// (kube-system pods labelled `k8s-app: kube-dns`, one peer with both
/// selectors so they are ANDed) on UDP and TCP 53.
pub fn default_deny_policies(ns: &str) -> [Policy; 2] {
    let deny = Policy {
        namespace: ns.to_string(),
        name: DEFAULT_DENY_NAME.to_string(),
        pod_selector: LabelSelector::default(),
        ingress_type: true,
        egress_type: true,
        ingress: vec![],
        egress: vec![],
    };
    let dns = Policy {
        name: ALLOW_DNS_NAME.to_string(),
        ingress_type: false,
        egress: vec![dns_egress_rule(
            "kube-system",
            &LabelSelector {
                match_labels: Labels::from([("k8s-app".to_string(), "kube-dns".to_string())]),
                match_expressions: vec![],
            },
        )],
        ..deny.clone()
    };
    [deny, dns]
}

/// Egress to the DNS pods (`dns_pods` in namespace `dns_namespace`, one
/// peer with both selectors so they are ANDed) on UDP and TCP 53.
pub fn dns_egress_rule(dns_namespace: &str, dns_pods: &LabelSelector) -> Rule {
    Rule {
        peers: vec![Peer::Pods {
            namespace_selector: Some(LabelSelector {
                match_labels: Labels::from([(
                    NS_NAME_LABEL.to_string(),
                    dns_namespace.to_string(),
                )]),
                match_expressions: vec![],
            }),
            pod_selector: Some(dns_pods.clone()),
        }],
        ports: [Protocol::Udp, Protocol::Tcp]
            .into_iter()
            .map(|protocol| PolicyPort {
                protocol,
                port: Some(PortRef::Number(53)),
                end_port: None,
            })
            .collect(),
    }
}

/// The default-deny bundle as the YAML a user would `kubectl apply -f`.
pub fn default_deny_bundle(ns: &str) -> String {
    let [deny, dns] = default_deny_policies(ns);
    documents(&[
        (
            &format!("Default deny for namespace {ns}: nothing in or out, except DNS."),
            &deny,
        ),
        ("DNS to the cluster DNS pods only, on UDP and TCP 53.", &dns),
    ])
}

/// A commented starting point for a draft written from scratch.
pub fn template(ns: &str) -> String {
    let example = Policy {
        namespace: ns.to_string(),
        name: "allow-web".to_string(),
        pod_selector: LabelSelector {
            match_labels: Labels::from([("app".to_string(), "web".to_string())]),
            match_expressions: vec![],
        },
        ingress_type: true,
        egress_type: false,
        ingress: vec![Rule {
            peers: vec![Peer::Pods {
                namespace_selector: None,
                pod_selector: Some(LabelSelector::default()),
            }],
            ports: vec![PolicyPort {
                protocol: Protocol::Tcp,
                port: Some(PortRef::Number(8080)),
                end_port: None,
            }],
        }],
        egress: vec![],
    };
    "# What-if draft: the YAML you would `kubectl apply -f` (NetworkPolicies,\n\
     # and Namespaces or Pods to add or relabel). Several documents are\n\
     # separated by `---`. Save and quit the editor to see the difference;\n\
     # nothing is sent to the cluster.\n\
     #\n"
    .to_string()
        + &commented(&policy_yaml(&example))
}

/// One point change of a proposal.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    UpsertNamespace(Namespace),
    DeleteNamespace(String),
    UpsertPod(Pod),
    DeletePod(PodKey),
    /// Adds the policy, or replaces the one with its key.
    UpsertPolicy(Policy),
    DeletePolicy(PolicyKey),
    /// Adds or replaces a cluster-scoped policy (ClusterNetworkPolicy,
    /// AdminNetworkPolicy, BaselineAdminNetworkPolicy).
    UpsertClusterPolicy(crate::engine::tiers::ClusterPolicy),
    DeleteClusterPolicy(crate::engine::tiers::ClusterPolicyKey),
}

impl From<Change> for Event {
    fn from(c: Change) -> Event {
        match c {
            Change::UpsertNamespace(n) => Event::UpsertNamespace(n),
            Change::DeleteNamespace(n) => Event::DeleteNamespace(n),
            Change::UpsertPod(p) => Event::UpsertPod(p),
            Change::DeletePod(k) => Event::DeletePod(k),
            Change::UpsertPolicy(p) => Event::UpsertPolicy(p),
            Change::DeletePolicy(k) => Event::DeletePolicy(k),
            Change::UpsertClusterPolicy(p) => Event::UpsertClusterPolicy(p),
            Change::DeleteClusterPolicy(k) => Event::DeleteClusterPolicy(k),
        }
    }
}

/// What a what-if puts on top of the current state: changes applied in
/// order (whole-state replacements are not proposals), and a summary of
/// them for headlines (`3 pods`, `apply ns/a, ns/b`, `delete ns/c`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Proposal {
    pub changes: Vec<Change>,
    pub summary: Vec<String>,
}

impl Proposal {
    pub fn new(changes: Vec<Change>) -> Self {
        Proposal {
            changes,
            summary: Vec::new(),
        }
    }

    /// A loaded proposal (`snapshot`, with the namespaces the loader
    /// created implicitly in `implicit`) on top of `idx`. Implicit
    /// namespaces that exist are left alone: the proposal must not drop
    /// their labels.
    pub fn from_loaded(idx: &Index, snapshot: Snapshot, implicit: &[String]) -> Self {
        let mut p = Proposal::default();
        for ns in snapshot.namespaces {
            if !implicit.contains(&ns.name) || idx.namespace(&ns.name).is_none() {
                p.changes.push(Change::UpsertNamespace(ns));
            }
        }
        if !snapshot.pods.is_empty() {
            p.summary.push(format!("{} pods", snapshot.pods.len()));
        }
        let pols: Vec<String> = snapshot
            .policies
            .iter()
            .map(|p| p.key().to_string())
            .collect();
        let pols: Vec<String> = pols
            .into_iter()
            .chain(
                snapshot
                    .cluster_policies
                    .iter()
                    .map(|p| p.key().to_string()),
            )
            .collect();
        if !pols.is_empty() {
            p.summary.push(format!("apply {}", pols.join(", ")));
        }
        p.changes
            .extend(snapshot.pods.into_iter().map(Change::UpsertPod));
        p.changes
            .extend(snapshot.policies.into_iter().map(Change::UpsertPolicy));
        p.changes.extend(
            snapshot
                .cluster_policies
                .into_iter()
                .map(Change::UpsertClusterPolicy),
        );
        p
    }

    /// Adds the deletion of a policy; the caller checks that it exists.
    pub fn delete_policy(&mut self, key: PolicyKey) {
        self.summary.push(format!("delete {key}"));
        self.changes.push(Change::DeletePolicy(key));
    }

    /// Adds the deletion of a cluster-scoped policy; the caller checks
    /// that it exists.
    pub fn delete_cluster_policy(&mut self, key: crate::engine::tiers::ClusterPolicyKey) {
        self.summary.push(format!("delete {key}"));
        self.changes.push(Change::DeleteClusterPolicy(key));
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The changes as index events, in order.
    pub fn events(&self) -> impl Iterator<Item = Event> + '_ {
        self.changes.iter().cloned().map(Event::from)
    }
}
