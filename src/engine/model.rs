//! The engine's own model of the objects that matter for NetworkPolicy.
//!
//! Only what the semantics need is kept (labels, namespace, declared ports, IPs,
//! hostNetwork, owner, policy specs), so that a 150k-pod cluster stays small in
//! memory. The sources (a layer above the engine, `source/convert`) turn API
//! objects into this model and validate them the way kube-apiserver does.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use super::tiers::{ClusterKind, ClusterPolicy, ClusterPolicyKey};

/// Labels are kept sorted so that equal label sets compare and hash equal.
pub type Labels = BTreeMap<String, String>;

/// The label the API server sets on every namespace (since 1.21).
pub const NS_NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Namespace {
    pub name: String,
    pub labels: Labels,
}

impl Namespace {
    /// A namespace as the API server would create it: with its name label.
    pub fn new(name: impl Into<String>, mut labels: Labels) -> Self {
        let name = name.into();
        labels
            .entry(NS_NAME_LABEL.to_string())
            .or_insert_with(|| name.clone());
        Namespace { name, labels }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    // Declared in string order so sorted output matches `SCTP < TCP < UDP`.
    Sctp,
    Tcp,
    Udp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Sctp, Protocol::Tcp, Protocol::Udp];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Sctp => "SCTP",
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }

    /// Parses the API spelling (upper case, as the API server requires).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// Lenient parse for user input on the command line (`5432/tcp`).
    pub fn parse_loose(s: &str) -> Option<Protocol> {
        Protocol::parse(&s.to_ascii_uppercase())
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A container port the pod declares; named ports resolve against these.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub port: u16,
    pub protocol: Protocol,
}

impl ContainerPort {
    /// The ports of a cluster DNS pod (CoreDNS, kube-dns): `dns` on UDP 53
    /// and `dns-tcp` on TCP 53.
    pub fn cluster_dns() -> Vec<ContainerPort> {
        [("dns", Protocol::Udp), ("dns-tcp", Protocol::Tcp)]
            .into_iter()
            .map(|(name, protocol)| ContainerPort {
                name: Some(name.into()),
                port: 53,
                protocol,
            })
            .collect()
    }
}

/// What a pod stands for: itself, or a workload whose template it represents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Owner {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    /// Declared container ports, sorted and deduplicated.
    pub ports: Vec<ContainerPort>,
    /// `status.podIPs` (or `status.podIP`) when known.
    pub ips: Vec<IpAddr>,
    pub host_network: bool,
    /// The top-level workload (Deployment rather than its ReplicaSet) when known.
    pub owner: Option<Owner>,
}

impl Pod {
    pub fn key(&self) -> PodKey {
        PodKey::new(&self.namespace, &self.name)
    }

    /// `ns/name[Kind]` as netpol-analyzer and our workload view print it.
    pub fn workload_name(&self) -> String {
        match &self.owner {
            Some(o) => format!("{}/{}[{}]", self.namespace, o.name, o.kind),
            None => format!("{}/{}[Pod]", self.namespace, self.name),
        }
    }
}

/// A `namespace/name` key type, sorted by namespace then name and shown
/// as `namespace/name`. One type per kind of object, so the compiler keeps
/// a pod key from standing in for a policy key.
macro_rules! namespaced_key {
    ($(#[$doc:meta])* $key:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $key {
            pub namespace: String,
            pub name: String,
        }

        impl $key {
            pub fn new(namespace: &str, name: &str) -> Self {
                $key {
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                }
            }
        }

        impl fmt::Display for $key {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}/{}", self.namespace, self.name)
            }
        }
    };
}

namespaced_key!(
    /// `namespace/name` of a pod.
    PodKey
);

namespaced_key!(
    /// `namespace/name` of a NetworkPolicy.
    PolicyKey
);

namespaced_key!(
    /// `namespace/name` of a Service.
    ServiceKey
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Requirement {
    pub key: String,
    pub op: Operator,
}

/// A validated label selector. The empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelSelector {
    pub match_labels: Labels,
    pub match_expressions: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpBlock {
    pub cidr: IpNet,
    pub except: Vec<IpNet>,
}

/// One item of a `from`/`to` list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector` (at least one is set).
    /// podSelector alone means the policy's own namespace.
    Pods {
        namespace_selector: Option<LabelSelector>,
        pod_selector: Option<LabelSelector>,
    },
    IpBlock(IpBlock),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

/// One item of a rule's `ports` list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyPort {
    pub protocol: Protocol,
    /// None: every port of `protocol`.
    pub port: Option<PortRef>,
    /// Only with a numeric port: the inclusive end of the range.
    pub end_port: Option<u16>,
}

