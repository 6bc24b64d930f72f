//! Findings: the ways teams get NetworkPolicy wrong, detected with the
//! engine's own verdicts (not by pattern-matching YAML). Ids are a stable
//! contract (`netpol-findings/v1`); never rename one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::rc::Rc;

use super::index::{ClassId, Index};
use super::ipblock::IpRange;
use super::model::{
    ContainerPort, Direction, Event, LabelSelector, Labels, NS_NAME_LABEL, Operator, Peer, Pod,
    PodKey, Policy, PortRef, Protocol,
};
use super::verdict::Endpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    // Ordered so that `>=` means "at least as severe".
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MISSING_DEFAULT_DENY_INGRESS: &str = "missing-default-deny-ingress";
pub const MISSING_DEFAULT_DENY_EGRESS: &str = "missing-default-deny-egress";
pub const EGRESS_DENY_BLOCKS_DNS: &str = "egress-deny-blocks-dns";
pub const DNS_ALLOW_MISSING_TCP: &str = "dns-allow-missing-tcp";
pub const METADATA_ENDPOINT_REACHABLE: &str = "metadata-endpoint-reachable";
pub const SELECTOR_AND_OR_TRAP: &str = "selector-and-or-trap";
pub const POLICY_SELECTS_NO_PODS: &str = "policy-selects-no-pods";
pub const PEER_MATCHES_NOTHING: &str = "peer-matches-nothing";
pub const NAMESPACE_LABEL_UNKNOWN: &str = "namespace-label-unknown";
pub const NAMED_PORT_UNRESOLVED: &str = "named-port-unresolved";
pub const HOST_NETWORK_POD: &str = "host-network-pod";
pub const NO_ENFORCING_CNI: &str = "no-enforcing-cni";

/// Namespaces that are not nagged for a missing default deny.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    pub namespace: Option<String>,
    pub policy: Option<String>,
    pub pod: Option<String>,
    /// What is wrong, where.
    pub message: String,
    /// Why it matters, in one line.
    pub why: String,
    /// A fix, as YAML ready to apply (or an edit to make), where one exists.
    pub fix: Option<String>,
    /// The pods concerned (for views: jump to, badges).
    pub pods: Vec<PodKey>,
}

/// What the CNI detection of a live source found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CniInfo {
    /// The policy-enforcing plugin found, if any.
    pub enforcing: Option<String>,
    /// Other network plugins found (e.g. flannel).
    pub others: Vec<String>,
    /// The plugins found are known not to enforce policy (flannel alone);
    /// false when nothing was recognised or enforcement depends on config.
    pub known_not_enforcing: bool,
}

#[derive(Debug, Clone)]
pub struct LintOptions {
    pub dns_namespace: String,
    pub dns_selector: LabelSelector,
    /// Live mode only.
    pub cni: Option<CniInfo>,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            dns_namespace: "kube-system".to_string(),
            dns_selector: LabelSelector {
                match_labels: Labels::from([("k8s-app".to_string(), "kube-dns".to_string())]),
                match_expressions: vec![],
            },
            cni: None,
        }
    }
}

pub const METADATA_V4: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(169, 254, 169, 254));
pub const METADATA_V6: IpAddr =
    IpAddr::V6(std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254));

