//! Proposals for the what-if: ready-made bundles (as the YAML a user would
//! `kubectl apply -f`), and the events that put a loaded proposal on top of
//! the current state. Pure: no terminal, no files, no network.

use super::index::Index;
use super::model::{Event, Snapshot};

/// The name of the default-deny policy of the bundle.
pub const DEFAULT_DENY_NAME: &str = "default-deny-all";
/// The name of the DNS allow policy of the bundle.
pub const ALLOW_DNS_NAME: &str = "allow-dns-egress";

/// A YAML scalar for `s`: double-quoted JSON strings are valid YAML, so any
/// name is safe to embed.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.escape_default()))
}

/// The default-deny bundle for one namespace: ingress and egress denied to
/// every pod, plus DNS egress to the cluster DNS pods (kube-system pods
/// labelled `k8s-app: kube-dns`, one peer with both selectors so they are
/// ANDed) on UDP and TCP 53.
pub fn default_deny_bundle(ns: &str) -> String {
    let ns = quoted(ns);
    format!(
        "# Default deny for namespace {ns}: nothing in or out, except DNS.\n\
         apiVersion: networking.k8s.io/v1\n\
         kind: NetworkPolicy\n\
         metadata:\n\
         \x20 name: {DEFAULT_DENY_NAME}\n\
         \x20 namespace: {ns}\n\
         spec:\n\
         \x20 podSelector: {{}}\n\
         \x20 policyTypes:\n\
         \x20   - Ingress\n\
         \x20   - Egress\n\
         ---\n\
         # DNS to the cluster DNS pods only, on UDP and TCP 53.\n\
         apiVersion: networking.k8s.io/v1\n\
         kind: NetworkPolicy\n\
         metadata:\n\
         \x20 name: {ALLOW_DNS_NAME}\n\
         \x20 namespace: {ns}\n\
         spec:\n\
         \x20 podSelector: {{}}\n\
         \x20 policyTypes:\n\
         \x20   - Egress\n\
         \x20 egress:\n\
         \x20   - to:\n\
         \x20       - namespaceSelector:\n\
         \x20           matchLabels:\n\
         \x20             kubernetes.io/metadata.name: kube-system\n\
         \x20         podSelector:\n\
         \x20           matchLabels:\n\
         \x20             k8s-app: kube-dns\n\
         \x20     ports:\n\
         \x20       - protocol: UDP\n\
         \x20         port: 53\n\
         \x20       - protocol: TCP\n\
         \x20         port: 53\n"
    )
}

/// A commented starting point for a draft written from scratch.
pub fn template(ns: &str) -> String {
    let ns = quoted(ns);
    format!(
        "# What-if draft: the YAML you would `kubectl apply -f` (NetworkPolicies,\n\
         # and Namespaces or Pods to add or relabel). Several documents are\n\
         # separated by `---`. Save and quit the editor to see the difference;\n\
         # nothing is sent to the cluster.\n\
         #\n\
         # apiVersion: networking.k8s.io/v1\n\
         # kind: NetworkPolicy\n\
         # metadata:\n\
         #   name: allow-web\n\
         #   namespace: {ns}\n\
         # spec:\n\
         #   podSelector:\n\
         #     matchLabels:\n\
         #       app: web\n\
         #   ingress:\n\
         #     - from:\n\
         #         - podSelector: {{}}\n\
         #       ports:\n\
         #         - port: 8080\n"
    )
}

/// The events that apply a loaded proposal (`snapshot`, the namespaces the
/// loader created implicitly in `implicit`) on top of `idx`, and a summary of
/// them (`3 pods`, `apply ns/a, ns/b`). Implicit namespaces that exist are
/// left alone: the proposal must not drop their labels.
pub fn apply_events(
    idx: &Index,
    snapshot: Snapshot,
    implicit: &[String],
) -> (Vec<Event>, Vec<String>) {
    let mut events = Vec::new();
    let mut what = Vec::new();
    for ns in snapshot.namespaces {
        if !implicit.contains(&ns.name) || idx.namespace(&ns.name).is_none() {
            events.push(Event::UpsertNamespace(ns));
        }
    }
    if !snapshot.pods.is_empty() {
        what.push(format!("{} pods", snapshot.pods.len()));
    }
    let pols: Vec<String> = snapshot
        .policies
        .iter()
        .map(|p| p.key().to_string())
        .collect();
    if !pols.is_empty() {
        what.push(format!("apply {}", pols.join(", ")));
    }
    events.extend(snapshot.pods.into_iter().map(Event::UpsertPod));
    events.extend(snapshot.policies.into_iter().map(Event::UpsertPolicy));
    (events, what)
}
