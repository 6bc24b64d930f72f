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
        if !pols.is_empty() {
            p.summary.push(format!("apply {}", pols.join(", ")));
        }
        p.changes
            .extend(snapshot.pods.into_iter().map(Change::UpsertPod));
        p.changes
            .extend(snapshot.policies.into_iter().map(Change::UpsertPolicy));
        p
    }

    /// Adds the deletion of a policy; the caller checks that it exists.
    pub fn delete_policy(&mut self, key: PolicyKey) {
        self.summary.push(format!("delete {key}"));
        self.changes.push(Change::DeletePolicy(key));
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The changes as index events, in order.
    pub fn events(&self) -> impl Iterator<Item = Event> + '_ {
        self.changes.iter().cloned().map(Event::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::connectivity::{Granularity, report};
    use crate::engine::model::Protocol;
    use crate::engine::ports::PortSet;
    use crate::source::files::load_sources;

    const CLUSTER: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: app, labels: {app: db}}
spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, ports: [{containerPort: 53, protocol: UDP}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: metrics, namespace: kube-system, labels: {k8s-app: metrics}}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: dns-lookalike, namespace: other, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c}]}
";

    fn index_with(extra: Option<&str>) -> Index {
        let mut sources = vec![("cluster.yaml".to_string(), CLUSTER.to_string())];
        if let Some(e) = extra {
            sources.push(("proposal.yaml".to_string(), e.to_string()));
        }
        let l = load_sources(&sources);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        Index::from_snapshot(l.snapshot)
    }

    #[test]
    fn the_bundle_loads_cleanly_as_two_policies() {
        let l = load_sources(&[("p".into(), default_deny_bundle("app"))]);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let mut names: Vec<String> = l
            .snapshot
            .policies
            .iter()
            .map(|p| p.key().to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                format!("app/{ALLOW_DNS_NAME}"),
                format!("app/{DEFAULT_DENY_NAME}")
            ]
        );
        let deny = l
            .snapshot
            .policies
            .iter()
            .find(|p| p.name == DEFAULT_DENY_NAME)
            .expect("deny policy");
        assert!(deny.ingress_type && deny.egress_type);
    }

    #[test]
    fn the_bundle_allows_only_dns_to_kube_dns_out_and_nothing_in() {
        let before = report(&index_with(None), Granularity::Pod);
        assert!(
            before
                .internal
                .iter()
                .any(|r| r.src == "app/web" && r.dst == "app/db"),
            "everything is open before"
        );
        let r = report(
            &index_with(Some(&default_deny_bundle("app"))),
            Granularity::Pod,
        );
        let from_web: Vec<_> = r
            .all_rows()
            .into_iter()
            .filter(|c| c.src == "app/web")
            .collect();
        let dns = PortSet::single(Protocol::Udp, 53).union(&PortSet::single(Protocol::Tcp, 53));
        assert_eq!(from_web.len(), 1, "{from_web:?}");
        assert_eq!(from_web[0].dst, "kube-system/coredns");
        assert_eq!(from_web[0].ports, dns);
        // Nothing reaches the namespace's pods any more, not even each other.
        let into_app: Vec<_> = r
            .all_rows()
            .into_iter()
            .filter(|c| c.dst.starts_with("app/"))
            .collect();
        assert!(into_app.is_empty(), "{into_app:?}");
        // Other namespaces are untouched.
        assert!(
            r.internal
                .iter()
                .any(|c| c.src == "kube-system/metrics" && c.dst == "other/dns-lookalike")
        );
    }

    #[test]
    fn names_are_quoted_safely() {
        let y = default_deny_bundle("we\"ird: ns");
        let l = load_sources(&[("p".into(), y)]);
        // Not a valid namespace name, but the YAML itself parses: the error
        // is about the name, not the syntax.
        assert!(
            l.errors.iter().all(|e| !e.message.contains("YAML")),
            "{:?}",
            l.errors
        );
        assert!(template("app").lines().all(|l| l.starts_with('#')));
    }

    #[test]
    fn from_loaded_keeps_existing_namespaces_labels() {
        let idx = index_with(None);
        let l = load_sources(&[("p".into(), default_deny_bundle("app"))]);
        let p = Proposal::from_loaded(&idx, l.snapshot, &l.implicit_namespaces);
        assert_eq!(p.changes.len(), 2, "{:?}", p.changes);
        assert!(
            p.changes
                .iter()
                .all(|e| matches!(e, Change::UpsertPolicy(_)))
        );
        assert_eq!(p.summary.len(), 1);
        assert!(p.summary[0].starts_with("apply "));
    }
}