fn names(pods: &[PodKey]) -> String {
    const SHOW: usize = 5;
    let mut v: Vec<&str> = pods.iter().take(SHOW).map(|k| k.name.as_str()).collect();
    let more = pods.len().saturating_sub(SHOW);
    if more > 0 {
        v.push("...");
    }
    let s = v.join(", ");
    if more > 0 {
        format!("{s} (+{more} more)")
    } else {
        s
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A selector as flow-style YAML.
pub fn selector_yaml(s: &LabelSelector) -> String {
    let mut parts = Vec::new();
    if !s.match_labels.is_empty() {
        let l: Vec<String> = s
            .match_labels
            .iter()
            .map(|(k, v)| format!("{}: {}", yaml_scalar(k), yaml_scalar(v)))
            .collect();
        parts.push(format!("matchLabels: {{{}}}", l.join(", ")));
    }
    if !s.match_expressions.is_empty() {
        let e: Vec<String> = s
            .match_expressions
            .iter()
            .map(|r| match &r.op {
                Operator::In(v) => format!(
                    "{{key: {}, operator: In, values: [{}]}}",
                    yaml_scalar(&r.key),
                    v.iter()
                        .map(|x| yaml_scalar(x))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Operator::NotIn(v) => format!(
                    "{{key: {}, operator: NotIn, values: [{}]}}",
                    yaml_scalar(&r.key),
                    v.iter()
                        .map(|x| yaml_scalar(x))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Operator::Exists => format!("{{key: {}, operator: Exists}}", yaml_scalar(&r.key)),
                Operator::DoesNotExist => {
                    format!("{{key: {}, operator: DoesNotExist}}", yaml_scalar(&r.key))
                }
            })
            .collect();
        parts.push(format!("matchExpressions: [{}]", e.join(", ")));
    }
    format!("{{{}}}", parts.join(", "))
}

/// The DNS allow for pods isolated by `pols` in `ns`. It selects the pods
/// of one of those policies (the namespace-wide one when there is one):
/// they are egress-isolated already, so the allow isolates no pod that was
/// open before. Named so that it replaces no existing policy.
fn dns_allow_yaml(idx: &Index, ns: &str, pols: &[String], o: &LintOptions) -> String {
    let isolating: Vec<&Policy> = pols
        .iter()
        .filter_map(|n| idx.policy(&PodKey::new(ns, n)))
        .collect();
    let chosen = isolating
        .iter()
        .find(|p| p.pod_selector.is_empty())
        .or(isolating.first());
    let (selector, base) = match chosen {
        Some(p) if !p.pod_selector.is_empty() => {
            (p.pod_selector.clone(), format!("allow-dns-{}", p.name))
        }
        _ => (LabelSelector::default(), "allow-dns".to_string()),
    };
    let mut name = base.clone();
    let mut i = 2;
    while idx.policy(&PodKey::new(ns, &name)).is_some() {
        name = format!("{base}-{i}");
        i += 1;
    }
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels:\n          {NS_NAME_LABEL}: {}\n      podSelector: {}\n    ports:\n    - {{protocol: UDP, port: 53}}\n    - {{protocol: TCP, port: 53}}\n",
        selector_yaml(&selector),
        yaml_scalar(&o.dns_namespace),
        selector_yaml(&o.dns_selector)
    )
}

/// A label key or value as a YAML scalar: quoted where YAML would read it
/// as something other than a string (`true`, `no`, `1.5`, empty).
pub fn yaml_scalar(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let special = matches!(
        lower.as_str(),
        "" | "~" | "null" | "true" | "false" | "yes" | "no" | "y" | "n" | "on" | "off"
    );
    // Numbers, and digit-led strings YAML 1.1 may read as times or dates.
    let numeric = s.parse::<f64>().is_ok() || s.starts_with(|c: char| c.is_ascii_digit());
    if special || numeric {
        format!("\"{s}\"")
    } else {
        s.to_string()
    }
}

fn default_deny_yaml(ns: &str, dir: Direction) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-{}\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n  policyTypes: [{}]\n",
        dir.as_str().to_lowercase(),
        dir.as_str()
    )
}

/// Pods of a class, as keys.
fn members(idx: &Index, c: ClassId) -> Vec<PodKey> {
    let class = idx.class(c);
    class
        .members
        .iter()
        .map(|m| PodKey::new(&class.namespace, m))
        .collect()
}

/// Affected pods grouped by (namespace, isolating policies), so that one
/// finding names one cause.
type Groups = BTreeMap<(String, Vec<String>), Vec<PodKey>>;

fn group_add(g: &mut Groups, idx: &Index, c: ClassId, policies: Vec<String>) {
    let ns = idx.class(c).namespace.clone();
    g.entry((ns, policies)).or_default().extend(members(idx, c));
}

pub fn lint(idx: &Index, o: &LintOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    isolation_findings(idx, &mut out);
    dns_findings(idx, o, &mut out);
    metadata_findings(idx, &mut out);
    let mut ctx = PolicyCtx::new(idx);
    for p in idx.policies() {
        policy_findings(&mut ctx, p, &mut out);
    }
    host_network_findings(idx, &mut out);
    if let Some(cni) = &o.cni
        && cni.enforcing.is_none()
        && idx.policies().next().is_some()
    {
        let others = if cni.others.is_empty() {
            "no network plugin was recognised".to_string()
        } else {
            format!("found {}", cni.others.join(", "))
        };
        out.push(Finding {
            id: NO_ENFORCING_CNI,
            // Unrecognised plugins (managed clusters) may still enforce.
            severity: if cni.known_not_enforcing { Severity::High } else { Severity::Medium },
            namespace: None,
            policy: None,
            pod: None,
            message: format!(
                "no policy-enforcing network plugin (Calico, Cilium, Antrea, kube-router, Weave Net, OVN-Kubernetes) runs in kube-system ({others}), yet {} exist",
                plural(idx.policies().count(), "NetworkPolicy", "NetworkPolicies")
            ),
            why: "the policies are accepted by the API server but nothing enforces them: all traffic flows".to_string(),
            fix: Some("install a CNI that enforces NetworkPolicy, or add one in policy-only mode (e.g. Calico or Cilium chained with flannel)".to_string()),
            pods: vec![],
        });
    }
    out.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            a.id,
            &a.namespace,
            &a.policy,
            &a.pod,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                b.id,
                &b.namespace,
                &b.policy,
                &b.pod,
            ))
    });
    out
}