/// One ingress or egress rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    /// Empty: every peer (all pods everywhere and all IPs).
    pub peers: Vec<Peer>,
    /// Empty: every port of every protocol.
    pub ports: Vec<PolicyPort>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Policy {
    pub namespace: String,
    pub name: String,
    pub pod_selector: LabelSelector,
    /// Effective policyTypes: defaults applied at conversion.
    pub ingress_type: bool,
    pub egress_type: bool,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

impl Policy {
    pub fn key(&self) -> PolicyKey {
        PolicyKey::new(&self.namespace, &self.name)
    }

    pub fn has_type(&self, dir: Direction) -> bool {
        match dir {
            Direction::Ingress => self.ingress_type,
            Direction::Egress => self.egress_type,
        }
    }

    pub fn rules(&self, dir: Direction) -> &[Rule] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// `spec.type` of a Service. Only ExternalName changes what the engine does
/// (no backends: it is a DNS alias); the others are kept for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ServiceType {
    ClusterIp,
    NodePort,
    LoadBalancer,
    /// `spec.externalName`: the DNS name the Service aliases.
    ExternalName(String),
}

impl ServiceType {
    pub fn as_str(&self) -> &'static str {
        match self {
            ServiceType::ClusterIp => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::ExternalName(_) => "ExternalName",
        }
    }
}

/// One item of `spec.ports`. `target` defaults to `port` at conversion, as the
/// API server defaults it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServicePort {
    pub name: Option<String>,
    pub protocol: Protocol,
    pub port: u16,
    pub target: PortRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    /// `spec.selector` (equality only, never empty). None: selectorless (an
    /// empty selector is stored as none by the API server), its endpoints are
    /// managed by hand and not known from labels.
    pub selector: Option<Labels>,
    pub ports: Vec<ServicePort>,
    pub service_type: ServiceType,
    /// `spec.clusterIPs` (or `spec.clusterIP`), without `None`.
    pub cluster_ips: Vec<IpAddr>,
    /// `clusterIP: None`: DNS answers with the backend pod IPs directly.
    pub headless: bool,
}

impl Service {
    pub fn key(&self) -> ServiceKey {
        ServiceKey::new(&self.namespace, &self.name)
    }

    /// Whether the backends are known from the selector (not ExternalName,
    /// not selectorless).
    pub fn backends_known(&self) -> bool {
        self.selector.is_some() && !matches!(self.service_type, ServiceType::ExternalName(_))
    }

    /// Whether a pod with these labels in this namespace is a backend.
    pub fn selects(&self, namespace: &str, labels: &Labels) -> bool {
        match &self.selector {
            Some(sel) if self.backends_known() && namespace == self.namespace => {
                sel.iter().all(|(k, v)| labels.get(k) == Some(v))
            }
            _ => false,
        }
    }

    /// The Service port with this number or name.
    pub fn port(&self, spec: &str) -> Option<&ServicePort> {
        match spec.parse::<u16>() {
            Ok(n) => self.ports.iter().find(|p| p.port == n),
            Err(_) => self.ports.iter().find(|p| p.name.as_deref() == Some(spec)),
        }
    }

    /// `name.namespace.svc.cluster.local`, the name clients resolve.
    pub fn dns_name(&self) -> String {
        format!("{}.{}.svc.cluster.local", self.name, self.namespace)
    }
}

/// A change to the cluster state, as a source produces it. The index applies
/// these incrementally; `Replace` swaps in a whole new state atomically.
#[derive(Debug, Clone)]
pub enum Event {
    UpsertNamespace(Namespace),
    DeleteNamespace(String),
    UpsertPod(Pod),
    DeletePod(PodKey),
    UpsertPolicy(Policy),
    DeletePolicy(PolicyKey),
    /// The result of a (re)list of namespaces: replaces all of them at once.
    ReplaceNamespaces(Vec<Namespace>),
    /// The result of a (re)list of pods, cluster-wide (`namespace: None`) or
    /// of one namespace: replaces exactly that scope at once.
    ReplacePods {
        namespace: Option<String>,
        pods: Vec<Pod>,
    },
    /// Same as `ReplacePods`, for NetworkPolicies.
    ReplacePolicies {
        namespace: Option<String>,
        policies: Vec<Policy>,
    },
    UpsertService(Service),
    DeleteService(ServiceKey),
    /// Same as `ReplacePods`, for Services.
    ReplaceServices {
        namespace: Option<String>,
        services: Vec<Service>,
    },
    /// A whole new state (files, demo): replaces everything at once.
    Replace(Snapshot),
    /// Cluster-scoped policies (ClusterNetworkPolicy, AdminNetworkPolicy,
    /// BaselineAdminNetworkPolicy); see [`crate::engine::tiers`].
    UpsertClusterPolicy(ClusterPolicy),
    DeleteClusterPolicy(ClusterPolicyKey),
    /// The result of a (re)list of the cluster-scoped policies of `kinds`:
    /// replaces exactly those kinds at once.
    ReplaceClusterPolicies {
        kinds: Vec<ClusterKind>,
        policies: Vec<ClusterPolicy>,
    },
}

/// A whole cluster state (what a list returns, or what files hold).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub namespaces: Vec<Namespace>,
    pub pods: Vec<Pod>,
    pub policies: Vec<Policy>,
    /// Cluster-scoped tier policies.
    pub cluster_policies: Vec<ClusterPolicy>,
    pub services: Vec<Service>,
}