fn isolation_findings(idx: &Index, out: &mut Vec<Finding>) {
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
                if !idx.is_isolated(c, dir) {
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

/// The DNS pods' classes, or a virtual kube-dns pod when the input has none
/// (files often leave kube-system out).
fn dns_index<'a>(
    idx: &'a Index,
    o: &LintOptions,
) -> (std::borrow::Cow<'a, Index>, Vec<ClassId>, bool) {
    let find = |i: &Index| -> Vec<ClassId> {
        i.classes_in(&o.dns_namespace)
            .filter(|&c| {
                let cl = i.class(c);
                !cl.host_network && o.dns_selector.matches(&cl.labels)
            })
            .collect()
    };
    let found = find(idx);
    if !found.is_empty() {
        return (std::borrow::Cow::Borrowed(idx), found, false);
    }
    let mut v = idx.clone();
    v.apply(Event::UpsertPod(Pod {
        namespace: o.dns_namespace.clone(),
        name: "cluster-dns (assumed)".to_string(),
        labels: o.dns_selector.match_labels.clone(),
        ports: vec![
            ContainerPort {
                name: Some("dns".into()),
                port: 53,
                protocol: Protocol::Udp,
            },
            ContainerPort {
                name: Some("dns-tcp".into()),
                port: 53,
                protocol: Protocol::Tcp,
            },
        ],
        ips: vec![],
        host_network: false,
        owner: None,
    }));
    let found = find(&v);
    (std::borrow::Cow::Owned(v), found, true)
}

fn dns_findings(idx: &Index, o: &LintOptions, out: &mut Vec<Finding>) {
    let isolated: Vec<ClassId> = idx
        .classes()
        .filter(|(_, c)| !c.host_network && c.namespace != o.dns_namespace)
        .map(|(id, _)| id)
        .filter(|&c| idx.is_isolated(c, Direction::Egress))
        .collect();
    if isolated.is_empty() {
        return;
    }
    let (view, dns, assumed) = dns_index(idx, o);
    let dns_name = if assumed {
        format!(
            "the cluster DNS ({} in {}, assumed: the input has no DNS pods)",
            o.dns_selector, o.dns_namespace
        )
    } else {
        format!("the DNS pods ({} in {})", o.dns_selector, o.dns_namespace)
    };
    let mut blocked: Groups = BTreeMap::new();
    let mut udp_only: Groups = BTreeMap::new();
    for &c in &isolated {
        let (mut udp, mut tcp) = (false, false);
        for &d in &dns {
            if let Ok(v) = view.pair_verdict(Endpoint::Class(c), Endpoint::Class(d)) {
                udp |= v.allowed.contains(Protocol::Udp, 53);
                tcp |= v.allowed.contains(Protocol::Tcp, 53);
            }
        }
        let pols: Vec<String> = idx
            .isolating_policies(c, Direction::Egress)
            .iter()
            .map(|p| p.name.clone())
            .collect();
        if !udp {
            group_add(&mut blocked, idx, c, pols);
        } else if !tcp {
            group_add(&mut udp_only, idx, c, pols);
        }
    }
    for ((ns, pols), mut pods) in blocked {
        pods.sort();
        out.push(Finding {
            id: EGRESS_DENY_BLOCKS_DNS,
            severity: Severity::High,
            namespace: Some(ns.clone()),
            policy: pols.first().cloned(),
            pod: (pods.len() == 1).then(|| pods[0].name.clone()),
            message: format!(
                "{} in {ns} isolated for egress by {} cannot reach {dns_name} on UDP 53: {}",
                plural(pods.len(), "pod", "pods"),
                pols.join(", "),
                names(&pods)
            ),
            why: "pods can't resolve names: every outbound call by name fails with 'bad address' or 'no such host'".to_string(),
            fix: Some(dns_allow_yaml(idx, &ns, &pols, o)),
            pods,
        });
    }
    for ((ns, pols), mut pods) in udp_only {
        pods.sort();
        out.push(Finding {
            id: DNS_ALLOW_MISSING_TCP,
            severity: Severity::Medium,
            namespace: Some(ns.clone()),
            policy: pols.first().cloned(),
            pod: (pods.len() == 1).then(|| pods[0].name.clone()),
            message: format!(
                "{} in {ns} can reach {dns_name} on UDP 53 but not on TCP 53: {}",
                plural(pods.len(), "pod", "pods"),
                names(&pods)
            ),
            why: "DNS falls back to TCP for large answers (truncated UDP): those lookups time out intermittently".to_string(),
            fix: Some(dns_allow_yaml(idx, &ns, &pols, o)),
            pods,
        });
    }
}

fn metadata_findings(idx: &Index, out: &mut Vec<Finding>) {
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
            id: METADATA_ENDPOINT_REACHABLE,
            severity: Severity::High,
            namespace: Some(ns.clone()),
            policy: pols.first().cloned(),
            pod: (pods.len() == 1).then(|| pods[0].name.clone()),
            message: format!(
                "{} in {ns} may reach the cloud metadata endpoint 169.254.169.254 through {}: {}",
                plural(pods.len(), "pod", "pods"),
                rules.join(", "),
                names(&pods)
            ),
            why: "a compromised pod can read the node's cloud credentials from the metadata service".to_string(),
            fix: Some(
                "add the link-local range to the ipBlock's except list:\n- ipBlock:\n    cidr: 0.0.0.0/0\n    except:\n    - 169.254.0.0/16   # covers 169.254.169.254/32\n# and for IPv6 ::/0 blocks: except [fd00:ec2::254/128]\n"
                    .to_string(),
            ),
            pods,
        });
    }
}

fn peer_kind(p: &Peer) -> (bool, bool) {
    match p {
        Peer::Pods {
            namespace_selector,
            pod_selector,
        } => (namespace_selector.is_some(), pod_selector.is_some()),
        Peer::IpBlock(_) => (false, false),
    }
}

/// What the per-policy checks share across policies: the namespaces each
/// namespaceSelector matches, and every namespace label value, so that a
/// cluster with thousands of namespaces is scanned once, not per peer.
struct PolicyCtx<'a> {
    idx: &'a Index,
    ns_matches: HashMap<&'a LabelSelector, Rc<Vec<String>>>,
    label_values: HashMap<String, HashSet<String>>,
}

impl<'a> PolicyCtx<'a> {
    fn new(idx: &'a Index) -> Self {
        let mut label_values: HashMap<String, HashSet<String>> = HashMap::new();
        for n in idx.namespace_names() {
            for (k, v) in idx.ns_labels(&n).iter() {
                label_values.entry(k.clone()).or_default().insert(v.clone());
            }
        }
        PolicyCtx {
            idx,
            ns_matches: HashMap::new(),
            label_values,
        }
    }

    /// The namespaces a peer can match pods in.
    fn peer_namespaces(&mut self, policy_ns: &str, peer: &'a Peer) -> Rc<Vec<String>> {
        match peer {
            Peer::IpBlock(_) => Rc::new(self.idx.namespace_names()),
            Peer::Pods {
                namespace_selector: None,
                ..
            } => Rc::new(vec![policy_ns.to_string()]),
            Peer::Pods {
                namespace_selector: Some(sel),
                ..
            } => {
                let idx = self.idx;
                self.ns_matches
                    .entry(sel)
                    .or_insert_with(|| {
                        Rc::new(
                            idx.namespace_names()
                                .into_iter()
                                .filter(|n| sel.matches(&idx.ns_labels(n)))
                                .collect(),
                        )
                    })
                    .clone()
            }
        }
    }

    /// The classes (not hostNetwork) a peer matches.
    fn peer_classes(&mut self, policy_ns: &str, peer: &'a Peer) -> Vec<ClassId> {
        let idx = self.idx;
        self.peer_namespaces(policy_ns, peer)
            .iter()
            .flat_map(|ns| idx.classes_in(ns).collect::<Vec<_>>())
            .filter(|&c| !idx.class(c).host_network && idx.peer_matches(policy_ns, peer, c))
            .collect()
    }

    /// The first matchLabels/In/Exists term that no namespace satisfies.
    fn unknown_namespace_term(&self, sel: &LabelSelector) -> Option<String> {
        let has = |k: &String, v: &String| self.label_values.get(k).is_some_and(|s| s.contains(v));
        for (k, v) in &sel.match_labels {
            if !has(k, v) {
                return Some(format!("{k}={v}"));
            }
        }
        for r in &sel.match_expressions {
            let known = match &r.op {
                Operator::In(vals) => vals.iter().any(|v| has(&r.key, v)),
                Operator::Exists => self.label_values.contains_key(&r.key),
                Operator::NotIn(_) | Operator::DoesNotExist => true,
            };
            if !known {
                return Some(r.to_string());
            }
        }
        None
    }
}

fn policy_findings<'a>(ctx: &mut PolicyCtx<'a>, p: &'a Policy, out: &mut Vec<Finding>) {
    let idx = ctx.idx;
    let selected = idx.selected_pods(p);
    if selected.is_empty() {
        let ns_pods = idx.pods_in(&p.namespace).count();
        // The closest label sets, to point at a typo.
        let mut seen: Vec<String> = idx
            .classes_in(&p.namespace)
            .map(|c| {
                LabelSelector {
                    match_labels: idx.class(c).labels.clone(),
                    match_expressions: vec![],
                }
                .to_string()
            })
            .collect();
        seen.sort();
        seen.dedup();
        seen.truncate(4);
        out.push(Finding {
            id: POLICY_SELECTS_NO_PODS,
            severity: Severity::Medium,
            namespace: Some(p.namespace.clone()),
            policy: Some(p.name.clone()),
            pod: None,
            message: if ns_pods == 0 {
                format!("policy {}/{} selects no pod: namespace {} has no pods", p.namespace, p.name, p.namespace)
            } else {
                format!(
                    "policy {}/{} selects no pod: podSelector {} matches none of the {} in {} (labels there: {})",
                    p.namespace,
                    p.name,
                    p.pod_selector,
                    plural(ns_pods, "pod", "pods"),
                    p.namespace,
                    seen.join("; ")
                )
            },
            why: "the protection it was written for is not applied (often a label typo)".to_string(),
            fix: None,
            pods: vec![],
        });
    }
    for dir in [Direction::Ingress, Direction::Egress] {
        if !p.has_type(dir) {
            continue;
        }
        let list = if dir == Direction::Ingress {
            "from"
        } else {
            "to"
        };
        for (ri, rule) in p.rules(dir).iter().enumerate() {
            let rpath = format!("{} rule {}", dir.as_str().to_lowercase(), ri + 1);
            // AND-vs-OR trap.
            let ns_only: Vec<usize> = rule
                .peers
                .iter()
                .enumerate()
                .filter(|(_, x)| peer_kind(x) == (true, false))
                .map(|(i, _)| i)
                .collect();
            let pod_only: Vec<usize> = rule
                .peers
                .iter()
                .enumerate()
                .filter(|(_, x)| peer_kind(x) == (false, true))
                .map(|(i, _)| i)
                .collect();
            if let (Some(&ni), Some(&pi)) = (ns_only.first(), pod_only.first()) {
                let (
                    Peer::Pods {
                        namespace_selector: Some(ns_sel),
                        ..
                    },
                    Peer::Pods {
                        pod_selector: Some(pod_sel),
                        ..
                    },
                ) = (&rule.peers[ni], &rule.peers[pi])
                else {
                    continue;
                };
                out.push(Finding {
                    id: SELECTOR_AND_OR_TRAP,
                    severity: Severity::Medium,
                    namespace: Some(p.namespace.clone()),
                    policy: Some(p.name.clone()),
                    pod: None,
                    message: format!(
                        "{}/{} {rpath}: `{list}` items {} (namespaceSelector {ns_sel}) and {} (podSelector {pod_sel}) are two peers, ORed: it admits every pod of the matching namespaces, and pods {pod_sel} of {}",
                        p.namespace,
                        p.name,
                        ni + 1,
                        pi + 1,
                        p.namespace
                    ),
                    why: "one `-` too many: meant as \"pods X in namespaces Y\", it admits far more".to_string(),
                    fix: Some(format!(
                        "if you meant pods {pod_sel} in namespaces {ns_sel}, make it one item:\n{list}:\n- namespaceSelector: {}\n  podSelector: {}\n",
                        selector_yaml(ns_sel),
                        selector_yaml(pod_sel)
                    )),
                    pods: vec![],
                });
            }
            for (pi, peer) in rule.peers.iter().enumerate() {
                let Peer::Pods {
                    namespace_selector, ..
                } = peer
                else {
                    continue;
                };
                if let Some(ns_sel) = namespace_selector
                    && let Some(term) = ctx.unknown_namespace_term(ns_sel)
                {
                    out.push(Finding {
                        id: NAMESPACE_LABEL_UNKNOWN,
                        severity: Severity::Low,
                        namespace: Some(p.namespace.clone()),
                        policy: Some(p.name.clone()),
                        pod: None,
                        message: format!(
                            "{}/{} {rpath} peer {}: namespaceSelector asks for {term}, which no namespace carries",
                            p.namespace,
                            p.name,
                            pi + 1
                        ),
                        why: "the peer matches no namespace (typo, or the label was never applied)".to_string(),
                        fix: Some(format!("check the namespace labels: kubectl get ns --show-labels (every namespace has {NS_NAME_LABEL}=<name>)")),
                        pods: vec![],
                    });
                }
                if ctx.peer_classes(&p.namespace, peer).is_empty() {
                    out.push(Finding {
                        id: PEER_MATCHES_NOTHING,
                        severity: Severity::Low,
                        namespace: Some(p.namespace.clone()),
                        policy: Some(p.name.clone()),
                        pod: None,
                        message: format!(
                            "{}/{} {rpath} peer {} ({}) matches no pod",
                            p.namespace,
                            p.name,
                            pi + 1,
                            idx.describe_peer(&p.namespace, peer)
                        ),
                        why: "the flow it was meant to allow stays blocked (typo or missing label)"
                            .to_string(),
                        fix: None,
                        pods: vec![],
                    });
                }
            }
            // Named ports nobody declares.
            for pp in &rule.ports {
                let Some(PortRef::Name(name)) = &pp.port else {
                    continue;
                };
                // The classes of the pods the rule can reach or be reached at.
                let dests: Vec<ClassId> = match dir {
                    Direction::Ingress => {
                        let mut v: Vec<ClassId> =
                            selected.iter().filter_map(|k| idx.pod_class(k)).collect();
                        v.sort_unstable();
                        v.dedup();
                        v
                    }
                    Direction::Egress if rule.peers.is_empty() => idx
                        .classes()
                        .filter(|(_, c)| !c.host_network)
                        .map(|(c, _)| c)
                        .collect(),
                    Direction::Egress => {
                        let mut v: Vec<ClassId> = Vec::new();
                        for x in &rule.peers {
                            v.extend(ctx.peer_classes(&p.namespace, x));
                        }
                        v.sort_unstable();
                        v.dedup();
                        v
                    }
                };
                if dests.is_empty() {
                    continue; // reported as selecting / matching nothing
                }
                let n_dests: usize = dests.iter().map(|&c| idx.class(c).members.len()).sum();
                let declared = dests.iter().any(|&c| {
                    idx.class(c)
                        .ports
                        .iter()
                        .any(|cp| cp.protocol == pp.protocol && cp.name.as_deref() == Some(name))
                });
                if !declared {
                    out.push(Finding {
                        id: NAMED_PORT_UNRESOLVED,
                        severity: Severity::Low,
                        namespace: Some(p.namespace.clone()),
                        policy: Some(p.name.clone()),
                        pod: None,
                        message: format!(
                            "{}/{} {rpath}: named port {name:?} ({}) is declared by none of the {} it could reach",
                            p.namespace,
                            p.name,
                            pp.protocol,
                            plural(n_dests, "pod", "pods")
                        ),
                        why: "a named port that no destination declares allows nothing".to_string(),
                        fix: Some(format!("name the container port {name:?} with protocol {}, or use the port number", pp.protocol)),
                        pods: vec![],
                    });
                }
            }
        }
    }
}

fn host_network_findings(idx: &Index, out: &mut Vec<Finding>) {
    for (c, class) in idx.classes() {
        if !class.host_network {
            continue;
        }
        for k in members(idx, c) {
            let system = SYSTEM_NAMESPACES.contains(&k.namespace.as_str());
            out.push(Finding {
                id: HOST_NETWORK_POD,
                severity: if system { Severity::Info } else { Severity::Low },
                namespace: Some(k.namespace.clone()),
                policy: None,
                pod: Some(k.name.clone()),
                message: format!("pod {k} runs with hostNetwork: true; NetworkPolicy does not govern it"),
                why: "its traffic uses the node's network: no policy can restrict or admit it (expected for CNI and kube-proxy pods)".to_string(),
                fix: None,
                pods: vec![k],
            });
        }
    }
}
